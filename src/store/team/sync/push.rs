//! Sending what the server lacks, one server transaction per step.

use postgres::Client;
use rusqlite::{OptionalExtension, params};

use super::{Joined, SyncCounts, chunk, local, server_err};
use crate::store::team::Result;
use crate::store::{Store, StoreError};

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
pub(super) fn note_pushed(store: &Store, wrote: &[postgres::Row]) -> Result<()> {
    if let Some(r) = wrote.first() {
        store.team_note_pushed(crate::store::team::col::<i64>(r, 0)?)?;
    }
    Ok(())
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
pub(super) fn outcome_arrays(first: usize) -> String {
    [
        "text", "float8", "int4", "text", "text", "float8", "int4", "int4", "int4",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| format!("${}::{t}[]", first + i))
    .collect::<Vec<_>>()
    .join(", ")
}

pub(super) fn push_attempts(
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

pub(super) fn push_replies(
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

pub(super) fn push_ends(
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

pub(super) fn push_events(
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

pub(super) fn push_reviews(
    store: &mut Store,
    client: &mut Client,
    counts: &mut SyncCounts,
) -> Result<bool> {
    #[derive(Default)]
    struct Cols {
        id: Vec<String>,
        attempt: Vec<String>,
        at: Vec<String>,
        comment: Vec<Option<String>>,
        criterion: Vec<Option<String>>,
        points: Vec<Option<f64>>,
        reply: Vec<Option<i32>>,
        sign_off: Vec<i32>,
    }
    let mut c = Cols::default();
    {
        let mut stmt = local(store.conn().prepare_cached(
            "SELECT r.id, r.attempt_id, r.at, r.comment, r.criterion_id, r.override_points, r.reply_seq, r.sign_off FROM reviews r
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
            c.reply
                .push(local(r.get::<_, Option<i64>>(6))?.and_then(|n| i32::try_from(n).ok()));
            c.sign_off.push(local(r.get::<_, i64>(7))? as i32);
        }
    }
    if c.id.is_empty() {
        return Ok(false);
    }
    // The reviewer is whoever is signed in: the server writes it, whatever was sent.
    let wrote = client
        .query(
            "INSERT INTO reviews (id, attempt_id, at, comment, criterion_id, override_points, reply_seq, sign_off)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[],
                                  $7::int4[], $8::int4[])
             ON CONFLICT (id) DO NOTHING RETURNING txid",
            &[&c.id, &c.attempt, &c.at, &c.comment, &c.criterion, &c.points, &c.reply, &c.sign_off],
        )
        .map_err(server_err)?;
    note_pushed(store, &wrote)?;
    counts.pushed_reviews += c.id.len() as u64;
    store.team_mark(&c.id)?;
    Ok(c.id.len() == chunk())
}
