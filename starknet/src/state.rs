//! State keys and values, the base state embedders implement, and the in-memory one we ship.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use starknet_api::core::{ClassHash, CompiledClassHash, ContractAddress, Nonce};
use starknet_api::state::StorageKey;
use starknet_types_core::felt::Felt;
use starkstm_engine::{Storage, StorageError};
use starkstm_versioned_state::Value;

use crate::class::ContractClass;
use crate::context::BlockContext;
use crate::u256::U256;

/// One multi-version key of the Starknet state.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum StateKey {
    /// A storage slot of a contract.
    Storage(ContractAddress, StorageKey),
    /// An account's nonce.
    Nonce(ContractAddress),
    /// The class a contract runs (zero: no contract is deployed there).
    ClassHashAt(ContractAddress),
    /// The compiled class hash of a declared class (zero: not declared).
    CompiledClassHash(ClassHash),
    /// The compiled class of a declared class.
    Class(ClassHash),
    /// The sequencer's balance in the fee token, a u256 held in two storage slots (low, high) of
    /// the fee token. Kept as one key so that every transaction's fee can be *added* to it
    /// without reading it (see DESIGN §4): fee payments then do not conflict with each other.
    SequencerBalance,
    /// A Cairo 1 class a committed transaction ran, with its (v2, Blake2s) compiled class hash
    /// as the value. Written only in blocks that migrate compiled class hashes
    /// ([`VersionedConstants::enable_casm_hash_migration`](crate::constants::VersionedConstants::enable_casm_hash_migration)),
    /// and never read, so that it orders no transaction after another: the block's diff
    /// ([`StateDiff::from_changes`]) gives the class its v2 hash if the state before the block
    /// held another (its v1, Poseidon, hash).
    ExecutedClass(ClassHash),
}

/// The value under a [`StateKey`].
#[derive(Clone, Debug)]
pub enum StateValue {
    /// A felt: storage, nonce, class hash, compiled class hash.
    Felt(Felt),
    /// The sequencer's fee-token balance.
    U256(U256),
    /// A declared class, or `None`.
    Class(Option<Arc<ContractClass>>),
}

impl StateValue {
    /// The felt held, or zero for another kind.
    pub fn felt(&self) -> Felt {
        match self {
            StateValue::Felt(f) => *f,
            _ => Felt::ZERO,
        }
    }

    /// The u256 held, or zero for another kind.
    pub fn u256(&self) -> U256 {
        match self {
            StateValue::U256(v) => *v,
            _ => U256::ZERO,
        }
    }

    /// The class held, if any.
    pub fn class(&self) -> Option<Arc<ContractClass>> {
        match self {
            StateValue::Class(c) => c.clone(),
            _ => None,
        }
    }
}

impl PartialEq for StateValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StateValue::Felt(a), StateValue::Felt(b)) => a == b,
            (StateValue::U256(a), StateValue::U256(b)) => a == b,
            (StateValue::Class(a), StateValue::Class(b)) => match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.identity() == b.identity(),
                _ => false,
            },
            _ => false,
        }
    }
}

impl Value for StateValue {
    /// A credit to a u256 balance. Only [`StateKey::SequencerBalance`] receives deltas; a sum
    /// past 2^256 wraps, which no fee total can reach (fees are u128 and a block holds far fewer
    /// than 2^128 transactions).
    type Delta = U256;

    fn apply_delta(&self, delta: &U256) -> StateValue {
        StateValue::U256(self.u256().wrapping_add(*delta))
    }

    fn merge_deltas(earlier: &U256, later: &U256) -> U256 {
        earlier.wrapping_add(*later)
    }
}

/// Reading the base state failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BaseStateError(pub String);

/// The read-only state before the block, which embedders implement (a database snapshot, a
/// node's state at the parent block). Unset entries read as zero / `None`. Called from many
/// threads at once, at most once per key per block.
pub trait BaseState: Sync {
    /// A storage slot.
    fn storage_at(&self, address: ContractAddress, key: StorageKey)
        -> Result<Felt, BaseStateError>;
    /// An account's nonce.
    fn nonce_at(&self, address: ContractAddress) -> Result<Nonce, BaseStateError>;
    /// The class deployed at `address` (zero if none).
    fn class_hash_at(&self, address: ContractAddress) -> Result<ClassHash, BaseStateError>;
    /// The compiled class hash of a declared class (zero if not declared).
    fn compiled_class_hash(&self, class: ClassHash) -> Result<CompiledClassHash, BaseStateError>;
    /// A declared class, prepared for execution (see [`ContractClass`]); `None` if not declared.
    fn class(&self, class: ClassHash) -> Result<Option<Arc<ContractClass>>, BaseStateError>;
}

