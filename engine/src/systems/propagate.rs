//! propagate: SGP4 (AFSPC compatibility mode) for every live satellite that needs a state this tick:
//! those at a checkpoint, those due a candidate refresh and those with candidate sensors.
//!
//! Failures become `object_lost`:
//! - SGP4's own errors (eccentricity out of range, negative semi-latus rectum);
//! - a radius below the Earth's ("decayed", Vallado's error 6, which the `sgp4` crate does not check);
//! - divergence: weeks-old elements of decaying objects propagate past the decay into states whose
//!   position runs away from their velocity (SGP4's secular mean motion explodes; Vallado's code
//!   returns these without error too). At every checkpoint (see [`checkpoint_s`]) each object is also propagated one
//!   checkpoint ahead; if it would move farther than any orbit of its elements allows, or its radius
//!   exceeds twice the elements' apogee, it is lost now, before any event of that window. The
//!   look-ahead state is kept and reused, so the check costs no extra propagation.
//!
//! Loss ticks never depend on pruning: an object whose radius could reach the Earth's surface before
//! the next checkpoint (by its radial-speed bound) is propagated at every tick of the window.
//!
//! Between checkpoints, states come from cubic Hermite interpolation of the SGP4 states (position
//! and velocity) at the two checkpoints around the tick; SGP4 itself runs at checkpoints, and at
//! every tick of windows where the object may decay or the next checkpoint failed. Checkpoints are
//! 60 s apart, 20 s for eccentric orbits (e >= 0.25), which keeps the interpolation error below
//! 1 m in every regime (a test bounds it against direct SGP4), far below SGP4's own ~1 km.

use crate::event::{Event, Record};
use crate::frames::{norm, sub, teme_to_ecef};
use crate::systems::frame::Frame;
use crate::systems::{SAT_CHUNK, par_chunks};
use crate::time::{Clock, Tick};
use crate::world::{Candidates, DECAY_RADIUS_KM, Lost, ObjectId, Propagator, SatIndex, Sim, Status, Truth};

/// Interval between checkpoints, seconds, for an orbit's eccentricity: 60 s, or 20 s when e >= 0.25
/// (fast perigee passages). In whole ticks; every tick when ticks are longer.
pub fn checkpoint_s(eccentricity: f64) -> u32 {
    if eccentricity >= 0.25 { 20 } else { 60 }
}

#[derive(Default)]
struct Out {
    lost: Vec<(u32, u32, String, f64)>,
    propagations: u64,
}

fn predict(p: &Propagator, clock: &Clock, tick: u64, out: &mut Out) -> (f64, Result<sgp4::Prediction, String>) {
    let t_min = p.minutes_at(clock, Tick(tick));
    out.propagations += 1;
    let r = p
        .constants
        .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(t_min))
        .map_err(|e| format!("SGP4: {e}"));
    (t_min, r)
}

/// Cubic Hermite interpolation between two states `h` seconds apart, at fraction `s` in [0, 1]:
/// position (km) and velocity (km/s).
pub fn hermite(a: &sgp4::Prediction, b: &sgp4::Prediction, h: f64, s: f64) -> ([f64; 3], [f64; 3]) {
    let (s2, s3) = (s * s, s * s * s);
    let (h00, h10, h01, h11) = (
        2.0 * s3 - 3.0 * s2 + 1.0,
        s3 - 2.0 * s2 + s,
        -2.0 * s3 + 3.0 * s2,
        s3 - s2,
    );
    let (d00, d10, d01, d11) = (
        (6.0 * s2 - 6.0 * s) / h,
        3.0 * s2 - 4.0 * s + 1.0,
        (-6.0 * s2 + 6.0 * s) / h,
        3.0 * s2 - 2.0 * s,
    );
    let mut pos = [0.0; 3];
    let mut vel = [0.0; 3];
    for i in 0..3 {
        pos[i] = h00 * a.position[i] + h10 * h * a.velocity[i] + h01 * b.position[i] + h11 * h * b.velocity[i];
        vel[i] = d00 * a.position[i] + d10 * a.velocity[i] + d01 * b.position[i] + d11 * b.velocity[i];
    }
    (pos, vel)
}

