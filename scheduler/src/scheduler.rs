//! [`Scheduler`]: the two cursors, the per-transaction statuses, dependencies, and the commit
//! frontier.
//!
//! # Memory ordering
//! Statuses and dependents lists are behind mutexes; the mutexes order everything a transition
//! reads or writes. The atomics carry these edges:
//! - `execution_idx` / `validation_idx`: a worker that *lowers* a cursor (`fetch_min`, AcqRel)
//!   after making a transaction `ReadyToExecute`/`Executed` pairs with the worker that later
//!   claims that index (`fetch_add`, AcqRel) and then locks the status: the claim reads the
//!   lowered value, so it happens after the status change (scenario *lowered cursor*).
//! - `committed`: the committer stores it with Release after marking the transaction
//!   `Committed`; `is_done`/`committed` load it with Acquire, so a reader that sees `k` committed
//!   sees the commits of `0..k`.
//! - `halted`: Release store / Acquire load, so a worker that sees the halt also sees what the
//!   halting thread did before (the error it recorded).
//! - `executions_finished`: bumped (Release) by `finish_execution` after the status became
//!   `Executed`; a worker that loads it (Acquire) before trying to commit sees every status change
//!   it counts (scenario *idle committer*).

use crossbeam_utils::CachePadded;
use starkstm_primitives::{Incarnation, TxIndex, Version};

use crate::commit::Committer;
use crate::dependencies::Dependencies;
use crate::status::{AbortOutcome, TxStatus};
use crate::sync::{AtomicBool, AtomicU32, AtomicU64, Mutex, MutexGuard, Ordering};
use crate::task::{NextTask, Task};
use crate::window::Window;

/// What [`Scheduler::add_dependency`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum DependencyOutcome {
    /// The transaction is suspended until the blocking one finishes its next incarnation; the
    /// caller drops its execution.
    Added,
    /// The blocking transaction has already executed again: read again and go on.
    Resolved,
}

/// The Block-STM collaborative scheduler for one block.
///
/// It knows nothing of keys or values: it hands out [`Task`]s, tracks each transaction's
/// [`TxStatus`], and keeps the commit frontier. See the crate docs for the worker loop and
/// `docs/protocol.md` for the protocol.
#[derive(Debug)]
pub struct Scheduler {
    num_txs: u32,
    /// The next transaction to try to execute. Lowered when a transaction becomes ready again.
    execution_idx: CachePadded<AtomicU32>,
    /// The next transaction to validate; `num_txs` when no validation is pending. Lowered past an
    /// aborted or re-executed transaction so that the ones above it are checked early.
    validation_idx: CachePadded<AtomicU32>,
    /// Transactions `0..committed` are committed (mirror of the committer's frontier, readable
    /// without its lock).
    committed: CachePadded<AtomicU32>,
    /// Set when the block is halted (an error, or the embedder closed the block): nothing more
    /// commits and every worker leaves its loop.
    halted: CachePadded<AtomicBool>,
    /// How many incarnations have finished executing. Idle workers try to commit only when it
    /// moved, instead of taking the commit lock and the frontier's status lock on every poll
    /// (which slows the worker that needs them).
    executions_finished: CachePadded<AtomicU64>,
    /// The commit lock; holds the frontier.
    commit: Mutex<u32>,
    statuses: Box<[CachePadded<Mutex<TxStatus>>]>,
    dependencies: Dependencies,
    window: Window,
}

impl Scheduler {
    /// A scheduler for `num_txs` transactions, with a speculation window that starts at
    /// `initial_window` transactions past the commit frontier and may shrink to one.
    pub fn new(num_txs: usize, initial_window: usize) -> Scheduler {
        Scheduler::with_window(num_txs, initial_window, 1)
    }

    /// As [`new`](Scheduler::new), with a window that conflicts shrink no further than their
    /// recent distance, at most `threads` (so that the window alone keeps no worker idle unless
    /// the block's conflicts say speculation that far ahead is wasted).
    pub fn with_window(num_txs: usize, initial_window: usize, threads: usize) -> Scheduler {
        let n = u32::try_from(num_txs).expect("a block holds at most u32::MAX transactions");
        let initial = u32::try_from(initial_window).unwrap_or(u32::MAX);
        let floor = u32::try_from(threads).unwrap_or(u32::MAX);
        Scheduler {
            num_txs: n,
            execution_idx: CachePadded::new(AtomicU32::new(0)),
            validation_idx: CachePadded::new(AtomicU32::new(n)),
            committed: CachePadded::new(AtomicU32::new(0)),
            halted: CachePadded::new(AtomicBool::new(n == 0)),
            executions_finished: CachePadded::new(AtomicU64::new(0)),
            commit: Mutex::new(0),
            statuses: (0..num_txs)
                .map(|_| CachePadded::new(Mutex::new(TxStatus::new())))
                .collect(),
            dependencies: Dependencies::new(num_txs),
            window: Window::new(initial, floor, n),
        }
    }

