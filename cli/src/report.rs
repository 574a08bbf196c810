//! `sentinel report RUN_DIR`: the evaluator's scorecard of a run, per nation, per regional center
//! and for the coalition. Reads the run's `events.jsonl` and `manifest.json`; computes one
//! [`Report`]; prints it as tables, and writes it as `report.json` and two SVG charts
//! (`charts/custody.svg`, `charts/injects.svg`). Tables, JSON and charts all render the same
//! `Report` value, so they cannot disagree.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use sentinel_engine::event::{kind_of, parse_line};
use sentinel_engine::scorecard::{Builder, Custody, Figures, InjectScore, RunInfo, Scorecard};

use crate::manifest::{LogKind, Manifest, OutputFile};

mod conjunctions;

/// The scorecard `sentinel report` renders.
pub type Report = Scorecard;

/// Arguments of `sentinel report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// A run directory written by `sentinel run`.
    pub run_dir: PathBuf,
    /// Replace an existing report.json and charts.
    #[arg(long)]
    pub force: bool,
}

/// Computes the scorecard of a run directory: its manifest through the one manifest reader, its log
/// read as typed events and checked against the manifest's size and SHA-256 as it is read (a
/// damaged log is an error naming the file, not a scorecard).
pub fn of_run(dir: &Path) -> anyhow::Result<Report> {
    let m = crate::manifest::read(dir)?;
    if let (LogKind::None, Some(entry)) = (m.log, &m.report) {
        return recorded_scorecard(dir, entry);
    }
    let path = m.log_path(dir)?;
    let (file, _) =
        crate::loader::open_regular(&path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut hashing = crate::loader::Hashing::new(file);
    let mut card = Builder::new(run_info(&m));
    for (n, line) in BufReader::with_capacity(1 << 20, &mut hashing).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        // Kinds the scorecard does not read (most of a log) are skipped unparsed; the digest
        // check below still covers every byte.
        if kind_of(&line).is_some_and(|k| !Builder::reads(k)) {
            continue;
        }
        let l = parse_line(&line).with_context(|| format!("{}:{}: not an event line", path.display(), n + 1))?;
        card.feed(l.tick, &l.event);
    }
    hashing.check_against(&m.events, &path)?;
    Ok(card.finish(m.events.sha256.clone()))
}

/// The scorecard a run without a log wrote itself, checked against its manifest entry.
fn recorded_scorecard(dir: &Path, entry: &OutputFile) -> anyhow::Result<Report> {
    let path = dir.join(&entry.file);
    let bytes = crate::loader::read_capped(&path, entry.bytes.saturating_add(1))
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let sha = crate::loader::sha256_hex(&bytes);
    if bytes.len() as u64 != entry.bytes || sha != entry.sha256 {
        anyhow::bail!(
            "{}: SHA-256 {sha} ({} bytes) differs from its run's manifest ({:?}, {} bytes): the file was modified; `sentinel verify` checks a run",
            path.display(),
            bytes.len(),
            entry.sha256,
            entry.bytes
        );
    }
    serde_json::from_slice(&bytes).with_context(|| format!("{} is not a scorecard", path.display()))
}

/// What the scorecard needs of a run's manifest.
pub fn run_info(m: &Manifest) -> RunInfo {
    RunInfo {
        scenario: m.scenario.clone(),
        seed: m.seed,
        epoch: m.epoch.clone(),
        tick_s: u64::from(m.tick_s),
        ticks: m.ticks,
        regional_centers: m.regional_centers.clone(),
    }
}

/// Runs the command.
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
    s += "\nCatalog accuracy at the end against the truth (entries, median / 95th percentile error km, share accurate, share inside 3 sigma; cross-tags, failed fits, manoeuvres declared and false alarms among them)\n";
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
            "  {:<20} {}   cross-tags {}  failed fits {}  manoeuvres declared {} (false {})\n",
            name,
            cells.join("   "),
            f.cross_tags,
            f.od_failures,
            f.manoeuvres_declared,
            f.manoeuvre_false_alarms
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
    if !r.sites.is_empty() {
        s += "\nTelescope weather (nights, lost: at least half under cloud; dark hours under cloud; share of the run clear)\n";
        for (id, w) in &r.sites {
            s += &format!(
                "  {:<24} {:<8} nights {:>4}  lost {:>4}  dark {:>7.1} h  under cloud {:>7.1} h  clear {:>5.1}%\n",
                id,
                w.nation,
                w.nights,
                w.nights_lost,
                w.dark_h,
                w.clouded_dark_h,
                100.0 * w.clear_share
            );
        }
    }
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
