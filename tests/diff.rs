//! Diff-aware runs against real git repositories: `--new-from-rev`, `--new-from-merge-base` and
//! `--whole-files` keep only the findings on lines added or changed since that point.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/mod.rs"]
mod support;

/// `main` with one unbuffered signal channel: `signal-unbuffered` flags line 10 (the Notify call).
const MAIN_GO: &str = "package main

import (
\t\"os\"
\t\"os/signal\"
)

func main() {
\tc := make(chan os.Signal)
\tsignal.Notify(c)
\t<-c
}
";

/// Appended to `MAIN_GO`, it adds a second finding on line 16.
const OTHER_FUNC: &str = "
func other() {
\td := make(chan os.Signal)
\tsignal.Notify(d)
\t<-d
}
";

/// A temporary git repository, isolated from the user's git configuration.
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo { dir: tempfile::tempdir().expect("create a temp dir") };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "golint-guard tests"]);
        repo.git(&["config", "user.email", "tests@golint-guard.invalid"]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create dirs");
        std::fs::write(path, text).expect("write a fixture file");
    }

    fn append(&self, relative: &str, text: &str) {
        let path = self.path().join(relative);
        let old = std::fs::read_to_string(&path).expect("read a fixture file");
        std::fs::write(path, old + text).expect("write a fixture file");
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn git(&self, args: &[&str]) -> String {
        let output = isolated(Command::new("git")).current_dir(self.path()).args(args).output().expect("run git");
        assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `golint-guard check --select signal-unbuffered --format json ARGS` in `cwd` (relative).
    fn check_in(&self, cwd: &str, args: &[&str]) -> Run {
        let output = isolated(support::golint_guard())
            .current_dir(self.path().join(cwd))
            .args(["check", "--no-config", "--select", "signal-unbuffered", "--format", "json"])
            .args(args)
            .output()
            .expect("run golint-guard");
        Run::new(output)
    }

    fn check(&self, args: &[&str]) -> Run {
        self.check_in(".", args)
    }
}

/// Keep the user's and the machine's git configuration out of the tests.
fn isolated(mut command: Command) -> Command {
    command
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE");
    command
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn new(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `(path, line)` of every finding in the JSON report.
    fn findings(&self) -> Vec<(String, u64)> {
        let report: Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("not JSON ({err}):\n{}\nstderr: {}", self.stdout, self.stderr));
        let findings = report["findings"].as_array().expect("a findings array");
        findings
            .iter()
            .map(|finding| {
                let path = finding["path"].as_str().expect("a path").to_string();
                (path, finding["line"].as_u64().expect("a line"))
            })
            .collect()
    }
}

fn at(path: &str, line: u64) -> (String, u64) {
    (path.to_string(), line)
}

/// Two commits: the first has the finding on line 10, the second adds one on line 16.
fn two_commits() -> Repo {
    let repo = Repo::new();
    repo.write("main.go", MAIN_GO);
    repo.commit("one finding");
    repo.append("main.go", OTHER_FUNC);
    repo.commit("a second finding");
    repo
}

#[test]
fn new_from_rev_keeps_only_findings_on_new_lines() {
    let repo = two_commits();
    let all = repo.check(&[]);
    assert_eq!(all.findings(), [at("main.go", 10), at("main.go", 16)]);

    let new = repo.check(&["--new-from-rev", "HEAD~1"]);
    assert_eq!(new.findings(), [at("main.go", 16)], "stderr: {}", new.stderr);
    assert_eq!(new.code, Some(1), "a new finding fails the run");

    let nothing_new = repo.check(&["--new-from-rev", "HEAD"]);
    assert_eq!(nothing_new.findings(), []);
    assert_eq!(nothing_new.code, Some(0), "old findings alone do not fail the run");
}

#[test]
fn github_annotations_cover_only_new_lines() {
    let repo = two_commits();
    let output = isolated(support::golint_guard())
        .current_dir(repo.path())
        .args(["check", "--no-config", "--select", "signal-unbuffered", "--format", "github"])
        .args(["--new-from-rev", "HEAD~1"])
        .output()
        .expect("run golint-guard");
    let run = Run::new(output);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let annotations: Vec<&str> = run.stdout.lines().filter(|line| line.starts_with("::")).collect();
    assert_eq!(annotations.len(), 1, "{}", run.stdout);
    let properties: Vec<&str> = annotations[0].split("::").nth(1).unwrap_or_default().split(',').collect();
    assert!(properties.iter().any(|p| p.ends_with("file=main.go")), "{}", annotations[0]);
    assert!(properties.contains(&"line=16"), "{}", annotations[0]);
}

#[test]
fn whole_files_keeps_every_finding_in_a_changed_file() {
    let repo = Repo::new();
    repo.write("main.go", MAIN_GO);
    repo.write("stable/stable.go", &MAIN_GO.replace("package main", "package stable"));
    repo.commit("two files with findings");
    repo.append("main.go", OTHER_FUNC);
    repo.commit("a second finding in main.go");

    let lines = repo.check(&["--new-from-rev", "HEAD~1"]);
    assert_eq!(lines.findings(), [at("main.go", 16)]);
    let files = repo.check(&["--new-from-rev", "HEAD~1", "--whole-files"]);
    assert_eq!(files.findings(), [at("main.go", 10), at("main.go", 16)], "an unchanged file stays out");
}

#[test]
fn new_from_merge_base_ignores_what_the_base_branch_changed_since() {
    let repo = Repo::new();
    repo.write("main.go", MAIN_GO);
    repo.commit("one finding");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.append("main.go", OTHER_FUNC);
    repo.commit("feature: a second finding");
    // Meanwhile main edits the line of the first finding.
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.go", &MAIN_GO.replace("signal.Notify(c)", "signal.Notify(c, os.Interrupt)"));
    repo.commit("main: edit the first finding's line");
    repo.git(&["checkout", "-q", "feature"]);

    let since_base = repo.check(&["--new-from-merge-base", "main"]);
    assert_eq!(since_base.findings(), [at("main.go", 16)], "stderr: {}", since_base.stderr);
    // Against main's tip, the line main edited looks changed on the feature branch too.
    let since_tip = repo.check(&["--new-from-rev", "main"]);
    assert_eq!(since_tip.findings(), [at("main.go", 10), at("main.go", 16)]);
}

#[test]
fn uncommitted_edits_and_untracked_files_count_as_new() {
    let repo = Repo::new();
    repo.write("main.go", MAIN_GO);
    repo.write(".gitignore", "ignored/\n");
    repo.commit("one finding");
    repo.append("main.go", OTHER_FUNC);
    repo.write("fresh/fresh.go", &MAIN_GO.replace("package main", "package fresh"));

    let run = repo.check(&["--new-from-rev", "HEAD"]);
    assert_eq!(run.findings(), [at("fresh/fresh.go", 10), at("main.go", 16)], "stderr: {}", run.stderr);
}

#[test]
fn renames_and_names_with_spaces_map_to_the_new_path() {
    let repo = Repo::new();
    repo.write("old name.go", MAIN_GO);
    repo.commit("one finding");
    std::fs::create_dir_all(repo.path().join("new dir")).expect("create a dir");
    repo.git(&["mv", "old name.go", "new dir/new name.go"]);
    repo.append("new dir/new name.go", OTHER_FUNC);
    repo.commit("rename and add a finding");

    let run = repo.check(&["--new-from-rev", "HEAD~1"]);
    assert_eq!(run.findings(), [at("new dir/new name.go", 16)], "stderr: {}", run.stderr);
}

#[test]
fn paths_are_mapped_from_a_subdirectory() {
    let repo = Repo::new();
    repo.write("svc/main.go", MAIN_GO);
    repo.commit("one finding");
    repo.append("svc/main.go", OTHER_FUNC);
    repo.write("svc/internal/extra.go", &MAIN_GO.replace("package main", "package internal"));
    repo.commit("two more findings");

    let run = repo.check_in("svc", &["--new-from-rev", "HEAD~1"]);
    assert_eq!(run.findings(), [at("internal/extra.go", 10), at("main.go", 16)], "stderr: {}", run.stderr);
    let above = repo.check_in("svc/internal", &["--new-from-rev", "HEAD~1", "../..."]);
    assert_eq!(above.findings(), [at("../internal/extra.go", 10), at("../main.go", 16)], "stderr: {}", above.stderr);
}

#[test]
fn bad_revisions_and_non_repositories_are_usage_errors() {
    let repo = two_commits();
    for args in [
        &["--new-from-rev", "no-such-rev"][..],
        &["--new-from-merge-base", "no-such-branch"],
        &["--new-from-rev=-x"],
        &["--whole-files"],
    ] {
        let run = repo.check(args);
        assert_eq!(run.code, Some(2), "{args:?}: stdout {} stderr {}", run.stdout, run.stderr);
        assert!(run.stderr.contains("error"), "{args:?}: {}", run.stderr);
    }
    let run = repo.check(&["--new-from-rev", "no-such-rev"]);
    assert!(run.stderr.contains("no-such-rev"), "{}", run.stderr);

    let plain = tempfile::tempdir().expect("create a temp dir");
    std::fs::write(plain.path().join("main.go"), MAIN_GO).expect("write main.go");
    let ceiling: PathBuf = plain.path().parent().expect("a temp dir has a parent").to_path_buf();
    let output = isolated(support::golint_guard())
        .current_dir(plain.path())
        .env("GIT_CEILING_DIRECTORIES", ceiling)
        .args(["check", "--no-config", "--new-from-rev", "HEAD"])
        .output()
        .expect("run golint-guard");
    let run = Run::new(output);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("git repository"), "{}", run.stderr);
}
