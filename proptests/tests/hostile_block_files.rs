//! Mutated block files: a random block's file with values replaced (out-of-range felts, signed
//! or huge numbers, long strings, wrong types), keys removed and transactions repeated or
//! reordered. Loading returns a block or an error, never a panic; a block that loads executes
//! to the same result in parallel as sequentially.

use std::path::Path;

use proptest::prelude::*;
use serde_json::{json, Value};
use starkstm_engine::SequentialExecutor;
use starkstm_proptests::{config, executor};
use starkstm_starknet::{BlockState, StarknetVm};
use starkstm_workload::block_file::{read_block, write_block};
use starkstm_workload::starknet::{random_block, RandomStarknetParams};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone, Debug)]
enum Edit {
    /// Replace the `n`-th node (in document order) with a value.
    Replace(usize, Value),
    /// Remove the `n`-th node from its object or array.
    Remove(usize),
    /// Append a copy of transaction `i`.
    Repeat(usize),
    /// Swap transactions `i` and `j`.
    Swap(usize, usize),
}

fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(
            "0x800000000000011000000000000000000000000000000000000000000000001"
        )),
        Just(json!(format!("0x{}", "f".repeat(64)))),
        Just(json!(
            "0x800000000000011000000000000000000000000000000000000000000000000"
        )),
        Just(json!("+5")),
        Just(json!("-1")),
        Just(json!("")),
        Just(json!("0x")),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!(null)),
        Just(json!(true)),
        Just(json!([])),
        Just(json!({})),
        Just(json!("x".repeat(10_000))),
        any::<u64>().prop_map(|n| json!(format!("{n:#x}"))),
        any::<u32>().prop_map(|n| json!(n)),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), hostile_value()).prop_map(|(n, v)| Edit::Replace(n, v)),
        2 => any::<usize>().prop_map(Edit::Remove),
        1 => any::<usize>().prop_map(Edit::Repeat),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::Swap(i, j)),
    ]
}

/// Every node's JSON pointer, in document order.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(item, format!("{at}/{key}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn apply(doc: &mut Value, edit: &Edit) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let txs = doc["transactions"].as_array().map_or(0, Vec::len);
    match edit {
        Edit::Replace(n, v) => {
            let at = &all[n % all.len()];
            if let Some(node) = doc.pointer_mut(at) {
                *node = v.clone();
            }
        }
        Edit::Remove(n) => {
            let at = all[n % all.len()].clone();
            let Some((parent, last)) = at.rsplit_once('/') else {
                return;
            };
            match doc.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>() {
                        if i < items.len() {
                            items.remove(i);
                        }
                    }
                }
                _ => {}
            }
        }
        Edit::Repeat(i) if txs > 0 => {
            let tx = doc["transactions"][i % txs].clone();
            doc["transactions"].as_array_mut().unwrap().push(tx);
        }
        Edit::Swap(i, j) if txs > 0 => {
            doc["transactions"]
                .as_array_mut()
                .unwrap()
                .swap(i % txs, j % txs);
        }
        Edit::Repeat(_) | Edit::Swap(..) => {}
    }
}

fn base_block(seed: u64) -> Value {
    let block = random_block(&RandomStarknetParams {
        txs: 12,
        accounts: 3,
        counters: 1,
        validate: seed % 2 == 0,
        seed,
        cairo0_accounts: false,
    })
    .expect("the block generates");
    serde_json::from_str(&write_block(&block)).expect("a block file is JSON")
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn mutated_block_files_load_or_fail_cleanly(
        seed in 0u64..4,
        edits in prop::collection::vec(edit(), 1..4),
        threads in 1usize..=4,
    ) {
        let mut doc = base_block(seed);
        for e in &edits {
            apply(&mut doc, e);
        }
        let text = doc.to_string();
        match read_block(&text, Path::new("mutated.json")) {
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with("mutated.json"), "{message}");
                prop_assert!(message.len() < 2_000, "{} bytes", message.len());
                prop_assert_eq!(message.lines().count(), 1, "{}", message);
            }
            Ok(block) => {
                let vm = StarknetVm::new(block.genesis.context.clone());
                let base = BlockState::new(&block.genesis.state, &block.genesis.context);
                let sequential = SequentialExecutor::new().execute_block(&vm, &base, &block.txs);
                let parallel = executor(threads).execute_block(&vm, &base, &block.txs);
                match (sequential, parallel) {
                    (Ok(s), Ok(p)) => prop_assert!(p.output() == &s, "parallel differs"),
                    (Err(s), Err(p)) => prop_assert_eq!(s.to_string(), p.to_string()),
                    (s, p) => prop_assert!(
                        false,
                        "sequential {:?} but parallel {:?}",
                        s.map(|_| ()),
                        p.map(|_| ())
                    ),
                }
            }
        }
    }
}
