//! The `check` pipeline as a library: discover ─► read ─► parse ─► rules ─► suppress ─► sort.

use crate::cache::{ProjectCache, ResultCache, ResultPack, observe};
use crate::config::Settings;
use crate::diagnostic::{Finding, sort_findings};
use crate::discover::{self, Discovery, ModuleIndex, Target};
use crate::engine::facts::module::{ProjectFacts, ReadFile};
use crate::engine::{BenchStage, Engine, ModuleFacts, Worker};
use crate::report::sources::{OnDisk, Sources};
use crate::source::{FileStamp, SourceFile, normalize_display_path};
use crate::suppress;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod groups;

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
    /// Every file that has a finding, by display path (reporters show snippets), read again
    /// from disk one at a time when a report asks for it.
    pub sources: Sources,
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
    let mut engine =
        Engine::new(&settings.enabled_rules()).map_err(|err| LintError(format!("internal error: {err}")))?;
    let stage = BenchStage::from_env().map_err(LintError)?;
    if stage.is_some() && cache.is_some() {
        // A partial run's results must not be stored as if they were a file's findings.
        return Err(LintError(format!("{} needs --no-cache", BenchStage::ENV)));
    }
    engine.set_bench_stage(stage);
    pool.install(|| {
        let discovery = discover::discover(&targets, threads, &|path| settings.is_excluded(path));
        Ok(lint_discovered(&mut engine, settings, discovery, cache))
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
            .with_max_len(1)
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

/// Lint every discovered file, one module group at a time (see [`groups`]): the pre-pass facts
/// of a group are built before its files are linted and let go after, so a tree of many
/// independent modules holds one group's facts at a time. With a cache, a group whose files
/// are all as a stored snapshot saw them is checked against that snapshot, without the
/// pre-pass (see [`crate::cache`]); only the files whose entries do not hold are linted.
fn lint_discovered(
    engine: &mut Engine,
    settings: &Settings,
    discovery: Discovery,
    cache: Option<&ResultCache>,
) -> LintOutcome {
    let modules = ModuleIndex::new(&discovery);
    let progress = crate::progress::start(discovery.files.len());
    let mut outcome = LintOutcome::default();
    for (path, reason) in &discovery.unreadable {
        outcome.findings.push(unreadable_finding(path, reason));
    }
    if engine.rules().is_empty() {
        let results = cache.map(|cache| cache.result_pack(&module_roots(&discovery.files, &modules)));
        let project_cache = cache.zip(results.as_ref()).map(|(cache, results)| cache.for_project(None, results));
        let linted = lint_files(engine, settings, &discovery, &discovery.files, &modules, project_cache.as_ref());
        add_results(&mut outcome, linted);
        drop(project_cache);
        if let Some(results) = results {
            results.save();
        }
    } else {
        let module_groups = groups::module_groups(&discovery, &modules);
        let single = module_groups.len() == 1;
        for group in &module_groups {
            let (files, facts_files) = (&group.files, &group.facts_files);
            // Let the previous group's facts go before building the next group's.
            engine.set_project(Arc::default());
            let roots = cache.map(|_| module_roots(facts_files, &modules)).unwrap_or_default();
            let results = cache.map(|cache| cache.result_pack(&roots));
            let replayed = cache
                .zip(results.as_ref())
                .and_then(|(cache, results)| replay_group(&discovery, files, facts_files, &modules, cache, results));
            let (to_lint, earlier) = match replayed {
                Some(replayed) => {
                    add_results(&mut outcome, replayed.results);
                    if replayed.missed.is_empty() {
                        if let Some(results) = results {
                            results.save();
                        }
                        continue;
                    }
                    (replayed.missed, Some(replayed.snapshot))
                }
                None => (files.clone(), None),
            };
            // The module pre-pass: compact per-package facts, built on this pool's threads.
            // With a cache, each file's content hash, taken as it is read, both finds its
            // stored scan and is noted for the group's snapshot.
            let read = std::sync::Mutex::new(Vec::new());
            let facts = match cache {
                Some(cache) => {
                    let scans = cache.scan_pack(&roots);
                    let facts = ProjectFacts::build_stored(
                        facts_files,
                        &discovery.modules,
                        &|path: &Path| {
                            let file = crate::source::read_regular_file(path).ok().map(ReadFile::new);
                            if let Ok(mut read) = read.lock() {
                                read.push((path.to_path_buf(), file.as_ref().map(ReadFile::hash)));
                            }
                            file
                        },
                        &scans,
                    );
                    scans.save();
                    facts
                }
                None if engine.bench_stage().is_some_and(|stage| !stage.builds_facts()) => ProjectFacts::default(),
                None => ProjectFacts::build(facts_files, &discovery.modules, 0),
            };
            engine.set_project(Arc::new(facts));
            let project = engine.project().map(|project| &**project);
            let project_cache = cache.zip(results.as_ref()).map(|(cache, results)| cache.for_project(project, results));
            add_results(
                &mut outcome,
                lint_files(engine, settings, &discovery, &to_lint, &modules, project_cache.as_ref()),
            );
            let snapshot = project_cache.map(|project_cache| project_cache.snapshot());
            // The entries first, so that a snapshot is never on disk before the entries it serves.
            if let Some(results) = results {
                results.save();
            }
            if let (Some(cache), Some(mut snapshot)) = (cache, snapshot) {
                let read = read.into_inner().unwrap_or_default();
                let key = cache.group_key(&discovery.modules, &group_contents(facts_files, read));
                if let Some(earlier) = earlier.filter(|(earlier_key, _)| *earlier_key == key) {
                    snapshot = snapshot.merged(&earlier.1);
                }
                cache.store_group(&key, &snapshot);
                cache.note_group(&cache.group_identity(&discovery.modules, facts_files));
            }
            // A run of one group keeps its facts for re-linting (`--fix`); with several, each
            // group's facts are built again when needed (`RelintFacts`).
            if single {
                outcome.project = engine.project().cloned();
            }
        }
    }
    drop(progress);
    outcome.findings.retain(|finding| settings.rule_enabled(&finding.rule));
    sort_findings(&mut outcome.findings);
    outcome.discovery = discovery;
    outcome
}

/// The roots of the modules `files` lie in, absolute and sorted (an empty path for files
/// outside every module): what names a module group's scan pack, whichever of its files a run
/// reads and whatever pattern found them.
fn module_roots(files: &[PathBuf], modules: &ModuleIndex) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    let mut last_dir = None;
    for file in files {
        // Files come sorted, so a directory's files are looked up once.
        let dir = file.parent();
        if dir == last_dir {
            continue;
        }
        last_dir = dir;
        roots.push(
            modules.module_for(file).map(|module| discover::absolute_normalized(&module.root)).unwrap_or_default(),
        );
    }
    roots.sort();
    roots.dedup();
    roots
}

/// Each file of a group with its content hash as the pre-pass read it (`read`), or as it is
/// now for a file the pre-pass did not read; sorted by path, as `replay_group` hashes them.
fn group_contents(
    files: &[PathBuf],
    read: Vec<(PathBuf, Option<blake3::Hash>)>,
) -> Vec<(PathBuf, Option<blake3::Hash>)> {
    let read: crate::hash::HashMap<PathBuf, Option<blake3::Hash>> = read.into_iter().collect();
    let mut contents: Vec<(PathBuf, Option<blake3::Hash>)> = files
        .par_iter()
        .map(|path| {
            let hash = match read.get(path) {
                Some(hash) => *hash,
                None => content_hash(path),
            };
            (path.clone(), hash)
        })
        .collect();
    contents.sort_by(|a, b| a.0.cmp(&b.0));
    contents
}

fn content_hash(path: &Path) -> Option<blake3::Hash> {
    crate::source::read_regular_file(path).ok().map(|bytes| blake3::hash(&bytes))
}

/// What a group's snapshot gave: the files whose entries held, and those to lint.
struct Replayed {
    results: Vec<(FileOutcome, Option<OnDisk>)>,
    missed: Vec<PathBuf>,
    /// The snapshot and its key, to be stored again with what the lints of `missed` add.
    snapshot: (crate::cache::Key, crate::cache::GroupSnapshot),
}

/// Check a group's files against its stored snapshot, if the files its pre-pass reads
/// (`facts_files`) are all as a stored snapshot's pre-pass read them.
fn replay_group(
    discovery: &Discovery,
    files: &[PathBuf],
    facts_files: &[PathBuf],
    modules: &ModuleIndex,
    cache: &ResultCache,
    results: &ResultPack<'_>,
) -> Option<Replayed> {
    if !cache.has_group(&cache.group_identity(&discovery.modules, facts_files)) {
        return None;
    }
    let contents = group_contents(facts_files, Vec::new());
    let key = cache.group_key(&discovery.modules, &contents);
    let snapshot = cache.load_group(&key)?;
    let project_cache = cache.replay(&snapshot, results)?;
    let looked_up: Vec<Result<(FileOutcome, Option<OnDisk>), PathBuf>> = files
        .par_iter()
        .map(|path| {
            let explicit = discovery.explicit.binary_search(path).is_ok();
            let module = modules.facts_for(path);
            let Some(mut result) = look_up_file(path, module, explicit, &project_cache) else {
                return Err(path.clone());
            };
            let Some(source) = result.source.take().filter(|_| !result.findings.is_empty()) else {
                crate::progress::tick();
                return Ok((result, None));
            };
            // As `lint_files` does: the report reads the file again, so it must still be this text.
            let on_disk = OnDisk::of(&source);
            drop(source);
            if !on_disk.unchanged() {
                return Err(path.clone());
            }
            crate::progress::tick();
            Ok((result, Some(on_disk)))
        })
        .collect();
    let (mut results, mut missed) = (Vec::new(), Vec::new());
    for outcome in looked_up {
        match outcome {
            Ok(result) => results.push(result),
            Err(path) => missed.push(path),
        }
    }
    Some(Replayed { results, missed, snapshot: (key, snapshot) })
}

/// Lint `files` (some of `discovery`'s) with the engine's current facts.
fn lint_files(
    engine: &Engine,
    settings: &Settings,
    discovery: &Discovery,
    files: &[PathBuf],
    modules: &ModuleIndex,
    cache: Option<&ProjectCache<'_>>,
) -> Vec<(FileOutcome, Option<OnDisk>)> {
    // Memory follows the work in flight: a file's text leaves with its lint. A file with
    // findings is read again once the files are linted, to check it is still the text linted,
    // and then again by each report that shows it (one file at a time: see `Sources`).
    // One file per task: files sorted by path put the heavy packages side by side, and with
    // rayon's default splitting one thread was left parsing a long run of them alone (on
    // `$(go env GOROOT)/src/...`, the last 1.6 s of a 5.4 s run on two threads).
    let linted: Vec<(FileOutcome, Option<(OnDisk, bool)>)> = files
        .par_iter()
        .with_max_len(1)
        .map_init(Worker::default, |worker, path| {
            let explicit = discovery.explicit.binary_search(path).is_ok();
            let module = modules.facts_for(path);
            let mut result = lint_file_cached(engine, worker, settings, path, module, explicit, cache);
            crate::progress::tick();
            let source = result.source.take();
            let aside = source.filter(|_| !result.findings.is_empty()).map(|source| (OnDisk::of(&source), explicit));
            (result, aside)
        })
        .collect();
    linted
        .into_par_iter()
        .map_init(Worker::default, |worker, (result, aside)| {
            let Some((on_disk, explicit)) = aside else { return (result, None) };
            if on_disk.unchanged() {
                return (result, Some(on_disk));
            }
            // Changed since it was linted: report the file as it is now, its text held.
            let module = modules.facts_for(&on_disk.path);
            (lint_file_cached(engine, worker, settings, &on_disk.path, module, explicit, None), None)
        })
        .collect()
}

fn add_results(outcome: &mut LintOutcome, results: Vec<(FileOutcome, Option<OnDisk>)>) {
    for (result, on_disk) in results {
        if result.generated {
            outcome.files_generated += 1;
            continue;
        }
        if result.constrained {
            outcome.files_constrained += 1;
            continue;
        }
        outcome.files_checked += 1;
        if !result.findings.is_empty() {
            if let Some(on_disk) = on_disk {
                outcome.sources.insert_on_disk(on_disk);
            } else if let Some(source) = result.source {
                outcome.sources.insert(source.display_path.clone(), source);
            }
        }
        outcome.findings.extend(result.findings);
    }
}

/// Pre-pass facts for linting a finished run's files again (`--fix`, fixture snapshots): the
/// run's own when it kept them, else those of the file's module group, built when first asked
/// for and kept until a file of another group asks.
pub struct RelintFacts<'o> {
    outcome: &'o LintOutcome,
    groups: Option<Vec<groups::Group>>,
    current: Option<(usize, Arc<ProjectFacts>)>,
}

