//! Building [`ProjectFacts`]: read and scan files in parallel, merge them per package, find
//! the locks inside structs, resolve call sites and run the fixed points.

use super::scan::{self, CallSite, CallTarget, FileScan, FuncScan, Root, ScanInput, Step, named_type};
use super::{
    BlockCause, BlockReason, BuildStats, Field, Func, FuncRef, LockInfo, LockKind, Package, PackageId, ProjectFacts,
    ReadFile, ScanStore, Summary, Text, TypeDecl, TypeKind, Value, normalize,
};
use crate::discover::Module;
use crate::engine::facts::blocking::{self, BlockingCall};
use crate::engine::facts::lexer::Token;
use crate::engine::facts::stdlib;
use crate::hash::{HashMap, HashSet};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// How deep type lookups follow fields, embeddings and named types.
const MAX_TYPE_DEPTH: u32 = 8;

/// How many types one member lookup may visit through embedded fields: enough for real code,
/// and a bound on the otherwise exponential search through many embeddings.
pub(super) struct Budget(u32);

impl Default for Budget {
    fn default() -> Budget {
        Budget(64)
    }
}

impl Budget {
    fn spend(&mut self) -> bool {
        let left = self.0 > 0;
        self.0 = self.0.saturating_sub(1);
        left
    }
}

pub(super) fn build(files: &[PathBuf], modules: &[Module]) -> ProjectFacts {
    build_with(files, modules, &|path: &Path| crate::source::read_regular_file(path).ok())
}

/// What became of one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Outcome {
    Scanned(FileScan),
    Generated,
    /// `//go:build ignore`-style files are not part of any package.
    Ignored,
    Unreadable,
}

/// A package while it is being merged.
struct PackageBuild {
    dir: PathBuf,
    name: Text,
    type_path: Text,
    in_module: bool,
    files: Vec<PathBuf>,
    funcs: Vec<FuncScan>,
    types: Vec<TypeDecl>,
    values: Vec<Value>,
    incomplete: bool,
    dot_imports: Vec<Text>,
    imports: Vec<Text>,
    calls_shutdown: bool,
    /// The `module` path of the enclosing go.mod ("" outside a module).
    module_path: Text,
}

/// A merged function's scan results, waiting for call resolution.
struct PendingFunc {
    direct: Option<BlockReason>,
    calls: Vec<CallSite>,
    closes: u64,
    keeps: u64,
}

/// The call-graph facts of one function, before the fixed points.
#[derive(Default)]
struct FuncGraph {
    direct: Option<BlockReason>,
    /// Project callees that make this function block if they do, with the line of the call.
    block_callees: Vec<(FuncRef, u32)>,
    /// (callee, callee parameter, this function's parameter): channel parameters passed on,
    /// for both "closes" and "keeps".
    close_callees: Vec<(FuncRef, u8, u8)>,
    closes: u64,
    keeps: u64,
}

/// How the build reads a file's bytes (`None`: unreadable).
pub(super) type ReadFn<'r> = &'r (dyn Fn(&Path) -> Option<Vec<u8>> + Sync);

/// How a build with a [`ScanStore`] reads a file: its bytes with their hash (`None`: unreadable).
pub(super) type ReadHashedFn<'r> = &'r (dyn Fn(&Path) -> Option<ReadFile> + Sync);

pub(super) fn build_with(files: &[PathBuf], modules: &[Module], read: ReadFn<'_>) -> ProjectFacts {
    build_from_scans(files, modules, |dirs| scan_files(files, dirs, read))
}

/// `build_with`, taking scans from `store` by each file's content hash and leaving new ones there.
pub(super) fn build_stored(
    files: &[PathBuf],
    modules: &[Module],
    read: ReadHashedFn<'_>,
    store: &dyn ScanStore,
) -> ProjectFacts {
    build_from_scans(files, modules, |dirs| scan_files_stored(files, dirs, read, store))
}

/// Merge, type and resolve the packages of `files`, given each file's outcome from `scan`.
fn build_from_scans(
    files: &[PathBuf],
    modules: &[Module],
    scan: impl FnOnce(&DirPaths) -> Vec<Outcome>,
) -> ProjectFacts {
    let mut stats = BuildStats::default();
    let roots = module_roots(modules);
    let dirs = DirPaths::new(files, &roots, HashSet::default());
    let outcomes = scan(&dirs);
    let builds = group_packages(files, &dirs, &roots, outcomes, &mut stats);

    let mut facts = ProjectFacts::default();
    let ids: Vec<PackageId> = (0..builds.len() as PackageId).collect();
    let pending = install_packages(&mut facts, builds, &ids);
    stats.packages = facts.packages.len();
    stats.functions = facts.packages.iter().map(|package| package.funcs.len()).sum();
    stats.call_sites = pending.iter().flat_map(|(_, funcs)| funcs).map(|pending| pending.calls.len()).sum();
    link_packages(&mut facts, pending, None, &mut stats);
    stats.blocking_functions = facts
        .packages
        .iter()
        .flat_map(|package| package.funcs.iter())
        .filter(|func| func.summary.block.is_some())
        .count();
    facts.stats = stats;
    facts
}

/// Rebuild the packages of one directory from `files` (its `.go` files, read through `read`),
/// keeping every other package as it is: what an editor needs when one file changes.
///
/// The directory's packages are scanned, merged, typed and resolved exactly as `build_with`
/// does, against the other packages' current facts; their summaries come from a fixed point
/// over their own functions, taking the summaries of functions elsewhere as final (Go has no
/// import cycles, so those never depend on this directory, except through its dependents). The
/// dependents' own summaries are not recomputed: they stay as they were until their own
/// directory is rebuilt, and a "may block" reason that named a function that is gone is
/// dropped.
pub(super) fn rebuild_dir(
    facts: &mut ProjectFacts,
    dir: &Path,
    files: &[PathBuf],
    modules: &[Module],
    read: ReadFn<'_>,
) {
    let dir = normalize(dir);
    let files: Vec<PathBuf> =
        files.iter().filter(|file| normalize(file.parent().unwrap_or(Path::new("."))) == dir).cloned().collect();
    let roots = module_roots(modules);
    let known_paths: HashSet<Text> = facts
        .packages
        .iter()
        .filter(|package| package.in_module)
        .map(|package| match package.import_path.strip_suffix("_test").filter(|_| package.is_external_test()) {
            Some(path) => path.into(),
            None => package.import_path.clone(),
        })
        .collect();
    let dirs = DirPaths::new(&files, &roots, known_paths);
    let outcomes = scan_files_cached(&files, &dirs, read, &mut facts.scan_cache);
    let mut stats = facts.stats;
    let builds = group_packages(&files, &dirs, &roots, outcomes, &mut stats);

    // Retire the directory's old packages; their ids are reused so other packages' references stay valid.
    let old_ids = facts.by_dir.remove(&dir).unwrap_or_default();
    let mut old_funcs: HashMap<PackageId, Vec<(Text, Text)>> = HashMap::default();
    for &id in &old_ids {
        let old = std::mem::replace(&mut facts.packages[id as usize], Package::retired(id, dir.clone()));
        for file in old.files.iter() {
            facts.by_file.remove(&normalize(file));
        }
        if facts.by_import_path.get(&old.import_path) == Some(&id) {
            facts.by_import_path.remove(&old.import_path);
        }
        let keys = old.funcs.iter().map(|func| (func_key(func).0.into(), func.name.clone())).collect();
        old_funcs.insert(id, keys);
    }
    let mut next = facts.packages.len() as PackageId;
    let ids: Vec<PackageId> = (0..builds.len())
        .map(|index| {
            old_ids.get(index).copied().unwrap_or_else(|| {
                next += 1;
                next - 1
            })
        })
        .collect();
    let pending = install_packages(facts, builds, &ids);
    let rebuilt: HashSet<PackageId> = ids.iter().copied().collect();
    link_packages(facts, pending, Some(&rebuilt), &mut stats);
    remap_block_reasons(facts, &old_funcs, &rebuilt);
    stats.packages = facts.packages.iter().filter(|package| !package.files.is_empty()).count();
    facts.stats = stats;
}

/// Each file's directory and each directory's import path, computed once per directory.
struct DirPaths {
    file_dirs: Vec<PathBuf>,
    dir_paths: HashMap<PathBuf, (Text, bool)>,
    /// The import paths of every package directory in a module (the scanner tells the
    /// project's imports from others' with it).
    project_paths: HashSet<Text>,
}

impl DirPaths {
    fn new(files: &[PathBuf], roots: &[(PathBuf, Text)], mut project_paths: HashSet<Text>) -> DirPaths {
        let mut dir_paths: HashMap<PathBuf, (Text, bool)> = HashMap::default();
        let file_dirs: Vec<PathBuf> =
            files.iter().map(|file| normalize(file.parent().unwrap_or(Path::new(".")))).collect();
        for dir in &file_dirs {
            if !dir_paths.contains_key(dir) {
                let path = dir_import_path(dir, roots);
                dir_paths.insert(dir.clone(), path);
            }
        }
        project_paths.extend(dir_paths.values().filter(|(_, in_module)| *in_module).map(|(path, _)| path.clone()));
        DirPaths { file_dirs, dir_paths, project_paths }
    }

