//! Catalog input: TLE/3LE text, CCSDS OMM as JSON, CSV, KVN or XML (CelesTrak / Space-Track GP formats).
//!
//! Every problem is reported with the file, line and column of the offending characters.

use std::ops::Range;

use sgp4::Elements;

use crate::diag::{Diagnostic, Diagnostics, SourceFile};

/// Catalog file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum CatalogFormat {
    /// Two- or three-line element sets (a name line before each pair is optional; `0 ` prefixes are accepted).
    Tle,
    /// A JSON array of OMM objects (or one object) with the CCSDS keyword names.
    OmmJson,
    /// CSV with a header row of CCSDS OMM keyword names (CelesTrak / Space-Track `FORMAT=csv`).
    OmmCsv,
    /// CCSDS OMM in KVN (`KEY = value` lines; one message per `CCSDS_OMM_VERS` line).
    OmmKvn,
    /// CCSDS OMM in XML (`<omm>` elements, alone or inside an `<ndm>`; Space-Track `FORMAT=xml`).
    OmmXml,
}

impl CatalogFormat {
    /// Guesses the format from a file name.
    pub fn from_path(path: &str) -> Option<CatalogFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(CatalogFormat::OmmJson)
        } else if lower.ends_with(".csv") {
            Some(CatalogFormat::OmmCsv)
        } else if lower.ends_with(".kvn") || lower.ends_with(".omm") {
            Some(CatalogFormat::OmmKvn)
        } else if lower.ends_with(".xml") {
            Some(CatalogFormat::OmmXml)
        } else if [".tle", ".txt", ".3le", ".2le"].iter().any(|e| lower.ends_with(e)) {
            Some(CatalogFormat::Tle)
        } else {
            None
        }
    }
}

/// One element set read from a source, with where it was found.
#[derive(Debug, Clone)]
pub struct ParsedElements {
    /// The elements.
    pub elements: Elements,
    /// The file it came from.
    pub source: SourceFile,
    /// Where in that file (the line 1 of a TLE, the object of an OMM).
    pub span: Range<usize>,
}

/// Parses a catalog file in the given format. Problems go to `diags`; good entries are returned.
pub fn parse(src: &SourceFile, format: CatalogFormat, diags: &mut Diagnostics) -> Vec<ParsedElements> {
    match format {
        CatalogFormat::Tle => parse_tle_text(src, diags),
        CatalogFormat::OmmJson => parse_omm_json(src, diags),
        CatalogFormat::OmmCsv => parse_omm_csv(src, diags),
        CatalogFormat::OmmKvn => parse_omm_kvn(src, diags),
        CatalogFormat::OmmXml => parse_omm_xml(src, diags),
    }
}

/// One OMM record's fields: keyword -> (value text, its byte range).
type Fields<'a> = std::collections::BTreeMap<&'a str, (std::borrow::Cow<'a, str>, Range<usize>)>;

fn push_record<'a>(
    src: &SourceFile,
    fields: &Fields<'a>,
    whole: Range<usize>,
    diags: &mut Diagnostics,
    out: &mut Vec<ParsedElements>,
) {
    let field = |name: &str| fields.get(name).map(|(v, r)| (v.as_ref(), r.clone()));
    if let Some(elements) = elements_from_fields(src, field, whole.clone(), diags) {
        out.push(ParsedElements {
            elements,
            source: src.clone(),
            span: whole,
        });
    }
}

/// Parses CCSDS OMM in KVN: `KEYWORD = value [unit]` lines, `COMMENT` lines, and a new message at
/// every `CCSDS_OMM_VERS` line.
pub fn parse_omm_kvn(src: &SourceFile, diags: &mut Diagnostics) -> Vec<ParsedElements> {
    let text: &str = &src.text;
    let mut out = Vec::new();
    let mut fields: Fields = Fields::new();
    let mut start: Option<usize> = None;
    let mut last_end = 0;
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\r', '\n']);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with("COMMENT") {
            continue;
        }
        let Some(eq) = line.find('=') else {
            let at = line_start + (line.len() - line.trim_start().len());
            diags.push(
                Diagnostic::error(
                    src,
                    at..at + trimmed.len().max(1),
                    format!("`{trimmed}` is not a `KEYWORD = value` line"),
                )
                .with_help("OMM KVN lines are `KEYWORD = value`, or COMMENT lines"),
            );
            continue;
        };
        let key = line[..eq].trim();
        // The value, without a trailing unit such as `[rev/day]`.
        let mut value = &line[eq + 1..];
        if let Some(b) = value.find('[') {
            value = &value[..b];
        }
        let lead = value.len() - value.trim_start().len();
        let value_trim = value.trim();
        let v_start = line_start + eq + 1 + lead;
        if key == "CCSDS_OMM_VERS" {
            if let Some(s0) = start.take() {
                push_record(src, &fields, s0..last_end, diags, &mut out);
            }
            fields.clear();
            start = Some(line_start);
        }
        start.get_or_insert(line_start);
        fields.insert(key, (value_trim.into(), v_start..v_start + value_trim.len().max(1)));
        last_end = line_start + line.len();
    }
    if let Some(s0) = start {
        push_record(src, &fields, s0..last_end.max(s0 + 1), diags, &mut out);
    }
    out
}

