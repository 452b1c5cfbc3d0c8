//! Inline suppressions end to end: each file under tests/data/suppress/ is checked on its own with
//! only `signal-unbuffered` selected (the built-in suppression checks stay on).

use std::path::PathBuf;
use std::process::Output;

#[path = "support/mod.rs"]
mod support;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(file: &str, extra: &[&str]) -> Output {
    let path = format!("tests/data/suppress/{file}");
    let mut args = vec!["check", "--no-config", "--format", "json", "--select", "signal-unbuffered"];
    args.extend_from_slice(extra);
    args.push(&path);
    support::golint_guard().args(&args).current_dir(repo()).output().expect("run golint-guard")
}

/// `(rule, line, message)` of every finding.
fn findings(output: &Output) -> Vec<(String, u64, String)> {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    value["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|finding| {
                    (
                        finding["rule"].as_str().unwrap_or_default().to_string(),
                        finding["line"].as_u64().unwrap_or_default(),
                        finding["message"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn rules_and_lines(file: &str, extra: &[&str]) -> Vec<(String, u64)> {
    findings(&run(file, extra)).into_iter().map(|(rule, line, _)| (rule, line)).collect()
}

fn expect(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
    pairs.iter().map(|(rule, line)| (rule.to_string(), *line)).collect()
}

#[test]
fn directives_suppress_the_finding() {
    for file in
        ["same_line.go", "line_above.go", "file_ignore.go", "nolint_trailing.go", "nolint_func.go", "nolint_alias.go"]
    {
        let output = run(file, &[]);
        assert_eq!(output.status.code(), Some(0), "{file}: {:?}", findings(&output));
        assert_eq!(findings(&output), [], "{file}");
    }
}

#[test]
fn text_in_a_string_literal_suppresses_nothing() {
    assert_eq!(rules_and_lines("in_string.go", &[]), expect(&[("signal-unbuffered", 10)]));
}

#[test]
fn reasonless_suppression_is_invalid() {
    let found = findings(&run("reasonless.go", &[]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("invalid-suppression", 10));
    assert!(found[0].2.contains("gives no reason"), "{found:?}");
}

#[test]
fn unknown_rule_id_is_invalid_and_suggests_one() {
    let output = run("unknown_rule.go", &[]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let invalid = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "invalid-suppression")
        .expect("an invalid-suppression finding");
    assert!(invalid["message"].as_str().unwrap().contains("unknown rule `signal-unbufered`"), "{invalid}");
    assert!(invalid["help"].as_str().unwrap().contains("did you mean `signal-unbuffered`?"), "{invalid}");
    // The typo means nothing was suppressed (findings sort by column: the call, then the comment).
    assert_eq!(
        rules_and_lines("unknown_rule.go", &[]),
        expect(&[("signal-unbuffered", 10), ("invalid-suppression", 10)])
    );
}

#[test]
fn unused_suppression_is_reported_while_the_rule_runs() {
    let found = findings(&run("unused.go", &[]));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("unused-suppression", 10));
    assert!(found[0].2.contains("suppresses nothing"), "{found:?}");
    // A suppression for a rule that is off is not stale, and the check itself can be ignored.
    assert_eq!(rules_and_lines("unused.go", &["--ignore", "signal-unbuffered"]), []);
    assert_eq!(rules_and_lines("unused.go", &["--ignore", "unused-suppression"]), []);
}
