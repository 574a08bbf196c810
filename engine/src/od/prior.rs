//! A-priori covariance of a published element set.
//!
//! Public TLE/GP element sets carry no covariance. Flohrer, Krag and Klinkrad, "Assessment and
//! categorization of TLE orbit errors for the US SSN catalogue" (AMOS 2008), estimate their
//! errors at epoch by regime: a few hundred metres radially and cross-track and around a kilometre
//! along track in LEO, several times that in MEO, GEO and HEO. The defaults below
//! ([`PriorSigmas::default_for`]) are of that order; a nation's scenario entry can override them.

use super::state::{Mat6, Vec6, state_jacobian};
use crate::frames::Vec3;
use crate::object::Regime;
use crate::orbit::rsw;

/// 1-sigma position errors of an element set at its epoch in the radial / along-track /
/// cross-track frame, km. Velocity sigmas are the mean motion times the same position sigmas.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PriorSigmas {
    /// Radial, km.
    pub radial_km: f64,
    /// Along track, km.
    pub along_km: f64,
    /// Cross track, km.
    pub cross_km: f64,
}

impl PriorSigmas {
    /// The documented default for a regime.
    pub fn default_for(regime: Regime) -> PriorSigmas {
        let (radial_km, along_km, cross_km) = match regime {
            Regime::Leo => (0.2, 1.0, 0.3),
            Regime::Meo => (0.5, 2.0, 0.5),
            Regime::Geo => (1.0, 3.0, 1.0),
            Regime::Heo | Regime::Other => (1.0, 5.0, 1.0),
        };
        PriorSigmas {
            radial_km,
            along_km,
            cross_km,
        }
    }
}

/// A TEME position/velocity covariance from RSW sigmas (position km, velocity km/s) at (r, v).
pub fn rsw_covariance(r: Vec3, v: Vec3, pos_km: [f64; 3], vel_km_s: [f64; 3]) -> Mat6 {
    let axes = rsw(r, v);
    let rot = nalgebra::Matrix3::from_fn(|i, j| axes[j][i]);
    let p = rot * nalgebra::Matrix3::from_diagonal(&nalgebra::Vector3::from(pos_km.map(|s| s * s))) * rot.transpose();
    let q = rot * nalgebra::Matrix3::from_diagonal(&nalgebra::Vector3::from(vel_km_s.map(|s| s * s))) * rot.transpose();
    let mut c = Mat6::zeros();
    c.fixed_view_mut::<3, 3>(0, 0).copy_from(&p);
    c.fixed_view_mut::<3, 3>(3, 3).copy_from(&q);
    c
}

/// Covariance of the equinoctial mean elements `x` (at `epoch`) whose state at the epoch has the
/// RSW sigmas `s`: G⁻¹ C G⁻ᵀ with G = ∂state/∂x.
pub fn prior_covariance(
    x: &Vec6,
    epoch: chrono::NaiveDateTime,
    template: &sgp4::Elements,
    s: &PriorSigmas,
) -> Result<Mat6, String> {
    let g = state_jacobian(x, epoch, template, 0.0)?;
    let (r, v) = super::state::state_of(x, epoch, template, 0.0)?;
    let n = (crate::orbit::MU_KM3_S2 / x[0].powi(3)).sqrt();
    let pos = [s.radial_km, s.along_km, s.cross_km];
    let c = rsw_covariance(r, v, pos, pos.map(|p| p * n));
    let gi = g.try_inverse().ok_or("singular element Jacobian")?;
    let p = gi * c * gi.transpose();
    Ok((p + p.transpose()) * 0.5)
}
