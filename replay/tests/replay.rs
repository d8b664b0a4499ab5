//! Re-execution files made from generated blocks (recorded by running them over a
//! `RecordingState`) replay to their own diff, sequentially and in parallel; a missing read, a
//! wrong expected entry, a wrong hash, an unknown chain and corrupt or truncated files each
//! give their clear outcome. (Files the reference executor writes are replayed by
//! `.ci/conformance`.)

use std::num::NonZeroUsize;
use std::path::Path;

use serde_json::Value;
use starkstm_engine::{Config, ParallelExecutor, SequentialExecutor};
use starkstm_replay::{
    compare, node_class_json, record_block, EntryKind, FileError, ReexecutionFile, ReplayBlock,
    ReplayError,
};
use starkstm_starknet::starknet_api::block::StarknetVersion;
use starkstm_starknet::starknet_api::core::ClassHash;
use starkstm_starknet::{contracts, BlockState, ContractClass, Felt, StarknetVm, StateDiff};
use starkstm_workload::starknet_workloads::{generate, Workload, WorkloadSpec};

/// The re-execution file of a generated block, as JSON.
fn recorded_file(workload: Workload, txs: usize) -> String {
    let block = generate(&WorkloadSpec {
        workload,
        txs,
        accounts: 24,
        failing: 0.0,
        seed: 5,
        argent: None,
    })
    .unwrap();
    record_block(
        &block.genesis.context,
        &block.genesis.state,
        &block.txs,
        |h| contracts::sierra_of(h).map(|json| node_class_json(json).unwrap()),
    )
    .unwrap()
    .to_json()
}

fn load(json: &str) -> Result<ReplayBlock, ReplayError> {
    let file = ReexecutionFile::parse(json, Path::new("test.json"))?;
    ReplayBlock::new(file)
}

/// Sequential and parallel (2 threads) runs: the sequential diff and whether both agree.
fn replay(block: &ReplayBlock) -> Result<(StateDiff, bool), String> {
    let vm = StarknetVm::try_new(block.context.clone()).unwrap();
    let base = BlockState::new(&block.state, &block.context);
    let seq = SequentialExecutor::new()
        .execute_block(&vm, &base, &block.txs)
        .map_err(|e| {
            format!(
                "{e}: {}",
                std::error::Error::source(&e)
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            )
        })?;
    let executor =
        ParallelExecutor::new(Config::new(NonZeroUsize::new(2).unwrap()).with_min_parallel_txs(0))
            .unwrap();
    let par = executor
        .execute_block(&vm, &base, &block.txs)
        .map_err(|e| e.to_string())?;
    let (diff, _) = StateDiff::from_changes(seq.state_changes(), &block.state, &block.context)
        .map_err(|e| e.0)?;
    Ok((diff, par.output() == &seq))
}

#[test]
fn recorded_blocks_replay_to_their_diff_in_parallel_too() {
    for workload in [
        Workload::Mix,
        Workload::Deploys,
        Workload::Syscalls,
        Workload::SyscallsSierraGas,
        Workload::Cairo0,
    ] {
        let json = recorded_file(workload, 30);
        let block = load(&json).unwrap();
        assert_eq!(block.txs.len(), 30);
        let (diff, agree) = replay(&block).unwrap();
        assert!(agree, "{workload}: parallel differs from sequential");
        assert_eq!(compare(&block.expected, &diff), vec![], "{workload}");
        assert!(!block.expected.storage_updates.is_empty());
    }
}

#[test]
fn a_missing_read_names_the_key() {
    let json = recorded_file(Workload::Transfers, 6);
    let mut value: Value = serde_json::from_str(&json).unwrap();
    // Drop the first sender's nonce from the recorded reads.
    let sender = value["serializable_data_next_block"]["transactions_next_block"][0][0]["Invoke"]
        ["V3"]["sender_address"]
        .as_str()
        .unwrap()
        .to_string();
    let nonces = value["serializable_data_prev_block"]["state_maps"]["nonces"]
        .as_object_mut()
        .unwrap();
    assert!(nonces.remove(&sender).is_some());
    let block = load(&value.to_string()).unwrap();
    let err = replay(&block).unwrap_err();
    assert!(
        err.contains("records no read") && err.contains(&sender),
        "{err}"
    );
}

