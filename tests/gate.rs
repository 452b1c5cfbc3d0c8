//! `golint-guard gate` run for real with the installed `go` on fixture modules under
//! tests/data/gate/, each breaking exactly one criterion. Without `go` these tests fail: a gate
//! that cannot be tested must not look like one that passed.

use golint_guard::gate::coverage;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/data/gate").join(name)
}

fn require_go() {
    static CHECK: Once = Once::new();
    CHECK.call_once(|| {
        let found = Command::new("go").arg("version").output().is_ok_and(|output| output.status.success());
        assert!(found, "the gate tests need the Go toolchain on PATH (`go version` did not run)");
    });
}

/// Run `golint-guard gate` from the repository root (paths in findings are relative to it).
fn gate(args: &[&str]) -> Output {
    require_go();
    Command::new(env!("CARGO_BIN_EXE_golint-guard"))
        .arg("gate")
        .args(args)
        .current_dir(repo())
        .env_remove("GOFLAGS")
        .output()
        .expect("run golint-guard")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!("stdout is not JSON ({err}):\n{}\nstderr:\n{}", String::from_utf8_lossy(&output.stdout), stderr(output))
    })
}

fn findings(report: &Value) -> Vec<Value> {
    report["findings"].as_array().cloned().unwrap_or_default()
}

fn rules(report: &Value) -> BTreeSet<String> {
    findings(report).iter().map(|finding| finding["rule"].as_str().unwrap_or("").to_string()).collect()
}

fn criterion(report: &Value, name: &str) -> (String, String) {
    let criteria = report["criteria"].as_array().expect("gate reports carry criteria");
    let found =
        criteria.iter().find(|criterion| criterion["name"] == name).unwrap_or_else(|| panic!("no `{name}` criterion"));
    (found["result"].as_str().unwrap_or("").to_string(), found["figure"].as_str().unwrap_or("").to_string())
}

/// Run the gate on a fixture as JSON: exit code and report.
fn gate_fixture(name: &str, extra: &[&str]) -> (i32, Value, String) {
    let path = format!("tests/data/gate/{name}");
    let mut args = vec!["--format", "json", path.as_str()];
    args.extend_from_slice(extra);
    let output = gate(&args);
    let code = output.status.code().unwrap_or(-1);
    assert_ne!(code, 2, "gate failed to run on {name}: {}", stderr(&output));
    (code, report(&output), stderr(&output))
}

/// The fixture gives exactly `rule` findings (`count` of them) and exit 1.
fn expect_only(name: &str, rule: &str, count: usize) -> Value {
    let (code, report, log) = gate_fixture(name, &[]);
    assert_eq!(rules(&report), BTreeSet::from([rule.to_string()]), "{name}: {report:#}\n{log}");
    assert_eq!(findings(&report).len(), count, "{name}: {report:#}");
    assert_eq!(code, 1, "{name}: {log}");
    report
}

#[test]
fn clean_module_passes_every_criterion() {
    let (code, report, log) = gate_fixture("clean", &[]);
    assert!(findings(&report).is_empty(), "{report:#}");
    assert_eq!(code, 0, "{log}");
    for name in ["build", "vet", "tests", "race", "coverage", "bench", "gofmt", "static"] {
        assert_eq!(criterion(&report, name).0, "pass", "{name}: {report:#}");
    }
    assert_eq!(criterion(&report, "coverage").1, "100.0% (threshold 80%)");
    assert_eq!(criterion(&report, "bench").1, "1/1 within target");
    // Not a terminal: plain log lines, one per step.
    for step in ["build", "vet", "test", "bench", "gofmt", "check"] {
        assert!(log.contains(&format!("gate: {step} ... ")), "no log line for {step}:\n{log}");
    }
}

#[test]
fn build_error_is_reported_once_at_its_position() {
    let report = expect_only("build-error", "gate/build", 1);
    let finding = &findings(&report)[0];
    assert_eq!(finding["path"], "tests/data/gate/build-error/calc.go");
    assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(6), Some(9)));
    assert!(finding["message"].as_str().unwrap().contains("mismatched types int and untyped string"));
    assert_eq!(criterion(&report, "build").0, "fail");
    // The tests could not run: that is not a pass, and coverage cannot be measured.
    assert_eq!(criterion(&report, "tests").0, "fail");
    assert_eq!(criterion(&report, "coverage").0, "skipped");
}

