//! `sentinel screen CATALOG`: every close approach among a catalog's objects (or between chosen
//! primaries and the rest) within a span, below a miss-distance threshold, on SGP4
//! (`sentinel_engine::conjunction::screen`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use sentinel_engine::catalog::{self, CatalogFormat};
use sentinel_engine::conjunction::{Orbiter, screen};
use sentinel_engine::time::{format_iso, parse_utc};
use sentinel_engine::{Diagnostics, SourceFile};
use serde::Serialize;

use crate::loader::read_input;
use crate::{Reported, render};

/// Longest span screened, hours.
const MAX_HOURS: f64 = 31.0 * 24.0;

/// Arguments of `sentinel screen`.
#[derive(Args, Debug)]
pub struct ScreenArgs {
    /// A catalog file: TLE/3LE, or CCSDS OMM as JSON, CSV, KVN or XML.
    pub catalog: PathBuf,
    /// The file's format, when its extension does not say (.tle/.txt/.3le, .json, .csv, .kvn/.omm, .xml).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<CatalogFormat>,
    /// Start of the span (UTC, e.g. 2026-07-10T00:00:00Z); default: the latest element epoch.
    #[arg(long)]
    pub start: Option<String>,
    /// Length of the span, hours.
    #[arg(long, default_value_t = 24.0)]
    pub hours: f64,
    /// Miss-distance threshold, km.
    #[arg(long, default_value_t = 5.0)]
    pub threshold_km: f64,
    /// Screen only pairs with one of these catalog numbers (comma-separated); default all pairs.
    #[arg(long, value_delimiter = ',')]
    pub primaries: Vec<u32>,
    /// Print one JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

fn parse_format(s: &str) -> Result<CatalogFormat, String> {
    Ok(match s {
        "tle" => CatalogFormat::Tle,
        "omm-json" => CatalogFormat::OmmJson,
        "omm-csv" => CatalogFormat::OmmCsv,
        "omm-kvn" => CatalogFormat::OmmKvn,
        "omm-xml" => CatalogFormat::OmmXml,
        _ => return Err("one of tle, omm-json, omm-csv, omm-kvn, omm-xml".into()),
    })
}

/// One close approach as `--json` prints it.
#[derive(Serialize)]
struct Row {
    tca: String,
    objects: [u32; 2],
    miss_km: f64,
    rel_speed_km_s: f64,
}

/// Runs the command.
pub fn screen_cmd(args: ScreenArgs) -> anyhow::Result<ExitCode> {
    if !(args.hours > 0.0 && args.hours <= MAX_HOURS) {
        bail!("--hours {} is outside (0, {MAX_HOURS}]", args.hours);
    }
    if !(args.threshold_km > 0.0 && args.threshold_km <= 1000.0) {
        bail!("--threshold-km {} is outside (0, 1000]", args.threshold_km);
    }
    let name = args.catalog.display().to_string();
    let format = match args.format.or_else(|| CatalogFormat::from_path(&name)) {
        Some(f) => f,
        None => bail!("cannot tell the format of {name} from its extension: give --format"),
    };
    let text = String::from_utf8(read_input(&args.catalog, "catalog")?)
        .with_context(|| format!("catalog {name} is not UTF-8 text"))?;
    let src = SourceFile::new(name.clone(), text);
    let mut diags = Diagnostics::default();
    let parsed = catalog::parse(&src, format, &mut diags);
    if diags.has_errors() {
        render::diagnostics(&diags);
        return Err(Reported.into());
    }
    let Some(latest) = parsed.iter().map(|p| p.elements.datetime).max() else {
        bail!("{name} holds no element sets");
    };
    let start = match &args.start {
        Some(s) => parse_utc(s).map_err(|e| anyhow::anyhow!("--start: {e}"))?,
        None => latest,
    };
    let unknown: Vec<u32> = args
        .primaries
        .iter()
        .copied()
        .filter(|p| !parsed.iter().any(|x| x.elements.norad_id == u64::from(*p)))
        .collect();
    if !unknown.is_empty() {
        bail!("--primaries: {unknown:?} not in {name}");
    }
    // One element set per object: the latest (a file may hold several of one object).
    let mut latest_of: std::collections::BTreeMap<u64, &catalog::ParsedElements> = std::collections::BTreeMap::new();
    for p in &parsed {
        let e = latest_of.entry(p.elements.norad_id).or_insert(p);
        if p.elements.datetime > e.elements.datetime {
            *e = p;
        }
    }
    if latest_of.len() < parsed.len() {
        eprintln!(
            "note: {} element sets repeat an object; the latest of each is screened",
            parsed.len() - latest_of.len()
        );
    }
    let mut objects = Vec::new();
    for p in latest_of.values() {
        match Orbiter::new(p.elements.norad_id as u32, &p.elements, start) {
            Ok(o) => objects.push(o),
            Err(e) => eprintln!("warning: object {} left out: {e}", p.elements.norad_id),
        }
    }
    let primaries = (!args.primaries.is_empty()).then_some(args.primaries.as_slice());
    let found = screen(&objects, primaries, args.hours * 3600.0, args.threshold_km);
    let rows: Vec<Row> = found
        .iter()
        .map(|a| Row {
            tca: format_iso(&(start + chrono::Duration::microseconds((a.tca_s * 1e6).round() as i64))),
            objects: [a.objects.0, a.objects.1],
            miss_km: a.miss_km,
            rel_speed_km_s: a.rel_speed_km_s,
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!(
            "{:<27} {:>9} {:>9} {:>10} {:>14}",
            "tca", "object", "object", "miss_km", "rel_speed_km_s"
        );
        for r in &rows {
            println!(
                "{:<27} {:>9} {:>9} {:>10.3} {:>14.3}",
                r.tca, r.objects[0], r.objects[1], r.miss_km, r.rel_speed_km_s
            );
        }
    }
    eprintln!(
        "screened {} objects from {} for {} h: {} close approaches under {} km",
        objects.len(),
        format_iso(&start),
        args.hours,
        rows.len(),
        args.threshold_km
    );
    Ok(ExitCode::SUCCESS)
}
