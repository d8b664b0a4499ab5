//! Running one entry point of a Cairo 1 class on cairo-vm, with our syscall handler; nested
//! calls recurse.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use cairo_lang_casm::hints::{CoreHint, CoreHintBase, Hint, StarknetHint};
use cairo_lang_casm::operand::{
    BinOpOperand, CellRef, DerefOrImmediate, Operation, Register, ResOperand,
};
use cairo_vm::hint_processor::hint_processor_definition::{HintProcessorLogic, HintReference};
use cairo_vm::serde::deserialize_program::ApTracking;
use cairo_vm::types::builtin_name::BuiltinName;
use cairo_vm::types::exec_scope::ExecutionScopes;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::relocatable::{MaybeRelocatable, Relocatable};
use cairo_vm::vm::errors::hint_errors::HintError;
use cairo_vm::vm::errors::vm_errors::VirtualMachineError;
use cairo_vm::vm::runners::cairo_runner::{CairoArg, CairoRunner, ResourceTracker};
use cairo_vm::vm::vm_core::VirtualMachine;
use starknet_api::core::{calculate_contract_address, ClassHash, ContractAddress, PatriciaKey};
use starknet_api::state::StorageKey;
use starknet_api::transaction::fields::{Calldata, ContractAddressSalt};
use starknet_types_core::felt::Felt;

use crate::class::{ContractClass, EntryPointKind};
use crate::context::BlockContext;
use crate::gas::BUILTIN_COSTS;
use crate::receipt::{Event, L2ToL1Message, Resources};
use crate::tx_state::{Interrupted, TxState, WriteRefused};
use crate::u256::felt_to_u64;

/// Why execution of a transaction stopped (not a call failure, which callers may catch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ExecError {
    /// The engine interrupted the incarnation.
    Interrupted,
    /// The transaction ran out of Cairo steps: every enclosing call fails.
    OutOfSteps,
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
}

/// What one transaction's calls share: context, the step budget, and what they produced.
pub(crate) struct ExecCtx<'a> {
    pub(crate) block: &'a BlockContext,
    pub(crate) tx: &'a TxInfo,
    /// `__validate__` runs with some syscalls forbidden.
    pub(crate) validate_mode: bool,
    pub(crate) steps_left: usize,
    pub(crate) events: Vec<Event>,
    pub(crate) messages: Vec<L2ToL1Message>,
    pub(crate) resources: Resources,
    /// Why calls failed, innermost first, for the calls that led to the current failure (a
    /// call that succeeds forgets the failures it caught).
    pub(crate) failures: Vec<String>,
    /// How many calls are running, nested.
    pub(crate) depth: usize,
}

impl<'a> ExecCtx<'a> {
    /// The chain of failures behind the last failed call, outermost first.
    pub(crate) fn failure_trace(&self) -> String {
        let mut parts: Vec<&str> = self.failures.iter().map(String::as_str).collect();
        parts.reverse();
        parts.join(" <- ")
    }

    pub(crate) fn new(block: &'a BlockContext, tx: &'a TxInfo) -> ExecCtx<'a> {
        ExecCtx {
            block,
            tx,
            validate_mode: false,
            steps_left: block.gas.max_steps,
            events: Vec::new(),
            messages: Vec::new(),
            resources: Resources::default(),
            failures: Vec::new(),
            depth: 0,
        }
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
    pub(crate) gas_consumed: u64,
    /// A readable reason, on failure.
    pub(crate) reason: Option<String>,
}

