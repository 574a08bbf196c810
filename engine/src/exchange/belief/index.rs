//! The candidate index of a nation's catalog: which entries a measurement can belong to at all
//! (a superset of those [`Sieve::may_meet`] passes), without visiting every entry.
//!
//! Catalogued entries are binned by radius shell (every shell their radius band, widened by
//! [`SIEVE_MARGIN_KM`], meets) and, within a shell, by the direction of their orbit normal in
//! 2 x 2 degree cells. A query visits the cells of a shell whose centre c can be near
//! perpendicular to a direction u of the measurement there: the measured point's (radar), or any
//! direction from the origin to the part of the line of sight inside the shell (angles only).
//!
//! Within a cell, each entry also carries where along its orbit it was at the build (the angle of
//! its phase-model direction in the plane of the cell's centre, see [`phase`]), its rate and a
//! bound on everything that can separate that advance from its prediction near the measurement.
//! A query compares it with the angles of the measured directions in that plane, one
//! computation per cell. On the full catalog this keeps about a sixth of the plane-and-shell pool
//! of a radar point and a third of a line of sight's, most of what remains eccentric orbits, which
//! have no phase model (they, entries without a reference yet and entries touched since the
//! build are kept).

use super::phase::{self, Phase};
use super::{Entry, SIEVE_MARGIN_KM, Search, Sieve, minutes_at, near};
use crate::frames::{Vec3, cross, dot, norm, sub};
use crate::od::Meas;
use std::f64::consts::{PI, TAU};
use std::sync::LazyLock;

/// Cells of [`Index`] per degree of orbit-normal latitude and longitude.
const CELL_DEG: f64 = 2.0;
/// Latitude bins of the normal.
const LAT_BINS: usize = (180.0 / CELL_DEG) as usize;
/// Longitude bins of the normal.
const LON_BINS: usize = (360.0 / CELL_DEG) as usize;
/// Cells per shell (latitude bin major).
const CELLS: usize = LAT_BINS * LON_BINS;
/// (sin, cos) of the latitude of each row of cell centres.
static ROWS: LazyLock<[(f64, f64); LAT_BINS]> =
    LazyLock::new(|| std::array::from_fn(|i| ((i as f64 + 0.5) * CELL_DEG - 90.0).to_radians().sin_cos()));
/// (sin, cos) of the longitude of each column of cell centres.
static LONS: LazyLock<[(f64, f64); LON_BINS]> =
    LazyLock::new(|| std::array::from_fn(|j| ((j as f64 + 0.5) * CELL_DEG).to_radians().sin_cos()));
/// Largest distance from a cell's centre to a normal inside it (chord of the half-diagonal,
/// rounded up).
const CELL_CHORD: f64 = 0.025;
/// An entry's normal may move this far (chord) after an update before the index is rebuilt.
const NORMAL_SLACK: f64 = 0.002;
/// The index is rebuilt at least this often (node drift), minutes.
const INDEX_WINDOW_MIN: f64 = 60.0;
/// Edges of the radius shells, km (the last shell is unbounded): 100 km apart at radii of
/// 6750-7250 km, where most of the catalog is, coarser above; geosynchronous orbits get their own
/// shell. (On the 2023 full catalog an entry is registered in 3.6 shells on average; 50 km shells
/// shrink angles-only pools by 5 %, nine coarse ones grow them by 26 %.)
const SHELL_EDGES_KM: [f64; 16] = [
    0.0,
    6750.0,
    6850.0,
    6950.0,
    7050.0,
    7150.0,
    7250.0,
    7400.0,
    7600.0,
    8000.0,
    9500.0,
    20000.0,
    34000.0,
    41000.0,
    43000.0,
    f64::INFINITY,
];
/// Entries moved or added since a build that are searched for every measurement rather than
/// rebuilding the index (a rebuild visits every entry).
const MOVED_MAX: usize = 64;
/// Radius shells.
const SHELLS: usize = SHELL_EDGES_KM.len() - 1;
/// A shell's drift bound is kept this much above its fastest entry, so that updates nudging that
/// entry's node rate do not force rebuilds.
const DRIFT_HEADROOM: f64 = 1.01;
/// For lines of sight, the band around a cell centre's plane (|c·u|, u a unit direction) where
/// the measured object may be: an entry whose own bound (search radius over radius, cell size and
/// node drift) exceeds it is kept unfiltered.
const RAY_BAND: f64 = 0.08;
/// A phase reference older than this at the build is not used by the index, s.
const PHASE_MAX_AGE_S: f64 = 2.0 * 3600.0;
/// Angles between two directions within [`RAY_BAND`] of a plane exceed those between their
/// projections on it by less than this factor (1 / cos of the band, with room).
const PROJECTION: f64 = 1.02;

/// An entry registered in a cell, with its phase there (see the module documentation).
#[derive(Debug, Clone, Copy)]
struct Item {
    entry: u32,
    /// Angle of its phase-model direction at the build in the plane of the cell's centre, rad.
    alpha: f32,
    /// Its rate then, rad/s.
    rate: f32,
    /// Bound on |angle of its prediction - alpha - rate × time since the build| plus the angle
    /// subtended by its search radius, within [`INDEX_WINDOW_MIN`] either side of the build, rad
    /// (infinite: no phase).
    tol: f32,
}

/// Where a query's measured object may be, for the phase filter.
#[derive(Debug, Clone, Copy)]
enum Seen {
    /// A radar point's unit direction.
    Point(Vec3),
    /// A line of sight's directions: a great-circle arc of `span` radians about its middle `mid`,
    /// on the great circle of unit normal `normal`.
    Arc { mid: Vec3, normal: Vec3, span: f64 },
    /// Not filtered by phase.
    Any,
}

/// A query's measured directions and its time after the build (None: outside the window), with
/// the index's per-cell memo of [`angles`] (entries stamped `stamp` are this query's).
#[derive(Debug)]
struct Query {
    seen: Seen,
    since_s: Option<f64>,
    memo: Vec<(u32, f32, f32)>,
    stamp: u32,
}

impl Query {
    /// [`angles`] in cell `cell` (as f32: the items' tolerances allow for the rounding).
    fn angles(&mut self, cell: usize) -> Option<(f64, f64)> {
        let (stamp, mid, half) = self.memo[cell];
        if stamp == self.stamp {
            return (!half.is_nan()).then_some((f64::from(mid), f64::from(half)));
        }
        let (_, n, w) = centre(cell);
        let got = angles(self.seen, n, w);
        let (mid, half) = got.map_or((0.0, f32::NAN), |(m, h)| (m as f32, h as f32));
        self.memo[cell] = (self.stamp, mid, half);
        got
    }
}

