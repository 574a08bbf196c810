//! `sentinel fork RUN_DIR --at TICK --with CHANGE.ron`: what-if analysis. Re-runs the parent's
//! scenario and seed with a change (`Change(...)`, see `engine::scenario::apply_change`) that acts
//! only from TICK on, writes a new run directory whose manifest records its parent, and checks that
//! the fork's log before TICK is the parent's, tick for tick (exit 1 if not).

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::chain;
use crate::manifest::Fork;
use crate::manifest::read as manifest;
use crate::recorded::{apply, load_recorded, read_change};
use crate::run::{RunArgs, execute};
use anyhow::{Context, bail};
use clap::Args;

/// Arguments of `sentinel fork`.
#[derive(Args, Debug)]
pub struct ForkArgs {
    /// The parent run directory.
    pub run_dir: PathBuf,
    /// First tick at which the change acts (the fork is identical to the parent before it).
    #[arg(long)]
    pub at: u64,
    /// The change file (RON: `Change(add_injects: [...], remove_injects: [...], agreements: [...], sensors_down: [...])`).
    #[arg(long = "with")]
    pub change: PathBuf,
    /// Output directory (default: RUN_DIR-fork-tTICK).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The parent's scenario file, when it is no longer at the recorded path.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Worker threads (results do not depend on it).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Replace the output directory if it is a previous run.
    #[arg(long)]
    pub force: bool,
    /// Suppress the progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs the command.
pub fn fork(args: ForkArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.run_dir;
    let m = manifest(dir)?;
    let mut loaded = load_recorded(&m, args.scenario.as_deref())?;
    let ticks = loaded.scenario.clock.ticks;
    if args.at >= ticks {
        bail!("--at {} is past the run's last tick ({})", args.at, ticks - 1);
    }
    if m.fork.is_some() {
        bail!(
            "{} is itself a fork; fork its parent with both changes in one change file",
            dir.display()
        );
    }
    let (src, change) = read_change(&args.change)?;
    let fork_s = (args.at * loaded.scenario.clock.tick_s as u64) as i64;
    loaded.scenario = apply(&loaded.scenario, &src, fork_s)?;
    let parent_chain = chain::read(BufReader::new(
        File::open(dir.join("ticks.sha256")).context("cannot open the parent's ticks.sha256")?,
    ))?;
    let out = args.out.clone().unwrap_or_else(|| {
        let name = dir
            .file_name()
            .map_or("run".into(), |n| n.to_string_lossy().into_owned());
        dir.with_file_name(format!("{name}-fork-t{}", args.at))
    });
    let run_args = RunArgs {
        scenario: PathBuf::from(&m.scenario_path),
        seed: Some(m.seed),
        out: Some(out.clone()),
        threads: args.threads,
        force: args.force,
        quiet: args.quiet,
        check_determinism: false,
        views: Vec::new(),
        log: crate::manifest::LogKind::Jsonl,
        prune_window_s: 60,
    };
    let fork = Fork {
        parent: dir.to_string_lossy().into_owned(),
        parent_events_sha256: m.events.sha256.clone(),
        parent_chain_before_fork: args
            .at
            .checked_sub(1)
            .and_then(|t| parent_chain.get(t as usize).cloned()),
        at_tick: args.at,
        change,
    };
    let code = execute(&run_args, &loaded, Some(fork))?;
    if code != ExitCode::SUCCESS {
        return Ok(code);
    }
    let child = chain::read(BufReader::new(
        File::open(out.join("ticks.sha256")).context("cannot open the fork's ticks.sha256")?,
    ))?;
    let shared = args.at as usize;
    match (0..shared).find(|&t| child.get(t) != parent_chain.get(t)) {
        Some(t) => {
            println!(
                "sentinel: fork FAILED: tick {t}, before the fork tick {}, differs from the parent",
                args.at
            );
            Ok(ExitCode::from(1))
        }
        None => {
            println!(
                "sentinel: fork identical to its parent for ticks 0-{} (tick chain), changed from tick {}; wrote {}",
                shared.saturating_sub(1),
                args.at,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