impl CallResult {
    fn failure(reason: &str, gas_consumed: u64) -> CallResult {
        CallResult {
            failed: true,
            retdata: vec![short_string(reason)],
            gas_consumed,
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

/// How deeply calls may nest (as on Starknet): deeper calls fail.
pub(crate) const MAX_CALL_DEPTH: usize = 50;

/// Runs a call. Its writes, events and messages are rolled back if it fails.
pub(crate) fn execute_call(
    state: &mut TxState<'_, '_>,
    ctx: &mut ExecCtx<'_>,
    request: CallRequest,
) -> Result<CallResult, ExecError> {
    let checkpoint = state.checkpoint();
    let (n_events, n_messages, n_failures) =
        (ctx.events.len(), ctx.messages.len(), ctx.failures.len());
    let address = request.storage_address;
    let result = if ctx.depth >= MAX_CALL_DEPTH {
        CallResult::failure("Max call depth exceeded", 0)
    } else {
        ctx.depth += 1;
        let result = run_call(state, ctx, request);
        ctx.depth -= 1;
        match result {
            Ok(result) => result,
            Err(stop) => {
                // Out of steps (or interrupted): this call's effects go, like a failure's.
                state.rollback(checkpoint);
                ctx.events.truncate(n_events);
                ctx.messages.truncate(n_messages);
                return Err(stop);
            }
        }
    };
    if result.failed {
        state.rollback(checkpoint);
        ctx.events.truncate(n_events);
        ctx.messages.truncate(n_messages);
        let reason = result.reason.as_deref().unwrap_or("failed");
        ctx.failures
            .push(format!("{}: {reason}", address.0.key().to_hex_string()));
    } else {
        ctx.failures.truncate(n_failures);
    }
    Ok(result)
}

fn run_call(
    state: &mut TxState<'_, '_>,
    ctx: &mut ExecCtx<'_>,
    request: CallRequest,
) -> Result<CallResult, ExecError> {
    let class_hash = match request.class_hash {
        Some(h) => h,
        None => ClassHash(state.read_felt(&crate::state::StateKey::ClassHashAt(
            request.storage_address,
        ))?),
    };
    if class_hash.0 == Felt::ZERO {
        return Ok(CallResult::failure("CONTRACT_NOT_DEPLOYED", 0));
    }
    let Some(class) = state
        .read(&crate::state::StateKey::Class(class_hash))?
        .class()
    else {
        return Ok(CallResult::failure("CLASS_NOT_DECLARED", 0));
    };
    let budget = ctx.block.gas.entry_point_initial_budget;
    if request.initial_gas < budget {
        return Ok(CallResult::failure("Out of gas", request.initial_gas));
    }
    let Some(entry_point) = class.entry_point(request.kind, request.selector) else {
        return Ok(CallResult::failure("ENTRYPOINT_NOT_FOUND", budget));
    };
    let entry_point = entry_point.clone();
    let mut runner = match prepare_runner(&class, &entry_point.builtins) {
        Ok(r) => r,
        Err(e) => {
            return Ok(CallResult::failure(
                &format!("runner setup failed: {e}"),
                budget,
            ))
        }
    };
    let gas = request.initial_gas - budget;
    let program_segment_size = class.bytecode_len + 2;
    let args = match build_args(&mut runner, &entry_point.builtins, gas, &request.calldata) {
        Ok(a) => a,
        Err(e) => {
            return Ok(CallResult::failure(
                &format!("runner setup failed: {e}"),
                budget,
            ))
        }
    };
    let arg_refs: Vec<&CairoArg> = args.iter().collect();
    let mut processor = SyscallHintProcessor {
        class: &class,
        state,
        ctx,
        frame: Frame {
            storage_address: request.storage_address,
            caller: request.caller,
            selector: request.selector,
        },
        steps_left: 0,
        exec_info: None,
        stop: None,
    };
    processor.steps_left = processor.ctx.steps_left;
    // A class from elsewhere could make cairo-vm panic (a hint dividing by zero); that fails
    // this call, not the block, and prints nothing: it is an outcome, not a bug.
    let run = crate::panic_guard::catch_silently(|| {
        runner
            .run_from_entrypoint(
                entry_point.offset,
                &arg_refs,
                false,
                Some(program_segment_size),
                &mut processor,
            )
            .map_err(|e| vm_error_text(&e))
    });
    let stop = processor.stop.take();
    let steps_left = processor.steps_left;
    let steps = runner.vm.get_current_step();
    ctx.steps_left = steps_left;
    ctx.resources.steps += steps as u64;
    if let Ok(res) = runner.get_execution_resources() {
        for (builtin, count) in res.builtin_instance_counter {
            if count > 0 {
                *ctx.resources
                    .builtins
                    .entry(builtin.to_str().to_string())
                    .or_default() += count as u64;
            }
        }
    }
    if let Some(stop) = stop {
        return Err(stop);
    }
    let run = match run {
        Ok(run) => run,
        Err(message) => {
            return Ok(CallResult {
                failed: true,
                retdata: vec![short_string("ENTRYPOINT_FAILED")],
                gas_consumed: request.initial_gas,
                reason: Some(format!("cairo-vm panicked: {message}")),
            });
        }
    };
    if let Err(e) = run {
        if ctx.steps_left == 0 {
            return Err(ExecError::OutOfSteps);
        }
        let reason = format!("Cairo execution failed: {e}");
        return Ok(CallResult {
            failed: true,
            retdata: vec![short_string("ENTRYPOINT_FAILED")],
            gas_consumed: request.initial_gas,
            reason: Some(reason),
        });
    }
    match read_results(&runner) {
        Ok((remaining_gas, _, _)) if remaining_gas > gas => Ok(CallResult::failure(
            "Invalid remaining gas",
            request.initial_gas,
        )),
        Ok((remaining_gas, failed, retdata)) => {
            let gas_consumed = request.initial_gas.saturating_sub(remaining_gas);
            let reason = failed.then(|| {
                let parts: Vec<String> = retdata.iter().map(felt_text).collect();
                format!("Cairo panic: {}", parts.join(", "))
            });
            Ok(CallResult {
                failed,
                retdata,
                gas_consumed,
                reason,
            })
        }
        Err(e) => Ok(CallResult::failure(
            &format!("bad return values: {e}"),
            request.initial_gas,
        )),
    }
}

/// A cairo-vm error as one short line: the error itself, without the traceback.
fn vm_error_text(e: &cairo_vm::vm::errors::cairo_run_errors::CairoRunError) -> String {
    use cairo_vm::vm::errors::cairo_run_errors::CairoRunError;
    let text = match e {
        CairoRunError::VmException(vm) => format!("{} (pc {})", vm.inner_exc, vm.pc),
        other => other.to_string(),
    };
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(300).collect()
}

fn prepare_runner(class: &ContractClass, builtins: &[BuiltinName]) -> Result<CairoRunner, String> {
    let mut runner = CairoRunner::new(
        &class.program,
        LayoutName::starknet,
        None,
        false,
        false,
        false,
    )
    .map_err(|e| e.to_string())?;
    runner
        .initialize_function_runner_cairo_1(builtins)
        .map_err(|e| e.to_string())?;
    // Program extra data: a `ret` after the bytecode, then a pointer to the builtin costs
    // (code from recent compilers reads them from there).
    let base = runner.program_base.ok_or("no program base")?;
    let costs_segment = runner.vm.add_memory_segment();
    let costs: Vec<MaybeRelocatable> = BUILTIN_COSTS
        .iter()
        .map(|c| Felt::from(*c).into())
        .collect();
    runner
        .vm
        .load_data(costs_segment, &costs)
        .map_err(|e| e.to_string())?;
    let end = (base + class.bytecode_len).map_err(|e| e.to_string())?;
    runner
        .vm
        .insert_value(end, Felt::from(0x208b7fff7fff7ffe_u64))
        .map_err(|e| e.to_string())?;
    runner
        .vm
        .insert_value((end + 1_usize).map_err(|e| e.to_string())?, costs_segment)
        .map_err(|e| e.to_string())?;
    Ok(runner)
}

fn build_args(
    runner: &mut CairoRunner,
    builtins: &[BuiltinName],
    gas: u64,
    calldata: &[Felt],
) -> Result<Vec<CairoArg>, String> {
    let mut args = Vec::with_capacity(builtins.len() + 4);
    for builtin in builtins {
        if *builtin == BuiltinName::segment_arena {
            let info = runner.vm.add_memory_segment();
            let arena = runner.vm.add_memory_segment();
            runner
                .vm
                .load_data(arena, &[info.into(), Felt::ZERO.into(), Felt::ZERO.into()])
                .map_err(|e| e.to_string())?;
            args.push(CairoArg::Single(
                (arena + 3_usize).map_err(|e| e.to_string())?.into(),
            ));
            continue;
        }
        let runner_for = runner
            .vm
            .get_builtin_runners()
            .iter()
            .find(|r| r.name() == *builtin)
            .ok_or_else(|| format!("builtin {builtin} is not in the layout"))?;
        for value in runner_for.initial_stack() {
            args.push(CairoArg::Single(value));
        }
    }
    args.push(CairoArg::Single(Felt::from(gas).into()));
    let syscall_segment = runner.vm.add_memory_segment();
    args.push(CairoArg::Single(syscall_segment.into()));
    let calldata_start = runner.vm.add_memory_segment();
    let data: Vec<MaybeRelocatable> = calldata.iter().map(|f| (*f).into()).collect();
    let calldata_end = runner
        .vm
        .load_data(calldata_start, &data)
        .map_err(|e| e.to_string())?;
    args.push(CairoArg::Single(calldata_start.into()));
    args.push(CairoArg::Single(calldata_end.into()));
    Ok(args)
}

fn read_results(runner: &CairoRunner) -> Result<(u64, bool, Vec<Felt>), String> {
    let values = runner.vm.get_return_values(5).map_err(|e| e.to_string())?;
    let int = |v: &MaybeRelocatable| v.get_int().ok_or("expected an integer");
    let ptr = |v: &MaybeRelocatable| v.get_relocatable().ok_or("expected a pointer");
    let remaining_gas = felt_to_u64(int(&values[0])?).ok_or("gas is not a u64")?;
    let failed = int(&values[2])? != Felt::ZERO;
    let (start, end) = (ptr(&values[3])?, ptr(&values[4])?);
    let len = (end - start).map_err(|e| e.to_string())?;
    let retdata = runner
        .vm
        .get_integer_range(start, len)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|f| *f)
        .collect();
    Ok((remaining_gas, failed, retdata))
}

/// Who is running: what `get_execution_info` and storage syscalls refer to.
#[derive(Clone, Copy, Debug)]
struct Frame {
    storage_address: ContractAddress,
    caller: ContractAddress,
    selector: Felt,
}

struct SyscallHintProcessor<'c, 's, 't, 'v, 'x> {
    class: &'c ContractClass,
    state: &'s mut TxState<'t, 'v>,
    ctx: &'s mut ExecCtx<'x>,
    frame: Frame,
    steps_left: usize,
    exec_info: Option<Relocatable>,
    /// Set when execution must stop (not a call failure).
    stop: Option<ExecError>,
}

impl ResourceTracker for SyscallHintProcessor<'_, '_, '_, '_, '_> {
    fn consumed(&self) -> bool {
        self.steps_left == 0
    }

