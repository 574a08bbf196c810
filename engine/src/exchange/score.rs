//! Scoring belief against truth: the only place the exchange reads true positions.

use crate::event::{Accuracy, RegimeAccuracy, RegimeName};
use crate::frames::{Vec3, sub};
use crate::object::Regime;

use super::belief::Entry;

/// The satellite a catalog entry started from, or a track really was: truth carried through the
/// nations' belief for scoring and truth-side logging only. Nation logic can carry it but not read
/// it (no comparison, no access to the index): every read is a call of [`reveal`], and the test
/// below lists the functions allowed to make one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TrueSat(u32);

impl TrueSat {
    /// Wraps a satellite index (where truth enters the exchange: the catalog, a track's report).
    pub(crate) fn of(sat: u32) -> TrueSat {
        TrueSat(sat)
    }
}

/// The satellite index behind a [`TrueSat`].
pub(super) fn reveal(t: TrueSat) -> usize {
    t.0 as usize
}

/// The catalog numbers of the satellites two entries started from (the truth-side field of
/// conjunction events, for scoring).
pub(super) fn true_objects(sats: &[super::SatAttrs], labels: [TrueSat; 2]) -> [u32; 2] {
    labels.map(|l| sats[reveal(l)].id)
}

/// The satellite index an entry started from, for the truth-side field of a follow-up tasking
/// request (scenario requests carry the index of the object they name).
pub(super) fn sat_index(label: TrueSat) -> u32 {
    reveal(label) as u32
}

/// Per nation, the entries started from each satellite: the simulation's shortcut for what a
/// sensor pointing at an entry's prediction acquires (see `Exchange::cue`). It answers only "which
/// entries carry this label"; whether pointing at one finds the satellite is decided on the
/// entry's prediction and the satellite's true position, never on the label alone.
#[derive(Debug, Clone, Default)]
pub(crate) struct Labels {
    /// By satellite index: the first entry started from it (`u32::MAX`: none).
    first: Vec<u32>,
    /// Further entries started from the same satellite (initial orbits of a catalogued object).
    more: std::collections::BTreeMap<u32, Vec<u32>>,
}

impl Labels {
    /// The index of `entries` (a nation's catalog) for a population of `sats` satellites.
    pub(crate) fn of(entries: &[Entry], sats: usize) -> Labels {
        let mut l = Labels {
            first: vec![u32::MAX; sats],
            more: Default::default(),
        };
        for (i, e) in entries.iter().enumerate() {
            l.add(e.label, i);
        }
        l
    }

    /// Records that entry `i` started from `label`.
    pub(crate) fn add(&mut self, label: TrueSat, i: usize) {
        let s = reveal(label);
        if self.first[s] == u32::MAX {
            self.first[s] = i as u32;
        } else {
            self.more.entry(s as u32).or_default().push(i as u32);
        }
    }

    /// The entries started from satellite `sat`, in the order they were made.
    pub(crate) fn entries_of(&self, sat: u32) -> impl Iterator<Item = usize> + '_ {
        let first = self.first.get(sat as usize).copied().filter(|&i| i != u32::MAX);
        let more = first.and_then(|_| self.more.get(&sat)).into_iter().flatten();
        first.into_iter().chain(more.copied()).map(|i| i as usize)
    }
}

/// True TEME position of every satellite this tick (exact SGP4 of its true elements; `None` when
/// not in orbit), by satellite index, km.
pub(crate) struct Truth<'a> {
    /// By satellite index.
    pub teme_km: &'a [Option<Vec3>],
}

/// One entry scored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub label: TrueSat,
    pub error_km: f64,
    /// Squared Mahalanobis distance of the position error under the entry's position covariance.
    pub d2: f64,
}

/// Scores each nation's catalogued entries at a tick (per nation, in entry order; an entry not
/// in orbit or not propagable is left out). Entries of one [`Entry::version`] (copies of one
/// public entry that no nation has changed) are computed once, on the run's worker pool.
pub(crate) fn score(catalogs: &[Vec<Entry>], tick: u64, clock: &crate::time::Clock, truth: &Truth) -> Vec<Vec<Scored>> {
    use rayon::prelude::*;
    let mut first: std::collections::HashMap<u64, usize> = Default::default();
    let mut distinct: Vec<&Entry> = Vec::new();
    let mut slots: Vec<Vec<usize>> = Vec::with_capacity(catalogs.len());
    for entries in catalogs {
        let mut v = Vec::with_capacity(entries.len());
        for e in entries.iter().filter(|e| !e.tentative) {
            debug_assert_ne!(e.version, 0, "every entry is numbered");
            let k = *first.entry(e.version).or_insert_with(|| {
                distinct.push(e);
                distinct.len() - 1
            });
            debug_assert!(
                same_estimate(distinct[k], e),
                "entries of one version hold one estimate"
            );
            v.push(k);
        }
        slots.push(v);
    }
    let scored: Vec<Option<Scored>> = distinct.par_iter().map(|e| score_one(e, tick, clock, truth)).collect();
    slots
        .into_iter()
        .map(|v| v.into_iter().filter_map(|k| scored[k]).collect())
        .collect()
}

/// Whether `a` and `b` hold one estimate (what sharing a version means).
fn same_estimate(a: &Entry, b: &Entry) -> bool {
    a.x == b.x && a.cov == b.cov && a.last_obs == b.last_obs && reveal(a.label) == reveal(b.label)
}