/// Runs the system.
pub fn run(sim: &mut Sim, tick: Tick, frame: &Frame, events: &mut Vec<Record>) {
    let clock = sim.clock.clone();
    let mut items: Vec<_> = sim
        .world
        .query_mut::<(&SatIndex, &ObjectId, &Propagator, &Candidates, &mut Truth, &Status)>()
        .into_iter()
        .filter(|x| x.5.lost.is_none())
        .map(|(ix, id, p, c, t, _)| (ix.0, id.0, p, c, t))
        .collect();
    items.sort_unstable_by_key(|x| x.0);
    let outs = par_chunks(&sim.pool, &mut items, SAT_CHUNK, |chunk, out: &mut Out| {
        for (ix, id, p, c, truth) in chunk.iter_mut() {
            let every = (p.checkpoint_s / clock.tick_s.max(1)).max(1) as u64;
            let window_s = every as f64 * clock.tick_s as f64;
            let checkpoint = tick.0.is_multiple_of(every);
            if !checkpoint && tick.0 >= truth.every_tick_until && tick.0 < c.refresh_at && c.sensors.is_empty() {
                continue;
            }
            if !checkpoint
                && tick.0 >= truth.every_tick_until
                && let (Some((t0, a)), Some((t1, b))) = (&truth.anchor, &truth.ahead)
                && *t0 < tick.0
                && tick.0 < *t1
            {
                let h = (*t1 - *t0) as f64 * clock.tick_s as f64;
                let s = (tick.0 - *t0) as f64 / (*t1 - *t0) as f64;
                let (pos, vel) = hermite(a, b, h, s);
                truth.tick = tick.0;
                truth.teme_km = pos;
                truth.ecef_km = teme_to_ecef(pos, frame.gmst_sin_cos);
                truth.teme_vel_km_s = vel;
                continue;
            }
            let (t_min, now) = match truth.ahead.take() {
                Some((t, pred)) if t == tick.0 => (p.minutes_at(&clock, tick), Ok(pred)),
                other => {
                    truth.ahead = other;
                    predict(p, &clock, tick.0, out)
                }
            };
            let pred = match now {
                Ok(pred) => pred,
                Err(reason) => {
                    out.lost.push((*ix, *id, reason, t_min));
                    continue;
                }
            };
            let r = norm(pred.position);
            if r < DECAY_RADIUS_KM {
                out.lost.push((
                    *ix,
                    *id,
                    format!("decayed: radius {r:.1} km is below the Earth's surface"),
                    t_min,
                ));
                continue;
            }
            if r > p.max_radius_km || !r.is_finite() {
                out.lost.push((*ix, *id, format!("diverged: radius {r:.0} km is beyond twice the elements' apogee; the elements are too old or the object has decayed"), t_min));
                continue;
            }
            if checkpoint {
                let (_, ahead) = predict(p, &clock, tick.0 + every, out);
                if let Ok(a) = &ahead {
                    let moved = norm(sub(a.position, pred.position));
                    let limit = p.max_ecef_speed_km_s * window_s + 1.0;
                    if moved > limit {
                        out.lost.push((*ix, *id, format!("diverged: would move {moved:.0} km in {window_s:.0} s, more than any orbit of its elements allows ({limit:.0} km); the elements are past the object's decay"), t_min));
                        continue;
                    }
                }
                let r_min = ahead.as_ref().map_or(0.0, |a| r.min(norm(a.position)));
                let dip_km = p.max_radial_speed_km_s * window_s / 2.0 + 10.0;
                truth.every_tick_until = if r_min - dip_km < DECAY_RADIUS_KM || ahead.is_err() {
                    tick.0 + every
                } else {
                    0
                };
                truth.ahead = ahead.ok().map(|a| (tick.0 + every, a));
                truth.anchor = Some((tick.0, pred.clone()));
            }
            truth.tick = tick.0;
            truth.teme_km = pred.position;
            truth.ecef_km = teme_to_ecef(pred.position, frame.gmst_sin_cos);
            truth.teme_vel_km_s = pred.velocity;
        }
    });
    let live = items.len() as u64;
    drop(items);
    sim.stats.object_ticks += live;
    for out in outs {
        sim.stats.propagations += out.propagations;
        for (ix, id, reason, t_min) in out.lost {
            let e = sim.sats[ix as usize];
            sim.world.get::<&mut Status>(e).expect("satellite entity exists").lost = Some(Lost {
                tick: tick.0,
                reason: reason.clone(),
            });
            events.push(Record {
                tick: tick.0,
                order: 0,
                event: Event::ObjectLost {
                    object: id,
                    reason,
                    minutes_since_epoch: t_min,
                },
            });
        }
    }
}
