//! Code actions and hovers, built from a document's current findings.

use super::convert;
use crate::diagnostic::{Applicability, Edit, Finding, Span};
use crate::engine::builtin::BUILTIN_RULES;
use crate::engine::registry::find_rule;
use crate::source::SourceFile;
use crate::syntax::{KindName as _, ParentNode as _};
use lsp_types as lsp;
use std::collections::HashMap;

/// The kind of the "fix all safe fixes in this file" action.
pub const FIX_ALL_KIND: &str = "source.fixAll.golint-guard";

/// What a suppression inserted by the editor says until its author writes the real reason.
pub const SUPPRESS_REASON: &str = "TODO: say why this finding does not apply";

/// Whether a request whose `only` filter is `only` wants actions of `kind` (the filter matches
/// by prefix: `source.fixAll` asks for `source.fixAll.golint-guard`).
pub fn wanted(only: Option<&[lsp::CodeActionKind]>, kind: &str) -> bool {
    only.is_none_or(|only| {
        only.iter().any(|asked| {
            let asked = asked.as_str();
            kind == asked || kind.strip_prefix(asked).is_some_and(|rest| rest.starts_with('.'))
        })
    })
}

/// A workspace edit of one document.
pub fn workspace_edit(uri: &lsp::Uri, edits: Vec<lsp::TextEdit>) -> lsp::WorkspaceEdit {
    lsp::WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..lsp::WorkspaceEdit::default() }
}

/// The quick fixes for the findings under `range`: each rule's fix (safe ones preferred, unsafe
/// ones labelled), then a suppression comment for each finding. `fixable` is false when the
/// file has syntax errors: such a file is never autofixed.
pub fn quick_fixes(
    source: &SourceFile,
    findings: &[Finding],
    uri: &lsp::Uri,
    range: &lsp::Range,
    fixable: bool,
    tree: Option<&tree_sitter::Tree>,
) -> Vec<lsp::CodeActionOrCommand> {
    let mut fixes = Vec::new();
    let mut suppressions = Vec::new();
    for finding in findings {
        let finding_range = convert::finding_range(source, finding);
        if !convert::overlaps(&finding_range, range) {
            continue;
        }
        let diagnostic = convert::diagnostic(source, uri, finding);
        if fixable
            && let Some(fix) = &finding.fix
            && !fix.edits.is_empty()
            && fix.applicability != Applicability::DisplayOnly
        {
            let what = finding.help.clone().unwrap_or_else(|| format!("apply the `{}` fix", finding.rule));
            let safe = fix.applicability == Applicability::Safe;
            let title =
                if safe { format!("Fix: {what}") } else { format!("Fix (unsafe, may change behaviour): {what}") };
            fixes.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title,
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(workspace_edit(uri, convert::text_edits(source, &fix.edits))),
                is_preferred: Some(safe),
                ..lsp::CodeAction::default()
            }));
        }
        if let Some(edit) = suppression_edit(source, tree, finding) {
            suppressions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: format!("Suppress `{}` with //golint-guard:ignore", finding.rule),
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic]),
                edit: Some(workspace_edit(uri, convert::text_edits(source, &[edit]))),
                ..lsp::CodeAction::default()
            }));
        }
    }
    fixes.extend(suppressions);
    fixes
}

/// `//golint-guard:ignore <rule> <reason>` on a line of its own right above the finding's
/// first line, indented like it: a directive standing alone covers the line below its comment
/// block (src/suppress.rs). When that line starts inside a multi-line string or comment, no
/// comment can go right above it: the directive then trails the line instead (covering its own
/// line), unless the line ends inside such a token or in a `//` comment, where no directive
/// fits (`None`). `None` too for the built-in checks, which a directive does not cover
/// usefully (syntax errors, unreadable files, the suppressions themselves).
///
/// The reason is a placeholder that `check` accepts, so the finding goes at once, and that
/// reads as a TODO for review (and for linters that flag TODOs) until the author writes why.
pub fn suppression_edit(source: &SourceFile, tree: Option<&tree_sitter::Tree>, finding: &Finding) -> Option<Edit> {
    if BUILTIN_RULES.iter().any(|rule| rule.id == finding.rule) || finding.start.line == 0 {
        return None;
    }
    let line = finding.start.line - 1;
    let directive = format!("//golint-guard:ignore {} {SUPPRESS_REASON}", finding.rule);
    let Some(tree) = tree else {
        return Some(own_line_above(source, line, &directive));
    };
    let token_kinds = ["raw_string_literal", "interpreted_string_literal", "comment"];
    // The string or comment token that `offset` is strictly inside of, if any.
    let token_around = |offset: usize| {
        let node = tree.root_node().descendant_for_byte_range(offset, offset)?;
        std::iter::successors(Some(node), |node| node.parent_node()).find(|node| {
            token_kinds.contains(&node.kind_name()) && node.start_byte() < offset && offset < node.end_byte()
        })
    };
    if token_around(source.line_start(line)).is_none() {
        return Some(own_line_above(source, line, &directive));
    }
    let end = source.line_end(line);
    let ends_in_line_comment =
        tree.root_node().descendant_for_byte_range(end.saturating_sub(1), end.saturating_sub(1)).is_some_and(|node| {
            node.kind_name() == "comment"
                && node.end_byte() == end
                && source.slice(Span::new(node.start_byte(), end)).starts_with("//")
        });
    if token_around(end).is_some() || ends_in_line_comment {
        return None;
    }
    Some(Edit::insert(end, format!(" {directive}")))
}

