//! Belief from measurements: what a nation receives changes how accurate its catalog is.

mod common;

use sentinel_engine::{Event, SimOptions};

/// JPN's median LEO position error at the last custody sample of `gs-injects` with its
/// `USA-to-JPN` agreement replaced by `agreement` (None: removed).
fn jpn_median_leo_km(agreement: Option<&str>) -> f64 {
    let text = std::fs::read_to_string(common::repo().join("scenarios/gs-injects.ron")).unwrap();
    let shipped =
        r#"(id: "USA-to-JPN", from: "USA", to: "JPN", products: [Observations, TaskingSupport], delay_s: 7200),"#;
    assert!(text.contains(shipped));
    let text = text.replace(shipped, agreement.unwrap_or(""));
    let s = common::load("gs-injects.ron", &text, "scenarios");
    let records = common::run(&s, 2024, SimOptions::default());
    let last = records
        .iter()
        .rev()
        .find_map(|r| match &r.event {
            Event::Custody {
                scope: "nation",
                id,
                accuracy: Some(a),
                ..
            } if &**id == "JPN" => Some(a.clone()),
            _ => None,
        })
        .expect("a JPN custody sample");
    last["LEO"].median_km
}

#[test]
fn sharing_observations_improves_and_degrading_them_worsens_a_nations_catalog() {
    let shipped =
        r#"(id: "USA-to-JPN", from: "USA", to: "JPN", products: [Observations, TaskingSupport], delay_s: 7200),"#;
    // Noise ten times the US radars' stated sigmas (0.01 deg, 10-15 m).
    let degraded = r#"(id: "USA-to-JPN", from: "USA", to: "JPN", products: [Observations, TaskingSupport], delay_s: 7200,
        rules: [Degrade(id: "x10", angle_noise_deg: 0.1, range_noise_m: 150.0)]),"#;
    let none = jpn_median_leo_km(None);
    let shared = jpn_median_leo_km(Some(shipped));
    let worse = jpn_median_leo_km(Some(degraded));
    println!(
        "JPN median LEO error: no US observations {none:.3} km, shared {shared:.3} km, degraded x10 {worse:.3} km"
    );
    assert!(
        shared < none,
        "sharing observations should lower JPN's error: {shared} vs {none}"
    );
    assert!(worse > shared, "degrading them should raise it: {worse} vs {shared}");
}
