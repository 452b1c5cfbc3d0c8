//! The result cache: a re-check reads a file's findings instead of recomputing them when
//! nothing they depend on changed.
//!
//! An entry is found by a key that hashes what is known before linting:
//! - the build (`CARGO_PKG_VERSION` and a hash of the sources the binary was built from);
//! - the settings (enabled rules, severity overrides, per-path ignores, excludes, config root);
//! - the file: its content hash, path, display path, and the module facts it inherits (the
//!   go.mod's Go version and where it came from, the package's import path);
//! - the shape of the project: every package's directory, name, import path and files, so a
//!   lookup that found nothing (an import the project did not have) cannot be answered stale.
//!
//! The entry then records what the lint was seen to read (see [`observe`]): the pre-pass facts
//! of each package it looked at, with a hash of those facts, and every other file it read, with
//! its content hash. A lookup recomputes those hashes on this run's facts and files, and uses
//! the findings only if all agree. So a change to one file re-lints that file, the files of its
//! package (whose facts include the file's declarations), and the files elsewhere that looked
//! at those facts (its callers and users), and nothing else.
//!
//! A module group's entries are kept together in one pack ([`ResultPack`]), rewritten
//! atomically (a temporary file renamed into place); each entry carries a hash of its own
//! body, so one that is truncated, corrupt, from another format or for another key is ignored
//! and written anew, never trusted. Cache files live in `results/<build>/<2 hex>/<key>`, one
//! directory per build and entry format; entries unused for days are left out when their pack
//! is rewritten, and files unused for days, sooner those of other builds, are removed (see
//! [`trim`]).
//!
//! Checking an entry needs the pre-pass facts' hashes, and the pre-pass reads and scans every
//! file of a module group: about half of a re-check that finds every entry. So each group also
//! leaves a snapshot, keyed by everything its pre-pass read (every file's content hash, the
//! modules), holding the facts hashes its entries were checked against. A re-check of an
//! unchanged group hashes its files, finds the snapshot and checks the entries against it
//! without scanning anything; any change to a file of the group misses the snapshot, and the
//! pre-pass runs as before. Hashing the files costs a read of each, so a group's snapshots are
//! looked for only when the group's index (keyed by its paths, not their contents) says one was
//! stored: a first run, or one after a file was added or removed, reads nothing for nothing.
//!
//! Scanning is most of the pre-pass, so the cache also keeps each file's scan, found by a
//! digest of everything the scan reads, in one pack per module group ([`ScanPack`]). After
//! one file changes, the pre-pass scans that file and reads the others' scans, then merges and
//! resolves the packages as usual. A pack is read only when its group's snapshot misses, so an
//! unchanged tree leaves it unused and the trim removes it after five days; the next edit then
//! scans everything once.

pub mod observe;
mod pack;
pub mod trim;

use crate::config::Settings;
use crate::diagnostic::Finding;
use crate::engine::ModuleFacts;
use crate::engine::facts::module::{ProjectFacts, ScanStore};
use crate::hash::{HashMap, HashSet};
use observe::Observed;
use pack::Pack;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// Overrides the cache directory (tests, CI caches, the GitHub Action).
pub const DIR_ENV: &str = "GOLINT_GUARD_CACHE_DIR";
/// When set, `check` prints the cache's hits and misses to stderr.
pub const STATS_ENV: &str = "GOLINT_GUARD_CACHE_STATS";
/// The entries' format, which names this build's directory. Bump the number when an entry's
/// layout changes.
const ENTRY_FORMAT: &str = "golint-guard-result 2";
/// The first line of a module group's pack of result entries (see [`ResultPack`]).
const RESULT_PACK_FORMAT: &str = "golint-guard-results 1";
/// The first line of a module group's snapshot (see [`GroupSnapshot`]).
const GROUP_FORMAT: &str = "golint-guard-group 1";
/// The first line of a module group's index (see [`ResultCache::group_identity`]).
const GROUP_INDEX_FORMAT: &str = "golint-guard-group-index 1";
/// The first line of a module group's stored pre-pass scans (see [`ScanPack`]).
const SCAN_FORMAT: &str = "golint-guard-scans 1";
/// The build: a result written by another build is never read.
const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("GOLINT_GUARD_SOURCE_HASH"));

/// The cache directory: `$GOLINT_GUARD_CACHE_DIR`, else `golint-guard` in the user's cache
/// directory (`$XDG_CACHE_HOME` or `~/.cache`, `~/Library/Caches`, `%LOCALAPPDATA%`).
pub fn default_dir() -> Option<PathBuf> {
    match std::env::var_os(DIR_ENV) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::cache_dir().map(|dir| dir.join("golint-guard")),
    }
}

/// Where the result entries live under the cache directory. `cache clean` removes only this,
/// so a cache directory pointed at a shared place loses nothing else.
fn results_dir(root: &Path) -> PathBuf {
    root.join("results")
}

/// Remove every cached result under `root`. True when there was something to remove.
pub fn clean(root: &Path) -> std::io::Result<bool> {
    match std::fs::remove_dir_all(results_dir(root)) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}

/// The cache for one run: its directory and what every key of the run shares.
pub struct ResultCache {
    /// The results directory, which holds one directory per build.
    results: PathBuf,
    /// This build's directory name in `results`.
    build_dir: String,
    run_key: blake3::Hash,
    hits: AtomicUsize,
    misses: AtomicUsize,
    /// Entries found but not used: corrupt, or a dependency changed.
    rejected: AtomicUsize,
    stored: AtomicUsize,
    /// Module groups whose snapshot was looked for, and found.
    groups: AtomicUsize,
    groups_replayed: AtomicUsize,
    /// Pre-pass scans found, and stored.
    scans_found: AtomicUsize,
    scans_stored: AtomicUsize,
    /// When the run began, before the pre-pass read any file.
    started: SystemTime,
}

