//! [`Task`]: the work the scheduler hands a worker, and [`NextTask`], what `next_task` answers.

use starkstm_primitives::Version;

/// One unit of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Execute this incarnation (the worker owns it until `finish_execution` or
    /// `add_dependency`).
    Execute(Version),
    /// Validate this incarnation's read set; on failure call `try_validation_abort`.
    Validate(Version),
}

/// What [`Scheduler::next_task`](crate::Scheduler::next_task) answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum NextTask {
    /// Do this.
    Run(Task),
    /// Nothing to claim right now: try to commit, back off, and ask again.
    Wait,
    /// The block is finished (everything committed) or halted: leave the loop.
    Done,
}
