//! `check`: lint paths, optionally fix, report in every requested format, exit 0/1/2.

use crate::app::{AppError, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, print_stderr, print_stdout};
use crate::cli::{CheckArgs, ColorChoice, OutputArgs};
use crate::config::{self, Settings};
use crate::diagnostic::Finding;
use crate::fix;
use crate::lint::{self, LintOutcome};
use crate::report::{self, Criterion, Format, ReportInput};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub fn run(args: CheckArgs) -> Result<u8, AppError> {
    let settings = config::resolve(&args.output, &args.paths).map_err(|err| AppError(err.to_string()))?;
    let threads = thread_count(&args.output);
    crate::progress::enable(crate::progress::wanted(args.output.quiet, std::io::stderr().is_terminal()));
    let cache = if args.no_cache { None } else { crate::cache::default_dir() }
        .map(|root| crate::cache::ResultCache::open(&root, &settings));
    let lint = |settings: &Settings| {
        lint::lint_patterns_cached(&args.paths, settings, threads, cache.as_ref()).map_err(|err| AppError(err.0))
    };
    let mut outcome = lint(&settings)?;
    refuse_empty_run(&outcome, &settings)?;
    if let Ok(Some(stage)) = crate::engine::BenchStage::from_env() {
        print_stderr(&format!(
            "golint-guard: {}={} stops every file part-way, for benches: these findings are not a full check\n",
            crate::engine::BenchStage::ENV,
            stage.name()
        ));
    }

    let mut fix_failed = false;
    if args.fix || args.diff {
        let mode = fix::FixMode { include_unsafe: args.unsafe_fixes, write: !args.diff };
        let report = fix::fix_outcome(&outcome, &settings, mode).map_err(AppError)?;
        if args.diff {
            print_stdout(&report.diff)?;
        }
        // Files not written, and what an interrupted run did write, are shown even with --quiet.
        if !args.output.quiet || report.failed() || report.interrupted_by.is_some() {
            print_stderr(&report.summary());
        }
        if let Some(signal) = report.interrupted_by {
            return Ok(fix::interrupt::exit_status(signal));
        }
        fix_failed = report.failed();
        if !args.diff {
            // Report what is left after fixing (fixed files have new content: new cache keys).
            outcome = lint(&settings)?;
        }
    }
    if let Some(cache) = &cache {
        // At most once a day; the common case reads one small file.
        cache.trim();
    }
    if let Some(cache) = &cache
        && std::env::var_os(crate::cache::STATS_ENV).is_some()
    {
        let stats = cache.stats();
        print_stderr(&format!(
            "cache: {} hits, {} misses ({} entries rejected), {} stored\n",
            stats.hits, stats.misses, stats.rejected, stats.stored
        ));
        print_stderr(&format!("cache snapshots: {} of {} module groups found\n", stats.groups_replayed, stats.groups));
        print_stderr(&format!("cache scans: {} found, {} stored\n", stats.scans_found, stats.scans_stored));
    }

    if let Some(path) = &args.write_baseline {
        // Writing a baseline accepts today's findings: say what was recorded, not the report,
        // and do not fail on the findings just accepted.
        crate::baseline::write(path, &outcome).map_err(AppError)?;
        if !args.output.quiet {
            print_stderr(&format!(
                "wrote {} to {} (use it with --baseline {})\n",
                report::plural(outcome.findings.len(), "finding", "findings"),
                path.display(),
                path.display()
            ));
        }
        return Ok(EXIT_CLEAN);
    }
    filter_findings(&args.output, &mut outcome)?;

    emit_reports(&args.output, &outcome, &settings, None, args.diff)?;
    if fix_failed {
        // Not a clean run even with --exit-zero: some fixes the user asked for were not written.
        print_stderr("golint-guard: error: --fix left some files unwritten (listed above)\n");
        return Ok(EXIT_ERROR);
    }
    Ok(exit_code(&args.output, &outcome.findings, false))
}

