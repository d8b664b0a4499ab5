//! One key's version list: the entry each transaction index wrote.
//!
//! Invariants:
//! - At most one entry per transaction index (the latest recorded incarnation's, or its
//!   ESTIMATE after an abort).
//! - An entry at index `i` is only ever put, replaced or removed by the thread that owns
//!   transaction `i`'s current incarnation (executing it, aborting it, or committing it); the
//!   scheduler guarantees there is one such thread at a time.

use starkstm_primitives::{Incarnation, TxIndex};

use crate::value::Value;

/// What transaction `i` left at a key.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Entry<V: Value> {
    /// A full value written by `incarnation`.
    Written { incarnation: Incarnation, value: V },
    /// A delta added by `incarnation`; its value is resolved against the entries below.
    Delta {
        incarnation: Incarnation,
        delta: V::Delta,
    },
    /// The incarnation that wrote here was aborted; the next one will probably write here again.
    Estimate,
}

/// All the versions of one key, ordered by transaction index, and the key's base-state value
/// once somebody needed it (the per-block base cache lives here, so that reading a key costs one
/// lookup in the sharded map, cached or not).
///
/// The versions are a sorted run searched by bisection, one version kept inline. Most keys hold
/// one to a few versions, where a vector beats a tree (no node allocation, one cache line); hot
/// keys grow at the speculation frontier, near the end.
#[derive(Debug)]
pub(crate) struct VersionList<V: Value> {
    entries: Entries<V>,
    /// The base-state value, cached on first use.
    pub(crate) base: Option<V>,
}

/// A sorted run of versions that keeps a single version inline: most keys of a block are
/// written by one transaction, and an allocation per key (and its free) costed cheap
/// transactions a tenth of their time.
#[derive(Debug)]
enum Entries<V: Value> {
    Empty,
    One((TxIndex, Entry<V>)),
    Many(Vec<(TxIndex, Entry<V>)>),
}

impl<V: Value> Entries<V> {
    fn as_slice(&self) -> &[(TxIndex, Entry<V>)] {
        match self {
            Entries::Empty => &[],
            Entries::One(version) => std::slice::from_ref(version),
            Entries::Many(versions) => versions,
        }
    }

    fn entry_mut(&mut self, i: usize) -> &mut Entry<V> {
        match self {
            Entries::Empty => unreachable!("no version at {i} of an empty list"),
            Entries::One(version) => &mut version.1,
            Entries::Many(versions) => &mut versions[i].1,
        }
    }

    /// Inserts `version` at position `i` (the caller keeps the run sorted).
    fn insert(&mut self, i: usize, version: (TxIndex, Entry<V>)) {
        *self = match std::mem::replace(self, Entries::Empty) {
            Entries::Empty => Entries::One(version),
            Entries::One(first) => {
                let mut versions = Vec::with_capacity(4);
                versions.push(first);
                versions.insert(i, version);
                Entries::Many(versions)
            }
            Entries::Many(mut versions) => {
                versions.insert(i, version);
                Entries::Many(versions)
            }
        };
    }

    fn remove(&mut self, i: usize) {
        match self {
            Entries::Empty => {}
            Entries::One(_) => *self = Entries::Empty,
            Entries::Many(versions) => {
                versions.remove(i);
            }
        }
    }
}

impl<V: Value> Default for VersionList<V> {
    fn default() -> Self {
        VersionList {
            entries: Entries::Empty,
            base: None,
        }
    }
}

impl<V: Value> VersionList<V> {
    fn search(&self, tx: TxIndex) -> Result<usize, usize> {
        let entries = self.entries.as_slice();
        // Fast path: the common insert or lookup at or past the newest version.
        match entries.last() {
            None => Err(0),
            Some((last, _)) if *last < tx => Err(entries.len()),
            Some((last, _)) if *last == tx => Ok(entries.len() - 1),
            Some(_) => entries.binary_search_by_key(&tx, |(t, _)| *t),
        }
    }

    /// The entry of `tx`, if any.
    pub(crate) fn get(&self, tx: &TxIndex) -> Option<&Entry<V>> {
        self.search(*tx).ok().map(|i| &self.entries.as_slice()[i].1)
    }

