//! Applying fixes: non-overlapping edits, re-parse and re-lint until nothing changes (bounded),
//! never a fix that breaks the syntax, and atomic writes.

use crate::config::Settings;
use crate::diagnostic::{Applicability, Finding, Fix};
use crate::discover::ModuleIndex;
use crate::engine::{Engine, ModuleFacts, Worker};
use crate::lint::{LintOutcome, lint_source};
use crate::parse;
use crate::source::SourceFile;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Fixing stops after this many lint-and-fix rounds even if fixes keep coming.
pub const MAX_ROUNDS: usize = 10;

#[derive(Debug, Clone, Copy)]
pub struct FixMode {
    pub include_unsafe: bool,
    /// Write the files (`--fix`) or only describe the changes (`--diff`).
    pub write: bool,
}

/// The result of fixing one file's text.
#[derive(Debug, Clone, Default)]
pub struct FixedSource {
    pub text: String,
    pub applied: usize,
    /// Fixes that were not applied, with the reason.
    pub refused: Vec<String>,
    pub rounds: usize,
    /// True when the bound on rounds was reached while fixes were still being offered.
    pub hit_round_limit: bool,
}

#[derive(Debug, Default)]
pub struct FixReport {
    pub diff: String,
    pub files_changed: Vec<PathBuf>,
    pub fixes_applied: usize,
    pub refused: Vec<String>,
    pub written: bool,
}

impl FixReport {
    pub fn summary(&self) -> String {
        let verb = if self.written { "Fixed" } else { "Would fix" };
        let mut out = format!("{verb} {} finding(s) in {} file(s).\n", self.fixes_applied, self.files_changed.len());
        for refused in &self.refused {
            let _ = writeln!(out, "fix not applied: {refused}");
        }
        out
    }
}

pub fn is_applicable(fix: &Fix, include_unsafe: bool) -> bool {
    match fix.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => include_unsafe,
        Applicability::DisplayOnly => false,
    }
}

/// Fix every file of a lint run that has an applicable fix.
pub fn fix_outcome(outcome: &LintOutcome, settings: &Settings, mode: FixMode) -> Result<FixReport, String> {
    let mut engine = Engine::new(&settings.enabled_rules()).map_err(|err| format!("internal error: {err}"))?;
    if let Some(project) = &outcome.project {
        engine.set_project(project.clone());
    }
    let modules = ModuleIndex::new(&outcome.discovery);
    let mut worker = Worker::default();
    let mut report = FixReport { written: mode.write, ..FixReport::default() };
    for (display_path, source) in &outcome.sources {
        let has_fix = outcome.findings.iter().any(|finding| {
            &finding.path == display_path
                && finding.fix.as_ref().is_some_and(|fix| is_applicable(fix, mode.include_unsafe))
        });
        if !has_fix {
            continue;
        }
        let fixed =
            fix_source(&engine, &mut worker, settings, source, modules.facts_for(&source.path), mode.include_unsafe);
        report.refused.extend(fixed.refused.iter().map(|reason| format!("{}: {reason}", display_path.display())));
        if fixed.text == *source.text {
            continue;
        }
        report.fixes_applied += fixed.applied;
        report.files_changed.push(display_path.clone());
        report.diff.push_str(&unified_diff(display_path, &source.text, &fixed.text));
        if mode.write {
            write_atomically(&source.path, &fixed.text)?;
        }
    }
    Ok(report)
}

/// Lint, apply the applicable fixes that do not overlap, and repeat until no fix applies or
/// `MAX_ROUNDS` is reached. A file with syntax errors is never fixed.
pub fn fix_source(
    engine: &Engine,
    worker: &mut Worker,
    settings: &Settings,
    source: &SourceFile,
    module: ModuleFacts,
    include_unsafe: bool,
) -> FixedSource {
    let mut current = source.clone();
    let mut result = FixedSource { text: source.text.to_string(), ..FixedSource::default() };
    if has_syntax_errors(worker, &current) {
        result.refused.push("the file has syntax errors, so it is not autofixed".into());
        return result;
    }
    for round in 0..MAX_ROUNDS {
        let findings = lint_source(engine, worker, settings, &current, module);
        let chosen = choose_fixes(&findings, include_unsafe);
        if chosen.is_empty() {
            result.rounds = round;
            break;
        }
        let mut applied_this_round = 0;
        let mut text = current.text.to_string();
        // Apply from the end of the file backwards so earlier offsets stay valid.
        for finding in chosen.iter().rev() {
            let Some(fix) = &finding.fix else { continue };
            let candidate = apply_edits(&text, fix);
            let candidate_file = SourceFile::new(current.path.clone(), current.display_path.clone(), candidate.clone());
            if has_syntax_errors(worker, &candidate_file) {
                result.refused.push(format!(
                    "{}:{}: the `{}` fix would introduce a syntax error",
                    finding.start.line, finding.start.column, finding.rule
                ));
                continue;
            }
            text = candidate;
            applied_this_round += 1;
        }
        result.applied += applied_this_round;
        result.rounds = round + 1;
        if applied_this_round == 0 {
            break;
        }
        current = SourceFile::new(current.path.clone(), current.display_path.clone(), text);
        if round + 1 == MAX_ROUNDS {
            result.hit_round_limit =
                !choose_fixes(&lint_source(engine, worker, settings, &current, module), include_unsafe).is_empty();
        }
    }
    result.refused.dedup();
    result.text = current.text.to_string();
    result
}

