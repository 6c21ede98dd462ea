//! The manager's review view: its state, the commands it returns, and what it does with them
//! and with the worker's answers. Drawing is in [`ui`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::gui::command::{BrowseFor, SortKey};
use crate::gui::ctx::Ctx;
use crate::gui::worker::{Done, Job, ReviewData, Running};
use crate::store::export::CsvStyle;
use crate::store::report::{AttemptDetail, AttemptRow, Filter};

mod assignments;
mod queue;
mod ui;
pub use assignments::{Assignments, Row, assignments_ui};
pub use queue::{certificates_ui, queue_ui, readiness_ui};

/// The review queue shows attempts of this many days (and every trainee's question).
pub const QUEUE_DAYS: u32 = 30;
pub use ui::*;

/// Where a file dialog's thread sends what it chose.
type DialogAnswer = std::sync::mpsc::Receiver<(BrowseFor, Option<PathBuf>)>;

/// A dialog that closes with no file sooner than this was never shown to anyone.
const NO_DIALOG: std::time::Duration = std::time::Duration::from_millis(700);

/// What the review view asks for.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Run the review queries for the filter as edited.
    Query,
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
    /// Stop the running export (nothing is written) or import's verification.
    Cancel,
    /// Show a tab (the assignments tab reads the funnel as it opens).
    Tab(Tab),
    /// Read the assignments' funnel again.
    LoadAssignments,
    /// Read the review queue again.
    LoadQueue,
    /// Read readiness again (on the playbook chosen for it).
    LoadReadiness,
    /// Read the certificates again.
    LoadCertificates,
    /// Sign off this trainee's certificate of this playbook.
    SignOffCertificate {
        trainee: String,
        playbook: String,
    },
    /// Store the assignment in the form.
    Assign,
    /// Write who is behind to the file named in the tab.
    ExportBehind,
}

/// A readiness grid as drawn: made from the readiness read, for a playbook and team filter.
#[derive(Debug, Clone)]
pub struct ReadinessGrid {
    /// (playbook, team filter).
    pub key: (String, String),
    pub grid: crate::readiness::Grid,
    pub teams: Vec<crate::readiness::TeamNow>,
}

/// The review view's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// Charts over the filter.
    #[default]
    Overview,
    /// The table of attempts.
    Attempts,
    /// What is assigned: the form, the funnel and who is behind.
    Assignments,
    /// The attempts that need a manager, and why.
    Queue,
    /// Readiness per trainee and criterion, and per team over time.
    Readiness,
    /// Each trainee's certificates: dates, who signed, what is missing; sign-offs.
    Certificates,
}

/// The filter as edited, the results of the last query, the open attempt and the review
/// being written.
#[derive(Default)]
pub struct Review {
    pub team: String,
    pub trainee: String,
    pub playbook: String,
    pub scenario: String,
    /// `YYYY-MM-DD`, inclusive, as typed.
    pub from: String,
    pub to: String,
    /// Why the dates typed were not taken, shown beside them.
    pub date_problem: Option<String>,
    /// Why the review was not saved, shown beside its button.
    pub review_problem: Option<String>,
    pub data: Option<Box<ReviewData>>,
    /// When the running query was sent; `None` when idle.
    pub sent: Option<Instant>,
    /// From sending the last query to its results on screen, in ms.
    pub latency_ms: Option<f64>,
    /// Charts, the table of attempts, or the assignments.
    pub tab: Tab,
    pub assignments: Assignments,
    /// The review queue as last read (`None`: not yet), and its filters as chosen.
    pub queue: Option<Vec<crate::queue::Item>>,
    pub queue_team: String,
    pub queue_reason: String,
    /// Readiness as last read, and the playbook whose grid is shown.
    pub readiness: Option<Box<crate::gui::worker::ReadinessData>>,
    pub readiness_playbook: String,
    /// The grid drawn from `readiness`, for the playbook and team filter it was made for.
    pub readiness_grid: Option<Box<ReadinessGrid>>,
    /// Certificates as last read, and what was said (a sign-off, recertification assigned).
    pub certificates: Option<Vec<crate::certify::Certificate>>,
    pub certificates_said: Option<Result<String, String>>,
    /// The running export is the assignments tab's.
    exporting_behind: bool,
    pub sort: SortKey,
    pub descending: bool,
    pub detail: Option<Box<AttemptDetail>>,
    pub comment: String,
    /// The reply the comment is about (`None`: the whole attempt).
    pub comment_reply: Option<i64>,
    /// Sign the attempt off with the review.
    pub sign_off: bool,
    /// The criterion to override (empty: none) and the new points, as typed.
    pub over_criterion: String,
    pub over_points: String,
    /// Export as xAPI statements (else CSV), to this file; import this database.
    pub export_xapi: bool,
    /// CSV for sharing outside the team: pseudonyms instead of names.
    pub export_pseudonymous: bool,
    pub export_path: String,
    pub import_path: String,
    /// What the last export or import did.
    pub io_note: Option<Result<String, String>>,
    /// An export or import running: how far it is; it can be stopped.
    pub running: Option<Arc<Running>>,
    /// A file dialog open on its own thread (what it was opened for), and when it opened.
    dialog: Option<(DialogAnswer, Instant)>,
}

