//! [`Error`]: why a block could not be executed.

use std::fmt;

use starkstm_primitives::TxIndex;

use crate::storage::StorageError;

/// Why a block execution failed. Whatever the variant, every worker thread has stopped and been
/// joined, and no partial output is returned.
#[derive(Debug, thiserror::Error)]
pub enum Error<E: std::error::Error + 'static> {
    /// The VM returned a fatal error for this transaction's final incarnation (the transactions
    /// before it executed normally; the sequential executor fails at the same transaction).
    #[error("{tx} failed fatally")]
    Executor {
        /// The failing transaction.
        tx: TxIndex,
        /// The VM's error.
        #[source]
        source: E,
    },
    /// Reading the base state failed, in this transaction's final incarnation (a failed read in
    /// an incarnation that is later discarded is not reported).
    #[error("reading the base state failed{}", on_tx(*.tx))]
    Storage {
        /// The transaction that was reading, if the read was for one.
        tx: Option<TxIndex>,
        /// The storage error.
        #[source]
        source: StorageError,
    },
    /// The VM panicked while executing this transaction's final incarnation (sequential execution
    /// panics there too; a panic in an incarnation that read inconsistent state and is then
    /// discarded is not reported).
    #[error("the VM panicked executing {tx}: {message}")]
    Panicked {
        /// The transaction being executed.
        tx: TxIndex,
        /// The panic message.
        message: String,
    },
    /// The commit hook panicked when shown this transaction.
    #[error("the commit hook panicked at {tx}: {message}")]
    CommitHook {
        /// The transaction the hook was deciding on.
        tx: TxIndex,
        /// The panic message.
        message: String,
    },
    /// The engine broke one of its own invariants (a bug in starkstm). The caller may fall back
    /// to the sequential executor.
    #[error("starkstm bug: {0}")]
    Invariant(InvariantViolation),
}

fn on_tx(tx: Option<TxIndex>) -> String {
    tx.map(|tx| format!(" for {tx}")).unwrap_or_default()
}

/// A broken engine invariant, with what was observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvariantViolation {
    message: String,
}

impl InvariantViolation {
    pub(crate) fn new(message: impl Into<String>) -> InvariantViolation {
        InvariantViolation {
            message: message.into(),
        }
    }
}

impl fmt::Display for InvariantViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The message of a caught panic.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}
