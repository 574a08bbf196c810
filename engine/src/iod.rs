//! Initial orbit determination (IOD): a two-body state from three positions (Gibbs,
//! Herrick-Gibbs) or from three lines of sight (Gauss angles-only). Pure functions, no IO.
//!
//! References: D. A. Vallado, *Fundamentals of Astrodynamics and Applications* (4th ed.),
//! Algorithms 52 (Gauss angles-only), 54 (Gibbs) and 55 (Herrick-Gibbs); H. D. Curtis, *Orbital
//! Mechanics for Engineering Students*, Algorithms 5.5 and 5.6 (the same Gauss method written
//! with scalar triple products, and its iterative improvement with universal-variable Lagrange
//! coefficients, which is what [`gauss_angles`] runs after the 8th-order polynomial).
//! [`correct_angles_j2`] (not in those books) refits a Gauss solution with J2 for LEO.
//!
//! All vectors are in one inertial frame (TEME in this engine), km and km/s; times in seconds.
//! The gravitational parameter is [`MU_KM3_S2`] (WGS-72). The methods are two-body: fed with
//! perturbed (SGP4) data they return the osculating conic through the data, which differs from
//! the perturbed state by the effect of the perturbation over the data span (see the tests).

use crate::frames::{Vec3, cross, dot, norm, sub};
use crate::orbit::{J2_WGS72, MU_KM3_S2, RE_WGS72_KM};

/// Largest angle (degrees) by which the first position may lie out of the plane of the other
/// two before [`gibbs`] and [`herrick_gibbs`] refuse them (Vallado's `gibbs`/`hgibbs` use 1°).
pub const COPLANAR_LIMIT_DEG: f64 = 1.0;

/// Radius (km) below which a root of the Gauss polynomial is not a physical orbit: the WGS-84
/// equatorial radius.
pub const MIN_RADIUS_KM: f64 = crate::frames::WGS84_A_KM;

/// Why an initial orbit could not be determined.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IodError {
    /// The three positions do not lie in one plane through the Earth's centre.
    #[error("positions not coplanar: r1 is {angle_deg:.4} deg out of the plane of r2 and r3 (limit {limit_deg} deg)")]
    NotCoplanar {
        /// Angle of r1 out of the plane of r2 × r3, degrees (Vallado's `copa`).
        angle_deg: f64,
        /// The limit it exceeded, degrees.
        limit_deg: f64,
    },
    /// No real root of the Gauss 8th-order polynomial above the Earth's surface (or none of
    /// them gave positive slant ranges).
    #[error("no admissible root of the Gauss polynomial; real positive roots were {roots_km:?} km")]
    NoRoot {
        /// The real positive roots found (km), all rejected.
        roots_km: Vec<f64>,
    },
    /// Geometry or timing that defines no orbit (zero vectors, collinear positions,
    /// coplanar lines of sight, times not increasing, non-finite input).
    #[error("degenerate input: {reason}")]
    Degenerate {
        /// What is degenerate.
        reason: &'static str,
    },
    /// The Gauss refinement did not converge.
    #[error("Gauss refinement did not converge in {iterations} iterations (last range change {last_change_km} km)")]
    NoConvergence {
        /// Iterations run.
        iterations: usize,
        /// Largest slant-range change of the last iteration, km.
        last_change_km: f64,
    },
}

/// One angles-only observation for [`gauss_angles`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnglesObs {
    /// Observation time, seconds (any common origin).
    pub t_s: f64,
    /// Observer position in the inertial frame at `t_s`, km.
    pub site_km: Vec3,
    /// Line of sight from the observer to the object, in the same frame (normalised here).
    pub los: Vec3,
}

fn scale(a: Vec3, k: f64) -> Vec3 {
    [a[0] * k, a[1] * k, a[2] * k]
}

