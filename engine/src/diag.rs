//! Diagnostics: problems in a scenario or its input files, each with a source position.
//!
//! The engine never prints; it returns [`Diagnostics`] and the CLI renders them.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::limits::MAX_ECHO_CHARS;

/// One input text (the scenario or a catalog file) that diagnostics can point into.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user should see it (relative to where they ran the command when possible).
    pub name: String,
    /// The full text.
    pub text: Arc<str>,
    /// Byte offsets of line starts, built on first use and shared by clones.
    line_starts: Arc<OnceLock<Vec<usize>>>,
}

impl SourceFile {
    /// Wraps a text under a display name. A leading UTF-8 byte-order mark is dropped (editors do
    /// not show it, so positions count from the character after it).
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => Arc::from(rest),
            None => text,
        };
        SourceFile {
            name: name.into(),
            text,
            line_starts: Arc::default(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset);
        let line_start = starts[line - 1];
        let col = self.text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// Byte offset of a 1-based line and column (in characters); the end when past it. Uses the
    /// line index, so it costs the length of that line, not of the file.
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts().get(line.max(1) - 1) else {
            return self.text.len();
        };
        byte_offset(&self.text[start..], 1, col) + start
    }
}

/// Byte offset of a 1-based line and column (in characters) in `text`; the end when past it.
pub(crate) fn byte_offset(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + l.char_indices().nth(col.saturating_sub(1)).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    text.len()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A user value for a message: at most [`MAX_ECHO_CHARS`] characters; a longer one is cut and its
/// size in bytes given.
pub fn clip(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(MAX_ECHO_CHARS) {
        None => Cow::Borrowed(s),
        Some((i, _)) => Cow::Owned(format!("{}… ({} bytes)", &s[..i], s.len())),
    }
}

/// Cuts every value quoted with backticks or double quotes in a message to [`MAX_ECHO_CHARS`]
/// (see [`clip`]), then the whole message to [`MAX_MESSAGE_CHARS`], so that no input, however
/// long, is echoed in full.
pub fn clip_quoted(message: String) -> String {
    if message.len() <= MAX_ECHO_CHARS {
        return message;
    }
    let mut out = message;
    for q in ['`', '"'] {
        if out.split(q).skip(1).step_by(2).any(|v| v.len() > MAX_ECHO_CHARS) {
            let parts: Vec<String> = out
                .split(q)
                .enumerate()
                .map(|(i, p)| {
                    if i % 2 == 1 {
                        clip(p).into_owned()
                    } else {
                        p.to_string()
                    }
                })
                .collect();
            out = parts.join(&q.to_string());
        }
    }
    clip_to(out, MAX_MESSAGE_CHARS)
}

fn clip_to(s: String, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        None => s,
        Some((i, _)) => format!("{}… ({} bytes)", &s[..i], s.len()),
    }
}

/// Longest message, characters, after quoted values are cut.
const MAX_MESSAGE_CHARS: usize = 1_000;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The scenario can still run; the user should know.
    Warning,
    /// The scenario cannot run.
    Error,
}

/// A problem at a position in a source file.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file the problem is in; `None` for problems that belong to no file (e.g. a command-line flag).
    pub source: Option<SourceFile>,
    /// Byte range in `source`.
    pub span: std::ops::Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span` in `source`. Long quoted values in the message are cut (see [`clip_quoted`]).
    pub fn error(source: &SourceFile, span: std::ops::Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            source: Some(source.clone()),
            span,
            message: clip_quoted(message.into()),
            help: None,
        }
    }

    /// A warning at `span` in `source`.
    pub fn warning(source: &SourceFile, span: std::ops::Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(source, span, message)
        }
    }

    /// Adds the fix.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(clip_quoted(help.into()));
        self
    }

    /// `file:line:col` of the start of the span, or `None` for a global diagnostic.
    pub fn location(&self) -> Option<String> {
        self.source.as_ref().map(|s| {
            let (l, c) = s.line_col(self.span.start);
            format!("{}:{}:{}", s.name, l, c)
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.location() {
            Some(loc) => write!(f, "{loc}: {sev}: {}", self.message)?,
            None => write!(f, "{sev}: {}", self.message)?,
        }
        if let Some(h) = &self.help {
            write!(f, " (help: {h})")?;
        }
        Ok(())
    }
}

/// Every problem found in a scenario, in the order of the files and positions they point at.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// True when at least one is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// Errors first, then warnings; within each, stable by file and position.
    pub fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| {
                    let an = a.source.as_ref().map(|s| s.name.as_str());
                    let bn = b.source.as_ref().map(|s| s.name.as_str());
                    an.cmp(&bn)
                })
                .then(a.span.start.cmp(&b.span.start))
        });
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn offset_of_uses_the_line_index_and_agrees_with_a_scan() {
        let f = SourceFile::new("x", "ab\ncdé\n\nlast");
        for (line, col) in [
            (1, 1),
            (1, 3),
            (2, 3),
            (2, 4),
            (2, 9),
            (3, 1),
            (4, 2),
            (4, 9),
            (5, 1),
            (99, 1),
        ] {
            assert_eq!(f.offset_of(line, col), byte_offset(&f.text, line, col), "{line}:{col}");
        }
    }

    #[test]
    fn long_quoted_values_are_cut_with_their_size() {
        let long = "z".repeat(200);
        let m = clip_quoted(format!("id `{long}` and \"{long}\" are bad"));
        let cut = format!("{}… (200 bytes)", "z".repeat(MAX_ECHO_CHARS));
        assert_eq!(m, format!("id `{cut}` and \"{cut}\" are bad"));
        assert_eq!(clip_quoted("short `x`".into()), "short `x`");
    }
}
