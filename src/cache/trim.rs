//! Bounding the cache: files nobody used for days are removed, as `go` trims its build cache.
//! (Inside a module group's pack of entries, entries unused for [`UNUSED_LIMIT`] are left out
//! whenever the pack is rewritten: see [`super::ResultPack`].)
//!
//! - Opening a cache file refreshes its modification time, but only when that is an hour old
//!   or more ([`mark_used`]), so a warm run rewrites almost no inodes; a file's mtime is
//!   therefore its last use, give or take an hour.
//! - At the end of a `check`, [`trim`] looks at `results/trim.txt`, the time of the last trim;
//!   when that is less than a day old (the common case: one small read), it does nothing.
//!   Otherwise it writes the new time first (so runs started meanwhile skip their trim), then
//!   walks the files once.
//! - Files of this build unused for five days are removed: go's `trimLimit`, chosen from its
//!   users' reuse statistics (golang.org/issue/22990); a lint cache is reused in the same way,
//!   on the trees a user keeps checking.
//! - Files of another build or entry format (another build directory, or the flat layout
//!   before build directories) can never be read by this binary: they are removed once unused
//!   for a day. Not at once: two builds may share the directory in turns (an installed release
//!   and a development build, a CI cache restored for another version), and each would wipe
//!   the other's files daily. A development build's source hash changes with every edit, so
//!   this is what keeps a developer's cache from growing with every rebuild.
//!
//! Safe with other runs in the same directory: nothing is removed unless its mtime is a day
//! old, so a file or temporary file another run is writing (fresh) is never touched; a run
//! that loses a file to a trim between its lookup and its read just misses; two runs that both
//! trim remove the same files and ignore what is already gone. No size cap: entries are small
//! (a few hundred bytes to a few KB per linted file), the age bound already limits the cache to
//! the trees checked in the last five days, and a cap would need a sort of every entry by age
//! on each trim.

use std::ffi::OsStr;
use std::fs::File;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// An entry's mtime is refreshed on use only when it is at least this old (go's
/// `mtimeInterval`): last use is known to within this.
pub const MTIME_RESOLUTION: Duration = Duration::from_secs(60 * 60);
/// At most one trim per this long (go's `trimInterval`).
pub const TRIM_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);
/// This build's entries unused for this long are removed (go's `trimLimit`).
pub const UNUSED_LIMIT: Duration = Duration::from_secs(5 * 24 * 60 * 60);
/// Entries of another build or format unused for this long are removed.
pub const FOREIGN_UNUSED_LIMIT: Duration = TRIM_INTERVAL;
/// The time of the last trim, in seconds since the Unix epoch, under the results directory.
pub const STAMP: &str = "trim.txt";
/// The prefix of the temporary file an entry is written to before it is renamed into place.
pub const TEMP_PREFIX: &str = ".entry";

/// Record a use of the entry open as `file`, last modified at `modified`: set its mtime to
/// `now` when it is [`MTIME_RESOLUTION`] old or more. Best effort.
pub fn mark_used(file: &File, path: &Path, modified: SystemTime, now: SystemTime) {
    if now.duration_since(modified).is_ok_and(|age| age >= MTIME_RESOLUTION) && file.set_modified(now).is_err() {
        // Some systems set times only through a handle open for writing.
        let _ = File::options().write(true).open(path).and_then(|file| file.set_modified(now));
    }
}

