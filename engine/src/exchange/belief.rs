//! What each nation believes: catalog entries estimated from measurements (see [`crate::od`]).
//!
//! An entry is a set of SGP4 mean elements with a covariance. Tracks (own, or received as
//! Observations products) are associated with the entry whose predicted measurements they fit
//! within a chi-square gate, and then refine it by differential correction with the entry as
//! a-priori information. A track that fits no entry but fits one under a manoeuvre hypothesis
//! (candidates ranked with the covariance widened by a velocity change of
//! [`MANOEUVRE_SIGMA_KM_S`] at the last update, the best confirmed by a refit from the evidence)
//! counts towards declaring that entry manoeuvred; one that fits nothing starts a tentative entry
//! by initial orbit determination, catalogued once further tracks associate with it.
//!
//! Nothing here reads truth. An entry's `label` (the satellite it started from, a
//! [`TrueSat`] this module cannot read) is kept for scoring and for logging cross-tags only; the
//! nation names the entry by its `designator`.

use crate::frames::{Site, Vec3, dot, ecef_to_teme, gmst_sin_cos, norm};
use crate::od::DEEP_SPACE_A_KM;
use crate::od::{self, Mat6, Meas, Obs, Vec6};
use crate::orbit::{J2_WGS72, RE_WGS72_KM};

use super::score::TrueSat;

mod index;
mod phase;
pub(crate) use index::Index;

/// Chi-square probability of the association gate.
pub(crate) const GATE_P: f64 = 0.999;
/// 1-sigma of the velocity change the manoeuvre hypothesis allows, km/s.
pub(crate) const MANOEUVRE_SIGMA_KM_S: f64 = 0.010;
/// A tentative entry is catalogued only once its position is known this well (root of the trace
/// of its position covariance at its last measurement), km.
pub(crate) const CATALOGUE_SIGMA_KM: f64 = 10.0;
/// Largest velocity change the manoeuvre hypothesis accepts, km/s (five times its sigma).
pub(crate) const MANOEUVRE_MAX_KM_S: f64 = 5.0 * MANOEUVRE_SIGMA_KM_S;
/// Largest weighted RMS of a manoeuvre hypothesis fit.
pub(crate) const MANOEUVRE_MAX_WRMS: f64 = 2.0;
/// Candidates the manoeuvre hypothesis is fitted to per track.
const MANOEUVRE_CANDIDATES: usize = 3;
/// Margin of the plane and radius sieve that picks candidates for the gate, km.
const SIEVE_MARGIN_KM: f64 = 100.0;
/// The same for tentative entries (initial orbits are coarse), km.
const SIEVE_MARGIN_TENTATIVE_KM: f64 = 500.0;
/// The prior of a new or restarted estimate (initial orbits, manoeuvres): loose enough not to
/// bias a fit to one or two tracks.
pub(crate) const LOOSE: od::PriorSigmas = od::PriorSigmas {
    radial_km: 20.0,
    along_km: 50.0,
    cross_km: 20.0,
    drift_km_per_day: 5000.0,
};
/// Power spectral density of the along-track acceleration an entry with an unknown drag term
/// carries as process noise, km²/s³: an unmodelled drag of 5e-9 km/s² (5 µm/s², a small object
/// near 400 km) displaces it by about 1.5 a t², which white noise of this density matches in
/// variance after about 6 hours (s ≈ 6.75 a² t).
pub(crate) const DRAG_PSD_KM2_S3: f64 = 4e-12;
/// Perigee height below which an unknown drag term matters, km.
pub(crate) const DRAG_PERIGEE_KM: f64 = 1000.0;
/// Measurements of a track an entry keeps for its fit span: the first, middle and last.
const SPAN_PER_TRACK: usize = 3;
/// Most measurements an entry keeps for its fit span (the oldest go first): with
/// [`SPAN_PER_TRACK`], its last 20 tracks. Bounds a span refit's cost and an entry's memory.
pub(crate) const MAX_SPAN_MEAS: usize = 60;
/// A-priori 1-sigma of B* in a span refit that estimates it, 1/earth radii: loose (published
/// values of small debris reach 1e-2; the ISS's is about 2e-4).
pub(crate) const BSTAR_PRIOR_SIGMA: f64 = 1e-2;
/// Refit cadence of entries that [estimate B*](Entry::estimates_bstar) when a third of the fit
/// span is longer, s: a drag term shows within hours, and such entries are few (initial orbits).
pub(crate) const BSTAR_REFIT_EVERY_S: u64 = 6 * 3600;
/// How long an unmodelled along-track acceleration takes to displace an entry as much as the
/// process noise of the matching PSD does ([`drag_psd_of`]), s.
const DRAG_MATCH_S: f64 = 6.0 * 3600.0;

/// Power spectral density of along-track process noise matching an unmodelled along-track
/// acceleration `a_km_s2`: it displaces the entry by about 1.5 a t², which white noise of PSD
/// 6.75 a² [`DRAG_MATCH_S`] matches in variance at that time ([`DRAG_PSD_KM2_S3`] is this for
/// 5e-9 km/s², rounded up).
pub(crate) fn drag_psd_of(a_km_s2: f64) -> f64 {
    6.75 * a_km_s2 * a_km_s2 * DRAG_MATCH_S
}

