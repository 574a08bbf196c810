//! Reading what the exports need from a run's event log, streamed line by line (logs reach
//! gigabytes): detections grouped into passes, and tracks.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use crate::chain::MAX_LINE_BYTES;
use crate::loader::{hex, open_regular};
use serde::Deserialize;

/// Measured geometry as logged.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Measured {
    /// Slant range, km (radars only).
    pub range_km: Option<f64>,
    /// Azimuth, degrees.
    pub az_deg: f64,
    /// Elevation, degrees.
    pub el_deg: f64,
}

/// One detection line.
#[derive(Debug, Clone, Deserialize)]
pub struct Detection {
    /// Tick.
    pub tick: u64,
    /// Sensor id.
    pub sensor: String,
    /// Sensor's nation.
    pub nation: String,
    /// Catalog number.
    pub object: u32,
    /// `radar` or `optical`.
    pub sensor_type: String,
    /// Measured geometry (what a TDM carries).
    pub measured: Measured,
}

/// One track line (a sensor's detections of an object in a pass, as reported).
#[derive(Debug, Clone, Deserialize)]
pub struct Track {
    /// Sensor id.
    pub sensor: String,
    /// Sensor's nation.
    pub nation: String,
    /// Catalog number.
    pub object: u32,
    /// First detection tick.
    pub first_tick: u64,
    /// Last detection tick.
    pub last_tick: u64,
    /// Detections in the track.
    pub detections: u32,
    /// The nation's catalog entry it associated with (absent: uncorrelated).
    #[serde(default)]
    pub entry: Option<u32>,
}

#[derive(Deserialize)]
struct PassEnd {
    sensor: String,
    object: u32,
}

/// One sensor's detections of one object during one pass (access start to access end).
#[derive(Debug, Clone)]
pub struct Pass {
    /// Sensor id.
    pub sensor: String,
    /// Sensor's nation.
    pub nation: String,
    /// Catalog number: of the object itself, or in a nation's view the catalog entry its tracks
    /// associated with (none: uncorrelated, or not reported in a track by the end of the run).
    pub object: Option<u32>,
    /// `radar` or `optical`.
    pub sensor_type: String,
    /// Detections in tick order.
    pub detections: Vec<Detection>,
}

