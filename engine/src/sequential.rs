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
        mut control: BlockControl<'_, X>,
    ) -> Result<BlockOutput<X>, Error<X::Error>> {
        let mut state: HashMap<X::Key, X::Value> = HashMap::new();
        let mut outputs = Vec::with_capacity(txs.len());
        for (i, tx) in txs.iter().enumerate() {
            let index = TxIndex::from_usize(i);
            if control.deadline_passed() {
                break;
            }
            let mut view = TxView::sequential(index, &state, storage);
            let result = catch_unwind(AssertUnwindSafe(|| vm.execute(tx, &mut view)));
            let (_, writes, interrupt) = view.finish();
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
}
