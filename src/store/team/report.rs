//! The reports, the review view's queries and the exports, run on the team server: the same
//! rows as [`crate::store::report`] gives on a client's log for the same data (a test runs
//! every one on both and compares). Row-level security decides which rows a login reads.
//!
//! Orderings name `COLLATE "C"` (SQLite compares text by bytes; a server's default collation
//! may not) and `NULLS FIRST` where SQLite puts NULL first.

use std::sync::Mutex;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use postgres::{Client, Row};

use crate::store::export::ExportRow;
use crate::store::records::Records;
use crate::store::report::{
    AttemptDetail, AttemptRow, CriterionAverage, CriterionRow, Filter, LeaderRow, PassRate,
    ReplyRow, ReviewRow, ScenarioRecord, TrendPoint, VerificationRow, Weakest,
};
use crate::store::{Result, StoreError, Trainee};

/// A team server the reports read from (the database's own, or a replica).
pub struct Remote {
    client: Mutex<Client>,
    pub shown: String,
    /// The login sees whole teams (a manager, verifier, admin or the owner): the per-day,
    /// per-team rollup answers its trends.
    sees_teams: bool,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote").field("at", &self.shown).finish()
    }
}

/// Column `i` of a row the server sent, as `T`; a clear error (never a panic) when the
/// server's column is not what this version reads, as after an admin altered it.
fn col<'a, T: postgres::types::FromSql<'a>>(r: &'a Row, i: usize) -> Result<T> {
    r.try_get(i).map_err(|e| {
        StoreError::Remote(format!(
            "column {i} ({}) of a row the server sent: {e}",
            r.columns().get(i).map_or("?", |c| c.name())
        ))
    })
}

fn err(e: postgres::Error) -> StoreError {
    StoreError::Remote(match e.as_db_error() {
        Some(d) => d.message().to_owned(),
        None => super::error_chain(&e),
    })
}

/// `?N` placeholders (SQLite's) as `$N` (PostgreSQL's).
fn dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

const FROM: &str = "FROM attempt_results a JOIN trainees t ON t.id = a.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id";

const ATTEMPT_COLS: &str = "a.id, t.name, tm.name, a.playbook_id, a.playbook_version, a.scenario_id, a.mode, a.started_at, a.ended_at, a.status, a.total, a.passed, a.verification, a.scored_total, a.reviewed, a.scored_passed";

fn attempt_row(r: &Row) -> Result<AttemptRow> {
    Ok(AttemptRow {
        id: col(r, 0)?,
        trainee: col(r, 1)?,
        team: col(r, 2)?,
        playbook: col(r, 3)?,
        version: i64::from(col::<i32>(r, 4)?),
        scenario: col(r, 5)?,
        mode: col(r, 6)?,
        started_at: col(r, 7)?,
        ended_at: col(r, 8)?,
        status: col(r, 9)?,
        total: col(r, 10)?,
        passed: col::<Option<i32>>(r, 11)?.map(|p| p != 0),
        verification: col(r, 12)?,
        scored_total: col(r, 13)?,
        reviewed: col(r, 14)?,
        scored_passed: col::<Option<i32>>(r, 15)?.map(|p| p != 0),
    })
}

