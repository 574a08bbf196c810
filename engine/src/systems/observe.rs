//! observe: each sensor spends its capacity on the objects in view, in this order: objects of
//! accepted tasking requests whose window is open (most urgent priority first), then custody needs
//! (the object whose newest observation, in its nation's catalog or by this sensor during the pass,
//! is oldest; never-observed first), then lowest catalog number. It draws detection against the
//! probability of detection and adds measurement noise; detections accumulate into the pass's
//! track, reported at the pass end or `track_report_s` after its first detection. Sensors run in
//! parallel; each draw comes from the (sensor, object, tick) cell of the sensor's stream.

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::event::{Event, Geometry, MissReason, Record, round, round_az};
use crate::exchange::Exchange;
use crate::frames::{dot, look_from, norm, sub};
use crate::od::Meas;
use crate::rng::StreamFamily;
use crate::scenario::SensorKind;
use crate::sensor::SensorModel;
use crate::sensor::{apparent_magnitude, optical_pd, radar_snr, swerling1_pd};
use crate::systems::frame::Frame;
use crate::systems::per_sensor;
use crate::systems::visibility::InViewSet;
use crate::time::Tick;
use crate::world::{Coverage, OpenTrack, SatProps, SensorCondition, Sim, TaskedDetection, TrackReport};

/// Runs the system.
pub fn run(sim: &mut Sim, tick: Tick, frame: &Frame, in_view: &InViewSet, events: &mut Vec<Record>) {
    let sensors = sim.sensors.clone();
    let props = sim.sat_props.clone();
    let rngs = sim.detect_rng.clone();
    let conditions = sim.conditions.clone();
    // The exchange state is only read here; it moves out of `sim` while the sensors borrow it.
    let exchange = std::mem::take(&mut sim.exchange);
    let ex = &exchange;
    per_sensor(sim, events, |s, cov, out| {
        let cx = Context {
            ex,
            condition: conditions[s],
            tick,
            frame,
            in_view,
        };
        observe(&sensors[s], s, &rngs[s], &props, &cx, cov, out)
    });
    sim.exchange = exchange;
}

/// What every sensor's observation reads this tick.
struct Context<'a> {
    ex: &'a Exchange,
    condition: SensorCondition,
    tick: Tick,
    frame: &'a Frame,
    in_view: &'a InViewSet<'a>,
}

