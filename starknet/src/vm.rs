//! [`StarknetVm`]: the engine's VM trait for Starknet transactions.

use starkstm_engine::{TransactionExecutor, TxView};

use crate::constants::{ConstantsError, VersionedConstants};
use crate::context::BlockContext;
use crate::receipt::{GasVector, Receipt, Resources, Status};
use crate::state::{StateKey, StateValue};
use crate::transaction::{declare, deploy_account, invoke, l1_handler, Transaction};
use crate::tx_state::TxState;

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
    /// The constants of the context's Starknet version, or why there are none (then every
    /// transaction is rejected with it).
    constants: Result<&'static VersionedConstants, ConstantsError>,
}

impl StarknetVm {
    /// A VM for a block with `context`. A Starknet version without published constants is
    /// not an error here: every transaction is rejected naming it (see [`try_new`](Self::try_new)).
    pub fn new(context: BlockContext) -> StarknetVm {
        let constants = context.constants();
        StarknetVm { context, constants }
    }

    /// A VM for a block with `context`, or why its Starknet version cannot be executed.
    pub fn try_new(context: BlockContext) -> Result<StarknetVm, ConstantsError> {
        let constants = context.constants()?;
        Ok(StarknetVm {
            context,
            constants: Ok(constants),
        })
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
        let c = match &self.constants {
            Ok(c) => *c,
            Err(e) => {
                state.discard();
                return Ok(Receipt {
                    tx_hash: tx.hash(),
                    status: Status::Rejected(e.to_string()),
                    actual_fee: 0,
                    gas: GasVector::default(),
                    resources: Resources::default(),
                    events: Vec::new(),
                    messages: Vec::new(),
                });
            }
        };
        let result = match tx {
            Transaction::Invoke(t) => invoke::invoke(self, c, t, state),
            Transaction::DeployAccount(t) => deploy_account::deploy_account(self, c, t, state),
            Transaction::Declare(t) => declare::declare(self, c, t, state),
            Transaction::L1Handler(t) => l1_handler::l1_handler(self, c, t, state),
        };
        result.map_err(|_| Interrupted)
    }
}

/// The rejection of a transaction that uses more than `capacity` (it could never fit in a block),
/// or `None` if it fits.
pub(crate) fn too_large(
    receipt: &Receipt,
    capacity: &crate::limits::BlockCapacity,
) -> Option<Receipt> {
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