#[test]
fn a_wrong_expected_entry_is_listed_with_both_values() {
    let json = recorded_file(Workload::Transfers, 6);
    let mut block = load(&json).unwrap();
    let (address, slots) = block.expected.storage_updates.iter_mut().next().unwrap();
    let address = *address.0.key();
    let (key, value) = slots.iter_mut().next().unwrap();
    let key = *key.0.key();
    let actual = *value;
    *value += starkstm_starknet::Felt::ONE;
    let wrong = *value;
    let (diff, _) = replay(&block).unwrap();
    let entries = compare(&block.expected, &diff);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(
        (
            entry.kind,
            entry.at,
            entry.key,
            entry.expected,
            entry.actual
        ),
        (
            EntryKind::Storage,
            address,
            Some(key),
            Some(wrong),
            Some(actual)
        )
    );
    // An entry only the chain has.
    block.expected.address_to_nonce.insert(
        starkstm_starknet::genesis::address(0xdead_u64),
        starkstm_starknet::starknet_api::core::Nonce(starkstm_starknet::Felt::ONE),
    );
    let entries = compare(&block.expected, &diff);
    assert!(entries.iter().any(|e| e.kind == EntryKind::Nonce
        && e.actual.is_none()
        && e.to_string().contains("(absent)")));
}

#[test]
fn a_transaction_that_does_not_hash_to_the_chains_hash_is_an_error() {
    let json = recorded_file(Workload::Transfers, 4);
    let mut value: Value = serde_json::from_str(&json).unwrap();
    value["serializable_data_next_block"]["transactions_next_block"][2][1] = Value::from("0x1234");
    let err = load(&value.to_string()).unwrap_err().to_string();
    assert!(
        err.starts_with("transaction 2 (0x1234)") && err.contains("not the chain's hash"),
        "{err}"
    );
}

#[test]
fn an_unknown_chain_needs_its_fee_tokens() {
    let json = recorded_file(Workload::Transfers, 2);
    let mut value: Value = serde_json::from_str(&json).unwrap();
    assert!(value
        .as_object_mut()
        .unwrap()
        .remove("fee_token_addresses")
        .is_some());
    let err = load(&value.to_string()).unwrap_err();
    assert!(matches!(err, ReplayError::UnknownChain(_)), "{err}");
}

#[test]
fn a_file_without_a_chain_is_mainnets() {
    // Starknet's tool wrote no `chain_id` before it replayed other chains: such files are
    // mainnet's, so this block's transactions (hashed on starkstm's test chain) do not hash
    // to what it records there.
    let json = recorded_file(Workload::Transfers, 2);
    let mut value: Value = serde_json::from_str(&json).unwrap();
    assert!(value.as_object_mut().unwrap().remove("chain_id").is_some());
    let err = load(&value.to_string()).unwrap_err().to_string();
    assert!(err.contains("on chain SN_MAIN"), "{err}");
}

