//! The precision ledger (rules/<id>/ledger.tsv) and what the rules declare must agree: the
//! precision shown by `rules` and in SARIF comes from judged findings, and every rule in the
//! default set that fails CI (warning or error) meets the precision bar on its ledger.

use golint_guard::diagnostic::Severity;
use golint_guard::engine::ledger;
use golint_guard::engine::registry::{LEDGERS, all_rules};
use golint_guard::engine::rule::RuleSet;

#[test]
fn every_rule_folder_has_a_well_formed_ledger() {
    let mut problems = Vec::new();
    for rule in all_rules().into_iter().filter(|rule| !rule.is_builtin()) {
        if !LEDGERS.iter().any(|(id, _)| *id == rule.id) {
            problems.push(format!("rules/{}: no ledger.tsv (an empty one says why in a comment)", rule.id));
            continue;
        }
        match ledger::rows_of(rule.id) {
            Err(message) => problems.push(format!("rules/{}/ledger.tsv: {message}", rule.id)),
            Ok(rows) => {
                for row in &rows {
                    if row.rule != rule.id {
                        problems.push(format!("rules/{}/ledger.tsv: a row of rule `{}`", rule.id, row.rule));
                    }
                }
                let mut places: Vec<_> = rows.iter().map(|row| (&row.repo, &row.path, row.line)).collect();
                let count = places.len();
                places.sort();
                places.dedup();
                if places.len() != count {
                    problems.push(format!("rules/{}/ledger.tsv: the same finding is judged twice", rule.id));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn declared_precision_is_the_ledgers() {
    let mut problems = Vec::new();
    for rule in all_rules().into_iter().filter(|rule| !rule.is_builtin()) {
        let counts = ledger::counts_of(rule.id);
        if let Some(measured) = counts.precision()
            && measured != rule.precision
        {
            problems.push(format!(
                "{}: declares precision `{}` but its ledger ({}) gives `{}`",
                rule.id,
                rule.precision.as_str(),
                counts.describe(),
                measured.as_str()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn default_rules_that_fail_ci_meet_the_precision_bar() {
    let mut problems = Vec::new();
    // A rule whose default severity is info fails no run, whatever its ledger says.
    let fails_ci = |rule: &&golint_guard::engine::rule::Rule| rule.severity > Severity::Info;
    for rule in
        all_rules().into_iter().filter(|rule| !rule.is_builtin() && rule.set == RuleSet::Default).filter(fails_ci)
    {
        let rows = ledger::rows_of(rule.id).unwrap_or_default();
        // The bar is about findings that fail a default run: those judged at warning or error.
        if !rows.iter().any(|row| row.severity != "info") {
            continue;
        }
        let counts = ledger::counts(&rows);
        if !counts.meets_bar() {
            problems.push(format!(
                "{}: in the default set at warning/error, but its ledger ({}) is over the bar \
                 (at most 1 in 10 false, 1 in 4 false or debatable): narrow it, or make it info or opt-in",
                rule.id,
                counts.describe()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
