//! Per-nation views: the log as one nation could know it. A nation sees its own sensors' events with
//! only their *measured* values, its own decisions (tracks, catalog updates, releases, denials,
//! tasking it requested or handled, its liaisons and agreements), and what partners released to it
//! at the tick it arrived. It never sees ground truth: no `object_lost`, injects, custody scores or
//! cross-tags, no true geometry, detection probability, SNR or magnitude (all computed from the
//! true state), no inject ids; and nothing about an object before it has detected it
//! or been told of it (its catalog at the start, its own detections, partners' products, tasking).
//!
//! A view is a function of the log and the nation's catalog at the start, so it can be rebuilt from
//! a run directory; [`NationView`] keeps the one piece of state it needs: since when the nation knows
//! each object.

use std::collections::HashMap;

use crate::event::{Event, EventKind, Record};

/// Whether a nation sees an event at all (before the per-object knowledge test of [`NationView`]).
pub fn visible_to(event: &Event, nation: &str) -> bool {
    match event {
        // Truth: nations learn of injects only through what their sensors see; custody samples score
        // the catalog against the truth (elements current or not).
        // Cross-tags compare the association with the true object.
        Event::ObjectLost { .. }
        | Event::Inject(_)
        | Event::InjectEnd { .. }
        | Event::Custody { .. }
        | Event::CrossTag { .. } => false,
        Event::OdFailed { nation: n, .. } => &**n == nation,
        Event::ManoeuvreDetected { nation: n, .. }
        | Event::NewObjectCatalogued { nation: n, .. }
        | Event::BreakupDetected { nation: n, .. } => &**n == nation,
        Event::AccessStart { nation: n, .. }
        | Event::Detection { nation: n, .. }
        | Event::Missed { nation: n, .. }
        | Event::AccessEnd { nation: n, .. }
        | Event::Track { nation: n, .. }
        | Event::CatalogUpdate { nation: n, .. } => &**n == nation,
        Event::AgreementStatus { from, to, .. } => &**from == nation || &**to == nation,
        Event::LiaisonDuty { home, host, .. } | Event::LiaisonQueue { home, host, .. } => {
            &**home == nation || &**host == nation
        }
        Event::TaskingRequested(e) => &*e.requester == nation,
        Event::TaskingReported(e) => &*e.requester == nation,
        Event::TaskingRouted { requester, .. } | Event::TaskingDropped { requester, .. } => &**requester == nation,
        Event::TaskingAccepted { provider, .. }
        | Event::TaskingObserved { provider, .. }
        | Event::TaskingExpired { provider, .. } => &**provider == nation,
        Event::TaskingDeclined { decided_by, .. } => &**decided_by == nation,
        Event::ShareDegraded(e) => &*e.from == nation,
        Event::ShareSent(e) => &*e.from == nation,
        Event::ShareDenied { from, .. } | Event::ShareDropped { from, .. } | Event::ShareDelayed { from, .. } => {
            &**from == nation
        }
        Event::ShareDelivered(e) => &*e.to == nation,
    }
}

/// The object a visible event tells its nation about, if it is one through which the nation learns
/// of the object (a detection, a product, a tasking message, a catalog decision).
fn teaches(event: &Event) -> Option<u32> {
    use EventKind::*;
    matches!(
        event.kind(),
        Detection
            | Track
            | CatalogUpdate
            | NewObjectCatalogued
            | ManoeuvreDetected
            | TaskingRequested
            | TaskingRouted
            | TaskingDropped
            | TaskingAccepted
            | TaskingDeclined
            | TaskingObserved
            | TaskingExpired
            | TaskingReported
            | ShareDelivered
    )
    .then(|| event.object())
}

/// A sensor event that the truth, not the nation, generates: shown only for objects the nation
/// knows. `Some(tick)` is the tick from which the nation must have known the object (a pass's first
/// tick for `access_end`).
fn needs_knowledge(rec: &Record) -> Option<(u32, u64)> {
    match &rec.event {
        Event::AccessStart { object, .. } | Event::Missed { object, .. } => Some((*object, rec.tick)),
        Event::AccessEnd { object, first_tick, .. } => Some((*object, *first_tick)),
        _ => None,
    }
}

/// Removes what the nation cannot know from an event it sees.
fn redact(event: &mut Event) {
    match event {
        Event::AccessStart { geometry, .. } => *geometry = None,
        Event::AccessEnd { max_el_deg, .. } => *max_el_deg = None,
        Event::Detection {
            truth,
            pd,
            snr_db,
            magnitude,
            ..
        } => {
            *truth = None;
            *pd = None;
            *snr_db = None;
            *magnitude = None;
        }
        Event::Missed { pd, .. } => *pd = None,
        Event::ManoeuvreDetected { inject, .. } | Event::NewObjectCatalogued { inject, .. } => *inject = None,
        Event::BreakupDetected { inject, .. } => *inject = None,
        _ => {}
    }
}

/// One nation's view of a run, fed the log one tick at a time.
#[derive(Debug, Clone)]
pub struct NationView {
    nation: String,
    /// Object -> first tick from which the nation knows it (0 for its catalog at the start).
    known_since: HashMap<u32, u64>,
}

