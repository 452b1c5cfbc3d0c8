//! Finding the Go files to lint and the modules they belong to, with Go's own conventions:
//! `./...` patterns, `vendor/`, `testdata/`, `_` and `.` directories skipped, `.gitignore`
//! honoured, generated files skipped.

use crate::engine::ModuleFacts;
use crate::engine::facts::version::go_directive;
use crate::engine::facts::{GoVersion, VersionSource};
use crate::hash::{HashMap, HashSet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One Go module (a directory with a go.mod).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub root: PathBuf,
    /// The `module` path from go.mod (empty if it has none).
    pub module_path: String,
    pub go_version: Option<GoVersion>,
    /// Set when the module is listed in a go.work `use` directive.
    pub workspace: Option<PathBuf>,
}

/// A go.work file and the module directories it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub path: PathBuf,
    pub go_version: Option<GoVersion>,
    pub uses: Vec<PathBuf>,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// Sorted, de-duplicated `.go` files.
    pub files: Vec<PathBuf>,
    /// Files named on the command line: linted even when generated (sorted).
    pub explicit: Vec<PathBuf>,
    pub modules: Vec<Module>,
    pub workspaces: Vec<Workspace>,
    /// Paths the walk could not read, with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Go files found by walking that the `exclude` filter removed.
    pub excluded: usize,
    /// Directory arguments (as typed) under which the walk found no Go file at all.
    pub empty_targets: Vec<String>,
    /// Sorted files of the targets' modules that no target reaches: read by the pre-pass for
    /// facts, never linted (see [`context_files`]).
    pub context: Vec<PathBuf>,
}

impl Discovery {
    /// The discovered files and the context files, sorted: what a pre-pass over the whole
    /// discovery reads.
    pub fn facts_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.files.iter().chain(&self.context).cloned().collect();
        if !self.context.is_empty() {
            files.sort();
        }
        files
    }
}

#[derive(Debug)]
pub struct DiscoverError(pub String);

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DiscoverError {}

/// What one command-line argument asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `dir/...`: the directory and everything below it.
    Tree(PathBuf),
    /// `dir`: the package in that directory only, as `go vet dir` does.
    Package(PathBuf),
    /// `file.go`: that file, even if it is generated or under `testdata/`.
    File(PathBuf),
}

pub fn parse_target(argument: &str) -> Result<Target, DiscoverError> {
    let target = parse_target_path(argument)?;
    if let Target::File(path) = &target
        && std::fs::metadata(path).is_ok_and(|metadata| metadata.is_file())
        && !has_go_extension(path)
    {
        // `go vet README.md` refuses too; a FIFO or device is left for the reader to report.
        return Err(DiscoverError(format!(
            "`{argument}` is not a Go file; name `.go` files, a package directory, or `./...`"
        )));
    }
    Ok(target)
}

fn has_go_extension(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "go")
}

/// A name the walk lints: `*.go`, not hidden and not `_`-prefixed. Works on the raw bytes, so a
/// name that is not UTF-8 is still seen (Go compiles it).
fn is_go_file_name(name: &std::ffi::OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name.ends_with(b".go") && !name.starts_with(b".") && !name.starts_with(b"_")
}

fn parse_target_path(argument: &str) -> Result<Target, DiscoverError> {
    let (path, recursive) = match argument.strip_suffix("/...").or_else(|| argument.strip_suffix("\\...")) {
        Some(prefix) => (if prefix.is_empty() { "/" } else { prefix }, true),
        None if argument == "..." => (".", true),
        None => (argument, false),
    };
    let path = PathBuf::from(path);
    let metadata = std::fs::metadata(&path)
        .map_err(|err| DiscoverError(format!("cannot read `{argument}`: {}", describe_io_error(&err))))?;
    if recursive {
        if !metadata.is_dir() {
            return Err(DiscoverError(format!("`{argument}`: `{}` is not a directory", path.display())));
        }
        Ok(Target::Tree(path))
    } else if metadata.is_dir() {
        Ok(Target::Package(path))
    } else {
        Ok(Target::File(path))
    }
}