/// A base state in memory: what the CLI, tests and benchmarks run on.
#[derive(Clone, Default)]
pub struct InMemoryState {
    /// Storage slots.
    pub storage: HashMap<(ContractAddress, StorageKey), Felt>,
    /// Nonces.
    pub nonces: HashMap<ContractAddress, Nonce>,
    /// Deployed contracts.
    pub class_hashes: HashMap<ContractAddress, ClassHash>,
    /// Declared classes, by class hash.
    pub classes: HashMap<ClassHash, Arc<ContractClass>>,
}

impl fmt::Debug for InMemoryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryState")
            .field("storage", &self.storage.len())
            .field("nonces", &self.nonces.len())
            .field("contracts", &self.class_hashes.len())
            .field("classes", &self.classes.len())
            .finish()
    }
}

impl InMemoryState {
    /// An empty state.
    pub fn new() -> InMemoryState {
        InMemoryState::default()
    }

    /// Declares `class` under `class_hash`.
    pub fn declare(&mut self, class_hash: ClassHash, class: Arc<ContractClass>) {
        self.classes.insert(class_hash, class);
    }

    /// Places a contract of class `class_hash` at `address` (no constructor runs: set its
    /// storage with [`set_storage`](InMemoryState::set_storage)).
    pub fn deploy(&mut self, address: ContractAddress, class_hash: ClassHash) {
        self.class_hashes.insert(address, class_hash);
    }

    /// Sets a storage slot.
    pub fn set_storage(&mut self, address: ContractAddress, key: StorageKey, value: Felt) {
        self.storage.insert((address, key), value);
    }

    /// Sets an ERC20 balance (`balances` map of the token, u256 in two slots).
    pub fn set_erc20_balance(
        &mut self,
        token: ContractAddress,
        owner: ContractAddress,
        value: U256,
    ) {
        let (low, high) = crate::fee::balance_slots(owner);
        self.set_storage(token, low, Felt::from(value.low));
        self.set_storage(token, high, Felt::from(value.high));
    }

    /// Reads an ERC20 balance.
    pub fn erc20_balance(&self, token: ContractAddress, owner: ContractAddress) -> U256 {
        let (low, high) = crate::fee::balance_slots(owner);
        let get = |k| self.storage.get(&(token, k)).copied().unwrap_or(Felt::ZERO);
        U256::from_felts(get(low), get(high)).unwrap_or(U256::ZERO)
    }

    /// Applies a block's state diff, making this the state after the block.
    pub fn apply(&mut self, diff: &StateDiff, classes: &BTreeMap<ClassHash, Arc<ContractClass>>) {
        for ((address, key), value) in &diff.storage {
            self.storage.insert((*address, *key), *value);
        }
        for (address, nonce) in &diff.nonces {
            self.nonces.insert(*address, *nonce);
        }
        for (address, class_hash) in &diff.class_hashes {
            self.class_hashes.insert(*address, *class_hash);
        }
        for (class_hash, class) in classes {
            self.classes.insert(*class_hash, class.clone());
        }
    }
}

impl BaseState for InMemoryState {
    fn storage_at(
        &self,
        address: ContractAddress,
        key: StorageKey,
    ) -> Result<Felt, BaseStateError> {
        Ok(self
            .storage
            .get(&(address, key))
            .copied()
            .unwrap_or(Felt::ZERO))
    }

    fn nonce_at(&self, address: ContractAddress) -> Result<Nonce, BaseStateError> {
        Ok(self.nonces.get(&address).copied().unwrap_or_default())
    }

    fn class_hash_at(&self, address: ContractAddress) -> Result<ClassHash, BaseStateError> {
        Ok(self.class_hashes.get(&address).copied().unwrap_or_default())
    }

    fn compiled_class_hash(&self, class: ClassHash) -> Result<CompiledClassHash, BaseStateError> {
        Ok(self
            .classes
            .get(&class)
            .map(|c| c.compiled_class_hash())
            .unwrap_or_default())
    }

    fn class(&self, class: ClassHash) -> Result<Option<Arc<ContractClass>>, BaseStateError> {
        Ok(self.classes.get(&class).cloned())
    }
}

/// The engine's view of a [`BaseState`] for one block: maps the sequencer-balance key onto the
/// fee token's two storage slots.
pub struct BlockState<'a, S: ?Sized> {
    base: &'a S,
    fee_token: ContractAddress,
    sequencer_slots: (StorageKey, StorageKey),
    /// The block-start write of the old block hash (see [`crate::block`]).
    block_hash: Option<(ContractAddress, StorageKey, Felt)>,
}

impl<S: ?Sized> fmt::Debug for BlockState<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockState")
            .field("fee_token", &self.fee_token)
            .finish()
    }
}

