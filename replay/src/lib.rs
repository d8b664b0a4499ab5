//! Replays real Starknet blocks on starkstm, and checks the result against the state diff the
//! chain committed.
//!
//! The input is Starknet's re-execution file ([`file`](mod@file)): every value the block read before it
//! ran, its classes, the block (context and transactions, with the chain's hashes) and the
//! committed diff. [`ReplayBlock::new`] turns it into what starkstm executes: a
//! [`BlockContext`](starkstm_starknet::BlockContext), the transactions (each hash recomputed
//! and checked against the chain's) and a [`RecordedState`], a
//! [`BaseState`](starkstm_starknet::BaseState) holding only the recorded reads, so a read
//! outside them is an error that names the key: the first place starkstm's execution left the
//! chain's. [`diff::compare`] lists every entry in which starkstm's state diff differs from
//! the committed one. `starkstm replay FILE` runs it all, sequentially and in parallel.

#![forbid(unsafe_code)]

pub mod convert;
pub mod diff;
pub mod file;
pub mod record;
pub mod recorded;
pub mod rpc;
pub mod rpc_objects;

pub use convert::ReplayBlock;
pub use diff::{compare, DiffEntry, EntryKind};
pub use file::{node_class_json, CommittedDiff, FileError, ReexecutionFile, StateMaps};
pub use record::{record_block, RecordError, RecordingState};
pub use recorded::RecordedState;

use starkstm_starknet::Felt;

/// Why a re-execution file cannot be replayed (before anything executes).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be read or parsed.
    #[error(transparent)]
    File(#[from] FileError),
    /// A class could not be loaded.
    #[error("class {hash:#x}: {message}")]
    Class {
        /// The class hash it is filed under.
        hash: Felt,
        /// Why.
        message: String,
    },
    /// A transaction could not be converted, or does not hash to the chain's hash.
    #[error("transaction {index} ({hash:#x}) {message}")]
    Transaction {
        /// Its position in the block.
        index: usize,
        /// The chain's hash.
        hash: Felt,
        /// What is wrong with it.
        message: String,
    },
    /// The chain is not one whose fee tokens starkstm knows, and the file does not name them.
    #[error(
        "chain {0}: not Starknet's mainnet or a testnet, and the file has no fee_token_addresses"
    )]
    UnknownChain(String),
    /// The block's Starknet version has no published constants.
    #[error("{0}")]
    Version(String),
}
