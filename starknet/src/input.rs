//! Reading input from outside the process: block files, genesis files and classes are shared
//! between people and come from nodes, so every reader here assumes the worst.
//!
//! - [`read_regular_file`]: only regular files, at most a given size, so a FIFO or `/dev/zero`
//!   named as a class path is an error at once instead of a hang or an exhausted memory.
//! - [`check_felts`]: every `0x` string of a JSON document is below the field prime `P`, so a
//!   nonce of `P` is an error naming its field, never silently taken as `P mod P = 0`.
//! - [`elide`]: a value echoed in an error is cut to a short prefix and its length, so a 200 MB
//!   string gives a one-line error.
//! - [`parse_u128`]: decimal digits or `0x` and hex digits, nothing else (`"+5"` is no number).

use std::io::Read;
use std::path::Path;

use num_bigint::BigUint;

/// The largest block, genesis or output file read (1 GiB).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// The largest class file a genesis file may name (64 MiB; real classes are under 5 MiB).
pub const MAX_CLASS_FILE_BYTES: u64 = 64 << 20;
/// How long a value an error echoes whole may be (a felt in hex is at most 66 characters);
/// longer ones are cut to their first third of it.
pub const ECHO_BYTES: usize = 96;
/// How long a message is before it is cut as a whole.
pub const MAX_MESSAGE_BYTES: usize = 2048;

/// Reads `path` as UTF-8 text if it is a regular file of at most `max_bytes`. Anything else (a
/// directory, a FIFO, a device, a larger file) is an error that says so, returned without
/// blocking: the file type is checked before the file is opened.
pub fn read_regular_file(path: &Path, max_bytes: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    let not_regular = || {
        Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device or directory cannot be read as one)",
        )
    };
    if !std::fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path)?;
    // Checked again on the open file: the path may have been replaced in between.
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(not_regular());
    }
    let len = metadata.len();
    let too_large = || {
        Error::new(
            ErrorKind::InvalidData,
            format!("larger than the limit of {max_bytes} bytes"),
        )
    };
    if len > max_bytes {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!("not UTF-8 text (at byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// A `0x` string in a JSON document that is not a field element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {value} is not a felt: it is not below the field prime P = 2^251 + 17·2^192 + 1")]
pub struct FeltRangeError {
    /// Where it is, as a path (`transactions[3].tx.nonce`).
    pub field: String,
    /// The value, elided if long.
    pub value: String,
}

/// Why a JSON document from outside was not read.
#[derive(Debug, thiserror::Error)]
pub enum JsonInputError {
    /// Not JSON of the expected shape (serde's message, with the text's line and column).
    #[error("{}", elide(&.0.to_string()))]
    Json(serde_json::Error),
    /// A `0x` value is not a felt.
    #[error(transparent)]
    Felt(FeltRangeError),
}

/// Parses `text` twice: as a tree, to check its felts ([`check_felts`], keys in `exempt`
/// skipped), then as `T`, so that serde's errors give the line and column of the text itself.
pub fn parse_checked<T: serde::de::DeserializeOwned>(
    text: &str,
    exempt: &[&str],
) -> Result<T, JsonInputError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(JsonInputError::Json)?;
    check_felts(&value, exempt).map_err(JsonInputError::Felt)?;
    drop(value);
    serde_json::from_str(text).map_err(JsonInputError::Json)
}

/// The field prime.
fn prime() -> BigUint {
    (BigUint::from(1u8) << 251) + (BigUint::from(17u8) << 192) + BigUint::from(1u8)
}

/// Checks that every string of `value` that is `0x` followed by hex digits is below the field
/// prime, except under a key named in `exempt` (a compiled class's `prime` is `P` itself).
/// Returns the first offender, named by its path.
pub fn check_felts(value: &serde_json::Value, exempt: &[&str]) -> Result<(), FeltRangeError> {
    let p = prime();
    let mut path = String::new();
    walk(value, exempt, &p, &mut path)
}