/// Counts from one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: usize,
    pub misses: usize,
    pub rejected: usize,
    pub stored: usize,
    pub groups: usize,
    pub groups_replayed: usize,
    pub scans_found: usize,
    pub scans_stored: usize,
}

impl ResultCache {
    /// The cache under `root` for a run with `settings` from the current directory.
    pub fn open(root: &Path, settings: &Settings) -> ResultCache {
        ResultCache::open_for_build(root, settings, BUILD)
    }

    fn open_for_build(root: &Path, settings: &Settings, build: &str) -> ResultCache {
        let mut run = blake3::Hasher::new();
        field(&mut run, build.as_bytes());
        field(&mut run, settings_fingerprint(settings).as_bytes());
        // Display paths are relative to the working directory.
        let cwd = std::env::current_dir().unwrap_or_default();
        field(&mut run, cwd.as_os_str().as_encoded_bytes());
        // The entry format too: a format change moves entries to a new directory, and the
        // trim removes the old ones.
        let build_dir = blake3::hash(format!("{ENTRY_FORMAT}\0{build}").as_bytes()).to_hex()[..16].to_string();
        ResultCache {
            results: results_dir(root),
            build_dir,
            run_key: run.finalize(),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            rejected: AtomicUsize::new(0),
            stored: AtomicUsize::new(0),
            groups: AtomicUsize::new(0),
            groups_replayed: AtomicUsize::new(0),
            scans_found: AtomicUsize::new(0),
            scans_stored: AtomicUsize::new(0),
            started: SystemTime::now(),
        }
    }

    /// The cache as seen with this run's pre-pass facts (`None` when no rule needs them).
    pub fn for_project<'a>(
        &'a self,
        project: Option<&'a ProjectFacts>,
        results: &'a ResultPack<'a>,
    ) -> ProjectCache<'a> {
        let mut shape = blake3::Hasher::new();
        field(&mut shape, self.run_key.as_bytes());
        let count = project.map_or(0, |project| project.packages().len());
        if let Some(project) = project {
            for package in project.packages() {
                let mut text = String::new();
                let _ = write!(
                    text,
                    "{}\0{}\0{}\0{}\0{}",
                    package.id(),
                    package.dir().display(),
                    package.name(),
                    package.type_path(),
                    package.is_incomplete()
                );
                for file in package.files() {
                    let _ = write!(text, "\0{}", file.display());
                }
                field(&mut shape, text.as_bytes());
            }
        }
        ProjectCache {
            cache: self,
            results,
            project,
            shape: shape.finalize(),
            package_hashes: (0..count).map(|_| OnceLock::new()).collect(),
            all_packages: OnceLock::new(),
            file_hashes: Mutex::new(HashMap::default()),
            replaying: false,
        }
    }

    /// The cache as a group's earlier run saw it, from its snapshot: entries are checked
    /// against the facts hashes the snapshot holds, and one that needs another is a miss.
    pub fn replay<'a>(&'a self, snapshot: &GroupSnapshot, results: &'a ResultPack<'a>) -> Option<ProjectCache<'a>> {
        let shape = blake3::Hash::from_hex(&snapshot.shape).ok()?;
        let count = snapshot.packages.iter().map(|(id, _)| *id as usize + 1).max().unwrap_or(0);
        let package_hashes: Vec<OnceLock<String>> = (0..count).map(|_| OnceLock::new()).collect();
        for (id, hash) in &snapshot.packages {
            let _ = package_hashes[*id as usize].set(hash.clone());
        }
        let all_packages = OnceLock::new();
        if let Some(hash) = &snapshot.all_packages {
            let _ = all_packages.set(hash.clone());
        }
        Some(ProjectCache {
            cache: self,
            results,
            project: None,
            shape,
            package_hashes,
            all_packages,
            file_hashes: Mutex::new(HashMap::default()),
            replaying: true,
        })
    }

    /// What names a module group whatever its files hold: the run, the modules and the files'
    /// paths, sorted. A snapshot is keyed by the contents too, so finding one means reading and
    /// hashing every file of the group; a small index under this key, written beside each
    /// snapshot, tells first whether any snapshot of the group can exist. Without it (a first
    /// run, a new or removed file, other settings) the files are not read for nothing: they
    /// were read and hashed three times on a first run, once only to miss (4.6% of a first
    /// check of etcd, perf).
    pub fn group_identity(&self, modules: &[crate::discover::Module], files: &[PathBuf]) -> Key {
        let mut sorted: Vec<&PathBuf> = files.iter().collect();
        sorted.sort();
        let mut key = blake3::Hasher::new();
        field(&mut key, GROUP_INDEX_FORMAT.as_bytes());
        field(&mut key, self.run_key.as_bytes());
        field(&mut key, format!("{modules:?}").as_bytes());
        for path in sorted {
            field(&mut key, path.as_os_str().as_encoded_bytes());
        }
        Key(key.finalize().to_hex().to_string())
    }

    /// Whether a snapshot was stored for the group named `identity` (counted as a group
    /// looked for). A corrupt or foreign index is no index.
    pub fn has_group(&self, identity: &Key) -> bool {
        self.groups.fetch_add(1, Ordering::Relaxed);
        let path = self.entry_path(identity);
        let Some((file, modified, bytes)) = read_entry(&path) else { return false };
        if checked_body(GROUP_INDEX_FORMAT, identity, &bytes).is_none() {
            return false;
        }
        trim::mark_used(&file, &path, modified, self.started);
        true
    }

    /// Note that a snapshot of the group named `identity` is stored (once: an index holds no
    /// more than its key).
    pub fn note_group(&self, identity: &Key) {
        let path = self.entry_path(identity);
        if read_entry(&path).is_some_and(|(_, _, bytes)| checked_body(GROUP_INDEX_FORMAT, identity, &bytes).is_some()) {
            return;
        }
        let header = format!("{GROUP_INDEX_FORMAT}\n{}\n{}\n", identity.0, blake3::hash(b"").to_hex());
        let _ = write_atomically(&path, header.as_bytes(), b"");
    }

    /// The key of a module group's snapshot: the run, the modules, and each file the group's
    /// pre-pass read with its content hash (`None`: unreadable), sorted by path.
    pub fn group_key(&self, modules: &[crate::discover::Module], files: &[(PathBuf, Option<blake3::Hash>)]) -> Key {
        let mut key = blake3::Hasher::new();
        field(&mut key, GROUP_FORMAT.as_bytes());
        field(&mut key, self.run_key.as_bytes());
        field(&mut key, format!("{modules:?}").as_bytes());
        for (path, hash) in files {
            field(&mut key, path.as_os_str().as_encoded_bytes());
            field(&mut key, hash.as_ref().map_or(&[][..], |hash| hash.as_bytes()));
        }
        Key(key.finalize().to_hex().to_string())
    }

    /// The snapshot stored under `key`, if intact.
    pub fn load_group(&self, key: &Key) -> Option<GroupSnapshot> {
        let path = self.entry_path(key);
        let (file, modified, bytes) = read_entry(&path)?;
        let body = checked_body(GROUP_FORMAT, key, &bytes)?;
        let snapshot = serde_json::from_slice(body).ok()?;
        trim::mark_used(&file, &path, modified, self.started);
        self.groups_replayed.fetch_add(1, Ordering::Relaxed);
        Some(snapshot)
    }

    /// Store a group's snapshot; failures are silent, as for entries.
    pub fn store_group(&self, key: &Key, snapshot: &GroupSnapshot) {
        let Ok(body) = serde_json::to_vec(snapshot) else { return };
        let header = format!("{GROUP_FORMAT}\n{}\n{}\n", key.0, blake3::hash(&body).to_hex());
        let _ = write_atomically(&self.entry_path(key), header.as_bytes(), &body);
    }

    fn entry_path(&self, key: &Key) -> PathBuf {
        self.results.join(&self.build_dir).join(&key.0[..2]).join(&key.0[2..])
    }

    /// Remove old entries, at most once a day (see [`trim`]). Call it when the run is done.
    pub fn trim(&self) {
        trim::trim(&self.results, self.build_dir.as_ref(), SystemTime::now());
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            stored: self.stored.load(Ordering::Relaxed),
            groups: self.groups.load(Ordering::Relaxed),
            groups_replayed: self.groups_replayed.load(Ordering::Relaxed),
            scans_found: self.scans_found.load(Ordering::Relaxed),
            scans_stored: self.scans_stored.load(Ordering::Relaxed),
        }
    }
}