    /// A hash of the project's package paths, in sorted order.
    fn project_digest(&self) -> blake3::Hash {
        let mut paths: Vec<&str> = self.project_paths.iter().map(|path| &**path).collect();
        paths.sort_unstable();
        let mut hasher = blake3::Hasher::new();
        for path in paths {
            hasher.update(&(path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
        }
        hasher.finalize()
    }
}

/// Read and scan every file, in parallel.
fn scan_files(files: &[PathBuf], dirs: &DirPaths, read: ReadFn<'_>) -> Vec<Outcome> {
    each_file_scanned(files, dirs, |file, dir, (tokens, interner)| match read(file) {
        Some(source) => scan_source(&source, file, dir, dirs, tokens, interner),
        None => Outcome::Unreadable,
    })
}

/// A worker's token buffer and interner: what scanning one file needs besides the file.
type ScanState = (Vec<Token>, HashSet<Text>);

thread_local! {
    /// Kept across the files a worker scans (see [`each_file_scanned`]), emptied after the pass.
    static SCAN_STATE: std::cell::RefCell<ScanState> = std::cell::RefCell::default();
}

/// `scan` applied to every file and its directory, in parallel on the current rayon pool, one
/// file per task: with longer runs of files (rayon's default), one thread was left scanning the
/// last run alone, about a tenth of a second of a two-thread check of the standard library.
/// Each worker keeps one token buffer and one interner across its files, so names it meets in
/// many files share one allocation (an interner per task cost 4 MiB of peak memory there); both
/// are emptied when the pass is done.
fn each_file_scanned<T: Send>(
    files: &[PathBuf],
    dirs: &DirPaths,
    scan: impl Fn(&PathBuf, &PathBuf, &mut ScanState) -> T + Sync,
) -> Vec<T> {
    let outcomes = files
        .par_iter()
        .zip(dirs.file_dirs.par_iter())
        .with_max_len(1)
        .map(|(file, dir)| {
            SCAN_STATE.with(|state| match state.try_borrow_mut() {
                Ok(mut state) => scan(file, dir, &mut state),
                // Only if a scan ever waited on other rayon work and was handed this one.
                Err(_) => scan(file, dir, &mut ScanState::default()),
            })
        })
        .collect();
    rayon::broadcast(|_| SCAN_STATE.with(|state| state.take()));
    outcomes
}

/// Read every file and scan those whose scan `store` does not hold, in parallel, leaving the
/// new scans there.
fn scan_files_stored(
    files: &[PathBuf],
    dirs: &DirPaths,
    read: ReadHashedFn<'_>,
    store: &dyn ScanStore,
) -> Vec<Outcome> {
    let project_digest = dirs.project_digest();
    each_file_scanned(files, dirs, |file, dir, (tokens, interner)| {
        let Some(source) = read(file) else { return Outcome::Unreadable };
        let digest = scan_digest(&source.hash, file, dir, dirs, &project_digest);
        // A body that does not read back as an outcome (another layout) is scanned anew.
        if let Some(outcome) = store.load_scan(file, &digest).and_then(|body| postcard::from_bytes(&body).ok()) {
            return outcome;
        }
        let outcome = scan_source(&source.bytes, file, dir, dirs, tokens, interner);
        if let Ok(body) = postcard::to_allocvec(&outcome) {
            store.store_scan(file, &digest, &body);
        }
        outcome
    })
}

/// The layout of a stored scan: bump it when `Outcome` or what it holds changes shape or meaning.
/// (The store keeps each build's scans apart as well.)
const SCAN_LAYOUT: &str = "scan 1 postcard";

/// Everything `scan_source` reads for `file`, hashed: its bytes (by their hash,
/// `content_hash`), its name's `_test.go`, its directory's import path, and the project's
/// package paths (`project_digest`).
fn scan_digest(
    content_hash: &blake3::Hash,
    file: &Path,
    dir: &Path,
    dirs: &DirPaths,
    project_digest: &blake3::Hash,
) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    let mut field = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(SCAN_LAYOUT.as_bytes());
    field(project_digest.as_bytes());
    field(dirs.dir_paths[dir].0.as_bytes());
    field(&[u8::from(is_test_file(file))]);
    field(content_hash.as_bytes());
    hasher.finalize()
}

fn is_test_file(file: &Path) -> bool {
    file.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.ends_with("_test.go"))
}

/// Read every file and scan those whose text the cache has not seen, in parallel; the cache
/// then holds exactly these files. Each scan is cloned once: out of the cache for a file seen
/// before, into it for a file scanned now.
fn scan_files_cached(files: &[PathBuf], dirs: &DirPaths, read: ReadFn<'_>, cache: &mut ScanCache) -> Vec<Outcome> {
    let known = &cache.files;
    // `None` inside: the cached scan is still right.
    let scanned: Vec<Option<(Vec<u8>, Option<Outcome>)>> =
        each_file_scanned(files, dirs, |file, dir, (tokens, interner)| {
            let source = read(file)?;
            let outcome = match known.get(file) {
                Some((seen, _)) if *seen == source => None,
                _ => Some(scan_source(&source, file, dir, dirs, tokens, interner)),
            };
            Some((source, outcome))
        });
    let mut previous = std::mem::take(&mut cache.files);
    files
        .iter()
        .zip(scanned)
        .map(|(file, scanned)| match scanned {
            Some((source, fresh)) => {
                let kept = match fresh {
                    Some(outcome) => outcome,
                    // (A file named twice finds its scan moved already.)
                    None => previous
                        .remove(file)
                        .or_else(|| cache.files.get(file).cloned())
                        .map_or(Outcome::Unreadable, |(_, outcome)| outcome),
                };
                let outcome = kept.clone();
                cache.files.insert(file.clone(), (source, kept));
                outcome
            }
            None => Outcome::Unreadable,
        })
        .collect()
}

fn scan_source(
    source: &[u8],
    file: &Path,
    dir: &Path,
    dirs: &DirPaths,
    tokens: &mut Vec<Token>,
    interner: &mut HashSet<Text>,
) -> Outcome {
    let header = header_of(source);
    if crate::discover::is_generated(&header) {
        return Outcome::Generated;
    }
    if is_build_ignored(&header) {
        return Outcome::Ignored;
    }
    let (dir_path, _) = &dirs.dir_paths[dir];
    let input = ScanInput { dir_path, is_test_file: is_test_file(file), project_paths: &dirs.project_paths };
    let scanned = scan::scan_file(source, &input, tokens, interner);
    // Keep the per-thread token buffer from growing without bound on one huge file.
    if tokens.capacity() > 1 << 22 {
        *tokens = Vec::new();
    }
    match scanned {
        Some(scan) => Outcome::Scanned(scan),
        None => Outcome::Unreadable,
    }
}

/// The scans of the files of the directory rebuilt last, with the text each was scanned
/// from: typing in one file of a large package rescans that file only. (Comparing the texts
/// costs less than hashing them, and cannot be fooled by a collision.)
#[derive(Debug, Default)]
pub(super) struct ScanCache {
    files: HashMap<PathBuf, (Vec<u8>, Outcome)>,
}

