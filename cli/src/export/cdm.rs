//! CCSDS Conjunction Data Messages (CCSDS 508.0-B-1, CDM 1.0) of a run's conjunction assessments,
//! KVN or XML, one message per file, from the event log alone (`conjunction_assessed`): header
//! (creation date = the assessment's time, originator = the screening nation, message id), the
//! relative metadata (TCA, miss distance, relative speed, relative position and velocity in
//! object 1's RTN frame, Pc and its method FOSTER-1992), and per object the mandatory metadata,
//! the state at the TCA in GCRF (converted from the engine's TEME, `frames::teme_to_gcrf`) and the
//! 6x6 RTN covariance. The hard-body radius goes in a comment, `HBR = 20 [m]`, as NASA CARA writes
//! it (and `sentinel pc` reads it). With `--view NATION`: the nation's own assessments and those
//! warnings delivered to it, from the tick each arrived.

use std::fmt::Write as _;

use anyhow::Context;
use nalgebra::{Matrix3, Vector3};
use sentinel_engine::event::{ConjunctionAssessedEvent, ConjunctionObject, Event, EventKind};

use super::tdm::{Encoding, escape};

/// A `conjunction_assessed` event with the tick and time it was logged at.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub tick: u64,
    pub time: String,
    pub e: Box<ConjunctionAssessedEvent>,
}

