//! Source text and the one place where byte offsets become lines and columns.

use crate::diagnostic::{Position, Span};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path used to read the file.
    pub path: PathBuf,
    /// The path shown to users (relative, `/`-separated).
    pub display_path: PathBuf,
    pub text: Arc<str>,
    line_starts: Arc<[usize]>,
    /// UTF-16 units before every `UTF16_CHECKPOINT`-th byte (rounded up to a char boundary), so
    /// a position's UTF-16 column costs a short scan, not one of the whole line. Empty when the
    /// text is ASCII (UTF-16 columns are then byte columns). Built on the first position asked
    /// for: most files have no findings, and the scan costs as much as a tenth of the rules.
    utf16_checkpoints: Arc<OnceLock<Box<[Utf16Checkpoint]>>>,
    /// Size and modification time of the file when its text was read (files read from disk).
    pub read_stamp: Option<FileStamp>,
}

/// What a file looked like on disk when it was read: `--fix` writes only onto the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
}

impl FileStamp {
    pub fn of(metadata: &std::fs::Metadata) -> FileStamp {
        FileStamp { len: metadata.len(), modified: metadata.modified().ok() }
    }
}

/// Bytes between UTF-16 checkpoints: bounds the scan behind each position.
const UTF16_CHECKPOINT: usize = 64;

#[derive(Debug, Clone, Copy)]
struct Utf16Checkpoint {
    /// A char boundary at or just after a multiple of `UTF16_CHECKPOINT`.
    offset: usize,
    units_before: usize,
}

impl SourceFile {
    pub fn new(path: PathBuf, display_path: PathBuf, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let line_starts = line_starts(&text).into();
        SourceFile { path, display_path, text, line_starts, utf16_checkpoints: Arc::default(), read_stamp: None }
    }

    pub fn with_read_stamp(self, read_stamp: Option<FileStamp>) -> SourceFile {
        SourceFile { read_stamp, ..self }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where 0-based line `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// Byte offset just past the content of 0-based line `line` (before its `\n` / `\r\n`).
    pub fn line_end(&self, line: usize) -> usize {
        let next = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        let mut end = next;
        if end > self.line_start(line) && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
            if end > self.line_start(line) && bytes.get(end - 1) == Some(&b'\r') {
                end -= 1;
            }
        }
        end
    }

    /// The text of 0-based line `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_start(line)..self.line_end(line)]
    }

    /// Resolve a byte offset (clamped to a char boundary) to a 1-based position.
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_index(offset);
        let start = self.line_start(line);
        let utf16_column = self.utf16_units_before(offset) - self.utf16_units_before(start);
        Position { line: line + 1, column: offset - start + 1, utf16_column: utf16_column + 1 }
    }

    /// UTF-16 units in `text[..offset]` (`offset` on a char boundary), scanning at most one
    /// checkpoint interval, so reporting many findings on one long line stays linear.
    fn utf16_units_before(&self, offset: usize) -> usize {
        let checkpoints = self.utf16_checkpoints.get_or_init(|| utf16_checkpoints(&self.text).into());
        if checkpoints.is_empty() {
            return offset;
        }
        let checkpoint = checkpoints[offset / UTF16_CHECKPOINT];
        // The checkpoint is the first char boundary at or after a multiple of the interval, and
        // `offset` is a char boundary at or after that multiple, so the checkpoint is not past it.
        checkpoint.units_before + utf16_units(self.text[checkpoint.offset..offset].as_bytes())
    }

    pub fn span_positions(&self, span: Span) -> (Position, Position) {
        (self.position(span.start), self.position(span.end))
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    // memchr finds the newlines with SIMD; a byte-at-a-time filter cost ten instructions a byte.
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|at| at + 1));
    starts
}

