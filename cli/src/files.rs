//! `starkstm gen`, `exec` and `diff`: block files and output files.

use std::io::Write;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use starkstm_engine::{Config, ParallelExecutor, SequentialExecutor};
use starkstm_starknet::genesis::ArgentClass;
use starkstm_starknet::input::{read_regular_file, MAX_CLASS_FILE_BYTES};
use starkstm_starknet::{BlockState, StarknetVm, StateDiff};
use starkstm_workload::block_file::{read_block_file, write_block, OutputFile};
use starkstm_workload::starknet_workloads::{generate, Workload, WorkloadSpec};

/// Arguments of `starkstm gen`.
#[derive(Debug, Args)]
pub(crate) struct GenArgs {
    /// What the block holds (see `starkstm run --help`).
    #[arg(long, default_value = "mix", value_parser = crate::run::parse_workload)]
    workload: Workload,
    /// Transactions in the block.
    #[arg(long, default_value_t = 2000)]
    txs: usize,
    /// Accounts in the generated genesis.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    accounts: u64,
    /// Share of transactions replaced by failing ones, 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    failing: f64,
    /// Seed of the generated block.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Argent's account class 0.4.0 (its Sierra JSON), which `transfers-argent` needs; it is
    /// GPL-3.0 and not shipped (`bash .ci/argent-class` fetches it and prints its path).
    #[arg(long)]
    argent_class: Option<PathBuf>,
    /// The block's Starknet version (default: the newest with published constants), which
    /// picks the protocol's rules and constants: for example 0.13.3, before failures could be
    /// caught.
    #[arg(long, value_parser = parse_starknet_version)]
    starknet_version: Option<starkstm_starknet::starknet_api::block::StarknetVersion>,
    /// Where to write the block file.
    #[arg(long, short)]
    output: PathBuf,
}

fn parse_starknet_version(
    text: &str,
) -> Result<starkstm_starknet::starknet_api::block::StarknetVersion, String> {
    starkstm_starknet::context::parse_version(text)
}

pub(crate) fn gen(args: &GenArgs) -> Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.failing) {
        bail!("--failing must be between 0 and 1, got {}", args.failing);
    }
    let block = generate(&WorkloadSpec {
        workload: args.workload,
        txs: args.txs,
        accounts: args.accounts as usize,
        failing: args.failing,
        seed: args.seed,
        argent: load_argent(args.argent_class.as_deref())?,
    })
    .context("generating the block")?;
    let mut block = block;
    if let Some(version) = args.starknet_version {
        block.genesis.context.starknet_version = version;
    }
    std::fs::write(&args.output, write_block(&block))
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!(
        "wrote {} ({} transactions, {})",
        args.output.display(),
        block.txs.len(),
        args.workload
    );
    Ok(ExitCode::SUCCESS)
}

/// Argent's account class from `path`, if given: a clear error if the file is unreadable, is no
/// Sierra class, or is not Argent's account 0.4.0.
pub(crate) fn load_argent(path: Option<&std::path::Path>) -> Result<Option<ArgentClass>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let json = read_regular_file(path, MAX_CLASS_FILE_BYTES)
        .with_context(|| format!("reading Argent's account class {}", path.display()))?;
    let class = ArgentClass::from_sierra_json(&json)
        .with_context(|| format!("loading Argent's account class {}", path.display()))?;
    Ok(Some(class))
}

/// Arguments of `starkstm exec`.
#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// The block file to execute.
    block: PathBuf,
    /// Worker threads [default: available cores].
    #[arg(long, value_parser = crate::parse_threads, conflicts_with = "sequential")]
    threads: Option<NonZeroUsize>,
    /// Execute with the sequential executor instead.
    #[arg(long)]
    sequential: bool,
    /// Where to write the output file (receipts and state diff).
    #[arg(long, short)]
    output: PathBuf,
    /// Also write the block as Starknet's re-execution file (what a sequential run read, the
    /// classes it ran as Sierra, its state diff as the committed one), which `starkstm replay`
    /// and Starknet's own re-execution tool read. Its classes must have Sierra (our builtins
    /// and inline Sierra classes do).
    #[arg(long)]
    reexecution_file: Option<PathBuf>,
}

pub(crate) fn exec(args: &ExecArgs) -> Result<ExitCode> {
    let block = read_block_file(&args.block)?;
    let vm = StarknetVm::new(block.genesis.context.clone());
    let base = BlockState::new(&block.genesis.state, &block.genesis.context);
    let started = std::time::Instant::now();
    let output = if args.sequential {
        SequentialExecutor::new()
            .execute_block(&vm, &base, &block.txs)
            .context("sequential execution failed")?
    } else {
        let threads = args.threads.unwrap_or_else(|| Config::default().threads());
        let executor = ParallelExecutor::new(Config::new(threads)).context("starting workers")?;
        let (output, _) = executor
            .execute_block(&vm, &base, &block.txs)
            .context("parallel execution failed")?
            .into_parts();
        output
    };
    let elapsed = started.elapsed();
    let (diff, _) = StateDiff::from_changes(
        output.state_changes(),
        &block.genesis.state,
        &block.genesis.context,
    )
    .context("reading the base state")?;
    let file = OutputFile::new(output.outputs().to_vec(), &diff);
    std::fs::write(&args.output, serde_json::to_string(&file)?)
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!(
        "executed {} transactions in {:.3} ms; wrote {}",
        block.txs.len(),
        elapsed.as_secs_f64() * 1e3,
        args.output.display()
    );
    if let Some(path) = &args.reexecution_file {
        let file = starkstm_replay::record_block(
            &block.genesis.context,
            &block.genesis.state,
            &block.txs,
            |hash| {
                starkstm_starknet::contracts::sierra_of(hash)
                    .and_then(|json| starkstm_replay::node_class_json(json).ok())
            },
        )
        .context("recording the re-execution file")?;
        std::fs::write(path, file.to_json() + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `starkstm diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// An output file.
    a: PathBuf,
    /// Another output file.
    b: PathBuf,
}

/// Exit status 0: identical; 1: different; 2: an input could not be read.
pub(crate) fn diff(args: &DiffArgs) -> Result<ExitCode> {
    let read = |p: &PathBuf| OutputFile::read(p);
    let (a, b) = match (read(&args.a), read(&args.b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let differences = a.differences(&b, 50);
    // A closed pipe (`starkstm diff a b | head`) ends the output, not the verdict.
    let mut out = std::io::stdout().lock();
    if differences.is_empty() {
        let _ = writeln!(
            out,
            "identical: {} receipts, {} storage writes",
            a.receipts.len(),
            a.state_diff.storage.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for d in &differences {
            if writeln!(out, "{d}").is_err() {
                break;
            }
        }
        Ok(ExitCode::FAILURE)
    }
}
