//! Merging a trainee's database into a manager's. The other file is untrusted: a trainee can
//! edit their own file, and a crafted file can carry views or triggers that run code, loop
//! forever or grow the manager's database without bound. So before anything is read:
//!
//! - the file is opened read-only through SQLite, with `trusted_schema = OFF`;
//! - its schema must be exactly the one salesdojo creates at its version: a table replaced by
//!   a view, a trigger or a view salesdojo never creates, or a changed table is refused;
//! - `PRAGMA quick_check` must pass;
//! - every row must fit the limits, types and ownership [`Store::merge`] lists, or the whole
//!   file is refused, naming its first offending row.
//!
//! Scores are claims: imported completed attempts are marked `pending` in `verifications`
//! (re-scored from their replies by [`crate::rescore::merge_and_verify`]); reviews,
//! verifications and certifications in a file are never taken (certifications are earned
//! again from verified attempts), and names are cleaned of control and format characters.

use std::path::Path;

use super::db::{Access, connect, is_database_file};
use super::{Result, Store, StoreError, schema};

/// What a merge brought in, and what it left out.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct MergeCounts {
    pub trainees: usize,
    pub attempts: usize,
    pub replies: usize,
    /// Reviews added: only from the team server (whose policies decide who may review); a
    /// file's reviews are never taken (see `reviews_left_out`).
    pub reviews: usize,
    /// Imported completed attempts waiting to be re-scored from their replies.
    pub to_verify: usize,
    /// Reviews the file holds, left out: a file is its trainee's claim about their own
    /// practice, and a review is a manager's word.
    pub reviews_left_out: usize,
    /// Verification outcomes the file holds, left out: its attempts are verified here.
    pub verifications_left_out: usize,
    /// Certifications the other file claims (never copied: earned again here).
    pub certifications_claimed: usize,
    /// Names and teams that held control or format characters, stored cleaned.
    pub names_cleaned: usize,
}

/// Where the rows of a merge come from, which decides what is taken from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A file someone handed over: the trainees' claim about their own practice. Reviews,
    /// verifications and certifications in it are left out; a trainee id that is another
    /// person here is refused.
    File,
    /// Rows pulled from the team server into a scratch log: the server's policies decided
    /// who wrote each row (a review's reviewer is forced to the manager's login), so its
    /// reviews are taken; its names are the directory's.
    TeamServer,
}

/// The longest name, team, pseudonym or id a merged file may hold (characters).
const MAX_NAME_CHARS: usize = 200;
/// The longest result record (feedback, trace and hints of one reply) a merged file may hold.
const MAX_RESULT_CHARS: usize = 1_000_000;