impl<'a, S: BaseState + ?Sized> BlockState<'a, S> {
    /// The base state `base` as the block `context` reads it.
    pub fn new(base: &'a S, context: &BlockContext) -> BlockState<'a, S> {
        BlockState {
            base,
            fee_token: context.fee_token,
            sequencer_slots: crate::fee::balance_slots(context.sequencer),
            block_hash: crate::block::block_hash_write(context),
        }
    }
}

fn storage_error(e: BaseStateError) -> StorageError {
    StorageError::new(e.0)
}

impl<S: BaseState + ?Sized> Storage<StateKey, StateValue> for BlockState<'_, S> {
    fn read(&self, key: &StateKey) -> Result<StateValue, StorageError> {
        read_key(
            self.base,
            self.fee_token,
            self.sequencer_slots,
            self.block_hash,
            key,
        )
    }
}

/// A [`BlockState`] that owns (a share of) its base state, for a block that outlives the
/// caller's borrow: a [`StreamingBlock`](starkstm_engine::StreamingBlock)'s coordinator thread.
pub struct SharedBlockState<S: ?Sized> {
    base: std::sync::Arc<S>,
    fee_token: ContractAddress,
    sequencer_slots: (StorageKey, StorageKey),
    block_hash: Option<(ContractAddress, StorageKey, Felt)>,
}

impl<S: ?Sized> fmt::Debug for SharedBlockState<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedBlockState")
            .field("fee_token", &self.fee_token)
            .finish()
    }
}

impl<S: BaseState + ?Sized> SharedBlockState<S> {
    /// The base state `base` as the block `context` reads it.
    pub fn new(base: std::sync::Arc<S>, context: &BlockContext) -> SharedBlockState<S> {
        SharedBlockState {
            base,
            fee_token: context.fee_token,
            sequencer_slots: crate::fee::balance_slots(context.sequencer),
            block_hash: crate::block::block_hash_write(context),
        }
    }
}

impl<S: BaseState + Send + ?Sized> Storage<StateKey, StateValue> for SharedBlockState<S> {
    fn read(&self, key: &StateKey) -> Result<StateValue, StorageError> {
        read_key(
            &*self.base,
            self.fee_token,
            self.sequencer_slots,
            self.block_hash,
            key,
        )
    }
}

fn read_key<S: BaseState + ?Sized>(
    base: &S,
    fee_token: ContractAddress,
    sequencer_slots: (StorageKey, StorageKey),
    block_hash: Option<(ContractAddress, StorageKey, Felt)>,
    key: &StateKey,
) -> Result<StateValue, StorageError> {
    if let (Some((contract, slot, hash)), StateKey::Storage(address, key_slot)) = (block_hash, key)
    {
        if contract == *address && slot == *key_slot {
            return Ok(StateValue::Felt(hash));
        }
    }
    Ok(match key {
        StateKey::Storage(address, slot) => {
            StateValue::Felt(base.storage_at(*address, *slot).map_err(storage_error)?)
        }
        StateKey::Nonce(address) => {
            StateValue::Felt(base.nonce_at(*address).map_err(storage_error)?.0)
        }
        StateKey::ClassHashAt(address) => {
            StateValue::Felt(base.class_hash_at(*address).map_err(storage_error)?.0)
        }
        StateKey::CompiledClassHash(class) => {
            StateValue::Felt(base.compiled_class_hash(*class).map_err(storage_error)?.0)
        }
        StateKey::Class(class) => StateValue::Class(base.class(*class).map_err(storage_error)?),
        // Never read by a transaction (see the key).
        StateKey::ExecutedClass(_) => StateValue::Felt(Felt::ZERO),
        StateKey::SequencerBalance => {
            let (low, high) = sequencer_slots;
            let low = base.storage_at(fee_token, low).map_err(storage_error)?;
            let high = base.storage_at(fee_token, high).map_err(storage_error)?;
            StateValue::U256(U256::from_felts(low, high).ok_or_else(|| {
                StorageError::new("the sequencer's fee-token balance is not a u256")
            })?)
        }
    })
}

/// Whether the transactions' diff already holds `(contract, slot)`.
fn changes_wrote(diff: &StateDiff, contract: ContractAddress, slot: StorageKey) -> bool {
    diff.storage.contains_key(&(contract, slot))
}

