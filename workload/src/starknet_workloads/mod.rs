//! The named Starknet workloads of `starkstm run`, `bench` and the benchmarks: seeded,
//! deterministic blocks over a generated world (a genesis with accounts, the fee token, two more
//! tokens, an AMM pool, an NFT collection and counters).
//!
//! | workload | transactions | contention |
//! |---|---|---|
//! | `transfers` | signed fee-token transfers, senders round-robin, recipients uniform | a transfer conflicts with a later one only when one's recipient is the other's sender or both pick the same recipient: rare with many accounts |
//! | `transfers-novalidate` | the same, accounts skip the signature check (Starknet's reference benchmark) | as `transfers`; transactions are 2.7× cheaper, so engine overhead weighs more |
//! | `transfers-oz` | the same from OpenZeppelin's account 1.0.0 (a real account class, Sierra 1.6) | as `transfers` |
//! | `transfers-argent` | Argent's account 0.4.0 (Sierra 1.5; not shipped, given with `--argent-class`): a quarter of the block deploys accounts (DeployAccount), the rest are transfers from them | each sender's transfers depend on its deploy |
//! | `transfers-zipf` | transfers to Zipf(1)-distributed recipients | a few hot recipients: their balances chain the transactions that pay them |
//! | `hot-recipient` | transfers, a fifth of them to one hot account | the hot account's balance is a chain through a fifth of the block |
//! | `nonce-chains` | transfers from 8 senders only | each sender's transactions form a nonce chain: at most 8 can run at once |
//! | `hot-counter` | every transaction increments one counter | one full chain: the engine must run it at sequential speed |
//! | `amm` | swaps on one pool | the pool's reserves chain every swap |
//! | `amm-pools` | swaps spread uniformly over four pools | four chains, one per pool |
//! | `deploys` | a declare of a class missing from the genesis, then deploys: of our counter (unique salts) and, one in five, of the declared class | the deploys of the declared class depend on the declare; the rest are independent |
//! | `mint` | NFT mints of random ids, a tenth of them of the next id (a shared counter) | mints of random ids are independent (a taken id fails); next-id mints chain |
//! | `syscalls` | calls of many syscalls from our counters: library calls, keccak, secp256k1 points (on and off the curve), a block hash, a caught call to a missing entry point, execution info, messages to L1 (with an L1 gas bound); one in ten a message from L1 (an L1 handler), and three accounts deploying themselves | counters spread over 16; mostly independent |
//! | `syscalls-sierra-gas` | the same, our accounts and contracts their Sierra-gas twins (`account_gas`, `counter_gas`, …: ours as Sierra 1.7.0, so Sierra-gas CASM metered in Sierra gas, as current contracts are), the counters' library calls into the Cairo-steps `counter`, one DeployAccount of `account_gas` | as `syscalls` |
//! | `mix` | a realistic mix: 55% transfers, 15% counter increments over 16 counters, 10% swaps on one pool, 10% mints, 5% multicalls (transfer + increment), 5% deploys | moderate: some hot keys, mostly independent |
//! | `mix-sierra-gas` | `mix` with our accounts and contracts their Sierra-gas twins (as `syscalls-sierra-gas`), its deploys of the Cairo-steps `counter` | as `mix` |
//!
//! Every fee goes to the sequencer as a commutative delta, which creates no conflict. With
//! `failing > 0`, that share of transactions is replaced by one that fails: an overdraft
//! (reverted), a failing call (reverted), a transfer whose L2 gas or L1 data gas bound is below
//! what it uses (reverted after it ran) or a stale nonce (rejected); and `deploys` starts with
//! a declare naming the class's old Poseidon compiled class hash (rejected from 0.14.1, taken
//! before).

use starkstm_starknet::contracts;
use starkstm_starknet::genesis::{address, Account, ArgentClass, Genesis, GenesisConfig};
use starkstm_starknet::starknet_api::abi::abi_utils::get_storage_var_address;
use starkstm_starknet::starknet_api::core::ContractAddress;
use starkstm_starknet::{public_key, ClassError, Felt, GasPrices, U256};

mod cairo0;
mod calls;

use calls::{bounds_with, call, l1_deposit, mint, swap, syscall_call, SyscallCall};

use crate::presets::Zipf;
use crate::rng::Rng;
use crate::starknet::StarknetBlock;

