//! Unit tests of the scheduler: one per status transition and per cursor, commit and window rule.

use super::*;
use crate::Status;

fn v(tx: u32, inc: u32) -> Version {
    Version::new(TxIndex(tx), Incarnation(inc))
}

fn exec(tx: u32, inc: u32) -> NextTask {
    NextTask::Run(Task::Execute(v(tx, inc)))
}

fn status(s: &Scheduler, tx: u32) -> (Status, u32) {
    let st = s.status(TxIndex(tx));
    (st.status(), st.incarnation().0)
}

/// Commits everything committable; returns how many.
fn commit_all(s: &Scheduler) -> u32 {
    let mut committer = s.try_commit().expect("commit lock free");
    let mut n = 0;
    while let Some(version) = committer.try_start_commit() {
        committer.finish_commit(version);
        n += 1;
    }
    n
}

#[test]
fn an_empty_block_is_done_at_once() {
    let s = Scheduler::new(0, 4);
    assert!(s.is_done());
    assert!(!s.is_halted());
    assert_eq!(s.next_task(), NextTask::Done);
}

#[test]
fn executions_are_handed_out_in_order_within_the_window() {
    let s = Scheduler::new(5, 2);
    assert_eq!(s.next_task(), exec(0, 0));
    assert_eq!(s.next_task(), exec(1, 0));
    assert_eq!(
        s.next_task(),
        NextTask::Wait,
        "window of two past frontier 0"
    );
    assert_eq!(status(&s, 0), (Status::Executing, 0));
    s.finish_execution(v(0, 0), true);
    assert_eq!(commit_all(&s), 1);
    assert_eq!(s.committed(), TxIndex(1));
    assert_eq!(s.window(), 2, "one clean commit is not yet a streak");
    assert_eq!(
        s.next_task(),
        exec(2, 0),
        "the window moved with the frontier"
    );
    assert_eq!(s.next_task(), NextTask::Wait);
}

#[test]
fn commit_waits_for_the_frontier_and_goes_in_order() {
    let s = Scheduler::new(3, 8);
    for tx in 0..3 {
        assert_eq!(s.next_task(), exec(tx, 0));
    }
    s.finish_execution(v(2, 0), true);
    s.finish_execution(v(1, 0), true);
    assert_eq!(commit_all(&s), 0, "tx 0 has not executed");
    s.finish_execution(v(0, 0), true);
    assert_eq!(commit_all(&s), 3);
    assert!(s.is_done());
    assert_eq!(s.next_task(), NextTask::Done);
    for tx in 0..3 {
        assert_eq!(status(&s, tx), (Status::Committed, 0));
    }
}

#[test]
fn only_one_committer_at_a_time() {
    let s = Scheduler::new(1, 1);
    let first = s.try_commit();
    assert!(first.is_some());
    assert!(s.try_commit().is_none());
    drop(first);
    assert!(s.try_commit().is_some());
}

#[test]
fn validation_abort_then_reexecution() {
    let s = Scheduler::new(3, 8);
    for tx in 0..3 {
        assert_eq!(s.next_task(), exec(tx, 0));
        s.finish_execution(v(tx, 0), true);
    }
    // First incarnations do not pull the validation cursor back (commit validates them).
    assert_eq!(s.next_task(), NextTask::Wait);
    assert_eq!(s.try_validation_abort(v(1, 0)), AbortOutcome::Aborted);
    assert_eq!(s.try_validation_abort(v(1, 0)), AbortOutcome::Stale);
    assert_eq!(status(&s, 1), (Status::Aborting, 0));
    // The cursor passed tx 1, so finishing the abort hands its next incarnation back directly,
    // and asks for tx 2 to be validated again.
    assert_eq!(s.finish_abort(v(1, 0), None), Some(Task::Execute(v(1, 1))));
    assert_eq!(s.next_task(), NextTask::Run(Task::Validate(v(2, 0))));
    // The cursor then parks: nothing more to validate.
    assert_eq!(s.next_task(), NextTask::Wait);
    assert_eq!(s.validation_idx.load(Ordering::Relaxed), 3);
    s.finish_execution(v(1, 1), false);
    assert_eq!(commit_all(&s), 3);
}

#[test]
fn a_reexecution_that_writes_a_new_location_revalidates_the_suffix() {
    let s = Scheduler::new(4, 8);
    for tx in 0..4 {
        assert_eq!(s.next_task(), exec(tx, 0));
        s.finish_execution(v(tx, 0), true);
    }
    assert_eq!(s.try_validation_abort(v(1, 0)), AbortOutcome::Aborted);
    let Some(Task::Execute(next)) = s.finish_abort(v(1, 0), None) else {
        panic!("expected a re-execution");
    };
    // Drain the validations the abort asked for.
    assert_eq!(s.next_task(), NextTask::Run(Task::Validate(v(2, 0))));
    assert_eq!(s.next_task(), NextTask::Run(Task::Validate(v(3, 0))));
    assert_eq!(s.next_task(), NextTask::Wait);
    s.finish_execution(next, true);
    assert_eq!(s.next_task(), NextTask::Run(Task::Validate(v(2, 0))));
}

