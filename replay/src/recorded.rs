//! [`RecordedState`]: a [`BaseState`] that holds only what a block read, so a read outside it
//! is an error naming the key — where starkstm's execution left the chain's.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::value::RawValue;
use starkstm_starknet::starknet_api::core::{ClassHash, CompiledClassHash, ContractAddress, Nonce};
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::{BaseState, BaseStateError, ContractClass, Felt, InMemoryState};

use crate::file::StateMaps;
use crate::ReplayError;

/// The state before a block, as far as the block read it.
#[derive(Debug, Default)]
pub struct RecordedState {
    storage: HashMap<(ContractAddress, StorageKey), Felt>,
    nonces: HashMap<ContractAddress, Nonce>,
    class_hashes: HashMap<ContractAddress, ClassHash>,
    compiled_class_hashes: HashMap<ClassHash, CompiledClassHash>,
    declared: HashMap<ClassHash, bool>,
    classes: HashMap<ClassHash, Arc<ContractClass>>,
}

impl RecordedState {
    /// The recorded reads `maps` and the classes `classes` (each loaded and compiled now, and
    /// checked to hash to the class hash it is filed under).
    pub fn new(
        maps: StateMaps,
        classes: &HashMap<ClassHash, Box<RawValue>>,
    ) -> Result<RecordedState, ReplayError> {
        let loaded = load_classes(classes)?;
        let storage = maps
            .storage
            .into_iter()
            .flat_map(|(address, slots)| {
                slots
                    .into_iter()
                    .map(move |(key, value)| ((address, key), value))
            })
            .collect();
        Ok(RecordedState {
            storage,
            nonces: maps.nonces,
            class_hashes: maps.class_hashes,
            compiled_class_hashes: maps.compiled_class_hashes,
            declared: maps.declared_contracts,
            classes: loaded,
        })
    }

    /// How many values and classes it holds: (storage slots, nonces, deployed contracts,
    /// classes).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.storage.len(),
            self.nonces.len(),
            self.class_hashes.len(),
            self.classes.len(),
        )
    }

    /// The recorded state as an [`InMemoryState`], for an executor that reads a whole state
    /// (the reference runner's): every recorded value and class, nothing else. Recorded
    /// compiled class hashes are left out: an in-memory state takes a class's own.
    pub fn to_in_memory(&self) -> InMemoryState {
        InMemoryState {
            storage: self.storage.clone(),
            nonces: self.nonces.clone(),
            class_hashes: self.class_hashes.clone(),
            classes: self.classes.clone(),
        }
    }

    /// The compiled class hashes the block read (a class's old, Poseidon, hash where the state
    /// still held it).
    pub fn compiled_class_hashes(&self) -> &HashMap<ClassHash, CompiledClassHash> {
        &self.compiled_class_hashes
    }

    /// Whether the class is known to be undeclared before the block.
    fn undeclared(&self, class: ClassHash) -> bool {
        self.declared.get(&class) == Some(&false)
            || self.compiled_class_hashes.get(&class) == Some(&CompiledClassHash::default())
    }
}

