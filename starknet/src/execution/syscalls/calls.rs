//! The syscalls that run other code or change what runs: `call_contract`, `library_call`,
//! `deploy`, `meta_tx_v0`, `replace_class` and `get_class_hash_at`.

use std::sync::Arc;

use cairo_vm::vm::vm_core::VirtualMachine;
use starknet_api::abi::abi_utils::selector_from_name;
use starknet_api::core::{
    calculate_contract_address, ClassHash, ContractAddress, EntryPointSelector,
};
use starknet_api::transaction::fields::{Calldata, ContractAddressSalt, Fee, TransactionSignature};
use starknet_api::transaction::{InvokeTransactionV0, Transaction as ApiTransaction};
use starknet_types_core::felt::Felt;

use super::{fatal, revert, Outcome, ServeError};
use crate::class::EntryPointKind;
use crate::execution::hints::SyscallHintProcessor;
use crate::execution::{
    execute_call, short_string, CallRequest, CallResult, ExecCtx, ExecError, TxInfo,
};
use crate::state::{StateKey, StateValue};
use crate::tx_state::TxState;

fn unauthorized(name: &str) -> ServeError {
    fatal(format!(
        "Unauthorized syscall {name} in execution mode Validate."
    ))
}

impl SyscallHintProcessor<'_, '_, '_, '_, '_> {
    /// Runs a nested call with all the gas left and accounts for it: its gas comes off
    /// `gas`, its charged resources add to this call's; a failure is returned as revert data
    /// with `ENTRYPOINT_FAILED` appended, its return data otherwise.
    fn nested(
        &mut self,
        vm: &mut VirtualMachine,
        request: CallRequest,
        gas: &mut u64,
    ) -> Result<Outcome, ServeError> {
        self.sync_steps_out();
        let result = execute_call(self.state, self.ctx, request);
        self.sync_steps_in();
        let result = result?;
        *gas = gas.saturating_sub(result.gas_consumed);
        self.inner += &result.resources;
        if result.failed {
            let mut data = result.retdata;
            data.push(short_string("ENTRYPOINT_FAILED"));
            return Ok(Outcome::Revert(data));
        }
        Ok(Outcome::Ok(
            self.read_only_span(vm, &result.retdata)?.to_vec(),
        ))
    }

    pub(super) fn call_contract(
        &mut self,
        vm: &mut VirtualMachine,
        address: ContractAddress,
        selector: Felt,
        calldata: Vec<Felt>,
        gas: &mut u64,
    ) -> Result<Outcome, ServeError> {
        if self.ctx.validate_mode && address != self.frame.storage_address {
            return Err(unauthorized("call_contract"));
        }
        if self.ctx.constants.block_direct_execute_call
            && selector == selector_from_name("__execute__").0
        {
            return revert("Invalid argument");
        }
        let request = CallRequest {
            kind: EntryPointKind::External,
            class_hash: None,
            storage_address: address,
            caller: self.frame.storage_address,
            selector,
            calldata,
            initial_gas: *gas,
        };
        self.nested(vm, request, gas)
    }

    pub(super) fn library_call(
        &mut self,
        vm: &mut VirtualMachine,
        class_hash: ClassHash,
        selector: Felt,
        calldata: Vec<Felt>,
        gas: &mut u64,
    ) -> Result<Outcome, ServeError> {
        let request = CallRequest {
            kind: EntryPointKind::External,
            class_hash: Some(class_hash),
            storage_address: self.frame.storage_address,
            caller: self.frame.caller,
            selector,
            calldata,
            initial_gas: *gas,
        };
        self.nested(vm, request, gas)
    }

    pub(super) fn deploy_syscall(
        &mut self,
        vm: &mut VirtualMachine,
        class_hash: ClassHash,
        salt: Felt,
        calldata: Vec<Felt>,
        from_zero: bool,
        gas: &mut u64,
    ) -> Result<Outcome, ServeError> {
        if self.ctx.validate_mode && self.ctx.constants.disable_deploy_in_validation_mode {
            return Err(unauthorized("deploy"));
        }
        let deployer = if from_zero {
            ContractAddress::default()
        } else {
            self.frame.storage_address
        };
        let address = calculate_contract_address(
            ContractAddressSalt(salt),
            class_hash,
            &Calldata(Arc::new(calldata.clone())),
            deployer,
        )
        .map_err(|e| fatal(format!("computing the deployed address: {e}")))?;
        self.sync_steps_out();
        let result = deploy(
            self.state,
            self.ctx,
            class_hash,
            address,
            self.frame.storage_address,
            calldata,
            *gas,
        );
        self.sync_steps_in();
        let result = result?;
        *gas = gas.saturating_sub(result.gas_consumed);
        self.inner += &result.resources;
        let mut fields = vec![(*address.0.key()).into()];
        fields.extend(self.read_only_span(vm, &result.retdata)?);
        Ok(Outcome::Ok(fields))
    }

    pub(super) fn meta_tx_v0(
        &mut self,
        vm: &mut VirtualMachine,
        address: ContractAddress,
        selector: Felt,
        calldata: Vec<Felt>,
        signature: Vec<Felt>,
        gas: &mut u64,
    ) -> Result<Outcome, ServeError> {
        if self.ctx.validate_mode {
            return Err(unauthorized("meta_tx_v0"));
        }
        if selector != selector_from_name("__execute__").0 {
            return revert("Invalid argument");
        }
        let v0 = ApiTransaction::Invoke(starknet_api::transaction::InvokeTransaction::V0(
            InvokeTransactionV0 {
                max_fee: Fee(0),
                signature: TransactionSignature(Arc::new(signature.clone())),
                contract_address: address,
                entry_point_selector: EntryPointSelector(selector),
                calldata: Calldata(Arc::new(calldata.clone())),
            },
        ));
        let hash = starknet_api::transaction_hash::get_transaction_hash(
            &v0,
            &self.ctx.block.chain_id,
            &Default::default(),
        )
        .map_err(|e| fatal(format!("hashing the meta transaction: {e}")))?;
        let meta = TxInfo {
            version: Felt::ZERO,
            account: *address.0.key(),
            signature,
            hash: hash.0,
            nonce: Felt::ZERO,
            deprecated: true,
            ..TxInfo::default()
        };
        let outer = std::mem::replace(&mut self.ctx.tx, meta);
        let request = CallRequest {
            kind: EntryPointKind::External,
            class_hash: None,
            storage_address: address,
            caller: ContractAddress::default(),
            selector,
            calldata,
            initial_gas: *gas,
        };
        let outcome = self.nested(vm, request, gas);
        self.ctx.tx = outer;
        outcome
    }

    pub(in crate::execution) fn replace_class(
        &mut self,
        class_hash: ClassHash,
    ) -> Result<Outcome, ServeError> {
        if self
            .state
            .read(&StateKey::Class(class_hash))?
            .class()
            .is_none()
        {
            return Err(fatal(format!(
                "Class with hash {:#066x} is not declared.",
                class_hash.0
            )));
        }
        self.state.write(
            StateKey::ClassHashAt(self.frame.storage_address),
            StateValue::Felt(class_hash.0),
        );
        Ok(Outcome::Ok(vec![]))
    }

    pub(super) fn get_class_hash_at(
        &mut self,
        address: ContractAddress,
    ) -> Result<Outcome, ServeError> {
        if self.ctx.validate_mode {
            return Err(unauthorized("get_class_hash_at"));
        }
        let class_hash = self.state.read_felt(&StateKey::ClassHashAt(address))?;
        Ok(Outcome::Ok(vec![class_hash.into()]))
    }
}

