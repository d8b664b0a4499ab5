//! [`MultiVersionStore`]: every version of every key written in one block.
//!
//! Invariants:
//! - `last_written[i]` lists exactly the keys at which transaction `i` has an entry (a value, a
//!   delta or an ESTIMATE). [`record`](MultiVersionStore::record) keeps the two in step: keys
//!   the new incarnation no longer writes lose their entry.
//! - A key's cached base value (kept beside its versions) is the first value the base state
//!   returned for it; the base state is immutable for the block, so every later read agrees.
//! - Lock order: a shard lock of `data` (shared, or exclusive to insert a key), then that key's
//!   version-list mutex. The base state is never read under either.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hash::Hash;

use dashmap::DashMap;
use parking_lot::Mutex;
use rayon::prelude::*;
use starkstm_primitives::{TxIndex, Version};

use crate::entry::{walk_below, Entry, VersionList, Walk};
use crate::read::{ReadOrigin, ReadResult};
use crate::read_set::ReadSet;
use crate::value::Value;
use crate::write_set::{Write, WriteSet};

/// Shards of the key maps. Many more than threads, so two threads touching different keys rarely
/// meet on one shard lock's cache line (the sharded map's default, four per core, made
/// cheap transactions on two cores spend a third of their time bouncing lock words).
const SHARDS: usize = 256;

/// The keys at which one transaction has entries, and whether any is a delta.
#[derive(Debug)]
struct TxWrites<K> {
    keys: Vec<K>,
    has_deltas: bool,
}

impl<K> Default for TxWrites<K> {
    fn default() -> Self {
        TxWrites {
            keys: Vec::new(),
            has_deltas: false,
        }
    }
}

/// What the store needs of a key: hashing for the concurrent map, order for deterministic
/// output, and cheap cloning.
pub trait Key: Eq + Hash + Ord + Clone + Debug + Send + Sync + 'static {}
impl<T: Eq + Hash + Ord + Clone + Debug + Send + Sync + 'static> Key for T {}

/// What [`MultiVersionStore::record`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct Recorded {
    /// The incarnation wrote a key the previous incarnation of the same transaction did not.
    /// Transactions above may have read that key from below and missed this write (Block-STM's
    /// `wrote_new_location`).
    pub wrote_new_location: bool,
}

/// The outcome of validating a read set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Validation {
    /// Every read still sees the same version, or the same value.
    Valid,
    /// Some read would now see another value, or an ESTIMATE.
    Invalid {
        /// The transaction whose entry the first stale read now meets (its write, delta or
        /// ESTIMATE); `None` if it now reads the base state. Schedulers use the distance to it
        /// to tell a chain from scattered conflicts.
        writer: Option<TxIndex>,
    },
}

/// A concurrent multi-version store for one block of transactions.
///
/// `K` is the key type and `V` the value type; the store is created per block, sized by the
/// number of transactions.
///
/// ```
/// use starkstm_versioned_state::{MultiVersionStore, ReadOrigin, ReadResult, WriteSet};
/// use starkstm_versioned_state::{Incarnation, TxIndex, Version};
///
/// let store: MultiVersionStore<&str, Vec<u8>> = MultiVersionStore::new(3);
/// let base = |_: &&str| Ok::<_, ()>(b"base".to_vec());
///
/// let mut writes = WriteSet::new();
/// writes.write("k", b"one".to_vec());
/// let v0 = Version::new(TxIndex(0), Incarnation(0));
/// let _ = store.record(v0, writes);
///
/// // Transaction 1 sees transaction 0's write; transaction 0 sees the base state.
/// let seen = store.read(&"k", TxIndex(1), base).unwrap();
/// assert_eq!(seen, ReadResult::Value { origin: ReadOrigin::Write(v0), value: b"one".to_vec() });
/// let seen = store.read(&"k", TxIndex(0), base).unwrap();
/// assert_eq!(seen, ReadResult::Value { origin: ReadOrigin::Storage, value: b"base".to_vec() });
///
/// // Aborting transaction 0 leaves an ESTIMATE: transaction 1 now depends on it.
/// store.convert_writes_to_estimates(TxIndex(0));
/// assert_eq!(store.read(&"k", TxIndex(1), base).unwrap(), ReadResult::Dependency(TxIndex(0)));
/// ```
#[derive(Debug)]
pub struct MultiVersionStore<K: Key, V: Value> {
    /// Per key, its version list and cached base value. Sharded; each key has its own mutex.
    data: DashMap<K, Mutex<VersionList<V>>>,
    /// Per transaction, the keys at which it has an entry.
    last_written: Box<[Mutex<TxWrites<K>>]>,
}

