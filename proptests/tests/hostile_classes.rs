//! Hostile compiled classes: mutated copies of a real class (its segment lengths, bytecode,
//! entry points, builtins, hint positions and prime) are prepared and, where they load, deployed
//! and called. Every outcome must be a value — a `ClassError`, a reverted or rejected
//! transaction — never a panic; where a class runs, parallel equals sequential.

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{json, Value};
use starkstm_engine::SequentialExecutor;
use starkstm_proptests::{config, executor};
use starkstm_starknet::genesis::{address, Call, Genesis, GenesisConfig};
use starkstm_starknet::starknet_api::core::ClassHash;
use starkstm_starknet::{contracts, BlockState, ContractClass, Felt, StarknetVm};

/// One change to a class's JSON.
#[derive(Clone, Debug)]
enum Mutation {
    /// Replace `bytecode_segment_lengths` (a leaf, a flat list, a nested list).
    SegmentLengths(Value),
    /// Keep only the first `n` bytecode words.
    Truncate(usize),
    /// Set entry point `i`'s offset.
    Offset(usize, u64),
    /// Set entry point `i`'s builtins.
    Builtins(usize, Vec<String>),
    /// Move hint `i` to pc `pc`.
    HintPc(usize, u64),
    /// Replace bytecode word `i` with a hex value (up to 256 bits).
    Word(usize, String),
    /// Replace the prime.
    Prime(String),
    /// Remove a top-level field.
    Drop(&'static str),
}

fn hex_word() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| format!("{n:#x}")),
        any::<[u8; 32]>().prop_map(|b| {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!("0x{hex}")
        }),
        Just("0x800000000000011000000000000000000000000000000000000000000000001".to_string()),
    ]
}

fn segment_lengths() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![0u64..5000, Just(u64::MAX)].prop_map(|n| json!(n));
    leaf.prop_recursive(4, 16, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Value::Array)
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let builtin = prop_oneof![
        Just("range_check".to_string()),
        Just("pedersen".to_string()),
        Just("poseidon".to_string()),
        Just("segment_arena".to_string()),
        Just("no_such_builtin".to_string()),
        Just(String::new()),
    ];
    prop_oneof![
        segment_lengths().prop_map(Mutation::SegmentLengths),
        (0usize..6000).prop_map(Mutation::Truncate),
        (0usize..16, prop_oneof![0u64..6000, Just(u64::MAX)])
            .prop_map(|(i, o)| Mutation::Offset(i, o)),
        (0usize..16, prop::collection::vec(builtin, 0..4))
            .prop_map(|(i, b)| Mutation::Builtins(i, b)),
        (0usize..64, prop_oneof![0u64..6000, Just(u64::MAX)])
            .prop_map(|(i, pc)| Mutation::HintPc(i, pc)),
        (0usize..6000, hex_word()).prop_map(|(i, w)| Mutation::Word(i, w)),
        hex_word().prop_map(Mutation::Prime),
        prop_oneof![
            Just("bytecode"),
            Just("hints"),
            Just("entry_points_by_type"),
            Just("prime"),
            Just("bytecode_segment_lengths"),
        ]
        .prop_map(Mutation::Drop),
    ]
}

fn entry_point(class: &mut Value, i: usize) -> Option<&mut Value> {
    let eps = class["entry_points_by_type"]["EXTERNAL"].as_array_mut()?;
    let n = eps.len();
    (n > 0).then(|| &mut eps[i % n])
}

fn apply(class: &mut Value, m: &Mutation) {
    match m {
        Mutation::SegmentLengths(v) => class["bytecode_segment_lengths"] = v.clone(),
        Mutation::Truncate(n) => {
            if let Some(words) = class["bytecode"].as_array_mut() {
                words.truncate(*n);
            }
        }
        Mutation::Offset(i, o) => {
            if let Some(ep) = entry_point(class, *i) {
                ep["offset"] = json!(o);
            }
        }
        Mutation::Builtins(i, b) => {
            if let Some(ep) = entry_point(class, *i) {
                ep["builtins"] = json!(b);
            }
        }
        Mutation::HintPc(i, pc) => {
            if let Some(hints) = class["hints"].as_array_mut() {
                let n = hints.len();
                if n > 0 {
                    hints[i % n][0] = json!(pc);
                }
            }
        }
        Mutation::Word(i, w) => {
            if let Some(words) = class["bytecode"].as_array_mut() {
                let n = words.len();
                if n > 0 {
                    words[i % n] = json!(w);
                }
            }
        }
        Mutation::Prime(p) => class["prime"] = json!(p),
        Mutation::Drop(field) => {
            if let Some(object) = class.as_object_mut() {
                object.remove(*field);
            }
        }
    }
}

