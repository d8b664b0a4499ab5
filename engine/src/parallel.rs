//! [`ParallelExecutor`]: executes a block on a pool of worker threads with Block-STM.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use parking_lot::Mutex;

use starkstm_primitives::TxIndex;

use crate::config::Config;
use crate::control::BlockControl;
use crate::error::{panic_message, Error, InvariantViolation};
use crate::executor::TransactionExecutor;
use crate::output::{BlockOutput, ParallelOutput};
use crate::sequential::SequentialExecutor;
use crate::stats::ExecutionStats;
use crate::storage::Storage;
use crate::worker::Block;

/// From this many keys the final state is collected on the worker threads; below it, waking
/// them costs more than it saves.
const PARALLEL_SNAPSHOT_KEYS: usize = 32 * 1024;

/// The worker pool could not be started.
#[derive(Debug, thiserror::Error)]
#[error("could not start the worker threads")]
pub struct StartError(#[from] rayon::ThreadPoolBuildError);

/// Executes blocks in parallel; the result equals [`SequentialExecutor`]'s for every block.
///
/// A block runs on `threads` workers: the calling thread and `threads - 1` helper threads the
/// executor owns and reuses for every block. (The caller works rather than sleeps: one thread
/// fewer to wake per block, and a busy caller's core is not where the kernel puts a woken
/// helper.) Blocks smaller than [`Config::min_parallel_txs`] run on the calling thread on the sequential
/// path. Calls from several threads at once are safe; their blocks share the pool threads.
#[derive(Debug)]
pub struct ParallelExecutor {
    config: Config,
    /// The `threads - 1` helpers of the calling thread (at least one, for finalisation work).
    pool: rayon::ThreadPool,
}

/// The stack of each worker thread (and of a streaming block's coordinator).
pub(crate) const WORKER_STACK_BYTES: usize = 64 << 20;

impl ParallelExecutor {
    /// Starts the worker threads.
    pub fn new(config: Config) -> Result<ParallelExecutor, StartError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads((config.threads().get() - 1).max(1))
            .thread_name(|i| format!("starkstm-worker-{i}"))
            // VMs may recurse deeply (nested contract calls each run an interpreter); address
            // space is reserved, not committed, so a large stack costs nothing until used.
            .stack_size(WORKER_STACK_BYTES)
            .build()?;
        Ok(ParallelExecutor { config, pool })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Executes `txs` in parallel on top of `storage`.
    ///
    /// On success the output equals what [`SequentialExecutor::execute_block`] returns. On error
    /// every worker has stopped and no partial output is returned; the error names the
    /// transaction where the sequential executor would have failed too (for a fatal VM error),
    /// or what went wrong.
    pub fn execute_block<X: TransactionExecutor>(
        &self,
        vm: &X,
        storage: &dyn Storage<X::Key, X::Value>,
        txs: &[X::Transaction],
    ) -> Result<ParallelOutput<X>, Error<X::Error>> {
        self.execute_block_with(vm, storage, txs, BlockControl::new())
    }

    /// As [`execute_block`](ParallelExecutor::execute_block), with a commit hook and a deadline
    /// that may close the block early (see [`BlockControl`]). A closed block's output holds the
    /// included prefix and equals [`SequentialExecutor::execute_block_with`] on that prefix;
    /// with a hook that decides from what it is shown, it equals it on the whole block.
    pub fn execute_block_with<X: TransactionExecutor>(
        &self,
        vm: &X,
        storage: &dyn Storage<X::Key, X::Value>,
        txs: &[X::Transaction],
        control: BlockControl<'_, X>,
    ) -> Result<ParallelOutput<X>, Error<X::Error>> {
        let started = Instant::now();
        let threads = self.config.threads().get();
        if txs.len() < self.config.min_parallel_txs() {
            let output = SequentialExecutor.execute_block_with(vm, storage, txs, control)?;
            let committed = output.outputs().len();
            let stats = ExecutionStats {
                txs: txs.len(),
                committed,
                threads: 1,
                sequential_fallback: true,
                closed: committed < txs.len(),
                executions: committed as u64,
                wall_time: started.elapsed(),
                ..ExecutionStats::default()
            };
            return Ok(ParallelOutput::new(output, stats));
        }

        let block = Block::new(
            vm,
            storage,
            txs,
            self.config.initial_window(),
            threads,
            control,
        );
        let workers = catch_unwind(AssertUnwindSafe(|| {
            let helpers = Mutex::new(Vec::with_capacity(threads - 1));
            let own = self.pool.in_place_scope(|scope| {
                for _ in 1..threads {
                    scope.spawn(|_| {
                        let stats = block.run_worker();
                        helpers.lock().push(stats);
                    });
                }
                block.run_worker()
            });
            let mut workers = helpers.into_inner();
            workers.push(own);
            workers
        }));
        let parallel_wall_time = started.elapsed();
        let workers = workers.map_err(|payload| {
            Error::Invariant(InvariantViolation::new(format!(
                "the worker pool panicked: {}",
                panic_message(&*payload)
            )))
        })?;
        if let Some(error) = block.failure.lock().take() {
            return Err(error);
        }

        let finalize_started = Instant::now();
        let committed = block.scheduler.committed();
        let closed = block.scheduler.is_halted();
        if committed.as_usize() != txs.len() && !closed {
            return Err(Error::Invariant(InvariantViolation::new(format!(
                "workers stopped with {} of {} transactions committed and no error",
                committed.0,
                txs.len()
            ))));
        }
        let Block { slots, store, .. } = block;
        let mut outputs = Vec::with_capacity(committed.as_usize());
        let included = slots.into_vec().into_iter().take(committed.as_usize());
        for (i, slot) in included.enumerate() {
            match slot.into_inner().and_then(|slot| slot.result) {
                Some(Ok(output)) => outputs.push(output),
                _ => {
                    return Err(Error::Invariant(InvariantViolation::new(format!(
                        "{} committed without an output",
                        TxIndex::from_usize(i)
                    ))))
                }
            }
        }
        let read_base = |k: &X::Key| storage.read(k);
        let state = if store.num_keys() >= PARALLEL_SNAPSHOT_KEYS {
            self.pool
                .install(|| store.par_snapshot(committed, read_base))
        } else {
            store.snapshot(committed, read_base)
        }
        .map_err(|source| Error::Storage { tx: None, source })?;
        let output = BlockOutput::new(outputs, state);
        // Freed here rather than after return, so that `finalize_wall_time` counts it.
        drop(store);

        let mut stats = ExecutionStats {
            txs: txs.len(),
            committed: committed.as_usize(),
            threads,
            closed,
            ..ExecutionStats::default()
        };
        for worker in &workers {
            stats += worker;
        }
        stats.re_executions = stats.executions.saturating_sub(committed.0.into());
        stats.parallel_wall_time = parallel_wall_time;
        stats.finalize_wall_time = finalize_started.elapsed();
        stats.wall_time = started.elapsed();
        Ok(ParallelOutput::new(output, stats))
    }
}
