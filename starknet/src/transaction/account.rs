//! What every account transaction goes through: the nonce, the bounds against the block's
//! prices and the sender's balance, `__validate*__`, the receipt (gas vector and fee), the
//! checks after execution, and the fee transfer.

use cairo_vm::vm::runners::cairo_runner::ExecutionResources;
use starknet_api::abi::abi_utils::selector_from_name;
use starknet_api::core::{ContractAddress, Nonce};
use starknet_api::transaction::fields::{AllResourceBounds, ValidResourceBounds};
use starknet_api::transaction::TransactionHash;
use starknet_types_core::felt::Felt;

use crate::class::EntryPointKind;
use crate::constants::{TxType, VersionedConstants};
use crate::execution::{execute_call, CallRequest, CallResult, ExecCtx, ExecError, TxInfo};
use crate::fee::bounds::{can_pay, check_bounds, max_possible_fee, minimal_gas};
use crate::fee::gas_vector::{fee_of, TxResources};
use crate::receipt::{GasVector, Receipt, Resources, Status};
use crate::state::{StateKey, StateValue};
use crate::transaction::bounds_for_info;
use crate::tx_state::TxState;
use crate::u256::U256;
use crate::vm::StarknetVm;

pub(crate) type Outcome = Result<Receipt, ExecError>;

/// An account transaction's common fields.
pub(crate) struct AccountTx<'a> {
    pub(crate) hash: TransactionHash,
    pub(crate) sender: ContractAddress,
    pub(crate) nonce: Nonce,
    pub(crate) bounds: &'a ValidResourceBounds,
    pub(crate) tip: u64,
    pub(crate) info: TxInfo,
    pub(crate) tx_type: TxType,
    /// Calldata felts with proof facts (a deploy account's constructor calldata; 0 for a
    /// declare): what the OS's resources scale with and archival data counts.
    pub(crate) calldata_len: usize,
    pub(crate) signature_len: usize,
    pub(crate) code_size: usize,
    pub(crate) has_proof: bool,
}

/// The fields every V3 account transaction shares.
pub(crate) struct V3Fields<'a> {
    pub(crate) hash: TransactionHash,
    pub(crate) sender: ContractAddress,
    pub(crate) nonce: Nonce,
    pub(crate) bounds: &'a ValidResourceBounds,
    pub(crate) signature: &'a [Felt],
    pub(crate) tip: u64,
    pub(crate) paymaster_data: &'a [Felt],
    pub(crate) nonce_da: u64,
    pub(crate) fee_da: u64,
    pub(crate) account_deployment_data: &'a [Felt],
    pub(crate) proof_facts: &'a [Felt],
}

impl<'a> V3Fields<'a> {
    /// The transaction as the flow sees it (`calldata_len` without the proof facts, which
    /// are added).
    pub(crate) fn account_tx(
        self,
        tx_type: TxType,
        calldata_len: usize,
        code_size: usize,
    ) -> AccountTx<'a> {
        AccountTx {
            hash: self.hash,
            sender: self.sender,
            nonce: self.nonce,
            bounds: self.bounds,
            tip: self.tip,
            tx_type,
            calldata_len: calldata_len + self.proof_facts.len(),
            signature_len: self.signature.len(),
            code_size,
            has_proof: !self.proof_facts.is_empty(),
            info: TxInfo {
                version: Felt::THREE,
                account: *self.sender.0.key(),
                signature: self.signature.to_vec(),
                hash: self.hash.0,
                nonce: self.nonce.0,
                resource_bounds: bounds_for_info(self.bounds),
                tip: Felt::from(self.tip),
                paymaster_data: self.paymaster_data.to_vec(),
                nonce_da: Felt::from(self.nonce_da),
                fee_da: Felt::from(self.fee_da),
                account_deployment_data: self.account_deployment_data.to_vec(),
                proof_facts: self.proof_facts.to_vec(),
                deprecated: false,
            },
        }
    }
}

