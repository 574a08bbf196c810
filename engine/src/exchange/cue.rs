//! What a sensor's scheduler reads of its nation's belief: the entry it points at to follow a pass
//! (the cue), and that entry's standing priority, custody age and designator.
//!
//! A sensor looks where its nation's catalog predicts an object. Which true object it then
//! acquires is physics: the simulation finds it through the entries' labels (the satellite each
//! entry started from) and keeps an entry as the cue only when its prediction lies within its
//! search radius ([`super::belief::Entry::search_km`], the radius association searches too) of the
//! satellite's true position. The scheduler's ranking then reads only the cue's belief, never the
//! true catalog number. Shortcut, stated: an entry that drifted onto another object (a cross-tag)
//! cues only its own label's passes.

use crate::frames::{Vec3, norm, sub, teme_to_ecef};

use super::belief::Entry;
use super::{Exchange, Nation};

/// How a sensor follows a pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Cue {
    /// Not decided yet: the scheduler has not needed it.
    #[default]
    Unresolved,
    /// No entry of the nation's catalog predicts the object here: the sensor sees it only in
    /// search (an uncued detection).
    Uncued,
    /// Pointed at this entry of the nation's catalog (its index).
    Entry(u32),
}

impl Cue {
    /// The entry pointed at, if any.
    pub fn entry(self) -> Option<u32> {
        match self {
            Cue::Entry(e) => Some(e),
            Cue::Uncued | Cue::Unresolved => None,
        }
    }
}

/// What the scheduler ranks a cued pass by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CueKey {
    /// The designator: the number the nation knows the entry by (tasking requests and standing
    /// priorities name it).
    pub designator: u32,
    /// Tick of the entry's newest measurement + 1 (0: only the published elements). 32 bits, so
    /// that a nation's keys stay compact: a run has at most ten years of 1 s ticks, fewer than
    /// 2^32.
    pub custody: u32,
}

impl Exchange {
    /// The entry of nation `n`'s catalog through which a sensor acquires satellite `sat` at
    /// `tick` (true position `true_ecef_km`; `gmst` of the tick): of the entries started from it,
    /// the first whose prediction lies within its search radius of the satellite.
    pub(crate) fn cue(&self, n: Nation, sat: u32, tick: u64, true_ecef_km: Vec3, gmst: (f64, f64)) -> Cue {
        let entries = &self.entries[n as usize];
        self.labels[n as usize]
            .entries_of(sat)
            .find(|&i| {
                let e = &entries[i];
                e.state_at(&self.clock, tick).is_some_and(|(r, _)| {
                    norm(sub(teme_to_ecef(r, gmst), true_ecef_km)) <= e.search_km(&self.clock, tick)
                })
            })
            .map_or(Cue::Uncued, |i| Cue::Entry(i as u32))
    }

    /// The ranking key of a cued entry.
    /// (Read from a compact copy: the scheduler ranks hundreds of passes per sensor and tick.)
    pub(crate) fn cue_key(&self, n: Nation, entry: u32) -> CueKey {
        let key = self.cue_keys[n as usize][entry as usize];
        debug_assert_eq!(key, CueKey::of(&self.entries[n as usize][entry as usize]));
        key
    }
}

impl CueKey {
    /// The key of an entry.
    pub(crate) fn of(e: &Entry) -> CueKey {
        CueKey {
            designator: e.designator,
            custody: e.last_obs.map_or(0, |t| {
                u32::try_from(t + 1).expect("validated: a run has fewer than 2^32 ticks (MAX_DURATION_S)")
            }),
        }
    }
}
