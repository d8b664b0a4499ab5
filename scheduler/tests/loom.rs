//! Model-checks the scheduler's index, dependency, commit and termination protocol with loom.
//!
//! Run with `bash .ci/loom` (it sets `RUSTFLAGS="--cfg loom"` and the preemption bound).
//!
//! Each model runs a tiny block on two or three threads with a fake VM: transaction `i`
//! "reads" what transaction `i - 1` wrote, recorded as whether `i - 1` had executed when `i`
//! ran; commit-time validation rejects a read that missed it. Workers follow the engine's loop,
//! including its *idle committer* rule (commit only when an execution finished since the last
//! attempt that got the lock). Every interleaving must end with all threads out of their loops,
//! every transaction committed exactly once, in order, with a valid read.

#![cfg(loom)]

use loom::sync::atomic::{AtomicU32, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;
use starkstm_scheduler::{
    AbortOutcome, DependencyOutcome, NextTask, Scheduler, Task, TxIndex, Version,
};

/// The fake VM's shared state: per transaction, the incarnation whose writes are visible
/// (`u32::MAX` for none, or an ESTIMATE), and what each incarnation saw of the one below.
struct Block {
    scheduler: Scheduler,
    /// Per tx: 0 = nothing written, 1 = written, 2 = ESTIMATE.
    written: Vec<AtomicU32>,
    /// Per tx: (incarnation, saw the write below) of the last execution.
    seen: Vec<Mutex<Option<(u32, bool)>>>,
    commits: Vec<AtomicU32>,
    use_dependencies: bool,
}

const EMPTY: u32 = 0;
const WRITTEN: u32 = 1;
const ESTIMATE: u32 = 2;

impl Block {
    fn new(n: usize, window: usize, use_dependencies: bool) -> Block {
        Block {
            scheduler: Scheduler::new(n, window),
            written: (0..n).map(|_| AtomicU32::new(EMPTY)).collect(),
            seen: (0..n).map(|_| Mutex::new(None)).collect(),
            commits: (0..n).map(|_| AtomicU32::new(0)).collect(),
            use_dependencies,
        }
    }

    fn reads_valid(&self, version: Version) -> bool {
        let tx = version.tx.0 as usize;
        if tx == 0 {
            return true;
        }
        let seen = *self.seen[tx].lock().unwrap();
        matches!(seen, Some((inc, true)) if inc == version.incarnation.0)
            && self.written[tx - 1].load(Ordering::SeqCst) == WRITTEN
    }

    fn execute(&self, version: Version) -> Option<Task> {
        let tx = version.tx.0 as usize;
        let saw = if tx == 0 {
            true
        } else {
            match self.written[tx - 1].load(Ordering::SeqCst) {
                ESTIMATE if self.use_dependencies => {
                    match self
                        .scheduler
                        .add_dependency(version, TxIndex(tx as u32 - 1))
                    {
                        DependencyOutcome::Added => return None,
                        DependencyOutcome::Resolved => return Some(Task::Execute(version)),
                    }
                }
                state => state == WRITTEN,
            }
        };
        *self.seen[tx].lock().unwrap() = Some((version.incarnation.0, saw));
        self.written[tx].store(WRITTEN, Ordering::SeqCst);
        self.scheduler
            .finish_execution(version, version.incarnation.0 == 0);
        None
    }

    fn abort(&self, version: Version) {
        self.written[version.tx.0 as usize].store(ESTIMATE, Ordering::SeqCst);
    }

    fn validate(&self, version: Version) -> Option<Task> {
        if self.reads_valid(version) {
            return None;
        }
        match self.scheduler.try_validation_abort(version) {
            AbortOutcome::Aborted => {
                self.abort(version);
                self.scheduler.finish_abort(version, None)
            }
            AbortOutcome::Stale => None,
        }
    }

    /// `None` if the commit lock was busy; else the task the commit handed back, if any.
    fn commit(&self) -> Option<Option<Task>> {
        let mut committer = self.scheduler.try_commit()?;
        while let Some(version) = committer.try_start_commit() {
            if !self.reads_valid(version) {
                return Some(committer.abort_and_reschedule(version, None, || self.abort(version)));
            }
            self.commits[version.tx.0 as usize].fetch_add(1, Ordering::SeqCst);
            committer.finish_commit(version);
        }
        Some(None)
    }

    /// One worker's loop. `patience` bounds how many times it may find nothing to do before it
    /// leaves: helper threads leave early (two idle threads yielding to each other would give loom
    /// unbounded paths), which also checks that progress never depends on a particular worker
    /// staying; the main thread stays until the block is done.
    fn worker(&self, mut patience: Option<u32>) {
        let mut task = None;
        // The engine's *idle committer* rule: attempt a commit only when an execution finished
        // since the last attempt that held the commit lock.
        let mut commit_checked: Option<u64> = None;
        loop {
            if self.scheduler.is_done() {
                return;
            }
            if task.is_none() {
                let finished = self.scheduler.executions_finished();
                if commit_checked != Some(finished) {
                    if let Some(next) = self.commit() {
                        commit_checked = Some(finished);
                        task = next;
                    }
                }
            }
            task = match task
                .take()
                .map(NextTask::Run)
                .unwrap_or_else(|| self.scheduler.next_task())
            {
                NextTask::Run(Task::Execute(version)) => self.execute(version),
                NextTask::Run(Task::Validate(version)) => self.validate(version),
                NextTask::Wait => {
                    if let Some(left) = patience.as_mut() {
                        if *left == 0 {
                            return;
                        }
                        *left -= 1;
                    }
                    thread::yield_now();
                    None
                }
                NextTask::Done => return,
            };
        }
    }

    fn check(&self) {
        assert_eq!(self.scheduler.committed().0 as usize, self.written.len());
        for (tx, commits) in self.commits.iter().enumerate() {
            assert_eq!(commits.load(Ordering::SeqCst), 1, "tx {tx} committed once");
        }
    }
}

fn run(threads: usize, txs: usize, window: usize, use_dependencies: bool) {
    let mut builder = loom::model::Builder::new();
    // Idle workers poll; give the model room for their yields.
    builder.max_branches = 100_000;
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(move || {
        let block = Arc::new(Block::new(txs, window, use_dependencies));
        let handles: Vec<_> = (1..threads)
            .map(|_| {
                let block = block.clone();
                thread::spawn(move || block.worker(Some(2)))
            })
            .collect();
        block.worker(None);
        for handle in handles {
            handle.join().unwrap();
        }
        block.check();
    });
}

#[test]
fn two_threads_two_txs_commit_in_order() {
    run(2, 2, 2, false);
}

#[test]
fn two_threads_three_txs_with_dependencies() {
    run(2, 3, 3, true);
}

#[test]
fn three_threads_two_txs_with_dependencies() {
    run(3, 2, 2, true);
}

#[test]
fn window_of_one_still_terminates() {
    run(2, 3, 1, true);
}