    /// The number of transactions in the block.
    pub fn num_txs(&self) -> usize {
        self.num_txs as usize
    }

    /// How many transactions are committed: `0..committed` are final.
    pub fn committed(&self) -> TxIndex {
        // ORDERING: Acquire; pairs with the Release store in `Committer::finish_commit`.
        TxIndex(self.committed.load(Ordering::Acquire))
    }

    /// Whether workers should leave: everything committed, or the block halted.
    pub fn is_done(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release stores in `halt` and `finish_commit`.
        self.halted.load(Ordering::Acquire)
            || self.committed.load(Ordering::Acquire) == self.num_txs
    }

    /// Whether the block was halted before every transaction committed.
    pub fn is_halted(&self) -> bool {
        // ORDERING: Acquire; pairs with the Release store in `halt`.
        self.halted.load(Ordering::Acquire) && self.committed().0 < self.num_txs
    }

    /// Stops the block: nothing commits after the current frontier, and every worker leaves its
    /// loop at its next check. Used on a fatal error; to halt at a chosen commit point, use
    /// [`Committer::halt`], which holds the commit lock.
    pub fn halt(&self) {
        // ORDERING: Release; pairs with the Acquire loads in `is_done`, so a worker that leaves
        // on the halt sees what the halting thread recorded before it (the error).
        self.halted.store(true, Ordering::Release);
    }

    /// Closes the block at the current frontier, from any thread: waits for the commit lock, so
    /// that a commit in progress finishes first, then halts under it, so nothing commits after.
    /// (A deadline closes a block this way.)
    pub fn close(&self) {
        let _frontier = self.commit.lock();
        self.halt();
    }

    /// The current speculation-window size (for statistics and tests).
    pub fn window(&self) -> usize {
        self.window.size() as usize
    }

    /// The next task for a worker: a validation if one is pending below the execution cursor,
    /// else an execution within the speculation window, else [`NextTask::Wait`].
    pub fn next_task(&self) -> NextTask {
        if self.is_done() {
            return NextTask::Done;
        }
        // ORDERING: Acquire loads; they only steer the choice, the claim below re-checks.
        let validation = self.validation_idx.load(Ordering::Acquire);
        let execution = self.execution_idx.load(Ordering::Acquire);
        if validation < execution && validation < self.num_txs {
            if let Some(task) = self.next_version_to_validate() {
                return NextTask::Run(task);
            }
        } else if execution < self.num_txs
            && execution < self.committed().0.saturating_add(self.window.size())
        {
            if let Some(task) = self.next_version_to_execute() {
                return NextTask::Run(task);
            }
        }
        NextTask::Wait
    }

