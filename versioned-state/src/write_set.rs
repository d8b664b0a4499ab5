//! [`WriteSet`]: what one incarnation wrote, one [`Write`] per key.
//!
//! Rules, so that the store and the sequential executor agree on what a transaction left:
//! - A later full write to a key replaces whatever the incarnation wrote there before.
//! - A delta after a full write folds into it: the key holds the written value plus the delta.
//! - A delta after a delta merges with it ([`Value::merge_deltas`], earlier first).
//!
//! Most transactions write a handful of keys, so the set is a vector searched linearly; past
//! [`INDEX_AT`] entries it also keeps a hash index (one allocation and a hash per write would
//! otherwise dominate cheap transactions).

use std::collections::HashMap;
use std::hash::Hash;

use crate::value::Value;

/// The size from which a write set keeps a hash index of its keys.
pub const INDEX_AT: usize = 16;

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
    writes: Vec<(K, Write<V>)>,
    /// Key → position in `writes`, once there are at least [`INDEX_AT`] writes.
    index: Option<HashMap<K, usize>>,
}

impl<K: Eq + Hash + Clone, V: Value> WriteSet<K, V> {
    /// An empty write set.
    pub fn new() -> WriteSet<K, V> {
        WriteSet {
            writes: Vec::new(),
            index: None,
        }
    }

    fn position(&self, key: &K) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.writes.iter().position(|(k, _)| k == key),
        }
    }

    fn push(&mut self, key: K, write: Write<V>) {
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.writes.len());
        } else if self.writes.len() + 1 >= INDEX_AT {
            let mut index: HashMap<K, usize> = self
                .writes
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            index.insert(key.clone(), self.writes.len());
            self.index = Some(index);
        }
        self.writes.push((key, write));
    }

    /// Writes `value` at `key`, replacing any earlier write of this incarnation.
    pub fn write(&mut self, key: K, value: V) {
        match self.position(&key) {
            Some(i) => self.writes[i].1 = Write::Value(value),
            None => self.push(key, Write::Value(value)),
        }
    }

    /// Adds `delta` at `key`, folding it into an earlier write or delta of this incarnation.
    pub fn add(&mut self, key: K, delta: V::Delta) {
        match self.position(&key) {
            None => self.push(key, Write::Delta(delta)),
            Some(i) => {
                let slot = &mut self.writes[i].1;
                *slot = match &*slot {
                    Write::Value(value) => Write::Value(value.apply_delta(&delta)),
                    Write::Delta(earlier) => Write::Delta(V::merge_deltas(earlier, &delta)),
                };
            }
        }
    }

    /// What this incarnation left at `key`, if anything.
    pub fn get(&self, key: &K) -> Option<&Write<V>> {
        self.position(key).map(|i| &self.writes[i].1)
    }

    /// Whether this incarnation wrote `key`.
    pub fn contains(&self, key: &K) -> bool {
        self.position(key).is_some()
    }

    /// The writes, in the order their keys were first written.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &Write<V>)> {
        self.writes.iter().map(|(k, w)| (k, w))
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
        self.index = None;
    }
}

impl<K: Eq + Hash + Clone, V: Value> Default for WriteSet<K, V> {
    fn default() -> Self {
        WriteSet::new()
    }
}

impl<K, V: Value> IntoIterator for WriteSet<K, V> {
    type Item = (K, Write<V>);
    type IntoIter = std::vec::IntoIter<(K, Write<V>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.writes.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_rules_hold_with_and_without_the_index() {
        for n in [4u32, 40] {
            let mut set: WriteSet<u32, u64> = WriteSet::new();
            for k in 0..n {
                set.add(k, 1);
                set.add(k, 2);
            }
            set.write(1, 10);
            set.add(1, 5);
            set.add(2, 4);
            set.write(0, 7);
            assert_eq!(set.len(), n as usize);
            assert_eq!(set.get(&0), Some(&Write::Value(7)));
            assert_eq!(set.get(&1), Some(&Write::Value(15)));
            assert_eq!(set.get(&2), Some(&Write::Delta(7)));
            assert_eq!(set.get(&(n - 1)), Some(&Write::Delta(3)));
            assert_eq!(set.get(&n), None);
            assert!(set.contains(&(n - 1)));
            set.clear();
            assert!(set.is_empty() && !set.contains(&0));
        }
    }
}
