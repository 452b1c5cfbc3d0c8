//! `rules`: the rule table.

use crate::app::{AppError, EXIT_CLEAN, print_stdout};
use crate::cli::{ListFormat, RulesArgs};
use crate::engine::ledger;
use crate::engine::registry::all_rules;
use crate::engine::rule::Rule;

pub fn run(args: &RulesArgs) -> Result<u8, AppError> {
    let rules = all_rules();
    let out = match args.format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rules.iter().map(|rule| rule_json(rule)).collect();
            serde_json::to_string_pretty(&list).map_err(|err| AppError(err.to_string()))? + "\n"
        }
        ListFormat::Text => table(&rules),
    };
    print_stdout(&out)?;
    Ok(EXIT_CLEAN)
}

pub fn rule_json(rule: &Rule) -> serde_json::Value {
    serde_json::json!({
        "id": rule.id,
        "family": rule.family,
        "summary": rule.summary,
        "severity": rule.severity.as_str(),
        "fix": rule.fix.as_str(),
        "fix_applicability": if rule.fix == crate::engine::rule::FixAvailability::None { None } else { Some(rule.applicability.as_str()) },
        "status": rule.status.as_str(),
        "set": rule.set.as_str(),
        "precision": rule.precision.as_str(),
        "ledger": ledger_json(rule),
        "go_version_below": rule.go_version.below.map(|version| version.to_string()),
        "aliases": rule.aliases,
        "nolint_aliases": rule.nolint_aliases,
        "tags": rule.tags,
        "url": rule.docs_url(),
    })
}

/// The judged sample behind the precision figure (built-in checks are exact and have none).
fn ledger_json(rule: &Rule) -> serde_json::Value {
    if rule.is_builtin() {
        return serde_json::Value::Null;
    }
    let counts = ledger::counts_of(rule.id);
    serde_json::json!({ "read": counts.read, "false": counts.false_alarms, "debatable": counts.debatable })
}

/// `very-high`, or `high (20 read: 1 false, 3 debatable)`.
fn precision_cell(rule: &Rule) -> String {
    if rule.is_builtin() {
        return rule.precision.as_str().to_string();
    }
    format!("{} ({})", rule.precision.as_str(), ledger::counts_of(rule.id).describe())
}

fn table(rules: &[&Rule]) -> String {
    use std::fmt::Write as _;
    let id_width = rules.iter().map(|rule| rule.id.len()).max().unwrap_or(2).max(2);
    let family_width = rules.iter().map(|rule| rule.family.len()).max().unwrap_or(6).max(6);
    let precisions: Vec<String> = rules.iter().map(|rule| precision_cell(rule)).collect();
    let precision_width = precisions.iter().map(String::len).max().unwrap_or(9).max(9);
    let mut out = format!(
        "{:<id_width$}  {:<family_width$}  {:<7}  {:<8}  {:<precision_width$}  {:<9}  SUMMARY\n",
        "ID", "FAMILY", "SET", "SEVERITY", "PRECISION", "FIX"
    );
    for (rule, precision) in rules.iter().zip(&precisions) {
        let _ = writeln!(
            out,
            "{:<id_width$}  {:<family_width$}  {:<7}  {:<8}  {:<precision_width$}  {:<9}  {}",
            rule.id,
            rule.family,
            rule.set.as_str(),
            rule.severity.as_str(),
            precision,
            rule.fix.as_str(),
            rule.summary
        );
    }
    out.push_str(
        "\nSET: `default` rules run unless ignored; `opt-in` rules run only when selected \
         (`--extend-select <id>`, or `extend-select` in golint-guard.toml).\n\
         PRECISION: from a judged sample of the rule's findings on code it was not tuned on \
         (rules/<id>/ledger.tsv); `false` = the rule was wrong, `debatable` = true but no reviewer would change it.\n",
    );
    out
}
