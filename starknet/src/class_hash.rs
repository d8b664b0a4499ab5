//! The class hash of a Sierra class as Starknet defines it, for every form a class comes in.
//!
//! The hash covers the ABI as a string. Declare transactions and RPC nodes carry that string;
//! compilers and tools such as devnet write the ABI as a JSON array, which Starknet's tooling
//! (cairo-lang, starknet.py, starknet-rs) turns into the string Python's `json.dumps(abi)`
//! writes: separators `", "` and `": "`, keys in document order, non-ASCII and control
//! characters escaped as lowercase `\uXXXX` (UTF-16 surrogate pairs above U+FFFF). The hashes
//! that devnet publishes for the real STRK and ETH tokens, the UDC and the OpenZeppelin and
//! Argent accounts come out of this rule (`starknet/tests/real_classes.rs`).
//!
//! The serializer runs over serde_json's token stream (a `DeserializeSeed`), so it sees object
//! keys in document order without serde_json's `preserve_order` feature, and it handles numbers
//! with or without `arbitrary_precision` (compiler ABIs hold no numbers).

use starknet_api::core::ClassHash;
use starknet_types_core::felt::Felt;

use crate::class::ClassError;
use crate::panic_guard::catch_silently;

/// The class hash of a Sierra contract class (JSON: `sierra_program`,
/// `contract_class_version`, `entry_points_by_type`, `abi`), where `abi` is a string (hashed
/// verbatim), a JSON array (written as `json.dumps` writes it, see the module doc), or absent
/// or `null` (the empty string).
pub fn sierra_class_hash(json: &str) -> Result<ClassHash, ClassError> {
    #[derive(serde::Deserialize)]
    struct Raw {
        sierra_program: Vec<Felt>,
        contract_class_version: String,
        entry_points_by_type: starknet_api::rpc_transaction::EntryPointByType,
        #[serde(default)]
        abi: AbiText,
    }
    let raw: Raw = serde_json::from_str(json).map_err(|error| ClassError::Json {
        what: "Sierra contract class",
        error,
    })?;
    let class = starknet_api::state::SierraContractClass {
        sierra_program: raw.sierra_program,
        contract_class_version: raw.contract_class_version,
        entry_points_by_type: raw.entry_points_by_type,
        abi: raw.abi.0,
    };
    catch_silently(|| class.calculate_class_hash())
        .map_err(|panic| ClassError::Invalid(format!("hashing the class panicked: {panic}")))
}

/// The ABI of a Sierra class as the string its hash covers (see the module doc).
pub fn abi_string(json: &str) -> Result<String, ClassError> {
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        abi: AbiText,
    }
    serde_json::from_str::<Raw>(json)
        .map(|raw| raw.abi.0)
        .map_err(|error| ClassError::Json {
            what: "Sierra contract class",
            error,
        })
}

/// The ABI string a class is hashed with (see [`sierra_class_hash`]).
#[derive(Default)]
struct AbiText(String);

impl<'de> serde::Deserialize<'de> for AbiText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Top;
        impl<'de> serde::de::Visitor<'de> for Top {
            type Value = AbiText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an ABI: a string, an array or null")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AbiText, E> {
                Ok(AbiText(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<AbiText, E> {
                Ok(AbiText(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<AbiText, E> {
                Ok(AbiText::default())
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<AbiText, E> {
                Ok(AbiText::default())
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<AbiText, A::Error> {
                let mut out = String::new();
                Pythonic(&mut out).visit_seq(seq)?;
                Ok(AbiText(out))
            }
        }
        deserializer.deserialize_any(Top)
    }
}

/// Writes the JSON value it deserializes to `.0` as Python's `json.dumps` (default arguments)
/// would write `json.loads` of it.
struct Pythonic<'a>(&'a mut String);

/// The key serde_json's `arbitrary_precision` feature hands a number under, as a one-entry map.
const SERDE_JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> serde::de::DeserializeSeed<'de> for Pythonic<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Pythonic<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.push_str("null");
        Ok(())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }
    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }
    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        python_float(self.0, v);
        Ok(())
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        python_string(self.0, v);
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push('[');
        let mut first = true;
        loop {
            let mark = self.0.len();
            if !first {
                self.0.push_str(", ");
            }
            if seq.next_element_seed(Pythonic(&mut *self.0))?.is_none() {
                self.0.truncate(mark);
                break;
            }
            first = false;
        }
        self.0.push(']');
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Python's dict keeps a repeated key at its first position, with its last value.
        let mut entries: Vec<(String, String)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.is_empty() && key == SERDE_JSON_NUMBER_TOKEN {
                let text = map.next_value::<String>()?;
                return python_number(self.0, &text).map_err(serde::de::Error::custom);
            }
            let mut value = String::new();
            map.next_value_seed(Pythonic(&mut value))?;
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
        self.0.push('{');
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                self.0.push_str(", ");
            }
            python_string(self.0, key);
            self.0.push_str(": ");
            self.0.push_str(value);
        }
        self.0.push('}');
        Ok(())
    }
}

