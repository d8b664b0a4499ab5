//! Block limits on Starknet blocks: with a random capacity (transactions, L2 gas, steps, events,
//! state-diff size, messages), the parallel executor includes exactly the transactions the
//! sequential one does, with identical receipts and state, and stops at the same transaction
//! for the same reason. Soak with `PROPTEST_CASES=500`.

use proptest::prelude::*;
use starkstm_engine::{BlockControl, SequentialExecutor};
use starkstm_proptests::{config, executor, MAX_THREADS};
use starkstm_starknet::{BlockCapacity, BlockLimits, BlockState, StarknetVm};
use starkstm_workload::starknet::{random_block, RandomStarknetParams};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn capacity() -> impl Strategy<Value = BlockCapacity> {
    (
        proptest::option::of(0u64..40),
        proptest::option::of(0u64..20_000_000),
        proptest::option::of(0u64..100_000),
        proptest::option::of(0u64..80),
        proptest::option::of(0u64..200),
        proptest::option::of(0u64..4),
    )
        .prop_map(
            |(n_txs, l2_gas, steps, events, state_diff_size, messages)| BlockCapacity {
                n_txs,
                l2_gas,
                steps,
                events,
                state_diff_size,
                messages,
            },
        )
}

proptest! {
    #![proptest_config(config(10))]

    #[test]
    fn limit_bounded_blocks_are_equal_in_parallel(
        seed in any::<u64>(),
        txs in 1usize..40,
        accounts in 1usize..12,
        capacity in capacity(),
        threads in 1usize..=MAX_THREADS,
    ) {
        let params = RandomStarknetParams { txs, accounts, counters: 2, validate: seed % 2 == 0, seed, cairo0_accounts: seed % 3 == 0 };
        let block = random_block(&params).unwrap();
        let vm = StarknetVm::new(block.genesis.context.clone());
        let base = BlockState::new(&block.genesis.state, &block.genesis.context);

        let mut seq_limits = BlockLimits::new(capacity.clone());
        let sequential = SequentialExecutor::new()
            .execute_block_with(&vm, &base, &block.txs, BlockControl::new().with_hook(&mut seq_limits))
            .unwrap();
        let mut par_limits = BlockLimits::new(capacity.clone());
        let parallel = executor(threads)
            .execute_block_with(&vm, &base, &block.txs, BlockControl::new().with_hook(&mut par_limits))
            .unwrap();
        prop_assert!(parallel.output() == &sequential, "{:?} {:?} on {} threads", params, capacity, threads);
        prop_assert_eq!(par_limits.full(), seq_limits.full());
        prop_assert_eq!(par_limits.used(), seq_limits.used());
        // The block is full exactly when something was left out, and what was used fits.
        prop_assert_eq!(seq_limits.full().is_some(), sequential.included() < block.txs.len());
        prop_assert_eq!(seq_limits.used().exceeds(&capacity), None);
        // The included prefix is what executing just that prefix gives.
        let prefix = SequentialExecutor::new()
            .execute_block(&vm, &base, &block.txs[..sequential.included()])
            .unwrap();
        prop_assert!(prefix == sequential);
    }
}
