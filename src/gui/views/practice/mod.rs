//! A role-play on screen: its state, the commands it returns, and what it does with them and
//! with the worker's answers. Drawing is in [`ui`].

use std::time::Instant;

use crate::gui::ctx::Ctx;
use crate::gui::state::Lang;
use crate::gui::worker::{Done, Job};
use crate::playbook::model::Text;
use crate::practice::Answer;
use crate::session::LoggedAttempt;

mod ui;
pub use ui::*;

/// What the role-play asks for.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Submit(Answer),
    RetrySave,
    AskHint,
    Finish,
}

pub struct Practice {
    pub run: LoggedAttempt,
    /// The reply being written.
    pub draft: String,
    /// When the current turn was shown (the reply timer).
    pub since: Instant,
    /// A reply scored but not saved: why, shown with a retry button. Its feedback waits.
    pub unsaved: Option<String>,
    pub hint: Vec<Text>,
    /// The guide for the turn on screen (what to do now), shown in the side panel.
    pub guide: Vec<Text>,
    /// Set while the worker scores and saves; the reply box is locked meanwhile.
    pub submitting: bool,
}

impl Practice {
    pub fn new(run: LoggedAttempt) -> Self {
        Practice {
            run,
            draft: String::new(),
            since: Instant::now(),
            unsaved: None,
            hint: Vec::new(),
            guide: Vec::new(),
            submitting: false,
        }
    }

    pub fn apply(&mut self, c: Cmd, ctx: &mut Ctx<'_>) {
        match c {
            Cmd::Submit(answer) => {
                if self.submitting || self.run.is_unsaved() {
                    return;
                }
                self.submitting = true;
                ctx.send(Job::Submit {
                    run: Box::new(self.run.clone()),
                    answer,
                    seconds: self.since.elapsed().as_secs_f64(),
                });
            }
            Cmd::RetrySave => {
                self.submitting = true;
                ctx.send(Job::Retry {
                    run: Box::new(self.run.clone()),
                });
            }
            Cmd::AskHint => ctx.send(Job::Hint {
                run: Box::new(self.run.clone()),
            }),
            Cmd::Finish => {
                self.submitting = true;
                ctx.send(Job::Finish {
                    run: Box::new(self.run.clone()),
                });
            }
        }
    }

    /// Leaving is refused while the last reply is unsaved; `true` when the role-play may be
    /// left (its replies stay saved and it is offered again next time).
    pub fn may_leave(&self, ctx: &mut Ctx<'_>) -> bool {
        if self.run.is_unsaved() {
            *ctx.error = Some(
                ctx.lang
                    .t(
                        "最后一条回答还没保存：请先重试保存。",
                        "The last reply is not saved yet: retry saving first.",
                    )
                    .to_owned(),
            );
            return false;
        }
        true
    }

    /// Routes the worker's answers that belong to this view.
    pub fn on_done(&mut self, d: Done, lang: Lang) {
        match d {
            Done::Submitted { run, error, guide } => {
                self.guide = guide;
                self.on_submitted(*run, error.map(|e| e.take(lang)));
            }
            Done::Hint(h) => self.on_hint(h),
            _ => {}
        }
    }

    /// The reply was scored; `error` says why it is not saved yet.
    pub fn on_submitted(&mut self, run: LoggedAttempt, error: Option<String>) {
        self.submitting = false;
        // A reply is done once it is saved, whether by the submit or a retry.
        let was_open =
            self.run.is_unsaved() || run.attempt.replies.len() > self.run.attempt.replies.len();
        self.run = run;
        self.unsaved = error.filter(|_| self.run.is_unsaved());
        if was_open && !self.run.is_unsaved() {
            self.draft.clear();
            self.hint.clear();
            self.since = Instant::now();
        }
    }

    pub fn on_hint(&mut self, hint: Vec<Text>) {
        self.hint = hint;
    }

    /// Finishing failed: the role-play stays on screen, with why.
    pub fn on_not_finished(&mut self, e: &str, ctx: &mut Ctx<'_>) {
        self.submitting = false;
        *ctx.error = Some(format!("{} {e}", ctx.lang.t("未保存：", "Not saved:")));
    }
}
