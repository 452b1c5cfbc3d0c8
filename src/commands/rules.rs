//! `rules`: the rule table.

use crate::app::{AppError, EXIT_CLEAN, print_stdout};
use crate::cli::{ListFormat, RulesArgs};
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
        "go_version_below": rule.go_version.below.map(|version| version.to_string()),
        "aliases": rule.aliases,
        "nolint_aliases": rule.nolint_aliases,
        "tags": rule.tags,
        "url": rule.docs_url(),
    })
}

fn table(rules: &[&Rule]) -> String {
    use std::fmt::Write as _;
    let id_width = rules.iter().map(|rule| rule.id.len()).max().unwrap_or(2).max(2);
    let family_width = rules.iter().map(|rule| rule.family.len()).max().unwrap_or(6).max(6);
    let mut out = format!(
        "{:<id_width$}  {:<family_width$}  {:<6}  {:<8}  {:<9}  SUMMARY\n",
        "ID", "FAMILY", "SET", "SEVERITY", "FIX"
    );
    for rule in rules {
        let _ = writeln!(
            out,
            "{:<id_width$}  {:<family_width$}  {:<6}  {:<8}  {:<9}  {}",
            rule.id,
            rule.family,
            rule.set.as_str(),
            rule.severity.as_str(),
            rule.fix.as_str(),
            rule.summary
        );
    }
    out
}
