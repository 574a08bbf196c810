//! Low-precision Sun (Astronomical Almanac, ~0.01 deg) and Earth's shadow (cylinder model).

use crate::frames::{Vec3, WGS84_A_KM, dot};

/// Astronomical unit, km.
pub const AU_KM: f64 = 149_597_870.7;

/// Sun position in the mean-equator-of-date inertial frame (used as TEME), km, at Julian centuries
/// since J2000 (UT1 is used for TT; the 69 s difference moves the Sun by 0.0008 deg).
pub fn sun_inertial_km(julian_centuries: f64) -> Vec3 {
    let t = julian_centuries;
    let mean_lon = (280.460 + 36_000.771 * t).to_radians();
    let m = (357.529_109_2 + 35_999.050_34 * t).to_radians();
    let ecl_lon = mean_lon + (1.914_666_471 * m.sin() + 0.019_994_643 * (2.0 * m).sin()).to_radians();
    let r_au = 1.000_140_612 - 0.016_708_617 * m.cos() - 0.000_139_589 * (2.0 * m).cos();
    let eps = (23.439_291 - 0.013_004_2 * t).to_radians();
    let r = r_au * AU_KM;
    [
        r * ecl_lon.cos(),
        r * eps.cos() * ecl_lon.sin(),
        r * eps.sin() * ecl_lon.sin(),
    ]
}

/// True when a point (km, same frame as `sun_km`) is lit by the Sun: outside the cylinder of Earth's
/// shadow (radius = WGS-84 equatorial radius) behind the Earth.
pub fn is_sunlit(pos_km: Vec3, sun_km: Vec3) -> bool {
    let sun_norm = dot(sun_km, sun_km).sqrt();
    let along = dot(pos_km, sun_km) / sun_norm;
    if along >= 0.0 {
        return true;
    }
    let perp2 = dot(pos_km, pos_km) - along * along;
    perp2 > WGS84_A_KM * WGS84_A_KM
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sun_at_j2000_matches_almanac() {
        // At J2000.0 the apparent Sun is at RA ~ 281.3 deg, Dec ~ -23.03 deg, 0.9833 AU.
        let s = sun_inertial_km(0.0);
        let r = dot(s, s).sqrt();
        let ra = s[1].atan2(s[0]).to_degrees().rem_euclid(360.0);
        let dec = (s[2] / r).asin().to_degrees();
        assert!((r / AU_KM - 0.9833).abs() < 1e-3, "{}", r / AU_KM);
        assert!((ra - 281.3).abs() < 0.1, "{ra}");
        assert!((dec + 23.03).abs() < 0.05, "{dec}");
    }

    #[test]
    fn shadow_is_behind_the_earth_only() {
        let sun = [AU_KM, 0.0, 0.0];
        assert!(!is_sunlit([-7000.0, 0.0, 0.0], sun));
        assert!(is_sunlit([7000.0, 0.0, 0.0], sun));
        assert!(is_sunlit([-7000.0, 6500.0, 0.0], sun));
        assert!(!is_sunlit([-42_000.0, 6000.0, 0.0], sun));
    }
}
