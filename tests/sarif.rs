//! SARIF output checked against the OASIS SARIF 2.1.0 schema and against the extra rules GitHub
//! code scanning applies (SARIF-ACTION.md §5.1), which the schema does not enforce.

use golint_guard::config::Settings;
use golint_guard::diagnostic::{Finding, Position, Severity, Span};
use golint_guard::lint::{LintOutcome, lint_patterns};
use golint_guard::report::fingerprint::line_hashes;
use golint_guard::report::sources::{SourceLookup, Sources};
use golint_guard::report::{self, Format, ReportInput};
use golint_guard::source::SourceFile;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const RULES: &[&str] = &["signal-unbuffered", "syntax-error", "unused-suppression", "invalid-suppression"];

/// The OASIS SARIF 2.1.0 schema, committed under tests/schemas (see its README.md).
fn schema_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is JSON");
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator.iter_errors(document).map(|error| format!("{}: {error}", error.instance_path())).collect()
}

fn sample() -> LintOutcome {
    lint_patterns(&["tests/data/sample/...".into()], &Settings::only(RULES), 1).expect("the sample tree can be linted")
}

fn sarif_for(findings: &[Finding], sources: &dyn SourceLookup, prefix: Option<&str>) -> Value {
    let rules = Settings::only(RULES).enabled_rules();
    let input = ReportInput {
        findings,
        sources,
        rules: &rules,
        // SARIF does not show the count.
        files_checked: findings.len(),
        criteria: None,
        path_prefix: prefix.map(PathBuf::from),
        color: false,
        width: 100,
    };
    let text = report::render(Format::Sarif, &input);
    assert!(text.ends_with("}\n"), "pretty JSON with a trailing newline");
    serde_json::from_str(&text).expect("SARIF output is JSON")
}

fn sample_sarif() -> (LintOutcome, Value) {
    let outcome = sample();
    let sarif = sarif_for(&outcome.findings, &outcome.sources, None);
    (outcome, sarif)
}

fn results(sarif: &Value) -> &Vec<Value> {
    sarif["runs"][0]["results"].as_array().expect("results is an array")
}

fn region(result: &Value) -> &Value {
    &result["locations"][0]["physicalLocation"]["region"]
}

fn uri(result: &Value) -> &str {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().expect("uri is a string")
}

#[test]
fn sample_output_is_valid_sarif() {
    let (outcome, sarif) = sample_sarif();
    assert!(!outcome.findings.is_empty(), "the sample must produce findings to validate");
    let errors = schema_errors(&schema_validator(), &sarif);
    assert!(errors.is_empty(), "SARIF schema errors:\n{}", errors.join("\n"));
}

