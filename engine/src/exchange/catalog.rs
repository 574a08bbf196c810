//! Each nation's catalog in the exchange step: tracks (own, received, reported) meet the catalog
//! (association, orbit determination, manoeuvres, new objects; see `belief`), catalog updates from
//! partners are fused, custody and accuracy are sampled, and a nation's catalog is exported.

use super::release::widen_sigmas;
use super::score::TrueSat;
use super::*;

/// Nominal 1-sigma of a sensor: range km, azimuth and elevation degrees.
pub(super) fn nominal_sigmas(kind: &crate::scenario::SensorKind) -> (f64, f64, f64) {
    match kind {
        crate::scenario::SensorKind::Radar(r) => (r.range_sigma_m / 1000.0, r.az_sigma_deg, r.el_sigma_deg),
        crate::scenario::SensorKind::Optical(o) => (0.0, o.angle_sigma_arcsec / 3600.0, o.angle_sigma_arcsec / 3600.0),
    }
}

/// Tick of a track's newest measurement.
pub(super) fn meas_tick(meas: &[Meas]) -> u64 {
    meas.last().map_or(0, |m| m.tick)
}

/// The public catalog every nation starts from: per object in the scenario's catalog, its
/// element set with the regime's prior covariance ([`od::PriorSigmas::default_for`]), the elements
/// displaced by one draw from that covariance (the published set is an estimate, not the truth;
/// one draw per object, shared by every nation, from the (seed, `catalog-prior`) stream).
pub(super) fn public_catalog(population: &[Member], seed: u64, clock: &crate::time::Clock) -> Vec<Entry> {
    let rng = StreamFamily::new(seed, "catalog-prior", "public");
    let mut public: Vec<Entry> = population
        .iter()
        .enumerate()
        .filter(|(_, m)| m.added_at.is_none())
        .filter_map(|(s, m)| {
            let sig = od::PriorSigmas::default_for(m.object.regime);
            estimate(TrueSat::of(s as u32), m, &sig, &rng, clock)
        })
        .collect();
    for (i, e) in public.iter_mut().enumerate() {
        e.version = i as u64 + 1;
    }
    public
}

/// A nation's catalog at the start: the public catalog's entries of the objects it `knows`; where
/// the nation states its own prior for an object's regime, the object's entry is instead drawn
/// from that prior (around the truth, one draw per object from the nation's (seed,
/// `nation-prior`, nation id) stream): a nation that starts from its own catalog.
pub(super) fn starting_catalog(
    public: &[Entry],
    population: &[Member],
    spec: &crate::scenario::NationSpec,
    seed: u64,
    clock: &crate::time::Clock,
) -> Vec<Entry> {
    let rng = StreamFamily::new(seed, "nation-prior", &spec.id);
    public
        .iter()
        .filter_map(|e| {
            let m = &population[score::reveal(e.label)];
            let o = &m.object;
            if !spec.knows.holds(&spec.id, o.id, o.owner.as_deref()) {
                return None;
            }
            match spec.prior.get(&o.regime) {
                Some(sig) => estimate(e.label, m, sig, &rng, clock),
                None => Some(e.clone()),
            }
        })
        .collect()
}

/// The entry of catalog member `s` (`m`) whose elements are displaced from the truth by one draw
/// (from `rng` at the object's number) from the covariance of `sig`, which it carries.
fn estimate(
    s: TrueSat,
    m: &Member,
    sig: &od::PriorSigmas,
    rng: &StreamFamily,
    clock: &crate::time::Clock,
) -> Option<Entry> {
    let el = &m.object.elements;
    let truth = od::mean_of(el);
    // The stated accuracy holds at the start of the exercise (not at an old epoch).
    let minutes = clock.ns_from(&el.datetime)? as f64 / 60e9;
    let cov = od::prior_covariance(&truth, el.datetime, el, minutes, sig).ok()?;
    let l = cov.cholesky()?.l();
    let mut rng = rng.at(u64::from(m.object.id), 0);
    let z = Vec6::from_fn(|_, _| rng.sample(StandardNormal));
    Entry::new((s, m.object.id), el, truth + l * z, cov, clock)
}

