//! Events: the log evaluators trust. Within a tick, events are ordered by kind (the order of
//! [`EventKind`]), then by an order number (the sensor's rank in sensor-id order for sensor events;
//! the order in which the sequential exchange step made them for exchange events), then object
//! catalog number. See docs/events.md for every field.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

mod line;
mod vocab;

pub use line::{JsonLines, LogLine, kind_of, parse_line, write_json_line};
pub use vocab::{
    Channel, DeclineReason, ExpiryReason, InjectType, Level, ProductKind, RegimeName, RequestOutcome, RequestStage,
    Scope, SensorType, UpdateVia,
};

/// Event kinds, in their order within a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// An exercise inject fired.
    Inject,
    /// A period inject (outage, degradation, cut, priority change) ended.
    InjectEnd,
    /// A telescope site's sky turned clear or cloudy (and its state at the first tick).
    Weather,
    /// A dark period ended at a telescope site with weather: how long, how much under cloud.
    Night,
    /// Propagation of an object failed; it leaves the simulation.
    ObjectLost,
    /// An object entered a sensor's field of regard (all constraints met).
    AccessStart,
    /// A sensor observed an object and detected it.
    Detection,
    /// An object in view was not detected (probability), or a whole pass went unobserved (capacity).
    Missed,
    /// An object left a sensor's field of regard.
    AccessEnd,
    /// A sharing agreement came into force or ended.
    AgreementStatus,
    /// A liaison went on or off duty.
    LiaisonDuty,
    /// A sensor reported a track (its nation's product).
    Track,
    /// A nation sent a tasking request.
    TaskingRequested,
    /// A request was handed to a channel towards the provider.
    TaskingRouted,
    /// A request could not be carried: the liaison's queue was full.
    TaskingDropped,
    /// The provider accepted a request.
    TaskingAccepted,
    /// A request was declined, with the reason.
    TaskingDeclined,
    /// A provider's sensor observed a requested object.
    TaskingObserved,
    /// A request's window closed before it was observed.
    TaskingExpired,
    /// The outcome of a request reached the requester.
    TaskingReported,
    /// A product was denied by an agreement rule.
    ShareDenied,
    /// A product was degraded by an agreement rule before release.
    ShareDegraded,
    /// A product was released to a partner.
    ShareSent,
    /// A product was dropped: the liaison's queue was full.
    ShareDropped,
    /// A product waited in a liaison's queue.
    ShareDelayed,
    /// A product arrived at the recipient nation.
    ShareDelivered,
    /// A conjunction warning arrived at an object's owner.
    WarningDelivered,
    /// A nation's catalog entry for an object was refreshed by an observation.
    CatalogUpdate,
    /// A liaison's queue depth changed.
    LiaisonQueue,
    /// A nation declared a catalogued object manoeuvred (after enough uncorrelated tracks).
    ManoeuvreDetected,
    /// A nation catalogued an object it did not know (after enough uncorrelated tracks).
    NewObjectCatalogued,
    /// A nation catalogued the first fragment of a breakup (truth: hidden from views).
    BreakupDetected,
    /// A nation's catalog: objects known and in custody per regime (sampled).
    Custody,
    /// A nation's orbit determination failed; the entry keeps its previous estimate.
    OdFailed,
    /// A nation associated a track with the wrong catalog entry (truth: hidden from views).
    CrossTag,
    /// A nation's screening found a close approach of two of its catalog entries and assessed it
    /// (its conjunction data message).
    ConjunctionAssessed,
    /// A true close approach of a protected object (truth, for scoring: hidden from views).
    CloseApproach,
}

impl EventKind {
    /// All kinds in order.
    pub const ALL: [EventKind; 37] = [
        EventKind::Inject,
        EventKind::InjectEnd,
        EventKind::Weather,
        EventKind::Night,
        EventKind::ObjectLost,
        EventKind::AccessStart,
        EventKind::Detection,
        EventKind::Missed,
        EventKind::AccessEnd,
        EventKind::AgreementStatus,
        EventKind::LiaisonDuty,
        EventKind::Track,
        EventKind::TaskingRequested,
        EventKind::TaskingRouted,
        EventKind::TaskingDropped,
        EventKind::TaskingAccepted,
        EventKind::TaskingDeclined,
        EventKind::TaskingObserved,
        EventKind::TaskingExpired,
        EventKind::TaskingReported,
        EventKind::ShareDenied,
        EventKind::ShareDegraded,
        EventKind::ShareSent,
        EventKind::ShareDropped,
        EventKind::ShareDelayed,
        EventKind::ShareDelivered,
        EventKind::WarningDelivered,
        EventKind::CatalogUpdate,
        EventKind::LiaisonQueue,
        EventKind::ManoeuvreDetected,
        EventKind::NewObjectCatalogued,
        EventKind::BreakupDetected,
        EventKind::Custody,
        EventKind::OdFailed,
        EventKind::CrossTag,
        EventKind::ConjunctionAssessed,
        EventKind::CloseApproach,
    ];

