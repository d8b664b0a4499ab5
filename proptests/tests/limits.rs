//! Blocks closed early: a commit hook enforcing a random cumulative limit, a hook closing at a
//! given transaction or panicking, and deadlines. Parallel output must equal sequential output,
//! and a deadline's prefix must equal sequential execution of that prefix.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use starkstm_engine::{
    BlockControl, CommitDecision, Error, ParallelExecutor, SequentialExecutor, TxIndex,
};
use starkstm_proptests::{config, executor, MAX_THREADS};
use starkstm_workload::generator::{random_block, RandomBlockParams};
use starkstm_workload::{MockOutput, MockStatus, MockTransaction, MockVm};

/// A block limit over a weight the outputs report: what a bouncer does with gas or steps.
#[derive(Default)]
struct Limit {
    capacity: u64,
    used: u64,
    shown: Vec<TxIndex>,
}

impl Limit {
    fn new(capacity: u64) -> Limit {
        Limit {
            capacity,
            ..Limit::default()
        }
    }

    fn decide(&mut self, tx: TxIndex, output: &MockOutput) -> CommitDecision {
        self.shown.push(tx);
        let weight = match output.status {
            MockStatus::Succeeded => 1 + output.digest % 5,
            MockStatus::Reverted => 1,
        };
        if self.used + weight > self.capacity {
            CommitDecision::Close
        } else {
            self.used += weight;
            CommitDecision::Commit
        }
    }
}

fn params(txs: usize, keys: u32) -> RandomBlockParams {
    RandomBlockParams {
        txs,
        keys,
        max_ops: 6,
        dynamic_share: 0.2,
        delta_share: 0.3,
        revert_one_in: 6,
        fail_one_in: 0,
        work_units: 10,
    }
}

fn limited_runs(block: &[MockTransaction], capacity: u64, threads: usize) {
    let base: HashMap<u32, u64> = HashMap::new();
    let mut seq_limit = Limit::new(capacity);
    let mut seq_hook = |tx: TxIndex, out: &MockOutput| seq_limit.decide(tx, out);
    let sequential = SequentialExecutor::new()
        .execute_block_with(
            &MockVm,
            &base,
            block,
            BlockControl::new().with_hook(&mut seq_hook),
        )
        .unwrap();
    let mut par_limit = Limit::new(capacity);
    let mut par_hook = |tx: TxIndex, out: &MockOutput| par_limit.decide(tx, out);
    let parallel = executor(threads)
        .execute_block_with(
            &MockVm,
            &base,
            block,
            BlockControl::new().with_hook(&mut par_hook),
        )
        .unwrap();
    assert_eq!(
        parallel.output(),
        &sequential,
        "{threads} threads, capacity {capacity}"
    );
    let included = sequential.included();
    assert_eq!(parallel.stats().committed, included);
    assert_eq!(parallel.stats().closed, included < block.len());
    // The hook saw every included transaction once, in order, and the one it closed before.
    let expected: Vec<TxIndex> = (0..(included + usize::from(included < block.len())))
        .map(TxIndex::from_usize)
        .collect();
    assert_eq!(seq_limit.shown, expected);
    assert_eq!(par_limit.shown, expected);
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn limited_blocks_close_where_sequential_does(
        txs in 0usize..600,
        keys in prop_oneof![Just(1u32), 2u32..50, Just(5_000u32)],
        capacity in 0u64..2_000,
        seed in any::<u64>(),
        threads in 1..=MAX_THREADS,
    ) {
        let block = random_block(&params(txs, keys), seed);
        limited_runs(&block, capacity, threads);
    }
}

