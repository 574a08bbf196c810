//! `sentinel report RUN_DIR`: the evaluator's scorecard of a run, per nation, per regional center
//! and for the coalition. Reads the run's `events.jsonl` and `manifest.json`; computes one
//! [`Report`]; prints it as tables, and writes it as `report.json` and two SVG charts
//! (`charts/custody.svg`, `charts/injects.svg`). Tables, JSON and charts all render the same
//! `Report` value, so they cannot disagree.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use sentinel_engine::event::{
    Channel, Event, InjectType, LogLine, RegimeAccuracy, RegimeName, RequestOutcome, Scope, parse_line,
};
use sentinel_engine::summary::Latency;

use crate::manifest::Manifest;
use serde::Serialize;

mod conjunctions;
pub use conjunctions::Conjunctions;

/// Arguments of `sentinel report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A run directory written by `sentinel run`.
    pub run_dir: PathBuf,
    /// Replace an existing report.json and charts.
    #[arg(long)]
    pub force: bool,
}

/// Custody of one nation, center or the coalition over the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Custody {
    /// (hours from the epoch, objects in custody, objects known) at each sample.
    pub series: Vec<(f64, u32, u32)>,
    /// Mean of the samples after tick 0.
    pub mean: f64,
    /// Smallest sample after tick 0.
    pub min: u32,
    /// Last sample.
    pub at_end: u32,
    /// Objects known at the end.
    pub known_at_end: u32,
    /// Per regime: mean and minimum over the samples after tick 0, and the value at the end.
    pub by_regime: BTreeMap<RegimeName, RegimeCustody>,
}

/// Custody of one regime.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegimeCustody {
    /// Mean of the samples after tick 0.
    pub mean: f64,
    /// Smallest sample after tick 0.
    pub min: u32,
    /// Last sample.
    pub at_end: u32,
}

/// Figures of one nation, regional center or the coalition.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    /// Detections by own sensors.
    pub detections: u64,
    /// Tracks reported, and how many were uncorrelated.
    pub tracks: u64,
    /// Uncorrelated tracks.
    pub uct_tracks: u64,
    /// Products released to partners.
    pub products_shared: u64,
    /// Products received from partners.
    pub products_received: u64,
    /// Products denied by rules.
    pub products_denied: u64,
    /// Tasking requests made.
    pub requests_made: u64,
    /// Requests fulfilled (reported observed).
    pub requests_fulfilled: u64,
    /// Turnaround of fulfilled requests.
    pub request_turnaround: Latency,
    /// Custody over time.
    pub custody: Custody,
    /// Catalog accuracy against the truth per regime at the last sample (nations only).
    pub accuracy: BTreeMap<RegimeName, RegimeAccuracy>,
    /// Tracks associated with the wrong catalog entry.
    pub cross_tags: u64,
    /// Orbit determinations that failed (the entry kept its estimate).
    pub od_failures: u64,
}

/// One inject and how fast it was noticed.
#[derive(Debug, Clone, Serialize)]
pub struct InjectScore {
    /// Inject id.
    pub inject: String,
    /// Kind.
    pub kind: InjectType,
    /// Hours from the epoch when it fired.
    pub at_h: f64,
    /// Seconds to its first detection by anyone (first uncorrelated track for a manoeuvre; first
    /// detection of a new object for launches and breakups).
    pub first_detection_s: Option<u64>,
    /// Per nation: seconds to its own first detection, to its catalog update, and to being told
    /// by a partner (first partner product on an affected object observed after the inject).
    pub by_nation: BTreeMap<String, NationTimes>,
}

/// Times of one nation for one inject, seconds after it fired.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NationTimes {
    /// First own detection (uncorrelated track for a manoeuvre).
    pub detected_s: Option<u64>,
    /// Catalog update (manoeuvre detected, new object or breakup catalogued).
    pub catalogued_s: Option<u64>,
    /// First partner product on an affected object observed after the inject (for a
    /// conjunction, also a partner's warning naming its secondary).
    pub told_s: Option<u64>,
}

