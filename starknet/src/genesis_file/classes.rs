//! The `classes` entries of a genesis document: a builtin by name, CASM (inline or a file) with
//! its class hash or Sierra, or Sierra inline.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use starknet_api::core::ClassHash;
use starknet_types_core::felt::Felt;

use super::{read, ClassFiles, GenesisError};
use crate::class::{sierra_class_hash, ClassError, ContractClass, SierraVersion};
use crate::contracts::BuiltinContract;
use crate::input::MAX_CLASS_FILE_BYTES;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClassEntry {
    pub(super) builtin: Option<String>,
    casm: Option<PathBuf>,
    sierra: Option<PathBuf>,
    class_hash: Option<Felt>,
    /// A compiled class inline (with `class_hash`).
    compiled_class: Option<serde_json::Value>,
    /// A Sierra class inline: compiled here, its class hash computed as Starknet does.
    sierra_class: Option<Box<serde_json::value::RawValue>>,
    /// The Sierra version of a class given as CASM (`"1.7.0"`; which a compiled class does not
    /// record, and which decides how it is metered). Without it,
    /// [`SierraVersion::ASSUMED_FOR_CASM`].
    sierra_version: Option<String>,
}

/// The class entry `i` of the document at `path`: its hash and the prepared class.
pub(super) fn load(
    entry: &ClassEntry,
    i: usize,
    path: &Path,
    class_files: &ClassFiles<'_>,
) -> Result<(ClassHash, Arc<ContractClass>), GenesisError> {
    let invalid = |what: String| GenesisError::Invalid {
        path: path.to_path_buf(),
        what,
    };
    let (hash, class) = match entry {
        ClassEntry {
            builtin: Some(name),
            casm: None,
            sierra: None,
            class_hash: None,
            compiled_class: None,
            sierra_class: None,
            sierra_version: None,
        } => {
            let contract = BuiltinContract::by_name(name)
                .ok_or_else(|| invalid(format!("classes[{i}]: no builtin class {name:?}")))?;
            let (hash, class) = contract.load().map_err(|error| GenesisError::Class {
                path: path.to_path_buf(),
                error,
            })?;
            (hash, class)
        }
        ClassEntry {
            builtin: None,
            casm: None,
            sierra: None,
            class_hash: Some(hash),
            compiled_class: Some(json),
            sierra_class: None,
            sierra_version,
        } => {
            let casm = serde_json::from_value(json.clone()).map_err(|source| {
                GenesisError::Class {
                    path: path.to_path_buf(),
                    error: ClassError::Json {
                        what: "compiled (CASM) contract class",
                        error: source,
                    },
                }
            })?;
            let class = ContractClass::from_casm(casm).map_err(|error| GenesisError::Class {
                path: path.to_path_buf(),
                error,
            })?;
            let class = with_version(class, sierra_version.as_deref(), path, i)?;
            (ClassHash(*hash), Arc::new(class))
        }
        ClassEntry {
            builtin: None,
            casm: Some(casm),
            sierra,
            class_hash,
            compiled_class: None,
            sierra_class: None,
            sierra_version,
        } => {
            if sierra.is_some() == class_hash.is_some() {
                return Err(invalid(format!(
                    "classes[{i}]: give exactly one of \"sierra\" and \"class_hash\""
                )));
            }
            let ClassFiles::RelativeTo(dir) = class_files else {
                return Err(invalid(format!(
                    "classes[{i}] names a class file; a block file must be self-contained: give the class inline as \"compiled_class\" with \"class_hash\""
                )));
            };
            let casm_path = dir.join(casm);
            let class = ContractClass::from_casm_json(&read(&casm_path, MAX_CLASS_FILE_BYTES)?)
                .map_err(|source| {
                    GenesisError::Class {
                        path: casm_path.clone(),
                        error: source,
                    }
                })?;
            let (hash, class) = match (sierra, class_hash) {
                (Some(sierra), None) => {
                    let sierra_path = dir.join(sierra);
                    let text = read(&sierra_path, MAX_CLASS_FILE_BYTES)?;
                    let class_error = |source| GenesisError::Class {
                        path: sierra_path.clone(),
                        error: source,
                    };
                    let hash = sierra_class_hash(&text).map_err(class_error)?;
                    let version = match sierra_version {
                        Some(_) => return Err(invalid(format!(
                            "classes[{i}]: \"sierra_version\" is read from the \"sierra\" file; give one of them"
                        ))),
                        None => crate::class::sierra_version_of_json(&text).map_err(class_error)?,
                    };
                    (hash, class.with_sierra_version(version))
                }
                (_, h) => (
                    ClassHash(h.expect("checked above")),
                    with_version(class, sierra_version.as_deref(), path, i)?,
                ),
            };
            (hash, Arc::new(class))
        }
        ClassEntry {
            builtin: None,
            casm: None,
            sierra: None,
            class_hash,
            compiled_class: None,
            sierra_class: Some(sierra),
            sierra_version: None,
        } => {
            let class_error = |error| GenesisError::Class {
                path: path.to_path_buf(),
                error,
            };
            let (hash, class) =
                ContractClass::from_sierra_json(sierra.get()).map_err(class_error)?;
            if let Some(given) = class_hash {
                if ClassHash(*given) != hash {
                    return Err(invalid(format!(
                        "classes[{i}]: the Sierra class hashes to {:#x}, not {given:#x}",
                        hash.0
                    )));
                }
            }
            (hash, Arc::new(class))
        }
        _ => {
            return Err(invalid(format!(
                "classes[{i}]: give \"builtin\", or \"casm\" with \"sierra\" or \"class_hash\", or \"compiled_class\" with \"class_hash\", or \"sierra_class\""
            )))
        }
    };
    Ok((hash, class))
}

/// `class` with the Sierra version an entry gives (`None`: the version assumed for CASM).
fn with_version(
    class: ContractClass,
    version: Option<&str>,
    path: &Path,
    i: usize,
) -> Result<ContractClass, GenesisError> {
    match version {
        None => Ok(class),
        Some(text) => SierraVersion::parse(text)
            .map(|v| class.with_sierra_version(v))
            .map_err(|e| GenesisError::Invalid {
                path: path.to_path_buf(),
                what: format!("classes[{i}].sierra_version: {e}"),
            }),
    }
}
