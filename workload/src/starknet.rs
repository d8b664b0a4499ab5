//! Starknet workloads: blocks of signed transactions over a generated [`Genesis`].

use starkstm_starknet::genesis::Genesis;
use starkstm_starknet::{ClassError, Transaction};

use crate::rng::Rng;

/// A generated Starknet block: its base state and context, and its transactions.
#[derive(Clone, Debug)]
pub struct StarknetBlock {
    /// The base state, context and accounts.
    pub genesis: Genesis,
    /// The transactions, in block order.
    pub txs: Vec<Transaction>,
}

/// Parameters of [`random_block`].
#[derive(Clone, Debug)]
pub struct RandomStarknetParams {
    /// Transactions.
    pub txs: usize,
    /// Accounts: few make nonce chains and hot balances, many make independent transactions.
    pub accounts: usize,
    /// Counters (hot keys).
    pub counters: usize,
    /// Whether accounts check signatures (then some transactions carry bad ones).
    pub validate: bool,
    /// Seed.
    pub seed: u64,
    /// Whether the accounts are OpenZeppelin's Cairo 0 account 0.5.1 (which always checks
    /// signatures) instead of ours.
    pub cairo0_accounts: bool,
}

/// A random block mixing every kind of transaction we execute, for property tests: fee-token
/// transfers (some for more than the balance: reverted; some to the sequencer, whose balance
/// every fee adds to), counter increments (hot keys),
/// failing calls (reverted), failures caught by the caller, AMM swaps on one pool (a hot key),
/// NFT mints of free or taken ids and of the next id (a hot key), deploys (some to a taken
/// address), a declare of a class missing from the genesis (then deploys of it succeed; a
/// second declare is rejected), a deploy-account, L1 handlers (some without a fee: rejected),
/// bad signatures and wrong nonces (rejected), loops that run out of gas, and calls of Cairo 0
/// contracts (from Cairo 0 and from Cairo 1, some failing).
pub fn random_block(params: &RandomStarknetParams) -> Result<StarknetBlock, ClassError> {
    use starkstm_starknet::genesis::{Account, Call};
    use starkstm_starknet::starknet_api::abi::abi_utils::selector_from_name;
    use starkstm_starknet::starknet_api::core::{EntryPointSelector, Nonce};
    use starkstm_starknet::starknet_api::transaction::fields::Calldata;
    use starkstm_starknet::starknet_api::transaction::{L1HandlerTransaction, TransactionVersion};
    use starkstm_starknet::{Felt, U256};

    let mut rng = Rng::new(params.seed ^ 0x5354_4152_4b4e_4554);
    use crate::starknet_workloads::{Accounts, World};
    let kind = if params.cairo0_accounts {
        Accounts::Cairo0
    } else {
        Accounts::Ours
    };
    let world = World::with_accounts(params.accounts, params.validate, kind, 1, params.seed)?;
    let probes = world.probes[..2].to_vec();
    // The class declared in the block: the account flavour the genesis does not use.
    let (late_hash, late_class) = world.undeclared.clone();
    let counters: Vec<_> =
        world.counters[..params.counters.clamp(1, world.counters.len())].to_vec();
    let ([x, y], pool, nft) = (world.tokens, world.pool, world.nft);
    let mut genesis = world.genesis;
    let g = &mut genesis;
    // A deploy-account target, funded.
    let new_key = Felt::from(0xacc0_u64 + params.seed % 1000);
    let (deploy_account, new_address) = g.deploy_account(new_key, Felt::from(params.seed));
    g.state
        .set_erc20_balance(g.context.fee_token, new_address, U256::from_u128(1 << 100));

    let genesis = genesis;
    let g = &genesis;
    let accounts: Vec<Account> = g.accounts.clone();
    let mut nonces = vec![0u64; accounts.len()];
    let mut txs = Vec::with_capacity(params.txs);
    let mut seen = std::collections::HashSet::with_capacity(params.txs);
    let mut declared = false;
    let mut account_deployed = false;
    let counter_class = g.classes["counter"];
    let fail = selector_from_name("increase_then_fail").0;
    for i in 0..params.txs {
        let who = rng.below(accounts.len() as u64) as usize;
        let sender = accounts[who];
        let nonce = nonces[who];
        let mut bump = true;
        let counter = counters[rng.below(counters.len() as u64) as usize];
        let pick = rng.below(100);
        let call = |to, entry_point, calldata: Vec<Felt>| Call {
            to,
            entry_point,
            calldata,
        };
        let tx = match pick {
            0..=19 => {
                // Now and then to the sequencer: a real read of its balance, under the fees.
                let to = if rng.chance(0.1) {
                    g.context.sequencer
                } else {
                    accounts[rng.below(accounts.len() as u64) as usize].address
                };
                let amount = if rng.chance(0.1) {
                    1u128 << 100
                } else {
                    1 + rng.below(1000) as u128
                };
                g.invoke(&sender, nonce, &[g.transfer_call(to, amount)])
            }
            20..=32 => g.invoke(
                &sender,
                nonce,
                &[call(
                    counter,
                    "increase",
                    vec![Felt::from(1 + rng.below(9))],
                )],
            ),
            33..=37 => g.invoke(
                &sender,
                nonce,
                &[
                    call(counter, "increase", vec![Felt::ONE]),
                    call(counter, "increase_then_fail", vec![Felt::ONE]),
                ],
            ),
            38..=42 => {
                let other = counters[rng.below(counters.len() as u64) as usize];
                g.invoke(
                    &sender,
                    nonce,
                    &[call(
                        counter,
                        "call_and_catch",
                        vec![*other.0.key(), fail, Felt::ONE, Felt::TWO],
                    )],
                )
            }
            43..=54 => {
                let token = if rng.chance(0.5) { x } else { y };
                let amount = 1 + rng.below(1_000_000) as u128;
                g.invoke(
                    &sender,
                    nonce,
                    &[call(
                        pool,
                        "swap",
                        vec![*token.0.key(), Felt::from(amount), Felt::ZERO],
                    )],
                )
            }
            55..=62 => {
                let id = rng.below(32);
                g.invoke(
                    &sender,
                    nonce,
                    &[call(
                        nft,
                        "mint",
                        vec![*sender.address.0.key(), Felt::from(id), Felt::ZERO],
                    )],
                )
            }
            63..=66 => g.invoke(
                &sender,
                nonce,
                &[call(nft, "mint_next", vec![*sender.address.0.key()])],
            ),
            67..=71 => {
                // Deploy a counter (salt collisions revert), or the late class (fails before its
                // declare).
                let class = if rng.chance(0.5) {
                    counter_class
                } else {
                    late_hash
                };
                let salt = Felt::from(rng.below(8));
                g.invoke(
                    &sender,
                    nonce,
                    &[call(
                        counter,
                        "deploy_counter",
                        vec![class.0, salt, Felt::from(7)],
                    )],
                )
            }
            72..=74 if !declared || rng.chance(0.3) => {
                // A second declare of the class is rejected: no nonce bump.
                bump = !declared;
                declared = true;
                g.declare(&sender, nonce, late_hash, late_class.clone())
            }
            75..=76 if params.validate && !account_deployed => {
                account_deployed = true;
                bump = false;
                deploy_account.clone()
            }
            77..=80 => {
                bump = false;
                let paid = if rng.chance(0.8) { 1 } else { 0 };
                let calldata = vec![Felt::from(0xe7), Felt::from(1 + rng.below(5))];
                Transaction::l1_handler(
                    L1HandlerTransaction {
                        version: TransactionVersion::ZERO,
                        nonce: Nonce(Felt::from(i)),
                        contract_address: counter,
                        entry_point_selector: EntryPointSelector(selector_from_name("deposit").0),
                        calldata: Calldata(std::sync::Arc::new(calldata)),
                    },
                    paid,
                    &g.context.chain_id,
                )
                .expect("an L1 handler hashes")
            }
            // Rejected transactions carry an amount of their own (`1000 + i`), so that two of
            // them, or one and a later transaction at the same nonce, never repeat a hash.
            81..=84 if params.validate => {
                bump = false;
                g.invoke_with(
                    &sender,
                    nonce,
                    &[call(counter, "increase", vec![Felt::from(1000 + i as u64)])],
                    g.bounds(starkstm_starknet::genesis::DEFAULT_MAX_L2_GAS),
                    false,
                )
            }
            85..=88 => {
                bump = false;
                g.invoke(
                    &sender,
                    nonce + 1 + rng.below(2),
                    &[call(counter, "increase", vec![Felt::from(1000 + i as u64)])],
                )
            }
            89..=91 => g.invoke_with(
                &sender,
                nonce,
                &[call(counter, "spin", vec![Felt::from(1_000_000_000u64)])],
                g.bounds(2_000_000),
                true,
            ),
            92..=95 => {
                // Cairo 0 probes (two: hot keys), called directly and from Cairo 1.
                let probe = probes[rng.below(2) as usize];
                let probe_class = g.classes[starkstm_starknet::contracts::PROBE_CAIRO0.name].0;
                let calls = match rng.below(5) {
                    0 => vec![call(probe, "increase", vec![Felt::from(1 + rng.below(9))])],
                    1 => vec![call(
                        probe,
                        "call_increase",
                        vec![*counter.0.key(), Felt::ONE],
                    )],
                    2 => vec![call(
                        probe,
                        "library_increase",
                        vec![probe_class, Felt::TWO],
                    )],
                    3 => vec![call(probe, "fail", vec![])],
                    _ => vec![call(
                        counter,
                        "call_and_catch",
                        vec![
                            *probe.0.key(),
                            selector_from_name("increase").0,
                            Felt::ONE,
                            Felt::ONE,
                        ],
                    )],
                };
                g.invoke(&sender, nonce, &calls)
            }
            _ => {
                let to = accounts[rng.below(accounts.len() as u64) as usize].address;
                g.invoke(
                    &sender,
                    nonce,
                    &[
                        g.transfer_call(to, 5),
                        call(counter, "increase", vec![Felt::ONE]),
                    ],
                )
            }
        };
        // A block holds a transaction once: a repeat (a rejected declare sent again by the
        // same sender at the same nonce) is left out.
        if !seen.insert(tx.hash()) {
            continue;
        }
        if bump {
            nonces[who] += 1;
        }
        txs.push(tx);
    }
    Ok(StarknetBlock { genesis, txs })
}
