//! Starknet JSON-RPC objects (spec 0.8 and later) as `starknet_api` values: a transaction
//! object (`starknet_getTransactionByHash`, `starknet_getBlockWithTxs`) as the transaction and
//! its hash, and a block header as the block info the block executes under.
//!
//! A transaction object is `starknet_api`'s serde form of the same transaction plus `type`,
//! `version` and `transaction_hash`, except for the resource bounds' keys (`l1_gas`, `l2_gas`,
//! `l1_data_gas` against `L1_GAS`, `L2_GAS`, `L1_DATA`); an object from before L1 data gas had
//! a bound has no `l1_data_gas` and an all-zero `l2_gas`, which is the L1-gas-only form.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use starkstm_starknet::starknet_api::block::{
    BlockInfo, BlockNumber, BlockTimestamp, GasPrice, GasPriceVector, GasPrices, NonzeroGasPrice,
    StarknetVersion,
};
use starkstm_starknet::starknet_api::core::{ChainId, ClassHash, ContractAddress};
use starkstm_starknet::starknet_api::transaction::{
    DeclareTransaction, DeployAccountTransaction, InvokeTransaction, Transaction, TransactionHash,
    TransactionOptions,
};
use starkstm_starknet::Felt;

/// Why an RPC object could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {message}")]
pub struct RpcObjectError {
    /// Which object (a transaction's hash, or "block header").
    pub what: String,
    /// What is wrong with it.
    pub message: String,
}

fn field<'a>(
    object: &'a Map<String, Value>,
    name: &str,
    what: &str,
) -> Result<&'a Value, RpcObjectError> {
    object.get(name).ok_or_else(|| RpcObjectError {
        what: what.to_string(),
        message: format!("no `{name}`"),
    })
}

fn parse<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, RpcObjectError> {
    serde_json::from_value(value).map_err(|e| RpcObjectError {
        what: what.to_string(),
        message: e.to_string(),
    })
}

/// An RPC transaction object as the transaction and the hash the object carries.
pub fn transaction(object: &Value) -> Result<(Transaction, TransactionHash), RpcObjectError> {
    let mut what = "a transaction object".to_string();
    let Value::Object(object) = object else {
        return Err(RpcObjectError {
            what,
            message: "not a JSON object".to_string(),
        });
    };
    let hash: TransactionHash = parse(field(object, "transaction_hash", &what)?.clone(), &what)?;
    what = format!("transaction {:#x}", hash.0);
    let kind = field(object, "type", &what)?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let version: Felt = parse(field(object, "version", &what)?.clone(), &what)?;
    let mut body = object.clone();
    if let Some(Value::Object(bounds)) = body.get_mut("resource_bounds") {
        let zero = |b: Option<&Value>| {
            b.and_then(|b| b.get("max_amount"))
                .and_then(Value::as_str)
                .is_some_and(|a| Felt::from_hex(a).is_ok_and(|a| a == Felt::ZERO))
        };
        // The RPC 0.8 form of L1-gas-only bounds: no L1 data gas bound, zero L2 gas.
        if zero(bounds.get("l1_data_gas")) && zero(bounds.get("l2_gas")) {
            bounds.remove("l1_data_gas");
        }
        for (from, to) in [
            ("l1_gas", "L1_GAS"),
            ("l2_gas", "L2_GAS"),
            ("l1_data_gas", "L1_DATA"),
        ] {
            if let Some(bound) = bounds.remove(from) {
                bounds.insert(to.to_string(), bound);
            }
        }
    }
    let body = Value::Object(body);
    let tx = match (kind.as_str(), u64::try_from(version).unwrap_or(u64::MAX)) {
        ("INVOKE", 0) => Transaction::Invoke(InvokeTransaction::V0(parse(body, &what)?)),
        ("INVOKE", 1) => Transaction::Invoke(InvokeTransaction::V1(parse(body, &what)?)),
        ("INVOKE", 3) => Transaction::Invoke(InvokeTransaction::V3(parse(body, &what)?)),
        ("DEPLOY_ACCOUNT", 1) => {
            Transaction::DeployAccount(DeployAccountTransaction::V1(parse(body, &what)?))
        }
        ("DEPLOY_ACCOUNT", 3) => {
            Transaction::DeployAccount(DeployAccountTransaction::V3(parse(body, &what)?))
        }
        ("DECLARE", 0) => Transaction::Declare(DeclareTransaction::V0(parse(body, &what)?)),
        ("DECLARE", 1) => Transaction::Declare(DeclareTransaction::V1(parse(body, &what)?)),
        ("DECLARE", 2) => Transaction::Declare(DeclareTransaction::V2(parse(body, &what)?)),
        ("DECLARE", 3) => Transaction::Declare(DeclareTransaction::V3(parse(body, &what)?)),
        ("L1_HANDLER", _) => Transaction::L1Handler(parse(body, &what)?),
        (kind, _) => {
            return Err(RpcObjectError {
                what,
                message: format!(
                    "type {kind:?} version {version:#x} is not a transaction a block holds"
                ),
            })
        }
    };
    Ok((tx, hash))
}

