//! Merging a trainee's database into a manager's. The other file is untrusted: a trainee can
//! edit their own file, and a crafted file can carry views or triggers that run code, loop
//! forever or grow the manager's database without bound. So before anything is read:
//!
//! - the file is opened read-only through SQLite, with `trusted_schema = OFF`;
//! - its schema must be exactly the one salesdojo creates at its version: a table replaced by
//!   a view, a trigger or a view salesdojo never creates, or a changed table is refused;
//! - `PRAGMA quick_check` must pass;
//! - every read is bounded by the file's own row counts.
//!
//! Scores are claims: imported completed attempts are marked `pending` in `verifications`
//! (re-scored from their replies by [`crate::session::merge_and_verify`]), certifications are
//! not copied but earned again from verified attempts, and names are cleaned of control and
//! format characters.

use std::path::Path;

use rusqlite::Connection;

use super::db::{Access, connect, is_database_file};
use super::{Result, Store, StoreError, schema};

/// What a merge brought in.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct MergeCounts {
    pub trainees: usize,
    pub attempts: usize,
    pub replies: usize,
    pub reviews: usize,
    /// Imported completed attempts waiting to be re-scored from their replies.
    pub to_verify: usize,
    /// Certifications the other file claims (never copied: earned again here).
    pub certifications_claimed: usize,
    /// Names and teams that held control or format characters, stored cleaned.
    pub names_cleaned: usize,
}

/// The tables a merge reads, in the order it reads them.
const TABLES: [&str; 10] = [
    "teams",
    "trainees",
    "attempts",
    "results",
    "replies",
    "reply_points",
    "attempt_criteria",
    "live_events",
    "reviews",
    "certifications",
];

/// A schema object: type, name, table, SQL.
type SchemaObject = (String, String, String, Option<String>);

/// The schema objects of a database, its own internal ones left out.
fn schema_objects(c: &Connection, db: &str) -> Result<Vec<SchemaObject>> {
    let mut stmt = c.prepare(&format!(
        "SELECT type, name, tbl_name, sql FROM {db}.sqlite_schema
         WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name"
    ))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<std::result::Result<_, _>>()?;
    Ok(rows)
}

/// Why a file's schema is not the one salesdojo creates at `version`, if it is not.
fn schema_difference(probe: &Connection, version: i64) -> Result<Option<String>> {
    let reference = Connection::open_in_memory()?;
    for step in &schema::MIGRATIONS[..version as usize] {
        reference.execute_batch(step)?;
    }
    let want = schema_objects(&reference, "main")?;
    let got = schema_objects(probe, "main")?;
    for (kind, name, _, sql) in &got {
        match want.iter().find(|w| &w.1 == name) {
            None => {
                return Ok(Some(format!(
                    "it holds a {kind} '{name}' that salesdojo never creates"
                )));
            }
            Some(w) if &w.0 != kind => {
                return Ok(Some(format!(
                    "'{name}' is a {kind} where salesdojo has a {}",
                    w.0
                )));
            }
            Some(w) if &w.3 != sql => {
                return Ok(Some(format!("its {kind} '{name}' has been changed")));
            }
            Some(_) => {}
        }
    }
    if let Some(missing) = want.iter().find(|w| !got.iter().any(|g| g.1 == w.1)) {
        return Ok(Some(format!(
            "its {} '{}' is missing",
            missing.0, missing.1
        )));
    }
    Ok(None)
}

