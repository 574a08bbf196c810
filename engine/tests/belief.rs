//! Belief from measurements: objects injects add enter catalogs only through initial orbit
//! determination (what a nation receives changing its accuracy is checked from report.json, in
//! tests/e2e/report.rs).

mod common;

use sentinel_engine::{Event, Record, SimOptions};

fn run() -> Vec<Record> {
    common::run(
        &common::load_file("scenarios/gs-injects.ron"),
        2024,
        SimOptions::default(),
    )
}

#[test]
fn breakup_fragments_enter_catalogs_only_by_orbit_determination() {
    fragments_enter_catalogs_only_by_orbit_determination(&run());
}

/// The Shenzhou-21 breakup's fragments (99100-99139) are in no catalog at the start: each nation
/// catalogues them from uncorrelated tracks (initial orbit determination, then tracks associated
/// with the tentative entry) under its own analyst numbers, never updating one before; and close
/// fragments are cross-tagged.
fn fragments_enter_catalogs_only_by_orbit_determination(records: &[Record]) {
    let fragment = |o: u32| (99100..99140).contains(&o);
    // When each nation catalogued each fragment, by its analyst number (events within a tick are
    // ordered by kind, so a catalogue decision and the update it makes share a tick).
    let mut catalogued = std::collections::BTreeMap::new();
    let mut fragments = std::collections::BTreeSet::new();
    let (mut cross, mut duplicates) = (0, 0);
    for r in records {
        match &r.event {
            Event::NewObjectCatalogued {
                nation,
                object,
                true_object: Some(t),
                ..
            } => {
                assert_ne!(object, t, "{nation} named new object {t} by its true number");
                assert!(
                    catalogued.insert((nation.clone(), *object), r.tick).is_none(),
                    "{nation} gave {object} twice"
                );
                // A second entry for the same fragment (two initial orbits that never met) is a
                // duplicate in the nation's catalog: possible, and counted.
                if fragment(*t) && !fragments.insert((nation.clone(), *t)) {
                    duplicates += 1;
                }
            }
            Event::CrossTag {
                object, entry_object, ..
            } if fragment(*object) && fragment(*entry_object) => cross += 1,
            _ => {}
        }
    }
    for r in records {
        if let Event::CatalogUpdate { nation, object, .. } = &r.event
            && *object >= 100_000
        {
            let at = catalogued.get(&(nation.clone(), *object));
            assert!(
                at.is_some_and(|&t| t <= r.tick),
                "{nation} updated its object {object} at tick {} before cataloguing it ({at:?})",
                r.tick
            );
        }
    }
    let new = fragments.len();
    println!(
        "fragments catalogued (nation, fragment): {new} (and {duplicates} duplicates); cross-tags between fragments: {cross}"
    );
    assert!(new >= 10, "{new}");
    // Here the fragments spread at 15 m/s and are seen hours later, so they are rarely confused
    // (the confusions in this run are among the vehicles docked at the ISS); see below for close ones.
    let _ = cross;
}

/// What a nation starts with is the scenario's to say: `A` knows only the objects it owns and
/// catalogues any other object it observes as a new one, under its own analyst number; `B` starts
/// from its own catalog, ten times more accurate than the published one `C` starts from.
#[test]
fn a_nations_starting_catalog_follows_knows_and_prior() {
    let s = common::load(
        "start.ron",
        r#"Scenario(
    name: "starting catalogs", epoch: "2026-05-30T12:00:00Z", duration_s: 7200, tick_s: 30, seed: 3,
    nations: [
        (id: "A", name: "A", knows: OwnedOnly),
        (id: "B", name: "B", prior: {Leo: (radial_km: 0.02, along_km: 0.1, cross_km: 0.03, drift_km_per_day: 0.2)}),
        (id: "C", name: "C"),
    ],
    sensors: [
        (id: "A-R", nation: "A", site: (lat_deg: 35.0, lon_deg: 135.0), kind: Radar(min_elevation_deg: 5.0,
            max_range_km: 4000.0, reference_snr_db: 40.0, reference_range_km: 1000.0, range_sigma_m: 20.0,
            az_sigma_deg: 0.02, el_sigma_deg: 0.02, capacity: 20)),
    ],
    catalog: [File(path: "data/celestrak-stations-2026-05-30.tle")],
    object_overrides: [(id: 25544, owner: "A")],
    catalog_maintenance: (custody_sample_s: 3600),
)"#,
        "scenarios",
    );
    let sim = sentinel_engine::Sim::new(&s, 3, SimOptions::default());
    assert_eq!(sim.known_at_start("A"), vec![25544]);
    let all = sim.known_at_start("C");
    assert_eq!(sim.known_at_start("B"), all);
    assert!(all.len() > 20, "{}", all.len());
    drop(sim);
    let records = common::run(&s, 3, SimOptions::default());
    // A catalogues objects of the public catalog it observes, as new objects under its numbers.
    let new: Vec<(u32, u32)> = records
        .iter()
        .filter_map(|r| match &r.event {
            Event::NewObjectCatalogued {
                nation,
                object,
                true_object: Some(t),
                ..
            } if &**nation == "A" => Some((*object, *t)),
            _ => None,
        })
        .collect();
    assert!(!new.is_empty(), "A catalogued nothing");
    assert!(
        new.iter().all(|(o, t)| *o >= 80_000 && all.contains(t) && *t != 25544),
        "{new:?}"
    );
    // The first custody sample scores the starting catalogs: B's LEO error is about a tenth of C's.
    let median = |nation: &str| {
        records
            .iter()
            .find_map(|r| match &r.event {
                Event::Custody {
                    scope: sentinel_engine::event::Scope::Nation,
                    id,
                    accuracy: Some(a),
                    ..
                } if &**id == nation => Some(a[&sentinel_engine::event::RegimeName::Leo].median_km),
                _ => None,
            })
            .unwrap()
    };
    let (b, c) = (median("B"), median("C"));
    println!("median LEO error at the first sample: B {b:.3} km, C {c:.3} km");
    assert!(b < 0.25 * c, "B {b} vs C {c}");
}

