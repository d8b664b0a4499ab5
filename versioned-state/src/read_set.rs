//! [`ReadSet`]: what one incarnation read, for validation.
//!
//! One [`Read`] per key: the first time an incarnation reads a key it records the origin and the
//! value; later reads of the same key inside the incarnation are served from that record (the
//! engine's view guarantees it), so one check per key validates the whole incarnation.

use crate::read::ReadOrigin;
use crate::value::Value;

/// One recorded read.
#[derive(Clone, Debug, PartialEq)]
pub struct Read<K, V> {
    /// The key read.
    pub key: K,
    /// Where its value came from.
    pub origin: ReadOrigin,
    /// The value seen.
    pub value: V,
}

/// The reads of one incarnation, one per key, in the order they were made.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadSet<K, V> {
    reads: Vec<Read<K, V>>,
}

impl<K, V: Value> ReadSet<K, V> {
    /// An empty read set.
    pub fn new() -> ReadSet<K, V> {
        ReadSet { reads: Vec::new() }
    }

    /// Records a read. The caller records each key once.
    pub fn push(&mut self, key: K, origin: ReadOrigin, value: V) {
        self.reads.push(Read { key, origin, value });
    }

    /// The reads, in the order they were made.
    pub fn iter(&self) -> impl Iterator<Item = &Read<K, V>> {
        self.reads.iter()
    }

    /// The `i`-th recorded read.
    pub fn get(&self, i: usize) -> Option<&Read<K, V>> {
        self.reads.get(i)
    }

    /// How many keys were read.
    pub fn len(&self) -> usize {
        self.reads.len()
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.reads.is_empty()
    }
}

impl<K, V: Value> Default for ReadSet<K, V> {
    fn default() -> Self {
        ReadSet::new()
    }
}
