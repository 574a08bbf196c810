//! `sentinel pc`: the probability of collision of CDMs against NASA CARA's values for 27 real
//! conjunctions (`tests/data/cara-pc/`, see its README), XML read as KVN, and bad CDMs reported
//! at their positions.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::util::{repo, sentinel};

const DIR: &str = "tests/data/cara-pc";

/// CARA's table: `Conjunction_ID` -> column -> text.
fn cara_table() -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(repo().join(DIR).join("cara-pc-table.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let row: BTreeMap<String, String> = head
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            (row["Conjunction_ID"].clone(), row)
        })
        .collect()
}

fn pc_json(files: &[String], extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["pc", "--json"];
    args.extend_from_slice(extra);
    args.extend(files.iter().map(String::as_str));
    let o = sentinel(&args);
    assert!(
        o.status.success(),
        "sentinel pc failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    match serde_json::from_slice(&o.stdout).unwrap() {
        Value::Array(a) => a,
        v => panic!("not an array: {v}"),
    }
}

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

/// The check: `pc2d` within 1e-6 relative of CARA's `Pc2D` on every file, the HBR from the
/// CDM, the miss distance at the adjusted TCA no larger than CARA's (of the states as written) and
/// within 1e-3 of it, `nc3d` within 1e-2 of CARA's `Nc3D`, and `method_valid_2d` equal to CARA's
/// classification of the case.
#[test]
fn pc_matches_cara_on_every_shared_cdm() {
    let table = cara_table();
    assert_eq!(table.len(), 27);
    let files: Vec<String> = table.keys().map(|id| format!("{DIR}/{id}.cdm")).collect();
    let out = pc_json(&files, &[]);
    assert_eq!(out.len(), 27);
    let mut worst: f64 = 0.0;
    for (o, (id, row)) in out.iter().zip(&table) {
        let num = |c: &str| row[c].parse::<f64>().unwrap();
        assert_eq!(o["file"], format!("{DIR}/{id}.cdm"));
        let pc = o["pc2d"].as_f64().unwrap();
        let e = rel(pc, num("Pc2D"));
        worst = worst.max(e);
        assert!(e < 1e-6, "{id}: pc2d {pc} vs CARA {}", num("Pc2D"));
        assert_eq!(o["hbr_m"].as_f64(), Some(num("HBR_m")), "{id}");
        let miss = o["miss_m"].as_f64().unwrap();
        assert!(
            miss <= num("MissDist_m") * (1.0 + 1e-9) && rel(miss, num("MissDist_m")) < 1e-3,
            "{id}: miss {miss}"
        );
        let valid = row["Comment"].starts_with("No 2D-Pc method usage violation");
        assert_eq!(o["method_valid_2d"].as_bool(), Some(valid), "{id}: {}", row["Comment"]);
        assert_eq!(o["primary"].as_str(), Some(&id[..9]), "{id}");
        let nc = o["nc3d"].as_f64().unwrap();
        assert!(rel(nc, num("Nc3D")) < 1e-2, "{id}: nc3d {nc} vs CARA {}", num("Nc3D"));
    }
    eprintln!("sentinel pc: worst relative difference from CARA's Pc2D over 27 CDMs: {worst:.1e}");
}

/// A KVN CDM turned into CDM XML (CCSDS 508.0-B-1 XML layout: header, relative metadata, two
/// segments of metadata and data), with units as attributes.
fn to_xml(kvn: &str) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cdm id=\"CCSDS_CDM_VERS\" version=\"1.0\">\n<header>\n",
    );
    let mut in_object = false;
    let mut data_open = false;
    for line in kvn.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (key, value) = match line.strip_prefix("COMMENT") {
            Some(rest) => ("COMMENT", rest.trim()),
            None => {
                let (k, v) = line.split_once('=').unwrap();
                (k.trim(), v.trim())
            }
        };
        if key == "CCSDS_CDM_VERS" {
            continue;
        }
        if key == "TCA" && !in_object {
            x.push_str("</header>\n<body>\n<relativeMetadataData>\n");
        }
        if key == "OBJECT" {
            if in_object {
                x.push_str("</stateVector></data></segment>\n");
            } else {
                x.push_str("</relativeMetadataData>\n");
            }
            x.push_str("<segment><metadata>\n");
            in_object = true;
            data_open = false;
        }
        if in_object && key == "X" && !data_open {
            x.push_str("</metadata><data><stateVector>\n");
            data_open = true;
        }
        let (value, unit) = match (key, value.strip_suffix(']').and_then(|v| v.rsplit_once('['))) {
            ("COMMENT", _) | (_, None) => (value.to_string(), None),
            (_, Some((v, u))) => (v.trim().to_string(), Some(u.to_string())),
        };
        let value = value.replace('&', "&amp;").replace('<', "&lt;");
        match unit {
            Some(u) => x.push_str(&format!("<{key} units=\"{u}\">{value}</{key}>\n")),
            None => x.push_str(&format!("<{key}>{value}</{key}>\n")),
        }
    }
    x.push_str("</stateVector></data></segment>\n</body>\n</cdm>\n");
    x
}

