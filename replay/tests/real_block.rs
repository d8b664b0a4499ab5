//! A real block: Sepolia 8,894,544 (Starknet 0.14.2) from Starknet's own re-execution file
//! (`fixtures/real/NOTICE.md`). Its classes hash to their class hashes and its transactions to
//! the chain's hashes; it replays sequentially and in parallel to the same output, with the
//! receipts blockifier 0.20.0-rc.1 gives it (`starkstm-conformance replay` on the same file),
//! and to the chain's state diff but for one transaction's fee (see below).

use std::num::NonZeroUsize;
use std::path::Path;

use starkstm_engine::{Config, ParallelExecutor, SequentialExecutor};
use starkstm_replay::{compare, ReexecutionFile, ReplayBlock};
use starkstm_starknet::{BlockState, Felt, StarknetVm, StateDiff, Status};

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/real/sepolia_8894544.json.gz"
);

fn felt(hex: &str) -> Felt {
    Felt::from_hex_unchecked(hex)
}

#[test]
fn sepolia_block_8894544_replays_as_blockifier_executes_it() {
    let file = ReexecutionFile::read(Path::new(FILE)).unwrap();
    let block = ReplayBlock::new(file).unwrap();
    assert_eq!(block.txs.len(), 5);
    let vm = StarknetVm::try_new(block.context.clone()).unwrap();
    let base = BlockState::new(&block.state, &block.context);
    let seq = SequentialExecutor::new()
        .execute_block(&vm, &base, &block.txs)
        .unwrap();
    for threads in [2, 4] {
        let executor = ParallelExecutor::new(
            Config::new(NonZeroUsize::new(threads).unwrap()).with_min_parallel_txs(0),
        )
        .unwrap();
        let par = executor.execute_block(&vm, &base, &block.txs).unwrap();
        assert!(
            par.output() == &seq,
            "{threads} threads differ from sequential"
        );
    }

    // blockifier's receipts: status and fee (fri) of each transaction. Transaction 1 runs
    // secp256r1 and SHA-256 code whose hints compare addresses (`TestLessThanOrEqualAddress`):
    // starkstm once failed it on cairo-vm's version of that hint.
    let expected: [(&str, u128); 5] = [
        ("succeeded", 1_978_852_476_000_943_696),
        ("succeeded", 17_327_802_743_260_800),
        ("succeeded", 8_394_392_986_521_600),
        ("succeeded", 7_058_501_243_260_800),
        ("reverted", 8_865_321_743_260_800),
    ];
    let receipts = seq.outputs();
    for (i, (receipt, (kind, fee))) in receipts.iter().zip(expected).enumerate() {
        assert_eq!(receipt.status.kind(), kind, "tx {i}: {:?}", receipt.status);
        assert_eq!(receipt.actual_fee, fee, "tx {i}");
    }
    let Status::Reverted(reason) = &receipts[4].status else {
        unreachable!("checked above")
    };
    assert!(reason.contains("Index out of bounds"), "{reason}");

    // The chain's diff: 7 entries. Five are equal (the test contract's storage write, the
    // block-hash write, both nonces, the load-test account's balance after four fees). The
    // Braavos account's balance and the sequencer's differ by the same 251,680,000,000,000
    // fri: the chain charged transaction 4 31,460 L2 gas more than blockifier 0.20.0-rc.1
    // and starkstm do. The called class is `NativeSliceDetector`: `probe(n)` slices the
    // array [10, 20] from index 1 for n elements, which on the Cairo VM fails ("Index out of
    // bounds") for n = 0xffffffff; the chain's sequencer evidently ran it under Cairo Native,
    // where it succeeded. Rerunning blockifier with the slice made to succeed gives the
    // chain's fee to the fri (10,980 more execution gas and the event's 20,480). The VM's
    // outcome is the protocol's; this entry is the chain's deviation from it.
    let (diff, _) =
        StateDiff::from_changes(seq.state_changes(), &block.state, &block.context).unwrap();
    let differences = compare(&block.expected, &diff);
    let strk = felt("0x4718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d");
    let braavos_balance = felt("0x597112715dbb98e3d58b9f1c76052be1d6290188399cf431020a948ed95206");
    let sequencer_balance =
        felt("0x5496768776e3db30053404f18067d81a6e06f5a2b0de326e21298fd9d569a9a");
    let gap = Felt::from(31_460u64 * 8_000_000_000);
    assert_eq!(differences.len(), 2, "{differences:#?}");
    for d in &differences {
        assert_eq!(d.at, strk, "{d}");
        let (chain, ours) = (d.expected.unwrap(), d.actual.unwrap());
        match d.key.unwrap() {
            k if k == braavos_balance => assert_eq!(ours - chain, gap, "{d}"),
            k if k == sequencer_balance => assert_eq!(chain - ours, gap, "{d}"),
            _ => panic!("unexpected difference {d}"),
        }
    }
}
