//! The `classes` entries of a genesis document: a builtin by name, CASM (inline or a file) with
//! its class hash or Sierra, or Sierra inline.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use starknet_api::core::ClassHash;
use starknet_types_core::felt::Felt;

use super::{read, ClassFiles, GenesisError};
use crate::class::{sierra_class_hash, ClassError, ContractClass, SierraVersion};
use crate::contracts::load_builtin;
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
    /// A Cairo 0 class inline (the compiler's JSON, or a node's with a compressed program):
    /// its class hash computed as Starknet does.
    cairo0_class: Option<Box<serde_json::value::RawValue>>,
    /// A Cairo 0 class file.
    cairo0: Option<PathBuf>,
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
    if entry.cairo0_class.is_some() || entry.cairo0.is_some() {
        return load_cairo0(entry, i, path, class_files);
    }
    let (hash, class) = match entry {
        ClassEntry {
            builtin: Some(name),
            casm: None,
            sierra: None,
            class_hash: None,
            compiled_class: None,
            sierra_class: None,
            sierra_version: None,
            ..
        } => {
            let (hash, class) = load_builtin(name)
                .ok_or_else(|| invalid(format!("classes[{i}]: no builtin class {name:?}")))?
                .map_err(|error| GenesisError::Class {
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
            ..
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
            ..
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
            ..
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
                "classes[{i}]: give \"builtin\", or \"casm\" with \"sierra\" or \"class_hash\", or \"compiled_class\" with \"class_hash\", or \"sierra_class\", or \"cairo0_class\" or \"cairo0\""
            )))
        }
    };
    Ok((hash, class))
}

/// A Cairo 0 class entry: `cairo0_class` inline or a `cairo0` file, with an optional
/// `class_hash` it must hash to, and nothing else.
fn load_cairo0(
    entry: &ClassEntry,
    i: usize,
    path: &Path,
    class_files: &ClassFiles<'_>,
) -> Result<(ClassHash, Arc<ContractClass>), GenesisError> {
    let invalid = |what: String| GenesisError::Invalid {
        path: path.to_path_buf(),
        what,
    };
    let others = entry.builtin.is_some()
        || entry.casm.is_some()
        || entry.sierra.is_some()
        || entry.compiled_class.is_some()
        || entry.sierra_class.is_some()
        || entry.sierra_version.is_some();
    if others || (entry.cairo0_class.is_some() && entry.cairo0.is_some()) {
        return Err(invalid(format!(
            "classes[{i}]: a Cairo 0 class is \"cairo0_class\" or \"cairo0\", with at most \"class_hash\""
        )));
    }
    let (text, source) = match (&entry.cairo0_class, &entry.cairo0) {
        (Some(inline), _) => (inline.get().to_string(), path.to_path_buf()),
        (None, Some(file)) => {
            let ClassFiles::RelativeTo(dir) = class_files else {
                return Err(invalid(format!(
                    "classes[{i}] names a class file; a block file must be self-contained: give the class inline as \"cairo0_class\""
                )));
            };
            let file = dir.join(file);
            (read(&file, MAX_CLASS_FILE_BYTES)?, file)
        }
        (None, None) => unreachable!("checked by the caller"),
    };
    let (hash, class) =
        ContractClass::from_cairo0_json(&text).map_err(|error| GenesisError::Class {
            path: source,
            error,
        })?;
    if let Some(given) = entry.class_hash {
        if given != hash.0 {
            return Err(invalid(format!(
                "classes[{i}]: the Cairo 0 class hashes to {:#x}, not {given:#x}",
                hash.0
            )));
        }
    }
    Ok((hash, Arc::new(class)))
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
