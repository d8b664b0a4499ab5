//! [`TransactionExecutor`]: the one trait a VM implements to run on starkstm.

use std::fmt::Debug;

use starkstm_versioned_state::{Key, Value};

use crate::view::TxView;

/// A virtual machine that executes one transaction against a [`TxView`].
///
/// The engine calls [`execute`](TransactionExecutor::execute) once per incarnation, possibly many
/// times for one transaction and from many threads at once, each time with a fresh view. The
/// contract that makes parallel execution equal to sequential execution:
///
/// - **Deterministic in what it reads.** The output and the writes depend only on the
///   transaction and the values the view returned, never on time, thread, randomness or on how
///   many times the transaction ran before.
/// - **All state through the view.** Read with [`TxView::read`], write with [`TxView::write`] or
///   [`TxView::add`]; keep no other shared mutable state.
/// - **Stop when a read fails.** [`TxView::read`] fails when the value depends on a transaction
///   that is being re-executed, or the base state could not be read. Return promptly (any output
///   or error will do: the engine discards this incarnation and knows why). A VM that swallows the
///   failure and goes on is still correct, only slower.
/// - **`Err` is fatal for the block.** A transaction that fails in a way the chain records (a
///   reverted or rejected transaction) must return `Ok` with an output saying so. `Err` is for
///   what makes the whole block unusable; it is acted on only if the transaction's final
///   incarnation returns it, so a speculative incarnation that errs on an inconsistent read is
///   harmless. The same holds for a panic, though a VM should not panic on any input: the
///   parallel executor reports one only where sequential execution meets it too.
pub trait TransactionExecutor: Sync {
    /// A transaction of the block.
    type Transaction: Sync;
    /// A state key.
    type Key: Key;
    /// A state value.
    type Value: Value;
    /// What executing a transaction returns (a receipt).
    type Output: Clone + PartialEq + Debug + Send;
    /// A fatal error (see the trait doc).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Executes `tx` against `view`.
    fn execute(
        &self,
        tx: &Self::Transaction,
        view: &mut TxView<'_, Self::Key, Self::Value>,
    ) -> Result<Self::Output, Self::Error>;
}
