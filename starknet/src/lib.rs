//! The Starknet VM for starkstm: Cairo 1 contracts on `cairo-vm`, accounts with
//! `__validate__`/`__execute__`, nonces and fees paid in an ERC20 fee token to the sequencer.
//!
//! [`StarknetVm`] implements the engine's
//! [`TransactionExecutor`](starkstm_engine::TransactionExecutor): give it a [`BlockContext`],
//! a base state ([`BaseState`], e.g. [`InMemoryState`]) wrapped in a [`BlockState`], and a
//! block of [`Transaction`]s, and either executor returns the same [`Receipt`]s and state.
//!
//! The sequencer's fee-token balance is one multi-version key ([`StateKey::SequencerBalance`])
//! that fees are *added* to, so fee payments do not make transactions depend on each other.

#![forbid(unsafe_code)]

pub mod block;
pub mod class;
mod class_hash;
pub mod constants;
pub mod context;
pub mod contracts;
mod execution;
pub mod fee;
pub mod genesis;
pub mod genesis_file;
pub mod input;
pub mod limits;
mod panic_guard;
pub mod receipt;
pub mod state;
pub mod transaction;
mod tx_state;
pub mod u256;
mod vm;

pub use class::{ClassError, ContractClass, SierraVersion};
pub use context::{BlockContext, GasPrices};
pub use limits::{BlockCapacity, BlockLimits, BlockUsage};
pub use receipt::{Event, GasVector, L2ToL1Message, Receipt, Resources, Status};
pub use state::{
    BaseState, BaseStateError, BlockState, InMemoryState, SharedBlockState, StateDiff, StateKey,
    StateValue,
};
pub use transaction::{public_key, sign, Transaction, TxError};
pub use u256::U256;
pub use vm::{Interrupted, StarknetVm};

pub use starknet_api;
pub use starknet_types_core::felt::Felt;

/// The repository README's Rust examples, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