    fn consume_step(&mut self) {
        self.steps_left = self.steps_left.saturating_sub(1);
    }

    fn get_n_steps(&self) -> Option<usize> {
        Some(self.steps_left)
    }
}

impl HintProcessorLogic for SyscallHintProcessor<'_, '_, '_, '_, '_> {
    fn compile_hint(
        &self,
        hint_code: &str,
        _ap_tracking_data: &ApTracking,
        _reference_ids: &HashMap<String, usize>,
        _references: &[HintReference],
        _accessible_scopes: &[String],
        _constants: Arc<HashMap<String, Felt>>,
    ) -> Result<Box<dyn Any>, VirtualMachineError> {
        let pc: usize = hint_code
            .parse()
            .map_err(|_| VirtualMachineError::CompileHintFail(hint_code.into()))?;
        Ok(Box::new(pc))
    }

    fn execute_hint(
        &mut self,
        vm: &mut VirtualMachine,
        exec_scopes: &mut ExecutionScopes,
        hint_data: &Box<dyn Any>,
    ) -> Result<(), HintError> {
        let pc = *hint_data
            .downcast_ref::<usize>()
            .ok_or(HintError::WrongHintData)?;
        let class = self.class;
        let hints = class
            .hints
            .get(&pc)
            .ok_or_else(|| HintError::CustomHint(format!("no hint at pc {pc}").into()))?;
        for hint in hints {
            match hint {
                // Printing is a side effect with unbounded work per step: not on a sequencer.
                Hint::Core(CoreHintBase::Core(CoreHint::DebugPrint { .. })) => {}
                Hint::Core(_) => class.core_hints.execute(vm, exec_scopes, hint)?,
                Hint::Starknet(StarknetHint::SystemCall { system }) => {
                    let ptr = res_operand_ptr(vm, system)?;
                    self.syscall(vm, ptr)?;
                }
                other => {
                    return Err(HintError::CustomHint(
                        format!("unsupported hint {other:?}").into(),
                    ))
                }
            }
        }
        Ok(())
    }
}

