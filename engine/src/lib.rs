//! The starkstm engine: executes a block of transactions in parallel with Block-STM and returns
//! exactly what executing them one by one in block order returns.
//!
//! A VM plugs in by implementing [`TransactionExecutor`]: execute one transaction against a
//! [`TxView`], reading and writing state only through it. The engine runs it two ways:
//!
//! - [`SequentialExecutor`]: the reference semantics, one transaction after another.
//! - [`ParallelExecutor`]: worker threads take tasks from the Block-STM scheduler. To *execute*
//!   an incarnation, a worker gives the VM a fresh view over the multi-version store; reads are
//!   recorded, writes buffered, and if a read meets an ESTIMATE the incarnation stops and waits
//!   for the transaction below. When it finishes, its writes go to the store and it becomes
//!   `Executed`. To *validate*, a worker re-reads the read set and aborts the incarnation if a
//!   value changed (its writes turn into ESTIMATEs, and it runs again). Whoever holds the commit
//!   lock commits the lowest uncommitted transaction as soon as it has executed and its reads are
//!   still valid against the committed prefix, so transactions become final in block order while
//!   the others run. A block is done when its last transaction commits.
//!
//! Both return a [`BlockOutput`]: per-transaction outputs in block order and the final value of
//! every written key. The parallel one also returns [`ExecutionStats`]. A [`BlockControl`] (the
//! `execute_block_with` methods) may end a block early: a [`CommitHook`] sees each transaction
//! about to commit, in order, and may close the block before it (block limits); a deadline closes
//! it at the committed prefix.
//!
//! ```
//! use std::collections::HashMap;
//! use starkstm_engine::{Config, ParallelExecutor, ReadError, SequentialExecutor};
//! use starkstm_engine::{TransactionExecutor, TxView};
//!
//! /// Transfers between accounts whose balances are `u64`s.
//! struct Payments;
//! struct Transfer { from: u32, to: u32, amount: u64 }
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error(transparent)]
//! struct Interrupted(#[from] ReadError);
//!
//! impl TransactionExecutor for Payments {
//!     type Transaction = Transfer;
//!     type Key = u32;
//!     type Value = u64;
//!     type Output = bool; // whether the transfer happened
//!     type Error = Interrupted;
//!
//!     fn execute(&self, t: &Transfer, view: &mut TxView<'_, u32, u64>) -> Result<bool, Interrupted> {
//!         let balance = view.read(&t.from)?;
//!         if balance < t.amount {
//!             return Ok(false);
//!         }
//!         let to = view.read(&t.to)?;
//!         view.write(t.from, balance - t.amount);
//!         view.write(t.to, to + t.amount);
//!         Ok(true)
//!     }
//! }
//!
//! let genesis: HashMap<u32, u64> = (0..100).map(|a| (a, 1_000)).collect();
//! let block: Vec<Transfer> = (0..1_000)
//!     .map(|i| Transfer { from: i % 100, to: (i * 7 + 3) % 100, amount: u64::from(i % 50) })
//!     .collect();
//!
//! let executor = ParallelExecutor::new(Config::default()).unwrap();
//! let parallel = executor.execute_block(&Payments, &genesis, &block).unwrap();
//! let sequential = SequentialExecutor::new().execute_block(&Payments, &genesis, &block).unwrap();
//! assert_eq!(parallel.output(), &sequential);
//! println!("{} executions for {} transactions", parallel.stats().executions, block.len());
//! ```
//!
//! The protocol (state table, ESTIMATE semantics, validation rule, commit, named race scenarios)
//! is written down in `docs/protocol.md` at the repository root.

#![forbid(unsafe_code)]

mod config;
mod conflicts;
mod control;
mod error;
mod executor;
mod output;
mod parallel;
mod sequential;
mod stats;
mod storage;
mod streaming;
mod view;
mod worker;

pub use config::Config;
pub use conflicts::ConflictStructure;
pub use control::{BlockControl, CommitDecision, CommitHook};
pub use error::{Error, InvariantViolation};
pub use executor::TransactionExecutor;
pub use output::{BlockOutput, ParallelOutput, StateChanges};
pub use parallel::{ParallelExecutor, StartError};
pub use sequential::{SequentialExecutor, TracedOutput, TxTrace};
pub use starkstm_primitives::{Incarnation, TxIndex, Version};
pub use starkstm_versioned_state::{Key, NoDelta, Value};
pub use stats::ExecutionStats;
pub use storage::{Storage, StorageError};
pub use streaming::{BoxedHook, CloseError, SharedStorage, StreamError, StreamingBlock};
pub use view::{ReadError, TxView};
