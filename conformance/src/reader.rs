//! blockifier's `StateReader` over our `InMemoryState`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use blockifier::execution::contract_class::RunnableCompiledClass;
use blockifier::state::errors::StateError;
use blockifier::state::state_api::{StateReader, StateResult};
use starknet_api::contract_class::compiled_class_hash::{HashVersion, HashableCompiledClass};
use starknet_api::contract_class::SierraVersion;
use starknet_api::core::{ClassHash, CompiledClassHash, ContractAddress, Nonce};
use starknet_api::state::StorageKey;
use starkstm_starknet::{Felt, InMemoryState};

use crate::classes::{runnable, sierra_facts};

/// The base state, read-only and shared (cheap to clone: the executors take it by value and the
/// concurrent one needs `Send + Sync + 'static`).
#[derive(Clone)]
pub struct Reader {
    inner: Arc<Inner>,
}

struct Inner {
    state: InMemoryState,
    /// Whether a value the state does not hold is an error (a re-execution file's recorded
    /// reads) rather than zero (a block file's whole state). Relaxed ordering: the sequential
    /// executor reads it on the thread that sets it.
    strict: AtomicBool,
    /// Compiled class hashes the state holds other than the classes' own (v2) ones: a
    /// re-execution file's recorded reads of classes not yet migrated.
    recorded: HashMap<ClassHash, CompiledClassHash>,
    /// Every class of the base state, converted once.
    compiled: HashMap<ClassHash, (RunnableCompiledClass, CompiledClassHash)>,
}

impl Reader {
    /// Wraps `state`, converting each of its classes now (so an unknown class is an error here,
    /// not a rejected transaction later).
    pub fn new(state: InMemoryState, override_version: Option<&SierraVersion>) -> Result<Reader> {
        let mut compiled = HashMap::with_capacity(state.classes.len());
        for (hash, class) in &state.classes {
            let context = || format!("genesis class {:#x}", hash.0);
            let facts = sierra_facts(class, override_version).with_context(context)?;
            let runnable = runnable(class, &facts).with_context(context)?;
            compiled.insert(*hash, (runnable, class.compiled_class_hash()));
        }
        Ok(Reader {
            inner: Arc::new(Inner {
                state,
                strict: AtomicBool::new(false),
                recorded: HashMap::new(),
                compiled,
            }),
        })
    }

    /// Wraps recorded reads: a value outside them is a `StateReadError` naming it, so a run
    /// that leaves the chain's execution says where.
    pub fn new_strict(
        state: InMemoryState,
        recorded: HashMap<ClassHash, CompiledClassHash>,
    ) -> Result<Reader> {
        let reader = Reader::new(state, None)?;
        let mut inner = Arc::try_unwrap(reader.inner).unwrap_or_else(|_| unreachable!("just made"));
        inner.strict.store(true, Ordering::Relaxed);
        inner.recorded = recorded;
        Ok(Reader {
            inner: Arc::new(inner),
        })
    }

    /// The same state with every Cairo 1 class's compiled class hash in its old (Poseidon)
    /// form, as a state holds it for a class declared before 0.14.1 and not yet migrated.
    pub fn with_legacy_compiled_class_hashes(self) -> Reader {
        let mut inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            state: shared.state.clone(),
            strict: AtomicBool::new(shared.strict.load(Ordering::Relaxed)),
            recorded: shared.recorded.clone(),
            compiled: shared.compiled.clone(),
        });
        inner.recorded = inner
            .state
            .classes
            .iter()
            .filter(|(_, class)| !class.is_cairo0())
            .map(|(hash, class)| (*hash, class.legacy_compiled_class_hash()))
            .collect();
        Reader {
            inner: Arc::new(inner),
        }
    }

    /// From now on a value the state does not hold reads as zero: for block finalization, which
    /// reads the class hash and nonce of every contract the block touched (the OS's own
    /// contracts included), reads a re-execution file need not record.
    pub fn relax(&self) {
        self.inner.strict.store(false, Ordering::Relaxed);
    }

    /// A value the state does not hold: zero, or (strict) an error naming `what`.
    fn absent<T: Default>(&self, what: impl FnOnce() -> String) -> StateResult<T> {
        if self.inner.strict.load(Ordering::Relaxed) {
            Err(StateError::StateReadError(format!(
                "the re-execution file records no read of {}",
                what()
            )))
        } else {
            Ok(T::default())
        }
    }

    /// The wrapped state.
    pub fn state(&self) -> &InMemoryState {
        &self.inner.state
    }
}

impl StateReader for Reader {
    fn get_storage_at(&self, address: ContractAddress, key: StorageKey) -> StateResult<Felt> {
        match self.inner.state.storage.get(&(address, key)) {
            Some(value) => Ok(*value),
            None => self.absent(|| {
                format!(
                    "storage key {:#x} of contract {:#x}",
                    key.0.key(),
                    address.0.key()
                )
            }),
        }
    }

    fn get_nonce_at(&self, address: ContractAddress) -> StateResult<Nonce> {
        match self.inner.state.nonces.get(&address) {
            Some(nonce) => Ok(*nonce),
            None => self.absent(|| format!("the nonce of {:#x}", address.0.key())),
        }
    }

    fn get_class_hash_at(&self, address: ContractAddress) -> StateResult<ClassHash> {
        match self.inner.state.class_hashes.get(&address) {
            Some(hash) => Ok(*hash),
            None => self.absent(|| format!("the class hash at {:#x}", address.0.key())),
        }
    }

    fn get_compiled_class(&self, class_hash: ClassHash) -> StateResult<RunnableCompiledClass> {
        self.inner
            .compiled
            .get(&class_hash)
            .map(|(class, _)| class.clone())
            .ok_or(StateError::UndeclaredClassHash(class_hash))
    }

    fn get_compiled_class_hash(&self, class_hash: ClassHash) -> StateResult<CompiledClassHash> {
        if let Some(hash) = self.inner.recorded.get(&class_hash) {
            return Ok(*hash);
        }
        Ok(self
            .inner
            .compiled
            .get(&class_hash)
            .map(|(_, hash)| *hash)
            .unwrap_or_default())
    }

    /// Our compiled class hashes are already the v2 (Blake2s) ones.
    fn get_compiled_class_hash_v2(
        &self,
        class_hash: ClassHash,
        compiled_class: &RunnableCompiledClass,
    ) -> StateResult<CompiledClassHash> {
        if let Some((_, hash)) = self.inner.compiled.get(&class_hash) {
            return Ok(*hash);
        }
        // A class declared in the block: blockifier's own hash of its CASM.
        match compiled_class {
            RunnableCompiledClass::V1(class) => Ok(class.hash(&HashVersion::V2)),
            RunnableCompiledClass::V0(_) => Err(StateError::MissingCompiledClassHashV2(class_hash)),
        }
    }
}
