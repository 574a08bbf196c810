//! Conjunction assessment during a run: each nation that screens (`screening` in the scenario)
//! screens its *own* catalog estimates at its cadence, assesses each close approach of an object it
//! protects (states and covariances of both estimates carried to the TCA, the 2-D probability of
//! collision), logs the assessment (`conjunction_assessed`, what a CDM carries), and sends a
//! warning to each object's owner when the Pc reaches its threshold: to itself at once, to a
//! partner as a `ConjunctionWarnings` product under the agreement in force, denied by its rules or
//! relayed by a liaison exactly as tracks are.
//!
//! Nothing here reads truth except [`score::true_objects`], which fills the truth-side field of
//! the events for scoring.

use nalgebra::{Matrix3, Vector3};

use super::*;
use crate::conjunction::{pc, screen};
use crate::event::{ConjunctionAssessedEvent, ConjunctionObject, WarningDeliveredEvent};
use crate::scenario::{Protect, Screening};

/// A conjunction warning on its way to an owner.
#[derive(Debug, Clone)]
pub(super) struct WarningMsg {
    /// Product id.
    pub id: u64,
    /// The assessment it carries.
    pub cdm: Arc<str>,
    /// The recipient's object and the other, as the warning nation names them.
    pub object: u32,
    pub other: u32,
    /// Truth (scoring only): the satellites the two entries started from, as `object`, `other`.
    pub true_objects: [u32; 2],
    /// Truth (truth-side use only): the satellite indices the two entries started from, as
    /// `object`, `other`; a follow-up tasking request carries the other's, as scenario requests
    /// carry the index of the object they name.
    pub sats: [u32; 2],
    /// Time of closest approach, s after the scenario epoch.
    pub tca_s: f64,
    /// The probability the level was decided on.
    pub pc: f64,
    /// `Warning` or `Emergency`.
    pub level: Level,
}

/// One side of an assessment: the entry, its state and covariance at the TCA (TEME, km, km/s).
struct Side {
    entry: usize,
    r: Vector3<f64>,
    v: Vector3<f64>,
    cov: Mat6,
}

/// Whether the 2-D Pc applies to a conjunction (CARA's usage indicators; see
/// `conjunction::validity`) and, where it does not, Hall's 3-D expected collision count. The 3-D
/// count is computed only when the cheap indicators (non-positive-definite covariance, extended or
/// offset encounter) already rule the 2-D method out, which keeps assessment cost near the 2-D one.
fn probability_3d(a: &Side, b: &Side, hbr_m: f64, pc2d: f64) -> (bool, Option<f64>) {
    let body6 = |x: &Side| crate::conjunction::Body6 {
        r_m: x.r * 1e3,
        v_m_s: x.v * 1e3,
        cov: x.cov * 1e6,
    };
    let (a6, b6) = (body6(a), body6(b));
    let cheap = crate::conjunction::validity_2d(&a6, &b6, hbr_m, pc2d, Some(pc2d));
    if cheap.valid() {
        return (true, None);
    }
    let nc = crate::conjunction::nc3d(&a6, &b6, hbr_m).map(|n| n.nc);
    let full = crate::conjunction::validity_2d(&a6, &b6, hbr_m, pc2d, nc);
    (full.valid(), nc)
}

impl Exchange {
    /// Runs the screenings due at `tick`, in nation order.
    pub(super) fn screen_conjunctions(&mut self, tick: u64, ev: &mut Emitter) {
        for n in 0..self.nations.len() {
            let Some(s) = self.screening[n].clone() else { continue };
            let every = (s.every_s as u64).div_ceil(self.tick_s).max(1);
            if !tick.is_multiple_of(every) {
                continue;
            }
            let left_s = self.clock.ticks.saturating_sub(tick + 1) * self.tick_s;
            let span_s = left_s.min(s.look_ahead_s as u64);
            if span_s == 0 {
                continue;
            }
            for (a, i, j) in self.screen_catalog(n as Nation, tick, &s, span_s as f64) {
                self.assess(n as Nation, tick, &s, &a, (i, j), ev);
            }
        }
    }

