//! Settings: which rules run, at what severity, and where. Built from `golint-guard.toml`
//! (found by walking up from the target) and the command line.

use crate::cli::OutputArgs;
use crate::diagnostic::{Finding, Severity};
use crate::engine::registry::{all_rules, resolve_rule_name, suggest_rule};
use crate::engine::rule::{Rule, RuleSet};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file name `check` and `gate` look for, walking up from the first target.
pub const CONFIG_FILE_NAME: &str = "golint-guard.toml";

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
    /// The `[files] exclude` patterns as written, for messages.
    pub exclude_patterns: Vec<String>,
    /// Directory that config globs are relative to (the config file's directory, or `.`).
    pub root: PathBuf,
    /// The config file in use, if any.
    pub config_path: Option<PathBuf>,
    /// The raw `[gate]` table; the gate command parses and validates it itself.
    pub gate: Option<toml::Table>,
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
            enabled: all_rules().iter().filter(|rule| rule.set == RuleSet::Default).map(|rule| rule.id).collect(),
            severity_overrides: BTreeMap::new(),
            per_path_ignores: Vec::new(),
            exclude: None,
            exclude_patterns: Vec::new(),
            root: PathBuf::from("."),
            config_path: None,
            gate: None,
        }
    }
}

impl Settings {
    /// Every rule enabled, opt-in ones included: for the fuzz targets, which must reach all code.
    pub fn every_rule() -> Settings {
        Settings { enabled: all_rules().iter().map(|rule| rule.id).collect(), ..Settings::default() }
    }

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

    /// `path` relative to the config directory, for glob matching. Paths arrive in several
    /// shapes (`./pkg/a.go`, `pkg/a.go`, absolute, relative to a cwd that is not the config
    /// directory), so both sides are made absolute and cleaned first. A file outside the config
    /// directory keeps its absolute path, which `**/` patterns can still match.
    fn relative_to_root(&self, path: &Path) -> PathBuf {
        let root = crate::discover::absolute_normalized(&self.root);
        let path = crate::discover::absolute_normalized(path);
        match path.strip_prefix(&root) {
            Ok(relative) => relative.to_path_buf(),
            Err(_) => path,
        }
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|globs| !globs.is_empty() && globs.is_match(self.relative_to_root(path)))
    }

    /// The rules that `[per-path-ignores]` turns off for this file.
    pub fn path_ignored_rules(&self, path: &Path) -> BTreeSet<&'static str> {
        if self.per_path_ignores.is_empty() {
            return BTreeSet::new();
        }
        let relative = self.relative_to_root(path);
        self.per_path_ignores
            .iter()
            .filter(|ignore| ignore.globs.is_match(&relative))
            .flat_map(|ignore| ignore.rules.iter().copied())
            .collect()
    }

    /// Apply severity overrides and per-path ignores to one file's findings.
    pub fn apply_to_file(&self, path: &Path, findings: &mut Vec<Finding>) {
        let ignored = self.path_ignored_rules(path);
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
pub fn resolve(output: &OutputArgs, targets: &[String]) -> Result<Settings, ConfigError> {
    let config_path = if output.no_config {
        None
    } else if let Some(path) = &output.config {
        Some(path.clone())
    } else {
        find_config(&search_start(targets))
    };
    let mut config = match &config_path {
        Some(path) => load(path)?,
        None => FileConfig::default(),
    };
    let cli_select = cli_rule_ids(&output.select)?;
    if !cli_select.is_empty() {
        config.select = Some(cli_select);
    }
    config.extend_select.extend(cli_rule_ids(&output.extend_select)?);
    config.ignore.extend(cli_rule_ids(&output.ignore)?);
    let root = match &config_path {
        Some(path) => {
            crate::discover::absolute_normalized(path).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        }
        None => PathBuf::from("."),
    };
    Ok(config.into_settings(root, config_path))
}

/// The settings for files under `dir` with no command-line flags, as `check` resolves them:
/// the nearest golint-guard.toml walking up from `dir`, else the defaults. Returns the config
/// file found (so a caller can cache by it) with the settings or the config's error.
pub fn resolve_for_dir(dir: &Path) -> (Option<PathBuf>, Result<Settings, ConfigError>) {
    let config_path = find_config(dir);
    let settings = match &config_path {
        Some(path) => load(path).map(|config| {
            let root = crate::discover::absolute_normalized(path)
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            config.into_settings(root, Some(path.clone()))
        }),
        None => Ok(FileConfig::default().into_settings(PathBuf::from("."), None)),
    };
    (config_path, settings)
}

/// Read and validate one config file.
pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        let reason = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => err.to_string(),
        };
        ConfigError(format!("cannot read config file {}: {reason}", shown_path(path)))
    })?;
    parse(&text, &shown_path(path))
}