impl Remote {
    pub fn new(mut client: Client, shown: String) -> Remote {
        let role: Option<String> = client
            .query_opt("SELECT role FROM whoami", &[])
            .ok()
            .flatten()
            .and_then(|r| r.try_get(0).ok());
        let sees_teams = role
            .as_deref()
            .is_none_or(|r| r != "trainee" && r != "trainer");
        Remote {
            client: Mutex::new(client),
            shown,
            sees_teams,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut c = self
            .client
            .lock()
            .map_err(|_| StoreError::Remote("the connection was lost by a failed query".into()))?;
        f(&mut c)
    }

    /// Runs a report query and decodes each row with `decode`.
    fn rows<T>(
        &self,
        sql: &str,
        vals: &[String],
        decode: impl Fn(&Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.query(sql, vals)?.iter().map(decode).collect()
    }

    /// Runs a report query in one round trip: every value is text (the filter's), so it is
    /// sent typed with the statement instead of preparing it first.
    fn query(&self, sql: &str, vals: &[String]) -> Result<Vec<Row>> {
        let params: Vec<(&(dyn ToSql + Sync), Type)> = vals
            .iter()
            .map(|v| (v as &(dyn ToSql + Sync), Type::TEXT))
            .collect();
        self.with(|c| c.query_typed(&dollars(sql), &params).map_err(err))
    }
}

impl Records for Remote {
    fn team_server(&self) -> Option<&str> {
        Some(&self.shown)
    }

    fn criterion_averages(&self, f: &Filter) -> Result<Vec<CriterionAverage>> {
        let (sql, vals) = criterion_averages_sql(f);
        self.rows(&sql, &vals, |r| {
            Ok(CriterionAverage {
                trainee: col(r, 0)?,
                team: col(r, 1)?,
                playbook: col(r, 2)?,
                criterion: col(r, 3)?,
                average: col(r, 4)?,
                attempts: col(r, 5)?,
            })
        })
    }

    fn trend(&self, f: &Filter, weekly: bool) -> Result<Vec<TrendPoint>> {
        let (sql, vals) = trend_sql(f, weekly, self.sees_teams);
        self.rows(&sql, &vals, |r| {
            Ok(TrendPoint {
                period: col(r, 0)?,
                attempts: col(r, 1)?,
                average: col::<Option<f64>>(r, 2)?.unwrap_or(0.0),
                pass_rate: col::<Option<f64>>(r, 3)?.unwrap_or(0.0),
            })
        })
    }

    fn pass_rates(&self, f: &Filter) -> Result<Vec<PassRate>> {
        let (sql, vals) = pass_rates_sql(f);
        self.rows(&sql, &vals, |r| {
            let (n, p): (i64, i64) = (col(r, 2)?, col(r, 3)?);
            Ok(PassRate {
                playbook: col(r, 0)?,
                scenario: col(r, 1)?,
                attempts: n,
                passed: p,
                rate: if n > 0 { p as f64 / n as f64 } else { 0.0 },
            })
        })
    }

    fn leaderboard(&self, f: &Filter, limit: usize) -> Result<Vec<LeaderRow>> {
        let (sql, vals) = leaderboard_sql(f, limit);
        self.rows(&sql, &vals, |r| {
            Ok(LeaderRow {
                trainee: col(r, 0)?,
                team: col(r, 1)?,
                attempts: col(r, 2)?,
                average: col::<Option<f64>>(r, 3)?.unwrap_or(0.0),
                passed: col(r, 4)?,
                certifications: col(r, 5)?,
            })
        })
    }

    fn weakest(&self, f: &Filter, by_team: bool) -> Result<Vec<Weakest>> {
        let (sql, vals) = weakest_sql(f, by_team);
        self.rows(&sql, &vals, |r| {
            Ok(Weakest {
                who: col(r, 0)?,
                criterion: col(r, 1)?,
                average: col(r, 2)?,
            })
        })
    }

    fn attempts(&self, f: &Filter, limit: usize) -> Result<Vec<AttemptRow>> {
        let (sql, vals) = attempts_sql(f, limit);
        self.rows(&sql, &vals, attempt_row)
    }

    /// Streams the filter's attempts, newest first, at most `limit`.
    fn for_each_attempt(
        &self,
        f: &Filter,
        limit: usize,
        each: &mut dyn FnMut(AttemptRow) -> Result<()>,
    ) -> Result<()> {
        let (cond, vals) = f.sql();
        let limit = limit.min(i64::MAX as usize);
        let sql = dollars(&format!(
            "SELECT {ATTEMPT_COLS} {FROM} WHERE true{cond}
             ORDER BY a.started_at COLLATE \"C\" DESC, a.id COLLATE \"C\" DESC LIMIT {limit}"
        ));
        self.with(|c| {
            let mut tx = c.transaction().map_err(err)?;
            let params: Vec<&(dyn ToSql + Sync)> =
                vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            let mut rows = tx.query_raw(&sql, params).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                each(attempt_row(&r)?)?;
            }
            drop(rows);
            tx.commit().map_err(err)
        })
    }

    fn attempt_detail(&self, id: &str) -> Result<AttemptDetail> {
        let prefix = id.to_lowercase();
        let ids: Vec<String> = self
            .rows(
                "SELECT id FROM attempts WHERE id COLLATE \"C\" >= ?1 AND id COLLATE \"C\" < ?1 || '~' LIMIT 2",
                std::slice::from_ref(&prefix), |r| col(r, 0))?;
        let id = match ids.as_slice() {
            [one] => one.clone(),
            [] => return Err(StoreError::NotFound(format!("attempt '{id}'"))),
            _ => {
                return Err(StoreError::NotFound(format!(
                    "attempt '{id}' (the prefix matches several; give more of the id)"
                )));
            }
        };
        let one = std::slice::from_ref(&id);
        let attempt = self
            .query(
                &format!("SELECT {ATTEMPT_COLS} {FROM} WHERE a.id = ?1"),
                one,
            )?
            .first()
            .map(attempt_row)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("attempt '{id}'")))?;
        let replies = self
            .rows(
                "SELECT r.seq, r.turn_id, r.stage_id, r.answer_kind, r.answer, r.seconds, r.score, res.json, r.script_error
                 FROM replies r JOIN results res ON res.id = r.result_id WHERE r.attempt_id = ?1 ORDER BY r.seq",
                one, |r| Ok(ReplyRow {
                seq: i64::from(col::<i32>(r, 0)?),
                turn: col(r, 1)?,
                stage: col(r, 2)?,
                kind: col(r, 3)?,
                answer: col(r, 4)?,
                seconds: col(r, 5)?,
                score: col(r, 6)?,
                result: serde_json::from_str(col::<&str>(r, 7)?).unwrap_or(serde_json::Value::Null),
                script_error: col(r, 8)?,
            }))?;
        let criteria = self.rows(
            "SELECT criterion_id, points, weight, overridden, overridden_by, overridden_at
                 FROM criteria_results WHERE attempt_id = ?1 ORDER BY criterion_id COLLATE \"C\"",
            one,
            |r| {
                Ok(CriterionRow {
                    criterion: col(r, 0)?,
                    points: col(r, 1)?,
                    weight: col(r, 2)?,
                    override_points: col(r, 3)?,
                    overridden_by: col(r, 4)?,
                    overridden_at: col(r, 5)?,
                })
            },
        )?;
        let reviews = self.rows(
            "SELECT reviewer, at, comment, criterion_id, override_points FROM reviews
                 WHERE attempt_id = ?1 ORDER BY at COLLATE \"C\", seq",
            one,
            |r| {
                Ok(ReviewRow {
                    reviewer: col(r, 0)?,
                    at: col(r, 1)?,
                    comment: col(r, 2)?,
                    criterion: col(r, 3)?,
                    override_points: col(r, 4)?,
                })
            },
        )?;
        let verification = self
            .query(
                "SELECT status, derived_total, derived_passed, note, checked_at FROM verifications WHERE attempt_id = ?1",
                one,
            )?
            .first()
            .map(|r| -> Result<VerificationRow> {
                Ok(VerificationRow {
                    status: col(r, 0)?,
                    derived_total: col(r, 1)?,
                    derived_passed: col::<Option<i32>>(r, 2)?.map(|p| p != 0),
                    note: col(r, 3)?,
                    checked_at: col(r, 4)?,
                })
            })
            .transpose()?
            .or_else(|| {
                // A claim the verifier has not judged yet.
                (attempt.verification.as_deref() == Some("pending")).then(|| VerificationRow {
                    status: "pending".into(),
                    derived_total: None,
                    derived_passed: None,
                    note: None,
                    checked_at: None,
                })
            });
        Ok(AttemptDetail {
            attempt,
            replies,
            criteria,
            reviews,
            verification,
        })
    }

    /// A manager's review, written on the server: the reviewer is the signed-in login
    /// (the server forces it), and row-level security refuses an attempt outside their teams.
    fn add_review(
        &self,
        attempt_id: &str,
        _reviewer: &str,
        comment: Option<&str>,
        over: Option<(&str, f64)>,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<String> {
        let found = self.query(
            "SELECT 1 FROM attempts WHERE id = ?1",
            &[attempt_id.to_owned()],
        )?;
        if found.is_empty() {
            return Err(StoreError::NotFound(format!("attempt '{attempt_id}'")));
        }
        if let Some((criterion, _)) = over {
            let known = self.query(
                "SELECT 1 FROM attempt_criteria WHERE attempt_id = ?1 AND criterion_id = ?2",
                &[attempt_id.to_owned(), criterion.to_owned()],
            )?;
            if known.is_empty() {
                return Err(StoreError::NotFound(format!(
                    "criterion '{criterion}' in attempt '{attempt_id}'"
                )));
            }
        }
        let id = crate::store::new_id();
        let at = crate::store::stamp(at);
        let criterion = over.map(|o| o.0.to_owned());
        let points = over.map(|o| o.1.clamp(0.0, 100.0));
        self.with(|c| {
            c.execute(
                "INSERT INTO reviews (id, attempt_id, at, comment, criterion_id, override_points)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&id, &attempt_id, &at, &comment, &criterion, &points],
            )
            .map_err(err)
        })?;
        Ok(id)
    }

    /// The server's attempt says what it is judged by.
    fn judge_by(&self, _attempt_id: &str, _pass_mark: u8) -> Result<()> {
        Ok(())
    }

    /// Certifications are the verifier's to grant (from verified attempts).
    fn settle_certification(
        &self,
        _attempt_id: &str,
        _scenarios: &[String],
        _at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        Ok(false)
    }

    fn completed_practice_count(&self, f: &Filter) -> Result<u64> {
        let (cond, vals) = f.sql();
        let rows = self.query(
            &format!(
                "SELECT COUNT(*) {FROM} WHERE a.status = 'completed' AND a.mode = 'practice'{cond}"
            ),
            &vals,
        )?;
        let n = rows
            .first()
            .map(|r| col::<i64>(r, 0))
            .transpose()?
            .unwrap_or(0);
        Ok(n as u64)
    }

    /// When the trainee last practised a scenario.
    fn last_practised(
        &self,
        trainee: &str,
        playbook: &str,
        scenario: &str,
    ) -> Result<Option<String>> {
        Ok(self
            .query(
                "SELECT MAX(a.started_at COLLATE \"C\") FROM attempts a
                 WHERE a.trainee_id IN (SELECT id FROM trainees WHERE name = ?1 OR id = ?1)
                   AND a.playbook_id = ?2 AND a.scenario_id = ?3",
                &[trainee.to_owned(), playbook.to_owned(), scenario.to_owned()],
            )?
            .first()
            .map(|r| col::<Option<String>>(r, 0))
            .transpose()?
            .flatten())
    }

    fn trainees(&self) -> Result<Vec<Trainee>> {
        self
            .rows(
                "SELECT t.id, t.name, tm.name, t.pseudonym FROM trainees t LEFT JOIN teams tm ON tm.id = t.team_id
                 ORDER BY t.name COLLATE \"C\", tm.name COLLATE \"C\" NULLS FIRST",
                &[], |r| Ok(Trainee {
                id: col(r, 0)?,
                name: col(r, 1)?,
                team: col(r, 2)?,
                pseudonym: col(r, 3)?,
            }))
    }

    fn scenario_records(&self, trainee_id: &str, playbook: &str) -> Result<Vec<ScenarioRecord>> {
        self
            .rows(
                "SELECT a.scenario_id, COUNT(*), MAX(a.total), MAX(a.passed) FROM attempt_results a
                 WHERE a.trainee_id = ?1 AND a.playbook_id = ?2 AND a.status = 'completed' AND a.mode = 'practice' AND a.counted
                 GROUP BY a.scenario_id ORDER BY a.scenario_id COLLATE \"C\"",
                &[trainee_id.to_owned(), playbook.to_owned()], |r| Ok(ScenarioRecord {
                scenario: col(r, 0)?,
                attempts: col(r, 1)?,
                best: col::<Option<f64>>(r, 2)?.unwrap_or(0.0),
                passed: col::<Option<i32>>(r, 3)?.unwrap_or(0) != 0,
            }))
    }

    fn is_certified(&self, trainee_id: &str, playbook: &str) -> Result<bool> {
        Ok(!self
            .query(
                "SELECT 1 FROM certifications WHERE trainee_id = ?1 AND playbook_id = ?2 LIMIT 1",
                &[trainee_id.to_owned(), playbook.to_owned()],
            )?
            .is_empty())
    }

    fn scenario_totals(
        &self,
        trainee_id: &str,
        playbook: &str,
        scenario: &str,
    ) -> Result<Vec<(String, f64)>> {
        self
            .rows(
                "SELECT started_at, total FROM attempt_results WHERE trainee_id = ?1 AND playbook_id = ?2
                   AND scenario_id = ?3 AND status = 'completed' AND counted AND total IS NOT NULL
                 ORDER BY started_at COLLATE \"C\"",
                &[trainee_id.to_owned(), playbook.to_owned(), scenario.to_owned()], |r| Ok((col(r, 0)?, col(r, 1)?)))
    }

    /// Streams every attempt of the filter in order of start with its criteria (one query:
    /// the criteria come as arrays beside their attempt).
    fn for_each_export_row(
        &self,
        f: &Filter,
        each: &mut dyn FnMut(ExportRow) -> Result<()>,
    ) -> Result<()> {
        let (cond, vals) = f.sql();
        let sql = dollars(&format!(
            "SELECT {ATTEMPT_COLS}, t.id, t.pseudonym,
                    ARRAY(SELECT c.criterion_id FROM criteria_results c WHERE c.attempt_id = a.id ORDER BY c.criterion_id COLLATE \"C\"),
                    ARRAY(SELECT COALESCE(c.overridden, c.points) FROM criteria_results c WHERE c.attempt_id = a.id ORDER BY c.criterion_id COLLATE \"C\"),
                    ARRAY(SELECT c.weight FROM criteria_results c WHERE c.attempt_id = a.id ORDER BY c.criterion_id COLLATE \"C\"),
                    ARRAY(SELECT r.id FROM replies r JOIN reply_points p ON p.reply_id = r.id WHERE r.attempt_id = a.id
                          ORDER BY r.seq, p.criterion_id COLLATE \"C\"),
                    ARRAY(SELECT r.turn_id FROM replies r JOIN reply_points p ON p.reply_id = r.id WHERE r.attempt_id = a.id
                          ORDER BY r.seq, p.criterion_id COLLATE \"C\"),
                    ARRAY(SELECT r.created_at FROM replies r JOIN reply_points p ON p.reply_id = r.id WHERE r.attempt_id = a.id
                          ORDER BY r.seq, p.criterion_id COLLATE \"C\"),
                    ARRAY(SELECT p.criterion_id FROM replies r JOIN reply_points p ON p.reply_id = r.id WHERE r.attempt_id = a.id
                          ORDER BY r.seq, p.criterion_id COLLATE \"C\"),
                    ARRAY(SELECT p.points FROM replies r JOIN reply_points p ON p.reply_id = r.id WHERE r.attempt_id = a.id
                          ORDER BY r.seq, p.criterion_id COLLATE \"C\")
             {FROM} WHERE true{cond} ORDER BY a.started_at COLLATE \"C\", a.id COLLATE \"C\""
        ));
        self.with(|c| {
            let mut tx = c.transaction().map_err(err)?;
            let params: Vec<&(dyn ToSql + Sync)> =
                vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            let mut rows = tx.query_raw(&sql, params).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                let ids: Vec<String> = col(&r, 18)?;
                let points: Vec<f64> = col(&r, 19)?;
                let weights: Vec<f64> = col(&r, 20)?;
                let (ids2, turns, ats, crits): (
                    Vec<String>,
                    Vec<String>,
                    Vec<String>,
                    Vec<String>,
                ) = (col(&r, 21)?, col(&r, 22)?, col(&r, 23)?, col(&r, 24)?);
                let pts: Vec<f64> = col(&r, 25)?;
                let reply_points = ids2
                    .into_iter()
                    .zip(turns)
                    .zip(ats)
                    .zip(crits)
                    .zip(pts)
                    .map(|((((i, t), at), c), p)| (i, t, at, c, p))
                    .collect();
                each(ExportRow {
                    attempt: attempt_row(&r)?,
                    trainee_id: col(&r, 16)?,
                    pseudonym: col(&r, 17)?,
                    criteria: ids
                        .into_iter()
                        .zip(points)
                        .zip(weights)
                        .map(|((c, p), w)| (c, p, w))
                        .collect(),
                    reply_points: Some(reply_points),
                })?;
            }
            drop(rows);
            tx.commit().map_err(err)
        })
    }

    /// How many attempts the filter selects, and their criteria (a CSV's columns).
    fn export_shape(&self, f: &Filter) -> Result<(u64, std::collections::BTreeSet<String>)> {
        let (cond, vals) = f.sql();
        let n: i64 = self
            .query(&format!("SELECT COUNT(*) {FROM} WHERE true{cond}"), &vals)?
            .first()
            .map(|r| col::<i64>(r, 0))
            .transpose()?
            .unwrap_or(0);
        let criteria = self
            .query(
                &format!(
                    "SELECT DISTINCT ac.criterion_id FROM attempt_criteria ac
                     WHERE ac.attempt_id IN (SELECT a.id {FROM} WHERE true{cond})"
                ),
                &vals,
            )?
            .iter()
            .map(|r| col(r, 0))
            .collect::<Result<_>>()?;
        Ok((n as u64, criteria))
    }
}

/// Trainees and teams beside a rollup table aliased `k`.
const K_FROM: &str =
    "JOIN trainees t ON t.id = k.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id";

/// The SQL of [`Remote::criterion_averages`] and its parameters (`?N` placeholders): the
/// whole history from the criterion rollup, a date range from the counted attempts'
/// criteria (kept by the same triggers).
pub fn criterion_averages_sql(f: &Filter) -> (String, Vec<String>) {
    if f.whole_history() {
        let (cond, vals) = f.sql_over("k", "");
        let sql = format!(
            "SELECT t.name, tm.name, k.playbook_id, k.criterion_id, SUM(k.points) / SUM(k.n), SUM(k.n)
             FROM rollup_criteria k {K_FROM}
             WHERE true{cond}
             GROUP BY t.id, tm.name, k.playbook_id, k.criterion_id HAVING SUM(k.n) > 0
             ORDER BY t.name COLLATE \"C\", k.playbook_id COLLATE \"C\", k.criterion_id COLLATE \"C\""
        );
        return (sql, vals);
    }
    // A date range: grouped by trainee id before the names are looked up (the names join
    // only to filter by team). Its whole months come from the monthly rollup, the days at
    // its ends from the per-attempt rows; a range of one scenario (few rows) from those alone.
    let teams = if f.team.is_some() { K_FROM } else { "" };
    let rows = match f.scenario.is_none().then(|| Months::of(f)).flatten() {
        Some(m) => {
            let undated = Filter {
                since: None,
                until: None,
                ..f.clone()
            };
            let (cond, mut vals) = undated.sql_over("k", "");
            let mut at = |v: &str| {
                vals.push(v.to_owned());
                format!("?{}", vals.len())
            };
            let mut parts = vec![format!(
                "SELECT k.trainee_id, k.playbook_id, k.criterion_id, k.points, k.n
                 FROM rollup_months_criteria k {teams}
                 WHERE k.month >= {} AND k.month < {}{cond}",
                at(&m.first),
                at(&m.end)
            )];
            // The days before the first whole month, and from the end of the last one.
            let ends = [
                (f.since.as_ref(), m.first_day.as_ref()),
                (Some(&m.end_day), f.until.as_ref()),
            ];
            for (from, to) in ends {
                if let (Some(from), Some(to)) = (from, to)
                    && from < to
                {
                    parts.push(format!(
                        "SELECT k.trainee_id, k.playbook_id, k.criterion_id, k.points, 1
                         FROM rollup_contrib_criteria k {teams}
                         WHERE k.day >= {} AND k.day < {}{cond}",
                        at(from),
                        at(to)
                    ));
                }
            }
            (
                format!(
                    "SELECT r.trainee_id, r.playbook_id, r.criterion_id, SUM(r.points) / SUM(r.n) AS average,
                            SUM(r.n)::int8 AS n
                     FROM ({}) r GROUP BY r.trainee_id, r.playbook_id, r.criterion_id HAVING SUM(r.n) > 0",
                    parts.join(" UNION ALL ")
                ),
                vals,
            )
        }
        None => {
            let (cond, vals) = f.sql_over("k", "k.day");
            (
                format!(
                    "SELECT k.trainee_id, k.playbook_id, k.criterion_id, AVG(k.points) AS average, COUNT(*) AS n
                     FROM rollup_contrib_criteria k {teams}
                     WHERE true{cond}
                     GROUP BY k.trainee_id, k.playbook_id, k.criterion_id"
                ),
                vals,
            )
        }
    };
    let (rows, vals) = rows;
    let sql = format!(
        "SELECT t.name, tm.name, g.playbook_id, g.criterion_id, g.average, g.n FROM ({rows}) g
         JOIN trainees t ON t.id = g.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id
         ORDER BY t.name COLLATE \"C\", g.playbook_id COLLATE \"C\", g.criterion_id COLLATE \"C\""
    );
    (sql, vals)
}

/// The whole months inside a date range (`YYYY-MM`, `first` to before `end`), and the days
/// where they start and end (`YYYY-MM-01`); `None` when the range holds no whole month or
/// its days are not dates.
#[derive(Debug, PartialEq, Eq)]
struct Months {
    first: String,
    end: String,
    first_day: Option<String>,
    end_day: String,
}

impl Months {
    fn of(f: &Filter) -> Option<Months> {
        use chrono::{Datelike, NaiveDate};
        let day = |s: &Option<String>| -> Option<Option<NaiveDate>> {
            match s {
                None => Some(None),
                Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(Some),
            }
        };
        let (since, until) = (day(&f.since)?, day(&f.until)?);
        let month_start = |d: NaiveDate| d.with_day(1);
        // The first whole month starts on or after `since`; the last ends on or before `until`.
        let first = match since {
            None => None,
            Some(d) if d.day() == 1 => Some(d),
            Some(d) => month_start(d)?.checked_add_months(chrono::Months::new(1)),
        };
        let end = match until {
            // Months before the year 1 do not occur: an open end is any month from now on.
            None => NaiveDate::from_ymd_opt(9999, 12, 1),
            Some(d) => month_start(d),
        }?;
        if first.is_some_and(|first| first >= end) {
            return None;
        }
        let ym = |d: NaiveDate| d.format("%Y-%m").to_string();
        Some(Months {
            first: first.map_or_else(|| "0000-00".to_owned(), ym),
            end: ym(end),
            first_day: first.map(|d| d.format("%Y-%m-%d").to_string()),
            end_day: end.format("%Y-%m-%d").to_string(),
        })
    }
}

/// The SQL of [`Remote::trend`] and its parameters (`?N` placeholders): per day (or week)
/// from the per-day, per-team rollup when it answers (no trainee or scenario, and a login
/// that sees whole teams), else from the counted attempts; summed by day first, then weeks.
pub fn trend_sql(f: &Filter, weekly: bool, sees_teams: bool) -> (String, Vec<String>) {
    let bucket = if weekly { "salesdojo_week(d)" } else { "d" };
    let (days, cond, vals) = if sees_teams && f.by_day_and_team() {
        let (cond, vals) = f.sql_over("k", "k.day");
        (
            "SELECT k.day AS d, SUM(k.n) AS n, SUM(k.total) AS total, SUM(k.totals) AS totals,
                    SUM(k.passed) AS passed, SUM(k.graded) AS graded
             FROM rollup_days k LEFT JOIN teams tm ON tm.id = k.team_id",
            cond,
            vals,
        )
    } else {
        let (cond, vals) = f.sql_over("k", "k.day");
        (
            "SELECT k.day AS d, COUNT(*) AS n, COALESCE(SUM(k.total), 0) AS total, COUNT(k.total) AS totals,
                    COALESCE(SUM(k.passed), 0) AS passed, COUNT(k.passed) AS graded
             FROM rollup_contrib k JOIN trainees t ON t.id = k.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id",
            cond,
            vals,
        )
    };
    let sql = format!(
        "SELECT {bucket} AS p, SUM(n)::int8, SUM(total) / NULLIF(SUM(totals), 0),
                SUM(passed)::float8 / NULLIF(SUM(graded), 0)
         FROM ({days} WHERE true{cond} GROUP BY k.day) x
         GROUP BY p HAVING SUM(n) > 0 ORDER BY p"
    );
    (sql, vals)
}

/// The SQL of [`Remote::pass_rates`] and its parameters (`?N` placeholders).
pub fn pass_rates_sql(f: &Filter) -> (String, Vec<String>) {
    // Trainees and teams join only to filter by team: a trainee's filter reads its own index.
    let teams = if f.team.is_some() { K_FROM } else { "" };
    if f.whole_history() {
        let (cond, vals) = f.sql_over("k", "");
        let sql = format!(
            "SELECT k.playbook_id, k.scenario_id, SUM(k.n), SUM(k.passed) FROM rollup_attempts k {teams}
             WHERE k.mode = 'practice'{cond}
             GROUP BY k.playbook_id, k.scenario_id HAVING SUM(k.n) > 0
             ORDER BY k.playbook_id COLLATE \"C\", k.scenario_id COLLATE \"C\""
        );
        return (sql, vals);
    }
    let (cond, vals) = f.sql_over("k", "k.day");
    let sql = format!(
        "SELECT k.playbook_id, k.scenario_id, COUNT(*), COALESCE(SUM(k.passed), 0)::int8
         FROM rollup_contrib k {teams}
         WHERE k.mode = 'practice'{cond}
         GROUP BY k.playbook_id, k.scenario_id
         ORDER BY k.playbook_id COLLATE \"C\", k.scenario_id COLLATE \"C\""
    );
    (sql, vals)
}

/// The SQL of [`Remote::leaderboard`] and its parameters (`?N` placeholders).
pub fn leaderboard_sql(f: &Filter, limit: usize) -> (String, Vec<String>) {
    let certs = "(SELECT COUNT(*) FROM certifications c WHERE c.trainee_id = t.id)";
    if f.whole_history() {
        // Summed per trainee id first; the names of those ranked are looked up after.
        let (cond, vals) = f.sql_over("k", "");
        let teams = if f.team.is_some() { K_FROM } else { "" };
        let sql = format!(
            "SELECT t.name, tm.name, g.n, g.total / NULLIF(g.totals, 0), g.passed, {certs}
             FROM (SELECT k.trainee_id, SUM(k.n) AS n, SUM(k.total) AS total, SUM(k.totals) AS totals,
                          SUM(k.passed) AS passed
                   FROM rollup_attempts k {teams} WHERE k.mode = 'practice'{cond}
                   GROUP BY k.trainee_id HAVING SUM(k.n) > 0) g
             JOIN trainees t ON t.id = g.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id
             ORDER BY g.total / NULLIF(g.totals, 0) DESC NULLS LAST, g.n DESC,
                      t.name COLLATE \"C\", t.id COLLATE \"C\" LIMIT {limit}"
        );
        return (sql, vals);
    }
    let (cond, vals) = f.sql_over("k", "k.day");
    let sql = format!(
        "SELECT t.name, tm.name, COUNT(*), AVG(k.total), COALESCE(SUM(k.passed), 0)::int8, {certs}
         FROM rollup_contrib k {K_FROM} WHERE k.mode = 'practice'{cond}
         GROUP BY t.id, tm.name
         ORDER BY AVG(k.total) DESC NULLS LAST, COUNT(*) DESC, t.name COLLATE \"C\", t.id COLLATE \"C\" LIMIT {limit}"
    );
    (sql, vals)
}

/// The SQL of [`Remote::weakest`] and its parameters (`?N` placeholders).
pub fn weakest_sql(f: &Filter, by_team: bool) -> (String, Vec<String>) {
    let who = if by_team {
        "COALESCE(tm.name, '')"
    } else {
        "t.name"
    };
    let group = if by_team { "tm.id" } else { "t.id" };
    let (avgs, vals) = if f.whole_history() && f.team.is_none() {
        // Summed per trainee and criterion first, then per trainee or team.
        let (cond, vals) = f.sql_over("k", "");
        (
            format!(
                "SELECT {who} AS who, {group} AS g, s.criterion_id AS c, SUM(s.points) / SUM(s.n) AS v
                 FROM (SELECT k.trainee_id, k.criterion_id, SUM(k.points) AS points, SUM(k.n) AS n
                       FROM rollup_criteria k WHERE true{cond}
                       GROUP BY k.trainee_id, k.criterion_id) s
                 JOIN trainees t ON t.id = s.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id
                 GROUP BY {who}, {group}, s.criterion_id HAVING SUM(s.n) > 0"
            ),
            vals,
        )
    } else if f.whole_history() {
        let (cond, vals) = f.sql_over("k", "");
        (
            format!(
                "SELECT {who} AS who, {group} AS g, k.criterion_id AS c, SUM(k.points) / SUM(k.n) AS v
                 FROM rollup_criteria k {K_FROM}
                 WHERE true{cond}
                 GROUP BY {who}, {group}, k.criterion_id HAVING SUM(k.n) > 0"
            ),
            vals,
        )
    } else {
        let (cond, vals) = f.sql_over("k", "k.day");
        (
            format!(
                "SELECT {who} AS who, {group} AS g, k.criterion_id AS c, AVG(k.points) AS v
                 FROM rollup_contrib_criteria k {K_FROM}
                 WHERE true{cond}
                 GROUP BY {who}, {group}, k.criterion_id"
            ),
            vals,
        )
    };
    let sql = format!(
        "WITH avgs AS ({avgs})
         SELECT who, c, v FROM (
             SELECT who, c, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v, c COLLATE \"C\") AS n FROM avgs) x
         WHERE n = 1 ORDER BY who COLLATE \"C\", c COLLATE \"C\""
    );
    (sql, vals)
}

/// The SQL of [`Remote::attempts`] and its parameters (`?N` placeholders).
pub fn attempts_sql(f: &Filter, limit: usize) -> (String, Vec<String>) {
    let (cond, vals) = f.sql();
    // The page of ids first, from the attempts' time index; then the results of each of them
    // (`OFFSET 0` keeps the lookup per attempt of the page: flattened, the planner would read
    // the results of every attempt the login may see and then pick the page's).
    let sql = format!(
        "SELECT {ATTEMPT_COLS}
         FROM (SELECT a.id FROM attempts a JOIN trainees t ON t.id = a.trainee_id
               LEFT JOIN teams tm ON tm.id = t.team_id
               WHERE true{cond} ORDER BY a.started_at DESC, a.id DESC LIMIT {limit}) p
         CROSS JOIN LATERAL (SELECT * FROM attempt_results a WHERE a.id = p.id OFFSET 0) a
         JOIN trainees t ON t.id = a.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id
         ORDER BY a.started_at COLLATE \"C\" DESC, a.id COLLATE \"C\" DESC"
    );
    (sql, vals)
}

#[cfg(test)]
mod tests {
    use super::{Filter, Months};

    fn months(since: Option<&str>, until: Option<&str>) -> Option<Months> {
        Months::of(&Filter {
            since: since.map(str::to_owned),
            until: until.map(str::to_owned),
            ..Filter::default()
        })
    }

    #[test]
    fn a_range_splits_into_whole_months_and_the_days_at_its_ends() {
        // A quarter on month boundaries: three whole months, no days at the ends.
        let q = months(Some("2026-01-01"), Some("2026-04-01")).expect("months");
        assert_eq!((q.first.as_str(), q.end.as_str()), ("2026-01", "2026-04"));
        assert_eq!(q.first_day.as_deref(), Some("2026-01-01"));
        assert_eq!(q.end_day, "2026-04-01");
        // Mid-month ends: the whole months between, across a year's end.
        let r = months(Some("2025-12-15"), Some("2026-03-10")).expect("months");
        assert_eq!((r.first.as_str(), r.end.as_str()), ("2026-01", "2026-03"));
        assert_eq!(r.first_day.as_deref(), Some("2026-01-01"));
        assert_eq!(r.end_day, "2026-03-01");
        // Open at the start: every month before the end.
        let o = months(None, Some("2026-03-10")).expect("months");
        assert_eq!((o.first.as_str(), o.end.as_str()), ("0000-00", "2026-03"));
        assert_eq!(o.first_day, None);
        // Open at the end.
        let e = months(Some("2026-02-02"), None).expect("months");
        assert_eq!(e.first.as_str(), "2026-03");
        assert!(e.end.as_str() > "9000");
    }

    #[test]
    fn a_range_without_a_whole_month_reads_days_only() {
        assert_eq!(months(Some("2026-01-15"), Some("2026-02-10")), None);
        assert_eq!(months(Some("2026-01-01"), Some("2026-01-31")), None);
        assert_eq!(months(Some("2026-03-01"), Some("2026-02-01")), None);
        assert_eq!(months(Some("yesterday"), Some("2026-02-01")), None);
    }

    #[test]
    fn placeholders_become_dollars() {
        assert_eq!(
            super::dollars("a = ?1 AND b IN (?2, ?12) AND c = '?'"),
            "a = $1 AND b IN ($2, $12) AND c = '?'"
        );
    }
}