/// Minutes after an epoch `epoch_offset_ns` before the scenario's, at a tick.
fn minutes_at(epoch_offset_ns: i64, clock: &crate::time::Clock, tick: u64) -> f64 {
    let ns = epoch_offset_ns as i128 + clock.seconds_since_epoch(crate::time::Tick(tick)) as i128 * 1_000_000_000;
    ns as f64 / 60e9
}

/// The terms of [`Entry::search_km`], fixed between updates of the entry.
#[derive(Debug, Clone, Copy)]
struct Search {
    /// The position bound at the last update, km.
    base_km: f64,
    /// Its growth per second since, km/s.
    growth_km_s: f64,
    last_obs: u64,
    margin_km: f64,
}

impl Search {
    fn of(e: &Entry) -> Search {
        let a = e.x[0];
        let angular = (1..6).map(|i| e.cov[(i, i)]).fold(0.0, f64::max).sqrt();
        let sigma_a = e.cov[(0, 0)].sqrt();
        let n = (crate::orbit::MU_KM3_S2 / a.powi(3)).sqrt();
        Search {
            base_km: 2.0 * a * angular + sigma_a,
            growth_km_s: 1.5 * n * sigma_a,
            last_obs: e.last_obs.unwrap_or(0),
            margin_km: e.sieve_margin_km(),
        }
    }

    fn km(&self, clock: &crate::time::Clock, tick: u64) -> f64 {
        let since_s = tick.saturating_sub(self.last_obs) as f64 * clock.tick_s as f64;
        (6.0 * (self.base_km + self.growth_km_s * since_s)).max(self.margin_km)
    }
}

/// One catalog entry: an estimate.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Truth side only: the satellite index the entry started from (scoring, cross-tag logging).
    pub label: TrueSat,
    /// The catalog number the nation knows the entry by: the published number for entries of the
    /// public catalog, an analyst number for objects it catalogued itself (see
    /// `Exchange::analyst_base`). The elements carry it as their catalog number.
    pub designator: u32,
    /// Epoch, drag terms and ids of the elements.
    pub template: sgp4::Elements,
    /// Equinoctial mean elements at the epoch.
    pub x: Vec6,
    /// Their covariance.
    pub cov: Mat6,
    /// SGP4 of `x`.
    pub constants: sgp4::Constants,
    /// Scenario epoch minus element epoch, ns.
    pub epoch_offset_ns: i64,
    /// Tick of the newest measurement used (None: the published elements only).
    pub last_obs: Option<u64>,
    /// Tick of the oldest measurement used since the entry was (re)initialised.
    pub first_obs: Option<u64>,
    /// Measurements used since then.
    pub obs_used: u32,
    /// Weighted RMS of the last fit.
    pub wrms: f64,
    /// Tracks associated (tentative entries are catalogued after `new_object_tracks`).
    pub tracks: u32,
    /// Tentative (from initial orbit determination, not yet catalogued).
    pub tentative: bool,
    /// Measurements of the tracks that fitted only the manoeuvre hypothesis, in order.
    pub manoeuvre_evidence: Vec<Meas>,
    /// Tracks in `manoeuvre_evidence`.
    pub manoeuvre_tracks: u32,
    /// Whether the drag term is known (entries from the public catalog), else the covariance
    /// carries the process noise of an unknown drag acceleration (`drag_psd`) and span refits
    /// estimate B*.
    pub drag_known: bool,
    /// PSD of that process noise, km²/s³: [`DRAG_PSD_KM2_S3`] until a span refit estimates B*,
    /// then what its 1-sigma leaves unmodelled ([`drag_psd_of`]).
    pub drag_psd: f64,
    /// 1-sigma of B* from the last span refit that estimated it.
    pub bstar_sigma: Option<f64>,
    /// The measurements of the fit span (at most [`SPAN_PER_TRACK`] per track and
    /// [`MAX_SPAN_MEAS`] in all, oldest first) since the entry was (re)initialised.
    pub span: Vec<Meas>,
    /// Tick of the newest measurement at the last span refit.
    pub refit_tick: Option<u64>,
    /// Tick of the newest measurement at the last span refit tried, whether it succeeded or
    /// failed (the next is due a cadence after it).
    pub refit_tried: Option<u64>,
    /// With unknown drag: ∂x/∂state at the last update and the along-track unit vector there,
    /// to add the process noise accumulated since.
    process: Option<Box<(Mat6, Vec3)>>,
    sieve: Sieve,
    /// Which state of an estimate this is: equal in two entries (of two nations' catalogs) only
    /// while both are the same unchanged copy of the public catalog's entry, so scoring computes
    /// it once (0: not numbered yet; see `Exchange::changed`).
    pub version: u64,
}

/// Orbit plane and radius band of an entry, for picking gate candidates cheaply.
#[derive(Debug, Clone, Copy)]
struct Sieve {
    /// Sine and cosine of the inclination.
    incl_sin_cos: (f64, f64),
    raan0: f64,
    /// Secular J2 node rate, rad/min.
    raan_dot: f64,
    rp_km: f64,
    ra_km: f64,
}

impl Sieve {
    fn of(x: &Vec6) -> Sieve {
        let e = x[1].hypot(x[2]);
        let incl = 2.0 * x[3].hypot(x[4]).atan();
        let raan0 = x[4].atan2(x[3]);
        let n = (crate::orbit::MU_KM3_S2 / x[0].powi(3)).sqrt() * 60.0;
        let p = x[0] * (1.0 - e * e);
        Sieve {
            incl_sin_cos: incl.sin_cos(),
            raan0,
            raan_dot: -1.5 * n * J2_WGS72 * (RE_WGS72_KM / p).powi(2) * incl.cos(),
            rp_km: x[0] * (1.0 - e),
            ra_km: x[0] * (1.0 + e),
        }
    }

