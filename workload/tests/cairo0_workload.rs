//! The `cairo0` workload keeps what `.ci/conformance` relies on: the block it diffs against the
//! reference executor (60 transactions, 40 accounts, seed 1) makes every one of the 18
//! deprecated syscalls, and its transactions all succeed.

use starkstm_engine::SequentialExecutor;
use starkstm_starknet::{BlockState, StarknetVm, Status};
use starkstm_workload::starknet_workloads::{generate, Workload, WorkloadSpec};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[test]
fn the_cairo0_block_of_ci_makes_every_deprecated_syscall() {
    let block = generate(&WorkloadSpec {
        workload: Workload::Cairo0,
        txs: 60,
        accounts: 40,
        failing: 0.0,
        seed: 1,
        argent: None,
    })
    .unwrap();
    let vm = StarknetVm::new(block.genesis.context.clone());
    let base = BlockState::new(&block.genesis.state, &block.genesis.context);
    let out = SequentialExecutor::new()
        .execute_block(&vm, &base, &block.txs)
        .unwrap();
    let mut made = std::collections::BTreeSet::new();
    for r in out.outputs() {
        assert_eq!(r.status, Status::Succeeded);
        made.extend(r.resources.syscalls.keys().cloned());
    }
    for syscall in [
        "CallContract",
        "DelegateCall",
        "DelegateL1Handler",
        "Deploy",
        "EmitEvent",
        "GetBlockNumber",
        "GetBlockTimestamp",
        "GetCallerAddress",
        "GetContractAddress",
        "GetSequencerAddress",
        "GetTxInfo",
        "GetTxSignature",
        "LibraryCall",
        "LibraryCallL1Handler",
        "ReplaceClass",
        "SendMessageToL1",
        "StorageRead",
        "StorageWrite",
    ] {
        assert!(made.contains(syscall), "no {syscall} in {made:?}");
    }
}
