//! Measurements and their prediction from an estimate.

use crate::frames::{Site, Vec3, look_from, sub, teme_to_ecef};

/// One detection's measurement with its 1-sigma errors (what a track and an Observations product
/// carry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Meas {
    /// Tick of the detection.
    pub tick: u64,
    /// Sensor index (its site).
    pub sensor: u16,
    /// Slant range, km (radar).
    pub range_km: Option<f64>,
    /// Azimuth, degrees.
    pub az_deg: f64,
    /// Elevation, degrees.
    pub el_deg: f64,
    /// 1-sigma of the range, km (0 when there is no range).
    pub sigma_range_km: f64,
    /// 1-sigma of the azimuth, degrees.
    pub sigma_az_deg: f64,
    /// 1-sigma of the elevation, degrees.
    pub sigma_el_deg: f64,
}

impl Meas {
    /// Scalar components: azimuth and elevation, and range when measured.
    pub fn components(&self) -> usize {
        2 + usize::from(self.range_km.is_some())
    }
}

/// A measurement ready for a fit: where and when it was taken relative to the estimate's epoch.
#[derive(Debug, Clone, Copy)]
pub struct Obs<'a> {
    /// The measurement.
    pub meas: Meas,
    /// Minutes after the estimate's epoch.
    pub minutes: f64,
    /// The sensor's site.
    pub site: &'a Site,
    /// GMST (sin, cos) at the detection.
    pub gmst: (f64, f64),
}

/// Predicted measurement components of a TEME position, in the order of [`whitened_residuals`]:
/// azimuth (deg), elevation (deg), then range (km) when `with_range`.
pub fn predict(r_teme: Vec3, obs: &Obs, out: &mut Vec<f64>) {
    let look = look_from(obs.site, sub(teme_to_ecef(r_teme, obs.gmst), obs.site.ecef_km));
    out.push(look.az_deg);
    out.push(look.el_deg);
    if obs.meas.range_km.is_some() {
        out.push(look.range_km);
    }
}

/// Wraps an azimuth difference into [-180, 180).
pub(crate) fn wrap_deg(d: f64) -> f64 {
    (d + 180.0).rem_euclid(360.0) - 180.0
}

/// (measured − predicted) / sigma for each component of each observation, given the predictions
/// in [`predict`]'s order. Azimuth differences are wrapped.
pub fn whitened_residuals(obs: &[Obs], predicted: &[f64], out: &mut Vec<f64>) {
    let mut i = 0;
    for o in obs {
        let m = &o.meas;
        out.push(wrap_deg(m.az_deg - predicted[i]) / m.sigma_az_deg);
        out.push((m.el_deg - predicted[i + 1]) / m.sigma_el_deg);
        i += 2;
        if let Some(r) = m.range_km {
            out.push((r - predicted[i]) / m.sigma_range_km);
            i += 1;
        }
    }
    debug_assert_eq!(i, predicted.len());
}
