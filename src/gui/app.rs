//! The app: persisted state, runtime resources, the current screen, and the loop that draws a
//! frame, then applies the commands the views returned and the results the worker sent.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use egui::{Key, RichText};

use super::command::{BrowseFor, Command, PromptAnswer, SortKey};
use super::highlight;
use super::state::{Lang, Persisted};
use super::views;
use super::worker::{Db, Done, Finished, Job, LiveAction, ReviewData, Worker};
use crate::author::{self, FileEntry, NewTest, Origin, Watcher, Workspace};
use crate::playbook::model::Reply;
use crate::playbook::model::{Playbook, Text};
use crate::playbook::{Diagnostic, Library, Severity};
use crate::practice::live::LiveSummary;
use crate::practice::playbook_tests::TestRun;
use crate::practice::{Answer, ReplyRecord};
use crate::session::{LoggedAttempt, LoggedVisit, Resumable};
use crate::store::Trainee;
use crate::store::report::{AttemptDetail, Filter, ScenarioRecord};

/// A role-play on screen.
pub struct Practice {
    pub run: LoggedAttempt,
    /// The reply being written.
    pub draft: String,
    /// When the current turn was shown (the reply timer).
    pub since: Instant,
    /// A reply scored but not saved: why, shown with a retry button. Its feedback waits.
    pub unsaved: Option<String>,
    pub hint: Vec<Text>,
    /// Set while the worker scores and saves; the reply box is locked meanwhile.
    pub submitting: bool,
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

/// The manager's review view: the filter as edited, the results of the last query, the open
/// attempt and the review being written.
#[derive(Default)]
pub struct Review {
    pub team: String,
    pub trainee: String,
    pub playbook: String,
    pub scenario: String,
    /// `YYYY-MM-DD`, inclusive, as typed.
    pub from: String,
    pub to: String,
    pub data: Option<Box<ReviewData>>,
    /// When the running query was sent; `None` when idle.
    pub sent: Option<Instant>,
    /// From sending the last query to its results on screen, in ms.
    pub latency_ms: Option<f64>,
    /// Charts, or the table of attempts.
    pub attempts_tab: bool,
    pub sort: SortKey,
    pub descending: bool,
    pub detail: Option<Box<AttemptDetail>>,
    pub comment: String,
    /// The criterion to override (empty: none) and the new points, as typed.
    pub over_criterion: String,
    pub over_points: String,
    /// Export as xAPI statements (else CSV), to this file; import this database.
    pub export_xapi: bool,
    pub export_path: String,
    pub import_path: String,
    /// What the last export or import did.
    pub io_note: Option<Result<String, String>>,
}

impl Review {
    /// Where an export goes unless another file is named: the downloads (or documents, or
    /// home) folder, named by today's date.
    pub fn default_export_path(xapi: bool) -> String {
        // Looked up once: finding the downloads folder reads a file.
        static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
        let dir = DIR.get_or_init(|| {
            let dirs = directories::UserDirs::new();
            dirs.as_ref()
                .and_then(|d| d.download_dir().or(d.document_dir()))
                .map(std::path::Path::to_path_buf)
                .or_else(|| dirs.as_ref().map(|d| d.home_dir().to_path_buf()))
                .unwrap_or_default()
        });
        let name = format!(
            "salesdojo-{}.{}",
            chrono::Local::now().format("%Y-%m-%d"),
            if xapi { "json" } else { "csv" }
        );
        dir.join(name).display().to_string()
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
    /// The toolbar's file name, which labels the editor for assistive technology.
    pub name_label: Option<egui::Id>,
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
            name_label: None,
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
    pub notice: Option<String>,
    pub prompt: Option<Pending>,
    /// The trainer's folder, as shown.
    pub root: Option<String>,
    /// When the library was last reloaded, and whether some file was left out.
    pub reloaded: Option<(String, bool)>,
}

/// Checks wait for this pause in typing.
const CHECK_AFTER: Duration = Duration::from_millis(300);
/// Unsaved text is kept beside the file after this pause.
const AUTOSAVE_AFTER: Duration = Duration::from_secs(2);
/// Changes on disk are gathered for this long before reloading (an editor's save is several
/// events).
const RELOAD_AFTER: Duration = Duration::from_millis(200);

pub enum Screen {
    /// Choose or create a trainee.
    SignIn,
    Playbooks,
    Scenarios {
        playbook: Arc<Playbook>,
        records: Vec<ScenarioRecord>,
        certified: bool,
        /// An unfinished attempt waiting for "resume or start afresh".
        offer: Option<Resumable>,
        /// The scenario the offer is about.
        scenario: String,
    },
    Practice(Box<Practice>),
    Summary {
        run: Box<LoggedAttempt>,
        finished: Box<Finished>,
    },
    Live(Box<Live>),
    LiveSummary {
        playbook: Arc<Playbook>,
        summary: LiveSummary,
    },
    Review(Box<Review>),
    Author(Box<Author>),
}

pub struct App {
    pub persisted: Persisted,
    pub lib: Arc<Library>,
    db: Db,
    worker: Option<Worker>,
    pub screen: Screen,
    pub trainee: Option<Trainee>,
    /// Where progress is saved, or why it is not.
    pub db_status: Option<Result<String, String>>,
    pub error: Option<String>,
    /// Sign-in form fields.
    pub name: String,
    pub team: String,
    /// Trainees with a record, offered on the sign-in screen.
    pub known: Vec<Trainee>,
    /// The trainer's folder: edited in the authoring view, watched for changes.
    workspace: Option<Workspace>,
    watcher: Option<Watcher>,
    watch_tried: bool,
    /// Content files changed on disk, and when to reload for them.
    changed: Vec<PathBuf>,
    reload_at: Option<Instant>,
    /// The window may close: unsaved changes were saved or let go.
    quitting: bool,
    close_window: bool,
    /// A file dialog open on its own thread, and what it was opened for.
    dialog: Option<std::sync::mpsc::Receiver<(BrowseFor, Option<PathBuf>)>>,
}

impl App {
    pub fn new(lib: Arc<Library>, db: Db, persisted: Persisted) -> Self {
        Self {
            name: persisted.trainee.clone(),
            team: persisted.team.clone(),
            persisted,
            lib,
            db,
            worker: None,
            screen: Screen::SignIn,
            trainee: None,
            db_status: None,
            error: None,
            known: Vec::new(),
            workspace: None,
            watcher: None,
            watch_tried: false,
            changed: Vec::new(),
            reload_at: None,
            quitting: false,
            close_window: false,
            dialog: None,
        }
    }

