//! Per-nation summary of a run, tallied from its records as they stream out: what each nation
//! detected itself and received from partners, how fast partners' products arrived (by channel, and
//! with the recipient's liaison at the provider on or off duty when the product was released), and
//! the fate of its tasking requests.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::event::{Channel, Event, Record, RequestOutcome};

/// Latency statistics of delivered products, seconds from the track's first detection to arrival.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    /// Products.
    pub count: u64,
    /// Mean, s.
    pub mean_s: f64,
    /// Median, s.
    pub median_s: u64,
    /// 90th percentile, s.
    pub p90_s: u64,
    /// Largest, s.
    pub max_s: u64,
}

impl Latency {
    /// Statistics of a list of seconds.
    pub fn of(mut v: Vec<u64>) -> Latency {
        if v.is_empty() {
            return Latency::default();
        }
        v.sort_unstable();
        let q = |p: f64| v[(((v.len() - 1) as f64) * p).round() as usize];
        Latency {
            count: v.len() as u64,
            mean_s: (v.iter().sum::<u64>() as f64 / v.len() as f64 * 10.0).round() / 10.0,
            median_s: q(0.5),
            p90_s: q(0.9),
            max_s: *v.last().expect("not empty"),
        }
    }
}

/// One nation's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NationSummary {
    /// Detections by its own sensors.
    pub own_detections: u64,
    /// Tracks its sensors reported.
    pub own_tracks: u64,
    /// Products partners delivered to it.
    pub received_products: u64,
    /// Received products per providing nation.
    pub received_from: BTreeMap<String, u64>,
    /// Products it released to partners.
    pub released_products: u64,
    /// Products its agreements' rules denied.
    pub denied_products: u64,
    /// Products its rules degraded.
    pub degraded_products: u64,
    /// Products it released that a liaison queue dropped.
    pub dropped_products: u64,
    /// Latency of received products by channel (`liaison`, `agreement`, `regional`).
    pub latency_by_channel: BTreeMap<String, Latency>,
    /// Latency of received products its liaisons relay (by their `relay` setting), by the liaison's
    /// duty state when the product was released: `on_duty` (came through the liaison) or
    /// `off_duty` (came through the agreement's channel instead).
    pub latency_by_liaison_duty: BTreeMap<String, Latency>,
    /// Catalog updates by source (`own`, `shared`, `tasking`).
    pub catalog_updates: BTreeMap<String, u64>,
    /// Tasking requests it sent.
    pub requests_made: u64,
    /// Its requests by outcome reported back (`observed`, `declined`, `expired`) or `dropped`.
    pub requests_outcome: BTreeMap<String, u64>,
    /// Its requests declined before leaving (no agreement).
    pub requests_declined_no_agreement: u64,
    /// Request turnaround (send to report) of its fulfilled requests.
    pub fulfilled_turnaround: Latency,
    /// Partners' (and its own) requests it accepted as provider.
    pub requests_accepted: u64,
    /// Requests its sensors observed as provider.
    pub requests_observed: u64,
}

/// Streams records into per-nation figures.
#[derive(Default)]
pub struct Tally {
    nations: BTreeMap<Arc<str>, NationSummary>,
    latencies: BTreeMap<(Arc<str>, Channel), Vec<u64>>,
    duty_latencies: BTreeMap<(Arc<str>, &'static str), Vec<u64>>,
    turnarounds: BTreeMap<Arc<str>, Vec<u64>>,
}

impl Tally {
    /// Starts a tally over the given nations.
    pub fn new<'a>(nations: impl IntoIterator<Item = &'a str>) -> Tally {
        Tally {
            nations: nations
                .into_iter()
                .map(|n| (Arc::from(n), NationSummary::default()))
                .collect(),
            ..Tally::default()
        }
    }

    fn n(&mut self, id: &Arc<str>) -> &mut NationSummary {
        self.nations.entry(id.clone()).or_default()
    }

    /// Adds one record (records must arrive in log order).
    pub fn add(&mut self, rec: &Record) {
        match &rec.event {
            Event::Detection { nation, .. } => self.n(nation).own_detections += 1,
            Event::Track { nation, .. } => self.n(nation).own_tracks += 1,
            Event::ShareSent(e) => self.n(&e.from).released_products += 1,
            Event::ShareDenied { from, .. } => self.n(from).denied_products += 1,
            Event::ShareDegraded(e) => self.n(&e.from).degraded_products += 1,
            Event::ShareDropped { from, .. } => self.n(from).dropped_products += 1,
            Event::ShareDelivered(e) => {
                let (from, to, channel, latency_s, liaison_off_duty) =
                    (&e.from, &e.to, e.channel, &e.latency_s, &e.liaison_off_duty);
                let s = self.n(to);
                s.received_products += 1;
                *s.received_from.entry(from.to_string()).or_default() += 1;
                self.latencies
                    .entry((to.clone(), channel))
                    .or_default()
                    .push(*latency_s);
                let duty = if channel == Channel::Liaison {
                    Some("on_duty")
                } else {
                    liaison_off_duty.as_ref().map(|_| "off_duty")
                };
                if let Some(key) = duty {
                    self.duty_latencies
                        .entry((to.clone(), key))
                        .or_default()
                        .push(*latency_s);
                }
            }
            Event::CatalogUpdate { nation, via, .. } => {
                *self.n(nation).catalog_updates.entry(via.to_string()).or_default() += 1
            }
            Event::TaskingRequested(e) => self.n(&e.requester).requests_made += 1,
            Event::TaskingDeclined {
                requester, decided_by, ..
            } if requester == decided_by => self.n(requester).requests_declined_no_agreement += 1,
            Event::TaskingDropped { requester, .. } => {
                *self.n(requester).requests_outcome.entry("dropped".into()).or_default() += 1
            }
            Event::TaskingReported(e) => {
                let (requester, outcome, turnaround_s) = (&e.requester, e.outcome, &e.turnaround_s);
                *self
                    .n(requester)
                    .requests_outcome
                    .entry(outcome.to_string())
                    .or_default() += 1;
                if outcome == RequestOutcome::Observed {
                    self.turnarounds
                        .entry(requester.clone())
                        .or_default()
                        .push(*turnaround_s);
                }
            }
            Event::TaskingAccepted { provider, .. } => self.n(provider).requests_accepted += 1,
            Event::TaskingObserved { provider, .. } => self.n(provider).requests_observed += 1,
            _ => {}
        }
    }

    /// The figures per nation, in nation-id order.
    pub fn finish(mut self) -> BTreeMap<String, NationSummary> {
        for ((n, ch), v) in std::mem::take(&mut self.latencies) {
            self.n(&n).latency_by_channel.insert(ch.to_string(), Latency::of(v));
        }
        for ((n, d), v) in std::mem::take(&mut self.duty_latencies) {
            self.n(&n).latency_by_liaison_duty.insert(d.to_string(), Latency::of(v));
        }
        for (n, v) in std::mem::take(&mut self.turnarounds) {
            self.n(&n).fulfilled_turnaround = Latency::of(v);
        }
        self.nations.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}
