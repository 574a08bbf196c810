//! Hall's 3-D expected number of collisions (Nc3D; Hall 2021, "Expected collision rates for tracked
//! satellites", J. Spacecraft & Rockets 58(3)), for encounters where the 2-D method's straight-line
//! assumptions fail: slow or long encounters, curved relative motion, large covariances.
//!
//! Model, as NASA CARA's `Pc3D_Hall` (implemented here from the paper's math):
//! - Each object moves on a two-body orbit from its state at the reference time; its covariance is
//!   carried in equinoctial elements `(n, af, ag, χ, ψ, λ)` (Vallado & Alfano 2015), where the only
//!   secular term is `λ = λ0 + n·t`, and mapped to Cartesian by the element Jacobian at time `t`.
//! - At each time the states are expanded about their *peak-overlap point* (Coppola 2012): the
//!   most likely common position of the two objects given both covariances, found by iteration.
//! - The collision rate is the flux of the relative state into the sphere of the hard-body radius
//!   `H`: `Ṅc(t) = H² ∮ ν(r̂) N3(H r̂; r_rel, A) dΩ`, with `ν` the expected inward speed given the
//!   position (Gaussian conditional velocity), integrated over the sphere by a product
//!   Gauss-Legendre × uniform rule.
//! - `Nc = ∫ Ṅc dt` over the encounter: the linear-motion bounds of Coppola (γ = 1e-16) joined with
//!   the times a survey of the segment between the relative-distance maxima around TCA finds
//!   significant, by Simpson's rule refined until it changes by less than 1e-5.
//!
//! Differences from CARA's implementation, stated: the element Jacobians are central differences
//! (not the analytic ones); the sphere rule is a 32 × 64 product rule (not Lebedev's 5810 points);
//! the time grid is refined by doubling (not CARA's peak-driven bisection); no DCP density
//! cross-correlation term. `engine/tests/pc.rs` compares the result with CARA's `Nc3D` on 27 CDMs.

use std::f64::consts::{PI, TAU};
use std::sync::OnceLock;

use nalgebra::{Matrix3, Matrix6, SymmetricEigen, Vector3, Vector6};

/// GM of the Earth, km³/s² (the value CARA uses).
pub(super) const GM_KM3_S2: f64 = 398_600.441_8;
/// Coppola's conjunction-duration level γ and `√2·erfcinv(γ)` for it.
const GAMMA: f64 = 1e-16;
/// Eigenvalues of a position covariance below `(CLIP · H)²` are raised to it.
const CLIP: f64 = 1e-4;
/// Peak-overlap iterations at most.
const POP_MAX_ITER: usize = 100;
/// Squared Mahalanobis distance of the surface beyond which the rate is taken as 0 (e^-745 < f64).
const MD2_CUT: f64 = 1491.0;
/// Rates below this fraction of the largest are insignificant (the density 4.9 sigma out).
const RATE_CUT: f64 = 2.5409e-6;

/// One object at the conjunction's reference time: inertial state and full covariance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Body6 {
    /// Position, m.
    pub r_m: Vector3<f64>,
    /// Velocity, m/s.
    pub v_m_s: Vector3<f64>,
    /// Covariance of (position, velocity) in the same frame: m², m²/s, m²/s².
    pub cov: Matrix6<f64>,
}

/// The expected number of collisions over the encounter and where it was integrated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nc3d {
    /// Expected number of collisions (≈ the probability when small).
    pub nc: f64,
    /// The time span integrated, s from the reference time.
    pub window_s: (f64, f64),
    /// Collision-rate evaluations made.
    pub evaluations: usize,
    /// Times at which the peak-overlap point did not converge (their rate counts as 0).
    pub failed: usize,
}

/// Equinoctial elements (n rad/s, af, ag, χ, ψ, λ rad), km-based.
type Elements = [f64; 6];

