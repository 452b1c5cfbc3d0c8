//! Source text and the one place where byte offsets become lines and columns.

use crate::diagnostic::{Position, Span};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path used to read the file.
    pub path: PathBuf,
    /// The path shown to users (relative, `/`-separated).
    pub display_path: PathBuf,
    pub text: Arc<str>,
    line_starts: Arc<[usize]>,
}

impl SourceFile {
    pub fn new(path: PathBuf, display_path: PathBuf, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let line_starts = line_starts(&text).into();
        SourceFile { path, display_path, text, line_starts }
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
        let prefix = &self.text[start..offset];
        Position { line: line + 1, column: prefix.len() + 1, utf16_column: prefix.encode_utf16().count() + 1 }
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
    starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
    starts
}

/// Make a path suitable for display and for SARIF: `/`-separated, no leading `./`.
pub fn normalize_display_path(path: &std::path::Path) -> PathBuf {
    let text = path.to_string_lossy().replace('\\', "/");
    let trimmed = text.strip_prefix("./").unwrap_or(&text);
    PathBuf::from(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
