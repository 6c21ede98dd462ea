//! The trainer's authoring view: its state (the file list and the open editor), the commands
//! it returns, and what it does with them and with the worker's answers. Drawing is in
//! [`ui`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use egui::Key;

use crate::author::{self, FileEntry, NewTest, Origin, Workspace};
use crate::gui::command::{Command, PromptAnswer};
use crate::gui::ctx::Ctx;
use crate::gui::highlight;
use crate::gui::worker::{CheckResult, Done, Job};
use crate::msg::Text;
use crate::playbook::model::{Playbook, Reply, TestInput};
use crate::playbook::{Diagnostic, Severity};
use crate::practice::playbook_tests::TestRun;
use crate::practice::{Answer, ReplyRecord};

fn both(zh: &str, en: &str) -> Text {
    Text {
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

/// An error in both languages.
fn localized(e: &impl crate::msg::Localized) -> Text {
    Text {
        en: e.to_string(),
        zh: e.zh(),
    }
}

mod grade_ui;
mod graph_ui;
mod ui;
pub use ui::*;

/// What the authoring view asks for.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Open a file in the editor (asks first when the open one has unsaved changes).
    Open(FileEntry),
    /// Copy a bundled file into the trainer's folder and open the copy.
    Copy(String),
    /// A new playbook from the template, with the id typed.
    New,
    Save,
    /// Back to the file on disk.
    Revert,
    /// Put the editor's cursor at a 1-based line and column.
    Goto {
        line: u32,
        column: u32,
    },
    /// The answer to "save your changes?".
    Prompt(PromptAnswer),
    /// Take (or throw away) the unsaved text an earlier session left.
    Restore(bool),
    /// A diagnostic's "did you mean" applied: `from` at the 1-based line and column becomes
    /// `to`.
    Fix {
        line: u32,
        column: u32,
        from: String,
        to: String,
    },
    /// Take the open file out of use (asks first).
    Remove,
    /// The answer to "take this file out of use?".
    ConfirmRemove(bool),
    /// Score the sample reply against the draft.
    TryReply,
    /// Add the sample reply just scored to the playbook's tests, and save.
    AddTest,
    RunTests,
    /// Publish the open playbook file (saved, without errors) as its next version.
    Publish,
    /// Show this in the right-hand panel.
    Side(Side),
    /// Keep the reply being graded, with its grade and band, in the playbook's graded file.
    SaveGrade,
    /// Put this reply (a sample's, a trainee's) in the grade pane's reply field.
    UseReply(String),
    /// Add graded reply N (its index in the file's rows) to the playbook's tests, its band
    /// the expected range, and save.
    GradeAsTest(usize),
}

/// What the right-hand panel of a playbook shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    /// Score a sample reply, run the tests.
    #[default]
    Try,
    /// Grade replies and see how far the scorer is from the grades.
    Grade,
    /// The concept lexicon, searchable by word.
    Concepts,
}

/// The grade pane: replies the trainer grades, kept beside the playbook as
/// `NAME.graded.jsonl` (the calibration format), and the draft's agreement with them.
#[derive(Debug)]
pub struct GradePane {
    pub reply: String,
    pub grade: f64,
    pub band: [f64; 2],
    /// The file's graded replies (line, reply) and the lines that did not read.
    pub rows: Vec<(usize, crate::calibrate::Graded)>,
    pub problems: Vec<String>,
    /// How the draft scores them.
    pub result: Option<Result<crate::calibrate::Calibration, String>>,
    /// Trainees' latest replies at the chosen turn, words only.
    pub recent: Vec<String>,
    /// The turn `recent` is for.
    pub recent_for: (String, String),
}

impl Default for GradePane {
    fn default() -> Self {
        Self {
            reply: String::new(),
            grade: 70.0,
            band: [60.0, 80.0],
            rows: Vec::new(),
            problems: Vec::new(),
            result: None,
            recent: Vec::new(),
            recent_for: (String::new(), String::new()),
        }
    }
}

/// What waits on the answer to "save your changes?".
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    /// Carry out this command once the changes are saved or let go.
    Then(Box<Command>),
    /// Close the window.
    Quit,
}

