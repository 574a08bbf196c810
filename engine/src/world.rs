//! The simulation world: a `hecs` world of nations, sensors and satellites, stepped one tick at a time
//! through a fixed list of systems (see [`crate::systems::SCHEDULE`]).

use std::sync::Arc;

use hecs::{Entity, World};

use crate::event::{Event, Geometry, Record};
use crate::frames::{EARTH_RATE_RAD_S, Vec3};
use crate::object::{ObjectClass, Regime};
use crate::rng::StreamFamily;
use crate::scenario::Scenario;
use crate::sensor::SensorModel;
use crate::systems;
use crate::time::{Clock, Tick};

/// Catalog number of a satellite: its stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId(pub u32);

/// Dense index of a satellite, assigned in catalog-number order when the world is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SatIndex(pub u32);

/// Descriptive attributes of a satellite.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    /// Name from the element set.
    pub name: String,
    /// Class.
    pub class: ObjectClass,
    /// Owner nation id.
    pub owner: Option<Arc<str>>,
    /// Radar cross-section, m².
    pub rcs_m2: f64,
    /// Standard visual magnitude.
    pub std_magnitude: f64,
    /// Orbit regime.
    pub regime: Regime,
}

/// The SGP4 propagator of a satellite (AFSPC compatibility mode).
#[derive(Debug, Clone)]
pub struct Propagator {
    /// Initialised SGP4 constants.
    pub constants: sgp4::Constants,
    /// Scenario epoch minus element epoch, nanoseconds.
    pub epoch_offset_ns: i64,
    /// Upper bound of the Earth-fixed speed, km/s (for pruning).
    pub max_ecef_speed_km_s: f64,
    /// Radius beyond which a propagated state is taken as diverged, km.
    pub max_radius_km: f64,
    /// Upper bound of the radial speed, km/s (decides when decay must be checked every tick).
    pub max_radial_speed_km_s: f64,
    /// Interval between exact SGP4 checkpoints, seconds (see `systems::propagate`).
    pub checkpoint_s: u32,
}

/// WGS-72 equatorial radius, km: a propagated radius below it means the object decayed (SGP4 error 6).
pub const DECAY_RADIUS_KM: f64 = 6378.135;

impl Propagator {
    /// Initialises SGP4 (AFSPC mode) for elements, with the bounds the propagation checks use.
    pub fn new(elements: &sgp4::Elements, clock: &Clock) -> Result<Propagator, String> {
        let constants = sgp4::Constants::from_elements_afspc_compatibility_mode(elements)
            .map_err(|e| format!("elements rejected by SGP4: {e}"))?;
        let epoch_offset_ns = clock
            .ns_from(&elements.datetime)
            .ok_or_else(|| "element epoch too far from the scenario epoch".to_string())?;
        Ok(Propagator {
            constants,
            epoch_offset_ns,
            max_ecef_speed_km_s: max_ecef_speed(elements),
            max_radius_km: 2.0 * apogee_km(elements) + 1000.0,
            max_radial_speed_km_s: max_radial_speed(elements),
            checkpoint_s: crate::systems::propagate::checkpoint_s(elements.eccentricity),
        })
    }

    /// Minutes since the element epoch at a tick: exact integer nanoseconds, one division.
    pub fn minutes_at(&self, clock: &Clock, tick: Tick) -> f64 {
        let ns = self.epoch_offset_ns as i128 + clock.seconds_since_epoch(tick) as i128 * 1_000_000_000;
        ns as f64 / 60e9
    }
}

/// True state of a satellite at the last tick it was propagated.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    /// Tick of this state (`u64::MAX` before the first propagation).
    pub tick: u64,
    /// TEME position, km.
    pub teme_km: Vec3,
    /// Earth-fixed position, km.
    pub ecef_km: Vec3,
    /// TEME velocity, km/s.
    pub teme_vel_km_s: Vec3,
    /// The SGP4 state at the last checkpoint (start of the interpolation interval).
    pub anchor: Option<(u64, sgp4::Prediction)>,
    /// The SGP4 state at the next checkpoint, computed one checkpoint ahead (see `systems::propagate`).
    pub ahead: Option<(u64, sgp4::Prediction)>,
    /// Propagate every tick before this tick (set when the object may decay before the next checkpoint).
    pub every_tick_until: u64,
}

