//! `explain <rule-id>`: the rule's metadata header and its docs.md.

use crate::app::{AppError, EXIT_CLEAN, print_stdout};
use crate::cli::{ExplainArgs, ListFormat};
use crate::engine::registry::{find_rule, suggest_rule};
use crate::engine::rule::{FixAvailability, Rule, RuleSet};

pub fn run(args: &ExplainArgs) -> Result<u8, AppError> {
    let rule = find_rule(&args.rule).ok_or_else(|| unknown_rule(&args.rule))?;
    let out = match args.format {
        ListFormat::Text => render(rule),
        ListFormat::Json => {
            let mut value = super::rules::rule_json(rule);
            value["docs"] = serde_json::Value::String(rule.docs.to_string());
            serde_json::to_string_pretty(&value).map_err(|err| AppError(err.to_string()))? + "\n"
        }
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

/// The text `explain` prints: a header built from the metadata, then the docs.
pub fn render(rule: &Rule) -> String {
    let mut out = format!("# {} ({})\n\n{}\n\n", rule.id, rule.family, rule.summary);
    out.push_str(&format!("- Default severity: {}\n", rule.severity));
    let fix = match rule.fix {
        FixAvailability::None => "none".to_string(),
        other => format!("{} ({})", other.as_str(), rule.applicability.as_str()),
    };
    out.push_str(&format!("- Autofix: {fix}\n"));
    out.push_str(&format!("- Status: {}\n", rule.status.as_str()));
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