/// A liaison's queue over the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LiaisonStats {
    /// Largest depth.
    pub max_depth: u32,
    /// Time-weighted mean depth.
    pub mean_depth: f64,
    /// Messages dropped because it was full.
    pub dropped: u64,
}

/// The scorecard.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Epoch.
    pub epoch: String,
    /// Run length, hours.
    pub hours: f64,
    /// SHA-256 of the events the report was computed from.
    pub events_sha256: String,
    /// Per nation.
    pub nations: BTreeMap<String, Figures>,
    /// Per regional center (sums of members; custody of the center as a whole).
    pub regional_centers: BTreeMap<String, Figures>,
    /// The coalition (sums; custody when any nation holds the object).
    pub coalition: Figures,
    /// Injects in firing order.
    pub injects: Vec<InjectScore>,
    /// Liaisons.
    pub liaisons: BTreeMap<String, LiaisonStats>,
    /// Conjunction assessment: screening nations' warnings against the true close approaches.
    pub conjunctions: Conjunctions,
}

/// Runs the command.
/// Computes the scorecard of a run directory: its manifest through the one manifest reader, its log
/// checked against the manifest's size and SHA-256 as it is read (a damaged log is an error naming
/// the file, not a scorecard).
pub fn of_run(dir: &Path) -> anyhow::Result<Report> {
    let m = crate::manifest::read(dir)?;
    let path = dir.join("events.jsonl");
    let (file, _) =
        crate::loader::open_regular(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut hashing = crate::loader::Hashing::new(file);
    let report =
        compute(&m, BufReader::with_capacity(1 << 20, &mut hashing)).with_context(|| format!("{}", path.display()))?;
    hashing.check_against(&m.events, &path)?;
    Ok(report)
}

pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.run_dir;
    let out_json = dir.join("report.json");
    let charts = dir.join("charts");
    let report = of_run(dir)?;
    print!("{}", render_tables(&report));
    // Printing is always allowed; only replacing files needs --force.
    let existing: Vec<PathBuf> = [out_json.clone(), charts.join("custody.svg"), charts.join("injects.svg")]
        .into_iter()
        .filter(|p| p.exists())
        .collect();
    if !args.force && !existing.is_empty() {
        let names: Vec<String> = existing.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "sentinel: {} already exist(s) and was not rewritten (pass --force to replace the report files)",
            names.join(", ")
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut json = serde_json::to_string_pretty(&report)?;
    json.push('\n');
    write_atomic(&out_json, json.as_bytes())?;
    fs::create_dir_all(&charts).with_context(|| format!("cannot create {}", charts.display()))?;
    write_atomic(&charts.join("custody.svg"), custody_svg(&report).as_bytes())?;
    write_atomic(&charts.join("injects.svg"), injects_svg(&report).as_bytes())?;
    eprintln!(
        "sentinel: wrote {}, {} and {}",
        out_json.display(),
        charts.join("custody.svg").display(),
        charts.join("injects.svg").display()
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension(format!("partial-{}", std::process::id()));
    let mut f = File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Per-inject times: (first detection by anyone, per nation).
type Scores = BTreeMap<String, (Option<u64>, BTreeMap<String, NationTimes>)>;

/// Records a detection of an inject's effect `dt` seconds after it, by `nation`: the first one
/// overall and the nation's first are kept.
fn first_detection(scores: &mut Scores, inject: &str, nation: &str, dt: u64) {
    let e = scores.entry(inject.to_string()).or_default();
    e.0.get_or_insert(dt);
    e.1.entry(nation.to_string()).or_default().detected_s.get_or_insert(dt);
}

/// Records that `nation` was told of an inject's effect by a partner `dt` seconds after it (the
/// first time is kept).
fn told(scores: &mut Scores, inject: &str, nation: &str, dt: u64) {
    let e = scores.entry(inject.to_string()).or_default();
    e.1.entry(nation.to_string()).or_default().told_s.get_or_insert(dt);
}

/// The figures of nation `n`.
fn fig<'a>(nations: &'a mut BTreeMap<String, Figures>, n: &str) -> &'a mut Figures {
    nations.entry(n.to_string()).or_default()
}

/// Mean (to 0.1) and minimum of custody samples; (0, 0) when there are none.
fn mean_min(v: impl Iterator<Item = u32>) -> (f64, u32) {
    let v: Vec<u32> = v.collect();
    if v.is_empty() {
        return (0.0, 0);
    }
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
    ((mean * 10.0).round() / 10.0, v.iter().copied().min().unwrap_or(0))
}

/// A custody sample: (tick, in custody, known, in custody per regime).
type Sample = (u64, u32, u32, BTreeMap<RegimeName, u32>);

/// Computes the report from the log lines.
pub fn compute(m: &Manifest, lines: impl BufRead) -> anyhow::Result<Report> {
    let tick_s = u64::from(m.tick_s);
    let hours = |tick: u64| (tick * tick_s) as f64 / 3600.0;
    let mut nations: BTreeMap<String, Figures> = BTreeMap::new();
    let mut turnaround: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut custody: BTreeMap<(Scope, String), Vec<Sample>> = BTreeMap::new();
    // Per nation: the accuracy figures of its latest custody sample.
    let mut accuracy: BTreeMap<String, BTreeMap<RegimeName, RegimeAccuracy>> = BTreeMap::new();
    // Injects: (id, kind, tick, affected objects).
    let mut injects: Vec<(String, InjectType, u64, BTreeSet<u32>)> = Vec::new();
    let mut scores: Scores = BTreeMap::new();
    let mut liaisons: BTreeMap<String, (LiaisonStats, u64, u32, u64)> = BTreeMap::new();
    let mut conjunctions = conjunctions::Tally::default();
    for (n, line) in lines.lines().enumerate() {
        let line = line.context("cannot read events.jsonl")?;
        let LogLine { tick, event, .. } =
            parse_line(&line).with_context(|| format!("events.jsonl:{}: not an event line", n + 1))?;
        conjunctions.feed(tick, &event, m.tick_s as f64);
        // Seconds from an inject at tick `t` to this line.
        let since = |t: u64| (tick - t) * tick_s;
        match &event {
            Event::Detection { nation: by, object, .. } => {
                fig(&mut nations, by).detections += 1;
                // First detection of a new object (launch, breakup, conjunction secondary).
                for (id, kind, t, objs) in &injects {
                    if matches!(kind, InjectType::Launch | InjectType::Breakup | InjectType::Conjunction)
                        && object.is_some_and(|o| objs.contains(&o))
                        && tick >= *t
                    {
                        first_detection(&mut scores, id, by, since(*t));
                    }
                }
            }
            Event::Track {
                nation: by,
                object,
                uct,
                ..
            } => {
                let f = fig(&mut nations, by);
                f.tracks += 1;
                if *uct {
                    f.uct_tracks += 1;
                    for (id, kind, t, objs) in &injects {
                        if *kind == InjectType::Manoeuvre && object.is_some_and(|o| objs.contains(&o)) && tick >= *t {
                            first_detection(&mut scores, id, by, since(*t));
                        }
                    }
                }
            }
            Event::ShareSent(e) => fig(&mut nations, &e.from).products_shared += 1,
            Event::ShareDenied { from, .. } => fig(&mut nations, from).products_denied += 1,
            Event::ShareDelivered(e) => {
                fig(&mut nations, &e.to).products_received += 1;
                for (id, kind, t, objs) in &injects {
                    let observed_after = e.first_detection_tick >= *t;
                    let scored = matches!(
                        kind,
                        InjectType::Manoeuvre | InjectType::Launch | InjectType::Breakup | InjectType::Conjunction
                    );
                    if scored && observed_after && e.true_object.is_some_and(|o| objs.contains(&o)) {
                        told(&mut scores, id, &e.to, since(*t));
                    }
                }
            }
            // A partner's warning names a conjunction inject's secondary (its other object).
            Event::WarningDelivered(e) if e.channel != Channel::Internal => {
                for (id, kind, t, objs) in &injects {
                    if *kind == InjectType::Conjunction && e.true_objects.is_some_and(|o| objs.contains(&o[1])) {
                        told(&mut scores, id, &e.to, since(*t));
                    }
                }
            }
            Event::TaskingRequested(e) => fig(&mut nations, &e.requester).requests_made += 1,
            Event::TaskingReported(e) if e.outcome == RequestOutcome::Observed => {
                fig(&mut nations, &e.requester).requests_fulfilled += 1;
                turnaround
                    .entry(e.requester.to_string())
                    .or_default()
                    .push(e.turnaround_s);
            }
            Event::Inject(e) => {
                // For a breakup, the fragments (not the parent) are what gets detected; for a
                // conjunction, the secondary (not the primary).
                let skip = matches!(e.inject_kind, InjectType::Breakup | InjectType::Conjunction) as usize;
                let affected: BTreeSet<u32> = e.objects.iter().skip(skip).copied().collect();
                injects.push((e.inject.to_string(), e.inject_kind, tick, affected));
            }
            Event::ManoeuvreDetected { nation: by, inject, .. }
            | Event::NewObjectCatalogued { nation: by, inject, .. }
            | Event::BreakupDetected { nation: by, inject, .. } => {
                if let Some((id, _, t, _)) = injects.iter().find(|i| inject.as_deref() == Some(i.0.as_str())) {
                    let e = scores.entry(id.clone()).or_default();
                    e.1.entry(by.to_string())
                        .or_default()
                        .catalogued_s
                        .get_or_insert(since(*t));
                }
            }
            Event::LiaisonQueue { liaison, depth, .. } => {
                let e = liaisons.entry(liaison.to_string()).or_default();
                // Integrate the previous depth up to this tick.
                e.1 += (tick - e.3) * e.2 as u64;
                e.2 = *depth;
                e.3 = tick;
                e.0.max_depth = e.0.max_depth.max(e.2);
            }
            Event::ShareDropped { liaison, .. } | Event::TaskingDropped { liaison, .. } => {
                liaisons.entry(liaison.to_string()).or_default().0.dropped += 1;
            }
            Event::CrossTag { nation: by, .. } => fig(&mut nations, by).cross_tags += 1,
            Event::OdFailed { nation: by, .. } => fig(&mut nations, by).od_failures += 1,
            Event::Custody {
                scope,
                id,
                known_total,
                in_custody_total,
                in_custody,
                accuracy: a,
                ..
            } => {
                if *scope == Scope::Nation
                    && let Some(a) = a
                {
                    accuracy.insert(id.to_string(), a.clone());
                }
                custody.entry((*scope, id.to_string())).or_default().push((
                    tick,
                    *in_custody_total,
                    *known_total,
                    in_custody.clone(),
                ));
            }
            _ => {}
        }
    }
    let custody_of = |scope: Scope, id: &str| -> Custody {
        let s = custody.get(&(scope, id.to_string())).cloned().unwrap_or_default();
        let series: Vec<(f64, u32, u32)> = s.iter().map(|x| (hours(x.0), x.1, x.2)).collect();
        // Catalogs start without observations, so the tick-0 sample is left out of the mean and minimum.
        let (mean, min) = mean_min(s.iter().filter(|x| x.0 > 0).map(|x| x.1));
        Custody {
            mean,
            min,
            at_end: series.last().map_or(0, |x| x.1),
            known_at_end: series.last().map_or(0, |x| x.2),
            by_regime: {
                let regimes: BTreeSet<&RegimeName> = s.iter().flat_map(|x| x.3.keys()).collect();
                regimes
                    .into_iter()
                    .map(|g| {
                        let (mean, min) =
                            mean_min(s.iter().filter(|x| x.0 > 0).map(|x| x.3.get(g).copied().unwrap_or(0)));
                        let at_end = s.last().and_then(|x| x.3.get(g).copied()).unwrap_or(0);
                        (*g, RegimeCustody { mean, min, at_end })
                    })
                    .collect()
            },
            series,
        }
    };
    for (n, f) in nations.iter_mut() {
        f.request_turnaround = Latency::of(turnaround.get(n).cloned().unwrap_or_default());
        f.custody = custody_of(Scope::Nation, n);
        f.accuracy = accuracy.get(n).cloned().unwrap_or_default();
    }
    for ((scope, id), _) in custody.iter().filter(|(k, _)| k.0 == Scope::Nation) {
        nations.entry(id.clone()).or_insert_with(|| Figures {
            custody: custody_of(*scope, id),
            ..Figures::default()
        });
    }
    let sum = |members: &[&String], c: Custody| -> Figures {
        let mut out = Figures {
            custody: c,
            ..Figures::default()
        };
        let mut t = Vec::new();
        for m in members {
            if let Some(f) = nations.get(*m) {
                out.detections += f.detections;
                out.tracks += f.tracks;
                out.uct_tracks += f.uct_tracks;
                out.products_shared += f.products_shared;
                out.products_received += f.products_received;
                out.products_denied += f.products_denied;
                out.requests_made += f.requests_made;
                out.requests_fulfilled += f.requests_fulfilled;
                out.cross_tags += f.cross_tags;
                out.od_failures += f.od_failures;
                t.extend(turnaround.get(*m).cloned().unwrap_or_default());
            }
        }
        out.request_turnaround = Latency::of(t);
        out
    };
    let regional_centers = m
        .regional_centers
        .iter()
        .map(|(id, members)| {
            (
                id.clone(),
                sum(
                    &members.iter().collect::<Vec<_>>(),
                    custody_of(Scope::RegionalCenter, id),
                ),
            )
        })
        .collect();
    let all: Vec<&String> = nations.keys().collect();
    let coalition = sum(&all, custody_of(Scope::Coalition, "coalition"));
    let end = m.ticks.saturating_sub(1);
    let liaisons = liaisons
        .into_iter()
        .map(|(k, (mut s, area, depth, last))| {
            let area = area + (end.saturating_sub(last)) * depth as u64;
            s.mean_depth = ((area as f64 / m.ticks.max(1) as f64) * 100.0).round() / 100.0;
            (k, s)
        })
        .collect();
    let injects = injects
        .into_iter()
        .map(|(id, kind, t, _)| {
            let (first, by) = scores.remove(&id).unwrap_or_default();
            InjectScore {
                inject: id,
                kind,
                at_h: hours(t),
                first_detection_s: first,
                by_nation: by,
            }
        })
        .collect();
    Ok(Report {
        scenario: m.scenario.clone(),
        seed: m.seed,
        epoch: m.epoch.clone(),
        hours: hours(m.ticks),
        events_sha256: m.events.sha256.clone(),
        nations,
        regional_centers,
        coalition,
        injects,
        liaisons,
        conjunctions: conjunctions.finish(m.tick_s as f64),
    })
}

fn opt(x: Option<u64>) -> String {
    x.map_or("-".into(), |s| format!("{:.1}", s as f64 / 60.0))
}

/// The tables printed on the terminal.
fn render_tables(r: &Report) -> String {
    let mut s = format!(
        "Scorecard: {} (seed {}, {} h from {})\n\n",
        r.scenario, r.seed, r.hours, r.epoch
    );
    s += &format!(
        "{:<20} {:>9} {:>8} {:>6} {:>8} {:>8} {:>7} {:>9} {:>11} {:>8} {:>7} {:>7} {:>7}\n",
        "nation / group",
        "det",
        "tracks",
        "UCT",
        "shared",
        "recv",
        "denied",
        "req made",
        "fulfilled",
        "med min",
        "custody",
        "min",
        "end"
    );
    let mut row = |name: &str, f: &Figures| {
        s += &format!(
            "{:<20} {:>9} {:>8} {:>6} {:>8} {:>8} {:>7} {:>9} {:>11} {:>8} {:>7.1} {:>7} {:>7}\n",
            name,
            f.detections,
            f.tracks,
            f.uct_tracks,
            f.products_shared,
            f.products_received,
            f.products_denied,
            f.requests_made,
            f.requests_fulfilled,
            opt((f.request_turnaround.count > 0).then_some(f.request_turnaround.median_s)),
            f.custody.mean,
            f.custody.min,
            f.custody.at_end
        );
    };
    for (n, f) in &r.nations {
        row(n, f);
    }
    for (n, f) in &r.regional_centers {
        row(n, f);
    }
    row("COALITION", &r.coalition);
    s += "\n(custody: objects in custody, mean / minimum over the samples after tick 0 / at the end; med min: median request turnaround, minutes)\n";
    s += "\nCustody per regime (mean / min / end)\n";
    let coalition = "COALITION".to_string();
    let groups = r
        .nations
        .iter()
        .chain(r.regional_centers.iter())
        .chain(std::iter::once((&coalition, &r.coalition)));
    for (name, f) in groups {
        let cells: Vec<String> = f
            .custody
            .by_regime
            .iter()
            .map(|(g, c)| format!("{g} {:.1}/{}/{}", c.mean, c.min, c.at_end))
            .collect();
        s += &format!("  {:<20} {}\n", name, cells.join("   "));
    }
    s += "\nCatalog accuracy at the end against the truth (entries, median / 95th percentile error km, share accurate, share inside 3 sigma; cross-tags, failed fits)\n";
    for (name, f) in &r.nations {
        let cells: Vec<String> = f
            .accuracy
            .iter()
            .map(|(g, a)| {
                format!(
                    "{g} {} {:.2}/{:.1} km {:.0}% {:.0}%",
                    a.entries,
                    a.median_km,
                    a.p95_km,
                    100.0 * a.accurate,
                    100.0 * a.in_3sigma
                )
            })
            .collect();
        s += &format!(
            "  {:<20} {}   cross-tags {}  failed fits {}\n",
            name,
            cells.join("   "),
            f.cross_tags,
            f.od_failures
        );
    }
    if !r.injects.is_empty() {
        s += "\nInjects (minutes after the inject: first detection / per nation detected, catalogued, told by a partner)\n";
        for i in &r.injects {
            s += &format!(
                "  {:<18} {:<18} at {:>5.2} h  first detection {:>6}\n",
                i.inject,
                i.kind,
                i.at_h,
                opt(i.first_detection_s)
            );
            for (n, t) in &i.by_nation {
                s += &format!(
                    "      {:<8} detected {:>6}  catalogued {:>6}  told {:>6}\n",
                    n,
                    opt(t.detected_s),
                    opt(t.catalogued_s),
                    opt(t.told_s)
                );
            }
        }
    }
    s += &conjunctions::render(&r.conjunctions);
    if !r.liaisons.is_empty() {
        s += "\nLiaison queues\n";
        for (id, l) in &r.liaisons {
            s += &format!(
                "  {:<24} max depth {:>4}  mean depth {:>6.2}  dropped {:>6}\n",
                id, l.max_depth, l.mean_depth, l.dropped
            );
        }
    }
    s
}

const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];