fn add(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn finite(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// Angle (degrees) of `r1` out of the plane spanned by `r2` and `r3` (Vallado's coplanarity
/// angle: 90° minus the angle between `r1` and `r2 × r3`).
fn coplanarity_deg(r1: Vec3, r2: Vec3, r3: Vec3) -> Result<f64, IodError> {
    let z23 = cross(r2, r3);
    let (n1, nz) = (norm(r1), norm(z23));
    if n1 == 0.0 || nz == 0.0 {
        return Err(IodError::Degenerate {
            reason: "zero or parallel position vectors",
        });
    }
    Ok((dot(z23, r1) / (nz * n1)).clamp(-1.0, 1.0).asin().to_degrees())
}

fn check_coplanar(r1: Vec3, r2: Vec3, r3: Vec3) -> Result<(), IodError> {
    if !finite(&[r1, r2, r3].concat()) {
        return Err(IodError::Degenerate {
            reason: "non-finite position",
        });
    }
    let angle_deg = coplanarity_deg(r1, r2, r3)?;
    if angle_deg.abs() > COPLANAR_LIMIT_DEG {
        return Err(IodError::NotCoplanar {
            angle_deg,
            limit_deg: COPLANAR_LIMIT_DEG,
        });
    }
    Ok(())
}

/// Gibbs method (Vallado Algorithm 54): the velocity (km/s) at `r2` of the conic through three
/// coplanar geocentric positions `r1`, `r2`, `r3` (km, inertial, in time order on one
/// revolution). Positions should be separated by more than about 1°; for closer ones use
/// [`herrick_gibbs`]. Errors: [`IodError::NotCoplanar`] when `r1` is more than
/// [`COPLANAR_LIMIT_DEG`] out of the plane of `r2`, `r3`; [`IodError::Degenerate`] for zero or
/// collinear vectors.
pub fn gibbs(r1: Vec3, r2: Vec3, r3: Vec3) -> Result<Vec3, IodError> {
    check_coplanar(r1, r2, r3)?;
    let (m1, m2, m3) = (norm(r1), norm(r2), norm(r3));
    let (z12, z23, z31) = (cross(r1, r2), cross(r2, r3), cross(r3, r1));
    let n = add(add(scale(z23, m1), scale(z31, m2)), scale(z12, m3));
    let d = add(add(z12, z23), z31);
    let (nn, dn) = (norm(n), norm(d));
    // N and D are parallel (both along the orbit normal) and point the same way for a real orbit.
    if nn == 0.0 || dn == 0.0 || dot(n, d) <= 0.0 {
        return Err(IodError::Degenerate {
            reason: "positions do not define a conic (collinear or N, D opposed)",
        });
    }
    let s = add(add(scale(r1, m2 - m3), scale(r2, m3 - m1)), scale(r3, m1 - m2));
    let b = cross(d, r2);
    let lg = (MU_KM3_S2 / (nn * dn)).sqrt();
    Ok(add(scale(b, lg / m2), scale(s, lg)))
}

/// Herrick-Gibbs method (Vallado Algorithm 55): the velocity (km/s) at `r2` from three closely
/// spaced positions (km, inertial) at times `t1_s < t2_s < t3_s` (seconds), by a Taylor series
/// with the two-body acceleration. Intended for separations of a few degrees or less (radar
/// tracklets); its truncation error grows with the fourth power of the spacing. Errors as for
/// [`gibbs`], plus [`IodError::Degenerate`] when the times are not strictly increasing.
pub fn herrick_gibbs(r1: Vec3, r2: Vec3, r3: Vec3, t1_s: f64, t2_s: f64, t3_s: f64) -> Result<Vec3, IodError> {
    check_coplanar(r1, r2, r3)?;
    let (dt21, dt31, dt32) = (t2_s - t1_s, t3_s - t1_s, t3_s - t2_s);
    if !(dt21 > 0.0 && dt32 > 0.0 && dt31.is_finite()) {
        return Err(IodError::Degenerate {
            reason: "observation times not strictly increasing",
        });
    }
    let (m1, m2, m3) = (norm(r1), norm(r2), norm(r3));
    if m1 == 0.0 || m2 == 0.0 || m3 == 0.0 {
        return Err(IodError::Degenerate {
            reason: "zero position vector",
        });
    }
    let term = |m: f64| MU_KM3_S2 / (12.0 * m * m * m);
    let k1 = -dt32 * (1.0 / (dt21 * dt31) + term(m1));
    let k2 = (dt32 - dt21) * (1.0 / (dt21 * dt32) + term(m2));
    let k3 = dt21 * (1.0 / (dt32 * dt31) + term(m3));
    Ok(add(add(scale(r1, k1), scale(r2, k2)), scale(r3, k3)))
}

/// Stumpff functions C(z) and S(z) of the universal-variable formulation.
fn stumpff(z: f64) -> (f64, f64) {
    if z.abs() < 1e-3 {
        // Series: C = 1/2 - z/24 + z²/720 - z³/40320, S = 1/6 - z/120 + z²/5040 - z³/362880.
        (
            0.5 - z / 24.0 + z * z / 720.0 - z * z * z / 40_320.0,
            1.0 / 6.0 - z / 120.0 + z * z / 5_040.0 - z * z * z / 362_880.0,
        )
    } else if z > 0.0 {
        let s = z.sqrt();
        ((1.0 - s.cos()) / z, (s - s.sin()) / (s * s * s))
    } else {
        let s = (-z).sqrt();
        ((s.cosh() - 1.0) / -z, (s.sinh() - s) / (s * s * s))
    }
}

/// Two-body Lagrange coefficients `(f, g, fdot, gdot)` taking the state `(r0, v0)` (km, km/s)
/// forward by `dt` seconds (negative for backward), from the universal Kepler equation solved by
/// Newton's method (Curtis Algorithms 3.3 and 3.4). `None` if it does not converge.
pub(crate) fn lagrange_coefficients(r0: Vec3, v0: Vec3, dt: f64) -> Option<(f64, f64, f64, f64)> {
    let sqmu = MU_KM3_S2.sqrt();
    let rn = norm(r0);
    let vr = dot(r0, v0) / rn;
    let alpha = 2.0 / rn - dot(v0, v0) / MU_KM3_S2;
    let mut chi = sqmu * alpha.abs().max(1.0 / rn) * dt;
    for _ in 0..100 {
        let z = alpha * chi * chi;
        let (c, s) = stumpff(z);
        let fx = rn * vr / sqmu * chi * chi * c + (1.0 - alpha * rn) * chi * chi * chi * s + rn * chi - sqmu * dt;
        let dfx = rn * vr / sqmu * chi * (1.0 - z * s) + (1.0 - alpha * rn) * chi * chi * c + rn;
        let step = fx / dfx;
        chi -= step;
        if !chi.is_finite() {
            return None;
        }
        if step.abs() <= 1e-13 * chi.abs().max(1e-6) {
            let z = alpha * chi * chi;
            let (c, s) = stumpff(z);
            let f = 1.0 - chi * chi / rn * c;
            let g = dt - chi * chi * chi / sqmu * s;
            let r = norm(add(scale(r0, f), scale(v0, g)));
            let fdot = sqmu / (r * rn) * (z * chi * s - chi);
            let gdot = 1.0 - chi * chi / r * c;
            return Some((f, g, fdot, gdot));
        }
    }
    None
}

/// Real positive roots of x⁸ + a x⁶ + b x³ + c (x in km), from the eigenvalues of the companion
/// matrix of the polynomial in y = x / 6378 km (scaled so the coefficients stay near unity; in
/// km they reach 1e37 for GEO), each polished by Newton's method on the polynomial.
fn gauss_polynomial_roots(a: f64, b: f64, c: f64) -> Vec<f64> {
    let k = MIN_RADIUS_KM;
    let (a, b, c) = (a / k.powi(2), b / k.powi(5), c / k.powi(8));
    // Monic coefficients of y^0..y^7; the companion matrix has them (negated) in its last column.
    let coef = [c, 0.0, 0.0, b, 0.0, 0.0, a, 0.0];
    let mut m = nalgebra::SMatrix::<f64, 8, 8>::zeros();
    for i in 1..8 {
        m[(i, i - 1)] = 1.0;
    }
    for (i, ci) in coef.iter().enumerate() {
        m[(i, 7)] = -ci;
    }
    let Some(schur) = nalgebra::linalg::Schur::try_new(m, 1e-14, 10_000) else {
        return Vec::new();
    };
    let p = |y: f64| ((y * y + a) * y * y * y + b) * y * y * y + c;
    let dp = |y: f64| 8.0 * y.powi(7) + 6.0 * a * y.powi(5) + 3.0 * b * y * y;
    let mut roots: Vec<f64> = Vec::new();
    for z in schur.complex_eigenvalues().iter() {
        if z.re <= 0.0 || z.im.abs() > 1e-6 * z.re.max(1.0) {
            continue;
        }
        let mut y = z.re;
        for _ in 0..50 {
            let step = p(y) / dp(y);
            if !step.is_finite() {
                break;
            }
            y -= step;
            if step.abs() < 1e-14 * y.abs() {
                break;
            }
        }
        let x = y * k;
        if x.is_finite() && x > 0.0 && !roots.iter().any(|r| (r - x).abs() < 1e-9 * x) {
            roots.push(x);
        }
    }
    roots.sort_by(f64::total_cmp);
    roots
}

/// The data the Gauss method works with: the lines of sight, the site vectors and the scalar
/// triple products D0 and Dij = Ri · pj (Curtis eqs. 5.113-5.115; Vallado's L⁻¹M form is the same).
struct GaussSetup {
    los: [Vec3; 3],
    site: [Vec3; 3],
    d0: f64,
    d: [[f64; 3]; 3],
    tau1: f64,
    tau3: f64,
}

impl GaussSetup {
    fn new(obs: &[AnglesObs; 3]) -> Result<GaussSetup, IodError> {
        let flat: Vec<f64> = obs
            .iter()
            .flat_map(|o| [o.t_s].into_iter().chain(o.site_km).chain(o.los))
            .collect();
        if !finite(&flat) {
            return Err(IodError::Degenerate {
                reason: "non-finite observation",
            });
        }
        let (tau1, tau3) = (obs[0].t_s - obs[1].t_s, obs[2].t_s - obs[1].t_s);
        if !(tau1 < 0.0 && tau3 > 0.0) {
            return Err(IodError::Degenerate {
                reason: "observation times not strictly increasing",
            });
        }
        let mut los = [[0.0; 3]; 3];
        for (l, o) in los.iter_mut().zip(obs) {
            let n = norm(o.los);
            if n == 0.0 {
                return Err(IodError::Degenerate {
                    reason: "zero line-of-sight vector",
                });
            }
            *l = scale(o.los, 1.0 / n);
        }
        let site = [obs[0].site_km, obs[1].site_km, obs[2].site_km];
        let p = [cross(los[1], los[2]), cross(los[0], los[2]), cross(los[0], los[1])];
        let d0 = dot(los[0], p[0]);
        if d0.abs() < 1e-14 {
            return Err(IodError::Degenerate {
                reason: "lines of sight are coplanar (D0 = 0)",
            });
        }
        let mut d = [[0.0; 3]; 3];
        for (i, row) in d.iter_mut().enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                *x = dot(site[i], p[j]);
            }
        }
        Ok(GaussSetup {
            los,
            site,
            d0,
            d,
            tau1,
            tau3,
        })
    }

    /// Slant ranges from the coefficients c1, c3 of r2 = c1 r1 + c3 r3 (Curtis eq. 5.113).
    fn ranges(&self, c1: f64, c3: f64) -> [f64; 3] {
        let (d, d0) = (&self.d, self.d0);
        [
            (-d[0][0] + d[1][0] / c1 - c3 / c1 * d[2][0]) / d0,
            (-c1 * d[0][1] + d[1][1] - c3 * d[2][1]) / d0,
            (-c1 / c3 * d[0][2] + d[1][2] / c3 - d[2][2]) / d0,
        ]
    }

    fn positions(&self, rho: [f64; 3]) -> [Vec3; 3] {
        [0, 1, 2].map(|i| add(self.site[i], scale(self.los[i], rho[i])))
    }
}

