//! Per-tick quantities shared by every system: Earth rotation, the Sun, the Moon, and each site's
//! darkness.

use crate::frames::{Site, Vec3, gmst_sin_cos, norm, sub, teme_to_ecef};
use crate::moon::{moon_inertial_km, phase_angle_rad};
use crate::sun::sun_inertial_km;
use crate::time::Tick;
use crate::world::Sim;

/// Maximum rate of change of the Sun's elevation at any site, deg/s (Earth rotation).
const SUN_EL_RATE_DEG_S: f64 = 360.0 / 86_164.0;

/// What every system needs to know about the tick.
pub struct Frame {
    /// (sin, cos) of GMST.
    pub gmst_sin_cos: (f64, f64),
    /// Sun position, Earth-fixed, km.
    pub sun_ecef_km: Vec3,
    /// The Moon's phase angle, degrees (0: full).
    pub moon_phase_deg: f64,
    /// Per sensor: unit vector from the site to the Moon, Earth-fixed.
    pub moon_dir: Vec<Vec3>,
    /// Per sensor: the site is dark enough now (always true for radars); after the `weather`
    /// system, also clear.
    pub dark: Vec<bool>,
    /// Per sensor: the site may be dark before the next candidate refresh (pruning).
    pub may_be_dark: Vec<bool>,
    /// Candidate refresh interval, ticks.
    pub refresh_ticks: u64,
}

impl Frame {
    /// Computes the frame of a tick.
    pub fn new(sim: &Sim, tick: Tick) -> Frame {
        let gmst_sin_cos = gmst_sin_cos(&sim.clock, tick);
        let sun_ecef_km = sun_ecef_km(&sim.clock, tick, gmst_sin_cos);
        let moon_ecef_km = moon_ecef_km(&sim.clock, tick, gmst_sin_cos);
        let moon_phase_deg = phase_angle_rad(moon_ecef_km, sun_ecef_km).to_degrees();
        let moon_dir = sim.sensors.iter().map(|s| moon_dir(&s.site, moon_ecef_km)).collect();
        let refresh_ticks = refresh_ticks(sim.options.prune_window_s, sim.clock.tick_s);
        let window_s = (refresh_ticks.saturating_sub(1)) as f64 * sim.clock.tick_s as f64;
        let mut dark = Vec::with_capacity(sim.sensors.len());
        let mut may_be_dark = Vec::with_capacity(sim.sensors.len());
        for s in sim.sensors.iter() {
            match s.max_sun_el_deg {
                None => {
                    dark.push(true);
                    may_be_dark.push(true);
                }
                Some(limit) => {
                    let el = s.site.look(sun_ecef_km).el_deg;
                    dark.push(el <= limit);
                    may_be_dark.push(el <= limit + SUN_EL_RATE_DEG_S * window_s + 0.01);
                }
            }
        }
        Frame {
            gmst_sin_cos,
            sun_ecef_km,
            moon_phase_deg,
            moon_dir,
            dark,
            may_be_dark,
            refresh_ticks,
        }
    }
}

/// The Sun's Earth-fixed position at a tick, km (`gmst`: its GMST's sine and cosine).
pub(crate) fn sun_ecef_km(clock: &crate::time::Clock, tick: Tick, gmst: (f64, f64)) -> Vec3 {
    teme_to_ecef(sun_inertial_km(clock.julian_centuries_since_j2000(tick)), gmst)
}

/// The Moon's Earth-fixed position at a tick, km (`gmst`: its GMST's sine and cosine).
pub(crate) fn moon_ecef_km(clock: &crate::time::Clock, tick: Tick, gmst: (f64, f64)) -> Vec3 {
    teme_to_ecef(moon_inertial_km(clock.julian_centuries_since_j2000(tick)), gmst)
}

/// Unit vector from a site to the Moon (topocentric: the parallax reaches a degree).
pub(crate) fn moon_dir(site: &Site, moon_ecef_km: Vec3) -> Vec3 {
    let d = sub(moon_ecef_km, site.ecef_km);
    let r = norm(d);
    d.map(|x| x / r)
}

/// Ticks between candidate refreshes for a pruning window (0 = no pruning, refresh every tick).
pub fn refresh_ticks(prune_window_s: u32, tick_s: u32) -> u64 {
    if prune_window_s == 0 {
        1
    } else {
        (prune_window_s / tick_s.max(1)).max(1) as u64
    }
}
