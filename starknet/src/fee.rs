//! The fee token's storage layout, as our ERC20 (and OpenZeppelin's) lays it out.

use starknet_api::abi::abi_utils::get_storage_var_address;
use starknet_api::core::ContractAddress;
use starknet_api::state::StorageKey;

/// The two storage slots (low, high) of `owner`'s balance in an ERC20 whose balances are the
/// storage map `balances: ContractAddress → u256`.
pub fn balance_slots(owner: ContractAddress) -> (StorageKey, StorageKey) {
    let low = get_storage_var_address("balances", &[*owner.0.key()]);
    let high = low
        .next_storage_key()
        .expect("a storage-map address is below the storage-key bound minus one");
    (low, high)
}
