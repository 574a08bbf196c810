//! The log's vocabulary: every field of an event that takes one of a fixed set of names is one of
//! these enums, written as its `as_str` and read back by the same derive, so a reader matches on
//! a type, never on a string literal.
//!
//! The scenario's own enums (`Product`, `Regime`, `InjectKind`) are written in RON's spelling
//! (`Observations`, `Leo`); their log names are these types, made by `From`.

use serde::{Deserialize, Serialize};

use crate::injects::InjectKind;
use crate::object::Regime;
use crate::policy::Product;

/// Declares a fieldless log enum with its `as_str` (the text written).
macro_rules! log_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $v),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The name in the log.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}

log_enum! {
    /// A sensor's type.
    SensorType {
        /// Range and angles.
        Radar => "radar",
        /// Angles only.
        Optical => "optical",
    }
}

log_enum! {
    /// How a message (product, warning, request, report) travels.
    Channel {
        /// Within one nation.
        Internal => "internal",
        /// Through a liaison officer posted at the recipient.
        Liaison => "liaison",
        /// Through a regional center's channel.
        Regional => "regional",
        /// Over an agreement's own channel.
        Agreement => "agreement",
    }
}

log_enum! {
    /// Where a tasking message was dropped.
    RequestStage {
        /// The request on its way to the provider.
        Request => "request",
        /// Its outcome on the way back.
        Report => "report",
    }
}

log_enum! {
    /// Why a tasking request was declined.
    DeclineReason {
        /// No agreement with `TaskingSupport` links the two nations.
        NoAgreement => "no_agreement",
        /// The agreement ended before the request arrived.
        AgreementEnded => "agreement_ended",
        /// A rule of the agreement denies the object.
        Policy => "policy",
    }
}

log_enum! {
    /// Why a tasking request expired.
    ExpiryReason {
        /// Accepted, never observed within its window.
        WindowClosed => "window_closed",
        /// Reached the provider after its window.
        ArrivedLate => "arrived_late",
    }
}

log_enum! {
    /// What a tasking request came to.
    RequestOutcome {
        /// A provider's sensor observed the object.
        Observed => "observed",
        /// Declined.
        Declined => "declined",
        /// Its window closed first.
        Expired => "expired",
    }
}

log_enum! {
    /// Where a catalog update came from.
    UpdateVia {
        /// The nation's own sensors.
        Own => "own",
        /// A partner's product.
        Shared => "shared",
        /// A tasking request's report.
        Tasking => "tasking",
    }
}

log_enum! {
    /// Whose catalog a custody sample counts.
    Scope {
        /// One nation.
        Nation => "nation",
        /// A regional center: an object counts when any member holds it.
        RegionalCenter => "regional_center",
        /// The coalition: an object counts when any nation holds it.
        Coalition => "coalition",
    }
}

log_enum! {
    /// A conjunction assessment's level, by the screening nation's thresholds.
    Level {
        /// Below the warning threshold.
        None => "none",
        /// At or above `warn_pc`.
        Warning => "warning",
        /// At or above `emergency_pc`.
        Emergency => "emergency",
    }
}

log_enum! {
    /// An agreement's product, as the log names it.
    ProductKind {
        /// Tracks with measurements.
        Observations => "observations",
        /// Catalog updates.
        CatalogUpdates => "catalog_updates",
        /// Tasking support.
        TaskingSupport => "tasking_support",
        /// Conjunction warnings.
        ConjunctionWarnings => "conjunction_warnings",
    }
}

log_enum! {
    /// An inject's kind, as the log names it.
    InjectType {
        /// A change of velocity.
        Manoeuvre => "manoeuvre",
        /// New objects in orbit.
        Launch => "launch",
        /// An object breaks into fragments.
        Breakup => "breakup",
        /// A new object on a collision course with a catalogued one.
        Conjunction => "conjunction",
        /// An object re-enters.
        Reentry => "reentry",
        /// A sensor out of service.
        SensorOutage => "sensor_outage",
        /// A sensor's detection or noise degraded.
        SensorDegradation => "sensor_degradation",
        /// An agreement suspended.
        AgreementCut => "agreement_cut",
        /// A liaison's link cut.
        LiaisonCut => "liaison_cut",
        /// A nation's standing priority changed.
        PriorityChange => "priority_change",
    }
}

log_enum! {
    /// An orbit regime, as the log names it; ordered by name, as the log's maps list them.
    RegimeName {
        /// Geosynchronous.
        Geo => "GEO",
        /// Highly eccentric.
        Heo => "HEO",
        /// Low Earth orbit.
        Leo => "LEO",
        /// Medium Earth orbit.
        Meo => "MEO",
        /// Anything else.
        Other => "OTHER",
    }
}

impl From<Product> for ProductKind {
    fn from(p: Product) -> ProductKind {
        match p {
            Product::Observations => ProductKind::Observations,
            Product::CatalogUpdates => ProductKind::CatalogUpdates,
            Product::TaskingSupport => ProductKind::TaskingSupport,
            Product::ConjunctionWarnings => ProductKind::ConjunctionWarnings,
        }
    }
}

impl From<&InjectKind> for InjectType {
    fn from(k: &InjectKind) -> InjectType {
        match k {
            InjectKind::Manoeuvre { .. } => InjectType::Manoeuvre,
            InjectKind::Launch { .. } => InjectType::Launch,
            InjectKind::Breakup { .. } => InjectType::Breakup,
            InjectKind::Conjunction { .. } => InjectType::Conjunction,
            InjectKind::Reentry { .. } => InjectType::Reentry,
            InjectKind::SensorOutage { .. } => InjectType::SensorOutage,
            InjectKind::SensorDegradation { .. } => InjectType::SensorDegradation,
            InjectKind::AgreementCut { .. } => InjectType::AgreementCut,
            InjectKind::LiaisonCut { .. } => InjectType::LiaisonCut,
            InjectKind::PriorityChange { .. } => InjectType::PriorityChange,
        }
    }
}

impl From<Regime> for RegimeName {
    fn from(r: Regime) -> RegimeName {
        match r {
            Regime::Leo => RegimeName::Leo,
            Regime::Meo => RegimeName::Meo,
            Regime::Geo => RegimeName::Geo,
            Regime::Heo => RegimeName::Heo,
            Regime::Other => RegimeName::Other,
        }
    }
}