/// Gauss angles-only method with iteration (Vallado Algorithm 52; Curtis Algorithms 5.5 and
/// 5.6): position and velocity (km, km/s, inertial) at the time of the middle observation from
/// three lines of sight, each with its time (s) and observer position (km).
///
/// The first approximation truncates the f and g series and solves the 8th-order polynomial
/// for |r2| (companion-matrix eigenvalues, polished by Newton's method); every real root above
/// [`MIN_RADIUS_KM`] is kept. Each is then refined: the exact universal-variable Lagrange
/// coefficients of the current (r2, v2) give new c1, c3, hence new slant ranges and v2; the
/// fixed point of that map is found by Newton's method (see `refine`) until the ranges change
/// by less than 0.1 mm. For noise-free two-body data the result is exact to rounding; for
/// perturbed LEO data see [`correct_angles_j2`]. Returns one state per admissible root (usually
/// exactly one) with positive slant ranges, in increasing |r2|.
///
/// The arc must be short enough that the series start converges (up to a few tens of degrees);
/// lines of sight that are nearly coplanar (e.g. an object moving along a great circle through
/// the observer's zenith) make the method ill-conditioned. A geostationary object seen from a
/// ground site is such a case (site and object turn together): exact data still give the exact
/// orbit, but 10 arcsec of angle noise moves the semi-major axis by up to 5 % on a 75-minute
/// arc and 2 % on a 2-hour one (tests).
pub fn gauss_angles(obs: [AnglesObs; 3]) -> Result<Vec<(Vec3, Vec3)>, IodError> {
    let g = GaussSetup::new(&obs)?;
    let (tau1, tau3) = (g.tau1, g.tau3);
    let tau = tau3 - tau1;
    let (d, d0, mu) = (&g.d, g.d0, MU_KM3_S2);
    // Curtis eqs. 5.112a,b and 5.117: rho2 = A + mu B / r2^3 and the polynomial coefficients.
    let a_ = (-d[0][1] * tau3 / tau + d[1][1] + d[2][1] * tau1 / tau) / d0;
    let b_ = (d[0][1] * (tau3 * tau3 - tau * tau) * tau3 / tau + d[2][1] * (tau * tau - tau1 * tau1) * tau1 / tau)
        / (6.0 * d0);
    let e = dot(g.los[1], g.site[1]);
    let r2s = dot(g.site[1], g.site[1]);
    let a = -(a_ * a_ + 2.0 * a_ * e + r2s);
    let b = -2.0 * mu * b_ * (a_ + e);
    let c = -mu * mu * b_ * b_;
    let roots = gauss_polynomial_roots(a, b, c);
    let mut out = Vec::new();
    let mut last_err = None;
    for &x in roots.iter().filter(|&&x| x > MIN_RADIUS_KM) {
        let x3 = x * x * x;
        // Truncated-series Lagrange coefficients (Curtis eqs. 5.99, 5.100).
        let f1 = 1.0 - 0.5 * mu * tau1 * tau1 / x3;
        let f3 = 1.0 - 0.5 * mu * tau3 * tau3 / x3;
        let g1 = tau1 - mu * tau1 * tau1 * tau1 / (6.0 * x3);
        let g3 = tau3 - mu * tau3 * tau3 * tau3 / (6.0 * x3);
        match refine(&g, [f1, g1, f3, g3]) {
            Ok(state) => out.push(state),
            Err(IodError::NoRoot { .. }) => {
                last_err = Some(IodError::NoRoot {
                    roots_km: roots.clone(),
                })
            }
            Err(e) => last_err = Some(e),
        }
    }
    if out.is_empty() {
        return Err(last_err.unwrap_or(IodError::NoRoot { roots_km: roots }));
    }
    Ok(out)
}