/// Edits get increasing numbers across all files, so a check's answer is matched to the text
/// it checked.
static EDITS: AtomicU64 = AtomicU64::new(1);

/// Checks wait for this pause in typing.
const CHECK_AFTER: Duration = Duration::from_millis(300);
/// Unsaved text is kept beside the file after this pause.
const AUTOSAVE_AFTER: Duration = Duration::from_secs(2);

/// A file open in the authoring view.
pub struct Editor {
    pub entry: FileEntry,
    pub text: String,
    /// The text as last read from or written to disk.
    pub saved: String,
    /// The edit the text is at, the one last sent to be checked, the one the diagnostics are
    /// for, and the one autosaved.
    pub seq: u64,
    pub check_sent: u64,
    pub checked_seq: u64,
    pub autosaved_seq: u64,
    /// When the text last changed: checks wait for a pause in typing.
    pub edited_at: Instant,
    pub diagnostics: Vec<Diagnostic>,
    pub other_errors: usize,
    /// The playbook this file defines, as last checked without errors.
    pub draft: Option<Arc<Playbook>>,
    /// A cursor move asked for (line, column), done on the next frame.
    pub goto: Option<(u32, u32)>,
    /// Another program changed the file while it had unsaved changes here.
    pub disk_changed: bool,
    /// Unsaved text an earlier session left beside the file.
    pub recovered: Option<String>,
    pub layout: highlight::Cache,
    /// The line numbers, laid out.
    pub gutter: highlight::Cache,
    pub try_scenario: String,
    pub try_turn: String,
    pub try_reply: String,
    pub try_option: String,
    /// The last sample scored: what was asked and what came back.
    pub tried: Option<Result<Box<ReplyRecord>, String>>,
    pub tried_input: Option<(String, String, Answer)>,
    pub tests: Option<TestRun>,
    /// What the last "Publish" did, or why nothing was published.
    pub published: Option<Result<String, String>>,
    /// Test results just arrived: scrolled into view on the next frame.
    pub tests_new: bool,
    /// "Score it" or "Run tests" clicked while the text was being checked: done as soon as
    /// the check is back (a click is never dropped).
    pub waiting: Option<Cmd>,
    /// The toolbar's file name, which labels the editor for assistive technology.
    pub name_label: Option<egui::Id>,
    /// The scenario graph is shown in place of the text.
    pub graph: bool,
    /// Long lines wrap at the editor's width (a continuation row has no line number); off,
    /// the editor is as wide as its longest line and scrolls sideways.
    pub wrap: bool,
    /// The width lines were last wrapped at (a new width lays the text out again, and the
    /// scroll position is settled on a second frame).
    pub wrapped_at: Option<f32>,
    /// The graph's scenario (the first when empty) and its view (pan and zoom).
    pub graph_scenario: String,
    pub graph_view: egui::Rect,
    /// The text as written when it has errors (for the graph, which then marks them).
    pub sketch: Option<Arc<Playbook>>,
    /// The problems panel lists what needs a translator instead (see `validate --locales`),
    /// worked out for the text at edit `.0`.
    pub show_translations: bool,
    pub translations: Option<(u64, crate::msg::Lang, Vec<String>)>,
    pub side: Side,
    pub grade: GradePane,
    /// The concepts panel's search: a word, or part of a concept's id.
    pub concept_query: String,
    /// The concepts found for the query, by id (searched again when the query changes).
    pub concept_hits: (String, Vec<String>),
}

