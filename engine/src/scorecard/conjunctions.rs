//! The conjunction part of the scorecard: what each screening nation assessed and warned, how
//! early each owner was told and by which channel, and, against the true close approaches
//! (`close_approach`, truth), the false alarms and the missed events.
//!
//! Definitions (docs/conjunction.md):
//! - A *conjunction* is a true pair of objects with a time of closest approach; assessments and
//!   warnings of the same pair whose TCAs lie within [`SAME_EVENT_S`] of each other are one.
//! - An *event* is a true close approach of an object a screening nation protects with a true miss
//!   of at most [`EVENT_MISS_M`]; it is *missed* by a nation that protects one of its objects when
//!   none of that nation's assessments of it reached the warning level before its TCA.
//! - A *false alarm* is a conjunction a nation warned of whose true miss is above
//!   [`EVENT_MISS_M`] (or that has no true close approach within the screening threshold at all).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::{Channel, Event, InjectType, Level};

/// True miss at or below which a close approach is an event to warn of, m.
pub const EVENT_MISS_M: f64 = 1000.0;
/// Assessments of one pair whose TCAs differ by less than this are one conjunction, s (well
/// below the shortest orbital period, so successive passes stay apart).
pub const SAME_EVENT_S: f64 = 600.0;

/// Conjunction figures of one screening nation, or of the coalition.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScreeningScore {
    /// Assessments made (conjunction data messages).
    pub assessments: u64,
    /// Assessments at the warning level or above.
    pub warnings: u64,
    /// Assessments at the emergency level.
    pub emergencies: u64,
    /// Conjunctions warned of (each counted once however often it was assessed).
    pub conjunctions_warned: u64,
    /// Conjunctions warned of whose true miss exceeds the event distance.
    pub false_alarms: u64,
    /// Events (true close approaches within the event distance) of objects it protects.
    pub events: u64,
    /// Events it warned of before their TCA.
    pub events_warned: u64,
    /// Events it never warned of before their TCA.
    pub missed: u64,
}

/// How a nation first heard of a conjunction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Told {
    /// Who warned it.
    pub from: String,
    /// `internal`, `agreement` or `liaison`.
    pub channel: Channel,
    /// The agreement or liaison that carried it.
    pub via: String,
    /// Hours from the epoch when the first warning arrived.
    pub at_h: f64,
    /// Time left from the first warning's arrival to the TCA, s.
    pub lead_s: f64,
    /// Warnings received about it.
    pub warnings: u64,
}

/// One nation's assessments of one conjunction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assessed {
    /// Hours from the epoch of its first warning (none: it never reached the warning level).
    pub first_warning_h: Option<f64>,
    /// Time from its first warning to the true TCA, s.
    pub lead_s: Option<f64>,
    /// (hours from the epoch, Pc, predicted miss m) of each assessment.
    pub pc_history: Vec<(f64, f64, f64)>,
}

/// A conjunction that was warned of or was an event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conjunction {
    /// The two true objects, smaller number first.
    pub objects: [u32; 2],
    /// True TCA, hours from the epoch (the first assessment's when no true approach matches).
    pub tca_h: f64,
    /// True miss, m (none: no true approach within the screening threshold).
    pub true_miss_m: Option<f64>,
    /// Whether it is an event (true miss within the event distance).
    pub event: bool,
    /// Per screening nation: its assessments.
    pub assessed: BTreeMap<String, Assessed>,
    /// Per owner told: its first warning.
    pub told: BTreeMap<String, Told>,
}

/// The conjunction section of the scorecard.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Conjunctions {
    /// Per screening nation.
    pub nations: BTreeMap<String, ScreeningScore>,
    /// The coalition: events warned of by any nation, missed by all; sums otherwise.
    pub coalition: ScreeningScore,
    /// Every conjunction warned of or that was an event, by TCA.
    pub list: Vec<Conjunction>,
}

/// A true close approach.
struct Truth {
    objects: [u32; 2],
    tca_s: f64,
    miss_m: f64,
    protected_by: Vec<String>,
}

