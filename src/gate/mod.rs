//! `gate`: the Go toolchain's own checks (build, vet, tests under the race detector, coverage,
//! benchmarks, gofmt) plus the static rules, as findings and a table of criteria that every
//! reporter shows. A step that cannot run (no `go`, a timeout) is an error, never a pass.

pub mod bench;
pub mod compile;
pub mod config;
pub mod coverage;
pub mod gofmt;
pub mod locate;
pub mod process;
pub mod progress;
pub mod race;
pub mod test;
pub mod vet;

use crate::config::Settings;
use crate::diagnostic::{Finding, Severity, sort_findings};
use crate::discover::{is_skipped_dir_name, module_directive, use_directives};
use crate::lint::{self, LintOutcome};
use crate::report::Criterion;
use compile::CompileError;
use config::{GateConfig, Step};
use locate::{ModuleDir, Place, finding};
use process::StepCommand;
use progress::Progress;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A gate that could not run: exit 2, with the step named.
#[derive(Debug)]
pub struct GateError(pub String);

impl std::fmt::Display for GateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GateError {}

pub struct GateRequest<'a> {
    /// The module, workspace or multi-module tree to gate.
    pub dir: &'a Path,
    pub config: &'a GateConfig,
    /// The static rules' settings (the `check` step).
    pub settings: &'a Settings,
    pub threads: usize,
    /// `--fail-on`: a criterion made of findings (vet, gofmt, static) fails at this severity.
    pub fail_on: Severity,
    pub progress: &'a Progress,
    /// SIGINT/SIGTERM caught for the run: a signal stops the running step's process group.
    pub signals: Option<&'a crate::fix::interrupt::Guard>,
}

pub struct GateOutcome {
    /// Gate and static findings, sorted, with the sources of the static ones.
    pub lint: LintOutcome,
    pub criteria: Vec<Criterion>,
}

impl GateOutcome {
    pub fn any_criterion_failed(&self) -> bool {
        self.criteria.iter().any(|criterion| !criterion.passed && !criterion.skipped)
    }
}

/// The criteria, in table order, and the rule ids that belong to each.
const CRITERIA: [&str; 11] = [
    "build",
    "vet",
    "tests",
    "race",
    "coverage",
    "bench",
    "gofmt",
    "static",
    "goroutine cleanup",
    "errors wrapped",
    "structured logging",
];

/// The rows of the table that named static rules decide (their findings count under `static`
/// too). Keyed by rule id, so a rule counts from the day it is in the registry; until all of a
/// row's rules are there and enabled, the row cannot PASS.
const RULE_ROWS: [(&str, &[&str]); 3] = [
    ("goroutine cleanup", &["goroutine-no-exit", "goroutine-untracked", "goroutine-leak-unbuffered-send"]),
    ("errors wrapped", &["error-wrap-verb", "error-compare", "error-type-assert", "error-never-checked"]),
    ("structured logging", &["unstructured-log"]),
];

fn criterion_of(rule: &str) -> &'static str {
    match rule {
        "gate/build" => "build",
        "gate/vet" => "vet",
        "gate/test" => "tests",
        "gate/race" => "race",
        "gate/coverage" => "coverage",
        "gate/bench" => "bench",
        "gate/gofmt" => "gofmt",
        _ if rule.starts_with("vet/") => "vet",
        _ => "static",
    }
}

const BUILD_HELP: &str = "fix the compile error: `go build ./...` must succeed";
const TEST_BUILD_HELP: &str =
    "fix the compile error in the test code: `go vet` and `go test` compile `_test.go` files, `go build` does not";
const RACE_HELP: &str = "guard the shared variable with a mutex, a channel or sync/atomic, or stop sharing it; \
                         the first stack is the access in this module, the second the one it races with";
const GOFMT_HELP: &str = "run `gofmt -w` on the file (gofmt findings are warnings: `--fail-on error` lets them pass)";

pub fn run(request: &GateRequest<'_>) -> Result<GateOutcome, GateError> {
    let config = request.config;
    let root = locate::clean(&std::path::absolute(request.dir).unwrap_or_else(|_| request.dir.to_path_buf()));
    if !root.is_dir() {
        return Err(GateError(format!("gate: `{}` is not a directory", request.dir.display())));
    }
    let modules = find_modules(&root, request.dir)?;
    let needs_go = config.steps.iter().any(|step| !matches!(step, Step::Check | Step::Gofmt));
    let go = match process::find_program("go") {
        Some(go) => Some(go),
        None if needs_go || config.runs(Step::Gofmt) => {
            let first = config.steps.iter().find(|step| **step != Step::Check).copied().unwrap_or(Step::Build);
            return Err(GateError(format!(
                "gate: step `{}`: the `go` toolchain was not found on PATH (install Go or set PATH)",
                first.name()
            )));
        }
        None => None,
    };

    let mut gate = Gate {
        request,
        findings: Vec::new(),
        modules: Vec::new(),
        coverage_total: coverage::Summary::default(),
        race_unavailable: None,
    };
    let workdir = tempfile::Builder::new()
        .prefix("golint-guard-gate-")
        .tempdir()
        .map_err(|err| GateError(format!("gate: cannot create a temporary directory: {err}")))?;
    if let Some(go) = &go {
        for (index, module) in modules.iter().enumerate() {
            let label = module_label(module, request.dir, modules.len());
            let profile = workdir.path().join(format!("cover-{index}.out"));
            gate.module(go, module, label, &profile)?;
        }
    }
    // The profiles have been read: remove the directory now, so a second Ctrl-C during the
    // slower steps below (which ends the process at once) cannot leave it behind.
    let _ = workdir.close();
    if config.runs(Step::Coverage) {
        gate.package_minimums_found(&modules);
    }
    let gofmt_files = match (&go, config.runs(Step::Gofmt)) {
        (Some(go), true) => Some(gate.gofmt(go, &root)?),
        _ => None,
    };
    let mut lint = if config.runs(Step::Check) { gate.check()? } else { LintOutcome::default() };

    let criteria = gate.criteria(&lint, gofmt_files);
    lint.findings.extend(gate.findings);
    sort_findings(&mut lint.findings);
    Ok(GateOutcome { lint, criteria })
}

/// What one module's run produced, for the criteria figures.
#[derive(Debug, Default)]
struct ModuleRun {
    label: String,
    /// Findings per criterion from this module.
    counts: BTreeMap<&'static str, usize>,
    tests: Option<test::TestReport>,
    coverage: Option<CoverageResult>,
    bench: Option<(usize, usize)>,
}

