//! One test per syscall we serve (and one we do not), through our counter contract called from
//! an account; each block runs sequentially and in parallel with identical results.

mod common;

use common::*;
use starkstm_starknet::genesis::address;
use starkstm_starknet::starknet_api::abi::abi_utils::selector_from_name;
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::{Felt, Status};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[test]
fn storage_read_write_and_emit_event() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    let a = g.accounts[0];
    let out = execute(
        &g,
        &[g.invoke(
            &a,
            0,
            &[
                call(c, "increase", &[felt(5)]),
                call(c, "increase", &[felt(6)]),
            ],
        )],
    );
    let r = &out.outputs()[0];
    assert_eq!(r.status, Status::Succeeded);
    assert_eq!(storage(&after(&g, &out), c, "value", &[]), felt(11));
    let increased = selector_from_name("Increased").0;
    let counter_events: Vec<_> = r.events.iter().filter(|e| e.from_address == c).collect();
    assert_eq!(counter_events.len(), 2);
    assert_eq!(counter_events[0].keys, vec![increased]);
    assert_eq!(counter_events[0].data, vec![*a.address.0.key(), felt(5)]);
    assert_eq!(counter_events[1].data, vec![*a.address.0.key(), felt(11)]);
    assert!(r.resources.syscalls["StorageWrite"] >= 2);
}

#[test]
fn get_execution_info_names_contract_and_caller() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    let a = g.accounts[0];
    let out = execute(&g, &[g.invoke(&a, 0, &[call(c, "store_whoami", &[])])]);
    assert_eq!(out.outputs()[0].status, Status::Succeeded);
    let state = after(&g, &out);
    assert_eq!(storage(&state, c, "value", &[]), *c.0.key());
    assert_eq!(storage(&state, c, "caught_count", &[]), *a.address.0.key());
}

#[test]
fn library_call_runs_another_class_on_the_callers_storage() {
    let mut g = genesis(1);
    let cs = with_counters(&mut g, 2);
    let a = g.accounts[0];
    let counter_class = class_hash(&g, "counter").0;
    let increase = selector_from_name("increase").0;
    let out = execute(
        &g,
        &[g.invoke(
            &a,
            0,
            &[call(
                cs[0],
                "library_call",
                &[counter_class, increase, felt(8)],
            )],
        )],
    );
    let r = &out.outputs()[0];
    assert_eq!(r.status, Status::Succeeded, "{r:?}");
    let state = after(&g, &out);
    assert_eq!(storage(&state, cs[0], "value", &[]), felt(8));
    assert_eq!(storage(&state, cs[1], "value", &[]), felt(0));
    // The event comes from the calling contract, and the caller is the account (a library
    // call keeps the caller).
    let e = r
        .events
        .iter()
        .find(|e| e.from_address == cs[0])
        .expect("event");
    assert_eq!(e.data, vec![*a.address.0.key(), felt(8)]);
    assert_eq!(r.resources.syscalls["LibraryCall"], 1);
    // An undeclared class fails the library call.
    let out = execute(
        &g,
        &[g.invoke(
            &a,
            0,
            &[call(
                cs[0],
                "library_call",
                &[felt(0xbad), increase, felt(8)],
            )],
        )],
    );
    assert!(reverted_reason(&out.outputs()[0]).contains("CLASS_NOT_DECLARED"));
}

#[test]
fn replace_class_changes_the_code_at_the_address() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    let a = g.accounts[0];
    let nft = class_hash(&g, "nft");
    let txs = [
        g.invoke(&a, 0, &[call(c, "upgrade", &[nft.0])]),
        g.invoke(&a, 1, &[call(c, "increase", &[felt(1)])]),
        g.invoke(&a, 2, &[call(c, "upgrade", &[felt(0xbad)])]),
    ];
    let out = execute(&g, &txs);
    assert_eq!(out.outputs()[0].status, Status::Succeeded);
    assert!(reverted_reason(&out.outputs()[1]).contains("ENTRYPOINT_NOT_FOUND"));
    // The contract is an NFT now: it has no `upgrade`.
    assert!(reverted_reason(&out.outputs()[2]).contains("ENTRYPOINT_NOT_FOUND"));
    assert_eq!(diff(&g, &out).class_hashes[&c], nft);
    // Replacing with an undeclared class fails.
    let out = execute(
        &g,
        &[g.invoke(&a, 0, &[call(c, "upgrade", &[felt(0xbad)])])],
    );
    assert!(reverted_reason(&out.outputs()[0]).contains("CLASS_HASH_NOT_FOUND"));
}