    /// The orbit's unit normal `minutes` after the epoch (the node drifting at the J2 rate).
    fn normal(&self, minutes: f64) -> Vec3 {
        let raan = self.raan0 + self.raan_dot * minutes;
        let (si, ci) = self.incl_sin_cos;
        let (sr, cr) = raan.sin_cos();
        [si * sr, -si * cr, ci]
    }

    /// Whether a line of sight from `site` (TEME km) along unit `d` (with the range, if measured)
    /// can meet this orbit, whose unit normal is `h` then.
    fn may_meet(&self, h: Vec3, site: Vec3, d: Vec3, range_km: Option<f64>, margin: f64) -> bool {
        let band = |p: Vec3| {
            let r = norm(p);
            r >= self.rp_km - margin && r <= self.ra_km + margin
        };
        match range_km {
            Some(rho) => {
                let p = [site[0] + rho * d[0], site[1] + rho * d[1], site[2] + rho * d[2]];
                dot(h, p).abs() <= margin && band(p)
            }
            None => {
                // The ray's points at radii across the band: it can meet the orbit when it passes
                // within the margin of the plane at one of them or crosses the plane between them.
                let (b, ss) = (dot(site, d), dot(site, site));
                let mut prev: Option<f64> = None;
                for r in [
                    self.rp_km - margin,
                    0.5 * (self.rp_km + self.ra_km),
                    self.ra_km + margin,
                ] {
                    let disc = b * b - ss + r * r;
                    if disc < 0.0 {
                        continue;
                    }
                    let t = -b + disc.sqrt();
                    if t <= 0.0 {
                        continue;
                    }
                    let z = dot(h, [site[0] + t * d[0], site[1] + t * d[1], site[2] + t * d[2]]);
                    if z.abs() <= margin || prev.is_some_and(|p| p.signum() != z.signum()) {
                        return true;
                    }
                    prev = Some(z);
                }
                false
            }
        }
    }
}

impl Entry {
    /// An entry named `designator` for elements `x` (epoch and drag terms from `template`) with
    /// covariance `cov`.
    pub fn new(
        (label, designator): (TrueSat, u32),
        template: &sgp4::Elements,
        x: Vec6,
        cov: Mat6,
        clock: &crate::time::Clock,
    ) -> Option<Entry> {
        let mut el = od::elements_of(&x, template.datetime, template);
        el.norad_id = u64::from(designator);
        let constants = sgp4::Constants::from_elements_afspc_compatibility_mode(&el).ok()?;
        Some(Entry {
            label,
            designator,
            template: el,
            x,
            cov,
            constants,
            epoch_offset_ns: clock.ns_from(&template.datetime)?,
            last_obs: None,
            first_obs: None,
            obs_used: 0,
            wrms: 0.0,
            tracks: 0,
            tentative: false,
            manoeuvre_evidence: Vec::new(),
            manoeuvre_tracks: 0,
            drag_known: true,
            drag_psd: DRAG_PSD_KM2_S3,
            bstar_sigma: None,
            span: Vec::new(),
            refit_tick: None,
            refit_tried: None,
            process: None,
            sieve: Sieve::of(&x),
            version: 0,
        })
    }

    /// The covariance at a tick: the estimate's, plus (unknown drag, perigee below
    /// [`DRAG_PERIGEE_KM`]) the process noise of an along-track acceleration of PSD `drag_psd`
    /// since the last update.
    pub fn covariance_at(&self, clock: &crate::time::Clock, tick: u64) -> Mat6 {
        let (Some(p), Some(last)) = (&self.process, self.last_obs) else {
            return self.cov;
        };
        let dt = (tick.saturating_sub(last) as f64) * clock.tick_s as f64;
        let (gi, s) = (&p.0, p.1);
        let ss = nalgebra::Matrix3::from_fn(|i, j| s[i] * s[j]);
        let psd = self.drag_psd;
        let mut q = Mat6::zeros();
        q.fixed_view_mut::<3, 3>(0, 0)
            .copy_from(&(ss * (psd * dt.powi(3) / 3.0)));
        q.fixed_view_mut::<3, 3>(0, 3).copy_from(&(ss * (psd * dt * dt / 2.0)));
        q.fixed_view_mut::<3, 3>(3, 0).copy_from(&(ss * (psd * dt * dt / 2.0)));
        q.fixed_view_mut::<3, 3>(3, 3).copy_from(&(ss * (psd * dt)));
        self.cov + gi * q * gi.transpose()
    }

    /// Refreshes the process-noise reference after an update (unknown drag only).
    fn refresh_process(&mut self, clock: &crate::time::Clock) {
        self.process = None;
        if self.drag_known || self.sieve.rp_km > RE_WGS72_KM + DRAG_PERIGEE_KM {
            return;
        }
        let Some(last) = self.last_obs else { return };
        let Some(((r, v), g)) = self.state_and_jacobian(clock, last) else {
            return;
        };
        if let Some(gi) = g.try_inverse() {
            self.process = Some(Box::new((gi, crate::orbit::rsw(r, v)[1])));
        }
    }

