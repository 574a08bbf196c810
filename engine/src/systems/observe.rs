//! observe: each sensor spends its capacity on the objects in view that it has looked at least
//! recently (never-observed first, then oldest attempt, then lowest catalog number), draws detection
//! against the probability of detection, and adds measurement noise.

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::event::{Event, Geometry, MissReason, Record, round};
use crate::frames::{dot, look_from, norm, sub};
use crate::scenario::SensorKind;
use crate::sensor::{apparent_magnitude, optical_pd, radar_snr, swerling1_pd};
use crate::systems::frame::Frame;
use crate::time::Tick;
use crate::world::{Coverage, ObjectInfo, Sim};

/// Runs the system.
pub fn run(sim: &mut Sim, tick: Tick, frame: &Frame, events: &mut Vec<Record>) {
    for s in 0..sim.sensors.len() {
        let model = &sim.sensors[s];
        let mut cov = sim.world.get::<&mut Coverage>(sim.sensor_entities[s]).expect("sensor entity");
        let cap = match &model.kind {
            SensorKind::Radar(r) => r.capacity,
            SensorKind::Optical(o) => o.capacity,
        } as usize;
        let passes = &mut cov.passes;
        // Indices of the passes to observe, chosen by (last attempt, catalog number).
        let mut order: Vec<(u64, u32, usize)> = passes
            .iter()
            .enumerate()
            .map(|(i, p)| (p.last_attempt.map_or(0, |t| t + 1), p.object, i))
            .collect();
        if order.len() > cap {
            order.select_nth_unstable(cap - 1);
            order.truncate(cap);
        }
        order.sort_unstable_by_key(|&(_, obj, _)| obj);
        for (_, object, i) in order {
            let pass = &mut passes[i];
            let info = sim.world.get::<&ObjectInfo>(sim.sats[pass.sat as usize]).expect("satellite entity");
            let truth = look_from(&model.site, pass.los_km);
            let mut rng = sim.detect_rng[s].at(object as u64, tick.0);
            pass.attempts += 1;
            pass.last_attempt = Some(tick.0);
            let (pd, snr_db, magnitude) = match &model.kind {
                SensorKind::Radar(r) => {
                    let snr = radar_snr(r.reference_snr_db, r.reference_range_km, info.rcs_m2, truth.range_km);
                    (swerling1_pd(snr, r.false_alarm_probability), Some(10.0 * snr.log10()), None)
                }
                SensorKind::Optical(o) => {
                    let obj = [
                        model.site.ecef_km[0] + pass.los_km[0],
                        model.site.ecef_km[1] + pass.los_km[1],
                        model.site.ecef_km[2] + pass.los_km[2],
                    ];
                    let to_sun = sub(frame.sun_ecef_km, obj);
                    let to_obs = [-pass.los_km[0], -pass.los_km[1], -pass.los_km[2]];
                    let cos_phase = (dot(to_sun, to_obs) / (norm(to_sun) * pass.range_km)).clamp(-1.0, 1.0);
                    let mag = apparent_magnitude(info.std_magnitude, truth.range_km, cos_phase.acos());
                    (optical_pd(mag, o.limiting_magnitude), None, Some(mag))
                }
            };
            let u: f64 = rng.random();
            if u >= pd {
                events.push(Record {
                    tick: tick.0,
                    sensor_rank: s as u16,
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
                        range_km: Some(truth.range_km + n(&mut rng) * r.range_sigma_m / 1000.0),
                        az_deg: (truth.az_deg + n(&mut rng) * r.az_sigma_deg).rem_euclid(360.0),
                        el_deg: truth.el_deg + n(&mut rng) * r.el_sigma_deg,
                    },
                    "radar",
                ),
                SensorKind::Optical(o) => {
                    let sigma_deg = o.angle_sigma_arcsec / 3600.0;
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
            events.push(Record {
                tick: tick.0,
                sensor_rank: s as u16,
                event: Event::Detection {
                    sensor: model.id.clone(),
                    nation: model.nation.clone(),
                    object,
                    sensor_type,
                    truth: Geometry {
                        range_km: if model.is_radar() { Some(round(truth.range_km, 6)) } else { None },
                        az_deg: round(truth.az_deg, 7),
                        el_deg: round(truth.el_deg, 7),
                    },
                    measured: Geometry {
                        range_km: measured.range_km.map(|r| round(r, 6)),
                        az_deg: round(measured.az_deg, 7),
                        el_deg: round(measured.el_deg, 7),
                    },
                    pd: round(pd, 6),
                    snr_db: snr_db.map(|x| round(x, 3)),
                    magnitude: magnitude.map(|x| round(x, 3)),
                },
            });
        }
    }
}
