//! Getting results out and in: CSV for spreadsheets, xAPI 1.0.3 statements for a company's
//! learning record store, and merging a trainee's database into a manager's.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::params_from_iter;
use serde_json::{Value, json};

use super::report::{ATTEMPT_COLS, AttemptRow, EFFECTIVE, FROM, Filter, attempt_row};
use super::{Result, Store, StoreError, schema};

/// One attempt with its per-criterion points, as exported.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub attempt: AttemptRow,
    pub trainee_id: String,
    pub pseudonym: Option<String>,
    /// (criterion, effective points, weight)
    pub criteria: Vec<(String, f64, f64)>,
}

impl Store {
    pub fn export_rows(&self, f: &Filter) -> Result<Vec<ExportRow>> {
        let (cond, vals) = f.sql();
        let sql = format!(
            "SELECT {ATTEMPT_COLS}, t.id, t.pseudonym {FROM} WHERE 1 = 1{cond} ORDER BY a.started_at, a.id"
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows: Vec<ExportRow> = stmt
            .query_map(params_from_iter(vals.iter()), |r| {
                Ok(ExportRow {
                    attempt: attempt_row(r)?,
                    trainee_id: r.get(12)?,
                    pseudonym: r.get(13)?,
                    criteria: Vec::new(),
                })
            })?
            .collect::<std::result::Result<_, _>>()?;
        let mut crit = self.conn().prepare_cached(&format!(
            "SELECT ac.criterion_id, {EFFECTIVE}, ac.weight
             FROM attempt_criteria ac WHERE ac.attempt_id = ?1 ORDER BY ac.criterion_id"
        ))?;
        for row in &mut rows {
            row.criteria = crit
                .query_map([&row.attempt.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<std::result::Result<_, _>>()?;
        }
        Ok(rows)
    }
}

/// A cell a spreadsheet will not run as a formula: text a trainee typed (a name, a team) that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's
/// advice against CSV injection). Ids, dates and numbers are written by salesdojo and left as
/// they are.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// CSV: a header row, one row per attempt, a column per criterion; RFC 4180 quoting; UTF-8,
/// with a byte-order mark when `bom` (Excel needs it to read Chinese correctly).
pub fn to_csv(rows: &[ExportRow], bom: bool) -> std::result::Result<Vec<u8>, csv::Error> {
    let criteria: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.criteria.iter().map(|c| c.0.as_str()))
        .collect();
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let mut header: Vec<String> = [
            "attempt_id",
            "trainee_id",
            "trainee",
            "team",
            "playbook",
            "version",
            "scenario",
            "mode",
            "started_at",
            "ended_at",
            "status",
            "total",
            "passed",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        header.extend(criteria.iter().map(|c| format!("criterion:{c}")));
        w.write_record(&header)?;
        for row in rows {
            let r = &row.attempt;
            let mut rec = vec![
                r.id.clone(),
                row.trainee_id.clone(),
                inert(&row.pseudonym.clone().unwrap_or_else(|| r.trainee.clone())),
                inert(r.team.as_deref().unwrap_or_default()),
                r.playbook.clone(),
                r.version.to_string(),
                r.scenario.clone(),
                r.mode.clone(),
                r.started_at.clone(),
                r.ended_at.clone().unwrap_or_default(),
                r.status.clone(),
                r.total.map(|t| format!("{t:.1}")).unwrap_or_default(),
                r.passed.map(|p| p.to_string()).unwrap_or_default(),
            ];
            for c in &criteria {
                rec.push(
                    row.criteria
                        .iter()
                        .find(|x| x.0 == *c)
                        .map(|x| format!("{:.1}", x.1))
                        .unwrap_or_default(),
                );
            }
            w.write_record(&rec)?;
        }
        w.flush()?;
    }
    Ok(out)
}

const VERB_BASE: &str = "http://adlnet.gov/expapi/verbs/";

fn verb(name: &str) -> Value {
    json!({ "id": format!("{VERB_BASE}{name}"), "display": { "en-US": name } })
}

/// ISO 8601 duration between two RFC 3339 stamps, `PT…S`.
fn duration(start: &str, end: Option<&str>) -> Option<String> {
    let s = chrono::DateTime::parse_from_rfc3339(start).ok()?;
    let e = chrono::DateTime::parse_from_rfc3339(end?).ok()?;
    let secs = (e - s).num_seconds().max(0);
    Some(format!("PT{secs}S"))
}

/// A stable statement id: exporting the same attempt twice gives the same ids, so a learning
/// record store will not store it twice.
fn statement_id(parts: &[&str]) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, parts.join("|").as_bytes()).to_string()
}

