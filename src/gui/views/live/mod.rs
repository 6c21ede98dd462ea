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
    /// Leave the current step (the view times the step).
    Advance,
}

pub struct Live {
    pub visit: LoggedVisit,
    pub since: Instant,
    /// Notes being written, per stage.
    pub notes: std::collections::BTreeMap<String, String>,
    pub grade: String,
    pub appointment: String,
    pub error: Option<String>,
}

impl Live {
    pub fn new(visit: LoggedVisit, error: Option<String>) -> Self {
        Live {
            visit,
            since: Instant::now(),
            notes: Default::default(),
            grade: String::new(),
            appointment: String::new(),
            error,
        }
    }

    pub fn apply(&mut self, c: Cmd, ctx: &mut Ctx<'_>) {
        let action = match c {
            Cmd::Action(a) => a,
            Cmd::Advance => {
                let seconds = self.since.elapsed().as_secs_f64();
                self.since = Instant::now();
                LiveAction::Advance { seconds }
            }
        };
        // Applied here at once so the list reacts without waiting; the worker's copy (the one
        // written to the log) comes back and replaces it.
        if let LiveAction::Tick { item, ticked, .. } = &action {
            let _ = self.visit.visit.set_ticked(item, *ticked);
        }
        ctx.send(Job::Live {
            visit: Box::new(self.visit.clone()),
            action,
        });
    }

    /// The visit as written to the log, and why a write failed, if one did.
    pub fn on_visit(&mut self, visit: LoggedVisit, error: Option<String>) {
        self.visit = visit;
        self.error = error;
    }
}
