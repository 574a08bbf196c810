//! `sentinel replay RUN_DIR`: re-runs the scenario a run was made from, with its seed, after checking
//! that the scenario and every input still have the digests the manifest recorded, and compares the
//! new log with the recorded one tick by tick through the hash chain (nothing is kept in memory but
//! the current tick). Exit 0 when identical, 1 naming the first divergent tick and event.

use std::fs::File;
use std::io::{BufReader, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::truth::Resim;
use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::chain::TickReader;
use crate::loader;
use crate::render;
use crate::verify::manifest;

/// Arguments of `sentinel replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// A run directory written by `sentinel run`.
    pub run_dir: PathBuf,
    /// The scenario file, when it is no longer at the path recorded in the manifest.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
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
    let mut resim = Resim::open_recorded(dir, &m, args.scenario.as_deref(), threads)?;
    let (seed, ticks) = (resim.seed, resim.scenario.clock.ticks);
    eprintln!(
        "sentinel: replaying `{}` with seed {seed} on {threads} thread(s)",
        resim.scenario.name
    );
    let bar = if args.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(Some(ticks), ProgressDrawTarget::hidden())
    } else {
        let b = ProgressBar::new(ticks);
        b.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} tick {pos}/{len}")
                .expect("valid template"),
        );
        b
    };
    while let Some((tick, same)) = resim.advance()? {
        if tick.0.is_multiple_of(64) {
            bar.set_position(tick.0);
        }
        if !same {
            bar.finish_and_clear();
            let log = File::open(dir.join("events.jsonl")).context("cannot open events.jsonl")?;
            let mut reader = TickReader::new(BufReader::with_capacity(1 << 20, log));
            let mut old = Vec::new();
            for t in 0..=tick.0 {
                let b = reader.tick(t)?;
                if t == tick.0 {
                    old = b.to_vec();
                }
            }
            let (a, b) = first_difference(&old, resim.tick_bytes());
            println!(
                "sentinel: replay DIFFERS: first divergent tick {} ({}); seed {seed}",
                tick.0,
                resim.sim().clock().iso(tick)
            );
            println!("  recorded: {a}");
            println!("  replayed: {b}");
            return Ok(ExitCode::from(1));
        }
    }
    bar.finish_and_clear();
    if resim.recorded_ticks() as u64 != ticks {
        println!(
            "sentinel: replay DIFFERS: the recorded log has {} ticks, the replay {}",
            resim.recorded_ticks(),
            ticks
        );
        return Ok(ExitCode::from(1));
    }
    println!(
        "sentinel: replay identical: all {ticks} ticks match the recorded log (chain head {}); seed {seed}",
        &resim.chain().head_hex()[..16]
    );
    Ok(ExitCode::SUCCESS)
}

/// Loads the scenario a run was made from (its recorded path, or `scenario`), and refuses when the
/// scenario or any input no longer has the digest the manifest recorded.
pub fn load_recorded(m: &serde_json::Value, scenario: Option<&std::path::Path>) -> anyhow::Result<loader::Loaded> {
    let path = match &scenario {
        Some(p) => p.to_path_buf(),
        None => PathBuf::from(
            m["scenario_path"]
                .as_str()
                .context("the manifest records no scenario path; pass --scenario")?,
        ),
    };
    let loaded = match loader::load(&path).with_context(|| {
        format!(
            "cannot replay: pass --scenario if the scenario moved from {}",
            path.display()
        )
    })? {
        Ok(l) => l,
        Err(d) => {
            render::diagnostics(&d);
            return Err(crate::Reported.into());
        }
    };
    // The inputs must be the ones the run used.
    let mut changed = Vec::new();
    let recorded = |p: &str| -> Option<String> {
        if m["scenario_file"]["path"].as_str() == Some(p) {
            return m["scenario_file"]["sha256"].as_str().map(str::to_string);
        }
        m["inputs"].as_array()?.iter().find(|i| i["path"] == p)?["sha256"]
            .as_str()
            .map(str::to_string)
    };
    for f in std::iter::once(&loaded.scenario_file).chain(loaded.inputs.iter()) {
        match recorded(&f.path) {
            Some(s) if s == f.sha256 => {}
            Some(s) => changed.push(format!(
                "{}: sha256 {} now, {} when the run was made",
                f.path,
                &f.sha256[..16],
                s.get(..16).unwrap_or(&s)
            )),
            None => changed.push(format!("{}: not an input of the recorded run", f.path)),
        }
    }
    if !changed.is_empty() {
        bail!(
            "the inputs changed since the run, so a replay cannot reproduce it:\n  {}",
            changed.join("\n  ")
        );
    }
    Ok(loaded)
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