/// `json.dumps(s)` (`ensure_ascii=True`): `"` `\` and `\b \f \n \r \t` get their short escapes,
/// printable ASCII (space to `~`) stays, everything else is `\u` + 4 lowercase hex digits per
/// UTF-16 unit.
fn python_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// A JSON number's text as `json.dumps(json.loads(text))` writes it: an integer as itself
/// (`-0` is `0`), anything with a fraction or an exponent as a Python float.
fn python_number(out: &mut String, text: &str) -> Result<(), String> {
    if text.contains(['.', 'e', 'E']) {
        let v: f64 = text
            .parse()
            .map_err(|_| format!("bad number {text:?} in the ABI"))?;
        python_float(out, v);
    } else if text == "-0" {
        out.push('0');
    } else {
        out.push_str(text);
    }
    Ok(())
}

/// `repr(v)` for a float: the shortest round-trip digits, positional when the decimal exponent
/// is in -5..16, otherwise `d.ddde+XX`; `json.dumps` writes infinities as `Infinity`.
fn python_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-7", "1e16", "0e0".
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let n = digits.len() as i32;
    let decpt = exp + 1; // value = 0.DIGITS * 10^decpt
    if v.is_sign_negative() {
        out.push('-');
    }
    if (-3..=16).contains(&decpt) {
        if decpt <= 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat((-decpt) as usize));
            out.push_str(&digits);
        } else if decpt >= n {
            out.push_str(&digits);
            out.push_str(&"0".repeat((decpt - n) as usize));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..decpt as usize]);
            out.push('.');
            out.push_str(&digits[decpt as usize..]);
        }
    } else {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abi_of(json: &str) -> String {
        abi_string(json).unwrap()
    }

    #[test]
    fn arrays_are_written_as_python_writes_them() {
        // Keys keep their order; Python's separators; non-ASCII escaped.
        let json = r#"{"abi": [{"type": "function", "name": "fé", "inputs": [], "a": {"z": 1, "b": true, "n": null}}]}"#;
        assert_eq!(
            abi_of(json),
            r#"[{"type": "function", "name": "f\u00e9", "inputs": [], "a": {"z": 1, "b": true, "n": null}}]"#
        );
        // Escapes, an astral character as a surrogate pair, a repeated key (first place, last
        // value), numbers as Python prints them.
        let json = r#"{"abi": [{"k": "x", "s": "😀", "k": 2, "f": 1.5, "e": 1e20, "z": -0}]}"#;
        assert_eq!(
            abi_of(json),
            r#"[{"k": 2, "s": "\ud83d\ude00", "f": 1.5, "e": 1e+20, "z": 0}]"#
        );
        let json = r#"{"abi": [{"e": "a\"b\\c\nd\u0001\t"}]}"#;
        assert_eq!(abi_of(json), r#"[{"e": "a\"b\\c\nd\u0001\t"}]"#);
        // A string is taken as it is; absent and null are empty.
        assert_eq!(abi_of(r#"{"abi": "[{\"x\":1}]"}"#), r#"[{"x":1}]"#);
        assert_eq!(abi_of(r#"{}"#), "");
        assert_eq!(abi_of(r#"{"abi": null}"#), "");
        assert!(abi_string(r#"{"abi": 5}"#).is_err());
    }
}