impl Editor {
    fn new(entry: FileEntry, text: String) -> Self {
        let recovered = entry.path.as_deref().and_then(author::recovered);
        let seq = EDITS.fetch_add(1, Ordering::Relaxed);
        Self {
            entry,
            saved: text.clone(),
            text,
            seq,
            check_sent: 0,
            checked_seq: 0,
            autosaved_seq: seq,
            // Checked at once.
            edited_at: Instant::now() - Duration::from_secs(1),
            diagnostics: Vec::new(),
            other_errors: 0,
            draft: None,
            goto: None,
            disk_changed: false,
            recovered,
            layout: highlight::Cache::default(),
            gutter: highlight::Cache::default(),
            try_scenario: String::new(),
            try_turn: String::new(),
            try_reply: String::new(),
            try_option: String::new(),
            tried: None,
            tried_input: None,
            tests: None,
            published: None,
            tests_new: false,
            waiting: None,
            name_label: None,
            graph: false,
            wrap: true,
            wrapped_at: None,
            graph_scenario: String::new(),
            graph_view: egui::Rect::ZERO,
            sketch: None,
            show_translations: false,
            translations: None,
            side: Side::Try,
            grade: GradePane::default(),
            concept_query: String::new(),
            concept_hits: (String::new(), Vec::new()),
        }
    }

    /// Asks for the draft's scores of the graded replies (none to ask about: no figures).
    fn grade_again(&mut self, ctx: &mut Ctx<'_>) {
        match &self.draft {
            Some(pb) if !self.grade.rows.is_empty() => ctx.send(Job::Grade {
                playbook: pb.id.clone(),
                graded: self.grade.rows.clone(),
                lang: ctx.lang,
            }),
            _ => self.grade.result = None,
        }
    }

    pub fn is_dirty(&self) -> bool {
        self.entry.origin == Origin::User && self.text != self.saved
    }

    /// The text changed.
    pub fn touch(&mut self) {
        self.seq = EDITS.fetch_add(1, Ordering::Relaxed);
        self.edited_at = Instant::now();
    }

    /// Errors and warnings in this file.
    pub fn counts(&self) -> (usize, usize) {
        let e = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        (e, self.diagnostics.len() - e)
    }
}

/// The trainer's authoring view.
#[derive(Default)]
pub struct Author {
    pub files: Vec<FileEntry>,
    pub open: Option<Box<Editor>>,
    /// The id typed for a new playbook.
    pub new_id: String,
    /// What just happened ("saved", "reloaded"), shown under the toolbar.
    pub notice: Option<Text>,
    /// The notice says the file was saved: it goes with the next change (it said "saved"
    /// beside unsaved text).
    pub notice_is_saved: bool,
    pub prompt: Option<Pending>,
    /// The trainer's folder, as shown.
    pub root: Option<String>,
    /// When the library was last reloaded, and whether some file was left out.
    pub reloaded: Option<(Text, bool)>,
    /// "Take this file out of use?" is being asked.
    pub confirm_remove: bool,
}

impl Author {
    /// The view on the trainer's folder.
    pub fn new(ws: &Workspace) -> Self {
        Author {
            files: ws.files(),
            // Where the files go: the playbooks folder, not the data folder above it.
            root: Some(ws.playbooks_dir().display().to_string()),
            ..Author::default()
        }
    }

    /// The open file has unsaved changes.
    pub fn is_dirty(&self) -> bool {
        self.open.as_ref().is_some_and(|e| e.is_dirty())
    }

