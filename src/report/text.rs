//! Readable diagnostics: miette's graphical rendering with the flagged code, its labels, the
//! help line and whether a fix exists.
//!
//! This is the only place that turns a `Finding` into a `miette::Diagnostic`. Without colour the
//! output has no ANSI codes, no hyperlinks and no URLs, so snapshots are the same everywhere.

use super::{Criterion, ReportInput};
use crate::diagnostic::{Applicability, Finding, Label, Severity, Span};
use crate::source::SourceFile;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SpanContents,
};
use std::fmt::{self, Write as _};

/// Narrower than this and every word gets a line of its own (`COLUMNS=0` is not unusual in CI).
const MIN_WIDTH: usize = 40;

pub fn render(input: &ReportInput<'_>) -> String {
    let theme = if input.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(input.width.max(MIN_WIDTH)).with_links(false);
    // Links off still prints the docs URL as text next to the code; leave it out without colour
    // (snapshots, logs) so the output does not change with the repository URL.
    let handler = if input.color { handler } else { handler.with_urls(false) };
    let mut findings_per_file: crate::hash::HashMap<&std::path::Path, usize> = crate::hash::HashMap::default();
    for finding in input.findings {
        *findings_per_file.entry(finding.path.as_path()).or_default() += 1;
    }
    let rendered = super::by_file(input.findings, input.sources, |run, file| {
        run.iter()
            .map(|finding| {
                let graphical = file.source.and_then(|source| {
                    // Handing miette the whole file costs its size per finding: only while that
                    // stays small.
                    let whole_file = source.text.len().saturating_mul(findings_per_file[finding.path.as_path()])
                        <= WHOLE_FILE_BUDGET;
                    render_graphical(&handler, finding, source, input.color, whole_file)
                });
                let mut text = graphical.unwrap_or_else(|| render_plain(finding));
                push_fix_and_detail(&mut text, finding);
                text
            })
            .collect()
    });
    let mut out = rendered.join("\n");
    if let Some(criteria) = input.criteria {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&criteria_table(criteria, input.color));
    }
    out
}

/// The closing per-rule table of text output: one row per rule and severity, errors first, then
/// the most frequent; nothing when there are no findings.
pub fn rule_summary(findings: &[Finding]) -> String {
    let rows = super::counts_by_rule_and_severity(findings);
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nFindings by rule:\n");
    for (rule, severity, count) in rows {
        let _ = writeln!(out, "  {:<7}  {count:>5}  {rule}", severity.as_str());
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
    whole_file: bool,
) -> Option<String> {
    let span = finding.span?;
    let diagnostic = FindingDiagnostic::new(finding, source, span, color, whole_file);
    let mut text = String::new();
    handler.render_report(&mut text, &diagnostic).ok()?;
    for far in &diagnostic.far_labels {
        let _ = writeln!(text, "  note: {far}");
    }
    Some(text)
}

/// One line for findings without source text (gate steps, unreadable files).
fn render_plain(finding: &Finding) -> String {
    let mut text = format!(
        "{}[{}]: {}:{}:{}: {}\n",
        finding.severity,
        finding.rule,
        shown_path(&finding.path),
        finding.start.line,
        finding.start.column,
        escape_controls(&finding.message)
    );
    if let Some(help) = &finding.help {
        let _ = writeln!(text, "  help: {help}");
    }
    text
}

/// A path as the terminal should see it: control characters in a file name (an escape sequence,
/// a newline) are written as escapes, never sent raw.
fn shown_path(path: &std::path::Path) -> String {
    escape_controls(&path.to_string_lossy())
}

fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() && (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
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
    source: Excerpt,
    labels: Vec<LabeledSpan>,
    /// Labels too far from the finding to share its snippet, as `path:line:col: message`.
    far_labels: Vec<String>,
    url: Option<String>,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(
        finding: &'a Finding,
        source: &SourceFile,
        span: Span,
        color: bool,
        whole_file: bool,
    ) -> FindingDiagnostic<'a> {
        let text: &str = &source.text;
        let (primary, through_line) = first_line_of_long_span(source, clamp_span(text, span));
        // miette may show every line between a label and the finding: a label far from it is a
        // note line below the snippet instead.
        let primary_line = source.line_index(primary.start);
        let is_near = |span: Span| source.line_index(span.start).abs_diff(primary_line) <= FAR_LABEL_LINES;
        let (near, far): (Vec<&Label>, Vec<&Label>) =
            finding.labels.iter().partition(|label| is_near(clamp_span(text, label.span)));
        let far_labels = far
            .iter()
            .map(|label| {
                let position = source.position(clamp_span(text, label.span).start);
                let path = shown_path(&finding.path);
                format!("{path}:{}:{}: {}", position.line, position.column, escape_controls(&label.message))
            })
            .collect();
        let label_spans: Vec<Span> = near.iter().map(|label| clamp_span(text, label.span)).collect();
        let excerpt = Excerpt::around(source, shown_path(&finding.path), primary, &label_spans, whole_file);
        // The primary span carries no text (the message is already the diagnostic's title), except
        // where it was cut to its first line.
        let primary_text = through_line.map(|line| format!("through line {line}"));
        let mut labels = vec![LabeledSpan::new_primary_with_span(primary_text, excerpt.span(primary))];
        labels.extend(
            near.iter()
                .zip(&label_spans)
                .filter(|(_, span)| excerpt.contains(**span))
                .map(|(label, span)| LabeledSpan::new_with_span(Some(label.message.clone()), excerpt.span(*span))),
        );
        let url =
            color.then(|| crate::engine::registry::find_rule(&finding.rule).map(|rule| rule.docs_url())).flatten();
        FindingDiagnostic { finding, source: excerpt, labels, far_labels, url }
    }
}

