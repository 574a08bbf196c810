//! CCSDS Navigation Data Message text (KVN and XML) as keyword items with their positions.
//!
//! A reader of one message type (the CDM reader in `conjunction/cdm.rs`) checks the items; this
//! module only splits the text. The OMM reader in `catalog.rs` keeps its own loops (it groups
//! keywords into `<omm>` records and KVN messages) but reads XML through the same [`XmlReader`].

use std::ops::Range;

use crate::diag::{Diagnostic, Diagnostics, SourceFile};

/// One `KEYWORD = value [unit]` line of a KVN message, a `COMMENT` (key `COMMENT`, the rest of the
/// line as value), or the text of one XML leaf element.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The keyword as written (`X`, `CR_R`, `COMMENT`).
    pub key: String,
    /// Byte range of the keyword.
    pub key_span: Range<usize>,
    /// The value, trimmed, without its unit.
    pub value: String,
    /// Byte range of the value (one byte at its place when it is empty).
    pub value_span: Range<usize>,
    /// The unit: `[m**2]` in KVN, the `units` attribute in XML.
    pub unit: Option<String>,
    /// XML only: which `<segment>` element (0-based) the item is in; `None` outside any and in KVN.
    pub segment: Option<usize>,
}

/// Whether a text is XML (its first character other than whitespace is `<`).
pub fn is_xml(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').trim_start().starts_with('<')
}

/// Splits KVN text into items. A line that is neither blank, a COMMENT, nor `KEYWORD = value`
/// is reported in `diags` (as a `what` line) and skipped.
pub fn kvn(src: &SourceFile, what: &str, diags: &mut Diagnostics) -> Vec<Item> {
    let text: &str = &src.text;
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\r', '\n']);
        let lead = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        let at = line_start + lead;
        if trimmed.is_empty() {
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("COMMENT")
            && (rest.is_empty() || rest.starts_with(char::is_whitespace))
        {
            let v0 = at + 7 + (rest.len() - rest.trim_start().len());
            out.push(item("COMMENT", at..at + 7, rest.trim(), v0, None, None));
            continue;
        }
        let key_ok = |k: &str| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        };
        let Some(eq) = trimmed.find('=').filter(|&eq| key_ok(trimmed[..eq].trim_end())) else {
            diags.push(
                Diagnostic::error(
                    src,
                    at..at + trimmed.len(),
                    format!("`{trimmed}` is not a `KEYWORD = value` line"),
                )
                .with_help(format!(
                    "{what} KVN lines are `KEYWORD = value [unit]`, COMMENT lines or blank"
                )),
            );
            continue;
        };
        let key = trimmed[..eq].trim_end();
        let after = &trimmed[eq + 1..];
        let v_lead = after.len() - after.trim_start().len();
        let mut value = after.trim();
        let mut unit = None;
        if value.ends_with(']')
            && let Some(b) = value.rfind('[')
        {
            unit = Some(value[b + 1..value.len() - 1].trim().to_string());
            value = value[..b].trim_end();
        }
        out.push(item(key, at..at + key.len(), value, at + eq + 1 + v_lead, unit, None));
    }
    out
}

fn item(
    key: &str,
    key_span: Range<usize>,
    value: &str,
    v0: usize,
    unit: Option<String>,
    segment: Option<usize>,
) -> Item {
    Item {
        key: key.to_string(),
        key_span,
        value: value.to_string(),
        value_span: v0..v0 + value.len().max(1),
        unit,
        segment,
    }
}