/// The same conjunctions written as XML give the same output, number for number.
#[test]
fn pc_reads_cdm_xml_as_it_reads_kvn() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = cara_table().keys().take(4).cloned().collect();
    let kvn: Vec<String> = ids.iter().map(|id| format!("{DIR}/{id}.cdm")).collect();
    let xml: Vec<String> = ids
        .iter()
        .map(|id| {
            let text = std::fs::read_to_string(repo().join(DIR).join(format!("{id}.cdm"))).unwrap();
            let p = dir.path().join(format!("{id}.xml"));
            std::fs::write(&p, to_xml(&text)).unwrap();
            p.display().to_string()
        })
        .collect();
    let (a, b) = (pc_json(&kvn, &[]), pc_json(&xml, &[]));
    for (mut a, mut b) in a.into_iter().zip(b) {
        a.as_object_mut().unwrap().remove("file");
        b.as_object_mut().unwrap().remove("file");
        assert_eq!(a, b);
    }
}

/// The 27 CDMs rewritten as XML by an independent tool (PyPI ccsds-ndm: its own KVN reader and XML
/// writer, namespaces and layout) give the same output as the KVN files, number for number.
#[test]
fn pc_reads_cdm_xml_written_by_an_independent_tool() {
    let Some(python) = crate::util::python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = cara_table().keys().cloned().collect();
    let kvn: Vec<String> = ids.iter().map(|id| format!("{DIR}/{id}.cdm")).collect();
    let o = std::process::Command::new(python)
        .arg(repo().join("tests/tools/cdm_to_xml.py"))
        .arg(dir.path())
        .args(&kvn)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let xml: Vec<String> = ids
        .iter()
        .map(|id| dir.path().join(format!("{id}.xml")).display().to_string())
        .collect();
    let first = std::fs::read_to_string(&xml[0]).unwrap();
    assert!(
        first.contains("<relativeMetadataData>") && first.contains("<segment>"),
        "{first}"
    );
    for (mut a, mut b) in pc_json(&kvn, &[]).into_iter().zip(pc_json(&xml, &[])) {
        a.as_object_mut().unwrap().remove("file");
        b.as_object_mut().unwrap().remove("file");
        assert_eq!(a, b);
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Bad CDMs: every problem of every file at its line and column, exit 2, nothing on stdout; an
/// HBR missing from the CDM is asked for with `--hbr`, which then serves.
#[test]
fn pc_reports_bad_cdms_at_their_positions() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(
        repo()
            .join(DIR)
            .join("000020580_conj_000022015_20210315_212955_20210313_065123.cdm"),
    )
    .unwrap();
    let bad = good
        .replace(
            "X                                           = 6.415116608408431603e+03 [km]",
            "X = 6415.1 [m]",
        )
        .replace(
            "Y_DOT                                       = 7.522719013780002406e+00 [km/s]",
            "Y_DOT = fast [km/s]",
        )
        .replace(
            "REF_FRAME                                   = EME2000\nGRAVITY",
            "REF_FRAME = ITRF\nGRAVITY",
        );
    let no_hbr = good.replace("COMMENT HBR = 10 [m]\n", "");
    let files = [
        write(dir.path(), "bad.cdm", &bad),
        write(dir.path(), "nohbr.cdm", &no_hbr),
    ];
    let o = sentinel(&["pc", "--json", &files[0], &files[1]]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "{}", String::from_utf8_lossy(&o.stdout));
    let err = String::from_utf8_lossy(&o.stderr);
    for want in [
        format!("{}:54:5: X is in [m]", files[0]),
        format!("{}:27:13: REF_FRAME ITRF is not an inertial frame", files[0]),
        format!("{}:89:13: REF_FRAME ITRF is not an inertial frame", files[0]),
        format!("{}:120:9: Y_DOT `fast` is not a finite number", files[0]),
        format!("{}:1:1: the CDM gives no hard-body radius", files[1]),
        "--hbr M".to_string(),
    ] {
        assert!(err.contains(&want), "missing `{want}` in:\n{err}");
    }
    // With --hbr the second file has its Pc; a larger radius gives a larger Pc.
    let small = pc_json(&files[1..], &["--hbr", "10"]);
    let large = pc_json(&files[1..], &["--hbr", "20"]);
    let first = pc_json(
        &[format!(
            "{DIR}/000020580_conj_000022015_20210315_212955_20210313_065123.cdm"
        )],
        &[],
    );
    assert_eq!(small[0]["pc2d"], first[0]["pc2d"]);
    assert!(large[0]["pc2d"].as_f64() > small[0]["pc2d"].as_f64());
    let o = sentinel(&["pc", "--hbr", "-1", &files[1]]);
    assert_eq!(o.status.code(), Some(2));
}
