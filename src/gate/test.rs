//! The `go test -json` event stream, read one line at a time. Output is kept only for tests
//! still running (and only the tail of it); a test that passes drops its output at once, so
//! memory stays bounded by the tests in flight.

use super::compile::{self, CompileError};
use super::race::{RaceCapture, RaceReport};
use crate::hash::HashMap;
use serde::Deserialize;
use std::path::Path;

/// How much of one test's (or one package's) output is kept: the last 32 KiB.
const OUTPUT_TAIL: usize = 32 << 10;

/// The `testing` package's note when the race detector fails a test.
const RACE_FAILED_TEST: &str = "race detected during execution of test";

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Package", default)]
    package: Option<String>,
    #[serde(rename = "ImportPath", default)]
    import_path: Option<String>,
    #[serde(rename = "Test", default)]
    test: Option<String>,
    #[serde(rename = "Output", default)]
    output: Option<String>,
    #[serde(rename = "FailedBuild", default)]
    failed_build: Option<String>,
}

/// Why tests failed, in a form the gate turns into findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFailure {
    pub package: String,
    /// The test to point at (a subtest's parent function is found from its name).
    pub test: Option<String>,
    pub kind: FailureKind,
    pub message: String,
    /// Output tail (test output, panic trace, build output).
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// A test reported failure (`t.Error`, `t.Fatal`, a panic inside it).
    Test,
    /// The test binary did not build; the errors have positions.
    Build(Vec<CompileError>),
    /// The binary died (panic outside a test, timeout, os.Exit) or failed without a failing test.
    Binary,
}

#[derive(Debug, Default)]
pub struct TestReport {
    pub passed: usize,
    pub failed: usize,
    /// Failed tests whose only failure was a race report (counted in `failed` too).
    pub failed_by_race: usize,
    pub skipped: usize,
    pub packages_done: usize,
    pub failures: Vec<TestFailure>,
    pub races: Vec<RaceReport>,
    /// Packages whose coverage is missing from the profile: they did not build or crashed.
    pub incomplete_packages: Vec<String>,
    /// Lines on stdout that were not test2json events (kept for error messages, bounded).
    pub stray_output: String,
    /// Packages with test files in which no test ran (`ok  pkg  0.01s [no tests to run]`).
    pub no_tests_to_run: Vec<String>,
    /// Set by the gate: packages here have tests, yet none ran (`-run` matching nothing).
    pub no_test_ran: bool,
}

#[derive(Debug, Default)]
struct TailBuffer {
    text: String,
    dropped: usize,
}

impl TailBuffer {
    fn push(&mut self, line: &str) {
        self.text.push_str(line);
        if self.text.len() > 2 * OUTPUT_TAIL {
            let mut cut = self.text.len() - OUTPUT_TAIL;
            while !self.text.is_char_boundary(cut) {
                cut += 1;
            }
            // Keep whole lines.
            let cut = self.text[cut..].find('\n').map_or(cut, |newline| cut + newline + 1);
            self.dropped += cut;
            self.text.drain(..cut);
        }
    }

    fn render(&self) -> String {
        if self.dropped > 0 {
            format!("… ({} earlier bytes not kept)\n{}", self.dropped, self.text)
        } else {
            self.text.clone()
        }
    }
}

#[derive(Debug, Default)]
struct RunningTest {
    output: TailBuffer,
    /// `testing`'s "race detected during execution of test" line was seen.
    race_failed: bool,
    /// Output that says the test failed for another reason: a message line or a panic.
    other_failure: bool,
    panic: Option<String>,
    /// The last `file_test.go:12: message` line: usually the assertion that failed.
    last_message: Option<String>,
    race: RaceCapture,
}

#[derive(Debug, Default)]
struct PackageRun {
    running: HashMap<String, RunningTest>,
    /// Start order of the tests still running, to name the one a crash interrupted.
    started: Vec<String>,
    output: TailBuffer,
    panic: Option<String>,
    race: RaceCapture,
    races: usize,
    /// Names of failed tests, race-only ones included (parents of failed subtests are skipped).
    failed_names: Vec<String>,
    pending: Vec<TestFailure>,
    build_failed: bool,
    crashed: bool,
}

#[derive(Debug, Default)]
pub struct TestStream {
    packages: HashMap<String, PackageRun>,
    build_output: HashMap<String, TailBuffer>,
    module_dir: std::path::PathBuf,
    pub report: TestReport,
}

