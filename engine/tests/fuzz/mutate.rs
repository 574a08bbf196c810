//! The structured, seeded mutator: byte-level edits (flip, set, insert, delete, duplicate, copy,
//! splice from another input) and token-level ones (numbers replaced with extremes, strings with
//! huge or unusual text, identifiers swapped or replaced with ones seen in the corpus, lines
//! duplicated, deep nesting, BOM, CRLF, truncation). Every choice comes from the caller's ChaCha8
//! generator, so a (seed, iteration) pair always gives the same input.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Numbers that break naive arithmetic, parsing or units.
const EXTREME_NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1",
    "0.0",
    "-0.0",
    "1e308",
    "-1e308",
    "1e309",
    "1.7976931348623157e308",
    "5e-324",
    "1e-320",
    "NaN",
    "nan",
    "-NaN",
    "inf",
    "-inf",
    "Infinity",
    "-Infinity",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "4294967295",
    "4294967296",
    "65535",
    "65536",
    "2147483648",
    "99999999999999999999999999",
    "360",
    "-360",
    "720",
    "180.000001",
    "-90.5",
    "1.0000001",
    "0.99999999",
    "1e10",
    "-1e10",
    "86400",
    "86401",
    "0x10",
    "1_000",
    "+5",
    ".5",
    "5.",
    "1e",
    "--1",
    "00001",
];

/// Unusual text for string values.
const ODD_TEXT: &[&str] = &[
    "",
    " ",
    "\u{FEFF}",
    "\u{202E}abc",
    "日本語",
    "🛰️",
    "e\u{301}",
    "\u{0}",
    "\t",
    "\r",
    "\\",
    "\\\"",
    "\"",
    "'",
    "${HOME}",
    "../../../etc/passwd",
    "/dev/zero",
    "CON",
    "a\nb",
    "%s%n",
    "<x/>",
    "]]>",
    "&amp;",
    "T+",
    "T+99999:00",
    "T-01:00",
    "2026-02-30T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "1 25544U",
];

/// Openers for deep nesting.
const NESTERS: &[&str] = &["[", "(", "{", "<a>", "Some(", "[(", "{\"a\":"];

/// Mutates `input` in place with 1-8 stacked edits. `others` are corpus inputs to splice from;
/// `dict` tokens (identifiers, keywords) seen in the corpus. The result is at most `max_len` bytes.
pub fn mutate(rng: &mut ChaCha8Rng, input: &mut Vec<u8>, others: &[&[u8]], dict: &[String], max_len: usize) {
    let n = 1 + (rng.random_range(0..64u32).leading_zeros().saturating_sub(26)) as usize;
    for _ in 0..n.min(8) {
        mutate_once(rng, input, others, dict);
        if input.len() > max_len {
            input.truncate(max_len);
        }
    }
}

fn mutate_once(rng: &mut ChaCha8Rng, v: &mut Vec<u8>, others: &[&[u8]], dict: &[String]) {
    match rng.random_range(0..22u32) {
        0 => flip_bit(rng, v),
        1 => set_byte(rng, v),
        2 => insert_bytes(rng, v),
        3 => delete_span(rng, v),
        4 => duplicate_span(rng, v),
        5 => copy_span(rng, v),
        6 => splice(rng, v, others),
        7..=9 => replace_number(rng, v),
        10 => replace_string(rng, v),
        11 => huge_string(rng, v),
        12 | 13 => replace_identifier(rng, v, dict),
        14 => swap_identifiers(rng, v),
        15 => duplicate_line(rng, v),
        16 => swap_or_delete_line(rng, v),
        17 => deep_nesting(rng, v),
        18 => insert_token(rng, v, dict),
        19 => line_endings(rng, v),
        20 => v.splice(0..0, "\u{FEFF}".bytes()).for_each(drop),
        _ => {
            let at = pos(rng, v);
            v.truncate(at)
        }
    }
}

fn pos(rng: &mut ChaCha8Rng, v: &[u8]) -> usize {
    rng.random_range(0..=v.len())
}

/// A span [a, b) with b - a at most `max`.
fn span(rng: &mut ChaCha8Rng, v: &[u8], max: usize) -> (usize, usize) {
    let a = pos(rng, v);
    let b = (a + rng.random_range(0..=max)).min(v.len());
    (a, b)
}

fn flip_bit(rng: &mut ChaCha8Rng, v: &mut [u8]) {
    if !v.is_empty() {
        let i = rng.random_range(0..v.len());
        v[i] ^= 1 << rng.random_range(0..8u32);
    }
}

