//! Replay from a Starknet JSON-RPC node (spec 0.8 and later): [`RpcClient`] (JSON-RPC 2.0 over
//! HTTP or HTTPS, with retries), [`RpcState`] (a [`BaseState`] that reads the state after a
//! given block from the node, on demand, through a concurrent cache) and [`fetch_block`] (the
//! block, its transactions and the diff the chain committed).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{json, Value};
use starkstm_starknet::starknet_api::core::{
    ChainId, ClassHash, CompiledClassHash, ContractAddress, Nonce,
};
use starkstm_starknet::starknet_api::state::StorageKey;
use starkstm_starknet::starknet_api::transaction::{
    DeclareTransaction, Transaction as ApiTransaction,
};
use starkstm_starknet::{BaseState, BaseStateError, ContractClass, Felt};

use crate::convert::{self, ReplayBlock};
use crate::file::FeeTokenAddresses;
use crate::recorded::load_class;
use crate::rpc_objects;
use crate::{CommittedDiff, ReplayError};

/// JSON-RPC error code: contract not found.
const CONTRACT_NOT_FOUND: i64 = 20;
/// JSON-RPC error code: block not found.
const BLOCK_NOT_FOUND: i64 = 24;
/// JSON-RPC error code: class hash not found.
const CLASS_HASH_NOT_FOUND: i64 = 28;

/// Why a node request failed.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The node could not be reached, or answered with an HTTP error, after every retry.
    #[error("{url}: {message}")]
    Transport {
        /// The node.
        url: String,
        /// What happened on the last try.
        message: String,
    },
    /// The node answered with a JSON-RPC error.
    #[error("{method}: the node answered error {code}: {message}")]
    Node {
        /// The method called.
        method: String,
        /// The JSON-RPC error code.
        code: i64,
        /// Its message.
        message: String,
    },
    /// The node's answer is not what the method returns.
    #[error("{method}: {message}")]
    Response {
        /// The method called.
        method: String,
        /// What is wrong.
        message: String,
    },
}

/// A JSON-RPC 2.0 client of one node. Requests that fail to connect, time out, or get HTTP 429
/// or 5xx are retried with exponential backoff.
#[derive(Debug)]
pub struct RpcClient {
    url: String,
    agent: ureq::Agent,
    attempts: u32,
    backoff: Duration,
    next_id: AtomicU64,
}

impl RpcClient {
    /// A client of the node at `url` (4 attempts per request, 60 s timeout, 0.5 s first
    /// backoff).
    pub fn new(url: &str) -> RpcClient {
        RpcClient::with_retries(url, 4, Duration::from_millis(500))
    }

    /// A client making `attempts` tries per request, waiting `backoff`, then twice as long, …
    /// between them.
    pub fn with_retries(url: &str, attempts: u32, backoff: Duration) -> RpcClient {
        RpcClient {
            url: url.to_string(),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(60))
                .build(),
            attempts: attempts.max(1),
            backoff,
            next_id: AtomicU64::new(1),
        }
    }

    /// Calls `method` with `params` (an object of named parameters); its `result`.
    pub fn call(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body =
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        let mut last = String::new();
        for attempt in 0..self.attempts {
            if attempt > 0 {
                std::thread::sleep(self.backoff * 2u32.saturating_pow(attempt - 1));
            }
            let response = self
                .agent
                .post(&self.url)
                .set("Content-Type", "application/json")
                .send_string(&body);
            let text = match response {
                Ok(response) => match response.into_string() {
                    Ok(text) => text,
                    Err(e) => {
                        last = format!("reading the answer: {e}");
                        continue;
                    }
                },
                Err(ureq::Error::Status(code, response)) => {
                    last = format!("HTTP {code} {}", response.status_text());
                    if code == 429 || code >= 500 {
                        continue;
                    }
                    break;
                }
                Err(ureq::Error::Transport(e)) => {
                    last = e.to_string();
                    continue;
                }
            };
            return parse_answer(method, &text);
        }
        Err(RpcError::Transport {
            url: self.url.clone(),
            message: format!("{method}: {last}"),
        })
    }
}

fn parse_answer(method: &str, text: &str) -> Result<Value, RpcError> {
    let bad = |message: String| RpcError::Response {
        method: method.to_string(),
        message,
    };
    let mut answer: Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    if let Some(error) = answer.get("error") {
        return Err(RpcError::Node {
            method: method.to_string(),
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        });
    }
    answer
        .get_mut("result")
        .map(Value::take)
        .ok_or_else(|| bad("no result".to_string()))
}

fn felt_of(method: &str, value: &Value) -> Result<Felt, RpcError> {
    value
        .as_str()
        .and_then(|s| Felt::from_hex(s).ok())
        .ok_or_else(|| RpcError::Response {
            method: method.to_string(),
            message: format!("expected a felt, got {}", cut(&value.to_string())),
        })
}

