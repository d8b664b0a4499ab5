//! `replay`: a real block from Starknet's re-execution file, on blockifier. The file is read
//! and its transactions converted by starkstm's own replay crate (hashes checked against the
//! chain's); blockifier then executes them on the recorded reads alone and its state diff is
//! compared with the one the chain committed. It says whether the reference itself reproduces
//! the chain on this machine's compiler, and gives each transaction's receipt to hold
//! starkstm's against.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, Context, Result};
use starkstm_replay::{compare, ReexecutionFile, ReplayBlock};
use starkstm_starknet::genesis::Genesis;
use starkstm_starknet::Felt;
use starkstm_workload::starknet::StarknetBlock;

use crate::reader::Reader;
use crate::Prepared;
use crate::{
    convert, guarded, log_receipts, output, pre_processed, sequential_config, write_output,
};

/// Replays the file at `path`; writes an output file to `out` if given. Whether blockifier's
/// state diff equals the chain's.
pub fn run(path: &Path, out: Option<&Path>, quiet: bool) -> Result<bool> {
    let file = ReexecutionFile::read(path).map_err(|e| anyhow!("{e}"))?;
    let ReplayBlock {
        context: ours,
        txs,
        state,
        expected,
    } = ReplayBlock::new(file).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let recorded = state.compiled_class_hashes().clone();
    let state = state.to_in_memory();
    let reader =
        Reader::new_strict(state.clone(), recorded).with_context(|| path.display().to_string())?;
    let context = convert::block_context(&ours)?;
    let converted = convert::transactions(&txs, None)?;
    let p = Prepared {
        block: StarknetBlock {
            genesis: Genesis {
                state,
                context: ours,
                classes: BTreeMap::new(),
                accounts: Vec::new(),
            },
            txs,
        },
        reader,
        context,
        txs: converted,
    };
    let (results, summary) = guarded("the sequential executor", || {
        let mut executor = pre_processed(&p, sequential_config(), None)?;
        let results = executor.execute_txs(&p.txs, None);
        p.reader.relax();
        let summary = executor
            .finalize()
            .map_err(|e| anyhow!("block finalization failed: {e}"))?;
        Ok((results, summary))
    })?;
    let receipts = log_receipts(&p, &results, quiet);
    let diff = output::state_diff(&summary, None);
    let differences = compare(&expected, &diff);
    if let Some(out) = out {
        write_output(out, receipts, &diff, quiet)?;
    }
    if differences.is_empty() {
        println!("verdict      EXACT: blockifier's state diff equals the chain's");
    } else {
        println!(
            "verdict      MISMATCH: {} entries of blockifier's state diff differ from the chain's",
            differences.len()
        );
        let value = |v: Option<Felt>| v.map_or("(absent)".to_string(), |v| format!("{v:#x}"));
        for d in &differences {
            let key = d.key.map(|k| format!(" key {k:#x}")).unwrap_or_default();
            println!(
                "  {} {:#x}{key}: chain {}, blockifier {}",
                d.kind,
                d.at,
                value(d.expected),
                value(d.actual)
            );
        }
    }
    Ok(differences.is_empty())
}