/// Group the scanned files per (directory, package name), in a deterministic order.
fn group_packages(
    files: &[PathBuf],
    dirs: &DirPaths,
    roots: &[(PathBuf, Text)],
    outcomes: Vec<Outcome>,
    stats: &mut BuildStats,
) -> Vec<PackageBuild> {
    let mut builds: Vec<PackageBuild> = Vec::new();
    let mut index_of: HashMap<(PathBuf, Text), usize> = HashMap::default();
    let mut incomplete_dirs: HashSet<PathBuf> = HashSet::default();
    for ((file, dir), outcome) in files.iter().zip(&dirs.file_dirs).zip(outcomes) {
        let scan = match outcome {
            Outcome::Scanned(scan) => scan,
            Outcome::Generated => {
                stats.files_generated += 1;
                incomplete_dirs.insert(dir.clone());
                continue;
            }
            Outcome::Ignored => continue,
            Outcome::Unreadable => {
                stats.files_unreadable += 1;
                incomplete_dirs.insert(dir.clone());
                continue;
            }
        };
        stats.files_scanned += 1;
        stats.tokens += scan.tokens;
        stats.bytes += scan.bytes;
        stats.files_degraded += usize::from(scan.degraded);
        let key = (dir.clone(), scan.package.clone());
        let index = *index_of.entry(key).or_insert_with(|| {
            let (dir_path, in_module) = &dirs.dir_paths[dir];
            let is_test_file = file.to_str().is_some_and(|name| name.ends_with("_test.go"));
            let type_path = if is_test_file && scan.package.ends_with("_test") {
                format!("{dir_path}_test").into()
            } else {
                dir_path.clone()
            };
            builds.push(PackageBuild {
                dir: dir.clone(),
                name: scan.package.clone(),
                type_path,
                in_module: *in_module,
                files: Vec::new(),
                funcs: Vec::new(),
                types: Vec::new(),
                values: Vec::new(),
                incomplete: false,
                dot_imports: Vec::new(),
                imports: Vec::new(),
                calls_shutdown: false,
                module_path: module_path_of(dir, roots),
            });
            builds.len() - 1
        });
        let build = &mut builds[index];
        let file_index = build.files.len() as u32;
        build.files.push(file.clone());
        build.incomplete |= scan.degraded;
        build.dot_imports.extend(scan.dot_imports);
        // What the package's own code uses: its tests' imports say nothing about it.
        if !file.to_str().is_some_and(|name| name.ends_with("_test.go")) {
            build.imports.extend(scan.imports);
            build.calls_shutdown |= scan.calls_shutdown;
        }
        for mut func in scan.funcs {
            func.func.file = file_index;
            build.funcs.push(func);
        }
        for mut decl in scan.types {
            decl.file = file_index;
            build.types.push(decl);
        }
        for mut value in scan.values {
            value.file = file_index;
            build.values.push(value);
        }
    }
    for build in &mut builds {
        build.incomplete |= incomplete_dirs.contains(&build.dir);
    }
    // Deterministic ids: by directory, then the package most files declare, then name.
    builds.sort_by(|a, b| {
        let test = |build: &PackageBuild| build.name.ends_with("_test");
        (&a.dir, test(a), std::cmp::Reverse(a.files.len()), &a.name).cmp(&(
            &b.dir,
            test(b),
            std::cmp::Reverse(b.files.len()),
            &b.name,
        ))
    });
    builds
}

/// Merge each build into `facts` as the package `ids[i]` (a new id is the next index), and
/// index it; returns the call sites waiting for resolution.
fn install_packages(
    facts: &mut ProjectFacts,
    builds: Vec<PackageBuild>,
    ids: &[PackageId],
) -> Vec<(PackageId, Vec<PendingFunc>)> {
    let mut pending_calls = Vec::with_capacity(builds.len());
    let mut interner = Interner::default();
    // Merging (sorting and deduplicating each package's declarations) is most of the work and
    // needs nothing shared: in parallel. Interning and installing stay in package order.
    let merged: Vec<(Package, Vec<PendingFunc>)> =
        builds.into_par_iter().zip(ids.par_iter()).map(|(build, &id)| merge_package(id, build)).collect();
    for (mut package, calls) in merged {
        let id = package.id;
        intern_package(&mut package, &mut interner);
        for file in package.files.iter() {
            facts.by_file.insert(normalize(file), id);
        }
        facts.by_dir.entry(package.dir.clone()).or_default().push(id);
        facts.by_import_path.entry(package.import_path.clone()).or_insert(id);
        pending_calls.push((id, calls));
        if id as usize == facts.packages.len() {
            facts.packages.push(package);
        } else {
            facts.packages[id as usize] = package;
        }
    }
    pending_calls
}

/// Everything after merging: locks inside structs, package-level variable types, call
/// resolution and the summaries' fixed points, for the packages in `only` (all when `None`).
fn link_packages(
    facts: &mut ProjectFacts,
    pending: Vec<(PackageId, Vec<PendingFunc>)>,
    only: Option<&HashSet<PackageId>>,
    stats: &mut BuildStats,
) {
    assign_locks(facts, only);
    type_values(facts, only);
    // Resolve every call site against the merged packages (read-only, in parallel).
    let graphs: Vec<(PackageId, Vec<FuncGraph>)> = {
        let facts = &*facts;
        let indexes = &Indexes::new(facts);
        pending
            .into_par_iter()
            .map(|(id, funcs)| {
                let package = &facts.packages[id as usize];
                let graphs = funcs.into_iter().map(|pending| resolve_function(facts, package, indexes, pending));
                (id, graphs.collect())
            })
            .collect()
    };
    fixed_points(facts, graphs, stats);
}

/// After a directory was rebuilt: point the "may block" reasons of other packages that named a
/// function of it at that function's new index, or drop them when it is gone.
fn remap_block_reasons(
    facts: &mut ProjectFacts,
    old_funcs: &HashMap<PackageId, Vec<(Text, Text)>>,
    rebuilt: &HashSet<PackageId>,
) {
    let mut moves: Vec<(usize, usize, Option<FuncRef>)> = Vec::new();
    for package in &facts.packages {
        if rebuilt.contains(&package.id) {
            continue;
        }
        for (index, func) in package.funcs.iter().enumerate() {
            let Some(BlockReason { cause: BlockCause::Calls(callee), .. }) = &func.summary.block else { continue };
            let Some(keys) = old_funcs.get(&callee.package) else { continue };
            let new = keys.get(callee.index as usize).and_then(|(receiver, name)| {
                let owner = &facts.packages[callee.package as usize];
                let index = owner.func_index(receiver, name)?;
                owner.funcs[index].summary.block.is_some().then_some(FuncRef { package: owner.id, index: index as u32 })
            });
            moves.push((package.id as usize, index, new));
        }
    }
    for (package, index, new) in moves {
        let summary = &mut facts.packages[package].funcs_mut()[index].summary;
        match (new, &mut summary.block) {
            (Some(callee), Some(reason)) => reason.cause = BlockCause::Calls(callee),
            _ => summary.block = None,
        }
    }
}

impl Package {
    /// A package id whose directory no longer declares it: no files, no declarations.
    fn retired(id: PackageId, dir: PathBuf) -> Package {
        Package {
            id,
            dir,
            name: "".into(),
            import_path: "".into(),
            in_module: false,
            files: Box::default(),
            incomplete: false,
            funcs: Box::default(),
            func_hashes: Box::default(),
            types: Box::default(),
            type_variants: Box::default(),
            values: Box::default(),
            imports: Box::default(),
            calls_shutdown: false,
            module_path: "".into(),
        }
    }

    fn funcs_mut(&mut self) -> &mut [Func] {
        &mut self.funcs
    }
}

/// The `module` path of the nearest go.mod above `dir` ("" when there is none).
fn module_path_of(dir: &Path, roots: &[(PathBuf, Text)]) -> Text {
    roots.iter().find(|(root, _)| dir.starts_with(root)).map_or_else(|| "".into(), |(_, path)| path.clone())
}

/// Module roots, longest first, so the nearest enclosing module wins.
fn module_roots(modules: &[Module]) -> Vec<(PathBuf, Text)> {
    let mut roots: Vec<(PathBuf, Text)> =
        modules.iter().map(|module| (normalize(&module.root), module.module_path.as_str().into())).collect();
    roots.sort_by_key(|(root, _)| std::cmp::Reverse(root.components().count()));
    roots
}

/// The import path of a directory and whether it is inside a module. Outside a module (or in
/// one without a `module` line) the pseudo path is `_/<dir>`.
fn dir_import_path(dir: &Path, roots: &[(PathBuf, Text)]) -> (Text, bool) {
    for (root, module_path) in roots {
        let Ok(relative) = dir.strip_prefix(root) else { continue };
        if module_path.is_empty() {
            break;
        }
        let relative: Vec<&str> = relative.components().filter_map(|part| part.as_os_str().to_str()).collect();
        let relative = relative.join("/");
        // `$GOROOT/src` is the module `std`, whose packages are imported without a prefix.
        let path = match (&**module_path, relative.is_empty()) {
            (_, true) => module_path.to_string(),
            ("std", false) => relative,
            (_, false) => format!("{module_path}/{relative}"),
        };
        return (type_path_text(&path).into(), true);
    }
    (type_path_text(&format!("_{}", dir.to_string_lossy().replace('\\', "/"))).into(), false)
}

/// A path as it may appear in type text: characters Go import paths cannot hold (spaces,
/// brackets, quotes, which would make `path.Name` ambiguous) become `_`.
fn type_path_text(path: &str) -> String {
    path.chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, '/' | '.' | '-' | '_' | '~' | '+') { c } else { '_' })
        .collect()
}

/// The text before the package clause (comments and build constraints), as UTF-8.
fn header_of(source: &[u8]) -> String {
    let mut end = 0;
    for line in source.split(|&byte| byte == b'\n') {
        if line.starts_with(b"package ") || end > 64 * 1024 {
            break;
        }
        end += line.len() + 1;
    }
    String::from_utf8_lossy(&source[..end.min(source.len())]).into_owned()
}

/// `//go:build ignore` (or `// +build ignore`): the file is a generator script, not part of the
/// package. The same test the main pass uses.
fn is_build_ignored(header: &str) -> bool {
    crate::engine::facts::version::excluded_by_build_constraint(header)
}

