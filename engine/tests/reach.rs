//! Warnings the geometry gives once a scenario is valid (`engine/src/scenario/reach.rs`): a tasking
//! request that no sensor it is sent to can observe within its window, and a sensor that can never
//! see any object of the run; each at its position, and never for what can happen.

use sentinel_engine::SourceFile;

mod common;

const TEXT: &str = r#"Scenario(
    name: "reach", epoch: "2026-05-30T12:00:00Z", duration_s: 21600, tick_s: 60,
    nations: [(id: "A", name: "A"), (id: "B", name: "B")],
    sensors: [
        (id: "POLAR", nation: "A", site: (lat_deg: 85.0, lon_deg: 0.0, alt_m: 0.0),
         kind: Radar(min_elevation_deg: 10.0, max_range_km: 1500.0, reference_snr_db: 40.0,
             reference_range_km: 1000.0, range_sigma_m: 25.0, az_sigma_deg: 0.03, el_sigma_deg: 0.03, capacity: 2)),
        (id: "FYL", nation: "B", site: (lat_deg: 54.37, lon_deg: -0.67, alt_m: 300.0),
         kind: Radar(min_elevation_deg: 5.0, max_range_km: 5000.0, reference_snr_db: 40.0,
             reference_range_km: 1000.0, range_sigma_m: 25.0, az_sigma_deg: 0.03, el_sigma_deg: 0.03, capacity: 2)),
    ],
    catalog: [
        Tle(lines: [
            "ISS (ZARYA)",
            "1 25544U 98067A   26150.51748228  .00011776  00000+0  21767-3 0  9998",
            "2 25544  51.6337  27.5746 0007245 114.7080 245.4664 15.49496548569014",
        ]),
        Tle(lines: [
            "HIMAWARI-9",
            "1 41836U 16064A   26150.53104345  .00000000  00000+0  00000+0 0  9996",
            "2 41836   0.0200  86.7392 0001408  29.1461 104.1064  1.00269078 35037",
        ]),
    ],
    tasking: [
        (id: "R1", by: "B", object: 25544, to: Nation("A"), window: (start: "T+01:00", end: "T+03:00")),
        (id: "R2", by: "A", object: 25544, to: Sensor("FYL"), window: (start: "T+00:00", end: "T+06:00")),
        (id: "R3", by: "A", object: 41836, to: Sensor("FYL"), window: (start: "T+00:00", end: "T+06:00")),
    ],
)"#;

/// Loads `text` and returns its warnings as (line, column, message).
fn warnings(text: &str) -> Vec<(usize, usize, String)> {
    let src = SourceFile::new("reach.ron", text);
    let s = match sentinel_engine::load_scenario(&src, &mut common::MemLoader::default()) {
        Ok(s) => s,
        Err(d) => panic!("does not load:\n{d}"),
    };
    s.warnings
        .0
        .iter()
        .map(|w| {
            let (l, c) = src.line_col(w.span.start);
            (l, c, w.message.clone())
        })
        .collect()
}

/// A's only sensor, a short-range radar near the pole, never sees the ISS (51.6°) nor GEO:
/// request R1 to A and the sensor itself are warned; the Fylingdales-like radar sees the ISS
/// within six hours (R2, no warning) but never HIMAWARI-9 over the Pacific (R3).
#[test]
fn unobservable_requests_and_blind_sensors_are_warned_at_their_positions() {
    let got = warnings(TEXT);
    for w in &got {
        println!("{}:{}: {}", w.0, w.1, w.2);
    }
    let at: Vec<(usize, usize)> = got.iter().map(|w| (w.0, w.1)).collect();
    assert_eq!(at, vec![(25, 69), (27, 71), (5, 14)], "{got:?}");
    assert!(
        got[0]
            .2
            .contains("tasking request `R1`: no sensor of A (1 in all) can observe object 25544")
    );
    assert!(
        got[1]
            .2
            .contains("tasking request `R3`: sensor FYL cannot observe object 41836")
    );
    assert!(
        got[2]
            .2
            .contains("sensor POLAR can never see any of the run's 2 objects")
    );
    // The simulation's own field of regard agrees: FYL has the ISS in view during R2's window,
    // never HIMAWARI-9, and POLAR nothing.
    let s =
        sentinel_engine::load_scenario(&SourceFile::new("reach.ron", TEXT), &mut common::MemLoader::default()).unwrap();
    let access: std::collections::BTreeSet<(String, u32)> = common::run(&s, 1, sentinel_engine::SimOptions::default())
        .iter()
        .filter_map(|r| match &r.event {
            sentinel_engine::Event::AccessStart { sensor, object, .. } => Some((sensor.to_string(), *object)),
            _ => None,
        })
        .collect();
    assert_eq!(access, [("FYL".to_string(), 25544)].into_iter().collect(), "{access:?}");
}

/// The warnings are geometric, not guesses: moving A's radar to Fylingdales' latitude (and its
/// range out to 5,000 km) makes R1 observable and the sensor useful, and no warning remains but R3.
#[test]
fn a_sensor_that_can_see_the_object_removes_the_warnings() {
    let text =
        TEXT.replace("lat_deg: 85.0", "lat_deg: 54.0")
            .replacen("max_range_km: 1500.0", "max_range_km: 5000.0", 1);
    let got = warnings(&text);
    let at: Vec<(usize, usize)> = got.iter().map(|w| (w.0, w.1)).collect();
    assert_eq!(at, vec![(27, 71)], "{got:?}");
}

/// The request test is bounded: over a three-year run, the first whole-run request for a GEO
/// object (SDP4 integrates from the epoch at every call) spends its budget, and the next is
/// warned as not tested (neither is warned as unobservable).
#[test]
fn the_request_test_stops_at_its_budget_and_says_so() {
    let text = TEXT.replace("duration_s: 21600", "duration_s: 94608000").replace(
        r#"(id: "R1", by: "B", object: 25544, to: Nation("A"), window: (start: "T+01:00", end: "T+03:00")),
        (id: "R2", by: "A", object: 25544, to: Sensor("FYL"), window: (start: "T+00:00", end: "T+06:00")),
        (id: "R3", by: "A", object: 41836, to: Sensor("FYL"), window: (start: "T+00:00", end: "T+06:00")),"#,
        r#"(id: "R1", by: "B", object: 41836, to: Nation("A"), window: (start: "T+00:00", end: "T+26280:00")),
        (id: "R2", by: "B", object: 41836, to: Nation("A"), window: (start: "T+00:00", end: "T+26280:00")),
        (id: "R3", by: "B", object: 41836, to: Nation("A"), window: (start: "T+00:00", end: "T+26280:00")),"#,
    );
    assert!(text.contains("T+26280:00"));
    let start = std::time::Instant::now();
    let got = warnings(&text);
    println!("{got:?} in {:?}", start.elapsed());
    let requests: Vec<&(usize, usize, String)> = got.iter().filter(|w| w.2.contains("tasking request")).collect();
    assert_eq!(requests.len(), 1, "{got:?}");
    assert_eq!((requests[0].0, requests[0].1), (26, 69));
    assert!(
        requests[0].2.contains("`R2` and those after it were not tested"),
        "{}",
        requests[0].2
    );
}
