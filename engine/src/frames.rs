//! Reference frames: TEME -> Earth-fixed (PEF) by GMST, WGS-84 geodetic sites, topocentric look angles.
//!
//! Simplifications (see ARCHITECTURE.md, error budget): UT1 = UTC, polar motion and the equation of
//! the equinoxes are neglected, so "Earth-fixed" here is the pseudo-Earth-fixed frame of Vallado's
//! `teme2ecef` without polar motion.

/// WGS-84 equatorial radius, km.
pub const WGS84_A_KM: f64 = 6378.137;
/// WGS-84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// Earth rotation rate, rad/s.
pub const EARTH_RATE_RAD_S: f64 = 7.292_115_146_706_979e-5;

/// A 3-vector in km (or km/s).
pub type Vec3 = [f64; 3];

/// Dot product.
#[inline]
pub fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Difference `a - b`.
#[inline]
pub fn sub(a: Vec3, b: Vec3) -> Vec3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// Cross product `a × b`.
#[inline]
pub fn cross(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Euclidean norm.
#[inline]
pub fn norm(a: Vec3) -> f64 {
    dot(a, a).sqrt()
}

/// Greenwich mean sidereal time (IAU-82, Vallado `gstime`), radians, from Julian years since J2000 (UT1).
pub fn gmst_rad(julian_years_since_j2000: f64) -> f64 {
    sgp4::iau_epoch_to_sidereal_time(julian_years_since_j2000)
}

/// (sin, cos) of GMST at a tick.
pub fn gmst_sin_cos(clock: &crate::time::Clock, tick: crate::time::Tick) -> (f64, f64) {
    gmst_rad(clock.julian_years_since_j2000(tick)).sin_cos()
}

/// Rotates an Earth-fixed vector into TEME for a given GMST (the inverse of [`teme_to_ecef`]).
#[inline]
pub fn ecef_to_teme(r_ecef: Vec3, gmst: (f64, f64)) -> Vec3 {
    let (s, c) = gmst;
    [c * r_ecef[0] - s * r_ecef[1], s * r_ecef[0] + c * r_ecef[1], r_ecef[2]]
}

/// Rotates a TEME position into the Earth-fixed frame for a given GMST.
#[inline]
pub fn teme_to_ecef(r_teme: Vec3, gmst: (f64, f64)) -> Vec3 {
    let (s, c) = gmst;
    [c * r_teme[0] + s * r_teme[1], -s * r_teme[0] + c * r_teme[1], r_teme[2]]
}

/// A ground site on the WGS-84 ellipsoid, with its local east/north/up basis in ECEF.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Geodetic latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Height above the ellipsoid, metres.
    pub alt_m: f64,
    /// ECEF position, km.
    pub ecef_km: Vec3,
    /// Local east unit vector.
    pub east: Vec3,
    /// Local north unit vector.
    pub north: Vec3,
    /// Local up (ellipsoid normal) unit vector.
    pub up: Vec3,
}

impl Site {
    /// A site from geodetic coordinates.
    pub fn new(lat_deg: f64, lon_deg: f64, alt_m: f64) -> Site {
        let (sl, cl) = lat_deg.to_radians().sin_cos();
        let (so, co) = lon_deg.to_radians().sin_cos();
        let e2 = WGS84_F * (2.0 - WGS84_F);
        let n = WGS84_A_KM / (1.0 - e2 * sl * sl).sqrt();
        let h = alt_m / 1000.0;
        Site {
            lat_deg,
            lon_deg,
            alt_m,
            ecef_km: [(n + h) * cl * co, (n + h) * cl * so, (n * (1.0 - e2) + h) * sl],
            east: [-so, co, 0.0],
            north: [-sl * co, -sl * so, cl],
            up: [cl * co, cl * so, sl],
        }
    }

    /// Range, azimuth and elevation of an ECEF point seen from this site.
    pub fn look(&self, target_ecef_km: Vec3) -> Look {
        look_from(self, sub(target_ecef_km, self.ecef_km))
    }
}

/// Topocentric look angles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// Slant range, km.
    pub range_km: f64,
    /// Azimuth from north, clockwise, degrees in [0, 360).
    pub az_deg: f64,
    /// Elevation above the local horizontal, degrees.
    pub el_deg: f64,
}

/// Look angles of a line-of-sight vector `d` (ECEF, km) from a site.
pub fn look_from(site: &Site, d: Vec3) -> Look {
    let range_km = norm(d);
    let e = dot(d, site.east);
    let n = dot(d, site.north);
    let u = dot(d, site.up);
    let az = e.atan2(n).to_degrees();
    Look {
        range_km,
        az_deg: if az < 0.0 { az + 360.0 } else { az },
        el_deg: (u / range_km).clamp(-1.0, 1.0).asin().to_degrees(),
    }
}

/// True when azimuth `az_deg` lies in the sector swept clockwise from `from_deg` to `to_deg`.
pub fn azimuth_in_sector(az_deg: f64, from_deg: f64, to_deg: f64) -> bool {
    let width = (to_deg - from_deg).rem_euclid(360.0);
    let off = (az_deg - from_deg).rem_euclid(360.0);
    width == 0.0 || off <= width
}

/// TAI - UTC since 2017-01-01, s (no leap second has been announced since).
const TAI_MINUS_UTC_S: f64 = 37.0;
/// TT - TAI, s.
const TT_MINUS_TAI_S: f64 = 32.184;

