//! Progress on stderr: one updating line on a terminal (step, packages done out of total,
//! time elapsed), plain log lines otherwise, nothing with `--quiet`.

use super::process::format_duration;
use std::io::{IsTerminal, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Quiet,
    Log,
    Terminal,
}

#[derive(Debug, Default)]
struct Current {
    /// `test (example.com/m)`
    label: Option<String>,
    started: Option<Instant>,
    done: usize,
    total: Option<usize>,
}

pub struct Progress {
    mode: Mode,
    current: Arc<Mutex<Current>>,
    ticker: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Terminal
        } else {
            Mode::Log
        };
        Progress::with_mode(mode)
    }

    pub fn with_mode(mode: Mode) -> Progress {
        let current = Arc::new(Mutex::new(Current::default()));
        let ticker = (mode == Mode::Terminal).then(|| {
            let (stop, stopped) = mpsc::channel::<()>();
            let current = Arc::clone(&current);
            let handle = std::thread::spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(Duration::from_millis(200)) {
                    if let Ok(current) = current.lock() {
                        redraw(&current);
                    }
                }
            });
            (stop, handle)
        });
        Progress { mode, current, ticker }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether a package total is worth computing (only a terminal shows it).
    pub fn wants_totals(&self) -> bool {
        self.mode == Mode::Terminal
    }

    pub fn start(&self, label: &str, command: &str) {
        if let Ok(mut current) = self.current.lock() {
            *current = Current { label: Some(label.to_string()), started: Some(Instant::now()), done: 0, total: None };
            match self.mode {
                Mode::Terminal => redraw(&current),
                Mode::Log => write_line(&format!("gate: {label}: {command}")),
                Mode::Quiet => {}
            }
        }
    }

    pub fn set_total(&self, total: usize) {
        if let Ok(mut current) = self.current.lock() {
            current.total = Some(total);
        }
    }

    pub fn package_done(&self) {
        if let Ok(mut current) = self.current.lock() {
            current.done += 1;
            if self.mode == Mode::Terminal {
                redraw(&current);
            }
        }
    }

    /// End the step with a short result (`ok`, `2 errors`).
    pub fn finish(&self, result: &str) {
        if let Ok(mut current) = self.current.lock() {
            let Some(label) = current.label.take() else { return };
            let elapsed = current.started.map(|started| format_duration(started.elapsed())).unwrap_or_default();
            let packages = if current.done > 0 { format!(", {} packages", current.done) } else { String::new() };
            match self.mode {
                Mode::Terminal => write_raw(&format!("\r\x1b[2Kgate: {label} ... {result} ({elapsed}{packages})\n")),
                Mode::Log => write_line(&format!("gate: {label} ... {result} ({elapsed}{packages})")),
                Mode::Quiet => {}
            }
        }
    }

    /// Clear the updating line (before an error message, or at the end).
    pub fn clear(&self) {
        if let Ok(mut current) = self.current.lock()
            && self.mode == Mode::Terminal
            && current.label.take().is_some()
        {
            write_raw("\r\x1b[2K");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
        if let Some((stop, handle)) = self.ticker.take() {
            drop(stop);
            let _ = handle.join();
        }
    }
}

fn redraw(current: &Current) {
    let Some(label) = &current.label else { return };
    let elapsed = current.started.map(|started| format_duration(started.elapsed())).unwrap_or_default();
    let packages = match (current.done, current.total) {
        (done, Some(total)) => format!(" [{done}/{total} packages]"),
        (0, None) => String::new(),
        (done, None) => format!(" [{done} packages]"),
    };
    write_raw(&format!("\r\x1b[2Kgate: {label}{packages} {elapsed}"));
}

fn write_line(text: &str) {
    write_raw(&format!("{text}\n"));
}

fn write_raw(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}