fn set_byte(rng: &mut ChaCha8Rng, v: &mut [u8]) {
    const INTERESTING: &[u8] = b"\0\n\r\t \"'\\,:;=()[]{}<>-+.eE0129TZ#/\x7f\xff\xc3\xe2";
    if !v.is_empty() {
        let i = rng.random_range(0..v.len());
        v[i] = if rng.random_bool(0.7) {
            INTERESTING[rng.random_range(0..INTERESTING.len())]
        } else {
            rng.random()
        };
    }
}

fn insert_bytes(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let at = pos(rng, v);
    let n = rng.random_range(1..=8usize);
    let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
    v.splice(at..at, bytes);
}

fn delete_span(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let (a, b) = span(rng, v, 64);
    v.drain(a..b);
}

fn duplicate_span(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let (a, b) = span(rng, v, 256);
    let copies = if rng.random_bool(0.1) {
        rng.random_range(2..200usize)
    } else {
        1
    };
    let piece = v[a..b].repeat(copies);
    v.splice(b..b, piece);
}

fn copy_span(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let (a, b) = span(rng, v, 128);
    let piece = v[a..b].to_vec();
    let at = pos(rng, v);
    v.splice(at..at, piece);
}

fn splice(rng: &mut ChaCha8Rng, v: &mut Vec<u8>, others: &[&[u8]]) {
    if others.is_empty() {
        return;
    }
    let o = others[rng.random_range(0..others.len())];
    let (a, b) = span(rng, o, 512);
    let (c, d) = span(rng, v, 512);
    v.splice(c..d, o[a..b].iter().copied());
}

/// Byte ranges of numeric tokens (a digit run with an optional sign, point and exponent).
fn numbers(v: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let starts = v[i].is_ascii_digit() && (i == 0 || !v[i - 1].is_ascii_alphanumeric() && v[i - 1] != b'_');
        if !starts {
            i += 1;
            continue;
        }
        let a = if i > 0 && (v[i - 1] == b'-' || v[i - 1] == b'+') {
            i - 1
        } else {
            i
        };
        let mut j = i;
        while j < v.len()
            && (v[j].is_ascii_digit() || b".eE".contains(&v[j]) || (b"+-".contains(&v[j]) && b"eE".contains(&v[j - 1])))
        {
            j += 1;
        }
        out.push((a, j));
        i = j;
    }
    out
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> Option<T> {
    (!xs.is_empty()).then(|| xs[rng.random_range(0..xs.len())])
}

fn replace_number(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let Some((a, b)) = pick(rng, &numbers(v)) else { return };
    let new: String = match rng.random_range(0..4u32) {
        0 => format!("{}", rng.random::<i64>() >> rng.random_range(0..63u32)),
        1 => format!("{:e}", f64::from_bits(rng.random())),
        _ => pick(rng, EXTREME_NUMBERS).unwrap().to_string(),
    };
    v.splice(a..b, new.into_bytes());
}

/// Byte ranges of the insides of double-quoted strings on one line.
fn strings(v: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open = None;
    for (i, &c) in v.iter().enumerate() {
        match (c, open) {
            (b'"', None) => open = Some(i + 1),
            (b'"', Some(s)) if v[i - 1] != b'\\' => {
                out.push((s, i));
                open = None;
            }
            (b'\n', Some(_)) => open = None,
            _ => {}
        }
    }
    out
}

fn replace_string(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let Some((a, b)) = pick(rng, &strings(v)) else { return };
    let new = pick(rng, ODD_TEXT).unwrap();
    if rng.random_bool(0.5) {
        v.splice(a..b, new.bytes());
    } else {
        v.splice(b..b, new.bytes());
    }
}

fn huge_string(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let n = 1usize << rng.random_range(8..17u32);
    let unit: &[u8] = pick(rng, &[&b"A"[..], b"9", "日".as_bytes(), b" ", b"\\n"]).unwrap();
    let piece = unit.repeat(n);
    match pick(rng, &strings(v)) {
        Some((a, b)) => drop(v.splice(a..b, piece)),
        None => {
            let at = pos(rng, v);
            v.splice(at..at, piece);
        }
    }
}

