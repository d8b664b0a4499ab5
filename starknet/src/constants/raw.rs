//! The published JSON of the versioned constants, as serde reads it: only the fields starkstm
//! uses (unknown fields are ignored, so a newer file still loads).

use std::collections::BTreeMap;

use cairo_vm::vm::runners::cairo_runner::ExecutionResources;
use serde::Deserialize;
use starknet_types_core::felt::Felt;

/// A rational `[numerator, denominator]`.
pub(super) type RawRatio = (u64, u64);

#[derive(Deserialize)]
pub(super) struct RawConstants {
    pub(super) tx_event_limits: RawEventLimits,
    pub(super) invoke_tx_max_n_steps: u64,
    pub(super) validate_max_n_steps: u64,
    pub(super) max_recursion_depth: usize,
    pub(super) deprecated_l2_resource_gas_costs: RawArchival,
    pub(super) archival_data_gas_costs: RawArchival,
    pub(super) allocation_cost: RawAllocation,
    pub(super) vm_resource_fee_cost: RawVmFee,
    pub(super) enable_stateful_compression: bool,
    pub(super) enable_casm_hash_migration: bool,
    pub(super) block_casm_hash_v1_declares: bool,
    pub(super) comprehensive_state_diff: bool,
    pub(super) ignore_inner_event_resources: bool,
    pub(super) block_direct_execute_call: bool,
    pub(super) disable_deploy_in_validation_mode: bool,
    pub(super) enable_reverts: bool,
    pub(super) enable_tip: bool,
    pub(super) segment_arena_cells: bool,
    pub(super) min_sierra_version_for_sierra_gas: String,
    pub(super) os_constants: RawOsConstants,
    pub(super) os_resources: RawOsResources,
}

#[derive(Deserialize)]
pub(super) struct RawEventLimits {
    pub(super) max_data_length: usize,
    pub(super) max_keys_length: usize,
    pub(super) max_n_emitted_events: usize,
}

#[derive(Deserialize)]
pub(super) struct RawArchival {
    pub(super) gas_per_data_felt: RawRatio,
    pub(super) event_key_factor: RawRatio,
    pub(super) gas_per_code_byte: RawRatio,
    #[serde(default = "zero_ratio")]
    pub(super) gas_per_proof: RawRatio,
}

fn zero_ratio() -> RawRatio {
    (0, 1)
}

#[derive(Deserialize)]
pub(super) struct RawGasVector {
    pub(super) l1_gas: u64,
    pub(super) l1_data_gas: u64,
    pub(super) l2_gas: u64,
}

#[derive(Deserialize)]
pub(super) struct RawAllocation {
    pub(super) blob_cost: RawGasVector,
    pub(super) gas_cost: RawGasVector,
}

#[derive(Deserialize)]
pub(super) struct RawVmFee {
    pub(super) n_steps: RawRatio,
    pub(super) builtins: BTreeMap<String, RawRatio>,
}

/// `{"step_gas_cost": n}`: a cost given in steps.
#[derive(Deserialize)]
pub(super) struct RawSteps {
    pub(super) step_gas_cost: u64,
}

#[derive(Deserialize)]
pub(super) struct RawRounding {
    pub(super) validate_block_number_rounding: u64,
    pub(super) validate_timestamp_rounding: u64,
}

#[derive(Deserialize)]
pub(super) struct RawContractAddresses {
    pub(super) block_hash_contract_address: u64,
    pub(super) alias_contract_address: u64,
    pub(super) reserved_contract_address: u64,
}

#[derive(Deserialize, Clone, Copy, Default)]
pub(super) struct RawBuiltinGasCosts {
    pub(super) range_check: u64,
    pub(super) range_check96: u64,
    pub(super) keccak: u64,
    pub(super) pedersen: u64,
    pub(super) bitwise: u64,
    pub(super) ecop: u64,
    pub(super) poseidon: u64,
    pub(super) add_mod: u64,
    pub(super) mul_mod: u64,
    pub(super) ecdsa: u64,
    #[serde(default)]
    pub(super) blake: u64,
}

/// A syscall's gas cost in the pre-0.13.4 files: flat, or in steps and builtins.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawOldSyscallCost {
    Flat(u64),
    Structured {
        #[serde(default)]
        step_gas_cost: u64,
        #[serde(default)]
        range_check: u64,
        #[serde(default)]
        bitwise: u64,
        #[serde(default)]
        syscall_base_gas_cost: u64,
        #[serde(default)]
        memory_hole_gas_cost: u64,
    },
}

#[derive(Deserialize)]
pub(super) struct RawOsConstants {
    pub(super) validate_rounding_consts: RawRounding,
    pub(super) execute_max_sierra_gas: u64,
    pub(super) validate_max_sierra_gas: u64,
    pub(super) memory_hole_gas_cost: u64,
    pub(super) builtin_gas_costs: RawBuiltinGasCosts,
    pub(super) step_gas_cost: u64,
    pub(super) syscall_base_gas_cost: RawSteps,
    pub(super) entry_point_initial_budget: RawSteps,
    pub(super) default_initial_gas_cost: RawSteps,
    pub(super) l1_handler_max_amount_bounds: RawGasVector,
    pub(super) os_contract_addresses: RawContractAddresses,
    pub(super) stored_block_hash_buffer: u64,
    pub(super) sierra_array_len_bound: u64,
    pub(super) v1_bound_accounts_cairo0: Vec<Felt>,
    pub(super) v1_bound_accounts_cairo1: Vec<Felt>,
    pub(super) v1_bound_accounts_max_tip: Felt,
    pub(super) data_gas_accounts: Vec<Felt>,
    #[serde(default)]
    pub(super) allowed_proof_versions: Vec<Felt>,
    #[serde(default)]
    pub(super) allowed_virtual_os_program_hashes: Vec<Felt>,
    #[serde(default)]
    pub(super) syscall_gas_costs: Option<BTreeMap<String, RawOldSyscallCost>>,
}

/// Resources with an optional per-calldata-felt part: either plain resources, or
/// `{"constant", "calldata_factor"}` where the factor is plain or `{"resources",
/// "scaling_factor"}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawResourceParams {
    WithFactor {
        constant: ExecutionResources,
        calldata_factor: RawFactor,
    },
    Constant(ExecutionResources),
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawFactor {
    Scaled {
        resources: ExecutionResources,
        scaling_factor: usize,
    },
    Unscaled(ExecutionResources),
}

#[derive(Deserialize)]
pub(super) struct RawOsResources {
    pub(super) execute_syscalls: BTreeMap<String, RawResourceParams>,
    pub(super) execute_txs_inner: BTreeMap<String, RawResourceParams>,
    pub(super) compute_os_kzg_commitment_info: ExecutionResources,
}