    /// Whether nation `n` protects its entry `i` (by the owner its catalog records).
    fn protects(&self, n: Nation, s: &Screening, i: usize) -> bool {
        let e = &self.entries[n as usize][i];
        s.protect.holds(
            &self.nations[n as usize],
            e.designator,
            self.attrs_known(n, Some(i)).owner,
        )
    }

    /// Close approaches among nation `n`'s catalogued entries within `span_s` of `tick`, each with
    /// its two entries (in the approach's order: smaller number first).
    fn screen_catalog(
        &self,
        n: Nation,
        tick: u64,
        s: &Screening,
        span_s: f64,
    ) -> Vec<(screen::Approach, usize, usize)> {
        let entries = &self.entries[n as usize];
        let by: BTreeMap<u32, usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.tentative)
            .map(|(i, e)| (e.designator, i))
            .collect();
        debug_assert_eq!(
            by.len(),
            entries.iter().filter(|e| !e.tentative).count(),
            "catalogued designators are unique within a nation"
        );
        let primaries: Option<Vec<u32>> = match s.protect {
            Protect::All => None,
            _ => Some(
                by.iter()
                    .filter(|&(_, &i)| self.protects(n, s, i))
                    .map(|(&d, _)| d)
                    .collect(),
            ),
        };
        if primaries.as_ref().is_some_and(Vec::is_empty) {
            return Vec::new();
        }
        let start = self.clock.time_of(crate::time::Tick(tick));
        let orbiters: Vec<screen::Orbiter> = by
            .iter()
            .filter_map(|(&d, &i)| {
                let e = &entries[i];
                screen::Orbiter::new(d, &od::elements_of(&e.x, e.template.datetime, &e.template), start).ok()
            })
            .collect();
        screen::screen(&orbiters, primaries.as_deref(), span_s, s.threshold_km)
            .into_iter()
            .map(|a| (a, by[&a.objects.0], by[&a.objects.1]))
            .collect()
    }

    /// Nation `n`'s entry `i` carried to `tca_s` after `tick`: state and covariance (TEME).
    fn side_at(&self, n: Nation, i: usize, tick: u64, tca_s: f64) -> Option<Side> {
        let e = &self.entries[n as usize][i];
        let minutes = e.minutes_at(&self.clock, tick) + tca_s / 60.0;
        let (r, v) = od::state_of(&e.x, e.template.datetime, &e.template, minutes).ok()?;
        let g = od::state_jacobian(&e.x, e.template.datetime, &e.template, minutes).ok()?;
        let tca_tick = tick + (tca_s / self.tick_s as f64) as u64;
        Some(Side {
            entry: i,
            r: Vector3::from(r),
            v: Vector3::from(v),
            cov: g * e.covariance_at(&self.clock, tca_tick) * g.transpose(),
        })
    }

    /// Assesses one close approach found by nation `n`'s screening at `tick` and warns the owners.
    fn assess(
        &mut self,
        n: Nation,
        tick: u64,
        s: &Screening,
        a: &screen::Approach,
        (i, j): (usize, usize),
        ev: &mut Emitter,
    ) {
        // The protected object first.
        let (p, q) = if self.protects(n, s, i) || !self.protects(n, s, j) {
            (i, j)
        } else {
            (j, i)
        };
        let (Some(sp), Some(sq)) = (self.side_at(n, p, tick, a.tca_s), self.side_at(n, q, tick, a.tca_s)) else {
            return;
        };
        let body = |x: &Side| pc::Body {
            r_m: x.r * 1e3,
            v_m_s: x.v * 1e3,
            cov_m2: x.cov.fixed_view::<3, 3>(0, 0).into_owned() * 1e6,
        };
        let Ok(p2) = pc::pc2d(&body(&sp), &body(&sq), s.hbr_m, false) else {
            return;
        };
        let (valid_2d, nc3d) = probability_3d(&sp, &sq, s.hbr_m, p2.pc);
        // The level is decided on the 2-D Pc where it applies, else on the 3-D count.
        let decided = if valid_2d { p2.pc } else { nc3d.unwrap_or(p2.pc) };
        let level = if decided >= s.emergency_pc {
            Level::Emergency
        } else if decided >= s.warn_pc {
            Level::Warning
        } else {
            Level::None
        };
        let tca_s = round(self.secs(tick) as f64 + a.tca_s, 3);
        let cdm: Arc<str> = Arc::from(format!("{}-CDM-{}", self.nations[n as usize], self.cdm_seq[n as usize]));
        self.cdm_seq[n as usize] += 1;
        let entries = &self.entries[n as usize];
        let labels = [entries[p].label, entries[q].label];
        let true_objects = score::true_objects(&self.sats, labels);
        let sats = labels.map(score::sat_index);
        let tca = self.clock.epoch + chrono::TimeDelta::milliseconds((tca_s * 1000.0).round() as i64);
        ev.push(Event::ConjunctionAssessed(Box::new(ConjunctionAssessedEvent {
            nation: self.nations[n as usize].clone(),
            cdm: cdm.clone(),
            tca_s,
            tca: tca.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            miss_m: round(p2.miss_m, 3),
            rel_speed_m_s: round(p2.rel_speed_m_s, 3),
            pc: decided,
            pc2d: p2.pc,
            valid_2d,
            nc3d,
            hbr_m: s.hbr_m,
            level,
            object1: self.cdm_object(n, &sp),
            object2: self.cdm_object(n, &sq),
            true_objects: Some(true_objects),
        })));
        if level != Level::None {
            let w = WarningMsg {
                id: 0,
                cdm,
                object: entries[p].designator,
                other: entries[q].designator,
                true_objects,
                sats,
                tca_s,
                pc: decided,
                level,
            };
            self.warn_owners(n, tick, [p, q], w, ev);
        }
    }

    /// One side of an assessment as the event (and a CDM) carries it.
    fn cdm_object(&self, n: Nation, x: &Side) -> ConjunctionObject {
        let e = &self.entries[n as usize][x.entry];
        let axes = crate::orbit::rsw(x.r.into(), x.v.into());
        let rot = Matrix3::from_fn(|r, c| axes[r][c]);
        let mut t = Mat6::zeros();
        t.fixed_view_mut::<3, 3>(0, 0).copy_from(&rot);
        t.fixed_view_mut::<3, 3>(3, 3).copy_from(&rot);
        let c = t * x.cov * t.transpose() * 1e6;
        let cov_rtn = (0..6)
            .flat_map(|r| (0..=r).map(move |k| (r, k)))
            .map(|(r, k)| c[(r, k)])
            .collect();
        ConjunctionObject {
            object: e.designator,
            name: e.template.object_name.clone(),
            international_designator: e.template.international_designator.clone(),
            owner: self.attrs_known(n, Some(x.entry)).owner.map(Arc::from),
            // Not rounded: the CDMs written from the log must reproduce the Pc.
            r_km: [x.r[0], x.r[1], x.r[2]],
            v_km_s: [x.v[0], x.v[1], x.v[2]],
            cov_rtn,
            observations: e.obs_used,
            last_obs_tick: e.last_obs,
        }
    }

    /// Sends an assessment's warning to the owner of each of its objects (entries `pq` of nation
    /// `n`'s catalog, as its catalog records the owners): at once to itself, else under the
    /// agreement in force that covers `ConjunctionWarnings` (none: nothing is sent), denied when a
    /// rule of it denies either object, routed through the owner's liaison when its `relay`
    /// takes the owner's object.
    fn warn_owners(&mut self, n: Nation, tick: u64, pq: [usize; 2], w: WarningMsg, ev: &mut Emitter) {
        let mut told = Vec::new();
        for (k, &i) in pq.iter().enumerate() {
            let Some(owner) = self.attrs_known(n, Some(i)).owner else {
                continue;
            };
            let Ok(o) = self.nations.binary_search_by(|x| (**x).cmp(owner)) else {
                continue;
            };
            let o = o as Nation;
            if told.contains(&o) {
                continue;
            }
            told.push(o);
            let mut w = w.clone();
            if k == 1 {
                std::mem::swap(&mut w.object, &mut w.other);
                w.true_objects.swap(0, 1);
                w.sats.swap(0, 1);
            }
            if o == n {
                w.id = self.next_product;
                self.next_product += 1;
                let lead_s = round(w.tca_s - self.secs(tick) as f64, 3);
                ev.push(self.warning_delivered(&w, n, n, Channel::Internal, Arc::from(""), tick, lead_s, None));
                continue;
            }
            self.offer_warning(tick, n, o, i, pq, w, ev);
        }
    }

    /// Offers a warning about entry `mine` (the recipient `to`'s object) from `n` to `to`.
    #[allow(clippy::too_many_arguments)]
    fn offer_warning(
        &mut self,
        tick: u64,
        n: Nation,
        to: Nation,
        mine: usize,
        pq: [usize; 2],
        mut w: WarningMsg,
        ev: &mut Emitter,
    ) {
        let Some(ai) = self.agreement(n, to, tick, &[Product::ConjunctionWarnings]) else {
            return;
        };
        w.id = self.next_product;
        self.next_product += 1;
        let a = &self.agreements[ai];
        for i in pq {
            if let Decision::Deny(rule) = a.spec.decide(&self.attrs_known(n, Some(i))) {
                ev.push(Event::ShareDenied {
                    product: w.id,
                    product_kind: Product::ConjunctionWarnings.into(),
                    from: self.nations[n as usize].clone(),
                    to: self.nations[to as usize].clone(),
                    object: Some(w.object),
                    true_object: Some(w.true_objects[0]),
                    agreement: a.id.clone(),
                    rule: Arc::from(rule.id.as_str()),
                });
                return;
            }
        }
        self.send_under(tick, Payload::Warning(Box::new(w)), (n, to, ai), Some(mine), ev);
    }

    /// An owner warned by a partner asks it to track the other object until the TCA: a tasking
    /// request (priority 1 for an emergency, 2 for a warning) to the warning nation's sensors,
    /// naming the object by the warning nation's number for it (which only its catalog holds),
    /// sent at once through the request machinery (liaison, agreement, `TaskingSupport`). One open
    /// follow-up per (owner, warning nation, object): later warnings of the same conjunction ride on
    /// it.
    pub(super) fn request_follow_up(&mut self, tick: u64, from: Nation, to: Nation, w: &WarningMsg, ev: &mut Emitter) {
        let end_tick = (w.tca_s / self.tick_s as f64).ceil() as u64;
        let open = self.requests.iter().any(|r| {
            r.by == to
                && r.provider == from
                && r.object == w.other
                && r.stage != Stage::Closed
                && r.end_tick >= end_tick
        });
        if from == to || open || end_tick <= tick {
            return;
        }
        let iso = |t: u64| crate::time::format_iso(&self.clock.time_of(crate::time::Tick(t)));
        let r = self.requests.len();
        self.requests.push(RequestRt {
            id: Arc::from(format!("{}-FOLLOW-UP-{}", self.nations[to as usize], w.cdm)),
            by: to,
            provider: from,
            object: w.other,
            sat: w.sats[1],
            sensors: (0..self.sensor_ids.len() as u16)
                .filter(|&k| self.sensor_nation[k as usize] == from)
                .collect(),
            target: Arc::from("any"),
            priority: if w.level == Level::Emergency { 1 } else { 2 },
            at_tick: tick,
            start_tick: tick,
            end_tick,
            window_iso: (iso(tick), iso(end_tick)),
            reason: Arc::from(format!(
                "conjunction follow-up: {} warned of {} (CDM {})",
                self.nations[from as usize], w.other, w.cdm
            )),
            stage: Stage::Waiting,
            agreement: None,
            outcome: None,
        });
        self.send_request(tick, r, ev);
    }

    /// The event of a warning arriving.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn warning_delivered(
        &self,
        w: &WarningMsg,
        from: Nation,
        to: Nation,
        channel: Channel,
        via: Arc<str>,
        sent_tick: u64,
        lead_s: f64,
        liaison_off_duty: Option<Arc<str>>,
    ) -> Event {
        Event::WarningDelivered(Box::new(WarningDeliveredEvent {
            product: w.id,
            cdm: w.cdm.clone(),
            from: self.nations[from as usize].clone(),
            to: self.nations[to as usize].clone(),
            object: w.object,
            other: w.other,
            true_objects: Some(w.true_objects),
            channel,
            via,
            sent_tick,
            tca_s: w.tca_s,
            lead_s,
            pc: w.pc,
            level: w.level,
            liaison_off_duty,
        }))
    }
}
