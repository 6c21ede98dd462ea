//! Bringing in what changed on the server and this login may see.

use std::path::PathBuf;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, IsolationLevel};

use super::{SyncCounts, server_err};
use crate::store::team::Result;
use crate::store::{Store, StoreError};

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
        .and_then(|r| crate::store::team::col(&r, 0))?;
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
        .and_then(|r| crate::store::team::col(&r, 0))?;
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
    let mut pulled = Pulled::default();
    into.bulk(|w| {
        copy_changes(w, &mut tx, mark, &own, counts, &mut pulled.known)?;
        read_verdicts(&mut tx, mark, &mut pulled)
    })?;
    let Pulled {
        known,
        verdicts,
        certs,
    } = pulled;
    tx.commit().map_err(server_err)?;
    drop(into);
    store.merge_pulled(&scratch.0)?;
    counts.pulled_verdicts = store.take_team_verdicts(&verdicts, &certs)?;
    store.team_mark(&known)?;
    store.team_set("pull_mark", &new_mark.to_string())?;
    store.team_forget_pushed(&own_txids)?;
    Ok(())
}

/// What a pull noted besides the rows it copied: the ids now known to the server, and the
/// server verifier's verdicts and certifications to take.
#[derive(Default)]
struct Pulled {
    known: Vec<String>,
    verdicts: Vec<ServerVerdict>,
    certs: Vec<(String, String, i32, String)>,
}

/// Copies into the scratch log (`w`) the rows written on the server since `mark` by others
/// than this client (`own`: its transactions), with the teams, trainees and the whole of
/// every attempt they touch; notes the ids in `known`.
fn copy_changes(
    w: &rusqlite::Transaction<'_>,
    tx: &mut postgres::Transaction<'_>,
    mark: i64,
    own: &str,
    counts: &mut SyncCounts,
    known: &mut Vec<String>,
) -> crate::store::Result<()> {
    copy_rows(
        w,
        tx,
        "SELECT id, name FROM teams",
        &[],
        "INSERT INTO teams VALUES (?1, ?2)",
        2,
        &mut |_| Ok(()),
    )?;
    copy_rows(
        w,
        tx,
        "SELECT id, name, team_id, pseudonym, created_at FROM trainees",
        &[],
        "INSERT INTO trainees (id, name, team_id, pseudonym, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        5,
        &mut |_| Ok(()),
    )?;
    counts.pulled_attempts += copy_rows(
        w,
        tx,
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
        tx,
        &format!(
            "SELECT DISTINCT s.id, s.json FROM results s JOIN replies r ON r.result_id = s.id WHERE r.txid >= $1 AND r.txid <> ALL({own})"
        ),
        &[&mark],
        "INSERT OR IGNORE INTO results (id, json) VALUES (?1, ?2)",
        2,
        &mut |_| Ok(()),
    )?;
    counts.pulled_replies += copy_rows(
        w,
        tx,
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
        tx,
        &format!(
            "SELECT p.reply_id, p.criterion_id, p.points, p.weight FROM reply_points p
         JOIN replies r ON r.id = p.reply_id WHERE r.txid >= $1 AND r.txid <> ALL({own})"
        ),
        &[&mark],
        "INSERT INTO reply_points (reply_id, criterion_id, points, weight) VALUES (?1, ?2, ?3, ?4)",
        4,
        &mut |_| Ok(()),
    )?;
    copy_rows(
        w,
        tx,
        "SELECT attempt_id, criterion_id, points, weight, replies FROM attempt_criteria
         WHERE attempt_id IN (SELECT id FROM pulling)",
        &[],
        "INSERT INTO attempt_criteria (attempt_id, criterion_id, points, weight, replies) VALUES (?1, ?2, ?3, ?4, ?5)",
        5,
        &mut |_| Ok(()),
    )?;
    copy_rows(
        w,
        tx,
        &format!(
            "SELECT id, attempt_id, at, kind, stage_id, item_id, value FROM live_events WHERE txid >= $1 AND txid <> ALL({own})"
        ),
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
        tx,
        &format!(
            "SELECT id, attempt_id, reviewer, at, comment, criterion_id, override_points, reply_seq, sign_off FROM reviews WHERE txid >= $1 AND txid <> ALL({own})"
        ),
        &[&mark],
        "INSERT INTO reviews (id, attempt_id, reviewer, at, comment, criterion_id, override_points, reply_seq, sign_off)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        9,
        &mut |r| {
            known.push(pg_col(r, 0)?);
            Ok(())
        },
    )?;
    Ok(())
}

