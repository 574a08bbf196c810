//! The tick schedule. Each tick runs these systems in this order, single-threaded between them;
//! `propagate` and `visibility` fan out over worker threads internally and merge in satellite order.

pub mod access;
pub mod emit;
pub mod frame;
pub mod observe;
pub mod propagate;
pub mod visibility;

use crate::event::Record;
use crate::time::Tick;
use crate::world::Sim;

/// The systems of a tick, in order (for documentation and tests).
pub const SCHEDULE: [&str; 6] = ["frame", "propagate", "visibility", "access", "observe", "emit"];

/// Runs every system of one tick.
pub(crate) fn run_tick(sim: &mut Sim, tick: Tick, events: &mut Vec<Record>) {
    let frame = frame::Frame::new(sim, tick);
    propagate::run(sim, tick, &frame, events);
    let in_view = visibility::run(sim, tick, &frame);
    access::run(sim, tick, &in_view, events);
    observe::run(sim, tick, &frame, &in_view, events);
}

/// Satellites per parallel work unit.
pub(crate) const SAT_CHUNK: usize = 256;

/// Applies `f` to fixed chunks of `chunk` items on up to `threads` threads and returns one output
/// per chunk, in chunk order. Chunk boundaries depend only on `items.len()` and `chunk`, so results
/// never depend on `threads`.
pub(crate) fn par_chunks<T: Send, O: Send + Default>(
    items: &mut [T],
    threads: usize,
    chunk: usize,
    f: impl Fn(&mut [T], &mut O) + Sync,
) -> Vec<O> {
    let chunk = chunk.max(1);
    let n_chunks = items.len().div_ceil(chunk).max(1);
    let mut outs: Vec<O> = (0..n_chunks).map(|_| O::default()).collect();
    let threads = threads.clamp(1, n_chunks);
    if threads == 1 {
        for (c, o) in items.chunks_mut(chunk).zip(outs.iter_mut()) {
            f(c, o);
        }
        return outs;
    }
    let mut work: Vec<Vec<(&mut [T], &mut O)>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, pair) in items.chunks_mut(chunk).zip(outs.iter_mut()).enumerate() {
        work[i % threads].push(pair);
    }
    std::thread::scope(|s| {
        let f = &f;
        let mut groups = work.into_iter();
        let mine = groups.next().unwrap_or_default();
        for group in groups {
            s.spawn(move || {
                for (c, o) in group {
                    f(c, o);
                }
            });
        }
        for (c, o) in mine {
            f(c, o);
        }
    });
    outs
}
