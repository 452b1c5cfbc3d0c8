//! The `[gate]` table of golint-guard.toml, validated, with the command-line overrides applied.
//!
//! ```toml
//! [gate]
//! steps = ["build", "vet", "test", "coverage", "bench", "gofmt", "check"]  # default: all but gofmt;
//!                                         # bench only when targets are set; coverage implies test
//! coverage_min = 80            # total statement coverage, percent (--coverage-min)
//! race = true                  # go test -race (--no-race)
//! require_race = false         # fail, not skip, the race criterion when -race cannot run here
//!                              # (CGO_ENABLED=0, no C compiler, a platform without it)
//! packages = ["./..."]         # package patterns, relative to each module
//! tags = ["integration"]       # build tags for build, vet and test
//! test_flags = ["-count=1"]    # extra `go test` flags
//! timeout = "30m"              # per step and module: seconds, or "90s", "10m", "1h" (--timeout)
//! bench_time = "1s"            # -benchtime for the benchmark step ("100x" for a fixed count)
//!
//! [gate.package_coverage_min]  # per-package minimums: import path or ./dir
//! "./internal/parser" = 90
//!
//! [[gate.bench]]               # a benchmark and its targets
//! name = "BenchmarkParse"      # or "BenchmarkParse/small" for a sub-benchmark
//! package = "./parser"         # default "."
//! max_ns_per_op = 1500
//! max_allocs_per_op = 2
//! ```

use super::GateError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// One gate step, in the order the gate runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    Build,
    Vet,
    Test,
    Coverage,
    Bench,
    Gofmt,
    Check,
}

impl Step {
    pub const ALL: [Step; 7] =
        [Step::Build, Step::Vet, Step::Test, Step::Coverage, Step::Bench, Step::Gofmt, Step::Check];

    pub fn name(self) -> &'static str {
        match self {
            Step::Build => "build",
            Step::Vet => "vet",
            Step::Test => "test",
            Step::Coverage => "coverage",
            Step::Bench => "bench",
            Step::Gofmt => "gofmt",
            Step::Check => "check",
        }
    }

    fn parse(text: &str) -> Option<Step> {
        match text.trim() {
            "build" => Some(Step::Build),
            "vet" => Some(Step::Vet),
            "test" | "tests" => Some(Step::Test),
            "coverage" => Some(Step::Coverage),
            "bench" | "benchmarks" => Some(Step::Bench),
            "gofmt" => Some(Step::Gofmt),
            "check" | "static" => Some(Step::Check),
            _ => None,
        }
    }
}

/// The steps that run when neither `--steps` nor `[gate].steps` says otherwise. `bench` is
/// added when `[[gate.bench]]` names targets; `gofmt` only runs when asked for.
const DEFAULT_STEPS: [Step; 5] = [Step::Build, Step::Vet, Step::Test, Step::Coverage, Step::Check];

pub const DEFAULT_COVERAGE_MIN: f64 = 80.0;

/// Long enough for `go test -race ./...` on a large service; a hung test binary is caught
/// earlier by `go test`'s own 10-minute `-timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// What a gate run does, after config and flags are merged.
#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    /// Sorted, de-duplicated; `coverage` brings `test` with it.
    pub steps: Vec<Step>,
    /// Minimum total statement coverage, in percent.
    pub coverage_min: f64,
    /// Per-package minimums, keyed by import path or by `./dir` relative to the module root.
    pub package_coverage_min: BTreeMap<String, f64>,
    pub race: bool,
    /// When `go test -race` cannot run here (no cgo, an unsupported platform), the race
    /// criterion fails instead of being skipped.
    pub require_race: bool,
    pub packages: Vec<String>,
    pub tags: Vec<String>,
    pub test_flags: Vec<String>,
    pub timeout: Duration,
    pub bench: Vec<BenchTarget>,
    /// `-benchtime` for the benchmark step (`1s` or `100x`).
    pub bench_time: String,
}

/// A benchmark and the figures it must stay within.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchTarget {
    /// `BenchmarkParse`, or `BenchmarkParse/small` for a sub-benchmark.
    pub name: String,
    /// The package that holds it, as a pattern relative to the module root (default `.`).
    #[serde(default = "default_bench_package")]
    pub package: String,
    pub max_ns_per_op: Option<f64>,
    pub max_allocs_per_op: Option<f64>,
}

fn default_bench_package() -> String {
    ".".into()
}