/// The assessments of the log (with `nation`, those it made and those delivered to it), in log
/// order.
pub fn assessments(log: &std::path::Path, nation: Option<&str>) -> anyhow::Result<Vec<Assessment>> {
    let mut made: Vec<Assessment> = Vec::new();
    let mut out = Vec::new();
    super::log::scan(
        log,
        &[EventKind::ConjunctionAssessed, EventKind::WarningDelivered],
        |l| {
            match l.event {
                Event::ConjunctionAssessed(e) => {
                    let a = Assessment {
                        tick: l.tick,
                        time: l.time,
                        e,
                    };
                    if nation.is_none_or(|n| n == &*a.e.nation) {
                        out.push(a.clone());
                    }
                    made.push(a);
                }
                Event::WarningDelivered(d) => {
                    if nation.is_some_and(|n| n == &*d.to)
                        && !out.iter().any(|a: &Assessment| a.e.cdm == d.cdm)
                        && let Some(a) = made.iter().find(|a| a.e.cdm == d.cdm)
                    {
                        out.push(a.clone());
                    }
                }
                _ => {}
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// The covariance keywords of a CDM, in order, with their units.
const COV: [(&str, &str); 21] = [
    ("CR_R", "m**2"),
    ("CT_R", "m**2"),
    ("CT_T", "m**2"),
    ("CN_R", "m**2"),
    ("CN_T", "m**2"),
    ("CN_N", "m**2"),
    ("CRDOT_R", "m**2/s"),
    ("CRDOT_T", "m**2/s"),
    ("CRDOT_N", "m**2/s"),
    ("CRDOT_RDOT", "m**2/s**2"),
    ("CTDOT_R", "m**2/s"),
    ("CTDOT_T", "m**2/s"),
    ("CTDOT_N", "m**2/s"),
    ("CTDOT_RDOT", "m**2/s**2"),
    ("CTDOT_TDOT", "m**2/s**2"),
    ("CNDOT_R", "m**2/s"),
    ("CNDOT_T", "m**2/s"),
    ("CNDOT_N", "m**2/s"),
    ("CNDOT_RDOT", "m**2/s**2"),
    ("CNDOT_TDOT", "m**2/s**2"),
    ("CNDOT_NDOT", "m**2/s**2"),
];

/// A CDM's content as (section, items): the keyword items of each part, in the standard's order.
struct Parts {
    header: Vec<(&'static str, String, &'static str)>,
    relative: Vec<(&'static str, String, &'static str)>,
    relative_state: Vec<(&'static str, String, &'static str)>,
    relative_tail: Vec<(&'static str, String, &'static str)>,
    objects: [ObjectParts; 2],
}

struct ObjectParts {
    comments: Vec<String>,
    metadata: Vec<(&'static str, String, &'static str)>,
    state: Vec<(&'static str, String, &'static str)>,
    covariance: Vec<(&'static str, String, &'static str)>,
}

/// CCSDS epoch text of a log time (`2026-07-10T01:00:00Z` or with a fraction).
fn ccsds(time: &str) -> String {
    time.trim_end_matches('Z').to_string()
}

fn parts(a: &Assessment) -> anyhow::Result<Parts> {
    let tca = chrono::DateTime::parse_from_rfc3339(&a.e.tca)
        .with_context(|| format!("{}: tca `{}` is not a UTC time", a.e.cdm, a.e.tca))?
        .naive_utc();
    let m = sentinel_engine::frames::teme_to_gcrf(&tca);
    let (r1, v1) = (Vector3::from(a.e.object1.r_km), Vector3::from(a.e.object1.v_km_s));
    let (r2, v2) = (Vector3::from(a.e.object2.r_km), Vector3::from(a.e.object2.v_km_s));
    // Object 1's RTN axes (the engine's radial, along-track, cross-track frame), as rows.
    let axes = sentinel_engine::orbit::rsw(r1.into(), v1.into());
    let q = Matrix3::from_fn(|i, j| axes[i][j]);
    let (dr, dv) = (q * (r2 - r1) * 1e3, q * (v2 - v1) * 1e3);
    let object = |k: usize, s: &ConjunctionObject, r: &Vector3<f64>, v: &Vector3<f64>| -> anyhow::Result<ObjectParts> {
        if s.cov_rtn.len() != 21 {
            anyhow::bail!(
                "{}: object {} has {} covariance terms, not 21",
                a.e.cdm,
                s.object,
                s.cov_rtn.len()
            );
        }
        let (rg, vg) = (m * r, m * v);
        let mut comments = Vec::new();
        if k == 0 {
            comments.push(format!("HBR = {} [m]", a.e.hbr_m));
        }
        comments.push(format!(
            "Estimate of {} from {} observations; state converted from TEME to GCRF",
            a.e.nation, s.observations
        ));
        Ok(ObjectParts {
            comments,
            metadata: vec![
                ("OBJECT", format!("OBJECT{}", k + 1), ""),
                ("OBJECT_DESIGNATOR", s.object.to_string(), ""),
                ("CATALOG_NAME", format!("{} CATALOG", a.e.nation), ""),
                ("OBJECT_NAME", s.name.clone().unwrap_or_else(|| "UNKNOWN".into()), ""),
                (
                    "INTERNATIONAL_DESIGNATOR",
                    s.international_designator.clone().unwrap_or_else(|| "UNKNOWN".into()),
                    "",
                ),
                ("EPHEMERIS_NAME", "NONE".into(), ""),
                ("COVARIANCE_METHOD", "CALCULATED".into(), ""),
                ("MANEUVERABLE", "N/A".into(), ""),
                ("REF_FRAME", "GCRF".into(), ""),
            ],
            state: ["X", "Y", "Z"]
                .iter()
                .zip(rg.iter())
                .map(|(k, x)| (*k, format!("{x}"), "km"))
                .chain(
                    ["X_DOT", "Y_DOT", "Z_DOT"]
                        .iter()
                        .zip(vg.iter())
                        .map(|(k, x)| (*k, format!("{x}"), "km/s")),
                )
                .collect(),
            covariance: COV
                .iter()
                .zip(&s.cov_rtn)
                .map(|((k, u), x)| (*k, format!("{x:e}"), *u))
                .collect(),
        })
    };
    Ok(Parts {
        header: vec![
            ("CREATION_DATE", ccsds(&a.time), ""),
            ("ORIGINATOR", a.e.nation.to_string(), ""),
            ("MESSAGE_ID", a.e.cdm.to_string(), ""),
        ],
        relative: vec![
            ("TCA", ccsds(&a.e.tca), ""),
            ("MISS_DISTANCE", format!("{}", a.e.miss_m), "m"),
            ("RELATIVE_SPEED", format!("{}", a.e.rel_speed_m_s), "m/s"),
        ],
        relative_state: vec![
            ("RELATIVE_POSITION_R", format!("{:.3}", dr[0]), "m"),
            ("RELATIVE_POSITION_T", format!("{:.3}", dr[1]), "m"),
            ("RELATIVE_POSITION_N", format!("{:.3}", dr[2]), "m"),
            ("RELATIVE_VELOCITY_R", format!("{:.6}", dv[0]), "m/s"),
            ("RELATIVE_VELOCITY_T", format!("{:.6}", dv[1]), "m/s"),
            ("RELATIVE_VELOCITY_N", format!("{:.6}", dv[2]), "m/s"),
        ],
        relative_tail: vec![
            ("COLLISION_PROBABILITY", format!("{:e}", a.e.pc2d), ""),
            ("COLLISION_PROBABILITY_METHOD", "FOSTER-1992".into(), ""),
        ],
        objects: [object(0, &a.e.object1, &r1, &v1)?, object(1, &a.e.object2, &r2, &v2)?],
    })
}

/// One CDM as text, and its file name.
pub fn document(a: &Assessment, encoding: Encoding) -> anyhow::Result<(String, String)> {
    let p = parts(a)?;
    let mut s = String::with_capacity(4096);
    let name = match encoding {
        Encoding::Kvn => {
            kvn(&mut s, a, &p);
            format!("{}.cdm", a.e.cdm)
        }
        Encoding::Xml => {
            xml(&mut s, a, &p);
            format!("{}.cdm.xml", a.e.cdm)
        }
    };
    Ok((name, s))
}

/// The header's comments: who assessed it, the level, and the 2-D method's validity (with the 3-D
/// count where it does not apply).
fn header_comments(a: &Assessment) -> Vec<String> {
    let mut c = vec![format!(
        "Sentinel conjunction assessment by {} at tick {} (level {})",
        a.e.nation, a.tick, a.e.level
    )];
    c.push(match (a.e.valid_2d, a.e.nc3d) {
        (true, _) => "The 2-D Pc applies (NASA CARA usage indicators)".to_string(),
        (false, Some(nc)) => format!("The 2-D Pc does not apply; Hall's Nc3D = {nc:e}, on which the level was decided"),
        (false, None) => "The 2-D Pc does not apply and the 3-D count could not be computed".to_string(),
    });
    c
}

fn kvn_item(s: &mut String, (k, v, unit): &(&str, String, &str)) {
    if unit.is_empty() {
        let _ = writeln!(s, "{k:<36} = {v}");
    } else {
        let _ = writeln!(s, "{k:<36} = {v} [{unit}]");
    }
}

fn kvn(s: &mut String, a: &Assessment, p: &Parts) {
    s.push_str("CCSDS_CDM_VERS                       = 1.0\n");
    for c in header_comments(a) {
        let _ = writeln!(s, "COMMENT {c}");
    }
    for item in p
        .header
        .iter()
        .chain(&p.relative)
        .chain(&p.relative_state)
        .chain(&p.relative_tail)
    {
        kvn_item(s, item);
    }
    for o in &p.objects {
        for c in &o.comments {
            let _ = writeln!(s, "COMMENT {c}");
        }
        for item in o.metadata.iter().chain(&o.state).chain(&o.covariance) {
            kvn_item(s, item);
        }
    }
}

fn xml_item(s: &mut String, indent: &str, (k, v, unit): &(&str, String, &str)) {
    if unit.is_empty() {
        let _ = writeln!(s, "{indent}<{k}>{}</{k}>", escape(v));
    } else {
        let _ = writeln!(s, "{indent}<{k} units=\"{unit}\">{}</{k}>", escape(v));
    }
}

fn xml_items(s: &mut String, indent: &str, items: &[(&str, String, &str)]) {
    for item in items {
        xml_item(s, indent, item);
    }
}

fn xml(s: &mut String, a: &Assessment, p: &Parts) {
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(
        "<cdm xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:noNamespaceSchemaLocation=\"https://sanaregistry.org/r/ndmxml_unqualified/ndmxml-2.0.0-master-2.0.xsd\" \
         id=\"CCSDS_CDM_VERS\" version=\"1.0\">\n  <header>\n",
    );
    for c in header_comments(a) {
        let _ = writeln!(s, "    <COMMENT>{}</COMMENT>", escape(&c));
    }
    xml_items(s, "    ", &p.header);
    s.push_str("  </header>\n  <body>\n    <relativeMetadataData>\n");
    xml_items(s, "      ", &p.relative);
    s.push_str("      <relativeStateVector>\n");
    xml_items(s, "        ", &p.relative_state);
    s.push_str("      </relativeStateVector>\n");
    xml_items(s, "      ", &p.relative_tail);
    s.push_str("    </relativeMetadataData>\n");
    for o in &p.objects {
        s.push_str("    <segment>\n      <metadata>\n");
        for c in &o.comments {
            let _ = writeln!(s, "        <COMMENT>{}</COMMENT>", escape(c));
        }
        xml_items(s, "        ", &o.metadata);
        s.push_str("      </metadata>\n      <data>\n        <stateVector>\n");
        xml_items(s, "          ", &o.state);
        s.push_str("        </stateVector>\n        <covarianceMatrix>\n");
        xml_items(s, "          ", &o.covariance);
        s.push_str("        </covarianceMatrix>\n      </data>\n    </segment>\n");
    }
    s.push_str("  </body>\n</cdm>\n");
}
