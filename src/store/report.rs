//! Report queries shared by the CLI and the GUI. Each takes a [`Filter`]; only the conditions
//! given are put in the SQL, so the indexes stay usable.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params, params_from_iter};
use serde::Serialize;

use super::export::ExportRow;
use super::records::{Local, Records};
use super::sql::{self, Dialect, Reading};
use super::{Result, StoreError, new_id, stamp};
use crate::playbook::Library;

/// Which attempts a report covers. Dates are `YYYY-MM-DD` (UTC); `until` is exclusive.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Filter {
    /// A trainee's name or id.
    pub trainee: Option<String>,
    pub team: Option<String>,
    pub playbook: Option<String>,
    pub scenario: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

impl Filter {
    /// ` AND …` conditions over `a` (attempts), `t` (trainees), `tm` (teams), with their values.
    pub fn sql(&self) -> (String, Vec<String>) {
        self.sql_over("a", "a.started_at")
    }

    /// The same conditions with the playbook and scenario read from `table` and the date
    /// range from `time`.
    pub fn sql_over(&self, table: &str, time: &str) -> (String, Vec<String>) {
        let mut sql = String::new();
        let mut vals = Vec::new();
        let mut add = |cond: String, v: &Option<String>| {
            if let Some(v) = v {
                vals.push(v.clone());
                sql.push_str(&cond.replace('?', &format!("?{}", vals.len())));
            }
        };
        // A subquery, not `t.name = ? OR t.id = ?`: the OR would make SQLite scan every
        // attempt instead of using the trainee index.
        add(
            format!(
                " AND {table}.trainee_id IN (SELECT id FROM trainees WHERE name = ? OR id = ?)"
            ),
            &self.trainee,
        );
        add(" AND tm.name = ?".into(), &self.team);
        add(format!(" AND {table}.playbook_id = ?"), &self.playbook);
        add(format!(" AND {table}.scenario_id = ?"), &self.scenario);
        add(format!(" AND {time} >= ?"), &self.since);
        add(format!(" AND {time} < ?"), &self.until);
        (sql, vals)
    }

    /// Whether the whole-history rollups answer this filter (they have no dates).
    pub fn whole_history(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether the per-day, per-team rollup answers this filter (it has no trainee or scenario).
    pub fn by_day_and_team(&self) -> bool {
        self.trainee.is_none() && self.scenario.is_none()
    }
}

/// Where a report reads from: the rollup tables when they can answer (the default), or always
/// the base tables (to check the rollups, and to compare the two in benchmarks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Plan {
    #[default]
    Rollups,
    BaseTables,
}

/// Attempts that do not count (yet): brought in from elsewhere and not verified. The rollups
/// leave them out by the `counted` column (schema v9); the base-table queries by this.
pub(crate) const UNCOUNTED: &str =
    "(SELECT attempt_id FROM verifications WHERE status <> 'verified')";

