//! Issue 11, items 6–13: hostile input must neither hang the run nor pass it silently. Every run
//! of the binary here has a deadline, so a regression fails the test instead of hanging CI.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/mod.rs"]
mod support;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The binary under test; `GOLINT_GUARD_BIN` points these tests at another build (an older one,
/// to watch a reproducer fail).
fn binary() -> PathBuf {
    std::env::var_os("GOLINT_GUARD_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_golint-guard")), PathBuf::from)
}

/// Run the binary in `dir`, killing it (and failing the test) after `limit`.
fn run_within(limit: Duration, args: &[&str], dir: &Path) -> Run {
    run_command_within(limit, support::command(binary()).args(args).current_dir(dir))
}

fn run_command_within(limit: Duration, command: &mut Command) -> Run {
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // Drain both pipes on threads so a chatty child cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = out.read_to_end(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = err.read_to_end(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

const QUICK: Duration = Duration::from_secs(60);

fn json_findings(run: &Run) -> Vec<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {}\nstderr: {}", run.stdout, run.stderr));
    value["findings"].as_array().cloned().unwrap_or_default()
}

fn rules_of(findings: &[serde_json::Value]) -> Vec<String> {
    findings.iter().filter_map(|f| f["rule"].as_str().map(str::to_string)).collect()
}

/// A file with one `signal-unbuffered` finding inside `depth` nested `if`s.
fn nested_ifs(depth: usize) -> String {
    let mut text = String::from("package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc main() {\n\tx := 1\n");
    for level in 0..depth {
        text.push_str(&format!("if x > {level} {{\n"));
    }
    text.push_str("stop := make(chan os.Signal)\nsignal.Notify(stop, os.Interrupt)\n<-stop\n");
    text.push_str(&"}\n".repeat(depth));
    text.push_str("}\n");
    text
}

fn bad_go() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/cli/bad/main.go")).unwrap()
}

// ── Item 6: deep nesting ────────────────────────────────────────────────────────────────────

/// 4,000 nested `if`s took 18 s, 8,000 took 83 s. Below the depth limit (a tree 1,000 deep,
/// about 330 nested blocks) the file is linted and the finding deep inside is reported within
/// the deadline.
#[test]
fn deep_nesting_below_the_limit_is_linted() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("main.go"), nested_ifs(300)).unwrap();
    let run = run_within(QUICK, &["check", "--no-config", "--format", "json", "./..."], temp.path());
    assert_eq!(rules_of(&json_findings(&run)), vec!["signal-unbuffered"], "{}", run.stderr);
    assert_eq!(run.code, Some(1));
}

/// One function of nested lock regions beside a 180 KB literal: every `Lock` is checked
/// against the rest of the function, and each check walked it again (25 s for a 200 KB file,
/// minutes for 1 MB, found by fuzzing). The checks now stop at a budget of visited nodes and the
/// file is named as not fully linted, the same way at every thread count.
#[test]
fn a_function_too_costly_to_check_is_reported_not_passed() {
    let temp = tempfile::tempdir().unwrap();
    let mut text = String::from("package main\n\nimport \"sync\"\n\nvar mu sync.Mutex\n\nfunc main() {\n\tx := 1\n");
    text.push_str("\tch := make(chan int)\n\tlong := []int{");
    text.push_str(&"1, ".repeat(60_000));
    text.push_str("}\n\t_ = long\n");
    for level in 0..150 {
        text.push_str(&format!("mu.Lock()\nif x > {level} {{\nch <- 1\n"));
    }
    text.push_str(&"}\nmu.Unlock()\n".repeat(150));
    text.push_str("}\n");
    std::fs::write(temp.path().join("main.go"), text).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let args = ["check", "--no-config", "--no-cache", "--threads", threads, "--format", "json", "main.go"];
        let run = run_within(QUICK, &args, temp.path());
        let findings = json_findings(&run);
        let partly = findings
            .iter()
            .find(|f| f["rule"] == "unreadable-file")
            .unwrap_or_else(|| panic!("no unreadable-file finding: {findings:?}\n{}", run.stderr));
        let message = partly["message"].as_str().unwrap();
        assert!(message.starts_with("not fully linted: rule checks stopped"), "{message}");
        assert!(message.contains("places were not checked"), "{message}");
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        outputs.push(run.stdout);
    }
    assert_eq!(outputs[0], outputs[1], "the output depends on the thread count");
}