/// Which sensors might see the satellite until `refresh_at` (conservative; see `systems::visibility`).
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// First tick at which the list must be recomputed.
    pub refresh_at: u64,
    /// Sensor indices (inline up to 8, the common case, to spare a cache miss per object-tick).
    pub sensors: smallvec::SmallVec<[u16; 8]>,
}

/// Whether a satellite is still simulated. Always present (rather than a marker component added on
/// loss) so that a loss does not move the entity between archetypes and reorder iteration.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Set when the satellite was lost.
    pub lost: Option<Lost>,
}

/// Why and when a satellite left the simulation.
#[derive(Debug, Clone)]
pub struct Lost {
    /// Tick of the failure.
    pub tick: u64,
    /// Why.
    pub reason: String,
}

/// Stable id of a nation.
#[derive(Debug, Clone)]
pub struct NationId(pub Arc<str>);

/// Display name of a nation.
#[derive(Debug, Clone)]
pub struct NationName(pub String);

/// Dense sensor index, in sensor-id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SensorIndex(pub u16);

/// A sensor's per-run state: the passes in progress, sorted by satellite index.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Open passes.
    pub passes: Vec<Pass>,
    /// Last tick's buffer, kept to reuse its allocation.
    pub(crate) spare: Vec<Pass>,
    /// Tracks closed this tick, for the exchange step.
    pub(crate) reports: Vec<TrackReport>,
    /// Detections of requested objects this tick, for the exchange step.
    pub(crate) tasked: Vec<TaskedDetection>,
}

/// A track being accumulated during a pass.
#[derive(Debug, Clone)]
pub struct OpenTrack {
    /// First detection tick.
    pub first_tick: u64,
    /// Last detection tick.
    pub last_tick: u64,
    /// Detections.
    pub detections: u32,
    /// Measured geometry of the last detection.
    pub measured: Geometry,
    /// Measurements kept for orbit determination (at most [`MAX_TRACK_MEAS`]: when full, every
    /// other one is dropped and only every `stride`-th detection is kept from then on).
    pub meas: Vec<crate::od::Meas>,
    /// The newest detection when `meas` does not hold it.
    pub latest: Option<crate::od::Meas>,
    /// See `meas`.
    pub stride: u32,
}

/// Largest number of measurements a track keeps.
pub const MAX_TRACK_MEAS: usize = 12;

impl OpenTrack {
    /// Adds a detection's measurement: detections whose index is a multiple of `stride` are kept,
    /// thinned to every other one (and `stride` doubled) when [`MAX_TRACK_MEAS`] are held; the
    /// newest detection is always kept too.
    pub fn push(&mut self, m: crate::od::Meas) {
        if self.detections.is_multiple_of(self.stride) {
            self.meas.push(m);
            self.latest = None;
        } else {
            self.latest = Some(m);
        }
        self.detections += 1;
        self.last_tick = m.tick;
        if self.meas.len() >= MAX_TRACK_MEAS {
            self.meas = self.meas.iter().step_by(2).copied().collect();
            self.stride *= 2;
        }
        debug_assert!(self.meas.len() < MAX_TRACK_MEAS);
    }

    /// The measurements kept, in time order.
    pub fn measurements(&self) -> Vec<crate::od::Meas> {
        self.meas.iter().copied().chain(self.latest).collect()
    }
}

/// A track a sensor reports (closed at the pass end or after `track_report_s`).
#[derive(Debug, Clone)]
pub struct TrackReport {
    /// Satellite index.
    pub sat: u32,
    /// Catalog number.
    pub object: u32,
    /// The entry of the sensor's nation's catalog the sensor pointed at (its cue), if any: the
    /// tag the track carries (see `Exchange::believe`).
    pub cue: Option<u32>,
    /// The track.
    pub track: OpenTrack,
}

/// A detection of an object a tasking request asked this sensor for.
#[derive(Debug, Clone, Copy)]
pub struct TaskedDetection {
    /// Request index (in request-id order).
    pub request: u32,
    /// Catalog number.
    pub object: u32,
    /// Measured geometry.
    pub measured: Geometry,
}

