//! Workloads for starkstm: seeded, deterministic block generators.
//!
//! For now this crate holds the **mock VM** ([`MockVm`]), a [`TransactionExecutor`] whose
//! transactions read and write integer keys and derive what they write, which keys they touch
//! and whether they revert from the values they read; its named workloads ([`presets`]:
//! independent, Zipf-skewed, chain, hot delta counter) for the CLI and the benchmarks; and
//! random blocks ([`generator`]) for the property tests; and Starknet blocks of signed
//! transactions over a generated genesis ([`starknet`]).
//!
//! [`TransactionExecutor`]: starkstm_engine::TransactionExecutor

#![forbid(unsafe_code)]

pub mod block_file;
pub mod compare;
pub mod generator;
pub mod mock;
pub mod presets;
pub mod rng;
pub mod starknet;
pub mod starknet_workloads;
pub mod work;

pub use mock::{MockError, MockKey, MockOutput, MockStatus, MockTransaction, MockVm, Op};
pub use presets::{mock_block, MockBlockSpec, Pattern};
