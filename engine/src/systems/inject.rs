//! inject: fires the scenario's injects at their tick, before propagation, so the changed truth is
//! what every later system of the tick sees. Also builds the run's object population: the catalog
//! plus the objects launches and breakups will add (present from the start, inactive until then).
//!
//! - Manoeuvre: the object's SGP4 state at the tick gets the delta-v in its radial/along-track/
//!   cross-track frame, and new mean elements are fitted to that state (`orbit::fit_elements`).
//!   Nations' catalogs keep the old elements.
//! - Launch: the objects become active with their given elements, or with elements fitted to a
//!   circular orbit inserted above the launch site at the launch time.
//! - Breakup: each fragment gets the parent's state plus a seeded delta-v: direction uniform on the
//!   sphere, magnitude log-normal with the given median and a 0.4 dex spread (a simplified stand-in
//!   for the NASA standard breakup model's delta-v distribution), drawn from the stream (seed,
//!   "breakup", inject id) at (fragment index, 0); fragments whose fitted orbit fails are lost.
//!   The parent survives.
//! - Conjunction: the secondary becomes active at `at` on an orbit that passes the primary at the
//!   scripted time and miss distance ([`encounter`]); nations know nothing of it (a new object).
//! - Re-entry: the object is lost. Outages, degradations, cuts and priority changes switch on at
//!   `start` and off at `end`.

use std::sync::Arc;

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::event::{Event, InjectEvent, Record};
use crate::frames::{Vec3, cross, gmst_rad, norm};
use crate::injects::{Inject, InjectKind, LaunchOrbit};
use crate::object::{ObjectClass, Regime};
use crate::orbit::{MU_KM3_S2, apply_delta_v, fit_elements};
use crate::rng::StreamFamily;
use crate::scenario::{CatalogObject, Scenario};
use crate::time::Tick;
use crate::world::{Candidates, Lost, Propagator, Sim, Status, Truth};

/// An object of the run: from the catalog (active from tick 0) or added by an inject.
#[derive(Debug, Clone)]
pub struct Member {
    /// The object (for fragments, the elements are the parent's until the breakup).
    pub object: CatalogObject,
    /// Tick at which an inject adds it.
    pub added_at: Option<u64>,
    /// The breakup inject that creates it.
    pub breakup_of: Option<(String, u32)>,
}

/// Tick of an inject time (the first tick at or after it).
pub fn tick_of(s: i64, tick_s: u32) -> u64 {
    (s.max(0) as u64).div_ceil(tick_s as u64)
}

/// A template element set for objects that have none (drag terms zero).
pub(crate) fn template() -> sgp4::Elements {
    let mut e = sgp4::Elements::from_tle(
        None,
        b"1 25544U 98067A   26150.51748228  .00011776  00000+0  21767-3 0  9998",
        b"2 25544  51.6337  27.5746 0007245 114.7080 245.4664 15.49496548569014",
    )
    .expect("valid constant TLE");
    e.international_designator = None;
    e.object_name = None;
    e.norad_id = 0;
    e.drag_term = 0.0;
    e.mean_motion_dot = 0.0;
    e
}

/// Elements of a circular orbit whose object is above the site at `tick`, ascending.
fn circular(
    scenario: &Scenario,
    tick: u64,
    lat_deg: f64,
    lon_deg: f64,
    alt_km: f64,
    inc_deg: f64,
    id: u32,
) -> Result<sgp4::Elements, String> {
    let gmst = gmst_rad(scenario.clock.julian_years_since_j2000(Tick(tick)));
    let (lat, theta, inc) = (lat_deg.to_radians(), gmst + lon_deg.to_radians(), inc_deg.to_radians());
    let radius = crate::world::DECAY_RADIUS_KM + alt_km;
    let r: Vec3 = [
        radius * lat.cos() * theta.cos(),
        radius * lat.cos() * theta.sin(),
        radius * lat.sin(),
    ];
    let su = (lat.sin() / inc.sin()).clamp(-1.0, 1.0);
    let u = su.asin();
    let raan = theta - (inc.cos() * u.sin()).atan2(u.cos());
    let w = [inc.sin() * raan.sin(), -inc.sin() * raan.cos(), inc.cos()];
    let t = cross(w, r);
    let speed = (MU_KM3_S2 / radius).sqrt();
    let v = [t[0] / norm(t) * speed, t[1] / norm(t) * speed, t[2] / norm(t) * speed];
    fit_elements(r, v, scenario.clock.time_of(Tick(tick)), &template(), id as u64).map_err(|e| e.to_string())
}