/// Calls the mutated counter at `0xbad` from an account, sequentially and in parallel.
fn run(class: ContractClass) {
    let mut g = Genesis::new(&GenesisConfig {
        accounts: 2,
        ..GenesisConfig::default()
    })
    .expect("the genesis builds");
    let hash = ClassHash(Felt::from(0xbad_u64));
    g.state.declare(hash, Arc::new(class));
    let at = address(0xbad_u64);
    g.state.deploy(at, hash);
    let call = |entry_point, calldata: &[Felt]| Call {
        to: at,
        entry_point,
        calldata: calldata.to_vec(),
    };
    let (a, b) = (&g.accounts[0], &g.accounts[1]);
    let txs = [
        g.invoke(a, 0, &[call("increase", &[Felt::from(3)])]),
        g.invoke(b, 0, &[call("get", &[])]),
        g.invoke(a, 1, &[call("spin", &[Felt::from(20)])]),
    ];
    let vm = StarknetVm::new(g.context.clone());
    let base = BlockState::new(&g.state, &g.context);
    let sequential = SequentialExecutor::new()
        .execute_block(&vm, &base, &txs)
        .expect("a hostile class fails transactions, not the block");
    let parallel = executor(2)
        .execute_block(&vm, &base, &txs)
        .expect("a hostile class fails transactions, not the block");
    assert!(parallel.output() == &sequential, "parallel differs");
}

fn counter_json() -> Value {
    serde_json::from_str(contracts::COUNTER.casm).expect("the counter's CASM is JSON")
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn mutated_classes_are_errors_or_run(mutations in prop::collection::vec(mutation(), 1..4)) {
        let mut class = counter_json();
        for m in &mutations {
            apply(&mut class, m);
        }
        // The preparation must return: a panic here fails the test.
        if let Ok(class) = ContractClass::from_casm_json(&class.to_string()) {
            run(class);
        }
    }
}

/// The mutations the issue reported as crashes are errors that say what is wrong.
#[test]
fn segment_lengths_that_do_not_cover_the_bytecode_are_errors() {
    let original = counter_json();
    let len = original["bytecode"].as_array().unwrap().len();
    let cases = [
        json!([1]),
        json!(1),
        json!([[1, 2], [3]]),
        json!([len + 1]),
        json!([u64::MAX, 2]),
        json!([[[[[[[[[[[[[[[[[[len]]]]]]]]]]]]]]]]]]),
    ];
    for lengths in cases {
        let mut class = original.clone();
        class["bytecode_segment_lengths"] = lengths.clone();
        let err = ContractClass::from_casm_json(&class.to_string())
            .expect_err(&format!("lengths {lengths} must be rejected"));
        assert!(
            err.to_string().contains("bytecode_segment_lengths"),
            "{lengths}: {err}"
        );
    }
    let mut truncated = original.clone();
    truncated["bytecode"]
        .as_array_mut()
        .unwrap()
        .truncate(len / 2);
    truncated["bytecode_segment_lengths"] = json!([len]);
    assert!(ContractClass::from_casm_json(&truncated.to_string()).is_err());
    // The right total loads, flat or nested.
    for lengths in [json!([len]), json!([[len - 1, 1]]), json!(len)] {
        let mut class = original.clone();
        class["bytecode_segment_lengths"] = lengths.clone();
        ContractClass::from_casm_json(&class.to_string())
            .unwrap_or_else(|e| panic!("lengths {lengths}: {e}"));
    }
}

#[test]
fn out_of_range_entry_points_hints_words_and_primes_are_errors() {
    let original = counter_json();
    let len = original["bytecode"].as_array().unwrap().len() as u64;
    let p = "0x800000000000011000000000000000000000000000000000000000000000001";
    let cases: Vec<(Mutation, &str)> = vec![
        (Mutation::Offset(0, len), "entry point"),
        (Mutation::HintPc(0, len), "hint"),
        (Mutation::Word(3, p.to_string()), "bytecode[3]"),
        (Mutation::Prime("0x7".to_string()), "prime"),
        (
            Mutation::Builtins(0, vec!["no_such_builtin".into()]),
            "builtin",
        ),
        (Mutation::Truncate(0), "empty"),
    ];
    for (m, says) in cases {
        let mut class = original.clone();
        apply(&mut class, &m);
        let err = ContractClass::from_casm_json(&class.to_string())
            .expect_err(&format!("{m:?} must be rejected"));
        assert!(err.to_string().contains(says), "{m:?}: {err}");
    }
}

/// Every class we ship still loads: the checks reject only malformed classes
/// (`starknet/tests/classes.rs` loads the compiler's own classes too).
#[test]
fn real_classes_pass_the_checks() {
    for c in contracts::ALL {
        c.load().unwrap_or_else(|e| panic!("{}: {e}", c.name));
    }
}
