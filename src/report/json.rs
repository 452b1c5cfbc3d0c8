//! The versioned JSON format, documented field by field in `json-format.md` (next to this file).
//!
//! Fields are serialized from structs, so the key order is fixed and the output is the same for
//! the same findings. Columns are 1-based UTF-8 byte offsets, like `go/token`.

use super::fingerprint::Fingerprinter;
use super::{Criterion, ReportInput, severity_counts};
use crate::diagnostic::{Finding, Span};
use crate::source::SourceFile;
use serde::Serialize;
use std::collections::BTreeMap;

/// Bumped when a field is removed, renamed or changes meaning; additions keep it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: Tool,
    summary: Summary<'a>,
    findings: Vec<JsonFinding<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    criteria: Option<Vec<JsonCriterion<'a>>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files_checked: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    by_rule: BTreeMap<&'a str, usize>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'static str,
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
    fix: Option<JsonFix<'a>>,
    fingerprint: String,
    detail: Option<&'a str>,
}

/// A resolved range; every field is `null` when the file's text is not available.
#[derive(Serialize)]
struct Range {
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    #[serde(flatten)]
    range: Range,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'static str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    #[serde(flatten)]
    range: Range,
    start_byte: usize,
    end_byte: usize,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonCriterion<'a> {
    name: &'a str,
    /// `pass`, `fail` or `skipped`.
    result: String,
    figure: &'a str,
}

pub fn render(input: &ReportInput<'_>) -> String {
    let (errors, warnings, infos) = severity_counts(input.findings);
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in input.findings {
        *by_rule.entry(finding.rule.as_str()).or_default() += 1;
    }
    let findings = super::by_file(input.findings, input.sources, |run, file| {
        let mut fingerprinter = Fingerprinter::new();
        run.iter()
            .map(|finding| {
                let fingerprint = fingerprinter.fingerprint(finding, &file);
                json_finding(finding, file.source, fingerprint)
            })
            .collect()
    });
    let report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool { name: "golint-guard", version: env!("CARGO_PKG_VERSION") },
        summary: Summary {
            files_checked: input.files_checked,
            findings: input.findings.len(),
            errors,
            warnings,
            infos,
            by_rule,
        },
        findings,
        criteria: input.criteria.map(|criteria| criteria.iter().map(json_criterion).collect()),
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn json_finding<'a>(finding: &'a Finding, source: Option<&SourceFile>, fingerprint: String) -> JsonFinding<'a> {
    JsonFinding {
        rule: &finding.rule,
        severity: finding.severity.as_str(),
        path: crate::source::slash_path(&finding.path),
        line: finding.start.line,
        column: finding.start.column,
        end_line: finding.end.line,
        end_column: finding.end.column,
        message: &finding.message,
        help: finding.help.as_deref(),
        labels: finding
            .labels
            .iter()
            .map(|label| JsonLabel { range: range(source, label.span), message: &label.message })
            .collect(),
        fix: finding.fix.as_ref().map(|fix| JsonFix {
            applicability: fix.applicability.as_str(),
            edits: fix
                .edits
                .iter()
                .map(|edit| JsonEdit {
                    range: range(source, edit.span),
                    start_byte: edit.span.start,
                    end_byte: edit.span.end,
                    content: &edit.content,
                })
                .collect(),
        }),
        fingerprint,
        detail: finding.detail.as_deref(),
    }
}

fn range(source: Option<&SourceFile>, span: Span) -> Range {
    match source {
        Some(source) => {
            let (start, end) = source.span_positions(span);
            Range {
                line: Some(start.line),
                column: Some(start.column),
                end_line: Some(end.line),
                end_column: Some(end.column),
            }
        }
        None => Range { line: None, column: None, end_line: None, end_column: None },
    }
}

fn json_criterion(criterion: &Criterion) -> JsonCriterion<'_> {
    JsonCriterion { name: &criterion.name, result: criterion.result().to_lowercase(), figure: &criterion.figure }
}
