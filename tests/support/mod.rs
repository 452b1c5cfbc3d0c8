//! The one way the integration tests start the binary: with its result cache in a directory of
//! the test run's own (under the target dir, emptied when the test binary first uses it), so a
//! test run never writes to, or reads from, the user's cache directory.

#![allow(dead_code)] // Each test binary uses some of these.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_golint-guard");

/// `golint-guard` (or `program`, for a wrapper such as `sh -c` that runs it) with the test
/// run's cache directory.
pub fn golint_guard() -> Command {
    command(BIN)
}

/// `program` with the test run's cache directory in its environment.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.env("GOLINT_GUARD_CACHE_DIR", cache_dir());
    // A bench stage left set in the shell would stop every check part-way.
    command.env_remove("GOLINT_GUARD_BENCH_STAGE");
    command
}

/// This test binary's cache directory: `$CARGO_TARGET_TMPDIR/result-cache/<test binary>`,
/// emptied on first use so entries never carry over from an earlier run.
pub fn cache_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let binary = std::env::current_exe().ok().and_then(|exe| exe.file_stem().map(|stem| stem.to_owned()));
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("result-cache").join(binary.unwrap_or_else(|| "tests".into()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the tests' cache directory");
        dir
    })
}