pub fn describe_io_error(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// Directories Go itself leaves out of `./...`.
pub fn is_skipped_dir_name(name: &str) -> bool {
    name == "vendor" || name == "testdata" || name.starts_with('_') || name.starts_with('.')
}

/// Walk the targets in parallel. `exclude` is applied to every file path found by walking
/// (explicit file arguments are always kept).
///
/// A `.go` entry that is a symlink is followed, as `go build` follows it; one that dangles or
/// loops, and one that is not a regular file (a FIFO, a device), is recorded as unreadable so
/// the run names it. Symlinked directories are not entered, as `./...` does not enter them.
pub fn discover(targets: &[Target], threads: usize, exclude: &(dyn Fn(&Path) -> bool + Sync)) -> Discovery {
    let files = Mutex::new(Vec::new());
    let mod_files = Mutex::new(Vec::new());
    let unreadable = Mutex::new(Vec::new());
    let excluded = AtomicUsize::new(0);
    let mut empty_targets = Vec::new();
    for target in targets {
        let (root, max_depth) = match target {
            Target::File(path) => {
                files.lock().expect("lock").push(path.clone());
                continue;
            }
            Target::Tree(root) => (root, None),
            Target::Package(root) => (root, Some(1)),
        };
        let found = AtomicUsize::new(0);
        walker(root, max_depth, threads, false).run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(entry) if entry.depth() > 0 && is_go_file_name(entry.file_name()) => {
                        let Some(kind) = entry.file_type() else { return ignore::WalkState::Continue };
                        if kind.is_dir() {
                            return ignore::WalkState::Continue;
                        }
                        found.fetch_add(1, Ordering::Relaxed);
                        // Only a symlink or an odd file type costs a `stat`.
                        let followed = if kind.is_file() { None } else { Some(std::fs::metadata(entry.path())) };
                        match followed {
                            // A symlink to a directory named `x.go`: Go does not compile it.
                            Some(Ok(metadata)) if metadata.is_dir() => {}
                            _ if exclude(entry.path()) => {
                                excluded.fetch_add(1, Ordering::Relaxed);
                            }
                            None => files.lock().expect("lock").push(entry.into_path()),
                            Some(Ok(metadata)) if metadata.is_file() => {
                                files.lock().expect("lock").push(entry.into_path())
                            }
                            Some(Ok(metadata)) => {
                                let reason = crate::source::not_regular(&metadata).to_string();
                                unreadable.lock().expect("lock").push((entry.into_path(), reason));
                            }
                            Some(Err(err)) => {
                                let reason = format!("cannot follow the symlink: {}", describe_io_error(&err));
                                unreadable.lock().expect("lock").push((entry.into_path(), reason));
                            }
                        }
                    }
                    Ok(entry) => {
                        let is_file = entry.file_type().is_some_and(|kind| kind.is_file());
                        let name = entry.file_name();
                        if is_file && (name == "go.mod" || name == "go.work") {
                            mod_files.lock().expect("lock").push(entry.into_path());
                        }
                    }
                    Err(err) => unreadable.lock().expect("lock").push(walk_error(&err)),
                }
                ignore::WalkState::Continue
            })
        });
        if found.load(Ordering::Relaxed) == 0 {
            empty_targets.push(root.display().to_string());
        }
    }
    let files = files.into_inner().expect("lock");
    let explicit: Vec<PathBuf> = targets
        .iter()
        .filter_map(|target| match target {
            Target::File(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    let (files, explicit) = unique_files(files, explicit);
    let mut mod_files = mod_files.into_inner().expect("lock");
    // Modules that enclose a target from above count too (linting `./pkg/x` inside a module).
    for target in targets {
        let path = match target {
            Target::File(path) | Target::Tree(path) | Target::Package(path) => path,
        };
        let start = if path.is_dir() { path.clone() } else { path.parent().map(Path::to_path_buf).unwrap_or_default() };
        // A bare file name (`c.go`) has an empty parent: the working directory.
        let absolute = absolute_normalized(&start);
        for dir in absolute.ancestors() {
            for name in ["go.mod", "go.work"] {
                let candidate = dir.join(name);
                if candidate.is_file() {
                    mod_files.push(relative_like(&candidate, path));
                }
            }
        }
    }
    mod_files.sort();
    mod_files.dedup();
    let mut unreadable = unreadable.into_inner().expect("lock");
    unreadable.sort();
    unreadable.dedup();
    let (mut modules, mut workspaces) = read_module_files(&mod_files, &mut unreadable);
    // Modules the found ones build with, wherever they lie: a go.work's modules, and the local
    // directories `replace` points required modules at (followed from those in turn), as
    // `go build` resolves them. Read for the pre-pass (see `context_files`).
    let mut known: HashSet<PathBuf> = modules.iter().map(|module| absolute_normalized(&module.root)).collect();
    for _ in 0..MAX_MODULE_HOPS {
        let mut linked: Vec<PathBuf> = workspaces.iter().flat_map(|workspace| workspace.uses.iter().cloned()).collect();
        for module in &modules {
            let text = std::fs::read_to_string(module.root.join("go.mod")).unwrap_or_default();
            let required = required_modules(&text);
            linked.extend(
                local_replacements(&text)
                    .into_iter()
                    .filter(|(replaced, _)| required.contains(replaced))
                    .map(|(_, dir)| clean_join(&module.root, &dir)),
            );
        }
        let mut added: Vec<PathBuf> = Vec::new();
        for dir in linked {
            let go_mod = dir.join("go.mod");
            if go_mod.is_file() && known.insert(absolute_normalized(&dir)) {
                added.push(go_mod);
            }
        }
        if added.is_empty() {
            break;
        }
        mod_files.append(&mut added);
        mod_files.sort();
        mod_files.dedup();
        (modules, workspaces) = read_module_files(&mod_files, &mut Vec::new());
    }
    let mut discovery = Discovery {
        files,
        explicit,
        modules,
        workspaces,
        unreadable,
        excluded: excluded.into_inner(),
        empty_targets,
        context: Vec::new(),
    };
    discovery.context = context_files(targets, &discovery, threads, exclude);
    discovery
}

/// The walk `discover` makes of `root`: `.gitignore`d paths and skipped directories left out,
/// symlinked directories not entered; with `skip_modules`, nor directories holding a go.mod.
fn walker(root: &Path, max_depth: Option<usize>, threads: usize, skip_modules: bool) -> ignore::WalkParallel {
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .threads(threads.max(1))
        .max_depth(max_depth)
        .hidden(false)
        .parents(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .ignore(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            entry.depth() == 0
                || !entry.file_type().is_some_and(|kind| kind.is_dir())
                || !(entry.file_name().to_str().is_some_and(is_skipped_dir_name)
                    || (skip_modules && entry.path().join("go.mod").is_file()))
        });
    builder.build_parallel()
}

/// The files of the discovered files' modules that no target reaches, for the pre-pass: a run
/// over part of a module (`./pkg/...`, one package, one file) knows what the module's other
/// packages declare, as a run over the whole module does, so a call into them is typed the same
/// way. Without them, `check ./storage/...` on prometheus missed 9 of the 26 findings
/// `check ./...` reports there. A module a `dir/...` target encloses is walked whole already.
/// Walked as discovery walks (the `exclude` filter too), without the files of nested modules;
/// what cannot be read is left out here and reported only by a run that targets it.
fn context_files(
    targets: &[Target],
    discovery: &Discovery,
    threads: usize,
    exclude: &(dyn Fn(&Path) -> bool + Sync),
) -> Vec<PathBuf> {
    let walked: Vec<PathBuf> = targets
        .iter()
        .filter_map(|target| match target {
            Target::Tree(root) => Some(absolute_normalized(root)),
            Target::File(_) | Target::Package(_) => None,
        })
        .collect();
    let index = ModuleIndex::new(discovery);
    let mut targeted: Vec<&Module> = Vec::new();
    let mut last_dir = None;
    for file in &discovery.files {
        let dir = file.parent();
        if dir == last_dir {
            continue;
        }
        last_dir = dir;
        if let Some(module) = index.module_for(file)
            && !targeted.iter().any(|seen| seen.root == module.root)
        {
            targeted.push(module);
        }
    }
    // The targets' modules and those they build with (their workspaces' modules, the modules
    // they require, in turn), as module groups join them, that no `dir/...` encloses.
    let mut wanted = targeted;
    let mut next = 0;
    while let Some(&module) = wanted.get(next) {
        next += 1;
        let required = module_requires(&module.root);
        for other in &discovery.modules {
            let joined = (module.workspace.is_some() && other.workspace == module.workspace)
                || (other.module_path != module.module_path && required.contains(&other.module_path));
            if joined && !wanted.iter().any(|seen| seen.root == other.root) {
                wanted.push(other);
            }
        }
    }
    let partial: Vec<&Module> = wanted
        .into_iter()
        .filter(|module| {
            let root = absolute_normalized(&module.root);
            // A go.mod at the file system's root (`/` in some containers) would have the whole
            // machine walked; such a module is read as far as its targets reach.
            root.parent().is_some() && !walked.iter().any(|walked| root.starts_with(walked))
        })
        .collect();
    if partial.is_empty() {
        return Vec::new();
    }
    let discovered: HashSet<PathBuf> = discovery.files.iter().map(|file| absolute_normalized(file)).collect();
    let found = Mutex::new(Vec::new());
    for module in partial {
        // Nested modules' directories are not entered: their files are not this module's.
        walker(&module.root, None, threads, true).run(|| {
            Box::new(|entry| {
                let Ok(entry) = entry else { return ignore::WalkState::Continue };
                let Some(kind) = entry.file_type() else { return ignore::WalkState::Continue };
                if entry.depth() == 0 || !is_go_file_name(entry.file_name()) || kind.is_dir() {
                    return ignore::WalkState::Continue;
                }
                // A symlinked `.go` file counts when it leads to a regular file, as in `discover`.
                let regular = kind.is_file() || std::fs::metadata(entry.path()).is_ok_and(|meta| meta.is_file());
                if regular && !exclude(entry.path()) && !discovered.contains(&absolute_normalized(entry.path())) {
                    found.lock().expect("lock").push(entry.into_path());
                }
                ignore::WalkState::Continue
            })
        });
    }
    let mut context = found.into_inner().expect("lock");
    context.sort();
    context.dedup();
    context
}

/// Sorted files with each file once, however many ways it was named (`a.go`, `./a.go`,
/// `pkg/../a.go`, a directory and `./...` both reaching it). The shortest name is kept, and a
/// file counts as explicit when any of its names was an explicit argument.
fn unique_files(files: Vec<PathBuf>, explicit: Vec<PathBuf>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let identity = |path: &Path| path.canonicalize().unwrap_or_else(|_| absolute_normalized(path));
    let mut chosen: HashMap<PathBuf, PathBuf> = HashMap::default();
    for path in files {
        let key = identity(&path);
        match chosen.get(&key) {
            Some(kept) if (kept.as_os_str().len(), kept) <= (path.as_os_str().len(), &path) => {}
            _ => {
                chosen.insert(key, path);
            }
        }
    }
    let mut explicit: Vec<PathBuf> = explicit.iter().filter_map(|path| chosen.get(&identity(path)).cloned()).collect();
    explicit.sort();
    explicit.dedup();
    let mut files: Vec<PathBuf> = chosen.into_values().collect();
    files.sort();
    (files, explicit)
}

/// Keep discovered go.mod paths in the same (relative or absolute) style as the user's target.
fn relative_like(found: &Path, target: &Path) -> PathBuf {
    if target.is_absolute() {
        return found.to_path_buf();
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    match found.strip_prefix(&cwd) {
        // `./go.mod`, as the walk of `./...` names it: a bare `go.mod` has an empty parent,
        // which no file's directory matched, so the module enclosing `./pkg/...` went unseen.
        Ok(relative) => Path::new(".").join(relative),
        Err(_) => found.to_path_buf(),
    }
}

fn walk_error(err: &ignore::Error) -> (PathBuf, String) {
    let mut path = PathBuf::new();
    let mut current = err;
    let mut message = err.to_string();
    loop {
        match current {
            ignore::Error::WithPath { path: p, err: inner } => {
                path = p.clone();
                message = inner.to_string();
                current = inner;
            }
            ignore::Error::WithDepth { err: inner, .. } | ignore::Error::WithLineNumber { err: inner, .. } => {
                current = inner
            }
            ignore::Error::Loop { child, ancestor } => {
                path = child.clone();
                message = format!("symlink loop back to {}", ancestor.display());
                break;
            }
            ignore::Error::Io(io) => {
                message = describe_io_error(io);
                break;
            }
            _ => break,
        }
    }
    (path, message)
}

fn read_module_files(paths: &[PathBuf], unreadable: &mut Vec<(PathBuf, String)>) -> (Vec<Module>, Vec<Workspace>) {
    let mut modules = Vec::new();
    let mut workspaces = Vec::new();
    for path in paths {
        let read = crate::source::read_regular_file(path).and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not valid UTF-8"))
        });
        let text = match read {
            Ok(text) => text,
            Err(err) => {
                unreadable.push((path.clone(), describe_io_error(&err)));
                continue;
            }
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if path.file_name().is_some_and(|name| name == "go.work") {
            let uses = use_directives(&text).into_iter().map(|used| clean_join(&dir, &used)).collect();
            workspaces.push(Workspace { path: path.clone(), go_version: go_directive(&text), uses });
        } else {
            modules.push(Module {
                root: dir,
                module_path: module_directive(&text).unwrap_or_default(),
                go_version: go_directive(&text),
                workspace: None,
            });
        }
    }
    for workspace in &workspaces {
        for module in &mut modules {
            if workspace.uses.iter().any(|used| same_dir(used, &module.root)) {
                module.workspace = Some(workspace.path.clone());
            }
        }
    }
    (modules, workspaces)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    absolute_normalized(a) == absolute_normalized(b)
}

/// `path` made absolute (against the working directory) with `.` and `..` removed lexically
/// (symlinks are left alone, so the result matches what the walk and the display paths are
/// built from): one spelling of a place, whichever pattern found it. The empty path, which
/// `Path::parent` gives for a bare file name, is the working directory.
pub fn absolute_normalized(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() { Path::new(".") } else { path };
    normalize(&std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()))
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            // `..` removes the name before it; a relative path keeps the `..`s it starts with
            // (`./../b` is `../b`), and the root has no parent.
            std::path::Component::ParentDir => match out.components().next_back() {
                Some(std::path::Component::Normal(_)) => {
                    out.pop();
                }
                Some(std::path::Component::RootDir | std::path::Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

fn clean_join(dir: &Path, relative: &str) -> PathBuf {
    normalize(&dir.join(relative))
}

/// The path of a go.mod's `module` directive (None when there is none, or it names nothing).
pub(crate) fn module_directive(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.split("//").next()?.trim();
        let rest = line.strip_prefix("module")?;
        (rest.starts_with([' ', '\t']) && !rest.trim().is_empty()).then(|| rest.trim().trim_matches('"').to_string())
    })
}

/// The arguments of every `keyword` directive of a go.mod or go.work text, in the single-line
/// (`require a v1`) and block (`require (` ... `)`) forms, comments left out.
fn directive_arguments<'t>(text: &'t str, keyword: &str) -> Vec<&'t str> {
    let mut arguments = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if in_block {
            if line == ")" {
                in_block = false;
            } else if !line.is_empty() {
                arguments.push(line);
            }
        } else if let Some(rest) = line.strip_prefix(keyword).filter(|rest| rest.starts_with([' ', '\t', '('])) {
            let rest = rest.trim();
            if rest == "(" {
                in_block = true;
            } else if !rest.is_empty() {
                arguments.push(rest);
            }
        }
    }
    arguments
}

