//! Streaming blocks: transactions added in batches while workers run give exactly what the
//! sequential executor gives on the included transactions — whatever the batches, with a block
//! limit, closed at a given count, or closed at the current prefix; outputs are published in
//! order as they commit; a panicking hook is a typed error; abort and deadlines end cleanly.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use starkstm_engine::{
    BlockControl, BoxedHook, CloseError, CommitDecision, Config, Error, ParallelExecutor,
    SequentialExecutor, SharedStorage, StreamError, StreamingBlock, TxIndex,
};
use starkstm_proptests::config;
use starkstm_workload::generator::{random_block, RandomBlockParams};
use starkstm_workload::{MockOutput, MockTransaction, MockVm};

fn executor(threads: usize) -> Arc<ParallelExecutor> {
    static EXECUTORS: std::sync::OnceLock<Vec<Arc<ParallelExecutor>>> = std::sync::OnceLock::new();
    EXECUTORS.get_or_init(|| {
        (1..=4)
            .map(|t| {
                Arc::new(
                    ParallelExecutor::new(
                        Config::new(std::num::NonZeroUsize::new(t).unwrap())
                            .with_min_parallel_txs(0),
                    )
                    .unwrap(),
                )
            })
            .collect()
    })[threads - 1]
        .clone()
}

fn block(txs: usize, keys: u32, seed: u64) -> Vec<MockTransaction> {
    random_block(
        &RandomBlockParams {
            txs,
            keys,
            max_ops: 4,
            dynamic_share: 0.3,
            delta_share: 0.2,
            revert_one_in: 7,
            fail_one_in: 0,
            work_units: 20,
        },
        seed,
    )
}

fn storage() -> SharedStorage<MockVm> {
    Arc::new(HashMap::<u32, u64>::new())
}

fn start(threads: usize, hook: Option<BoxedHook<MockVm>>) -> StreamingBlock<MockVm> {
    StreamingBlock::start(executor(threads), Arc::new(MockVm), storage(), hook, None)
}