/// A module group's pre-pass scans, in one pack (see [`pack`]) of this build's directory (a
/// scan holds indexes into the build's tables), each record labelled with its file's path.
///
/// A run reads a scan when the pre-pass asks for its digest, and streams the scans it makes
/// into a new pack; after the pre-pass it copies over the records of the files it did not scan
/// anew, and of the files it did not read at all, so a run over part of a group keeps the
/// scans of the rest.
pub struct ScanPack<'c> {
    cache: &'c ResultCache,
    pack: Pack,
    /// This run's scans by file: `None` when scanned anew (and written to the new pack), else
    /// the stored record found.
    this_run: Mutex<HashMap<Vec<u8>, Option<usize>>>,
}

impl ResultCache {
    /// The scan pack of the module group whose files lie in the modules rooted at `roots`
    /// (sorted; an empty path for files outside every module).
    pub fn scan_pack(&self, roots: &[PathBuf]) -> ScanPack<'_> {
        let (path, key) = self.pack_place(SCAN_FORMAT, roots);
        ScanPack {
            cache: self,
            pack: Pack::open(path, SCAN_FORMAT, &key.0, self.started),
            this_run: Mutex::new(HashMap::default()),
        }
    }

    /// The result pack of the module group whose files lie in the modules rooted at `roots`
    /// (as for [`ResultCache::scan_pack`]).
    pub fn result_pack(&self, roots: &[PathBuf]) -> ResultPack<'_> {
        let (path, key) = self.pack_place(RESULT_PACK_FORMAT, roots);
        let pack = Pack::open(path, RESULT_PACK_FORMAT, &key.0, self.started);
        let used = (0..pack.records.len()).map(|_| AtomicBool::new(false)).collect();
        ResultPack { cache: self, pack, used, written: Mutex::new(HashSet::default()) }
    }
}

/// A file's path as a pack keeps it: absolute, so runs that spell it differently (`./p/a.go`,
/// `p/a.go`) keep one scan of it.
fn path_bytes(path: &Path) -> Vec<u8> {
    crate::discover::absolute_normalized(path).into_os_string().into_encoded_bytes()
}

