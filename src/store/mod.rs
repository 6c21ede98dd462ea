//! The progress log: every attempt and reply, durably, in SQLite. The only module that speaks
//! SQL. Front ends write through [`ProgressLog`], so a team server can replace SQLite later
//! without the engine or the UI knowing.
//!
//! Durability: `synchronous=FULL` in WAL mode, so a write that returned survives a crash or
//! power loss; ids are UUIDs chosen before the first try, so a retried write cannot duplicate.

pub mod backup;
pub mod db;
pub mod export;
pub mod merge;
pub mod records;
pub mod report;
pub mod schema;
pub mod sql;
pub mod team;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

pub use records::{Assigned, Records};

use crate::practice::live::LiveSummary;
use crate::practice::{Answer, ReplyRecord, Summary};

/// How long a write waits for another program holding the database.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "'{path}' was written by a newer salesdojo (database schema {found}; this version reads up to {supported}); it was left untouched"
    )]
    Newer {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error(
        "'{path}' is not a salesdojo database (not an SQLite file, or damaged); it was left untouched"
    )]
    NotADatabase { path: String },
    #[error(
        "'{path}' holds no attempts: was it copied without the '-wal' file beside it? On the machine it comes from, `salesdojo backup FILE` (or \"Hand my history over\" in the app) makes one file that holds the whole history; it was left untouched"
    )]
    NoHistory { path: String },
    #[error(
        "'{path}' is damaged (database disk image is malformed); it was left untouched: restore it from a backup, or recover what it holds with `sqlite3 '{path}' .recover`"
    )]
    Damaged { path: String },
    #[error(
        "the database is damaged (database disk image is malformed); nothing more was written to it"
    )]
    Corrupt,
    #[error("cannot open the database '{path}': {reason}")]
    Open { path: String, reason: String },
    #[error("the database is busy: another program held it for more than {} s; nothing was lost, try again", BUSY_TIMEOUT.as_secs())]
    Busy,
    #[error("the disk is full")]
    DiskFull,
    #[error("not found: {0}")]
    NotFound(String),
    #[error("'{path}' was refused: {reason}; nothing was merged")]
    Untrusted { path: String, reason: String },
    /// A database whose schema is not the one salesdojo creates (checked on every open).
    #[error(
        "'{path}' was refused: {reason}; it is not a progress database as salesdojo writes it, and was left untouched"
    )]
    Altered { path: String, reason: String },
    /// A name or other typed text that may not be stored (it says why).
    #[error("{0}")]
    Refused(String),
    /// A request the rules decline (a sign-off of an attempt that did not pass, a comment on
    /// a reply that does not exist), said in both languages; nothing was stored.
    #[error("{}", .0.en)]
    Declined(crate::msg::Text),
    #[error("database error: {0}")]
    Sqlite(String),
    /// The team server, reading reports.
    #[error("team server: {0}")]
    Remote(String),
}

