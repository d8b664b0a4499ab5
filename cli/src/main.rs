//! `starkstm`: executes generated blocks sequentially and in parallel, checks that the results
//! are identical, and reports how much faster the parallel run was.

use std::num::NonZeroUsize;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

mod bench;
mod class;
mod conform;
mod files;
mod mock;
mod replay;
mod report;
mod run;

/// mimalloc: the engine allocates per transaction (read and write sets, versions) on many
/// threads at once, where glibc malloc was measurably slower (see benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Parallel (Block-STM) execution of blocks, checked against sequential execution.
#[derive(Debug, Parser)]
#[command(name = "starkstm", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a block of Starknet transactions (Cairo contracts on cairo-vm), run it
    /// sequentially and in parallel, compare the outputs and report the speedup.
    Run(run::RunArgs),
    /// Generate a block and write it to a block file.
    Gen(files::GenArgs),
    /// Execute a block file (in parallel, or with --sequential) and write an output file.
    Exec(files::ExecArgs),
    /// Sweep workloads and thread counts; print a table, write a CSV file and an SVG chart.
    Bench(bench::BenchArgs),
    /// Compare two output files; exit 0 if identical, 1 if not, 2 if one cannot be read.
    Diff(files::DiffArgs),
    /// The conformance report: every workload's blocks executed by starkstm and by the
    /// reference runner (`conformance/`), their differences counted per field.
    Conform(conform::ConformArgs),
    /// Generate a block of mock transactions, run it sequentially and in parallel, compare the
    /// outputs and report the speedup.
    Mock(mock::MockArgs),
    /// Replay a real block from Starknet's re-execution file, sequentially and in parallel,
    /// and compare its state diff with the chain's; exit 0 if equal, 1 if not (or if execution
    /// read outside the recorded state), 2 if the file cannot be read.
    Replay(replay::ReplayArgs),
    /// Load a class file (Sierra, CASM or Cairo 0) and print its kind, class hash, compiled
    /// class hash and entry points.
    Class(class::ClassArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = error.print();
                return if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            // One line: clap's first line names the problem; the usage that follows is noise here.
            let message = error.to_string();
            let first = message.lines().next().unwrap_or("invalid arguments");
            eprintln!("{first} (see 'starkstm --help')");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Gen(args) => files::gen(&args),
        Command::Exec(args) => files::exec(&args),
        Command::Diff(args) => files::diff(&args),
        Command::Conform(args) => conform::conform(&args),
        Command::Bench(args) => bench::bench(&args),
        Command::Mock(args) => mock::run(&args),
        Command::Replay(args) => replay::replay(&args),
        Command::Class(args) => class::class(&args),
    }
}

/// Parses a thread count (at least one).
fn parse_threads(s: &str) -> Result<NonZeroUsize> {
    let n: usize = s
        .parse()
        .with_context(|| format!("'{s}' is not a thread count"))?;
    match NonZeroUsize::new(n) {
        Some(n) if n.get() <= 1024 => Ok(n),
        _ => bail!("thread count must be between 1 and 1024, got {n}"),
    }
}
