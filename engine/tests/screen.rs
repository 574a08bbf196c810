//! Screening against a brute-force search: real objects of the active catalog, every local minimum
//! of each pair's SGP4 distance at 1 s steps (refined on SGP4) below the threshold must be found by
//! `conjunction::screen`, with the same time of closest approach (10 ms) and miss distance (1 m).

use std::path::Path;

use nalgebra::Vector3;
use rayon::prelude::*;
use sentinel_engine::catalog::{self, CatalogFormat};
use sentinel_engine::conjunction::{Orbiter, screen};
use sentinel_engine::{Diagnostics, SourceFile};

fn objects(every: usize, start: chrono::NaiveDateTime) -> Vec<Orbiter> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/data/celestrak-active-2026-07.omm.csv");
    let src = SourceFile::new("active.csv", std::fs::read_to_string(path).unwrap());
    let mut d = Diagnostics::default();
    let parsed = catalog::parse(&src, CatalogFormat::OmmCsv, &mut d);
    parsed
        .iter()
        .step_by(every)
        .filter_map(|p| Orbiter::new(p.elements.norad_id as u32, &p.elements, start).ok())
        .collect()
}

/// Local minima of the distance sampled every second, refined by golden-section search on SGP4;
/// the span is taken an hour at a time (states of one hour in memory).
fn brute_force(objs: &[Orbiter], span_s: u32, threshold_km: f64) -> Vec<((u32, u32), f64, f64)> {
    let pairs: Vec<(usize, usize)> = (0..objs.len())
        .flat_map(|i| (i + 1..objs.len()).map(move |j| (i, j)))
        .collect();
    let mut out = Vec::new();
    for hour in (0..span_s).step_by(3600) {
        // Samples from one second before the hour to one second after it (local minima need both
        // neighbours); index k is time hour - 1 + k.
        let (from, to) = (hour.saturating_sub(1), (hour + 3601).min(span_s));
        let states: Vec<Vec<Option<Vector3<f64>>>> = objs
            .par_iter()
            .map(|o| (from..=to).map(|t| o.state(t as f64).map(|s| s.0)).collect())
            .collect();
        let found: Vec<((u32, u32), f64, f64)> = pairs
            .par_iter()
            .flat_map_iter(|&(i, j)| {
                let d = |t: u32| match (states[i][(t - from) as usize], states[j][(t - from) as usize]) {
                    (Some(a), Some(b)) => (a - b).norm(),
                    _ => f64::INFINITY,
                };
                let mut found = Vec::new();
                for t in hour.max(1)..(hour + 3600).min(span_s) {
                    let x = d(t);
                    // Generous: a 1 s sample can be ~7.5 km off the minimum of a 15 km/s encounter.
                    if x < threshold_km + 8.0 && x <= d(t - 1) && x < d(t + 1) {
                        let exact = |s: f64| match (objs[i].state(s), objs[j].state(s)) {
                            (Some(a), Some(b)) => (a.0 - b.0).norm(),
                            _ => f64::INFINITY,
                        };
                        let (mut lo, mut hi) = (f64::from(t) - 1.0, f64::from(t) + 1.0);
                        let g = 0.5 * (5f64.sqrt() - 1.0);
                        while hi - lo > 1e-5 {
                            let (x1, x2) = (hi - g * (hi - lo), lo + g * (hi - lo));
                            if exact(x1) < exact(x2) { hi = x2 } else { lo = x1 }
                        }
                        let tca = 0.5 * (lo + hi);
                        let miss = exact(tca);
                        if miss <= threshold_km {
                            let (a, b) = (objs[i].id.min(objs[j].id), objs[i].id.max(objs[j].id));
                            found.push(((a, b), tca, miss));
                        }
                    }
                }
                found
            })
            .collect();
        out.extend(found);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    out
}

/// The check's size: every `every`-th object of the active catalog, `hours`, `km`; by default 400
/// objects over 3 h at 30 km. `SENTINEL_SCREEN_RECALL="every,hours,km"` sets them (the benchmark
/// runs `16,24,5`: 1,000 objects over 24 h at 5 km, the conjunction issue's check).
fn size() -> (usize, u32, f64) {
    match std::env::var("SENTINEL_SCREEN_RECALL") {
        Ok(v) => {
            let p: Vec<&str> = v.split(',').collect();
            (
                p[0].parse().unwrap(),
                p[1].parse::<u32>().unwrap() * 3600,
                p[2].parse().unwrap(),
            )
        }
        Err(_) => (40, 3 * 3600, 30.0),
    }
}

#[test]
fn screening_finds_every_close_approach_the_brute_force_finds() {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 7, 10)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let (every, span_s, threshold_km) = size();
    let objs = objects(every, start);
    let reference = brute_force(&objs, span_s, threshold_km);
    let found = screen(&objs, None, f64::from(span_s), threshold_km);
    println!(
        "{} objects, {} s: brute force {} approaches under {threshold_km} km, screening {}",
        objs.len(),
        span_s,
        reference.len(),
        found.len()
    );
    assert!(
        reference.len() >= 10 || threshold_km < 30.0,
        "too few approaches to check: {}",
        reference.len()
    );
    let mut worst = (0.0f64, 0.0f64);
    for (pair, tca, miss) in &reference {
        let m = found.iter().find(|a| a.objects == *pair && (a.tca_s - tca).abs() < 1.0);
        let Some(m) = m else {
            panic!("missed {pair:?} at {tca:.3} s, {miss:.3} km")
        };
        worst = (
            worst.0.max((m.tca_s - tca).abs()),
            worst.1.max((m.miss_km - miss).abs()),
        );
        assert!(
            (m.tca_s - tca).abs() < 0.01 && (m.miss_km - miss).abs() < 0.001,
            "{pair:?}: {m:?} vs {tca} {miss}"
        );
    }
    println!("worst differences: TCA {:.2e} s, miss {:.2e} km", worst.0, worst.1);
}

/// With primaries, the apogee/perigee filter drops objects whose radius band cannot meet any
/// primary's: the approaches found must be exactly those of the all-pairs screening that involve
/// a primary (times and distances to the bit: the same refinement runs on the same pairs).
#[test]
fn the_apogee_perigee_filter_loses_no_approach_of_a_primary() {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 7, 10)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let objs = objects(20, start);
    let primaries: Vec<u32> = objs.iter().step_by(7).map(|o| o.id).collect();
    let all = screen(&objs, None, 6.0 * 3600.0, 50.0);
    let want: Vec<_> = all
        .iter()
        .filter(|a| primaries.contains(&a.objects.0) || primaries.contains(&a.objects.1))
        .copied()
        .collect();
    let got = screen(&objs, Some(&primaries), 6.0 * 3600.0, 50.0);
    println!(
        "{} objects, {} primaries: {} approaches of primaries",
        objs.len(),
        primaries.len(),
        got.len()
    );
    assert!(want.len() >= 5, "too few approaches to check: {}", want.len());
    assert_eq!(got, want);
}
