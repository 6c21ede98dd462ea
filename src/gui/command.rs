//! What the views ask for. Views never change the app in the middle of a frame: they return
//! commands, applied after it (buttons, shortcuts and menus share them).

use crate::author::FileEntry;
use crate::practice::Answer;
use crate::store::Unfinished;

use super::state::Lang;
use super::worker::LiveAction;

#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    SetLang(Lang),
    SignIn {
        name: String,
        team: String,
    },
    SignOut,
    /// Back to the playbook list.
    Home,
    OpenPlaybook(String),
    /// Open a scenario of the open playbook: offers an unfinished attempt, else starts.
    OpenScenario(String),
    /// Answer the resumption offer: resume this attempt, or start afresh (`None`).
    Resume(Option<Box<Unfinished>>),
    Submit(Answer),
    RetrySave,
    AskHint,
    /// Leave the role-play; its replies stay saved and it is offered again next time.
    Pause,
    Finish,
    StartLive(String),
    /// A change to the live visit, written to the log by the worker.
    Live(LiveAction),
    /// Leave the current step of the live visit (the app times the step).
    Advance,
    DismissError,
    /// The manager's review view.
    OpenReview,
    /// Run the review queries for the filter as edited.
    ReviewQuery,
    /// Sort the attempts table by this column (again: reverse).
    SortBy(SortKey),
    OpenAttempt(String),
    CloseAttempt,
    /// Save the comment and override being written for the open attempt.
    SaveReview,
    /// Write the attempts of the review's filter to the file named in the view.
    Export,
    /// Merge the trainee database named in the view into this one.
    Import,
    /// Open the system's file dialog to choose the export or import file.
    Browse(BrowseFor),
    /// The trainer's authoring view.
    OpenAuthor,
    /// Open a file in the editor (asks first when the open one has unsaved changes).
    AuthorOpen(FileEntry),
    /// Copy a bundled file into the trainer's folder and open the copy.
    AuthorCopy(String),
    /// A new playbook from the template, with the id typed.
    AuthorNew,
    AuthorSave,
    /// Back to the file on disk.
    AuthorRevert,
    /// Put the editor's cursor at a 1-based line and column.
    AuthorGoto {
        line: u32,
        column: u32,
    },
    /// The answer to "save your changes?".
    AuthorPrompt(PromptAnswer),
    /// Take (or throw away) the unsaved text an earlier session left.
    AuthorRestore(bool),
    /// Score the sample reply against the draft.
    TryReply,
    /// Add the sample reply just scored to the playbook's tests, and save.
    AddTest,
    RunTests,
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