    /// The `kind` string.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Inject => "inject",
            EventKind::InjectEnd => "inject_end",
            EventKind::Weather => "weather",
            EventKind::Night => "night",
            EventKind::ObjectLost => "object_lost",
            EventKind::AccessStart => "access_start",
            EventKind::Detection => "detection",
            EventKind::Missed => "missed",
            EventKind::AccessEnd => "access_end",
            EventKind::AgreementStatus => "agreement_status",
            EventKind::LiaisonDuty => "liaison_duty",
            EventKind::Track => "track",
            EventKind::TaskingRequested => "tasking_requested",
            EventKind::TaskingRouted => "tasking_routed",
            EventKind::TaskingDropped => "tasking_dropped",
            EventKind::TaskingAccepted => "tasking_accepted",
            EventKind::TaskingDeclined => "tasking_declined",
            EventKind::TaskingObserved => "tasking_observed",
            EventKind::TaskingExpired => "tasking_expired",
            EventKind::TaskingReported => "tasking_reported",
            EventKind::ShareDenied => "share_denied",
            EventKind::ShareDegraded => "share_degraded",
            EventKind::ShareSent => "share_sent",
            EventKind::ShareDropped => "share_dropped",
            EventKind::ShareDelayed => "share_delayed",
            EventKind::ShareDelivered => "share_delivered",
            EventKind::CatalogUpdate => "catalog_update",
            EventKind::LiaisonQueue => "liaison_queue",
            EventKind::ManoeuvreDetected => "manoeuvre_detected",
            EventKind::NewObjectCatalogued => "new_object_catalogued",
            EventKind::BreakupDetected => "breakup_detected",
            EventKind::Custody => "custody",
            EventKind::OdFailed => "od_failed",
            EventKind::CrossTag => "cross_tag",
            EventKind::WarningDelivered => "warning_delivered",
            EventKind::ConjunctionAssessed => "conjunction_assessed",
            EventKind::CloseApproach => "close_approach",
        }
    }
}

/// Topocentric geometry (true or measured). Range is absent for angles-only (optical) measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Geometry {
    /// Slant range, km.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range_km: Option<f64>,
    /// Azimuth from north, clockwise, degrees [0, 360).
    pub az_deg: f64,
    /// Elevation, degrees.
    pub el_deg: f64,
}

/// Why an object in view was not detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissReason {
    /// The sensor looked and the stochastic detection draw failed.
    Probability,
    /// The sensor never looked during the whole pass: other objects took its capacity.
    Capacity,
    /// The sensor never looked during the whole pass and was out of service during it (inject).
    Outage,
}

