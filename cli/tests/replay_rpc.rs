//! `starkstm replay --rpc` against a node on the loopback that serves a generated block's
//! responses (the test starts and stops it): the replay matches, `--save` writes a file that
//! replays offline to the same verdict, a rate limit is retried, and an unknown block or a
//! node that is down are clear errors.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use starkstm_replay::{node_class_json, record_block, CommittedDiff};
use starkstm_starknet::starknet_api::core::ClassHash;
use starkstm_starknet::{contracts, Felt, InMemoryState, Transaction};
use starkstm_workload::starknet_workloads::{generate, Workload, WorkloadSpec};

fn starkstm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_starkstm"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn hex(f: &Felt) -> String {
    format!("{f:#x}")
}

/// A transaction as a node returns it.
fn rpc_transaction(tx: &Transaction) -> Value {
    let api = serde_json::to_value(tx.to_api()).unwrap();
    let (kind, inner) = api.as_object().unwrap().iter().next().unwrap();
    let (ty, mut body) = match kind.as_str() {
        "Invoke" => ("INVOKE", inner["V3"].clone()),
        "DeployAccount" => ("DEPLOY_ACCOUNT", inner["V3"].clone()),
        "Declare" => ("DECLARE", inner["V3"].clone()),
        _ => ("L1_HANDLER", inner.clone()),
    };
    body["type"] = json!(ty);
    if ty != "L1_HANDLER" {
        body["version"] = json!("0x3");
    }
    body["transaction_hash"] = json!(hex(&tx.hash().0));
    if let Some(bounds) = body
        .get_mut("resource_bounds")
        .and_then(Value::as_object_mut)
    {
        for (from, to) in [
            ("L1_GAS", "l1_gas"),
            ("L2_GAS", "l2_gas"),
            ("L1_DATA", "l1_data_gas"),
        ] {
            if let Some(b) = bounds.remove(from) {
                bounds.insert(to.to_string(), b);
            }
        }
    }
    body
}

/// What the fake node serves.
struct Node {
    chain: String,
    number: u64,
    header: Value,
    old_hash: Felt,
    update: Value,
    state: InMemoryState,
    classes: HashMap<Felt, Value>,
    declared: HashMap<Felt, Value>,
    /// Requests answered with HTTP 429 before the first real answer.
    rate_limited: AtomicUsize,
    /// The fee tokens, as `--fee-tokens` takes them.
    fee_tokens: String,
}

