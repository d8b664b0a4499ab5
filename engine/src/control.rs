//! [`BlockControl`]: deciding, in commit order, where a block ends — a [`CommitHook`] that sees
//! every transaction about to commit (block limits, receipts, metrics) and a deadline.
//!
//! Contract of a commit hook:
//! - It is called once per transaction that commits, in block order, with the transaction's
//!   final output, by whichever worker holds the commit lock; calls never overlap.
//! - Returning [`CommitDecision::Close`] ends the block *before* that transaction: it and every
//!   transaction after it are excluded, and the block output holds the included prefix. The
//!   parallel and sequential executors call the hook with the same transactions and outputs, so
//!   a hook that decides from what it is shown (a limit on gas, steps, events…) closes both at
//!   the same transaction.
//! - It runs while the commit lock is held, so it delays every later commit: keep it short (add
//!   to counters, copy a receipt into a channel), and never call back into the executor.
//! - A panic in it fails the block with [`Error::CommitHook`](crate::Error::CommitHook), every
//!   worker joined.
//!
//! A deadline closes the block at whatever prefix has committed when it passes (checked before
//! each commit and by every worker between tasks). Which prefix that is depends on timing; the
//! output always equals sequential execution of that prefix.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use starkstm_primitives::TxIndex;

use crate::error::{panic_message, Error};
use crate::executor::TransactionExecutor;

/// What a [`CommitHook`] decides for the transaction about to commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum CommitDecision {
    /// Commit it and go on.
    Commit,
    /// End the block before it: it and everything after it are excluded.
    Close,
}

/// Called in commit order for every transaction about to commit (see the module contract).
pub trait CommitHook<X: TransactionExecutor>: Send {
    /// Transaction `tx` is about to commit with `output`.
    fn on_commit(&mut self, tx: TxIndex, output: &X::Output) -> CommitDecision;
}

impl<X, F> CommitHook<X> for F
where
    X: TransactionExecutor,
    F: FnMut(TxIndex, &X::Output) -> CommitDecision + Send,
{
    fn on_commit(&mut self, tx: TxIndex, output: &X::Output) -> CommitDecision {
        self(tx, output)
    }
}

/// How a block may end early: an optional commit hook and an optional deadline.
///
/// ```
/// use std::time::{Duration, Instant};
/// use starkstm_engine::{BlockControl, CommitDecision, TransactionExecutor, TxIndex};
/// # fn demo<X: TransactionExecutor<Output = u64>>() {
/// // A block limit: at most 1,000 units of "gas", as the outputs report it.
/// let mut used = 0;
/// let mut limit = |_tx: TxIndex, gas: &u64| {
///     if used + gas > 1_000 {
///         CommitDecision::Close
///     } else {
///         used += gas;
///         CommitDecision::Commit
///     }
/// };
/// let control = BlockControl::<X>::new()
///     .with_hook(&mut limit)
///     .with_deadline(Instant::now() + Duration::from_millis(200));
/// # let _ = control;
/// # }
/// ```
pub struct BlockControl<'h, X: TransactionExecutor> {
    pub(crate) hook: Option<&'h mut dyn CommitHook<X>>,
    pub(crate) deadline: Option<Instant>,
}

impl<'h, X: TransactionExecutor> BlockControl<'h, X> {
    /// No hook, no deadline: the block runs to its end.
    pub fn new() -> Self {
        BlockControl {
            hook: None,
            deadline: None,
        }
    }

    /// Calls `hook` for every transaction about to commit.
    #[must_use]
    pub fn with_hook(mut self, hook: &'h mut dyn CommitHook<X>) -> Self {
        self.hook = Some(hook);
        self
    }

    /// Closes the block at the committed prefix once `deadline` has passed.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Whether the deadline, if any, has passed.
    pub(crate) fn deadline_passed(&self) -> bool {
        passed(self.deadline)
    }
}

/// Whether `deadline`, if any, has passed.
pub(crate) fn passed(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| Instant::now() >= deadline)
}

/// Asks `hook` about `tx`; a panic in it becomes [`Error::CommitHook`]. The one place both
/// executors call a hook, so they treat its answers and its panics alike.
pub(crate) fn consult<X: TransactionExecutor>(
    hook: &mut dyn CommitHook<X>,
    tx: TxIndex,
    output: &X::Output,
) -> Result<CommitDecision, Error<X::Error>> {
    catch_unwind(AssertUnwindSafe(|| hook.on_commit(tx, output))).map_err(|payload| {
        Error::CommitHook {
            tx,
            message: panic_message(&*payload),
        }
    })
}

impl<X: TransactionExecutor> Default for BlockControl<'_, X> {
    fn default() -> Self {
        BlockControl::new()
    }
}

impl<X: TransactionExecutor> fmt::Debug for BlockControl<'_, X> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockControl")
            .field("hook", &self.hook.is_some())
            .field("deadline", &self.deadline)
            .finish()
    }
}
