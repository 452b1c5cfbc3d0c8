//! Applying fixes: non-overlapping edits, re-parse and re-lint until nothing changes (bounded),
//! never a fix that breaks the syntax, and atomic writes.

use crate::config::Settings;
use crate::diagnostic::{Applicability, Finding, Fix};
use crate::discover::ModuleIndex;
use crate::engine::{Engine, ModuleFacts, Worker};
use crate::lint::{LintOutcome, lint_source};
use crate::parse;
use crate::report::plural;
use crate::source::{FileStamp, SourceFile};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Fixing stops after this many lint-and-fix rounds even if fixes keep coming.
pub const MAX_ROUNDS: usize = 10;

#[derive(Debug, Clone, Copy)]
pub struct FixMode {
    pub include_unsafe: bool,
    /// Write the files (`--fix`) or only describe the changes (`--diff`).
    pub write: bool,
}

/// The result of fixing one file's text.
#[derive(Debug, Clone, Default)]
pub struct FixedSource {
    pub text: String,
    pub applied: usize,
    /// Fixes that were not applied, with the reason.
    pub refused: Vec<String>,
    pub rounds: usize,
    /// True when the bound on rounds was reached while fixes were still being offered.
    pub hit_round_limit: bool,
}

#[derive(Debug, Default)]
pub struct FixReport {
    pub diff: String,
    pub files_changed: Vec<PathBuf>,
    pub fixes_applied: usize,
    pub refused: Vec<String>,
    pub written: bool,
    /// Files whose fixed text reached the disk, in order.
    pub files_written: Vec<PathBuf>,
    /// Files with fixes that were not written, with the reason (changed since read, read-only,
    /// I/O error). Any entry makes the run fail.
    pub not_written: Vec<(PathBuf, String)>,
    /// The signal that stopped writing, if one did.
    pub interrupted_by: Option<&'static str>,
}

impl FixReport {
    pub fn summary(&self) -> String {
        let verb = if self.written { "Fixed" } else { "Would fix" };
        let mut out = format!(
            "{verb} {} in {}.\n",
            plural(self.fixes_applied, "finding", "findings"),
            plural(self.files_changed.len(), "file", "files")
        );
        for refused in &self.refused {
            let _ = writeln!(out, "fix not applied: {refused}");
        }
        if self.written && (self.failed() || self.interrupted_by.is_some()) {
            // Name what did change, so the user knows what to review after a partial run.
            for path in &self.files_written {
                let _ = writeln!(out, "written: {}", path.display());
            }
        }
        for (path, reason) in &self.not_written {
            let _ = writeln!(out, "not written: {}: {reason}", path.display());
        }
        if let Some(signal) = self.interrupted_by {
            let _ = writeln!(
                out,
                "interrupted by {signal}: stopped after {} written; no other file was changed",
                plural(self.files_written.len(), "file", "files")
            );
        }
        out
    }

    /// Whether some file with fixes was left unwritten.
    pub fn failed(&self) -> bool {
        !self.not_written.is_empty()
    }
}

pub fn is_applicable(fix: &Fix, include_unsafe: bool) -> bool {
    match fix.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => include_unsafe,
        Applicability::DisplayOnly => false,
    }
}

/// Fix every file of a lint run that has an applicable fix.
///
/// With `mode.write`, each file is written only if it is still the file that was linted, and a
/// file that cannot be written does not stop the others: the report lists what was written and
/// what was not. SIGINT and SIGTERM stop writing between files (a temporary file is removed);
/// a second signal ends the process at once.
pub fn fix_outcome(outcome: &LintOutcome, settings: &Settings, mode: FixMode) -> Result<FixReport, String> {
    let mut engine = Engine::new(&settings.enabled_rules()).map_err(|err| format!("internal error: {err}"))?;
    let mut facts = crate::lint::RelintFacts::new(outcome);
    let modules = ModuleIndex::new(&outcome.discovery);
    let mut worker = Worker::default();
    let mut report = FixReport { written: mode.write, ..FixReport::default() };
    let signals = if mode.write { interrupt::Guard::install() } else { interrupt::Guard::inert() };
    for display_path in outcome.sources.paths() {
        if let Some(signal) = signals.received() {
            report.interrupted_by = Some(signal);
            break;
        }
        let has_fix = outcome.findings.iter().any(|finding| {
            &finding.path == display_path
                && finding.fix.as_ref().is_some_and(|fix| is_applicable(fix, mode.include_unsafe))
        });
        if !has_fix {
            continue;
        }
        // Read again now (the run keeps no file's text): only the text that was linted is fixed.
        let Some(source) = outcome.sources.get(display_path) else {
            report.not_written.push((display_path.clone(), CHANGED_SINCE_READ.into()));
            continue;
        };
        let source = &source;
        set_project_for(&mut engine, &mut facts, &source.path);
        let fixed =
            fix_source(&engine, &mut worker, settings, source, modules.facts_for(&source.path), mode.include_unsafe);
        report.refused.extend(fixed.refused.iter().map(|reason| format!("{}: {reason}", display_path.display())));
        if fixed.text == *source.text {
            continue;
        }
        if mode.write {
            match write_fixed_file(source, &fixed.text, &signals) {
                Ok(()) => report.files_written.push(display_path.clone()),
                Err(WriteError::Interrupted(signal)) => {
                    report.interrupted_by = Some(signal);
                    break;
                }
                Err(WriteError::NotWritten(reason)) => {
                    report.not_written.push((display_path.clone(), reason));
                    continue;
                }
            }
        }
        report.fixes_applied += fixed.applied;
        report.files_changed.push(display_path.clone());
        report.diff.push_str(&unified_diff(display_path, &source.text, &fixed.text));
    }
    Ok(report)
}

