//! End-to-end runs of the built binary: exit codes, bad input, determinism.

use std::path::{Path, PathBuf};
use std::process::Output;

#[path = "support/mod.rs"]
mod support;

fn golint_guard(args: &[&str], dir: &Path) -> Output {
    support::golint_guard().args(args).current_dir(dir).output().expect("run golint-guard")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json_findings(output: &Output) -> Vec<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {}", stdout(output)));
    value["findings"].as_array().cloned().unwrap_or_default()
}

/// A temporary tree holding `files` (path, text).
fn tree_of(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tree = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = tree.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    tree
}

/// The findings of `rule` alone when `pattern` is checked from `dir`, without config or cache.
fn findings_of(rule: &str, pattern: &str, dir: &Path) -> Vec<serde_json::Value> {
    let output = golint_guard(
        &["check", "--no-config", "--no-cache", "--exit-zero", "--format", "json", "--select", rule, pattern],
        dir,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    json_findings(&output)
}

/// The `key` field of each finding, as text.
fn field_of(findings: &[serde_json::Value], key: &str) -> Vec<String> {
    findings.iter().map(|finding| finding[key].as_str().unwrap_or_default().to_string()).collect()
}

#[test]
fn clean_tree_exits_zero() {
    let output = golint_guard(&["check", "--no-config", "tests/data/cli/clean/..."], &repo());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn findings_exit_one_and_exit_zero_overrides() {
    let output = golint_guard(&["check", "--no-config", "tests/data/cli/bad/..."], &repo());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let output = golint_guard(&["check", "--no-config", "--exit-zero", "tests/data/cli/bad/..."], &repo());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn fail_on_sets_the_threshold() {
    // signal-unbuffered is an error: it fails at every threshold.
    for level in ["error", "warning", "info"] {
        let output = golint_guard(&["check", "--no-config", "--fail-on", level, "tests/data/cli/bad"], &repo());
        assert_eq!(output.status.code(), Some(1), "--fail-on {level}: {}", stderr(&output));
    }
    // A syntax error is info: it fails only with --fail-on info.
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("broken.go"), "package p\n\nfunc f() {\n\tx := \n}\n").unwrap();
    let output = golint_guard(&["check", "--no-config", "."], temp.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = golint_guard(&["check", "--no-config", "--fail-on", "info", "."], temp.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn fail_on_takes_the_actions_values_note_and_none() {
    // The Action's `fail-on` values work on the command line too: `note` is `info`, and `none`
    // never fails on findings.
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("broken.go"), "package p\n\nfunc f() {\n\tx := \n}\n").unwrap();
    let output = golint_guard(&["check", "--no-config", "--fail-on", "note", "."], temp.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let output = golint_guard(&["check", "--no-config", "--fail-on", "none", "tests/data/cli/bad"], &repo());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("signal-unbuffered"), "the findings are still reported");
    let output = golint_guard(&["check", "--no-config", "--fail-on", "none", "--select", "nope", "."], temp.path());
    assert_eq!(output.status.code(), Some(2), "a tool error still fails: {}", stderr(&output));
}

#[test]
fn write_baseline_records_and_exits_zero() {
    let temp = tempfile::tempdir().unwrap();
    let baseline = temp.path().join("baseline.json");
    let baseline_arg = baseline.to_str().unwrap();
    let output =
        golint_guard(&["check", "--no-config", "--write-baseline", baseline_arg, "tests/data/cli/bad"], &repo());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "", "the report is not printed when writing a baseline");
    assert!(stderr(&output).contains("wrote 1 finding to "), "{}", stderr(&output));
    assert!(baseline.exists());
    let output = golint_guard(&["check", "--no-config", "--baseline", baseline_arg, "tests/data/cli/bad"], &repo());
    assert_eq!(output.status.code(), Some(0), "the baseline hides what it recorded: {}", stdout(&output));
}

#[test]
fn golangci_lint_names_work_where_rule_ids_do() {
    let output = golint_guard(&["explain", "errcheck"], &repo());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("`errcheck` is a golangci-lint linter name"), "{text}");
    for rule in ["unchecked-error", "unchecked-error-defer", "discarded-error"] {
        assert!(text.contains(&format!("# {rule} (")), "{rule} is explained:\n{text}");
    }
    // govet maps to signal-unbuffered (sigchanyzer), the one finding in this tree.
    let output = golint_guard(&["check", "--no-config", "--ignore", "govet", "tests/data/cli/bad"], &repo());
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let output = golint_guard(&["check", "--no-config", "--ignore", "errcheck", "tests/data/cli/bad"], &repo());
    assert_eq!(output.status.code(), Some(1), "errcheck does not cover signal-unbuffered");
    let output = golint_guard(&["check", "--no-config", "--select", "govet", "tests/data/cli/bad"], &repo());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn concise_format_is_one_line_per_finding() {
    let output = golint_guard(&["check", "--no-config", "--format", "concise", "tests/data/cli/bad"], &repo());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("tests/data/cli/bad/main.go:10:2: error[signal-unbuffered] "), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(stderr(&output).contains("1 file checked: 1 error, 0 warnings, 0 info"), "{}", stderr(&output));
}

#[test]
fn usage_errors_exit_two() {
    let output = golint_guard(&["check", "--no-such-flag"], &repo());
    assert_eq!(output.status.code(), Some(2));
    let output = golint_guard(&["check", "--format", "xml"], &repo());
    assert_eq!(output.status.code(), Some(2));
    let output = golint_guard(&["check", "--no-config", "does/not/exist/..."], &repo());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("does/not/exist"), "{}", stderr(&output));
}

#[test]
fn unknown_rule_ids_suggest_the_closest() {
    let output = golint_guard(&["explain", "signal-unbufered"], &repo());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("did you mean `signal-unbuffered`"), "{}", stderr(&output));
    let output = golint_guard(&["check", "--no-config", "--select", "signal-unbufered", "tests/data/cli/bad"], &repo());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("did you mean `signal-unbuffered`"), "{}", stderr(&output));
}