#[test]
fn dependency_suspends_and_resumes() {
    let s = Scheduler::new(3, 8);
    for tx in 0..3 {
        assert_eq!(s.next_task(), exec(tx, 0));
    }
    s.finish_execution(v(0, 0), true);
    assert_eq!(s.try_validation_abort(v(0, 0)), AbortOutcome::Aborted);
    assert_eq!(s.finish_abort(v(0, 0), None), Some(Task::Execute(v(0, 1))));
    // tx 2 meets tx 0's ESTIMATE while tx 0 re-executes.
    assert_eq!(
        s.add_dependency(v(2, 0), TxIndex(0)),
        DependencyOutcome::Added
    );
    assert_eq!(status(&s, 2), (Status::Aborting, 0));
    s.finish_execution(v(0, 1), false);
    assert_eq!(status(&s, 2), (Status::ReadyToExecute, 1), "resumed");
    assert_eq!(
        s.execution_idx.load(Ordering::Relaxed),
        2,
        "cursor lowered to it"
    );
    // Once tx 0 has executed, a new dependency on it resolves at once.
    s.finish_execution(v(1, 0), true);
    // tx 0's abort asked for tx 1 to be validated again; then tx 2 runs again.
    assert_eq!(s.next_task(), NextTask::Run(Task::Validate(v(1, 0))));
    // Two conflicts shrank the window (capped at the block size, three) to one: tx 2 waits
    // until the frontier moves.
    assert_eq!(s.window(), 1);
    assert_eq!(s.next_task(), NextTask::Wait);
    assert_eq!(commit_all(&s), 2);
    assert_eq!(s.next_task(), exec(2, 1));
    assert_eq!(
        s.add_dependency(v(2, 1), TxIndex(0)),
        DependencyOutcome::Resolved
    );
    assert_eq!(status(&s, 2), (Status::Executing, 1));
}

#[test]
fn commit_time_abort_reschedules_the_frontier() {
    let s = Scheduler::new(2, 8);
    assert_eq!(s.next_task(), exec(0, 0));
    assert_eq!(s.next_task(), exec(1, 0));
    s.finish_execution(v(0, 0), true);
    s.finish_execution(v(1, 0), true);
    let mut committer = s.try_commit().unwrap();
    let first = committer.try_start_commit().unwrap();
    committer.finish_commit(first);
    let second = committer.try_start_commit().unwrap();
    assert_eq!(second, v(1, 0));
    assert_eq!(status(&s, 1), (Status::Committing, 0));
    // A validation task racing with the commit cannot abort it.
    assert_eq!(s.try_validation_abort(second), AbortOutcome::Stale);
    let task = committer.abort_and_reschedule(second, Some(TxIndex(0)), || {});
    assert_eq!(task, Some(Task::Execute(v(1, 1))));
    assert!(
        committer.try_start_commit().is_none(),
        "tx 1 is executing again"
    );
    drop(committer);
    s.finish_execution(v(1, 1), false);
    assert_eq!(commit_all(&s), 1);
    assert!(s.is_done());
}

#[test]
fn halting_at_a_commit_point_stops_everything_after_it() {
    let s = Scheduler::new(4, 8);
    for tx in 0..4 {
        assert_eq!(s.next_task(), exec(tx, 0));
        s.finish_execution(v(tx, 0), true);
    }
    let mut committer = s.try_commit().unwrap();
    let first = committer.try_start_commit().unwrap();
    committer.finish_commit(first);
    committer.halt();
    assert!(committer.try_start_commit().is_none());
    drop(committer);
    assert_eq!(commit_all(&s), 0);
    assert!(s.is_done());
    assert!(s.is_halted());
    assert_eq!(s.committed(), TxIndex(1));
    assert_eq!(s.next_task(), NextTask::Done);
}

#[test]
fn conflicts_shrink_the_window_to_one() {
    let s = Scheduler::new(10, 8);
    for _ in 0..30 {
        s.window.on_conflict(Some(1));
        s.window.on_commit(false, true);
    }
    assert_eq!(s.window(), 1);
    assert_eq!(s.next_task(), exec(0, 0));
    assert_eq!(s.next_task(), NextTask::Wait);
}

#[test]
fn closing_from_outside_the_commit_lock_keeps_the_prefix() {
    let s = Scheduler::new(3, 8);
    for tx in 0..3 {
        assert_eq!(s.next_task(), exec(tx, 0));
        s.finish_execution(v(tx, 0), true);
    }
    let mut committer = s.try_commit().unwrap();
    let first = committer.try_start_commit().unwrap();
    committer.finish_commit(first);
    drop(committer);
    s.close();
    assert!(s.is_done() && s.is_halted());
    assert_eq!(s.committed(), TxIndex(1));
    assert_eq!(commit_all(&s), 0, "nothing commits after a close");
}
