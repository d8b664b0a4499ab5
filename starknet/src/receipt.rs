//! [`Receipt`]: what a transaction produced.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use starknet_api::core::ContractAddress;
use starknet_api::transaction::TransactionHash;
use starknet_types_core::felt::Felt;

/// How a transaction ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "reason")]
pub enum Status {
    /// It ran and its changes are in the block.
    Succeeded,
    /// Its `__execute__` (or L1 handler) failed: its changes were rolled back, but the nonce
    /// bump and the fee stay.
    Reverted(String),
    /// It could not be included (bad nonce, bad signature, unaffordable fee…): no state change
    /// at all, no fee.
    Rejected(String),
}

impl Status {
    /// `"succeeded"`, `"reverted"` or `"rejected"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Status::Succeeded => "succeeded",
            Status::Reverted(_) => "reverted",
            Status::Rejected(_) => "rejected",
        }
    }
}

/// An event a contract emitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The emitting contract.
    pub from_address: ContractAddress,
    /// Keys (the first is the event's selector).
    pub keys: Vec<Felt>,
    /// Data.
    pub data: Vec<Felt>,
}

/// A message to L1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct L2ToL1Message {
    /// The sending contract.
    pub from_address: ContractAddress,
    /// The L1 recipient.
    pub to_address: Felt,
    /// The payload.
    pub payload: Vec<Felt>,
}

/// What executing a transaction used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// L2 gas charged (the gas vector's L2 gas).
    pub l2_gas: u64,
    /// Cairo steps, all calls together (the fee transfer included).
    pub steps: u64,
    /// Builtin instances used, by builtin.
    pub builtins: BTreeMap<String, u64>,
    /// Syscalls made, by syscall.
    pub syscalls: BTreeMap<String, u64>,
    /// State keys the transaction writes (its contribution to the state diff; the sequencer's
    /// balance counts once when it pays a fee).
    pub state_writes: u64,
}

/// The gas a transaction is charged for, by resource: the protocol's gas vector, which the fee
/// is the price-weighted sum of. A rejected transaction's is zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GasVector {
    /// L1 gas (messages to L1; calldata-based data availability).
    pub l1_gas: u64,
    /// L1 data gas (blob data availability of the state diff).
    pub l1_data_gas: u64,
    /// L2 gas (execution, and what the protocol converts to it).
    pub l2_gas: u64,
}

/// What a transaction produced: identical whichever executor ran it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The transaction's hash.
    pub tx_hash: TransactionHash,
    /// How it ended.
    pub status: Status,
    /// The fee charged, in fee-token units (0 for rejected transactions and L1 handlers).
    pub actual_fee: u128,
    /// The gas charged, by resource (absent in output files written before it existed: zero).
    #[serde(default)]
    pub gas: GasVector,
    /// What it used.
    pub resources: Resources,
    /// Events, in execution order (a failed call's events are dropped).
    pub events: Vec<Event>,
    /// Messages to L1, in execution order.
    pub messages: Vec<L2ToL1Message>,
}
