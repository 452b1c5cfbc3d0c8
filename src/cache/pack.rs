//! A pack: many small cache records in one file, read one at a time and rewritten whole.
//!
//! One file per record cost the kernel an inode each (and a 4 KiB block for a record of a
//! few hundred bytes): on a first run into an empty cache that was most of the run's extra
//! time. A pack is a header (its format and key, one line each) and then records of
//! (label length u32 LE, label, digest, body hash, body length u32 LE, body). The digest finds
//! a record; the label is what its owner keeps beside it (a path, a time of last use).
//!
//! Opening a pack indexes its records without reading their bodies; a body is read when asked
//! for and checked against its hash, so a damaged record is no record. A run streams what it
//! writes into a new pack (a temporary file beside the old one), copies over the old records
//! it keeps, and renames the new pack into place: a reader sees the old pack or the new one,
//! and memory holds the index only. Two runs that write one pack at once lose only records.

use super::{ResultCache, trim};
use crate::hash::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// Where one record of a pack lies, and what it is.
pub(super) struct Record {
    pub(super) label: Vec<u8>,
    pub(super) digest: [u8; 32],
    body_hash: [u8; 32],
    /// The body's offset in the pack, and its length.
    body_at: u64,
    body_len: u32,
}

pub(super) struct Pack {
    path: PathBuf,
    header: String,
    /// The pack as it was, open.
    stored: Option<Mutex<std::fs::File>>,
    pub(super) records: Vec<Record>,
    by_digest: HashMap<[u8; 32], usize>,
    /// The new pack, once a record is written; `None` inside after a write failed.
    writing: Mutex<Option<Option<std::io::BufWriter<tempfile::NamedTempFile>>>>,
}

impl Pack {
    /// The pack at `path` whose first line is `format` and second `key`, marked used at
    /// `started`; an empty one when there is none, or it is another format or key, or a record
    /// runs past its end.
    pub(super) fn open(path: PathBuf, format: &str, key: &str, started: SystemTime) -> Pack {
        let header = format!("{format}\n{key}\n");
        let (stored, records) = match index(&path, &header, started) {
            Some((file, records)) => (Some(Mutex::new(file)), records),
            None => (None, Vec::new()),
        };
        let by_digest = records.iter().enumerate().map(|(index, record)| (record.digest, index)).collect();
        Pack { path, header, stored, records, by_digest, writing: Mutex::new(None) }
    }

    /// The stored record with `digest`.
    pub(super) fn find(&self, digest: &[u8; 32]) -> Option<usize> {
        self.by_digest.get(digest).copied()
    }

    /// The body of stored record `index`, if it still matches its hash.
    pub(super) fn body(&self, index: usize) -> Option<Vec<u8>> {
        use std::io::{Read as _, Seek as _};
        let record = self.records.get(index)?;
        let mut file = self.stored.as_ref()?.lock().ok()?;
        file.seek(std::io::SeekFrom::Start(record.body_at)).ok()?;
        let mut body = vec![0; record.body_len as usize];
        file.read_exact(&mut body).ok()?;
        (blake3::hash(&body).as_bytes() == &record.body_hash).then_some(body)
    }

    /// Append a record to the new pack, starting it with the first.
    pub(super) fn append(&self, label: &[u8], digest: &[u8; 32], body: &[u8]) {
        let Ok(mut writing) = self.writing.lock() else { return };
        let writer = writing.get_or_insert_with(|| {
            let dir = self.path.parent().map(Path::to_path_buf).unwrap_or_default();
            let temp = super::temp_file_in(&dir).ok()?;
            let mut writer = std::io::BufWriter::with_capacity(1 << 16, temp);
            writer.write_all(self.header.as_bytes()).ok()?;
            Some(writer)
        });
        let Some(out) = writer.as_mut() else { return };
        let written = match (u32::try_from(label.len()), u32::try_from(body.len())) {
            (Ok(label_len), Ok(body_len)) => out
                .write_all(&label_len.to_le_bytes())
                .and_then(|()| out.write_all(label))
                .and_then(|()| out.write_all(digest))
                .and_then(|()| out.write_all(blake3::hash(body).as_bytes()))
                .and_then(|()| out.write_all(&body_len.to_le_bytes()))
                .and_then(|()| out.write_all(body))
                .is_ok(),
            _ => false,
        };
        if !written {
            *writer = None;
        }
    }

    /// Copy stored record `index` to the new pack under `label`, unless its body no longer
    /// matches its hash (then it is left out).
    pub(super) fn copy(&self, index: usize, label: &[u8]) {
        if let Some(body) = self.body(index) {
            self.append(label, &self.records[index].digest, &body);
        }
    }

    /// Rename the new pack over the old one. True when it is in place.
    pub(super) fn persist(self) -> bool {
        let Pack { path, stored, writing, .. } = self;
        // The old pack is closed first: Windows refuses to rename over an open file unless it
        // was opened to allow that.
        drop(stored);
        let Ok(Some(Some(writer))) = writing.into_inner() else { return false };
        let Ok(temp) = writer.into_inner() else { return false };
        temp.persist(path).is_ok()
    }
}