    /// The predicted TEME state at a tick (km, km/s) and ∂state/∂x there ([`od::state_jacobian`],
    /// taken about the state the entry's own SGP4 gives).
    fn state_and_jacobian(&self, clock: &crate::time::Clock, tick: u64) -> Option<((Vec3, Vec3), Mat6)> {
        let base = self.state_at(clock, tick)?;
        let minutes = self.minutes_at(clock, tick);
        debug_assert_eq!(
            Ok(base),
            od::state_of(&self.x, self.template.datetime, &self.template, minutes),
            "the entry's SGP4 is that of its elements"
        );
        let g = od::state_jacobian_about(&self.x, self.template.datetime, &self.template, minutes, base).ok()?;
        Some((base, g))
    }

    /// The predicted TEME position at a tick, km, and its covariance, km² (the elements'
    /// covariance mapped through the state Jacobian there: [`Entry::state_and_jacobian`]).
    pub fn predicted_with_covariance(
        &self,
        clock: &crate::time::Clock,
        tick: u64,
    ) -> Option<(Vec3, nalgebra::Matrix3<f64>)> {
        let ((r, _), g) = self.state_and_jacobian(clock, tick)?;
        let p = (g * self.covariance_at(clock, tick) * g.transpose())
            .fixed_view::<3, 3>(0, 0)
            .into_owned();
        Some((r, p))
    }

    /// The TEME position covariance at a tick, km² (see [`Entry::predicted_with_covariance`]).
    pub fn position_covariance(&self, clock: &crate::time::Clock, tick: u64) -> Option<nalgebra::Matrix3<f64>> {
        self.predicted_with_covariance(clock, tick).map(|(_, p)| p)
    }

    /// Root of the trace of the position covariance at a tick, km (a bound on the largest
    /// 1-sigma position error).
    pub fn position_sigma_km(&self, clock: &crate::time::Clock, tick: u64) -> f64 {
        self.position_covariance(clock, tick)
            .map_or(f64::INFINITY, |p| p.trace().sqrt())
    }

    /// How far from the plane and radius band of its orbit a measurement is looked for, km.
    fn sieve_margin_km(&self) -> f64 {
        if self.tentative {
            SIEVE_MARGIN_TENTATIVE_KM
        } else {
            SIEVE_MARGIN_KM
        }
    }

    /// Minutes after the epoch at a tick.
    pub fn minutes_at(&self, clock: &crate::time::Clock, tick: u64) -> f64 {
        minutes_at(self.epoch_offset_ns, clock, tick)
    }