#[derive(Debug)]
enum CoverageResult {
    Measured(coverage::Summary),
    /// Why the figure would be wrong.
    Incomplete(String),
}

struct Gate<'a> {
    request: &'a GateRequest<'a>,
    findings: Vec<Finding>,
    modules: Vec<ModuleRun>,
    coverage_total: coverage::Summary,
    /// Why `go test -race` could not run (go's own words), when it could not.
    race_unavailable: Option<String>,
}

impl<'a> Gate<'a> {
    fn config(&self) -> &GateConfig {
        self.request.config
    }

    fn command<'c>(&self, step: &'c str, go: &'c Path, dir: &'c Path, args: Vec<OsString>) -> StepCommand<'c>
    where
        'a: 'c,
    {
        StepCommand { step, program: go, args, dir, timeout: self.config().timeout, signals: self.request.signals }
    }

    fn tag_args(&self) -> Vec<OsString> {
        if self.config().tags.is_empty() {
            Vec::new()
        } else {
            vec![format!("-tags={}", self.config().tags.join(",")).into()]
        }
    }

    fn packages(&self) -> Vec<OsString> {
        self.config().packages.iter().map(OsString::from).collect()
    }

    fn module(&mut self, go: &Path, module: &ModuleDir, label: String, profile: &Path) -> Result<(), GateError> {
        let first_finding = self.findings.len();
        let mut run = ModuleRun { label, ..ModuleRun::default() };
        let config = self.request.config;
        let mut build_errors = Vec::new();
        if config.runs(Step::Build) {
            build_errors = self.build(go, module, &run.label)?;
        }
        let mut vet_type_errors = Vec::new();
        if config.runs(Step::Vet) {
            vet_type_errors = self.vet(go, module, &run.label, !build_errors.is_empty())?;
        }
        let mut test_build_errors = Vec::new();
        if config.runs(Step::Test) {
            let report = self.test(go, module, &run.label, profile, &build_errors, &mut test_build_errors)?;
            if config.runs(Step::Coverage) {
                run.coverage = Some(self.coverage(module, profile, &report));
            }
            run.tests = Some(report);
        }
        // Type errors vet found that neither the build nor the test build reported.
        for error in vet_type_errors {
            let known = build_errors.iter().chain(&test_build_errors).any(|other: &CompileError| {
                other.same_as(
                    &error.place.file,
                    error.place.line,
                    error.has_column.then_some(error.place.column),
                    &error.message,
                )
            });
            if !known {
                let mut found = finding("vet/typecheck", Severity::Error, &error.place, error.full_message());
                found.help = Some(TEST_BUILD_HELP.into());
                self.findings.push(found);
            }
        }
        if config.runs(Step::Bench) && !config.bench.is_empty() {
            run.bench = Some(self.bench(go, module, &run.label, !build_errors.is_empty())?);
        }
        for found in &self.findings[first_finding..] {
            *run.counts.entry(criterion_of(&found.rule)).or_default() += 1;
        }
        self.modules.push(run);
        Ok(())
    }

    fn build(&mut self, go: &Path, module: &ModuleDir, label: &str) -> Result<Vec<CompileError>, GateError> {
        let mut args: Vec<OsString> = vec!["build".into()];
        args.extend(self.tag_args());
        args.extend(self.packages());
        let command = self.command("build", go, &module.root, args);
        self.request.progress.start(&step_label("build", label), &command.display());
        let finished = command.run()?;
        check_goflags("build", &finished)?;
        let output = compile::parse(&finished.stderr, &module.root);
        for error in &output.errors {
            let mut found = finding("gate/build", Severity::Error, &error.place, error.full_message());
            found.help = Some(BUILD_HELP.into());
            self.findings.push(found);
        }
        if !finished.status.success() && output.errors.is_empty() {
            // `go: …` errors (module problems, bad patterns) have no position: go.mod it is.
            let message = first_meaningful_line(&finished.stderr).unwrap_or("`go build` failed without a message");
            let mut found =
                finding("gate/build", Severity::Error, &Place::new(module.go_mod(), 1, 1), message.to_string());
            found.help = Some(BUILD_HELP.into());
            found.detail = Some(tail(&finished.stderr));
            self.findings.push(found);
        }
        let count = output.errors.len().max(usize::from(!finished.status.success()));
        self.request.progress.finish(&plural_or(count, "compiler error", "ok"));
        Ok(output.errors)
    }

    /// Returns the type errors vet printed, to report those no other step did.
    fn vet(
        &mut self,
        go: &Path,
        module: &ModuleDir,
        label: &str,
        build_failed: bool,
    ) -> Result<Vec<CompileError>, GateError> {
        let mut args: Vec<OsString> = vec!["vet".into(), "-json".into()];
        args.extend(self.tag_args());
        args.extend(self.packages());
        let command = self.command("vet", go, &module.root, args);
        self.request.progress.start(&step_label("vet", label), &command.display());
        let finished = command.run()?;
        check_goflags("vet", &finished)?;
        let output = vet::parse(&finished.stdout, &finished.stderr, &module.root);
        for diagnostic in &output.diagnostics {
            let rule = format!("vet/{}", diagnostic.analyzer);
            let mut found = finding(&rule, Severity::Warning, &diagnostic.place, diagnostic.message.clone());
            found.help = Some(format!(
                "reported by go vet's `{0}` analyzer (https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/{0}); \
                 vet findings are warnings: `--fail-on error` lets them pass",
                diagnostic.analyzer
            ));
            self.findings.push(found);
        }
        let mut problems: Vec<String> =
            output.malformed.iter().map(|text| format!("unreadable vet output: {text}")).collect();
        problems.extend(
            output
                .analyzer_errors
                .iter()
                .map(|(package, analyzer, error)| format!("{package}: analyzer {analyzer}: {error}")),
        );
        // vet exits non-zero when it cannot type-check a package; the build step has already
        // reported a broken build, so only an unexplained failure is news.
        // A module without packages (only nested modules, or tools) has nothing to vet.
        let explained = !output.compile.errors.is_empty() || build_failed || matched_no_packages(&finished.stderr);
        if !finished.status.success() && !explained && output.diagnostics.is_empty() {
            problems.push(
                first_meaningful_line(&finished.stderr).unwrap_or("`go vet` failed without a message").to_string(),
            );
        }
        if let Some(first) = problems.first() {
            let mut found = finding(
                "gate/vet",
                Severity::Error,
                &Place::new(module.go_mod(), 1, 1),
                format!("go vet did not run cleanly: {first}"),
            );
            found.detail = Some(tail(&format!("{}\n{}", problems.join("\n"), finished.stderr)));
            found.help = Some("run `go vet ./...` in the module to see the problem".into());
            self.findings.push(found);
        }
        let result = plural_or(output.diagnostics.len(), "diagnostic", "ok");
        self.request.progress.finish(&result);
        Ok(output.compile.errors)
    }

    fn test(
        &mut self,
        go: &Path,
        module: &ModuleDir,
        label: &str,
        profile: &Path,
        build_errors: &[CompileError],
        test_build_errors: &mut Vec<CompileError>,
    ) -> Result<test::TestReport, GateError> {
        let config = self.request.config;
        let progress = self.request.progress;
        // Only a terminal shows "packages done out of total"; elsewhere the extra `go list` is waste.
        let total = if progress.wants_totals() {
            let mut args: Vec<OsString> = vec!["list".into(), "-e".into(), "-f".into(), "{{.ImportPath}}".into()];
            args.extend(self.tag_args());
            args.extend(self.packages());
            let listed = self.command("test", go, &module.root, args).run().ok();
            listed.map(|listed| listed.stdout.lines().filter(|line| !line.trim().is_empty()).count())
        } else {
            None
        };
        let (tags, packages) = (self.tag_args(), self.packages());
        let test_args = |race: bool| {
            let mut args: Vec<OsString> = vec!["test".into(), "-json".into(), "-vet=off".into()];
            if race {
                args.push("-race".into());
            }
            if config.runs(Step::Coverage) {
                let mut flag = OsString::from("-coverprofile=");
                flag.push(profile);
                args.push(flag);
            }
            args.extend(tags.iter().cloned());
            args.extend(config.test_flags.iter().map(OsString::from));
            args.extend(packages.iter().cloned());
            args
        };
        let mut race = config.race;
        let (finished, stream) = loop {
            let command = self.command("test", go, &module.root, test_args(race));
            progress.start(&step_label("test", label), &command.display());
            if let Some(total) = total {
                progress.set_total(total);
            }
            let mut stream = test::TestStream::new(&module.root);
            let finished = command.run_streaming(&mut |line| {
                if stream.feed(line) {
                    progress.package_done();
                }
            })?;
            check_goflags("test", &finished)?;
            // CGO_ENABLED=0, or a platform without the race detector: go refuses -race before
            // building anything. Run the tests without it; the race criterion says why it did not run.
            if race && let Some(reason) = race_unavailable(&finished.stderr) {
                progress.finish("the race detector cannot run here; running the tests without -race");
                self.race_unavailable.get_or_insert_with(|| reason.to_string());
                race = false;
                continue;
            }
            break (finished, stream);
        };
        let mut report = stream.finish();
        let nothing_to_test = report.packages_done == 0 && matched_no_packages(&finished.stderr);
        if !finished.status.success()
            && !nothing_to_test
            && report.failures.is_empty()
            && report.races.is_empty()
            && report.failed == 0
        {
            // `go test` failed before any package ran (bad flag, module error).
            let message = first_meaningful_line(&finished.stderr)
                .or_else(|| first_meaningful_line(&report.stray_output))
                .unwrap_or("`go test` failed without a message");
            let mut found = finding(
                "gate/test",
                Severity::Error,
                &Place::new(module.go_mod(), 1, 1),
                format!("go test did not run: {message}"),
            );
            found.detail = Some(tail(&format!("{}{}", report.stray_output, finished.stderr)));
            self.findings.push(found);
            report.incomplete_packages.push(module.path.clone());
        }
        for failure in &report.failures {
            self.test_failure(module, failure, build_errors, test_build_errors);
        }
        for race in &report.races {
            self.race(module, race);
        }
        self.no_test_ran(module, &finished, &mut report);
        let result = if report.failures.is_empty() && report.races.is_empty() && finished.status.success() {
            format!("{} passed", report.passed)
        } else {
            format!("{} passed, {} failed, {} races", report.passed, report.failed, report.races.len())
        };
        progress.finish(&result);
        Ok(report)
    }

    /// `-run` in GOFLAGS or [gate].test_flags that selects nothing: packages that have tests
    /// ran none, and "0 passed" must not read as a pass. (A module without any test is the
    /// coverage criterion's business.)
    fn no_test_ran(&mut self, module: &ModuleDir, finished: &process::Finished, report: &mut test::TestReport) {
        if !finished.status.success() || report.passed + report.failed + report.skipped > 0 {
            return;
        }
        // `[no tests to run]` also ends a package whose test files hold only benchmarks.
        let with_tests: Vec<&String> = report
            .no_tests_to_run
            .iter()
            .filter(|package| module.package_dir(package).is_none_or(|dir| has_test_functions(&dir)))
            .collect();
        let Some(first) = with_tests.first() else { return };
        let goflags = std::env::var("GOFLAGS").unwrap_or_default();
        let mut selectors: Vec<String> = Vec::new();
        if !goflags.trim().is_empty() {
            selectors.push(format!("GOFLAGS={goflags}"));
        }
        if !self.config().test_flags.is_empty() {
            selectors.push(format!("[gate].test_flags = {:?}", self.config().test_flags));
        }
        let hint =
            if selectors.is_empty() { String::new() } else { format!(" (run with {})", selectors.join(" and ")) };
        let message = format!(
            "no test ran: {} {} tests but none of them ran{hint}",
            plural(with_tests.len(), "package"),
            if with_tests.len() == 1 { "has" } else { "have" }
        );
        let mut found = finding("gate/test", Severity::Error, &module.package_place(first), message);
        found.help = Some(
            "a `-run` or `-skip` pattern in GOFLAGS or [gate].test_flags matches no test; the gate must run the tests \
             to pass them"
                .into(),
        );
        found.detail = Some(with_tests.iter().map(|package| format!("{package}: [no tests to run]\n")).collect());
        self.findings.push(found);
        report.no_test_ran = true;
    }

    fn test_failure(
        &mut self,
        module: &ModuleDir,
        failure: &test::TestFailure,
        build_errors: &[CompileError],
        test_build_errors: &mut Vec<CompileError>,
    ) {
        if let test::FailureKind::Build(errors) = &failure.kind {
            let mut reported = 0;
            for error in errors {
                test_build_errors.push(error.clone());
                let known = build_errors.iter().any(|other| {
                    other.same_as(
                        &error.place.file,
                        error.place.line,
                        error.has_column.then_some(error.place.column),
                        &error.message,
                    )
                });
                reported += usize::from(!known);
                if !known {
                    let message = format!("{}: {}", failure.message, error.full_message());
                    let mut found = finding("gate/test", Severity::Error, &error.place, message);
                    found.help = Some(TEST_BUILD_HELP.into());
                    self.findings.push(found);
                }
            }
            let covered_by_build = !errors.is_empty()
                || build_errors
                    .iter()
                    .any(|error| error.package.as_deref().is_some_and(|package| package.starts_with(&failure.package)));
            if reported > 0 || covered_by_build {
                return;
            }
        }
        let place = failure
            .test
            .as_deref()
            .and_then(|test| module.find_func(&failure.package, top_level(test)))
            .unwrap_or_else(|| module.package_place(&failure.package));
        let mut message = failure.message.clone();
        if let Some(test) = &failure.test
            && test.contains('/')
        {
            message.push_str(&format!(" (a subtest of {})", top_level(test)));
        }
        let mut found = finding("gate/test", Severity::Error, &place, message);
        found.detail = Some(failure.detail.clone());
        found.help = Some(match &failure.test {
            Some(test) => format!(
                "reproduce with `go test -run '{}' {}`",
                run_pattern(test),
                package_arg(module, &failure.package)
            ),
            None => format!("reproduce with `go test -v {}`", package_arg(module, &failure.package)),
        });
        self.findings.push(found);
    }

    fn race(&mut self, module: &ModuleDir, race: &race::RaceReport) {
        let accesses: Vec<&race::Section> = race.accesses().collect();
        let in_module = |frame: &&race::Frame| module.contains(Path::new(&frame.file));
        let first_frame = accesses
            .iter()
            .flat_map(|section| section.frames.iter())
            .find(in_module)
            .or_else(|| race.sections.iter().flat_map(|section| section.frames.iter()).find(in_module));
        let place = match first_frame {
            Some(frame) => Place::new(
                PathBuf::from(&frame.file),
                frame.line,
                locate::indent_column(Path::new(&frame.file), frame.line),
            ),
            None => race
                .test
                .as_deref()
                .and_then(|test| module.find_func(&race.package, top_level(test)))
                .unwrap_or_else(|| module.package_place(&race.package)),
        };
        let describe = |section: &race::Section| {
            let frame = section.frames.iter().find(in_module).or(section.frames.first());
            match frame {
                Some(frame) => format!(
                    "{} at {}:{} in {} ({})",
                    section.kind(),
                    frame.file_name(),
                    frame.line,
                    frame.short_function(),
                    section.goroutine()
                ),
                None => section.kind(),
            }
        };
        let during = race.test.as_deref().map(|test| format!(" during {test}")).unwrap_or_default();
        let message = match accesses.as_slice() {
            [first, second, ..] => {
                format!("data race{during}: {} conflicts with {}", describe(first), describe(second))
            }
            [only] => format!("data race{during}: {}", describe(only)),
            [] => format!("data race{during} in {}", race.package),
        };
        let mut found = finding("gate/race", Severity::Error, &place, message);
        found.detail = Some(race.text.clone());
        let reproduce = match &race.test {
            Some(test) => format!("go test -race -run '{}' {}", run_pattern(test), package_arg(module, &race.package)),
            None => format!("go test -race {}", package_arg(module, &race.package)),
        };
        found.help = Some(format!("{RACE_HELP}; reproduce with `{reproduce}`"));
        self.findings.push(found);
    }

    fn coverage(&mut self, module: &ModuleDir, profile: &Path, report: &test::TestReport) -> CoverageResult {
        if !report.incomplete_packages.is_empty() {
            let count = report.incomplete_packages.len();
            return CoverageResult::Incomplete(format!(
                "not measured: {count} package{} did not build or crashed",
                if count == 1 { "" } else { "s" }
            ));
        }
        let text = match std::fs::read_to_string(profile) {
            Ok(text) => text,
            Err(_) if report.packages_done == 0 => return CoverageResult::Measured(coverage::Summary::default()),
            Err(_) => return CoverageResult::Incomplete("not measured: go test wrote no coverage profile".into()),
        };
        let parsed = match coverage::parse_profile(&text) {
            Ok(parsed) => parsed,
            Err(err) => {
                let mut found = finding(
                    "gate/coverage",
                    Severity::Error,
                    &Place::new(module.go_mod(), 1, 1),
                    format!("unreadable coverage profile: {err}"),
                );
                found.help = Some("report this: go test wrote a profile golint-guard could not read".into());
                self.findings.push(found);
                return CoverageResult::Incomplete("not measured: unreadable profile".into());
            }
        };
        let locate = |name: &str| -> Option<PathBuf> {
            let path = Path::new(name);
            if path.is_absolute() || name.starts_with('.') {
                return Some(locate::resolve(&module.root, name));
            }
            let (package, file) = name.rsplit_once('/')?;
            Some(module.package_dir(package)?.join(file))
        };
        let summary = coverage::summarize(&parsed, &locate);
        let config = self.request.config;
        let total = summary.total.percent();
        if summary.total.total > 0 && total < config.coverage_min {
            let least = summary.least_covered(3);
            let least_text: Vec<String> =
                least.iter().map(|(package, counts)| format!("{package} {:.1}%", counts.percent())).collect();
            let message = format!(
                "coverage {total:.1}% is below the {}% threshold (least covered: {})",
                bench::format_number(config.coverage_min),
                least_text.join(", ")
            );
            let mut found = finding("gate/coverage", Severity::Error, &Place::new(module.go_mod(), 1, 1), message);
            found.detail = Some(coverage_table(&summary));
            found.help = Some("add tests for the least-covered packages, or lower [gate].coverage_min".into());
            self.findings.push(found);
        }
        for (key, min) in &config.package_coverage_min {
            let import_path = package_key(module, key);
            let Some(counts) = summary.packages.get(&import_path) else { continue };
            if counts.total > 0 && counts.percent() < *min {
                let message = format!(
                    "coverage of {import_path} is {:.1}%, below its {}% minimum",
                    counts.percent(),
                    bench::format_number(*min)
                );
                let mut found = finding("gate/coverage", Severity::Error, &module.package_place(&import_path), message);
                found.help =
                    Some(format!("add tests for {import_path}, or lower its entry in [gate.package_coverage_min]"));
                self.findings.push(found);
            }
        }
        self.coverage_total.add(summary.clone());
        CoverageResult::Measured(summary)
    }

    /// A per-package minimum that matches no package anywhere would pass silently: report it.
    fn package_minimums_found(&mut self, modules: &[ModuleDir]) {
        let measured = self.modules.iter().any(|run| matches!(run.coverage, Some(CoverageResult::Measured(_))));
        if !measured {
            return;
        }
        for key in self.request.config.package_coverage_min.keys() {
            let found =
                modules.iter().any(|module| self.coverage_total.packages.contains_key(&package_key(module, key)));
            if !found {
                let place = self.config_place(key);
                let mut found = finding(
                    "gate/coverage",
                    Severity::Error,
                    &place,
                    format!(
                        "[gate.package_coverage_min] names `{key}`, which is not a package in the coverage profile"
                    ),
                );
                found.help = Some("use an import path or a `./dir` relative to the module root".into());
                self.findings.push(found);
            }
        }
    }

    /// The line of golint-guard.toml that mentions `needle`, else its first line.
    fn config_place(&self, needle: &str) -> Place {
        let Some(path) = &self.request.settings.config_path else {
            return Place::new(PathBuf::from("golint-guard.toml"), 1, 1);
        };
        let line = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| text.lines().position(|line| line.contains(needle)).map(|index| index + 1))
            .unwrap_or(1);
        Place::new(path.clone(), line, 1)
    }

    /// Returns (targets met, targets). With a broken build the benchmarks cannot run; the build
    /// criterion reports why, so no finding repeats it.
    fn bench(
        &mut self,
        go: &Path,
        module: &ModuleDir,
        label: &str,
        build_failed: bool,
    ) -> Result<(usize, usize), GateError> {
        let config = self.request.config;
        let mut by_package: BTreeMap<&str, Vec<&config::BenchTarget>> = BTreeMap::new();
        for target in &config.bench {
            by_package.entry(target.package.as_str()).or_default().push(target);
        }
        self.request.progress.start(
            &step_label("bench", label),
            &format!("go test -run '^$' -bench … ({} targets)", config.bench.len()),
        );
        let mut met = 0;
        for (package, targets) in by_package {
            let mut args: Vec<OsString> = vec![
                "test".into(),
                "-run".into(),
                "^$".into(),
                "-bench".into(),
                bench::bench_pattern(&targets).into(),
                "-benchmem".into(),
                format!("-benchtime={}", config.bench_time).into(),
                "-count=1".into(),
            ];
            args.extend(self.tag_args());
            args.push(package.into());
            let finished = self.command("bench", go, &module.root, args).run()?;
            check_goflags("bench", &finished)?;
            let results = bench::parse_results(&finished.stdout);
            let import_path = package_key(module, package);
            for target in targets {
                let place = || {
                    module
                        .find_func(&import_path, top_level(&target.name))
                        .unwrap_or_else(|| self.config_place(&target.name))
                };
                let result = results.iter().find(|result| bench::name_matches(&result.name, &target.name));
                let (message, detail) = match result {
                    Some(result) => {
                        let misses = bench::misses(target, result);
                        if misses.is_empty() {
                            met += 1;
                            continue;
                        }
                        (format!("{} misses its target: {}", target.name, misses.join("; ")), None)
                    }
                    None if !finished.status.success() && build_failed => continue,
                    None if !finished.status.success() => (
                        format!("{} did not run: `go test -bench` failed in {package}", target.name),
                        Some(tail(&format!("{}{}", finished.stdout, finished.stderr))),
                    ),
                    None => (format!("{} was not found in {package}", target.name), None),
                };
                let mut found = finding("gate/bench", Severity::Error, &place(), message);
                found.detail = detail;
                found.help = Some(format!(
                    "make it faster, or change its target in [[gate.bench]]; measure with `go test -run '^$' -bench '{}' -benchmem {package}`",
                    run_pattern(&target.name)
                ));
                self.findings.push(found);
            }
        }
        let total = config.bench.len();
        self.request.progress.finish(&format!("{met}/{total} within target"));
        Ok((met, total))
    }

    fn gofmt(&mut self, go: &Path, root: &Path) -> Result<usize, GateError> {
        let gofmt = go
            .parent()
            .map(|dir| dir.join(if cfg!(windows) { "gofmt.exe" } else { "gofmt" }))
            .filter(|path| path.is_file())
            .or_else(|| process::find_program("gofmt"))
            .ok_or_else(|| GateError("gate: step `gofmt`: `gofmt` was not found next to `go` or on PATH".into()))?;
        let files = gofmt::go_files(root);
        self.request.progress.start("gofmt", &format!("gofmt -l ({} files)", files.len()));
        let mut unformatted = 0;
        for chunk in files.chunks(gofmt::CHUNK) {
            let mut args: Vec<OsString> = vec!["-l".into()];
            args.extend(chunk.iter().map(|file| file.strip_prefix(root).unwrap_or(file).as_os_str().to_owned()));
            let finished = self.command("gofmt", &gofmt, root, args).run()?;
            for listed in gofmt::parse_listing(&finished.stdout) {
                unformatted += 1;
                let place = Place::new(locate::resolve(root, &listed), 1, 1);
                let mut found =
                    finding("gate/gofmt", Severity::Warning, &place, "the file is not formatted with gofmt".into());
                found.help = Some(GOFMT_HELP.into());
                self.findings.push(found);
            }
            // Syntax errors: the build step reports them with positions.
        }
        self.request.progress.finish(&if unformatted == 0 { "ok".into() } else { files_need_gofmt(unformatted) });
        Ok(unformatted)
    }

    fn check(&self) -> Result<LintOutcome, GateError> {
        let pattern = format!("{}/...", self.request.dir.display());
        self.request.progress.start("check", &format!("golint-guard check {pattern}"));
        let outcome = lint::lint_patterns(&[pattern], self.request.settings, self.request.threads)
            .map_err(|err| GateError(format!("gate: step `check`: {err}")))?;
        self.request.progress.finish(&plural_or(outcome.findings.len(), "finding", "ok"));
        Ok(outcome)
    }

    fn criteria(&self, lint: &LintOutcome, gofmt_files: Option<usize>) -> Vec<Criterion> {
        let config = self.request.config;
        let fail_on = self.request.fail_on;
        let failing = |name: &str| {
            self.findings
                .iter()
                .chain(&lint.findings)
                .filter(|found| criterion_of(&found.rule) == name && found.severity >= fail_on)
                .count()
        };
        let count = |name: &str| {
            self.findings.iter().chain(&lint.findings).filter(|found| criterion_of(&found.rule) == name).count()
        };
        let breakdown = |name: &str| -> String {
            if self.modules.len() < 2 {
                return String::new();
            }
            let parts: Vec<String> = self
                .modules
                .iter()
                .map(|run| format!("{}: {}", run.label, run.counts.get(name).copied().unwrap_or(0)))
                .collect();
            format!(" ({})", parts.join(", "))
        };
        let skipped =
            |name: &str, why: &str| Criterion { name: name.into(), passed: false, skipped: true, figure: why.into() };
        let not_selected = |step: Step| format!("not run (add `{}` to --steps or [gate].steps)", step.name());
        let mut criteria = Vec::new();
        for name in CRITERIA {
            if let Some((_, rules)) = RULE_ROWS.iter().find(|(row, _)| *row == name) {
                criteria.push(if config.runs(Step::Check) {
                    self.rule_row(name, rules, lint)
                } else {
                    skipped(name, &not_selected(Step::Check))
                });
                continue;
            }
            let criterion = match name {
                "build" if !config.runs(Step::Build) => skipped(name, &not_selected(Step::Build)),
                "build" => {
                    let n = count(name);
                    let figure = if n == 0 { "compiles".into() } else { plural(n, "compiler error") };
                    Criterion {
                        name: name.into(),
                        passed: failing(name) == 0,
                        skipped: false,
                        figure: figure + &breakdown(name),
                    }
                }
                "vet" if !config.runs(Step::Vet) => skipped(name, &not_selected(Step::Vet)),
                "vet" => {
                    let all = self.findings.iter().filter(|found| criterion_of(&found.rule) == name);
                    let (did_not_run, diagnostics): (Vec<&Finding>, Vec<&Finding>) =
                        all.partition(|found| found.rule == "gate/vet");
                    let mut figure = if diagnostics.is_empty() {
                        "no diagnostics".into()
                    } else {
                        plural(diagnostics.len(), "diagnostic")
                    };
                    if !did_not_run.is_empty() {
                        figure.push_str("; go vet did not run cleanly");
                    }
                    Criterion {
                        name: name.into(),
                        passed: failing(name) == 0,
                        skipped: false,
                        figure: figure + &breakdown(name),
                    }
                }
                "tests" if !config.runs(Step::Test) => skipped(name, &not_selected(Step::Test)),
                "tests" => {
                    let (mut passed, mut failed, mut by_race, mut skipped_tests) = (0, 0, 0, 0);
                    for report in self.modules.iter().filter_map(|run| run.tests.as_ref()) {
                        passed += report.passed;
                        failed += report.failed;
                        by_race += report.failed_by_race;
                        skipped_tests += report.skipped;
                    }
                    let mut figure = format!("{passed} passed, {failed} failed, {skipped_tests} skipped");
                    if by_race > 0 {
                        figure.push_str(&format!(" ({by_race} failed only by a data race, see race)"));
                    }
                    // A package whose tests did not build or whose binary died has not passed,
                    // even when its findings belong to the build criterion.
                    let broken: usize = self
                        .modules
                        .iter()
                        .filter_map(|run| run.tests.as_ref())
                        .map(|report| report.incomplete_packages.len())
                        .sum();
                    if broken > 0 {
                        figure.push_str(&format!("; {} did not build or crashed", plural(broken, "package")));
                    }
                    let none_ran = self
                        .modules
                        .iter()
                        .filter_map(|run| run.tests.as_ref())
                        .filter(|report| report.no_test_ran)
                        .count();
                    if none_ran > 0 {
                        figure.push_str("; no test ran in packages that have tests");
                    }
                    Criterion {
                        name: name.into(),
                        passed: failing(name) == 0 && broken == 0,
                        skipped: false,
                        figure: figure + &breakdown(name),
                    }
                }
                "race" if !config.runs(Step::Test) => skipped(name, &not_selected(Step::Test)),
                "race" if !config.race => {
                    skipped(name, "not run (race detector off: [gate].race = false or --no-race)")
                }
                "race" => match &self.race_unavailable {
                    // Never a pass: the race detector did not look at anything.
                    Some(reason) if config.require_race => Criterion {
                        name: name.into(),
                        passed: false,
                        skipped: false,
                        figure: format!("could not run ([gate].require_race = true): {reason}"),
                    },
                    Some(reason) => skipped(name, &format!("not run: {reason}")),
                    None => {
                        let n = count(name);
                        let figure = if n == 0 { "no data races".into() } else { plural(n, "data race") };
                        Criterion {
                            name: name.into(),
                            passed: failing(name) == 0,
                            skipped: false,
                            figure: figure + &breakdown(name),
                        }
                    }
                },
                "coverage" if !config.runs(Step::Coverage) => skipped(name, &not_selected(Step::Coverage)),
                "coverage" => self.coverage_criterion(failing(name) == 0),
                "bench" if !config.runs(Step::Bench) => skipped(name, &not_selected(Step::Bench)),
                "bench" if config.bench.is_empty() => skipped(name, "not run (no targets in [[gate.bench]])"),
                "bench" => {
                    let (met, total) =
                        self.modules.iter().filter_map(|run| run.bench).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
                    let figure = format!("{met}/{total} within target");
                    Criterion {
                        name: name.into(),
                        passed: failing(name) == 0,
                        skipped: false,
                        figure: figure + &breakdown(name),
                    }
                }
                "gofmt" => match gofmt_files {
                    None => skipped(name, &not_selected(Step::Gofmt)),
                    Some(0) => Criterion {
                        name: name.into(),
                        passed: true,
                        skipped: false,
                        figure: "all files formatted".into(),
                    },
                    Some(n) => Criterion {
                        name: name.into(),
                        passed: failing(name) == 0,
                        skipped: false,
                        figure: files_need_gofmt(n),
                    },
                },
                _ if !config.runs(Step::Check) => skipped(name, &not_selected(Step::Check)),
                _ => {
                    let (errors, warnings, infos) = crate::report::severity_counts(&lint.findings);
                    let figure = if lint.findings.is_empty() {
                        format!("no findings in {} files", lint.files_checked)
                    } else {
                        format!("{errors} errors, {warnings} warnings, {infos} info in {} files", lint.files_checked)
                    };
                    Criterion { name: name.into(), passed: failing(name) == 0, skipped: false, figure }
                }
            };
            criteria.push(criterion);
        }
        criteria
    }

    /// A row decided by `rules`: FAIL on a finding at `--fail-on` or above; otherwise PASS only
    /// when every one of its rules looked (in the registry and enabled), else SKIPPED naming the
    /// rules that did not.
    fn rule_row(&self, name: &str, rules: &[&str], lint: &LintOutcome) -> Criterion {
        let settings = self.request.settings;
        let unchecked: Vec<String> = rules
            .iter()
            .filter(|id| !settings.rule_enabled(id))
            .map(|id| match crate::engine::registry::find_rule(id) {
                Some(_) => format!("{id} (not enabled)"),
                None => format!("{id} (not in this build)"),
            })
            .collect();
        let of_row = || lint.findings.iter().filter(|found| rules.contains(&found.rule.as_str()));
        let failing = of_row().filter(|found| found.severity >= self.request.fail_on).count();
        let by_rule: Vec<String> = rules
            .iter()
            .filter_map(|id| {
                let n = of_row().filter(|found| found.rule == *id).count();
                (n > 0).then(|| format!("{id}: {n}"))
            })
            .collect();
        let total = of_row().count();
        let mut figure = if total == 0 {
            "no findings".to_string()
        } else {
            format!("{} ({})", plural(total, "finding"), by_rule.join(", "))
        };
        if !unchecked.is_empty() {
            figure.push_str(&format!("; not checked: {}", unchecked.join(", ")));
        }
        Criterion { name: name.into(), passed: failing == 0, skipped: failing == 0 && !unchecked.is_empty(), figure }
    }

    fn coverage_criterion(&self, no_failing_findings: bool) -> Criterion {
        let config = self.request.config;
        let name = "coverage".to_string();
        let threshold = bench::format_number(config.coverage_min);
        let incomplete: Vec<String> = self
            .modules
            .iter()
            .filter_map(|run| match &run.coverage {
                Some(CoverageResult::Incomplete(why)) if self.modules.len() > 1 => {
                    Some(format!("{}: {why}", run.label))
                }
                Some(CoverageResult::Incomplete(why)) => Some(why.clone()),
                _ => None,
            })
            .collect();
        if !incomplete.is_empty() {
            return Criterion { name, passed: false, skipped: true, figure: incomplete.join("; ") };
        }
        let total = self.coverage_total.total;
        let mut figure = if total.total == 0 {
            "no statements to cover".to_string()
        } else {
            format!("{:.1}% (threshold {threshold}%)", total.percent())
        };
        if self.modules.len() > 1 {
            let parts: Vec<String> = self
                .modules
                .iter()
                .filter_map(|run| match &run.coverage {
                    Some(CoverageResult::Measured(summary)) => {
                        Some(format!("{}: {:.1}%", run.label, summary.total.percent()))
                    }
                    _ => None,
                })
                .collect();
            figure.push_str(&format!(" ({})", parts.join(", ")));
        }
        let below = total.total > 0 && total.percent() < config.coverage_min;
        Criterion { name, passed: no_failing_findings && !below, skipped: false, figure }
    }
}

