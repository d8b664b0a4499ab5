//! `starkstm bench`: workloads × thread counts, a table, a CSV file and an SVG chart.

use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;
use starkstm_workload::starknet_workloads::{generate, Workload, WorkloadSpec};

use crate::run::{measure, progress_bar, runs_per_measure, Plan};

/// Arguments of `starkstm bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Workloads to sweep, comma-separated [default: all].
    #[arg(long, value_delimiter = ',', value_parser = crate::run::parse_workload)]
    workloads: Vec<Workload>,
    /// Thread counts to sweep, comma-separated [default: 1, 2 and the available cores].
    #[arg(long, value_delimiter = ',', value_parser = crate::parse_threads)]
    threads: Vec<NonZeroUsize>,
    /// Transactions per block.
    #[arg(long, default_value_t = 500)]
    txs: usize,
    /// Accounts in each generated genesis.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    accounts: u64,
    /// Timed runs of each executor per cell (medians).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
    repeat: u64,
    /// Seed of the generated blocks.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the CSV.
    #[arg(long, default_value = "starkstm-bench.csv")]
    csv: PathBuf,
    /// Where to write the chart (SVG).
    #[arg(long, default_value = "starkstm-bench.svg")]
    svg: PathBuf,
}

struct Row {
    workload: Workload,
    threads: usize,
    sequential_secs: f64,
    parallel_secs: f64,
    speedup: f64,
    bound: f64,
    executions_per_tx: f64,
    identical: bool,
}