impl ScanPack<'_> {
    /// Finish the new pack, if this run scanned anything: the records of the files found in
    /// the old pack, and of the files this run did not read, follow the new scans. Failures
    /// are silent.
    pub fn save(self) {
        let this_run = match self.this_run.lock() {
            Ok(mut this_run) => std::mem::take(&mut *this_run),
            Err(_) => return,
        };
        let scanned = this_run.values().filter(|found| found.is_none()).count();
        if scanned == 0 {
            return;
        }
        let records = &self.pack.records;
        let found = this_run.iter().filter_map(|(path, found)| Some((path.as_slice(), (*found)?)));
        let not_read = (0..records.len())
            .filter(|&index| !this_run.contains_key(&records[index].label))
            .map(|index| (records[index].label.as_slice(), index));
        for (path, index) in found.chain(not_read) {
            self.pack.copy(index, path);
        }
        if self.pack.persist() {
            self.cache.scans_stored.fetch_add(scanned, Ordering::Relaxed);
        }
    }
}

impl ScanStore for ScanPack<'_> {
    fn load_scan(&self, file: &Path, digest: &blake3::Hash) -> Option<Vec<u8>> {
        let index = self.pack.find(digest.as_bytes())?;
        let body = self.pack.body(index)?;
        self.this_run.lock().ok()?.insert(path_bytes(file), Some(index));
        self.cache.scans_found.fetch_add(1, Ordering::Relaxed);
        Some(body)
    }

    fn store_scan(&self, file: &Path, digest: &blake3::Hash, body: &[u8]) {
        let path = path_bytes(file);
        self.pack.append(&path, digest.as_bytes(), body);
        if let Ok(mut this_run) = self.this_run.lock() {
            this_run.insert(path, None);
        }
    }
}

/// A module group's result entries, in one pack (see [`pack`]), each record labelled with the
/// time of its last use: one file per entry cost a first run an inode per linted file, which
/// was nearly all of what a first run into an empty cache cost over `--no-cache` (CPU 1.26x
/// on the standard library, 1.20x on etcd; 1.02x and 1.04x without the writes).
///
/// A run that stores an entry rewrites the pack: its new entries, then the old records it
/// used (their time refreshed when an hour old, as [`trim::mark_used`] does for a file), then
/// the others unused for less than [`trim::UNUSED_LIMIT`] (an older version of a file, or a
/// file this run did not look at). A run that stores nothing rewrites it only to refresh an
/// hour-old record it used, so a warm run writes nothing; a pack nobody opens for five days
/// goes whole, with the trim.
pub struct ResultPack<'c> {
    cache: &'c ResultCache,
    pack: Pack,
    /// Whether each stored record's entry was used this run.
    used: Vec<AtomicBool>,
    /// The keys stored this run: their old records are not copied.
    written: Mutex<HashSet<[u8; 32]>>,
}

/// What a result pack holds for a key.
enum Stored {
    Missing,
    /// A record whose body does not match its hash.
    Damaged,
    Found(usize, Vec<u8>),
}

impl ResultPack<'_> {
    fn look_up(&self, key: &Key) -> Stored {
        let Some(index) = self.pack.find(&key.digest()) else { return Stored::Missing };
        match self.pack.body(index) {
            Some(body) => Stored::Found(index, body),
            None => Stored::Damaged,
        }
    }

    fn mark_used(&self, index: usize) {
        if let Some(used) = self.used.get(index) {
            used.store(true, Ordering::Relaxed);
        }
    }

    fn store(&self, key: &Key, body: &[u8]) {
        let digest = key.digest();
        let Ok(mut written) = self.written.lock() else { return };
        if written.insert(digest) {
            self.pack.append(&seconds_label(self.cache.started), &digest, body);
        }
    }

    /// Finish the new pack (see [`ResultPack`]). Failures are silent.
    pub fn save(self) {
        let written = self.written.into_inner().unwrap_or_default();
        let now = self.cache.started;
        // A time after the run's start (another clock, or a later run) is taken as now.
        let age = |label: &[u8]| label_time(label).map(|used| now.duration_since(used).unwrap_or_default());
        let used = |index: usize| self.used[index].load(Ordering::Relaxed);
        let refresh =
            |index: usize| age(&self.pack.records[index].label).is_none_or(|age| age >= trim::MTIME_RESOLUTION);
        if written.is_empty() && !(0..self.used.len()).any(|index| used(index) && refresh(index)) {
            return;
        }
        let now_label = seconds_label(now);
        for (index, record) in self.pack.records.iter().enumerate() {
            if written.contains(&record.digest) {
                continue;
            }
            if used(index) {
                self.pack.copy(index, if refresh(index) { &now_label } else { &record.label });
            } else if age(&record.label).is_some_and(|age| age < trim::UNUSED_LIMIT) {
                self.pack.copy(index, &record.label);
            }
        }
        if self.pack.persist() {
            self.cache.stored.fetch_add(written.len(), Ordering::Relaxed);
        }
    }
}

/// A time as a result record's label: whole seconds since the Unix epoch, u64 LE.
fn seconds_label(time: SystemTime) -> [u8; 8] {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |since| since.as_secs()).to_le_bytes()
}

/// The time a result record's label holds; `None` when it holds none.
fn label_time(label: &[u8]) -> Option<SystemTime> {
    let seconds = u64::from_le_bytes(label.try_into().ok()?);
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// What a settings value changes in a file's findings, as text to hash.
fn settings_fingerprint(settings: &Settings) -> String {
    let mut text = String::new();
    let _ = write!(
        text,
        "enabled {:?}\nseverity {:?}\nroot {:?}\n",
        settings.enabled, settings.severity_overrides, settings.root
    );
    for ignore in &settings.per_path_ignores {
        let _ = writeln!(text, "ignore {:?} {:?}", ignore.pattern, ignore.rules);
    }
    let _ = writeln!(text, "exclude {:?}", settings.exclude_patterns);
    text
}

/// One hashed field: its length first, so fields cannot run into each other.
fn field(hasher: &mut blake3::Hasher, bytes: &[u8]) {
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

/// A file's cache key (hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    /// The key's 32 bytes, as a pack finds its record.
    fn digest(&self) -> [u8; 32] {
        blake3::Hash::from_hex(&self.0).map_or([0; 32], |hash| *hash.as_bytes())
    }
}

/// What a module group's entries were checked against: the project shape and the facts hashes
/// the run computed (only those some entry needed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSnapshot {
    shape: String,
    packages: Vec<(u32, String)>,
    all_packages: Option<String>,
}