impl Node {
    fn new(workload: Workload) -> Node {
        let block = generate(&WorkloadSpec {
            workload,
            txs: 16,
            accounts: 20,
            failing: 0.0,
            seed: 9,
            argent: None,
        })
        .unwrap();
        let c = &block.genesis.context;
        let sierra: HashMap<ClassHash, &str> = contracts::ALL
            .iter()
            .map(|k| {
                (
                    starkstm_starknet::class::sierra_class_hash(k.sierra).unwrap(),
                    k.sierra,
                )
            })
            .collect();
        // Sierra classes as nodes return them; Cairo 0 ones with their program compressed.
        let node_json = |h: &ClassHash| -> Value {
            match sierra.get(h) {
                Some(json) => serde_json::from_str(node_class_json(json).unwrap().get()).unwrap(),
                None => block.genesis.state.classes[h].cairo0_rpc_json().unwrap(),
            }
        };
        let file = record_block(c, &block.genesis.state, &block.txs, |h| {
            sierra.get(&h).map(|s| node_class_json(s).unwrap())
        })
        .unwrap();
        let diff: CommittedDiff = file.serializable_data_next_block.state_diff_next_block;
        let price = |wei: u128, fri: u128| json!({"price_in_wei": format!("{wei:#x}"), "price_in_fri": format!("{fri:#x}")});
        let header = json!({
            "block_number": c.block_number,
            "timestamp": c.block_timestamp,
            "sequencer_address": hex(c.sequencer.0.key()),
            "starknet_version": c.starknet_version.to_string(),
            "l1_gas_price": price(c.eth_gas_prices.l1_gas, c.gas_prices.l1_gas),
            "l1_data_gas_price": price(c.eth_gas_prices.l1_data_gas, c.gas_prices.l1_data_gas),
            "l2_gas_price": price(c.eth_gas_prices.l2_gas, c.gas_prices.l2_gas),
            "l1_da_mode": if c.use_kzg_da { "BLOB" } else { "CALLDATA" },
            "transactions": block.txs.iter().map(rpc_transaction).collect::<Vec<_>>(),
        });
        let update = json!({"state_diff": {
            "storage_diffs": diff.storage_updates.iter().map(|(a, slots)| json!({
                "address": hex(a.0.key()),
                "storage_entries": slots.iter().map(|(k, v)| json!({"key": hex(k.0.key()), "value": hex(v)})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "nonces": diff.address_to_nonce.iter().map(|(a, n)| json!({"contract_address": hex(a.0.key()), "nonce": hex(&n.0)})).collect::<Vec<_>>(),
            "deployed_contracts": diff.address_to_class_hash.iter().map(|(a, h)| json!({"address": hex(a.0.key()), "class_hash": hex(&h.0)})).collect::<Vec<_>>(),
            "replaced_classes": [],
            "declared_classes": diff.class_hash_to_compiled_class_hash.iter().map(|(h, c)| json!({"class_hash": hex(&h.0), "compiled_class_hash": hex(&c.0)})).collect::<Vec<_>>(),
            "deprecated_declared_classes": [],
        }});
        let classes = block
            .genesis
            .state
            .classes
            .keys()
            .map(|h| (h.0, node_json(h)))
            .collect();
        let declared = block
            .txs
            .iter()
            .filter_map(|tx| match tx {
                Transaction::Declare(d) => Some((d.tx.class_hash.0, node_json(&d.tx.class_hash))),
                _ => None,
            })
            .collect();
        Node {
            chain: match &c.chain_id {
                starkstm_starknet::starknet_api::core::ChainId::Other(s) => s.clone(),
                other => other.to_string(),
            },
            number: c.block_number,
            header,
            old_hash: c.old_block_hash.unwrap_or_default(),
            update,
            state: block.genesis.state.clone(),
            classes,
            declared,
            rate_limited: AtomicUsize::new(0),
            fee_tokens: format!(
                "{},{}",
                hex(c.fee_token.0.key()),
                hex(c.eth_fee_token.0.key())
            ),
        }
    }

    fn answer(&self, method: &str, p: &Value) -> Result<Value, (i64, &'static str)> {
        let felt = |k: &str| Felt::from_hex(p[k].as_str().unwrap_or("")).unwrap_or_default();
        let block = p["block_id"]["block_number"].as_u64();
        let address = || {
            starkstm_starknet::starknet_api::core::ContractAddress::try_from(felt(
                "contract_address",
            ))
            .unwrap()
        };
        let before = block == Some(self.number - 1);
        match method {
            "starknet_chainId" => Ok(json!(hex(&Felt::from_bytes_be_slice(
                self.chain.as_bytes()
            )))),
            "starknet_getBlockWithTxs" if block == Some(self.number) => Ok(self.header.clone()),
            "starknet_getBlockWithTxs" => Err((24, "Block not found")),
            "starknet_getBlockWithTxHashes" if block == Some(self.number - 10) => {
                Ok(json!({"block_hash": hex(&self.old_hash)}))
            }
            "starknet_getStateUpdate" if block == Some(self.number) => Ok(self.update.clone()),
            "starknet_getStorageAt" if before => {
                let key = starkstm_starknet::starknet_api::state::StorageKey::try_from(felt("key"))
                    .unwrap();
                Ok(json!(hex(self
                    .state
                    .storage
                    .get(&(address(), key))
                    .unwrap_or(&Felt::ZERO))))
            }
            "starknet_getNonce" if before => Ok(json!(hex(&self
                .state
                .nonces
                .get(&address())
                .map(|n| n.0)
                .unwrap_or_default()))),
            "starknet_getClassHashAt" if before => match self.state.class_hashes.get(&address()) {
                Some(h) => Ok(json!(hex(&h.0))),
                None => Err((20, "Contract not found")),
            },
            "starknet_getClass" => {
                let class = felt("class_hash");
                let known = self.classes.get(&class).or_else(|| {
                    (block == Some(self.number))
                        .then(|| self.declared.get(&class))
                        .flatten()
                });
                known.cloned().ok_or((28, "Class hash not found"))
            }
            _ => Err((-32601, "unexpected request")),
        }
    }
}

/// Serves `node` on a loopback port until `stop`; its URL.
fn serve(node: Arc<Node>, stop: Arc<AtomicBool>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/rpc", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((stream, _)) => {
                    let node = node.clone();
                    std::thread::spawn(move || handle(&node, stream));
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(2)),
            }
        }
    });
    url
}