/// The base IRI of xAPI activity and account ids unless another is given.
pub const DEFAULT_XAPI_BASE: &str = "https://salesdojo.example/xapi";

/// What an export file holds.
#[derive(Debug, Clone, Copy)]
pub enum Format<'a> {
    /// One row per attempt; `bom`: a UTF-8 byte-order mark first, for Excel.
    Csv { bom: bool },
    /// xAPI statements, ids under `base`.
    Xapi { base: &'a str },
}

/// Why an export could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write '{path}': {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Store {
    /// The attempts of a filter as the bytes of an export file, and how many attempts.
    pub fn export(
        &self,
        f: &Filter,
        format: Format<'_>,
    ) -> std::result::Result<(usize, Vec<u8>), ExportError> {
        let rows = self.export_rows(f)?;
        let bytes = match format {
            Format::Csv { bom } => to_csv(&rows, bom)?,
            Format::Xapi { base } => {
                let mut b = serde_json::to_vec_pretty(&to_xapi(self, &rows, base)?)?;
                b.push(b'\n');
                b
            }
        };
        Ok((rows.len(), bytes))
    }
}

/// Writes an export file: a new file beside `path`, renamed over it, so a failed write never
/// leaves half a file where the old one was.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::result::Result<(), ExportError> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.writing"));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| {
            let _ = std::fs::remove_file(&tmp);
            ExportError::Write {
                path: path.display().to_string(),
                source,
            }
        })
}

/// xAPI 1.0.3 statements: one per attempt (passed / failed / completed) and one per reply and
/// criterion (answered). Actors are accounts under `base` named by pseudonym or trainee id,
/// never by display name, so trainees stay pseudonymous.
pub fn to_xapi(store: &Store, rows: &[ExportRow], base: &str) -> Result<Vec<Value>> {
    let base = base.trim_end_matches('/');
    let mut out = Vec::new();
    let mut replies = store.conn().prepare_cached(
        "SELECT r.id, r.turn_id, r.created_at, p.criterion_id, p.points
         FROM replies r JOIN reply_points p ON p.reply_id = r.id WHERE r.attempt_id = ?1 ORDER BY r.seq, p.criterion_id",
    )?;
    for row in rows {
        let r = &row.attempt;
        let actor = json!({
            "objectType": "Agent",
            "account": { "homePage": base, "name": row.pseudonym.clone().unwrap_or_else(|| row.trainee_id.clone()) },
        });
        let playbook = format!("{base}/playbooks/{}", r.playbook);
        let scenario = format!("{playbook}/scenarios/{}", r.scenario);
        let grouping = json!([{ "id": playbook, "objectType": "Activity" }]);
        if r.status == "completed" {
            let total = r.total.unwrap_or(0.0).clamp(0.0, 100.0);
            let v = match r.passed {
                Some(true) => "passed",
                Some(false) => "failed",
                None => "completed",
            };
            let mut result = json!({
                "score": { "scaled": total / 100.0, "raw": total, "min": 0, "max": 100 },
                "success": r.passed.unwrap_or(false),
                "completion": true,
            });
            if let Some(d) = duration(&r.started_at, r.ended_at.as_deref()) {
                result["duration"] = json!(d);
            }
            out.push(json!({
                "id": statement_id(&[&r.id, "attempt"]),
                "actor": actor,
                "verb": verb(v),
                "object": {
                    "objectType": "Activity",
                    "id": scenario,
                    "definition": { "type": "http://adlnet.gov/expapi/activities/simulation", "name": { "en-US": r.scenario } },
                },
                "result": result,
                "context": {
                    "registration": r.id,
                    "contextActivities": { "grouping": grouping },
                    "extensions": { format!("{base}/extensions/playbook-version"): r.version },
                },
                "timestamp": r.ended_at.clone().unwrap_or_else(|| r.started_at.clone()),
            }));
        }
        let points: Vec<(String, String, String, String, f64)> = replies
            .query_map([&r.id], |q| {
                Ok((q.get(0)?, q.get(1)?, q.get(2)?, q.get(3)?, q.get(4)?))
            })?
            .collect::<std::result::Result<_, _>>()?;
        for (reply_id, turn, at, criterion, pts) in points {
            let pts = pts.clamp(0.0, 100.0);
            out.push(json!({
                "id": statement_id(&[&reply_id, &criterion]),
                "actor": actor,
                "verb": verb("answered"),
                "object": {
                    "objectType": "Activity",
                    "id": format!("{scenario}/turns/{turn}"),
                    "definition": { "type": "http://adlnet.gov/expapi/activities/cmi.interaction", "name": { "en-US": turn } },
                },
                "result": { "score": { "scaled": pts / 100.0, "raw": pts, "min": 0, "max": 100 } },
                "context": {
                    "registration": r.id,
                    "contextActivities": { "parent": [{ "id": scenario, "objectType": "Activity" }], "grouping": grouping },
                    "extensions": { format!("{base}/extensions/criterion"): criterion },
                },
                "timestamp": at,
            }));
        }
    }
    Ok(out)
}