impl GroupSnapshot {
    /// This snapshot with the hashes `other` (of the same pre-pass) holds and it does not.
    pub fn merged(mut self, other: &GroupSnapshot) -> GroupSnapshot {
        let mut packages: std::collections::BTreeMap<u32, String> = other.packages.iter().cloned().collect();
        packages.extend(self.packages);
        self.packages = packages.into_iter().collect();
        if self.all_packages.is_none() {
            self.all_packages.clone_from(&other.all_packages);
        }
        self
    }
}

/// The cache with one run's project facts: keys, lookups and stores.
pub struct ProjectCache<'a> {
    cache: &'a ResultCache,
    /// The group's entries.
    results: &'a ResultPack<'a>,
    project: Option<&'a ProjectFacts>,
    shape: blake3::Hash,
    /// Each package's facts hash, computed when an entry first needs it.
    package_hashes: Vec<OnceLock<String>>,
    all_packages: OnceLock<String>,
    /// Content hashes of other files read by entries' lints, computed once per run.
    file_hashes: Mutex<HashMap<PathBuf, Option<String>>>,
    /// From a snapshot: a file it misses is looked up again with the facts, and counted then.
    replaying: bool,
}

/// What an entry holds after its header.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    /// (package id, facts hash) for each package whose facts the lint read.
    packages: Vec<(u32, String)>,
    /// The hash of all packages' facts, when the lint read the list of every package.
    all_packages: Option<String>,
    /// (path, content hash or none when unreadable) for each other file the lint read.
    files: Vec<(PathBuf, Option<String>)>,
    findings: Vec<Finding>,
}

impl ProjectCache<'_> {
    /// The key of linting `text` as the file `path`.
    pub fn key(&self, path: &Path, display_path: &Path, module: ModuleFacts, explicit: bool, text: &str) -> Key {
        let mut key = blake3::Hasher::new();
        field(&mut key, self.shape.as_bytes());
        field(&mut key, path.as_os_str().as_encoded_bytes());
        field(&mut key, display_path.as_os_str().as_encoded_bytes());
        field(&mut key, format!("{module:?} explicit={explicit}").as_bytes());
        field(&mut key, blake3::hash(text.as_bytes()).as_bytes());
        Key(key.finalize().to_hex().to_string())
    }

    /// The hashes this run computed, to be found again without the pre-pass.
    pub fn snapshot(&self) -> GroupSnapshot {
        let packages =
            (0..).zip(&self.package_hashes).filter_map(|(id, slot)| Some((id, slot.get()?.clone()))).collect();
        GroupSnapshot {
            shape: self.shape.to_hex().to_string(),
            packages,
            all_packages: self.all_packages.get().cloned(),
        }
    }

    /// The findings stored under `key`, if the entry is intact and everything the lint read
    /// is as it was.
    pub fn load(&self, key: &Key) -> Option<Vec<Finding>> {
        let valid = match self.results.look_up(key) {
            Stored::Missing => {
                if !self.replaying {
                    self.cache.misses.fetch_add(1, Ordering::Relaxed);
                }
                return None;
            }
            Stored::Damaged => None,
            Stored::Found(index, body) => serde_json::from_slice::<Entry>(&body)
                .ok()
                .filter(|entry| self.still_valid(entry))
                .map(|entry| (index, entry)),
        };
        let Some((index, entry)) = valid else {
            if !self.replaying {
                self.cache.misses.fetch_add(1, Ordering::Relaxed);
                self.cache.rejected.fetch_add(1, Ordering::Relaxed);
            }
            return None;
        };
        self.cache.hits.fetch_add(1, Ordering::Relaxed);
        self.results.mark_used(index);
        Some(entry.findings)
    }

    fn still_valid(&self, entry: &Entry) -> bool {
        entry.packages.iter().all(|(id, hash)| self.package_hash(*id).is_some_and(|now| now == hash.as_str()))
            && entry.all_packages.as_ref().is_none_or(|hash| self.all_packages_hash() == Some(hash.as_str()))
            && entry.files.iter().all(|(path, hash)| self.file_hash(path) == *hash)
    }

    /// Store `findings` under `key` with what the lint read. Failures are silent: the cache
    /// only ever saves work.
    pub fn store(&self, key: &Key, observed: &Observed, findings: &[Finding]) {
        if observed.files.keys().any(|path| self.changed_during_run(path)) {
            return;
        }
        let Some(packages) =
            observed.packages.iter().map(|&id| Some((id, self.package_hash(id)?.to_string()))).collect()
        else {
            return;
        };
        let all_packages = match observed.all_packages {
            true => match self.all_packages_hash() {
                Some(hash) => Some(hash.to_string()),
                None => return,
            },
            false => None,
        };
        let entry = Entry {
            packages,
            all_packages,
            files: observed.files.iter().map(|(path, hash)| (path.clone(), hash.clone())).collect(),
            findings: findings.to_vec(),
        };
        let Ok(body) = serde_json::to_vec(&entry) else { return };
        self.results.store(key, &body);
    }

    /// A hash of what the pre-pass knows about package `id` that a lint of another file can
    /// act on (declarations, signatures, summaries, file order): its `Debug` form, which shows
    /// every field, without the positions of declarations and blocking calls.
    fn package_hash(&self, id: u32) -> Option<&str> {
        let slot = self.package_hashes.get(id as usize)?;
        // A replayed snapshot's hashes are set from the start, and it has no facts.
        if let Some(hash) = slot.get() {
            return Some(hash);
        }
        let project = self.project?;
        let hash = slot.get_or_init(|| match project.packages().get(id as usize) {
            Some(package) => positionless_hash(package),
            None => blake3::hash(b"no such package").to_hex().to_string(),
        });
        Some(hash)
    }

    fn all_packages_hash(&self) -> Option<&str> {
        if let Some(hash) = self.all_packages.get() {
            return Some(hash);
        }
        self.project?;
        let hash = self.all_packages.get_or_init(|| {
            let mut hasher = blake3::Hasher::new();
            for id in 0..self.package_hashes.len() {
                let id = u32::try_from(id).unwrap_or(u32::MAX);
                field(&mut hasher, self.package_hash(id).unwrap_or("").as_bytes());
            }
            hasher.finalize().to_hex().to_string()
        });
        Some(hash)
    }

    /// The file at `path` may have changed after the pre-pass read it: a lint that read it
    /// then may have used declaration positions of one version with the text of another, and
    /// the package hash, which leaves positions out, would not tell. Timestamps can lag the clock by a tick, hence the margin (as `go` trusts no file
    /// modified in the last two seconds).
    fn changed_during_run(&self, path: &Path) -> bool {
        const MARGIN: Duration = Duration::from_secs(2);
        let cutoff = self.cache.started.checked_sub(MARGIN).unwrap_or(SystemTime::UNIX_EPOCH);
        std::fs::metadata(path).and_then(|metadata| metadata.modified()).is_ok_and(|modified| modified >= cutoff)
    }

    fn file_hash(&self, path: &Path) -> Option<String> {
        if let Some(known) = self.file_hashes.lock().ok()?.get(path) {
            return known.clone();
        }
        let hash = crate::source::read_regular_file(path).ok().map(|bytes| blake3::hash(&bytes).to_hex().to_string());
        self.file_hashes.lock().ok()?.insert(path.to_path_buf(), hash.clone());
        hash
    }
}

