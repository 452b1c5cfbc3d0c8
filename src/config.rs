//! Settings: which rules run, at what severity, and where. Built from `golint-guard.toml`
//! (found by walking up from the target) and the command line.

use crate::diagnostic::{Finding, Severity};
use crate::engine::registry::all_rules;
use crate::engine::rule::Rule;
use globset::GlobSet;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The resolved settings one run uses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Ids of the enabled rules (built-in checks included).
    pub enabled: BTreeSet<&'static str>,
    pub severity_overrides: BTreeMap<&'static str, Severity>,
    /// Per-path ignores: files matching the glob set do not report these rules.
    pub per_path_ignores: Vec<PathIgnore>,
    /// Files matching these globs are not linted at all.
    pub exclude: Option<GlobSet>,
    /// Directory that config globs are relative to (the config file's directory, or `.`).
    pub root: PathBuf,
    /// The config file in use, if any.
    pub config_path: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct PathIgnore {
    pub globs: GlobSet,
    pub pattern: String,
    pub rules: BTreeSet<&'static str>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            enabled: all_rules().iter().map(|rule| rule.id).collect(),
            severity_overrides: BTreeMap::new(),
            per_path_ignores: Vec::new(),
            exclude: None,
            root: PathBuf::from("."),
            config_path: None,
        }
    }
}

impl Settings {
    /// Settings with exactly these rules enabled (used by the fixture harness).
    pub fn only(ids: &[&str]) -> Settings {
        let enabled = all_rules().iter().filter(|rule| ids.contains(&rule.id)).map(|rule| rule.id).collect();
        Settings { enabled, ..Settings::default() }
    }

    pub fn enabled_rules(&self) -> Vec<&'static Rule> {
        all_rules().into_iter().filter(|rule| self.enabled.contains(rule.id)).collect()
    }

    /// Gate findings (`gate/*`, `vet/*`) are always enabled; rules follow the selection.
    pub fn rule_enabled(&self, id: &str) -> bool {
        id.contains('/') || self.enabled.contains(id)
    }

    pub fn severity_of(&self, rule: &Rule) -> Severity {
        self.severity_overrides.get(rule.id).copied().unwrap_or(rule.severity)
    }

    fn relative_to_root<'p>(&self, path: &'p Path) -> &'p Path {
        path.strip_prefix(&self.root).or_else(|_| path.strip_prefix("./")).unwrap_or(path)
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|globs| globs.is_match(self.relative_to_root(path)))
    }

    /// Apply severity overrides and per-path ignores to one file's findings.
    pub fn apply_to_file(&self, path: &Path, findings: &mut Vec<Finding>) {
        let relative = self.relative_to_root(path);
        let ignored: BTreeSet<&str> = self
            .per_path_ignores
            .iter()
            .filter(|ignore| ignore.globs.is_match(relative))
            .flat_map(|ignore| ignore.rules.iter().copied())
            .collect();
        findings.retain(|finding| !ignored.contains(finding.rule.as_str()));
        for finding in findings.iter_mut() {
            if let Some(&severity) = self.severity_overrides.get(finding.rule.as_str()) {
                finding.severity = severity;
            }
        }
    }
}

/// A config or command-line problem: exit 2, naming the file and line where there is one.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Build the settings for a run from the config file (found by walking up from the first
/// target, or given with --config) and the command-line flags.
pub fn resolve(_output: &crate::cli::OutputArgs, _targets: &[String]) -> Result<Settings, ConfigError> {
    Ok(Settings::default())
}
