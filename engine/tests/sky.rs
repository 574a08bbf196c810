//! The telescope's sky: the Moon against Skyfield and JPL's DE421 (tests/data/reference/
//! moon_reference.json, written by gen_moon.py next to it), the Moon exclusion and moonlight in
//! runs, and the weather's statistics and determinism.

mod common;

use sentinel_engine::event::Event;
use sentinel_engine::frames::{Site, dot, gmst_sin_cos, norm, teme_to_ecef};
use sentinel_engine::moon::{moon_inertial_km, phase_angle_rad};
use sentinel_engine::sun::sun_inertial_km;
use sentinel_engine::time::{Clock, Tick};
use sentinel_engine::{Record, SimOptions};
use serde_json::Value;

fn angle_deg(a: [f64; 3], b: [f64; 3]) -> f64 {
    (dot(a, b) / (norm(a) * norm(b))).clamp(-1.0, 1.0).acos().to_degrees()
}

/// Unit vector of an elevation and azimuth (east, north, up).
fn enu(el_deg: f64, az_deg: f64) -> [f64; 3] {
    let (se, ce) = el_deg.to_radians().sin_cos();
    let (sa, ca) = az_deg.to_radians().sin_cos();
    [ce * sa, ce * ca, se]
}

/// Over 2026 every six hours: the Moon's geocentric direction within 0.1 deg of DE421 (and its
/// distance within 0.1 %), its phase angle within 0.1 deg, and its topocentric direction from two
/// sites (parallax up to a degree) within 0.1 deg.
#[test]
fn the_moon_agrees_with_de421_over_a_year() {
    let text = std::fs::read_to_string(common::repo().join("tests/data/reference/moon_reference.json")).unwrap();
    let r: Value = serde_json::from_str(&text).unwrap();
    let samples = r["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 1460);
    let clock = Clock {
        epoch: sentinel_engine::time::parse_utc("2026-01-01T00:00:00Z").unwrap(),
        tick_s: 6 * 3600,
        ticks: samples.len() as u64,
    };
    let sites: Vec<(Site, &Value)> = r["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_f64().unwrap();
            (Site::new(f("lat_deg"), f("lon_deg"), f("alt_m")), s)
        })
        .collect();
    let (mut worst_dir, mut worst_range, mut worst_phase, mut worst_topo) = (0f64, 0f64, 0f64, 0f64);
    for (i, s) in samples.iter().enumerate() {
        let tick = Tick(i as u64);
        assert_eq!(s["utc"].as_str().unwrap(), clock.iso(tick));
        let reference: Vec<f64> = s["teme_km"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let reference = [reference[0], reference[1], reference[2]];
        let t = clock.julian_centuries_since_j2000(tick);
        let moon = moon_inertial_km(t);
        worst_dir = worst_dir.max(angle_deg(moon, reference));
        worst_range = worst_range.max((norm(moon) / norm(reference) - 1.0).abs());
        let phase = phase_angle_rad(moon, sun_inertial_km(t)).to_degrees();
        worst_phase = worst_phase.max((phase - s["phase_angle_deg"].as_f64().unwrap()).abs());
        let moon_ecef = teme_to_ecef(moon, gmst_sin_cos(&clock, tick));
        for (site, reference) in &sites {
            let look = site.look(moon_ecef);
            let want = enu(
                reference["alt_deg"][i].as_f64().unwrap(),
                reference["az_deg"][i].as_f64().unwrap(),
            );
            worst_topo = worst_topo.max(angle_deg(enu(look.el_deg, look.az_deg), want));
        }
    }
    println!(
        "Moon vs DE421 over 2026: direction {worst_dir:.4} deg, distance {:.4} %, phase angle {worst_phase:.4} deg, topocentric {worst_topo:.4} deg",
        100.0 * worst_range
    );
    assert!(worst_dir < 0.1, "{worst_dir}");
    assert!(worst_range < 1e-3, "{worst_range}");
    assert!(worst_phase < 0.1, "{worst_phase}");
    assert!(worst_topo < 0.1, "{worst_topo}");
}

/// `days` of weather at `sites` telescope sites (hourly ticks past 50 sites, else 30 s).
fn weather_scenario(fraction: &str, spell_h: f64, sites: usize, days: u64) -> sentinel_engine::Scenario {
    let sensors: String = (0..sites)
        .map(|i| {
            format!(
                r#"(id: "T{i:02}", nation: "X", site: (lat_deg: {}, lon_deg: {}, alt_m: 1000.0),
         kind: Optical(min_elevation_deg: 15.0, limiting_magnitude: 16.0, angle_sigma_arcsec: 1.0, capacity: 1,
                       weather: (clear_fraction: {fraction}, cloudy_spell_h: {spell_h}))),
"#,
                ((i * 23) % 100) as f64 - 50.0,
                (37.0 * i as f64) % 360.0 - 180.0
            )
        })
        .collect();
    let text = format!(
        r#"Scenario(
    name: "weather", epoch: "2026-01-01T00:00:00Z", duration_s: {}, tick_s: {},
    nations: [(id: "X", name: "X")],
    sensors: [{sensors}],
    catalog: [File(path: "iss-2026-05-30.tle")],
)"#,
        days * 86_400,
        if sites > 50 { 3600 } else { 30 }
    );
    common::load("weather.ron", &text, "tests/data/reference")
}

