//! The exchange between nations, run once per tick by one sequential step (`systems::exchange`):
//! per-nation catalogs, products released under agreements, liaison queues, and the lifecycle of
//! tasking requests. Everything here is ordered by stable ids (nation, agreement, liaison and
//! request ids, product numbers assigned in sensor-then-measurement order), never by entity or map
//! order.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::event::{
    Channel, DeclineReason, Event, ExpiryReason, Geometry, Level, Record, RegimeName, RequestOutcome, RequestStage,
    Scope, ShareDegradedEvent, ShareDeliveredEvent, ShareSentEvent, TaskingReportedEvent, TaskingRequestedEvent,
    UpdateVia, round, round_az,
};
use crate::injects::{CatalogRules, InjectKind};
use crate::object::{ObjectClass, Regime};
use crate::policy::{Agreement, Decision, Degradation, Liaison, ObjectAttrs, Product, Relay, Secs, Target};
use crate::rng::StreamFamily;
use crate::scenario::Scenario;
use crate::systems::inject::Member;
use crate::world::{TaskedDetection, TrackReport};

mod belief;
mod catalog;
mod conjunction;
mod cue;
mod release;
pub(crate) mod score;
mod tasking;

use catalog::{nominal_sigmas, public_catalog, starting_catalog};

use crate::frames::Site;
use crate::od::{self, Mat6, Meas, Vec6};
use belief::{Association, Entry};
pub use cue::{Cue, CueKey};

/// One entry of a nation's catalog as it could publish it.
#[derive(Debug, Clone)]
pub struct CatalogEstimate {
    /// Catalog number.
    pub object: u32,
    /// SGP4 mean elements (AFSPC mode) at their epoch; drag terms as the entry holds them.
    pub elements: sgp4::Elements,
    /// Position and velocity covariance at the element epoch, TEME, km and km/s (rows and columns
    /// x, y, z, vx, vy, vz).
    pub covariance_teme: [[f64; 6]; 6],
    /// Tick of the oldest measurement used since the entry was (re)started (none: the published
    /// elements only).
    pub first_obs_tick: Option<u64>,
    /// Tick of the newest measurement used.
    pub last_obs_tick: Option<u64>,
    /// Measurements used.
    pub observations: u32,
    /// Weighted RMS of the last fit (0 before any).
    pub wrms: f64,
    /// Tick of the newest measurement at the last span refit (none: refined track by track
    /// since the entry was (re)started); `first_obs_tick` is then within the fit span of it.
    pub refit_tick: Option<u64>,
    /// 1-sigma of `elements.drag_term` (B*) when a span refit estimated it.
    pub bstar_sigma: Option<f64>,
}

/// Index of a nation in nation-id order.
type Nation = u16;

/// What a nation made of a track (see `Exchange::believe`).
#[derive(Debug, Clone, Copy)]
struct Believed {
    /// The entry the track now belongs to: the one it associated with, the one a manoeuvre
    /// declared on it restarted, or the new object it made the nation catalogue at once.
    entry: Option<usize>,
    /// It fitted no entry of the catalog within the gate (an uncorrelated track).
    uct: bool,
}

/// What a track brings to its association besides its measurements (see `Exchange::believe`).
#[derive(Debug, Default)]
pub(super) struct Found {
    /// The entry its sensor pointed at (an own track's cue).
    cue: Option<usize>,
    /// Its candidates as [`Exchange::prepare`] found them.
    candidates: Option<Vec<usize>>,
    /// Its cue's gate (and refinement) as [`Exchange::prepare`] computed them.
    tagged: Option<Tagged>,
}

/// A track against the catalogued entry it is tagged with, computed ahead (see
/// [`Exchange::prepare`]): valid while the entry keeps `version`.
#[derive(Debug)]
struct Tagged {
    version: u64,
    /// The entry refined by the track when the track fits it (none: it does not, or the entry is
    /// tentative).
    refined: Option<Box<catalog::Refined>>,
}

/// The first analyst number for a scenario whose objects (catalog and injects) have these catalog
/// numbers: 80000 (the real network's analyst range), or the next multiple of 10,000 above the
/// largest number when the scenario reaches that far.
fn analyst_base(ids: impl Iterator<Item = u32>) -> u32 {
    let top = ids.max().unwrap_or(0);
    if top < 80_000 {
        80_000
    } else {
        (top / 10_000 + 1).saturating_mul(10_000)
    }
}

