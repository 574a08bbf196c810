//! `sentinel run`: runs a scenario and writes the run directory atomically.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sentinel_engine::{EventKind, JsonLines, Sim, SimOptions, Tick, write_json_line};
use sha2::{Digest, Sha256};

use crate::Reported;
use crate::loader::{self, hex};
use crate::manifest::{FORMAT, LogKind, Manifest, OutputFile, ViewFile};
use crate::render;
use sentinel_engine::scorecard::{Builder, Figures, RunInfo};
use sentinel_engine::view::NationView;

/// Arguments of `sentinel run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file (RON).
    pub scenario: PathBuf,
    /// Seed for every random draw (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory (default: runs/<scenario file name>-seed<seed>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: available cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Replace the output directory if it exists.
    #[arg(long)]
    pub force: bool,
    /// Suppress the progress bar even on a terminal.
    #[arg(long)]
    pub quiet: bool,
    /// After the run, simulate again in memory on one thread and compare tick by tick; exit 1 naming
    /// the first tick that differs.
    #[arg(long)]
    pub check_determinism: bool,
    /// Also write the log as NATION sees it to views/NATION.jsonl (repeatable; `all` for every nation).
    #[arg(long = "view", value_name = "NATION")]
    pub views: Vec<String>,
    /// `jsonl` writes events.jsonl; `none` keeps no event log, only the scorecard (report.json),
    /// nations.json and the tick chain, with the log's digest in the manifest (for ensembles).
    #[arg(long, value_enum, default_value_t = LogKind::Jsonl)]
    pub log: LogKind,
    /// Seconds between candidate-sensor refreshes (0 = no pruning). Tuning only; results do not change.
    #[arg(long, hide = true, default_value_t = 60)]
    pub prune_window_s: u32,
}

/// Most worker threads `--threads` accepts.
const MAX_THREADS: usize = 256;

/// A writer that hashes and counts what passes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The event log being written, or nothing (`--log none`: its lines are still formatted, counted and
/// hashed, for the manifest and the tick chain).
struct LogFile(Option<File>);

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            Some(f) => f.write(buf),
            None => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.as_mut().map_or(Ok(()), Write::flush)
    }
}

/// Writes `value` as pretty JSON to `dir/name` (synced) and returns its manifest entry.
fn write_output(dir: &Path, name: &str, value: &impl serde::Serialize) -> anyhow::Result<OutputFile> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    let path = dir.join(name);
    let mut f = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(OutputFile {
        file: name.into(),
        lines: text.lines().count() as u64,
        bytes: text.len() as u64,
        sha256: hex(&Sha256::digest(text.as_bytes())),
    })
}

/// Runs the command.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let loaded = match loader::load(&args.scenario)? {
        Ok(l) => l,
        Err(d) => {
            render::diagnostics(&d);
            return Err(Reported.into());
        }
    };
    if !loaded.scenario.warnings.0.is_empty() {
        render::diagnostics(&loaded.scenario.warnings);
    }
    execute(&args, &loaded, None)
}

