//! Prints diagnostics with their source snippet (miette), errors first.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report};
use sentinel_engine::{Diagnostic, Diagnostics, Severity};
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
            // At least one character where there is one, never past the end of the text.
            let start = d.span.start.min(src.text.len());
            let end = d
                .span
                .end
                .clamp(start, src.text.len())
                .max((start + 1).min(src.text.len()));
            m = m.with_label(LabeledSpan::at(start..end, "here"));
            Report::new(m).with_source_code(NamedSource::new(src.name.clone(), src.text.to_string()))
        }
        None => Report::new(m),
    }
}
