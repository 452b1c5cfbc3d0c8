//! The rule registry: built-in checks plus every folder under `rules/`, found by build.rs.

use crate::engine::builtin::BUILTIN_RULES;
use crate::engine::rule::Rule;

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

/// Every rule, sorted by id.
pub fn all_rules() -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = BUILTIN_RULES.iter().chain(FOLDER_RULES.iter()).copied().collect();
    rules.sort_by_key(|rule| rule.id);
    rules
}

/// Look a rule up by id or by one of its old ids.
pub fn find_rule(id: &str) -> Option<&'static Rule> {
    BUILTIN_RULES.iter().chain(FOLDER_RULES.iter()).copied().find(|rule| rule.id == id || rule.aliases.contains(&id))
}

/// The rules a golangci-lint linter name stands for (`errcheck`, `govet`, ...): those its
/// `//nolint:<name>` suppresses. Empty for a name no rule maps.
pub fn rules_for_linter(name: &str) -> Vec<&'static Rule> {
    all_rules().into_iter().filter(|rule| rule.nolint_aliases.contains(&name)).collect()
}

/// Resolve a name wherever rule ids are accepted: a rule id or old id gives that rule; a
/// golangci-lint linter name gives every rule it maps to. `None` when it is neither.
pub fn resolve_rule_name(name: &str) -> Option<Vec<&'static Rule>> {
    if let Some(rule) = find_rule(name) {
        return Some(vec![rule]);
    }
    let rules = rules_for_linter(name);
    (!rules.is_empty()).then_some(rules)
}

/// The closest known id, for "did you mean" messages.
pub fn suggest_rule(id: &str) -> Option<&'static str> {
    all_rules()
        .into_iter()
        .map(|rule| (strsim::jaro_winkler(id, rule.id), rule.id))
        .filter(|(score, _)| *score > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}
