//! The app: persisted state, runtime resources, the current screen, and the loop that draws a
//! frame, then routes the commands the views returned and the results the worker sent to the
//! view they belong to. Each view (practice, live, review, author) owns its state, its
//! commands and its handling of the worker's answers (`views::*`); the app keeps the top bar,
//! the sign-in and the screen switch.

use std::sync::Arc;

use egui::Key;

use super::command::Command;
use super::state::{Lang, Persisted, Role};
use super::views;
use super::watch::FolderWatch;
use super::worker::{Db, Done, Finished, Job, Worker};
use crate::author::Workspace;
use crate::playbook::Library;
use crate::playbook::model::Playbook;
use crate::practice::live::LiveSummary;
use crate::session::LoggedAttempt;
use crate::store::Trainee;

pub use super::ctx::Ctx;
pub use views::author::{Author, Editor, Pending};
pub use views::live::Live;
pub use views::practice::Practice;
pub use views::review::Review;

pub enum Screen {
    /// Choose or create a trainee.
    SignIn,
    Playbooks,
    Scenarios(Box<views::home::Scenarios>),
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
    /// What trainees practise: the bundled and the published playbooks.
    pub lib: Arc<Library>,
    /// What the trainer edits and tries: `lib` with their own folder (drafts) over it.
    pub drafts: Arc<Library>,
    db: Db,
    worker: Option<Worker>,
    pub screen: Screen,
    pub trainee: Option<Trainee>,
    /// A manager or trainer signed in (their name): no trainee record.
    pub staff: Option<(String, Role)>,
    /// The trainee's unfinished role-plays (playbook, scenario, started at), offered on the
    /// playbook list.
    pub unfinished: Vec<(String, String, String)>,
    /// What is assigned to the trainee (or why it could not be read), listed first.
    pub assigned: Result<Vec<crate::gui::worker::AssignedItem>, String>,
    /// Just signed in: open the playbook of last time once the assignments are read, when
    /// none waits.
    back_to_last: bool,
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
    watch: FolderWatch,
    /// The team window: joining a team server, its status.
    pub team_window: views::team::Team,
    /// The About window: version, commit, licences.
    pub about: views::about::About,
    /// Where "hand my history over" writes its file (the home folder unless set).
    pub handover_dir: Option<std::path::PathBuf>,
    /// What the last hand-over did, shown on the playbook list.
    pub handed_over: Option<Result<String, String>>,
    /// How many attempts wait in the review queue (read for a manager).
    pub queue_count: Option<usize>,
    /// The reviews of the signed-in trainee's attempts, newest first.
    pub my_reviews: Vec<crate::store::report::TraineeReview>,
    /// The signed-in trainee's readiness, shown on their summary.
    pub my_readiness: Option<crate::gui::worker::ReadinessData>,
    /// The question a trainee writes on their summary for a review, and what became of it.
    pub question: String,
    pub asked: Option<Result<String, String>>,
    /// The window may close: unsaved changes were saved or let go.
    quitting: bool,
    close_window: bool,
}

