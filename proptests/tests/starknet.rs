//! Parallel == sequential on random Starknet blocks: transfers between few or many accounts,
//! counter increments, swaps, mints, declares and deploys, with failing, reverting and rejected
//! transactions mixed in (see `starkstm_workload::starknet::random_block`), on 1 to 8 threads.
//! Receipts (status, fee, resources, events, messages) and the final state must be identical.

use proptest::prelude::*;
use starkstm_engine::SequentialExecutor;
use starkstm_proptests::{config, executor, MAX_THREADS};
use starkstm_starknet::{BlockState, StarknetVm, Status};
use starkstm_workload::starknet::{random_block, RandomStarknetParams};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn check(params: &RandomStarknetParams, threads: usize) {
    let block = random_block(params).expect("the block generates");
    let vm = StarknetVm::new(block.genesis.context.clone());
    let base = BlockState::new(&block.genesis.state, &block.genesis.context);
    let sequential = SequentialExecutor::new()
        .execute_block(&vm, &base, &block.txs)
        .expect("sequential execution");
    let parallel = executor(threads)
        .execute_block(&vm, &base, &block.txs)
        .expect("parallel execution");
    assert!(
        parallel.output() == &sequential,
        "{params:?} on {threads} threads: parallel differs from sequential"
    );
    assert_eq!(parallel.stats().committed, block.txs.len());
}

proptest! {
    #![proptest_config(config(12))]

    #[test]
    fn random_starknet_blocks_are_equal_in_parallel(
        seed in any::<u64>(),
        txs in 1usize..48,
        accounts in prop_oneof![1usize..4, 4usize..40],
        counters in 1usize..3,
        validate in any::<bool>(),
        threads in 1usize..=MAX_THREADS,
    ) {
        check(&RandomStarknetParams { txs, accounts, counters, validate, seed }, threads);
    }
}

/// The generator makes what it promises: every status occurs, and the block is not trivially
/// all-failing (a broken generator would make the property above vacuous).
#[test]
fn random_blocks_mix_every_outcome() {
    let params = RandomStarknetParams {
        txs: 120,
        accounts: 6,
        counters: 2,
        validate: true,
        seed: 7,
    };
    let block = random_block(&params).unwrap();
    let vm = StarknetVm::new(block.genesis.context.clone());
    let base = BlockState::new(&block.genesis.state, &block.genesis.context);
    let out = SequentialExecutor::new()
        .execute_block(&vm, &base, &block.txs)
        .unwrap();
    let count = |kind: &str| {
        out.outputs()
            .iter()
            .filter(|r| r.status.kind() == kind)
            .count()
    };
    let (ok, reverted, rejected) = (count("succeeded"), count("reverted"), count("rejected"));
    assert!(
        ok >= 40 && reverted >= 5 && rejected >= 5,
        "{ok} ok, {reverted} reverted, {rejected} rejected"
    );
    let reasons: Vec<&str> = out
        .outputs()
        .iter()
        .filter_map(|r| match &r.status {
            Status::Reverted(s) | Status::Rejected(s) => Some(s.as_str()),
            Status::Succeeded => None,
        })
        .collect();
    for expected in [
        "invalid nonce",
        "invalid signature",
        "Counter: failed on purpose",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(expected)),
            "no {expected:?} in {reasons:?}"
        );
    }
    check(&params, 2);
}
