//! Injects and catalog maintenance on a hand-made exercise: GEO objects that radars at one site see
//! all the time (Pd ~1), 60 s ticks, tracks every 10 minutes.

mod common;

use sentinel_engine::{Record, Scenario, Sim, SimOptions, SourceFile, Tick};

const HIMAWARI_9: u32 = 41836;
const JCSAT_12: u32 = 35755;

fn radar(id: &str, nation: &str, capacity: u32) -> String {
    format!(
        r#"(id: "{id}", nation: "{nation}", site: (lat_deg: 35.0, lon_deg: 135.0), kind: Radar(min_elevation_deg: 0.0,
            max_range_km: 50000.0, reference_snr_db: 120.0, reference_range_km: 1000.0, range_sigma_m: 10.0,
            az_sigma_deg: 0.001, el_sigma_deg: 0.001, capacity: {capacity})),"#
    )
}

fn scenario_with(sensors: &str, extra: &str) -> Scenario {
    let text = format!(
        r#"Scenario(
    name: "inject test", epoch: "2026-05-30T13:00:00Z", duration_s: 14400, tick_s: 60, seed: 1,
    nations: [(id: "A", name: "A"), (id: "B", name: "B")],
    sensors: [{sensors}],
    catalog: [
        Tle(lines: ["HIMAWARI-9",
            "1 41836U 16064A   26150.53104345  .00000000  00000+0  00000+0 0  9996",
            "2 41836   0.0200  86.7392 0001408  29.1461 104.1064  1.00269078 35037"]),
        Tle(lines: ["JCSAT-12",
            "1 35755U 09044A   26150.52931010 -.00000316  00000+0  00000+0 0  9996",
            "2 35755   0.0490  86.8901 0000781 260.0846 223.6610  1.00270578 61438"]),
    ],
    track_report_s: 600,
    {extra}
)"#
    );
    match sentinel_engine::load_scenario(&SourceFile::new("injects.ron", text), &mut common::MemLoader::default()) {
        Ok(s) => s,
        Err(d) => panic!("{d}"),
    }
}

fn scenario(extra: &str) -> Scenario {
    scenario_with(
        &format!("{}{}", radar("A-RADAR", "A", 4), radar("B-RADAR", "B", 4)),
        extra,
    )
}

fn run(s: &Scenario, seed: u64) -> Vec<Record> {
    common::run(s, seed, SimOptions::default())
}

fn json(r: &Record) -> serde_json::Value {
    serde_json::to_value(&r.event).unwrap()
}

fn kind<'a>(r: &'a [Record], k: &str) -> Vec<&'a Record> {
    r.iter().filter(|x| x.event.kind().as_str() == k).collect()
}

