//! Property: over randomly generated agreements, rules, liaisons, regional centers, tasking requests
//! and object ownership, no nation's view ever holds a record that the agreements deny it, nor any
//! record before it was delivered. The checks re-derive every allowance from the scenario as
//! written (not from the engine's own policy code), and trace every product back to its track.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use sentinel_engine::event::{
    Channel, ProductKind, RequestOutcome, ShareDeliveredEvent, TaskingReportedEvent, UpdateVia,
};
use sentinel_engine::{Event, Record, Scenario, SimOptions, SourceFile};

const NATIONS: [&str; 3] = ["A", "B", "C"];
const OBJECTS: [u32; 2] = [41836, 35755];
const TICK_S: u64 = 60;
const TICKS: u64 = 180;

#[derive(Debug, Clone)]
struct Sel {
    owners: Vec<usize>,
    objects: Vec<usize>,
    military: Option<bool>,
}

#[derive(Debug, Clone)]
enum RuleGen {
    Deny(Sel),
    Only(Sel),
    Degrade(Sel, u32),
}

#[derive(Debug, Clone)]
struct AgreementGen {
    from: usize,
    to: usize,
    products: Vec<usize>,
    delay_min: u32,
    start_min: Option<u32>,
    len_min: Option<u32>,
    rules: Vec<RuleGen>,
}

#[derive(Debug, Clone)]
struct LiaisonGen {
    home: usize,
    host: usize,
    latency_min: u32,
    per_hour: u32,
    queue: u32,
    duty: Option<(u32, u32)>,
    relay: usize,
}

#[derive(Debug, Clone)]
struct RequestGen {
    by: usize,
    to: usize,
    object: usize,
    at_min: u32,
    len_min: u32,
}

#[derive(Debug, Clone)]
struct Case {
    owners: [Option<usize>; 2],
    military: [bool; 2],
    agreements: Vec<AgreementGen>,
    liaisons: Vec<LiaisonGen>,
    center: Option<(Vec<usize>, u32)>,
    requests: Vec<RequestGen>,
}

fn sel() -> impl Strategy<Value = Sel> {
    (
        proptest::collection::vec(0..3usize, 0..2),
        proptest::collection::vec(0..2usize, 0..2),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(owners, objects, military)| Sel {
            owners,
            objects,
            military,
        })
}

