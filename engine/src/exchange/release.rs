//! Products: a track released to partners under agreements (denied, degraded, routed by liaison or
//! channel), liaison queues served, and messages delivered.

use super::score::TrueSat;
use super::*;

/// Adds a rule's noise to a measurement (and removes the range if it says so).
pub(super) fn degrade(m: Geometry, d: &Degradation, rng: &mut rand_chacha::ChaCha8Rng) -> Geometry {
    let mut n = || -> f64 { rng.sample(StandardNormal) };
    let range_km = m.range_km.map(|x| x + n() * d.range_noise_m / 1000.0);
    let az = m.az_deg + n() * d.angle_noise_deg;
    let el = m.el_deg + n() * d.angle_noise_deg;
    Geometry {
        range_km: if d.strip_range {
            None
        } else {
            range_km.map(|x| round(x, 6))
        },
        az_deg: round_az(az, 7),
        el_deg: round(el.clamp(-90.0, 90.0), 7),
    }
}

/// Adds a rule's noise to one measurement and its variance to the sigmas (the recipient knows
/// the rule), removing the range if it says so.
pub(super) fn degrade_meas(m: &Meas, d: &Degradation, rng: &mut rand_chacha::ChaCha8Rng) -> Meas {
    let g = degrade(
        Geometry {
            range_km: m.range_km,
            az_deg: m.az_deg,
            el_deg: m.el_deg,
        },
        d,
        rng,
    );
    let mut out = Meas {
        range_km: g.range_km,
        az_deg: g.az_deg,
        el_deg: g.el_deg,
        ..*m
    };
    widen_sigmas(&mut out, d);
    out
}

/// Adds a degradation's noise to a measurement's sigmas in quadrature.
pub(super) fn widen_sigmas(m: &mut Meas, d: &Degradation) {
    m.sigma_az_deg = m.sigma_az_deg.hypot(d.angle_noise_deg);
    m.sigma_el_deg = m.sigma_el_deg.hypot(d.angle_noise_deg);
    m.sigma_range_km = m.sigma_range_km.hypot(d.range_noise_m / 1000.0);
    if d.strip_range {
        m.range_km = None;
    }
}

impl Exchange {
    /// A sensor's track: its nation's product. Updates the nation's catalog and releases the product
    /// to every partner an agreement in force allows, in nation-id order.
    pub(super) fn release(
        &mut self,
        tick: u64,
        sensor: u16,
        r: TrackReport,
        prepared: Option<Prepared>,
        ev: &mut Emitter,
    ) {
        let origin = self.sensor_nation[sensor as usize];
        let id = self.next_product;
        self.next_product += 1;
        let tr = r.track;
        let at = ev.out.len();
        ev.push(Event::Track {
            product: id,
            sensor: self.sensor_ids[sensor as usize].clone(),
            nation: self.nations[origin as usize].clone(),
            object: Some(r.object),
            first_tick: tr.first_tick,
            last_tick: tr.last_tick,
            detections: tr.detections,
            measured: tr.measured,
            entry: None,
            uct: false,
        });
        let (meas, found) = match prepared {
            Some(p) => (p.meas, p.found),
            None => (
                tr.measurements(),
                Found {
                    cue: r.cue.map(|c| c as usize),
                    ..Found::default()
                },
            ),
        };
        let believed = self.believe(origin, TrueSat::of(r.sat), &meas, UpdateVia::Own, sensor, found, ev);
        let entry = believed.entry;
        if let Event::Track { uct, entry: named, .. } = &mut ev.out[at].event {
            *uct = believed.uct;
            *named = entry.map(|i| self.entries[origin as usize][i].designator);
        }
        // Products name the object by the catalogued entry the track associated with, if any.
        let named = entry.filter(|&i| !self.entries[origin as usize][i].tentative);
        let base = ProductMsg {
            estimate: named
                .map(|i| &self.entries[origin as usize][i])
                .map(|e| Box::new((e.x, e.cov, e.template.clone()))),
            meas,
            id,
            kind: Product::Observations,
            sensor,
            object: named.map(|i| self.entries[origin as usize][i].designator),
            true_object: r.object,
            sat: TrueSat::of(r.sat),
            first_tick: tr.first_tick,
            last_tick: tr.last_tick,
            detections: tr.detections,
            measured: Some(tr.measured),
            degraded_by: None,
        };
        for to in 0..self.nations.len() as Nation {
            if to != origin {
                self.offer(tick, origin, to, &base, named, ev);
            }
        }
    }

