//! CZML for CesiumJS: a `document` packet with the run's clock; one packet per nation (`nation/ID`,
//! no graphics, its colour in `properties`); sensors (`sensor/ID`) at their sites with their field of
//! regard as a partial ellipsoid (range, minimum elevation and azimuth sector, in the site's
//! east-north-up frame); satellites (`sat/CATNR`) with truth positions sampled in the Earth-fixed frame
//! (re-simulated, see [`crate::truth`]) and Lagrange interpolation; and detections as time-tagged
//! lines from sensor to satellite (`det/N`, one per reported track, shown from its first to its last
//! detection). Every entity has `properties.kind` and `properties.nation`, and is coloured by nation.
//!
//! A nation's view (`--view`) holds no truth: its satellites are its own catalog's predictions
//! (re-simulated, [`sentinel_engine::Sim::believed_states`]), named by the numbers it knows them by
//! (published numbers, or its analyst numbers for objects it catalogued itself) with the public
//! catalog's name and owner where it has them, and its detection lines join each sensor to the
//! entry its track associated with (uncorrelated tracks have no entry and draw no line).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::bail;
use sentinel_engine::Tick;
use sentinel_engine::scenario::SensorKind;
use serde_json::{Value, json};

use super::{check_nation, choose_objects, log, sample};
use crate::truth::Resim;

/// What goes into a CZML document.
#[derive(Debug, Clone)]
pub struct CzmlOptions {
    /// Only this nation's view: its sensors, its detections, and the objects it detected.
    pub view: Option<String>,
    /// Only these objects' trajectories (default: the most detected, up to `max_objects`).
    pub objects: Option<Vec<u32>>,
    /// Most objects taken when `objects` is not given.
    pub max_objects: usize,
    /// Trajectory sample spacing, seconds (rounded up to whole ticks).
    pub step_s: u64,
    /// The scenario, when it moved from the path recorded in the manifest.
    pub scenario: Option<std::path::PathBuf>,
    /// Worker threads for the re-simulation.
    pub threads: usize,
    /// When set, the ticks re-simulated so far are stored here (a progress display reads it).
    pub progress: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
}

/// Counts of what a document holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CzmlStats {
    /// Satellite entities.
    pub satellites: usize,
    /// Sensor entities.
    pub sensors: usize,
    /// Detection entities.
    pub detections: usize,
}

/// Nation colours (RGB), assigned in nation-id order; unowned objects are grey.
const PALETTE: [[u8; 3]; 12] = [
    [66, 135, 245],
    [235, 64, 52],
    [52, 199, 89],
    [255, 179, 0],
    [175, 82, 222],
    [0, 199, 190],
    [255, 105, 180],
    [160, 120, 60],
    [90, 200, 250],
    [255, 214, 10],
    [142, 142, 255],
    [120, 220, 120],
];
const UNOWNED: [u8; 3] = [200, 200, 200];

fn rgba(c: [u8; 3], a: u8) -> Value {
    json!({ "rgba": [c[0], c[1], c[2], a] })
}

/// What the satellites and detection lines show: the truth, or a nation's belief.
struct Drawn {
    segs: super::Segments,
    /// Tracks drawn, `object` being what the line joins (the true object, or the entry).
    lines: Vec<log::Track>,
    /// Whether `object_info` of a drawn number is the public catalog's (a view) or the truth's.
    believed: bool,
}

