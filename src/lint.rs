//! The `check` pipeline as a library: discover ─► read ─► parse ─► rules ─► suppress ─► sort.

use crate::cache::{ProjectCache, ResultCache, observe};
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
    lint_patterns_cached(patterns, settings, threads, None)
}

/// `lint_patterns`, reading and writing unchanged files' results in `cache`.
pub fn lint_patterns_cached(
    patterns: &[String],
    settings: &Settings,
    threads: usize,
    cache: Option<&ResultCache>,
) -> Result<LintOutcome, LintError> {
    let (targets, pool) = targets_and_pool(patterns, threads)?;
    // With a cache, the rules' query is compiled only if a file is linted.
    let mut engine = match cache {
        Some(_) => Engine::deferred(&settings.enabled_rules()),
        None => Engine::new(&settings.enabled_rules()).map_err(|err| LintError(format!("internal error: {err}")))?,
    };
    pool.install(|| {
        let discovery = discover::discover(&targets, threads, &|path| settings.is_excluded(path));
        if !engine.rules().is_empty() {
            // The module pre-pass: compact per-package facts, built on this pool's threads.
            engine.set_project(Arc::new(ProjectFacts::from_discovery(&discovery, 0)));
        }
        let mut outcome = lint_discovered(&engine, settings, discovery, cache);
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

fn lint_discovered(
    engine: &Engine,
    settings: &Settings,
    discovery: Discovery,
    cache: Option<&ResultCache>,
) -> LintOutcome {
    let modules = ModuleIndex::new(&discovery);
    let progress = crate::progress::start(discovery.files.len());
    let cache = cache.map(|cache| cache.for_project(engine.project().map(|project| &**project)));
    // Memory follows the work in flight: a file's text leaves with its lint. The files with
    // findings are read again once every file is linted (the report needs their text for
    // snippets, fingerprints and fixes), when the lint's trees and buffers are gone.
    let linted: Vec<(FileOutcome, Option<SetAside>)> = discovery
        .files
        .par_iter()
        .map_init(Worker::default, |worker, path| {
            let explicit = discovery.explicit.binary_search(path).is_ok();
            let module = modules.facts_for(path);
            let mut result = lint_file_cached(engine, worker, settings, path, module, explicit, cache.as_ref());
            crate::progress::tick();
            let source = result.source.take();
            let aside = source.filter(|_| !result.findings.is_empty()).map(|source| SetAside {
                hash: blake3::hash(source.text.as_bytes()),
                path: source.path,
                display_path: source.display_path,
                read_stamp: source.read_stamp,
                explicit,
            });
            (result, aside)
        })
        .collect();
    let results: Vec<FileOutcome> = linted
        .into_par_iter()
        .map_init(Worker::default, |worker, (mut result, aside)| {
            let Some(aside) = aside else { return result };
            match aside.read_again() {
                Some(source) => result.source = Some(source),
                // Changed since it was linted: report the file as it is now.
                None => {
                    let module = modules.facts_for(&aside.path);
                    result = lint_file_cached(engine, worker, settings, &aside.path, module, aside.explicit, None);
                }
            }
            result
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

/// A linted file with findings whose text was let go until the report.
struct SetAside {
    path: PathBuf,
    display_path: PathBuf,
    read_stamp: Option<FileStamp>,
    explicit: bool,
    /// The hash of the text linted.
    hash: blake3::Hash,
}

impl SetAside {
    /// The text again, if it is still the text that was linted.
    fn read_again(&self) -> Option<SourceFile> {
        let bytes = crate::source::read_regular_file(&self.path).ok()?;
        if blake3::hash(&bytes) != self.hash {
            return None;
        }
        let text = String::from_utf8(bytes).ok()?;
        Some(SourceFile::new(self.path.clone(), self.display_path.clone(), text).with_read_stamp(self.read_stamp))
    }
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
    lint_file_cached(engine, worker, settings, path, module, explicit, None)
}

/// `lint_file`, taking the findings from `cache` when an entry for this text is still valid,
/// and storing them there when not.
pub fn lint_file_cached(
    engine: &Engine,
    worker: &mut Worker,
    settings: &Settings,
    path: &Path,
    module: ModuleFacts,
    explicit: bool,
    cache: Option<&ProjectCache<'_>>,
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
    let Some(cache) = cache else {
        let source = SourceFile::new(path.to_path_buf(), display_path, text).with_read_stamp(read_stamp);
        let findings = lint_source(engine, worker, settings, &source, module);
        return FileOutcome { findings, source: Some(source), generated: false, constrained: false };
    };
    let key = cache.key(path, &display_path, module, explicit, &text);
    if let Some(findings) = cache.load(&key) {
        // The text is what the findings were computed from (its hash is in the key); it is
        // kept, as for a fresh lint, only when the report needs it.
        let source = (!findings.is_empty())
            .then(|| SourceFile::new(path.to_path_buf(), display_path, text).with_read_stamp(read_stamp));
        return FileOutcome { findings, source, generated: false, constrained: false };
    }
    let source = SourceFile::new(path.to_path_buf(), display_path, text).with_read_stamp(read_stamp);
    let (findings, observed) = observe::record(|| lint_source(engine, worker, settings, &source, module));
    cache.store(&key, &observed, &findings);
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
