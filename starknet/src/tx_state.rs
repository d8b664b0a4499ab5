//! [`TxState`]: one transaction's writes over the engine's [`TxView`], with a journal so a
//! failed call (or a reverted `__execute__`) rolls back exactly its own writes.

use std::collections::{BTreeSet, HashMap};

use starknet_api::core::{ClassHash, CompiledClassHash, ContractAddress};
use starknet_api::state::StorageKey;
use starknet_types_core::felt::Felt;
use starkstm_engine::TxView;

use crate::context::BlockContext;
use crate::fee::gas_vector::StateChangesCount;
use crate::state::{StateKey, StateValue};
use crate::u256::{felt_to_u128, U256};

/// The engine interrupted this incarnation (a read depends on a transaction being re-executed,
/// or the base state failed): stop executing at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Interrupted;

/// A write the state layer refuses (the call that made it fails).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum WriteRefused {
    Interrupted,
    /// Cairo code tried to store a value above 2^128 in a half of the sequencer's balance.
    NotU128,
}

impl From<Interrupted> for WriteRefused {
    fn from(_: Interrupted) -> WriteRefused {
        WriteRefused::Interrupted
    }
}

pub(crate) struct TxState<'t, 'v> {
    view: &'t mut TxView<'v, StateKey, StateValue>,
    /// Values read from the view (facts: never rolled back).
    reads: HashMap<StateKey, StateValue>,
    /// This transaction's current writes.
    writes: HashMap<StateKey, StateValue>,
    /// For each write, what `writes` held for the key before it.
    journal: Vec<(StateKey, Option<StateValue>)>,
    fee_token: ContractAddress,
    sequencer_slots: (StorageKey, StorageKey),
    /// While the fee transfer runs: the sequencer's balance slots read as zero and what is
    /// written to them is collected here, then added to the balance as a delta.
    fee_mode: Option<[Felt; 2]>,
}

impl<'t, 'v> TxState<'t, 'v> {
    pub(crate) fn new(
        view: &'t mut TxView<'v, StateKey, StateValue>,
        context: &BlockContext,
    ) -> TxState<'t, 'v> {
        TxState {
            view,
            reads: HashMap::new(),
            writes: HashMap::new(),
            journal: Vec::new(),
            fee_token: context.fee_token,
            sequencer_slots: crate::fee::balance_slots(context.sequencer),
            fee_mode: None,
        }
    }

    pub(crate) fn read(&mut self, key: &StateKey) -> Result<StateValue, Interrupted> {
        if let Some(v) = self.writes.get(key) {
            return Ok(v.clone());
        }
        if let Some(v) = self.reads.get(key) {
            return Ok(v.clone());
        }
        let v = self.view.read(key).map_err(|_| Interrupted)?;
        self.reads.insert(key.clone(), v.clone());
        Ok(v)
    }

    pub(crate) fn read_felt(&mut self, key: &StateKey) -> Result<Felt, Interrupted> {
        Ok(self.read(key)?.felt())
    }

    pub(crate) fn write(&mut self, key: StateKey, value: StateValue) {
        let previous = self.writes.insert(key.clone(), value);
        self.journal.push((key, previous));
    }

    pub(crate) fn checkpoint(&self) -> usize {
        self.journal.len()
    }

    pub(crate) fn rollback(&mut self, checkpoint: usize) {
        while self.journal.len() > checkpoint {
            let (key, previous) = self.journal.pop().expect("journal longer than checkpoint");
            match previous {
                Some(v) => self.writes.insert(key, v),
                None => self.writes.remove(&key),
            };
        }
    }

    /// Which half of the sequencer's balance `slot` of `address` is, if it is one.
    fn sequencer_half(&self, address: ContractAddress, slot: StorageKey) -> Option<usize> {
        if address != self.fee_token {
            return None;
        }
        if slot == self.sequencer_slots.0 {
            Some(0)
        } else if slot == self.sequencer_slots.1 {
            Some(1)
        } else {
            None
        }
    }

    pub(crate) fn storage_read(
        &mut self,
        address: ContractAddress,
        slot: StorageKey,
    ) -> Result<Felt, Interrupted> {
        match self.sequencer_half(address, slot) {
            None => self.read_felt(&StateKey::Storage(address, slot)),
            Some(half) => {
                if let Some(credit) = &self.fee_mode {
                    return Ok(credit[half]);
                }
                let balance = self.read(&StateKey::SequencerBalance)?.u256();
                Ok(Felt::from(if half == 0 {
                    balance.low
                } else {
                    balance.high
                }))
            }
        }
    }

    pub(crate) fn storage_write(
        &mut self,
        address: ContractAddress,
        slot: StorageKey,
        value: Felt,
    ) -> Result<(), WriteRefused> {
        match self.sequencer_half(address, slot) {
            None => {
                self.write(StateKey::Storage(address, slot), StateValue::Felt(value));
                Ok(())
            }
            Some(half) => {
                if let Some(credit) = &mut self.fee_mode {
                    credit[half] = value;
                    return Ok(());
                }
                let half_value = felt_to_u128(value).ok_or(WriteRefused::NotU128)?;
                let mut balance = self.read(&StateKey::SequencerBalance)?.u256();
                if half == 0 {
                    balance.low = half_value;
                } else {
                    balance.high = half_value;
                }
                self.write(StateKey::SequencerBalance, StateValue::U256(balance));
                Ok(())
            }
        }
    }