fn cell_address(vm: &VirtualMachine, cell: &CellRef) -> Result<Relocatable, HintError> {
    let base = match cell.register {
        Register::AP => vm.get_ap(),
        Register::FP => vm.get_fp(),
    };
    (base + (cell.offset as i32)).map_err(HintError::Math)
}

fn res_operand_ptr(vm: &VirtualMachine, operand: &ResOperand) -> Result<Relocatable, HintError> {
    match operand {
        ResOperand::Deref(cell) => Ok(vm.get_relocatable(cell_address(vm, cell)?)?),
        ResOperand::BinOp(BinOpOperand {
            op: Operation::Add,
            a,
            b,
        }) => {
            let base = vm.get_relocatable(cell_address(vm, a)?)?;
            let offset = match b {
                DerefOrImmediate::Immediate(imm) => Felt::from(imm.value.clone()),
                DerefOrImmediate::Deref(cell) => *vm.get_integer(cell_address(vm, cell)?)?,
            };
            Ok((base + &offset).map_err(HintError::Math)?)
        }
        other => Err(HintError::CustomHint(
            format!("unsupported syscall pointer operand {other:?}").into(),
        )),
    }
}

/// A syscall's outcome: its response fields (some need new memory), or a failure with revert
/// data.
enum Outcome {
    Ok(Response),
    Fail(Vec<Felt>),
}

/// Response fields; what needs new memory is allocated after the request was read.
enum Response {
    Fields(Vec<MaybeRelocatable>),
    /// Leading fields, then `[start, end]` of these felts.
    Span(Vec<MaybeRelocatable>, Vec<Felt>),
    ExecutionInfo,
}

fn ok(fields: Vec<MaybeRelocatable>) -> Result<Outcome, ServeError> {
    Ok(Outcome::Ok(Response::Fields(fields)))
}

