//! Reporters: every output format is built from the same sorted findings.

pub mod concise;
pub mod fingerprint;
pub mod github;
pub mod json;
pub mod sarif;
pub mod sources;
pub mod summary;
pub mod text;

use crate::diagnostic::{Finding, Severity};
use crate::engine::rule::Rule;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable diagnostics with code snippets (miette).
    Text,
    /// One line per finding, `path:line:col: severity[rule] message`, for editors and grep.
    Concise,
    /// The versioned JSON format (see src/report/json-format.md).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow-command annotations.
    Github,
    /// A Markdown summary for $GITHUB_STEP_SUMMARY.
    Summary,
}

/// A gate criterion's outcome, shown in the criteria table of text and summary output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Criterion {
    /// Short name: `build`, `vet`, `tests`, `race`, `coverage`, `bench`, `gofmt`, `static`.
    pub name: String,
    pub passed: bool,
    /// Skipped steps say so; they never count as passed silently.
    pub skipped: bool,
    /// The measured figure, e.g. `84.2% (threshold 80%)` or `3 findings`.
    pub figure: String,
}

/// Everything a reporter may need.
pub struct ReportInput<'a> {
    pub findings: &'a [Finding],
    /// Source text of files with findings, by display path: asked for once per run of a file's
    /// findings (see [`by_file`]), by several workers at once.
    pub sources: &'a dyn sources::SourceLookup,
    /// Enabled rules, sorted by id: SARIF lists them all in `tool.driver.rules`.
    pub rules: &'a [&'static Rule],
    pub files_checked: usize,
    /// Gate criteria, when the report comes from `gate`.
    pub criteria: Option<&'a [Criterion]>,
    /// Prefix that turns display paths into repository-relative paths (SARIF, annotations).
    pub path_prefix: Option<PathBuf>,
    /// Colour and hyperlinks in text output.
    pub color: bool,
    /// Terminal width for text output.
    pub width: usize,
}

pub fn render(format: Format, input: &ReportInput<'_>) -> String {
    match format {
        Format::Text => text::render(input),
        Format::Concise => concise::render(input),
        Format::Json => json::render(input),
        Format::Sarif => sarif::render(input),
        Format::Github => github::render(input),
        Format::Summary => summary::render(input),
    }
}

/// `render_file` applied to each run of consecutive findings in one file, with that file's text,
/// in parallel on the current rayon pool (`check` installs one of `--threads` workers); the
/// outputs come back in the findings' order, so the report does not depend on the thread count.
/// A text is read once per run and dropped when its run is rendered: memory follows the files in
/// flight, not every file with findings.
pub fn by_file<'f, T: Send>(
    findings: &'f [Finding],
    sources: &dyn sources::SourceLookup,
    render_file: impl Fn(&'f [Finding], sources::OneFile<'_>) -> Vec<T> + Sync,
) -> Vec<T> {
    use rayon::prelude::*;
    let runs: Vec<&'f [Finding]> = findings.chunk_by(|a, b| a.path == b.path).collect();
    let rendered: Vec<Vec<T>> = runs
        .into_par_iter()
        .with_max_len(1)
        .map(|run| {
            let display_path = run[0].path.as_path();
            let source = sources.source(display_path);
            render_file(run, sources::OneFile { display_path, source: source.as_ref() })
        })
        .collect();
    rendered.into_iter().flatten().collect()
}

/// `1 file`, `2 files`: a count with its noun in the right number.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Counts by severity: (errors, warnings, infos).
pub fn severity_counts(findings: &[Finding]) -> (usize, usize, usize) {
    findings.iter().fold((0, 0, 0), |(e, w, i), finding| match finding.severity {
        Severity::Error => (e + 1, w, i),
        Severity::Warning => (e, w + 1, i),
        Severity::Info => (e, w, i + 1),
    })
}

/// Tags that mark a rule about goroutines, races, leaks or deadlocks: the product's core.
const CONCURRENCY_TAGS: &[&str] = &["concurrency", "goroutines", "goroutine-leak", "data-race", "deadlock"];

/// Whether a rule is about concurrency (gate findings and unknown ids are not).
pub fn is_concurrency_rule(id: &str) -> bool {
    crate::engine::registry::find_rule(id)
        .is_some_and(|rule| rule.tags.iter().any(|tag| CONCURRENCY_TAGS.contains(tag)))
}

/// The findings in the order a person should read them when only the first ones are shown
/// (GitHub's annotation limits, the summary's table cap): errors, then warnings, then info;
/// within a severity, concurrency findings first; otherwise the sorted order is kept.
pub fn leading_first(findings: &[Finding]) -> Vec<&Finding> {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    // Cached: the key looks the rule up in the registry, once per finding rather than per comparison.
    ordered.sort_by_cached_key(|finding| (std::cmp::Reverse(finding.severity), !is_concurrency_rule(&finding.rule)));
    ordered
}