#[test]
fn rules_and_explain_list_every_rule() {
    let output = golint_guard(&["rules", "--format", "json"], &repo());
    assert_eq!(output.status.code(), Some(0));
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = rules.iter().filter_map(|rule| rule["id"].as_str()).collect();
    assert!(ids.contains(&"signal-unbuffered") && ids.contains(&"syntax-error"), "{ids:?}");
    let output = golint_guard(&["explain", "signal-unbuffered"], &repo());
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("## Why is this bad?"));
}

#[test]
fn non_utf8_and_syntax_errors_are_reported_not_fatal() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("latin1.go"), b"package p\n// caf\xe9\n").unwrap();
    std::fs::write(
        temp.path().join("main.go"),
        "package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc broken() {\n\tx := \n}\n\nfunc main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c)\n\t<-c\n}\n",
    )
    .unwrap();
    let output = golint_guard(&["check", "--no-config", "--format", "json", "."], temp.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings = json_findings(&output);
    let rules: Vec<&str> = findings.iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"unreadable-file"), "{rules:?}");
    assert!(rules.contains(&"syntax-error"), "{rules:?}");
    // The rest of the file with the syntax error is still linted.
    assert!(rules.contains(&"signal-unbuffered"), "{rules:?}");
    let unreadable = findings.iter().find(|f| f["rule"] == "unreadable-file").unwrap();
    assert!(unreadable["message"].as_str().unwrap().contains("UTF-8"), "{unreadable}");
}

#[test]
fn symlink_loops_and_huge_files_finish() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("pkg");
    std::fs::create_dir(&dir).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(temp.path(), dir.join("loop")).unwrap();
    // About 12 MB of Go in one file.
    let mut huge = String::from("package pkg\n\nvar table = []int{\n");
    while huge.len() < 12 << 20 {
        huge.push_str("\t1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,\n");
    }
    huge.push_str("}\n");
    std::fs::write(dir.join("huge.go"), huge).unwrap();
    let output = golint_guard(&["check", "--no-config", "./..."], temp.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("1 file checked: 0 errors, 0 warnings, 0 info"), "{}", stderr(&output));
}

