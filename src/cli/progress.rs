//! Progress bars on stderr (indicatif), shown only when stderr is a
//! terminal and `--quiet` is not given.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reprint::pipeline::Progress;

/// One bar, reset at each stage.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar on stderr; hidden when `quiet` or when stderr is not a terminal
    /// (indicatif checks that itself).
    pub fn new(quiet: bool) -> Bar {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr_with_hz(4) };
        let bar = ProgressBar::with_draw_target(None, target);
        if let Ok(style) = ProgressStyle::with_template("{msg:>8} [{elapsed_precise}] {wide_bar} {pos}/{len}")
        {
            bar.set_style(style);
        }
        Bar { bar }
    }

    /// Shows a message in the bar's place (reading input).
    pub fn message(&self, msg: &'static str) {
        self.bar.set_message(msg);
        self.bar.tick();
    }

    /// Runs `f` (which prints) with the bar out of the way.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        self.bar.suspend(f)
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: u64) {
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.bar.set_message(name);
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}
