//! One test per syscall we serve (and one we do not), through our counter contract called from
//! an account; each block runs sequentially and in parallel with identical results.

mod common;

use common::*;
use starkstm_starknet::genesis::address;
use starkstm_starknet::starknet_api::abi::abi_utils::selector_from_name;
use starkstm_starknet::starknet_api::execution_resources::GasAmount;
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::starknet_api::transaction::fields::ValidResourceBounds;
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
    // An undeclared class is an error no caller catches: the transaction reverts.
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
    assert!(reverted_reason(&out.outputs()[0]).contains("is not declared"));
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
    // Replacing with an undeclared class reverts the transaction.
    let out = execute(
        &g,
        &[g.invoke(&a, 0, &[call(c, "upgrade", &[felt(0xbad)])])],
    );
    assert!(reverted_reason(&out.outputs()[0]).contains("is not declared"));
}

#[test]
fn send_message_to_l1_appears_in_the_receipt_unless_reverted() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    let a = g.accounts[0];
    // A message costs L1 gas (its share of the state update and the core contract's event).
    let l1_bounded = {
        let mut b = g.bounds(starkstm_starknet::genesis::DEFAULT_MAX_L2_GAS);
        if let ValidResourceBounds::AllResources(all) = &mut b {
            all.l1_gas.max_amount = GasAmount(1_000_000);
        }
        b
    };
    let send = |payload: &[Felt]| {
        let mut calldata = vec![felt(0x123), Felt::from(payload.len())];
        calldata.extend_from_slice(payload);
        call(c, "send_message", &calldata)
    };
    let txs = [
        g.invoke_with(&a, 0, &[send(&[felt(7), felt(8)])], l1_bounded, true),
        g.invoke_with(
            &a,
            1,
            &[send(&[felt(9)]), call(c, "increase_then_fail", &[felt(1)])],
            l1_bounded,
            true,
        ),
        // Without an L1 gas bound the message cannot be paid for: reverted.
        g.invoke(&a, 2, &[send(&[felt(9)])]),
    ];
    let out = execute(&g, &txs);
    let r = &out.outputs()[0];
    assert_eq!(r.status, Status::Succeeded, "{r:?}");
    let m = &r.messages;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].from_address, c);
    assert_eq!(m[0].to_address, felt(0x123));
    assert_eq!(m[0].payload, vec![felt(7), felt(8)]);
    // L1 gas: the message segment (3 + 2 felts) at 512 + 612, a counter set (20,000) and a log
    // of 2 topics and 3 + 2 − 2 + 2 data words (375 + 3·375 + 256·4).
    assert_eq!(
        r.gas.l1_gas,
        5 * (512 + 612) + 20_000 + 375 + 3 * 375 + 256 * 4
    );
    reverted_reason(&out.outputs()[1]);
    assert!(out.outputs()[1].messages.is_empty());
    let reason = reverted_reason(&out.outputs()[2]);
    assert!(reason.contains("Insufficient max L1Gas"), "{reason}");
    assert!(out.outputs()[2].messages.is_empty());
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
    assert!(reverted_reason(&out.outputs()[1]).contains("Invalid input length"));
    let state = after(&g, &out);
    let low = Felt::from_hex("0xc003c7dcb27d7e923c23f7860146d2c5").unwrap();
    let high = Felt::from_hex("0x70a4855d04d8fa7b3b2782ca53b600e5").unwrap();
    assert_eq!(storage(&state, c, "value", &[]), low);
    assert_eq!(storage(&state, c, "caught_count", &[]), high);
}

