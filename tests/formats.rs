//! Snapshots of every output format over `tests/data/sample`, plus gate-style findings (no
//! source text, extra detail, criteria) that the linter alone cannot produce.

use golint_guard::config::Settings;
use golint_guard::diagnostic::{Finding, Position, Severity};
use golint_guard::lint::{LintOutcome, lint_patterns};
use golint_guard::report::{self, Criterion, Format, ReportInput};
use std::path::PathBuf;

/// The rules these snapshots exercise; other rules are left out so their development does not
/// change these files.
const RULES: &[&str] = &["signal-unbuffered", "syntax-error", "unused-suppression", "invalid-suppression"];

fn sample(threads: usize) -> (LintOutcome, Settings) {
    let settings = Settings::only(RULES);
    let outcome =
        lint_patterns(&["tests/data/sample/...".into()], &settings, threads).expect("the sample tree can be linted");
    (outcome, settings)
}

fn render(format: Format, outcome: &LintOutcome, settings: &Settings, criteria: Option<&[Criterion]>) -> String {
    let rules = settings.enabled_rules();
    let input = ReportInput {
        findings: &outcome.findings,
        sources: &outcome.sources,
        rules: &rules,
        files_checked: outcome.files_checked,
        criteria,
        path_prefix: None,
        color: false,
        width: 100,
    };
    report::render(format, &input)
}

/// The tool version changes with every release; snapshots should not.
fn redact_version(text: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    text.replace(&format!("\"version\": \"{version}\""), "\"version\": \"[version]\"")
        .replace(&format!("\"semanticVersion\": \"{version}\""), "\"semanticVersion\": \"[version]\"")
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "../snapshots/cli",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn sample_has_the_findings_the_snapshots_need() {
    let (outcome, _) = sample(1);
    let rules: Vec<&str> = outcome.findings.iter().map(|finding| finding.rule.as_str()).collect();
    assert!(rules.contains(&"syntax-error"), "{rules:?}");
    assert!(outcome.findings.iter().any(|f| f.rule == "signal-unbuffered" && f.fix.is_some() && !f.labels.is_empty()));
    assert!(outcome.findings.iter().any(|f| f.start.column != f.start.utf16_column), "a finding after non-ASCII text");
    assert!(outcome.findings.iter().any(|f| f.path.to_string_lossy().contains(' ')), "a path with a space");
}

#[test]
fn text() {
    let (outcome, settings) = sample(1);
    snapshot("format_text", &render(Format::Text, &outcome, &settings, None));
}

#[test]
fn json() {
    let (outcome, settings) = sample(1);
    let text = render(Format::Json, &outcome, &settings, None);
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value["schema_version"], 1);
    assert!(value.get("criteria").is_none(), "criteria only appear for gate runs");
    assert!(text.ends_with("}\n"));
    snapshot("format_json", &redact_version(&text));
}

#[test]
fn sarif() {
    let (outcome, settings) = sample(1);
    snapshot("format_sarif", &redact_version(&render(Format::Sarif, &outcome, &settings, None)));
}

#[test]
fn github() {
    let (outcome, settings) = sample(1);
    snapshot("format_github", &render(Format::Github, &outcome, &settings, None));
}

#[test]
fn concise() {
    let (outcome, settings) = sample(1);
    let text = render(Format::Concise, &outcome, &settings, None);
    // What `vim -q`, grep and the problem matchers read: `path:line:col: severity[rule] message`.
    let shape = regex::Regex::new(r"^[^:]+\.go:\d+:\d+: (error|warning|info)\[[a-z-]+\] \S.*$").unwrap();
    assert_eq!(text.lines().count(), outcome.findings.len(), "one line per finding:\n{text}");
    for line in text.lines() {
        assert!(shape.is_match(line), "not `path:line:col: severity[rule] message`: {line}");
    }
    snapshot("format_concise", &text);
}

#[test]
fn summary() {
    let (outcome, settings) = sample(1);
    snapshot("format_summary", &render(Format::Summary, &outcome, &settings, None));
}

#[test]
fn every_format_is_the_same_for_any_thread_count() {
    let (one, settings) = sample(1);
    let (two, _) = sample(2);
    for format in [Format::Text, Format::Concise, Format::Json, Format::Sarif, Format::Github, Format::Summary] {
        assert_eq!(render(format, &one, &settings, None), render(format, &two, &settings, None), "{format:?}");
    }
}