/// An SVG text element (sans-serif).
pub fn text(x: f64, y: f64, size: u32, anchor: &str, content: &str) -> svg::node::element::Text {
    svg::node::element::Text::new(content)
        .set("x", x)
        .set("y", y)
        .set("font-size", size)
        .set("font-family", "sans-serif")
        .set("text-anchor", anchor)
}

/// The width of `s` set in a sans-serif font of `size` px, estimated from the advance widths of
/// Helvetica/Arial (in 1/1000 em) and rounded up by 18%: at least the width in DejaVu Sans (the
/// widest common default sans-serif, up to 17% wider than Helvetica) and in Arial/Liberation Sans,
/// so a label laid out by it is not clipped by the font a browser or rsvg picks.
pub fn text_width(s: &str, size: u32) -> f64 {
    let em: f64 = s
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '\'' | '|' | '!' | '.' | ',' | ':' | ';' => 278.0,
            'f' | 't' | 'r' | 'I' | ' ' | '(' | ')' | '[' | ']' | '/' | '-' => 333.0,
            'm' | 'M' => 833.0,
            'w' | 'W' => 944.0,
            'A'..='Z' | '_' | '%' | '&' | '@' => 722.0,
            c if c.is_ascii() => 556.0,
            _ => 1000.0,
        })
        .sum();
    em / 1000.0 * size as f64 * 1.18
}

