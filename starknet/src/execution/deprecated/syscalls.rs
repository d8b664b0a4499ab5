//! The hint processor of a Cairo 0 call: Cairo 0's library hints through cairo-vm's builtin
//! hint processor (with the two of `normalize_address` it lacks), and the Starknet syscall
//! hints (`syscall_handler.storage_read(segments=segments, syscall_ptr=ids.syscall_ptr)`, …)
//! through the deprecated syscalls served here.
//!
//! A deprecated syscall's request and response lie one after the other in the syscall
//! segment, `[selector, request fields…, response fields…]`; the handler keeps its own pointer
//! to the next one and checks that the code's agrees. No deprecated syscall charges gas or can
//! fail softly: a bad request, a forbidden syscall or a failed inner call is fatal.

use std::any::Any;
use std::collections::HashMap;
use std::rc::Rc;

use cairo_vm::hint_processor::builtin_hint_processor::builtin_hint_processor_definition::{
    BuiltinHintProcessor, HintFunc, HintProcessorData,
};
use cairo_vm::hint_processor::builtin_hint_processor::hint_utils::{
    get_integer_from_var_name, get_ptr_from_var_name, insert_value_from_var_name,
};
use cairo_vm::hint_processor::hint_processor_definition::{HintProcessorLogic, HintReference};
use cairo_vm::serde::deserialize_program::ApTracking;
use cairo_vm::types::exec_scope::ExecutionScopes;
use cairo_vm::types::relocatable::{MaybeRelocatable, Relocatable};
use cairo_vm::vm::errors::hint_errors::HintError;
use cairo_vm::vm::runners::cairo_runner::{ResourceTracker, RunResources};
use cairo_vm::vm::vm_core::VirtualMachine;
use num_bigint::BigUint;
use starknet_api::abi::abi_utils::selector_from_name;
use starknet_api::core::{calculate_contract_address, ClassHash, ContractAddress, PatriciaKey};
use starknet_api::state::StorageKey;
use starknet_api::transaction::fields::{Calldata, ContractAddressSalt};
use starknet_types_core::felt::Felt;

use crate::class::EntryPointKind;
use crate::constants::Syscall;
use crate::execution::hints::{Finished, SyscallHintProcessor};
use crate::execution::syscalls::{deploy, fatal, Outcome, ServeError};
use crate::execution::{execute_call, felt_text, CallRequest, ExecError};
use crate::state::StateKey;
use crate::u256::felt_to_u64;

/// The hint of every deprecated syscall, by the name of its handler method.
const SYSCALL_HINT_PREFIX: &str = "syscall_handler.";
const SYSCALL_HINT_SUFFIX: &str = "(segments=segments, syscall_ptr=ids.syscall_ptr)";

/// The handler methods a Cairo 0 syscall hint may name.
const SYSCALL_HINTS: [&str; 18] = [
    "call_contract",
    "delegate_call",
    "delegate_l1_handler",
    "deploy",
    "emit_event",
    "get_block_number",
    "get_block_timestamp",
    "get_caller_address",
    "get_contract_address",
    "get_sequencer_address",
    "get_tx_info",
    "get_tx_signature",
    "library_call",
    "library_call_l1_handler",
    "replace_class",
    "send_message_to_l1",
    "storage_read",
    "storage_write",
];

fn is_syscall_hint(code: &str) -> bool {
    code.strip_prefix(SYSCALL_HINT_PREFIX)
        .and_then(|rest| rest.strip_suffix(SYSCALL_HINT_SUFFIX))
        .is_some_and(|name| SYSCALL_HINTS.contains(&name))
}

const NORMALIZE_ADDRESS_IS_250: &str = "ids.is_250 = 1 if ids.addr < 2**250 else 0";
const NORMALIZE_ADDRESS_IS_SMALL: &str =
    "# Verify the assumptions on the relationship between 2**250, ADDR_BOUND and PRIME.
ADDR_BOUND = ids.ADDR_BOUND % PRIME
assert (2**250 < ADDR_BOUND <= 2**251) and (2 * 2**250 < PRIME) and (
        ADDR_BOUND * 2 > PRIME), \\
    'normalize_address() cannot be used with the current constants.'
ids.is_small = 1 if ids.addr < ADDR_BOUND else 0";

