//! Truth between checkpoints is interpolated (cubic Hermite over 60 s). Bound its error against
//! direct SGP4 at every 10 s tick over a day, for each orbit regime in the bundled catalogs.

mod common;

use sentinel_engine::{ObjectClass, Regime, Sim, SimOptions};

#[test]
fn interpolated_truth_stays_within_metres_of_sgp4() {
    // The active catalog has every regime; pick a few objects of each (lowest catalog numbers).
    // Forty sensors on a Fibonacci lattice, seeing down to -5 deg with no range limit, keep every
    // object in view of some sensor at every tick, so every tick produces a state to compare.
    let sensors: String = (0..40)
        .map(|i| {
            let z = 1.0 - 2.0 * (i as f64 + 0.5) / 40.0;
            let lat = z.asin().to_degrees();
            let lon = (i as f64 * 137.507_764_05).rem_euclid(360.0) - 180.0;
            format!(
                r#"(id: "S{i}", nation: "X", site: (lat_deg: {lat}, lon_deg: {lon}),
                   kind: Radar(min_elevation_deg: -5.0, max_range_km: 1e9, reference_snr_db: 40.0, reference_range_km: 1000.0,
                               range_sigma_m: 1.0, az_sigma_deg: 0.01, el_sigma_deg: 0.01, capacity: 1)),"#
            )
        })
        .collect();
    let text = format!(
        r#"Scenario(name: "interp", epoch: "2026-07-10T00:00:00Z", duration_s: 86400, tick_s: 10,
        nations: [(id: "X", name: "X")], sensors: [{sensors}],
        catalog: [File(path: "data/celestrak-active-2026-07.omm.csv")])"#
    );
    let full = common::load("interp.ron", &text, "scenarios");
    let mut picked = Vec::new();
    for regime in [Regime::Leo, Regime::Meo, Regime::Geo, Regime::Heo] {
        picked.extend(
            full.objects
                .iter()
                .filter(|o| o.regime == regime && o.class == ObjectClass::Payload)
                .take(5)
                .cloned(),
        );
    }
    // The most eccentric object too (largest perigee speed).
    let ecc = full
        .objects
        .iter()
        .max_by(|a, b| a.elements.eccentricity.total_cmp(&b.elements.eccentricity))
        .unwrap()
        .clone();
    picked.push(ecc);
    let mut s = full.clone();
    s.objects = picked;
    let mut sim = Sim::new(
        &s,
        1,
        SimOptions {
            threads: 1,
            prune_window_s: 60,
        },
    );
    let mut worst = vec![0.0f64; s.objects.len()];
    let mut compared = 0;
    while !sim.is_done() {
        let tick = sim.next_tick();
        sim.step();
        for (i, o) in s.objects.iter().enumerate() {
            let Some(t) = sim.truth(o.id) else { continue };
            if t.tick != tick.0 {
                continue;
            }
            let k = sgp4::Constants::from_elements_afspc_compatibility_mode(&o.elements).unwrap();
            let minutes = (s.clock.ns_from(&o.elements.datetime).unwrap() as f64 + tick.0 as f64 * 10e9) / 60e9;
            let p = k
                .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
                .unwrap();
            let err = sentinel_engine::frames::norm(sentinel_engine::frames::sub(t.teme_km, p.position));
            worst[i] = worst[i].max(err);
            compared += 1;
        }
    }
    assert_eq!(compared, 21 * 8640, "every object at every tick");
    for (o, w) in s.objects.iter().zip(&worst) {
        eprintln!(
            "{} {:?} e={:.4} worst {:.3} m",
            o.id,
            o.regime,
            o.elements.eccentricity,
            w * 1000.0
        );
    }
    for (o, w) in s.objects.iter().zip(&worst) {
        let limit_km = 0.001;
        assert!(
            *w < limit_km,
            "{} ({:?}, e={}): interpolation error {:.2} m",
            o.id,
            o.regime,
            o.elements.eccentricity,
            w * 1000.0
        );
    }
    let max = worst.iter().cloned().fold(0.0, f64::max);
    eprintln!(
        "max interpolation error over {} objects: {:.3} m",
        s.objects.len(),
        max * 1000.0
    );
}
