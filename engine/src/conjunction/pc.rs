//! Probability of collision of two objects at a close approach, in the encounter plane (the 2-D
//! method of the Foster 1992 family, as NASA CARA computes it).
//!
//! Model: both objects move in straight lines at constant velocity through the encounter, their
//! position errors are Gaussian, independent and constant over it, and a collision is the relative
//! position passing within the combined hard-body radius (HBR). Then:
//! 1. The states are moved, linearly, to the time where the relative position is perpendicular to
//!    the relative velocity (CARA's "TCA adjustment": a CDM's TCA is rounded to the millisecond).
//! 2. The position covariances (inertial) are summed and projected on the encounter plane, normal
//!    to the relative velocity; its principal axes give the sigmas `σx ≥ σz` and the miss vector's
//!    components `(xm, zm)` along them.
//! 3. Pc is the 2-D Gaussian integrated over the HBR disc:
//!    `Pc = ∫ N(x; 0, σx²) · ½[erf((zm + h)/(√2 σz)) − erf((zm − h)/(√2 σz))] dx` over
//!    `x ∈ [xm − R, xm + R]`, `h = √(R² − (x − xm)²)`, with `x = xm + R sin θ` so that the integrand
//!    is smooth, by adaptive Gauss-Legendre quadrature to 1e-11 relative.
//!
//! A projected eigenvalue below `(1e-4 · HBR)²` is raised to it (CARA's clipping of a non-positive
//! definite covariance); `Pc2d::remediated` says so. References: Foster & Estes (1992), NASA
//! JSC-25898; Alfano (2005), J. Astronaut. Sci. 53(1); Hall et al. (2018), "Time-dependent Pc".

use nalgebra::{Matrix3, Vector3};

/// One object near the close approach: inertial position, velocity and position covariance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Body {
    /// Position, m.
    pub r_m: Vector3<f64>,
    /// Velocity, m/s.
    pub v_m_s: Vector3<f64>,
    /// Position covariance in the same inertial frame, m².
    pub cov_m2: Matrix3<f64>,
}

/// The 2-D Pc of a close approach and the geometry it was computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pc2d {
    /// Probability of collision.
    pub pc: f64,
    /// Miss distance at the (adjusted) time of closest approach, m.
    pub miss_m: f64,
    /// Relative speed, m/s.
    pub rel_speed_m_s: f64,
    /// How far the states were moved to reach the closest approach, s (0 without adjustment).
    pub tca_offset_s: f64,
    /// Sigmas of the combined covariance along the encounter plane's principal axes, m (major, minor).
    pub sigma_m: (f64, f64),
    /// An eigenvalue was raised to the clipping level (non-positive-definite projected covariance).
    pub remediated: bool,
}

/// Why a 2-D Pc cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PcError {
    /// The objects do not move relative to each other: there is no encounter plane.
    ZeroRelativeVelocity,
    /// A position, velocity, covariance or radius is not finite, or the radius is negative.
    BadInput,
    /// The projected combined covariance has no positive eigenvalue.
    NoPositiveVariance,
}

impl std::fmt::Display for PcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PcError::ZeroRelativeVelocity => "the relative velocity is zero, so there is no encounter plane",
            PcError::BadInput => "a state, covariance or hard-body radius is not finite, or the radius is negative",
            PcError::NoPositiveVariance => "the combined covariance has no positive variance in the encounter plane",
        })
    }
}

/// Eigenvalues below this fraction of the HBR, squared, are clipped to it (CARA's `Fclip`).
const CLIP_FRACTION_OF_HBR: f64 = 1e-4;

/// The 2-D Pc of two objects with combined hard-body radius `hbr_m`; with `adjust_tca`, the
/// states are first moved linearly to the closest approach (step 1 of the module doc).
pub fn pc2d(a: &Body, b: &Body, hbr_m: f64, adjust_tca: bool) -> Result<Pc2d, PcError> {
    let finite = |m: &[f64]| m.iter().all(|x| x.is_finite());
    let inputs_finite = [a, b]
        .iter()
        .all(|o| finite(o.r_m.as_slice()) && finite(o.v_m_s.as_slice()) && finite(o.cov_m2.as_slice()));
    if hbr_m.is_nan() || hbr_m < 0.0 || hbr_m.is_infinite() || !inputs_finite {
        return Err(PcError::BadInput);
    }
    let v = a.v_m_s - b.v_m_s;
    let speed = v.norm();
    if speed == 0.0 {
        return Err(PcError::ZeroRelativeVelocity);
    }
    let dt = if adjust_tca {
        -(a.r_m - b.r_m).dot(&v) / (speed * speed)
    } else {
        0.0
    };
    let r = (a.r_m + dt * a.v_m_s) - (b.r_m + dt * b.v_m_s);
    let (x, z) = plane_axes(&r, &v);
    let c = a.cov_m2 + b.cov_m2;
    let (cxx, cxz, czz) = (x.dot(&(c * x)), x.dot(&(c * z)), z.dot(&(c * z)));
    let ((l1, l2), (e1x, e1z)) = eigen2(cxx, cxz, czz);
    if l1.is_nan() || l1 <= 0.0 {
        return Err(PcError::NoPositiveVariance);
    }
    let clip = (CLIP_FRACTION_OF_HBR * hbr_m).powi(2);
    let remediated = l1 < clip || l2 < clip;
    let (sx, sz) = (l1.max(clip).sqrt(), l2.max(clip).sqrt());
    if sz.is_nan() || sz <= 0.0 {
        return Err(PcError::NoPositiveVariance);
    }
    // The miss vector lies along x (r is perpendicular to v after adjustment; without it, CARA
    // too takes |r| along x); its components on the principal axes, made non-negative (symmetry).
    let miss = r.norm();
    let (xm, zm) = (miss * e1x.abs(), miss * e1z.abs());
    Ok(Pc2d {
        // Rounding in the quadrature can pass 1 by a few ulp when the disc holds all the mass (a
        // comparison, not `min`, so that a NaN would stay one for the callers' checks).
        pc: clamp_to_one(disc_integral(xm, zm, sx, sz, hbr_m)),
        miss_m: miss,
        rel_speed_m_s: speed,
        tca_offset_s: dt,
        sigma_m: (sx, sz),
        remediated,
    })
}

