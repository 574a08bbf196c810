//! Sensor geometry and detection models: field-of-regard tests (exact and conservative), radar
//! probability of detection from SNR, optical probability of detection from apparent magnitude.

use std::sync::Arc;

use crate::frames::{Site, Vec3, azimuth_in_sector, dot, sub};
use crate::scenario::{AzimuthSector, SensorKind, SensorSpec};
use crate::sun::is_sunlit;

/// A sensor as the hot path sees it (built once from the scenario, immutable during a run).
#[derive(Debug, Clone)]
pub struct SensorModel {
    /// Stable id.
    pub id: Arc<str>,
    /// Owning nation id.
    pub nation: Arc<str>,
    /// Site geometry.
    pub site: Site,
    /// Parameters.
    pub kind: SensorKind,
    /// sin(min elevation).
    pub sin_min_el: f64,
    /// cos(min elevation).
    pub cos_min_el: f64,
    /// Max slant range, km (infinite when unlimited).
    pub max_range_km: f64,
    /// Azimuth sector, if any.
    pub sector: Option<AzimuthSector>,
    /// For optical: darkness limit, degrees.
    pub max_sun_el_deg: Option<f64>,
    /// For optical: whether the target must be sunlit.
    pub require_sunlit: bool,
    /// For optical with a Moon exclusion: its cosine (a target whose direction makes a larger
    /// cosine with the Moon's is not observed).
    pub moon_cos_exclusion: Option<f64>,
}

impl SensorModel {
    /// Builds the model from a validated spec.
    pub fn new(spec: &SensorSpec) -> SensorModel {
        let (min_el, max_range, sector, sun, sunlit) = match &spec.kind {
            SensorKind::Radar(r) => (r.min_elevation_deg, r.max_range_km, r.azimuth_sector, None, false),
            SensorKind::Optical(o) => (
                o.min_elevation_deg,
                o.max_range_km.unwrap_or(f64::INFINITY),
                o.azimuth_sector,
                Some(o.max_sun_elevation_deg),
                o.require_target_sunlit,
            ),
        };
        let (s, c) = min_el.to_radians().sin_cos();
        let moon_cos_exclusion = match &spec.kind {
            SensorKind::Optical(o) if o.sky.moon_exclusion_deg > 0.0 => {
                Some(o.sky.moon_exclusion_deg.to_radians().cos())
            }
            _ => None,
        };
        SensorModel {
            id: spec.id.as_str().into(),
            nation: spec.nation.as_str().into(),
            site: Site::new(spec.lat_deg, spec.lon_deg, spec.alt_m),
            kind: spec.kind.clone(),
            sin_min_el: s,
            cos_min_el: c,
            max_range_km: max_range,
            sector,
            max_sun_el_deg: sun,
            require_sunlit: sunlit,
            moon_cos_exclusion,
        }
    }

    /// True for radars.
    pub fn is_radar(&self) -> bool {
        matches!(self.kind, SensorKind::Radar(_))
    }

    /// Exact field-of-regard test for an object at `ecef` (km). `dark` says whether the site is dark
    /// (and clear) now (optical), `sun_ecef` is used for the target-sunlit test and `moon_dir` (unit,
    /// from the site, Earth-fixed) for the Moon exclusion. Returns the line of sight and range.
    #[inline]
    pub fn sees(&self, ecef: Vec3, dark: bool, sun_ecef: Vec3, moon_dir: Vec3) -> Option<(Vec3, f64, f64)> {
        let d = sub(ecef, self.site.ecef_km);
        let range2 = dot(d, d);
        if range2 > self.max_range_km * self.max_range_km {
            return None;
        }
        let up = dot(d, self.site.up);
        if up < 0.0 && self.sin_min_el >= 0.0 {
            return None;
        }
        let range = range2.sqrt();
        let sin_el = up / range;
        if sin_el < self.sin_min_el {
            return None;
        }
        if let Some(sec) = self.sector {
            let az = dot(d, self.site.east)
                .atan2(dot(d, self.site.north))
                .to_degrees()
                .rem_euclid(360.0);
            if !azimuth_in_sector(az, sec.from_deg, sec.to_deg) {
                return None;
            }
        }
        if self.max_sun_el_deg.is_some() && (!dark || (self.require_sunlit && !is_sunlit(ecef, sun_ecef))) {
            return None;
        }
        if let Some(cos_exclusion) = self.moon_cos_exclusion
            && dot(d, moon_dir) > cos_exclusion * range
        {
            return None;
        }
        Some((d, range, sin_el))
    }

    /// Conservative test: could an object now at `ecef`, moving at most `reach_km` before the next
    /// refresh, enter the field of regard (range and elevation cone; sector and lighting ignored)?
    #[inline]
    pub fn may_see(&self, ecef: Vec3, reach_km: f64) -> bool {
        let d = sub(ecef, self.site.ecef_km);
        let dist2 = dot(d, d);
        let lim = self.max_range_km + reach_km;
        if dist2 > lim * lim {
            return false;
        }
        let dist = dist2.sqrt();
        if dist <= reach_km {
            return true;
        }
        let c = dot(d, self.site.up) / dist; // cos of the angle from zenith
        if c >= self.sin_min_el {
            return true; // inside the elevation cone
        }
        let s = (1.0 - c * c).max(0.0).sqrt();
        // Angle beyond the cone edge is (theta - alpha), alpha = 90 deg - min_el.
        let cos_beyond = c * self.sin_min_el + s * self.cos_min_el;
        if cos_beyond <= 0.0 {
            return false; // nearest point is the apex, and dist > reach
        }
        let sin_beyond = s * self.sin_min_el - c * self.cos_min_el;
        dist * sin_beyond <= reach_km
    }
}