impl TestStream {
    /// `module_dir` is where `go test` ran: build output paths are relative to it.
    pub fn new(module_dir: &Path) -> TestStream {
        TestStream { module_dir: module_dir.to_path_buf(), ..TestStream::default() }
    }

    /// Feed one stdout line. Returns true when a package finished (for progress).
    pub fn feed(&mut self, line: &str) -> bool {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            return false;
        }
        let event: Event = match serde_json::from_str(trimmed) {
            Ok(event) if trimmed.starts_with('{') => event,
            _ => {
                if self.report.stray_output.len() < OUTPUT_TAIL {
                    self.report.stray_output.push_str(trimmed);
                    self.report.stray_output.push('\n');
                }
                return false;
            }
        };
        match event.action.as_str() {
            "build-output" => {
                let key = event.import_path.unwrap_or_default();
                self.build_output.entry(key).or_default().push(event.output.as_deref().unwrap_or(""));
                false
            }
            "build-fail" | "start" | "pause" | "cont" | "bench" => {
                if let Some(package) = event.package {
                    self.packages.entry(package).or_default();
                }
                false
            }
            _ => self.package_event(event),
        }
    }

    fn package_event(&mut self, event: Event) -> bool {
        let Some(package_name) = event.package.clone() else { return false };
        let package = self.packages.entry(package_name.clone()).or_default();
        match (event.action.as_str(), event.test) {
            ("run", Some(test)) => {
                package.started.push(test.clone());
                package.running.entry(test).or_default();
            }
            ("output", Some(test)) => {
                let text = event.output.as_deref().unwrap_or("");
                let running = package.running.entry(test.clone()).or_default();
                running.output.push(text);
                let line = text.trim_end_matches(['\n', '\r']);
                let in_race = running.race.in_report();
                if let Some(report) = running.race.feed(line) {
                    package.races += 1;
                    self.report.races.push(RaceReport { package: package_name, test: Some(test), ..report });
                } else if !in_race && !running.race.in_report() {
                    classify_line(running, line);
                }
            }
            ("output", None) => {
                let text = event.output.as_deref().unwrap_or("");
                package.output.push(text);
                let line = text.trim_end_matches(['\n', '\r']);
                if line.ends_with("[build failed]") || line.ends_with("[setup failed]") {
                    package.build_failed = true;
                }
                if line.starts_with("ok ") && line.ends_with("[no tests to run]") {
                    self.report.no_tests_to_run.push(package_name.clone());
                }
                if let Some(report) = package.race.feed(line) {
                    package.races += 1;
                    self.report.races.push(RaceReport { package: package_name, test: None, ..report });
                } else if package.panic.is_none() && line.starts_with("panic: ") {
                    package.panic = Some(line.to_string());
                }
            }
            ("pass", Some(test)) => {
                self.report.passed += 1;
                package.finish_test(&test);
            }
            ("skip", Some(test)) => {
                self.report.skipped += 1;
                package.finish_test(&test);
            }
            ("fail", Some(test)) => {
                self.report.failed += 1;
                let running = package.finish_test(&test).unwrap_or_default();
                package.failed_names.push(test.clone());
                // A panic in a test ends the binary before it writes its coverage.
                package.crashed |= running.panic.is_some();
                if running.race_failed && !running.other_failure {
                    self.report.failed_by_race += 1;
                } else {
                    let message = match (&running.panic, &running.last_message) {
                        (Some(panic), _) => format!("{test} panicked: {}", panic_text(panic)),
                        (None, Some(last)) => format!("{test} failed: {last}"),
                        (None, None) => format!("{test} failed"),
                    };
                    package.pending.push(TestFailure {
                        package: package_name,
                        test: Some(test),
                        kind: FailureKind::Test,
                        message,
                        detail: running.output.render(),
                    });
                }
            }
            ("pass" | "skip", None) => {
                self.finish_package(&package_name, false, None);
                return true;
            }
            ("fail", None) => {
                self.finish_package(&package_name, true, event.failed_build);
                return true;
            }
            _ => {}
        }
        false
    }

    fn finish_package(&mut self, name: &str, failed: bool, failed_build: Option<String>) {
        let Some(mut package) = self.packages.remove(name) else { return };
        self.report.packages_done += 1;
        if package.crashed {
            self.report.incomplete_packages.push(name.to_string());
        }
        if failed && let Some(failure) = self.binary_failure(name, &mut package, failed_build) {
            self.report.failures.push(failure);
        }
        // A parent fails because its subtest did: report the subtest only.
        let failed_names = std::mem::take(&mut package.failed_names);
        for failure in package.pending {
            let test = failure.test.as_deref().unwrap_or("");
            let prefix = format!("{test}/");
            if !failed_names.iter().any(|other| other.starts_with(&prefix)) {
                self.report.failures.push(failure);
            }
        }
    }

    /// What went wrong with a failed package beyond its failing tests, if anything.
    fn binary_failure(
        &mut self,
        name: &str,
        package: &mut PackageRun,
        failed_build: Option<String>,
    ) -> Option<TestFailure> {
        if failed_build.is_some() || package.build_failed {
            self.report.incomplete_packages.push(name.to_string());
            let output = self.take_build_output(name, failed_build.as_deref());
            let errors = compile::parse(&output, &self.module_dir).errors;
            let detail = if output.trim().is_empty() { package.output.render() } else { output };
            return Some(TestFailure {
                package: name.to_string(),
                test: None,
                kind: FailureKind::Build(errors),
                message: format!("the tests of {name} do not build"),
                detail,
            });
        }
        // A test that never finished: the binary died under it.
        let unfinished = package.started.iter().rev().find(|test| package.running.contains_key(*test)).cloned();
        let panic = package
            .started
            .iter()
            .filter_map(|test| package.running.get(test))
            .find_map(|test| test.panic.clone())
            .or_else(|| package.panic.clone());
        if unfinished.is_some() || panic.is_some() {
            self.report.incomplete_packages.push(name.to_string());
            let mut detail = String::new();
            for test in package.started.iter().filter_map(|test| package.running.get(test)) {
                detail.push_str(&test.output.render());
            }
            detail.push_str(&package.output.render());
            let during = unfinished.as_deref().map(|test| format!(" while running {test}")).unwrap_or_default();
            let message = match panic.as_deref().map(panic_text) {
                Some(text) if text.starts_with("test timed out") => {
                    format!("the tests of {name} timed out{during} ({text})")
                }
                Some(text) => format!("the test binary of {name} panicked{during}: {text}"),
                None => format!("the test binary of {name} exited{during} before the test finished"),
            };
            return Some(TestFailure {
                package: name.to_string(),
                test: unfinished,
                kind: FailureKind::Binary,
                message,
                detail,
            });
        }
        if package.failed_names.is_empty() && package.races == 0 {
            return Some(TestFailure {
                package: name.to_string(),
                test: None,
                kind: FailureKind::Binary,
                message: format!(
                    "the tests of {name} failed but no test did (TestMain, an init function or the binary exited with an error)"
                ),
                detail: package.output.render(),
            });
        }
        None
    }

    fn take_build_output(&mut self, package: &str, failed_build: Option<&str>) -> String {
        let mut keys: Vec<String> = self
            .build_output
            .keys()
            .filter(|key| {
                Some(key.as_str()) == failed_build
                    || key.as_str() == package
                    || key.strip_prefix(package).is_some_and(|rest| rest.starts_with(' '))
            })
            .cloned()
            .collect();
        keys.sort();
        let mut text = String::new();
        for key in keys {
            if let Some(buffer) = self.build_output.remove(&key) {
                text.push_str(&buffer.render());
            }
        }
        text
    }

    /// The report, once the stream has ended. Packages that never reported a result died.
    pub fn finish(self) -> TestReport {
        let report = self.finish_unsorted();
        TestReport { incomplete_packages: sorted(report.incomplete_packages), ..report }
    }

    fn finish_unsorted(mut self) -> TestReport {
        let mut unfinished: Vec<String> = self.packages.keys().cloned().collect();
        unfinished.sort();
        for name in unfinished {
            let Some(package) = self.packages.get_mut(&name) else { continue };
            if package.running.is_empty() && package.output.text.is_empty() && package.started.is_empty() {
                // Only a `start` (or a build-fail we never got a result for): nothing ran.
                if !package.build_failed {
                    continue;
                }
            }
            self.finish_package(&name, true, None);
        }
        self.report
    }
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names.dedup();
    names
}

