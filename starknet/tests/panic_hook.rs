//! A cairo-vm panic that the VM catches (a `DivMod` hint dividing by zero, in a class written
//! by hand) reverts its transaction and prints nothing, while a panic anywhere else still
//! reaches the process's panic hook. Its own test binary: the panic hook is process-wide.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use starkstm_starknet::genesis::address;
use starkstm_starknet::starknet_api::core::ClassHash;
use starkstm_starknet::{ContractClass, Felt, Status};

/// Panics the hook was shown.
static REPORTED: AtomicUsize = AtomicUsize::new(0);

/// A class whose one entry point, `boom`, runs `DivMod` with a zero divisor first.
fn divide_by_zero_class() -> ContractClass {
    use cairo_lang_casm::casm;
    use cairo_lang_starknet_classes::casm_contract_class::{
        CasmContractClass, CasmContractEntryPoint, CasmContractEntryPoints,
    };
    use num_bigint::BigUint;

    let code = casm! {
        %{ (memory[ap + 0], memory[ap + 1]) = divmod(7, 0) %}
        [ap + 0] = 1, ap++;
        ret;
    };
    let mut bytecode = Vec::new();
    let mut hints = Vec::new();
    for instruction in &code.instructions {
        if !instruction.hints.is_empty() {
            hints.push((bytecode.len(), instruction.hints.clone()));
        }
        for word in instruction.assemble().encode() {
            let value = word.to_biguint().expect("non-negative");
            bytecode.push(cairo_lang_utils::bigint::BigUintAsHex { value });
        }
    }
    let selector = starkstm_starknet::starknet_api::abi::abi_utils::selector_from_name("boom");
    let casm = CasmContractClass {
        prime: BigUint::parse_bytes(
            b"800000000000011000000000000000000000000000000000000000000000001",
            16,
        )
        .unwrap(),
        compiler_version: "hand-written".into(),
        bytecode,
        bytecode_segment_lengths: None,
        hints,
        pythonic_hints: None,
        entry_points_by_type: CasmContractEntryPoints {
            external: vec![CasmContractEntryPoint {
                selector: BigUint::from_bytes_be(&selector.0.to_bytes_be()),
                offset: 0,
                builtins: vec![],
            }],
            l1_handler: vec![],
            constructor: vec![],
        },
    };
    ContractClass::from_casm(casm).unwrap()
}

#[test]
fn a_caught_vm_panic_reverts_silently_and_other_panics_still_report() {
    // Installed before the VM's own hook, which must defer to it for panics it does not catch.
    std::panic::set_hook(Box::new(|_| {
        REPORTED.fetch_add(1, Ordering::Relaxed);
    }));
    let mut g = genesis(1);
    let hash = ClassHash(Felt::from(0xd1d0_u64));
    g.state.declare(hash, Arc::new(divide_by_zero_class()));
    let at = address(0xd1d0_u64);
    g.state.deploy(at, hash);
    let a = g.accounts[0];
    let out = execute(&g, &[g.invoke(&a, 0, &[call(at, "boom", &[])])]);
    let reason = reverted_reason(&out.outputs()[0]);
    assert!(reason.contains("panicked"), "{reason}");
    assert!(!matches!(out.outputs()[0].status, Status::Rejected(_)));
    assert_eq!(
        REPORTED.load(Ordering::Relaxed),
        0,
        "the caught panic reached the hook"
    );
    // A panic the VM does not catch is still reported.
    let _ = std::panic::catch_unwind(|| panic!("a real bug"));
    assert_eq!(REPORTED.load(Ordering::Relaxed), 1);
}
