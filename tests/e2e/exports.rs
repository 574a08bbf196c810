//! `sentinel export`: CCSDS TDM and OEM read back by two independent PyPI readers (ccsds-ndm and
//! ccsds-ndm-py), CZML validated by czml3, and every value compared with the event log or with an
//! SGP4 propagation done here, outside the simulation.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::util::{quick_look, repo, run_ok, sentinel, tool};

/// One quick-look run shared by the tests of this file (made once).
fn run_dir() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, p) = DIR.get_or_init(|| {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("run");
        run_ok(&quick_look(), &p, &["--quiet"]);
        (t, p)
    });
    p
}

fn export(dir: &Path, out: &Path, args: &[&str]) {
    let mut a = vec!["export", dir.to_str().unwrap(), "--out", out.to_str().unwrap()];
    a.extend_from_slice(args);
    let o = sentinel(&a);
    assert!(
        o.status.success(),
        "sentinel {a:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs a reader script in a test venv and parses its JSON output.
fn read_with(venv: &str, script: &str, args: &[&str]) -> Option<Value> {
    let python = tool(&format!("target/test-tools/{venv}/bin/python"))?;
    let o = Command::new(python)
        .arg(repo().join("tests/tools").join(script))
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{script} {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    Some(serde_json::from_slice(&o.stdout).unwrap())
}

/// Both NDM readers' view of a file (None when the tools are missing outside CI).
fn read_ndm(file: &Path) -> Option<[Value; 2]> {
    let f = file.to_str().unwrap();
    Some([
        read_with("py", "read_ndm.py", &["ccsds-ndm", f])?,
        read_with("py-ndm", "read_ndm.py", &["ccsds-ndm-py", f])?,
    ])
}

fn log_lines(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `2026-05-30T12:00:00Z` as a CCSDS epoch `2026-05-30T12:00:00.000`.
fn ccsds(iso: &str) -> String {
    format!("{}.000", iso.trim_end_matches('Z'))
}

type Observation = (String, String, String, String, u64); // sensor, object, epoch, keyword, value bits

/// The detections of the log as TDM observations (sensor, object, epoch, keyword, value).
fn expected_observations(events: &[Value], nation: Option<&str>) -> Vec<Observation> {
    let mut v = Vec::new();
    for e in events.iter().filter(|e| e["kind"] == "detection") {
        if nation.is_some_and(|n| e["nation"] != n) {
            continue;
        }
        let key = |k: &str, x: &Value| {
            (
                e["sensor"].as_str().unwrap().to_string(),
                e["object"].to_string(),
                ccsds(e["time"].as_str().unwrap()),
                k.to_string(),
                x.as_f64().unwrap().to_bits(),
            )
        };
        let m = &e["measured"];
        if !m["range_km"].is_null() {
            v.push(key("RANGE", &m["range_km"]));
        }
        v.push(key("ANGLE_1", &m["az_deg"]));
        v.push(key("ANGLE_2", &m["el_deg"]));
    }
    v.sort();
    v
}

fn observations_read(doc: &Value) -> Vec<Observation> {
    let mut v = Vec::new();
    for s in doc["segments"].as_array().unwrap() {
        for o in s["observations"].as_array().unwrap() {
            v.push((
                s["participant_1"].as_str().unwrap().to_string(),
                s["participant_2"].as_str().unwrap().to_string(),
                o[0].as_str().unwrap().to_string(),
                o[1].as_str().unwrap().to_string(),
                o[2].as_f64().unwrap().to_bits(),
            ));
        }
    }
    v.sort();
    v
}

#[test]
fn tdm_kvn_and_xml_read_back_by_two_readers_equal_the_log() {
    let dir = run_dir();
    let out = tempfile::tempdir().unwrap();
    let events = log_lines(dir);
    let expected = expected_observations(&events, None);
    // Passes with detections, from the access_end lines: (sensor, object, detections).
    let mut passes: Vec<(String, String, u64)> = events
        .iter()
        .filter(|e| e["kind"] == "access_end" && e["detections"].as_u64().unwrap() > 0)
        .map(|e| {
            (
                e["sensor"].as_str().unwrap().to_string(),
                e["object"].to_string(),
                e["detections"].as_u64().unwrap(),
            )
        })
        .collect();
    passes.sort();
    assert!(
        expected.len() > 1000 && passes.len() > 100,
        "the run detects enough to test"
    );
    let radars: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "detection" && e["sensor_type"] == "radar")
        .map(|e| e["sensor"].as_str().unwrap())
        .collect();
    for (format, name) in [("tdm", "d.tdm"), ("tdm-xml", "d.tdm.xml")] {
        let file = out.path().join(name);
        export(dir, &file, &["--format", format]);
        let Some(docs) = read_ndm(&file) else { return };
        for doc in &docs {
            assert_eq!(doc["type"], "tdm");
            assert_eq!(
                observations_read(doc),
                expected,
                "{format}: observations differ from the log"
            );
            let mut segs: Vec<(String, String, u64)> = Vec::new();
            for s in doc["segments"].as_array().unwrap() {
                assert_eq!(s["path"], "2,1");
                assert_eq!(s["angle_type"], "AZEL");
                assert_eq!(s["time_system"], "UTC");
                let radar = radars.contains(&s["participant_1"].as_str().unwrap());
                assert_eq!(s["range_units"].as_str(), radar.then_some("km"), "{s:?}");
                let obs = s["observations"].as_array().unwrap();
                let angles = obs.iter().filter(|o| o[1] == "ANGLE_1").count() as u64;
                segs.push((
                    s["participant_1"].as_str().unwrap().to_string(),
                    s["participant_2"].as_str().unwrap().to_string(),
                    angles,
                ));
                // Time-ordered within the segment.
                let epochs: Vec<&str> = obs.iter().map(|o| o[0].as_str().unwrap()).collect();
                assert!(epochs.windows(2).all(|w| w[0] <= w[1]));
            }
            segs.sort();
            assert_eq!(segs, passes, "{format}: one segment per sensor/object pass");
        }
    }

    // A nation's own sensors only.
    let file = out.path().join("jpn.tdm");
    export(dir, &file, &["--format", "tdm", "--view", "JPN"]);
    let Some(docs) = read_ndm(&file) else { return };
    let jpn = expected_observations(&events, Some("JPN"));
    assert!(!jpn.is_empty() && jpn.len() < expected.len());
    for doc in &docs {
        assert_eq!(observations_read(doc), jpn);
    }
}

/// ISS (25544) by SGP4 directly from the catalog file, at seconds after the scenario epoch (TEME).
fn iss_teme(seconds: &[i64]) -> Vec<([f64; 3], [f64; 3])> {
    let text = std::fs::read_to_string(repo().join("scenarios/data/celestrak-stations-2026-05-30.tle")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let i = lines.iter().position(|l| l.starts_with("1 25544U")).unwrap();
    let e = sgp4::Elements::from_tle(
        Some(lines[i - 1].trim().to_string()),
        lines[i].as_bytes(),
        lines[i + 1].as_bytes(),
    )
    .unwrap();
    let c = sgp4::Constants::from_elements_afspc_compatibility_mode(&e).unwrap();
    let epoch = chrono::NaiveDateTime::parse_from_str("2026-05-30T12:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
    seconds
        .iter()
        .map(|&s| {
            let t = epoch + chrono::TimeDelta::seconds(s);
            let m = e.datetime_to_minutes_since_epoch(&t).unwrap();
            let p = c.propagate_afspc_compatibility_mode(m).unwrap();
            (p.position, p.velocity)
        })
        .collect()
}

#[test]
fn oem_read_back_by_two_readers_equals_an_independent_sgp4_propagation() {
    let dir = run_dir();
    let out = tempfile::tempdir().unwrap();
    for (format, name) in [("oem", "t.oem"), ("oem-xml", "t.oem.xml")] {
        let file = out.path().join(name);
        export(
            dir,
            &file,
            &["--format", format, "--objects", "41836,25544", "--step-s", "600"],
        );
        let Some(docs) = read_ndm(&file) else { return };
        for doc in &docs {
            assert_eq!(doc["type"], "oem");
            let segs = doc["segments"].as_array().unwrap();
            let ids: Vec<&str> = segs.iter().map(|s| s["object_id"].as_str().unwrap()).collect();
            assert_eq!(ids, ["25544", "41836"], "one segment per object, in catalog order");
            let iss = &segs[0];
            assert_eq!(iss["object_name"], "ISS (ZARYA)");
            assert_eq!(iss["ref_frame"], "TEME");
            assert_eq!(iss["center_name"], "EARTH");
            let states = iss["states"].as_array().unwrap();
            // 3 h at 600 s: ticks 0, 60, ..., 1020, then the last tick (1079).
            assert_eq!(states.len(), 19);
            assert_eq!(states[0][0], "2026-05-30T12:00:00.000");
            assert_eq!(states[18][0], "2026-05-30T14:59:50.000");
            let seconds: Vec<i64> = (0..18).map(|k| k * 600).chain([10_790]).collect();
            let reference = iss_teme(&seconds);
            for (s, (r, v)) in states.iter().zip(&reference) {
                for k in 0..3 {
                    let (x, vx) = (s[1 + k].as_f64().unwrap(), s[4 + k].as_f64().unwrap());
                    assert!(
                        (x - r[k]).abs() < 1e-6,
                        "{format}: position {k} at {}: {x} vs {}",
                        s[0],
                        r[k]
                    );
                    assert!((vx - v[k]).abs() < 1e-9, "{format}: velocity {k} at {}", s[0]);
                }
            }
        }
    }
}

#[test]
fn czml_validates_with_czml3_and_matches_the_log_and_the_oem() {
    let dir = run_dir();
    let out = tempfile::tempdir().unwrap();
    let czml = out.path().join("run.czml");
    export(
        dir,
        &czml,
        &["--format", "czml", "--max-objects", "40", "--step-s", "300"],
    );
    let Some(doc) = read_with("py", "read_czml.py", &[czml.to_str().unwrap()]) else {
        return;
    };
    assert_eq!(doc["clock"]["interval"], "2026-05-30T12:00:00Z/2026-05-30T15:00:00Z");
    assert_eq!(doc["kinds"]["sensor"], 4);
    assert_eq!(doc["kinds"]["nation"], 2);
    assert_eq!(doc["kinds"]["satellite"], 40);
    assert_ne!(
        doc["nations"]["USA"], doc["nations"]["JPN"],
        "nations have their own colours"
    );

    // Detections: exactly the log's tracks of the satellites shown, each shown from its first to its
    // last detection, drawn between the sensor and the satellite entities.
    let events = log_lines(dir);
    let sats: BTreeMap<String, &Value> = doc["satellites"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v))
        .collect();
    let mut expected: Vec<(String, u64, String)> = events
        .iter()
        .filter(|e| e["kind"] == "track" && sats.contains_key(&e["object"].to_string()))
        .map(|e| {
            let first = e["first_tick"].as_u64().unwrap();
            let last = e["last_tick"].as_u64().unwrap();
            let t = |tick: u64| {
                let s = tick * 10;
                format!("2026-05-30T{:02}:{:02}:{:02}Z", 12 + s / 3600, s / 60 % 60, s % 60)
            };
            (
                e["sensor"].as_str().unwrap().to_string(),
                e["object"].as_u64().unwrap(),
                format!("{}/{}", t(first), t(last + 1)),
            )
        })
        .collect();
    expected.sort();
    let mut got: Vec<(String, u64, String)> = doc["detections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let (s, o) = (d["sensor"].as_str().unwrap(), d["object"].as_u64().unwrap());
            assert_eq!(d["references"][0], format!("sensor/{s}#position"));
            assert_eq!(d["references"][1], format!("sat/{o}#position"));
            (s.to_string(), o, d["availability"].as_str().unwrap().to_string())
        })
        .collect();
    got.sort();
    assert!(expected.len() > 100);
    assert_eq!(got, expected);

    // Satellite positions (Earth-fixed) have the radius and z of the OEM's TEME truth (a rotation
    // about z; the OEM is checked against an independent SGP4 propagation above), to the millimetre
    // the CZML is rounded to.
    let (catnr, sat) = sats.iter().next().unwrap();
    assert_eq!(sat["frame"], "FIXED");
    let samples = sat["samples"].as_array().unwrap();
    let seconds: Vec<i64> = samples.iter().map(|s| s[0].as_i64().unwrap()).collect();
    assert_eq!(&seconds[..3], [0, 300, 600]);
    let oem = out.path().join("one.oem");
    export(dir, &oem, &["--format", "oem", "--objects", catnr, "--step-s", "300"]);
    let [doc_oem, _] = read_ndm(&oem).unwrap();
    let states = doc_oem["segments"][0]["states"].as_array().unwrap().clone();
    assert_eq!(states.len(), samples.len());
    for (s, st) in samples.iter().zip(&states) {
        let p: Vec<f64> = (1..4).map(|k| s[k].as_f64().unwrap() / 1000.0).collect();
        let r: Vec<f64> = (1..4).map(|k| st[k].as_f64().unwrap()).collect();
        let radius = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
        let r_ref = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
        assert!((radius - r_ref).abs() < 2e-6, "radius at {}: {radius} vs {r_ref}", s[0]);
        assert!((p[2] - r[2]).abs() < 2e-6);
    }

    // A nation's view: its sensors and its detections only.
    let jpn = out.path().join("jpn.czml");
    export(dir, &jpn, &["--format", "czml", "--view", "JPN", "--max-objects", "10"]);
    let doc = read_with("py", "read_czml.py", &[jpn.to_str().unwrap()]).unwrap();
    assert_eq!(doc["kinds"]["nation"], 1);
    assert!(
        doc["sensors"]
            .as_object()
            .unwrap()
            .values()
            .all(|s| s["nation"] == "JPN")
    );
    let dets = doc["detections"].as_array().unwrap();
    assert!(!dets.is_empty() && dets.iter().all(|d| d["nation"] == "JPN"));
}

#[test]
fn export_refuses_to_overwrite_and_names_unknown_nations() {
    let dir = run_dir();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("d.tdm");
    export(dir, &file, &["--format", "tdm"]);
    let first = std::fs::read(&file).unwrap();
    let again = sentinel(&[
        "export",
        dir.to_str().unwrap(),
        "--format",
        "tdm",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("pass --force"));
    export(dir, &file, &["--format", "tdm", "--force"]);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        first,
        "the same log exports the same bytes"
    );
    let bad = sentinel(&[
        "export",
        dir.to_str().unwrap(),
        "--format",
        "tdm",
        "--view",
        "FRA",
        "--out",
        "-",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("no nation `FRA` (nations: JPN, USA)"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let bad = sentinel(&[
        "export",
        dir.to_str().unwrap(),
        "--format",
        "oem",
        "--objects",
        "99999",
        "--out",
        "-",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("99999 is not an object of this run"));
}

#[test]
fn oem_segments_break_at_manoeuvres_and_follow_launches_and_reentries() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gi");
    run_ok(&repo().join("scenarios/gs-injects.ron"), &dir, &["--quiet"]);
    let file = tmp.path().join("t.oem");
    // ISS-REBOOST at 13:00, H3-LAUNCH (99001) at 14:00, PROGRESS-DEORBIT (68319) at 17:00.
    export(
        &dir,
        &file,
        &["--format", "oem", "--objects", "25544,68319,99001", "--step-s", "600"],
    );
    let Some(docs) = read_ndm(&file) else { return };
    for doc in &docs {
        let spans: Vec<(String, String, String)> = doc["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let st = s["states"].as_array().unwrap();
                (
                    s["object_id"].as_str().unwrap().to_string(),
                    st[0][0].as_str().unwrap().to_string(),
                    st[st.len() - 1][0].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let span = |o: &str, a: &str, b: &str| {
            (
                o.to_string(),
                format!("2026-05-30T{a}.000"),
                format!("2026-05-30T{b}.000"),
            )
        };
        assert_eq!(
            spans,
            [
                span("25544", "12:00:00", "12:59:50"),
                span("25544", "13:00:00", "23:59:50"),
                span("68319", "12:00:00", "16:59:50"),
                span("99001", "14:00:00", "23:59:50"),
            ]
        );
    }
}
