//! The fixture harness behind the generated per-rule tests (`tests/rules.rs`).
//!
//! For `rules/<id>/fixtures/`:
//! - every `// want "regexp"` (or `` // want `regexp` ``) must match exactly one finding of the
//!   rule on its line, and every finding must be wanted;
//! - `good.go` (and any `good*.go`) must produce no finding at all;
//! - fixtures must parse cleanly;
//! - the declared fix availability must agree with what the rule produced, every fix needs a
//!   help title, and fixed code must still parse and reach a fixed point;
//! - the rendered findings plus the diff after fixes are an insta snapshot under
//!   `snapshots/rules/`.

use crate::config::Settings;
use crate::diagnostic::Finding;
use crate::engine::registry::find_rule;
use crate::engine::rule::FixAvailability;
use crate::engine::{Engine, Worker};
use crate::fix::{fix_source, is_applicable};
use crate::lint::{LintOutcome, lint_patterns};
use crate::report::{self, Format, ReportInput};
use regex::Regex;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One `// want` expectation.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub line: usize,
    pub pattern: Regex,
}

/// Parse `// want "re" "re2"` comments. Each is on the line it applies to.
pub fn parse_expectations(text: &str) -> Vec<Expectation> {
    let mut expectations = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let Some(at) = line.find("// want ") else { continue };
        let mut rest = line[at + "// want ".len()..].trim_start();
        while let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '`') {
            let body = &rest[1..];
            let Some(close) = body.find(quote) else { panic!("line {}: unterminated // want pattern", index + 1) };
            let raw = &body[..close];
            let pattern = if quote == '"' { raw.replace("\\\"", "\"") } else { raw.to_string() };
            let pattern =
                Regex::new(&pattern).unwrap_or_else(|err| panic!("line {}: bad // want regexp: {err}", index + 1));
            expectations.push(Expectation { line: index + 1, pattern });
            rest = body[close + 1..].trim_start();
        }
    }
    expectations
}

/// The fixtures folder of a rule.
pub fn fixtures_dir(id: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules").join(id).join("fixtures")
}

/// Every `.go` file directly in a rule's fixtures folder, each as its own package under `/m`:
/// `(/m/<rule>/<file stem>/a.go, text)`, sorted by path. Real Go for unit tests that build
/// facts from many sources in memory.
/// A small deterministic generator for randomized tests (no dependency): xorshift.
#[cfg(test)]
pub(crate) struct Random(pub u64);

#[cfg(test)]
impl Random {
    /// The next number below `bound`.
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound as u64) as usize
    }
}

