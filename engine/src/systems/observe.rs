//! observe: each sensor spends its capacity on the objects in view. Its scheduler ranks them by
//! its nation's belief only (see [`crate::exchange::Cue`]): a pass the nation's catalog predicts is
//! followed through that entry, and ranks by the priority of accepted tasking requests naming the
//! entry whose window is open and of the nation's standing priorities (most urgent first), then
//! custody need (the entry whose newest measurement, or this sensor's last attempt during the
//! pass, is oldest; never measured first), then the entry's designator. A pass no entry predicts is
//! seen in search, ranked as an entry never measured, after every entry of equal rank. Ties left
//! are broken by where the object is, never by its true catalog number. Cues are resolved only when
//! a ranking needs them (more passes than capacity, or requests or standing priorities in force).
//!
//! Each attempt draws detection against the probability of detection and adds measurement noise;
//! detections accumulate into the pass's track, reported at the pass end or `track_report_s`
//! after its first detection. Sensors run in parallel; each draw comes from the (sensor, object,
//! tick) cell of the sensor's stream.

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::event::{Event, Geometry, MissReason, Record, SensorType, round, round_az};
use crate::exchange::{Cue, Exchange};
use crate::frames::{Look, Vec3, dot, look_from, norm, sub};
use crate::moon::{SkyGeometry, limiting_magnitude_loss};
use crate::od::Meas;
use crate::rng::StreamFamily;
use crate::scenario::{SensorKind, Sky};
use crate::sensor::SensorModel;
use crate::sensor::{apparent_magnitude, optical_pd, radar_snr, swerling1_pd};
use crate::systems::frame::Frame;
use crate::systems::per_sensor;
use crate::systems::visibility::InViewSet;
use crate::time::Tick;
use crate::world::{Coverage, OpenTrack, Pass, SatProps, SensorCondition, Sim, TaskedDetection, TrackReport};

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
    flush_reports(cx, cov);
    if cx.condition.down {
        for p in cov.passes.iter_mut() {
            p.outage = true;
        }
        return;
    }
    let requests = &cx.ex.active[s];
    for (i, designator) in schedule(model, s, cx, &mut cov.passes) {
        let pass = &mut cov.passes[i];
        let Some(measured) = attempt(model, s, rng_family, &props[pass.sat as usize], cx, pass, events) else {
            continue;
        };
        // A detection through the entry a request names fulfils it.
        let Some(d) = designator else { continue };
        let from = requests.partition_point(|a| a.object < d);
        for a in requests[from..].iter().take_while(|a| a.object == d) {
            if a.open_at(cx.tick.0) {
                cov.tasked.push(TaskedDetection {
                    request: a.request,
                    object: d,
                    measured,
                });
            }
        }
    }
}

/// Reports the tracks open for `track_report_s`, detected since or not.
fn flush_reports(cx: &Context, cov: &mut Coverage) {
    for p in cov.passes.iter_mut() {
        if p.track
            .as_ref()
            .is_some_and(|t| cx.tick.0 - t.first_tick >= cx.ex.track_report_ticks())
        {
            let t = p.track.take().expect("checked");
            cov.reports.push(TrackReport {
                sat: p.sat,
                object: p.object,
                cue: p.cue.entry(),
                track: *t,
            });
        }
    }
}

