//! Catalog input: TLE/3LE text, CCSDS OMM as JSON or CSV (CelesTrak / Space-Track GP formats).
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
}

impl CatalogFormat {
    /// Guesses the format from a file name.
    pub fn from_path(path: &str) -> Option<CatalogFormat> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(CatalogFormat::OmmJson)
        } else if lower.ends_with(".csv") {
            Some(CatalogFormat::OmmCsv)
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
    }
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
        Ok(elements) => Some(ParsedElements {
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
            Ok(elements) => out.push(ParsedElements {
                elements,
                source: src.clone(),
                span: start..start + 1,
            }),
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
    let idx = |n: &str| col(n).expect("checked above");
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
        let mut bad = false;
        let mut num = |name: &str| -> f64 {
            let i = idx(name);
            let s = rec.get(i).unwrap_or("").trim();
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    diags.push(
                        Diagnostic::error(src, field_span(i), format!("{name} `{s}` is not a number"))
                            .with_help("OMM numeric fields hold decimal numbers such as `.40393571E-3`"),
                    );
                    bad = true;
                    0.0
                }
            }
        };
        let mean_motion = num("MEAN_MOTION");
        let eccentricity = num("ECCENTRICITY");
        let inclination = num("INCLINATION");
        let right_ascension = num("RA_OF_ASC_NODE");
        let argument_of_perigee = num("ARG_OF_PERICENTER");
        let mean_anomaly = num("MEAN_ANOMALY");
        let drag_term = num("BSTAR");
        let mean_motion_dot = num("MEAN_MOTION_DOT");
        let mean_motion_ddot = num("MEAN_MOTION_DDOT");
        let id_i = idx("NORAD_CAT_ID");
        let id_text = rec.get(id_i).unwrap_or("").trim();
        let norad_id = match id_text.parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                diags.push(
                    Diagnostic::error(
                        src,
                        field_span(id_i),
                        format!("NORAD_CAT_ID `{id_text}` is not a catalog number"),
                    )
                    .with_help("catalog numbers are whole numbers, e.g. 25544"),
                );
                bad = true;
                0
            }
        };
        let ep_i = idx("EPOCH");
        let ep_text = rec.get(ep_i).unwrap_or("").trim();
        let datetime = match crate::time::parse_utc(ep_text) {
            Ok(t) => t,
            Err(_) => {
                diags.push(
                    Diagnostic::error(src, field_span(ep_i), format!("EPOCH `{ep_text}` is not a UTC time"))
                        .with_help("write epochs as ISO-8601, e.g. 2026-07-10T02:00:00.123456"),
                );
                bad = true;
                chrono::NaiveDateTime::default()
            }
        };
        if bad {
            continue;
        }
        let opt_u64 = |name: &str| {
            col(name)
                .and_then(|i| rec.get(i))
                .and_then(|s| s.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        let text_of = |name: &str| {
            col(name)
                .and_then(|i| rec.get(i))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
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