    /// Applies a command; returns what was waiting on a "save your changes?" answer, for the
    /// app to carry out.
    pub fn apply(&mut self, c: Cmd, ctx: &mut Ctx<'_>) -> Option<Pending> {
        match c {
            Cmd::Open(entry) => self.open_file(entry, ctx),
            Cmd::Copy(key) => self.copy(&key, ctx),
            Cmd::New => self.new_playbook(ctx),
            Cmd::Save => {
                let _ = self.save(ctx);
            }
            Cmd::Revert => self.revert(ctx),
            Cmd::Goto { line, column } => {
                if let Some(ed) = self.open.as_deref_mut() {
                    ed.goto = Some((line, column));
                }
            }
            Cmd::Prompt(answer) => return self.prompt(answer, ctx),
            Cmd::Fix {
                line,
                column,
                from,
                to,
            } => {
                if let Some(ed) = self.open.as_deref_mut()
                    && ed.entry.origin == Origin::User
                {
                    let at = ui::char_index(&ed.text, line, column);
                    let here: String = ed
                        .text
                        .chars()
                        .skip(at)
                        .take(from.chars().count())
                        .collect();
                    // Only where the text still says what the diagnostic saw.
                    if here == from {
                        let start = ed
                            .text
                            .char_indices()
                            .nth(at)
                            .map_or(ed.text.len(), |(i, _)| i);
                        ed.text.replace_range(start..start + from.len(), &to);
                        ed.touch();
                        ed.goto = Some((line, column));
                    }
                }
            }
            Cmd::Restore(take) => {
                if let Some(ed) = self.open.as_deref_mut() {
                    match (take, ed.recovered.take()) {
                        (true, Some(text)) => {
                            ed.text = text;
                            ed.touch();
                        }
                        _ => {
                            if let Some(p) = &ed.entry.path {
                                author::discard_autosave(p);
                            }
                        }
                    }
                }
            }
            Cmd::TryReply | Cmd::RunTests
                if self.open.as_ref().is_some_and(|e| e.checked_seq != e.seq) =>
            {
                if let Some(ed) = self.open.as_deref_mut() {
                    ed.waiting = Some(c);
                }
            }
            Cmd::Remove => self.confirm_remove = self.open.is_some(),
            Cmd::ConfirmRemove(yes) => {
                self.confirm_remove = false;
                if yes {
                    self.remove(ctx);
                }
            }
            Cmd::TryReply => self.try_reply(ctx),
            Cmd::AddTest => self.add_test(ctx),
            Cmd::RunTests => {
                let id = self
                    .open
                    .as_ref()
                    .and_then(|ed| ed.draft.as_ref().map(|p| p.id.clone()));
                if let Some(playbook) = id {
                    ctx.send(Job::RunTests { playbook });
                }
            }
            Cmd::Publish => {
                let path = self
                    .open
                    .as_ref()
                    .filter(|ed| ed.text == ed.saved && ed.draft.is_some())
                    .and_then(|ed| ed.entry.path.clone());
                if let (Some(path), Some(ed)) = (path, self.open.as_deref_mut()) {
                    ed.published = None;
                    let by = ctx.who.unwrap_or("trainer").to_owned();
                    ctx.send(Job::Publish { path, by });
                }
            }
            Cmd::Side(side) => {
                if let Some(ed) = self.open.as_deref_mut() {
                    ed.side = side;
                }
                if side == Side::Grade {
                    self.load_grades(ctx);
                }
            }
            Cmd::SaveGrade => self.save_grade(ctx),
            Cmd::UseReply(r) => {
                if let Some(ed) = self.open.as_deref_mut() {
                    ed.grade.reply = r;
                }
            }
            Cmd::GradeAsTest(i) => self.grade_as_test(i, ctx),
        }
        None
    }

    /// The grade pane's file read again, the draft scored on it, and trainees' replies at the
    /// chosen turn asked for.
    fn load_grades(&mut self, ctx: &mut Ctx<'_>) {
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        if let Some(path) = &ed.entry.path {
            match crate::calibrate::read_graded(&crate::calibrate::graded_path(path)) {
                Ok((rows, problems)) => {
                    ed.grade.rows = rows;
                    ed.grade.problems = problems;
                }
                Err(e) => {
                    self.notice = Some(Text {
                        zh: format!("读不了评分记录{}", crate::msg::details(&e.to_string())),
                        en: e.to_string(),
                    })
                }
            }
        }
        ed.grade_again(ctx);
        let Some(pb) = &ed.draft else { return };
        let turn = (ed.try_scenario.clone(), ed.try_turn.clone());
        if ed.grade.recent_for != turn && !turn.1.is_empty() {
            ed.grade.recent_for = turn.clone();
            ed.grade.recent.clear();
            ctx.send(Job::RecentReplies {
                playbook: pb.id.clone(),
                scenario: turn.0,
                turn: turn.1,
            });
        }
    }

