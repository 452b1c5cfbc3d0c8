//! GitHub Actions workflow commands (`::error file=…,line=…::message`), one per finding.
//!
//! GitHub shows only the first few annotations of each kind per step, so errors come first, then
//! warnings, then notices (info); within a kind concurrency findings come first, and otherwise
//! the findings keep their sorted order.

use super::{ReportInput, leading_first, repo_path};
use crate::diagnostic::{Finding, Severity};
use std::fmt::Write as _;

/// Annotation text is cut at about 4 KB by the runner; stay under it with room for the escapes.
const MAX_MESSAGE_BYTES: usize = 3500;

pub fn render(input: &ReportInput<'_>) -> String {
    let mut out = String::new();
    for finding in leading_first(input.findings) {
        out.push_str(&annotation(finding, input));
        out.push('\n');
    }
    if let Some(criteria) = input.criteria {
        // Failed criteria become error annotations (some, like a package that did not build,
        // have no finding of their own); every criterion is also a plain line in the log.
        for criterion in criteria {
            if !criterion.passed && !criterion.skipped {
                let title = escape_property(&format!("golint-guard gate: {}", criterion.name));
                let message = escape_data(&format!("{} failed: {}", criterion.name, criterion.figure));
                let _ = writeln!(out, "::error title={title}::{message}");
            }
        }
        for criterion in criteria {
            let _ = writeln!(
                out,
                "golint-guard gate: {:<9} {:<7} {}",
                criterion.name,
                criterion.result(),
                criterion.figure
            );
        }
    }
    out
}

fn annotation(finding: &Finding, input: &ReportInput<'_>) -> String {
    let command = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let start_line = finding.start.line.max(1);
    let end_line = finding.end.line.max(start_line);
    let mut properties = vec![
        ("file", repo_path(input.path_prefix.as_deref(), &finding.path)),
        ("line", start_line.to_string()),
        ("endLine", end_line.to_string()),
    ];
    // The runner rejects columns on an annotation that spans several lines.
    if end_line == start_line {
        let column = finding.start.utf16_column.max(1);
        properties.push(("col", column.to_string()));
        if finding.end != finding.start {
            properties.push(("endColumn", finding.end.utf16_column.max(column).to_string()));
        }
    }
    properties.push(("title", format!("golint-guard({})", finding.rule)));

    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    if let Some(detail) = &finding.detail {
        let _ = write!(message, "\n\n{}", detail.trim_end());
    }
    truncate(&mut message, MAX_MESSAGE_BYTES);

    let properties: Vec<String> =
        properties.iter().map(|(key, value)| format!("{key}={}", escape_property(value))).collect();
    format!("::{command} {}::{}", properties.join(","), escape_data(&message))
}

/// Cut `text` to at most `max` bytes at a character boundary, saying that it was cut.
fn truncate(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str("\n… (truncated; see the job log or the JSON report)");
}

/// The message part of a workflow command, escaped like `@actions/core`'s `escapeData`.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value, escaped like `@actions/core`'s `escapeProperty`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_actions_core() {
        assert_eq!(escape_data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
    }

    #[test]
    fn truncates_on_a_char_boundary() {
        let mut text = "é".repeat(10);
        truncate(&mut text, 5);
        assert!(text.starts_with("éé\n"), "{text}");
    }
}