    /// Predicted TEME position and velocity at a tick.
    pub fn state_at(&self, clock: &crate::time::Clock, tick: u64) -> Option<(Vec3, Vec3)> {
        let p = self
            .constants
            .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(self.minutes_at(clock, tick)))
            .ok()?;
        Some((p.position, p.velocity))
    }

    /// Replaces the estimate (keeps the epoch).
    pub fn set(&mut self, x: Vec6, cov: Mat6) -> bool {
        let el = od::elements_of(&x, self.template.datetime, &self.template);
        let Ok(c) = sgp4::Constants::from_elements_afspc_compatibility_mode(&el) else {
            return false;
        };
        (self.x, self.cov, self.constants, self.template) = (x, cov, c, el);
        self.sieve = Sieve::of(&x);
        true
    }

    /// Observations relative to this entry's epoch. For deep-space orbits each measurement's
    /// sigmas get a model-error floor of [`DEEP_SPACE_MODEL_KM`] (in range, and subtended at the
    /// range for angles) times the square root of the measurements given: the model error is
    /// the same for measurements close in time, so a track must not average it down.
    pub fn obs<'a>(&self, meas: &[Meas], sites: &'a [Site], clock: &crate::time::Clock) -> Vec<Obs<'a>> {
        let floor_km = (self.x[0] > DEEP_SPACE_A_KM).then(|| DEEP_SPACE_MODEL_KM * (meas.len() as f64).sqrt());
        meas.iter()
            .map(|m| Obs {
                meas: floor_km.map_or(*m, |f| model_floor(m, self.x[0], f)),
                minutes: self.minutes_at(clock, m.tick),
                site: &sites[m.sensor as usize],
                gmst: gmst_sin_cos(clock, crate::time::Tick(m.tick)),
            })
            .collect()
    }

    /// Whether the last measurement of a track can belong to this entry's orbit at all: the line
    /// of sight meets the orbit's plane and radius band (cheap), then passes within
    /// [`Entry::search_km`] of the predicted position (one propagation).
    pub fn may_explain(&self, m: &Meas, los: (Vec3, Vec3), h: Vec3, clock: &crate::time::Clock) -> bool {
        self.sieve.may_meet(h, los.0, los.1, m.range_km, self.sieve_margin_km())
            && self
                .state_at(clock, m.tick)
                .is_some_and(|(r, _)| near(m, los, r, self.search_km(clock, m.tick)))
    }

    /// The association gate of a track's measurements against this estimate at `tick` (the
    /// newest measurement's).
    fn gate(
        &self,
        meas: &[Meas],
        tick: u64,
        sites: &[Site],
        clock: &crate::time::Clock,
    ) -> Result<(od::Gate, od::Linearisation), od::OdError> {
        let obs = self.obs(meas, sites, clock);
        let cov = self.covariance_at(clock, tick);
        od::gate_at(&self.x, &cov, self.template.datetime, &self.template, &obs)
    }

    /// How far from its prediction a measurement of this entry is looked for, km: six times a
    /// cheap bound on the position sigma (from the element variances at the last update, the
    /// along-track part growing with the semi-major axis uncertainty), and at least
    /// [`SIEVE_MARGIN_KM`] (or [`SIEVE_MARGIN_TENTATIVE_KM`]).
    pub fn search_km(&self, clock: &crate::time::Clock, tick: u64) -> f64 {
        Search::of(self).km(clock, tick)
    }

    /// A fresh estimate of this object at `tick` (the entry's prediction then, refitted as SGP4
    /// elements with that epoch) under the loose prior [`LOOSE`], refined by `meas`: how an entry
    /// restarts after a declared manoeuvre (its old elements no longer describe the orbit).
    pub fn restart(
        &self,
        tick: u64,
        meas: &[Meas],
        sites: &[Site],
        clock: &crate::time::Clock,
    ) -> Result<Entry, od::OdError> {
        let mut e = self.fresh_at(tick, clock)?;
        update(&mut e, meas, sites, clock, None)?;
        e.tracks = self.tracks;
        Ok(e)
    }

    /// This entry's prediction at `tick` as SGP4 elements with that epoch, under the loose prior
    /// [`LOOSE`], with nothing observed yet.
    fn fresh_at(&self, tick: u64, clock: &crate::time::Clock) -> Result<Entry, od::OdError> {
        let (r, v) = self
            .state_at(clock, tick)
            .ok_or_else(|| od::OdError::Sgp4("the entry's prediction".into()))?;
        let at = clock.time_of(crate::time::Tick(tick));
        let el = crate::orbit::fit_elements(r, v, at, &self.template, self.template.norad_id)
            .map_err(|e| od::OdError::Sgp4(e.to_string()))?;
        let x = od::mean_of(&el);
        let cov = od::prior_covariance(&x, at, &el, 0.0, &LOOSE).map_err(od::OdError::Sgp4)?;
        let mut e = Entry::new((self.label, self.designator), &el, x, cov, clock).ok_or(od::OdError::Singular)?;
        e.drag_known = self.drag_known;
        e.drag_psd = self.drag_psd;
        e.bstar_sigma = self.bstar_sigma;
        e.tentative = self.tentative;
        Ok(e)
    }

    /// Whether the drag term is estimated in span refits: unknown, with perigee below
    /// [`DRAG_PERIGEE_KM`].
    fn estimates_bstar(&self) -> bool {
        !self.drag_known && self.sieve.rp_km < RE_WGS72_KM + DRAG_PERIGEE_KM
    }

    /// Whether a span refit is due: the newest measurement is a third of the fit span
    /// (`span_ticks`) after the last refit tried (or after the first measurement since the entry
    /// was initialised), or `bstar_every_ticks` when it [estimates B*](Entry::estimates_bstar)
    /// and that is sooner, and the span holds two tracks or more.
    pub fn refit_due(&self, span_ticks: u64, bstar_every_ticks: u64) -> bool {
        let (Some(last), Some(since)) = (self.last_obs, self.refit_tried.or(self.first_obs)) else {
            return false;
        };
        let mut every = span_ticks.div_ceil(3);
        if self.estimates_bstar() {
            every = every.min(bstar_every_ticks);
        }
        last >= since + every && self.span.len() > SPAN_PER_TRACK
    }

    /// The span refit: a batch differential correction over the measurements of the last
    /// `span_ticks` ticks (to the newest), with the epoch moved to the newest measurement and
    /// under the loose prior [`LOOSE`], so information older than the span is dropped. For an
    /// entry whose drag term is unknown, with perigee below [`DRAG_PERIGEE_KM`], B* is estimated
    /// too ([`BSTAR_PRIOR_SIGMA`]) and the drag process noise becomes what its sigma leaves
    /// unmodelled. The refitted entry, or why the refit failed (the caller keeps this one).
    pub fn refit_span(
        &self,
        span_ticks: u64,
        sites: &[Site],
        clock: &crate::time::Clock,
    ) -> Result<Entry, od::OdError> {
        let last = self.last_obs.unwrap_or(0);
        let from = last.saturating_sub(span_ticks);
        let meas: Vec<Meas> = self.span.iter().filter(|m| m.tick >= from).copied().collect();
        let mut e = self.fresh_at(last, clock)?;
        let estimate_bstar = self.estimates_bstar();
        let obs = e.obs(&meas, sites, clock);
        let p = od::Problem {
            template: &e.template,
            epoch: e.template.datetime,
            start: e.x,
            prior: Some((e.x, e.cov)),
            obs: &obs,
            bstar_sigma: estimate_bstar.then_some(BSTAR_PRIOR_SIGMA),
        };
        let s = od::fit(&p)?;
        if let Some((b, sb)) = s.bstar {
            e.template.drag_term = b;
            e.bstar_sigma = Some(sb);
        }
        if !e.set(s.x, s.covariance) {
            return Err(od::OdError::Sgp4("the refitted elements".into()));
        }
        if s.bstar.is_some() {
            e.drag_psd = e.unmodelled_drag_psd(last, clock).unwrap_or(DRAG_PSD_KM2_S3);
        }
        (e.first_obs, e.last_obs) = (meas.first().map(|m| m.tick), Some(last));
        (e.obs_used, e.wrms, e.tracks, e.span) = (s.used, s.wrms, self.tracks, meas);
        (e.refit_tick, e.refit_tried) = (Some(last), Some(last));
        e.refresh_process(clock);
        Ok(e)
    }

    /// The drag process noise a B* known to `bstar_sigma` leaves: the along-track acceleration
    /// of a B* error of one sigma, from the along-track displacement it makes over
    /// [`DRAG_MATCH_S`] after `tick` (1.5 a t²), as a PSD ([`drag_psd_of`]).
    fn unmodelled_drag_psd(&self, tick: u64, clock: &crate::time::Clock) -> Option<f64> {
        let sb = self.bstar_sigma?;
        let mut off = self.template.clone();
        off.drag_term += sb;
        let c = sgp4::Constants::from_elements_afspc_compatibility_mode(&off).ok()?;
        let minutes = self.minutes_at(clock, tick) + DRAG_MATCH_S / 60.0;
        let a = self
            .constants
            .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
            .ok()?;
        let b = c
            .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
            .ok()?;
        let along = crate::orbit::rsw(a.position, a.velocity)[1];
        let ds = dot(crate::frames::sub(b.position, a.position), along).abs();
        Some(drag_psd_of(ds / (1.5 * DRAG_MATCH_S * DRAG_MATCH_S)))
    }

    /// The manoeuvre hypothesis tested by a fit: the entry restarted at the first pending
    /// evidence measurement and fitted to the evidence and `meas`. `Some` when the fit converges
    /// with a weighted RMS within [`MANOEUVRE_MAX_WRMS`] and the implied change at the restart is a
    /// velocity change within [`MANOEUVRE_MAX_KM_S`] (plus the drift it causes since the last
    /// update).
    pub fn manoeuvre_fit(&self, meas: &[Meas], sites: &[Site], clock: &crate::time::Clock) -> Option<Entry> {
        let all: Vec<Meas> = self.manoeuvre_evidence.iter().chain(meas).copied().collect();
        let t0 = all.first()?.tick;
        let fresh = self.restart(t0, &all, sites, clock).ok()?;
        if fresh.wrms > MANOEUVRE_MAX_WRMS {
            return None;
        }
        let ((r0, v0), (r1, v1)) = (self.state_at(clock, t0)?, fresh.state_at(clock, t0)?);
        let since_s = (t0 - self.last_obs.unwrap_or(0).min(t0)) as f64 * clock.tick_s as f64;
        let (dr, dv) = (norm(crate::frames::sub(r1, r0)), norm(crate::frames::sub(v1, v0)));
        (dv <= MANOEUVRE_MAX_KM_S && dr <= 10.0 + 3.0 * MANOEUVRE_MAX_KM_S * since_s).then_some(fresh)
    }

    /// Covariance widened by a velocity change of [`MANOEUVRE_SIGMA_KM_S`] per axis at the entry's
    /// last update (or epoch).
    pub fn manoeuvre_covariance(&self, clock: &crate::time::Clock) -> Option<Mat6> {
        let minutes = self.last_obs.map_or(0.0, |t| self.minutes_at(clock, t));
        let g = od::state_jacobian(&self.x, self.template.datetime, &self.template, minutes);
        let g = g.ok()?;
        let gi = g.try_inverse()?;
        let mut q = Mat6::zeros();
        for k in 3..6 {
            q[(k, k)] = MANOEUVRE_SIGMA_KM_S * MANOEUVRE_SIGMA_KM_S;
        }
        Some(self.covariance_at(clock, self.last_obs.unwrap_or(0)) + gi * q * gi.transpose())
    }
}

