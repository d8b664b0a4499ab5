//! Comparing two output files field by field: what `starkstm diff` prints, and what the
//! conformance report counts.
//!
//! Per transaction, the protocol's fields: the status, whether a revert or rejection reason is
//! present, the fee, each amount of the gas vector, the events and the L2→L1 messages. The
//! reasons' texts are not compared (each executor words its own), nor, when either file comes
//! from another executor, our own resource accounting (steps, builtins, syscalls, state writes),
//! which the protocol does not define. Then every state-diff entry that differs, with both
//! values.

use std::collections::{BTreeMap, BTreeSet};

use starkstm_starknet::{Receipt, Status};

use crate::block_file::{OutputFile, STARKSTM_EXECUTOR};

/// One field of one transaction that differs, with both values as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDiff {
    /// The field's name (`fee`, `l2_gas`, `events`, …).
    pub field: &'static str,
    /// Its value in the first file.
    pub a: String,
    /// Its value in the second file.
    pub b: String,
}

/// Everything that differs between two output files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Per transaction (block index), the fields that differ.
    pub receipts: Vec<(usize, Vec<FieldDiff>)>,
    /// State-diff entries that differ: `(section, key, value in a, value in b)`; a missing
    /// entry is `absent`.
    pub state: Vec<(&'static str, String, String, String)>,
    /// How many transactions (or state entries) differ in each field.
    pub counts: BTreeMap<&'static str, usize>,
}

impl Comparison {
    /// Whether nothing differs.
    pub fn is_identical(&self) -> bool {
        self.counts.is_empty()
    }

    /// The report, one difference a line: at most `limit` transaction and state lines, then a
    /// summary line of counts per field. Empty when identical.
    pub fn lines(&self, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut shown = 0;
        for (i, fields) in &self.receipts {
            if shown == limit {
                break;
            }
            shown += 1;
            let parts: Vec<String> = fields
                .iter()
                .map(|f| format!("{} {} ≠ {}", f.field, f.a, f.b))
                .collect();
            out.push(format!("receipt {i}: {}", parts.join("; ")));
        }
        for (section, key, a, b) in &self.state {
            if shown == limit {
                break;
            }
            shown += 1;
            out.push(format!("state diff: {section} {key}: {a} ≠ {b}"));
        }
        let total = self.receipts.len() + self.state.len();
        if total > shown {
            out.push(format!("… and {} more", total - shown));
        }
        if !self.counts.is_empty() {
            let counts: Vec<String> = self
                .counts
                .iter()
                .map(|(field, n)| format!("{field} {n}"))
                .collect();
            out.push(format!("differing: {}", counts.join(", ")));
        }
        out
    }
}

/// Compares `a` with `b`.
pub fn compare(a: &OutputFile, b: &OutputFile) -> Comparison {
    let mut cmp = Comparison::default();
    let ours = a.executor == STARKSTM_EXECUTOR && b.executor == STARKSTM_EXECUTOR;
    if a.receipts.len() != b.receipts.len() {
        cmp.receipts.push((
            a.receipts.len().min(b.receipts.len()),
            vec![FieldDiff {
                field: "transactions",
                a: a.receipts.len().to_string(),
                b: b.receipts.len().to_string(),
            }],
        ));
        cmp.counts.insert("transactions", 1);
    }
    for (i, (ra, rb)) in a.receipts.iter().zip(&b.receipts).enumerate() {
        let fields = receipt_fields(ra, rb, ours);
        if !fields.is_empty() {
            for f in &fields {
                *cmp.counts.entry(f.field).or_default() += 1;
            }
            cmp.receipts.push((i, fields));
        }
    }
    let (da, db) = (&a.state_diff, &b.state_diff);
    let hex = |f: &starkstm_starknet::Felt| format!("{f:#x}");
    section(
        &mut cmp,
        "storage",
        da.storage
            .iter()
            .map(|(c, k, v)| (format!("({}, {})", hex(c.0.key()), hex(k.0.key())), hex(v))),
        db.storage
            .iter()
            .map(|(c, k, v)| (format!("({}, {})", hex(c.0.key()), hex(k.0.key())), hex(v))),
    );
    section(
        &mut cmp,
        "nonce",
        da.nonces.iter().map(|(c, n)| (hex(c.0.key()), hex(&n.0))),
        db.nonces.iter().map(|(c, n)| (hex(c.0.key()), hex(&n.0))),
    );
    section(
        &mut cmp,
        "class hash",
        da.class_hashes
            .iter()
            .map(|(c, h)| (hex(c.0.key()), hex(&h.0))),
        db.class_hashes
            .iter()
            .map(|(c, h)| (hex(c.0.key()), hex(&h.0))),
    );
    section(
        &mut cmp,
        "declared class",
        da.declared_classes
            .iter()
            .map(|(c, h)| (hex(&c.0), hex(&h.0))),
        db.declared_classes
            .iter()
            .map(|(c, h)| (hex(&c.0), hex(&h.0))),
    );
    cmp
}

fn receipt_fields(a: &Receipt, b: &Receipt, ours: bool) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    let mut field = |field: &'static str, x: String, y: String| {
        if x != y {
            out.push(FieldDiff { field, a: x, b: y });
        }
    };
    field(
        "hash",
        format!("{:#x}", a.tx_hash.0),
        format!("{:#x}", b.tx_hash.0),
    );
    field("status", a.status.kind().into(), b.status.kind().into());
    let reason = |s: &Status| match s {
        Status::Succeeded => "absent".to_string(),
        Status::Reverted(r) | Status::Rejected(r) if r.is_empty() => "empty".to_string(),
        Status::Reverted(_) | Status::Rejected(_) => "present".to_string(),
    };
    field("reason", reason(&a.status), reason(&b.status));
    field("fee", a.actual_fee.to_string(), b.actual_fee.to_string());
    field("l1_gas", a.gas.l1_gas.to_string(), b.gas.l1_gas.to_string());
    field(
        "l1_data_gas",
        a.gas.l1_data_gas.to_string(),
        b.gas.l1_data_gas.to_string(),
    );
    field("l2_gas", a.gas.l2_gas.to_string(), b.gas.l2_gas.to_string());
    if a.events != b.events {
        let (x, y) = lists(&a.events, &b.events);
        field("events", x, y);
    }
    if a.messages != b.messages {
        let (x, y) = lists(&a.messages, &b.messages);
        field("messages", x, y);
    }
    if ours && a.resources != b.resources {
        field(
            "resources",
            format!("{:?}", a.resources),
            format!("{:?}", b.resources),
        );
    }
    out
}

/// Two lists that differ, shortly: their lengths, or the first position where they differ.
fn lists<T: PartialEq>(a: &[T], b: &[T]) -> (String, String) {
    if a.len() != b.len() {
        return (a.len().to_string(), b.len().to_string());
    }
    let k = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(0);
    let show = |n: usize| format!("{n} (#{k} differs)");
    (show(a.len()), show(b.len()))
}

/// Compares one section of the state diff, entry by entry.
fn section(
    cmp: &mut Comparison,
    name: &'static str,
    a: impl Iterator<Item = (String, String)>,
    b: impl Iterator<Item = (String, String)>,
) {
    let a: BTreeMap<String, String> = a.collect();
    let b: BTreeMap<String, String> = b.collect();
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        let (x, y) = (a.get(key), b.get(key));
        if x != y {
            let show = |v: Option<&String>| v.cloned().unwrap_or_else(|| "absent".into());
            cmp.state.push((name, key.clone(), show(x), show(y)));
            *cmp.counts.entry(name).or_default() += 1;
        }
    }
}
