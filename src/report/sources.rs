//! The text of the files with findings, as the reporters, fingerprints and fixes ask for it.
//!
//! A run's report needs the whole text of every file with a finding (snippets, fingerprints'
//! occurrence counts, SARIF line hashes, fixes), but only one file at a time: findings come
//! sorted by path. [`Sources`] therefore remembers where each file is and the hash of the text
//! that was linted, and reads a file again when it is asked for, keeping only the last one read.
//! Memory then follows the file in hand, not every file with findings.

use crate::source::{FileStamp, SourceFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Looks up a file's text by display path.
pub trait SourceLookup: Sync {
    /// The text of the file shown as `display_path`, if the report may use it: `None` for a
    /// file without findings, or one that changed on disk since it was linted.
    fn source(&self, display_path: &Path) -> Option<SourceFile>;
}

/// Texts held in memory (tests, one-file runs).
impl SourceLookup for BTreeMap<PathBuf, SourceFile> {
    fn source(&self, display_path: &Path) -> Option<SourceFile> {
        self.get(display_path).cloned()
    }
}

/// The files with findings of one run, by display path.
#[derive(Debug, Default)]
pub struct Sources {
    files: BTreeMap<PathBuf, Entry>,
    /// The file read last: consecutive lookups of one file (one per finding) read it once.
    last_read: Mutex<Option<SourceFile>>,
}

#[derive(Debug)]
enum Entry {
    /// Kept in memory (text that is not on disk, or not as it was linted).
    Held(SourceFile),
    /// Read again when asked for.
    OnDisk(OnDisk),
}

/// Where a linted file's text is, and how to tell it is still the text that was linted.
#[derive(Debug, Clone)]
pub struct OnDisk {
    pub path: PathBuf,
    pub display_path: PathBuf,
    pub read_stamp: Option<FileStamp>,
    /// The hash of the text linted.
    pub hash: blake3::Hash,
}

impl OnDisk {
    /// Where `source` came from, to read it again later.
    pub fn of(source: &SourceFile) -> OnDisk {
        OnDisk {
            path: source.path.clone(),
            display_path: source.display_path.clone(),
            read_stamp: source.read_stamp,
            hash: blake3::hash(source.text.as_bytes()),
        }
    }

    /// True when the file still holds the text that was linted.
    pub fn unchanged(&self) -> bool {
        self.read_bytes().is_some()
    }

    /// The text again, if it is still the text that was linted.
    pub fn read(&self) -> Option<SourceFile> {
        let text = String::from_utf8(self.read_bytes()?).ok()?;
        Some(SourceFile::new(self.path.clone(), self.display_path.clone(), text).with_read_stamp(self.read_stamp))
    }

    fn read_bytes(&self) -> Option<Vec<u8>> {
        let bytes = crate::source::read_regular_file(&self.path).ok()?;
        (blake3::hash(&bytes) == self.hash).then_some(bytes)
    }
}

impl Sources {
    /// Keep `source` in memory under `display_path`.
    pub fn insert(&mut self, display_path: PathBuf, source: SourceFile) {
        self.files.insert(display_path, Entry::Held(source));
    }

    /// Remember where the file is; its text is read when a report asks for it.
    pub fn insert_on_disk(&mut self, on_disk: OnDisk) {
        self.files.insert(on_disk.display_path.clone(), Entry::OnDisk(on_disk));
    }

    /// Display paths of the files with findings, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.files.keys()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn contains(&self, display_path: &Path) -> bool {
        self.files.contains_key(display_path)
    }

    /// The text of the file shown as `display_path` (see [`SourceLookup::source`]).
    pub fn get(&self, display_path: &Path) -> Option<SourceFile> {
        match self.files.get(display_path)? {
            Entry::Held(source) => Some(source.clone()),
            Entry::OnDisk(on_disk) => {
                let last_read = || self.last_read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                {
                    let mut last = last_read();
                    if let Some(source) = last.as_ref().filter(|source| source.display_path == display_path) {
                        return Some(source.clone());
                    }
                    // Drop the previous file before reading the next: one text at a time.
                    *last = None;
                }
                // Read without the lock: reports read their files from several threads.
                let source = on_disk.read()?;
                *last_read() = Some(source.clone());
                Some(source)
            }
        }
    }
}

/// One file's text as a lookup: what a report's worker holds while it renders that file's
/// findings (see [`super::by_file`]).
pub struct OneFile<'a> {
    pub display_path: &'a Path,
    pub source: Option<&'a SourceFile>,
}

impl SourceLookup for OneFile<'_> {
    fn source(&self, display_path: &Path) -> Option<SourceFile> {
        self.source.filter(|_| display_path == self.display_path).cloned()
    }
}

impl SourceLookup for Sources {
    fn source(&self, display_path: &Path) -> Option<SourceFile> {
        self.get(display_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_again_only_while_it_is_the_text_linted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.go");
        std::fs::write(&path, "package a\n").expect("write");
        let linted = SourceFile::new(path.clone(), "a.go".into(), "package a\n");
        let mut sources = Sources::default();
        sources.insert_on_disk(OnDisk::of(&linted));
        assert!(sources.contains(Path::new("a.go")));
        assert_eq!(sources.get(Path::new("a.go")).map(|source| source.text.to_string()), Some("package a\n".into()));
        assert!(sources.get(Path::new("b.go")).is_none());

        // Changed on disk: the report must not show text that was not linted.
        std::fs::write(&path, "package b\n").expect("write");
        let other = dir.path().join("b.go");
        std::fs::write(&other, "package b\n").expect("write");
        sources.insert_on_disk(OnDisk::of(&SourceFile::new(other, "b.go".into(), "package b\n")));
        assert!(sources.get(Path::new("b.go")).is_some(), "reading b.go lets a.go's text go");
        assert!(sources.get(Path::new("a.go")).is_none());
    }

    #[test]
    fn held_texts_need_no_file() {
        let mut sources = Sources::default();
        sources.insert("mem.go".into(), SourceFile::new("mem.go".into(), "mem.go".into(), "package mem\n"));
        assert_eq!(sources.paths().collect::<Vec<_>>(), [Path::new("mem.go")]);
        assert_eq!(sources.source(Path::new("mem.go")).map(|source| source.text.len()), Some(12));
    }
}