impl PackageRun {
    fn finish_test(&mut self, test: &str) -> Option<RunningTest> {
        self.started.retain(|name| name != test);
        self.running.remove(test)
    }
}

/// Note what a line of a test's output says about why it failed.
fn classify_line(test: &mut RunningTest, line: &str) {
    let trimmed = line.trim_start();
    if trimmed.contains(RACE_FAILED_TEST) {
        test.race_failed = true;
    } else if line.starts_with("panic: ") {
        test.other_failure = true;
        if test.panic.is_none() {
            test.panic = Some(line.to_string());
        }
    } else if is_message_line(line) {
        test.other_failure = true;
        test.last_message = Some(line.trim().to_string());
    }
}

/// `    file_test.go:12: message`: what `t.Error`, `t.Fatal` and `t.Log` print.
fn is_message_line(line: &str) -> bool {
    if !line.starts_with("    ") {
        return false;
    }
    let trimmed = line.trim_start();
    let Some((location, _)) = trimmed.split_once(": ") else { return false };
    let Some((file, number)) = location.rsplit_once(':') else { return false };
    file.ends_with(".go") && !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit())
}

/// `panic: boom [recovered]` → `boom`.
fn panic_text(line: &str) -> &str {
    let text = line.strip_prefix("panic: ").unwrap_or(line).trim();
    match text.rfind(" [recovered") {
        Some(index) if text.ends_with(']') => &text[..index],
        _ => text,
    }
}