/// Shares one allocation among equal names and type texts across the whole project.
#[derive(Default)]
struct Interner(HashSet<Text>);

impl Interner {
    fn text(&mut self, text: &mut Text) {
        match self.0.get(&**text) {
            Some(existing) => *text = existing.clone(),
            None => {
                self.0.insert(text.clone());
            }
        }
    }

    fn params(&mut self, params: &mut [super::Param]) {
        for param in params {
            if let Some(name) = &mut param.name {
                self.text(name);
            }
            self.text(&mut param.ty);
        }
    }

    fn signature(&mut self, signature: &mut super::Signature) {
        self.params(&mut signature.params);
        self.params(&mut signature.results);
    }

    fn func(&mut self, func: &mut Func) {
        self.text(&mut func.name);
        if let Some(receiver) = &mut func.receiver {
            self.text(&mut receiver.type_name);
        }
        func.type_params.iter_mut().for_each(|name| self.text(name));
        if let Some(signature) = &mut func.signature {
            self.signature(signature);
        }
    }

    fn fields(&mut self, fields: &mut [Field]) {
        for field in fields {
            self.text(&mut field.name);
            self.text(&mut field.ty);
            if let Some(inline) = &mut field.inline_struct {
                self.fields(inline);
            }
        }
    }

    fn type_decl(&mut self, decl: &mut TypeDecl) {
        self.text(&mut decl.name);
        decl.type_params.iter_mut().for_each(|name| self.text(name));
        match &mut decl.kind {
            TypeKind::Struct(struct_type) => self.fields(&mut struct_type.fields),
            TypeKind::Interface(interface) => {
                for method in interface.methods.iter_mut() {
                    self.text(&mut method.name);
                    self.signature(&mut method.signature);
                }
                interface.embeds.iter_mut().for_each(|embed| self.text(embed));
            }
            TypeKind::Named { underlying, .. } => self.text(underlying),
        }
    }

    fn value(&mut self, value: &mut Value) {
        self.text(&mut value.name);
        if let Some(ty) = &mut value.ty {
            self.text(ty);
        }
    }
}

/// Merge a package's files: sort declarations, merge build-tag variants of a function.
fn merge_package(id: PackageId, build: PackageBuild) -> (Package, Vec<PendingFunc>) {
    let mut merged: Vec<FuncScan> = Vec::with_capacity(build.funcs.len());
    let mut by_key: HashMap<(Text, Text), usize> = HashMap::default();
    for scan in build.funcs {
        let receiver: Text = scan.func.receiver.as_ref().map_or("".into(), |receiver| receiver.type_name.clone());
        match by_key.get(&(receiver.clone(), scan.func.name.clone())) {
            Some(&index) => {
                let existing = &mut merged[index];
                if existing.func.signature != scan.func.signature {
                    existing.func.signature = None;
                }
                existing.func.has_body |= scan.func.has_body;
                if existing.direct.is_none() {
                    existing.direct = scan.direct;
                }
                existing.calls.extend(scan.calls);
                existing.closes |= scan.closes;
                // Kept only when every variant keeps it.
                existing.keeps &= scan.keeps;
            }
            None => {
                by_key.insert((receiver, scan.func.name.clone()), merged.len());
                merged.push(scan);
            }
        }
    }
    merged.sort_by(|a, b| func_key(&a.func).cmp(&func_key(&b.func)));
    let mut funcs = Vec::with_capacity(merged.len());
    let mut calls = Vec::with_capacity(merged.len());
    for scan in merged {
        funcs.push(scan.func);
        calls.push(PendingFunc { direct: scan.direct, calls: scan.calls, closes: scan.closes, keeps: scan.keeps });
    }

    // One declaration per name; build-tag variants of it (`fd_unix.go`, `fd_plan9.go`) are kept
    // aside so facts about the type can require all of them to agree.
    let mut types = build.types;
    types.sort_by(|a, b| a.name.cmp(&b.name));
    let mut type_variants: Vec<TypeDecl> = Vec::new();
    let mut unique: Vec<TypeDecl> = Vec::with_capacity(types.len());
    for decl in types {
        match unique.last() {
            Some(first) if first.name == decl.name => type_variants.push(decl),
            _ => unique.push(decl),
        }
    }
    let mut types = unique;

    let mut values = build.values;
    values.sort_by(|a, b| a.name.cmp(&b.name));
    let mut deduped: Vec<Value> = Vec::with_capacity(values.len());
    for value in values {
        match deduped.last_mut() {
            Some(previous) if previous.name == value.name => {
                if previous.ty != value.ty {
                    previous.ty = None;
                }
                previous.sentinel_error &= value.sentinel_error;
            }
            _ => deduped.push(value),
        }
    }

    if !build.dot_imports.is_empty() {
        let names: Vec<Text> = types.iter().map(|decl| decl.name.clone()).collect();
        let declared: HashSet<&str> = names.iter().map(|name| &**name).collect();
        let settle = DotNames { own_path: &build.type_path, declared: &declared, dot_imports: &build.dot_imports };
        for func in &mut funcs {
            if let Some(signature) = &mut func.signature {
                settle.signature(signature);
            }
        }
        for decl in types.iter_mut().chain(type_variants.iter_mut()) {
            settle.type_decl(decl);
        }
        for value in &mut deduped {
            if let Some(ty) = &mut value.ty {
                settle.text(ty);
            }
        }
    }
    let package = Package {
        id,
        dir: build.dir,
        name: build.name,
        import_path: build.type_path,
        in_module: build.in_module,
        files: build.files.into(),
        incomplete: build.incomplete,
        func_hashes: super::func_hashes(&funcs),
        funcs: funcs.into(),
        types: types.into(),
        type_variants: type_variants.into(),
        values: deduped.into(),
        imports: {
            let mut imports = build.imports;
            imports.sort();
            imports.dedup();
            imports.into()
        },
        calls_shutdown: build.calls_shutdown,
        module_path: build.module_path,
    };
    (package, calls)
}

/// Share `package`'s names and type texts with the rest of the project's.
fn intern_package(package: &mut Package, interner: &mut Interner) {
    package.types.iter_mut().chain(package.type_variants.iter_mut()).for_each(|decl| interner.type_decl(decl));
    package.values.iter_mut().for_each(|value| interner.value(value));
    package.funcs.iter_mut().for_each(|func| interner.func(func));
}

/// Settles the bare names (`?Name`) the scanner left in files with a dot-import: a type this
/// package declares is its own (Go forbids the same name from a dot-import), one a dot-imported
/// standard-library package declares is that package's, anything else is unknown (`?`).
struct DotNames<'b> {
    own_path: &'b str,
    declared: &'b HashSet<&'b str>,
    dot_imports: &'b [Text],
}

impl DotNames<'_> {
    fn text(&self, text: &mut Text) {
        if !text.contains('?') {
            return;
        }
        let mut out = String::with_capacity(text.len() + self.own_path.len());
        let mut rest = &**text;
        while let Some(at) = rest.find('?') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let end = after.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(after.len());
            let name = &after[..end];
            let owner = if name.is_empty() {
                None
            } else if self.declared.contains(name) {
                Some(self.own_path)
            } else {
                self.dot_imports.iter().map(|path| &**path).find(|path| stdlib::type_info(path, name).is_some())
            };
            match owner {
                Some(path) => {
                    out.push_str(path);
                    out.push('.');
                    out.push_str(name);
                }
                None => out.push('?'),
            }
            rest = &after[end..];
        }
        out.push_str(rest);
        *text = out.into();
    }

    fn signature(&self, signature: &mut super::Signature) {
        for param in signature.params.iter_mut().chain(signature.results.iter_mut()) {
            self.text(&mut param.ty);
        }
    }

    fn fields(&self, fields: &mut [Field]) {
        for field in fields {
            self.text(&mut field.ty);
            if let Some(inline) = &mut field.inline_struct {
                self.fields(inline);
            }
        }
    }

    fn type_decl(&self, decl: &mut TypeDecl) {
        match &mut decl.kind {
            TypeKind::Struct(struct_type) => self.fields(&mut struct_type.fields),
            TypeKind::Interface(interface) => {
                for method in interface.methods.iter_mut() {
                    self.signature(&mut method.signature);
                }
                interface.embeds.iter_mut().for_each(|embed| self.text(embed));
            }
            TypeKind::Named { underlying, .. } => self.text(underlying),
        }
    }
}

fn func_key(func: &Func) -> (&str, &str) {
    (func.receiver.as_ref().map_or("", |receiver| &receiver.type_name), &func.name)
}

// ---------------------------------------------------------------------------------------------
// Type lookups across the project and the standard library.