fn rule() -> impl Strategy<Value = RuleGen> {
    prop_oneof![
        sel().prop_map(RuleGen::Deny),
        sel().prop_map(RuleGen::Only),
        (sel(), 1..100u32).prop_map(|(s, n)| RuleGen::Degrade(s, n)),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let pair = (0..3usize, 1..3usize).prop_map(|(a, d)| (a, (a + d) % 3));
    let agreement = (
        pair.clone(),
        proptest::collection::vec(0..3usize, 1..3),
        0..90u32,
        proptest::option::of(0..150u32),
        proptest::option::of(1..150u32),
        proptest::collection::vec(rule(), 0..3),
    )
        .prop_map(
            |((from, to), products, delay_min, start_min, len_min, rules)| AgreementGen {
                from,
                to,
                products,
                delay_min,
                start_min,
                len_min,
                rules,
            },
        );
    let liaison = (
        pair.clone(),
        0..20u32,
        1..200u32,
        1..5u32,
        proptest::option::of((0..150u32, 1..100u32)),
        0..3usize,
    )
        .prop_map(|((home, host), latency_min, per_hour, queue, duty, relay)| LiaisonGen {
            home,
            host,
            latency_min,
            per_hour,
            queue,
            duty,
            relay,
        });
    let request =
        (0..3usize, 0..3usize, 0..2usize, 0..170u32, 1..120u32).prop_map(|(by, to, object, at_min, len_min)| {
            RequestGen {
                by,
                to,
                object,
                at_min,
                len_min,
            }
        });
    (
        [proptest::option::of(0..3usize), proptest::option::of(0..3usize)],
        [any::<bool>(), any::<bool>()],
        proptest::collection::vec(agreement, 0..6),
        proptest::collection::vec(liaison, 0..4),
        proptest::option::of((proptest::collection::vec(0..3usize, 2..3), 0..30u32)),
        proptest::collection::vec(request, 0..6),
    )
        .prop_map(|(owners, military, agreements, liaisons, center, requests)| Case {
            owners,
            military,
            agreements,
            liaisons,
            center,
            requests,
        })
}

/// Drops agreements that would overlap another for the same direction, and duplicate liaison
/// posts (the scenario rejects both), so every generated case loads.
fn normalise(mut c: Case) -> Case {
    let mut seen = BTreeSet::new();
    c.agreements.retain(|a| seen.insert((a.from, a.to)));
    let mut seen = BTreeSet::new();
    c.liaisons.retain(|l| seen.insert((l.home, l.host)));
    if let Some((m, _)) = &mut c.center {
        m.sort();
        m.dedup();
        if m.len() < 2 {
            c.center = None;
        }
    }
    c
}

fn sel_ron(s: &Sel) -> String {
    let mut out = String::new();
    if !s.owners.is_empty() {
        let o: Vec<String> = s.owners.iter().map(|&i| format!("\"{}\"", NATIONS[i])).collect();
        out += &format!(", owners: [{}]", o.join(", "));
    }
    if !s.objects.is_empty() {
        let o: Vec<String> = s.objects.iter().map(|&i| OBJECTS[i].to_string()).collect();
        out += &format!(", objects: [{}]", o.join(", "));
    }
    if let Some(m) = s.military {
        out += &format!(", military: {m}");
    }
    out
}

fn hhmm(min: u32) -> String {
    format!("T+{:02}:{:02}", min / 60, min % 60)
}

fn ron(c: &Case) -> String {
    let products = ["Observations", "CatalogUpdates", "TaskingSupport"];
    let mut agreements = String::new();
    for (i, a) in c.agreements.iter().enumerate() {
        let mut ps: Vec<&str> = a.products.iter().map(|&p| products[p]).collect();
        ps.sort();
        ps.dedup();
        let mut rules = Vec::new();
        for (k, r) in a.rules.iter().enumerate() {
            rules.push(match r {
                RuleGen::Deny(s) => format!("Deny(id: \"r{k}\"{})", sel_ron(s)),
                RuleGen::Only(s) => format!("Only(id: \"r{k}\"{})", sel_ron(s)),
                RuleGen::Degrade(s, n) => {
                    format!("Degrade(id: \"r{k}\"{}, angle_noise_deg: {}.0)", sel_ron(s), n)
                }
            });
        }
        let start = a
            .start_min
            .map_or(String::new(), |s| format!(", start: \"{}\"", hhmm(s)));
        let end = match (a.start_min, a.len_min) {
            (_, None) => String::new(),
            (s, Some(l)) => format!(", end: \"{}\"", hhmm(s.unwrap_or(0) + l)),
        };
        agreements += &format!(
            "(id: \"AG{i}\", from: \"{}\", to: \"{}\", products: [{}], delay_s: {}{start}{end}, rules: [{}]),\n",
            NATIONS[a.from],
            NATIONS[a.to],
            ps.join(", "),
            a.delay_min * 60,
            rules.join(", ")
        );
    }
    let mut liaisons = String::new();
    for (i, l) in c.liaisons.iter().enumerate() {
        let duty = l.duty.map_or(String::new(), |(s, n)| {
            format!(", on_duty: [(start: \"{}\", end: \"{}\")]", hhmm(s), hhmm(s + n))
        });
        liaisons += &format!(
            "(id: \"L{i}\", home: \"{}\", host: \"{}\", latency_s: {}, messages_per_hour: {}, queue_limit: {}{duty}, relay: {}),\n",
            NATIONS[l.home],
            NATIONS[l.host],
            l.latency_min * 60,
            l.per_hour,
            l.queue,
            ["All", "OwnedOrRequested", "Requested"][l.relay]
        );
    }
    let centers = c.center.as_ref().map_or(String::new(), |(m, lat)| {
        let m: Vec<String> = m.iter().map(|&i| format!("\"{}\"", NATIONS[i])).collect();
        format!("(id: \"RC\", members: [{}], latency_s: {}),", m.join(", "), lat * 60)
    });
    let mut requests = String::new();
    for (i, r) in c.requests.iter().enumerate() {
        requests += &format!(
            "(id: \"Q{i}\", by: \"{}\", object: {}, to: Nation(\"{}\"), at: \"{}\", window: (start: \"{}\", end: \"{}\")),\n",
            NATIONS[r.by],
            OBJECTS[r.object],
            NATIONS[r.to],
            hhmm(r.at_min),
            hhmm(r.at_min),
            hhmm(r.at_min + r.len_min)
        );
    }
    let attrs = |i: usize| {
        let owner = c.owners[i].map_or(String::new(), |o| format!(", owner: \"{}\"", NATIONS[o]));
        format!("{owner}, military: {}", c.military[i])
    };
    format!(
        r#"Scenario(
    name: "releasability property", epoch: "2026-05-30T13:00:00Z", duration_s: {}, tick_s: {TICK_S}, seed: 3,
    nations: [(id: "A", name: "A"), (id: "B", name: "B"), (id: "C", name: "C")],
    sensors: [
        (id: "A-R", nation: "A", site: (lat_deg: 35.0, lon_deg: 135.0), kind: {radar}),
        (id: "B-R", nation: "B", site: (lat_deg: 35.0, lon_deg: 135.0), kind: {radar}),
        (id: "C-R", nation: "C", site: (lat_deg: 35.0, lon_deg: 135.0), kind: {radar}),
    ],
    catalog: [
        Tle(lines: ["HIMAWARI-9",
            "1 41836U 16064A   26150.53104345  .00000000  00000+0  00000+0 0  9996",
            "2 41836   0.0200  86.7392 0001408  29.1461 104.1064  1.00269078 35037"]{a0}),
        Tle(lines: ["JCSAT-12",
            "1 35755U 09044A   26150.52931010 -.00000316  00000+0  00000+0 0  9996",
            "2 35755   0.0490  86.8901 0000781 260.0846 223.6610  1.00270578 61438"]{a1}),
    ],
    track_report_s: 300,
    regional_centers: [{centers}],
    agreements: [{agreements}],
    liaisons: [{liaisons}],
    tasking: [{requests}],
)"#,
        TICKS * TICK_S,
        radar = "Radar(min_elevation_deg: 0.0, max_range_km: 50000.0, reference_snr_db: 120.0, \
                 reference_range_km: 1000.0, range_sigma_m: 10.0, az_sigma_deg: 0.01, el_sigma_deg: 0.01, capacity: 1)",
        a0 = attrs(0),
        a1 = attrs(1),
    )
}