impl<K: Key, V: Value> MultiVersionStore<K, V> {
    /// An empty store for a block of `num_txs` transactions.
    pub fn new(num_txs: usize) -> MultiVersionStore<K, V> {
        MultiVersionStore {
            data: DashMap::with_capacity_and_shard_amount(2 * num_txs, SHARDS),
            last_written: (0..num_txs)
                .map(|_| Mutex::new(TxWrites::default()))
                .collect(),
        }
    }

    /// The number of transactions the store was sized for.
    pub fn num_txs(&self) -> usize {
        self.last_written.len()
    }

    /// Reads `key` as transaction `tx` sees it: the closest entry below `tx` (deltas resolved down
    /// to a full write or the base state), the base state if nobody below wrote it, or a
    /// dependency if the closest entry that decides the value is an ESTIMATE.
    ///
    /// `base` reads the block's base state; it is called at most once, outside every lock, and
    /// only when the base value is needed and not yet cached.
    pub fn read<E>(
        &self,
        key: &K,
        tx: TxIndex,
        base: impl FnOnce(&K) -> Result<V, E>,
    ) -> Result<ReadResult<V>, E> {
        let walk = match self.data.get(key) {
            Some(list) => {
                let list = list.lock();
                match (walk_below(&list, tx), &list.base) {
                    (Walk::Empty, Some(value)) => {
                        return Ok(ReadResult::Value {
                            origin: ReadOrigin::Storage,
                            value: value.clone(),
                        })
                    }
                    (Walk::DeltasOverBase { top, pending }, Some(value)) => {
                        return Ok(ReadResult::Value {
                            origin: ReadOrigin::Delta(Version::new(top.0, top.1)),
                            value: value.apply_delta(&pending),
                        })
                    }
                    (walk, _) => walk,
                }
            }
            None => Walk::Empty,
        };
        let result = match walk {
            Walk::Estimate(blocking) => ReadResult::Dependency(blocking),
            Walk::Written {
                top,
                value,
                pending,
                top_is_delta,
            } => {
                let version = Version::new(top.0, top.1);
                match pending {
                    Some(delta) => ReadResult::Value {
                        origin: ReadOrigin::Delta(version),
                        value: value.apply_delta(&delta),
                    },
                    None => {
                        debug_assert!(!top_is_delta);
                        ReadResult::Value {
                            origin: ReadOrigin::Write(version),
                            value,
                        }
                    }
                }
            }
            // Both cases found no cached base value above (or no entry for the key at all).
            Walk::DeltasOverBase { top, pending } => ReadResult::Value {
                origin: ReadOrigin::Delta(Version::new(top.0, top.1)),
                value: self.cache_base(key, base)?.apply_delta(&pending),
            },
            Walk::Empty => ReadResult::Value {
                origin: ReadOrigin::Storage,
                value: self.cache_base(key, base)?,
            },
        };
        Ok(result)
    }

    /// The base-state value of `key`, through the per-block cache.
    pub fn base_value<E>(&self, key: &K, base: impl FnOnce(&K) -> Result<V, E>) -> Result<V, E> {
        if let Some(list) = self.data.get(key) {
            if let Some(value) = &list.lock().base {
                return Ok(value.clone());
            }
        }
        self.cache_base(key, base)
    }