pub(super) fn find_method<'f>(
    facts: &'f ProjectFacts,
    package: &'f Package,
    type_name: &str,
    method: &str,
    budget: &mut Budget,
) -> Option<(&'f Package, &'f Func)> {
    if !budget.spend() {
        return None;
    }
    if let Some(func) = package.method(type_name, method) {
        return Some((package, func));
    }
    let decl = package.type_decl(type_name)?;
    match &decl.kind {
        TypeKind::Struct(struct_type) => struct_type.fields.iter().filter(|field| field.embedded).find_map(|field| {
            let (path, name) = named_type(&field.ty)?;
            let owner = facts.package_by_type_path(path)?;
            find_method(facts, owner, name, method, budget)
        }),
        TypeKind::Named { underlying, alias: true } => {
            let (path, name) = named_type(underlying)?;
            let owner = facts.package_by_type_path(path)?;
            find_method(facts, owner, name, method, budget)
        }
        _ => None,
    }
}

pub(super) fn find_field<'f>(
    facts: &'f ProjectFacts,
    package: &'f Package,
    type_name: &str,
    field: &str,
    budget: &mut Budget,
) -> Option<(&'f Package, &'f Field)> {
    if !budget.spend() {
        return None;
    }
    let decl = package.type_decl(type_name)?;
    match &decl.kind {
        TypeKind::Struct(struct_type) => {
            if let Some(found) = struct_type.field(field) {
                return Some((package, found));
            }
            struct_type.fields.iter().filter(|candidate| candidate.embedded).find_map(|embedded| {
                let (path, name) = named_type(&embedded.ty)?;
                let owner = facts.package_by_type_path(path)?;
                find_field(facts, owner, name, field, budget)
            })
        }
        TypeKind::Named { underlying, .. } => {
            let (path, name) = named_type(underlying)?;
            let owner = facts.package_by_type_path(path)?;
            find_field(facts, owner, name, field, budget)
        }
        TypeKind::Interface(_) => None,
    }
}

/// The type of field `field` of a value of type `ty` (project or standard library).
fn field_type(facts: &ProjectFacts, ty: &str, field: &str) -> Option<Text> {
    let (path, type_name) = named_type(ty)?;
    if let Some(package) = facts.package_by_type_path(path) {
        if let Some((_, found)) = find_field(facts, package, type_name, field, &mut Budget::default()) {
            return Some(found.ty.clone());
        }
        // A field promoted from an embedded standard-library struct.
        let struct_type = package.struct_type(type_name)?;
        return struct_type.fields.iter().filter(|candidate| candidate.embedded).find_map(|embedded| {
            let (path, name) = named_type(&embedded.ty)?;
            stdlib::field(path, name, field).map(|ty| ty.as_str().into())
        });
    }
    stdlib::field(path, type_name, field).map(|ty| ty.as_str().into())
}

/// The element type of indexing a value of type `ty`.
fn element_type(facts: &ProjectFacts, ty: &str, depth: u32) -> Option<Text> {
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    let ty = ty.strip_prefix('*').unwrap_or(ty);
    if let Some(rest) = ty.strip_prefix("map[") {
        let close = matching_bracket(rest)?;
        return Some(rest[close + 1..].into());
    }
    if let Some(rest) = ty.strip_prefix('[') {
        let close = matching_bracket(rest)?;
        return Some(rest[close + 1..].into());
    }
    let (path, type_name) = named_type(ty)?;
    let package = facts.package_by_type_path(path)?;
    match &package.type_decl(type_name)?.kind {
        TypeKind::Named { underlying, .. } => element_type(facts, underlying, depth + 1),
        _ => None,
    }
}

