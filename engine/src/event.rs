//! Events: the log evaluators trust. Within a tick, events are ordered by kind (the order of
//! [`EventKind`]), then sensor id, then object catalog number. See docs/events.md for every field.

use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;

/// Event kinds, in their order within a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Propagation of an object failed; it leaves the simulation.
    ObjectLost,
    /// An object entered a sensor's field of regard (all constraints met).
    AccessStart,
    /// A sensor observed an object and detected it.
    Detection,
    /// An object in view was not detected (probability), or a whole pass went unobserved (capacity).
    Missed,
    /// An object left a sensor's field of regard.
    AccessEnd,
}

impl EventKind {
    /// All kinds in order.
    pub const ALL: [EventKind; 5] = [
        EventKind::ObjectLost,
        EventKind::AccessStart,
        EventKind::Detection,
        EventKind::Missed,
        EventKind::AccessEnd,
    ];

    /// The `kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ObjectLost => "object_lost",
            EventKind::AccessStart => "access_start",
            EventKind::Detection => "detection",
            EventKind::Missed => "missed",
            EventKind::AccessEnd => "access_end",
        }
    }
}

/// Topocentric geometry (true or measured). Range is absent for angles-only (optical) measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Geometry {
    /// Slant range, km.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_km: Option<f64>,
    /// Azimuth from north, clockwise, degrees [0, 360).
    pub az_deg: f64,
    /// Elevation, degrees.
    pub el_deg: f64,
}

/// Why an object in view was not detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissReason {
    /// The sensor looked and the stochastic detection draw failed.
    Probability,
    /// The sensor never looked during the whole pass: other objects took its capacity.
    Capacity,
}

/// An event body (the `kind` tag and its fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// See [`EventKind::ObjectLost`].
    ObjectLost {
        /// Catalog number.
        object: u32,
        /// Why (SGP4 error, rejected elements).
        reason: String,
        /// Time since the element-set epoch at which it failed, minutes.
        minutes_since_epoch: f64,
    },
    /// See [`EventKind::AccessStart`].
    AccessStart {
        /// Sensor id.
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Catalog number.
        object: u32,
        /// True geometry at this tick.
        geometry: Geometry,
    },
    /// See [`EventKind::Detection`].
    Detection {
        /// Sensor id.
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Catalog number.
        object: u32,
        /// `radar` or `optical`.
        sensor_type: &'static str,
        /// True geometry.
        #[serde(rename = "true")]
        truth: Geometry,
        /// Measured geometry (true plus noise; no range for optical).
        measured: Geometry,
        /// Detection probability used for the draw.
        pd: f64,
        /// Radar single-look SNR, dB.
        #[serde(skip_serializing_if = "Option::is_none")]
        snr_db: Option<f64>,
        /// Optical apparent visual magnitude.
        #[serde(skip_serializing_if = "Option::is_none")]
        magnitude: Option<f64>,
    },
    /// See [`EventKind::Missed`].
    Missed {
        /// Sensor id.
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Catalog number.
        object: u32,
        /// Why.
        reason: MissReason,
        /// Detection probability of the failed attempt (`probability` only).
        #[serde(skip_serializing_if = "Option::is_none")]
        pd: Option<f64>,
        /// Ticks the object was in view during the unobserved pass (`capacity` only).
        #[serde(skip_serializing_if = "Option::is_none")]
        ticks_in_view: Option<u64>,
    },
    /// See [`EventKind::AccessEnd`].
    AccessEnd {
        /// Sensor id.
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Catalog number.
        object: u32,
        /// First tick in view.
        first_tick: u64,
        /// Last tick in view.
        last_tick: u64,
        /// Highest elevation during the pass, degrees.
        max_el_deg: f64,
        /// Observation attempts during the pass.
        attempts: u32,
        /// Detections during the pass.
        detections: u32,
        /// True when the run ended with the object still in view (this event is then at the last tick).
        run_ended: bool,
    },
}

impl Event {
    /// The kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::ObjectLost { .. } => EventKind::ObjectLost,
            Event::AccessStart { .. } => EventKind::AccessStart,
            Event::Detection { .. } => EventKind::Detection,
            Event::Missed { .. } => EventKind::Missed,
            Event::AccessEnd { .. } => EventKind::AccessEnd,
        }
    }

    /// Catalog number of the object.
    pub fn object(&self) -> u32 {
        match self {
            Event::ObjectLost { object, .. }
            | Event::AccessStart { object, .. }
            | Event::Detection { object, .. }
            | Event::Missed { object, .. }
            | Event::AccessEnd { object, .. } => *object,
        }
    }
}

/// An event at a tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Tick index.
    pub tick: u64,
    /// The event.
    pub event: Event,
    /// Rank of the sensor in sensor-id order (0 for events without a sensor); part of the order key.
    pub sensor_rank: u16,
}

impl Record {
    /// The ordering key within a tick, packed: kind, sensor rank (= sensor id order), object.
    pub fn key(&self) -> u64 {
        ((self.event.kind() as u64) << 48) | ((self.sensor_rank as u64) << 32) | self.event.object() as u64
    }
}

/// Rounds to `decimals` places so logs stay readable (values below the model's precision carry no information).
pub fn round(x: f64, decimals: i32) -> f64 {
    let p = 10f64.powi(decimals);
    (x * p).round() / p
}

/// Rounds an azimuth to `decimals` places, keeping it in [0, 360) (359.99999999 rounds to 0, not 360).
pub fn round_az(az_deg: f64, decimals: i32) -> f64 {
    let a = round(az_deg.rem_euclid(360.0), decimals);
    if a >= 360.0 { a - 360.0 } else { a }
}

/// Writes one record as a JSON line: `{"tick":..,"time":"..","kind":..,...}`.
pub fn write_json_line<W: Write>(w: &mut W, rec: &Record, time_iso: &str, scratch: &mut Vec<u8>) -> io::Result<()> {
    let mut lines = JsonLines {
        scratch: std::mem::take(scratch),
        ..JsonLines::default()
    };
    let r = lines.write(w, rec, time_iso);
    *scratch = lines.scratch;
    r
}

/// Writes records as JSON lines, formatting the `{"tick":..,"time":"..",` prefix once per tick.
#[derive(Default)]
pub struct JsonLines {
    prefix_tick: Option<u64>,
    prefix: Vec<u8>,
    scratch: Vec<u8>,
}

impl JsonLines {
    /// Writes one record; `time_iso` is the UTC text of its tick.
    pub fn write<W: Write>(&mut self, w: &mut W, rec: &Record, time_iso: &str) -> io::Result<()> {
        if self.prefix_tick != Some(rec.tick) {
            self.prefix.clear();
            write!(self.prefix, "{{\"tick\":{},\"time\":\"{}\",", rec.tick, time_iso)?;
            self.prefix_tick = Some(rec.tick);
        }
        self.scratch.clear();
        serde_json::to_writer(&mut self.scratch, &rec.event).map_err(io::Error::other)?;
        w.write_all(&self.prefix)?;
        w.write_all(&self.scratch[1..])?;
        w.write_all(b"\n")
    }
}
