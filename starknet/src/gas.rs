//! What execution costs, in L2 gas: the one table of costs.
//!
//! Cairo 1 code meters itself: the compiler inserts `withdraw_gas` on function entry and in
//! loops, charging the steps and builtins of the code it guards from the gas counter passed to
//! every entry point. On top of that, this table charges:
//!
//! | item | L2 gas | where |
//! |---|---|---|
//! | entering an entry point (`entry_point_initial_budget`) | 10 000 | every call |
//! | a syscall, base | 10 000 | every syscall |
//! | `call_contract`, `library_call` (plus the callee's own gas) | +40 000 | |
//! | `deploy` (plus the constructor's gas) | +60 000 | |
//! | `storage_write` | +20 000 | |
//! | `emit_event`, `send_message_to_l1` | +5 000 | |
//! | `keccak`, per 1088-bit block | +40 000 | |
//! | a felt of event keys and data, of a message's payload, or of return data copied to a caller | +100 | |
//! | a transaction, base | 50 000 | every account transaction |
//! | a storage slot, nonce or class written (state diff) | 20 000 | per key the tx writes |
//!
//! The numbers are ours, not mainnet's; they are deterministic, so parallel and sequential
//! execution charge the same. Builtin costs written into the program's extra data (read by code
//! from recent compilers) are listed in [`BUILTIN_COSTS`].

/// Builtin costs, in the order recent compilers read them from the program's extra data:
/// pedersen, bitwise, ec_op, poseidon, add_mod, mul_mod, blake.
pub const BUILTIN_COSTS: [u64; 7] = [4050, 583, 4085, 491, 230, 604, 3334];

/// Costs and limits of execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GasCosts {
    /// Charged on entering any entry point.
    pub entry_point_initial_budget: u64,
    /// Charged for every syscall.
    pub syscall_base: u64,
    /// Extra for `call_contract` / `library_call`.
    pub call_contract: u64,
    /// Extra for `deploy`.
    pub deploy: u64,
    /// Extra for `storage_write`.
    pub storage_write: u64,
    /// Extra for `emit_event` and `send_message_to_l1`.
    pub emit: u64,
    /// Extra per keccak block.
    pub keccak_block: u64,
    /// Per felt of event keys and data, message payload, and return data a caller receives.
    pub per_felt: u64,
    /// Charged once per account transaction.
    pub tx_base: u64,
    /// Charged per state key a transaction writes.
    pub state_write: u64,
    /// The most gas `__validate__` (and a deploy-account constructor) may use.
    pub max_validate_gas: u64,
    /// The most gas an L1 handler may use.
    pub max_l1_handler_gas: u64,
    /// The most Cairo steps one transaction may run, all calls together: a backstop to the gas
    /// meter (a class compiled without gas checks cannot loop forever).
    pub max_steps: usize,
}

impl Default for GasCosts {
    fn default() -> GasCosts {
        GasCosts {
            entry_point_initial_budget: 10_000,
            syscall_base: 10_000,
            call_contract: 40_000,
            deploy: 60_000,
            storage_write: 20_000,
            emit: 5_000,
            keccak_block: 40_000,
            per_felt: 100,
            tx_base: 50_000,
            state_write: 20_000,
            max_validate_gas: 100_000_000,
            max_l1_handler_gas: 1_000_000_000,
            max_steps: 4_000_000,
        }
    }
}