/// Candidate index of a nation's catalog (see the module documentation). Bounds are exact: the
/// cell size, the node drift between the build and the measurement (J2 rate, bounded per shell;
/// rebuilt at least every [`INDEX_WINDOW_MIN`]) and updates since the build (rebuilt when a
/// normal moves past [`NORMAL_SLACK`], a band leaves its shells or a node rate outgrows its
/// shells' bound) are added to the tolerance. Entries tentative at the build are searched for
/// every measurement (their margin is wide).
#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// Where each (shell, cell)'s entries start in `items`: those of cell `c` of shell `k` are
    /// `items[starts[k * CELLS + c]..starts[k * CELLS + c + 1]]`, ascending.
    starts: Vec<u32>,
    /// Entries with their phases, grouped by (shell, cell).
    items: Vec<Item>,
    /// Entries touched since the build (bit set): their phases there are not used.
    stale: Vec<u64>,
    /// Per entry: the shells it was registered in at the build (first, last); None if in `always`.
    shells_at_build: Vec<Option<(u8, u8)>>,
    /// Normal of each entry at the build tick.
    pub(super) normals_at_build: Vec<Vec3>,
    /// Tick of the build.
    built: Option<u64>,
    /// Per shell: a bound on the node-drift chord rate of its entries (sin i × |dΩ/dt|), per minute.
    drift_per_min: [f64; SHELLS],
    /// Entries searched for every measurement: tentative at the build (their margin is wide), or
    /// with a plane or band that is not finite.
    always: Vec<u32>,
    /// More entries were added or outgrew their registration since the build than `moved` holds.
    dirty: bool,
    /// Entries added or outgrowing their registration since the build, searched for every
    /// measurement until the next (at most [`MOVED_MAX`]; past that the index is rebuilt).
    moved: Vec<u32>,
    /// Per entry: what the candidate filter reads of it.
    probes: Vec<Probe>,
    /// Per cell: the query's angles there (see [`angles`]), stamped with the query that computed
    /// them (a line of sight visits a cell once per shell).
    memo: Vec<(u32, f32, f32)>,
    /// Stamp of the current query.
    stamp: u32,
}

/// What the candidate filter ([`Index::may_explain`]) reads of an entry, kept together in the index
/// (entries are large, and the filter visits hundreds to thousands of them per measurement), with
/// what it computed for the entry and may reuse. Rebuilt from the entry whenever it changes.
#[derive(Debug, Clone, Copy)]
struct Probe {
    sieve: Sieve,
    epoch_offset_ns: i64,
    search: Search,
    /// Whether the phase check applies ([`phase::usable`]).
    phased: bool,
    /// Orbit normal at a tick (computed when first needed that tick).
    normal: (u64, Vec3),
    /// Predicted TEME position at a tick (computed when first needed that tick: tracks of one tick
    /// meet many of the same candidates).
    position: (u64, Option<Vec3>),
    /// Phase reference, renewed when stale.
    phase: Option<Phase>,
    /// Tick the index last made (or tried to make) a reference for the entry (`u64::MAX`: never).
    tried: u64,
}

impl Probe {
    /// See [`Index::may_explain`] (`e`: the entry of this probe).
    fn may_explain(&mut self, e: &Entry, m: &Meas, los: (Vec3, Vec3), clock: &crate::time::Clock) -> bool {
        let tick = m.tick;
        if self.normal.0 != tick {
            self.normal = (tick, self.sieve.normal(minutes_at(self.epoch_offset_ns, clock, tick)));
        }
        let h = self.normal.1;
        if !self.sieve.may_meet(h, los.0, los.1, m.range_km, self.search.margin_km) {
            return false;
        }
        let search_km = self.search.km(clock, tick);
        let cached = &mut self.position;
        let mut position = || {
            if cached.0 != tick {
                *cached = (tick, e.state_at(clock, tick).map(|(r, _)| r));
            }
            cached.1
        };
        if self.phased {
            let tick_s = clock.tick_s as f64;
            let fresh = self
                .phase
                .filter(|f| tick.abs_diff(f.tick) as f64 * tick_s <= phase::MAX_AGE_S);
            let reference = fresh.or_else(|| position().and_then(|r| Phase::of(e, h, r, tick, clock)));
            if let Some(f) = reference {
                self.phase = Some(f);
                if !f.may_match(h, los, m.range_km, search_km, tick, tick_s) {
                    debug_assert!(!e.may_explain(m, los, h, clock), "the phase check dropped a candidate");
                    return false;
                }
            }
        }
        position().is_some_and(|r| near(m, los, r, search_km))
    }

    fn of(e: &Entry) -> Probe {
        Probe {
            sieve: e.sieve,
            epoch_offset_ns: e.epoch_offset_ns,
            search: Search::of(e),
            phased: phase::usable(e),
            normal: (u64::MAX, [0.0; 3]),
            position: (u64::MAX, None),
            phase: None,
            tried: u64::MAX,
        }
    }
}

/// Node-drift chord rate of an orbit normal, per minute.
fn drift_rate(s: &Sieve) -> f64 {
    s.incl_sin_cos.0 * s.raan_dot.abs()
}

/// The shell of radius `r_km`.
fn shell_of(r_km: f64) -> usize {
    SHELL_EDGES_KM[1..SHELLS].partition_point(|&e| e <= r_km)
}

/// The shells (first, last) meeting the radius band of an orbit widened by [`SIEVE_MARGIN_KM`]:
/// every point at which [`Sieve::may_meet`] can pass the orbit lies in one of them.
fn shells_of(s: &Sieve) -> (usize, usize) {
    let (lo, hi) = (s.rp_km - SIEVE_MARGIN_KM, s.ra_km + SIEVE_MARGIN_KM);
    if !(lo.is_finite() && hi.is_finite()) {
        return (0, SHELLS - 1);
    }
    let inner = &SHELL_EDGES_KM[1..SHELLS];
    (
        inner.partition_point(|&e| e < lo),
        inner.partition_point(|&e| e <= hi.max(lo)),
    )
}

/// The parts of the ray from `site` along unit `d` (TEME km) in each shell, beyond its closest
/// approach to the Earth's centre (what [`Sieve::may_meet`] looks at; from a ground site, all of
/// it above the horizon): the shell, the unit directions of the part's ends (the far one `d` when
/// the part is unbounded) and its smallest radius (the radius grows along it). A part's points
/// lie in the plane of the origin, `site` and `d`, so their directions sweep the great-circle arc
/// between the two ends, shorter than π (the line misses the origin).
fn ray_parts(site: Vec3, d: Vec3) -> Vec<(usize, [Vec3; 2], f64)> {
    let (b, ss) = (dot(site, d), dot(site, site));
    let at = |t: f64| [site[0] + t * d[0], site[1] + t * d[1], site[2] + t * d[2]];
    let unit = |p: Vec3| {
        let r = norm(p);
        [p[0] / r, p[1] / r, p[2] / r]
    };
    let t0 = (-b).max(0.0);
    let r0 = norm(at(t0));
    // Where the outward part reaches radius r.
    let reach = |r: f64| if r <= r0 { t0 } else { -b + (b * b - ss + r * r).sqrt() };
    (shell_of(r0)..SHELLS)
        .map(|k| {
            let ta = reach(SHELL_EDGES_KM[k]);
            let far = if k + 1 < SHELLS {
                unit(at(reach(SHELL_EDGES_KM[k + 1])))
            } else {
                d
            };
            (k, [unit(at(ta)), far], norm(at(ta)))
        })
        .collect()
}