fn walk(
    value: &serde_json::Value,
    exempt: &[&str],
    p: &BigUint,
    path: &mut String,
) -> Result<(), FeltRangeError> {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            if let Some(digits) = s.strip_prefix("0x") {
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                    let significant = digits.trim_start_matches('0');
                    // 64 significant hex digits are 256 bits, already above P.
                    let too_large = significant.len() > 64
                        || BigUint::parse_bytes(significant.as_bytes(), 16)
                            .is_some_and(|n| &n >= p);
                    if too_large {
                        return Err(FeltRangeError {
                            field: if path.is_empty() {
                                "the document".into()
                            } else {
                                path.clone()
                            },
                            value: elide(s),
                        });
                    }
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, exempt, p, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (key, item) in map {
                if exempt.contains(&key.as_str()) {
                    continue;
                }
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&elide(key));
                walk(item, exempt, p, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

/// `text` with every run of more than [`ECHO_BYTES`] non-blank characters cut to its first
/// characters and its length, and the whole cut at [`MAX_MESSAGE_BYTES`]: an error that echoes
/// a value stays one short line.
pub fn elide(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE_BYTES + 64));
    let mut rest = text;
    while !rest.is_empty() {
        if out.len() > MAX_MESSAGE_BYTES {
            out.push_str(&format!("… ({} bytes in all)", text.len()));
            break;
        }
        let blank = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        out.push_str(&rest[..blank]);
        rest = &rest[blank..];
        let word = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..word];
        if token.len() > ECHO_BYTES {
            let mut cut = ECHO_BYTES / 3;
            while !token.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&format!("{}… ({} bytes)", &token[..cut], token.len()));
        } else {
            out.push_str(token);
        }
        rest = &rest[word..];
    }
    out
}

/// Parses a u128 written as decimal digits or as `0x` and hex digits; no sign, no blanks.
pub fn parse_u128(s: &str) -> Option<u128> {
    let (digits, radix) = match s.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (s, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u128::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn felts_below_the_prime_pass_and_the_prime_is_named() {
        let max = "0x800000000000011000000000000000000000000000000000000000000000000";
        let p = "0x800000000000011000000000000000000000000000000000000000000000001";
        let doc = json!({ "a": [max, "0x0", "0x00001"], "prime": p, "name": "SN_MAIN" });
        assert_eq!(check_felts(&doc, &["prime"]), Ok(()));
        let doc = json!({ "txs": [{ "tx": { "nonce": "0x1" } }, { "tx": { "nonce": p } }] });
        let err = check_felts(&doc, &["prime"]).unwrap_err();
        assert_eq!(err.field, "txs[1].tx.nonce");
        assert!(err.to_string().contains("not a felt"), "{err}");
        let wide = format!("0x{}", "f".repeat(70));
        let err = check_felts(&json!({ "k": wide }), &[]).unwrap_err();
        assert_eq!(err.field, "k");
        assert!(err.value.len() < 80, "{}", err.value);
        // Leading zeros do not make a small value large.
        let padded = format!("0x{}1", "0".repeat(80));
        assert_eq!(check_felts(&json!([padded]), &[]), Ok(()));
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(10_000);
        let message = elide(&format!("invalid value: string \"{long}\", expected u64"));
        assert!(message.len() < 150, "{message}");
        assert!(message.contains("10003 bytes"), "{message}");
        assert!(message.ends_with("expected u64"), "{message}");
        let spaced = "ab ".repeat(100_000);
        assert!(elide(&spaced).len() < MAX_MESSAGE_BYTES + 100);
        assert_eq!(elide("short and sweet"), "short and sweet");
        assert_eq!(elide(&"é".repeat(100)).chars().next(), Some('é'));
    }

    #[test]
    fn u128_amounts_are_digits_only() {
        assert_eq!(parse_u128("5"), Some(5));
        assert_eq!(parse_u128("0x1f"), Some(31));
        for bad in ["+5", "-5", " 5", "5 ", "", "0x", "0x+1", "1e3", "0xg"] {
            assert_eq!(parse_u128(bad), None, "{bad:?}");
        }
        assert_eq!(parse_u128(&u128::MAX.to_string()), Some(u128::MAX));
        assert_eq!(parse_u128("340282366920938463463374607431768211456"), None);
    }

    #[test]
    fn only_bounded_regular_files_are_read() {
        let dir = std::env::temp_dir().join(format!("starkstm-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.json");
        std::fs::write(&file, "0123456789").unwrap();
        assert_eq!(read_regular_file(&file, 10).unwrap(), "0123456789");
        let err = read_regular_file(&file, 9).unwrap_err();
        assert!(err.to_string().contains("limit"), "{err}");
        let err = read_regular_file(&dir, 1 << 20).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        let err = read_regular_file(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