fn cut(text: &str) -> String {
    text.chars().take(80).collect()
}

/// A class as the node returned it, and prepared.
type FetchedClass = (Arc<ContractClass>, Arc<RawValue>);

/// The node's JSON of the classes a block declares, by class hash.
pub type DeclaredClasses = HashMap<ClassHash, Box<RawValue>>;

/// The state after block `block` as a node serves it: each value read once, then cached (the
/// cache is shared by every worker thread). A class is fetched and compiled once.
pub struct RpcState {
    client: Arc<RpcClient>,
    block_id: Value,
    storage: Mutex<HashMap<(ContractAddress, StorageKey), Felt>>,
    nonces: Mutex<HashMap<ContractAddress, Nonce>>,
    class_hashes: Mutex<HashMap<ContractAddress, ClassHash>>,
    classes: Mutex<HashMap<ClassHash, Option<FetchedClass>>>,
    /// Classes the block migrated (its state update's `migrated_compiled_classes`): before it,
    /// their compiled class hash was the old (Poseidon) one. A node serves no compiled class
    /// hash, so this is how the state before the block is known to hold it.
    migrated: HashSet<ClassHash>,
}

impl std::fmt::Debug for RpcState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcState")
            .field("block_id", &self.block_id)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RpcState {
    /// The state after block `block`, read from `client`'s node.
    pub fn new(client: Arc<RpcClient>, block: u64) -> RpcState {
        RpcState {
            client,
            block_id: json!({ "block_number": block }),
            storage: Mutex::default(),
            nonces: Mutex::default(),
            class_hashes: Mutex::default(),
            classes: Mutex::default(),
            migrated: HashSet::new(),
        }
    }

    /// The JSON of a class it fetched (as the node returned it), for writing a re-execution
    /// file.
    pub fn class_json(&self, class: ClassHash) -> Option<Box<RawValue>> {
        lock(&self.classes)
            .get(&class)?
            .as_ref()
            .map(|(_, raw)| RawValue::from_string(raw.get().to_string()).ok())?
    }

    /// `method` for a felt; a contract the node does not know reads as zero.
    fn felt(&self, method: &str, params: Value) -> Result<Felt, BaseStateError> {
        match self.client.call(method, params) {
            Ok(value) => felt_of(method, &value).map_err(|e| BaseStateError(e.to_string())),
            Err(RpcError::Node { code, .. }) if code == CONTRACT_NOT_FOUND => Ok(Felt::ZERO),
            Err(e) => Err(BaseStateError(e.to_string())),
        }
    }

    fn fetch_class(&self, class: ClassHash) -> Result<Option<FetchedClass>, BaseStateError> {
        if let Some(known) = lock(&self.classes).get(&class) {
            return Ok(known.clone());
        }
        let params = json!({"block_id": self.block_id, "class_hash": format!("{:#x}", class.0)});
        let fetched = match self.client.call("starknet_getClass", params) {
            Ok(value) => {
                let raw = RawValue::from_string(value.to_string())
                    .map_err(|e| BaseStateError(e.to_string()))?;
                let loaded = load_class(class, &raw).map_err(|e| BaseStateError(e.to_string()))?;
                Some((loaded, Arc::from(raw)))
            }
            Err(RpcError::Node { code, .. }) if code == CLASS_HASH_NOT_FOUND => None,
            Err(e) => return Err(BaseStateError(e.to_string())),
        };
        lock(&self.classes).insert(class, fetched.clone());
        Ok(fetched)
    }
}

impl BaseState for RpcState {
    fn storage_at(
        &self,
        address: ContractAddress,
        key: StorageKey,
    ) -> Result<Felt, BaseStateError> {
        if let Some(v) = lock(&self.storage).get(&(address, key)) {
            return Ok(*v);
        }
        let value = self.felt(
            "starknet_getStorageAt",
            json!({"contract_address": format!("{:#x}", address.0.key()),
                   "key": format!("{:#x}", key.0.key()), "block_id": self.block_id}),
        )?;
        lock(&self.storage).insert((address, key), value);
        Ok(value)
    }

    fn nonce_at(&self, address: ContractAddress) -> Result<Nonce, BaseStateError> {
        if let Some(n) = lock(&self.nonces).get(&address) {
            return Ok(*n);
        }
        let nonce = Nonce(self.felt(
            "starknet_getNonce",
            json!({"block_id": self.block_id, "contract_address": format!("{:#x}", address.0.key())}),
        )?);
        lock(&self.nonces).insert(address, nonce);
        Ok(nonce)
    }

