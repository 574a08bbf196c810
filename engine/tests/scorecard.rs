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
    let json = |b: Builder| serde_json::to_string(&b.finish(String::new())).unwrap();
    assert_eq!(json(all), json(read));
}
