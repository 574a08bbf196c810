//! The Moon: its geocentric position, its phase angle, and the sky brightness its light adds at a
//! ground site, as a loss of a telescope's limiting magnitude.
//!
//! - Position: the truncated ELP-2000/82 lunar theory of Meeus (*Astronomical Algorithms*, 2nd ed.,
//!   ch. 47; the `astro` crate), about 10″ in longitude and 4″ in latitude, referred to the mean
//!   equator and equinox of date with the mean obliquity (Meeus 22.2), the frame the Sun model
//!   uses as TEME (the nutation left out moves the Moon by less than 20″). Checked against
//!   Skyfield and JPL's DE421 over a year (`engine/tests/moon.rs`).
//! - Sky brightness: Krisciunas & Schaefer (1991, PASP 103, 1033), the moonlight scattered into a
//!   line of sight in V, by lunar phase, Moon-target separation, both zenith distances and the
//!   site's extinction coefficient; the dark sky is the site's zenith brightness brightened
//!   towards the horizon as in the same paper.
//! - Limiting magnitude: a point source detected against its background reaches a signal-to-noise
//!   ratio proportional to flux / √background, so the limiting magnitude falls by
//!   1.25 log₁₀(total / dark) (sky-noise limited detection).

use crate::frames::{Vec3, dot, norm, sub};

/// TT − UTC, s: TAI − UTC (37 s since 2017-01-01) plus 32.184 s. The Moon moves 0.55″ per second,
/// so leaving it out would cost 38″.
pub const TT_MINUS_UTC_S: f64 = 69.184;

/// Julian date of J2000.0.
const J2000_JD: f64 = 2_451_545.0;

/// Separation below which the Krisciunas-Schaefer scattering function is not fitted (their data
/// start at 10°; closer in, the sensor's Moon exclusion normally applies), degrees.
const MIN_SEPARATION_DEG: f64 = 10.0;

/// Geocentric position of the Moon in the mean-equator-of-date frame (used as TEME), km, at Julian
/// centuries of UTC since J2000 (the same argument as [`crate::sun::sun_inertial_km`]).
pub fn moon_inertial_km(julian_centuries_utc: f64) -> Vec3 {
    let jde = J2000_JD + julian_centuries_utc * 36_525.0 + TT_MINUS_UTC_S / 86_400.0;
    let (ecl, r_km) = astro::lunar::geocent_ecl_pos(jde);
    let t = (jde - J2000_JD) / 36_525.0;
    // Mean obliquity of the ecliptic (Meeus 22.2), arcseconds.
    let eps_arcsec = 84_381.448 + t * (-46.815 + t * (-0.000_59 + t * 0.001_813));
    let (se, ce) = (eps_arcsec / 3600.0).to_radians().sin_cos();
    let (sl, cl) = ecl.long.sin_cos();
    let (sb, cb) = ecl.lat.sin_cos();
    let (x, y, z) = (cb * cl, cb * sl, sb);
    [r_km * x, r_km * (y * ce - z * se), r_km * (y * se + z * ce)]
}

/// The Moon's phase angle (at the Moon, between the directions to the Sun and to the Earth),
/// radians: 0 at full Moon, π at new Moon. Both positions geocentric, same frame.
pub fn phase_angle_rad(moon_km: Vec3, sun_km: Vec3) -> f64 {
    let to_sun = sub(sun_km, moon_km);
    let to_earth = moon_km.map(|x| -x);
    (dot(to_sun, to_earth) / (norm(to_sun) * norm(to_earth)))
        .clamp(-1.0, 1.0)
        .acos()
}

/// Illuminated fraction of the Moon's disc at a phase angle (radians).
pub fn illuminated_fraction(phase_rad: f64) -> f64 {
    (1.0 + phase_rad.cos()) / 2.0
}

/// Krisciunas & Schaefer's optical path length in airmasses at zenith distance `z_deg` (their
/// eq. 3; finite at the horizon).
fn airmass(z_deg: f64) -> f64 {
    let s = z_deg.to_radians().sin();
    (1.0 - 0.96 * s * s).powf(-0.5)
}

/// Surface brightness in nanolamberts of a V surface brightness in mag/arcsec² (K&S eq. 1).
pub fn nanolamberts(v_mag_arcsec2: f64) -> f64 {
    34.08 * (20.7233 - 0.92104 * v_mag_arcsec2).exp()
}

/// V surface brightness, mag/arcsec², of a brightness in nanolamberts (inverse of [`nanolamberts`]).
pub fn v_mag_arcsec2(nanolamberts: f64) -> f64 {
    (20.7233 - (nanolamberts / 34.08).ln()) / 0.92104
}

/// Where the Moon and a target are in a site's sky, for [`moonlight_nl`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkyGeometry {
    /// Moon's phase angle, degrees (0: full).
    pub phase_deg: f64,
    /// Moon-target separation, degrees.
    pub separation_deg: f64,
    /// Zenith distance of the Moon, degrees.
    pub moon_zenith_deg: f64,
    /// Zenith distance of the target, degrees.
    pub target_zenith_deg: f64,
}

