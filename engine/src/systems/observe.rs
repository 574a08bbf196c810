//! observe: each sensor spends its capacity on the objects in view that it has looked at least
//! recently (never-observed first, then oldest attempt, then lowest catalog number), draws detection
//! against the probability of detection, and adds measurement noise. Sensors run in parallel; each
//! draw comes from the (sensor, object, tick) cell of the sensor's stream, so order cannot matter.

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::event::{Event, Geometry, MissReason, Record, round, round_az};
use crate::frames::{dot, look_from, norm, sub};
use crate::rng::StreamFamily;
use crate::scenario::SensorKind;
use crate::sensor::SensorModel;
use crate::sensor::{apparent_magnitude, optical_pd, radar_snr, swerling1_pd};
use crate::systems::frame::Frame;
use crate::systems::per_sensor;
use crate::systems::visibility::InViewSet;
use crate::time::Tick;
use crate::world::{Coverage, SatProps, Sim};

/// Runs the system.
pub fn run(sim: &mut Sim, tick: Tick, frame: &Frame, in_view: &InViewSet, events: &mut Vec<Record>) {
    let sensors = sim.sensors.clone();
    let props = sim.sat_props.clone();
    let rngs = sim.detect_rng.clone();
    per_sensor(sim, events, |s, cov, out| {
        observe(&sensors[s], s, &rngs[s], &props, cov, tick, frame, in_view, out)
    });
}

#[allow(clippy::too_many_arguments)]
fn observe(
    model: &SensorModel,
    s: usize,
    rng_family: &StreamFamily,
    props: &[SatProps],
    cov: &mut Coverage,
    tick: Tick,
    frame: &Frame,
    in_view: &InViewSet,
    events: &mut Vec<Record>,
) {
    let cap = model.kind.capacity() as usize;
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
        let info = &props[pass.sat as usize];
        let los_km = sub(in_view.ecef_km(pass.sat), model.site.ecef_km);
        let range_km = norm(los_km);
        let truth = look_from(&model.site, los_km);
        let mut rng = rng_family.at(object as u64, tick.0);
        pass.attempts += 1;
        pass.last_attempt = Some(tick.0);
        let (pd, snr_db, magnitude) = match &model.kind {
            SensorKind::Radar(r) => {
                let snr = radar_snr(r.reference_snr_db, r.reference_range_km, info.rcs_m2, truth.range_km);
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
                    range_km: if model.is_radar() {
                        Some(round(truth.range_km, 6))
                    } else {
                        None
                    },
                    az_deg: round_az(truth.az_deg, 7),
                    el_deg: round(truth.el_deg, 7),
                },
                measured: Geometry {
                    range_km: measured.range_km.map(|r| round(r, 6)),
                    az_deg: round_az(measured.az_deg, 7),
                    el_deg: round(measured.el_deg, 7),
                },
                pd: round(pd, 6),
                snr_db: snr_db.map(|x| round(x, 3)),
                magnitude: magnitude.map(|x| round(x, 3)),
            },
        });
    }
}