/// A pass of one object through one sensor's field of regard.
#[derive(Debug, Clone)]
pub struct Pass {
    /// Satellite index.
    pub sat: u32,
    /// Catalog number.
    pub object: u32,
    /// First tick in view.
    pub first_tick: u64,
    /// Last tick in view so far.
    pub last_tick: u64,
    /// Highest sin(elevation) so far.
    pub max_sin_el: f64,
    /// Observation attempts.
    pub attempts: u32,
    /// Detections.
    pub detections: u32,
    /// Tick of the last attempt.
    pub last_attempt: Option<u64>,
    /// The track being accumulated, if the object was detected (boxed: most passes have none, and
    /// passes are moved every tick).
    pub track: Option<Box<OpenTrack>>,
    /// The sensor was out of service during the pass.
    pub outage: bool,
    /// How the sensor follows it: through which entry of its nation's catalog, if any (resolved
    /// when the scheduler first needs it, then kept for the pass).
    pub cue: crate::exchange::Cue,
}

/// What the access and observe systems need of a satellite.
#[derive(Debug, Clone, Copy)]
pub struct SatProps {
    /// Catalog number.
    pub object: u32,
    /// Radar cross-section, m².
    pub rcs_m2: f64,
    /// Standard visual magnitude.
    pub std_magnitude: f64,
}

/// Knobs that do not change results (threads) or exist for testing (pruning).
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Worker threads for propagation and visibility (results do not depend on it).
    pub threads: usize,
    /// Seconds between candidate-sensor refreshes; 0 disables pruning (every object tested every tick).
    pub prune_window_s: u32,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            threads: 1,
            prune_window_s: 60,
        }
    }
}

/// Counters of work done, for summaries and benchmarks.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Live objects summed over ticks.
    pub object_ticks: u64,
    /// SGP4 calls made.
    pub propagations: u64,
    /// (sensor, object) pairs found in view, summed over ticks.
    pub in_view_pairs: u64,
    /// Conservative (sensor, object) tests made at candidate refreshes.
    pub coarse_tests: u64,
    /// Exact (sensor, object) field-of-regard tests.
    pub exact_tests: u64,
}

/// A running simulation.
pub struct Sim {
    pub(crate) world: World,
    pub(crate) clock: Clock,
    pub(crate) seed: u64,
    pub(crate) options: SimOptions,
    pub(crate) next_tick: u64,
    /// Satellite entities by `SatIndex`.
    pub(crate) sats: Vec<Entity>,
    /// Sensor models by `SensorIndex` (also on the sensor entities; this is the hot path's copy).
    pub(crate) sensors: Arc<Vec<SensorModel>>,
    /// Sites as unit vectors for the visibility prefilter.
    pub(crate) site_index: Arc<crate::systems::visibility::SiteIndex>,
    /// Observation properties by `SatIndex` (read-only; the hot path's copy of `ObjectInfo`).
    pub(crate) sat_props: Arc<Vec<SatProps>>,
    /// Detection random streams by `SensorIndex`.
    pub(crate) detect_rng: Arc<Vec<StreamFamily>>,
    /// Events for elements SGP4 rejected at start, emitted at tick 0.
    pub(crate) initial_losses: Vec<Record>,
    pub(crate) stats: Stats,
    /// Worker threads for the parallel systems.
    pub(crate) pool: rayon::ThreadPool,
    /// Earth-fixed positions this tick by `SatIndex` (written by `visibility` for satellites in view).
    pub(crate) positions: Vec<Vec3>,
    /// Nations' catalogs, agreements, liaisons and tasking.
    pub(crate) exchange: crate::exchange::Exchange,
    /// Current true mean elements by `SatIndex` (templates for manoeuvre and fragment fits).
    pub(crate) elements: Vec<sgp4::Elements>,
    /// The scenario's injects, in id order.
    pub(crate) injects: Vec<crate::injects::Inject>,
    /// (tick, inject index, start?) in firing order.
    pub(crate) inject_schedule: Vec<(u64, usize, bool)>,
    /// Next entry of `inject_schedule`.
    pub(crate) next_inject: usize,
    /// Outages and degradations in force, by `SensorIndex`.
    pub(crate) conditions: Vec<SensorCondition>,
    /// Each telescope site's weather, by `SensorIndex` (None: no weather modelled).
    pub(crate) weather: Vec<Option<crate::systems::weather::SiteWeather>>,
    /// The truth screening for scoring conjunction warnings (none when no nation screens).
    pub(crate) truth_screen: Option<crate::systems::close_approach::TruthScreen>,
    /// Satellites whose true elements an inject changed this tick (for the truth screening).
    pub(crate) truth_changed: Vec<usize>,
}