impl Review {
    /// The view as it opens: newest attempts first.
    pub fn new() -> Self {
        Review {
            descending: true,
            ..Review::default()
        }
    }

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

    pub fn apply(&mut self, c: Cmd, ctx: &mut Ctx<'_>) {
        match c {
            Cmd::Query => self.query(ctx),
            Cmd::SortBy(key) => {
                self.descending = if self.sort == key {
                    !self.descending
                } else {
                    true
                };
                self.sort = key;
                if let Some(d) = &mut self.data {
                    sort_attempts(&mut d.attempts, self.sort, self.descending);
                }
            }
            Cmd::Tab(t) => {
                self.tab = t;
                if t == Tab::Assignments && self.assignments.data.is_none() {
                    if self.assignments.due.is_empty() {
                        self.assignments.due =
                            (chrono::Local::now().date_naive() + chrono::Days::new(7)).to_string();
                    }
                    self.assignments.load(ctx);
                }
                if t == Tab::Queue && self.queue.is_none() {
                    ctx.send(Job::Queue { days: QUEUE_DAYS });
                }
                if t == Tab::Readiness && self.readiness.is_none() {
                    self.load_readiness(ctx);
                }
                if t == Tab::Certificates && self.certificates.is_none() {
                    self.load_certificates(ctx);
                }
            }
            Cmd::LoadAssignments => self.assignments.load(ctx),
            Cmd::LoadQueue => ctx.send(Job::Queue { days: QUEUE_DAYS }),
            Cmd::LoadReadiness => self.load_readiness(ctx),
            Cmd::LoadCertificates => self.load_certificates(ctx),
            Cmd::SignOffCertificate { trainee, playbook } => {
                let t = self
                    .certificates
                    .iter()
                    .flatten()
                    .find(|c| c.trainee.id == trainee && c.playbook == playbook)
                    .map(|c| c.trainee.clone());
                if let (Some(t), Some(by)) = (t, ctx.who.map(str::to_owned)) {
                    let shown = Some(self.playbook.trim().to_owned()).filter(|p| !p.is_empty());
                    ctx.send(Job::SignOffCertificate {
                        trainee: t,
                        playbook,
                        by,
                        shown,
                    });
                }
            }
            Cmd::Assign => self.assignments.assign(ctx),
            Cmd::ExportBehind => {
                let path = match self.assignments.export_path.trim() {
                    "" => Assignments::default_export_path(),
                    p => p.to_owned(),
                };
                self.exporting_behind = true;
                ctx.send(Job::ExportStandings {
                    path: PathBuf::from(path),
                    only_behind: true,
                });
            }
            Cmd::OpenAttempt(id) => ctx.send(Job::Detail(id)),
            Cmd::CloseAttempt => self.detail = None,
            Cmd::SaveReview => self.save_review(ctx),
            Cmd::Export => {
                let Some(d) = &self.data else { return };
                if self.export_path.trim().is_empty() {
                    self.export_path = Review::default_export_path(self.export_xapi);
                }
                if self.running.is_some() {
                    return;
                }
                let running = Arc::new(Running::default());
                self.running = Some(running.clone());
                let mut style =
                    CsvStyle::titled(ctx.lib, d.filter.playbook.as_deref(), ctx.lang.code());
                style.pseudonymous = self.export_pseudonymous;
                let job = Job::Export {
                    filter: d.filter.clone(),
                    xapi: self.export_xapi,
                    path: PathBuf::from(self.export_path.trim()),
                    style,
                    running,
                };
                self.io_note = None;
                ctx.send(job);
            }
            Cmd::Import => {
                let path = self.import_path.trim();
                if path.is_empty() || self.running.is_some() {
                    return;
                }
                let running = Arc::new(Running::default());
                self.running = Some(running.clone());
                let job = Job::Merge(PathBuf::from(path), running);
                self.io_note = None;
                ctx.send(job);
            }
            Cmd::Browse(what) => self.browse(what, ctx),
            Cmd::Cancel => {
                if let Some(r) = &self.running {
                    r.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
    }

    /// Sends the review queries for the filter as edited; a date that does not parse is an
    /// error and nothing is sent.
    pub fn query(&mut self, ctx: &mut Ctx<'_>) {
        let lang = ctx.lang;
        let date = |s: &str| -> Result<Option<chrono::NaiveDate>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            // 2026-10-01, 2026/10/01 and 2026.10.01 are the same day.
            ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
                .iter()
                .find_map(|f| chrono::NaiveDate::parse_from_str(s, f).ok())
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "{} '{s}' (YYYY-MM-DD)",
                        lang.t("日期格式不对：", "not a date:")
                    )
                })
        };
        let (from, to) = match (date(&self.from), date(&self.to)) {
            (Ok(f), Ok(t)) => (f, t),
            (Err(e), _) | (_, Err(e)) => {
                self.date_problem = Some(e);
                return;
            }
        };
        self.date_problem = None;
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let filter = Filter {
            trainee: some(&self.trainee),
            team: some(&self.team),
            playbook: some(&self.playbook),
            scenario: some(&self.scenario),
            since: from.map(|d| d.format("%Y-%m-%d").to_string()),
            // The view's "to" includes its day; the filter's `until` is exclusive.
            until: to
                .and_then(|d| d.succ_opt())
                .map(|d| d.format("%Y-%m-%d").to_string()),
        };
        self.sent = Some(Instant::now());
        ctx.send(Job::Review(filter));
    }

    /// Reads readiness on the playbook chosen for it (first: the filter's, else the first
    /// playbook).
    fn load_readiness(&mut self, ctx: &mut Ctx<'_>) {
        if self.readiness_playbook.is_empty() {
            self.readiness_playbook = match self.playbook.trim() {
                "" => ctx
                    .lib
                    .playbooks
                    .iter()
                    .find(|p| !p.live)
                    .map(|p| p.id.clone())
                    .unwrap_or_default(),
                p => p.to_owned(),
            };
        }
        let playbook = Some(self.readiness_playbook.clone()).filter(|p| !p.is_empty());
        ctx.send(Job::Readiness {
            trainee: None,
            playbook,
        });
    }

    /// Reads the certificates (of the filter's playbook, when one is chosen).
    fn load_certificates(&mut self, ctx: &mut Ctx<'_>) {
        let Some(by) = ctx.who.map(str::to_owned) else {
            return;
        };
        let playbook = Some(self.playbook.trim().to_owned()).filter(|p| !p.is_empty());
        ctx.send(Job::Certificates { playbook, by });
    }

    fn save_review(&mut self, ctx: &mut Ctx<'_>) {
        let lang = ctx.lang;
        let (Some(d), Some(reviewer)) = (&self.detail, ctx.who.map(str::to_owned)) else {
            return;
        };
        let comment = Some(self.comment.trim().to_owned()).filter(|c| !c.is_empty());
        let over = if self.over_criterion.is_empty() {
            None
        } else {
            match self.over_points.trim().parse::<f64>() {
                Ok(p) if (0.0..=100.0).contains(&p) => Some((self.over_criterion.clone(), p)),
                _ => {
                    self.review_problem = Some(
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
        if comment.is_none() && over.is_none() && !self.sign_off {
            self.review_problem = Some(
                lang.t(
                    "请写下评语、选择要复核的评分项，或签核。",
                    "Write a comment, choose a criterion to override, or sign off.",
                )
                .to_owned(),
            );
            return;
        }
        self.review_problem = None;
        let job = Job::AddReview {
            attempt: d.attempt.id.clone(),
            reviewer,
            reply: self.comment_reply.filter(|_| comment.is_some()),
            comment,
            over,
            sign_off: self.sign_off,
        };
        ctx.send(job);
    }

    /// Routes the worker's answers that belong to this view.
    pub fn on_done(&mut self, d: Done, ctx: &mut Ctx<'_>) {
        match d {
            Done::Review(r) => self.on_results(r.map_err(|e| e.take(ctx.lang)), ctx),
            Done::Detail(r) => self.on_detail(r.map_err(|e| e.take(ctx.lang)), ctx),
            Done::Exported(note) => {
                let note = note.map_err(|e| e.take(ctx.lang));
                if std::mem::take(&mut self.exporting_behind) {
                    self.assignments.said = Some(note);
                } else {
                    self.on_exported(note);
                }
            }
            Done::Funnel(r) => {
                self.assignments.loading = false;
                match r {
                    Ok(d) => self.assignments.data = Some(d),
                    Err(e) => *ctx.error = Some(e.take(ctx.lang)),
                }
            }
            Done::Queue(r) => match r {
                Ok(items) => self.queue = Some(items),
                Err(e) => *ctx.error = Some(e.take(ctx.lang)),
            },
            Done::Certificates(r) => match r {
                Ok((list, said)) => {
                    self.certificates = Some(list);
                    self.certificates_said = said.map(|w| Ok(w.take(ctx.lang)));
                }
                Err(e) => self.certificates_said = Some(Err(e.take(ctx.lang))),
            },
            Done::Readiness(r) => match r {
                Ok(d) => {
                    self.readiness = Some(d);
                    self.readiness_grid = None;
                }
                Err(e) => *ctx.error = Some(e.take(ctx.lang)),
            },
            Done::AssignSaved(r) => {
                let said = r.map(|t| t.take(ctx.lang)).map_err(|e| e.take(ctx.lang));
                self.assignments.on_saved(said, ctx);
            }
            Done::Merged(note) => {
                let note = note.map(|t| t.take(ctx.lang)).map_err(|e| e.take(ctx.lang));
                self.on_merged(note, ctx);
            }
            _ => {}
        }
    }

    /// The results of a query.
    pub fn on_results(&mut self, data: Result<Box<ReviewData>, String>, ctx: &mut Ctx<'_>) {
        match data {
            Ok(mut data) => {
                sort_attempts(&mut data.attempts, self.sort, self.descending);
                self.latency_ms = self.sent.take().map(|t| t.elapsed().as_secs_f64() * 1e3);
                self.data = Some(data);
            }
            Err(e) => {
                self.sent = None;
                *ctx.error = Some(e);
            }
        }
    }

    /// An attempt opened, or reread after a review was saved.
    pub fn on_detail(&mut self, detail: Result<Box<AttemptDetail>, String>, ctx: &mut Ctx<'_>) {
        let detail = match detail {
            Ok(d) => d,
            Err(e) => {
                self.sent = None;
                *ctx.error = Some(e);
                return;
            }
        };
        // A saved review clears the form; the table refreshes (overrides move averages and
        // totals).
        let saved = self.detail.as_ref().is_some_and(|d| {
            d.attempt.id == detail.attempt.id && d.reviews.len() < detail.reviews.len()
        });
        self.detail = Some(detail);
        if saved {
            self.comment.clear();
            self.comment_reply = None;
            self.sign_off = false;
            self.over_criterion.clear();
            self.over_points.clear();
            // Overrides move readiness and certificates: read again when next shown.
            self.readiness = None;
            self.certificates = None;
            if self.tab == Tab::Certificates {
                self.load_certificates(ctx);
            }
            if self.tab == Tab::Readiness {
                self.load_readiness(ctx);
            }
            self.query(ctx);
        }
    }

    pub fn on_exported(&mut self, note: Result<String, String>) {
        self.running = None;
        self.io_note = Some(note);
    }

    /// A merge finished: the merged attempts show at once.
    pub fn on_merged(&mut self, note: Result<String, String>, ctx: &mut Ctx<'_>) {
        let ok = note.is_ok();
        self.running = None;
        self.io_note = Some(note);
        if ok {
            self.query(ctx);
        }
    }

    /// Opens the system's file dialog on its own thread (it blocks until closed); the chosen
    /// file is put in the view's field.
    fn browse(&mut self, what: BrowseFor, ctx: &mut Ctx<'_>) {
        if self.dialog.is_some() {
            return;
        }
        let lang = ctx.lang;
        let (tx, rx) = std::sync::mpsc::channel();
        let (current, xapi) = match what {
            BrowseFor::Export => (self.export_path.clone(), self.export_xapi),
            BrowseFor::Import => (self.import_path.clone(), false),
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
            Ok(_) => self.dialog = Some((rx, Instant::now())),
            Err(e) => *ctx.error = Some(format!("cannot open a file dialog: {e}")),
        }
    }

    /// Per frame: the file a dialog chose, once it is closed. A dialog that closes at once
    /// without a file was never shown (no file dialog service on this desktop): say so.
    pub fn poll_dialog(&mut self, lang: crate::gui::state::Lang) {
        let Some((rx, opened)) = &self.dialog else {
            return;
        };
        let opened = *opened;
        let result = match rx.try_recv() {
            Ok(r) => r,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.dialog = None;
                return;
            }
        };
        self.dialog = None;
        match result {
            (what, Some(path)) => {
                let path = path.display().to_string();
                match what {
                    BrowseFor::Export => self.export_path = path,
                    BrowseFor::Import => self.import_path = path,
                }
            }
            (_, None) if opened.elapsed() < NO_DIALOG => {
                self.io_note = Some(Err(lang
                    .t(
                        "这台电脑上没有可用的文件选择窗口：请直接在旁边的路径框里输入文件的完整路径。",
                        "No file dialog is available on this desktop: type the file's full path in the field beside the button.",
                    )
                    .to_owned()));
            }
            (_, None) => {}
        }
    }
}

/// Sorts the review table's rows; ties keep the newest first.
fn sort_attempts(rows: &mut [AttemptRow], key: SortKey, descending: bool) {
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
