//! Fees: the gas vector a transaction is charged (`gas_vector`), its price, the bounds it
//! must respect (`bounds`), and the fee token's storage layout (the protocol's
//! `ERC20_balances`, as the real STRK and ETH tokens, OpenZeppelin's ERC20 and ours lay it out).

pub(crate) mod bounds;
pub(crate) mod gas_vector;

use starknet_api::abi::abi_utils::get_storage_var_address;
use starknet_api::core::ContractAddress;
use starknet_api::state::StorageKey;

/// The storage map of ERC20 balances the protocol reads a fee token's balances from.
pub const BALANCES_VAR: &str = "ERC20_balances";

/// The two storage slots (low, high) of `owner`'s balance in an ERC20 whose balances are the
/// storage map `ERC20_balances: ContractAddress → u256` (the address the reference computes
/// with `get_fee_token_var_address`).
pub fn balance_slots(owner: ContractAddress) -> (StorageKey, StorageKey) {
    let low = get_storage_var_address(BALANCES_VAR, &[*owner.0.key()]);
    let high = low
        .next_storage_key()
        .expect("a storage-map address is below the storage-key bound minus one");
    (low, high)
}
