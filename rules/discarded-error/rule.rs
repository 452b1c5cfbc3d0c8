use crate::syntax::{FieldChild as _, KindName as _};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "discarded-error",
    family: "A4",
    summary: "An error result is assigned to the blank identifier `_` without a comment saying why",
    // Info: its judged sample on code it was not tuned on is over the precision bar (ledger.tsv).
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::Low,
    tags: &["reliability", "error-handling"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &["errcheck"],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

const HELP: &str = "Check the error; if it truly cannot fail, say why in a comment on the line above";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    // `_ = f()`: every result thrown away on purpose is explicit-error-discard's (opt-in). What
    // stays here keeps a value and drops the error beside it: `lis, _ := net.Listen(...)`.
    let Some((statement, callee)) = reportable_discard(ctx, found, false) else { return };
    let in_test = ctx.facts.is_test_file;
    let finding = ctx.report(statement, format!("the error returned by `{callee}` is discarded with `_`")).help(HELP);
    // Issue 9: a test that ignores an error fails on the next line anyway; advice only.
    if in_test {
        finding.severity(Severity::Info);
    }
}

/// The statement to report and the callee to name, when this match is the one that reports a
/// discarded error and the statement's left side is (`every_blank`) or is not all `_`: shared
/// by this rule and explicit-error-discard, which split `_ = f()` from `v, _ := f()`.
pub(super) fn reportable_discard<'tree>(
    ctx: &RuleContext<'_, '_>,
    found: &Match<'tree>,
    every_blank: bool,
) -> Option<(Node<'tree>, String)> {
    let (statement, blank) = (found.target()?, found.get("blank")?);
    // `defer func() { _ = f.Close() }()` is a deferred call: unchecked-error-defer decides it.
    if ctx.types.ancestry().deferring_statement(statement).is_some() {
        return None;
    }
    let source: &str = &ctx.file.text;
    let (names, values) = sides(statement);
    if every_name_blank(&names, source) != every_blank {
        return None;
    }
    // One finding per statement: the match for its first `_` that takes an error reports.
    let (first_blank, call, callee) = discarded_errors(ctx, &names, &values).into_iter().next()?;
    if first_blank != blank || explained_above(ctx, statement) {
        return None;
    }
    Some((statement, syntax::callee_display(call, source, &callee)))
}

/// Every name on the left is `_`: nothing from the call is kept.
fn every_name_blank(names: &[Node<'_>], source: &str) -> bool {
    !names.is_empty() && names.iter().all(|name| syntax::text(*name, source) == "_")
}

/// The names on the left and the values on the right of an assignment, `:=` or `var` spec.
fn sides(statement: Node<'_>) -> (Vec<Node<'_>>, Vec<Node<'_>>) {
    if statement.kind_name() == "var_spec" {
        let mut cursor = statement.walk();
        let names = statement.children_by_field_name("name", &mut cursor).collect();
        let values = statement.field_child("value").map(syntax::named_children).unwrap_or_default();
        return (names, values);
    }
    let side = |field| statement.field_child(field).map(syntax::named_children).unwrap_or_default();
    (side("left"), side("right"))
}

/// Each `_` that receives an `error` result, with its call and the call's resolved name, in
/// order. Calls whose results are not known are left out: never guess.
fn discarded_errors<'tree>(
    ctx: &RuleContext<'_, 'tree>,
    names: &[Node<'tree>],
    values: &[Node<'tree>],
) -> Vec<(Node<'tree>, Node<'tree>, String)> {
    let source: &str = &ctx.file.text;
    let is_blank = |name: &Node<'_>| syntax::text(*name, source) == "_";
    let known_call = |value: Node<'tree>| {
        let call = syntax::unparen(value);
        if call.kind_name() != "call_expression" {
            return None;
        }
        let info = ctx.types.call(call)?;
        let ignored = syntax::error_conventionally_ignored(ctx.types, &ctx.facts.imports, call, &info, source);
        (!ignored).then_some((call, info))
    };
    let mut found = Vec::new();
    match values {
        // `x, _ := f()`: the call's results line up with the names.
        [single] => {
            let Some((call, info)) = known_call(*single) else { return found };
            if info.results.len() != names.len() {
                return found;
            }
            for (name, result) in names.iter().zip(&info.results) {
                if is_blank(name) && result == "error" {
                    found.push((*name, call, info.callee.clone()));
                }
            }
        }
        // `a, _ := f(), g()`: one value per name.
        _ if values.len() == names.len() => {
            for (name, value) in names.iter().zip(values) {
                if !is_blank(name) {
                    continue;
                }
                if let Some((call, info)) = known_call(*value)
                    && info.results == ["error"]
                {
                    found.push((*name, call, info.callee.clone()));
                }
            }
        }
        _ => {}
    }
    found
}

/// A comment on the line directly above the statement, not a directive (`//nolint`, `//go:`):
/// the author explains why the error cannot matter. A trailing comment on the same line does
/// not count: it is too easy to leave behind.
fn explained_above(ctx: &RuleContext<'_, '_>, statement: Node<'_>) -> bool {
    let source: &str = &ctx.file.text;
    let line_start = source[..statement.start_byte()].rfind('\n').map_or(0, |newline| newline + 1);
    if line_start == 0 {
        return false;
    }
    let above_start = source[..line_start - 1].rfind('\n').map_or(0, |newline| newline + 1);
    let above = &source[above_start..line_start - 1];
    let indent = above.len() - above.trim_start().len();
    if above.trim().is_empty() {
        return false;
    }
    let first = above_start + indent;
    let Some(comment) = ctx.tree.root_node().descendant_for_byte_range(first, first + 1) else { return false };
    if comment.kind_name() != "comment" {
        return false;
    }
    let text = syntax::text(comment, source);
    match text.strip_prefix("//") {
        Some(rest) => !rest.trim().is_empty() && !is_directive(rest),
        None => true,
    }
}

/// Go's directive comments have no space after `//`: `//nolint`, `//go:generate`,
/// `//golint-guard:ignore`, `//lint:ignore`, `//line`, `//export`.
fn is_directive(after_slashes: &str) -> bool {
    if after_slashes.starts_with(char::is_whitespace) {
        return false;
    }
    let word: &str =
        after_slashes.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).next().unwrap_or("");
    let colon = after_slashes[word.len()..].starts_with(':');
    (colon && !word.is_empty()) || matches!(word, "nolint" | "line" | "export" | "extern")
}