/// The points a criterion counts with: the latest manager override, else the original.
/// `overridden` is kept equal to the latest review's override by a trigger.
pub(crate) const EFFECTIVE: &str = "COALESCE(ac.overridden, ac.points)";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CriterionAverage {
    pub trainee: String,
    pub team: Option<String>,
    pub playbook: String,
    pub criterion: String,
    pub average: f64,
    pub attempts: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendPoint {
    /// `YYYY-MM-DD` (day) or `YYYY-Www` (week).
    pub period: String,
    pub attempts: i64,
    pub average: f64,
    pub pass_rate: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PassRate {
    pub playbook: String,
    pub scenario: String,
    pub attempts: i64,
    pub passed: i64,
    pub rate: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LeaderRow {
    pub trainee: String,
    pub team: Option<String>,
    pub attempts: i64,
    pub average: f64,
    pub passed: i64,
    pub certifications: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Weakest {
    /// A trainee's name or a team's name.
    pub who: String,
    pub criterion: String,
    pub average: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recommendation {
    pub playbook: String,
    pub scenario: String,
    pub criterion: String,
    pub average: f64,
    /// When the trainee last practised this scenario, if ever.
    pub last_practised: Option<String>,
}

/// A reviewer's override of one criterion of one attempt, beside what the scorer gave it: a
/// trainer's grade of a real reply.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OverrideRow {
    pub attempt: String,
    pub playbook: String,
    pub scenario: String,
    pub criterion: String,
    /// The scorer's points.
    pub scored: f64,
    /// The reviewer's.
    pub overridden: f64,
    /// When the review was written (RFC 3339).
    pub at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AttemptRow {
    pub id: String,
    pub trainee: String,
    pub team: Option<String>,
    pub playbook: String,
    pub version: i64,
    pub scenario: String,
    pub mode: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub status: String,
    /// The attempt's total as everything counts it: after a reviewer's overrides, if any.
    pub total: Option<f64>,
    /// The verdict as everything counts it: after a reviewer's overrides, if any.
    pub passed: Option<bool>,
    /// What scoring gave, before any override (equal to `total` when not reviewed).
    pub scored_total: Option<f64>,
    /// The verdict scoring gave, before any override (equal to `passed` when not reviewed).
    pub scored_passed: Option<bool>,
    /// A reviewer overrode at least one criterion: `total` and `passed` are the review's.
    pub reviewed: bool,
    /// For an attempt brought in from another database: `pending`, `verified`, `mismatch`
    /// (its stored total is not what its replies give) or `unverifiable`. `None`: scored here.
    pub verification: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReplyRow {
    pub seq: i64,
    pub turn: String,
    pub stage: String,
    pub kind: String,
    pub answer: String,
    pub seconds: f64,
    pub score: f64,
    pub result: serde_json::Value,
    pub script_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CriterionRow {
    pub criterion: String,
    pub points: f64,
    pub weight: f64,
    /// The latest override, if a manager set one; `points` stays the original.
    pub override_points: Option<f64>,
    pub overridden_by: Option<String>,
    pub overridden_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReviewRow {
    pub id: String,
    pub reviewer: String,
    pub at: String,
    pub comment: Option<String>,
    pub criterion: Option<String>,
    pub override_points: Option<f64>,
    /// The reply (its number) the comment is about; `None`: the whole attempt.
    pub reply: Option<i64>,
    /// The manager signed the attempt off.
    pub sign_off: bool,
    /// When the trainee acknowledged it.
    pub acknowledged_at: Option<String>,
}

/// A review of one of a trainee's attempts, as their home screen lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TraineeReview {
    pub attempt_id: String,
    pub playbook: String,
    pub scenario: String,
    /// When the attempt started.
    pub started_at: String,
    #[serde(flatten)]
    pub review: ReviewRow,
}

/// A trainee's question about one of their attempts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RequestRow {
    pub id: String,
    pub question: String,
    pub asked_at: String,
}

/// What re-scoring an imported attempt's replies found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VerificationRow {
    pub status: String,
    /// For a mismatch: the total and verdict its replies give.
    pub derived_total: Option<f64>,
    pub derived_passed: Option<bool>,
    pub note: Option<String>,
    pub checked_at: Option<String>,
}

/// One attempt in full: the transcript with each reply's points, trace and feedback, the
/// per-criterion results with overrides, and the reviews.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AttemptDetail {
    pub attempt: AttemptRow,
    pub replies: Vec<ReplyRow>,
    pub criteria: Vec<CriterionRow>,
    pub reviews: Vec<ReviewRow>,
    /// The trainee's questions for a reviewer, oldest first.
    pub requests: Vec<RequestRow>,
    /// For an attempt brought in from another database: what re-scoring its replies found.
    pub verification: Option<VerificationRow>,
    /// The published version it was played on, when it was played on one.
    pub published_version: Option<u32>,
}

impl AttemptRow {
    /// Whether reports count this attempt: scored here, or brought in and verified (a
    /// completed practice attempt from elsewhere counts only once verified). The same rule
    /// as the `counted` column (schema v9) and the team server's view.
    pub fn counted(&self) -> bool {
        !(self.status == "completed"
            && self.mode == "practice"
            && self
                .verification
                .as_deref()
                .is_some_and(|v| v != "verified"))
    }

    /// How an export states the attempt's verification: `yes` (scored here or verified),
    /// `pending`, `flagged` (its stored score is not what its replies give) or
    /// `unverifiable`; `None` for an attempt that is not completed.
    pub fn verified(&self) -> Option<&'static str> {
        if self.status != "completed" {
            return None;
        }
        Some(match self.verification.as_deref() {
            None | Some("verified") => "yes",
            Some("mismatch") => "flagged",
            Some("unverifiable") => "unverifiable",
            Some(_) => "pending",
        })
    }
}

impl sql::Run for Local {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn each(
        &self,
        q: &str,
        vals: &[String],
        row: &mut dyn FnMut(&dyn sql::Cells) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(q)?;
        let mut rows = stmt.query(params_from_iter(vals.iter()))?;
        while let Some(r) = rows.next()? {
            row(r)?;
        }
        Ok(())
    }
}

impl Records for Local {
    fn team_server(&self) -> Option<&str> {
        None
    }

    fn run(&self) -> &dyn sql::Run {
        self
    }

    fn reading(&self) -> Reading {
        Reading::sqlite(self.plan)
    }

    fn criterion_averages(&self, f: &Filter) -> Result<Vec<CriterionAverage>> {
        if self.plan == Plan::Rollups && !f.whole_history() {
            return self.criterion_averages_in_range(f);
        }
        let (q, vals) = sql::criterion_averages(f, self.reading());
        sql::all(self, &q, &vals, sql::criterion_average)
    }

    /// Calls `each` with the filter's attempts, newest first, at most `limit`, one at a time
    /// (whole-history work streams through this instead of holding every row).
    fn for_each_attempt(
        &self,
        f: &Filter,
        limit: usize,
        each: &mut dyn FnMut(AttemptRow) -> Result<()>,
    ) -> Result<()> {
        let (q, vals) = sql::attempts_streamed(f, limit.min(i64::MAX as usize), Dialect::Sqlite);
        let mut stmt = self.conn().prepare(&q)?;
        let mut rows = stmt.query(params_from_iter(vals.iter()))?;
        while let Some(r) = rows.next()? {
            each(sql::attempt_row(r)?)?;
        }
        Ok(())
    }

    fn for_each_export_row(
        &self,
        f: &Filter,
        each: &mut dyn FnMut(ExportRow) -> Result<()>,
    ) -> Result<()> {
        let (cond, vals) = f.sql();
        let sql = format!(
            "SELECT {}, t.id, t.pseudonym {} WHERE 1 = 1{cond} ORDER BY a.started_at, a.id",
            sql::attempt_cols(Dialect::Sqlite),
            sql::attempt_from(Dialect::Sqlite)
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let mut crit = self.conn().prepare_cached(&format!(
            "SELECT ac.criterion_id, {EFFECTIVE}, ac.weight
                 FROM attempt_criteria ac WHERE ac.attempt_id = ?1 ORDER BY ac.criterion_id"
        ))?;
        let mut said = self.conn().prepare_cached(
            "SELECT w.id, w.comment, w.reply_seq, r.turn_id, w.reviewer, w.at FROM reviews w
             LEFT JOIN replies r ON r.attempt_id = w.attempt_id AND r.seq = w.reply_seq
             WHERE w.attempt_id = ?1 AND w.comment IS NOT NULL AND w.comment <> '' ORDER BY w.at, w.id",
        )?;
        let mut rows = stmt.query(params_from_iter(vals.iter()))?;
        while let Some(r) = rows.next()? {
            let attempt = sql::attempt_row(r)?;
            let criteria = crit
                .query_map([&attempt.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<std::result::Result<_, _>>()?;
            let comments = said
                .query_map([&attempt.id], |r| {
                    Ok(super::export::ExportComment {
                        id: r.get(0)?,
                        text: r.get(1)?,
                        reply: r.get(2)?,
                        turn: r.get(3)?,
                        reviewer: r.get(4)?,
                        at: r.get(5)?,
                    })
                })?
                .collect::<std::result::Result<_, _>>()?;
            each(ExportRow {
                trainee_id: r.get(16)?,
                pseudonym: r.get(17)?,
                attempt,
                criteria,
                reply_points: None,
                comments,
            })?;
        }
        Ok(())
    }

    fn export_shape(&self, f: &Filter) -> Result<(u64, BTreeSet<String>)> {
        let (cond, vals) = f.sql();
        let n: i64 = self.conn().query_row(
            &format!(
                "SELECT COUNT(*) {} WHERE 1 = 1{cond}",
                sql::attempt_from(Dialect::Sqlite)
            ),
            params_from_iter(vals.iter()),
            |r| r.get(0),
        )?;
        let mut stmt = self.conn().prepare(&format!(
            "SELECT DISTINCT ac.criterion_id FROM attempt_criteria ac
             WHERE ac.attempt_id IN (SELECT a.id {} WHERE 1 = 1{cond})",
            sql::attempt_from(Dialect::Sqlite)
        ))?;
        let criteria = stmt
            .query_map(params_from_iter(vals.iter()), |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        Ok((n as u64, criteria))
    }

    /// Records what a practice attempt's verdict is judged by when it does not say (attempts
    /// finished before salesdojo kept it, or brought in from another database): the
    /// playbook's pass mark, and whether a conduct gate capped one of its replies (read from
    /// the replies' results). An override then judges the verdict again.
    fn judge_by(&self, attempt_id: &str, pass_mark: u8) -> Result<()> {
        self.conn.execute(
            "UPDATE attempts SET pass_mark = COALESCE(pass_mark, ?2),
                 gated = COALESCE(gated, EXISTS (SELECT 1 FROM replies r JOIN results s ON s.id = r.result_id
                     WHERE r.attempt_id = ?1 AND json_extract(s.json, '$.gate') IS NOT NULL))
             WHERE id = ?1 AND mode = 'practice' AND (pass_mark IS NULL OR gated IS NULL)",
            params![attempt_id, pass_mark],
        )?;
        Ok(())
    }

    /// After a review changed an attempt's verdict: the trainee is certified for its playbook
    /// version when every one of `scenarios` has a passed attempt, and no longer certified
    /// when that stopped being so. `true` when certified.
    fn settle_certification(
        &self,
        attempt_id: &str,
        scenarios: &[String],
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let (trainee, playbook, version): (String, String, i64) = self.conn.query_row(
            "SELECT trainee_id, playbook_id, playbook_version FROM attempts WHERE id = ?1",
            [attempt_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let certified = super::merge::certify_if_earned(
            &self.conn, &trainee, &playbook, version, scenarios, at,
        )?;
        if !certified {
            self.conn.execute(
                "DELETE FROM certifications WHERE trainee_id = ?1 AND playbook_id = ?2 AND playbook_version = ?3",
                params![trainee, playbook, version],
            )?;
        }
        Ok(certified)
    }

    fn publish(
        &self,
        playbook: &str,
        bundle: &crate::publish::Bundle,
        note: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<u32> {
        let version: i64 = self.conn.query_row(
            "INSERT INTO published (playbook_id, version, hash, format, files, note, published_by, published_at)
             SELECT ?1, COALESCE(MAX(version), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7
             FROM published WHERE playbook_id = ?1
             RETURNING version",
            params![
                playbook,
                bundle.hash(),
                crate::publish::FORMAT,
                bundle.to_json(),
                note,
                by,
                super::stamp(at)
            ],
            |r| r.get(0),
        )?;
        u32::try_from(version).map_err(|_| StoreError::Remote("a version out of range".into()))
    }

    fn add_assignment(&self, a: &crate::assign::Assignment) -> Result<Option<String>> {
        let (trainee, team) = a.target_ids();
        let added = self.conn.execute(
            "INSERT INTO assignments (id, playbook_id, scenario_id, trainee_id, team_id, due, pass_mark,
                                      retake_after_days, retake_max, assigned_by, assigned_at, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT DO NOTHING",
            params![
                a.id,
                a.playbook,
                a.scenario,
                trainee,
                team,
                a.due.to_string(),
                a.pass_mark,
                a.retake.after_days,
                a.retake.max,
                a.assigned_by,
                a.assigned_at,
                a.note
            ],
        )?;
        if added == 1 {
            return Ok(None);
        }
        Ok(Some(self.conn.query_row(
            "SELECT id FROM assignments WHERE playbook_id = ?1 AND COALESCE(scenario_id, '') = ?2
               AND COALESCE(trainee_id, '') = ?3 AND COALESCE(team_id, '') = ?4",
            params![
                a.playbook,
                a.scenario.as_deref().unwrap_or(""),
                trainee.unwrap_or(""),
                team.unwrap_or("")
            ],
            |r| r.get(0),
        )?))
    }

    fn add_review(&self, r: &super::NewReview<'_>) -> Result<String> {
        let exists: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM attempts WHERE id = ?1",
                [r.attempt_id],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("attempt '{}'", r.attempt_id)));
        }
        if let Some((criterion, _)) = r.over {
            let known: Option<String> = self
                .conn
                .query_row(
                    "SELECT criterion_id FROM attempt_criteria WHERE attempt_id = ?1 AND criterion_id = ?2",
                    params![r.attempt_id, criterion],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Err(StoreError::NotFound(format!(
                    "criterion '{criterion}' in attempt '{}'",
                    r.attempt_id
                )));
            }
        }
        let id = new_id();
        self.conn.execute(
            "INSERT INTO reviews (id, attempt_id, reviewer, at, comment, criterion_id, override_points, reply_seq, sign_off)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                r.attempt_id,
                r.reviewer,
                stamp(r.at),
                r.comment,
                r.over.map(|o| o.0),
                r.over.map(|o| o.1.clamp(0.0, 100.0)),
                r.reply,
                r.sign_off
            ],
        )?;
        Ok(id)
    }

    /// [`Records::readiness`] read without a copy per row: the criteria of the window from
    /// their covering index in date order, each added to the tally as borrowed text (185 000
    /// rows for everyone on the demo history).
    fn readiness(
        &self,
        today: chrono::NaiveDate,
        trainee: Option<&super::Trainee>,
        playbook: Option<&str>,
    ) -> Result<Vec<crate::readiness::Cell>> {
        let mut tally = crate::readiness::Tally::new(today);
        let since = crate::readiness::since(today)
            .format("%Y-%m-%d")
            .to_string();
        let mut vals = vec![since];
        let mut only = String::new();
        if let Some(t) = trainee {
            vals.push(t.id.clone());
            only.push_str(&format!(" AND ac.trainee_id = ?{}", vals.len()));
        }
        if let Some(p) = playbook {
            vals.push(p.to_owned());
            only.push_str(&format!(" AND ac.playbook_id = ?{}", vals.len()));
        }
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT ac.trainee_id, ac.playbook_id, ac.criterion_id, ac.started_at, {EFFECTIVE}
             FROM attempt_criteria ac WHERE ac.started_at >= ?1 AND ac.attempt_id NOT IN {UNCOUNTED}{only}"
        ))?;
        fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
            r.get_ref(i)?.as_str().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
            })
        }
        let mut rows = stmt.query(params_from_iter(vals.iter()))?;
        while let Some(r) = rows.next()? {
            tally.add(
                text(r, 0)?,
                text(r, 1)?,
                text(r, 2)?,
                text(r, 3)?,
                1,
                r.get(4)?,
            );
        }
        let everyone = match trainee {
            Some(t) => vec![t.clone()],
            None => self.trainees()?,
        };
        Ok(tally.finish(&everyone))
    }

    fn write(&self, sql: &str, vals: &[String]) -> Result<()> {
        self.conn.execute(sql, params_from_iter(vals.iter()))?;
        Ok(())
    }

    fn request_review(
        &self,
        trainee_id: &str,
        attempt_id: &str,
        question: &str,
        at: DateTime<Utc>,
    ) -> Result<String> {
        let owner: Option<String> = self
            .conn
            .query_row(
                "SELECT trainee_id FROM attempts WHERE id = ?1",
                [attempt_id],
                |r| r.get(0),
            )
            .optional()?;
        match owner {
            None => return Err(StoreError::NotFound(format!("attempt '{attempt_id}'"))),
            Some(o) if o != trainee_id => {
                return Err(StoreError::Declined(crate::msg::review_request_not_yours()));
            }
            Some(_) => {}
        }
        let id = new_id();
        self.conn.execute(
            "INSERT INTO review_requests (id, attempt_id, question, asked_at) VALUES (?1, ?2, ?3, ?4)",
            params![id, attempt_id, question, stamp(at)],
        )?;
        Ok(id)
    }

    fn acknowledge_review(
        &self,
        trainee_id: &str,
        review_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let owner: Option<String> = self
            .conn
            .query_row(
                "SELECT a.trainee_id FROM reviews w JOIN attempts a ON a.id = w.attempt_id WHERE w.id = ?1",
                [review_id],
                |r| r.get(0),
            )
            .optional()?;
        match owner {
            None => return Err(StoreError::NotFound(format!("review '{review_id}'"))),
            Some(o) if o != trainee_id => {
                return Err(StoreError::Declined(crate::msg::review_ack_not_yours()));
            }
            Some(_) => {}
        }
        let n = self.conn.execute(
            "INSERT INTO review_acks (review_id, acked_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![review_id, stamp(at)],
        )?;
        Ok(n == 1)
    }
}

impl Local {
    /// [`Records::criterion_averages`] of a date range: the criteria rows of the range read in
    /// date order from their covering index and summed here, which is 2–3× faster than
    /// SQLite's GROUP BY over a temporary B-tree (a quarter of the demo database: 162 000
    /// rows). The same result as [`sql::criterion_averages`] gives.
    fn criterion_averages_in_range(&self, f: &Filter) -> Result<Vec<CriterionAverage>> {
        use std::collections::HashMap;
        let (cond, vals) = f.sql_over("ac", "ac.started_at");
        let teams = if f.team.is_some() {
            " JOIN trainees t ON t.id = ac.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id"
        } else {
            ""
        };
        let sql = format!(
            "SELECT ac.trainee_id, ac.playbook_id, ac.criterion_id, {EFFECTIVE}
             FROM attempt_criteria ac{teams} WHERE ac.attempt_id NOT IN {UNCOUNTED}{cond}"
        );
        // Ids are interned so a row costs hash lookups, not allocations.
        fn intern(ids: &mut HashMap<String, u32>, names: &mut Vec<String>, s: &str) -> u32 {
            if let Some(i) = ids.get(s) {
                return *i;
            }
            let i = names.len() as u32;
            ids.insert(s.to_owned(), i);
            names.push(s.to_owned());
            i
        }
        fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
            r.get_ref(i)?.as_str().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
            })
        }
        let (mut ids, mut names) = (HashMap::new(), Vec::new());
        let mut sums: HashMap<(u32, u32, u32), (f64, i64)> = HashMap::new();
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(vals.iter()))?;
        while let Some(r) = rows.next()? {
            let key = (
                intern(&mut ids, &mut names, text(r, 0)?),
                intern(&mut ids, &mut names, text(r, 1)?),
                intern(&mut ids, &mut names, text(r, 2)?),
            );
            let points: f64 = r.get(3)?;
            let e = sums.entry(key).or_insert((0.0, 0));
            e.0 += points;
            e.1 += 1;
        }
        let mut who: HashMap<String, (String, Option<String>)> = HashMap::new();
        let mut stmt = self.conn().prepare_cached(
            "SELECT t.id, t.name, tm.name FROM trainees t LEFT JOIN teams tm ON tm.id = t.team_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            who.insert(r.get(0)?, (r.get(1)?, r.get(2)?));
        }
        let name = |i: u32| names.get(i as usize).map_or("", String::as_str);
        let mut out: Vec<(&str, CriterionAverage)> = sums
            .into_iter()
            .filter_map(|((t, p, c), (sum, n))| {
                let (trainee, team) = who.get(name(t))?.clone();
                Some((
                    name(t),
                    CriterionAverage {
                        trainee,
                        team,
                        playbook: name(p).to_owned(),
                        criterion: name(c).to_owned(),
                        average: sum / n as f64,
                        attempts: n,
                    },
                ))
            })
            .collect();
        out.sort_by(|(ia, a), (ib, b)| {
            (&a.trainee, ia, &a.playbook, &a.criterion).cmp(&(
                &b.trainee,
                ib,
                &b.playbook,
                &b.criterion,
            ))
        });
        Ok(out.into_iter().map(|(_, a)| a).collect())
    }
}