/// Elements of a conjunction inject's secondary: at `tca` (s from the epoch) it is `miss_m` above
/// the primary (along the primary's radius), with the primary's radial velocity and horizontal
/// speed, its horizontal velocity turned by `crossing_angle_deg` about the radius. The relative
/// velocity is then horizontal, so perpendicular to the miss vector: `tca` is the closest approach
/// of the straight-line encounter, the relative speed is `2 v_h sin(angle / 2)`. The primary's state
/// comes from its elements `el` when the secondary appears (a manoeuvre of the primary between then
/// and `tca` moves the encounter).
pub fn encounter(
    clock: &crate::time::Clock,
    el: &sgp4::Elements,
    tca: i64,
    miss_m: f64,
    crossing_angle_deg: f64,
    id: u32,
) -> Result<sgp4::Elements, String> {
    let at = clock.epoch + chrono::Duration::seconds(tca);
    let minutes = (at - el.datetime)
        .num_microseconds()
        .ok_or("element epoch too far from the TCA")? as f64
        / 6e7;
    let c = sgp4::Constants::from_elements_afspc_compatibility_mode(el).map_err(|e| e.to_string())?;
    let p = c
        .propagate_afspc_compatibility_mode(sgp4::MinutesSinceEpoch(minutes))
        .map_err(|e| e.to_string())?;
    let (r, v) = (p.position, p.velocity);
    let rhat = [r[0] / norm(r), r[1] / norm(r), r[2] / norm(r)];
    let vr = v[0] * rhat[0] + v[1] * rhat[1] + v[2] * rhat[2];
    let vh = [v[0] - vr * rhat[0], v[1] - vr * rhat[1], v[2] - vr * rhat[2]];
    let w = cross(rhat, vh);
    let (s, co) = crossing_angle_deg.to_radians().sin_cos();
    let speed_h = norm(vh);
    let v2: Vec3 = std::array::from_fn(|k| vr * rhat[k] + co * vh[k] + s * w[k] / norm(w) * speed_h);
    let r2: Vec3 = std::array::from_fn(|k| r[k] + miss_m / 1000.0 * rhat[k]);
    fit_elements(r2, v2, at, &template(), u64::from(id)).map_err(|e| e.to_string())
}