/// The directories of a go.work file's `use` directives.
pub(crate) fn use_directives(text: &str) -> Vec<String> {
    directive_arguments(text, "use").into_iter().map(|used| used.trim_matches('"').to_string()).collect()
}

/// How far `discover` follows modules that found ones build with (a chain of local `replace`s).
const MAX_MODULE_HOPS: usize = 16;

/// A go.mod's `replace` directives that point a module path at a local directory (one starting
/// with `./` or `../`, or absolute), as (module path, directory).
pub(crate) fn local_replacements(text: &str) -> Vec<(String, String)> {
    directive_arguments(text, "replace")
        .into_iter()
        .filter_map(|replacement| {
            let (old, new) = replacement.split_once("=>")?;
            let old = old.split_whitespace().next()?.trim_matches('"');
            let new = new.split_whitespace().next()?.trim_matches('"');
            let local = new.starts_with("./") || new.starts_with("../") || Path::new(new).is_absolute();
            local.then(|| (old.to_string(), new.to_string()))
        })
        .collect()
}

/// The module paths the go.mod of the module rooted at `root` requires. An unreadable go.mod
/// requires nothing it can show; discovery has reported it.
pub(crate) fn module_requires(root: &Path) -> Vec<String> {
    std::fs::read_to_string(root.join("go.mod")).map(|text| required_modules(&text)).unwrap_or_default()
}

