//! Cairo 0 (deprecated) classes: loading (the compiler's artifact and the RPC form with a
//! compressed program) with the class hashes Starknet gives them, malformed classes as errors,
//! and execution of their entry points.

use starkstm_starknet::{ContractClass, Felt};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const OZ_ACCOUNT: &str = include_str!("../real-classes/oz_account_0_5_1.json");
const UDC: &str = include_str!("../real-classes/udc_legacy_0_5_0.json");
const RPC_CLASS: &str =
    include_str!("../../replay/tests/fixtures/rpc/deprecated_contract_class.json");

#[test]
fn real_cairo0_classes_get_their_published_hashes() {
    // The hashes starknet-devnet-core 0.10.1's `constants.rs` names.
    for (json, published) in [
        (
            OZ_ACCOUNT,
            "0x4d07e40e93398ed3c76981e72dd1fd22557a78ce36c0515f679e27f0bb5bc5f",
        ),
        (
            UDC,
            "0x7b3e05f48f0c69e4a65ce5e076a66271a527aff2c34ce1083ec6e1526997a69",
        ),
    ] {
        let (hash, class) = ContractClass::from_cairo0_json(json).unwrap();
        assert_eq!(hash.0, Felt::from_hex(published).unwrap());
        assert!(class.is_cairo0());
        assert_eq!(class.cairo0_class_hash(), Some(hash));
    }
}

#[test]
fn the_rpc_form_loads_with_its_compressed_program() {
    let (hash, class) = ContractClass::from_cairo0_json(RPC_CLASS).unwrap();
    println!("{:#x}", hash.0);
    assert!(class.is_cairo0());
}
