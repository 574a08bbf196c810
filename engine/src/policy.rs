//! Releasability: sharing agreements, regional centers, liaison officers and tasking requests as
//! validated from the scenario, and the decision an agreement makes about one product.
//!
//! Times are whole seconds from the scenario epoch ([`Secs`]); the systems turn them into ticks.

use crate::object::{ObjectClass, Regime};

/// Seconds from the scenario epoch (negative = before it).
pub type Secs = i64;

/// What an agreement lets flow from its provider (`from`) to its recipient (`to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
pub enum Product {
    /// Tracks of the provider's own sensors, with measurements.
    Observations,
    /// The provider's catalog updates (element-set refreshes, no measurements).
    CatalogUpdates,
    /// The provider accepts the recipient's tasking requests on its sensors and reports the results.
    TaskingSupport,
    /// Conjunction warnings: a screening nation's assessments of objects the recipient owns.
    ConjunctionWarnings,
}

impl Product {
    /// Name in logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Observations => "observations",
            Product::CatalogUpdates => "catalog_updates",
            Product::TaskingSupport => "tasking_support",
            Product::ConjunctionWarnings => "conjunction_warnings",
        }
    }
}

/// The attributes of an object that rules select on.
#[derive(Debug, Clone, Copy)]
pub struct ObjectAttrs<'a> {
    /// Catalog number (none: an object the provider has not catalogued).
    pub id: Option<u32>,
    /// Owner nation id.
    pub owner: Option<&'a str>,
    /// Class.
    pub class: ObjectClass,
    /// Regime.
    pub regime: Regime,
    /// Military payload.
    pub military: bool,
}

impl ObjectAttrs<'_> {
    /// An object known by at most its number and regime (no owner, class unknown, not military):
    /// rules selecting owners, classes or military objects do not match it, and an `Only` rule
    /// denies it.
    pub fn unknown(id: Option<u32>, regime: Regime) -> ObjectAttrs<'static> {
        ObjectAttrs {
            id,
            owner: None,
            class: ObjectClass::Unknown,
            regime,
            military: false,
        }
    }
}

/// Which objects a rule applies to. Every criterion given must hold; an empty selector matches all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selector {
    /// Owner nation ids.
    pub owners: Vec<String>,
    /// Classes.
    pub classes: Vec<ObjectClass>,
    /// Regimes.
    pub regimes: Vec<Regime>,
    /// Catalog numbers.
    pub objects: Vec<u32>,
    /// Military flag.
    pub military: Option<bool>,
}

impl Selector {
    /// Whether the object matches.
    pub fn matches(&self, o: &ObjectAttrs) -> bool {
        (self.owners.is_empty() || o.owner.is_some_and(|w| self.owners.iter().any(|x| x == w)))
            && (self.classes.is_empty() || self.classes.contains(&o.class))
            && (self.regimes.is_empty() || self.regimes.contains(&o.regime))
            && (self.objects.is_empty() || o.id.is_some_and(|id| self.objects.contains(&id)))
            && self.military.is_none_or(|m| m == o.military)
    }
}

/// Noise a `Degrade` rule adds to shared observations.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Degradation {
    /// 1-sigma noise added to azimuth and elevation, degrees.
    pub angle_noise_deg: f64,
    /// 1-sigma noise added to range, metres.
    pub range_noise_m: f64,
    /// Remove the range (angles only).
    pub strip_range: bool,
}

/// What a rule does to the products it selects.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleAction {
    /// Never released.
    Deny,
    /// Released only for the selected objects: anything else is denied by this rule.
    Only,
    /// Released with added noise.
    Degrade(Degradation),
}

/// A releasability rule of an agreement.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable id, logged with every decision it makes.
    pub id: String,
    /// Action.
    pub action: RuleAction,
    /// Objects it applies to.
    pub select: Selector,
}

/// A directional sharing agreement: `from` releases `products` to `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Stable id.
    pub id: String,
    /// Provider nation.
    pub from: String,
    /// Recipient nation.
    pub to: String,
    /// Products released.
    pub products: Vec<Product>,
    /// Delay of the normal channel (machine-to-machine exchange), seconds.
    pub delay_s: u32,
    /// Active from (inclusive).
    pub start: Secs,
    /// Active until (exclusive); `None` = to the end of the run.
    pub end: Option<Secs>,
    /// Rules, evaluated in order: the first `Deny` or failed `Only` denies; the first `Degrade` applies.
    pub rules: Vec<Rule>,
    /// Made by a regional center for its members (id of the center), not written by the planner.
    pub regional_center: Option<String>,
}

/// The decision of an agreement about one product.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision<'a> {
    /// Released as is.
    Release,
    /// Released with the rule's degradation.
    Degrade(&'a Rule, Degradation),
    /// Denied by the rule.
    Deny(&'a Rule),
}

impl Agreement {
    /// Whether the agreement is in force at `t`.
    pub fn active_at(&self, t: Secs) -> bool {
        t >= self.start && self.end.is_none_or(|e| t < e)
    }

    /// Whether it covers a product.
    pub fn covers(&self, p: Product) -> bool {
        self.products.contains(&p)
    }

    /// What the rules decide about an object.
    pub fn decide(&self, o: &ObjectAttrs) -> Decision<'_> {
        let mut degrade = None;
        for r in &self.rules {
            match &r.action {
                RuleAction::Deny if r.select.matches(o) => return Decision::Deny(r),
                RuleAction::Only if !r.select.matches(o) => return Decision::Deny(r),
                RuleAction::Degrade(d) if degrade.is_none() && r.select.matches(o) => degrade = Some((r, *d)),
                _ => {}
            }
        }
        match degrade {
            Some((r, d)) => Decision::Degrade(r, d),
            None => Decision::Release,
        }
    }
}

