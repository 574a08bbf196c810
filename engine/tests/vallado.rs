//! SGP4 against the Vallado verification set (AFSPC compatibility mode), through the engine's own
//! propagation path: each case is a scenario whose ticks fall on the reference times, run by `Sim`.
//! States must match to 1e-6 km and 1e-9 km/s; the SGP4 errors and Vallado's "decayed" (error 6)
//! must become `object_lost` at the right time.

mod common;

use sentinel_engine::{Event, Sim, SimOptions};

#[derive(serde::Deserialize)]
struct Cases {
    list: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    line1: String,
    line2: String,
    states: Vec<State>,
}

#[derive(serde::Deserialize)]
struct State {
    time: f64,
    position: Option<[f64; 3]>,
    velocity: Option<[f64; 3]>,
    error: Option<String>,
}

/// Vallado's error-6 stops (tcppver.out), which the `sgp4` crate's own cases omit: (catalog number, minutes).
const DECAYS: [(u32, f64); 3] = [(28872, 55.0), (29141, 440.0), (20413, 1_844_345.0)];

/// The reason of the `object_lost` event among a tick's events, if any.
fn lost_reason(events: &[sentinel_engine::Record]) -> Option<String> {
    events.iter().find_map(|r| match &r.event {
        Event::ObjectLost { reason, .. } => Some(reason.clone()),
        _ => None,
    })
}

/// A step of minutes can be a tick when it is a whole number of seconds within the longest tick.
fn whole_seconds(step_min: f64) -> bool {
    let s = step_min * 60.0;
    (s - s.round()).abs() < 1e-6 && s <= sentinel_engine::scenario::MAX_TICK_S as f64
}

fn scenario_for(case: &Case, start_min: f64, step_min: f64, ticks: usize) -> sentinel_engine::Scenario {
    let el = sgp4::Elements::from_tle(None, case.line1.as_bytes(), case.line2.as_bytes()).unwrap();
    let start = el.datetime + chrono::TimeDelta::nanoseconds((start_min * 60e9).round() as i64);
    let tick_s = (step_min * 60.0).round() as u64;
    let text = format!(
        r#"Scenario(name: "vallado", epoch: "{}", duration_s: {}, tick_s: {}, nations: [(id: "X", name: "X")],
           catalog: [Tle(lines: ["{}", "{}"])])"#,
        start.format("%Y-%m-%dT%H:%M:%S%.9f"),
        tick_s * ticks as u64,
        tick_s,
        case.line1,
        case.line2
    );
    common::load("vallado.ron", &text, ".")
}

#[test]
fn vallado_states_errors_and_decays_through_the_sim() {
    let text =
        std::fs::read_to_string(common::repo().join("tests/data/sgp4-verification/sgp4-rs-test_cases.toml")).unwrap();
    let cases: Cases = toml::from_str(&text).unwrap();
    assert_eq!(cases.list.len(), 33);
    let (mut states, mut errors, mut decays) = (0, 0, 0);
    for case in &cases.list {
        let id: u32 = case.line1[2..7].trim().parse().unwrap();
        // Split the reference times into evenly spaced runs; each run is one scenario.
        let mut runs: Vec<Vec<&State>> = Vec::new();
        for s in &case.states {
            match runs.last_mut() {
                Some(r)
                    if s.time > r[r.len() - 1].time
                        && whole_seconds(s.time - r[r.len() - 1].time)
                        && (r.len() == 1
                            || ((s.time - r[r.len() - 1].time) - (r[1].time - r[0].time)).abs() < 1e-9) =>
                {
                    r.push(s)
                }
                _ => runs.push(vec![s]),
            }
        }
        let decay = DECAYS.iter().find(|d| d.0 == id).map(|d| d.1);
        for run in runs {
            let step = if run.len() > 1 { run[1].time - run[0].time } else { 1.0 };
            let last_t = run[run.len() - 1].time;
            // One extra tick where Vallado reports a decay right after the last state.
            let extra = decay.is_some_and(|d| ((d - last_t) - step).abs() < 1e-9);
            let ticks = run.len() + extra as usize;
            let scenario = scenario_for(case, run[0].time, step, ticks);
            let mut sim = Sim::new(&scenario, 0, SimOptions::default());
            for (k, s) in run.iter().enumerate() {
                let events = sim.step();
                let lost = lost_reason(&events);
                match (&s.error, lost) {
                    (Some(want), Some(got)) => {
                        let key = if want.contains("semi-latus") {
                            "semi-latus rectum is negative"
                        } else {
                            "outside the range"
                        };
                        assert!(got.contains(key), "{id} t={}: want {want}, got {got}", s.time);
                        errors += 1;
                        break;
                    }
                    (Some(want), None) => panic!("{id} t={}: expected error `{want}`, object still live", s.time),
                    (None, Some(got)) => panic!("{id} t={} (tick {k}): unexpected loss: {got}", s.time),
                    (None, None) => {
                        let t = sim.truth(id).unwrap();
                        let (p, v) = (s.position.unwrap(), s.velocity.unwrap());
                        for i in 0..3 {
                            assert!(
                                (t.teme_km[i] - p[i]).abs() < 1e-6,
                                "{id} t={} pos[{i}] {} vs {}",
                                s.time,
                                t.teme_km[i],
                                p[i]
                            );
                            assert!(
                                (t.teme_vel_km_s[i] - v[i]).abs() < 1e-9,
                                "{id} t={} vel[{i}] {} vs {}",
                                s.time,
                                t.teme_vel_km_s[i],
                                v[i]
                            );
                        }
                        states += 1;
                    }
                }
            }
            if extra {
                let events = sim.step();
                let reason = lost_reason(&events);
                assert!(
                    reason.as_deref().is_some_and(|r| r.starts_with("decayed")),
                    "{id}: no decay after t={last_t}: {reason:?}"
                );
                decays += 1;
            }
        }
    }
    assert_eq!((states, errors), (666, 2), "states and SGP4 errors checked");
    assert_eq!(
        decays, 3,
        "28872, 29141 and 20413 decay one step after their last state, as in tcppver.out"
    );
}