/// Parses CCSDS OMM in XML: every `<omm>` element (alone, or in an `<ndm>` as Space-Track writes
/// them); the text of its leaf elements gives the keywords.
pub fn parse_omm_xml(src: &SourceFile, diags: &mut Diagnostics) -> Vec<ParsedElements> {
    use quick_xml::events::Event as X;
    let text: &str = &src.text;
    let mut xr = crate::ndm::XmlReader::new(text);
    let mut out = Vec::new();
    let mut fields: Fields = Fields::new();
    let mut omm_start: Option<usize> = None;
    let mut leaf: Option<(String, usize)> = None;
    // Leaf names are borrowed from the source text; the record keeps slices of it.
    loop {
        let before = xr.pos();
        match xr.reader.read_event() {
            Err(e) => {
                diags.push(
                    Diagnostic::error(src, xr.error_span(), format!("invalid OMM XML: {e}"))
                        .with_help("the file must be CCSDS OMM XML (`<omm>` elements, alone or inside `<ndm>`)"),
                );
                return out;
            }
            Ok(X::Eof) => {
                if let Some(s0) = omm_start {
                    diags.push(
                        Diagnostic::error(src, s0..s0 + 5, "the file ends inside this <omm> element".to_string())
                            .with_help("the XML is truncated: close the <omm> element"),
                    );
                }
                break;
            }
            Ok(X::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                if name.eq_ignore_ascii_case("omm") {
                    omm_start = Some(before);
                    fields.clear();
                }
                leaf = Some((name, xr.pos()));
            }
            Ok(X::Text(_)) => {}
            Ok(X::End(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).to_string();
                if let Some((open, body_start)) = leaf.take()
                    && open == name
                {
                    // The element's text is the source between its start and end tags.
                    let body = &text[body_start..before];
                    let lead = body.len() - body.trim_start().len();
                    let value = body.trim();
                    if omm_start.is_some() && !value.is_empty() && !value.contains('<') {
                        let key_start = text[..body_start].rfind('<').map_or(body_start, |k| k + 1);
                        let key = &text[key_start..body_start - 1];
                        let key = key.split(|c: char| c.is_whitespace() || c == '>').next().unwrap_or(key);
                        let key = key.rsplit(':').next().unwrap_or(key);
                        let v0 = body_start + lead;
                        // Entities (`&amp;` in a name) are resolved; a bad one keeps the text as written.
                        let value = quick_xml::escape::unescape(value).unwrap_or(std::borrow::Cow::Borrowed(value));
                        fields.insert(key, (value, v0..v0 + body.trim().len()));
                    }
                }
                if name.eq_ignore_ascii_case("omm")
                    && let Some(s0) = omm_start.take()
                {
                    let end = xr.pos();
                    push_record(src, &fields, s0..end, diags, &mut out);
                    fields.clear();
                }
            }
            Ok(_) => {}
        }
    }
    out
}

/// The TLE mod-10 checksum of the first 68 characters (digits count their value, `-` counts 1).
pub fn tle_checksum(line: &[u8]) -> u8 {
    let sum: u32 = line
        .iter()
        .take(68)
        .map(|&c| match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'-' => 1,
            _ => 0,
        })
        .sum();
    (sum % 10) as u8
}

/// A line of text with its byte offset.
struct Line<'a> {
    text: &'a str,
    start: usize,
}

fn lines_with_offsets(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let t = raw.trim_end_matches(['\n', '\r']);
        out.push(Line { text: t, start });
        start += raw.len();
    }
    out
}

/// Parses TLE text: 2LE, 3LE (name lines with or without `0 `), CRLF or LF, blank lines allowed.
pub fn parse_tle_text(src: &SourceFile, diags: &mut Diagnostics) -> Vec<ParsedElements> {
    let lines = lines_with_offsets(&src.text);
    let mut out = Vec::new();
    let mut pending_name: Option<&Line> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        let t = line.text.trim_end();
        if t.is_empty() {
            i += 1;
            continue;
        }
        if t.starts_with("1 ") && t.len() >= 60 {
            let next = lines[i + 1..].iter().find(|l| !l.text.trim().is_empty());
            match next {
                Some(l2) if l2.text.starts_with("2 ") => {
                    let name = pending_name.take().map(|n| {
                        let s = n.text.trim();
                        s.strip_prefix("0 ").unwrap_or(s).trim().to_string()
                    });
                    if let Some(e) = parse_tle_pair(src, name, line, l2, diags) {
                        out.push(e);
                    }
                    i = lines.iter().position(|x| std::ptr::eq(x, l2)).unwrap_or(i) + 1;
                }
                _ => {
                    diags.push(
                        Diagnostic::error(
                            src,
                            line.start..line.start + t.len(),
                            "TLE line 1 is not followed by a line 2",
                        )
                        .with_help("every element set needs a line starting `1 ` followed by a line starting `2 `"),
                    );
                    i += 1;
                }
            }
            continue;
        }
        if t.starts_with("2 ") && t.len() >= 60 {
            diags.push(
                Diagnostic::error(
                    src,
                    line.start..line.start + t.len(),
                    "TLE line 2 without a line 1 before it",
                )
                .with_help("check that the file has not lost a line; each line 2 must follow its line 1"),
            );
            i += 1;
            continue;
        }
        if let Some(prev) = pending_name {
            diags.push(
                Diagnostic::error(
                    src,
                    prev.start..prev.start + prev.text.trim_end().len(),
                    format!("name line `{}` is not followed by a TLE", prev.text.trim()),
                )
                .with_help("a name line must be followed by TLE line 1 and line 2"),
            );
        }
        pending_name = Some(line);
        i += 1;
    }
    if let Some(prev) = pending_name {
        diags.push(
            Diagnostic::error(
                src,
                prev.start..prev.start + prev.text.trim_end().len(),
                format!("name line `{}` is not followed by a TLE", prev.text.trim()),
            )
            .with_help("a name line must be followed by TLE line 1 and line 2"),
        );
    }
    out
}

