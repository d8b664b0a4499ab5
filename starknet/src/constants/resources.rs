//! Syscalls, transaction types and the OS resources the constants give each.

use cairo_vm::types::builtin_name::BuiltinName;
use cairo_vm::vm::runners::cairo_runner::ExecutionResources;

use super::BuiltinGasCosts;

macro_rules! syscalls {
    ($($variant:ident),* $(,)?) => {
        /// A syscall, named as the protocol names it (its selector is the name as a short
        /// string). The variants are the protocol's names.
        #[allow(missing_docs)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Syscall { $($variant),* }

        impl Syscall {
            /// Every syscall the constants price.
            pub const ALL: &'static [Syscall] = &[$(Syscall::$variant),*];

            /// The protocol's name (`"StorageRead"`).
            pub fn name(self) -> &'static str {
                match self { $(Syscall::$variant => stringify!($variant)),* }
            }

            /// The syscall of a name.
            pub fn from_name(name: &str) -> Option<Syscall> {
                match name { $(stringify!($variant) => Some(Syscall::$variant),)* _ => None }
            }
        }
    };
}

syscalls!(
    CallContract,
    DelegateCall,
    DelegateL1Handler,
    Deploy,
    EmitEvent,
    GetBlockHash,
    GetBlockNumber,
    GetBlockTimestamp,
    GetCallerAddress,
    GetClassHashAt,
    GetContractAddress,
    GetExecutionInfo,
    GetSequencerAddress,
    GetTxInfo,
    GetTxSignature,
    Keccak,
    KeccakRound,
    LibraryCall,
    LibraryCallL1Handler,
    MetaTxV0,
    ReplaceClass,
    Secp256k1Add,
    Secp256k1GetPointFromX,
    Secp256k1GetXy,
    Secp256k1Mul,
    Secp256k1New,
    Secp256r1Add,
    Secp256r1GetPointFromX,
    Secp256r1GetXy,
    Secp256r1Mul,
    Secp256r1New,
    SendMessageToL1,
    Sha256ProcessBlock,
    Sha512ProcessBlock,
    StorageRead,
    StorageWrite,
);

impl Syscall {
    /// The syscalls of Cairo 1 (the others are Cairo 0's).
    pub const CAIRO1: [Syscall; 26] = [
        Syscall::CallContract,
        Syscall::Deploy,
        Syscall::EmitEvent,
        Syscall::GetBlockHash,
        Syscall::GetClassHashAt,
        Syscall::GetExecutionInfo,
        Syscall::Keccak,
        Syscall::KeccakRound,
        Syscall::LibraryCall,
        Syscall::MetaTxV0,
        Syscall::ReplaceClass,
        Syscall::Secp256k1Add,
        Syscall::Secp256k1GetPointFromX,
        Syscall::Secp256k1GetXy,
        Syscall::Secp256k1Mul,
        Syscall::Secp256k1New,
        Syscall::Secp256r1Add,
        Syscall::Secp256r1GetPointFromX,
        Syscall::Secp256r1GetXy,
        Syscall::Secp256r1Mul,
        Syscall::Secp256r1New,
        Syscall::SendMessageToL1,
        Syscall::Sha256ProcessBlock,
        Syscall::Sha512ProcessBlock,
        Syscall::StorageRead,
        Syscall::StorageWrite,
    ];
}

/// A transaction type, as the constants name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TxType {
    /// Declare.
    Declare,
    /// DeployAccount.
    DeployAccount,
    /// Invoke.
    InvokeFunction,
    /// L1 handler.
    L1Handler,
}

impl TxType {
    pub(super) const ALL: [TxType; 4] = [
        TxType::Declare,
        TxType::DeployAccount,
        TxType::InvokeFunction,
        TxType::L1Handler,
    ];

    pub(super) fn from_name(name: &str) -> Option<TxType> {
        Some(match name {
            "Declare" => TxType::Declare,
            "DeployAccount" => TxType::DeployAccount,
            "InvokeFunction" => TxType::InvokeFunction,
            "L1Handler" => TxType::L1Handler,
            _ => return None,
        })
    }
}

/// A syscall's Sierra-gas cost: `base + linear × length` (the length is the deploy calldata,
/// the keccak rounds, …).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyscallCost {
    /// The fixed part, including what the compiler withdrew before the syscall.
    pub base: u64,
    /// Per unit of the syscall's linear length.
    pub linear: u64,
}

/// OS resources: a constant part plus a part per calldata felt, divided (rounding up) by a
/// scaling factor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceParams {
    pub(super) constant: ExecutionResources,
    pub(super) factor: ExecutionResources,
    pub(super) scaling: usize,
}

impl ResourceParams {
    pub(super) fn constant(constant: ExecutionResources) -> Result<ResourceParams, String> {
        ResourceParams::new(constant, ExecutionResources::default(), 1)
    }

    pub(super) fn new(
        constant: ExecutionResources,
        factor: ExecutionResources,
        scaling: usize,
    ) -> Result<ResourceParams, String> {
        if scaling == 0 {
            return Err("a calldata scaling factor of 0".into());
        }
        Ok(ResourceParams {
            constant,
            factor,
            scaling,
        })
    }

    /// The linear part for `n` units.
    pub(super) fn linear(&self, n: usize) -> ExecutionResources {
        let scaled = &self.factor * n;
        ExecutionResources {
            n_steps: scaled.n_steps.div_ceil(self.scaling),
            n_memory_holes: scaled.n_memory_holes.div_ceil(self.scaling),
            builtin_instance_counter: scaled
                .builtin_instance_counter
                .into_iter()
                .map(|(b, c)| (b, c.div_ceil(self.scaling)))
                .collect(),
        }
    }

    /// Constant plus linear part for `n` units.
    pub(super) fn resources(&self, n: usize) -> ExecutionResources {
        &self.constant + &self.linear(n)
    }
}

/// VM resources priced in Sierra gas (steps, holes and builtins at their gas prices).
pub(super) fn sierra_gas_of(
    r: &ExecutionResources,
    step_gas_cost: u64,
    memory_hole_gas_cost: u64,
    builtins: &BuiltinGasCosts,
) -> u64 {
    let builtin_gas: u64 = r
        .builtin_instance_counter
        .iter()
        .map(|(b, n)| builtins.of(*b) * *n as u64)
        .sum();
    r.n_steps as u64 * step_gas_cost + r.n_memory_holes as u64 * memory_hole_gas_cost + builtin_gas
}

/// The OS's resources for hashing `n` felts with Poseidon (committing the state diff for KZG).
pub(super) fn poseidon_hash_many(n: usize) -> ExecutionResources {
    ExecutionResources {
        n_steps: (n / 10) * 55 + ((n % 10) / 2) * 18 + (n % 2) * 3 + 21,
        n_memory_holes: 0,
        builtin_instance_counter: [(BuiltinName::poseidon, n / 2 + 1)].into_iter().collect(),
    }
}
