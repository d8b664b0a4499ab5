//! `reexec`: a block file's block as Starknet's re-execution file (the JSON
//! `blockifier_reexecution` reads), made by running it on blockifier: the recorded state is
//! blockifier's initial reads of the block (after finalization, so the pre-block values of
//! cells the block only wrote are in), the expected diff its final state diff. This is how
//! starkstm's `replay` gets fixtures from generated blocks.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Map, Value};
use starknet_api::core::{ChainId, ClassHash};
use starkstm_starknet::{Felt, Transaction};

use crate::{convert, guarded, pre_processed, prepare, sequential_config, ClassOptions};

fn hex(felt: &Felt) -> String {
    format!("{felt:#x}")
}

/// A flat JSON object from `(key, value)` pairs of felts.
fn object<'a>(pairs: impl IntoIterator<Item = (&'a Felt, &'a Felt)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (hex(k), json!(hex(v))))
            .collect(),
    )
}

/// The Sierra classes the runner can write: our builtin contracts and the real classes.
fn builtin_sierra() -> Result<HashMap<ClassHash, &'static str>> {
    starkstm_starknet::contracts::ALL
        .iter()
        .map(|c| {
            let hash = starkstm_starknet::class::sierra_class_hash(c.sierra)
                .map_err(|e| anyhow!("builtin {}: {e}", c.name))?;
            Ok((hash, c.sierra))
        })
        .collect()
}

/// A compiler's Sierra JSON as a node returns the class: the ABI as the string the class hash
/// covers, no debug info.
fn flattened(sierra: &str) -> Result<Value> {
    let mut class: Map<String, Value> = serde_json::from_str(sierra)?;
    let abi = starkstm_starknet::class::abi_string(sierra).map_err(|e| anyhow!("{e}"))?;
    let mut out = Map::new();
    for field in [
        "sierra_program",
        "contract_class_version",
        "entry_points_by_type",
    ] {
        let value = class
            .remove(field)
            .ok_or_else(|| anyhow!("a Sierra class without {field}"))?;
        out.insert(field.to_string(), value);
    }
    out.insert("abi".to_string(), Value::String(abi));
    Ok(Value::Object(out))
}

