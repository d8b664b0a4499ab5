//! [`StarknetVm`]: the engine's VM trait for Starknet transactions.

use starknet_api::abi::abi_utils::selector_from_name;
use starknet_api::core::{ContractAddress, Nonce};
use starknet_api::transaction::fields::ValidResourceBounds;
use starknet_api::transaction::TransactionHash;
use starknet_types_core::felt::Felt;
use starkstm_engine::{TransactionExecutor, TxView};

use crate::class::EntryPointKind;
use crate::context::BlockContext;
use crate::execution::{deploy, execute_call, CallRequest, CallResult, ExecCtx, ExecError, TxInfo};
use crate::receipt::{GasVector, Receipt, Resources, Status};
use crate::state::{StateKey, StateValue};
use crate::transaction::{
    bounds_for_info, l2_bounds, DeclareTx, DeployAccountTx, InvokeTx, L1HandlerTx, Transaction,
};
use crate::tx_state::TxState;
use crate::u256::U256;

/// Execution was interrupted by the engine (a read depended on a transaction being
/// re-executed, or the base state failed). The engine discards the incarnation; it is never a
/// block's final result unless the base state failed, which the engine reports itself.
#[derive(Debug, thiserror::Error)]
#[error("execution interrupted")]
pub struct Interrupted;

/// Executes Starknet transactions for starkstm's executors, in one block's context.
#[derive(Clone, Debug)]
pub struct StarknetVm {
    context: BlockContext,
}

impl StarknetVm {
    /// A VM for a block with `context`.
    pub fn new(context: BlockContext) -> StarknetVm {
        StarknetVm { context }
    }

    /// The block context.
    pub fn context(&self) -> &BlockContext {
        &self.context
    }
}

impl TransactionExecutor for StarknetVm {
    type Transaction = Transaction;
    type Key = StateKey;
    type Value = StateValue;
    type Output = Receipt;
    type Error = Interrupted;

    fn execute(
        &self,
        tx: &Transaction,
        view: &mut TxView<'_, StateKey, StateValue>,
    ) -> Result<Receipt, Interrupted> {
        let state = TxState::new(view, &self.context);
        let result = match tx {
            Transaction::Invoke(t) => self.invoke(t, state),
            Transaction::DeployAccount(t) => self.deploy_account(t, state),
            Transaction::Declare(t) => self.declare(t, state),
            Transaction::L1Handler(t) => self.l1_handler(t, state),
        };
        result.map_err(|_| Interrupted)
    }
}

/// An account transaction's common fields.
struct AccountTx<'a> {
    hash: TransactionHash,
    sender: ContractAddress,
    nonce: Nonce,
    bounds: &'a ValidResourceBounds,
    info: TxInfo,
}

/// The fields every V3 account transaction shares, as `AccountTx` needs them.
struct V3Fields<'a> {
    hash: TransactionHash,
    sender: ContractAddress,
    nonce: Nonce,
    bounds: &'a ValidResourceBounds,
    signature: &'a [Felt],
    tip: u64,
    paymaster_data: &'a [Felt],
    nonce_da: u64,
    fee_da: u64,
    account_deployment_data: &'a [Felt],
    proof_facts: &'a [Felt],
}

impl<'a> V3Fields<'a> {
    fn account_tx(self) -> AccountTx<'a> {
        AccountTx {
            hash: self.hash,
            sender: self.sender,
            nonce: self.nonce,
            bounds: self.bounds,
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
            },
        }
    }
}

/// Where an account transaction stands.
struct Flow<'s, 't, 'v, 'x> {
    vm: &'s StarknetVm,
    state: TxState<'t, 'v>,
    ctx: ExecCtx<'x>,
    hash: TransactionHash,
    sender: ContractAddress,
    max_gas: u64,
    /// L2 gas used by calls so far (validate, execute, constructor).
    call_gas: u64,
}

type Outcome = Result<Receipt, ExecError>;

