use super::discarded_error::reportable_discard;
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
    // A value kept beside the discarded error is discarded-error's.
    let Some((statement, callee)) = reportable_discard(ctx, found, true) else { return };
    ctx.report(statement, format!("every result of `{callee}` is discarded with `_`, its error too")).help(HELP);
}
