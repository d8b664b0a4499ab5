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

pub(crate) fn address(n: u64) -> ContractAddress {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::InMemoryState;

    fn key(n: u64) -> StorageKey {
        StorageKey::from(n)
    }

    #[test]
    fn aliases_go_to_new_keys_and_addresses_in_order_from_0x80() {
        let context = BlockContext::new(address(0x5e9), address(0x4718));
        let base = InMemoryState::new();
        let mut diff = StateDiff::default();
        // A contract above 0xf: its keys (one below 0x80) and its address.
        diff.storage.insert((address(0x1000), key(0x90)), Felt::ONE);
        diff.storage.insert((address(0x1000), key(0x7f)), Felt::ONE);
        // A contract at or below 0xf: its keys are not aliased, nor is its address (< 0x80).
        diff.storage.insert((address(0x1), key(0x500)), Felt::ONE);
        // A nonce-only change: the address is aliased.
        diff.nonces
            .insert(address(0x2000), starknet_api::core::Nonce(Felt::ONE));
        allocate_aliases(&mut diff, &base, &context).unwrap();
        let alias = |k: u64| diff.storage.get(&(address(2), key(k))).copied();
        assert_eq!(alias(0x90), Some(Felt::from(0x80u64)));
        assert_eq!(alias(0x1000), Some(Felt::from(0x81u64)));
        assert_eq!(alias(0x2000), Some(Felt::from(0x82u64)));
        assert_eq!(alias(0x7f), None);
        assert_eq!(alias(0x500), None);
        // The counter holds the next alias.
        assert_eq!(alias(0), Some(Felt::from(0x83u64)));
    }

    #[test]
    fn known_keys_keep_their_alias_and_a_fresh_counter_starts_at_0x80() {
        let context = BlockContext::new(address(0x5e9), address(0x4718));
        let mut base = InMemoryState::new();
        base.set_storage(address(2), key(0x90), Felt::from(0x80u64));
        base.set_storage(address(2), key(0), Felt::from(0x81u64));
        let mut diff = StateDiff::default();
        diff.storage.insert((address(0x1000), key(0x90)), Felt::ONE);
        allocate_aliases(&mut diff, &base, &context).unwrap();
        // 0x90 had an alias; the address gets the next one.
        assert_eq!(diff.storage.get(&(address(2), key(0x90))), None);
        assert_eq!(
            diff.storage.get(&(address(2), key(0x1000))),
            Some(&Felt::from(0x81u64))
        );
        assert_eq!(
            diff.storage.get(&(address(2), key(0))),
            Some(&Felt::from(0x82u64))
        );
        // An empty block over a state without aliases still starts the counter.
        let mut empty = StateDiff::default();
        allocate_aliases(&mut empty, &InMemoryState::new(), &context).unwrap();
        assert_eq!(
            empty.storage.get(&(address(2), key(0))),
            Some(&Felt::from(0x80u64))
        );
    }

    #[test]
    fn the_old_block_hash_goes_to_block_n_minus_10() {
        let mut context = BlockContext::new(address(0x5e9), address(0x4718));
        context.block_number = 25;
        assert_eq!(block_hash_write(&context), None, "no hash given");
        context.old_block_hash = Some(Felt::from(0xb10cu64));
        assert_eq!(
            block_hash_write(&context),
            Some((address(1), key(15), Felt::from(0xb10cu64)))
        );
        context.block_number = 9;
        assert_eq!(block_hash_write(&context), None, "before block 10");
    }
}