/// Axis ticks from 0 to at least `max` (> 0) in steps of 1, 2 or 5 times a power of ten, about
/// five of them.
pub fn nice_ticks(max: f64) -> Vec<f64> {
    debug_assert!(max > 0.0 && max.is_finite());
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=n).map(|k| ((k as f64 * step) * 1e6).round() / 1e6).collect()
}

/// Custody over time: one line per nation and one (thick) for the coalition.
fn custody_svg(r: &Report) -> String {
    use svg::node::element::{Line as SvgLine, Polyline, Rectangle};
    let (w, h, left, right, top, bottom) = (960.0, 540.0, 70.0, 190.0, 40.0, 50.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let ymax = r
        .nations
        .values()
        .chain(std::iter::once(&r.coalition))
        .flat_map(|f| f.custody.series.iter().map(|x| x.1))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let x = |t: f64| left + pw * t / r.hours.max(1e-9);
    let y = |v: f64| top + ph * (1.0 - v / ymax);
    let mut doc = svg::Document::new()
        .set("viewBox", (0, 0, w, h))
        .set("width", w)
        .set("height", h)
        .add(Rectangle::new().set("width", w).set("height", h).set("fill", "white"))
        .add(text(
            w / 2.0,
            22.0,
            16,
            "middle",
            &format!("Objects in custody: {}", r.scenario),
        ))
        .add(text(left + pw / 2.0, h - 12.0, 12, "middle", "hours from the epoch"))
        .add(
            text(16.0, top + ph / 2.0, 12, "middle", "objects")
                .set("transform", format!("rotate(-90 16 {})", top + ph / 2.0)),
        );
    for k in 0..=4 {
        let v = ymax * k as f64 / 4.0;
        doc = doc
            .add(
                SvgLine::new()
                    .set("x1", left)
                    .set("x2", left + pw)
                    .set("y1", y(v))
                    .set("y2", y(v))
                    .set("stroke", "#ddd"),
            )
            .add(text(left - 6.0, y(v) + 4.0, 11, "end", &format!("{v:.0}")));
    }
    for k in 0..=6 {
        let t = r.hours * k as f64 / 6.0;
        doc = doc.add(text(x(t), top + ph + 16.0, 11, "middle", &format!("{t:.1}")));
    }
    let mut series: Vec<(String, &Custody, f64, &str)> = r
        .nations
        .iter()
        .enumerate()
        .map(|(i, (n, f))| (n.clone(), &f.custody, 1.5, PALETTE[i % PALETTE.len()]))
        .collect();
    series.push(("COALITION".into(), &r.coalition.custody, 3.5, "#000"));
    for (i, (name, c, width, color)) in series.iter().enumerate() {
        let pts: Vec<String> = c
            .series
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.0), y(p.1 as f64)))
            .collect();
        doc = doc
            .add(
                Polyline::new()
                    .set("points", pts.join(" "))
                    .set("fill", "none")
                    .set("stroke", *color)
                    .set("stroke-width", *width),
            )
            .add(
                SvgLine::new()
                    .set("x1", w - right + 12.0)
                    .set("x2", w - right + 32.0)
                    .set("y1", top + 14.0 * i as f64)
                    .set("y2", top + 14.0 * i as f64)
                    .set("stroke", *color)
                    .set("stroke-width", *width),
            )
            .add(text(
                w - right + 38.0,
                top + 4.0 + 14.0 * i as f64,
                11,
                "start",
                &format!("{name} (end {})", c.at_end),
            ));
    }
    doc.to_string()
}

