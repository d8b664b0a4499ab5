//! [`WriteSet`]: what one incarnation wrote, one [`Write`] per key.
//!
//! Rules, so that the store and the sequential executor agree on what a transaction left:
//! - A later full write to a key replaces whatever the incarnation wrote there before.
//! - A delta after a full write folds into it: the key holds the written value plus the delta.
//! - A delta after a delta merges with it ([`Value::merge_deltas`], earlier first).

use std::collections::hash_map::{self, HashMap};
use std::hash::Hash;

use crate::value::Value;

/// What an incarnation left at one key.
#[derive(Clone, Debug, PartialEq)]
pub enum Write<V: Value> {
    /// A full value.
    Value(V),
    /// A delta to add to whatever is under it.
    Delta(V::Delta),
}

/// The writes of one incarnation.
#[derive(Clone, Debug)]
pub struct WriteSet<K, V: Value> {
    writes: HashMap<K, Write<V>>,
}

impl<K: Eq + Hash, V: Value> WriteSet<K, V> {
    /// An empty write set.
    pub fn new() -> WriteSet<K, V> {
        WriteSet {
            writes: HashMap::new(),
        }
    }

    /// Writes `value` at `key`, replacing any earlier write of this incarnation.
    pub fn write(&mut self, key: K, value: V) {
        self.writes.insert(key, Write::Value(value));
    }

    /// Adds `delta` at `key`, folding it into an earlier write or delta of this incarnation.
    pub fn add(&mut self, key: K, delta: V::Delta) {
        match self.writes.entry(key) {
            hash_map::Entry::Vacant(slot) => {
                slot.insert(Write::Delta(delta));
            }
            hash_map::Entry::Occupied(mut slot) => {
                let merged = match slot.get() {
                    Write::Value(value) => Write::Value(value.apply_delta(&delta)),
                    Write::Delta(earlier) => Write::Delta(V::merge_deltas(earlier, &delta)),
                };
                slot.insert(merged);
            }
        }
    }

    /// What this incarnation left at `key`, if anything.
    pub fn get(&self, key: &K) -> Option<&Write<V>> {
        self.writes.get(key)
    }

    /// Whether this incarnation wrote `key`.
    pub fn contains(&self, key: &K) -> bool {
        self.writes.contains_key(key)
    }

    /// The writes, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &Write<V>)> {
        self.writes.iter()
    }

    /// How many keys were written.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// Forgets every write (a reverted transaction keeps its reads but leaves no writes).
    pub fn clear(&mut self) {
        self.writes.clear();
    }
}

impl<K: Eq + Hash, V: Value> Default for WriteSet<K, V> {
    fn default() -> Self {
        WriteSet::new()
    }
}

impl<K: Eq + Hash, V: Value> IntoIterator for WriteSet<K, V> {
    type Item = (K, Write<V>);
    type IntoIter = hash_map::IntoIter<K, Write<V>>;
    fn into_iter(self) -> Self::IntoIter {
        self.writes.into_iter()
    }
}
