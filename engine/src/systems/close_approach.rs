//! close_approach (truth, for scoring only): the true close approaches of the objects nations
//! protect. When any nation screens, the true elements are screened at tick 0 from then to the end
//! of the run, and again from each tick where an inject changed true elements (a manoeuvre, a
//! launch, fragments, a conjunction's secondary) for the objects it changed. Each approach below
//! the largest screening threshold that involves a protected object is logged as
//! `close_approach`, which views hide; the scorecard matches nations' warnings against them. No
//! nation's decision reads these events or the state behind them.

use crate::conjunction::screen;
use crate::event::{Event, Record, round};
use crate::time::Tick;
use crate::world::Sim;

/// What the truth screening covers, fixed when the world is built.
#[derive(Debug, Clone)]
pub struct TruthScreen {
    /// Per screening nation (in id order): its id and the catalog numbers it protects, ascending
    /// (`None`: all).
    pub by_nation: Vec<(std::sync::Arc<str>, Option<Vec<u32>>)>,
    /// The largest screening threshold of the nations, km.
    pub threshold_km: f64,
}

impl TruthScreen {
    /// The truth screening a scenario needs (none when no nation screens).
    pub fn of(
        scenario: &crate::scenario::Scenario,
        population: &[crate::systems::inject::Member],
    ) -> Option<TruthScreen> {
        let screening: Vec<_> = scenario
            .nations
            .iter()
            .filter_map(|n| n.screening.as_ref().map(|s| (n.id.as_str(), s)))
            .collect();
        let threshold_km = screening.iter().map(|(_, s)| s.threshold_km).reduce(f64::max)?;
        let ids_of = |keep: &dyn Fn(&crate::scenario::CatalogObject) -> bool| {
            let mut ids: Vec<u32> = population
                .iter()
                .map(|m| &m.object)
                .filter(|o| keep(o))
                .map(|o| o.id)
                .collect();
            ids.sort_unstable();
            ids
        };
        let by_nation = screening
            .iter()
            .map(|(n, s)| {
                let ids = (s.protect != crate::scenario::Protect::All)
                    .then(|| ids_of(&|o| s.protect.holds(n, o.id, o.owner.as_deref())));
                (std::sync::Arc::from(*n), ids)
            })
            .collect();
        Some(TruthScreen {
            by_nation,
            threshold_km,
        })
    }

    /// Catalog numbers some nation protects, ascending (`None`: some nation protects all).
    fn protected(&self) -> Option<Vec<u32>> {
        let mut ids = Vec::new();
        for (_, list) in &self.by_nation {
            ids.extend(list.as_ref()?);
        }
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }

    fn protects(&self, id: u32) -> bool {
        self.by_nation.iter().any(|(_, ids)| holds(ids, id))
    }

    /// The screening nations that protect `a` or `b`.
    fn protected_by(&self, a: u32, b: u32) -> Vec<std::sync::Arc<str>> {
        self.by_nation
            .iter()
            .filter(|(_, ids)| holds(ids, a) || holds(ids, b))
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// Whether a nation's protected list (ascending; `None`: all) holds `id`.
fn holds(ids: &Option<Vec<u32>>, id: u32) -> bool {
    ids.as_ref().is_none_or(|p| p.binary_search(&id).is_ok())
}

/// Runs the system.
pub fn run(sim: &mut Sim, tick: Tick, events: &mut Vec<Record>) {
    let changed = std::mem::take(&mut sim.truth_changed);
    if tick.0 != 0 && changed.is_empty() {
        return;
    }
    let Some(ts) = sim.truth_screen.as_ref() else { return };
    let primaries: Option<Vec<u32>> = if tick.0 == 0 {
        ts.protected()
    } else {
        let mut ids: Vec<u32> = changed.iter().map(|&s| sim.sat_props[s].object).collect();
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    };
    if primaries.as_ref().is_some_and(Vec::is_empty) {
        return;
    }
    let span_s = (sim.clock.ticks.saturating_sub(tick.0 + 1) * sim.clock.tick_s as u64) as f64;
    if span_s <= 0.0 {
        return;
    }
    let start = sim.clock.time_of(tick);
    let orbiters: Vec<screen::Orbiter> = (0..sim.sats.len())
        .filter(|&s| sim.is_active(s))
        .filter_map(|s| screen::Orbiter::new(sim.sat_props[s].object, &sim.elements[s], start).ok())
        .collect();
    let found = sim
        .pool
        .install(|| screen::screen(&orbiters, primaries.as_deref(), span_s, ts.threshold_km));
    let t0 = sim.clock.seconds_since_epoch(tick) as f64;
    let kept = found
        .into_iter()
        .filter(|a| ts.protects(a.objects.0) || ts.protects(a.objects.1));
    // Order numbers keep the log order (time, then objects) and the keys unique.
    for (k, a) in kept.enumerate() {
        events.push(Record {
            tick: tick.0,
            order: k as u64,
            event: Event::CloseApproach {
                objects: [a.objects.0, a.objects.1],
                tca_s: round(t0 + a.tca_s, 3),
                miss_m: round(a.miss_km * 1000.0, 3),
                rel_speed_m_s: round(a.rel_speed_km_s * 1000.0, 3),
                protected_by: ts.protected_by(a.objects.0, a.objects.1),
            },
        });
    }
}