#[test]
fn vet_finding_is_a_warning_at_its_position() {
    let report = expect_only("vet-finding", "vet/printf", 1);
    let finding = &findings(&report)[0];
    assert_eq!(finding["severity"], "warning");
    assert_eq!(finding["path"], "tests/data/gate/vet-finding/greet.go");
    assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(8), Some(28)));
    assert_eq!(criterion(&report, "vet").0, "fail");
    // Warnings pass with --fail-on error (vet alone: the fixture's other steps already ran).
    let (code, report, log) = gate_fixture("vet-finding", &["--steps", "vet", "--fail-on", "error"]);
    assert_eq!(code, 0, "{log}");
    assert_eq!(criterion(&report, "vet").0, "pass");
}

#[test]
fn failing_test_is_reported_at_the_test_function_with_its_output() {
    let report = expect_only("failing-test", "gate/test", 1);
    let finding = &findings(&report)[0];
    assert_eq!(finding["path"], "tests/data/gate/failing-test/double_test.go");
    assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(5), Some(6)));
    assert_eq!(finding["message"], "TestDouble failed: double_test.go:7: Double(2) = 4, want 5");
    assert!(finding["detail"].as_str().unwrap().contains("--- FAIL: TestDouble"));
    assert_eq!(criterion(&report, "tests").0, "fail");
}

#[test]
fn data_race_is_placed_in_the_module_with_both_stacks() {
    let report = expect_only("data-race", "gate/race", 1);
    let finding = &findings(&report)[0];
    assert_eq!(finding["path"], "tests/data/gate/data-race/counter.go");
    assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(11), Some(2)));
    let message = finding["message"].as_str().unwrap();
    assert!(message.starts_with("data race during TestConcurrentInc: "), "{message}");
    let detail = finding["detail"].as_str().unwrap();
    assert!(detail.contains("WARNING: DATA RACE") && detail.contains("Previous write at"), "{detail}");
    assert_eq!(criterion(&report, "race"), ("fail".to_string(), "1 data race".to_string()));
}

#[test]
fn low_coverage_names_figure_threshold_and_least_covered_packages() {
    let report = expect_only("coverage-low", "gate/coverage", 1);
    let message = findings(&report)[0]["message"].as_str().unwrap().to_string();
    assert_eq!(
        message,
        "coverage 42.9% is below the 80% threshold (least covered: example.com/gate/coveragelow 33.3%, \
         example.com/gate/coveragelow/round 100.0%)"
    );
    assert_eq!(criterion(&report, "coverage"), ("fail".to_string(), "42.9% (threshold 80%)".to_string()));
}

#[test]
fn slow_benchmark_misses_its_target() {
    let report = expect_only("bench-slow", "gate/bench", 1);
    let finding = &findings(&report)[0];
    assert_eq!(finding["path"], "tests/data/gate/bench-slow/sum_test.go");
    assert_eq!(finding["line"].as_u64(), Some(11));
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.starts_with("BenchmarkInts misses its target: ") && message.ends_with("ns/op, target ≤ 1 ns/op"),
        "{message}"
    );
    assert_eq!(criterion(&report, "bench"), ("fail".to_string(), "0/1 within target".to_string()));
}

#[test]
fn each_module_of_a_workspace_is_gated() {
    let (code, report, log) = gate_fixture("workspace", &["--no-race", "--steps", "build,test,coverage"]);
    assert_eq!(code, 0, "{report:#}\n{log}");
    let (result, figure) = criterion(&report, "coverage");
    assert_eq!(result, "pass");
    assert_eq!(
        figure,
        "100.0% (threshold 80%) (tests/data/gate/workspace/app: 100.0%, tests/data/gate/workspace/lib: 100.0%)"
    );
    assert!(log.contains("gate: build (tests/data/gate/workspace/app) ... ok"), "{log}");
    assert_eq!(criterion(&report, "race").0, "skipped");
}

#[test]
fn missing_toolchain_exits_two_naming_the_step() {
    let empty = tempfile::tempdir().unwrap();
    require_go();
    let output = Command::new(env!("CARGO_BIN_EXE_golint-guard"))
        .args(["gate", "tests/data/gate/clean"])
        .current_dir(repo())
        .env("PATH", empty.path())
        .output()
        .expect("run golint-guard");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("step `build`: the `go` toolchain was not found on PATH"), "{message}");
}

