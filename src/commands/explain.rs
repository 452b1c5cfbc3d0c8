//! `explain <rule-id>`: the rule's metadata header and its docs.md.

use crate::app::{AppError, EXIT_CLEAN, print_stdout};
use crate::cli::{ExplainArgs, ListFormat};
use crate::engine::registry::{find_rule, rules_for_linter, suggest_rule};
use crate::engine::rule::{FixAvailability, Rule, RuleSet, Status};

pub fn run(args: &ExplainArgs) -> Result<u8, AppError> {
    if find_rule(&args.rule).is_none() {
        let rules = rules_for_linter(&args.rule);
        if !rules.is_empty() {
            return explain_linter(&args.rule, &rules, args.format);
        }
    }
    let rule = find_rule(&args.rule).ok_or_else(|| unknown_rule(&args.rule))?;
    let out = match args.format {
        ListFormat::Text => render(rule),
        ListFormat::Json => to_json(&rule_json_with_docs(rule))?,
    };
    print_stdout(&out)?;
    Ok(EXIT_CLEAN)
}

fn rule_json_with_docs(rule: &Rule) -> serde_json::Value {
    let mut value = super::rules::rule_json(rule);
    value["docs"] = serde_json::Value::String(rule.docs.to_string());
    value
}

fn to_json(value: &serde_json::Value) -> Result<String, AppError> {
    Ok(serde_json::to_string_pretty(value).map_err(|err| AppError(err.to_string()))? + "\n")
}

/// `explain errcheck`: a golangci-lint linter name is accepted wherever a rule id is, so say
/// which rules it stands for, then explain each.
fn explain_linter(name: &str, rules: &[&'static Rule], format: ListFormat) -> Result<u8, AppError> {
    let ids: Vec<&str> = rules.iter().map(|rule| rule.id).collect();
    let out = match format {
        ListFormat::Text => {
            let mut out = format!(
                "`{name}` is a golangci-lint linter name. golint-guard accepts it wherever a rule id is \
                 (--select, --ignore, golint-guard.toml, suppressions) and reads it as: {}.\n",
                ids.join(", ")
            );
            for rule in rules {
                out.push('\n');
                out.push_str(&render(rule));
            }
            out
        }
        ListFormat::Json => to_json(&serde_json::json!({
            "linter": name,
            "rules": rules.iter().map(|rule| rule_json_with_docs(rule)).collect::<Vec<_>>(),
        }))?,
    };
    print_stdout(&out)?;
    Ok(EXIT_CLEAN)
}

pub fn unknown_rule(id: &str) -> AppError {
    match suggest_rule(id) {
        Some(close) => {
            AppError(format!("unknown rule `{id}`; did you mean `{close}`? (`golint-guard rules` lists them)"))
        }
        None => AppError(format!("unknown rule `{id}` (`golint-guard rules` lists them)")),
    }
}

/// How `explain` names a rule's set, with the way to turn an opt-in rule on.
pub fn set_description(set: RuleSet) -> &'static str {
    match set {
        RuleSet::Default => "default (runs unless ignored)",
        RuleSet::OptIn => {
            "opt-in (runs only when selected: `--extend-select <id>` or `extend-select` in golint-guard.toml)"
        }
    }
}

/// How `explain` names a rule's status, saying what `preview` means for the user.
pub fn status_description(status: Status) -> &'static str {
    match status {
        Status::Stable => "stable",
        Status::Preview => "preview (still being tuned on real code: what it flags may change between releases)",
    }
}

/// The text `explain` prints: a header built from the metadata, then the docs.
pub fn render(rule: &Rule) -> String {
    let mut out = format!("# {} ({})\n\n{}\n\n", rule.id, rule.family, rule.summary);
    out.push_str(&format!("- Default severity: {}\n", rule.severity));
    let fix = match rule.fix {
        FixAvailability::None => "none".to_string(),
        other => format!("{} ({})", other.as_str(), rule.applicability.as_str()),
    };
    out.push_str(&format!("- Autofix: {fix}\n"));
    out.push_str(&format!("- Status: {}\n", status_description(rule.status)));
    out.push_str(&format!("- Rule set: {}\n", set_description(rule.set)));
    if let Some(below) = rule.go_version.below {
        out.push_str(&format!("- Applies to: Go language versions below {below}\n"));
    }
    if !rule.nolint_aliases.is_empty() {
        out.push_str(&format!("- Also suppressed by: //nolint:{}\n", rule.nolint_aliases.join(",")));
    }
    out.push('\n');
    out.push_str(rule.docs.trim_end());
    out.push('\n');
    out
}
