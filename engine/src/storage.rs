//! [`Storage`]: the read-only state before the block, which the embedder provides.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::Hash;

/// The block's base state: what every key holds before the block's first transaction.
///
/// It must not change while a block executes: the engine reads each key at most once per block
/// (through a per-block cache) and from many threads. A failure is an `Err`, never a panic. The
/// engine may read a key speculatively (for an incarnation that is later discarded); a failed
/// read fails the block only if the transaction that made it commits with it, so the parallel
/// and sequential executors fail at the same transaction when failures are deterministic.
pub trait Storage<K, V>: Sync {
    /// The value of `key` before the block. A key that was never set has the state's default
    /// value (for Starknet, zero): return it rather than an error.
    fn read(&self, key: &K) -> Result<V, StorageError>;
}

/// Reading the base state failed (a database error, a missing snapshot…).
#[derive(Debug)]
pub struct StorageError {
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl StorageError {
    /// Wraps the embedder's error.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StorageError {
        StorageError {
            source: source.into(),
        }
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "reading the base state failed: {}", self.source)
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// An in-memory base state: a missing key reads as `V::default()`.
impl<K: Eq + Hash + Sync, V: Clone + Default + Sync> Storage<K, V> for HashMap<K, V> {
    fn read(&self, key: &K) -> Result<V, StorageError> {
        Ok(self.get(key).cloned().unwrap_or_default())
    }
}

/// An in-memory base state: a missing key reads as `V::default()`.
impl<K: Ord + Sync, V: Clone + Default + Sync> Storage<K, V> for BTreeMap<K, V> {
    fn read(&self, key: &K) -> Result<V, StorageError> {
        Ok(self.get(key).cloned().unwrap_or_default())
    }
}
