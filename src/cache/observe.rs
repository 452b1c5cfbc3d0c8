//! What linting one file looked at beyond its own text: the packages of the module pre-pass
//! whose facts it read, and the other files it read from disk. The result cache stores this
//! with the file's findings and trusts them again only while every one of these is unchanged.
//!
//! Recording is per thread and only while [`record`] runs; elsewhere the hooks cost a
//! thread-local lookup. The hooks sit where every path to the facts goes through:
//! `ProjectFacts::package` and `ProjectFacts::packages`, and `package_source`'s file reads.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The dependencies of one lint, as observed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Observed {
    /// Packages (ids in this run's `ProjectFacts`) whose facts were read.
    pub packages: BTreeSet<u32>,
    /// Every package was listed (e.g. "any type with a method named X"): depends on them all.
    pub all_packages: bool,
    /// Files read from disk besides the one linted (other files of a package), with the hash
    /// of the content read (`None`: unreadable). A file read twice with different contents
    /// gets a hash no file has, so the result is never reused.
    pub files: BTreeMap<PathBuf, Option<String>>,
}

thread_local! {
    static RECORDER: RefCell<Option<Observed>> = const { RefCell::new(None) };
}

/// Run `lint`, recording what it reads.
pub fn record<R>(lint: impl FnOnce() -> R) -> (R, Observed) {
    let outer = RECORDER.replace(Some(Observed::default()));
    let result = lint();
    let observed = RECORDER.replace(outer).unwrap_or_default();
    (result, observed)
}

/// The facts of package `id` were read.
pub fn package(id: u32) {
    RECORDER.with_borrow_mut(|recorder| {
        if let Some(observed) = recorder {
            observed.packages.insert(id);
        }
    });
}

/// The whole list of packages was read.
pub fn all_packages() {
    RECORDER.with_borrow_mut(|recorder| {
        if let Some(observed) = recorder {
            observed.all_packages = true;
        }
    });
}

/// The file at `path` was read, giving `content` (`None`: it could not be read).
pub fn file(path: &Path, content: Option<&[u8]>) {
    RECORDER.with_borrow_mut(|recorder| {
        let Some(observed) = recorder else { return };
        let hash = content.map(|bytes| blake3::hash(bytes).to_hex().to_string());
        match observed.files.get(path) {
            None => {
                observed.files.insert(path.to_path_buf(), hash);
            }
            Some(earlier) if *earlier != hash => {
                observed.files.insert(path.to_path_buf(), Some(CHANGED_WHILE_READ.to_string()));
            }
            Some(_) => {}
        }
    });
}

/// Not a hash: marks a file whose content changed between two reads of one lint.
const CHANGED_WHILE_READ: &str = "changed while read";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_inside_record_and_restores_the_outer_recorder() {
        package(7);
        let ((), outer) = record(|| {
            package(1);
            let ((), inner) = record(|| {
                package(2);
                file(Path::new("b.go"), Some(b"x"));
                file(Path::new("c.go"), Some(b"1"));
                file(Path::new("c.go"), Some(b"2"));
            });
            assert_eq!(inner.packages, BTreeSet::from([2]));
            assert_eq!(inner.files[Path::new("b.go")], Some(blake3::hash(b"x").to_hex().to_string()));
            assert_eq!(inner.files[Path::new("c.go")].as_deref(), Some(CHANGED_WHILE_READ));
            all_packages();
        });
        assert_eq!(outer.packages, BTreeSet::from([1]));
        assert!(outer.all_packages);
        assert!(outer.files.is_empty());
    }
}