/// Checks on the attached file `other` against this database, in order; each query gives the
/// first offending row, described, or nothing. A file that fails any is refused whole.
///
/// Long because it is one list: each check is a self-contained query, read top to bottom as
/// the rules a merged file must keep; split up, the rules would no longer be in one place.
fn checks(version: i64) -> Vec<String> {
    let reply_limit = crate::practice::score::MAX_REPLY_CHARS;
    let name = MAX_NAME_CHARS;
    let result = MAX_RESULT_CHARS;
    // `quote` shows the id as SQL would (text in quotes, a blob as X'…'), cut short.
    let id = |col: &str| format!("substr(quote({col}), 1, 60)");
    let text =
        |col: &str, max: usize| format!("(typeof({col}) <> 'text' OR length({col}) > {max})");
    let opt_text = |col: &str, max: usize| format!("({col} IS NOT NULL AND {})", text(col, max));
    let number = |col: &str, lo: &str, hi: &str| {
        format!("(typeof({col}) NOT IN ('integer', 'real') OR {col} < {lo} OR {col} > {hi})")
    };
    let opt_number =
        |col: &str, lo: &str, hi: &str| format!("({col} IS NOT NULL AND {})", number(col, lo, hi));
    let scored = if version >= 7 {
        format!(" OR {}", opt_number("scored_total", "0", "100"))
    } else {
        String::new()
    };
    vec![
        // Each row as the target's own writes would make it: types and limits.
        format!(
            "SELECT 'team ' || {} || ': its id or name is not text, or longer than {name} characters'
             FROM other.teams WHERE {} OR {} LIMIT 1",
            id("id"),
            text("id", name),
            text("name", name)
        ),
        format!(
            "SELECT 'trainee ' || {} || ': its id, name, team or pseudonym is not text, or longer than {name} characters'
             FROM other.trainees WHERE {} OR {} OR {} OR {} OR typeof(created_at) <> 'text' LIMIT 1",
            id("id"),
            text("id", name),
            text("name", name),
            opt_text("team_id", name),
            opt_text("pseudonym", name)
        ),
        format!(
            "SELECT 'attempt ' || {} || ': a column holds a value of the wrong type or out of range (total 0-100, passed 0 or 1)'
             FROM other.attempts WHERE {} OR {} OR {} OR {} OR {} OR typeof(playbook_version) <> 'integer'
                 OR typeof(started_at) <> 'text' OR {} OR {} OR {}
                 OR (passed IS NOT NULL AND typeof(passed) <> 'integer') OR passed NOT IN (0, 1){scored} LIMIT 1",
            id("id"),
            text("id", name),
            text("trainee_id", name),
            text("playbook_id", name),
            text("scenario_id", name),
            text("playbook_hash", name),
            opt_text("ended_at", name),
            opt_text("ending", name),
            opt_number("total", "0", "100"),
        ),
        format!(
            "SELECT 'reply ' || {} || ': its answer has ' || length(answer) || ' characters; the limit is {reply_limit}'
             FROM other.replies WHERE typeof(answer) = 'text' AND length(answer) > {reply_limit} LIMIT 1",
            id("id"),
        ),
        format!(
            "SELECT 'reply ' || {} || ': a column holds a value of the wrong type or out of range (score 0-100)'
             FROM other.replies WHERE {} OR {} OR typeof(answer) <> 'text' OR {} OR {} OR typeof(seq) <> 'integer'
                 OR {} OR {} OR {} OR {} OR typeof(created_at) <> 'text' LIMIT 1",
            id("id"),
            text("id", name),
            text("attempt_id", name),
            number("score", "0", "100"),
            number("seconds", "0", "1e9"),
            text("turn_id", name),
            text("stage_id", name),
            text("result_id", name),
            opt_text("script_error", reply_limit),
        ),
        format!(
            "SELECT 'the points of reply ' || {} || ': a value of the wrong type or out of range (points 0-100)'
             FROM other.reply_points WHERE {} OR {} OR {} LIMIT 1",
            id("reply_id"),
            text("criterion_id", name),
            number("points", "0", "100"),
            number("weight", "0", "1e6"),
        ),
        format!(
            "SELECT 'the criteria of attempt ' || {} || ': a value of the wrong type or out of range (points 0-100)'
             FROM other.attempt_criteria WHERE {} OR {} OR {} OR typeof(replies) <> 'integer' LIMIT 1",
            id("attempt_id"),
            text("criterion_id", name),
            number("points", "0", "100"),
            number("weight", "0", "1e6"),
        ),
        format!(
            "SELECT 'result ' || {} || ': not a JSON text of at most {result} characters'
             FROM other.results WHERE {} OR {} OR NOT json_valid(json) LIMIT 1",
            id("id"),
            text("id", name),
            text("json", result),
        ),
        format!(
            "SELECT 'live event ' || {} || ': a value of the wrong type or too long'
             FROM other.live_events WHERE {} OR {} OR typeof(at) <> 'text' OR {} OR {} OR {} LIMIT 1",
            id("id"),
            text("id", name),
            text("attempt_id", name),
            opt_text("stage_id", name),
            opt_text("item_id", name),
            opt_text("value", reply_limit),
        ),
        // Every row belongs to an attempt the file brings in, every attempt to a trainee it
        // brings in.
        format!(
            "SELECT 'trainee ' || {} || ' names team ' || {} || ', which the file does not bring in'
             FROM other.trainees o WHERE o.team_id IS NOT NULL
                 AND o.team_id NOT IN (SELECT id FROM other.teams) AND o.team_id NOT IN (SELECT id FROM main.teams) LIMIT 1",
            id("o.id"),
            id("o.team_id")
        ),
        format!(
            "SELECT 'attempt ' || {} || ' belongs to trainee ' || {} || ', whom the file does not bring in'
             FROM other.attempts o WHERE o.trainee_id NOT IN (SELECT id FROM other.trainees) LIMIT 1",
            id("o.id"),
            id("o.trainee_id")
        ),
        format!(
            "SELECT 'reply ' || {} || ' belongs to attempt ' || {} || ', which the file does not bring in'
             FROM other.replies o WHERE o.attempt_id NOT IN (SELECT id FROM other.attempts) LIMIT 1",
            id("o.id"),
            id("o.attempt_id")
        ),
        format!(
            "SELECT 'reply ' || {} || ' names result ' || {} || ', which neither database holds'
             FROM other.replies o WHERE o.result_id NOT IN (SELECT id FROM other.results)
                 AND o.result_id NOT IN (SELECT id FROM main.results) LIMIT 1",
            id("o.id"),
            id("o.result_id")
        ),
        format!(
            "SELECT 'points of reply ' || {} || ', which the file does not bring in'
             FROM other.reply_points o WHERE o.reply_id NOT IN (SELECT id FROM other.replies) LIMIT 1",
            id("o.reply_id")
        ),
        format!(
            "SELECT 'criteria of attempt ' || {} || ', which the file does not bring in'
             FROM other.attempt_criteria o WHERE o.attempt_id NOT IN (SELECT id FROM other.attempts) LIMIT 1",
            id("o.attempt_id")
        ),
        format!(
            "SELECT 'live event ' || {} || ' belongs to attempt ' || {} || ', which the file does not bring in'
             FROM other.live_events o WHERE o.attempt_id NOT IN (SELECT id FROM other.attempts) LIMIT 1",
            id("o.id"),
            id("o.attempt_id")
        ),
        // An id that is already here stays what it is here.
        format!(
            "SELECT 'attempt ' || {} || ' is already here, for trainee ' || {} || ' and scenario ' || {}
                 || '; the file gives it to trainee ' || {} || ' and scenario ' || {}
             FROM other.attempts o JOIN main.attempts m ON m.id = o.id
             WHERE m.trainee_id <> o.trainee_id OR m.playbook_id <> o.playbook_id OR m.scenario_id <> o.scenario_id
                 OR m.mode <> o.mode OR m.started_at <> o.started_at LIMIT 1",
            id("o.id"),
            id("m.trainee_id"),
            id("m.scenario_id"),
            id("o.trainee_id"),
            id("o.scenario_id")
        ),
        format!(
            "SELECT 'reply ' || {} || ' is already here, in attempt ' || {} || '; the file puts it in attempt ' || {}
             FROM other.replies o JOIN main.replies m ON m.id = o.id WHERE m.attempt_id <> o.attempt_id LIMIT 1",
            id("o.id"),
            id("m.attempt_id"),
            id("o.attempt_id")
        ),
        format!(
            "SELECT 'reply ' || {} || ' would be added to attempt ' || {} || ', which is finished here'
             FROM other.replies o JOIN main.attempts m ON m.id = o.attempt_id
             WHERE m.status = 'completed' AND o.id NOT IN (SELECT id FROM main.replies) LIMIT 1",
            id("o.id"),
            id("o.attempt_id")
        ),
        format!(
            "SELECT 'points for criterion ' || {} || ' would be added to reply ' || {} || ', which is already here'
             FROM other.reply_points o JOIN main.replies m ON m.id = o.reply_id
             WHERE NOT EXISTS (SELECT 1 FROM main.reply_points p WHERE p.reply_id = o.reply_id AND p.criterion_id = o.criterion_id) LIMIT 1",
            id("o.criterion_id"),
            id("o.reply_id")
        ),
        format!(
            "SELECT 'criterion ' || {} || ' would be added to attempt ' || {} || ', which is finished here'
             FROM other.attempt_criteria o JOIN main.attempts m ON m.id = o.attempt_id
             WHERE m.status = 'completed'
               AND NOT EXISTS (SELECT 1 FROM main.attempt_criteria c WHERE c.attempt_id = o.attempt_id AND c.criterion_id = o.criterion_id) LIMIT 1",
            id("o.criterion_id"),
            id("o.attempt_id")
        ),
        format!(
            "SELECT 'live event ' || {} || ' would be added to visit ' || {} || ', which is finished here'
             FROM other.live_events o JOIN main.attempts m ON m.id = o.attempt_id
             WHERE m.status = 'completed' AND o.id NOT IN (SELECT id FROM main.live_events) LIMIT 1",
            id("o.id"),
            id("o.attempt_id")
        ),
    ]
}