impl<'o> RelintFacts<'o> {
    pub fn new(outcome: &'o LintOutcome) -> RelintFacts<'o> {
        RelintFacts { outcome, groups: None, current: None }
    }

    /// The facts `file` (a path as discovered) was linted with.
    pub fn for_file(&mut self, file: &Path) -> Option<Arc<ProjectFacts>> {
        if let Some(project) = &self.outcome.project {
            return Some(project.clone());
        }
        let discovery = &self.outcome.discovery;
        let groups = self.groups.get_or_insert_with(|| groups::module_groups(discovery, &ModuleIndex::new(discovery)));
        let group =
            groups.iter().position(|group| group.files.binary_search_by(|probe| probe.as_path().cmp(file)).is_ok())?;
        if let Some((current, project)) = &self.current
            && *current == group
        {
            return Some(project.clone());
        }
        self.current = None;
        let project = Arc::new(ProjectFacts::build(&groups[group].facts_files, &discovery.modules, 0));
        self.current = Some((group, project.clone()));
        Some(project)
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
    let read = match read_for_lint(path, explicit) {
        Read::Text(read) => read,
        Read::NotLinted(outcome) => return outcome,
    };
    let Some(cache) = cache else {
        let source = read.into_source();
        let findings = lint_source(engine, worker, settings, &source, module);
        return FileOutcome { findings, source: Some(source), generated: false, constrained: false };
    };
    let key = cache.key(path, &read.display_path, module, explicit, &read.text);
    if let Some(findings) = cache.load(&key) {
        // The text is what the findings were computed from (its hash is in the key); it is
        // kept, as for a fresh lint, only when the report needs it.
        let source = (!findings.is_empty()).then(|| read.into_source());
        return FileOutcome { findings, source, generated: false, constrained: false };
    }
    let source = read.into_source();
    let (findings, observed) = observe::record(|| lint_source(engine, worker, settings, &source, module));
    cache.store(&key, &observed, &findings);
    FileOutcome { findings, source: Some(source), generated: false, constrained: false }
}

/// `lint_file_cached` with a replayed cache and no facts to lint with: the outcome when the
/// file needs no lint (unreadable, generated, constrained) or its entry holds, else `None`.
fn look_up_file(path: &Path, module: ModuleFacts, explicit: bool, cache: &ProjectCache<'_>) -> Option<FileOutcome> {
    let read = match read_for_lint(path, explicit) {
        Read::Text(read) => read,
        Read::NotLinted(outcome) => return Some(outcome),
    };
    let key = cache.key(path, &read.display_path, module, explicit, &read.text);
    let findings = cache.load(&key)?;
    let source = (!findings.is_empty()).then(|| read.into_source());
    Some(FileOutcome { findings, source, generated: false, constrained: false })
}

/// A file read for linting.
enum Read {
    /// Its text, and its stamp from before it was read.
    Text(ReadText),
    /// The outcome of a file that is not linted: unreadable, not UTF-8, generated, or excluded
    /// by its build constraint.
    NotLinted(FileOutcome),
}

fn read_for_lint(path: &Path, explicit: bool) -> Read {
    let display_path = display_path(path);
    // The stamp is taken before reading, so a change made while reading shows at write time.
    let read_stamp = std::fs::metadata(path).ok().map(|metadata| FileStamp::of(&metadata));
    let bytes = match crate::source::read_regular_file(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            let finding = unreadable_finding(&display_path, &discover::describe_io_error(&err));
            return Read::NotLinted(FileOutcome {
                findings: vec![finding],
                source: None,
                generated: false,
                constrained: false,
            });
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let reason =
                format!("not valid UTF-8 at byte {} (Go source must be UTF-8)", err.utf8_error().valid_up_to());
            return Read::NotLinted(FileOutcome {
                findings: vec![unreadable_finding(&display_path, &reason)],
                source: None,
                generated: false,
                constrained: false,
            });
        }
    };
    if !explicit && discover::is_generated(&text) {
        return Read::NotLinted(FileOutcome {
            findings: Vec::new(),
            source: None,
            generated: true,
            constrained: false,
        });
    }
    // `go run gen.go` compiles a `//go:build ignore` file named on the command line; `./...` skips it.
    if !explicit && crate::engine::facts::version::excluded_by_build_constraint(&text) {
        return Read::NotLinted(FileOutcome {
            findings: Vec::new(),
            source: None,
            generated: false,
            constrained: true,
        });
    }
    Read::Text(ReadText { path: path.to_path_buf(), display_path, text, read_stamp })
}

/// A file's text before it is a `SourceFile`: a cache hit without findings needs only the
/// text's hash, not the line table (nor the copy into shared storage).
struct ReadText {
    path: PathBuf,
    display_path: PathBuf,
    text: String,
    /// The file's stamp from before it was read.
    read_stamp: Option<FileStamp>,
}

impl ReadText {
    fn into_source(self) -> SourceFile {
        SourceFile::new(self.path, self.display_path, self.text).with_read_stamp(self.read_stamp)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const STORE: &str = "package store\n\nimport \"errors\"\n\nfunc Save() error { return errors.New(\"x\") }\n";
    const MAIN: &str = "package main\n\nimport (\n\t\"example.com/app/store\"\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc main() {\n\tstore.Save()\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n\t<-c\n}\n";

    fn write_module(root: &Path) {
        for (path, text) in
            [("go.mod", "module example.com/app\n\ngo 1.22\n"), ("store/store.go", STORE), ("main.go", MAIN)]
        {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
    }

    /// (rule, path below the copy, line) of every finding in `copy`.
    fn findings_in(outcome: &LintOutcome, copy: &Path) -> Vec<(String, PathBuf, usize)> {
        let copy = display_path(copy);
        outcome
            .findings
            .iter()
            .filter_map(|finding| {
                let below = finding.path.strip_prefix(&copy).ok()?;
                Some((finding.rule.clone(), below.to_path_buf(), finding.start.line))
            })
            .collect()
    }

    #[test]
    fn copies_of_a_module_are_linted_as_each_is_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (alone, first, second) = (dir.path().join("alone"), dir.path().join("two/c1"), dir.path().join("two/c2"));
        for root in [&alone, &first, &second] {
            write_module(root);
        }
        let settings = Settings::only(&["unchecked-error", "signal-unbuffered"]);
        let lint = |path: &Path| lint_patterns(&[format!("{}/...", path.display())], &settings, 2).expect("lints");
        let one = lint(&alone);
        let two = lint(&dir.path().join("two"));
        let expected = findings_in(&one, &alone);
        let rules: Vec<&str> = expected.iter().map(|(rule, _, _)| rule.as_str()).collect();
        assert!(rules.contains(&"unchecked-error"), "a call into the module's other package is flagged: {expected:?}");
        assert!(rules.contains(&"signal-unbuffered"), "{expected:?}");
        assert_eq!(findings_in(&two, &first), expected);
        assert_eq!(findings_in(&two, &second), expected);

        // One group keeps its facts; two groups let them go, and a re-lint gets each file's own.
        assert!(one.project.is_some());
        assert!(two.project.is_none());
        let mut facts = RelintFacts::new(&two);
        for copy in [&first, &second] {
            let file = two.discovery.files.iter().find(|file| file.starts_with(copy)).expect("a file of the copy");
            let project = facts.for_file(file).expect("facts for a linted file");
            assert!(project.package_of_file(file).is_some(), "{} is in its group's facts", file.display());
            assert!(
                project.packages().iter().all(|package| package.dir().starts_with(copy)),
                "only the copy's own packages"
            );
        }
        assert!(facts.for_file(Path::new("/nowhere/x.go")).is_none());

        // `--diff` re-lints each copy with its own group's facts and fixes both the same way.
        let mode = crate::fix::FixMode { include_unsafe: true, write: false };
        let fixed = crate::fix::fix_outcome(&two, &settings, mode).expect("fixes");
        let alone_fixed = crate::fix::fix_outcome(&one, &settings, mode).expect("fixes");
        assert_eq!(fixed.files_changed.len(), 2, "{:?}", fixed.files_changed);
        assert_eq!(fixed.fixes_applied, 2 * alone_fixed.fixes_applied);
        assert!(alone_fixed.fixes_applied > 0);
    }
}