/// The module paths of a go.mod's `require` directives.
pub(crate) fn required_modules(text: &str) -> Vec<String> {
    directive_arguments(text, "require")
        .into_iter()
        .filter_map(|required| required.split_whitespace().next())
        .map(|path| path.trim_matches('"').to_string())
        .collect()
}

/// Maps each file to the module facts of its nearest enclosing go.mod.
pub struct ModuleIndex {
    by_dir: HashMap<PathBuf, usize>,
    modules: Vec<Module>,
    workspace_versions: BTreeMap<PathBuf, Option<GoVersion>>,
}

impl ModuleIndex {
    pub fn new(discovery: &Discovery) -> ModuleIndex {
        let by_dir = discovery
            .modules
            .iter()
            .enumerate()
            .map(|(index, module)| (absolute_normalized(&module.root), index))
            .collect();
        let workspace_versions =
            discovery.workspaces.iter().map(|workspace| (workspace.path.clone(), workspace.go_version)).collect();
        ModuleIndex { by_dir, modules: discovery.modules.clone(), workspace_versions }
    }

    pub fn module_for(&self, file: &Path) -> Option<&Module> {
        let absolute = absolute_normalized(file);
        absolute.ancestors().skip(1).find_map(|dir| self.by_dir.get(dir)).map(|&index| &self.modules[index])
    }

