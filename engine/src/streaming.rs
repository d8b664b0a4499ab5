//! [`StreamingBlock`]: build a block while transactions arrive — add them in batches while
//! workers run, receive each transaction's output as soon as it commits, close the block at the
//! current prefix or at a given count, or abort it.
//!
//! A coordinator thread owns the block. It executes the transactions added so far as one
//! *chunk* with the [`ParallelExecutor`] (its workers are reused across chunks and blocks), on
//! top of the base state plus the changes of the chunks before, while later batches queue up;
//! when the chunk ends it takes everything queued as the next chunk. Each transaction's output
//! is published the moment it commits (from the commit hook, in block order), so a subscriber
//! never waits for the chunk. A chunk is the unit of parallelism: the last transactions of a
//! chunk cannot overlap the first ones of the next, so feed batches at least a few times the
//! thread count.
//!
//! Equality with sequential execution holds block-wide: the output of a block streamed in any
//! batches equals [`SequentialExecutor::execute_block_with`](crate::SequentialExecutor) on the
//! included transactions with the same commit hook, because each chunk equals sequential
//! execution of its transactions on the state the chunks before it left.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use starkstm_primitives::TxIndex;

use crate::control::{BlockControl, CommitDecision, CommitHook};
use crate::error::Error;
use crate::executor::TransactionExecutor;
use crate::output::{BlockOutput, StateChanges};
use crate::parallel::ParallelExecutor;
use crate::storage::{Storage, StorageError};

/// A base state shared with the coordinator thread.
pub type SharedStorage<X> = Arc<
    dyn Storage<<X as TransactionExecutor>::Key, <X as TransactionExecutor>::Value> + Send + Sync,
>;

/// A commit hook owned by a streaming block.
pub type BoxedHook<X> = Box<dyn CommitHook<X> + Send>;

/// Why a streaming block refused a request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StreamError {
    /// The block is closed (by a hook, a deadline, `close`, or an error): nothing more can be
    /// added.
    #[error("the block is closed")]
    Closed,
    /// `close_at(n)` asked for more transactions than were added.
    #[error("the block cannot close at {requested}: only {added} transactions were added")]
    NotEnoughTransactions {
        /// The count asked for.
        requested: usize,
        /// Transactions added.
        added: usize,
    },
}

struct Shared<X: TransactionExecutor> {
    state: Mutex<State<X>>,
    /// Signalled when transactions are queued, a close or abort is requested, outputs are
    /// published, or the coordinator finishes.
    changed: Condvar,
    /// Makes the running chunk close at its next commit (`close`, `abort`). Relaxed: it is a
    /// request polled by the hook; the mutex orders everything it guards.
    stop: AtomicBool,
}

struct State<X: TransactionExecutor> {
    /// Added, not yet taken into a chunk.
    queue: VecDeque<X::Transaction>,
    /// Transactions added so far (queued or executed).
    added: usize,
    /// Outputs of committed transactions, in block order.
    outputs: Vec<X::Output>,
    /// How many outputs `poll` has handed out.
    polled: usize,
    /// `close_at`: include exactly this many.
    target: Option<usize>,
    close: bool,
    abort: bool,
    /// The coordinator has stopped; `ended_by` says why (`None`: by request).
    done: bool,
    /// The block was closed by the hook or the deadline: nothing more is included.
    sealed: bool,
    error: Option<Error<X::Error>>,
}

/// The block index an error names, if any.
fn error_index<E: std::error::Error + 'static>(error: &Error<E>) -> Option<usize> {
    match error {
        Error::Executor { tx, .. } | Error::Panicked { tx, .. } | Error::CommitHook { tx, .. } => {
            Some(tx.as_usize())
        }
        Error::Storage { tx, .. } => tx.map(TxIndex::as_usize),
        _ => None,
    }
}

/// A block being built from transactions that arrive over time (see the module doc).
pub struct StreamingBlock<X: TransactionExecutor> {
    shared: Arc<Shared<X>>,
    coordinator: Option<JoinHandle<Coordinated<X>>>,
    executor: Arc<ParallelExecutor>,
    vm: Arc<X>,
    storage: SharedStorage<X>,
}

/// What the coordinator hands back when it stops: the block's state changes per chunk.
struct Coordinated<X: TransactionExecutor> {
    chunks: Vec<Chunk<X>>,
    txs: Vec<X::Transaction>,
}

struct Chunk<X: TransactionExecutor> {
    start: usize,
    changes: StateChanges<X>,
    /// `false` for a chunk that failed: its committed prefix has no recorded changes and is
    /// re-executed if a cut keeps part of it.
    complete: bool,
}