/// Model error of SDP4 orbits, km: its map from mean elements to position is rough at the
/// 10-300 m level for near-equatorial deep-space orbits (lunar-solar terms with Lyddane's
/// modification), which no fit can follow; measurements of them are weighted with this floor.
pub(crate) const DEEP_SPACE_MODEL_KM: f64 = 0.2;

/// A measurement's sigmas with the deep-space model-error floor.
fn model_floor(m: &Meas, a_km: f64, floor_km: f64) -> Meas {
    let range_km = m.range_km.unwrap_or(a_km - RE_WGS72_KM);
    let ang_deg = (floor_km / range_km).to_degrees();
    Meas {
        sigma_range_km: if m.range_km.is_some() {
            m.sigma_range_km.hypot(floor_km)
        } else {
            m.sigma_range_km
        },
        sigma_az_deg: m.sigma_az_deg.hypot(ang_deg / m.el_deg.to_radians().cos().max(0.1)),
        sigma_el_deg: m.sigma_el_deg.hypot(ang_deg),
        ..*m
    }
}

/// Site position and unit line of sight of a measurement, TEME.
pub(crate) fn line_of_sight(m: &Meas, site: &Site, clock: &crate::time::Clock) -> (Vec3, Vec3) {
    let gmst = gmst_sin_cos(clock, crate::time::Tick(m.tick));
    let (az, el) = (m.az_deg.to_radians(), m.el_deg.to_radians());
    let d: Vec3 = std::array::from_fn(|k| {
        el.cos() * az.sin() * site.east[k] + el.cos() * az.cos() * site.north[k] + el.sin() * site.up[k]
    });
    (ecef_to_teme(site.ecef_km, gmst), ecef_to_teme(d, gmst))
}

