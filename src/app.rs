//! Wires the commands together; the only place (with the reporters' callers) that writes to
//! stdout and stderr.

use crate::cli::{Cli, Command};
use crate::commands;
use clap::Parser;
use std::io::Write;
#[cfg(target_os = "linux")]
use std::path::Path;

/// Exit statuses (DESIGN.md, "Exit codes").
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// A tool error: usage, config, I/O or internal. Always exit 2.
#[derive(Debug)]
pub struct AppError(pub String);

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AppError {}

impl From<String> for AppError {
    fn from(message: String) -> AppError {
        AppError(message)
    }
}

pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return match err.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => EXIT_CLEAN,
                _ => EXIT_ERROR,
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "golint-guard: error: {err}");
            EXIT_ERROR
        }
    }
}

pub fn run(cli: Cli) -> Result<u8, AppError> {
    match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Gate(args) => commands::gate::run(args),
        Command::Rules(args) => commands::rules::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Init(args) => commands::init::run(&args),
        Command::Cache { action } => commands::cache::run(&action),
        Command::Server => crate::server::run(),
        Command::DumpTree { file } => commands::dump_tree(&file),
        Command::ParseOnly { paths, threads } => commands::parse_only(&paths, threads),
    }
}

/// Write `text` to stdout, treating a closed pipe (`| head`) as success. A stdout that was
/// closed when the run started is an error: the report would be lost without a word.
pub fn print_stdout(text: &str) -> Result<(), AppError> {
    if !text.is_empty() && stdout_was_closed() {
        return Err(AppError(
            "cannot write the report: stdout is closed (redirect it to a file, or use --output FILE)".into(),
        ));
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(AppError(format!("cannot write to stdout: {err}"))),
    }
}

pub fn print_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Whether the process started with stdout closed (`cmd >&-`). Rust's runtime reopens a closed
/// standard descriptor on `/dev/null`, read-write, before `main`, so writes to it "succeed"; a
/// shell's `>/dev/null` opens it write-only. So: `/dev/null` open read-write on fd 1 means it
/// was closed. (`1<>/dev/null` looks the same, and is taken as closed too.)
#[cfg(target_os = "linux")]
fn stdout_was_closed() -> bool {
    static CLOSED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CLOSED.get_or_init(|| {
        let is_dev_null = std::fs::read_link("/proc/self/fd/1").is_ok_and(|target| target == Path::new("/dev/null"));
        if !is_dev_null {
            return false;
        }
        // `flags:` is octal; the low two bits are the access mode, 2 = O_RDWR.
        let Ok(info) = std::fs::read_to_string("/proc/self/fdinfo/1") else { return false };
        info.lines()
            .find_map(|line| line.strip_prefix("flags:"))
            .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
            .is_some_and(|flags| flags & 0o3 == 0o2)
    })
}

#[cfg(not(target_os = "linux"))]
fn stdout_was_closed() -> bool {
    false
}
