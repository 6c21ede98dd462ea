//! What the app remembers between runs. Kept apart from runtime resources (the library, the
//! worker, the screen); `#[serde(default)]` so an older save still loads.

use serde::{Deserialize, Serialize};

pub use crate::msg::Lang;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Persisted {
    pub lang: Lang,
    /// The last trainee signed in, offered again on the next start.
    pub trainee: String,
    pub team: String,
    pub playbook: Option<String>,
    /// The progress database the name above was typed on: on another one it is not offered
    /// (a name typed on a demo database is not someone on the real one).
    pub database: String,
    /// Replies being written when the app closed or the role-play was left, per unfinished
    /// attempt and turn: offered again when the attempt is resumed at that turn.
    pub drafts: Vec<Draft>,
}

/// A reply not yet submitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub attempt: String,
    pub turn: String,
    pub text: String,
}

/// How many drafts are kept (the oldest go first).
pub const DRAFTS_KEPT: usize = 20;

impl Persisted {
    /// Keeps `text` as the draft of `attempt` at `turn` (an empty text forgets it).
    pub fn keep_draft(&mut self, attempt: &str, turn: &str, text: &str) {
        self.drafts.retain(|d| d.attempt != attempt);
        if text.trim().is_empty() {
            return;
        }
        self.drafts.push(Draft {
            attempt: attempt.to_owned(),
            turn: turn.to_owned(),
            text: text.to_owned(),
        });
        let extra = self.drafts.len().saturating_sub(DRAFTS_KEPT);
        self.drafts.drain(..extra);
    }

    /// The draft of `attempt` at `turn`, taken out.
    pub fn take_draft(&mut self, attempt: &str, turn: &str) -> Option<String> {
        let i = self
            .drafts
            .iter()
            .position(|d| d.attempt == attempt && d.turn == turn)?;
        Some(self.drafts.remove(i).text)
    }
}

/// Who signs in without practising: they get their view, and no trainee record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reviews scores and attempts (the review view).
    Manager,
    /// Writes playbooks (the authoring view).
    Trainer,
}

impl Role {
    pub fn title(self, lang: Lang) -> &'static str {
        match self {
            Role::Manager => lang.t("经理", "Manager"),
            Role::Trainer => lang.t("培训师", "Trainer"),
        }
    }
}
