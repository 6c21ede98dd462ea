//! Scoring and database writes, off the UI thread. The worker owns the progress log and the
//! script host; the UI sends it jobs and polls for results, so a frame never waits on a
//! script or a disk.

use crate::msg;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::author::{Checked, Workspace};
use crate::playbook::model::{Playbook, Text};
use crate::playbook::{Diagnostic, Library, Report};
use crate::practice::Answer;
use crate::practice::ReplyRecord;
use crate::practice::Summary;
use crate::practice::live::LiveSummary;
use crate::practice::playbook_tests::{self, TestRun};
use crate::script::ScriptHost;
use crate::session::{self, LoggedAttempt, LoggedVisit, NoLog, Resumable};
use crate::store::export::Format;
use crate::store::report::{
    self, AttemptDetail, AttemptRow, Filter, LeaderRow, PassRate, Recommendation, ScenarioRecord,
    TrendPoint,
};
use crate::store::{self, ProgressLog, Store, Trainee, Unfinished};

/// Where the progress log is kept.
#[derive(Debug, Clone)]
pub enum Db {
    /// The per-user default, or this file or team address.
    Open(store::Location),
    /// Keep nothing.
    None,
}

/// Long work the app shows and may stop: how far it is, and whether it was asked to stop.
#[derive(Debug, Default)]
pub struct Running {
    pub done: std::sync::atomic::AtomicU64,
    pub total: std::sync::atomic::AtomicU64,
    pub cancel: std::sync::atomic::AtomicBool,
}

impl Running {
    /// `done` of `total`; whether to go on.
    fn step(&self, done: u64, total: u64) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        self.done.store(done, Relaxed);
        self.total.store(total, Relaxed);
        !self.cancel.load(Relaxed)
    }

    /// The share done, 0–1.
    pub fn fraction(&self) -> f32 {
        use std::sync::atomic::Ordering::Relaxed;
        let total = self.total.load(Relaxed);
        if total == 0 {
            0.0
        } else {
            self.done.load(Relaxed) as f32 / total as f32
        }
    }
}

/// A playbook's scenario records, whether the trainee is certified, and the scenarios with an
/// unfinished attempt (scenario, started at).
pub type Records = (
    Vec<ScenarioRecord>,
    Option<crate::certify::Certificate>,
    Vec<(String, String)>,
);

#[derive(Debug)]
pub enum Job {
    /// The log joined or left a team: start or stop syncing in the background.
    TeamChanged,
    /// Everyone with a record, for the sign-in list.
    Trainees,
    Trainee {
        name: String,
        team: Option<String>,
    },
    Records {
        trainee: Trainee,
        playbook: String,
    },
    /// The trainee's unfinished role-plays, shown after sign-in.
    Unfinished(Trainee),
    /// What is assigned to the trainee, shown first after sign-in.
    Assigned(Trainee),
    Resumable {
        trainee: Trainee,
        playbook: Arc<Playbook>,
        scenario: String,
    },
    Start {
        trainee: Trainee,
        playbook: Arc<Playbook>,
        scenario: String,
        resume: Option<Box<Unfinished>>,
        discard: Vec<Unfinished>,
    },
    Submit {
        run: Box<LoggedAttempt>,
        answer: Answer,
        seconds: f64,
    },
    Retry {
        run: Box<LoggedAttempt>,
    },
    Hint {
        run: Box<LoggedAttempt>,
    },
    Finish {
        run: Box<LoggedAttempt>,
    },
    LiveStart {
        trainee: Trainee,
        playbook: Arc<Playbook>,
    },
    Live {
        visit: Box<LoggedVisit>,
        action: LiveAction,
        /// The view's count of actions sent, handed back with the result.
        seq: u64,
    },
    /// Everything the review view shows for a filter.
    Review(Filter),
    /// The assignments' funnel, per assignment and team, and who is behind.
    Funnel,
    /// The review queue of the last `days` days.
    Queue {
        days: u32,
    },
    /// Everyone's certificates (of one playbook, when given); recertification is assigned
    /// for the expired ones, by `by`.
    Certificates {
        playbook: Option<String>,
        by: String,
    },
    /// A manager signs off a trainee's certificate; everyone's are read again.
    SignOffCertificate {
        trainee: crate::store::Trainee,
        playbook: String,
        by: String,
        /// What the certificates tab shows.
        shown: Option<String>,
    },
    /// Readiness on every criterion of a playbook (of one trainee, when given; of every
    /// playbook when none is) and per team over time.
    Readiness {
        trainee: Option<crate::store::Trainee>,
        playbook: Option<String>,
    },
    /// A trainee asks for a review of their attempt.
    AskReview {
        trainee: String,
        attempt: String,
        question: String,
    },
    /// The reviews of a trainee's attempts.
    TraineeReviews(String),
    /// The trainee acknowledges these reviews.
    Acknowledge {
        trainee: String,
        reviews: Vec<String>,
    },
    /// A manager's new assignment; answers with what was stored (or why not).
    Assign {
        req: crate::assign::Request,
        by: String,
    },
    /// The standings that are behind (or all of them), as CSV, to a file.
    ExportStandings {
        path: std::path::PathBuf,
        only_behind: bool,
    },
    /// One attempt in full.
    Detail(String),
    /// A manager's comment and/or criterion override; answers with the attempt refreshed.
    AddReview {
        attempt: String,
        reviewer: String,
        comment: Option<String>,
        over: Option<(String, f64)>,
        /// The reply the comment is about.
        reply: Option<i64>,
        sign_off: bool,
    },
    /// Write the attempts of a filter to a file, as CSV (with a byte-order mark, for Excel)
    /// or as xAPI statements.
    Export {
        filter: Filter,
        xapi: bool,
        path: PathBuf,
        /// CSV: names, criterion titles and times as the screen shows them, or pseudonymous.
        style: store::export::CsvStyle,
        running: Arc<Running>,
    },
    /// Bring another salesdojo database into this one.
    Merge(PathBuf, Arc<Running>),
    /// Load the library again from the bundled set and the trainer's folder (changed on disk).
    Reload(Option<Workspace>),
    /// Check a file being edited with its unsaved text; the draft is kept for `Try` and
    /// `RunTests`.
    Check {
        seq: u64,
        workspace: Workspace,
        /// The file on disk (`None`: a bundled file, `key`, as it is).
        path: Option<PathBuf>,
        key: String,
        text: String,
    },
    /// Score a sample reply against the last checked draft.
    Try {
        playbook: String,
        scenario: String,
        turn: String,
        answer: Answer,
    },
    /// Run the playbook tests of the last checked draft.
    RunTests {
        playbook: String,
    },
    /// Publish the playbook file at `path` (checked and tested first) as `by`.
    Publish {
        path: std::path::PathBuf,
        by: String,
    },
    /// How the draft scores a trainer's graded replies (the grade pane).
    Grade {
        playbook: String,
        graded: Vec<(usize, crate::calibrate::Graded)>,
        /// The language of the traces.
        lang: crate::msg::Lang,
    },
    /// A consistent copy of the whole log at this path (the trainee's "hand my history over").
    HandOver(std::path::PathBuf),
    /// The latest replies trainees gave at a turn, words only, for grading.
    RecentReplies {
        playbook: String,
        scenario: String,
        turn: String,
    },
}

