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
    // From 0.14.1 the transaction must name the class's Blake2s compiled class hash (v2), as
    // starkstm's compiler computes it. Before, the protocol's executor took whatever hash the
    // transaction names (the gateway, not the executor, checked it: it was the Poseidon hash,
    // and a later migrating block moves it to Blake2s); so does starkstm, so that a replayed
    // block gives the chain's diff even where the chain's compiler made other CASM.
    if c.block_casm_hash_v1_declares && t.class.compiled_class_hash() != tx.compiled_class_hash {
        return flow.reject(format!(
            "compiled class hash mismatch for class {:#x}: the transaction names {:#x}, the class's Blake2s (v2) hash is {:#x}",
            tx.class_hash.0,
            tx.compiled_class_hash.0,
            t.class.compiled_class_hash().0,
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
