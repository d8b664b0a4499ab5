//! Shared helpers of the Starknet tests: run a block on both executors and compare.

#![allow(dead_code, unreachable_pub)]

use std::num::NonZeroUsize;
use std::sync::Arc;

use starkstm_engine::{BlockOutput, Config, ParallelExecutor, SequentialExecutor};
use starkstm_starknet::genesis::{address, Call, Genesis, GenesisConfig};
use starkstm_starknet::starknet_api::core::{ClassHash, ContractAddress};
use starkstm_starknet::{
    BlockState, Felt, Receipt, StarknetVm, StateDiff, Status, Transaction, U256,
};

/// Runs `txs` sequentially, and in parallel on 1, 2 and 3 threads; asserts every parallel
/// output equals the sequential one and returns it.
pub fn execute(g: &Genesis, txs: &[Transaction]) -> BlockOutput<StarknetVm> {
    let vm = StarknetVm::new(g.context.clone());
    let base = BlockState::new(&g.state, &g.context);
    let sequential = SequentialExecutor::new()
        .execute_block(&vm, &base, txs)
        .expect("sequential execution");
    for threads in 1..=3 {
        let executor = ParallelExecutor::new(
            Config::new(NonZeroUsize::new(threads).unwrap()).with_min_parallel_txs(0),
        )
        .unwrap();
        let parallel = executor
            .execute_block(&vm, &base, txs)
            .expect("parallel execution");
        assert!(
            parallel.output() == &sequential,
            "parallel ({threads} threads) differs from sequential"
        );
    }
    sequential
}

/// The block's state diff against the genesis.
pub fn diff(g: &Genesis, out: &BlockOutput<StarknetVm>) -> StateDiff {
    StateDiff::from_changes(out.state_changes(), &g.state, &g.context)
        .unwrap()
        .0
}

/// The state after the block.
pub fn after(g: &Genesis, out: &BlockOutput<StarknetVm>) -> starkstm_starknet::InMemoryState {
    let (d, classes) = StateDiff::from_changes(out.state_changes(), &g.state, &g.context).unwrap();
    let mut state = g.state.clone();
    state.apply(&d, &classes);
    state
}

pub fn genesis(accounts: usize) -> Genesis {
    Genesis::new(&GenesisConfig {
        accounts,
        ..GenesisConfig::default()
    })
    .unwrap()
}

/// Deploys counters at 0xc0, 0xc1, … with value 0.
pub fn with_counters(g: &mut Genesis, n: u64) -> Vec<ContractAddress> {
    (0..n)
        .map(|i| {
            let at = address(0xc0 + i);
            g.deploy(starkstm_starknet::contracts::COUNTER, at, &[]);
            at
        })
        .collect()
}

pub fn call(to: ContractAddress, entry_point: &'static str, calldata: &[Felt]) -> Call {
    Call {
        to,
        entry_point,
        calldata: calldata.to_vec(),
    }
}

pub fn felt(n: u64) -> Felt {
    Felt::from(n)
}

pub fn storage(
    state: &starkstm_starknet::InMemoryState,
    at: ContractAddress,
    var: &str,
    args: &[Felt],
) -> Felt {
    let key = starkstm_starknet::starknet_api::abi::abi_utils::get_storage_var_address(var, args);
    state.storage.get(&(at, key)).copied().unwrap_or(Felt::ZERO)
}

pub fn balance(
    g: &Genesis,
    state: &starkstm_starknet::InMemoryState,
    owner: ContractAddress,
) -> U256 {
    state.erc20_balance(g.context.fee_token, owner)
}

pub fn reverted_reason(r: &Receipt) -> &str {
    match &r.status {
        Status::Reverted(reason) => reason,
        other => panic!("expected a revert, got {other:?}"),
    }
}

pub fn rejected_reason(r: &Receipt) -> &str {
    match &r.status {
        Status::Rejected(reason) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

pub fn class_hash(g: &Genesis, name: &str) -> ClassHash {
    g.classes[name]
}

pub fn arc<T>(t: T) -> Arc<T> {
    Arc::new(t)
}

/// A class written in CASM by hand: `instructions` assembled, every name of `entry_points` an
/// external entry point at offset 0 with no builtins.
pub fn hand_written_class<'a>(
    instructions: impl IntoIterator<Item = &'a cairo_lang_casm::instructions::Instruction>,
    entry_points: &[&str],
) -> starkstm_starknet::ContractClass {
    use cairo_lang_starknet_classes::casm_contract_class::{
        CasmContractClass, CasmContractEntryPoint, CasmContractEntryPoints,
    };
    use num_bigint::BigUint;

    let mut bytecode = Vec::new();
    let mut hints = Vec::new();
    for instruction in instructions {
        if !instruction.hints.is_empty() {
            hints.push((bytecode.len(), instruction.hints.clone()));
        }
        for word in instruction.assemble().encode() {
            let value = word.to_biguint().expect("non-negative");
            bytecode.push(cairo_lang_utils::bigint::BigUintAsHex { value });
        }
    }
    let external = entry_points
        .iter()
        .map(|name| CasmContractEntryPoint {
            selector: BigUint::from_bytes_be(
                &starkstm_starknet::starknet_api::abi::abi_utils::selector_from_name(name)
                    .0
                    .to_bytes_be(),
            ),
            offset: 0,
            builtins: vec![],
        })
        .collect();
    let casm = CasmContractClass {
        prime: BigUint::parse_bytes(
            b"800000000000011000000000000000000000000000000000000000000000001",
            16,
        )
        .expect("the prime parses"),
        compiler_version: "hand-written".into(),
        bytecode,
        bytecode_segment_lengths: None,
        hints,
        pythonic_hints: None,
        entry_points_by_type: CasmContractEntryPoints {
            external,
            l1_handler: vec![],
            constructor: vec![],
        },
    };
    starkstm_starknet::ContractClass::from_casm(casm).expect("a hand-written class loads")
}