/// Validates and parses one TLE pair (lines may come from a file or from inline scenario strings).
fn parse_tle_pair(
    src: &SourceFile,
    name: Option<String>,
    l1: &Line,
    l2: &Line,
    diags: &mut Diagnostics,
) -> Option<ParsedElements> {
    let before = diags.error_count();
    for (line, which) in [(l1, 1u8), (l2, 2u8)] {
        let t = line.text.trim_end();
        if let Some((at, c)) = t.char_indices().find(|(_, c)| !c.is_ascii()) {
            diags.push(
                Diagnostic::error(src, line.start + at..line.start + at + c.len_utf8(), format!("TLE line {which} contains `{c}`, which is not ASCII"))
                    .with_help("TLE lines hold only ASCII digits, letters, spaces, `.`, `+` and `-`; the file may have been re-encoded"),
            );
            continue;
        }
        if t.len() != 69 {
            diags.push(
                Diagnostic::error(
                    src,
                    line.start..line.start + t.len().max(1),
                    format!("TLE line {which} has {} characters; a TLE line has exactly 69", t.len()),
                )
                .with_help("columns may have been lost or added when the file was copied; fetch the element set again"),
            );
            continue;
        }
        let want = tle_checksum(t.as_bytes());
        let got = t.as_bytes()[68];
        if got != b'0' + want {
            diags.push(
                Diagnostic::error(
                    src,
                    line.start + 68..line.start + 69,
                    format!("TLE line {which} checksum is `{}` but its first 68 columns sum to {want} (mod 10)", got as char),
                )
                .with_help("the line was corrupted; fetch the element set again (if you edited it by hand, fix the last digit)"),
            );
        }
    }
    if diags.error_count() > before {
        return None;
    }
    let (t1, t2) = (l1.text.trim_end(), l2.text.trim_end());
    if t1[2..7].trim() != t2[2..7].trim() {
        diags.push(
            Diagnostic::error(
                src,
                l2.start + 2..l2.start + 7,
                format!(
                    "line 2 catalog number `{}` differs from line 1's `{}`",
                    t2[2..7].trim(),
                    t1[2..7].trim()
                ),
            )
            .with_help("the two lines belong to different objects"),
        );
        return None;
    }
    match Elements::from_tle(name, t1.as_bytes(), t2.as_bytes()) {
        Ok(elements) => check_values(src, &elements, |f| tle_field(l1, l2, f), diags).then(|| ParsedElements {
            elements,
            source: src.clone(),
            span: l1.start..l1.start + t1.len(),
        }),
        Err(e) => {
            // sgp4's error fields are private; its Debug form names the line and the column range.
            let dbg = format!("{e:?}");
            let on_line2 = dbg.contains("Line2");
            let start = debug_field(&dbg, "start").unwrap_or(0);
            let end = debug_field(&dbg, "end").unwrap_or(start + 1).max(start + 1);
            let base = if on_line2 { l2.start } else { l1.start };
            let msg = e.to_string().replace("TLE parse error: ", "");
            diags.push(
                Diagnostic::error(src, base + start..base + end.min(69), msg)
                    .with_help("see the TLE format: https://celestrak.org/columns/v04n03/"),
            );
            None
        }
    }
}