impl Default for GateConfig {
    fn default() -> GateConfig {
        GateConfig {
            steps: DEFAULT_STEPS.to_vec(),
            coverage_min: DEFAULT_COVERAGE_MIN,
            package_coverage_min: BTreeMap::new(),
            race: true,
            require_race: false,
            packages: vec!["./...".into()],
            tags: Vec::new(),
            test_flags: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            bench: Vec::new(),
            bench_time: "1s".into(),
        }
    }
}

/// The command-line flags that override `[gate]`.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub steps: Vec<String>,
    pub coverage_min: Option<f64>,
    pub no_race: bool,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGate {
    steps: Option<Vec<String>>,
    coverage_min: Option<f64>,
    #[serde(default)]
    package_coverage_min: BTreeMap<String, f64>,
    race: Option<bool>,
    require_race: Option<bool>,
    packages: Option<OneOrMany>,
    tags: Option<OneOrMany>,
    #[serde(default)]
    test_flags: Vec<String>,
    timeout: Option<TimeoutValue>,
    #[serde(default)]
    bench: Vec<BenchTarget>,
    bench_time: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TimeoutValue {
    Seconds(f64),
    Text(String),
}

const KEYS: &[&str] = &[
    "steps",
    "coverage_min",
    "package_coverage_min",
    "race",
    "require_race",
    "packages",
    "tags",
    "test_flags",
    "timeout",
    "bench",
    "bench_time",
];

impl GateConfig {
    /// Parse the raw `[gate]` table (`config_path` names the file in errors) and apply the flags.
    pub fn resolve(
        table: Option<&toml::Table>,
        config_path: Option<&Path>,
        overrides: &Overrides,
    ) -> Result<GateConfig, GateError> {
        let file = config_path.map_or_else(|| "golint-guard.toml".to_string(), |path| path.display().to_string());
        let config_text = config_path.and_then(|path| std::fs::read_to_string(path).ok());
        let located = |key: &str, message: String| -> GateError {
            let line = config_text.as_deref().and_then(|text| key_line(text, key));
            match line {
                Some(line) => GateError(format!("{file}:{line}: [gate] `{key}`: {message}")),
                None => GateError(format!("{file}: [gate] `{key}`: {message}")),
            }
        };
        let raw: RawGate = match table {
            Some(table) => {
                if let Some(unknown) = table.keys().find(|key| !KEYS.contains(&key.as_str())) {
                    let hint =
                        did_you_mean(unknown, KEYS).map(|key| format!(" (did you mean `{key}`?)")).unwrap_or_default();
                    return Err(located(unknown, format!("unknown key{hint}; [gate] accepts: {}", KEYS.join(", "))));
                }
                for key in table.keys() {
                    let mut single = toml::Table::new();
                    single.insert(key.clone(), table[key].clone());
                    RawGate::deserialize(toml::Value::Table(single))
                        .map_err(|err| located(key, describe_toml_error(&err)))?;
                }
                RawGate::deserialize(toml::Value::Table(table.clone()))
                    .map_err(|err| GateError(format!("{file}: [gate]: {}", describe_toml_error(&err))))?
            }
            None => RawGate::default(),
        };

        let mut config = GateConfig::default();
        let configured_steps = match (&overrides.steps, raw.steps) {
            (cli, _) if !cli.is_empty() => {
                Some(parse_steps(cli).map_err(|message| GateError(format!("--steps: {message}")))?)
            }
            (_, Some(steps)) => Some(parse_steps(&steps).map_err(|message| located("steps", message))?),
            _ => None,
        };
        if let Some(min) = raw.coverage_min {
            config.coverage_min = check_percent(min).map_err(|message| located("coverage_min", message))?;
        }
        if let Some(min) = overrides.coverage_min {
            config.coverage_min =
                check_percent(min).map_err(|message| GateError(format!("--coverage-min: {message}")))?;
        }
        for (package, min) in raw.package_coverage_min {
            let min = check_percent(min)
                .map_err(|message| located("package_coverage_min", format!("`{package}`: {message}")))?;
            config.package_coverage_min.insert(package, min);
        }
        config.race = raw.race.unwrap_or(true) && !overrides.no_race;
        config.require_race = raw.require_race.unwrap_or(false);
        if let Some(packages) = raw.packages {
            config.packages = packages.into_vec();
            if config.packages.is_empty() {
                return Err(located("packages", "must name at least one package pattern".into()));
            }
        }
        if let Some(tags) = raw.tags {
            config.tags = tags.into_vec();
        }
        config.test_flags = raw.test_flags;
        if let Some(timeout) = raw.timeout {
            config.timeout = parse_timeout(&timeout).map_err(|message| located("timeout", message))?;
        }
        if let Some(seconds) = overrides.timeout_seconds {
            if seconds == 0 {
                return Err(GateError("--timeout: must be at least 1 second".into()));
            }
            config.timeout = Duration::from_secs(seconds);
        }
        for target in &raw.bench {
            validate_bench(target).map_err(|message| located("bench", message))?;
        }
        config.bench = raw.bench;
        if let Some(bench_time) = raw.bench_time {
            if bench_time.trim().is_empty() {
                return Err(located("bench_time", "must not be empty (e.g. \"1s\" or \"100x\")".into()));
            }
            config.bench_time = bench_time;
        }
        config.steps = match configured_steps {
            Some(steps) => steps,
            None if !config.bench.is_empty() => {
                let mut steps = DEFAULT_STEPS.to_vec();
                steps.push(Step::Bench);
                steps
            }
            None => DEFAULT_STEPS.to_vec(),
        };
        // Coverage is read from the test run's profile, so asking for it runs (and reports) the tests.
        if config.steps.contains(&Step::Coverage) {
            config.steps.push(Step::Test);
        }
        config.steps.sort();
        config.steps.dedup();
        Ok(config)
    }

    pub fn runs(&self, step: Step) -> bool {
        self.steps.contains(&step)
    }
}

fn parse_steps(names: &[String]) -> Result<Vec<Step>, String> {
    let known: Vec<&str> = Step::ALL.iter().map(|step| step.name()).collect();
    let mut steps = Vec::new();
    for name in names {
        if name.trim().is_empty() {
            continue;
        }
        match Step::parse(name) {
            Some(step) => steps.push(step),
            None => {
                let hint =
                    did_you_mean(name, &known).map(|step| format!(" (did you mean `{step}`?)")).unwrap_or_default();
                return Err(format!("unknown step `{name}`{hint}; the steps are: {}", known.join(", ")));
            }
        }
    }
    if steps.is_empty() {
        return Err(format!("no steps given; the steps are: {}", known.join(", ")));
    }
    Ok(steps)
}

fn check_percent(value: f64) -> Result<f64, String> {
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not a percentage between 0 and 100"))
    }
}