#[test]
fn the_protocol_version_is_read_beside_the_block_info_or_in_it() {
    let json = recorded_file(Workload::Transfers, 2);
    let value: Value = serde_json::from_str(&json).unwrap();
    let next = "serializable_data_next_block";
    let edit = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut v = value.clone();
        f(v[next].as_object_mut().unwrap());
        v.to_string()
    };
    let info = |half: &mut serde_json::Map<String, Value>| -> serde_json::Map<String, Value> {
        half["block_info_next_block"].as_object().unwrap().clone()
    };
    let version = value[next]["starknet_version"]
        .as_str()
        .unwrap()
        .to_string();
    // Older files: only beside the block info.
    let older = edit(&|half| {
        let mut i = info(half);
        i.remove("starknet_version").unwrap();
        half.insert("block_info_next_block".into(), Value::Object(i));
    });
    assert_eq!(
        load(&older).unwrap().context.starknet_version.to_string(),
        version
    );
    // Only in the block info.
    let inner = edit(&|half| {
        half.remove("starknet_version").unwrap();
    });
    assert_eq!(
        load(&inner).unwrap().context.starknet_version.to_string(),
        version
    );
    // Neither, or two that differ: an error saying so.
    let neither = edit(&|half| {
        half.remove("starknet_version").unwrap();
        let mut i = info(half);
        i.remove("starknet_version").unwrap();
        half.insert("block_info_next_block".into(), Value::Object(i));
    });
    let err = load(&neither).unwrap_err().to_string();
    assert!(err.contains("no starknet_version"), "{err}");
    let differ = edit(&|half| {
        half.insert("starknet_version".into(), Value::from("0.13.1"));
    });
    let err = load(&differ).unwrap_err().to_string();
    assert!(err.contains("says starknet_version 0.13.1"), "{err}");
}

#[test]
fn the_newer_field_names_load_too() {
    let json = recorded_file(Workload::Transfers, 2)
        .replace(
            "serializable_data_prev_block",
            "serializable_data_base_block",
        )
        .replace(
            "serializable_data_next_block",
            "serializable_data_reexecuted_block",
        )
        .replace("block_info_next_block", "reexecuted_block_info")
        .replace("transactions_next_block", "reexecuted_block_transactions")
        .replace("state_diff_next_block", "reexecuted_block_state_diff");
    let block = load(&json).unwrap();
    assert_eq!(block.txs.len(), 2);
}

#[test]
fn corrupt_and_truncated_files_are_errors_with_a_position() {
    let json = recorded_file(Workload::Transfers, 2);
    let truncated = &json[..json.len() / 2];
    match ReexecutionFile::parse(truncated, Path::new("cut.json")) {
        Err(FileError::Malformed { path, line, .. }) => {
            assert_eq!(path, "cut.json");
            assert!(line > 1);
        }
        other => panic!("{other:?}"),
    }
    let corrupt = json.replacen("\"old_block_hash\"", "\"old_hash\"", 1);
    let err = ReexecutionFile::parse(&corrupt, Path::new("c.json")).unwrap_err();
    assert!(err.to_string().contains("old_block_hash"), "{err}");
    let not_hex = json.replacen("\"old_block_hash\": \"0x", "\"old_block_hash\": \"zz", 1);
    assert!(ReexecutionFile::parse(&not_hex, Path::new("h.json")).is_err());
    let missing = Path::new("/nonexistent/starkstm-replay.json");
    assert!(matches!(
        ReexecutionFile::read(missing),
        Err(FileError::Io { .. })
    ));
}

