//! The hint processor of one call: Cairo 1 core hints through the Cairo compiler's runner, syscalls through
//! ours ([`super::syscalls`]), and the step budget of calls metered by steps.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use cairo_lang_casm::hints::{CoreHint, CoreHintBase, Hint, StarknetHint};
use cairo_lang_casm::operand::{
    BinOpOperand, CellRef, DerefOrImmediate, Operation, Register, ResOperand,
};
use cairo_lang_runner::casm_run::execute_core_hint_base;
use cairo_vm::hint_processor::hint_processor_definition::{HintProcessorLogic, HintReference};
use cairo_vm::serde::deserialize_program::ApTracking;
use cairo_vm::types::exec_scope::ExecutionScopes;
use cairo_vm::types::relocatable::Relocatable;
use cairo_vm::vm::errors::hint_errors::HintError;
use cairo_vm::vm::errors::vm_errors::VirtualMachineError;
use cairo_vm::vm::runners::cairo_runner::{ExecutionResources, ResourceTracker};
use cairo_vm::vm::vm_core::VirtualMachine;
use starknet_api::core::{ClassHash, ContractAddress};
use starknet_types_core::felt::Felt;

use super::syscalls::crypto::CryptoState;
use super::{ExecCtx, ExecError, SyscallUsage, Tracked};
use crate::class::ContractClass;
use crate::tx_state::TxState;

/// Who is running: what `get_execution_info` and storage syscalls refer to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub(crate) storage_address: ContractAddress,
    pub(crate) caller: ContractAddress,
    pub(crate) selector: Felt,
    pub(crate) tracked: Tracked,
}

pub(crate) struct SyscallHintProcessor<'c, 's, 't, 'v, 'x> {
    pub(super) class: &'c ContractClass,
    /// The class running (a library call's class, not the contract's).
    pub(super) class_hash: ClassHash,
    pub(super) state: &'s mut TxState<'t, 'v>,
    pub(super) ctx: &'s mut ExecCtx<'x>,
    pub(super) frame: Frame,
    /// The phase's step budget while this call runs (written back around nested calls).
    pub(super) steps_left: usize,
    pub(super) exec_info: Option<Relocatable>,
    /// Segments written for the code to read: not memory holes.
    pub(super) read_only: Vec<(Relocatable, usize)>,
    /// The syscalls this call made (not its inner calls').
    pub(super) usage: SyscallUsage,
    /// The charged VM resources of the calls this call made.
    pub(super) inner: ExecutionResources,
    pub(super) crypto: CryptoState,
    /// Set when execution must stop (not a call failure).
    pub(super) stop: Option<ExecError>,
}

/// What a finished call's processor leaves.
pub(super) struct Finished<'s, 'x> {
    pub(super) ctx: &'s mut ExecCtx<'x>,
    pub(super) stop: Option<ExecError>,
    pub(super) read_only: Vec<(Relocatable, usize)>,
    pub(super) usage: SyscallUsage,
    pub(super) inner: ExecutionResources,
}

impl<'c, 's, 't, 'v, 'x> SyscallHintProcessor<'c, 's, 't, 'v, 'x> {
    pub(super) fn new(
        class: &'c ContractClass,
        class_hash: ClassHash,
        state: &'s mut TxState<'t, 'v>,
        ctx: &'s mut ExecCtx<'x>,
        frame: Frame,
        read_only: Vec<(Relocatable, usize)>,
    ) -> Self {
        let steps_left = ctx.steps_left;
        SyscallHintProcessor {
            class,
            class_hash,
            state,
            ctx,
            frame,
            steps_left,
            exec_info: None,
            read_only,
            usage: SyscallUsage::new(),
            inner: ExecutionResources::default(),
            crypto: CryptoState::default(),
            stop: None,
        }
    }

    pub(super) fn finish(self) -> Finished<'s, 'x> {
        self.ctx.steps_left = self.steps_left;
        Finished {
            ctx: self.ctx,
            stop: self.stop,
            read_only: self.read_only,
            usage: self.usage,
            inner: self.inner,
        }
    }

    /// Stops the run with `e` (the hint error only carries it out of cairo-vm).
    pub(super) fn stop(&mut self, e: ExecError) -> HintError {
        let text = match &e {
            ExecError::Interrupted => "execution interrupted by the engine".to_string(),
            ExecError::Fatal(reason) => reason.clone(),
        };
        self.stop = Some(e);
        HintError::CustomHint(text.into())
    }
}

impl ResourceTracker for SyscallHintProcessor<'_, '_, '_, '_, '_> {
    fn consumed(&self) -> bool {
        self.frame.tracked == Tracked::CairoSteps && self.steps_left == 0
    }

    fn consume_step(&mut self) {
        if self.frame.tracked == Tracked::CairoSteps {
            self.steps_left = self.steps_left.saturating_sub(1);
        }
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
        let crate::class::Code::Cairo1(code) = &self.class.code else {
            return Err(HintError::CustomHint(
                "a Cairo 1 hint in a Cairo 0 class".into(),
            ));
        };
        let hints = code
            .hints
            .get(&pc)
            .ok_or_else(|| HintError::CustomHint(format!("no hint at pc {pc}").into()))?;
        for hint in hints {
            match hint {
                // Printing is a side effect with unbounded work per step: not on a sequencer.
                Hint::Core(CoreHintBase::Core(CoreHint::DebugPrint { .. })) => {}
                // The Cairo compiler's own implementation of its core hints, as blockifier
                // runs them (cairo-vm's differs: it compares addresses as integers). No
                // temporary segments: a segment arena's are for proofs only.
                Hint::Core(core) => execute_core_hint_base(vm, exec_scopes, core, true)?,
                Hint::Starknet(StarknetHint::SystemCall { system }) => {
                    let ptr = res_operand_ptr(vm, system)?;
                    self.syscall(vm, ptr)?;
                }
                _ => {
                    let e = ExecError::Fatal("Test functions are unsupported on starknet.".into());
                    return Err(self.stop(e));
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