/// Entries picked by a query, as a bit set.
struct Marks(Vec<u64>);

impl Marks {
    fn new(entries: usize) -> Marks {
        Marks(vec![0; entries.div_ceil(64)])
    }

    fn set(&mut self, i: u32) {
        self.0[(i / 64) as usize] |= 1 << (i % 64);
    }

    /// The marked entries, ascending.
    fn into_sorted(self) -> Vec<usize> {
        let mut out = Vec::new();
        for (w, &bits) in self.0.iter().enumerate() {
            let mut b = bits;
            while b != 0 {
                out.push(w * 64 + b.trailing_zeros() as usize);
                b &= b - 1;
            }
        }
        out
    }
}

impl Index {
    fn cell(h: Vec3) -> usize {
        let lat = h[2].clamp(-1.0, 1.0).asin().to_degrees() + 90.0;
        let lon = h[1].atan2(h[0]).to_degrees().rem_euclid(360.0);
        let (i, j) = (
            ((lat / CELL_DEG) as usize).min(LAT_BINS - 1),
            ((lon / CELL_DEG) as usize).min(LON_BINS - 1),
        );
        i * LON_BINS + j
    }

    /// Whether a measurement (`m`, its line of sight `los`) can belong to entry `i` (`e`) at all:
    /// exactly [`Entry::may_explain`] (the plane and radius sieve, then the prediction within
    /// [`Entry::search_km`]), with the phase check (see [`phase`]) before the propagation.
    #[cfg(test)]
    pub(super) fn may_explain(
        &mut self,
        i: usize,
        e: &Entry,
        m: &Meas,
        los: (Vec3, Vec3),
        clock: &crate::time::Clock,
    ) -> bool {
        self.probes[i].may_explain(e, m, los, clock)
    }

    /// The entries of `pool` (ascending) that [`Index::may_explain`] passes, in order. Large
    /// pools are split in halves filtered on the run's worker pool (each entry's probe is its
    /// own: the result does not depend on the split).
    pub(super) fn candidates(
        &mut self,
        pool: &[usize],
        entries: &[Entry],
        m: &Meas,
        los: (Vec3, Vec3),
        clock: &crate::time::Clock,
    ) -> Vec<usize> {
        /// Pools at most this large are filtered on one thread.
        const SERIAL: usize = 192;
        fn go(
            probes: &mut [Probe],
            first: usize,
            pool: &[usize],
            entries: &[Entry],
            (m, los, clock): (&Meas, (Vec3, Vec3), &crate::time::Clock),
        ) -> Vec<usize> {
            if pool.len() <= SERIAL {
                return pool
                    .iter()
                    .copied()
                    .filter(|&i| probes[i - first].may_explain(&entries[i], m, los, clock))
                    .collect();
            }
            let (left, right) = pool.split_at(pool.len() / 2);
            let (lo, hi) = probes.split_at_mut(right[0] - first);
            let (mut a, b) = rayon::join(
                || go(lo, first, left, entries, (m, los, clock)),
                || go(hi, right[0], right, entries, (m, los, clock)),
            );
            a.extend(b);
            a
        }
        debug_assert!(pool.windows(2).all(|w| w[0] < w[1]));
        go(&mut self.probes, 0, pool, entries, (m, los, clock))
    }

    /// Notes that entry `i` changed or was added (the exchange calls this after every change).
    pub fn touched(&mut self, i: usize, e: &Entry, clock: &crate::time::Clock) {
        if let Some(p) = self.probes.get_mut(i) {
            *p = Probe::of(e);
        }
        if let Some(w) = self.stale.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
        let moved = match (self.normals_at_build.get(i), self.built) {
            (Some(h), Some(t)) => {
                norm(sub(e.sieve.normal(e.minutes_at(clock, t)), *h)) > NORMAL_SLACK || self.outgrown(i, e)
            }
            _ => true,
        };
        if moved {
            self.note_moved(i);
        }
    }

    /// Searches entry `i` for every measurement until the next build (which it forces when too
    /// many are).
    fn note_moved(&mut self, i: usize) {
        if !self.moved.contains(&(i as u32)) {
            self.moved.push(i as u32);
        }
        self.dirty |= self.moved.len() > MOVED_MAX;
    }

    /// Whether entry `i` (registered in shells at the build) left what its registration covers: its band
    /// widened by its margin meets a shell it is not in, or its node drifts faster than a bound.
    fn outgrown(&self, i: usize, e: &Entry) -> bool {
        let Some(&Some((first, last))) = self.shells_at_build.get(i) else {
            return false;
        };
        let (a, b) = shells_of(&e.sieve);
        let rate = drift_rate(&e.sieve);
        e.sieve_margin_km() > SIEVE_MARGIN_KM
            || a < usize::from(first)
            || b > usize::from(last)
            || (a..=b).any(|k| rate > self.drift_per_min[k])
    }

    /// Rebuilds the index when an entry was added or moved, or the window passed.
    pub fn refresh(&mut self, entries: &[Entry], clock: &crate::time::Clock, tick: u64) {
        let window_ticks = (INDEX_WINDOW_MIN * 60.0 / clock.tick_s as f64) as u64;
        // Entries added since the build are searched always, until too many are.
        if let Some(built) = self.built {
            for i in self.normals_at_build.len()..entries.len() {
                let e = &entries[i];
                self.probes.push(Probe::of(e));
                self.normals_at_build.push(e.sieve.normal(e.minutes_at(clock, built)));
                self.shells_at_build.push(None);
                self.stale.resize(entries.len().div_ceil(64), 0);
                self.note_moved(i);
            }
        }
        // Measurements older than the build (partners' products) widen the tolerance instead.
        let stale = self.dirty || self.built.is_none_or(|t| tick > t + window_ticks);
        if !stale {
            return;
        }
        self.dirty = false;
        self.moved.clear();
        self.built = Some(tick);
        // Probes of unchanged entries stay (their phases age by time; `touched` rebuilds a changed
        // entry's).
        let known = self.probes.len();
        self.probes.extend(entries[known..].iter().map(Probe::of));
        self.normals_at_build = entries
            .iter()
            .map(|e| e.sieve.normal(e.minutes_at(clock, tick)))
            .collect();
        self.shells_at_build = entries
            .iter()
            .zip(&self.normals_at_build)
            .map(|(e, h)| {
                let finite = h.iter().chain([&e.sieve.rp_km, &e.sieve.ra_km]).all(|x| x.is_finite());
                let (a, b) = shells_of(&e.sieve);
                (finite && !e.tentative).then_some((a as u8, b as u8))
            })
            .collect();
        self.always = (0..entries.len() as u32)
            .filter(|&i| self.shells_at_build[i as usize].is_none())
            .collect();
        self.stale = vec![0; entries.len().div_ceil(64)];
        self.renew_phases(entries, clock, tick);
        self.build_cells(entries, clock, tick);
    }