/// Past tree-sitter's depth limit its queries stop matching: the finding vanished and the run
/// passed. A file that deep is named, never passed silently.
#[test]
fn nesting_past_the_limit_is_reported_not_passed() {
    let temp = tempfile::tempdir().unwrap();
    // 8,000 nested blocks: past the limit, and quadratic before it (83 s).
    std::fs::write(temp.path().join("deep.go"), nested_ifs(8_000)).unwrap();
    std::fs::write(temp.path().join("main.go"), nested_ifs(70_000)).unwrap();
    let mut calls = String::from("package p\n\nfunc g() {\n\tf");
    calls.push_str(&"()".repeat(70_000));
    calls.push_str("\n}\n");
    std::fs::write(temp.path().join("calls.go"), calls).unwrap();
    let run = run_within(QUICK, &["check", "--no-config", "--format", "json", "./..."], temp.path());
    let findings = json_findings(&run);
    for file in ["deep.go", "main.go", "calls.go"] {
        let finding = findings
            .iter()
            .find(|f| f["path"] == file)
            .unwrap_or_else(|| panic!("no finding for {file}: {findings:?}\n{}", run.stderr));
        assert_eq!(finding["rule"], "unreadable-file", "{finding}");
        assert!(finding["message"].as_str().unwrap().contains("nest"), "{finding}");
    }
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}

// ── Item 7: FIFOs and devices ────────────────────────────────────────────────────────────────

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success());
}

#[test]
fn fifos_and_devices_are_reported_at_once() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("main.go"), bad_go()).unwrap();
    mkfifo(&temp.path().join("pipe.go"));
    for args in [
        &["check", "--no-config", "--format", "json", "./..."][..],
        &["check", "--no-config", "--format", "json", "pipe.go"],
    ] {
        let run = run_within(QUICK, args, temp.path());
        let findings = json_findings(&run);
        let fifo = findings.iter().find(|f| f["path"] == "pipe.go").unwrap_or_else(|| panic!("{args:?}: {findings:?}"));
        assert_eq!(fifo["rule"], "unreadable-file");
        assert!(fifo["message"].as_str().unwrap().contains("not a regular file"), "{fifo}");
        assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
    }
    let run = run_within(QUICK, &["check", "--no-config", "--format", "json", "/dev/zero"], temp.path());
    let findings = json_findings(&run);
    assert_eq!(rules_of(&findings), vec!["unreadable-file"], "{}", run.stderr);
    assert!(findings[0]["message"].as_str().unwrap().contains("not a regular file"), "{findings:?}");
    assert_eq!(run.code, Some(1));
}

/// A FIFO swapped in after discovery: reading goes through the same regular-file check.
#[test]
fn a_fifo_swapped_in_after_discovery_does_not_block() {
    use golint_guard::config::Settings;
    use golint_guard::engine::{Engine, ModuleFacts, Worker};
    let temp = tempfile::tempdir().unwrap();
    let path = temp.path().join("swapped.go");
    mkfifo(&path);
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let settings = Settings::default();
        let engine = Engine::new(&settings.enabled_rules()).unwrap();
        let outcome = golint_guard::lint::lint_file(
            &engine,
            &mut Worker::default(),
            &settings,
            &path,
            ModuleFacts::default(),
            false,
        );
        let _ = sender.send(outcome.findings);
    });
    let findings = receiver.recv_timeout(QUICK).expect("lint_file returns instead of blocking on a FIFO");
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, "unreadable-file");
    assert!(findings[0].message.contains("not a regular file"), "{}", findings[0].message);
}

// ── Item 8: --threads ────────────────────────────────────────────────────────────────────────

#[test]
fn an_absurd_thread_count_is_a_usage_error() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("main.go"), bad_go()).unwrap();
    let run = run_within(QUICK, &["check", "--no-config", "--threads", "20000", "."], temp.path());
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--threads"), "{}", run.stderr);
    let run = run_within(QUICK, &["check", "--no-config", "--threads", "4", "."], temp.path());
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}

// ── Items 9 and 10: nothing checked is not a pass ───────────────────────────────────────────