    fn save_grade(&mut self, ctx: &mut Ctx<'_>) {
        let lang = ctx.lang;
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        let (Some(path), Some(pb)) = (ed.entry.path.clone(), ed.draft.clone()) else {
            return;
        };
        let reply = ed.grade.reply.trim().to_owned();
        if reply.is_empty() {
            self.notice = Some(both("先写或选一条回答。", "Write or pick a reply first."));
            return;
        }
        let [low, high] = ed.grade.band;
        let g = crate::calibrate::Graded {
            playbook: pb.id.clone(),
            scenario: ed.try_scenario.clone(),
            turn: ed.try_turn.clone(),
            lang: lang.code().to_owned(),
            reply,
            grade: ed.grade.grade.clamp(0.0, 100.0),
            band: [
                low.min(high).clamp(0.0, 100.0),
                high.max(low).clamp(0.0, 100.0),
            ],
            category: "graded".to_owned(),
            why: String::new(),
        };
        let file = crate::calibrate::graded_path(&path);
        match crate::calibrate::append_graded(&file, &g) {
            Ok(()) => {
                ed.grade.reply.clear();
                self.notice = Some(crate::msg::grade_saved(file.display()));
                self.load_grades(ctx);
            }
            Err(e) => {
                self.notice = Some(Text {
                    zh: format!(
                        "评分没有保存到 {}{}",
                        file.display(),
                        crate::msg::details(&e.to_string())
                    ),
                    en: format!("{}: {e}", file.display()),
                })
            }
        }
    }

    fn grade_as_test(&mut self, i: usize, ctx: &mut Ctx<'_>) {
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        let Some((_, g)) = ed.grade.rows.get(i).cloned() else {
            return;
        };
        let t = NewTest {
            scenario: g.scenario,
            turn: g.turn,
            answer: Answer::Text(g.reply),
            min: g.band[0].round() as u32,
            max: g.band[1].round() as u32,
        };
        self.write_test(&t, ctx);
    }

    /// Adds a test to the open playbook's text and saves it, saying so.
    fn write_test(&mut self, t: &NewTest, ctx: &mut Ctx<'_>) {
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        // The same reply at the same turn is pinned once (clicking again added a copy).
        let same = |c: &crate::playbook::model::TestCase| {
            c.scenario == t.scenario
                && c.turn == t.turn
                && match (&c.input, &t.answer) {
                    (TestInput::Reply(a), Answer::Text(b)) => a.trim() == b.trim(),
                    (TestInput::Option(a), Answer::Choice(b)) => a == b,
                    _ => false,
                }
        };
        if let Some(c) = ed
            .draft
            .as_ref()
            .and_then(|pb| pb.tests.iter().find(|c| same(c)))
        {
            self.notice = Some(crate::msg::test_exists(c.line, c.min, c.max));
            return;
        }
        match author::add_test(&ed.text, t) {
            Ok(text) => {
                ed.text = text;
                ed.touch();
                if self.save(ctx) {
                    self.notice = Some(crate::msg::test_added(t.min, t.max));
                }
            }
            Err(e) => self.notice = Some(e),
        }
    }