    fn class_hash_at(&self, address: ContractAddress) -> Result<ClassHash, BaseStateError> {
        if let Some(c) = lock(&self.class_hashes).get(&address) {
            return Ok(*c);
        }
        let class = ClassHash(self.felt(
            "starknet_getClassHashAt",
            json!({"block_id": self.block_id, "contract_address": format!("{:#x}", address.0.key())}),
        )?);
        lock(&self.class_hashes).insert(address, class);
        Ok(class)
    }

    fn compiled_class_hash(&self, class: ClassHash) -> Result<CompiledClassHash, BaseStateError> {
        let migrated = self.migrated.contains(&class);
        Ok(self
            .fetch_class(class)?
            .map(|(c, _)| {
                if migrated {
                    c.legacy_compiled_class_hash()
                } else {
                    c.compiled_class_hash()
                }
            })
            .unwrap_or_default())
    }

    fn class(&self, class: ClassHash) -> Result<Option<Arc<ContractClass>>, BaseStateError> {
        Ok(self.fetch_class(class)?.map(|(c, _)| c))
    }
}

/// Why a block could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// A request failed.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// What the node returned cannot be replayed.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// An RPC object could not be read.
    #[error(transparent)]
    Object(#[from] rpc_objects::RpcObjectError),
}

/// Block `number` from `client`'s node: its transactions (hashes checked), the context it
/// executes under, the diff the chain committed, and the state before it ([`RpcState`] at
/// `number - 1`). `declared` holds the node's JSON of the classes the block declares.
/// `fee_tokens` names the fee tokens of a chain other than Starknet's mainnet and testnets.
pub fn fetch_block(
    client: Arc<RpcClient>,
    number: u64,
    fee_tokens: Option<FeeTokenAddresses>,
) -> Result<(ReplayBlock<RpcState>, DeclaredClasses), FetchError> {
    let at = |n: u64| json!({ "block_number": n });
    let chain = felt_of(
        "starknet_chainId",
        &client.call("starknet_chainId", json!({}))?,
    )?;
    let chain = ChainId::from(
        String::from_utf8_lossy(&chain.to_bytes_be())
            .trim_start_matches('\0')
            .to_string(),
    );
    let block = match client.call("starknet_getBlockWithTxs", json!({"block_id": at(number)})) {
        Err(RpcError::Node { code, method, .. }) if code == BLOCK_NOT_FOUND => {
            return Err(RpcError::Node {
                method,
                code,
                message: format!("the node does not know block {number}"),
            }
            .into())
        }
        other => other?,
    };
    let info = rpc_objects::block_info(&block)?;
    let old_block_hash = match number.checked_sub(10) {
        Some(old) => {
            let header = client.call(
                "starknet_getBlockWithTxHashes",
                json!({"block_id": at(old)}),
            )?;
            Some(felt_of(
                "starknet_getBlockWithTxHashes",
                header.get("block_hash").unwrap_or(&Value::Null),
            )?)
        }
        None => None,
    };
    let objects = block
        .get("transactions")
        .and_then(Value::as_array)
        .ok_or_else(|| RpcError::Response {
            method: "starknet_getBlockWithTxs".to_string(),
            message: "no transactions".to_string(),
        })?;
    let mut api_txs = Vec::with_capacity(objects.len());
    let mut declared = HashMap::new();
    for object in objects {
        let (tx, hash) = rpc_objects::transaction(object)?;
        if let ApiTransaction::Declare(DeclareTransaction::V3(d)) = &tx {
            let class = client.call(
                "starknet_getClass",
                json!({"block_id": at(number), "class_hash": format!("{:#x}", d.class_hash.0)}),
            )?;
            let raw = RawValue::from_string(class.to_string()).map_err(|e| RpcError::Response {
                method: "starknet_getClass".to_string(),
                message: e.to_string(),
            })?;
            declared.insert(d.class_hash, raw);
        }
        api_txs.push((tx, hash));
    }
    let update = client.call("starknet_getStateUpdate", json!({"block_id": at(number)}))?;
    let expected: CommittedDiff = rpc_objects::state_diff(&update)?;
    let migrated = rpc_objects::migrated_classes(&update)?;
    let context = convert::context_of(
        &info,
        info.starknet_version,
        &chain,
        old_block_hash,
        fee_tokens,
    )?;
    let txs = api_txs
        .iter()
        .enumerate()
        .map(|(i, (tx, hash))| convert::transaction(i, tx, *hash, &declared, &context))
        .collect::<Result<Vec<_>, _>>()?;
    let mut state = RpcState::new(client, number.saturating_sub(1));
    state.migrated = migrated.into_iter().collect();
    Ok((
        ReplayBlock {
            context,
            txs,
            state,
            expected,
        },
        declared,
    ))
}