#[test]
fn a_directory_that_is_not_a_module_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.go"), "package main\n\nfunc main() {}\n").unwrap();
    let shown = dir.path().display().to_string();
    let output = gate(&["--no-config", &shown]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("is not a Go module"), "{}", stderr(&output));
    let output = gate(&["--no-config", "tests/data/gate/no-such-dir"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn a_step_that_times_out_exits_two_naming_the_step() {
    let started = Instant::now();
    let output = gate(&["--steps", "test", "--no-race", "--timeout", "1", "tests/data/gate/hang"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("step `test` timed out after 1.0s"), "{}", stderr(&output));
    // The test binary sleeps a minute: only killing the whole process group returns this soon.
    assert!(started.elapsed() < Duration::from_secs(30), "took {:?}", started.elapsed());
}

#[test]
fn config_errors_name_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("go.mod"), "module example.com/x\n\ngo 1.22\n").unwrap();
    std::fs::write(dir.path().join("golint-guard.toml"), "[gate]\ncoverage_min = 80\nrace_detector = false\n").unwrap();
    let shown = dir.path().display().to_string();
    let output = gate(&[&shown]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("golint-guard.toml:3: [gate] `race_detector`: unknown key"), "{message}");
    std::fs::write(dir.path().join("golint-guard.toml"), "[gate]\ncoverage_min = 80\n").unwrap();
    let output = gate(&["--steps", "build,lint", &shown]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("unknown step `lint`"), "{}", stderr(&output));
}

#[test]
fn every_format_carries_the_gate_results() {
    for format in ["text", "json", "sarif", "github", "summary"] {
        let output = gate(&["--format", format, "--color", "never", "--steps", "vet", "tests/data/gate/vet-finding"]);
        assert_eq!(output.status.code(), Some(1), "{format}: {}", stderr(&output));
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("vet/printf"), "{format}:\n{text}");
        if matches!(format, "text" | "summary") {
            assert!(text.contains("criterion") && text.contains("1 diagnostic"), "{format}:\n{text}");
        }
    }
}

/// The gate's coverage must equal `go tool cover -func` on the same profile. The recorded
/// profile has duplicate blocks (as `-coverpkg` produces), and the fixture a function literal
/// in a package-level var, which `-func` leaves out.
#[test]
fn coverage_matches_go_tool_cover_func() {
    require_go();
    let profile_path = repo().join("tests/data/gate/recorded/coverage-low.out");
    let output = Command::new("go")
        .args(["tool", "cover"])
        .arg(format!("-func={}", profile_path.display()))
        .current_dir(fixture("coverage-low"))
        .output()
        .expect("run go tool cover");
    assert!(output.status.success(), "{}", stderr(&output));
    let listing = String::from_utf8_lossy(&output.stdout).into_owned();
    let expected = listing
        .lines()
        .find_map(|line| line.strip_prefix("total:"))
        .and_then(|rest| rest.split_whitespace().last())
        .expect("a total line")
        .to_string();

    let profile = coverage::parse_profile(&std::fs::read_to_string(&profile_path).unwrap()).unwrap();
    let root = fixture("coverage-low");
    let locate = |name: &str| name.strip_prefix("example.com/gate/coveragelow/").map(|rest| root.join(rest));
    let summary = coverage::summarize(&profile, &locate);
    assert!(summary.unresolved.is_empty());
    assert_eq!(format!("{:.1}%", summary.total.percent()), expected, "go tool cover -func said:\n{listing}");
    assert_eq!(summary.packages["example.com/gate/coveragelow"], coverage::Counts { covered: 2, total: 6 });
    assert_eq!(summary.packages["example.com/gate/coveragelow/round"], coverage::Counts { covered: 1, total: 1 });
}

#[test]
fn recorded_test_streams_parse() {
    // Unit tests in src/gate/test.rs cover these recordings; this checks they stay readable
    // as the public API sees them.
    let text = std::fs::read_to_string(repo().join("tests/data/gate/recorded/test-mixed.jsonl")).unwrap();
    let report = golint_guard::gate::test::parse_recorded(&text, Path::new("/tmp/gx/m"));
    assert_eq!(report.races.len(), 1);
    assert_eq!(report.failures.len(), 5);
}