/// A validated config file, before the command line is applied.
#[derive(Debug, Default)]
pub struct FileConfig {
    /// `None`: the default set.
    pub select: Option<Vec<&'static str>>,
    /// Rules added on top of `select` (or of the default set): how opt-in rules are turned on.
    pub extend_select: Vec<&'static str>,
    pub ignore: Vec<&'static str>,
    pub severity_overrides: BTreeMap<&'static str, Severity>,
    pub per_path_ignores: Vec<PathIgnore>,
    pub exclude: Option<GlobSet>,
    pub exclude_patterns: Vec<String>,
    pub gate: Option<toml::Table>,
}

impl FileConfig {
    /// Built-in checks (suppression hygiene, syntax errors, unreadable files) stay on whatever
    /// `select` says, so narrowing the rule set never hides a file that was not linted; they
    /// can still be ignored by id.
    fn into_settings(self, root: PathBuf, config_path: Option<PathBuf>) -> Settings {
        let ignored: BTreeSet<&str> = self.ignore.iter().copied().collect();
        let enabled = all_rules()
            .into_iter()
            .filter(|rule| {
                rule.is_builtin()
                    || self.extend_select.contains(&rule.id)
                    || match &self.select {
                        Some(selected) => selected.contains(&rule.id),
                        None => rule.set == RuleSet::Default,
                    }
            })
            .map(|rule| rule.id)
            .filter(|id| !ignored.contains(id))
            .collect();
        Settings {
            enabled,
            severity_overrides: self.severity_overrides,
            per_path_ignores: self.per_path_ignores,
            exclude: self.exclude,
            exclude_patterns: self.exclude_patterns,
            root,
            config_path,
            gate: self.gate,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: RawRules,
    #[serde(default, rename = "per-path-ignores")]
    per_path_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    #[serde(default)]
    files: RawFiles,
    #[serde(default)]
    gate: Option<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    select: Option<Vec<Spanned<String>>>,
    #[serde(default, rename = "extend-select")]
    extend_select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFiles {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

/// The keys each table accepts, to name the table in "unknown key" errors (serde's message
/// lists the expected fields but not where they belong).
const TABLES: &[(&str, &[&str])] = &[
    ("the top level", &["rules", "per-path-ignores", "files", "gate"]),
    ("[rules]", &["select", "extend-select", "ignore", "severity"]),
    ("[files]", &["exclude"]),
];

/// Parse and validate config text; `name` is how errors refer to the file.
pub fn parse(text: &str, name: &str) -> Result<FileConfig, ConfigError> {
    let located = Located { text, name };
    let raw: RawConfig = toml::from_str(text).map_err(|err| located.toml_error(&err))?;

    let select = raw.rules.select.as_ref().map(|ids| located.rule_ids(ids)).transpose()?;
    let extend_select = located.rule_ids(&raw.rules.extend_select)?;
    let ignore = located.rule_ids(&raw.rules.ignore)?;
    let mut severity_overrides = BTreeMap::new();
    for (id, value) in &raw.rules.severity {
        let rules = located.rule_id(id)?;
        let severity = Severity::parse(value.get_ref()).ok_or_else(|| {
            located.error(
                value.span(),
                &format!(
                    "invalid severity `{}` for `{}`; expected one of: error, warning, info",
                    value.get_ref(),
                    id.get_ref()
                ),
            )
        })?;
        for rule in rules {
            severity_overrides.insert(rule, severity);
        }
    }
    let mut per_path_ignores = Vec::new();
    for (pattern, ids) in &raw.per_path_ignores {
        let globs = located.globs(std::slice::from_ref(pattern))?;
        let rules = located.rule_ids(ids)?.into_iter().collect();
        per_path_ignores.push(PathIgnore { globs, pattern: pattern.get_ref().clone(), rules });
    }
    for pattern in &raw.files.exclude {
        // `""`, `"./"`, `"/"` or `"**"` would exclude every file and turn the linter off
        // without a word.
        let core = pattern.get_ref().trim().trim_start_matches("./").trim_matches('/');
        if core.is_empty() || core == "." || core.chars().all(|c| c == '*' || c == '/') {
            return Err(located.error(
                pattern.span(),
                &format!(
                    "exclude pattern `{}` matches every file; name the files or directories to skip",
                    pattern.get_ref()
                ),
            ));
        }
    }
    let exclude = if raw.files.exclude.is_empty() { None } else { Some(located.globs(&raw.files.exclude)?) };
    let exclude_patterns = raw.files.exclude.iter().map(|pattern| pattern.get_ref().clone()).collect();
    Ok(FileConfig {
        select,
        extend_select,
        ignore,
        severity_overrides,
        per_path_ignores,
        exclude,
        exclude_patterns,
        gate: raw.gate,
    })
}

/// Config text plus its name, for errors of the form `file:line:column: message`.
struct Located<'a> {
    text: &'a str,
    name: &'a str,
}

impl Located<'_> {
    fn error(&self, span: Range<usize>, message: &str) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError(format!("{}:{line}:{column}: {message}", self.name))
    }

    fn toml_error(&self, err: &toml::de::Error) -> ConfigError {
        // serde speaks of sequences and maps; the file has arrays and tables.
        let message = unknown_key_message(err.message()).unwrap_or_else(|| {
            err.message()
                .trim()
                .replace("expected a sequence", "expected an array")
                .replace("expected a map", "expected a table")
        });
        match err.span() {
            Some(span) => self.error(span, &message),
            None => ConfigError(format!("{}: {message}", self.name)),
        }
    }

    /// One name's rules: a rule id gives one, a golangci-lint linter name all it maps to.
    fn rule_id(&self, id: &Spanned<String>) -> Result<Vec<&'static str>, ConfigError> {
        lookup_rules(id.get_ref()).map_err(|message| self.error(id.span(), &message))
    }