/// One entry scored against the truth of the object it started from.
fn score_one(e: &Entry, tick: u64, clock: &crate::time::Clock, truth: &Truth) -> Option<Scored> {
    let t_teme = truth.teme_km[reveal(e.label)]?;
    let (r, p) = e.predicted_with_covariance(clock, tick)?;
    let err = sub(r, t_teme);
    let v = nalgebra::Vector3::from(err);
    let d2 = p.try_inverse().map_or(f64::INFINITY, |pi| (v.transpose() * pi * v)[0]);
    Some(Scored {
        label: e.label,
        error_km: crate::frames::norm(err),
        d2,
    })
}

/// Per regime: median and 95th-percentile error, share within `accurate_km`, share inside the
/// 3-sigma ellipsoid (d² ≤ 9).
pub(crate) fn summarise(scored: &[Scored], regimes: &[Regime], accurate_km: f64) -> Accuracy {
    let mut by: std::collections::BTreeMap<RegimeName, Vec<Scored>> = Default::default();
    for s in scored {
        by.entry(regimes[reveal(s.label)].into()).or_default().push(*s);
    }
    by.into_iter()
        .map(|(k, mut v)| {
            v.sort_by(|a, b| a.error_km.total_cmp(&b.error_km));
            let n = v.len();
            let q = |p: f64| crate::event::round(v[((p * n as f64).ceil() as usize).clamp(1, n) - 1].error_km, 4);
            let share = |f: &dyn Fn(&Scored) -> bool| {
                crate::event::round(v.iter().filter(|s| f(s)).count() as f64 / n as f64, 4)
            };
            (
                k,
                RegimeAccuracy {
                    entries: n as u32,
                    median_km: q(0.5),
                    p95_km: q(0.95),
                    accurate: share(&|s| s.error_km <= accurate_km),
                    in_3sigma: share(&|s| s.d2 <= 9.0),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    /// Every function of the exchange that reads truth through [`super::reveal`], by file. Nation
    /// logic (association, orbit determination, cataloguing, release, tasking: `belief`, `index`,
    /// `release`, `tasking`, `mod`) has none; a new read must be added here, with its reason.
    const ALLOWED: [(&str, &[&str]); 9] = [
        // `true_objects`: the truth-side field of conjunction events.
        // `sat_index`: the truth-side satellite of a warned owner's follow-up request.
        (
            "score.rs",
            &[
                "true_objects",
                "sat_index",
                "same_estimate",
                "score_one",
                "summarise",
                "add",
            ],
        ),
        (
            "catalog.rs",
            &[
                // Building each nation's starting catalog from the scenario's catalog.
                "starting_catalog",
                // Truth-side events and fields (cross_tag, true_object, inject, breakup_detected).
                "associated",
                "catalogue_new",
                "manoeuvre_evidence",
                // The custody score: each entry's newest observation, by the object it started from.
                "update_catalog",
                "sample_custody",
            ],
        ),
        ("belief.rs", &[]),
        // Schedulers' cues read labels only through `Labels::entries_of` (see its doc).
        ("cue.rs", &[]),
        ("belief/index.rs", &[]),
        ("release.rs", &[]),
        ("tasking.rs", &[]),
        ("mod.rs", &[]),
        // Screening, assessment and warnings read no truth (`true_objects` fills the events).
        ("conjunction.rs", &[]),
    ];

    fn source(file: &str) -> &'static str {
        match file {
            "score.rs" => include_str!("score.rs"),
            "catalog.rs" => include_str!("catalog.rs"),
            "belief.rs" => include_str!("belief.rs"),
            "cue.rs" => include_str!("cue.rs"),
            "belief/index.rs" => include_str!("belief/index.rs"),
            "release.rs" => include_str!("release.rs"),
            "tasking.rs" => include_str!("tasking.rs"),
            "mod.rs" => include_str!("mod.rs"),
            "conjunction.rs" => include_str!("conjunction.rs"),
            _ => unreachable!("{file}"),
        }
    }

    /// The functions of `text` that call `reveal(` (by the nearest `fn NAME` above each call).
    fn readers(text: &str) -> std::collections::BTreeSet<String> {
        let mut current = String::new();
        let mut out = std::collections::BTreeSet::new();
        for line in text.lines() {
            let t = line.trim_start();
            if t.starts_with("//") {
                continue;
            }
            if let Some(rest) = t.split("fn ").nth(1).filter(|_| t.contains("fn ") && t.contains('('))
                && let Some(name) = rest.split(['(', '<']).next()
                && !t.starts_with("let")
            {
                current = name.trim().to_string();
            }
            if t.contains("reveal(") && !t.contains("fn reveal(") {
                out.insert(current.clone());
            }
        }
        out
    }

    #[test]
    fn only_the_listed_functions_read_truth() {
        for (file, allowed) in ALLOWED {
            let found = readers(source(file));
            let allowed: std::collections::BTreeSet<String> = allowed.iter().map(|s| s.to_string()).collect();
            assert_eq!(found, allowed, "functions of exchange/{file} that read truth");
        }
        // The scan sees calls (so the check can fail): catalog.rs has several.
        assert!(readers(source("catalog.rs")).len() >= 5);
    }
}
