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