/// Splits XML text into the items of its leaf elements (elements holding only text), in document
/// order. Malformed XML is reported in `diags` (as `what` XML) and ends the walk.
pub fn xml(src: &SourceFile, what: &str, diags: &mut Diagnostics) -> Vec<Item> {
    use quick_xml::events::Event as X;
    let mut xr = XmlReader::new(&src.text);
    let text: &str = &src.text;
    let mut out = Vec::new();
    let mut segment: Option<usize> = None;
    // The open element that may be a leaf: its name, where its name starts, where its body starts
    // and its `units`.
    let mut leaf: Option<(String, usize, usize, Option<String>)> = None;
    loop {
        let before = xr.pos();
        match xr.reader.read_event() {
            Err(e) => {
                diags.push(
                    Diagnostic::error(src, xr.error_span(), format!("invalid {what} XML: {e}"))
                        .with_help(format!("the file must be well-formed CCSDS {what} XML")),
                );
                return out;
            }
            Ok(X::Eof) => return out,
            Ok(X::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if name == "segment" {
                    segment = Some(segment.map_or(0, |s| s + 1));
                }
                let units = units_of(&e);
                leaf = Some((name, before + 1, xr.pos(), units));
            }
            Ok(X::Empty(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                let at = xr.pos();
                out.push(item(
                    &name,
                    before + 1..before + 1 + name.len(),
                    "",
                    at.saturating_sub(2),
                    units_of(&e),
                    segment,
                ));
                leaf = None;
            }
            Ok(X::End(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if let Some((open, key_at, body_start, units)) = leaf.take()
                    && open == name
                    && let Some(body) = text.get(body_start..before)
                {
                    let lead = body.len() - body.trim_start().len();
                    let value = body.trim();
                    let value = quick_xml::escape::unescape(value).unwrap_or(std::borrow::Cow::Borrowed(value));
                    out.push(item(
                        &name,
                        key_at..key_at + name.len(),
                        &value,
                        body_start + lead,
                        units,
                        segment,
                    ));
                }
            }
            Ok(_) => {}
        }
    }
}

/// quick-xml over a source text, with positions as byte offsets of that text: quick-xml skips one
/// leading byte-order mark without counting it in its positions (a second one, when `SourceFile`
/// dropped the first), so it is added back.
pub(crate) struct XmlReader<'a> {
    /// The reader (events are read from it directly).
    pub reader: quick_xml::Reader<&'a [u8]>,
    text: &'a str,
    bom: usize,
}

impl<'a> XmlReader<'a> {
    /// A reader of `text`.
    pub fn new(text: &'a str) -> XmlReader<'a> {
        XmlReader {
            reader: quick_xml::Reader::from_str(text),
            text,
            bom: if text.starts_with('\u{feff}') { 3 } else { 0 },
        }
    }

    /// Byte offset in the text of the reader's position.
    pub fn pos(&self) -> usize {
        self.reader.buffer_position() as usize + self.bom
    }

    /// One character at the last error's position (moved back to a character boundary).
    pub fn error_span(&self) -> Range<usize> {
        let mut at = (self.reader.error_position() as usize + self.bom).min(self.text.len().saturating_sub(1));
        while !self.text.is_char_boundary(at) {
            at -= 1;
        }
        at..at + 1
    }
}

fn units_of(e: &quick_xml::events::BytesStart) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == b"units")
        .map(|a| String::from_utf8_lossy(&a.value).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kvn_items_carry_unit_and_positions() {
        let src = SourceFile::new(
            "t.cdm",
            "CCSDS_CDM_VERS = 1.0\n\nCOMMENT HBR = 10 [m]\n  X   = 1.5 [km]\nbad line\n",
        );
        let mut d = Diagnostics::default();
        let items = kvn(&src, "CDM", &mut d);
        assert_eq!(items.len(), 3);
        assert_eq!(
            (items[1].key.as_str(), items[1].value.as_str()),
            ("COMMENT", "HBR = 10 [m]")
        );
        assert_eq!(items[2].key, "X");
        assert_eq!(items[2].value, "1.5");
        assert_eq!(items[2].unit.as_deref(), Some("km"));
        assert_eq!(src.line_col(items[2].value_span.start), (4, 9));
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].location().unwrap(), "t.cdm:5:1");
    }

    #[test]
    fn xml_items_know_their_segment_and_units() {
        let text = "<cdm><header><MESSAGE_ID>a&amp;b</MESSAGE_ID></header><body><segment><data>\n<X units=\"km\"> 7.0 </X></data></segment><segment><X>8</X></segment></body></cdm>";
        let src = SourceFile::new("t.xml", text);
        let mut d = Diagnostics::default();
        let items = xml(&src, "CDM", &mut d);
        assert!(d.0.is_empty());
        assert_eq!(items.len(), 3);
        assert_eq!((items[0].value.as_str(), items[0].segment), ("a&b", None));
        assert_eq!(
            (items[1].value.as_str(), items[1].unit.as_deref(), items[1].segment),
            ("7.0", Some("km"), Some(0))
        );
        assert_eq!(src.line_col(items[1].value_span.start), (2, 16));
        assert_eq!(src.line_col(items[1].key_span.start), (2, 2));
        assert_eq!(items[2].segment, Some(1));
        let bad = SourceFile::new("b.xml", "<cdm><X>1</Y></cdm>");
        xml(&bad, "CDM", &mut d);
        assert_eq!(d.0.len(), 1);
        assert!(d.0[0].message.starts_with("invalid CDM XML"), "{}", d.0[0].message);
    }
}
