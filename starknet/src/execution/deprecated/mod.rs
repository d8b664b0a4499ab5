//! One entry point of a Cairo 0 (deprecated) class on cairo-vm, as the protocol runs it: the
//! entry point found by selector (or the class's default one), the arguments the OS passes
//! (`selector`, a pointer to the syscall pointer and builtins, `calldata_size`, `calldata`),
//! the run under [`syscalls::DeprecatedHintProcessor`], the checks the OS makes of what the
//! code returned, and the VM resources it is charged.
//!
//! A Cairo 0 call is always metered by Cairo steps and cannot fail softly: what would be a
//! caught failure in Cairo 1 is a fatal error, except a missing entry point, which its caller
//! sees as `ENTRYPOINT_NOT_FOUND` as for Cairo 1.

mod syscalls;

use cairo_vm::types::builtin_name::BuiltinName;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::relocatable::{MaybeRelocatable, Relocatable};
use cairo_vm::vm::runners::cairo_runner::{CairoArg, CairoRunner, ExecutionResources};
use starknet_api::abi::abi_utils::selector_from_name;
use starknet_api::core::ClassHash;
use starknet_types_core::felt::Felt;

use super::hints::{Frame, SyscallHintProcessor};
use super::{CallRequest, CallResult, ExecCtx, ExecError, Tracked};
use crate::class::{Code, ContractClass, EntryPointKind};
use crate::tx_state::TxState;
use syscalls::DeprecatedHintProcessor;

/// The builtins a Cairo 0 class may use.
const CAIRO0_BUILTINS: [BuiltinName; 6] = [
    BuiltinName::range_check,
    BuiltinName::pedersen,
    BuiltinName::ecdsa,
    BuiltinName::bitwise,
    BuiltinName::ec_op,
    BuiltinName::poseidon,
];

/// The selector of a class's default entry point (`__default__`, `__l1_default__`).
const DEFAULT_SELECTOR: Felt = Felt::ZERO;

fn fatal(what: impl std::fmt::Display) -> ExecError {
    ExecError::Fatal(what.to_string())
}

/// Where the entry point `request` names starts; `Ok(None)` when the class has no such entry
/// point (the caller sees `ENTRYPOINT_NOT_FOUND`).
fn resolve(class: &ContractClass, request: &CallRequest) -> Result<Option<usize>, ExecError> {
    if request.kind == EntryPointKind::Constructor
        && request.selector != selector_from_name("constructor").0
    {
        return Err(fatal("Constructor entry point name must be `constructor`."));
    }
    let of_kind = class.entry_points(request.kind);
    // A deploy runs the class's first constructor, which must be named `constructor`.
    if request.kind == EntryPointKind::Constructor
        && of_kind
            .first()
            .is_some_and(|ep| ep.selector != request.selector)
    {
        return Err(fatal("Constructor entry point name must be `constructor`."));
    }
    let mut matching = of_kind.iter().filter(|ep| ep.selector == request.selector);
    match (matching.next(), matching.next()) {
        (Some(_), Some(_)) => Err(fatal(format!(
            "Duplicated entry point selector {:#x} of type {:?}.",
            request.selector, request.kind
        ))),
        (Some(ep), None) => Ok(Some(ep.offset)),
        (None, _) => Ok(of_kind
            .first()
            .filter(|ep| ep.selector == DEFAULT_SELECTOR)
            .map(|ep| ep.offset)),
    }
}

