//! `--view NATION`: the log as one nation sees it, and the per-nation summary.

use sha2::{Digest, Sha256};

use crate::util::*;

fn parse(bytes: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Fields computed from the true state (or naming an inject), which no view may hold.
const TRUTH_KEYS: [&str; 8] = [
    "true",
    "true_object",
    "geometry",
    "pd",
    "snr_db",
    "magnitude",
    "max_el_deg",
    "inject",
];

#[test]
fn each_view_holds_only_what_its_nation_saw_or_received() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("run");
    run_ok(&quick_look(), &out, &["--view", "all", "--quiet"]);
    let m: serde_json::Value = serde_json::from_slice(&read(&out, "manifest.json")).unwrap();
    let events = parse(&read(&out, "events.jsonl"));
    let summary: serde_json::Value = serde_json::from_slice(&read(&out, "nations.json")).unwrap();
    let views = m["views"].as_array().unwrap();
    assert_eq!(views.len(), 2);
    for (v, nation) in views.iter().zip(["JPN", "USA"]) {
        assert_eq!(v["nation"], nation);
        let bytes = read(&out, v["file"].as_str().unwrap());
        let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(v["sha256"], hex);
        let view = parse(&bytes);
        assert_eq!(v["lines"], view.len());
        let (mut own, mut received) = (0, 0);
        for e in &view {
            for key in TRUTH_KEYS {
                assert!(e.get(key).is_none(), "truth in a view: {e}");
            }
            match e["kind"].as_str().unwrap() {
                "object_lost" | "inject" | "inject_end" | "custody" | "cross_tag" | "breakup_detected"
                | "access_start" | "access_end" | "missed" => {
                    panic!("truth event in a view: {e}")
                }
                "track" => {
                    assert_eq!(e["nation"], nation);
                    assert!(e.get("object").is_none(), "a track names its true object: {e}");
                }
                "catalog_update" => assert_eq!(e["nation"], nation),
                "detection" => {
                    assert_eq!(e["nation"], nation);
                    assert!(e.get("object").is_none(), "a detection names its true object: {e}");
                    own += 1;
                }
                "share_delivered" => {
                    assert_eq!(e["to"], nation);
                    received += 1;
                    // It arrived no earlier than it was sent.
                    assert!(e["tick"].as_u64() >= e["sent_tick"].as_u64());
                }
                "share_sent" | "share_denied" | "share_degraded" | "share_dropped" | "share_delayed" => {
                    assert_eq!(e["from"], nation)
                }
                k if k.starts_with("tasking_") => assert!(
                    e["requester"] == nation || e["provider"] == nation || e["decided_by"] == nation,
                    "{e}"
                ),
                _ => {}
            }
        }
        assert!(
            own > 0 && received > 0,
            "{nation}: {own} own detections, {received} received"
        );
        // The summary agrees with the log.
        let count = |kind: &str, field: &str| {
            events
                .iter()
                .filter(|e| e["kind"] == kind && e[field] == nation)
                .count()
        };
        assert_eq!(summary[nation]["detections"], count("detection", "nation"));
        assert_eq!(summary[nation]["products_received"], count("share_delivered", "to"));
        assert_eq!(summary[nation]["products_shared"], count("share_sent", "from"));
        assert_eq!(
            summary[nation]["requests_made"],
            count("tasking_requested", "requester")
        );
        // Every line of the view is a line of the full log with its truth removed.
        let full: std::collections::BTreeSet<String> = events
            .iter()
            .map(|e| {
                let mut e = e.clone();
                let sensed = e["kind"] == "detection" || e["kind"] == "track";
                let o = e.as_object_mut().unwrap();
                for key in TRUTH_KEYS {
                    o.remove(key);
                }
                // What a sensor detected is known only through association.
                if sensed {
                    o.remove("object");
                }
                e.to_string()
            })
            .collect();
        assert!(view.iter().all(|e| full.contains(&e.to_string())));
    }
}

#[test]
fn an_unknown_view_nation_is_an_error() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("run");
    let o = sentinel(&[
        "run",
        quick_look().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--view",
        "FRA",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no nation `FRA`") && err.contains("JPN, USA"), "{err}");
    assert!(!out.exists());
}