    /// Makes phase references at `tick` for the entries whose newest (or last attempt) is older
    /// than half [`PHASE_MAX_AGE_S`], on the run's worker pool (three propagations each; each
    /// entry's own, so the result does not depend on the split).
    fn renew_phases(&mut self, entries: &[Entry], clock: &crate::time::Clock, tick: u64) {
        use rayon::prelude::*;
        let tick_s = clock.tick_s as f64;
        let old = |t: u64| t == u64::MAX || tick.abs_diff(t) as f64 * tick_s > 0.5 * PHASE_MAX_AGE_S;
        self.probes
            .par_iter_mut()
            .zip(entries)
            .zip(&self.normals_at_build)
            .filter(|((p, _), _)| p.phased && old(p.phase.map_or(p.tried, |f| f.tick)) && old(p.tried))
            .for_each(|((p, e), &h)| {
                p.tried = tick;
                if let Some(f) = e
                    .state_at(clock, tick)
                    .and_then(|(r, _)| Phase::of(e, h, r, tick, clock))
                {
                    p.phase = Some(f);
                }
            });
    }

    /// The phase of entry `i` in cell `cell` at the build `tick` (see [`Item`]): none without a
    /// usable reference from its probe no older than [`PHASE_MAX_AGE_S`], or when its bound is
    /// too wide to filter anything.
    fn item_phase(&self, i: usize, cell: usize, tick: u64, clock: &crate::time::Clock) -> Option<(f32, f32, f32)> {
        let p = &self.probes[i];
        let f = p.phase.filter(|_| p.phased)?;
        let tick_s = clock.tick_s as f64;
        let since_ref_s = (tick as f64 - f.tick as f64) * tick_s;
        let window_s = INDEX_WINDOW_MIN * 60.0;
        if since_ref_s.abs() > PHASE_MAX_AGE_S {
            return None;
        }
        // The widest search radius in the window (it grows with time), with the osculating slop.
        let end = tick + (window_s / tick_s) as u64;
        let s = p.search.km(clock, end) + phase::SLOP_KM;
        let a_min = f.inner_km();
        let drift = drift_rate(&p.sieve) * INDEX_WINDOW_MIN;
        if !(s < 0.5 * a_min && s / (a_min - s) + CELL_CHORD + drift <= RAY_BAND) {
            return None;
        }
        let basis = phase::basis(self.normals_at_build[i])?;
        let u = f.advance(since_ref_s);
        let q: Vec3 = std::array::from_fn(|k| u.cos() * basis.0[k] + u.sin() * basis.1[k]);
        let (_, n, w) = centre(cell);
        let alpha = dot(q, w).atan2(dot(q, n));
        // The model's error at the farther end of the window, the node's turn about the pole in
        // the window, the projection's distortion between the entry's plane and the cell's
        // (within CELL_CHORD: at most chord² / 2), the acceleration left out of the rate, and the
        // search radius's angle; then rounding.
        let err = f.error((since_ref_s - window_s).abs().max((since_ref_s + window_s).abs()));
        let tol = PROJECTION * ((s / a_min).asin() + err + p.sieve.raan_dot.abs() * INDEX_WINDOW_MIN)
            + 0.5 * CELL_CHORD * CELL_CHORD
            + 0.5 * f.accel().abs() * window_s * window_s
            + 1e-3;
        (tol < 1.0).then_some((alpha as f32, f.rate_at(since_ref_s) as f32, tol as f32))
    }

    /// Registers each catalogued entry in the cell of its normal in each of its shells.
    fn build_cells(&mut self, entries: &[Entry], clock: &crate::time::Clock, tick: u64) {
        let cells: Vec<usize> = self.normals_at_build.iter().map(|&h| Self::cell(h)).collect();
        let phases: Vec<Option<(f32, f32, f32)>> = (0..entries.len())
            .map(|i| self.item_phase(i, cells[i], tick, clock))
            .collect();
        let cells = &cells;
        let slots = |i: usize| {
            let (a, b) = self.shells_at_build[i].map_or((1, 0), |(a, b)| (usize::from(a), usize::from(b)));
            (a..=b).map(move |k| (k, k * CELLS + cells[i]))
        };
        let mut starts = vec![0u32; SHELLS * CELLS + 1];
        let mut drift = [0.0f64; SHELLS];
        for (i, e) in entries.iter().enumerate() {
            for (k, s) in slots(i) {
                starts[s + 1] += 1;
                drift[k] = drift[k].max(drift_rate(&e.sieve) * DRIFT_HEADROOM);
            }
        }
        for s in 1..starts.len() {
            starts[s] += starts[s - 1];
        }
        let mut next = starts.clone();
        let blank = Item {
            entry: 0,
            alpha: 0.0,
            rate: 0.0,
            tol: f32::INFINITY,
        };
        let mut items = vec![blank; starts[SHELLS * CELLS] as usize];
        for (i, phase) in phases.iter().enumerate() {
            let (alpha, rate, tol) = phase.unwrap_or((0.0, 0.0, f32::INFINITY));
            for (_, s) in slots(i) {
                items[next[s] as usize] = Item {
                    entry: i as u32,
                    alpha,
                    rate,
                    tol,
                };
                next[s] += 1;
            }
        }
        (self.starts, self.items, self.drift_per_min) = (starts, items, drift);
    }

    /// The tolerance on |c·u| for the cell centres c of shell `k`: `margin_km` subtended at
    /// `r_km`, the node drift since the build, the cell size and the update slack.
    fn tolerance(&self, k: usize, margin_km: f64, r_km: f64, tick: u64, clock: &crate::time::Clock) -> f64 {
        let since_min = self.built.map_or(0, |b| b.abs_diff(tick)) as f64 * clock.tick_s as f64 / 60.0;
        margin_km / r_km + self.drift_per_min[k] * since_min + CELL_CHORD + NORMAL_SLACK
    }

    /// Entries whose orbit plane may pass within `margin_km` of the point `p` (TEME km) with `p`
    /// in their radius band widened by the margin, and those searched always; ascending. The
    /// plane can only when |h·p̂| ≤ margin/|p|: just the shell of |p| and, in it, the cells near
    /// the great circle of normals perpendicular to p̂ (a few per cent of them).
    pub(super) fn near_plane(&mut self, p: Vec3, margin_km: f64, tick: u64, clock: &crate::time::Clock) -> Vec<usize> {
        let r = norm(p);
        let u = [p[0] / r, p[1] / r, p[2] / r];
        let k = shell_of(r);
        let mut marks = Marks::new(self.normals_at_build.len());
        let mut query = self.query(Seen::Point(u), tick, clock);
        self.mark_arc(
            k,
            [u, u],
            self.tolerance(k, margin_km, r, tick, clock),
            &mut query,
            &mut marks,
        );
        self.memo = query.memo;
        self.with_always(marks)
    }

