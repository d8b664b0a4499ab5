//! Parallel == sequential on random Starknet blocks: transfers between few or many accounts,
//! counter increments, swaps, mints, declares and deploys, calls of Cairo 0 contracts, from our
//! Cairo 1 accounts or OpenZeppelin's Cairo 0 ones, with failing, reverting and rejected
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
        cairo0_accounts in any::<bool>(),
        threads in 1usize..=MAX_THREADS,
    ) {
        check(&RandomStarknetParams { txs, accounts, counters, validate, seed, cairo0_accounts }, threads);
    }
}

/// The generator makes what it promises: every status and the main failure reasons occur, and
/// blocks are not trivially all-failing (a broken generator would make the property above
/// vacuous).
#[test]
fn random_blocks_mix_every_outcome() {
    let mut counts = [0usize; 3];
    let mut reasons = Vec::new();
    for seed in 1..=4 {
        let params = RandomStarknetParams {
            txs: 80,
            accounts: 6,
            counters: 2,
            validate: true,
            seed,
            // Half the blocks from Cairo 0 accounts.
            cairo0_accounts: seed % 2 == 0,
        };
        let block = random_block(&params).unwrap();
        let vm = StarknetVm::new(block.genesis.context.clone());
        let base = BlockState::new(&block.genesis.state, &block.genesis.context);
        let out = SequentialExecutor::new()
            .execute_block(&vm, &base, &block.txs)
            .unwrap();
        for r in out.outputs() {
            match &r.status {
                Status::Succeeded => counts[0] += 1,
                Status::Reverted(s) => {
                    counts[1] += 1;
                    reasons.push(s.clone());
                }
                Status::Rejected(s) => {
                    counts[2] += 1;
                    reasons.push(s.clone());
                }
            }
        }
        check(&params, 2);
    }
    let [ok, reverted, rejected] = counts;
    assert!(
        ok >= 120 && reverted >= 20 && rejected >= 10,
        "{ok} ok, {reverted} reverted, {rejected} rejected"
    );
    for expected in [
        "Invalid transaction nonce",
        "invalid signature",
        "Counter: failed on purpose",
        "ERC20: insufficient balance",
        // Our contracts (Sierra 1.3) are metered by steps: a spin that outruns its L2 bound
        // runs out of them.
        "RunResources has no remaining steps",
        "no fee was paid on L1",
        "already declared",
        "probe: asked to fail",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(expected)),
            "no {expected:?} in {reasons:?}"
        );
    }
}
