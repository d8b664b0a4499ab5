//! Declare V3: `__validate_declare__`, then the class is declared; it cannot revert.

use crate::constants::{TxType, VersionedConstants};
use crate::state::{StateKey, StateValue};
use crate::transaction::account::{Flow, Outcome, V3Fields};
use crate::transaction::DeclareTx;
use crate::tx_state::TxState;
use crate::vm::StarknetVm;
use starknet_types_core::felt::Felt;

pub(crate) fn declare(
    vm: &StarknetVm,
    c: &'static VersionedConstants,
    t: &DeclareTx,
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
        proof_facts: &[],
    }
    .account_tx(TxType::Declare, 0, t.class.code_size());
    let mut flow = match Flow::start(vm, c, &account, state)? {
        Ok(flow) => flow,
        Err((flow, reason)) => return flow.reject(reason),
    };
    if let Err(reason) = flow.validate("__validate_declare__", vec![tx.class_hash.0])? {
        return flow.reject(reason);
    }
    if t.class.is_cairo0() {
        return flow.reject(
            "a Declare V3 declares a Cairo 1 class; Cairo 0 classes were declared by Declare V0 and V1, which Starknet no longer accepts"
                .to_string(),
        );
    }
    // The class's compiled class hash in either definition: Blake2s (0.14.1 on), or Poseidon,
    // which declares named before (the state then records what the transaction names, and a
    // migrating block later moves it to Blake2s).
    if t.class.compiled_class_hash() != tx.compiled_class_hash
        && t.class.legacy_compiled_class_hash() != tx.compiled_class_hash
    {
        return flow.reject(format!(
            "compiled class hash mismatch: the class hashes to {:#x} (Blake2s; {:#x} in the old Poseidon form), the transaction says {:#x}",
            t.class.compiled_class_hash().0,
            t.class.legacy_compiled_class_hash().0,
            tx.compiled_class_hash.0
        ));
    }
    let declared = flow
        .state
        .read_felt(&StateKey::CompiledClassHash(tx.class_hash))?;
    if declared != Felt::ZERO {
        return flow.reject(format!(
            "Class with hash {:#066x} is already declared.",
            tx.class_hash.0
        ));
    }
    flow.state.write(
        StateKey::CompiledClassHash(tx.class_hash),
        StateValue::Felt(tx.compiled_class_hash.0),
    );
    flow.state.write(
        StateKey::Class(tx.class_hash),
        StateValue::Class(Some(t.class.clone())),
    );
    flow.finish_non_revertible()
}