/// Index of the `]` closing a bracket opened just before `text`.
pub(super) fn matching_bracket(text: &str) -> Option<usize> {
    let mut depth = 1usize;
    for (index, byte) in text.bytes().enumerate() {
        match byte {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Locks inside structs.

fn assign_locks(facts: &mut ProjectFacts, only: Option<&HashSet<PackageId>>) {
    let mut memo: HashMap<(PackageId, usize), Option<LockInfo>> = HashMap::default();
    let mut found: Vec<(PackageId, usize, LockInfo)> = Vec::new();
    for package in facts.packages.iter().filter(|package| only.is_none_or(|only| only.contains(&package.id))) {
        for (index, decl) in package.types.iter().enumerate() {
            if matches!(decl.kind, TypeKind::Struct(_))
                && let Some(lock) = struct_lock(facts, package, index, &mut memo, 0)
            {
                found.push((package.id, index, lock));
            }
        }
    }
    for (package, index, lock) in found {
        if let TypeKind::Struct(struct_type) = &mut facts.packages[package as usize].types_mut()[index].kind {
            struct_type.lock = Some(lock);
        }
    }
}

impl Package {
    fn types_mut(&mut self) -> &mut [TypeDecl] {
        &mut self.types
    }
}

fn struct_lock(
    facts: &ProjectFacts,
    package: &Package,
    index: usize,
    memo: &mut HashMap<(PackageId, usize), Option<LockInfo>>,
    depth: u32,
) -> Option<LockInfo> {
    if let Some(known) = memo.get(&(package.id, index)) {
        return known.clone();
    }
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    // A cycle (only in malformed code) reads as "no lock".
    memo.insert((package.id, index), None);
    let decl = &package.types[index];
    let TypeKind::Struct(struct_type) = &decl.kind else { return None };
    let lock = fields_lock(facts, package, &struct_type.fields, memo, depth)
        .filter(|_| variants_hold_lock(facts, package, &decl.name, memo, depth));
    memo.insert((package.id, index), lock.clone());
    lock
}

fn fields_lock(
    facts: &ProjectFacts,
    package: &Package,
    fields: &[Field],
    memo: &mut HashMap<(PackageId, usize), Option<LockInfo>>,
    depth: u32,
) -> Option<LockInfo> {
    fields.iter().find_map(|field| {
        let (inner, kind) = type_lock(facts, package, &field.ty, field.inline_struct.as_deref(), memo, depth)?;
        let field_path = match inner {
            Some(inner) => format!("{}.{inner}", field.name).into(),
            None => field.name.clone(),
        };
        Some(LockInfo { field_path, kind })
    })
}

/// The lock a value of type `ty` holds: the path inside it (`None` when `ty` is the lock).
fn type_lock(
    facts: &ProjectFacts,
    package: &Package,
    ty: &str,
    inline_struct: Option<&[Field]>,
    memo: &mut HashMap<(PackageId, usize), Option<LockInfo>>,
    depth: u32,
) -> Option<(Option<Text>, LockKind)> {
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    // Arrays hold their elements by value.
    let mut ty = ty;
    while let Some(rest) = ty.strip_prefix('[') {
        if rest.starts_with(']') {
            return None;
        }
        ty = &rest[matching_bracket(rest)? + 1..];
    }
    if ty.starts_with("struct{") {
        let lock = fields_lock(facts, package, inline_struct?, memo, depth + 1)?;
        return Some((Some(lock.field_path), lock.kind));
    }
    if ty.starts_with('*') {
        return None;
    }
    let (path, name) = named_type(ty)?;
    if path == "sync" {
        return LockKind::from_sync_name(name).map(|kind| (None, kind));
    }
    let owner = facts.package_by_type_path(path)?;
    let index = owner.types.binary_search_by(|decl| (*decl.name).cmp(name)).ok()?;
    match &owner.types[index].kind {
        TypeKind::Struct(_) => {
            let lock = struct_lock(facts, owner, index, memo, depth + 1)?;
            Some((Some(lock.field_path), lock.kind))
        }
        TypeKind::Named { underlying, .. } => type_lock(facts, owner, underlying, None, memo, depth + 1)
            .filter(|_| variants_hold_lock(facts, owner, name, memo, depth)),
        TypeKind::Interface(_) => None,
    }
}

/// Every build-tag variant of the type `name` other than the one kept holds a lock by value
/// too (true when there are none): a lock in one build says nothing about the others.
fn variants_hold_lock(
    facts: &ProjectFacts,
    package: &Package,
    name: &str,
    memo: &mut HashMap<(PackageId, usize), Option<LockInfo>>,
    depth: u32,
) -> bool {
    package.type_variants_of(name).iter().all(|variant| match &variant.kind {
        TypeKind::Struct(struct_type) => fields_lock(facts, package, &struct_type.fields, memo, depth + 1).is_some(),
        TypeKind::Named { underlying, .. } => type_lock(facts, package, underlying, None, memo, depth + 1).is_some(),
        TypeKind::Interface(_) => false,
    })
}

// ---------------------------------------------------------------------------------------------
// Package-level variables initialised from other variables or calls.

/// Give `var X = Other` / `var X = f()` the type of what they name, and make them sentinel
/// errors when that is one (`ErrNotExist = fs.ErrNotExist`, `ErrX = newError()`). A few rounds
/// settle chains of aliases; the initializers are dropped afterwards.
fn type_values(facts: &mut ProjectFacts, only: Option<&HashSet<PackageId>>) {
    const ROUNDS: usize = 4;
    let selected = |package: &Package| only.is_none_or(|only| only.contains(&package.id));
    for _ in 0..ROUNDS {
        let mut updates: Vec<(usize, usize, Text, bool)> = Vec::new();
        for (package_index, package) in facts.packages.iter().enumerate().filter(|(_, package)| selected(package)) {
            for (value_index, value) in package.values.iter().enumerate() {
                let Some(init) = value.init.as_deref() else { continue };
                if value.ty.is_some() {
                    continue;
                }
                if let Some((ty, sentinel)) = init_type(facts, package, init) {
                    updates.push((package_index, value_index, ty, sentinel));
                }
            }
        }
        if updates.is_empty() {
            break;
        }
        for (package, value, ty, sentinel) in updates {
            let value = &mut facts.packages[package].values_mut()[value];
            value.sentinel_error |= sentinel;
            value.ty = Some(ty);
        }
    }
    for package in facts.packages.iter_mut().filter(|package| selected(package)) {
        for value in package.values_mut() {
            value.init = None;
        }
    }
}

/// The type of an initializer and whether it is a sentinel error.
fn init_type(facts: &ProjectFacts, package: &Package, init: &super::ValueInit) -> Option<(Text, bool)> {
    use super::ValueInit;
    match init {
        ValueInit::Var(path, name) => {
            let owner = match path {
                None => Some(package),
                Some(path) => facts.package_by_type_path(path),
            };
            if let Some(owner) = owner {
                let value = owner.value(name)?;
                return Some((value.ty.clone()?, value.sentinel_error));
            }
            let ty = stdlib::var(path.as_deref()?, name)?;
            Some((ty.as_str().into(), ty.is_error()))
        }
        ValueInit::Call(path, name) => {
            let results: Vec<Text> = match path.as_deref().map(|path| (path, facts.package_by_type_path(path))) {
                None => result_types(package.function(name)?)?,
                Some((_, Some(owner))) => result_types(owner.function(name)?)?,
                Some((path, None)) => stdlib::func(path, name)?.results.iter().map(|ty| ty.as_str().into()).collect(),
            };
            match results.as_slice() {
                [single] if &**single != "?" && !single.contains('$') => Some((single.clone(), &**single == "error")),
                _ => None,
            }
        }
    }
}

fn result_types(func: &Func) -> Option<Vec<Text>> {
    Some(func.signature.as_ref()?.results.iter().map(|result| result.ty.clone()).collect())
}

impl Package {
    fn values_mut(&mut self) -> &mut [Value] {
        &mut self.values
    }
}

// ---------------------------------------------------------------------------------------------
// Call resolution.

/// Per-package hash indexes, built for call resolution only: hundreds of thousands of
/// lookups would otherwise each binary-search through scattered strings.
struct PackageIndex<'p> {
    /// (receiver type name or "", name) → index in the package's functions.
    funcs: HashMap<(&'p str, &'p str), u32>,
    /// Method name → the only method of that name, or `None` when several exist.
    methods_by_name: HashMap<&'p str, Option<u32>>,
    field_names: HashSet<&'p str>,
}

impl<'p> PackageIndex<'p> {
    fn new(package: &'p Package) -> PackageIndex<'p> {
        let mut funcs = HashMap::with_capacity_and_hasher(package.funcs.len(), Default::default());
        let mut methods_by_name: HashMap<&str, Option<u32>> = HashMap::default();
        for (index, func) in package.funcs.iter().enumerate() {
            let receiver = func.receiver.as_ref().map_or("", |receiver| &*receiver.type_name);
            funcs.insert((receiver, &*func.name), index as u32);
            if func.receiver.is_some() {
                methods_by_name.entry(&func.name).and_modify(|only| *only = None).or_insert(Some(index as u32));
            }
        }
        let mut field_names = HashSet::default();
        for decl in package.types.iter() {
            if let TypeKind::Struct(struct_type) = &decl.kind {
                field_names.extend(struct_type.fields.iter().map(|field| &*field.name));
            }
        }
        PackageIndex { funcs, methods_by_name, field_names }
    }

    /// A function (`receiver` empty) or method of `package`.
    fn lookup<'f>(&self, package: &'f Package, receiver: &str, name: &str) -> Option<(FuncRef, &'f Func)> {
        let index = *self.funcs.get(&(receiver, name))?;
        Some((FuncRef { package: package.id, index }, &package.funcs[index as usize]))
    }
}

/// Every package's [`PackageIndex`], built the first time a lookup needs it: a full build
/// needs nearly all of them, a rebuild of one directory only those its calls reach.
struct Indexes<'p> {
    packages: &'p [Package],
    built: Vec<std::sync::OnceLock<PackageIndex<'p>>>,
}

impl<'p> Indexes<'p> {
    fn new(facts: &'p ProjectFacts) -> Indexes<'p> {
        let built = facts.packages.iter().map(|_| std::sync::OnceLock::new()).collect();
        Indexes { packages: &facts.packages, built }
    }

    fn of(&self, package: &Package) -> &PackageIndex<'p> {
        let id = package.id as usize;
        self.built[id].get_or_init(|| PackageIndex::new(&self.packages[id]))
    }
}

/// What a call site is.
enum Resolved {
    Project(FuncRef),
    /// A standard-library call: blocking or not, with its signature when the table has it.
    Stdlib(Option<BlockingCall>, Option<&'static stdlib::Signature>),
    /// Not a call that can block: a conversion, `err.Error()`.
    Inert,
    Unknown,
}

fn resolve_function(facts: &ProjectFacts, package: &Package, indexes: &Indexes<'_>, pending: PendingFunc) -> FuncGraph {
    let mut graph =
        FuncGraph { direct: pending.direct, closes: pending.closes, keeps: pending.keeps, ..FuncGraph::default() };
    for site in &pending.calls {
        let resolved = resolve_target(facts, package, indexes, &site.target, 0);
        for &(argument, param) in site.param_args.iter() {
            match resolved {
                Resolved::Project(callee) => graph.close_callees.push((callee, argument, param)),
                // Handed to code the facts cannot see: it may store or close the channel.
                _ => graph.keeps &= !(1u64 << param),
            }
        }
        if !site.blocking || graph.direct.is_some() {
            continue;
        }
        match resolved {
            Resolved::Project(callee) if facts.func(callee).is_some_and(|func| func.has_body) => {
                graph.block_callees.push((callee, site.line));
            }
            Resolved::Stdlib(Some(call), _) => {
                graph.direct = Some(BlockReason { cause: BlockCause::Stdlib(call), line: site.line });
            }
            Resolved::Project(_) | Resolved::Unknown => {
                if let Some(callee) = &site.context_callee
                    && !blocking::is_context_accessor(&site.target.name)
                {
                    graph.direct =
                        Some(BlockReason { cause: BlockCause::ContextCall(callee.clone()), line: site.line });
                }
            }
            Resolved::Stdlib(None, _) | Resolved::Inert => {}
        }
    }
    graph
}

fn resolve_target(
    facts: &ProjectFacts,
    package: &Package,
    indexes: &Indexes<'_>,
    target: &CallTarget,
    depth: u32,
) -> Resolved {
    if depth > MAX_TYPE_DEPTH {
        return Resolved::Unknown;
    }
    let name = &*target.name;
    match &target.root {
        Root::PackageFunc => {
            if let Some(call) = blocking::blocking_func(&package.import_path, name) {
                return Resolved::Stdlib(Some(call), stdlib::func(&package.import_path, name));
            }
            match indexes.of(package).lookup(package, "", name) {
                Some((func_ref, func)) if target.steps.is_empty() || !func.type_params.is_empty() => {
                    Resolved::Project(func_ref)
                }
                Some(_) => Resolved::Unknown,
                None if package.type_decl(name).is_some() => Resolved::Inert,
                None => Resolved::Unknown,
            }
        }
        Root::Imported(path) => resolve_imported(facts, indexes, path, name),
        Root::Unknown => resolve_by_method_name(package, indexes.of(package), name),
        root => match value_type(facts, package, indexes, root, &target.steps, depth) {
            Some(ty) => resolve_method(facts, indexes, &ty, name, &mut Budget::default()),
            None => Resolved::Unknown,
        },
    }
}

/// The type of the value `root` followed by `steps`, when declarations show it.
fn value_type(
    facts: &ProjectFacts,
    package: &Package,
    indexes: &Indexes<'_>,
    root: &Root,
    steps: &[Step],
    depth: u32,
) -> Option<Text> {
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    let mut ty: Text = match root {
        Root::Typed(ty) => ty.clone(),
        Root::PackageVar(var) => package.value(var)?.ty.clone()?,
        Root::ImportedVar(path, var) => {
            let project = facts.package_by_type_path(path).and_then(|owner| owner.value(var)?.ty.clone());
            project.or_else(|| stdlib::var(path, var).map(|ty| ty.as_str().into()))?
        }
        Root::ResultOf(inner, result) => result_type(facts, package, indexes, inner, *result as usize, depth + 1)?,
        Root::Value(inner, inner_steps) => value_type(facts, package, indexes, inner, inner_steps, depth + 1)?,
        Root::PackageFunc | Root::Imported(_) | Root::Unknown => return None,
    };
    for step in steps {
        let next = match step {
            Step::Field(field) => field_type(facts, &ty, field),
            Step::Index => element_type(facts, &ty, 0),
        }?;
        if &*next == "?" {
            return None;
        }
        ty = next;
    }
    Some(ty)
}

fn resolve_imported(facts: &ProjectFacts, indexes: &Indexes<'_>, path: &str, name: &str) -> Resolved {
    if let Some(call) = blocking::blocking_func(path, name) {
        return Resolved::Stdlib(Some(call), stdlib::func(path, name));
    }
    if let Some(owner) = facts.package_by_type_path(path) {
        return match indexes.of(owner).lookup(owner, "", name) {
            Some((func_ref, _)) => Resolved::Project(func_ref),
            None if owner.type_decl(name).is_some() => Resolved::Inert,
            None => Resolved::Unknown,
        };
    }
    if stdlib::has_package(path) {
        return Resolved::Stdlib(None, stdlib::func(path, name));
    }
    Resolved::Unknown
}

/// The unexported-method-name rule (see the module docs).
fn resolve_by_method_name(package: &Package, index: &PackageIndex<'_>, name: &str) -> Resolved {
    let unexported = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
    if !unexported || package.incomplete || index.field_names.contains(name) {
        return Resolved::Unknown;
    }
    match index.methods_by_name.get(name) {
        Some(Some(only)) => Resolved::Project(FuncRef { package: package.id, index: *only }),
        _ => Resolved::Unknown,
    }
}

/// A method call on a value of type `ty`.
fn resolve_method(facts: &ProjectFacts, indexes: &Indexes<'_>, ty: &str, name: &str, budget: &mut Budget) -> Resolved {
    if !budget.spend() {
        return Resolved::Unknown;
    }
    if ty == "error" {
        return if name == "Error" { Resolved::Inert } else { Resolved::Unknown };
    }
    let Some((path, type_name)) = named_type(ty) else { return Resolved::Unknown };
    if let Some(call) = blocking::blocking_method(path, type_name, name) {
        return Resolved::Stdlib(Some(call), stdlib::method(path, type_name, name));
    }
    if let Some(owner) = facts.package_by_type_path(path) {
        if let Some((func_ref, _)) = indexes.of(owner).lookup(owner, type_name, name).filter(|_| !type_name.is_empty())
        {
            return Resolved::Project(func_ref);
        }
        let Some(decl) = owner.type_decl(type_name) else { return Resolved::Unknown };
        return match &decl.kind {
            // Promoted through embedded fields, depth first in declaration order (valid Go has
            // one candidate at the shallowest depth, which this finds unless a deeper one comes
            // first in an earlier field).
            TypeKind::Struct(struct_type) => struct_type
                .fields
                .iter()
                .filter(|field| field.embedded)
                .map(|field| resolve_method(facts, indexes, &field.ty, name, budget))
                .find(|resolved| !matches!(resolved, Resolved::Unknown))
                .unwrap_or(Resolved::Unknown),
            TypeKind::Named { underlying, alias: true } => resolve_method(facts, indexes, underlying, name, budget),
            _ => Resolved::Unknown,
        };
    }
    if stdlib::has_package(path) {
        return match stdlib::method(path, type_name, name) {
            Some(signature) => Resolved::Stdlib(None, Some(signature)),
            None => Resolved::Unknown,
        };
    }
    Resolved::Unknown
}

/// The type of result `result` of the call `target`.
fn result_type(
    facts: &ProjectFacts,
    package: &Package,
    indexes: &Indexes<'_>,
    target: &CallTarget,
    result: usize,
    depth: u32,
) -> Option<Text> {
    let ty: Text = match resolve_target(facts, package, indexes, target, depth) {
        Resolved::Project(callee) => facts.func(callee)?.signature.as_ref()?.results.get(result)?.ty.clone(),
        Resolved::Stdlib(_, Some(signature)) => signature.results.get(result)?.as_str().into(),
        _ => return None,
    };
    (&*ty != "?" && !ty.contains('$')).then_some(ty)
}

// ---------------------------------------------------------------------------------------------
// Fixed points.

/// The summaries of the functions in `graphs` (whole packages). A callee outside them keeps
/// the summary it has, as a given; in a full build there is none.
fn fixed_points(facts: &mut ProjectFacts, graphs: Vec<(PackageId, Vec<FuncGraph>)>, stats: &mut BuildStats) {
    let mut offsets: Vec<Option<usize>> = vec![None; facts.packages.len()];
    let mut refs: Vec<FuncRef> = Vec::new();
    for (id, funcs) in &graphs {
        offsets[*id as usize] = Some(refs.len());
        refs.extend((0..funcs.len() as u32).map(|index| FuncRef { package: *id, index }));
    }
    let total = refs.len();
    let local =
        |func: FuncRef| offsets.get(func.package as usize).copied().flatten().map(|at| at + func.index as usize);

    let mut reasons: Vec<Option<BlockReason>> = Vec::with_capacity(total);
    let mut closes: Vec<u64> = Vec::with_capacity(total);
    let mut keeps: Vec<u64> = Vec::with_capacity(total);
    let mut block_callers: Vec<Vec<(u32, u32)>> = vec![Vec::new(); total];
    let mut close_callers: Vec<Vec<(u32, u8, u8)>> = vec![Vec::new(); total];
    for graph in graphs.into_iter().flat_map(|(_, funcs)| funcs) {
        let caller = reasons.len() as u32;
        let mut direct = graph.direct;
        let mut closes_bits = graph.closes;
        let mut keeps_bits = graph.keeps;
        for (callee, line) in graph.block_callees {
            match local(callee) {
                Some(callee) => block_callers[callee].push((caller, line)),
                None => {
                    if direct.is_none() && facts.func(callee).is_some_and(|func| func.summary.block.is_some()) {
                        direct = Some(BlockReason { cause: BlockCause::Calls(callee), line });
                    }
                }
            }
        }
        for (callee, argument, param) in graph.close_callees {
            match local(callee) {
                Some(callee) => close_callers[callee].push((caller, argument, param)),
                None => {
                    let summary = facts.func(callee).map(|func| &func.summary);
                    if summary.is_some_and(|summary| summary.closes_param(argument.into())) {
                        closes_bits |= 1u64 << param;
                    }
                    if !summary.is_some_and(|summary| summary.keeps_param(argument.into())) {
                        keeps_bits &= !(1u64 << param);
                    }
                }
            }
        }
        reasons.push(direct);
        closes.push(closes_bits);
        keeps.push(keeps_bits);
    }

    // "May block": breadth-first from the direct causes, so each reason names a nearest callee.
    let mut queue: VecDeque<usize> = (0..total).filter(|&func| reasons[func].is_some()).collect();
    while let Some(callee) = queue.pop_front() {
        for &(caller, line) in &block_callers[callee] {
            let caller = caller as usize;
            if reasons[caller].is_none() {
                reasons[caller] = Some(BlockReason { cause: BlockCause::Calls(refs[callee]), line });
                queue.push_back(caller);
            }
        }
    }

    // "Closes its parameter": propagate bits from callees to callers until nothing changes.
    let mut work: VecDeque<usize> = (0..total).filter(|&func| closes[func] != 0).collect();
    while let Some(callee) = work.pop_front() {
        stats.closes_rounds += 1;
        for &(caller, argument, param) in &close_callers[callee] {
            let caller = caller as usize;
            let bit = 1u64 << param;
            if argument < 64 && closes[callee] & (1 << argument) != 0 && closes[caller] & bit == 0 {
                closes[caller] |= bit;
                work.push_back(caller);
            }
        }
    }

    // "Keeps its parameter": start from what each body shows and clear a caller's bit when a
    // callee it passes the channel to does not keep it, until nothing changes (a greatest fixed
    // point, so recursion keeps what it passes to itself).
    let mut work: VecDeque<usize> = (0..total).collect();
    while let Some(callee) = work.pop_front() {
        for &(caller, argument, param) in &close_callers[callee] {
            let caller = caller as usize;
            let bit = 1u64 << param;
            let callee_keeps = argument < 64 && keeps[callee] & (1 << argument) != 0;
            if !callee_keeps && keeps[caller] & bit != 0 {
                keeps[caller] &= !bit;
                work.push_back(caller);
            }
        }
    }

    for (index, func_ref) in refs.iter().enumerate() {
        let package = &mut facts.packages[func_ref.package as usize];
        let funcs: &mut [Func] = &mut package.funcs;
        let block = reasons[index].take();
        funcs[func_ref.index as usize].summary = Summary { block, closes: closes[index], keeps: keeps[index] };
    }
}

// ---------------------------------------------------------------------------------------------
// The typing interface the main pass uses (`TypeEnv`).

impl crate::engine::facts::types::ProjectTypes for ProjectFacts {
    fn func_results(&self, pkg_path: &str, name: &str) -> Option<Vec<String>> {
        let func = self.package_by_type_path(pkg_path)?.function(name)?;
        Some(func.signature.as_ref()?.results.iter().map(|result| result.ty.to_string()).collect())
    }

    fn method_results(&self, pkg_path: &str, type_name: &str, name: &str) -> Option<Vec<String>> {
        let package = self.package_by_type_path(pkg_path)?;
        if let Some((_, func)) = find_method(self, package, type_name, name, &mut Budget::default()) {
            return Some(func.signature.as_ref()?.results.iter().map(|result| result.ty.to_string()).collect());
        }
        if let Some(interface) = package.interface_type(type_name) {
            let method = interface.method(name)?;
            return Some(method.signature.results.iter().map(|result| result.ty.to_string()).collect());
        }
        // Promoted from an embedded standard-library type.
        let struct_type = package.struct_type(type_name)?;
        struct_type.fields.iter().filter(|field| field.embedded).find_map(|field| {
            let (path, embedded) = named_type(&field.ty)?;
            let signature = stdlib::method(path, embedded, name)?;
            Some(signature.results.iter().map(|result| result.as_str().to_string()).collect())
        })
    }

    fn field_type(&self, pkg_path: &str, type_name: &str, field: &str) -> Option<String> {
        let ty = field_type(self, &format!("{pkg_path}.{type_name}"), field)?;
        (&*ty != "?").then(|| ty.to_string())
    }

    fn var_type(&self, pkg_path: &str, name: &str) -> Option<String> {
        let ty = self.package_by_type_path(pkg_path)?.value(name)?.ty.as_deref()?;
        (ty != "?").then(|| ty.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store in memory that counts what it is asked.
    #[derive(Default)]
    struct MemoryStore {
        scans: std::sync::Mutex<HashMap<[u8; 32], Vec<u8>>>,
        found: std::sync::atomic::AtomicUsize,
    }

    impl ScanStore for MemoryStore {
        fn load_scan(&self, _file: &Path, digest: &blake3::Hash) -> Option<Vec<u8>> {
            let body = self.scans.lock().unwrap().get(digest.as_bytes()).cloned()?;
            self.found.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Some(body)
        }

        fn store_scan(&self, _file: &Path, digest: &blake3::Hash, body: &[u8]) {
            self.scans.lock().unwrap().insert(*digest.as_bytes(), body.to_vec());
        }
    }

    /// Every rule fixture, each file its own package under `/m` (a module `m`).
    fn fixture_sources() -> (Vec<PathBuf>, HashMap<PathBuf, String>, Vec<Module>) {
        let sources = crate::testing::fixture_packages();
        let files: Vec<PathBuf> = sources.iter().map(|(path, _)| path.clone()).collect();
        let texts: HashMap<PathBuf, String> = sources.into_iter().collect();
        let modules =
            vec![Module { root: PathBuf::from("/m"), module_path: "m".into(), go_version: None, workspace: None }];
        (files, texts, modules)
    }

    /// The facts as text: every package, and the counts (the lookup maps follow from the
    /// packages, and print in a random order).
    fn facts_text(facts: &ProjectFacts) -> String {
        format!("{:?}\n{:?}", facts.packages(), facts.stats())
    }

    #[test]
    fn facts_from_stored_scans_equal_facts_from_scanning() {
        let (files, texts, modules) = fixture_sources();
        let read = |path: &Path| texts.get(path).map(|text| text.as_bytes().to_vec());
        let read_hashed = |path: &Path| read(path).map(ReadFile::new);
        let scanned = facts_text(&build_with(&files, &modules, &read));
        let store = MemoryStore::default();
        let filling = facts_text(&build_stored(&files, &modules, &read_hashed, &store));
        let stored = store.scans.lock().unwrap().len();
        assert!(stored > 40, "{stored} scans stored");
        let found_before = store.found.load(std::sync::atomic::Ordering::Relaxed);
        let replayed = facts_text(&build_stored(&files, &modules, &read_hashed, &store));
        let found = store.found.load(std::sync::atomic::Ordering::Relaxed) - found_before;
        assert_eq!(found, files.len(), "every file's scan is found");
        assert_eq!(filling, scanned);
        assert_eq!(replayed, scanned);

        // The digest holds what a scan reads besides the text: one more package in the
        // project (its import paths tell the project's imports apart) misses every scan.
        let mut more = files.clone();
        more.push(PathBuf::from("/m/zz/new/a.go"));
        let with_new = |path: &Path| match path.to_str() {
            Some("/m/zz/new/a.go") => Some(ReadFile::new(b"package new\n".to_vec())),
            _ => read_hashed(path),
        };
        let before = store.found.load(std::sync::atomic::Ordering::Relaxed);
        build_stored(&more, &modules, &with_new, &store);
        assert_eq!(store.found.load(std::sync::atomic::Ordering::Relaxed), before, "no scan found");

        // A body that is not an outcome is scanned anew, and gives the same facts.
        for body in store.scans.lock().unwrap().values_mut() {
            body.truncate(body.len() / 2);
        }
        assert_eq!(facts_text(&build_stored(&files, &modules, &read_hashed, &store)), scanned);
    }

    /// Scanning one file per task, on any number of workers, gives the facts one worker gives,
    /// and each worker's scan state (tokens, interned names) is let go when the pass ends.
    #[test]
    fn facts_do_not_depend_on_the_workers_and_leave_no_scan_state() {
        let (files, texts, modules) = fixture_sources();
        let read = |path: &Path| texts.get(path).map(|text| text.as_bytes().to_vec());
        let build_on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            pool.install(|| {
                let facts = build_with(&files, &modules, &read);
                let left: Vec<usize> =
                    rayon::broadcast(|_| SCAN_STATE.with(|state| state.borrow().0.capacity() + state.borrow().1.len()));
                (facts_text(&facts), left)
            })
        };
        let (one, left) = build_on(1);
        assert!(one.len() > 10_000, "the fixtures declare packages: {}", one.len());
        assert_eq!(left, [0]);
        for threads in [2, 4] {
            let (many, left) = build_on(threads);
            assert!(one == many, "facts differ between 1 and {threads} workers");
            assert_eq!(left, vec![0; threads], "scan state left on the workers");
        }
    }

    #[test]
    fn import_paths_of_directories() {
        let roots = vec![
            (PathBuf::from("/src"), Text::from("std")),
            (PathBuf::from("/work/app"), Text::from("example.com/app")),
            (PathBuf::from("/work/app/tools"), Text::from("example.com/app/tools")),
            (PathBuf::from("/work/nomod"), Text::from("")),
        ];
        let mut roots = roots;
        roots.sort_by_key(|(root, _)| std::cmp::Reverse(root.components().count()));
        let path = |dir: &str| dir_import_path(Path::new(dir), &roots);
        assert_eq!(path("/src/net/http"), ("net/http".into(), true));
        assert_eq!(path("/work/app"), ("example.com/app".into(), true));
        assert_eq!(path("/work/app/internal/db"), ("example.com/app/internal/db".into(), true));
        assert_eq!(path("/work/app/tools/gen"), ("example.com/app/tools/gen".into(), true));
        assert_eq!(path("/work/nomod/x"), ("_/work/nomod/x".into(), false));
        assert_eq!(path("/elsewhere"), ("_/elsewhere".into(), false));
        assert_eq!(path("/My Projects/x[1]"), ("_/My_Projects/x_1_".into(), false));
    }

    #[test]
    fn headers_and_ignored_files() {
        let source = b"// Copyright\n\n//go:build ignore\n\npackage main\n\nfunc main() {}\n";
        let header = header_of(source);
        assert!(header.contains("go:build ignore") && !header.contains("package"));
        assert!(is_build_ignored(&header));
        assert!(!is_build_ignored("//go:build linux && !ignored\n"));
        assert!(is_build_ignored("// +build ignore\n"));
    }

    #[test]
    fn element_types() {
        let facts = ProjectFacts::default();
        assert_eq!(element_type(&facts, "[]*os.File", 0).as_deref(), Some("*os.File"));
        assert_eq!(element_type(&facts, "[4][]int", 0).as_deref(), Some("[]int"));
        assert_eq!(element_type(&facts, "map[string][]int", 0).as_deref(), Some("[]int"));
        assert_eq!(element_type(&facts, "map[[2]int]bool", 0).as_deref(), Some("bool"));
        assert_eq!(element_type(&facts, "*[3]net.Conn", 0).as_deref(), Some("net.Conn"));
        assert_eq!(element_type(&facts, "chan int", 0), None);
    }
}