    /// Starts the fee transfer's view of the sequencer balance (see `fee_mode`).
    pub(crate) fn begin_fee_transfer(&mut self) {
        self.fee_mode = Some([Felt::ZERO; 2]);
    }

    /// Ends the fee transfer; returns what it credited to the sequencer, or `None` if that is
    /// not a u256.
    pub(crate) fn end_fee_transfer(&mut self) -> Option<U256> {
        let [low, high] = self.fee_mode.take()?;
        U256::from_felts(low, high)
    }

    /// The value `key` had before this transaction (read from the view if it was only
    /// written).
    fn initial(&mut self, key: &StateKey) -> Result<StateValue, Interrupted> {
        if let Some(v) = self.reads.get(key) {
            return Ok(v.clone());
        }
        let v = self.view.read(key).map_err(|_| Interrupted)?;
        self.reads.insert(key.clone(), v.clone());
        Ok(v)
    }

    /// This transaction's changes so far as fees count them: keys whose value changed (a write
    /// of the value already there is no change), the contracts they touch except `fee_token`,
    /// storage cells allocated from zero, and the sender's fee balance, which the fee transfer
    /// will write, once.
    pub(crate) fn state_changes(
        &mut self,
        sender: Option<ContractAddress>,
        fee_token: ContractAddress,
    ) -> Result<StateChangesCount, Interrupted> {
        let mut keys: Vec<StateKey> = self.writes.keys().cloned().collect();
        keys.sort_unstable();
        let mut storage: BTreeSet<(ContractAddress, StorageKey)> = BTreeSet::new();
        let mut contracts: BTreeSet<ContractAddress> = BTreeSet::new();
        let mut count = StateChangesCount::default();
        for key in keys {
            if matches!(key, StateKey::Class(_)) {
                // A class's code is not part of the state diff.
                continue;
            }
            let new = self.writes[&key].clone();
            let old = self.initial(&key)?;
            let changed = new.felt() != old.felt();
            match &key {
                StateKey::Storage(address, slot) => {
                    if changed {
                        storage.insert((*address, *slot));
                        contracts.insert(*address);
                        if old.felt() == Felt::ZERO {
                            count.n_allocated_keys += 1;
                        }
                    }
                }
                StateKey::SequencerBalance => {
                    let (new, old) = (new.u256(), old.u256());
                    for (half, (n, o)) in [(new.low, old.low), (new.high, old.high)]
                        .into_iter()
                        .enumerate()
                    {
                        if n != o {
                            let slot = if half == 0 {
                                self.sequencer_slots.0
                            } else {
                                self.sequencer_slots.1
                            };
                            storage.insert((self.fee_token, slot));
                            contracts.insert(self.fee_token);
                            if o == 0 {
                                count.n_allocated_keys += 1;
                            }
                        }
                    }
                }
                StateKey::Nonce(address) => {
                    if changed {
                        contracts.insert(*address);
                    }
                }
                StateKey::ClassHashAt(address) => {
                    if changed {
                        contracts.insert(*address);
                        count.n_class_hash_updates += 1;
                    }
                }
                StateKey::CompiledClassHash(_) => {
                    if changed {
                        count.n_compiled_class_hash_updates += 1;
                    }
                }
                StateKey::Class(_) | StateKey::ExecutedClass(_) => {}
            }
        }
        count.n_storage_updates = storage.len();
        if let Some(sender) = sender {
            let (low, _) = crate::fee::balance_slots(sender);
            if !storage.contains(&(fee_token, low)) {
                count.n_storage_updates += 1;
            }
        }
        contracts.remove(&fee_token);
        count.n_modified_contracts = contracts.len();
        Ok(count)
    }

    /// How many keys this transaction writes.
    pub(crate) fn n_writes(&self) -> usize {
        self.writes.len()
    }

    /// Hands the writes to the engine, and the sequencer's credit as a delta; with them, a
    /// mark for each class the transaction ran (`executed`, when the block migrates compiled
    /// class hashes), which the block's diff turns into a migration (see
    /// [`StateKey::ExecutedClass`]). Marks are written, never read: they order nothing.
    pub(crate) fn commit(
        self,
        sequencer_credit: U256,
        executed: &[(ClassHash, CompiledClassHash)],
    ) {
        let TxState { view, writes, .. } = self;
        let mut marks = executed.to_vec();
        marks.sort_unstable();
        marks.dedup();
        for (class, compiled) in marks {
            view.write(StateKey::ExecutedClass(class), StateValue::Felt(compiled.0));
        }
        for (key, value) in writes {
            view.write(key, value);
        }
        if sequencer_credit != U256::ZERO {
            view.add(StateKey::SequencerBalance, sequencer_credit);
        }
    }

    /// Drops every write (a rejected transaction changes nothing).
    pub(crate) fn discard(self) {
        self.view.discard_writes();
    }
}