    fn rule_ids(&self, ids: &[Spanned<String>]) -> Result<Vec<&'static str>, ConfigError> {
        let mut rules = Vec::new();
        for id in ids {
            rules.extend(self.rule_id(id)?);
        }
        Ok(rules)
    }

    fn globs(&self, patterns: &[Spanned<String>]) -> Result<GlobSet, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            add_glob(&mut builder, pattern.get_ref()).map_err(|err| {
                self.error(pattern.span(), &format!("invalid glob `{}`: {}", pattern.get_ref(), err.kind()))
            })?;
        }
        builder.build().map_err(|err| ConfigError(format!("{}: invalid glob: {err}", self.name)))
    }
}

/// Add a config glob with gitignore-like meaning: a pattern without `/` matches a name in any
/// directory, and a pattern that names a directory covers everything below it.
fn add_glob(builder: &mut GlobSetBuilder, pattern: &str) -> Result<(), globset::Error> {
    let trimmed = pattern.trim().trim_start_matches("./").trim_end_matches('/');
    let anchored = trimmed.contains('/');
    let trimmed = trimmed.trim_start_matches('/');
    let base = if anchored { trimmed.to_string() } else { format!("**/{trimmed}") };
    for glob in [base.clone(), format!("{base}/**")] {
        builder.add(GlobBuilder::new(&glob).literal_separator(true).build()?);
    }
    Ok(())
}

/// Resolve a rule id, an old id, or a golangci-lint linter name (every rule it maps to), or
/// explain what is wrong with it.
fn lookup_rules(id: &str) -> Result<Vec<&'static str>, String> {
    match resolve_rule_name(id) {
        Some(rules) => Ok(rules.into_iter().map(|rule| rule.id).collect()),
        None => Err(unknown_rule_message(id)),
    }
}

pub fn unknown_rule_message(id: &str) -> String {
    match suggest_rule(id) {
        Some(suggestion) => format!("unknown rule `{id}`; did you mean `{suggestion}`?"),
        None => format!("unknown rule `{id}`; run `golint-guard rules` to list the rule ids"),
    }
}

fn cli_rule_ids(ids: &[String]) -> Result<Vec<&'static str>, ConfigError> {
    let mut rules = Vec::new();
    for id in ids.iter().map(|id| id.trim()).filter(|id| !id.is_empty()) {
        rules.extend(lookup_rules(id).map_err(ConfigError)?);
    }
    Ok(rules)
}

