//! [`TxStatus`]: one transaction's incarnation and where that incarnation stands.
//!
//! Every transition is a named method that checks its precondition; a violated precondition is a
//! scheduler bug and panics with the state and incarnation involved. The state machine (also in
//! `docs/protocol.md`, which has the full table):
//!
//! ```text
//!                     try_incarnate                 finish_execution
//!   ReadyToExecute(i) ─────────────▶ Executing(i) ──────────────────▶ Executed(i)
//!          ▲                              │                           │        │
//!          │ set_ready (inc+1)            │ suspend                   │        │ try_start_commit
//!          │                              ▼            try_validation_abort    ▼
//!          └─────────────────────── Aborting(i) ◀───────────────────┘     Committing(i)
//!                                         ▲                                 │       │
//!                                         └───────── abort_commit ──────────┘       │ finish_commit
//!                                                                                   ▼
//!                                                                              Committed(i)
//! ```

use starkstm_primitives::Incarnation;

/// Where the current incarnation of a transaction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Waiting for a worker to execute incarnation `i`.
    ReadyToExecute,
    /// A worker is executing incarnation `i`.
    Executing,
    /// Incarnation `i` finished; its writes are in the store; it may be validated.
    Executed,
    /// Incarnation `i` was aborted (failed validation, or met an ESTIMATE and waits on a
    /// dependency); it becomes `ReadyToExecute(i + 1)` when the abort finishes or the dependency
    /// resolves.
    Aborting,
    /// The committer is validating incarnation `i` against the final prefix.
    Committing,
    /// Final. Nothing changes it again.
    Committed,
}

/// A transaction's incarnation and its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxStatus {
    incarnation: Incarnation,
    status: Status,
    /// Whether the current incarnation started while transactions below it were uncommitted.
    speculative: bool,
}

/// What [`TxStatus::try_validation_abort`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum AbortOutcome {
    /// The caller aborted the incarnation: it must convert its writes to ESTIMATEs and call
    /// `finish_abort`.
    Aborted,
    /// Someone else already moved this incarnation on (aborted it, or it is committing): nothing
    /// to do.
    Stale,
}

impl TxStatus {
    /// A transaction nobody has executed yet.
    pub const fn new() -> TxStatus {
        TxStatus {
            incarnation: Incarnation::FIRST,
            status: Status::ReadyToExecute,
            speculative: false,
        }
    }

    /// The current incarnation.
    pub fn incarnation(&self) -> Incarnation {
        self.incarnation
    }

    /// The current status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Whether the current incarnation's writes are recorded and it is not aborted: a reader that
    /// met this transaction's ESTIMATE may simply read again.
    pub fn has_executed(&self) -> bool {
        matches!(
            self.status,
            Status::Executed | Status::Committing | Status::Committed
        )
    }

    /// `ReadyToExecute(i)` → `Executing(i)`; `None` if the transaction is not ready.
    /// `speculative`: transactions below it are not all committed yet.
    pub fn try_incarnate(&mut self, speculative: bool) -> Option<Incarnation> {
        (self.status == Status::ReadyToExecute).then(|| {
            self.status = Status::Executing;
            self.speculative = speculative;
            self.incarnation
        })
    }

    /// `Executing(i)` → `Executed(i)`.
    pub fn finish_execution(&mut self, incarnation: Incarnation) {
        self.expect(Status::Executing, incarnation, "finish_execution");
        self.status = Status::Executed;
    }

    /// `Executing(i)` → `Aborting(i)`: the incarnation met an ESTIMATE and waits on a dependency.
    pub fn suspend(&mut self, incarnation: Incarnation) {
        self.expect(Status::Executing, incarnation, "suspend");
        self.status = Status::Aborting;
    }

    /// `Executed(i)` → `Aborting(i)`, once per incarnation.
    pub fn try_validation_abort(&mut self, incarnation: Incarnation) -> AbortOutcome {
        if self.incarnation == incarnation && self.status == Status::Executed {
            self.status = Status::Aborting;
            AbortOutcome::Aborted
        } else {
            AbortOutcome::Stale
        }
    }

