//! `starkstm-conformance`: runs starkstm block files on StarkWare's blockifier (the reference
//! Starknet executor) and writes starkstm output files, or times blockifier's sequential and
//! concurrent executors on them. See README.md.

#![forbid(unsafe_code)]

mod classes;
mod convert;
mod output;
mod reader;
mod reexec;
mod replay;

use std::collections::BTreeSet;
use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use blockifier::blockifier::config::{
    ConcurrencyConfig, TransactionExecutorConfig, WorkerPoolConfig,
};
use blockifier::blockifier::transaction_executor::{
    BlockExecutionSummary, TransactionExecutionOutput, TransactionExecutor,
    TransactionExecutorResult, DEFAULT_STACK_SIZE,
};
use blockifier::concurrency::worker_pool::WorkerPool;
use blockifier::context::BlockContext;
use blockifier::state::cached_state::CachedState;
use blockifier::transaction::transaction_execution::Transaction as BTransaction;
use clap::{Parser, Subcommand};
use starknet_api::abi::abi_utils::get_fee_token_var_address;
use starknet_api::contract_class::SierraVersion;
use starknet_api::core::ContractAddress;
use starkstm_starknet::{InMemoryState, Receipt, StateDiff, Status};
use starkstm_workload::block_file::{read_block_file, OutputFile};
use starkstm_workload::starknet::StarknetBlock;

use crate::reader::Reader;

