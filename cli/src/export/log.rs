//! Reading what the exports need from a run's event log, streamed line by line (logs reach
//! gigabytes): detections grouped into passes, and tracks.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::Context;
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
    /// Catalog number.
    pub object: u32,
    /// `radar` or `optical`.
    pub sensor_type: String,
    /// Detections in tick order.
    pub detections: Vec<Detection>,
}

/// Every line of the log whose `kind` is one of `kinds`, as (line number, bytes).
fn scan(
    path: &Path,
    kinds: &[&str],
    mut f: impl FnMut(&str, usize, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let needles: Vec<(String, &str)> = kinds.iter().map(|k| (format!("\"kind\":\"{k}\""), *k)).collect();
    let mut line = Vec::new();
    let mut n = 0usize;
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        n += 1;
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
}

/// Detections of the run (of `nation`'s sensors only, when given), grouped into passes, ordered by
/// first detection tick, sensor and object.
pub fn passes(log: &Path, nation: Option<&str>) -> anyhow::Result<Vec<Pass>> {
    let mut open: BTreeMap<(String, u32), Pass> = BTreeMap::new();
    let mut done = Vec::new();
    scan(log, &["detection", "access_end"], |kind, _, line| {
        if kind == "detection" {
            let d: Detection = serde_json::from_slice(line)?;
            if nation.is_some_and(|n| n != d.nation) {
                return Ok(());
            }
            open.entry((d.sensor.clone(), d.object))
                .or_insert_with(|| Pass {
                    sensor: d.sensor.clone(),
                    nation: d.nation.clone(),
                    object: d.object,
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
    done.sort_by(|a, b| (a.detections[0].tick, &a.sensor, a.object).cmp(&(b.detections[0].tick, &b.sensor, b.object)));
    Ok(done)
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
