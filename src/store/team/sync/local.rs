//! This log's side of a sync: what it is joined to, what the server has, what is waiting,
//! and moving practice to the login.

use rusqlite::{OptionalExtension, params};

use super::pull::ServerVerdict;
use super::{Joined, Waiting};
use crate::store::team::Server;
use crate::store::{ProgressLog, Store};

impl Store {
    pub(super) fn team_get(&self, key: &str) -> crate::store::Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM team_state WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub(super) fn team_set(&self, key: &str, value: &str) -> crate::store::Result<()> {
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
    pub(super) fn team_mark(&mut self, ids: &[String]) -> crate::store::Result<()> {
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
    pub(super) fn team_note_pushed(&self, txid: i64) -> crate::store::Result<()> {
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
    pub(super) fn team_forget_pushed(&self, pulled: &str) -> crate::store::Result<()> {
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
pub(super) fn move_practice(
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

impl Store {
    /// Takes the server verifier's verdicts on attempts pulled from the server (attempts made
    /// on this machine have no verification row and are not touched) and the certifications
    /// it granted. Returns how many verdicts were taken.
    pub(super) fn take_team_verdicts(
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
