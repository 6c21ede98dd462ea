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
use crate::store::report::{AttemptRow, Filter};
use crate::store::sql::{self, Dialect, Reading};
use crate::store::{Result, StoreError};

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

use crate::store::sql::pg as col;

fn err(e: postgres::Error) -> StoreError {
    StoreError::Remote(match e.as_db_error() {
        Some(d) => d.message().to_owned(),
        None => super::error_chain(&e),
    })
}

/// Attempt rows read from the server, with trainees and teams.
fn from() -> &'static str {
    sql::attempt_from(Dialect::Postgres)
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

    fn query(&self, sql: &str, vals: &[String]) -> Result<Vec<Row>> {
        self.with(|c| query_text(c, sql, vals))
    }
}

/// Runs a query in one round trip: every value is text (the filter's), so it is sent typed
/// with the statement instead of preparing it first.
fn query_text(c: &mut Client, sql: &str, vals: &[String]) -> Result<Vec<Row>> {
    let params: Vec<(&(dyn ToSql + Sync), Type)> = vals
        .iter()
        .map(|v| (v as &(dyn ToSql + Sync), Type::TEXT))
        .collect();
    c.query_typed(&sql::dollars(sql), &params).map_err(err)
}

/// A connection lent to the shared queries of [`sql`] (the verifier reads the published
/// versions on its own connection).
pub struct Lent<'c>(std::cell::RefCell<&'c mut Client>);

impl<'c> Lent<'c> {
    pub fn new(client: &'c mut Client) -> Self {
        Lent(std::cell::RefCell::new(client))
    }
}

impl sql::Run for Lent<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn each(
        &self,
        q: &str,
        vals: &[String],
        row: &mut dyn FnMut(&dyn sql::Cells) -> Result<()>,
    ) -> Result<()> {
        let rows = query_text(&mut self.0.borrow_mut(), q, vals)?;
        for r in rows {
            row(&r)?;
        }
        Ok(())
    }
}

impl sql::Run for Remote {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn each(
        &self,
        q: &str,
        vals: &[String],
        row: &mut dyn FnMut(&dyn sql::Cells) -> Result<()>,
    ) -> Result<()> {
        self.with(|c| sql::Run::each(&Lent::new(c), q, vals, row))
    }
}

impl Records for Remote {
    fn team_server(&self) -> Option<&str> {
        Some(&self.shown)
    }

    fn run(&self) -> &dyn sql::Run {
        self
    }

    fn reading(&self) -> Reading {
        Reading::postgres(self.sees_teams)
    }

    /// Streams the filter's attempts, newest first, at most `limit`.
    fn for_each_attempt(
        &self,
        f: &Filter,
        limit: usize,
        each: &mut dyn FnMut(AttemptRow) -> Result<()>,
    ) -> Result<()> {
        let (q, vals) = sql::attempts_streamed(f, limit.min(i64::MAX as usize), Dialect::Postgres);
        let sql = sql::dollars(&q);
        self.with(|c| {
            let mut tx = c.transaction().map_err(err)?;
            let params: Vec<&(dyn ToSql + Sync)> =
                vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
            let mut rows = tx.query_raw(&sql, params).map_err(err)?;
            while let Some(r) = rows.next().map_err(err)? {
                each(sql::attempt_row(&r)?)?;
            }
            drop(rows);
            tx.commit().map_err(err)
        })
    }