/// An inject's row label.
fn inject_label(i: &InjectScore) -> String {
    format!("{} ({})", i.inject, i.kind)
}

/// Inject timeline: one row per inject; the fire time, the first detection, and per nation the
/// catalog update and the first partner product.
fn injects_svg(r: &Report) -> String {
    use svg::node::element::{Circle, Line as SvgLine, Rectangle};
    let rows = r.injects.len().max(1) as f64;
    let legend = "black bar: inject; blue: first detection; green: a nation's catalog update; orange: a nation told by a partner";
    // The canvas grows to fit the longest label and the legend: nothing is clipped.
    let label_w = r
        .injects
        .iter()
        .map(|i| text_width(&inject_label(i), 12))
        .fold(100.0, f64::max);
    let (left, right, top, row_h) = (label_w + 24.0, 40.0, 60.0, 36.0);
    let w = (left + 770.0 + right).max(text_width(legend, 11) + 40.0);
    let h = top + rows * row_h + 60.0;
    let pw = w - left - right;
    let x = |t_h: f64| left + pw * t_h / r.hours.max(1e-9);
    let mut doc = svg::Document::new()
        .set("viewBox", (0, 0, w, h))
        .set("width", w)
        .set("height", h)
        .add(Rectangle::new().set("width", w).set("height", h).set("fill", "white"))
        .add(text(
            w / 2.0,
            22.0,
            16,
            "middle",
            &format!("Inject timeline: {}", r.scenario),
        ))
        .add(text(w / 2.0, 40.0, 11, "middle", legend))
        .add(text(left + pw / 2.0, h - 14.0, 12, "middle", "hours from the epoch"));
    for k in 0..=6 {
        let t = r.hours * k as f64 / 6.0;
        doc = doc
            .add(
                SvgLine::new()
                    .set("x1", x(t))
                    .set("x2", x(t))
                    .set("y1", top - 6.0)
                    .set("y2", top + rows * row_h)
                    .set("stroke", "#eee"),
            )
            .add(text(
                x(t),
                top + rows * row_h + 16.0,
                11,
                "middle",
                &format!("{t:.1} h"),
            ));
    }
    for (i, inj) in r.injects.iter().enumerate() {
        let yc = top + row_h * (i as f64 + 0.5);
        let at = |s: u64| x(inj.at_h + s as f64 / 3600.0);
        doc = doc.add(text(left - 8.0, yc + 4.0, 12, "end", &inject_label(inj))).add(
            Rectangle::new()
                .set("x", x(inj.at_h) - 1.5)
                .set("y", yc - 12.0)
                .set("width", 3)
                .set("height", 24)
                .set("fill", "#000"),
        );
        if let Some(s) = inj.first_detection_s {
            doc = doc.add(
                Circle::new()
                    .set("cx", at(s))
                    .set("cy", yc)
                    .set("r", 6)
                    .set("fill", "#1f77b4"),
            );
        }
        for t in inj.by_nation.values() {
            if let Some(s) = t.catalogued_s {
                doc = doc.add(
                    Circle::new()
                        .set("cx", at(s))
                        .set("cy", yc - 7.0)
                        .set("r", 3)
                        .set("fill", "#2ca02c"),
                );
            }
            if let Some(s) = t.told_s {
                doc = doc.add(
                    Circle::new()
                        .set("cx", at(s))
                        .set("cy", yc + 7.0)
                        .set("r", 3)
                        .set("fill", "#ff7f0e"),
                );
            }
        }
    }
    doc.to_string()
}
