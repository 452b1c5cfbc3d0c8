//! SARIF 2.1.0 as GitHub code scanning reads it (SARIF-ACTION.md §0–§1): one run, every enabled
//! rule described, UTF-16 columns, repository-relative percent-encoded paths and
//! `primaryLocationLineHash`. No `fixes` (a malformed one rejects the whole upload) and no
//! suppressed results (code scanning ignores `suppressions`).

use super::fingerprint::line_hashes;
use super::{ReportInput, repo_path};
use crate::diagnostic::{Finding, Severity};
use crate::engine::rule::Rule;
use crate::source::SourceFile;
use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, ToolComponent,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// GitHub's documented example value; any SARIF 2.1.0 schema URL is accepted.
pub const SCHEMA_URL: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SOURCE_ROOT: &str = "%SRCROOT%";

/// The gate's criteria as SARIF: an invocation whose notifications are the failed criteria
/// (code scanning ignores them, other viewers show them) and whose property bag lists them all.
fn gate_invocation(criteria: &[crate::report::Criterion]) -> serde_json::Value {
    let notifications: Vec<serde_json::Value> = criteria
        .iter()
        .filter(|criterion| !criterion.passed && !criterion.skipped)
        .map(|criterion| {
            json!({
                "level": "error",
                "message": {"text": format!("gate criterion `{}` failed: {}", criterion.name, criterion.figure)},
                "descriptor": {"id": format!("gate/{}", criterion.name)},
            })
        })
        .collect();
    let table: Vec<serde_json::Value> = criteria
        .iter()
        .map(|criterion| json!({"name": criterion.name, "result": criterion.result(), "figure": criterion.figure}))
        .collect();
    json!({
        "executionSuccessful": true,
        "toolExecutionNotifications": notifications,
        "properties": {"criteria": table},
    })
}