    /// Offers a track's product (`base`: both forms) from `origin` to `to` under the agreement in
    /// force, if any: as Observations or CatalogUpdates, denied, degraded or released by its rules
    /// (decided on what `origin` knows of entry `named`), then routed.
    fn offer(
        &mut self,
        tick: u64,
        origin: Nation,
        to: Nation,
        base: &ProductMsg,
        named: Option<usize>,
        ev: &mut Emitter,
    ) {
        let Some(ai) = self.agreement(origin, to, tick, &[Product::Observations, Product::CatalogUpdates]) else {
            return;
        };
        let a = &self.agreements[ai];
        let mut product = base.clone();
        if a.spec.covers(Product::Observations) {
            product.estimate = None;
        } else {
            product.kind = Product::CatalogUpdates;
            product.meas = Vec::new();
            product.measured = None;
        }
        let (id, kind, name, true_object) = (product.id, product.kind, product.object, Some(product.true_object));
        match a.spec.decide(&self.attrs_known(origin, named)) {
            Decision::Deny(rule) => {
                ev.push(Event::ShareDenied {
                    product: id,
                    product_kind: kind.into(),
                    from: self.nations[origin as usize].clone(),
                    to: self.nations[to as usize].clone(),
                    object: name,
                    true_object,
                    agreement: a.id.clone(),
                    rule: Arc::from(rule.id.as_str()),
                });
                return;
            }
            Decision::Degrade(rule, d) if kind == Product::Observations => {
                let mut rng = a.degrade_rng.at(id, to as u64);
                product.measured = product.measured.map(|m| degrade(m, &d, &mut rng));
                product.meas = product.meas.iter().map(|m| degrade_meas(m, &d, &mut rng)).collect();
                product.degraded_by = Some(Arc::from(rule.id.as_str()));
                ev.push(Event::ShareDegraded(Box::new(ShareDegradedEvent {
                    product: id,
                    from: self.nations[origin as usize].clone(),
                    to: self.nations[to as usize].clone(),
                    object: name,
                    true_object,
                    agreement: a.id.clone(),
                    rule: Arc::from(rule.id.as_str()),
                    angle_noise_deg: d.angle_noise_deg,
                    range_noise_m: d.range_noise_m,
                    strip_range: d.strip_range,
                })));
            }
            _ => {}
        }
        self.send_under(tick, Payload::Product(Box::new(product)), (origin, to, ai), named, ev);
    }

    /// Sends a product or warning from `origin` to `to` under agreement `ai`: through the
    /// recipient's liaison at the provider when it would relay the provider's entry `named` and is
    /// on duty, else over the agreement's channel (noting the liaison that was off duty).
    pub(super) fn send_under(
        &mut self,
        tick: u64,
        payload: Payload,
        (origin, to, ai): (Nation, Nation, usize),
        named: Option<usize>,
        ev: &mut Emitter,
    ) {
        let interested = self.relaying_liaison(origin, to, ai, named);
        let liaison = interested.filter(|&l| self.liaisons[l].on_duty);
        let liaison_off_duty = interested
            .filter(|&l| !self.liaisons[l].on_duty)
            .map(|l| self.liaisons[l].id.clone());
        let msg = Message {
            payload,
            from: origin,
            to,
            agreement: Some(ai),
            channel: Channel::Internal,
            via: None,
            sent_tick: tick,
            liaison_off_duty,
        };
        self.route(tick, msg, liaison, ev);
    }

    /// The recipient's liaison at the provider that would relay a product about entry `named` of
    /// the provider's catalog (on duty or not): when its `relay` takes the object, matched on the
    /// provider's name for it (inside a regional center products flow through the center instead).
    pub(super) fn relaying_liaison(
        &self,
        origin: Nation,
        to: Nation,
        ai: usize,
        named: Option<usize>,
    ) -> Option<usize> {
        if self.agreements[ai].spec.regional_center.is_some() {
            return None;
        }
        let name = named.map(|i| self.entries[origin as usize][i].designator);
        let requested = name.is_some_and(|o| self.open_interest.contains_key(&(to, o)));
        self.liaison_at
            .get(&(to, origin))
            .copied()
            .filter(|&l| match self.liaisons[l].spec.relay {
                Relay::All => true,
                Relay::OwnedOrRequested => {
                    requested || self.attrs_known(origin, named).owner == Some(&*self.nations[to as usize])
                }
                Relay::Requested => requested,
            })
    }

