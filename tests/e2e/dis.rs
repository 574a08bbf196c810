//! DIS output (`sentinel broadcast`): the PDUs a run sends are read back by an independent decoder
//! (PyPI `opendis`, in `tests/tools/dis_listen.py`, listening on loopback) and every position and
//! velocity is compared with SGP4 run here directly on the scenario's element sets (the `sgp4`
//! crate, TEME rotated to Earth-fixed with GMST), not through the engine.
//!
//! DIS never feeds back into a run: the engine has no network input, `broadcast` only sends (it
//! never reads its socket), and the run directory is checked to be byte-identical afterwards.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use sgp4::chrono::{NaiveDate, NaiveDateTime, TimeDelta, Timelike};
use sha2::{Digest, Sha256};

use crate::util;

/// Scenario epoch of `quick-look.ron`.
fn epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 5, 30)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}
const TICK_S: u64 = 10;
const TICKS: u64 = 1080;
/// Earth's rotation rate, rad/s (IERS).
const EARTH_RATE: f64 = 7.292_115_146_706_979e-5;

/// An element set of the scenario's catalog files, read here with the `sgp4` crate.
struct Sat {
    name: String,
    elements: sgp4::Elements,
    constants: sgp4::Constants,
}

/// The quick-look catalog (3LE files), by catalog number.
fn catalog() -> BTreeMap<u32, Sat> {
    let mut out = BTreeMap::new();
    for f in ["celestrak-stations-2026-05-30.tle", "celestrak-geo-2026-05-30.tle"] {
        let text = std::fs::read_to_string(util::repo().join("scenarios/data").join(f)).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        for c in lines.chunks(3) {
            let elements =
                sgp4::Elements::from_tle(Some(c[0].trim().to_string()), c[1].as_bytes(), c[2].as_bytes()).unwrap();
            let constants = sgp4::Constants::from_elements_afspc_compatibility_mode(&elements).unwrap();
            out.insert(
                elements.norad_id as u32,
                Sat {
                    name: c[0].trim().to_string(),
                    elements,
                    constants,
                },
            );
        }
    }
    out
}

/// Earth-fixed position (m) and velocity relative to the rotating Earth (m/s) of a satellite at `t`:
/// SGP4 (AFSPC compatibility mode, as the simulator documents) in TEME, rotated by GMST (IAU-82), v_f = R v - w x r_f.
fn ecef(sat: &Sat, t: NaiveDateTime) -> ([f64; 3], [f64; 3]) {
    let minutes = sat.elements.datetime_to_minutes_since_epoch(&t).unwrap();
    let p = sat.constants.propagate_afspc_compatibility_mode(minutes).unwrap();
    let j2000 = NaiveDate::from_ymd_opt(2000, 1, 1)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap();
    let years = (t - j2000).num_nanoseconds().unwrap() as f64 / 1e9 / (86_400.0 * 365.25);
    let (s, c) = sgp4::iau_epoch_to_sidereal_time(years).sin_cos();
    let rot = |v: [f64; 3]| [c * v[0] + s * v[1], -s * v[0] + c * v[1], v[2]];
    let r = rot(p.position).map(|x| x * 1000.0);
    let v = rot(p.velocity).map(|x| x * 1000.0);
    (r, [v[0] + EARTH_RATE * r[1], v[1] - EARTH_RATE * r[0], v[2]])
}

/// The documented entity id of a catalog number: (site, 1 + (n-1) / 65533, (n-1) % 65533 + 1).
fn entity_id(site: u64, n: u32) -> (u64, u64, u64) {
    (site, 1 + (n as u64 - 1) / 65533, (n as u64 - 1) % 65533 + 1)
}

/// The documented absolute DIS timestamp of a simulated UTC time: units of 3600 s / 2^31 past the
/// hour, shifted left once, with the low bit set (absolute).
fn timestamp(t: NaiveDateTime) -> u64 {
    let ns = u128::from(t.minute() * 60 + t.second()) * 1_000_000_000 + u128::from(t.nanosecond());
    let units = (ns * (1 << 31) + 1_800_000_000_000) / 3_600_000_000_000;
    ((units as u64) << 1) | 1
}

