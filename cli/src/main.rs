//! `sentinel`: run and check space-surveillance exercise scenarios.
//!
//! Exit codes: 0 success, 1 a failed check, 2 an error (bad input, IO failure), 130/143 stopped by
//! SIGINT/SIGTERM (see `interrupt`).

mod batch;
#[cfg(feature = "dis")]
mod broadcast;
mod chain;
mod check;
mod diff;
mod export;
mod fork;
mod http;
mod interrupt;
mod loader;
mod manifest;
mod merge;
mod paths;
mod pc;
mod recorded;
mod render;
mod replay;
mod report;
mod run;
mod screen;
mod truth;
mod verify;
mod view;

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
    /// Export a run in a standard format: CCSDS TDM (detections), CCSDS OEM (truth), CCSDS OMM (a nation's catalog with covariance), CZML (CesiumJS).
    Export(export::ExportArgs),
    /// Send a run's truth as DIS v7 Entity State PDUs over UDP (`--dis HOST:PORT`), paced by `--speed`.
    #[cfg(feature = "dis")]
    Broadcast(broadcast::BroadcastArgs),
    /// DIS output: not in this build (the `dis` cargo feature is off).
    #[cfg(not(feature = "dis"))]
    Broadcast {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        args: Vec<String>,
    },
    /// Merge a batch's shards: completeness, digests, and ensemble statistics of the scorecard.
    Merge(merge::MergeArgs),
    /// Print the evaluator's scorecard of a run and write report.json and SVG charts into it.
    Report(report::ReportArgs),
    /// Play a run on a 3-D globe in the browser: a local web server with an offline CesiumJS page.
    View(view::ViewArgs),
    /// Probability of collision from CCSDS conjunction data messages (2-D Pc, CARA's method).
    Pc(pc::PcArgs),
    /// Close approaches among a catalog's objects within a span (SGP4), below a miss distance.
    Screen(screen::ScreenArgs),
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
            if let Some(i) = e.downcast_ref::<interrupt::Interrupted>() {
                eprintln!("sentinel: {i}");
                return ExitCode::from(i.exit_code());
            }
            if e.downcast_ref::<Reported>().is_none() {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    // The viewer's server keeps SIGPIPE ignored: a browser closing a connection while a file is sent
    // to it (sendfile) must not end the server.
    if !matches!(cli.command, Command::View(_)) {
        interrupt::default_sigpipe();
    }
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
        Command::Export(args) => export::export(args),
        #[cfg(feature = "dis")]
        Command::Broadcast(args) => broadcast::broadcast(args),
        #[cfg(not(feature = "dis"))]
        Command::Broadcast { .. } => anyhow::bail!(
            "`sentinel broadcast` needs the `dis` cargo feature (on by default): rebuild without `--no-default-features`"
        ),
        Command::View(args) => view::view(args),
        Command::Pc(args) => pc::pc(args),
        Command::Screen(args) => screen::screen_cmd(args),
    }
}
