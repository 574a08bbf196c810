//! Reading what the exports need from a run's event log, streamed line by line (logs reach
//! gigabytes): detections grouped into passes, and tracks.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use crate::chain::MAX_LINE_BYTES;
use crate::loader::{hex, open_regular};
use sentinel_engine::event::{Event, EventKind, Geometry, LogLine, SensorType, parse_line};

/// One detection, as the full log records it.
#[derive(Debug, Clone)]
pub struct Detection {
    /// Tick.
    pub tick: u64,
    /// Sensor id.
    pub sensor: String,
    /// Sensor's nation.
    pub nation: String,
    /// Catalog number.
    pub object: u32,
    /// Its type.
    pub sensor_type: SensorType,
    /// Measured geometry (what a TDM carries).
    pub measured: Geometry,
}

/// One track (a sensor's detections of an object in a pass, as reported).
#[derive(Debug, Clone)]
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
    pub entry: Option<u32>,
}

/// The true object of a detection or track: present in the full log, which the exports read.
fn true_object(object: Option<u32>) -> anyhow::Result<u32> {
    object.context("the line names no object (a nation's view): exports read the run's full log")
}

impl Track {
    /// The track of a `track` event.
    fn of(e: &Event) -> anyhow::Result<Option<Track>> {
        let Event::Track {
            sensor,
            nation,
            object,
            first_tick,
            last_tick,
            detections,
            entry,
            ..
        } = e
        else {
            return Ok(None);
        };
        Ok(Some(Track {
            sensor: sensor.to_string(),
            nation: nation.to_string(),
            object: true_object(*object)?,
            first_tick: *first_tick,
            last_tick: *last_tick,
            detections: *detections,
            entry: *entry,
        }))
    }
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
    /// Its sensor's type.
    pub sensor_type: SensorType,
    /// Detections in tick order.
    pub detections: Vec<Detection>,
}

/// Every line of the log whose kind is one of `kinds`, read as a typed [`LogLine`]. The log is
/// checked against its run's manifest while it is streamed (size first, then the SHA-256 and line
/// count at the end): a modified, truncated or emptied log is an error naming the file and what
/// differs, so nothing is made from it. A line cut mid-way is an error at `file:line`.
pub(super) fn scan(
    path: &Path,
    kinds: &[EventKind],
    mut f: impl FnMut(LogLine) -> anyhow::Result<()>,
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
    let needles: Vec<String> = kinds.iter().map(|k| format!("\"kind\":\"{}\"", k.as_str())).collect();
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
        if needles
            .iter()
            .any(|needle| head.windows(needle.len()).any(|w| w == needle.as_bytes()))
        {
            let read = std::str::from_utf8(&line[..line.len() - 1])
                .map_err(anyhow::Error::from)
                .and_then(|text| Ok(parse_line(text)?));
            let at = || format!("{}:{n}: unexpected event line", path.display());
            let l = read.with_context(at)?;
            if kinds.contains(&l.event.kind()) {
                f(l).with_context(at)?;
            }
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
        let m = crate::manifest::read(dir)?;
        m.log_path(dir)?;
        let name = path.strip_prefix(dir).unwrap_or(path).to_string_lossy().into_owned();
        let entry = m
            .log_entry(&name)
            .with_context(|| format!("{}/manifest.json does not list {name}", dir.display()))?;
        Ok(Expected {
            bytes: entry.bytes,
            lines: entry.lines,
            sha256: entry.sha256.clone(),
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
    scan(
        log,
        &[EventKind::Detection, EventKind::AccessEnd, EventKind::Track],
        |l| {
            match &l.event {
                Event::Track { .. } => {
                    if let Some(t) = Track::of(&l.event)?.filter(|t| nation.is_some_and(|n| n == t.nation)) {
                        tracks
                            .entry((t.sensor, t.object))
                            .or_default()
                            .push((t.first_tick, t.last_tick, t.entry));
                    }
                }
                Event::Detection {
                    sensor,
                    nation: by,
                    object,
                    sensor_type,
                    measured,
                    ..
                } => {
                    if nation.is_some_and(|n| n != &**by) {
                        return Ok(());
                    }
                    let d = Detection {
                        tick: l.tick,
                        sensor: sensor.to_string(),
                        nation: by.to_string(),
                        object: true_object(*object)?,
                        sensor_type: *sensor_type,
                        measured: *measured,
                    };
                    open.entry((d.sensor.clone(), d.object))
                        .or_insert_with(|| Pass {
                            sensor: d.sensor.clone(),
                            nation: d.nation.clone(),
                            object: Some(d.object),
                            sensor_type: d.sensor_type,
                            detections: Vec::new(),
                        })
                        .detections
                        .push(d);
                }
                Event::AccessEnd { sensor, object, .. } => {
                    if let Some(p) = open.remove(&(sensor.to_string(), *object)) {
                        done.push(p);
                    }
                }
                _ => {}
            }
            Ok(())
        },
    )?;
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

/// Tracks and changed objects of the run (see [`TruthInputs`]).
pub fn truth_inputs(log: &Path, nation: Option<&str>) -> anyhow::Result<TruthInputs> {
    let mut out = TruthInputs::default();
    scan(
        log,
        &[EventKind::Track, EventKind::Inject, EventKind::ObjectLost],
        |l| {
            match &l.event {
                Event::Track { .. } => {
                    out.tracks
                        .extend(Track::of(&l.event)?.filter(|t| nation.is_none_or(|n| n == t.nation)));
                }
                Event::Inject(e) => out.changed.extend(e.objects.iter().copied()),
                Event::ObjectLost { object, .. } => {
                    out.changed.insert(*object);
                }
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Catalog numbers of every object detected in the run.
pub fn detected_objects(log: &Path) -> anyhow::Result<BTreeSet<u32>> {
    let mut out = BTreeSet::new();
    scan(log, &[EventKind::Detection], |l| {
        if let Event::Detection { object, .. } = l.event {
            out.insert(true_object(object)?);
        }
        Ok(())
    })?;
    Ok(out)
}
