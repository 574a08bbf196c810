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
    /// Sample standard deviation.
    pub sd: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 95% confidence interval of the mean (normal approximation), low.
    pub ci95_low: f64,
    /// High end.
    pub ci95_high: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n.max(1) as f64;
    let sd = if n > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    // Percentiles by linear interpolation between order statistics.
    let q = |p: f64| -> f64 {
        if n == 0 {
            return f64::NAN;
        }
        let x = p * (n - 1) as f64;
        let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (x - lo as f64)
    };
    let half = 1.96 * sd / (n.max(1) as f64).sqrt();
    let r = |x: f64| (x * 1000.0).round() / 1000.0;
    Stats {
        n,
        mean: r(mean),
        sd: r(sd),
        p5: r(q(0.05)),
        p50: r(q(0.5)),
        p95: r(q(0.95)),
        ci95_low: r(mean - half),
        ci95_high: r(mean + half),
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

/// The metrics of one run's scorecard, by name.
fn metrics(r: &Report) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let groups = r
        .nations
        .iter()
        .chain(r.regional_centers.iter())
        .map(|(k, f)| (k.clone(), f))
        .chain(std::iter::once(("COALITION".to_string(), &r.coalition)));
    for (name, f) in groups {
        m.insert(format!("{name}.detections"), f.detections as f64);
        m.insert(format!("{name}.custody_mean"), f.custody.mean);
        m.insert(format!("{name}.custody_min"), f.custody.min as f64);
        m.insert(format!("{name}.products_received"), f.products_received as f64);
        m.insert(format!("{name}.requests_fulfilled"), f.requests_fulfilled as f64);
    }
    for i in &r.injects {
        if let Some(s) = i.first_detection_s {
            m.insert(format!("inject.{}.first_detection_s", i.inject), s as f64);
        }
        for (n, t) in &i.by_nation {
            if let Some(s) = t.catalogued_s {
                m.insert(format!("inject.{}.{n}.catalogued_s", i.inject), s as f64);
            }
            if let Some(s) = t.told_s {
                m.insert(format!("inject.{}.{n}.told_s", i.inject), s as f64);
            }
        }
    }
    m
}

/// Runs the command.
pub fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    if args.dirs.is_empty() {
        bail!("name at least one batch directory");
    }
    let mut info: Option<BatchInfo> = None;
    for d in &args.dirs {
        let b: BatchInfo = serde_json::from_slice(
            &std::fs::read(d.join("batch.json"))
                .with_context(|| format!("{} is not a batch directory (no batch.json)", d.display()))?,
        )?;
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
        let m = crate::verify::manifest(&dir)?;
        let seed = m["seed"].as_u64().unwrap_or(0);
        if !complete(&dir) || seed != seed_of(info.seed_base, r) {
            bad.push(format!(
                "{} (log does not match its manifest, or seed {seed} is not run {r}'s)",
                dir.display()
            ));
            continue;
        }
        runs.push(RunEntry {
            run: r,
            seed,
            events_sha256: m["events"]["sha256"].as_str().unwrap_or_default().to_string(),
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
    println!(
        "{:<48} {:>4} {:>12} {:>10} {:>12} {:>12} {:>12} {:>25}",
        "metric", "n", "mean", "sd", "p5", "p50", "p95", "95% CI of mean"
    );
    for (k, s) in &ens.metrics {
        println!(
            "{k:<48} {:>4} {:>12.1} {:>10.1} {:>12.1} {:>12.1} {:>12.1} {:>12.1}-{:<12.1}",
            s.n, s.mean, s.sd, s.p5, s.p50, s.p95, s.ci95_low, s.ci95_high
        );
    }
    std::fs::create_dir_all(&args.out)?;
    let mut json = serde_json::to_string_pretty(&ens)?;
    json.push('\n');
    let tmp = args.out.join(format!(".ensemble.json.{}", std::process::id()));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, &out_json)?;
    let svg = args.out.join("ensemble.svg");
    std::fs::write(&svg, custody_svg(&ens))?;
    eprintln!("sentinel: wrote {} and {}", out_json.display(), svg.display());
    Ok(ExitCode::SUCCESS)
}

/// Mean custody per nation and group with its 5-95% range over the runs.
fn custody_svg(e: &Ensemble) -> String {
    use svg::node::element::{Line, Rectangle};
    let rows: Vec<(&str, &Stats)> = e
        .metrics
        .iter()
        .filter_map(|(k, s)| k.strip_suffix(".custody_mean").map(|n| (n, s)))
        .collect();
    let (w, left, top, row_h) = (900.0, 200.0, 50.0, 22.0);
    let h = top + row_h * rows.len().max(1) as f64 + 40.0;
    let max = rows.iter().map(|r| r.1.p95).fold(1.0f64, f64::max);
    let x = |v: f64| left + (w - left - 40.0) * v / max;
    let text = |x: f64, y: f64, anchor: &str, s: String| crate::report::text(x, y, 11, anchor, &s);
    let mut doc = svg::Document::new()
        .set("viewBox", (0, 0, w, h))
        .set("width", w)
        .set("height", h)
        .add(Rectangle::new().set("width", w).set("height", h).set("fill", "white"))
        .add(text(
            w / 2.0,
            24.0,
            "middle",
            format!(
                "Mean objects in custody over {} runs (bar: mean; line: 5-95%)",
                e.runs.len()
            ),
        ));
    for (i, (name, s)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        doc = doc
            .add(text(left - 8.0, y + 14.0, "end", name.to_string()))
            .add(
                Rectangle::new()
                    .set("x", left)
                    .set("y", y + 4.0)
                    .set("width", x(s.mean) - left)
                    .set("height", 12)
                    .set("fill", "#1f77b4"),
            )
            .add(
                Line::new()
                    .set("x1", x(s.p5))
                    .set("x2", x(s.p95))
                    .set("y1", y + 10.0)
                    .set("y2", y + 10.0)
                    .set("stroke", "#000")
                    .set("stroke-width", 2),
            );
    }
    doc.to_string()
}
