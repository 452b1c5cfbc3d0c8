//! All enabled rules' queries compiled once into one query, so a file is walked once
//! whatever the number of rules (DESIGN.md, "Performance principles").

use crate::engine::rule::Rule;
use std::fmt;
use tree_sitter::{Language, Query};

pub struct CombinedQuery {
    pub query: Query,
    /// For each pattern index, the index (into the rule list it was built from) of its rule.
    pub pattern_rule: Vec<usize>,
    /// Capture names, leaked once so matches can hand out `&'static str`.
    pub capture_names: Vec<&'static str>,
}

#[derive(Debug)]
pub struct QueryError {
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "query of rule `{}`: {}", self.rule, self.message)
    }
}

impl std::error::Error for QueryError {}

/// Predicates tree-sitter's Rust binding evaluates itself. Any other predicate would be
/// silently ignored by the engine, so a query using one is refused.
const EVALUATED_PREDICATES: &[&str] = &[
    "eq?",
    "not-eq?",
    "any-eq?",
    "any-not-eq?",
    "match?",
    "not-match?",
    "any-match?",
    "any-not-match?",
    "any-of?",
    "not-any-of?",
];

/// Check one rule's query on its own: it compiles, every pattern has `@target`, and every
/// predicate is one the engine evaluates.
pub fn validate_rule_query(language: &Language, rule: &'static Rule) -> Result<Query, QueryError> {
    let query =
        Query::new(language, rule.query).map_err(|err| QueryError { rule: rule.id, message: err.to_string() })?;
    check_patterns(rule, &query, rule.query, 0..query.pattern_count())?;
    Ok(query)
}

/// The checks of `validate_rule_query` on `rule`'s patterns, which are `patterns` of `query`
/// (compiled from `source`): the rule's own query, or its part of the combined one.
fn check_patterns(
    rule: &'static Rule,
    query: &Query,
    source: &str,
    patterns: std::ops::Range<usize>,
) -> Result<(), QueryError> {
    if patterns.is_empty() {
        return Err(QueryError { rule: rule.id, message: "the query has no patterns".into() });
    }
    let target = query.capture_index_for_name("target");
    let first = patterns.start;
    for pattern in patterns {
        if !query.general_predicates(pattern).is_empty() || !query.property_predicates(pattern).is_empty() {
            let names: Vec<String> =
                query.general_predicates(pattern).iter().map(|p| format!("#{}", p.operator)).collect();
            return Err(QueryError {
                rule: rule.id,
                message: format!(
                    "pattern {} uses predicates the engine does not evaluate ({}); use one of: {}",
                    pattern - first + 1,
                    names.join(", "),
                    EVALUATED_PREDICATES.iter().map(|p| format!("#{p}")).collect::<Vec<_>>().join(" ")
                ),
            });
        }
        if !query.property_settings(pattern).is_empty() {
            return Err(QueryError { rule: rule.id, message: "#set! directives are not supported".into() });
        }
        let has_target = target.is_some() && pattern_has_capture(query, source, pattern, "target");
        if !has_target {
            return Err(QueryError {
                rule: rule.id,
                message: format!("pattern {} has no @target capture", pattern - first + 1),
            });
        }
    }
    Ok(())
}

