//! Unit tests of the multi-version store: reads, deltas, ESTIMATEs, recording, validation, snapshots.

use std::convert::Infallible;

use starkstm_primitives::Incarnation;

use super::*;

/// A counter value whose deltas are wrapping additions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counter(u64);

impl Value for Counter {
    type Delta = u64;
    fn apply_delta(&self, delta: &u64) -> Counter {
        Counter(self.0.wrapping_add(*delta))
    }
    fn merge_deltas(earlier: &u64, later: &u64) -> u64 {
        earlier.wrapping_add(*later)
    }
}

type Store = MultiVersionStore<u32, Counter>;

fn base(key: &u32) -> Result<Counter, Infallible> {
    Ok(Counter(1000 + u64::from(*key)))
}

fn v(tx: u32, inc: u32) -> Version {
    Version::new(TxIndex(tx), Incarnation(inc))
}

fn writes(items: &[(u32, u64)]) -> WriteSet<u32, Counter> {
    let mut set = WriteSet::new();
    for &(k, x) in items {
        set.write(k, Counter(x));
    }
    set
}

fn deltas(items: &[(u32, u64)]) -> WriteSet<u32, Counter> {
    let mut set = WriteSet::new();
    for &(k, d) in items {
        set.add(k, d);
    }
    set
}

fn value(store: &Store, key: u32, tx: u32) -> ReadResult<Counter> {
    store.read(&key, TxIndex(tx), base).unwrap()
}

#[test]
fn reads_see_the_closest_write_below() {
    let store = Store::new(5);
    let _ = store.record(v(1, 0), writes(&[(7, 10)]));
    let _ = store.record(v(3, 2), writes(&[(7, 30)]));
    let expect = |origin, x| ReadResult::Value {
        origin,
        value: Counter(x),
    };
    assert_eq!(value(&store, 7, 0), expect(ReadOrigin::Storage, 1007));
    assert_eq!(value(&store, 7, 1), expect(ReadOrigin::Storage, 1007));
    assert_eq!(value(&store, 7, 2), expect(ReadOrigin::Write(v(1, 0)), 10));
    assert_eq!(value(&store, 7, 3), expect(ReadOrigin::Write(v(1, 0)), 10));
    assert_eq!(value(&store, 7, 4), expect(ReadOrigin::Write(v(3, 2)), 30));
    assert_eq!(value(&store, 8, 4), expect(ReadOrigin::Storage, 1008));
}

#[test]
fn deltas_resolve_against_the_value_under_them() {
    let store = Store::new(6);
    let _ = store.record(v(0, 0), deltas(&[(1, 5)]));
    let _ = store.record(v(1, 0), writes(&[(1, 100)]));
    let _ = store.record(v(2, 0), deltas(&[(1, 3)]));
    let _ = store.record(v(3, 1), deltas(&[(1, 4)]));
    let at = |tx| value(&store, 1, tx);
    assert_eq!(
        at(1),
        ReadResult::Value {
            origin: ReadOrigin::Delta(v(0, 0)),
            value: Counter(1006)
        }
    );
    assert_eq!(
        at(2),
        ReadResult::Value {
            origin: ReadOrigin::Write(v(1, 0)),
            value: Counter(100)
        }
    );
    assert_eq!(
        at(5),
        ReadResult::Value {
            origin: ReadOrigin::Delta(v(3, 1)),
            value: Counter(107)
        }
    );
}

#[test]
fn an_estimate_under_deltas_is_a_dependency_but_deltas_do_not_read() {
    let store = Store::new(4);
    let _ = store.record(v(0, 0), writes(&[(1, 1)]));
    let _ = store.record(v(1, 0), deltas(&[(1, 2)]));
    store.convert_writes_to_estimates(TxIndex(0));
    assert_eq!(value(&store, 1, 3), ReadResult::Dependency(TxIndex(0)));
    // Transaction 2 only adds to the key: recording it needs no read and meets no dependency.
    let recorded = store.record(v(2, 0), deltas(&[(1, 1)]));
    assert!(recorded.wrote_new_location);
}

