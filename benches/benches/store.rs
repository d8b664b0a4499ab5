//! Question: what does one multi-version store operation cost? These are the per-read and
//! per-write overheads the engine adds to every transaction.

use std::convert::Infallible;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use starkstm_versioned_state::{
    Incarnation, MultiVersionStore, ReadOrigin, ReadSet, TxIndex, Version, WriteSet,
};

const KEYS: u32 = 1000;

fn base(key: &u32) -> Result<u64, Infallible> {
    Ok(u64::from(*key))
}

fn populated() -> MultiVersionStore<u32, u64> {
    let store = MultiVersionStore::new(KEYS as usize);
    for tx in 0..KEYS {
        let mut writes = WriteSet::new();
        writes.write(tx, u64::from(tx));
        let _ = store.record(Version::new(TxIndex(tx), Incarnation(0)), writes);
    }
    store
}

fn store(c: &mut Criterion) {
    let store = populated();
    let mut group = c.benchmark_group("store");
    group.bench_function("read_written_key", |b| {
        let mut k = 0;
        b.iter(|| {
            k = (k + 7) % KEYS;
            black_box(store.read(&k, TxIndex(KEYS), base).unwrap())
        })
    });
    group.bench_function("read_base_cached", |b| {
        let other = MultiVersionStore::<u32, u64>::new(1);
        for k in 0..KEYS {
            let _ = other.read(&k, TxIndex(0), base).unwrap();
        }
        let mut k = 0;
        b.iter(|| {
            k = (k + 7) % KEYS;
            black_box(other.read(&k, TxIndex(0), base).unwrap())
        })
    });
    group.bench_function("record_two_keys", |b| {
        let mut inc = 0;
        b.iter(|| {
            inc += 1;
            let mut writes = WriteSet::new();
            writes.write(1, inc);
            writes.write(2, inc);
            store.record(Version::new(TxIndex(500), Incarnation(inc as u32)), writes)
        })
    });
    group.bench_function("validate_four_reads", |b| {
        let mut reads = ReadSet::new();
        for k in [3u32, 30, 300, 900] {
            reads.push(
                k,
                ReadOrigin::Write(Version::new(TxIndex(k), Incarnation(0))),
                u64::from(k),
            );
        }
        b.iter(|| {
            black_box(
                store
                    .validate_read_set(TxIndex(KEYS), &reads, base)
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, store);
criterion_main!(benches);