/// An event body (the `kind` tag and its fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// See [`EventKind::Inject`].
    Inject(Box<InjectEvent>),
    /// See [`EventKind::InjectEnd`].
    InjectEnd {
        /// Inject id.
        inject: Arc<str>,
        /// Its kind.
        inject_kind: InjectType,
    },
    /// See [`EventKind::Weather`].
    Weather {
        /// Sensor id (a telescope with `weather`).
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Clear from this tick (true) or cloudy (false).
        clear: bool,
        /// The month's climatological share of clear hours at the site.
        clear_fraction: f64,
    },
    /// See [`EventKind::Night`].
    Night {
        /// Sensor id (a telescope with `weather`).
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// First dark tick.
        first_tick: u64,
        /// Last dark tick.
        last_tick: u64,
        /// Time dark, s.
        dark_s: u64,
        /// Of it, time under cloud, s.
        clouded_s: u64,
        /// True when the run ended in the dark (this event is then at the last tick).
        run_ended: bool,
    },
    /// See [`EventKind::ObjectLost`].
    ObjectLost {
        /// Catalog number.
        object: u32,
        /// Why (SGP4 error, rejected elements).
        reason: String,
        /// Time since the element-set epoch at which it failed, minutes.
        minutes_since_epoch: f64,
    },
    /// See [`EventKind::AccessStart`].
    AccessStart {
        /// Sensor id.
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Catalog number.
        object: u32,
        /// True geometry at this tick (absent in a nation's view).
        #[serde(skip_serializing_if = "Option::is_none")]
        geometry: Option<Geometry>,
    },
    /// See [`EventKind::Detection`].
    Detection {
        /// Sensor id.
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Catalog number of the object detected (truth: absent in a nation's view, which learns
        /// what it detected only by association, see `track`).
        #[serde(skip_serializing_if = "Option::is_none")]
        object: Option<u32>,
        /// `radar` or `optical`.
        sensor_type: SensorType,
        /// True geometry (absent in a nation's view: a nation never sees truth).
        #[serde(rename = "true", skip_serializing_if = "Option::is_none")]
        truth: Option<Geometry>,
        /// Measured geometry (true plus noise; no range for optical).
        measured: Geometry,
        /// Detection probability used for the draw (from the true state; absent in a nation's view).
        #[serde(skip_serializing_if = "Option::is_none")]
        pd: Option<f64>,
        /// Radar single-look SNR, dB.
        #[serde(skip_serializing_if = "Option::is_none")]
        snr_db: Option<f64>,
        /// Optical apparent visual magnitude.
        #[serde(skip_serializing_if = "Option::is_none")]
        magnitude: Option<f64>,
    },
    /// See [`EventKind::Missed`].
    Missed {
        /// Sensor id.
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Catalog number.
        object: u32,
        /// Why.
        reason: MissReason,
        /// Detection probability of the failed attempt (`probability` only).
        #[serde(skip_serializing_if = "Option::is_none")]
        pd: Option<f64>,
        /// Ticks the object was in view during the unobserved pass (`capacity` only).
        #[serde(skip_serializing_if = "Option::is_none")]
        ticks_in_view: Option<u64>,
    },
    /// See [`EventKind::AccessEnd`].
    AccessEnd {
        /// Sensor id.
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Catalog number.
        object: u32,
        /// First tick in view.
        first_tick: u64,
        /// Last tick in view.
        last_tick: u64,
        /// Highest true elevation during the pass, degrees (absent in a nation's view).
        #[serde(skip_serializing_if = "Option::is_none")]
        max_el_deg: Option<f64>,
        /// Observation attempts during the pass.
        attempts: u32,
        /// Detections during the pass.
        detections: u32,
        /// True when the run ended with the object still in view (this event is then at the last tick).
        run_ended: bool,
    },
    /// See [`EventKind::AgreementStatus`].
    AgreementStatus {
        /// Agreement id.
        agreement: Arc<str>,
        /// Provider.
        from: Arc<str>,
        /// Recipient.
        to: Arc<str>,
        /// In force from this tick (true) or no longer (false).
        active: bool,
    },
    /// See [`EventKind::LiaisonDuty`].
    LiaisonDuty {
        /// Liaison id.
        liaison: Arc<str>,
        /// Home nation.
        home: Arc<str>,
        /// Host nation.
        host: Arc<str>,
        /// On duty from this tick (true) or off duty (false).
        on_duty: bool,
    },
    /// See [`EventKind::Track`].
    Track {
        /// Product id (unique in the run).
        product: u64,
        /// Sensor id.
        sensor: Arc<str>,
        /// Sensor's nation.
        nation: Arc<str>,
        /// Catalog number of the object tracked (truth: absent in a nation's view, which has the
        /// association in `entry`).
        #[serde(skip_serializing_if = "Option::is_none")]
        object: Option<u32>,
        /// First detection tick of the track.
        first_tick: u64,
        /// Last detection tick.
        last_tick: u64,
        /// Detections in the track.
        detections: u32,
        /// Measured geometry of the last detection.
        measured: Geometry,
        /// The catalog number, as the nation knows it, of the entry the track associated with
        /// (absent for an uncorrelated track).
        #[serde(skip_serializing_if = "Option::is_none")]
        entry: Option<u32>,
        /// The track associated with no entry of the nation's catalog within the gate (an
        /// uncorrelated track, UCT).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        uct: bool,
    },
    /// See [`EventKind::TaskingRequested`].
    TaskingRequested(Box<TaskingRequestedEvent>),
    /// See [`EventKind::TaskingRouted`].
    TaskingRouted {
        /// Request id.
        request: Arc<str>,
        /// Requesting nation.
        requester: Arc<str>,
        /// Provider nation.
        provider: Arc<str>,
        /// Catalog number.
        object: u32,
        /// `internal`, `liaison`, `regional` or `agreement`.
        channel: Channel,
        /// Liaison, regional center or agreement id (absent for `internal`).
        #[serde(skip_serializing_if = "Option::is_none")]
        via: Option<Arc<str>>,
        /// Arrival tick at the provider when known now (absent while waiting in a liaison queue).
        #[serde(skip_serializing_if = "Option::is_none")]
        due_tick: Option<u64>,
    },
    /// See [`EventKind::TaskingDropped`].
    TaskingDropped {
        /// Request id.
        request: Arc<str>,
        /// Requesting nation.
        requester: Arc<str>,
        /// Provider nation.
        provider: Arc<str>,
        /// Catalog number.
        object: u32,
        /// `request` (on the way out) or `report` (the outcome on the way back).
        stage: RequestStage,
        /// Liaison whose queue was full.
        liaison: Arc<str>,
        /// Its queue limit.
        queue_limit: u32,
    },
    /// See [`EventKind::TaskingAccepted`].
    TaskingAccepted {
        /// Request id.
        request: Arc<str>,
        /// Requesting nation.
        requester: Arc<str>,
        /// Provider nation.
        provider: Arc<str>,
        /// Catalog number.
        object: u32,
        /// Sensors that will give the object priority.
        sensors: Vec<Arc<str>>,
    },
    /// See [`EventKind::TaskingDeclined`].
    TaskingDeclined {
        /// Request id.
        request: Arc<str>,
        /// Requesting nation.
        requester: Arc<str>,
        /// Provider nation.
        provider: Arc<str>,
        /// Catalog number.
        object: u32,
        /// Nation that declined (the requester itself when no channel exists).
        decided_by: Arc<str>,
        /// `no_agreement`, `agreement_ended` or `policy`.
        reason: DeclineReason,
        /// Agreement whose rule declined it (`policy`).
        #[serde(skip_serializing_if = "Option::is_none")]
        agreement: Option<Arc<str>>,
        /// Rule that declined it (`policy`).
        #[serde(skip_serializing_if = "Option::is_none")]
        rule: Option<Arc<str>>,
    },
    /// See [`EventKind::TaskingObserved`].
    TaskingObserved {
        /// Request id.
        request: Arc<str>,
        /// Requesting nation.
        requester: Arc<str>,
        /// Provider nation.
        provider: Arc<str>,
        /// Catalog number.
        object: u32,
        /// Sensor that detected it.
        sensor: Arc<str>,
    },
    /// See [`EventKind::TaskingExpired`].
    TaskingExpired {
        /// Request id.
        request: Arc<str>,
        /// Requesting nation.
        requester: Arc<str>,
        /// Provider nation.
        provider: Arc<str>,
        /// Catalog number.
        object: u32,
        /// `window_closed` (accepted, never observed) or `arrived_late` (reached the provider after the window).
        reason: ExpiryReason,
    },
    /// See [`EventKind::TaskingReported`].
    TaskingReported(Box<TaskingReportedEvent>),
    /// See [`EventKind::ShareDenied`].
    ShareDenied {
        /// Product id.
        product: u64,
        /// `observations` or `catalog_updates`.
        product_kind: ProductKind,
        /// Provider.
        from: Arc<str>,
        /// Would-be recipient.
        to: Arc<str>,
        /// The object as the provider names it: the number of the catalog entry its track
        /// associated with (absent for an uncorrelated track).
        #[serde(skip_serializing_if = "Option::is_none")]
        object: Option<u32>,
        /// The object the track really was (truth, for scoring: absent in a nation's view).
        #[serde(skip_serializing_if = "Option::is_none")]
        true_object: Option<u32>,
        /// Agreement.
        agreement: Arc<str>,
        /// Rule that denied it.
        rule: Arc<str>,
    },
    /// See [`EventKind::ShareDegraded`].
    ShareDegraded(Box<ShareDegradedEvent>),
    /// See [`EventKind::ShareSent`].
    ShareSent(Box<ShareSentEvent>),
    /// See [`EventKind::ShareDropped`].
    ShareDropped {
        /// Product id.
        product: u64,
        /// Provider.
        from: Arc<str>,
        /// Recipient.
        to: Arc<str>,
        /// The object as the provider names it: the number of the catalog entry its track
        /// associated with (absent for an uncorrelated track).
        #[serde(skip_serializing_if = "Option::is_none")]
        object: Option<u32>,
        /// The object the track really was (truth, for scoring: absent in a nation's view).
        #[serde(skip_serializing_if = "Option::is_none")]
        true_object: Option<u32>,
        /// Liaison whose queue was full.
        liaison: Arc<str>,
        /// Its queue limit.
        queue_limit: u32,
    },
    /// See [`EventKind::ShareDelayed`].
    ShareDelayed {
        /// Product id.
        product: u64,
        /// Provider.
        from: Arc<str>,
        /// Recipient.
        to: Arc<str>,
        /// The object as the provider names it: the number of the catalog entry its track
        /// associated with (absent for an uncorrelated track).
        #[serde(skip_serializing_if = "Option::is_none")]
        object: Option<u32>,
        /// The object the track really was (truth, for scoring: absent in a nation's view).
        #[serde(skip_serializing_if = "Option::is_none")]
        true_object: Option<u32>,
        /// Liaison.
        liaison: Arc<str>,
        /// Seconds it waited in the queue.
        waited_s: u64,
        /// Arrival tick.
        due_tick: u64,
    },
    /// See [`EventKind::ShareDelivered`].
    ShareDelivered(Box<ShareDeliveredEvent>),
    /// See [`EventKind::CatalogUpdate`].
    CatalogUpdate {
        /// Nation whose catalog changed.
        nation: Arc<str>,
        /// Catalog number of the entry, as the nation knows it (published, or its analyst number).
        object: u32,
        /// `own` (its sensors), `shared` (a partner's product) or `tasking` (a request's report).
        via: UpdateVia,
        /// Sensor that observed.
        sensor: Arc<str>,
        /// That sensor's nation.
        source_nation: Arc<str>,
        /// Tick of the observation now in the catalog.
        observed_tick: u64,
        /// Tick of the observation it replaces (absent when the nation had none).
        #[serde(skip_serializing_if = "Option::is_none")]
        previous_tick: Option<u64>,
    },
    /// See [`EventKind::LiaisonQueue`].
    LiaisonQueue {
        /// Liaison id.
        liaison: Arc<str>,
        /// Home nation.
        home: Arc<str>,
        /// Host nation.
        host: Arc<str>,
        /// Messages waiting after this tick.
        depth: u32,
    },
    /// See [`EventKind::ManoeuvreDetected`].
    ManoeuvreDetected {
        /// Nation.
        nation: Arc<str>,
        /// Catalog number, as the nation knows it.
        object: u32,
        /// Uncorrelated tracks that led to it.
        tracks: u32,
        /// The inject that changed the object (for scoring; the nation does not know it).
        #[serde(skip_serializing_if = "Option::is_none")]
        inject: Option<Arc<str>>,
    },
    /// See [`EventKind::NewObjectCatalogued`].
    NewObjectCatalogued {
        /// Nation.
        nation: Arc<str>,
        /// The nation's analyst number for it.
        object: u32,
        /// The object the entry started from (truth, for scoring: absent in a nation's view).
        #[serde(skip_serializing_if = "Option::is_none")]
        true_object: Option<u32>,
        /// Uncorrelated tracks that led to it.
        tracks: u32,
        /// The inject that created the object.
        #[serde(skip_serializing_if = "Option::is_none")]
        inject: Option<Arc<str>>,
    },
    /// See [`EventKind::BreakupDetected`].
    BreakupDetected {
        /// Nation.
        nation: Arc<str>,
        /// The breakup inject (for scoring; absent in a nation's view).
        #[serde(skip_serializing_if = "Option::is_none")]
        inject: Option<Arc<str>>,
        /// The fragment whose cataloguing revealed it.
        first_fragment: u32,
    },
    /// See [`EventKind::Custody`].
    Custody {
        /// `nation`, `regional_center` (an object counts when any member holds it) or `coalition`
        /// (any nation holds it).
        scope: Scope,
        /// Nation or center id (`coalition` for the coalition).
        id: Arc<str>,
        /// Objects in its catalog, all regimes.
        known_total: u32,
        /// Of those, objects in custody (observed within the revisit requirement, elements current).
        in_custody_total: u32,
        /// Objects in its catalog per regime.
        known: std::collections::BTreeMap<RegimeName, u32>,
        /// Objects in custody per regime.
        in_custody: std::collections::BTreeMap<RegimeName, u32>,
        /// Catalog accuracy against truth per regime (nation scope only).
        #[serde(skip_serializing_if = "Option::is_none")]
        accuracy: Option<Accuracy>,
    },
    /// See [`EventKind::OdFailed`].
    OdFailed {
        /// Nation.
        nation: Arc<str>,
        /// Catalog number of the entry, as the nation knows it.
        object: u32,
        /// Why.
        reason: Arc<str>,
    },
    /// See [`EventKind::CrossTag`].
    CrossTag {
        /// Nation.
        nation: Arc<str>,
        /// The object the track really was.
        object: u32,
        /// The catalog number of the entry it was associated with, as the nation knows it.
        entry: u32,
        /// The object that entry started from.
        entry_object: u32,
        /// Sensor of the track.
        sensor: Arc<str>,
    },
    /// See [`EventKind::ConjunctionAssessed`].
    ConjunctionAssessed(Box<ConjunctionAssessedEvent>),
    /// See [`EventKind::WarningDelivered`].
    WarningDelivered(Box<WarningDeliveredEvent>),
    /// See [`EventKind::CloseApproach`].
    CloseApproach {
        /// The two objects, smaller catalog number first.
        objects: [u32; 2],
        /// Time of closest approach, s after the scenario epoch (ms resolution).
        tca_s: f64,
        /// True miss distance, m.
        miss_m: f64,
        /// True relative speed, m/s.
        rel_speed_m_s: f64,
        /// The screening nations that protect either object (by its true owner).
        protected_by: Vec<Arc<str>>,
    },
}