fn pattern_has_capture(query: &Query, source: &str, pattern: usize, name: &str) -> bool {
    let text = source.get(query.start_byte_for_pattern(pattern)..query.end_byte_for_pattern(pattern)).unwrap_or("");
    let needle = format!("@{name}");
    text.match_indices(&needle).any(|(i, _)| {
        let after = text[i + needle.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-')
    })
}

/// Strings that live as long as the process (capture names, package paths); interning keeps
/// that to one copy per distinct string.
pub fn intern(name: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Default::default).lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(existing) = names.get(name) {
        return existing;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

impl CombinedQuery {
    /// Build the single query for `rules` (rules without a query are skipped). Each query is
    /// compiled once, as part of the combined one (compiling is most of start-up); only when
    /// that fails are the rules compiled one by one, to name the one at fault.
    pub fn build(language: &Language, rules: &[&'static Rule]) -> Result<CombinedQuery, QueryError> {
        let mut source = String::new();
        let mut offsets: Vec<(usize, usize)> = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            if rule.query.trim().is_empty() {
                continue;
            }
            offsets.push((source.len(), index));
            source.push_str(rule.query);
            source.push('\n');
        }
        if offsets.is_empty() {
            // A query must have at least one pattern; this one never matches real code.
            source.push_str("((ERROR) @target (#eq? @target \"\\u0000never\"))");
        }
        let query = match Query::new(language, &source) {
            Ok(query) => query,
            Err(err) => {
                for &(_, index) in &offsets {
                    validate_rule_query(language, rules[index])?;
                }
                return Err(QueryError { rule: "(combined)", message: err.to_string() });
            }
        };
        let pattern_rule: Vec<usize> = (0..query.pattern_count())
            .map(|pattern| {
                let start = query.start_byte_for_pattern(pattern);
                let slot = offsets.partition_point(|&(offset, _)| offset <= start);
                offsets.get(slot.wrapping_sub(1)).map_or(usize::MAX, |&(_, rule)| rule)
            })
            .collect();
        for &(_, index) in &offsets {
            // Patterns of one rule are contiguous, in source order.
            let first = pattern_rule.partition_point(|&rule| rule < index);
            let end = pattern_rule.partition_point(|&rule| rule <= index);
            check_patterns(rules[index], &query, &source, first..end)?;
        }
        let capture_names = query.capture_names().iter().map(|name| intern(name)).collect();
        Ok(CombinedQuery { query, pattern_rule, capture_names })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn rule_with_query(query: &'static str) -> &'static Rule {
        let mut rule = Rule::builtin("test-rule", "a test rule", Severity::Warning, "## What it does\n\nTests.\n");
        rule.query = query;
        rule.check = Some(|_, _| {});
        Box::leak(Box::new(rule))
    }

    #[test]
    fn predicates_the_engine_does_not_evaluate_are_refused() {
        let language = crate::parse::go_language();
        let unknown = rule_with_query("((identifier) @target (#is-exported? @target))");
        let err = CombinedQuery::build(&language, &[unknown]).err().expect("refused");
        assert!(err.to_string().contains("#is-exported?"), "{err}");
        let evaluated = rule_with_query("((identifier) @target (#match? @target \"^[A-Z]\"))");
        assert!(CombinedQuery::build(&language, &[evaluated]).is_ok());
    }

    #[test]
    fn every_pattern_needs_a_target_capture() {
        let language = crate::parse::go_language();
        let untargeted = rule_with_query("(identifier) @name");
        let err = CombinedQuery::build(&language, &[untargeted]).err().expect("refused");
        assert!(err.to_string().contains("@target"), "{err}");
    }

    #[test]
    fn a_broken_query_is_named_and_checks_count_the_rules_own_patterns() {
        let language = crate::parse::go_language();
        let good = rule_with_query("(identifier) @target");
        let mut broken =
            Rule::builtin("broken-rule", "a broken rule", Severity::Warning, "## What it does\n\nTests.\n");
        broken.query = "(identifier @target";
        broken.check = Some(|_, _| {});
        let broken: &'static Rule = Box::leak(Box::new(broken));
        let err = CombinedQuery::build(&language, &[good, broken]).err().expect("refused");
        assert_eq!(err.rule, "broken-rule", "{err}");
        let second_untargeted = rule_with_query("(identifier) @target\n(int_literal) @name");
        let err = CombinedQuery::build(&language, &[good, second_untargeted]).err().expect("refused");
        assert!(err.to_string().contains("pattern 2 has no @target"), "{err}");
    }

    #[test]
    fn patterns_map_back_to_their_rules() {
        let language = crate::parse::go_language();
        let first = rule_with_query("(identifier) @target\n(int_literal) @target");
        let second = rule_with_query("(call_expression) @target");
        let combined = CombinedQuery::build(&language, &[first, second]).expect("compiles");
        assert_eq!(combined.pattern_rule, vec![0, 0, 1]);
    }
}
