//! Screening a catalog for close approaches: every local minimum of the distance between two
//! objects (SGP4, AFSPC mode) below a threshold within a span, with its time and miss distance.
//!
//! Method (a time-stepped spatial sieve, then exact refinement):
//! 1. Each object's SGP4 state is sampled every [`STEP_S`]; between samples its path is the cubic
//!    Hermite interpolant of positions and velocities (error about 1 m for Keplerian motion at this
//!    step in every regime; [`INTERP_PAD_KM`] allows 50 times that).
//! 2. For each step, each object's segment gets a box: its end points, widened by how far the path
//!    can bow out of the chord (`μ/r_p² · h²/8`, with `r_p` the perigee radius), the interpolation
//!    pad and half the threshold. Boxes go into a uniform grid of [`CELL_KM`] cells; two objects
//!    are a candidate when their boxes overlap (each pair counted in one cell only).
//! 3. A candidate whose chords (straight lines between the samples, travelled together) stay
//!    farther apart than the threshold plus both bows and pads cannot come closer; for the others,
//!    the minimum of the distance between the two interpolants over the step is
//!    found (13 samples, then golden-section search); below the threshold plus the pads, the time
//!    of closest approach is refined on SGP4 itself (Newton on the range rate, golden-section search
//!    as a fallback) and the miss distance taken there.
//! 4. The same approach found from two adjacent steps is kept once.
//!
//! A segment inside the Earth, beyond the Moon or faster than [`MAX_SPEED_KM_S`] (elements SGP4 has
//! carried past their decay) is left out, which also bounds every box to a few cells.
//!
//! Exact in what it keeps: a pair whose true distance dips below the threshold within a step has
//! overlapping boxes at that step and an interpolated minimum within the pads (the bounds above
//! are conservative), so recall depends only on the refinement converging. `engine/tests/screen.rs`
//! checks it against a brute-force search at 1 s steps.

use std::collections::HashMap;

use nalgebra::Vector3;
use rayon::prelude::*;

use super::search::golden_min;
use crate::orbit::MU_KM3_S2;

/// Sampling step of the SGP4 states, s.
pub const STEP_S: f64 = 60.0;
/// Allowance for the interpolation error, km.
pub const INTERP_PAD_KM: f64 = 0.05;
/// Grid cell size, km.
const CELL_KM: f64 = 500.0;
/// Steps sampled together (memory: objects × this × 48 bytes).
const CHUNK_STEPS: usize = 60;

/// One object to screen: its SGP4 propagator and the time of the screening's start relative to its
/// element epoch.
#[derive(Debug, Clone)]
pub struct Orbiter {
    /// Catalog number.
    pub id: u32,
    constants: sgp4::Constants,
    /// Minutes from the element epoch to the screening's start.
    start_min: f64,
    /// Lower bound of the radius along the orbit, km.
    perigee_km: f64,
    /// Upper bound of the radius along the orbit, km.
    apogee_km: f64,
}

impl Orbiter {
    /// An object with elements `el`, screened from `start` on.
    pub fn new(id: u32, el: &sgp4::Elements, start: chrono::NaiveDateTime) -> Result<Orbiter, String> {
        let constants = sgp4::Constants::from_elements_afspc_compatibility_mode(el).map_err(|e| e.to_string())?;
        let a = (MU_KM3_S2 / (el.mean_motion * std::f64::consts::TAU / 86_400.0).powi(2)).cbrt();
        Ok(Orbiter {
            id,
            constants,
            start_min: (start - el.datetime).num_microseconds().unwrap_or(i64::MAX) as f64 / 6e7,
            // SGP4's osculating radius strays a few km from the mean perigee (J2 short-period terms).
            perigee_km: 0.98 * a * (1.0 - el.eccentricity) - 20.0,
            apogee_km: 1.02 * a * (1.0 + el.eccentricity) + 20.0,
        })
    }

    /// Position (km) and velocity (km/s) in TEME `t_s` seconds after the screening's start.
    pub fn state(&self, t_s: f64) -> Option<(Vector3<f64>, Vector3<f64>)> {
        let p = self
            .constants
            .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(self.start_min + t_s / 60.0))
            .ok()?;
        Some((Vector3::from(p.position), Vector3::from(p.velocity)))
    }
}

/// A sampled state: TEME position (km) and velocity (km/s); `None` where SGP4 failed.
type Sample = Option<(Vector3<f64>, Vector3<f64>)>;
/// A grid cell's coordinates.
type Cell = (i32, i32, i32);

/// A close approach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Approach {
    /// The two catalog numbers, smaller first.
    pub objects: (u32, u32),
    /// Time of closest approach, s after the screening's start.
    pub tca_s: f64,
    /// Distance at TCA, km.
    pub miss_km: f64,
    /// Relative speed at TCA, km/s.
    pub rel_speed_km_s: f64,
}

