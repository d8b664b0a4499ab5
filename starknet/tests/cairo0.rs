//! Cairo 0 (deprecated) classes: loading (the compiler's artifact and a node's form with a
//! compressed program) with the class hashes Starknet gives them; malformed classes and unknown
//! hints as errors; and their execution: OpenZeppelin's Cairo 0 account as the sender, every
//! deprecated syscall of our probe, the real proxy class of the RPC fixtures running its
//! constructor, default entry point and default L1 handler, and Cairo 0 <-> Cairo 1 calls. Every
//! block runs sequentially and in parallel (1 to 3 threads) with equal outputs. That the
//! results are Starknet's is checked against the reference executor by `.ci/conformance`
//! (workloads `cairo0` and `transfers-cairo0`).

mod common;

use std::sync::Arc;

use common::*;
use starkstm_starknet::contracts;
use starkstm_starknet::genesis::{address, Genesis, GenesisConfig};
use starkstm_starknet::starknet_api::abi::abi_utils::{
    get_storage_var_address, selector_from_name,
};
use starkstm_starknet::starknet_api::core::{
    calculate_contract_address, ClassHash, ContractAddress, EntryPointSelector, Nonce,
};
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::starknet_api::transaction::fields::{Calldata, ContractAddressSalt};
use starkstm_starknet::starknet_api::transaction::{L1HandlerTransaction, TransactionVersion};
use starkstm_starknet::{ContractClass, Felt, Status, Transaction};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const OZ_ACCOUNT: &str = include_str!("../real-classes/oz_account_0_5_1.json");
const UDC: &str = include_str!("../real-classes/udc_legacy_0_5_0.json");
/// Braavos's proxy, as a mainnet node returns it (`replay/tests/fixtures/rpc/`).
const RPC_PROXY: &str =
    include_str!("../../replay/tests/fixtures/rpc/deprecated_contract_class.json");
const PROBE: &str = include_str!("../../contracts/cairo0/compiled/probe.json");

fn hex(s: &str) -> Felt {
    Felt::from_hex(s).unwrap()
}

#[test]
fn real_cairo0_classes_get_their_published_hashes() {
    for (json, published) in [
        // starknet-devnet-core 0.10.1's `constants.rs`.
        (
            OZ_ACCOUNT,
            "0x4d07e40e93398ed3c76981e72dd1fd22557a78ce36c0515f679e27f0bb5bc5f",
        ),
        (
            UDC,
            "0x7b3e05f48f0c69e4a65ce5e076a66271a527aff2c34ce1083ec6e1526997a69",
        ),
        // Braavos's proxy class on mainnet, from its compressed program.
        (
            RPC_PROXY,
            "0x3131fa018d520a037686ce3efddeab8f28895662f019ca3ca18a626650f7d1e",
        ),
        // What cairo-lang 0.14.0.1's `compute_deprecated_class_hash` gives our probe.
        (
            PROBE,
            "0x77d406ee6668c96b650396153c62a0e660a9bcac7330f5f93c57d6bb85a34ca",
        ),
    ] {
        let (hash, class) = ContractClass::from_cairo0_json(json).unwrap();
        assert_eq!(hash.0, hex(published));
        assert!(class.is_cairo0());
        assert_eq!(class.cairo0_class_hash(), Some(hash));
        assert_eq!(class.compiled_class_hash().0, Felt::ZERO);
        // A class written as a node returns it loads back to the same hash.
        let rpc = class.cairo0_rpc_json().unwrap();
        assert!(rpc["program"].is_string());
        let (again, _) = ContractClass::from_cairo0_json(&rpc.to_string()).unwrap();
        assert_eq!(again, hash);
    }
}

/// A change to a class's JSON.
type Edit = dyn Fn(&mut serde_json::Value);