#[test]
fn go_conventions_skip_vendor_testdata_underscore_dot_and_generated() {
    let temp = tempfile::tempdir().unwrap();
    let bad = std::fs::read_to_string(repo().join("tests/data/cli/bad/main.go")).unwrap();
    for dir in ["vendor/x", "testdata", "_old", ".hidden", "ignored", "kept"] {
        std::fs::create_dir_all(temp.path().join(dir)).unwrap();
        std::fs::write(temp.path().join(dir).join("main.go"), &bad).unwrap();
    }
    std::fs::write(temp.path().join(".gitignore"), "ignored/\n").unwrap();
    let generated = format!("// Code generated by hand. DO NOT EDIT.\n\n{bad}");
    std::fs::write(temp.path().join("kept").join("gen.go"), &generated).unwrap();
    let output = golint_guard(&["check", "--no-config", "--format", "json", "./..."], temp.path());
    let paths: Vec<String> =
        json_findings(&output).iter().filter_map(|f| f["path"].as_str().map(str::to_string)).collect();
    assert_eq!(paths, vec!["kept/main.go"], "{}", stderr(&output));
    // A file named on the command line is linted even when generated.
    let output = golint_guard(&["check", "--no-config", "--format", "json", "kept/gen.go"], temp.path());
    assert_eq!(json_findings(&output).len(), 1, "{}", stderr(&output));
}

#[test]
fn a_directory_is_one_package_and_dots_recurse() {
    let temp = tempfile::tempdir().unwrap();
    let bad = std::fs::read_to_string(repo().join("tests/data/cli/bad/main.go")).unwrap();
    std::fs::create_dir_all(temp.path().join("a/b")).unwrap();
    std::fs::write(temp.path().join("a/main.go"), &bad).unwrap();
    std::fs::write(temp.path().join("a/b/main.go"), &bad).unwrap();
    let package = golint_guard(&["check", "--no-config", "--format", "json", "a"], temp.path());
    assert_eq!(json_findings(&package).len(), 1);
    let tree = golint_guard(&["check", "--no-config", "--format", "json", "a/..."], temp.path());
    assert_eq!(json_findings(&tree).len(), 2);
}

/// The same input gives byte-identical output whatever the thread count.
#[test]
fn output_is_identical_for_any_thread_count() {
    for format in ["json", "sarif", "text", "github", "summary"] {
        let run = |threads: &str| {
            let output = golint_guard(
                &["check", "--no-config", "--color", "never", "--format", format, "--threads", threads, "rules/..."],
                &repo(),
            );
            assert!(matches!(output.status.code(), Some(0 | 1)), "{}", stderr(&output));
            output.stdout
        };
        let one = run("1");
        assert!(!one.is_empty(), "{format} output is empty");
        for threads in ["2", "4", "8"] {
            assert!(one == run(threads), "{format} output differs between 1 and {threads} threads");
        }
    }
}

#[test]
fn fix_writes_files_and_diff_only_shows_the_change() {
    let temp = tempfile::tempdir().unwrap();
    let bad = std::fs::read_to_string(repo().join("tests/data/cli/bad/main.go")).unwrap();
    let file = temp.path().join("main.go");
    std::fs::write(&file, &bad).unwrap();

    let diff = golint_guard(&["check", "--no-config", "--select", "signal-unbuffered", "--diff", "."], temp.path());
    assert!(stdout(&diff).contains("+\tstop := make(chan os.Signal, 1)"), "{}", stdout(&diff));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), bad, "--diff must not write");

    let fixed = golint_guard(&["check", "--no-config", "--select", "signal-unbuffered", "--fix", "."], temp.path());
    assert_eq!(fixed.status.code(), Some(0), "nothing is left after the fix: {}", stderr(&fixed));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("make(chan os.Signal, 1)"), "{text}");
    let again = golint_guard(&["check", "--no-config", "--select", "signal-unbuffered", "."], temp.path());
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
}

#[test]
fn files_with_syntax_errors_are_never_fixed() {
    let temp = tempfile::tempdir().unwrap();
    let bad = std::fs::read_to_string(repo().join("tests/data/cli/bad/main.go")).unwrap();
    let broken = format!("{bad}\nfunc broken() {{\n\tx := \n}}\n");
    let file = temp.path().join("main.go");
    std::fs::write(&file, &broken).unwrap();
    let output = golint_guard(&["check", "--no-config", "--select", "signal-unbuffered", "--fix", "."], temp.path());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), broken);
    assert!(stderr(&output).contains("syntax errors"), "the refusal is reported: {}", stderr(&output));
}

