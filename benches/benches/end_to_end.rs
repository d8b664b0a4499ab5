//! Question: how much faster than sequential is parallel execution, per contention pattern and
//! per transaction cost? Sequential, parallel on one thread (the engine's overhead) and parallel
//! on every core are measured in the same run, so their ratio is meaningful on a noisy machine.
//!
//! Knobs: `STARKSTM_BENCH_WORK_US` (comma-separated microseconds, default "2,100"),
//! `STARKSTM_BENCH_TXS` (default 1000).

use std::collections::HashMap;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use starkstm_benches::{cores, executor};
use starkstm_engine::SequentialExecutor;
use starkstm_workload::work::units_for_micros;
use starkstm_workload::{mock_block, MockBlockSpec, MockVm, Pattern};

fn env_list(name: &str, default: &str) -> Vec<f64> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn end_to_end(c: &mut Criterion) {
    let txs = env_list("STARKSTM_BENCH_TXS", "1000")
        .first()
        .map_or(1000, |&n| n as usize);
    let base: HashMap<u32, u64> = HashMap::new();
    let one = executor(1);
    let all = executor(cores());
    for work_us in env_list("STARKSTM_BENCH_WORK_US", "2,100") {
        for pattern in Pattern::ALL {
            let block = mock_block(&MockBlockSpec {
                pattern,
                txs,
                keys: 10_000,
                work_units: units_for_micros(work_us),
                seed: 1,
            });
            let mut group = c.benchmark_group(format!("{pattern}/{work_us}us"));
            group.throughput(Throughput::Elements(txs as u64));
            group.sample_size(10);
            group.warm_up_time(Duration::from_millis(300));
            group.measurement_time(Duration::from_secs(2));
            group.bench_function("sequential", |b| {
                b.iter(|| {
                    SequentialExecutor::new()
                        .execute_block(&MockVm, &base, &block)
                        .expect("mock blocks do not fail")
                })
            });
            group.bench_function(BenchmarkId::new("parallel", 1), |b| {
                b.iter(|| {
                    one.execute_block(&MockVm, &base, &block)
                        .expect("no failure")
                })
            });
            group.bench_function(BenchmarkId::new("parallel", cores()), |b| {
                b.iter(|| {
                    all.execute_block(&MockVm, &base, &block)
                        .expect("no failure")
                })
            });
            group.finish();
        }
    }
}

criterion_group!(benches, end_to_end);
criterion_main!(benches);