/// Every close approach below `threshold_km` within `[0, span_s]` among `objects` (all pairs, or
/// only those with an object of `primaries`), sorted by time then objects.
pub fn screen(objects: &[Orbiter], primaries: Option<&[u32]>, span_s: f64, threshold_km: f64) -> Vec<Approach> {
    if let Some(p) = primaries {
        // The apogee/perigee filter: an object whose radius band (with the bounds' margins, 2 %
        // and 20 km) misses every primary's by more than the threshold cannot come close to one.
        let bands: Vec<(f64, f64)> = objects
            .iter()
            .filter(|o| p.contains(&o.id))
            .map(|o| (o.perigee_km - threshold_km, o.apogee_km + threshold_km))
            .collect();
        let kept: Vec<Orbiter> = objects
            .iter()
            .filter(|o| p.contains(&o.id) || bands.iter().any(|&(lo, hi)| o.perigee_km <= hi && o.apogee_km >= lo))
            .cloned()
            .collect();
        if kept.len() < objects.len() {
            return sieve(&kept, primaries, span_s, threshold_km);
        }
    }
    sieve(objects, primaries, span_s, threshold_km)
}

/// [`screen`] after the apogee/perigee filter.
fn sieve(objects: &[Orbiter], primaries: Option<&[u32]>, span_s: f64, threshold_km: f64) -> Vec<Approach> {
    let steps = (span_s / STEP_S).ceil() as usize;
    let is_primary: Vec<bool> = objects
        .iter()
        .map(|o| primaries.is_none_or(|p| p.contains(&o.id)))
        .collect();
    let mut found: Vec<Approach> = Vec::new();
    for chunk in (0..steps).step_by(CHUNK_STEPS) {
        let n = CHUNK_STEPS.min(steps - chunk);
        // Samples at steps chunk..=chunk+n, per object.
        let samples: Vec<Vec<Sample>> = objects
            .par_iter()
            .map(|o| (0..=n).map(|k| o.state((chunk + k) as f64 * STEP_S)).collect())
            .collect();
        let per_step: Vec<Vec<Approach>> = (0..n)
            .into_par_iter()
            .map(|k| {
                let t0 = (chunk + k) as f64 * STEP_S;
                step_approaches(objects, &is_primary, &samples, k, t0, threshold_km)
            })
            .collect();
        found.extend(per_step.into_iter().flatten());
    }
    found.retain(|a| a.tca_s >= 0.0 && a.tca_s <= span_s && a.miss_km <= threshold_km);
    found.sort_by(|a, b| a.objects.cmp(&b.objects).then(a.tca_s.total_cmp(&b.tca_s)));
    // One approach found from two steps: refined to the same time.
    found.dedup_by(|b, a| a.objects == b.objects && (b.tca_s - a.tca_s).abs() < 1.0);
    found.sort_by(|a, b| a.tca_s.total_cmp(&b.tca_s).then(a.objects.cmp(&b.objects)));
    found
}

/// Fastest an object can move (above escape speed anywhere SGP4 applies), km/s; a segment longer
/// than this allows comes from elements SGP4 has propagated out of their validity and is left out,
/// as are positions inside the Earth or beyond the Moon.
const MAX_SPEED_KM_S: f64 = 20.0;

fn plausible(r: &Vector3<f64>) -> bool {
    let d = r.norm();
    d.is_finite() && (crate::world::DECAY_RADIUS_KM..=400_000.0).contains(&d)
}

/// A segment: the interpolant's end states and its box.
struct Segment {
    ends: [(Vector3<f64>, Vector3<f64>); 2],
    lo: Vector3<f64>,
    hi: Vector3<f64>,
    /// How far the path can stray from its chord, km.
    bow: f64,
}

