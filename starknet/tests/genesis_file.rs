//! Genesis files: a base state loaded from JSON executes like a generated one; bad files give
//! errors that name the file and the problem.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use starkstm_starknet::genesis::{Account, Genesis};
use starkstm_starknet::genesis_file::{load_genesis, parse_genesis, GenesisError};
use starkstm_starknet::starknet_api::abi::abi_utils::get_storage_var_address;
use starkstm_starknet::{public_key, Felt, Status, U256};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn genesis_json(public_key: Felt) -> String {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../contracts/compiled");
    format!(
        r#"{{
  "format": "starkstm-genesis/1",
  "block": {{ "number": 20, "sequencer": "0x5e9", "fee_token": "0x4718", "chain_id": "SN_TEST" }},
  "classes": [
    {{ "builtin": "erc20" }},
    {{ "builtin": "account" }},
    {{ "casm": "{root}/counter.casm.json", "sierra": "{root}/counter.sierra.json" }}
  ],
  "contracts": [
    {{ "address": "0x4718", "class": "erc20" }},
    {{ "address": "0xa11ce", "class": "account" }},
    {{ "address": "0xc0", "class": "{counter:#x}" }}
  ],
  "storage": [
    {{ "address": "0xa11ce", "key": "{pk_key:#x}", "value": "{public_key:#x}" }},
    {{ "address": "0xc0", "key": "{value_key:#x}", "value": "0x64" }}
  ],
  "nonces": [ {{ "address": "0xa11ce", "nonce": "0x3" }} ],
  "erc20_balances": [ {{ "token": "0x4718", "owner": "0xa11ce", "amount": "1000000000000000000" }} ]
}}"#,
        counter = starkstm_starknet::class::sierra_class_hash(
            starkstm_starknet::contracts::COUNTER.sierra
        )
        .unwrap()
        .0,
        pk_key = get_storage_var_address("public_key", &[]).0.key(),
        value_key = get_storage_var_address("value", &[]).0.key(),
    )
}