impl<X: TransactionExecutor> std::fmt::Debug for StreamingBlock<X> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("StreamingBlock")
            .field("added", &state.added)
            .field("committed", &state.outputs.len())
            .field("done", &state.done)
            .finish()
    }
}

/// The base state plus the changes of earlier chunks.
struct Overlay<'a, X: TransactionExecutor> {
    base: &'a (dyn Storage<X::Key, X::Value> + Send + Sync),
    changes: &'a HashMap<X::Key, X::Value>,
}

impl<X: TransactionExecutor> Storage<X::Key, X::Value> for Overlay<'_, X> {
    fn read(&self, key: &X::Key) -> Result<X::Value, StorageError> {
        match self.changes.get(key) {
            Some(value) => Ok(value.clone()),
            None => self.base.read(key),
        }
    }
}

/// The commit hook of one chunk: the embedder's hook (with block-level indices), the stop
/// request, and publication of each committed output.
struct ChunkHook<'a, X: TransactionExecutor> {
    user: Option<&'a mut BoxedHook<X>>,
    shared: &'a Shared<X>,
    offset: usize,
    /// Stop before this block index (`close_at`).
    limit: Option<usize>,
}

impl<X: TransactionExecutor> CommitHook<X> for ChunkHook<'_, X>
where
    X::Transaction: Send,
{
    fn on_commit(&mut self, tx: TxIndex, output: &X::Output) -> CommitDecision {
        let index = self.offset + tx.as_usize();
        if self.shared.stop.load(Ordering::Relaxed) || self.limit.is_some_and(|l| index >= l) {
            return CommitDecision::Close;
        }
        if let Some(user) = self.user.as_mut() {
            if user.on_commit(TxIndex::from_usize(index), output) == CommitDecision::Close {
                return CommitDecision::Close;
            }
        }
        let mut state = self.shared.state.lock();
        state.outputs.push(output.clone());
        drop(state);
        self.shared.changed.notify_all();
        CommitDecision::Commit
    }
}

/// Moves a chunk-relative error to block indices.
fn shift<E: std::error::Error + 'static>(error: Error<E>, offset: usize) -> Error<E> {
    let at = |tx: TxIndex| TxIndex::from_usize(tx.as_usize() + offset);
    match error {
        Error::Executor { tx, source } => Error::Executor { tx: at(tx), source },
        Error::Storage { tx, source } => Error::Storage {
            tx: tx.map(at),
            source,
        },
        Error::Panicked { tx, message } => Error::Panicked {
            tx: at(tx),
            message,
        },
        Error::CommitHook { tx, message } => Error::CommitHook {
            tx: at(tx),
            message,
        },
        other => other,
    }
}

