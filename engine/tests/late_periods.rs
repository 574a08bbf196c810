//! Periods that end after the run (inject periods, liaison duty periods, tasking windows) are
//! accepted with a positioned warning (they are cut at the run's end); one that begins after the run
//! never takes effect and is warned about too. `T+H:MM` with a one-digit hour is a valid time.

mod common;

use sentinel_engine::{Severity, SourceFile};

const TEXT: &str = r#"Scenario(
    name: "late periods", epoch: "2026-05-30T12:00:00Z", duration_s: 3600, tick_s: 60,
    nations: [(id: "A", name: "A"), (id: "B", name: "B")],
    sensors: [
        (id: "A-R", nation: "A", site: (lat_deg: 35.0, lon_deg: 135.0), kind: Radar(min_elevation_deg: 0.0,
         max_range_km: 5000.0, reference_snr_db: 40.0, reference_range_km: 1000.0, range_sigma_m: 10.0,
         az_sigma_deg: 0.01, el_sigma_deg: 0.01, capacity: 1)),
    ],
    catalog: [File(path: "data/celestrak-stations-2026-05-30.tle")],
    agreements: [(id: "A-B", from: "A", to: "B", products: [Observations], delay_s: 60)],
    liaisons: [(id: "L", home: "B", host: "A", latency_s: 60, messages_per_hour: 10, queue_limit: 5,
        on_duty: [(start: "T+0:10", end: "T+0:50"), (start: "T+0:55", end: "T+2:00"), (start: "T+3:00", end: "T+4:00")])],
    tasking: [(id: "Q", by: "B", object: 25544, to: Nation("A"), at: "T+0:10",
        window: (start: "T+0:10", end: "T+1:30"))],
    injects: [SensorOutage(id: "O", sensor: "A-R", start: "T+0:30", end: "T+01:30:00")],
)"#;

#[test]
fn late_periods_are_warned_at_their_positions() {
    let src = SourceFile::new("late.ron", TEXT);
    let s = match sentinel_engine::load_scenario(&src, &mut common::DirLoader(common::repo().join("scenarios"))) {
        Ok(s) => s,
        Err(d) => panic!("does not load:\n{d}"),
    };
    let got: Vec<(usize, usize, String)> = s
        .warnings
        .0
        .iter()
        .filter(|w| w.severity == Severity::Warning)
        .map(|w| {
            let (l, c) = src.line_col(w.span.start);
            (l, c, w.message.clone())
        })
        .collect();
    let want = [
        (
            12,
            76,
            "a duty period of liaison `L` ends after the run ends (T+1:00:00); it is cut there",
        ),
        (
            12,
            95,
            "a duty period of liaison `L` begins after the run ends (T+1:00:00), so it never takes effect",
        ),
        (
            14,
            40,
            "the window of tasking request `Q` ends after the run ends (T+1:00:00); it is cut there",
        ),
        (
            15,
            74,
            "inject `O` ends after the run ends (T+1:00:00); it is cut there",
        ),
        // And, from the geometry (scenario/reach.rs, given after the others): the ISS does not
        // rise over A's radar in the run's hour (its highest elevation there is -11.9°, python
        // sgp4).
        (
            14,
            17,
            "tasking request `Q`: no sensor of A (1 in all) can observe object 25544 within its window: it is never above the elevation limit, in range and in sector at any tick of it",
        ),
    ];
    let want: Vec<(usize, usize, String)> = want.iter().map(|(l, c, m)| (*l, *c, m.to_string())).collect();
    assert_eq!(got, want);
    // `T+0:10` is ten minutes; the first duty period ends at T+0:50.
    assert_eq!(s.liaisons[0].on_duty.as_ref().unwrap()[0], (600, 3000));
}
