//! Progress for long `check` runs: files done out of total and time elapsed, one line on stderr
//! that clears itself at the end. Drawn only when the command line turned it on (stderr is a
//! terminal and no `--quiet`), and only once a run has taken long enough to be worth watching,
//! so quick runs, pipes, CI logs and the library's callers never see it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A run shorter than this shows no progress at all.
const SHOW_AFTER: Duration = Duration::from_millis(500);

static ENABLED: AtomicBool = AtomicBool::new(false);
static BAR: RwLock<Option<ProgressBar>> = RwLock::new(None);

/// Turn progress on for this process (the `check` command decides; nothing else does).
pub fn enable(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether `check` should show progress: stderr is a terminal and `--quiet` is off.
pub fn wanted(quiet: bool, stderr_is_terminal: bool) -> bool {
    !quiet && stderr_is_terminal
}

/// Ends the bar of [`start`] when dropped, clearing its line.
pub struct Run(());

impl Drop for Run {
    fn drop(&mut self) {
        if let Ok(mut bar) = BAR.write()
            && let Some(bar) = bar.take()
        {
            bar.finish_and_clear();
        }
    }
}

/// Start counting `total` files; hidden until [`SHOW_AFTER`] has passed.
pub fn start(total: usize) -> Run {
    if ENABLED.load(Ordering::Relaxed)
        && let Ok(mut slot) = BAR.write()
    {
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} checking {pos}/{len} files [{elapsed}] {wide_bar}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        *slot = Some(bar);
    }
    Run(())
}

/// One file done.
pub fn tick() {
    let Ok(slot) = BAR.read() else { return };
    let Some(bar) = slot.as_ref() else { return };
    bar.inc(1);
    if bar.is_hidden() && bar.elapsed() >= SHOW_AFTER {
        bar.set_draw_target(ProgressDrawTarget::stderr());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_only_on_a_terminal_without_quiet() {
        assert!(wanted(false, true));
        assert!(!wanted(true, true));
        assert!(!wanted(false, false));
        assert!(!wanted(true, false));
    }
}
