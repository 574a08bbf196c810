//! Per-nation views: the log as one nation sees it. A nation sees its own sensors' events (without
//! truth), its own decisions (tracks, catalog updates, releases, denials, tasking it requested or
//! handled, its liaisons and agreements), and what partners released to it at the tick it arrived.
//! It never sees ground truth (`object_lost`, true geometry) or another nation's internal events.

use crate::event::{Event, Record};

/// Whether a nation sees an event.
pub fn visible_to(event: &Event, nation: &str) -> bool {
    match event {
        // Truth: nations learn of injects only through what their sensors see.
        Event::ObjectLost { .. } | Event::Inject(_) | Event::InjectEnd { .. } => false,
        Event::ManoeuvreDetected { nation: n, .. }
        | Event::NewObjectCatalogued { nation: n, .. }
        | Event::BreakupDetected { nation: n, .. } => &**n == nation,
        Event::Custody { scope, id, .. } => *scope == "nation" && &**id == nation,
        Event::AccessStart { nation: n, .. }
        | Event::Detection { nation: n, .. }
        | Event::Missed { nation: n, .. }
        | Event::AccessEnd { nation: n, .. }
        | Event::Track { nation: n, .. }
        | Event::CatalogUpdate { nation: n, .. } => &**n == nation,
        Event::AgreementStatus { from, to, .. } => &**from == nation || &**to == nation,
        Event::LiaisonDuty { home, host, .. } | Event::LiaisonQueue { home, host, .. } => {
            &**home == nation || &**host == nation
        }
        Event::TaskingRequested(e) => &*e.requester == nation,
        Event::TaskingReported(e) => &*e.requester == nation,
        Event::TaskingRouted { requester, .. } | Event::TaskingDropped { requester, .. } => &**requester == nation,
        Event::TaskingAccepted { provider, .. }
        | Event::TaskingObserved { provider, .. }
        | Event::TaskingExpired { provider, .. } => &**provider == nation,
        Event::TaskingDeclined { decided_by, .. } => &**decided_by == nation,
        Event::ShareDegraded(e) => &*e.from == nation,
        Event::ShareSent(e) => &*e.from == nation,
        Event::ShareDenied { from, .. } | Event::ShareDropped { from, .. } | Event::ShareDelayed { from, .. } => {
            &**from == nation
        }
        Event::ShareDelivered(e) => &*e.to == nation,
    }
}

/// The record as `nation` sees it, or `None` when it does not see it. True geometry is removed.
pub fn for_nation(rec: &Record, nation: &str) -> Option<Record> {
    if !visible_to(&rec.event, nation) {
        return None;
    }
    let mut r = rec.clone();
    if let Event::Detection { truth, .. } = &mut r.event {
        *truth = None;
    }
    Some(r)
}
