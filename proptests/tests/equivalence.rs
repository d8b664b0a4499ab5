//! The master property: for random blocks, the parallel executor returns exactly what the
//! sequential executor returns (outputs, state changes, or the same fatal error), on 1 to 8
//! threads, and its statistics add up.

use std::collections::HashMap;

use proptest::prelude::*;
use starkstm_engine::{Error, ExecutionStats, SequentialExecutor};
use starkstm_proptests::{config, executor, MAX_THREADS};
use starkstm_workload::generator::{random_block, RandomBlockParams};
use starkstm_workload::rng::Rng;
use starkstm_workload::{MockTransaction, MockVm};

/// A base state over `keys` keys: about half set, the rest default (zero).
fn base_state(keys: u32, seed: u64) -> HashMap<u32, u64> {
    let mut rng = Rng::new(seed ^ 0xBA5E);
    let mut state = HashMap::new();
    for key in 0..keys {
        if rng.chance(0.5) {
            state.insert(key, rng.next_u64());
        }
    }
    state
}

fn check_stats(stats: &ExecutionStats, txs: usize) {
    assert_eq!(stats.txs, txs);
    assert_eq!(stats.committed, txs);
    assert!(stats.executions >= txs as u64, "{stats:?}");
    assert_eq!(
        stats.executions,
        txs as u64 + stats.aborts + stats.dependency_waits + stats.dependency_retries,
        "every execution after a first one follows one abort or dependency: {stats:?}"
    );
    assert_eq!(stats.re_executions, stats.executions - txs as u64);
    assert!(stats.commit_aborts <= stats.aborts);
    assert!(stats.commit_validations <= stats.executions, "{stats:?}");
    assert!(!stats.sequential_fallback);
}

/// Runs `block` both ways and asserts equality.
fn assert_equivalent(block: &[MockTransaction], base: &HashMap<u32, u64>, threads: usize) {
    let sequential = SequentialExecutor::new().execute_block(&MockVm, base, block);
    // Tracing the sequential run changes nothing but what it returns besides.
    if let Ok(reference) = &sequential {
        let (traced, traces) = SequentialExecutor::new()
            .execute_block_traced(&MockVm, base, block)
            .expect("the traced run succeeds like the plain one");
        assert_eq!(&traced, reference);
        assert_eq!(traces.len(), block.len());
        let structure = starkstm_engine::ConflictStructure::from_traces(&traces);
        assert!(structure.critical_path <= structure.work);
        assert!(structure.speedup_bound(threads) <= threads as f64 + 1e-9);
    }
    let parallel = executor(threads).execute_block(&MockVm, base, block);
    match (sequential, parallel) {
        (Ok(sequential), Ok(parallel)) => {
            assert_eq!(parallel.output(), &sequential, "{threads} threads");
            check_stats(parallel.stats(), block.len());
        }
        (
            Err(Error::Executor {
                tx: s_tx,
                source: s,
            }),
            Err(Error::Executor {
                tx: p_tx,
                source: p,
            }),
        ) => {
            assert_eq!(p_tx, s_tx, "both fail at the same transaction");
            assert_eq!(p, s, "with the same error");
        }
        (sequential, parallel) => panic!(
            "{threads} threads: sequential gave {:?}, parallel gave {:?}",
            sequential.map(|o| o.outputs().len()),
            parallel.map(|o| o.output().outputs().len())
        ),
    }
}

fn params() -> impl Strategy<Value = RandomBlockParams> {
    (
        prop_oneof![4 => 0usize..200, 2 => 200usize..1000, 1 => 1000usize..3000],
        prop_oneof![Just(1u32), 2u32..10, 10u32..200, Just(10_000u32)],
        1usize..8,
        0.0..0.5f64,
        prop_oneof![Just(0.0), 0.0..0.6f64],
        prop_oneof![Just(0u64), 2u64..20],
        prop_oneof![4 => Just(0u64), 1 => 50u64..2000],
        prop_oneof![3 => Just(0u32), 1 => 1u32..200],
    )
        .prop_map(
            |(
                txs,
                keys,
                max_ops,
                dynamic_share,
                delta_share,
                revert_one_in,
                fail_one_in,
                work_units,
            )| {
                RandomBlockParams {
                    txs,
                    keys,
                    max_ops,
                    dynamic_share,
                    delta_share,
                    revert_one_in,
                    fail_one_in,
                    work_units,
                }
            },
        )
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn parallel_equals_sequential(
        params in params(),
        seed in any::<u64>(),
        threads in 1..=MAX_THREADS,
    ) {
        let block = random_block(&params, seed);
        let base = base_state(params.keys, seed);
        assert_equivalent(&block, &base, threads);
    }
}

/// A few fixed, contended blocks on every thread count, so each count is always covered.
#[test]
fn every_thread_count_on_contended_blocks() {
    for (keys, seed) in [(1, 1), (4, 2), (64, 3), (10_000, 4)] {
        let params = RandomBlockParams {
            txs: 400,
            keys,
            max_ops: 6,
            dynamic_share: 0.3,
            delta_share: 0.3,
            revert_one_in: 7,
            fail_one_in: 0,
            work_units: 20,
        };
        let block = random_block(&params, seed);
        let base = base_state(keys, seed);
        for threads in 1..=MAX_THREADS {
            assert_equivalent(&block, &base, threads);
        }
    }
}

/// The default configuration (with the small-block fallback) agrees too.
#[test]
fn default_config_including_small_blocks() {
    let executor = starkstm_engine::ParallelExecutor::new(starkstm_engine::Config::default())
        .expect("workers start");
    for txs in [0, 1, 2, 3, 50] {
        let params = RandomBlockParams {
            txs,
            keys: 5,
            max_ops: 4,
            dynamic_share: 0.2,
            delta_share: 0.2,
            revert_one_in: 5,
            fail_one_in: 0,
            work_units: 0,
        };
        let block = random_block(&params, txs as u64);
        let base = base_state(5, 1);
        let sequential = SequentialExecutor::new()
            .execute_block(&MockVm, &base, &block)
            .unwrap();
        let parallel = executor.execute_block(&MockVm, &base, &block).unwrap();
        assert_eq!(parallel.output(), &sequential);
        assert_eq!(parallel.stats().committed, txs);
    }
}

/// A block large enough that the final state is collected on the worker threads (tens of
/// thousands of keys), with deltas on shared counters.
#[test]
fn large_blocks_collect_the_same_state() {
    let params = RandomBlockParams {
        txs: 12_000,
        keys: 200_000,
        max_ops: 8,
        dynamic_share: 0.1,
        delta_share: 0.2,
        revert_one_in: 11,
        fail_one_in: 0,
        work_units: 0,
    };
    let block = random_block(&params, 77);
    let base = base_state(1000, 77);
    for threads in [2, 3] {
        assert_equivalent(&block, &base, threads);
    }
}
