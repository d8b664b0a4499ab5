//! Classes: our committed CASM is what the linked compiler makes of our committed Sierra, and
//! classes compiled by a recent Cairo compiler (the 2.19 test contracts that ship with the
//! `cairo-lang-starknet` crate, a dependency of ours) load and run.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::*;
use starkstm_starknet::class::{compile_sierra, sierra_class_hash};
use starkstm_starknet::contracts;
use starkstm_starknet::starknet_api::core::ClassHash;
use starkstm_starknet::{ContractClass, Status};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[test]
fn committed_casm_is_the_compiled_committed_sierra() {
    for contract in contracts::ALL {
        let compiled = serde_json::to_value(compile_sierra(contract.sierra).unwrap()).unwrap();
        let committed: serde_json::Value = serde_json::from_str(contract.casm).unwrap();
        assert!(
            compiled == committed,
            "contracts/compiled/{}.casm.json is stale: run contracts/build.sh",
            contract.name
        );
    }
}

#[test]
fn our_classes_have_distinct_hashes_and_load() {
    let mut hashes = std::collections::BTreeSet::new();
    for contract in contracts::ALL {
        let (hash, class) = contract.load().unwrap();
        assert!(hashes.insert(hash), "{} shares a class hash", contract.name);
        assert_eq!(hash, sierra_class_hash(contract.sierra).unwrap());
        assert_ne!(class.compiled_class_hash().0, starkstm_starknet::Felt::ZERO);
    }
}

#[test]
fn malformed_classes_are_errors() {
    assert!(ContractClass::from_casm_json("{").is_err());
    assert!(ContractClass::from_casm_json("{\"prime\": 1}").is_err());
    assert!(ContractClass::from_casm_json(
        &contracts::ERC20
            .casm
            .replace("range_check", "no_such_builtin")
    )
    .is_err());
    assert!(compile_sierra("[]").is_err());
    assert!(sierra_class_hash("{}").is_err());
}

/// The test data of the `cairo-lang-starknet` crate in cargo's registry (it is one of our
/// dependencies, so every build has fetched it).
fn cairo_test_data() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = home.join("registry").join("src");
    for index in std::fs::read_dir(&registry).expect("cargo's registry source folder") {
        let dir = index
            .unwrap()
            .path()
            .join("cairo-lang-starknet-2.19.5")
            .join("test_data");
        if dir.is_dir() {
            return dir;
        }
    }
    panic!(
        "cairo-lang-starknet-2.19.5 is not under {}: run `cargo fetch`",
        registry.display()
    );
}

#[test]
fn every_class_a_recent_compiler_made_loads() {
    let dir = cairo_test_data();
    let mut loaded = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".compiled_contract_class.json") {
            continue;
        }
        let json = std::fs::read_to_string(&path).unwrap();
        ContractClass::from_casm_json(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        loaded += 1;
    }
    assert!(
        loaded >= 10,
        "only {loaded} classes found in {}",
        dir.display()
    );
}

fn load_recent(name: &str) -> (ClassHash, Arc<ContractClass>) {
    let dir = cairo_test_data();
    let sierra = std::fs::read_to_string(dir.join(format!("{name}.contract_class.json"))).unwrap();
    let casm =
        std::fs::read_to_string(dir.join(format!("{name}.compiled_contract_class.json"))).unwrap();
    (
        sierra_class_hash(&sierra).unwrap(),
        Arc::new(ContractClass::from_casm_json(&casm).unwrap()),
    )
}

#[test]
fn a_recent_compilers_erc20_runs_transfers() {
    // Cairo 2.19's ERC20 keeps balances in `balances: Map<ContractAddress, u256>` — not the
    // protocol's fee-token layout (`ERC20_balances`), so it runs here as an ordinary token —
    // and reads the caller through the newer execution-info path.
    let mut g = genesis(4);
    let (hash, class) = load_recent("erc20__erc_20");
    g.state.declare(hash, class);
    let token = starkstm_starknet::genesis::address(0x7777_u64);
    g.state.deploy(token, hash);
    let a = g.accounts.clone();
    let slot = |owner: starkstm_starknet::starknet_api::core::ContractAddress| {
        starkstm_starknet::starknet_api::abi::abi_utils::get_storage_var_address(
            "balances",
            &[*owner.0.key()],
        )
    };
    for account in &a {
        g.state.set_storage(
            token,
            slot(account.address),
            starkstm_starknet::Felt::from(1000),
        );
    }
    let txs: Vec<_> = (0..4)
        .map(|i| {
            let to = a[(i + 1) % 4].address;
            g.invoke(
                &a[i],
                0,
                &[starkstm_starknet::genesis::Call {
                    to: token,
                    entry_point: "transfer",
                    calldata: vec![*to.0.key(), (100 + i as u64).into(), 0u64.into()],
                }],
            )
        })
        .collect();
    let out = execute(&g, &txs);
    let state = after(&g, &out);
    for (i, r) in out.outputs().iter().enumerate() {
        assert_eq!(r.status, Status::Succeeded, "{r:?}");
        // The recent ERC20 emits one Transfer event from the token.
        assert_eq!(
            r.events.iter().filter(|e| e.from_address == token).count(),
            1,
            "tx {i}"
        );
    }
    // Account 0 sent 100 and received 103 (from account 3).
    assert_eq!(
        state.storage[&(token, slot(a[0].address))],
        starkstm_starknet::Felt::from(1003)
    );
    assert_eq!(
        state.storage[&(token, slot(a[1].address))],
        starkstm_starknet::Felt::from(1000 + 100 - 101)
    );
}

#[test]
fn a_recent_compilers_contract_with_a_segment_arena_runs() {
    let mut g = genesis(1);
    let (hash, class) = load_recent("test_contract__test_contract");
    let selector = starkstm_starknet::starknet_api::abi::abi_utils::selector_from_name(
        "segment_arena_builtin",
    )
    .0;
    let ep = class
        .casm()
        .expect("a Cairo 1 class")
        .entry_points_by_type
        .external
        .iter()
        .find(|ep| starkstm_starknet::Felt::from(&ep.selector) == selector)
        .expect("the entry point");
    assert!(
        ep.builtins.iter().any(|b| b == "segment_arena"),
        "{:?}",
        ep.builtins
    );
    g.state.declare(hash, class);
    let at = starkstm_starknet::genesis::address(0x7e57_u64);
    g.state.deploy(at, hash);
    let a = g.accounts[0];
    let out = execute(
        &g,
        &[g.invoke(&a, 0, &[call(at, "segment_arena_builtin", &[])])],
    );
    let r = &out.outputs()[0];
    assert_eq!(r.status, Status::Succeeded, "{r:?}");
}

#[test]
fn the_class_cache_prepares_each_class_once_and_checks_its_hash() {
    let cache = starkstm_starknet::class::ClassCache::new();
    let erc20 = ContractClass::from_casm_json(contracts::ERC20.casm).unwrap();
    let hash = erc20.compiled_class_hash();
    let mut prepared = 0;
    let a = cache
        .get_or_prepare(hash, || {
            prepared += 1;
            contracts::ERC20.casm.to_string()
        })
        .unwrap();
    let b = cache
        .get_or_prepare(hash, || unreachable!("cached"))
        .unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    assert_eq!(prepared, 1);
    assert_eq!(cache.len(), 1);
    let wrong = cache.get_or_prepare(
        starkstm_starknet::starknet_api::core::CompiledClassHash(starkstm_starknet::Felt::ONE),
        || contracts::COUNTER.casm.to_string(),
    );
    assert!(wrong
        .unwrap_err()
        .to_string()
        .contains("the class hashes to"));
}
