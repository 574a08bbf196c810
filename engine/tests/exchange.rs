//! The exchange between nations, on a small hand-made exercise whose timing can be worked out by
//! hand: two GEO objects over Japan stay in view of every radar at the site all the time, radars
//! detect with probability ~1, ticks are 60 s and tracks are reported every 10 minutes.
//! Each test checks exact ticks of one lifecycle path, a delay, a degradation or an agreement period.

mod common;

use sentinel_engine::{Event, Record, Scenario, SimOptions, SourceFile};

const HIMAWARI_9: u32 = 41836;
const JCSAT_12: u32 = 35755;

/// An exercise of nations A, B and C with one radar each at the same site (plus `B-BLIND`, which
/// cannot see GEO), with `extra` appended inside the scenario (agreements, liaisons, tasking).
fn scenario(extra: &str) -> Scenario {
    load(&text(extra))
}

fn load(text: &str) -> Scenario {
    let src = SourceFile::new("exchange.ron", text);
    match sentinel_engine::load_scenario(&src, &mut common::MemLoader::default()) {
        Ok(s) => s,
        Err(d) => panic!("{d}"),
    }
}

/// The text of [`scenario`].
fn text(extra: &str) -> String {
    format!(
        r#"Scenario(
    name: "exchange test",
    epoch: "2026-05-30T13:00:00Z",
    duration_s: 14400,
    tick_s: 60,
    seed: 1,
    nations: [(id: "A", name: "A"), (id: "B", name: "B"), (id: "C", name: "C")],
    sensors: [
        (id: "A-RADAR", nation: "A", site: (lat_deg: 35.0, lon_deg: 135.0), kind: {radar}),
        (id: "B-RADAR", nation: "B", site: (lat_deg: 35.0, lon_deg: 135.0), kind: {radar}),
        (id: "C-RADAR", nation: "C", site: (lat_deg: 35.0, lon_deg: 135.0), kind: {radar}),
        (id: "C-ONE", nation: "C", site: (lat_deg: 35.0, lon_deg: 135.0), kind: Radar(
            min_elevation_deg: 0.0, max_range_km: 50000.0, reference_snr_db: 120.0, reference_range_km: 1000.0,
            range_sigma_m: 10.0, az_sigma_deg: 0.01, el_sigma_deg: 0.01, capacity: 1)),
        (id: "B-BLIND", nation: "B", site: (lat_deg: 35.0, lon_deg: 135.0), kind: Radar(
            min_elevation_deg: 0.0, max_range_km: 1000.0, reference_snr_db: 120.0, reference_range_km: 1000.0,
            range_sigma_m: 10.0, az_sigma_deg: 0.01, el_sigma_deg: 0.01, capacity: 1)),
    ],
    catalog: [
        Tle(lines: [
            "HIMAWARI-9",
            "1 41836U 16064A   26150.53104345  .00000000  00000+0  00000+0 0  9996",
            "2 41836   0.0200  86.7392 0001408  29.1461 104.1064  1.00269078 35037",
        ], owner: "A"),
        Tle(lines: [
            "JCSAT-12",
            "1 35755U 09044A   26150.52931010 -.00000316  00000+0  00000+0 0  9996",
            "2 35755   0.0490  86.8901 0000781 260.0846 223.6610  1.00270578 61438",
        ], owner: "B", military: true),
    ],
    track_report_s: 600,
    {extra}
)"#,
        radar = "Radar(min_elevation_deg: 0.0, max_range_km: 50000.0, reference_snr_db: 120.0, \
                 reference_range_km: 1000.0, range_sigma_m: 10.0, az_sigma_deg: 0.01, el_sigma_deg: 0.01, capacity: 2)"
    )
}

fn run(extra: &str) -> (Scenario, Vec<Record>) {
    let s = scenario(extra);
    let r = common::run(&s, 1, SimOptions::default());
    (s, r)
}

/// (tick, kind) of the events of one tasking request, in log order.
fn lifecycle(records: &[Record], id: &str) -> Vec<(u64, &'static str)> {
    records
        .iter()
        .filter(|r| {
            let v = serde_json::to_value(&r.event).unwrap();
            v["request"] == id
        })
        .map(|r| (r.tick, r.event.kind().as_str()))
        .collect()
}