impl App {
    pub fn new(lib: Arc<Library>, db: Db, persisted: Persisted) -> Self {
        Self {
            name: persisted.trainee.clone(),
            team: persisted.team.clone(),
            persisted,
            drafts: lib.clone(),
            lib,
            db,
            worker: None,
            screen: Screen::SignIn,
            trainee: None,
            staff: None,
            unfinished: Vec::new(),
            assigned: Ok(Vec::new()),
            back_to_last: false,
            db_status: None,
            error: None,
            known: Vec::new(),
            workspace: None,
            watch: FolderWatch::default(),
            team_window: views::team::Team::default(),
            about: views::about::About::default(),
            handover_dir: None,
            handed_over: None,
            queue_count: None,
            my_reviews: Vec::new(),
            my_readiness: None,
            question: String::new(),
            asked: None,
            quitting: false,
            close_window: false,
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

    /// Splits the app into the screen and what its handlers may use.
    fn split(&mut self) -> (&mut Screen, Ctx<'_>) {
        (
            &mut self.screen,
            Ctx {
                lang: self.persisted.lang,
                lib: &self.lib,
                trainee: self.trainee.as_ref(),
                who: self
                    .trainee
                    .as_ref()
                    .map(|t| t.name.as_str())
                    .or(self.staff.as_ref().map(|s| s.0.as_str())),
                workspace: self.workspace.as_ref(),
                error: &mut self.error,
                worker: &mut self.worker,
            },
        )
    }

    /// Draws one frame and applies what it asked for.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.worker.is_none() {
            let mut w = Worker::spawn(self.lib.clone(), self.db.clone(), ctx.clone());
            w.send(Job::Trainees);
            if let Some(ws) = &self.workspace {
                // The trainer's drafts, over the published playbooks the worker has read.
                w.send(Job::Reload(Some(ws.clone())));
            }
            self.worker = Some(w);
        }
        let done = self.worker.as_mut().map(Worker::poll).unwrap_or_default();
        for d in done {
            self.on_done(d);
        }
        if self.team_window.poll() {
            // Joined or left: the worker starts or stops syncing in the background.
            self.send(Job::TeamChanged);
        }
        if let Some(me) = self.team_window.take_joined_as() {
            // The log practises as the login it joined as: its name and team fill the
            // sign-in form, and a trainee not yet signed in is signed in as them.
            self.name = me.name.clone();
            self.team = me.team.clone().unwrap_or_default();
            if me.role == "trainee" && matches!(self.screen, Screen::SignIn) {
                self.apply(Command::SignIn {
                    name: me.name,
                    team: me.team.unwrap_or_default(),
                });
            }
        }
        let mut commands = Vec::new();
        self.watch(&ctx);
        let quitting = self.quitting;
        match self.split() {
            (Screen::Review(r), c) => r.poll_dialog(c.lang),
            (Screen::Author(a), mut c) => a.tick(ui, quitting, &mut commands, &mut c),
            _ => {}
        }
        self.top_bar(ui, &mut commands);
        self.team_window
            .show(&ctx, self.persisted.lang, &mut commands);
        self.about.show(&ctx, self.persisted.lang);
        let busy = self.is_busy();
        let lang = self.persisted.lang;
        match &mut self.screen {
            Screen::SignIn => views::home::sign_in_ui(
                ui,
                lang,
                &mut self.name,
                &mut self.team,
                &self.known,
                self.db_status.as_ref(),
                &mut commands,
            ),
            Screen::Playbooks => views::home::playbooks_ui(
                ui,
                lang,
                &self.lib,
                views::home::Waiting {
                    unfinished: &self.unfinished,
                    assigned: &self.assigned,
                    reviews: &self.my_reviews,
                },
                self.handed_over.as_ref(),
                &mut commands,
            ),
            Screen::Scenarios(s) => views::home::scenarios_ui(
                ui,
                lang,
                &self.lib,
                &s.playbook,
                &s.records,
                s.certificate.as_ref(),
                s.offer.as_ref(),
                &s.unfinished,
                &mut commands,
            ),
            Screen::Practice(p) => {
                views::practice::practice_ui(ui, lang, &self.lib, p, busy, &mut commands)
            }
            Screen::Summary { run, finished } => views::practice::summary_ui(
                ui,
                lang,
                &self.lib,
                run,
                finished,
                views::practice::Asking {
                    question: &mut self.question,
                    asked: self.asked.as_ref(),
                    readiness: self.my_readiness.as_ref(),
                },
                &mut commands,
            ),
            Screen::Live(l) => views::live::live_ui(ui, lang, l, &mut commands),
            Screen::LiveSummary { playbook, summary } => {
                views::live::live_summary_ui(ui, lang, playbook, summary, &mut commands)
            }
            Screen::Review(r) => views::review::review_ui(ui, lang, &self.lib, r, &mut commands),
            Screen::Author(a) => {
                views::author::author_ui(ui, lang, &self.drafts, a, busy, &mut commands)
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
        let bar = views::top_bar::TopBar {
            lang: self.persisted.lang,
            trainee: self.trainee.as_ref(),
            staff: self.staff.as_ref().map(|(n, r)| (n.as_str(), *r)),
            in_review: matches!(self.screen, Screen::Review(_)),
            in_author: matches!(self.screen, Screen::Author(_)),
            on_playbooks: matches!(self.screen, Screen::Playbooks),
            away: !matches!(self.screen, Screen::SignIn | Screen::Playbooks),
            in_practice: matches!(self.screen, Screen::Practice(_)),
            busy: self.is_busy(),
            joined: self.team_window.joined(),
            db_status: self.db_status.as_ref(),
            error: self.error.as_deref(),
            queue: self
                .queue_count
                .filter(|_| matches!(self.staff, Some((_, Role::Manager)))),
        };
        bar.show(ui, commands);
    }

    fn playbook(&self, id: &str) -> Option<Arc<Playbook>> {
        self.lib.playbook(id).cloned()
    }

    /// The authoring view's open file has unsaved changes.
    fn author_dirty(&self) -> bool {
        matches!(&self.screen, Screen::Author(a) if a.is_dirty())
    }

    /// Asks "save your changes?" before carrying out `c`.
    fn ask(&mut self, c: Command) {
        if let Screen::Author(a) = &mut self.screen {
            a.prompt = Some(Pending::Then(Box::new(c)));
        }
    }

    /// The reply being written, kept with what is remembered between runs (when the app
    /// closes or the role-play is left unfinished).
    pub fn keep_draft(&mut self) {
        if let Screen::Practice(p) = &self.screen
            && let Some(turn) = p.run.attempt.current_turn()
        {
            self.persisted.keep_draft(&p.run.id, &turn.id, &p.draft);
        }
    }

    /// Applies one command: the app's own, or routed to the view it belongs to.
    pub fn apply(&mut self, c: Command) {
        if matches!(
            c,
            Command::Home | Command::SignOut | Command::OpenReview | Command::OpenAuthor
        ) {
            self.keep_draft();
        }
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
            Command::SignInAs { name, role } => {
                let name = name.trim().to_owned();
                if name.is_empty() {
                    self.error = Some(self.lang().t("请输入姓名。", "Enter your name.").to_owned());
                    return;
                }
                self.persisted.trainee = name.clone();
                if let Some(Ok(db)) = &self.db_status {
                    self.persisted.database = db.clone();
                }
                self.trainee = None;
                self.staff = Some((name, role));
                self.apply(match role {
                    Role::Manager => Command::OpenReview,
                    Role::Trainer => Command::OpenAuthor,
                });
            }
            // Every way out of the editor by the top bar asks first.
            Command::SignOut | Command::Home | Command::OpenReview if self.author_dirty() => {
                self.ask(c)
            }
            Command::SignOut => {
                self.trainee = None;
                self.staff = None;
                self.screen = Screen::SignIn;
                self.send(Job::Trainees);
            }
            Command::HandOver => {
                let Some(t) = &self.trainee else { return };
                let dir = self
                    .handover_dir
                    .clone()
                    .or_else(|| directories::UserDirs::new().map(|d| d.home_dir().to_path_buf()))
                    .unwrap_or_else(|| std::path::PathBuf::from("."));
                let name: String = t
                    .name
                    .chars()
                    .map(|c| if c.is_alphanumeric() { c } else { '-' })
                    .collect();
                let date = chrono::Local::now().format("%Y-%m-%d");
                let dest = dir.join(format!("salesdojo-{name}-{date}.db"));
                self.handed_over = None;
                self.send(Job::HandOver(dest));
            }
            Command::Home => {
                self.screen = Screen::Playbooks;
                // What is unfinished is read again each time the list is shown: an attempt
                // resumed and finished since is no longer offered.
                if let Some(t) = self.trainee.clone() {
                    self.send(Job::Unfinished(t.clone()));
                    self.send(Job::TraineeReviews(t.id.clone()));
                    self.send(Job::Assigned(t));
                }
            }
            Command::OpenPlaybook(id) => {
                let Some(pb) = self.playbook(&id) else { return };
                self.persisted.playbook = Some(id.clone());
                if pb.live && pb.scenarios.is_empty() {
                    self.apply(Command::StartLive(id));
                    return;
                }
                let (_, mut ctx) = self.split();
                let list = views::home::Scenarios::open(pb, &mut ctx);
                self.screen = Screen::Scenarios(Box::new(list));
            }
            Command::OpenScenario(scenario) => {
                if let (Screen::Scenarios(s), mut ctx) = self.split() {
                    s.open_scenario(scenario, &mut ctx);
                }
            }
            Command::Resume(choice) => {
                if let (Screen::Scenarios(s), mut ctx) = self.split() {
                    s.resume(choice, &mut ctx);
                }
            }
            Command::Pause => {
                let id = match self.split() {
                    (Screen::Practice(p), mut ctx) => {
                        if !p.may_leave(&mut ctx) {
                            return;
                        }
                        p.run.attempt.playbook.id.clone()
                    }
                    _ => return,
                };
                self.apply(Command::OpenPlaybook(id));
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
            Command::DismissError => self.error = None,
            Command::About => self.about.open = !self.about.open,
            Command::OpenReview => {
                self.screen = Screen::Review(Box::new(Review::new()));
                self.apply(Command::Review(views::review::Cmd::Query));
                self.send(Job::Queue {
                    days: views::review::QUEUE_DAYS,
                });
            }
            Command::OpenQueue => {
                if !matches!(self.screen, Screen::Review(_)) {
                    self.apply(Command::OpenReview);
                }
                self.apply(Command::Review(views::review::Cmd::Tab(
                    views::review::Tab::Queue,
                )));
            }
            Command::AskReview => {
                if let (Screen::Summary { run, .. }, Some(t)) = (&self.screen, &self.trainee) {
                    let job = Job::AskReview {
                        trainee: t.id.clone(),
                        attempt: run.id.clone(),
                        question: self.question.clone(),
                    };
                    self.send(job);
                }
            }
            Command::Acknowledge(reviews) => {
                if let Some(t) = &self.trainee {
                    let job = Job::Acknowledge {
                        trainee: t.id.clone(),
                        reviews,
                    };
                    self.send(job);
                }
            }
            Command::OpenAuthor => self.open_author(),
            Command::Author(views::author::Cmd::Open(_) | views::author::Cmd::New)
                if self.author_dirty() =>
            {
                self.ask(c)
            }
            Command::Practice(cmd) => {
                if let (Screen::Practice(p), mut ctx) = self.split() {
                    p.apply(cmd, &mut ctx);
                }
            }
            Command::Live(cmd) => {
                if let (Screen::Live(l), mut ctx) = self.split() {
                    l.apply(cmd, &mut ctx);
                }
            }
            Command::Review(cmd) => {
                if let (Screen::Review(r), mut ctx) = self.split() {
                    r.apply(cmd, &mut ctx);
                }
            }
            Command::Team(cmd) => {
                let db = match &self.db {
                    Db::Open(p) => Some(p.clone()),
                    Db::None => None,
                };
                self.team_window.apply(cmd, db);
            }
            Command::Author(cmd) => {
                let then = match self.split() {
                    (Screen::Author(a), mut ctx) => a.apply(cmd, &mut ctx),
                    _ => None,
                };
                match then {
                    Some(Pending::Then(c)) => self.apply(*c),
                    Some(Pending::Quit) => {
                        self.quitting = true;
                        self.close_window = true;
                    }
                    None => {}
                }
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
        self.watch.restart();
        self.screen = Screen::Author(Box::new(Author::new(&ws)));
    }

    /// The trainer's folder changed on disk: the library is reloaded, and the authoring view
    /// reads its files again.
    fn watch(&mut self, ctx: &egui::Context) {
        let Some(ws) = self.workspace.clone() else {
            return;
        };
        let Some(changed) = self.watch.poll(&ws, ctx, &mut self.error) else {
            return;
        };
        self.send(Job::Reload(Some(ws.clone())));
        if let Screen::Author(a) = &mut self.screen {
            a.on_disk_change(&ws, &changed);
        }
    }

    /// Routes a result of the worker to the view it belongs to.
    fn on_done(&mut self, d: Done) {
        let lang = self.lang();
        match d {
            d @ (Done::Review(_)
            | Done::Detail(_)
            | Done::Exported(_)
            | Done::Merged(_)
            | Done::Funnel(_)
            | Done::Certificates(_)
            | Done::AssignSaved(_)) => {
                if matches!(&d, Done::Detail(Ok(_))) {
                    // A review may have taken an attempt out of the queue.
                    self.send(Job::Queue {
                        days: views::review::QUEUE_DAYS,
                    });
                }
                if matches!(&d, Done::Merged(Ok(_))) {
                    // Merged trainees are offered at sign-in.
                    self.send(Job::Trainees);
                }
                if let (Screen::Review(v), mut ctx) = self.split() {
                    v.on_done(d, &mut ctx);
                }
            }
            Done::Queue(r) => {
                if let Ok(items) = &r {
                    self.queue_count = Some(items.len());
                }
                if let (Screen::Review(v), mut ctx) = self.split() {
                    v.on_done(Done::Queue(r), &mut ctx);
                }
            }
            Done::Readiness(r) => {
                if let (Screen::Review(v), mut ctx) = self.split() {
                    v.on_done(Done::Readiness(r), &mut ctx);
                } else if let Ok(d) = r {
                    self.my_readiness = Some(*d);
                }
            }
            Done::Asked(r) => {
                let lang = self.persisted.lang;
                let ok = r.is_ok();
                self.asked = Some(r.map(|t| t.take(lang)).map_err(|e| e.take(lang)));
                if ok {
                    self.question.clear();
                }
            }
            Done::TraineeReviews(r) => match r {
                Ok(list) => self.my_reviews = list,
                Err(e) => self.error = Some(e.take(self.persisted.lang)),
            },
            Done::Db(status) => {
                // The name and playbook remembered belong to the database they were used on.
                let here = status.as_ref().ok().cloned().unwrap_or_default();
                if self.persisted.database != here {
                    self.name.clear();
                    self.team.clear();
                    self.persisted.playbook = None;
                }
                // The log is open: whether it is joined to a team (the top bar says so), read
                // on the team window's own thread.
                if status.is_ok()
                    && let Db::Open(p) = &self.db
                {
                    self.team_window
                        .apply(views::team::Cmd::Refresh, Some(p.clone()));
                }
                self.db_status = Some(status.map_err(|e| e.take(lang)));
            }
            Done::Reloaded {
                lib,
                drafts,
                problems,
            } => {
                self.lib = lib;
                self.drafts = drafts;
                match &mut self.screen {
                    // A scenario list shows the playbook as it is now.
                    Screen::Scenarios(s) if s.offer.is_none() => {
                        if let Some(pb) = self.lib.playbook(&s.playbook.id) {
                            s.playbook = pb.clone();
                        }
                    }
                    Screen::Author(a) => a.on_reloaded(problems.is_some()),
                    _ => {}
                }
            }
            d @ (Done::Checked(_)
            | Done::PublishedVersion(_)
            | Done::Tried(_)
            | Done::Tests(_)
            | Done::Graded(_)
            | Done::RecentReplies(_)) => {
                if matches!(&d, Done::PublishedVersion(Ok(_))) {
                    // The published layer changed: every library built from now has it.
                    let ws = self.workspace.clone();
                    self.send(Job::Reload(ws));
                }
                if let (Screen::Author(a), mut ctx) = self.split() {
                    a.on_done(d, &mut ctx);
                }
            }
            Done::HandedOver(r) => {
                let lang = self.persisted.lang;
                self.handed_over = Some(
                    r.map(|b| {
                        crate::msg::handed_over(b.path.display(), b.attempts, b.replies).take(lang)
                    })
                    .map_err(|e| e.take(lang)),
                );
            }
            Done::TeamChanged => {}
            Done::Trainees(list) => self.known = list,
            Done::Trainee(Ok(t)) => {
                if let Some(Ok(db)) = &self.db_status {
                    self.persisted.database = db.clone();
                }
                self.persisted.trainee = t.name.clone();
                self.persisted.team = t.team.clone().unwrap_or_default();
                self.unfinished.clear();
                self.assigned = Ok(Vec::new());
                self.my_reviews.clear();
                self.send(Job::Unfinished(t.clone()));
                self.send(Job::TraineeReviews(t.id.clone()));
                self.send(Job::Assigned(t.clone()));
                self.trainee = Some(t);
                self.screen = Screen::Playbooks;
                // Back where the trainee left off last time, unless something assigned waits
                // (decided when the assignments are read).
                self.back_to_last = true;
            }
            Done::Records(Ok((r, c, open))) => {
                if let Screen::Scenarios(s) = &mut self.screen {
                    s.on_records(r, c, open);
                }
            }
            Done::Unfinished(open) => self.unfinished = open,
            Done::Published => {
                let ws = self.workspace.clone();
                self.send(Job::Reload(ws));
            }
            Done::Assigned(list) => {
                let waiting = list
                    .as_ref()
                    .is_ok_and(|l| l.iter().any(|i| crate::assign::to_do(&i.standing.status)));
                self.assigned = list.map_err(|e| e.take(self.persisted.lang));
                if std::mem::take(&mut self.back_to_last)
                    && !waiting
                    && matches!(self.screen, Screen::Playbooks)
                    && let Some(id) = self.persisted.playbook.clone()
                    && self
                        .lib
                        .playbook(&id)
                        .is_some_and(|p| !p.scenarios.is_empty())
                {
                    self.apply(Command::OpenPlaybook(id));
                }
            }
            Done::Resumable {
                scenario,
                found: Ok(found),
            } => {
                if let (Screen::Scenarios(s), mut ctx) = self.split() {
                    s.on_resumable(scenario, found, &mut ctx);
                }
            }
            Done::Started(Ok((run, guide))) => {
                let mut p = Practice::new(*run);
                p.guide = guide;
                // A reply left unsent when the app closed is there again.
                if let Some(turn) = p.run.attempt.current_turn().map(|t| t.id.clone())
                    && let Some(text) = self.persisted.take_draft(&p.run.id, &turn)
                {
                    p.draft = text;
                }
                self.screen = Screen::Practice(Box::new(p));
            }
            d @ (Done::Submitted { .. } | Done::Hint(_)) => {
                if let Screen::Practice(p) = &mut self.screen {
                    p.on_done(d, lang);
                }
            }
            Done::Finished { run, result } => match result {
                Ok(finished) => {
                    self.question.clear();
                    self.asked = None;
                    self.my_readiness = None;
                    if let Some(t) = self.trainee.clone() {
                        let playbook = Some(run.attempt.playbook.id.clone());
                        self.send(Job::Readiness {
                            trainee: Some(t),
                            playbook,
                        });
                    }
                    self.screen = Screen::Summary { run, finished };
                }
                Err(e) => match self.split() {
                    (Screen::Practice(p), mut ctx) => p.on_not_finished(e.get(lang), &mut ctx),
                    (_, ctx) => *ctx.error = Some(e.take(lang)),
                },
            },
            Done::Live { visit, error, seq } => match &mut self.screen {
                Screen::Live(l) => l.on_visit(*visit, error.map(|e| e.take(lang)), seq),
                _ => {
                    let error = error.map(|e| e.take(lang));
                    self.screen = Screen::Live(Box::new(Live::new(*visit, error)));
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
                        l.error = Some(e.take(lang));
                    }
                }
            },
            Done::Trainee(Err(e))
            | Done::Records(Err(e))
            | Done::Resumable { found: Err(e), .. }
            | Done::Started(Err(e)) => self.error = Some(e.take(lang)),
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.keep_draft();
        eframe::set_value(storage, eframe::APP_KEY, &self.persisted);
    }
}
