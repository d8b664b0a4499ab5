//! `starkstm replay FILE`: a real block from Starknet's re-execution file, executed
//! sequentially and in parallel on the reads it recorded, its state diff compared with the one
//! the chain committed, entry by entry.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;
use starkstm_engine::Config;
use starkstm_replay::file::FeeTokenAddresses;
use starkstm_replay::rpc::{fetch_block, RpcClient, RpcState};
use starkstm_replay::{
    compare, record_block, DiffEntry, RecordedState, ReexecutionFile, ReplayBlock,
};
use starkstm_starknet::{BaseState, BlockContext, Receipt, StateDiff, Status, Transaction};
use starkstm_workload::block_file::OutputFile;

use crate::report::{emit, line, Report};
use crate::run::{measure_on, progress_bar, runs_per_measure, Plan};

/// Arguments of `starkstm replay`.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The re-execution file (the JSON Starknet's `blockifier_reexecution` reads and writes).
    #[arg(required_unless_present = "rpc", conflicts_with = "rpc")]
    file: Option<PathBuf>,
    /// Replay from this JSON-RPC node (spec 0.8 or later) instead: block `--block` on the
    /// state after the block before it, read on demand.
    #[arg(long, requires = "block")]
    rpc: Option<String>,
    /// The block to replay from `--rpc`.
    #[arg(long, requires = "rpc")]
    block: Option<u64>,
    /// With `--rpc`: also write what was fetched as a re-execution file, which replays
    /// offline to the same verdict.
    #[arg(long, requires = "rpc")]
    save: Option<PathBuf>,
    /// With `--rpc` on a chain other than Starknet's mainnet and testnets (a devnet, an
    /// appchain): its STRK and ETH fee tokens, as `STRK_ADDRESS,ETH_ADDRESS`.
    #[arg(long, requires = "rpc", value_parser = parse_fee_tokens)]
    fee_tokens: Option<FeeTokenAddresses>,
    /// Worker threads of the parallel runs [default: available cores].
    #[arg(long, value_parser = crate::parse_threads)]
    threads: Option<NonZeroUsize>,
    /// Timed runs of each executor; medians are reported.
    #[arg(long, default_value_t = 1)]
    repeat: u64,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    json: bool,
    /// Also write the receipts and the state diff (the block-level writes included) as an
    /// output file (starkstm-output/1), to hold against another executor's with `starkstm diff`.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

fn parse_fee_tokens(s: &str) -> Result<FeeTokenAddresses> {
    let address = |hex: &str| -> Result<starkstm_starknet::starknet_api::core::ContractAddress> {
        let felt = starkstm_starknet::Felt::from_hex(hex.trim())
            .map_err(|e| anyhow::anyhow!("{hex:?} is not an address: {e}"))?;
        starkstm_starknet::starknet_api::core::ContractAddress::try_from(felt)
            .map_err(|e| anyhow::anyhow!("{hex:?} is not an address: {e}"))
    };
    let Some((strk, eth)) = s.split_once(',') else {
        anyhow::bail!("expected STRK_ADDRESS,ETH_ADDRESS");
    };
    Ok(FeeTokenAddresses {
        strk_fee_token_address: address(strk)?,
        eth_fee_token_address: address(eth)?,
    })
}

/// The machine-readable report (`--json`).
#[derive(Serialize)]
struct ReplayReport<'a> {
    file: String,
    block_number: u64,
    starknet_version: String,
    txs: usize,
    /// `match`, `mismatch` or `diverged` (a read outside the recorded ones).
    verdict: &'static str,
    /// Why execution diverged, naming the key (verdict `diverged`).
    #[serde(skip_serializing_if = "Option::is_none")]
    divergence: Option<String>,
    parallel_equals_sequential: bool,
    /// Entries of the chain's state diff.
    expected_entries: usize,
    /// Every entry in which starkstm's diff differs from the chain's.
    differing: Vec<DiffEntry>,
    receipts: &'a [Receipt],
    /// The engine's figures, as `starkstm run --json` prints them.
    #[serde(skip_serializing_if = "Option::is_none")]
    engine: Option<&'a Report>,
    load_secs: f64,
}

/// Exit status 0 when starkstm's state diff equals the committed one and the parallel run
/// equals the sequential one; 1 when they differ or execution read outside the recorded
/// state; 2 when the file cannot be read or converted.
pub(crate) fn replay(args: &ReplayArgs) -> Result<ExitCode> {
    let started = Instant::now();
    if let (Some(url), Some(number)) = (&args.rpc, args.block) {
        let client = Arc::new(RpcClient::new(url));
        let (block, declared) = match fetch_block(client, number, args.fee_tokens) {
            Ok(fetched) => fetched,
            Err(error) => {
                eprintln!("error: {url}: block {number}: {error}");
                return Ok(ExitCode::from(2));
            }
        };
        let source = format!("{url}, block {number}");
        let save = |context: &BlockContext, state: &RpcState, txs: &[Transaction]| {
            let Some(path) = &args.save else {
                return Ok(());
            };
            let file = record_block(context, state, txs, |hash| {
                state.class_json(hash).or_else(|| {
                    declared.get(&hash).and_then(|raw| {
                        serde_json::value::RawValue::from_string(raw.get().to_string()).ok()
                    })
                })
            })
            .context("recording the re-execution file")?;
            std::fs::write(path, file.to_json() + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
            Ok(())
        };
        return run(args, block, source, started, save);
    }
    let Some(path) = &args.file else {
        anyhow::bail!("give a re-execution FILE, or --rpc URL --block N");
    };
    let block = match ReexecutionFile::read(path)
        .map_err(starkstm_replay::ReplayError::from)
        .and_then(ReplayBlock::new)
    {
        Ok(block) => block,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(2));
        }
    };
    run(
        args,
        block,
        path.display().to_string(),
        started,
        |_: &BlockContext, _: &RecordedState, _: &[Transaction]| Ok(()),
    )
}