/// An entry refined by a track, and whether the fit (or the span refit it made due) succeeded.
pub(super) type Refined = (Entry, Result<(), od::OdError>);

/// Entry `e` refined by a track's measurements: its manoeuvre evidence dropped, the sequential
/// fit, then a span refit when one is due (a failed fit keeps the estimate; a failed refit keeps
/// the sequential one and is tried again a third of a span on). Reads only `e`: computed ahead
/// on the worker pool for tagged tracks (see `Exchange::prepare`).
pub(super) fn refine(
    e: &Entry,
    meas: &[Meas],
    sites: &[Site],
    clock: &crate::time::Clock,
    span_ticks: u64,
    first: Option<od::Linearisation>,
) -> Refined {
    let mut e = e.clone();
    e.manoeuvre_evidence.clear();
    e.manoeuvre_tracks = 0;
    let mut fitted = belief::update(&mut e, meas, sites, clock, first).map(|_| ());
    let bstar_every = belief::BSTAR_REFIT_EVERY_S.div_ceil(clock.tick_s as u64);
    if fitted.is_ok() && e.refit_due(span_ticks, bstar_every) {
        match e.refit_span(span_ticks, sites, clock) {
            Ok(fresh) => e = fresh,
            Err(err) => {
                e.refit_tried = e.last_obs;
                fitted = Err(od::OdError::Refit(Box::new(err)));
            }
        }
    }
    (e, fitted)
}

impl Exchange {
    /// Notes that entry `i` of nation `ni` changed or was added: the candidate index and the
    /// schedulers' keys follow it (every change to an entry is followed by this call).
    fn changed(&mut self, ni: usize, i: usize) {
        self.entries[ni][i].version = self.next_version;
        self.next_version += 1;
        let e = &self.entries[ni][i];
        self.index[ni].touched(i, e, &self.clock);
        self.step_changes[ni].push(i);
        let (keys, key) = (&mut self.cue_keys[ni], CueKey::of(e));
        if let Some(k) = keys.get_mut(i) {
            *k = key;
        } else {
            debug_assert_eq!(i, keys.len(), "entries are added one at a time");
            keys.push(key);
        }
    }

    /// A nation's catalogued entries as estimates (see [`crate::Sim::nation_catalog`]).
    pub(crate) fn nation_catalog(&self, nation: &str) -> Option<Vec<CatalogEstimate>> {
        let n = self.nations.binary_search_by(|x| (**x).cmp(nation)).ok()?;
        Some(
            self.entries[n]
                .iter()
                .filter(|e| !e.tentative)
                .filter_map(|e| {
                    let g = od::state_jacobian(&e.x, e.template.datetime, &e.template, 0.0).ok()?;
                    let c = g * e.cov * g.transpose();
                    debug_assert_eq!(e.template.norad_id, u64::from(e.designator));
                    Some(CatalogEstimate {
                        object: e.designator,
                        elements: e.template.clone(),
                        covariance_teme: std::array::from_fn(|i| std::array::from_fn(|j| c[(i, j)])),
                        first_obs_tick: e.first_obs,
                        last_obs_tick: e.last_obs,
                        observations: e.obs_used,
                        wrms: e.wrms,
                        refit_tick: e.refit_tick,
                        bstar_sigma: e.bstar_sigma,
                    })
                })
                .collect(),
        )
    }

    /// Where a nation's catalogued entries named `designators` predict their objects at `tick`
    /// (TEME km and km/s), in the order asked; `None` for a number it does not catalogue (yet).
    /// `None` for an unknown nation.
    pub(crate) fn believed_states(
        &self,
        nation: &str,
        designators: &[u32],
        tick: u64,
    ) -> Option<Vec<Option<(crate::frames::Vec3, crate::frames::Vec3)>>> {
        let n = self.nations.binary_search_by(|x| (**x).cmp(nation)).ok()?;
        let wanted: BTreeSet<u32> = designators.iter().copied().collect();
        let by: BTreeMap<u32, &Entry> = self.entries[n]
            .iter()
            .filter(|e| !e.tentative && wanted.contains(&e.designator))
            .map(|e| (e.designator, e))
            .collect();
        Some(
            designators
                .iter()
                .map(|d| by.get(d).and_then(|e| e.state_at(&self.clock, tick)))
                .collect(),
        )
    }