impl Store {
    /// Brings another salesdojo database into this one. Idempotent: rows are matched by their
    /// UUIDs, so merging the same file twice adds nothing. An attempt that was still in
    /// progress here and is finished there is updated. A trainee whose pseudonym is already
    /// another trainee's here comes in without one (exports then name them by id).
    pub fn merge(&mut self, other: &Path) -> Result<MergeCounts> {
        let shown = other.display().to_string();
        let untrusted = |reason: String| StoreError::Untrusted {
            path: shown.clone(),
            reason,
        };
        if is_database_file(other, &self.path) {
            return Err(StoreError::Open {
                path: shown,
                reason: "it is this database itself".into(),
            });
        }
        let (probe, version) = connect(other, Access::ReadOnly)?;
        probe.execute_batch("PRAGMA trusted_schema = OFF;")?;
        if version > schema::VERSION {
            return Err(StoreError::Newer {
                path: shown,
                found: version,
                supported: schema::VERSION,
            });
        }
        if version < 1 {
            return Err(StoreError::NotADatabase { path: shown });
        }
        if let Some(why) = schema_difference(&probe, version)? {
            return Err(untrusted(why));
        }
        let check: String = probe
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|_| StoreError::Damaged {
                path: shown.clone(),
            })?;
        if check != "ok" {
            return Err(StoreError::Damaged { path: shown });
        }
        // The file's own row counts bound every read below (the tables are real tables now).
        let mut bound = std::collections::HashMap::new();
        for t in TABLES {
            let n: i64 = probe.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))?;
            bound.insert(t, n);
        }
        drop(probe);
        let n = |t: &str| bound.get(t).copied().unwrap_or(0);
        let path = other.to_string_lossy().into_owned();
        self.conn()
            .execute("ATTACH DATABASE ?1 AS other", [&path])?;
        let result = self.bulk(|tx| {
            let count = |table: &str| -> Result<usize> {
                Ok(tx.query_row(&format!("SELECT COUNT(*) FROM main.{table}"), [], |r| {
                    r.get::<_, i64>(0)
                })? as usize)
            };
            let before = (count("trainees")?, count("attempts")?, count("replies")?, count("reviews")?);
            // The completed practice attempts this merge brings in or finishes: claims to verify.
            tx.execute_batch(&format!(
                "DROP TABLE IF EXISTS temp.merging;
                 CREATE TEMP TABLE merging AS
                     SELECT o.id FROM (SELECT * FROM other.attempts LIMIT {a}) o
                     LEFT JOIN main.attempts m ON m.id = o.id
                     WHERE o.status = 'completed' AND o.mode = 'practice'
                       AND (m.id IS NULL OR m.status = 'in_progress');",
                a = n("attempts")
            ))?;
            tx.execute_batch(&format!(
                "INSERT OR IGNORE INTO main.teams SELECT id, name FROM other.teams LIMIT {teams};
                 INSERT OR IGNORE INTO main.trainees (id, name, team_id, pseudonym, created_at)
                     SELECT o.id, o.name, o.team_id,
                            CASE WHEN EXISTS (SELECT 1 FROM main.trainees m WHERE m.pseudonym = o.pseudonym AND m.id <> o.id)
                                 THEN NULL ELSE o.pseudonym END,
                            o.created_at FROM other.trainees o LIMIT {trainees};
                 INSERT INTO main.attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, ended_at, total, passed, status, ending)
                     SELECT id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, ended_at, {scored}, status, ending FROM other.attempts WHERE true LIMIT {attempts}
                     ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, total = excluded.total, passed = excluded.passed,
                         status = excluded.status, ending = excluded.ending
                     WHERE main.attempts.status = 'in_progress' AND excluded.status <> 'in_progress';
                 INSERT OR IGNORE INTO main.results SELECT id, json FROM other.results LIMIT {results};
                 INSERT OR IGNORE INTO main.replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at)
                     SELECT id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at FROM other.replies LIMIT {replies};
                 INSERT OR IGNORE INTO main.reply_points SELECT reply_id, criterion_id, points, weight FROM other.reply_points LIMIT {points};
                 INSERT OR IGNORE INTO main.attempt_criteria (attempt_id, criterion_id, points, weight, replies) SELECT attempt_id, criterion_id, points, weight, replies FROM other.attempt_criteria
                     WHERE attempt_id IN (SELECT id FROM main.attempts WHERE status = 'completed') LIMIT {criteria};
                 INSERT OR IGNORE INTO main.live_events SELECT id, attempt_id, at, kind, stage_id, item_id, value FROM other.live_events LIMIT {events};
                 INSERT OR IGNORE INTO main.reviews SELECT id, attempt_id, reviewer, at, comment, criterion_id, override_points FROM other.reviews LIMIT {reviews};
                 INSERT INTO main.verifications (attempt_id, status) SELECT id, 'pending' FROM temp.merging WHERE true
                     ON CONFLICT (attempt_id) DO UPDATE SET status = 'pending', derived_total = NULL, derived_passed = NULL, note = NULL, checked_at = NULL;",
                // What scoring gave: the reviews merged with it decide here again, by this
                // database's triggers (a file's own reviewed totals are not taken on trust).
                scored = if version >= 7 {
                    "COALESCE(scored_total, total), CASE WHEN scored_total IS NULL THEN passed ELSE scored_passed END"
                } else {
                    "total, passed"
                },
                teams = n("teams"),
                trainees = n("trainees"),
                attempts = n("attempts"),
                results = n("results"),
                replies = n("replies"),
                points = n("reply_points"),
                criteria = n("attempt_criteria"),
                events = n("live_events"),
                reviews = n("reviews"),
            ))?;
            let to_verify: i64 = tx.query_row("SELECT COUNT(*) FROM temp.merging", [], |r| r.get(0))?;
            tx.execute_batch("DROP TABLE temp.merging;")?;
            let names_cleaned = clean_names(tx, n("trainees"), n("teams"))?;
            let after = (count("trainees")?, count("attempts")?, count("replies")?, count("reviews")?);
            Ok(MergeCounts {
                trainees: after.0 - before.0,
                attempts: after.1 - before.1,
                replies: after.2 - before.2,
                reviews: after.3 - before.3,
                to_verify: to_verify as usize,
                certifications_claimed: n("certifications") as usize,
                names_cleaned,
            })
        });
        // Detach whatever happened, then report the merge's own result.
        let detached = self.conn().execute("DETACH DATABASE other", []);
        let counts = result?;
        detached?;
        Ok(counts)
    }
}

