//! Setting up a team server and its people, and the verifier's reads and writes.

use postgres::Client;
use serde::Serialize;

use super::{Result, TeamError, schema};
use crate::practice::Answer;
use crate::store::merge::{Pending, Verdict};

fn db(e: postgres::Error) -> TeamError {
    match e.as_db_error() {
        Some(d) if d.code().code() == "42501" => TeamError::Denied(d.message().to_owned()),
        Some(d) => TeamError::Server(d.message().to_owned()),
        None => TeamError::Server(e.to_string()),
    }
}

/// Sets up (or brings up to date) the team database: the schema, the group roles and every
/// policy. Idempotent. Returns the schema version.
pub fn init(client: &mut Client) -> Result<i32> {
    super::migrate(client, None)
}

/// A person to add.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct NewUser {
    pub login: String,
    /// The name people see; empty: the login for a new person, unchanged for an existing one.
    pub name: String,
    pub role: String,
    /// The team (for a manager: the teams they manage).
    pub teams: Vec<String>,
}

/// A person added, with the password generated for them (shown once, stored nowhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Added {
    pub login: String,
    pub role: String,
    /// `None` when the login existed and was left as it was.
    pub password: Option<String>,
}

/// A login name: lower-case letters, digits, `_`, `.` and `-`, starting with a letter, at
/// most 63 bytes (PostgreSQL's limit).
pub fn check_login(login: &str) -> Result<()> {
    let ok = !login.is_empty()
        && login.len() <= 63
        && login.starts_with(|c: char| c.is_ascii_lowercase())
        && login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
        && !login.starts_with("salesdojo_")
        && !login.starts_with("pg_");
    if ok {
        Ok(())
    } else {
        Err(TeamError::Invalid(format!(
            "'{}' cannot be a login: use lower-case letters, digits, '_', '.' or '-', starting with a letter (at most 63), not starting with 'pg_' or 'salesdojo_'",
            crate::untrusted::visible(login)
        )))
    }
}

/// A password of 20 letters and digits from the system's random source (UUID v4).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        for b in uuid::Uuid::new_v4().as_bytes() {
            // Rejection sampling keeps every character equally likely.
            let limit = 256 - 256 % ALPHABET.len();
            if (*b as usize) < limit && out.len() < 20 {
                out.push(ALPHABET[*b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// The longest name or team the directory takes, in characters.
const MAX_NAME_CHARS: usize = 100;

/// A person's name and teams as the directory takes them: no control or invisible
/// characters, at most [`MAX_NAME_CHARS`] each.
fn check_person(name: &str, teams: &[String]) -> Result<()> {
    check_text("name", name)?;
    check_teams(teams)
}

fn check_teams(teams: &[String]) -> Result<()> {
    teams.iter().try_for_each(|t| check_text("team", t))
}

/// One name or team, as the directory takes it.
fn check_text(what: &str, text: &str) -> Result<()> {
    crate::untrusted::check_name(what, text).map_err(TeamError::Invalid)?;
    let n = text.chars().count();
    if n > MAX_NAME_CHARS {
        return Err(TeamError::Invalid(format!(
            "the {what} '{}…' has {n} characters; the limit is {MAX_NAME_CHARS}",
            text.chars().take(20).collect::<String>()
        )));
    }
    Ok(())
}

/// The group role of a role name (`trainee` → `salesdojo_trainee`), or why it is none.
fn group_of(role: &str) -> Result<&'static str> {
    schema::ROLES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, g)| *g)
        .ok_or_else(|| {
            TeamError::Invalid(format!(
                "'{}' is not a role: trainee, trainer, manager, admin or verifier",
                crate::untrusted::visible(role)
            ))
        })
}

/// The SCRAM-SHA-256 verifier of `password`, as PostgreSQL stores it: the server is sent
/// this, never the password (as `psql`'s `\password` does), so no statement log holds it.
pub fn password_verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

/// Whether a role named `login` exists on the server, and whether salesdojo made it.
fn login_state(tx: &mut postgres::Transaction<'_>, login: &str) -> Result<Option<bool>> {
    tx.query_opt(
        "SELECT salesdojo_own_login(rolname) FROM pg_roles WHERE rolname = $1",
        &[&login],
    )
    .map_err(db)?
    .map(|r| super::col::<bool>(&r, 0))
    .transpose()
}

