//! `starkstm conform`: the conformance report. For every workload, with and without failing
//! transactions, generate a block, execute it with starkstm (sequentially and in parallel) and
//! with the reference runner (`conformance/`, Starknet's own executor), and print one table row:
//! whether starkstm's two executors agree, and which of the protocol's fields differ from the
//! reference's, with counts (see `starkstm_workload::compare`).

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};
use clap::Args;
use starkstm_engine::{Config, ParallelExecutor, SequentialExecutor};
use starkstm_starknet::{BlockState, StarknetVm, StateDiff};
use starkstm_workload::block_file::{write_block, OutputFile};
use starkstm_workload::compare::compare;
use starkstm_workload::starknet::StarknetBlock;
use starkstm_workload::starknet_workloads::{generate, Workload, WorkloadSpec};

/// Arguments of `starkstm conform`.
#[derive(Debug, Args)]
pub(crate) struct ConformArgs {
    /// The reference runner's binary (build it with
    /// `cargo build --release --manifest-path conformance/Cargo.toml`; it is
    /// `conformance/target/release/starkstm-conformance`).
    #[arg(long)]
    runner: PathBuf,
    /// Workloads, comma-separated [default: all].
    #[arg(long, value_delimiter = ',', value_parser = crate::run::parse_workload)]
    workloads: Vec<Workload>,
    /// Transactions per block.
    #[arg(long, default_value_t = 100)]
    txs: usize,
    /// Accounts in each genesis.
    #[arg(long, default_value_t = 200)]
    accounts: usize,
    /// The share of failing transactions of the second block of each workload.
    #[arg(long, default_value_t = 0.2)]
    failing: f64,
    /// Seed of the blocks.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Argent's account class 0.4.0 (its Sierra JSON): adds `transfers-argent` to the default
    /// workloads (`bash .ci/argent-class` fetches it and prints its path).
    #[arg(long)]
    argent_class: Option<PathBuf>,
    /// Threads of the parallel run.
    #[arg(long, default_value_t = NonZeroUsize::new(2).expect("2 > 0"), value_parser = crate::parse_threads)]
    threads: NonZeroUsize,
    /// Keep the block and output files here (default: a temporary folder, removed).
    #[arg(long)]
    keep: Option<PathBuf>,
    /// What makes the exit status 1: any difference from the reference (`all`), or only a
    /// different outcome — a transaction succeeding, reverting or being rejected in one
    /// executor but not the other — or starkstm's executors disagreeing (`statuses`).
    #[arg(long, default_value = "all", value_parser = ["all", "statuses"])]
    fail_on: String,
}

