//! The weather part of the scorecard: per telescope site with `weather`, its nights, the nights
//! lost to cloud, and the share of the run it was clear.
//!
//! A night is a dark period (`night` event); it is *lost* when cloud covered at least half of it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::Event;

/// A telescope site's sky over the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteSky {
    /// The sensor's nation.
    pub nation: String,
    /// Dark periods (one cut by the run's end included).
    pub nights: u32,
    /// Nights at least half under cloud.
    pub nights_lost: u32,
    /// Time dark, hours.
    pub dark_h: f64,
    /// Of it, time under cloud, hours.
    pub clouded_dark_h: f64,
    /// Share of the run's time the sky was clear.
    pub clear_share: f64,
}

/// Streams `weather` and `night` events into [`SiteSky`] figures.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// Per sensor: (figures, clear ticks so far, clear now, tick of the last change).
    sites: BTreeMap<String, (SiteSky, u64, bool, u64)>,
}

impl Tally {
    pub(super) fn feed(&mut self, tick: u64, event: &Event) {
        match event {
            Event::Weather {
                sensor, nation, clear, ..
            } => {
                let (sky, clear_ticks, was_clear, since) = self.sites.entry(sensor.to_string()).or_default();
                sky.nation = nation.to_string();
                if *was_clear {
                    *clear_ticks += tick - *since;
                }
                (*was_clear, *since) = (*clear, tick);
            }
            Event::Night {
                sensor,
                dark_s,
                clouded_s,
                ..
            } => {
                let (sky, ..) = self.sites.entry(sensor.to_string()).or_default();
                debug_assert!(clouded_s <= dark_s);
                sky.nights += 1;
                sky.nights_lost += u32::from(2 * clouded_s >= *dark_s);
                sky.dark_h += *dark_s as f64 / 3600.0;
                sky.clouded_dark_h += *clouded_s as f64 / 3600.0;
            }
            _ => {}
        }
    }

    /// The figures of a run of `ticks` ticks.
    pub(super) fn finish(self, ticks: u64) -> BTreeMap<String, SiteSky> {
        let round = |x: f64| (x * 1000.0).round() / 1000.0;
        self.sites
            .into_iter()
            .map(|(id, (mut sky, clear_ticks, clear, since))| {
                let clear_ticks = clear_ticks + if clear { ticks.saturating_sub(since) } else { 0 };
                sky.clear_share = round(clear_ticks as f64 / ticks.max(1) as f64);
                sky.dark_h = round(sky.dark_h);
                sky.clouded_dark_h = round(sky.clouded_dark_h);
                (id, sky)
            })
            .collect()
    }
}