impl<'t, 'v, 'x> Flow<'_, 't, 'v, 'x> {
    fn reject(self, reason: impl Into<String>) -> Outcome {
        let Flow {
            state,
            ctx,
            hash,
            call_gas,
            ..
        } = self;
        state.discard();
        Ok(Receipt {
            tx_hash: hash,
            status: Status::Rejected(reason.into()),
            actual_fee: 0,
            gas: GasVector::default(),
            resources: Resources {
                l2_gas: call_gas,
                ..ctx.resources
            },
            events: Vec::new(),
            messages: Vec::new(),
        })
    }

    /// Gas of the transaction as it stands: calls, base cost, state writes.
    fn l2_gas(&self) -> u64 {
        let costs = &self.vm.context.gas;
        self.call_gas.saturating_add(costs.tx_base).saturating_add(
            costs
                .state_write
                .saturating_mul(self.state.n_writes() as u64),
        )
    }

    fn gas_left(&self) -> u64 {
        self.max_gas.saturating_sub(self.l2_gas())
    }

    fn sender_balance(&mut self) -> Result<U256, ExecError> {
        let (low, high) = crate::fee::balance_slots(self.sender);
        let token = self.vm.context.fee_token;
        let low = self.state.storage_read(token, low)?;
        let high = self.state.storage_read(token, high)?;
        Ok(U256::from_felts(low, high).unwrap_or(U256::ZERO))
    }

    fn call(
        &mut self,
        kind: EntryPointKind,
        address: ContractAddress,
        name: &str,
        calldata: Vec<Felt>,
        gas: u64,
    ) -> Result<CallResult, ExecError> {
        let result = execute_call(
            &mut self.state,
            &mut self.ctx,
            CallRequest {
                kind,
                class_hash: None,
                storage_address: address,
                caller: ContractAddress::default(),
                selector: selector_from_name(name).0,
                calldata,
                initial_gas: gas,
            },
        );
        let mut result = match result {
            Err(ExecError::OutOfSteps) => CallResult {
                failed: true,
                retdata: vec![],
                gas_consumed: gas,
                reason: Some("out of Cairo steps".to_string()),
            },
            other => other?,
        };
        if result.failed && !self.ctx.failures.is_empty() {
            result.reason = Some(self.ctx.failure_trace());
        }
        self.ctx.failures.clear();
        self.call_gas = self.call_gas.saturating_add(result.gas_consumed);
        Ok(result)
    }

    /// Runs a `__validate*__` entry point; `Err(reason)` if it did not return `VALID`.
    fn validate(
        &mut self,
        name: &str,
        calldata: Vec<Felt>,
    ) -> Result<Result<(), String>, ExecError> {
        let gas = self.vm.context.gas.max_validate_gas.min(self.gas_left());
        self.ctx.validate_mode = true;
        let result = self.call(EntryPointKind::External, self.sender, name, calldata, gas)?;
        self.ctx.validate_mode = false;
        if result.failed {
            return Ok(Err(format!(
                "{name} failed: {}",
                result.reason.unwrap_or_default()
            )));
        }
        if result.retdata != [crate::execution::short_string("VALID")] {
            return Ok(Err(format!("{name} did not return VALID")));
        }
        Ok(Ok(()))
    }

    /// Charges the fee and finishes the transaction.
    fn finish(mut self, status: Status) -> Outcome {
        let price = self.vm.context.gas_prices.l2_gas;
        let l2_gas = self.l2_gas().min(self.max_gas);
        let fee = u128::from(l2_gas).saturating_mul(price);
        let context = &self.vm.context;
        let mut credit = U256::ZERO;
        if fee > 0 {
            // The fee transfer has its own step budget: a transaction that ran out of steps
            // still pays.
            self.ctx.steps_left = context.gas.max_steps;
            let fee_mode = self.sender != context.sequencer;
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
                    caller: self.sender,
                    selector: selector_from_name("transfer").0,
                    calldata: vec![*context.sequencer.0.key(), Felt::from(fee), Felt::ZERO],
                    initial_gas: context.gas.max_validate_gas,
                },
            );
            let transfer = match transfer {
                Err(ExecError::OutOfSteps) => {
                    return self.reject("the fee transfer ran out of Cairo steps")
                }
                other => other?,
            };
            if fee_mode {
                match self.state.end_fee_transfer() {
                    Some(c) => credit = c,
                    None => return self.reject("the fee transfer wrote a non-u256 balance"),
                }
            }
            if transfer.failed {
                let reason = transfer.reason.unwrap_or_default();
                return self.reject(format!("the fee transfer failed: {reason}"));
            }
        }
        let Flow {
            state, ctx, hash, ..
        } = self;
        let state_writes = state.n_writes() as u64 + u64::from(credit != U256::ZERO);
        let receipt = Receipt {
            tx_hash: hash,
            status,
            actual_fee: fee,
            gas: GasVector {
                l2_gas,
                ..GasVector::default()
            },
            resources: Resources {
                l2_gas,
                state_writes,
                ..ctx.resources
            },
            events: ctx.events,
            messages: ctx.messages,
        };
        if let Some(rejected) = too_large(&receipt, &context.tx_capacity) {
            state.discard();
            return Ok(rejected);
        }
        state.commit(credit);
        Ok(receipt)
    }
}