    pub fn facts_for(&self, file: &Path) -> ModuleFacts {
        let Some(module) = self.module_for(file) else { return ModuleFacts::default() };
        let package_path = package_import_path(module, file).map(|path| crate::engine::query::intern(&path));
        if let Some(version) = module.go_version {
            return ModuleFacts { go_version: Some(version), source: VersionSource::GoMod, package_path };
        }
        let from_workspace =
            module.workspace.as_ref().and_then(|path| self.workspace_versions.get(path).copied().flatten());
        match from_workspace {
            Some(version) => ModuleFacts { go_version: Some(version), source: VersionSource::GoWork, package_path },
            None => ModuleFacts { package_path, ..ModuleFacts::default() },
        }
    }
}

/// The import path of the package in `file`'s directory: the module path plus the directory
/// relative to the module root.
pub fn package_import_path(module: &Module, file: &Path) -> Option<String> {
    if module.module_path.is_empty() {
        return None;
    }
    let root = normalize(&std::path::absolute(&module.root).ok()?);
    let dir = normalize(&std::path::absolute(file.parent()?).ok()?);
    let relative = dir.strip_prefix(&root).ok()?;
    let relative = relative.to_string_lossy().replace('\\', "/");
    Some(if relative.is_empty() { module.module_path.clone() } else { format!("{}/{relative}", module.module_path) })
}

