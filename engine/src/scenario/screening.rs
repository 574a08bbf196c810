//! A nation's conjunction screening (`screening: (...)` on a nation): which objects it protects,
//! how close an approach must come to be assessed, how far ahead and how often it screens, and the
//! probabilities of collision that make an assessment a warning or an emergency.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::CatalogObject;
use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::spanned::Spanned;

/// Default miss distance below which a close approach is assessed, km.
pub const DEFAULT_THRESHOLD_KM: f64 = 5.0;
/// Default look-ahead, hours (clamped to the end of the run).
pub const DEFAULT_LOOK_AHEAD_H: f64 = 72.0;
/// Default time between screenings, minutes (three a day, as the real network screens).
pub const DEFAULT_EVERY_MIN: u32 = 480;
/// Default Pc of a warning (NASA CARA's "yellow" level).
pub const DEFAULT_WARN_PC: f64 = 1e-7;
/// Default Pc of an emergency (NASA CARA's "red" level).
pub const DEFAULT_EMERGENCY_PC: f64 = 1e-4;
/// Default combined hard-body radius, m (CARA's default when sizes are unknown).
pub const DEFAULT_HBR_M: f64 = 20.0;

/// What a nation screens, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Screening {
    /// The objects it protects (primaries).
    pub protect: Protect,
    /// Miss distance below which a close approach is assessed, km.
    pub threshold_km: f64,
    /// How far ahead each screening looks, s (clamped to the end of the run).
    pub look_ahead_s: u32,
    /// Time between screenings, s (the first at tick 0).
    pub every_s: u32,
    /// Pc at or above which an assessment is a warning to the objects' owners.
    pub warn_pc: f64,
    /// Pc at or above which a warning is an emergency.
    pub emergency_pc: f64,
    /// Combined hard-body radius, m.
    pub hbr_m: f64,
}

/// The objects a nation protects.
#[derive(Debug, Clone, PartialEq)]
pub enum Protect {
    /// The objects its catalog says it owns.
    Owned,
    /// Every object of its catalog: all-versus-all screening, as a coalition center runs it.
    All,
    /// These catalog numbers.
    Objects(Vec<u32>),
}

impl Protect {
    /// Whether an object `id` owned by `owner` is protected by `nation` under this rule.
    pub fn holds(&self, nation: &str, id: u32, owner: Option<&str>) -> bool {
        match self {
            Protect::Owned => owner == Some(nation),
            Protect::All => true,
            Protect::Objects(ids) => ids.binary_search(&id).is_ok(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScreening {
    #[serde(default)]
    protect: Option<RawProtect>,
    #[serde(default)]
    threshold_km: Option<Spanned<f64>>,
    #[serde(default)]
    look_ahead_h: Option<Spanned<f64>>,
    #[serde(default)]
    every_min: Option<Spanned<u32>>,
    #[serde(default)]
    warn_pc: Option<Spanned<f64>>,
    #[serde(default)]
    emergency_pc: Option<Spanned<f64>>,
    #[serde(default)]
    hbr_m: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
enum RawProtect {
    Owned,
    All,
    Objects(Vec<Spanned<u64>>),
}

/// A value within `lo..=hi`, else an error at its span; the default when absent.
fn bounded(
    src: &SourceFile,
    d: &mut Diagnostics,
    nation: &str,
    field: &str,
    v: &Option<Spanned<f64>>,
    default: f64,
    (lo, hi): (f64, f64),
) -> f64 {
    let Some(v) = v else { return default };
    if v.value.is_finite() && v.value >= lo && v.value <= hi {
        return v.value;
    }
    let show = |x: f64| {
        if x != 0.0 && x.abs() < 1e-3 {
            format!("{x:e}")
        } else {
            format!("{x}")
        }
    };
    let (lo, hi, shown) = (show(lo), show(hi), show(default));
    d.push(
        Diagnostic::error(
            src,
            v.span.clone(),
            format!(
                "nation `{nation}`: screening `{field}` is {}, outside {lo}..={hi}",
                v.value
            ),
        )
        .with_help(format!(
            "give a number from {lo} to {hi}, or leave `{field}` out for {shown}"
        )),
    );
    default
}

/// Validates a nation's screening against the catalog (`objects`: the scenario's objects,
/// catalog and injects, by number).
pub(super) fn resolve(
    src: &SourceFile,
    d: &mut Diagnostics,
    nation: &str,
    raw: &RawScreening,
    objects: &BTreeMap<u32, CatalogObject>,
    added: &[u32],
) -> Screening {
    let protect = match &raw.protect {
        None | Some(RawProtect::Owned) => Protect::Owned,
        Some(RawProtect::All) => Protect::All,
        Some(RawProtect::Objects(list)) => {
            let mut ids = Vec::with_capacity(list.len());
            for o in list {
                match u32::try_from(o.value)
                    .ok()
                    .filter(|id| objects.contains_key(id) || added.contains(id))
                {
                    Some(id) => ids.push(id),
                    None => d.push(
                        Diagnostic::error(
                            src,
                            o.span.clone(),
                            format!(
                                "nation `{nation}` protects object {}, which is not in the scenario",
                                o.value
                            ),
                        )
                        .with_help(
                            "`protect: Objects([...])` names catalog numbers of the catalog or of objects injects add",
                        ),
                    ),
                }
            }
            ids.sort_unstable();
            ids.dedup();
            Protect::Objects(ids)
        }
    };
    let warn_pc = bounded(src, d, nation, "warn_pc", &raw.warn_pc, DEFAULT_WARN_PC, (1e-15, 1.0));
    let emergency_pc = bounded(
        src,
        d,
        nation,
        "emergency_pc",
        &raw.emergency_pc,
        DEFAULT_EMERGENCY_PC.max(warn_pc),
        (warn_pc, 1.0),
    );
    let every_min = raw.every_min.as_ref().map_or(DEFAULT_EVERY_MIN, |v| v.value);
    if let Some(v) = raw.every_min.as_ref().filter(|v| v.value == 0 || v.value > 10_080) {
        d.push(
            Diagnostic::error(
                src,
                v.span.clone(),
                format!(
                    "nation `{nation}`: screening `every_min` is {}, outside 1..=10080",
                    v.value
                ),
            )
            .with_help("screen at most weekly and at least every minute, e.g. `every_min: 480`"),
        );
    }
    Screening {
        protect,
        threshold_km: bounded(
            src,
            d,
            nation,
            "threshold_km",
            &raw.threshold_km,
            DEFAULT_THRESHOLD_KM,
            (0.001, 100.0),
        ),
        look_ahead_s: (bounded(
            src,
            d,
            nation,
            "look_ahead_h",
            &raw.look_ahead_h,
            DEFAULT_LOOK_AHEAD_H,
            (0.1, 336.0),
        ) * 3600.0)
            .round() as u32,
        every_s: every_min.clamp(1, 10_080) * 60,
        warn_pc,
        emergency_pc,
        hbr_m: bounded(src, d, nation, "hbr_m", &raw.hbr_m, DEFAULT_HBR_M, (0.01, 1000.0)),
    }
}
