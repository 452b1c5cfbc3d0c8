//! One line per finding, `path:line:col: severity[rule] message`: the shape `go vet`,
//! staticcheck and golangci-lint print, which editors' problem matchers, `grep` and `vim -q`
//! read. Columns are 1-based UTF-8 byte columns, as Go's tools count them.

use super::ReportInput;
use crate::diagnostic::Finding;
use std::fmt::Write as _;

pub fn render(input: &ReportInput<'_>) -> String {
    let mut out = String::new();
    for finding in input.findings {
        out.push_str(&line(finding));
        out.push('\n');
    }
    if let Some(criteria) = input.criteria {
        // Criteria have no location; they follow the findings, one line each, so a failed run
        // says why even when no finding explains it (coverage, a benchmark target).
        for criterion in criteria {
            let _ = writeln!(out, "gate: {}: {}: {}", criterion.name, criterion.result(), criterion.figure);
        }
    }
    out
}

/// `path:line:col: severity[rule] message`. A gate finding without a line (or a column) drops
/// that part, as Go's tools do; one without a file is just `severity[rule] message`.
pub fn line(finding: &Finding) -> String {
    let mut location = crate::source::slash_path(&finding.path);
    if !location.is_empty() && finding.start.line > 0 {
        let _ = write!(location, ":{}", finding.start.line);
        if finding.start.column > 0 {
            let _ = write!(location, ":{}", finding.start.column);
        }
    }
    if !location.is_empty() {
        location.push_str(": ");
    }
    // One finding, one line: a message never spans lines here, whatever the rule wrote.
    let message = finding.message.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{location}{}[{}] {message}", finding.severity, finding.rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Position, Severity};

    fn finding(path: &str, line: usize, column: usize, message: &str) -> Finding {
        Finding {
            rule: "gate/test".into(),
            severity: Severity::Error,
            path: path.into(),
            span: None,
            start: Position { line, column, utf16_column: column },
            end: Position::default(),
            labels: Vec::new(),
            message: message.into(),
            help: None,
            fix: None,
            detail: None,
        }
    }

    #[test]
    fn a_finding_is_one_go_style_line() {
        assert_eq!(line(&finding("pkg/a.go", 12, 3, "boom")), "pkg/a.go:12:3: error[gate/test] boom");
        assert_eq!(line(&finding("pkg/a.go", 12, 0, "boom")), "pkg/a.go:12: error[gate/test] boom");
        assert_eq!(line(&finding("pkg/a.go", 0, 0, "boom")), "pkg/a.go: error[gate/test] boom");
        assert_eq!(line(&finding("", 0, 0, "boom")), "error[gate/test] boom");
        assert_eq!(line(&finding("a.go", 1, 1, "two\n  lines")), "a.go:1:1: error[gate/test] two lines");
    }
}
