//! The exchange between nations, run once per tick by one sequential step (`systems::exchange`):
//! per-nation catalogs, products released under agreements, liaison queues, and the lifecycle of
//! tasking requests. Everything here is ordered by stable ids (nation, agreement, liaison and
//! request ids, product numbers assigned in sensor-then-object order), never by entity or map order.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::event::{
    Event, Geometry, Record, ShareDegradedEvent, ShareDeliveredEvent, ShareSentEvent, TaskingReportedEvent,
    TaskingRequestedEvent, round, round_az,
};
use crate::injects::{CatalogRules, InjectKind};
use crate::object::{ObjectClass, Regime};
use crate::policy::{Agreement, Decision, Degradation, Liaison, ObjectAttrs, Product, Relay, Secs, Target};
use crate::rng::StreamFamily;
use crate::scenario::Scenario;
use crate::systems::inject::Member;
use crate::world::{TaskedDetection, TrackReport};

mod belief;
pub(crate) mod score;

use crate::frames::Site;
use crate::od::{self, Mat6, Meas, Vec6};
use belief::{Association, Entry};

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
}

/// Index of a nation in nation-id order.
type Nation = u16;

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
        degraded_by: Option<Arc<str>>,
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
    /// Where the object was at the last detection (Earth-fixed km, GMST), for the recipient's correlation.
    /// The track's measurements as released (degraded when a rule says so), for the recipient's
    /// association and orbit determination (Observations).
    meas: Vec<Meas>,
    /// The origin's estimate after the track (CatalogUpdates): elements, their covariance, and
    /// the element set they refer to.
    estimate: Option<Box<(Vec6, Mat6, sgp4::Elements)>>,
    id: u64,
    kind: Product,
    sensor: u16,
    object: u32,
    sat: u32,
    first_tick: u64,
    last_tick: u64,
    detections: u32,
    measured: Option<Geometry>,
    degraded_by: Option<Arc<str>>,
}

#[derive(Debug, Clone)]
enum Payload {
    Product(Box<ProductMsg>),
    Request(usize),
    Report(usize),
}

#[derive(Debug, Clone)]
struct Message {
    payload: Payload,
    from: Nation,
    to: Nation,
    agreement: Option<usize>,
    channel: &'static str,
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
    /// Catalog numbers every nation's catalog holds at tick 0 (what nation views may show from the
    /// start): the scenario's catalog, not the objects injects add.
    catalogued_at_start: Vec<u32>,
    /// Sensor sites, by sensor index.
    sites: Vec<Site>,
    /// Nominal 1-sigma of each sensor (range km, azimuth deg, elevation deg), for tasking reports.
    sigmas: Vec<(f64, f64, f64)>,
    /// Breakups each nation has detected.
    breakups_seen: std::collections::BTreeSet<(Nation, Arc<str>)>,
    /// Standing priorities per nation: object -> priority (priority-change injects, UCT responses).
    pub(crate) standing: Vec<BTreeMap<u32, u8>>,
    custody_every: u64,
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
    pub(crate) catalogs: Vec<Vec<u64>>,
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
}

/// Adds a rule's noise to a measurement (and removes the range if it says so).
fn degrade(m: Geometry, d: &Degradation, rng: &mut rand_chacha::ChaCha8Rng) -> Geometry {
    let mut n = || -> f64 { rng.sample(StandardNormal) };
    let range_km = m.range_km.map(|x| x + n() * d.range_noise_m / 1000.0);
    let az = m.az_deg + n() * d.angle_noise_deg;
    let el = m.el_deg + n() * d.angle_noise_deg;
    Geometry {
        range_km: if d.strip_range {
            None
        } else {
            range_km.map(|x| round(x, 6))
        },
        az_deg: round_az(az, 7),
        el_deg: round(el.clamp(-90.0, 90.0), 7),
    }
}

/// Adds a rule's noise to one measurement and its variance to the sigmas (the recipient knows
/// the rule), removing the range if it says so.
fn degrade_meas(m: &Meas, d: &Degradation, rng: &mut rand_chacha::ChaCha8Rng) -> Meas {
    let g = degrade(
        Geometry {
            range_km: m.range_km,
            az_deg: m.az_deg,
            el_deg: m.el_deg,
        },
        d,
        rng,
    );
    let mut out = Meas {
        range_km: g.range_km,
        az_deg: g.az_deg,
        el_deg: g.el_deg,
        ..*m
    };
    widen_sigmas(&mut out, d);
    out
}

/// Adds a degradation's noise to a measurement's sigmas in quadrature.
fn widen_sigmas(m: &mut Meas, d: &Degradation) {
    m.sigma_az_deg = m.sigma_az_deg.hypot(d.angle_noise_deg);
    m.sigma_el_deg = m.sigma_el_deg.hypot(d.angle_noise_deg);
    m.sigma_range_km = m.sigma_range_km.hypot(d.range_noise_m / 1000.0);
    if d.strip_range {
        m.range_km = None;
    }
}

/// Nominal 1-sigma of a sensor: range km, azimuth and elevation degrees.
fn nominal_sigmas(kind: &crate::scenario::SensorKind) -> (f64, f64, f64) {
    match kind {
        crate::scenario::SensorKind::Radar(r) => (r.range_sigma_m / 1000.0, r.az_sigma_deg, r.el_sigma_deg),
        crate::scenario::SensorKind::Optical(o) => (0.0, o.angle_sigma_arcsec / 3600.0, o.angle_sigma_arcsec / 3600.0),
    }
}

/// Tick of a track's newest measurement.
fn meas_tick(meas: &[Meas]) -> u64 {
    meas.last().map_or(0, |m| m.tick)
}