/// A run that checked nothing is not a pass: a directory argument without Go files (as `go vet`
/// says "no Go files"), or an `exclude` that removed every file found.
fn refuse_empty_run(outcome: &LintOutcome, settings: &Settings) -> Result<(), AppError> {
    let discovery = &outcome.discovery;
    if let Some(dir) = discovery.empty_targets.first() {
        let dir = if dir.is_empty() { "." } else { dir.trim_end_matches('/') };
        let suggestion = if dir == "." { "./...".to_string() } else { format!("{dir}/...") };
        return Err(AppError(format!("no Go files in `{dir}`; to lint every package below it, use `{suggestion}`")));
    }
    if outcome.files_checked > 0 || !discovery.unreadable.is_empty() {
        return Ok(());
    }
    let mut causes = Vec::new();
    if discovery.excluded > 0 {
        let config =
            settings.config_path.as_deref().map_or_else(|| "the config".into(), |path| path.display().to_string());
        let patterns: Vec<String> = settings.exclude_patterns.iter().map(|pattern| format!("`{pattern}`")).collect();
        causes.push(format!(
            "{} excluded by [files] exclude = [{}] in {config}",
            discovery.excluded,
            patterns.join(", ")
        ));
    }
    if outcome.files_generated > 0 {
        causes.push(format!("{} generated (`// Code generated ... DO NOT EDIT.`)", outcome.files_generated));
    }
    if outcome.files_constrained > 0 {
        causes
            .push(format!("{} excluded by a build constraint such as `//go:build ignore`", outcome.files_constrained));
    }
    if !causes.is_empty() {
        return Err(AppError(format!("no file was checked: of the Go files found, {}", causes.join("; "))));
    }
    Ok(())
}

pub fn thread_count(output: &OutputArgs) -> usize {
    output.threads.filter(|&n| n > 0).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// Baseline and diff filters (they hide findings; they never add any).
pub fn filter_findings(output: &OutputArgs, outcome: &mut LintOutcome) -> Result<(), AppError> {
    if let Some(path) = &output.baseline {
        let baseline = crate::baseline::read(path).map_err(AppError)?;
        outcome.findings.retain(|finding| !baseline.contains(finding, &outcome.sources));
    }
    crate::diff::filter_findings(output, &mut outcome.findings).map_err(AppError)?;
    Ok(())
}

/// Write the main output and the extra output files.
pub fn emit_reports(
    output: &OutputArgs,
    outcome: &LintOutcome,
    settings: &Settings,
    criteria: Option<&[Criterion]>,
    main_output_already_used: bool,
) -> Result<(), AppError> {
    // Reports render file by file on `--threads` workers, as the lint did.
    let threads = thread_count(output);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|err| AppError(format!("cannot start {threads} worker threads: {err}")))?;
    let rules = settings.enabled_rules();
    let format = output.format.unwrap_or(Format::Text);
    let to_terminal = output.output.is_none() && std::io::stdout().is_terminal();
    let color = use_color(output.color, to_terminal, |name| std::env::var_os(name));
    let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
    let input = ReportInput {
        findings: &outcome.findings,
        sources: &outcome.sources,
        rules: &rules,
        files_checked: outcome.files_checked,
        criteria,
        path_prefix: repo_prefix(output.repo_root.as_deref()),
        color,
        width,
    };
    let mut main = pool.install(|| report::render(format, &input));
    if format == Format::Text {
        // A big run is read from its last screen: end with what was found, errors first.
        main.push_str(&report::text::rule_summary(&outcome.findings));
    }
    match &output.output {
        Some(path) => write_file(path, &main)?,
        None if !main_output_already_used => print_stdout(&main)?,
        None => {}
    }
    let extra = [
        (&output.json_file, Format::Json),
        (&output.sarif_file, Format::Sarif),
        (&output.summary_file, Format::Summary),
    ];
    for (path, format) in extra {
        if let Some(path) = path {
            let plain = ReportInput { color: false, ..clone_input(&input) };
            let text = pool.install(|| report::render(format, &plain));
            if format == Format::Summary {
                append_file(path, &text)?;
            } else {
                write_file(path, &text)?;
            }
        }
    }
    if output.statistics {
        print_stderr(&statistics(&outcome.findings));
    }
    if !output.quiet && matches!(format, Format::Text | Format::Concise) {
        let (errors, warnings, infos) = report::severity_counts(&outcome.findings);
        print_stderr(&format!(
            "{} checked: {}, {}, {infos} info\n",
            report::plural(outcome.files_checked, "file", "files"),
            report::plural(errors, "error", "errors"),
            report::plural(warnings, "warning", "warnings"),
        ));
    }
    Ok(())
}

