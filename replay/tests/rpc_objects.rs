//! Real mainnet RPC objects (`tests/fixtures/rpc/`, see its NOTICE) parse into `starknet_api`
//! values, and every transaction's hash recomputes to the chain's `transaction_hash`.

use serde_json::Value;
use starkstm_replay::rpc_objects::{block_info, transaction, transaction_hash};
use starkstm_starknet::starknet_api::block::{GasPrice, StarknetVersion};
use starkstm_starknet::starknet_api::core::ChainId;
use starkstm_starknet::starknet_api::transaction::Transaction;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/rpc/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_transaction_kind_parses_and_hashes_to_the_chains_hash() {
    let txs = fixture("transactions.json");
    let txs = txs.as_object().unwrap();
    assert_eq!(txs.len(), 9);
    for (name, object) in txs {
        let (tx, hash) = transaction(object).unwrap_or_else(|e| panic!("{name}: {e}"));
        let kind = match &tx {
            Transaction::Invoke(_) => "invoke",
            Transaction::DeployAccount(_) => "deploy_account",
            Transaction::Declare(_) => "declare",
            Transaction::L1Handler(_) => "l1_handler",
            Transaction::Deploy(_) => "deploy",
        };
        assert!(name.starts_with(kind), "{name} parsed as {kind}");
        assert_eq!(
            transaction_hash(&tx, &ChainId::Mainnet).unwrap(),
            hash,
            "{name}: the recomputed hash is not the chain's"
        );
    }
}

#[test]
fn the_block_header_gives_the_block_info() {
    let info = block_info(&fixture("block_header.json")).unwrap();
    assert_eq!(info.block_number.0, 700_000);
    assert_eq!(info.block_timestamp.0, 1_725_724_084);
    assert!(info.use_kzg_da);
    assert_eq!(
        info.starknet_version,
        StarknetVersion::try_from("0.13.2.1").unwrap()
    );
    let strk = &info.gas_prices.strk_gas_prices;
    assert_eq!(GasPrice::from(strk.l1_gas_price).0, 0xd28710bbc88);
    assert_eq!(GasPrice::from(strk.l1_data_gas_price).0, 0x1459);
    let eth = &info.gas_prices.eth_gas_prices;
    assert_eq!(GasPrice::from(eth.l1_gas_price).0, 0xa5883d4c);
}

#[test]
fn malformed_objects_are_clear_errors() {
    let txs = fixture("transactions.json");
    let mut invoke = txs["invoke_v3"].clone();
    invoke["type"] = Value::from("DEPLOY");
    let err = transaction(&invoke).unwrap_err().to_string();
    assert!(
        err.contains("DEPLOY") && err.contains("transaction 0x"),
        "{err}"
    );
    let mut no_hash = txs["invoke_v1"].clone();
    no_hash.as_object_mut().unwrap().remove("transaction_hash");
    assert!(transaction(&no_hash)
        .unwrap_err()
        .to_string()
        .contains("transaction_hash"));
    let mut bad_nonce = txs["invoke_v3"].clone();
    bad_nonce["nonce"] = Value::from("not hex");
    assert!(transaction(&bad_nonce).is_err());
    // A tampered field changes the hash.
    let mut tampered = txs["invoke_v3"].clone();
    tampered["tip"] = Value::from("0x1");
    let (tx, hash) = transaction(&tampered).unwrap();
    assert_ne!(transaction_hash(&tx, &ChainId::Mainnet).unwrap(), hash);
    let mut header = fixture("block_header.json");
    header["l1_gas_price"]["price_in_fri"] = Value::from("0x0");
    assert!(block_info(&header)
        .unwrap_err()
        .to_string()
        .contains("is zero"));
    let mut header = fixture("block_header.json");
    header["l1_da_mode"] = Value::from("SOMETHING");
    assert!(block_info(&header).is_err());
}

#[test]
fn a_state_update_gives_the_committed_diff() {
    use starkstm_replay::rpc_objects::state_diff;
    let update = serde_json::json!({
        "block_hash": "0x1",
        "new_root": "0x2",
        "old_root": "0x3",
        "state_diff": {
            "storage_diffs": [
                {"address": "0x4718", "storage_entries": [
                    {"key": "0x10", "value": "0x5"}, {"key": "0x11", "value": "0x0"}]},
                {"address": "0x99", "storage_entries": []}
            ],
            "nonces": [{"contract_address": "0xabc", "nonce": "0x7"}],
            "deployed_contracts": [{"address": "0xd1", "class_hash": "0xc1"}],
            "replaced_classes": [{"contract_address": "0xd2", "class_hash": "0xc2"}],
            "declared_classes": [{"class_hash": "0xc3", "compiled_class_hash": "0xcc3"}],
            "deprecated_declared_classes": ["0xc4"],
            "migrated_compiled_classes": []
        }
    });
    let diff = state_diff(&update).unwrap();
    assert_eq!(
        diff.storage_updates.len(),
        1,
        "an address without entries adds nothing"
    );
    let slots = diff.storage_updates.values().next().unwrap();
    assert_eq!(slots.len(), 2);
    assert_eq!(diff.address_to_nonce.len(), 1);
    assert_eq!(diff.address_to_class_hash.len(), 2);
    assert_eq!(diff.class_hash_to_compiled_class_hash.len(), 1);
    // The bare state_diff object reads the same.
    assert_eq!(state_diff(&update["state_diff"]).unwrap(), diff);
    let mut twice = update.clone();
    twice["state_diff"]["replaced_classes"][0]["contract_address"] = Value::from("0xd1");
    assert!(state_diff(&twice)
        .unwrap_err()
        .to_string()
        .contains("two classes"));
    let mut broken = update;
    broken["state_diff"]["nonces"] = Value::from(3);
    assert!(state_diff(&broken)
        .unwrap_err()
        .to_string()
        .contains("not a list"));
}
