//! Warnings that need geometry, given once the scenario is valid (`check` and `run` print them):
//! a tasking request that no sensor it is sent to can observe within its window, and a sensor
//! that can never see any object of the run.
//!
//! Both are conservative: a warning means the geometry rules the observation out, never that it
//! is merely unlikely. A request is tested at every tick of its window (coarse steps that the
//! sensors' conservative field-of-regard test rules out are skipped), with the sensors' exact
//! field of regard: elevation, range, azimuth sector and, for telescopes, a dark sky and a sunlit
//! target; on the object's element set as the scenario gives it (a manoeuvre inject before the
//! window is not applied). A sensor is tested against every object's orbit shell: its perigee
//! beyond the sensor's reach, or its inclination too low to rise above the site's horizon
//! (spherical Earth, 0.5° margin).

use std::ops::Range;

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::frames::{gmst_sin_cos, norm, teme_to_ecef};
use crate::od::DEEP_SPACE_A_KM;
use crate::policy::Target;
use crate::sensor::SensorModel;
use crate::systems::frame::{moon_dir, moon_ecef_km, sun_ecef_km};
use crate::time::Tick;
use crate::world::{max_ecef_speed, semi_major_axis_km};

use super::Scenario;

/// Seconds between the positions the coarse test is made at.
const COARSE_S: u64 = 60;
/// Margin of the inclination test, degrees (geocentric against geodetic latitude, oblateness).
const LATITUDE_MARGIN_DEG: f64 = 0.5;
/// Propagations the tasking-request test may make in all (about a second; a deep-space one costs
/// one more per 720 minutes from its epoch, SDP4's integration steps): past it, the remaining
/// requests are not tested, and one warning says so.
const REQUEST_BUDGET: u64 = 2_000_000;
/// (Sensor, orbit) pairs the sensor test may compare in all: past it, the remaining sensors are
/// not tested.
const SHELL_BUDGET: u64 = 100_000_000;

/// Where the scenario text names each request's window and each sensor (by id).
pub(super) struct Spans {
    /// Request id → span of its window.
    pub requests: Vec<(String, Range<usize>)>,
    /// Sensor id → span of its id.
    pub sensors: Vec<(String, Range<usize>)>,
}

/// The geometric warnings of a valid scenario.
pub(super) fn warnings(s: &Scenario, src: &SourceFile, spans: &Spans) -> Diagnostics {
    let mut d = Diagnostics::default();
    let models: Vec<SensorModel> = s.sensors.iter().map(SensorModel::new).collect();
    let mut budget = REQUEST_BUDGET;
    for r in &s.tasking {
        let Some((_, span)) = spans.requests.iter().find(|(id, _)| *id == r.id) else {
            continue;
        };
        if budget == 0 {
            d.push(
                Diagnostic::warning(
                    src,
                    span.clone(),
                    format!(
                        "tasking request `{}` and those after it were not tested for whether their sensors can observe the object (the test's budget of {REQUEST_BUDGET} propagations is spent)",
                        r.id
                    ),
                )
                .with_help("shorter windows or fewer requests keep the test within its budget"),
            );
            break;
        }
        let asked: Vec<usize> = (0..s.sensors.len())
            .filter(|&k| match &r.target {
                Target::Sensor(id) => s.sensors[k].id == *id,
                Target::Nation(_) => s.sensors[k].nation == r.provider,
            })
            .collect();
        let Ok(i) = s.objects.binary_search_by_key(&r.object, |o| o.id) else {
            continue;
        };
        if !observable(s, &s.objects[i].elements, &models, &asked, r.window, &mut budget) {
            let who = match &r.target {
                Target::Sensor(id) => format!("sensor {id} cannot"),
                Target::Nation(n) => format!("no sensor of {n} ({} in all) can", asked.len()),
            };
            let lit = if asked.iter().any(|&k| models[k].max_sun_el_deg.is_some()) {
                " (and, for telescopes, lit against a dark sky)"
            } else {
                ""
            };
            d.push(
                Diagnostic::warning(
                    src,
                    span.clone(),
                    format!(
                        "tasking request `{}`: {who} observe object {} within its window: it is never above the elevation limit, in range and in sector{lit} at any tick of it",
                        r.id, r.object
                    ),
                )
                .with_help("widen the window, send it to a nation or sensor that sees the object, or check its catalog number"),
            );
        }
    }
    let shells: Vec<Shell> = crate::systems::inject::population(s)
        .iter()
        .filter_map(|m| Shell::of(&m.object.elements))
        .collect();
    let mut compared = 0u64;
    for (k, m) in models.iter().enumerate() {
        compared += shells.len() as u64;
        if compared > SHELL_BUDGET {
            break;
        }
        if shells.iter().all(|o| o.out_of_reach(m)) {
            let Some((_, span)) = spans.sensors.iter().find(|(id, _)| *id == s.sensors[k].id) else {
                continue;
            };
            d.push(
                Diagnostic::warning(
                    src,
                    span.clone(),
                    format!(
                        "sensor {} can never see any of the run's {} objects: their orbits never come within its range above its elevation limit",
                        s.sensors[k].id,
                        shells.len()
                    ),
                )
                .with_help("check its site, `min_elevation_deg` and `max_range_km`, or add the objects it is meant for"),
            );
        }
    }
    d
}