fn clamp_to_one(p: f64) -> f64 {
    if p > 1.0 { 1.0 } else { p }
}

/// Unit axes of the encounter plane: `x` along the miss vector's part normal to `v`, `z` along
/// `r × v`. For a zero miss any normal pair serves (the integral does not depend on it).
fn plane_axes(r: &Vector3<f64>, v: &Vector3<f64>) -> (Vector3<f64>, Vector3<f64>) {
    let y = v.normalize();
    let h = r.cross(v);
    let z = if h.norm() > 0.0 {
        h.normalize()
    } else {
        let e = if y.x.abs() < 0.9 { Vector3::x() } else { Vector3::y() };
        y.cross(&e).normalize()
    };
    (y.cross(&z), z)
}

/// Eigenvalues (larger first) and the larger one's unit eigenvector of `[[a, b], [b, c]]`.
fn eigen2(a: f64, b: f64, c: f64) -> ((f64, f64), (f64, f64)) {
    let mean = 0.5 * (a + c);
    let d = (0.5 * (a - c)).hypot(b);
    let l1 = mean + d;
    // The smaller from the determinant when that is more accurate than the difference.
    let l2 = if l1 != 0.0 && mean > 0.0 {
        (a * c - b * b) / l1
    } else {
        mean - d
    };
    let (ex, ez) = if b != 0.0 {
        let (ex, ez) = if a >= c { (l1 - c, b) } else { (b, l1 - a) };
        let n = ex.hypot(ez);
        (ex / n, ez / n)
    } else if a >= c {
        (1.0, 0.0)
    } else {
        (0.0, 1.0)
    };
    ((l1, l2), (ex, ez))
}

/// `∫∫` over the disc of radius `r` centred at `(xm, zm)` of the zero-mean Gaussian with sigmas
/// `(sx, sz)` along the axes.
fn disc_integral(xm: f64, zm: f64, sx: f64, sz: f64, r: f64) -> f64 {
    if r == 0.0 {
        return 0.0;
    }
    let norm = 1.0 / ((2.0 * std::f64::consts::PI).sqrt() * sx);
    let (dx, dz) = (std::f64::consts::SQRT_2 * sx, std::f64::consts::SQRT_2 * sz);
    let f = |theta: f64| {
        let (s, co) = theta.sin_cos();
        let h = r * co.max(0.0);
        let x = xm + r * s;
        norm * (-(x / dx).powi(2)).exp() * 0.5 * erf_difference((zm + h) / dz, (zm - h) / dz) * r * co.max(0.0)
    };
    // Break points where the integrand may change fast: the Gaussian's peak (x = 0) and where the
    // chord's half-height meets the miss component (h = zm).
    let half_pi = std::f64::consts::FRAC_PI_2;
    let mut cuts = vec![-half_pi, half_pi];
    if xm < r {
        cuts.push((-xm / r).asin());
    }
    if zm < r {
        let t = (zm / r).acos();
        cuts.extend([-t, t]);
    }
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    cuts.windows(2)
        .flat_map(|w| {
            (0..4).map(move |k| {
                (
                    w[0] + (w[1] - w[0]) * k as f64 / 4.0,
                    w[0] + (w[1] - w[0]) * (k + 1) as f64 / 4.0,
                )
            })
        })
        .map(|(lo, hi)| adaptive(&f, lo, hi, gauss_legendre(&f, lo, hi), 0))
        .sum()
}

