//! Geometry against an independent reference: tests/data/reference/access_reference.json, computed
//! with Skyfield (full IAU chain, DE421 Sun) and with python-sgp4 + Vallado's gstime (the same
//! simplified chain the engine uses), by tests/data/reference/gen_reference.py.

mod common;

use sentinel_engine::frames::{Site, gmst_rad, teme_to_ecef};
use sentinel_engine::sun::{is_sunlit, sun_inertial_km};
use sentinel_engine::{Event, SimOptions, Tick};
use serde_json::Value;

fn reference() -> Value {
    let text = std::fs::read_to_string(common::repo().join("tests/data/reference/access_reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A scenario over the reference grid with the ISS and one sensor at site A (radar) and B (optical,
/// lighting rules off so that only geometry counts, as in the reference).
fn scenario(hours: u64) -> sentinel_engine::Scenario {
    let text = format!(
        r#"Scenario(
    name: "reference", epoch: "2026-05-30T12:00:00Z", duration_s: {}, tick_s: 10,
    nations: [(id: "X", name: "X")],
    sensors: [
        (id: "A", nation: "X", site: (lat_deg: 35.0, lon_deg: 139.0, alt_m: 100.0),
         kind: Radar(min_elevation_deg: 10.0, max_range_km: 100000.0, reference_snr_db: 40.0, reference_range_km: 1000.0,
                     range_sigma_m: 10.0, az_sigma_deg: 0.01, el_sigma_deg: 0.01, capacity: 1)),
        (id: "B", nation: "X", site: (lat_deg: 33.8, lon_deg: -106.66, alt_m: 1510.0),
         kind: Optical(min_elevation_deg: 10.0, max_sun_elevation_deg: 90.0, require_target_sunlit: false, moon_exclusion_deg: 0.0,
                       limiting_magnitude: 16.0, angle_sigma_arcsec: 1.0, capacity: 1)),
    ],
    catalog: [File(path: "iss-2026-05-30.tle")],
)"#,
        hours * 3600
    );
    common::load("reference.ron", &text, "tests/data/reference")
}

/// The ISS elements of the reference and their AFSPC-mode propagator.
fn iss(r: &Value) -> (sgp4::Elements, sgp4::Constants) {
    let tle = &r["inputs"]["iss_tle"];
    let el = sgp4::Elements::from_tle(
        None,
        tle[1].as_str().unwrap().as_bytes(),
        tle[2].as_str().unwrap().as_bytes(),
    )
    .unwrap();
    let k = sgp4::Constants::from_elements_afspc_compatibility_mode(&el).unwrap();
    (el, k)
}

/// TEME position (km) at a tick of the reference grid, propagated directly.
fn teme_at(s: &sentinel_engine::Scenario, el: &sgp4::Elements, k: &sgp4::Constants, tick: u64) -> [f64; 3] {
    let minutes = (s.clock.ns_from(&el.datetime).unwrap() as f64 + tick as f64 * 10e9) / 60e9;
    k.propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
        .unwrap()
        .position
}

fn windows(records: &[sentinel_engine::Record], sensor: &str) -> Vec<(u64, u64)> {
    records
        .iter()
        .filter_map(|r| match &r.event {
            Event::AccessEnd {
                sensor: s,
                first_tick,
                last_tick,
                ..
            } if &**s == sensor => Some((*first_tick, *last_tick)),
            _ => None,
        })
        .collect()
}

#[test]
fn access_windows_match_skyfield() {
    let r = reference();
    let s = scenario(24);
    let records = common::run(&s, 1, SimOptions::default());
    let want_a: Vec<(u64, u64)> = r["supplementary_iss_site_a_access_24h"]["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["first_tick"].as_u64().unwrap(), w["last_tick"].as_u64().unwrap()))
        .collect();
    assert_eq!(want_a, [(4655, 4680), (5228, 5265), (7577, 7615), (8166, 8182)]);
    assert_eq!(windows(&records, "A"), want_a);
    // Site B within the first 6 hours: one window.
    let b: Vec<_> = windows(&records, "B").into_iter().filter(|w| w.0 < 2160).collect();
    let w = &r["supplementary_iss_site_b_access_6h"]["windows"][0];
    assert_eq!(
        b,
        [(w["first_tick"].as_u64().unwrap(), w["last_tick"].as_u64().unwrap())]
    );
    // Max elevation of each site-A pass, to the reference's chain difference (< 0.001 deg).
    let max_el: Vec<f64> = records
        .iter()
        .filter_map(|x| match &x.event {
            Event::AccessEnd { sensor, max_el_deg, .. } if &**sensor == "A" => *max_el_deg,
            _ => None,
        })
        .collect();
    for (got, w) in max_el
        .iter()
        .zip(r["supplementary_iss_site_a_access_24h"]["windows"].as_array().unwrap())
    {
        let want = w["max_el_deg"].as_f64().unwrap();
        assert!((got - want).abs() < 0.002, "max elevation {got} vs Skyfield {want}");
    }
}

#[test]
fn look_angles_match_the_simplified_chain_and_skyfield() {
    let r = reference();
    let s = scenario(6);
    let site = Site::new(35.0, 139.0, 100.0);
    let (el, k) = iss(&r);
    let sims = r["iss_sgp4_direct_afspc"]["samples"].as_array().unwrap();
    let chain = r["iss_site_a_simplified_chain"]["samples"].as_array().unwrap();
    for (direct, c) in sims.iter().zip(chain) {
        let tick = direct["tick"].as_u64().unwrap();
        let gmst = gmst_rad(s.clock.julian_years_since_j2000(Tick(tick)));
        let want_gmst = direct["gmst_rad"].as_f64().unwrap();
        assert!((gmst - want_gmst).abs() < 1e-8, "GMST {gmst} vs {want_gmst}");
        let p = teme_at(&s, &el, &k, tick);
        for i in 0..3 {
            assert!((p[i] - direct["teme_pos_km"][i].as_f64().unwrap()).abs() < 1e-6);
        }
        let l = site.look(teme_to_ecef(p, gmst.sin_cos()));
        assert!(
            (l.el_deg - c["simplified_el_deg"].as_f64().unwrap()).abs() < 1e-6,
            "tick {tick}"
        );
        assert!(
            (l.az_deg - c["simplified_az_deg"].as_f64().unwrap()).abs() < 1e-6,
            "tick {tick}"
        );
        assert!(
            (l.range_km - c["simplified_range_km"].as_f64().unwrap()).abs() < 1e-5,
            "tick {tick}"
        );
        // And the full Skyfield chain, to the error budget (UT1 = UTC dominates).
        assert!((l.el_deg - c["skyfield_el_deg"].as_f64().unwrap()).abs() < 2e-3);
        assert!((l.range_km - c["skyfield_range_km"].as_f64().unwrap()).abs() < 0.02);
    }
}

#[test]
fn sun_and_shadow_match_skyfield() {
    let r = reference();
    let s = scenario(6);
    let site = Site::new(33.8, -106.66, 1510.0);
    let (el, k) = iss(&r);
    let mut lit_checked = 0;
    for x in r["iss_sunlit_and_sun_el_site_b"].as_array().unwrap() {
        let tick = x["tick"].as_u64().unwrap();
        let gmst = gmst_rad(s.clock.julian_years_since_j2000(Tick(tick))).sin_cos();
        let sun = teme_to_ecef(sun_inertial_km(s.clock.julian_centuries_since_j2000(Tick(tick))), gmst);
        let l = site.look(sun);
        let want = x["sun_el_deg_site_b"].as_f64().unwrap();
        // Almanac Sun (~0.01 deg) plus diurnal parallax and aberration, which Skyfield includes.
        assert!(
            (l.el_deg - want).abs() < 0.02,
            "tick {tick}: Sun elevation {} vs {want}",
            l.el_deg
        );
        let p = teme_at(&s, &el, &k, tick);
        assert_eq!(
            is_sunlit(teme_to_ecef(p, gmst), sun),
            x["iss_sunlit"].as_bool().unwrap(),
            "tick {tick}: ISS sunlit"
        );
        lit_checked += 1;
    }
    assert_eq!(lit_checked, 36);
}

#[test]
fn geo_object_geometry_matches_skyfield() {
    let r = reference();
    let text = std::fs::read_to_string(common::repo().join("tests/data/reference/geo-2026-05-30.tle")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let el = sgp4::Elements::from_tle(None, lines[1].trim_end().as_bytes(), lines[2].trim_end().as_bytes()).unwrap();
    let k = sgp4::Constants::from_elements_afspc_compatibility_mode(&el).unwrap();
    let s = scenario(6);
    let site = Site::new(33.8, -106.66, 1510.0);
    for x in r["geo_site_b"]["samples"].as_array().unwrap() {
        let tick = x["tick"].as_u64().unwrap();
        let gmst = gmst_rad(s.clock.julian_years_since_j2000(Tick(tick))).sin_cos();
        let p = teme_at(&s, &el, &k, tick);
        let l = site.look(teme_to_ecef(p, gmst));
        assert!(
            (l.el_deg - x["el_deg"].as_f64().unwrap()).abs() < 1e-3,
            "tick {tick} el {}",
            l.el_deg
        );
        assert!(
            (l.az_deg - x["az_deg"].as_f64().unwrap()).abs() < 1e-3,
            "tick {tick} az {}",
            l.az_deg
        );
        assert!(
            (l.range_km - x["range_km"].as_f64().unwrap()).abs() < 0.1,
            "tick {tick} range {}",
            l.range_km
        );
    }
}