/// A trainee's record on one scenario.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScenarioRecord {
    pub scenario: String,
    pub attempts: i64,
    pub best: f64,
    pub passed: bool,
}

/// Averages by key (a criterion, or `playbook/stage`), sorted by key.
pub type Averages = Vec<(String, f64)>;

/// Averages per criterion and per stage over everyone in `rows`, weighted by attempts. A
/// criterion counts under each stage whose turns score it (in the playbook it belongs to);
/// stages are named `playbook/stage`.
pub fn criterion_and_stage_averages(
    lib: &Library,
    rows: &[CriterionAverage],
) -> (Averages, Averages) {
    use std::collections::BTreeMap;
    let mut crit: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut stage: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for r in rows {
        let w = r.attempts as f64;
        let c = crit.entry(r.criterion.clone()).or_default();
        c.0 += r.average * w;
        c.1 += w;
        let Some(pb) = lib.playbook(&r.playbook) else {
            continue;
        };
        let stages: std::collections::BTreeSet<&str> = pb
            .scenarios
            .iter()
            .flat_map(|s| &s.turns)
            .filter(|t| t.criteria.contains(&r.criterion))
            .map(|t| t.stage.as_str())
            .collect();
        for st in stages {
            let e = stage.entry(format!("{}/{st}", pb.id)).or_default();
            e.0 += r.average * w;
            e.1 += w;
        }
    }
    let avg = |m: BTreeMap<String, (f64, f64)>| -> Averages {
        m.into_iter()
            .filter(|(_, (_, w))| *w > 0.0)
            .map(|(k, (sum, w))| (k, sum / w))
            .collect()
    };
    let mut stages = avg(stage);
    // Stages in the order of the sales process: playbook by playbook, as each lists them.
    let place = |key: &str| {
        let (pb, st) = key.split_once('/').unwrap_or(("", key));
        let p = lib.playbooks.iter().position(|p| p.id == pb);
        let s = p.and_then(|p| lib.playbooks[p].stages.iter().position(|s| s.id == st));
        (p.unwrap_or(usize::MAX), s.unwrap_or(usize::MAX))
    };
    stages.sort_by_key(|(k, _)| place(k));
    (avg(crit), stages)
}

