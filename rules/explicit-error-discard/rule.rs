use super::discarded_error::{discarded_errors, every_name_blank, explained_above, sides};
use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "explicit-error-discard",
    family: "A4",
    summary: "Every result of a call, its error included, is assigned to `_` without a comment saying why",
    severity: Severity::Info,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    // Issue 9: `_ = f()` is an explicit decision; most reviewers leave it alone. Opt in to audit.
    set: RuleSet::OptIn,
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

const HELP: &str = "If the error can matter, check it; if it cannot, say why in a comment on the line above";

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let (Some(statement), Some(blank)) = (found.target(), found.get("blank")) else { return };
    // `defer func() { _ = f.Close() }()` is a deferred call: unchecked-error-defer decides it.
    if ctx.types.ancestry().deferring_statement(statement).is_some() {
        return;
    }
    let source: &str = &ctx.file.text;
    let (names, values) = sides(statement);
    // A value kept beside the discarded error is discarded-error's.
    if !every_name_blank(&names, source) {
        return;
    }
    // One finding per statement: the match for its first `_` that takes an error reports.
    let Some((first_blank, call, callee)) = discarded_errors(ctx, &names, &values).into_iter().next() else {
        return;
    };
    if first_blank != blank || explained_above(ctx, statement) {
        return;
    }
    let callee = syntax::callee_display(call, source, &callee);
    ctx.report(statement, format!("every result of `{callee}` is discarded with `_`, its error too")).help(HELP);
}