/// Truth velocity (TEME, km/s) and position of an object right after tick `t` ran.
fn truth_after(s: &Scenario, object: u32, t: u64) -> ([f64; 3], [f64; 3]) {
    let mut sim = Sim::new(s, 1, SimOptions::default());
    while sim.next_tick() <= Tick(t) {
        sim.step();
    }
    let tr = sim.truth(object).unwrap();
    assert_eq!(tr.tick, t, "propagated at tick {t}");
    (tr.teme_km, tr.teme_vel_km_s)
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn norm(a: [f64; 3]) -> f64 {
    (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt()
}

#[test]
fn a_manoeuvre_adds_its_delta_v_to_the_true_state() {
    let base = scenario("");
    let burn = scenario(
        r#"injects: [Manoeuvre(id: "M1", object: 41836, at: "T+01:00", delta_v_m_s: (along_track: 5.0, radial: 1.0))],"#,
    );
    let (r0, v0) = truth_after(&base, HIMAWARI_9, 60);
    let (r1, v1) = truth_after(&burn, HIMAWARI_9, 60);
    // Same position (the fit reproduces it to metres), velocity changed by the delta-v.
    assert!(norm(sub(r1, r0)) < 0.05, "{} km", norm(sub(r1, r0)));
    let dv = sub(v1, v0);
    let expect = (5.0f64 * 5.0 + 1.0).sqrt() / 1000.0;
    assert!((norm(dv) - expect).abs() < 2e-6, "{} vs {expect} km/s", norm(dv));
    // Mostly along the velocity, partly radial.
    let along = (dv[0] * v0[0] + dv[1] * v0[1] + dv[2] * v0[2]) / norm(v0);
    let radial = (dv[0] * r0[0] + dv[1] * r0[1] + dv[2] * r0[2]) / norm(r0);
    assert!(
        (along - 0.005).abs() < 2e-5 && (radial - 0.001).abs() < 2e-5,
        "{along} {radial}"
    );
    // Before the inject nothing differs.
    assert_eq!(truth_after(&base, HIMAWARI_9, 59), truth_after(&burn, HIMAWARI_9, 59));
    let r = run(&burn, 1);
    let i = json(kind(&r, "inject")[0]);
    assert_eq!(
        (&i["inject_kind"], &i["objects"][0]),
        (&"manoeuvre".into(), &HIMAWARI_9.into())
    );
}

#[test]
fn uncorrelated_tracks_begin_beyond_the_gate_and_lead_to_re_cataloguing() {
    let s = scenario(
        r#"injects: [Manoeuvre(id: "M1", object: 41836, at: "T+01:00", delta_v_m_s: (along_track: 5.0))],
        catalog_maintenance: (uct_gate_km: 10.0, manoeuvre_tracks: 2),"#,
    );
    let r = run(&s, 1);
    let tracks: Vec<&Record> = kind(&r, "track")
        .into_iter()
        .filter(|t| t.event.object() == HIMAWARI_9 && json(t)["nation"] == "A")
        .collect();
    let ucts: Vec<&&Record> = tracks.iter().filter(|t| json(t)["uct"] == true).collect();
    assert_eq!(
        ucts.len(),
        2,
        "exactly the tracks needed, then the catalog explains them"
    );
    // No UCT before the manoeuvre: the tracks fit the estimate until the burn.
    assert!(ucts.iter().all(|t| t.tick > 60));
    let det: Vec<&Record> = kind(&r, "manoeuvre_detected")
        .into_iter()
        .filter(|x| json(x)["nation"] == "A")
        .collect();
    assert_eq!(det.len(), 1);
    let d = json(det[0]);
    assert_eq!(
        (&d["object"], &d["tracks"], &d["inject"]),
        (&HIMAWARI_9.into(), &2.into(), &"M1".into())
    );
    assert_eq!(
        det[0].tick, ucts[1].tick,
        "declared when the second UCT track is reported"
    );
    // The scorecard counts it, and not as a false alarm.
    let mut card = sentinel_engine::scorecard::Builder::new(sentinel_engine::scorecard::RunInfo {
        scenario: s.name.clone(),
        seed: 1,
        epoch: sentinel_engine::time::format_iso(&s.clock.epoch),
        tick_s: u64::from(s.clock.tick_s),
        ticks: s.clock.ticks,
        regional_centers: Default::default(),
    });
    r.iter().for_each(|x| card.feed(x.tick, &x.event));
    let a = &card.finish(String::new()).nations["A"];
    assert_eq!((a.manoeuvres_declared, a.manoeuvre_false_alarms), (1, 0));
    // After re-cataloguing, tracks correlate again and refresh the catalog.
    let later: Vec<&&Record> = tracks.iter().filter(|t| t.tick > det[0].tick).collect();
    assert!(!later.is_empty() && later.iter().all(|t| json(t).get("uct").is_none()));
    // The other object is untouched.
    assert!(
        kind(&r, "track")
            .iter()
            .all(|t| t.event.object() != JCSAT_12 || json(t).get("uct").is_none())
    );
}

#[test]
fn a_small_burn_is_absorbed_by_the_fits_and_the_catalog_follows_it() {
    // 0.2 m/s along track: each 10-minute track differs from the prediction by far less than the
    // estimate's uncertainty, so every track associates and refines the entry; no manoeuvre is
    // declared, and the catalog stays accurate.
    let s =
        scenario(r#"injects: [Manoeuvre(id: "M1", object: 41836, at: "T+00:10", delta_v_m_s: (along_track: 0.2))],"#);
    let r = run(&s, 1);
    assert!(kind(&r, "track").iter().all(|t| json(t).get("uct").is_none()));
    assert!(kind(&r, "manoeuvre_detected").is_empty());
    let last = kind(&r, "custody")
        .into_iter()
        .rev()
        .find(|c| json(c)["id"] == "A")
        .unwrap();
    let median = json(last)["accuracy"]["GEO"]["median_km"].as_f64().unwrap();
    assert!(median < 1.0, "median GEO error {median} km");
}

#[test]
fn a_launch_appears_above_its_site_and_is_catalogued_after_n_tracks() {
    let s = scenario(
        r#"injects: [Launch(id: "L1", at: "T+01:00", owner: "A", objects: [
            (id: 99001, name: "NEW GEO", orbit: Circular(site_lat_deg: 10.0, site_lon_deg: 140.0, altitude_km: 35786.0, inclination_deg: 12.0)),
        ])],
        catalog_maintenance: (new_object_tracks: 3),"#,
    );
    let r = run(&s, 1);
    assert!(r.iter().all(|x| x.event.object() != 99001 || x.tick >= 60));
    let mut sim = Sim::new(&s, 1, SimOptions::default());
    while sim.next_tick() <= Tick(60) {
        sim.step();
    }
    let t = sim.truth(99001).unwrap();
    assert_eq!(t.tick, 60);
    let e = t.ecef_km;
    let lat = e[2].atan2((e[0] * e[0] + e[1] * e[1]).sqrt()).to_degrees();
    let lon = e[1].atan2(e[0]).to_degrees();
    assert!((lat - 10.0).abs() < 0.01 && (lon - 140.0).abs() < 0.01, "{lat} {lon}");
    for nation in ["A", "B"] {
        let ucts = kind(&r, "track")
            .iter()
            .filter(|x| x.event.object() == 99001 && json(x)["nation"] == nation && json(x)["uct"] == true)
            .count();
        // The first track fits nothing and starts a tentative entry by initial orbit
        // determination; the next ones associate with it, and the third catalogues it.
        assert_eq!(ucts, 1, "{nation}");
        let c: Vec<&Record> = kind(&r, "new_object_catalogued")
            .into_iter()
            .filter(|x| json(x)["nation"] == nation)
            .collect();
        assert_eq!(c.len(), 1);
        // Named by the nation's first analyst number (above the launch's id 99001), not its own.
        assert_eq!(
            (
                json(c[0])["tracks"].as_u64(),
                json(c[0])["inject"].as_str(),
                json(c[0])["object"].as_u64(),
                json(c[0])["true_object"].as_u64()
            ),
            (Some(3), Some("L1"), Some(100_000), Some(99001))
        );
    }
}