#[cfg(test)]
pub(crate) fn fixture_packages() -> Vec<(PathBuf, String)> {
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap() {
        let rule = entry.unwrap().path();
        for fixture in std::fs::read_dir(rule.join("fixtures")).into_iter().flatten() {
            let path = fixture.unwrap().path();
            if path.extension().is_some_and(|extension| extension == "go") {
                let package = Path::new("/m").join(rule.file_name().unwrap()).join(path.file_stem().unwrap());
                sources.push((package.join("a.go"), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    sources.sort();
    sources
}

/// Lint a rule's fixtures with only that rule (and `syntax-error`, so a fixture that does not
/// parse fails loudly).
pub fn lint_fixtures(id: &str) -> LintOutcome {
    let dir = fixtures_dir(id);
    let relative = dir.strip_prefix(std::env::current_dir().unwrap_or_default()).unwrap_or(&dir).to_path_buf();
    let settings = Settings::only(&[id, "syntax-error"]);
    let pattern = format!("{}/...", relative.display());
    lint_patterns(&[pattern], &settings, 2).unwrap_or_else(|err| panic!("linting fixtures of {id}: {err}"))
}

pub fn check_rule_fixtures(id: &str) {
    let rule = find_rule(id).unwrap_or_else(|| panic!("rule {id} is not registered"));
    let outcome = lint_fixtures(id);
    assert!(outcome.files_checked > 0, "{id}: no fixture files were linted");
    let mut problems = Vec::new();

    let syntax: Vec<&Finding> = outcome.findings.iter().filter(|f| f.rule == "syntax-error").collect();
    for finding in &syntax {
        problems.push(format!(
            "{}:{}: fixture does not parse: {}",
            finding.path.display(),
            finding.start.line,
            finding.message
        ));
    }

    let mut by_file: BTreeMap<PathBuf, Vec<&Finding>> = BTreeMap::new();
    for finding in outcome.findings.iter().filter(|f| f.rule == id) {
        by_file.entry(finding.path.clone()).or_default().push(finding);
    }
    for path in fixture_files(&fixtures_dir(id)) {
        let text = std::fs::read_to_string(&path).expect("read fixture");
        let shown = crate::lint::display_path(&path);
        let findings = by_file.remove(&shown).unwrap_or_default();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let expectations = parse_expectations(&text);
        if name.starts_with("good") && !expectations.is_empty() {
            problems.push(format!("{}: good fixtures carry no // want comments", shown.display()));
        }
        let mut used = vec![false; findings.len()];
        for expectation in &expectations {
            let matching: Vec<usize> = findings
                .iter()
                .enumerate()
                .filter(|(i, f)| {
                    !used[*i] && f.start.line == expectation.line && expectation.pattern.is_match(&f.message)
                })
                .map(|(i, _)| i)
                .collect();
            match matching.first() {
                Some(&i) => used[i] = true,
                None => problems.push(format!(
                    "{}:{}: missing finding matching `{}`",
                    shown.display(),
                    expectation.line,
                    expectation.pattern
                )),
            }
        }
        for (finding, used) in findings.iter().zip(&used) {
            if !used {
                problems.push(format!(
                    "{}:{}:{}: unexpected finding (noisy): {}",
                    shown.display(),
                    finding.start.line,
                    finding.start.column,
                    finding.message
                ));
            }
        }
    }
    for (path, findings) in by_file {
        problems.push(format!("{}: {} findings in a file the harness did not expect", path.display(), findings.len()));
    }

    let rule_findings: Vec<&Finding> = outcome.findings.iter().filter(|f| f.rule == id).collect();
    let fixes = rule_findings.iter().filter(|f| f.fix.is_some()).count();
    match rule.fix {
        FixAvailability::None if fixes > 0 => problems.push(format!("{id} declares no fix but produced {fixes}")),
        FixAvailability::Always if fixes < rule_findings.len() => {
            problems
                .push(format!("{id} declares a fix for every finding but {} have none", rule_findings.len() - fixes));
        }
        FixAvailability::Sometimes | FixAvailability::Always if fixes == 0 => {
            problems.push(format!("{id} declares fixes but no fixture finding has one: add a case to bad.go"));
        }
        _ => {}
    }
    for finding in &rule_findings {
        if let Some(fix) = &finding.fix {
            if finding.help.as_deref().is_none_or(str::is_empty) {
                problems.push(format!("{}:{}: a fix without a help title", finding.path.display(), finding.start.line));
            }
            if fix.applicability != rule.applicability {
                problems.push(format!(
                    "{}:{}: fix applicability {} differs from the declared {}",
                    finding.path.display(),
                    finding.start.line,
                    fix.applicability.as_str(),
                    rule.applicability.as_str()
                ));
            }
        }
    }

    let snapshots = render_snapshots(id, &outcome, &mut problems);
    assert!(problems.is_empty(), "rule {id}:\n  {}", problems.join("\n  "));
    for (name, text) in snapshots {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/rules"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name, text));
    }
}

/// One snapshot per fixture file with findings: the rendered findings, then the diff after
/// safe fixes, then the diff after unsafe fixes.
fn render_snapshots(id: &str, outcome: &LintOutcome, problems: &mut Vec<String>) -> Vec<(String, String)> {
    let settings = Settings::only(&[id]);
    let mut engine = Engine::new(&settings.enabled_rules()).expect("rule query compiles");
    let mut facts = crate::lint::RelintFacts::new(outcome);
    let modules = crate::discover::ModuleIndex::new(&outcome.discovery);
    let mut worker = Worker::default();
    let rules = settings.enabled_rules();
    let mut snapshots = Vec::new();
    for path in outcome.sources.paths() {
        let findings: Vec<Finding> =
            outcome.findings.iter().filter(|f| &f.path == path && f.rule == id).cloned().collect();
        if findings.is_empty() {
            continue;
        }
        let Some(source) = outcome.sources.get(path) else {
            problems.push(format!("{}: changed on disk since it was linted", path.display()));
            continue;
        };
        let source = &source;
        crate::fix::set_project_for(&mut engine, &mut facts, &source.path);
        let input = ReportInput {
            findings: &findings,
            sources: &outcome.sources,
            rules: &rules,
            files_checked: 1,
            criteria: None,
            path_prefix: None,
            color: false,
            width: 100,
        };
        let mut text = report::render(Format::Text, &input);
        for (label, include_unsafe) in [("safe", false), ("unsafe", true)] {
            let wanted = findings.iter().any(|f| f.fix.as_ref().is_some_and(|fix| is_applicable(fix, include_unsafe)));
            if !wanted
                || (include_unsafe
                    && !findings.iter().any(|f| {
                        f.fix.as_ref().is_some_and(|fix| !is_applicable(fix, false) && is_applicable(fix, true))
                    }))
            {
                continue;
            }
            let fixed =
                fix_source(&engine, &mut worker, &settings, source, modules.facts_for(&source.path), include_unsafe);
            for refused in &fixed.refused {
                problems.push(format!("{}: {refused}", path.display()));
            }
            if fixed.hit_round_limit {
                problems.push(format!(
                    "{}: fixes did not reach a fixed point in {} rounds",
                    path.display(),
                    crate::fix::MAX_ROUNDS
                ));
            }
            let _ = write!(
                text,
                "\n--- fix diff ({label}) ---\n{}",
                crate::fix::unified_diff(path, &source.text, &fixed.text)
            );
        }
        let name = format!("{id}__{}", path.strip_prefix(format!("rules/{id}/fixtures")).unwrap_or(path).display())
            .replace('/', "__");
        snapshots.push((name, text));
    }
    snapshots
}

fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "go") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