/// The refusal for a role salesdojo did not make.
fn not_ours(login: &str) -> TeamError {
    TeamError::Invalid(format!(
        "'{login}' is a PostgreSQL role that salesdojo did not create (another application's, or the server's own): it was left alone; choose another login"
    ))
}

/// Writes a person's directory row and a manager's teams.
fn write_person(
    tx: &mut postgres::Transaction<'_>,
    login: &str,
    name: Option<&str>,
    role: &str,
    teams: &[String],
) -> Result<()> {
    for t in teams {
        tx.execute(
            "INSERT INTO teams (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&crate::store::team_id(t), t],
        )
        .map_err(db)?;
    }
    let team = teams.first().map(|t| crate::store::team_id(t));
    tx.execute(
        "INSERT INTO people (login, name, role, team_id) VALUES ($1, COALESCE($2, $1), $3, $4)
         ON CONFLICT (login) DO UPDATE SET name = COALESCE($2, people.name), role = excluded.role,
             team_id = COALESCE(excluded.team_id, people.team_id)",
        &[&login, &name, &role, &team],
    )
    .map_err(db)?;
    if role != "manager" || !teams.is_empty() {
        tx.execute("DELETE FROM team_managers WHERE login = $1", &[&login])
            .map_err(db)?;
    }
    if role == "manager" {
        for t in teams {
            tx.execute(
                "INSERT INTO team_managers (login, team_id) VALUES ($1, $2)",
                &[&login, &crate::store::team_id(t)],
            )
            .map_err(db)?;
        }
    }
    Ok(())
}

/// Adds people: a login role in their group role with a generated password, their row in
/// the directory, and a manager's teams. A login salesdojo made keeps its password unless
/// `reset`; one with another role is refused (`team set-role` changes a role); a role
/// salesdojo did not make is refused and left alone. One transaction for all of them.
pub fn add_users(client: &mut Client, users: &[NewUser], reset: bool) -> Result<Vec<Added>> {
    super::check_schema(client)?;
    for u in users {
        check_login(&u.login)?;
        check_person(&u.name, &u.teams)?;
        group_of(&u.role)?;
    }
    let mut tx = client.transaction().map_err(db)?;
    let mut added = Vec::new();
    for u in users {
        let group = group_of(&u.role)?;
        let password = generate_password();
        let verifier = password_verifier(&password);
        let given = match login_state(&mut tx, &u.login)? {
            None => {
                // A new trainee practises in one team; a new manager steers at least one.
                match (u.role.as_str(), u.teams.len()) {
                    ("trainee", 1) | ("manager", 1..) => {}
                    ("trainee", _) => {
                        return Err(TeamError::Invalid(format!(
                            "the trainee '{}' needs exactly one --team (their reports and their manager follow it)",
                            u.login
                        )));
                    }
                    ("manager", 0) => {
                        return Err(TeamError::Invalid(format!(
                            "the manager '{}' needs --team for each team they manage",
                            u.login
                        )));
                    }
                    _ => {}
                }
                tx.execute(
                    "SELECT salesdojo_create_login($1, $2, $3)",
                    &[&u.login, &verifier, &group],
                )
                .map_err(db)?;
                true
            }
            Some(false) => return Err(not_ours(&u.login)),
            Some(true) => {
                let now: Option<String> = tx
                    .query_opt("SELECT role FROM people WHERE login = $1", &[&u.login])
                    .map_err(db)?
                    .map(|r| super::col(&r, 0))
                    .transpose()?;
                if let Some(now) = now.filter(|r| *r != u.role) {
                    return Err(TeamError::Invalid(format!(
                        "'{}' is a {now}, not a {}: to change their role, run `salesdojo team set-role {} {}`",
                        u.login, u.role, u.login, u.role
                    )));
                }
                if reset {
                    tx.execute(
                        "SELECT salesdojo_set_password($1, $2)",
                        &[&u.login, &verifier],
                    )
                    .map_err(db)?;
                }
                // Whatever it had, the login is in its role's group.
                tx.execute("SELECT salesdojo_set_group($1, $2)", &[&u.login, &group])
                    .map_err(db)?;
                reset
            }
        };
        // An empty name is none given: a new person is named by their login, an existing
        // one keeps their name.
        let name = (!u.name.trim().is_empty()).then_some(u.name.as_str());
        write_person(&mut tx, &u.login, name, &u.role, &u.teams)?;
        added.push(Added {
            login: u.login.clone(),
            role: u.role.clone(),
            password: given.then_some(password),
        });
    }
    tx.commit().map_err(db)?;
    Ok(added)
}