pub(super) fn run_entry_point(
    state: &mut TxState<'_, '_>,
    ctx: &mut ExecCtx<'_>,
    class: &ContractClass,
    class_hash: ClassHash,
    request: &CallRequest,
) -> Result<CallResult, ExecError> {
    let Code::Cairo0(code) = &class.code else {
        return Err(fatal("not a Cairo 0 class"));
    };
    if let Some(b) = code.builtins.iter().find(|b| !CAIRO0_BUILTINS.contains(b)) {
        return Err(fatal(format!("Cairo 0 does not support the builtin {b}.")));
    }
    let Some(offset) = resolve(class, request)? else {
        return Ok(CallResult::early_failure(
            "ENTRYPOINT_NOT_FOUND",
            Tracked::CairoSteps,
        ));
    };
    let setup = |e: String| fatal(format!("runner setup failed: {e}"));
    let mut runner = CairoRunner::new(
        &class.program,
        LayoutName::starknet,
        None,
        false,
        false,
        false,
    )
    .map_err(|e| setup(e.to_string()))?;
    runner
        .initialize_builtins(false)
        .map_err(|e| setup(e.to_string()))?;
    runner.initialize_segments(None);
    let syscall_start = runner.vm.add_memory_segment();
    let mut implicit: Vec<MaybeRelocatable> = vec![syscall_start.into()];
    implicit.extend(
        runner
            .vm
            .get_builtin_runners()
            .iter()
            .flat_map(|b| b.initial_stack()),
    );
    let calldata_start = runner.vm.add_memory_segment();
    let calldata: Vec<MaybeRelocatable> = request.calldata.iter().map(|f| (*f).into()).collect();
    runner
        .vm
        .load_data(calldata_start, &calldata)
        .map_err(|e| setup(e.to_string()))?;
    let args = [
        CairoArg::Single(request.selector.into()),
        CairoArg::Array(implicit.clone()),
        CairoArg::Single(Felt::from(calldata.len()).into()),
        CairoArg::Single(calldata_start.into()),
    ];
    let arg_refs: Vec<&CairoArg> = args.iter().collect();
    let base = SyscallHintProcessor::new(
        class,
        class_hash,
        state,
        ctx,
        Frame {
            storage_address: request.storage_address,
            caller: request.caller,
            selector: request.selector,
            tracked: Tracked::CairoSteps,
        },
        vec![(calldata_start, calldata.len())],
    );
    let mut processor = DeprecatedHintProcessor::new(base, syscall_start);
    // A class from elsewhere could make cairo-vm panic; that is a fatal error of the
    // transaction, and prints nothing.
    let run = crate::panic_guard::catch_silently(|| {
        runner
            .run_from_entrypoint(offset, &arg_refs, true, None, &mut processor)
            .map_err(|e| super::entry_point::vm_error_text(&e))
    });
    let syscall_end = processor.syscall_ptr;
    let finished = processor.finish();
    let ctx = finished.ctx;
    if let Some(stop) = finished.stop {
        return Err(stop);
    }
    match run {
        Err(message) => return Err(fatal(format!("cairo-vm panicked: {message}"))),
        Ok(Err(e)) => {
            if ctx.steps_left == 0 {
                return Err(fatal(
                    "Could not reach the end of the program. RunResources has no remaining steps.",
                ));
            }
            return Err(fatal(format!("Cairo execution failed: {e}")));
        }
        Ok(Ok(())) => {}
    }
    let retdata = finish_run(
        &mut runner,
        args.len(),
        &implicit,
        syscall_end,
        &finished.read_only,
    )
    .map_err(|e| fatal(format!("Security validation failed: {e}")))?;
    let mut own: ExecutionResources = runner
        .get_execution_resources()
        .map_err(|e| fatal(format!("reading the run's resources: {e}")))?
        .filter_unused_builtins();
    ctx.record_run(&own);
    own += &ctx.constants.syscall_os_resources(&finished.usage);
    let mut resources = finished.inner;
    resources += &own;
    Ok(CallResult {
        failed: false,
        retdata,
        gas_consumed: 0,
        resources: resources.filter_unused_builtins(),
        tracked: Tracked::CairoSteps,
        reason: None,
    })
}

/// What the OS does after a Cairo 0 call returns: marks what it touched as accessed (not
/// memory holes), checks the builtins' final pointers, that the implicit arguments and the
/// syscall segment end where the syscalls left them, and reads the return data.
fn finish_run(
    runner: &mut CairoRunner,
    n_args: usize,
    implicit: &[MaybeRelocatable],
    syscall_end: Relocatable,
    read_only: &[(Relocatable, usize)],
) -> Result<Vec<Felt>, String> {
    super::entry_point::mark_args_and_read_only(runner, n_args, read_only)?;
    let values = runner.vm.get_return_values(2).map_err(|e| e.to_string())?;
    let implicit_end = (runner.vm.get_ap() - 2).map_err(|e| e.to_string())?;
    let builtins_start = runner
        .get_builtins_final_stack(implicit_end)
        .map_err(|e| e.to_string())?;
    let implicit_start = (builtins_start - 1).map_err(|e| e.to_string())?;
    if (implicit_start + implicit.len()).map_err(|e| e.to_string())? != implicit_end {
        return Err("Implicit arguments' segments".into());
    }
    let syscall_start = implicit[0]
        .get_relocatable()
        .ok_or("the syscall pointer is not a pointer")?;
    let returned_end = runner
        .vm
        .get_relocatable(implicit_start)
        .map_err(|e| e.to_string())?;
    let used = runner
        .vm
        .get_segment_used_size(syscall_start.segment_index as usize)
        .unwrap_or(0);
    if (syscall_start + used).map_err(|e| e.to_string())? != returned_end
        || returned_end != syscall_end
    {
        return Err("Syscall segment end".into());
    }
    for (start, len) in read_only {
        let used = runner
            .vm
            .get_segment_used_size(start.segment_index as usize)
            .unwrap_or(0);
        if used != *len {
            return Err("Read-only segments".into());
        }
    }
    let size = values[0]
        .get_int()
        .and_then(|f| usize::try_from(f.to_biguint()).ok())
        .ok_or("the return data size is not a number")?;
    let start = values[1]
        .get_relocatable()
        .ok_or("the return data is not a pointer")?;
    if size == 0 {
        return Ok(Vec::new());
    }
    Ok(runner
        .vm
        .get_integer_range(start, size)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|f| *f)
        .collect())
}