/// Run `feed` over a recorded stream (tests and tools).
pub fn parse_recorded(text: &str, module_dir: &Path) -> TestReport {
    let mut stream = TestStream::new(module_dir);
    for line in text.lines() {
        stream.feed(line);
    }
    stream.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gate/recorded").join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
    }

    #[test]
    fn failures_races_panics_and_build_failures() {
        let report = parse_recorded(&recorded("test-mixed.jsonl"), Path::new("/tmp/gx/m"));
        assert_eq!(report.packages_done, 3);
        assert_eq!((report.passed, report.failed, report.skipped), (2, 5, 0));
        assert_eq!(report.failed_by_race, 1);
        let messages: Vec<&str> = report.failures.iter().map(|failure| failure.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "the tests of example.com/m/a do not build",
                "the tests of example.com/m/c do not build",
                "TestFail failed: b_test.go:16: failed here 3",
                "TestSub/bad_one failed: b_test.go:21: sub failed",
                "TestPanic panicked: assignment to entry in nil map",
            ]
        );
        let FailureKind::Build(errors) = &report.failures[1].kind else { panic!("not a build failure") };
        assert_eq!(errors[0].message, "undefined: undefinedThing");
        assert_eq!(errors[0].place.file, Path::new("/tmp/gx/m/c/c_test.go"));
        assert!(report.failures[2].detail.contains("b_test.go:16: failed here 3"));
        assert_eq!(report.races.len(), 1);
        assert_eq!(report.races[0].test.as_deref(), Some("TestRace"));
        // b's binary died in TestPanic before writing coverage.
        assert_eq!(report.incomplete_packages, vec!["example.com/m/a", "example.com/m/b", "example.com/m/c"]);
    }

    #[test]
    fn timeouts_and_exits_without_a_failing_test() {
        let report = parse_recorded(&recorded("test-timeout.jsonl"), Path::new("/tmp/gx/t"));
        let messages: Vec<&str> = report.failures.iter().map(|failure| failure.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "the tests of example.com/t/mainexit failed but no test did (TestMain, an init function or the binary exited with an error)",
                "the tests of example.com/t timed out while running TestSlow/inner (test timed out after 1s)",
            ]
        );
        assert_eq!(report.failures[1].test.as_deref(), Some("TestSlow/inner"));
        assert!(report.failures[1].detail.contains("goroutine"));
        assert_eq!(report.incomplete_packages, vec!["example.com/t"]);
    }

    #[test]
    fn a_stream_cut_short_is_a_failure() {
        let text = r#"{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}"#;
        let report = parse_recorded(text, Path::new("/m"));
        assert_eq!(report.failures.len(), 1);
        assert_eq!(
            report.failures[0].message,
            "the test binary of p exited while running TestA before the test finished"
        );
    }

    #[test]
    fn output_tail_is_bounded() {
        let mut buffer = TailBuffer::default();
        for index in 0..10_000 {
            buffer.push(&format!("line {index}\n"));
        }
        assert!(buffer.text.len() <= 2 * OUTPUT_TAIL);
        assert!(buffer.render().starts_with("… ("));
        assert!(buffer.text.ends_with("line 9999\n"));
    }

    #[test]
    fn message_lines_and_panics() {
        assert!(is_message_line("    b_test.go:16: failed here 3"));
        assert!(!is_message_line("      /tmp/b_test.go:27 +0x33"));
        assert!(!is_message_line("=== RUN   TestX"));
        assert_eq!(panic_text("panic: boom [recovered, repanicked]"), "boom");
        assert_eq!(panic_text("panic: test timed out after 1s"), "test timed out after 1s");
    }
}
