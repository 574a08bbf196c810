//! The scorecard: the kinds `Builder::reads` leaves out change no figure, so readers may skip them.

mod common;

use sentinel_engine::scorecard::{Builder, RunInfo};
use sentinel_engine::{EventKind, SimOptions};

#[test]
fn the_kinds_the_scorecard_skips_change_no_figure() {
    let s = common::load_file("scenarios/gs-injects.ron");
    let records = common::run(&s, 2024, SimOptions::default());
    let info = RunInfo {
        scenario: s.name.clone(),
        seed: 2024,
        epoch: sentinel_engine::time::format_iso(&s.clock.epoch),
        tick_s: u64::from(s.clock.tick_s),
        ticks: s.clock.ticks,
        regional_centers: Default::default(),
    };
    let (mut all, mut read) = (Builder::new(info.clone()), Builder::new(info));
    let mut skipped = std::collections::BTreeSet::new();
    for r in &records {
        all.feed(r.tick, &r.event);
        if Builder::reads(r.event.kind()) {
            read.feed(r.tick, &r.event);
        } else {
            skipped.insert(r.event.kind());
        }
    }
    // The run has events of the skipped kinds (else the comparison would prove nothing).
    for k in [
        EventKind::AccessStart,
        EventKind::AccessEnd,
        EventKind::Missed,
        EventKind::ShareDelayed,
    ] {
        assert!(skipped.contains(&k), "{k:?}");
    }
    let card = all.finish(String::new());
    // Manoeuvre declarations: every one counted, those on objects no inject changed as false
    // alarms (gs-injects has some, among the cross-tags of its dense GEO belt).
    let mut declared = std::collections::BTreeMap::<String, (u64, u64)>::new();
    for r in &records {
        if let sentinel_engine::event::Event::ManoeuvreDetected { nation, inject, .. } = &r.event {
            let d = declared.entry(nation.to_string()).or_default();
            *d = (d.0 + 1, d.1 + u64::from(inject.is_none()));
        }
    }
    assert!(declared.values().any(|d| d.1 > 0), "{declared:?}");
    for (n, f) in &card.nations {
        let want = declared.get(n).copied().unwrap_or_default();
        assert_eq!((f.manoeuvres_declared, f.manoeuvre_false_alarms), want, "{n}");
    }
    let json = |c| serde_json::to_string(&c).unwrap();
    assert_eq!(json(card), json(read.finish(String::new())));
}
