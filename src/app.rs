//! Wires the commands together; the only place (with the reporters' callers) that writes to
//! stdout and stderr.

use crate::cli::{Cli, Command};
use crate::commands;
use clap::Parser;
use std::io::Write;

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
        Command::DumpTree { file } => commands::dump_tree(&file),
        Command::ParseOnly { paths, threads } => commands::parse_only(&paths, threads),
    }
}

/// Write `text` to stdout, treating a closed pipe (`| head`) as success.
pub fn print_stdout(text: &str) -> Result<(), AppError> {
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
