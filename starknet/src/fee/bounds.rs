//! The resource bounds of a V3 transaction against the block's prices and the sender's balance:
//! checked before it runs (too low to ever pay: rejected) and after (exceeded: reverted,
//! charged what the bounds allow).

use starknet_api::transaction::fields::{AllResourceBounds, ResourceBounds};

use super::gas_vector::{da_gas, fee_of, StateChangesCount};
use crate::constants::{TxType, VersionedConstants};
use crate::context::GasPrices;
use crate::receipt::GasVector;
use crate::u256::U256;

/// The three resources, named as the protocol's errors name them.
#[allow(clippy::enum_variant_names)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resource {
    L1Gas,
    L2Gas,
    L1DataGas,
}

impl Resource {
    fn of(self, g: &GasVector) -> u64 {
        match self {
            Resource::L1Gas => g.l1_gas,
            Resource::L2Gas => g.l2_gas,
            Resource::L1DataGas => g.l1_data_gas,
        }
    }

    fn bound(self, b: &AllResourceBounds) -> ResourceBounds {
        match self {
            Resource::L1Gas => b.l1_gas,
            Resource::L2Gas => b.l2_gas,
            Resource::L1DataGas => b.l1_data_gas,
        }
    }

    fn price(self, p: &GasPrices) -> u128 {
        match self {
            Resource::L1Gas => p.l1_gas,
            Resource::L2Gas => p.l2_gas,
            Resource::L1DataGas => p.l1_data_gas,
        }
    }
}

/// The least gas any transaction of `tx_type` can use: the OS's steps for it (and for
/// committing a minimal state diff) and that diff's data availability.
pub(crate) fn minimal_gas(
    c: &VersionedConstants,
    tx_type: TxType,
    calldata_len: usize,
    use_kzg_da: bool,
) -> GasVector {
    let state = StateChangesCount {
        n_storage_updates: 1,
        n_class_hash_updates: usize::from(tx_type == TxType::DeployAccount),
        n_compiled_class_hash_updates: 0,
        n_modified_contracts: 1,
        n_allocated_keys: 0,
    };
    let segment = state.da_segment_length();
    // Steps only, and the KZG commitment's whether or not the block uses it (as the protocol
    // estimates).
    let steps =
        c.tx_os_resources(tx_type, calldata_len).n_steps + c.kzg_os_resources(segment).n_steps;
    let l1 = c.vm_step_fee.ceil(steps as u64);
    let mut gas = da_gas(&state, use_kzg_da);
    gas.l2_gas = c.l1_gas_to_l2_gas(l1);
    gas
}

/// Why a transaction's bounds can never pay: every failing check, in the protocol's order
/// (amounts then price, for L1 gas, L1 data gas, L2 gas).
pub(crate) fn check_bounds(
    bounds: &AllResourceBounds,
    minimal: &GasVector,
    prices: &GasPrices,
) -> Result<(), String> {
    let mut errors = Vec::new();
    for r in [Resource::L1Gas, Resource::L1DataGas, Resource::L2Gas] {
        let bound = r.bound(bounds);
        if r.of(minimal) > bound.max_amount.0 {
            errors.push(format!(
                "Max {r:?} amount ({}) is lower than the minimal gas amount: {}.",
                bound.max_amount.0,
                r.of(minimal)
            ));
        }
        if bound.max_price_per_unit.0 < r.price(prices) {
            errors.push(format!(
                "Max {r:?} price ({}) is lower than the actual gas price: {}.",
                bound.max_price_per_unit.0,
                r.price(prices)
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Insufficient resource bounds: {}",
            errors.join("\n")
        ))
    }
}

/// The most the bounds can cost: every amount at its maximal price, the tip on L2 gas
/// (saturating).
pub(crate) fn max_possible_fee(bounds: &AllResourceBounds, tip: u128) -> u128 {
    let cost = |b: ResourceBounds, extra: u128| {
        u128::from(b.max_amount.0).saturating_mul(b.max_price_per_unit.0.saturating_add(extra))
    };
    cost(bounds.l1_gas, 0)
        .saturating_add(cost(bounds.l2_gas, tip))
        .saturating_add(cost(bounds.l1_data_gas, 0))
}

/// Whether `balance` covers `fee` (a balance of 2¹²⁸ or more covers any fee).
pub(crate) fn can_pay(balance: U256, fee: u128) -> bool {
    balance.high > 0 || balance.low >= fee
}

/// The first bound the actual gas exceeds, as the revert reason.
pub(crate) fn exceeded_bound(bounds: &AllResourceBounds, gas: &GasVector) -> Option<String> {
    for r in [Resource::L1Gas, Resource::L2Gas, Resource::L1DataGas] {
        let max = r.bound(bounds).max_amount.0;
        if max < r.of(gas) {
            return Some(format!(
                "Insufficient max {r:?}: max amount: {max}, actual used: {}.",
                r.of(gas)
            ));
        }
    }
    None
}

/// The fee of `gas` capped by the bounds' amounts, resource by resource.
pub(crate) fn capped_fee(
    bounds: &AllResourceBounds,
    gas: &GasVector,
    prices: &GasPrices,
    tip: u128,
) -> u128 {
    let capped = GasVector {
        l1_gas: gas.l1_gas.min(bounds.l1_gas.max_amount.0),
        l1_data_gas: gas.l1_data_gas.min(bounds.l1_data_gas.max_amount.0),
        l2_gas: gas.l2_gas.min(bounds.l2_gas.max_amount.0),
    };
    fee_of(&capped, prices, tip)
}