fn debug_field(dbg: &str, name: &str) -> Option<usize> {
    let key = format!("{name}: ");
    let at = dbg.find(&key)? + key.len();
    dbg[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .ok()
}

/// Parses inline TLE lines written in the scenario (2 or 3 strings, each with its span in the scenario).
pub fn parse_inline_tle(
    src: &SourceFile,
    lines: &[(String, Range<usize>)],
    diags: &mut Diagnostics,
) -> Option<ParsedElements> {
    let (name, pair) = match lines.len() {
        2 => (None, lines),
        3 => (
            Some(lines[0].0.trim().trim_start_matches("0 ").trim().to_string()),
            &lines[1..],
        ),
        n => {
            let span = lines.first().map_or(0..0, |l| l.1.start..lines[n - 1].1.end);
            diags.push(
                Diagnostic::error(src, span, format!("an inline TLE has 2 or 3 lines, not {n}"))
                    .with_help("write `lines: [\"NAME\", \"1 ...\", \"2 ...\"]` (the name is optional)"),
            );
            return None;
        }
    };
    // A string value's characters start one byte after its opening quote.
    let l1 = Line {
        text: &pair[0].0,
        start: pair[0].1.start + 1,
    };
    let l2 = Line {
        text: &pair[1].0,
        start: pair[1].1.start + 1,
    };
    if !l1.text.starts_with("1 ") || !l2.text.starts_with("2 ") {
        diags.push(
            Diagnostic::error(src, pair[0].1.clone(), "inline TLE lines must start with `1 ` and `2 `")
                .with_help("list the lines in order: optional name, line 1, line 2"),
        );
        return None;
    }
    parse_tle_pair(src, name, &l1, &l2, diags)
}

/// Parses an OMM JSON array (or single object).
pub fn parse_omm_json(src: &SourceFile, diags: &mut Diagnostics) -> Vec<ParsedElements> {
    let text: &str = &src.text;
    let trimmed = text.trim_start();
    let raws: Vec<&serde_json::value::RawValue> = if trimmed.starts_with('[') {
        match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let at = src.offset_of(e.line(), e.column().max(1));
                diags.push(
                    Diagnostic::error(src, at..at + 1, format!("invalid OMM JSON: {e}"))
                        .with_help("the file must be a JSON array of OMM objects (CelesTrak `FORMAT=json`)"),
                );
                return Vec::new();
            }
        }
    } else {
        match serde_json::from_str::<&serde_json::value::RawValue>(text) {
            Ok(v) => vec![v],
            Err(e) => {
                let at = src.offset_of(e.line(), e.column().max(1));
                diags.push(
                    Diagnostic::error(src, at..at + 1, format!("invalid OMM JSON: {e}"))
                        .with_help("the file must be a JSON array of OMM objects (CelesTrak `FORMAT=json`)"),
                );
                return Vec::new();
            }
        }
    };
    let mut out = Vec::new();
    for raw in raws {
        let s = raw.get();
        let start = s.as_ptr() as usize - text.as_ptr() as usize;
        match serde_json::from_str::<Elements>(s) {
            Ok(elements) if !EPOCH_YEARS.contains(&chrono::Datelike::year(&elements.datetime)) => diags.push(
                Diagnostic::error(
                    src,
                    json_field(s, start, "EPOCH"),
                    format!("EPOCH {} is outside the years 1957-2199", elements.datetime),
                )
                .with_help("element sets exist from 1957 on: check the year of the epoch"),
            ),
            Ok(elements) => {
                if check_values(src, &elements, |f| json_field(s, start, f), diags) {
                    out.push(ParsedElements {
                        elements,
                        source: src.clone(),
                        span: start..start + 1,
                    });
                }
            }
            Err(e) => {
                let inner = crate::diag::byte_offset(s, e.line(), e.column().max(1));
                let at = start + inner;
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg);
                diags.push(
                    Diagnostic::error(src, at..at + 1, format!("invalid OMM object: {msg}"))
                        .with_help("OMM objects need EPOCH, MEAN_MOTION, ECCENTRICITY, INCLINATION, RA_OF_ASC_NODE, ARG_OF_PERICENTER, MEAN_ANOMALY, NORAD_CAT_ID, BSTAR, MEAN_MOTION_DOT, MEAN_MOTION_DDOT, CLASSIFICATION_TYPE, ELEMENT_SET_NO, REV_AT_EPOCH, EPHEMERIS_TYPE"),
                );
            }
        }
    }
    out
}

/// Years an OMM epoch may have: SGP4's epoch arithmetic overflows for years before 1, and no
/// element set predates 1957.
const EPOCH_YEARS: std::ops::RangeInclusive<i32> = 1957..=2199;