/// Per sensor, the (tick, clear) changes of the `weather` events.
fn sky_changes(records: &[Record]) -> std::collections::BTreeMap<String, Vec<(u64, bool)>> {
    let mut out: std::collections::BTreeMap<String, Vec<(u64, bool)>> = Default::default();
    for r in records {
        if let Event::Weather { sensor, clear, .. } = &r.event {
            out.entry(sensor.to_string()).or_default().push((r.tick, *clear));
        }
    }
    out
}

const SEASONAL: [f64; 12] = [0.35, 0.4, 0.45, 0.55, 0.65, 0.75, 0.8, 0.75, 0.65, 0.55, 0.45, 0.35];

/// Over a simulated year at 300 sites (a single site's monthly share scatters by about 8 points:
/// hours are correlated over a spell), the share of clear hours matches the configured clear
/// fraction within 2 percentage points in every month (and the year), cloudy spells last the
/// configured mean, and the nights' clouded share agrees with the weather events.
#[test]
fn a_year_of_weather_matches_its_climatology() {
    let list = format!("[{}]", SEASONAL.map(|f| f.to_string()).join(", "));
    let s = weather_scenario(&list, 18.0, 300, 365);
    let records = common::run(&s, 7, SimOptions::default());
    let ticks = s.clock.ticks;
    let per_hour = 3600 / u64::from(s.clock.tick_s);
    let changes = sky_changes(&records);
    assert_eq!(changes.len(), 300, "every site logs its weather");
    let (mut clear, mut all) = ([0u64; 12], [0u64; 12]);
    let (mut spells, mut spell_ticks) = (0u64, 0u64);
    for list in changes.values() {
        assert_eq!(list[0].0, 0, "the first state is logged at the first tick");
        for (k, &(from, is_clear)) in list.iter().enumerate() {
            let to = list.get(k + 1).map_or(ticks, |c| c.0);
            assert!(k == 0 || list[k - 1].1 != is_clear, "a weather event is a change");
            assert_eq!(from % per_hour, 0, "the weather changes on the hour");
            for t in from..to {
                let m = s.clock.iso(Tick(t))[5..7].parse::<usize>().unwrap() - 1;
                all[m] += 1;
                clear[m] += u64::from(is_clear);
            }
            // Whole cloudy spells (not cut by the run's ends).
            if !is_clear && k > 0 && k + 1 < list.len() {
                spells += 1;
                spell_ticks += to - from;
            }
        }
    }
    let mut worst: f64 = 0.0;
    for m in 0..12 {
        let share = clear[m] as f64 / all[m] as f64;
        println!("month {:2}: clear {share:.4}, configured {}", m + 1, SEASONAL[m]);
        worst = worst.max((share - SEASONAL[m]).abs());
    }
    let year = clear.iter().sum::<u64>() as f64 / all.iter().sum::<u64>() as f64;
    let want = SEASONAL.iter().sum::<f64>() / 12.0;
    let spell_h = spell_ticks as f64 / spells as f64 / per_hour as f64;
    println!("worst month {worst:.4}; year {year:.4} (about {want:.4}); {spells} cloudy spells, mean {spell_h:.2} h");
    assert!(worst < 0.02, "{worst}");
    assert!((year - want).abs() < 0.02, "{year}");
    assert!((spell_h - 18.0).abs() < 0.05 * 18.0, "{spell_h}");
    // Nights: every dark tick is in exactly one, and their clouded time is the weather's.
    let (mut dark_s, mut clouded_s, mut nights) = (0u64, 0u64, 0u64);
    for r in &records {
        if let Event::Night {
            first_tick,
            last_tick,
            dark_s: d,
            clouded_s: c,
            ..
        } = &r.event
        {
            assert!(first_tick <= last_tick && c <= d && r.tick > *last_tick || r.tick == ticks - 1);
            (dark_s, clouded_s, nights) = (dark_s + d, clouded_s + c, nights + 1);
        }
    }
    let clouded = clouded_s as f64 / dark_s as f64;
    println!("{nights} nights, {:.1} % of dark time under cloud", 100.0 * clouded);
    assert!(nights > 300 * 360, "{nights}");
    assert!((clouded - (1.0 - year)).abs() < 0.05, "{clouded}");
    // The scorecard's site figures: the same nights and clear time, and nights lost to cloud.
    let card = scorecard(&s, &records);
    assert_eq!(card.sites.len(), 300);
    let lost: u32 = card.sites.values().map(|w| w.nights_lost).sum();
    assert_eq!(card.sites.values().map(|w| u64::from(w.nights)).sum::<u64>(), nights);
    let share = card.sites.values().map(|w| w.clear_share).sum::<f64>() / 300.0;
    println!("scorecard: {lost} of {nights} nights lost, mean clear share {share:.4}");
    assert!((share - year).abs() < 1e-3, "{share} {year}");
    assert!(
        lost as f64 > 0.3 * nights as f64 && (lost as f64) < 0.6 * nights as f64,
        "{lost}"
    );
}

