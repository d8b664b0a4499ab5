//! Random mock blocks for property tests: every [`Op`] kind, static and dynamic keys, delta
//! writes on keys that are also read and written in full, reverts and fatal failures.

use crate::mock::{MockKey, MockTransaction, Op};
use crate::rng::Rng;

/// The knobs of [`random_block`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomBlockParams {
    /// Transactions in the block.
    pub txs: usize,
    /// Key-space size (1 = everything on one hot key).
    pub keys: u32,
    /// Most ops per transaction (at least one is generated).
    pub max_ops: usize,
    /// Share of ops whose key depends on the values read so far.
    pub dynamic_share: f64,
    /// Share of writes that are delta writes.
    pub delta_share: f64,
    /// Revert when `digest % revert_one_in == 0` (0 never).
    pub revert_one_in: u64,
    /// Fail fatally when `digest % fail_one_in == 0` (0 never).
    pub fail_one_in: u64,
    /// Work units per transaction.
    pub work_units: u32,
}

/// A random block; the same parameters and seed always give the same block.
pub fn random_block(params: &RandomBlockParams, seed: u64) -> Vec<MockTransaction> {
    let mut rng = Rng::new(seed);
    let keys = params.keys.max(1);
    (0..params.txs)
        .map(|_| {
            let n_ops = 1 + rng.below(params.max_ops.max(1) as u64) as usize;
            let mut ops = Vec::with_capacity(n_ops + 1);
            let work_at = rng.below(n_ops as u64 + 1) as usize;
            for i in 0..n_ops {
                if i == work_at && params.work_units > 0 {
                    ops.push(Op::Work(params.work_units));
                }
                let key = rng.below(u64::from(keys)) as MockKey;
                let span = 1 + rng.below(u64::from(keys.min(16))) as u32;
                let dynamic = rng.chance(params.dynamic_share);
                let op = match rng.below(2) {
                    0 if dynamic => Op::ReadDynamic {
                        base: key.min(keys - span),
                        span,
                    },
                    0 => Op::Read(key),
                    _ if rng.chance(params.delta_share) => Op::Add(key, 1 + rng.below(1_000)),
                    _ if dynamic => Op::WriteDynamic {
                        base: key.min(keys - span),
                        span,
                    },
                    _ => Op::Write(key),
                };
                ops.push(op);
            }
            MockTransaction {
                seed: rng.next_u64(),
                ops,
                revert_one_in: params.revert_one_in,
                fail_one_in: params.fail_one_in,
            }
        })
        .collect()
}