    /// Sends a message through a liaison (queued, or dropped when the queue is full) or through the
    /// agreement's channel (arrives after its delay), and logs the step.
    pub(super) fn route(&mut self, tick: u64, mut msg: Message, liaison: Option<usize>, ev: &mut Emitter) {
        let (from, to) = (
            self.nations[msg.from as usize].clone(),
            self.nations[msg.to as usize].clone(),
        );
        if let Some(li) = liaison {
            let l = &mut self.liaisons[li];
            msg.channel = Channel::Liaison;
            msg.via = Some(l.id.clone());
            if l.queue.len() >= l.spec.queue_limit as usize {
                let (liaison, queue_limit) = (l.id.clone(), l.spec.queue_limit);
                match &msg.payload {
                    Payload::Product(_) | Payload::Warning(_) => {
                        let s = msg.payload.shared().expect("a product or a warning");
                        ev.push(Event::ShareDropped {
                            product: s.product,
                            from,
                            to,
                            object: s.object,
                            true_object: Some(s.true_object),
                            liaison,
                            queue_limit,
                        });
                    }
                    Payload::Request(r) | Payload::Report(r) => {
                        let stage = if matches!(msg.payload, Payload::Request(_)) {
                            RequestStage::Request
                        } else {
                            RequestStage::Report
                        };
                        let req = &mut self.requests[*r];
                        req.stage = Stage::Closed;
                        ev.push(Event::TaskingDropped {
                            request: req.id.clone(),
                            requester: self.nations[req.by as usize].clone(),
                            provider: self.nations[req.provider as usize].clone(),
                            object: req.object,
                            stage,
                            liaison,
                            queue_limit,
                        });
                        let key = (req.by, req.object);
                        self.lose_interest(key);
                    }
                }
                return;
            }
            self.log_routed(&msg, None, ev);
            self.liaisons[li].queue.push_back((msg, tick));
            return;
        }
        let (due, channel, via) = match msg.agreement.map(|i| &self.agreements[i]) {
            None => (tick, Channel::Internal, None),
            Some(a) => (
                tick + (a.spec.delay_s as u64).div_ceil(self.tick_s),
                if a.spec.regional_center.is_some() {
                    Channel::Regional
                } else {
                    Channel::Agreement
                },
                Some(match &a.spec.regional_center {
                    Some(c) => Arc::from(c.as_str()),
                    None => a.id.clone(),
                }),
            ),
        };
        msg.channel = channel;
        msg.via = via;
        self.log_routed(&msg, Some(due), ev);
        self.enqueue(due, msg);
    }

    pub(super) fn log_routed(&self, msg: &Message, due_tick: Option<u64>, ev: &mut Emitter) {
        match &msg.payload {
            Payload::Product(_) | Payload::Warning(_) => {
                let s = msg.payload.shared().expect("a product or a warning");
                ev.push(Event::ShareSent(Box::new(ShareSentEvent {
                    product: s.product,
                    product_kind: s.kind.into(),
                    from: self.nations[msg.from as usize].clone(),
                    to: self.nations[msg.to as usize].clone(),
                    object: s.object,
                    true_object: Some(s.true_object),
                    agreement: self.agreements[msg.agreement.expect("products travel under agreements")]
                        .id
                        .clone(),
                    channel: msg.channel,
                    via: msg.via.clone().unwrap_or_else(|| Arc::from("")),
                    due_tick,
                    liaison_off_duty: msg.liaison_off_duty.clone(),
                })));
            }
            Payload::Request(r) => {
                let req = &self.requests[*r];
                ev.push(Event::TaskingRouted {
                    request: req.id.clone(),
                    requester: self.nations[req.by as usize].clone(),
                    provider: self.nations[req.provider as usize].clone(),
                    object: req.object,
                    channel: msg.channel,
                    via: msg.via.clone(),
                    due_tick,
                });
            }
            Payload::Report(_) => {}
        }
    }

    pub(super) fn enqueue(&mut self, due: u64, msg: Message) {
        self.pending.insert((due, self.seq), msg);
        self.seq += 1;
    }

    /// Liaisons on duty take queued messages in order, one per `3600 / messages_per_hour` seconds;
    /// each arrives `latency_s` after it is taken.
    pub(super) fn serve_liaisons(&mut self, tick: u64, ev: &mut Emitter) {
        let tick_ms = self.tick_s * 1000;
        let t_ms = tick * tick_ms;
        for li in 0..self.liaisons.len() {
            let l = &mut self.liaisons[li];
            if !l.on_duty {
                continue;
            }
            let service_ms = (3_600_000 / l.spec.messages_per_hour as u64).max(1);
            let latency_ms = l.spec.latency_s as u64 * 1000;
            let mut start = l.free_at_ms.max(t_ms);
            let mut taken = Vec::new();
            while start < t_ms + tick_ms {
                let Some((msg, enq)) = l.queue.pop_front() else { break };
                let due = (start + latency_ms).div_ceil(tick_ms).max(tick);
                let waited_s = (start - enq * tick_ms) / 1000;
                taken.push((msg, due, waited_s));
                start += service_ms;
            }
            l.free_at_ms = start;
            let lid = l.id.clone();
            for (msg, due, waited_s) in taken {
                if let Some(s) = msg.payload.shared()
                    && waited_s > 0
                {
                    ev.push(Event::ShareDelayed {
                        product: s.product,
                        from: self.nations[msg.from as usize].clone(),
                        to: self.nations[msg.to as usize].clone(),
                        object: s.object,
                        true_object: Some(s.true_object),
                        liaison: lid.clone(),
                        waited_s,
                        due_tick: due,
                    });
                }
                self.enqueue(due, msg);
            }
        }
    }

