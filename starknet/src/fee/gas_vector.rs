//! The gas vector of a transaction: what it used (computation, archival data, state changes,
//! messages), as the protocol converts each to L1 gas, L1 data gas and L2 gas.

use cairo_vm::vm::runners::cairo_runner::ExecutionResources;

use crate::constants::{TxType, VersionedConstants};
use crate::context::GasPrices;
use crate::receipt::GasVector;

/// A transaction's contribution to the state diff, as fees count it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StateChangesCount {
    /// Storage cells whose value changed (plus the sender's fee balance).
    pub(crate) n_storage_updates: usize,
    /// Contracts deployed or replaced.
    pub(crate) n_class_hash_updates: usize,
    /// Classes declared.
    pub(crate) n_compiled_class_hash_updates: usize,
    /// Contracts whose storage, nonce or class changed (the fee token excluded).
    pub(crate) n_modified_contracts: usize,
    /// Storage cells that went from zero to non-zero.
    pub(crate) n_allocated_keys: usize,
}

impl StateChangesCount {
    /// How many felts the changes put on L1.
    pub(crate) fn da_segment_length(&self) -> usize {
        2 * self.n_modified_contracts
            + self.n_class_hash_updates
            + 2 * self.n_storage_updates
            + 2 * self.n_compiled_class_hash_updates
    }
}

/// Everything a transaction's gas vector is computed from.
#[derive(Clone, Debug)]
pub(crate) struct TxResources {
    pub(crate) tx_type: TxType,
    /// Calldata felts (with proof facts); an L1 handler's payload.
    pub(crate) calldata_len: usize,
    pub(crate) signature_len: usize,
    /// A declared class's code size, in bytes as the protocol counts them.
    pub(crate) code_size: usize,
    pub(crate) has_proof: bool,
    pub(crate) state: StateChangesCount,
    pub(crate) n_event_keys: usize,
    pub(crate) n_event_data: usize,
    /// The payload length of each message to L1.
    pub(crate) message_payloads: Vec<usize>,
    /// An L1 handler's payload length.
    pub(crate) l1_handler_payload: Option<usize>,
    /// VM resources of the calls charged by Cairo steps.
    pub(crate) vm: ExecutionResources,
    /// Sierra gas of the calls charged by it.
    pub(crate) sierra_gas: u64,
    /// Gas and steps `__execute__` used before it reverted.
    pub(crate) reverted_sierra_gas: u64,
    pub(crate) reverted_steps: usize,
}

// The Ethereum gas constants of the L1 costs (the protocol's estimates).
const GAS_PER_MEMORY_WORD: u64 = 512;
const SHARP_GAS_PER_MEMORY_WORD: u64 = 612;
const SHARP_GAS_PER_DA_WORD: u64 = 551;
const DATA_GAS_PER_FELT: u64 = 32;
const GAS_PER_ZERO_TO_NONZERO_STORAGE_SET: u64 = 20_000;
const GAS_PER_COUNTER_DECREASE: u64 = 5_000;
const GAS_PER_LOG: u64 = 375;
const GAS_PER_LOG_TOPIC: u64 = 375;
const GAS_PER_LOG_DATA_WORD: u64 = 256;
const L2_TO_L1_HEADER: u64 = 3;
const L1_TO_L2_HEADER: u64 = 5;

/// The L1 gas of calldata word with `n` non-zero bytes.
fn calldata_word_cost(n: u64) -> u64 {
    16 * n + 4 * (32 - n)
}

/// The data-availability cost of state changes: blob gas with KZG, calldata gas without.
pub(crate) fn da_gas(state: &StateChangesCount, use_kzg_da: bool) -> GasVector {
    let segment = state.da_segment_length() as u64;
    if use_kzg_da {
        return GasVector {
            l1_data_gas: segment * DATA_GAS_PER_FELT,
            ..GasVector::default()
        };
    }
    let discount = state.n_modified_contracts as u64
        * (GAS_PER_MEMORY_WORD - calldata_word_cost(6))
        + (GAS_PER_MEMORY_WORD - calldata_word_cost(12));
    GasVector {
        l1_gas: (segment * SHARP_GAS_PER_DA_WORD).saturating_sub(discount),
        ..GasVector::default()
    }
}

