//! Every rule's docs are complete and honest: required sections, a one-line summary, a
//! `## Fix safety` section for fixes that are not safe, examples that behave as tagged, an
//! `explain` snapshot, and a README rule table that matches the registry.

use golint_guard::config::Settings;
use golint_guard::diagnostic::Applicability;
use golint_guard::engine::docs::{code_blocks, section};
use golint_guard::engine::ledger;
use golint_guard::engine::registry::all_rules;
use golint_guard::engine::rule::FixAvailability;
use golint_guard::lint::lint_text;
use std::path::Path;

const REQUIRED_SECTIONS: &[&str] = &["What it does", "Why is this bad?", "Example", "Use instead", "References"];

#[test]
fn rule_docs_have_the_required_sections() {
    let mut problems = Vec::new();
    for rule in all_rules().into_iter().filter(|rule| !rule.is_builtin()) {
        for name in REQUIRED_SECTIONS {
            if section(rule.docs, name).is_none_or(str::is_empty) {
                problems.push(format!("{}: docs.md has no `## {name}` section", rule.id));
            }
        }
        if rule.fix != FixAvailability::None
            && rule.applicability != Applicability::Safe
            && section(rule.docs, "Fix safety").is_none()
        {
            problems.push(format!("{}: a fix that is not safe needs `## Fix safety`", rule.id));
        }
        if rule.summary.contains('\n') || rule.summary.len() > 120 {
            problems.push(format!("{}: the summary must be one line of at most 120 characters", rule.id));
        }
    }
    for rule in all_rules() {
        if section(rule.docs, "What it does").is_none_or(str::is_empty) {
            problems.push(format!("{}: docs have no `## What it does`", rule.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A ```go bad block must make the rule fire; a ```go good block must not.
#[test]
fn rule_doc_examples_behave_as_tagged() {
    let mut problems = Vec::new();
    for rule in all_rules().into_iter().filter(|rule| !rule.is_builtin()) {
        let settings = Settings::only(&[rule.id, "syntax-error"]);
        let blocks = code_blocks(rule.docs);
        let tagged: Vec<_> = blocks.iter().filter(|(info, _)| info == "go bad" || info == "go good").collect();
        if !tagged.iter().any(|(info, _)| info == "go bad") || !tagged.iter().any(|(info, _)| info == "go good") {
            problems.push(format!("{}: docs need a ```go bad and a ```go good block", rule.id));
        }
        for (info, code) in tagged {
            // Test functions only count in a test file.
            let name = if code.contains("func Test") { "example_test.go" } else { "example.go" };
            let findings = lint_text(name, code, &settings).expect("lint");
            let syntax = findings.iter().filter(|f| f.rule == "syntax-error").count();
            let hits = findings.iter().filter(|f| f.rule == rule.id).count();
            if syntax > 0 {
                problems.push(format!("{}: a ```{info} example does not parse", rule.id));
            }
            if info == "go bad" && hits == 0 {
                problems.push(format!("{}: the ```go bad example produces no finding", rule.id));
            }
            if info == "go good" && hits > 0 {
                problems.push(format!("{}: the ```go good example produces {hits} findings", rule.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn explain_output_snapshots() {
    for rule in all_rules() {
        let text = golint_guard::commands::explain::render(rule);
        insta::with_settings!({snapshot_path => "../snapshots/docs", prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(format!("explain__{}", rule.id), text);
        });
    }
}

const TABLE_START: &str = "<!-- rules:start -->";
const TABLE_END: &str = "<!-- rules:end -->";

fn rules_table() -> String {
    let mut table = String::from(
        "| rule | family | set | default | precision | autofix | what it flags |\n|---|---|---|---|---|---|---|\n",
    );
    for rule in all_rules() {
        let fix = match rule.fix {
            FixAvailability::None => "—".to_string(),
            other => format!("{} ({})", other.as_str(), rule.applicability.as_str()),
        };
        let precision = if rule.is_builtin() {
            rule.precision.as_str().to_string()
        } else {
            format!("{} ({})", rule.precision.as_str(), ledger::counts_of(rule.id).describe())
        };
        table.push_str(&format!(
            "| [`{id}`]({}) | {} | {} | {} | {precision} | {fix} | {} |\n",
            rule.docs_path(),
            rule.family,
            rule.set.as_str(),
            rule.severity,
            rule.summary.replace('|', "\\|"),
            id = rule.id
        ));
    }
    table
}

/// The README's rule table is generated from the registry; regenerate it with
/// `GOLINT_GUARD_UPDATE_README=1 cargo test --test docs readme`.
#[test]
fn readme_rule_table_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md exists");
    let start = readme.find(TABLE_START).expect("README.md has the rules:start marker") + TABLE_START.len();
    let end = readme.find(TABLE_END).expect("README.md has the rules:end marker");
    let expected = format!("\n{}", rules_table());
    if readme[start..end] != expected {
        if std::env::var_os("GOLINT_GUARD_UPDATE_README").is_some() {
            let updated = format!("{}{}{}", &readme[..start], expected, &readme[end..]);
            std::fs::write(&path, updated).expect("write README.md");
        } else {
            panic!("the README rule table is stale: run `GOLINT_GUARD_UPDATE_README=1 cargo test --test docs readme`");
        }
    }
}

/// Rule builtins' ids and folder ids never collide with gate namespaces.
#[test]
fn rule_ids_are_kebab_case_and_unique() {
    let rules = all_rules();
    let mut ids: Vec<&str> = rules.iter().map(|rule| rule.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), rules.len(), "duplicate rule ids");
    for id in ids {
        assert!(id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{id}");
    }
}

/// No orphan snapshots: every rule and docs snapshot belongs to an existing rule and fixture
/// (what `cargo insta test --unreferenced=reject` checks, without needing cargo-insta).
#[test]
fn no_orphan_rule_or_docs_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ids: Vec<&str> = all_rules().iter().map(|rule| rule.id).collect();
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(root.join("snapshots/docs")).expect("snapshots/docs exists").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.strip_prefix("explain__").and_then(|rest| rest.strip_suffix(".snap"));
        if !id.is_some_and(|id| ids.contains(&id)) {
            orphans.push(format!("snapshots/docs/{name}"));
        }
    }
    for entry in std::fs::read_dir(root.join("snapshots/rules")).expect("snapshots/rules exists").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((id, fixture)) = name.strip_suffix(".snap").and_then(|stem| stem.split_once("__")) else {
            orphans.push(format!("snapshots/rules/{name}"));
            continue;
        };
        let fixture_path = root.join("rules").join(id).join("fixtures").join(fixture.replace("__", "/"));
        if !fixture_path.is_file() {
            orphans.push(format!("snapshots/rules/{name}"));
        }
    }
    assert!(orphans.is_empty(), "orphan snapshots (delete them): {orphans:?}");
}