#[derive(Parser)]
#[command(
    name = "starkstm-conformance",
    about = "Runs starkstm block files on blockifier, the reference Starknet executor"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct ClassOptions {
    /// Treat every class as having this Sierra version (default: the version the block file
    /// records for it; our builtin contracts know theirs). 1.7.0 or later makes blockifier
    /// track Sierra gas instead of Cairo steps.
    #[arg(long, value_name = "X.Y.Z")]
    sierra_version: Option<String>,
    /// A probe, not the protocol: copy every account's fee-token balance from our ERC20's
    /// `balances` slots into the `ERC20_balances` slots blockifier's pre-checks read, in the base
    /// state, so transactions get past the balance check (the fee transfer itself runs our
    /// ERC20 and updates `balances`).
    #[arg(long)]
    mirror_fee_balances: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Executes a block with blockifier's sequential executor and writes an output file.
    Exec {
        /// The block file (starkstm-block/2).
        block: PathBuf,
        /// Where to write the output file (starkstm-output/1).
        #[arg(short, long)]
        output: PathBuf,
        /// Leave out of the state diff the storage of the OS's contracts (0x1 block hashes,
        /// 0x2 aliases), which blockifier writes in pre-processing and finalization.
        #[arg(long)]
        drop_os_contracts: bool,
        /// Print no per-transaction summary.
        #[arg(short, long)]
        quiet: bool,
        #[command(flatten)]
        classes: ClassOptions,
    },
    /// Executes a block with blockifier's sequential executor and writes it as Starknet's
    /// re-execution file: blockifier's reads as the recorded state, its state diff as the
    /// expected one (every transaction must be accepted; classes must be starkstm's builtins).
    Reexec {
        /// The block file (starkstm-block/2).
        block: PathBuf,
        /// Where to write the re-execution file.
        #[arg(short, long)]
        output: PathBuf,
        /// Give the state every Cairo 1 class's compiled class hash in its old (Poseidon) form,
        /// as for classes declared before 0.14.1 and not yet migrated: in a block whose version
        /// migrates them, blockifier's diff then holds each class it ran with its Blake2s hash.
        #[arg(long)]
        legacy_compiled_class_hashes: bool,
        #[command(flatten)]
        classes: ClassOptions,
    },
    /// Executes a real block from Starknet's re-execution file with blockifier's sequential
    /// executor, on the file's recorded reads (a read outside them fails the transaction, naming
    /// the key), and compares its state diff with the chain's: exit 0 when equal, 1 when not.
    Replay {
        /// The re-execution file.
        file: PathBuf,
        /// Also write the receipts and state diff as an output file (starkstm-output/1).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Print no per-transaction summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Times blockifier's sequential and concurrent executors on a block.
    Bench {
        /// The block file (starkstm-block/2).
        block: PathBuf,
        /// Worker threads of the concurrent executor.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Timed runs of each executor (after one warm-up of each); medians are reported.
        #[arg(long, default_value_t = 5)]
        repeat: usize,
        /// Print only one JSON line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        classes: ClassOptions,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        // A replay whose state diff differs from the chain's.
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command: whether its outcome is a success (only a replay can differ).
fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Exec {
            block,
            output,
            drop_os_contracts,
            quiet,
            classes,
        } => exec(&block, &output, drop_os_contracts, quiet, &classes).map(|()| true),
        Command::Reexec {
            block,
            output,
            legacy_compiled_class_hashes,
            classes,
        } => reexec::write(&block, &output, legacy_compiled_class_hashes, &classes).map(|()| true),
        Command::Replay {
            file,
            output,
            quiet,
        } => replay::run(&file, output.as_deref(), quiet),
        Command::Bench {
            block,
            workers,
            repeat,
            json,
            classes,
        } => bench(&block, workers, repeat, json, &classes).map(|()| true),
    }
}

/// A block ready for blockifier.
pub(crate) struct Prepared {
    block: StarknetBlock,
    reader: Reader,
    context: BlockContext,
    txs: Vec<BTransaction>,
}

fn prepare(path: &Path, options: &ClassOptions) -> Result<Prepared> {
    let block = read_block_file(path).map_err(|e| anyhow!("{e}"))?;
    let override_version = options
        .sierra_version
        .as_deref()
        .map(|v| {
            v.parse::<SierraVersion>()
                .map_err(|e| anyhow!("--sierra-version {v:?}: {e}"))
        })
        .transpose()?;
    let mut state = block.genesis.state.clone();
    if options.mirror_fee_balances {
        mirror_fee_balances(&mut state, &block);
    }
    let reader = Reader::new(state, override_version.as_ref())
        .with_context(|| path.display().to_string())?;
    let context = convert::block_context(&block.genesis.context)?;
    let txs = convert::transactions(&block.txs, override_version.as_ref())
        .with_context(|| path.display().to_string())?;
    Ok(Prepared {
        block,
        reader,
        context,
        txs,
    })
}

/// See `ClassOptions::mirror_fee_balances`.
fn mirror_fee_balances(state: &mut InMemoryState, block: &StarknetBlock) {
    let token = block.genesis.context.fee_token;
    let owners: BTreeSet<ContractAddress> = state
        .class_hashes
        .keys()
        .copied()
        .chain(block.txs.iter().map(|tx| tx.sender()))
        .collect();
    for owner in owners {
        let (low, high) = starkstm_starknet::fee::balance_slots(owner);
        let blockifier_low = get_fee_token_var_address(owner);
        let Ok(blockifier_high) = blockifier_low.next_storage_key() else {
            continue;
        };
        for (from, to) in [(low, blockifier_low), (high, blockifier_high)] {
            if let Some(value) = state.storage.get(&(token, from)).copied() {
                state.storage.insert((token, to), value);
            }
        }
    }
}

type Results = Vec<TransactionExecutorResult<TransactionExecutionOutput>>;
type Pool = WorkerPool<CachedState<Reader>>;

/// An executor for the block, its pre-processing (the old block hash's write) done.
pub(crate) fn pre_processed(
    p: &Prepared,
    config: TransactionExecutorConfig,
    pool: Option<Arc<Pool>>,
) -> Result<TransactionExecutor<Reader>> {
    let old = convert::old_block_hash(&p.block.genesis.context, &p.context, &p.reader);
    TransactionExecutor::pre_process_and_create_with_pool(
        p.reader.clone(),
        p.context.clone(),
        old,
        config,
        pool,
    )
    .map_err(|e| anyhow!("block pre-processing failed: {e}"))
}

/// One run of the block: pre-processing, the transactions, finalization.
pub(crate) fn execute(
    p: &Prepared,
    config: TransactionExecutorConfig,
    pool: Option<Arc<Pool>>,
) -> Result<(Results, BlockExecutionSummary)> {
    let mut executor = pre_processed(p, config, pool)?;
    let results = executor.execute_txs(&p.txs, None);
    let summary = executor
        .finalize()
        .map_err(|e| anyhow!("block finalization failed: {e}"))?;
    Ok((results, summary))
}

/// Runs `f`, turning a panic inside blockifier (its worker threads included) into an error
/// that names the panic's message, printed once instead of with a backtrace.
pub(crate) fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    static FIRST_PANIC: Mutex<Option<String>> = Mutex::new(None);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        let mut first = FIRST_PANIC.lock().unwrap_or_else(|e| e.into_inner());
        if first.is_none() {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            *first = Some(format!("{message}{place}"));
        }
    }));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(f));
    if outcome.is_ok() {
        std::panic::set_hook(previous);
    }
    // After a panic the silent hook stays: other worker threads may still panic on the poisoned
    // scheduler, and the caller is about to fail.
    outcome.unwrap_or_else(|_| {
        let message = FIRST_PANIC
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default();
        Err(anyhow!("blockifier panicked in {what}: {message}"))
    })
}