/// What a merge brought in.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct MergeCounts {
    pub trainees: usize,
    pub attempts: usize,
    pub replies: usize,
    pub reviews: usize,
}

impl Store {
    /// Brings another salesdojo database into this one. Idempotent: rows are matched by their
    /// UUIDs, so merging the same file twice adds nothing. An attempt that was still in
    /// progress here and is finished there is updated. A trainee whose pseudonym is already
    /// another trainee's here comes in without one (exports then name them by id).
    pub fn merge(&mut self, other: &Path) -> Result<MergeCounts> {
        // Check the other file the same way opening it would, without writing to it.
        let shown = other.display().to_string();
        let probe = rusqlite::Connection::open_with_flags(
            other,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .map_err(|e| StoreError::Open {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let version: i64 = probe
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|_| StoreError::NotADatabase {
                path: shown.clone(),
            })?;
        drop(probe);
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
        let path = other.to_string_lossy().into_owned();
        self.conn()
            .execute("ATTACH DATABASE ?1 AS other", [&path])?;
        let result = self.bulk(|tx| {
            let count = |table: &str| -> Result<usize> { Ok(tx.query_row(&format!("SELECT COUNT(*) FROM main.{table}"), [], |r| r.get::<_, i64>(0))? as usize) };
            let before = (count("trainees")?, count("attempts")?, count("replies")?, count("reviews")?);
            tx.execute_batch(
                "INSERT OR IGNORE INTO main.teams SELECT id, name FROM other.teams;
                 INSERT OR IGNORE INTO main.trainees (id, name, team_id, pseudonym, created_at)
                     SELECT o.id, o.name, o.team_id,
                            CASE WHEN EXISTS (SELECT 1 FROM main.trainees m WHERE m.pseudonym = o.pseudonym AND m.id <> o.id)
                                 THEN NULL ELSE o.pseudonym END,
                            o.created_at FROM other.trainees o;
                 INSERT INTO main.attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, ended_at, total, passed, status, ending)
                     SELECT id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, ended_at, total, passed, status, ending FROM other.attempts WHERE true
                     ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, total = excluded.total, passed = excluded.passed,
                         status = excluded.status, ending = excluded.ending
                     WHERE main.attempts.status = 'in_progress' AND excluded.status <> 'in_progress';
                 INSERT OR IGNORE INTO main.results SELECT id, json FROM other.results;
                 INSERT OR IGNORE INTO main.replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at)
                     SELECT id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at FROM other.replies;
                 INSERT OR IGNORE INTO main.reply_points SELECT reply_id, criterion_id, points, weight FROM other.reply_points;
                 INSERT OR IGNORE INTO main.attempt_criteria (attempt_id, criterion_id, points, weight, replies) SELECT attempt_id, criterion_id, points, weight, replies FROM other.attempt_criteria
                     WHERE attempt_id IN (SELECT id FROM main.attempts WHERE status = 'completed');
                 INSERT OR IGNORE INTO main.live_events SELECT id, attempt_id, at, kind, stage_id, item_id, value FROM other.live_events;
                 INSERT OR IGNORE INTO main.reviews SELECT id, attempt_id, reviewer, at, comment, criterion_id, override_points FROM other.reviews;
                 INSERT OR IGNORE INTO main.certifications SELECT trainee_id, playbook_id, playbook_version, certified_at FROM other.certifications;",
            )?;
            let after = (count("trainees")?, count("attempts")?, count("replies")?, count("reviews")?);
            Ok(MergeCounts {
                trainees: after.0 - before.0,
                attempts: after.1 - before.1,
                replies: after.2 - before.2,
                reviews: after.3 - before.3,
            })
        });
        // Detach whatever happened, then report the merge's own result.
        let detached = self.conn().execute("DETACH DATABASE other", []);
        let counts = result?;
        detached?;
        Ok(counts)
    }
}

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