/// The run's objects in catalog-number order: the catalog, launched objects and breakup fragments.
pub fn population(scenario: &Scenario) -> Vec<Member> {
    let mut out: Vec<Member> = scenario
        .objects
        .iter()
        .map(|o| Member {
            object: o.clone(),
            added_at: None,
            breakup_of: None,
        })
        .collect();
    let find = |id: u32| {
        scenario
            .objects
            .binary_search_by_key(&id, |o| o.id)
            .ok()
            .map(|i| &scenario.objects[i])
    };
    for inj in &scenario.injects {
        let tick = tick_of(inj.at, scenario.clock.tick_s);
        match &inj.kind {
            InjectKind::Launch { owner, objects } => {
                for l in objects {
                    let elements = match &l.orbit {
                        LaunchOrbit::Elements(e) => Ok((**e).clone()),
                        LaunchOrbit::Circular {
                            site_lat_deg,
                            site_lon_deg,
                            altitude_km,
                            inclination_deg,
                        } => circular(
                            scenario,
                            tick,
                            *site_lat_deg,
                            *site_lon_deg,
                            *altitude_km,
                            *inclination_deg,
                            l.id,
                        ),
                    };
                    // An orbit that cannot be fitted keeps the template; the launch then reports it lost.
                    let mut elements = elements.unwrap_or_else(|_| template());
                    elements.object_name = Some(l.name.clone());
                    elements.norad_id = l.id as u64;
                    out.push(Member {
                        object: CatalogObject {
                            id: l.id,
                            name: l.name.clone(),
                            regime: Regime::of(elements.mean_motion, elements.eccentricity),
                            elements,
                            class: ObjectClass::Payload,
                            owner: owner.clone(),
                            rcs_m2: ObjectClass::Payload.default_rcs_m2(),
                            std_magnitude: ObjectClass::Payload.default_std_magnitude(),
                            military: false,
                            origin: format!("inject {}", inj.id),
                        },
                        added_at: Some(tick),
                        breakup_of: None,
                    });
                }
            }
            InjectKind::Conjunction {
                primary,
                secondary,
                name,
                tca,
                miss_m,
                crossing_angle_deg,
            } => {
                let Some(p) = find(*primary) else { continue };
                // From the catalog elements; made again from the primary's elements when the inject
                // fires (see `fire`), where a failure is reported.
                let mut elements = encounter(
                    &scenario.clock,
                    &p.elements,
                    *tca,
                    *miss_m,
                    *crossing_angle_deg,
                    *secondary,
                )
                .unwrap_or_else(|_| template());
                elements.object_name = Some(name.clone());
                elements.norad_id = u64::from(*secondary);
                let c = ObjectClass::Debris;
                out.push(Member {
                    object: CatalogObject {
                        id: *secondary,
                        name: name.clone(),
                        regime: Regime::of(elements.mean_motion, elements.eccentricity),
                        elements,
                        class: c,
                        owner: None,
                        rcs_m2: c.default_rcs_m2(),
                        std_magnitude: c.default_std_magnitude(),
                        military: false,
                        origin: format!("inject {}", inj.id),
                    },
                    added_at: Some(tick),
                    breakup_of: None,
                });
            }
            InjectKind::Breakup {
                object,
                first_id,
                fragments,
                ..
            } => {
                let Some(parent) = find(*object) else { continue };
                for k in 0..*fragments {
                    let c = ObjectClass::Debris;
                    out.push(Member {
                        object: CatalogObject {
                            id: first_id + k,
                            name: format!("{} DEB", parent.name),
                            elements: parent.elements.clone(),
                            class: c,
                            owner: parent.owner.clone(),
                            rcs_m2: c.default_rcs_m2(),
                            std_magnitude: c.default_std_magnitude(),
                            regime: parent.regime,
                            military: false,
                            origin: format!("inject {}", inj.id),
                        },
                        added_at: Some(tick),
                        breakup_of: Some((inj.id.clone(), *object)),
                    });
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|m| m.object.id);
    out
}

/// Injects by tick: (tick, inject index, true at the start / false at the end).
pub fn schedule(scenario: &Scenario) -> Vec<(u64, usize, bool)> {
    let mut s = Vec::new();
    for (i, inj) in scenario.injects.iter().enumerate() {
        s.push((tick_of(inj.at, scenario.clock.tick_s), i, true));
        if let Some(e) = inj.end {
            s.push((tick_of(e, scenario.clock.tick_s), i, false));
        }
    }
    s.sort();
    s
}

/// Runs the system: every inject starting or ending at this tick, in inject-id order.
pub fn run(sim: &mut Sim, tick: Tick, events: &mut Vec<Record>) {
    while let Some(&(t, i, start)) = sim.inject_schedule.get(sim.next_inject) {
        if t > tick.0 {
            break;
        }
        sim.next_inject += 1;
        let inj = sim.injects[i].clone();
        if start {
            fire(sim, tick, &inj, events);
        } else {
            end(sim, &inj);
            events.push(Record {
                tick: tick.0,
                order: i as u64,
                event: Event::InjectEnd {
                    inject: Arc::from(inj.id.as_str()),
                    inject_kind: (&inj.kind).into(),
                },
            });
        }
    }
}

fn end(sim: &mut Sim, inj: &Inject) {
    match &inj.kind {
        InjectKind::SensorOutage { sensor } | InjectKind::SensorDegradation { sensor, .. } => {
            if let Some(s) = sim.sensor_rank(sensor) {
                sim.conditions[s] = crate::world::SensorCondition::default();
            }
        }
        InjectKind::PriorityChange { nation, object, .. } => sim.exchange.set_standing(nation, *object, None),
        _ => {}
    }
}

/// Replaces a satellite's elements (a manoeuvre, a launch, a fragment) and restarts its propagation.
fn set_elements(sim: &mut Sim, sat: usize, elements: sgp4::Elements, tick: u64, cause: &str) -> Result<(), String> {
    let p = Propagator::new(&elements, &sim.clock)?;
    let e = sim.sats[sat];
    let _ = sim.world.insert_one(e, p);
    if let Ok(mut t) = sim.world.get::<&mut Truth>(e) {
        *t = Truth {
            tick: u64::MAX,
            ..Truth::default()
        };
    }
    if let Ok(mut c) = sim.world.get::<&mut Candidates>(e) {
        c.refresh_at = tick;
        c.sensors.clear();
    }
    sim.elements[sat] = elements;
    sim.exchange.new_truth(sat, cause);
    sim.truth_changed.push(sat);
    Ok(())
}

fn lose(sim: &mut Sim, sat: usize, tick: u64, reason: String, events: &mut Vec<Record>) {
    let e = sim.sats[sat];
    if let Ok(mut s) = sim.world.get::<&mut Status>(e) {
        s.lost = Some(Lost {
            tick,
            reason: reason.clone(),
        });
    }
    events.push(Record {
        tick,
        order: 0,
        event: Event::ObjectLost {
            object: sim.sat_props[sat].object,
            reason,
            minutes_since_epoch: 0.0,
        },
    });
}

fn fire(sim: &mut Sim, tick: Tick, inj: &Inject, events: &mut Vec<Record>) {
    let mut objects = Vec::new();
    let mut failed = None;
    match &inj.kind {
        InjectKind::Manoeuvre { object, delta_v_m_s } => {
            objects.push(*object);
            match sim.state_at(*object, tick) {
                Err(m) => failed = Some(m),
                Ok((sat, r, v)) => {
                    let v2 = apply_delta_v(r, v, *delta_v_m_s);
                    let fitted = fit_elements(r, v2, sim.clock.time_of(tick), &sim.elements[sat], *object as u64);
                    match fitted
                        .map_err(|e| e.to_string())
                        .and_then(|el| set_elements(sim, sat, el, tick.0, &inj.id))
                    {
                        Ok(()) => {}
                        Err(m) => failed = Some(m),
                    }
                }
            }
        }
        InjectKind::Conjunction {
            primary,
            secondary,
            name,
            tca,
            miss_m,
            crossing_angle_deg,
        } => {
            objects.extend([*primary, *secondary]);
            let made = match sim.sat_index(*primary).filter(|&p| sim.is_active(p)) {
                None => Err(format!("primary {primary} is not in orbit")),
                Some(p) => encounter(
                    &sim.clock,
                    &sim.elements[p],
                    *tca,
                    *miss_m,
                    *crossing_angle_deg,
                    *secondary,
                ),
            };
            if let Some(sat) = sim.sat_index(*secondary) {
                let set = made.and_then(|mut el| {
                    el.object_name = Some(name.clone());
                    set_elements(sim, sat, el, tick.0, &inj.id)
                });
                if let Err(m) = set {
                    lose(
                        sim,
                        sat,
                        tick.0,
                        format!("conjunction secondary not in orbit: {m}"),
                        events,
                    );
                    failed = Some(m);
                }
            }
        }
        InjectKind::Launch { objects: launched, .. } => {
            for l in launched {
                objects.push(l.id);
                let Some(sat) = sim.sat_index(l.id) else { continue };
                if let Err(m) = set_elements(sim, sat, sim.elements[sat].clone(), tick.0, &inj.id) {
                    lose(sim, sat, tick.0, format!("launch failed: {m}"), events);
                }
            }
        }
        InjectKind::Breakup {
            object,
            first_id,
            fragments,
            delta_v_median_m_s,
        } => {
            objects.push(*object);
            match sim.state_at(*object, tick) {
                Err(m) => failed = Some(m),
                Ok((parent, r, v)) => {
                    let rng = StreamFamily::new(sim.seed, "breakup", &inj.id);
                    let template = sim.elements[parent].clone();
                    for k in 0..*fragments {
                        let id = first_id + k;
                        objects.push(id);
                        let Some(sat) = sim.sat_index(id) else { continue };
                        let mut g = rng.at(k as u64, 0);
                        let z: f64 = 2.0 * g.random::<f64>() - 1.0;
                        let phi: f64 = std::f64::consts::TAU * g.random::<f64>();
                        let n: f64 = g.sample(StandardNormal);
                        let mag_km_s = delta_v_median_m_s * 10f64.powf(0.4 * n) / 1000.0;
                        let s = (1.0 - z * z).max(0.0).sqrt();
                        let vk = [
                            v[0] + mag_km_s * s * phi.cos(),
                            v[1] + mag_km_s * s * phi.sin(),
                            v[2] + mag_km_s * z,
                        ];
                        let fitted = fit_elements(r, vk, sim.clock.time_of(tick), &template, id as u64);
                        if let Err(m) = fitted
                            .map_err(|e| e.to_string())
                            .and_then(|el| set_elements(sim, sat, el, tick.0, &inj.id))
                        {
                            lose(sim, sat, tick.0, format!("fragment not in orbit: {m}"), events);
                        }
                    }
                }
            }
        }
        InjectKind::Reentry { object } => {
            objects.push(*object);
            match sim.sat_index(*object).filter(|&s| sim.is_active(s)) {
                Some(sat) => lose(sim, sat, tick.0, format!("re-entered (inject {})", inj.id), events),
                None => failed = Some(format!("object {object} is not in orbit")),
            }
        }
        InjectKind::SensorOutage { sensor } => {
            if let Some(s) = sim.sensor_rank(sensor) {
                sim.conditions[s].down = true;
            }
        }
        InjectKind::SensorDegradation {
            sensor,
            snr_loss_db,
            noise_factor,
        } => {
            if let Some(s) = sim.sensor_rank(sensor) {
                sim.conditions[s].snr_loss_db = *snr_loss_db;
                sim.conditions[s].noise_factor = *noise_factor;
            }
        }
        InjectKind::PriorityChange {
            nation,
            object,
            priority,
        } => {
            objects.push(*object);
            sim.exchange.set_standing(nation, *object, Some(*priority));
        }
        InjectKind::AgreementCut { .. } | InjectKind::LiaisonCut { .. } => {}
    }
    let (sensor, agreement, liaison, nation) = match &inj.kind {
        InjectKind::SensorOutage { sensor } | InjectKind::SensorDegradation { sensor, .. } => {
            (Some(Arc::from(sensor.as_str())), None, None, None)
        }
        InjectKind::AgreementCut { agreement } => (None, Some(Arc::from(agreement.as_str())), None, None),
        InjectKind::LiaisonCut { liaison } => (None, None, Some(Arc::from(liaison.as_str())), None),
        InjectKind::PriorityChange { nation, .. } => (None, None, None, Some(Arc::from(nation.as_str()))),
        _ => (None, None, None, None),
    };
    let delta_v_m_s = match &inj.kind {
        InjectKind::Manoeuvre { delta_v_m_s, .. } => Some(*delta_v_m_s),
        _ => None,
    };
    events.push(Record {
        tick: tick.0,
        order: sim.injects.iter().position(|x| x.id == inj.id).unwrap_or(0) as u64,
        event: Event::Inject(Box::new(InjectEvent {
            inject: Arc::from(inj.id.as_str()),
            inject_kind: (&inj.kind).into(),
            objects,
            delta_v_m_s,
            sensor,
            agreement,
            liaison,
            nation,
            until_tick: inj.end.map(|e| tick_of(e, sim.clock.tick_s)),
            failed,
        })),
    });
}