/// One pass of the Gauss iteration (Curtis Algorithm 5.6 step): from Lagrange coefficients
/// `x = [f1, g1, f3, g3]`, the slant ranges, r2, v2 and the exact (universal-variable)
/// coefficients of that (r2, v2). `None` for non-positive ranges or a failed Kepler solve.
#[allow(clippy::type_complexity)]
fn gauss_pass(g: &GaussSetup, x: [f64; 4]) -> Option<([f64; 3], Vec3, Vec3, [f64; 4])> {
    let [f1, g1, f3, g3] = x;
    let den = f1 * g3 - f3 * g1;
    let rho = g.ranges(g3 / den, -g1 / den);
    if !finite(&rho) || rho.iter().any(|&p| p <= 0.0) {
        return None;
    }
    let r = g.positions(rho);
    let v2 = scale(sub(scale(r[2], f1), scale(r[0], f3)), 1.0 / den);
    let (nf1, ng1, _, _) = lagrange_coefficients(r[1], v2, g.tau1)?;
    let (nf3, ng3, _, _) = lagrange_coefficients(r[1], v2, g.tau3)?;
    Some((rho, r[1], v2, [nf1, ng1, nf3, ng3]))
}

/// Iterative improvement of a Gauss solution from the Lagrange coefficients `[f1, g1, f3, g3]`
/// of the first approximation: the fixed point x = pass(x) of [`gauss_pass`] (Curtis Algorithm
/// 5.6, Vallado's "Gauss with iteration"), found by Newton's method with a finite-difference
/// Jacobian and step halving rather than by plain substitution, which oscillates and crawls
/// when the geometry is poorly conditioned (a geostationary object seen from a ground site).
fn refine(g: &GaussSetup, fg: [f64; 4]) -> Result<(Vec3, Vec3), IodError> {
    const MAX_ITER: usize = 60;
    let scales = [1.0, g.tau1.abs(), 1.0, g.tau3.abs()];
    let resid = |x: [f64; 4], phi: [f64; 4]| -> [f64; 4] { [0, 1, 2, 3].map(|i| phi[i] - x[i]) };
    let size = |f: [f64; 4]| (0..4).map(|i| (f[i] / scales[i]).powi(2)).sum::<f64>().sqrt();
    let no_root = || IodError::NoRoot { roots_km: Vec::new() };
    let mut x = fg;
    let (mut rho_prev, mut change) = (None::<[f64; 3]>, f64::INFINITY);
    for it in 0..MAX_ITER {
        let (rho, r2, v2, phi) = gauss_pass(g, x).ok_or_else(no_root)?;
        let f = resid(x, phi);
        if let Some(prev) = rho_prev {
            change = (0..3).map(|i| (rho[i] - prev[i]).abs()).fold(0.0, f64::max);
        }
        if change < 1e-7 || size(f) < 1e-15 {
            return Ok((r2, v2));
        }
        rho_prev = Some(rho);
        let mut jac = nalgebra::Matrix4::<f64>::zeros();
        for j in 0..4 {
            let h = 1e-7 * scales[j];
            let mut xp = x;
            xp[j] += h;
            let (_, _, _, pp) = gauss_pass(g, xp).ok_or_else(no_root)?;
            for i in 0..4 {
                jac[(i, j)] = (pp[i] - phi[i]) / h - if i == j { 1.0 } else { 0.0 };
            }
        }
        let rhs = nalgebra::Vector4::from(f.map(|v| -v));
        // Fall back to the damped substitution step of Curtis if the Jacobian is singular.
        let step = jac
            .lu()
            .solve(&rhs)
            .map_or([0, 1, 2, 3].map(|i| 0.5 * f[i]), |d| [d[0], d[1], d[2], d[3]]);
        let mut t = 1.0;
        let mut next = None;
        for _ in 0..30 {
            let xn = [0, 1, 2, 3].map(|i| x[i] + t * step[i]);
            if let Some((_, _, _, pn)) = gauss_pass(g, xn)
                && size(resid(xn, pn)) < size(f)
            {
                next = Some(xn);
                break;
            }
            t *= 0.5;
        }
        match next {
            Some(xn) => x = xn,
            // No decrease along the step: x is as good as rounding allows.
            None if size(f) < 1e-10 => return Ok((r2, v2)),
            None => {
                return Err(IodError::NoConvergence {
                    iterations: it,
                    last_change_km: change,
                });
            }
        }
    }
    Err(IodError::NoConvergence {
        iterations: MAX_ITER,
        last_change_km: change,
    })
}