fn observe(
    model: &SensorModel,
    s: usize,
    rng_family: &StreamFamily,
    props: &[SatProps],
    cx: &Context,
    cov: &mut Coverage,
    events: &mut Vec<Record>,
) {
    let (ex, tick, frame, in_view) = (cx.ex, cx.tick, cx.frame, cx.in_view);
    let cond = cx.condition;
    let cap = model.kind.capacity() as usize;
    let nation = ex.sensor_nation[s];
    let requests = &ex.active[s];
    let passes = &mut cov.passes;
    // Tracks open for `track_report_s` are reported, detected since or not.
    for p in passes.iter_mut() {
        if p.track
            .as_ref()
            .is_some_and(|t| tick.0 - t.first_tick >= ex.track_report_ticks())
        {
            let t = p.track.take().expect("checked");
            cov.reports.push(TrackReport {
                sat: p.sat,
                object: p.object,
                track: *t,
            });
        }
    }
    if cond.down {
        for p in passes.iter_mut() {
            p.outage = true;
        }
        return;
    }
    // Indices of the passes to observe, chosen by (request priority, custody, catalog number).
    let priority = |object: u32| -> u8 {
        let from = requests.partition_point(|a| a.object < object);
        requests[from..]
            .iter()
            .take_while(|a| a.object == object)
            .filter(|a| a.open_at(tick.0))
            .map(|a| a.priority)
            .chain(ex.standing_priority(nation, object))
            .min()
            .unwrap_or(u8::MAX)
    };
    let standing = !ex.standing[nation as usize].is_empty();
    let mut order: Vec<(u8, u64, u32, usize)> = passes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let custody = ex.custody(nation, p.sat).max(p.last_attempt.map_or(0, |t| t + 1));
            let pri = if requests.is_empty() && !standing {
                u8::MAX
            } else {
                priority(p.object)
            };
            (pri, custody, p.object, i)
        })
        .collect();
    if order.len() > cap {
        order.select_nth_unstable(cap - 1);
        order.truncate(cap);
    }
    order.sort_unstable_by_key(|&(_, _, obj, _)| obj);
    for (pri, _, object, i) in order {
        let pass = &mut passes[i];
        let info = &props[pass.sat as usize];
        let los_km = sub(in_view.ecef_km(pass.sat), model.site.ecef_km);
        let range_km = norm(los_km);
        let truth = look_from(&model.site, los_km);
        let mut rng = rng_family.at(object as u64, tick.0);
        pass.attempts += 1;
        pass.last_attempt = Some(tick.0);
        let (pd, snr_db, magnitude) = match &model.kind {
            SensorKind::Radar(r) => {
                let snr = radar_snr(
                    r.reference_snr_db - cond.snr_loss_db,
                    r.reference_range_km,
                    info.rcs_m2,
                    truth.range_km,
                );
                (
                    swerling1_pd(snr, r.false_alarm_probability),
                    Some(10.0 * snr.log10()),
                    None,
                )
            }
            SensorKind::Optical(o) => {
                let obj = [
                    model.site.ecef_km[0] + los_km[0],
                    model.site.ecef_km[1] + los_km[1],
                    model.site.ecef_km[2] + los_km[2],
                ];
                let to_sun = sub(frame.sun_ecef_km, obj);
                let to_obs = [-los_km[0], -los_km[1], -los_km[2]];
                let cos_phase = (dot(to_sun, to_obs) / (norm(to_sun) * range_km)).clamp(-1.0, 1.0);
                let mag = apparent_magnitude(info.std_magnitude, truth.range_km, cos_phase.acos());
                (
                    optical_pd(mag, o.limiting_magnitude - cond.snr_loss_db),
                    None,
                    Some(mag),
                )
            }
        };
        let u: f64 = rng.random();
        if u >= pd {
            events.push(Record {
                tick: tick.0,
                order: s as u64,
                event: Event::Missed {
                    sensor: model.id.clone(),
                    nation: model.nation.clone(),
                    object,
                    reason: MissReason::Probability,
                    pd: Some(round(pd, 6)),
                    ticks_in_view: None,
                },
            });
            continue;
        }
        pass.detections += 1;
        let n = |rng: &mut rand_chacha::ChaCha8Rng| -> f64 { rng.sample(StandardNormal) };
        let (measured, sensor_type) = match &model.kind {
            SensorKind::Radar(r) => (
                Geometry {
                    range_km: Some(truth.range_km + n(&mut rng) * r.range_sigma_m * cond.noise_factor / 1000.0),
                    az_deg: (truth.az_deg + n(&mut rng) * r.az_sigma_deg * cond.noise_factor).rem_euclid(360.0),
                    el_deg: truth.el_deg + n(&mut rng) * r.el_sigma_deg * cond.noise_factor,
                },
                "radar",
            ),
            SensorKind::Optical(o) => {
                let sigma_deg = o.angle_sigma_arcsec * cond.noise_factor / 3600.0;
                (
                    Geometry {
                        range_km: None,
                        az_deg: (truth.az_deg + n(&mut rng) * sigma_deg).rem_euclid(360.0),
                        el_deg: truth.el_deg + n(&mut rng) * sigma_deg,
                    },
                    "optical",
                )
            }
        };
        let measured = Geometry {
            range_km: measured.range_km.map(|r| round(r, 6)),
            az_deg: round_az(measured.az_deg, 7),
            el_deg: round(measured.el_deg, 7),
        };
        let (sigma_range_km, sigma_az_deg, sigma_el_deg) = match &model.kind {
            SensorKind::Radar(r) => (
                r.range_sigma_m * cond.noise_factor / 1000.0,
                r.az_sigma_deg * cond.noise_factor,
                r.el_sigma_deg * cond.noise_factor,
            ),
            SensorKind::Optical(o) => {
                let sigma_deg = o.angle_sigma_arcsec * cond.noise_factor / 3600.0;
                (0.0, sigma_deg, sigma_deg)
            }
        };
        let meas = Meas {
            tick: tick.0,
            sensor: s as u16,
            range_km: measured.range_km,
            az_deg: measured.az_deg,
            el_deg: measured.el_deg,
            sigma_range_km,
            sigma_az_deg,
            sigma_el_deg,
        };
        let track = pass.track.get_or_insert_with(|| {
            Box::new(OpenTrack {
                first_tick: tick.0,
                last_tick: tick.0,
                detections: 0,
                measured,
                meas: Vec::new(),
                latest: None,
                stride: 1,
            })
        });
        track.measured = measured;
        track.push(meas);
        if pri != u8::MAX {
            let from = requests.partition_point(|a| a.object < object);
            for a in requests[from..].iter().take_while(|a| a.object == object) {
                if a.open_at(tick.0) {
                    cov.tasked.push(TaskedDetection {
                        request: a.request,
                        object,
                        measured,
                    });
                }
            }
        }
        events.push(Record {
            tick: tick.0,
            order: s as u64,
            event: Event::Detection {
                sensor: model.id.clone(),
                nation: model.nation.clone(),
                object: Some(object),
                sensor_type,
                truth: Some(Geometry {
                    range_km: if model.is_radar() {
                        Some(round(truth.range_km, 6))
                    } else {
                        None
                    },
                    az_deg: round_az(truth.az_deg, 7),
                    el_deg: round(truth.el_deg, 7),
                }),
                measured,
                pd: Some(round(pd, 6)),
                snr_db: snr_db.map(|x| round(x, 3)),
                magnitude: magnitude.map(|x| round(x, 3)),
            },
        });
    }
}