/// Agreement indices per (provider, recipient).
type Pairs = BTreeMap<(Nation, Nation), Vec<usize>>;

/// The agreements in force at some time (the scenario's, and those each regional center implies
/// between members without their own), sorted by id, with their cuts, and their indices per
/// (provider, recipient).
fn agreements_of(scenario: &Scenario, seed: u64, rank: &dyn Fn(&str) -> Nation) -> (Vec<AgreementRt>, Pairs) {
    let mut specs = scenario.agreements.clone();
    // Directions the planner's own agreements cover (a set: scanning the growing list for
    // each pair of members made this quartic in a center's size).
    let own: BTreeSet<(&str, &str)> = scenario
        .agreements
        .iter()
        .filter(|x| x.regional_center.is_none())
        .map(|x| (x.from.as_str(), x.to.as_str()))
        .collect();
    for c in &scenario.regional_centers {
        for a in &c.members {
            for b in &c.members {
                if a != b && !own.contains(&(a.as_str(), b.as_str())) {
                    specs.push(Agreement {
                        id: format!("{}:{a}->{b}", c.id),
                        from: a.clone(),
                        to: b.clone(),
                        products: vec![Product::Observations, Product::TaskingSupport],
                        delay_s: c.latency_s,
                        start: Secs::MIN,
                        end: None,
                        rules: Vec::new(),
                        regional_center: Some(c.id.clone()),
                    });
                }
            }
        }
    }
    specs.sort_by(|a, b| a.id.cmp(&b.id));
    // Agreement cuts by agreement id, in inject order (one pass over the injects, not one per agreement).
    let mut agreement_cuts: BTreeMap<&str, Vec<(Secs, Secs)>> = BTreeMap::new();
    for i in &scenario.injects {
        if let InjectKind::AgreementCut { agreement } = &i.kind {
            agreement_cuts
                .entry(agreement.as_str())
                .or_default()
                .push((i.at, i.end.unwrap_or(Secs::MAX)));
        }
    }
    let mut pairs: BTreeMap<(Nation, Nation), Vec<usize>> = BTreeMap::new();
    let agreements: Vec<AgreementRt> = specs
        .into_iter()
        .enumerate()
        .map(|(i, spec)| {
            let (from, to) = (rank(&spec.from), rank(&spec.to));
            pairs.entry((from, to)).or_default().push(i);
            AgreementRt {
                cuts: agreement_cuts.get(spec.id.as_str()).cloned().unwrap_or_default(),
                id: Arc::from(spec.id.as_str()),
                degrade_rng: StreamFamily::new(seed, "degrade", &spec.id),
                spec,
                from,
                to,
                active: false,
            }
        })
        .collect();
    (agreements, pairs)
}

/// The liaisons with their cuts, and their indices per (home, host).
fn liaisons_of(
    scenario: &Scenario,
    rank: &dyn Fn(&str) -> Nation,
) -> (Vec<LiaisonRt>, BTreeMap<(Nation, Nation), usize>) {
    let mut liaison_at = BTreeMap::new();
    let liaisons: Vec<LiaisonRt> = scenario
        .liaisons
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (home, host) = (rank(&l.home), rank(&l.host));
            liaison_at.insert((home, host), i);
            LiaisonRt {
                cuts: cuts(
                    scenario,
                    |k| matches!(k, InjectKind::LiaisonCut { liaison } if *liaison == l.id),
                ),
                spec: l.clone(),
                id: Arc::from(l.id.as_str()),
                home,
                host,
                on_duty: false,
                queue: VecDeque::new(),
                free_at_ms: 0,
                reported_depth: 0,
            }
        })
        .collect();
    (liaisons, liaison_at)
}

/// A tasking request accepted for a sensor: its scheduler gives the object priority in the window.
#[derive(Debug, Clone, Copy)]
pub struct ActiveRequest {
    /// Catalog number.
    pub object: u32,
    /// 1 (most urgent) to 9.
    pub priority: u8,
    /// Request index.
    pub request: u32,
    /// First tick of the window.
    pub start_tick: u64,
    /// First tick after the window.
    pub end_tick: u64,
}

impl ActiveRequest {
    /// Whether the window is open at `tick`.
    pub fn open_at(&self, tick: u64) -> bool {
        tick >= self.start_tick && tick < self.end_tick
    }
}