/// Hall's Nc3D of two objects with combined hard-body radius `hbr_m`; `None` when an orbit is not
/// elliptic or its covariance cannot be expressed in elements.
pub fn nc3d(a: &Body6, b: &Body6, hbr_m: f64) -> Option<Nc3d> {
    if !(hbr_m > 0.0 && hbr_m.is_finite()) {
        return None;
    }
    let (a, b) = reoriented(a, b);
    let objs = [Orbit::new(&a)?, Orbit::new(&b)?];
    let h = hbr_m / 1e3;
    let rate = |t: f64| rate_at(&objs, t, h);
    let (tau0, tau1) = coppola_bounds(&a, &b, hbr_m);
    let period = |o: &Orbit| TAU / o.e0[0];
    let (p_min, p_max) = (
        period(&objs[0]).min(period(&objs[1])),
        period(&objs[0]).max(period(&objs[1])),
    );
    let (ta, tb) = segment(&objs, 0.5 * (tau0 + tau1), p_min, p_max);
    let mut evaluations = 0;
    let mut failed = 0;
    let mut eval = |t: f64| {
        evaluations += 1;
        rate(t).unwrap_or_else(|| {
            failed += 1;
            0.0
        })
    };
    // Survey the segment, then join the linear-motion window with where the survey finds the rate.
    const SURVEY: usize = 200;
    let survey: Vec<(f64, f64)> = (0..=SURVEY)
        .map(|k| ta + (tb - ta) * k as f64 / SURVEY as f64)
        .map(|t| (t, eval(t)))
        .collect();
    let (mut lo, mut hi) = if tau1 > ta && tau0 < tb {
        (tau0.max(ta), tau1.min(tb))
    } else {
        (ta, tb)
    };
    let peak = survey.iter().map(|p| p.1).fold(0.0, f64::max);
    let step = (tb - ta) / SURVEY as f64;
    for &(t, r) in &survey {
        if peak > 0.0 && r > RATE_CUT * peak {
            lo = lo.min((t - step).max(ta));
            hi = hi.max((t + step).min(tb));
        }
    }
    let nc = simpson_refined(&mut eval, lo, hi);
    Some(Nc3d {
        nc,
        window_s: (lo, hi),
        evaluations,
        failed,
    })
}

/// Simpson's rule on `[lo, hi]`, doubling the points until the integral changes by < 1e-5 of
/// itself (or 2^14 intervals).
fn simpson_refined(f: &mut impl FnMut(f64) -> f64, lo: f64, hi: f64) -> f64 {
    let mut n = 128usize;
    let h0 = (hi - lo) / n as f64;
    let mut values: Vec<f64> = (0..=n).map(|k| f(lo + h0 * k as f64)).collect();
    let simpson = |v: &[f64], h: f64| {
        let inner: f64 = v[1..v.len() - 1]
            .iter()
            .enumerate()
            .map(|(i, x)| if i % 2 == 0 { 4.0 * x } else { 2.0 * x })
            .sum();
        h / 3.0 * (v[0] + inner + v[v.len() - 1])
    };
    let mut last = simpson(&values, h0);
    while n < 1 << 14 {
        n *= 2;
        let h = (hi - lo) / n as f64;
        let mut next = Vec::with_capacity(n + 1);
        for (k, v) in values.iter().enumerate() {
            if k > 0 {
                next.push(f(lo + h * (2 * k - 1) as f64));
            }
            next.push(*v);
        }
        values = next;
        let now = simpson(&values, h);
        let done = (now - last).abs() <= 1e-5 * now.abs() || now == 0.0 && last == 0.0;
        last = now;
        if done {
            break;
        }
    }
    last
}

/// Rotates both objects by a cyclic permutation of the axes when either orbit is near-retrograde
/// (equinoctial elements are singular at 180° inclination); probabilities do not depend on it.
fn reoriented(a: &Body6, b: &Body6) -> (Body6, Body6) {
    let retro = |o: &Body6| 1.0 + o.r_m.cross(&o.v_m_s).normalize().z < 1e-6;
    if !(retro(a) || retro(b)) {
        return (*a, *b);
    }
    let m = Matrix3::new(0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0);
    let mut m6 = Matrix6::zeros();
    m6.fixed_view_mut::<3, 3>(0, 0).copy_from(&m);
    m6.fixed_view_mut::<3, 3>(3, 3).copy_from(&m);
    let rot = |o: &Body6| Body6 {
        r_m: m * o.r_m,
        v_m_s: m * o.v_m_s,
        cov: m6 * o.cov * m6.transpose(),
    };
    (rot(a), rot(b))
}

