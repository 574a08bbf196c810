//! `sentinel screen`: close approaches among a catalog's objects. The search itself is checked
//! against a brute-force search in `engine/tests/screen.rs`; here, the command: its JSON, that
//! `--primaries` keeps exactly the approaches of those objects, and bad input.

use serde_json::Value;

use crate::util::sentinel;

fn screen(extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "screen",
        "scenarios/data/celestrak-stations-2026-05-30.tle",
        "--json",
        "--hours",
        "6",
    ];
    args.extend_from_slice(extra);
    let o = sentinel(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice::<Vec<Value>>(&o.stdout).unwrap()
}

#[test]
fn screen_lists_close_approaches_and_primaries_select_them() {
    let all = screen(&["--threshold-km", "50"]);
    assert!(!all.is_empty());
    for a in &all {
        let (x, y) = (a["objects"][0].as_u64().unwrap(), a["objects"][1].as_u64().unwrap());
        assert!(x < y, "{a}");
        let miss = a["miss_km"].as_f64().unwrap();
        assert!((0.0..=50.0).contains(&miss), "{a}");
        assert!(a["tca"].as_str().unwrap().starts_with("2026-05-30T"), "{a}");
    }
    // Sorted by time.
    let times: Vec<&str> = all.iter().map(|a| a["tca"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let iss = screen(&["--threshold-km", "50", "--primaries", "25544"]);
    let expect: Vec<&Value> = all
        .iter()
        .filter(|a| a["objects"][0] == 25544 || a["objects"][1] == 25544)
        .collect();
    assert_eq!(iss.iter().collect::<Vec<_>>(), expect);
}

#[test]
fn screen_refuses_bad_arguments_and_catalogs() {
    let o = sentinel(&[
        "screen",
        "scenarios/data/celestrak-stations-2026-05-30.tle",
        "--hours",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--hours 0 is outside"));
    let o = sentinel(&[
        "screen",
        "scenarios/data/celestrak-stations-2026-05-30.tle",
        "--primaries",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--primaries: [1] not in"));
    let o = sentinel(&["screen", "tests/data/bad/broken.tle"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("tests/data/bad/broken.tle:"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A file holding two element sets of one object screens the object once (the later set), never
/// against itself.
#[test]
fn screen_takes_one_element_set_per_object() {
    let text =
        std::fs::read_to_string(crate::util::repo().join("scenarios/data/celestrak-stations-2026-05-30.tle")).unwrap();
    let first: Vec<&str> = text.lines().take(3).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twice.tle");
    std::fs::write(&path, format!("{text}\n{}\n", first.join("\n"))).unwrap();
    let o = sentinel(&[
        "screen",
        path.to_str().unwrap(),
        "--json",
        "--hours",
        "2",
        "--threshold-km",
        "50",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 element sets repeat an object"));
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert!(rows.iter().all(|r| r["objects"][0] != r["objects"][1]));
}
