//! A live visit's checklist on screen: its state, the commands it returns, and what it does
//! with them and with the worker's answers. Drawing is in [`ui`].

use std::time::Instant;

use crate::gui::ctx::Ctx;
use crate::gui::worker::{Job, LiveAction};
use crate::session::LoggedVisit;

mod ui;
pub use ui::*;

/// What the live checklist asks for.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// A change to the visit, written to the log by the worker.
    Action(LiveAction),
    /// Leave the current step (the view times the step); at a fork, the route taken.
    Advance(Option<String>),
    /// "End the visit" pressed: asks first.
    AskEnd,
    /// The answer to "end the visit now?".
    ConfirmEnd(bool),
}

pub struct Live {
    pub visit: LoggedVisit,
    pub since: Instant,
    /// Notes being written, per stage.
    pub notes: std::collections::BTreeMap<String, String>,
    pub grade: String,
    pub appointment: String,
    pub error: Option<String>,
    /// Actions sent to the worker so far: only the answer to the latest replaces the visit
    /// shown (earlier answers would undo changes made since).
    pub sent: u64,
    /// The stage the checklist was last opened at: when the visit moves on, the new stage
    /// opens and the others close.
    pub shown_stage: Option<usize>,
    /// "End the visit now?" is being asked.
    pub confirm_end: bool,
}

impl Live {
    pub fn new(visit: LoggedVisit, error: Option<String>) -> Self {
        // A visit taken up again shows its notes, grade and appointment as they were.
        let v = &visit.visit;
        let (notes, grade, appointment) = (
            v.notes.clone(),
            v.grade.clone().unwrap_or_default(),
            v.appointment.clone().unwrap_or_default(),
        );
        Live {
            visit,
            since: Instant::now(),
            notes,
            grade,
            appointment,
            error,
            sent: 0,
            shown_stage: None,
            confirm_end: false,
        }
    }

    pub fn apply(&mut self, c: Cmd, ctx: &mut Ctx<'_>) {
        let action = match c {
            Cmd::Action(a) => a,
            Cmd::Advance(route) => {
                let seconds = self.since.elapsed().as_secs_f64();
                self.since = Instant::now();
                LiveAction::Advance { seconds, route }
            }
            Cmd::AskEnd => {
                self.confirm_end = true;
                return;
            }
            Cmd::ConfirmEnd(end) => {
                self.confirm_end = false;
                if !end {
                    return;
                }
                LiveAction::Finish
            }
        };
        // Applied here at once so the list reacts without waiting; the worker's copy (the one
        // written to the log) comes back and replaces it.
        match &action {
            LiveAction::Tick { item, ticked, .. } => {
                let _ = self.visit.visit.set_ticked(item, *ticked);
            }
            LiveAction::Note { stage, text } => self.visit.visit.set_note(stage, text),
            LiveAction::Set { kind, value } => {
                let v = Some(value.clone()).filter(|v| !v.trim().is_empty());
                match *kind {
                    "grade" => self.visit.visit.grade = v,
                    "appointment" => self.visit.visit.appointment = v,
                    _ => {}
                }
            }
            LiveAction::Advance { .. } | LiveAction::Finish => {}
        }
        self.sent += 1;
        ctx.send(Job::Live {
            visit: Box::new(self.visit.clone()),
            action,
            seq: self.sent,
        });
    }

    /// The visit as written to the log, and why a write failed, if one did. Only the answer
    /// to the latest action replaces the visit shown.
    pub fn on_visit(&mut self, visit: LoggedVisit, error: Option<String>, seq: u64) {
        if seq >= self.sent {
            self.visit = visit;
        }
        self.error = error;
    }
}