/// How many trainees' replies the grade pane offers.
const RECENT_REPLIES: usize = 12;

/// The diagnostics of a checked draft.
/// The assignments tab of the review view: every assignment this login sees and where each
/// of its trainees stands, with the funnel and who is behind worked out.
#[derive(Debug, Clone, Default)]
pub struct FunnelData {
    pub all: crate::store::Assigned,
    pub funnel: Vec<crate::assign::AssignmentFunnel>,
    pub teams: std::collections::BTreeMap<Option<String>, crate::assign::Counts>,
    /// Indexes into `all.standings`, latest first.
    pub behind: Vec<usize>,
    /// Everyone this login sees, for the form's pickers and for names.
    pub trainees: Vec<Trainee>,
    /// Their teams, for the form's picker.
    pub team_names: Vec<String>,
    pub took_ms: f64,
}

/// One thing assigned to the trainee, as the home screen lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignedItem {
    pub assignment: crate::assign::Assignment,
    pub standing: crate::assign::Standing,
    /// After an attempt below the mark: its weakest criterion (an id), to practise first.
    pub practise_first: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CheckResult {
    pub seq: u64,
    /// This file's errors and warnings, in line order.
    pub diagnostics: Vec<Diagnostic>,
    /// Errors in other files of the workspace.
    pub other_errors: usize,
    /// The playbook this file defines, when it is valid (for trying replies).
    pub playbook: Option<Arc<Playbook>>,
    /// The playbook as written when it has errors (for its graph only).
    pub sketch: Option<Arc<Playbook>>,
}

/// What the review view shows for one filter.
#[derive(Debug, Clone, Default)]
pub struct ReviewData {
    pub filter: Filter,
    /// The latest attempts (at most [`REVIEW_ROWS`]).
    pub attempts: Vec<AttemptRow>,
    pub trend: Vec<TrendPoint>,
    /// Per criterion over everyone, weighted by attempts (the bars).
    pub by_criterion: Vec<(String, f64)>,
    /// Per stage over everyone: each criterion's average counted under the stages whose
    /// turns score it, weighted by attempts.
    pub by_stage: Vec<(String, f64)>,
    /// Trainee × criterion averages: the criteria (columns) and one row per trainee.
    pub heat_criteria: Vec<String>,
    pub heat_rows: Vec<(String, Vec<Option<f64>>)>,
    pub pass_rates: Vec<PassRate>,
    pub leaders: Vec<LeaderRow>,
    /// Everyone with a record, for the trainee and team pickers.
    pub trainees: Vec<Trainee>,
    /// The reviewers' overrides as grades of the scorer (from the filter's start date).
    pub reviews: crate::calibrate::FromReviews,
    /// How long the queries took, in milliseconds.
    pub took_ms: f64,
}

impl Job {
    /// Whether the job writes to the progress log (then a joined team is synced after it).
    fn writes(&self) -> bool {
        matches!(
            self,
            Job::Start { .. }
                | Job::Submit { .. }
                | Job::Retry { .. }
                | Job::Finish { .. }
                | Job::LiveStart { .. }
                | Job::Live { .. }
                | Job::AddReview { .. }
                | Job::AskReview { .. }
                | Job::SignOffCertificate { .. }
                | Job::Acknowledge { .. }
                | Job::Merge(..)
        )
    }
}

/// Readiness as the review view and the trainee's summary show it.
#[derive(Debug, Clone, Default)]
pub struct ReadinessData {
    pub cells: Vec<crate::readiness::Cell>,
    pub over_time: Vec<crate::readiness::TeamPoint>,
    pub as_of: chrono::NaiveDate,
    /// The playbook read (`None`: every one).
    pub playbook: Option<String>,
}

/// Rows of the attempts table.
pub const REVIEW_ROWS: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum LiveAction {
    Tick {
        stage: String,
        item: String,
        ticked: bool,
    },
    Note {
        stage: String,
        text: String,
    },
    Set {
        kind: &'static str,
        value: String,
    },
    Advance {
        seconds: f64,
        /// At a fork: the route taken.
        route: Option<String>,
    },
    Finish,
}

/// What the worker did at the end of a role-play.
#[derive(Debug, Clone)]
pub struct Finished {
    pub summary: Summary,
    /// This trainee's totals on the scenario, oldest first, this attempt included.
    pub history: Vec<f64>,
    pub next: Option<Recommendation>,
}

#[derive(Debug)]
pub enum Done {
    /// The progress log opened (its path), or could not be (why).
    Db(Result<String, Why>),
    Trainees(Vec<Trainee>),
    Trainee(Result<Trainee, Why>),
    Records(Result<Records, Why>),
    /// The trainee's unfinished role-plays: (playbook, scenario, started at), newest first.
    Unfinished(Vec<(String, String, String)>),
    /// Published playbooks were found in the log: the library is to be reloaded with them.
    Published,
    /// What is assigned to the trainee, what needs doing first at the top (or why it could
    /// not be read).
    Assigned(Result<Vec<AssignedItem>, Why>),
    Resumable {
        scenario: String,
        found: Result<Resumable, Why>,
    },
    /// The role-play started or resumed, with the guide for its turn on screen.
    Started(Result<(Box<LoggedAttempt>, Vec<Text>), Why>),
    /// The reply was scored; `error` says why it is not saved yet (it is kept pending).
    Submitted {
        run: Box<LoggedAttempt>,
        error: Option<Why>,
        /// The guide for the turn now on screen.
        guide: Vec<Text>,
    },
    Hint(Vec<Text>),
    Finished {
        run: Box<LoggedAttempt>,
        result: Result<Box<Finished>, Why>,
    },
    Live {
        visit: Box<LoggedVisit>,
        error: Option<Why>,
        /// The action this answers (0: the visit started).
        seq: u64,
    },
    LiveFinished {
        visit: Box<LoggedVisit>,
        result: Result<LiveSummary, Why>,
    },
    Review(Result<Box<ReviewData>, Why>),
    Funnel(Result<Box<FunnelData>, Why>),
    Queue(Result<Vec<crate::queue::Item>, Why>),
    /// The certificates, and what was said (recertification assigned, a sign-off saved).
    Certificates(Result<(Vec<crate::certify::Certificate>, Option<Why>), Why>),
    Readiness(Result<Box<ReadinessData>, Why>),
    /// A trainee's question stored (what was said), or why not.
    Asked(Result<Why, Why>),
    /// The reviews of the signed-in trainee's attempts, newest first.
    TraineeReviews(Result<Vec<crate::store::report::TraineeReview>, Why>),
    /// An assignment stored (what was said), or why not.
    AssignSaved(Result<Why, Why>),
    Detail(Result<Box<AttemptDetail>, Why>),
    /// The libraries loaded again: `lib` is what trainees practise (bundled and published),
    /// `drafts` the trainer's (with their own folder over it); `problems` renders the
    /// errors, if any.
    Reloaded {
        lib: Arc<Library>,
        drafts: Arc<Library>,
        problems: Option<String>,
    },
    Checked(Box<CheckResult>),
    /// What an export or a merge did, for the manager to read.
    Exported(Result<String, Why>),
    Merged(Result<Why, Why>),
    Tried(Result<Box<ReplyRecord>, Why>),
    Tests(Result<TestRun, Why>),
    /// What publishing did (said), or why nothing was published.
    PublishedVersion(Result<Why, Why>),
    /// The draft against the trainer's grades.
    Graded(Result<crate::calibrate::Calibration, Why>),
    RecentReplies(Result<Vec<String>, Why>),
    /// Where the history was copied, and how much it holds.
    HandedOver(Result<crate::store::backup::BackupReport, Why>),
    /// The background sync follows the team the log joined (or stopped).
    TeamChanged,
}