fn has_syntax_errors(worker: &mut Worker, file: &SourceFile) -> bool {
    parse::parse(&mut worker.parser, file).is_none_or(|tree| tree.root_node().has_error())
}

/// The applicable fixes of one round, in source order, skipping any that overlaps one already
/// chosen (it will be offered again next round, on the fixed text).
pub fn choose_fixes(findings: &[Finding], include_unsafe: bool) -> Vec<&Finding> {
    let mut candidates: Vec<&Finding> = findings
        .iter()
        .filter(|finding| {
            finding.fix.as_ref().is_some_and(|fix| is_applicable(fix, include_unsafe) && !fix.edits.is_empty())
        })
        .collect();
    candidates.sort_by_key(|finding| fix_range(finding.fix.as_ref().expect("filtered")));
    let mut chosen: Vec<&Finding> = Vec::new();
    let mut last_end: Option<usize> = None;
    for finding in candidates {
        let (start, end) = fix_range(finding.fix.as_ref().expect("filtered"));
        if last_end.is_some_and(|last| start <= last && !(start == last && start < end)) {
            continue;
        }
        last_end = Some(end);
        chosen.push(finding);
    }
    chosen
}

fn fix_range(fix: &Fix) -> (usize, usize) {
    let start = fix.edits.iter().map(|edit| edit.span.start).min().unwrap_or(0);
    let end = fix.edits.iter().map(|edit| edit.span.end).max().unwrap_or(0);
    (start, end)
}

/// Apply one fix's edits (sorted, non-overlapping) to `text`.
pub fn apply_edits(text: &str, fix: &Fix) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut position = 0;
    for edit in &fix.edits {
        let start = edit.span.start.clamp(position, text.len());
        let end = edit.span.end.clamp(start, text.len());
        out.push_str(&text[position..start]);
        out.push_str(&edit.content);
        position = end;
    }
    out.push_str(&text[position..]);
    out
}

pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

/// Write through a temporary file in the same directory and rename it over the original, so
/// a crash never leaves a half-written file. The original permissions are kept.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let describe = |err: std::io::Error| format!("cannot write {}: {err}", path.display());
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(describe)?;
    temp.write_all(text.as_bytes()).map_err(describe)?;
    temp.as_file().sync_all().map_err(describe)?;
    if let Ok(metadata) = std::fs::metadata(path) {
        temp.as_file().set_permissions(metadata.permissions()).map_err(describe)?;
    }
    temp.persist(path).map_err(|err| describe(err.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Position, Severity, Span};

    fn finding_with(edits: Vec<Edit>) -> Finding {
        Finding {
            rule: "r".into(),
            severity: Severity::Error,
            path: "a.go".into(),
            span: None,
            start: Position::default(),
            end: Position::default(),
            labels: vec![],
            message: String::new(),
            help: None,
            fix: Some(Fix::safe(edits)),
            detail: None,
        }
    }

    #[test]
    fn overlapping_fixes_are_not_chosen_together() {
        let findings = vec![
            finding_with(vec![Edit::replace(Span::new(0, 5), "x")]),
            finding_with(vec![Edit::replace(Span::new(3, 8), "y")]),
            finding_with(vec![Edit::insert(8, "z")]),
        ];
        let chosen = choose_fixes(&findings, false);
        assert_eq!(chosen.len(), 2);
        assert_eq!(chosen[1].fix.as_ref().unwrap().edits[0].content, "z");
    }

    #[test]
    fn edits_apply_in_order() {
        let fix = Fix::safe(vec![Edit::insert(3, ", 1"), Edit::replace(Span::new(0, 1), "X")]);
        assert_eq!(apply_edits("abc)", &fix), "Xbc, 1)");
    }
}
