//! Real catalog files in each supported format load completely.

mod common;

use sentinel_engine::{Regime, SimOptions};

fn scenario(catalog: &str, epoch: &str) -> sentinel_engine::Scenario {
    let text = format!(
        r#"Scenario(name: "formats", epoch: "{epoch}", duration_s: 600, tick_s: 10,
           nations: [(id: "X", name: "X")], catalog: [{catalog}])"#
    );
    common::load("formats.ron", &text, ".")
}

#[test]
fn omm_json_tle_and_csv_files_load_every_object() {
    // CelesTrak GNSS group as OMM JSON: 171 objects, MEO 124, GEO 46, HEO 1 (data README).
    let s = scenario(
        r#"File(path: "tests/data/celestrak-gnss-2025-11.omm.json")"#,
        "2025-11-18T00:00:00Z",
    );
    assert_eq!(s.objects.len(), 171);
    let count = |r| s.objects.iter().filter(|o| o.regime == r).count();
    assert_eq!(
        (count(Regime::Meo), count(Regime::Geo), count(Regime::Heo)),
        (124, 46, 1)
    );
    assert!(s.objects.iter().any(|o| o.name.starts_with("QZS")));
    // It runs: no object is lost over ten minutes.
    assert!(!common::jsonl(&s, &common::run(&s, 1, SimOptions::default())).contains("object_lost"));
    // The OMM CSV snapshot: 15,985 objects; the 3LE stations file (CRLF): 25.
    let s = scenario(
        r#"File(path: "scenarios/data/celestrak-active-2026-07.omm.csv")"#,
        "2026-07-10T00:00:00Z",
    );
    assert_eq!(s.objects.len(), 15_985);
    let s = scenario(
        r#"File(path: "scenarios/data/celestrak-stations-2026-05-30.tle")"#,
        "2026-05-30T12:00:00Z",
    );
    assert_eq!(s.objects.len(), 25);
}

/// `infer_owners: true` gives the GNSS constellations their owners from their names (the
/// ownership rules), military where a defence ministry operates them; an override wins; without
/// it nothing is owned.
#[test]
fn owners_are_inferred_from_names_and_an_override_wins() {
    let path = r#"path: "tests/data/celestrak-gnss-2025-11.omm.json""#;
    let plain = scenario(&format!("File({path})"), "2025-11-18T00:00:00Z");
    assert!(plain.objects.iter().all(|o| o.owner.is_none() && !o.military));
    let text = format!(
        r#"Scenario(name: "owners", epoch: "2025-11-18T00:00:00Z", duration_s: 600, tick_s: 10,
           nations: [(id: "X", name: "X")], catalog: [File({path}, infer_owners: true)],
           object_overrides: [(id: 42738, owner: "X")])"#
    );
    let s = common::load("owners.ron", &text, ".");
    let mut by: std::collections::BTreeMap<(String, bool), usize> = Default::default();
    for o in &s.objects {
        *by.entry((o.owner.clone().unwrap_or_default(), o.military)).or_default() += 1;
    }
    println!("{by:?}");
    let of = |owner: &str, military: bool| by.get(&(owner.to_string(), military)).copied().unwrap_or(0);
    assert!(of("USA", true) >= 30, "GPS: {by:?}");
    assert!(of("RUS", true) >= 20, "GLONASS: {by:?}");
    assert!(of("CHN", true) >= 40, "BeiDou: {by:?}");
    assert!(of("EU", false) >= 20, "Galileo: {by:?}");
    assert!(of("JPN", false) >= 3, "QZSS: {by:?}");
    let qzs2 = s.objects.iter().find(|o| o.id == 42738).unwrap();
    assert_eq!(
        (qzs2.name.as_str(), qzs2.owner.as_deref()),
        ("QZS-2 (QZSS/PRN 194)", Some("X"))
    );
}
