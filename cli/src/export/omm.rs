//! CCSDS Orbit Mean-Elements Messages (CCSDS 502.0-B-3, OMM version 3.0) of a nation's catalog at
//! the end of a run: one OMM per catalogued entry, with the entry's SGP4 mean elements (AFSPC mode,
//! `MEAN_ELEMENT_THEORY = SGP4`, TEME, UTC) at their own epoch, the TLE parameters, the
//! position/velocity covariance at the element epoch in TEME (km, km/s; the 21 lower-triangle terms
//! `CX_X` .. `CZ_DOT_Z_DOT`) and, as `USER_DEFINED` parameters, the entry's observation span, the
//! measurements used and the weighted RMS of its last fit.
//!
//! KVN holds one message per file (the standard defines no KVN container, and readers take one OMM
//! per KVN file), so the KVN export is a directory of `CATNR.omm` files. The XML export is one NDM
//! combined instantiation (`<ndm>`, NDM/XML 4.0) holding every `<omm>`. Numbers are printed with
//! the shortest text that reads back to the same `f64`; epochs to the microsecond.

use std::fmt::Write as _;

use sentinel_engine::exchange::CatalogEstimate;

use super::tdm::{Encoding, escape};

/// What every message of one export shares.
pub struct Header<'a> {
    /// CREATION_DATE: the end of the run's span, so that an export is reproducible.
    pub creation: &'a str,
    /// ORIGINATOR: the nation whose catalog this is.
    pub originator: &'a str,
    /// Header comment lines.
    pub comments: Vec<String>,
}

/// One catalog entry to write, with its object's name and its observation ticks as epochs.
pub struct Entry<'a> {
    /// The estimate.
    pub estimate: &'a CatalogEstimate,
    /// OBJECT_NAME.
    pub name: String,
    /// The first and last observation used, as CCSDS epochs.
    pub first_obs: Option<String>,
    /// See `first_obs`.
    pub last_obs: Option<String>,
}

/// Names of the state components in covariance keywords.
const AXES: [&str; 6] = ["X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"];

/// The 21 covariance keywords and values, lower triangle by rows (`CX_X`, `CY_X`, `CY_Y`, ...).
pub fn covariance_terms(c: &[[f64; 6]; 6]) -> Vec<(String, f64)> {
    let mut v = Vec::with_capacity(21);
    for (i, row) in c.iter().enumerate() {
        for (j, &x) in row.iter().enumerate().take(i + 1) {
            v.push((format!("C{}_{}", AXES[i], AXES[j]), x));
        }
    }
    v
}