/// One object of a conjunction assessment as the screening nation estimates it at the TCA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConjunctionObject {
    /// Catalog number as the nation knows it (an analyst number for objects it catalogued itself).
    pub object: u32,
    /// Name, when the nation's catalog has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// International designator, when the nation's catalog has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub international_designator: Option<String>,
    /// Owner as the nation's catalog records it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Arc<str>>,
    /// Position at the TCA, TEME, km.
    pub r_km: [f64; 3],
    /// Velocity at the TCA, TEME, km/s.
    pub v_km_s: [f64; 3],
    /// Covariance of the state at the TCA in the object's RTN frame, lower triangle by rows as a
    /// CDM lists it (CR_R, CT_R, CT_T, CN_R, CN_T, CN_N, CRDOT_R, ... CNDOT_NDOT), m, m/s.
    pub cov_rtn: Vec<f64>,
    /// Measurements the estimate used since it was (re)started.
    pub observations: u32,
    /// Tick of the newest measurement used (absent: the published elements only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_obs_tick: Option<u64>,
}

/// The body of [`Event::ConjunctionAssessed`]: what a conjunction data message carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConjunctionAssessedEvent {
    /// The screening nation.
    pub nation: Arc<str>,
    /// Message id, unique in the run: `NATION-CDM-N`.
    pub cdm: Arc<str>,
    /// Time of closest approach, s after the scenario epoch (ms resolution).
    pub tca_s: f64,
    /// Time of closest approach, UTC with milliseconds.
    pub tca: String,
    /// Predicted miss distance, m.
    pub miss_m: f64,
    /// Predicted relative speed, m/s.
    pub rel_speed_m_s: f64,
    /// Probability of collision the level was decided on: `pc2d` where the 2-D method applies,
    /// else `nc3d` (see docs/conjunction.md).
    pub pc: f64,
    /// The 2-D Pc (Foster family).
    pub pc2d: f64,
    /// Whether the 2-D method applies (NASA CARA's usage indicators).
    pub valid_2d: bool,
    /// Hall's 3-D expected collision count, computed where the 2-D method does not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nc3d: Option<f64>,
    /// Combined hard-body radius used, m.
    pub hbr_m: f64,
    /// `none`, `warning` or `emergency`, by the nation's thresholds.
    pub level: Level,
    /// The protected object (the one with the smaller number when both are).
    pub object1: ConjunctionObject,
    /// The other object.
    pub object2: ConjunctionObject,
    /// Truth, for scoring: the objects the two entries started from (absent in a nation's view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub true_objects: Option<[u32; 2]>,
}