/// Everything GitHub requires beyond the schema (SARIF-ACTION.md §1.2 and §5.1).
fn assert_github_rules(sarif: &Value) {
    assert!(sarif["$schema"].as_str().is_some_and(|s| s.starts_with("https://")), "$schema is present");
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1, "exactly one run");
    let run = &runs[0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    assert!(run["originalUriBaseIds"]["%SRCROOT%"].is_object());
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "golint-guard");
    assert!(driver["informationUri"].as_str().is_some_and(|uri| uri.starts_with("https://")));

    let rules = driver["rules"].as_array().expect("driver.rules");
    let mut ids = BTreeSet::new();
    for rule in rules {
        let id = rule["id"].as_str().expect("rule id");
        assert!(ids.insert(id), "rule ids are unique: {id}");
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = rule[field]["text"].as_str().unwrap_or("");
            assert!(!text.trim().is_empty(), "{id}: {field}.text is empty");
        }
        assert!(rule["help"]["markdown"].as_str().is_some_and(|text| !text.is_empty()), "{id}: help.markdown");
        assert!(rule["name"].as_str().is_some_and(|name| !name.is_empty() && name.len() <= 255), "{id}: name");
        for field in ["shortDescription", "fullDescription"] {
            let text = rule[field]["text"].as_str().unwrap_or("");
            assert!(text.chars().count() <= 1024, "{id}: {field} is longer than 1024 characters");
        }
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap_or("");
        assert!(["note", "warning", "error"].contains(&level), "{id}: level {level}");
        let properties = &rule["properties"];
        let tags = properties["tags"].as_array().expect("tags");
        assert!(tags.len() <= 20, "{id}: at most 20 tags");
        let precision = properties["precision"].as_str().unwrap_or("");
        assert!(["very-high", "high", "medium", "low"].contains(&precision), "{id}: precision {precision}");
        let severity = properties["problem.severity"].as_str().unwrap_or("");
        assert!(["error", "warning", "recommendation"].contains(&severity), "{id}: problem.severity {severity}");
        if properties.get("security-severity").is_some() {
            assert!(tags.iter().any(|tag| tag == "security"), "{id}: security-severity only on security rules");
        }
    }

    let results = run["results"].as_array().expect("results is present, even when empty");
    assert!(results.len() <= 25_000);
    for result in results {
        let rule_id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule_id, "ruleIndex points at the rule with the same id");
        assert!(["note", "warning", "error"].contains(&result["level"].as_str().unwrap_or("")));
        assert!(result["message"]["text"].as_str().is_some_and(|text| !text.is_empty()), "message.text");
        assert!(result.get("fixes").is_none(), "no fixes: code scanning ignores them and a bad one fails the upload");
        assert!(result.get("suppressions").is_none());
        let locations = result["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1, "exactly one location");
        let artifact = &locations[0]["physicalLocation"]["artifactLocation"];
        let uri = artifact["uri"].as_str().expect("uri");
        assert!(!uri.contains('\\') && !uri.split('/').any(|part| part == ".."), "uri {uri}");
        if uri.contains("://") {
            assert!(artifact.get("uriBaseId").is_none(), "no uriBaseId on an absolute uri");
        } else {
            assert!(!uri.starts_with('/'), "relative uri {uri}");
            assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
        }
        assert!(!uri.contains(' ') && !uri.contains('#'), "percent-encoded uri {uri}");
        let region = &locations[0]["physicalLocation"]["region"];
        let field = |name: &str| region[name].as_u64().unwrap_or_else(|| panic!("region.{name} is present"));
        let (start_line, start_column, end_line, end_column) =
            (field("startLine"), field("startColumn"), field("endLine"), field("endColumn"));
        assert!(start_line >= 1 && start_column >= 1 && end_line >= start_line && end_column >= 1);
        if start_line == end_line {
            assert!(end_column > start_column, "endColumn is exclusive: {region}");
        }
        // Present whenever the file's text is known (checked per test); well-formed when present.
        if let Some(hash) = result["partialFingerprints"]["primaryLocationLineHash"].as_str() {
            let (hex, count) = hash.split_once(':').unwrap_or(("", ""));
            let hex_ok = !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
            assert!(hex_ok && count.parse::<u32>().is_ok_and(|count| count >= 1), "{hash}");
        }
    }
}

#[test]
fn sample_output_meets_github_requirements() {
    let (_, sarif) = sample_sarif();
    assert_github_rules(&sarif);
    for result in results(&sarif) {
        assert!(result["partialFingerprints"]["primaryLocationLineHash"].is_string(), "every sample result is hashed");
    }
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        RULES.iter().copied().collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>(),
        "every enabled rule"
    );
}

#[test]
fn empty_run_still_lists_rules_and_results() {
    let sarif = sarif_for(&[], &Sources::default(), None);
    assert_eq!(sarif["runs"][0]["results"], json!([]));
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["rules"].as_array().map(Vec::len), Some(RULES.len()));
    assert!(schema_errors(&schema_validator(), &sarif).is_empty());
    assert_github_rules(&sarif);
}

#[test]
fn columns_count_utf16_units_after_non_ascii_text() {
    let (outcome, sarif) = sample_sarif();
    let finding = outcome
        .findings
        .iter()
        .position(|f| f.message.contains("`done`"))
        .expect("the finding after `café ☕ 😀` in main.go");
    let source = outcome.sources.get(&outcome.findings[finding].path).expect("main.go's text");
    let line = source.line_text(outcome.findings[finding].start.line - 1);
    let prefix = &line[..line.find("signal.Notify").expect("call on the line")];
    assert!(prefix.contains('\u{1F600}'), "the prefix has an astral character: {prefix}");
    let region = region(&results(&sarif)[finding]);
    assert_eq!(region["startColumn"], prefix.encode_utf16().count() + 1);
    assert_ne!(region["startColumn"], prefix.len() + 1, "not byte columns");
    let call_units = "signal.Notify(done)".encode_utf16().count();
    assert_eq!(region["endColumn"], prefix.encode_utf16().count() + 1 + call_units);
}