/// Names and teams brought in from the other file, cleaned of control and format characters.
fn clean_names(tx: &rusqlite::Transaction<'_>, trainees: i64, teams: i64) -> Result<usize> {
    let mut cleaned = 0;
    for (table, limit) in [("trainees", trainees), ("teams", teams)] {
        let dirty: Vec<(String, String)> = tx
            .prepare(&format!(
                "SELECT id, name FROM main.{table} WHERE id IN (SELECT id FROM other.{table} LIMIT {limit})"
            ))?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .filter_map(|r| match r {
                Ok((id, name)) => {
                    let clean = crate::untrusted::clean(&name);
                    (clean != name).then(|| Ok((id, clean.into_owned())))
                }
                Err(e) => Some(Err(e)),
            })
            .collect::<std::result::Result<_, _>>()?;
        for (id, name) in dirty {
            let name = if name.trim().is_empty() {
                "?".to_owned()
            } else {
                name
            };
            // A team's name is unique: a cleaned name that another team has keeps its id.
            tx.execute(
                &format!("UPDATE OR IGNORE main.{table} SET name = ?1 WHERE id = ?2"),
                [&name, &id],
            )?;
            cleaned += 1;
        }
    }
    Ok(cleaned)
}

/// An imported attempt waiting to be re-scored from its replies.
#[derive(Debug, Clone)]
pub struct Pending {
    pub attempt_id: String,
    pub playbook: String,
    pub playbook_hash: String,
    pub playbook_version: i64,
    pub scenario: String,
    pub trainee_id: String,
    pub total: Option<f64>,
    pub passed: Option<bool>,
}

/// How an imported attempt's stored score compares with the one its replies give.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The replies give the stored total and verdict.
    Verified,
    /// They do not: the stored result is flagged and not counted.
    Mismatch { total: f64, passed: bool },
    /// It was scored against content this machine does not have.
    Unverifiable(String),
}