/// The pack at `path` open, with its records, if it starts with `header` and its records are
/// whole; anything else is no pack.
fn index(path: &Path, header: &str, started: SystemTime) -> Option<(std::fs::File, Vec<Record>)> {
    use std::io::{BufRead as _, Read as _};
    let file = std::fs::File::open(path).ok()?;
    let metadata = file.metadata().ok()?;
    let len = metadata.len();
    let mut reader = std::io::BufReader::with_capacity(1 << 16, &file);
    let mut read_header = vec![0; header.len()];
    reader.read_exact(&mut read_header).ok()?;
    if read_header != header.as_bytes() {
        return None;
    }
    let mut at = header.len() as u64;
    let mut records = Vec::new();
    let u32_at = |reader: &mut std::io::BufReader<&std::fs::File>| -> Option<u32> {
        let mut bytes = [0; 4];
        reader.read_exact(&mut bytes).ok()?;
        Some(u32::from_le_bytes(bytes))
    };
    while !reader.fill_buf().ok()?.is_empty() {
        let label_len = u32_at(&mut reader)?;
        // A length past the end is a damaged pack, not an allocation to make.
        if u64::from(label_len) > len - at {
            return None;
        }
        let mut label = vec![0; label_len as usize];
        reader.read_exact(&mut label).ok()?;
        let (mut digest, mut body_hash) = ([0; 32], [0; 32]);
        reader.read_exact(&mut digest).ok()?;
        reader.read_exact(&mut body_hash).ok()?;
        let body_len = u32_at(&mut reader)?;
        let body_at = at + 4 + u64::from(label_len) + 64 + 4;
        if body_at + u64::from(body_len) > len {
            return None;
        }
        reader.seek_relative(i64::from(body_len)).ok()?;
        at = body_at + u64::from(body_len);
        records.push(Record { label, digest, body_hash, body_at, body_len });
    }
    drop(reader);
    trim::mark_used(&file, path, metadata.modified().ok()?, started);
    Some((file, records))
}

impl ResultCache {
    /// Where the pack of `format` for the modules rooted at `roots` lives, and its key.
    pub(super) fn pack_place(&self, format: &str, roots: &[PathBuf]) -> (PathBuf, super::Key) {
        let mut key = blake3::Hasher::new();
        super::field(&mut key, format.as_bytes());
        for root in roots {
            super::field(&mut key, root.as_os_str().as_encoded_bytes());
        }
        let key = super::Key(key.finalize().to_hex().to_string());
        (self.entry_path(&key), key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORMAT: &str = "golint-guard-test-pack 1";

    fn digest(index: usize) -> [u8; 32] {
        [u8::try_from(index).expect("small") + 1; 32]
    }

    #[test]
    fn a_damaged_pack_never_panics_and_never_gives_a_body_that_was_not_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ab").join("pack");
        let now = SystemTime::now();
        let bodies: Vec<Vec<u8>> =
            (0..5).map(|index| format!("body {index};").repeat(index * 7 + 1).into_bytes()).collect();
        let pack = Pack::open(path.clone(), FORMAT, "key", now);
        assert!(pack.records.is_empty(), "no pack yet");
        for (index, body) in bodies.iter().enumerate() {
            pack.append(format!("label {index}").as_bytes(), &digest(index), body);
        }
        assert!(pack.persist());
        let original = std::fs::read(&path).expect("read pack");

        let pack = Pack::open(path.clone(), FORMAT, "key", now);
        for (index, body) in bodies.iter().enumerate() {
            let found = pack.find(&digest(index)).expect("a record");
            assert_eq!(pack.records[found].label, format!("label {index}").into_bytes());
            assert_eq!(pack.body(found).as_ref(), Some(body));
        }
        assert!(Pack::open(path.clone(), FORMAT, "another key", now).records.is_empty());

        // Damage of every kind at random places (xorshift, fixed seed): lengths that run past
        // the end, a header that is not this one, a body that is not its hash.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % below.max(1) as u64).expect("fits")
        };
        let mut intact_records = 0;
        for round in 0..3000 {
            let mut bytes = original.clone();
            let at = next(bytes.len());
            match next(4) {
                0 => bytes[at] ^= 1 << next(8),
                1 => bytes.truncate(at),
                2 => bytes.insert(at, u8::try_from(next(256)).expect("a byte")),
                _ => {
                    let value = u32::try_from(next(1 << 31)).expect("fits").to_le_bytes();
                    let end = (at + 4).min(bytes.len());
                    bytes[at..end].copy_from_slice(&value[..end - at]);
                }
            }
            std::fs::write(&path, &bytes).expect("write pack");
            let pack = Pack::open(path.clone(), FORMAT, "key", now);
            for index in 0..pack.records.len() {
                if let Some(body) = pack.body(index) {
                    assert!(bodies.contains(&body), "round {round}: a body that was never written");
                    intact_records += 1;
                }
            }
        }
        // Most damage leaves most records readable: the test saw real packs, not only refusals.
        assert!(intact_records > 3000, "{intact_records} intact records read");
    }
}