pub(crate) fn bench(args: &BenchArgs) -> Result<ExitCode> {
    if args.txs == 0 || args.txs > 100_000 {
        bail!("--txs must be between 1 and 100000, got {}", args.txs);
    }
    let workloads = if args.workloads.is_empty() {
        Workload::ALL.to_vec()
    } else {
        args.workloads.clone()
    };
    let mut threads: Vec<NonZeroUsize> = if args.threads.is_empty() {
        let cores = starkstm_engine::Config::default().threads();
        [1, 2, cores.get()]
            .into_iter()
            .filter_map(NonZeroUsize::new)
            .collect()
    } else {
        args.threads.clone()
    };
    threads.sort();
    threads.dedup();
    let cells = (workloads.len() * threads.len()) as u64;
    let progress = progress_bar(cells * runs_per_measure(args.repeat), false);
    let mut rows = Vec::new();
    for workload in &workloads {
        progress.set_message(format!("generating {workload}"));
        let block = generate(&WorkloadSpec {
            workload: *workload,
            txs: args.txs,
            accounts: args.accounts as usize,
            failing: 0.0,
            seed: args.seed,
            argent: None,
        })
        .with_context(|| format!("generating {workload}"))?;
        for t in &threads {
            let m = measure(
                &block,
                Plan {
                    workload: workload.to_string(),
                    threads: *t,
                    repeat: args.repeat,
                    batch: None,
                    progress: &progress,
                },
            )?;
            let r = &m.report;
            rows.push(Row {
                workload: *workload,
                threads: t.get(),
                sequential_secs: r.sequential_secs,
                parallel_secs: r.parallel_secs,
                speedup: r.speedup,
                bound: r.conflicts.as_ref().map_or(f64::NAN, |c| c.bound),
                executions_per_tx: r.executions_per_tx,
                identical: m.identical,
            });
        }
    }
    progress.finish_and_clear();
    println!(
        "{:<22} {:>7} {:>12} {:>12} {:>8} {:>8} {:>10} {:>9}",
        "workload",
        "threads",
        "sequential",
        "parallel",
        "speedup",
        "bound",
        "execs/tx",
        "identical"
    );
    let mut csv = String::from(
        "workload,threads,txs,sequential_secs,parallel_secs,speedup,bound,executions_per_tx,identical\n",
    );
    for r in &rows {
        println!(
            "{:<22} {:>7} {:>9.1} ms {:>9.1} ms {:>7.2}x {:>7.2}x {:>10.2} {:>9}",
            r.workload.name(),
            r.threads,
            r.sequential_secs * 1e3,
            r.parallel_secs * 1e3,
            r.speedup,
            r.bound,
            r.executions_per_tx,
            if r.identical { "yes" } else { "NO" }
        );
        writeln!(
            csv,
            "{},{},{},{:.6},{:.6},{:.4},{:.4},{:.4},{}",
            r.workload.name(),
            r.threads,
            args.txs,
            r.sequential_secs,
            r.parallel_secs,
            r.speedup,
            r.bound,
            r.executions_per_tx,
            r.identical
        )
        .expect("writing to a String");
    }
    std::fs::write(&args.csv, csv).with_context(|| format!("writing {}", args.csv.display()))?;
    std::fs::write(&args.svg, chart(&rows, &threads, args.txs))
        .with_context(|| format!("writing {}", args.svg.display()))?;
    println!("wrote {} and {}", args.csv.display(), args.svg.display());
    Ok(if rows.iter().all(|r| r.identical) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A grouped bar chart: per workload, one bar per thread count (speedup), with a tick at the
/// block's ideal speedup bound for that thread count.
fn chart(rows: &[Row], threads: &[NonZeroUsize], txs: usize) -> String {
    const COLORS: [&str; 6] = [
        "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
    ];
    let workloads: Vec<Workload> = {
        let mut w: Vec<Workload> = rows.iter().map(|r| r.workload).collect();
        w.dedup();
        w
    };
    let max = rows
        .iter()
        .flat_map(|r| [r.speedup, if r.bound.is_finite() { r.bound } else { 0.0 }])
        .fold(1.0_f64, f64::max);
    let step = if max > 8.0 { 2.0 } else { 0.5 };
    // Headroom above the tallest bar or bound, rounded up to a grid line.
    let max = ((max * 1.08) / step).ceil() * step;
    let (left, top, plot_h, group_w) = (60.0, 50.0, 300.0, 110.0);
    let width = left + group_w * workloads.len() as f64 + 160.0;
    let height = top + plot_h + 90.0;
    let y = |v: f64| top + plot_h - v / max * plot_h;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="{left}" y="24" font-size="16">starkstm: parallel speedup over sequential ({txs} transactions per block)</text>"#
    );
    let mut v = 0.0;
    while v <= max + 1e-9 {
        let yy = y(v);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{yy}" y2="{yy}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{v:.1}x</text>"##,
            width - 160.0,
            left - 6.0,
            yy + 4.0
        );
        v += step;
    }
    let bar_w = (group_w - 20.0) / threads.len() as f64;
    for (g, w) in workloads.iter().enumerate() {
        let x0 = left + g as f64 * group_w + 10.0;
        for (i, t) in threads.iter().enumerate() {
            let Some(r) = rows
                .iter()
                .find(|r| r.workload == *w && r.threads == t.get())
            else {
                continue;
            };
            let x = x0 + i as f64 * bar_w;
            let color = COLORS[i % COLORS.len()];
            let _ = writeln!(
                svg,
                r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{color}"><title>{} on {} threads: {:.2}x (bound {:.2}x)</title></rect>"#,
                y(r.speedup),
                bar_w - 2.0,
                top + plot_h - y(r.speedup),
                w.name(),
                t,
                r.speedup,
                r.bound
            );
            if r.bound.is_finite() {
                let _ = writeln!(
                    svg,
                    r#"<line x1="{x:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="black" stroke-width="2"/>"#,
                    x + bar_w - 2.0,
                    y(r.bound),
                    y(r.bound)
                );
            }
        }
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" transform="rotate(-30 {:.1} {:.1})">{}</text>"#,
            x0 + group_w / 2.0,
            top + plot_h + 18.0,
            x0 + group_w / 2.0,
            top + plot_h + 18.0,
            w.name()
        );
    }
    let lx = width - 150.0;
    for (i, t) in threads.iter().enumerate() {
        let ly = top + 10.0 + i as f64 * 20.0;
        let _ = writeln!(
            svg,
            r#"<rect x="{lx}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}">{t} thread{}</text>"#,
            ly - 10.0,
            COLORS[i % COLORS.len()],
            lx + 18.0,
            ly,
            if t.get() == 1 { "" } else { "s" }
        );
    }
    let ly = top + 10.0 + threads.len() as f64 * 20.0;
    let _ = writeln!(
        svg,
        r#"<line x1="{lx}" x2="{}" y1="{}" y2="{}" stroke="black" stroke-width="2"/><text x="{}" y="{ly}">ideal bound</text>"#,
        lx + 12.0,
        ly - 4.0,
        ly - 4.0,
        lx + 18.0
    );
    svg.push_str("</svg>\n");
    svg
}
