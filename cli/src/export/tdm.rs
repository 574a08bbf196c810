//! CCSDS Tracking Data Message (CCSDS 503.0-B-2, TDM version 2.0) of a run's detections, in KVN or
//! XML, from the event log alone: one segment per sensor and object pass, participant 1 the sensor
//! and participant 2 the object, PATH = 2,1 (signal from the object, received at the sensor), radar
//! detections as RANGE (one-way slant range, km) with ANGLE_1/ANGLE_2 (azimuth and elevation,
//! ANGLE_TYPE = AZEL, degrees), optical detections as angles only, epochs in UTC. The values are the
//! measured ones (noise included), printed so that they read back to exactly the logged numbers.
//! With `--view NATION`, participant 2 is the object as the nation knows it: the catalog entry its
//! tracks associated with (a pass is split where that changes), or `UCT` for detections associated
//! with none.

use std::fmt::Write as _;

use super::Names;
use super::log::Pass;

/// TDM text encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Keyword = value notation.
    Kvn,
    /// NDM/XML.
    Xml,
}

/// Header values.
pub struct Header<'a> {
    /// CREATION_DATE: the run's end, so that the same log always exports the same bytes.
    pub creation: &'a str,
    /// Free-text comment lines for the header.
    pub comments: Vec<String>,
}

/// The TDM of `passes`. `epoch_of(tick)` formats a tick as a CCSDS UTC epoch.
pub fn document(
    passes: &[Pass],
    names: &Names,
    header: &Header,
    encoding: Encoding,
    epoch_of: &dyn Fn(u64) -> String,
) -> String {
    let mut s = String::with_capacity(256 + passes.iter().map(|p| 300 + 160 * p.detections.len()).sum::<usize>());
    match encoding {
        Encoding::Kvn => kvn(&mut s, passes, names, header, epoch_of),
        Encoding::Xml => xml(&mut s, passes, names, header, epoch_of),
    }
    s
}

/// Metadata of one segment as (keyword, value) pairs, in the order the standard lists them.
fn metadata(p: &Pass) -> Vec<(&'static str, String)> {
    let mut m = vec![
        ("TIME_SYSTEM", "UTC".to_string()),
        ("PARTICIPANT_1", p.sensor.clone()),
        (
            "PARTICIPANT_2",
            p.object.map_or_else(|| "UCT".to_string(), |o| o.to_string()),
        ),
        ("MODE", "SEQUENTIAL".to_string()),
        ("PATH", "2,1".to_string()),
        ("ANGLE_TYPE", "AZEL".to_string()),
    ];
    if p.sensor_type == sentinel_engine::event::SensorType::Radar {
        m.push(("RANGE_MODE", "CONSTANT".to_string()));
        m.push(("RANGE_MODULUS", "0".to_string()));
        m.push(("RANGE_UNITS", "km".to_string()));
    }
    m
}

/// Data lines of one detection as (keyword, value).
fn observations(d: &super::log::Detection) -> Vec<(&'static str, f64)> {
    let mut o = Vec::with_capacity(3);
    if let Some(r) = d.measured.range_km {
        o.push(("RANGE", r));
    }
    o.push(("ANGLE_1", d.measured.az_deg));
    o.push(("ANGLE_2", d.measured.el_deg));
    o
}

fn segment_comments(p: &Pass, names: &Names) -> Vec<String> {
    let first = p.detections.first().map_or(0, |d| d.tick);
    let last = p.detections.last().map_or(0, |d| d.tick);
    vec![
        format!(
            "Sensor {} ({}, {}, {}); object {} ({})",
            p.sensor,
            names.sensor(&p.sensor),
            p.nation,
            p.sensor_type,
            p.object.map_or_else(|| "UCT".to_string(), |o| o.to_string()),
            p.object
                .map_or("uncorrelated: associated with no catalog entry", |o| names.object(o))
        ),
        format!(
            "Pass detections {} from tick {first} to tick {last}; measured values (noise included)",
            p.detections.len()
        ),
    ]
}

fn kvn(s: &mut String, passes: &[Pass], names: &Names, header: &Header, epoch_of: &dyn Fn(u64) -> String) {
    s.push_str("CCSDS_TDM_VERS = 2.0\n");
    for c in &header.comments {
        let _ = writeln!(s, "COMMENT {c}");
    }
    let _ = writeln!(s, "CREATION_DATE = {}", header.creation);
    s.push_str("ORIGINATOR = SENTINEL\n");
    for p in passes {
        s.push_str("\nMETA_START\n");
        for c in segment_comments(p, names) {
            let _ = writeln!(s, "COMMENT {c}");
        }
        for (k, v) in metadata(p) {
            let _ = writeln!(s, "{k} = {v}");
        }
        s.push_str("META_STOP\nDATA_START\n");
        for d in &p.detections {
            let t = epoch_of(d.tick);
            for (k, v) in observations(d) {
                let _ = writeln!(s, "{k} = {t} {v}");
            }
        }
        s.push_str("DATA_STOP\n");
    }
}

/// Text escaped for XML element content (TDM and OMM writers).
pub(super) fn escape(v: &str) -> String {
    quick_xml::escape::escape(v).into_owned()
}

fn xml(s: &mut String, passes: &[Pass], names: &Names, header: &Header, epoch_of: &dyn Fn(u64) -> String) {
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(
        "<tdm xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:noNamespaceSchemaLocation=\"https://sanaregistry.org/r/ndmxml_unqualified/ndmxml-2.0.0-master-2.0.xsd\" \
         id=\"CCSDS_TDM_VERS\" version=\"2.0\">\n",
    );
    s.push_str("  <header>\n");
    for c in &header.comments {
        let _ = writeln!(s, "    <COMMENT>{}</COMMENT>", escape(c));
    }
    let _ = writeln!(s, "    <CREATION_DATE>{}</CREATION_DATE>", header.creation);
    s.push_str("    <ORIGINATOR>SENTINEL</ORIGINATOR>\n  </header>\n  <body>\n");
    for p in passes {
        s.push_str("    <segment>\n      <metadata>\n");
        for c in segment_comments(p, names) {
            let _ = writeln!(s, "        <COMMENT>{}</COMMENT>", escape(&c));
        }
        for (k, v) in metadata(p) {
            let _ = writeln!(s, "        <{k}>{}</{k}>", escape(&v));
        }
        s.push_str("      </metadata>\n      <data>\n");
        for d in &p.detections {
            let t = epoch_of(d.tick);
            for (k, v) in observations(d) {
                let _ = writeln!(s, "        <observation><EPOCH>{t}</EPOCH><{k}>{v}</{k}></observation>");
            }
        }
        s.push_str("      </data>\n    </segment>\n");
    }
    s.push_str("  </body>\n</tdm>\n");
}