/// Where a request is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not sent yet.
    Waiting,
    /// On its way to the provider.
    Routed,
    /// Accepted; sensors give it priority.
    Accepted,
    /// Observed, declined or expired; the outcome is on its way back (or already reported).
    Closed,
}

/// The outcome reported back to the requester.
#[derive(Debug, Clone)]
enum Outcome {
    Observed {
        sensor: u16,
        tick: u64,
        measured: Geometry,
        /// The agreement rule that degraded the report, and what it added (the requester widens
        /// the report's sigmas by it).
        degraded_by: Option<(Arc<str>, Degradation)>,
    },
    Declined,
    Expired,
}

#[derive(Debug)]
struct RequestRt {
    id: Arc<str>,
    by: Nation,
    provider: Nation,
    object: u32,
    sat: u32,
    sensors: Vec<u16>,
    target: Arc<str>,
    priority: u8,
    at_tick: u64,
    start_tick: u64,
    end_tick: u64,
    window_iso: (String, String),
    reason: Arc<str>,
    stage: Stage,
    /// Agreement that carries it (none inside one nation).
    agreement: Option<usize>,
    outcome: Option<Outcome>,
}

struct AgreementRt {
    spec: Agreement,
    id: Arc<str>,
    from: Nation,
    to: Nation,
    active: bool,
    degrade_rng: StreamFamily,
    /// Periods a link-cut inject suspends it.
    cuts: Vec<(Secs, Secs)>,
}

impl AgreementRt {
    /// In force at `t`: within its period and not cut.
    fn in_force(&self, t: Secs) -> bool {
        self.spec.active_at(t) && !self.cuts.iter().any(|&(a, b)| t >= a && t < b)
    }
}

struct LiaisonRt {
    /// Periods a link-cut inject makes it unreachable.
    cuts: Vec<(Secs, Secs)>,
    spec: Liaison,
    id: Arc<str>,
    home: Nation,
    host: Nation,
    on_duty: bool,
    queue: VecDeque<(Message, u64)>,
    free_at_ms: u64,
    reported_depth: u32,
}

#[derive(Debug, Clone)]
struct ProductMsg {
    /// The track's measurements as released (degraded when a rule says so), for the recipient's
    /// association and orbit determination (Observations).
    meas: Vec<Meas>,
    /// The origin's estimate after the track (CatalogUpdates): elements, their covariance, and
    /// the element set they refer to.
    estimate: Option<Box<(Vec6, Mat6, sgp4::Elements)>>,
    id: u64,
    kind: Product,
    sensor: u16,
    /// The object as the provider names it: its catalog entry's number (none for an uncorrelated
    /// track).
    object: Option<u32>,
    /// Truth: the object's catalog number and satellite index (scoring and cross-tag logging only).
    true_object: u32,
    sat: score::TrueSat,
    first_tick: u64,
    last_tick: u64,
    detections: u32,
    measured: Option<Geometry>,
    degraded_by: Option<Arc<str>>,
}

#[derive(Debug, Clone)]
enum Payload {
    Product(Box<ProductMsg>),
    Warning(Box<conjunction::WarningMsg>),
    Request(usize),
    Report(usize),
}

/// What the share events say of a product or a warning.
struct Shared {
    product: u64,
    kind: Product,
    /// The object as the provider names it.
    object: Option<u32>,
    /// Truth: the object it really is (a warning: the recipient's object).
    true_object: u32,
}

