//! Per-nation views: the log as one nation could know it. A nation sees its own sensors'
//! detections with only their *measured* values, its own decisions (tracks with the catalog entry
//! each associated with, catalog updates, releases, denials, tasking it requested or handled, its
//! liaisons and agreements, the weather over its own telescopes), and what partners released to it
//! at the tick it arrived. It never
//! sees ground truth: no `object_lost`, injects, custody scores, cross-tags, true close approaches or breakup detections
//! (which new objects are fragments is truth); no true geometry, detection probability, SNR or
//! magnitude (all computed from the true state); no inject ids; no access windows or misses (when
//! a true object enters a sensor's field of regard is truth); and no true catalog number of what
//! its sensors detected: a detection names no object, and a track names the entry it associated
//! with (`entry`), under the number the nation knows it by (an analyst number for objects it
//! catalogued itself).
//!
//! Products name the object as their provider knows it (the catalog entry its track associated
//! with; nothing for an uncorrelated track); tasking messages name the object the request named.
//!
//! A view is a function of the log alone, so it can be rebuilt from a run directory.

use crate::event::{Event, Record};

/// Whether a nation sees an event (its truth fields are then removed by [`NationView`]).
pub fn visible_to(event: &Event, nation: &str) -> bool {
    match event {
        // Truth: nations learn of injects only through what their sensors see; custody samples score
        // the catalog against the truth (elements current or not).
        // Cross-tags compare the association with the true object.
        Event::ObjectLost { .. }
        | Event::Inject(_)
        | Event::InjectEnd { .. }
        | Event::Custody { .. }
        | Event::CrossTag { .. }
        // Which new objects are fragments of a breakup is truth (scored when a nation catalogues
        // the first one).
        | Event::BreakupDetected { .. }
        // A true object entering, missed in, or leaving a sensor's field of regard.
        | Event::AccessStart { .. }
        | Event::Missed { .. }
        | Event::AccessEnd { .. }
        // True close approaches score the warnings.
        | Event::CloseApproach { .. } => false,
        Event::ConjunctionAssessed(e) => &*e.nation == nation,
        Event::WarningDelivered(e) => &*e.to == nation,
        Event::OdFailed { nation: n, .. } => &**n == nation,
        // A nation knows the sky over its own sites.
        Event::Weather { nation: n, .. } | Event::Night { nation: n, .. } => &**n == nation,
        Event::ManoeuvreDetected { nation: n, .. } | Event::NewObjectCatalogued { nation: n, .. } => &**n == nation,
        Event::Detection { nation: n, .. }
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

/// Removes what the nation cannot know from an event it sees.
fn redact(event: &mut Event) {
    match event {
        Event::Detection {
            object,
            truth,
            pd,
            snr_db,
            magnitude,
            ..
        } => {
            *object = None;
            *truth = None;
            *pd = None;
            *snr_db = None;
            *magnitude = None;
        }
        Event::Track { object, .. } => *object = None,
        Event::ShareDenied { true_object, .. }
        | Event::ShareDropped { true_object, .. }
        | Event::ShareDelayed { true_object, .. } => *true_object = None,
        Event::ShareDegraded(e) => e.true_object = None,
        Event::ShareSent(e) => e.true_object = None,
        Event::ShareDelivered(e) => e.true_object = None,
        Event::ConjunctionAssessed(e) => e.true_objects = None,
        Event::WarningDelivered(e) => e.true_objects = None,
        Event::ManoeuvreDetected { inject, .. } => *inject = None,
        Event::NewObjectCatalogued {
            inject, true_object, ..
        } => {
            *inject = None;
            *true_object = None;
        }
        _ => {}
    }
}

/// One nation's view of a run, fed the log one tick at a time.
#[derive(Debug, Clone)]
pub struct NationView {
    nation: String,
}

impl NationView {
    /// The view of `nation`.
    pub fn new(nation: &str) -> NationView {
        NationView {
            nation: nation.to_string(),
        }
    }

    /// The nation.
    pub fn nation(&self) -> &str {
        &self.nation
    }

    /// The records of one tick (all of the same tick, in log order) as the nation sees them.
    pub fn tick(&self, records: &[Record]) -> Vec<Record> {
        debug_assert!(records.windows(2).all(|w| w[0].tick == w[1].tick), "one tick at a time");
        records
            .iter()
            .filter(|r| visible_to(&r.event, &self.nation))
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
                object: Some(object),
                sensor_type: crate::event::SensorType::Radar,
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

    fn track(tick: u64, object: u32, entry: Option<u32>) -> Record {
        rec(
            tick,
            Event::Track {
                product: 0,
                sensor: Arc::from("S"),
                nation: Arc::from("AUS"),
                object: Some(object),
                first_tick: tick,
                last_tick: tick,
                detections: 1,
                measured: g(),
                entry,
                uct: entry.is_none(),
            },
        )
    }

    #[test]
    fn access_windows_and_misses_are_truth_and_detections_name_no_object() {
        let v = NationView::new("AUS");
        // When a true object is in a sensor's field of regard, missed or not, is truth.
        assert!(v.tick(&[access(5, 1), missed(5, 1), access_end(5, 1, 5)]).is_empty());
        // A detection is shown with its measurement, but not which object it was.
        let out = v.tick(&[detection(7, 2)]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].event.object(), 0, "{:?}", out[0]);
        // A track names the entry it associated with (here a cross-tag: object 2 taken for 3).
        let out = v.tick(&[track(8, 2, Some(3)), track(8, 2, None)]);
        let named: Vec<_> = out
            .iter()
            .map(|r| match &r.event {
                Event::Track { object, entry, .. } => (*object, *entry),
                e => panic!("{e:?}"),
            })
            .collect();
        assert_eq!(named, vec![(None, Some(3)), (None, None)]);
        // Another nation's events are never shown.
        let other = NationView::new("JPN");
        assert!(other.tick(&[detection(5, 1), track(5, 1, Some(1))]).is_empty());
    }

    #[test]
    fn truth_values_are_removed() {
        let v = NationView::new("AUS");
        let out = v.tick(&[detection(5, 1), track(5, 1, Some(1))]);
        let text: Vec<String> = out
            .iter()
            .map(|r| {
                let mut b = Vec::new();
                crate::event::write_json_line(&mut b, r, "t", &mut Vec::new()).unwrap();
                String::from_utf8(b).unwrap()
            })
            .collect();
        assert_eq!(text.len(), 2);
        for line in &text {
            for b in ["\"true\"", "\"pd\"", "snr_db", "magnitude", "\"object\""] {
                assert!(!line.contains(b), "{b} in {line}");
            }
            assert!(line.contains("\"measured\""), "{line}");
        }
        assert!(text[1].contains("\"entry\":1"), "{}", text[1]);
    }
}
