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
    /// Runs of each executor; the report gives the medians.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    repeat: u64,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &MockArgs) -> Result<ExitCode> {
    if !(0.0..=1_000_000.0).contains(&args.work_us) {
        bail!("--work-us must be between 0 and 1000000, got {}", args.work_us);
    }
    let threads = args
        .threads
        .unwrap_or_else(|| Config::default().threads());
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

    let mut sequential_times = Vec::new();
    let mut parallel_times = Vec::new();
    let mut identical = true;
    let mut stats = ExecutionStats::default();
    for _ in 0..args.repeat {
        let started = Instant::now();
        let sequential = SequentialExecutor::new()
            .execute_block(&MockVm, &base, &block)
            .context("sequential execution failed")?;
        sequential_times.push(started.elapsed());

        let started = Instant::now();
        let parallel = executor
            .execute_block(&MockVm, &base, &block)
            .context("parallel execution failed")?;
        parallel_times.push(started.elapsed());

        identical &= parallel.output() == &sequential;
        stats = parallel.stats().clone();
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

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
