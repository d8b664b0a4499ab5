//! [`SequentialExecutor`]: the reference semantics. One transaction after another, each seeing
//! exactly the writes of the ones before it. The parallel executor must return what this returns.

use std::collections::{BTreeMap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};

use starkstm_primitives::TxIndex;
use starkstm_versioned_state::{Value, Write};

use crate::control::{consult, BlockControl, CommitDecision};
use crate::error::{panic_message, Error, InvariantViolation};
use crate::executor::TransactionExecutor;
use crate::output::BlockOutput;
use crate::storage::Storage;
use crate::view::{Interrupt, TxView};

/// Executes blocks one transaction at a time, in block order, on the calling thread.
///
/// It is the oracle the parallel executor is tested against, and the path the parallel executor
/// takes for blocks too small to gain from parallelism.
#[derive(Clone, Copy, Debug, Default)]
pub struct SequentialExecutor;

impl SequentialExecutor {
    /// A sequential executor.
    pub fn new() -> SequentialExecutor {
        SequentialExecutor
    }

    /// Executes `txs` in order on top of `storage`.
    pub fn execute_block<X: TransactionExecutor>(
        &self,
        vm: &X,
        storage: &dyn Storage<X::Key, X::Value>,
        txs: &[X::Transaction],
    ) -> Result<BlockOutput<X>, Error<X::Error>> {
        self.execute_block_with(vm, storage, txs, BlockControl::new())
    }

    /// As [`execute_block`](SequentialExecutor::execute_block), with a commit hook and a
    /// deadline that may close the block early (see [`BlockControl`]): the hook is shown each
    /// transaction's output before its writes apply, and the deadline is checked before each
    /// transaction.
    pub fn execute_block_with<X: TransactionExecutor>(
        &self,
        vm: &X,
        storage: &dyn Storage<X::Key, X::Value>,
        txs: &[X::Transaction],
        control: BlockControl<'_, X>,
    ) -> Result<BlockOutput<X>, Error<X::Error>> {
        run(vm, storage, txs, control, None)
    }

    /// As [`execute_block`](SequentialExecutor::execute_block), also returning what each
    /// transaction read and wrote and how long it took: the block's conflict structure (see
    /// [`ConflictStructure`](crate::ConflictStructure)).
    pub fn execute_block_traced<X: TransactionExecutor>(
        &self,
        vm: &X,
        storage: &dyn Storage<X::Key, X::Value>,
        txs: &[X::Transaction],
    ) -> Result<TracedOutput<X>, Error<X::Error>> {
        let mut traces = Vec::with_capacity(txs.len());
        let output = run(vm, storage, txs, BlockControl::new(), Some(&mut traces))?;
        Ok((output, traces))
    }
}

/// A traced sequential run's output and its per-transaction traces.
pub type TracedOutput<X> = (
    BlockOutput<X>,
    Vec<TxTrace<<X as TransactionExecutor>::Key>>,
);

/// What one transaction did in a traced sequential run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxTrace<K> {
    /// Keys it read (below its own writes), each once, in first-read order.
    pub reads: Vec<K>,
    /// Keys it wrote a value to.
    pub writes: Vec<K>,
    /// Keys it added a delta to.
    pub deltas: Vec<K>,
    /// How long the VM took.
    pub time: std::time::Duration,
}

fn run<X: TransactionExecutor>(
    vm: &X,
    storage: &dyn Storage<X::Key, X::Value>,
    txs: &[X::Transaction],
    mut control: BlockControl<'_, X>,
    mut traces: Option<&mut Vec<TxTrace<X::Key>>>,
) -> Result<BlockOutput<X>, Error<X::Error>> {
    let mut state: HashMap<X::Key, X::Value> = HashMap::new();
    let mut outputs = Vec::with_capacity(txs.len());
    for (i, tx) in txs.iter().enumerate() {
        let index = TxIndex::from_usize(i);
        if control.deadline_passed() {
            break;
        }
        let mut view = TxView::sequential(index, &state, storage, traces.is_some());
        // Timed only when traced: untraced runs read no clock per transaction.
        let started = traces.is_some().then(std::time::Instant::now);
        let result = catch_unwind(AssertUnwindSafe(|| vm.execute(tx, &mut view)));
        let time = started.map(|s| s.elapsed()).unwrap_or_default();
        let (reads, writes, interrupt) = view.finish();
        let result = result.map_err(|payload| Error::Panicked {
            tx: index,
            message: panic_message(&*payload),
        })?;
        match interrupt {
            None => {}
            Some(Interrupt::Storage(source)) => {
                return Err(Error::Storage {
                    tx: Some(index),
                    source,
                })
            }
            Some(Interrupt::Dependency(blocking)) => {
                return Err(Error::Invariant(InvariantViolation::new(format!(
                    "the sequential view of {index} reported a dependency on {blocking}"
                ))))
            }
        }
        let output = result.map_err(|source| Error::Executor { tx: index, source })?;
        if let Some(hook) = control.hook.as_mut() {
            if consult(&mut **hook, index, &output)? == CommitDecision::Close {
                break;
            }
        }
        if let Some(traces) = traces.as_mut() {
            let mut seen = std::collections::HashSet::new();
            let mut trace = TxTrace {
                reads: Vec::new(),
                writes: Vec::new(),
                deltas: Vec::new(),
                time,
            };
            for read in reads.iter() {
                if seen.insert(&read.key) {
                    trace.reads.push(read.key.clone());
                }
            }
            for (key, write) in writes.iter() {
                match write {
                    Write::Value(_) => trace.writes.push(key.clone()),
                    Write::Delta(_) => trace.deltas.push(key.clone()),
                }
            }
            traces.push(trace);
        }
        for (key, write) in writes {
            let value = match write {
                Write::Value(value) => value,
                Write::Delta(delta) => {
                    let below = match state.get(&key) {
                        Some(value) => value.clone(),
                        None => storage.read(&key).map_err(|source| Error::Storage {
                            tx: Some(index),
                            source,
                        })?,
                    };
                    below.apply_delta(&delta)
                }
            };
            state.insert(key, value);
        }
        outputs.push(output);
    }
    let state: BTreeMap<_, _> = state.into_iter().collect();
    Ok(BlockOutput::new(outputs, state))
}