/// A number as the shortest text that reads back to the same `f64`, in exponent notation when it is
/// small or large (so that no line runs to hundreds of zeros).
pub fn number(x: f64) -> String {
    if x != 0.0 && !(1e-4..1e16).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// An SGP4 element epoch as a CCSDS UTC epoch, to the microsecond.
pub fn element_epoch(est: &CatalogEstimate) -> String {
    est.elements.datetime.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// Keyword/value groups of one message: metadata, mean elements, TLE parameters, covariance, user
/// defined parameters.
struct Fields {
    metadata: Vec<(&'static str, String)>,
    mean: Vec<(&'static str, String)>,
    tle: Vec<(&'static str, String)>,
    covariance: Vec<(String, String)>,
    user: Vec<(&'static str, String)>,
}

fn fields(e: &Entry) -> Fields {
    let est = e.estimate;
    let el = &est.elements;
    let metadata = vec![
        ("OBJECT_NAME", e.name.clone()),
        ("OBJECT_ID", est.object.to_string()),
        ("CENTER_NAME", "EARTH".into()),
        ("REF_FRAME", "TEME".into()),
        ("TIME_SYSTEM", "UTC".into()),
        ("MEAN_ELEMENT_THEORY", "SGP4".into()),
    ];
    let mean = vec![
        ("EPOCH", element_epoch(est)),
        ("MEAN_MOTION", number(el.mean_motion)),
        ("ECCENTRICITY", number(el.eccentricity)),
        ("INCLINATION", number(el.inclination)),
        ("RA_OF_ASC_NODE", number(el.right_ascension)),
        ("ARG_OF_PERICENTER", number(el.argument_of_perigee)),
        ("MEAN_ANOMALY", number(el.mean_anomaly)),
    ];
    let tle = vec![
        ("EPHEMERIS_TYPE", "0".into()),
        ("CLASSIFICATION_TYPE", "U".into()),
        ("NORAD_CAT_ID", est.object.to_string()),
        ("ELEMENT_SET_NO", el.element_set_number.min(9999).to_string()),
        ("REV_AT_EPOCH", el.revolution_number.to_string()),
        ("BSTAR", number(el.drag_term)),
        ("MEAN_MOTION_DOT", number(el.mean_motion_dot)),
        ("MEAN_MOTION_DDOT", number(el.mean_motion_ddot)),
    ];
    let covariance = covariance_terms(&est.covariance_teme)
        .into_iter()
        .map(|(k, v)| (k, number(v)))
        .collect();
    let mut user = Vec::new();
    if let Some(t) = &e.first_obs {
        user.push(("FIRST_OBS_EPOCH", t.clone()));
    }
    if let Some(t) = &e.last_obs {
        user.push(("LAST_OBS_EPOCH", t.clone()));
    }
    user.push(("OBS_USED", est.observations.to_string()));
    user.push(("WEIGHTED_RMS", number(est.wrms)));
    if let Some(sb) = est.bstar_sigma {
        user.push(("BSTAR_SIGMA", number(sb)));
    }
    Fields {
        metadata,
        mean,
        tle,
        covariance,
        user,
    }
}

const DATA_COMMENT: &str = "Estimate of the originator's catalog: SGP4 mean elements (AFSPC mode) and their position/velocity covariance at EPOCH (TEME, km and km/s)";
const USER_COMMENT: &str = "FIRST_OBS_EPOCH/LAST_OBS_EPOCH: measurements used since the entry was (re)started, or over its fit span when it was refitted over it (absent: the published elements only); OBS_USED: their number; WEIGHTED_RMS: of the last fit (0 before any); BSTAR_SIGMA: 1-sigma of BSTAR, when a span refit estimated it";

/// One OMM in KVN.
pub fn kvn(header: &Header, e: &Entry) -> String {
    let f = fields(e);
    let mut s = String::with_capacity(2048);
    s.push_str("CCSDS_OMM_VERS = 3.0\n");
    for c in &header.comments {
        let _ = writeln!(s, "COMMENT {c}");
    }
    let _ = writeln!(s, "CREATION_DATE = {}", header.creation);
    let _ = writeln!(s, "ORIGINATOR = {}\n", header.originator);
    for (k, v) in &f.metadata {
        let _ = writeln!(s, "{k} = {v}");
    }
    let _ = writeln!(s, "\nCOMMENT {DATA_COMMENT}");
    for (k, v) in &f.mean {
        let _ = writeln!(s, "{k} = {v}");
    }
    s.push('\n');
    for (k, v) in &f.tle {
        let _ = writeln!(s, "{k} = {v}");
    }
    s.push_str("\nCOV_REF_FRAME = TEME\n");
    for (k, v) in &f.covariance {
        let _ = writeln!(s, "{k} = {v}");
    }
    let _ = writeln!(s, "\nCOMMENT {USER_COMMENT}");
    for (k, v) in &f.user {
        let _ = writeln!(s, "USER_DEFINED_{k} = {v}");
    }
    s
}

/// Every entry as one NDM/XML combined instantiation of OMMs.
pub fn xml(header: &Header, entries: &[Entry]) -> String {
    let mut s = String::with_capacity(256 + 4096 * entries.len());
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(
        "<ndm xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:noNamespaceSchemaLocation=\"https://sanaregistry.org/r/ndmxml_unqualified/ndmxml-4.0.0-master-4.0.xsd\">\n",
    );
    for e in entries {
        let f = fields(e);
        s.push_str("  <omm id=\"CCSDS_OMM_VERS\" version=\"3.0\">\n    <header>\n");
        for c in &header.comments {
            let _ = writeln!(s, "      <COMMENT>{}</COMMENT>", escape(c));
        }
        let _ = writeln!(
            s,
            "      <CREATION_DATE>{}</CREATION_DATE>\n      <ORIGINATOR>{}</ORIGINATOR>\n    </header>",
            header.creation,
            escape(header.originator)
        );
        s.push_str("    <body>\n      <segment>\n        <metadata>\n");
        for (k, v) in &f.metadata {
            let _ = writeln!(s, "          <{k}>{}</{k}>", escape(v));
        }
        s.push_str("        </metadata>\n        <data>\n");
        let _ = writeln!(s, "          <COMMENT>{}</COMMENT>", escape(DATA_COMMENT));
        let group = |s: &mut String, tag: &str, kv: &mut dyn Iterator<Item = (&str, &str)>| {
            let _ = writeln!(s, "          <{tag}>");
            for (k, v) in kv {
                let _ = writeln!(s, "            <{k}>{}</{k}>", escape(v));
            }
            let _ = writeln!(s, "          </{tag}>");
        };
        group(
            &mut s,
            "meanElements",
            &mut f.mean.iter().map(|(k, v)| (*k, v.as_str())),
        );
        group(
            &mut s,
            "tleParameters",
            &mut f.tle.iter().map(|(k, v)| (*k, v.as_str())),
        );
        group(
            &mut s,
            "covarianceMatrix",
            &mut std::iter::once(("COV_REF_FRAME", "TEME"))
                .chain(f.covariance.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
        );
        s.push_str("          <userDefinedParameters>\n");
        let _ = writeln!(s, "            <COMMENT>{}</COMMENT>", escape(USER_COMMENT));
        for (k, v) in &f.user {
            let _ = writeln!(
                s,
                "            <USER_DEFINED parameter=\"{k}\">{}</USER_DEFINED>",
                escape(v)
            );
        }
        s.push_str("          </userDefinedParameters>\n        </data>\n      </segment>\n    </body>\n  </omm>\n");
    }
    s.push_str("</ndm>\n");
    s
}

/// The document(s) of an export: one XML file, or (KVN) one file per entry named `CATNR.omm`.
pub fn documents(header: &Header, entries: &[Entry], encoding: Encoding) -> Vec<(String, String)> {
    match encoding {
        Encoding::Xml => vec![(String::new(), xml(header, entries))],
        Encoding::Kvn => entries
            .iter()
            .map(|e| (format!("{}.omm", e.estimate.object), kvn(header, e)))
            .collect(),
    }
}