/// A sensor's condition (set by outage and degradation injects).
#[derive(Debug, Clone, Copy)]
pub struct SensorCondition {
    /// Out of service: it observes nothing.
    pub down: bool,
    /// SNR loss, dB (limiting-magnitude loss for telescopes).
    pub snr_loss_db: f64,
    /// Measurement-noise multiplier.
    pub noise_factor: f64,
}

impl Default for SensorCondition {
    fn default() -> Self {
        SensorCondition {
            down: false,
            snr_loss_db: 0.0,
            noise_factor: 1.0,
        }
    }
}

impl Sim {
    /// Builds the world from a validated scenario and a seed.
    pub fn new(scenario: &Scenario, seed: u64, options: SimOptions) -> Sim {
        let mut world = World::new();
        for n in &scenario.nations {
            world.spawn((NationId(n.id.as_str().into()), NationName(n.name.clone())));
        }
        let models: Vec<SensorModel> = scenario.sensors.iter().map(SensorModel::new).collect();
        let mut detect_rng = Vec::new();
        for (i, m) in models.iter().enumerate() {
            world.spawn((SensorIndex(i as u16), m.clone(), Coverage::default()));
            detect_rng.push(StreamFamily::new(seed, "detect", &m.id));
        }
        // Satellite indices follow catalog numbers, whatever order the scenario lists them in; objects
        // that launches and breakups add are there from the start, without a propagator until then.
        let population = crate::systems::inject::population(scenario);
        let objects: Vec<&crate::scenario::CatalogObject> = population.iter().map(|m| &m.object).collect();
        let mut sats = Vec::with_capacity(objects.len());
        let sat_props = Arc::new(
            objects
                .iter()
                .map(|o| SatProps {
                    object: o.id,
                    rcs_m2: o.rcs_m2,
                    std_magnitude: o.std_magnitude,
                })
                .collect(),
        );
        let mut initial_losses = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            let info = ObjectInfo {
                name: o.name.clone(),
                class: o.class,
                owner: o.owner.as_deref().map(Arc::from),
                rcs_m2: o.rcs_m2,
                std_magnitude: o.std_magnitude,
                regime: o.regime,
            };
            let e = world.spawn((
                ObjectId(o.id),
                SatIndex(i as u32),
                info,
                Truth {
                    tick: u64::MAX,
                    ..Truth::default()
                },
                Candidates::default(),
                Status::default(),
            ));
            sats.push(e);
            if population[i].added_at.is_some() {
                continue;
            }
            let offset = scenario.clock.ns_from(&o.elements.datetime);
            match Propagator::new(&o.elements, &scenario.clock) {
                Ok(p) => {
                    world.insert_one(e, p).expect("entity just spawned");
                }
                Err(reason) => {
                    initial_losses.push(Record {
                        tick: 0,
                        order: 0,
                        event: Event::ObjectLost {
                            object: o.id,
                            reason: reason.clone(),
                            minutes_since_epoch: offset.map_or(0.0, |ns| ns as f64 / 60e9),
                        },
                    });
                    world.get::<&mut Status>(e).expect("entity just spawned").lost = Some(Lost { tick: 0, reason });
                }
            }
        }
        Sim {
            world,
            clock: scenario.clock.clone(),
            seed,
            options: options.clone(),
            next_tick: 0,
            sats,
            sensors: Arc::new(models.clone()),
            site_index: Arc::new(crate::systems::visibility::SiteIndex::new(&models)),
            sat_props,
            detect_rng: Arc::new(detect_rng),
            initial_losses,
            stats: Stats::default(),
            positions: vec![[0.0; 3]; population.len()],
            exchange: crate::exchange::Exchange::new(scenario, seed, &population),
            elements: population.iter().map(|m| m.object.elements.clone()).collect(),
            injects: scenario.injects.clone(),
            inject_schedule: crate::systems::inject::schedule(scenario),
            next_inject: 0,
            conditions: vec![SensorCondition::default(); scenario.sensors.len()],
            weather: models
                .iter()
                .map(|m| crate::systems::weather::SiteWeather::of(m, seed))
                .collect(),
            truth_screen: crate::systems::close_approach::TruthScreen::of(scenario, &population),
            truth_changed: Vec::new(),
            pool: rayon::ThreadPoolBuilder::new()
                .num_threads(options.threads.max(1))
                .thread_name(|i| format!("sentinel-worker-{i}"))
                .build()
                .expect("worker threads can be started"),
        }
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The seed in use.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The ECS world (read-only), for inspection and tests.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Work counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// True when every tick has run.
    pub fn is_done(&self) -> bool {
        self.next_tick >= self.clock.ticks
    }