#[test]
fn recording_replaces_the_previous_incarnation() {
    let store = Store::new(3);
    let first = store.record(v(1, 0), writes(&[(1, 1), (2, 2)]));
    assert!(first.wrote_new_location);
    let second = store.record(v(1, 1), writes(&[(2, 20)]));
    assert!(!second.wrote_new_location, "key 2 was written before");
    assert_eq!(
        value(&store, 1, 2),
        ReadResult::Value {
            origin: ReadOrigin::Storage,
            value: Counter(1001)
        }
    );
    assert_eq!(
        value(&store, 2, 2),
        ReadResult::Value {
            origin: ReadOrigin::Write(v(1, 1)),
            value: Counter(20)
        }
    );
    let third = store.record(v(1, 2), writes(&[(2, 20), (3, 3)]));
    assert!(third.wrote_new_location, "key 3 is new");
}

#[test]
fn validation_accepts_same_version_or_same_value() {
    let store = Store::new(3);
    let _ = store.record(v(0, 0), writes(&[(1, 10)]));
    let mut reads = ReadSet::new();
    reads.push(1, ReadOrigin::Write(v(0, 0)), Counter(10));
    let valid = |store: &Store| store.validate_read_set(TxIndex(2), &reads, base).unwrap();
    assert_eq!(valid(&store), Validation::Valid);

    // A new incarnation writing the same value: another version, same value: still valid.
    let _ = store.record(v(0, 1), writes(&[(1, 10)]));
    assert_eq!(valid(&store), Validation::Valid);

    // Another value: invalid, and the writer is named.
    let _ = store.record(v(0, 2), writes(&[(1, 11)]));
    assert_eq!(
        valid(&store),
        Validation::Invalid {
            writer: Some(TxIndex(0))
        }
    );

    // An ESTIMATE: invalid.
    store.convert_writes_to_estimates(TxIndex(0));
    assert_eq!(
        valid(&store),
        Validation::Invalid {
            writer: Some(TxIndex(0))
        }
    );

    // The write is gone: the read now sees the base state.
    let _ = store.record(v(0, 3), WriteSet::new());
    assert_eq!(valid(&store), Validation::Invalid { writer: None });
}

#[test]
fn validation_of_resolved_deltas_compares_values() {
    let store = Store::new(3);
    let _ = store.record(v(0, 0), writes(&[(1, 10)]));
    let _ = store.record(v(1, 0), deltas(&[(1, 5)]));
    let mut reads = ReadSet::new();
    reads.push(1, ReadOrigin::Delta(v(1, 0)), Counter(15));
    assert_eq!(
        store.validate_read_set(TxIndex(2), &reads, base).unwrap(),
        Validation::Valid
    );
    // The delta on top is unchanged, but the write under it changed: the resolved value moved.
    let _ = store.record(v(0, 1), writes(&[(1, 11)]));
    assert_eq!(
        store.validate_read_set(TxIndex(2), &reads, base).unwrap(),
        Validation::Invalid {
            writer: Some(TxIndex(1))
        }
    );
}

#[test]
fn materializing_and_snapshot_resolve_deltas() {
    let store = Store::new(3);
    let _ = store.record(v(0, 0), deltas(&[(1, 5), (2, 1)]));
    let _ = store.record(v(1, 0), deltas(&[(1, 5)]));
    let _ = store.record(v(2, 0), writes(&[(3, 3)]));
    store.materialize_deltas(TxIndex(0), base).unwrap();
    assert_eq!(
        value(&store, 1, 1),
        ReadResult::Value {
            origin: ReadOrigin::Write(v(0, 0)),
            value: Counter(1006)
        }
    );
    let all = store.snapshot(TxIndex(3), base).unwrap();
    let expected: Vec<(u32, Counter)> =
        vec![(1, Counter(1011)), (2, Counter(1003)), (3, Counter(3))];
    assert_eq!(all.into_iter().collect::<Vec<_>>(), expected);
    let first_two = store.snapshot(TxIndex(2), base).unwrap();
    assert!(!first_two.contains_key(&3));
}

#[test]
fn base_values_are_cached_and_read_once() {
    use std::cell::Cell;
    let store = Store::new(1);
    let calls = Cell::new(0);
    let counting = |k: &u32| {
        calls.set(calls.get() + 1);
        base(k)
    };
    for _ in 0..3 {
        let _ = store.read(&9, TxIndex(0), counting).unwrap();
    }
    assert_eq!(calls.get(), 1);
}

#[test]
fn base_errors_propagate() {
    let store = Store::new(1);
    let failing = |_: &u32| Err::<Counter, &str>("disk on fire");
    assert_eq!(store.read(&1, TxIndex(0), failing), Err("disk on fire"));
}