/// The passes a sensor attempts this tick (indices, in the order their events are logged), each
/// with the designator of its cue when the ranking resolved one.
fn schedule(model: &SensorModel, s: usize, cx: &Context, passes: &mut [Pass]) -> Vec<(usize, Option<u32>)> {
    let (ex, tick) = (cx.ex, cx.tick.0);
    let cap = model.kind.capacity() as usize;
    let nation = ex.sensor_nation[s];
    let requests = &ex.active[s];
    let prioritised = !requests.is_empty() || !ex.standing[nation as usize].is_empty();
    if prioritised || passes.len() > cap {
        for p in passes.iter_mut().filter(|p| p.cue == Cue::Unresolved) {
            p.cue = ex.cue(nation, p.sat, tick, cx.in_view.ecef_km(p.sat), cx.frame.gmst_sin_cos);
        }
    }
    let priority = |designator: u32| -> u8 {
        let from = requests.partition_point(|a| a.object < designator);
        requests[from..]
            .iter()
            .take_while(|a| a.object == designator)
            .filter(|a| a.open_at(tick))
            .map(|a| a.priority)
            .chain(ex.standing_priority(nation, designator))
            .min()
            .unwrap_or(u8::MAX)
    };
    // (priority, custody, designator): belief. Ties are broken by the place.
    let mut order: Vec<((u8, u64, u32), usize)> = passes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let attempted = p.last_attempt.map_or(0, |t| t + 1);
            match p.cue {
                Cue::Entry(e) => {
                    let k = ex.cue_key(nation, e);
                    (
                        (
                            priority(k.designator),
                            u64::from(k.custody).max(attempted),
                            k.designator,
                        ),
                        i,
                    )
                }
                Cue::Uncued | Cue::Unresolved => ((u8::MAX, attempted, u32::MAX), i),
            }
        })
        .collect();
    let place_of = |i: usize| (place(cx.in_view.ecef_km(passes[i].sat)), i);
    if order.len() > cap {
        // The first `cap` by (key, place), placing only the passes tied at the boundary.
        order.select_nth_unstable_by_key(cap - 1, |&(k, _)| k);
        let bound = order[cap - 1].0;
        let (mut chosen, mut tied): (Vec<_>, Vec<_>) =
            order.iter().filter(|(k, _)| *k <= bound).partition(|(k, _)| *k < bound);
        tied.sort_unstable_by_key(|&(_, i)| place_of(i));
        tied.truncate(cap - chosen.len());
        chosen.extend(tied);
        order = chosen;
    }
    debug_assert!(order.len() <= cap);
    order.sort_unstable_by_key(|&(_, i)| place_of(i));
    // The sensor points at what it attempts: every attempted pass has its cue, which the track's
    // association checks first.
    for &(_, i) in &order {
        let p = &mut passes[i];
        if p.cue == Cue::Unresolved {
            p.cue = ex.cue(nation, p.sat, tick, cx.in_view.ecef_km(p.sat), cx.frame.gmst_sin_cos);
        }
    }
    order
        .into_iter()
        .map(|((_, _, d), i)| (i, (d != u32::MAX).then_some(d)))
        .collect()
}

/// A total order of positions (Earth-fixed km): where an object is, to break ties without its
/// catalog number.
fn place(r: Vec3) -> [i64; 3] {
    r.map(|x| {
        let b = x.to_bits() as i64;
        b ^ (((b >> 63) as u64) >> 1) as i64
    })
}

/// One observation attempt of a pass: a miss, or a detection added to the pass's track (returns
/// its measured geometry).
fn attempt(
    model: &SensorModel,
    s: usize,
    rng_family: &StreamFamily,
    info: &SatProps,
    cx: &Context,
    pass: &mut Pass,
    events: &mut Vec<Record>,
) -> Option<Geometry> {
    let (tick, cond) = (cx.tick, cx.condition);
    let object = pass.object;
    let los_km = sub(cx.in_view.ecef_km(pass.sat), model.site.ecef_km);
    let truth = look_from(&model.site, los_km);
    let mut rng = rng_family.at(object as u64, tick.0);
    pass.attempts += 1;
    pass.last_attempt = Some(tick.0);
    let (pd, snr_db, magnitude) = detection_probability(model, s, cond, info, los_km, &truth, cx.frame);
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
        return None;
    }
    pass.detections += 1;
    let meas = measure(model, s, cond, &truth, tick.0, &mut rng);
    let measured = Geometry {
        range_km: meas.range_km,
        az_deg: meas.az_deg,
        el_deg: meas.el_deg,
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
    events.push(Record {
        tick: tick.0,
        order: s as u64,
        event: Event::Detection {
            sensor: model.id.clone(),
            nation: model.nation.clone(),
            object: Some(object),
            sensor_type: if model.is_radar() {
                SensorType::Radar
            } else {
                SensorType::Optical
            },
            truth: Some(Geometry {
                range_km: model.is_radar().then(|| round(truth.range_km, 6)),
                az_deg: round_az(truth.az_deg, 7),
                el_deg: round(truth.el_deg, 7),
            }),
            measured,
            pd: Some(round(pd, 6)),
            snr_db: snr_db.map(|x| round(x, 3)),
            magnitude: magnitude.map(|x| round(x, 3)),
        },
    });
    Some(measured)
}