/// The hash Starknet defines for `tx` on `chain`.
pub fn transaction_hash(
    tx: &Transaction,
    chain: &ChainId,
) -> Result<TransactionHash, RpcObjectError> {
    starkstm_starknet::starknet_api::transaction_hash::get_transaction_hash(
        tx,
        chain,
        &TransactionOptions::default(),
    )
    .map_err(|e| RpcObjectError {
        what: "a transaction".to_string(),
        message: format!("cannot hash it: {e}"),
    })
}

/// A block header (`starknet_getBlockWithTxHashes` / `WithTxs`) as the block info it executes
/// under: gas prices in wei (ETH) and fri (STRK), `l1_da_mode` BLOB as KZG data availability.
pub fn block_info(header: &Value) -> Result<BlockInfo, RpcObjectError> {
    let what = "block header";
    let Value::Object(header) = header else {
        return Err(RpcObjectError {
            what: what.to_string(),
            message: "not a JSON object".to_string(),
        });
    };
    let number: u64 = parse(field(header, "block_number", what)?.clone(), what)?;
    let timestamp: u64 = parse(field(header, "timestamp", what)?.clone(), what)?;
    let sequencer: ContractAddress =
        parse(field(header, "sequencer_address", what)?.clone(), what)?;
    let version = field(header, "starknet_version", what)?
        .as_str()
        .unwrap_or_default();
    let starknet_version = StarknetVersion::try_from(version).map_err(|e| RpcObjectError {
        what: what.to_string(),
        message: format!("starknet_version {version:?}: {e}"),
    })?;
    let price = |name: &str, unit: &str| -> Result<NonzeroGasPrice, RpcObjectError> {
        let price: GasPrice = parse(
            field(header, name, what)?
                .get(unit)
                .cloned()
                .ok_or_else(|| RpcObjectError {
                    what: what.to_string(),
                    message: format!("no `{name}.{unit}`"),
                })?,
            what,
        )?;
        NonzeroGasPrice::new(price).map_err(|_| RpcObjectError {
            what: what.to_string(),
            message: format!("`{name}.{unit}` is zero"),
        })
    };
    let vector = |unit: &str| -> Result<GasPriceVector, RpcObjectError> {
        Ok(GasPriceVector {
            l1_gas_price: price("l1_gas_price", unit)?,
            l1_data_gas_price: price("l1_data_gas_price", unit)?,
            l2_gas_price: price("l2_gas_price", unit)?,
        })
    };
    let da = field(header, "l1_da_mode", what)?
        .as_str()
        .unwrap_or_default();
    let use_kzg_da = match da {
        "BLOB" => true,
        "CALLDATA" => false,
        other => {
            return Err(RpcObjectError {
                what: what.to_string(),
                message: format!("l1_da_mode {other:?} is neither BLOB nor CALLDATA"),
            })
        }
    };
    Ok(BlockInfo {
        block_number: BlockNumber(number),
        block_timestamp: BlockTimestamp(timestamp),
        starknet_version,
        sequencer_address: sequencer,
        gas_prices: GasPrices {
            eth_gas_prices: vector("price_in_wei")?,
            strk_gas_prices: vector("price_in_fri")?,
        },
        use_kzg_da,
    })
}