/// An object's elements and their covariance at the reference time (km units).
struct Orbit {
    e0: Elements,
    q0: Matrix6<f64>,
}

impl Orbit {
    fn new(o: &Body6) -> Option<Orbit> {
        let (r, v) = (o.r_m / 1e3, o.v_m_s / 1e3);
        let e0 = to_elements(&r, &v)?;
        let k = jacobian(&e0, 0.0)?.try_inverse()?;
        Some(Orbit {
            e0,
            q0: sym(&(k * (o.cov / 1e6) * k.transpose())),
        })
    }
}

fn sym(m: &Matrix6<f64>) -> Matrix6<f64> {
    (m + m.transpose()) * 0.5
}

/// Unit vectors `f̂, ĝ, ŵ` of the equinoctial frame (retrograde factor +1).
fn frame(chi: f64, psi: f64) -> [Vector3<f64>; 3] {
    let c = 1.0 + chi * chi + psi * psi;
    let f = Vector3::new(1.0 - chi * chi + psi * psi, 2.0 * chi * psi, -2.0 * chi) / c;
    let g = Vector3::new(2.0 * chi * psi, 1.0 + chi * chi - psi * psi, 2.0 * psi) / c;
    [f, g, f.cross(&g)]
}

/// Equinoctial elements of a Cartesian state (km, km/s); `None` unless elliptic and prograde enough.
fn to_elements(r: &Vector3<f64>, v: &Vector3<f64>) -> Option<Elements> {
    let (rm, v2) = (r.norm(), v.norm_squared());
    let a = GM_KM3_S2 * rm / (2.0 * GM_KM3_S2 - v2 * rm);
    if !(a > 1e-5 && a.is_finite()) {
        return None;
    }
    let n = (GM_KM3_S2 / (a * a * a)).sqrt();
    let e = ((v2 - GM_KM3_S2 / rm) * r - r.dot(v) * v) / GM_KM3_S2;
    let w = r.cross(v).normalize();
    if w.z + 1.0 <= 1e-10 || e.norm_squared() >= 1.0 {
        return None;
    }
    let (chi, psi) = (w.x / (1.0 + w.z), -w.y / (1.0 + w.z));
    let [f, g, _] = frame(chi, psi);
    let (af, ag) = (f.dot(&e), g.dot(&e));
    let (x, y) = (f.dot(r), g.dot(r));
    let big_b = (1.0 - af * af - ag * ag).sqrt();
    let b = 1.0 / (1.0 + big_b);
    let sin_f = ag + ((1.0 - ag * ag * b) * y - b * ag * af * x) / (a * big_b);
    let cos_f = af + ((1.0 - af * af * b) * x - b * ag * af * y) / (a * big_b);
    let ff = sin_f.atan2(cos_f);
    let lam = (ff + ag * cos_f - af * sin_f).rem_euclid(TAU);
    Some([n, af, ag, chi, psi, lam])
}

/// The two-body Cartesian state (km, km/s) `t` seconds after the elements' epoch.
fn to_cartesian(e: &Elements, t: f64) -> Option<Vector6<f64>> {
    let [n, af, ag, chi, psi, lam0] = *e;
    if n.is_nan() || n <= 0.0 || af * af + ag * ag >= 1.0 {
        return None;
    }
    let a = (GM_KM3_S2 / (n * n)).cbrt();
    let lam = lam0 + n * t;
    // Kepler's equation in equinoctial form: F + ag cos F − af sin F = λ.
    let mut ff = lam;
    let mut converged = false;
    for _ in 0..100 {
        let (s, c) = ff.sin_cos();
        let step = (ff + ag * c - af * s - lam) / (1.0 - ag * s - af * c);
        ff -= step;
        if step.abs() <= 1e-14 * lam.abs().max(TAU) {
            converged = true;
            break;
        }
    }
    if !converged {
        return None;
    }
    let (s, c) = ff.sin_cos();
    let b = 1.0 / (1.0 + (1.0 - af * af - ag * ag).sqrt());
    let x = a * ((1.0 - ag * ag * b) * c + af * ag * b * s - af);
    let y = a * ((1.0 - af * af * b) * s + af * ag * b * c - ag);
    let k = n * a / (1.0 - af * c - ag * s);
    let xd = k * (af * ag * b * c - (1.0 - ag * ag * b) * s);
    let yd = k * ((1.0 - af * af * b) * c - af * ag * b * s);
    let [f, g, _] = frame(chi, psi);
    let (r, v) = (x * f + y * g, xd * f + yd * g);
    Some(Vector6::new(r.x, r.y, r.z, v.x, v.y, v.z))
}