/// One assessment.
struct Assessment {
    nation: String,
    tick: u64,
    objects: [u32; 2],
    tca_s: f64,
    pc: f64,
    miss_m: f64,
    warned: bool,
    emergency: bool,
}

/// One warning delivered.
struct Delivery {
    to: String,
    from: String,
    tick: u64,
    objects: [u32; 2],
    tca_s: f64,
    channel: Channel,
    via: String,
}

/// Collects the conjunction lines of a log.
#[derive(Default)]
pub struct Tally {
    truth: Vec<Truth>,
    assessments: Vec<Assessment>,
    deliveries: Vec<Delivery>,
}

/// A pair of objects, smaller number first.
fn pair(v: &[u32; 2]) -> [u32; 2] {
    [v[0].min(v[1]), v[0].max(v[1])]
}

impl Tally {
    /// Takes one event (any kind; the others are ignored) of a run of `tick_s`-second ticks.
    pub fn feed(&mut self, tick: u64, event: &Event, tick_s: f64) {
        match event {
            // An inject that changes true elements (or ends an object) re-screens the objects it
            // changed from its tick on: their earlier-found approaches after it are superseded by
            // the `close_approach` lines that follow it. A breakup's parent and a conjunction's
            // primary (listed first) keep their elements.
            Event::Inject(e) => {
                let skip = match e.inject_kind {
                    InjectType::Manoeuvre | InjectType::Launch | InjectType::Reentry => 0,
                    InjectType::Breakup | InjectType::Conjunction => 1,
                    _ => return,
                };
                let changed = &e.objects[skip.min(e.objects.len())..];
                let t = tick as f64 * tick_s;
                self.truth
                    .retain(|a| a.tca_s < t || !a.objects.iter().any(|o| changed.contains(o)));
            }
            Event::CloseApproach {
                objects,
                tca_s,
                miss_m,
                protected_by,
                ..
            } => self.truth.push(Truth {
                objects: pair(objects),
                tca_s: *tca_s,
                miss_m: *miss_m,
                protected_by: protected_by.iter().map(|n| n.to_string()).collect(),
            }),
            Event::ConjunctionAssessed(e) => {
                if let Some(objects) = e.true_objects {
                    self.assessments.push(Assessment {
                        nation: e.nation.to_string(),
                        tick,
                        objects: pair(&objects),
                        tca_s: e.tca_s,
                        pc: e.pc,
                        miss_m: e.miss_m,
                        warned: e.level != Level::None,
                        emergency: e.level == Level::Emergency,
                    });
                }
            }
            Event::WarningDelivered(e) => {
                if let Some(objects) = e.true_objects {
                    self.deliveries.push(Delivery {
                        to: e.to.to_string(),
                        from: e.from.to_string(),
                        tick,
                        objects: pair(&objects),
                        tca_s: e.tca_s,
                        channel: e.channel,
                        via: e.via.to_string(),
                    });
                }
            }
            _ => {}
        }
    }

    /// The section, for a run of `tick_s`-second ticks.
    pub fn finish(self, tick_s: f64) -> Conjunctions {
        let mut groups = self.group(tick_s);
        let mut out = Conjunctions::default();
        for a in &self.assessments {
            let s = out.nations.entry(a.nation.clone()).or_default();
            s.assessments += 1;
            s.warnings += a.warned as u64;
            s.emergencies += a.emergency as u64;
        }
        for g in &groups {
            score(&mut out, g);
        }
        for s in out.nations.values() {
            out.coalition.assessments += s.assessments;
            out.coalition.warnings += s.warnings;
            out.coalition.emergencies += s.emergencies;
            out.coalition.conjunctions_warned += s.conjunctions_warned;
        }
        groups.retain(|g| g.c.event || g.c.assessed.values().any(|a| a.first_warning_h.is_some()));
        groups.sort_by(|a, b| a.tca_s.total_cmp(&b.tca_s).then(a.c.objects.cmp(&b.c.objects)));
        out.list = groups.into_iter().map(|g| g.c).collect();
        out
    }