#[test]
fn a_genesis_file_loads_and_executes() {
    let key = Felt::from(0x5eed_u64);
    let dir = std::env::temp_dir().join(format!("starkstm-genesis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("genesis.json");
    std::fs::write(&path, genesis_json(public_key(key))).unwrap();
    let (state, context) = load_genesis(&path).unwrap();
    assert_eq!(context.block_number, 20);
    assert_eq!(context.chain_id.to_string(), "SN_TEST");
    let account = Account {
        address: starkstm_starknet::genesis::address(0xa11ce_u64),
        private_key: key,
    };
    let g = Genesis {
        state,
        context,
        classes: BTreeMap::new(),
        accounts: vec![account],
    };
    let c = starkstm_starknet::genesis::address(0xc0_u64);
    let out = execute(
        &g,
        &[g.invoke(&account, 3, &[call(c, "increase", &[felt(1)])])],
    );
    assert_eq!(
        out.outputs()[0].status,
        Status::Succeeded,
        "{:?}",
        out.outputs()[0]
    );
    let state = after(&g, &out);
    assert_eq!(storage(&state, c, "value", &[]), felt(101));
    assert!(balance(&g, &state, account.address) < U256::from_u128(1_000_000_000_000_000_000));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn error_of(text: &str) -> String {
    let err: GenesisError = parse_genesis(text, Path::new("g.json")).unwrap_err();
    err.to_string()
}

#[test]
fn bad_genesis_files_are_clear_errors() {
    let cases = [
        ("{", "g.json: EOF while parsing"),
        (r#"{"format": "other"}"#, "expected \"starkstm-genesis/1\""),
        (
            r#"{"format": "starkstm-genesis/1", "extra": 1}"#,
            "unknown field `extra`",
        ),
        (
            r#"{"format": "starkstm-genesis/1", "classes": [{"builtin": "nope"}]}"#,
            "classes[0]: no builtin class \"nope\"",
        ),
        (
            r#"{"format": "starkstm-genesis/1", "classes": [{"casm": "missing.json", "class_hash": "0x1"}]}"#,
            "missing.json",
        ),
        (
            r#"{"format": "starkstm-genesis/1", "classes": [{"casm": "x.json"}]}"#,
            "exactly one of",
        ),
        (
            r#"{"format": "starkstm-genesis/1", "contracts": [{"address": "0x1", "class": "0x99"}]}"#,
            "contracts[0]: class 0x99 is not declared",
        ),
        (
            r#"{"format": "starkstm-genesis/1", "contracts": [{"address": "0x1", "class": "erc20"}]}"#,
            "neither a builtin class",
        ),
        (
            r#"{"format": "starkstm-genesis/1", "storage": [{"address": "12", "key": "0x1", "value": "0x1"}]}"#,
            "prefixed by '0x'",
        ),
        (
            r#"{"format": "starkstm-genesis/1", "erc20_balances": [{"token": "0x1", "owner": "0x2", "amount": "-1"}]}"#,
            "is not a u128",
        ),
    ];
    for (text, expected) in cases {
        let message = error_of(text);
        assert!(
            message.contains(expected),
            "{text}: got {message:?}, expected {expected:?}"
        );
    }
}

/// Cairo 0 classes in a genesis file: a file with the hash it must have (OpenZeppelin's Cairo 0
/// account 0.5.1, sending a transaction), the builtin probe by name, and a wrong hash or both
/// forms at once as errors.
#[test]
fn a_genesis_file_holds_cairo0_classes() {
    let real = concat!(env!("CARGO_MANIFEST_DIR"), "/real-classes");
    let oz = "0x4d07e40e93398ed3c76981e72dd1fd22557a78ce36c0515f679e27f0bb5bc5f";
    let key = Felt::from(0x5eed_u64);
    let text = format!(
        r#"{{
  "format": "starkstm-genesis/1",
  "classes": [
    {{ "builtin": "erc20" }},
    {{ "builtin": "probe_cairo0" }},
    {{ "cairo0": "{real}/oz_account_0_5_1.json", "class_hash": "{oz}" }}
  ],
  "contracts": [
    {{ "address": "0x4718", "class": "erc20" }},
    {{ "address": "0xa11ce", "class": "{oz}" }},
    {{ "address": "0xd0", "class": "probe_cairo0" }}
  ],
  "storage": [ {{ "address": "0xa11ce", "key": "{pk:#x}", "value": "{public:#x}" }} ],
  "erc20_balances": [ {{ "token": "0x4718", "owner": "0xa11ce", "amount": "1000000000000000000" }} ]
}}"#,
        pk = get_storage_var_address("Account_public_key", &[]).0.key(),
        public = public_key(key),
    );
    let dir = std::env::temp_dir().join(format!("starkstm-genesis0-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("genesis.json");
    std::fs::write(&path, &text).unwrap();
    let (state, context) = load_genesis(&path).unwrap();
    let account = Account {
        address: starkstm_starknet::genesis::address(0xa11ce_u64),
        private_key: key,
    };
    let g = Genesis {
        state,
        context,
        classes: BTreeMap::new(),
        accounts: vec![account],
    };
    assert!(g.is_cairo0(account.address));
    let probe = starkstm_starknet::genesis::address(0xd0_u64);
    let out = execute(
        &g,
        &[g.invoke(&account, 0, &[call(probe, "increase", &[felt(4)])])],
    );
    assert_eq!(
        out.outputs()[0].status,
        Status::Succeeded,
        "{:?}",
        out.outputs()[0]
    );
    assert_eq!(storage(&after(&g, &out), probe, "counter", &[]), felt(4));
    let wrong = text.replacen(oz, "0x1234", 1);
    std::fs::write(&path, &wrong).unwrap();
    let err = load_genesis(&path).unwrap_err().to_string();
    assert!(
        err.contains("the Cairo 0 class hashes to 0x4d07e40e"),
        "{err}"
    );
    let both = text.replacen("\"cairo0\":", "\"cairo0_class\": {}, \"cairo0\":", 1);
    std::fs::write(&path, &both).unwrap();
    let err = load_genesis(&path).unwrap_err().to_string();
    assert!(err.contains("a Cairo 0 class is"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
