//! Sync between the local progress log and the team server: push what the server lacks, then
//! pull what this login may see.
//!
//! Attempts, replies, live events and reviews are append-only and named by UUIDs chosen on the
//! machine that made them; the one change an attempt ever sees is its end (in progress →
//! completed or abandoned, once). So two machines never write the same row differently, and
//! sync needs no conflict resolution: a push inserts with `ON CONFLICT DO NOTHING` (running it
//! again changes nothing), ends an attempt only while the server still has it in progress,
//! and a pull merges with the local log by id.
//!
//! Each push step is one server transaction; the local log notes what the server has
//! (`team_known`) only after that transaction committed. A push cut short anywhere (the
//! server stopped, the client killed) leaves either nothing or a committed step whose note
//! was not yet written; the next sync sends that step again and the server ignores it.

use std::path::PathBuf;

use chrono::Utc;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, IsolationLevel};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Server, TeamError};
use crate::store::{ProgressLog, Store, StoreError, stamp};

/// Rows sent to the server in one transaction.
const CHUNK: usize = 2000;

/// [`CHUNK`], or `SALESDOJO_SYNC_CHUNK` when set (smaller steps for tests that cut a push
/// in the middle, and for links so slow that 2 000 rows take too long).
fn chunk() -> usize {
    std::env::var("SALESDOJO_SYNC_CHUNK")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(CHUNK)
}

/// What this database is joined to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Joined {
    pub url: String,
    pub user: String,
    /// The local trainee row the login writes as.
    pub trainee_id: String,
    pub role: String,
    pub last_sync: Option<String>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncCounts {
    pub pushed_attempts: u64,
    pub pushed_replies: u64,
    pub pushed_ends: u64,
    pub pushed_events: u64,
    pub pushed_reviews: u64,
    pub pulled_attempts: u64,
    pub pulled_replies: u64,
    pub pulled_reviews: u64,
    /// Pulled attempts the server's verifier had already judged.
    pub pulled_verdicts: u64,
}

/// Rows written here that the server does not have yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub attempts: u64,
    pub replies: u64,
    pub ends: u64,
    pub events: u64,
    pub reviews: u64,
    /// Attempts of other local trainees (recorded here before joining, or under another
    /// name) that sync never sends: `salesdojo team claim NAME` moves them to the login.
    /// Not in [`Waiting::total`].
    pub unclaimed: u64,
}

impl Waiting {
    pub fn total(&self) -> u64 {
        self.attempts + self.replies + self.ends + self.events + self.reviews
    }
}

fn server_err(e: postgres::Error) -> TeamError {
    match e.as_db_error() {
        Some(d) if d.code().code() == "42501" => TeamError::Denied(d.message().to_owned()),
        Some(d) => TeamError::Server(d.message().to_owned()),
        None => TeamError::Unreachable {
            server: "the team server".into(),
            reason: super::error_chain(&e),
        },
    }
}

