//! One key's version list: the entry each transaction index wrote.
//!
//! Invariants:
//! - At most one entry per transaction index (the latest recorded incarnation's, or its
//!   ESTIMATE after an abort).
//! - An entry at index `i` is only ever put, replaced or removed by the thread that owns
//!   transaction `i`'s current incarnation (executing it, aborting it, or committing it); the
//!   scheduler guarantees there is one such thread at a time.

use std::collections::BTreeMap;

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

/// All the versions of one key, ordered by transaction index.
pub(crate) type VersionList<V> = BTreeMap<TxIndex, Entry<V>>;

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
    for (&tx, entry) in list.range(..below).rev() {
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