    /// The pool of a measurement `m` with line of sight (`site`, unit `d`): [`Index::near_plane`]
    /// of its point (radar) or [`Index::along_ray`] (angles only).
    pub(super) fn pool(&mut self, m: &Meas, (site, d): (Vec3, Vec3), clock: &crate::time::Clock) -> Vec<usize> {
        match m.range_km {
            Some(rho) => {
                let p = [site[0] + rho * d[0], site[1] + rho * d[1], site[2] + rho * d[2]];
                self.near_plane(p, SIEVE_MARGIN_KM, m.tick, clock)
            }
            None => self.along_ray(site, d, SIEVE_MARGIN_KM, m.tick, clock),
        }
    }

    /// A query at `tick`: phase-filtered within the window either side of the build (older
    /// measurements, partners' products, are not).
    fn query(&mut self, seen: Seen, tick: u64, clock: &crate::time::Clock) -> Query {
        let window_ticks = (INDEX_WINDOW_MIN * 60.0 / clock.tick_s as f64) as u64;
        let since_s = self
            .built
            .filter(|&b| tick.abs_diff(b) <= window_ticks)
            .map(|b| (tick as f64 - b as f64) * clock.tick_s as f64);
        let mut memo = std::mem::take(&mut self.memo);
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 || memo.len() != CELLS {
            memo = vec![(0, 0.0, 0.0); CELLS];
            self.stamp = 1;
        }
        Query {
            seen,
            since_s,
            memo,
            stamp: self.stamp,
        }
    }

    /// Entries whose orbit the ray from `site` along unit `d` (TEME km) may meet in the sense of
    /// [`Sieve::may_meet`] (a point of its outward part within `margin_km` of the plane at a
    /// radius in the band widened by the margin), and those searched always; ascending. Per
    /// shell, the ray's part there subtends an arc of directions; a normal h can pass only when
    /// |h·u| ≤ margin / (the part's smallest radius) for some u on it.
    pub(super) fn along_ray(
        &mut self,
        site: Vec3,
        d: Vec3,
        margin_km: f64,
        tick: u64,
        clock: &crate::time::Clock,
    ) -> Vec<usize> {
        let mut marks = Marks::new(self.normals_at_build.len());
        let mut query = self.query(arc_of(site, d), tick, clock);
        for (k, ends, r_low) in ray_parts(site, d) {
            self.mark_arc(
                k,
                ends,
                self.tolerance(k, margin_km, r_low, tick, clock),
                &mut query,
                &mut marks,
            );
        }
        self.memo = query.memo;
        self.with_always(marks)
    }

    fn with_always(&self, mut marks: Marks) -> Vec<usize> {
        for &i in self.always.iter().chain(&self.moved) {
            marks.set(i);
        }
        marks.into_sorted()
    }

    /// Marks the entries of shell `k` in the cells whose centre c has |c·u| ≤ `t` for some unit
    /// u on the great-circle arc from `u1` to `u2` (shorter than π). Along such an arc c·u is a
    /// sinusoid over less than half its period, so it stays above t (below −t) throughout exactly
    /// when it does at both ends: c passes unless c·u1 and c·u2 are both > t or both < −t. Along a
    /// row of cells, c·u_j = a_j cos(λ − α_j) + b_j; the longitudes where one equals ±t cut the
    /// row into arcs on which the test is constant, decided at their midpoints.
    fn mark_arc(&self, k: usize, [u1, u2]: [Vec3; 2], t: f64, query: &mut Query, marks: &mut Marks) {
        // A point (radar) has one end: its cuts need not be found twice.
        let ends = &[u1, u2][..if u1 == u2 { 1 } else { 2 }];
        let polar = [u1, u2].map(|u| (u[0].hypot(u[1]), u[1].atan2(u[0])));
        for (i, &(sl, cl)) in ROWS.iter().enumerate() {
            let row = k * CELLS + i * LON_BINS;
            if self.starts[row] == self.starts[row + LON_BINS] {
                continue;
            }
            let pass = |lam: f64| {
                let (s, c) = lam.sin_cos();
                let v = [u1, u2].map(|u| cl * (u[0] * c + u[1] * s) + sl * u[2]);
                !((v[0] > t && v[1] > t) || (v[0] < -t && v[1] < -t))
            };
            let (mut cuts, mut n) = ([0.0; 8], 0);
            for (u, &(rho, alpha)) in ends.iter().zip(&polar) {
                for level in [t, -t] {
                    let x = (level - sl * u[2]) / (cl * rho);
                    if x.abs() <= 1.0 {
                        let w = x.acos();
                        cuts[n] = (alpha + w).rem_euclid(TAU);
                        cuts[n + 1] = (alpha - w).rem_euclid(TAU);
                        n += 2;
                    }
                }
            }
            if n == 0 {
                if pass(0.0) {
                    self.mark_lons(row, 0.0, TAU, query, marks);
                }
                continue;
            }
            let cuts = &mut cuts[..n];
            cuts.sort_unstable_by(f64::total_cmp);
            for j in 0..n {
                let (from, to) = (cuts[j], if j + 1 < n { cuts[j + 1] } else { cuts[0] + TAU });
                if pass(0.5 * (from + to)) {
                    self.mark_lons(row, from, to, query, marks);
                }
            }
        }
    }

    /// Marks the entries of the cells of a row (from index `row` of `starts`) whose centre
    /// longitude lies in [`from`, `to`] (radians, `from` in [0, 2π), `to` at most 2π above it).
    /// Those whose phase may match the query's (see [`Item`]), and all without one.
    fn mark_lons(&self, row: usize, from: f64, to: f64, query: &mut Query, marks: &mut Marks) {
        let w = CELL_DEG.to_radians();
        let (first, last) = ((from / w - 0.5).ceil() as i64, (to / w - 0.5).floor() as i64);
        for j in first..=last.min(first + LON_BINS as i64 - 1) {
            let s = row + j.rem_euclid(LON_BINS as i64) as usize;
            let items = &self.items[self.starts[s] as usize..self.starts[s + 1] as usize];
            if items.is_empty() {
                continue;
            }
            let filter = query
                .since_s
                .and_then(|since| query.angles(s % CELLS).map(|(mid, half)| (since, mid, half)));
            let Some((since, mid, half)) = filter else {
                items.iter().for_each(|it| marks.set(it.entry));
                continue;
            };
            for it in items {
                let stale = self.stale[(it.entry / 64) as usize] & (1 << (it.entry % 64)) != 0;
                // Within π of zero (rounding, not `rem_euclid`: this runs per entry).
                let ahead = f64::from(it.alpha) + f64::from(it.rate) * since - mid;
                let ahead = ahead - TAU * (ahead / TAU).round();
                if stale || ahead.abs() <= half + f64::from(it.tol) {
                    marks.set(it.entry);
                }
            }
        }
    }
}

/// The centre c of a cell (an orbit normal) and the basis (n, w) of the plane perpendicular to
/// it: n along ẑ × c, w = c × n.
fn centre(cell: usize) -> (Vec3, Vec3, Vec3) {
    let ((sl, cl), (so, co)) = (ROWS[cell / LON_BINS], LONS[cell % LON_BINS]);
    ([cl * co, cl * so, sl], [-so, co, 0.0], [-sl * co, -sl * so, cl])
}

