//! The calls of the `cairo0` workload: Cairo 0 accounts calling our Cairo 0 probes
//! (`contracts/cairo0/probe.cairo`, every deprecated syscall), Cairo 1 contracts from Cairo 0
//! and Cairo 0 contracts from Cairo 1, the Cairo 0 Universal Deployer, and messages from L1 to
//! a Cairo 0 L1 handler.

use starkstm_starknet::contracts;
use starkstm_starknet::genesis::{Call, Genesis};
use starkstm_starknet::starknet_api::abi::abi_utils::selector_from_name;
use starkstm_starknet::starknet_api::core::ContractAddress;
use starkstm_starknet::Felt;

use super::calls::call;
use super::{World, N_COUNTERS, N_PROBES};
use crate::rng::Rng;

/// The calls of one transaction, and whether it needs an L1 gas bound.
pub(super) enum Cairo0Calls {
    Plain(Vec<Call>),
    WithL1Gas(Call),
}

pub(super) fn calls(world: &World, i: u64, rng: &mut Rng) -> Cairo0Calls {
    let g = &world.genesis;
    let probe_class = g.classes[contracts::PROBE_CAIRO0.name].0;
    let pick_probe = |rng: &mut Rng| world.probes[rng.below(N_PROBES) as usize];
    let pick_counter = |rng: &mut Rng| world.counters[rng.below(N_COUNTERS) as usize];
    let probe = pick_probe(rng);
    let key = |a: ContractAddress| *a.0.key();
    let one = |c: Call| Cairo0Calls::Plain(vec![c]);
    match rng.below(16) {
        // A Cairo 0 account paying in the Cairo 1 STRK token.
        0 | 1 => {
            let to = g.accounts[rng.below(g.accounts.len() as u64) as usize].address;
            one(g.transfer_call(to, 1 + rng.below(1000) as u128))
        }
        2 => one(call(probe, "increase", vec![Felt::ONE])),
        3 => one(call(probe, "record_info", vec![])),
        // Cairo 0 calling Cairo 1 and Cairo 0.
        4 => one(call(
            probe,
            "call_increase",
            vec![key(pick_counter(rng)), Felt::TWO],
        )),
        5 => one(call(
            probe,
            "call_increase",
            vec![key(pick_probe(rng)), Felt::THREE],
        )),
        6 => one(call(
            probe,
            "library_increase",
            vec![probe_class, Felt::from(4)],
        )),
        7 => one(call(
            probe,
            "delegate_increase",
            vec![key(pick_probe(rng)), Felt::from(5)],
        )),
        8 => one(call(
            probe,
            "l1_handlers",
            vec![probe_class, key(pick_probe(rng)), Felt::from(6)],
        )),
        9 => one(call(
            probe,
            "deploy_probe",
            vec![
                probe_class,
                Felt::from(rng.next_u64()),
                Felt::from(i),
                Felt::from(i % 2),
            ],
        )),
        // The Cairo 0 Universal Deployer deploying a probe (unique: salted by the caller).
        10 => one(call(
            world.udc_cairo0,
            "deployContract",
            vec![
                probe_class,
                Felt::from(rng.next_u64()),
                Felt::ONE,
                Felt::ONE,
                Felt::from(7),
            ],
        )),
        // Cairo 1 calling Cairo 0: a call, a caught missing entry point, a library call and a
        // deploy of a Cairo 0 class.
        11 => one(call(
            pick_counter(rng),
            "call_and_catch",
            vec![
                key(probe),
                selector_from_name("increase").0,
                Felt::ONE,
                Felt::from(8),
            ],
        )),
        12 => one(call(
            pick_counter(rng),
            "call_and_catch",
            vec![
                key(probe),
                selector_from_name("no_such_function").0,
                Felt::ZERO,
            ],
        )),
        13 => one(call(
            pick_counter(rng),
            "library_call",
            vec![probe_class, selector_from_name("increase").0, Felt::from(9)],
        )),
        14 => Cairo0Calls::Plain(vec![
            call(
                pick_counter(rng),
                "deploy_counter",
                vec![probe_class, Felt::from(rng.next_u64()), Felt::from(10)],
            ),
            call(probe, "upgrade", vec![probe_class]),
        ]),
        _ => Cairo0Calls::WithL1Gas(call(
            probe,
            "send_message",
            vec![
                Felt::from(0x5ea1u64),
                Felt::from(i),
                Felt::from(rng.next_u64()),
            ],
        )),
    }
}

/// A call that fails: a Cairo 0 assertion, directly or under a Cairo 1 contract (which cannot
/// catch a Cairo 0 failure).
pub(super) fn failing_call(world: &World, rng: &mut Rng) -> Call {
    let probe = world.probes[rng.below(N_PROBES) as usize];
    if rng.chance(0.5) {
        call(probe, "fail", vec![])
    } else {
        call(
            world.counters[rng.below(N_COUNTERS) as usize],
            "call_and_catch",
            vec![*probe.0.key(), selector_from_name("fail").0, Felt::ZERO],
        )
    }
}

/// A message from L1 to a probe's `on_l1` handler (Cairo 0), its fee paid on L1.
pub(super) fn l1_message(
    g: &Genesis,
    probe: ContractAddress,
    nonce: u64,
    amount: u128,
) -> starkstm_starknet::Transaction {
    use starkstm_starknet::starknet_api::core::{EntryPointSelector, Nonce};
    use starkstm_starknet::starknet_api::transaction::fields::Calldata;
    use starkstm_starknet::starknet_api::transaction::{L1HandlerTransaction, TransactionVersion};
    let tx = L1HandlerTransaction {
        version: TransactionVersion::ZERO,
        nonce: Nonce(Felt::from(nonce)),
        contract_address: probe,
        entry_point_selector: EntryPointSelector(selector_from_name("on_l1").0),
        calldata: Calldata(std::sync::Arc::new(vec![
            Felt::from(0x5ea1u64),
            Felt::from(amount),
        ])),
    };
    starkstm_starknet::Transaction::l1_handler(tx, 1_000_000_000, &g.context.chain_id)
        .expect("an L1 handler transaction hashes")
}
