//! `starkstm run`: a generated block of Starknet transactions, sequential vs parallel, with the
//! block's conflict structure.

use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Arc;

use starkstm_engine::{
    BlockOutput, Config, ConflictStructure, ExecutionStats, ParallelExecutor, SequentialExecutor,
    SharedStorage, StreamingBlock,
};
use starkstm_starknet::{
    BaseState, BlockContext, BlockState, SharedBlockState, StarknetVm, Transaction,
};
use starkstm_workload::starknet::StarknetBlock;
use starkstm_workload::starknet_workloads::{generate, Workload, WorkloadSpec};

use crate::report::{Conflicts, Report};

pub(crate) fn parse_workload(s: &str) -> Result<Workload> {
    match Workload::from_name(s) {
        Some(w) => Ok(w),
        None => {
            let names: Vec<&str> = Workload::ALL.iter().map(|w| w.name()).collect();
            bail!(
                "unknown workload '{s}' (expected one of: {})",
                names.join(", ")
            )
        }
    }
}

/// Arguments of `starkstm run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// What the block holds: mix, transfers, transfers-novalidate, transfers-oz, transfers-zipf,
    /// hot-recipient, nonce-chains, hot-counter, amm, amm-pools, mint, deploys, syscalls,
    /// transfers-cairo0, cairo0 or transfers-argent (see the README).
    #[arg(long, default_value = "mix", value_parser = parse_workload)]
    workload: Workload,
    /// Transactions in the block.
    #[arg(long, default_value_t = 2000)]
    txs: usize,
    /// Accounts in the generated genesis.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    accounts: u64,
    /// Share of transactions replaced by failing ones (reverted or rejected), 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    failing: f64,
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
    /// Stream the parallel runs: feed the block to a streaming block in batches of this many
    /// transactions, each batch added once the one before the previous has committed (at most
    /// two batches in flight), as a sequencer would.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    batch: Option<u64>,
    /// Run this block file instead of generating a block.
    #[arg(long)]
    block: Option<std::path::PathBuf>,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
}

/// What one comparison of the executors measured, for `run`, `bench` and `replay`.
pub(crate) struct Measured {
    pub(crate) report: Report,
    pub(crate) identical: bool,
    /// The sequential executor's output.
    pub(crate) reference: BlockOutput<StarknetVm>,
}

/// Runs `block` sequentially (traced once, then `repeat` times) and in parallel (one warm-up,
/// then `repeat` times), compares every parallel output with the sequential one and measures
/// the block's conflict structure.
pub(crate) fn measure(block: &StarknetBlock, plan: Plan<'_>) -> Result<Measured> {
    measure_on(
        &block.genesis.context,
        Arc::new(block.genesis.state.clone()),
        &block.txs,
        plan,
    )
}

/// How [`measure`] runs: the report's label, the threads, the timed runs of each executor,
/// the streaming batch (none: the whole block at once) and the progress bar.
pub(crate) struct Plan<'a> {
    pub(crate) workload: String,
    pub(crate) threads: NonZeroUsize,
    pub(crate) repeat: u64,
    pub(crate) batch: Option<usize>,
    pub(crate) progress: &'a ProgressBar,
}