/// Trim the results directory `results` if its last trim is [`TRIM_INTERVAL`] old, keeping
/// this build's entries (in `own_build`) for [`UNUSED_LIMIT`] after their last use and any
/// other's for [`FOREIGN_UNUSED_LIMIT`]. True when it trimmed. Failures are silent.
pub fn trim(results: &Path, own_build: &OsStr, now: SystemTime) -> bool {
    let stamp = results.join(STAMP);
    if std::fs::read(&stamp).is_ok_and(|text| trimmed_recently(&text, now)) || !results.is_dir() {
        return false;
    }
    // The new time first: a run that starts now skips its trim instead of walking the same
    // entries (go does the same, golang.org/issue/76314).
    let since_epoch = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
    if super::write_atomically(&stamp, since_epoch.to_string().as_bytes(), b"").is_err() {
        return false;
    }
    // Mtimes lag the last use by up to MTIME_RESOLUTION: count that in, as go does.
    let own_cutoff = now.checked_sub(UNUSED_LIMIT + MTIME_RESOLUTION).unwrap_or(SystemTime::UNIX_EPOCH);
    let foreign_cutoff = now.checked_sub(FOREIGN_UNUSED_LIMIT + MTIME_RESOLUTION).unwrap_or(SystemTime::UNIX_EPOCH);
    for (name, is_dir) in names(results) {
        let path = results.join(&name);
        if !is_dir {
            // Entries of the flat layout, and temporary files a killed run left.
            remove_if_unused(&path, &name, foreign_cutoff);
        } else if name == own_build {
            trim_dir(&path, own_cutoff, 1, false);
        } else {
            trim_dir(&path, foreign_cutoff, 1, true);
        }
    }
    true
}

/// The stamp says the last trim was less than [`TRIM_INTERVAL`] ago, and not in the future
/// (by more than the mtime resolution, for clocks that disagree a little): a stamp that
/// cannot be read, or from a wrong clock, means trim now.
fn trimmed_recently(stamp: &[u8], now: SystemTime) -> bool {
    let Some(seconds) = std::str::from_utf8(stamp).ok().and_then(|text| text.trim().parse::<u64>().ok()) else {
        return false;
    };
    let last = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
    match now.duration_since(last) {
        Ok(since) => since < TRIM_INTERVAL,
        Err(ahead) => ahead.duration() < MTIME_RESOLUTION,
    }
}

/// The names in `dir` and whether each is a directory (not following links), read in full
/// before anything is removed.
fn names(dir: &Path) -> Vec<(std::ffi::OsString, bool)> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    read.flatten().map(|entry| (entry.file_name(), entry.file_type().is_ok_and(|kind| kind.is_dir()))).collect()
}

/// Remove the entries under `dir` (at most two levels down: a build directory's fan-out
/// directories) last used before `cutoff`; with `remove_empty`, also the directories left
/// empty (another build's: this build's fan-out directories are kept for its next writes).
fn trim_dir(dir: &Path, cutoff: SystemTime, depth: usize, remove_empty: bool) {
    for (name, is_dir) in names(dir) {
        let path = dir.join(&name);
        if is_dir {
            if depth < 2 {
                trim_dir(&path, cutoff, depth + 1, remove_empty);
            }
        } else {
            remove_if_unused(&path, &name, cutoff);
        }
    }
    if remove_empty {
        // Fails while anything is left in it, or when another run just wrote there.
        let _ = std::fs::remove_dir(dir);
    }
}

/// Remove `path` if it is an entry or an entry's temporary file (nothing else the directory
/// may hold, such as the stamp) last modified before `cutoff`.
fn remove_if_unused(path: &Path, name: &OsStr, cutoff: SystemTime) {
    let name = name.to_string_lossy();
    let is_entry = !name.is_empty() && name.bytes().all(|byte| byte.is_ascii_hexdigit());
    if !is_entry && !name.starts_with(TEMP_PREFIX) {
        return;
    }
    let modified = std::fs::symlink_metadata(path).and_then(|metadata| metadata.modified());
    if modified.is_ok_and(|modified| modified < cutoff) {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_says_when_to_trim() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let at = |offset: i64| (1_000_000_000 + offset).to_string();
        assert!(trimmed_recently(at(0).as_bytes(), now));
        assert!(trimmed_recently(format!("{}\n", at(-23 * 3600)).as_bytes(), now));
        assert!(!trimmed_recently(at(-24 * 3600).as_bytes(), now), "a day old");
        assert!(trimmed_recently(at(59 * 60).as_bytes(), now), "a little ahead");
        assert!(!trimmed_recently(at(2 * 3600).as_bytes(), now), "far in the future");
        for corrupt in ["", "x", "-5", "1.5"] {
            assert!(!trimmed_recently(corrupt.as_bytes(), now), "{corrupt:?}");
        }
    }
}