/// A login salesdojo made, in the directory, or why not.
fn own_person(tx: &mut postgres::Transaction<'_>, login: &str) -> Result<String> {
    check_login(login)?;
    match login_state(tx, login)? {
        None => {
            return Err(TeamError::Invalid(format!(
                "there is no login '{login}' on this server"
            )));
        }
        Some(false) => return Err(not_ours(login)),
        Some(true) => {}
    }
    tx.query_opt("SELECT role FROM people WHERE login = $1", &[&login])
        .map_err(db)?
        .map(|r| super::col(&r, 0))
        .transpose()?
        .ok_or_else(|| {
            TeamError::Invalid(format!(
                "'{login}' is not in the team's directory: add them with `salesdojo team add-user {login}`"
            ))
        })
}

/// Changes a person's role: their login's group and their directory row move together (and
/// a manager's teams, when `teams` are given). Returns the role they had.
pub fn set_role(client: &mut Client, login: &str, role: &str, teams: &[String]) -> Result<String> {
    super::check_schema(client)?;
    let group = group_of(role)?;
    check_teams(teams)?;
    if role == "trainee" && teams.len() > 1 {
        return Err(TeamError::Invalid(format!(
            "a trainee practises in one team: give '{login}' one --team"
        )));
    }
    let mut tx = client.transaction().map_err(db)?;
    let was = own_person(&mut tx, login)?;
    tx.execute("SELECT salesdojo_set_group($1, $2)", &[&login, &group])
        .map_err(db)?;
    write_person(&mut tx, login, None, role, teams)?;
    tx.commit().map_err(db)?;
    Ok(was)
}

/// Allows or stops signing in as `login` (disabling also ends its open sessions where this
/// admin may); the directory row and the practice stay.
pub fn set_enabled(client: &mut Client, login: &str, enabled: bool) -> Result<()> {
    super::check_schema(client)?;
    let mut tx = client.transaction().map_err(db)?;
    own_person(&mut tx, login)?;
    tx.execute(
        "SELECT salesdojo_set_login_enabled($1, $2)",
        &[&login, &enabled],
    )
    .map_err(db)?;
    tx.commit().map_err(db)?;
    Ok(())
}

/// Offboarding: drops the login and its directory row (and a manager's teams); the person's
/// practice stays in the team's history under their name.
pub fn remove_user(client: &mut Client, login: &str) -> Result<()> {
    super::check_schema(client)?;
    let mut tx = client.transaction().map_err(db)?;
    own_person(&mut tx, login)?;
    tx.execute("DELETE FROM team_managers WHERE login = $1", &[&login])
        .map_err(db)?;
    tx.execute("DELETE FROM people WHERE login = $1", &[&login])
        .map_err(db)?;
    tx.execute("SELECT salesdojo_drop_login($1)", &[&login])
        .map_err(db)?;
    tx.commit().map_err(db)?;
    Ok(())
}

/// Reads people from a CSV file with the header `login,name,role,team` (a manager's teams
/// separated by `;`).
pub fn read_csv(path: &std::path::Path) -> Result<Vec<NewUser>> {
    let shown = path.display().to_string();
    let mut r = csv::Reader::from_path(path).map_err(|e| TeamError::Io(format!("{shown}: {e}")))?;
    let mut out = Vec::new();
    for (i, row) in r.records().enumerate() {
        let row = row.map_err(|e| TeamError::Io(format!("{shown}: {e}")))?;
        let field = |n: usize| row.get(n).unwrap_or("").trim().to_owned();
        if row.len() < 3 {
            return Err(TeamError::Invalid(format!(
                "{shown}:{}: expected login,name,role,team",
                i + 2
            )));
        }
        out.push(NewUser {
            login: field(0),
            name: field(1),
            role: field(2),
            teams: field(3)
                .split(';')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        });
    }
    Ok(out)
}

