//! `sentinel export`: CCSDS TDM, OEM and OMM read back by two independent PyPI readers (ccsds-ndm and
//! ccsds-ndm-py), CZML validated by czml3, and every value compared with the event log, with an
//! SGP4 propagation done here, outside the simulation, or (OMM) with the catalog the engine computes
//! in this process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use crate::util::{quick_look, read_ndm, read_with, repo, run_ok, sentinel};

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

/// The detections of the log as TDM observations (sensor, object, epoch, keyword, value). For a
/// nation, the object is named by the entry the nation's track holding the detection associated
/// with (`UCT` for none), never by the object itself.
fn expected_observations(events: &[Value], nation: Option<&str>) -> Vec<Observation> {
    let mut v = Vec::new();
    let named = |e: &Value| -> String {
        if nation.is_none() {
            return e["object"].to_string();
        }
        let tick = e["tick"].as_u64().unwrap();
        events
            .iter()
            .find(|t| {
                t["kind"] == "track"
                    && t["sensor"] == e["sensor"]
                    && t["object"] == e["object"]
                    && (t["first_tick"].as_u64().unwrap()..=t["last_tick"].as_u64().unwrap()).contains(&tick)
            })
            .and_then(|t| t["entry"].as_u64())
            .map_or_else(|| "UCT".to_string(), |o| o.to_string())
    };
    for e in events.iter().filter(|e| e["kind"] == "detection") {
        if nation.is_some_and(|n| e["nation"] != n) {
            continue;
        }
        let name = named(e);
        let key = |k: &str, x: &Value| {
            (
                e["sensor"].as_str().unwrap().to_string(),
                name.clone(),
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
    export(
        dir,
        &jpn,
        &[
            "--format",
            "czml",
            "--view",
            "JPN",
            "--max-objects",
            "10",
            "--step-s",
            "300",
        ],
    );
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
    // It holds no truth: its satellites are JPN's catalog predictions of the entries its tracks
    // associated with (lines join the sensor to that entry), close to the truth (its catalog is
    // accurate to kilometres) but not on it.
    let named: std::collections::BTreeSet<String> = std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == "track" && v["nation"] == "JPN")
        .filter_map(|v| v["entry"].as_u64().map(|e| e.to_string()))
        .collect();
    let believed = doc["satellites"].as_object().unwrap();
    assert_eq!(believed.len(), 10);
    assert!(believed.keys().all(|k| named.contains(k)), "{:?}", believed.keys());
    assert!(dets.iter().all(|d| believed.contains_key(&d["object"].to_string())));
    let truth_file = out.path().join("jpn-truth.czml");
    let list = believed.keys().cloned().collect::<Vec<_>>().join(",");
    export(
        dir,
        &truth_file,
        &["--format", "czml", "--objects", &list, "--step-s", "300"],
    );
    let truth = read_with("py", "read_czml.py", &[truth_file.to_str().unwrap()]).unwrap();
    let mut misses = Vec::new();
    for (k, b) in believed {
        let t = &truth["satellites"][k]["samples"];
        let at: BTreeMap<String, &Value> = t.as_array().unwrap().iter().map(|s| (s[0].to_string(), s)).collect();
        for s in b["samples"].as_array().unwrap() {
            let r = at[&s[0].to_string()];
            let d2: f64 = (1..4)
                .map(|i| (s[i].as_f64().unwrap() - r[i].as_f64().unwrap()).powi(2))
                .sum();
            misses.push(d2.sqrt() / 1000.0);
        }
    }
    let worst = misses.iter().copied().fold(0.0, f64::max);
    let moved = misses.iter().filter(|&&m| m > 0.001).count();
    println!(
        "JPN's predictions vs truth: {} samples, worst {worst:.3} km",
        misses.len()
    );
    assert!(
        worst < 50.0 && moved * 2 > misses.len(),
        "worst {worst} km, {moved} of {}",
        misses.len()
    );
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

/// Reads files of the repository for [`sentinel_engine::load_scenario`].
struct DirLoader(PathBuf);

impl sentinel_engine::SourceLoader for DirLoader {
    fn load(&mut self, rel: &str) -> Result<sentinel_engine::SourceFile, String> {
        let p = self.0.join(rel);
        std::fs::read_to_string(&p)
            .map(|t| sentinel_engine::SourceFile::new(p.display().to_string(), t))
            .map_err(|e| e.to_string())
    }
}

/// The quick-look scenario run in this process to its end with its seed: a nation's catalog and
/// the names of its objects.
fn catalog_in_process(nation: &str) -> (Vec<sentinel_engine::exchange::CatalogEstimate>, BTreeMap<u32, String>) {
    let path = quick_look();
    let src = sentinel_engine::SourceFile::new(path.display().to_string(), std::fs::read_to_string(&path).unwrap());
    let scenario =
        sentinel_engine::load_scenario(&src, &mut DirLoader(path.parent().unwrap().to_path_buf())).expect("loads");
    let mut sim = sentinel_engine::Sim::new(&scenario, scenario.seed, sentinel_engine::SimOptions::default());
    while !sim.is_done() {
        sim.step();
    }
    let mut catalog = sim.nation_catalog(nation).expect("a nation of the scenario");
    catalog.sort_by_key(|e| e.object);
    let names = catalog
        .iter()
        .map(|e| (e.object, sim.object_info(e.object).unwrap().name))
        .collect();
    (catalog, names)
}

/// `a` and `b` equal to within 2 ulp (the readers print the shortest text of the value; serde_json's
/// default parser may be one ulp off).
fn same(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 4.5e-16 * a.abs().max(b.abs())
}

/// Lower-triangle terms of a 6x6 matrix in CCSDS order (CX_X, CY_X, CY_Y, ...).
fn lower(c: &[[f64; 6]; 6]) -> Vec<f64> {
    (0..6).flat_map(|i| (0..=i).map(move |j| c[i][j])).collect()
}

/// Cholesky factorisation succeeds with positive pivots: the matrix is positive definite.
fn positive_definite(m: &[[f64; 6]; 6]) -> bool {
    let mut l = [[0.0f64; 6]; 6];
    for i in 0..6 {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = m[i][i] - s;
                if d <= 0.0 {
                    return false;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - s) / l[j][j];
            }
        }
    }
    true
}

/// A tick of the quick-look run as a CCSDS epoch (10 s ticks from 12:00).
fn tick_epoch(tick: u64) -> String {
    let s = tick * 10;
    format!("2026-05-30T{:02}:{:02}:{:02}.000", 12 + s / 3600, s / 60 % 60, s % 60)
}

#[test]
fn omm_kvn_and_xml_read_back_by_two_readers_equal_the_catalog_computed_in_process() {
    let dir = run_dir();
    let out = tempfile::tempdir().unwrap();
    let (catalog, names) = catalog_in_process("JPN");
    assert!(catalog.len() > 20, "JPN catalogues enough to test: {}", catalog.len());
    let refined = catalog.iter().filter(|e| e.observations > 0).count();
    assert!(refined > 5, "some entries are refined by measurements: {refined}");
    let ids: Vec<String> = catalog.iter().map(|e| e.object.to_string()).collect();
    for (format, name) in [("omm", "jpn.omm"), ("omm-xml", "jpn.omm.xml")] {
        let path = out.path().join(name);
        export(dir, &path, &["--format", format, "--nation", "JPN"]);
        if format == "omm" {
            let mut files: Vec<String> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            files.sort_by_key(|f| f.trim_end_matches(".omm").parse::<u32>().unwrap());
            let expected: Vec<String> = ids.iter().map(|i| format!("{i}.omm")).collect();
            assert_eq!(files, expected, "one KVN file per catalogued object");
        }
        let Some(docs) = read_ndm(&path) else { return };
        for doc in &docs {
            assert_eq!(doc["type"], "omm");
            let mut msgs: Vec<&Value> = doc["messages"].as_array().unwrap().iter().collect();
            msgs.sort_by_key(|m| m["object_id"].as_str().unwrap().parse::<u32>().unwrap());
            let got: Vec<&str> = msgs.iter().map(|m| m["object_id"].as_str().unwrap()).collect();
            assert_eq!(got, ids, "{format}: every catalogued entry, once");
            for (m, e) in msgs.iter().zip(&catalog) {
                let what = format!("{format} {}", e.object);
                assert_eq!(m["version"], "3.0");
                assert_eq!(m["originator"], "JPN");
                assert_eq!(m["creation_date"], "2026-05-30T15:00:00.000");
                assert_eq!(m["object_name"], names[&e.object].as_str());
                for (k, v) in [
                    ("center_name", "EARTH"),
                    ("ref_frame", "TEME"),
                    ("time_system", "UTC"),
                    ("mean_element_theory", "SGP4"),
                    ("cov_ref_frame", "TEME"),
                    ("classification_type", "U"),
                ] {
                    assert_eq!(m[k], v, "{what}: {k}");
                }
                assert_eq!(m["norad_cat_id"], e.object);
                assert_eq!(m["ephemeris_type"], 0);
                let el = &e.elements;
                assert_eq!(m["rev_at_epoch"], el.revolution_number);
                let epoch = chrono::NaiveDateTime::parse_from_str(m["epoch"].as_str().unwrap(), "%Y-%m-%dT%H:%M:%S%.f")
                    .unwrap();
                let dt = (epoch - el.datetime).num_nanoseconds().unwrap().abs();
                assert!(dt < 1000, "{what}: epoch {epoch} vs {} ({dt} ns)", el.datetime);
                for (k, v) in [
                    ("mean_motion", el.mean_motion),
                    ("eccentricity", el.eccentricity),
                    ("inclination", el.inclination),
                    ("ra_of_asc_node", el.right_ascension),
                    ("arg_of_pericenter", el.argument_of_perigee),
                    ("mean_anomaly", el.mean_anomaly),
                    ("bstar", el.drag_term),
                    ("mean_motion_dot", el.mean_motion_dot),
                    ("mean_motion_ddot", el.mean_motion_ddot),
                ] {
                    let x = m[k].as_f64().unwrap();
                    assert!(same(x, v), "{what}: {k} {x} vs {v}");
                }
                // The covariance: the engine's lower triangle, term by term.
                let c = &e.covariance_teme;
                let read: Vec<f64> = m["covariance"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect();
                assert_eq!(read.len(), 21);
                for (k, (&x, v)) in read.iter().zip(lower(c)).enumerate() {
                    assert!(same(x, v), "{what}: covariance term {k}: {x} vs {v}");
                }
                // Symmetric (the engine's upper triangle agrees) and positive definite as read.
                let mut full = [[0.0; 6]; 6];
                let mut it = read.iter();
                for i in 0..6 {
                    for j in 0..=i {
                        let x = *it.next().unwrap();
                        (full[i][j], full[j][i]) = (x, x);
                        let scale = (c[i][i] * c[j][j]).sqrt();
                        assert!(
                            (c[i][j] - c[j][i]).abs() <= 1e-9 * scale,
                            "{what}: not symmetric at ({i},{j})"
                        );
                    }
                }
                assert!(
                    positive_definite(&full),
                    "{what}: covariance not positive definite: {full:?}"
                );
                // Observation span, count and weighted RMS.
                let ud = &m["user_defined"];
                assert_eq!(ud["OBS_USED"], e.observations.to_string(), "{what}");
                assert!(same(ud["WEIGHTED_RMS"].as_str().unwrap().parse().unwrap(), e.wrms));
                assert_eq!(
                    ud["FIRST_OBS_EPOCH"].as_str(),
                    e.first_obs_tick.map(tick_epoch).as_deref()
                );
                assert_eq!(
                    ud["LAST_OBS_EPOCH"].as_str(),
                    e.last_obs_tick.map(tick_epoch).as_deref()
                );
            }
        }
    }

    // A second export is refused without --force (the directory is left as it was), and with
    // --force gives the same bytes.
    let kvn = out.path().join("jpn.omm");
    let before: Vec<(std::ffi::OsString, Vec<u8>)> = dir_contents(&kvn);
    let again = sentinel(&[
        "export",
        dir.to_str().unwrap(),
        "--format",
        "omm",
        "--nation",
        "JPN",
        "--out",
        kvn.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("pass --force"));
    assert_eq!(dir_contents(&kvn), before);
    std::fs::write(kvn.join("1.omm"), "stale").unwrap();
    export(dir, &kvn, &["--format", "omm", "--nation", "JPN", "--force"]);
    assert_eq!(
        dir_contents(&kvn),
        before,
        "the same run exports the same bytes; stale files go"
    );
    let siblings: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(siblings.len(), 2, "no staging directory left: {siblings:?}");
}

fn dir_contents(dir: &Path) -> Vec<(std::ffi::OsString, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn omm_export_needs_a_nation_of_the_run() {
    let dir = run_dir();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("c.omm.xml");
    let run = |extra: &[&str]| {
        let mut a = vec!["export", dir.to_str().unwrap(), "--out", file.to_str().unwrap()];
        a.extend_from_slice(extra);
        let o = sentinel(&a);
        assert_eq!(o.status.code(), Some(2), "{a:?}");
        assert!(!file.exists());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = run(&["--format", "omm-xml"]);
    assert!(
        e.contains("--format omm-xml needs --nation ID") && e.contains("(nations: JPN, USA)"),
        "{e}"
    );
    let e = run(&["--format", "omm-xml", "--nation", "FRA"]);
    assert!(
        e.contains("--nation FRA: the run has no nation `FRA` (nations: JPN, USA)"),
        "{e}"
    );
    let e = run(&["--format", "omm", "--nation", "JPN", "--view", "JPN"]);
    assert!(
        e.contains("--view applies to tdm, tdm-xml, cdm, cdm-xml and czml"),
        "{e}"
    );
    let e = run(&["--format", "tdm", "--nation", "JPN"]);
    assert!(e.contains("--nation applies to omm and omm-xml"), "{e}");
    let o = sentinel(&[
        "export",
        dir.to_str().unwrap(),
        "--format",
        "omm",
        "--nation",
        "JPN",
        "--out",
        "-",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("writes a directory"));
    assert!(o.stdout.is_empty());
}

#[test]
fn omm_export_refuses_a_run_whose_recorded_chain_head_it_does_not_reach() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("run");
    std::fs::create_dir(&copy).unwrap();
    for e in std::fs::read_dir(run_dir()).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), copy.join(e.file_name())).unwrap();
        }
    }
    let manifest = copy.join("manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let head = m["tick_chain_head"].as_str().unwrap().to_string();
    let other = if head.starts_with('0') { "1" } else { "0" };
    m["tick_chain_head"] = Value::from(format!("{other}{}", &head[1..]));
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let out = tmp.path().join("c.omm.xml");
    let o = sentinel(&[
        "export",
        copy.to_str().unwrap(),
        "--format",
        "omm-xml",
        "--nation",
        "JPN",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("does not end where the run's manifest"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!out.exists());
}
