//! The seed's acceptance test (issue 9 §4): its "WRONG" examples, each in its own shape inside
//! ordinary service code, are found by the default rule set at the marked line; its "CORRECT"
//! examples, the same service as the seed fixes it, give no finding at all.
//!
//! tests/data/acceptance/wrong marks each expected finding with `// expect: <rule-id>` on the
//! line the finding points at. Any other finding there fails the test too, so a rule that starts
//! to fire on the surrounding ordinary code is caught as well.

use golint_guard::config::Settings;
use golint_guard::lint::lint_patterns;
use std::collections::BTreeSet;
use std::path::Path;

const ROOT: &str = "tests/data/acceptance";

fn findings_in(module: &str) -> BTreeSet<(String, usize, String)> {
    let pattern = format!("{ROOT}/{module}/...");
    let outcome = lint_patterns(&[pattern], &Settings::default(), 2).expect("the acceptance modules lint");
    assert!(outcome.files_checked > 0, "no file of {module} was checked");
    outcome
        .findings
        .iter()
        .map(|finding| (finding.path.to_string_lossy().replace('\\', "/"), finding.start.line, finding.rule.clone()))
        .collect()
}

/// `(path, line, rule)` of every `// expect: rule` marker under `dir`.
fn expected_in(dir: &Path) -> BTreeSet<(String, usize, String)> {
    let mut expected = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable fixture dir") {
            let path = entry.expect("fixture entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "go") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("readable fixture");
            for (index, line) in text.lines().enumerate() {
                if let Some((_, rule)) = line.split_once("// expect: ") {
                    let shown = path.to_string_lossy().replace('\\', "/");
                    expected.insert((shown, index + 1, rule.trim().to_string()));
                }
            }
        }
    }
    expected
}

#[test]
fn the_seeds_wrong_examples_are_found_where_they_are() {
    let found = findings_in("wrong");
    let expected = expected_in(&Path::new(ROOT).join("wrong"));
    assert!(expected.len() >= 10, "the seed has ten WRONG shapes; found {} markers", expected.len());
    let missed: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missed.is_empty() && unexpected.is_empty(),
        "missed (path, line, rule): {missed:#?}\nunexpected findings: {unexpected:#?}"
    );
}

#[test]
fn the_seeds_correct_examples_stay_silent() {
    let found = findings_in("correct");
    assert!(found.is_empty(), "findings on the seed's CORRECT code: {found:#?}");
}