/// Module directories: a go.work's `use` list, else every go.mod at or below `root`.
fn find_modules(root: &Path, shown: &Path) -> Result<Vec<ModuleDir>, GateError> {
    let mut roots: Vec<PathBuf> = Vec::new();
    let work = root.join("go.work");
    if work.is_file() {
        let text = std::fs::read_to_string(&work)
            .map_err(|err| GateError(format!("gate: cannot read {}: {err}", work.display())))?;
        roots.extend(use_directives(&text).iter().map(|used| locate::clean(&root.join(used))));
    } else {
        let mut pending = vec![root.to_path_buf()];
        while let Some(dir) = pending.pop() {
            if dir.join("go.mod").is_file() {
                roots.push(dir.clone());
            }
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name();
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) && !name.to_str().is_some_and(is_skipped_dir_name)
                {
                    pending.push(entry.path());
                }
            }
        }
    }
    roots.sort();
    roots.dedup();
    if roots.is_empty() {
        return Err(GateError(format!(
            "gate: {} is not a Go module: there is no go.mod or go.work in it or below it",
            shown.display()
        )));
    }
    roots
        .into_iter()
        .map(|dir| {
            let go_mod = dir.join("go.mod");
            let text = std::fs::read_to_string(&go_mod)
                .map_err(|err| GateError(format!("gate: cannot read {}: {err}", go_mod.display())))?;
            let path = module_directive(&text)
                .ok_or_else(|| GateError(format!("gate: {} has no `module` line", go_mod.display())))?;
            let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            Ok(ModuleDir { root: dir, canonical, path })
        })
        .collect()
}

