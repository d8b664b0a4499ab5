//! [`TxView`]: one incarnation's view of the state.
//!
//! Reads go to the incarnation's own writes first, then (in parallel mode) to the multi-version
//! store, which answers with the closest write below the transaction or sends the read to the
//! base state through its cache; each key's first read is recorded in the read set, and later
//! reads of the key return the recorded value, so an incarnation sees one consistent value per
//! key. Writes are buffered in the write set and reach the store only when the incarnation
//! finishes. In sequential mode the view reads the state left by the transactions before it.
//!
//! A read that meets an ESTIMATE (the value depends on a transaction being re-executed), or
//! whose base-state read fails, *interrupts* the incarnation: [`TxView::read`] returns
//! [`ReadError`], every later read fails too, and the engine, not the VM, decides what happens
//! next from what the view remembers.

use std::collections::HashMap;
use std::fmt;

use starkstm_primitives::TxIndex;
use starkstm_versioned_state::{
    Key, MultiVersionStore, ReadOrigin, ReadResult, ReadSet, Value, Write, WriteSet, INDEX_AT,
};

use crate::storage::{Storage, StorageError};

/// Why an incarnation stopped part-way.
#[derive(Debug)]
pub(crate) enum Interrupt {
    /// It read a key whose value depends on this transaction's next incarnation.
    Dependency(TxIndex),
    /// The base state could not be read.
    Storage(StorageError),
}

impl Interrupt {
    /// What the VM is told.
    fn error(&self) -> ReadError {
        ReadError {
            blocked_on: match self {
                Interrupt::Dependency(tx) => Some(*tx),
                Interrupt::Storage(_) => None,
            },
        }
    }
}

/// A read could not be served; the VM should stop executing this transaction and return.
///
/// It is an interruption, not a transaction failure: the engine knows the cause (a dependency on
/// a transaction being re-executed, or a base-state error) and will re-execute or fail the block
/// itself, whatever the VM returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadError {
    blocked_on: Option<TxIndex>,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.blocked_on {
            Some(tx) => write!(
                f,
                "read interrupted: the value depends on {tx}, being re-executed"
            ),
            None => write!(f, "read interrupted: the base state could not be read"),
        }
    }
}

impl std::error::Error for ReadError {}

enum Backend<'a, K: Key, V: Value> {
    Parallel {
        store: &'a MultiVersionStore<K, V>,
        storage: &'a dyn Storage<K, V>,
        /// Record reads for validation. Off for an incarnation that started with everything
        /// below it committed: its reads are final (they cannot change, so repeating one gives
        /// the same value) and nothing will validate them.
        record: bool,
    },
    Sequential {
        state: &'a HashMap<K, V>,
        storage: &'a dyn Storage<K, V>,
        /// Records every key read below the transaction's own writes (for
        /// [`SequentialExecutor::execute_block_traced`](crate::SequentialExecutor)).
        trace: bool,
    },
}

/// One incarnation's view of the state: what a [`TransactionExecutor`](crate::TransactionExecutor)
/// reads and writes through.
pub struct TxView<'a, K: Key, V: Value> {
    tx: TxIndex,
    backend: Backend<'a, K, V>,
    reads: ReadSet<K, V>,
    /// Key → position in `reads` once there are at least [`INDEX_AT`] reads (before that a
    /// linear scan is cheaper), so a key is read from the store once per incarnation.
    read_index: Option<HashMap<K, usize>>,
    writes: WriteSet<K, V>,
    interrupt: Option<Interrupt>,
}

impl<K: Key, V: Value> fmt::Debug for TxView<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TxView")
            .field("tx", &self.tx)
            .field("reads", &self.reads.len())
            .field("writes", &self.writes.len())
            .field("interrupt", &self.interrupt)
            .finish()
    }
}