/// The `executor` of the output files this runner writes.
const REFERENCE_EXECUTOR: &str = "blockifier 0.20.0-rc.1";

pub(crate) fn sequential_config() -> TransactionExecutorConfig {
    TransactionExecutorConfig {
        concurrency_config: ConcurrencyConfig {
            enabled: false,
            n_workers: 0,
            chunk_size: 0,
        },
        stack_size: DEFAULT_STACK_SIZE,
    }
}

fn exec(
    path: &Path,
    out: &Path,
    drop_os_contracts: bool,
    quiet: bool,
    options: &ClassOptions,
) -> Result<()> {
    let p = prepare(path, options)?;
    let (results, summary) = guarded("the sequential executor", || {
        execute(&p, sequential_config(), None)
    })?;
    let receipts = log_receipts(&p, &results, quiet);
    let os_contracts = drop_os_contracts.then(|| {
        let addresses = &p
            .context
            .versioned_constants()
            .os_constants
            .os_contract_addresses;
        [
            addresses.block_hash_contract_address(),
            addresses.alias_contract_address(),
        ]
    });
    let diff = output::state_diff(&summary, os_contracts);
    write_output(out, receipts, &diff, quiet)
}

/// Each transaction's receipt, logged on stderr a line each unless `quiet`.
pub(crate) fn log_receipts(p: &Prepared, results: &Results, quiet: bool) -> Vec<Receipt> {
    let mut receipts = Vec::with_capacity(p.block.txs.len());
    let stderr = std::io::stderr();
    let mut log = stderr.lock();
    for (i, tx) in p.block.txs.iter().enumerate() {
        let (receipt, gas) = output::receipt(p.context.versioned_constants(), tx, results.get(i));
        if !quiet {
            let reason = match &receipt.status {
                Status::Succeeded => String::new(),
                Status::Reverted(r) | Status::Rejected(r) => format!(": {}", one_line(r)),
            };
            // A closed stderr (a pipe into `head`) ends the log, not the run.
            let _ = writeln!(
                log,
                "tx {i:>4} {:<9} fee {:>12} l1 {:>6} l1_data {:>6} l2 {:>10}{reason}",
                receipt.status.kind(),
                receipt.actual_fee,
                gas.l1_gas,
                gas.l1_data_gas,
                gas.l2_gas,
            );
        }
        receipts.push(receipt);
    }
    receipts
}