impl<X> StreamingBlock<X>
where
    X: TransactionExecutor + Send + Sync + 'static,
    X::Transaction: Send + 'static,
    X::Key: Send,
    X::Value: Send,
{
    /// Starts a block on `storage`, executed by `executor` (whose workers are reused). `hook`,
    /// if any, is consulted in block order for every transaction about to commit, as in
    /// [`BlockControl::with_hook`] (block limits, receipts); `deadline`, if any, closes the
    /// block at the committed prefix once it passes.
    pub fn start(
        executor: Arc<ParallelExecutor>,
        vm: Arc<X>,
        storage: SharedStorage<X>,
        hook: Option<BoxedHook<X>>,
        deadline: Option<Instant>,
    ) -> StreamingBlock<X> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                added: 0,
                outputs: Vec::new(),
                polled: 0,
                target: None,
                close: false,
                abort: false,
                done: false,
                sealed: false,
                error: None,
            }),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
        });
        let coordinator = {
            let (shared, executor, vm, storage) = (
                shared.clone(),
                executor.clone(),
                vm.clone(),
                storage.clone(),
            );
            std::thread::Builder::new()
                .name("starkstm-stream".into())
                .stack_size(crate::parallel::WORKER_STACK_BYTES)
                .spawn(move || coordinate(&shared, &executor, &*vm, &*storage, hook, deadline))
                .expect("the coordinator thread starts")
        };
        StreamingBlock {
            shared,
            coordinator: Some(coordinator),
            executor,
            vm,
            storage,
        }
    }

    /// Appends transactions to the block. They run as soon as the coordinator is free.
    pub fn add_txs(
        &self,
        txs: impl IntoIterator<Item = X::Transaction>,
    ) -> Result<(), StreamError> {
        let mut state = self.shared.state.lock();
        if state.done || state.sealed || state.close || state.abort || state.target.is_some() {
            return Err(StreamError::Closed);
        }
        let before = state.queue.len();
        state.queue.extend(txs);
        state.added += state.queue.len() - before;
        drop(state);
        self.shared.changed.notify_all();
        Ok(())
    }

    /// The outputs committed since the last `poll`, in block order (never blocks).
    pub fn poll(&self) -> Vec<X::Output> {
        let mut state = self.shared.state.lock();
        let new = state.outputs[state.polled..].to_vec();
        state.polled = state.outputs.len();
        new
    }

    /// Waits until at least `n` transactions have committed, the block has ended, or `timeout`
    /// passed; returns how many have committed.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> usize {
        let until = Instant::now() + timeout;
        let mut state = self.shared.state.lock();
        while state.outputs.len() < n && !state.done && !state.sealed {
            if self
                .shared
                .changed
                .wait_until(&mut state, until)
                .timed_out()
            {
                break;
            }
        }
        state.outputs.len()
    }

    /// How many transactions have committed.
    pub fn committed(&self) -> usize {
        self.shared.state.lock().outputs.len()
    }

    /// Whether the block was closed by the hook or the deadline (later transactions are not
    /// included).
    pub fn is_sealed(&self) -> bool {
        self.shared.state.lock().sealed
    }

    /// Closes the block at the current prefix: transactions committed so far are the block;
    /// queued and running ones are dropped.
    pub fn close(mut self) -> Result<BlockOutput<X>, Error<X::Error>> {
        self.shared.state.lock().close = true;
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.changed.notify_all();
        self.finish(None)
    }

    /// Closes the block at exactly `n` transactions (a validator replaying a proposer's block
    /// closes at the proposer's count): waits until they have executed, and drops the rest.
    /// Outputs already published for later transactions are superseded. Fails if fewer than
    /// `n` transactions were added; includes fewer if the hook or the deadline closed the
    /// block earlier.
    pub fn close_at(mut self, n: usize) -> Result<BlockOutput<X>, CloseError<X::Error>> {
        {
            let mut state = self.shared.state.lock();
            if n > state.added {
                let added = state.added;
                drop(state);
                self.abort_now();
                return Err(CloseError::Stream(StreamError::NotEnoughTransactions {
                    requested: n,
                    added,
                }));
            }
            state.target = Some(n);
        }
        self.shared.changed.notify_all();
        self.finish(Some(n)).map_err(CloseError::Block)
    }

    /// Drops the block: the running chunk stops at its next commit, nothing is returned.
    pub fn abort(mut self) {
        self.abort_now();
    }

    fn abort_now(&mut self) {
        self.shared.state.lock().abort = true;
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.changed.notify_all();
        if let Some(coordinator) = self.coordinator.take() {
            let _ = coordinator.join();
        }
    }

    /// Joins the coordinator and assembles the block (cut at `cut` if given).
    fn finish(&mut self, cut: Option<usize>) -> Result<BlockOutput<X>, Error<X::Error>> {
        let coordinated = self
            .coordinator
            .take()
            .expect("finish runs once")
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
        let mut state = self.shared.state.lock();
        if let Some(error) = state.error.take() {
            // A failure past the cut (in a chunk that ran beyond it) is not part of the block.
            let past_cut = cut.is_some_and(|n| error_index(&error).is_some_and(|i| i >= n));
            if !past_cut {
                return Err(error);
            }
        }
        let mut outputs = std::mem::take(&mut state.outputs);
        drop(state);
        let Coordinated { chunks, txs, .. } = coordinated;
        let executed = outputs.len();
        let included = cut.map_or(executed, |n| n.min(executed));
        let mut changes: BTreeMap<X::Key, X::Value> = BTreeMap::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let end = chunks.get(i + 1).map_or(executed, |next| next.start);
            if chunk.start >= included {
                break;
            }
            if end <= included && chunk.complete {
                changes.extend(chunk.changes.iter().map(|(k, v)| (k.clone(), v.clone())));
                continue;
            }
            // The cut falls inside this chunk, which ran past it: execute the chunk's
            // transactions up to the cut again, on the state before the chunk. The hook already
            // approved them; execution is deterministic, so their outputs are the ones published.
            let before: HashMap<X::Key, X::Value> = changes.clone().into_iter().collect();
            let overlay = Overlay::<X> {
                base: &*self.storage,
                changes: &before,
            };
            let redone = self
                .executor
                .execute_block(&*self.vm, &overlay, &txs[chunk.start..included])
                .map_err(|e| shift(e, chunk.start))?;
            changes.extend(redone.output().state_changes().clone());
            break;
        }
        outputs.truncate(included);
        Ok(BlockOutput::new(outputs, changes))
    }
}