/// The body of [`Event::WarningDelivered`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningDeliveredEvent {
    /// Product id.
    pub product: u64,
    /// The assessment it carries.
    pub cdm: Arc<str>,
    /// The warning nation.
    pub from: Arc<str>,
    /// The owner warned.
    pub to: Arc<str>,
    /// The recipient's object, as the warning nation names it.
    pub object: u32,
    /// The other object, as the warning nation names it.
    pub other: u32,
    /// Truth, for scoring: the objects the warning nation's entries started from, in the order
    /// `object`, `other` (absent in a nation's view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub true_objects: Option<[u32; 2]>,
    /// `internal` (the warning nation's own object), `agreement` or `liaison`.
    pub channel: Channel,
    /// The agreement or liaison that carried it (empty for internal).
    pub via: Arc<str>,
    /// Tick it was sent (the assessment's tick).
    pub sent_tick: u64,
    /// Time of closest approach, s after the scenario epoch.
    pub tca_s: f64,
    /// Time left from arrival to the TCA, s (negative: it arrived too late).
    pub lead_s: f64,
    /// Probability of collision.
    pub pc: f64,
    /// `warning` or `emergency`.
    pub level: Level,
    /// The liaison that would have relayed it, had it been on duty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liaison_off_duty: Option<Arc<str>>,
}

/// Catalog accuracy of a nation, per regime: its entries' position error against the truth at a
/// custody sample.
pub type Accuracy = std::collections::BTreeMap<RegimeName, RegimeAccuracy>;

/// Accuracy figures of one regime (the scorecard reads them back from the log).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegimeAccuracy {
    /// Catalogued entries scored.
    pub entries: u32,
    /// Median position error, km.
    pub median_km: f64,
    /// 95th-percentile position error, km.
    pub p95_km: f64,
    /// Share of entries within the accuracy requirement (`uct_gate_km`).
    pub accurate: f64,
    /// Share of entries whose error lies inside their 3-sigma position ellipsoid (97.1 % when the
    /// covariance is realistic).
    pub in_3sigma: f64,
}

