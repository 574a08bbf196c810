//! Same scenario + same seed = the same bytes, whatever the thread count or input order.

use crate::util::*;

#[test]
fn same_seed_twice_gives_identical_bytes() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    run_ok(&quick_look(), &a, &["--threads", "2"]);
    run_ok(&quick_look(), &b, &["--threads", "2"]);
    let events = read(&a, "events.jsonl");
    assert!(
        events.len() > 100_000,
        "the run produced a real log ({} bytes)",
        events.len()
    );
    assert_eq!(events, read(&b, "events.jsonl"));
    assert_eq!(read(&a, "manifest.json"), read(&b, "manifest.json"));
}

#[test]
fn one_thread_and_two_threads_give_identical_bytes() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("t1"), t.path().join("t2"));
    run_ok(&quick_look(), &a, &["--threads", "1"]);
    run_ok(&quick_look(), &b, &["--threads", "2"]);
    assert_eq!(read(&a, "events.jsonl"), read(&b, "events.jsonl"));
    assert_eq!(read(&a, "manifest.json"), read(&b, "manifest.json"));
}

/// Reorders the element sets of a 3-line TLE file (reversed, then rotated by a third).
fn shuffle_tle(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut sets: Vec<String> = lines.chunks(3).map(|c| c.join("\n")).collect();
    sets.reverse();
    let third = sets.len() / 3;
    sets.rotate_left(third);
    sets.join("\n") + "\n"
}

#[test]
fn input_order_does_not_change_the_log() {
    // The same exercise with nations, sensors and catalog sources listed in another order, and the
    // element sets inside each catalog file shuffled.
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for f in ["celestrak-stations-2026-05-30.tle", "celestrak-geo-2026-05-30.tle"] {
        let text = std::fs::read_to_string(repo().join("scenarios/data").join(f)).unwrap();
        let shuffled = shuffle_tle(&text);
        assert_ne!(shuffled.lines().nth(1), text.lines().nth(1), "{f} was reordered");
        std::fs::write(data.join(f), shuffled).unwrap();
    }
    let scenario = t.path().join("reordered.ron");
    std::fs::copy(repo().join("tests/data/quick-look-reordered.ron"), &scenario).unwrap();
    let (a, b) = (t.path().join("orig"), t.path().join("reordered"));
    run_ok(&quick_look(), &a, &[]);
    run_ok(&scenario, &b, &[]);
    assert_eq!(read(&a, "events.jsonl"), read(&b, "events.jsonl"));
}

#[test]
fn a_different_seed_changes_detections_but_not_geometry() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("s7"), t.path().join("s8"));
    run_ok(&quick_look(), &a, &["--seed", "7"]);
    let o = run_ok(&quick_look(), &b, &["--seed", "8"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("seed 8"),
        "the seed is printed"
    );
    let (ea, eb) = (read(&a, "events.jsonl"), read(&b, "events.jsonl"));
    // Radar passes are geometry: identical. A telescope's also depend on its site's weather,
    // which is drawn from the seed.
    let radar = |lines: Vec<String>| -> Vec<String> {
        lines
            .into_iter()
            .filter(|l| l.contains("\"sensor\":\"US-EGLIN\"") || l.contains("\"sensor\":\"JP-SANYO-ONODA\""))
            .collect()
    };
    for kind in ["access_start", "access_end"] {
        let (x, y) = (radar(lines_of_kind(&ea, kind)), radar(lines_of_kind(&eb, kind)));
        assert!(!x.is_empty());
        if kind == "access_start" {
            assert_eq!(x, y, "{kind} events of radars do not depend on the seed");
        }
    }
    let (wa, wb) = (lines_of_kind(&ea, "weather"), lines_of_kind(&eb, "weather"));
    assert!(!wa.is_empty() && wa != wb, "the weather is drawn from the seed");
    // Detections draw noise and chance from the seed: different.
    let (da, db) = (lines_of_kind(&ea, "detection"), lines_of_kind(&eb, "detection"));
    assert!(da.len() > 1000 && db.len() > 1000);
    assert_ne!(da, db);
    let manifest: serde_json::Value = serde_json::from_slice(&read(&b, "manifest.json")).unwrap();
    assert_eq!(manifest["seed"], 8);
}

#[test]
fn the_determinism_self_check_compares_every_tick() {
    let t = tempfile::tempdir().unwrap();
    let o = run_ok(
        &quick_look(),
        &t.path().join("run"),
        &["--check-determinism", "--threads", "2"],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("determinism check passed: all 1080 ticks identical"),
        "{stdout}"
    );
    assert!(stdout.contains("seed 7"));
}