    /// A message arrives.
    pub(super) fn deliver(&mut self, tick: u64, msg: Message, ev: &mut Emitter) {
        match msg.payload {
            Payload::Product(p) => {
                let a = &self.agreements[msg.agreement.expect("products travel under agreements")];
                ev.push(Event::ShareDelivered(Box::new(ShareDeliveredEvent {
                    product: p.id,
                    product_kind: p.kind.into(),
                    from: self.nations[msg.from as usize].clone(),
                    to: self.nations[msg.to as usize].clone(),
                    sensor: self.sensor_ids[p.sensor as usize].clone(),
                    object: p.object,
                    true_object: Some(p.true_object),
                    agreement: a.id.clone(),
                    channel: msg.channel,
                    via: msg.via.clone().unwrap_or_else(|| Arc::from("")),
                    sent_tick: msg.sent_tick,
                    first_detection_tick: p.first_tick,
                    last_detection_tick: p.last_tick,
                    detections: p.detections,
                    latency_s: (tick - p.first_tick) * self.tick_s,
                    measured: p.measured,
                    degraded_by: p.degraded_by.clone(),
                    liaison_off_duty: msg.liaison_off_duty.clone(),
                })));
                // Observations meet the recipient's catalog as its own sensors' tracks do; a
                // catalog update is fused with the recipient's entry of the same number.
                if !p.meas.is_empty() {
                    self.believe(
                        msg.to,
                        p.sat,
                        &p.meas,
                        UpdateVia::Shared,
                        p.sensor,
                        Found::default(),
                        ev,
                    );
                } else if let Some(est) = &p.estimate {
                    self.fuse(msg.to, est, p.last_tick, p.sensor, ev);
                }
            }
            Payload::Warning(w) => {
                let lead_s = round(w.tca_s - self.secs(tick) as f64, 3);
                let via = msg.via.clone().unwrap_or_else(|| Arc::from(""));
                let e = self.warning_delivered(
                    &w,
                    msg.from,
                    msg.to,
                    msg.channel,
                    via,
                    msg.sent_tick,
                    lead_s,
                    msg.liaison_off_duty.clone(),
                );
                ev.push(e);
                self.request_follow_up(tick, msg.from, msg.to, &w, ev);
            }
            Payload::Request(r) => self.arrive_request(tick, r, ev),
            Payload::Report(r) => {
                let req = &self.requests[r];
                let (outcome, sensor, measured, observed, degraded_by) = match &req.outcome {
                    Some(Outcome::Observed {
                        sensor,
                        tick: t,
                        measured,
                        degraded_by,
                    }) => (
                        RequestOutcome::Observed,
                        Some(*sensor),
                        Some(*measured),
                        Some(*t),
                        degraded_by.clone(),
                    ),
                    Some(Outcome::Declined) => (RequestOutcome::Declined, None, None, None, None),
                    _ => (RequestOutcome::Expired, None, None, None, None),
                };
                ev.push(Event::TaskingReported(Box::new(TaskingReportedEvent {
                    request: req.id.clone(),
                    requester: self.nations[req.by as usize].clone(),
                    provider: self.nations[req.provider as usize].clone(),
                    object: req.object,
                    outcome,
                    channel: msg.channel,
                    via: msg.via.clone(),
                    turnaround_s: (tick - req.at_tick) * self.tick_s,
                    measured,
                    degraded_by: degraded_by.as_ref().map(|(rule, _)| rule.clone()),
                    sensor: sensor.map(|s| self.sensor_ids[s as usize].clone()),
                })));
                let (by, sat, object) = (req.by, req.sat, req.object);
                if let (Some(s), Some(t), Some(m)) = (sensor, observed, measured) {
                    let meas = self.report_meas(s, t, &m, degraded_by.as_ref().map(|(_, d)| d));
                    self.believe(
                        by,
                        TrueSat::of(sat),
                        &[meas],
                        UpdateVia::Tasking,
                        s,
                        Found::default(),
                        ev,
                    );
                }
                self.lose_interest((by, object));
            }
        }
    }
}