/// Loads every class of `classes`, compiling them on all cores (compiling a real class's Sierra
/// takes up to a second); the first error in hash order if any fails.
pub fn load_classes(
    classes: &HashMap<ClassHash, Box<RawValue>>,
) -> Result<HashMap<ClassHash, Arc<ContractClass>>, ReplayError> {
    let mut work: Vec<(&ClassHash, &RawValue)> =
        classes.iter().map(|(h, raw)| (h, raw.as_ref())).collect();
    work.sort_by_key(|(h, _)| **h);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(work.len().max(1));
    let chunk = work.len().div_ceil(threads).max(1);
    let results: Vec<Result<(ClassHash, Arc<ContractClass>), ReplayError>> =
        std::thread::scope(|scope| {
            let handles: Vec<_> = work
                .chunks(chunk)
                .map(|part| {
                    (
                        part,
                        scope.spawn(move || {
                            part.iter()
                                .map(|(h, raw)| Ok((**h, load_class(**h, raw)?)))
                                .collect::<Vec<_>>()
                        }),
                    )
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|(part, h)| {
                    h.join().unwrap_or_else(|_| {
                        let hash = part.first().map_or(Felt::ZERO, |(h, _)| h.0);
                        vec![Err(ReplayError::Class {
                            hash,
                            message: "compiling its chunk of classes panicked".to_string(),
                        })]
                    })
                })
                .collect()
        });
    results.into_iter().collect()
}

/// Loads the class filed under `hash`: a Sierra class (its ABI a JSON string or an array),
/// compiled to CASM, or a Cairo 0 class (its program compressed, as nodes return it, or not).
/// Either must hash to `hash`.
pub fn load_class(hash: ClassHash, raw: &RawValue) -> Result<Arc<ContractClass>, ReplayError> {
    #[derive(serde::Deserialize)]
    struct Probe {
        program: Option<serde::de::IgnoredAny>,
    }
    let probe: Probe = serde_json::from_str(raw.get()).map_err(|e| ReplayError::Class {
        hash: hash.0,
        message: format!("not a class: {e}"),
    })?;
    let class_error = |e: starkstm_starknet::ClassError| ReplayError::Class {
        hash: hash.0,
        message: e.to_string(),
    };
    let (computed, class, what) = if probe.program.is_some() {
        let (computed, class) = ContractClass::from_cairo0_json(raw.get()).map_err(class_error)?;
        (computed, class, "the Cairo 0 class")
    } else {
        let (computed, class) = ContractClass::from_sierra_json(raw.get()).map_err(class_error)?;
        (computed, class, "its Sierra")
    };
    if computed != hash {
        return Err(ReplayError::Class {
            hash: hash.0,
            message: format!(
                "{what} hashes to {:#x}, not to the hash it is filed under",
                computed.0
            ),
        });
    }
    Ok(Arc::new(class))
}

fn missing(what: String) -> BaseStateError {
    BaseStateError(format!(
        "the re-execution file records no read of {what}: execution left the chain's"
    ))
}

impl BaseState for RecordedState {
    fn storage_at(
        &self,
        address: ContractAddress,
        key: StorageKey,
    ) -> Result<Felt, BaseStateError> {
        self.storage.get(&(address, key)).copied().ok_or_else(|| {
            missing(format!(
                "storage key {:#x} of contract {:#x}",
                key.0.key(),
                address.0.key()
            ))
        })
    }

    fn nonce_at(&self, address: ContractAddress) -> Result<Nonce, BaseStateError> {
        self.nonces
            .get(&address)
            .copied()
            .ok_or_else(|| missing(format!("the nonce of {:#x}", address.0.key())))
    }

    fn class_hash_at(&self, address: ContractAddress) -> Result<ClassHash, BaseStateError> {
        self.class_hashes
            .get(&address)
            .copied()
            .ok_or_else(|| missing(format!("the class hash at {:#x}", address.0.key())))
    }

    fn compiled_class_hash(&self, class: ClassHash) -> Result<CompiledClassHash, BaseStateError> {
        if let Some(hash) = self.compiled_class_hashes.get(&class) {
            return Ok(*hash);
        }
        if let Some(loaded) = self.classes.get(&class) {
            return Ok(loaded.compiled_class_hash());
        }
        if self.undeclared(class) {
            return Ok(CompiledClassHash::default());
        }
        Err(missing(format!(
            "the compiled class hash of {:#x}",
            class.0
        )))
    }

    fn class(&self, class: ClassHash) -> Result<Option<Arc<ContractClass>>, BaseStateError> {
        if let Some(loaded) = self.classes.get(&class) {
            return Ok(Some(loaded.clone()));
        }
        if self.undeclared(class) {
            return Ok(None);
        }
        Err(missing(format!("class {:#x}", class.0)))
    }
}