/// Angle of the projection of `v` on the plane of basis (n, w).
fn angle_in(v: Vec3, n: Vec3, w: Vec3) -> f64 {
    dot(v, w).atan2(dot(v, n))
}

/// The measured directions of a query as seen in the plane of basis (`n`, `w`) (normal c = n × w):
/// the middle and half-width of an interval holding the angles of the projections of those within
/// [`RAY_BAND`] of the plane; None when not bounded so.
fn angles(seen: Seen, n: Vec3, w: Vec3) -> Option<(f64, f64)> {
    let (mid, normal, span) = match seen {
        Seen::Point(p) => return Some((angle_in(p, n, w), 0.0)),
        Seen::Arc { mid, normal, span } => (mid, normal, span),
        Seen::Any => return None,
    };
    // The arc's great circle crosses the plane at ±x; along it |c·u| = r |sin(distance from x)|,
    // so the directions within the band are within asin(band / r) ≤ band / sqrt(r² − band²) of
    // one crossing: the one on the arc's side (the arc lies within span / 2 of its middle).
    let x = cross(normal, cross(n, w));
    let r = norm(x);
    let (t, rr) = (RAY_BAND, r * r - RAY_BAND * RAY_BAND);
    if rr <= 0.0 {
        return None;
    }
    let reach = t / rr.sqrt();
    if 0.5 * span + reach >= 0.49 * PI {
        return None;
    }
    let x = if dot(x, mid) >= 0.0 { x } else { x.map(|v| -v) };
    // Within the band the projection's angle turns at most 1 / cos²(band) as fast as the arc.
    Some((angle_in(x, n, w), PROJECTION * reach))
}

