//! Cairo 0 (deprecated) classes: the `program` + `entry_points_by_type` + `abi` JSON that
//! Starknet's Cairo 0 compiler writes, and that `starknet_getClass` returns with the program
//! gzip-compressed and base64-encoded. The class hash is starknet-core's (the ecosystem's
//! implementation of the protocol's definition, hinted hash included).

use std::io::Read;

use base64::Engine;
use cairo_vm::types::builtin_name::BuiltinName;
use cairo_vm::types::program::Program;
use starknet_api::core::ClassHash;
use starknet_core::types::contract::legacy::{LegacyContractClass, RawLegacyEntryPoint};

use super::{ClassError, Code, ContractClass, EntryPoint};
use crate::panic_guard::catch_silently;

/// Starknet's prime, as a Cairo 0 program writes it.
const PRIME: &str = "0x800000000000011000000000000000000000000000000000000000000000001";

/// The most a compressed program may expand to (a real class is a few MB).
const MAX_PROGRAM_BYTES: u64 = 64 << 20;

/// A Cairo 0 class's hash and JSON.
pub(crate) struct Cairo0Code {
    pub(crate) class_hash: ClassHash,
    /// The class with its program uncompressed.
    pub(crate) json: serde_json::Value,
    /// The builtins the program declares, which every entry point takes, in its order.
    pub(crate) builtins: Vec<BuiltinName>,
}

fn json_error(error: serde_json::Error) -> ClassError {
    ClassError::Json {
        what: "Cairo 0 contract class",
        error,
    }
}

/// The program of an RPC class: base64 of gzip of the program's JSON.
fn decompress_program(encoded: &str) -> Result<serde_json::Value, ClassError> {
    let gzip = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|e| ClassError::Invalid(format!("the compressed program is not base64: {e}")))?;
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(gzip.as_slice())
        .take(MAX_PROGRAM_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| ClassError::Invalid(format!("the compressed program is not gzip: {e}")))?;
    if text.len() as u64 > MAX_PROGRAM_BYTES {
        return Err(ClassError::Invalid(format!(
            "the compressed program expands past {MAX_PROGRAM_BYTES} bytes"
        )));
    }
    serde_json::from_slice(&text).map_err(json_error)
}

impl ContractClass {
    /// Loads a Cairo 0 class from its JSON (the compiler's artifact, or `starknet_getClass`'s
    /// form with a compressed program) and computes its class hash. A malformed program, an
    /// unknown builtin or a program for another prime is a [`ClassError`], never a panic.
    pub fn from_cairo0_json(json: &str) -> Result<(ClassHash, ContractClass), ClassError> {
        let mut value: serde_json::Value = serde_json::from_str(json).map_err(json_error)?;
        let Some(object) = value.as_object_mut() else {
            return Err(ClassError::Invalid(
                "a Cairo 0 class is a JSON object".into(),
            ));
        };
        if let Some(serde_json::Value::String(encoded)) = object.get("program") {
            let program = decompress_program(encoded)?;
            object.insert("program".into(), program);
        }
        // Debug information is no part of the class or its hash (compilers write it in more
        // than one shape).
        if let Some(program) = object.get_mut("program").and_then(|p| p.as_object_mut()) {
            program.insert("debug_info".into(), serde_json::Value::Null);
        }
        // RPC nodes omit an empty ABI; the hash counts it as `[]`.
        object
            .entry("abi")
            .or_insert_with(|| serde_json::Value::Array(vec![]));
        let legacy: LegacyContractClass =
            serde_json::from_value(value.clone()).map_err(json_error)?;
        if legacy.program.prime != PRIME {
            return Err(ClassError::Invalid(format!(
                "its prime is {}, not Starknet's",
                legacy.program.prime
            )));
        }
        let class_hash = catch_silently(|| legacy.class_hash())
            .map_err(|panic| ClassError::Invalid(format!("hashing the class panicked: {panic}")))?
            .map_err(|e| ClassError::Invalid(format!("hashing the class: {e}")))?;
        let builtins = legacy
            .program
            .builtins
            .iter()
            .map(|name| {
                BuiltinName::from_str(name)
                    .ok_or_else(|| ClassError::Invalid(format!("unknown builtin {name:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bytecode_len = legacy.program.data.len();
        let entry_points = |eps: &[RawLegacyEntryPoint]| -> Result<Vec<EntryPoint>, ClassError> {
            eps.iter()
                .map(|ep| {
                    let offset = u64::from(ep.offset);
                    match usize::try_from(offset) {
                        Ok(offset) if offset < bytecode_len => Ok(EntryPoint {
                            selector: ep.selector,
                            offset,
                            builtins: builtins.clone(),
                        }),
                        _ => Err(ClassError::Invalid(format!(
                            "an entry point starts at {offset}, past the program's {bytecode_len} words"
                        ))),
                    }
                })
                .collect()
        };
        let external = entry_points(&legacy.entry_points_by_type.external)?;
        let constructor = entry_points(&legacy.entry_points_by_type.constructor)?;
        let l1_handler = entry_points(&legacy.entry_points_by_type.l1_handler)?;
        let program_bytes = serde_json::to_vec(&value["program"]).map_err(json_error)?;
        let program = catch_silently(|| Program::from_bytes(&program_bytes, None))
            .map_err(|panic| ClassError::Invalid(format!("loading the program panicked: {panic}")))?
            .map_err(|e| ClassError::Invalid(format!("cairo-vm rejected the program: {e}")))?;
        let class_hash = ClassHash(class_hash);
        Ok((
            class_hash,
            ContractClass {
                program,
                bytecode_len,
                external,
                constructor,
                l1_handler,
                code: Code::Cairo0(Box::new(Cairo0Code {
                    class_hash,
                    json: value,
                    builtins,
                })),
            },
        ))
    }
}

impl ContractClass {
    /// A Cairo 0 class as `starknet_getClass` returns it (and re-execution files hold it):
    /// `abi`, `entry_points_by_type`, and the program as base64 of its gzip-compressed JSON;
    /// `None` for a Cairo 1 class.
    pub fn cairo0_rpc_json(&self) -> Option<serde_json::Value> {
        use std::io::Write;
        let json = self.cairo0_json()?;
        let program = serde_json::to_vec(&json["program"]).ok()?;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(&program).ok()?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(gzip.finish().ok()?);
        Some(serde_json::json!({
            "abi": json["abi"],
            "entry_points_by_type": json["entry_points_by_type"],
            "program": encoded,
        }))
    }
}

/// Whether a class's JSON is a Cairo 0 class (it has a `program`; a compiled Cairo 1 class has
/// `bytecode`, a Sierra class `sierra_program`).
pub fn is_cairo0_json(value: &serde_json::Value) -> bool {
    value.get("program").is_some()
}
