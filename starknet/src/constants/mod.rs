//! The protocol's versioned constants: every gas cost, OS resource, fee factor and limit
//! starkstm charges or enforces, read from the JSON Starknet publishes for each version
//! (`starknet/versioned-constants/`, see its NOTICE) and selected by the block's Starknet
//! version. Nothing else in starkstm defines a cost.
//!
//! Two kinds of number live here. *Sierra gas* (L2 gas) is what Cairo code in Sierra-gas mode
//! meters itself with, and what a syscall costs it ([`VersionedConstants::syscall_cost`]).
//! *VM resources* (steps, memory holes, builtins) are what Cairo-steps-mode code, syscalls made
//! from it and the OS's per-transaction work are charged by; the fee converts them to L2 gas
//! ([`VersionedConstants::vm_resources_gas`]).

mod files;
mod raw;
mod resources;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use cairo_vm::types::builtin_name::BuiltinName;
use cairo_vm::vm::runners::cairo_runner::ExecutionResources;
use starknet_api::block::StarknetVersion;
use starknet_types_core::felt::Felt;

use crate::receipt::GasVector;
use files::FILES;
use raw::{RawConstants, RawFactor, RawOldSyscallCost, RawResourceParams};
pub use resources::{ResourceParams, Syscall, SyscallCost, TxType};

/// The versions with published constants, oldest first.
pub fn versions() -> impl Iterator<Item = StarknetVersion> {
    FILES.iter().map(|(v, _)| *v)
}

/// Why no constants could be had for a version.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConstantsError {
    /// No constants are published for the version.
    #[error("Starknet {0} is not supported (supported: 0.13.0 to 0.14.4)")]
    Unsupported(StarknetVersion),
    /// The embedded file did not parse (a defect of the build, reported rather than panicking).
    #[error("the versioned constants of Starknet {version} do not parse: {reason}")]
    Malformed {
        /// The version.
        version: StarknetVersion,
        /// The parse error.
        reason: String,
    },
}

/// A non-negative rational.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    /// Numerator.
    pub num: u64,
    /// Denominator (non-zero).
    pub den: u64,
}

impl Ratio {
    fn of((num, den): (u64, u64)) -> Result<Ratio, String> {
        if den == 0 {
            return Err(format!("ratio {num}/0"));
        }
        Ok(Ratio { num, den })
    }

    /// `⌊self × x⌋`.
    pub fn floor(self, x: u64) -> u64 {
        let v = u128::from(self.num) * u128::from(x) / u128::from(self.den);
        u64::try_from(v).unwrap_or(u64::MAX)
    }

    /// `⌈self × x⌉`.
    pub fn ceil(self, x: u64) -> u64 {
        let v = (u128::from(self.num) * u128::from(x)).div_ceil(u128::from(self.den));
        u64::try_from(v).unwrap_or(u64::MAX)
    }
}

/// What archival data (calldata, signatures, events, declared code) costs.
#[derive(Clone, Copy, Debug)]
pub struct ArchivalCosts {
    /// Per felt of calldata, signature and event data.
    pub gas_per_data_felt: Ratio,
    /// How many data felts an event key counts as.
    pub event_key_factor: Ratio,
    /// Per byte of declared code.
    pub gas_per_code_byte: Ratio,
    /// Per client-side proof.
    pub gas_per_proof: Ratio,
}

/// Limits on a transaction's events.
#[derive(Clone, Copy, Debug)]
pub struct EventLimits {
    /// Data felts per event.
    pub max_data_length: usize,
    /// Keys per event.
    pub max_keys_length: usize,
    /// Events per transaction.
    pub max_n_emitted_events: usize,
}

/// The Sierra-gas price of each builtin (what Sierra-gas-mode code pays per use), in the order
/// recent compilers read them from the program's extra data.
#[derive(Clone, Copy, Debug, Default)]
pub struct BuiltinGasCosts {
    pub(crate) range_check: u64,
    pub(crate) range_check96: u64,
    pub(crate) keccak: u64,
    pub(crate) pedersen: u64,
    pub(crate) bitwise: u64,
    pub(crate) ec_op: u64,
    pub(crate) poseidon: u64,
    pub(crate) add_mod: u64,
    pub(crate) mul_mod: u64,
    pub(crate) ecdsa: u64,
    pub(crate) blake: u64,
}