    fn next_version_to_validate(&self) -> Option<Task> {
        // ORDERING: AcqRel; pairs with the `fetch_min` in `lower_validation_idx` (scenario
        // *lowered cursor*).
        let idx = self.validation_idx.fetch_add(1, Ordering::AcqRel);
        // ORDERING: Acquire; as in `next_task`.
        if idx >= self.num_txs || idx >= self.execution_idx.load(Ordering::Acquire) {
            // Caught up with execution: park the cursor until an abort lowers it again, unless
            // someone lowered it meanwhile (then the exchange fails and the cursor stays).
            // ORDERING: AcqRel/Acquire; same pairing as the `fetch_add` above.
            let _ = self.validation_idx.compare_exchange(
                idx.saturating_add(1),
                self.num_txs,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
            return None;
        }
        let status = self.status(TxIndex(idx));
        (status.status() == crate::Status::Executed)
            .then(|| Task::Validate(Version::new(TxIndex(idx), status.incarnation())))
    }

    fn next_version_to_execute(&self) -> Option<Task> {
        // ORDERING: AcqRel; pairs with the `fetch_min` in `lower_execution_idx` (scenario
        // *lowered cursor*).
        let idx = self.execution_idx.fetch_add(1, Ordering::AcqRel);
        if idx >= self.num_txs {
            return None;
        }
        self.try_incarnate(TxIndex(idx)).map(Task::Execute)
    }

    /// `ReadyToExecute(i)` → `Executing(i)` for `tx`; the version to execute, or `None`.
    pub fn try_incarnate(&self, tx: TxIndex) -> Option<Version> {
        let speculative = self.committed() < tx;
        self.status(tx)
            .try_incarnate(speculative)
            .map(|incarnation| Version::new(tx, incarnation))
    }

    /// `version` finished executing and its writes are in the store: mark it `Executed`, resume
    /// its dependents, and, if it is a re-execution that wrote a key its previous incarnation did
    /// not, ask for the transactions above it to be validated again.
    pub fn finish_execution(&self, version: Version, wrote_new_location: bool) {
        let tx = version.tx;
        self.status(tx).finish_execution(version.incarnation);
        // ORDERING: Release; publishes the `Executed` status set above to a worker that loads
        // the counter with Acquire in `executions_finished` (scenario *idle committer*).
        self.executions_finished.fetch_add(1, Ordering::Release);
        let dependents = self.dependencies.drain(tx);
        self.resume(&dependents);
        if version.incarnation > Incarnation::FIRST && wrote_new_location {
            self.lower_validation_idx(tx.next());
        }
    }

    /// `tx` met an ESTIMATE left by `blocking` (which is below it). Suspends `tx` until
    /// `blocking` finishes its next incarnation, unless that already happened.
    pub fn add_dependency(&self, version: Version, blocking: TxIndex) -> DependencyOutcome {
        assert!(
            blocking < version.tx,
            "scheduler bug: {} depends on {blocking}, which is not below it",
            version.tx
        );
        let mut dependents = self.dependencies.lock(blocking);
        // Checked under `blocking`'s list lock: scenario *lost wake-up*.
        if self.status(blocking).has_executed() {
            return DependencyOutcome::Resolved;
        }
        self.status(version.tx).suspend(version.incarnation);
        dependents.push(version.tx);
        drop(dependents);
        self.window.on_conflict(Some(version.tx.0 - blocking.0));
        DependencyOutcome::Added
    }

    /// `Executed(i)` → `Aborting(i)` after a failed validation; succeeds once per incarnation.
    pub fn try_validation_abort(&self, version: Version) -> AbortOutcome {
        self.status(version.tx)
            .try_validation_abort(version.incarnation)
    }

    /// Finishes an abort (after the caller converted the incarnation's writes to ESTIMATEs):
    /// `Aborting(i)` → `ReadyToExecute(i + 1)`, transactions above are to be validated again,
    /// and the next incarnation is returned for the caller to execute if the execution cursor has
    /// already passed it. `writer` is the transaction whose write made the read stale, if known
    /// (it steers the speculation window).
    pub fn finish_abort(&self, version: Version, writer: Option<TxIndex>) -> Option<Task> {
        let tx = version.tx;
        self.status(tx).set_ready(version.incarnation);
        self.window
            .on_conflict(writer.filter(|w| *w < tx).map(|w| tx.0 - w.0));
        self.lower_validation_idx(tx.next());
        // ORDERING: Acquire; if the cursor has not passed `tx` yet it will claim it itself.
        if self.execution_idx.load(Ordering::Acquire) > tx.0 {
            if let Some(version) = self.try_incarnate(tx) {
                return Some(Task::Execute(version));
            }
        }
        None
    }

    /// How many incarnations have finished executing so far. A worker that tried to commit (and
    /// got the commit lock) after reading `n` here need not try again until this moves past `n`:
    /// the frontier can only become committable through a `finish_execution`.
    pub fn executions_finished(&self) -> u64 {
        // ORDERING: Acquire; pairs with the Release increment in `finish_execution`.
        self.executions_finished.load(Ordering::Acquire)
    }

    /// Takes the commit lock if it is free. Only its holder commits, so commits are in block
    /// order and one at a time; a worker that finds it taken goes on with other work.
    pub fn try_commit(&self) -> Option<Committer<'_>> {
        let frontier = self.commit.try_lock()?;
        Some(Committer::new(self, frontier))
    }

    pub(crate) fn status(&self, tx: TxIndex) -> MutexGuard<'_, TxStatus> {
        self.statuses[tx.as_usize()].lock()
    }

    pub(crate) fn publish_commit(
        &self,
        frontier: u32,
        incarnation: Incarnation,
        speculative: bool,
    ) {
        // ORDERING: Release; pairs with the Acquire loads in `committed` and `is_done`.
        self.committed.store(frontier, Ordering::Release);
        self.window
            .on_commit(incarnation == Incarnation::FIRST, speculative);
    }

    fn resume(&self, dependents: &[TxIndex]) {
        let Some(&lowest) = dependents.iter().min() else {
            return;
        };
        for &tx in dependents {
            let mut status = self.status(tx);
            let incarnation = status.incarnation();
            status.set_ready(incarnation);
        }
        self.lower_execution_idx(lowest);
    }

    fn lower_execution_idx(&self, to: TxIndex) {
        // ORDERING: AcqRel; the status change made before this pairs with the claim in
        // `next_version_to_execute` (scenario *lowered cursor*).
        self.execution_idx.fetch_min(to.0, Ordering::AcqRel);
    }

    fn lower_validation_idx(&self, to: TxIndex) {
        if to.0 >= self.num_txs {
            return;
        }
        // ORDERING: AcqRel; pairs with the claim in `next_version_to_validate`.
        self.validation_idx.fetch_min(to.0, Ordering::AcqRel);
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