impl Store {
    fn team_get(&self, key: &str) -> crate::store::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM team_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn team_set(&self, key: &str, value: &str) -> crate::store::Result<()> {
        self.conn().execute(
            "INSERT INTO team_state (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The team this database is joined to, if any.
    pub fn joined(&self) -> crate::store::Result<Option<Joined>> {
        let (Some(url), Some(user), Some(trainee_id)) = (
            self.team_get("url")?,
            self.team_get("user")?,
            self.team_get("trainee_id")?,
        ) else {
            return Ok(None);
        };
        Ok(Some(Joined {
            url,
            user,
            trainee_id,
            role: self.team_get("role")?.unwrap_or_default(),
            last_sync: self.team_get("last_sync")?,
        }))
    }

    /// Rows written here that the server lacks.
    pub fn team_waiting(&self) -> crate::store::Result<Waiting> {
        let Some(j) = self.joined()? else {
            return Ok(Waiting::default());
        };
        let count = |sql: &str| -> crate::store::Result<u64> {
            Ok(self
                .conn()
                .query_row(sql, [&j.trainee_id], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(Waiting {
            attempts: count(
                "SELECT COUNT(*) FROM attempts a WHERE a.trainee_id = ?1
                 AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = a.id)",
            )?,
            replies: count(
                "SELECT COUNT(*) FROM replies r JOIN attempts a ON a.id = r.attempt_id WHERE a.trainee_id = ?1
                 AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = r.id)",
            )?,
            ends: count(
                "SELECT COUNT(*) FROM attempts a WHERE a.trainee_id = ?1 AND a.status <> 'in_progress'
                 AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = 'end:' || a.id)",
            )?,
            events: count(
                "SELECT COUNT(*) FROM live_events e JOIN attempts a ON a.id = e.attempt_id WHERE a.trainee_id = ?1
                 AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = e.id)",
            )?,
            unclaimed: count(
                "SELECT COUNT(*) FROM attempts a WHERE a.trainee_id <> ?1
                 AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = a.id)",
            )?,
            reviews: if j.role == "manager" {
                self.conn().query_row(
                    "SELECT COUNT(*) FROM reviews r WHERE EXISTS (SELECT 1 FROM team_known k WHERE k.id = r.attempt_id)
                     AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = r.id)",
                    [],
                    |r| r.get::<_, i64>(0),
                )? as u64
            } else {
                0
            },
        })
    }

    /// Notes ids the server now has.
    fn team_mark(&mut self, ids: &[String]) -> crate::store::Result<()> {
        self.bulk(|tx| {
            let mut stmt =
                tx.prepare_cached("INSERT OR IGNORE INTO team_known (id) VALUES (?1)")?;
            for id in ids {
                stmt.execute([id])?;
            }
            Ok(())
        })
    }

    /// Links this database to a team login: the login's trainee row is created here with the
    /// login's id, and the practice of a local trainee of the same name and team (what this
    /// person did before joining) moves to it, so it goes up with the next sync.
    pub fn team_link(
        &mut self,
        server: &Server,
        user: &str,
        trainee_id: &str,
        name: &str,
        team: Option<&str>,
        role: &str,
    ) -> crate::store::Result<()> {
        let linked = self.trainee(name, team)?;
        if linked.id != trainee_id {
            let moved = trainee_id.to_owned();
            self.bulk(|tx| move_practice(tx, &linked.id, &moved).map(|_| ()))?;
        }
        self.team_set("url", &server.url_to_keep())?;
        self.team_set("user", user)?;
        self.team_set("trainee_id", trainee_id)?;
        self.team_set("role", role)?;
        Ok(())
    }

    /// Notes a transaction this client pushed in, so that the next pull leaves its rows out.
    fn team_note_pushed(&self, txid: i64) -> crate::store::Result<()> {
        let mut all = self.team_get("pushed_txids")?.unwrap_or_default();
        let t = txid.to_string();
        if !all.split(',').any(|x| x == t) {
            if !all.is_empty() {
                all.push(',');
            }
            all.push_str(&t);
            self.team_set("pushed_txids", &all)?;
        }
        Ok(())
    }

    /// After a pull: forgets the pushed transactions it left out (`pulled`, as read before
    /// it), keeping any noted meanwhile (a background push while the pull ran).
    fn team_forget_pushed(&self, pulled: &str) -> crate::store::Result<()> {
        let done: std::collections::HashSet<&str> = pulled.split(',').collect();
        let now = self.team_get("pushed_txids")?.unwrap_or_default();
        let left: Vec<&str> = now
            .split(',')
            .filter(|t| !t.is_empty() && !done.contains(t))
            .collect();
        self.team_set("pushed_txids", &left.join(","))
    }

    /// The trainee row the joined login writes as, if this log is joined.
    pub fn joined_trainee(&self) -> crate::store::Result<Option<(Joined, crate::store::Trainee)>> {
        let Some(j) = self.joined()? else {
            return Ok(None);
        };
        let row = self
            .conn()
            .query_row(
                &format!(
                    "SELECT {} FROM trainees t LEFT JOIN teams tm ON tm.id = t.team_id WHERE t.id = ?1",
                    crate::store::TRAINEE_COLS
                ),
                [&j.trainee_id],
                crate::store::trainee_row,
            )
            .optional()?;
        Ok(row.map(|t| (j, t)))
    }

    /// Who practises in this log: in a log joined to a team, always the joined login (sync
    /// sends only its rows), so a name or team given for anyone else is refused, naming the
    /// login; `None` when the log is not joined (the front end names the trainee).
    pub fn practising_as(
        &self,
        name: Option<&str>,
        team: Option<&str>,
    ) -> crate::store::Result<Option<(Joined, crate::store::Trainee)>> {
        let Some((j, me)) = self.joined_trainee()? else {
            return Ok(None);
        };
        let other_name = name
            .map(str::trim)
            .is_some_and(|n| n != me.name && n != j.user);
        let other_team = team
            .map(str::trim)
            .is_some_and(|t| Some(t) != me.team.as_deref());
        if other_name || other_team {
            return Err(crate::store::StoreError::Refused(format!(
                "this progress log is joined to the team as '{}' ({}{}): practice here is recorded under that login, so --trainee/--team for anyone else is refused; leave them out, or practise with another --db",
                j.user,
                me.name,
                me.team
                    .as_deref()
                    .map_or(String::new(), |t| format!(", {t}"))
            )));
        }
        Ok(Some((j, me)))
    }

    /// Moves the practice of the local trainee `name` (and `team`, when given) that the
    /// server has never seen to the joined login, so the next sync sends it: what someone
    /// recorded here before joining, or under another name. Returns the attempts moved; an
    /// unknown name is [`crate::store::StoreError::NotFound`], and a name that stands for
    /// several local trainees (in different teams) must be given with its team.
    pub fn team_claim(&mut self, name: &str, team: Option<&str>) -> crate::store::Result<u64> {
        let Some(j) = self.joined()? else {
            return Err(crate::store::StoreError::Refused(
                "this progress log is not joined to a team: run `salesdojo team join` first".into(),
            ));
        };
        let ids: Vec<String> = self
            .conn()
            .prepare(
                "SELECT t.id FROM trainees t LEFT JOIN teams m ON m.id = t.team_id
                 WHERE t.name = ?1 AND t.id <> ?2 AND (?3 IS NULL OR m.name = ?3)",
            )?
            .query_map(params![name.trim(), j.trainee_id, team], |r| r.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        match ids.as_slice() {
            [] => Err(crate::store::StoreError::NotFound(format!(
                "no other local trainee named '{}'{}",
                name.trim(),
                team.map_or(String::new(), |t| format!(" in team '{t}'"))
            ))),
            [from] => {
                let to = j.trainee_id.clone();
                let from = from.clone();
                self.bulk(|tx| move_practice(tx, &from, &to))
            }
            _ => Err(crate::store::StoreError::Refused(format!(
                "{} local trainees are named '{}': say which with --team",
                ids.len(),
                name.trim()
            ))),
        }
    }

    /// Forgets the team (the practice stays here).
    pub fn team_leave(&mut self) -> crate::store::Result<()> {
        self.conn()
            .execute_batch("DELETE FROM team_state; DELETE FROM team_known;")?;
        Ok(())
    }
}

/// Moves the practice of local trainee `from` that the server has never seen (not pulled
/// from it) to `to`, with its certifications; `from` goes when nothing is left under it.
/// Returns the attempts moved.
fn move_practice(
    tx: &rusqlite::Transaction<'_>,
    from: &str,
    to: &str,
) -> crate::store::Result<u64> {
    tx.execute(
        "INSERT OR IGNORE INTO trainees (id, name, team_id, created_at)
         SELECT ?1, name, team_id, created_at FROM trainees WHERE id = ?2",
        params![to, from],
    )?;
    let unsent =
        "trainee_id = ?2 AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = attempts.id)";
    tx.execute(
        &format!(
            "UPDATE attempt_criteria SET trainee_id = ?1
             WHERE attempt_id IN (SELECT id FROM attempts WHERE {unsent})"
        ),
        params![to, from],
    )?;
    let moved = tx.execute(
        &format!("UPDATE attempts SET trainee_id = ?1 WHERE {unsent}"),
        params![to, from],
    )?;
    tx.execute(
        "UPDATE OR IGNORE certifications SET trainee_id = ?1 WHERE trainee_id = ?2",
        params![to, from],
    )?;
    tx.execute("DELETE FROM certifications WHERE trainee_id = ?1", [from])?;
    tx.execute(
        "DELETE FROM trainees WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM attempts WHERE trainee_id = ?1)",
        [from],
    )?;
    Ok(moved as u64)
}