#[test]
fn an_exclude_that_matches_everything_is_an_error() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::create_dir(temp.path().join("pkg")).unwrap();
    std::fs::write(temp.path().join("pkg/main.go"), bad_go()).unwrap();
    for pattern in ["", " ", "./", "/"] {
        std::fs::write(temp.path().join("golint-guard.toml"), format!("[files]\nexclude = [{pattern:?}]\n")).unwrap();
        let run = run_within(QUICK, &["check", "./..."], temp.path());
        assert_eq!(run.code, Some(2), "exclude {pattern:?}: {}", run.stderr);
        assert!(run.stderr.contains("exclude"), "exclude {pattern:?}: {}", run.stderr);
    }
    // A pattern that happens to exclude every file found: the run checked nothing.
    std::fs::write(temp.path().join("golint-guard.toml"), "[files]\nexclude = [\"*.go\"]\n").unwrap();
    let run = run_within(QUICK, &["check", "./..."], temp.path());
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("*.go"), "the pattern is named: {}", run.stderr);
}

#[test]
fn nothing_to_check_is_an_error_that_suggests_dot_dot_dot() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("go.mod"), "module example.com/m\n\ngo 1.22\n").unwrap();
    std::fs::write(temp.path().join("README.md"), "# m\n").unwrap();
    std::fs::create_dir(temp.path().join("pkg")).unwrap();
    std::fs::write(temp.path().join("pkg/main.go"), bad_go()).unwrap();
    let run = run_within(QUICK, &["check", "--no-config", "."], temp.path());
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("no Go files") && run.stderr.contains("./..."), "{}", run.stderr);
    std::fs::create_dir(temp.path().join("empty")).unwrap();
    let run = run_within(QUICK, &["check", "--no-config", "empty/..."], temp.path());
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("no Go files"), "{}", run.stderr);
    let run = run_within(QUICK, &["check", "--no-config", "README.md"], temp.path());
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("README.md") && run.stderr.contains("not a Go file"), "{}", run.stderr);
    // The package pattern still works.
    let run = run_within(QUICK, &["check", "--no-config", "./..."], temp.path());
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}

// ── Item 11: what Go compiles is linted, or named ────────────────────────────────────────────

#[cfg(unix)]
#[test]
fn symlinks_odd_names_and_empty_files_are_linted_or_named() {
    use std::os::unix::ffi::OsStrExt;
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    std::fs::create_dir_all(root.join("_shared")).unwrap();
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::write(root.join("_shared/impl.go"), bad_go()).unwrap();
    std::os::unix::fs::symlink("../_shared/impl.go", root.join("pkg/linked.go")).unwrap();
    std::os::unix::fs::symlink("nowhere.go", root.join("pkg/dangling.go")).unwrap();
    std::os::unix::fs::symlink("loop.go", root.join("pkg/loop.go")).unwrap();
    std::fs::write(root.join(std::ffi::OsStr::from_bytes(b"pkg/caf\xe9.go")), bad_go()).unwrap();
    std::fs::write(root.join("pkg/empty.go"), "").unwrap();
    let run = run_within(QUICK, &["check", "--no-config", "--format", "json", "./..."], root);
    let findings = json_findings(&run);
    let by_path = |path: &str| -> Vec<String> {
        findings.iter().filter(|f| f["path"] == path).filter_map(|f| f["rule"].as_str().map(str::to_string)).collect()
    };
    assert_eq!(by_path("pkg/linked.go"), vec!["signal-unbuffered"], "{findings:?}\n{}", run.stderr);
    assert_eq!(by_path("pkg/dangling.go"), vec!["unreadable-file"], "{findings:?}");
    assert_eq!(by_path("pkg/loop.go"), vec!["unreadable-file"], "{findings:?}");
    assert_eq!(by_path("pkg/caf\u{fffd}.go"), vec!["signal-unbuffered"], "{findings:?}");
    assert_eq!(by_path("pkg/empty.go"), vec!["syntax-error"], "{findings:?}");
    assert_eq!(run.code, Some(1));
}

// ── Item 12: build constraints ───────────────────────────────────────────────────────────────

#[test]
fn go_build_ignore_files_are_skipped_unless_named() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("gen.go"), format!("//go:build ignore\n\n{}", bad_go())).unwrap();
    std::fs::write(temp.path().join("old.go"), format!("// +build ignore\n\n{}", bad_go())).unwrap();
    std::fs::write(temp.path().join("main.go"), "package main\n\nfunc main() {}\n").unwrap();
    let run = run_within(QUICK, &["check", "--no-config", "--format", "json", "./..."], temp.path());
    assert_eq!(rules_of(&json_findings(&run)), Vec::<String>::new(), "{}", run.stderr);
    assert_eq!(run.code, Some(0));
    // `go run gen.go` compiles it, so naming it lints it.
    let run = run_within(QUICK, &["check", "--no-config", "--format", "json", "gen.go"], temp.path());
    assert_eq!(rules_of(&json_findings(&run)), vec!["signal-unbuffered"], "{}", run.stderr);
}

