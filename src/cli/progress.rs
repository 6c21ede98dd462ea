//! Progress of long work on standard error (count, rate, time left), only when standard error
//! is a terminal: piped or redirected, nothing is printed.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar for `what` (e.g. "re-scoring"), counting `unit`s; hidden unless standard
/// error is a terminal.
pub struct Progress(Option<ProgressBar>);

impl Progress {
    pub fn new(what: &str, unit: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        let template = format!(
            "{what} [{{bar:30}}] {{human_pos}}/{{human_len}} {unit} ({{rate}}, {{eta}} left)"
        );
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(
                style
                    .with_key(
                        "rate",
                        |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                            let _ = write!(w, "{:.0}/s", s.per_sec());
                        },
                    )
                    .progress_chars("=> "),
            );
        }
        Progress(Some(bar))
    }

    /// `done` of `total` so far.
    pub fn set(&self, done: u64, total: u64) {
        if let Some(b) = &self.0 {
            b.set_length(total);
            b.set_position(done);
        }
    }

    /// The work is over: the bar is cleared.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