/// Pushes what the server lacks, then pulls what this login may see.
pub fn sync(store: &mut Store, client: &mut Client) -> Result<SyncCounts> {
    let j = store.joined()?.ok_or(TeamError::NotJoined)?;
    super::check_schema(client)?;
    let mut counts = SyncCounts::default();
    push(store, client, &j, &mut counts)?;
    pull(store, client, &mut counts)?;
    store.team_set("last_sync", &stamp(Utc::now()))?;
    Ok(counts)
}

/// Sends the login's trainee row, then attempts, replies, ends, live events and (for a
/// manager) reviews, in steps of up to [`CHUNK`] rows, each step one server transaction.
pub fn push(
    store: &mut Store,
    client: &mut Client,
    j: &Joined,
    counts: &mut SyncCounts,
) -> Result<()> {
    if j.role == "trainee" {
        let row: Option<(String, String)> = store
            .conn()
            .query_row(
                "SELECT name, created_at FROM trainees WHERE id = ?1",
                [&j.trainee_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(StoreError::from)?;
        if let Some((name, created)) = row {
            client
                .execute(
                    "INSERT INTO trainees (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    &[&j.trainee_id, &name, &created],
                )
                .map_err(server_err)?;
        }
        // An attempt goes up open, then what it holds, then its end: once ended on the
        // server, nothing can be added to it (schema 6).
        while push_attempts(store, client, &j.trainee_id, counts)? {}
        while push_replies(store, client, &j.trainee_id, counts)? {}
        while push_events(store, client, &j.trainee_id, counts)? {}
        while push_ends(store, client, &j.trainee_id, counts)? {}
    }
    if j.role == "manager" {
        while push_reviews(store, client, counts)? {}
    }
    Ok(())
}

/// Notes the transaction a push statement wrote in (the `txid` its rows returned), so that
/// the next pull leaves them out.
fn note_pushed(store: &Store, wrote: &[postgres::Row]) -> Result<()> {
    if let Some(r) = wrote.first() {
        store.team_note_pushed(super::col::<i64>(r, 0)?)?;
    }
    Ok(())
}

fn local<T>(r: rusqlite::Result<T>) -> Result<T> {
    r.map_err(|e| TeamError::Store(StoreError::from(e)))
}

/// An attempt's outcome columns, as many rows at once (the server takes them as arrays):
/// read by [`OUTCOME_COLS`] in that order, sent in that order too.
#[derive(Default)]
struct Outcomes {
    ended: Vec<Option<String>>,
    total: Vec<Option<f64>>,
    passed: Vec<Option<i32>>,
    status: Vec<String>,
    ending: Vec<Option<String>>,
    scored_total: Vec<Option<f64>>,
    scored_passed: Vec<Option<i32>>,
    pass_mark: Vec<Option<i32>>,
    gated: Vec<Option<i32>>,
}

const OUTCOME_COLS: &str =
    "ended_at, total, passed, status, ending, scored_total, scored_passed, pass_mark, gated";

impl Outcomes {
    /// Adds the outcome of the row `r`, whose [`OUTCOME_COLS`] start at column `at`.
    fn push(&mut self, r: &rusqlite::Row<'_>, at: usize) -> Result<()> {
        let int = |i: usize| -> Result<Option<i32>> {
            Ok(local(r.get::<_, Option<i64>>(at + i))?.map(|v| v as i32))
        };
        self.ended.push(local(r.get(at))?);
        self.total.push(local(r.get(at + 1))?);
        self.passed.push(int(2)?);
        self.status.push(local(r.get(at + 3))?);
        self.ending.push(local(r.get(at + 4))?);
        self.scored_total.push(local(r.get(at + 5))?);
        self.scored_passed.push(int(6)?);
        self.pass_mark.push(int(7)?);
        self.gated.push(int(8)?);
        Ok(())
    }

    /// The arrays, in [`OUTCOME_COLS`] order.
    fn params(&self) -> [&(dyn postgres::types::ToSql + Sync); 9] {
        [
            &self.ended,
            &self.total,
            &self.passed,
            &self.status,
            &self.ending,
            &self.scored_total,
            &self.scored_passed,
            &self.pass_mark,
            &self.gated,
        ]
    }
}

/// The array types of [`OUTCOME_COLS`] for `unnest`, numbered from `$first`.
fn outcome_arrays(first: usize) -> String {
    [
        "text", "float8", "int4", "text", "text", "float8", "int4", "int4", "int4",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| format!("${}::{t}[]", first + i))
    .collect::<Vec<_>>()
    .join(", ")
}

fn push_attempts(
    store: &mut Store,
    client: &mut Client,
    trainee: &str,
    counts: &mut SyncCounts,
) -> Result<bool> {
    #[derive(Default)]
    struct Cols {
        id: Vec<String>,
        trainee: Vec<String>,
        playbook: Vec<String>,
        version: Vec<i32>,
        hash: Vec<String>,
        scenario: Vec<String>,
        mode: Vec<String>,
        started: Vec<String>,
        outcome: Outcomes,
    }
    let mut c = Cols::default();
    {
        // Sent open, whatever it is here: its end follows its replies (`push_ends`).
        let mut stmt = local(store.conn().prepare_cached(
            "SELECT id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at,
                    NULL, NULL, NULL, 'in_progress', NULL, NULL, NULL, NULL, NULL
             FROM attempts a WHERE a.trainee_id = ?1 AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = a.id)
             ORDER BY a.started_at, a.id LIMIT ?2",
        ))?;
        let mut rows = local(stmt.query(params![trainee, chunk() as i64]))?;
        while let Some(r) = local(rows.next())? {
            c.id.push(local(r.get(0))?);
            c.trainee.push(local(r.get(1))?);
            c.playbook.push(local(r.get(2))?);
            c.version.push(local(r.get::<_, i64>(3))? as i32);
            c.hash.push(local(r.get(4))?);
            c.scenario.push(local(r.get(5))?);
            c.mode.push(local(r.get(6))?);
            c.started.push(local(r.get(7))?);
            c.outcome.push(r, 8)?;
        }
    }
    if c.id.is_empty() {
        return Ok(false);
    }
    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![
        &c.id,
        &c.trainee,
        &c.playbook,
        &c.version,
        &c.hash,
        &c.scenario,
        &c.mode,
        &c.started,
    ];
    params.extend(c.outcome.params());
    let wrote = client
        .query(
            &format!(
                "INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id,
                     mode, started_at, {OUTCOME_COLS})
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[],
                     $7::text[], $8::text[], {})
                 ON CONFLICT (id) DO NOTHING RETURNING txid",
                outcome_arrays(9)
            ),
            &params,
        )
        .map_err(server_err)?;
    note_pushed(store, &wrote)?;
    counts.pushed_attempts += c.id.len() as u64;
    store.team_mark(&c.id)?;
    Ok(c.id.len() == chunk())
}

