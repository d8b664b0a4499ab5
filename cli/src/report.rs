//! The run report: one struct, printed as text or as one JSON object.

use std::time::Duration;

use serde::Serialize;

/// Appends one formatted line to a `String`.
macro_rules! line {
    ($buf:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($buf, $($arg)*);
    }};
}
pub(crate) use line;

/// Writes `text` to stdout; a closed pipe (`| head`) ends the output instead of panicking.
pub(crate) fn emit(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
use starkstm_engine::ExecutionStats;

/// What one `starkstm` run measured.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) workload: String,
    pub(crate) txs: usize,
    pub(crate) threads: usize,
    pub(crate) repeat: usize,
    /// Median wall time of the sequential executor.
    pub(crate) sequential_secs: f64,
    /// Median wall time of the parallel executor.
    pub(crate) parallel_secs: f64,
    pub(crate) speedup: f64,
    pub(crate) sequential_tps: f64,
    pub(crate) parallel_tps: f64,
    pub(crate) identical: bool,
    pub(crate) executions: u64,
    pub(crate) executions_per_tx: f64,
    pub(crate) re_executions: u64,
    pub(crate) validations: u64,
    pub(crate) aborts: u64,
    pub(crate) dependency_waits: u64,
    pub(crate) sequential_fallback: bool,
    /// Wall time of the workers' phase of the last parallel run.
    pub(crate) parallel_phase_secs: f64,
    /// Wall time of collecting outputs and state after the workers stopped (last run).
    pub(crate) finalize_secs: f64,
    /// Time in the VM, summed over workers (last run).
    pub(crate) execute_cpu_secs: f64,
    /// Time validating, summed over workers (last run).
    pub(crate) validate_cpu_secs: f64,
    /// Time holding the commit lock, summed over workers (last run).
    pub(crate) commit_cpu_secs: f64,
    /// Time workers found nothing to do, summed over workers (last run).
    pub(crate) wait_secs: f64,
    /// Transactions that succeeded (Starknet workloads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) succeeded: Option<usize>,
    /// Transactions reverted (Starknet workloads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reverted: Option<usize>,
    /// Transactions rejected (Starknet workloads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rejected: Option<usize>,
    /// The block's conflict structure (Starknet workloads only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) conflicts: Option<Conflicts>,
}

/// The block's conflict structure, measured from the traced sequential run.
#[derive(Debug, Serialize)]
pub(crate) struct Conflicts {
    /// Transactions that read a value an earlier transaction wrote.
    pub(crate) dependent_txs: usize,
    /// Direct read-after-write dependencies.
    pub(crate) edges: usize,
    /// Total execution time of the transactions.
    pub(crate) work_secs: f64,
    /// The longest time-weighted dependency chain.
    pub(crate) critical_path_secs: f64,
    /// Transactions on it.
    pub(crate) critical_path_txs: usize,
    /// The best speedup any schedule could reach on 2, 8, 32 and 64 threads.
    pub(crate) bound_2: f64,
    pub(crate) bound_8: f64,
    pub(crate) bound_32: f64,
    pub(crate) bound_64: f64,
    /// The bound at the run's thread count.
    pub(crate) bound: f64,
    /// Measured speedup ÷ bound.
    pub(crate) efficiency: f64,
}

impl Conflicts {
    pub(crate) fn new(
        s: &starkstm_engine::ConflictStructure,
        speedup: f64,
        threads: usize,
    ) -> Conflicts {
        let bound = s.speedup_bound(threads);
        Conflicts {
            dependent_txs: s.dependent_txs,
            edges: s.edges,
            work_secs: s.work.as_secs_f64(),
            critical_path_secs: s.critical_path.as_secs_f64(),
            critical_path_txs: s.critical_path_txs,
            bound_2: s.speedup_bound(2),
            bound_8: s.speedup_bound(8),
            bound_32: s.speedup_bound(32),
            bound_64: s.speedup_bound(64),
            bound,
            efficiency: speedup / bound,
        }
    }
}