/// Probability of detection, with the radar's SNR (dB) or the optical apparent magnitude.
fn detection_probability(
    model: &SensorModel,
    s: usize,
    cond: SensorCondition,
    info: &SatProps,
    los_km: Vec3,
    truth: &Look,
    frame: &Frame,
) -> (f64, Option<f64>, Option<f64>) {
    match &model.kind {
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
            let site = model.site.ecef_km;
            let obj = [site[0] + los_km[0], site[1] + los_km[1], site[2] + los_km[2]];
            let to_sun = sub(frame.sun_ecef_km, obj);
            let to_obs = [-los_km[0], -los_km[1], -los_km[2]];
            let cos_phase = (dot(to_sun, to_obs) / (norm(to_sun) * norm(los_km))).clamp(-1.0, 1.0);
            let mag = apparent_magnitude(info.std_magnitude, truth.range_km, cos_phase.acos());
            let moonlight = moonlight_loss(&o.sky, model, s, los_km, truth, frame);
            (
                optical_pd(mag, o.limiting_magnitude - cond.snr_loss_db - moonlight),
                None,
                Some(mag),
            )
        }
    }
}

/// The limiting magnitude a telescope loses to moonlight along a line of sight (see [`crate::moon`]).
fn moonlight_loss(sky: &Sky, model: &SensorModel, s: usize, los_km: Vec3, truth: &Look, frame: &Frame) -> f64 {
    let moon = frame.moon_dir[s];
    let moon_el = dot(moon, model.site.up).clamp(-1.0, 1.0).asin().to_degrees();
    let cos_sep = dot(moon, los_km) / norm(los_km);
    let g = SkyGeometry {
        phase_deg: frame.moon_phase_deg,
        separation_deg: cos_sep.clamp(-1.0, 1.0).acos().to_degrees(),
        moon_zenith_deg: 90.0 - moon_el,
        target_zenith_deg: 90.0 - truth.el_deg,
    };
    limiting_magnitude_loss(g, sky.dark_sky_mag_arcsec2, sky.extinction_mag_per_airmass)
}

/// A detection's measurement: the true geometry plus noise drawn from `rng` at the sensor's
/// sigmas (times the condition's noise factor), rounded as logged, with those sigmas.
fn measure(
    model: &SensorModel,
    s: usize,
    cond: SensorCondition,
    truth: &Look,
    tick: u64,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Meas {
    let mut n = || -> f64 { rng.sample(StandardNormal) };
    let f = cond.noise_factor;
    let (range_km, az, el, sigmas) = match &model.kind {
        SensorKind::Radar(r) => {
            let range_km = truth.range_km + n() * r.range_sigma_m * f / 1000.0;
            let az = truth.az_deg + n() * r.az_sigma_deg * f;
            let el = truth.el_deg + n() * r.el_sigma_deg * f;
            (
                Some(round(range_km, 6)),
                az,
                el,
                (r.range_sigma_m * f / 1000.0, r.az_sigma_deg * f, r.el_sigma_deg * f),
            )
        }
        SensorKind::Optical(o) => {
            let sigma_deg = o.angle_sigma_arcsec * f / 3600.0;
            let az = truth.az_deg + n() * sigma_deg;
            let el = truth.el_deg + n() * sigma_deg;
            (None, az, el, (0.0, sigma_deg, sigma_deg))
        }
    };
    Meas {
        tick,
        sensor: s as u16,
        range_km,
        az_deg: round_az(az.rem_euclid(360.0), 7),
        el_deg: round(el, 7),
        sigma_range_km: sigmas.0,
        sigma_az_deg: sigmas.1,
        sigma_el_deg: sigmas.2,
    }
}