/// A primary span over more lines than this is shown by its first line, marked with the line it
/// runs through: a thirty-line `go func() { ... }()` underlined whole repeats the function per
/// finding. Labels inside it are still shown where they point. JSON and SARIF keep the span.
const LONG_SPAN_LINES: usize = 3;

/// A label more lines than this away from the finding is listed as a note under the snippet.
const FAR_LABEL_LINES: usize = 8;

/// `span`, cut to the end of its first line when it covers more than [`LONG_SPAN_LINES`]
/// lines, and then the (1-based) line it ran through.
fn first_line_of_long_span(source: &SourceFile, span: Span) -> (Span, Option<usize>) {
    let first = source.line_index(span.start);
    let last = source.line_index(span.end.saturating_sub(1).max(span.start));
    if last - first < LONG_SPAN_LINES {
        return (span, None);
    }
    let end = source.line_end(first).clamp(span.start, span.end);
    (Span::new(span.start, end), Some(last + 1))
}

/// A line longer than this is clipped around the span, and never shown as a context line; code
/// people write stays whole.
const LONG_LINE: usize = 1000;
/// Bytes of a long line shown on each side of a span; the rest of the line is clipped ("…").
const CLIP_AROUND: usize = 160;
/// The most source text handed to miette for one finding (miette's widths must fit in a u16, and
/// a huge span would make every finding's rendering as long as the file).
const MAX_EXCERPT: usize = 8 << 10;
/// Lines miette shows before and after a span (its default).
const CONTEXT_LINES: usize = 1;
const ELLIPSIS: &str = "…";
/// A file is handed to miette whole (when the finding's lines are not long) while its size times
/// its number of findings stays under this: miette then lays out far-apart labels exactly as it
/// always has, and the per-finding copy and scan of the file stay cheap. Past it (a big file with
/// many findings, which the pipeline fuzzer grows), each finding gets its excerpt: linear.
const WHOLE_FILE_BUDGET: usize = 4 << 20;

/// The few lines around a finding that miette renders, instead of the whole file: miette finds
/// a span's line by scanning from the start of its source, so the whole file made each finding
/// cost the file's size (quadratic on a big generated file), and a megabyte-long line overflowed
/// its formatting widths. Lines keep their numbers; a long line is clipped around the span.
struct Excerpt {
    name: String,
    text: String,
    /// Where the excerpt starts in the file, and how many bytes of marker precede it.
    start: usize,
    end: usize,
    prefix: usize,
    /// 0-based line of the excerpt's first line, and the byte column of its first byte.
    first_line: usize,
    first_column: usize,
    /// Report miette the line count as the whole file would (counted from the file's start).
    absolute_line_count: bool,
}

