//! Checks that are part of the engine rather than a rule folder: they have ids so they can be
//! selected, ignored and shown in SARIF like any rule.

use crate::diagnostic::Severity;
use crate::engine::rule::Rule;

pub static SYNTAX_ERROR: Rule = Rule::builtin(
    "syntax-error",
    "The file does not parse; it is still linted, but findings near the error may be missing",
    Severity::Info,
    "## What it does\n\nReports code that the Go grammar cannot parse. The rest of the file is still linted; \
rules skip the code around the error, and the file is never autofixed.\n\nThe grammar parses the syntax of \
Go 1.0 through Go 1.27: tree-sitter-go 0.25 extended with Go 1.26's `new(expr)` and Go 1.27's generic \
methods. Code written for a newer Go release may show up here.\n\n## Why is this bad?\n\nCode the linter \
cannot read is code it cannot check.\n",
);

pub static UNREADABLE_FILE: Rule = Rule::builtin(
    "unreadable-file",
    "A Go file or directory could not be read, or could not be checked in full",
    Severity::Warning,
    "## What it does\n\nReports a `.go` file that could not be read (permissions, I/O error), that is not valid \
UTF-8 (Go source must be), or a directory the walk could not enter; also a file whose syntax tree nests more \
than 1,000 levels deep (not linted), and a file whose rule checks ran past their work budget (not fully \
linted: a function so large or so deeply nested that checking each place in it against the rest would take \
minutes; the places past the budget are not checked). No hand-written file of the standard library or of 23 \
real projects comes near either limit.\n\n## Why is this bad?\n\nA file that is skipped is a file nobody \
checked; the run must not pass silently.\n",
);

pub static INVALID_SUPPRESSION: Rule = Rule::builtin(
    "invalid-suppression",
    "A suppression comment has no reason or names an unknown rule",
    Severity::Warning,
    "## What it does\n\nReports `//golint-guard:ignore` and `//golint-guard:file-ignore` comments that give no \
reason, or that name a rule id that does not exist.\n\n## Why is this bad?\n\nA suppression is a decision; \
without its reason the next reader cannot tell whether it still holds.\n\n## Example\n\n```go\n\
//golint-guard:ignore channel-never-closed\n```\n\n## Use instead\n\n```go\n//golint-guard:ignore \
channel-never-closed the producer closes it in Stop\n```\n",
);

pub static UNUSED_SUPPRESSION: Rule = Rule::builtin(
    "unused-suppression",
    "A suppression comment suppresses nothing",
    Severity::Warning,
    "## What it does\n\nReports a `//golint-guard:ignore`, `//golint-guard:file-ignore` or `//nolint` comment \
that names one of our rules but suppresses no finding.\n\n## Why is this bad?\n\nStale suppressions hide the \
next real finding on that line.\n",
);

pub static BUILTIN_RULES: &[&Rule] = &[&INVALID_SUPPRESSION, &SYNTAX_ERROR, &UNREADABLE_FILE, &UNUSED_SUPPRESSION];

/// An `unreadable-file` finding: some of the file at `path` was not checked, for `reason`.
pub fn partly_linted(path: &std::path::Path, reason: &str, help: &str) -> crate::diagnostic::Finding {
    let mut finding = not_linted(path, reason, help);
    finding.message = format!("not fully linted: {reason}");
    finding
}

/// An `unreadable-file` finding: the file at `path` was not linted, for `reason`.
pub fn not_linted(path: &std::path::Path, reason: &str, help: &str) -> crate::diagnostic::Finding {
    let start = crate::diagnostic::Position { line: 1, column: 1, utf16_column: 1 };
    crate::diagnostic::Finding {
        rule: UNREADABLE_FILE.id.to_string(),
        severity: UNREADABLE_FILE.severity,
        path: crate::source::normalize_display_path(path),
        span: None,
        start,
        end: start,
        labels: Vec::new(),
        message: format!("not linted: {reason}"),
        help: Some(help.into()),
        fix: None,
        detail: None,
    }
}