/// SHA-256 of every file of a directory, by name.
fn digests(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = Sha256::digest(std::fs::read(e.path()).unwrap());
            let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
            (e.file_name().to_string_lossy().into_owned(), hex)
        })
        .collect()
}

/// The listener process, killed if the test ends early.
struct Listener {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl Listener {
    fn start(python: &Path, out: PathBuf, count: usize) -> Listener {
        let mut child = Command::new(python)
            .arg(util::repo().join("tests/tools/dis_listen.py"))
            .args(["--port", "0", "--count", &count.to_string(), "--timeout", "10", "--out"])
            .arg(&out)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the DIS listener starts");
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut first)
            .unwrap();
        let port = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the listener printed {first:?}"));
        Listener { child, port, out }
    }

    /// Waits for the listener and returns the decoded PDUs.
    fn finish(mut self) -> Vec<serde_json::Value> {
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the DIS listener failed");
        std::fs::read_to_string(&self.out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn f64s(v: &serde_json::Value) -> [f64; 3] {
    let a = v.as_array().unwrap();
    [a[0].as_f64().unwrap(), a[1].as_f64().unwrap(), a[2].as_f64().unwrap()]
}

fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Runs `sentinel broadcast` to a fresh listener expecting `count` PDUs and returns what it decoded.
fn broadcast(
    python: &Path,
    dir: &Path,
    run: &Path,
    name: &str,
    count: usize,
    extra: &[&str],
) -> Vec<serde_json::Value> {
    let listener = Listener::start(python, dir.join(format!("{name}.jsonl")), count);
    let dest = format!("127.0.0.1:{}", listener.port);
    let mut args = vec![
        "broadcast",
        run.to_str().unwrap(),
        "--dis",
        &dest,
        "--speed",
        "0",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = util::sentinel(&args);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "sentinel {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains(&format!("sent {count} DIS Entity State PDUs")) && stdout.contains("seed 7"),
        "{stdout}"
    );
    let pdus = listener.finish();
    assert_eq!(pdus.len(), count, "PDUs received ({name})");
    pdus
}

#[test]
fn broadcast_sends_the_runs_truth_as_dis_entity_state_pdus() {
    let Some(python) = util::python() else { return };
    let t = tempfile::tempdir().unwrap();
    let run = t.path().join("run");
    util::run_ok(&util::quick_look(), &run, &["--quiet"]);
    let before = digests(&run);

    // Objects detected in the run, read here from the log.
    let detected: BTreeSet<u32> = util::lines_of_kind(&util::read(&run, "events.jsonl"), "detection")
        .iter()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["object"]
                .as_u64()
                .unwrap() as u32
        })
        .collect();
    assert!(detected.len() > 100, "{} objects detected", detected.len());
    let cat = catalog();

    // 1. Default selection (every detected object), one sample every 600 s: 18 samples.
    let samples = TICKS.div_ceil(600 / TICK_S) as usize;
    let pdus = broadcast(
        &python,
        t.path(),
        &run,
        "all",
        detected.len() * samples,
        &["--step-s", "600"],
    );
    let by_id: BTreeMap<(u64, u64, u64), u32> = detected.iter().map(|&n| (entity_id(1, n), n)).collect();
    let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
    let (mut max_pos_err, mut max_vel_err) = (0.0f64, 0.0f64);
    for p in &pdus {
        assert_eq!(p["pdu_type"], 1, "Entity State: {p}");
        assert_eq!(p["protocol_version"], 7, "{p}");
        assert_eq!(p["protocol_family"], 1, "{p}");
        assert_eq!(p["exercise_id"], 1, "{p}");
        assert_eq!(p["length"], 144, "{p}");
        assert_eq!(
            (p["kind"].as_u64(), p["domain"].as_u64()),
            (Some(1), Some(5)),
            "Platform, Space: {p}"
        );
        let id = (
            p["site"].as_u64().unwrap(),
            p["application"].as_u64().unwrap(),
            p["entity"].as_u64().unwrap(),
        );
        let n = *by_id
            .get(&id)
            .unwrap_or_else(|| panic!("entity {id:?} is not a detected object: {p}"));
        let k = seen.entry(n).or_default();
        let when = epoch() + TimeDelta::seconds(*k as i64 * 600);
        *k += 1;
        let sat = &cat[&n];
        let expected_marking: String = sat.name.chars().take(11).collect();
        assert_eq!(p["marking_charset"], 1, "ASCII: {p}");
        assert_eq!(p["marking"], expected_marking.trim_end(), "{p}");
        assert_eq!(p["timestamp"].as_u64(), Some(timestamp(when)), "{p}");
        let (r, v) = ecef(sat, when);
        let (pr, pv) = (f64s(&p["location"]), f64s(&p["velocity"]));
        let d = dist(pr, [0.0; 3]);
        assert!(
            (6_500e3..50_000e3).contains(&d),
            "distance from Earth's centre {d} m: {p}"
        );
        max_pos_err = max_pos_err.max(dist(pr, r));
        max_vel_err = max_vel_err.max(dist(pv, v));
        assert!(dist(pr, r) < 1e-3, "{n} at {when}: location {pr:?}, SGP4 {r:?}");
        assert!(dist(pv, v) < 1e-3, "{n} at {when}: velocity {pv:?}, SGP4 {v:?}");
    }
    assert_eq!(seen.len(), detected.len());
    assert!(seen.values().all(|&k| k == samples), "{samples} samples of each object");
    // Owners from the scenario's overrides: 41836 is Japan's (SISO-REF-010 country 110).
    let jp = pdus.iter().find(|p| p["entity"] == 41836).expect("41836 is detected");
    assert_eq!(jp["country"], 110, "{jp}");
    // Catalog numbers above 65533 go to the next application number.
    assert!(
        pdus.iter().any(|p| p["application"] == 2),
        "66052 and others above 65533"
    );
    eprintln!(
        "dis: {} PDUs; max |location - SGP4| {max_pos_err:.2e} m, max |velocity - SGP4| {max_vel_err:.2e} m/s",
        pdus.len()
    );

    // 2. Chosen objects, another exercise and site, a sample a minute: dead reckoning (FVW, with the
    // acceleration sent) predicts the next sample of the ISS within 1 km.
    let pdus = broadcast(
        &python,
        t.path(),
        &run,
        "chosen",
        2 * (TICKS / (60 / TICK_S)) as usize,
        &["--objects", "66052,25544", "--exercise", "9", "--site", "42"],
    );
    assert!(
        pdus.iter().all(|p| p["exercise_id"] == 9 && p["site"] == 42),
        "exercise and site"
    );
    let ids: Vec<(u64, u64, u64)> = pdus[..2]
        .iter()
        .map(|p| {
            (
                p["site"].as_u64().unwrap(),
                p["application"].as_u64().unwrap(),
                p["entity"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(ids, [entity_id(42, 25544), entity_id(42, 66052)], "catalog order");
    let iss: Vec<_> = pdus.iter().filter(|p| p["entity"] == 25544).collect();
    assert_eq!(iss.len(), (TICKS / (60 / TICK_S)) as usize);
    assert!(
        iss.iter().all(|p| p["country"] == 225),
        "the ISS is owned by USA in quick-look"
    );
    assert!(iss.iter().all(|p| p["marking"] == "ISS (ZARYA)"));
    let mut max_dr_err = 0.0f64;
    for (k, w) in iss.windows(2).enumerate() {
        assert_eq!(w[0]["dr_algorithm"], 5, "DRM FVW");
        let (r, v, a) = (
            f64s(&w[0]["location"]),
            f64s(&w[0]["velocity"]),
            f64s(&w[0]["acceleration"]),
        );
        let dt = 60.0;
        let predicted: Vec<f64> = (0..3).map(|i| r[i] + v[i] * dt + 0.5 * a[i] * dt * dt).collect();
        let next = f64s(&w[1]["location"]);
        let err = dist([predicted[0], predicted[1], predicted[2]], next);
        assert!(err < 1000.0, "sample {k}: dead reckoning misses by {err} m");
        max_dr_err = max_dr_err.max(err);
        let (truth, _) = ecef(&cat[&25544], epoch() + TimeDelta::seconds((k as i64 + 1) * 60));
        assert!(dist(next, truth) < 1e-3);
    }
    eprintln!("dis: ISS dead reckoning over 60 s misses by at most {max_dr_err:.0} m");

    // The run is untouched, and a broadcast is not a run input: nothing in it changed.
    assert_eq!(digests(&run), before, "broadcast changed the run directory");
    let o = util::sentinel(&["verify", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}
