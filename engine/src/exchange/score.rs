//! Scoring belief against truth: the only place the exchange reads true positions.

use crate::event::{Accuracy, RegimeAccuracy};
use crate::frames::{Vec3, sub};
use crate::object::Regime;

use super::belief::Entry;

/// True TEME position of every satellite this tick (exact SGP4 of its true elements; `None` when
/// not in orbit), by satellite index, km.
pub(crate) struct Truth<'a> {
    /// By satellite index.
    pub teme_km: &'a [Option<Vec3>],
}

/// One entry scored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored {
    pub label: u32,
    pub error_km: f64,
    /// Squared Mahalanobis distance of the position error under the entry's position covariance.
    pub d2: f64,
}

/// Scores a nation's catalogued entries at a tick.
pub(crate) fn score(entries: &[Entry], tick: u64, clock: &crate::time::Clock, truth: &Truth) -> Vec<Scored> {
    entries
        .iter()
        .filter(|e| !e.tentative)
        .filter_map(|e| {
            let t_teme = truth.teme_km[e.label as usize]?;
            let (r, _) = e.state_at(clock, tick)?;
            let err = sub(r, t_teme);
            let p = e.position_covariance(clock, tick)?;
            let v = nalgebra::Vector3::from(err);
            let d2 = p.try_inverse().map_or(f64::INFINITY, |pi| (v.transpose() * pi * v)[0]);
            Some(Scored {
                label: e.label,
                error_km: crate::frames::norm(err),
                d2,
            })
        })
        .collect()
}

/// Per regime: median and 95th-percentile error, share within `accurate_km`, share inside the
/// 3-sigma ellipsoid (d² ≤ 9).
pub(crate) fn summarise(scored: &[Scored], regimes: &[Regime], accurate_km: f64) -> Accuracy {
    let mut by: std::collections::BTreeMap<&'static str, Vec<Scored>> = Default::default();
    for s in scored {
        by.entry(regimes[s.label as usize].as_str()).or_default().push(*s);
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
