//! The `check` pipeline as a library: discover ─► read ─► parse ─► rules ─► suppress ─► sort.

use crate::config::Settings;
use crate::diagnostic::{Finding, sort_findings};
use crate::discover::{self, Discovery, ModuleIndex, Target};
use crate::engine::facts::module::ProjectFacts;
use crate::engine::{Engine, ModuleFacts, Worker};
use crate::source::{FileStamp, SourceFile, normalize_display_path};
use crate::suppress;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug)]
pub struct LintError(pub String);

impl std::fmt::Display for LintError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LintError {}

/// Everything one `check` run produced, sorted and ready for any reporter.
#[derive(Debug, Default)]
pub struct LintOutcome {
    pub findings: Vec<Finding>,
    /// The text of every file that has a finding, by display path (reporters show snippets).
    pub sources: BTreeMap<PathBuf, SourceFile>,
    pub files_checked: usize,
    pub files_generated: usize,
    /// Files skipped because no build can include them (`//go:build ignore`).
    pub files_constrained: usize,
    pub discovery: Discovery,
    /// The module pre-pass's facts the rules saw (reused when re-linting for fixes).
    pub project: Option<Arc<ProjectFacts>>,
}

/// Lint the files the command-line `patterns` name.
pub fn lint_patterns(patterns: &[String], settings: &Settings, threads: usize) -> Result<LintOutcome, LintError> {
    let (targets, pool) = targets_and_pool(patterns, threads)?;
    let mut engine =
        Engine::new(&settings.enabled_rules()).map_err(|err| LintError(format!("internal error: {err}")))?;
    pool.install(|| {
        let discovery = discover::discover(&targets, threads, &|path| settings.is_excluded(path));
        if !engine.rules().is_empty() {
            // The module pre-pass: compact per-package facts, built on this pool's threads.
            engine.set_project(Arc::new(ProjectFacts::from_discovery(&discovery, 0)));
        }
        let mut outcome = lint_discovered(&engine, settings, discovery);
        outcome.project = engine.project().cloned();
        Ok(outcome)
    })
}

/// The command-line patterns as targets, and the worker pool both passes run on.
fn targets_and_pool(patterns: &[String], threads: usize) -> Result<(Vec<Target>, rayon::ThreadPool), LintError> {
    let targets = patterns
        .iter()
        .map(|pattern| discover::parse_target(pattern))
        .collect::<Result<Vec<Target>, _>>()
        .map_err(|err| LintError(err.0))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|err| LintError(format!("cannot start {threads} worker threads: {err}")))?;
    Ok((targets, pool))
}

/// Counts from a parse-only pass.
#[derive(Debug, Default, Clone, Copy)]
pub struct ParseStats {
    pub files: usize,
    pub bytes: usize,
    pub files_with_errors: usize,
}

/// Discover, read and parse exactly as `lint_patterns` does, but run no rules: the baseline
/// that `check`'s cost is measured against.
pub fn parse_patterns(patterns: &[String], threads: usize) -> Result<ParseStats, LintError> {
    let (targets, pool) = targets_and_pool(patterns, threads)?;
    pool.install(|| {
        let discovery = discover::discover(&targets, threads, &|_| false);
        let per_file: Vec<ParseStats> = discovery
            .files
            .par_iter()
            .map_init(crate::parse::new_parser, |parser, path| {
                let Some(text) =
                    crate::source::read_regular_file(path).ok().and_then(|bytes| String::from_utf8(bytes).ok())
                else {
                    return ParseStats::default();
                };
                if discover::is_generated(&text) {
                    return ParseStats::default();
                }
                let bytes = text.len();
                let file = SourceFile::new(path.clone(), path.clone(), text);
                let has_errors = crate::parse::parse(parser, &file).is_none_or(|tree| tree.root_node().has_error());
                ParseStats { files: 1, bytes, files_with_errors: usize::from(has_errors) }
            })
            .collect();
        Ok(per_file.into_iter().fold(ParseStats::default(), |sum, one| ParseStats {
            files: sum.files + one.files,
            bytes: sum.bytes + one.bytes,
            files_with_errors: sum.files_with_errors + one.files_with_errors,
        }))
    })
}

/// What linting one file gives.
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    pub source: Option<SourceFile>,
    pub generated: bool,
    /// No build includes the file (`//go:build ignore`); skipped as `go vet` skips it.
    pub constrained: bool,
}