/// Writes the receipts and state diff as an output file (starkstm-output/1), and logs a summary
/// unless `quiet`.
pub(crate) fn write_output(
    out: &Path,
    receipts: Vec<Receipt>,
    diff: &StateDiff,
    quiet: bool,
) -> Result<()> {
    let mut file = OutputFile::new(receipts, diff);
    file.executor = REFERENCE_EXECUTOR.to_string();
    let json = serde_json::to_string_pretty(&file)?;
    std::fs::write(out, json + "\n").with_context(|| format!("writing {}", out.display()))?;
    if !quiet {
        let count = |kind: &str| {
            file.receipts
                .iter()
                .filter(|r| r.status.kind() == kind)
                .count()
        };
        eprintln!(
            "{} transactions: {} succeeded, {} reverted, {} rejected; wrote {}",
            file.receipts.len(),
            count("succeeded"),
            count("reverted"),
            count("rejected"),
            out.display()
        );
    }
    Ok(())
}

/// The first line of `text`, at most 200 characters.
fn one_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut short: String = line.chars().take(200).collect();
    if short.len() < line.len() || text.lines().count() > 1 {
        short.push_str(" …");
    }
    short
}

fn bench(
    path: &Path,
    workers: usize,
    repeat: usize,
    json: bool,
    options: &ClassOptions,
) -> Result<()> {
    anyhow::ensure!(workers > 0, "--workers must be at least 1");
    anyhow::ensure!(repeat > 0, "--repeat must be at least 1");
    let p = prepare(path, options)?;
    let n = p.txs.len();
    let concurrent_config = TransactionExecutorConfig {
        concurrency_config: ConcurrencyConfig {
            enabled: true,
            n_workers: workers,
            // One chunk: the whole block.
            chunk_size: n.max(1),
        },
        stack_size: DEFAULT_STACK_SIZE,
    };
    // One pool for every concurrent run, started outside the timings.
    let pool = Arc::new(Pool::start(&WorkerPoolConfig {
        n_workers: workers,
        stack_size: DEFAULT_STACK_SIZE,
    }));
    let time = |concurrent: bool| -> Result<(f64, Results)> {
        let start = Instant::now();
        let (results, _) = if concurrent {
            guarded("the concurrent executor", || {
                execute(&p, concurrent_config.clone(), Some(pool.clone()))
            })
            .context(
                "blockifier's concurrent fee-transfer fix-up assumes a fee token with the \
                 ERC20_balances layout (4 storage reads in transfer)",
            )?
        } else {
            guarded("the sequential executor", || {
                execute(&p, sequential_config(), None)
            })?
        };
        Ok((start.elapsed().as_secs_f64(), results))
    };
    // Warm-ups; check that both executors agree.
    let (_, seq) = time(false)?;
    let (_, conc) = time(true)?;
    let summarize = |results: &Results| -> Vec<_> {
        p.block
            .txs
            .iter()
            .enumerate()
            .map(|(i, tx)| output::receipt(p.context.versioned_constants(), tx, results.get(i)))
            .collect()
    };
    if summarize(&seq) != summarize(&conc) {
        eprintln!("warning: the sequential and concurrent executors' receipts differ");
    }
    drop((seq, conc));
    let mut seq_secs = Vec::with_capacity(repeat);
    let mut conc_secs = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        seq_secs.push(time(false)?.0);
        conc_secs.push(time(true)?.0);
    }
    if let Ok(pool) = Arc::try_unwrap(pool) {
        pool.join();
    }
    let (s, c) = (median(&mut seq_secs), median(&mut conc_secs));
    if !json {
        println!(
            "blockifier on {n} txs: sequential {:.3} ms, concurrent ({workers} workers) {:.3} ms, \
             speedup {:.2}x (medians of {repeat})",
            s * 1e3,
            c * 1e3,
            s / c
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "txs": n,
            "workers": workers,
            "sequential_secs": s,
            "concurrent_secs": c,
        })
    );
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}
