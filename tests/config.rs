//! golint-guard.toml discovery, validation and effect, and `init`, through the built binary.
//! Every run selects `signal-unbuffered` explicitly (or uses a fixture config that is specific
//! enough) so rules added later do not change the results.

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

/// `(rule, severity, path)` of every finding in `--format json` output.
fn findings(output: &Output) -> Vec<(String, String, String)> {
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!("stdout is not JSON ({err}): {}\nstderr: {}", String::from_utf8_lossy(&output.stdout), stderr(output))
    });
    let field = |finding: &serde_json::Value, key: &str| finding[key].as_str().unwrap_or_default().to_string();
    value["findings"]
        .as_array()
        .map(|findings| findings.iter().map(|f| (field(f, "rule"), field(f, "severity"), field(f, "path"))).collect())
        .unwrap_or_default()
}

fn check_json(extra: &[&str], dir: &Path) -> Output {
    let mut args = vec!["check", "--format", "json", "--select", "signal-unbuffered"];
    args.extend_from_slice(extra);
    golint_guard(&args, dir)
}

const BAD_GO: &str = "package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc main() {\n\tstop := \
make(chan os.Signal)\n\tsignal.Notify(stop, os.Interrupt)\n\t<-stop\n}\n";

#[test]
fn unknown_key_exits_two_naming_file_and_line() {
    let output = golint_guard(&["check", "tests/data/config/unknown-key/..."], &repo());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains(
            "golint-guard: error: tests/data/config/unknown-key/golint-guard.toml:5:1: unknown key `selct` in \
             [rules]; did you mean `select`? expected one of: select, extend-select, ignore, severity"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_rule_on_the_command_line_suggests_one() {
    for flag in ["--select", "--ignore"] {
        let output = golint_guard(&["check", "--no-config", flag, "signal-unbufered", "tests/data/cli/bad"], &repo());
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(
            stderr(&output).contains("unknown rule `signal-unbufered`; did you mean `signal-unbuffered`?"),
            "{flag}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn severity_override_shows_in_json() {
    let output = check_json(&["tests/data/config/severity/..."], &repo());
    // info is below the default --fail-on warning.
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let found = findings(&output);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("signal-unbuffered", "info"));

    // --no-config drops the override.
    let output = check_json(&["--no-config", "tests/data/config/severity/..."], &repo());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings(&output)[0].1, "error");
}

#[test]
fn ignore_flag_adds_to_the_config() {
    let output = check_json(&["--ignore", "signal-unbuffered", "tests/data/config/severity/..."], &repo());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(findings(&output).is_empty());
}

#[test]
fn per_path_ignore_applies_to_every_path_shape() {
    let tree = repo().join("tests/data/config/per-path");
    let absolute = format!("{}/...", tree.display());
    let runs: [(&[&str], &Path, &str); 3] = [
        (&["tests/data/config/per-path/..."], &repo(), "tests/data/config/per-path/app/main.go"),
        (&["./..."], &tree, "app/main.go"),
        (&[absolute.as_str()], &repo(), "tests/data/config/per-path/app/main.go"),
    ];
    for (targets, dir, expected) in runs {
        let output = check_json(targets, dir);
        assert_eq!(output.status.code(), Some(1), "{targets:?}: {}", stderr(&output));
        let paths: Vec<String> = findings(&output).into_iter().map(|(_, _, path)| path).collect();
        assert_eq!(paths, [expected], "{targets:?}");
    }
}

#[test]
fn config_is_found_in_a_parent_directory() {
    // legacy/ has no config of its own; the one above it ignores the rule there.
    let output = check_json(&["tests/data/config/per-path/legacy/..."], &repo());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(findings(&output).is_empty());
    // A file argument starts the search in the file's directory.
    let output = check_json(&["tests/data/config/per-path/legacy/main.go"], &repo());
    assert!(findings(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn exclude_skips_files_and_directories() {
    for (targets, dir) in
        [(vec!["tests/data/config/exclude/..."], repo()), (vec!["./..."], repo().join("tests/data/config/exclude"))]
    {
        let output = check_json(&targets, &dir);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let paths: Vec<String> = findings(&output).into_iter().map(|(_, _, path)| path).collect();
        assert_eq!(paths.len(), 1, "{paths:?}");
        assert!(paths[0].ends_with("pkg/main.go"), "{paths:?}");
    }
}

#[test]
fn missing_config_file_exits_two() {
    let output = golint_guard(&["check", "--config", "missing.toml", "tests/data/cli/bad"], &repo());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("missing.toml"), "{}", stderr(&output));
}

#[test]
fn toml_syntax_error_names_file_and_line() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("golint-guard.toml"), "[rules]\nselect = [\"signal-unbuffered\",\n\nignore\n")
        .unwrap();
    std::fs::write(temp.path().join("main.go"), BAD_GO).unwrap();
    let output = golint_guard(&["check", "./..."], temp.path());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("golint-guard.toml:4:"), "{}", stderr(&output));
}

#[test]
fn init_writes_a_config_that_loads() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("main.go"), BAD_GO).unwrap();
    let output = golint_guard(&["init"], temp.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("wrote golint-guard.toml"), "{}", stderr(&output));
    let written = std::fs::read_to_string(temp.path().join("golint-guard.toml")).unwrap();
    assert!(written.contains("signal-unbuffered"), "the rule list names every rule");

    // The written file loads, and changes nothing until edited.
    let output = check_json(&["./..."], temp.path());
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(findings(&output).len(), 1);

    let output = golint_guard(&["init"], temp.path());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("already exists"), "{}", stderr(&output));
    let output = golint_guard(&["init", "--force"], temp.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    // A directory argument gets the default file name inside it.
    std::fs::create_dir(temp.path().join("sub")).unwrap();
    let output = golint_guard(&["init", "sub"], temp.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(temp.path().join("sub/golint-guard.toml").is_file());
}
