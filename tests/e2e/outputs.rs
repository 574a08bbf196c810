//! The run directory: manifest digests, atomic publication, refusal to overwrite.

use sha2::{Digest, Sha256};

use crate::util::*;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn manifest_describes_the_run_and_its_digests_hold() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("run");
    let o = run_ok(&quick_look(), &out, &[]);
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["events.jsonl", "manifest.json", "nations.json", "ticks.sha256"]);
    // No staging directory is left next to it.
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
    let m: serde_json::Value = serde_json::from_slice(&read(&out, "manifest.json")).unwrap();
    let events = read(&out, "events.jsonl");
    assert_eq!(m["events"]["sha256"], hex(&Sha256::digest(&events)));
    assert_eq!(m["events"]["bytes"], events.len());
    let lines = events.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(m["events"]["lines"], lines);
    let counted: u64 = m["event_counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, lines);
    let nations = read(&out, "nations.json");
    assert_eq!(m["nations_summary"]["sha256"], hex(&Sha256::digest(&nations)));
    assert!(m.get("views").is_none(), "no views unless asked for");
    let chain = read(&out, "ticks.sha256");
    assert_eq!(m["tick_chain"]["sha256"], hex(&Sha256::digest(&chain)));
    assert_eq!(m["tick_chain"]["lines"], 1080);
    let last = String::from_utf8(chain).unwrap().lines().last().unwrap().to_string();
    assert_eq!(last, format!("1079 {}", m["tick_chain_head"].as_str().unwrap()));
    assert_eq!(
        m["scenario_file"]["sha256"],
        hex(&Sha256::digest(std::fs::read(quick_look()).unwrap()))
    );
    let tle = std::fs::read(repo().join("scenarios/data/celestrak-geo-2026-05-30.tle")).unwrap();
    assert!(
        m["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["sha256"] == hex(&Sha256::digest(&tle)))
    );
    assert_eq!(m["ticks"], 1080);
    assert_eq!(m["seed"], 7);
    assert!(m["target"].as_str().unwrap().contains('-') && m["rustc"].as_str().unwrap().starts_with("rustc "));
    // The summary names the ticks, the seed and the output.
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("1080 ticks") && stdout.contains("seed 7"), "{stdout}");
    // Every line is JSON with tick, time and kind, in (tick, kind) order.
    let kinds: Vec<&str> = sentinel_engine::EventKind::ALL.iter().map(|k| k.as_str()).collect();
    let mut last = (0u64, 0usize);
    for line in String::from_utf8_lossy(&events).lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = (
            v["tick"].as_u64().unwrap(),
            kinds.iter().position(|k| v["kind"] == *k).unwrap(),
        );
        assert!(key >= last, "out of order: {line}");
        last = key;
    }
}

#[test]
fn an_existing_output_is_refused_without_force_and_replaced_with_it() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("run");
    run_ok(&quick_look(), &out, &[]);
    let o = sentinel(&[
        "run",
        quick_look().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "9",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    let m: serde_json::Value = serde_json::from_slice(&read(&out, "manifest.json")).unwrap();
    assert_eq!(m["seed"], 7, "nothing was touched");
    run_ok(&quick_look(), &out, &["--force", "--seed", "9"]);
    let m: serde_json::Value = serde_json::from_slice(&read(&out, "manifest.json")).unwrap();
    assert_eq!(m["seed"], 9, "the previous run was replaced");
    // Nothing but the run is left in the parent (no staging or old directories).
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
}

#[test]
fn force_never_deletes_a_directory_that_is_not_a_run() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("notes");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("precious.txt"), "keep me").unwrap();
    let o = sentinel(&[
        "run",
        quick_look().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a Sentinel run directory"));
    assert!(out.join("precious.txt").exists());
    assert_eq!(
        std::fs::read_dir(t.path()).unwrap().count(),
        1,
        "no staging directory is left behind"
    );
}

#[test]
fn a_run_that_loses_every_object_or_has_none_completes() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("lost");
    run_ok(&repo().join("tests/data/all-lost.ron"), &out, &[]);
    let events = read(&out, "events.jsonl");
    assert_eq!(lines_of_kind(&events, "object_lost").len(), 25);
    // Besides the losses, only the nations' custody samples (nothing left to hold).
    let text = String::from_utf8_lossy(&events).to_string();
    let others: Vec<&str> = text
        .lines()
        .filter(|l| !l.contains("\"kind\":\"object_lost\""))
        .collect();
    assert!(
        !others.is_empty()
            && others
                .iter()
                .all(|l| l.contains("\"kind\":\"custody\"") && l.contains("\"in_custody_total\":0")),
        "{others:?}"
    );
    let out = t.path().join("empty");
    let o = run_ok(&repo().join("tests/data/empty-catalog.ron"), &out, &[]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds no element sets"));
    let events = read(&out, "events.jsonl");
    assert!(
        String::from_utf8_lossy(&events)
            .lines()
            .all(|l| l.contains("\"kind\":\"custody\"") && l.contains("\"known_total\":0"))
    );
}

#[test]
fn thread_counts_outside_the_supported_range_are_errors() {
    for n in ["0", "257"] {
        let o = sentinel(&[
            "run",
            quick_look().to_str().unwrap(),
            "--out",
            "/nonexistent/x",
            "--threads",
            n,
        ]);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("--threads must be between 1 and 256"));
    }
}

#[test]
fn check_summarises_the_bundled_scenarios() {
    let o = sentinel(&["check", "scenarios/quick-look.ron"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("objects: 599") && s.contains("LEO 25, GEO 574") && s.contains("1080 ticks"),
        "{s}"
    );
    let o = sentinel(&["check", "scenarios/us-japan-liaison.ron"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("objects: 15985") && s.contains("sensors: 13") && s.contains("8640 ticks"),
        "{s}"
    );
}

#[test]
fn missing_scenario_file_is_an_error_not_a_panic() {
    let o = sentinel(&["run", "no/such/scenario.ron"]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("no/such/scenario.ron") && !e.contains("panicked"), "{e}");
}