/// A named Starknet workload (see the module doc for what each one stresses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// A realistic mix.
    Mix,
    /// Signed transfers to uniform recipients.
    Transfers,
    /// Transfers from accounts that skip validation.
    TransfersNovalidate,
    /// Signed transfers from OpenZeppelin's account 1.0.0.
    TransfersOz,
    /// Argent accounts deploying themselves, then transfers from them.
    TransfersArgent,
    /// Transfers to Zipf-distributed recipients.
    TransfersZipf,
    /// Transfers, a fifth to one hot account.
    HotRecipient,
    /// Transfers from 8 senders.
    NonceChains,
    /// Increments of one counter.
    HotCounter,
    /// Swaps on one pool.
    Amm,
    /// Swaps spread over four pools.
    AmmPools,
    /// A declare, then deploys of our counter and of the declared class.
    Deploys,
    /// NFT mints.
    Mint,
    /// Calls of many syscalls.
    Syscalls,
    /// The same calls of counters metered in Sierra gas (`counter_gas`, Sierra 1.7.0).
    SyscallsSierraGas,
    /// `mix` with our accounts and contracts metered in Sierra gas.
    MixSierraGas,
    /// Signed transfers from OpenZeppelin's Cairo 0 account 0.5.1.
    TransfersCairo0,
    /// Cairo 0 accounts calling Cairo 0 and Cairo 1 contracts: every deprecated syscall.
    Cairo0,
}

impl Workload {
    /// Every workload, in the order `bench` sweeps them.
    pub const ALL: [Workload; 17] = [
        Workload::Mix,
        Workload::MixSierraGas,
        Workload::Transfers,
        Workload::TransfersNovalidate,
        Workload::TransfersOz,
        Workload::TransfersZipf,
        Workload::HotRecipient,
        Workload::NonceChains,
        Workload::HotCounter,
        Workload::Amm,
        Workload::AmmPools,
        Workload::Mint,
        Workload::Deploys,
        Workload::Syscalls,
        Workload::SyscallsSierraGas,
        Workload::TransfersCairo0,
        Workload::Cairo0,
    ];

    /// The workloads that need a class from outside the repository ([`WorkloadSpec::argent`]):
    /// not in [`ALL`](Workload::ALL).
    pub const EXTERNAL: [Workload; 1] = [Workload::TransfersArgent];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Mix => "mix",
            Workload::MixSierraGas => "mix-sierra-gas",
            Workload::Transfers => "transfers",
            Workload::TransfersNovalidate => "transfers-novalidate",
            Workload::TransfersOz => "transfers-oz",
            Workload::TransfersArgent => "transfers-argent",
            Workload::TransfersZipf => "transfers-zipf",
            Workload::HotRecipient => "hot-recipient",
            Workload::NonceChains => "nonce-chains",
            Workload::HotCounter => "hot-counter",
            Workload::Amm => "amm",
            Workload::AmmPools => "amm-pools",
            Workload::Deploys => "deploys",
            Workload::Mint => "mint",
            Workload::Syscalls => "syscalls",
            Workload::SyscallsSierraGas => "syscalls-sierra-gas",
            Workload::TransfersCairo0 => "transfers-cairo0",
            Workload::Cairo0 => "cairo0",
        }
    }

    /// Whether the workload runs our accounts and contracts as their Sierra-gas twins
    /// ([`contracts::SIERRA_GAS_TWINS`]).
    pub fn sierra_gas(self) -> bool {
        matches!(self, Workload::SyscallsSierraGas | Workload::MixSierraGas)
    }

    /// The workload named `name`.
    pub fn from_name(name: &str) -> Option<Workload> {
        Workload::ALL
            .into_iter()
            .chain(Workload::EXTERNAL)
            .find(|w| w.name() == name)
    }
}

impl std::fmt::Display for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct WorkloadSpec {
    /// The workload.
    pub workload: Workload,
    /// Transactions.
    pub txs: usize,
    /// Accounts in the genesis.
    pub accounts: usize,
    /// Share of transactions replaced by failing ones (0 to 1).
    pub failing: f64,
    /// Seed.
    pub seed: u64,
    /// Argent's account class, which `transfers-argent` needs (other workloads ignore it).
    pub argent: Option<ArgentClass>,
}

