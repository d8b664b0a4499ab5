//! Loading a base state and block context from a JSON genesis file.
//!
//! ```json
//! {
//!   "format": "starkstm-genesis/1",
//!   "block": { "number": 10, "timestamp": 1700000000, "sequencer": "0x5e9",
//!              "fee_token": "0x4718", "eth_fee_token": "0x4718", "chain_id": "SN_STARKSTM",
//!              "starknet_version": "0.14.2", "use_kzg_da": true, "old_block_hash": "0x5",
//!              "gas_prices": { "l1_gas": 20000000000000, "l1_data_gas": 500000, "l2_gas": 3000000000 },
//!              "eth_gas_prices": { "l1_gas": 1000000000, "l1_data_gas": 20, "l2_gas": 150000 } },
//!   "classes": [
//!     { "builtin": "erc20" },
//!     { "casm": "path/to/class.casm.json", "sierra": "path/to/class.sierra.json" },
//!     { "casm": "path/to/other.casm.json", "class_hash": "0x1234" },
//!     { "sierra_class": { <a Sierra class: its ABI an array or a string> } },
//!     { "cairo0": "path/to/cairo0_class.json", "class_hash": "0x4d07" },
//!     { "cairo0_class": { <a Cairo 0 class: its program compressed or not> } }
//!   ],
//!   "contracts": [ { "address": "0x4718", "class": "erc20" },
//!                  { "address": "0xc0", "class": "0x1234" } ],
//!   "storage": [ { "address": "0xc0", "key": "0x10", "value": "0x5" } ],
//!   "nonces": [ { "address": "0xc0", "nonce": "0x1" } ],
//!   "erc20_balances": [ { "token": "0x4718", "owner": "0xc0", "amount": "1000000" } ]
//! }
//! ```
//!
//! Felts are `0x`-prefixed hex strings; amounts are decimal or hex strings (u128). A class is
//! one of ours by name (Cairo 0 ones too: `oz_account_cairo0`, `udc_cairo0`, `probe_cairo0`), a
//! compiled class file with either its Sierra file (the class hash is computed) or its class
//! hash, or a Cairo 0 class (a file or inline; its class hash is computed, and checked against
//! `class_hash` if given). A contract's `class` is a builtin name or a class hash. Paths are
//! relative to the genesis file and must name regular files (at most
//! [`MAX_CLASS_FILE_BYTES`](crate::input::MAX_CLASS_FILE_BYTES)); a block file's genesis section names no paths. Every `0x` value
//! must be below the field prime. Every section but `format` is optional, and so is every field
//! of `block`: it defaults to [`BlockContext::new`] with sequencer `0x5e9` and fee token
//! `0x4718`. Gas prices must be non-zero; `starknet_version` must be one with published
//! constants (0.13.0 to 0.14.4); older files' `l2_gas_price` sets the L2 gas price alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use starknet_api::core::{ChainId, ClassHash, ContractAddress, Nonce, PatriciaKey};
use starknet_api::state::StorageKey;
use starknet_types_core::felt::Felt;

mod classes;

use crate::class::ClassError;
use classes::ClassEntry;

use crate::context::{parse_version, BlockContext, GasPrices};
use crate::input::{
    elide, parse_checked, parse_u128, read_regular_file, JsonInputError, MAX_FILE_BYTES,
};
use crate::state::InMemoryState;
use crate::u256::U256;

/// The format tag a genesis file must carry.
pub const GENESIS_FORMAT: &str = "starkstm-genesis/1";

/// Loading a genesis file failed.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    /// A file could not be read (or is not a regular file, or is too large).
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The genesis file is not valid JSON of the format.
    #[error("{path}: {}", elide(&error.to_string()))]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error (with line and column).
        error: serde_json::Error,
    },
    /// A class file is not a valid class.
    #[error("{path}: {error}")]
    Class {
        /// The file.
        path: PathBuf,
        /// Why.
        error: ClassError,
    },
    /// A value is out of range or refers to something undefined.
    #[error("{path}: {}", elide(what))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        what: String,
    },
}

