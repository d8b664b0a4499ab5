//! [`Committer`]: rolling in-order commit.
//!
//! Whoever holds the commit lock commits the frontier transaction as soon as its incarnation has
//! executed: `try_start_commit` moves it `Executed` → `Committing` (so no validation can abort
//! it meanwhile), the engine validates its read set against the committed prefix, and then either
//! `finish_commit` makes it final and advances the frontier, or `abort_commit` sends it back to
//! be executed again. Because everything below the frontier is final when the engine validates,
//! a transaction that passes this check reads exactly what sequential execution would have shown
//! it; this check alone makes the result correct, and the validation tasks of the paper only
//! find conflicts *earlier* (scenario *validate-then-commit* in `docs/protocol.md`).
//!
//! `halt` closes the block at the frontier: nothing after it will commit. The frontier changes
//! only under the commit lock, and so does this halt, so "transactions `0..k` committed and
//! nothing else will" is a stable fact once the lock is released. (`Scheduler::halt`, for fatal
//! errors, may come from any thread; the block's output is discarded then.)

use starkstm_primitives::{TxIndex, Version};

use crate::scheduler::Scheduler;
use crate::sync::MutexGuard;
use crate::task::Task;

/// Holder of the commit lock; dropping it releases the lock.
#[derive(Debug)]
pub struct Committer<'a> {
    scheduler: &'a Scheduler,
    frontier: MutexGuard<'a, u32>,
}

impl<'a> Committer<'a> {
    pub(crate) fn new(scheduler: &'a Scheduler, frontier: MutexGuard<'a, u32>) -> Committer<'a> {
        Committer {
            scheduler,
            frontier,
        }
    }

    /// The first transaction not yet committed.
    pub fn frontier(&self) -> TxIndex {
        TxIndex(*self.frontier)
    }

    /// If the frontier transaction's current incarnation has executed (and the block is not
    /// halted), moves it to `Committing` and returns it for the caller to validate.
    pub fn try_start_commit(&mut self) -> Option<Version> {
        let tx = self.frontier();
        if tx.as_usize() >= self.scheduler.num_txs() || self.scheduler.is_done() {
            return None;
        }
        let incarnation = self.scheduler.status(tx).try_start_commit()?;
        Some(Version::new(tx, incarnation))
    }

    /// `version` passed its commit-time validation: make it final and advance the frontier.
    pub fn finish_commit(&mut self, version: Version) {
        assert_eq!(
            version.tx,
            self.frontier(),
            "scheduler bug: committing {version} out of order"
        );
        let speculative = self
            .scheduler
            .status(version.tx)
            .finish_commit(version.incarnation);
        *self.frontier += 1;
        self.scheduler
            .publish_commit(*self.frontier, version.incarnation, speculative);
    }

    /// `version` failed its commit-time validation: `Committing(i)` → `Aborting(i)`. The caller
    /// converts its writes to ESTIMATEs and calls [`Scheduler::finish_abort`], usually after
    /// dropping the committer (returned task: execute it next).
    pub fn abort_commit(&mut self, version: Version) {
        self.scheduler
            .status(version.tx)
            .abort_commit(version.incarnation);
    }

    /// Closes the block at the frontier: nothing after it will commit.
    pub fn halt(&mut self) {
        self.scheduler.halt();
    }

    /// The whole abort path at commit: `abort_commit`, the caller's store work (`convert`:
    /// ESTIMATEs), then [`Scheduler::finish_abort`] with the transaction whose write made the
    /// read stale, if known.
    pub fn abort_and_reschedule(
        &mut self,
        version: Version,
        writer: Option<TxIndex>,
        convert: impl FnOnce(),
    ) -> Option<Task> {
        self.abort_commit(version);
        convert();
        self.scheduler.finish_abort(version, writer)
    }
}