impl BuiltinGasCosts {
    /// The costs table compiled code reads (pedersen, bitwise, ec_op, poseidon, add_mod,
    /// mul_mod, blake).
    pub fn program_table(&self) -> [u64; 7] {
        [
            self.pedersen,
            self.bitwise,
            self.ec_op,
            self.poseidon,
            self.add_mod,
            self.mul_mod,
            self.blake,
        ]
    }

    fn of(&self, builtin: BuiltinName) -> u64 {
        match builtin {
            BuiltinName::range_check => self.range_check,
            BuiltinName::range_check96 => self.range_check96,
            BuiltinName::keccak => self.keccak,
            BuiltinName::pedersen => self.pedersen,
            BuiltinName::bitwise => self.bitwise,
            BuiltinName::ec_op => self.ec_op,
            BuiltinName::poseidon => self.poseidon,
            BuiltinName::add_mod => self.add_mod,
            BuiltinName::mul_mod => self.mul_mod,
            BuiltinName::ecdsa => self.ecdsa,
            BuiltinName::output | BuiltinName::segment_arena => 0,
        }
    }
}

/// One Starknet version's constants.
#[derive(Clone, Debug)]
pub struct VersionedConstants {
    /// The version.
    pub version: StarknetVersion,
    /// Event limits.
    pub event_limits: EventLimits,
    /// Step cap of `__execute__` and the other execute-mode calls (Cairo-steps mode).
    pub invoke_tx_max_n_steps: u64,
    /// Step cap of `__validate__` (Cairo-steps mode).
    pub validate_max_n_steps: u64,
    /// How deeply calls may nest.
    pub max_recursion_depth: usize,
    /// Archival costs of transactions that bound L2 gas.
    pub archival: ArchivalCosts,
    /// Archival costs of transactions that do not (paid in L1 gas).
    pub deprecated_archival: ArchivalCosts,
    /// What allocating a storage key (zero → non-zero) costs, with KZG DA and without.
    pub allocation_blob: GasVector,
    /// See [`allocation_blob`](Self::allocation_blob).
    pub allocation_calldata: GasVector,
    /// L1 gas per Cairo step.
    pub vm_step_fee: Ratio,
    /// L1 gas per builtin instance.
    pub vm_builtin_fees: BTreeMap<BuiltinName, Ratio>,
    /// Whether aliases are allocated in contract `0x2` at the end of the block.
    pub enable_stateful_compression: bool,
    /// Whether a class that runs in the block while its compiled class hash in the state is
    /// still the Poseidon one (v1) gets its Blake2s one (v2) in the block's diff (0.14.1,
    /// 0.14.3 and later).
    pub enable_casm_hash_migration: bool,
    /// Whether a Declare V3 must name its class's Blake2s compiled class hash (v2), or is
    /// rejected (0.14.1 on). Before, the protocol's executor took the hash the transaction
    /// names without checking it (the gateway checked it), and so does starkstm.
    pub block_casm_hash_v1_declares: bool,
    /// Whether the state diff keeps writes that did not change a value.
    pub comprehensive_state_diff: bool,
    /// Whether only the outermost call's events count for the fee (0.13.1 blocks).
    pub ignore_inner_event_resources: bool,
    /// Whether `call_contract` may not call an `__execute__`.
    pub block_direct_execute_call: bool,
    /// Whether `deploy` is forbidden in validate mode.
    pub disable_deploy_in_validation_mode: bool,
    /// Whether a failed `__execute__` reverts (rather than rejects) the transaction.
    pub enable_reverts: bool,
    /// Whether the tip is charged.
    pub enable_tip: bool,
    /// Whether a segment-arena instance counts as its cells.
    pub segment_arena_cells: bool,
    /// Classes of at least this Sierra version run in Sierra-gas mode.
    pub min_sierra_version_for_sierra_gas: (u64, u64, u64),
    /// L2 gas of one Cairo step.
    pub step_gas_cost: u64,
    /// L2 gas of one memory hole.
    pub memory_hole_gas_cost: u64,
    /// Builtin prices in Sierra gas.
    pub builtin_gas_costs: BuiltinGasCosts,
    /// What the compiler withdraws for every syscall (the handler charges the rest).
    pub syscall_base_gas_cost: u64,
    /// What entering an entry point costs.
    pub entry_point_initial_budget: u64,
    /// The gas a Cairo-steps-mode call starts with (so gas never limits it).
    pub default_initial_gas_cost: u64,
    /// The most Sierra gas `__execute__` may use.
    pub execute_max_sierra_gas: u64,
    /// The most Sierra gas `__validate__` may use.
    pub validate_max_sierra_gas: u64,
    /// Validate mode sees the block number rounded down to a multiple of this.
    pub validate_block_number_rounding: u64,
    /// Validate mode sees the timestamp rounded down to a multiple of this.
    pub validate_timestamp_rounding: u64,
    /// The most an L1 handler's gas vector may be.
    pub l1_handler_max_amounts: GasVector,
    /// The block-hash contract (`0x1`).
    pub block_hash_contract: u64,
    /// The proof versions an Invoke V3's proof facts may name (0.14.2 on; none before).
    pub allowed_proof_versions: Vec<Felt>,
    /// The virtual OS programs whose runs an Invoke V3's proof facts may prove.
    pub allowed_virtual_os_program_hashes: Vec<Felt>,
    /// The alias contract (`0x2`).
    pub alias_contract: u64,
    /// The highest reserved contract address (`0x3`).
    pub reserved_contract: u64,
    /// How many blocks back a block hash becomes readable.
    pub stored_block_hash_buffer: u64,
    /// The bound on a Sierra array's length.
    pub sierra_array_len_bound: u64,
    /// Cairo 0 account classes that see transaction version 1 (with a low tip).
    pub v1_bound_accounts_cairo0: Vec<Felt>,
    /// Cairo 1 account classes that see transaction version 1 (with a low tip).
    pub v1_bound_accounts_cairo1: Vec<Felt>,
    /// The tip up to which a v1-bound account sees version 1.
    pub v1_bound_accounts_max_tip: u128,
    /// Accounts that see the L1 data gas bound in their execution info.
    pub data_gas_accounts: Vec<Felt>,
    syscall_costs: BTreeMap<Syscall, SyscallCost>,
    syscall_resources: BTreeMap<Syscall, ResourceParams>,
    tx_resources: BTreeMap<TxType, ResourceParams>,
    kzg_resources: ExecutionResources,
}