/// The hash of `value`'s `Debug` form without the numbers of its `line` and `file` fields.
///
/// Those are where a declaration (or a blocking call) sits in its file: an edit that only moves
/// declarations (a line added at the top of a file) changes them and nothing a dependent can
/// act on. No finding of another file shows them; a lint that uses one reads the file it
/// points into (`package_source`, to find a declaration by its line), and the entry records
/// that file's content hash, which changes with any move. The file indexes name files in the
/// package's file list, which the key's project shape holds.
pub(crate) fn positionless_hash(value: &impl std::fmt::Debug) -> String {
    let mut writer = PositionlessWriter {
        hasher: blake3::Hasher::new(),
        pending: Vec::with_capacity(PENDING_CAPACITY),
        in_string: false,
        escaped: false,
        skipping_digits: false,
        tail: 0,
    };
    let _ = write!(writer, "{value:?}");
    writer.hasher.update(&writer.pending);
    writer.hasher.finalize().to_hex().to_string()
}

/// `, line: ` and `, file: ` (or after `{ `): eight bytes each, as the writer's `tail` holds them.
const POSITION_FIELDS: [u64; 4] = [
    u64::from_be_bytes(*b", line: "),
    u64::from_be_bytes(*b"{ line: "),
    u64::from_be_bytes(*b", file: "),
    u64::from_be_bytes(*b"{ file: "),
];

/// How much the writer gathers before hashing: `Debug` writes a few bytes at a time, and blake3
/// hashes many chunks at once (SIMD) only when given them in one call.
const PENDING_CAPACITY: usize = 64 * 1024;

/// `fmt::Write` into a hasher, so a `Debug` form is hashed without being built as a string,
/// leaving out the digits after a `line` or `file` field name. Quoted strings (names, type
/// texts, paths) are passed through whole: text inside them is never taken for a field.
struct PositionlessWriter {
    hasher: blake3::Hasher,
    pending: Vec<u8>,
    in_string: bool,
    escaped: bool,
    skipping_digits: bool,
    /// The last eight bytes seen outside strings, the latest in the low byte.
    tail: u64,
}

impl std::fmt::Write for PositionlessWriter {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            if self.in_string {
                // Through the closing quote, in one copy.
                let from = at;
                if self.escaped {
                    self.escaped = false;
                    at += 1;
                }
                while at < bytes.len() {
                    let byte = bytes[at];
                    at += 1;
                    if byte == b'\\' {
                        if at == bytes.len() {
                            self.escaped = true;
                        } else {
                            at += 1;
                        }
                    } else if byte == b'"' {
                        self.in_string = false;
                        break;
                    }
                }
                self.pending.extend_from_slice(&bytes[from..at]);
                continue;
            }
            let byte = bytes[at];
            at += 1;
            if self.skipping_digits {
                if byte.is_ascii_digit() {
                    continue;
                }
                self.skipping_digits = false;
            }
            self.pending.push(byte);
            if byte == b'"' {
                self.in_string = true;
                self.tail = 0;
                continue;
            }
            self.tail = (self.tail << 8) | u64::from(byte);
            // Every field name ends in a space.
            if byte == b' ' {
                self.skipping_digits = POSITION_FIELDS.contains(&self.tail);
            }
        }
        if self.pending.len() >= PENDING_CAPACITY {
            self.hasher.update(&self.pending);
            self.pending.clear();
        }
        Ok(())
    }
}

