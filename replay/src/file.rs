//! Starknet's re-execution file: everything one block read before it ran, the block, and the
//! state diff the chain committed. This is the JSON `blockifier_reexecution` (in
//! starkware-libs/sequencer) writes and reads; its field names and encodings are the
//! ecosystem's serde forms (`starknet_api`'s transactions and block info, hex felts):
//!
//! ```text
//! { "serializable_data_prev_block": {
//!     "state_maps": { "nonces": {address: nonce}, "class_hashes": {address: class hash},
//!                     "storage": {address: {key: value}},
//!                     "compiled_class_hashes": {class hash: compiled class hash},
//!                     "declared_contracts": {class hash: bool} },
//!     "contract_class_mapping": {class hash: class} },
//!   "serializable_data_next_block": {
//!     "block_info_next_block": BlockInfo, "starknet_version": "0.14.2",
//!     "transactions_next_block": [[Transaction, hash], ...],
//!     "state_diff_next_block": { "address_to_class_hash", "address_to_nonce",
//!                                "storage_updates": {address: {key: value}},
//!                                "class_hash_to_compiled_class_hash" },
//!     "declared_classes": {class hash: class} },
//!   "chain_id": "SN_MAIN", "old_block_hash": "0x..." }
//! ```
//!
//! A class is a Sierra class as RPC nodes return it (its ABI a JSON string) or a Cairo 0 class.
//! Newer versions of the tool name the two halves `serializable_data_base_block` /
//! `serializable_data_reexecuted_block` (and `reexecuted_block_info`, …); both spellings load.
//! Files the tool wrote before it recorded the chain lack `chain_id`: they are mainnet's. A map
//! of `state_maps` the file lacks is empty (a read from it is then a missing read).
//! The one extension starkstm reads is `fee_token_addresses`, for chains other than Starknet's
//! own (whose fee tokens are known); the tool ignores it.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use starkstm_starknet::class::abi_string;
use starkstm_starknet::input::read_regular_file;
use starkstm_starknet::starknet_api::block::{BlockHash, BlockInfo, StarknetVersion};
use starkstm_starknet::starknet_api::core::{
    ChainId, ClassHash, CompiledClassHash, ContractAddress, Nonce,
};
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::starknet_api::transaction::{Transaction, TransactionHash};
use starkstm_starknet::{ClassError, Felt, StateDiff};

/// The largest re-execution file read (classes make them large: a few MB is usual).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Why a re-execution file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a re-execution file.
    #[error("{path}: line {line}, column {column}: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// Where serde stopped.
        line: usize,
        /// Where serde stopped.
        column: usize,
        /// What it expected.
        message: String,
    },
}

/// A whole re-execution file.
#[derive(Debug, Deserialize, Serialize)]
pub struct ReexecutionFile {
    /// What the block read before it ran.
    #[serde(alias = "serializable_data_base_block")]
    pub serializable_data_prev_block: PrevBlock,
    /// The block and the diff the chain committed.
    #[serde(alias = "serializable_data_reexecuted_block")]
    pub serializable_data_next_block: NextBlock,
    /// The chain (part of every transaction hash; selects the fee tokens). Files Starknet's
    /// tool wrote before it recorded the chain are mainnet's.
    #[serde(default = "mainnet")]
    pub chain_id: ChainId,
    /// The hash of block `number - 10`, which pre-processing writes into contract `0x1`.
    pub old_block_hash: BlockHash,
    /// starkstm's extension: the fee tokens of a chain other than Starknet's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_token_addresses: Option<FeeTokenAddresses>,
}

fn mainnet() -> ChainId {
    ChainId::Mainnet
}

/// The fee tokens of a chain.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct FeeTokenAddresses {
    /// STRK: what V3 transactions pay in.
    pub strk_fee_token_address: ContractAddress,
    /// ETH.
    pub eth_fee_token_address: ContractAddress,
}

