//! The world the Starknet workloads run in: a genesis of accounts (ours, OpenZeppelin's,
//! Argent's or Cairo 0 ones) paying fees in the real STRK token, with our counters, two tokens,
//! AMM pools, an NFT collection, Cairo 0 probes and the Cairo 0 Universal Deployer.

use starkstm_starknet::contracts;
use starkstm_starknet::genesis::{address, ArgentClass, Genesis, GenesisConfig};
use starkstm_starknet::starknet_api::abi::abi_utils::get_storage_var_address;
use starkstm_starknet::starknet_api::core::ContractAddress;
use starkstm_starknet::{ClassError, Felt, GasPrices, U256};

const COUNTERS: u64 = 0xc0;
pub(super) const N_COUNTERS: u64 = 16;
const TOKEN_X: u64 = 0xa0;
const TOKEN_Y: u64 = 0xa1;
const POOL: u64 = 0xa2;
const NFT: u64 = 0xa3;
const EXTRA_POOLS: u64 = 0xb0;
const PROBES: u64 = 0xd0;
pub(super) const N_PROBES: u64 = 8;
/// The Cairo 0 Universal Deployer's address on Starknet.
const UDC_CAIRO0: &str = "0x41a78e741e5af2fec34b695679bc6891742439f7afb8484ecd7766661ad02bf";

/// Who the genesis's accounts are.
#[derive(Clone, Debug)]
pub enum Accounts {
    /// Our `account` (or `account_novalidate`).
    Ours,
    /// OpenZeppelin's account 1.0.0.
    Oz,
    /// OpenZeppelin's Cairo 0 account 0.5.1.
    Cairo0,
    /// Argent's account 0.4.0 (counterfactual: funded, not deployed).
    Argent(ArgentClass),
}

/// The generated world: a genesis plus the contracts the workloads call.
#[derive(Clone, Debug)]
pub struct World {
    /// The genesis (accounts, fee token, classes).
    pub genesis: Genesis,
    /// Counters.
    pub counters: Vec<ContractAddress>,
    /// The pool's two tokens.
    pub tokens: [ContractAddress; 2],
    /// The AMM pool (the first of `pools`).
    pub pool: ContractAddress,
    /// Four pools over the same two tokens.
    pub pools: Vec<ContractAddress>,
    /// A class the genesis does not declare (the account flavour it does not use), for
    /// declare transactions: its hash and class.
    pub undeclared: (
        starkstm_starknet::starknet_api::core::ClassHash,
        std::sync::Arc<starkstm_starknet::ContractClass>,
    ),
    /// The NFT collection.
    pub nft: ContractAddress,
    /// Cairo 0 probes (`contracts/cairo0/probe.cairo`).
    pub probes: Vec<ContractAddress>,
    /// The Cairo 0 Universal Deployer.
    pub udc_cairo0: ContractAddress,
}

impl World {
    /// Builds the world over `accounts` accounts (checking signatures or not) with `pools`
    /// AMM pools (at least one).
    pub fn new(
        accounts: usize,
        validate: bool,
        pools: usize,
        seed: u64,
    ) -> Result<World, ClassError> {
        World::with_accounts(accounts, validate, Accounts::Ours, pools, seed)
    }

    /// As [`new`](World::new), with `kind` as every account.
    pub fn with_accounts(
        accounts: usize,
        validate: bool,
        kind: Accounts,
        pools: usize,
        seed: u64,
    ) -> Result<World, ClassError> {
        let mut g = Genesis::new(&GenesisConfig {
            accounts: accounts.max(1),
            validate,
            oz_accounts: matches!(kind, Accounts::Oz),
            cairo0_accounts: matches!(kind, Accounts::Cairo0),
            argent: match kind {
                Accounts::Argent(class) => Some(class),
                _ => None,
            },
            seed,
            // The real STRK token pays the fees, as on Starknet.
            fee_token_class: contracts::ERC20_STRK.name,
            ..GenesisConfig::default()
        })?;
        // A block a Starknet node would accept: real-magnitude prices of all three gas
        // resources (every transaction's bounds follow them), and the hash of block n - 10.
        g.context.gas_prices = GasPrices::REALISTIC_STRK;
        g.context.eth_gas_prices = GasPrices::REALISTIC_ETH;
        g.context.old_block_hash = Some(Felt::from((0x0b10c0_u64 << 32) | (seed & 0xffff_ffff)));
        let counters: Vec<_> = (0..N_COUNTERS)
            .map(|i| {
                let at = address(COUNTERS + i);
                g.deploy(contracts::COUNTER, at, &[]);
                at
            })
            .collect();
        let (x, y, nft) = (address(TOKEN_X), address(TOKEN_Y), address(NFT));
        let pools: Vec<ContractAddress> = (0..pools.max(1) as u64)
            .map(|i| {
                if i == 0 {
                    address(POOL)
                } else {
                    address(EXTRA_POOLS + i)
                }
            })
            .collect();
        let reserve = 1_000_000_000_000_000_u128;
        for token in [x, y] {
            g.deploy(contracts::ERC20, token, &[]);
            for pool in &pools {
                g.state
                    .set_erc20_balance(token, *pool, U256::from_u128(reserve));
            }
            for account in g.accounts.clone() {
                g.state
                    .set_erc20_balance(token, account.address, U256::from_u128(reserve));
                for pool in &pools {
                    let low = get_storage_var_address(
                        "allowances",
                        &[*account.address.0.key(), *pool.0.key()],
                    );
                    let high = low.next_storage_key().expect("below the bound");
                    g.state.set_storage(token, low, Felt::from(u128::MAX));
                    g.state.set_storage(token, high, Felt::from(u128::MAX));
                }
            }
        }
        for pool in &pools {
            g.deploy(
                contracts::AMM,
                *pool,
                &[
                    ("token0", &[], *x.0.key()),
                    ("token1", &[], *y.0.key()),
                    ("reserve0", &[], Felt::from(reserve)),
                    ("reserve1", &[], Felt::from(reserve)),
                ],
            );
        }
        g.deploy(contracts::NFT, nft, &[]);
        let probe_class = g.classes[contracts::PROBE_CAIRO0.name];
        let probes: Vec<_> = (0..N_PROBES)
            .map(|i| {
                let at = address(PROBES + i);
                g.state.deploy(at, probe_class);
                at
            })
            .collect();
        let udc_cairo0 = address(Felt::from_hex(UDC_CAIRO0).expect("a constant address"));
        g.state
            .deploy(udc_cairo0, g.classes[contracts::UDC_CAIRO0.name]);
        let undeclared_name = if validate {
            "account_novalidate"
        } else {
            "account"
        };
        let undeclared_hash = g.classes[undeclared_name];
        let undeclared_class = g
            .state
            .classes
            .remove(&undeclared_hash)
            .expect("every class is declared at genesis");
        Ok(World {
            genesis: g,
            counters,
            tokens: [x, y],
            pool: pools[0],
            pools,
            nft,
            undeclared: (undeclared_hash, undeclared_class),
            probes,
            udc_cairo0,
        })
    }
}
