//! [`ExecutionStats`]: what the parallel executor did to produce a block.

use std::ops::AddAssign;
use std::time::Duration;

/// Counters and timings of one parallel block execution.
///
/// For a block that ran to the end (not closed early) on the parallel path, every incarnation after a
/// transaction's first was caused by exactly one abort or dependency:
/// `executions == committed + aborts + dependency_waits + dependency_retries`
/// (and `re_executions` is the part after the `+`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecutionStats {
    /// Transactions in the block.
    pub txs: usize,
    /// Transactions committed.
    pub committed: usize,
    /// Worker threads.
    pub threads: usize,
    /// The block ran on the sequential path (too small to gain from parallelism).
    pub sequential_fallback: bool,
    /// The block was closed before its end (by the commit hook or the deadline): only
    /// `committed` transactions are in the output.
    pub closed: bool,
    /// VM invocations, all incarnations and retries included.
    pub executions: u64,
    /// Executions beyond one per committed transaction.
    pub re_executions: u64,
    /// Validation tasks run (early conflict detection).
    pub validations: u64,
    /// Commit-time validations (one per commit attempt, except for incarnations that started
    /// with everything below them committed: what they read was final).
    pub commit_validations: u64,
    /// Incarnations aborted by a failed validation (task or commit-time).
    pub aborts: u64,
    /// Of `aborts`, those found at commit time.
    pub commit_aborts: u64,
    /// Incarnations that met an ESTIMATE and waited for the transaction below.
    pub dependency_waits: u64,
    /// Incarnations that met an ESTIMATE whose writer had already finished, and ran again.
    pub dependency_retries: u64,
    /// Times a worker asked for a task and found none.
    pub waits: u64,
    /// Time workers spent finding no task, summed over workers.
    pub wait_time: Duration,
    /// Time spent in the VM, summed over workers.
    pub execute_time: Duration,
    /// Time spent validating tasks, summed over workers.
    pub validate_time: Duration,
    /// Time spent holding the commit lock, summed over workers.
    pub commit_time: Duration,
    /// Wall time of the parallel phase (workers running).
    pub parallel_wall_time: Duration,
    /// Wall time of collecting outputs and the final state after the workers stopped.
    pub finalize_wall_time: Duration,
    /// Wall time of the whole call.
    pub wall_time: Duration,
}

impl ExecutionStats {
    /// Executions per committed transaction (1.0 when nothing ran twice).
    pub fn executions_per_tx(&self) -> f64 {
        if self.committed == 0 {
            0.0
        } else {
            self.executions as f64 / self.committed as f64
        }
    }
}

impl AddAssign<&ExecutionStats> for ExecutionStats {
    /// Adds the counters and per-worker times of `other` (used to merge the workers' stats).
    fn add_assign(&mut self, other: &ExecutionStats) {
        self.executions += other.executions;
        self.validations += other.validations;
        self.commit_validations += other.commit_validations;
        self.aborts += other.aborts;
        self.commit_aborts += other.commit_aborts;
        self.dependency_waits += other.dependency_waits;
        self.dependency_retries += other.dependency_retries;
        self.waits += other.waits;
        self.wait_time += other.wait_time;
        self.execute_time += other.execute_time;
        self.validate_time += other.validate_time;
        self.commit_time += other.commit_time;
    }
}