/// `normalize_address`'s "is the address below 2^250" hint.
fn is_250(
    vm: &mut VirtualMachine,
    _: &mut ExecutionScopes,
    ids: &HashMap<String, HintReference>,
    ap: &ApTracking,
    _: &HashMap<String, Felt>,
) -> Result<(), HintError> {
    let addr = get_integer_from_var_name("addr", vm, ids, ap)?;
    let bit = Felt::from(addr < Felt::TWO.pow(250_u128));
    insert_value_from_var_name("is_250", bit, vm, ids, ap)
}

/// `normalize_address`'s "is the address below ADDR_BOUND" hint, with its assertion on the
/// bound.
fn is_small(
    vm: &mut VirtualMachine,
    _: &mut ExecutionScopes,
    ids: &HashMap<String, HintReference>,
    ap: &ApTracking,
    constants: &HashMap<String, Felt>,
) -> Result<(), HintError> {
    let bound = constants
        .get("starkware.starknet.common.storage.ADDR_BOUND")
        .ok_or_else(|| HintError::MissingConstant("ADDR_BOUND".into()))?
        .to_biguint();
    let two_250 = BigUint::from(1u8) << 250;
    let prime = Felt::prime();
    if !(bound > two_250
        && bound <= (BigUint::from(1u8) << 251)
        && prime > BigUint::from(2u8) * &two_250
        && prime < BigUint::from(2u8) * &bound)
    {
        return Err(HintError::AssertionFailed(
            "normalize_address() cannot be used with the current constants."
                .to_string()
                .into_boxed_str(),
        ));
    }
    let addr = get_integer_from_var_name("addr", vm, ids, ap)?.to_biguint();
    insert_value_from_var_name("is_small", Felt::from(addr < bound), vm, ids, ap)
}

pub(super) struct DeprecatedHintProcessor<'c, 's, 't, 'v, 'x> {
    base: SyscallHintProcessor<'c, 's, 't, 'v, 'x>,
    builtin: BuiltinHintProcessor,
    /// Where the next syscall's request starts.
    pub(super) syscall_ptr: Relocatable,
    tx_info: Option<Relocatable>,
    signature: Option<Relocatable>,
}

impl<'c, 's, 't, 'v, 'x> DeprecatedHintProcessor<'c, 's, 't, 'v, 'x> {
    pub(super) fn new(
        base: SyscallHintProcessor<'c, 's, 't, 'v, 'x>,
        syscall_ptr: Relocatable,
    ) -> Self {
        let extra: HashMap<String, Rc<HintFunc>> = HashMap::from([
            (
                NORMALIZE_ADDRESS_IS_250.to_string(),
                Rc::new(HintFunc(Box::new(is_250))),
            ),
            (
                NORMALIZE_ADDRESS_IS_SMALL.to_string(),
                Rc::new(HintFunc(Box::new(is_small))),
            ),
        ]);
        DeprecatedHintProcessor {
            base,
            builtin: BuiltinHintProcessor::new(extra, RunResources::default()),
            syscall_ptr,
            tx_info: None,
            signature: None,
        }
    }

    pub(super) fn finish(self) -> Finished<'s, 'x> {
        self.base.finish()
    }

    fn syscall(
        &mut self,
        vm: &mut VirtualMachine,
        hint: &HintProcessorData,
    ) -> Result<(), HintError> {
        match self.serve(vm, hint) {
            Ok(()) => Ok(()),
            Err(ServeError::Stop(e)) => Err(self.base.stop(e)),
            Err(ServeError::Hint(h)) => Err(h),
        }
    }

    fn next(&mut self) -> Result<Relocatable, ServeError> {
        let here = self.syscall_ptr;
        self.syscall_ptr = (here + 1_usize).map_err(HintError::Math)?;
        Ok(here)
    }

    fn felt(&mut self, vm: &VirtualMachine) -> Result<Felt, ServeError> {
        let at = self.next()?;
        Ok(*vm.get_integer(at).map_err(HintError::Memory)?)
    }

    fn address(&mut self, vm: &VirtualMachine) -> Result<ContractAddress, ServeError> {
        let f = self.felt(vm)?;
        PatriciaKey::try_from(f)
            .map(ContractAddress)
            .map_err(|_| fatal(format!("{f:#x} is out of range for a contract address")))
    }

    fn storage_key(&mut self, vm: &VirtualMachine) -> Result<StorageKey, ServeError> {
        let f = self.felt(vm)?;
        PatriciaKey::try_from(f)
            .map(StorageKey)
            .map_err(|_| fatal(format!("{f:#x} is out of range for a storage key")))
    }

