//! A concurrent multi-version store: the shared memory of Block-STM.
//!
//! Block-STM executes the transactions of a block speculatively and in parallel. Each
//! transaction writes into its own *version* of every key it touches instead of overwriting a
//! shared value, so that transaction `j` can read exactly what sequential execution would show it:
//! the value written by the closest transaction below `j`, or the block's base state when nobody
//! below `j` wrote the key.
//!
//! Concepts, one file each:
//! - [`Value`] (`value.rs`): what the store holds, and the *delta* a transaction may add to a
//!   value without reading it (a commutative "add x", for hot counters such as the fee balance of
//!   the sequencer).
//! - The per-key version list (`entry.rs`): for every transaction that wrote the key, a value, a
//!   delta, or an **ESTIMATE** marker. When an incarnation is aborted its writes become
//!   ESTIMATEs: the aborted write set is the best prediction of the next incarnation's, and a
//!   reader that meets one knows it depends on that transaction instead of running on a value
//!   that is about to change.
//! - [`ReadResult`] and [`ReadOrigin`] (`read.rs`): what a read returns and where it came from.
//! - [`ReadSet`] and [`WriteSet`] (`read_set.rs`, `write_set.rs`): what one incarnation read and
//!   wrote.
//! - [`MultiVersionStore`] (`store.rs`): [`read`](MultiVersionStore::read),
//!   [`record`](MultiVersionStore::record),
//!   [`convert_writes_to_estimates`](MultiVersionStore::convert_writes_to_estimates),
//!   [`validate_read_set`](MultiVersionStore::validate_read_set),
//!   [`materialize_deltas`](MultiVersionStore::materialize_deltas) at commit, and the final
//!   [`snapshot`](MultiVersionStore::snapshot).
//!
//! The store knows nothing of scheduling: it never decides who runs, it only answers reads and
//! keeps versions. Its protocol role is written down in the repository's `docs/protocol.md`.
//!
//! # Concurrency
//! There is no store-wide lock. Keys live in a sharded concurrent map whose shard locks are taken
//! in *shared* mode except when a key is written for the first time in the block; each key's
//! version list has its own mutex. Reads of keys nobody wrote go to a concurrent per-block cache
//! of the base state (also sharded), and the base state itself is read outside every lock.

#![forbid(unsafe_code)]

mod entry;
mod read;
mod read_set;
mod store;
mod value;
mod write_set;

pub use read::{ReadOrigin, ReadResult};
pub use read_set::{Read, ReadSet};
pub use starkstm_primitives::{Incarnation, TxIndex, Version};
pub use store::{Key, MultiVersionStore, Recorded, Validation};
pub use value::{NoDelta, Value};
pub use write_set::{Write, WriteSet, INDEX_AT};