/// How a module is named in labels and figures: its directory as the user sees it.
fn module_label(module: &ModuleDir, shown_root: &Path, count: usize) -> String {
    if count < 2 {
        return String::new();
    }
    let display = lint::display_path(&module.root);
    let text = display.to_string_lossy();
    if text.is_empty() { shown_root.display().to_string() } else { text.into_owned() }
}

fn step_label(step: &str, module_label: &str) -> String {
    if module_label.is_empty() { step.to_string() } else { format!("{step} ({module_label})") }
}

/// `TestX/sub/case` → `TestX`.
fn top_level(test: &str) -> &str {
    test.split('/').next().unwrap_or(test)
}

/// A `-run` pattern that selects exactly this test or subtest.
fn run_pattern(test: &str) -> String {
    test.split('/').map(|part| format!("^{}$", regex::escape(part))).collect::<Vec<_>>().join("/")
}

/// The `./dir` form of a package in the module, for commands a reader can paste.
fn package_arg(module: &ModuleDir, import_path: &str) -> String {
    match import_path.strip_prefix(&module.path) {
        Some("") => ".".into(),
        Some(rest) if rest.starts_with('/') => format!(".{rest}"),
        _ => import_path.to_string(),
    }
}

/// A config key or bench package (`./dir`, `.` or an import path) as an import path.
fn package_key(module: &ModuleDir, key: &str) -> String {
    let key = key.trim_end_matches('/');
    if key == "." || key == "./" {
        module.path.clone()
    } else if let Some(rest) = key.strip_prefix("./") {
        format!("{}/{}", module.path, rest.trim_start_matches("./"))
    } else {
        key.to_string()
    }
}

