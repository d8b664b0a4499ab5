//! `starkstm run`: a generated block of Starknet transactions, sequential vs parallel.

use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use starkstm_engine::{Config, ExecutionStats, ParallelExecutor, SequentialExecutor};
use starkstm_starknet::{BlockState, StarknetVm, Status};
use starkstm_workload::starknet::{transfers, StarknetBlock, TransfersSpec};

use crate::report::Report;

/// A Starknet workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Workload {
    /// Signed fee-token transfers to uniformly random recipients, each paying its fee to the
    /// sequencer.
    Transfers,
    /// The same with accounts that skip signature validation (Starknet's reference benchmark).
    TransfersNovalidate,
}

/// Arguments of `starkstm run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// What the block holds.
    #[arg(long, value_enum, default_value = "transfers")]
    workload: Workload,
    /// Transactions in the block.
    #[arg(long, default_value_t = 1000)]
    txs: usize,
    /// Accounts in the generated genesis.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    accounts: u64,
    /// Worker threads for the parallel run [default: available cores].
    #[arg(long, value_parser = crate::parse_threads)]
    threads: Option<NonZeroUsize>,
    /// Seed of the generated block.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Timed runs of each executor, back to back after one warm-up run; the report gives the
    /// medians.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    repeat: u64,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &RunArgs) -> Result<ExitCode> {
    if args.txs > 1_000_000 {
        bail!("--txs must be at most 1000000, got {}", args.txs);
    }
    let threads = args.threads.unwrap_or_else(|| Config::default().threads());
    let spec = TransfersSpec {
        txs: args.txs,
        accounts: args.accounts as usize,
        validate: args.workload == Workload::Transfers,
        seed: args.seed,
    };
    let block: StarknetBlock = transfers(&spec).context("generating the block")?;
    let vm = StarknetVm::new(block.genesis.context.clone());
    let base = BlockState::new(&block.genesis.state, &block.genesis.context);
    let executor = ParallelExecutor::new(Config::new(threads)).context("starting workers")?;

    // One warm-up run of each executor, then the timed runs back to back (see `mock`).
    let sequential_run = || {
        SequentialExecutor::new()
            .execute_block(&vm, &base, &block.txs)
            .context("sequential execution failed")
    };
    let reference = sequential_run()?;
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
    for run in 0..=args.repeat {
        let started = Instant::now();
        let parallel = executor
            .execute_block(&vm, &base, &block.txs)
            .context("parallel execution failed")?;
        let elapsed = started.elapsed();
        identical &= parallel.output() == &reference;
        stats = parallel.stats().clone();
        if run > 0 {
            parallel_times.push(elapsed);
        }
    }
    let count = |kind: &str| {
        reference
            .outputs()
            .iter()
            .filter(|r| r.status.kind() == kind)
            .count()
    };
    let workload = format!(
        "{} ({} accounts, seed {})",
        match args.workload {
            Workload::Transfers => "transfers",
            Workload::TransfersNovalidate => "transfers-novalidate",
        },
        args.accounts,
        args.seed
    );
    let mut report = Report::new(
        workload,
        threads.get(),
        median(&mut sequential_times),
        median(&mut parallel_times),
        identical,
        &stats,
        args.repeat as usize,
    );
    report.succeeded = Some(count(Status::Succeeded.kind()));
    report.reverted = Some(count("reverted"));
    report.rejected = Some(count("rejected"));
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