/// Two-body plus J2 acceleration, km/s².
fn accel_j2(r: Vec3) -> Vec3 {
    let rn = norm(r);
    let z2 = (r[2] / rn).powi(2);
    let k = 1.5 * J2_WGS72 * MU_KM3_S2 * RE_WGS72_KM * RE_WGS72_KM / rn.powi(5);
    let c = -MU_KM3_S2 / (rn * rn * rn);
    [
        c * r[0] + k * r[0] * (5.0 * z2 - 1.0),
        c * r[1] + k * r[1] * (5.0 * z2 - 1.0),
        c * r[2] + k * r[2] * (5.0 * z2 - 3.0),
    ]
}

/// Position `dt` seconds from `(r, v)` under two-body + J2 (classical RK4, steps of at most 5 s).
fn propagate_j2(r: Vec3, v: Vec3, dt: f64) -> Vec3 {
    let n = (dt.abs() / 5.0).ceil().max(1.0);
    let h = dt / n;
    let (mut r, mut v) = (r, v);
    for _ in 0..n as usize {
        let (k1r, k1v) = (v, accel_j2(r));
        let (k2r, k2v) = (add(v, scale(k1v, h / 2.0)), accel_j2(add(r, scale(k1r, h / 2.0))));
        let (k3r, k3v) = (add(v, scale(k2v, h / 2.0)), accel_j2(add(r, scale(k2r, h / 2.0))));
        let (k4r, k4v) = (add(v, scale(k3v, h)), accel_j2(add(r, scale(k3r, h))));
        let sum =
            |a: Vec3, b: Vec3, c: Vec3, d: Vec3| [0, 1, 2].map(|i| (a[i] + 2.0 * b[i] + 2.0 * c[i] + d[i]) * h / 6.0);
        r = add(r, sum(k1r, k2r, k3r, k4r));
        v = add(v, sum(k1v, k2v, k3v, k4v));
    }
    r
}