fn push_replies(
    store: &mut Store,
    client: &mut Client,
    trainee: &str,
    counts: &mut SyncCounts,
) -> Result<bool> {
    #[derive(Default)]
    struct Cols {
        id: Vec<String>,
        attempt: Vec<String>,
        seq: Vec<i32>,
        turn: Vec<String>,
        stage: Vec<String>,
        kind: Vec<String>,
        answer: Vec<String>,
        seconds: Vec<f64>,
        score: Vec<f64>,
        result: Vec<String>,
        error: Vec<Option<String>>,
        created: Vec<String>,
    }
    let mut c = Cols::default();
    let mut results: Vec<(String, String)> = Vec::new();
    let mut points: (Vec<String>, Vec<String>, Vec<f64>, Vec<f64>) = Default::default();
    {
        let conn = store.conn();
        let mut stmt = local(conn.prepare_cached(
            "SELECT r.id, r.attempt_id, r.seq, r.turn_id, r.stage_id, r.answer_kind, r.answer, r.seconds, r.score,
                    r.result_id, r.script_error, r.created_at, s.json
             FROM replies r JOIN attempts a ON a.id = r.attempt_id JOIN results s ON s.id = r.result_id
             WHERE a.trainee_id = ?1 AND EXISTS (SELECT 1 FROM team_known k WHERE k.id = a.id)
               AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = r.id)
             ORDER BY r.attempt_id, r.seq LIMIT ?2",
        ))?;
        let mut pts = local(conn.prepare_cached(
            "SELECT criterion_id, points, weight FROM reply_points WHERE reply_id = ?1",
        ))?;
        let mut rows = local(stmt.query(params![trainee, chunk() as i64]))?;
        let mut seen = std::collections::HashSet::new();
        while let Some(r) = local(rows.next())? {
            let id: String = local(r.get(0))?;
            c.attempt.push(local(r.get(1))?);
            c.seq.push(local(r.get::<_, i64>(2))? as i32);
            c.turn.push(local(r.get(3))?);
            c.stage.push(local(r.get(4))?);
            c.kind.push(local(r.get(5))?);
            c.answer.push(local(r.get(6))?);
            c.seconds.push(local(r.get(7))?);
            c.score.push(local(r.get(8))?);
            let result: String = local(r.get(9))?;
            c.error.push(local(r.get(10))?);
            c.created.push(local(r.get(11))?);
            if seen.insert(result.clone()) {
                results.push((result.clone(), local(r.get(12))?));
            }
            c.result.push(result);
            let mut p = local(pts.query([&id]))?;
            while let Some(pr) = local(p.next())? {
                points.0.push(id.clone());
                points.1.push(local(pr.get(0))?);
                points.2.push(local(pr.get(1))?);
                points.3.push(local(pr.get(2))?);
            }
            c.id.push(id);
        }
    }
    if c.id.is_empty() {
        return Ok(false);
    }
    let (rid, rjson): (Vec<String>, Vec<String>) = results.into_iter().unzip();
    let mut tx = client.transaction().map_err(server_err)?;
    tx.execute(
        "INSERT INTO results (id, json) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id) DO NOTHING",
        &[&rid, &rjson],
    )
    .map_err(server_err)?;
    let wrote = tx.query(
        "INSERT INTO replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id,
             script_error, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::text[], $5::text[], $6::text[], $7::text[],
             $8::float8[], $9::float8[], $10::text[], $11::text[], $12::text[])
         ON CONFLICT (id) DO NOTHING RETURNING txid",
        &[
            &c.id,
            &c.attempt,
            &c.seq,
            &c.turn,
            &c.stage,
            &c.kind,
            &c.answer,
            &c.seconds,
            &c.score,
            &c.result,
            &c.error,
            &c.created,
        ],
    )
    .map_err(server_err)?;
    tx.execute(
        "INSERT INTO reply_points (reply_id, criterion_id, points, weight)
         SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) ON CONFLICT DO NOTHING",
        &[&points.0, &points.1, &points.2, &points.3],
    )
    .map_err(server_err)?;
    tx.commit().map_err(server_err)?;
    note_pushed(store, &wrote)?;
    counts.pushed_replies += c.id.len() as u64;
    store.team_mark(&c.id)?;
    Ok(c.id.len() == chunk())
}