#[test]
fn send_message_to_l1_appears_in_the_receipt_unless_reverted() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    let a = g.accounts[0];
    let txs = [
        g.invoke(
            &a,
            0,
            &[call(
                c,
                "send_message",
                &[felt(0x123), felt(2), felt(7), felt(8)],
            )],
        ),
        g.invoke(
            &a,
            1,
            &[
                call(c, "send_message", &[felt(0x123), felt(1), felt(9)]),
                call(c, "increase_then_fail", &[felt(1)]),
            ],
        ),
    ];
    let out = execute(&g, &txs);
    let m = &out.outputs()[0].messages;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].from_address, c);
    assert_eq!(m[0].to_address, felt(0x123));
    assert_eq!(m[0].payload, vec![felt(7), felt(8)]);
    reverted_reason(&out.outputs()[1]);
    assert!(out.outputs()[1].messages.is_empty());
}

#[test]
fn get_block_hash_reads_old_blocks_and_refuses_recent_ones() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    g.state
        .set_storage(address(1_u64), StorageKey::from(0_u64), felt(0xb10c));
    let a = g.accounts[0];
    assert_eq!(g.context.block_number, 10);
    let txs = [
        g.invoke(&a, 0, &[call(c, "store_block_hash", &[felt(0)])]),
        g.invoke(&a, 1, &[call(c, "store_block_hash", &[felt(1)])]),
    ];
    let out = execute(&g, &txs);
    assert_eq!(out.outputs()[0].status, Status::Succeeded);
    assert!(reverted_reason(&out.outputs()[1]).contains("Block number out of range"));
    assert_eq!(storage(&after(&g, &out), c, "value", &[]), felt(0xb10c));
}

#[test]
fn keccak_hashes_padded_input() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    let a = g.accounts[0];
    // keccak256 of the empty message: one 17-word block holding the padding.
    let mut input = vec![felt(17), felt(1)];
    input.extend((0..15).map(|_| felt(0)));
    input.push(felt(0x8000_0000_0000_0000));
    let bad = vec![felt(2), felt(1), felt(2)];
    let txs = [
        g.invoke(&a, 0, &[call(c, "store_keccak", &input)]),
        g.invoke(&a, 1, &[call(c, "store_keccak", &bad)]),
    ];
    let out = execute(&g, &txs);
    assert_eq!(
        out.outputs()[0].status,
        Status::Succeeded,
        "{:?}",
        out.outputs()[0]
    );
    assert!(reverted_reason(&out.outputs()[1]).contains("Invalid keccak input size"));
    let state = after(&g, &out);
    let low = Felt::from_hex("0xc003c7dcb27d7e923c23f7860146d2c5").unwrap();
    let high = Felt::from_hex("0x70a4855d04d8fa7b3b2782ca53b600e5").unwrap();
    assert_eq!(storage(&state, c, "value", &[]), low);
    assert_eq!(storage(&state, c, "caught_count", &[]), high);
}

#[test]
fn an_unsupported_syscall_fails_the_call_with_its_name() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    let a = g.accounts[0];
    let out = execute(
        &g,
        &[g.invoke(
            &a,
            0,
            &[call(
                c,
                "secp256k1_point",
                &[felt(1), felt(0), felt(2), felt(0)],
            )],
        )],
    );
    let reason = reverted_reason(&out.outputs()[0]);
    assert!(
        reason.contains("unsupported syscall Secp256k1New"),
        "{reason}"
    );
}

#[test]
fn a_syscall_forbidden_in_validate_rejects_the_transaction() {
    // An account whose __validate__ (and __execute__) ask for a class hash, which __validate__
    // may not do: the transaction is rejected, with the reason.
    let mut g = genesis(1);
    let hash = starkstm_starknet::starknet_api::core::ClassHash(felt(0xacc7));
    g.state.declare(
        hash,
        std::sync::Arc::new(class_hash_at_class(&["__validate__", "__execute__"])),
    );
    let account = starkstm_starknet::genesis::Account {
        address: address(0xacc7_u64),
        private_key: felt(1),
    };
    g.state.deploy(account.address, hash);
    g.state.set_erc20_balance(
        g.context.fee_token,
        account.address,
        starkstm_starknet::U256::from_u128(1 << 100),
    );
    let out = execute(&g, &[g.invoke(&account, 0, &[])]);
    let reason = rejected_reason(&out.outputs()[0]);
    assert!(
        reason.contains("__validate__ failed") && reason.contains("Validate: no GetClassHashAt"),
        "{reason}"
    );
    assert!(out.state_changes().is_empty());
}