    /// A nation's catalog meets a track's measurements (own, received, or a tasking report):
    /// the track refines the entry it associates with; fits an entry only as a manoeuvre (evidence
    /// towards declaring it); or starts a tentative entry by initial orbit determination. `sat` is
    /// the true satellite, used only to log cross-tags. A track that fits the catalogued entry its
    /// sensor pointed at (`found.cue`, its tag) is associated with it; any other is correlated
    /// with the whole catalog: the nearest entry within the gate among its candidates
    /// (`found.candidates` when [`Exchange::prepare`] found them at the start of the step).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn believe(
        &mut self,
        n: Nation,
        sat: TrueSat,
        meas: &[Meas],
        via: UpdateVia,
        sensor: u16,
        found: Found,
        ev: &mut Emitter,
    ) -> Believed {
        let clock = self.clock.clone();
        let ni = n as usize;
        let (entries, index) = (&self.entries[ni], &mut self.index[ni]);
        // The tag first: computed ahead while its entry is unchanged, else now.
        let ahead = found.tagged.filter(|t| {
            found
                .cue
                .and_then(|c| entries.get(c))
                .is_some_and(|e| e.version == t.version)
        });
        let tag_fits = match (found.cue, ahead) {
            (Some(c), Some(t)) => t.refined.map(|r| {
                debug_assert!(
                    {
                        let (now, fitted) = refine(&entries[c], meas, &self.sites, &clock, self.span_ticks, None);
                        (now.x, now.cov, now.last_obs, fitted.is_ok()) == (r.0.x, r.0.cov, r.0.last_obs, r.1.is_ok())
                    },
                    "a refinement computed ahead is the one the track makes now"
                );
                (c, Some(r))
            }),
            (Some(c), None) => belief::fits_cue(entries, c, meas, &self.sites, &clock).map(|lin| {
                let refined = refine(&entries[c], meas, &self.sites, &clock, self.span_ticks, Some(lin));
                (c, Some(Box::new(refined)))
            }),
            (None, _) => None,
        };
        if let Some((c, refined)) = tag_fits {
            self.associated(n, c, sat, meas, via, sensor, refined, ev);
            return Believed {
                entry: Some(c),
                uct: false,
            };
        }
        // Any other track is correlated with the whole catalog.
        index.refresh(entries, &clock, meas_tick(meas));
        // Revising costs a filter of every change since the step began: past a few
        // hundred, a fresh query is cheaper.
        const REVISE_MAX: usize = 256;
        let changes = &self.step_changes[ni];
        let candidates = match found.candidates.filter(|_| changes.len() <= REVISE_MAX) {
            Some(found) => belief::revise(found, changes, entries, index, meas, &self.sites, &clock),
            None => belief::candidates(entries, index, meas, &self.sites, &clock),
        };
        match belief::associate(entries, &candidates, meas, &self.sites, &clock) {
            Association::Entry(i) => {
                self.associated(n, i, sat, meas, via, sensor, None, ev);
                Believed {
                    entry: Some(i),
                    uct: false,
                }
            }
            Association::Manoeuvre(i, fresh) => {
                let declared = self.manoeuvre_evidence(n, i, *fresh, meas, via, sensor, ev);
                Believed {
                    entry: declared.then_some(i),
                    uct: true,
                }
            }
            Association::None => Believed {
                entry: self.uncorrelated(n, sat, meas, via, sensor, ev),
                uct: true,
            },
        }
    }

    /// A track associated with entry `i`: refine it (a failed fit keeps it; `refined`: the
    /// refinement computed ahead, see [`refine`]), log a cross-tag when it was another object's,
    /// and catalogue a tentative entry once it has enough tracks and is settled.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn associated(
        &mut self,
        n: Nation,
        i: usize,
        sat: TrueSat,
        meas: &[Meas],
        via: UpdateVia,
        sensor: u16,
        refined: Option<Box<Refined>>,
        ev: &mut Emitter,
    ) {
        let clock = self.clock.clone();
        let ni = n as usize;
        let (entry, fitted) = match refined {
            Some(r) => *r,
            None => refine(&self.entries[ni][i], meas, &self.sites, &clock, self.span_ticks, None),
        };
        self.entries[ni][i] = entry;
        self.changed(ni, i);
        let e = &mut self.entries[ni][i];
        if let Err(err) = fitted {
            let refit = matches!(err, od::OdError::Refit(_));
            // A tentative entry's failures stay unlogged: the nation has no number for it.
            if !e.tentative {
                ev.push(Event::OdFailed {
                    nation: self.nations[ni].clone(),
                    object: e.designator,
                    reason: Arc::from(err.to_string()),
                });
            }
            if !refit {
                return;
            }
        }
        let e = &mut self.entries[ni][i];
        e.tracks += 1;
        let (label, tentative, tracks) = (e.label, e.tentative, e.tracks);
        let id = (label, e.designator);
        if score::reveal(label) != score::reveal(sat) {
            ev.push(Event::CrossTag {
                nation: self.nations[ni].clone(),
                object: self.sats[score::reveal(sat)].id,
                entry: e.designator,
                entry_object: self.sats[score::reveal(label)].id,
                sensor: self.sensor_ids[sensor as usize].clone(),
            });
        }
        if tentative {
            let e = &self.entries[ni][i];
            let settled = || e.position_sigma_km(&clock, meas_tick(meas)) <= belief::CATALOGUE_SIGMA_KM;
            if tracks >= self.rules.new_object_tracks && settled() {
                self.entries[ni][i].tentative = false;
                self.changed(ni, i);
                self.catalogue_new(n, id, tracks, ev);
                self.update_catalog(n, id, meas_tick(meas), via, sensor, ev);
            }
        } else {
            self.update_catalog(n, id, meas_tick(meas), via, sensor, ev);
        }
    }

    /// A track that fits no entry: a standing priority (with `uct_response_priority`) and a
    /// tentative entry by initial orbit determination (catalogued at once when
    /// `new_object_tracks` is 1: then the new entry is returned).
    pub(super) fn uncorrelated(
        &mut self,
        n: Nation,
        sat: TrueSat,
        meas: &[Meas],
        via: UpdateVia,
        sensor: u16,
        ev: &mut Emitter,
    ) -> Option<usize> {
        let ni = n as usize;
        let tentative = self.entries[ni].iter().filter(|e| e.tentative).count();
        if tentative >= crate::limits::MAX_TENTATIVE_ENTRIES {
            return None;
        }
        let template = crate::systems::inject::template();
        let designator = self.next_analyst[ni];
        let id = (sat, designator);
        let e = belief::initial_orbit(id, meas, &self.sites, &self.clock, &template)?;
        self.next_analyst[ni] += 1;
        self.entries[ni].push(e);
        let last = self.entries[ni].len() - 1;
        self.labels[ni].add(sat, last);
        // The response: the nation's sensors give the new object priority until it is catalogued.
        if let Some(p) = self.rules.uct_response_priority {
            self.standing[ni].entry(designator).or_insert(p);
        }
        let catalogued = self.rules.new_object_tracks <= 1;
        if catalogued {
            self.entries[ni][last].tentative = false;
            self.catalogue_new(n, id, 1, ev);
            self.update_catalog(n, id, meas_tick(meas), via, sensor, ev);
        }
        self.changed(ni, last);
        catalogued.then_some(last)
    }

    /// A track fitted entry `i` only under the manoeuvre hypothesis, and `fresh` is the entry
    /// restarted from its pending evidence and this track (see `Entry::manoeuvre_fit`): after
    /// `manoeuvre_tracks` such tracks in a row, the entry becomes `fresh` and is declared
    /// manoeuvred (returns whether it was).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn manoeuvre_evidence(
        &mut self,
        n: Nation,
        i: usize,
        fresh: belief::Entry,
        meas: &[Meas],
        via: UpdateVia,
        sensor: u16,
        ev: &mut Emitter,
    ) -> bool {
        let ni = n as usize;
        let e = &mut self.entries[ni][i];
        e.manoeuvre_evidence.extend_from_slice(meas);
        e.manoeuvre_tracks += 1;
        // The response: the nation's sensors give the entry priority until the manoeuvre is declared.
        if let Some(p) = self.rules.uct_response_priority {
            self.standing[ni].entry(e.designator).or_insert(p);
        }
        if e.manoeuvre_tracks < self.rules.manoeuvre_tracks {
            return false;
        }
        let tracks = e.manoeuvre_tracks;
        let id = (e.label, e.designator);
        let (label, object) = id;
        debug_assert_eq!(fresh.first_obs, e.manoeuvre_evidence.first().map(|m| m.tick));
        *e = fresh;
        self.changed(ni, i);
        if self.rules.uct_response_priority.is_some() {
            self.standing[ni].remove(&object);
        }
        ev.push(Event::ManoeuvreDetected {
            nation: self.nations[ni].clone(),
            object,
            tracks,
            inject: self.cause[score::reveal(label)].clone(),
        });
        self.update_catalog(n, id, meas_tick(meas), via, sensor, ev);
        true
    }

    /// Logs a tentative entry (`id`: label and designator) becoming a catalogued object (and the
    /// breakup it reveals).
    pub(super) fn catalogue_new(&mut self, n: Nation, id: (TrueSat, u32), tracks: u32, ev: &mut Emitter) {
        let nation = self.nations[n as usize].clone();
        let (label, object) = id;
        if self.rules.uct_response_priority.is_some() {
            self.standing[n as usize].remove(&object);
        }
        ev.push(Event::NewObjectCatalogued {
            nation: nation.clone(),
            object,
            true_object: Some(self.sats[score::reveal(label)].id),
            tracks,
            inject: self.cause[score::reveal(label)].clone(),
        });
        if let Some(b) = self.breakup_of[score::reveal(label)].clone()
            && self.breakups_seen.insert((n, b.clone()))
        {
            ev.push(Event::BreakupDetected {
                nation,
                inject: Some(b),
                first_fragment: object,
            });
        }
    }

    /// Per nation, per regional center and for the coalition: objects known and objects in custody,
    /// per regime. A group knows (holds) an object when any of its nations does. An object is in a
    /// nation's custody when its catalog entry was observed within the revisit requirement and is
    /// accurate: within `uct_gate_km` of the truth (scored here, the only place truth meets belief).
    pub(super) fn sample_custody(&self, tick: u64, truth: &score::Truth, ev: &mut Emitter) {
        let r = &self.rules.revisit;
        let n_sats = self.sats.len();
        let mut accuracy = Vec::with_capacity(self.nations.len());
        // Each nation's catalog scored (independent: in parallel, collected in nation order).
        // (The exchange step runs on the run's worker pool.)
        let scored_all = score::score(&self.entries, tick, &self.clock, truth);
        // Per nation, per satellite: (known, in custody).
        let status: Vec<Vec<(bool, bool)>> = (0..self.nations.len())
            .zip(scored_all)
            .map(|(n, scored)| {
                let mut st = vec![(false, false); n_sats];
                for e in &scored {
                    let s = score::reveal(e.label);
                    let a = &self.sats[s];
                    let limit_h = match a.regime {
                        Regime::Leo => r.leo_h,
                        Regime::Meo => r.meo_h,
                        Regime::Geo => r.geo_h,
                        Regime::Heo => r.heo_h,
                        Regime::Other => r.other_h,
                    };
                    let last = self.catalogs[n][s];
                    let fresh = last > 0 && ((tick - (last - 1)) * self.tick_s) as f64 <= limit_h * 3600.0;
                    let accurate = e.error_km <= self.rules.uct_gate_km;
                    st[s] = (true, st[s].1 || fresh && accurate);
                }
                accuracy.push(score::summarise(
                    &scored,
                    &self.sats.iter().map(|a| a.regime).collect::<Vec<_>>(),
                    self.rules.uct_gate_km,
                ));
                st
            })
            .collect();
        let mut emit = |scope: Scope, id: Arc<str>, members: &[usize], accuracy: Option<crate::event::Accuracy>| {
            let mut known: BTreeMap<RegimeName, u32> = BTreeMap::new();
            let mut held: BTreeMap<RegimeName, u32> = BTreeMap::new();
            for (s, a) in self.sats.iter().enumerate() {
                let (k, h) = members.iter().fold((false, false), |acc, &n| {
                    (acc.0 | status[n][s].0, acc.1 | status[n][s].1)
                });
                if k {
                    *known.entry(a.regime.into()).or_default() += 1;
                }
                if h {
                    *held.entry(a.regime.into()).or_default() += 1;
                }
            }
            ev.push(Event::Custody {
                scope,
                id,
                known_total: known.values().sum(),
                in_custody_total: held.values().sum(),
                known,
                in_custody: held,
                accuracy,
            });
        };
        for (n, nation) in self.nations.iter().enumerate() {
            emit(
                Scope::Nation,
                nation.clone(),
                &[n],
                Some(std::mem::take(&mut accuracy[n])),
            );
        }
        for (id, members) in &self.centers {
            emit(Scope::RegionalCenter, id.clone(), members, None);
        }
        let all: Vec<usize> = (0..self.nations.len()).collect();
        emit(Scope::Coalition, Arc::from("coalition"), &all, None);
    }

    /// A tasking report's measurement with the provider sensor's nominal sigmas (widened by the
    /// degradation the provider's rule added, which the report names).
    pub(super) fn report_meas(&self, sensor: u16, tick: u64, m: &Geometry, degraded: Option<&Degradation>) -> Meas {
        let (sr, sa, se) = self.sigmas[sensor as usize];
        let mut meas = Meas {
            tick,
            sensor,
            range_km: m.range_km,
            az_deg: m.az_deg,
            el_deg: m.el_deg,
            sigma_range_km: sr,
            sigma_az_deg: sa,
            sigma_el_deg: se,
        };
        if let Some(d) = degraded {
            widen_sigmas(&mut meas, d);
        }
        meas
    }

    /// A partner's catalog update meets the recipient's entry of the same published catalog
    /// number: the two estimates are fused as independent (information-weighted) when they share
    /// an epoch, else the one with the smaller position uncertainty is kept. A number the
    /// recipient does not hold is left alone (it has no measurement to associate), and so is an
    /// analyst number: those are the sender's own, and may name another object in the
    /// recipient's catalog.
    pub(super) fn fuse(
        &mut self,
        n: Nation,
        est: &(Vec6, Mat6, sgp4::Elements),
        observed_tick: u64,
        sensor: u16,
        ev: &mut Emitter,
    ) {
        let (x2, p2, el2) = est;
        if el2.norad_id >= u64::from(self.analyst_base) {
            return;
        }
        let Some(i) = self.entries[n as usize]
            .iter()
            .position(|e| !e.tentative && e.template.norad_id == el2.norad_id)
        else {
            return;
        };
        let e = &mut self.entries[n as usize][i];
        let fused = if e.template.datetime == el2.datetime {
            let (Some(i1), Some(i2)) = (e.cov.try_inverse(), p2.try_inverse()) else {
                return;
            };
            let Some(p) = (i1 + i2).try_inverse() else { return };
            Some((p * (i1 * e.x + i2 * x2), (p + p.transpose()) * 0.5))
        } else {
            (p2.trace() < e.cov.trace()).then_some((*x2, *p2))
        };
        let id = (e.label, e.designator);
        if let Some((x, p)) = fused
            && e.set(x, p)
        {
            let e = &mut self.entries[n as usize][i];
            e.last_obs = Some(observed_tick).max(e.last_obs);
            self.changed(n as usize, i);
            self.update_catalog(n, id, observed_tick, UpdateVia::Shared, sensor, ev);
        }
    }

    /// Updates a nation's catalog entry (`id`: label and designator) with an observation if it is
    /// newer than what it holds.
    pub(super) fn update_catalog(
        &mut self,
        nation: Nation,
        (sat, designator): (TrueSat, u32),
        observed_tick: u64,
        via: UpdateVia,
        sensor: u16,
        ev: &mut Emitter,
    ) {
        let entry = &mut self.catalogs[nation as usize][score::reveal(sat)];
        if observed_tick < *entry {
            return;
        }
        let previous = entry.checked_sub(1);
        *entry = observed_tick + 1;
        ev.push(Event::CatalogUpdate {
            nation: self.nations[nation as usize].clone(),
            object: designator,
            via,
            sensor: self.sensor_ids[sensor as usize].clone(),
            source_nation: self.nations[self.sensor_nation[sensor as usize] as usize].clone(),
            observed_tick,
            previous_tick: previous,
        });
    }
}