/// A cumulative limit on the outputs' digests, as a block-capacity stand-in.
fn limit(cap: u64) -> impl FnMut(TxIndex, &MockOutput) -> CommitDecision + Send + Clone {
    let mut used = 0u64;
    move |_, output: &MockOutput| {
        let cost = output.digest % 100;
        if used + cost > cap {
            CommitDecision::Close
        } else {
            used += cost;
            CommitDecision::Commit
        }
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn streamed_blocks_equal_sequential(
        seed in any::<u64>(),
        txs in 0usize..300,
        keys in 1u32..50,
        batch in 1usize..80,
        threads in 1usize..=4,
        cap in proptest::option::of(0u64..8000),
    ) {
        let txs = block(txs, keys, seed);
        let hook: Option<BoxedHook<MockVm>> = cap.map(|c| Box::new(limit(c)) as BoxedHook<MockVm>);
        let stream = start(threads, hook);
        let mut published = Vec::new();
        for chunk in txs.chunks(batch) {
            if stream.add_txs(chunk.iter().cloned()).is_err() {
                prop_assert!(stream.is_sealed());
                break;
            }
            published.extend(stream.poll());
        }
        stream.wait_for(txs.len(), Duration::from_secs(60));
        published.extend(stream.poll());
        let streamed = stream.close().unwrap();
        let base: HashMap<u32, u64> = HashMap::new();
        let sequential = match cap {
            Some(c) => {
                let mut hook = limit(c);
                SequentialExecutor::new()
                    .execute_block_with(&MockVm, &base, &txs, BlockControl::new().with_hook(&mut hook))
                    .unwrap()
            }
            None => SequentialExecutor::new().execute_block(&MockVm, &base, &txs).unwrap(),
        };
        prop_assert!(streamed == sequential, "batch {batch}, {threads} threads");
        prop_assert_eq!(&published[..], streamed.outputs(), "published in order, as committed");
    }

    #[test]
    fn close_at_a_count_equals_the_sequential_prefix(
        seed in any::<u64>(),
        txs in 1usize..200,
        batch in 1usize..60,
        cut in 0.0f64..=1.0,
        threads in 1usize..=4,
    ) {
        let txs = block(txs, 20, seed);
        let n = ((txs.len() as f64) * cut) as usize;
        let stream = start(threads, None);
        for chunk in txs.chunks(batch) {
            stream.add_txs(chunk.iter().cloned()).unwrap();
        }
        // Let execution run past the cut sometimes.
        if seed % 2 == 0 {
            stream.wait_for(txs.len(), Duration::from_secs(60));
        }
        let closed = stream.close_at(n).unwrap();
        let base: HashMap<u32, u64> = HashMap::new();
        let prefix = SequentialExecutor::new().execute_block(&MockVm, &base, &txs[..n]).unwrap();
        prop_assert!(closed == prefix, "n = {n} of {}", txs.len());
    }
}

#[test]
fn transactions_added_while_a_batch_executes_join_the_block() {
    let txs = block(400, 1000, 9);
    let stream = start(2, None);
    stream.add_txs(txs[..200].iter().cloned()).unwrap();
    // Add the second batch while the first is (most likely) still executing.
    stream.add_txs(txs[200..].iter().cloned()).unwrap();
    assert_eq!(stream.wait_for(400, Duration::from_secs(60)), 400);
    let mut outputs = stream.poll();
    assert_eq!(outputs.len(), 400);
    assert!(stream.poll().is_empty(), "poll hands each output out once");
    let block = stream.close().unwrap();
    let base: HashMap<u32, u64> = HashMap::new();
    let sequential = SequentialExecutor::new()
        .execute_block(&MockVm, &base, &txs)
        .unwrap();
    assert!(block == sequential);
    outputs.truncate(400);
    assert_eq!(&outputs[..], sequential.outputs());
}

#[test]
fn close_now_keeps_the_committed_prefix() {
    let txs = block(300, 1000, 4);
    let stream = start(2, None);
    stream.add_txs(txs.iter().cloned()).unwrap();
    stream.wait_for(50, Duration::from_secs(60));
    let block = stream.close().unwrap();
    let n = block.included();
    assert!((50..=300).contains(&n));
    let base: HashMap<u32, u64> = HashMap::new();
    let prefix = SequentialExecutor::new()
        .execute_block(&MockVm, &base, &txs[..n])
        .unwrap();
    assert!(block == prefix);
}

#[test]
fn close_at_more_than_was_added_is_refused() {
    let stream = start(2, None);
    stream.add_txs(block(5, 10, 1)).unwrap();
    match stream.close_at(6) {
        Err(CloseError::Stream(StreamError::NotEnoughTransactions {
            requested: 6,
            added: 5,
        })) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_panicking_hook_is_a_typed_error_at_its_block_index() {
    let hook = |tx: TxIndex, _: &MockOutput| {
        if tx.as_usize() == 150 {
            panic!("hook failed");
        }
        CommitDecision::Commit
    };
    let stream = start(2, Some(Box::new(hook)));
    let txs = block(300, 1000, 2);
    for chunk in txs.chunks(100) {
        let _ = stream.add_txs(chunk.iter().cloned());
    }
    stream.wait_for(300, Duration::from_secs(60));
    match stream.close() {
        Err(Error::CommitHook { tx, message }) => {
            assert_eq!(tx.as_usize(), 150);
            assert!(message.contains("hook failed"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_deadline_of_zero_gives_an_empty_block_and_abort_ends_cleanly() {
    let stream = StreamingBlock::start(
        executor(2),
        Arc::new(MockVm),
        storage(),
        None,
        Some(Instant::now()),
    );
    let _ = stream.add_txs(block(100, 10, 3));
    stream.wait_for(100, Duration::from_secs(60));
    let out = stream.close().unwrap();
    assert_eq!(out.included(), 0);
    assert!(out.state_changes().is_empty());

    let stream = start(2, None);
    stream.add_txs(block(500, 10, 3)).unwrap();
    stream.abort();
    // Dropping a running block also stops it.
    let stream = start(2, None);
    stream.add_txs(block(500, 10, 5)).unwrap();
    drop(stream);
}

#[test]
fn a_sealed_block_refuses_more_transactions() {
    let stream = start(
        2,
        Some(Box::new(|tx: TxIndex, _: &MockOutput| {
            if tx.as_usize() >= 10 {
                CommitDecision::Close
            } else {
                CommitDecision::Commit
            }
        })),
    );
    stream.add_txs(block(50, 100, 8)).unwrap();
    stream.wait_for(50, Duration::from_secs(60));
    assert!(stream.is_sealed());
    assert_eq!(stream.add_txs(block(5, 100, 9)), Err(StreamError::Closed));
    assert_eq!(stream.close().unwrap().included(), 10);
}

#[test]
fn a_failure_past_the_cut_does_not_fail_close_at() {
    // A block whose transaction 150 fails fatally; close at 100 after execution ran past it.
    let mut txs = block(300, 1000, 12);
    let params = RandomBlockParams {
        txs: 1,
        keys: 1000,
        max_ops: 2,
        dynamic_share: 0.0,
        delta_share: 0.0,
        revert_one_in: 0,
        fail_one_in: 1,
        work_units: 0,
    };
    txs[150] = random_block(&params, 99).remove(0);
    let base: HashMap<u32, u64> = HashMap::new();
    assert!(SequentialExecutor::new()
        .execute_block(&MockVm, &base, &txs)
        .is_err());
    let stream = start(2, None);
    stream.add_txs(txs.iter().cloned()).unwrap();
    stream.wait_for(300, Duration::from_secs(60));
    let closed = stream.close_at(100).unwrap();
    let prefix = SequentialExecutor::new()
        .execute_block(&MockVm, &base, &txs[..100])
        .unwrap();
    assert!(closed == prefix);
}

#[test]
fn a_deadline_passing_while_idle_seals_the_block() {
    let deadline = Instant::now() + Duration::from_millis(50);
    let stream = StreamingBlock::start(
        executor(2),
        Arc::new(MockVm),
        storage(),
        None,
        Some(deadline),
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(stream.is_sealed());
    assert_eq!(stream.add_txs(block(3, 10, 1)), Err(StreamError::Closed));
    assert_eq!(stream.close().unwrap().included(), 0);
}
