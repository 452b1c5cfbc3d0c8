//! Between our data model and the protocol's: `file://` URIs and paths, byte spans and
//! UTF-16 positions, findings and diagnostics.

use crate::diagnostic::{Edit, Finding, Severity, Span};
use crate::engine::registry::find_rule;
use crate::source::SourceFile;
use lsp_types as lsp;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The diagnostics' `source`.
pub const SOURCE: &str = "golint-guard";

/// The local path a `file://` URI names; `None` for other schemes or malformed escapes.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///p` (empty authority) or `file://localhost/p`.
    let path = match rest.strip_prefix("localhost") {
        Some(after) if after.starts_with('/') => after,
        _ if rest.starts_with('/') => rest,
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = percent_decode(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt as _;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        let text = String::from_utf8(bytes).ok()?;
        // `file:///C:/x` on Windows.
        Some(PathBuf::from(text.strip_prefix('/').filter(|t| t.get(1..2) == Some(":")).unwrap_or(&text)))
    }
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    Some(out)
}

/// The `file://` URI of an absolute path, with every byte outside the unreserved set and `/`
/// escaped (as VS Code and Neovim write them).
pub fn path_to_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub fn parse_uri(text: &str) -> Option<lsp::Uri> {
    lsp::Uri::from_str(text).ok()
}

/// A byte offset as an LSP position (0-based line, UTF-16 column).
pub fn position(source: &SourceFile, offset: usize) -> lsp::Position {
    let position = source.position(offset);
    lsp::Position::new(line_number(position.line), line_number(position.utf16_column))
}

pub fn range(source: &SourceFile, span: Span) -> lsp::Range {
    lsp::Range::new(position(source, span.start), position(source, span.end))
}

/// 1-based to 0-based, for lines and columns (0 means "no position": the file's start).
fn line_number(one_based: usize) -> u32 {
    u32::try_from(one_based.saturating_sub(1)).unwrap_or(u32::MAX)
}

/// The range a finding covers.
pub fn finding_range(source: &SourceFile, finding: &Finding) -> lsp::Range {
    match finding.span {
        Some(span) => range(source, span),
        None => lsp::Range::new(
            lsp::Position::new(line_number(finding.start.line), line_number(finding.start.utf16_column)),
            lsp::Position::new(line_number(finding.end.line), line_number(finding.end.utf16_column)),
        ),
    }
}

/// The byte offset of an LSP position in `source` (clamped to the text).
pub fn offset(source: &SourceFile, at: lsp::Position) -> usize {
    let text: &str = &source.text;
    let line = at.line as usize;
    if line >= source.line_count() {
        return text.len();
    }
    let start = source.line_start(line);
    let end = source.line_end(line);
    let mut units = 0usize;
    for (index, ch) in text[start..end].char_indices() {
        if units >= at.character as usize {
            return start + index;
        }
        units += ch.len_utf16();
    }
    end
}

pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
    }
}

/// One finding as a diagnostic of the document `uri`.
pub fn diagnostic(source: &SourceFile, uri: &lsp::Uri, finding: &Finding) -> lsp::Diagnostic {
    // Registered rules have a docs page (the one SARIF's `helpUri` names); anything else does not.
    let code_description =
        find_rule(&finding.rule).and_then(|rule| parse_uri(&rule.docs_url())).map(|href| lsp::CodeDescription { href });
    let related: Vec<lsp::DiagnosticRelatedInformation> = finding
        .labels
        .iter()
        .map(|label| lsp::DiagnosticRelatedInformation {
            location: lsp::Location::new(uri.clone(), range(source, label.span)),
            message: label.message.clone(),
        })
        .collect();
    let tags =
        (finding.rule == crate::engine::builtin::UNUSED_SUPPRESSION.id).then(|| vec![lsp::DiagnosticTag::UNNECESSARY]);
    lsp::Diagnostic {
        range: finding_range(source, finding),
        severity: Some(severity(finding.severity)),
        code: Some(lsp::NumberOrString::String(finding.rule.clone())),
        code_description,
        source: Some(SOURCE.to_string()),
        message: finding.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: None,
    }
}

/// Our byte-range edits as LSP text edits of `source`.
pub fn text_edits(source: &SourceFile, edits: &[Edit]) -> Vec<lsp::TextEdit> {
    let crlf = crate::fix::uses_crlf(&source.text);
    edits
        .iter()
        .map(|edit| {
            // Rules write new lines as `\n`; a CRLF file keeps its endings (as `--fix` does).
            let new_text =
                if crlf { edit.content.replace("\r\n", "\n").replace('\n', "\r\n") } else { edit.content.clone() };
            lsp::TextEdit { range: range(source, edit.span), new_text }
        })
        .collect()
}

/// The smallest single edit that turns `old` into `new`: the differing middle.
pub fn minimal_edit(old: &str, new: &str) -> Edit {
    let prefix = old.bytes().zip(new.bytes()).take_while(|(a, b)| a == b).count();
    let mut prefix = prefix;
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old.bytes().rev().zip(new.bytes().rev()).take(max_suffix).take_while(|(a, b)| a == b).count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    Edit::replace(Span::new(prefix, old.len() - suffix), &new[prefix..new.len() - suffix])
}

/// Whether two ranges share a position (a zero-width range touching the other counts).
pub fn overlaps(a: &lsp::Range, b: &lsp::Range) -> bool {
    let before = |x: &lsp::Position, y: &lsp::Position| (x.line, x.character) < (y.line, y.character);
    !before(&a.end, &b.start) && !before(&b.end, &a.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_paths_round_trip() {
        let path = Path::new("/tmp/my dir/ü.go");
        let uri = path_to_uri(path);
        assert_eq!(uri, "file:///tmp/my%20dir/%C3%BC.go");
        assert_eq!(uri_to_path(&uri).as_deref(), Some(path));
        assert_eq!(uri_to_path("file://localhost/a/b.go").as_deref(), Some(Path::new("/a/b.go")));
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(uri_to_path("file:///bad%zz"), None);
    }

    #[test]
    fn positions_count_utf16_units() {
        let source = SourceFile::new("a.go".into(), "a.go".into(), "package p\n// é😀x\n");
        let x = source.text.find('x').expect("x");
        let at = position(&source, x);
        assert_eq!((at.line, at.character), (1, 6));
        assert_eq!(offset(&source, at), x);
        assert_eq!(offset(&source, lsp::Position::new(9, 0)), source.text.len());
    }

    #[test]
    fn minimal_edits_keep_the_common_ends() {
        let edit = minimal_edit("abcXYZdef", "abc12def");
        assert_eq!((edit.span, edit.content.as_str()), (Span::new(3, 6), "12"));
        let same = minimal_edit("abc", "abc");
        assert!(same.span.is_empty() && same.content.is_empty());
        let grow = minimal_edit("aa", "aaa");
        assert_eq!((grow.span, grow.content.as_str()), (Span::new(2, 2), "a"));
    }
}