    /// Reads `key` from the base state (outside every lock) and caches it, for a caller that
    /// found it not cached.
    fn cache_base<E>(&self, key: &K, base: impl FnOnce(&K) -> Result<V, E>) -> Result<V, E> {
        let value = base(key)?;
        // Another thread may have cached it meanwhile; the base state is immutable, so both
        // values are equal and keeping the first is as good as keeping ours.
        if let Some(list) = self.data.get(key) {
            return Ok(list.lock().base.get_or_insert(value).clone());
        }
        // First appearance of the key in the block: an exclusive shard lock, once per key.
        let list = self.data.entry(key.clone()).or_default();
        let mut list = list.lock();
        Ok(list.base.get_or_insert(value).clone())
    }

    /// Records the write set of `version`, replacing the entries of the transaction's previous
    /// incarnation: keys written again are overwritten, keys no longer written are removed.
    pub fn record(&self, version: Version, writes: WriteSet<K, V>) -> Recorded {
        let tx = version.tx;
        let mut last = self.last_written[tx.as_usize()].lock();
        let mut kept = 0;
        for key in last.keys.iter() {
            if writes.contains(key) {
                kept += 1;
            } else if let Some(list) = self.data.get(key) {
                list.lock().remove(&tx);
            }
        }
        let wrote_new_location = writes.len() > kept;
        last.keys.clear();
        last.has_deltas = false;
        for (key, write) in writes {
            let entry = match write {
                Write::Value(value) => Entry::Written {
                    incarnation: version.incarnation,
                    value,
                },
                Write::Delta(delta) => {
                    last.has_deltas = true;
                    Entry::Delta {
                        incarnation: version.incarnation,
                        delta,
                    }
                }
            };
            self.put(&key, tx, entry);
            last.keys.push(key);
        }
        Recorded { wrote_new_location }
    }

    /// Replaces every entry of `tx` with an ESTIMATE (Block-STM's abort): the aborted write set
    /// predicts the next incarnation's, and readers that meet it register a dependency.
    pub fn convert_writes_to_estimates(&self, tx: TxIndex) {
        let last = self.last_written[tx.as_usize()].lock();
        for key in last.keys.iter() {
            if let Some(list) = self.data.get(key) {
                list.lock().insert(tx, Entry::Estimate);
            }
        }
    }

    /// Checks that every read in `reads`, made by transaction `tx`, would still see what it saw:
    /// the same version, or failing that the same value (execution is deterministic in the
    /// values it reads, so an equal value cannot change the outcome).
    pub fn validate_read_set<E>(
        &self,
        tx: TxIndex,
        reads: &ReadSet<K, V>,
        base: impl Fn(&K) -> Result<V, E>,
    ) -> Result<Validation, E> {
        for read in reads.iter() {
            match self.read(&read.key, tx, &base)? {
                ReadResult::Dependency(blocking) => {
                    return Ok(Validation::Invalid {
                        writer: Some(blocking),
                    })
                }
                ReadResult::Value { origin, value } => {
                    let same_version = origin == read.origin && origin.pins_value();
                    if !same_version && value != read.value {
                        let writer = match origin {
                            ReadOrigin::Storage => None,
                            ReadOrigin::Write(version) | ReadOrigin::Delta(version) => {
                                Some(version.tx)
                            }
                        };
                        return Ok(Validation::Invalid { writer });
                    }
                }
            }
        }
        Ok(Validation::Valid)
    }

    /// Turns `tx`'s delta entries into full values, resolved against the entries below. Called
    /// when `tx` commits (everything below is final), so that later reads stop at `tx` instead of
    /// walking down the whole history of a hot counter.
    ///
    /// # Panics
    /// If an entry below `tx` is an ESTIMATE: the caller promised every transaction below had
    /// committed.
    pub fn materialize_deltas<E>(
        &self,
        tx: TxIndex,
        base: impl Fn(&K) -> Result<V, E>,
    ) -> Result<(), E> {
        let last = self.last_written[tx.as_usize()].lock();
        if !last.has_deltas {
            return Ok(());
        }
        for key in last.keys.iter() {
            let Some(list) = self.data.get(key) else {
                continue;
            };
            let (incarnation, delta) = match list.lock().get(&tx) {
                Some(Entry::Delta { incarnation, delta }) => (*incarnation, delta.clone()),
                _ => continue,
            };
            drop(list);
            let below = match self.read(key, tx, &base)? {
                ReadResult::Value { value, .. } => value,
                ReadResult::Dependency(blocking) => panic!(
                    "materializing {tx}: {blocking} below it left an ESTIMATE at {key:?}, \
                     but everything below a committing transaction is final"
                ),
            };
            let value = below.apply_delta(&delta);
            if let Some(list) = self.data.get(key) {
                list.lock()
                    .insert(tx, Entry::Written { incarnation, value });
            }
        }
        Ok(())
    }