fn json(r: &Record) -> serde_json::Value {
    serde_json::to_value(&r.event).unwrap()
}

fn of_kind<'a>(records: &'a [Record], kind: &str) -> Vec<&'a Record> {
    records.iter().filter(|r| r.event.kind().as_str() == kind).collect()
}

const B_SUPPORTS_A: &str =
    r#"agreements: [(id: "B-to-A", from: "B", to: "A", products: [TaskingSupport], delay_s: 300)],"#;

#[test]
fn a_request_is_routed_accepted_observed_and_reported() {
    let (_, r) = run(&format!(
        r#"{B_SUPPORTS_A}
        tasking: [(id: "R1", by: "A", object: {HIMAWARI_9}, to: Sensor("B-RADAR"), priority: 1,
                   at: "T+01:00", window: (start: "T+01:00", end: "T+03:00"))],"#
    ));
    // Sent at tick 60, 300 s (5 ticks) to B, observed on the next tick, 5 ticks back to A.
    assert_eq!(
        lifecycle(&r, "R1"),
        vec![
            (60, "tasking_requested"),
            (60, "tasking_routed"),
            (65, "tasking_accepted"),
            (66, "tasking_observed"),
            (71, "tasking_reported"),
        ]
    );
    let rep = json(of_kind(&r, "tasking_reported")[0]);
    assert_eq!(rep["outcome"], "observed");
    assert_eq!(rep["turnaround_s"], 660);
    assert_eq!(rep["sensor"], "B-RADAR");
    // A's own radar sees the object every tick, so B's older observation does not replace the
    // newer one in A's catalog: catalogs keep the newest observation.
    assert!(!r.iter().any(|x| matches!(
        &x.event,
        Event::CatalogUpdate {
            via: sentinel_engine::event::UpdateVia::Tasking,
            ..
        }
    )));
    let newest_before_report = r
        .iter()
        .filter(|x| x.tick <= 71)
        .filter_map(|x| match &x.event {
            Event::CatalogUpdate {
                nation,
                object,
                observed_tick,
                ..
            } if &**nation == "A" && *object == HIMAWARI_9 => Some(*observed_tick),
            _ => None,
        })
        .max()
        .unwrap();
    assert!(newest_before_report >= 66);
}

#[test]
fn a_request_denied_by_policy_is_declined_with_the_rule() {
    let (_, r) = run(&format!(
        r#"agreements: [(id: "B-to-A", from: "B", to: "A", products: [TaskingSupport], delay_s: 300,
                        rules: [Deny(id: "b-military", owners: ["B"], military: true)])],
        tasking: [(id: "R1", by: "A", object: {JCSAT_12}, to: Nation("B"), at: "T+01:00",
                   window: (start: "T+01:00", end: "T+03:00"))],"#
    ));
    assert_eq!(
        lifecycle(&r, "R1"),
        vec![
            (60, "tasking_requested"),
            (60, "tasking_routed"),
            (65, "tasking_declined"),
            (70, "tasking_reported"),
        ]
    );
    let d = json(of_kind(&r, "tasking_declined")[0]);
    assert_eq!(
        (&d["reason"], &d["rule"], &d["agreement"], &d["decided_by"]),
        (&"policy".into(), &"b-military".into(), &"B-to-A".into(), &"B".into())
    );
    assert_eq!(json(of_kind(&r, "tasking_reported")[0])["outcome"], "declined");
    // Nothing about the object leaves B's sensors for A.
    assert!(of_kind(&r, "tasking_observed").is_empty());
}

/// The provider decides on what its own catalog records of the requested object, never on the
/// object's true attributes: a B whose catalog lacks JCSAT-12 cannot know the number names its own
/// military satellite, so its rule does not decline the request (which then expires: B cannot
/// point at an object it has not catalogued).
#[test]
fn a_provider_decides_a_request_on_its_catalog_not_on_the_truth() {
    let extra = format!(
        r#"agreements: [(id: "B-to-A", from: "B", to: "A", products: [TaskingSupport], delay_s: 300,
                        rules: [Deny(id: "b-military", owners: ["B"], military: true)])],
        tasking: [(id: "R1", by: "A", object: {JCSAT_12}, to: Nation("B"), at: "T+01:00",
                   window: (start: "T+01:00", end: "T+03:00"))],"#
    );
    let blind = text(&extra).replace(
        r#"(id: "B", name: "B")"#,
        &format!(r#"(id: "B", name: "B", knows: Objects([{HIMAWARI_9}]))"#),
    );
    let r = common::run(&load(&blind), 1, SimOptions::default());
    assert_eq!(
        lifecycle(&r, "R1"),
        vec![
            (60, "tasking_requested"),
            (60, "tasking_routed"),
            (65, "tasking_accepted"),
            (180, "tasking_expired"),
            (185, "tasking_reported"),
        ]
    );
}

