//! Property: a nation's view holds only what that nation could know. Over random exercises with
//! launches, breakups and manoeuvres, random radar laydowns and random sharing agreements, every
//! nation's view (`NationView`, as `sentinel run --view` writes it):
//! - holds no truth: no true geometry, detection probability, SNR, magnitude, true maximum
//!   elevation or inject id, no truth-only event kind, no access window or miss (when a true object
//!   is in a sensor's field of regard is truth), and no true catalog number on a detection or track;
//! - names objects only by numbers the nation could know: its catalog at the start, or numbers it
//!   gave objects it catalogued itself or a partner gave them in products (never the true number
//!   of a launched object or fragment);
//! - still holds every detection of its own sensors and every product delivered to it.
//!
//! Knowledge is re-derived here from the catalog file and the generated scenario, not from the
//! engine's view code.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use sentinel_engine::view::NationView;
use sentinel_engine::{Event, Record, Scenario, Sim, SimOptions, SourceFile};

const NATIONS: [&str; 3] = ["A", "B", "C"];
const TICK_S: u64 = 30;
const TICKS: u64 = 300;
const CATALOG: &str = "data/celestrak-stations-2026-05-30.tle";
/// Real radar sites (lat, lon): Eglin, Fylingdales, Kwajalein, Shemya, Kyogamisaki, Perth.
const SITES: [(f64, f64); 6] = [
    (30.572, -86.215),
    (54.362, -0.670),
    (9.395, 167.470),
    (52.737, 174.092),
    (35.766, 135.197),
    (-31.9, 115.9),
];
/// Truth-only keys: none may appear anywhere in a view line (`object` only on detections and
/// tracks, checked separately).
const TRUTH_KEYS: [&str; 9] = [
    "true",
    "true_object",
    "geometry",
    "pd",
    "snr_db",
    "magnitude",
    "max_el_deg",
    "inject",
    "inject_kind",
];

#[derive(Debug, Clone)]
struct Case {
    /// Per sensor: (nation, site, capacity, reference SNR in dB).
    sensors: Vec<(usize, usize, u32, u32)>,
    /// Directed sharing agreements (from, to, delay in minutes).
    agreements: Vec<(usize, usize, u32)>,
    breakup_min: u32,
    fragments: u32,
    launch_min: u32,
    manoeuvre_min: u32,
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec((0..3usize, 0..6usize, 1..4u32, 5..30u32), 2..6),
        proptest::collection::vec((0..3usize, 1..3usize, 0..30u32), 0..4),
        5..90u32,
        3..25u32,
        5..90u32,
        5..90u32,
    )
        .prop_map(|(sensors, ags, breakup_min, fragments, launch_min, manoeuvre_min)| {
            let mut seen = BTreeSet::new();
            let agreements = ags
                .into_iter()
                .map(|(a, d, delay)| (a, (a + d) % 3, delay))
                .filter(|&(a, b, _)| seen.insert((a, b)))
                .collect();
            Case {
                sensors,
                agreements,
                breakup_min,
                fragments,
                launch_min,
                manoeuvre_min,
            }
        })
}

fn hhmm(min: u32) -> String {
    format!("T+{:02}:{:02}", min / 60, min % 60)
}

fn ron(c: &Case) -> String {
    let sensors: String = c
        .sensors
        .iter()
        .enumerate()
        .map(|(i, &(n, site, capacity, snr))| {
            format!(
                "(id: \"S{i}\", nation: \"{}\", site: (lat_deg: {}, lon_deg: {}), kind: Radar(min_elevation_deg: 5.0, \
                 max_range_km: 4000.0, reference_snr_db: {snr}.0, reference_range_km: 1000.0, range_sigma_m: 20.0, \
                 az_sigma_deg: 0.02, el_sigma_deg: 0.02, capacity: {capacity})),\n",
                NATIONS[n], SITES[site].0, SITES[site].1
            )
        })
        .collect();
    let agreements: String = c
        .agreements
        .iter()
        .map(|&(a, b, delay)| {
            format!(
                "(id: \"{0}-{1}\", from: \"{0}\", to: \"{1}\", products: [Observations], delay_s: {2}),\n",
                NATIONS[a],
                NATIONS[b],
                delay * 60
            )
        })
        .collect();
    format!(
        r#"Scenario(
    name: "views property", epoch: "2026-05-30T12:00:00Z", duration_s: {}, tick_s: {TICK_S}, seed: 11,
    nations: [(id: "A", name: "A"), (id: "B", name: "B"), (id: "C", name: "C")],
    sensors: [{sensors}],
    catalog: [File(path: "{CATALOG}", class: Payload)],
    agreements: [{agreements}],
    injects: [
        Breakup(id: "BU", object: 66515, at: "{}", fragments: {}, first_id: 99100, delta_v_median_m_s: 20.0),
        Launch(id: "LA", at: "{}", owner: "A", objects: [
            (id: 99001, name: "PAYLOAD", orbit: Circular(site_lat_deg: 30.4, site_lon_deg: 130.97, altitude_km: 500.0, inclination_deg: 30.4)),
        ]),
        Manoeuvre(id: "MV", object: 25544, at: "{}", delta_v_m_s: (along_track: 5.0)),
    ],
)"#,
        TICKS * TICK_S,
        hhmm(c.breakup_min),
        c.fragments,
        hhmm(c.launch_min),
        hhmm(c.manoeuvre_min),
    )
}