    /// `[size, pointer]`; an empty array's pointer may be a zero felt.
    fn array(&mut self, vm: &VirtualMachine) -> Result<Vec<Felt>, ServeError> {
        let size = self.felt(vm)?;
        let at = self.next()?;
        if size == Felt::ZERO {
            return Ok(Vec::new());
        }
        let len = felt_to_u64(size)
            .filter(|n| *n <= 1 << 24)
            .ok_or_else(|| fatal(format!("a syscall array of {size} felts is too long")))?;
        let start = vm.get_relocatable(at).map_err(HintError::Memory)?;
        Ok(vm
            .get_integer_range(start, len as usize)
            .map_err(HintError::Memory)?
            .into_iter()
            .map(|f| *f)
            .collect())
    }

    fn write(
        &mut self,
        vm: &mut VirtualMachine,
        cells: &[MaybeRelocatable],
    ) -> Result<(), ServeError> {
        for cell in cells {
            let at = self.next()?;
            vm.insert_value(at, cell.clone())?;
        }
        Ok(())
    }

    fn serve(
        &mut self,
        vm: &mut VirtualMachine,
        hint: &HintProcessorData,
    ) -> Result<(), ServeError> {
        let ptr = get_ptr_from_var_name("syscall_ptr", vm, &hint.ids_data, &hint.ap_tracking)?;
        if ptr != self.syscall_ptr {
            return Err(fatal(format!(
                "Bad syscall_ptr; expected: {}, got: {ptr}.",
                self.syscall_ptr
            )));
        }
        let selector = self.felt(vm)?;
        let name = felt_text(&selector);
        let Some(syscall) = Syscall::from_name(&name) else {
            return Err(fatal(format!("Invalid syscall selector: {selector:#x}.")));
        };
        self.base.usage.entry(syscall).or_default().0 += 1;
        *self
            .base
            .ctx
            .resources
            .syscalls
            .entry(name.clone())
            .or_default() += 1;
        let validate = self.base.ctx.validate_mode;
        let unauthorized = |name: &str| {
            fatal(format!(
                "Unauthorized syscall {name} in execution mode Validate."
            ))
        };
        let response: Vec<MaybeRelocatable> = match syscall {
            Syscall::StorageRead => {
                let key = self.storage_key(vm)?;
                expect_ok(self.base.storage_read(key)?)?
            }
            Syscall::StorageWrite => {
                let (key, value) = (self.storage_key(vm)?, self.felt(vm)?);
                expect_ok(self.base.storage_write(key, value)?)?
            }
            Syscall::CallContract => {
                let (address, selector, calldata) =
                    (self.address(vm)?, self.felt(vm)?, self.array(vm)?);
                // The OS reads the callee's class first.
                self.base.state.read_felt(&StateKey::ClassHashAt(address))?;
                if validate && address != self.base.frame.storage_address {
                    return Err(unauthorized("call_contract"));
                }
                if self.base.ctx.constants.block_direct_execute_call
                    && selector == selector_from_name("__execute__").0
                {
                    return Err(fatal("Calling `__execute__` directly is not allowed."));
                }
                let request = self.request(
                    EntryPointKind::External,
                    None,
                    address,
                    self.base.frame.storage_address,
                    selector,
                    calldata,
                );
                self.call(vm, request)?
            }
            // A library call names the class; a delegate call, a contract whose class runs.
            // Both run on this contract's storage, for this call's caller.
            Syscall::LibraryCall
            | Syscall::LibraryCallL1Handler
            | Syscall::DelegateCall
            | Syscall::DelegateL1Handler => {
                let class_hash = if matches!(
                    syscall,
                    Syscall::LibraryCall | Syscall::LibraryCallL1Handler
                ) {
                    ClassHash(self.felt(vm)?)
                } else {
                    let address = self.address(vm)?;
                    ClassHash(self.base.state.read_felt(&StateKey::ClassHashAt(address))?)
                };
                let (selector, calldata) = (self.felt(vm)?, self.array(vm)?);
                let kind = if matches!(syscall, Syscall::LibraryCall | Syscall::DelegateCall) {
                    EntryPointKind::External
                } else {
                    EntryPointKind::L1Handler
                };
                let frame = self.base.frame;
                let request = self.request(
                    kind,
                    Some(class_hash),
                    frame.storage_address,
                    frame.caller,
                    selector,
                    calldata,
                );
                self.call(vm, request)?
            }
            Syscall::Deploy => {
                let class_hash = ClassHash(self.felt(vm)?);
                let salt = self.felt(vm)?;
                let calldata = self.array(vm)?;
                let from_zero = match self.felt(vm)? {
                    f if f == Felt::ZERO => false,
                    f if f == Felt::ONE => true,
                    f => {
                        return Err(fatal(format!(
                            "Invalid syscall input: {f}; The deploy_from_zero field in the deploy system call must be 0 or 1."
                        )))
                    }
                };
                self.deploy(class_hash, salt, calldata, from_zero)?
            }
            Syscall::EmitEvent => {
                let (keys, data) = (self.array(vm)?, self.array(vm)?);
                expect_ok(self.base.emit_event(keys, data)?)?
            }
            Syscall::SendMessageToL1 => {
                let (to, payload) = (self.felt(vm)?, self.array(vm)?);
                self.base.usage.entry(syscall).or_default().1 += payload.len();
                expect_ok(self.base.send_message(to, payload)?)?
            }
            Syscall::ReplaceClass => {
                let class_hash = ClassHash(self.felt(vm)?);
                expect_ok(self.base.replace_class(class_hash)?)?
            }
            Syscall::GetCallerAddress => vec![(*self.base.frame.caller.0.key()).into()],
            Syscall::GetContractAddress => vec![(*self.base.frame.storage_address.0.key()).into()],
            Syscall::GetSequencerAddress => {
                if validate {
                    return Err(unauthorized("get_sequencer_address"));
                }
                vec![(*self.base.ctx.block.sequencer.0.key()).into()]
            }
            Syscall::GetBlockNumber | Syscall::GetBlockTimestamp => {
                let (block, c) = (self.base.ctx.block, self.base.ctx.constants);
                let (value, rounding) = if syscall == Syscall::GetBlockNumber {
                    (block.block_number, c.validate_block_number_rounding)
                } else {
                    (block.block_timestamp, c.validate_timestamp_rounding)
                };
                let value = if validate {
                    value.checked_div(rounding).map_or(value, |q| q * rounding)
                } else {
                    value
                };
                vec![Felt::from(value).into()]
            }
            Syscall::GetTxInfo => vec![self.tx_info(vm)?.into()],
            Syscall::GetTxSignature => {
                let len = self.base.ctx.tx.signature.len();
                vec![Felt::from(len).into(), self.signature(vm)?.into()]
            }
            other => {
                return Err(fatal(format!(
                    "Unsupported syscall selector {}.",
                    other.name()
                )))
            }
        };
        self.write(vm, &response)
    }