const COUNTERS: u64 = 0xc0;
const N_COUNTERS: u64 = 16;
const TOKEN_X: u64 = 0xa0;
const TOKEN_Y: u64 = 0xa1;
const POOL: u64 = 0xa2;
const NFT: u64 = 0xa3;
const EXTRA_POOLS: u64 = 0xb0;
const PROBES: u64 = 0xd0;
const N_PROBES: u64 = 8;
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

/// Generates the block `spec` describes.
pub fn generate(spec: &WorkloadSpec) -> Result<StarknetBlock, ClassError> {
    let validate = spec.workload != Workload::TransfersNovalidate;
    let pools = if spec.workload == Workload::AmmPools {
        4
    } else {
        1
    };
    let kind = match spec.workload {
        Workload::TransfersOz => Accounts::Oz,
        Workload::TransfersCairo0 | Workload::Cairo0 => Accounts::Cairo0,
        Workload::TransfersArgent => Accounts::Argent(spec.argent.clone().ok_or_else(|| {
            ClassError::Invalid(
                "the transfers-argent workload needs Argent's account class 0.4.0, which is \
                 GPL-3.0 and not shipped: pass --argent-class FILE (`bash .ci/argent-class` \
                 fetches it from the registry and prints its path)"
                    .to_string(),
            )
        })?),
        _ => Accounts::Ours,
    };
    let mut world = World::with_accounts(spec.accounts, validate, kind, pools, spec.seed)?;
    // The syscalls workload also deploys accounts: their addresses are funded at genesis.
    let mut account_deploys: Vec<starkstm_starknet::Transaction> = Vec::new();
    let syscalls = matches!(
        spec.workload,
        Workload::Syscalls | Workload::SyscallsSierraGas
    );
    if spec.workload.sierra_gas() {
        // Every account and contract of ours runs its Sierra-gas twin (a call metered in
        // steps meters all it calls so: the accounts must be twins too). Library calls and
        // deploys still name the Cairo-steps `counter`, and the accounts deploying themselves
        // are `account`: both meterings, and the crossing from gas to steps.
        let g = &mut world.genesis;
        let twins: std::collections::HashMap<_, _> = contracts::SIERRA_GAS_TWINS
            .iter()
            .map(|(steps, gas)| (g.classes[steps.name], g.classes[gas.name]))
            .collect();
        for class in g.state.class_hashes.values_mut() {
            if let Some(twin) = twins.get(class) {
                *class = *twin;
            }
        }
    }
    if syscalls {
        for k in 0..3u64 {
            // In `syscalls-sierra-gas`, the first deploys the Sierra-gas twin of our account
            // (its constructor and `__validate_deploy__` metered in Sierra gas).
            let key = Felt::from(0xacc0 + k);
            let (tx, at) = if spec.workload == Workload::SyscallsSierraGas && k == 0 {
                let g = &world.genesis;
                let class = g.classes[contracts::ACCOUNT_GAS.name];
                g.deploy_account_of(class, vec![public_key(key)], key, Felt::from(k))
            } else {
                world.genesis.deploy_account(key, Felt::from(k))
            };
            let token = world.genesis.context.fee_token;
            let funds = U256::from_u128(1_000_000_000_000_000_000_000);
            world.genesis.state.set_erc20_balance(token, at, funds);
            account_deploys.push(tx);
        }
        account_deploys.reverse();
    }
    let world = world;
    let g = &world.genesis;
    let accounts: Vec<Account> = g.accounts.clone();
    let n = accounts.len();
    let mut rng = Rng::new(spec.seed ^ 0x574f_524b_4c4f_4144);
    let zipf = Zipf::new(n as u32, 1.0);
    let mut nonces = vec![0u64; n];
    let mut txs = Vec::with_capacity(spec.txs);
    // Argent's accounts are counterfactual: a quarter of the block deploys the senders.
    let argent_senders = n.min((spec.txs / 4).max(1));
    if spec.workload == Workload::TransfersArgent {
        for (account, nonce) in accounts.iter().zip(&mut nonces).take(argent_senders) {
            txs.push(g.deploy_argent(account));
            *nonce = 1;
        }
    }
    let senders = match spec.workload {
        Workload::NonceChains => n.min(8),
        Workload::TransfersArgent => argent_senders,
        _ => n,
    };
    let counter_class = g.classes["counter"];
    for i in 0..spec.txs.saturating_sub(txs.len()) {
        let who = i % senders;
        let sender = accounts[who];
        let nonce = nonces[who];
        let uniform = |rng: &mut Rng| accounts[rng.below(n as u64) as usize].address;
        let amount = |rng: &mut Rng| 1 + rng.below(1000) as u128;
        if syscalls {
            // One in ten a message from L1; now and then a new account deploys itself.
            if i % 10 == 9 {
                let c = world.counters[rng.below(N_COUNTERS) as usize];
                txs.push(l1_deposit(g, c, i as u64, amount(&mut rng)));
                continue;
            }
            if i % 25 == 3 {
                if let Some(tx) = account_deploys.pop() {
                    txs.push(tx);
                    continue;
                }
            }
        }
        if spec.workload == Workload::Cairo0 && i % 10 == 9 {
            // A message from L1 to a Cairo 0 L1 handler.
            let probe = world.probes[rng.below(N_PROBES) as usize];
            txs.push(cairo0::l1_message(g, probe, i as u64, amount(&mut rng)));
            continue;
        }
        let declares = spec.workload == Workload::Deploys && i == 0;
        if spec.failing > 0.0 && !declares && rng.chance(spec.failing) {
            let tx = match rng.below(5) {
                0 => g.invoke(
                    &sender,
                    nonce,
                    &[g.transfer_call(uniform(&mut rng), 1 << 100)],
                ),
                1 if spec.workload == Workload::Cairo0 => {
                    g.invoke(&sender, nonce, &[cairo0::failing_call(&world, &mut rng)])
                }
                1 => g.invoke(
                    &sender,
                    nonce,
                    &[call(
                        world.counters[0],
                        "increase_then_fail",
                        vec![Felt::ONE],
                    )],
                ),
                // Bounds below what the transfer uses: reverted after it ran, charged what
                // the bounds allow.
                3 => g.invoke_with(
                    &sender,
                    nonce,
                    &[g.transfer_call(uniform(&mut rng), 1)],
                    bounds_with(g, None, Some(900_000), None),
                    true,
                ),
                4 => g.invoke_with(
                    &sender,
                    nonce,
                    &[g.transfer_call(uniform(&mut rng), 1)],
                    bounds_with(g, None, None, Some(150)),
                    true,
                ),
                _ => {
                    // A stale nonce: rejected, no bump.
                    txs.push(g.invoke(
                        &sender,
                        nonce + 7,
                        &[g.transfer_call(uniform(&mut rng), 1)],
                    ));
                    continue;
                }
            };
            nonces[who] += 1;
            txs.push(tx);
            continue;
        }
        let calls = match spec.workload {
            Workload::Transfers
            | Workload::TransfersNovalidate
            | Workload::TransfersOz
            | Workload::TransfersArgent
            | Workload::TransfersCairo0
            | Workload::NonceChains => {
                vec![g.transfer_call(uniform(&mut rng), amount(&mut rng))]
            }
            Workload::TransfersZipf => {
                let to = accounts[zipf.sample(&mut rng) as usize].address;
                vec![g.transfer_call(to, amount(&mut rng))]
            }
            Workload::HotRecipient => {
                let to = if rng.chance(0.2) {
                    accounts[0].address
                } else {
                    uniform(&mut rng)
                };
                vec![g.transfer_call(to, amount(&mut rng))]
            }
            Workload::HotCounter => vec![call(world.counters[0], "increase", vec![Felt::ONE])],
            Workload::Amm => vec![swap(&world, world.pool, &mut rng)],
            Workload::AmmPools => {
                let pool = world.pools[rng.below(world.pools.len() as u64) as usize];
                vec![swap(&world, pool, &mut rng)]
            }
            Workload::Deploys if i == 0 => {
                let (hash, class) = world.undeclared.clone();
                if spec.failing > 0.0 && n > 1 {
                    // First the last account declares the class naming its old Poseidon
                    // compiled class hash: from 0.14.1 rejected (its nonce stays), before taken
                    // under that hash (then the declare below is a redeclaration, rejected, and
                    // the last account's later transactions carry a stale nonce).
                    let legacy = class.legacy_compiled_class_hash();
                    txs.push(g.declare_with_compiled_class_hash(
                        &accounts[n - 1],
                        nonces[n - 1],
                        hash,
                        class.clone(),
                        legacy,
                    ));
                }
                nonces[who] += 1;
                txs.push(g.declare(&sender, nonce, hash, class));
                continue;
            }
            Workload::Deploys => {
                let c = world.counters[rng.below(N_COUNTERS) as usize];
                let salt = Felt::from(i as u64);
                let (class, arg) = if rng.chance(0.2) {
                    // The declared account class; its constructor takes a public key.
                    (world.undeclared.0, Felt::from(rng.next_u64()))
                } else {
                    (counter_class, Felt::ONE)
                };
                vec![call(c, "deploy_counter", vec![class.0, salt, arg])]
            }
            Workload::Mint => vec![mint(&world, &sender, &mut rng)],
            Workload::Syscalls | Workload::SyscallsSierraGas => {
                let c = world.counters[rng.below(N_COUNTERS) as usize];
                match syscall_call(&world, c, &mut rng) {
                    SyscallCall::Plain(call) => vec![call],
                    SyscallCall::WithL1Gas(call) => {
                        nonces[who] += 1;
                        txs.push(g.invoke_with(
                            &sender,
                            nonce,
                            &[call],
                            bounds_with(g, Some(100_000), None, None),
                            true,
                        ));
                        continue;
                    }
                }
            }
            Workload::Cairo0 => match cairo0::calls(&world, i as u64, &mut rng) {
                cairo0::Cairo0Calls::Plain(calls) => calls,
                cairo0::Cairo0Calls::WithL1Gas(call) => {
                    nonces[who] += 1;
                    txs.push(g.invoke_with(
                        &sender,
                        nonce,
                        &[call],
                        bounds_with(g, Some(100_000), None, None),
                        true,
                    ));
                    continue;
                }
            },
            Workload::Mix | Workload::MixSierraGas => match rng.below(100) {
                0..=54 => vec![g.transfer_call(uniform(&mut rng), amount(&mut rng))],
                55..=69 => {
                    let c = world.counters[rng.below(N_COUNTERS) as usize];
                    vec![call(c, "increase", vec![Felt::ONE])]
                }
                70..=79 => vec![swap(&world, world.pool, &mut rng)],
                80..=89 => vec![mint(&world, &sender, &mut rng)],
                90..=94 => {
                    let c = world.counters[rng.below(N_COUNTERS) as usize];
                    vec![
                        g.transfer_call(uniform(&mut rng), amount(&mut rng)),
                        call(c, "increase", vec![Felt::TWO]),
                    ]
                }
                _ => {
                    let c = world.counters[rng.below(N_COUNTERS) as usize];
                    let salt = Felt::from(rng.next_u64());
                    vec![call(
                        c,
                        "deploy_counter",
                        vec![counter_class.0, salt, Felt::ONE],
                    )]
                }
            },
        };
        nonces[who] += 1;
        txs.push(g.invoke(&sender, nonce, &calls));
    }
    Ok(StarknetBlock {
        genesis: world.genesis,
        txs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_blocks_are_deterministic() {
        for w in Workload::ALL {
            assert_eq!(Workload::from_name(w.name()), Some(w));
        }
        let spec = WorkloadSpec {
            workload: Workload::Mix,
            txs: 30,
            accounts: 20,
            failing: 0.1,
            seed: 3,
            argent: None,
        };
        let a = generate(&spec).unwrap();
        let b = generate(&spec).unwrap();
        let hashes = |blk: &StarknetBlock| {
            blk.txs
                .iter()
                .map(starkstm_starknet::Transaction::hash)
                .collect::<Vec<_>>()
        };
        assert_eq!(hashes(&a), hashes(&b));
        assert_eq!(a.txs.len(), 30);
    }

    #[test]
    fn argent_workload_without_the_class_is_a_clear_error() {
        assert_eq!(
            Workload::from_name("transfers-argent"),
            Some(Workload::TransfersArgent)
        );
        assert!(!Workload::ALL.contains(&Workload::TransfersArgent));
        let err = generate(&WorkloadSpec {
            workload: Workload::TransfersArgent,
            txs: 8,
            accounts: 4,
            failing: 0.0,
            seed: 1,
            argent: None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("--argent-class"), "{err}");
    }
}
