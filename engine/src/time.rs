//! Simulation time: an integer tick counted from the scenario epoch (UTC). No floating clock exists.

use chrono::{NaiveDateTime, TimeDelta};

/// A tick index: tick `k` is at `epoch + k * tick_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Tick(pub u64);

/// The fixed clock of a run: epoch, tick length and tick count.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Clock {
    /// UTC epoch of tick 0.
    pub epoch: NaiveDateTime,
    /// Tick length in whole seconds.
    pub tick_s: u32,
    /// Number of ticks; ticks run from 0 to `ticks - 1`.
    pub ticks: u64,
}

/// J2000.0 as a UTC calendar instant (2000-01-01T12:00:00). UTC is used for UT1 (|UT1-UTC| < 0.9 s).
fn j2000() -> NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .expect("valid constant date")
}

impl Clock {
    /// UTC instant of a tick.
    pub fn time_of(&self, tick: Tick) -> NaiveDateTime {
        self.epoch + TimeDelta::seconds(self.seconds_since_epoch(tick))
    }

    /// Whole seconds from the epoch to a tick.
    pub fn seconds_since_epoch(&self, tick: Tick) -> i64 {
        tick.0 as i64 * self.tick_s as i64
    }

    /// Nanoseconds from `from` to the scenario epoch (exact integer arithmetic).
    pub fn ns_from(&self, from: &NaiveDateTime) -> Option<i64> {
        (self.epoch - *from).num_nanoseconds()
    }

    /// Julian years since J2000 (UTC taken as UT1) at a tick, as `sgp4`'s sidereal-time functions expect.
    pub fn julian_years_since_j2000(&self, tick: Tick) -> f64 {
        let d = self.epoch - j2000();
        let s = d.num_seconds() as f64 + d.subsec_nanos() as f64 / 1e9 + self.seconds_since_epoch(tick) as f64;
        s / (86_400.0 * 365.25)
    }

    /// Julian centuries since J2000 at a tick (for the Sun formula).
    pub fn julian_centuries_since_j2000(&self, tick: Tick) -> f64 {
        self.julian_years_since_j2000(tick) / 100.0
    }

    /// ISO-8601 UTC text of a tick, e.g. `2026-07-10T00:00:10Z`.
    pub fn iso(&self, tick: Tick) -> String {
        format_iso(&self.time_of(tick))
    }

    /// The instant one tick past the last, i.e. the end of the span.
    pub fn end(&self) -> NaiveDateTime {
        self.time_of(Tick(self.ticks))
    }
}

/// ISO-8601 UTC text with a `Z`, seconds resolution unless there is a fraction.
pub fn format_iso(t: &NaiveDateTime) -> String {
    if t.and_utc().timestamp_subsec_nanos() == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    }
}

/// Parses an RFC 3339 / ISO-8601 UTC instant (`2026-07-10T00:00:00Z`, offsets allowed and converted).
pub fn parse_utc(text: &str) -> Result<NaiveDateTime, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.naive_utc());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, f) {
            return Ok(t);
        }
    }
    Err(format!("`{text}` is not a UTC time"))
}