/// The processes tests/data/gate/orphans recorded: its test and the helper it started, each as
/// (pid, process group). Waits up to `within` for both records.
fn recorded_processes(dir: &Path, within: Duration) -> Vec<(u32, u32)> {
    let deadline = Instant::now() + within;
    loop {
        let records: Vec<(u32, u32)> = ["test", "helper"]
            .iter()
            .filter_map(|role| std::fs::read_to_string(dir.join(role)).ok())
            .filter_map(|text| {
                let mut fields = text.split_whitespace().map(|field| field.parse::<u32>().ok());
                Some((fields.next()??, fields.next()??))
            })
            .collect();
        if records.len() == 2 || Instant::now() >= deadline {
            return records;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Live processes (not zombies) whose process group is `group`, from /proc.
fn live_group_members(group: u32) -> Vec<String> {
    let mut members = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").filter_map(Result::ok) {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
        let Some((head, rest)) = stat.rsplit_once(") ") else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(pgrp)) = (fields.first(), fields.get(2)) else { continue };
        if pgrp.parse::<u32>() == Ok(group) && !matches!(*state, "Z" | "X") {
            members.push(format!("{} ({state})", head.replace(" (", " ")));
        }
    }
    members
}

/// After the gate returned, nothing of the recorded processes' group survives (a moment is
/// allowed for the kernel to finish delivering SIGKILL).
fn assert_group_gone(records: &[(u32, u32)]) {
    assert_eq!(records.len(), 2, "the fixture's test and its helper did not both start: {records:?}");
    let group = records[0].1;
    assert!(records.iter().all(|(_, other)| *other == group), "one process group expected: {records:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut survivors = live_group_members(group);
    while !survivors.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        survivors = live_group_members(group);
    }
    assert!(survivors.is_empty(), "processes of the step's group outlived the gate: {survivors:?}");
}

/// Build the orphans fixture's test binary (under the PATH the gate will get, which decides
/// whether cgo is on), so a step timeout of seconds is spent running it.
fn warm_orphans_fixture(path: Option<&std::ffi::OsStr>) {
    require_go();
    let mut command = Command::new("go");
    command.args(["test", "-vet=off", "-run", "^$", "./..."]).current_dir(fixture("orphans")).env_remove("GOFLAGS");
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = command.output().expect("run go test");
    assert!(output.status.success(), "{}", stderr(&output));
}

/// The gate on the orphans fixture, with its own TMPDIR (which must be empty afterwards) and
/// the directory the fixture records its processes in.
fn orphans_gate(path: Option<&std::ffi::OsStr>, timeout: &str) -> (Command, tempfile::TempDir, tempfile::TempDir) {
    warm_orphans_fixture(path);
    let pids = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_golint-guard"));
    command
        .args(["gate", "--steps", "test", "--no-race", "--timeout", timeout, "tests/data/gate/orphans"])
        .current_dir(repo())
        .env_remove("GOFLAGS")
        .env("GATE_PID_DIR", pids.path())
        .env("TMPDIR", tmp.path());
    if let Some(path) = path {
        command.env("PATH", path);
    }
    (command, pids, tmp)
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into())
        .collect()
}

/// Issue 11 item 14: the step timeout signals the process group itself. With only `go`'s
/// directory on PATH (no `kill` program) it still fires, the test binary and the helper it
/// started are gone afterwards, and so is every temporary directory (the gate's and go's).
#[cfg(target_os = "linux")]
#[test]
fn a_timeout_stops_the_whole_group_without_kill_on_path_and_cleans_up() {
    require_go();
    let go = Command::new("go").args(["env", "GOROOT"]).output().expect("go env GOROOT");
    let go_bin = PathBuf::from(String::from_utf8_lossy(&go.stdout).trim()).join("bin");
    // The go found on PATH may be a symlink elsewhere; GOROOT/bin must hold the same command.
    assert!(go_bin.join("go").is_file(), "no go in {}", go_bin.display());
    assert!(!go_bin.join("kill").exists(), "{} has a `kill`: the test would prove nothing", go_bin.display());
    let (mut command, pids, tmp) = orphans_gate(Some(go_bin.as_os_str()), "10");
    let started = Instant::now();
    let mut child = command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    // The old gate hung here for good; bound the wait so a regression fails instead of hanging.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let records = recorded_processes(pids.path(), Duration::ZERO);
            panic!("the gate did not stop 50 s after its 10 s timeout (processes: {records:?})");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(log.contains("step `test` timed out after 10.0s"), "{log}");
    assert_group_gone(&recorded_processes(pids.path(), Duration::ZERO));
    assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "temporary files left in TMPDIR");
}

