//! [`ConflictStructure`]: what a block allows, measured from a traced sequential run.

use std::collections::HashMap;
use std::time::Duration;

use starkstm_versioned_state::Key;

use crate::sequential::TxTrace;

/// The block's dependency DAG, summarised: transaction `j` depends on `i < j` when `j` read a key
/// whose value `i` wrote (the last value write below `j`, or a delta added since it). The
/// critical path is the longest chain of dependencies weighted by each transaction's measured
/// execution time; no schedule on any number of threads can finish the block faster, so
/// `work ÷ max(work ÷ threads, critical path)` bounds the speedup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConflictStructure {
    /// Transactions.
    pub txs: usize,
    /// Direct dependencies (edges of the DAG).
    pub edges: usize,
    /// Transactions that depend on at least one earlier transaction.
    pub dependent_txs: usize,
    /// Total execution time.
    pub work: Duration,
    /// The longest time-weighted dependency chain.
    pub critical_path: Duration,
    /// Transactions on that chain.
    pub critical_path_txs: usize,
}

#[derive(Clone, Copy, Default)]
struct Finish {
    time: Duration,
    chain: usize,
}

#[derive(Default)]
struct KeyWriters {
    /// The last transaction that wrote a value.
    value: Option<Finish>,
    /// The deltas added since: the latest finish among them, and how many.
    deltas: Option<Finish>,
    delta_count: usize,
}

impl ConflictStructure {
    /// Analyses the traces of a sequential run, in block order.
    pub fn from_traces<K: Key>(traces: &[TxTrace<K>]) -> ConflictStructure {
        let mut writers: HashMap<&K, KeyWriters> = HashMap::new();
        let mut structure = ConflictStructure {
            txs: traces.len(),
            edges: 0,
            dependent_txs: 0,
            work: Duration::ZERO,
            critical_path: Duration::ZERO,
            critical_path_txs: 0,
        };
        for trace in traces {
            let mut start = Finish::default();
            let mut edges = 0;
            for key in &trace.reads {
                let Some(w) = writers.get(key) else { continue };
                for finish in [w.value, w.deltas].into_iter().flatten() {
                    if finish.time > start.time || finish.chain > start.chain {
                        start.time = start.time.max(finish.time);
                        start.chain = start.chain.max(finish.chain);
                    }
                }
                edges += usize::from(w.value.is_some()) + w.delta_count;
            }
            let finish = Finish {
                time: start.time + trace.time,
                chain: start.chain + 1,
            };
            structure.edges += edges;
            structure.dependent_txs += usize::from(edges > 0);
            structure.work += trace.time;
            if finish.time > structure.critical_path {
                structure.critical_path = finish.time;
                structure.critical_path_txs = finish.chain;
            }
            for key in &trace.writes {
                let w = writers.entry(key).or_default();
                w.value = Some(finish);
                w.deltas = None;
                w.delta_count = 0;
            }
            for key in &trace.deltas {
                let w = writers.entry(key).or_default();
                let d = w.deltas.get_or_insert(Finish::default());
                d.time = d.time.max(finish.time);
                d.chain = d.chain.max(finish.chain);
                w.delta_count += 1;
            }
        }
        structure
    }

    /// The best speedup any schedule on `threads` threads could reach:
    /// `work ÷ max(work ÷ threads, critical path)`.
    pub fn speedup_bound(&self, threads: usize) -> f64 {
        let work = self.work.as_secs_f64();
        if work == 0.0 {
            return 1.0;
        }
        let per_thread = work / threads.max(1) as f64;
        work / per_thread.max(self.critical_path.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(reads: &[u32], writes: &[u32], deltas: &[u32], ms: u64) -> TxTrace<u32> {
        TxTrace {
            reads: reads.to_vec(),
            writes: writes.to_vec(),
            deltas: deltas.to_vec(),
            time: Duration::from_millis(ms),
        }
    }

    #[test]
    fn independent_transactions_have_no_edges() {
        let traces: Vec<_> = (0..4).map(|i| trace(&[i], &[i], &[], 10)).collect();
        let s = ConflictStructure::from_traces(&traces);
        assert_eq!((s.edges, s.dependent_txs), (0, 0));
        assert_eq!(s.critical_path, Duration::from_millis(10));
        assert_eq!(s.speedup_bound(2), 2.0);
        assert_eq!(s.speedup_bound(64), 4.0);
    }

    #[test]
    fn a_chain_bounds_the_speedup_at_one() {
        let traces: Vec<_> = (0..5).map(|_| trace(&[7], &[7], &[], 10)).collect();
        let s = ConflictStructure::from_traces(&traces);
        assert_eq!((s.edges, s.dependent_txs, s.critical_path_txs), (4, 4, 5));
        assert_eq!(s.critical_path, s.work);
        assert_eq!(s.speedup_bound(8), 1.0);
    }

    #[test]
    fn deltas_do_not_depend_on_each_other_but_a_reader_depends_on_all() {
        // Four transactions add to key 9 (independent); the fifth reads it.
        let mut traces: Vec<_> = (0..4).map(|i| trace(&[i], &[i], &[9], 10)).collect();
        traces.push(trace(&[9], &[], &[], 10));
        let s = ConflictStructure::from_traces(&traces);
        assert_eq!(s.edges, 4);
        assert_eq!(s.dependent_txs, 1);
        assert_eq!(s.critical_path, Duration::from_millis(20));
        assert_eq!(s.critical_path_txs, 2);
        // A write without a read does not depend on earlier writes.
        let s =
            ConflictStructure::from_traces(&[trace(&[], &[1], &[], 5), trace(&[], &[1], &[], 5)]);
        assert_eq!(s.edges, 0);
    }
}
