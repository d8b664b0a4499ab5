//! [`Config`]: how a [`ParallelExecutor`](crate::ParallelExecutor) runs.

use std::num::NonZeroUsize;

/// Configuration of a [`ParallelExecutor`](crate::ParallelExecutor).
///
/// ```
/// use std::num::NonZeroUsize;
/// use starkstm_engine::Config;
///
/// let config = Config::new(NonZeroUsize::new(4).unwrap()).with_min_parallel_txs(16);
/// assert_eq!(config.threads().get(), 4);
/// assert_eq!(config.min_parallel_txs(), 16);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    threads: NonZeroUsize,
    min_parallel_txs: usize,
    initial_window: Option<usize>,
}

impl Config {
    /// Runs on `threads` worker threads, with the default thresholds.
    pub fn new(threads: NonZeroUsize) -> Config {
        Config {
            threads,
            min_parallel_txs: 2 * threads.get(),
            initial_window: None,
        }
    }

    /// Blocks with fewer transactions than this run on the sequential path (parallelism cannot
    /// pay for itself on them). Default: twice the thread count. Zero forces the parallel path.
    #[must_use]
    pub fn with_min_parallel_txs(mut self, min_parallel_txs: usize) -> Config {
        self.min_parallel_txs = min_parallel_txs;
        self
    }

    /// How many transactions past the commit frontier may execute speculatively when a block
    /// starts; the window then adapts to the conflicts it meets. Default: eight per thread.
    #[must_use]
    pub fn with_initial_window(mut self, initial_window: usize) -> Config {
        self.initial_window = Some(initial_window.max(1));
        self
    }

    /// The number of worker threads.
    pub fn threads(&self) -> NonZeroUsize {
        self.threads
    }

    /// The smallest block that runs in parallel.
    pub fn min_parallel_txs(&self) -> usize {
        self.min_parallel_txs
    }

    /// The speculation window a block starts with.
    pub fn initial_window(&self) -> usize {
        self.initial_window.unwrap_or(8 * self.threads.get())
    }
}

impl Default for Config {
    /// One worker per available core.
    fn default() -> Config {
        Config::new(std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN))
    }
}
