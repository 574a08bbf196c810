//! `sentinel merge DIR... --out DIR`: gathers a batch made by any number of shards, checks it is
//! complete (naming missing runs) and that every run's log matches its manifest and has the seed its
//! index implies, computes each run's scorecard, and writes ensemble statistics (mean, standard
//! deviation, 5th/50th/95th percentiles, 95% confidence interval of the mean) as a table,
//! `ensemble.json` and `ensemble.svg`, all from the same numbers.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;

use crate::batch::{BatchInfo, complete, run_dir, seed_of};
use crate::report::{self, Report};

/// Arguments of `sentinel merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Batch directories (one per shard, or one shared).
    pub dirs: Vec<PathBuf>,
    /// Where to write ensemble.json and ensemble.svg.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing ensemble.json.
    #[arg(long)]
    pub force: bool,
}

/// Statistics of one metric over the runs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    /// Runs with a value.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator).
    pub sd: f64,
    /// Smallest value.
    pub min: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Largest value.
    pub max: f64,
    /// 95% confidence interval of the mean by Student's t with n - 1 degrees of freedom
    /// (mean -/+ t(0.975, n - 1) sd / sqrt(n)), low end; `null` with fewer than 2 runs.
    pub ci95_low: Option<f64>,
    /// High end.
    pub ci95_high: Option<f64>,
}

/// The two-sided 95% quantile of Student's t with `df` degrees of freedom, t(0.975, df).
pub fn t975(df: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    debug_assert!(df >= 1);
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("df >= 1 is a valid Student t")
        .inverse_cdf(0.975)
}

/// Statistics of the values of one metric (at least one value).
fn stats(mut v: Vec<f64>) -> Stats {
    debug_assert!(!v.is_empty());
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n as f64;
    let sd = if n > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    // Percentiles by linear interpolation between order statistics.
    let q = |p: f64| -> f64 {
        let x = p * (n - 1) as f64;
        let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (x - lo as f64)
    };
    let half = (n > 1).then(|| t975(n - 1) * sd / (n as f64).sqrt());
    let r = |x: f64| (x * 1000.0).round() / 1000.0;
    Stats {
        n,
        mean: r(mean),
        sd: r(sd),
        min: v[0],
        p5: r(q(0.05)),
        p50: r(q(0.5)),
        p95: r(q(0.95)),
        max: v[n - 1],
        ci95_low: half.map(|h| r(mean - h)),
        ci95_high: half.map(|h| r(mean + h)),
    }
}

/// One run of the ensemble.
#[derive(Debug, Serialize)]
pub struct RunEntry {
    /// Index.
    pub run: u32,
    /// Seed.
    pub seed: u64,
    /// SHA-256 of its log.
    pub events_sha256: String,
}

/// The merged batch.
#[derive(Debug, Serialize)]
pub struct Ensemble {
    /// The batch.
    pub batch: BatchInfo,
    /// Every run, by index.
    pub runs: Vec<RunEntry>,
    /// Metric name -> statistics over the runs.
    pub metrics: BTreeMap<String, Stats>,
}

/// The figures of one run's scorecard, by name: every number of `report.json`, named by its path
/// (`nations.JPN.custody.at_end`, `injects.M1.by_nation.JPN.told_s`, `liaisons.L.max_depth`). The
/// scorecard itself is the list, so a figure added to [`Report`] is merged without a change here.
/// Left out: the run's identity (scenario, seed, epoch, hours, log digest), the custody time series,
/// the list of conjunctions (which differ from run to run; their counts are merged), figures that
/// are absent (`null`: an inject a nation never saw), and the statistics of an empty
/// list (an object whose `count` is 0 keeps only its count: no turnaround is not a turnaround of 0).
pub fn metrics(r: &Report) -> BTreeMap<String, f64> {
    let v = serde_json::to_value(r).expect("a scorecard is JSON");
    let mut m = BTreeMap::new();
    for (k, x) in v.as_object().expect("a scorecard is an object") {
        if !matches!(k.as_str(), "scenario" | "seed" | "epoch" | "hours" | "events_sha256") {
            flatten(k, x, &mut m);
        }
    }
    m
}