#[test]
fn malformed_cairo0_classes_are_errors() {
    let probe: serde_json::Value = serde_json::from_str(PROBE).unwrap();
    let with = |edit: &Edit| {
        let mut v = probe.clone();
        edit(&mut v);
        ContractClass::from_cairo0_json(&v.to_string())
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let cases: [(&Edit, &str); 6] = [
        (&|v| v["program"]["prime"] = "0x7".into(), "prime"),
        (
            &|v| v["program"]["builtins"] = serde_json::json!(["keccak_bomb"]),
            "unknown builtin",
        ),
        (
            &|v| v["entry_points_by_type"]["EXTERNAL"][0]["offset"] = "0xffffff".into(),
            "past the program",
        ),
        (&|v| v["program"] = "not base64!".into(), "base64"),
        (&|v| v["program"] = "aGVsbG8=".into(), "gzip"),
        (
            &|v| v["program"]["data"] = serde_json::json!(["zz"]),
            "Cairo 0 contract class",
        ),
    ];
    for (edit, expected) in cases {
        let err = with(edit);
        assert!(err.contains(expected), "{expected}: {err}");
    }
    for text in ["", "[]", "{\"program\": 3}", &PROBE[..PROBE.len() / 2]] {
        assert!(ContractClass::from_cairo0_json(text).is_err(), "{text:.40}");
    }
}

/// A genesis of OpenZeppelin Cairo 0 accounts, with the probe deployed at 0xd0 and 0xd1 (its
/// counter at 10 and 20), the legacy UDC at 0xdc, and our Cairo 1 counters at 0xc0….
fn cairo0_world() -> (Genesis, [ContractAddress; 2], ContractAddress) {
    let mut g = Genesis::new(&GenesisConfig {
        accounts: 3,
        cairo0_accounts: true,
        ..GenesisConfig::default()
    })
    .unwrap();
    with_counters(&mut g, 2);
    let probe = g.classes[contracts::PROBE_CAIRO0.name];
    let probes = [address(0xd0), address(0xd1)];
    for (at, initial) in probes.iter().zip([10u64, 20]) {
        g.state.deploy(*at, probe);
        g.state
            .set_storage(*at, get_storage_var_address("counter", &[]), felt(initial));
    }
    let udc = address(0xdc);
    g.state.deploy(udc, g.classes[contracts::UDC_CAIRO0.name]);
    (g, probes, udc)
}

fn counter_of(state: &starkstm_starknet::InMemoryState, at: ContractAddress) -> Felt {
    storage(state, at, "counter", &[])
}

fn slot(state: &starkstm_starknet::InMemoryState, at: ContractAddress, key: u64) -> Felt {
    state
        .storage
        .get(&(at, StorageKey::from(key)))
        .copied()
        .unwrap_or(Felt::ZERO)
}

#[test]
fn cairo0_accounts_send_transactions_making_every_deprecated_syscall() {
    let (g, [p, q], _) = cairo0_world();
    let a = g.accounts[0];
    let probe_class = g.classes[contracts::PROBE_CAIRO0.name].0;
    let c1 = address(0xc0);
    let txs = vec![
        // Two calls in one call array: a transfer in the Cairo 1 token, then the probe.
        g.invoke(
            &a,
            0,
            &[
                g.transfer_call(g.accounts[1].address, 5),
                call(p, "increase", &[felt(1)]),
            ],
        ),
        g.invoke(&a, 1, &[call(p, "record_info", &[])]),
        // Cairo 0 -> Cairo 1 and Cairo 0 -> Cairo 0.
        g.invoke(&a, 2, &[call(p, "call_increase", &[*c1.0.key(), felt(2)])]),
        g.invoke(&a, 3, &[call(p, "call_increase", &[*q.0.key(), felt(3)])]),
        g.invoke(
            &a,
            4,
            &[call(p, "library_increase", &[probe_class, felt(4)])],
        ),
        g.invoke(
            &a,
            5,
            &[call(p, "delegate_increase", &[*q.0.key(), felt(5)])],
        ),
        g.invoke(
            &a,
            6,
            &[call(p, "l1_handlers", &[probe_class, *q.0.key(), felt(6)])],
        ),
        g.invoke(
            &a,
            7,
            &[call(
                p,
                "deploy_probe",
                &[probe_class, felt(77), felt(9), felt(1)],
            )],
        ),
        g.invoke(&a, 8, &[call(p, "upgrade", &[probe_class])]),
        // Cairo 1 -> Cairo 0.
        g.invoke(
            &a,
            9,
            &[call(
                c1,
                "call_and_catch",
                &[
                    *q.0.key(),
                    selector_from_name("increase").0,
                    felt(1),
                    felt(7),
                ],
            )],
        ),
    ];
    let out = execute(&g, &txs);
    for (i, r) in out.outputs().iter().enumerate() {
        assert_eq!(r.status, Status::Succeeded, "transaction {i}");
    }
    let state = after(&g, &out);
    // p: 10 +1 (increase) +4 (library) +5 (delegate: q's class, p's storage) +6 +6 (its L1
    // handler twice).
    assert_eq!(counter_of(&state, p), felt(10 + 1 + 4 + 5 + 6 + 6));
    assert_eq!(slot(&state, p, 400), felt(0x1234));
    // q: 20 +3 (called by p) +7 (called by the Cairo 1 counter).
    assert_eq!(counter_of(&state, q), felt(20 + 3 + 7));
    // The Cairo 1 counter, called by p, returned 2 (one felt of return data).
    assert_eq!(slot(&state, p, 200), felt(1));
    // What the information syscalls told `record_info`.
    let tx = &txs[1];
    let signature = match tx {
        Transaction::Invoke(t) => t.tx.signature.0.clone(),
        _ => unreachable!(),
    };
    let expected = [
        (100, *a.address.0.key()), // the caller: the account
        (101, *p.0.key()),
        (102, *g.context.sequencer.0.key()),
        (103, felt(g.context.block_number)),
        (104, felt(g.context.block_timestamp)),
        (105, felt(3)), // version
        (106, *a.address.0.key()),
        (107, Felt::ZERO), // a V3 transaction has no max fee
        (108, felt(2)),
        (109, tx.hash().0),
        (110, g.context.chain_id_felt()),
        (111, felt(1)),
        (112, felt(2)),
        (113, felt(2) + signature[0]),
    ];
    for (key, value) in expected {
        assert_eq!(slot(&state, p, key), value, "storage key {key}");
    }
    // deploy_probe deployed from zero: at the address of (salt 77, class, [9], deployer 0).
    let deployed = calculate_contract_address(
        ContractAddressSalt(felt(77)),
        ClassHash(probe_class),
        &Calldata(Arc::new(vec![felt(9)])),
        ContractAddress::default(),
    )
    .unwrap();
    assert_eq!(slot(&state, p, 300), *deployed.0.key());
    assert_eq!(state.class_hashes[&deployed].0, probe_class);
    assert_eq!(counter_of(&state, deployed), felt(9));
    // Events of Cairo 0 code reach the receipt: `increase`'s, then the fee transfer's.
    let r = &out.outputs()[0];
    assert!(r.events.iter().any(|e| e.from_address == p));
    assert_eq!(state.nonces[&a.address], Nonce(felt(10)));
}

#[test]
fn a_failing_cairo0_call_reverts_even_under_a_cairo1_caller_and_a_bad_signature_rejects() {
    let (g, [p, _], _) = cairo0_world();
    let a = g.accounts[0];
    let c1 = address(0xc0);
    let unsigned = g.invoke_with(
        &a,
        2,
        &[call(p, "increase", &[felt(1)])],
        g.bounds(starkstm_starknet::genesis::DEFAULT_MAX_L2_GAS),
        false,
    );
    let txs = vec![
        g.invoke(&a, 0, &[call(p, "fail", &[])]),
        // Cairo 1 cannot catch a Cairo 0 failure; a missing entry point it can.
        g.invoke(
            &a,
            1,
            &[call(
                c1,
                "call_and_catch",
                &[*p.0.key(), selector_from_name("fail").0, felt(0)],
            )],
        ),
        unsigned,
        g.invoke(
            &a,
            2,
            &[call(
                c1,
                "call_and_catch",
                &[*p.0.key(), selector_from_name("nope").0, felt(0)],
            )],
        ),
    ];
    let out = execute(&g, &txs);
    let r = out.outputs();
    assert!(
        reverted_reason(&r[0]).contains("probe: asked to fail"),
        "{:?}",
        r[0].status
    );
    assert!(
        matches!(r[1].status, Status::Reverted(_)),
        "{:?}",
        r[1].status
    );
    assert!(
        matches!(r[2].status, Status::Rejected(_)),
        "{:?}",
        r[2].status
    );
    assert_eq!(r[3].status, Status::Succeeded);
    let state = after(&g, &out);
    assert_eq!(storage(&state, c1, "caught_count", &[]), felt(1));
    assert_eq!(counter_of(&state, p), felt(10));
}

#[test]
fn the_rpc_proxy_class_runs_its_constructor_default_entry_point_and_l1_handler() {
    let (mut g, _, udc) = cairo0_world();
    let (proxy_hash, proxy) = ContractClass::from_cairo0_json(RPC_PROXY).unwrap();
    g.state.declare(proxy_hash, Arc::new(proxy));
    let a = g.accounts[0];
    let probe_class = g.classes[contracts::PROBE_CAIRO0.name].0;
    // The proxy's constructor library-calls the implementation's initializer: increase(5).
    let ctor = vec![
        probe_class,
        selector_from_name("increase").0,
        felt(1),
        felt(5),
    ];
    let mut udc_calldata = vec![proxy_hash.0, felt(1), Felt::ZERO, felt(ctor.len() as u64)];
    udc_calldata.extend(&ctor);
    let proxy_at = calculate_contract_address(
        ContractAddressSalt(felt(1)),
        proxy_hash,
        &Calldata(Arc::new(ctor.clone())),
        ContractAddress::default(),
    )
    .unwrap();
    let l1 = L1HandlerTransaction {
        version: TransactionVersion::ZERO,
        nonce: Nonce(Felt::ZERO),
        contract_address: proxy_at,
        entry_point_selector: EntryPointSelector(selector_from_name("on_l1").0),
        calldata: Calldata(Arc::new(vec![felt(0x5ea1), felt(30)])),
    };
    let txs = vec![
        g.invoke(&a, 0, &[call(udc, "deployContract", &udc_calldata)]),
        // No `increase` in the proxy: its `__default__` forwards it.
        g.invoke(&a, 1, &[call(proxy_at, "increase", &[felt(2)])]),
        // No `on_l1` either: its `__l1_default__` forwards the message.
        Transaction::l1_handler(l1, 1_000_000_000, &g.context.chain_id).unwrap(),
    ];
    let out = execute(&g, &txs);
    for (i, r) in out.outputs().iter().enumerate() {
        assert_eq!(r.status, Status::Succeeded, "transaction {i}");
    }
    let state = after(&g, &out);
    assert_eq!(state.class_hashes[&proxy_at], proxy_hash);
    assert_eq!(counter_of(&state, proxy_at), felt(5 + 2 + 30));
    assert_eq!(slot(&state, proxy_at, 400), felt(0x5ea1));
    // The UDC announced the deployment.
    assert!(out.outputs()[0]
        .events
        .iter()
        .any(|e| e.from_address == udc));
}

#[test]
fn an_unknown_hint_is_a_clear_error() {
    let mut g = cairo0_world().0;
    let mut probe: serde_json::Value = serde_json::from_str(PROBE).unwrap();
    let hints = probe["program"]["hints"].as_object_mut().unwrap();
    for hints in hints.values_mut() {
        for hint in hints.as_array_mut().unwrap() {
            if hint["code"].as_str().unwrap().contains("storage_write") {
                hint["code"] = "print('no such hint')".into();
            }
        }
    }
    let (hash, class) = ContractClass::from_cairo0_json(&probe.to_string()).unwrap();
    g.state.declare(hash, Arc::new(class));
    let at = address(0xd9);
    g.state.deploy(at, hash);
    let out = execute(
        &g,
        &[g.invoke(&g.accounts[0], 0, &[call(at, "increase", &[felt(1)])])],
    );
    let reason = reverted_reason(&out.outputs()[0]);
    assert!(reason.contains("no such hint"), "{reason}");
}

#[test]
fn a_cairo0_account_deploys_itself_and_declares_a_class_and_a_cairo0_class_cannot_be_declared() {
    let (mut g, [p, _], _) = cairo0_world();
    let a = g.accounts[0];
    // A Cairo 1 class the genesis lacks, for the declare.
    let late = g.classes["account_novalidate"];
    let late_class = g.state.classes.remove(&late).unwrap();
    // A new OpenZeppelin Cairo 0 account, funded at its counterfactual address:
    // `__validate_deploy__` checks the signature, the constructor takes the public key.
    let key = felt(0xc0ffee);
    let oz = g.classes[contracts::OZ_ACCOUNT_CAIRO0.name];
    let (deploy, at) =
        g.deploy_account_of(oz, vec![starkstm_starknet::public_key(key)], key, felt(3));
    g.state.set_erc20_balance(
        g.context.fee_token,
        at,
        starkstm_starknet::U256::from_u128(1 << 100),
    );
    let probe_hash = g.classes[contracts::PROBE_CAIRO0.name];
    let probe_class = g.state.classes[&probe_hash].clone();
    let txs = vec![
        deploy,
        g.declare(&a, 0, late, late_class),
        // A Cairo 0 class in a Declare V3 is rejected.
        g.declare(&a, 1, probe_hash, probe_class),
        g.invoke(&a, 1, &[call(p, "increase", &[felt(1)])]),
    ];
    let out = execute(&g, &txs);
    let r = out.outputs();
    assert_eq!(r[0].status, Status::Succeeded, "{:?}", r[0].status);
    assert_eq!(r[1].status, Status::Succeeded, "{:?}", r[1].status);
    assert!(
        rejected_reason(&r[2]).contains("Cairo 1 class"),
        "{:?}",
        r[2].status
    );
    assert_eq!(r[3].status, Status::Succeeded, "{:?}", r[3].status);
    let state = after(&g, &out);
    assert_eq!(state.class_hashes[&at], oz);
    assert!(state.classes.contains_key(&late));
}

#[test]
fn a_cairo1_contract_cannot_become_a_cairo0_one_but_a_cairo0_contract_can_replace_its_class() {
    let (g, [p, _], _) = cairo0_world();
    let a = g.accounts[0];
    let c1 = address(0xc0);
    let probe_class = g.classes[contracts::PROBE_CAIRO0.name].0;
    let counter_class = g.classes["counter"].0;
    let txs = [
        g.invoke(&a, 0, &[call(c1, "upgrade", &[probe_class])]),
        g.invoke(&a, 1, &[call(p, "upgrade", &[counter_class])]),
    ];
    let out = execute(&g, &txs);
    let r = out.outputs();
    assert!(
        reverted_reason(&r[0]).contains("Cannot replace V1 class hash with V0 class hash"),
        "{:?}",
        r[0].status
    );
    assert_eq!(r[1].status, Status::Succeeded, "{:?}", r[1].status);
    let state = after(&g, &out);
    assert_eq!(state.class_hashes[&c1].0, counter_class);
    assert_eq!(state.class_hashes[&p].0, counter_class);
}