pub struct Worker {
    jobs: Sender<Job>,
    done: Receiver<Done>,
    in_flight: usize,
    /// Told when the worker thread has closed the progress log (see [`Drop`]).
    closed: Option<Receiver<()>>,
}

/// How long closing the app waits for the job in hand to end and the log to be closed.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// How often an idle worker looks whether a background sync brought published playbooks.
const PUBLISHED_POLL: std::time::Duration = std::time::Duration::from_secs(2);

impl Drop for Worker {
    /// Closing the app: no more jobs; the worker ends the one in hand, checkpoints the log
    /// (the `.db` file alone then holds the history) and closes it before the process ends.
    fn drop(&mut self) {
        self.jobs = channel().0;
        if let Some(closed) = self.closed.take() {
            let _ = closed.recv_timeout(CLOSE_WAIT);
        }
    }
}

impl Worker {
    /// Starts the worker thread; it opens the progress log first and reports how that went.
    pub fn spawn(lib: Arc<Library>, db: Db, ctx: egui::Context) -> Self {
        let (jobs, job_rx) = channel::<Job>();
        let (done_tx, done) = channel::<Done>();
        let (closed_tx, closed) = channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("salesdojo-worker".into())
            .spawn(move || {
                let host = ScriptHost::new(&lib);
                let (mut store, opened) = match db {
                    Db::Open(at) => match store::open_default(&at) {
                        Ok(s) => {
                            let shown = s.path().display().to_string();
                            (Some(s), Ok(shown))
                        }
                        Err(e) => (None, Err(text(e))),
                    },
                    Db::None => (None, Err(why("没有进度数据库", "no progress database"))),
                };
                let _ = done_tx.send(Done::Db(opened));
                // Published playbooks sit between the bundled ones and the trainer's folder:
                // the app reloads its library with them when there are any.
                let published_stamp = store
                    .as_ref()
                    .and_then(|s| s.records().published_stamp().ok())
                    .unwrap_or_default();
                let published = store
                    .as_ref()
                    .and_then(|s| s.records().published_layers().ok())
                    .map(|(layers, _)| layers)
                    .unwrap_or_default();
                if !published.is_empty() {
                    let _ = done_tx.send(Done::Published);
                }
                ctx.request_repaint();
                // Joined to a team: what practice writes goes up in the background.
                let mut background = store
                    .as_ref()
                    .and_then(|s| store::team::sync::Background::start(s.path()));
                let mut w = State {
                    lib,
                    host: Arc::new(host),
                    older: Vec::new(),
                    draft: None,
                    store: store.as_mut(),
                    nolog: NoLog,
                    readers: None,
                    ctx: ctx.clone(),
                    published,
                    published_stamp,
                };
                if let Some(b) = &background {
                    // What others published and wrote since: pulled at once.
                    b.poke();
                }
                loop {
                    let job = match job_rx.recv_timeout(PUBLISHED_POLL) {
                        Ok(job) => job,
                        // Idle: a version published since (by a sync, or by another program
                        // on this log) reloads the library; an attempt in progress keeps the
                        // one it started with.
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                            if w.reread_published() {
                                if done_tx.send(Done::Published).is_err() {
                                    break;
                                }
                                ctx.request_repaint();
                            }
                            continue;
                        }
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                    };
                    if matches!(job, Job::TeamChanged) {
                        // The old one (if any) finishes what it is sending first.
                        drop(background.take());
                        background = w
                            .store
                            .as_deref()
                            .and_then(|s| store::team::sync::Background::start(s.path()));
                        if let Some(b) = &background {
                            b.poke();
                        }
                        // Joining synced the log: its published versions may be new.
                        if w.reread_published() && done_tx.send(Done::Published).is_err() {
                            break;
                        }
                        if done_tx.send(Done::TeamChanged).is_err() {
                            break;
                        }
                        continue;
                    }
                    let writes = job.writes();
                    let out = w.run(job);
                    if writes && let Some(b) = &background {
                        b.poke();
                    }
                    // An attempt or a visit ended, a history came in: the `.db` file alone
                    // holds it from now on (copied without its `-wal`, nothing is lost).
                    let ended = matches!(
                        out,
                        Done::Finished { .. } | Done::LiveFinished { .. } | Done::Merged(Ok(_))
                    );
                    if ended && let Some(s) = w.store.as_deref() {
                        let _ = s.checkpoint();
                    }
                    if done_tx.send(out).is_err() {
                        break;
                    }
                    ctx.request_repaint();
                }
                drop(w);
                drop(background);
                if let Some(s) = &store {
                    let _ = s.checkpoint();
                }
                drop(store);
                let _ = closed_tx.send(());
            });
        let in_flight = usize::from(spawned.is_ok());
        if let Err(e) = spawned {
            // No thread: every job is answered at once with this error.
            let (tx, rx) = channel();
            let _ = tx.send(Done::Db(Err(why(
                format!("无法启动后台线程：{e}"),
                format!("cannot start a worker thread: {e}"),
            ))));
            return Self {
                jobs: channel().0,
                done: rx,
                in_flight: 1,
                closed: None,
            };
        }
        Self {
            jobs,
            done,
            in_flight,
            closed: Some(closed),
        }
    }

    pub fn send(&mut self, job: Job) {
        if self.jobs.send(job).is_ok() {
            self.in_flight += 1;
        }
    }

    /// The results ready now.
    pub fn poll(&mut self) -> Vec<Done> {
        let out: Vec<Done> = self.done.try_iter().collect();
        // Published versions are said unasked: they answer no job.
        let answers = out.iter().filter(|d| !matches!(d, Done::Published)).count();
        self.in_flight = self.in_flight.saturating_sub(answers);
        out
    }

    /// Whether a job is still running.
    pub fn busy(&self) -> bool {
        self.in_flight > 0
    }
}