fn utf16_checkpoints(text: &str) -> Vec<Utf16Checkpoint> {
    if text.is_ascii() {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut checkpoints = Vec::with_capacity(bytes.len() / UTF16_CHECKPOINT + 1);
    let (mut offset, mut units_before) = (0, 0);
    for multiple in 0..=bytes.len() / UTF16_CHECKPOINT {
        let mut boundary = (multiple * UTF16_CHECKPOINT).max(offset);
        while !text.is_char_boundary(boundary) {
            boundary += 1;
        }
        units_before += utf16_units(&bytes[offset..boundary]);
        offset = boundary;
        checkpoints.push(Utf16Checkpoint { offset, units_before });
    }
    checkpoints
}

/// UTF-16 units in `bytes`, whole chars of valid UTF-8: one per char, two for a char of four
/// bytes (a surrogate pair). Counted by byte, without decoding, so the loop vectorizes (decoding
/// each char cost a tenth of a check's report on files with findings).
fn utf16_units(bytes: &[u8]) -> usize {
    bytes.iter().map(|&byte| usize::from(byte & 0xC0 != 0x80) + usize::from(byte >= 0xF0)).sum()
}

/// Make a path suitable for display and for SARIF: `/`-separated, no leading `./`.
pub fn normalize_display_path(path: &std::path::Path) -> PathBuf {
    let text = slash_path(path);
    let trimmed = text.strip_prefix("./").unwrap_or(&text);
    PathBuf::from(trimmed)
}

/// The path as text with `/` separators. A backslash is a separator only on Windows; elsewhere
/// it is part of a file name and stays.
pub fn slash_path(path: &std::path::Path) -> String {
    let text = path.to_string_lossy();
    if cfg!(windows) { text.replace('\\', "/") } else { text.into_owned() }
}

/// Read `path` only if it is a regular file once symlinks are followed. A FIFO named `x.go`
/// would block forever and a device such as `/dev/zero` never ends; both are refused with an
/// `InvalidInput` error that says what the file is. The check is made on the opened file, so a
/// FIFO swapped in after discovery is caught too.
pub fn read_regular_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        // Opening a FIFO for reading waits for a writer unless told not to block.
        options.custom_flags(libc::O_NONBLOCK);
    }
    #[cfg(not(unix))]
    {
        let metadata = std::fs::metadata(path)?;
        if !metadata.is_file() {
            return Err(not_regular(&metadata));
        }
    }
    let mut file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(not_regular(&metadata));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

pub fn not_regular(metadata: &std::fs::Metadata) -> std::io::Error {
    let kind = metadata.file_type();
    let what = if kind.is_dir() { "a directory" } else { special_file_kind(&kind) };
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("not a regular file ({what})"))
}

#[cfg(unix)]
fn special_file_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_file_kind(_kind: &std::fs::FileType) -> &'static str {
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The char-by-char checkpoints before they were counted by byte.
    fn utf16_checkpoints_reference(text: &str) -> Vec<(usize, usize)> {
        if text.is_ascii() {
            return Vec::new();
        }
        let mut checkpoints = Vec::new();
        let mut units_before = 0;
        for (offset, c) in text.char_indices() {
            while checkpoints.len() * UTF16_CHECKPOINT <= offset {
                checkpoints.push((offset, units_before));
            }
            units_before += c.len_utf16();
        }
        while checkpoints.len() * UTF16_CHECKPOINT <= text.len() {
            checkpoints.push((text.len(), units_before));
        }
        checkpoints
    }

    #[test]
    fn utf16_checkpoints_equal_the_char_by_char_count() {
        // Random text of one- to four-byte chars (xorshift, no dependency), at lengths around
        // the checkpoint interval and well past it.
        let chars = ['a', '\n', '\u{e9}', '\u{20ac}', '\u{1F600}', '\u{10FFFF}', 'z'];
        let mut random = crate::testing::Random(0x2545_F491_4F6C_DD1D);
        for length in (0..400).chain([1_000, 5_000]) {
            let text: String = (0..length).map(|_| chars[random.below(chars.len())]).collect();
            let checkpoints: Vec<(usize, usize)> =
                utf16_checkpoints(&text).iter().map(|point| (point.offset, point.units_before)).collect();
            assert_eq!(checkpoints, utf16_checkpoints_reference(&text), "{text:?}");
        }
    }

    #[test]
    fn positions_count_bytes_and_utf16_units() {
        let file = SourceFile::new("a.go".into(), "a.go".into(), "ab\nx\u{e9}\u{1F600}y\r\nz");
        assert_eq!(file.position(0), Position { line: 1, column: 1, utf16_column: 1 });
        assert_eq!(file.position(3), Position { line: 2, column: 1, utf16_column: 1 });
        // 'x' (1 byte) + 'é' (2 bytes, 1 unit) + emoji (4 bytes, 2 units) then 'y'
        let y = file.text.find('y').unwrap();
        assert_eq!(file.position(y), Position { line: 2, column: 8, utf16_column: 5 });
        assert_eq!(file.line_text(1), "x\u{e9}\u{1F600}y");
        assert_eq!(file.line_text(2), "z");
        // An offset inside a multi-byte char is clamped back to its start.
        assert_eq!(file.position(5).column, 2);
    }

    #[test]
    fn utf16_columns_on_long_mixed_lines_match_a_full_count() {
        // Long lines with multi-byte chars straddling checkpoint boundaries, and a CRLF.
        let line = "a\u{e9}\u{1F600}bc\u{4e2d}".repeat(40);
        let text = format!("{line}\r\n{line}\n\u{1F600}");
        let file = SourceFile::new("a.go".into(), "a.go".into(), text.as_str());
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let line = file.line_index(offset);
            let prefix = &text[file.line_start(line)..offset];
            let expected = prefix.encode_utf16().count() + 1;
            assert_eq!(file.position(offset).utf16_column, expected, "offset {offset}");
            assert_eq!(file.position(offset).column, prefix.len() + 1, "offset {offset}");
        }
    }
}