/// Why the attached file may not be merged, naming its first offending row, if it may not.
fn refusal(tx: &rusqlite::Transaction<'_>, version: i64, source: Source) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    for sql in checks(version) {
        let found: Option<String> = tx.query_row(&sql, [], |r| r.get(0)).optional()?;
        if let Some(row) = found {
            return Ok(Some(row));
        }
    }
    if source == Source::File {
        // A trainee id that is already here is the same person: the same name (as a merge
        // stores it, cleaned).
        let mut stmt = tx.prepare(
            "SELECT o.id, o.name, m.name FROM other.trainees o JOIN main.trainees m ON m.id = o.id
             WHERE o.name <> m.name",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, theirs, ours): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let cleaned = crate::untrusted::clean(&theirs);
            let cleaned = if cleaned.trim().is_empty() {
                "?"
            } else {
                &cleaned
            };
            if cleaned != ours {
                let short: String = id.chars().take(60).collect();
                return Ok(Some(format!(
                    "trainee '{short}' is already here as '{ours}'; the file gives that id to '{cleaned}'"
                )));
            }
        }
    }
    Ok(None)
}

impl Store {
    /// Brings a trainee's database into this one. Idempotent: rows are matched by their
    /// UUIDs, so merging the same file twice adds nothing. An attempt that was still in
    /// progress here and is finished there is updated. A trainee whose pseudonym is already
    /// another trainee's here comes in without one (exports then name them by id).
    ///
    /// The file is its trainees' claim about their own practice, nothing more: its reviews,
    /// verifications and certifications are left out (and counted); every row must belong to
    /// an attempt it brings in and every attempt to a trainee it brings in; an id that is
    /// already here must stay what it is here (the same person, the same attempt, nothing
    /// added to a finished attempt); every value must fit the limits this database's own
    /// writes keep. Otherwise the whole file is refused, naming its first offending row, and
    /// nothing is written.
    pub fn merge(&mut self, other: &Path) -> Result<MergeCounts> {
        self.merge_from(other, Source::File)
    }

