//! Block files round-trip (a saved block replays to the same receipts and state), and broken
//! files are clear errors.

use std::path::Path;

use starkstm_engine::SequentialExecutor;
use starkstm_starknet::{BlockState, StarknetVm, StateDiff};
use starkstm_workload::block_file::{read_block, write_block, OutputFile};
use starkstm_workload::starknet::{random_block, RandomStarknetParams, StarknetBlock};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn execute(block: &StarknetBlock) -> OutputFile {
    let vm = StarknetVm::new(block.genesis.context.clone());
    let base = BlockState::new(&block.genesis.state, &block.genesis.context);
    let out = SequentialExecutor::new()
        .execute_block(&vm, &base, &block.txs)
        .unwrap();
    let (diff, _) = StateDiff::from_changes(
        out.state_changes(),
        &block.genesis.state,
        &block.genesis.context,
    )
    .unwrap();
    OutputFile::new(out.outputs().to_vec(), &diff)
}

#[test]
fn a_saved_block_replays_identically() {
    // Every transaction kind, a class declared in the block, an in-block deploy-account.
    let block = random_block(&RandomStarknetParams {
        txs: 60,
        accounts: 5,
        counters: 2,
        validate: true,
        seed: 11,
    })
    .unwrap();
    let text = write_block(&block);
    let loaded = read_block(&text, Path::new("b.json")).unwrap();
    assert_eq!(loaded.txs.len(), block.txs.len());
    for (a, b) in block.txs.iter().zip(&loaded.txs) {
        assert_eq!(a.hash(), b.hash());
    }
    let (original, replayed) = (execute(&block), execute(&loaded));
    assert!(
        original.differences(&replayed, 10).is_empty(),
        "{:?}",
        original.differences(&replayed, 10)
    );
    assert_eq!(original, replayed);
    // Output files round-trip through JSON too.
    let json = serde_json::to_string(&original).unwrap();
    let back: OutputFile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, original);
    // And a changed receipt is reported.
    let mut changed = original.clone();
    changed.receipts[3].actual_fee += 1;
    assert_eq!(
        original.differences(&changed, 10),
        vec!["receipt 3: fee differs".to_string()]
    );
}

#[test]
fn broken_block_files_are_one_line_errors() {
    let block = random_block(&RandomStarknetParams {
        txs: 5,
        accounts: 2,
        counters: 1,
        validate: false,
        seed: 1,
    })
    .unwrap();
    let text = write_block(&block);
    let cases = [
        (text[..text.len() / 2].to_string(), "EOF while parsing"),
        (
            text.replacen("starkstm-block/1", "starkstm-block/9", 1),
            "expected \"starkstm-block/1\"",
        ),
        (
            text.replacen("\"invoke\"", "\"teleport\"", 1),
            "unknown variant `teleport`",
        ),
        ("[]".to_string(), "expected struct BlockJson"),
        (
            text.replacen("\"builtin\":\"erc20\"", "\"builtin\":\"nope\"", 1),
            "no builtin class \"nope\"",
        ),
    ];
    for (text, expected) in cases {
        let err = read_block(&text, Path::new("b.json"))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
        assert!(err.starts_with("b.json"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}
