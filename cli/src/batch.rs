//! `sentinel batch SCENARIO --runs N`: Monte Carlo. Run `r` uses a seed derived from (seed base, r)
//! only and goes to `OUT/run-RRRRR`, so the result does not depend on how runs are spread over
//! processes or machines. `--shard I/K` runs the runs with `r mod K == I`; without it, the index
//! comes from `SLURM_ARRAY_TASK_ID` (Slurm job arrays) or `JOB_COMPLETION_INDEX` (Kubernetes Indexed
//! Jobs) with `--shards K`. A run already complete and verified is skipped, so an interrupted batch
//! resumes where it stopped. SIGINT/SIGTERM stop the current run cleanly (see `interrupt`); a killed
//! run leaves only a hidden staging directory, which the next batch over that run removes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::loader;
use crate::manifest::LogKind;
use crate::run::{RunArgs, execute};

/// Arguments of `sentinel batch`.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// The scenario file (RON).
    pub scenario: PathBuf,
    /// Number of runs in the whole batch.
    #[arg(long)]
    pub runs: u32,
    /// Seed base; run r's seed is derived from (seed base, r).
    #[arg(long, default_value_t = 1)]
    pub seed_base: u64,
    /// This process's share: `I/K` runs the runs with r mod K == I.
    #[arg(long)]
    pub shard: Option<String>,
    /// Number of shards when the index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.
    #[arg(long)]
    pub shards: Option<u32>,
    /// Batch directory (shared by all shards).
    #[arg(long)]
    pub out: PathBuf,
    /// Worker threads per run.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Suppress the progress bar.
    /// `none`: the runs keep no event log, only their scorecards (report.json), summaries and
    /// tick chains, which is what `sentinel merge` reads.
    #[arg(long, value_enum, default_value_t = LogKind::Jsonl)]
    pub log: LogKind,
    #[arg(long)]
    pub quiet: bool,
}

/// What a batch is (written by every shard as `batch.json`; they must agree).
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct BatchInfo {
    /// Format identifier.
    pub format: String,
    /// Scenario name.
    pub scenario: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Runs in the batch.
    pub runs: u32,
    /// Seed base.
    pub seed_base: u64,
}

/// The seed of run `r`: the first 8 bytes of SHA-256("sentinel/batch/v1", seed base, r), little-endian.
pub fn seed_of(seed_base: u64, r: u32) -> u64 {
    let mut h = Sha256::new();
    h.update(b"sentinel/batch/v1\0");
    h.update(seed_base.to_le_bytes());
    h.update(r.to_le_bytes());
    let d = h.finalize();
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
}

/// The directory of run `r`.
pub fn run_dir(out: &Path, r: u32) -> PathBuf {
    out.join(format!("run-{r:05}"))
}