    /// The next tick to run.
    pub fn next_tick(&self) -> Tick {
        Tick(self.next_tick)
    }

    /// Runs one tick and returns its events in log order. After the last tick, the events also close
    /// every pass still open (`access_end` with `run_ended: true`).
    pub fn step(&mut self) -> Vec<Record> {
        assert!(!self.is_done(), "step() after the last tick");
        let tick = Tick(self.next_tick);
        let mut events = if tick.0 == 0 {
            std::mem::take(&mut self.initial_losses)
        } else {
            Vec::new()
        };
        let last = tick.0 + 1 >= self.clock.ticks;
        systems::run_tick(self, tick, last, &mut events);
        self.next_tick += 1;
        systems::emit::order(&mut events);
        events
    }

    /// Satellite index of a catalog number.
    pub(crate) fn sat_index(&self, object: u32) -> Option<usize> {
        self.sat_props.binary_search_by_key(&object, |p| p.object).ok()
    }

    /// Sensor index of a sensor id.
    pub(crate) fn sensor_rank(&self, id: &str) -> Option<usize> {
        self.sensors.binary_search_by(|m| (*m.id).cmp(id)).ok()
    }

    /// Whether a satellite is in orbit now (launched and not lost).
    pub(crate) fn is_active(&self, sat: usize) -> bool {
        let e = self.sats[sat];
        self.world.get::<&Propagator>(e).is_ok() && self.world.get::<&Status>(e).is_ok_and(|s| s.lost.is_none())
    }

    /// SGP4 state (TEME, km and km/s) of an active object at a tick.
    pub(crate) fn state_at(&self, object: u32, tick: Tick) -> Result<(usize, Vec3, Vec3), String> {
        let sat = self
            .sat_index(object)
            .filter(|&s| self.is_active(s))
            .ok_or_else(|| format!("object {object} is not in orbit"))?;
        let (r, v) = self.sat_state(sat, tick)?;
        Ok((sat, r, v))
    }

    /// Exact SGP4 state (TEME, km and km/s) of satellite index `sat` at a tick, from its true
    /// elements in force (the caller checks it is in orbit).
    pub(crate) fn sat_state(&self, sat: usize, tick: Tick) -> Result<(Vec3, Vec3), String> {
        let p = self
            .world
            .get::<&Propagator>(self.sats[sat])
            .map_err(|e| e.to_string())?;
        let t = p.minutes_at(&self.clock, tick);
        let s = p
            .constants
            .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(t))
            .map_err(|e| format!("SGP4: {e}"))?;
        Ok((s.position, s.velocity))
    }

    /// Catalog numbers of the objects in `nation`'s catalog at the start of the run, ascending: the
    /// objects of the scenario's catalog it `knows`, not the objects launches and breakups will add.
    /// Empty for an unknown nation.
    pub fn known_at_start(&self, nation: &str) -> Vec<u32> {
        self.exchange.known_at_start(nation)
    }

    /// A nation's catalog now: each catalogued entry's estimate (mean elements and covariance),
    /// in entry order (the public catalog in catalog-number order, then objects as it catalogued
    /// them). `None` for an unknown nation.
    pub fn nation_catalog(&self, nation: &str) -> Option<Vec<crate::exchange::CatalogEstimate>> {
        self.exchange.nation_catalog(nation)
    }

    /// Where `nation`'s catalog predicts the objects it names `designators` at `tick`: its belief,
    /// not the truth (a nation's view of the run draws these). `None` per number it does not
    /// catalogue then; `None` for an unknown nation.
    pub fn believed_states(&self, nation: &str, designators: &[u32], tick: Tick) -> Option<Vec<Option<StateVector>>> {
        let states = self.exchange.believed_states(nation, designators, tick.0)?;
        Some(
            states
                .into_iter()
                .map(|s| s.map(|(r, v)| StateVector::from_teme(r, v, &self.clock, tick)))
                .collect(),
        )
    }

    /// Catalog numbers of the objects in orbit now (launched, not lost), ascending.
    pub fn objects_in_orbit(&self) -> Vec<u32> {
        (0..self.sats.len())
            .filter(|&s| self.is_active(s))
            .map(|s| self.sat_props[s].object)
            .collect()
    }

    /// Name, class and owner of an object (scenario objects and pending launches and fragments).
    pub fn object_info(&self, object: u32) -> Option<ObjectInfo> {
        let i = self.sat_index(object)?;
        self.world.get::<&ObjectInfo>(self.sats[i]).ok().map(|o| (*o).clone())
    }

    /// Exact SGP4 truth of an object in orbit at `tick` (not the interpolated state the sensors use
    /// between checkpoints), with the elements in force now: injected manoeuvres, launches and
    /// fragments included. For exports and DIS, which never feed back into the run.
    pub fn truth_state(&self, object: u32, tick: Tick) -> Result<StateVector, String> {
        let (_, teme_km, teme_vel_km_s) = self.state_at(object, tick)?;
        Ok(StateVector::from_teme(teme_km, teme_vel_km_s, &self.clock, tick))
    }

    /// Truth of one object at its last propagation (for inspection and tests).
    pub fn truth(&self, object: u32) -> Option<Truth> {
        // Satellites are indexed in catalog-number order.
        let i = self.sat_props.binary_search_by_key(&object, |p| p.object).ok()?;
        self.world.get::<&Truth>(self.sats[i]).ok().map(|t| (*t).clone())
    }
}

