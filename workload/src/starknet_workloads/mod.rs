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
//! | `syscalls` | calls of many syscalls from our counters: library calls, keccak, secp256k1 points (on and off the curve), a block hash, a caught call to a missing entry point, execution info, messages to L1 (with an L1 gas bound); one in ten a message from L1 (an L1 handler), one in twenty a transfer carrying proof facts, and three accounts deploying themselves | counters spread over 16; mostly independent |
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
use starkstm_starknet::genesis::{Account, ArgentClass, Genesis};
use starkstm_starknet::{public_key, ClassError, Felt, U256};

mod cairo0;
mod calls;
mod world;

use calls::{bounds_with, call, l1_deposit, mint, swap, syscall_call, SyscallCall};
pub use world::{Accounts, World};
use world::{N_COUNTERS, N_PROBES};

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
    /// `syscalls` with our accounts and contracts metered in Sierra gas (their Sierra 1.7.0
    /// twins).
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

/// Valid proof facts over block n - 10 (whose hash the block's pre-processing stores), where
/// the genesis's version allows proofs.
fn proof_facts(g: &Genesis) -> Option<Vec<Felt>> {
    let old = g.context.block_number.checked_sub(10)?;
    g.proof_facts(old, g.context.old_block_hash?)
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
        // deploys still name the Cairo-steps `counter`, and all but one of the accounts deploying
        // themselves are `account`: both meterings, and the crossing from gas to steps.
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
            // One in twenty a transfer carrying the facts of a proof over block n - 10 (from
            // 0.14.2 they hold and the proof's archival gas is paid; before, no proof is
            // allowed: rejected). With failing transactions, some facts name another chain's
            // config hash: rejected, the nonce kept.
            if i % 20 == 13 {
                if let Some(mut facts) = proof_facts(g) {
                    let bad = spec.failing > 0.0 && rng.chance(0.5);
                    if bad {
                        facts[6] += Felt::ONE;
                    } else {
                        nonces[who] += 1;
                    }
                    let to = uniform(&mut rng);
                    txs.push(g.invoke_proving(
                        &sender,
                        nonce,
                        &[g.transfer_call(to, amount(&mut rng))],
                        g.bounds(starkstm_starknet::genesis::DEFAULT_MAX_L2_GAS),
                        true,
                        facts,
                    ));
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