#[test]
fn no_findings() {
    let settings = Settings::only(RULES);
    let outcome = LintOutcome { files_checked: 3, ..LintOutcome::default() };
    assert_eq!(render(Format::Text, &outcome, &settings, None), "");
    assert_eq!(render(Format::Github, &outcome, &settings, None), "");
    assert_eq!(render(Format::Concise, &outcome, &settings, None), "");
    let summary = render(Format::Summary, &outcome, &settings, None);
    assert!(summary.contains("No findings in 3 files checked."), "{summary}");
    let sarif: serde_json::Value =
        serde_json::from_str(&render(Format::Sarif, &outcome, &settings, None)).expect("valid SARIF JSON");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]), "an empty upload closes old alerts");
    let json: serde_json::Value =
        serde_json::from_str(&render(Format::Json, &outcome, &settings, None)).expect("valid JSON");
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(json["summary"]["findings"], 0);
}

fn at(line: usize, column: usize) -> Position {
    Position { line, column, utf16_column: column }
}

/// What `gate` reports: findings without source text, one with test output, and criteria.
fn gate_outcome() -> (Vec<Finding>, Vec<Criterion>) {
    let finding = |rule: &str, severity, path: &str, line, message: &str| Finding {
        rule: rule.into(),
        severity,
        path: path.into(),
        span: None,
        start: at(line, 1),
        end: at(line, 1),
        labels: Vec::new(),
        message: message.into(),
        help: None,
        fix: None,
        detail: None,
    };
    let findings = vec![
        Finding {
            help: Some("Make the test pass; its output is below".into()),
            detail: Some(
                "=== RUN   TestParse\n    parse_test.go:14: got 1, want 2\n--- FAIL: TestParse (0.00s)\n".into(),
            ),
            ..finding("gate/test", Severity::Error, "pkg/parse/parse_test.go", 9, "TestParse failed")
        },
        Finding {
            start: at(14, 2),
            end: at(14, 2),
            ..finding(
                "vet/printf",
                Severity::Warning,
                "pkg/parse/parse.go",
                14,
                "fmt.Sprintf format %d has arg name of wrong type string",
            )
        },
        finding(
            "gate/coverage",
            Severity::Warning,
            "pkg/parse",
            1,
            "coverage 72.5% is below the threshold 80% | pkg/parse",
        ),
    ];
    let criterion = |name: &str, passed, skipped, figure: &str| Criterion {
        name: name.into(),
        passed,
        skipped,
        figure: figure.into(),
    };
    let criteria = vec![
        criterion("build", true, false, "compiles"),
        criterion("vet", false, false, "1 finding"),
        criterion("tests", false, false, "1 of 4 failed"),
        criterion("race", false, true, "not run: tests failed"),
        criterion("coverage", false, false, "72.5% (threshold 80%)"),
    ];
    (findings, criteria)
}

fn render_gate(format: Format) -> String {
    let (findings, criteria) = gate_outcome();
    let sources = golint_guard::report::sources::Sources::default();
    let rules = Settings::only(RULES).enabled_rules();
    let input = ReportInput {
        findings: &findings,
        sources: &sources,
        rules: &rules,
        files_checked: 12,
        criteria: Some(&criteria),
        path_prefix: Some(PathBuf::from("services/api")),
        color: false,
        width: 100,
    };
    report::render(format, &input)
}

#[test]
fn gate_text() {
    snapshot("format_gate_text", &render_gate(Format::Text));
}

#[test]
fn gate_concise() {
    snapshot("format_gate_concise", &render_gate(Format::Concise));
}

#[test]
fn gate_summary() {
    snapshot("format_gate_summary", &render_gate(Format::Summary));
}

#[test]
fn gate_json() {
    snapshot("format_gate_json", &redact_version(&render_gate(Format::Json)));
}

#[test]
fn gate_github() {
    snapshot("format_gate_github", &render_gate(Format::Github));
}

#[test]
fn colour_text_has_ansi_codes_and_the_docs_url() {
    let (outcome, settings) = sample(1);
    let rules = settings.enabled_rules();
    let input = ReportInput {
        findings: &outcome.findings,
        sources: &outcome.sources,
        rules: &rules,
        files_checked: outcome.files_checked,
        criteria: None,
        path_prefix: None,
        color: true,
        width: 100,
    };
    let text = report::render(Format::Text, &input);
    assert!(text.contains('\u{1b}'), "colour output has ANSI codes");
    assert!(text.contains("rules/signal-unbuffered/docs.md"), "and the rule's docs URL");
    let plain = render(Format::Text, &outcome, &settings, None);
    assert!(!plain.contains('\u{1b}') && !plain.contains("https://"), "no colour, no URLs: {plain}");
}
