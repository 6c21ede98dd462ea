//! What the views ask for. Views never change the app in the middle of a frame: they return
//! commands, applied after it (buttons, shortcuts and menus share them).

use crate::store::Unfinished;

use super::state::{Lang, Role};
use super::views;

/// What a view asks of the app. Screen changes and sign-in are the app's; each view's own
/// commands are its enum ([`views::practice::Cmd`] …), handled by the view.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    SetLang(Lang),
    /// Open the review view at its queue (the top bar's count).
    OpenQueue,
    /// Ask a manager to review the attempt on the summary, with the question written there.
    AskReview,
    /// The trainee acknowledges these reviews of their attempts.
    Acknowledge(Vec<String>),
    /// Open (or close) the About window.
    About,
    SignIn {
        name: String,
        team: String,
    },
    /// Sign in as a manager or trainer: their view opens, no trainee record is made.
    SignInAs {
        name: String,
        role: Role,
    },
    SignOut,
    /// Back to the playbook list.
    Home,
    OpenPlaybook(String),
    /// Open a scenario of the open playbook: offers an unfinished attempt, else starts.
    OpenScenario(String),
    /// Answer the resumption offer: resume this attempt, or start afresh (`None`).
    Resume(Option<Box<Unfinished>>),
    /// Leave the role-play; its replies stay saved and it is offered again next time.
    Pause,
    StartLive(String),
    /// The trainee's whole history as one file, to hand over (a consistent copy, as
    /// `salesdojo backup` makes).
    HandOver,
    DismissError,
    /// The manager's review view.
    OpenReview,
    /// The trainer's authoring view.
    OpenAuthor,
    Practice(views::practice::Cmd),
    Live(views::live::Cmd),
    Review(views::review::Cmd),
    Author(views::author::Cmd),
    /// The team window (join a team server, its status, sync, leave).
    Team(views::team::Cmd),
}

/// What a file dialog chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowseFor {
    Export,
    Import,
}

/// How an unsaved-changes prompt was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptAnswer {
    Save,
    Discard,
    Cancel,
}

/// A column of the review view's attempts table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Started,
    Trainee,
    Team,
    Scenario,
    Status,
    Total,
}
