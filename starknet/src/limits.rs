//! [`BlockLimits`]: a block's capacity, checked in commit order as a commit hook.

use starkstm_engine::{CommitDecision, CommitHook, TxIndex};

use crate::receipt::Receipt;
use crate::vm::StarknetVm;

/// A block's capacity; `None` is unlimited. Succeeded and reverted transactions count what their
/// receipts report; rejected ones count nothing (a rejected transaction is not part of the block
/// on chain). Set the block context's `tx_capacity` to the same capacity, so that a transaction
/// too large for any block is rejected instead of closing an empty block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockCapacity {
    /// Transactions.
    pub n_txs: Option<u64>,
    /// L2 gas, as receipts report it.
    pub l2_gas: Option<u64>,
    /// Cairo steps.
    pub steps: Option<u64>,
    /// Events.
    pub events: Option<u64>,
    /// State-diff size: the state keys transactions write, summed per transaction (an upper
    /// bound on the block's diff, which counts a key written twice once).
    pub state_diff_size: Option<u64>,
    /// L2→L1 messages.
    pub messages: Option<u64>,
}

/// What the block has used so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockUsage {
    /// Transactions.
    pub n_txs: u64,
    /// L2 gas.
    pub l2_gas: u64,
    /// Cairo steps.
    pub steps: u64,
    /// Events.
    pub events: u64,
    /// State keys written.
    pub state_diff_size: u64,
    /// Messages.
    pub messages: u64,
}

impl BlockUsage {
    /// What `receipt`'s transaction uses of a block (nothing if it was rejected).
    pub fn of(receipt: &Receipt) -> BlockUsage {
        if matches!(receipt.status, crate::receipt::Status::Rejected(_)) {
            return BlockUsage::default();
        }
        BlockUsage {
            n_txs: 1,
            l2_gas: receipt.resources.l2_gas,
            steps: receipt.resources.steps,
            events: receipt.events.len() as u64,
            state_diff_size: receipt.resources.state_writes,
            messages: receipt.messages.len() as u64,
        }
    }

    fn plus(&self, other: &BlockUsage) -> BlockUsage {
        BlockUsage {
            n_txs: self.n_txs + other.n_txs,
            l2_gas: self.l2_gas.saturating_add(other.l2_gas),
            steps: self.steps.saturating_add(other.steps),
            events: self.events + other.events,
            state_diff_size: self.state_diff_size + other.state_diff_size,
            messages: self.messages + other.messages,
        }
    }

    /// The first limit of `capacity` this usage exceeds, if any.
    pub fn exceeds(&self, capacity: &BlockCapacity) -> Option<&'static str> {
        let over = |limit: Option<u64>, used: u64| limit.is_some_and(|l| used > l);
        [
            ("transactions", over(capacity.n_txs, self.n_txs)),
            ("L2 gas", over(capacity.l2_gas, self.l2_gas)),
            ("steps", over(capacity.steps, self.steps)),
            ("events", over(capacity.events, self.events)),
            (
                "state-diff size",
                over(capacity.state_diff_size, self.state_diff_size),
            ),
            ("messages", over(capacity.messages, self.messages)),
        ]
        .into_iter()
        .find_map(|(name, over)| over.then_some(name))
    }
}

/// Checks a [`BlockCapacity`] in commit order: the first transaction that would overflow it
/// closes the block before it, so it and everything after it are left out (for the next
/// block). Pass it as the commit hook of
/// [`BlockControl`](starkstm_engine::BlockControl); both executors give the same result.
#[derive(Clone, Debug, Default)]
pub struct BlockLimits {
    capacity: BlockCapacity,
    used: BlockUsage,
    full: Option<(TxIndex, &'static str)>,
}

impl BlockLimits {
    /// A fresh block with `capacity`.
    pub fn new(capacity: BlockCapacity) -> BlockLimits {
        BlockLimits {
            capacity,
            used: BlockUsage::default(),
            full: None,
        }
    }

    /// What the included transactions used.
    pub fn used(&self) -> &BlockUsage {
        &self.used
    }

    /// The transaction that did not fit, and the limit it would have exceeded.
    pub fn full(&self) -> Option<(TxIndex, &'static str)> {
        self.full
    }
}

impl CommitHook<StarknetVm> for BlockLimits {
    fn on_commit(&mut self, tx: TxIndex, receipt: &Receipt) -> CommitDecision {
        let after = self.used.plus(&BlockUsage::of(receipt));
        match after.exceeds(&self.capacity) {
            Some(limit) => {
                self.full = Some((tx, limit));
                CommitDecision::Close
            }
            None => {
                self.used = after;
                CommitDecision::Commit
            }
        }
    }
}