/// A position and velocity in TEME and in the Earth-fixed frame (GMST rotation, as the sensors use).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateVector {
    /// TEME position, km.
    pub teme_km: Vec3,
    /// TEME velocity, km/s.
    pub teme_vel_km_s: Vec3,
    /// Earth-fixed position, km.
    pub ecef_km: Vec3,
    /// Earth-fixed velocity (relative to the rotating Earth), km/s.
    pub ecef_vel_km_s: Vec3,
}

impl StateVector {
    /// Rotates a TEME state at `tick` into the Earth-fixed frame: r_f = R r, v_f = R v - w x r_f.
    pub fn from_teme(teme_km: Vec3, teme_vel_km_s: Vec3, clock: &Clock, tick: Tick) -> StateVector {
        let gmst = crate::frames::gmst_sin_cos(clock, tick);
        let ecef_km = crate::frames::teme_to_ecef(teme_km, gmst);
        let v = crate::frames::teme_to_ecef(teme_vel_km_s, gmst);
        let w = EARTH_RATE_RAD_S;
        StateVector {
            teme_km,
            teme_vel_km_s,
            ecef_km,
            ecef_vel_km_s: [v[0] + w * ecef_km[1], v[1] - w * ecef_km[0], v[2]],
        }
    }
}

/// Upper bound of the radial speed: Keplerian |dr/dt| <= e sqrt(mu/p), with e raised by 0.01 for
/// SGP4's perturbations and drag.
fn max_radial_speed(e: &sgp4::Elements) -> f64 {
    const MU_KM3_S2: f64 = 398_600.8; // WGS-72
    let (a, ecc) = semi_major_axis_km(e);
    let p = (a * (1.0 - ecc * ecc)).max(1000.0);
    (ecc + 0.01) * (MU_KM3_S2 / p).sqrt()
}

/// Apogee radius of mean elements, km.
fn apogee_km(e: &sgp4::Elements) -> f64 {
    let (a, ecc) = semi_major_axis_km(e);
    a * (1.0 + ecc)
}

/// Semi-major axis (km, from mean motion, WGS-72) and clamped eccentricity.
pub(crate) fn semi_major_axis_km(e: &sgp4::Elements) -> (f64, f64) {
    const MU_KM3_S2: f64 = 398_600.8; // WGS-72
    let n_rad_s = e.mean_motion.max(1e-6) * 2.0 * std::f64::consts::PI / 86_400.0;
    (
        (MU_KM3_S2 / (n_rad_s * n_rad_s)).cbrt(),
        e.eccentricity.clamp(0.0, 0.999),
    )
}

/// Upper bound of the Earth-fixed speed over the orbit: perigee speed plus Earth rotation at apogee,
/// with a 10% margin for SGP4's perturbations.
pub(crate) fn max_ecef_speed(e: &sgp4::Elements) -> f64 {
    const MU_KM3_S2: f64 = 398_600.8; // WGS-72
    let (a, ecc) = semi_major_axis_km(e);
    let rp = (a * (1.0 - ecc)).max(10.0);
    let ra = a * (1.0 + ecc);
    let vp = (MU_KM3_S2 * (2.0 / rp - 1.0 / a)).max(0.0).sqrt();
    (vp + EARTH_RATE_RAD_S * ra) * 1.1 + 0.1
}