/// Differential correction of an angles-only solution with J2 (not in Vallado's Algorithm 52):
/// Gauss-Newton on the state `(r2, v2)` (km, km/s, at the middle observation time) until a
/// numerically integrated two-body + J2 trajectory reproduces the three lines of sight
/// (six angles for six unknowns, so noise-free data are matched exactly). Start it from a
/// [`gauss_angles`] solution. For LEO this removes the two-body model error of the Gauss
/// method (kilometres in position, tens of m/s on ISS-like arcs of a few minutes); for GEO J2 is
/// negligible. Errors: [`IodError::NoConvergence`] after 20 iterations.
pub fn correct_angles_j2(obs: [AnglesObs; 3], r2: Vec3, v2: Vec3) -> Result<(Vec3, Vec3), IodError> {
    let g = GaussSetup::new(&obs)?;
    // A basis perpendicular to each observed line of sight.
    let basis = g.los.map(|l| {
        let seed = if l[2].abs() < 0.9 {
            [0.0, 0.0, 1.0]
        } else {
            [1.0, 0.0, 0.0]
        };
        let e1 = cross(l, seed);
        let e1 = scale(e1, 1.0 / norm(e1));
        (e1, cross(l, e1))
    });
    let times = [g.tau1, 0.0, g.tau3];
    let residuals = |x: &nalgebra::Vector6<f64>| -> nalgebra::Vector6<f64> {
        let (r, v) = ([x[0], x[1], x[2]], [x[3], x[4], x[5]]);
        let mut out = nalgebra::Vector6::zeros();
        for i in 0..3 {
            let p = if i == 1 { r } else { propagate_j2(r, v, times[i]) };
            let d = sub(p, g.site[i]);
            let u = scale(d, 1.0 / norm(d));
            out[2 * i] = dot(u, basis[i].0);
            out[2 * i + 1] = dot(u, basis[i].1);
        }
        out
    };
    let mut x = nalgebra::Vector6::new(r2[0], r2[1], r2[2], v2[0], v2[1], v2[2]);
    let (hr, hv) = (1e-7 * norm(r2), 1e-7 * norm(v2));
    let mut last = f64::INFINITY;
    for _ in 0..20 {
        let f = residuals(&x);
        let mut jac = nalgebra::Matrix6::<f64>::zeros();
        for j in 0..6 {
            let h = if j < 3 { hr } else { hv };
            let mut xp = x;
            xp[j] += h;
            jac.set_column(j, &((residuals(&xp) - f) / h));
        }
        let Some(dx) = jac.lu().solve(&(-f)) else {
            return Err(IodError::Degenerate {
                reason: "singular Jacobian in the J2 correction",
            });
        };
        x += dx;
        last = (dx[0].powi(2) + dx[1].powi(2) + dx[2].powi(2)).sqrt();
        if !last.is_finite() {
            break;
        }
        if last < 1e-6 {
            return Ok(([x[0], x[1], x[2]], [x[3], x[4], x[5]]));
        }
    }
    Err(IodError::NoConvergence {
        iterations: 20,
        last_change_km: last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::{EARTH_RATE_RAD_S, Site};
    use crate::orbit::keplerian;

    fn dist(a: Vec3, b: Vec3) -> f64 {
        norm(sub(a, b))
    }

    use crate::testutil::{himawari, iss};

    /// SGP4 state (TEME km, km/s) `t_s` seconds after the element epoch.
    fn sgp4_state(el: &sgp4::Elements, t_s: f64) -> (Vec3, Vec3) {
        crate::testutil::sgp4_state(el, t_s / 60.0)
    }

    /// Two-body state `dt` seconds from `(r0, v0)`.
    fn kepler(r0: Vec3, v0: Vec3, dt: f64) -> (Vec3, Vec3) {
        let (f, g, fd, gd) = lagrange_coefficients(r0, v0, dt).unwrap();
        (add(scale(r0, f), scale(v0, g)), add(scale(r0, fd), scale(v0, gd)))
    }

    /// Angles-only observations of `pos(t)` at `times` from a ground site placed `dlat_deg`
    /// north of the object's declination and `dlon_deg` east of its right ascension at the
    /// middle time; the site turns with the Earth (rotation angle linear in time). Also checks
    /// the object is more than 10° above the (geocentric) horizon.
    fn observe(pos: impl Fn(f64) -> Vec3, times: [f64; 3], dlat_deg: f64, dlon_deg: f64) -> [AnglesObs; 3] {
        let r2 = pos(times[1]);
        let dec = (r2[2] / norm(r2)).asin().to_degrees();
        let ra = r2[1].atan2(r2[0]);
        let site = Site::new(dec + dlat_deg, 10.0, 150.0);
        let theta2 = ra + dlon_deg.to_radians() - 10f64.to_radians();
        times.map(|t| {
            let (s, c) = (theta2 + EARTH_RATE_RAD_S * (t - times[1])).sin_cos();
            let e = site.ecef_km;
            let site_km = [c * e[0] - s * e[1], s * e[0] + c * e[1], e[2]];
            let d = sub(pos(t), site_km);
            let los = scale(d, 1.0 / norm(d));
            let elev = dot(los, scale(site_km, 1.0 / norm(site_km))).asin().to_degrees();
            assert!(elev > 10.0, "object at {elev} deg elevation at t = {t}");
            AnglesObs { t_s: t, site_km, los }
        })
    }

    /// The line of sight turned by `arcsec` towards the direction at angle `phi` around it.
    fn perturb(los: Vec3, arcsec: f64, phi: f64) -> Vec3 {
        let u = cross(los, [0.0, 0.0, 1.0]);
        let u = scale(u, 1.0 / norm(u));
        let w = cross(los, u);
        let eps = (arcsec / 3600.0).to_radians();
        let d = add(scale(u, eps * phi.cos()), scale(w, eps * phi.sin()));
        let p = add(los, d);
        scale(p, 1.0 / norm(p))
    }

    fn single(obs: [AnglesObs; 3]) -> (Vec3, Vec3) {
        let sols = gauss_angles(obs).unwrap();
        assert_eq!(sols.len(), 1, "{sols:?}");
        sols[0]
    }

    // Published numbers. Vallado Example 7-3 (Gibbs): inputs and v2 = (0, 5.531148, -5.191806)
    // km/s as asserted by Vallado's own Python test suite (CelesTrak fundamentals-of-astrodynamics,
    // software/python tests of `gibbs`, mu = 398600.4418; our WGS-72 mu changes v2 by 3e-6 km/s).
    #[test]
    fn gibbs_vallado_example_7_3() {
        let v2 = gibbs(
            [0.0, 0.0, 6378.137],
            [0.0, -4464.696, -5102.509],
            [0.0, 5740.323, 3189.068],
        )
        .unwrap();
        let want = [0.0, 5.531_147_205, -5.191_806_413];
        assert!(dist(v2, want) < 1e-5, "{v2:?}");
    }

    // Vallado Example 7-4 (Herrick-Gibbs): inputs from the book (p. 467), times 0, 76.48, 153.04 s.
    // v2 = (-6.441557227511062, 3.777559606719521, -1.7205675602414345) km/s from Vallado's Python
    // test `test_hgibbs` (CelesTrak fundamentals-of-astrodynamics, tests/astro/iod/test_utils.py);
    // Orekit notes the 4th-edition printed third component is not correct.
    #[test]
    fn herrick_gibbs_vallado_example_7_4() {
        let v2 = herrick_gibbs(
            [3419.85564, 6019.82602, 2784.60022],
            [2935.91195, 6326.18324, 2660.59584],
            [2434.95202, 6597.38674, 2521.52311],
            0.0,
            76.48,
            153.04,
        )
        .unwrap();
        let want = [-6.441_557_227_511_062, 3.777_559_606_719_521, -1.720_567_560_241_434_5];
        assert!(dist(v2, want) < 1e-5, "{v2:?}");
    }

    // Vallado Example 7-2 (Gauss angles-only): observations 11:40:28, 11:48:28, 11:52:28 UTC on
    // 2012-08-20, RA/Dec (deg) and ECI site vectors as in Vallado's Python test fixtures
    // (test_angles.py). The book's non-iterated Gauss answer is r2 = (6313.378, 5247.506,
    // 6467.707) km; the truth the observations were made from, in Vallado's companion Ex7_2.m
    // ("at 8-20-12 11:48:28.000 center time"), is r2 = (6356.486, 5290.532, 6511.397) km,
    // v2 = (-4.172948, 4.776550, 1.720271) km/s. The iterated solution must be much closer to the
    // truth than the non-iterated one.
    #[test]
    fn gauss_vallado_example_7_2() {
        let radec: [(f64, f64); 3] = [(0.939913, 18.667717), (45.025748, 35.664741), (67.886655, 36.996583)];
        let sites = [
            [4054.881, 2748.195, 4074.237],
            [3956.224, 2888.232, 4074.364],
            [3905.073, 2956.935, 4074.430],
        ];
        let times = [0.0, 480.0, 720.0];
        let obs = [0, 1, 2].map(|i| {
            let (ra, de) = (radec[i].0.to_radians(), radec[i].1.to_radians());
            AnglesObs {
                t_s: times[i],
                site_km: sites[i],
                los: [de.cos() * ra.cos(), de.cos() * ra.sin(), de.sin()],
            }
        });
        let (r2, v2) = single(obs);
        let (r_true, v_true) = (
            [6356.48603405, 5290.53225676, 6511.39697857],
            [-4.17294816, 4.77654968, 1.72027091],
        );
        let book = [6313.378130210396, 5247.50563344895, 6467.707164431651];
        let (dr, dv) = (dist(r2, r_true), dist(v2, v_true));
        eprintln!(
            "Example 7-2: {r2:?} {v2:?}: {dr} km, {dv} km/s from truth; book {} km",
            dist(book, r_true)
        );
        assert!(dr < 0.2 && dv < 3e-4, "{dr} km, {dv} km/s");
    }

    #[test]
    fn rejects_bad_geometry_with_its_data() {
        // r1 of Example 7-3 tilted 2 deg out of the plane of r2, r3 (the x = 0 plane).
        let t = 2f64.to_radians();
        let r1 = [6378.137 * t.sin(), 0.0, 6378.137 * t.cos()];
        let (r2, r3) = ([0.0, -4464.696, -5102.509], [0.0, 5740.323, 3189.068]);
        for err in [gibbs(r1, r2, r3), herrick_gibbs(r1, r2, r3, 0.0, 60.0, 120.0)] {
            match err {
                Err(IodError::NotCoplanar { angle_deg, .. }) => {
                    assert!((angle_deg.abs() - 2.0).abs() < 1e-9, "{angle_deg}")
                }
                other => panic!("{other:?}"),
            }
        }
        let (a, b) = ([7000.0, 0.0, 0.0], [0.0, 7000.0, 0.0]);
        assert!(matches!(gibbs(a, a, b), Err(IodError::Degenerate { .. })));
        let c = [7000.0 * 0.6, 7000.0 * 0.8, 0.0];
        assert!(matches!(
            herrick_gibbs(a, c, b, 0.0, 60.0, 60.0),
            Err(IodError::Degenerate { .. })
        ));
        assert!(matches!(gibbs([0.0; 3], c, b), Err(IodError::Degenerate { .. })));
        let o = AnglesObs {
            t_s: 0.0,
            site_km: [6378.0, 0.0, 0.0],
            los: [0.0, 1.0, 0.0],
        };
        let o2 = AnglesObs { t_s: 60.0, ..o };
        let o3 = AnglesObs { t_s: 120.0, ..o };
        assert!(matches!(gauss_angles([o, o2, o3]), Err(IodError::Degenerate { .. })));
        assert!(matches!(gauss_angles([o2, o, o3]), Err(IodError::Degenerate { .. })));
    }

    /// Herrick-Gibbs on SGP4 (J2-perturbed) ISS positions 30 s apart.
    #[test]
    fn herrick_gibbs_recovers_iss_velocity_from_sgp4() {
        let el = iss();
        let mut worst = 0.0f64;
        for t2 in [600.0, 2400.0, 4200.0] {
            let r = [-30.0, 0.0, 30.0].map(|dt| sgp4_state(&el, t2 + dt).0);
            let v_true = sgp4_state(&el, t2).1;
            let v = herrick_gibbs(r[0], r[1], r[2], t2 - 30.0, t2, t2 + 30.0).unwrap();
            worst = worst.max(dist(v, v_true));
        }
        eprintln!("Herrick-Gibbs ISS 30 s: worst velocity error {} m/s", worst * 1e3);
        // Measured 0.014 m/s: the truncation error at 30 s spacing is far below 1 m/s.
        assert!(worst < 5e-5, "{} m/s", worst * 1e3);
    }

    /// Gibbs on positions 20 min apart: exact on a two-body orbit, and on SGP4 within the
    /// effect of J2 (LEO) or lunisolar terms (GEO) over 40 minutes.
    #[test]
    fn gibbs_recovers_velocity_20_min_apart() {
        for (name, el) in [("ISS", iss()), ("HIMAWARI-9", himawari())] {
            let (r0, v0) = sgp4_state(&el, 3000.0);
            let r = [-1200.0, 0.0, 1200.0].map(|dt| kepler(r0, v0, dt).0);
            let dv_kep = dist(gibbs(r[0], r[1], r[2]).unwrap(), v0);
            let r = [-1200.0, 0.0, 1200.0].map(|dt| sgp4_state(&el, 3000.0 + dt).0);
            let dv_sgp4 = dist(gibbs(r[0], r[1], r[2]).unwrap(), v0);
            eprintln!(
                "Gibbs {name} 20 min: two-body {} m/s, SGP4 {} m/s",
                dv_kep * 1e3,
                dv_sgp4 * 1e3
            );
            assert!(dv_kep < 1e-9, "{name}: {dv_kep}");
            // Measured: ISS 5.5 m/s (J2 over 40 min), GEO 0.07 m/s.
            let limit = if name == "ISS" { 8e-3 } else { 2e-4 };
            assert!(dv_sgp4 < limit, "{name}: {dv_sgp4}");
        }
    }

    /// Gauss on noise-free angles from a ground site (ISS: -60 s, 0, +100 s; GEO: -45 min, 0,
    /// +30 min): exact on two-body motion; on SGP4 motion within the perturbation over the arc,
    /// and within tens of metres after the J2 correction.
    #[test]
    fn gauss_recovers_leo_and_geo_states() {
        let cases = [
            ("ISS", iss(), [-60.0, 0.0, 100.0], -3.0, 2.0),
            ("HIMAWARI-9", himawari(), [-2700.0, 0.0, 1800.0], 35.0, 0.0),
        ];
        for (name, el, dts, dlat, dlon) in cases {
            let t2 = 3000.0;
            let (r0, v0) = sgp4_state(&el, t2);
            let times = dts.map(|d| t2 + d);
            let obs = observe(|t| kepler(r0, v0, t - t2).0, times, dlat, dlon);
            let (r, v) = single(obs);
            let (dr, dv) = (dist(r, r0), dist(v, v0));
            eprintln!("Gauss {name} two-body: {} m, {} mm/s", dr * 1e3, dv * 1e6);
            assert!(dr < 1e-6 && dv < 1e-9, "{name}: {dr} km {dv} km/s");
            let obs = observe(|t| sgp4_state(&el, t).0, times, dlat, dlon);
            let (r, v) = single(obs);
            let (dr, dv) = (dist(r, r0), dist(v, v0));
            eprintln!("Gauss {name} SGP4: {dr} km, {} m/s", dv * 1e3);
            // Two-body Gauss on SGP4 angles: GEO meets 1 km / 1 m/s (measured 0.34 km,
            // 0.085 m/s); the ISS is off by the J2 effect over the arc (measured 4.0 km, 53 m/s).
            let (lim_r, lim_v) = if name == "ISS" { (6.0, 0.08) } else { (1.0, 1e-3) };
            assert!(dr < lim_r && dv < lim_v, "{name}: {dr} km {dv} km/s");
            let (r, v) = correct_angles_j2(obs, r, v).unwrap();
            let (dr, dv) = (dist(r, r0), dist(v, v0));
            eprintln!("Gauss+J2 {name} SGP4: {dr} km, {} m/s", dv * 1e3);
            // Measured: ISS 20 m, 0.26 m/s; GEO 58 m, 0.06 m/s.
            assert!(dr < 0.2 && dv < 5e-4, "{name}: {dr} km {dv} km/s");
        }
    }

    /// 10 arcsec of angle noise (fixed offsets, eight direction patterns) on SGP4 angles: the
    /// semi-major axis stays within a few percent; the error shrinks with the arc (measured worst
    /// cases: ISS ±90 s 6.3 %, ±150 s 1.8 % (1.1 % with the J2 correction); GEO -45/+30 min
    /// 5.1 %, ±60 min 1.9 %).
    #[test]
    fn gauss_with_10_arcsec_noise_keeps_semi_major_axis() {
        let cases = [
            // (object, arc, site offsets, limit on |da/a| for Gauss alone and with J2).
            ("ISS", iss(), [-90.0, 0.0, 90.0], -3.0, 2.0, 0.07),
            ("ISS", iss(), [-150.0, 0.0, 150.0], -1.0, 1.0, 0.025),
            ("HIMAWARI-9", himawari(), [-2700.0, 0.0, 1800.0], 35.0, 0.0, 0.06),
            ("HIMAWARI-9", himawari(), [-3600.0, 0.0, 3600.0], 35.0, 0.0, 0.025),
        ];
        for (name, el, dts, dlat, dlon, limit) in cases {
            let t2 = 3000.0;
            let (r0, v0) = sgp4_state(&el, t2);
            let a_true = keplerian(r0, v0).a_km;
            let clean = observe(|t| sgp4_state(&el, t).0, dts.map(|d| t2 + d), dlat, dlon);
            let mut worst = 0.0f64;
            let mut worst_j2 = 0.0f64;
            for k in 0..8 {
                let mut obs = clean;
                for (i, o) in obs.iter_mut().enumerate() {
                    let phi = (k as f64) * std::f64::consts::FRAC_PI_4 + (i as f64) * 2.1;
                    o.los = perturb(o.los, 10.0, phi);
                }
                let sols = gauss_angles(obs).unwrap();
                let best = sols
                    .iter()
                    .map(|(r, v)| (keplerian(*r, *v).a_km / a_true - 1.0).abs())
                    .fold(f64::INFINITY, f64::min);
                worst = worst.max(best);
                let (r, v) = correct_angles_j2(obs, sols[0].0, sols[0].1).unwrap();
                worst_j2 = worst_j2.max((keplerian(r, v).a_km / a_true - 1.0).abs());
            }
            eprintln!(
                "Gauss {name} {dts:?} 10 arcsec: worst |da/a| {}%, with J2 {}%",
                worst * 100.0,
                worst_j2 * 100.0
            );
            assert!(worst < limit && worst_j2 < limit, "{name} {dts:?}: {worst} {worst_j2}");
        }
    }
}