    /// Merges rows pulled from the team server (a scratch log of this build's making), its
    /// reviews included.
    pub(crate) fn merge_pulled(&mut self, scratch: &Path) -> Result<MergeCounts> {
        self.merge_from(scratch, Source::TeamServer)
    }

    fn merge_from(&mut self, other: &Path, source: Source) -> Result<MergeCounts> {
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
            // An SQLite file with nothing in it: most often a log copied without its `-wal`,
            // where everything written since the last checkpoint still is.
            let tables: Option<i64> = probe
                .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
                .ok();
            return Err(match tables {
                Some(0) => StoreError::NoHistory { path: shown },
                _ => StoreError::NotADatabase { path: shown },
            });
        }
        if let Some(why) = schema::difference(&probe, version)? {
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
        let count_other = |table: &str| -> Result<usize> {
            Ok(
                probe.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })? as usize,
            )
        };
        // Nobody and nothing in it: the history is in a `-wal` file left behind.
        if matches!(source, Source::File)
            && count_other("attempts")? == 0
            && count_other("trainees")? == 0
        {
            return Err(StoreError::NoHistory { path: shown });
        }
        let reviews_in_file = count_other("reviews")?;
        let certifications_claimed = count_other("certifications")?;
        let verifications_in_file = if version >= 6 {
            count_other("verifications")?
        } else {
            0
        };
        drop(probe);
        self.conn().execute(
            "ATTACH DATABASE ?1 AS other",
            [super::db::read_only_uri(other)],
        )?;
        let result = self.bulk(|tx| {
            if let Some(why) = refusal(tx, version, source)? {
                return Err(untrusted(why));
            }
            let count = |table: &str| -> Result<usize> {
                Ok(tx.query_row(&format!("SELECT COUNT(*) FROM main.{table}"), [], |r| {
                    r.get::<_, i64>(0)
                })? as usize)
            };
            let before = (count("trainees")?, count("attempts")?, count("replies")?, count("reviews")?);
            // The completed practice attempts this merge brings in or finishes: claims to verify.
            tx.execute_batch(
                "DROP TABLE IF EXISTS temp.merging;
                 CREATE TEMP TABLE merging AS
                     SELECT o.id FROM other.attempts o
                     LEFT JOIN main.attempts m ON m.id = o.id
                     WHERE o.status = 'completed' AND o.mode = 'practice'
                       AND (m.id IS NULL OR m.status = 'in_progress');",
            )?;
            tx.execute_batch(&format!(
                "INSERT OR IGNORE INTO main.teams SELECT id, name FROM other.teams;
                 INSERT OR IGNORE INTO main.trainees (id, name, team_id, pseudonym, created_at)
                     SELECT o.id, o.name, o.team_id,
                            CASE WHEN EXISTS (SELECT 1 FROM main.trainees m WHERE m.pseudonym = o.pseudonym AND m.id <> o.id)
                                 THEN NULL ELSE o.pseudonym END,
                            o.created_at FROM other.trainees o;
                 INSERT INTO main.attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, ended_at, total, passed, status, ending)
                     SELECT id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, ended_at, {scored}, status, ending FROM other.attempts WHERE true
                     ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at, total = excluded.total, passed = excluded.passed,
                         status = excluded.status, ending = excluded.ending
                     WHERE main.attempts.status = 'in_progress' AND excluded.status <> 'in_progress';
                 INSERT OR IGNORE INTO main.results SELECT id, json FROM other.results
                     WHERE id IN (SELECT result_id FROM other.replies);
                 INSERT OR IGNORE INTO main.replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at)
                     SELECT id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at FROM other.replies;
                 INSERT OR IGNORE INTO main.reply_points SELECT reply_id, criterion_id, points, weight FROM other.reply_points;
                 INSERT OR IGNORE INTO main.attempt_criteria (attempt_id, criterion_id, points, weight, replies) SELECT attempt_id, criterion_id, points, weight, replies FROM other.attempt_criteria
                     WHERE attempt_id IN (SELECT id FROM main.attempts WHERE status = 'completed');
                 INSERT OR IGNORE INTO main.live_events SELECT id, attempt_id, at, kind, stage_id, item_id, value FROM other.live_events;
                 {reviews}
                 INSERT INTO main.verifications (attempt_id, status) SELECT id, 'pending' FROM temp.merging WHERE true
                     ON CONFLICT (attempt_id) DO UPDATE SET status = 'pending', derived_total = NULL, derived_passed = NULL, note = NULL, checked_at = NULL;",
                // What scoring gave: the reviews merged with it decide here again, by this
                // database's triggers (a file's own reviewed totals are not taken on trust).
                scored = if version >= 7 {
                    "COALESCE(scored_total, total), CASE WHEN scored_total IS NULL THEN passed ELSE scored_passed END"
                } else {
                    "total, passed"
                },
                reviews = match source {
                    // A comment's reply and a sign-off came with schema 12.
                    Source::TeamServer if version >= 12 => {
                        "INSERT OR IGNORE INTO main.reviews (id, attempt_id, reviewer, at, comment, criterion_id, override_points, reply_seq, sign_off)
                             SELECT id, attempt_id, reviewer, at, comment, criterion_id, override_points, reply_seq, sign_off FROM other.reviews;"
                    }
                    Source::TeamServer => {
                        "INSERT OR IGNORE INTO main.reviews (id, attempt_id, reviewer, at, comment, criterion_id, override_points)
                             SELECT id, attempt_id, reviewer, at, comment, criterion_id, override_points FROM other.reviews;"
                    }
                    Source::File => "",
                },
            ))?;
            let to_verify: i64 = tx.query_row("SELECT COUNT(*) FROM temp.merging", [], |r| r.get(0))?;
            tx.execute_batch("DROP TABLE temp.merging;")?;
            let names_cleaned = clean_names(tx)?;
            let after = (count("trainees")?, count("attempts")?, count("replies")?, count("reviews")?);
            let left_out = |n: usize| if source == Source::File { n } else { 0 };
            Ok(MergeCounts {
                trainees: after.0 - before.0,
                attempts: after.1 - before.1,
                replies: after.2 - before.2,
                reviews: after.3 - before.3,
                to_verify: to_verify as usize,
                reviews_left_out: left_out(reviews_in_file),
                verifications_left_out: left_out(verifications_in_file),
                certifications_claimed,
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
fn clean_names(tx: &rusqlite::Transaction<'_>) -> Result<usize> {
    let mut cleaned = 0;
    for table in ["trainees", "teams"] {
        let dirty: Vec<(String, String)> = tx
            .prepare(&format!(
                "SELECT id, name FROM main.{table} WHERE id IN (SELECT id FROM other.{table})"
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
    /// The criteria stored with it: (criterion, average points as scored, before any
    /// override). Compared one by one with what its replies give.
    pub criteria: Vec<(String, f64)>,
}

/// How an imported attempt's stored score compares with the one its replies give.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The replies give the stored total and verdict.
    Verified,
    /// They do not: the stored result is flagged and not counted. `what` says what differs
    /// (the total, the verdict, or a criterion), in words.
    Mismatch {
        total: f64,
        passed: bool,
        what: String,
    },
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
                    criteria: Vec::new(),
                })
            })?
            .collect::<std::result::Result<Vec<Pending>, _>>()?;
        let mut crit = self.conn().prepare_cached(
            "SELECT criterion_id, points FROM attempt_criteria WHERE attempt_id = ?1 ORDER BY criterion_id",
        )?;
        let mut rows = rows;
        for p in &mut rows {
            p.criteria = crit
                .query_map([&p.attempt_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<std::result::Result<_, _>>()?;
        }
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
                    Verdict::Mismatch {
                        total,
                        passed,
                        what,
                    } => ("mismatch", Some(*total), Some(*passed), Some(what.as_str())),
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
        certify_if_earned(self.conn(), trainee_id, playbook, version, scenarios, at)
    }
}

/// [`Store::certify_if_earned`] on a connection.
pub(crate) fn certify_if_earned(
    conn: &rusqlite::Connection,
    trainee_id: &str,
    playbook: &str,
    version: i64,
    scenarios: &[String],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    for s in scenarios {
        let passed = conn
            .prepare_cached(&format!(
                "SELECT 1 FROM attempts WHERE trainee_id = ?1 AND playbook_id = ?2 AND playbook_version = ?3
                   AND scenario_id = ?4 AND passed = 1 AND mode = 'practice' AND {COUNTED} LIMIT 1"
            ))?
            .exists(rusqlite::params![trainee_id, playbook, version, s])?;
        if !passed {
            return Ok(false);
        }
    }
    conn.execute(
        "INSERT OR IGNORE INTO certifications (trainee_id, playbook_id, playbook_version, certified_at)
         VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![trainee_id, playbook, version, super::stamp(at)],
    )?;
    Ok(true)
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