/// The rotation from TEME to GCRF at UTC time `t`: `r_gcrf = m · r_teme` (velocities rotate
/// alike; the frame's own rotation rate, below 1e-11 rad/s, is left out). As Vallado et al. (2006)
/// define TEME and Skyfield implements it: TEME turns into the pseudo-Earth-fixed frame by GMST
/// (IAU-82, the angle SGP4 uses), which turns into the true equator and equinox of date by the
/// Greenwich apparent sidereal time (IAU 2006/2000A), so TEME → true of date is a rotation about z
/// by GAST − GMST82; true of date → GCRF is the transpose of ERFA's bias-precession-nutation
/// matrix (IAU 2006/2000A). UT1 is taken as UTC (both angles advance together, so the difference
/// is unaffected) and TAI − UTC as 37 s (valid from 2017 on).
pub fn teme_to_gcrf(t: &chrono::NaiveDateTime) -> nalgebra::Matrix3<f64> {
    let unix_s = t.and_utc().timestamp() as f64 + t.and_utc().timestamp_subsec_nanos() as f64 * 1e-9;
    let mjd_utc = 40_587.0 + unix_s / 86_400.0;
    let mjd_tt = mjd_utc + (TAI_MINUS_UTC_S + TT_MINUS_TAI_S) / 86_400.0;
    let gast = erfa::time::gst06a(2_400_000.5, mjd_utc, 2_400_000.5, mjd_tt);
    let gmst82 = gmst_rad((mjd_utc - 51_544.5) / 365.25);
    let ee = gast - gmst82;
    // r_tod = Rz(-ee) r_teme: x and y turn by +ee about z.
    let (s, c) = ee.sin_cos();
    let teme_to_tod = nalgebra::Matrix3::new(c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0);
    let pn = erfa::prenut::pn_matrix_06a(2_400_000.5, mjd_tt);
    let gcrf_to_tod = nalgebra::Matrix3::from_fn(|i, j| pn[i][j]);
    gcrf_to_tod.transpose() * teme_to_tod
}

#[cfg(test)]
mod tests {

    /// TEME to GCRF against Skyfield 1.53's `TEME` frame (IAU 2006/2000A; `TEME.rotation_at(t).T @
    /// r` at 2026-07-10 08:59:59.914 UTC, builtin timescale). The rotation moves this point by
    /// about 40 km, so a wrong sign or a missing step fails by far more than the tolerance.
    #[test]
    fn teme_to_gcrf_matches_skyfield() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 7, 10)
            .unwrap()
            .and_hms_milli_opt(8, 59, 59, 914)
            .unwrap();
        let r = nalgebra::Vector3::new(-657.307401, 3316.719528, 6332.0);
        let want = nalgebra::Vector3::new(-621.2038364960204, 3320.7432707571056, 6333.5357715947);
        let got = teme_to_gcrf(&t) * r;
        assert!(
            (got - want).norm() < 1e-4,
            "{got} vs {want}: {} km",
            (got - want).norm()
        );
        assert!((r - want).norm() > 30.0);
    }

    use super::*;

    #[test]
    fn equator_site_is_on_x_axis() {
        let s = Site::new(0.0, 0.0, 0.0);
        assert!((s.ecef_km[0] - WGS84_A_KM).abs() < 1e-9);
        assert!(s.ecef_km[1].abs() < 1e-9 && s.ecef_km[2].abs() < 1e-9);
    }

    #[test]
    fn pole_site_uses_polar_radius() {
        let s = Site::new(90.0, 0.0, 0.0);
        let b = WGS84_A_KM * (1.0 - WGS84_F);
        assert!((s.ecef_km[2] - b).abs() < 1e-6, "{}", s.ecef_km[2]);
    }

    #[test]
    fn look_angles_of_hand_placed_points() {
        let s = Site::new(0.0, 0.0, 0.0);
        // 1000 km straight up: zenith.
        let l = s.look([WGS84_A_KM + 1000.0, 0.0, 0.0]);
        assert!((l.range_km - 1000.0).abs() < 1e-9 && (l.el_deg - 90.0).abs() < 1e-6);
        // 100 km north along the local horizontal: az 0, el 0.
        let l = s.look([WGS84_A_KM, 0.0, 100.0]);
        assert!((l.az_deg - 0.0).abs() < 1e-9 && l.el_deg.abs() < 1e-9);
        // 100 km east and 100 km up: az 90, el 45.
        let l = s.look([WGS84_A_KM + 100.0, 100.0, 0.0]);
        assert!((l.az_deg - 90.0).abs() < 1e-9 && (l.el_deg - 45.0).abs() < 1e-9);
        // West: az 270.
        let l = s.look([WGS84_A_KM, -50.0, 0.0]);
        assert!((l.az_deg - 270.0).abs() < 1e-9);
    }

    #[test]
    fn teme_rotation_by_quarter_turn() {
        let g = std::f64::consts::FRAC_PI_2;
        let r = teme_to_ecef([7000.0, 0.0, 10.0], g.sin_cos());
        // The Earth turned 90 deg east, so a point on the inertial x axis is at longitude -90.
        assert!(r[0].abs() < 1e-9 && (r[1] + 7000.0).abs() < 1e-9 && r[2] == 10.0);
    }

    #[test]
    fn sectors_wrap_through_north() {
        assert!(azimuth_in_sector(350.0, 300.0, 60.0));
        assert!(azimuth_in_sector(10.0, 300.0, 60.0));
        assert!(!azimuth_in_sector(180.0, 300.0, 60.0));
        assert!(azimuth_in_sector(180.0, 0.0, 360.0));
    }
}