#[test]
fn a_deadline_that_has_passed_includes_nothing() {
    let block = random_block(&params(300, 20), 5);
    let base: HashMap<u32, u64> = HashMap::new();
    let past = Instant::now();
    let sequential = SequentialExecutor::new()
        .execute_block_with(
            &MockVm,
            &base,
            &block,
            BlockControl::new().with_deadline(past),
        )
        .unwrap();
    assert_eq!(sequential.included(), 0);
    assert!(sequential.state_changes().is_empty());
    for threads in [1, 2, 4] {
        let parallel = executor(threads)
            .execute_block_with(
                &MockVm,
                &base,
                &block,
                BlockControl::new().with_deadline(past),
            )
            .unwrap();
        assert_eq!(parallel.output(), &sequential);
        assert!(parallel.stats().closed);
    }
}

#[test]
fn closing_at_a_given_count() {
    let block = random_block(&params(400, 30), 9);
    let base: HashMap<u32, u64> = HashMap::new();
    let close_at = |tx: TxIndex, _: &MockOutput| {
        if tx == TxIndex(137) {
            CommitDecision::Close
        } else {
            CommitDecision::Commit
        }
    };
    let mut hook = close_at;
    let sequential = SequentialExecutor::new()
        .execute_block_with(
            &MockVm,
            &base,
            &block,
            BlockControl::new().with_hook(&mut hook),
        )
        .unwrap();
    assert_eq!(sequential.included(), 137);
    let prefix = SequentialExecutor::new()
        .execute_block(&MockVm, &base, &block[..137])
        .unwrap();
    assert_eq!(
        sequential, prefix,
        "closing at 137 is executing the first 137"
    );
    for threads in [2, 3] {
        let mut hook = close_at;
        let parallel = executor(threads)
            .execute_block_with(
                &MockVm,
                &base,
                &block,
                BlockControl::new().with_hook(&mut hook),
            )
            .unwrap();
        assert_eq!(parallel.output(), &sequential);
    }
}

#[test]
fn a_panicking_hook_is_a_typed_error_and_the_executor_survives() {
    let block = random_block(&params(300, 40), 3);
    let base: HashMap<u32, u64> = HashMap::new();
    let panicking = |tx: TxIndex, _: &MockOutput| {
        if tx == TxIndex(50) {
            panic!("hook failure at 50");
        }
        CommitDecision::Commit
    };
    let mut hook = panicking;
    let sequential = SequentialExecutor::new().execute_block_with(
        &MockVm,
        &base,
        &block,
        BlockControl::new().with_hook(&mut hook),
    );
    assert!(matches!(
        sequential,
        Err(Error::CommitHook {
            tx: TxIndex(50),
            ..
        })
    ));
    let executor = executor(2);
    let mut hook = panicking;
    match executor.execute_block_with(
        &MockVm,
        &base,
        &block,
        BlockControl::new().with_hook(&mut hook),
    ) {
        Err(Error::CommitHook { tx, message }) => {
            assert_eq!(tx, TxIndex(50));
            assert!(message.contains("hook failure at 50"), "{message}");
        }
        other => panic!("expected a commit-hook error, got {other:?}"),
    }
    let after = executor.execute_block(&MockVm, &base, &block).unwrap();
    assert_eq!(after.output().included(), block.len());
}

#[test]
fn a_deadline_mid_block_keeps_an_exact_prefix() {
    let mut params = params(3_000, 200);
    params.work_units = 2_000;
    let block = random_block(&params, 11);
    let base: HashMap<u32, u64> = HashMap::new();
    let executor: &ParallelExecutor = executor(2);
    let deadline = Instant::now() + Duration::from_millis(3);
    let parallel = executor
        .execute_block_with(
            &MockVm,
            &base,
            &block,
            BlockControl::new().with_deadline(deadline),
        )
        .unwrap();
    let included = parallel.output().included();
    assert_eq!(parallel.stats().closed, included < block.len());
    let prefix = SequentialExecutor::new()
        .execute_block(&MockVm, &base, &block[..included])
        .unwrap();
    assert_eq!(
        parallel.output(),
        &prefix,
        "{included} transactions included"
    );
}