/// The body of [`Event::TaskingRequested`] (boxed: it is larger than the hot sensor events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskingRequestedEvent {
    /// Request id.
    pub request: Arc<str>,
    /// Requesting nation.
    pub requester: Arc<str>,
    /// Nation owning the sensors asked.
    pub provider: Arc<str>,
    /// Catalog number.
    pub object: u32,
    /// Sensor id, or `any` for any sensor of the provider.
    pub sensor: Arc<str>,
    /// 1 (most urgent) to 9.
    pub priority: u8,
    /// Window start, UTC.
    pub window_start: String,
    /// Window end, UTC.
    pub window_end: String,
    /// Free text.
    pub reason: Arc<str>,
}

/// The body of [`Event::TaskingReported`] (boxed: it is larger than the hot sensor events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskingReportedEvent {
    /// Request id.
    pub request: Arc<str>,
    /// Requesting nation.
    pub requester: Arc<str>,
    /// Provider nation.
    pub provider: Arc<str>,
    /// Catalog number.
    pub object: u32,
    /// `observed`, `declined` or `expired`.
    pub outcome: RequestOutcome,
    /// Channel of the report.
    pub channel: Channel,
    /// Liaison, regional center or agreement id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Arc<str>>,
    /// Seconds from the request being sent to this report.
    pub turnaround_s: u64,
    /// The observation (`observed` only), degraded if the agreement says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<Geometry>,
    /// Rule that degraded the observation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded_by: Option<Arc<str>>,
    /// Sensor that observed (`observed` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensor: Option<Arc<str>>,
}

/// The body of [`Event::ShareDegraded`] (boxed: it is larger than the hot sensor events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareDegradedEvent {
    /// Product id.
    pub product: u64,
    /// Provider.
    pub from: Arc<str>,
    /// Recipient.
    pub to: Arc<str>,
    /// The object as the provider names it: the number of the catalog entry its track
    /// associated with (absent for an uncorrelated track).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<u32>,
    /// The object the track really was (truth, for scoring: absent in a nation's view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub true_object: Option<u32>,
    /// Agreement.
    pub agreement: Arc<str>,
    /// Rule that degraded it.
    pub rule: Arc<str>,
    /// 1-sigma angle noise added, degrees.
    pub angle_noise_deg: f64,
    /// 1-sigma range noise added, metres.
    pub range_noise_m: f64,
    /// Range removed.
    pub strip_range: bool,
}

/// The body of [`Event::ShareSent`] (boxed: it is larger than the hot sensor events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareSentEvent {
    /// Product id.
    pub product: u64,
    /// `observations` or `catalog_updates`.
    pub product_kind: ProductKind,
    /// Provider.
    pub from: Arc<str>,
    /// Recipient.
    pub to: Arc<str>,
    /// The object as the provider names it: the number of the catalog entry its track
    /// associated with (absent for an uncorrelated track).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<u32>,
    /// The object the track really was (truth, for scoring: absent in a nation's view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub true_object: Option<u32>,
    /// Agreement that releases it.
    pub agreement: Arc<str>,
    /// `liaison`, `regional` or `agreement`.
    pub channel: Channel,
    /// Liaison, regional center or agreement id.
    pub via: Arc<str>,
    /// Arrival tick when known now (absent while waiting in a liaison queue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_tick: Option<u64>,
    /// The recipient's liaison that would have relayed it, had it been on duty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liaison_off_duty: Option<Arc<str>>,
}

/// The body of [`Event::ShareDelivered`] (boxed: it is larger than the hot sensor events).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareDeliveredEvent {
    /// Product id.
    pub product: u64,
    /// `observations` or `catalog_updates`.
    pub product_kind: ProductKind,
    /// Provider.
    pub from: Arc<str>,
    /// Recipient.
    pub to: Arc<str>,
    /// Provider's sensor.
    pub sensor: Arc<str>,
    /// The object as the provider names it: the number of the catalog entry its track
    /// associated with (absent for an uncorrelated track).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<u32>,
    /// The object the track really was (truth, for scoring: absent in a nation's view).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub true_object: Option<u32>,
    /// Agreement.
    pub agreement: Arc<str>,
    /// Channel it came by.
    pub channel: Channel,
    /// Liaison, regional center or agreement id.
    pub via: Arc<str>,
    /// Tick it was released.
    pub sent_tick: u64,
    /// Tick of the track's first detection.
    pub first_detection_tick: u64,
    /// Tick of the track's last detection.
    pub last_detection_tick: u64,
    /// Detections in the track.
    pub detections: u32,
    /// Seconds from the track's first detection to this arrival.
    pub latency_s: u64,
    /// Measured geometry as released (degraded if a rule said so; `observations` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<Geometry>,
    /// Rule that degraded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded_by: Option<Arc<str>>,
    /// The recipient's liaison that would have relayed it, had it been on duty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liaison_off_duty: Option<Arc<str>>,
}

/// The body of [`Event::Inject`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InjectEvent {
    /// Inject id.
    pub inject: Arc<str>,
    /// `manoeuvre`, `launch`, `breakup`, `reentry`, `sensor_outage`, `sensor_degradation`,
    /// `agreement_cut`, `liaison_cut` or `priority_change`.
    pub inject_kind: InjectType,
    /// Objects it concerns: the manoeuvred, re-entered or prioritised object; the launched objects;
    /// the parent and then its fragments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<u32>,
    /// Manoeuvre delta-v (radial, along-track, cross-track), m/s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta_v_m_s: Option<[f64; 3]>,
    /// Sensor (outages, degradations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensor: Option<Arc<str>>,
    /// Agreement (cuts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Arc<str>>,
    /// Liaison (cuts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liaison: Option<Arc<str>>,
    /// Nation (priority changes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nation: Option<Arc<str>>,
    /// Tick at which a period inject ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_tick: Option<u64>,
    /// Why it could not take effect (e.g. the object had already decayed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