#[test]
fn utf16_columns_in_a_synthetic_file() {
    let text = "package p\n\nvar s = \"é😀\"; var x = 1\n";
    let source = SourceFile::new("p.go".into(), "p.go".into(), text);
    let start = text.find("var x").unwrap();
    let span = Span::new(start, start + "var x".len());
    let (start_position, end_position) = source.span_positions(span);
    let finding = Finding {
        rule: "signal-unbuffered".into(),
        severity: Severity::Error,
        path: "p.go".into(),
        span: Some(span),
        start: start_position,
        end: end_position,
        labels: Vec::new(),
        message: "m".into(),
        help: None,
        fix: None,
        detail: None,
    };
    let sources = BTreeMap::from([(PathBuf::from("p.go"), source)]);
    let sarif = sarif_for(&[finding], &sources, None);
    let region = region(&results(&sarif)[0]);
    // `var s = "` is 9 units, é 1, 😀 2 and `"; ` 3: `var x` follows 15 units, so it is column 16.
    assert_eq!(region, &json!({"startLine": 3, "startColumn": 16, "endLine": 3, "endColumn": 21}));
    assert_eq!(
        results(&sarif)[0]["partialFingerprints"]["primaryLocationLineHash"],
        line_hashes(text)[2].as_str(),
        "the hash of the finding's line"
    );
}

#[test]
fn paths_with_spaces_are_percent_encoded_and_prefixed() {
    let outcome = sample();
    let sarif = sarif_for(&outcome.findings, &outcome.sources, Some("services/api"));
    let uris: Vec<&str> = results(&sarif).iter().map(uri).collect();
    assert!(uris.contains(&"services/api/tests/data/sample/with%20space/notify.go"), "{uris:?}");
    assert!(uris.iter().all(|uri| uri.starts_with("services/api/tests/data/sample/")), "{uris:?}");
    assert!(schema_errors(&schema_validator(), &sarif).is_empty());
    assert_github_rules(&sarif);
}

#[test]
fn zero_width_spans_cover_one_column() {
    let (outcome, sarif) = sample_sarif();
    let index = outcome.findings.iter().position(|f| f.rule == "syntax-error").expect("broken.go has a syntax error");
    let finding = &outcome.findings[index];
    assert_eq!(finding.start, finding.end, "the sample's syntax error is a zero-width MISSING node");
    let region = region(&results(&sarif)[index]);
    assert_eq!(region["endColumn"].as_u64(), region["startColumn"].as_u64().map(|column| column + 1));
}

#[test]
fn findings_of_unlisted_ids_get_descriptors() {
    let position = Position { line: 3, column: 1, utf16_column: 1 };
    let finding = |rule: &str, severity| Finding {
        rule: rule.into(),
        severity,
        path: "pkg/a_test.go".into(),
        span: None,
        start: position,
        end: position,
        labels: Vec::new(),
        message: format!("{rule} failed"),
        help: None,
        fix: None,
        detail: Some("output".into()),
    };
    let findings = [
        finding("gate/test", Severity::Error),
        finding("vet/printf", Severity::Warning),
        finding("gate/something-new", Severity::Info),
    ];
    let sarif = sarif_for(&findings, &Sources::default(), None);
    let errors = schema_errors(&schema_validator(), &sarif);
    assert!(errors.is_empty(), "{errors:?}");
    assert_github_rules(&sarif);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    for id in ["gate/test", "vet/printf", "gate/something-new"] {
        assert!(rules.iter().any(|rule| rule["id"] == id), "descriptor for {id}");
    }
    // Without source text there is no line to hash.
    assert!(results(&sarif)[0].get("partialFingerprints").is_none());
}