/// A package below the working directory's module (`./q/...` run from the module root) takes
/// the module's Go version and import path, as every other way of naming it does: the go.mod
/// found above it used to be named `go.mod`, whose empty parent matched no file, so on Go 1.23
/// a loop variable captured by a goroutine was flagged as if the module were older than 1.22.
#[test]
fn a_package_below_the_working_directory_takes_its_modules_go_version() {
    let module = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(module.path().join("q")).expect("mkdir");
    let capture = "package q\n\nimport \"sync\"\n\nfunc F(xs []int) {\n\tvar wg sync.WaitGroup\n\tfor _, x := range xs {\n\t\twg.Add(1)\n\t\tgo func() {\n\t\t\tdefer wg.Done()\n\t\t\tprintln(x)\n\t\t}()\n\t}\n\twg.Wait()\n}\n";
    std::fs::write(module.path().join("q/c.go"), capture).expect("write");
    let rules_in = |pattern: &str, dir: &Path| field_of(&findings_of("loop-var-capture", pattern, dir), "rule");
    for (go, flagged) in [("1.21", true), ("1.23", false)] {
        std::fs::write(module.path().join("go.mod"), format!("module example.com/m\n\ngo {go}\n")).expect("go.mod");
        for (pattern, dir) in [
            ("./...", module.path()),
            ("./q/...", module.path()),
            ("q/c.go", module.path()),
            (".", &module.path().join("q")),
            // A bare file name's parent is the empty path, which found no go.mod above it.
            ("c.go", &module.path().join("q")),
        ] {
            let rules = rules_in(pattern, dir);
            assert_eq!(rules.contains(&"loop-var-capture".to_string()), flagged, "go {go}, `{pattern}`: {rules:?}");
        }
    }
}

/// A run over part of a module reports, for its files, what a run over the whole module does:
/// the pre-pass reads the module's other packages (and a go.work's other modules) for facts,
/// so a call into them is typed the same way. It used to read only the targets: on prometheus,
/// `check ./storage/...` missed 9 of the 26 findings `check ./...` reports there. A nested
/// module's files stay out of the enclosing module's facts, as in a whole run.
#[test]
fn a_run_over_part_of_a_module_reports_what_the_whole_run_reports_there() {
    let tree = tree_of(&[
        ("go.work", "go 1.22\n\nuse (\n\t./m\n\t./w\n)\n"),
        ("m/go.mod", "module example.com/m\n\ngo 1.22\n"),
        ("m/p/p.go", "package p\n\n// G fails.\nfunc G() error { return nil }\n"),
        // A nested module whose package path lies under m's: a run over m alone must not take
        // it for one of m's packages.
        ("m/n/go.mod", "module example.com/m/n\n\ngo 1.22\n"),
        ("m/n/n.go", "package n\n\n// N fails.\nfunc N() error { return nil }\n"),
        ("w/go.mod", "module example.com/w\n\ngo 1.22\n"),
        ("w/w.go", "package w\n\n// W fails.\nfunc W() error { return nil }\n"),
        (
            "m/q/c.go",
            "package q\n\nimport (\n\t\"example.com/m/n\"\n\t\"example.com/m/p\"\n\t\"example.com/w\"\n)\n\nfunc F() {\n\tp.G()\n\tw.W()\n\tn.N()\n}\n",
        ),
    ]);
    let calls_flagged = |pattern: &str, dir: &Path| -> Vec<String> {
        let mut messages = field_of(&findings_of("unchecked-error", pattern, dir), "message");
        messages.sort();
        messages
    };
    let whole = calls_flagged("./...", &tree.path().join("m"));
    assert_eq!(
        whole,
        ["the error returned by `p.G` is not checked", "the error returned by `w.W` is not checked"],
        "a whole run knows p and the workspace's w, and not the nested module n"
    );
    let m = tree.path().join("m");
    for (pattern, dir) in [
        ("./q/...", m.clone()),
        ("q", m.clone()),
        ("q/c.go", m.clone()),
        (".", m.join("q")),
        ("c.go", m.join("q")),
        ("./m/q/...", tree.path().to_path_buf()),
    ] {
        assert_eq!(calls_flagged(pattern, &dir), whole, "`{pattern}` from {}", dir.display());
    }
}