#[test]
fn a_gzip_file_is_read_and_a_corrupt_or_truncated_one_is_an_io_error() {
    use std::io::Write;
    let json = recorded_file(Workload::Transfers, 2);
    let dir = std::env::temp_dir().join(format!("starkstm-gz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(json.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let good = dir.join("block.json.gz");
    std::fs::write(&good, &bytes).unwrap();
    let file = ReexecutionFile::read(&good).unwrap();
    assert_eq!(
        file.serializable_data_next_block
            .transactions_next_block
            .len(),
        2
    );
    for (name, content) in [
        ("plain.json.gz", json.as_bytes().to_vec()),
        ("cut.json.gz", bytes[..bytes.len() / 2].to_vec()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        match ReexecutionFile::read(&path) {
            Err(FileError::Io { path: p, source }) => {
                assert!(p.ends_with(name), "{p}");
                assert_eq!(source.kind(), std::io::ErrorKind::InvalidData, "{source}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cairo0_class_must_load_and_hash_to_where_it_is_filed() {
    let json = recorded_file(Workload::Transfers, 2);
    let mut value: Value = serde_json::from_str(&json).unwrap();
    let mapping = value["serializable_data_prev_block"]["contract_class_mapping"]
        .as_object_mut()
        .unwrap();
    let hash = mapping.keys().next().unwrap().clone();
    // A program that is not gzip.
    mapping.insert(
        hash.clone(),
        serde_json::json!({"program": "H4sI", "entry_points_by_type": {}, "abi": []}),
    );
    let err = load(&value.to_string()).unwrap_err().to_string();
    assert!(
        err.contains(&hash) && err.contains("compressed program"),
        "{err}"
    );
    // A real Cairo 0 class, filed under another class's hash.
    let (_, probe) = contracts::PROBE_CAIRO0.load().unwrap();
    let mapping = value["serializable_data_prev_block"]["contract_class_mapping"]
        .as_object_mut()
        .unwrap();
    mapping.insert(hash.clone(), probe.cairo0_rpc_json().unwrap());
    let err = load(&value.to_string()).unwrap_err().to_string();
    assert!(
        err.contains(&hash) && err.contains("Cairo 0 class hashes to"),
        "{err}"
    );
}

/// A recorded block at `version` whose state holds every recorded compiled class hash in its
/// old (Poseidon) form; with `migrations`, the expected diff gives each its Blake2s hash.
fn legacy_file(version: StarknetVersion, migrations: bool) -> (String, usize) {
    let mut block = generate(&WorkloadSpec {
        workload: Workload::Mix,
        txs: 12,
        accounts: 10,
        failing: 0.0,
        seed: 3,
        argent: None,
    })
    .unwrap();
    block.genesis.context.starknet_version = version;
    let json = record_block(
        &block.genesis.context,
        &block.genesis.state,
        &block.txs,
        |h| contracts::sierra_of(h).map(|json| node_class_json(json).unwrap()),
    )
    .unwrap()
    .to_json();
    let mut value: Value = serde_json::from_str(&json).unwrap();
    let recorded: Vec<String> = value["serializable_data_prev_block"]["state_maps"]
        ["compiled_class_hashes"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for hash in &recorded {
        let sierra = contracts::sierra_of(ClassHash(Felt::from_hex_unchecked(hash))).unwrap();
        let (_, class) = ContractClass::from_sierra_json(sierra).unwrap();
        let legacy = class.legacy_compiled_class_hash().0;
        assert_ne!(legacy, class.compiled_class_hash().0);
        value["serializable_data_prev_block"]["state_maps"]["compiled_class_hashes"][hash] =
            Value::String(format!("{legacy:#x}"));
        if migrations {
            value["serializable_data_next_block"]["state_diff_next_block"]
                ["class_hash_to_compiled_class_hash"][hash] =
                Value::String(format!("{:#x}", class.compiled_class_hash().0));
        }
    }
    (value.to_string(), recorded.len())
}

#[test]
fn a_0_14_1_block_migrates_the_compiled_class_hashes_of_the_classes_it_runs() {
    // 0.14.1 migrates: each class the block ran (accounts, the fee token, the contracts they
    // call) gets its Blake2s compiled class hash in the diff. (`.ci/conformance` checks the
    // same against blockifier.)
    let (json, recorded) = legacy_file(StarknetVersion::V0_14_1, true);
    assert!(recorded >= 3, "{recorded}");
    let block = load(&json).unwrap();
    let (diff, agree) = replay(&block).unwrap();
    assert!(agree);
    assert_eq!(compare(&block.expected, &diff), vec![]);
    assert_eq!(diff.declared_classes.len(), recorded);
    // 0.14.2 does not migrate, whatever the state holds.
    let (json, _) = legacy_file(StarknetVersion::V0_14_2, false);
    let block = load(&json).unwrap();
    let (diff, agree) = replay(&block).unwrap();
    assert!(agree);
    assert!(
        diff.declared_classes.is_empty(),
        "{:?}",
        diff.declared_classes
    );
    assert_eq!(compare(&block.expected, &diff), vec![]);
}
