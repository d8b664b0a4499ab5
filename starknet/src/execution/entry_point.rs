//! One entry point of a Cairo 1 class on cairo-vm: finding the class and entry point, the
//! runner and its arguments, the run, and what it used.

use cairo_vm::types::builtin_name::BuiltinName;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::relocatable::{MaybeRelocatable, Relocatable};
use cairo_vm::vm::runners::cairo_runner::{CairoArg, CairoRunner, ExecutionResources};
use cairo_vm::vm::security::verify_secure_runner;
use starknet_api::core::ClassHash;
use starknet_types_core::felt::Felt;

use super::hints::{Frame, SyscallHintProcessor};
use super::{CallRequest, CallResult, ExecCtx, ExecError, Tracked};
use crate::class::ContractClass;
use crate::state::StateKey;
use crate::tx_state::TxState;
use crate::u256::felt_to_u64;

/// The builtins a Cairo 1 entry point may take, in the order it must take them.
const CAIRO1_BUILTINS: [BuiltinName; 9] = [
    BuiltinName::pedersen,
    BuiltinName::range_check,
    BuiltinName::bitwise,
    BuiltinName::ec_op,
    BuiltinName::poseidon,
    BuiltinName::segment_arena,
    BuiltinName::range_check96,
    BuiltinName::add_mod,
    BuiltinName::mul_mod,
];

/// The old Argent account class no version-0 transaction may run.
const FAULTY_ARGENT_CLASS: Felt =
    Felt::from_hex_unchecked("0x1a7820094feaf82d53f53f214b81292d717e7bb9a92bb2488092cd306f3993f");

/// Cells after the bytecode: a `ret`, and a pointer to the builtin costs.
const PROGRAM_EXTRA_DATA: usize = 2;

pub(super) fn run_call(
    state: &mut TxState<'_, '_>,
    ctx: &mut ExecCtx<'_>,
    request: CallRequest,
) -> Result<CallResult, ExecError> {
    let address = request.storage_address;
    let deployed = state.read_felt(&StateKey::ClassHashAt(address))?;
    if deployed == Felt::ZERO {
        return Err(ExecError::Fatal(format!(
            "Requested contract address {:#066x} is not deployed.",
            address.0.key()
        )));
    }
    let class_hash = request.class_hash.unwrap_or(ClassHash(deployed));
    // The protocol refuses to run an old Argent account class under a version-0 transaction
    // (an L1 handler, a meta transaction): its checks could be bypassed.
    if ctx.tx.version == Felt::ZERO && class_hash.0 == FAULTY_ARGENT_CLASS {
        return Err(ExecError::Fatal("Fraud attempt blocked.".into()));
    }
    let Some(class) = state.read(&StateKey::Class(class_hash))?.class() else {
        return Err(ExecError::Fatal(format!(
            "Class with hash {:#066x} is not declared.",
            class_hash.0
        )));
    };
    if class.is_cairo0() {
        ctx.tracked.push(Tracked::CairoSteps);
        let result = super::deprecated::run_entry_point(state, ctx, &class, class_hash, &request);
        ctx.tracked.pop();
        return result;
    }
    if ctx.constants.enable_casm_hash_migration {
        ctx.executed.push((class_hash, class.compiled_class_hash()));
    }
    // Once a call is metered by steps, every call it makes is too.
    let tracked = if ctx.current_tracked() == Tracked::CairoSteps
        || !ctx
            .constants
            .tracks_sierra_gas(class.sierra_version().triple())
    {
        Tracked::CairoSteps
    } else {
        Tracked::SierraGas
    };
    let initial_gas = match tracked {
        // Gas never limits a call metered by steps.
        Tracked::CairoSteps => ctx.constants.default_initial_gas_cost,
        Tracked::SierraGas => request.initial_gas,
    };
    ctx.tracked.push(tracked);
    let result = run_entry_point(
        state,
        ctx,
        &class,
        class_hash,
        &request,
        tracked,
        initial_gas,
    );
    ctx.tracked.pop();
    result
}

fn fatal(what: impl std::fmt::Display) -> ExecError {
    ExecError::Fatal(what.to_string())
}