    /// Puts `entry` at `tx`, replacing what was there.
    pub(crate) fn insert(&mut self, tx: TxIndex, entry: Entry<V>) {
        match self.search(tx) {
            Ok(i) => *self.entries.entry_mut(i) = entry,
            Err(i) => self.entries.insert(i, (tx, entry)),
        }
    }

    /// Removes the entry of `tx`, if any.
    pub(crate) fn remove(&mut self, tx: &TxIndex) {
        if let Ok(i) = self.search(*tx) {
            self.entries.remove(i);
        }
    }

    /// The entries strictly below `below`, newest first.
    pub(crate) fn below(&self, below: TxIndex) -> impl Iterator<Item = &(TxIndex, Entry<V>)> {
        let end = match self.search(below) {
            Ok(i) | Err(i) => i,
        };
        self.entries.as_slice()[..end].iter().rev()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(x: u64) -> Entry<u64> {
        Entry::Written {
            incarnation: Incarnation(0),
            value: x,
        }
    }

    fn txs(list: &VersionList<u64>) -> Vec<u32> {
        list.below(TxIndex(u32::MAX)).map(|(t, _)| t.0).collect()
    }

    #[test]
    fn stays_sorted_through_inline_and_spilled_forms() {
        let mut list = VersionList::default();
        list.insert(TxIndex(5), written(5));
        assert_eq!(txs(&list), [5]);
        list.insert(TxIndex(2), written(2));
        list.insert(TxIndex(9), written(9));
        list.insert(TxIndex(7), written(7));
        assert_eq!(txs(&list), [9, 7, 5, 2]);
        list.insert(TxIndex(7), written(70));
        assert_eq!(list.get(&TxIndex(7)), Some(&written(70)));
        list.remove(&TxIndex(5));
        list.remove(&TxIndex(4));
        assert_eq!(txs(&list), [9, 7, 2]);
        assert_eq!(list.below(TxIndex(7)).count(), 1);
        let mut one = VersionList::default();
        one.insert(TxIndex(3), written(3));
        one.insert(TxIndex(3), written(30));
        assert_eq!(one.get(&TxIndex(3)), Some(&written(30)));
        one.remove(&TxIndex(3));
        assert!(one.get(&TxIndex(3)).is_none());
        assert_eq!(one.below(TxIndex(9)).count(), 0);
        one.insert(TxIndex(1), written(1));
        assert_eq!(txs(&one), [1]);
    }
}

/// How far a walk down a version list got.
#[derive(Debug)]
pub(crate) enum Walk<V: Value> {
    /// Met an ESTIMATE left by this transaction.
    Estimate(TxIndex),
    /// Found a full write `value` by `top` (or, with `pending`, deltas above the write by `top`):
    /// the value seen is `value` with `pending` added.
    Written {
        top: (TxIndex, Incarnation),
        value: V,
        pending: Option<V::Delta>,
        top_is_delta: bool,
    },
    /// Only deltas down to the base state; `top` is the closest delta.
    DeltasOverBase {
        top: (TxIndex, Incarnation),
        pending: V::Delta,
    },
    /// Nothing below.
    Empty,
}

/// Walks `list` down from just below `below`, folding deltas, until a full write, an ESTIMATE
/// or the bottom.
pub(crate) fn walk_below<V: Value>(list: &VersionList<V>, below: TxIndex) -> Walk<V> {
    let mut pending: Option<V::Delta> = None;
    let mut top: Option<(TxIndex, Incarnation)> = None;
    for (tx, entry) in list.below(below) {
        let tx = *tx;
        match entry {
            Entry::Estimate => return Walk::Estimate(tx),
            Entry::Written { incarnation, value } => {
                let top_is_delta = top.is_some();
                return Walk::Written {
                    top: top.unwrap_or((tx, *incarnation)),
                    value: value.clone(),
                    pending,
                    top_is_delta,
                };
            }
            Entry::Delta { incarnation, delta } => {
                top.get_or_insert((tx, *incarnation));
                // Walking down meets later deltas first: this one goes before what we hold.
                pending = Some(match pending {
                    None => delta.clone(),
                    Some(later) => V::merge_deltas(delta, &later),
                });
            }
        }
    }
    match (top, pending) {
        (Some(top), Some(pending)) => Walk::DeltasOverBase { top, pending },
        _ => Walk::Empty,
    }
}