/// Whether predicted position `r` (TEME km) is within `search_km` of measurement `m`: of its point
/// (radar), or of its line of sight (`los`: site and unit direction) beyond the site.
pub(super) fn near(m: &Meas, (site, d): (Vec3, Vec3), r: Vec3, search_km: f64) -> bool {
    let rel = crate::frames::sub(r, site);
    let miss_km = match m.range_km {
        Some(rho) => norm(crate::frames::sub(rel, [rho * d[0], rho * d[1], rho * d[2]])),
        None => {
            let t = dot(rel, d).max(0.0);
            norm(crate::frames::sub(rel, [t * d[0], t * d[1], t * d[2]]))
        }
    };
    miss_km <= search_km
}

/// The outcome of associating a track with a nation's catalog.
#[derive(Debug, Clone)]
pub(crate) enum Association {
    /// Fits entry `.0` within the gate.
    Entry(usize),
    /// Fits entry `.0` only under the manoeuvre hypothesis; `.1` is the entry restarted from its
    /// pending evidence and this track (what declaring the manoeuvre adopts).
    Manoeuvre(usize, Box<Entry>),
    /// Fits nothing.
    None,
}

/// A track's last measurement and its line of sight (none for an empty track).
fn sighting<'a>(meas: &'a [Meas], sites: &[Site], clock: &crate::time::Clock) -> Option<(&'a Meas, (Vec3, Vec3))> {
    let last = meas.last()?;
    Some((last, line_of_sight(last, &sites[last.sensor as usize], clock)))
}

/// The entries that may explain a track (its last measurement): those whose prediction lies
/// within their search radius of it, ascending. Found through the nation's index.
pub(crate) fn candidates(
    entries: &[Entry],
    index: &mut Index,
    meas: &[Meas],
    sites: &[Site],
    clock: &crate::time::Clock,
) -> Vec<usize> {
    let Some((last, los)) = sighting(meas, sites, clock) else {
        return Vec::new();
    };
    debug_assert_eq!(
        index.normals_at_build.len(),
        entries.len(),
        "the index is refreshed before use"
    );
    let pool = index.pool(last, los, clock);
    // The index never drops an entry the propagation would accept.
    debug_assert!(entries.iter().enumerate().all(|(i, e)| {
        let h = e.sieve.normal(e.minutes_at(clock, last.tick));
        pool.binary_search(&i).is_ok() || !e.may_explain(last, los, h, clock)
    }));
    index.candidates(&pool, entries, last, los, clock)
}

/// [`candidates`] found earlier (`found`), brought up to date: of the entries `changed` since
/// (any order, repeats allowed), exactly those that now may explain the track. The others'
/// predictions and search radii have not moved, so neither has their answer.
pub(crate) fn revise(
    mut found: Vec<usize>,
    changed: &[usize],
    entries: &[Entry],
    index: &mut Index,
    meas: &[Meas],
    sites: &[Site],
    clock: &crate::time::Clock,
) -> Vec<usize> {
    let Some((last, los)) = sighting(meas, sites, clock) else {
        return found;
    };
    let mut changed = changed.to_vec();
    changed.sort_unstable();
    changed.dedup();
    found.retain(|i| changed.binary_search(i).is_err());
    found.extend(index.candidates(&changed, entries, last, los, clock));
    found.sort_unstable();
    debug_assert_eq!(found, candidates(entries, index, meas, sites, clock));
    found
}

/// Associates a track's measurements with a catalog, given its [`candidates`]: the nearest
/// passing the gate; failing that, the manoeuvre hypothesis on catalogued entries.
pub(crate) fn associate(
    entries: &[Entry],
    candidates: &[usize],
    meas: &[Meas],
    sites: &[Site],
    clock: &crate::time::Clock,
) -> Association {
    let Some(last) = meas.last() else {
        return Association::None;
    };
    let mut best: Option<(usize, f64)> = None;
    let mut gates = Vec::with_capacity(candidates.len());
    for &i in candidates {
        let e = &entries[i];
        let Ok((g, _)) = e.gate(meas, last.tick, sites, clock) else {
            continue;
        };
        // Catalogued entries first: a tentative one takes a track only when none of them fits.
        let key = (e.tentative, g.d2);
        if g.passes(GATE_P) && best.is_none_or(|b| key < (entries[b.0].tentative, b.1)) {
            best = Some((i, g.d2));
        }
        gates.push((i, g));
    }
    if let Some((i, _)) = best {
        return Association::Entry(i);
    }
    // The manoeuvre hypothesis: the catalogued candidates nearest under the widened covariance
    // (at most MANOEUVRE_CANDIDATES), each tested by actually refitting it to its pending evidence
    // and this track.
    let mut wide: Vec<(f64, usize)> = gates
        .iter()
        .filter(|(i, _)| !entries[*i].tentative)
        .filter_map(|&(i, _)| {
            let e = &entries[i];
            let cov = e.manoeuvre_covariance(clock)?;
            let g = od::gate(&e.x, &cov, e.template.datetime, &e.template, &e.obs(meas, sites, clock)).ok()?;
            g.d2.is_finite().then_some((g.d2, i))
        })
        .collect();
    wide.sort_by(|a, b| a.0.total_cmp(&b.0));
    for &(_, i) in wide.iter().take(MANOEUVRE_CANDIDATES) {
        if let Some(fresh) = entries[i].manoeuvre_fit(meas, sites, clock) {
            return Association::Manoeuvre(i, Box::new(fresh));
        }
    }
    Association::None
}