impl Payload {
    /// The share-event view of a product or warning (`None` for tasking messages).
    fn shared(&self) -> Option<Shared> {
        match self {
            Payload::Product(p) => Some(Shared {
                product: p.id,
                kind: p.kind,
                object: p.object,
                true_object: p.true_object,
            }),
            Payload::Warning(w) => Some(Shared {
                product: w.id,
                kind: Product::ConjunctionWarnings,
                object: Some(w.object),
                true_object: w.true_objects[0],
            }),
            Payload::Request(_) | Payload::Report(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Message {
    payload: Payload,
    from: Nation,
    to: Nation,
    agreement: Option<usize>,
    /// Decided by `route` (`Internal` until then).
    channel: Channel,
    via: Option<Arc<str>>,
    sent_tick: u64,
    /// The liaison that would have relayed it, had it been on duty.
    liaison_off_duty: Option<Arc<str>>,
}

/// Attributes of a satellite that rules select on.
#[derive(Debug, Clone)]
struct SatAttrs {
    id: u32,
    owner: Option<Arc<str>>,
    class: ObjectClass,
    regime: Regime,
    military: bool,
}

/// An own track as `Exchange::prepare` left it: its measurements and what it found.
pub(super) struct Prepared {
    nation: Nation,
    pub(super) meas: Vec<Meas>,
    pub(super) found: Found,
}

/// The exchange state of a run.
#[derive(Default)]
pub struct Exchange {
    rules: CatalogRules,
    /// Per satellite: the inject that last changed or created it.
    cause: Vec<Option<Arc<str>>>,
    /// Per satellite: the breakup inject that created it.
    breakup_of: Vec<Option<Arc<str>>>,
    /// Per nation: its catalog, entries estimated from measurements (see `belief`).
    pub(crate) entries: Vec<Vec<Entry>>,
    /// Per nation: the candidate index of its entries.
    index: Vec<belief::Index>,
    /// Per nation: the entries changed since [`Exchange::prepare`] (by `changed`, repeats
    /// allowed).
    step_changes: Vec<Vec<usize>>,
    /// Per nation: the schedulers' key of each entry (see `cue_key`), kept by `changed`.
    cue_keys: Vec<Vec<CueKey>>,
    /// Per nation: its entries by the satellite they started from (truth side; see `cue`).
    labels: Vec<score::Labels>,
    /// First analyst number: the catalog numbers a nation gives objects it catalogues itself
    /// (launches, fragments) start here, above every catalog number of the scenario, as the real
    /// network's 8xxxx analyst numbers do. They are the nation's own: two nations may give one
    /// number to different objects.
    analyst_base: u32,
    /// Per nation: its next analyst number.
    next_analyst: Vec<u32>,
    /// The next [`Entry::version`].
    next_version: u64,
    /// Per nation: the catalog numbers its catalog holds at tick 0 (ascending): the objects of the
    /// scenario's catalog it `knows`, not the objects injects add.
    catalogued_at_start: Vec<Vec<u32>>,
    /// Sensor sites, by sensor index.
    sites: Vec<Site>,
    /// Nominal 1-sigma of each sensor (range km, azimuth deg, elevation deg), for tasking reports.
    sigmas: Vec<(f64, f64, f64)>,
    /// Breakups each nation has detected.
    breakups_seen: std::collections::BTreeSet<(Nation, Arc<str>)>,
    /// Standing priorities per nation: object -> priority (priority-change injects, UCT responses).
    pub(crate) standing: Vec<BTreeMap<u32, u8>>,
    custody_every: u64,
    /// The fit span (`catalog_maintenance.fit_span_h`), ticks.
    span_ticks: u64,
    clock: crate::time::Clock,
    /// Regional centers and their member nations.
    centers: Vec<(Arc<str>, Vec<usize>)>,
    tick_s: u64,
    track_report_ticks: u64,
    nations: Vec<Arc<str>>,
    sensor_ids: Vec<Arc<str>>,
    /// Nation of each sensor.
    pub(crate) sensor_nation: Vec<Nation>,
    /// Per nation, per satellite: tick of the newest observation in its catalog + 1 (0 = none).
    catalogs: Vec<Vec<u64>>,
    sats: Vec<SatAttrs>,
    agreements: Vec<AgreementRt>,
    /// Agreement indices per (provider, recipient).
    pairs: BTreeMap<(Nation, Nation), Vec<usize>>,
    liaisons: Vec<LiaisonRt>,
    /// Liaison index per (home, host).
    liaison_at: BTreeMap<(Nation, Nation), usize>,
    requests: Vec<RequestRt>,
    /// Requests (by send tick) not sent yet.
    to_send: BTreeMap<u64, Vec<usize>>,
    /// Open requests per (requester, object), for liaisons relaying `Requested` products.
    open_interest: BTreeMap<(Nation, u32), u32>,
    /// Accepted requests per sensor, sorted by object.
    pub(crate) active: Vec<Vec<ActiveRequest>>,
    /// Messages in flight by (arrival tick, sequence).
    pending: BTreeMap<(u64, u64), Message>,
    seq: u64,
    next_product: u64,
    /// Per nation: its conjunction screening, if it screens.
    screening: Vec<Option<crate::scenario::Screening>>,
    /// Per nation: the number of its next conjunction assessment.
    cdm_seq: Vec<u64>,
}

/// Stream offset of tasking reports in an agreement's degradation stream (product numbers stay below).
const REPORT_STREAM: u64 = 1 << 63;

/// The periods of the injects that `pick` selects.
fn cuts(scenario: &Scenario, pick: impl Fn(&InjectKind) -> bool) -> Vec<(Secs, Secs)> {
    scenario
        .injects
        .iter()
        .filter(|i| pick(&i.kind))
        .map(|i| (i.at, i.end.unwrap_or(Secs::MAX)))
        .collect()
}

/// Appends exchange events in creation order.
pub(crate) struct Emitter<'a> {
    tick: u64,
    next: u64,
    out: &'a mut Vec<Record>,
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(tick: u64, out: &'a mut Vec<Record>) -> Self {
        Emitter { tick, next: 0, out }
    }
    fn push(&mut self, event: Event) {
        self.out.push(Record {
            tick: self.tick,
            order: self.next,
            event,
        });
        self.next += 1;
    }
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

impl Exchange {
    /// Builds the exchange state: agreements as written plus those regional centers imply.
    pub fn new(scenario: &Scenario, seed: u64, population: &[Member]) -> Exchange {
        let tick_s = scenario.clock.tick_s as u64;
        let nations: Vec<Arc<str>> = scenario.nations.iter().map(|n| Arc::from(n.id.as_str())).collect();
        // Validation resolved every nation, sensor and object a scenario names (`scenario::load`
        // refuses unknown ones), so a failed lookup here is a broken invariant, not bad input.
        let rank = |id: &str| -> Nation {
            nations
                .binary_search_by(|n| (**n).cmp(id))
                .expect("validated: the scenario names declared nations") as Nation
        };
        let sensor_ids: Vec<Arc<str>> = scenario.sensors.iter().map(|s| Arc::from(s.id.as_str())).collect();
        let sensor_nation: Vec<Nation> = scenario.sensors.iter().map(|s| rank(&s.nation)).collect();
        let sats: Vec<SatAttrs> = population
            .iter()
            .map(|m| &m.object)
            .map(|o| SatAttrs {
                id: o.id,
                owner: o.owner.as_deref().map(Arc::from),
                class: o.class,
                regime: o.regime,
                military: o.military,
            })
            .collect();
        let (agreements, pairs) = agreements_of(scenario, seed, &rank);
        let (liaisons, liaison_at) = liaisons_of(scenario, &rank);
        let to_tick = |s: Secs| ceil_div(s, tick_s as i64).max(0) as u64;
        let iso = |s: Secs| crate::time::format_iso(&(scenario.clock.epoch + chrono::TimeDelta::seconds(s)));
        let mut to_send: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        let requests: Vec<RequestRt> = scenario
            .tasking
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let provider = rank(&r.provider);
                let (sensors, target) = match &r.target {
                    Target::Sensor(s) => (
                        vec![
                            sensor_ids
                                .binary_search_by(|x| (**x).cmp(s.as_str()))
                                .expect("validated: a tasking request names a declared sensor")
                                as u16,
                        ],
                        Arc::from(s.as_str()),
                    ),
                    Target::Nation(_) => (
                        (0..sensor_ids.len() as u16)
                            .filter(|&k| sensor_nation[k as usize] == provider)
                            .collect(),
                        Arc::from("any"),
                    ),
                };
                let at_tick = to_tick(r.at);
                to_send.entry(at_tick).or_default().push(i);
                RequestRt {
                    id: Arc::from(r.id.as_str()),
                    by: rank(&r.by),
                    provider,
                    object: r.object,
                    sat: sats
                        .binary_search_by_key(&r.object, |s| s.id)
                        .expect("validated: a tasking request names a catalogued object")
                        as u32,
                    sensors,
                    target,
                    priority: r.priority,
                    at_tick,
                    start_tick: to_tick(r.window.0),
                    end_tick: to_tick(r.window.1),
                    window_iso: (iso(r.window.0), iso(r.window.1)),
                    reason: Arc::from(r.reason.as_str()),
                    stage: Stage::Waiting,
                    agreement: None,
                    outcome: None,
                }
            })
            .collect();
        let public = public_catalog(population, seed, &scenario.clock);
        let mut entries: Vec<Vec<Entry>> = scenario
            .nations
            .iter()
            .map(|spec| starting_catalog(&public, population, spec, seed, &scenario.clock))
            .collect();
        // Copies of the public catalog's entries keep its numbering; a nation's own draws get
        // their own.
        let mut next_version = public.len() as u64 + 1;
        for e in entries.iter_mut().flatten().filter(|e| e.version == 0) {
            e.version = next_version;
            next_version += 1;
        }
        let analyst_base = analyst_base(population.iter().map(|m| m.object.id));
        Exchange {
            analyst_base,
            next_analyst: vec![analyst_base; nations.len()],
            next_version,
            rules: scenario.catalog_rules.clone(),
            catalogued_at_start: entries
                .iter()
                .map(|v| {
                    let mut ids: Vec<u32> = v.iter().map(|e| e.designator).collect();
                    ids.sort_unstable();
                    ids
                })
                .collect(),
            labels: entries.iter().map(|v| score::Labels::of(v, population.len())).collect(),
            cue_keys: entries.iter().map(|v| v.iter().map(CueKey::of).collect()).collect(),
            step_changes: vec![Vec::new(); nations.len()],
            entries,
            index: vec![belief::Index::default(); nations.len()],
            sites: scenario
                .sensors
                .iter()
                .map(|s| Site::new(s.lat_deg, s.lon_deg, s.alt_m))
                .collect(),
            sigmas: scenario.sensors.iter().map(|s| nominal_sigmas(&s.kind)).collect(),
            cause: vec![None; population.len()],
            breakup_of: population
                .iter()
                .map(|m| m.breakup_of.as_ref().map(|(id, _)| Arc::from(id.as_str())))
                .collect(),
            breakups_seen: Default::default(),
            standing: vec![BTreeMap::new(); nations.len()],
            custody_every: (scenario.catalog_rules.custody_sample_s as u64).div_ceil(tick_s).max(1),
            span_ticks: ((scenario.catalog_rules.fit_span_h * 3600.0) as u64)
                .div_ceil(tick_s)
                .max(1),
            clock: scenario.clock.clone(),
            centers: scenario
                .regional_centers
                .iter()
                .map(|c| {
                    (
                        Arc::from(c.id.as_str()),
                        c.members.iter().map(|m| rank(m) as usize).collect(),
                    )
                })
                .collect(),
            tick_s,
            track_report_ticks: (scenario.track_report_s as u64).div_ceil(tick_s).max(1),
            catalogs: vec![vec![0; sats.len()]; nations.len()],
            active: vec![Vec::new(); sensor_ids.len()],
            nations,
            sensor_ids,
            sensor_nation,
            sats,
            agreements,
            pairs,
            liaisons,
            liaison_at,
            requests,
            to_send,
            open_interest: BTreeMap::new(),
            pending: BTreeMap::new(),
            seq: 0,
            next_product: 0,
            screening: scenario.nations.iter().map(|n| n.screening.clone()).collect(),
            cdm_seq: vec![0; scenario.nations.len()],
        }
    }

    /// Catalog numbers a nation's catalog held at tick 0 (empty for an unknown nation).
    pub(crate) fn known_at_start(&self, nation: &str) -> Vec<u32> {
        match self.nations.binary_search_by(|x| (**x).cmp(nation)) {
            Ok(n) => self.catalogued_at_start[n].clone(),
            Err(_) => Vec::new(),
        }
    }

    /// Sets or clears a nation's standing priority for an object (priority-change injects).
    pub(crate) fn set_standing(&mut self, nation: &str, object: u32, priority: Option<u8>) {
        let Ok(n) = self.nations.binary_search_by(|x| (**x).cmp(nation)) else {
            return;
        };
        match priority {
            Some(p) => {
                self.standing[n].insert(object, p);
            }
            None => {
                self.standing[n].remove(&object);
            }
        }
    }

    /// Records new true elements of a satellite (manoeuvre, launch, fragment) and the inject that
    /// caused them (for scoring). Catalogs keep what they had: only measurements change them.
    pub(crate) fn new_truth(&mut self, sat: usize, cause: &str) {
        self.cause[sat] = Some(Arc::from(cause));
    }

    /// Whether this tick samples custody and accuracy (the caller then passes the truth).
    pub(crate) fn samples_at(&self, tick: u64, last: bool) -> bool {
        tick.is_multiple_of(self.custody_every) || last
    }

    /// Ticks after its first detection at which a sensor reports an open track.
    pub(crate) fn track_report_ticks(&self) -> u64 {
        self.track_report_ticks
    }

    /// The standing priority a nation gives an object, if any.
    pub(crate) fn standing_priority(&self, nation: Nation, object: u32) -> Option<u8> {
        let m = &self.standing[nation as usize];
        if m.is_empty() { None } else { m.get(&object).copied() }
    }

    /// What the provider knows of the object a track associated with (entry `entry` of nation
    /// `n`'s catalog), for its agreements' rules: the published catalog's owner, class and military
    /// flag under a published number; for its own analyst numbers only the regime of its estimate;
    /// nothing for an uncorrelated track.
    fn attrs_known(&self, n: Nation, entry: Option<usize>) -> ObjectAttrs<'_> {
        let Some(e) = entry.map(|i| &self.entries[n as usize][i]) else {
            return ObjectAttrs::unknown(None, Regime::Other);
        };
        let published = (e.designator < self.analyst_base)
            .then(|| self.sats.binary_search_by_key(&e.designator, |s| s.id).ok())
            .flatten();
        match published {
            Some(s) => self.attrs(s as u32),
            None => ObjectAttrs::unknown(
                Some(e.designator),
                Regime::of(e.template.mean_motion, e.template.eccentricity),
            ),
        }
    }

    fn attrs(&self, sat: u32) -> ObjectAttrs<'_> {
        let s = &self.sats[sat as usize];
        ObjectAttrs {
            id: Some(s.id),
            owner: s.owner.as_deref(),
            class: s.class,
            regime: s.regime,
            military: s.military,
        }
    }