/// Adds the numbers under `v` to `out`, named `path.key...`; array elements are named by their
/// `inject` id (the injects), else by their index.
fn flatten(path: &str, v: &serde_json::Value, out: &mut BTreeMap<String, f64>) {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            out.insert(path.to_string(), n.as_f64().expect("a finite number"));
        }
        Value::Object(o) => {
            let empty = o.get("count").and_then(Value::as_u64) == Some(0);
            for (k, x) in o {
                let skipped = k == "series" || (path == "conjunctions" && k == "list");
                if !skipped && (!empty || k == "count") {
                    flatten(&format!("{path}.{k}"), x, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let name = x["inject"].as_str().map_or_else(|| i.to_string(), str::to_string);
                flatten(&format!("{path}.{name}"), x, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::String(_) => {}
    }
}

/// Runs the command.
pub fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    if args.dirs.is_empty() {
        bail!("name at least one batch directory");
    }
    let mut info: Option<BatchInfo> = None;
    for d in &args.dirs {
        let path = d.join("batch.json");
        let bytes = crate::loader::read_capped(&path, sentinel_engine::limits::MAX_MANIFEST_BYTES)
            .map_err(|e| anyhow::anyhow!("{} is not a batch directory (cannot read batch.json: {e})", d.display()))?;
        let b: BatchInfo =
            serde_json::from_slice(&bytes).with_context(|| format!("{}: not a batch description", path.display()))?;
        match &info {
            None => info = Some(b),
            Some(i) if *i != b => bail!(
                "{} belongs to another batch than {}",
                d.display(),
                args.dirs[0].display()
            ),
            Some(_) => {}
        }
    }
    let info = info.expect("at least one directory");
    let out_json = args.out.join("ensemble.json");
    if out_json.exists() && !args.force {
        bail!("{} exists; pass --force to replace it", out_json.display());
    }
    let (mut missing, mut bad, mut runs, mut reports) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in 0..info.runs {
        let Some(dir) = args
            .dirs
            .iter()
            .map(|d| run_dir(d, r))
            .find(|d| d.join("manifest.json").exists())
        else {
            missing.push(r);
            continue;
        };
        let m = crate::manifest::read(&dir)?;
        let seed = m.seed;
        if !complete(&dir, m.log) || seed != seed_of(info.seed_base, r) {
            bad.push(format!(
                "{} (log or scorecard does not match its manifest, or seed {seed} is not run {r}'s)",
                dir.display()
            ));
            continue;
        }
        runs.push(RunEntry {
            run: r,
            seed,
            events_sha256: m.events.sha256.clone(),
        });
        reports.push(report::of_run(&dir)?);
    }
    if !missing.is_empty() || !bad.is_empty() {
        if !missing.is_empty() {
            println!(
                "sentinel: merge: {} of {} runs missing: {missing:?}",
                missing.len(),
                info.runs
            );
        }
        for b in &bad {
            println!("sentinel: merge: FAILED verification: {b}");
        }
        return Ok(ExitCode::from(1));
    }
    let per_run: Vec<BTreeMap<String, f64>> = reports.iter().map(metrics).collect();
    let names: std::collections::BTreeSet<&String> = per_run.iter().flat_map(|m| m.keys()).collect();
    let metrics: BTreeMap<String, Stats> = names
        .into_iter()
        .map(|n| {
            (
                n.clone(),
                stats(per_run.iter().filter_map(|m| m.get(n).copied()).collect()),
            )
        })
        .collect();
    let ens = Ensemble {
        batch: info,
        runs,
        metrics,
    };
    println!(
        "Ensemble of {} runs of {} (seed base {})",
        ens.runs.len(),
        ens.batch.scenario,
        ens.batch.seed_base
    );
    print!("{}", table(&ens));
    std::fs::create_dir_all(&args.out)?;
    let mut json = serde_json::to_string_pretty(&ens)?;
    json.push('\n');
    let tmp = args.out.join(format!(".ensemble.json.{}", std::process::id()));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, &out_json)?;
    let svg = args.out.join("ensemble.svg");
    report::write_atomic(&svg, custody_svg(&ens).as_bytes())?;
    eprintln!("sentinel: wrote {} and {}", out_json.display(), svg.display());
    Ok(ExitCode::SUCCESS)
}

/// The statistics as a text table.
fn table(e: &Ensemble) -> String {
    let width = e.metrics.keys().map(String::len).max().unwrap_or(6).max(6);
    let mut s = format!(
        "{:<width$} {:>4} {:>12} {:>10} {:>12} {:>12} {:>12} {:>27}\n",
        "figure", "n", "mean", "sd", "p5", "p50", "p95", "95% CI of mean (Student t)"
    );
    for (k, m) in &e.metrics {
        let ci = match (m.ci95_low, m.ci95_high) {
            (Some(lo), Some(hi)) => format!("{lo:.2} .. {hi:.2}"),
            _ => "-".to_string(),
        };
        s += &format!(
            "{k:<width$} {:>4} {:>12.2} {:>10.2} {:>12.2} {:>12.2} {:>12.2} {ci:>27}\n",
            m.n, m.mean, m.sd, m.p5, m.p50, m.p95
        );
    }
    s += "\n(figures: the numbers of each run's report.json, by path; n: runs that have the figure; \
          sd: sample standard deviation; percentiles interpolated between order statistics; \
          95% CI of the mean: mean -/+ t(0.975, n-1) sd / sqrt(n), Student's t with n-1 degrees of freedom)\n";
    s
}

/// Mean custody per nation, regional center and the coalition over the runs: a bar for the mean
/// of the runs' mean custody, a whisker for its 5th-95th percentiles, a bracket for the 95%
/// confidence interval of the mean; an x axis with ticks and values.
fn custody_svg(e: &Ensemble) -> String {
    use crate::report::{nice_ticks, text, text_width};
    use svg::node::element::{Line, Rectangle};
    let mut rows: Vec<(String, &Stats)> = Vec::new();
    for (k, s) in &e.metrics {
        let name = if let Some(n) = k.strip_prefix("nations.").and_then(|k| k.strip_suffix(".custody.mean")) {
            n.to_string()
        } else if let Some(n) = k
            .strip_prefix("regional_centers.")
            .and_then(|k| k.strip_suffix(".custody.mean"))
        {
            format!("{n} (center)")
        } else {
            continue;
        };
        rows.push((name, s));
    }
    if let Some(s) = e.metrics.get("coalition.custody.mean") {
        rows.push(("COALITION".to_string(), s));
    }
    let label_w = rows.iter().map(|r| text_width(&r.0, 12)).fold(40.0, f64::max);
    let (left, right, top, row_h, bottom) = (label_w + 24.0, 70.0, 72.0, 26.0, 64.0);
    let w = (left + 640.0 + right).max(760.0);
    let ph = row_h * rows.len().max(1) as f64;
    let h = top + ph + bottom;
    let hi = rows
        .iter()
        .map(|r| r.1.p95.max(r.1.ci95_high.unwrap_or(0.0)))
        .fold(0.0f64, f64::max);
    let ticks = nice_ticks(hi.max(1.0));
    let max = *ticks.last().expect("ticks");
    let x = |v: f64| left + (w - left - right) * v / max;
    let mut doc = svg::Document::new()
        .set("viewBox", (0, 0, w, h))
        .set("width", w)
        .set("height", h)
        .add(Rectangle::new().set("width", w).set("height", h).set("fill", "white"))
        .add(text(
            w / 2.0,
            24.0,
            15,
            "middle",
            &format!("Objects in custody: {} over {} runs", e.batch.scenario, e.runs.len()),
        ))
        .add(text(
            w / 2.0,
            44.0,
            11,
            "middle",
            "bar: mean over the runs of each run's mean custody; thin line: 5th-95th percentile of the runs; \
             black bracket: 95% CI of the mean (Student t)",
        ));
    let plot = (left, w - right, top, top + ph);
    doc = x_axis(
        doc,
        plot,
        &ticks,
        "objects in custody (mean over the run, samples after tick 0)",
    );
    for (i, (name, s)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let yc = y + row_h / 2.0;
        doc = doc
            .add(text(left - 8.0, yc + 4.0, 12, "end", name))
            .add(
                Rectangle::new()
                    .set("x", left)
                    .set("y", yc - 7.0)
                    .set("width", (x(s.mean) - left).max(0.0))
                    .set("height", 14)
                    .set("fill", if name == "COALITION" { "#555" } else { "#1f77b4" })
                    .set("fill-opacity", 0.75),
            )
            .add(
                Line::new()
                    .set("x1", x(s.p5))
                    .set("x2", x(s.p95))
                    .set("y1", yc)
                    .set("y2", yc)
                    .set("stroke", "#000")
                    .set("stroke-width", 1),
            );
        // The interval, unless it is a point (every run gave the same value).
        if let (Some(lo), Some(hi)) = (s.ci95_low, s.ci95_high)
            && hi > lo
        {
            for (xv, dx) in [(lo, 3.0), (hi, -3.0)] {
                let d = format!("M {} {} h {dx} v 14 h {}", x(xv) + dx, yc - 7.0, -dx);
                doc = doc.add(
                    svg::node::element::Path::new()
                        .set("d", d)
                        .set("fill", "none")
                        .set("stroke", "#000")
                        .set("stroke-width", 1.5),
                );
            }
        }
        doc = doc.add(text(
            x(s.p95.max(s.mean).max(s.ci95_high.unwrap_or(0.0))) + 6.0,
            yc + 4.0,
            11,
            "start",
            &format!("{:.1}", s.mean),
        ));
    }
    doc.to_string()
}

/// A value axis along the bottom of `plot` (x0, x1, y0, y1), from 0 to the last of `ticks`: grid
/// lines, tick marks, values, the axis lines and a title.
fn x_axis(mut doc: svg::Document, plot: (f64, f64, f64, f64), ticks: &[f64], title: &str) -> svg::Document {
    use crate::report::text;
    use svg::node::element::Line;
    let (left, x1, top, axis_y) = plot;
    let max = *ticks.last().expect("ticks");
    let x = |v: f64| left + (x1 - left) * v / max;
    let line = |xa: f64, xb: f64, ya: f64, yb: f64, colour: &str| {
        Line::new()
            .set("x1", xa)
            .set("x2", xb)
            .set("y1", ya)
            .set("y2", yb)
            .set("stroke", colour)
    };
    for &v in ticks {
        doc = doc
            .add(line(x(v), x(v), top - 4.0, axis_y, "#e4e4e4"))
            .add(line(x(v), x(v), axis_y, axis_y + 5.0, "#000"))
            .add(text(x(v), axis_y + 18.0, 11, "middle", &format_tick(v)));
    }
    doc.add(line(left, x1, axis_y, axis_y, "#000"))
        .add(line(left, left, top - 4.0, axis_y, "#000"))
        .add(text((left + x1) / 2.0, axis_y + 40.0, 12, "middle", title))
}

/// A tick value without needless decimals.
fn format_tick(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn student_t_quantiles_match_printed_tables() {
        // t(0.975, df) from the NIST/SEMATECH e-Handbook table 1.3.6.7.2 (3 decimals).
        for (df, t) in [
            (1, 12.706),
            (2, 4.303),
            (3, 3.182),
            (4, 2.776),
            (9, 2.262),
            (30, 2.042),
            (100, 1.984),
        ] {
            assert!((t975(df) - t).abs() < 6e-4, "df {df}: {} vs {t}", t975(df));
        }
    }

    #[test]
    fn statistics_of_four_values() {
        let s = stats(vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!((s.n, s.mean, s.min, s.max, s.p50), (4, 2.5, 1.0, 4.0, 2.5));
        // sd = sqrt(5/3); half width = 3.182446 * 1.290994 / 2 = 2.054.
        assert_eq!((s.sd, s.ci95_low, s.ci95_high), (1.291, Some(0.446), Some(4.554)));
        assert_eq!((s.p5, s.p95), (1.15, 3.85));
        let one = stats(vec![7.0]);
        assert_eq!((one.n, one.sd, one.ci95_low, one.ci95_high), (1, 0.0, None, None));
    }
}