/// Whether a track fits the catalogued entry `cue` its sensor pointed at (its tag): then it is
/// associated with it without a search of the catalog, as the real network accepts a tagged
/// observation that passes the tagged object's gate. A tentative entry has no number a sensor
/// could tag with: its tracks are always searched for. When it fits, returns the gate's
/// linearisation, from which [`update`] starts.
pub(crate) fn fits_cue(
    entries: &[Entry],
    cue: usize,
    meas: &[Meas],
    sites: &[Site],
    clock: &crate::time::Clock,
) -> Option<od::Linearisation> {
    let (e, last) = (entries.get(cue).filter(|e| !e.tentative)?, meas.last()?);
    let (g, lin) = e.gate(meas, last.tick, sites, clock).ok()?;
    g.passes(GATE_P).then_some(lin)
}

/// Refines an entry with a track's measurements, its estimate (with the process noise since its
/// last update) as prior. On failure the entry keeps its estimate and the reason is returned.
/// `first`: the gate's linearisation of these measurements at the estimate, if made
/// ([`fits_cue`]).
pub(crate) fn update(
    e: &mut Entry,
    meas: &[Meas],
    sites: &[Site],
    clock: &crate::time::Clock,
    first: Option<od::Linearisation>,
) -> Result<od::Solution, od::OdError> {
    let obs = e.obs(meas, sites, clock);
    let cov = e.covariance_at(clock, meas.last().map_or(0, |m| m.tick));
    let p = od::Problem {
        template: &e.template,
        epoch: e.template.datetime,
        start: e.x,
        prior: Some((e.x, cov)),
        obs: &obs,
        bstar_sigma: None,
    };
    let s = match first {
        Some(l) => od::fit_from(&p, l)?,
        None => od::fit(&p)?,
    };
    if !e.set(s.x, s.covariance) {
        return Err(od::OdError::Sgp4("the fitted elements".into()));
    }
    let (first, last) = (meas.first().map(|m| m.tick), meas.last().map(|m| m.tick));
    e.first_obs = e.first_obs.or(first);
    e.last_obs = last.max(e.last_obs);
    e.obs_used += s.used;
    e.wrms = s.wrms;
    e.refresh_process(clock);
    keep_for_span(&mut e.span, meas);
    Ok(s)
}

/// Adds a track's first, middle and last measurements to an entry's fit span, dropping the
/// oldest past [`MAX_SPAN_MEAS`].
fn keep_for_span(span: &mut Vec<Meas>, meas: &[Meas]) {
    let n = meas.len();
    let mut picks = [0, n / 2, n.saturating_sub(1)];
    picks.sort_unstable();
    let mut prev = None;
    for &i in picks.iter().filter(|_| n > 0) {
        if prev != Some(i) {
            span.push(meas[i]);
            prev = Some(i);
        }
    }
    // Products arrive late: keep the span in time order (stable for equal ticks).
    span.sort_by_key(|m| m.tick);
    if span.len() > MAX_SPAN_MEAS {
        span.drain(..span.len() - MAX_SPAN_MEAS);
    }
    debug_assert!(span.windows(2).all(|w| w[0].tick <= w[1].tick));
}

/// Initial orbit of an uncorrelated track from its first, middle and last measurements: radar
/// positions with a Herrick-Gibbs velocity, or optical angles by Gauss's method (refined with J2);
/// SGP4 elements fitted to that state; then a differential correction over the whole track under
/// a loose prior (tens of km). `None` when the track is too short or a step fails.
pub(crate) fn initial_orbit(
    (label, designator): (TrueSat, u32),
    meas: &[Meas],
    sites: &[Site],
    clock: &crate::time::Clock,
    template: &sgp4::Elements,
) -> Option<Entry> {
    if meas.len() < 3 {
        return None;
    }
    let pick = [&meas[0], &meas[meas.len() / 2], &meas[meas.len() - 1]];
    let t = pick.map(|m| clock.seconds_since_epoch(crate::time::Tick(m.tick)) as f64);
    let los = pick.map(|m| line_of_sight(m, &sites[m.sensor as usize], clock));
    let (r, v) = if pick.iter().all(|m| m.range_km.is_some()) {
        let pos: [Vec3; 3] = std::array::from_fn(|k| {
            let ((s, d), rho) = (los[k], pick[k].range_km.unwrap_or(0.0));
            [s[0] + rho * d[0], s[1] + rho * d[1], s[2] + rho * d[2]]
        });
        let v = crate::iod::herrick_gibbs(pos[0], pos[1], pos[2], t[0], t[1], t[2]).ok()?;
        (pos[1], v)
    } else {
        let obs = std::array::from_fn(|k| crate::iod::AnglesObs {
            t_s: t[k],
            site_km: los[k].0,
            los: los[k].1,
        });
        let (r, v) = crate::iod::gauss_angles(obs).ok()?.into_iter().next()?;
        crate::iod::correct_angles_j2(obs, r, v).unwrap_or((r, v))
    };
    let at = clock.time_of(crate::time::Tick(pick[1].tick));
    let el = crate::orbit::fit_elements(r, v, at, template, template.norad_id).ok()?;
    let x = od::mean_of(&el);
    let cov = od::prior_covariance(&x, at, &el, 0.0, &LOOSE).ok()?;
    let mut e = Entry::new((label, designator), &el, x, cov, clock)?;
    e.tentative = true;
    e.drag_known = false;
    update(&mut e, meas, sites, clock, None).ok()?;
    e.tracks = 1;
    Some(e)
}
