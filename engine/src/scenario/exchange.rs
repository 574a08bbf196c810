//! The exchange part of a scenario: regional centers, sharing agreements, liaison officers and
//! tasking requests (RON model and validation). See docs/scenario-reference.md.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::object::{ObjectClass, Regime};
use crate::policy::{
    Agreement, Degradation, Liaison, Product, RegionalCenter, Relay, Rule, RuleAction, Secs, Selector, Target,
    TaskingRequest,
};
use crate::spanned::Spanned;
use crate::time::parse_exercise_time;

use super::{ID_HELP, MAX_DURATION_S, valid_id};
use crate::limits::MAX_CENTER_MEMBERS;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegionalCenter {
    id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    members: Vec<Spanned<String>>,
    #[serde(default)]
    latency_s: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgreement {
    id: Spanned<String>,
    from: Spanned<String>,
    to: Spanned<String>,
    products: Spanned<Vec<Product>>,
    delay_s: Spanned<u64>,
    #[serde(default)]
    start: Option<Spanned<String>>,
    #[serde(default)]
    end: Option<Spanned<String>>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

impl RawAgreement {
    /// The agreement's id as written.
    pub(super) fn id(&self) -> &str {
        &self.id
    }

    /// Where the id was written.
    pub(super) fn id_span(&self) -> std::ops::Range<usize> {
        self.id.span.clone()
    }
}

#[derive(Deserialize)]
enum RawRule {
    Deny(RawSelect),
    Only(RawSelect),
    Degrade(RawDegrade),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelect {
    id: Spanned<String>,
    #[serde(default)]
    owners: Vec<Spanned<String>>,
    #[serde(default)]
    classes: Vec<ObjectClass>,
    #[serde(default)]
    regimes: Vec<Regime>,
    #[serde(default)]
    objects: Vec<Spanned<u64>>,
    #[serde(default)]
    military: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDegrade {
    id: Spanned<String>,
    #[serde(default)]
    owners: Vec<Spanned<String>>,
    #[serde(default)]
    classes: Vec<ObjectClass>,
    #[serde(default)]
    regimes: Vec<Regime>,
    #[serde(default)]
    objects: Vec<Spanned<u64>>,
    #[serde(default)]
    military: Option<bool>,
    #[serde(default)]
    angle_noise_deg: Option<Spanned<f64>>,
    #[serde(default)]
    range_noise_m: Option<Spanned<f64>>,
    #[serde(default)]
    strip_range: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLiaison {
    id: Spanned<String>,
    home: Spanned<String>,
    host: Spanned<String>,
    latency_s: Spanned<u64>,
    messages_per_hour: Spanned<u32>,
    queue_limit: Spanned<u32>,
    #[serde(default)]
    on_duty: Option<Spanned<Vec<RawPeriod>>>,
    #[serde(default)]
    relay: Option<Relay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeriod {
    start: Spanned<String>,
    end: Spanned<String>,
}

#[derive(Deserialize)]
pub(super) enum RawTarget {
    Sensor(String),
    Nation(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequest {
    id: Spanned<String>,
    by: Spanned<String>,
    object: Spanned<u64>,
    to: Spanned<RawTarget>,
    #[serde(default)]
    priority: Option<Spanned<u8>>,
    #[serde(default)]
    at: Option<Spanned<String>>,
    window: Spanned<RawPeriod>,
    #[serde(default)]
    reason: String,
}

/// Each request's id and the span of its window (for warnings given after validation).
pub(super) fn window_spans(raw: &[RawRequest]) -> Vec<(String, std::ops::Range<usize>)> {
    raw.iter()
        .map(|r| (r.id.value.clone(), r.window.span.clone()))
        .collect()
}

/// What validation of the exchange part needs from the rest of the scenario.
pub(super) struct Context<'a> {
    pub src: &'a SourceFile,
    pub epoch: Option<NaiveDateTime>,
    pub duration_s: u64,
    pub nations: &'a BTreeMap<String, Range<usize>>,
    /// Sensor id -> nation id.
    pub sensors: &'a BTreeMap<String, String>,
    pub objects: &'a BTreeSet<u32>,
}

/// The validated exchange part.
#[derive(Default)]
pub(super) struct Exchange {
    pub regional_centers: Vec<RegionalCenter>,
    pub agreements: Vec<Agreement>,
    pub liaisons: Vec<Liaison>,
    pub tasking: Vec<TaskingRequest>,
}

/// Longest latency or delay, seconds (the longest run).
const MAX_DELAY_S: u64 = MAX_DURATION_S;

impl Context<'_> {
    pub(super) fn err(&self, d: &mut Diagnostics, span: &Range<usize>, msg: String, help: &str) {
        d.push(Diagnostic::error(self.src, span.clone(), msg).with_help(help));
    }

    pub(super) fn warn(&self, d: &mut Diagnostics, span: &Range<usize>, msg: String, help: &str) {
        d.push(Diagnostic::warning(self.src, span.clone(), msg).with_help(help));
    }

    /// Warns about a period that ends after the run (it is cut at the run's end), or that begins
    /// only after it (it never takes effect).
    pub(super) fn within_run(
        &self,
        d: &mut Diagnostics,
        start: (Secs, &Spanned<String>),
        end: (Secs, &Spanned<String>),
        what: &str,
    ) {
        let run_end = self.duration_s as Secs;
        let hhmm = format!("T+{}:{:02}:{:02}", run_end / 3600, run_end % 3600 / 60, run_end % 60);
        if start.0 >= run_end {
            self.warn(
                d,
                &start.1.span,
                format!("{what} begins after the run ends ({hhmm}), so it never takes effect"),
                "move it into the run, remove it, or lengthen the run (`duration_s`)",
            );
        } else if end.0 > run_end {
            self.warn(
                d,
                &end.1.span,
                format!("{what} ends after the run ends ({hhmm}); it is cut there"),
                &format!("end it by `{hhmm}`, or lengthen the run (`duration_s`)"),
            );
        }
    }

    pub(super) fn nation(&self, d: &mut Diagnostics, id: &Spanned<String>, what: &str) -> bool {
        if self.nations.contains_key(id.as_str()) {
            return true;
        }
        let known: Vec<&str> = self.nations.keys().map(String::as_str).collect();
        self.err(
            d,
            &id.span,
            format!("{what} names nation `{}`, which is not in `nations`", **id),
            &format!("use one of: {}", known.join(", ")),
        );
        false
    }

    pub(super) fn id(&self, d: &mut Diagnostics, seen: &mut BTreeMap<String, usize>, id: &Spanned<String>, what: &str) {
        if !valid_id(id) {
            self.err(d, &id.span, format!("{what} id `{}` is not a valid id", **id), ID_HELP);
        } else if let Some(&first) = seen.get(id.as_str()) {
            let (l, c) = self.src.line_col(first);
            self.err(
                d,
                &id.span,
                format!("{what} `{}` is defined twice", **id),
                &format!("the first is at {}:{l}:{c}; {what} ids must be unique", self.src.name),
            );
        } else {
            seen.insert(id.value.clone(), id.span.start);
        }
    }

    pub(super) fn time(&self, d: &mut Diagnostics, t: &Spanned<String>) -> Option<Secs> {
        let epoch = self.epoch.as_ref()?;
        match parse_exercise_time(t, epoch) {
            Ok(s) => Some(s),
            Err(m) => {
                self.err(
                    d,
                    &t.span,
                    m,
                    "times are ISO-8601 UTC, or `T+H:MM` / `T+H:MM:SS` counted from the scenario epoch (e.g. `T+3:00`, `T+36:30:15`)",
                );
                None
            }
        }
    }

    fn delay(&self, d: &mut Diagnostics, v: &Spanned<u64>, name: &str) -> u32 {
        if v.value > MAX_DELAY_S {
            self.err(
                d,
                &v.span,
                format!("{name} {} is longer than ten years", v.value),
                "delays and latencies are seconds",
            );
        }
        v.value.min(MAX_DELAY_S) as u32
    }

    pub(super) fn object(&self, d: &mut Diagnostics, o: &Spanned<u64>, what: &str) -> u32 {
        match u32::try_from(o.value).ok().filter(|id| self.objects.contains(id)) {
            Some(id) => id,
            None => {
                self.err(
                    d,
                    &o.span,
                    format!("{what} names object {}, which is not in the catalog", o.value),
                    "use the catalog number of an object the catalog sources load",
                );
                0
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn selector(
        &self,
        d: &mut Diagnostics,
        owners: &[Spanned<String>],
        classes: &[ObjectClass],
        regimes: &[Regime],
        objects: &[Spanned<u64>],
        military: Option<bool>,
        rule: &str,
    ) -> Selector {
        for o in owners {
            self.nation(d, o, &format!("rule `{rule}`"));
        }
        Selector {
            owners: owners.iter().map(|o| o.value.clone()).collect(),
            classes: classes.to_vec(),
            regimes: regimes.to_vec(),
            objects: objects
                .iter()
                .map(|o| self.object(d, o, &format!("rule `{rule}`")))
                .collect(),
            military,
        }
    }
}

pub(super) fn validate(
    cx: &Context,
    d: &mut Diagnostics,
    centers: &[RawRegionalCenter],
    agreements: &[RawAgreement],
    liaisons: &[RawLiaison],
    requests: &[RawRequest],
) -> Exchange {
    let mut out = Exchange::default();

    // Regional centers.
    let mut ids = BTreeMap::new();
    let mut member_of: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for c in centers {
        cx.id(d, &mut ids, &c.id, "regional center");
        let mut members = BTreeSet::new();
        for m in &c.members {
            if !cx.nation(d, m, &format!("regional center `{}`", *c.id)) {
                continue;
            }
            if let Some((other, at)) = member_of.get(m.as_str()) {
                let (l, col) = cx.src.line_col(*at);
                cx.err(
                    d,
                    &m.span,
                    format!("nation `{}` is already a member of regional center `{other}`", **m),
                    &format!(
                        "a nation belongs to at most one regional center (see {}:{l}:{col})",
                        cx.src.name
                    ),
                );
                continue;
            }
            member_of.insert(m.value.clone(), (c.id.value.clone(), m.span.start));
            members.insert(m.value.clone());
        }
        if let Some(extra) = c.members.get(MAX_CENTER_MEMBERS) {
            cx.err(
                d,
                &extra.span,
                format!(
                    "regional center `{}` has {} members; at most {MAX_CENTER_MEMBERS} are supported",
                    *c.id,
                    c.members.len()
                ),
                "each pair of members is an agreement of the run; this is a resource limit (docs/scenario-reference.md, Limits)",
            );
        }
        if c.members.len() < 2 {
            cx.err(
                d,
                &c.id.span,
                format!("regional center `{}` has fewer than two members", *c.id),
                "a regional center pools the sensors of two or more nations",
            );
        }
        out.regional_centers.push(RegionalCenter {
            id: c.id.value.clone(),
            name: c.name.clone().unwrap_or_else(|| c.id.value.clone()),
            members: members.into_iter().collect(),
            latency_s: c.latency_s.as_ref().map_or(0, |l| cx.delay(d, l, "latency_s")),
        });
    }

    // Agreements.
    let mut ids = BTreeMap::new();
    for a in agreements {
        cx.id(d, &mut ids, &a.id, "agreement");
        let what = format!("agreement `{}`", *a.id);
        let ok_from = cx.nation(d, &a.from, &what);
        let ok_to = cx.nation(d, &a.to, &what);
        if ok_from && ok_to && *a.from == *a.to {
            cx.err(
                d,
                &a.to.span,
                format!("{what} is from `{}` to itself", *a.from),
                "an agreement releases products from one nation to another",
            );
        }
        let mut products = a.products.value.clone();
        products.sort();
        products.dedup();
        if products.is_empty() {
            cx.err(
                d,
                &a.products.span,
                format!("{what} shares no products"),
                "list at least one of Observations, CatalogUpdates, TaskingSupport, ConjunctionWarnings",
            );
        } else if products.len() != a.products.len() {
            cx.err(
                d,
                &a.products.span,
                format!("{what} lists a product twice"),
                "list each product once",
            );
        }
        let start = a.start.as_ref().and_then(|t| cx.time(d, t)).unwrap_or(Secs::MIN);
        let end = a.end.as_ref().and_then(|t| cx.time(d, t));
        if let (Some(e), Some(sp)) = (end, &a.end)
            && e <= start
        {
            cx.err(
                d,
                &sp.span,
                format!("{what} ends before it starts"),
                "`end` must be later than `start`",
            );
        }
        let mut rule_ids = BTreeMap::new();
        let mut rules = Vec::new();
        for r in &a.rules {
            let (id, action, select) = match r {
                RawRule::Deny(s) | RawRule::Only(s) => (
                    &s.id,
                    if matches!(r, RawRule::Deny(_)) {
                        RuleAction::Deny
                    } else {
                        RuleAction::Only
                    },
                    cx.selector(d, &s.owners, &s.classes, &s.regimes, &s.objects, s.military, &s.id),
                ),
                RawRule::Degrade(g) => {
                    let noise = |v: &Option<Spanned<f64>>, name: &str, d: &mut Diagnostics| -> f64 {
                        let Some(v) = v else { return 0.0 };
                        if !(v.value >= 0.0 && v.value.is_finite()) {
                            cx.err(
                                d,
                                &v.span,
                                format!("{name} must be zero or positive, not {}", v.value),
                                "noise is a 1-sigma value",
                            );
                        }
                        v.value
                    };
                    let deg = Degradation {
                        angle_noise_deg: noise(&g.angle_noise_deg, "angle_noise_deg", d),
                        range_noise_m: noise(&g.range_noise_m, "range_noise_m", d),
                        strip_range: g.strip_range,
                    };
                    if deg == Degradation::default() {
                        cx.err(
                            d,
                            &g.id.span,
                            format!("rule `{}` degrades nothing", *g.id),
                            "give angle_noise_deg, range_noise_m or strip_range: true",
                        );
                    }
                    (
                        &g.id,
                        RuleAction::Degrade(deg),
                        cx.selector(d, &g.owners, &g.classes, &g.regimes, &g.objects, g.military, &g.id),
                    )
                }
            };
            cx.id(d, &mut rule_ids, id, "rule");
            rules.push(Rule {
                id: id.value.clone(),
                action,
                select,
            });
        }
        out.agreements.push(Agreement {
            id: a.id.value.clone(),
            from: a.from.value.clone(),
            to: a.to.value.clone(),
            products,
            delay_s: cx.delay(d, &a.delay_s, "delay_s"),
            start,
            end,
            rules,
            regional_center: None,
        });
    }
    overlapping_agreements(cx, d, &out.agreements, agreements);

    // Liaisons.
    let mut ids = BTreeMap::new();
    let mut posts: BTreeMap<(String, String), String> = BTreeMap::new();
    for l in liaisons {
        cx.id(d, &mut ids, &l.id, "liaison");
        let what = format!("liaison `{}`", *l.id);
        let ok = cx.nation(d, &l.home, &what) & cx.nation(d, &l.host, &what);
        if ok && *l.home == *l.host {
            cx.err(
                d,
                &l.host.span,
                format!("{what} is posted at its own nation"),
                "`host` is the nation whose operations center the officer sits in",
            );
        }
        if ok && let Some(other) = posts.insert((l.home.value.clone(), l.host.value.clone()), l.id.value.clone()) {
            cx.err(
                d,
                &l.id.span,
                format!("{what} and `{other}` are both posted by {} at {}", *l.home, *l.host),
                "model a liaison cell as one liaison with a larger messages_per_hour",
            );
        }
        if l.messages_per_hour.value == 0 {
            cx.err(
                d,
                &l.messages_per_hour.span,
                "messages_per_hour must be at least 1".into(),
                "how many messages the liaison handles per hour",
            );
        }
        if l.queue_limit.value == 0 {
            cx.err(
                d,
                &l.queue_limit.span,
                "queue_limit must be at least 1".into(),
                "how many messages may wait for the liaison before more are dropped",
            );
        }
        let on_duty = l.on_duty.as_ref().map(|periods| {
            let mut out: Vec<(Secs, Secs)> = Vec::new();
            for p in periods.iter() {
                if let (Some(a), Some(b)) = (cx.time(d, &p.start), cx.time(d, &p.end)) {
                    if b <= a {
                        cx.err(
                            d,
                            &p.end.span,
                            "the duty period ends before it starts".into(),
                            "`end` must be later than `start`",
                        );
                    } else {
                        cx.within_run(d, (a, &p.start), (b, &p.end), &format!("a duty period of {what}"));
                        out.push((a, b));
                    }
                }
            }
            out.sort();
            if out.windows(2).any(|w| w[1].0 < w[0].1) {
                cx.err(
                    d,
                    &periods.span,
                    format!("{what} has overlapping duty periods"),
                    "list each on-duty period once",
                );
            }
            out
        });
        out.liaisons.push(Liaison {
            id: l.id.value.clone(),
            home: l.home.value.clone(),
            host: l.host.value.clone(),
            latency_s: cx.delay(d, &l.latency_s, "latency_s"),
            messages_per_hour: l.messages_per_hour.value.max(1),
            queue_limit: l.queue_limit.value.max(1),
            on_duty,
            relay: l.relay.unwrap_or(Relay::OwnedOrRequested),
        });
    }

    // Tasking requests.
    let mut ids = BTreeMap::new();
    for r in requests {
        cx.id(d, &mut ids, &r.id, "tasking request");
        let what = format!("tasking request `{}`", *r.id);
        cx.nation(d, &r.by, &what);
        let object = cx.object(d, &r.object, &what);
        let (target, provider) = match &r.to.value {
            RawTarget::Sensor(s) => match cx.sensors.get(s) {
                Some(n) => (Target::Sensor(s.clone()), n.clone()),
                None => {
                    cx.err(
                        d,
                        &r.to.span,
                        format!("{what} asks sensor `{s}`, which is not in `sensors`"),
                        "use a sensor id, or `Nation(\"ID\")` for any sensor of a nation",
                    );
                    (Target::Sensor(s.clone()), String::new())
                }
            },
            RawTarget::Nation(n) => {
                if !cx.nations.contains_key(n) {
                    cx.err(
                        d,
                        &r.to.span,
                        format!("{what} asks nation `{n}`, which is not in `nations`"),
                        "use a nation id from `nations`",
                    );
                } else if !cx.sensors.values().any(|x| x == n) {
                    cx.err(
                        d,
                        &r.to.span,
                        format!("{what} asks nation `{n}`, which has no sensors"),
                        "ask a nation that owns sensors",
                    );
                }
                (Target::Nation(n.clone()), n.clone())
            }
        };
        let priority = r.priority.as_ref().map_or(5, |p| {
            if !(1..=9).contains(&p.value) {
                cx.err(
                    d,
                    &p.span,
                    format!("priority {} is outside 1-9", p.value),
                    "1 is the most urgent, 9 the least",
                );
            }
            p.value
        });
        let ws = cx.time(d, &r.window.start);
        let we = cx.time(d, &r.window.end);
        if let (Some(a), Some(b)) = (ws, we) {
            if b <= a {
                cx.err(
                    d,
                    &r.window.end.span,
                    "the observation window ends before it starts".into(),
                    "`end` must be later than `start`",
                );
            } else {
                cx.within_run(
                    d,
                    (a, &r.window.start),
                    (b, &r.window.end),
                    &format!("the window of {what}"),
                );
            }
        }
        let at = match &r.at {
            Some(t) => cx.time(d, t),
            None => ws,
        };
        if let (Some(at), Some(we), Some(sp)) = (at, we, &r.at)
            && at >= we
        {
            cx.err(
                d,
                &sp.span,
                format!("{what} is sent after its window ends"),
                "send it (`at`) before the window's `end`",
            );
        }
        if let Some(at) = at
            && (at < 0 || at as u64 >= cx.duration_s)
            && let Some(sp) = r.at.as_ref().or(Some(&r.window.start))
        {
            cx.err(
                d,
                &sp.span,
                format!("{what} is sent outside the run (at {at} s from the epoch)"),
                &format!(
                    "requests are sent between T+00:00 and the end of the run ({} s)",
                    cx.duration_s
                ),
            );
        }
        out.tasking.push(TaskingRequest {
            id: r.id.value.clone(),
            by: r.by.value.clone(),
            object,
            target,
            provider,
            priority,
            at: at.unwrap_or(0),
            window: (ws.unwrap_or(0), we.unwrap_or(0)),
            reason: r.reason.clone(),
        });
    }
    out.agreements.sort_by(|a, b| a.id.cmp(&b.id));
    out.liaisons.sort_by(|a, b| a.id.cmp(&b.id));
    out.tasking.sort_by(|a, b| a.id.cmp(&b.id));
    out.regional_centers.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

macro_rules! spanned_id {
    ($($t:ty),*) => {$(
        impl $t {
            /// The id as written.
            pub(super) fn id_spanned(&self) -> &Spanned<String> {
                &self.id
            }
        }
    )*};
}
spanned_id!(RawRegionalCenter, RawAgreement, RawLiaison, RawRequest);

/// Two agreements for one direction must not be in force at once. Per direction, sweeping the
/// agreements by start time against the one reaching furthest so far finds an overlap for every
/// agreement that has one, in O(n log n) and with at most one error per agreement (a pairwise
/// report would be quadratic in time and output).
fn overlapping_agreements(cx: &Context, d: &mut Diagnostics, list: &[Agreement], spans: &[RawAgreement]) {
    let mut by_direction: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, a) in list.iter().enumerate() {
        by_direction
            .entry((a.from.as_str(), a.to.as_str()))
            .or_default()
            .push(i);
    }
    let mut found = Vec::new();
    for mut v in by_direction.into_values() {
        v.sort_by_key(|&i| (list[i].start, i));
        let mut reach: Option<usize> = None;
        for i in v {
            let end = |k: usize| list[k].end.unwrap_or(Secs::MAX);
            if let Some(r) = reach {
                if list[i].start < end(r) {
                    found.push((i.max(r), i.min(r)));
                }
                if end(i) > end(r) {
                    reach = Some(i);
                }
            } else {
                reach = Some(i);
            }
        }
    }
    found.sort_unstable();
    for (later, earlier) in found {
        let (a, b) = (&list[later], &list[earlier]);
        cx.err(
            d,
            &spans[later].id.span,
            format!(
                "agreements `{}` and `{}` both release from {} to {} at the same time",
                a.id, b.id, a.from, a.to
            ),
            "merge them, or give them `start`/`end` times that do not overlap",
        );
    }
}
