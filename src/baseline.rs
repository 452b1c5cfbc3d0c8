//! `--baseline`: hide findings recorded earlier, matched by fingerprint, not line number.
//!
//! The file is JSON: a `version`, then one entry per finding with its fingerprint (see
//! `report::fingerprint::Fingerprinter`) and, for the reader, its rule, path and message. Only
//! the fingerprint is used for matching, so a finding stays baselined when its code moves or is
//! re-indented, and a new finding on an old line is still reported.

use crate::diagnostic::Finding;
use crate::hash::HashSet;
use crate::lint::LintOutcome;
use crate::report::fingerprint::Fingerprinter;
use crate::report::sources::SourceLookup;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Mutex;

/// Bumped when the file layout or the fingerprint algorithm changes.
pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    path: String,
    rule: String,
    fingerprint: String,
    /// For people reading the file; not used for matching.
    #[serde(default)]
    message: String,
}

pub struct Baseline {
    fingerprints: HashSet<String>,
    /// Per-file work shared across `contains` calls.
    fingerprinter: Mutex<Fingerprinter>,
}

impl Baseline {
    /// Whether `finding` was recorded in the baseline. `sources` must hold the finding's file text
    /// when it has a span, as `LintOutcome::sources` does.
    pub fn contains(&self, finding: &Finding, sources: &(impl SourceLookup + ?Sized)) -> bool {
        let fingerprint = match self.fingerprinter.lock() {
            Ok(mut fingerprinter) => fingerprinter.fingerprint(finding, sources),
            Err(poisoned) => poisoned.into_inner().fingerprint(finding, sources),
        };
        self.fingerprints.contains(&fingerprint)
    }

    pub fn len(&self) -> usize {
        self.fingerprints.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fingerprints.is_empty()
    }
}

pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read baseline {}: {err} (create it with --write-baseline)", path.display()))?;
    let file: BaselineFile = serde_json::from_str(&text)
        .map_err(|err| format!("{} is not a golint-guard baseline file: {err}", path.display()))?;
    if file.version != BASELINE_VERSION {
        return Err(format!(
            "baseline {} has version {}, but this golint-guard reads version {BASELINE_VERSION}; \
             write it again with --write-baseline",
            path.display(),
            file.version
        ));
    }
    Ok(Baseline {
        fingerprints: file.findings.into_iter().map(|entry| entry.fingerprint).collect(),
        fingerprinter: Mutex::new(Fingerprinter::new()),
    })
}

pub fn write(path: &Path, outcome: &LintOutcome) -> Result<(), String> {
    let mut fingerprinter = Fingerprinter::new();
    let mut findings: Vec<Entry> = outcome
        .findings
        .iter()
        .map(|finding| Entry {
            path: finding.path.to_string_lossy().replace('\\', "/"),
            rule: finding.rule.clone(),
            fingerprint: fingerprinter.fingerprint(finding, &outcome.sources),
            message: finding.message.clone(),
        })
        .collect();
    // Sorted without line numbers, so unrelated edits do not reorder the file.
    findings.sort();
    findings.dedup();
    let file = BaselineFile { version: BASELINE_VERSION, findings };
    let mut text = serde_json::to_string_pretty(&file)
        .map_err(|err| format!("cannot serialize baseline {}: {err}", path.display()))?;
    text.push('\n');
    std::fs::write(path, text).map_err(|err| format!("cannot write baseline {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Severity, Span};
    use crate::source::SourceFile;

    fn outcome_for(text: &str) -> LintOutcome {
        let source = SourceFile::new("a.go".into(), "a.go".into(), text);
        let start = text.find("signal.Notify").expect("call in text");
        let span = Span::new(start, start + "signal.Notify(c)".len());
        let (start, end) = source.span_positions(span);
        let finding = Finding {
            rule: "signal-unbuffered".into(),
            severity: Severity::Error,
            path: "a.go".into(),
            span: Some(span),
            start,
            end,
            labels: Vec::new(),
            message: "unbuffered".into(),
            help: None,
            fix: None,
            detail: None,
        };
        let mut outcome = LintOutcome::default();
        outcome.sources.insert("a.go".into(), source);
        outcome.findings.push(finding);
        outcome
    }

    #[test]
    fn round_trip_matches_moved_code_and_rejects_new_code() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("baseline.json");
        write(&path, &outcome_for("package a\nfunc f() {\n\tsignal.Notify(c)\n}\n")).expect("write");
        let baseline = read(&path).expect("read");
        assert_eq!(baseline.len(), 1);

        let moved = outcome_for("package a\n\n\nfunc f() {\n    signal.Notify(c)\n}\n");
        assert!(baseline.contains(&moved.findings[0], &moved.sources));
        let changed = outcome_for("package a\nfunc f() {\n\tsignal.Notify(d)\n}\n");
        assert!(!baseline.contains(&changed.findings[0], &changed.sources));
    }

    #[test]
    fn missing_broken_and_future_files_are_clear_errors() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = read(&dir.path().join("none.json")).err().expect("missing file is an error");
        assert!(missing.contains("cannot read baseline"), "{missing}");

        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, "{ not json").expect("write");
        let error = read(&broken).err().expect("broken file is an error");
        assert!(error.contains("is not a golint-guard baseline file"), "{error}");

        let future = dir.path().join("future.json");
        std::fs::write(&future, r#"{"version": 99, "findings": []}"#).expect("write");
        let error = read(&future).err().expect("unknown version is an error");
        assert!(error.contains("version 99"), "{error}");
    }
}
