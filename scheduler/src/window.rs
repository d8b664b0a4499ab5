//! The speculation window: how far past the commit frontier execution may run.
//!
//! Block-STM lets the execution cursor run arbitrarily far ahead of the committed prefix. On a
//! block where every transaction depends on the one before (a chain), that speculation is all
//! waste: each speculative incarnation reads a value that is about to change and is executed
//! again, and the paper measures ~30% slowdown against sequential. We bound speculation to
//! `committed + size` transactions and adapt `size` like a congestion window (additive increase,
//! multiplicative decrease): after `max(size, MIN_STREAK)` consecutive transactions commit with
//! their first incarnation the window grows by one; every abort or dependency halves it, down to
//! one, and restarts the count. On a chain the window stays at one most of the time (it probes two
//! once every [`MIN_STREAK`] commits, and the probe fails) and the block runs at sequential speed
//! on one thread at a time; on independent transactions it keeps growing and never binds.
//!
//! The window is a heuristic: it decides only *when* transactions are executed, never whether a
//! result is correct, so its counters are `Relaxed` and races on them only shift the heuristic.

use crate::sync::{AtomicU32, Ordering};

/// The fewest clean commits in a row that grow the window: a window of one probes two only this
/// often, so a chain wastes one speculative execution per this many transactions.
pub(crate) const MIN_STREAK: u32 = 8;

/// The adaptive bound on speculative execution.
#[derive(Debug)]
pub(crate) struct Window {
    /// The current size (at least one). Written by any worker that commits or aborts.
    size: AtomicU32,
    /// Clean commits since the window last changed.
    streak: AtomicU32,
    /// The smallest size conflicts shrink it to.
    floor: u32,
    max: u32,
}

impl Window {
    /// A window of `initial` transactions, never shrunk below `floor` (nor below one), never
    /// grown past `max` (the block size).
    pub(crate) fn new(initial: u32, floor: u32, max: u32) -> Window {
        let max = max.max(1);
        let floor = floor.clamp(1, max);
        Window {
            size: AtomicU32::new(initial.clamp(floor, max)),
            streak: AtomicU32::new(0),
            floor,
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
        // ORDERING: Relaxed; heuristic counters (only the commit-lock holder calls this).
        let streak = self.streak.fetch_add(1, Ordering::Relaxed) + 1;
        let size = self.size.load(Ordering::Relaxed);
        if streak >= size.max(MIN_STREAK) && size < self.max {
            self.size.store(size + 1, Ordering::Relaxed);
            self.streak.store(0, Ordering::Relaxed);
        }
    }

    /// An incarnation was aborted or met a dependency: speculation was wasted.
    pub(crate) fn on_conflict(&self) {
        // ORDERING: Relaxed; heuristic counters.
        self.streak.store(0, Ordering::Relaxed);
        let _ = self
            .size
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                (s > self.floor).then_some((s / 2).max(self.floor))
            });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn commits(w: &Window, n: u32) {
        for _ in 0..n {
            w.on_clean_commit();
        }
    }

    #[test]
    fn grows_by_one_per_streak_halves_on_conflict_and_stays_in_bounds() {
        let w = Window::new(4, 1, 10);
        commits(&w, MIN_STREAK - 1);
        assert_eq!(w.size(), 4);
        w.on_clean_commit();
        assert_eq!(w.size(), 5);
        commits(&w, MIN_STREAK);
        assert_eq!(w.size(), 6);
        w.on_conflict();
        commits(&w, MIN_STREAK - 1);
        assert_eq!(w.size(), 3, "a conflict halves and restarts the streak");
        w.on_clean_commit();
        assert_eq!(w.size(), 4);
        commits(&w, 100 * MIN_STREAK);
        assert_eq!(w.size(), 10, "capped at max");
        w.on_conflict();
        assert_eq!(w.size(), 5);
        w.on_conflict();
        assert_eq!(w.size(), 2);
        w.on_conflict();
        w.on_conflict();
        w.on_conflict();
        assert_eq!(w.size(), 1, "never below one");
        assert_eq!(Window::new(0, 0, 0).size(), 1);
        let floored = Window::new(8, 3, 10);
        floored.on_conflict();
        floored.on_conflict();
        assert_eq!(floored.size(), 3, "never below the floor");
    }
}