impl Excerpt {
    fn around(source: &SourceFile, name: String, primary: Span, labels: &[Span], whole_file: bool) -> Excerpt {
        let text: &str = &source.text;
        // Labels join the excerpt when they are close; far ones are left out.
        let mut low = primary.start;
        let mut high = primary.end;
        for label in labels {
            if label.start.min(low) + MAX_EXCERPT >= label.end.max(high) {
                low = low.min(label.start);
                high = high.max(label.end);
            }
        }
        high = floor_boundary(text, high.min(low + MAX_EXCERPT));
        let first = source.line_index(low);
        let last = source.line_index(high);
        let line_length = |line: usize| source.line_end(line) - source.line_start(line);
        if whole_file && line_length(first) <= LONG_LINE && line_length(last) <= LONG_LINE {
            #[cfg(test)]
            if tests::WHOLE_TEXT.get() {
                let text = text.to_string();
                let end = text.len();
                return Excerpt {
                    name,
                    text,
                    start: 0,
                    end,
                    prefix: 0,
                    first_line: 0,
                    first_column: 0,
                    absolute_line_count: false,
                };
            }
            // miette reads only the labels' lines and one line around them, so the whole lines
            // from the first label's line before to the last one's line after render as the
            // whole file does, with its absolute line count (which decides how miette merges
            // labels' snippets) — without scanning the file from its start for each label.
            let low = labels.iter().map(|label| label.start).fold(primary.start, usize::min);
            let high = labels.iter().map(|label| label.end).fold(primary.end, usize::max);
            let context_line = source.line_index(low).saturating_sub(CONTEXT_LINES);
            // miette also breaks lines at a lone `\r`, which our line table does not: with one
            // before the excerpt, its line numbers would differ from the whole file's.
            let (start, first_line) = match source.line_start(context_line) {
                start if text[..start].contains('\r') => (0, 0),
                start => (start, context_line),
            };
            // miette reads to the end of the line after a span's last byte, or of the second
            // line after when that byte ends its line: one line more than the context.
            let after = source.line_index(high) + CONTEXT_LINES + 2;
            let end = if after < source.line_count() { source.line_start(after) } else { text.len() };
            return Excerpt {
                name,
                text: text[start..end].to_string(),
                start,
                end,
                prefix: 0,
                first_line,
                first_column: 0,
                absolute_line_count: true,
            };
        }

        let mut start = source.line_start(first);
        let clipped_left = line_length(first) > LONG_LINE && low - start > CLIP_AROUND;
        if clipped_left {
            start = ceil_boundary(text, low - CLIP_AROUND);
        } else {
            let mut line = first;
            while line > 0 && first - line < CONTEXT_LINES && line_length(line - 1) <= LONG_LINE {
                line -= 1;
            }
            start = source.line_start(line);
        }
        let mut end = source.line_end(last);
        let clipped_right = line_length(last) > LONG_LINE && end.saturating_sub(high) > CLIP_AROUND;
        if clipped_right {
            end = floor_boundary(text, high + CLIP_AROUND);
        } else {
            let mut line = last;
            while line + 1 < source.line_count() && line - last < CONTEXT_LINES && line_length(line + 1) <= LONG_LINE {
                line += 1;
            }
            // With its line ending, so an empty context line still counts as a line for miette.
            end = if line > last { source.line_start(line + 1).min(text.len()) } else { source.line_end(line) };
        }
        let first_line = source.line_index(start);
        let prefix = if clipped_left { ELLIPSIS } else { "" };
        let suffix = if clipped_right { ELLIPSIS } else { "" };
        Excerpt {
            name,
            text: format!("{prefix}{}{suffix}", &text[start..end]),
            start,
            end,
            prefix: prefix.len(),
            first_line,
            first_column: start - source.line_start(first_line),
            absolute_line_count: false,
        }
    }

    fn contains(&self, span: Span) -> bool {
        span.start >= self.start && span.end <= self.end
    }