/// Where an account transaction stands.
pub(crate) struct Flow<'s, 't, 'v, 'x> {
    pub(crate) vm: &'s StarknetVm,
    pub(crate) c: &'static VersionedConstants,
    pub(crate) state: TxState<'t, 'v>,
    pub(crate) ctx: ExecCtx<'x>,
    pub(crate) tx: &'x AccountTx<'x>,
    pub(crate) bounds: AllResourceBounds,
    /// The gas the transaction may still use (its L2 bound, less what its calls consumed).
    pub(crate) remaining_gas: u64,
    /// Sierra gas and charged VM resources of the calls so far (validate, execute,
    /// constructor).
    pub(crate) sierra_gas: u64,
    pub(crate) vm_resources: ExecutionResources,
    /// Steps charged to `__validate__` (they come off `__execute__`'s budget).
    pub(crate) validate_steps: usize,
    /// Whether the transaction pays a fee (bounds above zero).
    pub(crate) charge_fee: bool,
}

impl<'s: 'x, 't, 'v, 'x> Flow<'s, 't, 'v, 'x> {
    /// Checks the nonce, the bounds and the balance, and bumps the nonce: the pre-validation
    /// every account transaction goes through. `Err` carries a flow to reject with.
    pub(crate) fn start(
        vm: &'s StarknetVm,
        c: &'static VersionedConstants,
        tx: &'x AccountTx<'x>,
        mut state: TxState<'t, 'v>,
    ) -> Result<Result<Self, (Self, String)>, ExecError> {
        let ctx = ExecCtx::new(vm.context(), c, &tx.info);
        let nonce = state.read_felt(&StateKey::Nonce(tx.sender))?;
        let bounds = match tx.bounds {
            ValidResourceBounds::AllResources(all) => *all,
            ValidResourceBounds::L1Gas(_) => AllResourceBounds::default(),
        };
        let tip = u128::from(tx.tip);
        let mut flow = Flow {
            vm,
            c,
            state,
            ctx,
            tx,
            bounds,
            remaining_gas: bounds.l2_gas.max_amount.0,
            sierra_gas: 0,
            vm_resources: ExecutionResources::default(),
            validate_steps: 0,
            charge_fee: max_possible_fee(&bounds, tip) > 0,
        };
        if nonce != tx.nonce.0 {
            let reason = format!(
                "Invalid transaction nonce of contract at address {:#066x}. Account nonce: {nonce:#066x}; got: {:#066x}.",
                tx.sender.0.key(),
                tx.nonce.0
            );
            return Ok(Err((flow, reason)));
        }
        if !matches!(tx.bounds, ValidResourceBounds::AllResources(_)) {
            return Ok(Err((
                flow,
                "resource bounds must name L1, L2 and L1 data gas".into(),
            )));
        }
        flow.state.write(
            StateKey::Nonce(tx.sender),
            StateValue::Felt(nonce + Felt::ONE),
        );
        if flow.charge_fee {
            let context = vm.context();
            let minimal = minimal_gas(c, tx.tx_type, tx.calldata_len, context.use_kzg_da);
            if let Err(reason) = check_bounds(&bounds, &minimal, &context.gas_prices) {
                return Ok(Err((flow, reason)));
            }
            let committed = max_possible_fee(&bounds, flow.effective_tip());
            let balance = flow.sender_balance()?;
            if !can_pay(balance, committed) {
                let reason = format!(
                    "Resources bounds (max fee {committed}) exceed balance ({}).",
                    balance_text(balance)
                );
                return Ok(Err((flow, reason)));
            }
        }
        if !tx.info.proof_facts.is_empty() {
            let facts = &tx.info.proof_facts;
            let checked =
                crate::transaction::proof_facts::check(c, vm.context(), facts, &mut flow.state)?;
            if let Err(reason) = checked {
                return Ok(Err((flow, reason)));
            }
        }
        Ok(Ok(flow))
    }

    pub(crate) fn effective_tip(&self) -> u128 {
        if self.c.enable_tip {
            u128::from(self.tx.tip)
        } else {
            0
        }
    }

    pub(crate) fn sender_balance(&mut self) -> Result<U256, ExecError> {
        let (low, high) = crate::fee::balance_slots(self.tx.sender);
        let token = self.vm.context().fee_token;
        let low = self.state.storage_read(token, low)?;
        let high = self.state.storage_read(token, high)?;
        Ok(U256::from_felts(low, high).unwrap_or(U256::ZERO))
    }

    /// Rejects the transaction: nothing it did remains.
    pub(crate) fn reject(self, reason: impl Into<String>) -> Outcome {
        let Flow { state, ctx, tx, .. } = self;
        state.discard();
        Ok(Receipt {
            tx_hash: tx.hash,
            status: Status::Rejected(reason.into()),
            actual_fee: 0,
            gas: GasVector::default(),
            resources: ctx.resources,
            events: Vec::new(),
            messages: Vec::new(),
        })
    }

    /// The step budget of a phase (`validate` or execute), as the L2 bound and the constants
    /// allow.
    pub(crate) fn step_budget(&self, validate: bool) -> usize {
        let cap = if validate {
            self.c.validate_max_n_steps
        } else {
            self.c.invoke_tx_max_n_steps
        };
        let by_bound = if self.charge_fee && self.c.step_gas_cost > 0 {
            self.bounds.l2_gas.max_amount.0 / self.c.step_gas_cost
        } else {
            u64::MAX
        };
        usize::try_from(cap.min(by_bound)).unwrap_or(usize::MAX)
    }

    /// Runs an entry point of the sender with `gas` (a phase of the transaction).
    pub(crate) fn call(
        &mut self,
        name: &str,
        calldata: Vec<Felt>,
        gas: u64,
    ) -> Result<CallResult, ExecError> {
        execute_call(
            &mut self.state,
            &mut self.ctx,
            CallRequest {
                kind: EntryPointKind::External,
                class_hash: None,
                storage_address: self.tx.sender,
                caller: ContractAddress::default(),
                selector: selector_from_name(name).0,
                calldata,
                initial_gas: gas,
            },
        )
    }

    /// Adds a finished call's gas and resources to the transaction's.
    pub(crate) fn account_for(&mut self, result: &CallResult) {
        self.remaining_gas = self.remaining_gas.saturating_sub(result.gas_consumed);
        self.sierra_gas = self.sierra_gas.saturating_add(result.gas_consumed);
        self.vm_resources += &result.resources;
    }

    /// Runs a `__validate*__` entry point; `Err(reason)` if it failed or (a Cairo 1 account)
    /// did not return `VALID`.
    pub(crate) fn validate(
        &mut self,
        name: &str,
        calldata: Vec<Felt>,
    ) -> Result<Result<(), String>, ExecError> {
        // Only a Cairo 1 account must say `VALID` (the class as it is before `__validate__`).
        let class_hash = self
            .state
            .read_felt(&StateKey::ClassHashAt(self.tx.sender))?;
        let cairo0 = self
            .state
            .read(&StateKey::Class(starknet_api::core::ClassHash(class_hash)))?
            .class()
            .is_some_and(|class| class.is_cairo0());
        let gas = self.remaining_gas.min(self.c.validate_max_sierra_gas);
        let steps = self.step_budget(true);
        self.ctx.begin_phase(true, steps, gas);
        let result = self.call(name, calldata, gas);
        self.ctx.validate_mode = false;
        let result = match result {
            Err(ExecError::Fatal(e)) => {
                return Ok(Err(format!("Transaction validation has failed: {e}")))
            }
            other => other?,
        };
        if result.failed {
            let reason = if self.ctx.failures.is_empty() {
                result.reason.unwrap_or_default()
            } else {
                self.ctx.failure_trace()
            };
            self.ctx.failures.clear();
            return Ok(Err(format!(
                "The `validate` entry point panicked with: {reason}"
            )));
        }
        if !cairo0 && result.retdata != [crate::execution::short_string("VALID")] {
            return Ok(Err(format!("{name} did not return VALID")));
        }
        self.validate_steps = result.resources.n_steps;
        self.account_for(&result);
        Ok(Ok(()))
    }

    /// What the transaction used so far, for its gas vector.
    pub(crate) fn tx_resources(
        &mut self,
        reverted_sierra_gas: u64,
        reverted_steps: usize,
    ) -> Result<TxResources, ExecError> {
        let context = self.vm.context();
        let state = self
            .state
            .state_changes(Some(self.tx.sender), context.fee_token)?;
        Ok(TxResources {
            tx_type: self.tx.tx_type,
            calldata_len: self.tx.calldata_len,
            signature_len: self.tx.signature_len,
            code_size: self.tx.code_size,
            has_proof: self.tx.has_proof,
            state,
            n_event_keys: self.ctx.charged_events().map(|e| e.keys.len()).sum(),
            n_event_data: self.ctx.charged_events().map(|e| e.data.len()).sum(),
            message_payloads: self.ctx.messages.iter().map(|m| m.payload.len()).collect(),
            l1_handler_payload: None,
            vm: self.vm_resources.clone(),
            sierra_gas: self.sierra_gas,
            reverted_sierra_gas,
            reverted_steps,
        })
    }

    /// The gas vector and fee of `resources`.
    pub(crate) fn price(&self, resources: &TxResources) -> (GasVector, u128) {
        let context = self.vm.context();
        let gas = resources.gas_vector(self.c, context.use_kzg_da);
        let fee = fee_of(&gas, &context.gas_prices, self.effective_tip());
        (gas, fee)
    }

    /// Pays `fee` to the sequencer and finishes the transaction with `status` and `gas`.
    pub(crate) fn finish(mut self, status: Status, gas: GasVector, fee: u128) -> Outcome {
        let context = self.vm.context();
        let mut credit = U256::ZERO;
        if self.charge_fee && fee > 0 {
            let steps = self.step_budget(false);
            self.ctx
                .begin_phase(false, steps, self.c.default_initial_gas_cost);
            let fee_mode = self.tx.sender != context.sequencer;
            if fee_mode {
                self.state.begin_fee_transfer();
            }
            let transfer = execute_call(
                &mut self.state,
                &mut self.ctx,
                CallRequest {
                    kind: EntryPointKind::External,
                    class_hash: None,
                    storage_address: context.fee_token,
                    caller: self.tx.sender,
                    selector: selector_from_name("transfer").0,
                    calldata: vec![*context.sequencer.0.key(), Felt::from(fee), Felt::ZERO],
                    initial_gas: self.c.default_initial_gas_cost,
                },
            );
            let transfer_error = match transfer {
                Err(ExecError::Fatal(e)) => Some(e),
                // A transfer that fails is not checked (as on Starknet): its effects are gone.
                Ok(_) => None,
                Err(interrupted) => return Err(interrupted),
            };
            if fee_mode {
                match self.state.end_fee_transfer() {
                    Some(c) => credit = c,
                    None => return self.reject("the fee transfer wrote a non-u256 balance"),
                }
            }
            if let Some(e) = transfer_error {
                return self.reject(format!("the fee transfer failed: {e}"));
            }
        }
        let Flow { state, ctx, tx, .. } = self;
        let state_writes = state.n_writes() as u64 + u64::from(credit != U256::ZERO);
        let receipt = Receipt {
            tx_hash: tx.hash,
            status,
            actual_fee: fee,
            gas,
            resources: Resources {
                l2_gas: gas.l2_gas,
                state_writes,
                ..ctx.resources
            },
            events: ctx.events,
            messages: ctx.messages,
        };
        if let Some(rejected) = crate::vm::too_large(&receipt, &context.tx_capacity) {
            state.discard();
            return Ok(rejected);
        }
        state.commit(credit, &ctx.executed);
        Ok(receipt)
    }

    /// Finishes a transaction that cannot revert (declare, deploy account): rejected if the
    /// actual gas exceeds a bound or the fee the balance.
    pub(crate) fn finish_non_revertible(mut self) -> Outcome {
        let resources = self.tx_resources(0, 0)?;
        let (gas, fee) = self.price(&resources);
        if self.charge_fee {
            if let Some(reason) = crate::fee::bounds::exceeded_bound(&self.bounds, &gas) {
                return self.reject(reason);
            }
            let balance = self.sender_balance()?;
            if !can_pay(balance, fee) {
                return self.reject(insufficient_balance(fee, balance));
            }
        }
        self.finish(Status::Succeeded, gas, fee)
    }
}

fn balance_text(balance: U256) -> String {
    if balance.high == 0 {
        balance.low.to_string()
    } else {
        format!("{:#x}{:032x}", balance.high, balance.low)
    }
}

/// The revert reason of a fee the balance does not cover.
pub(crate) fn insufficient_balance(fee: u128, balance: U256) -> String {
    format!(
        "Insufficient fee token balance. Fee: {fee}, balance: low/high {}/{}.",
        balance.low, balance.high
    )
}
