//! visibility: which (sensor, satellite) pairs are in the field of regard this tick.
//!
//! Every `refresh_ticks` ticks each satellite recomputes its candidate sensors with conservative
//! tests: first the Earth-central angle between the satellite and each site against the widest angle
//! at which any sensor could see it before the next refresh (one dot product per sensor), then the
//! elevation cone and range of `SensorModel::may_see` with the distance it can travel. Between
//! refreshes only candidates are tested exactly, and satellites without candidates are not even
//! propagated. Pruning never changes results: a test compares runs with and without it.
//!
//! Workers group their chunk's pairs by sensor; each sensor's pairs are then its slices of the
//! chunks, in chunk (= satellite) order, so no serial regrouping is needed.

use crate::frames::{Vec3, norm};
use crate::sensor::SensorModel;
use crate::systems::frame::Frame;
use crate::systems::{SAT_CHUNK, par_chunks};
use crate::time::Tick;
use crate::world::{Candidates, Propagator, SatIndex, Sim, Status, Truth};

/// One (sensor, satellite) pair in view. Kept small: there are hundreds of millions a day. The line
/// of sight, when an event needs it, comes from the satellite's position this tick
/// ([`InViewSet::ecef_km`]) minus the site.
#[derive(Debug, Clone, Copy)]
pub struct InView {
    /// Satellite index.
    pub sat: u32,
    /// Sensor index.
    pub sensor: u16,
    /// sin(elevation).
    pub sin_el: f64,
}

const EMPTY: InView = InView {
    sat: 0,
    sensor: 0,
    sin_el: 0.0,
};

/// The pairs in view found by one chunk of satellites, grouped by sensor.
#[derive(Default)]
pub struct ChunkView {
    /// Pairs sorted by (sensor, satellite).
    pub pairs: Vec<InView>,
    /// `pairs[starts[s]..starts[s + 1]]` are sensor `s`'s pairs.
    pub starts: Vec<usize>,
    /// Earth-fixed positions (km) of the chunk's satellites that have a pair in view.
    positions: Vec<(u32, Vec3)>,
}

/// Pairs in view this tick, per chunk of satellites in satellite order.
pub struct InViewSet<'a> {
    /// Chunk outputs in satellite order.
    pub chunks: Vec<ChunkView>,
    /// Earth-fixed positions by satellite index, valid this tick for satellites with a pair in view.
    positions: &'a [Vec3],
}

impl<'a> InViewSet<'a> {
    /// Pairs of the chunks with the positions table they refer to.
    pub fn new(chunks: Vec<ChunkView>, positions: &'a [Vec3]) -> Self {
        InViewSet { chunks, positions }
    }

    /// Sensor `s`'s pairs, in satellite order.
    pub fn for_sensor(&self, s: usize) -> impl Iterator<Item = &InView> {
        self.chunks
            .iter()
            .flat_map(move |c| c.pairs[c.starts[s]..c.starts[s + 1]].iter())
    }

    /// Earth-fixed position (km) this tick of a satellite that has a pair in view.
    pub fn ecef_km(&self, sat: u32) -> Vec3 {
        self.positions[sat as usize]
    }
}

/// Sites as unit vectors (structure of arrays) for the central-angle prefilter.
pub struct SiteIndex {
    ux: Vec<f64>,
    uy: Vec<f64>,
    uz: Vec<f64>,
    /// Lowest minimum elevation of any sensor, radians, less 0.2 deg for geodetic vs geocentric vertical.
    min_el_rad: f64,
    /// Smallest geocentric site radius, km.
    min_site_radius_km: f64,
}

impl SiteIndex {
    /// Builds the index of a sensor table.
    pub fn new(sensors: &[SensorModel]) -> SiteIndex {
        let mut ix = SiteIndex {
            ux: vec![],
            uy: vec![],
            uz: vec![],
            min_el_rad: 0.0,
            min_site_radius_km: f64::INFINITY,
        };
        let mut min_el = f64::INFINITY;
        for m in sensors {
            let r = norm(m.site.ecef_km);
            ix.ux.push(m.site.ecef_km[0] / r);
            ix.uy.push(m.site.ecef_km[1] / r);
            ix.uz.push(m.site.ecef_km[2] / r);
            ix.min_site_radius_km = ix.min_site_radius_km.min(r);
            min_el = min_el.min(m.sin_min_el.asin());
        }
        ix.min_el_rad = min_el - 0.2f64.to_radians();
        ix
    }

