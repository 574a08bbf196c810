//! What-if changes for `sentinel fork`: a `Change(...)` file applied to a scenario from a fork time
//! on, so that a run of the changed scenario is identical to the original before that time.
//!
//! ```ron
//! Change(
//!     add_injects: [SensorOutage(id: "FORK-BEALE", sensor: "US-BEALE", start: "T+06:00", end: "T+12:00")],
//!     remove_injects: ["ISS-REBOOST"],
//!     // Replaces the agreement of the same id from the fork time on.
//!     agreements: [(id: "USA-to-JPN", from: "USA", to: "JPN", products: [Observations], delay_s: 600)],
//!     sensors_down: ["JP-BISEI"],
//! )
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::injects::{Inject, InjectKind};
use crate::policy::Secs;
use crate::spanned::{Spanned, parse_ron};

use super::{Scenario, exchange, injects};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename = "Change")]
struct RawChange {
    #[serde(default)]
    add_injects: Vec<injects::RawInject>,
    #[serde(default)]
    remove_injects: Vec<Spanned<String>>,
    #[serde(default)]
    agreements: Vec<exchange::RawAgreement>,
    #[serde(default)]
    sensors_down: Vec<Spanned<String>>,
}

/// Applies a change file to `base` from `fork_s` seconds after the epoch on. Every problem is
/// reported with its position in the change file; anything that would act before the fork time is
/// an error, so the changed scenario runs identically up to it.
pub fn apply_change(base: &Scenario, change: &SourceFile, fork_s: Secs) -> Result<Scenario, Diagnostics> {
    let raw: RawChange = match parse_ron(&change.text) {
        Ok(r) => r,
        Err(e) => {
            let mut d = Diagnostics::default();
            d.push(Diagnostic::error(change, e.span, e.message.clone()).with_help(
                "a change file is `Change(add_injects: [...], remove_injects: [...], agreements: [...], sensors_down: [...])`",
            ));
            return Err(d);
        }
    };
    let mut d = Diagnostics::default();
    let err = |d: &mut Diagnostics, span: &std::ops::Range<usize>, msg: String, help: &str| {
        d.push(Diagnostic::error(change, span.clone(), msg).with_help(help));
    };
    let duration_s = base.clock.ticks * base.clock.tick_s as u64;
    let nations: BTreeMap<String, std::ops::Range<usize>> = base.nations.iter().map(|n| (n.id.clone(), 0..0)).collect();
    let sensors: BTreeMap<String, String> = base.sensors.iter().map(|s| (s.id.clone(), s.nation.clone())).collect();
    let objects: BTreeSet<u32> = base.objects.iter().map(|o| o.id).collect();
    let xcx = exchange::Context {
        src: change,
        epoch: Some(base.clock.epoch),
        duration_s,
        nations: &nations,
        sensors: &sensors,
        objects: &objects,
    };
    let ex = exchange::validate(&xcx, &mut d, &[], &raw.agreements, &[], &[]);
    let icx = injects::Context {
        base: &xcx,
        sensors: &sensors.keys().cloned().collect(),
        agreements: &base.agreements.iter().map(|a| a.id.clone()).collect(),
        liaisons: &base.liaisons.iter().map(|l| l.id.clone()).collect(),
    };
    // Catalog numbers the base's launches and breakups already use.
    let mut new_ids: BTreeSet<u32> = crate::systems::inject::population(base)
        .iter()
        .filter(|m| m.added_at.is_some())
        .map(|m| m.object.id)
        .collect();
    let added = injects::validate(&icx, &mut d, &raw.add_injects, &mut new_ids);
    let mut out = base.clone();
    let spans: BTreeMap<&str, &Spanned<String>> = raw.add_injects.iter().map(|r| (r.id().as_str(), r.id())).collect();
    for inj in added {
        let span = &spans[inj.id.as_str()].span;
        if inj.at < fork_s {
            err(
                &mut d,
                span,
                format!(
                    "inject `{}` acts before the fork time ({} s < {fork_s} s)",
                    inj.id, inj.at
                ),
                "a fork is identical to its parent before the fork time; added injects must start at or after it",
            );
        }
        if base.injects.iter().any(|b| b.id == inj.id) {
            err(
                &mut d,
                span,
                format!("the scenario already has an inject `{}`", inj.id),
                "give the added inject a new id",
            );
        }
        out.injects.push(inj);
    }
    for id in &raw.remove_injects {
        match out.injects.iter().position(|i| i.id == **id) {
            None => err(
                &mut d,
                &id.span,
                format!("the scenario has no inject `{}`", **id),
                "name an inject of the parent's scenario",
            ),
            Some(k) if out.injects[k].at < fork_s => err(
                &mut d,
                &id.span,
                format!("inject `{}` fired before the fork time", **id),
                "only injects at or after the fork time can be removed",
            ),
            Some(k) => {
                out.injects.remove(k);
            }
        }
    }
    for s in &raw.sensors_down {
        if !sensors.contains_key(s.as_str()) {
            err(
                &mut d,
                &s.span,
                format!("the scenario has no sensor `{}`", **s),
                "name a sensor of the parent's scenario",
            );
            continue;
        }
        out.injects.push(Inject {
            id: format!("fork-down-{}", **s),
            at: fork_s,
            end: Some(duration_s as Secs),
            kind: InjectKind::SensorOutage {
                sensor: s.value.clone(),
            },
        });
    }
    for mut new in ex.agreements {
        let Some(old) = out.agreements.iter_mut().find(|a| a.id == new.id) else {
            let span = &raw
                .agreements
                .iter()
                .find(|r| r.id() == new.id)
                .map(|r| r.id_span())
                .unwrap_or(0..0);
            err(
                &mut d,
                span,
                format!("the scenario has no agreement `{}` to change", new.id),
                "name an agreement of the parent's scenario",
            );
            continue;
        };
        // The old agreement holds until the fork time, the new one from then on.
        old.end = Some(old.end.map_or(fork_s, |e| e.min(fork_s)));
        new.start = new.start.max(fork_s);
        new.id = format!("{}.fork", new.id);
        out.agreements.push(new);
    }
    if d.has_errors() {
        return Err(d.sorted());
    }
    out.injects.sort_by(|a, b| a.id.cmp(&b.id));
    out.agreements.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}
