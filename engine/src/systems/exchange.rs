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
    sim.exchange.step(tick.0, reports, tasked, last, events);
}