    /// The conjunctions: the true approaches, then the groups of assessments no true approach
    /// matches; each with the assessments and deliveries that belong to it.
    fn group(&self, tick_s: f64) -> Vec<Group> {
        let mut list: Vec<Group> = self
            .truth
            .iter()
            .map(|t| Group::new(t.objects, t.tca_s, Some(t.miss_m), t.protected_by.clone()))
            .collect();
        let find = |list: &[Group], objects: [u32; 2], tca_s: f64| {
            list.iter()
                .position(|g| g.c.objects == objects && (g.tca_s - tca_s).abs() < SAME_EVENT_S)
        };
        for a in &self.assessments {
            let k = find(&list, a.objects, a.tca_s).unwrap_or_else(|| {
                list.push(Group::new(a.objects, a.tca_s, None, Vec::new()));
                list.len() - 1
            });
            let (true_tca, t) = (list[k].tca_s, a.tick as f64 * tick_s);
            let e = list[k].c.assessed.entry(a.nation.clone()).or_insert(Assessed {
                first_warning_h: None,
                lead_s: None,
                pc_history: Vec::new(),
            });
            e.pc_history.push((hours(t), a.pc, a.miss_m));
            if a.warned && e.first_warning_h.is_none() {
                e.first_warning_h = Some(hours(t));
                e.lead_s = Some(millis(true_tca - t));
            }
        }
        for d in &self.deliveries {
            if let Some(k) = find(&list, d.objects, d.tca_s) {
                let (true_tca, t) = (list[k].tca_s, d.tick as f64 * tick_s);
                let told = list[k].c.told.entry(d.to.clone()).or_insert(Told {
                    from: d.from.clone(),
                    channel: d.channel,
                    via: d.via.clone(),
                    at_h: hours(t),
                    lead_s: millis(true_tca - t),
                    warnings: 0,
                });
                told.warnings += 1;
            }
        }
        list
    }
}

/// Seconds as hours, to 1e-4.
fn hours(s: f64) -> f64 {
    (s / 3600.0 * 1e4).round() / 1e4
}

/// Seconds to the millisecond.
fn millis(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

/// A conjunction while the tally is made: its TCA (true, else the first assessment's) and the
/// screening nations that protect either object.
struct Group {
    c: Conjunction,
    tca_s: f64,
    protected_by: Vec<String>,
}

impl Group {
    fn new(objects: [u32; 2], tca_s: f64, true_miss_m: Option<f64>, protected_by: Vec<String>) -> Group {
        Group {
            c: Conjunction {
                objects,
                tca_h: hours(tca_s),
                true_miss_m,
                event: true_miss_m.is_some_and(|m| m <= EVENT_MISS_M),
                assessed: BTreeMap::new(),
                told: BTreeMap::new(),
            },
            tca_s,
            protected_by,
        }
    }

    /// Whether nation `n` warned of it before its TCA (a warning at or after it helps nobody).
    fn warned_by(&self, n: &str) -> bool {
        self.c
            .assessed
            .get(n)
            .and_then(|a| a.first_warning_h)
            .is_some_and(|h| h * 3600.0 < self.tca_s)
    }
}

/// Adds one conjunction to the figures: warnings and false alarms of each nation that warned,
/// and for an event, warned or missed for each nation that protects one of its objects and for
/// the coalition.
fn score(out: &mut Conjunctions, g: &Group) {
    for (n, a) in &g.c.assessed {
        if a.first_warning_h.is_some() {
            let s = out.nations.entry(n.clone()).or_default();
            s.conjunctions_warned += 1;
            s.false_alarms += (!g.c.event) as u64;
            out.coalition.false_alarms += (!g.c.event) as u64;
        }
    }
    if !g.c.event {
        return;
    }
    out.coalition.events += 1;
    let any = g.protected_by.iter().any(|n| g.warned_by(n));
    out.coalition.events_warned += any as u64;
    out.coalition.missed += (!any) as u64;
    for n in &g.protected_by {
        let s = out.nations.entry(n.clone()).or_default();
        s.events += 1;
        if g.warned_by(n) {
            s.events_warned += 1;
        } else {
            s.missed += 1;
        }
    }
}
