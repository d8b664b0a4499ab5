//! `starkstm mock`: a generated block of mock transactions, sequential vs parallel.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;
use starkstm_engine::{Config, ExecutionStats, ParallelExecutor, SequentialExecutor};
use starkstm_workload::work::units_for_micros;
use starkstm_workload::{mock_block, MockBlockSpec, MockVm, Pattern};

use crate::report::Report;
use crate::run::median;

/// Arguments of `starkstm mock`.
#[derive(Debug, Args)]
pub(crate) struct MockArgs {
    /// Transactions in the block.
    #[arg(long, default_value_t = 1000)]
    txs: usize,
    /// Contention pattern: independent, zipf, chain or delta.
    #[arg(long, default_value = "independent")]
    pattern: Pattern,
    /// Key-space size for the zipf pattern.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    keys: u32,
    /// Busy work per transaction, in microseconds (0 to 1,000,000).
    #[arg(long = "work-us", default_value_t = 100.0)]
    work_us: f64,
    /// Worker threads for the parallel run [default: available cores].
    #[arg(long, value_parser = crate::parse_threads)]
    threads: Option<NonZeroUsize>,
    /// Seed of the generated block.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Timed runs of each executor, back to back after its warm-up; the report gives the
    /// medians.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    repeat: u64,
    /// Warm-up time per executor before the timed runs, in milliseconds (at least one run).
    #[arg(long = "warm-up-ms", default_value_t = 300)]
    warm_up_ms: u64,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &MockArgs) -> Result<ExitCode> {
    if !(0.0..=1_000_000.0).contains(&args.work_us) {
        bail!(
            "--work-us must be between 0 and 1000000, got {}",
            args.work_us
        );
    }
    let threads = args.threads.unwrap_or_else(|| Config::default().threads());
    let spec = MockBlockSpec {
        pattern: args.pattern,
        txs: args.txs,
        keys: args.keys,
        work_units: units_for_micros(args.work_us),
        seed: args.seed,
    };
    let block = mock_block(&spec);
    let base: HashMap<u32, u64> = HashMap::new();
    let executor = ParallelExecutor::new(Config::new(threads)).context("starting workers")?;

    // Steady state, as an embedded engine runs, measured like criterion does: each executor
    // first runs for a warm-up period (at least once), then its timed runs go back to back.
    // Interleaving the two would start every parallel run with parked workers and caches the
    // sequential run just evicted, and on virtual machines a core that was idle runs slowly
    // for its first milliseconds of work. Every parallel output is compared with the sequential
    // one.
    let warm_up = Duration::from_millis(args.warm_up_ms);
    let sequential_run = || {
        SequentialExecutor::new()
            .execute_block(&MockVm, &base, &block)
            .context("sequential execution failed")
    };
    let reference = sequential_run()?;
    let started = Instant::now();
    while started.elapsed() < warm_up {
        drop(sequential_run()?);
    }
    let mut sequential_times = Vec::new();
    for _ in 0..args.repeat {
        let started = Instant::now();
        let output = sequential_run()?;
        sequential_times.push(started.elapsed());
        drop(output);
    }
    let mut parallel_times = Vec::new();
    let mut identical = true;
    let mut stats = ExecutionStats::default();
    let warm_up_started = Instant::now();
    let mut warming = true;
    while parallel_times.len() < args.repeat as usize {
        let started = Instant::now();
        let parallel = executor
            .execute_block(&MockVm, &base, &block)
            .context("parallel execution failed")?;
        let elapsed = started.elapsed();
        identical &= parallel.output() == &reference;
        stats = parallel.stats().clone();
        if warming {
            warming = warm_up_started.elapsed() < warm_up;
        } else {
            parallel_times.push(elapsed);
        }
    }
    let workload = format!(
        "mock {} ({} keys, {} us work/tx, seed {})",
        args.pattern, args.keys, args.work_us, args.seed
    );
    let report = Report::new(
        workload,
        threads.get(),
        median(&mut sequential_times),
        median(&mut parallel_times),
        identical,
        &stats,
        args.repeat as usize,
    );
    if args.json {
        report.print_json()?;
    } else {
        report.print_text();
    }
    Ok(if identical {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