/// Why `close_at` failed.
#[derive(Debug, thiserror::Error)]
pub enum CloseError<E: std::error::Error + 'static> {
    /// The request itself was invalid.
    #[error(transparent)]
    Stream(StreamError),
    /// Executing the block failed.
    #[error(transparent)]
    Block(Error<E>),
}

impl<X: TransactionExecutor> Drop for StreamingBlock<X> {
    fn drop(&mut self) {
        if let Some(coordinator) = self.coordinator.take() {
            self.shared.state.lock().abort = true;
            self.shared.stop.store(true, Ordering::Relaxed);
            self.shared.changed.notify_all();
            let _ = coordinator.join();
        }
    }
}

/// The coordinator: takes queued transactions as chunks and executes them, until the block is
/// closed, sealed, aborted or failed.
fn coordinate<X>(
    shared: &Shared<X>,
    executor: &ParallelExecutor,
    vm: &X,
    storage: &(dyn Storage<X::Key, X::Value> + Send + Sync),
    mut hook: Option<BoxedHook<X>>,
    deadline: Option<Instant>,
) -> Coordinated<X>
where
    X: TransactionExecutor,
    X::Transaction: Send,
{
    let mut txs: Vec<X::Transaction> = Vec::new();
    let mut chunks: Vec<Chunk<X>> = Vec::new();
    let mut changes: HashMap<X::Key, X::Value> = HashMap::new();
    let mut executed = 0;
    loop {
        let (batch, limit) = {
            let mut state = shared.state.lock();
            loop {
                let target_reached = state.target.is_some_and(|n| executed >= n);
                if state.abort || state.close || target_reached {
                    state.done = true;
                    drop(state);
                    shared.changed.notify_all();
                    return Coordinated { chunks, txs };
                }
                if !state.queue.is_empty() {
                    break;
                }
                match deadline {
                    Some(deadline) => {
                        if shared.changed.wait_until(&mut state, deadline).timed_out()
                            && state.queue.is_empty()
                        {
                            // The deadline passed with nothing to do: the block is sealed.
                            state.sealed = true;
                            state.done = true;
                            drop(state);
                            shared.changed.notify_all();
                            return Coordinated { chunks, txs };
                        }
                    }
                    None => shared.changed.wait(&mut state),
                }
            }
            // With a target, take no more than it needs.
            let take = match state.target {
                Some(n) => state.queue.len().min(n - executed),
                None => state.queue.len(),
            };
            let batch: Vec<X::Transaction> = state.queue.drain(..take).collect();
            (batch, state.target)
        };
        let start = executed;
        txs.extend(batch);
        let overlay = Overlay::<X> {
            base: storage,
            changes: &changes,
        };
        let mut chunk_hook = ChunkHook {
            user: hook.as_mut(),
            shared,
            offset: start,
            limit,
        };
        let mut control = BlockControl::new().with_hook(&mut chunk_hook);
        if let Some(deadline) = deadline {
            control = control.with_deadline(deadline);
        }
        let result = executor.execute_block_with(vm, &overlay, &txs[start..], control);
        match result {
            Err(error) => {
                chunks.push(Chunk {
                    start,
                    changes: BTreeMap::new(),
                    complete: false,
                });
                let mut state = shared.state.lock();
                state.error = Some(shift(error, start));
                state.done = true;
                drop(state);
                shared.changed.notify_all();
                return Coordinated { chunks, txs };
            }
            Ok(output) => {
                let (output, _stats) = output.into_parts();
                let included = output.included();
                let (_, chunk_changes) = output.into_parts();
                for (key, value) in &chunk_changes {
                    changes.insert(key.clone(), value.clone());
                }
                chunks.push(Chunk {
                    start,
                    changes: chunk_changes,
                    complete: true,
                });
                executed += included;
                let stopped = shared.stop.load(Ordering::Relaxed);
                let limited = limit.is_some_and(|n| executed >= n);
                if included < txs.len() - start && !stopped && !limited {
                    // The hook or the deadline closed the block.
                    let mut state = shared.state.lock();
                    state.sealed = true;
                    state.done = true;
                    drop(state);
                    shared.changed.notify_all();
                    return Coordinated { chunks, txs };
                }
                txs.truncate(executed);
            }
        }
    }
}
