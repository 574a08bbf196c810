//! `sentinel`: run and check space-surveillance exercise scenarios.
//!
//! Exit codes: 0 success, 1 a failed check, 2 an error (bad input, IO failure).

mod batch;
mod chain;
mod check;
mod diff;
mod fork;
mod loader;
mod manifest;
mod merge;
mod render;
mod replay;
mod report;
mod run;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Deterministic simulation of multinational space-surveillance exercises.
#[derive(Parser)]
#[command(name = "sentinel", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write events.jsonl and manifest.json to an output directory.
    Run(run::RunArgs),
    /// Check a run's outputs against its manifest digests and hash chain (exit 1 naming what fails).
    Verify(verify::VerifyArgs),
    /// Re-run a run's scenario and seed and confirm the log is identical (exit 1 naming the first divergence).
    Replay(replay::ReplayArgs),
    /// Compare two runs: the first divergent event, then differences by kind, nation and sensor.
    Diff(diff::DiffArgs),
    /// What-if: re-run a run's scenario and seed with a change from a tick on (identical before it).
    Fork(fork::ForkArgs),
    /// Monte Carlo: N runs with seeds derived from (seed base, run), optionally one shard of them.
    Batch(batch::BatchArgs),
    /// Merge a batch's shards: completeness, digests, and ensemble statistics of the scorecard.
    Merge(merge::MergeArgs),
    /// Print the evaluator's scorecard of a run and write report.json and SVG charts into it.
    Report(report::ReportArgs),
    /// Validate a scenario without running it and print a summary.
    Check {
        /// The scenario file (RON).
        scenario: PathBuf,
    },
}

/// Exit code for errors (bad input, IO).
pub const EXIT_ERROR: u8 = 2;

/// An error already reported to the user (diagnostics printed); only the exit code remains.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("errors were reported")
    }
}

impl std::error::Error for Reported {}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            if e.downcast_ref::<Reported>().is_none() {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Check { scenario } => check::check(&scenario),
        Command::Report(args) => report::report(args),
        Command::Verify(args) => verify::verify(args),
        Command::Replay(args) => replay::replay(args),
        Command::Diff(args) => diff::diff(args),
        Command::Fork(args) => fork::fork(args),
        Command::Batch(args) => batch::batch(args),
        Command::Merge(args) => merge::merge(args),
    }
}
