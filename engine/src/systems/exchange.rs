//! exchange: the one sequential step between nations. Collects the tracks sensors closed and the
//! requested objects they detected this tick (in sensor order), then runs [`crate::exchange`]:
//! catalogs, releases under agreements, liaison queues, deliveries and tasking.

use crate::event::Record;
use crate::systems::coverages;
use crate::time::Tick;
use crate::world::Sim;

/// Runs the system.
pub fn run(sim: &mut Sim, tick: Tick, events: &mut Vec<Record>) {
    let mut reports = Vec::new();
    let mut tasked = Vec::new();
    for (s, cov) in coverages(&mut sim.world) {
        if !cov.reports.is_empty() {
            reports.push((s as u16, std::mem::take(&mut cov.reports)));
        }
        if !cov.tasked.is_empty() {
            tasked.push((s as u16, std::mem::take(&mut cov.tasked)));
        }
    }
    let last = tick.0 + 1 >= sim.clock.ticks;
    // Scoring needs the truth: each satellite's exact SGP4 position now (TEME), if in orbit.
    let sampled = sim.exchange.samples_at(tick.0, last);
    let teme_km: Vec<Option<crate::frames::Vec3>> = if sampled {
        (0..sim.sats.len())
            .map(|s| {
                sim.is_active(s)
                    .then(|| sim.sat_state(s, tick).ok().map(|(r, _)| r))
                    .flatten()
            })
            .collect()
    } else {
        Vec::new()
    };
    let truth = sampled.then_some(crate::exchange::score::Truth { teme_km: &teme_km });
    // On the run's pool: association filters large candidate pools, and scoring nations, in
    // parallel.
    let ex = &mut sim.exchange;
    sim.pool
        .install(|| ex.step(tick.0, reports, tasked, truth.as_ref(), events));
}