/// Parses an exercise time: an ISO-8601 UTC instant, or `T+H:MM` / `T+H:MM:SS` from the epoch:
/// hours in one to six digits (`T+3:00`, `T+03:00` and `T+30:00` are all valid), minutes and
/// seconds in exactly two digits below 60. Returns whole seconds from the epoch.
pub fn parse_exercise_time(text: &str, epoch: &NaiveDateTime) -> Result<i64, String> {
    if let Some(rest) = text.strip_prefix("T+") {
        let parts: Vec<&str> = rest.split(':').collect();
        let digits = |p: &str, len: std::ops::RangeInclusive<usize>| -> Option<i64> {
            (len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        };
        let h = parts.first().and_then(|p| digits(p, 1..=6));
        let rest: Option<Vec<i64>> = parts.iter().skip(1).map(|p| digits(p, 2..=2)).collect();
        return match (h, rest.as_deref()) {
            (Some(h), Some([m])) if *m < 60 => Ok(h * 3600 + m * 60),
            (Some(h), Some([m, s])) if *m < 60 && *s < 60 => Ok(h * 3600 + m * 60 + s),
            _ => Err(format!(
                "`{text}` is not a time from the epoch: write `T+H:MM` or `T+H:MM:SS` (hours in any number of digits up to 6, minutes and seconds in two digits below 60)"
            )),
        };
    }
    let t = parse_utc(text).map_err(|_| {
        format!("`{text}` is not a time: write ISO-8601 UTC (`2026-07-10T06:00:00Z`) or `T+H:MM` from the epoch")
    })?;
    let d = t - *epoch;
    if d.subsec_nanos() != 0 {
        let secs = d.num_milliseconds() as f64 / 1000.0;
        let whose = if epoch.and_utc().timestamp_subsec_nanos() != 0 {
            format!(
                "the epoch {} has a fraction of a second",
                epoch.format("%Y-%m-%dT%H:%M:%S%.fZ")
            )
        } else {
            format!("`{text}` has a fraction of a second")
        };
        return Err(format!(
            "`{text}` is {secs} s from the epoch ({whose}); exercise times are whole seconds from the epoch: write it as `T+HH:MM:SS`"
        ));
    }
    Ok(d.num_seconds())
}

#[cfg(test)]
mod tests {
    #[test]
    fn exercise_times_relative_and_absolute() {
        let e = parse_utc("2026-07-10T00:00:00Z").unwrap();
        assert_eq!(parse_exercise_time("T+01:30", &e), Ok(5400));
        assert_eq!(parse_exercise_time("T+30:00:15", &e), Ok(108_015));
        assert_eq!(parse_exercise_time("T+3:00", &e), Ok(10_800));
        assert_eq!(parse_exercise_time("T+0:05:09", &e), Ok(309));
        assert_eq!(parse_exercise_time("2026-07-10T06:00:00Z", &e), Ok(21_600));
        assert_eq!(parse_exercise_time("2026-07-09T23:00:00Z", &e), Ok(-3600));
        for bad in [
            "T+1:60",
            "T+",
            "T+-1:00",
            "T+1:2:3:4",
            "noon",
            "T+01:00:60",
            "T+1:2",
            "T+1:02:3",
            "T+1",
            "T+:30",
        ] {
            assert!(parse_exercise_time(bad, &e).is_err(), "{bad}");
        }
        // An epoch with a fraction of a second (allowed): relative times hold; an absolute whole-second
        // time is not a whole number of seconds from it, and the error says that the epoch's fraction is why.
        let f = parse_utc("2026-07-10T00:00:00.5Z").unwrap();
        assert_eq!(parse_exercise_time("T+00:01", &f), Ok(60));
        assert_eq!(
            parse_exercise_time("2026-07-10T00:01:00Z", &f),
            Err("`2026-07-10T00:01:00Z` is 59.5 s from the epoch (the epoch 2026-07-10T00:00:00.500Z has a fraction of a second); exercise times are whole seconds from the epoch: write it as `T+HH:MM:SS`".to_string())
        );
        assert_eq!(parse_exercise_time("2026-07-10T00:01:00.5Z", &f), Ok(60));
    }

    use super::*;

    #[test]
    fn ticks_are_exact_and_iso_formatted() {
        let c = Clock {
            epoch: parse_utc("2026-07-10T00:00:00Z").unwrap(),
            tick_s: 10,
            ticks: 8640,
        };
        assert_eq!(c.iso(Tick(0)), "2026-07-10T00:00:00Z");
        assert_eq!(c.iso(Tick(8639)), "2026-07-10T23:59:50Z");
        assert_eq!(format_iso(&c.end()), "2026-07-11T00:00:00Z");
    }

    #[test]
    fn julian_years_match_sgp4_crate() {
        let t = parse_utc("2026-05-30T12:00:00Z").unwrap();
        let c = Clock {
            epoch: t,
            tick_s: 10,
            ticks: 1,
        };
        let ours = c.julian_years_since_j2000(Tick(0));
        let theirs = sgp4::julian_years_since_j2000(&t);
        assert!((ours - theirs).abs() < 1e-12, "{ours} vs {theirs}");
    }

    #[test]
    fn parses_offsets_and_rejects_garbage() {
        assert_eq!(
            parse_utc("2026-07-10T09:00:00+09:00").unwrap(),
            parse_utc("2026-07-10T00:00:00Z").unwrap()
        );
        assert!(parse_utc("yesterday").is_err());
    }
}