fn coverage_table(summary: &coverage::Summary) -> String {
    let mut rows: Vec<(&String, &coverage::Counts)> = summary.packages.iter().collect();
    rows.sort_by(|a, b| a.1.percent().total_cmp(&b.1.percent()).then(a.0.cmp(b.0)));
    let mut text = String::from("coverage by package (lowest first):\n");
    for (package, counts) in rows {
        text.push_str(&format!(
            "{:>6.1}%  {package} ({}/{} statements)\n",
            counts.percent(),
            counts.covered,
            counts.total
        ));
    }
    text.push_str(&format!(
        "{:>6.1}%  total ({}/{} statements)\n",
        summary.total.percent(),
        summary.total.covered,
        summary.total.total
    ));
    text
}

fn files_need_gofmt(count: usize) -> String {
    if count == 1 { "1 file needs gofmt".into() } else { format!("{count} files need gofmt") }
}

/// The last 32 KiB of a tool's output, whole lines: enough to act on, small enough for any report.
fn tail(text: &str) -> String {
    const KEEP: usize = 32 << 10;
    if text.len() <= KEEP {
        return text.to_string();
    }
    let mut cut = text.len() - KEEP;
    while !text.is_char_boundary(cut) {
        cut += 1;
    }
    let cut = text[cut..].find('\n').map_or(cut, |newline| cut + newline + 1);
    format!("… ({cut} earlier bytes not kept)\n{}", &text[cut..])
}

