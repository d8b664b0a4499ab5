//! One worker thread's loop over a block: commit what is ready, take a task, execute or
//! validate, report back, until the block is done or halted.
//!
//! ```text
//! loop {
//!     if done or halted: leave
//!     commit the frontier while it has executed and its reads are still valid
//!     task = the task a transition handed back, or scheduler.next_task()
//!     Execute(v)  -> run the VM on a fresh view; on a dependency, add_dependency;
//!                    else record the writes, store the output, finish_execution
//!     Validate(v) -> re-check the read set; on failure try_validation_abort, ESTIMATEs,
//!                    finish_abort
//!     Wait        -> back off
//! }
//! ```
//!
//! Every panic is caught: a VM panic becomes [`Error::Panicked`], anything else
//! [`Error::Invariant`]; the first failure is recorded and the scheduler halted, so every worker
//! leaves at its next check and the caller joins them all.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use crossbeam_utils::Backoff;
use parking_lot::Mutex;
use starkstm_primitives::{Incarnation, TxIndex, Version};
use starkstm_scheduler::{AbortOutcome, DependencyOutcome, NextTask, Scheduler, Task};
use starkstm_versioned_state::{MultiVersionStore, ReadSet, Validation};

use crate::control::{self, BlockControl, CommitDecision, CommitHook};
use crate::error::{panic_message, Error, InvariantViolation};
use crate::executor::TransactionExecutor;
use crate::stats::ExecutionStats;
use crate::storage::{Storage, StorageError};
use crate::view::{Interrupt, TxView};

/// Why an incarnation produced no output. Like any result, it is acted on only if it is still
/// the transaction's result when the transaction commits, after its reads were validated against
/// the committed prefix: then sequential execution fails at the same transaction the same way.
pub(crate) enum Failure<E> {
    /// The VM returned a fatal error.
    Vm(E),
    /// A base-state read failed.
    Storage(StorageError),
    /// The VM panicked (with this message).
    Panic(String),
}

impl<E: std::error::Error + 'static> Failure<E> {
    fn into_error(self, tx: TxIndex) -> Error<E> {
        match self {
            Failure::Vm(source) => Error::Executor { tx, source },
            Failure::Storage(source) => Error::Storage {
                tx: Some(tx),
                source,
            },
            Failure::Panic(message) => Error::Panicked { tx, message },
        }
    }
}

/// What the last finished incarnation of a transaction left for validation and commit.
pub(crate) struct Slot<X: TransactionExecutor> {
    pub(crate) incarnation: Incarnation,
    pub(crate) reads: ReadSet<X::Key, X::Value>,
    /// Every transaction below had committed when this incarnation started, so everything it
    /// read was final: its commit needs no validation.
    pub(crate) read_final_state: bool,
    pub(crate) result: Option<Result<X::Output, Failure<X::Error>>>,
}

/// What a commit attempt did.
enum CommitAttempt {
    /// Another worker holds the commit lock.
    Busy,
    /// This worker committed what it could; maybe with a task to run next.
    Ran(Option<Task>),
}

/// Everything the workers of one block share.
pub(crate) struct Block<'a, 'h, X: TransactionExecutor> {
    pub(crate) vm: &'a X,
    pub(crate) storage: &'a dyn Storage<X::Key, X::Value>,
    pub(crate) txs: &'a [X::Transaction],
    pub(crate) store: MultiVersionStore<X::Key, X::Value>,
    pub(crate) scheduler: Scheduler,
    pub(crate) slots: Box<[Mutex<Option<Slot<X>>>]>,
    /// The first fatal failure; set before the scheduler is halted.
    pub(crate) failure: Mutex<Option<Error<X::Error>>>,
    /// The commit hook (called only under the commit lock, so this mutex never waits).
    hook: Mutex<Option<&'h mut dyn CommitHook<X>>>,
    deadline: Option<Instant>,
}

/// What the commit hook and the deadline decide for a transaction about to commit.
enum Verdict<E: std::error::Error + 'static> {
    Commit,
    Close,
    Failed(Error<E>),
}

impl<'a, 'h, X: TransactionExecutor> Block<'a, 'h, X> {
    pub(crate) fn new(
        vm: &'a X,
        storage: &'a dyn Storage<X::Key, X::Value>,
        txs: &'a [X::Transaction],
        initial_window: usize,
        threads: usize,
        control: BlockControl<'h, X>,
    ) -> Self {
        Block {
            vm,
            storage,
            txs,
            store: MultiVersionStore::new(txs.len()),
            scheduler: Scheduler::with_window(txs.len(), initial_window, threads),
            slots: (0..txs.len()).map(|_| Mutex::new(None)).collect(),
            failure: Mutex::new(None),
            hook: Mutex::new(control.hook),
            deadline: control.deadline,
        }
    }