#[test]
fn secp256k1_new_takes_points_on_the_curve_and_refuses_coordinates_above_p() {
    let mut g = genesis(1);
    let c = with_counters(&mut g, 1)[0];
    let a = g.accounts[0];
    // u256 arguments are (low, high) felts.
    let u256 = |hex: &str| {
        let v = num_bigint::BigUint::parse_bytes(hex.as_bytes(), 16).unwrap();
        let mask = (num_bigint::BigUint::from(1u8) << 128) - 1u8;
        [Felt::from(&(&v & &mask)), Felt::from(&(&v >> 128))]
    };
    let gx = u256("79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798");
    let gy = u256("483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8");
    let p = u256("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
    let point = |x: [Felt; 2], y: [Felt; 2]| vec![x[0], x[1], y[0], y[1]];
    let txs = [
        // The generator is a point.
        g.invoke(&a, 0, &[call(c, "secp256k1_point", &point(gx, gy))]),
        // (1, 2) is not on the curve: the syscall returns none, the call succeeds.
        g.invoke(
            &a,
            1,
            &[call(
                c,
                "secp256k1_point",
                &[felt(1), felt(0), felt(2), felt(0)],
            )],
        ),
        // A coordinate of p or more is an invalid argument.
        g.invoke(&a, 2, &[call(c, "secp256k1_point", &point(p, gy))]),
    ];
    let out = execute(&g, &txs);
    for r in &out.outputs()[..2] {
        assert_eq!(r.status, Status::Succeeded, "{r:?}");
        assert_eq!(r.resources.syscalls["Secp256k1New"], 1);
    }
    let reason = reverted_reason(&out.outputs()[2]);
    assert!(reason.contains("Invalid argument"), "{reason}");
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
        reason.contains("validation has failed")
            && reason.contains("Unauthorized syscall get_class_hash_at in execution mode Validate"),
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

/// A class written in CASM by hand (no compiler we can run here calls it): its entry point
/// `sha256` runs `sha256_process_block` on the calldata (8 state words, then a 16-word block)
/// and stores the first word of the new state at storage key 0x77.
fn sha256_class() -> starkstm_starknet::ContractClass {
    use cairo_lang_casm::casm;
    use num_bigint::BigInt;

    let selector = |s: &str| BigInt::from_bytes_be(num_bigint::Sign::Plus, s.as_bytes());
    let (sha, write) = (selector("Sha256ProcessBlock"), selector("StorageWrite"));
    // Arguments: [fp-6] gas, [fp-5] syscall pointer, [fp-4] calldata start, [fp-3] end.
    let code = casm! {
        [ap + 0] = sha, ap++;
        [ap - 1] = [[fp - 5] + 0];
        [fp - 6] = [[fp - 5] + 1];
        [fp - 4] = [[fp - 5] + 2];
        [ap + 0] = [fp - 4] + 8, ap++;
        [ap - 1] = [[fp - 5] + 3];
        %{ syscall_handler.syscall(syscall_ptr=memory[fp + -5]) %}
        [ap + 0] = write, ap++;
        [ap - 1] = [[fp - 5] + 7];
        [ap + 0] = [[fp - 5] + 4], ap++;
        [ap - 1] = [[fp - 5] + 8];
        [ap + 0] = 0, ap++;
        [ap - 1] = [[fp - 5] + 9];
        [ap + 0] = 0x77, ap++;
        [ap - 1] = [[fp - 5] + 10];
        [ap + 0] = [[fp - 5] + 6], ap++;
        [ap + 0] = [[ap - 1] + 0], ap++;
        [ap - 1] = [[fp - 5] + 11];
        %{ syscall_handler.syscall(syscall_ptr=memory[fp + -5] + 7) %}
        [ap + 0] = [[fp - 5] + 12], ap++;
        [ap + 0] = [fp - 5] + 14, ap++;
        [ap + 0] = 0, ap++;
        [ap + 0] = [fp - 5] + 14, ap++;
        [ap + 0] = [fp - 5] + 14, ap++;
        ret;
    };
    hand_written_class(code.instructions.iter(), &["sha256"])
}

#[test]
fn sha256_process_block_compresses_a_block_through_a_contract() {
    let mut g = genesis(1);
    let hash = starkstm_starknet::starknet_api::core::ClassHash(felt(0x5a256));
    g.state.declare(hash, std::sync::Arc::new(sha256_class()));
    let probe = address(0x5a256_u64);
    g.state.deploy(probe, hash);
    let a = g.accounts[0];
    // SHA-256's initial state, then "abc" padded to one block.
    let mut calldata: Vec<Felt> = [
        0x6a09e667_u64,
        0xbb67ae85,
        0x3c6ef372,
        0xa54ff53a,
        0x510e527f,
        0x9b05688c,
        0x1f83d9ab,
        0x5be0cd19,
    ]
    .map(felt)
    .to_vec();
    let mut block = [0_u64; 16];
    block[0] = 0x6162_6380;
    block[15] = 24;
    calldata.extend(block.map(felt));
    let out = execute(&g, &[g.invoke(&a, 0, &[call(probe, "sha256", &calldata)])]);
    let r = &out.outputs()[0];
    assert_eq!(r.status, Status::Succeeded, "{r:?}");
    assert_eq!(r.resources.syscalls["Sha256ProcessBlock"], 1);
    let key = StorageKey::from(0x77_u64);
    // The first word of SHA-256("abc").
    assert_eq!(after(&g, &out).storage[&(probe, key)], felt(0xba7816bf));
}

/// A class written in CASM by hand: its entry point `double` makes a point of `curve`
/// (`Secp256k1` or `Secp256r1`) of the calldata's (x, y) (u256s as low, high), adds it to
/// itself and stores the low half of the sum's x at storage key 0x77.
fn secp256_class(curve: &str) -> starkstm_starknet::ContractClass {
    use cairo_lang_casm::casm;
    use num_bigint::BigInt;

    let selector = |s: &str| BigInt::from_bytes_be(num_bigint::Sign::Plus, s.as_bytes());
    let (new, add) = (
        selector(&format!("{curve}New")),
        selector(&format!("{curve}Add")),
    );
    let (get_xy, write) = (selector(&format!("{curve}GetXy")), selector("StorageWrite"));
    let code = casm! {
        // new(x, y): request at +0, response [gas, 0, is_none, point] at +6.
        [ap + 0] = new, ap++;
        [ap - 1] = [[fp - 5] + 0];
        [fp - 6] = [[fp - 5] + 1];
        [ap + 0] = [[fp - 4] + 0], ap++;
        [ap - 1] = [[fp - 5] + 2];
        [ap + 0] = [[fp - 4] + 1], ap++;
        [ap - 1] = [[fp - 5] + 3];
        [ap + 0] = [[fp - 4] + 2], ap++;
        [ap - 1] = [[fp - 5] + 4];
        [ap + 0] = [[fp - 4] + 3], ap++;
        [ap - 1] = [[fp - 5] + 5];
        %{ syscall_handler.syscall(syscall_ptr=memory[fp + -5]) %}
        // add(p, p): request at +10, response [gas, 0, point] at +14.
        [ap + 0] = add, ap++;
        [ap - 1] = [[fp - 5] + 10];
        [ap + 0] = [[fp - 5] + 6], ap++;
        [ap - 1] = [[fp - 5] + 11];
        [ap + 0] = [[fp - 5] + 9], ap++;
        [ap - 1] = [[fp - 5] + 12];
        [ap - 1] = [[fp - 5] + 13];
        %{ syscall_handler.syscall(syscall_ptr=memory[fp + -5] + 10) %}
        // get_xy(sum): request at +17, response [gas, 0, x, y] at +20.
        [ap + 0] = get_xy, ap++;
        [ap - 1] = [[fp - 5] + 17];
        [ap + 0] = [[fp - 5] + 14], ap++;
        [ap - 1] = [[fp - 5] + 18];
        [ap + 0] = [[fp - 5] + 16], ap++;
        [ap - 1] = [[fp - 5] + 19];
        %{ syscall_handler.syscall(syscall_ptr=memory[fp + -5] + 17) %}
        // storage_write(0x77, x.low): request at +26, response [gas, 0] at +31.
        [ap + 0] = write, ap++;
        [ap - 1] = [[fp - 5] + 26];
        [ap + 0] = [[fp - 5] + 20], ap++;
        [ap - 1] = [[fp - 5] + 27];
        [ap + 0] = 0, ap++;
        [ap - 1] = [[fp - 5] + 28];
        [ap + 0] = 0x77, ap++;
        [ap - 1] = [[fp - 5] + 29];
        [ap + 0] = [[fp - 5] + 22], ap++;
        [ap - 1] = [[fp - 5] + 30];
        %{ syscall_handler.syscall(syscall_ptr=memory[fp + -5] + 26) %}
        [ap + 0] = [[fp - 5] + 31], ap++;
        [ap + 0] = [fp - 5] + 33, ap++;
        [ap + 0] = 0, ap++;
        [ap + 0] = [fp - 5] + 33, ap++;
        [ap + 0] = [fp - 5] + 33, ap++;
        ret;
    };
    hand_written_class(code.instructions.iter(), &["double"])
}

#[test]
fn secp256r1_new_add_and_get_xy_through_a_contract() {
    let mut g = genesis(1);
    let hash = starkstm_starknet::starknet_api::core::ClassHash(felt(0x5ec71));
    g.state
        .declare(hash, std::sync::Arc::new(secp256_class("Secp256r1")));
    let probe = address(0x5ec71_u64);
    g.state.deploy(probe, hash);
    let a = g.accounts[0];
    let hex = |h: &str| Felt::from_hex(h).unwrap();
    // The generator of secp256r1, as (x low, x high, y low, y high).
    let generator = [
        hex("0x77037D812DEB33A0F4A13945D898C296"),
        hex("0x6B17D1F2E12C4247F8BCE6E563A440F2"),
        hex("0x2BCE33576B315ECECBB6406837BF51F5"),
        hex("0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E16"),
    ];
    let out = execute(&g, &[g.invoke(&a, 0, &[call(probe, "double", &generator)])]);
    let r = &out.outputs()[0];
    assert_eq!(r.status, Status::Succeeded, "{r:?}");
    for name in ["Secp256r1New", "Secp256r1Add", "Secp256r1GetXy"] {
        assert_eq!(r.resources.syscalls[name], 1, "{name}");
    }
    // The low half of 2G's x.
    let key = StorageKey::from(0x77_u64);
    assert_eq!(
        after(&g, &out).storage[&(probe, key)],
        hex("0xC08969E277F21B35A60B48FC47669978")
    );
}

#[test]
fn secp256k1_new_add_and_get_xy_through_a_contract() {
    let mut g = genesis(1);
    let hash = starkstm_starknet::starknet_api::core::ClassHash(felt(0x05ec_71c1));
    g.state
        .declare(hash, std::sync::Arc::new(secp256_class("Secp256k1")));
    let probe = address(0x05ec_71c1_u64);
    g.state.deploy(probe, hash);
    let a = g.accounts[0];
    let hex = |h: &str| Felt::from_hex(h).unwrap();
    // The generator of secp256k1, as (x low, x high, y low, y high).
    let generator = [
        hex("0x029BFCDB2DCE28D959F2815B16F81798"),
        hex("0x79BE667EF9DCBBAC55A06295CE870B07"),
        hex("0xFD17B448A68554199C47D08FFB10D4B8"),
        hex("0x483ADA7726A3C4655DA4FBFC0E1108A8"),
    ];
    let out = execute(&g, &[g.invoke(&a, 0, &[call(probe, "double", &generator)])]);
    let r = &out.outputs()[0];
    assert_eq!(r.status, Status::Succeeded, "{r:?}");
    for name in ["Secp256k1New", "Secp256k1Add", "Secp256k1GetXy"] {
        assert_eq!(r.resources.syscalls[name], 1, "{name}");
    }
    // The low half of 2G's x (2G.x = 0xC6047F9441ED7D6D3045406E95C07CD85C778E4B8CEF3CA7ABAC09B95C709EE5).
    let key = StorageKey::from(0x77_u64);
    assert_eq!(
        after(&g, &out).storage[&(probe, key)],
        hex("0x5C778E4B8CEF3CA7ABAC09B95C709EE5")
    );
}

/// A class written in CASM by hand: its entry point `meta` calls `meta_tx_v0` on the account
/// at `calldata[0]` with the rest of the calldata as `__execute__`'s and no signature, and
/// returns what the syscall returned (its failure as a failure).
fn meta_tx_class() -> starkstm_starknet::ContractClass {
    use cairo_lang_casm::casm;
    use num_bigint::BigInt;

    let selector = |s: &str| BigInt::from_bytes_be(num_bigint::Sign::Plus, s.as_bytes());
    let meta = selector("MetaTxV0");
    let execute = BigInt::from_bytes_be(
        num_bigint::Sign::Plus,
        &selector_from_name("__execute__").0.to_bytes_be(),
    );
    let code = casm! {
        // Request at +0: address, selector, calldata, signature; response at +8.
        [ap + 0] = meta, ap++;
        [ap - 1] = [[fp - 5] + 0];
        [fp - 6] = [[fp - 5] + 1];
        [ap + 0] = [[fp - 4] + 0], ap++;
        [ap - 1] = [[fp - 5] + 2];
        [ap + 0] = execute, ap++;
        [ap - 1] = [[fp - 5] + 3];
        [ap + 0] = [fp - 4] + 1, ap++;
        [ap - 1] = [[fp - 5] + 4];
        [fp - 3] = [[fp - 5] + 5];
        [fp - 3] = [[fp - 5] + 6];
        [fp - 3] = [[fp - 5] + 7];
        %{ syscall_handler.syscall(syscall_ptr=memory[fp + -5]) %}
        // Success and failure responses are both [gas, flag, start, end].
        [ap + 0] = [[fp - 5] + 8], ap++;
        [ap + 0] = [fp - 5] + 12, ap++;
        [ap + 0] = [[fp - 5] + 9], ap++;
        [ap + 0] = [[fp - 5] + 10], ap++;
        [ap + 0] = [[fp - 5] + 11], ap++;
        ret;
    };
    hand_written_class(code.instructions.iter(), &["meta"])
}

#[test]
fn meta_tx_v0_runs_an_accounts_execute_as_a_version_0_transaction() {
    let mut g = genesis(2);
    let c = with_counters(&mut g, 1)[0];
    let hash = starkstm_starknet::starknet_api::core::ClassHash(felt(0x3e7a));
    g.state.declare(hash, std::sync::Arc::new(meta_tx_class()));
    let relayer = address(0x3e7a_u64);
    g.state.deploy(relayer, hash);
    let (a, b) = (g.accounts[0], g.accounts[1]);
    // The relayer has account `b` execute an increase of the counter.
    let mut calldata = vec![*b.address.0.key()];
    calldata.extend(starkstm_starknet::genesis::execute_calldata(&[call(
        c,
        "increase",
        &[felt(5)],
    )]));
    let out = execute(&g, &[g.invoke(&a, 0, &[call(relayer, "meta", &calldata)])]);
    let r = &out.outputs()[0];
    assert_eq!(r.status, Status::Succeeded, "{r:?}");
    assert_eq!(r.resources.syscalls["MetaTxV0"], 1);
    let state = after(&g, &out);
    assert_eq!(storage(&state, c, "value", &[]), felt(5));
    // The counter saw `b` as its caller (its event names the caller), and `b`'s nonce is
    // untouched (a meta transaction is not `b`'s transaction).
    let e = r
        .events
        .iter()
        .find(|e| e.from_address == c)
        .expect("event");
    assert_eq!(e.data, vec![*b.address.0.key(), felt(5)]);
    assert_eq!(state.nonces.get(&b.address), None);
}