/// The state before the block, as far as the block read it.
#[derive(Debug, Deserialize, Serialize)]
pub struct PrevBlock {
    /// Every value the block read, at its value before the block.
    pub state_maps: StateMaps,
    /// The classes the block ran, by class hash.
    pub contract_class_mapping: HashMap<ClassHash, Box<RawValue>>,
}

/// Values read from the state before the block.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StateMaps {
    /// Nonces.
    pub nonces: HashMap<ContractAddress, Nonce>,
    /// The class deployed at an address (zero: none).
    pub class_hashes: HashMap<ContractAddress, ClassHash>,
    /// Storage, by contract then key.
    pub storage: HashMap<ContractAddress, HashMap<StorageKey, Felt>>,
    /// Compiled class hashes of classes (zero: not declared).
    pub compiled_class_hashes: HashMap<ClassHash, CompiledClassHash>,
    /// Whether a class was declared.
    pub declared_contracts: HashMap<ClassHash, bool>,
}

/// The block.
#[derive(Debug, Deserialize, Serialize)]
#[serde(try_from = "RawNextBlock")]
pub struct NextBlock {
    /// Number, timestamp, sequencer, gas prices, data availability.
    #[serde(alias = "reexecuted_block_info")]
    pub block_info_next_block: BlockInfo,
    /// The protocol version (selects the versioned constants).
    pub starknet_version: StarknetVersion,
    /// The transactions, in block order, with the chain's hashes.
    #[serde(alias = "reexecuted_block_transactions")]
    pub transactions_next_block: Vec<(Transaction, TransactionHash)>,
    /// The state diff the chain committed.
    #[serde(alias = "reexecuted_block_state_diff")]
    pub state_diff_next_block: CommittedDiff,
    /// The classes the block declares, by class hash.
    pub declared_classes: HashMap<ClassHash, Box<RawValue>>,
}

/// [`NextBlock`] as files spell it: the protocol version beside the block info (older files,
/// whose block info lacks it), in it (files whose block half lacks it), or both (equal).
#[derive(Deserialize)]
struct RawNextBlock {
    #[serde(alias = "reexecuted_block_info")]
    block_info_next_block: serde_json::Map<String, serde_json::Value>,
    starknet_version: Option<StarknetVersion>,
    #[serde(alias = "reexecuted_block_transactions")]
    transactions_next_block: Vec<(Transaction, TransactionHash)>,
    #[serde(alias = "reexecuted_block_state_diff")]
    state_diff_next_block: CommittedDiff,
    declared_classes: HashMap<ClassHash, Box<RawValue>>,
}

impl TryFrom<RawNextBlock> for NextBlock {
    type Error = String;

    fn try_from(raw: RawNextBlock) -> Result<NextBlock, String> {
        let mut info = raw.block_info_next_block;
        let inner = match info.get("starknet_version") {
            Some(v) => Some(
                StarknetVersion::deserialize(v)
                    .map_err(|e| format!("block info: starknet_version: {e}"))?,
            ),
            None => None,
        };
        let version = match (raw.starknet_version, inner) {
            (Some(outer), Some(inner)) if outer != inner => {
                return Err(format!(
                    "the block half says starknet_version {outer}, its block info {inner}"
                ))
            }
            (Some(v), _) | (None, Some(v)) => v,
            (None, None) => return Err("no starknet_version: the block's protocol version".into()),
        };
        info.insert(
            "starknet_version".to_string(),
            serde_json::to_value(version).map_err(|e| e.to_string())?,
        );
        let block_info_next_block = BlockInfo::deserialize(serde_json::Value::Object(info))
            .map_err(|e| format!("block info: {e}"))?;
        Ok(NextBlock {
            block_info_next_block,
            starknet_version: version,
            transactions_next_block: raw.transactions_next_block,
            state_diff_next_block: raw.state_diff_next_block,
            declared_classes: raw.declared_classes,
        })
    }
}