/// A nation whose `knows` holds nothing of the catalog starts empty: accepted, with a warning at
/// the nation (here `OwnedOnly` for a nation that owns nothing, and an empty list).
#[test]
fn an_empty_starting_catalog_is_warned_at_the_nation() {
    let text = r#"Scenario(
    name: "empty", epoch: "2026-05-30T12:00:00Z", duration_s: 600, tick_s: 60,
    nations: [(id: "A", name: "A", knows: OwnedOnly), (id: "B", name: "B", knows: Objects([])), (id: "C", name: "C")],
    sensors: [],
    catalog: [File(path: "data/celestrak-stations-2026-05-30.tle")],
)"#;
    let src = sentinel_engine::SourceFile::new("empty.ron", text);
    let s = match sentinel_engine::load_scenario(&src, &mut common::DirLoader(common::repo().join("scenarios"))) {
        Ok(s) => s,
        Err(d) => panic!("does not load:\n{d}"),
    };
    let got: Vec<(usize, usize, bool)> = s
        .warnings
        .0
        .iter()
        .map(|w| {
            let (l, c) = src.line_col(w.span.start);
            (l, c, w.message.contains("starts with an empty catalog"))
        })
        .collect();
    assert_eq!(got, vec![(3, 20, true), (3, 60, true)], "{:?}", s.warnings);
    let sim = sentinel_engine::Sim::new(&s, 1, SimOptions::default());
    assert!(sim.known_at_start("A").is_empty() && sim.known_at_start("B").is_empty());
    assert!(!sim.known_at_start("C").is_empty());
}

/// With a fit span of three hours (`catalog_maintenance.fit_span_h`), entries are refitted over
/// their span once an hour of new measurements has come in: a refitted entry's oldest measurement
/// lies within the span of its newest, and its epoch is its newest. Entries whose drag term is
/// unknown (initial orbits of the launch and the breakup's fragments) with low perigees have B*
/// estimated then, and the true B* lies within 3 sigma of the estimate in most of them. Same
/// bytes at 1 and 2 threads.
#[test]
fn a_short_fit_span_refits_entries_over_their_span_and_estimates_bstar() {
    let text = std::fs::read_to_string(common::repo().join("scenarios/gs-injects.ron")).unwrap();
    let text = text.replace("custody_sample_s: 1800,", "custody_sample_s: 1800, fit_span_h: 3.0,");
    assert!(text.contains("fit_span_h: 3.0"));
    let s = common::load("gs-injects-span3.ron", &text, "scenarios");
    let span_ticks = 3 * 3600 / s.clock.tick_s as u64;
    let truth: std::collections::BTreeMap<u32, f64> = sentinel_engine::systems::inject::population(&s)
        .iter()
        .map(|m| (m.object.id, m.object.elements.drag_term))
        .collect();
    let mut sims: Vec<sentinel_engine::Sim> = [1, 2]
        .map(|threads| {
            sentinel_engine::Sim::new(
                &s,
                2024,
                SimOptions {
                    threads,
                    ..SimOptions::default()
                },
            )
        })
        .into();
    let mut failed_refits = 0;
    // Truth side: the object each nation's analyst number was catalogued from.
    let mut analyst = std::collections::BTreeMap::new();
    while !sims[0].is_done() {
        let (a, b) = (sims[0].step(), sims[1].step());
        assert_eq!(common::jsonl(&s, &a), common::jsonl(&s, &b));
        for r in &a {
            match &r.event {
                Event::OdFailed { reason, .. } if reason.starts_with("refit over the fit span") => failed_refits += 1,
                Event::NewObjectCatalogued {
                    nation,
                    object,
                    true_object: Some(t),
                    ..
                } => {
                    analyst.insert((nation.to_string(), *object), *t);
                }
                _ => {}
            }
        }
    }
    let (mut refitted, mut entries, mut with_bstar, mut bstar_inside) = (0, 0, 0, 0);
    for nation in s.nations.iter().map(|n| n.id.as_str()) {
        for e in sims[0].nation_catalog(nation).unwrap() {
            entries += 1;
            let Some(at) = e.refit_tick else { continue };
            refitted += 1;
            let first = e.first_obs_tick.unwrap();
            assert!(
                first + span_ticks >= at,
                "{nation} {}: refitted at tick {at} over a measurement of tick {first}",
                e.object
            );
            let epoch = s.clock.time_of(sentinel_engine::Tick(at));
            assert!(
                (e.elements.datetime - epoch).num_milliseconds().abs() < 1,
                "{nation} {}",
                e.object
            );
            if let Some(sb) = e.bstar_sigma {
                with_bstar += 1;
                let true_id = analyst
                    .get(&(nation.to_string(), e.object))
                    .copied()
                    .unwrap_or(e.object);
                let t = truth[&true_id];
                bstar_inside += usize::from((e.elements.drag_term - t).abs() <= 3.0 * sb);
            }
        }
    }
    println!(
        "fit span 3 h: {refitted} of {entries} catalogued entries refitted over their span ({failed_refits} refits failed and kept their estimate); {with_bstar} with B* estimated"
    );
    assert!(refitted >= 50, "{refitted} of {entries}");
    assert!(with_bstar >= 5, "{with_bstar}");
    println!("true B* within 3 sigma of {bstar_inside} of {with_bstar} estimates");
    assert!(bstar_inside * 10 >= with_bstar * 9, "{bstar_inside} of {with_bstar}");
}