/// Go's convention for generated files: a line `// Code generated ... DO NOT EDIT.` before the
/// package clause.
pub fn is_generated(text: &str) -> bool {
    for line in text.lines() {
        let trimmed = line.trim_end();
        if trimmed.starts_with("package ") {
            return false;
        }
        if trimmed.starts_with("// Code generated ") && trimmed.ends_with(" DO NOT EDIT.") {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_work_use_directives() {
        let text = "go 1.22\n\nuse ./a\nuse (\n\t./b // the b module\n\t\"./c\"\n)\n";
        assert_eq!(use_directives(text), vec!["./a", "./b", "./c"]);
    }

    #[test]
    fn go_mod_require_directives() {
        let text = "module example.com/m\n\nrequire example.com/a v1.0.0\nrequire (\n\texample.com/b v0.1.0 // indirect\n\n\t\"example.com/c\" v2.0.0\n)\nrequired x\n";
        assert_eq!(required_modules(text), vec!["example.com/a", "example.com/b", "example.com/c"]);
        assert_eq!(module_directive(text).as_deref(), Some("example.com/m"));
        assert_eq!(module_directive("module\n"), None);
    }

    #[test]
    fn go_mod_local_replacements() {
        let text = "module example.com/m\n\nreplace example.com/a => ../a\nreplace (\n\texample.com/b v1.0.0 => ./b // local\n\texample.com/c => example.com/fork v1.2.0\n\t\"example.com/d\" => \"/abs/d\"\n)\n";
        assert_eq!(
            local_replacements(text),
            vec![
                ("example.com/a".to_string(), "../a".to_string()),
                ("example.com/b".to_string(), "./b".to_string()),
                ("example.com/d".to_string(), "/abs/d".to_string()),
            ]
        );
    }

    /// Joining keeps a relative path's leading `..`: a go.work or go.mod in the working
    /// directory (`.`) that points at `../b` names the sibling, not `b` below it.
    #[test]
    fn clean_join_keeps_leading_parent_components() {
        assert_eq!(clean_join(Path::new("."), "../b"), PathBuf::from("../b"));
        assert_eq!(clean_join(Path::new("./a"), "../b"), PathBuf::from("b"));
        assert_eq!(clean_join(Path::new("../a"), "../../b"), PathBuf::from("../../b"));
        assert_eq!(clean_join(Path::new("/"), "../b"), PathBuf::from("/b"));
        assert_eq!(clean_join(Path::new("/x/y"), "./../b"), PathBuf::from("/x/b"));
    }

    #[test]
    fn generated_marker_must_precede_package() {
        assert!(is_generated("// Code generated by stringer; DO NOT EDIT.\n\npackage p\n"));
        assert!(!is_generated("package p\n// Code generated by x. DO NOT EDIT.\n"));
        assert!(!is_generated("// Code generated by hand, please edit.\npackage p\n"));
    }
}