    fn request(
        &self,
        kind: EntryPointKind,
        class_hash: Option<ClassHash>,
        storage_address: ContractAddress,
        caller: ContractAddress,
        selector: Felt,
        calldata: Vec<Felt>,
    ) -> CallRequest {
        CallRequest {
            kind,
            class_hash,
            storage_address,
            caller,
            selector,
            calldata,
            initial_gas: self.base.ctx.constants.default_initial_gas_cost,
        }
    }

    /// Runs an inner call; its failure is this call's (a Cairo 0 call cannot catch it).
    fn call(
        &mut self,
        vm: &mut VirtualMachine,
        request: CallRequest,
    ) -> Result<Vec<MaybeRelocatable>, ServeError> {
        self.base.sync_steps_out();
        let result = execute_call(self.base.state, self.base.ctx, request);
        self.base.sync_steps_in();
        let result = result?;
        self.base.inner += &result.resources;
        if result.failed {
            return Err(ServeError::Stop(ExecError::Fatal(format!(
                "Execution failed. Failure reason: {}.",
                result.reason.as_deref().unwrap_or("failed")
            ))));
        }
        let [start, _end] = self.base.read_only_span(vm, &result.retdata)?;
        Ok(vec![Felt::from(result.retdata.len()).into(), start])
    }