impl VersionedConstants {
    /// The constants of `version`, parsed once per process.
    pub fn get(version: StarknetVersion) -> Result<&'static VersionedConstants, ConstantsError> {
        static PARSED: [OnceLock<Result<VersionedConstants, ConstantsError>>; 14] =
            [const { OnceLock::new() }; 14];
        let index = FILES
            .iter()
            .position(|(v, _)| *v == version)
            .ok_or(ConstantsError::Unsupported(version))?;
        PARSED[index]
            .get_or_init(|| {
                VersionedConstants::parse(version, FILES[index].1)
                    .map_err(|reason| ConstantsError::Malformed { version, reason })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn parse(version: StarknetVersion, json: &str) -> Result<VersionedConstants, String> {
        let raw: RawConstants = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let archival = |a: &raw::RawArchival| -> Result<ArchivalCosts, String> {
            Ok(ArchivalCosts {
                gas_per_data_felt: Ratio::of(a.gas_per_data_felt)?,
                event_key_factor: Ratio::of(a.event_key_factor)?,
                gas_per_code_byte: Ratio::of(a.gas_per_code_byte)?,
                gas_per_proof: Ratio::of(a.gas_per_proof)?,
            })
        };
        let vector = |g: &raw::RawGasVector| GasVector {
            l1_gas: g.l1_gas,
            l1_data_gas: g.l1_data_gas,
            l2_gas: g.l2_gas,
        };
        let mut vm_builtin_fees = BTreeMap::new();
        for (name, ratio) in &raw.vm_resource_fee_cost.builtins {
            let builtin = BuiltinName::from_str_with_suffix(name)
                .ok_or_else(|| format!("unknown builtin {name:?}"))?;
            vm_builtin_fees.insert(builtin, Ratio::of(*ratio)?);
        }
        let os = &raw.os_constants;
        let b = os.builtin_gas_costs;
        let builtin_gas_costs = BuiltinGasCosts {
            range_check: b.range_check,
            range_check96: b.range_check96,
            keccak: b.keccak,
            pedersen: b.pedersen,
            bitwise: b.bitwise,
            ec_op: b.ecop,
            poseidon: b.poseidon,
            add_mod: b.add_mod,
            mul_mod: b.mul_mod,
            ecdsa: b.ecdsa,
            blake: b.blake,
        };
        let step_gas_cost = os.step_gas_cost;
        let syscall_base_gas_cost = os.syscall_base_gas_cost.step_gas_cost * step_gas_cost;
        let params = |p: &RawResourceParams| match p {
            RawResourceParams::Constant(c) => ResourceParams::constant(c.clone()),
            RawResourceParams::WithFactor {
                constant,
                calldata_factor,
            } => match calldata_factor {
                RawFactor::Scaled {
                    resources,
                    scaling_factor,
                } => ResourceParams::new(constant.clone(), resources.clone(), *scaling_factor),
                RawFactor::Unscaled(resources) => {
                    ResourceParams::new(constant.clone(), resources.clone(), 1)
                }
            },
        };
        let mut syscall_resources = BTreeMap::new();
        for (name, p) in &raw.os_resources.execute_syscalls {
            let syscall =
                Syscall::from_name(name).ok_or_else(|| format!("unknown syscall {name:?}"))?;
            syscall_resources.insert(syscall, params(p)?);
        }
        let mut tx_resources = BTreeMap::new();
        for (name, p) in &raw.os_resources.execute_txs_inner {
            let tx = TxType::from_name(name)
                .ok_or_else(|| format!("unknown transaction type {name:?}"))?;
            tx_resources.insert(tx, params(p)?);
        }
        for tx in TxType::ALL {
            if !tx_resources.contains_key(&tx) {
                return Err(format!("no OS resources for {tx:?}"));
            }
        }
        let gas_of = |r: &ExecutionResources| {
            resources::sierra_gas_of(
                r,
                step_gas_cost,
                os.memory_hole_gas_cost,
                &builtin_gas_costs,
            )
        };
        let mut syscall_costs = BTreeMap::new();
        for syscall in Syscall::CAIRO1 {
            let cost = match &os.syscall_gas_costs {
                // Before 0.13.4 the costs were listed outright.
                Some(old) => {
                    let raw = old
                        .get(syscall.name())
                        .ok_or_else(|| format!("no gas cost for {}", syscall.name()))?;
                    let base = match raw {
                        RawOldSyscallCost::Flat(flat) => *flat,
                        RawOldSyscallCost::Structured {
                            step_gas_cost: steps,
                            range_check,
                            bitwise,
                            syscall_base_gas_cost: bases,
                            memory_hole_gas_cost: holes,
                        } => {
                            steps * step_gas_cost
                                + range_check * b.range_check
                                + bitwise * b.bitwise
                                + bases * syscall_base_gas_cost
                                + holes * os.memory_hole_gas_cost
                        }
                    };
                    SyscallCost { base, linear: 0 }
                }
                // Since then they are the OS's resources for the syscall, priced in gas.
                None => {
                    let p = syscall_resources
                        .get(&syscall)
                        .ok_or_else(|| format!("no OS resources for {}", syscall.name()))?;
                    if p.scaling != 1 {
                        return Err(format!("{} has a scaled calldata factor", syscall.name()));
                    }
                    SyscallCost {
                        base: gas_of(&p.constant).max(syscall_base_gas_cost),
                        linear: gas_of(&p.factor),
                    }
                }
            };
            syscall_costs.insert(syscall, cost);
        }
        let min_sierra = parse_sierra_version(&raw.min_sierra_version_for_sierra_gas)?;
        let max_tip = u128::try_from(os.v1_bound_accounts_max_tip)
            .map_err(|_| "v1_bound_accounts_max_tip exceeds u128".to_string())?;
        Ok(VersionedConstants {
            version,
            event_limits: EventLimits {
                max_data_length: raw.tx_event_limits.max_data_length,
                max_keys_length: raw.tx_event_limits.max_keys_length,
                max_n_emitted_events: raw.tx_event_limits.max_n_emitted_events,
            },
            invoke_tx_max_n_steps: raw.invoke_tx_max_n_steps,
            validate_max_n_steps: raw.validate_max_n_steps,
            max_recursion_depth: raw.max_recursion_depth,
            archival: archival(&raw.archival_data_gas_costs)?,
            deprecated_archival: archival(&raw.deprecated_l2_resource_gas_costs)?,
            allocation_blob: vector(&raw.allocation_cost.blob_cost),
            allocation_calldata: vector(&raw.allocation_cost.gas_cost),
            vm_step_fee: Ratio::of(raw.vm_resource_fee_cost.n_steps)?,
            vm_builtin_fees,
            enable_stateful_compression: raw.enable_stateful_compression,
            enable_casm_hash_migration: raw.enable_casm_hash_migration,
            block_casm_hash_v1_declares: raw.block_casm_hash_v1_declares,
            comprehensive_state_diff: raw.comprehensive_state_diff,
            ignore_inner_event_resources: raw.ignore_inner_event_resources,
            block_direct_execute_call: raw.block_direct_execute_call,
            disable_deploy_in_validation_mode: raw.disable_deploy_in_validation_mode,
            enable_reverts: raw.enable_reverts,
            enable_tip: raw.enable_tip,
            segment_arena_cells: raw.segment_arena_cells,
            min_sierra_version_for_sierra_gas: min_sierra,
            step_gas_cost,
            memory_hole_gas_cost: os.memory_hole_gas_cost,
            builtin_gas_costs,
            syscall_base_gas_cost,
            entry_point_initial_budget: os.entry_point_initial_budget.step_gas_cost * step_gas_cost,
            default_initial_gas_cost: os.default_initial_gas_cost.step_gas_cost * step_gas_cost,
            execute_max_sierra_gas: os.execute_max_sierra_gas,
            validate_max_sierra_gas: os.validate_max_sierra_gas,
            validate_block_number_rounding: os
                .validate_rounding_consts
                .validate_block_number_rounding,
            validate_timestamp_rounding: os.validate_rounding_consts.validate_timestamp_rounding,
            l1_handler_max_amounts: vector(&os.l1_handler_max_amount_bounds),
            block_hash_contract: os.os_contract_addresses.block_hash_contract_address,
            alias_contract: os.os_contract_addresses.alias_contract_address,
            reserved_contract: os.os_contract_addresses.reserved_contract_address,
            stored_block_hash_buffer: os.stored_block_hash_buffer,
            sierra_array_len_bound: os.sierra_array_len_bound,
            v1_bound_accounts_cairo0: os.v1_bound_accounts_cairo0.clone(),
            v1_bound_accounts_cairo1: os.v1_bound_accounts_cairo1.clone(),
            v1_bound_accounts_max_tip: max_tip,
            data_gas_accounts: os.data_gas_accounts.clone(),
            allowed_proof_versions: os.allowed_proof_versions.clone(),
            allowed_virtual_os_program_hashes: os.allowed_virtual_os_program_hashes.clone(),
            syscall_costs,
            syscall_resources,
            tx_resources,
            kzg_resources: raw.os_resources.compute_os_kzg_commitment_info,
        })
    }

    /// What `syscall` costs in Sierra gas, the compiler's base withdrawal included.
    pub fn syscall_cost(&self, syscall: Syscall) -> SyscallCost {
        self.syscall_costs
            .get(&syscall)
            .copied()
            .unwrap_or_default()
    }

    /// The OS's VM resources for the syscalls a Cairo-steps-mode call made: `usage` maps each
    /// syscall to (calls, summed linear length); for keccak, `calls` counts rounds, and its base
    /// is charged once.
    pub fn syscall_os_resources(
        &self,
        usage: &BTreeMap<Syscall, (usize, usize)>,
    ) -> ExecutionResources {
        let mut total = ExecutionResources::default();
        for (&syscall, &(calls, linear)) in usage {
            let charged = if syscall == Syscall::Keccak {
                // Its base once per call that hashed; `calls` counts rounds.
                if let Some(base) = self.syscall_resources.get(&Syscall::Keccak) {
                    total += &base.constant;
                }
                Syscall::KeccakRound
            } else {
                syscall
            };
            if let Some(p) = self.syscall_resources.get(&charged) {
                total += &(&p.constant * calls);
                total += &p.linear(linear);
            }
        }
        total
    }

    /// The OS's VM resources for a transaction of `tx_type` with `calldata_len` felts of
    /// calldata (and proof facts).
    pub fn tx_os_resources(&self, tx_type: TxType, calldata_len: usize) -> ExecutionResources {
        self.tx_resources
            .get(&tx_type)
            .map(|p| p.resources(calldata_len))
            .unwrap_or_default()
    }

    /// The OS's VM resources for committing `da_segment_len` felts of state diff to a blob
    /// (none in versions that did not count them).
    pub fn kzg_os_resources(&self, da_segment_len: usize) -> ExecutionResources {
        if self.kzg_resources == ExecutionResources::default() {
            return ExecutionResources::default();
        }
        let mut total = &self.kzg_resources * da_segment_len;
        total += &resources::poseidon_hash_many(da_segment_len);
        total
    }

    /// The L2 gas that VM resources cost the payer: the heaviest of steps (with memory holes and
    /// `reverted_steps`) and each builtin, in L1 gas rounded up, then converted to L2 gas rounded
    /// up.
    pub fn vm_resources_gas(&self, r: &ExecutionResources, reverted_steps: usize) -> u64 {
        let arenas = r
            .builtin_instance_counter
            .get(&BuiltinName::segment_arena)
            .copied()
            .unwrap_or(0);
        let steps = r.n_steps + 10 * arenas + r.n_memory_holes + reverted_steps;
        let mut l1 = self.vm_step_fee.ceil(steps as u64);
        for (builtin, &count) in &r.builtin_instance_counter {
            if *builtin == BuiltinName::segment_arena || count == 0 {
                continue;
            }
            let fee = self
                .vm_builtin_fees
                .get(builtin)
                .copied()
                .unwrap_or(Ratio { num: 0, den: 1 });
            l1 = l1.max(fee.ceil(count as u64));
        }
        self.l1_gas_to_l2_gas(l1)
    }

    /// L1 gas converted to L2 gas at the price of a step, rounded up.
    pub fn l1_gas_to_l2_gas(&self, l1: u64) -> u64 {
        // One unit of Sierra gas is worth vm_step_fee / step_gas_cost L1 gas.
        Ratio {
            num: self.step_gas_cost.saturating_mul(self.vm_step_fee.den),
            den: self.vm_step_fee.num.max(1),
        }
        .ceil(l1)
    }

    /// Whether a class of `sierra_version` runs in Sierra-gas mode.
    pub fn tracks_sierra_gas(&self, sierra_version: (u64, u64, u64)) -> bool {
        sierra_version >= self.min_sierra_version_for_sierra_gas
    }
}

/// `"1.7.0"` as a triple.
pub fn parse_sierra_version(text: &str) -> Result<(u64, u64, u64), String> {
    let parts: Vec<&str> = text.split('.').collect();
    let part = |i: usize| -> Result<u64, String> {
        parts
            .get(i)
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("{text:?} is not a Sierra version (X.Y.Z)"))
    };
    if parts.len() != 3 {
        return Err(format!("{text:?} is not a Sierra version (X.Y.Z)"));
    }
    Ok((part(0)?, part(1)?, part(2)?))
}

#[cfg(test)]
mod tests;