fn push_ends(
    store: &mut Store,
    client: &mut Client,
    trainee: &str,
    counts: &mut SyncCounts,
) -> Result<bool> {
    let mut ids: Vec<String> = Vec::new();
    let mut outcome = Outcomes::default();
    #[derive(Default)]
    struct Criteria {
        attempt: Vec<String>,
        criterion: Vec<String>,
        points: Vec<f64>,
        weight: Vec<f64>,
        replies: Vec<i32>,
    }
    let mut crit = Criteria::default();
    {
        let conn = store.conn();
        let mut stmt = local(conn.prepare_cached(&format!(
            "SELECT id, {OUTCOME_COLS}
             FROM attempts a WHERE a.trainee_id = ?1 AND a.status <> 'in_progress'
               AND EXISTS (SELECT 1 FROM team_known k WHERE k.id = a.id)
               AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = 'end:' || a.id)
               -- Only once everything it holds is up: an attempt ended on the server takes
               -- nothing more (a reply committed while this push ran waits for the next).
               AND NOT EXISTS (SELECT 1 FROM replies r WHERE r.attempt_id = a.id
                               AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = r.id))
               AND NOT EXISTS (SELECT 1 FROM live_events e WHERE e.attempt_id = a.id
                               AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = e.id))
             ORDER BY a.id LIMIT ?2"
        )))?;
        let mut cs = local(conn.prepare_cached(
            "SELECT criterion_id, points, weight, replies FROM attempt_criteria WHERE attempt_id = ?1",
        ))?;
        let mut rows = local(stmt.query(params![trainee, chunk() as i64]))?;
        while let Some(r) = local(rows.next())? {
            let id: String = local(r.get(0))?;
            outcome.push(r, 1)?;
            let mut q = local(cs.query([&id]))?;
            while let Some(cr) = local(q.next())? {
                crit.attempt.push(id.clone());
                crit.criterion.push(local(cr.get(0))?);
                crit.points.push(local(cr.get(1))?);
                crit.weight.push(local(cr.get(2))?);
                crit.replies.push(local(cr.get::<_, i64>(3))? as i32);
            }
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Ok(false);
    }
    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![&ids];
    params.extend(outcome.params());
    let mut tx = client.transaction().map_err(server_err)?;
    let wrote = tx.query(
        &format!(
            "UPDATE attempts a SET ended_at = u.ended_at, total = u.total, passed = u.passed, status = u.status,
                 ending = u.ending, scored_total = u.scored_total, scored_passed = u.scored_passed,
                 pass_mark = u.pass_mark, gated = u.gated
             FROM unnest($1::text[], {}) AS u(id, {OUTCOME_COLS})
             WHERE a.id = u.id AND a.status = 'in_progress' RETURNING a.txid",
            outcome_arrays(2)
        ),
        &params,
    )
    .map_err(server_err)?;
    tx.execute(
        "INSERT INTO attempt_criteria (attempt_id, criterion_id, points, weight, replies)
         SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::int4[]) ON CONFLICT DO NOTHING",
        &[
            &crit.attempt,
            &crit.criterion,
            &crit.points,
            &crit.weight,
            &crit.replies,
        ],
    )
    .map_err(server_err)?;
    tx.commit().map_err(server_err)?;
    note_pushed(store, &wrote)?;
    counts.pushed_ends += ids.len() as u64;
    let marks: Vec<String> = ids.iter().map(|id| format!("end:{id}")).collect();
    store.team_mark(&marks)?;
    Ok(ids.len() == chunk())
}

fn push_events(
    store: &mut Store,
    client: &mut Client,
    trainee: &str,
    counts: &mut SyncCounts,
) -> Result<bool> {
    let mut c: [Vec<Option<String>>; 7] = Default::default();
    {
        let mut stmt = local(store.conn().prepare_cached(
            "SELECT e.id, e.attempt_id, e.at, e.kind, e.stage_id, e.item_id, e.value
             FROM live_events e JOIN attempts a ON a.id = e.attempt_id
             WHERE a.trainee_id = ?1 AND EXISTS (SELECT 1 FROM team_known k WHERE k.id = a.id)
               AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = e.id)
             ORDER BY e.id LIMIT ?2",
        ))?;
        let mut rows = local(stmt.query(params![trainee, chunk() as i64]))?;
        while let Some(r) = local(rows.next())? {
            for (i, col) in c.iter_mut().enumerate() {
                col.push(local(r.get(i))?);
            }
        }
    }
    if c[0].is_empty() {
        return Ok(false);
    }
    let wrote = client
        .query(
            "INSERT INTO live_events (id, attempt_id, at, kind, stage_id, item_id, value)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
             ON CONFLICT (id) DO NOTHING RETURNING txid",
            &[&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6]],
        )
        .map_err(server_err)?;
    note_pushed(store, &wrote)?;
    let ids: Vec<String> = c[0].iter().flatten().cloned().collect();
    counts.pushed_events += ids.len() as u64;
    store.team_mark(&ids)?;
    Ok(ids.len() == chunk())
}

fn push_reviews(store: &mut Store, client: &mut Client, counts: &mut SyncCounts) -> Result<bool> {
    #[derive(Default)]
    struct Cols {
        id: Vec<String>,
        attempt: Vec<String>,
        at: Vec<String>,
        comment: Vec<Option<String>>,
        criterion: Vec<Option<String>>,
        points: Vec<Option<f64>>,
    }
    let mut c = Cols::default();
    {
        let mut stmt = local(store.conn().prepare_cached(
            "SELECT r.id, r.attempt_id, r.at, r.comment, r.criterion_id, r.override_points FROM reviews r
             WHERE EXISTS (SELECT 1 FROM team_known k WHERE k.id = r.attempt_id)
               AND NOT EXISTS (SELECT 1 FROM team_known k WHERE k.id = r.id)
             ORDER BY r.id LIMIT ?1",
        ))?;
        let mut rows = local(stmt.query([chunk() as i64]))?;
        while let Some(r) = local(rows.next())? {
            c.id.push(local(r.get(0))?);
            c.attempt.push(local(r.get(1))?);
            c.at.push(local(r.get(2))?);
            c.comment.push(local(r.get(3))?);
            c.criterion.push(local(r.get(4))?);
            c.points.push(local(r.get(5))?);
        }
    }
    if c.id.is_empty() {
        return Ok(false);
    }
    // The reviewer is whoever is signed in: the server writes it, whatever was sent.
    let wrote = client
        .query(
            "INSERT INTO reviews (id, attempt_id, at, comment, criterion_id, override_points)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[])
             ON CONFLICT (id) DO NOTHING RETURNING txid",
            &[&c.id, &c.attempt, &c.at, &c.comment, &c.criterion, &c.points],
        )
        .map_err(server_err)?;
    note_pushed(store, &wrote)?;
    counts.pushed_reviews += c.id.len() as u64;
    store.team_mark(&c.id)?;
    Ok(c.id.len() == chunk())
}