/// Builds elements from OMM keyword fields (CSV columns, KVN lines, XML elements): `field(name)`
/// gives a field's text and its byte range in `src`. Problems go to `diags` with the field's position
/// (or the record's, `whole`, for a missing field); `None` when the record cannot be used.
fn elements_from_fields<'a>(
    src: &SourceFile,
    field: impl Fn(&str) -> Option<(&'a str, Range<usize>)>,
    whole: Range<usize>,
    diags: &mut Diagnostics,
) -> Option<Elements> {
    let bad = std::cell::Cell::new(false);
    let num = |name: &str, diags: &mut Diagnostics| -> f64 {
        let Some((s, span)) = field(name) else {
            diags.push(
                Diagnostic::error(src, whole.clone(), format!("the OMM record has no {name}"))
                    .with_help("OMM records need EPOCH, MEAN_MOTION, ECCENTRICITY, INCLINATION, RA_OF_ASC_NODE, ARG_OF_PERICENTER, MEAN_ANOMALY, NORAD_CAT_ID, BSTAR, MEAN_MOTION_DOT, MEAN_MOTION_DDOT"),
            );
            bad.set(true);
            return 0.0;
        };
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                diags.push(
                    Diagnostic::error(src, span, format!("{name} `{s}` is not a number"))
                        .with_help("OMM numeric fields hold decimal numbers such as `.40393571E-3`"),
                );
                bad.set(true);
                0.0
            }
        }
    };
    let mean_motion = num("MEAN_MOTION", diags);
    let eccentricity = num("ECCENTRICITY", diags);
    let inclination = num("INCLINATION", diags);
    let right_ascension = num("RA_OF_ASC_NODE", diags);
    let argument_of_perigee = num("ARG_OF_PERICENTER", diags);
    let mean_anomaly = num("MEAN_ANOMALY", diags);
    let drag_term = num("BSTAR", diags);
    let mean_motion_dot = num("MEAN_MOTION_DOT", diags);
    let mean_motion_ddot = num("MEAN_MOTION_DDOT", diags);
    let norad_id = match field("NORAD_CAT_ID") {
        None => {
            diags.push(Diagnostic::error(
                src,
                whole.clone(),
                "the OMM record has no NORAD_CAT_ID".to_string(),
            ));
            bad.set(true);
            0
        }
        Some((t, span)) => match t.parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                diags.push(
                    Diagnostic::error(src, span, format!("NORAD_CAT_ID `{t}` is not a catalog number"))
                        .with_help("catalog numbers are whole numbers, e.g. 25544"),
                );
                bad.set(true);
                0
            }
        },
    };
    let datetime = match field("EPOCH") {
        None => {
            diags.push(Diagnostic::error(
                src,
                whole.clone(),
                "the OMM record has no EPOCH".to_string(),
            ));
            bad.set(true);
            chrono::NaiveDateTime::default()
        }
        Some((t, span)) => match crate::time::parse_utc(t) {
            Ok(v) if EPOCH_YEARS.contains(&chrono::Datelike::year(&v)) => v,
            Ok(_) => {
                diags.push(
                    Diagnostic::error(src, span, format!("EPOCH `{t}` is outside the years 1957-2199"))
                        .with_help("element sets exist from 1957 on: check the year of the epoch"),
                );
                bad.set(true);
                chrono::NaiveDateTime::default()
            }
            Err(_) => {
                diags.push(
                    Diagnostic::error(src, span, format!("EPOCH `{t}` is not a UTC time"))
                        .with_help("write epochs as ISO-8601, e.g. 2026-07-10T02:00:00.123456"),
                );
                bad.set(true);
                chrono::NaiveDateTime::default()
            }
        },
    };
    if bad.get() {
        return None;
    }
    let opt_u64 = |name: &str| field(name).and_then(|(s, _)| s.parse::<u64>().ok()).unwrap_or(0);
    let text_of = |name: &str| field(name).map(|(s, _)| s.to_string()).filter(|s| !s.is_empty());
    let classification = match text_of("CLASSIFICATION_TYPE").as_deref() {
        Some("C") => sgp4::Classification::Classified,
        Some("S") => sgp4::Classification::Secret,
        _ => sgp4::Classification::Unclassified,
    };
    let elements = Elements {
        object_name: text_of("OBJECT_NAME"),
        international_designator: text_of("OBJECT_ID"),
        norad_id,
        classification,
        datetime,
        mean_motion_dot,
        mean_motion_ddot,
        drag_term,
        element_set_number: opt_u64("ELEMENT_SET_NO"),
        inclination,
        right_ascension,
        eccentricity,
        argument_of_perigee,
        mean_anomaly,
        mean_motion,
        revolution_number: opt_u64("REV_AT_EPOCH"),
        ephemeris_type: opt_u64("EPHEMERIS_TYPE") as u8,
    };
    let at = |name: &str| field(name).map_or(whole.clone(), |(_, r)| r);
    check_values(src, &elements, at, diags).then_some(elements)
}

/// The checked element values by OMM keyword, in the order of [`values_of`].
const CHECKED: [&str; 9] = [
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ECCENTRICITY",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "MEAN_MOTION",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
    "BSTAR",
];

fn values_of(e: &Elements) -> [f64; 9] {
    [
        e.inclination,
        e.right_ascension,
        e.eccentricity,
        e.argument_of_perigee,
        e.mean_anomaly,
        e.mean_motion,
        e.mean_motion_dot,
        e.mean_motion_ddot,
        e.drag_term,
    ]
}

/// Checks an element set's values against what SGP4 can propagate: every number finite,
/// eccentricity in [0, 1), inclination in [0, 180] deg, mean motion positive. `at(keyword)` is
/// the position of a field (by OMM keyword). Every problem goes to `diags`; false when there was one.
fn check_values(src: &SourceFile, e: &Elements, at: impl Fn(&str) -> Range<usize>, diags: &mut Diagnostics) -> bool {
    let mut ok = true;
    for (name, v) in CHECKED.into_iter().zip(values_of(e)) {
        let why = if !v.is_finite() {
            Some(format!("{name} {v} is not a finite number"))
        } else {
            match name {
                "ECCENTRICITY" if !(0.0..1.0).contains(&v) => Some(format!("{name} {v} is outside [0, 1)")),
                "INCLINATION" if !(0.0..=180.0).contains(&v) => Some(format!("{name} {v} deg is outside [0, 180]")),
                "MEAN_MOTION" if v <= 0.0 => Some(format!("{name} {v} rev/day is not positive")),
                _ => None,
            }
        };
        if let Some(why) = why {
            diags.push(
                Diagnostic::error(src, at(name), why)
                    .with_help("SGP4 needs a closed orbit: 0 <= eccentricity < 1, inclination 0-180 deg, mean motion > 0; fetch the element set again"),
            );
            ok = false;
        }
    }
    ok
}

