//! visibility: which (sensor, satellite) pairs are in the field of regard this tick.
//!
//! Every `refresh_ticks` ticks each satellite recomputes its candidate sensors with a conservative
//! test (`SensorModel::may_see` with the distance it can travel before the next refresh); between
//! refreshes only candidates are tested exactly, and satellites without candidates are not even
//! propagated. Pruning never changes results: a test compares against a run without it.

use crate::frames::{Vec3, norm};
use crate::systems::frame::Frame;
use crate::systems::par_chunks;
use crate::time::Tick;
use crate::world::{Candidates, Lost, ObjectId, Propagator, SatIndex, Sim, Truth};

/// One (sensor, satellite) pair in view.
#[derive(Debug, Clone, Copy)]
pub struct InView {
    /// Sensor index.
    pub sensor: u16,
    /// Satellite index.
    pub sat: u32,
    /// Catalog number.
    pub object: u32,
    /// Line of sight from the site, ECEF km.
    pub los_km: Vec3,
    /// Slant range, km.
    pub range_km: f64,
    /// sin(elevation).
    pub sin_el: f64,
}

/// Runs the system; returns, per sensor index, the pairs in view sorted by satellite index.
pub fn run(sim: &mut Sim, tick: Tick, frame: &Frame) -> Vec<Vec<InView>> {
    let sensors = sim.sensors.clone();
    let tick_s = sim.clock.tick_s as f64;
    let pruning = sim.options.prune_window_s > 0;
    let mut items: Vec<_> = sim
        .world
        .query_mut::<(&SatIndex, &ObjectId, &Propagator, &mut Candidates, &Truth)>()
        .without::<&Lost>()
        .into_iter()
        .map(|(ix, id, p, c, t)| (ix.0, id.0, p.max_ecef_speed_km_s, c, t))
        .collect();
    items.sort_unstable_by_key(|x| x.0);
    #[derive(Default)]
    struct Out {
        in_view: Vec<InView>,
        coarse: u64,
        exact: u64,
    }
    let outs = par_chunks(&mut items, sim.options.threads, |chunk, out: &mut Out| {
        for (ix, id, speed, cand, truth) in chunk.iter_mut() {
            if truth.tick != tick.0 {
                continue;
            }
            if tick.0 >= cand.refresh_at {
                cand.sensors.clear();
                out.coarse += sensors.len() as u64;
                // The bound must hold for the state SGP4 actually produced; if the inertial speed
                // alone breaks it, this object is not pruned until the next tick.
                let bounded = pruning && norm(truth.teme_vel_km_s) <= *speed;
                let reach_km = *speed * (frame.refresh_ticks - 1) as f64 * tick_s + 1.0;
                for (s, m) in sensors.iter().enumerate() {
                    if !bounded || (frame.may_be_dark[s] && m.may_see(truth.ecef_km, reach_km)) {
                        cand.sensors.push(s as u16);
                    }
                }
                cand.refresh_at = tick.0 + if bounded { frame.refresh_ticks } else { 1 };
            }
            out.exact += cand.sensors.len() as u64;
            for &s in &cand.sensors {
                let su = s as usize;
                if let Some((los_km, range_km, sin_el)) = sensors[su].sees(truth.ecef_km, frame.dark[su], frame.sun_ecef_km) {
                    out.in_view.push(InView { sensor: s, sat: *ix, object: *id, los_km, range_km, sin_el });
                }
            }
        }
    });
    let mut by_sensor: Vec<Vec<InView>> = vec![Vec::new(); sensors.len()];
    for out in outs {
        sim.stats.coarse_tests += out.coarse;
        sim.stats.exact_tests += out.exact;
        for iv in out.in_view {
            by_sensor[iv.sensor as usize].push(iv);
        }
    }
    sim.stats.in_view_pairs += by_sensor.iter().map(|v| v.len() as u64).sum::<u64>();
    by_sensor
}