/// Criterion titles in `lang` (`zh-CN` or `en`): of the playbook given, or of every playbook.
/// Titles are per playbook: where playbooks title the same id differently, they are joined
/// ("职业操守 / 诚信与分寸"); an id no playbook has keeps its id.
pub fn criterion_titles(
    lib: &Library,
    playbook: Option<&str>,
    lang: &str,
) -> std::collections::BTreeMap<String, String> {
    let mut titles: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for pb in lib
        .playbooks
        .iter()
        .filter(|p| playbook.is_none_or(|id| p.id == id))
    {
        for c in &pb.rubric.criteria {
            let t = c.title.get(lang).to_owned();
            let seen = titles.entry(c.id.clone()).or_default();
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
    }
    titles
        .into_iter()
        .map(|(id, t)| (id, t.join(" / ")))
        .collect()
}

/// A trainee × criterion grid of averages, weighted by attempts where a trainee has a
/// criterion in several playbooks: rows in the order of `trainees` (then any others), at most
/// `max_rows`; columns `criteria`. `None` where the trainee has no score on the criterion.
pub fn heatmap(
    rows: &[CriterionAverage],
    trainees: &[String],
    criteria: &[String],
    max_rows: usize,
) -> Vec<(String, Vec<Option<f64>>)> {
    use std::collections::HashMap;
    let mut order: Vec<String> = trainees.to_vec();
    let mut cells: HashMap<(&str, &str), (f64, f64)> = HashMap::new();
    for r in rows {
        if !order.contains(&r.trainee) && order.len() < max_rows {
            order.push(r.trainee.clone());
        }
        let e = cells.entry((&r.trainee, &r.criterion)).or_default();
        e.0 += r.average * r.attempts as f64;
        e.1 += r.attempts as f64;
    }
    order.truncate(max_rows);
    order
        .into_iter()
        .map(|t| {
            let row = criteria
                .iter()
                .map(|c| {
                    cells
                        .get(&(t.as_str(), c.as_str()))
                        .filter(|(_, w)| *w > 0.0)
                        .map(|(s, w)| s / w)
                })
                .collect();
            (t, row)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{CriterionAverage, heatmap};

    fn row(
        trainee: &str,
        playbook: &str,
        criterion: &str,
        average: f64,
        attempts: i64,
    ) -> CriterionAverage {
        CriterionAverage {
            trainee: trainee.into(),
            team: None,
            playbook: playbook.into(),
            criterion: criterion.into(),
            average,
            attempts,
        }
    }

    #[test]
    fn heatmap_weights_by_attempts_keeps_the_given_order_and_leaves_gaps() {
        let rows = [
            row("b", "p1", "asks", 80.0, 3),
            row("b", "p2", "asks", 40.0, 1),
            row("a", "p1", "asks", 50.0, 2),
            row("c", "p1", "close", 90.0, 1),
        ];
        let crit = ["asks".to_owned(), "close".to_owned()];
        let grid = heatmap(&rows, &["a".to_owned()], &crit, 2);
        assert_eq!(grid.len(), 2, "at most two rows");
        assert_eq!(grid[0], ("a".to_owned(), vec![Some(50.0), None]));
        // b: (80×3 + 40×1) / 4 = 70
        assert_eq!(grid[1], ("b".to_owned(), vec![Some(70.0), None]));
    }
}