impl Store {
    /// Up to `limit` imported attempts waiting for verification, in id order after `after`
    /// (a key range on the primary key, so each chunk costs the same however many came before).
    pub fn pending_verifications(&self, after: &str, limit: usize) -> Result<Vec<Pending>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT a.id, a.playbook_id, a.playbook_hash, a.playbook_version, a.scenario_id, a.trainee_id,
                    COALESCE(a.scored_total, a.total), CASE WHEN a.scored_total IS NULL THEN a.passed ELSE a.scored_passed END
             FROM verifications v JOIN attempts a ON a.id = v.attempt_id
             WHERE v.attempt_id > ?1 AND v.status = 'pending' ORDER BY v.attempt_id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(rusqlite::params![after, limit as i64], |r| {
                Ok(Pending {
                    attempt_id: r.get(0)?,
                    playbook: r.get(1)?,
                    playbook_hash: r.get(2)?,
                    playbook_version: r.get(3)?,
                    scenario: r.get(4)?,
                    trainee_id: r.get(5)?,
                    total: r.get(6)?,
                    passed: r.get::<_, Option<i64>>(7)?.map(|p| p != 0),
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
        Ok(rows)
    }

    /// How many imported attempts wait for verification.
    pub fn pending_count(&self) -> Result<u64> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM verifications WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Records the outcome of re-scoring imported attempts, in one transaction.
    pub fn record_verifications(
        &mut self,
        outcomes: &[(String, Verdict)],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let at = super::stamp(at);
        self.bulk(|tx| {
            let mut stmt = tx.prepare_cached(
                "UPDATE verifications SET status = ?2, derived_total = ?3, derived_passed = ?4, note = ?5, checked_at = ?6
                 WHERE attempt_id = ?1",
            )?;
            for (id, v) in outcomes {
                let (status, total, passed, note) = match v {
                    Verdict::Verified => ("verified", None, None, None),
                    Verdict::Mismatch { total, passed } => {
                        ("mismatch", Some(*total), Some(*passed), None)
                    }
                    Verdict::Unverifiable(why) => ("unverifiable", None, None, Some(why.as_str())),
                };
                stmt.execute(rusqlite::params![id, status, total, passed, note, at])?;
            }
            Ok(())
        })
    }

    /// Certifies the trainee for a playbook version when every one of `scenarios` has a passed
    /// attempt scored here or verified (an imported claim alone earns nothing).
    pub fn certify_if_earned(
        &mut self,
        trainee_id: &str,
        playbook: &str,
        version: i64,
        scenarios: &[String],
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        for s in scenarios {
            let passed = self
                .conn()
                .prepare_cached(&format!(
                    "SELECT 1 FROM attempts WHERE trainee_id = ?1 AND playbook_id = ?2 AND playbook_version = ?3
                       AND scenario_id = ?4 AND passed = 1 AND mode = 'practice' AND {COUNTED} LIMIT 1"
                ))?
                .exists(rusqlite::params![trainee_id, playbook, version, s])?;
            if !passed {
                return Ok(false);
            }
        }
        self.conn().execute(
            "INSERT OR IGNORE INTO certifications (trainee_id, playbook_id, playbook_version, certified_at)
             VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![trainee_id, playbook, version, super::stamp(at)],
        )?;
        Ok(true)
    }
}

/// SQL condition on `attempts`: scored here, or imported and verified.
pub(crate) const COUNTED: &str = "NOT EXISTS (SELECT 1 FROM verifications v WHERE v.attempt_id = attempts.id AND v.status <> 'verified')";
#[cfg(test)]
mod tests {
    use super::*;

    fn trainee_with_pseudonym(path: &Path, name: &str, pseudonym: &str) -> String {
        let mut s = Store::open(path).expect("opens");
        let t = crate::store::ProgressLog::trainee(&mut s, name, Some("East")).expect("trainee");
        s.conn()
            .execute(
                "UPDATE trainees SET pseudonym = ?1 WHERE id = ?2",
                [pseudonym, &t.id],
            )
            .expect("pseudonym");
        t.id
    }

    /// Two machines gave the same pseudonym to two different trainees: the merge brings the
    /// other trainee in (without it) instead of failing on the attempts that name them.
    #[test]
    fn a_clashing_pseudonym_does_not_stop_a_merge() {
        let dir = tempfile::tempdir().expect("temp");
        let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
        let mine = trainee_with_pseudonym(&a, "Li", "learner-0001");
        let theirs = trainee_with_pseudonym(&b, "Wang", "learner-0001");
        let mut s = Store::open(&a).expect("opens");
        let n = s.merge(&b).expect("merges");
        assert_eq!(n.trainees, 1);
        let get = |id: &str| -> Option<String> {
            s.conn()
                .query_row("SELECT pseudonym FROM trainees WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .expect("row")
        };
        assert_eq!(get(&mine).as_deref(), Some("learner-0001"));
        assert_eq!(get(&theirs), None);
        assert_eq!(s.merge(&b).expect("again").trainees, 0);
    }
}