#[test]
fn schema_catches_broken_documents() {
    let validator = schema_validator();
    let (_, sarif) = sample_sarif();
    assert!(schema_errors(&validator, &sarif).is_empty());

    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut document = sarif.clone();
        edit(&mut document);
        schema_errors(&validator, &document)
    };
    let first_region = "/runs/0/results/1/locations/0/physicalLocation/region";

    let errors = broken(&|doc| doc.pointer_mut(first_region).unwrap()["startLine"] = json!(0));
    assert!(errors.iter().any(|e| e.contains("less than the minimum of 1")), "{errors:?}");

    let errors = broken(&|doc| *doc.pointer_mut(first_region).unwrap() = json!({"startColumn": 3}));
    assert!(!errors.is_empty(), "a region needs startLine, charOffset or byteOffset");

    let errors = broken(&|doc| {
        let rules = doc.pointer_mut("/runs/0/tool/driver/rules").unwrap().as_array_mut().unwrap();
        let copy = rules[0].clone();
        rules.push(copy);
    });
    assert!(errors.iter().any(|e| e.contains("non-unique")), "{errors:?}");

    let errors = broken(&|doc| {
        doc.pointer_mut("/runs/0/results/1").unwrap()["fixes"] =
            json!([{"description": {"text": "x"}, "artifactChanges": []}]);
    });
    assert!(errors.iter().any(|e| e.contains("less than 1 item")), "{errors:?}");

    let errors = broken(&|doc| doc.pointer_mut("/runs/0/tool/driver").unwrap()["informationUri"] = json!("not a uri"));
    assert!(!errors.is_empty(), "informationUri must be a URI");

    let errors = broken(&|doc| doc["version"] = json!("2.0.0"));
    assert!(!errors.is_empty(), "only version 2.1.0");
}