/// A state diff as the chain commits it.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct CommittedDiff {
    /// Contracts deployed or whose class was replaced.
    pub address_to_class_hash: HashMap<ContractAddress, ClassHash>,
    /// New nonces.
    pub address_to_nonce: HashMap<ContractAddress, Nonce>,
    /// Storage written, by contract then key.
    pub storage_updates: HashMap<ContractAddress, HashMap<StorageKey, Felt>>,
    /// Classes declared, with their compiled class hashes.
    pub class_hash_to_compiled_class_hash: HashMap<ClassHash, CompiledClassHash>,
}

impl CommittedDiff {
    /// A starkstm state diff in the chain's form.
    pub fn from_state_diff(diff: &StateDiff) -> CommittedDiff {
        let mut out = CommittedDiff::default();
        for ((address, key), value) in &diff.storage {
            out.storage_updates
                .entry(*address)
                .or_default()
                .insert(*key, *value);
        }
        out.address_to_nonce = diff.nonces.iter().map(|(a, n)| (*a, *n)).collect();
        out.address_to_class_hash = diff.class_hashes.iter().map(|(a, c)| (*a, *c)).collect();
        out.class_hash_to_compiled_class_hash = diff
            .declared_classes
            .iter()
            .map(|(c, h)| (*c, *h))
            .collect();
        out
    }
}

/// A compiler's Sierra class JSON as a node returns it (and as the file holds it): the program,
/// the version, the entry points and the ABI as the string the class hash covers (an array ABI
/// in the form Starknet hashes), no debug info.
pub fn node_class_json(sierra_json: &str) -> Result<Box<RawValue>, ClassError> {
    #[derive(Deserialize, Serialize)]
    struct Node {
        sierra_program: Box<RawValue>,
        contract_class_version: Box<RawValue>,
        entry_points_by_type: Box<RawValue>,
        #[serde(skip_deserializing)]
        abi: String,
    }
    let mut node: Node = serde_json::from_str(sierra_json)
        .map_err(|e| ClassError::Invalid(format!("not a Sierra class: {e}")))?;
    node.abi = abi_string(sierra_json)?;
    let text = serde_json::to_string(&node)
        .map_err(|e| ClassError::Invalid(format!("cannot write the class: {e}")))?;
    RawValue::from_string(text).map_err(|e| ClassError::Invalid(e.to_string()))
}

impl ReexecutionFile {
    /// The file as JSON (two-space indented, as Starknet's tool writes it).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a re-execution file serializes")
    }

    /// Reads and parses the file at `path`: a regular file of at most [`MAX_FILE_BYTES`], or
    /// (a name ending in `.gz`) one gzip-compressed that expands to at most that.
    pub fn read(path: &Path) -> Result<ReexecutionFile, FileError> {
        let io = |source| FileError::Io {
            path: path.display().to_string(),
            source,
        };
        let text = if path.extension().is_some_and(|e| e == "gz") {
            read_gzip(path).map_err(io)?
        } else {
            read_regular_file(path, MAX_FILE_BYTES).map_err(io)?
        };
        ReexecutionFile::parse(&text, path)
    }

    /// Parses `text`, naming `path` in errors.
    pub fn parse(text: &str, path: &Path) -> Result<ReexecutionFile, FileError> {
        serde_json::from_str(text).map_err(|e| FileError::Malformed {
            path: path.display().to_string(),
            line: e.line(),
            column: e.column(),
            message: short(&e.to_string()),
        })
    }
}

/// The text of the gzip-compressed regular file at `path`, at most [`MAX_FILE_BYTES`] expanded.
fn read_gzip(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "not a regular file (a FIFO, device or directory cannot be read as one)",
        ));
    }
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::io::BufReader::new(file))
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(ErrorKind::InvalidData, format!("not gzip: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("expands past the limit of {MAX_FILE_BYTES} bytes"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorKind::InvalidData, format!("not UTF-8 text: {e}")))
}

/// `message` without serde's trailing position, cut to 300 characters.
fn short(message: &str) -> String {
    let message = message
        .rsplit_once(" at line ")
        .map_or(message, |(head, _)| head);
    if message.chars().count() > 300 {
        let mut cut: String = message.chars().take(300).collect();
        cut.push('…');
        cut
    } else {
        message.to_string()
    }
}
