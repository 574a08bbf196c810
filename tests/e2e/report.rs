//! `sentinel report`: the scorecard's numbers, its files, and what a liaison changes.

use crate::util::*;

fn scorecard(scenario: &std::path::Path, dir: &std::path::Path) -> (serde_json::Value, String) {
    run_ok(scenario, dir, &["--quiet"]);
    let o = sentinel(&["report", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&read(dir, "report.json")).unwrap();
    (json, String::from_utf8_lossy(&o.stdout).to_string())
}

#[test]
fn a_liaison_shortens_the_partners_time_to_learn_of_a_manoeuvre() {
    let t = tempfile::tempdir().unwrap();
    let with = repo().join("tests/data/liaison-manoeuvre.ron");
    let text = std::fs::read_to_string(&with).unwrap();
    let without = t.path().join("no-liaison.ron");
    let cut: String = text
        .lines()
        .filter(|l| !l.contains("B-LNO"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&without, cut).unwrap();
    let (a, a_text) = scorecard(&with, &t.path().join("with"));
    let (b, _) = scorecard(&without, &t.path().join("without"));
    let times = |r: &serde_json::Value, nation: &str, what: &str| r["injects"][0]["by_nation"][nation][what].as_u64();
    // A sees it itself, the same way in both runs.
    assert_eq!(a["injects"][0]["inject"], "M1");
    assert!(times(&a, "A", "catalogued_s").is_some());
    assert_eq!(times(&a, "A", "catalogued_s"), times(&b, "A", "catalogued_s"));
    // B hears of it through A's products: 120 s through the liaison, 2 h through the agreement.
    let (told_liaison, told_agreement) = (times(&a, "B", "told_s").unwrap(), times(&b, "B", "told_s").unwrap());
    let (cat_liaison, cat_agreement) = (
        times(&a, "B", "catalogued_s").unwrap(),
        times(&b, "B", "catalogued_s").unwrap(),
    );
    assert!(
        told_liaison + 3600 < told_agreement,
        "{told_liaison} vs {told_agreement}"
    );
    assert_eq!(
        cat_agreement - cat_liaison,
        7200 - 120,
        "the difference is the channel's delay"
    );
    // The table shows the same numbers as report.json.
    let line = a_text
        .lines()
        .find(|l| l.trim_start().starts_with("B ") && l.contains("catalogued"))
        .unwrap();
    assert!(line.contains(&format!("{:.1}", cat_liaison as f64 / 60.0)), "{line}");
    let det = a["nations"]["A"]["detections"].as_u64().unwrap();
    assert!(
        a_text
            .lines()
            .any(|l| l.starts_with("A ") && l.contains(&det.to_string()))
    );
    // Charts: one custody line per nation plus the coalition, and one row per inject.
    let custody = String::from_utf8(read(&t.path().join("with"), "charts/custody.svg")).unwrap();
    assert_eq!(custody.matches("<polyline").count(), 3);
    let injects = String::from_utf8(read(&t.path().join("with"), "charts/injects.svg")).unwrap();
    assert!(injects.contains("M1 (manoeuvre)"));
}

#[test]
fn a_report_is_not_overwritten_without_force() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("run");
    scorecard(&repo().join("tests/data/liaison-manoeuvre.ron"), &dir);
    let before = read(&dir, "report.json");
    let o = sentinel(&["report", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    let o = sentinel(&["report", dir.to_str().unwrap(), "--force"]);
    assert!(o.status.success());
    assert_eq!(read(&dir, "report.json"), before, "the same run gives the same report");
    let o = sentinel(&["report", t.path().join("nothing").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}
