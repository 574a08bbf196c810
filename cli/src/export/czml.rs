//! CZML for CesiumJS: a `document` packet with the run's clock; one packet per nation (`nation/ID`,
//! no graphics, its colour in `properties`); sensors (`sensor/ID`) at their sites with their field of
//! regard as a partial ellipsoid (range, minimum elevation and azimuth sector, in the site's
//! east-north-up frame); satellites (`sat/CATNR`) with truth positions sampled in the Earth-fixed frame
//! (re-simulated, see [`crate::truth`]) and Lagrange interpolation; and detections as time-tagged
//! lines from sensor to satellite (`det/N`, one per reported track, shown from its first to its last
//! detection). Every entity has `properties.kind` and `properties.nation`, and is coloured by nation.

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

/// Writes the CZML document of a run.
pub fn write(dir: &Path, opts: &CzmlOptions, out: &mut dyn Write) -> anyhow::Result<CzmlStats> {
    if opts.step_s == 0 {
        bail!("the sample spacing must be at least 1 s");
    }
    let mut resim = Resim::open(dir, opts.scenario.as_deref(), opts.threads)?;
    resim.progress = opts.progress.clone();
    let view = opts.view.as_deref();
    check_nation(&resim.scenario, view)?;
    let log_path = dir.join("events.jsonl");
    let log::TruthInputs { tracks, changed } = log::truth_inputs(&log_path, view)?;
    let objects = choose_objects(&tracks, opts.objects.clone(), opts.max_objects);
    let scenario = resim.scenario.clone();
    let clock = scenario.clock.clone();
    let iso = |t: u64| clock.iso(Tick(t));
    let secs = |t: u64| clock.seconds_since_epoch(Tick(t));
    let mut nations: Vec<&sentinel_engine::scenario::NationSpec> = scenario.nations.iter().collect();
    nations.sort_by(|a, b| a.id.cmp(&b.id));
    let colour: BTreeMap<&str, [u8; 3]> = nations
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), PALETTE[i % PALETTE.len()]))
        .collect();
    let colour_of = |n: &str| colour.get(n).copied().unwrap_or(UNOWNED);
    let span = format!("{}/{}", iso(0), clock.iso(Tick(clock.ticks)));

    let mut packets = vec![json!({
        "id": "document",
        "name": format!("{} (seed {})", scenario.name, resim.seed),
        "version": "1.0",
        "clock": {
            "interval": span,
            "currentTime": iso(0),
            "multiplier": 60,
            "range": "LOOP_STOP",
            "step": "SYSTEM_CLOCK_MULTIPLIER",
        },
    })];
    for n in &nations {
        if view.is_some_and(|v| v != n.id) {
            continue;
        }
        let c = colour_of(&n.id);
        packets.push(json!({
            "id": format!("nation/{}", n.id),
            "name": n.name,
            "properties": {
                "kind": "nation",
                "nation": n.id,
                "colour": format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]),
            },
        }));
    }

    let mut stats = CzmlStats::default();
    let mut sensors: Vec<&sentinel_engine::scenario::SensorSpec> = scenario
        .sensors
        .iter()
        .filter(|s| view.is_none_or(|v| v == s.nation))
        .collect();
    sensors.sort_by(|a, b| a.id.cmp(&b.id));
    for s in &sensors {
        let c = colour_of(&s.nation);
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
        packets.push(json!({
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
        }));
        stats.sensors += 1;
    }

    let step_ticks = opts.step_s.div_ceil(u64::from(clock.tick_s)).max(1);
    let segs = sample(&mut resim, &objects, step_ticks, &changed)?;
    for (&o, list) in &segs {
        let samples: Vec<&(u64, sentinel_engine::StateVector)> = list.iter().flatten().collect();
        let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
            continue;
        };
        let info = resim.sim().object_info(o);
        let owner = info.as_ref().and_then(|i| i.owner.as_deref().map(str::to_string));
        let c = owner.as_deref().map_or(UNOWNED, colour_of);
        let mut cartesian = Vec::with_capacity(samples.len() * 4);
        for (t, s) in &samples {
            cartesian.push(json!(secs(*t)));
            for k in 0..3 {
                cartesian.push(json!((s.ecef_km[k] * 1000.0 * 1000.0).round() / 1000.0));
            }
        }
        let name = info.as_ref().map_or_else(|| o.to_string(), |i| i.name.clone());
        packets.push(json!({
            "id": format!("sat/{o}"),
            "name": format!("{o} {name}"),
            "availability": format!("{}/{}", iso(first.0), clock.iso(Tick(last.0 + 1))),
            "position": {
                "epoch": iso(0),
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
                "segments": list.len(),
            },
        }));
        stats.satellites += 1;
    }

    let shown: std::collections::BTreeSet<u32> = segs.iter().filter(|(_, l)| !l.is_empty()).map(|(&o, _)| o).collect();
    let shown_sensors: std::collections::BTreeSet<&str> = sensors.iter().map(|s| s.id.as_str()).collect();
    let mut lines: Vec<&log::Track> = tracks
        .iter()
        .filter(|t| shown.contains(&t.object) && shown_sensors.contains(t.sensor.as_str()))
        .collect();
    lines.sort_by(|a, b| (a.first_tick, &a.sensor, a.object).cmp(&(b.first_tick, &b.sensor, b.object)));
    for (n, t) in lines.iter().enumerate() {
        let c = colour_of(&t.nation);
        packets.push(json!({
            "id": format!("det/{n}"),
            "name": format!("{} detects {}", t.sensor, t.object),
            "availability": format!("{}/{}", iso(t.first_tick), clock.iso(Tick(t.last_tick + 1))),
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
        }));
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