/// [`measure`] on any base state.
pub(crate) fn measure_on<S: BaseState + Send + 'static>(
    context: &BlockContext,
    state: Arc<S>,
    txs: &[Transaction],
    plan: Plan<'_>,
) -> Result<Measured> {
    let Plan {
        workload,
        threads,
        repeat,
        batch,
        progress,
    } = plan;
    let vm = StarknetVm::try_new(context.clone()).context("the block's Starknet version")?;
    let base = BlockState::new(&*state, context);
    let executor =
        Arc::new(ParallelExecutor::new(Config::new(threads)).context("starting workers")?);
    let shared_vm = Arc::new(vm.clone());
    let shared_base: SharedStorage<StarknetVm> =
        Arc::new(SharedBlockState::new(state.clone(), context));
    progress.set_message("sequential (traced)");
    let (reference, traces) = SequentialExecutor::new()
        .execute_block_traced(&vm, &base, txs)
        .context("sequential execution failed")?;
    progress.inc(1);
    let structure = ConflictStructure::from_traces(&traces);
    progress.set_message("sequential");
    let mut sequential_times = Vec::new();
    for _ in 0..repeat {
        let started = Instant::now();
        let output = SequentialExecutor::new()
            .execute_block(&vm, &base, txs)
            .context("sequential execution failed")?;
        sequential_times.push(started.elapsed());
        drop(output);
        progress.inc(1);
    }
    progress.set_message(format!("parallel, {threads} threads"));
    let mut parallel_times = Vec::new();
    let mut identical = true;
    let mut stats = ExecutionStats::default();
    for run in 0..=repeat {
        let started = Instant::now();
        let elapsed = match batch {
            None => {
                let parallel = executor
                    .execute_block(&vm, &base, txs)
                    .context("parallel execution failed")?;
                let elapsed = started.elapsed();
                identical &= parallel.output() == &reference;
                stats = parallel.stats().clone();
                elapsed
            }
            Some(batch) => {
                let stream = StreamingBlock::start(
                    executor.clone(),
                    shared_vm.clone(),
                    shared_base.clone(),
                    None,
                    None,
                );
                for (k, chunk) in txs.chunks(batch).enumerate() {
                    if k >= 2 {
                        stream.wait_for((k - 1) * batch, Duration::from_secs(3600));
                    }
                    stream
                        .add_txs(chunk.iter().cloned())
                        .context("adding transactions")?;
                }
                stream.wait_for(txs.len(), Duration::from_secs(3600));
                let output = stream.close().context("streamed execution failed")?;
                let elapsed = started.elapsed();
                identical &= output == reference;
                stats = ExecutionStats::default();
                stats.txs = txs.len();
                stats.committed = output.included();
                stats.threads = threads.get();
                elapsed
            }
        };
        if run > 0 {
            parallel_times.push(elapsed);
        }
        progress.inc(1);
    }
    let count = |kind: &str| {
        reference
            .outputs()
            .iter()
            .filter(|r| r.status.kind() == kind)
            .count()
    };
    let mut report = Report::new(
        workload,
        threads.get(),
        median(&mut sequential_times),
        median(&mut parallel_times),
        identical,
        &stats,
        repeat as usize,
    );
    report.succeeded = Some(count("succeeded"));
    report.reverted = Some(count("reverted"));
    report.rejected = Some(count("rejected"));
    report.conflicts = Some(Conflicts::new(&structure, report.speedup, threads.get()));
    Ok(Measured {
        report,
        identical,
        reference,
    })
}

/// Runs each executor `1 + 2 * repeat + 1` times: the progress bar's length.
pub(crate) fn runs_per_measure(repeat: u64) -> u64 {
    2 * repeat + 2
}

/// A progress bar on stderr, hidden when `hidden` (JSON output) or stderr is not a terminal.
pub(crate) fn progress_bar(len: u64, hidden: bool) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if hidden {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} runs  {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

pub(crate) fn run(args: &RunArgs) -> Result<ExitCode> {
    if args.txs > 1_000_000 {
        bail!("--txs must be at most 1000000, got {}", args.txs);
    }
    if !(0.0..=1.0).contains(&args.failing) {
        bail!("--failing must be between 0 and 1, got {}", args.failing);
    }
    let threads = args.threads.unwrap_or_else(|| Config::default().threads());
    let progress = progress_bar(runs_per_measure(args.repeat), args.json);
    progress.set_message("generating the block");
    let spec = WorkloadSpec {
        workload: args.workload,
        txs: args.txs,
        accounts: args.accounts as usize,
        failing: args.failing,
        seed: args.seed,
        argent: None,
    };
    let (block, workload) = match &args.block {
        Some(path) => {
            progress.set_message("reading the block");
            let block = starkstm_workload::block_file::read_block_file(path)?;
            (block, format!("block file {}", path.display()))
        }
        None => (
            generate(&spec).context("generating the block")?,
            String::new(),
        ),
    };
    let workload = if args.block.is_some() {
        workload
    } else {
        format!(
            "{} ({} accounts, seed {}{})",
            args.workload,
            args.accounts,
            args.seed,
            if args.failing > 0.0 {
                format!(", {}% failing", args.failing * 100.0)
            } else {
                String::new()
            }
        )
    };
    let workload = match args.batch {
        Some(b) => format!("{workload}, streamed in batches of {b}"),
        None => workload,
    };
    let measured = measure(
        &block,
        Plan {
            workload,
            threads,
            repeat: args.repeat,
            batch: args.batch.map(|b| b as usize),
            progress: &progress,
        },
    )?;
    progress.finish_and_clear();
    if args.json {
        measured.report.print_json()?;
    } else {
        measured.report.print_text();
    }
    Ok(if measured.identical {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub(crate) fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