/// Byte range, in a TLE pair, of the field holding an OMM keyword's value.
fn tle_field(l1: &Line, l2: &Line, name: &str) -> Range<usize> {
    let (line, cols) = match name {
        "INCLINATION" => (l2, 8..16),
        "RA_OF_ASC_NODE" => (l2, 17..25),
        "ECCENTRICITY" => (l2, 26..33),
        "ARG_OF_PERICENTER" => (l2, 34..42),
        "MEAN_ANOMALY" => (l2, 43..51),
        "MEAN_MOTION" => (l2, 52..63),
        "MEAN_MOTION_DOT" => (l1, 33..43),
        "MEAN_MOTION_DDOT" => (l1, 44..52),
        _ => (l1, 53..61),
    };
    line.start + cols.start..line.start + cols.end
}

/// Byte range of the value of key `name` in one JSON object `obj` (which starts at `base`); the
/// object's first byte when the key is not found.
fn json_field(obj: &str, base: usize, name: &str) -> Range<usize> {
    let key = format!("\"{name}\"");
    let Some(k) = obj.find(&key) else {
        return base..base + 1;
    };
    let after = &obj[k + key.len()..];
    let value = after.trim_start().strip_prefix(':').unwrap_or(after).trim_start();
    let start = obj.len() - value.len();
    let len = value.find([',', '}', '\n']).unwrap_or(value.len()).max(1);
    let len = value[..len.min(value.len())].trim_end().len().max(1);
    base + start..base + start + len
}

/// Byte range of CSV field `i` in `line`, honouring double quotes.
fn field_range(line: &str, i: usize) -> Option<Range<usize>> {
    let (mut field, mut start, mut quoted) = (0, 0, false);
    for (k, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                if field == i {
                    return Some(start..k);
                }
                field += 1;
                start = k + 1;
            }
            _ => {}
        }
    }
    (field == i).then_some(start..line.len())
}

const OMM_REQUIRED: [&str; 11] = [
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "NORAD_CAT_ID",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
];