/// Rewrite serde's "unknown field `x`, expected one of `a`, `b`" into our wording, naming the
/// table the key was found in.
fn unknown_key_message(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, expected) = rest.split_once('`')?;
    let expected: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let table = TABLES
        .iter()
        .find(|(_, keys)| keys.len() == expected.len() && keys.iter().all(|k| expected.contains(k)))
        .map_or("this table", |(table, _)| table);
    let suggestion = expected
        .iter()
        .map(|candidate| (strsim::jaro_winkler(key, candidate), candidate))
        .filter(|(score, _)| *score > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| format!("did you mean `{candidate}`? "))
        .unwrap_or_default();
    Some(format!("unknown key `{key}` in {table}; {suggestion}expected one of: {}", expected.join(", ")))
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Where the config search starts: the directory of the first target (`dir/...` → `dir`, a
/// file → its directory), or `.`.
fn search_start(targets: &[String]) -> PathBuf {
    let Some(first) = targets.first() else { return PathBuf::from(".") };
    let base = match first.strip_suffix("/...").or_else(|| first.strip_suffix("\\...")) {
        Some("") => "/",
        Some(prefix) => prefix,
        None if first == "..." => ".",
        None => first,
    };
    let path = PathBuf::from(base);
    if path.is_file() {
        return path.parent().filter(|parent| !parent.as_os_str().is_empty()).map_or_else(|| ".".into(), Into::into);
    }
    path
}

/// The nearest golint-guard.toml in `start` or one of its parents.
fn find_config(start: &Path) -> Option<PathBuf> {
    crate::discover::absolute_normalized(start)
        .ancestors()
        .map(|dir| dir.join(CONFIG_FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// A path as errors show it: relative to the working directory when it is inside it.
fn shown_path(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            crate::discover::absolute_normalized(path)
                .strip_prefix(crate::discover::absolute_normalized(&cwd))
                .ok()
                .map(Path::to_path_buf)
        })
        .filter(|relative| !relative.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf());
    shown.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> String {
        parse(text, "golint-guard.toml").expect_err("config should be rejected").0
    }

    #[test]
    fn empty_config_enables_every_rule() {
        let config = parse("", "golint-guard.toml").unwrap();
        let settings = config.into_settings(".".into(), None);
        assert_eq!(settings.enabled, Settings::default().enabled);
    }

    #[test]
    fn full_config_parses() {
        let text = r#"
[rules]
select = ["signal-unbuffered"]
ignore = ["unused-suppression"]
[rules.severity]
signal-unbuffered = "warning"
[per-path-ignores]
"internal/legacy/**" = ["signal-unbuffered"]
[files]
exclude = ["gen/**", "*.pb.go"]
[gate]
coverage_min = 80.0
[gate.bench]
anything = "kept raw"
"#;
        let config = parse(text, "golint-guard.toml").unwrap();
        assert_eq!(config.select, Some(vec!["signal-unbuffered"]));
        assert_eq!(config.severity_overrides.get("signal-unbuffered"), Some(&Severity::Warning));
        let settings = config.into_settings("/repo".into(), None);
        assert!(settings.enabled.contains("signal-unbuffered"));
        assert!(settings.enabled.contains("invalid-suppression"), "built-in checks stay on");
        assert!(!settings.enabled.contains("unused-suppression"));
        assert!(settings.gate.as_ref().is_some_and(|gate| gate.contains_key("bench")));
        assert!(settings.is_excluded(Path::new("/repo/gen/x.go")));
        assert!(settings.is_excluded(Path::new("/repo/deep/api.pb.go")));
        assert!(!settings.is_excluded(Path::new("/repo/pkg/a.go")));
        assert_eq!(settings.path_ignored_rules(Path::new("/repo/internal/legacy/a/b.go")).len(), 1);
        assert!(settings.path_ignored_rules(Path::new("/repo/internal/a.go")).is_empty());
    }

    #[test]
    fn paths_match_in_every_shape() {
        let config = parse("[files]\nexclude = [\"gen/**\"]\n", "golint-guard.toml").unwrap();
        let settings = config.into_settings(".".into(), None);
        let cwd = std::env::current_dir().unwrap();
        for path in [PathBuf::from("./gen/a.go"), PathBuf::from("gen/a.go"), cwd.join("gen/a.go")] {
            assert!(settings.is_excluded(&path), "{}", path.display());
        }
        assert!(!settings.is_excluded(Path::new("./src/gen.go")));
    }

    fn enabled_by(text: &str) -> BTreeSet<&'static str> {
        parse(text, "golint-guard.toml").unwrap().into_settings(".".into(), None).enabled
    }

    #[test]
    fn every_rule_includes_the_opt_in_set() {
        let enabled = Settings::every_rule().enabled;
        assert!(all_rules().iter().all(|rule| enabled.contains(rule.id)));
    }

    #[test]
    fn no_selection_runs_the_default_set_and_extend_select_adds_opt_in_rules() {
        let opt_in: Vec<&str> =
            all_rules().iter().filter(|rule| rule.set == RuleSet::OptIn).map(|rule| rule.id).collect();
        let enabled = enabled_by("");
        for rule in all_rules() {
            assert_eq!(enabled.contains(rule.id), rule.set == RuleSet::Default, "{}", rule.id);
        }
        if let Some(&first) = opt_in.first() {
            let enabled = enabled_by(&format!("[rules]\nextend-select = [\"{first}\"]\n"));
            assert!(enabled.contains(first));
            assert!(enabled.contains("goroutine-no-exit"), "extend-select keeps the default set");
        }
        let enabled = enabled_by("[rules]\nselect = [\"signal-unbuffered\"]\nextend-select = [\"timer-leak\"]\n");
        assert!(
            enabled.contains("signal-unbuffered") && enabled.contains("timer-leak") && enabled.contains("syntax-error")
        );
        assert!(!enabled.contains("goroutine-no-exit"));
    }

    #[test]
    fn unknown_key_names_table_and_line() {
        let message = parse_err("[rules]\nselect = []\n\nselct = []\n");
        assert_eq!(
            message,
            "golint-guard.toml:4:1: unknown key `selct` in [rules]; did you mean `select`? expected one of: select, extend-select, ignore, severity"
        );
        let message = parse_err("[rule]\n");
        assert!(message.starts_with("golint-guard.toml:1:"), "{message}");
        assert!(message.contains("unknown key `rule` in the top level"), "{message}");
    }

    #[test]
    fn golangci_lint_linter_names_stand_for_their_rules() {
        let config =
            parse("[rules]\nignore = [\"errcheck\"]\n[rules.severity]\ngovet = \"info\"\n", "golint-guard.toml")
                .expect("linter names are accepted");
        assert!(config.ignore.contains(&"unchecked-error") && config.ignore.contains(&"discarded-error"));
        assert_eq!(config.severity_overrides.get("signal-unbuffered"), Some(&Severity::Info));
        assert_eq!(config.severity_overrides.get("mutex-copied"), Some(&Severity::Info));
    }

    #[test]
    fn unknown_rule_suggests_the_closest() {
        let message = parse_err("[rules]\nignore = [\"signal-unbufered\"]\n");
        assert_eq!(
            message,
            "golint-guard.toml:2:11: unknown rule `signal-unbufered`; did you mean `signal-unbuffered`?"
        );
    }

    #[test]
    fn bad_values_name_their_line() {
        let message = parse_err("[rules.severity]\nsignal-unbuffered = \"fatal\"\n");
        assert!(message.starts_with("golint-guard.toml:2:21: invalid severity `fatal`"), "{message}");
        let message = parse_err("[files]\nexclude = [\"a[\"]\n");
        assert!(message.starts_with("golint-guard.toml:2:12: invalid glob `a[`"), "{message}");
        let message = parse_err("[per-path-ignores]\n\"x/**\" = [\"nope-nope\"]\n");
        assert!(message.starts_with("golint-guard.toml:2:"), "{message}");
        let message = parse_err("[rules]\nselect = \"signal-unbuffered\"\n");
        assert!(message.starts_with("golint-guard.toml:2:10: "), "{message}");
    }

    #[test]
    fn syntax_error_names_the_line() {
        let message = parse_err("[rules]\nselect = [\n\n= 3\n");
        assert!(message.starts_with("golint-guard.toml:4:"), "{message}");
    }

    #[test]
    fn search_starts_at_the_target_directory() {
        assert_eq!(search_start(&[]), PathBuf::from("."));
        assert_eq!(search_start(&["./...".into()]), PathBuf::from("."));
        assert_eq!(search_start(&["pkg/sub/...".into()]), PathBuf::from("pkg/sub"));
        assert_eq!(search_start(&["...".into()]), PathBuf::from("."));
        assert_eq!(search_start(&["Cargo.toml".into()]), PathBuf::from("."));
        assert_eq!(search_start(&["src/config.rs".into()]), PathBuf::from("src"));
    }

    #[test]
    fn line_columns_count_characters() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("\u{e9}x", 2), (1, 2));
    }
}