/// An attempt's replies in order: (turn, answer, seconds).
pub type Transcript = Vec<(String, Answer, f64)>;

/// Up to `limit` completed practice attempts the verifier has not judged yet, in id order
/// after `after`, with their transcripts.
/// Every published version on the server, with its files: what the verifier judges
/// attempts against.
pub fn published(client: &mut Client) -> Result<Vec<crate::publish::Version>> {
    Ok(crate::store::sql::published_versions(
        &super::report::Lent::new(client),
        None,
        true,
    )?)
}

pub fn unverified(
    client: &mut Client,
    after: &str,
    limit: i64,
) -> Result<Vec<(Pending, Transcript)>> {
    let rows = client
        .query(
            "SELECT a.id, a.playbook_id, a.playbook_hash, a.playbook_version, a.scenario_id, a.trainee_id,
                    COALESCE(a.scored_total, a.total),
                    CASE WHEN a.scored_total IS NULL THEN a.passed ELSE a.scored_passed END
             FROM attempts a
             WHERE a.id > $1 AND a.status = 'completed' AND a.mode = 'practice'
               AND NOT EXISTS (SELECT 1 FROM verifications v WHERE v.attempt_id = a.id)
             ORDER BY a.id LIMIT $2",
            &[&after, &limit],
        )
        .map_err(db)?;
    let ids: Vec<String> = rows
        .iter()
        .map(|r| super::col(r, 0))
        .collect::<Result<_>>()?;
    let replies = client
        .query(
            "SELECT attempt_id, turn_id, answer_kind, answer, seconds FROM replies
             WHERE attempt_id = ANY($1) ORDER BY attempt_id, seq",
            &[&ids],
        )
        .map_err(db)?;
    // The criteria each attempt was stored with, as scored (before any override).
    let mut criteria: std::collections::HashMap<String, Vec<(String, f64)>> =
        std::collections::HashMap::new();
    for r in client
        .query(
            "SELECT attempt_id, criterion_id, points FROM attempt_criteria
             WHERE attempt_id = ANY($1) ORDER BY attempt_id, criterion_id",
            &[&ids],
        )
        .map_err(db)?
    {
        criteria
            .entry(super::col(&r, 0)?)
            .or_default()
            .push((super::col(&r, 1)?, super::col(&r, 2)?));
    }
    let mut by_attempt: std::collections::HashMap<String, Transcript> =
        std::collections::HashMap::new();
    for r in replies {
        let kind: String = super::col(&r, 2)?;
        let answer: String = super::col(&r, 3)?;
        let answer = if kind == "choice" {
            Answer::Choice(answer)
        } else {
            Answer::Text(answer)
        };
        by_attempt.entry(super::col(&r, 0)?).or_default().push((
            super::col(&r, 1)?,
            answer,
            super::col(&r, 4)?,
        ));
    }
    rows.into_iter()
        .map(|r| {
            let id: String = super::col(&r, 0)?;
            let answers = by_attempt.remove(&id).unwrap_or_default();
            let criteria = criteria.remove(&id).unwrap_or_default();
            Ok((
                Pending {
                    attempt_id: id,
                    playbook: super::col(&r, 1)?,
                    playbook_hash: super::col(&r, 2)?,
                    playbook_version: i64::from(super::col::<i32>(&r, 3)?),
                    scenario: super::col(&r, 4)?,
                    trainee_id: super::col(&r, 5)?,
                    total: super::col(&r, 6)?,
                    passed: super::col::<Option<i32>>(&r, 7)?.map(|p| p != 0),
                    criteria,
                },
                answers,
            ))
        })
        .collect::<Result<_>>()
}