    /// Per frame: Ctrl+S, the close button with unsaved changes, the check after a pause in
    /// typing, the autosave after a longer one.
    pub fn tick(
        &mut self,
        ui: &egui::Ui,
        quitting: bool,
        commands: &mut Vec<Command>,
        ctx: &mut Ctx<'_>,
    ) {
        let Some(ws) = ctx.workspace.cloned() else {
            return;
        };
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        let save = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, Key::S);
        if ui.input_mut(|i| i.consume_shortcut(&save)) {
            commands.push(Command::Author(Cmd::Save));
        }
        if ui.input(|i| i.viewport().close_requested()) && ed.is_dirty() && !quitting {
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.prompt = Some(Pending::Quit);
        }
        let quiet = ed.edited_at.elapsed();
        if ed.check_sent != ed.seq {
            if quiet >= CHECK_AFTER {
                ed.check_sent = ed.seq;
                ctx.send(Job::Check {
                    seq: ed.seq,
                    workspace: ws,
                    path: ed.entry.path.clone(),
                    key: ed.entry.key.clone(),
                    text: ed.text.clone(),
                });
            } else {
                ui.ctx().request_repaint_after(CHECK_AFTER - quiet);
            }
        }
        let Some(path) = ed.entry.path.clone() else {
            return;
        };
        // Undone back to the saved text: the unsaved copy beside the file is stale.
        if ed.autosaved_seq != ed.seq && !ed.is_dirty() && ed.recovered.is_none() {
            ed.autosaved_seq = ed.seq;
            author::discard_autosave(&path);
        }
        if ed.autosaved_seq != ed.seq && ed.is_dirty() {
            if quiet >= AUTOSAVE_AFTER {
                ed.autosaved_seq = ed.seq;
                if let Err(e) = author::autosave(&path, &ed.text) {
                    self.notice = Some(localized(&e));
                }
            } else {
                ui.ctx().request_repaint_after(AUTOSAVE_AFTER - quiet);
            }
        }
    }

    fn open_file(&mut self, entry: FileEntry, ctx: &mut Ctx<'_>) {
        let Some(ws) = ctx.workspace else { return };
        match ws.read(&entry) {
            Ok(text) => {
                self.open = Some(Box::new(Editor::new(entry, text)));
                self.notice = None;
            }
            Err(e) => self.notice = Some(localized(&e)),
        }
    }

    fn copy(&mut self, key: &str, ctx: &mut Ctx<'_>) {
        let Some(ws) = ctx.workspace.cloned() else {
            return;
        };
        match ws.copy_bundled(key) {
            Ok(entry) => {
                self.files = ws.files();
                self.open_file(entry, ctx);
                self.notice = Some(both(
                    "已复制到我的剧本，现在可以修改。",
                    "Copied to your playbooks: you can edit it now.",
                ));
            }
            Err(author::AuthorError::Exists(_)) => {
                let mine = ws
                    .files()
                    .into_iter()
                    .find(|f| f.origin == Origin::User && f.key == key);
                if let Some(entry) = mine {
                    self.open_file(entry, ctx);
                    self.notice = Some(both(
                        "我的剧本里已有这个文件，已打开你的版本。",
                        "It is already in your playbooks: your copy is open.",
                    ));
                }
            }
            Err(e) => self.notice = Some(localized(&e)),
        }
    }

    fn new_playbook(&mut self, ctx: &mut Ctx<'_>) {
        let Some(ws) = ctx.workspace.cloned() else {
            return;
        };
        match ws.new_playbook(self.new_id.trim()) {
            Ok(entry) => {
                self.files = ws.files();
                self.new_id.clear();
                self.open_file(entry, ctx);
                if let Some(ed) = self.open.as_deref_mut() {
                    // A new file opens at its top.
                    ed.goto = Some((1, 1));
                }
                self.notice = Some(both(
                    "新剧本已存为草稿：只有你在这里看得到，发布后学员才能练习。",
                    "The new playbook is saved as a draft: only you see it, here, until you publish it for trainees.",
                ));
            }
            Err(e) => self.notice = Some(localized(&e)),
        }
    }

    /// Saves the open file; whether it was saved.
    fn save(&mut self, ctx: &mut Ctx<'_>) -> bool {
        let Some(ed) = self.open.as_deref_mut() else {
            return false;
        };
        let Some(path) = ed.entry.path.clone() else {
            return false;
        };
        match author::save(&path, &ed.text) {
            Ok(()) => {
                ed.saved = ed.text.clone();
                ed.disk_changed = false;
                let when = chrono::Local::now().format("%H:%M:%S");
                self.notice = Some(Text {
                    zh: format!("已保存 {when}（草稿：发布后学员才看得到）"),
                    en: format!("Saved at {when} (a draft: trainees see it once you publish)"),
                });
                self.notice_is_saved = true;
                // In use at once, watched or not.
                if let Some(ws) = ctx.workspace.cloned() {
                    ctx.send(Job::Reload(Some(ws)));
                }
                true
            }
            Err(e) => {
                *ctx.error = Some(e.to_string());
                false
            }
        }
    }

    fn remove(&mut self, ctx: &mut Ctx<'_>) {
        let (Some(ws), Some(ed)) = (ctx.workspace.cloned(), self.open.as_deref()) else {
            return;
        };
        match ws.remove(&ed.entry) {
            Ok(to) => {
                self.notice = Some(Text {
                    zh: format!("已移出使用，文件在 {}", to.display()),
                    en: format!("Taken out of use; the file is in {}", to.display()),
                });
                self.open = None;
                self.files = ws.files();
                ctx.send(Job::Reload(Some(ws)));
            }
            Err(e) => *ctx.error = Some(e.to_string()),
        }
    }

    fn revert(&mut self, ctx: &mut Ctx<'_>) {
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        let Some(path) = ed.entry.path.clone() else {
            return;
        };
        match std::fs::read_to_string(&path) {
            Ok(disk) => {
                ed.text = disk.clone();
                ed.saved = disk;
                ed.disk_changed = false;
                ed.touch();
                author::discard_autosave(&path);
            }
            Err(e) => *ctx.error = Some(format!("{}: {e}", path.display())),
        }
    }

    fn prompt(&mut self, answer: PromptAnswer, ctx: &mut Ctx<'_>) -> Option<Pending> {
        let pending = self.prompt.take()?;
        match answer {
            PromptAnswer::Cancel => return None,
            PromptAnswer::Save => {
                if !self.save(ctx) {
                    return None;
                }
            }
            PromptAnswer::Discard => {
                if let Some(ed) = self.open.as_deref_mut() {
                    if let Some(p) = &ed.entry.path {
                        author::discard_autosave(p);
                    }
                    ed.text = ed.saved.clone();
                    ed.touch();
                }
            }
        }
        Some(pending)
    }

    fn try_reply(&mut self, ctx: &mut Ctx<'_>) {
        let lang = ctx.lang;
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        let Some(pb) = ed.draft.clone() else { return };
        let Some(turn) = pb
            .scenario(&ed.try_scenario)
            .and_then(|s| s.turn(&ed.try_turn))
        else {
            return;
        };
        let answer = match &turn.reply {
            Reply::FreeText => Answer::Text(ed.try_reply.clone()),
            Reply::Choice(_) => Answer::Choice(ed.try_option.clone()),
        };
        let empty = match &answer {
            Answer::Text(t) => t.trim().is_empty(),
            Answer::Choice(o) => o.is_empty(),
        };
        if empty {
            ed.tried = Some(Err(lang
                .t(
                    "先写一条样例回答或选一个选项。",
                    "Write a sample reply or pick an option first.",
                )
                .to_owned()));
            return;
        }
        ed.tried_input = Some((ed.try_scenario.clone(), ed.try_turn.clone(), answer.clone()));
        ctx.send(Job::Try {
            playbook: pb.id.clone(),
            scenario: ed.try_scenario.clone(),
            turn: ed.try_turn.clone(),
            answer,
        });
    }

    fn add_test(&mut self, ctx: &mut Ctx<'_>) {
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        let (Some(Ok(r)), Some((scenario, turn, answer))) = (&ed.tried, &ed.tried_input) else {
            return;
        };
        let t = NewTest::around(scenario, turn, answer.clone(), r.scored.rounded(), 5);
        self.write_test(&t, ctx);
    }

    /// Files changed on disk: the list is read again, and the open file follows the disk
    /// unless it has unsaved changes here (then it says so).
    pub fn on_disk_change(&mut self, ws: &Workspace, changed: &[PathBuf]) {
        self.files = ws.files();
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        let Some(path) = ed.entry.path.clone() else {
            return;
        };
        let same = |p: &PathBuf| {
            p == &path
                || p.canonicalize()
                    .ok()
                    .zip(path.canonicalize().ok())
                    .is_some_and(|(a, b)| a == b)
        };
        if !changed.iter().any(same) {
            return;
        }
        match std::fs::read_to_string(&path) {
            Ok(disk) if disk != ed.saved => {
                if ed.is_dirty() {
                    ed.disk_changed = true;
                } else {
                    ed.text = disk.clone();
                    ed.saved = disk;
                    ed.touch();
                }
            }
            _ => {}
        }
    }

    /// The library was loaded again: say when, and whether some file was left out.
    pub fn on_reloaded(&mut self, problems: bool) {
        let when = chrono::Local::now().format("%H:%M:%S");
        let text = if problems {
            Text {
                zh: format!("剧本已重新载入（{when}），部分文件有错误未载入"),
                en: format!(
                    "Playbooks reloaded at {when}; some files have errors and were left out"
                ),
            }
        } else {
            Text {
                zh: format!("剧本已重新载入（{when}）"),
                en: format!("Playbooks reloaded at {when}"),
            }
        };
        self.reloaded = Some((text, problems));
    }

    /// Routes the worker's answers that belong to this view.
    pub fn on_done(&mut self, d: Done, ctx: &mut Ctx<'_>) {
        match d {
            Done::Checked(c) => {
                self.on_checked(*c);
                // The grade pane's figures follow the draft.
                if let Some(ed) = self.open.as_deref_mut()
                    && ed.side == Side::Grade
                {
                    ed.grade_again(ctx);
                }
                // A click that waited for the check is carried out now.
                let ready = self.open.as_ref().is_some_and(|e| e.checked_seq == e.seq);
                if let Some(c) = self
                    .open
                    .as_deref_mut()
                    .filter(|_| ready)
                    .and_then(|e| e.waiting.take())
                {
                    let _ = self.apply(c, ctx);
                }
            }
            Done::Tried(r) => self.on_tried(r.map_err(|e| e.take(ctx.lang))),
            Done::Tests(r) => self.on_tests(r.map_err(|e| e.take(ctx.lang))),
            Done::PublishedVersion(r) => {
                if let Some(ed) = self.open.as_deref_mut() {
                    ed.published = Some(r.map(|t| t.take(ctx.lang)).map_err(|e| e.take(ctx.lang)));
                }
            }
            Done::Graded(r) => {
                if let Some(ed) = self.open.as_deref_mut() {
                    ed.grade.result = Some(r.map_err(|e| e.take(ctx.lang)));
                }
            }
            Done::RecentReplies(r) => match r {
                Ok(list) => {
                    if let Some(ed) = self.open.as_deref_mut() {
                        ed.grade.recent = list;
                    }
                }
                Err(e) => self.notice = Some(e),
            },
            _ => {}
        }
    }

    /// A check of the open file's text came back (ignored when the text changed since).
    pub fn on_checked(&mut self, c: CheckResult) {
        let Some(ed) = self.open.as_deref_mut() else {
            return;
        };
        if ed.seq != c.seq {
            return;
        }
        ed.checked_seq = c.seq;
        ed.diagnostics = c.diagnostics;
        ed.other_errors = c.other_errors;
        if let Some(pb) = &c.playbook {
            if pb.scenario(&ed.try_scenario).is_none() {
                ed.try_scenario = pb
                    .scenarios
                    .first()
                    .map(|s| s.id.clone())
                    .unwrap_or_default();
                ed.try_turn.clear();
            }
            let turns = pb.scenario(&ed.try_scenario).map(|s| &s.turns);
            if turns.is_some_and(|t| !t.iter().any(|t| t.id == ed.try_turn)) {
                ed.try_turn = turns
                    .and_then(|t| t.first())
                    .map(|t| t.id.clone())
                    .unwrap_or_default();
            }
        }
        // With errors, replies are still tried on the last valid version.
        if c.playbook.is_some() || ed.counts().0 == 0 {
            ed.draft = c.playbook;
        }
        ed.sketch = c.sketch;
    }

    pub fn on_tried(&mut self, r: Result<Box<ReplyRecord>, String>) {
        if let Some(ed) = self.open.as_deref_mut() {
            ed.tried = Some(r);
        }
    }

    pub fn on_tests(&mut self, r: Result<TestRun, String>) {
        match r {
            Ok(run) => {
                if let Some(ed) = self.open.as_deref_mut() {
                    ed.tests = Some(run);
                    ed.tests_new = true;
                }
            }
            Err(e) => self.notice = Some(Text::same(e)),
        }
    }
}