/// Parses OMM CSV (header row of CCSDS keywords; CelesTrak number forms such as `.40393571E-3`).
pub fn parse_omm_csv(src: &SourceFile, diags: &mut Diagnostics) -> Vec<ParsedElements> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(src.text.as_bytes());
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            diags.push(Diagnostic::error(src, 0..1, format!("cannot read the CSV header: {e}")));
            return Vec::new();
        }
    };
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let header_len = src.text.find('\n').unwrap_or(src.text.len());
    let mut missing = Vec::new();
    for name in OMM_REQUIRED {
        if col(name).is_none() {
            missing.push(name);
        }
    }
    if !missing.is_empty() {
        diags.push(
            Diagnostic::error(
                src,
                0..header_len.max(1),
                format!("the CSV header lacks {}", missing.join(", ")),
            )
            .with_help(
                "use CelesTrak or Space-Track GP data in CSV form (FORMAT=csv); its header names the OMM keywords",
            ),
        );
        return Vec::new();
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let at = e.position().map_or(0, |p| p.byte() as usize);
                diags.push(Diagnostic::error(src, at..at + 1, format!("bad CSV row: {e}")));
                continue;
            }
        };
        let row_start = rec.position().map_or(0, |p| p.byte() as usize);
        let text: &str = &src.text;
        let line_start = row_start + text[row_start..].len() - text[row_start..].trim_start_matches(['\r', '\n']).len();
        let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
        let line = text[line_start..line_end].trim_end_matches('\r');
        // Byte range of field `i` in the source line (commas inside quotes do not separate fields).
        let field_span = |i: usize| {
            field_range(line, i).map_or(line_start..line_start + 1, |r| {
                line_start + r.start..line_start + r.end.max(r.start + 1)
            })
        };
        let field = |name: &str| col(name).map(|i| (rec.get(i).unwrap_or("").trim(), field_span(i)));
        let Some(elements) = elements_from_fields(src, field, line_start..line_end.max(line_start + 1), diags) else {
            continue;
        };
        let line_end = src.text[row_start..]
            .find('\n')
            .map_or(src.text.len(), |i| row_start + i);
        out.push(ParsedElements {
            elements,
            source: src.clone(),
            span: row_start..line_end.max(row_start + 1),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OMM_FIELDS: [(&str, &str); 17] = [
        ("OBJECT_NAME", "ISS (ZARYA)"),
        ("OBJECT_ID", "1998-067A"),
        ("EPOCH", "2026-05-30T12:25:10.468992"),
        ("MEAN_MOTION", "15.49496548"),
        ("ECCENTRICITY", ".0007245"),
        ("INCLINATION", "51.6337"),
        ("RA_OF_ASC_NODE", "27.5746"),
        ("ARG_OF_PERICENTER", "114.7080"),
        ("MEAN_ANOMALY", "245.4664"),
        ("EPHEMERIS_TYPE", "0"),
        ("CLASSIFICATION_TYPE", "U"),
        ("NORAD_CAT_ID", "25544"),
        ("ELEMENT_SET_NO", "999"),
        ("REV_AT_EPOCH", "56901"),
        ("BSTAR", ".21767E-3"),
        ("MEAN_MOTION_DOT", ".00011776"),
        ("MEAN_MOTION_DDOT", "0"),
    ];

    fn kvn(fields: &[(&str, &str)]) -> String {
        let mut t = "CCSDS_OMM_VERS = 2.0\nCOMMENT GENERATED FOR A TEST\nCREATION_DATE = 2026-05-30T13:00:00\nORIGINATOR = TEST\n".to_string();
        for (k, v) in fields {
            let unit = if *k == "MEAN_MOTION" { " [rev/day]" } else { "" };
            t += &format!("{k:<20} = {v}{unit}\n");
        }
        t
    }

    fn xml(fields: &[(&str, &str)]) -> String {
        let body: String = fields.iter().map(|(k, v)| format!("<{k}>{v}</{k}>\n")).collect();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ndm><omm id=\"CCSDS_OMM_VERS\" version=\"2.0\"><header><CREATION_DATE>2026-05-30T13:00:00</CREATION_DATE></header><body><segment><metadata>\n{body}</metadata></segment></body></omm></ndm>\n"
        )
    }

    #[test]
    fn omm_kvn_xml_and_csv_give_the_same_elements() {
        let header: Vec<&str> = OMM_FIELDS.iter().map(|f| f.0).collect();
        let row: Vec<String> = OMM_FIELDS.iter().map(|f| format!("\"{}\"", f.1)).collect();
        let csv = format!("{}\n{}\n", header.join(","), row.join(","));
        let mut d = Diagnostics::default();
        let from_csv = parse(&SourceFile::new("a.csv", csv), CatalogFormat::OmmCsv, &mut d);
        let two = format!("{}{}", kvn(&OMM_FIELDS), kvn(&OMM_FIELDS).replace("25544", "25545"));
        let from_kvn = parse(&SourceFile::new("a.kvn", two), CatalogFormat::OmmKvn, &mut d);
        let from_xml = parse(
            &SourceFile::new("a.xml", xml(&OMM_FIELDS)),
            CatalogFormat::OmmXml,
            &mut d,
        );
        assert!(!d.has_errors(), "{d}");
        assert_eq!((from_csv.len(), from_kvn.len(), from_xml.len()), (1, 2, 1));
        assert_eq!(from_kvn[0].elements, from_csv[0].elements);
        assert_eq!(from_xml[0].elements, from_csv[0].elements);
        assert_eq!(from_kvn[1].elements.norad_id, 25545);
        let e = &from_xml[0].elements;
        assert_eq!(
            (e.norad_id, e.mean_motion, e.object_name.as_deref()),
            (25544, 15.49496548, Some("ISS (ZARYA)"))
        );
        // XML entities are resolved.
        let amp = xml(&OMM_FIELDS).replace("ISS (ZARYA)", "R&amp;D SAT");
        let named = parse(&SourceFile::new("n.xml", amp), CatalogFormat::OmmXml, &mut d);
        assert_eq!(named[0].elements.object_name.as_deref(), Some("R&D SAT"));
        // The formats are told apart by extension.
        assert_eq!(CatalogFormat::from_path("gp.XML"), Some(CatalogFormat::OmmXml));
        assert_eq!(CatalogFormat::from_path("gp.kvn"), Some(CatalogFormat::OmmKvn));
    }

    #[test]
    fn omm_kvn_and_xml_errors_point_at_the_value() {
        let bad: Vec<(&str, &str)> = OMM_FIELDS
            .iter()
            .map(|&(k, v)| if k == "INCLINATION" { (k, "fifty") } else { (k, v) })
            .filter(|(k, _)| *k != "BSTAR")
            .collect();
        for (name, text, fmt) in [
            ("b.kvn", kvn(&bad), CatalogFormat::OmmKvn),
            ("b.xml", xml(&bad), CatalogFormat::OmmXml),
        ] {
            let src = SourceFile::new(name, text.clone());
            let mut d = Diagnostics::default();
            assert!(parse(&src, fmt, &mut d).is_empty());
            let msgs: Vec<String> = d.0.iter().map(|x| x.to_string()).collect();
            let at = text.find("fifty").unwrap();
            let (l, c) = src.line_col(at);
            assert!(
                msgs.iter()
                    .any(|m| m.contains(&format!("{name}:{l}:{c}")) && m.contains("INCLINATION `fifty`")),
                "{msgs:?}"
            );
            assert!(
                msgs.iter().any(|m| m.contains("the OMM record has no BSTAR")),
                "{msgs:?}"
            );
        }
        let mut d = Diagnostics::default();
        let src = SourceFile::new("c.xml", "<ndm><omm><body>".to_string());
        assert!(parse(&src, CatalogFormat::OmmXml, &mut d).is_empty());
        assert!(
            d.0.iter()
                .any(|x| x.to_string().contains("c.xml:1:6") && x.to_string().contains("ends inside")),
            "{d}"
        );
    }

    #[test]
    fn omm_values_sgp4_cannot_use_are_errors_at_the_value() {
        let bad: Vec<(&str, &str)> = OMM_FIELDS
            .iter()
            .map(|&(k, v)| match k {
                "ECCENTRICITY" => (k, "1.5"),
                "MEAN_MOTION" => (k, "-2.0"),
                _ => (k, v),
            })
            .collect();
        for (name, text, fmt) in [
            ("v.kvn", kvn(&bad), CatalogFormat::OmmKvn),
            ("v.xml", xml(&bad), CatalogFormat::OmmXml),
        ] {
            let src = SourceFile::new(name, text.clone());
            let mut d = Diagnostics::default();
            assert!(parse(&src, fmt, &mut d).is_empty());
            let msgs: Vec<String> = d.0.iter().map(|x| x.to_string()).collect();
            assert_eq!(msgs.len(), 2, "{msgs:?}");
            for (value, says) in [
                ("1.5", "ECCENTRICITY 1.5 is outside [0, 1)"),
                ("-2.0", "MEAN_MOTION -2 rev/day is not positive"),
            ] {
                let (l, c) = src.line_col(text.find(value).unwrap());
                assert!(
                    msgs.iter()
                        .any(|m| m.starts_with(&format!("{name}:{l}:{c}: error: {says}"))),
                    "{msgs:?}"
                );
            }
        }
    }

    const ISS: &str = "ISS (ZARYA)\n1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\n2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n";

    #[test]
    fn reads_3le_with_crlf_and_zero_prefix() {
        let text = format!("0 {}", ISS.replace('\n', "\r\n"));
        let src = SourceFile::new("a.tle", text);
        let mut d = Diagnostics::default();
        let v = parse_tle_text(&src, &mut d);
        assert!(d.0.is_empty(), "{d}");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].elements.norad_id, 25544);
        assert_eq!(v[0].elements.object_name.as_deref(), Some("ISS (ZARYA)"));
    }

    #[test]
    fn checksum_error_points_at_column_69() {
        let text = ISS.replace("0  2927", "0  2928");
        let src = SourceFile::new("a.tle", text);
        let mut d = Diagnostics::default();
        assert!(parse_tle_text(&src, &mut d).is_empty());
        assert_eq!(d.0.len(), 1, "{d}");
        assert_eq!(d.0[0].location().unwrap(), "a.tle:2:69");
        assert!(d.0[0].message.contains("sum to 7"), "{}", d.0[0].message);
    }

    #[test]
    fn reports_every_bad_entry_and_keeps_good_ones() {
        let bad = ISS.replace("0  2927", "0  2928").replace("ISS (ZARYA)", "BAD");
        let short = "SHORT\n1 25545U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  292\n2 25545  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n";
        let src = SourceFile::new("a.tle", format!("{ISS}{bad}{short}"));
        let mut d = Diagnostics::default();
        let v = parse_tle_text(&src, &mut d);
        assert_eq!(v.len(), 1);
        let locs: Vec<_> = d.0.iter().map(|x| x.location().unwrap()).collect();
        assert_eq!(locs, ["a.tle:5:69", "a.tle:8:1", "a.tle:9:69"], "{d}");
    }

    #[test]
    fn non_ascii_lines_are_errors_not_panics() {
        // 69 bytes, with a two-byte character where the catalog number is sliced.
        let text = ISS
            .replace("1 25544U", "1 2554\u{e9}U")
            .replacen("98067A   ", "98067A  ", 1);
        let src = SourceFile::new("a.tle", text);
        let mut d = Diagnostics::default();
        assert!(parse_tle_text(&src, &mut d).is_empty());
        assert_eq!(d.0.len(), 1, "{d}");
        assert_eq!(d.0[0].location().unwrap(), "a.tle:2:7");
    }

    #[test]
    fn csv_reads_celestrak_numbers_and_flags_bad_fields() {
        let text = "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT\n\
ISS (ZARYA),1998-067A,2026-07-10T02:00:00.123456,15.5,.0004,51.6,10,20,30,0,U,25544,999,1,.40393571E-3,.0001,0\n\
X,1998-067B,2026-07-10T02:00:00,abc,.0004,51.6,10,20,30,0,U,25545,999,1,0,0,0\n";
        let src = SourceFile::new("c.csv", text);
        let mut d = Diagnostics::default();
        let v = parse_omm_csv(&src, &mut d);
        assert_eq!(v.len(), 1);
        assert!((v[0].elements.drag_term - 0.40393571e-3).abs() < 1e-15);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].location().unwrap(), "c.csv:3:33");
    }

    #[test]
    fn csv_positions_hold_with_quotes_and_crlf() {
        let header = "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT";
        let text =
            format!("{header}\r\n\"CAL, 1\",X,2026-07-10T02:00:00,abc,.0004,51.6,10,20,30,0,U,25545,999,1,0,0,0\r\n");
        let src = SourceFile::new("q.csv", text);
        let mut d = Diagnostics::default();
        assert!(parse_omm_csv(&src, &mut d).is_empty());
        assert_eq!(d.0.len(), 1, "{d}");
        // `"CAL, 1",X,2026-07-10T02:00:00,` is 31 characters: MEAN_MOTION starts at column 32.
        assert_eq!(d.0[0].location().unwrap(), "q.csv:2:32");
    }

    #[test]
    fn json_errors_have_positions() {
        let text = "[\n {\"OBJECT_NAME\": \"X\", \"NORAD_CAT_ID\": 5}\n]";
        let src = SourceFile::new("o.json", text);
        let mut d = Diagnostics::default();
        assert!(parse_omm_json(&src, &mut d).is_empty());
        assert_eq!(d.0.len(), 1);
        assert!(d.0[0].location().unwrap().starts_with("o.json:2:"), "{}", d.0[0]);
    }
}