#[test]
fn a_request_without_an_agreement_is_declined_by_the_requester() {
    let (_, r) = run(&format!(
        r#"tasking: [(id: "R1", by: "A", object: {HIMAWARI_9}, to: Nation("C"), at: "T+00:30",
                   window: (start: "T+00:30", end: "T+03:00"))],"#
    ));
    assert_eq!(
        lifecycle(&r, "R1"),
        vec![(30, "tasking_requested"), (30, "tasking_declined")]
    );
    let d = json(of_kind(&r, "tasking_declined")[0]);
    assert_eq!((&d["reason"], &d["decided_by"]), (&"no_agreement".into(), &"A".into()));
}

/// A sensor points where its nation's catalog predicts the requested object: B, whose catalog
/// holds only JCSAT-12, cannot serve a request for HIMAWARI-9, although its radar sees that object
/// all along (uncued, in search: it catalogues it under its own analyst number, which the request
/// does not name). The same request to a B that knows the object is observed at once.
#[test]
fn a_request_is_served_only_through_the_providers_own_catalog() {
    let extra = format!(
        r#"{B_SUPPORTS_A}
        tasking: [(id: "R1", by: "A", object: {HIMAWARI_9}, to: Sensor("B-RADAR"), priority: 1,
                   at: "T+01:00", window: (start: "T+01:00", end: "T+03:00"))],"#
    );
    let blind = text(&extra).replace(
        r#"(id: "B", name: "B")"#,
        &format!(r#"(id: "B", name: "B", knows: Objects([{JCSAT_12}]))"#),
    );
    let r = common::run(&load(&blind), 1, SimOptions::default());
    assert_eq!(
        lifecycle(&r, "R1"),
        vec![
            (60, "tasking_requested"),
            (60, "tasking_routed"),
            (65, "tasking_accepted"),
            (180, "tasking_expired"),
            (185, "tasking_reported"),
        ]
    );
    let seen = r
        .iter()
        .filter(|x| (65..180).contains(&x.tick))
        .filter(
            |x| matches!(&x.event, Event::Detection { sensor, object: Some(HIMAWARI_9), .. } if &**sensor == "B-RADAR"),
        )
        .count();
    assert_eq!(seen, 115, "B-RADAR detects HIMAWARI-9 on every tick of the window");
    let named: Vec<u32> = r
        .iter()
        .filter_map(|x| match &x.event {
            Event::NewObjectCatalogued {
                nation,
                object,
                true_object: Some(HIMAWARI_9),
                ..
            } if &**nation == "B" => Some(*object),
            _ => None,
        })
        .collect();
    assert_eq!(named, vec![80_000]);
    // With the object in B's catalog the request is served on the tick it arrives.
    let (_, r) = run(&extra);
    assert!(
        lifecycle(&r, "R1").contains(&(66, "tasking_observed")),
        "{:?}",
        lifecycle(&r, "R1")
    );
}

#[test]
fn requests_expire_when_the_window_closes_or_they_arrive_late() {
    let (_, r) = run(&format!(
        r#"{B_SUPPORTS_A}
        tasking: [
            (id: "BLIND", by: "A", object: {HIMAWARI_9}, to: Sensor("B-BLIND"), at: "T+01:00",
             window: (start: "T+01:00", end: "T+02:00")),
            (id: "LATE", by: "A", object: {HIMAWARI_9}, to: Sensor("B-RADAR"), at: "T+01:00",
             window: (start: "T+01:00", end: "T+01:03")),
        ],"#
    ));
    assert_eq!(
        lifecycle(&r, "BLIND"),
        vec![
            (60, "tasking_requested"),
            (60, "tasking_routed"),
            (65, "tasking_accepted"),
            (120, "tasking_expired"),
            (125, "tasking_reported"),
        ]
    );
    // The 5-minute channel brings it after its 3-minute window.
    assert_eq!(
        lifecycle(&r, "LATE"),
        vec![
            (60, "tasking_requested"),
            (60, "tasking_routed"),
            (65, "tasking_expired"),
            (70, "tasking_reported"),
        ]
    );
    let reasons: Vec<_> = of_kind(&r, "tasking_expired")
        .iter()
        .map(|x| json(x)["reason"].clone())
        .collect();
    assert_eq!(reasons, ["arrived_late", "window_closed"]);
    assert!(
        of_kind(&r, "tasking_reported")
            .iter()
            .all(|x| json(x)["outcome"] == "expired")
    );
}

#[test]
fn a_full_liaison_queue_drops_products_and_requests() {
    // B's radar reports two tracks every 10 minutes; A's liaison at B handles one message an hour
    // and lets one wait, so the queue is full from the first hour and A's request is dropped.
    let (_, r) = run(&format!(
        r#"agreements: [(id: "B-to-A", from: "B", to: "A", products: [Observations, TaskingSupport], delay_s: 3600)],
        liaisons: [(id: "A-LNO", home: "A", host: "B", latency_s: 60, messages_per_hour: 1, queue_limit: 1, relay: All)],
        tasking: [(id: "R1", by: "A", object: {HIMAWARI_9}, to: Nation("B"), at: "T+01:00",
                   window: (start: "T+01:00", end: "T+03:00"))],"#
    ));
    assert_eq!(
        lifecycle(&r, "R1"),
        vec![(60, "tasking_requested"), (60, "tasking_dropped")]
    );
    let d = json(of_kind(&r, "tasking_dropped")[0]);
    assert_eq!(
        (&d["stage"], &d["liaison"], &d["queue_limit"]),
        (&"request".into(), &"A-LNO".into(), &1.into())
    );
    let dropped = of_kind(&r, "share_dropped");
    assert!(!dropped.is_empty());
    // The first track (first detection at tick 0, reported at tick 10 = 600 s later) goes straight
    // through; the next waits; the rest are dropped.
    let via_liaison: Vec<u64> = of_kind(&r, "share_delivered")
        .iter()
        .filter(|x| json(x)["channel"] == "liaison")
        .map(|x| x.tick)
        .collect();
    assert_eq!(via_liaison[0], 11, "first product: taken at tick 10, 60 s latency");
    // One message an hour: deliveries through the liaison are 60 ticks apart.
    assert!(via_liaison.windows(2).all(|w| w[1] - w[0] == 60), "{via_liaison:?}");
    assert!(!of_kind(&r, "share_delayed").is_empty());
    // Queue depth is logged when it changes, never above the limit.
    assert!(
        of_kind(&r, "liaison_queue")
            .iter()
            .all(|x| json(x)["depth"].as_u64().unwrap() <= 1)
    );
}

#[test]
fn products_arrive_after_the_agreement_delay_and_degraded_by_its_rule() {
    let (_, r) = run(r#"agreements: [
            (id: "B-to-A", from: "B", to: "A", products: [Observations], delay_s: 1800,
             rules: [Degrade(id: "coarse", objects: [41836], angle_noise_deg: 0.5, strip_range: true)]),
            (id: "B-to-C", from: "B", to: "C", products: [CatalogUpdates], delay_s: 90),
        ],"#);
    let tracks: Vec<&Record> = of_kind(&r, "track")
        .into_iter()
        .filter(|x| json(x)["sensor"] == "B-RADAR")
        .collect();
    assert!(tracks.len() > 20);
    let delivered = of_kind(&r, "share_delivered");
    for t in &tracks {
        let tj = json(t);
        let product = &tj["product"];
        for to in ["A", "C"] {
            let d = delivered
                .iter()
                .find(|d| json(d)["product"] == *product && json(d)["to"] == to);
            let delay_ticks = if to == "A" { 30 } else { 2 };
            if t.tick + delay_ticks >= 240 {
                assert!(d.is_none(), "delivered after the end of the run");
                continue;
            }
            let d = d.unwrap_or_else(|| panic!("product {product} never reached {to}"));
            let dj = json(d);
            assert_eq!(d.tick, t.tick + delay_ticks, "{dj}");
            assert_eq!(dj["latency_s"], (d.tick - tj["first_tick"].as_u64().unwrap()) * 60);
            match (to, tj["object"].as_u64().unwrap() as u32) {
                ("A", HIMAWARI_9) => {
                    assert_eq!(dj["degraded_by"], "coarse");
                    assert!(dj["measured"].get("range_km").is_none(), "range stripped");
                    let daz = dj["measured"]["az_deg"].as_f64().unwrap() - tj["measured"]["az_deg"].as_f64().unwrap();
                    assert!(daz != 0.0 && daz.abs() < 3.0, "noise of 0.5 deg sigma: {daz}");
                }
                ("A", _) => {
                    assert!(dj.get("degraded_by").is_none());
                    assert_eq!(
                        dj["measured"], tj["measured"],
                        "undegraded products carry the measurement as is"
                    );
                }
                _ => {
                    assert_eq!(dj["product_kind"], "catalog_updates");
                    assert!(dj.get("measured").is_none(), "catalog updates carry no measurement");
                }
            }
        }
    }
    assert_eq!(
        of_kind(&r, "share_degraded").len(),
        tracks
            .iter()
            .filter(|t| json(t)["object"] == HIMAWARI_9 && t.tick + 30 < 10_000)
            .count()
    );
}

#[test]
fn agreements_start_and_end_mid_run() {
    let (_, r) = run(
        r#"agreements: [(id: "B-to-A", from: "B", to: "A", products: [Observations], delay_s: 0,
                        start: "T+01:00", end: "2026-05-30T15:00:00Z")],"#,
    );
    let status: Vec<(u64, bool)> = of_kind(&r, "agreement_status")
        .iter()
        .map(|x| (x.tick, json(x)["active"].as_bool().unwrap()))
        .collect();
    assert_eq!(status, [(60, true), (120, false)]);
    let sent: Vec<u64> = of_kind(&r, "share_sent").iter().map(|x| x.tick).collect();
    assert!(!sent.is_empty());
    assert!(sent.iter().all(|&t| (60..120).contains(&t)), "{sent:?}");
    // Every B track reported while the agreement was in force was released (two objects).
    let in_force = of_kind(&r, "track")
        .iter()
        .filter(|x| json(x)["nation"] == "B" && (60..120).contains(&x.tick))
        .count();
    assert_eq!(sent.len(), in_force);
}