impl<'a, K: Key, V: Value> TxView<'a, K, V> {
    /// A view over the multi-version store; `final_reads` if every transaction below `tx` has
    /// committed (then reads are not recorded).
    pub(crate) fn parallel(
        tx: TxIndex,
        store: &'a MultiVersionStore<K, V>,
        storage: &'a dyn Storage<K, V>,
        final_reads: bool,
    ) -> TxView<'a, K, V> {
        let record = !final_reads;
        TxView::new(
            tx,
            Backend::Parallel {
                store,
                storage,
                record,
            },
        )
    }

    pub(crate) fn sequential(
        tx: TxIndex,
        state: &'a HashMap<K, V>,
        storage: &'a dyn Storage<K, V>,
        trace: bool,
    ) -> TxView<'a, K, V> {
        TxView::new(
            tx,
            Backend::Sequential {
                state,
                storage,
                trace,
            },
        )
    }

    fn new(tx: TxIndex, backend: Backend<'a, K, V>) -> TxView<'a, K, V> {
        TxView {
            tx,
            backend,
            reads: ReadSet::new(),
            read_index: None,
            writes: WriteSet::new(),
            interrupt: None,
        }
    }

    /// The index of the transaction being executed.
    pub fn tx_index(&self) -> TxIndex {
        self.tx
    }

    /// The value of `key` as sequential execution would show this transaction (its own writes
    /// included). Fails if the incarnation must stop (see [`ReadError`]).
    pub fn read(&mut self, key: &K) -> Result<V, ReadError> {
        match self.writes.get(key) {
            Some(Write::Value(value)) => Ok(value.clone()),
            Some(Write::Delta(delta)) => {
                let delta = delta.clone();
                Ok(self.read_below(key)?.apply_delta(&delta))
            }
            None => self.read_below(key),
        }
    }

    /// Writes `value` at `key` (visible to this transaction's later reads at once, to other
    /// transactions when the incarnation finishes).
    pub fn write(&mut self, key: K, value: V) {
        self.writes.write(key, value);
    }

    /// Adds `delta` to `key` without reading it: transactions that only add to a key do not
    /// conflict with each other. A later [`read`](TxView::read) of the key in this transaction
    /// does read it (and the value under the delta becomes part of the read set).
    pub fn add(&mut self, key: K, delta: V::Delta) {
        self.writes.add(key, delta);
    }

    /// Drops every write made so far (a reverted transaction keeps its reads, which decided the
    /// revert, and leaves no writes).
    pub fn discard_writes(&mut self) {
        self.writes.clear();
    }

    /// What this incarnation read below its own writes, or the interruption.
    fn read_below(&mut self, key: &K) -> Result<V, ReadError> {
        if let Some(interrupt) = &self.interrupt {
            return Err(interrupt.error());
        }
        match self.backend {
            Backend::Sequential {
                state,
                storage,
                trace,
            } => {
                let value = match state.get(key) {
                    Some(value) => value.clone(),
                    None => storage
                        .read(key)
                        .map_err(|e| self.interrupt(Interrupt::Storage(e)))?,
                };
                if trace {
                    self.reads
                        .push(key.clone(), ReadOrigin::Storage, value.clone());
                }
                Ok(value)
            }
            Backend::Parallel {
                store,
                storage,
                record,
            } => {
                if record {
                    if let Some(value) = self.recorded(key) {
                        return Ok(value);
                    }
                }
                match store.read(key, self.tx, |k| storage.read(k)) {
                    Err(e) => Err(self.interrupt(Interrupt::Storage(e))),
                    Ok(ReadResult::Dependency(blocking)) => {
                        Err(self.interrupt(Interrupt::Dependency(blocking)))
                    }
                    Ok(ReadResult::Value { origin, value }) => {
                        if record {
                            self.record(key, origin, value.clone());
                        }
                        Ok(value)
                    }
                }
            }
        }
    }

    /// The value this incarnation already read at `key`, if any.
    fn recorded(&self, key: &K) -> Option<V> {
        let i = match &self.read_index {
            Some(index) => *index.get(key)?,
            None => self.reads.iter().position(|read| read.key == *key)?,
        };
        self.reads.get(i).map(|read| read.value.clone())
    }

    fn record(&mut self, key: &K, origin: ReadOrigin, value: V) {
        let position = self.reads.len();
        if let Some(index) = &mut self.read_index {
            index.insert(key.clone(), position);
        } else if position + 1 >= INDEX_AT {
            let mut index: HashMap<K, usize> = self
                .reads
                .iter()
                .enumerate()
                .map(|(i, read)| (read.key.clone(), i))
                .collect();
            index.insert(key.clone(), position);
            self.read_index = Some(index);
        }
        self.reads.push(key.clone(), origin, value);
    }

    fn interrupt(&mut self, interrupt: Interrupt) -> ReadError {
        let error = interrupt.error();
        self.interrupt = Some(interrupt);
        error
    }

    /// Ends the incarnation: its read set, write set, and interruption if any.
    pub(crate) fn finish(self) -> (ReadSet<K, V>, WriteSet<K, V>, Option<Interrupt>) {
        (self.reads, self.writes, self.interrupt)
    }
}
