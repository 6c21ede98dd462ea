//! What a view's handlers may use of the app while they handle a command or a result.

use std::sync::Arc;

use super::state::Lang;
use super::worker::{Job, Worker};
use crate::author::Workspace;
use crate::playbook::Library;
use crate::store::Trainee;

/// What a view's handler may use of the app: the language, the library, the signed-in
/// person, the trainer's folder, the error line and the worker.
pub struct Ctx<'a> {
    pub lang: Lang,
    pub lib: &'a Arc<Library>,
    pub trainee: Option<&'a Trainee>,
    /// The signed-in person's name (trainee, manager or trainer): who writes a review.
    pub who: Option<&'a str>,
    pub workspace: Option<&'a Workspace>,
    pub error: &'a mut Option<String>,
    pub(super) worker: &'a mut Option<Worker>,
}

impl Ctx<'_> {
    /// Hands a job to the worker thread.
    pub fn send(&mut self, job: Job) {
        if let Some(w) = self.worker.as_mut() {
            w.send(job);
        }
    }
}
