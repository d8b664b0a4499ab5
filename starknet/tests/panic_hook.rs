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

    let code = casm! {
        %{ (memory[ap + 0], memory[ap + 1]) = divmod(7, 0) %}
        [ap + 0] = 1, ap++;
        ret;
    };
    hand_written_class(&code.instructions, &["boom"])
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