/// An agreement as the test reads it from the case (independently of the engine's policy code).
struct Allow<'a> {
    a: &'a AgreementGen,
    id: String,
}

impl Allow<'_> {
    fn in_force(&self, tick: u64) -> bool {
        let t = (tick * TICK_S) as u32;
        let start = self.a.start_min.map_or(0, |s| s * 60);
        let end = self.a.len_min.map(|l| self.a.start_min.unwrap_or(0) * 60 + l * 60);
        t >= start && end.is_none_or(|e| t < e)
    }
    /// Whether the rules release a product naming `object` (an index in OBJECTS; none for an
    /// uncorrelated track or an analyst number, of which the provider knows no owner, scenario
    /// number or military flag).
    fn releases(&self, c: &Case, object: Option<usize>) -> bool {
        let matches = |s: &Sel| match object {
            Some(object) => {
                (s.owners.is_empty() || c.owners[object].is_some_and(|o| s.owners.contains(&o)))
                    && (s.objects.is_empty() || s.objects.contains(&object))
                    && s.military.is_none_or(|m| m == c.military[object])
            }
            None => s.owners.is_empty() && s.objects.is_empty() && s.military.is_none_or(|m| !m),
        };
        self.a.rules.iter().all(|r| match r {
            RuleGen::Deny(s) => !matches(s),
            RuleGen::Only(s) => matches(s),
            RuleGen::Degrade(..) => true,
        })
    }
}