/// Libraries kept after a reload, so attempts started on them keep their scripts.
const OLDER_LIBRARIES: usize = 8;

struct State<'a> {
    lib: Arc<Library>,
    host: Arc<ScriptHost>,
    /// Earlier libraries and their script hosts, newest first.
    older: Vec<(Arc<Library>, Arc<ScriptHost>)>,
    /// The last draft checked in the authoring view.
    draft: Option<Checked>,
    store: Option<&'a mut Store>,
    nolog: NoLog,
    /// Two more connections to the progress log, opened on the first review, so the review
    /// queries run two at a time (WAL lets readers run beside each other and the writer).
    readers: Option<Box<(Store, Store)>>,
    /// The published playbooks, as layers between the bundled ones and the trainer's folder.
    published: Vec<crate::playbook::load::Content>,
    /// The log's published versions when `published` was read (see
    /// [`crate::store::Records::published_stamp`]).
    published_stamp: (i64, i64, i64),
    /// Wakes the UI to show progress.
    ctx: egui::Context,
}

impl State<'_> {
    fn log(&mut self) -> &mut dyn ProgressLog {
        match &mut self.store {
            Some(s) => &mut **s,
            None => &mut self.nolog,
        }
    }

    /// The script host of the library a playbook was loaded in: an attempt started before a
    /// reload keeps the scripts it started with.
    fn host_for(&self, pb: &Arc<Playbook>) -> Arc<ScriptHost> {
        let holds = |lib: &Library| lib.playbooks.iter().any(|p| Arc::ptr_eq(p, pb));
        if holds(&self.lib) {
            return self.host.clone();
        }
        self.older
            .iter()
            .find(|(lib, _)| holds(lib))
            .map_or_else(|| self.host.clone(), |(_, h)| h.clone())
    }

    fn run(&mut self, job: Job) -> Done {
        match job {
            Job::TeamChanged => Done::TeamChanged,
            Job::Trainees => Done::Trainees(
                self.store
                    .as_ref()
                    .and_then(|s| s.records().trainees().ok())
                    .unwrap_or_default(),
            ),
            Job::Trainee { name, team } => {
                Done::Trainee(self.log().trainee(&name, team.as_deref()).map_err(text))
            }
            Job::Records { trainee, playbook } => Done::Records(self.records(&trainee, &playbook)),
            Job::Unfinished(trainee) => Done::Unfinished(match &self.store {
                Some(s) => {
                    // Role-plays and live visits alike (a visit is listed without a scenario).
                    let mut open: Vec<(String, String, String)> = s
                        .unfinished(&trainee.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|u| (u.playbook_id, u.scenario_id, u.started_at))
                        .chain(
                            s.unfinished_visits(&trainee.id)
                                .unwrap_or_default()
                                .into_iter()
                                .map(|v| (v.playbook_id, String::new(), v.started_at)),
                        )
                        .collect();
                    open.sort_by(|a, b| b.2.cmp(&a.2));
                    open
                }
                None => Vec::new(),
            }),
            Job::Funnel => Done::Funnel(match &self.store {
                Some(s) => funnel(s, &self.lib).map(Box::new).map_err(text),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::Queue { days } => Done::Queue(match &self.store {
                Some(s) => s
                    .records()
                    .review_queue(
                        &crate::queue::Rules::of(&self.lib),
                        &crate::queue::Filter::default(),
                        chrono::Local::now().date_naive(),
                        days,
                    )
                    .map_err(text),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::Certificates { playbook, by } => Done::Certificates(match &self.store {
                Some(s) => certificates(s, &self.lib, playbook.as_deref(), &by, None),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::SignOffCertificate {
                trainee,
                playbook,
                by,
                shown,
            } => Done::Certificates(match &self.store {
                Some(s) => crate::session::sign_off_certificate(
                    s,
                    &self.lib,
                    &trainee,
                    &playbook,
                    &by,
                    chrono::Utc::now(),
                )
                .map_err(text)
                .and_then(|c| {
                    let said = c.status.describe();
                    certificates(s, &self.lib, shown.as_deref(), &by, Some(said))
                }),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::Readiness { trainee, playbook } => Done::Readiness(match &self.store {
                Some(s) => readiness(s, trainee.as_ref(), playbook.as_deref())
                    .map(Box::new)
                    .map_err(text),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::AskReview {
                trainee,
                attempt,
                question,
            } => Done::Asked(match &mut self.store {
                Some(s) => s
                    .request_review(&trainee, &attempt, &question, chrono::Utc::now())
                    .map(|_| {
                        why(
                            "已请求复核：经理会在复核队列里看到你的问题。",
                            "Review asked for: your manager sees your question in the review queue.",
                        )
                    })
                    .map_err(text),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::TraineeReviews(trainee) => Done::TraineeReviews(match &self.store {
                Some(s) => s.records().reviews_of(&trainee, 50).map_err(text),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::Acknowledge { trainee, reviews } => Done::TraineeReviews(match &mut self.store {
                Some(s) => {
                    let now = chrono::Utc::now();
                    reviews
                        .iter()
                        .try_for_each(|id| s.acknowledge_review(&trainee, id, now).map(|_| ()))
                        .and_then(|()| s.records().reviews_of(&trainee, 50))
                        .map_err(text)
                }
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::Assign { req, by } => Done::AssignSaved(match &self.store {
                Some(s) => assign_from_app(s, &self.lib, &req, &by),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::ExportStandings { path, only_behind } => Done::Exported(match &self.store {
                Some(s) => export_standings(s, &self.lib, &path, only_behind),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::Assigned(trainee) => Done::Assigned(match &self.store {
                Some(s) => assigned_to(s, &self.lib, &trainee).map_err(text),
                None => Ok(Vec::new()),
            }),
            Job::Resumable {
                trainee,
                playbook,
                scenario,
            } => {
                let found =
                    session::resumable(self.log(), &trainee, &playbook, &scenario).map_err(text);
                Done::Resumable { scenario, found }
            }
            Job::Start {
                trainee,
                playbook,
                scenario,
                resume,
                discard,
            } => self.start(trainee, playbook, &scenario, resume, discard),
            Job::Submit {
                mut run,
                answer,
                seconds,
            } => {
                let host = self.host_for(&run.attempt.playbook);
                if let Err(e) = run.submit(Some(&host), answer, seconds) {
                    let guide = run.attempt.guide(Some(&host)).into_iter().collect();
                    return Done::Submitted {
                        run,
                        error: Some(text(e)),
                        guide,
                    };
                }
                let error = run.commit(self.log()).err().map(text);
                // The guide follows the turn now on screen, not the one just answered.
                let guide = run.attempt.guide(Some(&host)).into_iter().collect();
                Done::Submitted { run, error, guide }
            }
            Job::Retry { mut run } => {
                let error = run.commit(self.log()).err().map(text);
                let host = self.host_for(&run.attempt.playbook);
                let guide = run.attempt.guide(Some(&host)).into_iter().collect();
                Done::Submitted { run, error, guide }
            }
            Job::Hint { run } => {
                let host = self.host_for(&run.attempt.playbook);
                Done::Hint(run.attempt.hint(Some(&host)))
            }
            Job::Finish { mut run } => {
                let result = self.finish(&mut run);
                Done::Finished { run, result }
            }
            Job::LiveStart { trainee, playbook } => {
                // An interrupted visit of this playbook is taken up again, every tick, note,
                // grade and appointment as it was; older ones are let go (abandoned).
                let mut open: Vec<crate::store::UnfinishedVisit> = self
                    .log()
                    .unfinished_visits(&trainee.id)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|v| v.playbook_id == playbook.id)
                    .collect();
                if let Some(latest) = open.pop() {
                    for old in &open {
                        let _ = self.log().abandon_attempt(&old.id, chrono::Utc::now());
                    }
                    return Done::Live {
                        visit: Box::new(LoggedVisit::resume(&latest, playbook)),
                        error: None,
                        seq: 0,
                    };
                }
                match LoggedVisit::start(self.log(), &trainee, playbook.clone()) {
                    Ok(v) => Done::Live {
                        visit: Box::new(v),
                        error: None,
                        seq: 0,
                    },
                    Err(e) => Done::Live {
                        // Shown without a record, so the visit can go on; the error says so.
                        visit: Box::new(LoggedVisit {
                            visit: crate::practice::live::LiveVisit::start(playbook),
                            id: String::new(),
                        }),
                        error: Some(text(e)),
                        seq: 0,
                    },
                }
            }
            Job::Live { visit, action, seq } => self.live(visit, action, seq),
            Job::Review(filter) => Done::Review(self.review(filter).map(Box::new)),
            Job::Detail(id) => Done::Detail(match &self.store {
                Some(s) => s.records().attempt_detail(&id).map(Box::new).map_err(text),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::AddReview {
                attempt,
                reviewer,
                comment,
                over,
                reply,
                sign_off,
            } => Done::Detail(self.add_review(&crate::store::NewReview {
                attempt_id: &attempt,
                reviewer: &reviewer,
                comment: comment.as_deref(),
                over: over.as_ref().map(|(c, p)| (c.as_str(), *p)),
                reply,
                sign_off,
                at: chrono::Utc::now(),
            })),
            Job::Export {
                filter,
                xapi,
                path,
                style,
                running,
            } => Done::Exported(match &self.store {
                Some(s) => export_to(s, &filter, xapi, &path, &style, &running, &self.ctx),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::Merge(path, running) => Done::Merged(self.merge(&path, &running)),
            Job::Reload(ws) => self.reload(ws.as_ref()),
            Job::Check {
                seq,
                workspace,
                path,
                key,
                text,
            } => self.check(seq, &workspace, path.as_deref(), &key, &text),
            Job::Try {
                playbook,
                scenario,
                turn,
                answer,
            } => Done::Tried(self.try_reply(&playbook, &scenario, &turn, answer)),
            Job::Publish { path, by } => Done::PublishedVersion(self.publish(&path, &by)),
            Job::RunTests { playbook } => Done::Tests(match &self.draft {
                Some(d) => match d.lib.playbook(&playbook) {
                    Some(pb) => Ok(playbook_tests::check(pb, Some(&d.host))),
                    None => Err(not_loaded(&playbook)),
                },
                None => Err(why("还没有检查过", "nothing checked yet")),
            }),
            Job::Grade {
                playbook,
                graded,
                lang,
            } => Done::Graded(match &self.draft {
                // Every graded reply comes back, furthest apart first: any can become a test.
                Some(d) if d.lib.playbook(&playbook).is_some() => {
                    let all = graded.len();
                    Ok(crate::calibrate::run(
                        &d.lib,
                        Some(&d.host),
                        graded,
                        all,
                        lang,
                    ))
                }
                Some(_) => Err(not_loaded(&playbook)),
                None => Err(why("还没有检查过", "nothing checked yet")),
            }),
            Job::HandOver(dest) => Done::HandedOver(match &self.store {
                Some(s) => s.backup(&dest).map_err(text),
                None => Err(why("没有进度数据库", "no progress database")),
            }),
            Job::RecentReplies {
                playbook,
                scenario,
                turn,
            } => Done::RecentReplies(match &self.store {
                Some(s) => s
                    .records()
                    .recent_replies(&playbook, &scenario, &turn, RECENT_REPLIES)
                    .map_err(text),
                None => Ok(Vec::new()),
            }),
        }
    }

    /// A trainee's records on a playbook: per scenario, whether certified, what is unfinished.
    fn records(&self, trainee: &Trainee, playbook: &str) -> Result<Records, Why> {
        let Some(s) = &self.store else {
            return Ok((Vec::new(), None, Vec::new()));
        };
        s.records()
            .scenario_records(&trainee.id, playbook)
            .and_then(|r| {
                let open = s
                    .unfinished(&trainee.id)?
                    .into_iter()
                    .filter(|u| u.playbook_id == playbook)
                    .map(|u| (u.scenario_id, u.started_at))
                    .collect();
                let cert = s
                    .records()
                    .certificates(
                        &self.lib,
                        Some(playbook),
                        Some(trainee),
                        chrono::Local::now().date_naive(),
                    )?
                    .into_iter()
                    .next();
                Ok((r, cert, open))
            })
            .map_err(text)
    }

    /// Starts a role-play (or resumes an unfinished one), discarding the attempts given.
    fn start(
        &mut self,
        trainee: Trainee,
        playbook: Arc<Playbook>,
        scenario: &str,
        resume: Option<Box<Unfinished>>,
        discard: Vec<Unfinished>,
    ) -> Done {
        let host = self.host_for(&playbook);
        let host = &*host;
        let started = (|| {
            for old in &discard {
                LoggedAttempt::discard(self.log(), old)?;
            }
            match resume {
                Some(old) => LoggedAttempt::resume(&old, &trainee, playbook, Some(host)),
                None => LoggedAttempt::start(self.log(), &trainee, playbook, scenario),
            }
        })();
        Done::Started(
            started
                .map(|run| {
                    let guide = run.attempt.guide(Some(host)).into_iter().collect();
                    (Box::new(run), guide)
                })
                .map_err(text),
        )
    }

    /// One action of a live visit, logged.
    fn live(&mut self, mut visit: Box<LoggedVisit>, action: LiveAction, seq: u64) -> Done {
        let host = self.host_for(&visit.visit.playbook);
        let host = &*host;
        let log = self.log();
        let r = match action {
            LiveAction::Tick {
                stage,
                item,
                ticked,
            } => visit.tick(log, &stage, &item, ticked),
            LiveAction::Note { stage, text } => visit.note(log, &stage, &text),
            LiveAction::Set { kind, value } => visit.set(log, kind, &value),
            LiveAction::Advance { seconds, route } => {
                visit.advance(log, Some(host), seconds, route.as_deref())
            }
            LiveAction::Finish => {
                let result = visit.finish(log).map_err(text);
                return Done::LiveFinished { visit, result };
            }
        };
        Done::Live {
            visit,
            error: r.err().map(text),
            seq,
        }
    }

    /// Saves a manager's review and reads the attempt again.
    fn add_review(&mut self, r: &crate::store::NewReview<'_>) -> Result<Box<AttemptDetail>, Why> {
        let Some(s) = &mut self.store else {
            return Err(why("没有进度数据库", "no progress database"));
        };
        crate::session::review(s, &self.lib, r)
            .and_then(|_| s.records().attempt_detail(r.attempt_id))
            .map(Box::new)
            .map_err(text)
    }

    /// Brings another database in and verifies its attempts; says what it did.
    fn merge(&mut self, path: &Path, running: &Running) -> Result<Why, Why> {
        let Some(s) = self.store.as_deref_mut() else {
            return Err(why("没有进度数据库", "no progress database"));
        };
        let ctx = &self.ctx;
        let r = crate::rescore::merge_and_verify_with(
            s,
            &self.lib,
            Some(&self.host),
            path,
            &mut |done, total| {
                ctx.request_repaint();
                running.step(done, total)
            },
        )
        .map_err(text)?;
        let (n, v) = (&r.merged, &r.verify);
        let mut said = vec![msg::merged_counts(
            path.display(),
            n.trainees,
            n.attempts,
            n.replies,
        )];
        if n.reviews_left_out > 0 {
            said.push(msg::merged_reviews_left_out(n.reviews_left_out));
        }
        if v.mismatch > 0 || v.unverifiable > 0 {
            said.push(msg::merged_verified(v.verified, v.mismatch, v.unverifiable));
        }
        if v.stopped {
            said.push(msg::merged_verify_stopped());
        }
        Ok(Why {
            en: said
                .iter()
                .map(|t| t.en.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            zh: said
                .iter()
                .map(|t| t.zh.as_str())
                .collect::<Vec<_>>()
                .join("；"),
        })
    }

    /// Reads the published layers again when the log's versions changed; whether they did.
    fn reread_published(&mut self) -> bool {
        let Some(s) = self.store.as_deref() else {
            return false;
        };
        let Ok(stamp) = s.records().published_stamp() else {
            return false;
        };
        if std::mem::replace(&mut self.published_stamp, stamp) == stamp {
            return false;
        }
        let Ok((layers, _)) = s.records().published_layers() else {
            return false;
        };
        // A layer's playbook is named by its id and version (`published/drill@2/…`).
        let names = |l: &[crate::playbook::load::Content]| -> Vec<String> {
            l.iter()
                .flat_map(|c| c.playbooks.iter().map(|f| f.display.clone()))
                .collect()
        };
        let changed = names(&layers) != names(&self.published);
        self.published = layers;
        changed
    }

    /// Publishes a trainer's playbook file; the published layers are read again after.
    fn publish(&mut self, path: &Path, by: &str) -> Result<Why, Why> {
        let Some(s) = self.store.as_deref() else {
            return Err(why("没有进度数据库", "no progress database"));
        };
        let r = crate::session::publish(s, path, None, by, chrono::Utc::now());
        self.reread_published();
        match r {
            Ok(done) => Ok(done.said()),
            Err(crate::session::PublishError::Refused(r)) => Err(r.0),
            Err(crate::session::PublishError::Offline) => Err(crate::msg::publish_offline()),
            Err(crate::session::PublishError::Load(e)) => Err(text(e)),
            Err(crate::session::PublishError::Store(e)) => Err(text(e)),
        }
    }

    /// Loads the libraries again; the one before stays for attempts started with it.
    /// Trainees practise the bundled and the published playbooks: what a trainer saves in
    /// their folder is a draft, seen in the authoring view until it is published.
    fn reload(&mut self, ws: Option<&Workspace>) -> Done {
        let mut report = Report::default();
        let lib = Arc::new(crate::playbook::load::load_published(
            self.published.clone(),
            &mut report,
        ));
        let drafts = match ws {
            Some(ws) => {
                // The trainer's folder's problems are the ones to show.
                report = Report::default();
                Arc::new(ws.load_over(&self.published, &mut report))
            }
            None => lib.clone(),
        };
        let host = Arc::new(ScriptHost::new(&lib));
        let old_lib = std::mem::replace(&mut self.lib, lib.clone());
        let old_host = std::mem::replace(&mut self.host, host);
        self.older.insert(0, (old_lib, old_host));
        self.older.truncate(OLDER_LIBRARIES);
        Done::Reloaded {
            lib,
            drafts,
            problems: (report.errors() > 0).then(|| report.render()),
        }
    }

    /// Checks a file being edited (its unsaved text); a draft without errors is kept for
    /// trying replies and running tests.
    fn check(
        &mut self,
        seq: u64,
        workspace: &Workspace,
        path: Option<&Path>,
        key: &str,
        text: &str,
    ) -> Done {
        let c = match path {
            Some(p) => workspace.check(p, text),
            None => workspace.check_bundled(key),
        };
        // This file's problems, and how many errors the others have.
        let (mine, others): (Vec<&Diagnostic>, Vec<&Diagnostic>) = c
            .report
            .sorted()
            .into_iter()
            .partition(|d| d.file == c.display);
        let diagnostics: Vec<Diagnostic> = mine.into_iter().cloned().collect();
        let other_errors = others
            .iter()
            .filter(|d| d.severity == crate::playbook::Severity::Error)
            .count();
        let playbook = c
            .lib
            .playbooks
            .iter()
            .find(|p| p.source.file == c.display)
            .cloned();
        let sketch = c.sketch.clone();
        // Replies are tried against the last version without errors in this file.
        let clean = !diagnostics
            .iter()
            .any(|d| d.severity == crate::playbook::Severity::Error);
        if clean {
            self.draft = Some(c);
        }
        Done::Checked(Box::new(CheckResult {
            seq,
            diagnostics,
            other_errors,
            playbook,
            sketch,
        }))
    }

    fn try_reply(
        &self,
        playbook: &str,
        scenario: &str,
        turn: &str,
        answer: Answer,
    ) -> Result<Box<ReplyRecord>, Why> {
        let d = self
            .draft
            .as_ref()
            .ok_or_else(|| why("还没有检查过", "nothing checked yet"))?;
        let pb = d
            .lib
            .playbook(playbook)
            .ok_or_else(|| not_loaded(playbook))?;
        let scen = pb.scenario(scenario).ok_or_else(|| {
            why(
                format!("没有场景“{scenario}”"),
                format!("no scenario '{scenario}'"),
            )
        })?;
        let t = scen.turn(turn).ok_or_else(|| {
            why(
                format!("场景“{scenario}”里没有轮次“{turn}”"),
                format!("no turn '{turn}' in '{scenario}'"),
            )
        })?;
        // Tried with the replies that lead here, so scripts reading the history see some.
        let history = crate::practice::session::history_to(pb, Some(&d.host), scen, turn);
        crate::practice::session::score_turn(pb, Some(&d.host), scen, t, answer, 0.0, &history)
            .map(Box::new)
            .map_err(text)
    }

    fn review(&mut self, filter: Filter) -> Result<ReviewData, Why> {
        let Some(path) = self.store.as_ref().map(|s| s.path().to_path_buf()) else {
            return Err(why("没有进度数据库", "no progress database"));
        };
        let t = std::time::Instant::now();
        if self.readers.is_none() {
            let open = || Store::open(&path).map_err(text);
            self.readers = Some(Box::new((open()?, open()?)));
        }
        let Some(readers) = self.readers.as_deref_mut() else {
            return Err(why("没有进度数据库", "no progress database"));
        };
        let (a, b) = (&mut readers.0, &mut readers.1);
        let f = &filter;
        let (left, right) = std::thread::scope(|scope| {
            // The heaviest query (criterion averages) on one connection, the rest on the other.
            let left = scope.spawn(move || -> Result<_, Why> {
                a.records().criterion_averages(f).map_err(text)
            });
            let right = (|| -> Result<_, Why> {
                Ok((
                    b.records().pass_rates(f).map_err(text)?,
                    b.records().trend(f, true).map_err(text)?,
                    b.records().leaderboard(f, 20).map_err(text)?,
                    b.records().attempts(f, REVIEW_ROWS).map_err(text)?,
                    b.records().trainees().map_err(text)?,
                    b.records().overrides(f.since.as_deref()).map_err(text)?,
                ))
            })();
            let left = left
                .join()
                .unwrap_or_else(|_| Err(why("一项复盘查询失败", "a review query failed")));
            (left, right)
        });
        let criteria = left?;
        let (pass_rates, trend, leaders, attempts, trainees, overrides) = right?;
        let (by_criterion, by_stage) = report::criterion_and_stage_averages(&self.lib, &criteria);
        let heat_criteria: Vec<String> = by_criterion
            .iter()
            .take(12)
            .map(|(c, _)| c.clone())
            .collect();
        let order: Vec<String> = leaders.iter().map(|l| l.trainee.clone()).collect();
        let heat_rows = report::heatmap(&criteria, &order, &heat_criteria, 25);
        Ok(ReviewData {
            attempts,
            trend,
            by_criterion,
            by_stage,
            heat_criteria,
            heat_rows,
            pass_rates,
            leaders,
            trainees,
            reviews: crate::calibrate::from_reviews(&overrides),
            took_ms: t.elapsed().as_secs_f64() * 1e3,
            filter,
        })
    }

    fn finish(&mut self, run: &mut LoggedAttempt) -> Result<Box<Finished>, Why> {
        let summary = run.finish(self.log()).map_err(text)?;
        let pb = run.attempt.playbook.clone();
        let (mut history, mut next) = (Vec::new(), None);
        if let Some(s) = &self.store {
            history = s
                .records()
                .scenario_totals(&run.trainee_id, &pb.id, &run.attempt.scenario)
                .map_err(text)?
                .into_iter()
                .map(|(_, t)| t)
                .collect();
            next = s
                .records()
                .recommend(&self.lib, &run.trainee_id)
                .map_err(text)?;
        }
        Ok(Box::new(Finished {
            summary,
            history,
            next,
        }))
    }
}

/// Writes the filter's attempts to `path` (CSV with a byte-order mark, for Excel, or xAPI).
fn export_to(
    s: &Store,
    filter: &Filter,
    xapi: bool,
    path: &std::path::Path,
    style: &store::export::CsvStyle,
    running: &Running,
    ctx: &egui::Context,
) -> Result<String, Why> {
    let format = if xapi {
        Format::Xapi {
            base: store::export::DEFAULT_XAPI_BASE,
            ndjson: false,
        }
    } else {
        Format::Csv { bom: true, style }
    };
    // On the team server, as `salesdojo export` there: only what reports count.
    let scope = if s.records().team_server().is_some() {
        store::export::Scope::VerifiedOnly
    } else {
        store::export::Scope::All
    };
    let done = s
        .export_file(filter, format, scope, path, &mut |done, total| {
            if done % 64 == 0 {
                ctx.request_repaint();
            }
            running.step(done, total)
        })
        .map_err(text)?;
    Ok(format!("{} → {}", done.attempts, path.display()))
}

/// Why something failed, in both languages (the screen shows the one it is set to).
pub type Why = crate::msg::Text;

fn text(e: impl crate::msg::Localized) -> Why {
    Why {
        en: e.to_string(),
        zh: e.zh(),
    }
}

fn not_loaded(playbook: &str) -> Why {
    why(
        format!("剧本“{playbook}”没有加载成功"),
        format!("playbook '{playbook}' did not load"),
    )
}

fn why(zh: impl Into<String>, en: impl Into<String>) -> Why {
    Why {
        en: en.into(),
        zh: zh.into(),
    }
}

/// What is assigned to `trainee`, in the order the home screen lists it, with what to
/// practise first after an attempt below the mark.
fn assigned_to(s: &Store, lib: &Library, trainee: &Trainee) -> store::Result<Vec<AssignedItem>> {
    let all = s.records().assignment_standings_of(
        trainee,
        &crate::assign::catalogue(lib),
        chrono::Local::now().date_naive(),
    )?;
    let mine = all.of_trainee(&trainee.id);
    let mut out = Vec::new();
    for st in crate::assign::for_trainee(&mine, &all.assignments) {
        let Some(a) = all.assignment(&st.assignment) else {
            continue;
        };
        let practise_first = match (&st.status, &st.last_failed) {
            (
                crate::assign::Status::Failed { .. } | crate::assign::Status::Overdue { .. },
                Some(id),
            ) => {
                let detail = s.records().attempt_detail(id)?;
                crate::assign::practise_first(&detail.criteria).map(str::to_owned)
            }
            _ => None,
        };
        out.push(AssignedItem {
            assignment: a.clone(),
            standing: st.clone(),
            practise_first,
        });
    }
    Ok(out)
}

/// Everyone's certificates (of one playbook, when given), with recertification assigned for
/// the expired ones; what was said.
fn certificates(
    s: &Store,
    lib: &Library,
    playbook: Option<&str>,
    by: &str,
    said: Option<Why>,
) -> Result<(Vec<crate::certify::Certificate>, Option<Why>), Why> {
    let today = chrono::Local::now().date_naive();
    let certs = s
        .records()
        .certificates(lib, playbook, None, today)
        .map_err(text)?;
    let assigned = crate::session::recertify(s, lib, &certs, by, today, chrono::Utc::now())
        .map_err(|e| {
            why(
                format!("没有布置重新认证：{e}"),
                format!("recertification was not assigned: {e}"),
            )
        })?;
    let said = match (said, assigned.is_empty()) {
        (Some(w), _) => Some(w),
        (None, true) => None,
        (None, false) => {
            let who: Vec<String> = assigned
                .iter()
                .map(|(t, p, _)| format!("{t} · {p}"))
                .collect();
            Some(why(
                format!("已布置重新认证：{}", who.join("，")),
                format!("Recertification assigned: {}", who.join(", ")),
            ))
        }
    };
    Ok((certs, said))
}

/// Readiness today (of one trainee, when given; else everyone's, and each team's by week).
fn readiness(
    s: &Store,
    trainee: Option<&crate::store::Trainee>,
    playbook: Option<&str>,
) -> store::Result<ReadinessData> {
    let today = chrono::Local::now().date_naive();
    let cells = s.records().readiness(today, trainee, playbook)?;
    let over_time = match trainee {
        Some(_) => Vec::new(),
        None => s.records().team_readiness(today, 12, playbook)?,
    };
    Ok(ReadinessData {
        cells,
        over_time,
        as_of: today,
        playbook: playbook.map(str::to_owned),
    })
}

/// Every assignment with the funnel and who is behind (see [`FunnelData`]).
fn funnel(s: &Store, lib: &Library) -> store::Result<FunnelData> {
    let t0 = std::time::Instant::now();
    let all = s.records().assignment_standings(
        &crate::assign::catalogue(lib),
        chrono::Local::now().date_naive(),
    )?;
    let trainees = s.records().trainees()?;
    let funnel = crate::assign::funnel(&all.standings);
    let teams = crate::assign::team_funnel(&all.standings);
    let behind = crate::assign::behind_at(&all.standings);
    let team_names: std::collections::BTreeSet<String> =
        trainees.iter().filter_map(|t| t.team.clone()).collect();
    Ok(FunnelData {
        all,
        funnel,
        teams,
        behind,
        team_names: team_names.into_iter().collect(),
        trainees,
        took_ms: t0.elapsed().as_secs_f64() * 1e3,
    })
}

/// A manager's assignment from the review view: checked, stored, and said.
fn assign_from_app(
    s: &Store,
    lib: &Library,
    req: &crate::assign::Request,
    by: &str,
) -> Result<Why, Why> {
    let trainees = s.records().trainees().map_err(text)?;
    match crate::session::assign(
        s,
        lib,
        req,
        by,
        chrono::Local::now().date_naive(),
        chrono::Utc::now(),
    ) {
        Ok(crate::session::Assigning::Saved(a)) => {
            Ok(crate::msg::assignment_saved(&a.id, a.who(&trainees), a.due))
        }
        Ok(crate::session::Assigning::Exists(id)) => Err(crate::msg::assignment_exists(id)),
        Err(crate::session::AssignError::Refused(r)) => Err(r.0),
        Err(crate::session::AssignError::Store(e)) => Err(text(e)),
    }
}

/// The standings (only those behind, latest first, or all) as CSV to `path`.
fn export_standings(
    s: &Store,
    lib: &Library,
    path: &std::path::Path,
    only_behind: bool,
) -> Result<String, Why> {
    let all = s
        .records()
        .assignment_standings(
            &crate::assign::catalogue(lib),
            chrono::Local::now().date_naive(),
        )
        .map_err(text)?;
    let rows: Vec<&crate::assign::Standing> = if only_behind {
        crate::assign::behind(&all.standings)
    } else {
        all.standings.iter().collect()
    };
    let sheet = crate::assign::standings_sheet(&all.assignments, &rows, crate::msg::Lang::Zh, true)
        .map_err(|e| crate::msg::file_not_written(path.display(), e))?;
    s.write_sheet(path, &sheet).map_err(text)?;
    Ok(format!("{} → {}", rows.len(), path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_export_writes_nothing_and_says_so() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut s = Store::open(&dir.path().join("p.db")).unwrap_or_else(|e| panic!("{e}"));
        let mut report = Report::default();
        let lib = crate::playbook::load(&[crate::playbook::Content::bundled()], &mut report);
        let host = ScriptHost::new(&lib);
        let o = crate::demo::DemoOptions {
            trainees: 2,
            days: 10,
            seed: 1,
            end: chrono::Utc::now(),
        };
        crate::demo::generate(&mut s, &lib, &host, &o).unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path().join("out.csv");
        let style = store::export::CsvStyle::default();
        let ctx = egui::Context::default();
        // Asked to stop before the first attempt is written.
        let running = Running::default();
        running
            .cancel
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let r = export_to(&s, &Filter::default(), false, &out, &style, &running, &ctx);
        assert!(
            r.as_ref().is_err_and(|e| e.en.contains("cancelled")),
            "{r:?}"
        );
        assert!(!out.exists(), "nothing written");
        // Not stopped: written, and the progress reached the end.
        let running = Running::default();
        let r = export_to(&s, &Filter::default(), false, &out, &style, &running, &ctx);
        assert!(r.is_ok(), "{r:?}");
        assert!(out.exists());
        assert!((running.fraction() - 1.0).abs() < 1e-6);
    }
}
