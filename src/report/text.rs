//! Readable diagnostics: miette's graphical rendering with the flagged code, its labels, the
//! help line and whether a fix exists.
//!
//! This is the only place that turns a `Finding` into a `miette::Diagnostic`. Without colour the
//! output has no ANSI codes, no hyperlinks and no URLs, so snapshots are the same everywhere.

use super::{Criterion, ReportInput};
use crate::diagnostic::{Applicability, Finding, Severity, Span};
use crate::source::SourceFile;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use std::fmt::{self, Write as _};
use std::sync::Arc;

pub fn render(input: &ReportInput<'_>) -> String {
    let theme = if input.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(input.width).with_links(false);
    // Links off still prints the docs URL as text next to the code; leave it out without colour
    // (snapshots, logs) so the output does not change with the repository URL.
    let handler = if input.color { handler } else { handler.with_urls(false) };
    let mut out = String::new();
    for (index, finding) in input.findings.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let rendered = input
            .sources
            .get(&finding.path)
            .and_then(|source| render_graphical(&handler, finding, source, input.color));
        match rendered {
            Some(text) => out.push_str(&text),
            None => out.push_str(&render_plain(finding)),
        }
        push_fix_and_detail(&mut out, finding);
    }
    if let Some(criteria) = input.criteria {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&criteria_table(criteria, input.color));
    }
    out
}

/// The miette rendering of a finding with a span in `source`, or `None` when it has no span or
/// miette cannot render it (the caller falls back to one line).
fn render_graphical(
    handler: &GraphicalReportHandler,
    finding: &Finding,
    source: &SourceFile,
    color: bool,
) -> Option<String> {
    let span = finding.span?;
    let diagnostic = FindingDiagnostic::new(finding, source, span, color);
    let mut text = String::new();
    handler.render_report(&mut text, &diagnostic).ok()?;
    Some(text)
}

/// One line for findings without source text (gate steps, unreadable files).
fn render_plain(finding: &Finding) -> String {
    let mut text = format!(
        "{}[{}]: {}:{}:{}: {}\n",
        finding.severity,
        finding.rule,
        finding.path.to_string_lossy(),
        finding.start.line,
        finding.start.column,
        finding.message
    );
    if let Some(help) = &finding.help {
        let _ = writeln!(text, "  help: {help}");
    }
    text
}

/// Ruff-style fix marker, then the finding's extra text (test output, race stacks), indented.
fn push_fix_and_detail(out: &mut String, finding: &Finding) {
    if let Some(fix) = &finding.fix {
        let line = match fix.applicability {
            Applicability::Safe => "  [*] fix available (safe): apply with --fix",
            Applicability::Unsafe => "  [*] fix available (unsafe): apply with --fix --unsafe-fixes",
            Applicability::DisplayOnly => "  suggested fix (display only): never applied automatically",
        };
        out.push_str(line);
        out.push('\n');
    }
    if let Some(detail) = &finding.detail {
        for line in detail.trim_end().lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
}

fn criteria_table(criteria: &[Criterion], color: bool) -> String {
    let rows: Vec<[&str; 3]> = criteria.iter().map(|c| [c.name.as_str(), c.result(), c.figure.as_str()]).collect();
    let header = ["criterion", "result", "figure"];
    let name_width = rows.iter().map(|row| row[0].chars().count()).chain([header[0].len()]).max().unwrap_or(0);
    let result_width = "SKIPPED".len();
    let mut out = String::from("Criteria:\n");
    let _ = writeln!(out, "  {:name_width$}  {:result_width$}  {}", header[0], header[1], header[2]);
    for [name, result, figure] in rows {
        let shown = if color {
            let code = match result {
                "PASS" => "32",
                "FAIL" => "31",
                _ => "33",
            };
            format!("\u{1b}[{code}m{result:result_width$}\u{1b}[0m")
        } else {
            format!("{result:result_width$}")
        };
        let _ = writeln!(out, "  {name:name_width$}  {shown}  {figure}");
    }
    out
}

/// A finding seen through miette's eyes.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    source: NamedSource<Arc<str>>,
    labels: Vec<LabeledSpan>,
    url: Option<String>,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(finding: &'a Finding, source: &SourceFile, span: Span, color: bool) -> FindingDiagnostic<'a> {
        let text: &str = &source.text;
        // The primary span carries no text: the message is already the diagnostic's title.
        let mut labels = vec![LabeledSpan::new_primary_with_span(None, miette_span(text, span))];
        labels.extend(
            finding
                .labels
                .iter()
                .map(|label| LabeledSpan::new_with_span(Some(label.message.clone()), miette_span(text, label.span))),
        );
        let url =
            color.then(|| crate::engine::registry::find_rule(&finding.rule).map(|rule| rule.docs_url())).flatten();
        FindingDiagnostic {
            finding,
            source: NamedSource::new(finding.path.to_string_lossy(), Arc::clone(&source.text)),
            labels,
            url,
        }
    }
}

/// A byte span clamped to the text and to character boundaries, so miette never slices inside
/// a character or past the end.
fn miette_span(text: &str, span: Span) -> miette::SourceSpan {
    let clamp = |mut offset: usize| {
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = clamp(span.start);
    let end = clamp(span.end).max(start);
    miette::SourceSpan::new(start.into(), end - start)
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic").field("rule", &self.finding.rule).finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding.help.as_ref().map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url.as_ref().map(|url| Box::new(url) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}