#[test]
fn a_breakup_makes_seeded_fragments_at_the_parents_position() {
    let text = r#"injects: [Breakup(id: "B1", object: 35755, at: "T+01:00", fragments: 6, first_id: 90100, delta_v_median_m_s: 20.0)],"#;
    let s = scenario(text);
    let mut sim = Sim::new(&s, 1, SimOptions::default());
    while sim.next_tick() <= Tick(60) {
        sim.step();
    }
    let parent = sim.truth(JCSAT_12).unwrap();
    let mut dvs = Vec::new();
    for k in 0..6 {
        let f = sim.truth(90100 + k).unwrap();
        let d = norm(sub(f.teme_km, parent.teme_km));
        assert!(d < 1.0, "fragment {k} starts {d} km from the parent");
        let dv = norm(sub(f.teme_vel_km_s, parent.teme_vel_km_s)) * 1000.0;
        assert!(dv > 20.0 / 10.0 && dv < 20.0 * 10.0, "{dv} m/s");
        dvs.push(dv);
    }
    assert!(dvs.windows(2).all(|w| w[0] != w[1]));
    // Fragments are seeded: the same seed gives the same log, another seed other fragments.
    let a = common::jsonl(&s, &run(&s, 1));
    assert_eq!(a, common::jsonl(&s, &run(&s, 1)));
    let b = common::jsonl(&s, &run(&s, 2));
    let frag = |log: &str| -> Vec<String> {
        log.lines()
            .filter(|l| l.contains("\"object\":9010"))
            .map(str::to_string)
            .take(5)
            .collect()
    };
    assert_ne!(frag(&a), frag(&b));
    let r = run(&s, 1);
    let bd = kind(&r, "breakup_detected");
    assert_eq!(bd.len(), 2, "each nation detects it once");
    assert!(bd.iter().all(|x| json(x)["inject"] == "B1"));
}