    /// A manager's review, written on the server: the reviewer is the signed-in login
    /// (the server forces it), and row-level security refuses an attempt outside their teams.
    fn add_review(&self, r: &crate::store::NewReview<'_>) -> Result<String> {
        let attempt_id = r.attempt_id;
        let found = self.query(
            "SELECT 1 FROM attempts WHERE id = ?1",
            &[attempt_id.to_owned()],
        )?;
        if found.is_empty() {
            return Err(StoreError::NotFound(format!("attempt '{attempt_id}'")));
        }
        if let Some((criterion, _)) = r.over {
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
        let at = crate::store::stamp(r.at);
        let criterion = r.over.map(|o| o.0.to_owned());
        let points = r.over.map(|o| o.1.clamp(0.0, 100.0));
        let reply = r.reply.and_then(|s| i32::try_from(s).ok());
        let sign_off = i32::from(r.sign_off);
        self.with(|c| {
            c.execute(
                "INSERT INTO reviews (id, attempt_id, at, comment, criterion_id, override_points, reply_seq, sign_off)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[&id, &attempt_id, &at, &r.comment, &criterion, &points, &reply, &sign_off],
            )
            .map_err(err)
        })?;
        Ok(id)
    }

    fn write(&self, sql: &str, vals: &[String]) -> Result<()> {
        self.with(|c| {
            let params: Vec<(&(dyn ToSql + Sync), Type)> = vals
                .iter()
                .map(|v| (v as &(dyn ToSql + Sync), Type::TEXT))
                .collect();
            c.query_typed(&sql::dollars(sql), &params).map_err(err)?;
            Ok(())
        })
    }

    /// The database sets the row's trainee from the attempt and refuses anyone but them.
    fn request_review(
        &self,
        _trainee_id: &str,
        attempt_id: &str,
        question: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<String> {
        let id = crate::store::new_id();
        let at = crate::store::stamp(at);
        self.with(|c| {
            c.execute(
                "INSERT INTO review_requests (id, attempt_id, question, asked_at) VALUES ($1, $2, $3, $4)",
                &[&id, &attempt_id, &question, &at],
            )
            .map_err(err)
        })?;
        Ok(id)
    }

    /// The database refuses anyone but the attempt's trainee.
    fn acknowledge_review(
        &self,
        _trainee_id: &str,
        review_id: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        let found = self.query(
            "SELECT attempt_id FROM reviews WHERE id = ?1",
            &[review_id.to_owned()],
        )?;
        let Some(row) = found.first() else {
            return Err(StoreError::NotFound(format!("review '{review_id}'")));
        };
        let attempt: String = sql::pg(row, 0)?;
        let at = crate::store::stamp(at);
        let n = self.with(|c| {
            c.execute(
                "INSERT INTO review_acks (review_id, attempt_id, acked_at) VALUES ($1, $2, $3)
                 ON CONFLICT (review_id) DO NOTHING",
                &[&review_id, &attempt, &at],
            )
            .map_err(err)
        })?;
        Ok(n == 1)
    }

    fn publish(
        &self,
        playbook: &str,
        bundle: &crate::publish::Bundle,
        note: Option<&str>,
        _by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<u32> {
        let hash = bundle.hash();
        let format = i32::try_from(crate::publish::FORMAT).unwrap_or(i32::MAX);
        let files = bundle.to_json();
        let at = crate::store::stamp(at);
        let row = self.with(|c| {
            c.query_one(
                "INSERT INTO published (playbook_id, version, hash, format, files, note, published_at)
                 SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6
                 FROM published WHERE playbook_id = $1
                 RETURNING version",
                &[&playbook, &hash, &format, &files, &note, &at],
            )
            .map_err(err)
        })?;
        let v: i32 = col(&row, 0)?;
        u32::try_from(v).map_err(|_| StoreError::Remote("a version out of range".into()))
    }

    fn add_assignment(&self, a: &crate::assign::Assignment) -> Result<Option<String>> {
        let (trainee, team) = a.target_ids();
        let due = a.due.to_string();
        let mark = i32::from(a.pass_mark);
        let after = i32::try_from(a.retake.after_days).unwrap_or(i32::MAX);
        let max = i32::try_from(a.retake.max).unwrap_or(i32::MAX);
        let added = self.with(|c| {
            c.execute(
                "INSERT INTO assignments (id, playbook_id, scenario_id, trainee_id, team_id, due, pass_mark,
                                          retake_after_days, retake_max, assigned_at, note)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT DO NOTHING",
                &[
                    &a.id,
                    &a.playbook,
                    &a.scenario,
                    &trainee,
                    &team,
                    &due,
                    &mark,
                    &after,
                    &max,
                    &a.assigned_at,
                    &a.note,
                ],
            )
            .map_err(err)
        })?;
        if added == 1 {
            return Ok(None);
        }
        let found = self.query(
            "SELECT id FROM assignments WHERE playbook_id = ?1 AND COALESCE(scenario_id, '') = ?2
               AND COALESCE(trainee_id, '') = ?3 AND COALESCE(team_id, '') = ?4",
            &[
                a.playbook.clone(),
                a.scenario.clone().unwrap_or_default(),
                trainee.unwrap_or("").to_owned(),
                team.unwrap_or("").to_owned(),
            ],
        )?;
        match found.first() {
            Some(row) => Ok(Some(col(row, 0)?)),
            None => Err(StoreError::Remote(
                "the same assignment exists but this login may not read it".into(),
            )),
        }
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

    /// Streams every attempt of the filter in order of start with its criteria (one query:
    /// the criteria come as arrays beside their attempt).
    fn for_each_export_row(
        &self,
        f: &Filter,
        each: &mut dyn FnMut(ExportRow) -> Result<()>,
    ) -> Result<()> {
        let (cond, vals) = f.sql();
        let sql = sql::dollars(&format!(
            "SELECT {}, t.id, t.pseudonym,
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
                          ORDER BY r.seq, p.criterion_id COLLATE \"C\"),
                    (SELECT COALESCE(json_agg(json_build_object('id', v.id, 'text', v.comment, 'reply', v.reply_seq,
                                'turn', (SELECT r.turn_id FROM replies r WHERE r.attempt_id = v.attempt_id AND r.seq = v.reply_seq),
                                'reviewer', v.reviewer, 'at', v.at)
                            ORDER BY v.at COLLATE \"C\", v.id COLLATE \"C\"), '[]')::text
                     FROM reviews v WHERE v.attempt_id = a.id AND v.comment IS NOT NULL AND v.comment <> '')
             {} WHERE true{cond} ORDER BY a.started_at COLLATE \"C\", a.id COLLATE \"C\"",
            sql::attempt_cols(Dialect::Postgres),
            from()
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
                    attempt: sql::attempt_row(&r)?,
                    trainee_id: col(&r, 16)?,
                    pseudonym: col(&r, 17)?,
                    criteria: ids
                        .into_iter()
                        .zip(points)
                        .zip(weights)
                        .map(|((c, p), w)| (c, p, w))
                        .collect(),
                    reply_points: Some(reply_points),
                    comments: serde_json::from_str(&col::<String>(&r, 26)?).map_err(|e| {
                        StoreError::Remote(format!("the comments the server sent: {e}"))
                    })?,
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
            .query(
                &format!("SELECT COUNT(*) {} WHERE true{cond}", from()),
                &vals,
            )?
            .first()
            .map(|r| col::<i64>(r, 0))
            .transpose()?
            .unwrap_or(0);
        let criteria = self
            .query(
                &format!(
                    "SELECT DISTINCT ac.criterion_id FROM attempt_criteria ac
                     WHERE ac.attempt_id IN (SELECT a.id {} WHERE true{cond})",
                    from()
                ),
                &vals,
            )?
            .iter()
            .map(|r| col(r, 0))
            .collect::<Result<_>>()?;
        Ok((n as u64, criteria))
    }
}