/// A state update (`starknet_getStateUpdate`'s result, or its `state_diff` alone) as the diff
/// the chain committed: `deployed_contracts` and `replaced_classes` as the classes at
/// addresses, `nonces`, `storage_diffs` (an address with no entries adds nothing) and
/// `declared_classes` and `migrated_compiled_classes` (0.14.1 and later: classes whose
/// compiled class hash moved to its Blake2s form) with their compiled class hashes, as
/// `starknet_api` merges them. Cairo 0 declarations (`deprecated_declared_classes`) have no
/// entry in the diff the executor produces, as in Starknet's own re-execution.
pub fn state_diff(update: &Value) -> Result<crate::CommittedDiff, RpcObjectError> {
    let what = "state update";
    let diff = update.get("state_diff").unwrap_or(update);
    let Value::Object(diff) = diff else {
        return Err(RpcObjectError {
            what: what.to_string(),
            message: "not a JSON object".to_string(),
        });
    };
    let list = |name: &str| -> Result<Vec<Value>, RpcObjectError> {
        match diff.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(RpcObjectError {
                what: what.to_string(),
                message: format!("`{name}` is not a list"),
            }),
        }
    };
    let get = |item: &Value, name: &str, list: &str| -> Result<Value, RpcObjectError> {
        item.get(name).cloned().ok_or_else(|| RpcObjectError {
            what: what.to_string(),
            message: format!("an entry of `{list}` has no `{name}`"),
        })
    };
    let mut out = crate::CommittedDiff::default();
    for (list_name, address_field) in [
        ("deployed_contracts", "address"),
        ("replaced_classes", "contract_address"),
    ] {
        for item in list(list_name)? {
            let address: ContractAddress = parse(get(&item, address_field, list_name)?, what)?;
            let class = parse(get(&item, "class_hash", list_name)?, what)?;
            if out.address_to_class_hash.insert(address, class).is_some() {
                return Err(RpcObjectError {
                    what: what.to_string(),
                    message: format!("two classes for {:#x}", address.0.key()),
                });
            }
        }
    }
    for item in list("nonces")? {
        let address = parse(get(&item, "contract_address", "nonces")?, what)?;
        out.address_to_nonce
            .insert(address, parse(get(&item, "nonce", "nonces")?, what)?);
    }
    for item in list("storage_diffs")? {
        let address: ContractAddress = parse(get(&item, "address", "storage_diffs")?, what)?;
        let entries: Vec<Value> = parse(get(&item, "storage_entries", "storage_diffs")?, what)?;
        for entry in entries {
            let key = parse(get(&entry, "key", "storage_entries")?, what)?;
            let value = parse(get(&entry, "value", "storage_entries")?, what)?;
            out.storage_updates
                .entry(address)
                .or_default()
                .insert(key, value);
        }
    }
    for name in ["declared_classes", "migrated_compiled_classes"] {
        for item in list(name)? {
            let class = parse(get(&item, "class_hash", name)?, what)?;
            let compiled = parse(get(&item, "compiled_class_hash", name)?, what)?;
            out.class_hash_to_compiled_class_hash
                .insert(class, compiled);
        }
    }
    Ok(out)
}

/// The classes of a state update's `migrated_compiled_classes`: before the block, the state
/// held their compiled class hashes in the old (Poseidon) form.
pub fn migrated_classes(update: &Value) -> Result<Vec<ClassHash>, RpcObjectError> {
    let what = "state update";
    let diff = update.get("state_diff").unwrap_or(update);
    let Some(items) = diff.get("migrated_compiled_classes") else {
        return Ok(Vec::new());
    };
    let items: Vec<Value> = parse(items.clone(), what)?;
    items
        .into_iter()
        .map(|item| {
            let hash = item
                .get("class_hash")
                .cloned()
                .ok_or_else(|| RpcObjectError {
                    what: what.to_string(),
                    message: "an entry of `migrated_compiled_classes` has no `class_hash`"
                        .to_string(),
                })?;
            parse(hash, what)
        })
        .collect()
}
