//! The tick schedule. Each tick runs these systems in this order, single-threaded between them;
//! `propagate` and `visibility` fan out over worker threads internally and merge in satellite order.

pub mod access;
pub mod close_approach;
pub mod emit;
pub mod exchange;
pub mod frame;
pub mod inject;
pub mod observe;
pub mod propagate;
pub mod visibility;
pub mod weather;

use crate::event::Record;
use crate::time::Tick;
use crate::world::{Coverage, SensorIndex, Sim};

/// The systems of a tick, in order (for documentation and tests).
pub const SCHEDULE: [&str; 10] = [
    "frame",
    "weather",
    "inject",
    "propagate",
    "visibility",
    "access",
    "observe",
    "exchange",
    "close_approach",
    "emit",
];

/// Runs every system of one tick. On the `last` tick, every pass still open is closed (with
/// `access_end` `run_ended: true`) before the exchange step, so its track is reported.
pub(crate) fn run_tick(sim: &mut Sim, tick: Tick, last: bool, events: &mut Vec<Record>) {
    let mut frame = frame::Frame::new(sim, tick);
    weather::run(sim, tick, &mut frame, last, events);
    inject::run(sim, tick, events);
    propagate::run(sim, tick, &frame, events);
    let chunks = visibility::run(sim, tick, &frame);
    // The positions table moves out of `sim` while the set borrows it, then moves back.
    let positions = std::mem::take(&mut sim.positions);
    let in_view = visibility::InViewSet::new(chunks, &positions);
    access::run(sim, tick, &in_view, events);
    observe::run(sim, tick, &frame, &in_view, events);
    drop(in_view);
    sim.positions = positions;
    if last {
        access::close_all(sim, tick, events);
    }
    exchange::run(sim, tick, events);
    close_approach::run(sim, tick, events);
}

/// Satellites per parallel work unit.
pub(crate) const SAT_CHUNK: usize = 1024;

/// Applies `f` to fixed chunks of `chunk` items on the simulation's worker pool and returns one
/// output per chunk, in chunk order. Chunk boundaries depend only on `items.len()` and `chunk`, and
/// each output is stored at its chunk's index, so results never depend on the thread count or on
/// which worker ran which chunk.
pub(crate) fn par_chunks<T: Send, O: Send + Default>(
    pool: &rayon::ThreadPool,
    items: &mut [T],
    chunk: usize,
    f: impl Fn(&mut [T], &mut O) + Sync,
) -> Vec<O> {
    use rayon::prelude::*;
    let chunk = chunk.max(1);
    let mut outs: Vec<O> = (0..items.len().div_ceil(chunk)).map(|_| O::default()).collect();
    if pool.current_num_threads() == 1 {
        for (c, o) in items.chunks_mut(chunk).zip(outs.iter_mut()) {
            f(c, o);
        }
    } else {
        pool.install(|| {
            items
                .par_chunks_mut(chunk)
                .zip(outs.par_iter_mut())
                .for_each(|(c, o)| f(c, o))
        });
    }
    outs
}

/// Each sensor's coverage, in sensor-index order.
pub(crate) fn coverages(world: &mut hecs::World) -> Vec<(usize, &mut Coverage)> {
    let mut items: Vec<(usize, &mut Coverage)> = world
        .query_mut::<(&SensorIndex, &mut Coverage)>()
        .into_iter()
        .map(|(ix, cov)| (ix.0 as usize, cov))
        .collect();
    items.sort_unstable_by_key(|x| x.0);
    items
}

/// Runs `f` for every sensor on the pool (sensors are independent) and appends the events each
/// produced to `events`, in sensor order.
pub(crate) fn per_sensor(
    sim: &mut Sim,
    events: &mut Vec<Record>,
    f: impl Fn(usize, &mut Coverage, &mut Vec<Record>) + Sync,
) {
    let mut items = coverages(&mut sim.world);
    let outs = par_chunks(&sim.pool, &mut items, 1, |chunk, out: &mut Vec<Record>| {
        for (s, cov) in chunk.iter_mut() {
            f(*s, cov, out);
        }
    });
    for out in outs {
        events.extend(out);
    }
}
