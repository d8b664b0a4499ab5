//! Running entry points of Cairo 1 classes on cairo-vm, as the protocol runs them: the entry
//! point ([`entry_point`]), the hint processor that serves syscalls ([`hints`], [`syscalls`]),
//! and what a call returns to its caller.
//!
//! Two failures differ here. A *call failure* (a Cairo panic, a missing entry point, too little
//! gas to enter) is returned to the caller, which may catch it. A *fatal error*
//! ([`ExecError::Fatal`]: calling an undeployed contract, a VM error, running out of steps, a
//! forbidden syscall, …) unwinds every call of the transaction: `__execute__` reverts,
//! `__validate__` rejects.

mod deprecated;
mod entry_point;
mod hints;
mod syscalls;

use std::collections::BTreeMap;

use cairo_vm::vm::runners::cairo_runner::ExecutionResources;
use starknet_api::core::{ClassHash, CompiledClassHash, ContractAddress};
use starknet_types_core::felt::Felt;

use crate::class::EntryPointKind;
use crate::constants::{Syscall, VersionedConstants};
use crate::context::BlockContext;
use crate::receipt::{Event, L2ToL1Message, Resources};
use crate::tx_state::{Interrupted, TxState};

pub(crate) use syscalls::deploy;

/// Why execution of a transaction stopped (not a call failure, which callers may catch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExecError {
    /// The engine interrupted the incarnation.
    Interrupted,
    /// An error no caller can catch: the transaction's current phase fails with it.
    Fatal(String),
}

impl From<Interrupted> for ExecError {
    fn from(_: Interrupted) -> ExecError {
        ExecError::Interrupted
    }
}

/// What the transaction tells the contracts it runs (`get_execution_info`).
#[derive(Clone, Debug, Default)]
pub(crate) struct TxInfo {
    pub(crate) version: Felt,
    pub(crate) account: Felt,
    pub(crate) signature: Vec<Felt>,
    pub(crate) hash: Felt,
    pub(crate) nonce: Felt,
    /// (resource name, max amount, max price per unit).
    pub(crate) resource_bounds: Vec<(Felt, Felt, Felt)>,
    pub(crate) tip: Felt,
    pub(crate) paymaster_data: Vec<Felt>,
    pub(crate) nonce_da: Felt,
    pub(crate) fee_da: Felt,
    pub(crate) account_deployment_data: Vec<Felt>,
    pub(crate) proof_facts: Vec<Felt>,
    /// An L1 handler's (or a meta transaction's) info: the V3 fields read as zero.
    pub(crate) deprecated: bool,
}

/// How a call is metered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tracked {
    /// The code withdraws Sierra gas; the call's VM resources are not charged.
    SierraGas,
    /// The call is charged by its VM resources; its gas counter is not.
    CairoSteps,
}

/// What one phase of a transaction (validate, execute, the fee transfer) shares: context, the
/// step budget, and what its calls produced.
pub(crate) struct ExecCtx<'a> {
    pub(crate) block: &'a BlockContext,
    pub(crate) constants: &'static VersionedConstants,
    /// What `get_execution_info` tells (a meta transaction replaces it for its call).
    pub(crate) tx: TxInfo,
    /// `__validate__` (and a deploy-account constructor) runs with some syscalls forbidden and
    /// a rounded block.
    pub(crate) validate_mode: bool,
    /// Steps the Cairo-steps-mode calls may still run (one budget for the whole phase).
    pub(crate) steps_left: usize,
    /// How the running calls are metered, outermost first.
    pub(crate) tracked: Vec<Tracked>,
    /// The Sierra gas counter as of the last syscall of a Sierra-gas call: what a reverted
    /// `__execute__` is charged up to.
    pub(crate) last_seen_gas: u64,
    /// Events and messages of the calls that did not fail (what the receipt carries and the
    /// fee counts).
    pub(crate) events: Vec<Event>,
    /// The call depth each of `events` was emitted at (1: a transaction's own entry point).
    pub(crate) event_depths: Vec<usize>,
    pub(crate) messages: Vec<L2ToL1Message>,
    /// Events emitted before this phase began (the event limit is per phase).
    pub(crate) phase_events: usize,
    pub(crate) resources: Resources,
    /// Why calls failed, innermost first, for the calls that led to the current failure (a
    /// call that succeeds forgets the failures it caught).
    pub(crate) failures: Vec<String>,
    /// How many calls are running, nested.
    pub(crate) depth: usize,
    /// The Cairo 1 classes run so far and their (v2) compiled class hashes, when the block
    /// migrates compiled class hashes: a failed call's class too (it ran), not a reverted
    /// execution's.
    pub(crate) executed: Vec<(ClassHash, CompiledClassHash)>,
}

