//! Named mock workloads, each with the contention it creates.
//!
//! | pattern | each transaction | contention |
//! |---|---|---|
//! | [`Pattern::Independent`] | reads and writes two keys of its own | none: every transaction could run at once |
//! | [`Pattern::Zipf`] | reads and writes two keys drawn Zipf(1) from `keys` keys | skewed: a few hot keys, many cold ones |
//! | [`Pattern::Chain`] | reads and writes one key shared by the whole block | total: each transaction depends on the one before |
//! | [`Pattern::Delta`] | reads and writes its own key and *adds* a fee to one shared counter | none, thanks to delta writes (a read-modify-write would chain the block) |
//!
//! Each transaction also burns `work_units` (see [`crate::work`]) between its reads and writes,
//! standing in for VM execution.

use std::fmt;
use std::str::FromStr;

use crate::mock::{MockKey, MockTransaction, Op};
use crate::rng::Rng;

/// The key every [`Pattern::Chain`] transaction reads and writes, and every [`Pattern::Delta`]
/// transaction adds to.
pub const HOT_KEY: MockKey = 0;

/// A named workload shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pattern {
    /// No two transactions touch the same key.
    Independent,
    /// Keys drawn from a Zipf(1) distribution.
    Zipf,
    /// Every transaction reads and writes one hot key.
    Chain,
    /// Every transaction adds to one hot counter with a delta write.
    Delta,
}

impl Pattern {
    /// Every pattern, in the order reports list them.
    pub const ALL: [Pattern; 4] = [
        Pattern::Independent,
        Pattern::Zipf,
        Pattern::Chain,
        Pattern::Delta,
    ];

    /// The pattern's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::Independent => "independent",
            Pattern::Zipf => "zipf",
            Pattern::Chain => "chain",
            Pattern::Delta => "delta",
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown pattern name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown pattern '{0}' (expected independent, zipf, chain or delta)")]
pub struct UnknownPattern(String);

impl FromStr for Pattern {
    type Err = UnknownPattern;
    fn from_str(s: &str) -> Result<Pattern, UnknownPattern> {
        Pattern::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| UnknownPattern(s.to_owned()))
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MockBlockSpec {
    /// The shape.
    pub pattern: Pattern,
    /// Transactions in the block.
    pub txs: usize,
    /// Key-space size for [`Pattern::Zipf`] (the other patterns size their own).
    pub keys: u32,
    /// Work units per transaction.
    pub work_units: u32,
    /// Seed.
    pub seed: u64,
}

/// Generates the block `spec` describes; the same spec always gives the same block.
pub fn mock_block(spec: &MockBlockSpec) -> Vec<MockTransaction> {
    let mut rng = Rng::new(spec.seed);
    let zipf = (spec.pattern == Pattern::Zipf).then(|| Zipf::new(spec.keys.max(1), 1.0));
    (0..spec.txs)
        .map(|i| {
            // Keys of its own: 1 + 2i and 2 + 2i (key 0 is the hot key).
            let own = 1 + 2 * i as MockKey;
            let (a, b) = match (&zipf, spec.pattern) {
                (Some(zipf), _) => (zipf.sample(&mut rng), zipf.sample(&mut rng)),
                _ => (own, own + 1),
            };
            let work = Op::Work(spec.work_units);
            let ops = match spec.pattern {
                Pattern::Independent | Pattern::Zipf => {
                    vec![Op::Read(a), Op::Read(b), work, Op::Write(a), Op::Write(b)]
                }
                Pattern::Chain => vec![Op::Read(HOT_KEY), work, Op::Write(HOT_KEY), Op::Write(a)],
                Pattern::Delta => vec![
                    Op::Read(a),
                    work,
                    Op::Write(a),
                    Op::Add(HOT_KEY, 1 + rng.below(100)),
                ],
            };
            MockTransaction {
                seed: rng.next_u64(),
                ops,
                revert_one_in: 0,
                fail_one_in: 0,
            }
        })
        .collect()
}

/// Samples ranks `0..n` with probability proportional to `1 / (rank + 1)^s`.
#[derive(Clone, Debug)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    /// A Zipf(`s`) distribution over `n` ranks (`n > 0`).
    pub fn new(n: u32, s: f64) -> Zipf {
        let mut total = 0.0;
        let mut cdf: Vec<f64> = (1..=n)
            .map(|rank| {
                total += 1.0 / f64::from(rank).powf(s);
                total
            })
            .collect();
        for p in &mut cdf {
            *p /= total;
        }
        Zipf { cdf }
    }

    /// A rank, 0 the most likely.
    pub fn sample(&self, rng: &mut Rng) -> u32 {
        let u = rng.unit();
        let rank = self.cdf.partition_point(|&p| p <= u);
        rank.min(self.cdf.len() - 1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Pattern::ALL {
            assert_eq!(p.name().parse::<Pattern>(), Ok(p));
        }
        assert!("nope".parse::<Pattern>().is_err());
    }

    #[test]
    fn blocks_are_deterministic() {
        let spec = MockBlockSpec {
            pattern: Pattern::Zipf,
            txs: 50,
            keys: 100,
            work_units: 3,
            seed: 9,
        };
        assert_eq!(mock_block(&spec), mock_block(&spec));
        assert_ne!(
            mock_block(&spec),
            mock_block(&MockBlockSpec { seed: 10, ..spec })
        );
    }

    #[test]
    fn zipf_prefers_low_ranks() {
        let zipf = Zipf::new(1000, 1.0);
        let mut rng = Rng::new(3);
        let samples: Vec<u32> = (0..10_000).map(|_| zipf.sample(&mut rng)).collect();
        let zeros = samples.iter().filter(|&&r| r == 0).count();
        let tail = samples.iter().filter(|&&r| r >= 500).count();
        assert!(samples.iter().all(|&r| r < 1000));
        // P(rank 0) = 1/H(1000) ≈ 0.134; the upper half of the ranks holds ≈ 0.09.
        assert!((1100..1600).contains(&zeros), "{zeros}");
        assert!(tail < zeros, "{tail} vs {zeros}");
    }
}
