//! Running one tool command for a gate step: in the module directory, with a deadline, stdout
//! streamed line by line so memory stays bounded and progress can update.

use super::GateError;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
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
        // A group of its own, so a timeout can stop the test binaries `go` started as well.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|err| self.spawn_error(&err))?;
        let pid = child.id();

        let (done_sender, done_receiver) = mpsc::channel::<()>();
        let timed_out = Arc::new(AtomicBool::new(false));
        let watchdog = {
            let timed_out = Arc::clone(&timed_out);
            let timeout = self.timeout;
            std::thread::spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = done_receiver.recv_timeout(timeout) {
                    timed_out.store(true, Ordering::SeqCst);
                    kill_tree(pid);
                }
            })
        };
        let stderr_reader = child.stderr.take().map(|stderr| std::thread::spawn(move || read_capped(stderr)));

        let mut stdout_text = String::new();
        if let Some(stdout) = child.stdout.take() {
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
        let status = child.wait();
        drop(done_sender);
        let _ = watchdog.join();
        let stderr_text = stderr_reader.and_then(|reader| reader.join().ok()).unwrap_or_default();
        let status = status.map_err(|err| {
            GateError(format!("gate: step `{}`: cannot wait for `{}`: {err}", self.step, self.display()))
        })?;
        if timed_out.load(Ordering::SeqCst) {
            return Err(GateError(format!(
                "gate: step `{}` timed out after {} in {} (running `{}`); raise [gate].timeout or --timeout",
                self.step,
                format_duration(self.timeout),
                self.dir.display(),
                self.display()
            )));
        }
        Ok(Finished { status, stdout: stdout_text, stderr: stderr_text, elapsed: started.elapsed() })
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

/// Stop a command and everything it started. std has no signal API and this crate forbids
/// `unsafe`, so the POSIX `kill` utility signals the process group; the group is the child's
/// pid because it was spawned with `process_group(0)`.
fn kill_tree(pid: u32) {
    #[cfg(unix)]
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{pid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    #[cfg(windows)]
    let _ = Command::new("taskkill")
        .args(["/T", "/F", "/PID", &pid.to_string()])
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
        };
        let started = Instant::now();
        let err = command.run().unwrap_err().0;
        assert!(err.contains("step `test` timed out"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