/// A block's state diff in `starknet_api` types, every map in key order: its transactions'
/// changes and the protocol's block-level writes (the old block hash in `0x1`, aliases in
/// `0x2`). Entries whose value equals the base state's are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateDiff {
    /// Storage slots written.
    pub storage: BTreeMap<(ContractAddress, StorageKey), Felt>,
    /// Nonces changed.
    pub nonces: BTreeMap<ContractAddress, Nonce>,
    /// Contracts deployed or whose class was replaced.
    pub class_hashes: BTreeMap<ContractAddress, ClassHash>,
    /// Classes declared, with their compiled class hashes, and classes migrated to their v2
    /// (Blake2s) compiled class hash (see [`StateKey::ExecutedClass`]).
    pub declared_classes: BTreeMap<ClassHash, CompiledClassHash>,
}

impl StateDiff {
    /// Builds the block's diff from the engine's final state changes, dropping writes that left
    /// a value as the base state had it, and adds the block-level writes (see
    /// [`crate::block`]). Also returns the classes declared in the block.
    pub fn from_changes<'c, S: BaseState + ?Sized>(
        changes: impl IntoIterator<Item = (&'c StateKey, &'c StateValue)>,
        base: &S,
        context: &BlockContext,
    ) -> Result<(StateDiff, BTreeMap<ClassHash, Arc<ContractClass>>), BaseStateError> {
        let mut diff = StateDiff::default();
        let mut classes = BTreeMap::new();
        let mut executed = Vec::new();
        for (key, value) in changes {
            match key {
                StateKey::Storage(address, slot) => {
                    if base.storage_at(*address, *slot)? != value.felt() {
                        diff.storage.insert((*address, *slot), value.felt());
                    }
                }
                StateKey::Nonce(address) => {
                    if base.nonce_at(*address)?.0 != value.felt() {
                        diff.nonces.insert(*address, Nonce(value.felt()));
                    }
                }
                StateKey::ClassHashAt(address) => {
                    if base.class_hash_at(*address)?.0 != value.felt() {
                        diff.class_hashes.insert(*address, ClassHash(value.felt()));
                    }
                }
                StateKey::CompiledClassHash(class) => {
                    if base.compiled_class_hash(*class)?.0 != value.felt() {
                        diff.declared_classes
                            .insert(*class, CompiledClassHash(value.felt()));
                    }
                }
                StateKey::Class(class) => {
                    if let Some(c) = value.class() {
                        if base.class(*class)?.is_none() {
                            classes.insert(*class, c);
                        }
                    }
                }
                StateKey::ExecutedClass(class) => {
                    executed.push((*class, CompiledClassHash(value.felt())));
                }
                StateKey::SequencerBalance => {
                    let (low, high) = crate::fee::balance_slots(context.sequencer);
                    let v = value.u256();
                    for (slot, felt) in [(low, Felt::from(v.low)), (high, Felt::from(v.high))] {
                        if base.storage_at(context.fee_token, slot)? != felt {
                            diff.storage.insert((context.fee_token, slot), felt);
                        }
                    }
                }
            }
        }
        // Migrations: a class that ran, whose compiled class hash after the block's declares is
        // another than its Blake2s one (the state's old Poseidon hash, or one a declare in
        // this block named), gets the Blake2s one.
        for (class, v2) in executed {
            let current = match diff.declared_classes.get(&class) {
                Some(declared) => *declared,
                None => base.compiled_class_hash(class)?,
            };
            if current != CompiledClassHash::default() && current != v2 {
                diff.declared_classes.insert(class, v2);
            }
        }
        if let Some((contract, slot, hash)) = crate::block::block_hash_write(context) {
            let written = changes_wrote(&diff, contract, slot);
            if !written && base.storage_at(contract, slot)? != hash {
                diff.storage.insert((contract, slot), hash);
            }
        }
        crate::block::allocate_aliases(&mut diff, base, context)?;
        Ok((diff, classes))
    }

    /// The diff as `starknet_api`'s [`ThinStateDiff`](starknet_api::state::ThinStateDiff).
    pub fn to_thin(&self) -> starknet_api::state::ThinStateDiff {
        let mut storage_diffs: BTreeMap<ContractAddress, Vec<(StorageKey, Felt)>> = BTreeMap::new();
        for ((address, key), value) in &self.storage {
            storage_diffs
                .entry(*address)
                .or_default()
                .push((*key, *value));
        }
        starknet_api::state::ThinStateDiff {
            deployed_contracts: self.class_hashes.iter().map(|(a, c)| (*a, *c)).collect(),
            storage_diffs: storage_diffs
                .into_iter()
                .map(|(a, slots)| (a, slots.into_iter().collect()))
                .collect(),
            class_hash_to_compiled_class_hash: self
                .declared_classes
                .iter()
                .map(|(c, h)| (*c, *h))
                .collect(),
            deprecated_declared_classes: Vec::new(),
            nonces: self.nonces.iter().map(|(a, n)| (*a, *n)).collect(),
        }
    }
}
