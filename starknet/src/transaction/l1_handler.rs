//! L1 handlers: a message from L1 runs an `#[l1_handler]` entry point. No account, no nonce,
//! no fee on L2 (it was paid on L1); its gas vector is bounded by the protocol's.

use cairo_vm::vm::runners::cairo_runner::ExecutionResources;
use starknet_api::core::ContractAddress;
use starknet_types_core::felt::Felt;

use crate::class::EntryPointKind;
use crate::constants::{TxType, VersionedConstants};
use crate::execution::{execute_call, CallRequest, ExecCtx, ExecError, TxInfo};
use crate::fee::gas_vector::{StateChangesCount, TxResources};
use crate::receipt::{GasVector, Receipt, Resources, Status};
use crate::transaction::account::Outcome;
use crate::transaction::L1HandlerTx;
use crate::tx_state::TxState;
use crate::vm::StarknetVm;

pub(crate) fn l1_handler(
    vm: &StarknetVm,
    c: &'static VersionedConstants,
    t: &L1HandlerTx,
    mut state: TxState<'_, '_>,
) -> Outcome {
    let context = vm.context();
    let tx = &t.tx;
    let info = TxInfo {
        version: Felt::ZERO,
        account: *tx.contract_address.0.key(),
        hash: t.hash.0,
        nonce: tx.nonce.0,
        deprecated: true,
        ..TxInfo::default()
    };
    let mut ctx = ExecCtx::new(context, c, &info);
    let gas = c.l1_handler_max_amounts.l2_gas;
    ctx.begin_phase(false, c.invoke_tx_max_n_steps as usize, gas);
    let payload = tx.calldata.0.len().saturating_sub(1);
    let receipt_of = |status: Status, gas: GasVector, resources: Resources, ctx: ExecCtx<'_>| {
        let keep = matches!(status, Status::Succeeded);
        Receipt {
            tx_hash: t.hash,
            status,
            actual_fee: 0,
            gas,
            resources: Resources {
                l2_gas: gas.l2_gas,
                ..resources
            },
            events: if keep { ctx.events } else { Vec::new() },
            messages: if keep { ctx.messages } else { Vec::new() },
        }
    };
    let base = TxResources {
        tx_type: TxType::L1Handler,
        calldata_len: payload,
        signature_len: 0,
        code_size: 0,
        has_proof: false,
        state: StateChangesCount::default(),
        n_event_keys: 0,
        n_event_data: 0,
        message_payloads: Vec::new(),
        l1_handler_payload: Some(payload),
        vm: ExecutionResources::default(),
        sierra_gas: 0,
        reverted_sierra_gas: 0,
        reverted_steps: 0,
    };
    let result = execute_call(
        &mut state,
        &mut ctx,
        CallRequest {
            kind: EntryPointKind::L1Handler,
            class_hash: None,
            storage_address: tx.contract_address,
            caller: ContractAddress::default(),
            selector: tx.entry_point_selector.0,
            calldata: tx.calldata.0.to_vec(),
            initial_gas: gas,
        },
    );
    let failure = match result {
        Ok(r) if !r.failed => {
            let resources = TxResources {
                state: state.state_changes(None, context.eth_fee_token)?,
                n_event_keys: ctx.charged_events().map(|e| e.keys.len()).sum(),
                n_event_data: ctx.charged_events().map(|e| e.data.len()).sum(),
                message_payloads: ctx.messages.iter().map(|m| m.payload.len()).collect(),
                vm: r.resources.clone(),
                sierra_gas: r.gas_consumed,
                ..base.clone()
            };
            let gas = resources.gas_vector(c, context.use_kzg_da);
            let max = c.l1_handler_max_amounts;
            let exceeded = [
                ("L1Gas", max.l1_gas, gas.l1_gas),
                ("L2Gas", max.l2_gas, gas.l2_gas),
                ("L1DataGas", max.l1_data_gas, gas.l1_data_gas),
            ]
            .into_iter()
            .find(|(_, max, used)| used > max);
            match exceeded {
                None if t.paid_fee_on_l1 == 0 => {
                    state.discard();
                    return Ok(receipt_of(
                        Status::Rejected("no fee was paid on L1".into()),
                        GasVector::default(),
                        ctx.resources.clone(),
                        ctx,
                    ));
                }
                None => {
                    let mut resources_out = ctx.resources.clone();
                    resources_out.state_writes = state.n_writes() as u64;
                    let executed = std::mem::take(&mut ctx.executed);
                    let receipt = receipt_of(Status::Succeeded, gas, resources_out, ctx);
                    if let Some(rejected) = crate::vm::too_large(&receipt, &context.tx_capacity) {
                        state.discard();
                        return Ok(rejected);
                    }
                    state.commit(crate::u256::U256::ZERO, &executed);
                    return Ok(receipt);
                }
                Some((name, max, used)) => {
                    format!("Insufficient max {name}: max amount: {max}, actual used: {used}.")
                }
            }
        }
        Ok(r) => format!(
            "Execution failed. Failure reason: {}",
            if ctx.failures.is_empty() {
                r.reason.unwrap_or_default()
            } else {
                ctx.failure_trace()
            }
        ),
        Err(ExecError::Fatal(e)) => format!("Transaction execution has failed: {e}"),
        Err(interrupted) => return Err(interrupted),
    };
    // Reverted: nothing it did remains; it is charged its payload and the OS's work.
    state.discard();
    let gas = base.gas_vector(c, context.use_kzg_da);
    let resources = ctx.resources.clone();
    Ok(receipt_of(Status::Reverted(failure), gas, resources, ctx))
}
