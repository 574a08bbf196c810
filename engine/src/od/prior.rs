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

/// 1-sigma errors of an element set in the radial / along-track / cross-track frame: positions
/// in km, and the along-track drift the error grows by per day. Velocity sigmas follow: radial
/// n·σ_along/2 (the along-track oscillation a radial velocity error makes), along-track
/// drift/(3 days) (an along-track velocity error δv drifts by 3δv per unit time), cross-track
/// n·σ_cross.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorSigmas {
    /// Radial, km.
    pub radial_km: f64,
    /// Along track, km.
    pub along_km: f64,
    /// Cross track, km.
    pub cross_km: f64,
    /// Along-track error growth, km per day.
    pub drift_km_per_day: f64,
}

impl PriorSigmas {
    /// Position sigmas (radial, along, cross), km.
    pub fn position_km(&self) -> [f64; 3] {
        [self.radial_km, self.along_km, self.cross_km]
    }

    /// Velocity sigmas (radial, along, cross) for an orbit of semi-major axis `a_km`, km/s.
    pub fn velocity_km_s(&self, a_km: f64) -> [f64; 3] {
        let n = (crate::orbit::MU_KM3_S2 / a_km.powi(3)).sqrt();
        [
            n * self.along_km / 2.0,
            self.drift_km_per_day / (3.0 * 86_400.0),
            n * self.cross_km,
        ]
    }

    /// The documented default for a regime.
    pub fn default_for(regime: Regime) -> PriorSigmas {
        let (radial_km, along_km, cross_km, drift_km_per_day) = match regime {
            Regime::Leo => (0.2, 1.0, 0.3, 2.0),
            Regime::Meo => (0.5, 2.0, 0.5, 1.0),
            Regime::Geo => (1.0, 3.0, 1.0, 1.0),
            Regime::Heo | Regime::Other => (1.0, 5.0, 1.0, 5.0),
        };
        PriorSigmas {
            radial_km,
            along_km,
            cross_km,
            drift_km_per_day,
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

/// Covariance of the equinoctial mean elements `x` (at `epoch`) whose state `minutes` after the
/// epoch has the RSW sigmas `s`: (Gᵀ C⁻¹ G + Λ)⁻¹ with G = ∂state(minutes)/∂x. Λ bounds every
/// element to three times the largest position sigma in natural units (a in km; the others times
/// a): without it, directions the state barely depends on (SDP4's near-equatorial orbits, where
/// node and perigee trade against each other) would get unbounded variance, and draws or fits
/// along them would leave the region where the linearisation holds.
pub fn prior_covariance(
    x: &Vec6,
    epoch: chrono::NaiveDateTime,
    template: &sgp4::Elements,
    minutes: f64,
    s: &PriorSigmas,
) -> Result<Mat6, String> {
    let g = state_jacobian(x, epoch, template, minutes)?;
    let (r, v) = super::state::state_of(x, epoch, template, minutes)?;
    let c = rsw_covariance(r, v, s.position_km(), s.velocity_km_s(x[0]));
    let ci = c.try_inverse().ok_or("singular state covariance")?;
    let bound_km = 3.0 * s.position_km().into_iter().fold(0.0, f64::max);
    let deep = x[0] > super::state::DEEP_SPACE_A_KM;
    let lambda = Mat6::from_diagonal(&Vec6::from_fn(|i, _| {
        let sigma = match i {
            0 => bound_km,
            // The cross-track error is about 2a (δp sin L − δq cos L) (L: true longitude): the
            // cross-track sigma bounds p and q. SDP4 needs it said: near the equator its state
            // depends on p and q roughly (the node is ill-defined, its lunar-solar terms are
            // not), so differences over a small step miss what a larger one does.
            3 | 4 if deep => (bound_km / x[0]).min(s.cross_km / (2.0 * x[0])),
            _ => bound_km / x[0],
        };
        1.0 / (sigma * sigma)
    }));
    let info = g.transpose() * ci * g + lambda;
    let p = info.try_inverse().ok_or("singular element information")?;
    Ok((p + p.transpose()) * 0.5)
}
