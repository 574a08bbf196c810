//! The scorecard: what each nation, regional center and the coalition detected, shared, received
//! and knew, and when (custody, catalog accuracy, injects noticed, liaison queues, conjunction
//! warnings). One type, computed in one place, [`Builder`], fed one event at a time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::{InjectType, RegimeAccuracy, RegimeName};

mod build;
pub mod conjunctions;
mod sky;

pub use build::{Builder, RunInfo};
pub use conjunctions::Conjunctions;
pub use sky::SiteSky;

/// Statistics of a list of durations, seconds (products' latencies, requests' turnarounds).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Latency {
    /// How many.
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

/// Custody of one nation, center or the coalition over the run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Custody {
    /// (hours from the epoch, objects in custody, objects known) at each sample.
    pub series: Vec<(f64, u32, u32)>,
    /// Mean of the samples after tick 0.
    pub mean: f64,
    /// Smallest sample after tick 0.
    pub min: u32,
    /// Last sample.
    pub at_end: u32,
    /// Objects known at the end.
    pub known_at_end: u32,
    /// Per regime: mean and minimum over the samples after tick 0, and the value at the end.
    pub by_regime: BTreeMap<RegimeName, RegimeCustody>,
}

/// Custody of one regime.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegimeCustody {
    /// Mean of the samples after tick 0.
    pub mean: f64,
    /// Smallest sample after tick 0.
    pub min: u32,
    /// Last sample.
    pub at_end: u32,
}

/// Figures of one nation, regional center or the coalition.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Figures {
    /// Detections by own sensors.
    pub detections: u64,
    /// Tracks reported, and how many were uncorrelated.
    pub tracks: u64,
    /// Uncorrelated tracks.
    pub uct_tracks: u64,
    /// Products released to partners.
    pub products_shared: u64,
    /// Products received from partners.
    pub products_received: u64,
    /// Products denied by rules.
    pub products_denied: u64,
    /// Tasking requests made.
    pub requests_made: u64,
    /// Requests fulfilled (reported observed).
    pub requests_fulfilled: u64,
    /// Turnaround of fulfilled requests.
    pub request_turnaround: Latency,
    /// Custody over time.
    pub custody: Custody,
    /// Catalog accuracy against the truth per regime at the last sample (nations only).
    pub accuracy: BTreeMap<RegimeName, RegimeAccuracy>,
    /// Tracks associated with the wrong catalog entry.
    pub cross_tags: u64,
    /// Orbit determinations that failed (the entry kept its estimate).
    pub od_failures: u64,
    /// Manoeuvres it declared from residuals.
    #[serde(default)]
    pub manoeuvres_declared: u64,
    /// Of them, false alarms: declared on an object no inject had changed (truth, for scoring).
    #[serde(default)]
    pub manoeuvre_false_alarms: u64,
    /// Products its rules degraded before release.
    pub products_degraded: u64,
    /// Products it released that a liaison queue dropped.
    pub products_dropped: u64,
    /// Products received, per providing nation.
    pub received_from: BTreeMap<String, u64>,
    /// Latency of received products (first detection to arrival) by channel (`liaison`,
    /// `agreement`, `regional`).
    pub latency_by_channel: BTreeMap<String, Latency>,
    /// Latency of received products its liaisons would relay, by the liaison's duty state when
    /// the product was released: `on_duty` (came through the liaison) or `off_duty` (came through
    /// the agreement's channel instead).
    pub latency_by_liaison_duty: BTreeMap<String, Latency>,
    /// Catalog updates by source (`own`, `shared`, `tasking`).
    pub catalog_updates: BTreeMap<String, u64>,
    /// Its requests by outcome reported back (`observed`, `declined`, `expired`) or `dropped`.
    pub requests_outcome: BTreeMap<String, u64>,
    /// Its requests declined before leaving (no agreement).
    pub requests_declined_no_agreement: u64,
    /// Requests it accepted as provider (partners' and its own).
    pub requests_accepted: u64,
    /// Requests its sensors observed as provider.
    pub requests_observed: u64,
}

/// One inject and how fast it was noticed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InjectScore {
    /// Inject id.
    pub inject: String,
    /// Kind.
    pub kind: InjectType,
    /// Hours from the epoch when it fired.
    pub at_h: f64,
    /// Seconds to its first detection by anyone (first uncorrelated track for a manoeuvre; first
    /// detection of a new object for launches and breakups).
    pub first_detection_s: Option<u64>,
    /// Per nation: seconds to its own first detection, to its catalog update, and to being told
    /// by a partner (first partner product on an affected object observed after the inject).
    pub by_nation: BTreeMap<String, NationTimes>,
}

/// Times of one nation for one inject, seconds after it fired.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NationTimes {
    /// First own detection (uncorrelated track for a manoeuvre).
    pub detected_s: Option<u64>,
    /// Catalog update (manoeuvre detected, new object or breakup catalogued).
    pub catalogued_s: Option<u64>,
    /// First partner product on an affected object observed after the inject (for a
    /// conjunction, also a partner's warning naming its secondary).
    pub told_s: Option<u64>,
}

/// A liaison's queue over the run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LiaisonStats {
    /// Largest depth.
    pub max_depth: u32,
    /// Time-weighted mean depth.
    pub mean_depth: f64,
    /// Messages dropped because it was full.
    pub dropped: u64,
}

/// The scorecard of a run: every figure the evaluator reads, computed in one place ([`Builder`])
/// from the run's events, whether they stream out of the engine (`sentinel run` writes the nations'
/// part as `nations.json`) or are read back from the log (`sentinel report`, `report.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scorecard {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Epoch.
    pub epoch: String,
    /// Run length, hours.
    pub hours: f64,
    /// SHA-256 of the events the report was computed from.
    pub events_sha256: String,
    /// Per nation.
    pub nations: BTreeMap<String, Figures>,
    /// Per regional center (sums of members; custody of the center as a whole).
    pub regional_centers: BTreeMap<String, Figures>,
    /// The coalition (sums; custody when any nation holds the object).
    pub coalition: Figures,
    /// Injects in firing order.
    pub injects: Vec<InjectScore>,
    /// Liaisons.
    pub liaisons: BTreeMap<String, LiaisonStats>,
    /// Conjunction assessment: screening nations' warnings against the true close approaches.
    pub conjunctions: Conjunctions,
    /// Per telescope with weather: nights, nights lost to cloud, clear share.
    #[serde(default)]
    pub sites: BTreeMap<String, SiteSky>,
}