/// A scratch database file, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        for p in crate::store::db::companions(&self.0) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Brings in what changed on the server since the last pull and this login may see: the
/// rows are written to a scratch progress log and merged like a trainee's file (by id,
/// names cleaned, completed attempts from elsewhere verified before they count); then the
/// server verifier's verdicts and the certifications it granted are taken.
pub fn pull(store: &mut Store, client: &mut Client, counts: &mut SyncCounts) -> Result<()> {
    let mark: i64 = store
        .team_get("pull_mark")?
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let mut tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()
        .map_err(server_err)?;
    // What this client wrote itself since the last pull is here already: its transactions
    // are left out, so a sync does not pull back what it just pushed.
    let own_txids = store.team_get("pushed_txids")?.unwrap_or_default();
    let own = format!(
        "'{{{}}}'::bigint[]",
        own_txids
            .split(',')
            .filter_map(|t| t.trim().parse::<i64>().ok())
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let new_mark: i64 = tx
        .query_one("SELECT txid_snapshot_xmin(txid_current_snapshot())", &[])
        .map_err(server_err)
        .and_then(|r| super::col(&r, 0))?;
    // Nothing written since the last pull (the usual case): no scratch log, no merge.
    let changed: bool = tx
        .query_one(
            &format!(
                "SELECT EXISTS (SELECT 1 FROM attempts WHERE txid >= $1 AND txid <> ALL({own}))
                 OR EXISTS (SELECT 1 FROM replies WHERE txid >= $1 AND txid <> ALL({own}))
                 OR EXISTS (SELECT 1 FROM reviews WHERE txid >= $1 AND txid <> ALL({own}))
                 OR EXISTS (SELECT 1 FROM live_events WHERE txid >= $1 AND txid <> ALL({own}))
                 OR EXISTS (SELECT 1 FROM verifications WHERE txid >= $1)
                 OR EXISTS (SELECT 1 FROM certifications WHERE txid >= $1)"
            ),
            &[&mark],
        )
        .map_err(server_err)
        .and_then(|r| super::col(&r, 0))?;
    if !changed {
        tx.commit().map_err(server_err)?;
        store.team_set("pull_mark", &new_mark.to_string())?;
        store.team_forget_pushed(&own_txids)?;
        return Ok(());
    }
    let scratch =
        Scratch(std::env::temp_dir().join(format!("salesdojo-pull-{}.db", crate::store::new_id())));
    let mut into = Store::open_scratch(&scratch.0)?;

    // The attempts whose rows changed, and every attempt those rows belong to.
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE pulling ON COMMIT DROP AS
             SELECT id FROM attempts WHERE txid >= {mark} AND txid <> ALL({own})
             UNION SELECT attempt_id FROM replies WHERE txid >= {mark} AND txid <> ALL({own})
             UNION SELECT attempt_id FROM reviews WHERE txid >= {mark} AND txid <> ALL({own})
             UNION SELECT attempt_id FROM live_events WHERE txid >= {mark} AND txid <> ALL({own})
             UNION SELECT attempt_id FROM verifications WHERE txid >= {mark}"
    ))
    .map_err(server_err)?;
    let mut known: Vec<String> = Vec::new();
    let mut verdicts: Vec<ServerVerdict> = Vec::new();
    let mut certs: Vec<(String, String, i32, String)> = Vec::new();
    into.bulk(|w| {
        copy_rows(w, &mut tx, "SELECT id, name FROM teams", &[], "INSERT INTO teams VALUES (?1, ?2)", 2, &mut |_| Ok(()))?;
        copy_rows(
            w,
            &mut tx,
            "SELECT id, name, team_id, pseudonym, created_at FROM trainees",
            &[],
            "INSERT INTO trainees (id, name, team_id, pseudonym, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            5,
            &mut |_| Ok(()),
        )?;
        counts.pulled_attempts += copy_rows(
            w,
            &mut tx,
            "SELECT id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at,
                    ended_at, total, passed, status, ending, scored_total, scored_passed, pass_mark, gated
             FROM attempts WHERE id IN (SELECT id FROM pulling)",
            &[],
            "INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode,
                 started_at, ended_at, total, passed, status, ending, scored_total, scored_passed, pass_mark, gated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            17,
            &mut |r| {
                let id: String = pg_col(r, 0)?;
                let status: String = pg_col(r, 11)?;
                if status != "in_progress" {
                    known.push(format!("end:{id}"));
                }
                known.push(id);
                Ok(())
            },
        )?;
        copy_rows(
            w,
            &mut tx,
            &format!("SELECT DISTINCT s.id, s.json FROM results s JOIN replies r ON r.result_id = s.id WHERE r.txid >= $1 AND r.txid <> ALL({own})"),
            &[&mark],
            "INSERT OR IGNORE INTO results (id, json) VALUES (?1, ?2)",
            2,
            &mut |_| Ok(()),
        )?;
        counts.pulled_replies += copy_rows(
            w,
            &mut tx,
            &format!("SELECT id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id,
                    script_error, created_at FROM replies WHERE txid >= $1 AND txid <> ALL({own})"),
            &[&mark],
            "INSERT INTO replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score,
                 result_id, script_error, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            12,
            &mut |r| {
                known.push(pg_col(r, 0)?);
                Ok(())
            },
        )?;
        copy_rows(
            w,
            &mut tx,
            &format!("SELECT p.reply_id, p.criterion_id, p.points, p.weight FROM reply_points p
             JOIN replies r ON r.id = p.reply_id WHERE r.txid >= $1 AND r.txid <> ALL({own})"),
            &[&mark],
            "INSERT INTO reply_points (reply_id, criterion_id, points, weight) VALUES (?1, ?2, ?3, ?4)",
            4,
            &mut |_| Ok(()),
        )?;
        copy_rows(
            w,
            &mut tx,
            "SELECT attempt_id, criterion_id, points, weight, replies FROM attempt_criteria
             WHERE attempt_id IN (SELECT id FROM pulling)",
            &[],
            "INSERT INTO attempt_criteria (attempt_id, criterion_id, points, weight, replies) VALUES (?1, ?2, ?3, ?4, ?5)",
            5,
            &mut |_| Ok(()),
        )?;
        copy_rows(
            w,
            &mut tx,
            &format!("SELECT id, attempt_id, at, kind, stage_id, item_id, value FROM live_events WHERE txid >= $1 AND txid <> ALL({own})"),
            &[&mark],
            "INSERT INTO live_events (id, attempt_id, at, kind, stage_id, item_id, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            7,
            &mut |r| {
                known.push(pg_col(r, 0)?);
                Ok(())
            },
        )?;
        counts.pulled_reviews += copy_rows(
            w,
            &mut tx,
            &format!("SELECT id, attempt_id, reviewer, at, comment, criterion_id, override_points FROM reviews WHERE txid >= $1 AND txid <> ALL({own})"),
            &[&mark],
            "INSERT INTO reviews (id, attempt_id, reviewer, at, comment, criterion_id, override_points)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            7,
            &mut |r| {
                known.push(pg_col(r, 0)?);
                Ok(())
            },
        )?;
        let rows = tx
            .query(
                "SELECT attempt_id, status, derived_total, derived_passed, note, checked_at FROM verifications WHERE txid >= $1",
                &[&mark],
            )
            .map_err(|e| StoreError::Sqlite(format!("team server: {e}")))?;
        for r in rows {
            verdicts.push(ServerVerdict {
                attempt: pg_col(&r, 0)?,
                status: pg_col(&r, 1)?,
                total: pg_col(&r, 2)?,
                passed: pg_col(&r, 3)?,
                note: pg_col(&r, 4)?,
                at: pg_col(&r, 5)?,
            });
        }
        let rows = tx
            .query(
                "SELECT trainee_id, playbook_id, playbook_version, certified_at FROM certifications WHERE txid >= $1",
                &[&mark],
            )
            .map_err(|e| StoreError::Sqlite(format!("team server: {e}")))?;
        for r in rows {
            certs.push((
                pg_col(&r, 0)?,
                pg_col(&r, 1)?,
                pg_col(&r, 2)?,
                pg_col(&r, 3)?,
            ));
        }
        Ok(())
    })?;
    tx.commit().map_err(server_err)?;
    drop(into);
    store.merge_pulled(&scratch.0)?;
    counts.pulled_verdicts = store.take_team_verdicts(&verdicts, &certs)?;
    store.team_mark(&known)?;
    store.team_set("pull_mark", &new_mark.to_string())?;
    store.team_forget_pushed(&own_txids)?;
    Ok(())
}

/// Copies the rows of a server query into the scratch log, calling `each` on every row.
fn copy_rows(
    w: &rusqlite::Transaction<'_>,
    tx: &mut postgres::Transaction<'_>,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
    insert: &str,
    n: usize,
    each: &mut dyn FnMut(&postgres::Row) -> crate::store::Result<()>,
) -> crate::store::Result<u64> {
    let server = |e: postgres::Error| StoreError::Sqlite(format!("team server: {e}"));
    let mut stmt = w.prepare(insert)?;
    let mut rows = tx.query_raw(sql, params.iter().copied()).map_err(server)?;
    let mut count = 0;
    while let Some(row) = rows.next().map_err(server)? {
        let vals: Vec<rusqlite::types::Value> = (0..n)
            .map(|i| pg_value(&row, i))
            .collect::<crate::store::Result<_>>()?;
        stmt.execute(rusqlite::params_from_iter(vals))?;
        each(&row)?;
        count += 1;
    }
    Ok(count)
}

/// The server verifier's verdict on an attempt.
struct ServerVerdict {
    attempt: String,
    status: String,
    total: Option<f64>,
    passed: Option<i32>,
    note: Option<String>,
    at: String,
}

/// Column `i` of a row the server sent, as `T`; a clear error (never a panic) when the
/// server's column is not what this version reads, as after an admin altered it.
fn pg_col<'a, T: postgres::types::FromSql<'a>>(
    row: &'a postgres::Row,
    i: usize,
) -> crate::store::Result<T> {
    super::col(row, i).map_err(|e| StoreError::Remote(e.to_string()))
}

/// A server value as SQLite stores it.
fn pg_value(row: &postgres::Row, i: usize) -> crate::store::Result<rusqlite::types::Value> {
    use postgres::types::Type;
    use rusqlite::types::Value;
    let ty = row.columns().get(i).map(|c| c.type_().clone());
    let v = match ty {
        Some(t) if t == Type::INT4 => {
            pg_col::<Option<i32>>(row, i)?.map(|v| Value::Integer(v.into()))
        }
        Some(t) if t == Type::INT8 => pg_col::<Option<i64>>(row, i)?.map(Value::Integer),
        Some(t) if t == Type::FLOAT8 => pg_col::<Option<f64>>(row, i)?.map(Value::Real),
        _ => pg_col::<Option<String>>(row, i)?.map(Value::Text),
    };
    Ok(v.unwrap_or(Value::Null))
}

impl Store {
    /// Takes the server verifier's verdicts on attempts pulled from the server (attempts made
    /// on this machine have no verification row and are not touched) and the certifications
    /// it granted. Returns how many verdicts were taken.
    fn take_team_verdicts(
        &mut self,
        verdicts: &[ServerVerdict],
        certs: &[(String, String, i32, String)],
    ) -> crate::store::Result<u64> {
        self.bulk(|tx| {
            let mut n = 0;
            let mut stmt = tx.prepare_cached(
                "UPDATE verifications SET status = ?2, derived_total = ?3, derived_passed = ?4, note = ?5, checked_at = ?6
                 WHERE attempt_id = ?1",
            )?;
            for v in verdicts {
                n += stmt.execute(params![v.attempt, v.status, v.total, v.passed, v.note, v.at])?
                    as u64;
            }
            let mut stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO certifications (trainee_id, playbook_id, playbook_version, certified_at)
                 SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM trainees WHERE id = ?1)",
            )?;
            for (t, p, v, at) in certs {
                stmt.execute(params![t, p, v, at])?;
            }
            Ok(n)
        })
    }
}