fn check(c: &Case, s: &Scenario, records: &[Record]) -> Result<(), TestCaseError> {
    let sensor_nation: BTreeMap<&str, &str> = s.sensors.iter().map(|x| (x.id.as_str(), x.nation.as_str())).collect();
    let tracks: BTreeMap<u64, &Record> = records
        .iter()
        .filter_map(|r| match &r.event {
            Event::Track { product, .. } => Some((*product, r)),
            _ => None,
        })
        .collect();
    let allows: Vec<Allow> = c
        .agreements
        .iter()
        .enumerate()
        .map(|(i, a)| Allow {
            a,
            id: format!("AG{i}"),
        })
        .collect();
    let members = c.center.as_ref().map(|(m, _)| m.clone()).unwrap_or_default();
    let nation_ix = |n: &str| NATIONS.iter().position(|x| *x == n).unwrap();
    // A product names a scenario object, or an object its provider catalogued itself under an
    // analyst number (of which it knows no owner or military flag, like an uncorrelated track).
    let object_ix = |o: u32| OBJECTS.iter().position(|x| *x == o);
    for (n, nation) in NATIONS.iter().enumerate() {
        let view = common::view(records, nation);
        for r in &view {
            let line = serde_json::to_string(&r.event).unwrap();
            prop_assert!(!line.contains("\"true\""), "truth in {nation}'s view: {line}");
            match &r.event {
                Event::ObjectLost { .. } => prop_assert!(false, "truth event in a view"),
                Event::AccessStart { sensor, .. }
                | Event::Detection { sensor, .. }
                | Event::Missed { sensor, .. }
                | Event::AccessEnd { sensor, .. }
                | Event::Track { sensor, .. } => {
                    prop_assert_eq!(sensor_nation[&**sensor], *nation, "{}", line)
                }
                Event::ShareDelivered(d) => {
                    let ShareDeliveredEvent {
                        product,
                        from,
                        to,
                        object,
                        channel,
                        sent_tick,
                        agreement,
                        product_kind,
                        ..
                    } = &**d;
                    prop_assert_eq!(&**to, *nation);
                    // The product is a track of one of the provider's own sensors, released when reported.
                    let t = tracks[product];
                    let Event::Track { sensor, entry, .. } = &t.event else {
                        unreachable!()
                    };
                    prop_assert_eq!(sensor_nation[&**sensor], &**from);
                    // Named by the entry the provider's track associated with (once catalogued).
                    prop_assert!(object.is_none() || object == entry, "{}", line);
                    prop_assert_eq!(t.tick, *sent_tick);
                    prop_assert!(r.tick >= *sent_tick);
                    let (f, oi) = (nation_ix(from), object.and_then(object_ix));
                    if *channel == Channel::Regional {
                        prop_assert!(members.contains(&f) && members.contains(&n), "{}", line);
                        prop_assert!(!allows.iter().any(|a| a.a.from == f && a.a.to == n), "{}", line);
                        prop_assert_eq!(r.tick, sent_tick + c.center.as_ref().unwrap().1 as u64, "{}", line);
                        continue;
                    }
                    let a = allows.iter().find(|a| a.id == **agreement);
                    prop_assert!(a.is_some(), "unknown agreement: {}", line);
                    let a = a.unwrap();
                    prop_assert!(a.a.from == f && a.a.to == n, "{}", line);
                    prop_assert!(
                        a.in_force(*sent_tick),
                        "released outside the agreement's period: {}",
                        line
                    );
                    prop_assert!(a.releases(c, oi), "released against a rule: {}", line);
                    let kind = if *product_kind == ProductKind::Observations {
                        0
                    } else {
                        1
                    };
                    prop_assert!(a.a.products.contains(&kind), "{}", line);
                    match *channel {
                        Channel::Agreement => prop_assert_eq!(r.tick, sent_tick + a.a.delay_min as u64, "{}", line),
                        Channel::Liaison => {
                            let l = c.liaisons.iter().find(|l| l.home == n && l.host == f).unwrap();
                            prop_assert!(r.tick >= sent_tick + l.latency_min as u64, "{}", line);
                        }
                        _ => prop_assert!(false, "channel: {}", line),
                    }
                }
                Event::TaskingReported(t) => {
                    let TaskingReportedEvent {
                        requester,
                        provider,
                        outcome,
                        sensor,
                        ..
                    } = &**t;
                    prop_assert_eq!(&**requester, *nation);
                    if *outcome == RequestOutcome::Observed {
                        prop_assert_eq!(sensor_nation[&**sensor.as_ref().unwrap()], &**provider);
                    }
                }
                Event::CatalogUpdate {
                    nation: cn,
                    via,
                    object,
                    sensor,
                    ..
                } => {
                    prop_assert_eq!(&**cn, *nation);
                    let arrived = |kind: &str| {
                        view.iter()
                            .any(|x| x.tick == r.tick && x.event.kind().as_str() == kind && x.event.object() == *object)
                    };
                    // Shared observations update the entry the recipient's own association picks,
                    // which may be another number than the provider's name (its own analyst
                    // number for the object, or a cross-tag): a delivery from that sensor arrived.
                    let shared = view.iter().any(|x| {
                        x.tick == r.tick
                            && matches!(&x.event, Event::ShareDelivered(d) if d.sensor == *sensor && &*d.to == *nation)
                    });
                    // A track names the entry it associated with, as the nation knows it.
                    let tracked = view.iter().any(|x| {
                        x.tick == r.tick && matches!(x.event, Event::Track { entry, .. } if entry == Some(*object))
                    });
                    match *via {
                        UpdateVia::Own => prop_assert!(tracked),
                        UpdateVia::Shared => prop_assert!(shared),
                        UpdateVia::Tasking => prop_assert!(arrived("tasking_reported")),
                    }
                }
                _ => {}
            }
        }
    }
    // A denied product never reaches the would-be recipient.
    let denied: BTreeSet<(u64, String)> = records
        .iter()
        .filter_map(|r| match &r.event {
            Event::ShareDenied { product, to, .. } => Some((*product, to.to_string())),
            _ => None,
        })
        .collect();
    for r in records {
        if let Event::ShareDelivered(d) = &r.event {
            prop_assert!(!denied.contains(&(d.product, d.to.to_string())));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_view_holds_what_agreements_deny_or_holds_it_early(c in case()) {
        let c = normalise(c);
        let text = ron(&c);
        let src = SourceFile::new("property.ron", text.clone());
        let s = match sentinel_engine::load_scenario(&src, &mut common::MemLoader::default()) {
            Ok(s) => s,
            Err(d) => panic!("generated scenario does not load:\n{d}\n{text}"),
        };
        let records = common::run(&s, 3, SimOptions::default());
        check(&c, &s, &records)?;
    }
}

/// A case the property once shrank to (a regional center of nations 2 and 0 beside catalog-update
/// agreements between 1 and 2), replayed on every run: nation C updates its own analyst-numbered
/// entry from observations A released under another number.
#[test]
fn regression_center_beside_catalog_update_agreements() {
    let ag = |from, to| AgreementGen {
        from,
        to,
        products: vec![1],
        delay_min: 0,
        start_min: None,
        len_min: None,
        rules: vec![],
    };
    let c = normalise(Case {
        owners: [None, None],
        military: [false, false],
        agreements: vec![ag(1, 2), ag(2, 1)],
        liaisons: vec![],
        center: Some((vec![2, 0], 0)),
        requests: vec![],
    });
    let text = ron(&c);
    let src = SourceFile::new("property.ron", text.clone());
    let s = sentinel_engine::load_scenario(&src, &mut common::MemLoader::default()).unwrap();
    let records = common::run(&s, 3, SimOptions::default());
    check(&c, &s, &records).unwrap();
}