#[test]
fn reentry_outage_degradation_cut_and_priority_change_take_effect() {
    let sensors = format!(
        "{}{}{}",
        radar("A-RADAR", "A", 4),
        radar("B-RADAR", "B", 4),
        radar("A-ONE", "A", 1)
    );
    let s = scenario_with(
        &sensors,
        r#"agreements: [(id: "B-to-A", from: "B", to: "A", products: [Observations], delay_s: 0)],
        injects: [
            Reentry(id: "R1", object: 35755, at: "T+03:00"),
            SensorOutage(id: "O1", sensor: "A-RADAR", start: "T+01:00", end: "T+02:00"),
            SensorDegradation(id: "G1", sensor: "B-RADAR", start: "T+01:00", end: "T+02:00", snr_loss_db: 60.0),
            LinkCut(id: "C1", agreement: "B-to-A", start: "T+00:30", end: "T+01:30"),
            PriorityChange(id: "P1", nation: "A", object: 41836, priority: 1, start: "T+02:00", end: "T+02:30"),
        ],"#,
    );
    let r = run(&s, 1);
    let lost = kind(&r, "object_lost");
    assert_eq!((lost.len(), lost[0].tick, lost[0].event.object()), (1, 180, JCSAT_12));
    assert!(
        kind(&r, "detection")
            .iter()
            .all(|d| d.event.object() != JCSAT_12 || d.tick < 180)
    );
    let by = |sensor: &str, from: u64, to: u64| {
        kind(&r, "detection")
            .iter()
            .filter(|d| json(d)["sensor"] == sensor && (from..to).contains(&d.tick))
            .count()
    };
    assert_eq!(by("A-RADAR", 60, 120), 0, "outage");
    assert!(by("A-RADAR", 120, 180) > 0, "back after the outage");
    assert_eq!(by("B-RADAR", 60, 120), 0, "60 dB of SNR lost");
    let status: Vec<(u64, bool)> = kind(&r, "agreement_status")
        .iter()
        .map(|x| (x.tick, json(x)["active"].as_bool().unwrap()))
        .collect();
    assert_eq!(status, [(0, true), (30, false), (90, true)]);
    assert!(kind(&r, "share_sent").iter().all(|x| !(30..90).contains(&x.tick)));
    // A-ONE (capacity 1) alternates between the two objects; the priority holds it on HIMAWARI-9.
    let one: Vec<(u64, u32)> = kind(&r, "detection")
        .iter()
        .filter(|d| json(d)["sensor"] == "A-ONE")
        .map(|d| (d.tick, d.event.object()))
        .collect();
    assert!(
        one.iter()
            .filter(|x| (121..150).contains(&x.0))
            .all(|x| x.1 == HIMAWARI_9)
    );
    assert!(one.iter().any(|x| x.0 < 120 && x.1 == JCSAT_12));
    let ends: Vec<&str> = kind(&r, "inject_end")
        .iter()
        .map(|x| json(x)["inject"].as_str().unwrap().to_string())
        .map(|x| Box::leak(x.into_boxed_str()) as &str)
        .collect();
    assert_eq!(ends, ["C1", "G1", "O1", "P1"]);
}

#[test]
fn sharing_lets_a_nation_without_sensors_on_the_object_detect_the_manoeuvre() {
    // B's radar cannot reach GEO; only A sees the object. Without an agreement B never learns of the
    // manoeuvre; with A's observations it re-catalogues the object from A's tracks.
    let sensors = format!(
        "{}{}",
        radar("A-RADAR", "A", 4),
        r#"(id: "B-SHORT", nation: "B", site: (lat_deg: 35.0, lon_deg: 135.0), kind: Radar(min_elevation_deg: 0.0,
            max_range_km: 1000.0, reference_snr_db: 120.0, reference_range_km: 1000.0, range_sigma_m: 10.0,
            az_sigma_deg: 0.001, el_sigma_deg: 0.001, capacity: 4)),"#
    );
    let inject = r#"injects: [Manoeuvre(id: "M1", object: 41836, at: "T+01:00", delta_v_m_s: (along_track: 5.0))],"#;
    let alone = run(&scenario_with(&sensors, inject), 1);
    assert!(
        kind(&alone, "manoeuvre_detected")
            .iter()
            .all(|x| json(x)["nation"] == "A")
    );
    let shared = run(
        &scenario_with(
            &sensors,
            &format!(
                r#"{inject} agreements: [(id: "A-to-B", from: "A", to: "B", products: [Observations], delay_s: 300)],"#
            ),
        ),
        1,
    );
    let at = |nation: &str| {
        kind(&shared, "manoeuvre_detected")
            .iter()
            .find(|x| json(x)["nation"] == nation)
            .map(|x| x.tick)
    };
    let (a, b) = (at("A").unwrap(), at("B").unwrap());
    assert_eq!(b, a + 5, "B declares it when A's second UCT track arrives, 300 s later");
}