/// Issue 11 item 14: Ctrl-C (SIGINT) or SIGTERM to the gate mid-test stops the step's process
/// group (which a terminal's Ctrl-C does not reach: it is a group of its own), removes the
/// temporary directories and exits as the signal would have: 130 or 143.
#[cfg(target_os = "linux")]
#[test]
fn a_signal_mid_test_stops_the_whole_group_and_cleans_up() {
    for (signal, expected) in [("INT", 130), ("TERM", 143)] {
        let (mut command, pids, tmp) = orphans_gate(None, "600");
        let mut child =
            command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
        let records = recorded_processes(pids.path(), Duration::from_secs(120));
        assert_eq!(records.len(), 2, "SIG{signal}: the fixture's processes did not start: {records:?}");
        let sent = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
        assert!(sent.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "SIG{signal} did not stop the gate");
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut log = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
        let mut report = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut report).unwrap();
        assert_eq!(status.code(), Some(expected), "SIG{signal}: {log}");
        assert!(log.contains(&format!("interrupted by SIG{signal} during step `test`")), "{log}");
        assert!(report.is_empty(), "an interrupted gate must not print a report that looks complete:\n{report}");
        assert_group_gone(&records);
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new(), "SIG{signal}: temporary files left in TMPDIR");
    }
}

/// Run the gate on a fixture as JSON with extra environment variables.
fn gate_with_env(name: &str, extra: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    require_go();
    let path = format!("tests/data/gate/{name}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_golint-guard"));
    command.args(["gate", "--format", "json", &path]).args(extra).current_dir(repo()).env_remove("GOFLAGS");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run golint-guard");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned(), stderr(&output))
}

/// Issue 11 item 15: without cgo, `-race` cannot run. The tests still run (without it), and the
/// race criterion says it was not run and why: never PASS.
#[test]
fn without_cgo_the_race_criterion_is_skipped_with_the_reason() {
    let (code, stdout, log) = gate_with_env("clean", &["--steps", "test"], &[("CGO_ENABLED", "0")]);
    assert_eq!(code, 0, "{log}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    let (result, figure) = criterion(&report, "race");
    assert_eq!(result, "skipped", "{report:#}");
    assert!(figure.contains("-race requires cgo"), "{figure}");
    assert_eq!(criterion(&report, "tests"), ("pass".to_string(), "1 passed, 0 failed, 0 skipped".to_string()));
    assert!(log.contains("running the tests without -race"), "{log}");
}

/// … and with `[gate].require_race = true` the race criterion fails instead (exit 1).
#[test]
fn without_cgo_a_required_race_detector_fails_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["go.mod", "calc.go", "calc_test.go"] {
        std::fs::copy(fixture("clean").join(file), dir.path().join(file)).unwrap();
    }
    std::fs::write(dir.path().join("golint-guard.toml"), "[gate]\nrequire_race = true\n").unwrap();
    require_go();
    let output = Command::new(env!("CARGO_BIN_EXE_golint-guard"))
        .args(["gate", "--format", "json", "--steps", "test"])
        .arg(dir.path())
        .env_remove("GOFLAGS")
        .env("CGO_ENABLED", "0")
        .output()
        .expect("run golint-guard");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = report(&output);
    let (result, figure) = criterion(&report, "race");
    assert_eq!(result, "fail", "{report:#}");
    assert!(figure.starts_with("could not run ([gate].require_race = true): go: -race requires cgo"), "{figure}");
}

