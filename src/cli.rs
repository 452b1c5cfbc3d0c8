//! The command line (clap derive).

use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "golint-guard", version, about = "A fast Go linter and guardrail checker", max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Go files: `./...`, directories (one package each) or files.
    Check(CheckArgs),
    /// Run the merge criteria: build, vet, tests under -race, coverage, benchmarks, and `check`.
    Gate(GateArgs),
    /// List the rules.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// Write a commented default golint-guard.toml.
    Init(InitArgs),
    /// Manage the result cache (`check` reuses unchanged files' results from it).
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// Run the language server (LSP over stdin/stdout) for editors.
    Server,
    /// Print the syntax tree of a Go file (for writing rule queries).
    #[command(hide = true)]
    DumpTree { file: PathBuf },
    /// Discover, read and parse without running rules: the baseline the benchmarks compare with.
    #[command(hide = true)]
    ParseOnly {
        #[arg(default_value = "./...")]
        paths: Vec<String>,
        #[arg(long, value_parser = parse_threads)]
        threads: Option<usize>,
    },
}

/// The most worker threads a run starts. Each one costs a stack and a parser; thousands of
/// them abort the process (or panic under a memory limit) instead of going faster.
pub const MAX_THREADS: usize = 1024;

/// `--threads N`: 0 means "one per CPU", as it always has; more than [`MAX_THREADS`] is refused.
fn parse_threads(text: &str) -> Result<usize, String> {
    let threads: usize = text.trim().parse().map_err(|_| format!("`{text}` is not a number of threads"))?;
    if threads > MAX_THREADS {
        return Err(format!("{threads} is more than the {MAX_THREADS} threads allowed"));
    }
    Ok(threads)
}

/// `--fail-on`: the same values (and default) as the Action's `fail-on` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    /// Every finding fails the run (`note` is SARIF's name for it).
    #[value(alias = "note")]
    Info,
    /// Findings never fail the run; a tool error still exits 2.
    None,
}

impl FailOn {
    /// The lowest severity that fails the run; `None` for `--fail-on none`.
    pub fn threshold(self) -> Option<crate::diagnostic::Severity> {
        use crate::diagnostic::Severity;
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Flags shared by `check` and `gate`.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format for stdout (or --output).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the main output to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub json_file: Option<PathBuf>,
    /// Also write the SARIF report to this file.
    #[arg(long, value_name = "FILE")]
    pub sarif_file: Option<PathBuf>,
    /// Also write the Markdown summary to this file (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long, value_name = "FILE")]
    pub summary_file: Option<PathBuf>,
    /// Only enable these rules (comma-separated ids); replaces the default set.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Enable these rules on top of the selection, e.g. opt-in rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Disable these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Lowest severity that makes the run fail (exit 1); `none`: findings never do.
    #[arg(long, value_enum, default_value = "warning")]
    pub fail_on: FailOn,
    /// Always exit 0 when the run completes, whatever it found.
    #[arg(long)]
    pub exit_zero: bool,
    /// Worker threads (default: the number of CPUs; at most 1024).
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Use this config file instead of searching for golint-guard.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any golint-guard.toml.
    #[arg(long)]
    pub no_config: bool,
    /// When to use colours in text output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Print nothing but the report itself (no progress or notices).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print a count of findings per rule after the report.
    #[arg(long)]
    pub statistics: bool,
    /// Only report findings on lines added or changed since this git revision.
    #[arg(long, value_name = "REV")]
    pub new_from_rev: Option<String>,
    /// Only report findings on lines changed since the merge base with this branch.
    #[arg(long, value_name = "BRANCH", conflicts_with = "new_from_rev")]
    pub new_from_merge_base: Option<String>,
    /// With --new-from-*, keep every finding in a changed file, not only on changed lines.
    #[arg(long)]
    pub whole_files: bool,
    /// Hide findings recorded in this baseline file (written with --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Make paths in SARIF and annotations relative to this directory (default: the git root).
    #[arg(long, value_name = "DIR")]
    pub repo_root: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Go package patterns: `./...`, `dir/...`, a directory or a file.
    #[arg(default_value = "./...")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Apply safe fixes.
    #[arg(long)]
    pub fix: bool,
    /// With --fix or --diff, also apply fixes that may change behaviour.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,
    /// Write every current finding to this baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Lint every file anew: neither read nor write the result cache.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Subcommand)]
pub enum CacheAction {
    /// Print the cache directory ($GOLINT_GUARD_CACHE_DIR, else the user's cache directory).
    Dir,
    /// Remove every cached result.
    Clean,
}

#[derive(Debug, Args)]
pub struct GateArgs {
    /// The module (or go.work workspace) directory to gate.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Minimum total coverage in percent (overrides [gate].coverage_min).
    #[arg(long, value_name = "PERCENT")]
    pub coverage_min: Option<f64>,
    /// Steps to run (comma-separated): build,vet,test,coverage,bench,gofmt,check.
    #[arg(long, value_delimiter = ',', value_name = "STEPS")]
    pub steps: Vec<String>,
    /// Run tests without the race detector.
    #[arg(long)]
    pub no_race: bool,
    /// Per-step timeout in seconds (overrides [gate].timeout).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// `text` for a table, `json` for machine use.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id.
    pub rule: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the file.
    #[arg(default_value = "golint-guard.toml")]
    pub path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}