impl crate::msg::Localized for StoreError {
    fn zh(&self) -> String {
        match self {
            StoreError::Newer {
                path,
                found,
                supported,
            } => format!(
                "“{path}”由更新版本的 salesdojo 写入（数据库结构版本 {found}；本版本最高只能读 {supported}），文件未作改动"
            ),
            StoreError::NotADatabase { path } => {
                format!("“{path}”不是 salesdojo 数据库（不是 SQLite 文件或已损坏），文件未作改动")
            }
            StoreError::NoHistory { path } => format!(
                "“{path}”里没有任何练习记录：复制时是否漏了旁边的“-wal”文件？请在原来的电脑上用 `salesdojo backup 文件`（或应用里的“移交我的记录”）生成一个包含全部记录的文件；文件未作改动"
            ),
            StoreError::Damaged { path } => format!(
                "“{path}”已损坏（数据库映像格式错误），文件未作改动：请从备份恢复，或用 `sqlite3 '{path}' .recover` 找回其中的内容"
            ),
            StoreError::Corrupt => {
                "数据库已损坏（数据库映像格式错误），没有再写入任何内容".to_owned()
            }
            StoreError::Open { path, reason } => {
                format!("无法打开数据库“{path}”{}", crate::msg::details(reason))
            }
            StoreError::Busy => format!(
                "数据库正忙：另一个程序占用它超过 {} 秒；没有丢失任何内容，请重试",
                BUSY_TIMEOUT.as_secs()
            ),
            StoreError::DiskFull => "磁盘已满".to_owned(),
            StoreError::NotFound(what) => format!("找不到：{what}"),
            StoreError::Untrusted { path, reason } => format!(
                "“{path}”被拒绝，没有合并任何内容{}",
                crate::msg::details(reason)
            ),
            StoreError::Altered { path, reason } => format!(
                "“{path}”被拒绝：它不是 salesdojo 写入的进度数据库，文件未作改动{}",
                crate::msg::details(reason)
            ),
            StoreError::Refused(why) => format!("不能保存：{why}"),
            StoreError::Declined(why) => format!("不能保存：{}", why.zh),
            StoreError::Sqlite(e) => format!("数据库出错{}", crate::msg::details(e)),
            StoreError::Remote(e) => format!("团队服务器出错{}", crate::msg::details(e)),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt,
            _ => StoreError::Sqlite(e.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A UTC time as stored: RFC 3339, seconds, `Z` (sorts as text).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A stored UTC stamp in the local time zone, as people read it (`2026-11-30 18:05 +08:00`).
pub fn local_time(stamp: &str) -> String {
    local_stamp(stamp, "%Y-%m-%d %H:%M %:z")
}

/// A stored UTC stamp in the local time zone, in `format` (chrono's); unchanged when it is
/// not a stamp.
pub fn local_stamp(stamp: &str, format: &str) -> String {
    DateTime::parse_from_rfc3339(stamp).map_or_else(
        |_| stamp.to_owned(),
        |t| t.with_timezone(&chrono::Local).format(format).to_string(),
    )
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The team id: the same name gives the same id on every machine, so merging is exact.
pub fn team_id(name: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("salesdojo-team:{name}").as_bytes(),
    )
    .to_string()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Trainee {
    pub id: String,
    pub name: String,
    pub team: Option<String>,
    pub pseudonym: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Practice,
    Live,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Practice => "practice",
            Mode::Live => "live",
        }
    }
}

/// The columns [`trainee_row`] reads, over `trainees t LEFT JOIN teams tm`.
pub(crate) const TRAINEE_COLS: &str = "t.id, t.name, tm.name, t.pseudonym";

/// A trainee from a row of [`TRAINEE_COLS`].
pub(crate) fn trainee_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Trainee> {
    Ok(Trainee {
        id: r.get(0)?,
        name: r.get(1)?,
        team: r.get(2)?,
        pseudonym: r.get(3)?,
    })
}

/// An attempt as it starts.
#[derive(Debug, Clone)]
pub struct NewAttempt<'a> {
    pub id: &'a str,
    pub trainee_id: &'a str,
    pub playbook_id: &'a str,
    pub playbook_version: u32,
    pub playbook_hash: &'a str,
    pub scenario_id: &'a str,
    pub mode: Mode,
    pub started_at: DateTime<Utc>,
}

/// An attempt still in progress, offered for resumption.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unfinished {
    pub id: String,
    pub playbook_id: String,
    pub playbook_hash: String,
    pub scenario_id: String,
    pub started_at: String,
    /// (turn, answer, seconds) in order.
    pub answers: Vec<(String, Answer, f64)>,
}

/// A live visit left in progress, with everything logged during it, to take it up again.
#[derive(Debug, Clone, PartialEq)]
pub struct UnfinishedVisit {
    pub id: String,
    pub playbook_id: String,
    pub playbook_hash: String,
    pub started_at: String,
    /// In the order they happened.
    pub events: Vec<LiveEventRecord>,
}

/// One thing logged during a visit: a tick, an untick, a note, a step left, the customer's
/// grade or the next appointment.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEventRecord {
    pub at: String,
    pub kind: String,
    pub stage: Option<String>,
    pub item: Option<String>,
    pub value: Option<String>,
}