    /// The trainer's folder, edited in the authoring view and watched for changes made by
    /// other programs (the library is reloaded; attempts in progress keep their version).
    #[must_use]
    pub fn with_workspace(mut self, ws: Workspace) -> Self {
        self.workspace = Some(ws);
        self
    }

    pub fn lang(&self) -> Lang {
        self.persisted.lang
    }

    /// Whether the worker is still busy (tests wait on this).
    pub fn is_busy(&self) -> bool {
        self.worker.as_ref().is_none_or(Worker::busy)
    }

    fn send(&mut self, job: Job) {
        if let Some(w) = &mut self.worker {
            w.send(job);
        }
    }

    /// Draws one frame and applies what it asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.worker.is_none() {
            let mut w = Worker::spawn(self.lib.clone(), self.db.clone(), ctx.clone());
            w.send(Job::Trainees);
            self.worker = Some(w);
        }
        let done = self.worker.as_mut().map(Worker::poll).unwrap_or_default();
        for d in done {
            self.on_done(d);
        }
        let mut commands = Vec::new();
        self.dialog_result();
        self.watch(&ctx);
        self.author_tick(ui, &mut commands);
        self.top_bar(ui, &mut commands);
        let busy = self.is_busy();
        match &mut self.screen {
            Screen::SignIn => views::home::sign_in_ui(
                ui,
                self.persisted.lang,
                &mut self.name,
                &mut self.team,
                &self.known,
                self.db_status.as_ref(),
                &mut commands,
            ),
            Screen::Playbooks => {
                views::home::playbooks_ui(ui, self.persisted.lang, &self.lib, &mut commands)
            }
            Screen::Scenarios {
                playbook,
                records,
                certified,
                offer,
                ..
            } => views::home::scenarios_ui(
                ui,
                self.persisted.lang,
                &self.lib,
                playbook,
                records,
                *certified,
                offer.as_ref(),
                &mut commands,
            ),
            Screen::Practice(p) => views::practice::practice_ui(
                ui,
                self.persisted.lang,
                &self.lib,
                p,
                busy,
                &mut commands,
            ),
            Screen::Summary { run, finished } => views::practice::summary_ui(
                ui,
                self.persisted.lang,
                &self.lib,
                run,
                finished,
                &mut commands,
            ),
            Screen::Live(l) => views::live::live_ui(ui, self.persisted.lang, l, &mut commands),
            Screen::LiveSummary { playbook, summary } => views::live::live_summary_ui(
                ui,
                self.persisted.lang,
                playbook,
                summary,
                &mut commands,
            ),
            Screen::Review(r) => {
                views::review::review_ui(ui, self.persisted.lang, &self.lib, r, &mut commands)
            }
            Screen::Author(a) => {
                views::author::author_ui(ui, self.persisted.lang, &self.lib, a, busy, &mut commands)
            }
        }
        if ui.input(|i| i.key_pressed(Key::Escape)) && self.error.is_some() {
            commands.push(Command::DismissError);
        }
        for c in commands {
            self.apply(c);
        }
        if std::mem::take(&mut self.close_window) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        // The reply timer ticks once a second; nothing else repaints while idle.
        if matches!(self.screen, Screen::Practice(_) | Screen::Live(_)) {
            ctx.request_repaint_after(std::time::Duration::from_secs(1));
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let lang = self.persisted.lang;
        egui::Panel::top("top").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading(RichText::new("salesdojo").strong());
                ui.label(RichText::new(lang.t("销售对练", "sales practice")).weak());
                ui.separator();
                if self.trainee.is_some()
                    && !matches!(self.screen, Screen::SignIn | Screen::Playbooks)
                    && ui.button(lang.t("← 剧本", "← Playbooks")).clicked()
                {
                    commands.push(match self.screen {
                        Screen::Practice(_) => Command::Pause,
                        _ => Command::Home,
                    });
                }
                if self.trainee.is_some() && matches!(self.screen, Screen::Playbooks) {
                    for (label, hover, command) in [
                        (
                            lang.t("◆ 复盘与成绩", "◆ Review scores"),
                            lang.t(
                                "经理视图：团队成绩、趋势、逐条复核",
                                "Manager's view: scores, trends, attempt reviews",
                            ),
                            Command::OpenReview,
                        ),
                        (
                            lang.t("◇ 编写剧本", "◇ Author playbooks"),
                            lang.t(
                                "培训师视图：编辑剧本和脚本，试评分，写测试",
                                "Trainer's view: edit playbooks and scripts, try replies, write tests",
                            ),
                            Command::OpenAuthor,
                        ),
                    ] {
                        if ui.button(label).on_hover_text(hover).clicked() {
                            commands.push(command);
                        }
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let other = match lang {
                        Lang::Zh => Lang::En,
                        Lang::En => Lang::Zh,
                    };
                    if ui
                        .button(other.t("中文", "English"))
                        .on_hover_text(lang.t("切换界面语言", "Switch the interface language"))
                        .clicked()
                    {
                        commands.push(Command::SetLang(other));
                    }
                    if let Some(t) = &self.trainee {
                        if ui.button(lang.t("换人", "Switch trainee")).clicked() {
                            commands.push(Command::SignOut);
                        }
                        let who = match &t.team {
                            Some(team) => format!("{} · {team}", t.name),
                            None => t.name.clone(),
                        };
                        ui.label(RichText::new(who).strong());
                    }
                    if self.is_busy() {
                        ui.add(egui::Spinner::new())
                            .on_hover_text(lang.t("正在评分或保存…", "Scoring or saving…"));
                    }
                    if let Some(Err(e)) = &self.db_status {
                        ui.colored_label(
                            super::theme::BAD,
                            lang.t("未记录进度", "progress not saved"),
                        )
                        .on_hover_text(e.as_str());
                    }
                });
            });
            if let Some(e) = &self.error {
                ui.horizontal(|ui| {
                    ui.colored_label(super::theme::BAD, format!("⚠ {e}"));
                    if ui.button(lang.t("知道了", "Dismiss")).clicked() {
                        commands.push(Command::DismissError);
                    }
                });
            }
        });
    }

    fn playbook(&self, id: &str) -> Option<Arc<Playbook>> {
        self.lib.playbook(id).cloned()
    }

    /// Applies one command.
    pub fn apply(&mut self, c: Command) {
        match c {
            Command::SetLang(l) => self.persisted.lang = l,
            Command::SignIn { name, team } => {
                let name = name.trim().to_owned();
                if name.is_empty() {
                    self.error = Some(self.lang().t("请输入姓名。", "Enter your name.").to_owned());
                    return;
                }
                let team = Some(team.trim().to_owned()).filter(|t| !t.is_empty());
                self.send(Job::Trainee { name, team });
            }
            Command::SignOut if self.author_dirty() => self.ask(Pending::Then(Box::new(c))),
            Command::SignOut => {
                self.trainee = None;
                self.screen = Screen::SignIn;
                self.send(Job::Trainees);
            }
            Command::Home if self.author_dirty() => self.ask(Pending::Then(Box::new(c))),
            Command::Home => self.screen = Screen::Playbooks,
            Command::OpenPlaybook(id) => {
                let Some(pb) = self.playbook(&id) else { return };
                self.persisted.playbook = Some(id.clone());
                if pb.live && pb.scenarios.is_empty() {
                    self.apply(Command::StartLive(id));
                    return;
                }
                self.screen = Screen::Scenarios {
                    playbook: pb,
                    records: Vec::new(),
                    certified: false,
                    offer: None,
                    scenario: String::new(),
                };
                if let Some(t) = self.trainee.clone() {
                    self.send(Job::Records {
                        trainee: t,
                        playbook: id,
                    });
                }
            }
            Command::OpenScenario(scenario) => {
                let (Some(t), Screen::Scenarios { playbook, .. }) =
                    (self.trainee.clone(), &self.screen)
                else {
                    return;
                };
                let playbook = playbook.clone();
                self.send(Job::Resumable {
                    trainee: t,
                    playbook,
                    scenario,
                });
            }
            Command::Resume(choice) => {
                let (
                    Some(t),
                    Screen::Scenarios {
                        playbook,
                        offer,
                        scenario,
                        ..
                    },
                ) = (self.trainee.clone(), &mut self.screen)
                else {
                    return;
                };
                let found = offer.take().unwrap_or_default();
                let discard = found
                    .open
                    .into_iter()
                    .filter(|o| choice.as_ref().is_none_or(|c| c.id != o.id))
                    .collect();
                let job = Job::Start {
                    trainee: t,
                    playbook: playbook.clone(),
                    scenario: scenario.clone(),
                    resume: choice,
                    discard,
                };
                self.send(job);
            }
            Command::Submit(answer) => {
                let Screen::Practice(p) = &mut self.screen else {
                    return;
                };
                if p.submitting || p.run.is_unsaved() {
                    return;
                }
                p.submitting = true;
                let job = Job::Submit {
                    run: Box::new(p.run.clone()),
                    answer,
                    seconds: p.since.elapsed().as_secs_f64(),
                };
                self.send(job);
            }
            Command::RetrySave => {
                let Screen::Practice(p) = &mut self.screen else {
                    return;
                };
                p.submitting = true;
                let job = Job::Retry {
                    run: Box::new(p.run.clone()),
                };
                self.send(job);
            }
            Command::AskHint => {
                let Screen::Practice(p) = &self.screen else {
                    return;
                };
                let job = Job::Hint {
                    run: Box::new(p.run.clone()),
                };
                self.send(job);
            }
            Command::Pause => {
                let Screen::Practice(p) = &self.screen else {
                    return;
                };
                if p.run.is_unsaved() {
                    self.error = Some(
                        self.lang()
                            .t(
                                "最后一条回答还没保存：请先重试保存。",
                                "The last reply is not saved yet: retry saving first.",
                            )
                            .to_owned(),
                    );
                    return;
                }
                let id = p.run.attempt.playbook.id.clone();
                self.apply(Command::OpenPlaybook(id));
            }
            Command::Finish => {
                let Screen::Practice(p) = &mut self.screen else {
                    return;
                };
                p.submitting = true;
                let job = Job::Finish {
                    run: Box::new(p.run.clone()),
                };
                self.send(job);
            }
            Command::StartLive(id) => {
                let (Some(t), Some(pb)) = (self.trainee.clone(), self.playbook(&id)) else {
                    return;
                };
                self.send(Job::LiveStart {
                    trainee: t,
                    playbook: pb,
                });
            }
            Command::Live(action) => self.live(action),
            Command::Advance => {
                let Screen::Live(l) = &mut self.screen else {
                    return;
                };
                let seconds = l.since.elapsed().as_secs_f64();
                l.since = Instant::now();
                self.live(LiveAction::Advance { seconds });
            }
            Command::DismissError => self.error = None,
            Command::OpenReview => {
                // Newest first.
                self.screen = Screen::Review(Box::new(Review {
                    descending: true,
                    ..Review::default()
                }));
                self.apply(Command::ReviewQuery);
            }
            Command::ReviewQuery => self.review_query(),
            Command::SortBy(key) => {
                if let Screen::Review(r) = &mut self.screen {
                    r.descending = if r.sort == key { !r.descending } else { true };
                    r.sort = key;
                    if let Some(d) = &mut r.data {
                        sort_attempts(&mut d.attempts, r.sort, r.descending);
                    }
                }
            }
            Command::OpenAttempt(id) => self.send(Job::Detail(id)),
            Command::CloseAttempt => {
                if let Screen::Review(r) = &mut self.screen {
                    r.detail = None;
                }
            }
            Command::SaveReview => self.save_review(),
            Command::Export => {
                let Screen::Review(r) = &mut self.screen else {
                    return;
                };
                let Some(d) = &r.data else { return };
                if r.export_path.trim().is_empty() {
                    r.export_path = Review::default_export_path(r.export_xapi);
                }
                let job = Job::Export {
                    filter: d.filter.clone(),
                    xapi: r.export_xapi,
                    path: PathBuf::from(r.export_path.trim()),
                };
                r.io_note = None;
                self.send(job);
            }
            Command::Import => {
                let Screen::Review(r) = &mut self.screen else {
                    return;
                };
                let path = r.import_path.trim();
                if path.is_empty() {
                    return;
                }
                r.io_note = None;
                let job = Job::Merge(PathBuf::from(path));
                self.send(job);
            }
            Command::Browse(what) => self.browse(what),
            Command::OpenAuthor => self.open_author(),
            Command::AuthorOpen(_) | Command::AuthorNew if self.author_dirty() => {
                self.ask(Pending::Then(Box::new(c)))
            }
            Command::AuthorOpen(entry) => self.author_open(entry),
            Command::AuthorCopy(key) => self.author_copy(&key),
            Command::AuthorNew => self.author_new(),
            Command::AuthorSave => {
                let _ = self.author_save();
            }
            Command::AuthorRevert => self.author_revert(),
            Command::AuthorGoto { line, column } => {
                if let Some(ed) = self.editor() {
                    ed.goto = Some((line, column));
                }
            }
            Command::AuthorPrompt(answer) => self.author_prompt(answer),
            Command::AuthorRestore(take) => {
                if let Some(ed) = self.editor() {
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
            Command::TryReply => self.try_reply(),
            Command::AddTest => self.add_test(),
            Command::RunTests => {
                let id = self
                    .editor()
                    .and_then(|ed| ed.draft.as_ref().map(|p| p.id.clone()));
                if let Some(playbook) = id {
                    self.send(Job::RunTests { playbook });
                }
            }
        }
    }

    /// Opens the system's file dialog on its own thread (it blocks until closed); the chosen
    /// file is put in the view's field.
    fn browse(&mut self, what: BrowseFor) {
        if self.dialog.is_some() {
            return;
        }
        let Screen::Review(r) = &self.screen else {
            return;
        };
        let lang = self.lang();
        let (tx, rx) = std::sync::mpsc::channel();
        let (current, xapi) = match what {
            BrowseFor::Export => (r.export_path.clone(), r.export_xapi),
            BrowseFor::Import => (r.import_path.clone(), false),
        };
        let spawned = std::thread::Builder::new()
            .name("salesdojo-dialog".into())
            .spawn(move || {
                let mut d = rfd::FileDialog::new();
                let current = PathBuf::from(current);
                if let Some(dir) = current.parent().filter(|p| p.is_dir()) {
                    d = d.set_directory(dir);
                }
                let chosen = match what {
                    BrowseFor::Export => {
                        let (name, ext) = if xapi {
                            ("xAPI", "json")
                        } else {
                            ("CSV", "csv")
                        };
                        if let Some(f) = current.file_name() {
                            d = d.set_file_name(f.to_string_lossy());
                        }
                        d.set_title(lang.t("导出到…", "Export to…"))
                            .add_filter(name, &[ext])
                            .save_file()
                    }
                    BrowseFor::Import => d
                        .set_title(lang.t("导入学员的数据库", "Import a trainee's database"))
                        .add_filter("salesdojo", &["db", "sqlite"])
                        .pick_file(),
                };
                let _ = tx.send((what, chosen));
            });
        match spawned {
            Ok(_) => self.dialog = Some(rx),
            Err(e) => self.error = Some(format!("cannot open a file dialog: {e}")),
        }
    }

    fn dialog_result(&mut self) {
        let Some(rx) = &self.dialog else { return };
        let result = match rx.try_recv() {
            Ok(r) => r,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.dialog = None;
                return;
            }
        };
        self.dialog = None;
        if let (Screen::Review(r), (what, Some(path))) = (&mut self.screen, result) {
            let path = path.display().to_string();
            match what {
                BrowseFor::Export => r.export_path = path,
                BrowseFor::Import => r.import_path = path,
            }
        }
    }

    fn editor(&mut self) -> Option<&mut Editor> {
        match &mut self.screen {
            Screen::Author(a) => a.open.as_deref_mut(),
            _ => None,
        }
    }

    fn author_dirty(&self) -> bool {
        match &self.screen {
            Screen::Author(a) => a.open.as_ref().is_some_and(|e| e.is_dirty()),
            _ => false,
        }
    }

    fn ask(&mut self, p: Pending) {
        if let Screen::Author(a) = &mut self.screen {
            a.prompt = Some(p);
        }
    }

    fn notice(&mut self, text: String) {
        if let Screen::Author(a) = &mut self.screen {
            a.notice = Some(text);
        }
    }

    /// Starts watching the trainer's folder once it exists; gathers the changes it reports
    /// and, after a short pause, reloads the library and the open file.
    fn watch(&mut self, ctx: &egui::Context) {
        if self.watcher.is_none()
            && !self.watch_tried
            && let Some(ws) = &self.workspace
            && ws.playbooks_dir().is_dir()
        {
            self.watch_tried = true;
            let wake = ctx.clone();
            match Watcher::start(&ws.watched(), move || {
                wake.request_repaint_after(RELOAD_AFTER)
            }) {
                Ok(w) => self.watcher = Some(w),
                Err(e) => {
                    self.error = Some(format!(
                        "cannot watch {} for changes: {e}",
                        ws.playbooks_dir().display()
                    ))
                }
            }
        }
        if let Some(w) = &self.watcher {
            let changed = w.changed();
            if !changed.is_empty() {
                self.changed.extend(changed);
                self.reload_at = Some(Instant::now() + RELOAD_AFTER);
            }
        }
        let Some(at) = self.reload_at else { return };
        let now = Instant::now();
        if now < at {
            ctx.request_repaint_after(at - now);
            return;
        }
        self.reload_at = None;
        let changed = std::mem::take(&mut self.changed);
        if let Some(ws) = self.workspace.clone() {
            self.send(Job::Reload(ws.clone()));
            if let Screen::Author(a) = &mut self.screen {
                a.files = ws.files();
            }
        }
        let Some(ed) = self.editor() else { return };
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

    /// Per frame in the authoring view: Ctrl+S, the check after a pause in typing, the
    /// autosave after a longer one.
    fn author_tick(&mut self, ui: &egui::Ui, commands: &mut Vec<Command>) {
        let Some(ws) = self.workspace.clone() else {
            return;
        };
        let ctx = ui.ctx().clone();
        let Screen::Author(a) = &mut self.screen else {
            return;
        };
        let Some(ed) = a.open.as_deref_mut() else {
            return;
        };
        let save = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, Key::S);
        if ui.input_mut(|i| i.consume_shortcut(&save)) {
            commands.push(Command::AuthorSave);
        }
        if ui.input(|i| i.viewport().close_requested()) && ed.is_dirty() && !self.quitting {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            a.prompt = Some(Pending::Quit);
        }
        let quiet = ed.edited_at.elapsed();
        if ed.check_sent != ed.seq {
            if quiet >= CHECK_AFTER {
                ed.check_sent = ed.seq;
                let job = Job::Check {
                    seq: ed.seq,
                    workspace: ws,
                    path: ed.entry.path.clone(),
                    key: ed.entry.key.clone(),
                    text: ed.text.clone(),
                };
                if let Some(w) = &mut self.worker {
                    w.send(job);
                }
            } else {
                ctx.request_repaint_after(CHECK_AFTER - quiet);
            }
        }
        let Some(path) = ed.entry.path.clone() else {
            return;
        };
        if ed.autosaved_seq != ed.seq && ed.is_dirty() {
            if quiet >= AUTOSAVE_AFTER {
                ed.autosaved_seq = ed.seq;
                if let Err(e) = author::autosave(&path, &ed.text) {
                    a.notice = Some(e.to_string());
                }
            } else {
                ctx.request_repaint_after(AUTOSAVE_AFTER - quiet);
            }
        }
    }

    fn open_author(&mut self) {
        let Some(ws) = self.workspace.clone() else {
            self.error = Some(
                self.lang()
                    .t(
                        "找不到存放剧本的文件夹（请用 --playbooks 指定）。",
                        "There is no folder for your playbooks (give one with --playbooks).",
                    )
                    .to_owned(),
            );
            return;
        };
        if let Err(e) = ws.create() {
            self.error = Some(e.to_string());
        }
        // Its folders may be new: watch them all now.
        self.watcher = None;
        self.watch_tried = false;
        self.screen = Screen::Author(Box::new(Author {
            files: ws.files(),
            root: Some(ws.root().display().to_string()),
            ..Author::default()
        }));
    }

    fn author_open(&mut self, entry: FileEntry) {
        let Some(ws) = self.workspace.clone() else {
            return;
        };
        let Screen::Author(a) = &mut self.screen else {
            return;
        };
        match ws.read(&entry) {
            Ok(text) => {
                a.open = Some(Box::new(Editor::new(entry, text)));
                a.notice = None;
            }
            Err(e) => a.notice = Some(e.to_string()),
        }
    }

    fn author_copy(&mut self, key: &str) {
        let Some(ws) = self.workspace.clone() else {
            return;
        };
        let lang = self.lang();
        match ws.copy_bundled(key) {
            Ok(entry) => {
                if let Screen::Author(a) = &mut self.screen {
                    a.files = ws.files();
                }
                self.author_open(entry);
                self.notice(
                    lang.t(
                        "已复制到我的剧本，现在可以修改。",
                        "Copied to your playbooks: you can edit it now.",
                    )
                    .to_owned(),
                );
            }
            Err(author::AuthorError::Exists(_)) => {
                let mine = ws
                    .files()
                    .into_iter()
                    .find(|f| f.origin == Origin::User && f.key == key);
                if let Some(entry) = mine {
                    self.author_open(entry);
                    self.notice(
                        lang.t(
                            "我的剧本里已有这个文件，已打开你的版本。",
                            "It is already in your playbooks: your copy is open.",
                        )
                        .to_owned(),
                    );
                }
            }
            Err(e) => self.notice(e.to_string()),
        }
    }

    fn author_new(&mut self) {
        let Some(ws) = self.workspace.clone() else {
            return;
        };
        let Screen::Author(a) = &mut self.screen else {
            return;
        };
        match ws.new_playbook(a.new_id.trim()) {
            Ok(entry) => {
                a.files = ws.files();
                a.new_id.clear();
                self.author_open(entry);
            }
            Err(e) => a.notice = Some(e.to_string()),
        }
    }

    /// Saves the open file; whether it was saved.
    fn author_save(&mut self) -> bool {
        let lang = self.lang();
        let ws = self.workspace.clone();
        let Some(ed) = self.editor() else {
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
                self.notice(format!("{} {when}", lang.t("已保存", "Saved at")));
                // In use at once, watched or not.
                if let Some(ws) = ws {
                    self.send(Job::Reload(ws));
                }
                true
            }
            Err(e) => {
                self.error = Some(e.to_string());
                false
            }
        }
    }

    fn author_revert(&mut self) {
        let Some(ed) = self.editor() else { return };
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
            Err(e) => self.error = Some(format!("{}: {e}", path.display())),
        }
    }

    fn author_prompt(&mut self, answer: PromptAnswer) {
        let Screen::Author(a) = &mut self.screen else {
            return;
        };
        let Some(pending) = a.prompt.take() else {
            return;
        };
        match answer {
            PromptAnswer::Cancel => return,
            PromptAnswer::Save => {
                if !self.author_save() {
                    return;
                }
            }
            PromptAnswer::Discard => {
                if let Some(ed) = self.editor() {
                    if let Some(p) = &ed.entry.path {
                        author::discard_autosave(p);
                    }
                    ed.text = ed.saved.clone();
                    ed.touch();
                }
            }
        }
        match pending {
            Pending::Then(c) => self.apply(*c),
            Pending::Quit => {
                self.quitting = true;
                self.close_window = true;
            }
        }
    }

    fn try_reply(&mut self) {
        let lang = self.lang();
        let Some(ed) = self.editor() else { return };
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
        let job = Job::Try {
            playbook: pb.id.clone(),
            scenario: ed.try_scenario.clone(),
            turn: ed.try_turn.clone(),
            answer,
        };
        self.send(job);
    }

    fn add_test(&mut self) {
        let lang = self.lang();
        let Some(ed) = self.editor() else { return };
        let (Some(Ok(r)), Some((scenario, turn, answer))) = (&ed.tried, &ed.tried_input) else {
            return;
        };
        let t = NewTest::around(scenario, turn, answer.clone(), r.scored.rounded(), 5);
        match author::add_test(&ed.text, &t) {
            Ok(text) => {
                ed.text = text;
                ed.touch();
                if self.author_save() {
                    self.notice(match lang {
                        Lang::Zh => format!("已添加测试（期望 {}–{} 分）并保存。", t.min, t.max),
                        Lang::En => format!("Test added (expects {}–{}) and saved.", t.min, t.max),
                    });
                }
            }
            Err(e) => self.notice(e),
        }
    }

    fn live(&mut self, action: LiveAction) {
        let Screen::Live(l) = &mut self.screen else {
            return;
        };
        // Applied here at once so the list reacts without waiting; the worker's copy (the one
        // written to the log) comes back and replaces it.
        if let LiveAction::Tick { item, ticked, .. } = &action {
            let _ = l.visit.visit.set_ticked(item, *ticked);
        }
        let job = Job::Live {
            visit: Box::new(l.visit.clone()),
            action,
        };
        self.send(job);
    }

    /// Sends the review queries for the filter as edited; a date that does not parse is an
    /// error and nothing is sent.
    fn review_query(&mut self) {
        let lang = self.lang();
        let Screen::Review(r) = &mut self.screen else {
            return;
        };
        let date = |s: &str| -> Result<Option<chrono::NaiveDate>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    format!(
                        "{} '{s}' (YYYY-MM-DD)",
                        lang.t("日期格式不对：", "not a date:")
                    )
                })
        };
        let (from, to) = match (date(&r.from), date(&r.to)) {
            (Ok(f), Ok(t)) => (f, t),
            (Err(e), _) | (_, Err(e)) => {
                self.error = Some(e);
                return;
            }
        };
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let filter = Filter {
            trainee: some(&r.trainee),
            team: some(&r.team),
            playbook: some(&r.playbook),
            scenario: some(&r.scenario),
            since: from.map(|d| d.format("%Y-%m-%d").to_string()),
            // The view's "to" includes its day; the filter's `until` is exclusive.
            until: to
                .and_then(|d| d.succ_opt())
                .map(|d| d.format("%Y-%m-%d").to_string()),
        };
        r.sent = Some(Instant::now());
        self.send(Job::Review(filter));
    }

    fn save_review(&mut self) {
        let lang = self.lang();
        let reviewer = self.trainee.as_ref().map(|t| t.name.clone());
        let Screen::Review(r) = &mut self.screen else {
            return;
        };
        let (Some(d), Some(reviewer)) = (&r.detail, reviewer) else {
            return;
        };
        let comment = Some(r.comment.trim().to_owned()).filter(|c| !c.is_empty());
        let over = if r.over_criterion.is_empty() {
            None
        } else {
            match r.over_points.trim().parse::<f64>() {
                Ok(p) if (0.0..=100.0).contains(&p) => Some((r.over_criterion.clone(), p)),
                _ => {
                    self.error = Some(
                        lang.t(
                            "复核分数应为 0–100 的数字。",
                            "The override must be a number from 0 to 100.",
                        )
                        .to_owned(),
                    );
                    return;
                }
            }
        };
        if comment.is_none() && over.is_none() {
            self.error = Some(
                lang.t(
                    "请写下评语或选择要复核的评分项。",
                    "Write a comment or choose a criterion to override.",
                )
                .to_owned(),
            );
            return;
        }
        let job = Job::AddReview {
            attempt: d.attempt.id.clone(),
            reviewer,
            comment,
            over,
        };
        self.send(job);
    }

    fn on_done(&mut self, d: Done) {
        let lang = self.lang();
        match d {
            Done::Review(Ok(mut data)) => {
                if let Screen::Review(r) = &mut self.screen {
                    sort_attempts(&mut data.attempts, r.sort, r.descending);
                    r.latency_ms = r.sent.take().map(|t| t.elapsed().as_secs_f64() * 1e3);
                    r.data = Some(data);
                }
            }
            Done::Detail(Ok(detail)) => {
                if let Screen::Review(r) = &mut self.screen {
                    // A saved review clears the form; the table refreshes (overrides move
                    // averages and totals).
                    let saved = r.detail.as_ref().is_some_and(|d| {
                        d.attempt.id == detail.attempt.id && d.reviews.len() < detail.reviews.len()
                    });
                    r.detail = Some(detail);
                    if saved {
                        r.comment.clear();
                        r.over_criterion.clear();
                        r.over_points.clear();
                        self.review_query();
                    }
                }
            }
            Done::Review(Err(e)) | Done::Detail(Err(e)) => {
                if let Screen::Review(r) = &mut self.screen {
                    r.sent = None;
                }
                self.error = Some(e);
            }
            Done::Db(status) => self.db_status = Some(status),
            Done::Exported(note) => {
                if let Screen::Review(r) = &mut self.screen {
                    r.io_note = Some(note);
                }
            }
            Done::Merged(note) => {
                let ok = note.is_ok();
                if let Screen::Review(r) = &mut self.screen {
                    r.io_note = Some(note);
                }
                if ok {
                    // The merged attempts show at once.
                    self.review_query();
                    self.send(Job::Trainees);
                }
            }
            Done::Reloaded { lib, problems } => {
                self.lib = lib;
                // A scenario list shows the playbook as it is now.
                if let Screen::Scenarios {
                    playbook,
                    offer: None,
                    ..
                } = &mut self.screen
                    && let Some(pb) = self.lib.playbook(&playbook.id)
                {
                    *playbook = pb.clone();
                }
                let when = chrono::Local::now().format("%H:%M:%S");
                let text = match (lang, problems.is_some()) {
                    (Lang::Zh, false) => format!("剧本已重新载入（{when}）"),
                    (Lang::Zh, true) => format!("剧本已重新载入（{when}），部分文件有错误未载入"),
                    (Lang::En, false) => format!("Playbooks reloaded at {when}"),
                    (Lang::En, true) => {
                        format!(
                            "Playbooks reloaded at {when}; some files have errors and were left out"
                        )
                    }
                };
                if let Screen::Author(a) = &mut self.screen {
                    a.reloaded = Some((text, problems.is_some()));
                }
            }
            Done::Checked(c) => {
                if let Some(ed) = self.editor()
                    && ed.seq == c.seq
                {
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
                }
            }
            Done::Tried(r) => {
                if let Some(ed) = self.editor() {
                    ed.tried = Some(r);
                }
            }
            Done::Tests(r) => match r {
                Ok(run) => {
                    if let Some(ed) = self.editor() {
                        ed.tests = Some(run);
                    }
                }
                Err(e) => self.notice(e),
            },
            Done::Trainees(list) => self.known = list,
            Done::Trainee(Ok(t)) => {
                self.persisted.trainee = t.name.clone();
                self.persisted.team = t.team.clone().unwrap_or_default();
                self.trainee = Some(t);
                self.screen = Screen::Playbooks;
                // Back where the trainee left off last time.
                if let Some(id) = self.persisted.playbook.clone()
                    && self
                        .lib
                        .playbook(&id)
                        .is_some_and(|p| !p.scenarios.is_empty())
                {
                    self.apply(Command::OpenPlaybook(id));
                }
            }
            Done::Records(Ok((r, c))) => {
                if let Screen::Scenarios {
                    records, certified, ..
                } = &mut self.screen
                {
                    *records = r;
                    *certified = c;
                }
            }
            Done::Resumable {
                scenario: s,
                found: Ok(found),
            } => {
                if let Screen::Scenarios {
                    offer, scenario, ..
                } = &mut self.screen
                {
                    *scenario = s;
                    if found.outdated > 0 {
                        self.error = Some(
                            lang.t(
                                "上次未完成的对练之后，剧本已更新，将重新开始。",
                                "The playbook changed since your unfinished attempt; starting afresh.",
                            )
                            .to_owned(),
                        );
                    }
                    if found.open.is_empty() {
                        self.apply(Command::Resume(None));
                    } else {
                        *offer = Some(found);
                    }
                }
            }
            Done::Started(Ok(run)) => {
                self.screen = Screen::Practice(Box::new(Practice {
                    run: *run,
                    draft: String::new(),
                    since: Instant::now(),
                    unsaved: None,
                    hint: Vec::new(),
                    submitting: false,
                }));
            }
            Done::Submitted { run, error } => {
                if let Screen::Practice(p) = &mut self.screen {
                    p.submitting = false;
                    // A reply is done once it is saved, whether by the submit or a retry.
                    let was_open = p.run.is_unsaved()
                        || run.attempt.replies.len() > p.run.attempt.replies.len();
                    p.run = *run;
                    p.unsaved = error.filter(|_| p.run.is_unsaved());
                    if was_open && !p.run.is_unsaved() {
                        p.draft.clear();
                        p.hint.clear();
                        p.since = Instant::now();
                    }
                }
            }
            Done::Hint(h) => {
                if let Screen::Practice(p) = &mut self.screen {
                    p.hint = h;
                }
            }
            Done::Finished { run, result } => match result {
                Ok(finished) => self.screen = Screen::Summary { run, finished },
                Err(e) => {
                    if let Screen::Practice(p) = &mut self.screen {
                        p.submitting = false;
                    }
                    self.error = Some(format!("{} {e}", lang.t("未保存：", "Not saved:")));
                }
            },
            Done::Live { visit, error } => match &mut self.screen {
                Screen::Live(l) => {
                    l.visit = *visit;
                    l.error = error;
                }
                _ => {
                    self.screen = Screen::Live(Box::new(Live {
                        visit: *visit,
                        since: Instant::now(),
                        notes: Default::default(),
                        grade: String::new(),
                        appointment: String::new(),
                        error,
                    }))
                }
            },
            Done::LiveFinished { visit, result } => match result {
                Ok(summary) => {
                    self.screen = Screen::LiveSummary {
                        playbook: visit.visit.playbook.clone(),
                        summary,
                    }
                }
                Err(e) => {
                    if let Screen::Live(l) = &mut self.screen {
                        l.error = Some(e);
                    }
                }
            },
            Done::Trainee(Err(e))
            | Done::Records(Err(e))
            | Done::Resumable { found: Err(e), .. }
            | Done::Started(Err(e)) => self.error = Some(e),
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }
}

/// Sorts the review table's rows; ties keep the newest first.
fn sort_attempts(rows: &mut [crate::store::report::AttemptRow], key: SortKey, descending: bool) {
    use std::cmp::Ordering;
    rows.sort_by(|a, b| {
        let o = match key {
            SortKey::Started => a.started_at.cmp(&b.started_at),
            SortKey::Trainee => a.trainee.cmp(&b.trainee),
            SortKey::Team => a.team.cmp(&b.team),
            SortKey::Scenario => (&a.playbook, &a.scenario).cmp(&(&b.playbook, &b.scenario)),
            SortKey::Status => a.status.cmp(&b.status),
            SortKey::Total => a
                .total
                .unwrap_or(-1.0)
                .partial_cmp(&b.total.unwrap_or(-1.0))
                .unwrap_or(Ordering::Equal),
        };
        let o = if descending { o.reverse() } else { o };
        o.then_with(|| b.started_at.cmp(&a.started_at))
    });
}