/// A regional space operations center: members pool command of their sensors.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionalCenter {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Member nation ids, sorted.
    pub members: Vec<String>,
    /// Coordination latency inside the center, seconds (tasking and shared products).
    pub latency_s: u32,
}

/// Which host products a liaison relays home (the rest go through the agreement's normal channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Relay {
    /// Every releasable product.
    All,
    /// Products on objects the home nation owns or has an open tasking request for.
    OwnedOrRequested,
    /// Products on objects the home nation has an open tasking request for.
    Requested,
}

/// A liaison officer (or cell) posted by `home` at `host`'s operations center.
#[derive(Debug, Clone, PartialEq)]
pub struct Liaison {
    /// Stable id.
    pub id: String,
    /// Home nation (who posted the officer).
    pub home: String,
    /// Host nation (where the officer sits).
    pub host: String,
    /// Time from taking a message to its arrival at the other side, seconds.
    pub latency_s: u32,
    /// Messages handled per hour.
    pub messages_per_hour: u32,
    /// Messages that may wait; more are dropped.
    pub queue_limit: u32,
    /// On-duty periods `[start, end)`, sorted; `None` = always on duty.
    pub on_duty: Option<Vec<(Secs, Secs)>>,
    /// Which host products it relays.
    pub relay: Relay,
}

impl Liaison {
    /// Whether the liaison is on duty at `t`.
    pub fn on_duty_at(&self, t: Secs) -> bool {
        match &self.on_duty {
            None => true,
            Some(p) => p.iter().any(|&(a, b)| t >= a && t < b),
        }
    }
}

/// Whose sensors a tasking request asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// One sensor.
    Sensor(String),
    /// Any sensor of a nation.
    Nation(String),
}

/// A tasking request as scripted.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskingRequest {
    /// Stable id.
    pub id: String,
    /// Requesting nation.
    pub by: String,
    /// Object to observe.
    pub object: u32,
    /// Sensor or nation asked.
    pub target: Target,
    /// Nation that owns the target sensor(s).
    pub provider: String,
    /// 1 (most urgent) to 9.
    pub priority: u8,
    /// When the requester sends it.
    pub at: Secs,
    /// Observation window `[start, end)`.
    pub window: (Secs, Secs),
    /// Free text.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(owner: &str, military: bool, regime: Regime) -> ObjectAttrs<'_> {
        ObjectAttrs {
            id: Some(1),
            owner: Some(owner),
            class: ObjectClass::Payload,
            regime,
            military,
        }
    }

    fn agreement(rules: Vec<Rule>) -> Agreement {
        Agreement {
            id: "A".into(),
            from: "USA".into(),
            to: "JPN".into(),
            products: vec![Product::Observations],
            delay_s: 60,
            start: 100,
            end: Some(200),
            rules,
            regional_center: None,
        }
    }

    #[test]
    fn rules_deny_restrict_and_degrade_in_order() {
        let deny_mil = Rule {
            id: "no-mil".into(),
            action: RuleAction::Deny,
            select: Selector {
                owners: vec!["USA".into()],
                military: Some(true),
                ..Selector::default()
            },
        };
        let only_geo = Rule {
            id: "geo".into(),
            action: RuleAction::Only,
            select: Selector {
                regimes: vec![Regime::Geo],
                ..Selector::default()
            },
        };
        let d = Degradation {
            angle_noise_deg: 0.1,
            ..Degradation::default()
        };
        let coarse = Rule {
            id: "coarse".into(),
            action: RuleAction::Degrade(d),
            select: Selector::default(),
        };
        let a = agreement(vec![deny_mil.clone(), only_geo.clone(), coarse.clone()]);
        assert_eq!(a.decide(&attrs("USA", true, Regime::Geo)), Decision::Deny(&deny_mil));
        assert_eq!(
            a.decide(&attrs("JPN", true, Regime::Geo)),
            Decision::Degrade(&coarse, d)
        );
        assert_eq!(a.decide(&attrs("USA", false, Regime::Leo)), Decision::Deny(&only_geo));
        assert_eq!(
            agreement(vec![]).decide(&attrs("USA", true, Regime::Leo)),
            Decision::Release
        );
        assert!(!a.active_at(99) && a.active_at(100) && a.active_at(199) && !a.active_at(200));
        // An object the provider has not catalogued: no owner, number or military flag selects
        // it, an `Only` rule denies it, and a rule with no criteria applies.
        let unknown = ObjectAttrs::unknown(None, Regime::Other);
        assert_eq!(agreement(vec![deny_mil.clone()]).decide(&unknown), Decision::Release);
        assert_eq!(a.decide(&unknown), Decision::Deny(&only_geo));
        let by_number = Rule {
            id: "iss".into(),
            action: RuleAction::Deny,
            select: Selector {
                objects: vec![25544],
                ..Selector::default()
            },
        };
        assert_eq!(agreement(vec![by_number]).decide(&unknown), Decision::Release);
        assert_eq!(
            agreement(vec![coarse.clone()]).decide(&unknown),
            Decision::Degrade(&coarse, d)
        );
    }
}