/// Writes the CZML document of a run.
pub fn write(dir: &Path, opts: &CzmlOptions, out: &mut dyn Write) -> anyhow::Result<CzmlStats> {
    if opts.step_s == 0 {
        bail!("the sample spacing must be at least 1 s");
    }
    let mut resim = Resim::open(dir, opts.scenario.as_deref(), opts.threads)?;
    resim.progress = opts.progress.clone();
    let view = opts.view.as_deref();
    check_nation(&resim.scenario, view)?;
    let log::TruthInputs { tracks, changed } = log::truth_inputs(&dir.join("events.jsonl"), view)?;
    let scenario = resim.scenario.clone();
    let clock = scenario.clock.clone();
    let mut nations: Vec<&sentinel_engine::scenario::NationSpec> = scenario.nations.iter().collect();
    nations.sort_by(|a, b| a.id.cmp(&b.id));
    let colour: BTreeMap<&str, [u8; 3]> = nations
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), PALETTE[i % PALETTE.len()]))
        .collect();
    let colour_of = |n: &str| colour.get(n).copied().unwrap_or(UNOWNED);
    let mut packets = vec![document_packet(&scenario, resim.seed)];
    for n in nations.iter().filter(|n| view.is_none_or(|v| v == n.id)) {
        packets.push(nation_packet(n, colour_of(&n.id)));
    }
    let mut stats = CzmlStats::default();
    let mut sensors: Vec<&sentinel_engine::scenario::SensorSpec> = scenario
        .sensors
        .iter()
        .filter(|s| view.is_none_or(|v| v == s.nation))
        .collect();
    sensors.sort_by(|a, b| a.id.cmp(&b.id));
    for s in &sensors {
        packets.push(sensor_packet(s, colour_of(&s.nation)));
        stats.sensors += 1;
    }
    let step_ticks = opts.step_s.div_ceil(u64::from(clock.tick_s)).max(1);
    let drawn = match view {
        None => {
            let objects = choose_objects(&tracks, opts.objects.clone(), opts.max_objects);
            Drawn {
                segs: sample(&mut resim, &objects, step_ticks, &changed)?,
                lines: tracks,
                believed: false,
            }
        }
        Some(nation) => {
            let named: Vec<log::Track> = tracks
                .into_iter()
                .filter_map(|t| t.entry.map(|e| log::Track { object: e, ..t }))
                .collect();
            let objects = choose_objects(&named, opts.objects.clone(), opts.max_objects);
            Drawn {
                segs: sample_belief(&mut resim, nation, &objects, step_ticks)?,
                lines: named,
                believed: true,
            }
        }
    };
    for (&o, list) in &drawn.segs {
        let samples: Vec<&(u64, sentinel_engine::StateVector)> = list.iter().flatten().collect();
        if samples.is_empty() {
            continue;
        }
        let info = resim.sim().object_info(o);
        let owner = info.as_ref().and_then(|i| i.owner.as_deref().map(str::to_string));
        let name = match &info {
            Some(i) => i.name.clone(),
            None if drawn.believed => "analyst object".to_string(),
            None => o.to_string(),
        };
        let c = owner.as_deref().map_or(UNOWNED, colour_of);
        packets.push(satellite_packet(&clock, o, &name, owner, &samples, list.len(), c));
        stats.satellites += 1;
    }
    let shown: std::collections::BTreeSet<u32> = drawn
        .segs
        .iter()
        .filter(|(_, l)| !l.is_empty())
        .map(|(&o, _)| o)
        .collect();
    let shown_sensors: std::collections::BTreeSet<&str> = sensors.iter().map(|s| s.id.as_str()).collect();
    let mut lines: Vec<&log::Track> = drawn
        .lines
        .iter()
        .filter(|t| shown.contains(&t.object) && shown_sensors.contains(t.sensor.as_str()))
        .collect();
    lines.sort_by(|a, b| (a.first_tick, &a.sensor, a.object).cmp(&(b.first_tick, &b.sensor, b.object)));
    for (n, t) in lines.iter().enumerate() {
        packets.push(detection_packet(&clock, n, t, colour_of(&t.nation)));
        stats.detections += 1;
    }
    out.write_all(b"[\n")?;
    for (i, p) in packets.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *out, p)?;
    }
    out.write_all(b"\n]\n")?;
    Ok(stats)
}

/// A nation's catalog predictions of `objects` (the numbers it knows them by) every `step_ticks`
/// and at the last tick, re-simulated; a segment ends where the nation does not catalogue the
/// object (before it catalogues a new one).
fn sample_belief(resim: &mut Resim, nation: &str, objects: &[u32], step_ticks: u64) -> anyhow::Result<super::Segments> {
    let last_tick = resim.scenario.clock.ticks.saturating_sub(1);
    let mut segs: super::Segments = objects.iter().map(|&o| (o, vec![Vec::new()])).collect();
    while let Some(tick) = resim.step()? {
        if !(tick.0.is_multiple_of(step_ticks) || tick.0 == last_tick) {
            continue;
        }
        let states = resim.sim().believed_states(nation, objects, tick).unwrap_or_default();
        for ((_, list), state) in segs.iter_mut().zip(states) {
            let cur = list.last_mut().expect("never empty");
            match state {
                Some(s) => cur.push((tick.0, s)),
                None if !cur.is_empty() => list.push(Vec::new()),
                None => {}
            }
        }
    }
    for list in segs.values_mut() {
        list.retain(|l| !l.is_empty());
    }
    Ok(segs)
}

fn document_packet(scenario: &sentinel_engine::Scenario, seed: u64) -> Value {
    let clock = &scenario.clock;
    json!({
        "id": "document",
        "name": format!("{} (seed {})", scenario.name, seed),
        "version": "1.0",
        "clock": {
            "interval": format!("{}/{}", clock.iso(Tick(0)), clock.iso(Tick(clock.ticks))),
            "currentTime": clock.iso(Tick(0)),
            "multiplier": 60,
            "range": "LOOP_STOP",
            "step": "SYSTEM_CLOCK_MULTIPLIER",
        },
    })
}

fn nation_packet(n: &sentinel_engine::scenario::NationSpec, c: [u8; 3]) -> Value {
    json!({
        "id": format!("nation/{}", n.id),
        "name": n.name,
        "properties": {
            "kind": "nation",
            "nation": n.id,
            "colour": format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]),
        },
    })
}