/// Issue 11 item 15: `GOFLAGS=-run=NONE` runs no test in a module that has tests: not a pass.
#[test]
fn no_test_run_in_a_module_with_tests_fails_the_tests_criterion() {
    let (code, stdout, log) = gate_with_env("clean", &["--steps", "test"], &[("GOFLAGS", "-run=NONE")]);
    assert_eq!(code, 1, "{log}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");
    let (result, figure) = criterion(&report, "tests");
    assert_eq!(result, "fail", "{report:#}");
    assert!(figure.ends_with("no test ran in packages that have tests"), "{figure}");
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0]["rule"], "gate/test");
    assert_eq!(
        found[0]["message"],
        "no test ran: 1 package has tests but none of them ran (run with GOFLAGS=-run=NONE)"
    );
}

/// Issue 11 item 15: a `GOFLAGS` that go rejects is a tool error (exit 2) that names the flag,
/// not a compiler finding.
#[test]
fn a_bad_goflags_is_a_tool_error_naming_the_flag() {
    for (goflags, says) in
        [("-bogus", "unknown flag -bogus"), ("-race=maybe", "invalid boolean value \"maybe\" for flag -race")]
    {
        let (code, stdout, log) = gate_with_env("clean", &[], &[("GOFLAGS", goflags)]);
        assert_eq!(code, 2, "GOFLAGS={goflags}: {log}\n{stdout}");
        assert!(log.contains(&format!("go rejected GOFLAGS=\"{goflags}\"")) && log.contains(says), "{log}");
        assert!(stdout.is_empty(), "no report for a run that could not start: {stdout}");
    }
}

/// Issue 12's rows of the criteria table, keyed by rule id. A row PASSes only when each of its
/// rules is in this build and enabled; one whose rules are not all there says "not checked"
/// (SKIPPED) and names them. The family E rules land from other branches: whichever way the
/// registry stands, the row must say so.
#[test]
fn rule_rows_pass_only_when_every_rule_of_the_row_looked() {
    use golint_guard::engine::registry::find_rule;
    use golint_guard::engine::rule::RuleSet;
    let (code, report, log) = gate_fixture("clean", &["--steps", "check"]);
    assert_eq!(code, 0, "{log}");
    let rows: [(&str, &[&str]); 3] = [
        ("goroutine cleanup", &["goroutine-no-exit", "goroutine-untracked", "goroutine-leak-unbuffered-send"]),
        ("errors wrapped", &["error-wrap-verb", "error-compare", "error-type-assert", "error-never-checked"]),
        ("structured logging", &["unstructured-log"]),
    ];
    for (row, rules) in rows {
        let (result, figure) = criterion(&report, row);
        let missing: Vec<&str> = rules
            .iter()
            .copied()
            .filter(|id| !find_rule(id).is_some_and(|rule| rule.set == RuleSet::Default))
            .collect();
        if missing.is_empty() {
            assert_eq!((result.as_str(), figure.as_str()), ("pass", "no findings"), "{row}");
        } else {
            assert_eq!(result, "skipped", "{row}: {figure}");
            assert!(figure.starts_with("no findings; not checked: "), "{row}: {figure}");
            for id in missing {
                assert!(figure.contains(id), "{row}: {figure} does not name {id}");
            }
        }
    }
    // Not selected: skipped like the static criterion.
    let (_, report, _) = gate_fixture("clean", &["--steps", "gofmt"]);
    assert_eq!(criterion(&report, "goroutine cleanup").0, "skipped");
}

/// A finding of a row's rule fails the row, with the count per rule, whatever else is missing.
#[test]
fn a_rule_row_fails_with_its_count() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("go.mod"), "module example.com/rows\n\ngo 1.22\n").unwrap();
    std::fs::write(
        dir.path().join("pump.go"),
        "package rows\n\nfunc Pump(in chan int) {\n\tgo func() {\n\t\tfor {\n\t\t\tselect {\n\t\t\tcase v := <-in:\n\t\t\t\tuse(v)\n\t\t\t}\n\t\t}\n\t}()\n}\n\nfunc use(int) {}\n",
    )
    .unwrap();
    let shown = dir.path().display().to_string();
    let output = gate(&["--no-config", "--format", "json", "--steps", "check", &shown]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = report(&output);
    assert_eq!(
        criterion(&report, "goroutine cleanup"),
        ("fail".to_string(), "1 finding (goroutine-no-exit: 1)".to_string()),
        "{report:#}"
    );
    assert_eq!(criterion(&report, "static").0, "fail");
}
