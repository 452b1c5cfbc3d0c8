//! `gate`: build, vet, tests under -race, coverage, benchmarks and `check`, in one report.

use crate::app::{AppError, print_stderr};
use crate::cli::GateArgs;
use crate::commands::check::{emit_reports, exit_code, filter_findings, thread_count};
use crate::config;
use crate::diagnostic::Severity;
use crate::fix::interrupt;
use crate::gate::config::{GateConfig, Overrides};
use crate::gate::progress::Progress;
use crate::gate::{self, GateRequest};

pub fn run(args: GateArgs) -> Result<u8, AppError> {
    let target = args.dir.to_string_lossy().into_owned();
    let settings = config::resolve(&args.output, &[target]).map_err(|err| AppError(err.to_string()))?;
    let overrides = Overrides {
        steps: args.steps.clone(),
        coverage_min: args.coverage_min,
        no_race: args.no_race,
        timeout_seconds: args.timeout,
    };
    let gate_config = GateConfig::resolve(settings.gate.as_ref(), settings.config_path.as_deref(), &overrides)
        .map_err(|err| AppError(err.0))?;
    // With `--fail-on none` the static criterion still reads FAIL on errors; the exit code ignores it.
    let fail_on = args.output.fail_on.threshold().unwrap_or(Severity::Error);
    let outcome = {
        let progress = Progress::new(args.output.quiet);
        // Steps run in process groups of their own, which a terminal's Ctrl-C does not reach:
        // the gate catches SIGINT/SIGTERM, stops the running group, removes its temporary
        // directory and exits as the signal would have (130/143). A second signal ends it at once.
        let signals = interrupt::Guard::install();
        let request = GateRequest {
            dir: &args.dir,
            config: &gate_config,
            settings: &settings,
            threads: thread_count(&args.output),
            fail_on,
            progress: &progress,
            signals: Some(&signals),
        };
        let result = gate::run(&request);
        if let Some(signal) = signals.received() {
            drop(progress);
            let why = result.err().map_or_else(|| "gate: interrupted".to_string(), |err| err.0);
            print_stderr(&format!("golint-guard: {why}; no report written\n"));
            return Ok(interrupt::exit_status(signal));
        }
        result.map_err(|err| AppError(err.0))?
    };
    let criteria_failed = outcome.any_criterion_failed();
    let mut lint = outcome.lint;
    filter_findings(&args.output, &mut lint)?;
    emit_reports(&args.output, &lint, &settings, Some(&outcome.criteria), false)?;
    Ok(exit_code(&args.output, &lint.findings, criteria_failed))
}