    /// The final value of every key written by transactions `0..upto`, resolved (deltas applied),
    /// in key order. Keys that no transaction below `upto` wrote are absent.
    ///
    /// Runs on the calling thread; [`par_snapshot`](MultiVersionStore::par_snapshot) is the same
    /// on the current rayon pool, for stores with many keys.
    ///
    /// # Panics
    /// If an ESTIMATE lies below `upto`: the caller promised transactions `0..upto` had committed.
    pub fn snapshot<E>(
        &self,
        upto: TxIndex,
        base: impl Fn(&K) -> Result<V, E>,
    ) -> Result<BTreeMap<K, V>, E> {
        let mut state = Vec::with_capacity(self.data.len());
        for item in self.data.iter() {
            if let Some(value) = self.final_value(item.key(), item.value(), upto, &base)? {
                state.push((item.key().clone(), value));
            }
        }
        state.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Built from sorted input, a B-tree is filled in one linear pass.
        Ok(state.into_iter().collect())
    }

    /// [`snapshot`](MultiVersionStore::snapshot), resolving and sorting on the current rayon pool
    /// (call it inside `ThreadPool::install` to use an executor's workers).
    pub fn par_snapshot<E: Send>(
        &self,
        upto: TxIndex,
        base: impl Fn(&K) -> Result<V, E> + Sync,
    ) -> Result<BTreeMap<K, V>, E> {
        let resolved: Result<Vec<Option<(K, V)>>, E> = self
            .data
            .par_iter()
            .map(|item| {
                let value = self.final_value(item.key(), item.value(), upto, &base)?;
                Ok(value.map(|value| (item.key().clone(), value)))
            })
            .collect();
        let mut state: Vec<(K, V)> = resolved?.into_iter().flatten().collect();
        state.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(state.into_iter().collect())
    }

    /// How many keys the store holds (written, or read from the base state).
    pub fn num_keys(&self) -> usize {
        self.data.len()
    }

    /// The value of `key` after transactions `0..upto`, if one of them wrote it.
    fn final_value<E>(
        &self,
        key: &K,
        list: &Mutex<VersionList<V>>,
        upto: TxIndex,
        base: impl Fn(&K) -> Result<V, E>,
    ) -> Result<Option<V>, E> {
        let list = list.lock();
        let value = match walk_below(&list, upto) {
            Walk::Empty => return Ok(None),
            Walk::Estimate(tx) => {
                panic!("snapshot below {upto}: {tx} left an ESTIMATE at {key:?}, but it committed")
            }
            Walk::Written { value, pending, .. } => match pending {
                Some(delta) => value.apply_delta(&delta),
                None => value,
            },
            Walk::DeltasOverBase { pending, .. } => match &list.base {
                Some(value) => value.clone(),
                None => base(key)?,
            }
            .apply_delta(&pending),
        };
        Ok(Some(value))
    }

    /// Puts `entry` at (`key`, `tx`), inserting the key if it is new in the block.
    fn put(&self, key: &K, tx: TxIndex, entry: Entry<V>) {
        if let Some(list) = self.data.get(key) {
            list.lock().insert(tx, entry);
            return;
        }
        // First appearance of this key in the block (the other place is `cache_base`): the only
        // times the store takes a shard lock exclusively.
        self.data
            .entry(key.clone())
            .or_default()
            .lock()
            .insert(tx, entry);
    }
}

#[cfg(test)]
mod tests;