fn validate_bench(target: &BenchTarget) -> Result<(), String> {
    if !target.name.starts_with("Benchmark") {
        return Err(format!("`{}` is not a benchmark name (they start with `Benchmark`)", target.name));
    }
    if target.max_ns_per_op.is_none() && target.max_allocs_per_op.is_none() {
        return Err(format!("`{}` needs a target: max_ns_per_op and/or max_allocs_per_op", target.name));
    }
    for (key, value) in [("max_ns_per_op", target.max_ns_per_op), ("max_allocs_per_op", target.max_allocs_per_op)] {
        if value.is_some_and(|value| !value.is_finite() || value < 0.0) {
            return Err(format!("`{}`: {key} must be a number ≥ 0", target.name));
        }
    }
    Ok(())
}

/// `600` (seconds), `"90s"`, `"10m"`, `"1h"`, `"500ms"`, or combinations like `"1m30s"`.
fn parse_timeout(value: &TimeoutValue) -> Result<Duration, String> {
    let duration = match value {
        TimeoutValue::Seconds(seconds) if seconds.is_finite() && *seconds > 0.0 => Duration::from_secs_f64(*seconds),
        TimeoutValue::Seconds(seconds) => return Err(format!("{seconds} is not a positive number of seconds")),
        TimeoutValue::Text(text) => parse_duration(text)
            .ok_or_else(|| format!("`{text}` is not a duration (use seconds, or e.g. \"90s\", \"10m\", \"1h\")"))?,
    };
    if duration.is_zero() { Err("must be longer than zero".into()) } else { Ok(duration) }
}

pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = 0.0_f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if number_len == 0 {
            return None;
        }
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" | "" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    Duration::try_from_secs_f64(total).ok()
}

fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), *candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

fn describe_toml_error(err: &toml::de::Error) -> String {
    err.message().trim().replace('\n', " ")
}