fn lint_discovered(engine: &Engine, settings: &Settings, discovery: Discovery) -> LintOutcome {
    let modules = ModuleIndex::new(&discovery);
    let progress = crate::progress::start(discovery.files.len());
    let results: Vec<FileOutcome> = discovery
        .files
        .par_iter()
        .map_init(Worker::default, |worker, path| {
            let explicit = discovery.explicit.binary_search(path).is_ok();
            let outcome = lint_file(engine, worker, settings, path, modules.facts_for(path), explicit);
            crate::progress::tick();
            outcome
        })
        .collect();
    drop(progress);
    let mut outcome = LintOutcome::default();
    for (path, reason) in &discovery.unreadable {
        outcome.findings.push(unreadable_finding(path, reason));
    }
    for result in results {
        if result.generated {
            outcome.files_generated += 1;
            continue;
        }
        if result.constrained {
            outcome.files_constrained += 1;
            continue;
        }
        outcome.files_checked += 1;
        if let Some(source) = result.source
            && !result.findings.is_empty()
        {
            outcome.sources.insert(source.display_path.clone(), source);
        }
        outcome.findings.extend(result.findings);
    }
    outcome.findings.retain(|finding| settings.rule_enabled(&finding.rule));
    sort_findings(&mut outcome.findings);
    outcome.discovery = discovery;
    outcome
}

/// Read, parse, lint and filter one file.
pub fn lint_file(
    engine: &Engine,
    worker: &mut Worker,
    settings: &Settings,
    path: &Path,
    module: ModuleFacts,
    explicit: bool,
) -> FileOutcome {
    let display_path = display_path(path);
    // The stamp is taken before reading, so a change made while reading shows at write time.
    let read_stamp = std::fs::metadata(path).ok().map(|metadata| FileStamp::of(&metadata));
    let bytes = match crate::source::read_regular_file(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            let finding = unreadable_finding(&display_path, &discover::describe_io_error(&err));
            return FileOutcome { findings: vec![finding], source: None, generated: false, constrained: false };
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let reason =
                format!("not valid UTF-8 at byte {} (Go source must be UTF-8)", err.utf8_error().valid_up_to());
            return FileOutcome {
                findings: vec![unreadable_finding(&display_path, &reason)],
                source: None,
                generated: false,
                constrained: false,
            };
        }
    };
    if !explicit && discover::is_generated(&text) {
        return FileOutcome { findings: Vec::new(), source: None, generated: true, constrained: false };
    }
    // `go run gen.go` compiles a `//go:build ignore` file named on the command line; `./...` skips it.
    if !explicit && crate::engine::facts::version::excluded_by_build_constraint(&text) {
        return FileOutcome { findings: Vec::new(), source: None, generated: false, constrained: true };
    }
    let source = SourceFile::new(path.to_path_buf(), display_path, text).with_read_stamp(read_stamp);
    let findings = lint_source(engine, worker, settings, &source, module);
    FileOutcome { findings, source: Some(source), generated: false, constrained: false }
}

/// Lint text already in memory (used by `lint_file`, `--fix` rounds, tests and the fuzzer).
pub fn lint_source(
    engine: &Engine,
    worker: &mut Worker,
    settings: &Settings,
    source: &SourceFile,
    module: ModuleFacts,
) -> Vec<Finding> {
    let lint = engine.lint(worker, source, module);
    let mut findings = lint.findings;
    settings.apply_to_file(&source.display_path, &mut findings);
    suppress::apply(source, lint.tree.as_ref(), findings, settings)
}

/// Lint Go source held in memory as if it were the file `name` (docs examples, the fuzzer).
pub fn lint_text(name: &str, text: &str, settings: &Settings) -> Result<Vec<Finding>, LintError> {
    let mut engine =
        Engine::new(&settings.enabled_rules()).map_err(|err| LintError(format!("internal error: {err}")))?;
    // The file is its own package: its functions and types are what the pre-pass knows.
    engine.set_project(Arc::new(ProjectFacts::from_sources(&[(PathBuf::from(name), text.to_string())], &[])));
    let source = SourceFile::new(PathBuf::from(name), PathBuf::from(name), text);
    let mut findings = lint_source(&engine, &mut Worker::default(), settings, &source, ModuleFacts::default());
    sort_findings(&mut findings);
    Ok(findings)
}

pub fn display_path(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = if path.is_absolute() { path.strip_prefix(&cwd).unwrap_or(path) } else { path };
    normalize_display_path(shown)
}

fn unreadable_finding(path: &Path, reason: &str) -> Finding {
    crate::engine::builtin::not_linted(
        path,
        reason,
        "fix the file's permissions or encoding, or exclude it in golint-guard.toml",
    )
}
