//! The one data model every rule produces and every reporter reads: plain serde data.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// How much a finding matters. Ordered so that `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" | "note" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a fix may be applied without asking (`--fix`) or only with `--unsafe-fixes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown to the user, never applied automatically.
    DisplayOnly,
    /// May change behaviour; applied only with `--unsafe-fixes`.
    Unsafe,
    /// Keeps the program's meaning; applied with `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// A half-open byte range `[start, end)` in a file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

impl From<tree_sitter::Node<'_>> for Span {
    fn from(node: tree_sitter::Node<'_>) -> Span {
        Span::new(node.start_byte(), node.end_byte())
    }
}

/// One replacement of a byte range by new text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

impl Edit {
    pub fn insert(at: usize, content: impl Into<String>) -> Edit {
        Edit { span: Span::new(at, at), content: content.into() }
    }

    pub fn replace(span: Span, content: impl Into<String>) -> Edit {
        Edit { span, content: content.into() }
    }

    pub fn delete(span: Span) -> Edit {
        Edit { span, content: String::new() }
    }
}

/// A set of edits applied together, or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub applicability: Applicability,
    /// Sorted by start offset; never overlapping.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(applicability: Applicability, mut edits: Vec<Edit>) -> Fix {
        edits.sort_by_key(|edit| (edit.span.start, edit.span.end));
        Fix { applicability, edits }
    }

    pub fn safe(edits: Vec<Edit>) -> Fix {
        Fix::new(Applicability::Safe, edits)
    }

    pub fn unsafe_edits(edits: Vec<Edit>) -> Fix {
        Fix::new(Applicability::Unsafe, edits)
    }
}

/// A secondary location: "the other half of the story" (RULES.md, "Where a finding points").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A resolved position: 1-based line, 1-based column in UTF-8 bytes and in UTF-16 code units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub utf16_column: usize,
}

/// What a rule (or a gate step) reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// A rule id (`channel-never-closed`) or a gate kind (`gate/test`, `vet/printf`).
    pub rule: String,
    pub severity: Severity,
    /// Path as shown to users: relative to the working directory (or repo root for SARIF), `/`-separated.
    pub path: PathBuf,
    /// Byte span of the primary location, when the finding has source text.
    pub span: Option<Span>,
    pub start: Position,
    pub end: Position,
    pub labels: Vec<Label>,
    pub message: String,
    /// A verb phrase telling the reader what to do.
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// Extra text for the reader (test output, race stacks); not part of the one-line message.
    pub detail: Option<String>,
}

impl Finding {
    /// Sort key that makes every output independent of thread timing.
    pub fn sort_key(&self) -> (&PathBuf, usize, usize, &str, &str) {
        (&self.path, self.start.line, self.start.column, self.rule.as_str(), self.message.as_str())
    }
}

pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}