#[allow(clippy::too_many_arguments)]
fn run_entry_point(
    state: &mut TxState<'_, '_>,
    ctx: &mut ExecCtx<'_>,
    class: &ContractClass,
    class_hash: ClassHash,
    request: &CallRequest,
    tracked: Tracked,
    initial_gas: u64,
) -> Result<CallResult, ExecError> {
    let Some(entry_point) = class.entry_point(request.kind, request.selector) else {
        return Ok(CallResult::early_failure("ENTRYPOINT_NOT_FOUND", tracked));
    };
    let entry_point = entry_point.clone();
    let mut allowed = CAIRO1_BUILTINS.iter();
    if !entry_point.builtins.iter().all(|b| allowed.any(|a| a == b)) {
        return Err(fatal(format!(
            "Unsupported Cairo 1 builtins (or out of order): {:?}",
            entry_point.builtins
        )));
    }
    let budget = ctx.constants.entry_point_initial_budget;
    let Some(gas) = initial_gas.checked_sub(budget) else {
        return Ok(CallResult::early_failure("Out of gas", tracked));
    };
    let mut read_only = Vec::new();
    let mut runner = prepare_runner(class, &entry_point.builtins, ctx, &mut read_only)
        .map_err(|e| fatal(format!("runner setup failed: {e}")))?;
    let program_segment_size = class.bytecode_len + PROGRAM_EXTRA_DATA;
    let args = build_args(
        &mut runner,
        &entry_point.builtins,
        gas,
        &request.calldata,
        &mut read_only,
    )
    .map_err(|e| fatal(format!("runner setup failed: {e}")))?;
    let arg_refs: Vec<&CairoArg> = args.iter().collect();
    let mut processor = SyscallHintProcessor::new(
        class,
        class_hash,
        state,
        ctx,
        Frame {
            storage_address: request.storage_address,
            caller: request.caller,
            selector: request.selector,
            tracked,
        },
        read_only,
    );
    // A class from elsewhere could make cairo-vm panic (a hint dividing by zero); that is a
    // fatal error of the transaction, not of the block, and prints nothing.
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
    let finished = processor.finish();
    let ctx = finished.ctx;
    if let Some(stop) = finished.stop {
        return Err(stop);
    }
    match run {
        Err(message) => return Err(fatal(format!("cairo-vm panicked: {message}"))),
        Ok(Err(e)) => {
            if tracked == Tracked::CairoSteps && ctx.steps_left == 0 {
                return Err(fatal(
                    "Could not reach the end of the program. RunResources has no remaining steps.",
                ));
            }
            return Err(fatal(format!("Cairo execution failed: {e}")));
        }
        Ok(Ok(())) => {}
    }
    verify_secure_runner(&runner, false, Some(program_segment_size))
        .map_err(|e| fatal(format!("the run is not secure: {e}")))?;
    // What the OS touches is not a hole: the extra data, the arguments, and the segments the
    // handler wrote for the code to read.
    mark_accessed(
        &mut runner,
        class.bytecode_len,
        args.len(),
        &finished.read_only,
    )
    .map_err(|e| fatal(format!("finishing the run: {e}")))?;
    let (remaining, failed, retdata) =
        read_results(&runner).map_err(|e| fatal(format!("malformed return data: {e}")))?;
    if remaining > initial_gas {
        return Err(fatal(format!("Unexpected remaining gas: {remaining}.")));
    }
    let mut own: ExecutionResources = runner
        .get_execution_resources()
        .map_err(|e| fatal(format!("reading the run's resources: {e}")))?;
    // Up to 0.13.1.1 the OS counted a segment arena instance as its three cells.
    if ctx.constants.segment_arena_cells {
        if let Some(n) = own
            .builtin_instance_counter
            .get_mut(&BuiltinName::segment_arena)
        {
            *n *= 3;
        }
    }
    ctx.record_run(&own);
    own += &ctx.constants.syscall_os_resources(&finished.usage);
    let mut resources = finished.inner;
    let gas_consumed = match tracked {
        Tracked::CairoSteps => {
            resources += &own;
            0
        }
        Tracked::SierraGas => initial_gas - remaining,
    };
    let resources = resources.filter_unused_builtins();
    let reason = failed.then(|| {
        let parts: Vec<String> = retdata.iter().map(super::felt_text).collect();
        format!("Cairo panic: {}", parts.join(", "))
    });
    Ok(CallResult {
        failed,
        retdata,
        gas_consumed,
        resources,
        tracked,
        reason,
    })
}

