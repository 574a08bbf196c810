//! emit: puts a tick's events in log order: (kind, sensor id, object catalog number).

use crate::event::Record;

/// Sorts a tick's events into log order (stable; ties keep generation order).
pub fn order(events: &mut [Record]) {
    events.sort_by(|a, b| a.key().cmp(&b.key()));
}
