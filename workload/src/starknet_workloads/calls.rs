//! The calls the workloads make: syscall exercises, messages from L1, swaps, mints, and
//! resource bounds adjusted from the genesis's.

use starkstm_starknet::genesis::{Account, Call, Genesis};
use starkstm_starknet::starknet_api::core::ContractAddress;
use starkstm_starknet::Felt;

use super::{World, N_COUNTERS};
use crate::rng::Rng;

pub(super) fn call(to: ContractAddress, entry_point: &'static str, calldata: Vec<Felt>) -> Call {
    Call {
        to,
        entry_point,
        calldata,
    }
}

/// A call of the `syscalls` workload, and whether its transaction needs an L1 gas bound.
pub(super) enum SyscallCall {
    Plain(Call),
    WithL1Gas(Call),
}

/// The generator point of secp256k1, as (x low, x high, y low, y high).
const SECP256K1_G: [&str; 4] = [
    "0x029bfcdb2dce28d959f2815b16f81798",
    "0x79be667ef9dcbbac55a06295ce870b07",
    "0xfd17b448a68554199c47d08ffb10d4b8",
    "0x483ada7726a3c4655da4fbfc0e1108a8",
];

pub(super) fn syscall_call(world: &World, c: ContractAddress, rng: &mut Rng) -> SyscallCall {
    let g = &world.genesis;
    let felt = |hex: &str| Felt::from_hex(hex).expect("a constant felt");
    let selector =
        |name: &str| starkstm_starknet::starknet_api::abi::abi_utils::selector_from_name(name).0;
    SyscallCall::Plain(match rng.below(8) {
        0 => call(
            c,
            "library_call",
            vec![g.classes["counter"].0, selector("increase"), Felt::ONE],
        ),
        1 => {
            let mut input = vec![Felt::from(17u64)];
            input.extend((0..17).map(|_| Felt::from(rng.next_u64())));
            call(c, "store_keccak", input)
        }
        2 => call(
            c,
            "secp256k1_point",
            SECP256K1_G.iter().map(|h| felt(h)).collect(),
        ),
        3 => call(
            c,
            "secp256k1_point",
            vec![Felt::ONE, Felt::ZERO, Felt::TWO, Felt::ZERO],
        ),
        4 => {
            let old = g.context.block_number.saturating_sub(10);
            call(c, "store_block_hash", vec![Felt::from(old)])
        }
        5 => {
            let other = world.counters[rng.below(N_COUNTERS) as usize];
            call(
                c,
                "call_and_catch",
                vec![*other.0.key(), selector("no_such_function"), Felt::ZERO],
            )
        }
        6 => call(c, "store_whoami", vec![]),
        _ => {
            let payload = Felt::from(rng.next_u64());
            return SyscallCall::WithL1Gas(call(
                c,
                "send_message",
                vec![Felt::from(0x5ea1u64), Felt::ONE, payload],
            ));
        }
    })
}

/// A message from L1 to a counter's `deposit` handler, its fee paid on L1.
pub(super) fn l1_deposit(
    g: &Genesis,
    counter: ContractAddress,
    nonce: u64,
    amount: u128,
) -> starkstm_starknet::Transaction {
    use starkstm_starknet::starknet_api::core::{EntryPointSelector, Nonce};
    use starkstm_starknet::starknet_api::transaction::fields::Calldata;
    use starkstm_starknet::starknet_api::transaction::{L1HandlerTransaction, TransactionVersion};
    let selector = starkstm_starknet::starknet_api::abi::abi_utils::selector_from_name("deposit");
    let tx = L1HandlerTransaction {
        version: TransactionVersion::ZERO,
        nonce: Nonce(Felt::from(nonce)),
        contract_address: counter,
        entry_point_selector: EntryPointSelector(selector.0),
        calldata: Calldata(std::sync::Arc::new(vec![
            Felt::from(0x5ea1u64),
            Felt::from(amount),
        ])),
    };
    starkstm_starknet::Transaction::l1_handler(tx, 1_000_000_000, &g.context.chain_id)
        .expect("an L1 handler transaction hashes")
}

/// The genesis's bounds with the given max amounts of L1 gas, L2 gas and L1 data gas instead:
/// room for messages to L1, or less than a transfer uses (though above the protocol's minimum).
pub(super) fn bounds_with(
    g: &Genesis,
    l1: Option<u64>,
    l2: Option<u64>,
    l1_data: Option<u64>,
) -> starkstm_starknet::starknet_api::transaction::fields::ValidResourceBounds {
    use starkstm_starknet::starknet_api::execution_resources::GasAmount;
    use starkstm_starknet::starknet_api::transaction::fields::ValidResourceBounds;
    let mut bounds = g.bounds(starkstm_starknet::genesis::DEFAULT_MAX_L2_GAS);
    if let ValidResourceBounds::AllResources(all) = &mut bounds {
        for (bound, amount) in [
            (&mut all.l1_gas, l1),
            (&mut all.l2_gas, l2),
            (&mut all.l1_data_gas, l1_data),
        ] {
            if let Some(amount) = amount {
                bound.max_amount = GasAmount(amount);
            }
        }
    }
    bounds
}

pub(super) fn swap(world: &World, pool: ContractAddress, rng: &mut Rng) -> Call {
    let token = world.tokens[rng.below(2) as usize];
    let amount = 1 + rng.below(1_000_000);
    call(
        pool,
        "swap",
        vec![*token.0.key(), Felt::from(amount), Felt::ZERO],
    )
}

pub(super) fn mint(world: &World, sender: &Account, rng: &mut Rng) -> Call {
    if rng.chance(0.1) {
        call(world.nft, "mint_next", vec![*sender.address.0.key()])
    } else {
        // Ids far above the next-id counter's range.
        let id = (1u64 << 40) + rng.below(1 << 40);
        call(
            world.nft,
            "mint",
            vec![*sender.address.0.key(), Felt::from(id), Felt::ZERO],
        )
    }
}