impl Report {
    pub(crate) fn new(
        workload: String,
        threads: usize,
        sequential: Duration,
        parallel: Duration,
        identical: bool,
        stats: &ExecutionStats,
        repeat: usize,
    ) -> Report {
        let secs = |d: Duration| d.as_secs_f64().max(1e-9);
        let tps = |d: Duration| stats.txs as f64 / secs(d);
        Report {
            workload,
            txs: stats.txs,
            threads,
            repeat,
            sequential_secs: sequential.as_secs_f64(),
            parallel_secs: parallel.as_secs_f64(),
            speedup: secs(sequential) / secs(parallel),
            sequential_tps: tps(sequential),
            parallel_tps: tps(parallel),
            identical,
            executions: stats.executions,
            executions_per_tx: stats.executions_per_tx(),
            re_executions: stats.re_executions,
            validations: stats.validations + stats.commit_validations,
            aborts: stats.aborts,
            dependency_waits: stats.dependency_waits,
            sequential_fallback: stats.sequential_fallback,
            parallel_phase_secs: stats.parallel_wall_time.as_secs_f64(),
            finalize_secs: stats.finalize_wall_time.as_secs_f64(),
            execute_cpu_secs: stats.execute_time.as_secs_f64(),
            validate_cpu_secs: stats.validate_time.as_secs_f64(),
            commit_cpu_secs: stats.commit_time.as_secs_f64(),
            wait_secs: stats.wait_time.as_secs_f64(),
            succeeded: None,
            reverted: None,
            rejected: None,
            conflicts: None,
        }
    }

    /// Prints [`text`](Report::text) (a closed stdout ends the output, not the run).
    pub(crate) fn print_text(&self) {
        emit(&self.text());
    }

    /// The text report.
    pub(crate) fn text(&self) -> String {
        let mut buf = String::new();
        let outcome = if self.identical {
            "outputs identical"
        } else {
            "OUTPUTS DIFFER"
        };
        line!(buf, "workload     {}", self.workload);
        line!(
            buf,
            "transactions {}   threads {}   runs {} (median)",
            self.txs,
            self.threads,
            self.repeat
        );
        line!(
            buf,
            "sequential   {:>10.3} ms   {:>12.0} tx/s",
            self.sequential_secs * 1e3,
            self.sequential_tps
        );
        line!(
            buf,
            "parallel     {:>10.3} ms   {:>12.0} tx/s",
            self.parallel_secs * 1e3,
            self.parallel_tps
        );
        line!(buf, "speedup      {:.2}x   {outcome}", self.speedup);
        if self.executions == 0 && self.txs > 0 {
            line!(buf, "engine       (streamed: the streaming block does not collect per-chunk statistics)");
        } else {
            line!(
                buf,
            "engine       {:.2} executions/tx   {} aborts   {} dependency waits   {} validations{}",
            self.executions_per_tx,
            self.aborts,
            self.dependency_waits,
            self.validations,
            if self.sequential_fallback {
                "   (small block: sequential path)"
            } else {
                ""
            }
        );
        }
        if let (Some(s), Some(v), Some(j)) = (self.succeeded, self.reverted, self.rejected) {
            line!(
                buf,
                "receipts     {s} succeeded   {v} reverted   {j} rejected"
            );
        }
        if let Some(c) = &self.conflicts {
            line!(
                buf,
                "conflicts    {} of {} transactions read an earlier one's write ({} edges); \
                 critical path {:.1} ms of {:.1} ms work ({} transactions)",
                c.dependent_txs,
                self.txs,
                c.edges,
                c.critical_path_secs * 1e3,
                c.work_secs * 1e3,
                c.critical_path_txs
            );
            line!(
                buf,
                "bound        ideal speedup {:.2}x on 2 threads, {:.1}x on 8, {:.1}x on 32, {:.1}x on 64; \
                 this run reached {:.0}% of its {:.2}x",
                c.bound_2,
                c.bound_8,
                c.bound_32,
                c.bound_64,
                c.efficiency * 100.0,
                c.bound
            );
        }
        self.phases(&mut buf);
        buf
    }

    /// Where the parallel run's time went.
    fn phases(&self, buf: &mut String) {
        line!(
            buf,
            "phases       workers {:.3} ms, finalize {:.3} ms; summed over workers: VM {:.3} ms, \
             validation {:.3} ms, commit {:.3} ms, idle {:.3} ms",
            self.parallel_phase_secs * 1e3,
            self.finalize_secs * 1e3,
            self.execute_cpu_secs * 1e3,
            self.validate_cpu_secs * 1e3,
            self.commit_cpu_secs * 1e3,
            self.wait_secs * 1e3,
        );
    }

    pub(crate) fn print_json(&self) -> anyhow::Result<()> {
        emit(&(serde_json::to_string(self)? + "\n"));
        Ok(())
    }
}