/// Two objects flying 600 m apart along one orbit (the ISS and a copy 0.005° of mean anomaly
/// ahead), both in the published catalog, whose errors (1 km along track) are larger than their
/// separation, so both entries' gates take either object's tracks. A radar pointing at an entry's
/// prediction tags its tracks with that entry, and a tagged track that fits its entry's gate is
/// associated with it: no track is cross-tagged, and each entry is refined by its own object's
/// tracks. (Associated by the nearest entry within the gate instead, as before tags, this run
/// cross-tagged 10 of its 178 tracks: the test fails on that code.)
#[test]
fn tagged_tracks_of_objects_closer_than_their_errors_keep_to_their_entries() {
    let s = common::load(
        "formation.ron",
        r#"Scenario(
    name: "formation", epoch: "2026-05-30T12:00:00Z", duration_s: 86400, tick_s: 10, seed: 5,
    nations: [(id: "A", name: "A")],
    sensors: [
        (id: "A-R", nation: "A", site: (lat_deg: 35.0, lon_deg: 135.0), kind: Radar(min_elevation_deg: 5.0,
            max_range_km: 4000.0, reference_snr_db: 60.0, reference_range_km: 1000.0, range_sigma_m: 20.0,
            az_sigma_deg: 0.02, el_sigma_deg: 0.02, capacity: 10)),
        (id: "A-R2", nation: "A", site: (lat_deg: 40.0, lon_deg: -105.0), kind: Radar(min_elevation_deg: 5.0,
            max_range_km: 4000.0, reference_snr_db: 60.0, reference_range_km: 1000.0, range_sigma_m: 20.0,
            az_sigma_deg: 0.02, el_sigma_deg: 0.02, capacity: 10)),
    ],
    catalog: [
        Tle(lines: ["ISS (ZARYA)",
            "1 25544U 98067A   26150.51748228  .00011776  00000+0  21767-3 0  9998",
            "2 25544  51.6337  27.5746 0007245 114.7080 245.4664 15.49496548569014"]),
        Tle(lines: ["ISS (COPY)",
            "1 99001U 98067X   26150.51748228  .00011776  00000+0  21767-3 0  9997",
            "2 99001  51.6337  27.5746 0007245 114.7080 245.4714 15.49496548569019"]),
    ],
    track_report_s: 60,
)"#,
        "scenarios",
    );
    let records = common::run(&s, 5, SimOptions::default());
    let mut tracks = std::collections::BTreeMap::new();
    let mut cross = 0;
    for r in &records {
        match &r.event {
            Event::Track {
                object: Some(o),
                entry: Some(e),
                ..
            } => *tracks.entry((*o, *e)).or_insert(0) += 1,
            Event::CrossTag { .. } => cross += 1,
            _ => {}
        }
    }
    println!("tracks by (object, entry): {tracks:?}; cross-tags: {cross}");
    assert_eq!(cross, 0);
    assert!(tracks.keys().all(|(o, e)| o == e), "{tracks:?}");
    for id in [25544, 99001] {
        assert!(tracks.get(&(id, id)).is_some_and(|&n| n >= 10), "{tracks:?}");
    }
}