fn load(text: &str) -> Scenario {
    let src = SourceFile::new("views.ron", text);
    match sentinel_engine::load_scenario(&src, &mut common::DirLoader(common::repo().join("scenarios"))) {
        Ok(s) => s,
        Err(d) => panic!("generated scenario does not load:\n{d}\n{text}"),
    }
}

/// Catalog numbers in the catalog file, read from its line-1 columns 3-7 (not through the engine).
fn catalog_numbers() -> BTreeSet<u32> {
    let text = std::fs::read_to_string(common::repo().join("scenarios").join(CATALOG)).unwrap();
    text.lines()
        .filter(|l| l.starts_with("1 "))
        .map(|l| l[2..7].trim().parse().unwrap())
        .collect()
}

/// Runs the scenario; returns the full log and every nation's view.
fn run(s: &Scenario) -> (Vec<Record>, BTreeMap<&'static str, Vec<Record>>) {
    let mut sim = Sim::new(s, 11, SimOptions::default());
    let mut views: Vec<NationView> = NATIONS.iter().map(|n| NationView::new(n)).collect();
    let (mut all, mut seen) = (Vec::new(), BTreeMap::new());
    while !sim.is_done() {
        let tick = sim.step();
        for (n, v) in NATIONS.iter().zip(views.iter_mut()) {
            seen.entry(*n).or_insert_with(Vec::new).extend(v.tick(&tick));
        }
        all.extend(tick);
    }
    common::round_trip(s, &all);
    for v in seen.values() {
        common::round_trip(s, v);
    }
    (all, seen)
}