impl StarknetVm {
    /// Checks the nonce, price and balance, and bumps the nonce: the pre-validation every
    /// account transaction goes through. `Err(reason)` rejects the transaction.
    fn start<'s: 'x, 't, 'v, 'x>(
        &'s self,
        tx: &'x AccountTx<'_>,
        mut state: TxState<'t, 'v>,
        expect_deployed: bool,
    ) -> Result<Result<Flow<'s, 't, 'v, 'x>, (Flow<'s, 't, 'v, 'x>, String)>, ExecError> {
        let (max_gas, max_price) = l2_bounds(tx.bounds);
        let ctx = ExecCtx::new(&self.context, &tx.info);
        let nonce = state.read_felt(&StateKey::Nonce(tx.sender))?;
        let deployed = state.read_felt(&StateKey::ClassHashAt(tx.sender))? != Felt::ZERO;
        let mut flow = Flow {
            vm: self,
            state,
            ctx,
            hash: tx.hash,
            sender: tx.sender,
            max_gas,
            call_gas: 0,
        };
        if expect_deployed && !deployed {
            return Ok(Err((
                flow,
                format!("account {} is not deployed", tx.sender),
            )));
        }
        if nonce != tx.nonce.0 {
            return Ok(Err((
                flow,
                format!(
                    "invalid nonce: the account's nonce is {nonce}, the transaction's {}",
                    tx.nonce.0
                ),
            )));
        }
        if !matches!(tx.bounds, ValidResourceBounds::AllResources(_)) {
            return Ok(Err((
                flow,
                "resource bounds must name L1, L2 and L1 data gas".into(),
            )));
        }
        if max_price < self.context.gas_prices.l2_gas {
            return Ok(Err((
                flow,
                format!(
                    "L2 gas price bound {max_price} is below the block's price {}",
                    self.context.gas_prices.l2_gas
                ),
            )));
        }
        let max_fee = U256::from_u128(u128::from(max_gas).saturating_mul(max_price));
        let balance = flow.sender_balance()?;
        if balance < max_fee {
            return Ok(Err((
                flow,
                format!(
                    "insufficient fee-token balance: {} < max fee {}",
                    balance.low, max_fee.low
                ),
            )));
        }
        flow.state.write(
            StateKey::Nonce(tx.sender),
            StateValue::Felt(nonce + Felt::ONE),
        );
        Ok(Ok(flow))
    }

    fn invoke(&self, t: &InvokeTx, state: TxState<'_, '_>) -> Outcome {
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
        .account_tx();
        let mut flow = match self.start(&account, state, true)? {
            Ok(flow) => flow,
            Err((flow, reason)) => return flow.reject(reason),
        };
        let calldata = tx.calldata.0.to_vec();
        if let Err(reason) = flow.validate("__validate__", calldata.clone())? {
            return flow.reject(reason);
        }
        // `__validate__` may call other contracts; if it spent what pays the fee, reject now
        // rather than execute for free.
        let (max_gas, max_price) = l2_bounds(&tx.resource_bounds);
        let max_fee = U256::from_u128(u128::from(max_gas).saturating_mul(max_price));
        if flow.sender_balance()? < max_fee {
            return flow.reject("__validate__ left the account unable to pay the maximal fee");
        }
        let checkpoint = flow.state.checkpoint();
        let (n_events, n_messages) = (flow.ctx.events.len(), flow.ctx.messages.len());
        let gas = flow.gas_left();
        let result = flow.call(
            EntryPointKind::External,
            flow.sender,
            "__execute__",
            calldata,
            gas,
        )?;
        let mut status = if result.failed {
            Status::Reverted(result.reason.unwrap_or_default())
        } else {
            Status::Succeeded
        };
        let revert = |flow: &mut Flow<'_, '_, '_, '_>| {
            flow.state.rollback(checkpoint);
            flow.ctx.events.truncate(n_events);
            flow.ctx.messages.truncate(n_messages);
        };
        if status == Status::Succeeded && flow.l2_gas() > flow.max_gas {
            revert(&mut flow);
            status = Status::Reverted("the L2 gas bound was exceeded".into());
        }
        if status == Status::Succeeded {
            let fee = u128::from(flow.l2_gas()).saturating_mul(self.context.gas_prices.l2_gas);
            if flow.sender_balance()? < U256::from_u128(fee) {
                revert(&mut flow);
                status = Status::Reverted("insufficient fee-token balance to pay the fee".into());
            }
        }
        flow.finish(status)
    }

    fn deploy_account(&self, t: &DeployAccountTx, state: TxState<'_, '_>) -> Outcome {
        let tx = &t.tx;
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
        .account_tx();
        let mut flow = match self.start(&account, state, false)? {
            Ok(flow) => flow,
            Err((flow, reason)) => return flow.reject(reason),
        };
        let gas = self.context.gas.max_validate_gas.min(flow.gas_left());
        let constructor_calldata = tx.constructor_calldata.0.to_vec();
        let result = deploy(
            &mut flow.state,
            &mut flow.ctx,
            tx.class_hash,
            t.address,
            ContractAddress::default(),
            constructor_calldata.clone(),
            gas,
        );
        let result = match result {
            Err(ExecError::OutOfSteps) => {
                return flow.reject("the constructor ran out of Cairo steps")
            }
            other => other?,
        };
        flow.call_gas = flow.call_gas.saturating_add(result.gas_consumed);
        if result.failed {
            let reason = result.reason.unwrap_or_default();
            return flow.reject(format!("deploying the account failed: {reason}"));
        }
        let mut calldata = vec![tx.class_hash.0, tx.contract_address_salt.0];
        calldata.extend(constructor_calldata);
        if let Err(reason) = flow.validate("__validate_deploy__", calldata)? {
            return flow.reject(reason);
        }
        if flow.l2_gas() > flow.max_gas {
            return flow.reject("the L2 gas bound was exceeded");
        }
        flow.finish(Status::Succeeded)
    }

    fn declare(&self, t: &DeclareTx, state: TxState<'_, '_>) -> Outcome {
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
            proof_facts: &[],
        }
        .account_tx();
        let mut flow = match self.start(&account, state, true)? {
            Ok(flow) => flow,
            Err((flow, reason)) => return flow.reject(reason),
        };
        if t.class.compiled_class_hash() != tx.compiled_class_hash {
            return flow.reject(format!(
                "compiled class hash mismatch: the class hashes to {}, the transaction says {}",
                t.class.compiled_class_hash().0,
                tx.compiled_class_hash.0
            ));
        }
        let declared = flow
            .state
            .read_felt(&StateKey::CompiledClassHash(tx.class_hash))?;
        if declared != Felt::ZERO {
            return flow.reject(format!("class {} is already declared", tx.class_hash.0));
        }
        if let Err(reason) = flow.validate("__validate_declare__", vec![tx.class_hash.0])? {
            return flow.reject(reason);
        }
        flow.state.write(
            StateKey::CompiledClassHash(tx.class_hash),
            StateValue::Felt(tx.compiled_class_hash.0),
        );
        flow.state.write(
            StateKey::Class(tx.class_hash),
            StateValue::Class(Some(t.class.clone())),
        );
        if flow.l2_gas() > flow.max_gas {
            return flow.reject("the L2 gas bound was exceeded");
        }
        flow.finish(Status::Succeeded)
    }

    fn l1_handler(&self, t: &L1HandlerTx, mut state: TxState<'_, '_>) -> Outcome {
        let tx = &t.tx;
        let info = TxInfo {
            version: Felt::ZERO,
            hash: t.hash.0,
            nonce: tx.nonce.0,
            ..TxInfo::default()
        };
        let mut ctx = ExecCtx::new(&self.context, &info);
        let receipt = |status, resources: Resources, events, messages| Receipt {
            tx_hash: t.hash,
            gas: match status {
                Status::Rejected(_) => GasVector::default(),
                _ => GasVector {
                    l2_gas: resources.l2_gas,
                    ..GasVector::default()
                },
            },
            status,
            actual_fee: 0,
            resources,
            events,
            messages,
        };
        if t.paid_fee_on_l1 == 0 {
            state.discard();
            return Ok(receipt(
                Status::Rejected("no fee was paid on L1".into()),
                Resources::default(),
                vec![],
                vec![],
            ));
        }
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
                initial_gas: self.context.gas.max_l1_handler_gas,
            },
        );
        let result = match result {
            Err(ExecError::OutOfSteps) => CallResult {
                failed: true,
                retdata: vec![],
                gas_consumed: self.context.gas.max_l1_handler_gas,
                reason: Some("out of Cairo steps".into()),
            },
            other => other?,
        };
        let mut resources = ctx.resources;
        resources.l2_gas = result.gas_consumed;
        if result.failed {
            state.discard();
            return Ok(receipt(
                Status::Reverted(result.reason.unwrap_or_default()),
                resources,
                vec![],
                vec![],
            ));
        }
        resources.state_writes = state.n_writes() as u64;
        let succeeded = receipt(Status::Succeeded, resources, ctx.events, ctx.messages);
        if let Some(rejected) = too_large(&succeeded, &self.context.tx_capacity) {
            state.discard();
            return Ok(rejected);
        }
        state.commit(U256::ZERO);
        Ok(succeeded)
    }
}

/// The rejection of a transaction that uses more than `capacity` (it could never fit in a block),
/// or `None` if it fits.
fn too_large(receipt: &Receipt, capacity: &crate::limits::BlockCapacity) -> Option<Receipt> {
    let limit = crate::limits::BlockUsage::of(receipt).exceeds(capacity)?;
    Some(Receipt {
        tx_hash: receipt.tx_hash,
        status: Status::Rejected(format!(
            "too large for a block: it exceeds the block's {limit} capacity on its own"
        )),
        actual_fee: 0,
        gas: GasVector::default(),
        resources: Resources {
            state_writes: 0,
            ..receipt.resources.clone()
        },
        events: Vec::new(),
        messages: Vec::new(),
    })
}