    fn deploy(
        &mut self,
        class_hash: ClassHash,
        salt: Felt,
        calldata: Vec<Felt>,
        from_zero: bool,
    ) -> Result<Vec<MaybeRelocatable>, ServeError> {
        let ctx = &self.base.ctx;
        if ctx.validate_mode && ctx.constants.disable_deploy_in_validation_mode {
            return Err(fatal(
                "Unauthorized syscall deploy in execution mode Validate.",
            ));
        }
        let me = self.base.frame.storage_address;
        let deployer = if from_zero {
            ContractAddress::default()
        } else {
            me
        };
        let address = calculate_contract_address(
            ContractAddressSalt(salt),
            class_hash,
            &Calldata(std::sync::Arc::new(calldata.clone())),
            deployer,
        )
        .map_err(|e| fatal(format!("computing the deployed address: {e}")))?;
        self.base.usage.entry(Syscall::Deploy).or_default().1 += calldata.len();
        let gas = self.base.ctx.constants.default_initial_gas_cost;
        self.base.sync_steps_out();
        let result = deploy(
            self.base.state,
            self.base.ctx,
            class_hash,
            address,
            me,
            calldata,
            gas,
        );
        self.base.sync_steps_in();
        let result = result?;
        self.base.inner += &result.resources;
        Ok(vec![
            (*address.0.key()).into(),
            Felt::ZERO.into(),
            Felt::ZERO.into(),
        ])
    }

    fn signature(&mut self, vm: &mut VirtualMachine) -> Result<Relocatable, ServeError> {
        if let Some(ptr) = self.signature {
            return Ok(ptr);
        }
        let signature = self.base.ctx.tx.signature.clone();
        let [start, _] = self.base.read_only_span(vm, &signature)?;
        let ptr = start
            .get_relocatable()
            .ok_or_else(|| fatal("the signature segment is not a pointer"))?;
        self.signature = Some(ptr);
        Ok(ptr)
    }

    /// The Cairo 0 `TxInfo` struct: version, account, max fee, signature, hash, chain id and
    /// nonce. A V3 transaction of a Cairo 0 account the protocol keeps bound to V1 reads as
    /// version 1 (that one is not cached).
    fn tx_info(&mut self, vm: &mut VirtualMachine) -> Result<Relocatable, ServeError> {
        let c = self.base.ctx.constants;
        let tx = &self.base.ctx.tx;
        let v1_bound = tx.version == Felt::THREE
            && c.v1_bound_accounts_cairo0.contains(&self.base.class_hash.0)
            && tx.tip <= Felt::from(c.v1_bound_accounts_max_tip);
        if !v1_bound {
            if let Some(ptr) = self.tx_info {
                return Ok(ptr);
            }
        }
        let version = if v1_bound { Felt::ONE } else { tx.version };
        let (account, len, hash, nonce) = (tx.account, tx.signature.len(), tx.hash, tx.nonce);
        let signature = self.signature(vm)?;
        let chain_id = self.base.ctx.block.chain_id_felt();
        let cells: Vec<MaybeRelocatable> = vec![
            version.into(),
            account.into(),
            Felt::ZERO.into(),
            Felt::from(len).into(),
            signature.into(),
            hash.into(),
            chain_id.into(),
            nonce.into(),
        ];
        let start = vm.add_memory_segment();
        vm.load_data(start, &cells)?;
        self.base.read_only.push((start, cells.len()));
        if !v1_bound {
            self.tx_info = Some(start);
        }
        Ok(start)
    }
}

/// A Cairo 1 syscall's soft failure is fatal in Cairo 0.
fn expect_ok(outcome: Outcome) -> Result<Vec<MaybeRelocatable>, ServeError> {
    match outcome {
        Outcome::Ok(fields) => Ok(fields),
        Outcome::Revert(data) => Err(fatal(
            data.iter().map(felt_text).collect::<Vec<_>>().join(", "),
        )),
    }
}

impl ResourceTracker for DeprecatedHintProcessor<'_, '_, '_, '_, '_> {
    fn consumed(&self) -> bool {
        self.base.consumed()
    }

    fn consume_step(&mut self) {
        self.base.consume_step()
    }

    fn get_n_steps(&self) -> Option<usize> {
        self.base.get_n_steps()
    }
}

impl HintProcessorLogic for DeprecatedHintProcessor<'_, '_, '_, '_, '_> {
    fn execute_hint(
        &mut self,
        vm: &mut VirtualMachine,
        exec_scopes: &mut ExecutionScopes,
        hint_data: &Box<dyn Any>,
    ) -> Result<(), HintError> {
        let hint = hint_data
            .downcast_ref::<HintProcessorData>()
            .ok_or(HintError::WrongHintData)?;
        if is_syscall_hint(&hint.code) {
            return self.syscall(vm, hint);
        }
        self.builtin.execute_hint(vm, exec_scopes, hint_data)
    }
}