/// How often the background sync also pulls (it pushes after every write).
const PULL_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// What the background sync last did.
#[derive(Debug, Clone, Default)]
pub struct BackgroundState {
    pub syncs: u64,
    pub last: Option<std::result::Result<SyncCounts, String>>,
}

/// Syncs in the background after each committed write, on its own thread with its own
/// connection to the local log: the caller never waits on the network. Pokes that arrive
/// while a sync runs are folded into one more sync.
pub struct Background {
    tx: Option<std::sync::mpsc::Sender<()>>,
    handle: Option<std::thread::JoinHandle<()>>,
    state: std::sync::Arc<std::sync::Mutex<BackgroundState>>,
}

impl Background {
    /// Starts syncing the log at `path` when it is joined to a team; `None` otherwise.
    pub fn start(path: &std::path::Path) -> Option<Background> {
        let joined = Store::open(path).ok()?.joined().ok()??;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let state = std::sync::Arc::new(std::sync::Mutex::new(BackgroundState::default()));
        let shared = state.clone();
        let path = path.to_path_buf();
        let handle = std::thread::Builder::new()
            .name("salesdojo-sync".into())
            .spawn(move || {
                let mut client: Option<Client> = None;
                let mut store: Option<Store> = None;
                let mut last_pull: Option<std::time::Instant> = None;
                // A sign-in the server refused (a wrong or missing password) is not tried
                // again after every reply: a company directory locks a login out after a
                // few. `salesdojo sync` or joining again tries it.
                let mut refused: Option<String> = None;
                while rx.recv().is_ok() {
                    while rx.try_recv().is_ok() {}
                    let outcome = (|| -> Result<SyncCounts> {
                        if let Some(why) = &refused {
                            return Err(TeamError::Invalid(why.clone()));
                        }
                        if store.is_none() {
                            store = Some(Store::open(&path)?);
                        }
                        let s = store.as_mut().ok_or(TeamError::NotJoined)?;
                        if client.as_mut().is_none_or(|c| c.is_closed()) {
                            let server = Server::parse(&joined.url, Some(&joined.user))?;
                            let mut c = match server.connect(None) {
                                Err(
                                    e @ (TeamError::WrongPassword { .. }
                                    | TeamError::NoPassword { .. }),
                                ) => {
                                    refused = Some(e.to_string());
                                    return Err(e);
                                }
                                r => r?,
                            };
                            super::check_schema(&mut c)?;
                            client = Some(c);
                        }
                        let c = client.as_mut().ok_or(TeamError::NotJoined)?;
                        // What was just written goes up at once; pulling what others wrote
                        // can wait for the next quiet moment.
                        let mut counts = SyncCounts::default();
                        let j = s.joined()?.ok_or(TeamError::NotJoined)?;
                        let mut r = push(s, c, &j, &mut counts);
                        if r.is_ok() && last_pull.is_none_or(|t| t.elapsed() >= PULL_EVERY) {
                            r = pull(s, c, &mut counts);
                            last_pull = Some(std::time::Instant::now());
                        }
                        if r.is_ok() {
                            s.team_set("last_sync", &stamp(Utc::now()))?;
                        } else {
                            client = None;
                        }
                        r.map(|()| counts)
                    })();
                    if let Ok(mut s) = shared.lock() {
                        s.syncs += 1;
                        s.last = Some(outcome.map_err(|e| e.to_string()));
                    }
                }
            })
            .ok()?;
        Some(Background {
            tx: Some(tx),
            handle: Some(handle),
            state,
        })
    }

