//! What the protocol does to a block's state outside its transactions: before the first, the
//! hash of block `n − 10` is written into contract `0x1`; after the last (0.13.4 and later),
//! every new storage key and contract address is given an alias in contract `0x2` (stateful
//! compression). Both writes are part of the block's state diff.

use std::collections::BTreeSet;

use starknet_api::core::{ContractAddress, PatriciaKey};
use starknet_api::state::StorageKey;
use starknet_types_core::felt::Felt;

use crate::context::BlockContext;
use crate::state::{BaseState, BaseStateError, StateDiff};

/// Contracts at or below this address keep their storage keys uncompressed.
const MAX_NON_COMPRESSED_CONTRACT_ADDRESS: u64 = 0xf;
/// The first alias; keys and addresses below it are their own.
const MIN_VALUE_FOR_ALIAS: u64 = 0x80;

fn address(n: u64) -> ContractAddress {
    ContractAddress(PatriciaKey::from(n))
}

/// The block-start write of the old block hash: `(0x1, n − 10) = hash`, when the block has an
/// old block hash (blocks 0 to 9 have none; a later block without one is executed without
/// the write).
pub fn block_hash_write(context: &BlockContext) -> Option<(ContractAddress, StorageKey, Felt)> {
    let hash = context.old_block_hash?;
    let c = context.constants().ok()?;
    let number = context
        .block_number
        .checked_sub(c.stored_block_hash_buffer)?;
    Some((
        address(c.block_hash_contract),
        StorageKey::from(number),
        hash,
    ))
}

/// Allocates aliases for the diff's new storage keys and addresses (in address order, each
/// contract's keys before its address; keys of contracts up to `0xf` are not aliased), writing
/// them and the alias counter (key 0) into contract `0x2` of `diff`.
pub(crate) fn allocate_aliases<S: BaseState + ?Sized>(
    diff: &mut StateDiff,
    base: &S,
    context: &BlockContext,
) -> Result<(), BaseStateError> {
    let Ok(c) = context.constants() else {
        return Ok(());
    };
    if !c.enable_stateful_compression {
        return Ok(());
    }
    let alias_contract = address(c.alias_contract);
    let mut addresses: BTreeSet<ContractAddress> = diff.storage.keys().map(|(a, _)| *a).collect();
    addresses.extend(diff.nonces.keys());
    addresses.extend(diff.class_hashes.keys());
    let read = |diff: &StateDiff, key: StorageKey| -> Result<Felt, BaseStateError> {
        match diff.storage.get(&(alias_contract, key)) {
            Some(v) => Ok(*v),
            None => base.storage_at(alias_contract, key),
        }
    };
    let counter_key = StorageKey::from(0u64);
    let counter = read(diff, counter_key)?;
    let mut next = (counter != Felt::ZERO).then_some(counter);
    let mut inserted = false;
    let threshold = Felt::from(MIN_VALUE_FOR_ALIAS);
    let mut insert = |diff: &mut StateDiff, key: Felt| -> Result<(), BaseStateError> {
        if key < threshold {
            return Ok(());
        }
        let slot =
            StorageKey(PatriciaKey::try_from(key).expect("a key or an address is a storage key"));
        if read(diff, slot)? != Felt::ZERO {
            return Ok(());
        }
        let alias = next.unwrap_or(threshold);
        diff.storage.insert((alias_contract, slot), alias);
        inserted = true;
        next = Some(alias + Felt::ONE);
        Ok(())
    };
    for a in addresses {
        if *a.0.key() > Felt::from(MAX_NON_COMPRESSED_CONTRACT_ADDRESS) {
            let keys: Vec<Felt> = diff
                .storage
                .range((a, StorageKey::from(0u64))..)
                .take_while(|((addr, _), _)| *addr == a)
                .map(|((_, k), _)| *k.0.key())
                .collect();
            for k in keys {
                insert(diff, k)?;
            }
        }
        insert(diff, *a.0.key())?;
    }
    match next {
        None => {
            diff.storage
                .insert((alias_contract, counter_key), threshold);
        }
        Some(n) if inserted => {
            diff.storage.insert((alias_contract, counter_key), n);
        }
        Some(_) => {}
    }
    // As in every diff, a write of the value already there is no change.
    let base_counter = base.storage_at(alias_contract, counter_key)?;
    if diff.storage.get(&(alias_contract, counter_key)) == Some(&base_counter) {
        diff.storage.remove(&(alias_contract, counter_key));
    }
    Ok(())
}