/// The public catalog every nation starts from: per object in the scenario's catalog, its
/// element set with the regime's prior covariance ([`od::PriorSigmas::default_for`]), the elements
/// displaced by one draw from that covariance (the published set is an estimate, not the truth;
/// one draw per object, shared by every nation, from the (seed, `catalog-prior`) stream).
fn public_catalog(population: &[Member], seed: u64, clock: &crate::time::Clock) -> Vec<Entry> {
    let rng = StreamFamily::new(seed, "catalog-prior", "public");
    population
        .iter()
        .enumerate()
        .filter(|(_, m)| m.added_at.is_none())
        .filter_map(|(s, m)| {
            let el = &m.object.elements;
            let truth = od::mean_of(el);
            let sig = od::PriorSigmas::default_for(m.object.regime);
            // The published accuracy holds at the start of the exercise (not at an old epoch).
            let minutes = clock.ns_from(&el.datetime)? as f64 / 60e9;
            let cov = od::prior_covariance(&truth, el.datetime, el, minutes, &sig).ok()?;
            let l = cov.cholesky()?.l();
            let mut rng = rng.at(u64::from(m.object.id), 0);
            let z = Vec6::from_fn(|_, _| rng.sample(StandardNormal));
            let x = truth + l * z;
            Entry::new(s as u32, el, x, cov, clock)
        })
        .collect()
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
        let rank = |id: &str| -> Nation { nations.binary_search_by(|n| (**n).cmp(id)).unwrap_or(0) as Nation };
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
                        sensor_ids
                            .binary_search_by(|x| (**x).cmp(s.as_str()))
                            .map(|k| vec![k as u16])
                            .unwrap_or_default(),
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
                    sat: sats.binary_search_by_key(&r.object, |s| s.id).unwrap_or(0) as u32,
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
        Exchange {
            rules: scenario.catalog_rules.clone(),
            entries: vec![public; nations.len()],
            index: vec![belief::Index::default(); nations.len()],
            sites: scenario
                .sensors
                .iter()
                .map(|s| Site::new(s.lat_deg, s.lon_deg, s.alt_m))
                .collect(),
            sigmas: scenario.sensors.iter().map(|s| nominal_sigmas(&s.kind)).collect(),
            catalogued_at_start: population
                .iter()
                .filter(|m| m.added_at.is_none())
                .map(|m| m.object.id)
                .collect(),
            cause: vec![None; population.len()],
            breakup_of: population
                .iter()
                .map(|m| m.breakup_of.as_ref().map(|(id, _)| Arc::from(id.as_str())))
                .collect(),
            breakups_seen: Default::default(),
            standing: vec![BTreeMap::new(); nations.len()],
            custody_every: (scenario.catalog_rules.custody_sample_s as u64).div_ceil(tick_s).max(1),
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
        }
    }

    /// A nation's catalogued entries as estimates (see [`crate::Sim::nation_catalog`]).
    pub(crate) fn nation_catalog(&self, nation: &str) -> Option<Vec<CatalogEstimate>> {
        let n = self.nations.binary_search_by(|x| (**x).cmp(nation)).ok()?;
        Some(
            self.entries[n]
                .iter()
                .filter(|e| !e.tentative)
                .filter_map(|e| {
                    let g = od::state_jacobian(&e.x, e.template.datetime, &e.template, 0.0).ok()?;
                    let c = g * e.cov * g.transpose();
                    let mut elements = e.template.clone();
                    elements.norad_id = u64::from(self.sats[e.label as usize].id);
                    Some(CatalogEstimate {
                        object: self.sats[e.label as usize].id,
                        elements,
                        covariance_teme: std::array::from_fn(|i| std::array::from_fn(|j| c[(i, j)])),
                        first_obs_tick: e.first_obs,
                        last_obs_tick: e.last_obs,
                        observations: e.obs_used,
                        wrms: e.wrms,
                    })
                })
                .collect(),
        )
    }

    /// Catalog numbers a nation's catalog held at tick 0 (empty for an unknown nation).
    pub(crate) fn known_at_start(&self, nation: &str) -> Vec<u32> {
        if self.nations.binary_search_by(|x| (**x).cmp(nation)).is_err() {
            return Vec::new();
        }
        self.catalogued_at_start.clone()
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

    /// A nation's catalog meets a track's measurements (own, received, or a tasking report):
    /// the track refines the entry it associates with; fits an entry only as a manoeuvre (evidence
    /// towards declaring it); or starts a tentative entry by initial orbit determination. Returns
    /// the entry the track associated with. `sat` is the true satellite, used only to log cross-tags.
    fn believe(
        &mut self,
        n: Nation,
        sat: u32,
        meas: &[Meas],
        via: &'static str,
        sensor: u16,
        ev: &mut Emitter,
    ) -> Option<usize> {
        let clock = self.clock.clone();
        let ni = n as usize;
        self.index[ni].refresh(&self.entries[ni], &clock, meas_tick(meas));
        match belief::associate(&self.entries[ni], &mut self.index[ni], meas, &self.sites, &clock) {
            Association::Entry(i, _) => {
                self.associated(n, i, sat, meas, via, sensor, ev);
                Some(i)
            }
            Association::Manoeuvre(i, _) => {
                self.manoeuvre_evidence(n, i, meas, via, sensor, ev);
                None
            }
            Association::None => {
                self.uncorrelated(n, sat, meas, via, sensor, ev);
                None
            }
        }
    }

    /// A track associated with entry `i`: refine it (a failed fit keeps it), log a cross-tag when
    /// it was another object's, and catalogue a tentative entry once it has enough tracks and is
    /// settled.
    #[allow(clippy::too_many_arguments)]
    fn associated(
        &mut self,
        n: Nation,
        i: usize,
        sat: u32,
        meas: &[Meas],
        via: &'static str,
        sensor: u16,
        ev: &mut Emitter,
    ) {
        let clock = self.clock.clone();
        let ni = n as usize;
        let e = &mut self.entries[ni][i];
        e.manoeuvre_evidence.clear();
        e.manoeuvre_tracks = 0;
        let fitted = belief::update(e, meas, None, &self.sites, &clock);
        self.index[ni].touched(i, &self.entries[ni][i], &self.clock);
        let e = &mut self.entries[ni][i];
        if let Err(err) = fitted {
            // A tentative entry's failures stay unlogged: the nation has no number for it.
            if !e.tentative {
                ev.push(Event::OdFailed {
                    nation: self.nations[ni].clone(),
                    object: self.sats[e.label as usize].id,
                    reason: Arc::from(err.to_string()),
                });
            }
            return;
        }
        e.tracks += 1;
        let (label, tentative, tracks) = (e.label, e.tentative, e.tracks);
        if label != sat {
            ev.push(Event::CrossTag {
                nation: self.nations[ni].clone(),
                object: self.sats[sat as usize].id,
                entry: self.sats[label as usize].id,
                sensor: self.sensor_ids[sensor as usize].clone(),
            });
        }
        if tentative {
            let e = &self.entries[ni][i];
            let settled = || e.position_sigma_km(&clock, meas_tick(meas)) <= belief::CATALOGUE_SIGMA_KM;
            if tracks >= self.rules.new_object_tracks && settled() {
                self.entries[ni][i].tentative = false;
                self.index[ni].touched(i, &self.entries[ni][i], &self.clock);
                self.catalogue_new(n, label, tracks, ev);
                self.update_catalog(n, label, meas_tick(meas), via, sensor, ev);
            }
        } else {
            self.update_catalog(n, label, meas_tick(meas), via, sensor, ev);
        }
    }

    /// A track that fits no entry: a standing priority (with `uct_response_priority`) and a
    /// tentative entry by initial orbit determination (catalogued at once when
    /// `new_object_tracks` is 1).
    fn uncorrelated(&mut self, n: Nation, sat: u32, meas: &[Meas], via: &'static str, sensor: u16, ev: &mut Emitter) {
        let ni = n as usize;
        if let Some(p) = self.rules.uct_response_priority {
            self.standing[ni].entry(self.sats[sat as usize].id).or_insert(p);
        }
        let tentative = self.entries[ni].iter().filter(|e| e.tentative).count();
        if tentative >= crate::limits::MAX_TENTATIVE_ENTRIES {
            return;
        }
        let template = crate::systems::inject::template();
        let Some(e) = belief::initial_orbit(sat, meas, &self.sites, &self.clock, &template) else {
            return;
        };
        self.entries[ni].push(e);
        let last = self.entries[ni].len() - 1;
        if self.rules.new_object_tracks <= 1 {
            self.entries[ni][last].tentative = false;
            self.catalogue_new(n, sat, 1, ev);
            self.update_catalog(n, sat, meas_tick(meas), via, sensor, ev);
        }
        self.index[ni].touched(last, &self.entries[ni][last], &self.clock);
    }

    /// A track fitted entry `i` only under the manoeuvre hypothesis: after `manoeuvre_tracks` such
    /// tracks in a row, the entry is refitted to them with the widened covariance as prior and
    /// declared manoeuvred.
    fn manoeuvre_evidence(
        &mut self,
        n: Nation,
        i: usize,
        meas: &[Meas],
        via: &'static str,
        sensor: u16,
        ev: &mut Emitter,
    ) {
        let clock = self.clock.clone();
        let ni = n as usize;
        let e = &mut self.entries[ni][i];
        e.manoeuvre_evidence.extend_from_slice(meas);
        e.manoeuvre_tracks += 1;
        if e.manoeuvre_tracks < self.rules.manoeuvre_tracks {
            return;
        }
        let evidence = std::mem::take(&mut e.manoeuvre_evidence);
        let tracks = std::mem::take(&mut e.manoeuvre_tracks);
        let label = e.label;
        let object = self.sats[label as usize].id;
        match e.restart(evidence[0].tick, &evidence, &self.sites, &clock) {
            Ok(fresh) => {
                *e = fresh;
                self.index[ni].touched(i, &self.entries[ni][i], &self.clock);
                if self.rules.uct_response_priority.is_some() {
                    self.standing[ni].remove(&object);
                }
                ev.push(Event::ManoeuvreDetected {
                    nation: self.nations[ni].clone(),
                    object,
                    tracks,
                    inject: self.cause[label as usize].clone(),
                });
                self.update_catalog(n, label, meas_tick(&evidence), via, sensor, ev);
            }
            Err(err) => ev.push(Event::OdFailed {
                nation: self.nations[ni].clone(),
                object,
                reason: Arc::from(err.to_string()),
            }),
        }
    }

    /// Logs a tentative entry becoming a catalogued object (and the breakup it reveals).
    fn catalogue_new(&mut self, n: Nation, label: u32, tracks: u32, ev: &mut Emitter) {
        let nation = self.nations[n as usize].clone();
        let object = self.sats[label as usize].id;
        if self.rules.uct_response_priority.is_some() {
            self.standing[n as usize].remove(&object);
        }
        ev.push(Event::NewObjectCatalogued {
            nation: nation.clone(),
            object,
            tracks,
            inject: self.cause[label as usize].clone(),
        });
        if let Some(b) = self.breakup_of[label as usize].clone()
            && self.breakups_seen.insert((n, b.clone()))
        {
            ev.push(Event::BreakupDetected {
                nation,
                inject: Some(b),
                first_fragment: object,
            });
        }
    }

    /// Per nation, per regional center and for the coalition: objects known and objects in custody,
    /// per regime. A group knows (holds) an object when any of its nations does. An object is in a
    /// nation's custody when its catalog entry was observed within the revisit requirement and is
    /// accurate: within `uct_gate_km` of the truth (scored here, the only place truth meets belief).
    fn sample_custody(&self, tick: u64, truth: &score::Truth, ev: &mut Emitter) {
        let r = &self.rules.revisit;
        let n_sats = self.sats.len();
        let mut accuracy = Vec::with_capacity(self.nations.len());
        // Per nation, per satellite: (known, in custody).
        let status: Vec<Vec<(bool, bool)>> = (0..self.nations.len())
            .map(|n| {
                let scored = score::score(&self.entries[n], tick, &self.clock, truth);
                let mut st = vec![(false, false); n_sats];
                for e in &scored {
                    let s = e.label as usize;
                    let a = &self.sats[s];
                    let limit_h = match a.regime {
                        Regime::Leo => r.leo_h,
                        Regime::Meo => r.meo_h,
                        Regime::Geo => r.geo_h,
                        Regime::Heo => r.heo_h,
                        Regime::Other => r.other_h,
                    };
                    let last = self.catalogs[n][s];
                    let fresh = last > 0 && ((tick - (last - 1)) * self.tick_s) as f64 <= limit_h * 3600.0;
                    let accurate = e.error_km <= self.rules.uct_gate_km;
                    st[s] = (true, st[s].1 || fresh && accurate);
                }
                accuracy.push(score::summarise(
                    &scored,
                    &self.sats.iter().map(|a| a.regime).collect::<Vec<_>>(),
                    self.rules.uct_gate_km,
                ));
                st
            })
            .collect();
        let mut emit =
            |scope: &'static str, id: Arc<str>, members: &[usize], accuracy: Option<crate::event::Accuracy>| {
                let mut known: BTreeMap<&'static str, u32> = BTreeMap::new();
                let mut held: BTreeMap<&'static str, u32> = BTreeMap::new();
                for (s, a) in self.sats.iter().enumerate() {
                    let (k, h) = members.iter().fold((false, false), |acc, &n| {
                        (acc.0 | status[n][s].0, acc.1 | status[n][s].1)
                    });
                    if k {
                        *known.entry(a.regime.as_str()).or_default() += 1;
                    }
                    if h {
                        *held.entry(a.regime.as_str()).or_default() += 1;
                    }
                }
                ev.push(Event::Custody {
                    scope,
                    id,
                    known_total: known.values().sum(),
                    in_custody_total: held.values().sum(),
                    known,
                    in_custody: held,
                    accuracy,
                });
            };
        for (n, nation) in self.nations.iter().enumerate() {
            emit("nation", nation.clone(), &[n], Some(std::mem::take(&mut accuracy[n])));
        }
        for (id, members) in &self.centers {
            emit("regional_center", id.clone(), members, None);
        }
        let all: Vec<usize> = (0..self.nations.len()).collect();
        emit("coalition", Arc::from("coalition"), &all, None);
    }

    /// Whether this tick samples custody and accuracy (the caller then passes the truth).
    pub(crate) fn samples_at(&self, tick: u64, last: bool) -> bool {
        tick.is_multiple_of(self.custody_every) || last
    }

    /// Ticks after its first detection at which a sensor reports an open track.
    pub(crate) fn track_report_ticks(&self) -> u64 {
        self.track_report_ticks
    }

    /// Catalog custody key of a satellite for a nation: 0 = never observed, else observed tick + 1.
    pub(crate) fn custody(&self, nation: Nation, sat: u32) -> u64 {
        self.catalogs
            .get(nation as usize)
            .and_then(|c| c.get(sat as usize))
            .copied()
            .unwrap_or(0)
    }

    /// The standing priority a nation gives an object, if any.
    pub(crate) fn standing_priority(&self, nation: Nation, object: u32) -> Option<u8> {
        let m = &self.standing[nation as usize];
        if m.is_empty() { None } else { m.get(&object).copied() }
    }

    fn attrs(&self, sat: u32) -> ObjectAttrs<'_> {
        let s = &self.sats[sat as usize];
        ObjectAttrs {
            id: s.id,
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
        for (sensor, mut list) in reports {
            list.sort_by_key(|r| r.object);
            for r in list {
                self.release(tick, sensor, r, &mut ev);
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

    /// A tasking report's measurement with the provider sensor's nominal sigmas (plus the
    /// agreement's degradation, when a rule degraded it).
    fn report_meas(&self, sensor: u16, tick: u64, m: &Geometry, agreement: Option<usize>, sat: u32) -> Meas {
        let (sr, sa, se) = self.sigmas[sensor as usize];
        let mut meas = Meas {
            tick,
            sensor,
            range_km: m.range_km,
            az_deg: m.az_deg,
            el_deg: m.el_deg,
            sigma_range_km: sr,
            sigma_az_deg: sa,
            sigma_el_deg: se,
        };
        if let Some(ai) = agreement
            && let Decision::Degrade(_, d) = self.agreements[ai].spec.decide(&self.attrs(sat))
        {
            widen_sigmas(&mut meas, &d);
        }
        meas
    }

    /// A partner's catalog update meets the recipient's entry of the same catalog number: the two
    /// estimates are fused as independent (information-weighted) when they share an epoch, else
    /// the one with the smaller position uncertainty is kept. A number the recipient does not hold
    /// is left alone (it has no measurement to associate).
    fn fuse(
        &mut self,
        n: Nation,
        est: &(Vec6, Mat6, sgp4::Elements),
        observed_tick: u64,
        sensor: u16,
        ev: &mut Emitter,
    ) {
        let (x2, p2, el2) = est;
        let Some(i) = self.entries[n as usize]
            .iter()
            .position(|e| !e.tentative && e.template.norad_id == el2.norad_id)
        else {
            return;
        };
        let e = &mut self.entries[n as usize][i];
        let fused = if e.template.datetime == el2.datetime {
            let (Some(i1), Some(i2)) = (e.cov.try_inverse(), p2.try_inverse()) else {
                return;
            };
            let Some(p) = (i1 + i2).try_inverse() else { return };
            Some((p * (i1 * e.x + i2 * x2), (p + p.transpose()) * 0.5))
        } else {
            (p2.trace() < e.cov.trace()).then_some((*x2, *p2))
        };
        let label = e.label;
        if let Some((x, p)) = fused
            && e.set(x, p)
        {
            self.index[n as usize].touched(i, &self.entries[n as usize][i], &self.clock);
            let e = &mut self.entries[n as usize][i];
            e.last_obs = Some(observed_tick).max(e.last_obs);
            self.update_catalog(n, label, observed_tick, "shared", sensor, ev);
        }
    }

    /// Updates a nation's catalog with an observation if it is newer than what it holds.
    fn update_catalog(
        &mut self,
        nation: Nation,
        sat: u32,
        observed_tick: u64,
        via: &'static str,
        sensor: u16,
        ev: &mut Emitter,
    ) {
        let entry = &mut self.catalogs[nation as usize][sat as usize];
        if observed_tick < *entry {
            return;
        }
        let previous = entry.checked_sub(1);
        *entry = observed_tick + 1;
        ev.push(Event::CatalogUpdate {
            nation: self.nations[nation as usize].clone(),
            object: self.sats[sat as usize].id,
            via,
            sensor: self.sensor_ids[sensor as usize].clone(),
            source_nation: self.nations[self.sensor_nation[sensor as usize] as usize].clone(),
            observed_tick,
            previous_tick: previous,
        });
    }

    /// A sensor's track: its nation's product. Updates the nation's catalog and releases the product
    /// to every partner an agreement in force allows, in nation-id order.
    fn release(&mut self, tick: u64, sensor: u16, r: TrackReport, ev: &mut Emitter) {
        let origin = self.sensor_nation[sensor as usize];
        let id = self.next_product;
        self.next_product += 1;
        let tr = r.track;
        let at = ev.out.len();
        ev.push(Event::Track {
            product: id,
            sensor: self.sensor_ids[sensor as usize].clone(),
            nation: self.nations[origin as usize].clone(),
            object: r.object,
            first_tick: tr.first_tick,
            last_tick: tr.last_tick,
            detections: tr.detections,
            measured: tr.measured,
            uct: false,
        });
        let meas = tr.measurements();
        let entry = self.believe(origin, r.sat, &meas, "own", sensor, ev);
        if let Event::Track { uct, .. } = &mut ev.out[at].event {
            *uct = entry.is_none();
        }
        let estimate = entry
            .map(|i| &self.entries[origin as usize][i])
            .filter(|e| !e.tentative)
            .map(|e| Box::new((e.x, e.cov, e.template.clone())));

        for to in 0..self.nations.len() as Nation {
            if to == origin {
                continue;
            }
            let Some(ai) = self.agreement(origin, to, tick, &[Product::Observations, Product::CatalogUpdates]) else {
                continue;
            };
            let a = &self.agreements[ai];
            let kind = if a.spec.covers(Product::Observations) {
                Product::Observations
            } else {
                Product::CatalogUpdates
            };
            let mut product = ProductMsg {
                meas: if kind == Product::Observations {
                    meas.clone()
                } else {
                    Vec::new()
                },
                estimate: if kind == Product::CatalogUpdates {
                    estimate.clone()
                } else {
                    None
                },
                id,
                kind,
                sensor,
                object: r.object,
                sat: r.sat,
                first_tick: tr.first_tick,
                last_tick: tr.last_tick,
                detections: tr.detections,
                measured: (kind == Product::Observations).then_some(tr.measured),
                degraded_by: None,
            };
            match a.spec.decide(&self.attrs(r.sat)) {
                Decision::Deny(rule) => {
                    ev.push(Event::ShareDenied {
                        product: id,
                        product_kind: kind.as_str(),
                        from: self.nations[origin as usize].clone(),
                        to: self.nations[to as usize].clone(),
                        object: r.object,
                        agreement: a.id.clone(),
                        rule: Arc::from(rule.id.as_str()),
                    });
                    continue;
                }
                Decision::Degrade(rule, d) if kind == Product::Observations => {
                    let mut rng = a.degrade_rng.at(id, to as u64);
                    product.measured = Some(degrade(tr.measured, &d, &mut rng));
                    product.meas = product.meas.iter().map(|m| degrade_meas(m, &d, &mut rng)).collect();
                    product.degraded_by = Some(Arc::from(rule.id.as_str()));
                    ev.push(Event::ShareDegraded(Box::new(ShareDegradedEvent {
                        product: id,
                        from: self.nations[origin as usize].clone(),
                        to: self.nations[to as usize].clone(),
                        object: r.object,
                        agreement: a.id.clone(),
                        rule: Arc::from(rule.id.as_str()),
                        angle_noise_deg: d.angle_noise_deg,
                        range_noise_m: d.range_noise_m,
                        strip_range: d.strip_range,
                    })));
                }
                _ => {}
            }
            // The recipient's liaison at the provider relays it when on duty and it is of interest
            // (inside a regional center, products flow through the center instead).
            let regional = self.agreements[ai].spec.regional_center.is_some();
            let interested = self.liaison_at.get(&(to, origin)).copied().filter(|&l| {
                !regional && {
                    let l = &self.liaisons[l];
                    match l.spec.relay {
                        Relay::All => true,
                        Relay::OwnedOrRequested => {
                            self.sats[r.sat as usize].owner.as_deref() == Some(&*self.nations[to as usize])
                                || self.open_interest.contains_key(&(to, r.object))
                        }
                        Relay::Requested => self.open_interest.contains_key(&(to, r.object)),
                    }
                }
            });
            let liaison = interested.filter(|&l| self.liaisons[l].on_duty);
            let liaison_off_duty = interested
                .filter(|&l| !self.liaisons[l].on_duty)
                .map(|l| self.liaisons[l].id.clone());
            let msg = Message {
                payload: Payload::Product(Box::new(product)),
                from: origin,
                to,
                agreement: Some(ai),
                channel: "",
                via: None,
                sent_tick: tick,
                liaison_off_duty,
            };
            self.route(tick, msg, liaison, ev);
        }
    }

    /// Sends a message through a liaison (queued, or dropped when the queue is full) or through the
    /// agreement's channel (arrives after its delay), and logs the step.
    fn route(&mut self, tick: u64, mut msg: Message, liaison: Option<usize>, ev: &mut Emitter) {
        let (from, to) = (
            self.nations[msg.from as usize].clone(),
            self.nations[msg.to as usize].clone(),
        );
        if let Some(li) = liaison {
            let l = &mut self.liaisons[li];
            msg.channel = "liaison";
            msg.via = Some(l.id.clone());
            if l.queue.len() >= l.spec.queue_limit as usize {
                let (liaison, queue_limit) = (l.id.clone(), l.spec.queue_limit);
                match &msg.payload {
                    Payload::Product(p) => ev.push(Event::ShareDropped {
                        product: p.id,
                        from,
                        to,
                        object: p.object,
                        liaison,
                        queue_limit,
                    }),
                    Payload::Request(r) | Payload::Report(r) => {
                        let stage = if matches!(msg.payload, Payload::Request(_)) {
                            "request"
                        } else {
                            "report"
                        };
                        let req = &mut self.requests[*r];
                        req.stage = Stage::Closed;
                        ev.push(Event::TaskingDropped {
                            request: req.id.clone(),
                            requester: self.nations[req.by as usize].clone(),
                            provider: self.nations[req.provider as usize].clone(),
                            object: req.object,
                            stage,
                            liaison,
                            queue_limit,
                        });
                        let key = (req.by, req.object);
                        self.lose_interest(key);
                    }
                }
                return;
            }
            self.log_routed(&msg, None, ev);
            self.liaisons[li].queue.push_back((msg, tick));
            return;
        }
        let (due, channel, via) = match msg.agreement.map(|i| &self.agreements[i]) {
            None => (tick, "internal", None),
            Some(a) => (
                tick + (a.spec.delay_s as u64).div_ceil(self.tick_s),
                if a.spec.regional_center.is_some() {
                    "regional"
                } else {
                    "agreement"
                },
                Some(match &a.spec.regional_center {
                    Some(c) => Arc::from(c.as_str()),
                    None => a.id.clone(),
                }),
            ),
        };
        msg.channel = channel;
        msg.via = via;
        self.log_routed(&msg, Some(due), ev);
        self.enqueue(due, msg);
    }

    fn log_routed(&self, msg: &Message, due_tick: Option<u64>, ev: &mut Emitter) {
        match &msg.payload {
            Payload::Product(p) => ev.push(Event::ShareSent(Box::new(ShareSentEvent {
                product: p.id,
                product_kind: p.kind.as_str(),
                from: self.nations[msg.from as usize].clone(),
                to: self.nations[msg.to as usize].clone(),
                object: p.object,
                agreement: self.agreements[msg.agreement.expect("products travel under agreements")]
                    .id
                    .clone(),
                channel: msg.channel,
                via: msg.via.clone().unwrap_or_else(|| Arc::from("")),
                due_tick,
                liaison_off_duty: msg.liaison_off_duty.clone(),
            }))),
            Payload::Request(r) => {
                let req = &self.requests[*r];
                ev.push(Event::TaskingRouted {
                    request: req.id.clone(),
                    requester: self.nations[req.by as usize].clone(),
                    provider: self.nations[req.provider as usize].clone(),
                    object: req.object,
                    channel: msg.channel,
                    via: msg.via.clone(),
                    due_tick,
                });
            }
            Payload::Report(_) => {}
        }
    }

    fn enqueue(&mut self, due: u64, msg: Message) {
        self.pending.insert((due, self.seq), msg);
        self.seq += 1;
    }

    fn lose_interest(&mut self, key: (Nation, u32)) {
        if let Some(n) = self.open_interest.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.open_interest.remove(&key);
            }
        }
    }

    /// A requester sends a request: to its own sensors directly, to a partner's through the liaison
    /// it posted there (when on duty) or the channel of an agreement with `TaskingSupport`.
    fn send_request(&mut self, tick: u64, r: usize, ev: &mut Emitter) {
        let (by, provider, object) = (self.requests[r].by, self.requests[r].provider, self.requests[r].object);
        {
            let req = &self.requests[r];
            ev.push(Event::TaskingRequested(Box::new(TaskingRequestedEvent {
                request: req.id.clone(),
                requester: self.nations[by as usize].clone(),
                provider: self.nations[provider as usize].clone(),
                object,
                sensor: req.target.clone(),
                priority: req.priority,
                window_start: req.window_iso.0.clone(),
                window_end: req.window_iso.1.clone(),
                reason: req.reason.clone(),
            })));
        }
        *self.open_interest.entry((by, object)).or_default() += 1;
        let agreement = if by == provider {
            None
        } else {
            match self.agreement(provider, by, tick, &[Product::TaskingSupport]) {
                Some(a) => Some(a),
                None => {
                    self.requests[r].stage = Stage::Closed;
                    ev.push(Event::TaskingDeclined {
                        request: self.requests[r].id.clone(),
                        requester: self.nations[by as usize].clone(),
                        provider: self.nations[provider as usize].clone(),
                        object,
                        decided_by: self.nations[by as usize].clone(),
                        reason: "no_agreement",
                        agreement: None,
                        rule: None,
                    });
                    self.lose_interest((by, object));
                    return;
                }
            }
        };
        self.requests[r].stage = Stage::Routed;
        self.requests[r].agreement = agreement;
        self.send_tasking(tick, r, Payload::Request(r), ev);
    }

    /// Sends a request's outcome back to the requester (same kinds of channel as the request).
    fn report_back(&mut self, tick: u64, r: usize, ev: &mut Emitter) {
        self.send_tasking(tick, r, Payload::Report(r), ev);
    }

    /// Sends a request (requester to provider) or its report (back): through the requester's
    /// liaison at the provider when it is on duty, else the agreement's or center's channel, or
    /// internally within one nation.
    fn send_tasking(&mut self, tick: u64, r: usize, payload: Payload, ev: &mut Emitter) {
        let req = &self.requests[r];
        let (by, provider, agreement) = (req.by, req.provider, req.agreement);
        let liaison = (by != provider)
            .then(|| self.liaison_at.get(&(by, provider)).copied())
            .flatten()
            .filter(|&l| {
                self.liaisons[l].on_duty && agreement.is_some_and(|a| self.agreements[a].spec.regional_center.is_none())
            });
        let (from, to) = match payload {
            Payload::Report(_) => (provider, by),
            _ => (by, provider),
        };
        let msg = Message {
            payload,
            from,
            to,
            agreement,
            channel: "",
            via: None,
            sent_tick: tick,
            liaison_off_duty: None,
        };
        self.route(tick, msg, liaison, ev);
    }

    /// A provider's sensor detected a requested object: the first detection fulfils the request.
    fn fulfil(&mut self, tick: u64, sensor: u16, t: TaskedDetection, ev: &mut Emitter) {
        let r = t.request as usize;
        if self.requests[r].stage != Stage::Accepted {
            return;
        }
        self.close_accepted(r);
        // The report is an observation released to the requester: the agreement's `Degrade` rule applies.
        let (mut measured, mut degraded_by) = (t.measured, None);
        if let Some(ai) = self.requests[r].agreement {
            let a = &self.agreements[ai];
            if let Decision::Degrade(rule, d) = a.spec.decide(&self.attrs(self.requests[r].sat)) {
                let mut rng = a.degrade_rng.at(REPORT_STREAM | r as u64, self.requests[r].by as u64);
                measured = degrade(measured, &d, &mut rng);
                degraded_by = Some(Arc::from(rule.id.as_str()));
            }
        }
        let req = &mut self.requests[r];
        req.outcome = Some(Outcome::Observed {
            sensor,
            tick,
            measured,
            degraded_by,
        });
        ev.push(Event::TaskingObserved {
            request: req.id.clone(),
            requester: self.nations[req.by as usize].clone(),
            provider: self.nations[req.provider as usize].clone(),
            object: req.object,
            sensor: self.sensor_ids[sensor as usize].clone(),
        });
        self.report_back(tick, r, ev);
    }

    /// Removes an accepted request from its sensors' schedules.
    fn close_accepted(&mut self, r: usize) {
        self.requests[r].stage = Stage::Closed;
        for &s in &self.requests[r].sensors {
            self.active[s as usize].retain(|a| a.request as usize != r);
        }
    }

    /// Accepted requests whose window closed unobserved.
    fn expire(&mut self, tick: u64, ev: &mut Emitter) {
        let due: Vec<usize> = (0..self.requests.len())
            .filter(|&r| self.requests[r].stage == Stage::Accepted && self.requests[r].end_tick <= tick)
            .collect();
        for r in due {
            self.close_accepted(r);
            self.requests[r].outcome = Some(Outcome::Expired);
            let req = &self.requests[r];
            ev.push(Event::TaskingExpired {
                request: req.id.clone(),
                requester: self.nations[req.by as usize].clone(),
                provider: self.nations[req.provider as usize].clone(),
                object: req.object,
                reason: "window_closed",
            });
            self.report_back(tick, r, ev);
        }
    }

    /// Liaisons on duty take queued messages in order, one per `3600 / messages_per_hour` seconds;
    /// each arrives `latency_s` after it is taken.
    fn serve_liaisons(&mut self, tick: u64, ev: &mut Emitter) {
        let tick_ms = self.tick_s * 1000;
        let t_ms = tick * tick_ms;
        for li in 0..self.liaisons.len() {
            let l = &mut self.liaisons[li];
            if !l.on_duty {
                continue;
            }
            let service_ms = (3_600_000 / l.spec.messages_per_hour as u64).max(1);
            let latency_ms = l.spec.latency_s as u64 * 1000;
            let mut start = l.free_at_ms.max(t_ms);
            let mut taken = Vec::new();
            while start < t_ms + tick_ms {
                let Some((msg, enq)) = l.queue.pop_front() else { break };
                let due = (start + latency_ms).div_ceil(tick_ms).max(tick);
                let waited_s = (start - enq * tick_ms) / 1000;
                taken.push((msg, due, waited_s));
                start += service_ms;
            }
            l.free_at_ms = start;
            let lid = l.id.clone();
            for (msg, due, waited_s) in taken {
                if let Payload::Product(p) = &msg.payload
                    && waited_s > 0
                {
                    ev.push(Event::ShareDelayed {
                        product: p.id,
                        from: self.nations[msg.from as usize].clone(),
                        to: self.nations[msg.to as usize].clone(),
                        object: p.object,
                        liaison: lid.clone(),
                        waited_s,
                        due_tick: due,
                    });
                }
                self.enqueue(due, msg);
            }
        }
    }

    /// A message arrives.
    fn deliver(&mut self, tick: u64, msg: Message, ev: &mut Emitter) {
        match msg.payload {
            Payload::Product(p) => {
                let a = &self.agreements[msg.agreement.expect("products travel under agreements")];
                ev.push(Event::ShareDelivered(Box::new(ShareDeliveredEvent {
                    product: p.id,
                    product_kind: p.kind.as_str(),
                    from: self.nations[msg.from as usize].clone(),
                    to: self.nations[msg.to as usize].clone(),
                    sensor: self.sensor_ids[p.sensor as usize].clone(),
                    object: p.object,
                    agreement: a.id.clone(),
                    channel: msg.channel,
                    via: msg.via.clone().unwrap_or_else(|| Arc::from("")),
                    sent_tick: msg.sent_tick,
                    first_detection_tick: p.first_tick,
                    last_detection_tick: p.last_tick,
                    detections: p.detections,
                    latency_s: (tick - p.first_tick) * self.tick_s,
                    measured: p.measured,
                    degraded_by: p.degraded_by.clone(),
                    liaison_off_duty: msg.liaison_off_duty.clone(),
                })));
                // Observations meet the recipient's catalog as its own sensors' tracks do; a
                // catalog update is fused with the recipient's entry of the same number.
                if !p.meas.is_empty() {
                    self.believe(msg.to, p.sat, &p.meas, "shared", p.sensor, ev);
                } else if let Some(est) = &p.estimate {
                    self.fuse(msg.to, est, p.last_tick, p.sensor, ev);
                }
            }
            Payload::Request(r) => self.arrive_request(tick, r, ev),
            Payload::Report(r) => {
                let req = &self.requests[r];
                let (outcome, sensor, measured, observed, degraded_by) = match &req.outcome {
                    Some(Outcome::Observed {
                        sensor,
                        tick: t,
                        measured,
                        degraded_by,
                    }) => (
                        "observed",
                        Some(*sensor),
                        Some(*measured),
                        Some(*t),
                        degraded_by.clone(),
                    ),
                    Some(Outcome::Declined) => ("declined", None, None, None, None),
                    _ => ("expired", None, None, None, None),
                };
                ev.push(Event::TaskingReported(Box::new(TaskingReportedEvent {
                    request: req.id.clone(),
                    requester: self.nations[req.by as usize].clone(),
                    provider: self.nations[req.provider as usize].clone(),
                    object: req.object,
                    outcome,
                    channel: msg.channel,
                    via: msg.via.clone(),
                    turnaround_s: (tick - req.at_tick) * self.tick_s,
                    measured,
                    degraded_by,
                    sensor: sensor.map(|s| self.sensor_ids[s as usize].clone()),
                })));
                let (by, sat, object) = (req.by, req.sat, req.object);
                if let (Some(s), Some(t), Some(m)) = (sensor, observed, measured) {
                    let meas = self.report_meas(s, t, &m, req.agreement, sat);
                    self.believe(by, sat, &[meas], "tasking", s, ev);
                }
                self.lose_interest((by, object));
            }
        }
    }

    /// A request reaches its provider: expired if its window has closed, declined if the agreement
    /// has ended or a rule denies the object, else accepted for the target sensors.
    fn arrive_request(&mut self, tick: u64, r: usize, ev: &mut Emitter) {
        let (by, provider, object, sat) = {
            let q = &self.requests[r];
            (q.by, q.provider, q.object, q.sat)
        };
        let names = (
            self.requests[r].id.clone(),
            self.nations[by as usize].clone(),
            self.nations[provider as usize].clone(),
        );
        if self.requests[r].end_tick <= tick {
            self.requests[r].stage = Stage::Closed;
            self.requests[r].outcome = Some(Outcome::Expired);
            ev.push(Event::TaskingExpired {
                request: names.0,
                requester: names.1,
                provider: names.2,
                object,
                reason: "arrived_late",
            });
            self.report_back(tick, r, ev);
            return;
        }
        if let Some(ai) = self.requests[r].agreement {
            let a = &self.agreements[ai];
            let verdict = if !a.in_force(self.secs(tick)) {
                Some(("agreement_ended", None))
            } else {
                match a.spec.decide(&self.attrs(sat)) {
                    Decision::Deny(rule) => Some(("policy", Some(Arc::from(rule.id.as_str())))),
                    _ => None,
                }
            };
            if let Some((reason, rule)) = verdict {
                let agreement = Some(a.id.clone());
                self.requests[r].stage = Stage::Closed;
                self.requests[r].outcome = Some(Outcome::Declined);
                ev.push(Event::TaskingDeclined {
                    request: names.0,
                    requester: names.1,
                    provider: names.2.clone(),
                    object,
                    decided_by: names.2,
                    reason,
                    agreement,
                    rule,
                });
                self.report_back(tick, r, ev);
                return;
            }
        }
        let req = &mut self.requests[r];
        req.stage = Stage::Accepted;
        for &s in &req.sensors {
            let list = &mut self.active[s as usize];
            let at = list.partition_point(|a| (a.object, a.request) < (object, r as u32));
            list.insert(
                at,
                ActiveRequest {
                    object,
                    priority: req.priority,
                    request: r as u32,
                    start_tick: req.start_tick,
                    end_tick: req.end_tick,
                },
            );
        }
        ev.push(Event::TaskingAccepted {
            request: names.0,
            requester: names.1,
            provider: names.2,
            object,
            sensors: req
                .sensors
                .iter()
                .map(|&s| self.sensor_ids[s as usize].clone())
                .collect(),
        });
    }
}