/// Byte ranges of identifiers (ASCII letters, digits, `_`, starting with a letter or `_`).
fn identifiers(v: &[u8]) -> Vec<(usize, usize)> {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        if (v[i].is_ascii_alphabetic() || v[i] == b'_') && (i == 0 || !word(v[i - 1])) {
            let mut j = i;
            while j < v.len() && word(v[j]) {
                j += 1;
            }
            out.push((i, j));
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Identifiers of 2-40 characters in the texts, sorted and deduplicated (the token dictionary).
pub fn dictionary<'a>(texts: impl IntoIterator<Item = &'a [u8]>) -> Vec<String> {
    let mut set = std::collections::BTreeSet::new();
    for t in texts {
        for (a, b) in identifiers(t) {
            if (2..=40).contains(&(b - a)) {
                set.insert(String::from_utf8_lossy(&t[a..b]).into_owned());
            }
        }
    }
    set.into_iter().collect()
}

fn replace_identifier(rng: &mut ChaCha8Rng, v: &mut Vec<u8>, dict: &[String]) {
    let Some((a, b)) = pick(rng, &identifiers(v)) else {
        return;
    };
    if dict.is_empty() {
        return;
    }
    let w = dict[rng.random_range(0..dict.len())].clone();
    v.splice(a..b, w.into_bytes());
}

fn swap_identifiers(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let ids = identifiers(v);
    let (Some(x), Some(y)) = (pick(rng, &ids), pick(rng, &ids)) else {
        return;
    };
    let (first, second) = if x.0 < y.0 { (x, y) } else { (y, x) };
    if first.1 > second.0 {
        return;
    }
    let (s1, s2) = (v[first.0..first.1].to_vec(), v[second.0..second.1].to_vec());
    v.splice(second.0..second.1, s1);
    v.splice(first.0..first.1, s2);
}

/// Line ranges, each including its end of line.
fn lines(v: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in v.iter().enumerate() {
        if c == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < v.len() {
        out.push((start, v.len()));
    }
    out
}

fn duplicate_line(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let Some((a, b)) = pick(rng, &lines(v)) else { return };
    let copies = pick(rng, &[1usize, 1, 2, 10, 100, 1000]).unwrap();
    let piece = v[a..b].repeat(copies);
    v.splice(b..b, piece);
}

fn swap_or_delete_line(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let ls = lines(v);
    let (Some(x), Some(y)) = (pick(rng, &ls), pick(rng, &ls)) else {
        return;
    };
    if rng.random_bool(0.3) || x == y {
        v.drain(x.0..x.1);
        return;
    }
    let (first, second) = if x.0 < y.0 { (x, y) } else { (y, x) };
    let (s1, s2) = (v[first.0..first.1].to_vec(), v[second.0..second.1].to_vec());
    v.splice(second.0..second.1, s1);
    v.splice(first.0..first.1, s2);
}

fn deep_nesting(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let opener = pick(rng, NESTERS).unwrap();
    let depth = 1usize << rng.random_range(3..15u32);
    let at = pos(rng, v);
    v.splice(at..at, opener.repeat(depth).into_bytes());
}

fn insert_token(rng: &mut ChaCha8Rng, v: &mut Vec<u8>, dict: &[String]) {
    let tok = match (dict.is_empty(), rng.random_range(0..3u32)) {
        (false, 0 | 1) => dict[rng.random_range(0..dict.len())].clone(),
        _ => pick(rng, EXTREME_NUMBERS).unwrap().to_string(),
    };
    let sep = pick(rng, &["", " ", ": ", " = ", ",", "\n", "\""]).unwrap();
    let at = pos(rng, v);
    v.splice(at..at, format!("{tok}{sep}").into_bytes());
}

fn line_endings(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let text = std::mem::take(v);
    let with = pick(rng, &[&b"\r\n"[..], b"\r", b"\n\n", b"\x0b", "\u{2028}".as_bytes()]).unwrap();
    for c in text {
        if c == b'\n' {
            v.extend_from_slice(with);
        } else {
            v.push(c);
        }
    }
}

/// A fuzzing setting from the environment (`SENTINEL_FUZZ_*`), parsed; `None` when unset or bad.
pub fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// `SENTINEL_FUZZ_SEED`: a number, `time` for one from the clock, or 1 when unset.
pub fn seed_from_env() -> u64 {
    match std::env::var("SENTINEL_FUZZ_SEED").as_deref() {
        Ok("time") => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
        Ok(s) => s.parse().expect("SENTINEL_FUZZ_SEED is a number or `time`"),
        Err(_) => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn tokens_are_found() {
        assert_eq!(numbers(b"a: -1.5e-3, b2: 7"), vec![(3, 10), (16, 17)]);
        assert_eq!(strings(b"x: \"ab\", y: \"\""), vec![(4, 6), (13, 13)]);
        assert_eq!(identifiers(b"(id: \"X1\")"), vec![(1, 3), (6, 8)]);
    }

    #[test]
    fn same_seed_same_mutants() {
        let run = || {
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let mut v = b"Scenario(name: \"a\", tick_s: 10)\n".to_vec();
            for _ in 0..200 {
                mutate(&mut rng, &mut v, &[b"other 1.0"], &["nations".into()], 4096);
            }
            v
        };
        assert_eq!(run(), run());
    }
}