impl Event {
    /// The kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::Inject(_) => EventKind::Inject,
            Event::InjectEnd { .. } => EventKind::InjectEnd,
            Event::Weather { .. } => EventKind::Weather,
            Event::Night { .. } => EventKind::Night,
            Event::ObjectLost { .. } => EventKind::ObjectLost,
            Event::AccessStart { .. } => EventKind::AccessStart,
            Event::Detection { .. } => EventKind::Detection,
            Event::Missed { .. } => EventKind::Missed,
            Event::AccessEnd { .. } => EventKind::AccessEnd,
            Event::AgreementStatus { .. } => EventKind::AgreementStatus,
            Event::LiaisonDuty { .. } => EventKind::LiaisonDuty,
            Event::Track { .. } => EventKind::Track,
            Event::TaskingRequested(_) => EventKind::TaskingRequested,
            Event::TaskingRouted { .. } => EventKind::TaskingRouted,
            Event::TaskingDropped { .. } => EventKind::TaskingDropped,
            Event::TaskingAccepted { .. } => EventKind::TaskingAccepted,
            Event::TaskingDeclined { .. } => EventKind::TaskingDeclined,
            Event::TaskingObserved { .. } => EventKind::TaskingObserved,
            Event::TaskingExpired { .. } => EventKind::TaskingExpired,
            Event::TaskingReported(_) => EventKind::TaskingReported,
            Event::ShareDenied { .. } => EventKind::ShareDenied,
            Event::ShareDegraded(_) => EventKind::ShareDegraded,
            Event::ShareSent(_) => EventKind::ShareSent,
            Event::ShareDropped { .. } => EventKind::ShareDropped,
            Event::ShareDelayed { .. } => EventKind::ShareDelayed,
            Event::ShareDelivered(_) => EventKind::ShareDelivered,
            Event::CatalogUpdate { .. } => EventKind::CatalogUpdate,
            Event::LiaisonQueue { .. } => EventKind::LiaisonQueue,
            Event::ManoeuvreDetected { .. } => EventKind::ManoeuvreDetected,
            Event::NewObjectCatalogued { .. } => EventKind::NewObjectCatalogued,
            Event::BreakupDetected { .. } => EventKind::BreakupDetected,
            Event::Custody { .. } => EventKind::Custody,
            Event::OdFailed { .. } => EventKind::OdFailed,
            Event::CrossTag { .. } => EventKind::CrossTag,
            Event::ConjunctionAssessed(_) => EventKind::ConjunctionAssessed,
            Event::WarningDelivered(_) => EventKind::WarningDelivered,
            Event::CloseApproach { .. } => EventKind::CloseApproach,
        }
    }

    /// The nation an event is counted under: its `nation`, else the sender (`from`), else the
    /// requester, else the custody sample's `id` (what `diff` tallies by); `None` for liaison
    /// and truth-only events about no nation.
    pub fn actor(&self) -> Option<&Arc<str>> {
        match self {
            Event::AccessStart { nation, .. }
            | Event::Detection { nation, .. }
            | Event::Missed { nation, .. }
            | Event::AccessEnd { nation, .. }
            | Event::Track { nation, .. }
            | Event::CatalogUpdate { nation, .. }
            | Event::ManoeuvreDetected { nation, .. }
            | Event::NewObjectCatalogued { nation, .. }
            | Event::BreakupDetected { nation, .. }
            | Event::OdFailed { nation, .. }
            | Event::Weather { nation, .. }
            | Event::Night { nation, .. }
            | Event::CrossTag { nation, .. } => Some(nation),
            Event::ConjunctionAssessed(e) => Some(&e.nation),
            Event::Inject(e) => e.nation.as_ref(),
            Event::AgreementStatus { from, .. }
            | Event::ShareDenied { from, .. }
            | Event::ShareDropped { from, .. }
            | Event::ShareDelayed { from, .. } => Some(from),
            Event::ShareDegraded(e) => Some(&e.from),
            Event::ShareSent(e) => Some(&e.from),
            Event::ShareDelivered(e) => Some(&e.from),
            Event::WarningDelivered(e) => Some(&e.from),
            Event::TaskingRouted { requester, .. }
            | Event::TaskingDropped { requester, .. }
            | Event::TaskingAccepted { requester, .. }
            | Event::TaskingDeclined { requester, .. }
            | Event::TaskingObserved { requester, .. }
            | Event::TaskingExpired { requester, .. } => Some(requester),
            Event::TaskingRequested(e) => Some(&e.requester),
            Event::TaskingReported(e) => Some(&e.requester),
            Event::Custody { id, .. } => Some(id),
            Event::InjectEnd { .. }
            | Event::ObjectLost { .. }
            | Event::LiaisonDuty { .. }
            | Event::LiaisonQueue { .. }
            | Event::CloseApproach { .. } => None,
        }
    }

    /// Whether the event names `nation` as a party: acting, sending or receiving, requesting or
    /// providing, a liaison's home or host, a catalog update's source, or a nation's own custody
    /// sample (what `sentinel view` filters its event list by).
    pub fn involves(&self, nation: &str) -> bool {
        let is = |n: &Arc<str>| &**n == nation;
        match self {
            Event::CatalogUpdate {
                nation: n,
                source_nation,
                ..
            } => is(n) || is(source_nation),
            Event::AgreementStatus { from, to, .. }
            | Event::ShareDenied { from, to, .. }
            | Event::ShareDropped { from, to, .. }
            | Event::ShareDelayed { from, to, .. } => is(from) || is(to),
            Event::ShareDegraded(e) => is(&e.from) || is(&e.to),
            Event::ShareSent(e) => is(&e.from) || is(&e.to),
            Event::ShareDelivered(e) => is(&e.from) || is(&e.to),
            Event::WarningDelivered(e) => is(&e.from) || is(&e.to),
            Event::TaskingRouted {
                requester, provider, ..
            }
            | Event::TaskingDropped {
                requester, provider, ..
            }
            | Event::TaskingAccepted {
                requester, provider, ..
            }
            | Event::TaskingDeclined {
                requester, provider, ..
            }
            | Event::TaskingObserved {
                requester, provider, ..
            }
            | Event::TaskingExpired {
                requester, provider, ..
            } => is(requester) || is(provider),
            Event::TaskingRequested(e) => is(&e.requester) || is(&e.provider),
            Event::TaskingReported(e) => is(&e.requester) || is(&e.provider),
            Event::LiaisonDuty { home, host, .. } | Event::LiaisonQueue { home, host, .. } => is(home) || is(host),
            Event::Custody { scope, id, .. } => *scope == Scope::Nation && is(id),
            _ => self.actor().is_some_and(is),
        }
    }

    /// The sensor an event names, if any.
    pub fn sensor(&self) -> Option<&Arc<str>> {
        match self {
            Event::AccessStart { sensor, .. }
            | Event::Detection { sensor, .. }
            | Event::Missed { sensor, .. }
            | Event::AccessEnd { sensor, .. }
            | Event::Track { sensor, .. }
            | Event::TaskingObserved { sensor, .. }
            | Event::CatalogUpdate { sensor, .. }
            | Event::Weather { sensor, .. }
            | Event::Night { sensor, .. }
            | Event::CrossTag { sensor, .. } => Some(sensor),
            Event::TaskingRequested(e) => Some(&e.sensor),
            Event::ShareDelivered(e) => Some(&e.sensor),
            Event::TaskingReported(e) => e.sensor.as_ref(),
            Event::Inject(e) => e.sensor.as_ref(),
            _ => None,
        }
    }

    /// Catalog number of the object (0 for events about no object).
    pub fn object(&self) -> u32 {
        match self {
            Event::ObjectLost { object, .. }
            | Event::AccessStart { object, .. }
            | Event::Missed { object, .. }
            | Event::AccessEnd { object, .. }
            | Event::TaskingRouted { object, .. }
            | Event::TaskingDropped { object, .. }
            | Event::TaskingAccepted { object, .. }
            | Event::TaskingDeclined { object, .. }
            | Event::TaskingObserved { object, .. }
            | Event::TaskingExpired { object, .. }
            | Event::CatalogUpdate { object, .. }
            | Event::ManoeuvreDetected { object, .. }
            | Event::NewObjectCatalogued { object, .. }
            | Event::OdFailed { object, .. }
            | Event::CrossTag { object, .. } => *object,
            Event::BreakupDetected { first_fragment, .. } => *first_fragment,
            // Absent only in a nation's view, which is ordered as the log it comes from.
            Event::Detection { object, .. } | Event::Track { object, .. } => object.unwrap_or(0),
            Event::TaskingRequested(e) => e.object,
            Event::TaskingReported(e) => e.object,
            // The true object in the log; in a nation's view, the provider's name for it.
            Event::ShareDenied {
                object, true_object, ..
            }
            | Event::ShareDropped {
                object, true_object, ..
            }
            | Event::ShareDelayed {
                object, true_object, ..
            } => true_object.or(*object).unwrap_or(0),
            Event::ShareDegraded(e) => e.true_object.or(e.object).unwrap_or(0),
            Event::ShareSent(e) => e.true_object.or(e.object).unwrap_or(0),
            Event::ShareDelivered(e) => e.true_object.or(e.object).unwrap_or(0),
            Event::Inject(e) => e.objects.first().copied().unwrap_or(0),
            Event::ConjunctionAssessed(e) => e.true_objects.map_or(e.object1.object, |t| t[0]),
            Event::WarningDelivered(e) => e.true_objects.map_or(e.object, |t| t[0]),
            Event::CloseApproach { objects, .. } => objects[0],
            Event::AgreementStatus { .. }
            | Event::LiaisonDuty { .. }
            | Event::LiaisonQueue { .. }
            | Event::InjectEnd { .. }
            | Event::Weather { .. }
            | Event::Night { .. }
            | Event::Custody { .. } => 0,
        }
    }
}

/// An event at a tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Tick index.
    pub tick: u64,
    /// The event.
    pub event: Event,
    /// Order number within the kind: the sensor's rank in sensor-id order for sensor events, the
    /// creation order for exchange events (made by one sequential step), 0 otherwise.
    pub order: u64,
}

impl Record {
    /// The ordering key within a tick, packed: kind, order number, object.
    pub fn key(&self) -> u128 {
        ((self.event.kind() as u128) << 96) | ((self.order as u128) << 32) | self.event.object() as u128
    }
}

/// Rounds to `decimals` places so logs stay readable (values below the model's precision carry no information).
pub fn round(x: f64, decimals: i32) -> f64 {
    let p = 10f64.powi(decimals);
    (x * p).round() / p
}

/// Rounds an azimuth to `decimals` places, keeping it in [0, 360) (359.99999999 rounds to 0, not 360).
pub fn round_az(az_deg: f64, decimals: i32) -> f64 {
    let a = round(az_deg.rem_euclid(360.0), decimals);
    if a >= 360.0 { a - 360.0 } else { a }
}