/// Runs the block file at `path` on blockifier and writes its re-execution file to `out`.
pub fn write(path: &Path, out: &Path, legacy: bool, options: &ClassOptions) -> Result<()> {
    let mut p = prepare(path, options)?;
    if legacy {
        p.reader = p.reader.with_legacy_compiled_class_hashes();
    }
    // What pre-processing writes, for the file's `old_block_hash`.
    let old = convert::old_block_hash(&p.block.genesis.context, &p.context, &p.reader);
    let (results, summary, reads) = guarded("the sequential executor", || {
        let mut executor = pre_processed(&p, sequential_config(), None)?;
        let results = executor.execute_txs(&p.txs, None);
        let summary = executor
            .finalize()
            .map_err(|e| anyhow!("block finalization failed: {e}"))?;
        let reads = executor
            .block_state
            .as_ref()
            .context("the executor kept no block state")?
            .get_initial_reads()
            .map_err(|e| anyhow!("{e}"))?;
        Ok((results, summary, reads))
    })?;
    if results.len() != p.txs.len() {
        bail!(
            "the reference executed {} of {} transactions",
            results.len(),
            p.txs.len()
        );
    }
    if let Some((i, Err(e))) = results.iter().enumerate().find(|(_, r)| r.is_err()) {
        bail!(
            "transaction {i} is rejected by the reference ({e}); a re-execution file holds a \
             block the chain accepted: generate one without rejected transactions"
        );
    }
    let sierra = builtin_sierra()?;
    let class_json = |hash: &ClassHash| -> Result<Value> {
        // A Cairo 0 class is written as a node returns it, from the block's own.
        if let Some(json) = p
            .block
            .genesis
            .state
            .classes
            .get(hash)
            .and_then(|c| c.cairo0_rpc_json())
        {
            return Ok(json);
        }
        let json = sierra.get(hash).ok_or_else(|| {
            anyhow!(
                "class {:#x} has no Sierra here (only starkstm's builtin classes have): a \
                 re-execution file needs it",
                hash.0
            )
        })?;
        flattened(json)
    };
    let mut mapping = Map::new();
    for (hash, declared) in &reads.declared_contracts {
        if *declared {
            mapping.insert(hex(&hash.0), class_json(hash)?);
        }
    }
    let mut declared_classes = Map::new();
    for tx in &p.block.txs {
        if let Transaction::Declare(d) = tx {
            declared_classes.insert(hex(&d.tx.class_hash.0), class_json(&d.tx.class_hash)?);
        }
    }
    let mut storage: HashMap<Felt, Map<String, Value>> = HashMap::new();
    for ((address, key), value) in &reads.storage {
        storage
            .entry(*address.0.key())
            .or_default()
            .insert(hex(key.0.key()), json!(hex(value)));
    }
    let state_maps = json!({
        "nonces": object(reads.nonces.iter().map(|(a, n)| (a.0.key(), &n.0))),
        "class_hashes": object(reads.class_hashes.iter().map(|(a, c)| (a.0.key(), &c.0))),
        "storage": Value::Object(storage.into_iter().map(|(a, m)| (hex(&a), Value::Object(m))).collect()),
        "compiled_class_hashes": object(reads.compiled_class_hashes.iter().map(|(c, h)| (&c.0, &h.0))),
        "declared_contracts": Value::Object(reads.declared_contracts.iter().map(|(c, d)| (hex(&c.0), json!(d))).collect()),
    });
    let d = &summary.state_diff;
    let state_diff = json!({
        "address_to_class_hash": object(d.address_to_class_hash.iter().map(|(a, c)| (a.0.key(), &c.0))),
        "address_to_nonce": object(d.address_to_nonce.iter().map(|(a, n)| (a.0.key(), &n.0))),
        "storage_updates": Value::Object(d.storage_updates.iter().map(|(a, slots)| {
            (hex(a.0.key()), object(slots.iter().map(|(k, v)| (k.0.key(), v))))
        }).collect()),
        "class_hash_to_compiled_class_hash": object(d.class_hash_to_compiled_class_hash.iter().map(|(c, h)| (&c.0, &h.0))),
    });
    let transactions = p
        .block
        .txs
        .iter()
        .map(|tx| {
            Ok(json!([
                serde_json::to_value(tx.to_api())?,
                hex(&tx.hash().0)
            ]))
        })
        .collect::<Result<Vec<Value>>>()?;
    let info = p.context.block_info();
    let chain = &p.context.chain_info().chain_id;
    let mut file = json!({
        "serializable_data_prev_block": {
            "state_maps": state_maps,
            "contract_class_mapping": Value::Object(mapping),
        },
        "serializable_data_next_block": {
            "block_info_next_block": serde_json::to_value(info)?,
            "starknet_version": serde_json::to_value(info.starknet_version)?,
            "transactions_next_block": transactions,
            "state_diff_next_block": state_diff,
            "declared_classes": Value::Object(declared_classes),
        },
        "chain_id": serde_json::to_value(chain)?,
        "old_block_hash": hex(&old.map(|o| o.hash.0).unwrap_or_default()),
    });
    if !matches!(
        chain,
        ChainId::Mainnet | ChainId::Sepolia | ChainId::IntegrationSepolia
    ) {
        // starkstm's extension: a chain whose fee tokens are not Starknet's.
        let tokens = &p.context.chain_info().fee_token_addresses;
        file["fee_token_addresses"] = json!({
            "strk_fee_token_address": hex(tokens.strk_fee_token_address.0.key()),
            "eth_fee_token_address": hex(tokens.eth_fee_token_address.0.key()),
        });
    }
    let text = serde_json::to_string_pretty(&file)?;
    std::fs::write(out, text + "\n").with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "wrote {} ({} transactions, {} classes, {} storage reads)",
        out.display(),
        p.txs.len(),
        file["serializable_data_prev_block"]["contract_class_mapping"]
            .as_object()
            .map_or(0, Map::len),
        reads.storage.len()
    );
    Ok(())
}
