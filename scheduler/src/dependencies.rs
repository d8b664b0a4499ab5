//! Per-transaction dependents lists: who waits for transaction `b` to finish its next
//! incarnation.
//!
//! Invariant: a transaction waits in at most one list, and while it waits its status is
//! `Aborting`. The list of `b` is drained by `finish_execution(b)` after `b`'s status became
//! `Executed`; `add_dependency` checks `b`'s status while holding `b`'s list lock, so a dependent
//! is either drained or told the dependency already resolved (scenario *lost wake-up* in
//! `docs/protocol.md`).

use starkstm_primitives::TxIndex;

use crate::sync::{Mutex, MutexGuard};

/// One dependents list per transaction.
#[derive(Debug)]
pub(crate) struct Dependencies {
    lists: Box<[Mutex<Vec<TxIndex>>]>,
}

impl Dependencies {
    pub(crate) fn new(num_txs: usize) -> Dependencies {
        Dependencies {
            lists: (0..num_txs).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// Locks `blocking`'s list; the caller checks `blocking`'s status under it and pushes.
    pub(crate) fn lock(&self, blocking: TxIndex) -> MutexGuard<'_, Vec<TxIndex>> {
        self.lists[blocking.as_usize()].lock()
    }

    /// Takes every transaction waiting on `tx`.
    pub(crate) fn drain(&self, tx: TxIndex) -> Vec<TxIndex> {
        std::mem::take(&mut *self.lists[tx.as_usize()].lock())
    }
}
