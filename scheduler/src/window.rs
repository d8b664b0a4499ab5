//! The speculation window: how far past the commit frontier execution may run.
//!
//! Block-STM lets the execution cursor run arbitrarily far ahead of the committed prefix. On a
//! block where every transaction depends on the one before (a chain), that speculation is all
//! waste: each speculative incarnation reads a value that is about to change and is executed
//! again, and the paper measures ~30% slowdown against sequential. We bound speculation to
//! `committed + size` transactions and adapt `size` like a congestion window (additive increase,
//! multiplicative decrease): every transaction that commits with its first incarnation grows the
//! window by one; every abort or dependency halves it, down to one. On a chain the window settles
//! at one or two and the block runs at sequential speed on one thread at a time; on independent
//! transactions it grows to the block size and never limits anything.
//!
//! The window is a heuristic: it decides only *when* transactions are executed, never whether a
//! result is correct, so its counters are `Relaxed` and races on them only shift the heuristic.

use crate::sync::{AtomicU32, Ordering};

/// The adaptive bound on speculative execution.
#[derive(Debug)]
pub(crate) struct Window {
    /// The current size (at least one). Written by any worker that commits or aborts.
    size: AtomicU32,
    max: u32,
}

impl Window {
    pub(crate) fn new(initial: u32, max: u32) -> Window {
        let max = max.max(1);
        Window {
            size: AtomicU32::new(initial.clamp(1, max)),
            max,
        }
    }

    /// The current size.
    pub(crate) fn size(&self) -> u32 {
        // ORDERING: Relaxed; the window orders nothing (see the module doc).
        self.size.load(Ordering::Relaxed)
    }

    /// A transaction committed with its first incarnation: speculation paid off.
    pub(crate) fn on_clean_commit(&self) {
        // ORDERING: Relaxed; a heuristic counter.
        let _ = self
            .size
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                (s < self.max).then_some(s + 1)
            });
    }

    /// An incarnation was aborted or met a dependency: speculation was wasted.
    pub(crate) fn on_conflict(&self) {
        // ORDERING: Relaxed; a heuristic counter.
        let _ = self
            .size
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                (s > 1).then_some((s / 2).max(1))
            });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn grows_by_one_halves_on_conflict_and_stays_in_bounds() {
        let w = Window::new(4, 6);
        w.on_clean_commit();
        assert_eq!(w.size(), 5);
        w.on_clean_commit();
        w.on_clean_commit();
        assert_eq!(w.size(), 6, "capped at max");
        w.on_conflict();
        assert_eq!(w.size(), 3);
        w.on_conflict();
        w.on_conflict();
        w.on_conflict();
        assert_eq!(w.size(), 1, "never below one");
        assert_eq!(Window::new(0, 0).size(), 1);
    }
}
