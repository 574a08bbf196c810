//! access: compares each sensor's pairs in view with its open passes; emits `access_start` for new
//! ones and `access_end` (plus `missed`/capacity for passes never observed) for ended ones.

use crate::event::{Event, Geometry, MissReason, Record, round};
use crate::frames::look_from;
use crate::systems::visibility::InView;
use crate::time::Tick;
use crate::world::{Coverage, Pass, Sim};

/// Runs the system.
pub fn run(sim: &mut Sim, tick: Tick, in_view: Vec<Vec<InView>>, events: &mut Vec<Record>) {
    for (s, now) in in_view.into_iter().enumerate() {
        let model = &sim.sensors[s];
        let mut cov = sim.world.get::<&mut Coverage>(sim.sensor_entities[s]).expect("sensor entity");
        let prev = std::mem::take(&mut cov.passes);
        let mut next = Vec::with_capacity(now.len());
        let mut p = prev.into_iter().peekable();
        for iv in now {
            while let Some(old) = p.next_if(|o| o.sat < iv.sat) {
                end_pass(model, s, old, tick.0 - 1, false, tick, events);
            }
            match p.next_if(|o| o.sat == iv.sat) {
                Some(mut old) => {
                    old.last_tick = tick.0;
                    old.max_sin_el = old.max_sin_el.max(iv.sin_el);
                    old.los_km = iv.los_km;
                    old.range_km = iv.range_km;
                    next.push(old);
                }
                None => {
                    let l = look_from(&model.site, iv.los_km);
                    events.push(Record {
                        tick: tick.0,
                        sensor_rank: s as u16,
                        event: Event::AccessStart {
                            sensor: model.id.clone(),
                            nation: model.nation.clone(),
                            object: iv.object,
                            geometry: Geometry { range_km: Some(round(l.range_km, 6)), az_deg: round(l.az_deg, 6), el_deg: round(l.el_deg, 6) },
                        },
                    });
                    next.push(Pass {
                        sat: iv.sat,
                        object: iv.object,
                        first_tick: tick.0,
                        last_tick: tick.0,
                        max_sin_el: iv.sin_el,
                        attempts: 0,
                        detections: 0,
                        last_attempt: None,
                        los_km: iv.los_km,
                        range_km: iv.range_km,
                    });
                }
            }
        }
        for old in p {
            end_pass(model, s, old, tick.0 - 1, false, tick, events);
        }
        cov.passes = next;
    }
}

fn end_pass(model: &crate::sensor::SensorModel, s: usize, pass: Pass, last_tick: u64, run_ended: bool, at: Tick, events: &mut Vec<Record>) {
    if pass.attempts == 0 {
        events.push(Record {
            tick: at.0,
            sensor_rank: s as u16,
            event: Event::Missed {
                sensor: model.id.clone(),
                nation: model.nation.clone(),
                object: pass.object,
                reason: MissReason::Capacity,
                pd: None,
                ticks_in_view: Some(last_tick - pass.first_tick + 1),
            },
        });
    }
    events.push(Record {
        tick: at.0,
        sensor_rank: s as u16,
        event: Event::AccessEnd {
            sensor: model.id.clone(),
            nation: model.nation.clone(),
            object: pass.object,
            first_tick: pass.first_tick,
            last_tick,
            max_el_deg: round(pass.max_sin_el.clamp(-1.0, 1.0).asin().to_degrees(), 6),
            attempts: pass.attempts,
            detections: pass.detections,
            run_ended,
        },
    });
}

/// After the last tick: closes every open pass at that tick with `run_ended: true`.
pub fn close_all(sim: &mut Sim, tick: Tick, events: &mut Vec<Record>) {
    for s in 0..sim.sensors.len() {
        let model = &sim.sensors[s];
        let mut cov = sim.world.get::<&mut Coverage>(sim.sensor_entities[s]).expect("sensor entity");
        for pass in std::mem::take(&mut cov.passes) {
            end_pass(model, s, pass, tick.0, true, tick, events);
        }
    }
}
