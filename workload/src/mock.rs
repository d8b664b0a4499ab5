//! The mock VM: transactions that read and write `u32` keys holding `u64` values.
//!
//! A [`MockTransaction`] is a list of [`Op`]s run in order against the engine's view, keeping a
//! running *digest* of everything it read. The digest decides what it writes (so a stale read
//! changes the result), which key a *dynamic* op touches (so the read and write sets change from
//! one incarnation to the next when the values under them change), and whether the transaction
//! reverts (output, no writes) or fails fatally. Everything is a pure function of the
//! transaction and the values read, as the engine's contract requires; incarnations differ only
//! because the values they see differ, which is exactly what happens to a real VM.

use starkstm_engine::{ReadError, TransactionExecutor, TxView};

use crate::rng::mix64;
use crate::work::spin;

/// A state key of the mock VM.
pub type MockKey = u32;

/// One step of a mock transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read a key into the digest.
    Read(MockKey),
    /// Read the key `base + digest % span`: which key depends on what was read before.
    ReadDynamic {
        /// The first candidate key.
        base: MockKey,
        /// How many candidates.
        span: u32,
    },
    /// Write a value derived from the digest and the key.
    Write(MockKey),
    /// Write the key `base + digest % span`.
    WriteDynamic {
        /// The first candidate key.
        base: MockKey,
        /// How many candidates.
        span: u32,
    },
    /// Add a constant to a key without reading it (a delta write).
    Add(MockKey, u64),
    /// Burn this many work units (see [`crate::work`]).
    Work(u32),
}

/// A mock transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockTransaction {
    /// A per-transaction seed for the digest.
    pub seed: u64,
    /// The steps, in order.
    pub ops: Vec<Op>,
    /// Revert (keep the output, drop the writes) when `digest % revert_one_in == 0`; 0 never.
    pub revert_one_in: u64,
    /// Fail fatally when `digest % fail_one_in == 0`; 0 never.
    pub fail_one_in: u64,
}

/// How a mock transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MockStatus {
    /// Its writes were applied.
    Succeeded,
    /// It produced an output but no writes.
    Reverted,
}

/// The output of a mock transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MockOutput {
    /// How it ended.
    pub status: MockStatus,
    /// The digest of everything it read (and of its work).
    pub digest: u64,
}

/// A fatal mock failure.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MockError {
    /// The transaction's digest hit its failure rate.
    #[error("mock transaction failed fatally (digest {digest:#x})")]
    Failed {
        /// The digest that triggered it.
        digest: u64,
    },
    /// A read was interrupted (the engine handles this itself).
    #[error(transparent)]
    Interrupted(#[from] ReadError),
}

/// The mock VM.
#[derive(Clone, Copy, Debug, Default)]
pub struct MockVm;

fn fold(digest: u64, key: MockKey, value: u64) -> u64 {
    mix64(digest ^ mix64(u64::from(key) ^ value.rotate_left(17)))
}

fn pick(digest: u64, base: MockKey, span: u32) -> MockKey {
    base.wrapping_add((digest % u64::from(span.max(1))) as u32)
}

impl TransactionExecutor for MockVm {
    type Transaction = MockTransaction;
    type Key = MockKey;
    type Value = u64;
    type Output = MockOutput;
    type Error = MockError;

    fn execute(
        &self,
        tx: &MockTransaction,
        view: &mut TxView<'_, MockKey, u64>,
    ) -> Result<MockOutput, MockError> {
        let mut digest = mix64(tx.seed);
        for op in &tx.ops {
            match *op {
                Op::Read(key) => digest = fold(digest, key, view.read(&key)?),
                Op::ReadDynamic { base, span } => {
                    let key = pick(digest, base, span);
                    digest = fold(digest, key, view.read(&key)?);
                }
                Op::Write(key) => view.write(key, fold(digest, key, 0)),
                Op::WriteDynamic { base, span } => {
                    let key = pick(digest, base, span);
                    view.write(key, fold(digest, key, 0));
                }
                Op::Add(key, delta) => view.add(key, delta),
                Op::Work(units) => digest = spin(digest, units),
            }
        }
        if tx.fail_one_in > 0 && digest % tx.fail_one_in == 0 {
            return Err(MockError::Failed { digest });
        }
        let status = if tx.revert_one_in > 0 && digest % tx.revert_one_in == 0 {
            view.discard_writes();
            MockStatus::Reverted
        } else {
            MockStatus::Succeeded
        };
        Ok(MockOutput { status, digest })
    }
}