pub fn render(input: &ReportInput<'_>) -> String {
    let descriptors = descriptors(input);
    let rule_index: BTreeMap<&str, usize> =
        descriptors.iter().enumerate().map(|(index, descriptor)| (descriptor.id.as_str(), index)).collect();
    let results: Vec<SarifResult> = super::by_file(input.findings, input.sources, |run, file| {
        // Hashed once per file, for all its findings.
        let hashes = file.source.map(|source| line_hashes(&source.text)).unwrap_or_default();
        run.iter()
            .map(|finding| {
                let line_hash = finding.start.line.checked_sub(1).and_then(|line| hashes.get(line)).cloned();
                sarif_result(finding, rule_index.get(finding.rule.as_str()).copied(), input, file.source, line_hash)
            })
            .collect()
    });

    let driver = ToolComponent::builder()
        .name("golint-guard")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(descriptors.iter().map(Descriptor::to_sarif).collect::<Vec<_>>())
        .build();
    let source_root =
        ArtifactLocation::builder().description(Message::builder().text("Repository root").build()).build();
    let run = Run::builder()
        .tool(driver)
        .original_uri_base_ids(BTreeMap::from([(SOURCE_ROOT.to_string(), source_root)]))
        .column_kind(json!("utf16CodeUnits"))
        .results(results)
        .build();
    let log = Sarif::builder().schema(SCHEMA_URL).version(json!("2.1.0")).runs(vec![run]).build();
    // Through `Value` for sorted keys, so snapshots do not depend on struct field order.
    let mut value = serde_json::to_value(&log).unwrap_or_default();
    if let Some(criteria) = input.criteria
        && let Some(run) = value.pointer_mut("/runs/0")
    {
        run["invocations"] = json!([gate_invocation(criteria)]);
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// What `tool.driver.rules[]` says about one rule id.
struct Descriptor {
    id: String,
    summary: String,
    full_description: String,
    help_text: String,
    help_markdown: String,
    help_uri: Option<String>,
    severity: Severity,
    precision: &'static str,
    tags: Vec<String>,
}

/// Every enabled rule (sorted, unique), then any other id that has findings (gate steps,
/// `vet/<analyzer>`), sorted, so each result has a descriptor to point at.
fn descriptors(input: &ReportInput<'_>) -> Vec<Descriptor> {
    let mut seen = BTreeSet::new();
    let mut descriptors: Vec<Descriptor> = input
        .rules
        .iter()
        .filter(|rule| seen.insert(rule.id.to_string()))
        .map(|rule| Descriptor::from_rule(rule))
        .collect();
    let mut others: BTreeMap<&str, Severity> = BTreeMap::new();
    for finding in input.findings {
        if !seen.contains(finding.rule.as_str()) {
            others.entry(finding.rule.as_str()).or_insert(finding.severity);
        }
    }
    for (id, severity) in others {
        let descriptor = match crate::engine::registry::find_rule(id).filter(|rule| rule.id == id) {
            Some(rule) => Descriptor::from_rule(rule),
            None => Descriptor::external(id, severity),
        };
        descriptors.push(descriptor);
    }
    descriptors
}

impl Descriptor {
    fn from_rule(rule: &Rule) -> Descriptor {
        let full_description = rule.full_description();
        let docs_url = rule.docs_url();
        let why = crate::engine::docs::section(rule.docs, "Why is this bad?")
            .and_then(|text| text.split("\n\n").next())
            .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|paragraph| !paragraph.is_empty());
        let mut help_text = full_description.clone();
        if let Some(why) = why {
            help_text.push_str("\n\n");
            help_text.push_str(&why);
        }
        let _ = write!(help_text, "\n\nDocumentation: {docs_url}");
        let help_markdown = format!("{}\n\n[Rule documentation]({docs_url})", rule.docs.trim());
        Descriptor {
            id: rule.id.to_string(),
            summary: rule.summary.to_string(),
            full_description,
            help_text,
            help_markdown,
            help_uri: Some(docs_url),
            severity: rule.severity,
            precision: rule.precision.as_str(),
            tags: rule.tags.iter().map(|tag| tag.to_string()).collect(),
        }
    }

    /// A finding id that is not a registered rule: gate steps and `go vet` analyzers.
    fn external(id: &str, severity: Severity) -> Descriptor {
        let (summary, fix, help_uri, tag) = external_description(id);
        Descriptor {
            id: id.to_string(),
            full_description: format!("{summary}. Reported by `golint-guard gate`."),
            help_text: fix.to_string(),
            help_markdown: match &help_uri {
                Some(uri) => format!("{fix}\n\n[Documentation]({uri})"),
                None => fix.to_string(),
            },
            summary,
            help_uri,
            severity,
            precision: "very-high",
            tags: vec![tag.to_string()],
        }
    }

    fn to_sarif(&self) -> ReportingDescriptor {
        let text = |text: &str| MultiformatMessageString::builder().text(text).build();
        let properties = PropertyBag::builder()
            .tags(self.tags.clone())
            .additional_properties(BTreeMap::from([
                ("precision".to_string(), json!(self.precision)),
                ("problem.severity".to_string(), json!(problem_severity(self.severity))),
            ]))
            .build();
        let mut descriptor = ReportingDescriptor::builder()
            .id(&self.id)
            .name(rule_name(&self.id))
            .short_description(text(&self.summary))
            .full_description(text(&self.full_description))
            .help(MultiformatMessageString::builder().text(&self.help_text).markdown(&self.help_markdown).build())
            .default_configuration(ReportingConfiguration::builder().level(json!(level_name(self.severity))).build())
            .properties(properties)
            .build();
        descriptor.help_uri.clone_from(&self.help_uri);
        descriptor
    }
}

/// Summary, fix hint, docs link and tag for gate and vet finding kinds.
fn external_description(id: &str) -> (String, &'static str, Option<String>, &'static str) {
    const GO_COMMAND: &str = "https://pkg.go.dev/cmd/go";
    if let Some(analyzer) = id.strip_prefix("vet/") {
        return (
            format!("`go vet` analyzer `{analyzer}` reports a problem"),
            "Fix the code the analyzer points at; `go vet` explains each diagnostic.",
            Some(format!("https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/{analyzer}")),
            "vet",
        );
    }
    let known = match id {
        "gate/build" => {
            Some(("The code does not compile (`go build`)", "Fix the compiler error at the reported position."))
        }
        "gate/test" => Some(("A test fails (`go test`)", "Make the failing test pass; its output is in the finding.")),
        "gate/race" => Some((
            "The race detector reports a data race (`go test -race`)",
            "Synchronise the two accesses shown in the race report (mutex, channel or atomic).",
        )),
        "gate/coverage" => Some((
            "Test coverage is below the configured threshold",
            "Add tests for the least-covered packages, or change the threshold in golint-guard.toml.",
        )),
        "gate/bench" => Some((
            "A benchmark misses its configured target",
            "Make the benchmark meet its ns/op or allocs/op target, or change the target in golint-guard.toml.",
        )),
        "gate/gofmt" => Some(("A file is not formatted with gofmt", "Run `gofmt -w` on the file.")),
        _ => None,
    };
    let (summary, fix) = match known {
        Some((summary, fix)) => (summary.to_string(), fix),
        None => (format!("Step `{id}` reported a problem"), "Fix the problem the finding describes."),
    };
    (summary, fix, Some(GO_COMMAND.to_string()), "gate")
}

fn sarif_result(
    finding: &Finding,
    rule_index: Option<usize>,
    input: &ReportInput<'_>,
    source: Option<&SourceFile>,
    line_hash: Option<String>,
) -> SarifResult {
    let start_line = finding.start.line.max(1);
    let start_column = finding.start.utf16_column.max(1);
    let end_line = finding.end.line.max(start_line);
    let mut end_column = finding.end.utf16_column.max(1);
    // `endColumn` is exclusive: a zero-width span still covers one character.
    if end_line == start_line && end_column <= start_column {
        end_column = start_column + 1;
    }
    let region = Region::builder()
        .start_line(to_i64(start_line))
        .start_column(to_i64(start_column))
        .end_line(to_i64(end_line))
        .end_column(to_i64(end_column))
        .build();
    let path = repo_path(input.path_prefix.as_deref(), &finding.path);
    let artifact = if path.starts_with('/') {
        // An absolute URI must not carry a uriBaseId (SARIF §3.4.4).
        ArtifactLocation::builder().uri(format!("file://{}", percent_encode_path(&path))).build()
    } else {
        ArtifactLocation::builder().uri(percent_encode_path(&path)).uri_base_id(SOURCE_ROOT).build()
    };
    let related = related_locations(finding, source, &artifact);
    let location = Location::builder()
        .physical_location(PhysicalLocation::builder().artifact_location(artifact).region(region).build())
        .build();
    let mut result = SarifResult::builder()
        .rule_id(&finding.rule)
        .level(result_level(finding.severity))
        .message(&finding.message)
        .locations(vec![location])
        .build();
    result.rule_index = rule_index.map(to_i64);
    if !related.is_empty() {
        result.related_locations = Some(related);
    }
    result.partial_fingerprints = line_hash.map(|hash| BTreeMap::from([("primaryLocationLineHash".to_string(), hash)]));
    result
}

/// The finding's secondary labels ("the other half of the story"), as `relatedLocations` in the
/// same file; code scanning shows each with its message and links to it.
fn related_locations(finding: &Finding, source: Option<&SourceFile>, artifact: &ArtifactLocation) -> Vec<Location> {
    let Some(source) = source else { return Vec::new() };
    finding
        .labels
        .iter()
        .filter(|label| label.span.end <= source.text.len())
        .enumerate()
        .map(|(index, label)| {
            let (start, end) = source.span_positions(label.span);
            let start_column = start.utf16_column.max(1);
            let end_line = end.line.max(start.line);
            let mut end_column = end.utf16_column.max(1);
            if end_line == start.line && end_column <= start_column {
                end_column = start_column + 1;
            }
            let region = Region::builder()
                .start_line(to_i64(start.line.max(1)))
                .start_column(to_i64(start_column))
                .end_line(to_i64(end_line.max(1)))
                .end_column(to_i64(end_column))
                .build();
            let mut location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder().artifact_location(artifact.clone()).region(region).build(),
                )
                .message(Message::builder().text(&label.message).build())
                .build();
            location.id = Some(to_i64(index));
            location
        })
        .collect()
}

/// A rule's `name`: the SARIF spec wants it readable and different from the opaque `id`
/// (`goroutine-no-exit` is named `GoroutineNoExit`; `gate/test` is `GateTest`).
fn rule_name(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn to_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn level_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result_level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

/// GitHub's `problem.severity` values: `error`, `warning` or `recommendation`.
fn problem_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "recommendation",
    }
}

/// Percent-encode a `/`-separated path for a URI: everything except RFC 3986 unreserved
/// characters and `/` is encoded as UTF-8 bytes (`upload-sarif` decodes with
/// `decodeURIComponent`).
pub fn percent_encode_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(percent_encode_path("pkg/my file.go"), "pkg/my%20file.go");
        assert_eq!(percent_encode_path("a%b/#c.go"), "a%25b/%23c.go");
        assert_eq!(percent_encode_path("caf\u{e9}/x.go"), "caf%C3%A9/x.go");
        assert_eq!(percent_encode_path("a:b.go"), "a%3Ab.go");
    }
}
