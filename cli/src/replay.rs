//! `sentinel replay RUN_DIR`: re-runs the scenario a run was made from, with its seed (a fork with
//! its change file re-applied from the fork tick), after checking that the scenario, every input and
//! the change file still have the digests the manifest recorded, and compares the new log with the
//! recorded `events.jsonl` itself tick by tick, then the log's digest and size with the manifest's
//! and the recorded hash chain with the replay's (nothing is kept in memory but the current tick).
//! A run made with `--log none` is compared through its chain tick by tick, and the replayed
//! events' digest with the one its manifest recorded for the log it did not keep.
//! Exit 0 when identical, 1 naming the first divergent tick and event or what else differs.

use std::fs::File;
use std::io::{BufReader, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};

use crate::chain::TickReader;
use crate::manifest::{LogKind, Manifest, read as manifest};
use crate::recorded::Moved;
use crate::truth::Resim;

/// Arguments of `sentinel replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A run directory written by `sentinel run`.
    pub run_dir: PathBuf,
    /// The scenario file, when it is no longer at the path recorded in the manifest.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// A fork's change file, when it is no longer at the path recorded in the manifest.
    #[arg(long)]
    pub change: Option<PathBuf>,
    /// Worker threads (results do not depend on it).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Suppress the progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs the command.
pub fn replay(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.run_dir;
    let m = manifest(dir)?;
    let threads = Resim::threads(args.threads).clamp(1, 256);
    let moved = Moved {
        scenario: args.scenario.as_deref(),
        change: args.change.as_deref(),
    };
    let mut resim = Resim::open_recorded(dir, &m, moved, threads)?;
    let mut log = match m.log {
        LogKind::Jsonl => Recorded::Log(RecordedLog::open(&m.log_path(dir)?)?),
        LogKind::None => {
            // The chain is all there is to compare with: it must be the one the run wrote.
            if let Err(why) = crate::verify::check_file(dir, &m.tick_chain) {
                println!("sentinel: replay DIFFERS: {why}: the run kept no log, and its chain was altered");
                return Ok(ExitCode::from(1));
            }
            Recorded::Chain(Sha256::new(), 0)
        }
    };
    let (seed, ticks) = (resim.seed, resim.scenario.clock.ticks);
    let fork = match &m.fork {
        Some(f) => format!(
            " (a fork of {} from tick {}, its change {} re-applied)",
            f.parent, f.at_tick, f.change.path
        ),
        None => String::new(),
    };
    eprintln!(
        "sentinel: replaying `{}`{fork} with seed {seed} on {threads} thread(s)",
        resim.scenario.name
    );
    let bar = progress(ticks, args.quiet);
    while let Some((tick, chain_same)) = resim.advance()? {
        if tick.0.is_multiple_of(64) {
            bar.set_position(tick.0);
        }
        let recorded = match &mut log {
            Recorded::Log(l) => match l.reader.tick(tick.0) {
                Ok(r) => r,
                Err(e) => {
                    bar.finish_and_clear();
                    println!(
                        "sentinel: replay DIFFERS: events.jsonl is damaged at tick {}: {e:#}",
                        tick.0
                    );
                    return Ok(ExitCode::from(1));
                }
            },
            Recorded::Chain(sha, lines) => {
                // No log to compare with: the chain alone says whether the tick is the same.
                sha.update(resim.tick_bytes());
                *lines += resim.tick_bytes().iter().filter(|&&c| c == b'\n').count() as u64;
                if !chain_same {
                    bar.finish_and_clear();
                    println!(
                        "sentinel: replay DIFFERS: first divergent tick {} ({}): its events' hash is not the one ticks.sha256 recorded (the run kept no log, so the differing event cannot be shown: replay a run of the same scenario and seed made with a log); seed {seed}",
                        tick.0,
                        resim.sim().clock().iso(tick)
                    );
                    return Ok(ExitCode::from(1));
                }
                continue;
            }
        };
        if recorded != resim.tick_bytes() {
            bar.finish_and_clear();
            let (a, b) = first_difference(recorded, resim.tick_bytes());
            println!(
                "sentinel: replay DIFFERS: first divergent tick {} ({}); seed {seed}",
                tick.0,
                resim.sim().clock().iso(tick)
            );
            println!("  recorded: {a}");
            println!("  replayed: {b}");
            return Ok(ExitCode::from(1));
        }
        if !chain_same {
            bar.finish_and_clear();
            println!(
                "sentinel: replay DIFFERS: events.jsonl matches the replay at tick {} but ticks.sha256 does not: the chain file was altered; seed {seed}",
                tick.0
            );
            return Ok(ExitCode::from(1));
        }
    }
    bar.finish_and_clear();
    let mut problems = chain_problems(&m, &resim, ticks);
    let compared = match log {
        Recorded::Log(l) => {
            problems.extend(l.finish(&m)?);
            "the recorded log, its digest and its chain"
        }
        Recorded::Chain(sha, lines) => {
            let digest = crate::loader::hex(&sha.finalize());
            if digest != m.events.sha256 || lines != m.events.lines {
                problems.push(format!(
                    "the replayed events' SHA-256 {digest} ({lines} lines) is not the digest the manifest recorded for the log the run did not keep ({}, {} lines)",
                    m.events.sha256, m.events.lines
                ));
            }
            "the recorded chain and the digest of the log the run did not keep"
        }
    };
    if !problems.is_empty() {
        for p in &problems {
            println!("sentinel: replay DIFFERS: {p}");
        }
        return Ok(ExitCode::from(1));
    }
    println!(
        "sentinel: replay identical: all {ticks} ticks match {compared} (head {}){fork}; seed {seed}",
        &resim.chain().head_hex()[..16]
    );
    Ok(ExitCode::SUCCESS)
}

