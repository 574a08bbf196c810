//! Where along its orbit an entry is, cheaply: the argument of latitude of its prediction (the
//! in-plane angle from the ascending node of its mean plane) from SGP4 at a reference tick,
//! advanced at its mean rate and acceleration (measured by SGP4 one orbital period before and
//! after, so that the eccentric and short-period terms cancel), with a bound on the error of that
//! advance. The plane and radius sieve knows an entry's plane but not its phase: on the full
//! catalog it passes about a hundred entries per radar point and a thousand per line of sight, of
//! which one or two are near the measurement. This check rejects most of the others without propagating them; what it passes
//! is a superset of what [`super::Entry::may_explain`] accepts (asserted in debug builds, and on
//! the full-catalog benchmark the events are identical with and without it).

use std::f64::consts::{PI, TAU};

use super::Entry;
use crate::frames::{Vec3, cross, dot, norm};
use crate::orbit::{MU_KM3_S2, RE_WGS72_KM};

/// Above this eccentricity the phase is not used (the true anomaly strays far from the mean).
const MAX_E: f64 = 0.1;
/// Below this perigee height the phase is not used (drag bends the advance too fast), km.
const MIN_PERIGEE_KM: f64 = 200.0;
/// Bound on what the measured rate and acceleration leave of drag's effect on the argument of
/// latitude, rad/s².
const DRAG_RAD_S2: f64 = 1e-10;
/// How far SGP4's osculating position may stray from the mean plane and radius band, km.
pub(super) const SLOP_KM: f64 = 50.0;
/// A reference is renewed when a measurement is this far from it in time, s.
pub(super) const MAX_AGE_S: f64 = 1800.0;

/// An entry's phase at a reference tick.
#[derive(Debug, Clone, Copy)]
pub(super) struct Phase {
    /// Tick of the reference.
    pub tick: u64,
    /// Argument of latitude of the prediction then, rad.
    u: f64,
    /// Mean rate of the argument of latitude, rad/s.
    rate: f64,
    /// Its rate of change (drag), rad/s².
    accel: f64,
    /// Orbital period, s.
    period_s: f64,
    /// Eccentricity.
    e: f64,
    /// Radii SGP4 gives the entry within a period of the reference, km.
    band_km: (f64, f64),
}

/// Whether the phase is used for an entry (near-circular, perigee above the dense atmosphere).
pub(super) fn usable(e: &Entry) -> bool {
    let ecc = e.x[1].hypot(e.x[2]);
    ecc < MAX_E && e.x[0] * (1.0 - ecc) >= RE_WGS72_KM + MIN_PERIGEE_KM && e.x[0].is_finite()
}

/// The ascending node and the in-plane unit vector 90° ahead of it, of the plane of unit normal
/// `h` (none for a numerically equatorial plane).
pub(super) fn basis(h: Vec3) -> Option<(Vec3, Vec3)> {
    let s = h[0].hypot(h[1]);
    if s < 1e-6 {
        return None;
    }
    let n = [-h[1] / s, h[0] / s, 0.0];
    Some((n, cross(h, n)))
}

/// In-plane angle of `p` from the node.
fn angle(p: Vec3, (n, w): (Vec3, Vec3)) -> f64 {
    dot(p, w).atan2(dot(p, n))
}

/// An angle in [-π, π).
pub(super) fn wrap(x: f64) -> f64 {
    (x + PI).rem_euclid(TAU) - PI
}

impl Phase {
    /// The reference of entry `e` (see [`usable`]) at `tick`, where its normal is `h` and its
    /// predicted TEME position `r`.
    pub(super) fn of(e: &Entry, h: Vec3, r: Vec3, tick: u64, clock: &crate::time::Clock) -> Option<Phase> {
        let (a, ecc) = (e.x[0], e.x[1].hypot(e.x[2]));
        let n = (MU_KM3_S2 / a.powi(3)).sqrt();
        let period_s = TAU / n;
        let now = e.minutes_at(clock, tick);
        // Angle and radius one period away.
        let at = |minutes: f64| -> Option<(f64, f64)> {
            let p = e
                .constants
                .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
                .ok()?;
            Some((angle(p.position, basis(e.sieve.normal(minutes))?), norm(p.position)))
        };
        let u = angle(r, basis(h)?);
        let (u_ahead, r_ahead) = at(now + period_s / 60.0)?;
        let (u_behind, r_behind) = at(now - period_s / 60.0)?;
        let ahead = TAU + wrap(u_ahead - u);
        let behind = TAU + wrap(u - u_behind);
        let rate = (ahead + behind) / (2.0 * period_s);
        // The radii sampled at one point of the orbit, spread by its eccentricity and short-period
        // terms around it (drag may have taken SGP4 far below the elements' mean band).
        let spread = 2.0 * a * ecc + SLOP_KM;
        let (lo, hi) = (norm(r).min(r_ahead).min(r_behind), norm(r).max(r_ahead).max(r_behind));
        ((rate - n).abs() <= 0.05 * n).then_some(Phase {
            tick,
            u,
            rate,
            accel: (ahead - behind) / (period_s * period_s),
            period_s,
            e: ecc,
            band_km: (lo - spread, hi + spread),
        })
    }