/// `∂X(t)/∂E0`: how the state at `t` depends on the elements at the epoch, by central differences.
fn jacobian(e: &Elements, t: f64) -> Option<Matrix6<f64>> {
    let mut j = Matrix6::zeros();
    for k in 0..6 {
        let h = if k == 0 { 1e-7 * e[0] } else { 1e-7 };
        let (mut up, mut down) = (*e, *e);
        up[k] += h;
        down[k] -= h;
        let d = (to_cartesian(&up, t)? - to_cartesian(&down, t)?) / (2.0 * h);
        j.set_column(k, &d);
    }
    Some(j)
}

/// Coppola's linear-motion bounds of the encounter (s from the reference time), level γ.
fn coppola_bounds(a: &Body6, b: &Body6, hbr_m: f64) -> (f64, f64) {
    let (r, v) = (b.r_m - a.r_m, b.v_m_s - a.v_m_s);
    let speed = v.norm();
    if speed < 100.0 * f64::EPSILON {
        return (f64::NEG_INFINITY, f64::INFINITY);
    }
    let x = v / speed;
    let y = (r - x * x.dot(&r))
        .try_normalize(0.0)
        .unwrap_or_else(|| x.cross(&Vector3::z()).normalize());
    let z = x.cross(&y);
    let rot = Matrix3::from_rows(&[x.transpose(), y.transpose(), z.transpose()]);
    let c = (a.cov + b.cov).fixed_view::<3, 3>(0, 0).into_owned();
    let ae = rot * c * rot.transpose();
    let eta2 = ae[(0, 0)];
    let w = nalgebra::Vector2::new(ae[(1, 0)], ae[(2, 0)]);
    let pc = ae.fixed_view::<2, 2>(1, 1).into_owned();
    let bb = pc.try_inverse().map_or(nalgebra::Vector2::zeros(), |p| p * w);
    let s = (2.0 * (eta2 - bb.dot(&w))).max(0.0).sqrt();
    let rr = rot * r;
    let q0 = bb.dot(&nalgebra::Vector2::new(rr.y, rr.z));
    let (d_min, d_max) = (-hbr_m * bb.norm(), hbr_m * (1.0 + bb.norm_squared()).sqrt());
    let alpha = statrs::function::erf::erfc_inv(GAMMA);
    ((-alpha * s + q0 - d_max) / speed, (alpha * s + q0 - d_min) / speed)
}

/// The segment of the relative orbit holding the encounter: from the relative-distance maximum
/// before `t_mid` (or 0) to the one after it, on two-body motion; half the shorter period either
/// side when no maximum is bracketed.
fn segment(objs: &[Orbit; 2], t_mid: f64, p_min: f64, p_max: f64) -> (f64, f64) {
    let span = (1.1 * p_max).min(2.2 * p_min);
    let d2 = |t: f64| match (to_cartesian(&objs[0].e0, t), to_cartesian(&objs[1].e0, t)) {
        (Some(x), Some(y)) => (y - x).fixed_rows::<3>(0).norm_squared(),
        _ => f64::NAN,
    };
    const N: usize = 50;
    let ts: Vec<f64> = (0..=N).map(|k| -span + 2.0 * span * k as f64 / N as f64).collect();
    let ds: Vec<f64> = ts.iter().map(|&t| d2(t)).collect();
    let maxima: Vec<usize> = (1..N).filter(|&k| ds[k] >= ds[k - 1] && ds[k] >= ds[k + 1]).collect();
    let refine = |k: usize| super::search::golden_min(&|t| -d2(t), ts[k - 1], ts[k + 1], 1e-3);
    let fallback = 0.5 * p_min;
    let before = maxima
        .iter()
        .rev()
        .find(|&&k| ts[k] < t_mid.min(0.0))
        .map_or(-fallback, |&k| refine(k));
    let after = maxima
        .iter()
        .find(|&&k| ts[k] > t_mid.max(0.0))
        .map_or(fallback, |&k| refine(k));
    (before, after)
}

