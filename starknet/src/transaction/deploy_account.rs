//! DeployAccount V3: the account's constructor (in validate mode), then
//! `__validate_deploy__`; it cannot revert, so any failure rejects it.

use crate::constants::{TxType, VersionedConstants};
use crate::execution::{deploy, ExecError};
use crate::transaction::account::{Flow, Outcome, V3Fields};
use crate::transaction::DeployAccountTx;
use crate::tx_state::TxState;
use crate::vm::StarknetVm;
use starknet_api::core::ContractAddress;

pub(crate) fn deploy_account(
    vm: &StarknetVm,
    c: &'static VersionedConstants,
    t: &DeployAccountTx,
    state: TxState<'_, '_>,
) -> Outcome {
    let tx = &t.tx;
    let constructor_calldata = tx.constructor_calldata.0.to_vec();
    let account = V3Fields {
        hash: t.hash,
        sender: t.address,
        nonce: tx.nonce,
        bounds: &tx.resource_bounds,
        signature: &tx.signature.0,
        tip: tx.tip.0,
        paymaster_data: &tx.paymaster_data.0,
        nonce_da: tx.nonce_data_availability_mode as u64,
        fee_da: tx.fee_data_availability_mode as u64,
        account_deployment_data: &[],
        proof_facts: &[],
    }
    .account_tx(TxType::DeployAccount, constructor_calldata.len(), 0);
    let mut flow = match Flow::start(vm, c, &account, state)? {
        Ok(flow) => flow,
        Err((flow, reason)) => return flow.reject(reason),
    };
    let gas = flow.remaining_gas.min(c.validate_max_sierra_gas);
    let steps = flow.step_budget(true);
    flow.ctx.begin_phase(true, steps, gas);
    let result = deploy(
        &mut flow.state,
        &mut flow.ctx,
        tx.class_hash,
        t.address,
        ContractAddress::default(),
        constructor_calldata.clone(),
        gas,
    );
    flow.ctx.validate_mode = false;
    let result = match result {
        Err(ExecError::Fatal(e)) => {
            return flow.reject(format!("Contract constructor execution has failed: {e}"))
        }
        other => other?,
    };
    flow.account_for(&result);
    let mut calldata = vec![tx.class_hash.0, tx.contract_address_salt.0];
    calldata.extend(constructor_calldata);
    if let Err(reason) = flow.validate("__validate_deploy__", calldata)? {
        return flow.reject(reason);
    }
    flow.finish_non_revertible()
}