/// Writes the verifier's verdicts (the verifier column is the signed-in login, by the server).
pub fn record_verdicts(client: &mut Client, verdicts: &[(String, Verdict)]) -> Result<()> {
    let at = crate::store::stamp(chrono::Utc::now());
    let (mut ids, mut statuses, mut totals, mut passes, mut notes, mut ats) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for (id, v) in verdicts {
        let (status, total, passed, note) = match v {
            Verdict::Verified => ("verified", None, None, None),
            Verdict::Mismatch {
                total,
                passed,
                what,
            } => (
                "mismatch",
                Some(*total),
                Some(i32::from(*passed)),
                Some(what.clone()),
            ),
            Verdict::Unverifiable(why) => ("unverifiable", None, None, Some(why.clone())),
        };
        ids.push(id.clone());
        statuses.push(status);
        totals.push(total);
        passes.push(passed);
        notes.push(note);
        ats.push(at.clone());
    }
    // One statement for the whole chunk.
    let mut tx = client.transaction().map_err(db)?;
    tx.execute(
        "INSERT INTO verifications (attempt_id, status, derived_total, derived_passed, note, checked_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::int4[], $5::text[], $6::text[])
         ON CONFLICT (attempt_id) DO NOTHING",
        &[&ids, &statuses, &totals, &passes, &notes, &ats],
    )
    .map_err(db)?;
    tx.commit().map_err(db)?;
    Ok(())
}

/// Certifies a trainee for a playbook version when every one of `scenarios` has a verified
/// practice attempt that passed — as reviewed: a manager's override decides the verdict, as on
/// every client. `true` when a certification was granted now.
pub fn certify_if_earned(
    client: &mut Client,
    trainee: &str,
    playbook: &str,
    version: i64,
    scenarios: &[String],
) -> Result<bool> {
    let version = version as i32;
    let passed: i64 = client
        .query_one(
            "SELECT COUNT(DISTINCT a.scenario_id) FROM attempt_results a
             WHERE a.trainee_id = $1 AND a.playbook_id = $2 AND a.playbook_version = $3
               AND a.mode = 'practice' AND a.status = 'completed' AND a.verification = 'verified'
               AND a.passed = 1 AND a.scenario_id = ANY($4)",
            &[&trainee, &playbook, &version, &scenarios],
        )
        .map_err(db)
        .and_then(|r| super::col(&r, 0))?;
    if (passed as usize) < scenarios.len() {
        return Ok(false);
    }
    let n = client
        .execute(
            "INSERT INTO certifications (trainee_id, playbook_id, playbook_version, certified_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[
                &trainee,
                &playbook,
                &version,
                &crate::store::stamp(chrono::Utc::now()),
            ],
        )
        .map_err(db)?;
    Ok(n == 1)
}

/// The (trainee, playbook, version) of every attempt a manager overrode a criterion of: a
/// review may have completed a certification (the verifier looks again each run).
pub fn reviewed(client: &mut Client) -> Result<Vec<(String, String, i64)>> {
    client
        .query(
            "SELECT DISTINCT a.trainee_id, a.playbook_id, a.playbook_version FROM reviews r
             JOIN attempts a ON a.id = r.attempt_id
             WHERE r.override_points IS NOT NULL AND a.mode = 'practice'",
            &[],
        )
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                super::col(r, 0)?,
                super::col(r, 1)?,
                i64::from(super::col::<i32>(r, 2)?),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_plain_names() {
        assert!(check_login("wang.fang-2").is_ok());
        for bad in [
            "",
            "Wang",
            "2x",
            "a b",
            "a\"b",
            "pg_x",
            "salesdojo_admin",
            &"a".repeat(64),
        ] {
            assert!(check_login(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_long_and_differ() {
        let a = generate_password();
        assert_eq!(a.len(), 20);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, generate_password());
    }
}

/// What [`import_log`] brought in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub trainees: u64,
    pub attempts: u64,
    pub replies: u64,
    pub reviews: u64,
}

/// A value in PostgreSQL's COPY text format.
fn copy_text(out: &mut Vec<u8>, v: rusqlite::types::ValueRef<'_>) {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => out.extend_from_slice(b"\\N"),
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        // `{:?}` prints the shortest text that reads back as the same double.
        ValueRef::Real(f) => out.extend_from_slice(format!("{f:?}").as_bytes()),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            for &b in t {
                match b {
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b => out.push(b),
                }
            }
        }
    }
}