#[test]
fn the_liaison_carries_products_fast_on_duty_and_the_agreement_channel_off_duty() {
    let (_, r) = run(
        r#"agreements: [(id: "B-to-A", from: "B", to: "A", products: [Observations], delay_s: 3600)],
        liaisons: [(id: "A-LNO", home: "A", host: "B", latency_s: 120, messages_per_hour: 600, queue_limit: 50,
                    on_duty: [(start: "T+00:00", end: "T+01:00")], relay: OwnedOrRequested)],"#,
    );
    let duty: Vec<(u64, bool)> = of_kind(&r, "liaison_duty")
        .iter()
        .map(|x| (x.tick, json(x)["on_duty"].as_bool().unwrap()))
        .collect();
    assert_eq!(duty, [(0, true), (60, false)]);
    for d in of_kind(&r, "share_delivered") {
        let dj = json(d);
        let sent = dj["sent_tick"].as_u64().unwrap();
        let owned_by_a = dj["object"] == HIMAWARI_9;
        match (owned_by_a, sent < 60) {
            (true, true) => {
                assert_eq!(dj["channel"], "liaison", "{dj}");
                assert_eq!(d.tick, sent + 2, "120 s latency, idle liaison");
            }
            (true, false) => {
                assert_eq!(
                    (&dj["channel"], &dj["liaison_off_duty"]),
                    (&"agreement".into(), &"A-LNO".into())
                );
                assert_eq!(d.tick, sent + 60);
            }
            (false, _) => {
                // Not of interest to the liaison (B owns it): always the agreement channel.
                assert_eq!(dj["channel"], "agreement");
                assert!(dj.get("liaison_off_duty").is_none());
                assert_eq!(d.tick, sent + 60);
            }
        }
    }
}

