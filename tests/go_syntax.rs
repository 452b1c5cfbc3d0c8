//! The grammar follows the Go on this machine: the standard library parses without a syntax
//! error, and a Go toolchain newer than the grammar knows fails loudly instead of mis-parsing.

use std::path::PathBuf;
use std::process::Command;

#[path = "support/mod.rs"]
mod support;

/// `go env NAME` from the toolchain on PATH. The toolchain is required (as for the gate tests):
/// without it these checks fail with a message rather than pass having checked nothing.
fn go_env(name: &str) -> String {
    let output = Command::new("go")
        .args(["env", name])
        // Report the toolchain that is installed, never one `go` would download for a go.mod.
        .env("GOTOOLCHAIN", "local")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap_or_else(|error| panic!("these tests need the Go toolchain on PATH (`go env {name}`: {error})"));
    assert!(output.status.success(), "`go env {name}` failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("go env prints UTF-8").trim().to_string()
}

/// `go1.26.8` or `go1.27rc1` → (1, 26).
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let digits = version.strip_prefix("go").unwrap_or(version);
    let mut parts = digits.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts.next()?.chars().take_while(char::is_ascii_digit).collect();
    Some((major, minor.parse().ok()?))
}

#[test]
fn version_parsing_reads_releases_and_prereleases() {
    assert_eq!(major_minor("go1.26.8"), Some((1, 26)));
    assert_eq!(major_minor("go1.27rc1"), Some((1, 27)));
    assert_eq!(major_minor("1.27"), Some((1, 27)));
    assert_eq!(major_minor("devel"), None);
}

#[test]
fn grammar_supports_the_installed_go() {
    let toolchain = go_env("GOVERSION");
    let grammar = golint_guard_grammar::NEWEST_GO_VERSION;
    let installed = major_minor(&toolchain).unwrap_or_else(|| panic!("cannot read the Go version `{toolchain}`"));
    let supported = major_minor(grammar).expect("NEWEST_GO_VERSION is major.minor");
    assert!(
        installed <= supported,
        "the Go toolchain is {toolchain}, newer than the newest Go whose syntax the grammar supports \
         ({grammar}). Check that release's language changes, extend grammar/extension.rs where the \
         syntax changed (with corpus tests in grammar/test/corpus), then raise NEWEST_GO_VERSION."
    );
}

#[test]
fn explain_syntax_error_names_the_supported_go_versions() {
    let output = support::golint_guard().args(["explain", "syntax-error"]).output().expect("run golint-guard explain");
    let text = String::from_utf8_lossy(&output.stdout);
    let newest = format!("Go {}", golint_guard_grammar::NEWEST_GO_VERSION);
    assert!(text.contains(&newest), "`explain syntax-error` should say it parses up to {newest}:\n{text}");
}

/// Every file of the standard library parses: the syntax-error check over `$(go env GOROOT)/src`
/// finds nothing. Testdata folders (which hold deliberately broken Go) are skipped as `./...`
/// skips them.
#[test]
fn standard_library_has_no_syntax_error() {
    let src = PathBuf::from(go_env("GOROOT")).join("src");
    assert!(src.is_dir(), "GOROOT/src is not a directory: {}", src.display());
    let output = support::golint_guard()
        .args(["check", "--no-config", "--exit-zero", "--select", "syntax-error", "--format", "json", "./..."])
        .current_dir(&src)
        .output()
        .expect("run golint-guard check");
    assert!(output.status.success(), "check failed: {}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let findings = report["findings"].as_array().expect("findings list");
    let listed: Vec<String> = findings
        .iter()
        .map(|finding| format!("{}:{}: {}", finding["path"], finding["line"], finding["message"]))
        .collect();
    assert!(listed.is_empty(), "{} syntax errors in {}:\n{}", listed.len(), src.display(), listed.join("\n"));
    // The standard library has about five thousand Go files outside testdata.
    let files = report["summary"]["files_checked"].as_u64().expect("summary.files_checked");
    assert!(files > 4000, "only {files} files checked under {}", src.display());
}
