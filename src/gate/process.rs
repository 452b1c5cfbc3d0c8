//! Running one tool command for a gate step: in the module directory, with a deadline, stdout
//! streamed line by line so memory stays bounded and progress can update.

use super::GateError;
use crate::fix::interrupt::Guard;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The most stderr (or unstreamed stdout) kept from one command; the rest is dropped with a note.
const MAX_CAPTURE: usize = 32 << 20;
/// The longest stdout line handed to a line callback; longer lines are cut.
const MAX_LINE: usize = 1 << 20;

/// One command to run for a step.
pub struct StepCommand<'a> {
    /// The step's name, for errors (`test`, `vet`).
    pub step: &'a str,
    pub program: &'a Path,
    pub args: Vec<OsString>,
    pub dir: &'a Path,
    pub timeout: Duration,
    /// golint-guard's SIGINT/SIGTERM catcher: a signal stops the command's whole group.
    pub signals: Option<&'a Guard>,
}

#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    /// Empty when stdout was streamed to a callback.
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl StepCommand<'_> {
    /// The command line as a reader would type it, for logs.
    pub fn display(&self) -> String {
        let name = self
            .program
            .file_name()
            .map_or_else(|| self.program.display().to_string(), |n| n.to_string_lossy().into_owned());
        let mut shown = name;
        for arg in &self.args {
            let arg = arg.to_string_lossy();
            if arg.is_empty() || arg.contains([' ', '\'', '"', '$', '|', '^']) {
                shown.push_str(&format!(" '{}'", arg.replace('\'', "'\\''")));
            } else {
                shown.push(' ');
                shown.push_str(&arg);
            }
        }
        shown
    }

    /// Run to completion and capture both streams.
    pub fn run(&self) -> Result<Finished, GateError> {
        self.run_inner(None)
    }

    /// Run, handing each stdout line (without its newline) to `on_line` as it arrives.
    pub fn run_streaming(&self, on_line: &mut dyn FnMut(&str)) -> Result<Finished, GateError> {
        self.run_inner(Some(on_line))
    }

    fn run_inner(&self, on_line: Option<&mut dyn FnMut(&str)>) -> Result<Finished, GateError> {
        let started = Instant::now();
        if let Some(signal) = self.signals.and_then(Guard::received) {
            return Err(self.interrupted_error(signal));
        }
        let mut command = Command::new(self.program);
        command
            .args(&self.args)
            .current_dir(self.dir)
            // Go reports file paths from its working directory; with PWD set it keeps the path
            // we gave (symlinks included), so paths in its output match ours.
            .env("PWD", self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // A group of its own, so a timeout or a signal can stop the test binaries `go` started
        // (and what they started) as well. It also means a terminal's Ctrl-C reaches only us:
        // the group is stopped by `Watchdog`.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|err| self.spawn_error(&err))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let watchdog = Watchdog { child, deadline: started + self.timeout, signals: self.signals };

        let (waited, stderr_text, stdout_text) = std::thread::scope(|scope| {
            let stderr_reader = stderr.map(|stderr| scope.spawn(move || read_capped(stderr)));
            // The watchdog owns the child: it reaps it, and stops its group on a timeout or a
            // signal, which closes the pipes the readers below are blocked on.
            let watching = scope.spawn(move || watchdog.watch());
            let mut stdout_text = String::new();
            if let Some(stdout) = stdout {
                let mut reader = BufReader::with_capacity(64 << 10, stdout);
                match on_line {
                    Some(on_line) => {
                        let mut line = Vec::new();
                        while read_line_capped(&mut reader, &mut line) {
                            on_line(String::from_utf8_lossy(&line).trim_end_matches(['\n', '\r']));
                        }
                    }
                    None => stdout_text = read_capped(reader),
                }
            }
            let waited = watching.join().unwrap_or_else(|_| Err(std::io::Error::other("the watchdog panicked")));
            let stderr_text = stderr_reader.and_then(|reader| reader.join().ok()).unwrap_or_default();
            (waited, stderr_text, stdout_text)
        });
        let (status, stopped) = waited.map_err(|err| {
            GateError(format!("gate: step `{}`: cannot wait for `{}`: {err}", self.step, self.display()))
        })?;
        match stopped {
            Some(Stopped::Signal(signal)) => return Err(self.interrupted_error(signal)),
            Some(Stopped::TimedOut) => {
                return Err(GateError(format!(
                    "gate: step `{}` timed out after {} in {} (running `{}`); raise [gate].timeout or --timeout",
                    self.step,
                    format_duration(self.timeout),
                    self.dir.display(),
                    self.display()
                )));
            }
            None => {}
        }
        Ok(Finished { status, stdout: stdout_text, stderr: stderr_text, elapsed: started.elapsed() })
    }

    fn interrupted_error(&self, signal: &str) -> GateError {
        GateError(format!(
            "gate: interrupted by {signal} during step `{}`; stopped `{}` and every process it started",
            self.step,
            self.display()
        ))
    }

    fn spawn_error(&self, err: &std::io::Error) -> GateError {
        let program = self.program.display();
        if err.kind() == std::io::ErrorKind::NotFound {
            if !self.dir.is_dir() {
                return GateError(format!(
                    "gate: step `{}`: directory {} does not exist",
                    self.step,
                    self.dir.display()
                ));
            }
            return GateError(format!(
                "gate: step `{}`: `{program}` was not found (install Go or set PATH)",
                self.step
            ));
        }
        GateError(format!("gate: step `{}`: cannot run `{program}`: {err}", self.step))
    }
}