/// The scorecard of a run.
fn scorecard(s: &sentinel_engine::Scenario, records: &[Record]) -> sentinel_engine::scorecard::Scorecard {
    use sentinel_engine::scorecard::{Builder, RunInfo};
    let mut b = Builder::new(RunInfo {
        scenario: s.name.clone(),
        seed: 7,
        epoch: sentinel_engine::time::format_iso(&s.clock.epoch),
        tick_s: u64::from(s.clock.tick_s),
        ticks: s.clock.ticks,
        regional_centers: Default::default(),
    });
    for r in records {
        b.feed(r.tick, &r.event);
    }
    b.finish(String::new())
}

/// The weather draws come from each site's own stream: the same at 1 and 2 threads and whatever
/// other sensors the scenario has; a different seed gives different weather; telescopes at one
/// site share it.
#[test]
fn weather_is_per_site_and_deterministic() {
    let a = weather_scenario("[0.6]", 12.0, 3, 20);
    let b = weather_scenario("[0.6]", 12.0, 6, 20);
    let ra = common::run(&a, 1, SimOptions::default());
    let rb = common::run(
        &b,
        1,
        SimOptions {
            threads: 2,
            ..SimOptions::default()
        },
    );
    let (ca, cb) = (sky_changes(&ra), sky_changes(&rb));
    for id in ["T00", "T01", "T02"] {
        assert_eq!(ca[id], cb[id], "{id}");
        assert!(ca[id].len() > 10, "{id}: {:?}", ca[id]);
    }
    let other = sky_changes(&common::run(&a, 2, SimOptions::default()));
    assert_ne!(ca["T00"], other["T00"]);
    // Two telescopes at one site share its sky; one 5 km away has its own.
    let telescope = |id: &str, lat: f64| {
        format!(
            r#"(id: "{id}", nation: "X", site: (lat_deg: {lat}, lon_deg: -106.66, alt_m: 1510.0),
         kind: Optical(min_elevation_deg: 15.0, limiting_magnitude: 16.0, angle_sigma_arcsec: 1.0, capacity: 1,
                       weather: (clear_fraction: [0.6], cloudy_spell_h: 12.0))),"#
        )
    };
    let text = format!(
        r#"Scenario(name: "site", epoch: "2026-01-01T00:00:00Z", duration_s: 864000, tick_s: 600,
    nations: [(id: "X", name: "X")],
    sensors: [{} {} {}],
    catalog: [File(path: "iss-2026-05-30.tle")])"#,
        telescope("A", 33.817),
        telescope("B", 33.8172),
        telescope("C", 33.86)
    );
    let c = sky_changes(&common::run(
        &common::load("site.ron", &text, "tests/data/reference"),
        1,
        SimOptions::default(),
    ));
    assert_eq!(c["A"], c["B"]);
    assert_ne!(c["A"], c["C"]);
}

/// A cloudy telescope sees nothing: no pass of the ISS starts or continues under cloud.
#[test]
fn no_pass_happens_under_cloud() {
    let s = weather_scenario("[0.5]", 6.0, 5, 10);
    let records = common::run(&s, 3, SimOptions::default());
    let changes = sky_changes(&records);
    let clear_at = |sensor: &str, tick: u64| {
        let list = &changes[sensor];
        list[list.partition_point(|c| c.0 <= tick) - 1].1
    };
    let mut passes = 0;
    for r in &records {
        if let Event::AccessEnd {
            sensor,
            first_tick,
            last_tick,
            ..
        } = &r.event
        {
            passes += 1;
            for t in *first_tick..=*last_tick {
                assert!(clear_at(sensor, t), "{sensor} in view at tick {t} under cloud");
            }
        }
    }
    // The same sites always clear.
    let clear = common::run(&weather_scenario("[1.0]", 6.0, 5, 10), 3, SimOptions::default());
    let always = clear
        .iter()
        .filter(|r| matches!(r.event, Event::AccessEnd { .. }))
        .count();
    println!("{passes} passes under the weather, {always} under a clear sky");
    assert!(passes > 5 && passes < always, "{passes} {always}");
}