/// Gate criteria travel in the run's invocation: failed ones as notifications, all of them in
/// the property bag. The document stays valid SARIF.
#[test]
fn gate_criteria_are_an_invocation() {
    use golint_guard::report::Criterion;
    let criteria = vec![
        Criterion { name: "build".into(), passed: true, skipped: false, figure: "ok".into() },
        Criterion { name: "coverage".into(), passed: false, skipped: false, figure: "42.9% (threshold 80%)".into() },
        Criterion { name: "bench".into(), passed: true, skipped: true, figure: "no targets configured".into() },
    ];
    let rules = Settings::only(RULES).enabled_rules();
    let sources = Sources::default();
    let input = ReportInput {
        findings: &[],
        sources: &sources,
        rules: &rules,
        files_checked: 0,
        criteria: Some(&criteria),
        path_prefix: None,
        color: false,
        width: 100,
    };
    let sarif: Value = serde_json::from_str(&report::render(Format::Sarif, &input)).expect("JSON");
    let errors = schema_errors(&schema_validator(), &sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    let invocation = &sarif["runs"][0]["invocations"][0];
    let notifications = invocation["toolExecutionNotifications"].as_array().expect("notifications");
    assert_eq!(notifications.len(), 1, "only the failed criterion: {notifications:?}");
    assert_eq!(notifications[0]["descriptor"]["id"], "gate/coverage");
    assert_eq!(invocation["properties"]["criteria"].as_array().map(Vec::len), Some(3));
    assert_eq!(invocation["properties"]["criteria"][2]["result"], "SKIPPED");
}

#[path = "tools/mod.rs"]
mod tools;

/// Microsoft's SARIF multitool (the `@microsoft/sarif-multitool` npm package) over real output:
/// the schema, the SARIF specification's rules (`Sarif`) and GitHub's ingestion rules (`Gh`).
/// Its errors and warnings fail the test; notes (style advice) do not.
fn multitool_problems(sarif: &Value) -> Vec<String> {
    let dir = tempfile::tempdir().expect("create a temp dir");
    let input = dir.path().join("golint-guard.sarif");
    let output = dir.path().join("validation.sarif");
    std::fs::write(&input, serde_json::to_string_pretty(sarif).unwrap()).unwrap();
    let run = std::process::Command::new(tools::sarif_multitool())
        .args(["validate", "--rule-kind", "Sarif;Gh", "--output"])
        .arg(&output)
        .arg(&input)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .expect("the SARIF multitool runs");
    let log = String::from_utf8_lossy(&run.stdout).into_owned();
    let validation: Value =
        serde_json::from_str(&std::fs::read_to_string(&output).unwrap_or_else(|err| {
            panic!("the multitool wrote no report ({err}); exit {:?}:\n{log}", run.status.code())
        }))
        .expect("the multitool's report is SARIF");
    let mut problems = Vec::new();
    for run in validation["runs"].as_array().expect("runs") {
        for notification in run["invocations"][0]["toolExecutionNotifications"].as_array().into_iter().flatten() {
            if notification["level"] == "error" {
                problems.push(format!("tool error: {}", notification["message"]["text"]));
            }
        }
        for result in run["results"].as_array().into_iter().flatten() {
            let level = result["level"].as_str().unwrap_or("warning");
            if level == "error" || level == "warning" {
                problems.push(format!("{} {level}: {}", result["ruleId"], result["message"]["text"]));
            }
        }
    }
    problems
}

#[test]
fn the_sarif_multitool_accepts_the_output_with_githubs_rules() {
    let (outcome, sarif) = sample_sarif();
    assert!(!outcome.findings.is_empty());
    let problems = multitool_problems(&sarif);
    assert!(
        problems.is_empty(),
        "SARIF multitool {} (--rule-kind Sarif;Gh):\n{}",
        tools::sarif_multitool_version(),
        problems.join("\n")
    );
    // And with every rule's descriptor (what a full run uploads), and on an empty run.
    let empty = sarif_for(&[], &Sources::default(), None);
    assert!(multitool_problems(&empty).is_empty());
}

#[test]
fn the_sarif_multitool_is_not_silent() {
    // A result without message text and locations breaks GitHub's ingestion rules: the validator
    // must say so, or the clean result above means nothing.
    let (_, mut sarif) = sample_sarif();
    let result = &mut sarif["runs"][0]["results"][0];
    result["message"] = json!({"id": "nothing"});
    result.as_object_mut().unwrap().remove("locations");
    let problems = multitool_problems(&sarif);
    assert!(problems.iter().any(|problem| problem.contains("GH1")), "{problems:?}");
}

#[test]
fn secondary_labels_are_related_locations() {
    let (outcome, sarif) = sample_sarif();
    let results = results(&sarif);
    let mut checked = 0;
    for (finding, result) in outcome.findings.iter().zip(results) {
        let related = result["relatedLocations"].as_array().cloned().unwrap_or_default();
        assert_eq!(related.len(), finding.labels.len(), "{}: one related location per label", finding.rule);
        let source = outcome.sources.get(&finding.path).expect("the finding's file text");
        for (index, (label, location)) in finding.labels.iter().zip(&related).enumerate() {
            assert_eq!(location["id"], index);
            assert_eq!(location["message"]["text"], label.message.as_str());
            let (start, _) = source.span_positions(label.span);
            let region = &location["physicalLocation"]["region"];
            assert_eq!(region["startLine"], start.line);
            assert_eq!(region["startColumn"], start.utf16_column);
            assert_eq!(
                location["physicalLocation"]["artifactLocation"],
                result["locations"][0]["physicalLocation"]["artifactLocation"]
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "the sample has a finding with a secondary label");
}

#[test]
fn rule_names_are_readable_and_differ_from_ids() {
    let (_, sarif) = sample_sarif();
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap() {
        let (id, name) = (rule["id"].as_str().unwrap(), rule["name"].as_str().unwrap());
        assert_ne!(id, name);
        assert_eq!(name.to_ascii_lowercase(), id.replace(['-', '/'], ""), "{id} is named {name}");
    }
}

#[test]
fn help_uris_point_at_files_in_this_repository() {
    // A helpUri into the repository must name a file that exists, or leave the field out.
    let repository = env!("CARGO_PKG_REPOSITORY");
    let rules = golint_guard::engine::registry::all_rules();
    let input_rules: Vec<&'static golint_guard::engine::rule::Rule> = rules.clone();
    let input = ReportInput {
        findings: &[],
        sources: &Sources::default(),
        rules: &input_rules,
        files_checked: 0,
        criteria: None,
        path_prefix: None,
        color: false,
        width: 100,
    };
    let sarif: Value = serde_json::from_str(&report::render(Format::Sarif, &input)).unwrap();
    let descriptors = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(descriptors.len(), rules.len());
    for rule in descriptors {
        let Some(uri) = rule["helpUri"].as_str() else { continue };
        let path = uri.strip_prefix(&format!("{repository}/blob/main/")).unwrap_or_else(|| panic!("{uri}"));
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(path).is_file(), "{}: {uri} names no file", rule["id"]);
    }
}