/// Read a whole stream, keeping at most `MAX_CAPTURE` bytes.
fn read_capped(stream: impl Read) -> String {
    let mut kept = Vec::new();
    let mut reader = BufReader::new(stream);
    let mut dropped = 0usize;
    loop {
        let chunk = match reader.fill_buf() {
            Ok([]) => break,
            Ok(chunk) => chunk,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let room = MAX_CAPTURE.saturating_sub(kept.len());
        let take = room.min(chunk.len());
        kept.extend_from_slice(&chunk[..take]);
        dropped += chunk.len() - take;
        let consumed = chunk.len();
        reader.consume(consumed);
    }
    let mut text = String::from_utf8_lossy(&kept).into_owned();
    if dropped > 0 {
        text.push_str(&format!("\n… {dropped} more bytes of output dropped\n"));
    }
    text
}

/// Read one line into `line` (cleared first), keeping at most `MAX_LINE` bytes of it.
/// Returns false at the end of the stream.
fn read_line_capped(reader: &mut impl BufRead, line: &mut Vec<u8>) -> bool {
    line.clear();
    let mut any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok([]) => return any,
            Ok(chunk) => chunk,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return any,
        };
        any = true;
        let (used, complete) = match chunk.iter().position(|&byte| byte == b'\n') {
            Some(newline) => (newline + 1, true),
            None => (chunk.len(), false),
        };
        let room = MAX_LINE.saturating_sub(line.len());
        line.extend_from_slice(&chunk[..used.min(room)]);
        reader.consume(used);
        if complete {
            return true;
        }
    }
}

/// Why a command did not run to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopped {
    TimedOut,
    Signal(&'static str),
}

/// How often the watchdog looks at the child, the clock and the signal flag.
const POLL: Duration = Duration::from_millis(10);
/// After SIGINT, how long `go` gets to stop its test binaries and remove its work directory
/// before the whole group is killed.
const GRACE: Duration = Duration::from_secs(3);

/// Waits for a step's process; on its deadline or a SIGINT/SIGTERM to golint-guard it stops the
/// process group (SIGINT, then SIGKILL after `GRACE`). When the leader exits, whatever is left
/// of its group (a test's helper process, a server it forgot) is killed too, so the gate never
/// leaves a process behind and no straggler holds the output pipes open.
struct Watchdog<'a> {
    child: Child,
    deadline: Instant,
    signals: Option<&'a Guard>,
}