impl NationView {
    /// The view of `nation`, whose catalog at the start holds `known_at_start`.
    pub fn new(nation: &str, known_at_start: impl IntoIterator<Item = u32>) -> NationView {
        NationView {
            nation: nation.to_string(),
            known_since: known_at_start.into_iter().map(|o| (o, 0)).collect(),
        }
    }

    /// The nation.
    pub fn nation(&self) -> &str {
        &self.nation
    }

    /// Whether the nation knew `object` at `tick` (inclusive: it learnt of it at or before `tick`).
    pub fn knows(&self, object: u32, tick: u64) -> bool {
        self.known_since.get(&object).is_some_and(|&t| t <= tick)
    }

    /// The records of one tick (all of the same tick, in log order) as the nation sees them. What
    /// the nation learns during the tick counts for the whole tick: an `access_start` and the
    /// detection that reveals the object at the same tick are both shown.
    pub fn tick(&mut self, records: &[Record]) -> Vec<Record> {
        debug_assert!(records.windows(2).all(|w| w[0].tick == w[1].tick), "one tick at a time");
        let visible: Vec<&Record> = records.iter().filter(|r| visible_to(&r.event, &self.nation)).collect();
        for r in &visible {
            if let Some(o) = teaches(&r.event) {
                self.known_since.entry(o).or_insert(r.tick);
            }
        }
        visible
            .into_iter()
            .filter(|r| needs_knowledge(r).is_none_or(|(o, since)| self.knows(o, since)))
            .map(|r| {
                let mut r = r.clone();
                redact(&mut r.event);
                r
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::event::{Geometry, MissReason};

    fn g() -> Geometry {
        Geometry {
            range_km: Some(1000.0),
            az_deg: 10.0,
            el_deg: 20.0,
        }
    }

    fn rec(tick: u64, event: Event) -> Record {
        Record { tick, event, order: 0 }
    }

    fn access(tick: u64, object: u32) -> Record {
        rec(
            tick,
            Event::AccessStart {
                sensor: Arc::from("S"),
                nation: Arc::from("AUS"),
                object,
                geometry: Some(g()),
            },
        )
    }

    fn detection(tick: u64, object: u32) -> Record {
        rec(
            tick,
            Event::Detection {
                sensor: Arc::from("S"),
                nation: Arc::from("AUS"),
                object,
                sensor_type: "radar",
                truth: Some(g()),
                measured: g(),
                pd: Some(0.9),
                snr_db: Some(12.0),
                magnitude: None,
            },
        )
    }

    fn missed(tick: u64, object: u32) -> Record {
        rec(
            tick,
            Event::Missed {
                sensor: Arc::from("S"),
                nation: Arc::from("AUS"),
                object,
                reason: MissReason::Probability,
                pd: Some(0.4),
                ticks_in_view: None,
            },
        )
    }

    fn access_end(tick: u64, object: u32, first_tick: u64) -> Record {
        rec(
            tick,
            Event::AccessEnd {
                sensor: Arc::from("S"),
                nation: Arc::from("AUS"),
                object,
                first_tick,
                last_tick: tick,
                max_el_deg: Some(40.0),
                attempts: 3,
                detections: 1,
                run_ended: false,
            },
        )
    }

    #[test]
    fn unknown_objects_are_hidden_until_detected_and_passes_before_that_stay_hidden() {
        let mut v = NationView::new("AUS", [1]);
        // Object 2 (a fragment) is in view and missed: the nation cannot know.
        assert!(v.tick(&[access(5, 2)]).is_empty());
        assert!(v.tick(&[missed(6, 2)]).is_empty());
        // Detected at 7: from then on its events show, but not the pass that began before.
        let t7 = v.tick(&[detection(7, 2)]);
        assert_eq!(t7.len(), 1);
        assert!(v.tick(&[access_end(9, 2, 5)]).is_empty());
        // A later pass begins after detection: shown.
        assert_eq!(v.tick(&[access(20, 2), missed(20, 2)]).len(), 2);
        assert_eq!(v.tick(&[access_end(22, 2, 20)]).len(), 1);
        // A catalogued object is shown from the start.
        assert_eq!(v.tick(&[access(30, 1)]).len(), 1);
        // Another nation's events are never shown.
        let mut other = NationView::new("JPN", [1, 2]);
        assert!(other.tick(&[access(5, 1), detection(5, 1)]).is_empty());
    }

    #[test]
    fn detection_at_the_same_tick_reveals_its_access_start() {
        let mut v = NationView::new("AUS", []);
        let out = v.tick(&[access(5, 3), detection(5, 3)]);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn truth_values_are_removed() {
        let mut v = NationView::new("AUS", [1]);
        let out = v.tick(&[access(5, 1), detection(5, 1), missed(5, 1), access_end(5, 1, 5)]);
        let text: Vec<String> = out
            .iter()
            .map(|r| {
                let mut b = Vec::new();
                crate::event::write_json_line(&mut b, r, "t", &mut Vec::new()).unwrap();
                String::from_utf8(b).unwrap()
            })
            .collect();
        for (line, banned) in text.iter().zip([
            &["geometry"][..],
            &["\"true\"", "\"pd\"", "snr_db", "magnitude"][..],
            &["\"pd\""][..],
            &["max_el_deg"][..],
        ]) {
            for b in banned {
                assert!(!line.contains(b), "{b} in {line}");
            }
        }
        assert!(text[1].contains("\"measured\""), "{}", text[1]);
    }
}
