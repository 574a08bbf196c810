//! Whether the 2-D Pc's assumptions hold for a conjunction, by CARA's usage-violation indicators
//! (`UsageViolationPc2D` in NASA CARA's toolkit, cut-offs of its `PcMultiStep`):
//! - **NPD**: a position covariance (either object's, or the combined one) is not positive
//!   definite;
//! - **Extended**: the encounter lasts long against the orbits: `2 k σ_T / P_min > 0.02`, where
//!   `σ_T = 1/√(vᵀA⁻¹v)` is the time width of the linear-motion encounter, `k = √2·erfcinv(1e-16)`
//!   and `P_min` the shorter period;
//! - **Offset**: it happens far from TCA: `max(|T ± k σ_T|) / P_min > 0.01`, with
//!   `T = −(rᵀA⁻¹v)/(vᵀA⁻¹v)` the time of the smallest Mahalanobis distance;
//! - **Inaccurate**: `1 − exp(−|ln(Nc / Pc2D)|) > 0.02`. CARA estimates the curvilinear Nc from a
//!   parabola fitted to the two-body Mahalanobis distance; here the full 3-D count ([`super::nc3d`])
//!   serves, which that parabola approximates.

use nalgebra::{Matrix3, SymmetricEigen};

use super::nc3d::Body6;

/// GM of the Earth, m³/s² (Nc3D's value).
const GM_M3_S2: f64 = super::nc3d::GM_KM3_S2 * 1e9;
/// `√2·erfcinv(1e-16)`: half-widths of the encounter in sigmas.
const K_GAMMA: f64 = 8.292_361_075_813_544;
/// CARA's `PcMultiStep` cut-offs.
const EXTENDED_MAX: f64 = 0.02;
const OFFSET_MAX: f64 = 0.01;
const INACCURATE_MAX: f64 = 0.02;

/// The indicators; [`Validity2d::valid`] applies the cut-offs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validity2d {
    /// A position covariance is not positive definite.
    pub npd: bool,
    /// Encounter duration over the shorter period (0..1).
    pub extended: f64,
    /// Farthest encounter time from TCA over the shorter period (0..1).
    pub offset: f64,
    /// `1 − exp(−|ln(Nc/Pc)|)`; NaN when the 3-D count could not be computed.
    pub inaccurate: f64,
}

impl Validity2d {
    /// No indicator beyond its cut-off (an indicator that could not be computed counts against).
    pub fn valid(&self) -> bool {
        !self.npd && self.extended <= EXTENDED_MAX && self.offset <= OFFSET_MAX && self.inaccurate <= INACCURATE_MAX
    }
}

/// The indicators for a conjunction given its 2-D Pc and, when computed, its 3-D count.
pub fn validity_2d(a: &Body6, b: &Body6, hbr_m: f64, pc2d: f64, nc3d: Option<f64>) -> Validity2d {
    let pos = |o: &Body6| o.cov.fixed_view::<3, 3>(0, 0).into_owned();
    let not_pd = |m: &Matrix3<f64>| SymmetricEigen::new(*m).eigenvalues.iter().any(|&l| l <= 0.0);
    let combined = pos(a) + pos(b);
    let npd = not_pd(&pos(a)) || not_pd(&pos(b)) || not_pd(&combined);
    let eig = SymmetricEigen::new(combined);
    let floor = (1e-4 * hbr_m).powi(2);
    let inv = eig.eigenvectors
        * Matrix3::from_diagonal(&eig.eigenvalues.map(|l| 1.0 / l.max(floor)))
        * eig.eigenvectors.transpose();
    let (r, v) = (b.r_m - a.r_m, b.v_m_s - a.v_m_s);
    let (rv, vv) = (r.dot(&(inv * v)), v.dot(&(inv * v)));
    let period = |o: &Body6| {
        let beta = 2.0 * GM_M3_S2 / o.r_m.norm() - o.v_m_s.norm_squared();
        if beta > 0.0 {
            std::f64::consts::TAU * GM_M3_S2 * beta.powf(-1.5)
        } else {
            f64::INFINITY
        }
    };
    let p_min = period(a).min(period(b));
    let (extended, offset) = if vv > 0.0 {
        let t = -rv / vv;
        let half = K_GAMMA / vv.sqrt();
        (
            (2.0 * half / p_min).min(1.0),
            ((t - half).abs().max((t + half).abs()) / p_min).min(1.0),
        )
    } else {
        (1.0, 1.0)
    };
    let inaccurate = match nc3d {
        None => f64::NAN,
        Some(nc) if nc == pc2d => 0.0,
        Some(nc) if nc <= 0.0 || pc2d <= 0.0 => 1.0,
        Some(nc) => 1.0 - (-(nc / pc2d).ln().abs()).exp(),
    };
    Validity2d {
        npd,
        extended,
        offset,
        inaccurate,
    }
}