/// Closest distance of two chords travelled in the same time (linear relative motion over the
/// step): a lower bound of the paths' distance once both bows are taken off.
fn chord_distance(a: &Segment, b: &Segment) -> f64 {
    let d0 = b.ends[0].0 - a.ends[0].0;
    let d1 = b.ends[1].0 - a.ends[1].0;
    let dd = d1 - d0;
    let u = if dd.norm_squared() > 0.0 {
        (-d0.dot(&dd) / dd.norm_squared()).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (d0 + dd * u).norm()
}

fn step_approaches(
    objects: &[Orbiter],
    is_primary: &[bool],
    samples: &[Vec<Sample>],
    k: usize,
    t0: f64,
    threshold_km: f64,
) -> Vec<Approach> {
    let segments: Vec<Option<Segment>> = objects
        .iter()
        .zip(samples)
        .map(|(o, s)| {
            let (a, b) = (s[k]?, s[k + 1]?);
            if !(plausible(&a.0) && plausible(&b.0)) || (b.0 - a.0).norm() > MAX_SPEED_KM_S * STEP_S {
                return None;
            }
            let bow = MU_KM3_S2 / o.perigee_km.max(6000.0).powi(2) * STEP_S * STEP_S / 8.0;
            let pad = Vector3::repeat(bow + INTERP_PAD_KM + threshold_km / 2.0);
            Some(Segment {
                ends: [a, b],
                lo: a.0.inf(&b.0) - pad,
                hi: a.0.sup(&b.0) + pad,
                bow,
            })
        })
        .collect();
    let cell = |x: f64| (x / CELL_KM).floor() as i32;
    let mut grid: HashMap<Cell, Vec<u32>> = HashMap::new();
    for (i, s) in segments.iter().enumerate() {
        let Some(s) = s else { continue };
        for x in cell(s.lo.x)..=cell(s.hi.x) {
            for y in cell(s.lo.y)..=cell(s.hi.y) {
                for z in cell(s.lo.z)..=cell(s.hi.z) {
                    grid.entry((x, y, z)).or_default().push(i as u32);
                }
            }
        }
    }
    let mut cells: Vec<(&Cell, &Vec<u32>)> = grid.iter().collect();
    cells.sort_unstable_by_key(|c| *c.0);
    let mut out = Vec::new();
    for (&(cx, cy, cz), members) in cells {
        for (m, &i) in members.iter().enumerate() {
            for &j in &members[m + 1..] {
                let (i, j) = (i as usize, j as usize);
                if !(is_primary[i] || is_primary[j]) {
                    continue;
                }
                let (a, b) = (segments[i].as_ref().unwrap(), segments[j].as_ref().unwrap());
                let (lo, hi) = (a.lo.sup(&b.lo), a.hi.inf(&b.hi));
                // Overlapping boxes, counted in the cell holding the overlap's lower corner.
                if lo.x > hi.x || lo.y > hi.y || lo.z > hi.z || (cell(lo.x), cell(lo.y), cell(lo.z)) != (cx, cy, cz) {
                    continue;
                }
                if chord_distance(a, b) > threshold_km + a.bow + b.bow + 2.0 * INTERP_PAD_KM {
                    continue;
                }
                let (s, d) = closest_interpolated(a, b);
                if d <= threshold_km + 2.0 * INTERP_PAD_KM
                    && let Some(x) = refine(&objects[i], &objects[j], t0 + s)
                {
                    out.push(x);
                }
            }
        }
    }
    out
}

/// Cubic Hermite position at `s` in [0, h] from end states.
fn hermite(ends: &[(Vector3<f64>, Vector3<f64>); 2], s: f64) -> Vector3<f64> {
    let h = STEP_S;
    let u = s / h;
    let (u2, u3) = (u * u, u * u * u);
    let (p0, v0) = ends[0];
    let (p1, v1) = ends[1];
    p0 * (2.0 * u3 - 3.0 * u2 + 1.0)
        + v0 * (h * (u3 - 2.0 * u2 + u))
        + p1 * (-2.0 * u3 + 3.0 * u2)
        + v1 * (h * (u3 - u2))
}

/// The time in the step and distance of the closest approach of two interpolants.
fn closest_interpolated(a: &Segment, b: &Segment) -> (f64, f64) {
    let d = |s: f64| (hermite(&a.ends, s) - hermite(&b.ends, s)).norm();
    const N: usize = 12;
    let (mut best, mut best_d) = (0, f64::INFINITY);
    for k in 0..=N {
        let x = d(STEP_S * k as f64 / N as f64);
        if x < best_d {
            (best, best_d) = (k, x);
        }
    }
    let h = STEP_S / N as f64;
    let lo = (best as f64 * h - h).max(0.0);
    let hi = (best as f64 * h + h).min(STEP_S);
    let s = golden_min(&d, lo, hi, 1e-3);
    (s, d(s).min(best_d))
}

/// The closest approach of two objects on SGP4 near `t_s`: Newton on the range rate
/// (`Δr·Δv = 0`), or golden-section search within a step either side when Newton leaves it.
fn refine(a: &Orbiter, b: &Orbiter, t_s: f64) -> Option<Approach> {
    let rel = |t: f64| {
        let ((ra, va), (rb, vb)) = (a.state(t)?, b.state(t)?);
        Some((rb - ra, vb - va))
    };
    let mut t = t_s;
    let mut newton_ok = false;
    for _ in 0..10 {
        let (dr, dv) = rel(t)?;
        let speed2 = dv.norm_squared();
        if speed2 < 1e-8 {
            break;
        }
        let step = dr.dot(&dv) / speed2;
        t -= step;
        if (t - t_s).abs() > STEP_S {
            break;
        }
        if step.abs() < 1e-5 {
            newton_ok = true;
            break;
        }
    }
    if !newton_ok {
        let d = |t: f64| rel(t).map_or(f64::INFINITY, |(dr, _)| dr.norm());
        let (lo, hi) = (t_s - STEP_S, t_s + STEP_S);
        t = golden_min(&d, lo, hi, 1e-4);
        if t - lo < 1e-3 || hi - t < 1e-3 {
            return None; // no minimum within the bracket: the distance falls beyond it
        }
    }
    let (dr, dv) = rel(t)?;
    let (x, y) = if a.id < b.id { (a.id, b.id) } else { (b.id, a.id) };
    Some(Approach {
        objects: (x, y),
        tca_s: t,
        miss_km: dr.norm(),
        rel_speed_km_s: dv.norm(),
    })
}