    /// A file span as a span of the excerpt (clipped to it).
    fn span(&self, span: Span) -> miette::SourceSpan {
        let start = span.start.clamp(self.start, self.end);
        let end = span.end.clamp(start, self.end);
        miette::SourceSpan::new((start - self.start + self.prefix).into(), end - start)
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.as_str().read_span(span, context_lines_before, context_lines_after)?;
        // Columns on the first line count from the file's line start, not the clipped text's.
        let column = if inner.line() == 0 {
            (inner.column() + self.first_column).saturating_sub(self.prefix)
        } else {
            inner.column()
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            if self.absolute_line_count { inner.line_count() + self.first_line } else { inner.line_count() },
        )))
    }
}

fn floor_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// A byte span clamped to the text and to character boundaries, so miette never slices inside
/// a character or past the end.
fn clamp_span(text: &str, span: Span) -> Span {
    let start = floor_boundary(text, span.start);
    let end = floor_boundary(text, span.end).max(start);
    Span::new(start, end)
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FindingDiagnostic").field("rule", &self.finding.rule).finish()
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_controls(&self.finding.message))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Fix, Label, Position};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    thread_local! {
        /// Hand miette the whole file, as the text report did before it cut the lines out.
        pub(super) static WHOLE_TEXT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// The lines cut out for miette render exactly as the whole file did: findings with one to
    /// three labels at positions spread over fixture files, with `\n`, `\r\n` and lone `\r`
    /// line ends, at two widths.
    #[test]
    fn the_lines_around_the_labels_render_as_the_whole_file_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        const STEPS: usize = 120;
        let mut compared = 0;
        for rule in ["error-compare", "goroutine-no-exit", "lock-across-io", "unchecked-error"] {
            let text = std::fs::read_to_string(root.join(rule).join("fixtures/bad.go")).expect("fixture");
            let lone_cr_late: String = text
                .char_indices()
                .map(|(at, c)| if c == '\n' && at > text.len() / 2 && at % 3 == 0 { '\r' } else { c })
                .collect();
            let variants = [text.clone(), text.replace('\n', "\r\n"), text.replacen('\n', "\r", 3), lone_cr_late];
            for variant in variants {
                let source = SourceFile::new(PathBuf::from("a.go"), PathBuf::from("a.go"), variant.as_str());
                let len = source.text.len();
                let at = |step: usize, salt: usize| floor_boundary(&source.text, (step * 7919 + salt * 104_729) % len);
                for step in 0..STEPS {
                    let start = at(step, 0);
                    // Some spans end on a line's end or at the next line's start.
                    let end = match step % 3 {
                        0 => source.line_start(source.line_index(start) + 1).min(len),
                        1 => source.line_end(source.line_index(start)),
                        _ => floor_boundary(&source.text, start + step % 50),
                    };
                    let span = Span::new(start, end.max(start));
                    let mut finding = finding(span, &source);
                    finding.labels = (1..=step % 4)
                        .map(|salt| {
                            let near = floor_boundary(&source.text, (start + salt * 37 * step) % len);
                            let far = at(step, salt);
                            let begin = if salt % 2 == 0 { near } else { far };
                            Label {
                                span: Span::new(begin, floor_boundary(&source.text, begin + 5)),
                                message: format!("label {salt}"),
                            }
                        })
                        .collect();
                    for width in [60, 120] {
                        let cut = render_with(std::slice::from_ref(&finding), &source, width);
                        WHOLE_TEXT.set(true);
                        let whole = render_with(std::slice::from_ref(&finding), &source, width);
                        WHOLE_TEXT.set(false);
                        assert_eq!(cut, whole, "{rule}, step {step}, width {width}");
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 4 * 4 * STEPS * 2);
    }

    fn render_with(findings: &[Finding], source: &SourceFile, width: usize) -> String {
        let sources = BTreeMap::from([(source.display_path.clone(), source.clone())]);
        render(&ReportInput {
            findings,
            sources: &sources,
            rules: &[],
            files_checked: 1,
            criteria: None,
            path_prefix: None,
            color: false,
            width,
        })
    }

    fn finding(span: Span, source: &SourceFile) -> Finding {
        let (start, end) = source.span_positions(span);
        Finding {
            rule: "signal-unbuffered".into(),
            severity: Severity::Warning,
            path: source.display_path.clone(),
            span: Some(span),
            start,
            end,
            labels: vec![Label { span: Span::new(0, 7), message: "the package".into() }],
            message: "something is wrong".into(),
            help: Some("do the right thing".into()),
            fix: Some(Fix::unsafe_edits(Vec::new())),
            detail: Some("line one\n\nline three\n".into()),
        }
    }

    #[test]
    fn odd_widths_and_spans_do_not_panic() {
        let source = SourceFile::new(PathBuf::from("a.go"), PathBuf::from("a.go"), "package a\n\nvar s = \"é😀\"\n");
        let emoji = source.text.find('😀').unwrap_or(0);
        let spans = [Span::new(0, 7), Span::new(emoji + 1, emoji + 2), Span::new(5, 500), Span::new(400, 500)];
        for span in spans {
            for width in [0, 1, 20, 100] {
                let text = render_with(&[finding(span, &source)], &source, width);
                assert!(text.contains("something"), "{text}");
            }
        }
    }

    /// A span over many lines is shown once, by its first line, not underlined line by line;
    /// a label inside it is still shown.
    #[test]
    fn a_long_span_is_shown_by_its_first_line() {
        let body: String = (0..30).map(|i| format!("\t\tstep{i}()\n")).collect();
        let text = format!("package a\n\nfunc f() {{\n\tgo func() {{\n{body}\t}}()\n}}\n");
        let source = SourceFile::new(PathBuf::from("a.go"), PathBuf::from("a.go"), text.as_str());
        let start = source.text.find("go func").unwrap();
        let end = source.text.find("}()").unwrap() + 3;
        let inner = source.text.find("step15").unwrap();
        let mut long = finding(Span::new(start, end), &source);
        // `finding` labels `package` (three lines up: in the snippet); this one is 16 lines down.
        long.labels.push(Label { span: Span::new(inner, inner + 6), message: "this step".into() });
        let rendered = render_with(&[long], &source, 100);
        assert!(rendered.contains("through line 35"), "{rendered}");
        assert!(rendered.contains("╰── the package"), "{rendered}");
        // The far label is a note of its own; the lines up to it are not shown.
        assert!(rendered.contains("  note: a.go:20:3: this step\n"), "{rendered}");
        assert!(!rendered.contains("step5()"), "{rendered}");
        // A short span is shown as it was, without the mark.
        let short = finding(Span::new(start, start + 2), &source);
        assert!(!render_with(&[short], &source, 100).contains("through line"));
    }

    #[test]
    fn fix_marker_detail_and_plain_fallback() {
        let source = SourceFile::new(PathBuf::from("a.go"), PathBuf::from("a.go"), "package a\n");
        let mut plain = finding(Span::new(0, 7), &source);
        plain.span = None;
        plain.start = Position { line: 3, column: 4, utf16_column: 4 };
        let text = render_with(&[plain], &source, 100);
        assert_eq!(
            text,
            "warning[signal-unbuffered]: a.go:3:4: something is wrong\n  help: do the right thing\n  \
             [*] fix available (unsafe): apply with --fix --unsafe-fixes\n    line one\n\n    line three\n"
        );
    }

    #[test]
    fn rule_summary_lists_each_rule_and_severity_errors_first() {
        let source = SourceFile::new(PathBuf::from("a.go"), PathBuf::from("a.go"), "package a\n");
        let base = finding(Span::new(0, 7), &source);
        let with = |rule: &str, severity| Finding { rule: rule.into(), severity, ..base.clone() };
        let findings = [
            with("unchecked-error", Severity::Info),
            with("unchecked-error", Severity::Error),
            with("lock-across-io", Severity::Warning),
            with("unchecked-error", Severity::Info),
            with("goroutine-no-exit", Severity::Error),
        ];
        assert_eq!(
            rule_summary(&findings),
            "\nFindings by rule:\n  error        1  goroutine-no-exit\n  error        1  unchecked-error\n  \
             warning      1  lock-across-io\n  info         2  unchecked-error\n"
        );
        assert_eq!(rule_summary(&[]), "");
    }
}
