//! Progress bars on stderr (indicatif), shown only when stderr is a
//! terminal and `--quiet` is not given.
//!
//! A stage of known size shows `done/total` and never counts past its
//! total; a stage of unknown size (reading) shows a count alone.

use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reprint::pipeline::Progress;

/// One bar, reset at each stage.
pub struct Bar {
    bar: ProgressBar,
    /// Units done in this stage (workers advance concurrently).
    done: AtomicU64,
}

/// The look of a stage of known size.
const SIZED: &str = "{msg:>8} [{elapsed_precise}] {wide_bar} {pos}/{len}";
/// The look of a stage of unknown size.
const COUNT: &str = "{msg:>8} [{elapsed_precise}] {pos}";

impl Bar {
    /// A bar on stderr; hidden when `quiet` or when stderr is not a terminal
    /// (indicatif checks that itself).
    pub fn new(quiet: bool) -> Bar {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr_with_hz(4) };
        let bar = Bar { bar: ProgressBar::with_draw_target(None, target), done: AtomicU64::new(0) };
        bar.style(COUNT);
        bar
    }

    fn style(&self, template: &str) {
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style);
        }
    }

    /// Starts a stage of unknown size (reading input): a message and a
    /// count.
    pub fn message(&self, msg: &'static str) {
        self.bar.unset_length();
        self.done.store(0, Ordering::Relaxed);
        self.bar.set_position(0);
        self.style(COUNT);
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
        self.style(SIZED);
        self.bar.set_length(total);
        self.done.store(0, Ordering::Relaxed);
        self.bar.set_position(0);
        self.bar.set_message(name);
    }

    fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed).saturating_add(n);
        self.bar.set_position(self.bar.length().map_or(done, |total| done.min(total)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_never_counts_past_its_total() {
        let bar = Bar::new(true);
        bar.message("reading");
        bar.advance(26);
        assert_eq!((bar.bar.position(), bar.bar.length()), (26, None));
        bar.stage("pairs", 7);
        assert_eq!(bar.bar.position(), 0, "a stage starts from 0");
        bar.advance(4);
        bar.advance(4);
        assert_eq!((bar.bar.position(), bar.bar.length()), (7, Some(7)));
        bar.stage("lsh", 4);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| bar.advance(3));
            }
        });
        assert_eq!(bar.bar.position(), 4);
    }
}