/// The directions from the origin of the points of the ray from `site` along unit `d`: the arc
/// from the site's direction towards `d` (see [`Seen::Arc`]).
fn arc_of(site: Vec3, d: Vec3) -> Seen {
    let r = norm(site);
    let from: Vec3 = site.map(|x| x / r);
    let cos_span = dot(from, d).clamp(-1.0, 1.0);
    let span = cos_span.acos();
    let normal = cross(from, d);
    let len = norm(normal);
    if len < 1e-9 {
        // Straight up (a point), or through the origin (no filter).
        return if cos_span > 0.0 { Seen::Point(from) } else { Seen::Any };
    }
    let mid = std::array::from_fn(|k| from[k] + d[k]);
    let mid_len = norm(mid);
    Seen::Arc {
        mid: mid.map(|x| x / mid_len),
        normal: normal.map(|x| x / len),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::score::TrueSat;
    use crate::frames::cross;
    use crate::frames::sub;
    use crate::od;

    /// Tick of the index build (about 2 days after the epoch, at 10 s).
    const BUILD_TICK: u64 = 16_000;
    /// Random measurements per check.
    const QUERIES: usize = 400;

    /// A clock whose build tick is the epoch of the elements (so a changed node rate does not
    /// move a normal at the build: only the band check notices a changed orbit size).
    fn clock() -> crate::time::Clock {
        crate::time::Clock {
            epoch: crate::testutil::iss().datetime - chrono::TimeDelta::seconds(10 * BUILD_TICK as i64),
            tick_s: 10,
            ticks: 100_000,
        }
    }

    /// Elements of an orbit with perigee and apogee radii `rp`, `ra` (km) in a random plane.
    fn orbit(rp: f64, ra: f64, incl_deg: f64, u: &mut impl FnMut() -> f64) -> sgp4::Elements {
        let a = 0.5 * (rp + ra);
        let mut el = crate::testutil::iss();
        el.eccentricity = (ra - rp) / (ra + rp);
        el.mean_motion = (crate::orbit::MU_KM3_S2 / a.powi(3)).sqrt() * 86_400.0 / TAU;
        el.inclination = incl_deg;
        el.right_ascension = 360.0 * u();
        el.argument_of_perigee = 360.0 * u();
        el.mean_anomaly = 360.0 * u();
        el
    }

    /// A catalog of LEO, MEO, GEO, Molniya and GTO orbits in random planes (some equatorial,
    /// polar or retrograde), some of them tentative.
    fn catalog(n: usize, clock: &crate::time::Clock) -> Vec<Entry> {
        let mut u = crate::testutil::uniforms(7);
        let mut out = Vec::new();
        while out.len() < n {
            let incl = match (6.0 * u()) as u32 {
                0 => 0.0,
                1 => 90.0,
                2 => 97.0 + 3.0 * u(),
                _ => 180.0 * u(),
            };
            let el = match (10.0 * u()) as u32 {
                0..=5 => {
                    let rp = 6550.0 + 1500.0 * u();
                    orbit(rp, rp + 400.0 * u() * u(), incl, &mut u)
                }
                6 => orbit(26_000.0 + 1000.0 * u(), 26_600.0 + 1000.0 * u(), incl, &mut u),
                7 => orbit(42_100.0 + 50.0 * u(), 42_180.0 + 50.0 * u(), 15.0 * u() * u(), &mut u),
                8 => orbit(6_800.0 + 500.0 * u(), 46_000.0 + 2000.0 * u(), 63.4, &mut u),
                _ => orbit(6_600.0 + 500.0 * u(), 42_164.0, 30.0 * u(), &mut u),
            };
            let cov = od::Mat6::identity() * 1e-6;
            if let Some(mut e) = Entry::new(
                (TrueSat::of(out.len() as u32), out.len() as u32),
                &el,
                od::mean_of(&el),
                cov,
                clock,
            ) {
                e.tentative = u() < 0.02;
                out.push(e);
            }
        }
        out
    }

    /// A site on the Earth and a unit line of sight from it (zenith, near or just below the
    /// geocentric horizon, or anywhere above it), TEME km; or, to cover lines of sight that dip
    /// through shells, a site up to 1600 km high looking anywhere down to 40 degrees below.
    fn ray(u: &mut impl FnMut() -> f64) -> (Vec3, Vec3) {
        let (z, lon) = (2.0 * u() - 1.0, TAU * u());
        let up = [(1.0 - z * z).sqrt() * lon.cos(), (1.0 - z * z).sqrt() * lon.sin(), z];
        let east = cross([0.0, 0.0, 1.0], up);
        let east = east.map(|x| x / norm(east));
        let north = cross(up, east);
        let (r, el): (f64, f64) = match (10.0 * u()) as u32 {
            0 => (6357.0 + 25.0 * u(), 90.0),
            1 | 2 => (6357.0 + 25.0 * u(), -0.3 + 1.3 * u()),
            3 => (6378.0 + 1600.0 * u(), -40.0 + 130.0 * u()),
            _ => (6357.0 + 25.0 * u(), u().asin().to_degrees()),
        };
        let (el, az) = (el.to_radians(), TAU * u());
        let d = std::array::from_fn(|k| el.cos() * (az.sin() * east[k] + az.cos() * north[k]) + el.sin() * up[k]);
        (up.map(|x| x * r), d)
    }

    /// Checks both queries against the sieve and the propagation for random measurements;
    /// returns the mean size of the angles-only pools within the window of the build and the mean
    /// count the sieve passes.
    fn check_superset(entries: &[Entry], index: &mut Index, clock: &crate::time::Clock, seed: u64) -> (f64, f64) {
        let mut u = crate::testutil::uniforms(seed);
        let (mut pooled, mut met, mut within) = (0, 0, 0);
        for _ in 0..QUERIES {
            let (site, d) = ray(&mut u);
            // Within the window of the build, or (partners' products) up to days before it.
            let offset = if u() < 0.7 {
                360.0 * (2.0 * u() - 1.0)
            } else {
                -(BUILD_TICK as f64) * u()
            };
            let tick = (BUILD_TICK as f64 + offset).round() as u64;
            let range_km = 200.0 + 45_000.0 * u() * u();
            for range in [None, Some(range_km)] {
                let m = meas(tick, range);
                let pool = index.pool(&m, (site, d), clock);
                for (i, e) in entries.iter().enumerate() {
                    let h = e.sieve.normal(e.minutes_at(clock, tick));
                    let may = e.sieve.may_meet(h, site, d, range, e.sieve_margin_km());
                    met += usize::from(may && range.is_none());
                    // Sieve-passers the phase filter dropped are far from their predictions.
                    let near = may && e.may_explain(&m, (site, d), h, clock);
                    assert!(
                        !(near || e.tentative) || pool.binary_search(&i).is_ok(),
                        "entry {i} ({:?}) dropped for site {site:?}, line of sight {d:?}, range {range:?}, tick {tick}",
                        e.sieve
                    );
                }
                if range.is_none() && offset.abs() <= 360.0 {
                    (pooled, within) = (pooled + pool.len(), within + 1);
                }
            }
        }
        (pooled as f64 / within as f64, met as f64 / QUERIES as f64)
    }

    #[test]
    fn queries_keep_every_entry_the_sieve_may_pass() {
        let clock = clock();
        let mut entries = catalog(3000, &clock);
        // Entries whose band or plane is not finite (the sieve may pass them) are always searched.
        entries[1].sieve.rp_km = f64::NAN;
        entries[2].sieve.raan_dot = f64::NAN;
        let mut index = Index::default();
        index.refresh(&entries, &clock, BUILD_TICK);
        let (pool, met) = check_superset(&entries, &mut index, &clock, 11);
        println!(
            "angles only: mean pool {pool:.0}, sieve passes {met:.0}, of {}",
            entries.len()
        );
        // The rays do meet orbits (the check is not vacuous), and the pools are small.
        assert!(met > 30.0, "{met}");
        assert!(pool < 0.2 * entries.len() as f64, "{pool}");
        // A few updates moving bands across shells, and an added entry: searched for every
        // measurement until the next build, which they do not force.
        let mut u = crate::testutil::uniforms(5);
        for i in (0..entries.len()).step_by(100) {
            let mut x = entries[i].x;
            x[0] += 300.0 * (2.0 * u() - 1.0);
            let cov = entries[i].cov;
            if entries[i].set(x, cov) {
                index.touched(i, &entries[i], &clock);
            }
        }
        entries.extend(catalog(entries.len() + 1, &clock).pop());
        index.touched(entries.len() - 1, &entries[entries.len() - 1], &clock);
        index.refresh(&entries, &clock, BUILD_TICK + 1);
        assert!(!index.dirty && index.built == Some(BUILD_TICK), "rebuilt");
        assert!(index.moved.len() > 10 && index.moved.contains(&(entries.len() as u32 - 1)));
        check_superset(&entries, &mut index, &clock, 13);
        // Measurements of the moved entries find them.
        for &i in &index.moved.clone() {
            let e = &entries[i as usize];
            for radar in [true, false] {
                let tick = BUILD_TICK + (u() * 300.0) as u64;
                let Some((m, (site, d))) = measurement_near(e, tick, 0.5, radar, &clock, &mut u) else {
                    continue;
                };
                let pool = index.pool(&m, (site, d), &clock);
                assert!(pool.binary_search(&(i as usize)).is_ok(), "moved entry {i} dropped");
            }
        }
        // Many updates after the build: the index is rebuilt.
        for i in (0..entries.len()).step_by(7) {
            let mut x = entries[i].x;
            x[0] += 300.0 * (2.0 * u() - 1.0);
            let cov = entries[i].cov;
            if entries[i].set(x, cov) {
                index.touched(i, &entries[i], &clock);
            }
        }
        assert!(index.dirty);
        index.refresh(&entries, &clock, BUILD_TICK);
        assert!(index.moved.is_empty());
        check_superset(&entries, &mut index, &clock, 12);
    }

    /// A measurement at `tick` with `range_km` if radar (the filter reads only these and the line
    /// of sight).
    fn meas(tick: u64, range_km: Option<f64>) -> Meas {
        Meas {
            tick,
            sensor: 0,
            range_km,
            az_deg: 0.0,
            el_deg: 0.0,
            sigma_range_km: 0.0,
            sigma_az_deg: 0.0,
            sigma_el_deg: 0.0,
        }
    }

    /// A measurement of `e` at `tick`: a point (radar) or a line of sight (angles only) from a
    /// random site, `miss` times the entry's search radius from its prediction in a random
    /// direction; None when the entry does not propagate or the site would be inside the offset.
    fn measurement_near(
        e: &Entry,
        tick: u64,
        miss: f64,
        radar: bool,
        clock: &crate::time::Clock,
        u: &mut impl FnMut() -> f64,
    ) -> Option<(Meas, (Vec3, Vec3))> {
        let (r, _) = e.state_at(clock, tick)?;
        let (z, lon) = (2.0 * u() - 1.0, TAU * u());
        let off = [(1.0 - z * z).sqrt() * lon.cos(), (1.0 - z * z).sqrt() * lon.sin(), z];
        let k = miss * e.search_km(clock, tick);
        let target: Vec3 = std::array::from_fn(|i| r[i] + k * off[i]);
        // A site on the Earth below the target, up to about 60 degrees of central angle away.
        let (site, _) = ray(u);
        let site = if dot(site, target) > 0.0 {
            site
        } else {
            site.map(|x| -x)
        };
        let los = sub(target, site);
        let range = norm(los);
        let d = los.map(|x| x / range);
        let m = meas(tick, radar.then_some(range));
        Some((m, (site, d)))
    }

    /// The phase check never drops a candidate `Entry::may_explain` accepts: measurements near
    /// and around the boundary of the search radius, of LEO (some with a strong drag term),
    /// MEO, GEO, Molniya and GTO entries, at ticks up to half an hour from the entry's phase
    /// reference and after it is renewed; and it is not vacuous: of the candidates the plane
    /// and radius sieve passes for random lines of sight, it rejects most.
    #[test]
    fn the_phase_check_keeps_every_candidate_the_propagation_would() {
        let clock = clock();
        let mut entries = catalog(600, &clock);
        let mut u = crate::testutil::uniforms(21);
        with_drag(&mut entries, &clock, &mut u);
        let mut index = Index::default();
        index.refresh(&entries, &clock, BUILD_TICK);
        let (mut accepted, mut kept) = (0, 0);
        for round in 0..6000 {
            let i = (u() * entries.len() as f64) as usize % entries.len();
            // Ticks spread over an hour around the build: references are made, aged, renewed.
            let tick = BUILD_TICK + (u() * 360.0) as u64 + round / 20;
            let miss = 1.3 * u();
            let Some((m, los)) = measurement_near(&entries[i], tick, miss, u() < 0.5, &clock, &mut u) else {
                continue;
            };
            let e = &entries[i];
            let h = e.sieve.normal(e.minutes_at(&clock, tick));
            if e.may_explain(&m, los, h, &clock) {
                accepted += 1;
                assert!(
                    index.may_explain(i, e, &m, los, &clock),
                    "entry {i} ({:?}) dropped at tick {tick}, miss {miss:.3} of its search radius",
                    e.sieve
                );
                kept += 1;
            }
        }
        println!("near measurements the propagation accepts: {accepted}, kept {kept}");
        assert!(accepted > 2000, "{accepted}");
        assert_eq!(kept, accepted);
        // Random lines of sight: the sieve passes many entries, the phase check alone few of them.
        let (mut sieved, mut phased, mut near) = (0usize, 0usize, 0usize);
        for _ in 0..200 {
            let (site, d) = ray(&mut u);
            let tick = BUILD_TICK + (u() * 180.0) as u64;
            let m = meas(tick, None);
            for (i, e) in entries.iter().enumerate() {
                let h = e.sieve.normal(e.minutes_at(&clock, tick));
                if e.sieve.may_meet(h, site, d, None, e.sieve_margin_km()) && phase::usable(e) {
                    sieved += 1;
                    // A reference 15 minutes old (none for an equatorial plane: no check).
                    let then = tick - 90;
                    let r = e.state_at(&clock, then).expect("propagates").0;
                    let h0 = e.sieve.normal(e.minutes_at(&clock, then));
                    let search_km = e.search_km(&clock, tick);
                    phased += usize::from(
                        Phase::of(e, h0, r, then, &clock)
                            .is_none_or(|p| p.may_match(h, (site, d), None, search_km, tick, 10.0)),
                    );
                    near += usize::from(index.may_explain(i, e, &m, (site, d), &clock));
                }
            }
        }
        println!("random lines of sight: the sieve passes {sieved}, the phase check {phased}, the propagation {near}");
        assert!(
            sieved > 1000 && phased * 3 < sieved && near <= phased,
            "{phased} of {sieved}"
        );
    }

    /// Entries with a strong drag term every fifth.
    fn with_drag(entries: &mut [Entry], clock: &crate::time::Clock, u: &mut impl FnMut() -> f64) {
        for i in (0..entries.len()).step_by(5) {
            let mut el = entries[i].template.clone();
            el.drag_term = 0.02 * u();
            let (x, cov) = (entries[i].x, entries[i].cov);
            entries[i] = Entry::new((TrueSat::of(i as u32), i as u32), &el, x, cov, clock).expect("valid");
        }
    }

    /// The queries' phase filter never drops an entry whose prediction is within its search
    /// radius of the measurement (what `Entry::may_explain` accepts): measurements near and
    /// around the boundary of the search radius of LEO (some with a strong drag term), MEO,
    /// GEO, Molniya and GTO entries, within the window either side of the build, with phase
    /// references made at the build and up to an hour before it, and entries touched (moved)
    /// since. And it is not vacuous: on random lines of sight and radar points it keeps a small
    /// part of what the plane and radius sieve passes.
    #[test]
    fn phased_queries_keep_every_entry_the_propagation_would() {
        let clock = clock();
        let mut u = crate::testutil::uniforms(31);
        let mut entries = catalog(3000, &clock);
        with_drag(&mut entries, &clock, &mut u);
        let mut index = Index::default();
        // References of three ages: an entry touched before a build gets a new one there.
        for (back, every) in [(350, 1), (100, 3), (0, 3)] {
            for i in (0..entries.len()).skip(back % every).step_by(every) {
                index.touched(i, &entries[i], &clock);
            }
            index.dirty = true;
            index.refresh(&entries, &clock, BUILD_TICK - back as u64);
        }
        // Updates after the build: the entries are stale in the index's cells.
        for i in (0..entries.len()).step_by(11) {
            let (mut x, cov) = (entries[i].x, entries[i].cov);
            x[5] += 0.01;
            if entries[i].set(x, cov) {
                index.touched(i, &entries[i], &clock);
            }
        }
        let (mut accepted, mut radar) = (0, 0);
        for _ in 0..6000 {
            let i = (u() * entries.len() as f64) as usize % entries.len();
            let tick = BUILD_TICK - 360 + (u() * 720.0) as u64;
            let is_radar = u() < 0.5;
            let Some((m, (site, d))) = measurement_near(&entries[i], tick, 1.3 * u(), is_radar, &clock, &mut u) else {
                continue;
            };
            let e = &entries[i];
            if !e.may_explain(&m, (site, d), e.sieve.normal(e.minutes_at(&clock, tick)), &clock) {
                continue;
            }
            let pool = index.pool(&m, (site, d), &clock);
            assert!(
                pool.binary_search(&i).is_ok(),
                "entry {i} ({:?}) dropped at tick {tick} for {m:?}",
                e.sieve
            );
            accepted += 1;
            radar += usize::from(is_radar);
        }
        println!("near measurements the propagation accepts: {accepted} ({radar} radar), all kept");
        assert!(accepted > 3000 && radar > 1000, "{accepted} {radar}");
        // Random measurements within the window: pools with and without the phase filter, on the
        // near-circular low orbits where most of the real catalog is (the eccentric ones have no
        // phase, and are registered in many shells).
        let low: Vec<Entry> = entries
            .iter()
            .filter(|e| phase::usable(e) && e.x[0] < 8000.0 && !e.tentative)
            .cloned()
            .collect();
        let mut index = Index::default();
        index.refresh(&low, &clock, BUILD_TICK);
        let mut unfiltered = index.clone();
        unfiltered.items.iter_mut().for_each(|it| it.tol = f32::INFINITY);
        let (mut phased, mut all) = ([0usize; 2], [0usize; 2]);
        for _ in 0..300 {
            let (site, d) = ray(&mut u);
            let tick = BUILD_TICK - 300 + (u() * 600.0) as u64;
            let p = std::array::from_fn(|j| site[j] + (300.0 + 2000.0 * u()) * d[j]);
            for (count, index) in [(&mut phased, &mut index), (&mut all, &mut unfiltered)] {
                count[0] += index.along_ray(site, d, SIEVE_MARGIN_KM, tick, &clock).len();
                count[1] += index.near_plane(p, SIEVE_MARGIN_KM, tick, &clock).len();
            }
        }
        println!(
            "{} low orbits, random lines of sight and radar points: pools {phased:?}, without the phase filter {all:?}",
            low.len()
        );
        assert!(
            all.iter().all(|&s| s > 3000) && phased[0] * 3 < all[0] && phased[1] * 5 < all[1],
            "pools {phased:?}, unfiltered {all:?}"
        );
    }
}