fn add(a: GasVector, b: GasVector) -> GasVector {
    GasVector {
        l1_gas: a.l1_gas.saturating_add(b.l1_gas),
        l1_data_gas: a.l1_data_gas.saturating_add(b.l1_data_gas),
        l2_gas: a.l2_gas.saturating_add(b.l2_gas),
    }
}

fn log_cost(topics: u64, data_words: u64) -> u64 {
    GAS_PER_LOG + (topics + 1) * GAS_PER_LOG_TOPIC + data_words * GAS_PER_LOG_DATA_WORD
}

impl TxResources {
    /// The gas vector (V3 transactions: L2 gas is charged as such).
    pub(crate) fn gas_vector(&self, c: &VersionedConstants, use_kzg_da: bool) -> GasVector {
        // Computation: the calls' VM resources with the OS's for the transaction, priced as
        // steps, plus Sierra gas.
        let mut vm = self.vm.clone();
        vm += &c.tx_os_resources(self.tx_type, self.calldata_len);
        if use_kzg_da {
            vm += &c.kzg_os_resources(self.state.da_segment_length());
        }
        let computation = c
            .vm_resources_gas(&vm, self.reverted_steps)
            .saturating_add(self.sierra_gas)
            .saturating_add(self.reverted_sierra_gas);
        // Archival data.
        let a = &c.archival;
        let mut archival = a
            .gas_per_data_felt
            .floor((self.calldata_len + self.signature_len) as u64)
            .saturating_add(a.gas_per_code_byte.floor(self.code_size as u64));
        if self.has_proof {
            archival = archival.saturating_add(a.gas_per_proof.floor(1));
        }
        let event_felts = a
            .event_key_factor
            .floor(self.n_event_keys as u64)
            .saturating_add(self.n_event_data as u64);
        archival = archival.saturating_add(a.gas_per_data_felt.floor(event_felts));
        // State: allocations and data availability.
        let allocation = if use_kzg_da {
            c.allocation_blob
        } else {
            c.allocation_calldata
        };
        let n = self.state.n_allocated_keys as u64;
        let state = add(
            GasVector {
                l1_gas: allocation.l1_gas.saturating_mul(n),
                l1_data_gas: allocation.l1_data_gas.saturating_mul(n),
                l2_gas: allocation.l2_gas.saturating_mul(n),
            },
            da_gas(&self.state, use_kzg_da),
        );
        add(
            add(
                GasVector {
                    l2_gas: computation.saturating_add(archival),
                    ..GasVector::default()
                },
                state,
            ),
            GasVector {
                l1_gas: self.messages_l1_gas(),
                ..GasVector::default()
            },
        )
    }

    /// What messages between L1 and L2 cost on L1: the message segment, Starknet's counters
    /// and the events the core contract emits.
    fn messages_l1_gas(&self) -> u64 {
        let mut segment: u64 = self
            .message_payloads
            .iter()
            .map(|p| L2_TO_L1_HEADER + *p as u64)
            .sum();
        if let Some(p) = self.l1_handler_payload {
            segment += L1_TO_L2_HEADER + p as u64;
        }
        let mut gas = segment * GAS_PER_MEMORY_WORD
            + self.message_payloads.len() as u64 * GAS_PER_ZERO_TO_NONZERO_STORAGE_SET
            + segment * SHARP_GAS_PER_MEMORY_WORD;
        if let Some(p) = self.l1_handler_payload {
            gas += GAS_PER_COUNTER_DECREASE + log_cost(3, (L1_TO_L2_HEADER + 1 - 3) + p as u64);
        }
        for p in &self.message_payloads {
            gas += log_cost(2, (L2_TO_L1_HEADER + 1 - 2) + *p as u64);
        }
        gas
    }
}

/// `Σ amount × price`, with the tip added to the L2 gas price (saturating).
pub(crate) fn fee_of(gas: &GasVector, prices: &GasPrices, tip: u128) -> u128 {
    u128::from(gas.l1_gas)
        .saturating_mul(prices.l1_gas)
        .saturating_add(u128::from(gas.l1_data_gas).saturating_mul(prices.l1_data_gas))
        .saturating_add(u128::from(gas.l2_gas).saturating_mul(prices.l2_gas.saturating_add(tip)))
}