/// Brings a progress log's whole history into the team database (an admin moving from one
/// machine to a team, or loading a demo history): each table is streamed with COPY into a
/// staging table and inserted from there by id (`ON CONFLICT DO NOTHING`, so importing twice
/// adds nothing). Imported trainees have no login; imported attempts are claims like any
/// other, counted once the verifier verified them. One transaction.
pub fn import_log(client: &mut Client, store: &crate::store::Store) -> Result<Imported> {
    use std::io::Write;
    super::check_schema(client)?;
    let conn = store.conn();
    let local = |e: rusqlite::Error| TeamError::Store(crate::store::StoreError::from(e));
    let tables: &[(&str, &str)] = &[
        ("teams", "id, name"),
        ("trainees", "id, name, team_id, pseudonym, created_at"),
        (
            "attempts",
            "id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, ended_at, total, passed, status, ending, scored_total, scored_passed, pass_mark, gated",
        ),
        ("results", "id, json"),
        (
            "replies",
            "id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at",
        ),
        ("reply_points", "reply_id, criterion_id, points, weight"),
        (
            "attempt_criteria",
            "attempt_id, criterion_id, points, weight, replies",
        ),
        (
            "live_events",
            "id, attempt_id, at, kind, stage_id, item_id, value",
        ),
        (
            "reviews",
            "id, attempt_id, reviewer, at, comment, criterion_id, override_points",
        ),
    ];
    let mut tx = client.transaction().map_err(db)?;
    // The rollups are rebuilt once at the end instead of attempt by attempt.
    let rollup_triggers = [
        ("attempts", "attempts_rollup_insert"),
        ("attempt_criteria", "criteria_rollup"),
        ("reviews", "reviews_rollup"),
    ];
    for (t, trig) in rollup_triggers {
        tx.batch_execute(&format!("ALTER TABLE {t} DISABLE TRIGGER {trig}"))
            .map_err(db)?;
    }
    let mut counts = Imported::default();
    for (table, cols) in tables {
        tx.batch_execute(&format!(
            "CREATE TEMP TABLE staging_{table} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA"
        ))
        .map_err(db)?;
        let mut writer = tx
            .copy_in(&format!("COPY staging_{table} ({cols}) FROM STDIN"))
            .map_err(db)?;
        let mut stmt = conn
            .prepare(&format!("SELECT {cols} FROM {table}"))
            .map_err(local)?;
        let n = stmt.column_count();
        let mut rows = stmt.query([]).map_err(local)?;
        let mut line = Vec::with_capacity(256);
        while let Some(r) = rows.next().map_err(local)? {
            line.clear();
            for i in 0..n {
                if i > 0 {
                    line.push(b'\t');
                }
                copy_text(&mut line, r.get_ref(i).map_err(local)?);
            }
            line.push(b'\n');
            writer
                .write_all(&line)
                .map_err(|e| TeamError::Server(e.to_string()))?;
        }
        writer.finish().map_err(db)?;
        // Imported trainees have no login (the column's default is the importing admin's).
        let (into, from) = if *table == "trainees" {
            (format!("{cols}, login"), format!("{cols}, NULL"))
        } else {
            (cols.to_string(), cols.to_string())
        };
        let added = tx
            .execute(
                &format!(
                    "INSERT INTO {table} ({into}) SELECT {from} FROM staging_{table} ON CONFLICT DO NOTHING"
                ),
                &[],
            )
            .map_err(db)?;
        match *table {
            "trainees" => counts.trainees = added,
            "attempts" => counts.attempts = added,
            "replies" => counts.replies = added,
            "reviews" => counts.reviews = added,
            _ => {}
        }
    }
    for (t, trig) in rollup_triggers {
        tx.batch_execute(&format!("ALTER TABLE {t} ENABLE TRIGGER {trig}"))
            .map_err(db)?;
    }
    tx.batch_execute("SELECT salesdojo_rollup_rebuild()")
        .map_err(db)?;
    tx.commit().map_err(db)?;
    client.batch_execute("ANALYZE").map_err(db)?;
    Ok(counts)
}