impl<'a> ExecCtx<'a> {
    /// The chain of failures behind the last failed call, outermost first.
    pub(crate) fn failure_trace(&self) -> String {
        let mut parts: Vec<&str> = self.failures.iter().map(String::as_str).collect();
        parts.reverse();
        parts.join(" <- ")
    }

    pub(crate) fn new(
        block: &'a BlockContext,
        constants: &'static VersionedConstants,
        tx: &'a TxInfo,
    ) -> ExecCtx<'a> {
        ExecCtx {
            block,
            constants,
            tx: tx.clone(),
            validate_mode: false,
            steps_left: constants.invoke_tx_max_n_steps as usize,
            tracked: Vec::new(),
            last_seen_gas: 0,
            events: Vec::new(),
            event_depths: Vec::new(),
            messages: Vec::new(),
            phase_events: 0,
            resources: Resources::default(),
            failures: Vec::new(),
            depth: 0,
            executed: Vec::new(),
        }
    }

    /// Starts a phase: its mode, step budget and Sierra gas.
    pub(crate) fn begin_phase(&mut self, validate: bool, steps: usize, gas: u64) {
        self.validate_mode = validate;
        self.steps_left = steps;
        self.last_seen_gas = gas;
        self.phase_events = self.events.len();
    }

    /// Adds what a finished run executed (its steps and builtins, its inner calls' not
    /// included) to the transaction's resources.
    pub(crate) fn record_run(&mut self, own: &ExecutionResources) {
        self.resources.steps += own.n_steps as u64;
        for (builtin, count) in &own.builtin_instance_counter {
            if *count > 0 {
                *self
                    .resources
                    .builtins
                    .entry(builtin.to_str().to_string())
                    .or_default() += *count as u64;
            }
        }
    }

    /// Forgets the events after the first `n` (a failed call's).
    pub(crate) fn truncate_events(&mut self, n: usize) {
        self.events.truncate(n);
        self.event_depths.truncate(n);
    }

    /// The events the fee charges for: all of them, or, re-executing a 0.13.1 block
    /// (`ignore_inner_event_resources`), only those the transaction's own entry points emitted.
    pub(crate) fn charged_events(&self) -> impl Iterator<Item = &Event> {
        let outer_only = self.constants.ignore_inner_event_resources;
        self.events
            .iter()
            .zip(&self.event_depths)
            .filter(move |(_, depth)| !outer_only || **depth <= 1)
            .map(|(e, _)| e)
    }

    /// How the innermost running call is metered.
    pub(crate) fn current_tracked(&self) -> Tracked {
        self.tracked.last().copied().unwrap_or(Tracked::SierraGas)
    }
}