/// The 1-based line of `key = …` inside the `[gate…]` tables of the config text, for errors.
fn key_line(text: &str, key: &str) -> Option<usize> {
    let mut in_gate = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            let header = trimmed.trim_start_matches('[').trim_end_matches(']').trim();
            in_gate = header == "gate" || header.starts_with("gate.");
            if in_gate && (header == format!("gate.{key}")) {
                return Some(index + 1);
            }
            continue;
        }
        if in_gate {
            let name = trimmed.split('=').next().unwrap_or("").trim().trim_matches('"');
            if trimmed.contains('=') && name == key {
                return Some(index + 1);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(text: &str, overrides: &Overrides) -> Result<GateConfig, GateError> {
        let table: toml::Table = toml::from_str(text).unwrap();
        GateConfig::resolve(Some(&table), None, overrides)
    }

    #[test]
    fn defaults_without_a_table() {
        let config = GateConfig::resolve(None, None, &Overrides::default()).unwrap();
        assert_eq!(config, GateConfig::default());
        assert!(config.runs(Step::Check) && !config.runs(Step::Gofmt) && !config.runs(Step::Bench));
    }

    #[test]
    fn every_key_parses() {
        let config = resolve(
            r#"
            steps = ["build", "coverage", "gofmt", "static"]
            coverage_min = 75.5
            race = false
            packages = "./cmd/..."
            tags = ["integration"]
            test_flags = ["-count=1"]
            timeout = "1m30s"
            bench_time = "100x"
            [package_coverage_min]
            "./parser" = 90
            [[bench]]
            name = "BenchmarkParse"
            package = "./parser"
            max_ns_per_op = 1500
            max_allocs_per_op = 2
            "#,
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(config.steps, vec![Step::Build, Step::Test, Step::Coverage, Step::Gofmt, Step::Check]);
        assert_eq!(config.coverage_min, 75.5);
        assert!(!config.race);
        assert_eq!(config.packages, vec!["./cmd/..."]);
        assert_eq!(config.timeout, Duration::from_secs(90));
        assert_eq!(config.package_coverage_min["./parser"], 90.0);
        assert_eq!(config.bench[0].max_allocs_per_op, Some(2.0));
    }

    #[test]
    fn bench_targets_add_the_bench_step_and_flags_win() {
        let overrides =
            Overrides { coverage_min: Some(50.0), no_race: true, timeout_seconds: Some(5), ..Overrides::default() };
        let config =
            resolve("coverage_min = 90\n[[bench]]\nname = \"BenchmarkX\"\nmax_ns_per_op = 10\n", &overrides).unwrap();
        assert!(config.runs(Step::Bench));
        assert_eq!(config.coverage_min, 50.0);
        assert!(!config.race);
        assert_eq!(config.timeout, Duration::from_secs(5));
    }

    #[test]
    fn errors_name_the_key() {
        let err = resolve("coverage_mni = 3", &Overrides::default()).unwrap_err().0;
        assert!(err.contains("`coverage_mni`") && err.contains("did you mean `coverage_min`"), "{err}");
        let err = resolve("coverage_min = \"high\"", &Overrides::default()).unwrap_err().0;
        assert!(err.contains("`coverage_min`"), "{err}");
        let err = resolve("coverage_min = 120", &Overrides::default()).unwrap_err().0;
        assert!(err.contains("not a percentage"), "{err}");
        let err = resolve("steps = [\"biuld\"]", &Overrides::default()).unwrap_err().0;
        assert!(err.contains("did you mean `build`"), "{err}");
        let err = resolve("timeout = \"soon\"", &Overrides::default()).unwrap_err().0;
        assert!(err.contains("`timeout`"), "{err}");
        let err = resolve("[[bench]]\nname = \"BenchmarkX\"\n", &Overrides::default()).unwrap_err().0;
        assert!(err.contains("needs a target"), "{err}");
        let err = resolve("[[bench]]\nname = \"BenchmarkX\"\nmax_ns = 3\n", &Overrides::default()).unwrap_err().0;
        assert!(err.contains("`bench`") && err.contains("max_ns"), "{err}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("45"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("1x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn key_lines_are_found_in_gate_tables_only() {
        let text = "[rules]\ntimeout = 1\n[gate]\ncoverage_min = 3\n[gate.package_coverage_min]\n\"./a\" = 1\n";
        assert_eq!(key_line(text, "coverage_min"), Some(4));
        assert_eq!(key_line(text, "timeout"), None);
        assert_eq!(key_line(text, "package_coverage_min"), Some(5));
    }
}
