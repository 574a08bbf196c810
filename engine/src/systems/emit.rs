//! emit: puts a tick's events in log order: (kind, sensor id, object catalog number).

use crate::event::Record;

/// Sorts a tick's events into log order. Keys are unique within a tick except for a pass that both
/// ends and misses at once (different kinds), so an unstable sort is deterministic.
pub fn order(events: &mut [Record]) {
    events.sort_unstable_by_key(Record::key);
}
