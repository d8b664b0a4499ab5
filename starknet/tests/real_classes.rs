//! Real Starknet classes (`starknet/real-classes/`: the STRK and ETH tokens, the UDC,
//! OpenZeppelin's account 1.0.0) get the class hashes published for them, with their ABI as the
//! compiler writes it (an array) or as nodes and declare transactions carry it (a string); they
//! compile and load either way; and a genesis can hold them inline and refer to them by hash.

use std::path::Path;

use starkstm_starknet::class::{abi_string, compile_sierra, sierra_class_hash};
use starkstm_starknet::genesis_file::parse_genesis;
use starkstm_starknet::starknet_api::core::ClassHash;
use starkstm_starknet::{ContractClass, Felt};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `(file, published class hash)`: the hashes starknet-devnet-core 0.10.1 publishes.
const CLASSES: [(&str, &str, &str); 4] = [
    (
        "erc20_strk",
        include_str!("../real-classes/erc20_strk.sierra.json"),
        "0x02e77ee61d4df3d988ee1f42ea5442e913862cc82c2584d212ecda76666498fc",
    ),
    (
        "erc20_eth",
        include_str!("../real-classes/erc20_eth.sierra.json"),
        "0x00b45dbc3714180381c5680e41931172d67194d77d504413465390e0bef194ec",
    ),
    (
        "udc",
        include_str!("../real-classes/udc.sierra.json"),
        "0x01b2df6d8861670d4a8ca4670433b2418d78169c2947f46dc614e69f333745c8",
    ),
    (
        "oz_account_1_0_0",
        include_str!("../real-classes/oz_account_1_0_0.sierra.json"),
        "0x05b4b537eaa2399e3aa99c4e2e0208ebd6c71bc1467938cd52c798c601e43564",
    ),
];

/// The class with its ABI replaced by the string its hash covers (the RPC form).
fn with_string_abi(json: &str) -> String {
    let abi = abi_string(json).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    value["abi"] = serde_json::Value::String(abi);
    value.to_string()
}

fn published(hex: &str) -> ClassHash {
    ClassHash(Felt::from_hex(hex).unwrap())
}

#[test]
fn real_classes_hash_as_published_with_either_abi_form() {
    for (name, json, hash) in CLASSES {
        assert_eq!(sierra_class_hash(json).unwrap(), published(hash), "{name}");
        assert_eq!(
            sierra_class_hash(&with_string_abi(json)).unwrap(),
            published(hash),
            "{name} with its ABI as a string"
        );
    }
}

#[test]
fn real_classes_compile_and_load_with_either_abi_form() {
    for (name, json, hash) in CLASSES {
        let (h, class) = ContractClass::from_sierra_json(&with_string_abi(json))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(h, published(hash), "{name}");
        let again = compile_sierra(json).unwrap();
        assert_eq!(
            ContractClass::from_casm(again)
                .unwrap()
                .compiled_class_hash(),
            class.compiled_class_hash(),
            "{name}: the ABI's form changes nothing compiled"
        );
    }
}

#[test]
fn a_genesis_holds_real_classes_inline_and_deploys_them_by_hash() {
    let (_, strk, strk_hash) = CLASSES[0];
    let (_, account, account_hash) = CLASSES[3];
    let text = format!(
        r#"{{ "format": "starkstm-genesis/1",
             "classes": [ {{ "sierra_class": {strk} }},
                          {{ "sierra_class": {}, "class_hash": "{account_hash}" }} ],
             "contracts": [ {{ "address": "0x4718", "class": "{strk_hash}" }},
                            {{ "address": "0xacc", "class": "{account_hash}" }} ] }}"#,
        with_string_abi(account)
    );
    let (state, _) = parse_genesis(&text, Path::new("g.json")).unwrap();
    assert!(state.classes.contains_key(&published(strk_hash)));
    assert_eq!(
        state.class_hashes[&starkstm_starknet::genesis::address(0x4718_u64)],
        published(strk_hash)
    );
    // A wrong hash beside an inline class is an error that gives the real one.
    let wrong = text.replace(
        &format!("\"class_hash\": \"{account_hash}\""),
        "\"class_hash\": \"0x1\"",
    );
    let err = parse_genesis(&wrong, Path::new("g.json"))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains(&account_hash[3..]), "{err}");
}

#[test]
fn argent_class_loads_only_with_its_published_hash() {
    // Argent's class is not shipped (GPL-3.0); another real class must be refused by name.
    let oz = include_str!("../real-classes/oz_account_1_0_0.sierra.json");
    let err = starkstm_starknet::genesis::ArgentClass::from_sierra_json(oz).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("not Argent's account 0.4.0")
            && message
                .contains("0x5b4b537eaa2399e3aa99c4e2e0208ebd6c71bc1467938cd52c798c601e43564"),
        "{message}"
    );
    assert!(starkstm_starknet::genesis::ArgentClass::from_sierra_json("{").is_err());
}
