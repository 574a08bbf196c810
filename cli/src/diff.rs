//! `sentinel diff RUN_A RUN_B`: compares two runs' logs tick by tick. Prints the first divergent
//! event, then the differing events (present in one log and not the other) counted by kind, nation
//! and sensor. Identical ticks are compared as bytes; only differing lines are parsed. Exit 0 when
//! the logs are identical, 1 when they differ.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use sentinel_engine::parse_line;

use crate::chain::TickReader;
use crate::loader::open_regular;
use crate::manifest::read as manifest;
use crate::replay::first_difference;

/// Arguments of `sentinel diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// First run directory.
    pub run_a: PathBuf,
    /// Second run directory.
    pub run_b: PathBuf,
}

/// Differing events by a key: (only in A, only in B).
type Tally = BTreeMap<String, (u64, u64)>;

/// Runs the command.
pub fn diff(args: DiffArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (ma, mb) = (manifest(&args.run_a)?, manifest(&args.run_b)?);
    let (log_a, log_b) = (ma.log_path(&args.run_a)?, mb.log_path(&args.run_b)?);
    let ticks = crate::verify::ticks(&args.run_a, &ma)?.max(crate::verify::ticks(&args.run_b, &mb)?);
    let open = |path: &PathBuf| -> anyhow::Result<TickReader<BufReader<File>>> {
        let (f, _) = open_regular(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Ok(TickReader::hashing(BufReader::with_capacity(1 << 20, f)))
    };
    let (mut ra, mut rb) = (open(&log_a)?, open(&log_b)?);
    let mut first: Option<(u64, String, String)> = None;
    let (mut by_kind, mut by_nation, mut by_sensor) = (Tally::new(), Tally::new(), Tally::new());
    let (mut differing_ticks, mut only_a, mut only_b) = (0u64, 0u64, 0u64);
    for t in 0..ticks {
        let a = ra.tick(t).with_context(|| format!("{}", log_a.display()))?.to_vec();
        let b = rb.tick(t).with_context(|| format!("{}", log_b.display()))?;
        if a == b {
            continue;
        }
        differing_ticks += 1;
        if first.is_none() {
            let (x, y) = first_difference(&a, b);
            first = Some((t, x, y));
        }
        // Lines of one tick present in one log and not the other (as multisets).
        let mut la: Vec<&[u8]> = a.split_inclusive(|&c| c == b'\n').collect();
        let mut lb: Vec<&[u8]> = b.split_inclusive(|&c| c == b'\n').collect();
        la.sort_unstable();
        lb.sort_unstable();
        let (mut i, mut j) = (0, 0);
        let mut note = |line: &[u8], side_a: bool| {
            // A line that does not read as an event is counted, under no key.
            let event = std::str::from_utf8(line)
                .ok()
                .and_then(|l| parse_line(l.trim_end_matches('\n')).ok())
                .map(|l| l.event);
            let event = event.as_ref();
            for (tally, key) in [
                (&mut by_kind, event.map(|e| e.kind().as_str())),
                (&mut by_nation, event.and_then(|e| e.actor()).map(|s| &**s)),
                (&mut by_sensor, event.and_then(|e| e.sensor()).map(|s| &**s)),
            ] {
                if let Some(key) = key {
                    let e = tally.entry(key.to_string()).or_default();
                    if side_a { e.0 += 1 } else { e.1 += 1 }
                }
            }
            if side_a { only_a += 1 } else { only_b += 1 }
        };
        while i < la.len() || j < lb.len() {
            match (la.get(i), lb.get(j)) {
                (Some(x), Some(y)) if x == y => {
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x < y => {
                    note(x, true);
                    i += 1;
                }
                (Some(x), None) => {
                    note(x, true);
                    i += 1;
                }
                (_, Some(y)) => {
                    note(y, false);
                    j += 1;
                }
                (None, None) => break,
            }
        }
    }
    let extra_a = ra.has_more()?;
    let extra_b = rb.has_more()?;
    // What was compared must be what the runs recorded.
    if !extra_a {
        ra.check_against(&ma.events, &log_a.display().to_string())?;
    }
    if !extra_b {
        rb.check_against(&mb.events, &log_b.display().to_string())?;
    }
    let secs = started.elapsed().as_secs_f64();
    let (la, lb) = (ra.lines, rb.lines);
    let Some((t, x, y)) = first else {
        if extra_a || extra_b {
            println!(
                "sentinel: the logs differ after tick {}: one has lines beyond the other's run",
                ticks.saturating_sub(1)
            );
            return Ok(ExitCode::from(1));
        }
        println!("sentinel: identical: {la} events over {ticks} ticks ({secs:.2} s)");
        return Ok(ExitCode::SUCCESS);
    };
    println!("sentinel: the runs differ ({la} vs {lb} events; {differing_ticks} of {ticks} ticks differ; {secs:.2} s)");
    println!("first divergent event, tick {t}:");
    println!("  A: {x}");
    println!("  B: {y}");
    println!("events only in A / only in B: {only_a} / {only_b}");
    for (title, tally) in [
        ("by kind", &by_kind),
        ("by nation", &by_nation),
        ("by sensor", &by_sensor),
    ] {
        if tally.is_empty() {
            continue;
        }
        println!("{title}:");
        let mut rows: Vec<(&String, &(u64, u64))> = tally.iter().collect();
        rows.sort_by(|p, q| (q.1.0 + q.1.1).cmp(&(p.1.0 + p.1.1)).then(p.0.cmp(q.0)));
        for (k, (a, b)) in rows.iter().take(20) {
            println!("  {k:<28} {a:>10} {b:>10}");
        }
        if rows.len() > 20 {
            println!("  ... {} more", rows.len() - 20);
        }
    }
    Ok(ExitCode::from(1))
}
