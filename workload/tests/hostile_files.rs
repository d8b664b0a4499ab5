//! Hostile block and genesis files: out-of-range felts, signed amounts, huge values, class
//! paths, FIFOs and devices, repeated transactions. Each is a short error naming what is wrong
//! and where, never a panic, a hang or a silently changed value.

use std::path::{Path, PathBuf};

use serde_json::Value;
use starkstm_starknet::genesis_file::load_genesis;
use starkstm_workload::block_file::{read_block, read_block_file, write_block};
use starkstm_workload::starknet::{random_block, RandomStarknetParams};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const P: &str = "0x800000000000011000000000000000000000000000000000000000000000001";

fn block_json(seed: u64) -> Value {
    let block = random_block(&RandomStarknetParams {
        txs: 40,
        accounts: 3,
        counters: 1,
        validate: true,
        seed,
        cairo0_accounts: false,
    })
    .unwrap();
    serde_json::from_str(&write_block(&block)).unwrap()
}

fn error_of(json: &Value) -> String {
    let text = serde_json::to_string(json).unwrap();
    match read_block(&text, Path::new("b.json")) {
        Ok(_) => panic!("the block file must be rejected"),
        Err(e) => e.to_string(),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("starkstm-hostile-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn first_of_type<'a>(json: &'a mut Value, kind: &str) -> (usize, &'a mut Value) {
    json["transactions"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
        .find(|(_, tx)| tx["type"] == kind)
        .unwrap_or_else(|| panic!("the random block has a {kind} transaction"))
}

#[test]
fn felts_not_below_the_prime_are_errors_naming_the_field() {
    let original = block_json(3);
    let wide = format!("0x1{}", "0".repeat(63)); // 2^252
    for value in [P.to_string(), wide] {
        let mut json = original.clone();
        let (i, tx) = first_of_type(&mut json, "invoke");
        tx["tx"]["nonce"] = Value::String(value.clone());
        let err = error_of(&json);
        assert!(
            err.contains(&format!("transactions[{i}].tx.nonce")),
            "{value}: {err}"
        );
        assert!(err.contains("not a felt"), "{err}");

        let mut json = original.clone();
        json["genesis"]["storage"][0]["value"] = Value::String(value.clone());
        let err = error_of(&json);
        assert!(err.contains("genesis.storage[0].value"), "{err}");

        let mut json = original.clone();
        json["genesis"]["contracts"][0]["address"] = Value::String(value);
        let err = error_of(&json);
        assert!(err.contains("genesis.contracts[0].address"), "{err}");
    }
    // The largest felt is fine where a felt is expected.
    let mut json = original.clone();
    json["genesis"]["storage"][0]["value"] =
        Value::String("0x800000000000011000000000000000000000000000000000000000000000000".into());
    read_block(&json.to_string(), Path::new("b.json")).unwrap();
}

#[test]
fn signed_and_padded_amounts_are_not_numbers() {
    let original = block_json(5);
    for bad in ["+5", "-5", " 5", "5e3", ""] {
        let mut json = original.clone();
        let (i, tx) = first_of_type(&mut json, "l1_handler");
        tx["paid_fee_on_l1"] = Value::String(bad.into());
        let err = error_of(&json);
        assert!(
            err.contains(&format!("transactions[{i}].paid_fee_on_l1")),
            "{bad:?}: {err}"
        );
    }
}

#[test]
fn huge_values_are_cut_in_errors() {
    let original = block_json(7);
    let huge = "z".repeat(5_000_000);
    let mut json = original.clone();
    json["genesis"]["classes"][0]["builtin"] = Value::String(huge.clone());
    let err = error_of(&json);
    assert!(err.len() < 300, "{} bytes: {}", err.len(), &err[..300]);
    assert!(err.contains("bytes"), "{err}");
    // A huge string where a number belongs: serde's message echoes it; ours cuts it.
    let mut json = original.clone();
    json["genesis"]["block"]["number"] = Value::String(huge);
    let err = error_of(&json);
    assert!(err.len() < 300, "{} bytes", err.len());
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn genesis_errors_give_positions_in_the_file_itself() {
    let mut json = block_json(9);
    json["genesis"]["storage"][2]["value"] = Value::Bool(true);
    let text = serde_json::to_string_pretty(&json).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"value\": true"))
        .unwrap()
        + 1;
    let err = read_block(&text, Path::new("b.json"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(line > 20, "the error must be deep in the file");
    assert!(err.contains(&format!("line {line} ")), "line {line}: {err}");
}

#[test]
fn a_repeated_transaction_is_an_error_naming_both_positions() {
    let json = block_json(11);
    for kind in ["l1_handler", "invoke"] {
        let mut copy = json.clone();
        let (i, tx) = first_of_type(&mut copy, kind);
        let tx = tx.clone();
        let txs = copy["transactions"].as_array_mut().unwrap();
        txs.push(tx);
        let j = txs.len() - 1;
        let err = error_of(&copy);
        assert!(
            err.contains(&format!("transactions[{j}] repeats transactions[{i}]")),
            "{kind}: {err}"
        );
    }
    // The original has no repeats.
    read_block(&json.to_string(), Path::new("b.json")).unwrap();
}

#[test]
fn block_files_name_no_class_paths_and_genesis_paths_are_bounded() {
    let dir = temp_dir("paths");
    let mut json = block_json(13);
    json["genesis"]["classes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({ "casm": "/dev/zero", "class_hash": "0x123" }));
    let err = error_of(&json);
    assert!(err.contains("self-contained"), "{err}");

    // A genesis file may name class files, but only regular ones of bounded size.
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let mut targets = vec![PathBuf::from("/dev/zero"), dir.clone()];
    if made {
        targets.push(fifo);
    }
    for target in targets {
        let genesis = dir.join("genesis.json");
        let text = serde_json::json!({
            "format": "starkstm-genesis/1",
            "classes": [{ "casm": target, "class_hash": "0x123" }],
        });
        std::fs::write(&genesis, text.to_string()).unwrap();
        let err = load_genesis(&genesis).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{target:?}: {err}");
    }
    // And the block file itself must be a regular file.
    let err = read_block_file(Path::new("/dev/zero"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a regular file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