    /// `Aborting(i)` → `ReadyToExecute(i + 1)`.
    pub fn set_ready(&mut self, incarnation: Incarnation) {
        self.expect(Status::Aborting, incarnation, "set_ready");
        self.incarnation = incarnation.next();
        self.status = Status::ReadyToExecute;
    }

    /// `Executed(i)` → `Committing(i)`; `None` if the current incarnation has not executed.
    pub fn try_start_commit(&mut self) -> Option<Incarnation> {
        (self.status == Status::Executed).then(|| {
            self.status = Status::Committing;
            self.incarnation
        })
    }

    /// `Committing(i)` → `Committed(i)`; returns whether incarnation `i` ran speculatively.
    pub fn finish_commit(&mut self, incarnation: Incarnation) -> bool {
        self.expect(Status::Committing, incarnation, "finish_commit");
        self.status = Status::Committed;
        self.speculative
    }

    /// `Committing(i)` → `Aborting(i)`: the commit-time validation failed.
    pub fn abort_commit(&mut self, incarnation: Incarnation) {
        self.expect(Status::Committing, incarnation, "abort_commit");
        self.status = Status::Aborting;
    }

    fn expect(&self, status: Status, incarnation: Incarnation, transition: &str) {
        assert!(
            self.status == status && self.incarnation == incarnation,
            "scheduler bug: {transition} expects {status:?}({}) but found {:?}({})",
            incarnation.0,
            self.status,
            self.incarnation.0,
        );
    }
}

impl Default for TxStatus {
    fn default() -> Self {
        TxStatus::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(status: Status, inc: u32) -> TxStatus {
        TxStatus {
            incarnation: Incarnation(inc),
            status,
            speculative: true,
        }
    }

    #[test]
    fn the_happy_path() {
        let mut s = TxStatus::new();
        assert_eq!(s.try_incarnate(true), Some(Incarnation(0)));
        assert_eq!(s.try_incarnate(true), None, "only one worker may incarnate");
        s.finish_execution(Incarnation(0));
        assert!(s.has_executed());
        assert_eq!(s.try_start_commit(), Some(Incarnation(0)));
        assert_eq!(s.try_start_commit(), None);
        assert!(s.finish_commit(Incarnation(0)), "it ran speculatively");
        assert_eq!(s, at(Status::Committed, 0));
    }

    #[test]
    fn validation_abort_happens_once_per_incarnation() {
        let mut s = at(Status::Executed, 2);
        assert_eq!(s.try_validation_abort(Incarnation(1)), AbortOutcome::Stale);
        assert_eq!(
            s.try_validation_abort(Incarnation(2)),
            AbortOutcome::Aborted
        );
        assert_eq!(s.try_validation_abort(Incarnation(2)), AbortOutcome::Stale);
        assert!(!s.has_executed());
        s.set_ready(Incarnation(2));
        assert_eq!(s, at(Status::ReadyToExecute, 3));
    }

    #[test]
    fn committing_blocks_validation_aborts_and_can_abort_itself() {
        let mut s = at(Status::Executed, 0);
        assert_eq!(s.try_start_commit(), Some(Incarnation(0)));
        assert_eq!(s.try_validation_abort(Incarnation(0)), AbortOutcome::Stale);
        s.abort_commit(Incarnation(0));
        assert_eq!(s, at(Status::Aborting, 0));
        s.set_ready(Incarnation(0));
        assert_eq!(s, at(Status::ReadyToExecute, 1));
    }

    #[test]
    fn suspension_on_a_dependency() {
        let mut s = at(Status::Executing, 1);
        s.suspend(Incarnation(1));
        assert_eq!(s.try_incarnate(false), None);
        assert!(!s.has_executed());
        s.set_ready(Incarnation(1));
        assert_eq!(s.try_incarnate(false), Some(Incarnation(2)));
    }

    #[test]
    #[should_panic(expected = "finish_execution expects Executing(0)")]
    fn an_illegal_transition_names_itself() {
        at(Status::ReadyToExecute, 0).finish_execution(Incarnation(0));
    }

    #[test]
    #[should_panic(expected = "finish_commit expects Committing(0)")]
    fn committing_needs_start_commit() {
        at(Status::Executed, 0).finish_commit(Incarnation(0));
    }
}