/// Removes what a killed run `r` left in the batch directory: its hidden staging directories
/// (`.run-RRRRR.partial-PID`) and a previous run moved aside while being replaced
/// (`.run-RRRRR.old-PID`). Only this shard's runs are touched, so shards sharing the directory never
/// remove each other's work. Returns how many were removed.
fn remove_stale(out: &Path, r: u32) -> anyhow::Result<usize> {
    let name = format!("run-{r:05}");
    let (partial, old) = (format!(".{name}.partial-"), format!(".{name}.old-"));
    let mut removed = 0;
    for entry in std::fs::read_dir(out).with_context(|| format!("cannot list {}", out.display()))? {
        let entry = entry?;
        let file_name = entry.file_name();
        let n = file_name.to_string_lossy();
        if (n.starts_with(&partial) || n.starts_with(&old)) && entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())
                .with_context(|| format!("cannot remove the stale {}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn shard(args: &BatchArgs) -> anyhow::Result<(u32, u32)> {
    if let Some(s) = &args.shard {
        let (i, k) = s.split_once('/').context("--shard is I/K, e.g. 0/3")?;
        let (i, k): (u32, u32) = (
            i.parse().context("--shard I/K: I is a number")?,
            k.parse().context("--shard I/K: K is a number")?,
        );
        if k == 0 || i >= k {
            bail!("--shard {s}: need 0 <= I < K");
        }
        return Ok((i, k));
    }
    for var in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        if let Ok(v) = std::env::var(var) {
            let k = args
                .shards
                .with_context(|| format!("{var} is set: pass --shards K (the number of array tasks)"))?;
            let i: u32 = v.parse().with_context(|| format!("{var}={v} is not a number"))?;
            if k == 0 || i >= k {
                bail!("{var}={i} with --shards {k}: need 0 <= index < K");
            }
            return Ok((i, k));
        }
    }
    Ok((0, 1))
}

/// Whether a run directory holds a complete run, made with `log`, whose log (or, without one, its
/// scorecard) matches its manifest.
pub fn complete(dir: &Path, log: LogKind) -> bool {
    let Ok(m) = crate::manifest::read(dir) else {
        return false;
    };
    let (name, want) = match (&m.report, m.log) {
        (_, l) if l != log => return false,
        (_, LogKind::Jsonl) => ("events.jsonl", &m.events),
        (Some(r), LogKind::None) => ("report.json", r),
        (None, LogKind::None) => return false,
    };
    crate::verify::digest_file(&dir.join(name)).is_ok_and(|(_, _, sha)| sha == want.sha256)
}

/// Records the batch in `OUT/batch.json`, or checks that the one there describes this batch. Shards
/// start at once: one may find no file, then see another shard's rename land before it looks
/// again; a file that could not be read but exists now is read once more before it is an error.
fn claim(out: &Path, info: &BatchInfo) -> anyhow::Result<()> {
    let path = out.join("batch.json");
    let mut retried = false;
    loop {
        match loader::read_capped(&path, sentinel_engine::limits::MAX_MANIFEST_BYTES) {
            Ok(b) => {
                let existing: BatchInfo = serde_json::from_slice(&b)
                    .with_context(|| format!("{} is not a batch description", path.display()))?;
                if existing != *info {
                    bail!(
                        "{} belongs to another batch ({existing:?}); use another --out",
                        out.display()
                    );
                }
                return Ok(());
            }
            Err(e) if path.symlink_metadata().is_ok() => {
                if retried {
                    bail!("cannot read {}: {e}", path.display());
                }
                retried = true;
            }
            Err(_) => {
                let tmp = out.join(format!(".batch.json.{}", std::process::id()));
                std::fs::write(&tmp, serde_json::to_string_pretty(info)? + "\n")?;
                std::fs::rename(&tmp, &path)?;
                return Ok(());
            }
        }
    }
}

/// Runs the command.
pub fn batch(args: BatchArgs) -> anyhow::Result<ExitCode> {
    let (i, k) = shard(&args)?;
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let loaded = match loader::load(&args.scenario)? {
        Ok(l) => l,
        Err(d) => {
            crate::render::diagnostics(&d);
            return Err(crate::Reported.into());
        }
    };
    crate::paths::create_dir_all(&args.out)?;
    let info = BatchInfo {
        format: "sentinel-batch/1".into(),
        scenario: loaded.scenario.name.clone(),
        scenario_sha256: loaded.scenario_file.sha256.clone(),
        runs: args.runs,
        seed_base: args.seed_base,
    };
    claim(&args.out, &info)?;
    let mine: Vec<u32> = (0..args.runs).filter(|r| r % k == i).collect();
    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(mine.len() as u64), ProgressDrawTarget::hidden())
    } else {
        let b = ProgressBar::new(mine.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} run {pos}/{len}")
                .expect("valid template"),
        );
        b
    };
    let (mut done, mut skipped, mut stale) = (0, 0, 0);
    for r in mine {
        stale += remove_stale(&args.out, r)?;
        let dir = run_dir(&args.out, r);
        if complete(&dir, args.log) {
            skipped += 1;
            bar.inc(1);
            continue;
        }
        let run_args = RunArgs {
            scenario: args.scenario.clone(),
            seed: Some(seed_of(args.seed_base, r)),
            out: Some(dir.clone()),
            threads: args.threads,
            // A directory that is not a complete run (e.g. a log that failed verification) is replaced.
            force: dir.join("manifest.json").exists(),
            quiet: true,
            check_determinism: false,
            views: Vec::new(),
            log: args.log,
            prune_window_s: 60,
        };
        let code = execute(&run_args, &loaded, None)?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
        done += 1;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let stale = if stale > 0 {
        format!(
            ", {stale} stale staging director{} of killed runs removed",
            if stale == 1 { "y" } else { "ies" }
        )
    } else {
        String::new()
    };
    println!(
        "sentinel: batch shard {i}/{k}: {done} run(s) made, {skipped} already complete{stale}, in {}",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
