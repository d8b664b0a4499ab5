//! The `syscalls-sierra-gas` workload keeps what `.ci/conformance` relies on: its transactions
//! run in Sierra gas. Against `syscalls` with the same seed — the same transactions, but for
//! the classes of the accounts and counters — every invoke is charged other L2 gas, and every
//! transaction ends alike (a workload whose calls fell back to Cairo-steps metering, as they do
//! from a steps-metered account, would charge the same).

use starkstm_engine::SequentialExecutor;
use starkstm_starknet::{BlockState, Receipt, StarknetVm, Status, Transaction};
use starkstm_workload::starknet_workloads::{generate, Workload, WorkloadSpec};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn run(workload: Workload) -> (Vec<Transaction>, Vec<Receipt>) {
    let block = generate(&WorkloadSpec {
        workload,
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
    (block.txs, out.outputs().to_vec())
}

#[test]
fn its_invokes_are_metered_in_sierra_gas() {
    let (_, steps) = run(Workload::Syscalls);
    let (txs, gas) = run(Workload::SyscallsSierraGas);
    assert_eq!(steps.len(), gas.len());
    let mut invokes = 0;
    for ((tx, s), g) in txs.iter().zip(&steps).zip(&gas) {
        assert_eq!(g.status, Status::Succeeded, "{g:?}");
        assert_eq!(s.status, g.status);
        if matches!(tx, Transaction::Invoke(_)) {
            invokes += 1;
            assert_ne!(s.gas.l2_gas, g.gas.l2_gas, "{:#x}", tx.hash().0);
        }
    }
    assert!(invokes >= 45, "{invokes} invokes");
}