/// `erf(a) − erf(b)` for `a ≥ b`, from erfc where both are on one side of 0 (no cancellation).
fn erf_difference(a: f64, b: f64) -> f64 {
    use statrs::function::erf::{erf, erfc};
    if b >= 0.0 {
        erfc(b) - erfc(a)
    } else if a <= 0.0 {
        erfc(-a) - erfc(-b)
    } else {
        erf(a) - erf(b)
    }
}

/// Relative tolerance of each panel (the integrand is non-negative, so it bounds the total's).
const PANEL_RTOL: f64 = 1e-11;
/// Deepest bisection of a panel.
const MAX_DEPTH: u32 = 30;

fn adaptive(f: &impl Fn(f64) -> f64, lo: f64, hi: f64, whole: f64, depth: u32) -> f64 {
    let mid = 0.5 * (lo + hi);
    let (left, right) = (gauss_legendre(f, lo, mid), gauss_legendre(f, mid, hi));
    let halves = left + right;
    if (halves - whole).abs() <= PANEL_RTOL * halves.abs() || depth >= MAX_DEPTH {
        return halves;
    }
    adaptive(f, lo, mid, left, depth + 1) + adaptive(f, mid, hi, right, depth + 1)
}

/// Points of the Gauss-Legendre rule of each panel.
const GL_POINTS: usize = 16;

/// The Gauss-Legendre rule on `[lo, hi]`.
fn gauss_legendre(f: &impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    let (half, mid) = (0.5 * (hi - lo), 0.5 * (hi + lo));
    half * super::quadrature::legendre(GL_POINTS)
        .iter()
        .map(|&(t, w)| w * f(mid + half * t))
        .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: [f64; 3], v: [f64; 3], sigma_m: f64) -> Body {
        Body {
            r_m: Vector3::from(r),
            v_m_s: Vector3::from(v),
            cov_m2: Matrix3::identity() * sigma_m * sigma_m,
        }
    }

    /// Zero miss and an isotropic combined covariance: Pc = 1 − exp(−R²/(2σ²)) exactly.
    #[test]
    fn head_on_isotropic_matches_the_closed_form() {
        for (sigma, hbr) in [(100.0, 10.0), (5.0, 20.0), (1000.0, 1.0), (3.0, 3.0)] {
            let a = body([7e6, 0.0, 0.0], [0.0, 7500.0, 0.0], sigma / 2f64.sqrt());
            let b = body([7e6, 0.0, 0.0], [0.0, 0.0, 7500.0], sigma / 2f64.sqrt());
            let pc = pc2d(&a, &b, hbr, true).unwrap().pc;
            let exact = -(-(hbr * hbr) / (2.0 * sigma * sigma)).exp_m1();
            assert!(
                ((pc - exact) / exact).abs() < 1e-10,
                "σ {sigma} R {hbr}: {pc} vs {exact}"
            );
        }
    }

    /// A miss along one axis with a small disc: Pc ≈ πR² × the density at the miss (exact to
    /// O(R²/σ²)), and the offset the TCA adjustment applies is the linear one.
    #[test]
    fn small_disc_is_the_density_times_the_area_and_tca_moves_linearly() {
        let (sx, sz, miss, hbr) = (300.0, 40.0, 500.0, 0.01);
        let mut a = body([7e6, miss, 0.0], [0.0, 0.0, 7000.0], 0.0);
        a.cov_m2 = Matrix3::from_diagonal(&Vector3::new(sz * sz, sx * sx, 1.0));
        let b = body([7e6, 0.0, -70.0], [0.0, 0.0, 0.0], 0.0);
        let out = pc2d(&a, &b, hbr, true).unwrap();
        assert!((out.tca_offset_s + 0.01).abs() < 1e-12, "{}", out.tca_offset_s);
        assert!((out.miss_m - miss).abs() < 1e-9);
        let density = (-(miss / sx).powi(2) / 2.0).exp() / (2.0 * std::f64::consts::PI * sx * sz);
        let approx = density * std::f64::consts::PI * hbr * hbr;
        assert!(((out.pc - approx) / approx).abs() < 1e-6, "{} vs {approx}", out.pc);
        assert_eq!(out.sigma_m, (sx, sz));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let a = body([7e6, 0.0, 0.0], [0.0, 7500.0, 0.0], 100.0);
        assert_eq!(pc2d(&a, &a, 10.0, true), Err(PcError::ZeroRelativeVelocity));
        let mut b = body([7e6, 1.0, 0.0], [0.0, 0.0, 7500.0], 100.0);
        assert_eq!(pc2d(&a, &b, -1.0, true), Err(PcError::BadInput));
        b.cov_m2[(0, 0)] = f64::NAN;
        assert_eq!(pc2d(&a, &b, 10.0, true), Err(PcError::BadInput));
        let zero = body([7e6, 1.0, 0.0], [0.0, 0.0, 7500.0], 0.0);
        let a0 = body([7e6, 0.0, 0.0], [0.0, 7500.0, 0.0], 0.0);
        assert_eq!(pc2d(&a0, &zero, 10.0, true), Err(PcError::NoPositiveVariance));
    }
}