/// One row per rule and severity, errors first, then by count (most first), then by id.
pub fn counts_by_rule_and_severity(findings: &[Finding]) -> Vec<(&str, Severity, usize)> {
    let mut counts: BTreeMap<(&str, Severity), usize> = BTreeMap::new();
    for finding in findings {
        *counts.entry((finding.rule.as_str(), finding.severity)).or_default() += 1;
    }
    let mut rows: Vec<(&str, Severity, usize)> =
        counts.into_iter().map(|((rule, severity), count)| (rule, severity, count)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(b.0)));
    rows
}

impl Criterion {
    /// `PASS`, `FAIL` or `SKIPPED`: a skipped step is never shown as passed.
    pub fn result(&self) -> &'static str {
        match (self.skipped, self.passed) {
            (true, _) => "SKIPPED",
            (false, true) => "PASS",
            (false, false) => "FAIL",
        }
    }
}

/// The path of a file relative to the repository root: `path_prefix` joined with the display
/// path, `/`-separated, with `.` and `..` resolved lexically. Absolute paths stay absolute.
pub fn repo_path(path_prefix: Option<&std::path::Path>, path: &std::path::Path) -> String {
    let display = crate::source::slash_path(path);
    if path.is_absolute() || display.starts_with('/') {
        return display;
    }
    let prefix = path_prefix.map(crate::source::slash_path).unwrap_or_default();
    let mut parts: Vec<&str> = Vec::new();
    for part in prefix.split('/').chain(display.split('/')) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|last| *last != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn repo_paths_join_the_prefix_and_resolve_dots() {
        assert_eq!(repo_path(None, Path::new("a/b.go")), "a/b.go");
        assert_eq!(repo_path(Some(Path::new("svc/api")), Path::new("./b.go")), "svc/api/b.go");
        assert_eq!(repo_path(Some(Path::new("svc/api")), Path::new("../lib/c.go")), "svc/lib/c.go");
        assert_eq!(repo_path(Some(Path::new("svc")), Path::new("../../x.go")), "../x.go");
        assert_eq!(repo_path(Some(Path::new("svc")), Path::new("/abs/x.go")), "/abs/x.go");
    }

    /// A finding of `rule` at the start of `line` in `path`, with no span.
    fn finding_at(path: &str, rule: &str, severity: Severity, line: usize) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            path: path.into(),
            span: None,
            start: crate::diagnostic::Position { line, column: 1, utf16_column: 1 },
            end: crate::diagnostic::Position::default(),
            labels: Vec::new(),
            message: String::new(),
            help: None,
            fix: None,
            detail: None,
        }
    }

    /// Each run of one file's findings is rendered with that file's text (a file met again later
    /// is read again), and the outputs come back in the findings' order on any number of workers.
    #[test]
    fn by_file_renders_runs_with_their_own_text_in_order() {
        use crate::source::SourceFile;
        use sources::SourceLookup as _;
        let texts: BTreeMap<PathBuf, SourceFile> = ["a.go", "b.go", "c.go"]
            .into_iter()
            .map(|name| (PathBuf::from(name), SourceFile::new(name.into(), name.into(), format!("package {name}\n"))))
            .collect();
        let finding = |path: &str, line| finding_at(path, "unchecked-error", Severity::Warning, line);
        // Unsorted on purpose, with a file no source is known for.
        let findings: Vec<Finding> = [("a.go", 1), ("a.go", 2), ("b.go", 1), ("a.go", 3), ("gone.go", 1), ("c.go", 1)]
            .into_iter()
            .cycle()
            .take(60)
            .enumerate()
            .map(|(index, (path, line))| finding(path, line + index))
            .collect();
        let expected: Vec<String> = findings
            .iter()
            .map(|finding| {
                let text = texts.get(&finding.path).map_or("none".to_string(), |source| source.text.trim().to_string());
                format!("{}:{} {text}", finding.path.display(), finding.start.line)
            })
            .collect();
        for threads in [1, 2, 4] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            let rendered: Vec<String> = pool.install(|| {
                by_file(&findings, &texts, |run, file| {
                    run.iter()
                        .map(|finding| {
                            assert!(file.source(Path::new("other.go")).is_none(), "a run sees its own file only");
                            let text = file
                                .source(&finding.path)
                                .map_or("none".to_string(), |source| source.text.trim().to_string());
                            format!("{}:{} {text}", finding.path.display(), finding.start.line)
                        })
                        .collect()
                })
            });
            assert_eq!(rendered, expected, "{threads} workers");
        }
    }

    #[test]
    fn leading_first_puts_errors_then_concurrency_first() {
        let finding = |rule: &str, severity, line| finding_at("a.go", rule, severity, line);
        let findings = [
            finding("unchecked-error", Severity::Warning, 1),
            finding("lock-across-io", Severity::Warning, 2),
            finding("unchecked-error", Severity::Error, 3),
            finding("goroutine-no-exit", Severity::Error, 4),
            finding("discarded-error", Severity::Info, 5),
            finding("goroutine-leak-unbuffered-send", Severity::Error, 6),
        ];
        let order: Vec<usize> = leading_first(&findings).iter().map(|finding| finding.start.line).collect();
        assert_eq!(order, [4, 6, 3, 2, 1, 5]);
    }
}