fn progress(ticks: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(ticks), ProgressDrawTarget::hidden());
    }
    let b = ProgressBar::new(ticks);
    b.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} tick {pos}/{len}")
            .expect("valid template"),
    );
    b
}

/// What the replay is compared with: the recorded log, or (a run made with `--log none`) the
/// chain alone, with the digest and line count of the replayed events accumulated for the
/// manifest's record of the log the run did not keep.
enum Recorded {
    Log(RecordedLog),
    Chain(Sha256, u64),
}

/// The recorded `events.jsonl`, read tick by tick alongside the replay and hashed as it is read, so
/// the replay compares the log itself (not only its chain file) and its digest with the manifest's.
struct RecordedLog {
    reader: TickReader<BufReader<File>>,
}

impl RecordedLog {
    fn open(path: &Path) -> anyhow::Result<RecordedLog> {
        let f = File::open(path).with_context(|| format!("cannot open the recorded log {}", path.display()))?;
        Ok(RecordedLog {
            reader: TickReader::hashing(BufReader::with_capacity(1 << 20, f)),
        })
    }

    /// After the last tick: what is wrong with the log as a whole (lines past the end, a digest or
    /// line count other than the manifest's).
    fn finish(mut self, m: &Manifest) -> anyhow::Result<Vec<String>> {
        let mut problems = Vec::new();
        if self.reader.has_more()? {
            problems.push("events.jsonl has lines after the run's last tick".to_string());
        } else if let Err(e) = self.reader.check_against(&m.events, "events.jsonl") {
            problems.push(format!("{e:#}"));
        }
        Ok(problems)
    }
}

/// After the last tick: a chain of another length or head than the replay's.
fn chain_problems(m: &Manifest, resim: &Resim, ticks: u64) -> Vec<String> {
    let mut problems = Vec::new();
    if resim.recorded_ticks() as u64 != ticks {
        problems.push(format!(
            "ticks.sha256 has {} ticks, the replay {ticks}",
            resim.recorded_ticks()
        ));
    }
    if m.tick_chain_head != resim.chain().head_hex() {
        problems.push(format!(
            "the manifest's tick_chain_head is not the replay's chain head {}",
            &resim.chain().head_hex()[..16]
        ));
    }
    problems
}

/// The first line where two ticks' logs differ (`(none)` for a missing line).
pub fn first_difference(a: &[u8], b: &[u8]) -> (String, String) {
    let la: Vec<&[u8]> = a.split_inclusive(|&c| c == b'\n').collect();
    let lb: Vec<&[u8]> = b.split_inclusive(|&c| c == b'\n').collect();
    let show = |l: Option<&&[u8]>| {
        l.map_or("(none)".to_string(), |l| {
            String::from_utf8_lossy(l).trim_end().to_string()
        })
    };
    for i in 0..la.len().max(lb.len()) {
        if la.get(i) != lb.get(i) {
            return (show(la.get(i)), show(lb.get(i)));
        }
    }
    ("(same)".into(), "(same)".into())
}
