//! The log's JSON lines: written by [`JsonLines`] and read back by [`parse_line`] into the same
//! [`Event`] type, so every reader works on typed records and writing what it read gives the
//! same bytes (`engine/tests/log_roundtrip.rs`).

use std::io::{self, Write};

use serde::Deserialize;

use super::{Event, EventKind, Record};

/// Writes one record as a JSON line: `{"tick":..,"time":"..","kind":..,...}`.
pub fn write_json_line<W: Write>(w: &mut W, rec: &Record, time_iso: &str, scratch: &mut Vec<u8>) -> io::Result<()> {
    let mut lines = JsonLines {
        scratch: std::mem::take(scratch),
        ..JsonLines::default()
    };
    let r = lines.write(w, rec, time_iso);
    *scratch = lines.scratch;
    r
}

/// Writes records as JSON lines, formatting the `{"tick":..,"time":"..",` prefix once per tick.
#[derive(Default)]
pub struct JsonLines {
    prefix_tick: Option<u64>,
    prefix: Vec<u8>,
    scratch: Vec<u8>,
}

impl JsonLines {
    /// Writes one record; `time_iso` is the UTC text of its tick.
    pub fn write<W: Write>(&mut self, w: &mut W, rec: &Record, time_iso: &str) -> io::Result<()> {
        if self.prefix_tick != Some(rec.tick) {
            self.prefix.clear();
            write!(self.prefix, "{{\"tick\":{},\"time\":\"{}\",", rec.tick, time_iso)?;
            self.prefix_tick = Some(rec.tick);
        }
        self.scratch.clear();
        serde_json::to_writer(&mut self.scratch, &rec.event).map_err(io::Error::other)?;
        w.write_all(&self.prefix)?;
        w.write_all(&self.scratch[1..])?;
        w.write_all(b"\n")
    }
}

/// One line of the log read back: its tick, its UTC time and its event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LogLine {
    /// Tick index.
    pub tick: u64,
    /// UTC of the tick, as written.
    pub time: String,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
}

impl LogLine {
    /// Writes it back as the JSON line it was read from.
    pub fn write<W: Write>(&self, w: &mut W) -> io::Result<()> {
        let rec = Record {
            tick: self.tick,
            event: self.event.clone(),
            order: 0,
        };
        write_json_line(w, &rec, &self.time, &mut Vec::new())
    }
}

/// Reads one line of the log (without its newline). Lines as [`JsonLines`] writes them
/// (`{"tick":N,"time":"…",` then the event) are read directly; any other key order through the
/// general (slower) path.
pub fn parse_line(line: &str) -> Result<LogLine, serde_json::Error> {
    match split_prefix(line) {
        Some((tick, time, rest)) => {
            // The event is the rest of the object, its opening brace restored.
            let mut body = String::with_capacity(rest.len() + 1);
            body.push('{');
            body.push_str(rest);
            Ok(LogLine {
                tick,
                time: time.to_string(),
                event: serde_json::from_str(&body)?,
            })
        }
        None => serde_json::from_str(line),
    }
}

/// The kind of a line as [`JsonLines`] writes it, read from its head without parsing the rest
/// (`None` for any other form: read it with [`parse_line`]).
pub fn kind_of(line: &str) -> Option<EventKind> {
    let (_, _, rest) = split_prefix(line)?;
    let name = rest.strip_prefix("\"kind\":\"")?;
    let name = &name[..name.find('"')?];
    EventKind::ALL.iter().copied().find(|k| k.as_str() == name)
}

/// `{"tick":N,"time":"T",REST` → (N, T, REST), or `None` when the line does not start so.
fn split_prefix(line: &str) -> Option<(u64, &str, &str)> {
    let rest = line.strip_prefix("{\"tick\":")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let tick: u64 = rest[..digits].parse().ok()?;
    let rest = rest[digits..].strip_prefix(",\"time\":\"")?;
    let end = rest.find('"')?;
    let (time, rest) = (&rest[..end], &rest[end + 1..]);
    // A time with an escape is not one the writer made: the general path reads it.
    if time.contains('\\') {
        return None;
    }
    Some((tick, time, rest.strip_prefix(',')?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"tick":7,"time":"2026-05-30T12:01:10Z","kind":"liaison_queue","liaison":"L","home":"JPN","host":"USA","depth":3}"#;

    #[test]
    fn a_line_reads_back_into_its_event_and_writes_the_same_bytes() {
        let l = parse_line(LINE).unwrap();
        assert_eq!((l.tick, l.time.as_str()), (7, "2026-05-30T12:01:10Z"));
        assert!(matches!(&l.event, Event::LiaisonQueue { depth: 3, home, .. } if &**home == "JPN"));
        let mut out = Vec::new();
        l.write(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), format!("{LINE}\n"));
    }

    #[test]
    fn other_key_orders_read_through_the_general_path() {
        let moved = r#"{"kind":"liaison_queue","depth":3,"home":"JPN","tick":7,"host":"USA","liaison":"L","time":"2026-05-30T12:01:10Z"}"#;
        assert!(split_prefix(moved).is_none());
        assert_eq!(kind_of(moved), None);
        assert_eq!(kind_of(LINE), Some(EventKind::LiaisonQueue));
        assert_eq!(parse_line(moved).unwrap(), parse_line(LINE).unwrap());
    }

    #[test]
    fn a_bad_line_is_an_error_naming_what_is_wrong() {
        let unknown = LINE.replace("liaison_queue", "liaison_gossip");
        assert!(
            parse_line(&unknown)
                .unwrap_err()
                .to_string()
                .contains("unknown variant `liaison_gossip`")
        );
        let missing = LINE.replace(",\"depth\":3", "");
        assert!(
            parse_line(&missing)
                .unwrap_err()
                .to_string()
                .contains("missing field `depth`")
        );
        assert!(parse_line(r#"{"tick":7,"time":"x"}"#).is_err());
    }
}
