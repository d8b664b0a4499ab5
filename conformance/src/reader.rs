//! blockifier's `StateReader` over our `InMemoryState`.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result};
use blockifier::execution::contract_class::RunnableCompiledClass;
use blockifier::state::errors::StateError;
use blockifier::state::state_api::{StateReader, StateResult};
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
            inner: Arc::new(Inner { state, compiled }),
        })
    }

    /// The wrapped state.
    pub fn state(&self) -> &InMemoryState {
        &self.inner.state
    }
}

impl StateReader for Reader {
    fn get_storage_at(&self, address: ContractAddress, key: StorageKey) -> StateResult<Felt> {
        Ok(self
            .inner
            .state
            .storage
            .get(&(address, key))
            .copied()
            .unwrap_or(Felt::ZERO))
    }

    fn get_nonce_at(&self, address: ContractAddress) -> StateResult<Nonce> {
        Ok(self
            .inner
            .state
            .nonces
            .get(&address)
            .copied()
            .unwrap_or_default())
    }

    fn get_class_hash_at(&self, address: ContractAddress) -> StateResult<ClassHash> {
        Ok(self
            .inner
            .state
            .class_hashes
            .get(&address)
            .copied()
            .unwrap_or_default())
    }

    fn get_compiled_class(&self, class_hash: ClassHash) -> StateResult<RunnableCompiledClass> {
        self.inner
            .compiled
            .get(&class_hash)
            .map(|(class, _)| class.clone())
            .ok_or(StateError::UndeclaredClassHash(class_hash))
    }

    fn get_compiled_class_hash(&self, class_hash: ClassHash) -> StateResult<CompiledClassHash> {
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
        _compiled_class: &RunnableCompiledClass,
    ) -> StateResult<CompiledClassHash> {
        self.inner
            .compiled
            .get(&class_hash)
            .map(|(_, hash)| *hash)
            .ok_or(StateError::MissingCompiledClassHashV2(class_hash))
    }
}