fn fail(reason: &str) -> Result<Outcome, ServeError> {
    Ok(Outcome::Fail(vec![short_string(reason)]))
}

enum ServeError {
    Stop(ExecError),
    Hint(HintError),
}

impl From<HintError> for ServeError {
    fn from(e: HintError) -> ServeError {
        ServeError::Hint(e)
    }
}

impl From<Interrupted> for ServeError {
    fn from(_: Interrupted) -> ServeError {
        ServeError::Stop(ExecError::Interrupted)
    }
}

impl From<ExecError> for ServeError {
    fn from(e: ExecError) -> ServeError {
        ServeError::Stop(e)
    }
}

struct Request<'a> {
    vm: &'a VirtualMachine,
    ptr: Relocatable,
}

impl Request<'_> {
    fn felt(&self, i: usize) -> Result<Felt, HintError> {
        Ok(*self
            .vm
            .get_integer((self.ptr + i).map_err(HintError::Math)?)?)
    }

    fn ptr(&self, i: usize) -> Result<Relocatable, HintError> {
        Ok(self
            .vm
            .get_relocatable((self.ptr + i).map_err(HintError::Math)?)?)
    }

    /// The felts between the pointers at fields `i` and `i + 1`.
    fn span(&self, i: usize) -> Result<Vec<Felt>, HintError> {
        let (start, end) = (self.ptr(i)?, self.ptr(i + 1)?);
        let len = (end - start).map_err(HintError::Math)?;
        if len > 1 << 20 {
            return Err(HintError::CustomHint("span too long".into()));
        }
        Ok(self
            .vm
            .get_integer_range(start, len)?
            .into_iter()
            .map(|f| *f)
            .collect())
    }
}

fn address_of(f: Felt) -> Option<ContractAddress> {
    PatriciaKey::try_from(f).ok().map(ContractAddress)
}

fn storage_key_of(f: Felt) -> Option<StorageKey> {
    PatriciaKey::try_from(f).ok().map(StorageKey)
}

/// The most keys, data felts and events Starknet allows.
const MAX_EVENT_KEYS: usize = 50;
const MAX_EVENT_DATA: usize = 300;
const MAX_EVENTS: usize = 1000;
/// The most felts a message's payload and messages a transaction may have.
const MAX_MESSAGE_PAYLOAD: usize = 4096;
const MAX_MESSAGES: usize = 1000;

/// Charges `per_felt` gas for each of `n` felts; `false` (and nothing charged) if not enough.
fn charge_felts(gas_left: &mut u64, n: usize, per_felt: u64) -> bool {
    let cost = (n as u64).saturating_mul(per_felt);
    if *gas_left < cost {
        return false;
    }
    *gas_left -= cost;
    true
}
/// Blocks more recent than this many below the current one have no hash available yet.
const BLOCK_HASH_LAG: u64 = 10;
/// The system contract holding block hashes (key: block number).
const BLOCK_HASH_CONTRACT: Felt = Felt::ONE;