/// What front ends write while a trainee practises. SQLite implements it today.
pub trait ProgressLog {
    /// The trainee with this name (and team), created on first use.
    fn trainee(&mut self, name: &str, team: Option<&str>) -> Result<Trainee>;
    fn start_attempt(&mut self, a: &NewAttempt<'_>) -> Result<()>;
    /// Commits one reply before its feedback is shown. Writing the same `reply_id` again is a
    /// no-op, so a retry after an unclear failure cannot duplicate it.
    fn record_reply(
        &mut self,
        reply_id: &str,
        attempt_id: &str,
        seq: u32,
        r: &ReplyRecord,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Ends an attempt: its totals, per-criterion averages and any certification earned.
    fn finish_attempt(
        &mut self,
        attempt_id: &str,
        s: &Summary,
        weights: &[(String, f64)],
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// Ends an attempt and certifies the trainee for the playbook version when every one of
    /// `scenarios` has a passed attempt.
    fn finish_and_certify(
        &mut self,
        attempt_id: &str,
        s: &Summary,
        weights: &[(String, f64)],
        at: DateTime<Utc>,
        scenarios: &[String],
    ) -> Result<()>;
    /// Ends a live visit; its total is the share of checklist items ticked.
    fn finish_visit(&mut self, attempt_id: &str, s: &LiveSummary, at: DateTime<Utc>) -> Result<()>;
    fn abandon_attempt(&mut self, attempt_id: &str, at: DateTime<Utc>) -> Result<()>;
    fn unfinished(&self, trainee_id: &str) -> Result<Vec<Unfinished>>;
    /// The trainee's live visits left in progress, oldest first (none where nothing is kept).
    fn unfinished_visits(&self, _trainee_id: &str) -> Result<Vec<UnfinishedVisit>> {
        Ok(Vec::new())
    }
    #[allow(clippy::too_many_arguments)]
    fn live_event(
        &mut self,
        attempt_id: &str,
        kind: &str,
        stage: Option<&str>,
        item: Option<&str>,
        value: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()>;
}

/// The SQLite progress log.
pub struct Store {
    log: records::Local,
    path: PathBuf,
    /// In team mode (`--db postgres://…`): the server the reports, the review view and the
    /// exports read from. Practice still writes here first and syncs.
    team_server: Option<team::report::Remote>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, refusing files it must not touch.
    pub fn open(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        // SQLite says only "unable to open database file" where the folder cannot be written.
        let open_err = |reason: String| StoreError::Open {
            path: shown.clone(),
            reason: db::why_not_writable(path).unwrap_or(reason),
        };
        let (conn, found) = db::connect(path, db::Access::Create)?;
        if found > schema::VERSION {
            return Err(StoreError::Newer {
                path: shown,
                found,
                supported: schema::VERSION,
            });
        }
        let damaged = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt) => StoreError::Damaged {
                path: shown.clone(),
            },
            _ => open_err(e.to_string()),
        };
        // Before anything reads or writes it: the schema must be salesdojo's own (a view or
        // trigger where a table belongs could run code or loop forever on the first query).
        let altered = if found >= 1 {
            schema::difference(&conn, found).map_err(|e| match e {
                StoreError::Corrupt => StoreError::Damaged {
                    path: shown.clone(),
                },
                e => e,
            })?
        } else {
            let objects: i64 = conn
                .query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get(0))
                .map_err(damaged)?;
            (objects > 0).then(|| "it is another program's SQLite database".to_owned())
        };
        if let Some(reason) = altered {
            return Err(StoreError::Altered {
                path: shown,
                reason,
            });
        }
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(damaged)?;
        if mode != "wal" {
            return Err(open_err(format!(
                "cannot use write-ahead logging (journal mode {mode})"
            )));
        }
        // A backup opened as a progress log is one from now on (it may take new practice):
        // a later `backup` must not replace it.
        let mark: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(damaged)?;
        if mark == backup::BACKUP_MARK {
            conn.pragma_update(None, "application_id", 0)?;
        }
        // trusted_schema = OFF: SQL in a schema (views, triggers) may call only harmless
        // functions; an attached file from elsewhere is checked further by `merge`.
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
        )?;
        let mut store = Store {
            log: records::Local {
                conn,
                plan: report::Plan::default(),
            },
            path: path.to_path_buf(),
            team_server: None,
        };
        store.migrate(found).map_err(|e| match e {
            StoreError::Corrupt => StoreError::Damaged { path: shown },
            e => e,
        })?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves what the write-ahead log holds into the database file and empties the log, so
    /// the `.db` file alone holds the whole history (a copy of it taken now hands everything
    /// over). Done when an attempt or a visit ends and when the app closes; busy readers only
    /// make it do less, never fail.
    pub fn checkpoint(&self) -> Result<()> {
        self.log
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// A new throw-away log (a sync's scratch file): the same schema, without waiting for the
    /// disk (nothing in it needs to survive a crash).
    pub(crate) fn open_scratch(path: &Path) -> Result<Self> {
        let (conn, found) = db::connect(path, db::Access::Create)?;
        conn.execute_batch(
            "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;",
        )?;
        let mut store = Store {
            log: records::Local {
                conn,
                plan: report::Plan::default(),
            },
            path: path.to_path_buf(),
            team_server: None,
        };
        store.migrate(found)?;
        Ok(store)
    }

    /// Chooses where reports read from; the rollups (the default) give the same answers.
    pub fn set_plan(&mut self, plan: report::Plan) {
        self.log.plan = plan;
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.log.conn
    }

    /// What reports, the review view, progress and exports read: a team server in team mode,
    /// else this log. The one place the backend is chosen.
    pub fn records(&self) -> &dyn Records {
        match &self.team_server {
            Some(server) => server,
            None => &self.log,
        }
    }

    /// This machine's log, whatever [`Store::records`] reads (the team server's cache of
    /// published playbooks lives here).
    pub(crate) fn records_local(&self) -> &dyn sql::Run {
        self.log.run()
    }

    /// Reads reports from `server` (team mode); `None` reads this log again.
    pub fn read_from_team_server(&mut self, server: Option<team::report::Remote>) {
        self.team_server = server;
    }

    /// Applies the migrations after `from`, each in its own transaction.
    fn migrate(&mut self, from: i64) -> Result<()> {
        for (i, step) in schema::MIGRATIONS
            .iter()
            .enumerate()
            .skip(from.max(0) as usize)
        {
            let tx = self
                .log
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// How many trainees and attempts the database holds.
    pub fn record_counts(&self) -> Result<(u64, u64)> {
        Ok(self.log.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM trainees), (SELECT COUNT(*) FROM attempts)",
            [],
            |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
        )?)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .log
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .log
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Marks in-progress attempts with no reply for `older_than` as abandoned.
    pub fn abandon_stale(&mut self, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<usize> {
        Ok(self.log.conn.execute(
            "UPDATE attempts SET status = 'abandoned', ended_at = ?2
             WHERE status = 'in_progress'
               AND COALESCE((SELECT MAX(created_at) FROM replies WHERE attempt_id = attempts.id), started_at) < ?1",
            params![stamp(before), stamp(now)],
        )?)
    }

    /// Adds a manager's review: a comment, and optionally a criterion override. The original
    /// points stay in the attempt; the override is shown beside them.
    pub fn add_review(
        &mut self,
        attempt_id: &str,
        reviewer: &str,
        comment: Option<&str>,
        over: Option<(&str, f64)>,
        at: DateTime<Utc>,
    ) -> Result<String> {
        self.write_review(&NewReview {
            attempt_id,
            reviewer,
            comment,
            over,
            reply: None,
            sign_off: false,
            at,
        })
    }

    /// Adds a manager's review as given (see [`NewReview`]), once its words are checked. A
    /// comment on a reply the attempt does not have, or a sign-off of an attempt that did not
    /// pass, is declined with nothing stored.
    pub fn write_review(&mut self, r: &NewReview<'_>) -> Result<String> {
        crate::untrusted::check_name("reviewer name", r.reviewer).map_err(StoreError::Refused)?;
        refuse_hidden("comment", r.comment)?;
        if r.reply.is_some() || r.sign_off {
            let detail = self.records().attempt_detail(r.attempt_id)?;
            crate::queue::check_review(&detail, r.reply, r.sign_off)
                .map_err(StoreError::Declined)?;
        }
        self.records().add_review(r)
    }

    /// A trainee asks a manager to review one of their finished practice attempts, with a
    /// question. `trainee_id`: the trainee asking (this machine's log checks the attempt is
    /// theirs; a team server knows the login).
    pub fn request_review(
        &mut self,
        trainee_id: &str,
        attempt_id: &str,
        question: &str,
        at: DateTime<Utc>,
    ) -> Result<String> {
        let question = question.trim();
        if question.is_empty() {
            return Err(StoreError::Declined(crate::msg::review_request_empty()));
        }
        refuse_hidden("question", Some(question))?;
        let a = self.records().attempt_detail(attempt_id)?.attempt;
        if a.status != "completed" || a.mode != "practice" {
            return Err(StoreError::Declined(crate::msg::review_request_unfinished()));
        }
        self.records()
            .request_review(trainee_id, &a.id, question, at)
    }

    /// The trainee acknowledges a review of one of their attempts. `false`: it was
    /// acknowledged before (the first acknowledgement stays).
    pub fn acknowledge_review(
        &mut self,
        trainee_id: &str,
        review_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        self.records().acknowledge_review(trainee_id, review_id, at)
    }

    /// Certifies the trainee for a playbook version when every scenario has a passed attempt.
    fn maybe_certify(
        &self,
        attempt_id: &str,
        at: DateTime<Utc>,
        scenarios: &[String],
    ) -> Result<()> {
        let (trainee, playbook, version): (String, String, i64) = self.log.conn.query_row(
            "SELECT trainee_id, playbook_id, playbook_version FROM attempts WHERE id = ?1",
            [attempt_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut stmt = self.log.conn.prepare_cached(
            &format!("SELECT 1 FROM attempts WHERE trainee_id = ?1 AND playbook_id = ?2 AND playbook_version = ?3
               AND scenario_id = ?4 AND passed = 1 AND mode = 'practice' AND {} LIMIT 1", merge::COUNTED),
        )?;
        for s in scenarios {
            if !stmt.exists(params![trainee, playbook, version, s])? {
                return Ok(());
            }
        }
        self.log.conn.execute(
            "INSERT OR IGNORE INTO certifications (trainee_id, playbook_id, playbook_version, certified_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![trainee, playbook, version, stamp(at)],
        )?;
        Ok(())
    }

    /// Runs `f` in one transaction (for bulk writes such as demo data and merges).
    ///
    /// Every write transaction begins IMMEDIATE: it takes the write lock up front, waiting
    /// up to the busy timeout, instead of failing at once when a read turns into a write
    /// while another process writes.
    pub fn bulk<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .log
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Refuses typed text that holds control, bidirectional or invisible characters.
fn refuse_hidden(what: &str, text: Option<&str>) -> Result<()> {
    if let Some((at, c, _)) = text.and_then(crate::untrusted::first_refused) {
        return Err(StoreError::Refused(format!(
            "the {what} holds {} at character {}: a {what} may not hold control, bidirectional or invisible characters",
            crate::untrusted::describe(c),
            at + 1
        )));
    }
    Ok(())
}

/// A manager's review of one attempt, as it is written: any of a comment (on the whole
/// attempt, or on one of its replies), a criterion override and a sign-off.
#[derive(Debug, Clone, Copy)]
pub struct NewReview<'a> {
    pub attempt_id: &'a str,
    pub reviewer: &'a str,
    pub comment: Option<&'a str>,
    /// A criterion and the points it gets instead.
    pub over: Option<(&'a str, f64)>,
    /// The reply (its number, `seq`) the comment is about; `None`: the whole attempt.
    pub reply: Option<i64>,
    /// The manager signs the attempt off (only a passed one).
    pub sign_off: bool,
    pub at: DateTime<Utc>,
}

fn answer_parts(a: &Answer) -> (&'static str, &str) {
    match a {
        Answer::Text(t) => ("text", t.as_str()),
        Answer::Choice(c) => ("choice", c.as_str()),
    }
}

/// What is stored of a reply's result: criteria with their trace, feedback, hints,
/// highlights, the next turn and the guide's hint. Trace entries keep their source and points;
/// their feedback is the same text as `feedback`, so it is not stored twice.
pub fn result_json(r: &ReplyRecord) -> serde_json::Value {
    let criteria: Vec<serde_json::Value> = r
        .scored
        .criteria
        .iter()
        .map(|c| {
            serde_json::json!({
                "criterion": c.criterion,
                "weight": c.weight,
                "points": c.points,
                "trace": c.trace.iter().map(|t| serde_json::json!({ "source": t.source, "points": t.points })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut v = serde_json::json!({
        "criteria": criteria,
        "feedback": r.scored.feedback,
        "hints": r.scored.hints,
        "highlights": r.scored.highlights,
        "next": r.scored.next,
        "guide_hint": r.guide_hint,
    });
    if let Some(g) = &r.scored.gate {
        v["gate"] = serde_json::json!(g);
    }
    v
}

/// Inserts a reply and its points (idempotent by id).
pub(crate) fn insert_reply(
    conn: &Connection,
    reply_id: &str,
    attempt_id: &str,
    seq: u32,
    r: &ReplyRecord,
    at: DateTime<Utc>,
) -> Result<bool> {
    insert_reply_json(
        conn,
        reply_id,
        attempt_id,
        seq,
        r,
        r.seconds,
        &result_json(r).to_string(),
        at,
    )
}

/// [`insert_reply`] with the result already serialized (bulk writers reuse it).
#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_reply_json(
    conn: &Connection,
    reply_id: &str,
    attempt_id: &str,
    seq: u32,
    r: &ReplyRecord,
    seconds: f64,
    result: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let (kind, answer) = answer_parts(&r.answer);
    let result_id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, result.as_bytes()).to_string();
    conn.prepare_cached("INSERT OR IGNORE INTO results (id, json) VALUES (?1, ?2)")?
        .execute(params![result_id, result])?;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            reply_id,
            attempt_id,
            seq,
            r.turn,
            r.stage,
            kind,
            answer,
            seconds,
            r.scored.score,
            result_id,
            r.script_error.as_ref().map(ToString::to_string),
            stamp(at),
        ])?;
    if inserted == 1 {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO reply_points (reply_id, criterion_id, points, weight) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for c in &r.scored.criteria {
            stmt.execute(params![reply_id, c.criterion, c.points, c.weight])?;
        }
    }
    Ok(inserted == 1)
}

impl Store {
    /// The answers of a stored attempt, in order: (turn, answer, seconds).
    pub fn transcript(&self, attempt_id: &str) -> Result<Vec<(String, Answer, f64)>> {
        Ok(self
            .log
            .conn
            .prepare_cached("SELECT turn_id, answer_kind, answer, seconds FROM replies WHERE attempt_id = ?1 ORDER BY seq")?
            .query_map([attempt_id], |r| {
                let kind: String = r.get(1)?;
                let a: String = r.get(2)?;
                let answer = if kind == "choice" { Answer::Choice(a) } else { Answer::Text(a) };
                Ok((r.get::<_, String>(0)?, answer, r.get::<_, f64>(3)?))
            })?
            .collect::<std::result::Result<_, _>>()?)
    }
}

impl ProgressLog for Store {
    fn trainee(&mut self, name: &str, team: Option<&str>) -> Result<Trainee> {
        let name = name.trim();
        let team = team.map(str::trim).filter(|t| !t.is_empty());
        crate::untrusted::check_name("trainee name", name).map_err(StoreError::Refused)?;
        if let Some(t) = team {
            crate::untrusted::check_name("team", t).map_err(StoreError::Refused)?;
        }
        let tx = self
            .log
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let team_id = match team {
            Some(t) => {
                let id = team_id(t);
                tx.execute(
                    "INSERT OR IGNORE INTO teams (id, name) VALUES (?1, ?2)",
                    params![id, t],
                )?;
                Some(id)
            }
            None => None,
        };
        let found: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT id, pseudonym FROM trainees WHERE name = ?1 AND team_id IS ?2",
                params![name, team_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (id, pseudonym) = match found {
            Some(f) => f,
            None => {
                let id = new_id();
                tx.execute(
                    "INSERT INTO trainees (id, name, team_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![id, name, team_id, stamp(Utc::now())],
                )?;
                (id, None)
            }
        };
        tx.commit()?;
        Ok(Trainee {
            id,
            name: name.to_owned(),
            team: team.map(str::to_owned),
            pseudonym,
        })
    }

    fn start_attempt(&mut self, a: &NewAttempt<'_>) -> Result<()> {
        self.log.conn.execute(
            "INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'in_progress')
             ON CONFLICT (id) DO NOTHING",
            params![a.id, a.trainee_id, a.playbook_id, a.playbook_version, a.playbook_hash, a.scenario_id, a.mode.as_str(), stamp(a.started_at)],
        )?;
        Ok(())
    }

    fn record_reply(
        &mut self,
        reply_id: &str,
        attempt_id: &str,
        seq: u32,
        r: &ReplyRecord,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self
            .log
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        insert_reply(&tx, reply_id, attempt_id, seq, r, at)?;
        tx.commit()?;
        Ok(())
    }

    fn finish_attempt(
        &mut self,
        attempt_id: &str,
        s: &Summary,
        weights: &[(String, f64)],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let tx = self
            .log
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute(
            "UPDATE attempts SET status = 'completed', ended_at = ?2, total = ?3, passed = ?4, ending = ?5,
                 scored_total = ?3, scored_passed = ?4, pass_mark = ?6, gated = ?7 WHERE id = ?1",
            params![attempt_id, stamp(at), s.total, s.passed, s.ending, s.pass_mark, s.gate.is_some()],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("attempt '{attempt_id}'")));
        }
        tx.execute(
            "DELETE FROM attempt_criteria WHERE attempt_id = ?1",
            [attempt_id],
        )?;
        let mut stmt = tx.prepare_cached(
            "INSERT INTO attempt_criteria (attempt_id, criterion_id, points, weight, replies) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (criterion, avg, count) in &s.criteria {
            let w = weights
                .iter()
                .find(|(c, _)| c == criterion)
                .map_or(1.0, |(_, w)| *w);
            stmt.execute(params![attempt_id, criterion, avg, w, *count as i64])?;
        }
        drop(stmt);
        tx.commit()?;
        Ok(())
    }

    fn finish_and_certify(
        &mut self,
        attempt_id: &str,
        s: &Summary,
        weights: &[(String, f64)],
        at: DateTime<Utc>,
        scenarios: &[String],
    ) -> Result<()> {
        self.finish_attempt(attempt_id, s, weights, at)?;
        if s.passed {
            self.maybe_certify(attempt_id, at, scenarios)?;
        }
        Ok(())
    }

    fn finish_visit(&mut self, attempt_id: &str, s: &LiveSummary, at: DateTime<Utc>) -> Result<()> {
        let total = if s.items > 0 {
            100.0 * s.ticked as f64 / s.items as f64
        } else {
            100.0
        };
        let n = self.log.conn.execute(
            "UPDATE attempts SET status = 'completed', ended_at = ?2, total = ?3, ending = ?4 WHERE id = ?1 AND mode = 'live'",
            params![attempt_id, stamp(at), total, format!("{}/{} stages", s.stages_done, s.stages)],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("live visit '{attempt_id}'")));
        }
        Ok(())
    }

    fn abandon_attempt(&mut self, attempt_id: &str, at: DateTime<Utc>) -> Result<()> {
        self.log.conn.execute(
            "UPDATE attempts SET status = 'abandoned', ended_at = ?2 WHERE id = ?1 AND status = 'in_progress'",
            params![attempt_id, stamp(at)],
        )?;
        Ok(())
    }

    fn unfinished(&self, trainee_id: &str) -> Result<Vec<Unfinished>> {
        let mut stmt = self.log.conn.prepare_cached(
            "SELECT id, playbook_id, playbook_hash, scenario_id, started_at FROM attempts
             WHERE trainee_id = ?1 AND status = 'in_progress' AND mode = 'practice' ORDER BY started_at",
        )?;
        let rows: Vec<(String, String, String, String, String)> = stmt
            .query_map([trainee_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::new();
        for (id, playbook_id, playbook_hash, scenario_id, started_at) in rows {
            let answers = self.transcript(&id)?;
            out.push(Unfinished {
                id,
                playbook_id,
                playbook_hash,
                scenario_id,
                started_at,
                answers,
            });
        }
        Ok(out)
    }

    fn unfinished_visits(&self, trainee_id: &str) -> Result<Vec<UnfinishedVisit>> {
        let mut stmt = self.log.conn.prepare_cached(
            "SELECT id, playbook_id, playbook_hash, started_at FROM attempts
             WHERE trainee_id = ?1 AND status = 'in_progress' AND mode = 'live' ORDER BY started_at",
        )?;
        let visits: Vec<(String, String, String, String)> = stmt
            .query_map([trainee_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<std::result::Result<_, _>>()?;
        let mut events = self.log.conn.prepare_cached(
            "SELECT at, kind, stage_id, item_id, value FROM live_events
             WHERE attempt_id = ?1 ORDER BY at, rowid",
        )?;
        let mut out = Vec::new();
        for (id, playbook_id, playbook_hash, started_at) in visits {
            let list = events
                .query_map([&id], |r| {
                    Ok(LiveEventRecord {
                        at: r.get(0)?,
                        kind: r.get(1)?,
                        stage: r.get(2)?,
                        item: r.get(3)?,
                        value: r.get(4)?,
                    })
                })?
                .collect::<std::result::Result<_, _>>()?;
            out.push(UnfinishedVisit {
                id,
                playbook_id,
                playbook_hash,
                started_at,
                events: list,
            });
        }
        Ok(out)
    }

    fn live_event(
        &mut self,
        attempt_id: &str,
        kind: &str,
        stage: Option<&str>,
        item: Option<&str>,
        value: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.log.conn.execute(
            "INSERT INTO live_events (id, attempt_id, at, kind, stage_id, item_id, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![new_id(), attempt_id, stamp(at), kind, stage, item, value],
        )?;
        Ok(())
    }
}

/// The default database: `progress.db` in the per-user data folder, created on first use.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "salesdojo").map(|d| d.data_dir().join("progress.db"))
}

/// Where the progress log is, as the command line (`--db`, `--report-db` and their
/// environment variables) or the app gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// A file, a team address (`postgres://…`), or `None` for the per-user default.
    pub db: Option<PathBuf>,
    /// Team mode: the server reports read from (a streaming replica), when not the team's own.
    pub report_db: Option<String>,
}

impl Location {
    /// The default log, or this file or team address.
    pub fn at(db: Option<PathBuf>) -> Location {
        Location {
            db,
            report_db: None,
        }
    }
}

/// Opens the log `at` says (the default database when it names none), creating the default
/// folder if needed.
pub fn open_default(at: &Location) -> Result<Store> {
    let explicit = at.db.as_deref();
    if let Some(url) = explicit
        .and_then(|p| p.to_str())
        .filter(|p| team::is_url(p))
    {
        let report_db = at.report_db.as_deref().filter(|u| !u.is_empty());
        return team::open_team(url, report_db);
    }
    match explicit {
        Some(p) => Store::open(p),
        None => {
            let p = default_path().ok_or_else(|| StoreError::Open {
                path: "(no home folder)".into(),
                reason: "no per-user data folder on this system; give --db PATH".into(),
            })?;
            if let Some(dir) = p.parent() {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                })?;
            }
            Store::open(&p)
        }
    }
}