    /// Whether the entry's prediction at `tick` (normal `h`) can lie within `search_km` of a
    /// measurement: the point at `range_km` along the line of sight (`site`, unit `d`, TEME km),
    /// or the line of sight itself for angles only.
    pub(super) fn may_match(
        &self,
        h: Vec3,
        (site, d): (Vec3, Vec3),
        range_km: Option<f64>,
        search_km: f64,
        tick: u64,
        tick_s: f64,
    ) -> bool {
        let Some(b) = basis(h) else { return true };
        let s = search_km + SLOP_KM;
        let (a_min, a_max) = self.band_km;
        if s >= 0.99 * a_min {
            return true;
        }
        let at = |t: f64| [site[0] + t * d[0], site[1] + t * d[1], site[2] + t * d[2]];
        // The measurement's angles in the plane: a point's, or the arc swept by the part of the
        // ray where a point within `s` of a prediction (within SLOP_KM of the plane, inside the
        // band) can lie. Its projection stays at least sqrt(r1² - s²) from the origin, so the projected
        // part is a segment missing the origin and its angle sweeps the arc between its ends.
        let (mid, half) = match range_km {
            Some(rho) => (angle(at(rho), b), 0.0),
            None => {
                let (r1, r2) = (a_min - s, a_max + s);
                if r1 <= 1.01 * s {
                    return true;
                }
                let (bb, ss) = (dot(site, d), dot(site, site));
                let reach = |r: f64| {
                    let disc = bb * bb - ss + r * r;
                    (disc >= 0.0).then(|| -bb + disc.sqrt())
                };
                let Some(t2) = reach(r2).filter(|&t| t > 0.0) else {
                    return true;
                };
                let (mut ta, mut tb) = (reach(r1).map_or(0.0, |t| t.max(0.0)), t2);
                let (hs, hd) = (dot(h, site), dot(h, d));
                if hd.abs() < 1e-12 {
                    return true;
                }
                let (x1, x2) = ((-s - hs) / hd, (s - hs) / hd);
                ta = ta.max(x1.min(x2));
                tb = tb.min(x1.max(x2));
                if ta > tb {
                    return false;
                }
                let (aa, ab) = (angle(at(ta), b), angle(at(tb), b));
                let span = wrap(ab - aa);
                (aa + 0.5 * span, 0.5 * span.abs())
            }
        };
        let dt = (tick as f64 - self.tick as f64) * tick_s;
        // Angle between the prediction and the nearest measured point's projection.
        let theta = (s / a_min).asin();
        wrap(self.advance(dt) - mid).abs() <= half + theta + self.error(dt)
    }

    /// The advanced argument of latitude `dt_s` after the reference, rad.
    pub(super) fn advance(&self, dt_s: f64) -> f64 {
        self.u + self.rate * dt_s + 0.5 * self.accel * dt_s * dt_s
    }

    /// Its rate then, rad/s.
    pub(super) fn rate_at(&self, dt_s: f64) -> f64 {
        self.rate + self.accel * dt_s
    }

    /// Its acceleration, rad/s².
    pub(super) fn accel(&self) -> f64 {
        self.accel
    }

    /// A bound on the error of [`Phase::advance`] against SGP4's argument of latitude `dt_s` from
    /// the reference, rad: the true anomaly's departure from the mean at both ends, short-period
    /// terms (about 1.5 J2), what is left of the rate's error (1e-4 of it) and of drag's.
    pub(super) fn error(&self, dt_s: f64) -> f64 {
        let e = self.e;
        2.0 * (2.0 * e + 1.5 * e * e)
            + 0.006
            + 1e-4 * self.rate * dt_s.abs()
            + DRAG_RAD_S2 * (0.5 * self.period_s + dt_s.abs()) * dt_s.abs()
    }

    /// The smallest radius of the band, km.
    pub(super) fn inner_km(&self) -> f64 {
        self.band_km.0
    }
}