impl SyscallHintProcessor<'_, '_, '_, '_, '_> {
    fn stop(&mut self, e: ExecError) -> HintError {
        let text = match e {
            ExecError::Interrupted => "execution interrupted by the engine",
            ExecError::OutOfSteps => "out of steps",
        };
        self.stop = Some(e);
        HintError::CustomHint(text.into())
    }

    fn syscall(&mut self, vm: &mut VirtualMachine, ptr: Relocatable) -> Result<(), HintError> {
        let selector = *vm.get_integer(ptr)?;
        let gas = felt_to_u64(*vm.get_integer((ptr + 1_usize).map_err(HintError::Math)?)?)
            .ok_or_else(|| HintError::CustomHint("syscall gas is not a u64".into()))?;
        let name = felt_text(&selector);
        let costs = &self.ctx.block.gas;
        let (request_len, extra_cost): (usize, u64) = match name.as_str() {
            "StorageRead" => (4, 0),
            "StorageWrite" => (5, costs.storage_write),
            "CallContract" | "LibraryCall" => (6, costs.call_contract),
            "EmitEvent" => (6, costs.emit),
            "GetExecutionInfo" => (2, 0),
            "Deploy" => (7, costs.deploy),
            "ReplaceClass" => (3, 0),
            "SendMessageToL1" => (5, costs.emit),
            "GetBlockHash" => (3, 0),
            "Keccak" => (4, 0),
            "GetClassHashAt" => (3, 0),
            _ => {
                return Err(HintError::CustomHint(
                    format!("unsupported syscall {name}").into(),
                ))
            }
        };
        *self.ctx.resources.syscalls.entry(name.clone()).or_default() += 1;
        let response_at = (ptr + request_len).map_err(HintError::Math)?;
        let cost = costs.syscall_base + extra_cost;
        let (gas_left, outcome) = if gas < cost {
            (gas, Outcome::Fail(vec![short_string("Out of gas")]))
        } else {
            let mut gas_left = gas - cost;
            let request = Request {
                vm,
                ptr: (ptr + 2_usize).map_err(HintError::Math)?,
            };
            // Nested calls draw on the transaction's step budget as it stands now.
            self.ctx.steps_left = self.steps_left;
            let served = self.serve(&name, &request, &mut gas_left);
            self.steps_left = self.ctx.steps_left;
            let outcome = match served {
                Ok(o) => o,
                Err(ServeError::Stop(e)) => return Err(self.stop(e)),
                Err(ServeError::Hint(h)) => return Err(h),
            };
            (gas_left, outcome)
        };
        let mut cells: Vec<MaybeRelocatable> = vec![Felt::from(gas_left).into()];
        match outcome {
            Outcome::Ok(response) => {
                cells.push(Felt::ZERO.into());
                match response {
                    Response::Fields(fields) => cells.extend(fields),
                    Response::Span(fields, data) => {
                        cells.extend(fields);
                        let (start, end) = alloc(vm, &data)?;
                        cells.push(start.into());
                        cells.push(end.into());
                    }
                    Response::ExecutionInfo => {
                        let info = self.execution_info(vm)?;
                        cells.push(info.into());
                    }
                }
            }
            Outcome::Fail(data) => {
                let (start, end) = alloc(vm, &data)?;
                cells.push(Felt::ONE.into());
                cells.push(start.into());
                cells.push(end.into());
            }
        }
        vm.load_data(response_at, &cells)?;
        Ok(())
    }

    fn serve(
        &mut self,
        name: &str,
        req: &Request<'_>,
        gas_left: &mut u64,
    ) -> Result<Outcome, ServeError> {
        let frame = self.frame;
        let validate = self.ctx.validate_mode;
        match name {
            "StorageRead" => {
                if req.felt(0)? != Felt::ZERO {
                    return fail("Unsupported address domain");
                }
                let Some(key) = storage_key_of(req.felt(1)?) else {
                    return fail("Invalid storage key");
                };
                let value = self.state.storage_read(frame.storage_address, key)?;
                ok(vec![value.into()])
            }
            "StorageWrite" => {
                if req.felt(0)? != Felt::ZERO {
                    return fail("Unsupported address domain");
                }
                let Some(key) = storage_key_of(req.felt(1)?) else {
                    return fail("Invalid storage key");
                };
                match self
                    .state
                    .storage_write(frame.storage_address, key, req.felt(2)?)
                {
                    Ok(()) => ok(vec![]),
                    Err(WriteRefused::Interrupted) => Err(ServeError::Stop(ExecError::Interrupted)),
                    Err(WriteRefused::NotU128) => fail("Balance half is not a u128"),
                }
            }
            "CallContract" | "LibraryCall" => {
                let target = req.felt(0)?;
                let selector = req.felt(1)?;
                let calldata = req.span(2)?;
                let (class_hash, storage_address, caller) = if name == "CallContract" {
                    let Some(address) = address_of(target) else {
                        return fail("Invalid contract address");
                    };
                    (None, address, frame.storage_address)
                } else {
                    (Some(ClassHash(target)), frame.storage_address, frame.caller)
                };
                let result = execute_call(
                    self.state,
                    self.ctx,
                    CallRequest {
                        kind: EntryPointKind::External,
                        class_hash,
                        storage_address,
                        caller,
                        selector,
                        calldata,
                        initial_gas: *gas_left,
                    },
                )?;
                *gas_left = gas_left.saturating_sub(result.gas_consumed);
                // Copying the return data into the caller's memory costs per felt.
                if !charge_felts(gas_left, result.retdata.len(), self.ctx.block.gas.per_felt) {
                    return fail("Out of gas");
                }
                if result.failed {
                    let mut data = result.retdata;
                    data.push(short_string("ENTRYPOINT_FAILED"));
                    return Ok(Outcome::Fail(data));
                }
                Ok(Outcome::Ok(Response::Span(vec![], result.retdata)))
            }
            "EmitEvent" => {
                let keys = req.span(0)?;
                let data = req.span(2)?;
                if keys.len() > MAX_EVENT_KEYS || data.len() > MAX_EVENT_DATA {
                    return fail("Event too large");
                }
                if !charge_felts(
                    gas_left,
                    keys.len() + data.len(),
                    self.ctx.block.gas.per_felt,
                ) {
                    return fail("Out of gas");
                }
                if self.ctx.events.len() >= MAX_EVENTS {
                    return fail("Too many events");
                }
                self.ctx.events.push(Event {
                    from_address: frame.storage_address,
                    keys,
                    data,
                });
                ok(vec![])
            }
            "GetExecutionInfo" => Ok(Outcome::Ok(Response::ExecutionInfo)),
            "Deploy" => {
                if validate {
                    return fail("Validate: no Deploy");
                }
                let class_hash = ClassHash(req.felt(0)?);
                let salt = ContractAddressSalt(req.felt(1)?);
                let calldata = req.span(2)?;
                let from_zero = req.felt(4)? != Felt::ZERO;
                let deployer = if from_zero {
                    ContractAddress::default()
                } else {
                    frame.storage_address
                };
                let Ok(address) = calculate_contract_address(
                    salt,
                    class_hash,
                    &Calldata(Arc::new(calldata.clone())),
                    deployer,
                ) else {
                    return fail("Invalid contract address");
                };
                let result = deploy(
                    self.state,
                    self.ctx,
                    class_hash,
                    address,
                    frame.storage_address,
                    calldata,
                    *gas_left,
                )?;
                *gas_left = gas_left.saturating_sub(result.gas_consumed);
                if result.failed {
                    return Ok(Outcome::Fail(result.retdata));
                }
                Ok(Outcome::Ok(Response::Span(
                    vec![address.0.key().into()],
                    result.retdata,
                )))
            }
            "ReplaceClass" => {
                if validate {
                    return fail("Validate: no ReplaceClass");
                }
                let class_hash = ClassHash(req.felt(0)?);
                if self
                    .state
                    .read(&crate::state::StateKey::Class(class_hash))?
                    .class()
                    .is_none()
                {
                    return fail("CLASS_HASH_NOT_FOUND");
                }
                self.state.write(
                    crate::state::StateKey::ClassHashAt(frame.storage_address),
                    crate::state::StateValue::Felt(class_hash.0),
                );
                ok(vec![])
            }
            "SendMessageToL1" => {
                if validate {
                    return fail("Validate: no SendMessageToL1");
                }
                let to_address = req.felt(0)?;
                let payload = req.span(1)?;
                if payload.len() > MAX_MESSAGE_PAYLOAD {
                    return fail("Message too large");
                }
                if self.ctx.messages.len() >= MAX_MESSAGES {
                    return fail("Too many messages");
                }
                if !charge_felts(gas_left, payload.len(), self.ctx.block.gas.per_felt) {
                    return fail("Out of gas");
                }
                self.ctx.messages.push(L2ToL1Message {
                    from_address: frame.storage_address,
                    to_address,
                    payload,
                });
                ok(vec![])
            }
            "GetBlockHash" => {
                if validate {
                    return fail("Validate: no GetBlockHash");
                }
                let Some(number) = felt_to_u64(req.felt(0)?) else {
                    return fail("Block number out of range");
                };
                let current = self.ctx.block.block_number;
                if current < BLOCK_HASH_LAG || number > current - BLOCK_HASH_LAG {
                    return fail("Block number out of range");
                }
                let contract = address_of(BLOCK_HASH_CONTRACT).expect("0x1 is an address");
                let key = StorageKey::from(number);
                let hash = self.state.storage_read(contract, key)?;
                ok(vec![hash.into()])
            }
            "Keccak" => {
                let input = req.span(0)?;
                if input.len() % 17 != 0 {
                    return fail("Invalid keccak input size");
                }
                let blocks = (input.len() / 17) as u64;
                let cost = blocks * self.ctx.block.gas.keccak_block;
                if *gas_left < cost {
                    return fail("Out of gas");
                }
                *gas_left -= cost;
                let mut words = Vec::with_capacity(input.len());
                for f in &input {
                    match felt_to_u64(*f) {
                        Some(w) => words.push(w),
                        None => return fail("Invalid keccak input"),
                    }
                }
                let mut lanes = [0u64; 25];
                for block in words.chunks(17) {
                    for (lane, w) in lanes.iter_mut().zip(block) {
                        *lane ^= *w;
                    }
                    keccak::f1600(&mut lanes);
                }
                let low = (lanes[0] as u128) | ((lanes[1] as u128) << 64);
                let high = (lanes[2] as u128) | ((lanes[3] as u128) << 64);
                ok(vec![Felt::from(low).into(), Felt::from(high).into()])
            }
            "GetClassHashAt" => {
                if validate {
                    return fail("Validate: no GetClassHashAt");
                }
                let Some(address) = address_of(req.felt(0)?) else {
                    return fail("Invalid contract address");
                };
                let class_hash = self
                    .state
                    .read_felt(&crate::state::StateKey::ClassHashAt(address))?;
                ok(vec![class_hash.into()])
            }
            _ => Err(ServeError::Hint(HintError::CustomHint(
                format!("unsupported syscall {name}").into(),
            ))),
        }
    }

    /// Writes the execution info (v3 layout, which older readers read a prefix of) once per
    /// call and returns a pointer to it.
    fn execution_info(&mut self, vm: &mut VirtualMachine) -> Result<Relocatable, HintError> {
        if let Some(ptr) = self.exec_info {
            return Ok(ptr);
        }
        let ctx = &*self.ctx;
        let tx = ctx.tx;
        let block_info = vm.add_memory_segment();
        vm.load_data(
            block_info,
            &[
                Felt::from(ctx.block.block_number).into(),
                Felt::from(ctx.block.block_timestamp).into(),
                (*ctx.block.sequencer.0.key()).into(),
            ],
        )?;
        let span = |vm: &mut VirtualMachine, data: &[Felt]| alloc(vm, data);
        let (sig_start, sig_end) = span(vm, &tx.signature)?;
        let bounds: Vec<Felt> = tx
            .resource_bounds
            .iter()
            .flat_map(|(name, amount, price)| [*name, *amount, *price])
            .collect();
        let (rb_start, rb_end) = span(vm, &bounds)?;
        let (pm_start, pm_end) = span(vm, &tx.paymaster_data)?;
        let (ad_start, ad_end) = span(vm, &tx.account_deployment_data)?;
        let (pf_start, pf_end) = span(vm, &tx.proof_facts)?;
        let tx_info = vm.add_memory_segment();
        vm.load_data(
            tx_info,
            &[
                tx.version.into(),
                tx.account.into(),
                Felt::ZERO.into(), // max_fee: zero for V3 transactions
                sig_start.into(),
                sig_end.into(),
                tx.hash.into(),
                ctx.block.chain_id_felt().into(),
                tx.nonce.into(),
                rb_start.into(),
                rb_end.into(),
                tx.tip.into(),
                pm_start.into(),
                pm_end.into(),
                tx.nonce_da.into(),
                tx.fee_da.into(),
                ad_start.into(),
                ad_end.into(),
                pf_start.into(),
                pf_end.into(),
            ],
        )?;
        let info = vm.add_memory_segment();
        vm.load_data(
            info,
            &[
                block_info.into(),
                tx_info.into(),
                (*self.frame.caller.0.key()).into(),
                (*self.frame.storage_address.0.key()).into(),
                self.frame.selector.into(),
            ],
        )?;
        self.exec_info = Some(info);
        Ok(info)
    }
}