/// Deploys a contract of `class_hash` at `address` and runs its constructor with `caller` as
/// the caller. Deploying over a contract, an undeclared class, calldata for a class without a
/// constructor and a failing constructor are fatal errors.
pub(crate) fn deploy(
    state: &mut TxState<'_, '_>,
    ctx: &mut ExecCtx<'_>,
    class_hash: ClassHash,
    address: ContractAddress,
    caller: ContractAddress,
    calldata: Vec<Felt>,
    initial_gas: u64,
) -> Result<CallResult, ExecError> {
    if state.read_felt(&StateKey::ClassHashAt(address))? != Felt::ZERO {
        return Err(ExecError::Fatal(format!(
            "Deployment failed: contract already deployed at address {:#066x}",
            address.0.key()
        )));
    }
    let Some(class) = state.read(&StateKey::Class(class_hash))?.class() else {
        return Err(ExecError::Fatal(format!(
            "Class with hash {:#066x} is not declared.",
            class_hash.0
        )));
    };
    state.write(
        StateKey::ClassHashAt(address),
        StateValue::Felt(class_hash.0),
    );
    if !class.has_constructor() {
        if !calldata.is_empty() {
            return Err(ExecError::Fatal(
                "Invalid input: constructor_calldata; Cannot pass calldata to a contract with no constructor.".into(),
            ));
        }
        return Ok(CallResult {
            failed: false,
            retdata: vec![],
            gas_consumed: 0,
            resources: Default::default(),
            tracked: ctx.current_tracked(),
            reason: None,
        });
    }
    let result = execute_call(
        state,
        ctx,
        CallRequest {
            kind: EntryPointKind::Constructor,
            class_hash: Some(class_hash),
            storage_address: address,
            caller,
            selector: selector_from_name("constructor").0,
            calldata,
            initial_gas,
        },
    )?;
    if result.failed {
        return Err(ExecError::Fatal(format!(
            "Contract constructor execution has failed: {}",
            result.reason.as_deref().unwrap_or("failed")
        )));
    }
    Ok(result)
}
