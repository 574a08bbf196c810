//! Equinoctial mean elements and their conversions to and from SGP4 elements.

use crate::frames::Vec3;
use crate::orbit::{Equinoctial, Keplerian, MU_KM3_S2, to_elements};

/// A 6-vector (equinoctial mean elements, or a TEME state in km and km/s).
pub type Vec6 = nalgebra::SVector<f64, 6>;
/// A 6x6 matrix (covariances, Jacobians).
pub type Mat6 = nalgebra::SMatrix<f64, 6, 6>;

/// Equinoctial mean elements of an SGP4 element set.
pub fn mean_of(el: &sgp4::Elements) -> Vec6 {
    let n_rad_s = el.mean_motion * std::f64::consts::TAU / 86_400.0;
    let k = Keplerian {
        a_km: (MU_KM3_S2 / (n_rad_s * n_rad_s)).cbrt(),
        e: el.eccentricity,
        i: el.inclination.to_radians(),
        raan: el.right_ascension.to_radians(),
        argp: el.argument_of_perigee.to_radians(),
        m: el.mean_anomaly.to_radians(),
    };
    let q = Equinoctial::of(&k);
    Vec6::new(q.a_km, q.h, q.k, q.p, q.q, q.l)
}

/// SGP4 elements for equinoctial mean elements `x` at `epoch` (drag terms, name and ids from
/// `template`).
pub fn elements_of(x: &Vec6, epoch: chrono::NaiveDateTime, template: &sgp4::Elements) -> sgp4::Elements {
    let q = Equinoctial {
        a_km: x[0],
        h: x[1],
        k: x[2],
        p: x[3],
        q: x[4],
        l: x[5],
    };
    to_elements(&q.keplerian(), epoch, template, template.norad_id)
}

/// `t` without its name and international designator, which SGP4 does not read: copies of it
/// made per propagation (finite differences, fits) then allocate nothing.
pub fn bare(t: &sgp4::Elements) -> sgp4::Elements {
    sgp4::Elements {
        object_name: None,
        international_designator: None,
        norad_id: t.norad_id,
        classification: t.classification.clone(),
        datetime: t.datetime,
        mean_motion_dot: t.mean_motion_dot,
        mean_motion_ddot: t.mean_motion_ddot,
        drag_term: t.drag_term,
        element_set_number: t.element_set_number,
        inclination: t.inclination,
        right_ascension: t.right_ascension,
        eccentricity: t.eccentricity,
        argument_of_perigee: t.argument_of_perigee,
        mean_anomaly: t.mean_anomaly,
        mean_motion: t.mean_motion,
        revolution_number: t.revolution_number,
        ephemeris_type: t.ephemeris_type,
    }
}

/// TEME position (km) and velocity (km/s) of elements `x` `minutes` after their epoch.
pub fn state_of(
    x: &Vec6,
    epoch: chrono::NaiveDateTime,
    template: &sgp4::Elements,
    minutes: f64,
) -> Result<(Vec3, Vec3), String> {
    let c = sgp4::Constants::from_elements_afspc_compatibility_mode(&elements_of(x, epoch, template))
        .map_err(|e| e.to_string())?;
    let p = c
        .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
        .map_err(|e| e.to_string())?;
    Ok((p.position, p.velocity))
}

/// Finite-difference steps for x (km, then dimensionless and radians): about a metre of position
/// for near-Earth orbits; a hundred times more for deep-space ones (period of 225 minutes or more),
/// where SDP4's resonance terms make the map from elements to state rough at the metre level.
pub(crate) fn steps(x: &Vec6) -> [f64; 6] {
    let f = if x[0] > DEEP_SPACE_A_KM { 10.0 } else { 1.0 };
    [1e-3 * f, 1e-7 * f, 1e-7 * f, 1e-7 * f, 1e-7 * f, 1e-7 * f]
}

/// Semi-major axis of a 225-minute period (SGP4's deep-space threshold), km.
pub(crate) const DEEP_SPACE_A_KM: f64 = 12_008.0;

/// ∂(TEME state at `minutes`)/∂x by forward differences (rows: x, y, z km, vx, vy, vz km/s).
pub fn state_jacobian(
    x: &Vec6,
    epoch: chrono::NaiveDateTime,
    template: &sgp4::Elements,
    minutes: f64,
) -> Result<Mat6, String> {
    let base = state_of(x, epoch, template, minutes)?;
    state_jacobian_about(x, epoch, template, minutes, base)
}

/// [`state_jacobian`] given the state of `x` itself at `minutes` (`base`: what [`state_of`]
/// gives, or the same elements' cached SGP4 propagated), which it then does not recompute.
pub fn state_jacobian_about(
    x: &Vec6,
    epoch: chrono::NaiveDateTime,
    template: &sgp4::Elements,
    minutes: f64,
    (r0, v0): (Vec3, Vec3),
) -> Result<Mat6, String> {
    let template = &bare(template);
    let mut j = Mat6::zeros();
    for (c, h) in steps(x).iter().enumerate() {
        let mut xp = *x;
        xp[c] += h;
        let (r, v) = state_of(&xp, epoch, template, minutes)?;
        for k in 0..3 {
            j[(k, c)] = (r[k] - r0[k]) / h;
            j[(k + 3, c)] = (v[k] - v0[k]) / h;
        }
    }
    Ok(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_round_trip_through_equinoctial() {
        let el = crate::testutil::iss();
        let x = mean_of(&el);
        let back = elements_of(&x, el.datetime, &el);
        for (a, b) in [
            (back.mean_motion, el.mean_motion),
            (back.eccentricity, el.eccentricity),
            (back.inclination, el.inclination),
            (back.right_ascension, el.right_ascension),
            (back.argument_of_perigee, el.argument_of_perigee),
            (back.mean_anomaly, el.mean_anomaly),
        ] {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        let (r1, _) = state_of(&x, el.datetime, &el, 30.0).unwrap();
        let (r2, _) = crate::testutil::sgp4_state(&el, 30.0);
        assert!(crate::frames::norm(crate::frames::sub(r1, r2)) < 1e-6);
    }
}
