//! Prints diagnostics with their source snippet (miette), errors first.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError, MietteSpanContents, Report,
    SourceCode, SourceSpan, SpanContents,
};
use sentinel_engine::{Diagnostic, Diagnostics, Severity, SourceFile};
use std::io::IsTerminal;

/// Renders every diagnostic to stderr, then a count line.
pub fn diagnostics(d: &Diagnostics) {
    let theme = if std::io::stderr().is_terminal() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1);
    for diag in &d.0 {
        let mut out = String::new();
        let report = to_report(diag);
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out = format!("{diag}\n");
        }
        eprint!("{out}");
    }
    let errors = d.error_count();
    let warnings = d.0.len() - errors;
    if errors > 0 {
        eprintln!("{errors} error(s), {warnings} warning(s)");
    }
}

fn to_report(d: &Diagnostic) -> Report {
    let severity = match d.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    };
    // The location leads the message so that it reads as `file:line:col` in any log.
    let message = match d.location() {
        Some(loc) => format!("{loc}: {}", d.message),
        None => d.message.clone(),
    };
    let mut m = MietteDiagnostic::new(message).with_severity(severity);
    if let Some(h) = &d.help {
        m = m.with_help(h.clone());
    }
    match &d.source {
        Some(src) => {
            let window = Window::around(src, d.span.clone());
            m = m.with_label(LabeledSpan::at(window.label.clone(), "here"));
            Report::new(m).with_source_code(window)
        }
        None => Report::new(m),
    }
}

/// Bytes of context kept either side of a diagnostic's span.
const WINDOW_BYTES: usize = 200;

/// The part of a source file a diagnostic shows: its span, cut to [`WINDOW_BYTES`], and at most
/// the line either side, each cut to [`WINDOW_BYTES`] around it, with the real line numbers.
/// Rendering one diagnostic thus costs what its window does, not the whole file (40,000
/// diagnostics of one large file used to take minutes), and a 10 MiB line is never echoed.
struct Window {
    name: String,
    /// The window's text.
    text: String,
    /// Byte offset of `text` in the file.
    offset: usize,
    /// 0-based line and column of the window's start in the file.
    line: usize,
    column: usize,
    /// The span to label, in file offsets (within the window).
    label: std::ops::Range<usize>,
}

impl Window {
    fn around(src: &SourceFile, span: std::ops::Range<usize>) -> Window {
        let text = &src.text;
        let len = text.len();
        // At least one character where there is one, never past the end of the text.
        let start = floor(text, span.start.min(len));
        let end = span.end.clamp(start, len).max((start + 1).min(len));
        let end = ceil(text, end.min(start + WINDOW_BYTES));
        let (line, _) = src.line_col(start);
        let line_start = |l: usize| if l == 0 { 0 } else { src.offset_of(l, 1) };
        let from = floor(
            text,
            line_start(line.saturating_sub(1)).max(start.saturating_sub(WINDOW_BYTES)),
        );
        let to = ceil(text, line_start(line + 2).min(len).min(end + WINDOW_BYTES).max(end));
        let (l, c) = src.line_col(from);
        Window {
            name: src.name.clone(),
            text: text[from..to].to_string(),
            offset: from,
            line: l - 1,
            column: c - 1,
            label: start..end,
        }
    }
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let local_start = span.offset().saturating_sub(self.offset).min(self.text.len());
        let local_len = span.len().min(self.text.len() - local_start);
        let inner = self
            .text
            .read_span(&SourceSpan::new(local_start.into(), local_len), before, after)?;
        let column = if inner.line() == 0 {
            inner.column() + self.column
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new((inner.span().offset() + self.offset).into(), inner.span().len()),
            inner.line() + self.line,
            column,
            inner.line_count(),
        )))
    }
}

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}
