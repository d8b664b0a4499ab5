//! Block files round-trip (a saved block replays to the same receipts and state), and broken
//! files are clear errors.

use std::path::Path;

use starkstm_engine::SequentialExecutor;
use starkstm_starknet::{BlockState, StarknetVm, StateDiff};
use starkstm_workload::block_file::{read_block, write_block, OutputFile};
use starkstm_workload::starknet::{random_block, RandomStarknetParams, StarknetBlock};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn execute(block: &StarknetBlock) -> OutputFile {
    let vm = StarknetVm::new(block.genesis.context.clone());
    let base = BlockState::new(&block.genesis.state, &block.genesis.context);
    let out = SequentialExecutor::new()
        .execute_block(&vm, &base, &block.txs)
        .unwrap();
    let (diff, _) = StateDiff::from_changes(
        out.state_changes(),
        &block.genesis.state,
        &block.genesis.context,
    )
    .unwrap();
    OutputFile::new(out.outputs().to_vec(), &diff)
}

#[test]
fn cairo0_blocks_round_trip_with_a_class_given_inline() {
    // Cairo 0 accounts, and a Cairo 0 class of no builtin (Braavos's proxy, as a node
    // returns it), written inline and read back under its hash.
    let mut block = random_block(&RandomStarknetParams {
        txs: 30,
        accounts: 4,
        counters: 2,
        validate: true,
        seed: 12,
        cairo0_accounts: true,
    })
    .unwrap();
    let proxy = include_str!("../../replay/tests/fixtures/rpc/deprecated_contract_class.json");
    let (hash, class) = starkstm_starknet::ContractClass::from_cairo0_json(proxy).unwrap();
    block
        .genesis
        .state
        .declare(hash, std::sync::Arc::new(class));
    let text = write_block(&block);
    assert!(text.contains("\"cairo0_class\""));
    let loaded = read_block(&text, Path::new("c.json")).unwrap();
    assert!(loaded.genesis.state.classes[&hash].is_cairo0());
    assert_eq!(execute(&block), execute(&loaded));
}

#[test]
fn a_saved_block_replays_identically() {
    // Every transaction kind, a class declared in the block, an in-block deploy-account.
    let block = random_block(&RandomStarknetParams {
        txs: 60,
        accounts: 5,
        counters: 2,
        validate: true,
        seed: 11,
        cairo0_accounts: false,
    })
    .unwrap();
    let text = write_block(&block);
    let loaded = read_block(&text, Path::new("b.json")).unwrap();
    assert_eq!(loaded.txs.len(), block.txs.len());
    for (a, b) in block.txs.iter().zip(&loaded.txs) {
        assert_eq!(a.hash(), b.hash());
    }
    let (original, replayed) = (execute(&block), execute(&loaded));
    assert!(
        original.differences(&replayed, 10).is_empty(),
        "{:?}",
        original.differences(&replayed, 10)
    );
    assert_eq!(original, replayed);
    // Output files round-trip through JSON too.
    let json = serde_json::to_string(&original).unwrap();
    let back: OutputFile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, original);
    // And a changed receipt is reported, with both values and a count per field.
    let mut changed = original.clone();
    let fee = changed.receipts[3].actual_fee;
    changed.receipts[3].actual_fee += 1;
    changed.receipts[5].gas.l2_gas += 7;
    let (key, value) = (
        changed.state_diff.storage[0].1,
        changed.state_diff.storage[0].2,
    );
    changed.state_diff.storage[0].2 = value + starkstm_starknet::Felt::ONE;
    changed.state_diff.nonces.pop();
    let lines = original.differences(&changed, 10);
    assert_eq!(lines[0], format!("receipt 3: fee {fee} ≠ {}", fee + 1));
    assert!(lines[1].starts_with("receipt 5: l2_gas "), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with("state diff: storage (")
            && l.contains(&format!("{:#x})", key.0.key()))
            && l.ends_with(&format!(
                "{value:#x} ≠ {:#x}",
                value + starkstm_starknet::Felt::ONE
            ))),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("state diff: nonce ") && l.ends_with("≠ absent")),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().unwrap(),
        "differing: fee 1, l2_gas 1, nonce 1, storage 1"
    );
    // Only the protocol's fields count against another executor: our resource accounting
    // (steps, builtins, syscalls) is not compared then.
    let mut reference = original.clone();
    reference.executor = "blockifier".into();
    reference.receipts[2].resources.steps += 1;
    assert!(original.differences(&reference, 10).is_empty());
    let mut ours = original.clone();
    ours.receipts[2].resources.steps += 1;
    assert_eq!(
        original.differences(&ours, 10).last().unwrap(),
        "differing: resources 1"
    );
}

