//! Shared setup for starkstm's criterion benchmarks (`benches/`); results are recorded in this
//! crate's `README.md`.
//!
//! - `end_to_end`: does parallel execution beat sequential on mock blocks of each contention
//!   pattern, from cheap (~2 µs) to expensive (~100 µs) transactions? Each group measures the
//!   sequential executor, the parallel executor on one thread, and on every core, in one run.
//! - `store`: what does one multi-version store operation cost (the engine's per-read and
//!   per-write overhead)?

#![forbid(unsafe_code)]

use std::num::NonZeroUsize;

use starkstm_engine::{Config, ParallelExecutor};

/// mimalloc, as in the `starkstm` binary: the benchmarks measure what users run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A parallel executor on `threads` threads that always takes the parallel path.
pub fn executor(threads: usize) -> ParallelExecutor {
    let threads = NonZeroUsize::new(threads).expect("at least one thread");
    ParallelExecutor::new(Config::new(threads).with_min_parallel_txs(0)).expect("workers start")
}

/// The number of cores (threads for the "all cores" variant).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}
