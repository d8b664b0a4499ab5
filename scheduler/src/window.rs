//! The speculation window: how far past the commit frontier execution may run.
//!
//! Block-STM lets the execution cursor run arbitrarily far ahead of the committed prefix. On a
//! block where every transaction depends on the one before (a chain), that speculation is all
//! waste: each speculative incarnation reads a value that is about to change and is executed
//! again, and the paper measures ~30% slowdown against sequential. We bound speculation to
//! `committed + size` transactions and adapt `size` like a congestion window (additive increase,
//! multiplicative decrease): after `max(size, MIN_STREAK)` consecutive transactions commit with
//! their first incarnation the window grows by one; every abort or dependency halves it, down to
//! a floor, and restarts the count. On a chain the window stays at one most of the time (it
//! probes two once every [`CHAIN_STREAK`] commits, and the probe fails) and the block runs at
//! sequential speed on one thread at a time; on independent transactions it keeps growing and
//! never binds.
//!
//! The floor under the window is the thread count (so the window alone never idles a worker),
//! except when most transactions conflict: then it follows the block's *conflict distance*, how
//! far below a conflicting transaction the one it conflicted with was, since speculating further
//! ahead than that is wasted. On a chain (every transaction conflicts, at distance one) the window
//! shrinks to one; on `k` interleaved chains (`k` senders, say) to `k`; on scattered conflicts
//! (a few percent of transactions, at whatever distance the window allowed) it stays at the
//! thread count. Both are moving averages: the conflict rate over recent commits, the distance
//! (capped at the thread count) over recent conflicts.
//!
//! The window is a heuristic: it decides only *when* transactions are executed, never whether a
//! result is correct, so its counters are `Relaxed` and races on them only shift the heuristic.

use crate::sync::{AtomicU32, Ordering};

/// The fewest clean commits in a row that grow the window: a window of one probes two only this
/// often, so a chain wastes one speculative execution per this many transactions.
pub(crate) const MIN_STREAK: u32 = 8;

/// [`MIN_STREAK`] while the floor says the block is a chain (or a few interleaved chains).
pub(crate) const CHAIN_STREAK: u32 = 4 * MIN_STREAK;

/// The conflict rate (in 1/256ths of commits) from which the floor follows the conflict
/// distance: half the transactions.
const CHAIN_RATE: u32 = 128;

/// The adaptive bound on speculative execution.
#[derive(Debug)]
pub(crate) struct Window {
    /// The current size (at least one). Written by any worker that commits or aborts.
    size: AtomicU32,
    /// Clean commits since the window last changed.
    streak: AtomicU32,
    /// Moving average of recent conflict distances (capped at `max_floor`), in sixteenths.
    distance: AtomicU32,
    /// Moving average of the share of recent speculation that failed, in 1/256ths: over
    /// commits of transactions that needed more than one incarnation (failed) or whose first
    /// incarnation ran speculatively and held (succeeded). A first incarnation that started with
    /// everything below it committed tells nothing about speculation and is not counted, so a
    /// chain running one transaction at a time keeps its high rate.
    conflict_rate: AtomicU32,
    /// The largest floor: the thread count.
    max_floor: u32,
    max: u32,
}

impl Window {
    /// A window of `initial` transactions, never grown past `max` (the block size), shrunk by
    /// conflicts no further than their recent distance, capped at `max_floor` (the thread
    /// count).
    pub(crate) fn new(initial: u32, max_floor: u32, max: u32) -> Window {
        let max = max.max(1);
        let max_floor = max_floor.clamp(1, max);
        Window {
            size: AtomicU32::new(initial.clamp(max_floor, max)),
            streak: AtomicU32::new(0),
            distance: AtomicU32::new(max_floor * 16),
            conflict_rate: AtomicU32::new(0),
            max_floor,
            max,
        }
    }

    /// The size conflicts currently shrink the window to.
    pub(crate) fn floor(&self) -> u32 {
        // ORDERING: Relaxed; heuristic counters.
        if self.conflict_rate.load(Ordering::Relaxed) < CHAIN_RATE {
            return self.max_floor;
        }
        let sixteenths = self.distance.load(Ordering::Relaxed);
        ((sixteenths + 8) / 16).clamp(1, self.max_floor)
    }

    /// The current size.
    pub(crate) fn size(&self) -> u32 {
        // ORDERING: Relaxed; the window orders nothing (see the module doc).
        self.size.load(Ordering::Relaxed)
    }