/// A class written in CASM by hand (no compiler we can run has `get_class_hash_at`): each of
/// `entry_points` asks for the class hash at `calldata[0]` and stores it at storage key 0x77; if
/// the syscall fails, the call fails with the syscall's revert data.
fn class_hash_at_class(entry_points: &[&str]) -> starkstm_starknet::ContractClass {
    use cairo_lang_casm::casm;
    use cairo_lang_casm::instructions::Instruction;
    use num_bigint::BigInt;

    let selector = |s: &str| BigInt::from_bytes_be(num_bigint::Sign::Plus, s.as_bytes());
    let (get, write) = (selector("GetClassHashAt"), selector("StorageWrite"));
    // Arguments: [fp-6] gas, [fp-5] syscall pointer, [fp-4] calldata start, [fp-3] end.
    let head = casm! {
        [ap + 0] = get, ap++;
        [ap - 1] = [[fp - 5] + 0];
        [fp - 6] = [[fp - 5] + 1];
        [ap + 0] = [[fp - 4] + 0], ap++;
        [ap - 1] = [[fp - 5] + 2];
        %{ syscall_handler.syscall(syscall_ptr=memory[fp + -5]) %}
        [ap + 0] = [[fp - 5] + 4], ap++;
    };
    let success = casm! {
        [ap + 0] = write, ap++;
        [ap - 1] = [[fp - 5] + 6];
        [ap + 0] = [[fp - 5] + 3], ap++;
        [ap - 1] = [[fp - 5] + 7];
        [ap + 0] = 0, ap++;
        [ap - 1] = [[fp - 5] + 8];
        [ap + 0] = 0x77, ap++;
        [ap - 1] = [[fp - 5] + 9];
        [ap + 0] = [[fp - 5] + 5], ap++;
        [ap - 1] = [[fp - 5] + 10];
        %{ syscall_handler.syscall(syscall_ptr=memory[fp + -5] + 6) %}
        [ap + 0] = [[fp - 5] + 11], ap++;
        [ap + 0] = [fp - 5] + 13, ap++;
        [ap + 0] = 0, ap++;
        [ap + 0] = [fp - 5] + 13, ap++;
        [ap + 0] = [fp - 5] + 13, ap++;
        ret;
    };
    // The failure response is [gas, 1, revert_start, revert_end]: return it as a panic.
    let failure = casm! {
        [ap + 0] = [[fp - 5] + 3], ap++;
        [ap + 0] = [fp - 5] + 7, ap++;
        [ap + 0] = 1, ap++;
        [ap + 0] = [[fp - 5] + 5], ap++;
        [ap + 0] = [[fp - 5] + 6], ap++;
        ret;
    };
    let size = |code: &[Instruction]| code.iter().map(|i| i.body.op_size()).sum::<usize>();
    let to_failure = BigInt::from(2 + size(&success.instructions));
    let jump = casm! { jmp rel to_failure if [ap - 1] != 0; };
    hand_written_class(
        [head, jump, success, failure]
            .iter()
            .flat_map(|c| &c.instructions),
        entry_points,
    )
}

#[test]
fn get_class_hash_at_reads_the_class_of_an_address() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    let probe_hash = starkstm_starknet::starknet_api::core::ClassHash(felt(0x9a55));
    g.state.declare(
        probe_hash,
        std::sync::Arc::new(class_hash_at_class(&["class_hash_at"])),
    );
    let probe = address(0x9a55_u64);
    g.state.deploy(probe, probe_hash);
    let a = g.accounts[0];
    let counter_hash = class_hash(&g, "counter");
    let txs = [
        g.invoke(&a, 0, &[call(probe, "class_hash_at", &[*c.0.key()])]),
        // An address with no contract: class hash zero.
        g.invoke(
            &a,
            1,
            &[
                call(probe, "class_hash_at", &[felt(0xdead)]),
                call(c, "increase", &[felt(1)]),
            ],
        ),
    ];
    let vm_key = starkstm_starknet::starknet_api::state::StorageKey::from(0x77_u64);
    let out = execute(&g, &txs[..1]);
    assert_eq!(
        out.outputs()[0].status,
        Status::Succeeded,
        "{:?}",
        out.outputs()[0]
    );
    assert_eq!(out.outputs()[0].resources.syscalls["GetClassHashAt"], 1);
    let state = after(&g, &out);
    assert_eq!(state.storage[&(probe, vm_key)], counter_hash.0);
    let out = execute(&g, &txs);
    assert_eq!(
        out.outputs()[1].status,
        Status::Succeeded,
        "{:?}",
        out.outputs()[1]
    );
    assert_eq!(
        after(&g, &out)
            .storage
            .get(&(probe, vm_key))
            .copied()
            .unwrap_or_default(),
        Felt::ZERO
    );
}
