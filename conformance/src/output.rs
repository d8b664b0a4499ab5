//! blockifier's results in our output-file types.

use std::collections::BTreeMap;

use blockifier::blockifier::transaction_executor::{
    BlockExecutionSummary, TransactionExecutionOutput, TransactionExecutorResult,
};
use blockifier::blockifier_versioned_constants::VersionedConstants;
use blockifier::execution::call_info::CallInfo;
use blockifier::transaction::objects::TransactionExecutionInfo;
use starknet_api::core::ContractAddress;
use starkstm_starknet::{
    Event, GasVector, L2ToL1Message, Receipt, Resources, StateDiff, Status, Transaction,
};

/// The gas vector of one transaction.
pub type Gas = GasVector;

/// Our receipt of `tx` from blockifier's result for it (`None`: blockifier stopped before it,
/// the block being full), and the full gas vector.
pub fn receipt(
    constants: &VersionedConstants,
    tx: &Transaction,
    result: Option<&TransactionExecutorResult<TransactionExecutionOutput>>,
) -> (Receipt, Gas) {
    let rejected = |reason: String| Receipt {
        tx_hash: tx.hash(),
        status: Status::Rejected(reason),
        actual_fee: 0,
        gas: GasVector::default(),
        resources: Resources::default(),
        events: Vec::new(),
        messages: Vec::new(),
    };
    let (info, state_maps) = match result {
        None => {
            return (
                rejected("not executed: the reference's block is full".into()),
                Gas::default(),
            )
        }
        Some(Err(error)) => return (rejected(error.to_string()), Gas::default()),
        Some(Ok(output)) => output,
    };
    let status = match &info.revert_error {
        Some(error) => Status::Reverted(error.to_string()),
        None => Status::Succeeded,
    };
    let gas = Gas {
        l1_gas: info.receipt.gas.l1_gas.0,
        l1_data_gas: info.receipt.gas.l1_data_gas.0,
        l2_gas: info.receipt.gas.l2_gas.0,
    };
    let mut resources = Resources {
        l2_gas: gas.l2_gas,
        state_writes: (state_maps.storage.len()
            + state_maps.nonces.len()
            + state_maps.class_hashes.len()
            + state_maps.compiled_class_hashes.len()) as u64,
        ..Resources::default()
    };
    // Steps and builtins: what the VM ran, like ours. A call's VM resources include its inner
    // calls' and, per call, the OS's cost of its syscalls, which is taken back out here.
    let mut builtins: BTreeMap<String, i128> = BTreeMap::new();
    let mut steps: i128 = 0;
    for top in info.non_optional_call_infos() {
        let vm = &top.resources.vm_resources;
        steps += vm.n_steps as i128;
        for (builtin, count) in &vm.builtin_instance_counter {
            *builtins.entry(builtin.to_str().to_string()).or_default() += *count as i128;
        }
        // Syscall usage is per call, inner calls excluded.
        for call in top.iter() {
            for (selector, usage) in &call.syscalls_usage {
                *resources
                    .syscalls
                    .entry(format!("{selector:?}"))
                    .or_default() += usage.call_count as u64;
            }
            let os = constants.get_additional_os_syscall_resources(&call.syscalls_usage);
            steps -= os.n_steps as i128;
            for (builtin, count) in &os.builtin_instance_counter {
                *builtins.entry(builtin.to_str().to_string()).or_default() -= *count as i128;
            }
        }
    }
    resources.steps = steps.max(0) as u64;
    resources.builtins = builtins
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(name, count)| (name, count as u64))
        .collect();
    let receipt = Receipt {
        tx_hash: tx.hash(),
        status,
        actual_fee: info.receipt.fee.0,
        gas,
        resources,
        events: events(info),
        messages: messages(info),
    };
    (receipt, gas)
}

/// Events in execution order: per top-level call (validate, execute, fee transfer; for a
/// DeployAccount: constructor, validate, fee transfer), the events of its call tree ordered by
/// their `order`.
fn events(info: &TransactionExecutionInfo) -> Vec<Event> {
    info.non_optional_call_infos()
        .flat_map(|top| {
            ordered(top, |call| {
                call.execution
                    .events
                    .iter()
                    .map(|e| {
                        (
                            e.order,
                            Event {
                                from_address: call.call.storage_address,
                                keys: e.event.keys.iter().map(|k| k.0).collect(),
                                data: e.event.data.0.clone(),
                            },
                        )
                    })
                    .collect()
            })
        })
        .collect()
}

/// Messages to L1, ordered like [`events`].
fn messages(info: &TransactionExecutionInfo) -> Vec<L2ToL1Message> {
    info.non_optional_call_infos()
        .flat_map(|top| {
            ordered(top, |call| {
                call.execution
                    .l2_to_l1_messages
                    .iter()
                    .map(|m| {
                        (
                            m.order,
                            L2ToL1Message {
                                from_address: call.call.storage_address,
                                to_address: m.message.to_address.0,
                                payload: m.message.payload.0.clone(),
                            },
                        )
                    })
                    .collect()
            })
        })
        .collect()
}

fn ordered<T>(top: &CallInfo, items: impl Fn(&CallInfo) -> Vec<(usize, T)>) -> Vec<T> {
    let mut all: Vec<(usize, T)> = top.iter().flat_map(items).collect();
    all.sort_by_key(|(order, _)| *order);
    all.into_iter().map(|(_, item)| item).collect()
}

/// The block's state diff (from `finalize`) as ours. With `drop_os_contracts`, storage of the
/// OS's own contracts (block-hash contract 0x1, alias contract 0x2) is left out.
pub fn state_diff(
    summary: &BlockExecutionSummary,
    os_contracts: Option<[ContractAddress; 2]>,
) -> StateDiff {
    let d = &summary.state_diff;
    let mut storage = BTreeMap::new();
    for (address, slots) in &d.storage_updates {
        if os_contracts.is_some_and(|os| os.contains(address)) {
            continue;
        }
        for (key, value) in slots {
            storage.insert((*address, *key), *value);
        }
    }
    StateDiff {
        storage,
        nonces: d.address_to_nonce.iter().map(|(a, n)| (*a, *n)).collect(),
        class_hashes: d
            .address_to_class_hash
            .iter()
            .map(|(a, c)| (*a, *c))
            .collect(),
        declared_classes: d
            .class_hash_to_compiled_class_hash
            .iter()
            .map(|(c, h)| (*c, *h))
            .collect(),
    }
}