#[test]
fn regional_center_members_share_and_task_without_agreements() {
    let (_, r) = run(&format!(
        r#"regional_centers: [(id: "RSPOC-1", members: ["A", "B"], latency_s: 120)],
        tasking: [(id: "R1", by: "A", object: {JCSAT_12}, to: Sensor("B-RADAR"), at: "T+01:00",
                   window: (start: "T+01:00", end: "T+02:00"))],"#
    ));
    assert_eq!(
        lifecycle(&r, "R1"),
        vec![
            (60, "tasking_requested"),
            (60, "tasking_routed"),
            (62, "tasking_accepted"),
            (63, "tasking_observed"),
            (65, "tasking_reported"),
        ]
    );
    let delivered = of_kind(&r, "share_delivered");
    assert!(
        delivered
            .iter()
            .all(|d| json(d)["channel"] == "regional" && json(d)["via"] == "RSPOC-1")
    );
    let pairs: std::collections::BTreeSet<(String, String)> = delivered
        .iter()
        .map(|d| {
            let j = json(d);
            (j["from"].as_str().unwrap().into(), j["to"].as_str().unwrap().into())
        })
        .collect();
    assert_eq!(pairs, [("A".into(), "B".into()), ("B".into(), "A".into())].into());
}

#[test]
fn an_open_request_takes_the_sensor_before_custody_needs() {
    // C-ONE (capacity 1) alternates between the two objects always in view, oldest catalog entry
    // first. An accepted request for the object it would not look at next makes it look at that one.
    let detections = |r: &[Record]| -> Vec<(u64, u32)> {
        r.iter()
            .filter(|x| matches!(&x.event, Event::Detection { sensor, .. } if &**sensor == "C-ONE"))
            .map(|x| (x.tick, x.event.object()))
            .collect()
    };
    let (_, base) = run("");
    let base = detections(&base);
    assert_eq!(base.len(), 240, "one object per tick");
    let objects: std::collections::BTreeSet<u32> = base.iter().map(|x| x.1).collect();
    assert_eq!(objects.len(), 2, "both objects get observed");
    let at_61 = base.iter().find(|x| x.0 == 61).unwrap().1;
    let other = if at_61 == HIMAWARI_9 { JCSAT_12 } else { HIMAWARI_9 };
    let (_, r) = run(&format!(
        r#"tasking: [(id: "R1", by: "C", object: {other}, to: Sensor("C-ONE"), at: "T+01:00",
                   window: (start: "T+01:00", end: "T+02:00"))],"#
    ));
    assert_eq!(
        lifecycle(&r, "R1"),
        vec![
            (60, "tasking_requested"),
            (60, "tasking_routed"),
            (60, "tasking_accepted"),
            (61, "tasking_observed"),
            (61, "tasking_reported"),
        ]
    );
    let with = detections(&r);
    assert_eq!(with.iter().find(|x| x.0 == 61).unwrap().1, other);
    assert_eq!(&with[..61], &base[..61], "nothing changes before the request");
}

