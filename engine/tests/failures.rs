//! Failure paths of the parallel executor: a panicking VM, a fatal VM error, a failing base
//! state. Each must come back as a typed error with every worker joined, never a hang, and
//! leave the executor usable for the next block.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::Mutex;

use starkstm_engine::{
    Config, Error, ParallelExecutor, ReadError, SequentialExecutor, Storage, StorageError,
    TransactionExecutor, TxIndex, TxView,
};

/// Each transaction reads key `tx - 1`, writes key `tx`; special transactions misbehave.
#[derive(Default)]
struct Vm {
    panic_at: Option<u32>,
    fail_at: Option<u32>,
    threads_seen: Mutex<HashSet<String>>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
enum VmError {
    #[error("transaction {0} is invalid")]
    Invalid(u32),
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl TransactionExecutor for Vm {
    type Transaction = u32;
    type Key = u32;
    type Value = u64;
    type Output = u64;
    type Error = VmError;

    fn execute(&self, tx: &u32, view: &mut TxView<'_, u32, u64>) -> Result<u64, VmError> {
        if let Some(name) = std::thread::current().name() {
            self.threads_seen.lock().unwrap().insert(name.to_owned());
        }
        let below = if *tx > 0 { view.read(&(tx - 1))? } else { 0 };
        if self.panic_at == Some(*tx) {
            panic!("boom at {tx}");
        }
        if self.fail_at == Some(*tx) {
            return Err(VmError::Invalid(*tx));
        }
        view.write(*tx, below + 1);
        Ok(below)
    }
}

fn executor(threads: usize) -> ParallelExecutor {
    let config = Config::new(NonZeroUsize::new(threads).unwrap()).with_min_parallel_txs(0);
    ParallelExecutor::new(config).unwrap()
}

fn block(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[test]
fn a_vm_panic_is_a_typed_error_and_the_executor_survives() {
    let executor = executor(4);
    let base: HashMap<u32, u64> = HashMap::new();
    let vm = Vm {
        panic_at: Some(37),
        ..Vm::default()
    };
    match executor.execute_block(&vm, &base, &block(200)) {
        Err(Error::Panicked { tx, message }) => {
            assert_eq!(tx, TxIndex(37));
            assert!(message.contains("boom at 37"), "{message}");
        }
        other => panic!("expected a panic error, got {other:?}"),
    }
    // The same workers run the next block.
    let output = executor
        .execute_block(&Vm::default(), &base, &block(200))
        .unwrap();
    assert_eq!(output.output().outputs().len(), 200);
    assert_eq!(output.output().outputs()[199], 199);
}

#[test]
fn a_fatal_error_fails_the_block_at_the_same_transaction_as_sequential() {
    let base: HashMap<u32, u64> = HashMap::new();
    let vm = Vm {
        fail_at: Some(120),
        ..Vm::default()
    };
    let sequential = SequentialExecutor::new().execute_block(&vm, &base, &block(300));
    let Err(Error::Executor { tx, source }) = sequential else {
        panic!("sequential should fail");
    };
    assert_eq!((tx, &source), (TxIndex(120), &VmError::Invalid(120)));
    for threads in [1, 2, 4] {
        match executor(threads).execute_block(&vm, &base, &block(300)) {
            Err(Error::Executor { tx, source }) => {
                assert_eq!((tx, source), (TxIndex(120), VmError::Invalid(120)));
            }
            other => panic!("{threads} threads: expected the VM error, got {other:?}"),
        }
    }
}

/// A base state whose reads of one key fail.
struct Flaky;

impl Storage<u32, u64> for Flaky {
    fn read(&self, key: &u32) -> Result<u64, StorageError> {
        if *key == 50 {
            Err(StorageError::new("disk unreadable at key 50"))
        } else {
            Ok(0)
        }
    }
}

#[test]
fn a_storage_error_is_reported() {
    // Transaction `i` reads key `i` from the base state; reading key 50 fails.
    struct ReadsBase;
    impl TransactionExecutor for ReadsBase {
        type Transaction = u32;
        type Key = u32;
        type Value = u64;
        type Output = u64;
        type Error = ReadError;
        fn execute(&self, tx: &u32, view: &mut TxView<'_, u32, u64>) -> Result<u64, ReadError> {
            view.read(tx)
        }
    }
    let sequential = SequentialExecutor::new().execute_block(&ReadsBase, &Flaky, &block(100));
    assert!(matches!(
        sequential,
        Err(Error::Storage {
            tx: Some(TxIndex(50)),
            ..
        })
    ));
    let parallel = executor(3).execute_block(&ReadsBase, &Flaky, &block(100));
    match parallel {
        Err(
            error @ Error::Storage {
                tx: Some(TxIndex(50)),
                ..
            },
        ) => {
            let chain = format!("{error}: {}", std::error::Error::source(&error).unwrap());
            assert!(chain.contains("disk unreadable at key 50"), "{chain}");
        }
        other => panic!("expected a storage error, got {other:?}"),
    }
}

#[test]
fn workers_are_reused_across_blocks() {
    let executor = executor(3);
    let base: HashMap<u32, u64> = HashMap::new();
    let vm = Vm::default();
    for _ in 0..5 {
        executor.execute_block(&vm, &base, &block(300)).unwrap();
    }
    // The calling thread works too; the others are the executor's two helper threads, the same
    // ones for every block.
    let caller = std::thread::current().name().unwrap_or_default().to_owned();
    let seen = vm.threads_seen.lock().unwrap();
    assert!(!seen.is_empty());
    assert!(seen.len() <= 3, "{seen:?}");
    assert!(
        seen.iter()
            .all(|name| *name == caller || name.starts_with("starkstm-worker-")),
        "{seen:?}"
    );
    assert!(
        seen.iter().filter(|name| **name != caller).count() <= 2,
        "{seen:?}"
    );
}

#[test]
fn small_blocks_take_the_sequential_path() {
    let executor = ParallelExecutor::new(Config::new(NonZeroUsize::new(4).unwrap())).unwrap();
    let base: HashMap<u32, u64> = HashMap::new();
    let small = executor
        .execute_block(&Vm::default(), &base, &block(5))
        .unwrap();
    assert!(small.stats().sequential_fallback);
    let large = executor
        .execute_block(&Vm::default(), &base, &block(50))
        .unwrap();
    assert!(!large.stats().sequential_fallback);
    assert_eq!(large.output().outputs()[49], 49);
}

#[test]
fn a_chain_is_exact_and_the_window_keeps_re_execution_bounded() {
    // Every transaction depends on the one before: the worst case for speculation.
    let base: HashMap<u32, u64> = HashMap::new();
    let n = 400;
    let output = executor(4)
        .execute_block(&Vm::default(), &base, &block(n))
        .unwrap();
    let expected: Vec<u64> = (0..u64::from(n)).collect();
    assert_eq!(output.output().outputs(), &expected[..]);
    assert_eq!(output.output().state_changes()[&(n - 1)], u64::from(n));
    let stats = output.stats();
    // Without a window every transaction could run up to `threads` times; with it the waste is
    // bounded. Counts depend on timing, so the bound is loose: well under three per tx.
    assert!(stats.executions < 3 * u64::from(n), "{stats:?}");
}

/// Work the optimiser cannot remove.
fn busy(rounds: u64) {
    for i in 0..rounds {
        std::hint::black_box(i);
    }
}

/// Transfers between two accounts that always sum to 1,000; the VM panics when they do not,
/// and unwraps every read. Sequentially neither ever happens; in parallel an incarnation can read
/// one balance before and one after another transfer, or meet an ESTIMATE. Those incarnations
/// are discarded, never reported.
struct Conserving;

impl TransactionExecutor for Conserving {
    type Transaction = u64;
    type Key = u32;
    type Value = u64;
    type Output = u64;
    type Error = ReadError;

    fn execute(&self, amount: &u64, view: &mut TxView<'_, u32, u64>) -> Result<u64, ReadError> {
        let a = view.read(&0).expect("a VM that unwraps its reads");
        busy(2_000);
        let b = view.read(&1).expect("a VM that unwraps its reads");
        assert_eq!(a + b, 1_000, "the balances always sum to 1000");
        let moved = amount.min(&a);
        view.write(0, a - moved);
        view.write(1, b + moved);
        Ok(a - moved)
    }
}

#[test]
fn speculative_panics_are_not_reported() {
    let base: HashMap<u32, u64> = [(0, 1_000), (1, 0)].into_iter().collect();
    let block: Vec<u64> = (0..400).map(|i| i % 3).collect();
    let sequential = SequentialExecutor::new()
        .execute_block(&Conserving, &base, &block)
        .unwrap();
    for threads in [2, 3, 4] {
        for _ in 0..20 {
            let parallel = executor(threads)
                .execute_block(&Conserving, &base, &block)
                .unwrap_or_else(|e| panic!("{threads} threads: {e}"));
            assert_eq!(parallel.output(), &sequential);
        }
    }
}

/// A base state that fails on key 99, which only a transaction that saw a stale flag reads.
struct FailsOn99;

impl Storage<u32, u64> for FailsOn99 {
    fn read(&self, key: &u32) -> Result<u64, StorageError> {
        if *key == 99 {
            Err(StorageError::new("key 99 is unreadable"))
        } else {
            Ok(0)
        }
    }
}

/// Even transactions set flag `i` after some work; odd ones read the flag their predecessor
/// sets and, only if it is still unset, read key 99.
struct FlagReader;

impl TransactionExecutor for FlagReader {
    type Transaction = u32;
    type Key = u32;
    type Value = u64;
    type Output = u64;
    type Error = ReadError;

    fn execute(&self, tx: &u32, view: &mut TxView<'_, u32, u64>) -> Result<u64, ReadError> {
        let flag = 1_000 + tx / 2;
        if tx % 2 == 0 {
            busy(20_000);
            view.write(flag, 1);
            Ok(0)
        } else if view.read(&flag)? == 0 {
            view.read(&99)
        } else {
            Ok(1)
        }
    }
}

#[test]
fn speculative_storage_errors_are_not_reported() {
    let block: Vec<u32> = (0..400).collect();
    let sequential = SequentialExecutor::new()
        .execute_block(&FlagReader, &FailsOn99, &block)
        .unwrap();
    for threads in [2, 3, 4] {
        for _ in 0..10 {
            let parallel = executor(threads)
                .execute_block(&FlagReader, &FailsOn99, &block)
                .unwrap_or_else(|e| panic!("{threads} threads: {e}"));
            assert_eq!(parallel.output(), &sequential);
        }
    }
}