/// Exit status 0 when every block's outputs equal the reference's (or, with `--fail-on
/// statuses`, when every transaction has the reference's outcome) and every transaction of
/// the blocks without failing transactions succeeded, 1 otherwise.
pub(crate) fn conform(args: &ConformArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.failing) {
        bail!("--failing must be between 0 and 1, got {}", args.failing);
    }
    if !args.runner.is_file() {
        bail!(
            "{}: no reference runner there (build it with `cargo build --release --manifest-path conformance/Cargo.toml`)",
            args.runner.display()
        );
    }
    let argent = crate::files::load_argent(args.argent_class.as_deref())?;
    let workloads = if args.workloads.is_empty() {
        let mut all = Workload::ALL.to_vec();
        if argent.is_some() {
            all.extend(Workload::EXTERNAL);
        }
        all
    } else {
        args.workloads.clone()
    };
    let dir = match &args.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("starkstm-conform-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let executor = ParallelExecutor::new(Config::new(args.threads).with_min_parallel_txs(0))
        .context("starting workers")?;
    println!(
        "{:<22} {:>7} {:>4}  {:<9} {:<9}  reference",
        "workload", "failing", "txs", "outcomes", "seq=par"
    );
    let mut all_identical = true;
    for workload in workloads {
        for failing in [0.0, args.failing] {
            let spec = WorkloadSpec {
                workload,
                txs: args.txs,
                accounts: args.accounts,
                failing,
                seed: args.seed,
                argent: argent.clone(),
            };
            let block = generate(&spec).with_context(|| format!("generating {workload}"))?;
            let name = format!("{workload}-{failing}");
            let row = row(&block, &dir, &name, &args.runner, &executor)?;
            // Without failing transactions every transaction must succeed: a block whose
            // transactions both executors reject alike is not a block that conforms.
            let unexpected = failing == 0.0 && !row.all_succeeded;
            all_identical &= row.agree
                && !unexpected
                && if args.fail_on == "all" {
                    row.reference == "identical"
                } else {
                    row.same_statuses
                };
            println!(
                "{:<22} {:>7} {:>4}  {:<9} {:<9}  {}{}",
                workload.name(),
                failing,
                block.txs.len(),
                row.outcomes,
                if row.agree { "yes" } else { "NO" },
                row.reference,
                if unexpected {
                    " (NOT EVERY TRANSACTION SUCCEEDED)"
                } else {
                    ""
                }
            );
        }
    }
    if args.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(if all_identical {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

struct Row {
    /// Succeeded / reverted / rejected counts of starkstm's run (`s/v/j`).
    outcomes: String,
    /// Whether the parallel run equals the sequential one.
    agree: bool,
    /// `identical`, or the differing fields with counts.
    reference: String,
    /// Whether every transaction has the same outcome in the reference.
    same_statuses: bool,
    /// Whether every transaction succeeded in starkstm.
    all_succeeded: bool,
}

fn row(
    block: &StarknetBlock,
    dir: &Path,
    name: &str,
    runner: &Path,
    executor: &ParallelExecutor,
) -> Result<Row> {
    let vm = StarknetVm::new(block.genesis.context.clone());
    let base = BlockState::new(&block.genesis.state, &block.genesis.context);
    let sequential = SequentialExecutor::new()
        .execute_block(&vm, &base, &block.txs)
        .context("sequential execution failed")?;
    let parallel = executor
        .execute_block(&vm, &base, &block.txs)
        .context("parallel execution failed")?;
    let agree = parallel.output() == &sequential;
    let (diff, _) = StateDiff::from_changes(
        sequential.state_changes(),
        &block.genesis.state,
        &block.genesis.context,
    )
    .context("reading the base state")?;
    let ours = OutputFile::new(sequential.outputs().to_vec(), &diff);
    let count = |kind: &str| {
        ours.receipts
            .iter()
            .filter(|r| r.status.kind() == kind)
            .count()
    };
    let outcomes = format!(
        "{}/{}/{}",
        count("succeeded"),
        count("reverted"),
        count("rejected")
    );
    let block_path = dir.join(format!("{name}.block.json"));
    let ours_path = dir.join(format!("{name}.starkstm.json"));
    let reference_path = dir.join(format!("{name}.reference.json"));
    std::fs::write(&block_path, write_block(block))
        .with_context(|| format!("writing {}", block_path.display()))?;
    std::fs::write(&ours_path, serde_json::to_string(&ours)?)
        .with_context(|| format!("writing {}", ours_path.display()))?;
    let run = Command::new(runner)
        .arg("exec")
        .arg(&block_path)
        .arg("-o")
        .arg(&reference_path)
        .arg("-q")
        .output()
        .with_context(|| format!("running {}", runner.display()))?;
    let (reference, same_statuses) = if !run.status.success() {
        let stderr = String::from_utf8_lossy(&run.stderr);
        let message = stderr.lines().last().unwrap_or("no message");
        (format!("runner failed: {message}"), false)
    } else {
        let theirs = OutputFile::read(&reference_path)?;
        let cmp = compare(&ours, &theirs);
        let same_statuses = ["transactions", "hash", "status"]
            .iter()
            .all(|field| !cmp.counts.contains_key(field));
        if cmp.is_identical() {
            ("identical".to_string(), true)
        } else {
            (cmp.lines(0).pop().unwrap_or_default(), same_statuses)
        }
    };
    Ok(Row {
        all_succeeded: count("succeeded") == ours.receipts.len(),
        outcomes,
        agree,
        reference,
        same_statuses,
    })
}