#[test]
fn custody_ages_out_after_the_revisit_requirement() {
    // A's only sensor is out from T+00:30 to T+03:00; GEO custody needs an observation within 1 h.
    let s = scenario_with(
        &radar("A-RADAR", "A", 4),
        r#"injects: [SensorOutage(id: "O1", sensor: "A-RADAR", start: "T+00:30", end: "T+03:00")],
        catalog_maintenance: (revisit_h: (geo: 1.0), custody_sample_s: 1800),"#,
    );
    let r = run(&s, 1);
    let held: Vec<(u64, u64)> = kind(&r, "custody")
        .iter()
        .filter(|x| json(x)["scope"] == "nation" && json(x)["id"] == "A")
        .map(|x| (x.tick, json(x)["in_custody_total"].as_u64().unwrap()))
        .collect();
    // Tracks are reported 10 minutes after their first detection; the last one before the outage
    // (detections up to tick 29) is reported at tick 30. It is 61 minutes old at tick 90.
    assert_eq!(
        held,
        [
            (0, 0),
            (30, 2),
            (60, 2),
            (90, 0),
            (120, 0),
            (150, 0),
            (180, 0),
            (210, 2),
            (239, 2)
        ]
    );
}

#[test]
fn injects_keep_the_log_deterministic() {
    // The bundled inject scenario: 1 vs 2 threads, injects and agreements listed in another order
    // (times written as ISO UTC instead of T+), and repeated runs give the same bytes, fragments included.
    let text = std::fs::read_to_string(common::repo().join("scenarios/gs-injects.ron")).unwrap();
    let s = common::load("gs-injects.ron", &text, "scenarios");
    let one = common::jsonl(
        &s,
        &common::run(
            &s,
            9,
            SimOptions {
                threads: 1,
                ..SimOptions::default()
            },
        ),
    );
    let two = common::jsonl(
        &s,
        &common::run(
            &s,
            9,
            SimOptions {
                threads: 2,
                ..SimOptions::default()
            },
        ),
    );
    assert_eq!(one, two);
    assert!(one.contains("\"kind\":\"breakup_detected\"") && one.contains("\"kind\":\"manoeuvre_detected\""));
    let mut lines: Vec<&str> = text.lines().collect();
    let m = lines
        .iter()
        .position(|l| l.contains("Manoeuvre(id: \"ISS-REBOOST\""))
        .unwrap();
    let reboost = lines.remove(m).replace("\"T+01:00\"", "\"2026-05-30T13:00:00Z\"");
    let end = lines.iter().position(|l| l.contains("PriorityChange(id:")).unwrap();
    lines.insert(end + 1, &reboost);
    let a = lines.iter().position(|l| l.contains("(id: \"USA-to-JPN\"")).unwrap();
    lines.swap(a, a + 1);
    let reordered = lines.join("\n");
    assert_ne!(reordered, text);
    let r = common::load("gs-injects-reordered.ron", &reordered, "scenarios");
    assert_eq!(one, common::jsonl(&r, &common::run(&r, 9, SimOptions::default())));
}