fn alloc(vm: &mut VirtualMachine, data: &[Felt]) -> Result<(Relocatable, Relocatable), HintError> {
    let start = vm.add_memory_segment();
    let cells: Vec<MaybeRelocatable> = data.iter().map(|f| (*f).into()).collect();
    let end = vm.load_data(start, &cells)?;
    Ok((start, end))
}

/// Deploys a contract of `class_hash` at `address` and runs its constructor (a failure rolls
/// the deployment back).
pub(crate) fn deploy(
    state: &mut TxState<'_, '_>,
    ctx: &mut ExecCtx<'_>,
    class_hash: ClassHash,
    address: ContractAddress,
    deployer: ContractAddress,
    calldata: Vec<Felt>,
    initial_gas: u64,
) -> Result<CallResult, ExecError> {
    use crate::state::{StateKey, StateValue};
    if state.read_felt(&StateKey::ClassHashAt(address))? != Felt::ZERO {
        return Ok(CallResult::failure("CONTRACT_ADDRESS_UNAVAILABLE", 0));
    }
    let Some(class) = state.read(&StateKey::Class(class_hash))?.class() else {
        return Ok(CallResult::failure("CLASS_HASH_NOT_FOUND", 0));
    };
    let checkpoint = state.checkpoint();
    state.write(
        StateKey::ClassHashAt(address),
        StateValue::Felt(class_hash.0),
    );
    if !class.has_constructor() {
        if !calldata.is_empty() {
            state.rollback(checkpoint);
            return Ok(CallResult::failure("INVALID_CALLDATA_LENGTH", 0));
        }
        return Ok(CallResult {
            failed: false,
            retdata: vec![],
            gas_consumed: 0,
            reason: None,
        });
    }
    let selector = starknet_api::abi::abi_utils::selector_from_name("constructor").0;
    let result = execute_call(
        state,
        ctx,
        CallRequest {
            kind: EntryPointKind::Constructor,
            class_hash: Some(class_hash),
            storage_address: address,
            caller: deployer,
            selector,
            calldata,
            initial_gas,
        },
    )?;
    if result.failed {
        state.rollback(checkpoint);
    }
    Ok(result)
}