/// A symmetric positive matrix's inverse and determinant with eigenvalues raised to `floor`.
fn clipped_inverse(m: &Matrix3<f64>, floor: f64) -> (Matrix3<f64>, f64) {
    let eig = SymmetricEigen::new(*m);
    let l = eig.eigenvalues.map(|x| x.max(floor));
    let inv = eig.eigenvectors * Matrix3::from_diagonal(&l.map(|x| 1.0 / x)) * eig.eigenvectors.transpose();
    (inv, l.x * l.y * l.z)
}

/// The state and covariance of each object expanded about the peak-overlap point at `t`.
struct Overlap {
    x: [Vector6<f64>; 2],
    p: [Matrix6<f64>; 2],
}

/// Coppola's peak-overlap point at time `t` (iterated as Hall 2021 §III): `None` if it does not
/// converge or leaves elliptic motion.
fn peak_overlap(objs: &[Orbit; 2], t: f64, h: f64) -> Option<Overlap> {
    let floor = (CLIP * h).powi(2);
    let mut es = [objs[0].e0, objs[1].e0];
    let mut xs = [to_cartesian(&es[0], t)?, to_cartesian(&es[1], t)?];
    let mut js = [jacobian(&es[0], t)?, jacobian(&es[1], t)?];
    let offset = |i: usize, es: &[Elements; 2], xs: &[Vector6<f64>; 2], js: &[Matrix6<f64>; 2]| {
        let mut d = Vector6::from_fn(|k, _| objs[i].e0[k] - es[i][k]);
        d[5] = (objs[i].e0[5] - es[i][5]).sin().asin();
        xs[i] + js[i] * d
    };
    let mut history: Vec<Vector3<f64>> = Vec::new();
    for k in 0..=POP_MAX_ITER {
        let xu = [offset(0, &es, &xs, &js), offset(1, &es, &xs, &js)];
        let ps = [
            sym(&(js[0] * objs[0].q0 * js[0].transpose())),
            sym(&(js[1] * objs[1].q0 * js[1].transpose())),
        ];
        let inv = [0, 1].map(|i| clipped_inverse(&ps[i].fixed_view::<3, 3>(0, 0).into_owned(), floor).0);
        let sigma = (inv[0] + inv[1]).try_inverse()?;
        let ru = [0, 1].map(|i| xu[i].fixed_rows::<3>(0).into_owned());
        let mut mu = sigma * (inv[0] * ru[0] + inv[1] * ru[1]);
        if k > 35
            && let Some(prev) = history.last()
        {
            mu = 0.5 * (mu + prev);
        }
        for i in 0..2 {
            let bs = ps[i].fixed_view::<3, 3>(3, 0).into_owned();
            let v = xu[i].fixed_rows::<3>(3) + bs * inv[i] * (mu - ru[i]);
            if v.norm_squared() / 2.0 - GM_KM3_S2 / mu.norm() >= 0.0 {
                return None;
            }
            xs[i] = Vector6::new(mu.x, mu.y, mu.z, v.x, v.y, v.z);
        }
        let metric = (sigma + Matrix3::identity() * h * h).try_inverse()?;
        let md2 = |d: Vector3<f64>| d.dot(&(metric * d));
        let converged = k > 0 && {
            let d = md2(mu - history[history.len() - 1]);
            let tol = if k <= 25 {
                1e-6
            } else {
                10f64.powf(-6.0 + 3.0 * ((k.min(35) - 25) as f64 / 10.0))
            };
            d <= 1e-6 || (k > 15 && history.len() >= 2 && md2(mu - history[history.len() - 2]) <= 1e-6) || d <= tol
        };
        history.push(mu);
        for i in 0..2 {
            let x = &xs[i];
            let mut e = to_elements(&x.fixed_rows::<3>(0).into_owned(), &x.fixed_rows::<3>(3).into_owned())?;
            e[5] = (e[5] - e[0] * t).rem_euclid(TAU);
            es[i] = e;
            js[i] = jacobian(&es[i], t)?;
        }
        if converged {
            let x = [offset(0, &es, &xs, &js), offset(1, &es, &xs, &js)];
            let p = [
                sym(&(js[0] * objs[0].q0 * js[0].transpose())),
                sym(&(js[1] * objs[1].q0 * js[1].transpose())),
            ];
            return Some(Overlap { x, p });
        }
    }
    None
}

