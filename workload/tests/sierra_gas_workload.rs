//! The Sierra-gas workloads keep what `.ci/conformance` relies on: their transactions run in
//! Sierra gas. Against `syscalls` and `mix` with the same seed — the same transactions, but for
//! the classes of our accounts and contracts — every invoke that succeeds is charged other L2
//! gas, and every transaction ends alike (a workload whose calls fell back to Cairo-steps
//! metering, as they do from a steps-metered account, would charge the same).

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
fn their_invokes_are_metered_in_sierra_gas() {
    for (steps, gas) in [
        (Workload::Syscalls, Workload::SyscallsSierraGas),
        (Workload::Mix, Workload::MixSierraGas),
    ] {
        let (_, steps) = run(steps);
        let (txs, gas_receipts) = run(gas);
        assert_eq!(steps.len(), gas_receipts.len());
        let mut invokes = 0;
        for ((tx, s), g) in txs.iter().zip(&steps).zip(&gas_receipts) {
            assert_eq!(s.status, g.status, "{gas}");
            if matches!(tx, Transaction::Invoke(_)) && g.status == Status::Succeeded {
                invokes += 1;
                assert_ne!(s.gas.l2_gas, g.gas.l2_gas, "{gas}: {:#x}", tx.hash().0);
            }
        }
        assert!(invokes >= 45, "{gas}: {invokes} invokes succeeded");
    }
}