/// A module that a go.mod's `replace` points at a local directory is read for facts as `go build`
/// reads it, wherever it lies: a run inside the requiring module, or over part of it, types calls
/// into it as a run over both modules does.
#[test]
fn a_run_knows_the_modules_its_module_replaces_locally() {
    let tree = tree_of(&[
        (
            "a/go.mod",
            "module example.com/a\n\ngo 1.22\n\nrequire example.com/b v0.0.0\n\nreplace example.com/b => ../b\n",
        ),
        ("b/go.mod", "module example.com/b\n\ngo 1.22\n"),
        ("b/b.go", "package b\n\n// B fails.\nfunc B() error { return nil }\n"),
        ("a/q/c.go", "package q\n\nimport \"example.com/b\"\n\nfunc F() {\n\tb.B()\n}\n"),
    ]);
    let flagged = |pattern: &str, dir: &Path| field_of(&findings_of("unchecked-error", pattern, dir), "message");
    let expected = ["the error returned by `b.B` is not checked"];
    let a = tree.path().join("a");
    for (pattern, dir) in [
        ("./...", tree.path().to_path_buf()),
        ("./a/q/...", tree.path().to_path_buf()),
        ("./...", a.clone()),
        ("./q/...", a.clone()),
        ("c.go", a.join("q")),
    ] {
        assert_eq!(flagged(pattern, &dir), expected, "`{pattern}` from {}", dir.display());
    }
}

/// `GOLINT_GUARD_BENCH_STAGE` stops `check` part-way for the bench's stage rows: before
/// matching, no rule runs; after matching, no rule check runs; without the pre-pass, the findings
/// that need the module's facts (`save` returns an error, as b.go says) are gone and the others
/// stay. It is refused with the cache (a partial run must not be stored) and when misspelled,
/// and the output says the run is partial.
#[test]
fn a_bench_stage_stops_the_check_where_it_says() {
    let tree = tree_of(&[
        ("go.mod", "module example.com/stage\n\ngo 1.22\n"),
        (
            "a.go",
            "package stage\n\nimport (\n\t\"encoding/json\"\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc Clean(v any) {\n\tjson.Unmarshal(nil, v)\n\tsave()\n\tc := make(chan os.Signal)\n\tsignal.Notify(c, os.Interrupt)\n\t<-c\n}\n",
        ),
        ("b.go", "package stage\n\nimport \"errors\"\n\nfunc save() error { return errors.New(\"no\") }\n"),
    ]);
    let staged = |stage: &str, extra: &[&str]| {
        let mut args = vec!["check", "--no-config", "--exit-zero", "--format", "json"];
        args.extend_from_slice(extra);
        args.push("./...");
        support::golint_guard()
            .args(&args)
            .current_dir(tree.path())
            .env("GOLINT_GUARD_BENCH_STAGE", stage)
            .output()
            .expect("run golint-guard")
    };
    let lines = |output: &Output| -> Vec<String> {
        assert!(output.status.success(), "{}", stderr(output));
        json_findings(output).iter().map(|finding| format!("{}:{}", finding["rule"], finding["line"])).collect()
    };
    let full = lines(&staged("", &["--no-cache"]));
    assert_eq!(full, ["\"unchecked-error\":10", "\"unchecked-error\":11", "\"signal-unbuffered\":13"]);
    for stage in ["list-no-facts", "list", "match"] {
        let output = staged(stage, &["--no-cache"]);
        assert_eq!(lines(&output), Vec::<String>::new(), "{stage}");
        assert!(stderr(&output).contains("not a full check"), "{stage}: {}", stderr(&output));
    }
    assert_eq!(
        lines(&staged("rules-no-facts", &["--no-cache"])),
        ["\"unchecked-error\":10", "\"signal-unbuffered\":13"]
    );

    let cached = staged("match", &[]);
    assert_eq!(cached.status.code(), Some(2));
    assert!(stderr(&cached).contains("GOLINT_GUARD_BENCH_STAGE needs --no-cache"), "{}", stderr(&cached));
    let misspelled = staged("matching", &["--no-cache"]);
    assert_eq!(misspelled.status.code(), Some(2));
    assert!(
        stderr(&misspelled).contains("is not a bench stage; one of: list-no-facts, list, match"),
        "{}",
        stderr(&misspelled)
    );
}