/// A `$GOFLAGS` that `go` rejects is the environment's fault, not the code's: a tool error (exit 2)
/// that names the flag, never a compiler finding.
fn check_goflags(step: &str, finished: &process::Finished) -> Result<(), GateError> {
    if finished.status.success() {
        return Ok(());
    }
    let Some(line) = finished
        .stderr
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("go: ") && (line.contains("$GOFLAGS") || line.contains("%GOFLAGS%")))
    else {
        return Ok(());
    };
    let value = std::env::var("GOFLAGS").unwrap_or_default();
    Err(GateError(format!("gate: step `{step}`: go rejected GOFLAGS={value:?}: {line}")))
}

/// go's reason for refusing `-race` (no cgo, or a platform without the race detector).
fn race_unavailable(stderr: &str) -> Option<&str> {
    stderr
        .lines()
        .map(str::trim)
        .find(|line| line.contains("-race requires cgo") || line.contains("-race is not supported on"))
}

/// Whether a package directory's `_test.go` files declare a test or fuzz function
/// (`func TestX(`, `func FuzzX(`; not `TestMain`, not `Testify(`).
fn has_test_functions(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return true };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_str().is_some_and(|name| name.ends_with("_test.go")))
        .any(|entry| std::fs::read_to_string(entry.path()).is_ok_and(|text| text.lines().any(is_test_function_line)))
}

