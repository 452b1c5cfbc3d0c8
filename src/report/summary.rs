//! GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY`.
//!
//! GitHub refuses a step summary over 1 MiB, so the findings table is capped and long messages
//! are shortened; the SARIF and JSON reports keep everything.

use super::{ReportInput, counts_by_rule_and_severity, leading_first, plural, repo_path, severity_counts};
use std::fmt::Write as _;

/// At most this many rows in the findings table.
pub const MAX_FINDING_ROWS: usize = 1000;
/// The findings table stops growing at this size, whatever the row count, leaving room under
/// GitHub's 1 MiB for the criteria table.
const MAX_TABLE_BYTES: usize = 900 * 1024;
/// Longest message or location shown in a table cell, in bytes before escaping.
const MAX_CELL_BYTES: usize = 400;

pub fn render(input: &ReportInput<'_>) -> String {
    let mut out = String::from("## golint-guard\n\n");
    let (errors, warnings, infos) = severity_counts(input.findings);
    let total = input.findings.len();
    let files = plural(input.files_checked, "file", "files");
    if total == 0 {
        let _ = writeln!(out, "No findings in {files} checked.\n");
    } else {
        let _ = writeln!(out, "**{}** in {files} checked.\n", plural(total, "finding", "findings"));
        out.push_str("| severity | findings |\n|---|---:|\n");
        for (name, count) in [("error", errors), ("warning", warnings), ("info", infos)] {
            let _ = writeln!(out, "| {name} | {count} |");
        }
        out.push('\n');

        out.push_str("### By rule\n\n| rule | severity | findings |\n|---|---|---:|\n");
        for (rule, severity, count) in counts_by_rule_and_severity(input.findings) {
            let _ = writeln!(out, "| `{}` | {severity} | {count} |", cell(rule));
        }
        out.push('\n');

        // Errors first and concurrency first, so a capped table still shows what matters.
        out.push_str("### Findings\n\n| location | severity | rule | message |\n|---|---|---|---|\n");
        let table_start = out.len();
        let mut shown = 0;
        for finding in leading_first(input.findings).into_iter().take(MAX_FINDING_ROWS) {
            // Repository-relative, like the annotations, whatever directory the job ran in.
            let path = repo_path(input.path_prefix.as_deref(), &finding.path);
            let location = format!("{path}:{}:{}", finding.start.line, finding.start.column);
            let row = format!(
                "| {} | {} | `{}` | {} |\n",
                cell(&shorten(&location, MAX_CELL_BYTES)),
                finding.severity,
                cell(&finding.rule),
                cell(&shorten(&finding.message, MAX_CELL_BYTES))
            );
            if out.len() - table_start + row.len() > MAX_TABLE_BYTES {
                break;
            }
            out.push_str(&row);
            shown += 1;
        }
        if shown < total {
            let _ = writeln!(
                out,
                "\n{} not shown here; the SARIF and JSON reports list every finding.",
                plural(total - shown, "more finding is", "more findings are")
            );
        }
        out.push('\n');
    }

    if let Some(criteria) = input.criteria {
        out.push_str("### Criteria\n\n| criterion | result | figure |\n|---|---|---|\n");
        for criterion in criteria {
            let _ =
                writeln!(out, "| {} | {} | {} |", cell(&criterion.name), criterion.result(), cell(&criterion.figure));
        }
        out.push('\n');
    }
    out
}

/// A table cell: `|` escaped and line breaks turned into `<br>`, so one finding stays one row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace("\r\n", "<br>").replace(['\n', '\r'], "<br>")
}

fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::diagnostic::{Finding, Position, Severity};

    fn input_with(findings: &[Finding]) -> String {
        let sources = crate::report::sources::Sources::default();
        render(&ReportInput {
            findings,
            sources: &sources,
            rules: &[],
            files_checked: 1,
            criteria: None,
            path_prefix: None,
            color: false,
            width: 100,
        })
    }

    fn finding(path: String, message: String) -> Finding {
        Finding {
            rule: "gate/test".into(),
            severity: Severity::Error,
            path: path.into(),
            span: None,
            start: Position::default(),
            end: Position::default(),
            labels: Vec::new(),
            message,
            help: None,
            fix: None,
            detail: None,
        }
    }

    #[test]
    fn table_is_capped_by_rows() {
        let findings: Vec<Finding> = (0..1500).map(|i| finding(format!("f{i}.go"), "m".into())).collect();
        let text = input_with(&findings);
        assert!(text.contains("500 more findings are not shown here"), "{}", &text[text.len() - 300..]);
        assert_eq!(text.matches("| error | `gate/test` |").count(), MAX_FINDING_ROWS);
    }

    #[test]
    fn table_stays_under_one_mebibyte() {
        let long = "|\n".repeat(5000);
        let findings: Vec<Finding> = (0..1000).map(|_| finding(long.clone(), long.clone())).collect();
        let text = input_with(&findings);
        assert!(text.len() < 1024 * 1024, "{} bytes", text.len());
        assert!(text.contains("more findings are not shown here"));
    }

    #[test]
    fn cells_keep_one_row() {
        assert_eq!(cell("a | b\nc\r\nd"), "a \\| b<br>c<br>d");
    }
}