/// Moonlight scattered into the line of sight, V, nanolamberts (K&S eqs. 15, 16, 20, 21); zero
/// with the Moon below the horizon. `k`: extinction coefficient, magnitudes per airmass.
pub fn moonlight_nl(g: SkyGeometry, k: f64) -> f64 {
    if g.moon_zenith_deg >= 90.0 {
        return 0.0;
    }
    let a = g.phase_deg.abs();
    let illuminance = 10f64.powf(-0.4 * (3.84 + 0.026 * a + 4e-9 * a.powi(4)));
    let rho = g.separation_deg.max(MIN_SEPARATION_DEG);
    let c = rho.to_radians().cos();
    let scattering = 10f64.powf(5.36) * (1.06 + c * c) + 10f64.powf(6.15 - rho / 40.0);
    let z = g.target_zenith_deg.min(90.0);
    scattering
        * illuminance
        * 10f64.powf(-0.4 * k * airmass(g.moon_zenith_deg))
        * (1.0 - 10f64.powf(-0.4 * k * airmass(z)))
}

/// The dark sky at zenith distance `z_deg`, nanolamberts, from its zenith V brightness (K&S eq. 2).
pub fn dark_sky_nl(zenith_v_mag_arcsec2: f64, z_deg: f64, k: f64) -> f64 {
    let x = airmass(z_deg.min(90.0));
    nanolamberts(zenith_v_mag_arcsec2) * 10f64.powf(-0.4 * k * (x - 1.0)) * x
}

/// Loss of limiting magnitude from moonlight (≥ 0): 1.25 log₁₀((dark + moon) / dark).
pub fn limiting_magnitude_loss(g: SkyGeometry, zenith_v_mag_arcsec2: f64, k: f64) -> f64 {
    let moon = moonlight_nl(g, k);
    if moon <= 0.0 {
        return 0.0;
    }
    let dark = dark_sky_nl(zenith_v_mag_arcsec2, g.target_zenith_deg, k);
    let loss = 1.25 * ((dark + moon) / dark).log10();
    debug_assert!(loss >= 0.0 && loss.is_finite(), "{loss}");
    loss
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sky(phase_deg: f64, separation_deg: f64) -> SkyGeometry {
        SkyGeometry {
            phase_deg,
            separation_deg,
            moon_zenith_deg: 40.0,
            target_zenith_deg: 30.0,
        }
    }

    #[test]
    fn surface_brightness_units_round_trip() {
        // K&S: a dark zenith of 79.0 nL is 21.587 V mag/arcsec².
        assert!((nanolamberts(21.587) - 79.0).abs() < 0.1, "{}", nanolamberts(21.587));
        assert!((v_mag_arcsec2(nanolamberts(18.3)) - 18.3).abs() < 1e-12);
    }

    #[test]
    fn moonlight_follows_phase_separation_and_horizon() {
        let k = 0.172;
        // Full Moon 60 degrees away: the sky is several magnitudes brighter than a 21.6 dark
        // sky (K&S's fig. 3 and the familiar 17-18 mag/arcsec² of a full-Moon sky).
        let full = moonlight_nl(sky(0.0, 60.0), k) + dark_sky_nl(21.6, 30.0, k);
        let v = v_mag_arcsec2(full);
        assert!((17.0..18.8).contains(&v), "{v}");
        // Brighter nearer the Moon and nearer full; none with the Moon below the horizon; a thin
        // crescent adds almost nothing.
        assert!(moonlight_nl(sky(0.0, 20.0), k) > moonlight_nl(sky(0.0, 60.0), k));
        assert!(moonlight_nl(sky(0.0, 60.0), k) > 5.0 * moonlight_nl(sky(90.0, 60.0), k));
        let below = SkyGeometry {
            moon_zenith_deg: 95.0,
            ..sky(0.0, 60.0)
        };
        assert_eq!(limiting_magnitude_loss(below, 21.6, k), 0.0);
        assert!(limiting_magnitude_loss(sky(170.0, 60.0), 21.6, k) < 0.02);
        let loss = limiting_magnitude_loss(sky(0.0, 60.0), 21.6, k);
        assert!((1.0..3.0).contains(&loss), "{loss}");
    }

    #[test]
    fn phase_angle_is_zero_at_opposition() {
        let sun = [1.5e8, 0.0, 0.0];
        assert!(phase_angle_rad([-384_000.0, 0.0, 0.0], sun) < 1e-9);
        assert!((phase_angle_rad([384_000.0, 0.0, 0.0], sun) - std::f64::consts::PI).abs() < 1e-9);
        assert!((illuminated_fraction(std::f64::consts::FRAC_PI_2) - 0.5).abs() < 1e-12);
    }
}