fn is_test_function_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("func ") else { return false };
    ["Test", "Fuzz"].iter().any(|prefix| {
        rest.strip_prefix(prefix).is_some_and(|name| {
            name.starts_with('(') || (name.starts_with(|c: char| !c.is_lowercase()) && !name.starts_with("Main("))
        })
    })
}

/// `go vet` and `go test` fail on a pattern that matches nothing; `go build` only warns.
fn matched_no_packages(stderr: &str) -> bool {
    stderr.lines().any(|line| line.starts_with("no packages to ") || line.contains("matched no packages"))
        && !stderr.lines().any(|line| ERROR_LIKE.iter().any(|start| line.starts_with(start)))
}

/// `go` lines that mean a real failure even when a pattern also matched nothing.
const ERROR_LIKE: [&str; 2] = ["go: errors", "go: cannot"];

fn first_meaningful_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|line| !line.is_empty() && !line.starts_with('#'))
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

fn plural_or(count: usize, noun: &str, zero: &str) -> String {
    if count == 0 { zero.to_string() } else { plural(count, noun) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_work_and_go_mod_directives() {
        assert_eq!(
            use_directives("go 1.22\n\nuse ./a\nuse (\n\t./b // b\n\t\"./c\"\n)\nuser x\n"),
            vec!["./a", "./b", "./c"]
        );
        assert_eq!(module_directive("// x\nmodule \"example.com/m\" // the module\n"), Some("example.com/m".into()));
        assert_eq!(module_directive("modules x\n"), None);
    }

    #[test]
    fn package_names_for_commands() {
        let module = ModuleDir { root: "/m".into(), canonical: "/m".into(), path: "example.com/m".into() };
        assert_eq!(package_arg(&module, "example.com/m"), ".");
        assert_eq!(package_arg(&module, "example.com/m/a/b"), "./a/b");
        assert_eq!(package_arg(&module, "example.com/mx"), "example.com/mx");
        assert_eq!(package_key(&module, "./parser/"), "example.com/m/parser");
        assert_eq!(package_key(&module, "."), "example.com/m");
        assert_eq!(run_pattern("TestSub/bad_one"), "^TestSub$/^bad_one$");
        assert_eq!(top_level("TestSub/bad_one"), "TestSub");
    }

    #[test]
    fn a_module_without_packages_is_not_a_failure() {
        assert!(matched_no_packages("go: warning: \"./...\" matched no packages\nno packages to test\n"));
        assert!(!matched_no_packages("go: cannot find main module\nno packages to test\n"));
        assert!(!matched_no_packages("./a.go:1:1: expected 'package'\n"));
    }

    #[test]
    fn long_tool_output_keeps_its_end() {
        let text: String = (0..10_000).map(|index| format!("line {index}\n")).collect();
        let kept = tail(&text);
        assert!(kept.len() < 33 << 10 && kept.starts_with("… (") && kept.ends_with("line 9999\n"));
        assert_eq!(tail("short\n"), "short\n");
    }

    #[test]
    fn every_rule_has_a_criterion() {
        assert_eq!(criterion_of("vet/printf"), "vet");
        assert_eq!(criterion_of("gate/race"), "race");
        assert_eq!(criterion_of("signal-unbuffered"), "static");
        assert_eq!(plural(1, "data race"), "1 data race");
        assert_eq!(plural_or(0, "finding", "ok"), "ok");
    }
}
