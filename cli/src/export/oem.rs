//! CCSDS Orbit Ephemeris Message (CCSDS 502.0-B-3, OEM version 2.0) of chosen objects' truth, in
//! KVN or XML. The log holds no trajectories, so the run is re-simulated (checked against its hash
//! chain) and each object's exact SGP4 state is sampled in TEME, SGP4's own frame, in km and km/s.
//! A manoeuvre starts a new segment (the velocity jumps there, so no interpolation may cross it);
//! so do a launch, a re-entry and a breakup (the object appears or ends).

use std::fmt::Write as _;

use anyhow::bail;

use super::tdm::Encoding;
use super::{Segments, ccsds_epoch, sample};
use crate::truth::Resim;

/// The OEM document and its number of segments.
pub fn document(
    resim: &mut Resim,
    objects: &[u32],
    changed: &std::collections::BTreeSet<u32>,
    step_s: u64,
    encoding: Encoding,
) -> anyhow::Result<(String, usize)> {
    if objects.is_empty() {
        bail!("no objects to export: the run detected none; name some with --objects");
    }
    for &o in objects {
        if !resim.scenario.objects.iter().any(|x| x.id == o) && resim.sim().object_info(o).is_none() {
            bail!("--objects: {o} is not an object of this run");
        }
    }
    let clock = resim.scenario.clock.clone();
    let step_ticks = step_s.div_ceil(u64::from(clock.tick_s)).max(1);
    let segs: Segments = sample(resim, objects, step_ticks, changed)?;
    let name = |o: u32| {
        resim
            .sim()
            .object_info(o)
            .map_or_else(|| o.to_string(), |i| i.name.clone())
    };
    let epoch = |t: u64| ccsds_epoch(&clock, t);
    let creation = epoch(clock.ticks);
    let comments = [
        format!(
            "Truth of Sentinel run of scenario `{}`, seed {}, re-propagated with SGP4 by re-simulating the run (checked against its tick hash chain)",
            resim.scenario.name, resim.seed
        ),
        format!(
            "Samples every {} s; CREATION_DATE is the end of the run's span",
            step_ticks * u64::from(clock.tick_s)
        ),
    ];
    let mut s = String::new();
    let mut count = 0;
    let xml = encoding == Encoding::Xml;
    if xml {
        s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        s.push_str(
            "<oem xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:noNamespaceSchemaLocation=\"https://sanaregistry.org/r/ndmxml_unqualified/ndmxml-2.0.0-master-2.0.xsd\" \
             id=\"CCSDS_OEM_VERS\" version=\"2.0\">\n  <header>\n",
        );
        for c in &comments {
            let _ = writeln!(s, "    <COMMENT>{}</COMMENT>", quick_xml::escape::escape(c.as_str()));
        }
        let _ = writeln!(
            s,
            "    <CREATION_DATE>{creation}</CREATION_DATE>\n    <ORIGINATOR>SENTINEL</ORIGINATOR>\n  </header>\n  <body>"
        );
    } else {
        s.push_str("CCSDS_OEM_VERS = 2.0\n");
        for c in &comments {
            let _ = writeln!(s, "COMMENT {c}");
        }
        let _ = writeln!(s, "CREATION_DATE = {creation}\nORIGINATOR = SENTINEL");
    }
    for (&o, list) in &segs {
        let n = name(o);
        for seg in list {
            count += 1;
            let (first, last) = (seg[0].0, seg[seg.len() - 1].0);
            let meta = [
                ("OBJECT_NAME", n.as_str()),
                ("OBJECT_ID", &o.to_string()),
                ("CENTER_NAME", "EARTH"),
                ("REF_FRAME", "TEME"),
                ("TIME_SYSTEM", "UTC"),
                ("START_TIME", &epoch(first)),
                ("STOP_TIME", &epoch(last)),
            ]
            .map(|(k, v)| (k, v.to_string()));
            if xml {
                s.push_str("    <segment>\n      <metadata>\n");
                for (k, v) in &meta {
                    let _ = writeln!(s, "        <{k}>{}</{k}>", quick_xml::escape::escape(v.as_str()));
                }
                s.push_str("      </metadata>\n      <data>\n");
                for (t, st) in seg {
                    let (r, v) = (st.teme_km, st.teme_vel_km_s);
                    let _ = writeln!(
                        s,
                        "        <stateVector><EPOCH>{}</EPOCH><X>{}</X><Y>{}</Y><Z>{}</Z><X_DOT>{}</X_DOT><Y_DOT>{}</Y_DOT><Z_DOT>{}</Z_DOT></stateVector>",
                        epoch(*t),
                        r[0],
                        r[1],
                        r[2],
                        v[0],
                        v[1],
                        v[2]
                    );
                }
                s.push_str("      </data>\n    </segment>\n");
            } else {
                s.push_str("\nMETA_START\n");
                for (k, v) in &meta {
                    let _ = writeln!(s, "{k} = {v}");
                }
                s.push_str("META_STOP\n\n");
                for (t, st) in seg {
                    let (r, v) = (st.teme_km, st.teme_vel_km_s);
                    let _ = writeln!(s, "{} {} {} {} {} {} {}", epoch(*t), r[0], r[1], r[2], v[0], v[1], v[2]);
                }
            }
        }
    }
    if xml {
        s.push_str("  </body>\n</oem>\n");
    }
    Ok((s, count))
}
