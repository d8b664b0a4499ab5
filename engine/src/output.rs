//! [`BlockOutput`]: what executing a block produced, identical for both executors.

use std::collections::BTreeMap;
use std::fmt;

use crate::executor::TransactionExecutor;
use crate::stats::ExecutionStats;

/// The final value of every key written in a block, in key order.
pub type StateChanges<X> =
    BTreeMap<<X as TransactionExecutor>::Key, <X as TransactionExecutor>::Value>;

/// The result of executing a block: one output per transaction in block order, and the block's
/// final state changes (every key some transaction wrote, with its value after the block, in key
/// order). The parallel and the sequential executor return equal `BlockOutput`s for the same
/// block. A block closed early (see [`BlockControl`](crate::BlockControl)) holds the outputs of
/// its included prefix and the state after it.
pub struct BlockOutput<X: TransactionExecutor> {
    outputs: Vec<X::Output>,
    state: StateChanges<X>,
}

impl<X: TransactionExecutor> BlockOutput<X> {
    pub(crate) fn new(outputs: Vec<X::Output>, state: StateChanges<X>) -> Self {
        BlockOutput { outputs, state }
    }

    /// How many transactions the block includes (all of them, unless it was closed early).
    pub fn included(&self) -> usize {
        self.outputs.len()
    }

    /// The transactions' outputs, in block order.
    pub fn outputs(&self) -> &[X::Output] {
        &self.outputs
    }

    /// The final value of every key written in the block, in key order.
    pub fn state_changes(&self) -> &StateChanges<X> {
        &self.state
    }

    /// The outputs and the state changes.
    pub fn into_parts(self) -> (Vec<X::Output>, StateChanges<X>) {
        (self.outputs, self.state)
    }
}

impl<X: TransactionExecutor> Clone for BlockOutput<X> {
    fn clone(&self) -> Self {
        BlockOutput {
            outputs: self.outputs.clone(),
            state: self.state.clone(),
        }
    }
}

impl<X: TransactionExecutor> PartialEq for BlockOutput<X> {
    fn eq(&self, other: &Self) -> bool {
        self.outputs == other.outputs && self.state == other.state
    }
}

impl<X: TransactionExecutor> fmt::Debug for BlockOutput<X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockOutput")
            .field("outputs", &self.outputs)
            .field("state", &self.state)
            .finish()
    }
}

/// What [`ParallelExecutor::execute_block`](crate::ParallelExecutor::execute_block) returns: the
/// block output and how it was obtained.
pub struct ParallelOutput<X: TransactionExecutor> {
    output: BlockOutput<X>,
    stats: ExecutionStats,
}

impl<X: TransactionExecutor> ParallelOutput<X> {
    pub(crate) fn new(output: BlockOutput<X>, stats: ExecutionStats) -> Self {
        ParallelOutput { output, stats }
    }

    /// The block output.
    pub fn output(&self) -> &BlockOutput<X> {
        &self.output
    }

    /// The execution statistics.
    pub fn stats(&self) -> &ExecutionStats {
        &self.stats
    }

    /// The block output and the statistics.
    pub fn into_parts(self) -> (BlockOutput<X>, ExecutionStats) {
        (self.output, self.stats)
    }
}

impl<X: TransactionExecutor> fmt::Debug for ParallelOutput<X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParallelOutput")
            .field("output", &self.output)
            .field("stats", &self.stats)
            .finish()
    }
}
