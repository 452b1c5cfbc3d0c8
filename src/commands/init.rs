//! `init`: write a commented default golint-guard.toml.

use crate::app::{AppError, EXIT_CLEAN, print_stderr};
use crate::cli::InitArgs;
use crate::config::CONFIG_FILE_NAME;
use crate::engine::registry::all_rules;
use std::fmt::Write as _;

pub fn run(args: &InitArgs) -> Result<u8, AppError> {
    let path = if args.path.is_dir() { args.path.join(CONFIG_FILE_NAME) } else { args.path.clone() };
    if path.exists() && !args.force {
        return Err(AppError(format!("{} already exists; pass --force to overwrite it", path.display())));
    }
    let text = default_config();
    std::fs::write(&path, &text).map_err(|err| AppError(format!("cannot write {}: {err}", path.display())))?;
    print_stderr(&format!(
        "wrote {} (every key commented out, {} rules listed); edit it, then run `golint-guard check ./...`\n",
        path.display(),
        all_rules().len()
    ));
    Ok(EXIT_CLEAN)
}

/// The default config: every key documented with an example, commented out so that the file
/// changes nothing until it is edited, followed by the list of rule ids.
pub fn default_config() -> String {
    let mut text = String::from(
        r#"# golint-guard configuration. Every key is optional; an empty file means "the default rule set,
# default severities". `check` and `gate` find this file by walking up from the first path they are given;
# `--config FILE` picks another file and `--no-config` ignores it. Unknown keys are errors.

[rules]
# Run only these rules (default: the default set, the rules precise enough to gate CI on; see
# `golint-guard rules`). Built-in checks (syntax-error, unreadable-file, invalid-suppression,
# unused-suppression) always run unless listed in `ignore`.
# `--select` on the command line replaces this list.
# select = ["channel-never-closed", "goroutine-no-exit", "signal-unbuffered"]

# Add rules to the selection: this is how opt-in rules are turned on. `--extend-select` adds to it.
# extend-select = ["explicit-error-discard"]

# Turn these rules off. `--ignore` on the command line adds to this list.
# ignore = ["unused-suppression"]

# Severity overrides: "error", "warning" or "info". `--fail-on` decides which severities fail a run.
[rules.severity]
# unchecked-error = "warning"

# Turn rules off for some files. Globs are relative to this file's directory; a glob without a `/`
# matches a file name in any directory, and a glob naming a directory covers everything below it.
[per-path-ignores]
# "internal/legacy/**" = ["goroutine-no-exit"]
# "*_test.go" = ["panic-control-flow"]

[files]
# Files that are not linted at all (same glob rules). Generated files (`// Code generated ... DO
# NOT EDIT.`), vendor/ and testdata/ are already skipped.
# exclude = ["gen/**", "*.pb.go"]

# Settings for `golint-guard gate` (see `golint-guard gate --help`).
# [gate]
# steps = ["build", "vet", "test", "coverage", "check"]  # also "bench", "gofmt"; coverage implies test
# coverage_min = 80            # total statement coverage, percent (--coverage-min)
# race = true                  # go test -race (--no-race)
# require_race = false        # true: fail (not skip) the race criterion when -race cannot run
# packages = ["./..."]         # package patterns, relative to each module
# tags = []                    # build tags for build, vet and test
# test_flags = []              # extra `go test` flags, e.g. ["-count=1"]
# timeout = "30m"              # per step and module (--timeout)
# bench_time = "1s"            # -benchtime for the benchmark step
#
# [gate.package_coverage_min]  # per-package minimums: import path or ./dir
# "./internal/parser" = 90
#
# [[gate.bench]]               # a benchmark and its targets (gate/bench findings when missed)
# name = "BenchmarkParse"
# package = "./parser"
# max_ns_per_op = 1500
# max_allocs_per_op = 2

# Inline suppressions, for one finding rather than a whole path:
#   //golint-guard:ignore <rule-id>[,<rule-id>] <reason>       this line, or the line below
#   //golint-guard:file-ignore <rule-id>[,<rule-id>] <reason>  the whole file
#   //nolint:<linter-or-rule-id> // <reason>                   as golangci-lint reads it

# The rules (`golint-guard explain <id>` prints one's documentation):
"#,
    );
    let rules = all_rules();
    let width = rules.iter().map(|rule| rule.id.len()).max().unwrap_or(0);
    for rule in rules {
        let _ = writeln!(text, "#   {:<width$}  {:<7}  {}", rule.id, rule.severity.as_str(), rule.summary);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_parses_and_lists_every_rule() {
        let text = default_config();
        let config = crate::config::parse(&text, CONFIG_FILE_NAME).expect("the default config parses");
        assert!(config.select.is_none() && config.ignore.is_empty() && config.exclude.is_none());
        for rule in all_rules() {
            assert!(text.contains(&format!("#   {} ", rule.id)), "{} is listed", rule.id);
        }
    }

    #[test]
    fn every_example_parses_once_uncommented() {
        // Uncommenting the examples (not the prose or the rule list) must give a valid file,
        // apart from rule ids that do not exist yet.
        let examples: String = default_config()
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest) if rest.starts_with(['[', '"']) || rest.contains(" = ") => rest,
                _ => line,
            })
            .map(|line| format!("{line}\n"))
            .collect();
        match crate::config::parse(&examples, CONFIG_FILE_NAME) {
            Ok(_) => {}
            Err(err) => assert!(err.0.contains("unknown rule"), "{err}"),
        }
    }
}