    /// Cosine of the widest Earth-central angle between a site and an object now at radius `r_km`
    /// (moving at most `reach_km`) at which any sensor could see it; -1 when every angle qualifies.
    fn cos_max_angle(&self, r_km: f64, reach_km: f64) -> f64 {
        let r_hi = r_km + reach_km;
        let e = self.min_el_rad;
        let c = self.min_site_radius_km * e.cos() / r_hi;
        if c >= 1.0 || r_km <= reach_km {
            return -1.0;
        }
        let gamma = c.acos() - e + (reach_km / r_km).min(1.0).asin();
        if gamma >= std::f64::consts::PI {
            -1.0
        } else {
            gamma.cos()
        }
    }
}

/// Runs the system; returns the pairs in view per chunk, and records the positions of the satellites
/// concerned in `sim.positions`.
pub fn run(sim: &mut Sim, tick: Tick, frame: &Frame) -> Vec<ChunkView> {
    let sensors = sim.sensors.clone();
    let sites = sim.site_index.clone();
    let n_sensors = sensors.len();
    let tick_s = sim.clock.tick_s as f64;
    let pruning = sim.options.prune_window_s > 0;
    let mut items: Vec<_> = sim
        .world
        .query_mut::<(&SatIndex, &Propagator, &mut Candidates, &Truth, &Status)>()
        .into_iter()
        .filter(|x| x.4.lost.is_none())
        .map(|(ix, p, c, t, _)| (ix.0, p.max_ecef_speed_km_s, c, t))
        .collect();
    items.sort_unstable_by_key(|x| x.0);
    #[derive(Default)]
    struct Out {
        view: ChunkView,
        coarse: u64,
        exact: u64,
    }
    let outs = par_chunks(&sim.pool, &mut items, SAT_CHUNK, |chunk, out: &mut Out| {
        let mut dots = vec![0.0f64; n_sensors];
        let mut found: Vec<InView> = Vec::new();
        for (ix, speed, cand, truth) in chunk.iter_mut() {
            if truth.tick != tick.0 {
                continue;
            }
            if tick.0 >= cand.refresh_at {
                cand.sensors.clear();
                // The bound must hold for the state SGP4 actually produced; if the inertial speed
                // alone breaks it, this object is not pruned until the next tick.
                let bounded = pruning && norm(truth.teme_vel_km_s) <= *speed;
                let reach_km = *speed * (frame.refresh_ticks - 1) as f64 * tick_s + 1.0;
                if bounded {
                    let p = truth.ecef_km;
                    let r = norm(p);
                    let cos_max = sites.cos_max_angle(r, reach_km);
                    let (x, y, z) = (p[0] / r, p[1] / r, p[2] / r);
                    for (j, d) in dots.iter_mut().enumerate() {
                        *d = x * sites.ux[j] + y * sites.uy[j] + z * sites.uz[j];
                    }
                    for (s, m) in sensors.iter().enumerate() {
                        if dots[s] >= cos_max && frame.may_be_dark[s] {
                            out.coarse += 1;
                            if m.may_see(p, reach_km) {
                                cand.sensors.push(s as u16);
                            }
                        }
                    }
                } else {
                    cand.sensors.extend(0..n_sensors as u16);
                }
                cand.refresh_at = tick.0 + if bounded { frame.refresh_ticks } else { 1 };
            }
            out.exact += cand.sensors.len() as u64;
            let before = found.len();
            for &s in &cand.sensors {
                let su = s as usize;
                if let Some((_, _, sin_el)) =
                    sensors[su].sees(truth.ecef_km, frame.dark[su], frame.sun_ecef_km, frame.moon_dir[su])
                {
                    found.push(InView {
                        sat: *ix,
                        sensor: s,
                        sin_el,
                    });
                }
            }
            if found.len() > before {
                out.view.positions.push((*ix, truth.ecef_km));
            }
        }
        // Group by sensor with a counting sort, keeping satellite order within each sensor.
        let mut starts = vec![0usize; n_sensors + 1];
        for iv in &found {
            starts[iv.sensor as usize + 1] += 1;
        }
        for s in 0..n_sensors {
            starts[s + 1] += starts[s];
        }
        let mut next = starts.clone();
        let mut pairs = vec![found.first().copied().unwrap_or(EMPTY); found.len()];
        for iv in &found {
            let k = &mut next[iv.sensor as usize];
            pairs[*k] = *iv;
            *k += 1;
        }
        out.view.pairs = pairs;
        out.view.starts = starts;
    });
    let mut chunks = Vec::with_capacity(outs.len());
    for mut out in outs {
        sim.stats.coarse_tests += out.coarse;
        sim.stats.exact_tests += out.exact;
        sim.stats.in_view_pairs += out.view.pairs.len() as u64;
        for (sat, p) in out.view.positions.drain(..) {
            sim.positions[sat as usize] = p;
        }
        chunks.push(out.view);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::dot;
    use crate::scenario::{OpticalSpec, RadarSpec, SensorKind, SensorSpec};

    fn spec(id: &str, lat: f64, lon: f64, min_el: f64, radar: bool) -> SensorSpec {
        let kind = if radar {
            SensorKind::Radar(RadarSpec {
                min_elevation_deg: min_el,
                max_range_km: 1e6,
                azimuth_sector: None,
                reference_snr_db: 40.0,
                reference_range_km: 1000.0,
                false_alarm_probability: 1e-6,
                range_sigma_m: 1.0,
                az_sigma_deg: 0.01,
                el_sigma_deg: 0.01,
                capacity: 1,
            })
        } else {
            SensorKind::Optical(OpticalSpec {
                min_elevation_deg: min_el,
                max_range_km: None,
                azimuth_sector: None,
                max_sun_elevation_deg: 90.0,
                require_target_sunlit: false,
                limiting_magnitude: 16.0,
                angle_sigma_arcsec: 1.0,
                capacity: 1,
                sky: crate::scenario::Sky::default(),
            })
        };
        SensorSpec {
            id: id.into(),
            name: id.into(),
            nation: "X".into(),
            lat_deg: lat,
            lon_deg: lon,
            alt_m: 3000.0,
            kind,
        }
    }

    #[test]
    fn central_angle_prefilter_never_rejects_a_reachable_visible_point() {
        let models: Vec<SensorModel> = [
            (60.0, 10.0, -5.0, true),
            (-30.0, 140.0, 10.0, false),
            (0.0, -90.0, 3.0, true),
        ]
        .iter()
        .enumerate()
        .map(|(i, &(lat, lon, el, radar))| SensorModel::new(&spec(&format!("S{i}"), lat, lon, el, radar)))
        .collect();
        let index = SiteIndex::new(&models);
        let mut next = crate::testutil::uniforms(0x9e37_79b9_7f4a_7c15);
        let mut visible = 0;
        for _ in 0..300_000 {
            let r = 6500.0 + next() * 40_000.0;
            let reach = next() * 600.0;
            let (z, lon) = (2.0 * next() - 1.0, next() * std::f64::consts::TAU);
            let h = (1.0 - z * z).sqrt();
            let p = [r * h * lon.cos(), r * h * lon.sin(), r * z];
            // A point the object can reach before the next refresh.
            let d = [next() - 0.5, next() - 0.5, next() - 0.5];
            let k = next() * reach / dot(d, d).sqrt();
            let q = [p[0] + d[0] * k, p[1] + d[1] * k, p[2] + d[2] * k];
            for (j, m) in models.iter().enumerate() {
                if m.sees(q, true, [1e9, 0.0, 0.0], [0.0, 0.0, 1.0]).is_some() {
                    visible += 1;
                    let u = [index.ux[j], index.uy[j], index.uz[j]];
                    let cos = dot(p, u) / r;
                    assert!(
                        cos >= index.cos_max_angle(r, reach),
                        "sensor {j} sees {q:?}, but {p:?} was filtered out"
                    );
                }
            }
        }
        assert!(visible > 10_000, "only {visible} visible samples");
    }
}