/// Whether any of the sensors `asked` sees the object at some tick of `window` (seconds from the
/// epoch, `[start, end)`, cut to the run); each propagation spends one of `budget`, and an
/// exhausted budget answers true (no warning without a test).
fn observable(
    s: &Scenario,
    el: &sgp4::Elements,
    models: &[SensorModel],
    asked: &[usize],
    window: (i64, i64),
    budget: &mut u64,
) -> bool {
    let Ok(c) = sgp4::Constants::from_elements_afspc_compatibility_mode(el) else {
        return true;
    };
    let tick_s = s.clock.tick_s as i64;
    let first = window.0.max(0).div_euclid(tick_s) + i64::from(window.0.max(0) % tick_s != 0);
    let end = (window.1.div_euclid(tick_s) + i64::from(window.1 % tick_s != 0)).min(s.clock.ticks as i64);
    let step = (COARSE_S as i64 / tick_s).max(1);
    // SDP4 integrates its resonance terms from the epoch in 720-minute steps at every call.
    let deep = semi_major_axis_km(el).0 > DEEP_SPACE_A_KM;
    // How far the object can move between coarse steps, km.
    let reach_km = max_ecef_speed(el) * (step * tick_s) as f64 + 1.0;
    let mut at = |t: i64| {
        let tick = Tick(t as u64);
        let minutes = (s.clock.time_of(tick) - el.datetime).num_milliseconds() as f64 / 60_000.0;
        let cost = if deep { 1 + (minutes.abs() / 720.0) as u64 } else { 1 };
        let Some(left) = budget.checked_sub(cost) else {
            *budget = 0;
            return None;
        };
        *budget = left;
        let p = c
            .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
            .ok()?;
        let gmst = gmst_sin_cos(&s.clock, tick);
        Some((teme_to_ecef(p.position, gmst), gmst))
    };
    // The Moon only matters to sensors with an exclusion.
    let needs_moon = asked.iter().any(|&k| models[k].moon_cos_exclusion.is_some());
    let mut t0 = first;
    while t0 < end {
        let Some((ecef, _)) = at(t0) else {
            return true;
        };
        if asked.iter().any(|&k| models[k].may_see(ecef, reach_km)) {
            for t in t0..(t0 + step).min(end) {
                let Some((ecef, gmst)) = at(t) else { return true };
                let sun = sun_ecef_km(&s.clock, Tick(t as u64), gmst);
                let moon = needs_moon.then(|| moon_ecef_km(&s.clock, Tick(t as u64), gmst));
                let seen = asked.iter().any(|&k| {
                    let m = &models[k];
                    let dark = m.max_sun_el_deg.is_none_or(|limit| m.site.look(sun).el_deg <= limit);
                    // Without an exclusion `sees` does not read the Moon's direction.
                    let dir = moon.map_or([0.0; 3], |p| moon_dir(&m.site, p));
                    m.sees(ecef, dark, sun, dir).is_some()
                });
                if seen {
                    return true;
                }
            }
        }
        t0 += step;
    }
    false
}

/// An orbit's shell: perigee and apogee radius, km, and the highest latitude it reaches, degrees.
struct Shell {
    rp_km: f64,
    ra_km: f64,
    max_lat_deg: f64,
}

impl Shell {
    fn of(el: &sgp4::Elements) -> Option<Shell> {
        let (a, e) = semi_major_axis_km(el);
        a.is_finite().then_some(())?;
        Some(Shell {
            rp_km: a * (1.0 - e),
            ra_km: a * (1.0 + e),
            max_lat_deg: el.inclination.min(180.0 - el.inclination),
        })
    }

    /// Whether the sensor can never see this orbit: every point of it is beyond the sensor's
    /// range, or farther from the site's zenith than the elevation limit allows at its radius.
    fn out_of_reach(&self, m: &SensorModel) -> bool {
        let r_site = norm(m.site.ecef_km);
        let top = self.ra_km.min(r_site + m.max_range_km);
        if self.rp_km > top {
            return true;
        }
        // Largest angle at the Earth's centre between the zenith and a point at radius `top`
        // seen at the elevation limit: arccos(r_site cos(el) / r) − el.
        let min_el = m.sin_min_el.asin();
        let lambda = (r_site * min_el.cos() / top).clamp(-1.0, 1.0).acos() - min_el;
        m.site.lat_deg.abs() - lambda.to_degrees() > self.max_lat_deg + LATITUDE_MARGIN_DEG
    }
}