/// Every key anywhere in a JSON value.
fn keys(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

/// The object an event is about, if any (0 is never a catalog number here).
fn about(e: &Event) -> Option<u32> {
    match e {
        Event::AgreementStatus { .. }
        | Event::LiaisonDuty { .. }
        | Event::LiaisonQueue { .. }
        | Event::Custody { .. } => None,
        _ => Some(e.object()).filter(|&o| o != 0),
    }
}

/// Tracks of new objects (launched or fragments) whose true number views hid, over all checks
/// (so the property is not vacuous).
static HIDDEN: AtomicU64 = AtomicU64::new(0);

/// True catalog numbers of the objects the generated scenario's injects create.
fn injected(c: &Case) -> BTreeSet<u32> {
    std::iter::once(99001)
        .chain((0..c.fragments).map(|k| 99100 + k))
        .collect()
}

/// Tasking events name the object the request named (planners may name any object).
fn names_a_request(e: &Event) -> bool {
    use sentinel_engine::EventKind::*;
    matches!(
        e.kind(),
        TaskingRequested
            | TaskingRouted
            | TaskingDropped
            | TaskingAccepted
            | TaskingDeclined
            | TaskingObserved
            | TaskingExpired
            | TaskingReported
    )
}

fn check(c: &Case, records: &[Record], views: &BTreeMap<&str, Vec<Record>>) -> Result<(), TestCaseError> {
    let catalog = catalog_numbers();
    let injected = injected(c);
    for (n, nation) in NATIONS.iter().enumerate() {
        let own: BTreeSet<String> = c
            .sensors
            .iter()
            .enumerate()
            .filter(|(_, s)| s.0 == n)
            .map(|(i, _)| format!("S{i}"))
            .collect();
        let view = &views[nation];
        for r in view {
            let line = serde_json::to_value(&r.event).unwrap();
            let mut k = BTreeSet::new();
            keys(&line, &mut k);
            for banned in TRUTH_KEYS {
                prop_assert!(!k.contains(banned), "{nation}'s view holds `{banned}`: {line}");
            }
            let kind = r.event.kind().as_str();
            prop_assert!(
                ![
                    "object_lost",
                    "inject",
                    "inject_end",
                    "custody",
                    "cross_tag",
                    "breakup_detected",
                    "access_start",
                    "access_end",
                    "missed"
                ]
                .contains(&kind),
                "{nation}'s view holds a truth event: {line}"
            );
            if matches!(r.event, Event::Detection { .. } | Event::Track { .. }) {
                prop_assert!(!k.contains("object"), "{nation}'s view names what it detected: {line}");
            }
            if let Some(o) = about(&r.event).filter(|_| !names_a_request(&r.event)) {
                prop_assert!(
                    catalog.contains(&o) || !injected.contains(&o),
                    "{nation}'s view names a new object by its true number {o}: {line}"
                );
            }
            if let Event::Track { product, entry, .. } = &r.event {
                let truth = records.iter().find_map(|t| match &t.event {
                    Event::Track { product: p, object, .. } if p == product => *object,
                    _ => None,
                });
                prop_assert!(truth.is_some(), "{nation}'s view has a track the log has not: {line}");
                if let Some(o) = truth.filter(|o| injected.contains(o)) {
                    prop_assert!(*entry != Some(o), "{nation}'s track names new object {o}: {line}");
                    HIDDEN.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        // Nothing the nation measured or received is missing.
        let kept = |kind: &str, pick: &dyn Fn(&Event) -> bool| {
            let key = |r: &Record| match &r.event {
                Event::Detection { sensor, measured, .. } => (r.tick, sensor.to_string(), measured.az_deg.to_bits()),
                Event::ShareDelivered(d) => (r.tick, d.from.to_string(), d.product),
                e => panic!("{e:?}"),
            };
            let full: Vec<_> = records
                .iter()
                .filter(|r| r.event.kind().as_str() == kind && pick(&r.event))
                .map(key)
                .collect();
            let shown: Vec<_> = view
                .iter()
                .filter(|r| r.event.kind().as_str() == kind)
                .map(key)
                .collect();
            (full, shown)
        };
        let (full, shown) = kept(
            "detection",
            &|e| matches!(e, Event::Detection { sensor, .. } if own.contains(&**sensor)),
        );
        prop_assert_eq!(full, shown, "{}'s detections", nation);
        let (full, shown) = kept(
            "share_delivered",
            &|e| matches!(e, Event::ShareDelivered(d) if &*d.to == *nation),
        );
        prop_assert_eq!(full, shown, "{}'s deliveries", nation);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_view_holds_only_what_its_nation_could_know(c in case()) {
        let s = load(&ron(&c));
        let (records, views) = run(&s);
        check(&c, &records, &views)?;
    }
}

/// A fixed exercise in which the launched object and the fragments pass over the nations'
/// radars: the full log has their accesses and misses and their true numbers, the views none of
/// them, and the nations' tracks of them name no true number (the checks above see such tracks:
/// their count is not zero).
#[test]
fn new_objects_are_never_named_by_their_true_numbers() {
    let c = Case {
        sensors: vec![(0, 4, 2, 25), (2, 4, 1, 6), (1, 1, 2, 25)],
        agreements: vec![(0, 1, 5)],
        breakup_min: 10,
        fragments: 20,
        launch_min: 20,
        manoeuvre_min: 30,
    };
    let s = load(&ron(&c));
    let sim = Sim::new(&s, 11, SimOptions::default());
    let start: BTreeSet<u32> = sim.known_at_start("C").into_iter().collect();
    assert_eq!(start, catalog_numbers(), "a nation starts with the scenario's catalog");
    let before = HIDDEN.load(Ordering::Relaxed);
    let (records, views) = run(&s);
    check(&c, &records, &views).unwrap();
    assert!(
        HIDDEN.load(Ordering::Relaxed) > before,
        "no track of a new object to check"
    );
    let truth_of_new = |r: &Record| match &r.event {
        Event::AccessStart { object, .. } | Event::Missed { object, .. } => injected(&c).contains(object),
        _ => false,
    };
    let full = records.iter().filter(|r| truth_of_new(r)).count();
    assert!(full > 0, "the radars never had a new object in view");
}