/// Radar single-look SNR (linear) from the radar equation scaled from a reference: SNR ∝ RCS / R⁴.
pub fn radar_snr(reference_snr_db: f64, reference_range_km: f64, rcs_m2: f64, range_km: f64) -> f64 {
    let r = reference_range_km / range_km;
    10f64.powf(reference_snr_db / 10.0) * rcs_m2 * r * r * r * r
}

/// Probability of detection of a Swerling I target with square-law detection: `Pd = Pfa^(1/(1+SNR))`.
pub fn swerling1_pd(snr_linear: f64, pfa: f64) -> f64 {
    pfa.powf(1.0 / (1.0 + snr_linear))
}

/// Diffuse-sphere phase function normalised to 1 at 90° phase: `((π - φ) cos φ + sin φ)`.
pub fn diffuse_sphere_phase(phase_rad: f64) -> f64 {
    (std::f64::consts::PI - phase_rad) * phase_rad.cos() + phase_rad.sin()
}

/// Apparent visual magnitude from the standard magnitude (1000 km, 90° phase), range and phase angle.
pub fn apparent_magnitude(std_magnitude: f64, range_km: f64, phase_rad: f64) -> f64 {
    let f = diffuse_sphere_phase(phase_rad);
    if f <= 1e-12 {
        return f64::INFINITY;
    }
    std_magnitude + 5.0 * (range_km / 1000.0).log10() - 2.5 * f.log10()
}

/// Width of the optical detection sigmoid, magnitudes.
pub const OPTICAL_PD_WIDTH_MAG: f64 = 0.25;

/// Optical probability of detection: a logistic curve, 0.5 at the limiting magnitude.
pub fn optical_pd(magnitude: f64, limiting_magnitude: f64) -> f64 {
    if !magnitude.is_finite() {
        return 0.0;
    }
    1.0 / (1.0 + ((magnitude - limiting_magnitude) / OPTICAL_PD_WIDTH_MAG).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::RadarSpec;

    fn radar(min_el: f64, max_range: f64) -> SensorModel {
        SensorModel::new(&SensorSpec {
            id: "R".into(),
            name: "R".into(),
            nation: "N".into(),
            lat_deg: 10.0,
            lon_deg: 20.0,
            alt_m: 0.0,
            kind: SensorKind::Radar(RadarSpec {
                min_elevation_deg: min_el,
                max_range_km: max_range,
                azimuth_sector: None,
                reference_snr_db: 20.0,
                reference_range_km: 1000.0,
                false_alarm_probability: 1e-6,
                range_sigma_m: 10.0,
                az_sigma_deg: 0.01,
                el_sigma_deg: 0.01,
                capacity: 1,
            }),
        })
    }

    #[test]
    fn swerling_pd_textbook_values() {
        // Pd = Pfa^(1/(1+SNR)): SNR 0 gives Pfa; SNR 20 dB with Pfa 1e-6 gives 0.872.
        assert!((swerling1_pd(0.0, 1e-6) - 1e-6).abs() < 1e-18);
        assert!((swerling1_pd(100.0, 1e-6) - 0.872_155_8).abs() < 1e-6);
    }

    #[test]
    fn snr_falls_with_fourth_power_of_range() {
        let a = radar_snr(20.0, 1000.0, 1.0, 1000.0);
        let b = radar_snr(20.0, 1000.0, 1.0, 2000.0);
        assert!((a - 100.0).abs() < 1e-9 && (a / b - 16.0).abs() < 1e-9);
    }

    #[test]
    fn magnitude_scales_with_range_and_phase() {
        assert!((apparent_magnitude(6.0, 1000.0, std::f64::consts::FRAC_PI_2) - 6.0).abs() < 1e-12);
        // 10x the range: +5 mag.
        assert!((apparent_magnitude(6.0, 10_000.0, std::f64::consts::FRAC_PI_2) - 11.0).abs() < 1e-12);
        // Full phase (φ = 0) is brighter by 2.5 log10(π).
        assert!((apparent_magnitude(6.0, 1000.0, 0.0) - (6.0 - 2.5 * std::f64::consts::PI.log10())).abs() < 1e-12);
        assert!(optical_pd(16.0, 16.0) == 0.5 && optical_pd(14.0, 16.0) > 0.99 && optical_pd(18.0, 16.0) < 0.01);
    }

    #[test]
    fn conservative_test_never_rejects_what_the_exact_test_accepts() {
        // Sample points around the site; any point within `reach` of a visible point must pass may_see.
        let s = radar(5.0, 3000.0);
        let mut next = crate::testutil::uniforms(12345);
        let reach = 300.0;
        let mut checked = 0;
        for _ in 0..200_000 {
            let p = [
                s.site.ecef_km[0] + (next() - 0.5) * 8000.0,
                s.site.ecef_km[1] + (next() - 0.5) * 8000.0,
                s.site.ecef_km[2] + (next() - 0.5) * 8000.0,
            ];
            if s.sees(p, true, [1e8, 0.0, 0.0], [0.0, 0.0, 1.0]).is_none() {
                continue;
            }
            // A point displaced by up to `reach` must still be a candidate.
            let dir = [next() - 0.5, next() - 0.5, next() - 0.5];
            let n = dot(dir, dir).sqrt();
            let k = next() * reach / n;
            let q = [p[0] + dir[0] * k, p[1] + dir[1] * k, p[2] + dir[2] * k];
            assert!(s.may_see(q, reach), "visible point {p:?} displaced to {q:?} was pruned");
            checked += 1;
        }
        assert!(checked > 1000, "only {checked} visible samples");
    }
}