#[test]
fn broken_block_files_are_one_line_errors() {
    let block = random_block(&RandomStarknetParams {
        txs: 5,
        accounts: 2,
        counters: 1,
        validate: false,
        seed: 1,
        cairo0_accounts: false,
    })
    .unwrap();
    let text = write_block(&block);
    let cases = [
        (text[..text.len() / 2].to_string(), "EOF while parsing"),
        (
            text.replacen("starkstm-block/2", "starkstm-block/9", 1),
            "expected \"starkstm-block/2\"",
        ),
        (
            text.replacen("\"invoke\"", "\"teleport\"", 1),
            "unknown variant `teleport`",
        ),
        ("[]".to_string(), "expected struct BlockJson"),
        (
            text.replacen("\"builtin\":\"erc20\"", "\"builtin\":\"nope\"", 1),
            "no builtin class \"nope\"",
        ),
    ];
    for (text, expected) in cases {
        let err = read_block(&text, Path::new("b.json"))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        assert!(err.starts_with("b.json"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn the_block_context_round_trips_and_older_files_still_load() {
    use starkstm_starknet::GasPrices;
    let block = starkstm_workload::starknet_workloads::generate(
        &starkstm_workload::starknet_workloads::WorkloadSpec {
            workload: starkstm_workload::starknet_workloads::Workload::Transfers,
            txs: 4,
            accounts: 4,
            failing: 0.0,
            seed: 3,
            argent: None,
        },
    )
    .unwrap();
    let context = &block.genesis.context;
    assert_eq!(context.gas_prices, GasPrices::REALISTIC_STRK);
    assert_eq!(context.starknet_version.to_string(), "0.14.2");
    assert!(context.old_block_hash.is_some() && context.use_kzg_da);
    let text = write_block(&block);
    let loaded = read_block(&text, Path::new("b.json"))
        .unwrap()
        .genesis
        .context;
    assert_eq!(loaded.gas_prices, context.gas_prices);
    assert_eq!(loaded.eth_gas_prices, context.eth_gas_prices);
    assert_eq!(loaded.starknet_version, context.starknet_version);
    assert_eq!(loaded.old_block_hash, context.old_block_hash);
    assert_eq!(loaded.eth_fee_token, context.eth_fee_token);
    // A starkstm-block/1 file: one gas price, no version.
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["format"] = "starkstm-block/1".into();
    let b = json["genesis"]["block"].as_object_mut().unwrap();
    for field in [
        "gas_prices",
        "eth_gas_prices",
        "starknet_version",
        "use_kzg_da",
        "old_block_hash",
        "eth_fee_token",
    ] {
        b.remove(field);
    }
    b.insert("l2_gas_price".into(), 7.into());
    let old = read_block(&json.to_string(), Path::new("old.json"))
        .unwrap()
        .genesis
        .context;
    assert_eq!(old.gas_prices.l2_gas, 7);
    assert_eq!(old.gas_prices.l1_gas, 1);
    assert_eq!(old.starknet_version.to_string(), "0.14.2");
    assert_eq!(old.old_block_hash, None);
    // Unknown versions and zero prices are errors naming the field.
    let mut bad = json.clone();
    bad["genesis"]["block"]["starknet_version"] = "0.12.3".into();
    let err = read_block(&bad.to_string(), Path::new("b.json"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("block.starknet_version"), "{err}");
    let mut bad = json.clone();
    bad["genesis"]["block"]["l2_gas_price"] = 0.into();
    let err = read_block(&bad.to_string(), Path::new("b.json"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("non-zero"), "{err}");
}

/// A random block holds each transaction once (a block file with a repeat is refused), whatever
/// the seed: rejected transactions carry an amount of their own, and a repeat is left out.
#[test]
fn random_blocks_never_repeat_a_transaction() {
    for seed in 0..24 {
        let block = random_block(&RandomStarknetParams {
            txs: 60,
            accounts: 3,
            counters: 2,
            validate: true,
            seed,
            cairo0_accounts: seed % 2 == 0,
        })
        .unwrap();
        let mut seen = std::collections::HashSet::new();
        for tx in &block.txs {
            assert!(
                seen.insert(tx.hash()),
                "seed {seed}: {:#x} repeats",
                tx.hash().0
            );
        }
    }
}
