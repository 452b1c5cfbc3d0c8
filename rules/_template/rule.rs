use crate::engine::prelude::*;

pub static RULE: Rule = Rule {
    id: "rule-id",
    family: "A0",
    summary: "One line saying what is flagged",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    applicability: Applicability::Safe,
    status: Status::Preview,
    set: RuleSet::Default,
    precision: Precision::High,
    tags: &["reliability"],
    go_version: GoVersionRange { below: None },
    aliases: &[],
    nolint_aliases: &[],
    requires_imports: &[],
    query: include_str!("query.scm"),
    docs: include_str!("docs.md"),
    check: Some(check),
};

fn check(ctx: &mut RuleContext<'_, '_>, found: &Match<'_>) {
    let Some(target) = found.target() else { return };
    ctx.report(target, "what is wrong, with the names involved").help("Verb phrase saying how to fix it");
}