/// Give `engine` the facts `file` was linted with (built again when the run did not keep them).
pub fn set_project_for(engine: &mut Engine, facts: &mut crate::lint::RelintFacts<'_>, file: &Path) {
    if let Some(project) = facts.for_file(file)
        && !engine.project().is_some_and(|current| std::sync::Arc::ptr_eq(current, &project))
    {
        engine.set_project(project);
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum WriteError {
    /// The file was left as it is, for this reason.
    NotWritten(String),
    /// A signal arrived; the file was left as it is and no temporary file remains.
    Interrupted(&'static str),
}

/// Write `fixed` over the file `source` was read from, if that file is unchanged since then:
/// through a symlink to its target, atomically (temporary file beside the target, then rename),
/// keeping mode and owner, and never over a file the user may not write.
pub fn write_fixed_file(source: &SourceFile, fixed: &str, signals: &interrupt::Guard) -> Result<(), WriteError> {
    let not_written = |reason: String| WriteError::NotWritten(reason);
    // Rename replaces a symlink itself; resolve it so the target is what changes.
    let target = std::fs::canonicalize(&source.path).map_err(|err| {
        not_written(match err.kind() {
            std::io::ErrorKind::NotFound => "the file was deleted after it was read; not recreated".into(),
            _ => format!("cannot resolve the path: {err}"),
        })
    })?;
    let metadata = std::fs::metadata(&target).map_err(|err| not_written(format!("cannot read its metadata: {err}")))?;
    if !metadata.is_file() {
        return Err(not_written("not a regular file".into()));
    }
    check_writable(&target, &metadata).map_err(not_written)?;
    check_unchanged(source, &target, &metadata).map_err(not_written)?;

    let directory = target.parent().unwrap_or(Path::new("."));
    let describe = |err: std::io::Error| not_written(format!("cannot write it: {err}"));
    // Removed when dropped, so every early return below cleans up.
    let mut temp = tempfile::Builder::new()
        .prefix(".golint-guard-")
        .suffix(".tmp")
        .tempfile_in(directory)
        .map_err(|err| not_written(format!("cannot create a temporary file in {}: {err}", directory.display())))?;
    {
        use std::io::Write as _;
        temp.write_all(fixed.as_bytes()).map_err(describe)?;
        temp.as_file().sync_all().map_err(describe)?;
    }
    temp.as_file().set_permissions(metadata.permissions()).map_err(describe)?;
    keep_owner(temp.as_file(), &metadata);
    interrupt::pause_for_tests(signals);
    if let Some(signal) = signals.received() {
        return Err(WriteError::Interrupted(signal));
    }
    // Last look just before the rename: the user may have saved while the fix was computed.
    let now = std::fs::metadata(&target).map_err(|err| not_written(format!("it changed while being fixed: {err}")))?;
    if FileStamp::of(&now) != FileStamp::of(&metadata) {
        return Err(not_written("it changed on disk while the fix was written; run again".into()));
    }
    temp.persist(&target).map_err(|err| describe(err.error))?;
    Ok(())
}

/// Refuse a file without write permission. Root may write any file, so the mode bits decide as
/// well: a file nobody may write (`0444`) is not rewritten, as editors and `gofmt -w` warn.
fn check_writable(target: &Path, metadata: &std::fs::Metadata) -> Result<(), String> {
    if metadata.permissions().readonly() {
        return Err(format!("the file is read-only{}; make it writable to fix it", mode_text(metadata)));
    }
    // Opening for writing (without truncating) asks the OS whether this user may write it.
    std::fs::OpenOptions::new()
        .write(true)
        .open(target)
        .map(drop)
        .map_err(|err| format!("you may not write the file ({err})"))
}

#[cfg(unix)]
fn mode_text(metadata: &std::fs::Metadata) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    format!(" (mode {:04o})", metadata.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_text(_: &std::fs::Metadata) -> String {
    String::new()
}

const CHANGED_SINCE_READ: &str = "the file changed on disk after it was read; not overwriting the change (run again)";

/// The file on disk must be the one read: same size and modification time, and the same bytes.
fn check_unchanged(source: &SourceFile, target: &Path, metadata: &std::fs::Metadata) -> Result<(), String> {
    if source.read_stamp.is_some_and(|stamp| stamp != FileStamp::of(metadata)) {
        return Err(CHANGED_SINCE_READ.into());
    }
    let current = std::fs::read(target).map_err(|err| format!("cannot read it again: {err}"))?;
    if current != source.text.as_bytes() {
        return Err(CHANGED_SINCE_READ.into());
    }
    Ok(())
}

/// Give the new file the old one's owner and group when allowed (root fixing a user's file);
/// otherwise the rename leaves it owned by the user running the fix, as any editor would.
#[cfg(unix)]
fn keep_owner(file: &std::fs::File, metadata: &std::fs::Metadata) {
    use std::os::unix::fs::MetadataExt as _;
    let _ = std::os::unix::fs::fchown(file, Some(metadata.uid()), Some(metadata.gid()));
}

#[cfg(not(unix))]
fn keep_owner(_: &std::fs::File, _: &std::fs::Metadata) {}

/// Lint, apply the applicable fixes that do not overlap, and repeat until no fix applies or
/// `MAX_ROUNDS` is reached. A file with syntax errors is never fixed.
pub fn fix_source(
    engine: &Engine,
    worker: &mut Worker,
    settings: &Settings,
    source: &SourceFile,
    module: ModuleFacts,
    include_unsafe: bool,
) -> FixedSource {
    let mut current = source.clone();
    let mut result = FixedSource { text: source.text.to_string(), ..FixedSource::default() };
    if has_syntax_errors(worker, &current) {
        result.refused.push("the file has syntax errors, so it is not autofixed".into());
        return result;
    }
    for round in 0..MAX_ROUNDS {
        let findings = lint_source(engine, worker, settings, &current, module);
        let chosen = choose_fixes(&findings, include_unsafe);
        if chosen.is_empty() {
            result.rounds = round;
            break;
        }
        let mut applied_this_round = 0;
        let mut text = current.text.to_string();
        // The usual case first: every chosen fix at once, one pass over the text and one parse,
        // so a file with thousands of fixes costs a few passes, not one per fix.
        let all_at_once = apply_all(&text, &chosen);
        let all_file = SourceFile::new(current.path.clone(), current.display_path.clone(), all_at_once.clone());
        let round_fixes = if has_syntax_errors(worker, &all_file) { chosen.as_slice() } else { &[] };
        if round_fixes.is_empty() {
            text = all_at_once;
            applied_this_round = chosen.len();
        }
        // Some fix breaks the syntax: apply them one by one, from the end of the file backwards
        // so earlier offsets stay valid, and refuse the ones that break it.
        for finding in round_fixes.iter().rev() {
            let Some(fix) = &finding.fix else { continue };
            let candidate = apply_edits(&text, fix);
            let candidate_file = SourceFile::new(current.path.clone(), current.display_path.clone(), candidate.clone());
            if has_syntax_errors(worker, &candidate_file) {
                result.refused.push(format!(
                    "{}:{}: the `{}` fix would introduce a syntax error",
                    finding.start.line, finding.start.column, finding.rule
                ));
                continue;
            }
            text = candidate;
            applied_this_round += 1;
        }
        result.applied += applied_this_round;
        result.rounds = round + 1;
        if applied_this_round == 0 {
            break;
        }
        current = SourceFile::new(current.path.clone(), current.display_path.clone(), text);
        if round + 1 == MAX_ROUNDS {
            result.hit_round_limit =
                !choose_fixes(&lint_source(engine, worker, settings, &current, module), include_unsafe).is_empty();
        }
    }
    result.refused.dedup();
    result.text = current.text.to_string();
    result
}

fn has_syntax_errors(worker: &mut Worker, file: &SourceFile) -> bool {
    parse::parse(&mut worker.parser, file).is_none_or(|tree| tree.root_node().has_error())
}

/// The applicable fixes of one round, in source order, skipping any that overlaps one already
/// chosen (it will be offered again next round, on the fixed text).
pub fn choose_fixes(findings: &[Finding], include_unsafe: bool) -> Vec<&Finding> {
    let mut candidates: Vec<&Finding> = findings
        .iter()
        .filter(|finding| {
            finding.fix.as_ref().is_some_and(|fix| is_applicable(fix, include_unsafe) && !fix.edits.is_empty())
        })
        .collect();
    candidates.sort_by_key(|finding| fix_range(finding.fix.as_ref().expect("filtered")));
    let mut chosen: Vec<&Finding> = Vec::new();
    let mut last_end: Option<usize> = None;
    for finding in candidates {
        let (start, end) = fix_range(finding.fix.as_ref().expect("filtered"));
        if last_end.is_some_and(|last| start <= last && !(start == last && start < end)) {
            continue;
        }
        last_end = Some(end);
        chosen.push(finding);
    }
    chosen
}

fn fix_range(fix: &Fix) -> (usize, usize) {
    let start = fix.edits.iter().map(|edit| edit.span.start).min().unwrap_or(0);
    let end = fix.edits.iter().map(|edit| edit.span.end).max().unwrap_or(0);
    (start, end)
}

/// Apply the edits of several fixes (chosen by `choose_fixes`: sorted, non-overlapping) in one
/// pass.
fn apply_all(text: &str, chosen: &[&Finding]) -> String {
    let edits = chosen.iter().filter_map(|finding| finding.fix.as_ref()).flat_map(|fix| fix.edits.iter().cloned());
    let mut merged: Vec<crate::diagnostic::Edit> = edits.collect();
    merged.sort_by_key(|edit| (edit.span.start, edit.span.end));
    apply_edits(text, &Fix { applicability: Applicability::Safe, edits: merged })
}

/// Apply one fix's edits (sorted, non-overlapping) to `text`. Lines the edits insert end the
/// way the file's lines do (`\r\n` in a CRLF file), though rules write them with `\n`.
pub fn apply_edits(text: &str, fix: &Fix) -> String {
    let crlf = uses_crlf(text);
    let mut out = String::with_capacity(text.len() + 16);
    let mut position = 0;
    for edit in &fix.edits {
        let start = edit.span.start.clamp(position, text.len());
        let end = edit.span.end.clamp(start, text.len());
        out.push_str(&text[position..start]);
        if crlf {
            push_with_crlf(&mut out, &edit.content);
        } else {
            out.push_str(&edit.content);
        }
        position = end;
    }
    out.push_str(&text[position..]);
    out
}

/// Whether the file's line endings are CRLF, judged by its first line ending (files with mixed
/// endings are rare; the first one is what an editor would pick too).
pub fn uses_crlf(text: &str) -> bool {
    text.find('\n').is_some_and(|newline| text[..newline].ends_with('\r'))
}

fn push_with_crlf(out: &mut String, content: &str) {
    let mut previous = None;
    for c in content.chars() {
        if c == '\n' && previous != Some('\r') {
            out.push('\r');
        }
        out.push(c);
        previous = Some(c);
    }
}

pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let shown = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

/// SIGINT and SIGTERM while `--fix` writes: the first asks the write loop to stop between
/// steps (so no half-made change and no temporary file is left); a second, or one after the
/// writing is over, has the default effect.
pub mod interrupt {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Test seam: pause this many milliseconds between writing a temporary file and renaming it,
    /// so tests can change the file or send a signal at the riskiest moment.
    pub const PAUSE_ENV: &str = "GOLINT_GUARD_TEST_FIX_PAUSE_MS";

    pub struct Guard {
        /// The number of the first signal received, or 0.
        received: Arc<AtomicUsize>,
        /// Once true, the next signal terminates the process the default way.
        terminate: Arc<AtomicBool>,
        #[cfg(unix)]
        setters: Vec<signal_hook::SigId>,
    }

    impl Guard {
        /// Catch SIGINT and SIGTERM until dropped. If the handlers cannot be installed, signals
        /// keep their default effect (no worse than before).
        pub fn install() -> Guard {
            let mut guard = Guard::inert();
            #[cfg(unix)]
            {
                use signal_hook::consts::{SIGINT, SIGTERM};
                use signal_hook::flag;
                for signal in [SIGINT, SIGTERM] {
                    // Registered first, so it sees the flag as it was before this signal.
                    if flag::register_conditional_default(signal, Arc::clone(&guard.terminate)).is_err() {
                        continue;
                    }
                    let number = usize::try_from(signal).unwrap_or(usize::MAX);
                    guard.setters.extend(flag::register_usize(signal, Arc::clone(&guard.received), number).ok());
                    guard.setters.extend(flag::register(signal, Arc::clone(&guard.terminate)).ok());
                }
            }
            guard
        }

        /// A guard that never reports a signal (`--diff`, or platforms without signals).
        pub fn inert() -> Guard {
            Guard {
                received: Arc::new(AtomicUsize::new(0)),
                terminate: Arc::new(AtomicBool::new(false)),
                #[cfg(unix)]
                setters: Vec::new(),
            }
        }

        /// The signal received so far, if any.
        pub fn received(&self) -> Option<&'static str> {
            #[cfg(unix)]
            {
                use signal_hook::consts::{SIGINT, SIGTERM};
                match i32::try_from(self.received.load(Ordering::SeqCst)) {
                    Ok(SIGINT) => return Some("SIGINT"),
                    Ok(SIGTERM) => return Some("SIGTERM"),
                    _ => {}
                }
            }
            None
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            // Writing is over: from now on a signal ends the process as if never caught.
            self.terminate.store(true, Ordering::SeqCst);
            #[cfg(unix)]
            for id in self.setters.drain(..) {
                let _ = signal_hook::low_level::unregister(id);
            }
        }
    }

    /// The pause `PAUSE_ENV` asks for, cut short by a signal.
    pub fn pause_for_tests(guard: &Guard) {
        let Some(millis) = std::env::var(PAUSE_ENV).ok().and_then(|value| value.parse::<u64>().ok()) else {
            return;
        };
        let until = std::time::Instant::now() + std::time::Duration::from_millis(millis);
        while std::time::Instant::now() < until && guard.received().is_none() {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// The exit status of a process stopped by `signal`, as shells report it (128 + number).
    pub fn exit_status(signal: &str) -> u8 {
        match signal {
            "SIGTERM" => 143,
            _ => 130,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Position, Severity, Span};

    fn finding_with(edits: Vec<Edit>) -> Finding {
        Finding {
            rule: "r".into(),
            severity: Severity::Error,
            path: "a.go".into(),
            span: None,
            start: Position::default(),
            end: Position::default(),
            labels: vec![],
            message: String::new(),
            help: None,
            fix: Some(Fix::safe(edits)),
            detail: None,
        }
    }

    #[test]
    fn overlapping_fixes_are_not_chosen_together() {
        let findings = vec![
            finding_with(vec![Edit::replace(Span::new(0, 5), "x")]),
            finding_with(vec![Edit::replace(Span::new(3, 8), "y")]),
            finding_with(vec![Edit::insert(8, "z")]),
        ];
        let chosen = choose_fixes(&findings, false);
        assert_eq!(chosen.len(), 2);
        assert_eq!(chosen[1].fix.as_ref().unwrap().edits[0].content, "z");
    }

    /// Issue 11, item 4: an inserted line in a CRLF file ended with a bare LF.
    #[test]
    fn inserted_lines_take_the_files_line_endings() {
        let crlf = "func f() {\r\n\tmu.Lock()\r\n}\r\n";
        let at = crlf.find("()\r\n").expect("call") + 2;
        let fix = Fix::safe(vec![Edit::insert(at, "\n\tdefer mu.Unlock()")]);
        assert_eq!(apply_edits(crlf, &fix), "func f() {\r\n\tmu.Lock()\r\n\tdefer mu.Unlock()\r\n}\r\n");
        // Content that already says CRLF is not doubled, and LF files keep LF.
        let fix = Fix::safe(vec![Edit::insert(at, "\r\n\tx()\n")]);
        assert_eq!(apply_edits(crlf, &fix), "func f() {\r\n\tmu.Lock()\r\n\tx()\r\n\r\n}\r\n");
        let lf = crlf.replace("\r\n", "\n");
        let fix = Fix::safe(vec![Edit::insert(lf.find("()\n").expect("call") + 2, "\n\tdefer mu.Unlock()")]);
        assert_eq!(apply_edits(&lf, &fix), "func f() {\n\tmu.Lock()\n\tdefer mu.Unlock()\n}\n");
    }

    #[test]
    fn edits_apply_in_order() {
        let fix = Fix::safe(vec![Edit::insert(3, ", 1"), Edit::replace(Span::new(0, 1), "X")]);
        assert_eq!(apply_edits("abc)", &fix), "Xbc, 1)");
    }
}
