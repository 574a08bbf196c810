//! propagate: SGP4 (AFSPC compatibility mode) for every live satellite that needs a state this tick:
//! those due a candidate refresh and those with candidate sensors. Failures become `object_lost`.

use crate::event::{Event, Record};
use crate::frames::teme_to_ecef;
use crate::systems::frame::Frame;
use crate::systems::par_chunks;
use crate::time::Tick;
use crate::world::{Candidates, Lost, ObjectId, Propagator, SatIndex, Sim, Truth};

#[derive(Default)]
struct Out {
    lost: Vec<(u32, u32, String, f64)>,
    propagations: u64,
}

/// Runs the system.
pub fn run(sim: &mut Sim, tick: Tick, frame: &Frame, events: &mut Vec<Record>) {
    let clock = sim.clock.clone();
    let mut items: Vec<_> = sim
        .world
        .query_mut::<(&SatIndex, &ObjectId, &Propagator, &Candidates, &mut Truth)>()
        .without::<&Lost>()
        .into_iter()
        .map(|(ix, id, p, c, t)| (ix.0, id.0, p, c, t))
        .collect();
    items.sort_unstable_by_key(|x| x.0);
    let outs = par_chunks(&mut items, sim.options.threads, |chunk, out: &mut Out| {
        for (ix, id, p, c, truth) in chunk.iter_mut() {
            if tick.0 < c.refresh_at && c.sensors.is_empty() {
                continue;
            }
            let t_min = p.minutes_at(&clock, tick);
            out.propagations += 1;
            match p.constants.propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(t_min)) {
                Ok(pred) => {
                    **truth = Truth { tick: tick.0, teme_km: pred.position, ecef_km: teme_to_ecef(pred.position, frame.gmst_sin_cos) };
                }
                Err(e) => out.lost.push((*ix, *id, format!("SGP4: {e}"), t_min)),
            }
        }
    });
    let live = items.len() as u64;
    drop(items);
    sim.stats.object_ticks += live;
    for out in outs {
        sim.stats.propagations += out.propagations;
        for (ix, id, reason, t_min) in out.lost {
            let e = sim.sats[ix as usize];
            sim.world.insert_one(e, Lost { tick: tick.0, reason: reason.clone() }).expect("satellite entity exists");
            events.push(Record { tick: tick.0, event: Event::ObjectLost { object: id, reason, minutes_since_epoch: t_min } });
        }
    }
}