/// Replays `block` (read from `source`), reports, and then calls `after` with the block and
/// the state it read.
fn run<S: BaseState + Send + 'static>(
    args: &ReplayArgs,
    block: ReplayBlock<S>,
    source: String,
    started: Instant,
    after: impl FnOnce(&BlockContext, &S, &[Transaction]) -> Result<()>,
) -> Result<ExitCode> {
    let load_secs = started.elapsed().as_secs_f64();
    let threads = args.threads.unwrap_or_else(|| Config::default().threads());
    let number = block.context.block_number;
    let expected_entries = starkstm_replay::diff::committed_len(&block.expected);
    let state = Arc::new(block.state);
    let progress = progress_bar(runs_per_measure(args.repeat), args.json);
    let label = format!("block {number} ({source})");
    let measured = measure_on(
        &block.context,
        state.clone(),
        &block.txs,
        Plan {
            workload: label,
            threads,
            repeat: args.repeat,
            batch: None,
            progress: &progress,
        },
    );
    progress.finish_and_clear();
    let mut report = ReplayReport {
        file: source,
        block_number: number,
        starknet_version: block.context.starknet_version.to_string(),
        txs: block.txs.len(),
        verdict: "diverged",
        divergence: None,
        parallel_equals_sequential: false,
        expected_entries,
        differing: Vec::new(),
        receipts: &[],
        engine: None,
        load_secs,
    };
    let measured = match measured {
        Ok(measured) => measured,
        Err(error) => {
            report.divergence = Some(format!("{error:#}"));
            return finish(&report, args.json);
        }
    };
    let diff = StateDiff::from_changes(measured.reference.state_changes(), &*state, &block.context);
    report.parallel_equals_sequential = measured.identical;
    report.receipts = measured.reference.outputs();
    report.engine = Some(&measured.report);
    match diff {
        Ok((diff, _)) => {
            if let Some(path) = &args.output {
                let file = OutputFile::new(measured.reference.outputs().to_vec(), &diff);
                let json = serde_json::to_string_pretty(&file)?;
                std::fs::write(path, json + "\n")
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            report.differing = compare(&block.expected, &diff);
            report.verdict = if report.differing.is_empty() {
                "match"
            } else {
                "mismatch"
            };
        }
        Err(error) => {
            report.divergence = Some(format!("building the state diff: {}", error.0));
        }
    }
    let code = finish(&report, args.json)?;
    after(&block.context, &state, &block.txs)?;
    Ok(code)
}

fn finish(report: &ReplayReport<'_>, json: bool) -> Result<ExitCode> {
    if json {
        emit(&(serde_json::to_string(report)? + "\n"));
    } else {
        emit(&text(report));
    }
    Ok(
        if report.verdict == "match" && report.parallel_equals_sequential {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

fn text(r: &ReplayReport<'_>) -> String {
    let mut buf = String::new();
    line!(
        buf,
        "block        {} (Starknet {}), {} transactions, from {} (loaded in {:.3} s)",
        r.block_number,
        r.starknet_version,
        r.txs,
        r.file,
        r.load_secs
    );
    for (i, receipt) in r.receipts.iter().enumerate() {
        let reason = match &receipt.status {
            Status::Succeeded => String::new(),
            Status::Reverted(why) | Status::Rejected(why) => {
                format!("  {}", why.lines().next().unwrap_or(""))
            }
        };
        line!(
            buf,
            "tx {i:>4} {:#x} {:<9} fee {:>20} l1 {:>6} l1_data {:>6} l2 {:>10}{reason}",
            receipt.tx_hash.0,
            receipt.status.kind(),
            receipt.actual_fee,
            receipt.gas.l1_gas,
            receipt.gas.l1_data_gas,
            receipt.gas.l2_gas,
        );
    }
    if let Some(engine) = r.engine {
        buf.push_str(&engine.text());
    }
    match r.verdict {
        "match" => line!(
            buf,
            "verdict      the state diff equals the chain's ({} entries){}",
            r.expected_entries,
            if r.parallel_equals_sequential {
                "; parallel equals sequential"
            } else {
                "; but the PARALLEL RUN DIFFERS from the sequential one"
            }
        ),
        "mismatch" => {
            line!(
                buf,
                "verdict      MISMATCH: {} entries differ from the chain's diff ({} entries)",
                r.differing.len(),
                r.expected_entries
            );
            for entry in &r.differing {
                line!(buf, "  {entry}");
            }
        }
        _ => line!(
            buf,
            "verdict      DIVERGED: {}",
            r.divergence.as_deref().unwrap_or("execution failed")
        ),
    }
    buf
}