/// The night after the full Moon of 29 June 2026 at Socorro, on the GEO belt: with the Moon
/// modelled (defaults: a 10 deg exclusion, moonlight at the site's dark sky and extinction) no
/// detection is within 10 deg of the Moon, and fewer objects are detected than with no Moon
/// (exclusion 0, no atmosphere to scatter its light), which does detect objects near it.
#[test]
fn the_moon_excludes_and_brightens_the_sky() {
    let run = |moon: &str| {
        let text = format!(
            r#"Scenario(
    name: "moon", epoch: "2026-06-30T02:00:00Z", duration_s: 36000, tick_s: 60,
    nations: [(id: "X", name: "X")],
    sensors: [
        (id: "SOCORRO", nation: "X", site: (lat_deg: 33.8172, lon_deg: -106.6599, alt_m: 1510.0),
         kind: Optical(min_elevation_deg: 15.0, limiting_magnitude: 15.0, angle_sigma_arcsec: 1.0, capacity: 100{moon})),
    ],
    catalog: [File(path: "celestrak-geo-2026-05-30.tle")],
)"#
        );
        let s = common::load("moon.ron", &text, "scenarios/data");
        (common::run(&s, 5, SimOptions::default()), s.clock)
    };
    let near_moon = |records: &[Record], clock: &Clock| {
        let site = Site::new(33.8172, -106.6599, 1510.0);
        let (mut detections, mut near, mut faint) = (0, 0, 0);
        for r in records {
            if let Event::Detection {
                truth: Some(g),
                magnitude: Some(mag),
                ..
            } = &r.event
            {
                faint += usize::from(*mag > 14.0);
                let tick = Tick(r.tick);
                let moon = teme_to_ecef(
                    moon_inertial_km(clock.julian_centuries_since_j2000(tick)),
                    gmst_sin_cos(clock, tick),
                );
                let m = site.look(moon);
                detections += 1;
                near += usize::from(angle_deg(enu(m.el_deg, m.az_deg), enu(g.el_deg, g.az_deg)) < 10.0);
            }
        }
        (detections, near, faint)
    };
    let (with, clock) = run("");
    let (without, _) = run(", moon_exclusion_deg: 0.0, extinction_mag_per_airmass: 0.0");
    let (a, b) = (near_moon(&with, &clock), near_moon(&without, &clock));
    println!("detections with the Moon {a:?}, without {b:?} (total, within 10 deg of it, fainter than 14)");
    assert_eq!(a.1, 0);
    assert!(b.1 > 0, "{b:?}");
    assert!(a.0 < b.0 && (a.2 as f64) < 0.5 * b.2 as f64, "{a:?} {b:?}");
}

/// A nation's view keeps the weather and nights of its own telescopes only.
#[test]
fn a_nation_sees_the_sky_over_its_own_sites() {
    let telescope = |id: &str, nation: &str, lat: f64| {
        format!(
            r#"(id: "{id}", nation: "{nation}", site: (lat_deg: {lat}, lon_deg: 10.0, alt_m: 500.0),
         kind: Optical(min_elevation_deg: 15.0, limiting_magnitude: 16.0, angle_sigma_arcsec: 1.0, capacity: 1,
                       weather: (clear_fraction: [0.5], cloudy_spell_h: 4.0))),"#
        )
    };
    let text = format!(
        r#"Scenario(name: "views", epoch: "2026-01-01T00:00:00Z", duration_s: 172800, tick_s: 60,
    nations: [(id: "X", name: "X"), (id: "Y", name: "Y")],
    sensors: [{} {}],
    catalog: [File(path: "iss-2026-05-30.tle")])"#,
        telescope("TX", "X", 40.0),
        telescope("TY", "Y", -30.0)
    );
    let records = common::run(
        &common::load("views.ron", &text, "tests/data/reference"),
        1,
        SimOptions::default(),
    );
    let sky = |records: &[Record]| -> Vec<(String, &'static str)> {
        records
            .iter()
            .filter_map(|r| match &r.event {
                Event::Weather { sensor, .. } => Some((sensor.to_string(), "weather")),
                Event::Night { sensor, .. } => Some((sensor.to_string(), "night")),
                _ => None,
            })
            .collect()
    };
    let all = sky(&records);
    let x = sky(&common::view(&records, "X"));
    assert!(all.iter().any(|(s, k)| s == "TY" && *k == "night"), "{all:?}");
    assert!(x.iter().any(|(_, k)| *k == "night") && x.iter().any(|(_, k)| *k == "weather"));
    assert_eq!(x, all.into_iter().filter(|(s, _)| s == "TX").collect::<Vec<_>>());
}