/// Runs a loaded scenario and writes the run directory; `fork` is recorded in the manifest.
pub fn execute(
    args: &RunArgs,
    loaded: &loader::Loaded,
    fork: Option<crate::manifest::Fork>,
) -> anyhow::Result<ExitCode> {
    crate::interrupt::install()?;
    let scenario = &loaded.scenario;
    let seed = args.seed.unwrap_or(scenario.seed);
    let known: Vec<&str> = scenario.nations.iter().map(|n| n.id.as_str()).collect();
    let mut views: Vec<String> = Vec::new();
    for v in &args.views {
        if v == "all" {
            views.extend(known.iter().map(|n| n.to_string()));
        } else if known.contains(&v.as_str()) {
            views.push(v.clone());
        } else {
            bail!(
                "--view {v}: the scenario has no nation `{v}`; use one of: {}, or `all`",
                known.join(", ")
            );
        }
    }
    views.sort();
    views.dedup();
    let threads = match args.threads {
        Some(n) if n == 0 || n > MAX_THREADS => bail!("--threads must be between 1 and {MAX_THREADS}, not {n}"),
        Some(n) => n,
        None => std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .scenario
            .file_stem()
            .map_or("run".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("runs").join(format!("{stem}-seed{seed}"))
    });
    check_replaceable(&out, args.force)?;
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::paths::create_dir_all(parent)?;
    let name = out
        .file_name()
        .map_or("run".into(), |n| n.to_string_lossy().into_owned());
    let mut guard = Staging::create(parent.join(format!(".{name}.partial-{}", std::process::id())))?;
    let staging = guard.path.clone();

    eprintln!(
        "sentinel: running `{}` with seed {seed} on {threads} thread(s): {} objects, {} sensors, {} ticks of {} s",
        scenario.name,
        scenario.objects.len(),
        scenario.sensors.len(),
        scenario.clock.ticks,
        scenario.clock.tick_s
    );
    let started = Instant::now();
    let mut sim = Sim::new(
        scenario,
        seed,
        SimOptions {
            threads,
            prune_window_s: args.prune_window_s,
        },
    );
    let events_path = staging.join("events.jsonl");
    let file = match args.log {
        LogKind::Jsonl => {
            Some(File::create(&events_path).with_context(|| format!("cannot create {}", events_path.display()))?)
        }
        LogKind::None => None,
    };
    let mut view_sinks = Vec::new();
    if !views.is_empty() {
        fs::create_dir(staging.join("views")).context("cannot create views/")?;
    }
    for n in &views {
        let path = staging.join("views").join(format!("{n}.jsonl"));
        let f = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        view_sinks.push((NationView::new(n), Sink::new(f)));
    }
    let mut card = Builder::new(RunInfo {
        scenario: scenario.name.clone(),
        seed,
        epoch: sentinel_engine::time::format_iso(&scenario.clock.epoch),
        tick_s: u64::from(scenario.clock.tick_s),
        ticks: scenario.clock.ticks,
        regional_centers: (scenario.regional_centers.iter())
            .map(|c| (c.id.clone(), c.members.clone()))
            .collect(),
    });
    // A writer thread formats, hashes and writes while the next tick is simulated; ticks arrive in order.
    let (tx, rx) = crossbeam_channel::bounded::<(String, Vec<sentinel_engine::Record>)>(64);
    let writer = std::thread::spawn(move || -> io::Result<Written> {
        let hashing = Hashing {
            inner: LogFile(file),
            hasher: Sha256::new(),
            bytes: 0,
        };
        let mut w = BufWriter::with_capacity(1 << 20, hashing);
        let mut counts: BTreeMap<&'static str, u64> = EventKind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
        let (mut lines, mut json, mut tick_bytes) = (0u64, JsonLines::default(), Vec::new());
        let mut chain = crate::chain::Chain::default();
        let mut view_json = JsonLines::default();
        for (iso, events) in rx {
            for rec in &events {
                *counts.entry(rec.event.kind().as_str()).or_default() += 1;
                card.feed(rec.tick, &rec.event);
            }
            for (view, sink) in view_sinks.iter_mut() {
                for r in view.tick(&events) {
                    view_json.write(&mut sink.w, &r, &iso)?;
                    sink.lines += 1;
                }
            }
            // Each tick's lines also extend the hash chain (ticks.sha256).
            tick_bytes.clear();
            for rec in &events {
                json.write(&mut tick_bytes, rec, &iso)?;
            }
            w.write_all(&tick_bytes)?;
            chain.push(&tick_bytes);
            lines += events.len() as u64;
        }
        let hashing = w.into_inner().map_err(|e| e.into_error())?;
        if let Some(f) = &hashing.inner.0 {
            f.sync_all()?;
        }
        let mut views = Vec::new();
        for (view, sink) in view_sinks {
            let nation = view.nation().to_string();
            views.push(ViewFile {
                output: sink.finish(format!("views/{nation}.jsonl"))?,
                nation,
            });
        }
        Ok(Written {
            hashing,
            counts,
            lines,
            chain,
            views,
            card,
        })
    });
    let bar = progress(scenario.clock.ticks, args.quiet);
    while !sim.is_done() {
        if crate::interrupt::requested().is_some() {
            break; // the writer is joined below, then the staging directory is removed
        }
        let tick = sim.next_tick();
        let events = sim.step();
        if tx.send((sim.clock().iso(Tick(tick.0)), events)).is_err() {
            break; // the writer failed; its error is reported below
        }
        if tick.0.is_multiple_of(64) {
            bar.set_position(tick.0);
        }
    }
    drop(tx);
    bar.finish_and_clear();
    let Written {
        hashing,
        counts,
        lines,
        chain,
        views: view_files,
        card,
    } = writer
        .join()
        .map_err(|_| anyhow::anyhow!("the event writer thread panicked"))?
        .context("cannot write events.jsonl")?;
    crate::interrupt::check()?;
    let events_sha = hex(&hashing.hasher.finalize());
    let wall = started.elapsed().as_secs_f64();
    // The nations' part of the run's scorecard (`sentinel report` computes the same from the log).
    let scorecard = card.finish(events_sha.clone());
    let report = match args.log {
        LogKind::Jsonl => None,
        // No log to compute it from later: the run writes its scorecard itself.
        LogKind::None => Some(write_output(&staging, "report.json", &scorecard)?),
    };
    let nations = scorecard.nations;
    let nations_summary = write_output(&staging, "nations.json", &nations)?;

    let chain_text = chain.text();
    let chain_path = staging.join("ticks.sha256");
    let mut f = File::create(&chain_path).with_context(|| format!("cannot create {}", chain_path.display()))?;
    f.write_all(chain_text.as_bytes())?;
    f.sync_all()?;
    let manifest = Manifest {
        log: args.log,
        report,
        format: FORMAT.into(),
        scenario: scenario.name.clone(),
        scenario_file: loaded.scenario_file.clone(),
        inputs: loaded.inputs.clone(),
        seed,
        engine_version: sentinel_engine::VERSION.into(),
        target: env!("SENTINEL_TARGET").into(),
        rustc: env!("SENTINEL_RUSTC").into(),
        epoch: sentinel_engine::time::format_iso(&scenario.clock.epoch),
        tick_s: scenario.clock.tick_s,
        ticks: scenario.clock.ticks,
        nations: scenario.nations.len(),
        sensors: scenario.sensors.len(),
        objects: scenario.objects.len(),
        event_counts: counts.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        events: OutputFile {
            file: "events.jsonl".into(),
            lines,
            bytes: hashing.bytes,
            sha256: events_sha.clone(),
        },
        views: view_files,
        regional_centers: scenario
            .regional_centers
            .iter()
            .map(|c| (c.id.clone(), c.members.clone()))
            .collect(),
        nations_summary,
        tick_chain: OutputFile {
            file: "ticks.sha256".into(),
            lines: chain.heads.len() as u64,
            bytes: chain_text.len() as u64,
            sha256: hex(&Sha256::digest(chain_text.as_bytes())),
        },
        tick_chain_head: chain.head_hex(),
        scenario_path: args.scenario.to_string_lossy().into_owned(),
        fork,
    };
    let mut text = serde_json::to_string_pretty(&manifest)?;
    text.push('\n');
    let manifest_path = staging.join("manifest.json");
    let mut f = File::create(&manifest_path).with_context(|| format!("cannot create {}", manifest_path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    crate::interrupt::check()?;
    publish(&staging, &out, args.force)?;
    guard.published = true;

    let stats = sim.stats();
    let per_kind: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    if std::env::var_os("SENTINEL_STATS").is_some() {
        eprintln!("stats: {stats:?}");
    }
    let rss = peak_rss_mib().map_or(String::new(), |m| format!(", peak RSS {m:.0} MiB"));
    println!(
        "sentinel: {} ticks, {lines} events ({}), {wall:.2} s wall, {:.2} M object-ticks/s ({:.1} M object-ticks, {:.1} M propagations, {:.1} M in-view pairs){rss}; seed {seed}; wrote {} (events sha256 {})",
        scenario.clock.ticks,
        per_kind.join(", "),
        stats.object_ticks as f64 / wall / 1e6,
        stats.object_ticks as f64 / 1e6,
        stats.propagations as f64 / 1e6,
        stats.in_view_pairs as f64 / 1e6,
        out.display(),
        &events_sha[..16],
    );
    if !scenario.agreements.is_empty() || !scenario.tasking.is_empty() || scenario.nations.len() > 1 {
        eprint!("{}", render_nations(&nations));
    }
    if args.check_determinism {
        return determinism_check(scenario, seed, &chain.heads);
    }
    Ok(ExitCode::SUCCESS)
}

/// A table of the per-nation summary for the terminal.
fn render_nations(nations: &BTreeMap<String, Figures>) -> String {
    let mut s = format!(
        "{:<8} {:>10} {:>10} {:>9} {:>8} {:>8}  {:<44} {}\n",
        "nation",
        "own det",
        "received",
        "released",
        "denied",
        "dropped",
        "latency median s (liaison / agreement / regional)",
        "requests made/observed/declined/expired/dropped"
    );
    for (n, x) in nations {
        let lat = |c: &str| {
            x.latency_by_channel
                .get(c)
                .map_or("-".to_string(), |l| format!("{} (n={})", l.median_s, l.count))
        };
        let out = |k: &str| x.requests_outcome.get(k).copied().unwrap_or(0);
        s += &format!(
            "{:<8} {:>10} {:>10} {:>9} {:>8} {:>8}  {:<44} {}/{}/{}/{}/{}\n",
            n,
            x.detections,
            x.products_received,
            x.products_shared,
            x.products_denied,
            x.products_dropped,
            format!("{} / {} / {}", lat("liaison"), lat("agreement"), lat("regional")),
            x.requests_made,
            out("observed"),
            out("declined") + x.requests_declined_no_agreement,
            out("expired"),
            out("dropped"),
        );
    }
    s
}

/// What the writer thread produced.
struct Written {
    hashing: Hashing<LogFile>,
    counts: BTreeMap<&'static str, u64>,
    lines: u64,
    /// The per-tick hash chain.
    chain: crate::chain::Chain,
    views: Vec<ViewFile>,
    /// The scorecard of what was written.
    card: Builder,
}

/// A buffered, hashing, line-counting output file.
struct Sink {
    w: BufWriter<Hashing<File>>,
    lines: u64,
}

impl Sink {
    fn new(f: File) -> Sink {
        Sink {
            w: BufWriter::with_capacity(
                1 << 18,
                Hashing {
                    inner: f,
                    hasher: Sha256::new(),
                    bytes: 0,
                },
            ),
            lines: 0,
        }
    }

    /// Flushes and syncs the file; returns its manifest entry.
    fn finish(self, file: String) -> io::Result<OutputFile> {
        let h = self.w.into_inner().map_err(|e| e.into_error())?;
        h.inner.sync_all()?;
        Ok(OutputFile {
            file,
            lines: self.lines,
            bytes: h.bytes,
            sha256: hex(&h.hasher.finalize()),
        })
    }
}

/// Simulates the scenario again in memory on one thread and compares each tick's log lines with
/// the run's; names the first tick that differs (exit 1).
fn determinism_check(scenario: &sentinel_engine::Scenario, seed: u64, heads: &[[u8; 32]]) -> anyhow::Result<ExitCode> {
    eprintln!("sentinel: determinism check: simulating again on 1 thread");
    let mut sim = Sim::new(
        scenario,
        seed,
        SimOptions {
            threads: 1,
            ..SimOptions::default()
        },
    );
    let (mut bytes, mut scratch, mut chain) = (Vec::new(), Vec::new(), crate::chain::Chain::default());
    while !sim.is_done() {
        crate::interrupt::check()?;
        let tick = sim.next_tick();
        let events = sim.step();
        let iso = sim.clock().iso(tick);
        bytes.clear();
        for rec in &events {
            write_json_line(&mut bytes, rec, &iso, &mut scratch)?;
        }
        chain.push(&bytes);
        if heads.get(tick.0 as usize) != chain.heads.last() {
            println!(
                "sentinel: determinism check FAILED: first divergent tick {} ({}); seed {seed}",
                tick.0,
                sim.clock().iso(tick)
            );
            return Ok(ExitCode::from(1));
        }
    }
    println!(
        "sentinel: determinism check passed: all {} ticks identical on a second run (1 thread); seed {seed}",
        heads.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Refuses an output that exists unless `--force` is given, and even then anything but a previous
/// run directory (one holding a `manifest.json`), so that `--force` never deletes a user's files.
fn check_replaceable(out: &Path, force: bool) -> anyhow::Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if !force {
        bail!("output directory {} exists; pass --force to replace it", out.display());
    }
    if !out.is_dir() || !out.join("manifest.json").is_file() {
        bail!(
            "{} exists and is not a Sentinel run directory (no manifest.json); refusing to replace it even with --force",
            out.display()
        );
    }
    Ok(())
}

/// The staging directory of a run; removed when dropped unless it was published (so an error, a
/// panic, SIGINT or SIGTERM leave nothing behind; only a killed process (SIGKILL, a second signal)
/// leaves a `.NAME.partial-PID` directory, which the next `batch` over that run removes).
struct Staging {
    path: PathBuf,
    published: bool,
}

impl Staging {
    fn create(path: PathBuf) -> anyhow::Result<Staging> {
        if path.exists() {
            fs::remove_dir_all(&path).ok();
        }
        fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Staging { path, published: false })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            fs::remove_dir_all(&self.path).ok();
        }
    }
}

/// Moves the staging directory into place; with `force`, replaces a previous run directory. The
/// parent directory is synced so the rename survives a crash.
fn publish(staging: &Path, out: &Path, force: bool) -> anyhow::Result<()> {
    if out.exists() {
        check_replaceable(out, force).context("the output appeared during the run")?;
        let name = out
            .file_name()
            .map_or("run".into(), |n| n.to_string_lossy().into_owned());
        let old = staging.with_file_name(format!(".{name}.old-{}", std::process::id()));
        fs::rename(out, &old).with_context(|| format!("cannot move the old {} aside", out.display()))?;
        fs::rename(staging, out).with_context(|| format!("cannot move the run into {}", out.display()))?;
        fs::remove_dir_all(&old).with_context(|| format!("cannot remove {}", old.display()))?;
    } else {
        fs::rename(staging, out).with_context(|| format!("cannot move the run into {}", out.display()))?;
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(parent).and_then(|d| d.sync_all()).ok();
    }
    Ok(())
}

fn progress(ticks: u64, quiet: bool) -> ProgressBar {
    if quiet || !io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(ticks), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(ticks);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} tick {pos}/{len} ({eta} left)")
            .expect("valid template"),
    );
    bar
}

/// Peak resident set size of this process, MiB (Linux; `None` elsewhere).
pub fn peak_rss_mib() -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