/// A cairo-vm error as one short line: the error itself, without the traceback.
pub(super) fn vm_error_text(e: &cairo_vm::vm::errors::cairo_run_errors::CairoRunError) -> String {
    use cairo_vm::vm::errors::cairo_run_errors::CairoRunError;
    let text = match e {
        // A Cairo 0 `with_attr error_message(…)` names the failure.
        CairoRunError::VmException(vm) => match &vm.error_attr_value {
            Some(attr) => format!("{} {} (pc {})", attr.trim(), vm.inner_exc, vm.pc),
            None => format!("{} (pc {})", vm.inner_exc, vm.pc),
        },
        other => other.to_string(),
    };
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(300).collect()
}

fn prepare_runner(
    class: &ContractClass,
    builtins: &[BuiltinName],
    ctx: &ExecCtx<'_>,
    read_only: &mut Vec<(Relocatable, usize)>,
) -> Result<CairoRunner, String> {
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
    let costs: Vec<MaybeRelocatable> = ctx
        .constants
        .builtin_gas_costs
        .program_table()
        .iter()
        .map(|c| Felt::from(*c).into())
        .collect();
    runner
        .vm
        .load_data(costs_segment, &costs)
        .map_err(|e| e.to_string())?;
    read_only.push((costs_segment, costs.len()));
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
    read_only: &mut Vec<(Relocatable, usize)>,
) -> Result<Vec<CairoArg>, String> {
    let mut args = Vec::with_capacity(builtins.len() + 4);
    for builtin in builtins {
        if let Some(runner_for) = runner
            .vm
            .get_builtin_runners()
            .iter()
            .find(|r| r.name() == *builtin)
        {
            for value in runner_for.initial_stack() {
                args.push(CairoArg::Single(value));
            }
            continue;
        }
        if *builtin != BuiltinName::segment_arena {
            return Err(format!("builtin {builtin} is not in the layout"));
        }
        let info = runner.vm.add_memory_segment();
        let arena = runner.vm.add_memory_segment();
        runner
            .vm
            .load_data(arena, &[info.into(), Felt::ZERO.into(), Felt::ZERO.into()])
            .map_err(|e| e.to_string())?;
        args.push(CairoArg::Single(
            (arena + 3_usize).map_err(|e| e.to_string())?.into(),
        ));
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
    read_only.push((calldata_start, data.len()));
    args.push(CairoArg::Single(calldata_start.into()));
    args.push(CairoArg::Single(calldata_end.into()));
    Ok(args)
}

/// Marks what the OS would touch as accessed, so it is not counted as memory holes.
fn mark_accessed(
    runner: &mut CairoRunner,
    bytecode_len: usize,
    n_args: usize,
    read_only: &[(Relocatable, usize)],
) -> Result<(), String> {
    let base = runner.program_base.ok_or("no program base")?;
    let end = (base + bytecode_len).map_err(|e| e.to_string())?;
    runner
        .vm
        .mark_address_range_as_accessed(end, PROGRAM_EXTRA_DATA)
        .map_err(|e| e.to_string())?;
    mark_args_and_read_only(runner, n_args, read_only)
}

/// Marks a run's `n_args` arguments (below its initial frame) and the segments written for the
/// code to read as accessed: the OS touches them, so they are no memory holes (Cairo 1 and
/// Cairo 0 alike).
pub(super) fn mark_args_and_read_only(
    runner: &mut CairoRunner,
    n_args: usize,
    read_only: &[(Relocatable, usize)],
) -> Result<(), String> {
    let fp = runner.get_initial_fp().ok_or("no initial fp")?;
    let args = (fp - (n_args + 2)).map_err(|e| e.to_string())?;
    runner
        .vm
        .mark_address_range_as_accessed(args, n_args)
        .map_err(|e| e.to_string())?;
    for (start, len) in read_only {
        runner
            .vm
            .mark_address_range_as_accessed(*start, *len)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn read_results(runner: &CairoRunner) -> Result<(u64, bool, Vec<Felt>), String> {
    let values = runner.vm.get_return_values(5).map_err(|e| e.to_string())?;
    let int = |v: &MaybeRelocatable| v.get_int().ok_or("expected an integer");
    let ptr = |v: &MaybeRelocatable| v.get_relocatable().ok_or("expected a pointer");
    let remaining_gas = felt_to_u64(int(&values[0])?).ok_or("gas is not a u64")?;
    let failed = match int(&values[2])? {
        f if f == Felt::ZERO => false,
        f if f == Felt::ONE => true,
        _ => return Err("Failure flag expected to be either 0 or 1.".into()),
    };
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
