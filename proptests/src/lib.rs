//! Shared helpers for starkstm's property tests (`tests/`).
//!
//! - `tests/equivalence.rs`: the master property, parallel == sequential, exactly, on random mock
//!   blocks (0 to a few thousand transactions; one hot key to 10k keys; 1 to 8 threads), with
//!   consistent statistics.
//! - `tests/store_model.rs`: the multi-version store against a naive `BTreeMap`-per-key model.
//!
//! Case counts are small by default so `cargo test` stays fast; set `PROPTEST_CASES` to soak
//! (for example `PROPTEST_CASES=2000 cargo test -p starkstm-proptests --release`).

#![forbid(unsafe_code)]

use std::num::NonZeroUsize;
use std::sync::OnceLock;

use proptest::test_runner::Config;
use starkstm_engine::{Config as EngineConfig, ParallelExecutor};

/// The proptest configuration: `PROPTEST_CASES` from the environment, else `default_cases`.
pub fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        // Failing cases are reported with their seed and parameters; blocks are regenerated
        // from those, so there is nothing to persist.
        failure_persistence: None,
        ..Config::default()
    }
}

/// The most worker threads the tests use.
pub const MAX_THREADS: usize = 8;

/// A parallel executor with `threads` workers that always takes the parallel path (no
/// small-block fallback), shared by every test in the process.
pub fn executor(threads: usize) -> &'static ParallelExecutor {
    static EXECUTORS: [OnceLock<ParallelExecutor>; MAX_THREADS] =
        [const { OnceLock::new() }; MAX_THREADS];
    assert!((1..=MAX_THREADS).contains(&threads));
    EXECUTORS[threads - 1].get_or_init(|| {
        let threads = NonZeroUsize::new(threads).expect("at least one thread");
        ParallelExecutor::new(EngineConfig::new(threads).with_min_parallel_txs(0))
            .expect("worker threads start")
    })
}
