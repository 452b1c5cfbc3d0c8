//! Inline suppressions: `//golint-guard:ignore`, `//golint-guard:file-ignore` and `//nolint`.

use crate::config::Settings;
use crate::diagnostic::Finding;
use crate::source::SourceFile;
use tree_sitter::Tree;

/// Drop suppressed findings; report reason-less, unknown and unused suppressions.
pub fn apply(_file: &SourceFile, _tree: Option<&Tree>, findings: Vec<Finding>, _settings: &Settings) -> Vec<Finding> {
    findings
}
