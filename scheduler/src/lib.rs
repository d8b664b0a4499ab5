//! The Block-STM collaborative scheduler, with rolling in-order commit.
//!
//! Block-STM (Gelashvili et al., PPoPP 2023) executes a block's transactions optimistically on
//! many threads and still produces the result of executing them one by one in block order. This
//! crate decides *who does what when*; it knows nothing of keys or values (the multi-version
//! store does) nor of what a transaction is (the engine's VM does).
//!
//! Concepts:
//! - Two cursors, `execution_idx` and `validation_idx`, hand out [`Task`]s lower index first
//!   ([`Scheduler::next_task`]): no queues, only counters that move down when a transaction needs
//!   work again.
//! - Each transaction has a [`TxStatus`]: its incarnation and a [`Status`]. Transitions are the
//!   paper's: [`try_incarnate`](Scheduler::try_incarnate),
//!   [`finish_execution`](Scheduler::finish_execution),
//!   [`try_validation_abort`](Scheduler::try_validation_abort),
//!   [`finish_abort`](Scheduler::finish_abort), [`add_dependency`](Scheduler::add_dependency).
//! - **Rolling commit** ([`Committer`]): transactions commit in block order as soon as they have
//!   executed and pass validation against the committed prefix; the engine learns at once that
//!   `0..k` is final ([`Scheduler::committed`]) and may [`halt`](Committer::halt) at a commit point.
//!   Done detection is the commit frontier reaching the block size, a single monotonic counter
//!   written under the commit lock: the paper's double-collect over `num_active_tasks` is not
//!   needed.
//! - A **speculation window** bounds how far execution runs past the frontier and adapts to the
//!   conflict rate, so a chain of dependent transactions runs at sequential speed instead of
//!   re-executing most transactions.
//!
//! The worker loop an engine runs, in short:
//!
//! ```
//! use starkstm_scheduler::{NextTask, Scheduler, Task};
//!
//! let scheduler = Scheduler::new(3, 8);
//! while !scheduler.is_done() {
//!     // Commit whatever is ready at the frontier.
//!     if let Some(mut committer) = scheduler.try_commit() {
//!         while let Some(version) = committer.try_start_commit() {
//!             // ... the engine validates `version`'s reads against the committed prefix ...
//!             committer.finish_commit(version);
//!         }
//!     }
//!     match scheduler.next_task() {
//!         NextTask::Run(Task::Execute(version)) => {
//!             // ... execute, record the writes in the store ...
//!             scheduler.finish_execution(version, true);
//!         }
//!         NextTask::Run(Task::Validate(_version)) => { /* validate, maybe abort */ }
//!         NextTask::Wait | NextTask::Done => {}
//!     }
//! }
//! assert_eq!(scheduler.committed().0, 3);
//! ```
//!
//! The protocol, its state table and its named race scenarios are in `docs/protocol.md` at the
//! repository root. All atomics and locks go through the `sync` facade, so `tests/loom.rs`
//! model-checks the protocol under `RUSTFLAGS="--cfg loom"`.

#![forbid(unsafe_code)]

mod commit;
mod dependencies;
mod scheduler;
mod status;
mod sync;
mod task;
mod window;

pub use commit::Committer;
pub use scheduler::{DependencyOutcome, Scheduler};
pub use starkstm_primitives::{Incarnation, TxIndex, Version};
pub use status::{AbortOutcome, Status, TxStatus};
pub use sync::spin_hint;
pub use task::{NextTask, Task};
