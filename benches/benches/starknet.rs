//! Question: how much faster than sequential is parallel execution on real Starknet blocks
//! (Cairo contracts on cairo-vm), per workload and block size? Sequential, parallel on one
//! thread (the engine's overhead) and parallel on every core are measured in the same run, so
//! their ratio is meaningful on a noisy machine; throughput is in transactions per second.
//!
//! Knobs: `STARKSTM_BENCH_WORKLOADS` (comma-separated names, default
//! "transfers,hot-counter,mix"), `STARKSTM_BENCH_SIZES` (default "100,1000"; add 10000 for the
//! big block, about a minute per executor on 2 cores).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use starkstm_benches::{cores, executor};
use starkstm_engine::SequentialExecutor;
use starkstm_starknet::{BlockState, StarknetVm};
use starkstm_workload::starknet_workloads::{generate, Workload, WorkloadSpec};

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn starknet(c: &mut Criterion) {
    let one = executor(1);
    let all = executor(cores());
    let sizes: Vec<usize> = env_list("STARKSTM_BENCH_SIZES", "100,1000")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    for name in env_list("STARKSTM_BENCH_WORKLOADS", "transfers,hot-counter,mix") {
        let workload = Workload::from_name(&name)
            .unwrap_or_else(|| panic!("STARKSTM_BENCH_WORKLOADS: unknown workload {name:?}"));
        for &txs in &sizes {
            let block = generate(&WorkloadSpec {
                workload,
                txs,
                accounts: 10_000,
                failing: 0.0,
                seed: 1,
                argent: None,
            })
            .expect("the block generates");
            let vm = StarknetVm::new(block.genesis.context.clone());
            let base = BlockState::new(&block.genesis.state, &block.genesis.context);
            let mut group = c.benchmark_group(format!("starknet/{workload}/{txs}"));
            group.throughput(Throughput::Elements(txs as u64));
            group.sample_size(10);
            group.warm_up_time(Duration::from_millis(500));
            group.measurement_time(Duration::from_secs(if txs >= 1000 { 10 } else { 3 }));
            group.bench_function("sequential", |b| {
                b.iter(|| {
                    SequentialExecutor::new()
                        .execute_block(&vm, &base, &block.txs)
                        .expect("no failure")
                })
            });
            group.bench_function(BenchmarkId::new("parallel", 1), |b| {
                b.iter(|| {
                    one.execute_block(&vm, &base, &block.txs)
                        .expect("no failure")
                })
            });
            group.bench_function(BenchmarkId::new("parallel", cores()), |b| {
                b.iter(|| {
                    all.execute_block(&vm, &base, &block.txs)
                        .expect("no failure")
                })
            });
            group.finish();
        }
    }
}

criterion_group!(benches, starknet);
criterion_main!(benches);
