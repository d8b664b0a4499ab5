//! Invoke V3: `__validate__`, then `__execute__`, which may revert (the nonce, validation and
//! fee remain).

use crate::constants::{TxType, VersionedConstants};
use crate::execution::ExecError;
use crate::fee::bounds::{can_pay, capped_fee, exceeded_bound};
use crate::receipt::Status;
use crate::transaction::account::{insufficient_balance, Flow, Outcome, V3Fields};
use crate::transaction::InvokeTx;
use crate::tx_state::TxState;
use crate::vm::StarknetVm;

pub(crate) fn invoke(
    vm: &StarknetVm,
    c: &'static VersionedConstants,
    t: &InvokeTx,
    state: TxState<'_, '_>,
) -> Outcome {
    let tx = &t.tx;
    let account = V3Fields {
        hash: t.hash,
        sender: tx.sender_address,
        nonce: tx.nonce,
        bounds: &tx.resource_bounds,
        signature: &tx.signature.0,
        tip: tx.tip.0,
        paymaster_data: &tx.paymaster_data.0,
        nonce_da: tx.nonce_data_availability_mode as u64,
        fee_da: tx.fee_data_availability_mode as u64,
        account_deployment_data: &tx.account_deployment_data.0,
        proof_facts: &tx.proof_facts.0,
    }
    .account_tx(TxType::InvokeFunction, tx.calldata.0.len(), 0);
    let mut flow = match Flow::start(vm, c, &account, state)? {
        Ok(flow) => flow,
        Err((flow, reason)) => return flow.reject(reason),
    };
    let calldata = tx.calldata.0.to_vec();
    if let Err(reason) = flow.validate("__validate__", calldata.clone())? {
        return flow.reject(reason);
    }
    let checkpoint = flow.state.checkpoint();
    // What validation used: a reverted execution is charged this and what it ran up to the
    // revert, not its full resources.
    let (validate_gas, validate_resources) = (flow.sierra_gas, flow.vm_resources.clone());
    let (n_events, n_messages, n_executed) = (
        flow.ctx.events.len(),
        flow.ctx.messages.len(),
        flow.ctx.executed.len(),
    );
    let budget = flow.remaining_gas.min(c.execute_max_sierra_gas);
    let overhead = c
        .tx_os_resources(TxType::InvokeFunction, account.calldata_len)
        .n_steps;
    let allotted = flow
        .step_budget(false)
        .saturating_sub(flow.validate_steps + overhead);
    flow.ctx.begin_phase(false, allotted, budget);
    let result = flow.call("__execute__", calldata, budget);
    // Why `__execute__` reverted, if it did.
    let failure = match result {
        Ok(result) => {
            if result.tracked == crate::execution::Tracked::SierraGas {
                flow.ctx.last_seen_gas = budget.saturating_sub(result.gas_consumed);
            }
            if result.failed {
                let reason = if flow.ctx.failures.is_empty() {
                    result.reason.clone().unwrap_or_default()
                } else {
                    flow.ctx.failure_trace()
                };
                Some(format!("Execution failed. Failure reason: {reason}"))
            } else {
                flow.account_for(&result);
                None
            }
        }
        Err(ExecError::Fatal(e)) => Some(format!("Transaction execution has failed: {e}")),
        Err(interrupted) => return Err(interrupted),
    };
    flow.ctx.failures.clear();
    let reverted_gas = budget.saturating_sub(flow.ctx.last_seen_gas);
    let reverted_steps = allotted.saturating_sub(flow.ctx.steps_left);
    let revert = |flow: &mut Flow<'_, '_, '_, '_>| {
        flow.state.rollback(checkpoint);
        flow.ctx.truncate_events(n_events);
        flow.ctx.messages.truncate(n_messages);
        flow.ctx.executed.truncate(n_executed);
    };
    // The status, and the fee when the full receipt sets it (a check after execution failed).
    let (status, fee) = match failure {
        None => {
            let resources = flow.tx_resources(0, 0)?;
            let (gas, fee) = flow.price(&resources);
            if !flow.charge_fee {
                return flow.finish(Status::Succeeded, gas, fee);
            }
            let tip = flow.effective_tip();
            let balance = flow.sender_balance()?;
            if let Some(reason) = exceeded_bound(&flow.bounds, &gas) {
                let fee = capped_fee(&flow.bounds, &gas, &flow.vm.context().gas_prices, tip);
                (Status::Reverted(reason), Some(fee))
            } else if !can_pay(balance, fee) {
                (
                    Status::Reverted(insufficient_balance(fee, balance)),
                    Some(fee),
                )
            } else {
                return flow.finish(Status::Succeeded, gas, fee);
            }
        }
        Some(reason) => (Status::Reverted(reason), None),
    };
    // Reverted: execution's effects go; it is charged the gas and steps it used up to the
    // revert, with what validation used.
    revert(&mut flow);
    flow.sierra_gas = validate_gas;
    flow.vm_resources = validate_resources;
    let resources = flow.tx_resources(reverted_gas, reverted_steps)?;
    let (gas, revert_fee) = flow.price(&resources);
    let fee = match fee {
        Some(fee) => fee,
        None if flow.charge_fee && exceeded_bound(&flow.bounds, &gas).is_some() => {
            let tip = flow.effective_tip();
            capped_fee(&flow.bounds, &gas, &flow.vm.context().gas_prices, tip)
        }
        None => revert_fee,
    };
    flow.finish(status, gas, fee)
}