#[test]
fn without_a_count_a_breakup_makes_the_models_number_of_fragments() {
    let s = scenario(r#"injects: [Breakup(id: "B1", object: 35755, at: "T+01:00", first_id: 500000)],"#);
    let r = run(&s, 1);
    let objects = json(kind(&r, "inject")[0])["objects"].as_array().unwrap().len();
    assert_eq!(objects, 1 + 239, "the parent, then 6 x 0.1^-1.6 = 239 fragments");
}

#[test]
fn fragments_of_a_slow_breakup_are_catalogued_by_orbit_determination_and_cross_tagged() {
    // Ten fragments at a median 0.5 m/s, tracked from the start: they stay within a few km of
    // each other, so associations get confused.
    let s = scenario(
        r#"injects: [Breakup(id: "B1", object: 41836, at: "T+00:30", fragments: 10, first_id: 99100, delta_v_median_m_s: 0.5)],
        catalog_maintenance: (new_object_tracks: 2),"#,
    );
    let r = run(&s, 1);
    let fragment = |o: u64| (99100..99110).contains(&o);
    let catalogued = kind(&r, "new_object_catalogued")
        .iter()
        .filter(|x| fragment(json(x)["true_object"].as_u64().unwrap()))
        .count();
    let cross: Vec<&Record> = kind(&r, "cross_tag")
        .into_iter()
        .filter(|x| {
            fragment(json(x)["object"].as_u64().unwrap()) && fragment(json(x)["entry_object"].as_u64().unwrap())
        })
        .collect();
    println!(
        "fragments catalogued (both nations): {catalogued}; cross-tags between fragments: {}",
        cross.len()
    );
    assert!(catalogued >= 4, "{catalogued}");
    assert!(!cross.is_empty());
}

/// A conjunction inject: the secondary appears at `at`, and its truth passes the primary at the
/// scripted TCA (a tick here) at the scripted miss distance, directly above it, with the relative
/// speed the crossing angle gives; TCA is the closest approach (the distances a tick either side
/// are equal to 0.1 %). Radars then see the secondary as a new object, which the nations
/// catalogue by orbit determination. Without the inject, nothing of it exists.
#[test]
fn a_conjunction_inject_passes_its_primary_at_the_scripted_time_and_distance() {
    let s = scenario(
        r#"injects: [Conjunction(id: "C1", at: "T+00:30", primary: 41836, secondary: (id: 99100, name: "DEBRIS"),
                      tca: "T+02:00", miss_m: 350.0, crossing_angle_deg: 30.0)],
        catalog_maintenance: (new_object_tracks: 3),"#,
    );
    let mut sim = Sim::new(&s, 1, SimOptions::default());
    let mut records = Vec::new();
    while sim.next_tick() <= Tick(121) {
        records.extend(sim.step());
    }
    let at = |id: u32, tick: u64| sim.truth_state(id, Tick(tick)).unwrap();
    let (p, q) = (at(HIMAWARI_9, 120), at(99_100, 120));
    let rel = sub(q.teme_km, p.teme_km);
    assert!((norm(rel) - 0.350).abs() < 0.002, "miss {} km", norm(rel));
    // Directly above: along the primary's radius.
    let radial = (rel[0] * p.teme_km[0] + rel[1] * p.teme_km[1] + rel[2] * p.teme_km[2]) / norm(p.teme_km);
    assert!((radial - norm(rel)).abs() < 0.002, "{radial}");
    // Relative speed 2 v sin(15°) for a near-circular orbit; perpendicular to the miss.
    let dv = sub(q.teme_vel_km_s, p.teme_vel_km_s);
    let expect = 2.0 * norm(p.teme_vel_km_s) * 15f64.to_radians().sin();
    assert!(
        (norm(dv) - expect).abs() < 1e-3 * expect,
        "{} vs {expect} km/s",
        norm(dv)
    );
    let d = |t| norm(sub(at(99_100, t).teme_km, at(HIMAWARI_9, t).teme_km));
    let (before, after) = (d(119), d(121));
    assert!(
        before > 60.0 && (before - after).abs() < 1e-3 * before,
        "{before} {after} km"
    );
    // Not there before `at` (tick 1 fires at T+00:30 rounded up to the minute).
    assert!(records.iter().all(|r| r.event.object() != 99_100 || r.tick >= 1));
    let inj = json(kind(&records, "inject")[0]);
    assert_eq!(
        (&inj["inject_kind"], &inj["objects"]),
        (&"conjunction".into(), &serde_json::json!([41836, 99100]))
    );
    assert!(inj["failed"].is_null());
    // The nations' radars see it; it is uncorrelated at first and catalogued by each nation.
    let r = run(&s, 1);
    for nation in ["A", "B"] {
        let c = kind(&r, "new_object_catalogued")
            .into_iter()
            .filter(|x| json(x)["nation"] == nation && json(x)["true_object"] == 99_100)
            .count();
        assert_eq!(c, 1, "{nation}");
    }
    assert!(run(&scenario(""), 1).iter().all(|x| x.event.object() != 99_100));
}

