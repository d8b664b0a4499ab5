//! Proof facts (0.14.2 on): an Invoke V3 carrying the facts of a virtual-OS proof runs when
//! they hold, paying the proof's archival gas, and is rejected, changing nothing, when any
//! check fails: their form, the allowed proof version and program, the proven block's age and
//! stored hash, and the chain's config hash.

mod common;

use common::*;
use starkstm_starknet::genesis::{address, default_bounds, Genesis};
use starkstm_starknet::starknet_api::block::StarknetVersion;
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::{Felt, Status, Transaction};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PROVEN: u64 = 50;
const HASH: u64 = 0xb10c_4a54;

/// A genesis at `version`, block 100, the hash of block 50 stored in `0x1`.
fn proving_genesis(version: StarknetVersion) -> Genesis {
    let mut g = genesis(2);
    g.context.starknet_version = version;
    g.context.block_number = 100;
    g.state
        .set_storage(address(1u64), StorageKey::from(PROVEN), Felt::from(HASH));
    g
}

fn transfer(g: &Genesis, facts: Vec<Felt>) -> Transaction {
    let (a, b) = (g.accounts[0], g.accounts[1].address);
    g.invoke_proving(
        &a,
        0,
        &[g.transfer_call(b, 5)],
        default_bounds(),
        true,
        facts,
    )
}

#[test]
fn valid_proof_facts_run_and_pay_for_the_proof() {
    let g = proving_genesis(StarknetVersion::V0_14_2);
    let facts = g.proof_facts(PROVEN, Felt::from(HASH)).unwrap();
    let out = execute(&g, &[transfer(&g, facts)]);
    let proving = &out.outputs()[0];
    assert_eq!(proving.status, Status::Succeeded, "{proving:?}");
    let plain = execute(&g, &[transfer(&g, Vec::new())]);
    let plain = &plain.outputs()[0];
    assert_eq!(plain.status, Status::Succeeded);
    // 0.14.2's archival gas per proof is 75,000,000 L2 gas.
    assert!(
        proving.gas.l2_gas >= plain.gas.l2_gas + 75_000_000,
        "{} against {}",
        proving.gas.l2_gas,
        plain.gas.l2_gas
    );
}

#[test]
fn proof_facts_failing_any_check_reject_the_transaction() {
    let g = proving_genesis(StarknetVersion::V0_14_2);
    let good = g.proof_facts(PROVEN, Felt::from(HASH)).unwrap();
    let with = |i: usize, value: Felt| {
        let mut facts = good.clone();
        facts[i] = value;
        facts
    };
    let proof1 = Felt::from_bytes_be_slice(b"PROOF1");
    let cases: Vec<(&str, Vec<Felt>)> = vec![
        ("too small", good[..4].to_vec()),
        ("Expected second field", with(1, Felt::ONE)),
        ("not allowed under this protocol version", with(0, proof1)),
        ("program hash", with(2, Felt::from(7u64))),
        ("too recent", with(4, Felt::from(95u64))),
        ("is zero", with(5, Felt::ZERO)),
        ("the proof says", with(5, Felt::from(HASH + 1))),
        ("config hash", with(6, good[6] + Felt::ONE)),
    ];
    for (expected, facts) in cases {
        let out = execute(&g, &[transfer(&g, facts)]);
        let reason = rejected_reason(&out.outputs()[0]);
        assert!(reason.starts_with("Invalid proof facts"), "{reason}");
        assert!(reason.contains(expected), "{expected}: {reason}");
        assert!(out.state_changes().is_empty(), "{expected}");
    }
    // The block whose hash the facts name must be stored, not just old enough.
    let unstored = g.proof_facts(PROVEN - 1, Felt::from(HASH)).unwrap();
    let out = execute(&g, &[transfer(&g, unstored)]);
    assert!(rejected_reason(&out.outputs()[0]).contains("the proof says"));
}

#[test]
fn before_0_14_2_no_proof_is_allowed() {
    let g = proving_genesis(StarknetVersion::V0_14_1);
    assert!(g.proof_facts(PROVEN, Felt::from(HASH)).is_none());
    let facts = proving_genesis(StarknetVersion::V0_14_2)
        .proof_facts(PROVEN, Felt::from(HASH))
        .unwrap();
    let out = execute(&g, &[transfer(&g, facts)]);
    let reason = rejected_reason(&out.outputs()[0]);
    assert!(
        reason.contains("not allowed under this protocol version"),
        "{reason}"
    );
}