/// The product rule on the unit sphere: (direction, weight), weights summing to 4π.
fn sphere_rule() -> &'static [(Vector3<f64>, f64)] {
    static RULE: OnceLock<Vec<(Vector3<f64>, f64)>> = OnceLock::new();
    RULE.get_or_init(|| {
        const N_PHI: usize = 64;
        let mut out = Vec::new();
        for &(u, w) in super::quadrature::legendre(32).iter() {
            let s = (1.0 - u * u).sqrt();
            for k in 0..N_PHI {
                let phi = TAU * k as f64 / N_PHI as f64;
                out.push((Vector3::new(s * phi.cos(), s * phi.sin(), u), w * TAU / N_PHI as f64));
            }
        }
        out
    })
}

/// The collision rate (1/s) at time `t`; `None` when the peak-overlap point does not converge.
fn rate_at(objs: &[Orbit; 2], t: f64, h: f64) -> Option<f64> {
    let o = peak_overlap(objs, t, h)?;
    let x = o.x[1] - o.x[0];
    let (ru, vu) = (x.fixed_rows::<3>(0).into_owned(), x.fixed_rows::<3>(3).into_owned());
    let p = o.p[0] + o.p[1];
    let a = p.fixed_view::<3, 3>(0, 0).into_owned();
    let bs = p.fixed_view::<3, 3>(3, 0).into_owned();
    let cs = p.fixed_view::<3, 3>(3, 3).into_owned();
    let (ainv, det) = clipped_inverse(&a, (CLIP * h).powi(2));
    let n0 = 1.0 / (8.0 * PI.powi(3) * det).sqrt();
    let gain = bs * ainv;
    let cond = cs - gain * bs.transpose();
    let m = ru.dot(&(ainv * ru));
    if m - 2.0 * h * (ainv * ru).norm() > MD2_CUT {
        return Some(0.0);
    }
    let sum: f64 = sphere_rule()
        .iter()
        .map(|(rhat, w)| {
            let dr = h * rhat - ru;
            let density = n0 * (-0.5 * dr.dot(&(ainv * dr))).exp();
            let mean = rhat.dot(&(vu + gain * dr));
            let s2 = rhat.dot(&(cond * rhat));
            let inward = if s2 > 0.0 {
                let s = s2.sqrt();
                let z = mean / (s * std::f64::consts::SQRT_2);
                s / TAU.sqrt() * ((-z * z).exp() - PI.sqrt() * z * statrs::function::erf::erfc(z))
            } else {
                (-vu.dot(rhat)).max(0.0)
            };
            w * inward * density
        })
        .sum();
    Some(h * h * sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_round_trip_and_propagate_on_the_orbit() {
        let r = Vector3::new(6800.0, 1200.0, -300.0);
        let v = Vector3::new(-1.1, 6.9, 3.2);
        let e = to_elements(&r, &v).unwrap();
        let x = to_cartesian(&e, 0.0).unwrap();
        assert!(
            (x.fixed_rows::<3>(0) - r).norm() < 1e-8 && (x.fixed_rows::<3>(3) - v).norm() < 1e-11,
            "{x}"
        );
        // A full period later the state repeats; energy is kept halfway.
        let p = TAU / e[0];
        let y = to_cartesian(&e, p).unwrap();
        assert!((y - x).norm() < 1e-6, "{}", (y - x).norm());
        let z = to_cartesian(&e, p / 2.0).unwrap();
        let energy =
            |s: &Vector6<f64>| s.fixed_rows::<3>(3).norm_squared() / 2.0 - GM_KM3_S2 / s.fixed_rows::<3>(0).norm();
        assert!((energy(&z) - energy(&x)).abs() < 1e-10);
    }
}
