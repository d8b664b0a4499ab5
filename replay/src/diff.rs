//! Entry-by-entry comparison of starkstm's state diff with the one the chain committed.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use starkstm_starknet::{Felt, StateDiff};

use crate::file::CommittedDiff;

/// Which part of the state an entry is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A storage slot: `(contract, key)`.
    Storage,
    /// A nonce: `(contract)`.
    Nonce,
    /// The class at an address: `(contract)`.
    ClassHash,
    /// A declared class's compiled class hash: `(class hash)`.
    CompiledClassHash,
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EntryKind::Storage => "storage",
            EntryKind::Nonce => "nonce",
            EntryKind::ClassHash => "class hash",
            EntryKind::CompiledClassHash => "compiled class hash",
        })
    }
}

/// One entry in which the diffs differ: absent from one, or with two values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffEntry {
    /// What the entry is.
    pub kind: EntryKind,
    /// The contract (or the class, for a compiled class hash).
    pub at: Felt,
    /// The storage key (storage entries only).
    pub key: Option<Felt>,
    /// The chain's value (`None`: the chain's diff lacks the entry).
    pub expected: Option<Felt>,
    /// starkstm's value (`None`: starkstm's diff lacks the entry).
    pub actual: Option<Felt>,
}

impl fmt::Display for DiffEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = |v: Option<Felt>| v.map_or("(absent)".to_string(), |v| format!("{v:#x}"));
        write!(f, "{} {:#x}", self.kind, self.at)?;
        if let Some(key) = self.key {
            write!(f, " key {key:#x}")?;
        }
        write!(
            f,
            ": chain {}, starkstm {}",
            value(self.expected),
            value(self.actual)
        )
    }
}

type Entries = BTreeMap<(EntryKind, Felt, Option<Felt>), Felt>;

fn committed_entries(diff: &CommittedDiff) -> Entries {
    let mut entries = Entries::new();
    for (address, slots) in &diff.storage_updates {
        for (key, value) in slots {
            entries.insert(
                (EntryKind::Storage, *address.0.key(), Some(*key.0.key())),
                *value,
            );
        }
    }
    for (address, nonce) in &diff.address_to_nonce {
        entries.insert((EntryKind::Nonce, *address.0.key(), None), nonce.0);
    }
    for (address, class) in &diff.address_to_class_hash {
        entries.insert((EntryKind::ClassHash, *address.0.key(), None), class.0);
    }
    for (class, compiled) in &diff.class_hash_to_compiled_class_hash {
        entries.insert((EntryKind::CompiledClassHash, class.0, None), compiled.0);
    }
    entries
}

fn our_entries(diff: &StateDiff) -> Entries {
    let mut entries = Entries::new();
    for ((address, key), value) in &diff.storage {
        entries.insert(
            (EntryKind::Storage, *address.0.key(), Some(*key.0.key())),
            *value,
        );
    }
    for (address, nonce) in &diff.nonces {
        entries.insert((EntryKind::Nonce, *address.0.key(), None), nonce.0);
    }
    for (address, class) in &diff.class_hashes {
        entries.insert((EntryKind::ClassHash, *address.0.key(), None), class.0);
    }
    for (class, compiled) in &diff.declared_classes {
        entries.insert((EntryKind::CompiledClassHash, class.0, None), compiled.0);
    }
    entries
}

/// Every entry in which `actual` differs from `expected`, sorted by kind, contract and key;
/// empty when they are equal.
pub fn compare(expected: &CommittedDiff, actual: &StateDiff) -> Vec<DiffEntry> {
    let expected = committed_entries(expected);
    let actual = our_entries(actual);
    let mut keys: Vec<_> = expected.keys().chain(actual.keys()).copied().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (e, a) = (expected.get(&k).copied(), actual.get(&k).copied());
            (e != a).then_some(DiffEntry {
                kind: k.0,
                at: k.1,
                key: k.2,
                expected: e,
                actual: a,
            })
        })
        .collect()
}

/// The number of entries of the committed diff.
pub fn committed_len(diff: &CommittedDiff) -> usize {
    committed_entries(diff).len()
}