    fn secs(&self, tick: u64) -> Secs {
        (tick * self.tick_s) as Secs
    }

    /// The agreement from `from` to `to` in force at `tick` that covers any of `products`.
    fn agreement(&self, from: Nation, to: Nation, tick: u64, products: &[Product]) -> Option<usize> {
        let t = self.secs(tick);
        self.pairs.get(&(from, to))?.iter().copied().find(|&i| {
            let a = &self.agreements[i];
            a.in_force(t) && products.iter().any(|p| a.spec.covers(*p))
        })
    }

    /// Runs the exchange step of one tick. `reports` and `tasked` are per sensor, in sensor order.
    pub(crate) fn step(
        &mut self,
        tick: u64,
        reports: Vec<(u16, Vec<TrackReport>)>,
        tasked: Vec<(u16, Vec<TaskedDetection>)>,
        truth: Option<&score::Truth>,
        events: &mut Vec<Record>,
    ) {
        let mut ev = Emitter::new(tick, events);
        self.status_changes(tick, &mut ev);
        for (sensor, list) in tasked {
            for t in list {
                self.fulfil(tick, sensor, t, &mut ev);
            }
        }
        let mut reports = reports;
        for (_, list) in &mut reports {
            // In an order the nation could make: by what its sensor measured, not by which object
            // each track really was (the order matters when two tracks meet one catalog entry).
            list.sort_by(|a, b| {
                let (x, y) = (&a.track, &b.track);
                (x.first_tick, x.last_tick)
                    .cmp(&(y.first_tick, y.last_tick))
                    .then(x.measured.az_deg.total_cmp(&y.measured.az_deg))
                    .then(x.measured.el_deg.total_cmp(&y.measured.el_deg))
                    .then(
                        x.measured
                            .range_km
                            .unwrap_or(0.0)
                            .total_cmp(&y.measured.range_km.unwrap_or(0.0)),
                    )
            });
        }
        let mut prepared = self.prepare(&reports).into_iter();
        for (sensor, list) in reports {
            for r in list {
                self.release(tick, sensor, r, prepared.next(), &mut ev);
            }
        }
        if let Some(list) = self.to_send.remove(&tick) {
            for r in list {
                self.send_request(tick, r, &mut ev);
            }
        }
        self.expire(tick, &mut ev);
        self.serve_liaisons(tick, &mut ev);
        while let Some(entry) = self.pending.first_entry() {
            if entry.key().0 > tick {
                break;
            }
            let msg = entry.remove();
            self.deliver(tick, msg, &mut ev);
        }
        self.screen_conjunctions(tick, &mut ev);
        if let Some(truth) = truth {
            self.sample_custody(tick, truth, &mut ev);
        }
        for l in &mut self.liaisons {
            let depth = l.queue.len() as u32;
            if depth != l.reported_depth {
                l.reported_depth = depth;
                ev.push(Event::LiaisonQueue {
                    liaison: l.id.clone(),
                    home: self.nations[l.home as usize].clone(),
                    host: self.nations[l.host as usize].clone(),
                    depth,
                });
            }
        }
    }

