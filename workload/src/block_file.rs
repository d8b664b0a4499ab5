//! Block files and output files: versioned JSON, so blocks can be saved, shared, replayed and
//! diffed.
//!
//! A **block file** (`"format": "starkstm-block/2"`; files of `starkstm-block/1`, whose block
//! context had one gas price and no Starknet version, still load) holds the base state and
//! block context (the genesis-file schema of `starkstm_starknet::genesis_file`, without its
//! `format` field) and the transactions in block order:
//!
//! ```json
//! { "format": "starkstm-block/2",
//!   "genesis": { "block": {...}, "classes": [...], "contracts": [...], "storage": [...], "nonces": [...] },
//!   "transactions": [
//!     { "type": "invoke", "tx": { <starknet_api InvokeTransactionV3> } },
//!     { "type": "deploy_account", "tx": { <DeployAccountTransactionV3> } },
//!     { "type": "declare", "tx": { <DeclareTransactionV3> }, "class": { "builtin": "nft" } },
//!     { "type": "declare", "tx": {...}, "class": { "compiled_class": { <CASM> } } },
//!     { "type": "l1_handler", "tx": { <L1HandlerTransaction> }, "paid_fee_on_l1": "1" } ] }
//! ```
//!
//! Transaction hashes are recomputed on load, and a hash that appears twice is an error. A block
//! file is self-contained: its classes are inline or ours by name, never a path. Every `0x` value
//! must be a felt (below the field prime); an out-of-range value is an error naming its field.
//! An **output file**
//! (`"format": "starkstm-output/1"`) holds the receipts and the state diff.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use starkstm_starknet::genesis::Genesis;
use starkstm_starknet::genesis_file::{
    from_section, to_json, ClassFiles, GenesisError, GenesisJson, FELT_EXEMPT_KEYS,
};
use starkstm_starknet::input::{
    elide, parse_u128, read_regular_file, JsonInputError, MAX_FILE_BYTES,
};
use starkstm_starknet::starknet_api::core::{ClassHash, CompiledClassHash, ContractAddress, Nonce};
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::starknet_api::transaction::{
    DeclareTransactionV3, DeployAccountTransactionV3, InvokeTransactionV3, L1HandlerTransaction,
};
use starkstm_starknet::{contracts, ContractClass, Felt, Receipt, StateDiff, Transaction};

use crate::starknet::StarknetBlock;

/// The block-file format tag.
pub const BLOCK_FORMAT: &str = "starkstm-block/2";
/// The block-file format tags that still load.
pub const BLOCK_FORMATS_READ: [&str; 2] = ["starkstm-block/1", BLOCK_FORMAT];
/// The output-file format tag.
pub const OUTPUT_FORMAT: &str = "starkstm-output/1";

/// Reading a block or output file failed.
#[derive(Debug, thiserror::Error)]
pub enum BlockFileError {
    /// The file could not be read.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        error: std::io::Error,
    },
    /// It is not JSON of the format (the message names line and column).
    #[error("{path}: {}", elide(&error.to_string()))]
    Json {
        /// The file.
        path: String,
        /// The parser's error.
        error: serde_json::Error,
    },
    /// The genesis section is invalid.
    #[error(transparent)]
    Genesis(#[from] GenesisError),
    /// Something else is wrong; the message says what and where.
    #[error("{path}: {}", elide(what))]
    Invalid {
        /// The file.
        path: String,
        /// What and where.
        what: String,
    },
}