    /// Asks for a sync (returns at once).
    pub fn poke(&self) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(());
        }
    }

    pub fn state(&self) -> BackgroundState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// How long a closing app or role-play lets a sync in flight finish: what is not sent by then
/// stays in the local log and goes at the next sync.
const LAST_SYNC_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Drop for Background {
    fn drop(&mut self) {
        self.tx = None;
        let deadline = std::time::Instant::now() + LAST_SYNC_WAIT;
        if let Some(h) = self.handle.take() {
            while !h.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            if h.is_finished() {
                let _ = h.join();
            }
        }
    }
}

/// A progress log that asks for a background sync after each committed write.
pub struct Syncing<L> {
    pub log: L,
    pub background: Option<Background>,
}

impl<L> Syncing<L> {
    fn poke(&self) {
        if let Some(b) = &self.background {
            b.poke();
        }
    }
}

impl<L: ProgressLog> ProgressLog for Syncing<L> {
    fn trainee(
        &mut self,
        name: &str,
        team: Option<&str>,
    ) -> crate::store::Result<crate::store::Trainee> {
        self.log.trainee(name, team)
    }
    fn start_attempt(&mut self, a: &crate::store::NewAttempt<'_>) -> crate::store::Result<()> {
        self.log.start_attempt(a)?;
        self.poke();
        Ok(())
    }
    fn record_reply(
        &mut self,
        reply_id: &str,
        attempt_id: &str,
        seq: u32,
        r: &crate::practice::ReplyRecord,
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log.record_reply(reply_id, attempt_id, seq, r, at)?;
        self.poke();
        Ok(())
    }
    fn finish_attempt(
        &mut self,
        attempt_id: &str,
        s: &crate::practice::Summary,
        weights: &[(String, f64)],
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log.finish_attempt(attempt_id, s, weights, at)?;
        self.poke();
        Ok(())
    }
    fn finish_and_certify(
        &mut self,
        attempt_id: &str,
        s: &crate::practice::Summary,
        weights: &[(String, f64)],
        at: chrono::DateTime<Utc>,
        scenarios: &[String],
    ) -> crate::store::Result<()> {
        self.log
            .finish_and_certify(attempt_id, s, weights, at, scenarios)?;
        self.poke();
        Ok(())
    }
    fn finish_visit(
        &mut self,
        attempt_id: &str,
        s: &crate::practice::live::LiveSummary,
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log.finish_visit(attempt_id, s, at)?;
        self.poke();
        Ok(())
    }
    fn abandon_attempt(
        &mut self,
        attempt_id: &str,
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log.abandon_attempt(attempt_id, at)?;
        self.poke();
        Ok(())
    }
    fn unfinished(&self, trainee_id: &str) -> crate::store::Result<Vec<crate::store::Unfinished>> {
        self.log.unfinished(trainee_id)
    }
    fn live_event(
        &mut self,
        attempt_id: &str,
        kind: &str,
        stage: Option<&str>,
        item: Option<&str>,
        value: Option<&str>,
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log
            .live_event(attempt_id, kind, stage, item, value, at)?;
        self.poke();
        Ok(())
    }
}
