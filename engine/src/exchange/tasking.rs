//! Tasking requests: sent, routed, accepted or declined by the provider, fulfilled by a detection,
//! expired, and reported back.

use super::release::degrade;
use super::*;

impl Exchange {
    pub(super) fn lose_interest(&mut self, key: (Nation, u32)) {
        if let Some(n) = self.open_interest.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.open_interest.remove(&key);
            }
        }
    }

    /// A requester sends a request: to its own sensors directly, to a partner's through the liaison
    /// it posted there (when on duty) or the channel of an agreement with `TaskingSupport`.
    pub(super) fn send_request(&mut self, tick: u64, r: usize, ev: &mut Emitter) {
        let (by, provider, object) = (self.requests[r].by, self.requests[r].provider, self.requests[r].object);
        {
            let req = &self.requests[r];
            ev.push(Event::TaskingRequested(Box::new(TaskingRequestedEvent {
                request: req.id.clone(),
                requester: self.nations[by as usize].clone(),
                provider: self.nations[provider as usize].clone(),
                object,
                sensor: req.target.clone(),
                priority: req.priority,
                window_start: req.window_iso.0.clone(),
                window_end: req.window_iso.1.clone(),
                reason: req.reason.clone(),
            })));
        }
        *self.open_interest.entry((by, object)).or_default() += 1;
        let agreement = if by == provider {
            None
        } else {
            match self.agreement(provider, by, tick, &[Product::TaskingSupport]) {
                Some(a) => Some(a),
                None => {
                    self.requests[r].stage = Stage::Closed;
                    ev.push(Event::TaskingDeclined {
                        request: self.requests[r].id.clone(),
                        requester: self.nations[by as usize].clone(),
                        provider: self.nations[provider as usize].clone(),
                        object,
                        decided_by: self.nations[by as usize].clone(),
                        reason: DeclineReason::NoAgreement,
                        agreement: None,
                        rule: None,
                    });
                    self.lose_interest((by, object));
                    return;
                }
            }
        };
        self.requests[r].stage = Stage::Routed;
        self.requests[r].agreement = agreement;
        self.send_tasking(tick, r, Payload::Request(r), ev);
    }

    /// Sends a request's outcome back to the requester (same kinds of channel as the request).
    pub(super) fn report_back(&mut self, tick: u64, r: usize, ev: &mut Emitter) {
        self.send_tasking(tick, r, Payload::Report(r), ev);
    }

    /// Sends a request (requester to provider) or its report (back): through the requester's
    /// liaison at the provider when it is on duty, else the agreement's or center's channel, or
    /// internally within one nation.
    pub(super) fn send_tasking(&mut self, tick: u64, r: usize, payload: Payload, ev: &mut Emitter) {
        let req = &self.requests[r];
        let (by, provider, agreement) = (req.by, req.provider, req.agreement);
        let liaison = (by != provider)
            .then(|| self.liaison_at.get(&(by, provider)).copied())
            .flatten()
            .filter(|&l| {
                self.liaisons[l].on_duty && agreement.is_some_and(|a| self.agreements[a].spec.regional_center.is_none())
            });
        let (from, to) = match payload {
            Payload::Report(_) => (provider, by),
            _ => (by, provider),
        };
        let msg = Message {
            payload,
            from,
            to,
            agreement,
            channel: Channel::Internal,
            via: None,
            sent_tick: tick,
            liaison_off_duty: None,
        };
        self.route(tick, msg, liaison, ev);
    }

    /// What the provider's catalog records of the object request `r` names (by the number the
    /// request gives it): its agreement's rules decide on this, as they do for products, never on
    /// the object's true attributes. An object the provider has not catalogued has unknown
    /// attributes.
    fn requested_attrs(&self, r: usize) -> ObjectAttrs<'_> {
        let q = &self.requests[r];
        let entry = (self.entries[q.provider as usize].iter()).position(|e| e.designator == q.object);
        self.attrs_known(q.provider, entry)
    }

    /// A provider's sensor detected a requested object: the first detection fulfils the request.
    pub(super) fn fulfil(&mut self, tick: u64, sensor: u16, t: TaskedDetection, ev: &mut Emitter) {
        let r = t.request as usize;
        if self.requests[r].stage != Stage::Accepted {
            return;
        }
        self.close_accepted(r);
        // The report is an observation released to the requester: the agreement's `Degrade` rule applies.
        let (mut measured, mut degraded_by) = (t.measured, None);
        if let Some(ai) = self.requests[r].agreement {
            let a = &self.agreements[ai];
            if let Decision::Degrade(rule, d) = a.spec.decide(&self.requested_attrs(r)) {
                let mut rng = a.degrade_rng.at(REPORT_STREAM | r as u64, self.requests[r].by as u64);
                measured = degrade(measured, &d, &mut rng);
                degraded_by = Some((Arc::from(rule.id.as_str()), d));
            }
        }
        let req = &mut self.requests[r];
        req.outcome = Some(Outcome::Observed {
            sensor,
            tick,
            measured,
            degraded_by,
        });
        ev.push(Event::TaskingObserved {
            request: req.id.clone(),
            requester: self.nations[req.by as usize].clone(),
            provider: self.nations[req.provider as usize].clone(),
            object: req.object,
            sensor: self.sensor_ids[sensor as usize].clone(),
        });
        self.report_back(tick, r, ev);
    }

    /// Removes an accepted request from its sensors' schedules.
    pub(super) fn close_accepted(&mut self, r: usize) {
        self.requests[r].stage = Stage::Closed;
        for &s in &self.requests[r].sensors {
            self.active[s as usize].retain(|a| a.request as usize != r);
        }
    }

    /// Accepted requests whose window closed unobserved.
    pub(super) fn expire(&mut self, tick: u64, ev: &mut Emitter) {
        let due: Vec<usize> = (0..self.requests.len())
            .filter(|&r| self.requests[r].stage == Stage::Accepted && self.requests[r].end_tick <= tick)
            .collect();
        for r in due {
            self.close_accepted(r);
            self.requests[r].outcome = Some(Outcome::Expired);
            let req = &self.requests[r];
            ev.push(Event::TaskingExpired {
                request: req.id.clone(),
                requester: self.nations[req.by as usize].clone(),
                provider: self.nations[req.provider as usize].clone(),
                object: req.object,
                reason: ExpiryReason::WindowClosed,
            });
            self.report_back(tick, r, ev);
        }
    }

    /// A request reaches its provider: expired if its window has closed, declined if the agreement
    /// has ended or a rule denies the object, else accepted for the target sensors.
    pub(super) fn arrive_request(&mut self, tick: u64, r: usize, ev: &mut Emitter) {
        let (by, provider, object) = {
            let q = &self.requests[r];
            (q.by, q.provider, q.object)
        };
        let names = (
            self.requests[r].id.clone(),
            self.nations[by as usize].clone(),
            self.nations[provider as usize].clone(),
        );
        if self.requests[r].end_tick <= tick {
            self.requests[r].stage = Stage::Closed;
            self.requests[r].outcome = Some(Outcome::Expired);
            ev.push(Event::TaskingExpired {
                request: names.0,
                requester: names.1,
                provider: names.2,
                object,
                reason: ExpiryReason::ArrivedLate,
            });
            self.report_back(tick, r, ev);
            return;
        }
        if let Some(ai) = self.requests[r].agreement {
            let a = &self.agreements[ai];
            let verdict = if !a.in_force(self.secs(tick)) {
                Some((DeclineReason::AgreementEnded, None))
            } else {
                match a.spec.decide(&self.requested_attrs(r)) {
                    Decision::Deny(rule) => Some((DeclineReason::Policy, Some(Arc::from(rule.id.as_str())))),
                    _ => None,
                }
            };
            if let Some((reason, rule)) = verdict {
                let agreement = Some(a.id.clone());
                self.requests[r].stage = Stage::Closed;
                self.requests[r].outcome = Some(Outcome::Declined);
                ev.push(Event::TaskingDeclined {
                    request: names.0,
                    requester: names.1,
                    provider: names.2.clone(),
                    object,
                    decided_by: names.2,
                    reason,
                    agreement,
                    rule,
                });
                self.report_back(tick, r, ev);
                return;
            }
        }
        let req = &mut self.requests[r];
        req.stage = Stage::Accepted;
        for &s in &req.sensors {
            let list = &mut self.active[s as usize];
            let at = list.partition_point(|a| (a.object, a.request) < (object, r as u32));
            list.insert(
                at,
                ActiveRequest {
                    object,
                    priority: req.priority,
                    request: r as u32,
                    start_tick: req.start_tick,
                    end_tick: req.end_tick,
                },
            );
        }
        ev.push(Event::TaskingAccepted {
            request: names.0,
            requester: names.1,
            provider: names.2,
            object,
            sensors: req
                .sensors
                .iter()
                .map(|&s| self.sensor_ids[s as usize].clone())
                .collect(),
        });
    }
}