/// Every line of the log whose `kind` is one of `kinds`, as (line number, bytes). The log is
/// checked against its run's manifest while it is streamed (size first, then the SHA-256 and line
/// count at the end): a modified, truncated or emptied log is an error naming the file and what
/// differs, so nothing is made from it. A line cut mid-way is an error at `file:line`.
pub(super) fn scan(
    path: &Path,
    kinds: &[&str],
    mut f: impl FnMut(&str, usize, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let want = Expected::of(path)?;
    let (file, len) = open_regular(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    if len != want.bytes {
        bail!(
            "{} is {len} bytes, its run's manifest says {} (truncated or appended to; `sentinel verify` checks a run)",
            path.display(),
            want.bytes
        );
    }
    let mut r = BufReader::with_capacity(1 << 20, file);
    let needles: Vec<(String, &str)> = kinds.iter().map(|k| (format!("\"kind\":\"{k}\""), *k)).collect();
    let mut line = Vec::new();
    let mut n = 0usize;
    let mut sha = Sha256::new();
    loop {
        line.clear();
        if (&mut r).take(MAX_LINE_BYTES).read_until(b'\n', &mut line)? == 0 {
            break;
        }
        n += 1;
        sha.update(&line);
        if line.last() != Some(&b'\n') {
            bail!(
                "{}:{n}: the line is cut (no newline at its end, or longer than {MAX_LINE_BYTES} bytes)",
                path.display()
            );
        }
        // The kind is the third key of every line, after the tick (at most 20 digits) and the time;
        // look only near the start.
        let head = &line[..line.len().min(128)];
        if let Some((_, kind)) = needles
            .iter()
            .find(|(needle, _)| head.windows(needle.len()).any(|w| w == needle.as_bytes()))
        {
            f(kind, n, &line).with_context(|| format!("{}:{n}: unexpected event line", path.display()))?;
        }
    }
    let got = hex(&sha.finalize());
    if got != want.sha256 || n as u64 != want.lines {
        bail!(
            "{}: SHA-256 {got} ({n} lines) differs from its run's manifest ({}, {} lines): the log was modified; `sentinel verify` checks a run",
            path.display(),
            want.sha256,
            want.lines
        );
    }
    Ok(())
}

/// What a run's manifest records of a log.
struct Expected {
    bytes: u64,
    lines: u64,
    sha256: String,
}

impl Expected {
    /// The manifest entry of `path` (the run's `events.jsonl` or one of its views).
    fn of(path: &Path) -> anyhow::Result<Expected> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let m = crate::verify::manifest(dir)?;
        let name = path.strip_prefix(dir).unwrap_or(path).to_string_lossy().into_owned();
        let entry = std::iter::once(&m["events"])
            .chain(m["views"].as_array().into_iter().flatten())
            .find(|e| e["file"].as_str() == Some(name.as_str()))
            .with_context(|| format!("{}/manifest.json does not list {name}", dir.display()))?;
        let field = |k: &str| {
            entry[k]
                .as_u64()
                .with_context(|| format!("the manifest's entry for {name} has no {k}"))
        };
        Ok(Expected {
            bytes: field("bytes")?,
            lines: field("lines")?,
            sha256: entry["sha256"].as_str().unwrap_or_default().to_string(),
        })
    }
}

/// Detections of the run (of `nation`'s sensors only, when given), grouped into passes, ordered by
/// first detection tick, sensor and object. For a nation (its view), a pass names no true object:
/// each detection is named by the catalog entry the track holding it associated with, and a pass
/// whose tracks were named differently is split where the name changes.
pub fn passes(log: &Path, nation: Option<&str>) -> anyhow::Result<Vec<Pass>> {
    let mut open: BTreeMap<(String, u32), Pass> = BTreeMap::new();
    let mut done = Vec::new();
    let mut tracks = TrackNames::new();
    scan(log, &["detection", "access_end", "track"], |kind, _, line| {
        if kind == "track" {
            let t: Track = serde_json::from_slice(line)?;
            if nation.is_some_and(|n| n == t.nation) {
                tracks
                    .entry((t.sensor, t.object))
                    .or_default()
                    .push((t.first_tick, t.last_tick, t.entry));
            }
        } else if kind == "detection" {
            let d: Detection = serde_json::from_slice(line)?;
            if nation.is_some_and(|n| n != d.nation) {
                return Ok(());
            }
            open.entry((d.sensor.clone(), d.object))
                .or_insert_with(|| Pass {
                    sensor: d.sensor.clone(),
                    nation: d.nation.clone(),
                    object: Some(d.object),
                    sensor_type: d.sensor_type.clone(),
                    detections: Vec::new(),
                })
                .detections
                .push(d);
        } else {
            let e: PassEnd = serde_json::from_slice(line)?;
            if let Some(p) = open.remove(&(e.sensor, e.object)) {
                done.push(p);
            }
        }
        Ok(())
    })?;
    done.extend(open.into_values());
    if nation.is_some() {
        done = done.into_iter().flat_map(|p| named(p, &tracks)).collect();
    }
    done.sort_by(|a, b| (a.detections[0].tick, &a.sensor, a.object).cmp(&(b.detections[0].tick, &b.sensor, b.object)));
    Ok(done)
}

/// A nation's tracks: (sensor, object) -> (first tick, last tick, entry it associated with).
type TrackNames = BTreeMap<(String, u32), Vec<(u64, u64, Option<u32>)>>;

/// A pass as its nation knows it: split into runs of detections whose tracks associated with the
/// same entry, each named by it.
fn named(p: Pass, tracks: &TrackNames) -> Vec<Pass> {
    let truth = p.object.expect("passes are built with their object");
    let list = tracks.get(&(p.sensor.clone(), truth));
    let name_at = |tick: u64| {
        list.and_then(|l| l.iter().find(|(f, t, _)| (*f..=*t).contains(&tick)))
            .and_then(|(_, _, e)| *e)
    };
    let mut meta = p;
    let detections = std::mem::take(&mut meta.detections);
    let mut out: Vec<Pass> = Vec::new();
    for d in detections {
        let name = name_at(d.tick);
        match out.last_mut() {
            Some(last) if last.object == name => last.detections.push(d),
            _ => out.push(Pass {
                object: name,
                detections: vec![d],
                ..meta.clone()
            }),
        }
    }
    out
}

/// What the truth exports read from a log, in one pass.
#[derive(Debug, Default)]
pub struct TruthInputs {
    /// Tracks (of `nation`'s sensors only, when given), in log order.
    pub tracks: Vec<Track>,
    /// Objects whose orbit changes or ends during the run: named by an `inject` (manoeuvre,
    /// launch, breakup, re-entry) or an `object_lost` line.
    pub changed: BTreeSet<u32>,
}

#[derive(Deserialize)]
struct Changed {
    #[serde(default)]
    object: Option<u32>,
    #[serde(default)]
    objects: Vec<u32>,
}

/// Tracks and changed objects of the run (see [`TruthInputs`]).
pub fn truth_inputs(log: &Path, nation: Option<&str>) -> anyhow::Result<TruthInputs> {
    let mut out = TruthInputs::default();
    scan(log, &["track", "inject", "object_lost"], |kind, _, line| {
        if kind == "track" {
            let t: Track = serde_json::from_slice(line)?;
            if nation.is_none_or(|n| n == t.nation) {
                out.tracks.push(t);
            }
        } else {
            let c: Changed = serde_json::from_slice(line)?;
            out.changed.extend(c.object);
            out.changed.extend(c.objects);
        }
        Ok(())
    })?;
    Ok(out)
}

/// Catalog numbers of every object detected in the run.
pub fn detected_objects(log: &Path) -> anyhow::Result<BTreeSet<u32>> {
    #[derive(Deserialize)]
    struct Detected {
        object: u32,
    }
    let mut out = BTreeSet::new();
    scan(log, &["detection"], |_, _, line| {
        out.insert(serde_json::from_slice::<Detected>(line)?.object);
        Ok(())
    })?;
    Ok(out)
}