    fn deadline_passed(&self) -> bool {
        control::passed(self.deadline)
    }

    /// Asks the deadline and the commit hook whether `tx` may commit (under the commit lock).
    fn verdict(&self, tx: TxIndex, output: &X::Output) -> Verdict<X::Error> {
        if self.deadline_passed() {
            return Verdict::Close;
        }
        let mut hook = self.hook.lock();
        let Some(hook) = hook.as_mut() else {
            return Verdict::Commit;
        };
        match control::consult(&mut **hook, tx, output) {
            Ok(CommitDecision::Commit) => Verdict::Commit,
            Ok(CommitDecision::Close) => Verdict::Close,
            Err(error) => Verdict::Failed(error),
        }
    }

    /// Runs one worker until the block is done or halted; returns its counters.
    pub(crate) fn run_worker(&self) -> ExecutionStats {
        let mut stats = ExecutionStats::default();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.work(&mut stats)));
        if let Err(payload) = outcome {
            self.fail(Error::Invariant(InvariantViolation::new(format!(
                "a worker panicked: {}",
                panic_message(&*payload)
            ))));
        }
        stats
    }

    fn work(&self, stats: &mut ExecutionStats) {
        let backoff = Backoff::new();
        let mut task: Option<Task> = None;
        let mut waiting_since: Option<Instant> = None;
        // `executions_finished` as it was before this worker's last completed commit attempt.
        let mut commit_checked: Option<u64> = None;
        loop {
            if self.scheduler.is_done() {
                if let Some(since) = waiting_since.take() {
                    stats.wait_time += since.elapsed();
                }
                return;
            }
            if self.deadline_passed() {
                self.scheduler.close();
                continue;
            }
            if task.is_none() {
                // Scenario *idle committer* (docs/protocol.md): try only if an execution finished
                // since our last attempt that held the lock; a failed `try_lock` does not count.
                let finished = self.scheduler.executions_finished();
                if commit_checked != Some(finished) {
                    if let CommitAttempt::Ran(next) = self.commit(stats) {
                        commit_checked = Some(finished);
                        task = next;
                    }
                }
            }
            let next = match task.take() {
                Some(task) => NextTask::Run(task),
                None => self.scheduler.next_task(),
            };
            if let (NextTask::Run(_), Some(since)) = (&next, waiting_since) {
                stats.wait_time += since.elapsed();
                waiting_since = None;
            }
            match next {
                NextTask::Run(Task::Execute(version)) => {
                    backoff.reset();
                    task = self.execute(version, stats);
                }
                NextTask::Run(Task::Validate(version)) => {
                    backoff.reset();
                    task = self.validate(version, stats);
                }
                NextTask::Wait => {
                    stats.waits += 1;
                    waiting_since.get_or_insert_with(Instant::now);
                    if backoff.is_completed() {
                        std::thread::yield_now();
                    } else {
                        backoff.snooze();
                    }
                }
                NextTask::Done => return,
            }
        }
    }

    /// Executes `version`; returns a task to run next, if a transition handed one back.
    fn execute(&self, version: Version, stats: &mut ExecutionStats) -> Option<Task> {
        let tx = version.tx;
        loop {
            // Committed entries never change again, so if everything below `tx` is committed
            // now, every value this incarnation reads is final (scenario *final reads*).
            let read_final_state = self.scheduler.committed() >= tx;
            let mut view = TxView::parallel(tx, &self.store, self.storage, read_final_state);
            let started = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                self.vm.execute(&self.txs[tx.as_usize()], &mut view)
            }));
            stats.execute_time += started.elapsed();
            stats.executions += 1;
            let (reads, writes, interrupt) = view.finish();
            // The interruption decides first: a VM that panicked or failed after a read was
            // interrupted saw no consistent state (scenario *speculative failure*).
            let result = match interrupt {
                Some(Interrupt::Dependency(blocking)) => {
                    match self.scheduler.add_dependency(version, blocking) {
                        DependencyOutcome::Added => {
                            stats.dependency_waits += 1;
                            return None;
                        }
                        DependencyOutcome::Resolved => {
                            stats.dependency_retries += 1;
                            continue;
                        }
                    }
                }
                Some(Interrupt::Storage(source)) => Err(Failure::Storage(source)),
                None => match outcome {
                    Ok(Ok(output)) => Ok(output),
                    Ok(Err(error)) => Err(Failure::Vm(error)),
                    Err(payload) => Err(Failure::Panic(panic_message(&*payload))),
                },
            };
            let recorded = self.store.record(version, writes);
            *self.slots[tx.as_usize()].lock() = Some(Slot {
                incarnation: version.incarnation,
                reads,
                read_final_state,
                result: Some(result),
            });
            self.scheduler
                .finish_execution(version, recorded.wrote_new_location);
            return None;
        }
    }

    /// Validates `version`'s read set; aborts it if a read is stale.
    fn validate(&self, version: Version, stats: &mut ExecutionStats) -> Option<Task> {
        let started = Instant::now();
        stats.validations += 1;
        let validation = {
            let slot = self.slots[version.tx.as_usize()].lock();
            match &*slot {
                Some(slot) if slot.incarnation == version.incarnation => {
                    self.validate_reads(version.tx, &slot.reads)
                }
                // A newer incarnation replaced it: this task is stale.
                _ => Validation::Valid,
            }
        };
        let task = match validation {
            Validation::Valid => None,
            Validation::Invalid { writer } => match self.scheduler.try_validation_abort(version) {
                AbortOutcome::Aborted => {
                    stats.aborts += 1;
                    self.store.convert_writes_to_estimates(version.tx);
                    self.scheduler.finish_abort(version, writer)
                }
                AbortOutcome::Stale => None,
            },
        };
        stats.validate_time += started.elapsed();
        task
    }

    /// Commits the frontier for as long as it has executed and its reads are valid against the
    /// committed prefix. Returns the re-execution of a transaction that failed its commit-time
    /// validation, or the new frontier for this thread to execute.
    fn commit(&self, stats: &mut ExecutionStats) -> CommitAttempt {
        let Some(mut committer) = self.scheduler.try_commit() else {
            return CommitAttempt::Busy;
        };
        let started = Instant::now();
        let mut task = None;
        while let Some(version) = committer.try_start_commit() {
            let tx = version.tx;
            let mut slot = self.slots[tx.as_usize()].lock();
            let Some(executed) = slot
                .as_mut()
                .filter(|s| s.incarnation == version.incarnation)
            else {
                drop(slot);
                self.fail(Error::Invariant(InvariantViolation::new(format!(
                    "{version} is committing but left no output"
                ))));
                break;
            };
            let validation = if executed.read_final_state {
                Validation::Valid
            } else {
                stats.commit_validations += 1;
                self.validate_reads(tx, &executed.reads)
            };
            match validation {
                Validation::Valid => {}
                Validation::Invalid { writer } => {
                    drop(slot);
                    stats.aborts += 1;
                    stats.commit_aborts += 1;
                    task = committer.abort_and_reschedule(version, writer, || {
                        self.store.convert_writes_to_estimates(tx);
                    });
                    break;
                }
            }
            let verdict = match &mut executed.result {
                Some(Ok(output)) => self.verdict(tx, output),
                // Valid reads and a failure: sequential execution fails here too.
                failed => match failed.take() {
                    Some(Err(failure)) => Verdict::Failed(failure.into_error(tx)),
                    _ => Verdict::Failed(Error::Invariant(InvariantViolation::new(format!(
                        "{version} is committing without a result"
                    )))),
                },
            };
            drop(slot);
            match verdict {
                Verdict::Commit => {}
                // The block ends before `tx`, under the commit lock: nothing after it commits.
                Verdict::Close => {
                    committer.halt();
                    break;
                }
                // Recorded, then the block halted, under the commit lock.
                Verdict::Failed(error) => {
                    self.fail(error);
                    break;
                }
            }
            if let Err(source) = self.store.materialize_deltas(tx, |k| self.storage.read(k)) {
                self.fail(Error::Storage {
                    tx: Some(tx),
                    source,
                });
                break;
            }
            committer.finish_commit(version);
        }
        let frontier = committer.frontier();
        drop(committer);
        stats.commit_time += started.elapsed();
        // The frontier is the most urgent transaction in the block and this thread has just
        // read the state it depends on: if nobody has claimed it yet, run it here. On a chain
        // this keeps the whole block on one warm core instead of handing every transaction to
        // whichever thread polls first.
        CommitAttempt::Ran(task.or_else(|| {
            (frontier.as_usize() < self.txs.len() && !self.scheduler.is_done())
                .then(|| self.scheduler.try_incarnate(frontier))
                .flatten()
                .map(Task::Execute)
        }))
    }

    /// Validates `tx`'s read set. A base-state read that fails while validating means the read
    /// would now come from the base state, whose value we cannot compare: the read is treated
    /// as stale, and the re-execution meets the failure itself (scenario *speculative failure*).
    fn validate_reads(&self, tx: TxIndex, reads: &ReadSet<X::Key, X::Value>) -> Validation {
        self.store
            .validate_read_set(tx, reads, |k| self.storage.read(k))
            .unwrap_or(Validation::Invalid { writer: None })
    }

    /// Records the block's first fatal failure and halts the scheduler.
    pub(crate) fn fail(&self, error: Error<X::Error>) {
        let mut failure = self.failure.lock();
        if failure.is_none() {
            *failure = Some(error);
        }
        drop(failure);
        self.scheduler.halt();
    }
}