/// The body of an entry or snapshot read from disk, if its header is `format`, `key` and the
/// body's own hash. Anything else (truncated, corrupt, another format or key) is not one.
fn checked_body<'b>(format: &str, key: &Key, bytes: &'b [u8]) -> Option<&'b [u8]> {
    let mut lines = bytes.splitn(4, |&byte| byte == b'\n');
    let (stored_format, stored_key, body_hash, body) = (lines.next()?, lines.next()?, lines.next()?, lines.next()?);
    if stored_format != format.as_bytes() || stored_key != key.0.as_bytes() {
        return None;
    }
    (body_hash == blake3::hash(body).to_hex().as_bytes()).then_some(body)
}

/// The entry file at `path`, open, with its modification time and its bytes.
fn read_entry(path: &Path) -> Option<(std::fs::File, SystemTime, Vec<u8>)> {
    let mut file = std::fs::File::open(path).ok()?;
    let metadata = file.metadata().ok()?;
    // Exactly the length seen: an entry is never written in place (a new one is renamed over
    // it), and `read_to_end` would ask the file for its size and position again.
    let mut bytes = vec![0; usize::try_from(metadata.len()).ok()?];
    std::io::Read::read_exact(&mut file, &mut bytes).ok()?;
    Some((file, metadata.modified().ok()?, bytes))
}

/// A new temporary file in `dir` (which the trim knows by its prefix), the directory made
/// only when missing: a `create_dir_all` before every write was 15% of the writes' time on a
/// first run (perf, etcd).
fn temp_file_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let temp_in = |dir: &Path| tempfile::Builder::new().prefix(trim::TEMP_PREFIX).tempfile_in(dir);
    match temp_in(dir) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir)?;
            temp_in(dir)
        }
        made => made,
    }
}