    /// What each own track of `reports` (in release order) finds in its nation's catalog as it
    /// stands now, computed on the run's worker pool: for a track tagged with a catalogued entry
    /// (its cue), whether it fits that entry's gate and, if it does, the entry refined by it
    /// (all tracks at once: each reads only the catalog); for any other, its candidates (each
    /// nation's tracks in order against its own index: the probes' caches are the only state
    /// this changes, and they change no answer). `believe` uses a refinement only while its entry
    /// is unchanged, and brings candidates up to date with the entries changed since
    /// ([`belief::revise`]); the step's association is then what it would be without this, at any
    /// thread count.
    /// Each track comes with its measurements, so that `release` does not build them again.
    fn prepare(&mut self, reports: &[(u16, Vec<TrackReport>)]) -> Vec<Prepared> {
        use rayon::prelude::*;
        self.step_changes.iter_mut().for_each(Vec::clear);
        let tracks: Vec<(Nation, Vec<Meas>, Option<usize>)> = reports
            .iter()
            .flat_map(|(sensor, list)| list.iter().map(move |r| (*sensor, r)))
            .map(|(sensor, r)| {
                let n = self.sensor_nation[sensor as usize];
                (n, r.track.measurements(), r.cue.map(|c| c as usize))
            })
            .collect();
        let (entries, sites, clock, span_ticks) = (&self.entries, &self.sites, &self.clock, self.span_ticks);
        let mut out: Vec<Prepared> = tracks
            .into_par_iter()
            .map(|(nation, meas, cue)| {
                let catalog = &entries[nation as usize];
                // (`fits_cue` takes no tentative cue: such a track is searched for, as untagged.)
                let tagged = cue.and_then(|c| Some((c, catalog.get(c)?))).map(|(c, e)| {
                    let fits = belief::fits_cue(catalog, c, &meas, sites, clock);
                    Tagged {
                        version: e.version,
                        refined: fits
                            .map(|lin| Box::new(catalog::refine(e, &meas, sites, clock, span_ticks, Some(lin)))),
                    }
                });
                Prepared {
                    nation,
                    meas,
                    found: Found {
                        cue,
                        candidates: None,
                        tagged,
                    },
                }
            })
            .collect();
        let mut by_nation: Vec<Vec<&mut Prepared>> = (0..self.nations.len()).map(|_| Vec::new()).collect();
        for p in out.iter_mut() {
            if p.found.tagged.as_ref().is_none_or(|t| t.refined.is_none()) {
                by_nation[p.nation as usize].push(p);
            }
        }
        self.index
            .par_iter_mut()
            .zip(by_nation)
            .enumerate()
            .for_each(|(n, (index, tracks))| {
                for p in tracks {
                    index.refresh(&entries[n], clock, catalog::meas_tick(&p.meas));
                    p.found.candidates = Some(belief::candidates(&entries[n], index, &p.meas, sites, clock));
                }
            });
        out
    }

    /// Agreements coming into force or ending, liaisons going on or off duty.
    fn status_changes(&mut self, tick: u64, ev: &mut Emitter) {
        let t = self.secs(tick);
        for a in &mut self.agreements {
            let now = a.in_force(t);
            if now != a.active {
                a.active = now;
                if a.spec.regional_center.is_none() && (tick > 0 || now) {
                    ev.push(Event::AgreementStatus {
                        agreement: a.id.clone(),
                        from: self.nations[a.from as usize].clone(),
                        to: self.nations[a.to as usize].clone(),
                        active: now,
                    });
                }
            }
        }
        for l in &mut self.liaisons {
            let now = l.spec.on_duty_at(t) && !l.cuts.iter().any(|&(a, b)| t >= a && t < b);
            if now != l.on_duty || tick == 0 {
                l.on_duty = now;
                ev.push(Event::LiaisonDuty {
                    liaison: l.id.clone(),
                    home: self.nations[l.home as usize].clone(),
                    host: self.nations[l.host as usize].clone(),
                    on_duty: now,
                });
            }
        }
    }
}