    /// A transaction committed; `clean` if with its first incarnation, `speculative` if that
    /// committed incarnation started before everything below it had committed.
    pub(crate) fn on_commit(&self, clean: bool, speculative: bool) {
        // ORDERING: Relaxed; heuristic counters (only the commit-lock holder calls this).
        let sample = match (clean, speculative) {
            (false, _) => Some(256),
            (true, true) => Some(0),
            (true, false) => None,
        };
        if let Some(sample) = sample {
            let _ = self
                .conflict_rate
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |avg| {
                    Some((avg * 15 + sample) / 16)
                });
        }
        if !clean {
            return;
        }
        let streak = self.streak.fetch_add(1, Ordering::Relaxed) + 1;
        let size = self.size.load(Ordering::Relaxed);
        // While the block looks like a chain, probe speculation four times less often.
        let min_streak = if self.floor() < self.max_floor {
            CHAIN_STREAK
        } else {
            MIN_STREAK
        };
        if streak >= size.max(min_streak) && size < self.max {
            self.size.store(size + 1, Ordering::Relaxed);
            self.streak.store(0, Ordering::Relaxed);
        }
    }

    /// An incarnation was aborted or met a dependency: speculation was wasted. `distance` is
    /// how far below it the transaction it conflicted with was, if known.
    pub(crate) fn on_conflict(&self, distance: Option<u32>) {
        // ORDERING: Relaxed; heuristic counters.
        self.streak.store(0, Ordering::Relaxed);
        let sample = distance.unwrap_or(self.max_floor).clamp(1, self.max_floor) * 16;
        let _ = self
            .distance
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |avg| {
                // avg + (sample - avg) / 8, in integers.
                Some((avg * 7 + sample) / 8)
            });
        let floor = self.floor();
        let _ = self
            .size
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| {
                (s > floor).then_some((s / 2).max(floor))
            });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn commits(w: &Window, n: u32) {
        for _ in 0..n {
            w.on_commit(true, true);
        }
    }

    #[test]
    fn grows_by_one_per_streak_halves_on_conflict_and_stays_in_bounds() {
        let w = Window::new(4, 1, 10);
        commits(&w, MIN_STREAK - 1);
        assert_eq!(w.size(), 4);
        w.on_commit(true, true);
        assert_eq!(w.size(), 5);
        commits(&w, MIN_STREAK);
        assert_eq!(w.size(), 6);
        w.on_conflict(None);
        commits(&w, MIN_STREAK - 1);
        assert_eq!(w.size(), 3, "a conflict halves and restarts the streak");
        w.on_commit(true, true);
        assert_eq!(w.size(), 4);
        commits(&w, 100 * MIN_STREAK);
        assert_eq!(w.size(), 10, "capped at max");
        w.on_conflict(None);
        assert_eq!(w.size(), 5);
        w.on_conflict(None);
        assert_eq!(w.size(), 2);
        w.on_conflict(None);
        w.on_conflict(None);
        w.on_conflict(None);
        assert_eq!(w.size(), 1, "never below one");
        assert_eq!(Window::new(0, 0, 0).size(), 1);
        let floored = Window::new(8, 3, 10);
        floored.on_conflict(None);
        floored.on_conflict(Some(7));
        assert_eq!(
            floored.size(),
            3,
            "scattered conflicts: floor at the thread count"
        );
    }

    /// Conflicts at `distance`, each on a commit that needed a second incarnation.
    fn conflicting_commits(w: &Window, distance: u32, n: u32) {
        for _ in 0..n {
            w.on_conflict(Some(distance));
            w.on_commit(false, true);
        }
    }

    #[test]
    fn chains_lower_the_floor_to_their_distance() {
        let w = Window::new(8, 4, 100);
        conflicting_commits(&w, 1, 30);
        assert_eq!(w.floor(), 1);
        assert_eq!(w.size(), 1);
        conflicting_commits(&w, 2, 30);
        assert_eq!(w.floor(), 2, "two interleaved chains");
        conflicting_commits(&w, 50, 30);
        assert_eq!(w.floor(), 4, "capped at the thread count");
    }

    #[test]
    fn scattered_conflicts_keep_the_floor_at_the_thread_count() {
        let w = Window::new(8, 4, 100);
        for _ in 0..50 {
            // One conflict at distance one in twenty commits: the rate stays low.
            w.on_conflict(Some(1));
            w.on_commit(false, true);
            commits(&w, 19);
        }
        assert_eq!(w.floor(), 4);
        assert!(w.size() >= 4);
    }

    #[test]
    fn commits_without_speculation_keep_a_chain_a_chain() {
        let w = Window::new(8, 4, 100);
        conflicting_commits(&w, 1, 30);
        for _ in 0..100 {
            w.on_commit(true, false);
        }
        assert_eq!(
            w.floor(),
            1,
            "one-at-a-time commits say nothing about speculation"
        );
    }
}