#[derive(Serialize)]
struct BlockJsonOut {
    format: String,
    genesis: serde_json::Value,
    transactions: Vec<TxJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockJson {
    format: String,
    genesis: GenesisJson,
    transactions: Vec<TxJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum TxJson {
    Invoke {
        tx: InvokeTransactionV3,
    },
    DeployAccount {
        tx: DeployAccountTransactionV3,
    },
    Declare {
        tx: DeclareTransactionV3,
        class: ClassJson,
    },
    L1Handler {
        tx: L1HandlerTransaction,
        paid_fee_on_l1: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ClassJson {
    Builtin {
        builtin: String,
    },
    Compiled {
        compiled_class: serde_json::Value,
        /// The class's Sierra version (a compiled class does not record it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sierra_version: Option<String>,
        /// Its Sierra program's and ABI string's lengths (a declare pays for them).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sierra_lengths: Option<[usize; 2]>,
    },
}

/// The block as block-file JSON.
pub fn write_block(block: &StarknetBlock) -> String {
    let g = &block.genesis;
    let builtin_of = |class: &ContractClass| contracts::builtin_name_of(class);
    let transactions = block
        .txs
        .iter()
        .map(|tx| match tx {
            Transaction::Invoke(t) => TxJson::Invoke { tx: t.tx.clone() },
            Transaction::DeployAccount(t) => TxJson::DeployAccount { tx: t.tx.clone() },
            Transaction::Declare(t) => TxJson::Declare {
                tx: t.tx.clone(),
                class: match builtin_of(&t.class) {
                    Some(name) => ClassJson::Builtin {
                        builtin: name.to_string(),
                    },
                    None => ClassJson::Compiled {
                        compiled_class: serde_json::to_value(t.class.casm())
                            .expect("a class serializes"),
                        sierra_version: Some(t.class.sierra_version().to_string()),
                        sierra_lengths: t.class.sierra_lengths().map(|(p, a)| [p, a]),
                    },
                },
            },
            Transaction::L1Handler(t) => TxJson::L1Handler {
                tx: t.tx.clone(),
                paid_fee_on_l1: t.paid_fee_on_l1.to_string(),
            },
        })
        .collect();
    let json = BlockJsonOut {
        format: BLOCK_FORMAT.to_string(),
        genesis: to_json(&g.state, &g.context, false),
        transactions,
    };
    serde_json::to_string(&json).expect("a block serializes")
}

/// Reads a block file: a regular file of at most [`MAX_FILE_BYTES`].
pub fn read_block_file(path: &Path) -> Result<StarknetBlock, BlockFileError> {
    let text = read_file(path)?;
    read_block(&text, path)
}

fn read_file(path: &Path) -> Result<String, BlockFileError> {
    read_regular_file(path, MAX_FILE_BYTES).map_err(|error| BlockFileError::Io {
        path: path.display().to_string(),
        error,
    })
}

/// Parses `text` with its felts checked (see [`input::parse_checked`]); `name` names the file.
///
/// [`input::parse_checked`]: starkstm_starknet::input::parse_checked
fn parse_checked<T: serde::de::DeserializeOwned>(
    text: &str,
    name: &str,
) -> Result<T, BlockFileError> {
    starkstm_starknet::input::parse_checked(text, FELT_EXEMPT_KEYS).map_err(|e| match e {
        JsonInputError::Json(error) => BlockFileError::Json {
            path: name.to_string(),
            error,
        },
        JsonInputError::Felt(e) => BlockFileError::Invalid {
            path: name.to_string(),
            what: e.to_string(),
        },
    })
}

/// Parses block-file JSON; `path` names it in errors. A block file is self-contained (it names
/// no class files), every `0x` value in it is below the field prime, and no transaction hash
/// appears twice.
pub fn read_block(text: &str, path: &Path) -> Result<StarknetBlock, BlockFileError> {
    let name = path.display().to_string();
    let invalid = |what: String| BlockFileError::Invalid {
        path: name.clone(),
        what,
    };
    let json: BlockJson = parse_checked(text, &name)?;
    if !BLOCK_FORMATS_READ.contains(&json.format.as_str()) {
        return Err(invalid(format!(
            "format is {:?}, expected {BLOCK_FORMAT:?} (or the older {:?})",
            json.format, BLOCK_FORMATS_READ[0]
        )));
    }
    let (state, context) = from_section(json.genesis, path, ClassFiles::Refused)?;
    let chain = context.chain_id.clone();
    let mut txs = Vec::with_capacity(json.transactions.len());
    for (i, tx) in json.transactions.into_iter().enumerate() {
        let built = match tx {
            TxJson::Invoke { tx } => Transaction::invoke(tx, &chain),
            TxJson::DeployAccount { tx } => Transaction::deploy_account(tx, &chain),
            TxJson::Declare { tx, class } => {
                let class = match class {
                    ClassJson::Builtin { builtin } => {
                        let contract =
                            contracts::BuiltinContract::by_name(&builtin).ok_or_else(|| {
                                invalid(format!("transactions[{i}]: no builtin class {builtin:?}"))
                            })?;
                        contract
                            .load()
                            .map_err(|e| invalid(format!("transactions[{i}]: {e}")))?
                            .1
                    }
                    ClassJson::Compiled {
                        compiled_class,
                        sierra_version,
                        sierra_lengths,
                    } => {
                        let casm = serde_json::from_value(compiled_class)
                            .map_err(|e| invalid(format!("transactions[{i}].class: {e}")))?;
                        let mut class = ContractClass::from_casm(casm)
                            .map_err(|e| invalid(format!("transactions[{i}].class: {e}")))?;
                        if let Some(text) = sierra_version {
                            let version =
                                starkstm_starknet::SierraVersion::parse(&text).map_err(|e| {
                                    invalid(format!("transactions[{i}].class.sierra_version: {e}"))
                                })?;
                            class = class.with_sierra_version(version);
                        }
                        if let Some([program, abi]) = sierra_lengths {
                            class = class.with_sierra_lengths(program, abi);
                        }
                        Arc::new(class)
                    }
                };
                Transaction::declare(tx, class, &chain)
            }
            TxJson::L1Handler { tx, paid_fee_on_l1 } => {
                let paid = parse_u128(&paid_fee_on_l1).ok_or_else(|| {
                    invalid(format!(
                        "transactions[{i}].paid_fee_on_l1 {paid_fee_on_l1:?} is not a u128"
                    ))
                })?;
                Transaction::l1_handler(tx, paid, &chain)
            }
        };
        txs.push(built.map_err(|e| invalid(format!("transactions[{i}]: {e}")))?);
    }
    let mut seen = std::collections::HashMap::with_capacity(txs.len());
    for (j, tx) in txs.iter().enumerate() {
        if let Some(i) = seen.insert(tx.hash(), j) {
            return Err(invalid(format!(
                "transactions[{j}] repeats transactions[{i}] (both have hash {:#x}); a block holds a transaction once",
                tx.hash().0
            )));
        }
    }
    let classes = contracts::all_builtins()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(name, hash, _)| state.classes.contains_key(&hash).then_some((name, hash)))
        .collect();
    Ok(StarknetBlock {
        genesis: Genesis {
            state,
            context,
            classes,
            accounts: Vec::new(),
        },
        txs,
    })
}

/// The `executor` of output files starkstm writes.
pub const STARKSTM_EXECUTOR: &str = "starkstm";

fn starkstm_executor() -> String {
    STARKSTM_EXECUTOR.to_string()
}

/// What executing a block produced: receipts and the state diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputFile {
    /// `starkstm-output/1`.
    pub format: String,
    /// Who executed the block: [`STARKSTM_EXECUTOR`], or the reference runner's name (then
    /// only the protocol's fields are compared, see [`compare`](crate::compare)).
    #[serde(default = "starkstm_executor")]
    pub executor: String,
    /// The receipts, in block order.
    pub receipts: Vec<Receipt>,
    /// The state diff.
    pub state_diff: StateDiffJson,
}

/// A state diff as output files hold it: lists in key order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDiffJson {
    /// `(address, key, value)`.
    pub storage: Vec<(ContractAddress, StorageKey, Felt)>,
    /// `(address, nonce)`.
    pub nonces: Vec<(ContractAddress, Nonce)>,
    /// `(address, class hash)`: deployed or replaced.
    pub class_hashes: Vec<(ContractAddress, ClassHash)>,
    /// `(class hash, compiled class hash)`: declared.
    pub declared_classes: Vec<(ClassHash, CompiledClassHash)>,
}

impl From<&StateDiff> for StateDiffJson {
    fn from(d: &StateDiff) -> StateDiffJson {
        StateDiffJson {
            storage: d.storage.iter().map(|((a, k), v)| (*a, *k, *v)).collect(),
            nonces: d.nonces.iter().map(|(a, n)| (*a, *n)).collect(),
            class_hashes: d.class_hashes.iter().map(|(a, c)| (*a, *c)).collect(),
            declared_classes: d.declared_classes.iter().map(|(c, h)| (*c, *h)).collect(),
        }
    }
}

impl OutputFile {
    /// An output file of `receipts` and `diff`.
    pub fn new(receipts: Vec<Receipt>, diff: &StateDiff) -> OutputFile {
        OutputFile {
            format: OUTPUT_FORMAT.to_string(),
            executor: STARKSTM_EXECUTOR.to_string(),
            receipts,
            state_diff: diff.into(),
        }
    }

    /// Reads an output file.
    pub fn read(path: &Path) -> Result<OutputFile, BlockFileError> {
        let name = path.display().to_string();
        let text = read_file(path)?;
        let file: OutputFile = parse_checked(&text, &name)?;
        if file.format != OUTPUT_FORMAT {
            return Err(BlockFileError::Invalid {
                path: name,
                what: format!("format is {:?}, expected {OUTPUT_FORMAT:?}", file.format),
            });
        }
        Ok(file)
    }

    /// The differences from `other`, one line each (at most `limit`, then a count per
    /// field), empty if equal. See [`compare`](crate::compare::compare).
    pub fn differences(&self, other: &OutputFile, limit: usize) -> Vec<String> {
        crate::compare::compare(self, other).lines(limit)
    }
}
