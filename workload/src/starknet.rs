//! Starknet workloads: blocks of signed transactions over a generated [`Genesis`].

use starkstm_starknet::genesis::{Genesis, GenesisConfig};
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

/// `transfers`: fee-token transfers of a small random amount to uniformly random recipients.
///
/// Senders go round-robin over the accounts (transaction `i` is sent by account
/// `i mod accounts` with nonce `i div accounts`), so with at least as many accounts as
/// transactions no two transactions share a sender. Contention: every transaction writes its
/// sender's and its recipient's balance; two collide when one's recipient is another's sender
/// or both pick the same recipient — with 10,000 accounts and 1,000 transactions, a few
/// percent. Every fee goes to the sequencer as a commutative delta, which creates no conflict.
#[derive(Clone, Debug)]
pub struct TransfersSpec {
    /// Transactions.
    pub txs: usize,
    /// Accounts (senders and recipients), at least 1.
    pub accounts: usize,
    /// Whether accounts check signatures (ECDSA in Cairo) or skip validation.
    pub validate: bool,
    /// Seed of keys, addresses and recipients.
    pub seed: u64,
}

/// Generates a `transfers` block.
pub fn transfers(spec: &TransfersSpec) -> Result<StarknetBlock, ClassError> {
    let genesis = Genesis::new(&GenesisConfig {
        accounts: spec.accounts.max(1),
        validate: spec.validate,
        seed: spec.seed,
        ..GenesisConfig::default()
    })?;
    let mut rng = Rng::new(spec.seed ^ 0x7472_616e_7366_6572);
    let n = genesis.accounts.len();
    let txs = (0..spec.txs)
        .map(|i| {
            let sender = &genesis.accounts[i % n];
            let recipient = genesis.accounts[rng.below(n as u64) as usize].address;
            let amount = 1 + rng.below(1000) as u128;
            genesis.invoke(
                sender,
                (i / n) as u64,
                &[genesis.transfer_call(recipient, amount)],
            )
        })
        .collect();
    Ok(StarknetBlock { genesis, txs })
}