/// Write `header` and `body` to a temporary file beside `path`, then rename it into place:
/// a reader sees the old entry or the new one, never half of one.
fn write_atomically(path: &Path, header: &[u8], body: &[u8]) -> std::io::Result<()> {
    let mut temp = temp_file_in(path.parent().unwrap_or(Path::new(".")))?;
    temp.write_all(header)?;
    temp.write_all(body)?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn key_with(settings: &Settings, build: &str, text: &str) -> Key {
        let cache = ResultCache::open_for_build(Path::new("/nonexistent"), settings, build);
        let results = cache.result_pack(&[]);
        let project = cache.for_project(None, &results);
        project.key(Path::new("a.go"), Path::new("a.go"), ModuleFacts::default(), false, text)
    }

    fn package_hash_of(text: &str) -> String {
        let facts = ProjectFacts::from_sources(&[(PathBuf::from("/m/p/a.go"), text.to_string())], &[]);
        positionless_hash(&facts.packages()[0])
    }

    #[test]
    fn package_hash_leaves_out_positions_and_nothing_else() {
        let base =
            "package p\n\nfunc F(c chan int) error { c <- 1; return nil }\n\ntype T struct{ x int }\n\nvar V = 1\n";
        let moved = format!("// a comment that moves everything\n\n{base}");
        assert_eq!(package_hash_of(base), package_hash_of(&moved), "moved declarations");
        for changed in [
            base.replace("error {", "int {"),
            base.replace("c <- 1; ", ""),
            base.replace("x int", "x string"),
            base.replace("V = 1", "W = 1"),
        ] {
            assert_ne!(package_hash_of(base), package_hash_of(&changed), "{changed}");
        }
        // Digits after a field-like text inside a string are kept.
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Named {
            name: &'static str,
            line: u32,
        }
        let quoted = |name| positionless_hash(&Named { name, line: 1 });
        assert_ne!(quoted("a { line: 1"), quoted("a { line: 2"));
        assert_ne!(quoted("a \" { line: 1"), quoted("a \" { line: 2"));
        assert_eq!(positionless_hash(&Named { name: "a", line: 1 }), positionless_hash(&Named { name: "a", line: 20 }));
    }

    /// The writer's filter as first written, a byte at a time over the whole `Debug` string.
    fn reference_positionless_hash(value: &impl std::fmt::Debug) -> String {
        const FIELDS: [&[u8; 8]; 4] = [b", line: ", b"{ line: ", b", file: ", b"{ file: "];
        let text = format!("{value:?}");
        let (mut kept, mut in_string, mut escaped, mut skipping, mut tail) =
            (Vec::new(), false, false, false, [0u8; 8]);
        for &byte in text.as_bytes() {
            if in_string {
                kept.push(byte);
                if escaped {
                    escaped = false;
                } else if byte == b'\\' {
                    escaped = true;
                } else if byte == b'"' {
                    in_string = false;
                }
                continue;
            }
            if skipping {
                if byte.is_ascii_digit() {
                    continue;
                }
                skipping = false;
            }
            kept.push(byte);
            if byte == b'"' {
                in_string = true;
                tail = [0; 8];
                continue;
            }
            tail.copy_within(1.., 0);
            tail[7] = byte;
            skipping = FIELDS.iter().any(|field| **field == tail);
        }
        blake3::hash(&kept).to_hex().to_string()
    }

    #[test]
    fn the_package_hash_filters_as_a_byte_at_a_time_would() {
        // Real facts: every rule fixture's package, and one value over the gathering buffer.
        let sources = crate::testing::fixture_packages();
        let facts = ProjectFacts::from_sources(&sources, &[]);
        assert!(facts.packages().len() > 40, "{} packages", facts.packages().len());
        for package in facts.packages() {
            assert_eq!(positionless_hash(package), reference_positionless_hash(package));
        }
        let all: Vec<_> = facts.packages().iter().collect();
        let length = format!("{all:?}").len();
        assert!(length > 2 * PENDING_CAPACITY, "the packages span several buffers: {length} bytes");
        assert_eq!(positionless_hash(&all), reference_positionless_hash(&all));
        // Escapes at a `write_str` boundary, and digits after field-like text in strings.
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Named {
            name: &'static str,
            line: u32,
        }
        for name in ["a { line: 1", "a \" { line: 2", "a\\", "\\\"", "x, file: 3\"\n"] {
            let named = Named { name, line: 7 };
            assert_eq!(positionless_hash(&named), reference_positionless_hash(&named), "{name:?}");
        }
    }

    #[test]
    fn a_group_key_holds_every_file_the_pre_pass_read_and_the_modules() {
        let cache = ResultCache::open_for_build(Path::new("/nonexistent"), &Settings::default(), BUILD);
        let file =
            |path: &str, text: Option<&str>| (PathBuf::from(path), text.map(|text| blake3::hash(text.as_bytes())));
        let base = [file("/m/a.go", Some("package a")), file("/m/b.go", Some("package a"))];
        let key = cache.group_key(&[], &base);
        assert_eq!(key, cache.group_key(&[], &base));
        for other in [
            vec![file("/m/a.go", Some("package a")), file("/m/b.go", Some("package b"))],
            vec![file("/m/a.go", Some("package a")), file("/m/b.go", None)],
            vec![file("/m/a.go", Some("package a"))],
            vec![file("/m/a.go", Some("package a")), file("/m/c.go", Some("package a"))],
        ] {
            assert_ne!(key, cache.group_key(&[], &other), "{other:?}");
        }
        let module = crate::discover::Module {
            root: PathBuf::from("/m"),
            module_path: "example.com/m".into(),
            go_version: None,
            workspace: None,
        };
        assert_ne!(key, cache.group_key(std::slice::from_ref(&module), &base), "modules");
        let other_settings = Settings { enabled: Default::default(), ..Settings::default() };
        let other_run = ResultCache::open_for_build(Path::new("/nonexistent"), &other_settings, BUILD);
        assert_ne!(key, other_run.group_key(&[], &base), "settings");
    }

    #[test]
    fn a_replayed_snapshot_answers_only_the_hashes_it_holds() {
        let cache = ResultCache::open_for_build(Path::new("/nonexistent"), &Settings::default(), BUILD);
        let results = cache.result_pack(&[]);
        let facts = ProjectFacts::from_sources(
            &[
                (PathBuf::from("/m/p/a.go"), "package p\n\nfunc F() error { return nil }\n".to_string()),
                (PathBuf::from("/m/q/b.go"), "package q\n\nfunc G() {}\n".to_string()),
            ],
            &[],
        );
        let live = cache.for_project(Some(&facts), &results);
        let first = live.package_hash(1).expect("hash").to_string();
        let snapshot = live.snapshot();
        assert_eq!(snapshot.packages, vec![(1, first.clone())], "only what was computed");
        assert_eq!(snapshot.all_packages, None);
        let replayed = cache.replay(&snapshot, &results).expect("replay");
        assert_eq!(replayed.package_hash(1), Some(first.as_str()));
        assert_eq!(replayed.package_hash(0), None, "not in the snapshot: a miss, never computed");
        assert_eq!(replayed.all_packages_hash(), None);
        assert_eq!(
            replayed.key(Path::new("a.go"), Path::new("a.go"), ModuleFacts::default(), false, "x"),
            live.key(Path::new("a.go"), Path::new("a.go"), ModuleFacts::default(), false, "x"),
            "the same shape"
        );
        // A later run of the same pre-pass adds what it computed.
        let later = cache.for_project(Some(&facts), &results);
        let zero = later.package_hash(0).expect("hash").to_string();
        let all = later.all_packages_hash().expect("all").to_string();
        let merged = later.snapshot().merged(&snapshot);
        assert_eq!(merged.packages, vec![(0, zero), (1, first)]);
        assert_eq!(merged.all_packages, Some(all));
        let bad = GroupSnapshot { shape: "not hex".into(), ..snapshot };
        assert!(cache.replay(&bad, &results).is_none());
    }

    #[test]
    fn every_part_of_the_key_changes_it() {
        let settings = Settings::default();
        let base = key_with(&settings, BUILD, "package a\n");
        assert_eq!(base, key_with(&settings, BUILD, "package a\n"), "deterministic");
        assert_ne!(base, key_with(&settings, "0.0.0+other", "package a\n"), "build");
        assert_ne!(base, key_with(&settings, BUILD, "package b\n"), "content");
        let mut severity = settings.clone();
        severity.severity_overrides.insert("unchecked-error", Severity::Error);
        assert_ne!(base, key_with(&severity, BUILD, "package a\n"), "severity override");
        let mut fewer = settings.clone();
        fewer.enabled.remove("unchecked-error");
        assert_ne!(base, key_with(&fewer, BUILD, "package a\n"), "enabled rules");
        let cache = ResultCache::open_for_build(Path::new("/nonexistent"), &settings, BUILD);
        let results = cache.result_pack(&[]);
        let project = cache.for_project(None, &results);
        let module =
            ModuleFacts { go_version: crate::engine::facts::GoVersion::parse("1.21"), ..ModuleFacts::default() };
        assert_ne!(base, project.key(Path::new("a.go"), Path::new("a.go"), module, false, "package a\n"), "go version");
        assert_ne!(
            base,
            project.key(Path::new("b/a.go"), Path::new("a.go"), ModuleFacts::default(), false, "package a\n")
        );
    }
}