/// A sensor at its site with its field of regard.
fn sensor_packet(s: &sentinel_engine::scenario::SensorSpec, c: [u8; 3]) -> Value {
    let (min_el, range_km, sector) = match &s.kind {
        SensorKind::Radar(r) => (r.min_elevation_deg, r.max_range_km, r.azimuth_sector.as_ref()),
        // Telescopes have no range limit; the drawn dome stops at GEO distance.
        SensorKind::Optical(o) => (
            o.min_elevation_deg,
            o.max_range_km.unwrap_or(42_000.0),
            o.azimuth_sector.as_ref(),
        ),
    };
    // Cesium's partial ellipsoid: cone from the local up axis, clock from east, anticlockwise.
    let (min_clock, max_clock) = match sector {
        Some(a) => {
            let to = if a.to_deg < a.from_deg {
                a.to_deg + 360.0
            } else {
                a.to_deg
            };
            ((90.0 - to).to_radians(), (90.0 - a.from_deg).to_radians())
        }
        None => (0.0, std::f64::consts::TAU),
    };
    let r_m = range_km * 1000.0;
    json!({
        "id": format!("sensor/{}", s.id),
        "name": s.name,
        "description": format!(
            "{} sensor of {}: minimum elevation {}°, range {} km{}",
            s.kind_name(), s.nation, min_el, range_km,
            sector.map(|a| format!(", azimuth {}°–{}°", a.from_deg, a.to_deg)).unwrap_or_default()
        ),
        "position": { "cartographicDegrees": [s.lon_deg, s.lat_deg, s.alt_m] },
        "point": { "pixelSize": 9, "color": rgba(c, 255), "outlineColor": rgba([0, 0, 0], 255), "outlineWidth": 1 },
        "label": {
            "text": s.id,
            "font": "11px sans-serif",
            "fillColor": rgba(c, 255),
            "pixelOffset": { "cartesian2": [0, -16] },
            "scale": 1.0,
        },
        "ellipsoid": {
            "radii": { "cartesian": [r_m, r_m, r_m] },
            "minimumCone": 0.0,
            "maximumCone": (90.0 - min_el).to_radians(),
            "minimumClock": min_clock,
            "maximumClock": max_clock,
            "fill": true,
            "material": { "solidColor": { "color": rgba(c, 28) } },
            "outline": true,
            "outlineColor": rgba(c, 90),
            "slicePartitions": 24,
            "stackPartitions": 12,
        },
        "properties": { "kind": "sensor", "nation": s.nation, "sensor_type": s.kind_name() },
    })
}

/// A satellite's sampled Earth-fixed track (`segments`: how many continuous pieces it has).
fn satellite_packet(
    clock: &sentinel_engine::Clock,
    o: u32,
    name: &str,
    owner: Option<String>,
    samples: &[&(u64, sentinel_engine::StateVector)],
    segments: usize,
    c: [u8; 3],
) -> Value {
    let (first, last) = (samples[0].0, samples[samples.len() - 1].0);
    let mut cartesian = Vec::with_capacity(samples.len() * 4);
    for (t, s) in samples {
        cartesian.push(json!(clock.seconds_since_epoch(Tick(*t))));
        for k in 0..3 {
            cartesian.push(json!((s.ecef_km[k] * 1000.0 * 1000.0).round() / 1000.0));
        }
    }
    json!({
        "id": format!("sat/{o}"),
        "name": format!("{o} {name}"),
        "availability": format!("{}/{}", clock.iso(Tick(first)), clock.iso(Tick(last + 1))),
        "position": {
            "epoch": clock.iso(Tick(0)),
            "referenceFrame": "FIXED",
            "interpolationAlgorithm": "LAGRANGE",
            "interpolationDegree": 5,
            "cartesian": cartesian,
        },
        "point": { "pixelSize": 5, "color": rgba(c, 255) },
        "label": {
            "text": o.to_string(),
            "font": "10px sans-serif",
            "fillColor": rgba(c, 220),
            "pixelOffset": { "cartesian2": [0, -10] },
            "scale": 1.0,
        },
        "path": {
            "leadTime": 0,
            "trailTime": 1800,
            "width": 1,
            "resolution": 60,
            "material": { "solidColor": { "color": rgba(c, 140) } },
        },
        "properties": {
            "kind": "satellite",
            "nation": owner.unwrap_or_default(),
            "catalog_number": o,
            "segments": segments,
        },
    })
}

/// A track as a line from its sensor to the satellite, shown from its first to its last detection.
fn detection_packet(clock: &sentinel_engine::Clock, n: usize, t: &log::Track, c: [u8; 3]) -> Value {
    json!({
        "id": format!("det/{n}"),
        "name": format!("{} detects {}", t.sensor, t.object),
        "availability": format!("{}/{}", clock.iso(Tick(t.first_tick)), clock.iso(Tick(t.last_tick + 1))),
        "polyline": {
            "positions": { "references": [format!("sensor/{}#position", t.sensor), format!("sat/{}#position", t.object)] },
            "width": 2,
            "arcType": "NONE",
            "material": { "solidColor": { "color": rgba(c, 230) } },
        },
        "properties": {
            "kind": "detection",
            "nation": t.nation,
            "sensor": t.sensor,
            "object": t.object,
            "detections": t.detections,
            "first_tick": t.first_tick,
            "last_tick": t.last_tick,
        },
    })
}