#[test]
fn a_degrade_rule_also_applies_to_tasking_reports() {
    let (_, r) = run(&format!(
        r#"agreements: [(id: "B-to-A", from: "B", to: "A", products: [TaskingSupport], delay_s: 300,
                        rules: [Degrade(id: "coarse", angle_noise_deg: 1.0, strip_range: true)])],
        tasking: [(id: "R1", by: "A", object: {HIMAWARI_9}, to: Sensor("B-RADAR"), priority: 1,
                   at: "T+01:00", window: (start: "T+01:00", end: "T+03:00"))],"#
    ));
    let rep = json(of_kind(&r, "tasking_reported")[0]);
    assert_eq!(rep["degraded_by"], "coarse");
    assert!(rep["measured"].get("range_km").is_none());
    // B's own detection at the observed tick carries the undegraded measurement.
    let det = r
        .iter()
        .find(|x| {
            x.tick == 66
                && x.event.object() == HIMAWARI_9
                && matches!(&x.event, Event::Detection { sensor, .. } if &**sensor == "B-RADAR")
        })
        .unwrap();
    let daz = rep["measured"]["az_deg"].as_f64().unwrap() - json(det)["measured"]["az_deg"].as_f64().unwrap();
    assert!(daz != 0.0 && daz.abs() < 6.0, "{daz}");
}