/// A call to make.
#[derive(Clone, Debug)]
pub(crate) struct CallRequest {
    pub(crate) kind: EntryPointKind,
    /// The class to run: the one deployed at `storage_address` if `None` (a library call names
    /// one).
    pub(crate) class_hash: Option<ClassHash>,
    pub(crate) storage_address: ContractAddress,
    pub(crate) caller: ContractAddress,
    pub(crate) selector: Felt,
    pub(crate) calldata: Vec<Felt>,
    pub(crate) initial_gas: u64,
}

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CallResult {
    pub(crate) failed: bool,
    /// The return data, or on failure the revert data (panic data or a short-string reason).
    pub(crate) retdata: Vec<Felt>,
    /// Sierra gas consumed (zero for a call metered by steps).
    pub(crate) gas_consumed: u64,
    /// The VM resources charged for the call and its inner calls (those metered by steps, with
    /// the OS's cost of their syscalls).
    pub(crate) resources: ExecutionResources,
    /// How the call was metered.
    pub(crate) tracked: Tracked,
    /// A readable reason, on failure.
    pub(crate) reason: Option<String>,
}

impl CallResult {
    /// A call failure before the entry point ran (no gas, no resources).
    fn early_failure(reason: &str, tracked: Tracked) -> CallResult {
        CallResult {
            failed: true,
            retdata: vec![short_string(reason)],
            gas_consumed: 0,
            resources: ExecutionResources::default(),
            tracked,
            reason: Some(reason.to_string()),
        }
    }
}

/// A short string (≤ 31 ASCII bytes) as a felt; longer strings are cut.
pub(crate) fn short_string(s: &str) -> Felt {
    let bytes = s.as_bytes();
    Felt::from_bytes_be_slice(&bytes[..bytes.len().min(31)])
}

/// A felt as text if it is a printable short string, else in hex.
pub(crate) fn felt_text(f: &Felt) -> String {
    let bytes = f.to_bytes_be();
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if !trimmed.is_empty() && trimmed.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        String::from_utf8(trimmed).expect("ASCII")
    } else {
        format!("{f:#x}")
    }
}

/// Runs a call. Its writes, events and messages are rolled back if it fails; a fatal error
/// rolls back its effects and propagates.
pub(crate) fn execute_call(
    state: &mut TxState<'_, '_>,
    ctx: &mut ExecCtx<'_>,
    request: CallRequest,
) -> Result<CallResult, ExecError> {
    let checkpoint = state.checkpoint();
    let (n_events, n_messages, n_failures) =
        (ctx.events.len(), ctx.messages.len(), ctx.failures.len());
    let (address, selector) = (request.storage_address, request.selector);
    let result = if ctx.depth >= ctx.constants.max_recursion_depth {
        Err(ExecError::Fatal(
            "Execution failed due to recursion depth exceeded.".into(),
        ))
    } else {
        ctx.depth += 1;
        let result = entry_point::run_call(state, ctx, request);
        ctx.depth -= 1;
        result
    };
    let result = match result {
        Ok(result) => result,
        Err(stop) => {
            state.rollback(checkpoint);
            ctx.truncate_events(n_events);
            ctx.messages.truncate(n_messages);
            return Err(stop);
        }
    };
    if result.failed && !ctx.constants.enable_reverts {
        // Before 0.13.4 (`enable_reverts`), no failure could be caught.
        state.rollback(checkpoint);
        ctx.truncate_events(n_events);
        ctx.messages.truncate(n_messages);
        return Err(ExecError::Fatal(format!(
            "Execution failed. Failure reason: {}.",
            result.reason.as_deref().unwrap_or("failed")
        )));
    }
    if result.failed {
        state.rollback(checkpoint);
        ctx.truncate_events(n_events);
        ctx.messages.truncate(n_messages);
        let reason = result.reason.as_deref().unwrap_or("failed");
        ctx.failures.push(format!(
            "{} (selector {selector:#x}): {reason}",
            address.0.key().to_hex_string()
        ));
    } else {
        ctx.failures.truncate(n_failures);
    }
    Ok(result)
}

/// How many times each syscall ran in one call, with the summed length its cost scales with.
pub(crate) type SyscallUsage = BTreeMap<Syscall, (usize, usize)>;