/// Conjunction injects are checked: a TCA before the secondary appears, a miss distance out of
/// range, a crossing angle of 0, a taken secondary number and an unknown primary are each an
/// error at its position.
#[test]
fn bad_conjunction_injects_are_errors_at_their_positions() {
    let text = r#"Scenario(
    name: "c", epoch: "2026-05-30T13:00:00Z", duration_s: 14400, tick_s: 60,
    nations: [(id: "A", name: "A")], sensors: [],
    catalog: [Tle(lines: ["JCSAT-12",
        "1 35755U 09044A   26150.52931010 -.00000316  00000+0  00000+0 0  9996",
        "2 35755   0.0490  86.8901 0000781 260.0846 223.6610  1.00270578 61438"])],
    injects: [
        Conjunction(id: "C1", at: "T+01:00", primary: 35755, secondary: (id: 99100), tca: "T+00:30", miss_m: -5.0),
        Conjunction(id: "C2", at: "T+01:00", primary: 12345, secondary: (id: 35755), tca: "T+02:00", miss_m: 10.0, crossing_angle_deg: 0.0),
    ],
)"#;
    let err = match sentinel_engine::load_scenario(&SourceFile::new("c.ron", text), &mut common::MemLoader::default()) {
        Ok(_) => panic!("accepted"),
        Err(d) => d,
    };
    let got: Vec<String> = err
        .0
        .iter()
        .map(|d| format!("{} {}", d.location().unwrap(), d.message))
        .collect();
    let want = [
        "c.ron:8:91 inject `C1`: the closest approach is not after the secondary appears (`at`)",
        "c.ron:8:110 inject `C1`: miss_m -5 is outside 0-100000 m",
        "c.ron:9:55 inject `C2` names object 12345, which is not in the catalog",
        "c.ron:9:78 inject `C2`: catalog number 35755 is already taken",
        "c.ron:9:136 inject `C2`: crossing_angle_deg 0 is outside (0, 180]",
    ];
    assert_eq!(got, want);
}

/// The same in LEO, head-on (7.7 km/s each way): the miss at TCA within 2 m of the script.
#[test]
fn a_head_on_conjunction_in_leo_misses_by_the_scripted_distance() {
    let text = r#"Scenario(
    name: "leo", epoch: "2026-05-30T13:00:00Z", duration_s: 7200, tick_s: 60,
    nations: [(id: "A", name: "A")], sensors: [],
    catalog: [Tle(lines: ["ISS (ZARYA)",
        "1 25544U 98067A   26150.51748228  .00011776  00000+0  21767-3 0  9998",
        "2 25544  51.6337  27.5746 0007245 114.7080 245.4664 15.49496548569014"])],
    injects: [Conjunction(id: "C1", at: "T+00:10", primary: 25544, secondary: (id: 99100), tca: "T+01:00", miss_m: 80.0, crossing_angle_deg: 180.0)],
)"#;
    let s =
        sentinel_engine::load_scenario(&SourceFile::new("leo.ron", text), &mut common::MemLoader::default()).unwrap();
    let mut sim = Sim::new(&s, 1, SimOptions::default());
    while sim.next_tick() <= Tick(60) {
        sim.step();
    }
    let (p, q) = (
        sim.truth_state(25544, Tick(60)).unwrap(),
        sim.truth_state(99_100, Tick(60)).unwrap(),
    );
    let miss = norm(sub(q.teme_km, p.teme_km));
    println!("LEO head-on: miss {:.4} m", miss * 1000.0);
    assert!((miss - 0.080).abs() < 0.002, "miss {miss} km");
    let speed = norm(sub(q.teme_vel_km_s, p.teme_vel_km_s));
    assert!(speed > 15.0, "{speed} km/s");
}