/// Colour for text output. `--color always|never` wins; otherwise the conventions
/// (no-color.org, bixense.com/clicolors): a non-empty `NO_COLOR` turns colour off, a
/// `CLICOLOR_FORCE` other than `0` turns it on even when not on a terminal, and `CLICOLOR=0`
/// turns it off on a terminal.
fn use_color(choice: ColorChoice, to_terminal: bool, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    let set = |name: &str| var(name).is_some_and(|value| !value.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto if set("CLICOLOR_FORCE") && var("CLICOLOR_FORCE").is_none_or(|value| value != "0") => true,
        ColorChoice::Auto => to_terminal && var("CLICOLOR").is_none_or(|value| value != "0"),
    }
}

fn clone_input<'a>(input: &ReportInput<'a>) -> ReportInput<'a> {
    ReportInput {
        findings: input.findings,
        sources: input.sources,
        rules: input.rules,
        files_checked: input.files_checked,
        criteria: input.criteria,
        path_prefix: input.path_prefix.clone(),
        color: input.color,
        width: input.width,
    }
}

/// The prefix that makes a display path relative to the repository root: `--repo-root`, else
/// the git top level, else none.
pub fn repo_prefix(repo_root: Option<&Path>) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let root = match repo_root {
        Some(root) => std::path::absolute(root).ok()?,
        None => {
            let output = std::process::Command::new("git")
                .args(["rev-parse", "--show-toplevel"])
                .stderr(std::process::Stdio::null())
                .output()
                .ok()?;
            if !output.status.success() {
                return None;
            }
            PathBuf::from(String::from_utf8(output.stdout).ok()?.trim())
        }
    };
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    let root = root.canonicalize().unwrap_or(root);
    let prefix = cwd.strip_prefix(&root).ok()?;
    (!prefix.as_os_str().is_empty()).then(|| prefix.to_path_buf())
}

pub fn write_file(path: &Path, text: &str) -> Result<(), AppError> {
    std::fs::write(path, text).map_err(|err| AppError(format!("cannot write {}: {err}", path.display())))
}

fn append_file(path: &Path, text: &str) -> Result<(), AppError> {
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|err| AppError(format!("cannot write {}: {err}", path.display())))
}

/// `--statistics`: a count per rule and severity (a rule with mixed severities has a row each).
pub fn statistics(findings: &[Finding]) -> String {
    let mut out = String::new();
    for (rule, severity, count) in report::counts_by_rule_and_severity(findings) {
        out.push_str(&format!("{count:>6}  {rule:<32} {severity}\n"));
    }
    out
}

/// 0, or 1 when a finding is at or above `--fail-on` (or a gate criterion failed).
pub fn exit_code(output: &OutputArgs, findings: &[Finding], criteria_failed: bool) -> u8 {
    if output.exit_zero {
        return EXIT_CLEAN;
    }
    let Some(threshold) = output.fail_on.threshold() else { return EXIT_CLEAN };
    if criteria_failed || findings.iter().any(|finding| finding.severity >= threshold) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_follows_no_color_and_clicolor_force() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.into())
        };
        assert!(use_color(ColorChoice::Auto, true, env(&[])));
        assert!(!use_color(ColorChoice::Auto, false, env(&[])));
        assert!(!use_color(ColorChoice::Auto, true, env(&[("NO_COLOR", "1")])));
        assert!(use_color(ColorChoice::Auto, true, env(&[("NO_COLOR", "")])), "an empty NO_COLOR is unset");
        assert!(use_color(ColorChoice::Auto, false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!use_color(ColorChoice::Auto, false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!use_color(ColorChoice::Auto, false, env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])));
        assert!(!use_color(ColorChoice::Auto, true, env(&[("CLICOLOR", "0")])));
        assert!(use_color(ColorChoice::Always, false, env(&[("NO_COLOR", "1")])), "the flag wins");
        assert!(!use_color(ColorChoice::Never, true, env(&[("CLICOLOR_FORCE", "1")])));
    }
}