/// A parsed genesis document: a genesis file, or the `genesis` section of a block file (which
/// has no `format` field). Parse it in place with serde, so errors name the line and column of
/// the file the user wrote, then build it with [`from_section`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisJson {
    format: Option<String>,
    block: Option<Block>,
    #[serde(default)]
    classes: Vec<ClassEntry>,
    #[serde(default)]
    contracts: Vec<ContractEntry>,
    #[serde(default)]
    storage: Vec<StorageEntry>,
    #[serde(default)]
    nonces: Vec<NonceEntry>,
    #[serde(default)]
    erc20_balances: Vec<BalanceEntry>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Block {
    number: Option<u64>,
    timestamp: Option<u64>,
    sequencer: Option<Felt>,
    fee_token: Option<Felt>,
    eth_fee_token: Option<Felt>,
    chain_id: Option<String>,
    /// Older files' one price: the L2 gas price (fri).
    l2_gas_price: Option<u128>,
    gas_prices: Option<PricesEntry>,
    eth_gas_prices: Option<PricesEntry>,
    starknet_version: Option<String>,
    use_kzg_da: Option<bool>,
    old_block_hash: Option<Felt>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PricesEntry {
    l1_gas: u128,
    l1_data_gas: u128,
    l2_gas: u128,
}

impl From<PricesEntry> for GasPrices {
    fn from(p: PricesEntry) -> GasPrices {
        GasPrices {
            l1_gas: p.l1_gas,
            l1_data_gas: p.l1_data_gas,
            l2_gas: p.l2_gas,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractEntry {
    address: Felt,
    class: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StorageEntry {
    address: Felt,
    key: Felt,
    value: Felt,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NonceEntry {
    address: Felt,
    nonce: Felt,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BalanceEntry {
    token: Felt,
    owner: Felt,
    amount: String,
}

/// The genesis-file JSON of `state` and `context` (without the `format` field when
/// `with_format` is false, for embedding in a block file). Our own classes are written by name,
/// others inline.
pub fn to_json(
    state: &InMemoryState,
    context: &BlockContext,
    with_format: bool,
) -> serde_json::Value {
    use serde_json::json;
    let hex = |f: &Felt| format!("{f:#x}");
    let mut builtin_names: HashMap<ClassHash, &'static str> = HashMap::new();
    for (name, hash, class) in crate::contracts::all_builtins().unwrap_or_default() {
        if state.classes.get(&hash).map(|c| c.identity()) == Some(class.identity()) {
            builtin_names.insert(hash, name);
        }
    }
    let mut classes: Vec<_> = state.classes.iter().collect();
    classes.sort_by_key(|(hash, _)| **hash);
    let classes: Vec<serde_json::Value> = classes
        .into_iter()
        .map(|(hash, class)| match builtin_names.get(hash) {
            Some(name) => json!({ "builtin": name }),
            None => match (class.casm(), class.cairo0_json()) {
                (Some(casm), _) => json!({
                    "class_hash": hex(&hash.0),
                    "compiled_class": serde_json::to_value(casm).expect("a class serializes"),
                    "sierra_version": class.sierra_version().to_string(),
                }),
                (None, json) => json!({ "cairo0_class": json }),
            },
        })
        .collect();
    let mut contracts: Vec<_> = state.class_hashes.iter().collect();
    contracts.sort();
    let contracts: Vec<serde_json::Value> = contracts
        .into_iter()
        .map(|(address, hash)| {
            let class = match builtin_names.get(hash) {
                Some(name) => name.to_string(),
                None => hex(&hash.0),
            };
            json!({ "address": hex(address.0.key()), "class": class })
        })
        .collect();
    let mut storage: Vec<_> = state.storage.iter().collect();
    storage.sort();
    let storage: Vec<serde_json::Value> = storage
        .into_iter()
        .map(|((address, key), value)| {
            json!({ "address": hex(address.0.key()), "key": hex(key.0.key()), "value": hex(value) })
        })
        .collect();
    let mut nonces: Vec<_> = state.nonces.iter().collect();
    nonces.sort();
    let nonces: Vec<serde_json::Value> = nonces
        .into_iter()
        .map(|(address, nonce)| json!({ "address": hex(address.0.key()), "nonce": hex(&nonce.0) }))
        .collect();
    let prices = |p: &GasPrices| json!({ "l1_gas": p.l1_gas, "l1_data_gas": p.l1_data_gas, "l2_gas": p.l2_gas });
    let mut value = json!({
        "block": {
            "number": context.block_number,
            "timestamp": context.block_timestamp,
            "sequencer": hex(context.sequencer.0.key()),
            "fee_token": hex(context.fee_token.0.key()),
            "eth_fee_token": hex(context.eth_fee_token.0.key()),
            "chain_id": context.chain_id.to_string(),
            "starknet_version": context.starknet_version.to_string(),
            "gas_prices": prices(&context.gas_prices),
            "eth_gas_prices": prices(&context.eth_gas_prices),
            "use_kzg_da": context.use_kzg_da,
        },
        "classes": classes,
        "contracts": contracts,
        "storage": storage,
        "nonces": nonces,
    });
    if let Some(hash) = context.old_block_hash {
        value["block"]["old_block_hash"] = json!(hex(&hash));
    }
    if with_format {
        value["format"] = json!(GENESIS_FORMAT);
    }
    value
}

impl std::fmt::Debug for GenesisJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenesisJson")
            .field("classes", &self.classes.len())
            .field("contracts", &self.contracts.len())
            .finish_non_exhaustive()
    }
}

/// Where a genesis document's classes may come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClassFiles<'a> {
    /// Class files named by path, relative to this directory (a genesis file on disk). Each must
    /// be a regular file of at most [`MAX_CLASS_FILE_BYTES`](crate::input::MAX_CLASS_FILE_BYTES).
    RelativeTo(&'a Path),
    /// No class files: the document must be self-contained (a block file, which is meant to be
    /// shared, names no local path).
    Refused,
}

/// Loads a genesis file: the base state and the block context. The file must be a regular file
/// of at most [`MAX_FILE_BYTES`].
pub fn load_genesis(path: &Path) -> Result<(InMemoryState, BlockContext), GenesisError> {
    let text = read(path, MAX_FILE_BYTES)?;
    parse_genesis(&text, path)
}

fn read(path: &Path, max_bytes: u64) -> Result<String, GenesisError> {
    read_regular_file(path, max_bytes).map_err(|error| GenesisError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// Parses genesis JSON; `path` names it in errors and anchors relative class paths.
pub fn parse_genesis(
    text: &str,
    path: &Path,
) -> Result<(InMemoryState, BlockContext), GenesisError> {
    let file: GenesisJson = parse_checked(text, FELT_EXEMPT_KEYS).map_err(|e| match e {
        JsonInputError::Json(error) => GenesisError::Json {
            path: path.to_path_buf(),
            error,
        },
        JsonInputError::Felt(e) => GenesisError::Invalid {
            path: path.to_path_buf(),
            what: e.to_string(),
        },
    })?;
    if file.format.as_deref() != Some(GENESIS_FORMAT) {
        return Err(GenesisError::Invalid {
            path: path.to_path_buf(),
            what: format!(
                "format is {:?}, expected {GENESIS_FORMAT:?}",
                file.format.as_deref().unwrap_or("missing")
            ),
        });
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    from_section(file, path, ClassFiles::RelativeTo(dir))
}

/// The keys under which a `0x` string need not be a felt: a compiled class's `prime` is the
/// field prime itself.
pub const FELT_EXEMPT_KEYS: &[&str] = &["prime"];

/// Builds the base state and context a parsed genesis document describes; `path` names the
/// file in errors. A block file's section (no `format`) is built with [`ClassFiles::Refused`].
pub fn from_section(
    file: GenesisJson,
    path: &Path,
    class_files: ClassFiles<'_>,
) -> Result<(InMemoryState, BlockContext), GenesisError> {
    let invalid = |what: String| GenesisError::Invalid {
        path: path.to_path_buf(),
        what,
    };
    let address = |f: Felt, what: &str| {
        PatriciaKey::try_from(f)
            .map(ContractAddress)
            .map_err(|_| invalid(format!("{what} {f:#x} is not a contract address")))
    };
    let mut state = InMemoryState::new();
    let mut builtins: HashMap<String, ClassHash> = HashMap::new();
    for (i, entry) in file.classes.iter().enumerate() {
        let (hash, class) = classes::load(entry, i, path, &class_files)?;
        if let Some(name) = &entry.builtin {
            builtins.insert(name.clone(), hash);
        }
        state.declare(hash, class);
    }
    for (i, c) in file.contracts.iter().enumerate() {
        let at = address(c.address, &format!("contracts[{i}].address"))?;
        let hash = match builtins.get(&c.class) {
            Some(h) => *h,
            None => {
                let felt = Felt::from_hex(&c.class).map_err(|_| {
                    invalid(format!(
                        "contracts[{i}].class: {:?} is neither a builtin class listed in \"classes\" nor a class hash",
                        c.class
                    ))
                })?;
                ClassHash(felt)
            }
        };
        if !state.classes.contains_key(&hash) {
            return Err(invalid(format!(
                "contracts[{i}]: class {:#x} is not declared in \"classes\"",
                hash.0
            )));
        }
        state.deploy(at, hash);
    }
    for (i, s) in file.storage.iter().enumerate() {
        let at = address(s.address, &format!("storage[{i}].address"))?;
        let key = PatriciaKey::try_from(s.key)
            .map(StorageKey)
            .map_err(|_| invalid(format!("storage[{i}].key {:#x} is out of range", s.key)))?;
        state.set_storage(at, key, s.value);
    }
    for (i, n) in file.nonces.iter().enumerate() {
        let at = address(n.address, &format!("nonces[{i}].address"))?;
        state.nonces.insert(at, Nonce(n.nonce));
    }
    for (i, b) in file.erc20_balances.iter().enumerate() {
        let token = address(b.token, &format!("erc20_balances[{i}].token"))?;
        let owner = address(b.owner, &format!("erc20_balances[{i}].owner"))?;
        let amount = parse_u128(&b.amount).ok_or_else(|| {
            invalid(format!(
                "erc20_balances[{i}].amount {:?} is not a u128",
                b.amount
            ))
        })?;
        state.set_erc20_balance(token, owner, U256::from_u128(amount));
    }
    let block = file.block.unwrap_or_default();
    let sequencer = address(
        block
            .sequencer
            .unwrap_or(Felt::from(crate::genesis::SEQUENCER)),
        "block.sequencer",
    )?;
    let fee_token = address(
        block
            .fee_token
            .unwrap_or(Felt::from(crate::genesis::FEE_TOKEN)),
        "block.fee_token",
    )?;
    let mut context = BlockContext::new(sequencer, fee_token);
    if let Some(eth) = block.eth_fee_token {
        context.eth_fee_token = address(eth, "block.eth_fee_token")?;
    }
    if let Some(n) = block.number {
        context.block_number = n;
    }
    if let Some(t) = block.timestamp {
        context.block_timestamp = t;
    }
    if let Some(c) = block.chain_id {
        context.chain_id = ChainId::from(c);
    }
    if block.l2_gas_price.is_some() && block.gas_prices.is_some() {
        return Err(invalid(
            "block: give \"gas_prices\" or the older \"l2_gas_price\", not both".into(),
        ));
    }
    if let Some(p) = block.l2_gas_price {
        context.gas_prices.l2_gas = p;
    }
    if let Some(p) = block.gas_prices {
        context.gas_prices = p.into();
    }
    if let Some(p) = block.eth_gas_prices {
        context.eth_gas_prices = p.into();
    }
    for (name, p) in [
        ("gas_prices", context.gas_prices),
        ("eth_gas_prices", context.eth_gas_prices),
    ] {
        if p.l1_gas == 0 || p.l1_data_gas == 0 || p.l2_gas == 0 {
            return Err(invalid(format!(
                "block.{name}: every gas price must be non-zero, as Starknet's are"
            )));
        }
    }
    if let Some(v) = block.starknet_version {
        context.starknet_version =
            parse_version(&v).map_err(|e| invalid(format!("block.starknet_version: {e}")))?;
    }
    if let Some(kzg) = block.use_kzg_da {
        context.use_kzg_da = kzg;
    }
    context.old_block_hash = block.old_block_hash;
    Ok((state, context))
}