// ── Item 13: lost output ─────────────────────────────────────────────────────────────────────

#[cfg(unix)]
#[test]
fn a_closed_stdout_is_an_error_not_a_lost_report() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("main.go"), bad_go()).unwrap();
    let run = run_command_within(
        QUICK,
        support::command("sh")
            .args(["-c", "exec \"$0\" check --no-config . >&-", binary().to_str().unwrap()])
            .current_dir(temp.path()),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("stdout"), "{}", run.stderr);
    // Output thrown away on purpose is not an error.
    let run = run_command_within(
        QUICK,
        support::command("sh")
            .args(["-c", "exec \"$0\" check --no-config . >/dev/null", binary().to_str().unwrap()])
            .current_dir(temp.path()),
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}

#[test]
fn the_same_file_named_twice_is_reported_once() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::create_dir(temp.path().join("pkg")).unwrap();
    std::fs::write(temp.path().join("pkg/main.go"), bad_go()).unwrap();
    let run = run_within(
        QUICK,
        &[
            "check",
            "--no-config",
            "--format",
            "json",
            "pkg/main.go",
            "./pkg/main.go",
            "pkg/../pkg/main.go",
            "pkg",
            "./...",
        ],
        temp.path(),
    );
    assert_eq!(rules_of(&json_findings(&run)), vec!["signal-unbuffered"], "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn backslashes_and_control_characters_in_names_are_shown_faithfully() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("a\\b.go"), bad_go()).unwrap();
    std::fs::write(temp.path().join("x\u{1b}[31m.go"), bad_go()).unwrap();
    let run = run_within(QUICK, &["check", "--no-config", "--format", "json", "."], temp.path());
    let paths: Vec<String> =
        json_findings(&run).iter().filter_map(|f| f["path"].as_str().map(str::to_string)).collect();
    assert_eq!(paths, vec!["a\\b.go".to_string(), "x\u{1b}[31m.go".to_string()], "{}", run.stderr);
    let run = run_within(QUICK, &["check", "--no-config", "--color", "never", "."], temp.path());
    assert!(!run.stdout.contains('\u{1b}'), "raw escape in text output: {:?}", run.stdout);
    assert!(run.stdout.contains("x\\x1b[31m.go") || run.stdout.contains("x\\u{1b}[31m.go"), "{}", run.stdout);
    assert!(run.stdout.contains("a\\b.go"), "{}", run.stdout);
}

/// The text reporter on one 1 MB line with 30,000 findings: miette panicked with "Formatting
/// argument out of range" (its widths must fit in a u16) and scanned the whole file for every
/// finding. Each finding is now rendered from a clipped excerpt of its line, at its own column.
#[test]
fn text_output_of_a_megabyte_line_with_30k_findings() {
    let dir = tempfile::tempdir().unwrap();
    let calls: String = (0..30_000).map(|i| format!("os.Chdir(\"dir/f{i:06}.tmp.bk\"); ")).collect();
    std::fs::write(dir.path().join("a.go"), format!("package p\n\nimport \"os\"\n\nfunc f() {{ {calls}}}\n")).unwrap();
    let run = run_within(
        Duration::from_secs(600),
        &["check", "--no-config", "--select", "unchecked-error", "--format", "text", "--color", "never", "a.go"],
        dir.path(),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("30000 info"), "{}", run.stderr);
    // Every finding rendered graphically (a header with its position), none as a fallback line.
    assert_eq!(run.stdout.matches("╭─[a.go:5:").count(), 30_000);
    let last_column = 12 + 29_999 * "os.Chdir(\"dir/f000000.tmp.bk\"); ".len();
    assert!(run.stdout.contains(&format!("╭─[a.go:5:{last_column}]")), "no header for the last call");
    // The shown line is clipped around the finding, not a megabyte per finding.
    assert!(run.stdout.len() < 30_000 * 2_000, "{} bytes of output", run.stdout.len());
    assert!(run.stdout.contains("os.Chdir(\"dir/f029999.tmp.bk\"); }"));
}
