//! [`Builder`]: the scorecard computed from a run's events, fed one at a time in log order.

use std::collections::{BTreeMap, BTreeSet};

use crate::event::{Channel, Event, EventKind, InjectType, RegimeAccuracy, RegimeName, RequestOutcome, Scope};

use super::conjunctions;
use super::{Custody, Figures, InjectScore, Latency, LiaisonStats, NationTimes, RegimeCustody, Scorecard};

/// What the scorecard needs to know of the run besides its events.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// Epoch, UTC.
    pub epoch: String,
    /// Tick length, s.
    pub tick_s: u64,
    /// Ticks run.
    pub ticks: u64,
    /// Regional centers and their members.
    pub regional_centers: BTreeMap<String, Vec<String>>,
}

/// Per-inject times: (first detection by anyone, per nation).
type Scores = BTreeMap<String, (Option<u64>, BTreeMap<String, NationTimes>)>;

/// A custody sample: (tick, in custody, known, in custody per regime).
type Sample = (u64, u32, u32, BTreeMap<RegimeName, u32>);

/// An inject as scored: (id, kind, tick, the objects whose detection notices it).
type Fired = (String, InjectType, u64, BTreeSet<u32>);

/// Streams events into a [`Scorecard`].
pub struct Builder {
    info: RunInfo,
    nations: BTreeMap<String, Figures>,
    /// Per nation: turnarounds of its fulfilled requests, s.
    turnaround: BTreeMap<String, Vec<u64>>,
    /// Per (recipient, channel) and (recipient, liaison duty): latencies of products received, s.
    latencies: BTreeMap<(String, &'static str), Vec<u64>>,
    duty_latencies: BTreeMap<(String, &'static str), Vec<u64>>,
    custody: BTreeMap<(Scope, String), Vec<Sample>>,
    /// Per nation: the accuracy figures of its latest custody sample.
    accuracy: BTreeMap<String, BTreeMap<RegimeName, RegimeAccuracy>>,
    injects: Vec<Fired>,
    scores: Scores,
    /// Per liaison: (figures, depth-ticks so far, current depth, tick of the last change).
    liaisons: BTreeMap<String, (LiaisonStats, u64, u32, u64)>,
    conjunctions: conjunctions::Tally,
    sky: super::sky::Tally,
}

impl Builder {
    /// Starts a scorecard of the run `info` describes.
    pub fn new(info: RunInfo) -> Builder {
        Builder {
            info,
            nations: BTreeMap::new(),
            turnaround: BTreeMap::new(),
            latencies: BTreeMap::new(),
            duty_latencies: BTreeMap::new(),
            custody: BTreeMap::new(),
            accuracy: BTreeMap::new(),
            injects: Vec::new(),
            scores: BTreeMap::new(),
            liaisons: BTreeMap::new(),
            conjunctions: conjunctions::Tally::default(),
            sky: super::sky::Tally::default(),
        }
    }

    fn fig(&mut self, n: &str) -> &mut Figures {
        self.nations.entry(n.to_string()).or_default()
    }

    /// A nation catalogued (or declared manoeuvred) what `inject` made, at `tick`.
    fn inject_noticed(&mut self, tick: u64, nation: &str, inject: Option<&str>) {
        if let Some((id, _, t, _)) = self.injects.iter().find(|i| inject == Some(i.0.as_str())) {
            let dt = self.since(tick, *t);
            let e = self.scores.entry(id.clone()).or_default();
            e.1.entry(nation.to_string())
                .or_default()
                .catalogued_s
                .get_or_insert(dt);
        }
    }

    /// Seconds from tick `t` to tick `tick`.
    fn since(&self, tick: u64, t: u64) -> u64 {
        (tick - t) * self.info.tick_s
    }

    /// Whether the scorecard reads events of `kind` (a reader may skip the others unparsed: access
    /// windows and misses, most of a log, count for nothing here; `engine/tests/scorecard.rs`
    /// checks that leaving them out changes no figure).
    pub fn reads(kind: EventKind) -> bool {
        use EventKind as K;
        !matches!(
            kind,
            K::InjectEnd
                | K::ObjectLost
                | K::AccessStart
                | K::Missed
                | K::AccessEnd
                | K::AgreementStatus
                | K::LiaisonDuty
                | K::TaskingRouted
                | K::TaskingExpired
                | K::ShareDelayed
        )
    }

    /// Takes one event (events must come in log order).
    pub fn feed(&mut self, tick: u64, event: &Event) {
        self.conjunctions.feed(tick, event, self.info.tick_s as f64);
        self.sky.feed(tick, event);
        match event {
            Event::Detection { nation, object, .. } => {
                self.fig(nation).detections += 1;
                // First detection of a new object (launch, breakup, conjunction secondary).
                let new_object =
                    |k: InjectType| matches!(k, InjectType::Launch | InjectType::Breakup | InjectType::Conjunction);
                self.first_detection(tick, nation, *object, new_object);
            }
            Event::Track {
                nation, object, uct, ..
            } => {
                let f = self.fig(nation);
                f.tracks += 1;
                if *uct {
                    f.uct_tracks += 1;
                    self.first_detection(tick, nation, *object, |k| k == InjectType::Manoeuvre);
                }
            }
            Event::Inject(e) => {
                // For a breakup, the fragments (not the parent) are what gets detected; for a
                // conjunction, the secondary (not the primary).
                let skip = matches!(e.inject_kind, InjectType::Breakup | InjectType::Conjunction) as usize;
                let affected = e.objects.iter().skip(skip).copied().collect();
                self.injects.push((e.inject.to_string(), e.inject_kind, tick, affected));
            }
            Event::ManoeuvreDetected { nation, inject, .. } => {
                let f = self.fig(nation);
                f.manoeuvres_declared += 1;
                f.manoeuvre_false_alarms += u64::from(inject.is_none());
                self.inject_noticed(tick, nation, inject.as_deref());
            }
            Event::NewObjectCatalogued { nation, inject, .. } | Event::BreakupDetected { nation, inject, .. } => {
                self.inject_noticed(tick, nation, inject.as_deref())
            }
            Event::Custody { .. } => self.custody_sample(tick, event),
            Event::CrossTag { nation, .. } => self.fig(nation).cross_tags += 1,
            Event::OdFailed { nation, .. } => self.fig(nation).od_failures += 1,
            Event::CatalogUpdate { nation, via, .. } => {
                *self.fig(nation).catalog_updates.entry(via.to_string()).or_default() += 1
            }
            _ => self.feed_exchange(tick, event),
        }
    }

    /// Products, warnings, liaisons and tasking requests.
    fn feed_exchange(&mut self, tick: u64, event: &Event) {
        match event {
            Event::ShareSent(e) => self.fig(&e.from).products_shared += 1,
            Event::ShareDenied { from, .. } => self.fig(from).products_denied += 1,
            Event::ShareDegraded(e) => self.fig(&e.from).products_degraded += 1,
            Event::ShareDropped { from, liaison, .. } => {
                self.fig(from).products_dropped += 1;
                self.liaisons.entry(liaison.to_string()).or_default().0.dropped += 1;
            }
            Event::ShareDelivered(e) => {
                let f = self.fig(&e.to);
                f.products_received += 1;
                *f.received_from.entry(e.from.to_string()).or_default() += 1;
                let to = e.to.to_string();
                self.latencies
                    .entry((to.clone(), e.channel.as_str()))
                    .or_default()
                    .push(e.latency_s);
                let duty = if e.channel == Channel::Liaison {
                    Some("on_duty")
                } else {
                    e.liaison_off_duty.as_ref().map(|_| "off_duty")
                };
                if let Some(duty) = duty {
                    self.duty_latencies.entry((to, duty)).or_default().push(e.latency_s);
                }
                // Told of an inject: a partner's product on an affected object observed after it.
                let scored = |k: InjectType| {
                    matches!(
                        k,
                        InjectType::Manoeuvre | InjectType::Launch | InjectType::Breakup | InjectType::Conjunction
                    )
                };
                let fired: Vec<(String, u64)> = (self.injects.iter())
                    .filter(|(_, kind, t, objs)| {
                        scored(*kind)
                            && e.first_detection_tick >= *t
                            && e.true_object.is_some_and(|o| objs.contains(&o))
                    })
                    .map(|(id, _, t, _)| (id.clone(), *t))
                    .collect();
                for (id, t) in fired {
                    self.told(&id, &e.to, self.since(tick, t));
                }
            }
            // A partner's warning names a conjunction inject's secondary (its other object).
            Event::WarningDelivered(e) if e.channel != Channel::Internal => {
                let fired: Vec<(String, u64)> = (self.injects.iter())
                    .filter(|(_, kind, _, objs)| {
                        *kind == InjectType::Conjunction && e.true_objects.is_some_and(|o| objs.contains(&o[1]))
                    })
                    .map(|(id, _, t, _)| (id.clone(), *t))
                    .collect();
                for (id, t) in fired {
                    self.told(&id, &e.to, self.since(tick, t));
                }
            }
            Event::LiaisonQueue { liaison, depth, .. } => {
                let e = self.liaisons.entry(liaison.to_string()).or_default();
                // Integrate the previous depth up to this tick.
                e.1 += (tick - e.3) * e.2 as u64;
                e.2 = *depth;
                e.3 = tick;
                e.0.max_depth = e.0.max_depth.max(e.2);
            }
            _ => self.feed_tasking(event),
        }
    }

    /// The tasking request lifecycle.
    fn feed_tasking(&mut self, event: &Event) {
        match event {
            Event::TaskingRequested(e) => self.fig(&e.requester).requests_made += 1,
            Event::TaskingDeclined {
                requester, decided_by, ..
            } if requester == decided_by => self.fig(requester).requests_declined_no_agreement += 1,
            Event::TaskingDropped { requester, liaison, .. } => {
                *self
                    .fig(requester)
                    .requests_outcome
                    .entry("dropped".into())
                    .or_default() += 1;
                self.liaisons.entry(liaison.to_string()).or_default().0.dropped += 1;
            }
            Event::TaskingReported(e) => {
                let f = self.fig(&e.requester);
                *f.requests_outcome.entry(e.outcome.to_string()).or_default() += 1;
                if e.outcome == RequestOutcome::Observed {
                    f.requests_fulfilled += 1;
                    self.turnaround
                        .entry(e.requester.to_string())
                        .or_default()
                        .push(e.turnaround_s);
                }
            }
            Event::TaskingAccepted { provider, .. } => self.fig(provider).requests_accepted += 1,
            Event::TaskingObserved { provider, .. } => self.fig(provider).requests_observed += 1,
            _ => {}
        }
    }

    /// A detection by `nation` of `object` at `tick` notices each inject of a kind `scores` before
    /// it that affected the object: the first time overall and the nation's first are kept.
    fn first_detection(&mut self, tick: u64, nation: &str, object: Option<u32>, scores: impl Fn(InjectType) -> bool) {
        let Some(o) = object else { return };
        for (id, kind, t, objs) in &self.injects {
            if scores(*kind) && objs.contains(&o) && tick >= *t {
                let dt = (tick - t) * self.info.tick_s;
                let e = self.scores.entry(id.clone()).or_default();
                e.0.get_or_insert(dt);
                e.1.entry(nation.to_string()).or_default().detected_s.get_or_insert(dt);
            }
        }
    }

    /// `nation` was told of inject `inject` by a partner `dt` seconds after it (the first time is
    /// kept).
    fn told(&mut self, inject: &str, nation: &str, dt: u64) {
        let e = self.scores.entry(inject.to_string()).or_default();
        e.1.entry(nation.to_string()).or_default().told_s.get_or_insert(dt);
    }

    fn custody_sample(&mut self, tick: u64, event: &Event) {
        let Event::Custody {
            scope,
            id,
            known_total,
            in_custody_total,
            in_custody,
            accuracy,
            ..
        } = event
        else {
            return;
        };
        if *scope == Scope::Nation
            && let Some(a) = accuracy
        {
            self.accuracy.insert(id.to_string(), a.clone());
        }
        self.custody.entry((*scope, id.to_string())).or_default().push((
            tick,
            *in_custody_total,
            *known_total,
            in_custody.clone(),
        ));
    }

    fn hours(&self, tick: u64) -> f64 {
        (tick * self.info.tick_s) as f64 / 3600.0
    }

    /// Custody of a nation, center or the coalition over the run.
    fn custody_of(&self, scope: Scope, id: &str) -> Custody {
        let empty = Vec::new();
        let s = self.custody.get(&(scope, id.to_string())).unwrap_or(&empty);
        let series: Vec<(f64, u32, u32)> = s.iter().map(|x| (self.hours(x.0), x.1, x.2)).collect();
        // Catalogs start without observations, so the tick-0 sample is left out of the mean and minimum.
        let later = || s.iter().filter(|x| x.0 > 0);
        let (mean, min) = mean_min(later().map(|x| x.1));
        let regimes: BTreeSet<RegimeName> = s.iter().flat_map(|x| x.3.keys().copied()).collect();
        let by_regime = regimes
            .into_iter()
            .map(|g| {
                let (mean, min) = mean_min(later().map(|x| x.3.get(&g).copied().unwrap_or(0)));
                let at_end = s.last().and_then(|x| x.3.get(&g).copied()).unwrap_or(0);
                (g, RegimeCustody { mean, min, at_end })
            })
            .collect();
        Custody {
            mean,
            min,
            at_end: series.last().map_or(0, |x| x.1),
            known_at_end: series.last().map_or(0, |x| x.2),
            by_regime,
            series,
        }
    }

    /// The figures of a group of nations (sums; latencies over all their products) with the
    /// group's custody `c`.
    fn sum(&self, members: &[&String], c: Custody) -> Figures {
        let mut out = Figures {
            custody: c,
            ..Figures::default()
        };
        let mut turnaround = Vec::new();
        let mut latencies: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        let mut duty: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for m in members {
            if let Some(f) = self.nations.get(*m) {
                add(&mut out, f);
            }
            turnaround.extend(self.turnaround.get(*m).into_iter().flatten());
            for (lists, out) in [(&self.latencies, &mut latencies), (&self.duty_latencies, &mut duty)] {
                for ((_, k), v) in lists.range(((*m).clone(), "")..).take_while(|((n, _), _)| n == *m) {
                    out.entry(*k).or_default().extend(v);
                }
            }
        }
        out.request_turnaround = Latency::of(turnaround);
        out.latency_by_channel = latencies
            .into_iter()
            .map(|(k, v)| (k.to_string(), Latency::of(v)))
            .collect();
        out.latency_by_liaison_duty = duty.into_iter().map(|(k, v)| (k.to_string(), Latency::of(v))).collect();
        out
    }

    /// The scorecard; `events_sha256` is the digest of the log the events were (or are being)
    /// written to.
    pub fn finish(mut self, events_sha256: String) -> Scorecard {
        let names: Vec<String> = (self.custody.keys())
            .filter(|k| k.0 == Scope::Nation)
            .map(|k| k.1.clone())
            .collect();
        for n in names {
            self.fig(&n);
        }
        let nations: BTreeMap<String, Figures> = (self.nations.keys())
            .map(|n| {
                let mut f = self.sum(&[n], self.custody_of(Scope::Nation, n));
                f.accuracy = self.accuracy.get(n).cloned().unwrap_or_default();
                (n.clone(), f)
            })
            .collect();
        let regional_centers = (self.info.regional_centers.iter())
            .map(|(id, members)| {
                let members: Vec<&String> = members.iter().collect();
                (
                    id.clone(),
                    self.sum(&members, self.custody_of(Scope::RegionalCenter, id)),
                )
            })
            .collect();
        let all: Vec<&String> = self.nations.keys().collect();
        let coalition = self.sum(&all, self.custody_of(Scope::Coalition, "coalition"));
        let (ticks, tick_s) = (self.info.ticks, self.info.tick_s as f64);
        let end = ticks.saturating_sub(1);
        let liaisons = std::mem::take(&mut self.liaisons)
            .into_iter()
            .map(|(k, (mut s, area, depth, last))| {
                let area = area + (end.saturating_sub(last)) * depth as u64;
                s.mean_depth = ((area as f64 / ticks.max(1) as f64) * 100.0).round() / 100.0;
                (k, s)
            })
            .collect();
        let injects = std::mem::take(&mut self.injects)
            .into_iter()
            .map(|(id, kind, t, _)| {
                let (first, by) = self.scores.remove(&id).unwrap_or_default();
                InjectScore {
                    inject: id,
                    kind,
                    at_h: self.hours(t),
                    first_detection_s: first,
                    by_nation: by,
                }
            })
            .collect();
        Scorecard {
            scenario: self.info.scenario.clone(),
            seed: self.info.seed,
            epoch: self.info.epoch.clone(),
            hours: self.hours(ticks),
            events_sha256,
            nations,
            regional_centers,
            coalition,
            injects,
            liaisons,
            conjunctions: self.conjunctions.finish(tick_s),
            sites: std::mem::take(&mut self.sky).finish(ticks),
        }
    }
}

/// Adds a member's counters and per-key counts to a group's.
fn add(out: &mut Figures, f: &Figures) {
    for (o, x) in [
        (&mut out.detections, f.detections),
        (&mut out.tracks, f.tracks),
        (&mut out.uct_tracks, f.uct_tracks),
        (&mut out.products_shared, f.products_shared),
        (&mut out.products_received, f.products_received),
        (&mut out.products_denied, f.products_denied),
        (&mut out.products_degraded, f.products_degraded),
        (&mut out.products_dropped, f.products_dropped),
        (&mut out.requests_made, f.requests_made),
        (&mut out.requests_fulfilled, f.requests_fulfilled),
        (
            &mut out.requests_declined_no_agreement,
            f.requests_declined_no_agreement,
        ),
        (&mut out.requests_accepted, f.requests_accepted),
        (&mut out.requests_observed, f.requests_observed),
        (&mut out.cross_tags, f.cross_tags),
        (&mut out.od_failures, f.od_failures),
        (&mut out.manoeuvres_declared, f.manoeuvres_declared),
        (&mut out.manoeuvre_false_alarms, f.manoeuvre_false_alarms),
    ] {
        *o += x;
    }
    for (o, x) in [
        (&mut out.received_from, &f.received_from),
        (&mut out.catalog_updates, &f.catalog_updates),
        (&mut out.requests_outcome, &f.requests_outcome),
    ] {
        for (k, v) in x {
            *o.entry(k.clone()).or_default() += v;
        }
    }
}

/// Mean (to 0.1) and minimum of custody samples; (0, 0) when there are none.
fn mean_min(v: impl Iterator<Item = u32>) -> (f64, u32) {
    let v: Vec<u32> = v.collect();
    if v.is_empty() {
        return (0.0, 0);
    }
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
    ((mean * 10.0).round() / 10.0, v.iter().copied().min().unwrap_or(0))
}
