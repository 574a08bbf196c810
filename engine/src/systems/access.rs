//! access: compares each sensor's pairs in view with its open passes; emits `access_start` for new
//! ones and `access_end` (plus `missed`/capacity for passes never observed) for ended ones.
//! Sensors are independent: they run in parallel and their events are merged in sensor order.

use crate::event::{Event, Geometry, MissReason, Record, round, round_az};
use crate::frames::{look_from, sub};
use crate::sensor::SensorModel;
use crate::systems::visibility::InViewSet;
use crate::systems::{coverages, per_sensor};
use crate::time::Tick;
use crate::world::{Coverage, Pass, SatProps, Sim, TrackReport};

/// Runs the system.
pub fn run(sim: &mut Sim, tick: Tick, in_view: &InViewSet, events: &mut Vec<Record>) {
    let sensors = sim.sensors.clone();
    let props = sim.sat_props.clone();
    per_sensor(sim, events, |s, cov, out| {
        update(&sensors[s], s, tick, cov, in_view, &props, out)
    });
}

fn update(
    model: &SensorModel,
    s: usize,
    tick: Tick,
    cov: &mut Coverage,
    in_view: &InViewSet,
    props: &[SatProps],
    events: &mut Vec<Record>,
) {
    let mut next = std::mem::take(&mut cov.spare);
    next.clear();
    let mut prev = std::mem::take(&mut cov.passes);
    let mut p = prev.drain(..).peekable();
    for iv in in_view.for_sensor(s) {
        while let Some(old) = p.next_if(|o| o.sat < iv.sat) {
            end_pass(model, s, old, tick.0 - 1, false, tick, events, &mut cov.reports);
        }
        match p.next_if(|o| o.sat == iv.sat) {
            Some(mut old) => {
                old.last_tick = tick.0;
                old.max_sin_el = old.max_sin_el.max(iv.sin_el);
                next.push(old);
            }
            None => {
                let object = props[iv.sat as usize].object;
                let l = look_from(&model.site, sub(in_view.ecef_km(iv.sat), model.site.ecef_km));
                events.push(Record {
                    tick: tick.0,
                    order: s as u64,
                    event: Event::AccessStart {
                        sensor: model.id.clone(),
                        nation: model.nation.clone(),
                        object,
                        geometry: Some(Geometry {
                            range_km: Some(round(l.range_km, 6)),
                            az_deg: round_az(l.az_deg, 6),
                            el_deg: round(l.el_deg, 6),
                        }),
                    },
                });
                next.push(Pass {
                    sat: iv.sat,
                    object,
                    first_tick: tick.0,
                    last_tick: tick.0,
                    max_sin_el: iv.sin_el,
                    attempts: 0,
                    detections: 0,
                    last_attempt: None,
                    track: None,
                    outage: false,
                    cue: Default::default(),
                });
            }
        }
    }
    for old in p {
        end_pass(model, s, old, tick.0 - 1, false, tick, events, &mut cov.reports);
    }
    cov.passes = next;
    cov.spare = prev;
}

#[allow(clippy::too_many_arguments)]
fn end_pass(
    model: &SensorModel,
    s: usize,
    pass: Pass,
    last_tick: u64,
    run_ended: bool,
    at: Tick,
    events: &mut Vec<Record>,
    reports: &mut Vec<TrackReport>,
) {
    if let Some(track) = pass.track {
        reports.push(TrackReport {
            sat: pass.sat,
            object: pass.object,
            cue: pass.cue.entry(),
            track: *track,
        });
    }
    if pass.attempts == 0 {
        events.push(Record {
            tick: at.0,
            order: s as u64,
            event: Event::Missed {
                sensor: model.id.clone(),
                nation: model.nation.clone(),
                object: pass.object,
                reason: if pass.outage {
                    MissReason::Outage
                } else {
                    MissReason::Capacity
                },
                pd: None,
                ticks_in_view: Some(last_tick - pass.first_tick + 1),
            },
        });
    }
    events.push(Record {
        tick: at.0,
        order: s as u64,
        event: Event::AccessEnd {
            sensor: model.id.clone(),
            nation: model.nation.clone(),
            object: pass.object,
            first_tick: pass.first_tick,
            last_tick,
            max_el_deg: Some(round(pass.max_sin_el.clamp(-1.0, 1.0).asin().to_degrees(), 6)),
            attempts: pass.attempts,
            detections: pass.detections,
            run_ended,
        },
    });
}

/// After the last tick: closes every open pass at that tick with `run_ended: true`.
pub fn close_all(sim: &mut Sim, tick: Tick, events: &mut Vec<Record>) {
    let sensors = sim.sensors.clone();
    for (s, cov) in coverages(&mut sim.world) {
        for pass in std::mem::take(&mut cov.passes) {
            end_pass(&sensors[s], s, pass, tick.0, true, tick, events, &mut cov.reports);
        }
    }
}