fn own_line_above(source: &SourceFile, line: usize, directive: &str) -> Edit {
    let text = source.line_text(line);
    let indent: String = text.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    Edit::insert(source.line_start(line), format!("{indent}{directive}\n"))
}

/// The hover over a finding: the rule's summary, the message and the fix hint.
pub fn hover(source: &SourceFile, findings: &[Finding], at: lsp::Position) -> Option<lsp::Hover> {
    let point = lsp::Range::new(at, at);
    let hits: Vec<&Finding> =
        findings.iter().filter(|finding| convert::overlaps(&convert::finding_range(source, finding), &point)).collect();
    let first = hits.first()?;
    let mut text = String::new();
    for finding in &hits {
        if !text.is_empty() {
            text.push_str("\n\n---\n\n");
        }
        text.push_str(&format!("**{}** ({})", finding.rule, finding.severity));
        if let Some(rule) = find_rule(&finding.rule) {
            text.push_str(&format!(": {}", rule.summary));
        }
        text.push_str(&format!("\n\n{}", finding.message));
        if let Some(help) = &finding.help {
            text.push_str(&format!("\n\n**Fix:** {help}"));
        }
        if let Some(fix) = &finding.fix
            && fix.applicability != Applicability::DisplayOnly
        {
            text.push_str(&format!(" (a {} quick fix is available)", fix.applicability.as_str()));
        }
    }
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent { kind: lsp::MarkupKind::Markdown, value: text }),
        range: Some(convert::finding_range(source, first)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    /// Files where a finding sits in awkward places: after a comment block, under another
    /// directive, on a line that starts inside a raw string, on a method's first line.
    const CASES: &[&str] = &[
        "package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc main() {\n\tc := make(chan os.Signal)\n\t// Wait for Ctrl-C.\n\tsignal.Notify(c, os.Interrupt)\n\t<-c\n}\n",
        "package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc main() {\n\tc := make(chan os.Signal)\n\t//golint-guard:ignore error-compare not about errors, kept to test stacking\n\tsignal.Notify(c, os.Interrupt)\n\t<-c\n}\n",
        "package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc main() {\n\tc := make(chan os.Signal)\n\t_ = `x\n`; signal.Notify(c, os.Interrupt)\n\t<-c\n}\n",
        "package app\n\nimport \"sync\"\n\ntype Counter struct {\n\tmu sync.Mutex\n\tn  int\n}\n\n// Get reads the count.\nfunc (c Counter) Get() int { return c.n }\n",
    ];

    /// The comment each suppression action inserts is one `check` accepts: the finding goes, and
    /// neither `invalid-suppression` nor `unused-suppression` comes, with its placeholder
    /// reason kept as it is.
    #[test]
    fn inserted_suppressions_are_accepted_with_the_placeholder_reason() {
        let settings = Settings::default();
        let mut suppressed = 0;
        for text in CASES {
            let findings = crate::lint::lint_text("main.go", text, &settings).expect("lint");
            let source = SourceFile::new("main.go".into(), "main.go".into(), *text);
            let tree = crate::parse::parse(&mut crate::parse::new_parser(), &source);
            for finding in &findings {
                let Some(edit) = suppression_edit(&source, tree.as_ref(), finding) else { continue };
                assert!(edit.content.contains(SUPPRESS_REASON), "{edit:?}");
                let fixed =
                    crate::fix::apply_edits(text, &crate::diagnostic::Fix::new(Applicability::Safe, vec![edit]));
                let after = crate::lint::lint_text("main.go", &fixed, &settings).expect("lint");
                let rules = |findings: &[Finding]| findings.iter().map(|f| f.rule.clone()).collect::<Vec<_>>();
                let mut expected = rules(&findings);
                let index = expected.iter().position(|rule| *rule == finding.rule).expect("the finding");
                expected.remove(index);
                assert_eq!(rules(&after), expected, "suppressing {} in:\n{fixed}", finding.rule);
                suppressed += 1;
            }
        }
        assert!(suppressed >= CASES.len(), "each case has a finding to suppress: {suppressed}");
    }

    /// A line that starts inside a raw string and ends in a `//` comment takes a directive
    /// nowhere: no action rather than one that suppresses nothing.
    #[test]
    fn no_suppression_where_no_directive_fits() {
        let text = "package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc main() {\n\tc := make(chan os.Signal)\n\t_ = `x\n`; signal.Notify(c, os.Interrupt) // wait\n\t<-c\n}\n";
        let findings = crate::lint::lint_text("main.go", text, &Settings::default()).expect("lint");
        let finding = findings.iter().find(|f| f.rule == "signal-unbuffered").expect("the finding");
        let source = SourceFile::new("main.go".into(), "main.go".into(), text);
        let tree = crate::parse::parse(&mut crate::parse::new_parser(), &source);
        assert_eq!(suppression_edit(&source, tree.as_ref(), finding), None);
    }
}