impl Watchdog<'_> {
    fn watch(mut self) -> std::io::Result<(ExitStatus, Option<Stopped>)> {
        let group = self.child.id();
        let mut stopped = None;
        let mut kill_at = None;
        loop {
            if let Some(status) = self.child.try_wait()? {
                // Reaped just now: members left in the group keep its id from being reused, and
                // with none left the signal finds nobody.
                signal_group(group, GroupSignal::Kill);
                return Ok((status, stopped));
            }
            let now = Instant::now();
            if stopped.is_none() {
                let signal = self.signals.and_then(Guard::received);
                stopped = match signal {
                    Some(signal) => Some(Stopped::Signal(signal)),
                    None if now >= self.deadline => Some(Stopped::TimedOut),
                    None => None,
                };
                if stopped.is_some() {
                    signal_group(group, GroupSignal::Interrupt);
                    kill_at = Some(now + GRACE);
                }
            }
            if kill_at.is_some_and(|at| now >= at) {
                signal_group(group, GroupSignal::Kill);
                kill_at = None;
            }
            std::thread::sleep(POLL);
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum GroupSignal {
    Interrupt,
    Kill,
}

/// Signal every process in the group `group` (the leader's pid, as `process_group(0)` made it)
/// with `killpg`, never through a `kill` program found on PATH.
#[cfg(unix)]
#[allow(unsafe_code)]
fn signal_group(group: u32, signal: GroupSignal) {
    // 0 and 1 would mean our own group and init's: never signal those by mistake.
    let Ok(group) = libc::pid_t::try_from(group) else { return };
    if group <= 1 {
        return;
    }
    let signal = match signal {
        GroupSignal::Interrupt => libc::SIGINT,
        GroupSignal::Kill => libc::SIGKILL,
    };
    // SAFETY: killpg takes two integers and touches no memory of ours; an empty group is ESRCH,
    // which needs no handling.
    unsafe {
        libc::killpg(group, signal);
    }
}

/// Windows has no process groups to signal: `taskkill /T` walks the tree from the leader
/// (from System32, never from PATH).
#[cfg(windows)]
fn signal_group(group: u32, _signal: GroupSignal) {
    let root = std::env::var_os("SystemRoot").unwrap_or_else(|| "C:\\Windows".into());
    let _ = Command::new(Path::new(&root).join("System32").join("taskkill.exe"))
        .args(["/T", "/F", "/PID", &group.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 1.0 {
        format!("{}ms", duration.as_millis())
    } else if seconds < 120.0 {
        format!("{seconds:.1}s")
    } else {
        format!("{}m{:02}s", duration.as_secs() / 60, duration.as_secs() % 60)
    }
}

/// `name` in a PATH directory (with `.exe` on Windows).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let names: Vec<String> =
        if cfg!(windows) { vec![format!("{name}.exe"), name.to_string()] } else { vec![name.to_string()] };
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .find_map(|dir| names.iter().map(|name| dir.join(name)).find(|candidate| is_executable(candidate)))
}

fn is_executable(path: &Path) -> bool {
    let Ok(metadata) = std::fs::metadata(path) else { return false };
    if !metadata.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_and_the_stream_continues() {
        let mut text = vec![b'x'; MAX_LINE + 10];
        text.extend_from_slice(b"\nnext\nlast");
        let mut reader = BufReader::with_capacity(1024, text.as_slice());
        let mut line = Vec::new();
        assert!(read_line_capped(&mut reader, &mut line));
        assert_eq!(line.len(), MAX_LINE);
        assert!(read_line_capped(&mut reader, &mut line));
        assert_eq!(line, b"next\n");
        assert!(read_line_capped(&mut reader, &mut line));
        assert_eq!(line, b"last");
        assert!(!read_line_capped(&mut reader, &mut line));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_millis(1250)), "1.2s");
        assert_eq!(format_duration(Duration::from_secs(600)), "10m00s");
    }

    #[cfg(unix)]
    #[test]
    fn a_timeout_stops_the_whole_process_group() {
        let sh = find_program("sh").expect("sh on PATH");
        let dir = std::env::temp_dir();
        let command = StepCommand {
            step: "test",
            program: &sh,
            // The grandchild keeps stdout open: only a group kill ends the read.
            args: vec!["-c".into(), "sleep 30 & sleep 30".into()],
            dir: &dir,
            timeout: Duration::from_millis(200),
            signals: None,
        };
        let started = Instant::now();
        let err = command.run().unwrap_err().0;
        assert!(err.contains("step `test` timed out"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