/// The server verifier's verdicts and the certifications granted since `mark`.
fn read_verdicts(
    tx: &mut postgres::Transaction<'_>,
    mark: i64,
    pulled: &mut Pulled,
) -> crate::store::Result<()> {
    let rows = tx
        .query(
            "SELECT attempt_id, status, derived_total, derived_passed, note, checked_at FROM verifications WHERE txid >= $1",
            &[&mark],
        )
        .map_err(|e| StoreError::Sqlite(format!("team server: {e}")))?;
    for r in rows {
        pulled.verdicts.push(ServerVerdict {
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
        pulled.certs.push((
            pg_col(&r, 0)?,
            pg_col(&r, 1)?,
            pg_col(&r, 2)?,
            pg_col(&r, 3)?,
        ));
    }
    Ok(())
}

/// Copies the rows of a server query into the scratch log, calling `each` on every row.
pub(super) fn copy_rows(
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
pub(super) struct ServerVerdict {
    pub(super) attempt: String,
    pub(super) status: String,
    pub(super) total: Option<f64>,
    pub(super) passed: Option<i32>,
    pub(super) note: Option<String>,
    pub(super) at: String,
}

/// Column `i` of a row the server sent, as `T`; a clear error (never a panic) when the
/// server's column is not what this version reads, as after an admin altered it.
pub(super) fn pg_col<'a, T: postgres::types::FromSql<'a>>(
    row: &'a postgres::Row,
    i: usize,
) -> crate::store::Result<T> {
    crate::store::team::col(row, i).map_err(|e| StoreError::Remote(e.to_string()))
}

/// A server value as SQLite stores it.
pub(super) fn pg_value(
    row: &postgres::Row,
    i: usize,
) -> crate::store::Result<rusqlite::types::Value> {
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

/// Brings in the published playbooks this client lacks, and the files again of a copy whose
/// files no longer give its hash: every client uses the same versions. Returns how many.
pub fn pull_published(store: &Store, client: &mut Client) -> Result<usize> {
    use crate::publish::{Usable, usable};
    let local = crate::store::sql::published_versions(store.records_local(), None, true)
        .map_err(crate::store::team::TeamError::Store)?;
    let server = client
        .query("SELECT playbook_id, version, hash FROM published", &[])
        .map_err(server_err)?;
    let mut wanted = Vec::new();
    for r in &server {
        let (pb, v, hash): (String, i32, String) = (
            crate::store::team::col(r, 0)?,
            crate::store::team::col(r, 1)?,
            crate::store::team::col(r, 2)?,
        );
        let here = local
            .iter()
            .find(|l| l.playbook == pb && i64::from(l.version) == i64::from(v));
        match here {
            None => wanted.push((pb, v, false)),
            Some(l) if l.hash == hash && usable(l) == Usable::Damaged => wanted.push((pb, v, true)),
            Some(_) => {}
        }
    }
    for (pb, v, repair) in &wanted {
        let row = client
            .query_one(
                "SELECT hash, format, files, note, published_by, published_at
                 FROM published WHERE playbook_id = $1 AND version = $2",
                &[pb, v],
            )
            .map_err(server_err)?;
        let hash: String = crate::store::team::col(&row, 0)?;
        let format: i32 = crate::store::team::col(&row, 1)?;
        let files: String = crate::store::team::col(&row, 2)?;
        let note: Option<String> = crate::store::team::col(&row, 3)?;
        let by: String = crate::store::team::col(&row, 4)?;
        let at: String = crate::store::team::col(&row, 5)?;
        let c = store.conn();
        let done = if *repair {
            c.execute(
                "UPDATE published SET files = ?3 WHERE playbook_id = ?1 AND version = ?2",
                rusqlite::params![pb, v, files],
            )
        } else {
            c.execute(
                "INSERT INTO published (playbook_id, version, hash, format, files, note, published_by, published_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                rusqlite::params![pb, v, hash, format, files, note, by, at],
            )
        };
        done.map_err(|e| crate::store::team::TeamError::Store(StoreError::from(e)))?;
    }
    Ok(wanted.len())
}