fn handle(node: &Node, stream: TcpStream) {
    stream.set_nonblocking(false).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut stream = stream;
    if node
        .rate_limited
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok()
    {
        let _ = stream.write_all(
            b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    let request: Value = serde_json::from_slice(&body).unwrap();
    let answer = match node.answer(request["method"].as_str().unwrap(), &request["params"]) {
        Ok(result) => json!({"jsonrpc": "2.0", "id": request["id"], "result": result}),
        Err((code, message)) => {
            json!({"jsonrpc": "2.0", "id": request["id"], "error": {"code": code, "message": message}})
        }
    };
    let text = answer.to_string();
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

#[test]
fn replay_from_a_node_matches_and_saves_a_file_that_replays_offline() {
    let node = Arc::new(Node::new(Workload::Deploys));
    node.rate_limited.store(2, Ordering::Relaxed);
    let stop = Arc::new(AtomicBool::new(false));
    let url = serve(node.clone(), stop.clone());
    let dir = std::env::temp_dir().join(format!("starkstm-rpc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("saved.json");
    let tokens = node.fee_tokens.clone();
    let number = node.number.to_string();
    let out = starkstm(&[
        "replay",
        "--rpc",
        &url,
        "--block",
        &number,
        "--fee-tokens",
        &tokens,
        "--threads",
        "2",
        "--save",
        saved.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("the state diff equals the chain's")
            && text.contains("parallel equals sequential"),
        "{text}"
    );
    assert_eq!(
        node.rate_limited.load(Ordering::Relaxed),
        0,
        "the 429s were retried"
    );
    // The saved file replays offline, with the node gone.
    stop.store(true, Ordering::Relaxed);
    let out = starkstm(&["replay", saved.to_str().unwrap(), "--threads", "2"]);
    let offline = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{offline}");
    assert!(
        offline.contains("the state diff equals the chain's"),
        "{offline}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_block_and_a_node_that_is_down_are_clear_errors() {
    let node = Arc::new(Node::new(Workload::Transfers));
    let stop = Arc::new(AtomicBool::new(false));
    let url = serve(node.clone(), stop.clone());
    let tokens = node.fee_tokens.clone();
    let out = starkstm(&[
        "replay",
        "--rpc",
        &url,
        "--block",
        "999",
        "--fee-tokens",
        &tokens,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("does not know block 999"), "{err}");
    stop.store(true, Ordering::Relaxed);
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let out = starkstm(&[
        "replay",
        "--rpc",
        &dead,
        "--block",
        "10",
        "--fee-tokens",
        &tokens,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("starknet_chainId") && !err.contains("panicked"),
        "{err}"
    );
}

/// Cairo 0 classes as nodes serve them (their programs compressed): a block of Cairo 0
/// accounts calling Cairo 0 and Cairo 1 contracts replays from the node and from the saved
/// file, whose Cairo 0 classes are written compressed too.
#[test]
fn a_cairo0_block_replays_from_a_node_and_from_its_saved_file() {
    let node = Arc::new(Node::new(Workload::Cairo0));
    let stop = Arc::new(AtomicBool::new(false));
    let url = serve(node.clone(), stop.clone());
    let dir = std::env::temp_dir().join(format!("starkstm-rpc-cairo0-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("saved.json");
    let (tokens, number) = (node.fee_tokens.clone(), node.number.to_string());
    let out = starkstm(&[
        "replay",
        "--rpc",
        &url,
        "--block",
        &number,
        "--fee-tokens",
        &tokens,
        "--threads",
        "2",
        "--save",
        saved.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("the state diff equals the chain's"), "{text}");
    stop.store(true, Ordering::Relaxed);
    let file = std::fs::read_to_string(&saved).unwrap();
    let json: Value = serde_json::from_str(&file).unwrap();
    let classes = json["serializable_data_prev_block"]["contract_class_mapping"]
        .as_object()
        .unwrap();
    assert!(
        classes.values().any(|c| c["program"].is_string()),
        "a Cairo 0 class is saved with its program compressed"
    );
    let out = starkstm(&["replay", saved.to_str().unwrap(), "--threads", "2"]);
    let offline = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{offline}");
    let _ = std::fs::remove_dir_all(&dir);
}
