//! Code actions and hovers, built from a document's current findings.

use super::convert;
use crate::diagnostic::{Applicability, Edit, Finding};
use crate::engine::builtin::BUILTIN_RULES;
use crate::engine::registry::find_rule;
use crate::source::SourceFile;
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
/// block (src/suppress.rs). `None` for the built-in checks, which a directive does not cover
/// usefully (syntax errors, unreadable files, the suppressions themselves).
pub fn suppression_edit(source: &SourceFile, tree: Option<&tree_sitter::Tree>, finding: &Finding) -> Option<Edit> {
    if BUILTIN_RULES.iter().any(|rule| rule.id == finding.rule) || finding.start.line == 0 {
        return None;
    }
    let mut line = finding.start.line - 1;
    // A line that starts inside a multi-line string or comment cannot take a comment above it:
    // go up to where that token starts.
    if let Some(tree) = tree {
        loop {
            let start = source.line_start(line);
            let Some(node) = tree.root_node().descendant_for_byte_range(start, start) else { break };
            let token_kinds = ["raw_string_literal", "interpreted_string_literal", "comment"];
            let enclosing = std::iter::successors(Some(node), |node| node.parent())
                .find(|node| token_kinds.contains(&node.kind()) && node.start_byte() < start);
            match enclosing {
                Some(token) if token.start_position().row < line => line = token.start_position().row,
                _ => break,
            }
        }
    }
    let start = source.line_start(line);
    let text = source.line_text(line);
    let indent: String = text.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    Some(Edit::insert(start, format!("{indent}//golint-guard:ignore {} {SUPPRESS_REASON}\n", finding.rule)))
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
