//! The report queries, written once for both backends, and the decoding of their rows.
//!
//! Both databases keep the same whole-history rollups (`rollup_criteria`, `rollup_attempts`,
//! `rollup_days`, kept by triggers), so a report over the whole history reads the same SQL on
//! each. Every way the two differ is named here, in [`Dialect`]:
//!
//! - **Text order**: SQLite compares text by bytes; a server's default collation may not, so
//!   the server's orderings say `COLLATE "C"`.
//! - **Numbers**: PostgreSQL's sums of integers are `numeric` unless cast; its division of
//!   integers truncates. SQLite needs neither cast.
//! - **Weeks**: `strftime('%Y-W%W', …)` in SQLite, the schema's `salesdojo_week(…)` on the
//!   server (the same weeks).
//! - **A date range** reads the counted attempts: on the server the per-attempt rollups
//!   (`rollup_contrib`, `rollup_contrib_criteria`, which hold only counted, completed
//!   attempts and which row-level security can read cheaply); in SQLite the attempts and
//!   their criteria themselves, with the conditions that leave out the uncounted ones.
//! - **A month rollup** (`rollup_months_criteria`) exists on the server only: a long range's
//!   criterion averages read its whole months there.
//! - **Attempt rows**: the server's attempt results are a view (`attempt_results`), looked up
//!   per attempt of a page; SQLite computes them in the select list.
//! - **Placeholders**: `?N` here; the server's client turns them into `$N` ([`dollars`]).
//!
//! Outside this module: SQLite answers a date range's criterion averages with its own scan
//! (`Local::criterion_averages_in_range`, 2–3× faster than its GROUP BY); the queries here
//! give the same rows and stay its reference (`Plan::BaseTables`).

use super::report::{
    AttemptDetail, AttemptRow, CriterionAverage, CriterionRow, Filter, LeaderRow, OverrideRow,
    PassRate, Plan, ReplyRow, RequestRow, ReviewRow, ScenarioRecord, TraineeReview, TrendPoint,
    VerificationRow, Weakest,
};
use super::{Result, StoreError, Trainee};

/// The SQL dialect a query is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// How a report reads: the dialect, and what it may read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    pub dialect: Dialect,
    /// The rollups when they answer (the default), or never (to check them).
    pub plan: Plan,
    /// The login sees whole teams, so the per-day, per-team rollup answers its trends (on
    /// the server a trainee's login sees only their own attempts, not their team's days).
    pub sees_teams: bool,
}

impl Reading {
    /// A SQLite log's reports.
    pub fn sqlite(plan: Plan) -> Reading {
        Reading {
            dialect: Dialect::Sqlite,
            plan,
            sees_teams: true,
        }
    }

    /// A team server's reports, for a login that does or does not see whole teams.
    pub fn postgres(sees_teams: bool) -> Reading {
        Reading {
            dialect: Dialect::Postgres,
            plan: Plan::Rollups,
            sees_teams,
        }
    }

    /// Whether the whole-history rollups answer `f`.
    fn whole(&self, f: &Filter) -> bool {
        self.plan == Plan::Rollups && f.whole_history()
    }
}

/// Where the counted attempts of a date range are read, aliased `k`.
struct Source {
    table: &'static str,
    /// The column a date range filters on.
    time: &'static str,
    /// The day (`YYYY-MM-DD`) of an attempt.
    day: &'static str,
    /// Conditions that leave out what does not count (` AND …`).
    only: &'static str,
    /// A criterion's points as they count (after overrides); criteria sources only.
    points: &'static str,
}

impl Dialect {
    /// How text is ordered by bytes, after a column in ORDER BY.
    fn c(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " COLLATE \"C\"",
        }
    }

    /// `e` as a 64-bit integer.
    fn int8(self, e: &str) -> String {
        match self {
            Dialect::Sqlite => e.to_owned(),
            Dialect::Postgres => format!("({e})::int8"),
        }
    }

    /// `e` as a floating-point number.
    fn real(self, e: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST({e} AS REAL)"),
            Dialect::Postgres => format!("({e})::float8"),
        }
    }

    /// The week (`YYYY-Www`, weeks starting Monday) of day `d`.
    fn week(self, d: &str) -> String {
        match self {
            Dialect::Sqlite => format!("strftime('%Y-W%W', {d})"),
            Dialect::Postgres => format!("salesdojo_week({d})"),
        }
    }

    /// The attempts with their results as they count (after reviews), aliased `a`.
    fn results(self) -> &'static str {
        match self {
            Dialect::Sqlite => "attempts a",
            Dialect::Postgres => "attempt_results a",
        }
    }

    /// The counted, completed attempts, one row each.
    fn attempts(self) -> Source {
        match self {
            Dialect::Sqlite => Source {
                table: "attempts",
                time: "k.started_at",
                day: "substr(k.started_at, 1, 10)",
                only: " AND k.status = 'completed' AND k.id NOT IN (SELECT attempt_id FROM verifications WHERE status <> 'verified')",
                points: "",
            },
            Dialect::Postgres => Source {
                table: "rollup_contrib",
                time: "k.day",
                day: "k.day",
                only: "",
                points: "",
            },
        }
    }

    /// The criteria of the counted, completed attempts, one row each.
    fn criteria(self) -> Source {
        match self {
            Dialect::Sqlite => Source {
                table: "attempt_criteria",
                time: "k.started_at",
                day: "substr(k.started_at, 1, 10)",
                only: " AND k.attempt_id NOT IN (SELECT attempt_id FROM verifications WHERE status <> 'verified')",
                points: "COALESCE(k.overridden, k.points)",
            },
            Dialect::Postgres => Source {
                table: "rollup_contrib_criteria",
                time: "k.day",
                day: "k.day",
                only: "",
                points: "k.points",
            },
        }
    }
}

/// Trainees and teams beside a table aliased `k`.
const K_FROM: &str =
    "JOIN trainees t ON t.id = k.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id";

/// [`K_FROM`] when the filter names a team (its condition reads `tm`), else nothing: a
/// trainee's filter reads its own index.
fn teams_for(f: &Filter) -> &'static str {
    if f.team.is_some() { K_FROM } else { "" }
}

/// The SQL of [`crate::store::Records::criterion_averages`] and its parameters.
pub fn criterion_averages(f: &Filter, q: Reading) -> (String, Vec<String>) {
    let d = q.dialect;
    let c = d.c();
    if q.whole(f) {
        let (cond, vals) = f.sql_over("k", "");
        let sql = format!(
            "SELECT t.name, tm.name, k.playbook_id, k.criterion_id, SUM(k.points) / SUM(k.n), {}
             FROM rollup_criteria k {K_FROM}
             WHERE 1 = 1{cond}
             GROUP BY t.id, tm.name, k.playbook_id, k.criterion_id HAVING SUM(k.n) > 0
             ORDER BY t.name{c}, k.playbook_id{c}, k.criterion_id{c}",
            d.int8("SUM(k.n)")
        );
        return (sql, vals);
    }
    // A date range: grouped by trainee id before the names are looked up (the names join
    // only to filter by team).
    let teams = teams_for(f);
    let months = (d == Dialect::Postgres && f.scenario.is_none())
        .then(|| Months::of(f))
        .flatten();
    let (rows, vals) = match months {
        // Its whole months from the monthly rollup, the days at its ends from the
        // per-attempt rows.
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
                            {} AS n
                     FROM ({}) r GROUP BY r.trainee_id, r.playbook_id, r.criterion_id HAVING SUM(r.n) > 0",
                    d.int8("SUM(r.n)"),
                    parts.join(" UNION ALL ")
                ),
                vals,
            )
        }
        None => {
            let s = d.criteria();
            let (cond, vals) = f.sql_over("k", s.time);
            (
                format!(
                    "SELECT k.trainee_id, k.playbook_id, k.criterion_id, AVG({}) AS average, COUNT(*) AS n
                     FROM {} k {teams}
                     WHERE 1 = 1{}{cond}
                     GROUP BY k.trainee_id, k.playbook_id, k.criterion_id",
                    s.points, s.table, s.only
                ),
                vals,
            )
        }
    };
    let sql = format!(
        "SELECT t.name, tm.name, g.playbook_id, g.criterion_id, g.average, g.n FROM ({rows}) g
         JOIN trainees t ON t.id = g.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id
         ORDER BY t.name{c}, g.playbook_id{c}, g.criterion_id{c}"
    );
    (sql, vals)
}

/// The SQL of [`crate::store::Records::trend`] and its parameters: per day or week, from the
/// per-day, per-team rollup when it answers (no trainee or scenario, and a login that sees
/// whole teams; summed by day first, then by week), else from the counted attempts.
pub fn trend(f: &Filter, weekly: bool, q: Reading) -> (String, Vec<String>) {
    let d = q.dialect;
    let bucket = |day: &str| {
        if weekly { d.week(day) } else { day.to_owned() }
    };
    if q.plan == Plan::Rollups && q.sees_teams && f.by_day_and_team() {
        let (cond, vals) = f.sql_over("k", "k.day");
        let sql = format!(
            "SELECT {} AS p, {}, SUM(total) / NULLIF(SUM(totals), 0), {} / NULLIF(SUM(graded), 0)
             FROM (SELECT k.day AS d, SUM(k.n) AS n, SUM(k.total) AS total, SUM(k.totals) AS totals,
                          SUM(k.passed) AS passed, SUM(k.graded) AS graded
                   FROM rollup_days k LEFT JOIN teams tm ON tm.id = k.team_id
                   WHERE 1 = 1{cond} GROUP BY k.day) x
             GROUP BY p HAVING SUM(n) > 0 ORDER BY p",
            bucket("d"),
            d.int8("SUM(n)"),
            d.real("SUM(passed)")
        );
        return (sql, vals);
    }
    let s = d.attempts();
    let (cond, vals) = f.sql_over("k", s.time);
    let sql = format!(
        "SELECT {} AS p, {}, AVG(k.total), {}
         FROM {} k {K_FROM}
         WHERE 1 = 1{}{cond} GROUP BY p ORDER BY p",
        bucket(s.day),
        d.int8("COUNT(*)"),
        d.real("AVG(k.passed)"),
        s.table,
        s.only
    );
    (sql, vals)
}

/// The SQL of [`crate::store::Records::pass_rates`] and its parameters.
pub fn pass_rates(f: &Filter, q: Reading) -> (String, Vec<String>) {
    let d = q.dialect;
    let c = d.c();
    let teams = teams_for(f);
    if q.whole(f) {
        let (cond, vals) = f.sql_over("k", "");
        let sql = format!(
            "SELECT k.playbook_id, k.scenario_id, {}, {} FROM rollup_attempts k {teams}
             WHERE k.mode = 'practice'{cond}
             GROUP BY k.playbook_id, k.scenario_id HAVING SUM(k.n) > 0
             ORDER BY k.playbook_id{c}, k.scenario_id{c}",
            d.int8("SUM(k.n)"),
            d.int8("SUM(k.passed)")
        );
        return (sql, vals);
    }
    let s = d.attempts();
    let (cond, vals) = f.sql_over("k", s.time);
    let sql = format!(
        "SELECT k.playbook_id, k.scenario_id, COUNT(*), {}
         FROM {} k {teams}
         WHERE k.mode = 'practice'{}{cond}
         GROUP BY k.playbook_id, k.scenario_id
         ORDER BY k.playbook_id{c}, k.scenario_id{c}",
        d.int8("COALESCE(SUM(k.passed), 0)"),
        s.table,
        s.only
    );
    (sql, vals)
}

/// The SQL of [`crate::store::Records::leaderboard`] and its parameters.
pub fn leaderboard(f: &Filter, limit: usize, q: Reading) -> (String, Vec<String>) {
    let d = q.dialect;
    let c = d.c();
    let certs = "(SELECT COUNT(*) FROM certifications c WHERE c.trainee_id = t.id)";
    if q.whole(f) {
        // Summed per trainee id first; the names of those ranked are looked up after.
        let (cond, vals) = f.sql_over("k", "");
        let teams = teams_for(f);
        let sql = format!(
            "SELECT t.name, tm.name, g.n, g.total / NULLIF(g.totals, 0), g.passed, {certs}
             FROM (SELECT k.trainee_id, {} AS n, SUM(k.total) AS total, SUM(k.totals) AS totals,
                          {} AS passed
                   FROM rollup_attempts k {teams} WHERE k.mode = 'practice'{cond}
                   GROUP BY k.trainee_id HAVING SUM(k.n) > 0) g
             JOIN trainees t ON t.id = g.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id
             ORDER BY g.total / NULLIF(g.totals, 0) DESC NULLS LAST, g.n DESC,
                      t.name{c}, t.id{c} LIMIT {limit}",
            d.int8("SUM(k.n)"),
            d.int8("SUM(k.passed)")
        );
        return (sql, vals);
    }
    let s = d.attempts();
    let (cond, vals) = f.sql_over("k", s.time);
    let sql = format!(
        "SELECT t.name, tm.name, COUNT(*), AVG(k.total), {}, {certs}
         FROM {} k {K_FROM} WHERE k.mode = 'practice'{}{cond}
         GROUP BY t.id, tm.name
         ORDER BY AVG(k.total) DESC NULLS LAST, COUNT(*) DESC, t.name{c}, t.id{c} LIMIT {limit}",
        d.int8("COALESCE(SUM(k.passed), 0)"),
        s.table,
        s.only
    );
    (sql, vals)
}

/// The SQL of [`crate::store::Records::weakest`] and its parameters: the lowest criterion of
/// each trainee or team; a tie goes to the first criterion id.
pub fn weakest(f: &Filter, by_team: bool, q: Reading) -> (String, Vec<String>) {
    let d = q.dialect;
    let c = d.c();
    let who = if by_team {
        "COALESCE(tm.name, '')"
    } else {
        "t.name"
    };
    let group = if by_team { "tm.id" } else { "t.id" };
    let (avgs, vals) = if q.whole(f) && f.team.is_none() {
        // Summed per trainee and criterion first, then per trainee or team.
        let (cond, vals) = f.sql_over("k", "");
        (
            format!(
                "SELECT {who} AS who, {group} AS g, s.criterion_id AS c, SUM(s.points) / SUM(s.n) AS v
                 FROM (SELECT k.trainee_id, k.criterion_id, SUM(k.points) AS points, SUM(k.n) AS n
                       FROM rollup_criteria k WHERE 1 = 1{cond}
                       GROUP BY k.trainee_id, k.criterion_id) s
                 JOIN trainees t ON t.id = s.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id
                 GROUP BY {group}, s.criterion_id HAVING SUM(s.n) > 0"
            ),
            vals,
        )
    } else if q.whole(f) {
        let (cond, vals) = f.sql_over("k", "");
        (
            format!(
                "SELECT {who} AS who, {group} AS g, k.criterion_id AS c, SUM(k.points) / SUM(k.n) AS v
                 FROM rollup_criteria k {K_FROM}
                 WHERE 1 = 1{cond}
                 GROUP BY {group}, k.criterion_id HAVING SUM(k.n) > 0"
            ),
            vals,
        )
    } else {
        let s = d.criteria();
        let (cond, vals) = f.sql_over("k", s.time);
        (
            format!(
                "SELECT {who} AS who, {group} AS g, k.criterion_id AS c, AVG({}) AS v
                 FROM {} k {K_FROM}
                 WHERE 1 = 1{}{cond}
                 GROUP BY {group}, k.criterion_id",
                s.points, s.table, s.only
            ),
            vals,
        )
    };
    let sql = format!(
        "WITH avgs AS ({avgs})
         SELECT who, c, v FROM (
             SELECT who, c, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v, c{c}) AS n FROM avgs) x
         WHERE n = 1 ORDER BY who{c}, c{c}"
    );
    (sql, vals)
}

/// The columns of an attempt row ([`attempt_row`]), over `a` (the attempt), `t` and `tm`.
pub(crate) fn attempt_cols(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite => {
            "a.id, t.name, tm.name, a.playbook_id, a.playbook_version, a.scenario_id, a.mode, a.started_at, a.ended_at, a.status, a.total, a.passed, (SELECT v.status FROM verifications v WHERE v.attempt_id = a.id), COALESCE(a.scored_total, a.total), EXISTS (SELECT 1 FROM attempt_criteria x WHERE x.attempt_id = a.id AND x.overridden IS NOT NULL), CASE WHEN a.scored_total IS NULL THEN a.passed ELSE a.scored_passed END"
        }
        Dialect::Postgres => {
            "a.id, t.name, tm.name, a.playbook_id, a.playbook_version, a.scenario_id, a.mode, a.started_at, a.ended_at, a.status, a.total, a.passed, a.verification, a.scored_total, a.reviewed, a.scored_passed"
        }
    }
}

/// Where attempt rows are read, aliased `a`, with `t` and `tm`.
pub(crate) fn attempt_from(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite => {
            "FROM attempts a JOIN trainees t ON t.id = a.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id"
        }
        Dialect::Postgres => {
            "FROM attempt_results a JOIN trainees t ON t.id = a.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id"
        }
    }
}

/// One attempt's row by its full id (`?1`).
pub fn attempt_by_id(d: Dialect) -> String {
    format!(
        "SELECT {} {} WHERE a.id = ?1",
        attempt_cols(d),
        attempt_from(d)
    )
}

/// The SQL of [`crate::store::Records::attempts`] and its parameters: newest first, at most
/// `limit`.
pub fn attempts(f: &Filter, limit: usize, d: Dialect) -> (String, Vec<String>) {
    let (cond, vals) = f.sql();
    let c = d.c();
    let cols = attempt_cols(d);
    let sql = match d {
        Dialect::Sqlite => format!(
            "SELECT {cols} {} WHERE 1 = 1{cond} ORDER BY a.started_at DESC, a.id DESC LIMIT {limit}",
            attempt_from(d)
        ),
        // The page of ids first, from the attempts' time index; then the results of each of
        // them (`OFFSET 0` keeps the lookup per attempt of the page: flattened, the planner
        // would read the results of every attempt the login may see and then pick the page's).
        Dialect::Postgres => format!(
            "SELECT {cols}
             FROM (SELECT a.id FROM attempts a JOIN trainees t ON t.id = a.trainee_id
                   LEFT JOIN teams tm ON tm.id = t.team_id
                   WHERE 1 = 1{cond} ORDER BY a.started_at DESC, a.id DESC LIMIT {limit}) p
             CROSS JOIN LATERAL (SELECT * FROM attempt_results a WHERE a.id = p.id OFFSET 0) a
             JOIN trainees t ON t.id = a.trainee_id LEFT JOIN teams tm ON tm.id = t.team_id
             ORDER BY a.started_at{c} DESC, a.id{c} DESC"
        ),
    };
    (sql, vals)
}

/// Every attempt of the filter, newest first, at most `limit`, as one stream.
pub fn attempts_streamed(f: &Filter, limit: usize, d: Dialect) -> (String, Vec<String>) {
    let (cond, vals) = f.sql();
    let c = d.c();
    let sql = format!(
        "SELECT {} {} WHERE 1 = 1{cond} ORDER BY a.started_at{c} DESC, a.id{c} DESC LIMIT {limit}",
        attempt_cols(d),
        attempt_from(d)
    );
    (sql, vals)
}

/// How many completed practice attempts the filter selects.
pub fn completed_practice_count(f: &Filter, d: Dialect) -> (String, Vec<String>) {
    let (cond, vals) = f.sql();
    let sql = format!(
        "SELECT COUNT(*) {} WHERE a.status = 'completed' AND a.mode = 'practice'{cond}",
        attempt_from(d)
    );
    (sql, vals)
}

/// A backend's way to run a read-only query: its dialect, and each row of a query in turn.
pub trait Run {
    fn dialect(&self) -> Dialect;
    fn each(
        &self,
        sql: &str,
        vals: &[String],
        row: &mut dyn FnMut(&dyn Cells) -> Result<()>,
    ) -> Result<()>;
}

/// Every row of a query, decoded.
pub fn all<T>(
    run: &dyn Run,
    sql: &str,
    vals: &[String],
    decode: impl Fn(&dyn Cells) -> Result<T>,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    run.each(sql, vals, &mut |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

/// [`crate::store::Records::attempt_detail`]: one attempt (by id or unique id prefix) in full.
pub fn attempt_detail(run: &dyn Run, id: &str) -> Result<AttemptDetail> {
    let d = run.dialect();
    let c = d.c();
    // A key range, not LIKE: the primary-key index finds the prefix directly.
    let ids = all(
        run,
        &format!("SELECT id FROM attempts WHERE id{c} >= ?1 AND id{c} < ?1 || '~' LIMIT 2"),
        &[id.to_lowercase()],
        |r| r.text(0),
    )?;
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
    let attempt = all(run, &attempt_by_id(d), one, attempt_row)?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::NotFound(format!("attempt '{id}'")))?;
    let replies = all(
        run,
        "SELECT r.seq, r.turn_id, r.stage_id, r.answer_kind, r.answer, r.seconds, r.score, res.json, r.script_error
         FROM replies r JOIN results res ON res.id = r.result_id WHERE r.attempt_id = ?1 ORDER BY r.seq",
        one,
        |r| {
            Ok(ReplyRow {
                seq: r.int(0)?,
                turn: r.text(1)?,
                stage: r.text(2)?,
                kind: r.text(3)?,
                answer: r.text(4)?,
                seconds: r.real(5)?,
                score: r.real(6)?,
                result: serde_json::from_str(&r.text(7)?).unwrap_or(serde_json::Value::Null),
                script_error: r.opt_text(8)?,
            })
        },
    )?;
    // Each criterion with its latest override. The server keeps them in a view; here the
    // latest review with an override is looked up (a tie in time goes to the later row).
    let criteria_sql = match d {
        Dialect::Sqlite => {
            "SELECT ac.criterion_id, ac.points, ac.weight, r.override_points, r.reviewer, r.at
             FROM attempt_criteria ac
             LEFT JOIN reviews r ON r.id = (SELECT r2.id FROM reviews r2 WHERE r2.attempt_id = ac.attempt_id
                 AND r2.criterion_id = ac.criterion_id AND r2.override_points IS NOT NULL ORDER BY r2.at DESC, r2.rowid DESC LIMIT 1)
             WHERE ac.attempt_id = ?1 ORDER BY ac.criterion_id"
        }
        Dialect::Postgres => {
            "SELECT criterion_id, points, weight, overridden, overridden_by, overridden_at
             FROM criteria_results WHERE attempt_id = ?1 ORDER BY criterion_id COLLATE \"C\""
        }
    };
    let criteria = all(run, criteria_sql, one, |r| {
        Ok(CriterionRow {
            criterion: r.text(0)?,
            points: r.real(1)?,
            weight: r.real(2)?,
            override_points: r.opt_real(3)?,
            overridden_by: r.opt_text(4)?,
            overridden_at: r.opt_text(5)?,
        })
    })?;
    // In the order they were written: SQLite's row ids, the server's sequence.
    let written = match d {
        Dialect::Sqlite => "rowid",
        Dialect::Postgres => "seq",
    };
    let reviews = all(
        run,
        &format!(
            "SELECT {REVIEW_COLS} FROM reviews w WHERE w.attempt_id = ?1 ORDER BY w.at{c}, w.{written}"
        ),
        one,
        |r| review_row(r, 0),
    )?;
    let requests = all(
        run,
        &format!(
            "SELECT id, question, asked_at FROM review_requests WHERE attempt_id = ?1
             ORDER BY asked_at{c}, id{c}"
        ),
        one,
        |r| {
            Ok(RequestRow {
                id: r.text(0)?,
                question: r.text(1)?,
                asked_at: r.text(2)?,
            })
        },
    )?;
    let verification = all(
        run,
        "SELECT status, derived_total, derived_passed, note, checked_at FROM verifications WHERE attempt_id = ?1",
        one,
        |r| {
            Ok(VerificationRow {
                status: r.text(0)?,
                derived_total: r.opt_real(1)?,
                derived_passed: r.opt_int(2)?.map(|p| p != 0),
                note: r.opt_text(3)?,
                checked_at: r.opt_text(4)?,
            })
        },
    )?
    .into_iter()
    .next()
    .or_else(|| {
        // A claim the server's verifier has not judged yet.
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
        requests,
        verification,
        // Read by Records::attempt_detail, which knows the published versions.
        published_version: None,
    })
}

/// A review's columns ([`review_row`]) over `w`, the review.
const REVIEW_COLS: &str =
    "w.id, w.reviewer, w.at, w.comment, w.criterion_id, w.override_points, w.reply_seq, w.sign_off,
     (SELECT k.acked_at FROM review_acks k WHERE k.review_id = w.id)";

/// A review read by [`REVIEW_COLS`], which start at column `at`.
fn review_row(r: &dyn Cells, at: usize) -> Result<ReviewRow> {
    Ok(ReviewRow {
        id: r.text(at)?,
        reviewer: r.text(at + 1)?,
        at: r.text(at + 2)?,
        comment: r.opt_text(at + 3)?,
        criterion: r.opt_text(at + 4)?,
        override_points: r.opt_real(at + 5)?,
        reply: r.opt_int(at + 6)?,
        sign_off: r.int(at + 7)? != 0,
        acknowledged_at: r.opt_text(at + 8)?,
    })
}

/// [`crate::store::Records::reviews_of`]: the reviews of a trainee's attempts, newest first
/// (at most `limit`).
pub fn reviews_of(run: &dyn Run, trainee_id: &str, limit: usize) -> Result<Vec<TraineeReview>> {
    let c = run.dialect().c();
    all(
        run,
        &format!(
            "SELECT a.id, a.playbook_id, a.scenario_id, a.started_at, {REVIEW_COLS}
             FROM reviews w JOIN attempts a ON a.id = w.attempt_id
             WHERE a.trainee_id = ?1 ORDER BY w.at{c} DESC, w.id{c} LIMIT {limit}"
        ),
        &[trainee_id.to_owned()],
        |r| {
            Ok(TraineeReview {
                attempt_id: r.text(0)?,
                playbook: r.text(1)?,
                scenario: r.text(2)?,
                started_at: r.text(3)?,
                review: review_row(r, 4)?,
            })
        },
    )
}

/// [`crate::store::Records::queue_facts`]: every completed practice attempt started on or
/// after `since`, and every one a trainee asked about, with what the review queue reads.
///
/// Read as a few whole sets joined here rather than one query with a lookup per attempt per
/// fact: the attempts of the range (from their time index), their criteria (from the
/// criteria's time index), and the small sets of reviews, questions and script failures. On
/// the demo history's last 30 days (12 500 attempts) that is 42 ms where the correlated form
/// took 179 (docs/BENCHMARKS.md).
pub fn queue_facts(run: &dyn Run, since: &str) -> Result<Vec<crate::queue::Fact>> {
    let d = run.dialect();
    let c = d.c();
    let vals = [since.to_owned()];
    let (results, marks, verification) = match d {
        Dialect::Sqlite => (
            "attempts a",
            "a.pass_mark, COALESCE(a.gated, 0)",
            "(SELECT v.status FROM verifications v WHERE v.attempt_id = a.id)",
        ),
        Dialect::Postgres => (
            "attempt_results a JOIN attempts b ON b.id = a.id",
            "b.pass_mark, COALESCE(b.gated, 0)",
            "a.verification",
        ),
    };
    // The range's attempts from the time index, then the older ones asked about (two queries:
    // one with OR reads every match into a row set and sorts it).
    let fact = |r: &dyn Cells| -> Result<crate::queue::Fact> {
        Ok(crate::queue::Fact {
            attempt: r.text(0)?,
            trainee_id: r.text(1)?,
            trainee: String::new(),
            team: None,
            playbook: r.text(2)?,
            scenario: r.text(3)?,
            started_at: r.text(4)?,
            ended_at: r.opt_text(5)?,
            total: r.opt_real(6)?,
            passed: r.opt_int(7)?.map(|p| p != 0),
            pass_mark: r.opt_int(8)?.and_then(|m| u8::try_from(m).ok()),
            gated: r.int(9)? != 0,
            script_errors: 0,
            verification: r.opt_text(10)?,
            criteria_low: None,
            criteria_high: None,
            last_review: None,
            signed_off: false,
            question: None,
            asked_at: None,
        })
    };
    let cols = format!(
        "SELECT a.id, a.trainee_id, a.playbook_id, a.scenario_id, a.started_at, a.ended_at, a.total, a.passed,
                {marks}, {verification}
         FROM {results} WHERE a.status = 'completed' AND a.mode = 'practice'"
    );
    let mut facts = all(run, &format!("{cols} AND a.started_at >= ?1"), &vals, fact)?;
    facts.extend(all(
        run,
        &format!(
            "{cols} AND a.started_at < ?1 AND a.id IN (SELECT attempt_id FROM review_requests)"
        ),
        &vals,
        fact,
    )?);
    let at: crate::fx::FxMap<String, usize> = facts
        .iter()
        .enumerate()
        .map(|(i, f)| (f.attempt.clone(), i))
        .collect();
    // Criteria: the lowest and highest points of each attempt (after overrides).
    let criteria = match d {
        Dialect::Sqlite => {
            "SELECT ac.attempt_id, COALESCE(ac.overridden, ac.points) FROM attempt_criteria ac
             WHERE ac.started_at >= ?1"
        }
        Dialect::Postgres => {
            "SELECT c.attempt_id, COALESCE(c.overridden, c.points) FROM criteria_results c
             JOIN attempts a ON a.id = c.attempt_id WHERE a.started_at >= ?1"
        }
    };
    run.each(criteria, &vals, &mut |r| {
        if let Some(f) = at.get(r.str(0)?).and_then(|&i| facts.get_mut(i)) {
            let p = r.real(1)?;
            f.criteria_low = Some(f.criteria_low.map_or(p, |l| l.min(p)));
            f.criteria_high = Some(f.criteria_high.map_or(p, |h| h.max(p)));
        }
        Ok(())
    })?;
    // Questions asked (an attempt of any age), the latest per attempt, and their criteria.
    let asked = all(
        run,
        &format!(
            "SELECT attempt_id, question, asked_at FROM review_requests ORDER BY asked_at{c}, id{c}"
        ),
        &[],
        |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)),
    )?;
    for (id, q, when) in asked {
        if let Some(f) = at.get(&id).and_then(|&i| facts.get_mut(i)) {
            f.question = Some(q);
            f.asked_at = Some(when);
        }
    }
    // Reviews (made after the attempts they review: at or after `since`, or of an attempt
    // asked about): the latest, and whether one signed it off.
    run.each(
        &format!(
            "SELECT attempt_id, MAX(at{c}), MAX(sign_off) FROM reviews
             WHERE at >= ?1 OR attempt_id IN (SELECT attempt_id FROM review_requests)
             GROUP BY attempt_id"
        ),
        &vals,
        &mut |r| {
            if let Some(f) = at.get(r.str(0)?).and_then(|&i| facts.get_mut(i)) {
                f.last_review = r.opt_text(1)?;
                f.signed_off = r.int(2)? != 0;
            }
            Ok(())
        },
    )?;
    // Script failures: few, found by their partial index.
    run.each(
        "SELECT attempt_id, COUNT(*) FROM replies WHERE script_error IS NOT NULL GROUP BY attempt_id",
        &[],
        &mut |r| {
            if let Some(f) = at.get(r.str(0)?).and_then(|&i| facts.get_mut(i)) {
                f.script_errors = u32::try_from(r.int(1)?).unwrap_or(u32::MAX);
            }
            Ok(())
        },
    )?;
    // Names.
    let who: crate::fx::FxMap<String, Trainee> = trainees(run)?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    for f in &mut facts {
        if let Some(t) = who.get(&f.trainee_id) {
            f.trainee = t.name.clone();
            f.team = t.team.clone();
        }
    }
    Ok(facts)
}

/// [`crate::store::Records::readiness`]: each counted criterion's points since `since` (a
/// day), per trainee (one, when given), playbook, criterion and day, into `tally`.
pub fn readiness(
    run: &dyn Run,
    since: &str,
    trainee: Option<&str>,
    playbook: Option<&str>,
    tally: &mut crate::readiness::Tally,
) -> Result<()> {
    let d = run.dialect();
    let s = d.criteria();
    let mut vals = vec![since.to_owned()];
    let mut only = String::new();
    if let Some(t) = trainee {
        vals.push(t.to_owned());
        only.push_str(&format!(" AND k.trainee_id = ?{}", vals.len()));
    }
    if let Some(p) = playbook {
        vals.push(p.to_owned());
        only.push_str(&format!(" AND k.playbook_id = ?{}", vals.len()));
    }
    let (n, points, group) = match d {
        // One row per attempt's criterion, read from the covering index in date order:
        // grouping would sort them first, for nothing.
        Dialect::Sqlite => ("1", s.points.to_owned(), ""),
        Dialect::Postgres => (
            "COUNT(*)",
            format!("SUM({})", s.points),
            " GROUP BY 1, 2, 3, 4",
        ),
    };
    let sql = format!(
        "SELECT k.trainee_id, k.playbook_id, k.criterion_id, {day}, {n}, {points}
         FROM {table} k WHERE {time} >= ?1{only}{counted}{group}",
        day = s.day,
        table = s.table,
        time = s.time,
        counted = s.only,
    );
    run.each(&sql, &vals, &mut |r| {
        let n = u32::try_from(r.int(4)?).unwrap_or(0);
        tally.add(
            &r.text(0)?,
            &r.text(1)?,
            &r.text(2)?,
            &r.text(3)?,
            n,
            r.real(5)?,
        );
        Ok(())
    })
}

/// [`crate::store::Records::team_days`]: per day since `since` and team, the counted attempts
/// with a total and the sum of their totals.
pub fn team_days(
    run: &dyn Run,
    since: &str,
    playbook: Option<&str>,
) -> Result<Vec<crate::readiness::Day>> {
    let c = run.dialect().c();
    let mut vals = vec![since.to_owned()];
    let only = match playbook {
        Some(p) => {
            vals.push(p.to_owned());
            " AND r.playbook_id = ?2"
        }
        None => "",
    };
    all(
        run,
        &format!(
            "SELECT r.day, tm.name, SUM(r.totals), SUM(r.total) FROM rollup_days r
             LEFT JOIN teams tm ON tm.id = r.team_id
             WHERE r.day >= ?1{only} GROUP BY r.day, tm.name ORDER BY r.day{c}"
        ),
        &vals,
        |r| {
            let day = r.text(0)?;
            Ok(crate::readiness::Day {
                day: chrono::NaiveDate::parse_from_str(day.get(..10).unwrap_or(&day), "%Y-%m-%d")
                    .map_err(|_| StoreError::Remote(format!("a day '{day}' in the rollups")))?,
                team: r.opt_text(1)?,
                attempts: u32::try_from(r.int(2)?).unwrap_or(0),
                total: r.real(3)?,
            })
        },
    )
}

/// [`crate::store::Records::certification_facts`]: the passed, counted practice attempts of a
/// playbook (of one trainee, when given) with their criteria after overrides.
pub fn certification_facts(
    run: &dyn Run,
    playbook: &str,
    trainee: Option<&str>,
) -> Result<Vec<crate::certify::Fact>> {
    let d = run.dialect();
    let (from, counted) = match d {
        Dialect::Sqlite => (
            "attempts a JOIN attempt_criteria ac ON ac.attempt_id = a.id",
            "a.counted = 1",
        ),
        Dialect::Postgres => (
            "attempt_results a JOIN criteria_results ac ON ac.attempt_id = a.id",
            "a.counted",
        ),
    };
    let mut vals = vec![playbook.to_owned()];
    let only = match trainee {
        Some(t) => {
            vals.push(t.to_owned());
            " AND a.trainee_id = ?2"
        }
        None => "",
    };
    let c = d.c();
    let mut out: Vec<crate::certify::Fact> = Vec::new();
    run.each(
        &format!(
            "SELECT a.id, a.trainee_id, a.scenario_id, a.ended_at, ac.criterion_id, COALESCE(ac.overridden, ac.points)
             FROM {from}
             WHERE a.playbook_id = ?1 AND a.mode = 'practice' AND a.status = 'completed' AND a.passed = 1
               AND {counted}{only}
             ORDER BY a.id{c}, ac.criterion_id{c}"
        ),
        &vals,
        &mut |r| {
            let id = r.text(0)?;
            let crit = (r.text(4)?, r.real(5)?);
            match out.last_mut() {
                Some(f) if f.attempt == id => f.criteria.push(crit),
                _ => out.push(crate::certify::Fact {
                    attempt: id,
                    trainee_id: r.text(1)?,
                    scenario: r.text(2)?,
                    ended_at: r.opt_text(3)?.unwrap_or_default(),
                    criteria: vec![crit],
                }),
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// [`crate::store::Records::certificate_sign_offs`] and its revocations: those of a playbook.
pub fn certificate_sign_offs(
    run: &dyn Run,
    playbook: &str,
) -> Result<Vec<crate::certify::SignOff>> {
    let c = run.dialect().c();
    all(
        run,
        &format!(
            "SELECT trainee_id, playbook_id, signed_by, signed_at FROM certificate_signoffs
             WHERE playbook_id = ?1 ORDER BY signed_at{c}"
        ),
        &[playbook.to_owned()],
        |r| {
            Ok(crate::certify::SignOff {
                trainee_id: r.text(0)?,
                playbook: r.text(1)?,
                signed_by: r.text(2)?,
                signed_at: r.text(3)?,
            })
        },
    )
}

/// The revocations of a playbook's certificates.
pub fn certificate_revocations(
    run: &dyn Run,
    playbook: &str,
) -> Result<Vec<crate::certify::Revocation>> {
    let c = run.dialect().c();
    all(
        run,
        &format!(
            "SELECT trainee_id, playbook_id, revoked_at, reason, revoked_by FROM certificate_revocations
             WHERE playbook_id = ?1 ORDER BY revoked_at{c}"
        ),
        &[playbook.to_owned()],
        |r| {
            Ok(crate::certify::Revocation {
                trainee_id: r.text(0)?,
                playbook: r.text(1)?,
                revoked_at: r.text(2)?,
                reason: r.text(3)?,
                revoked_by: r.text(4)?,
            })
        },
    )
}

/// [`crate::store::Records::trainees`]: everyone who has a record, by name.
pub fn trainees(run: &dyn Run) -> Result<Vec<Trainee>> {
    let c = run.dialect().c();
    all(
        run,
        &format!(
            "SELECT t.id, t.name, tm.name, t.pseudonym FROM trainees t LEFT JOIN teams tm ON tm.id = t.team_id
             ORDER BY t.name{c}, tm.name{c} NULLS FIRST"
        ),
        &[],
        trainee_row,
    )
}

/// A trainee read as `id, name, team name, pseudonym`.
fn trainee_row(r: &dyn Cells) -> Result<Trainee> {
    Ok(Trainee {
        id: r.text(0)?,
        name: r.text(1)?,
        team: r.opt_text(2)?,
        pseudonym: r.opt_text(3)?,
    })
}

/// The trainee who practised an attempt (its full id).
pub fn attempt_trainee(run: &dyn Run, attempt: &str) -> Result<Option<Trainee>> {
    Ok(all(
        run,
        "SELECT t.id, t.name, tm.name, t.pseudonym FROM attempts a JOIN trainees t ON t.id = a.trainee_id
         LEFT JOIN teams tm ON tm.id = t.team_id WHERE a.id = ?1",
        &[attempt.to_owned()],
        trainee_row,
    )?
    .into_iter()
    .next())
}

/// [`crate::store::Records::scenario_records`].
pub fn scenario_records(
    run: &dyn Run,
    trainee_id: &str,
    playbook: &str,
) -> Result<Vec<ScenarioRecord>> {
    let d = run.dialect();
    all(
        run,
        &format!(
            "SELECT a.scenario_id, COUNT(*), MAX(a.total), MAX(a.passed) FROM {}
             WHERE a.trainee_id = ?1 AND a.playbook_id = ?2 AND a.status = 'completed' AND a.mode = 'practice' AND a.counted
             GROUP BY a.scenario_id ORDER BY a.scenario_id{}",
            d.results(),
            d.c()
        ),
        &[trainee_id.to_owned(), playbook.to_owned()],
        |r| {
            Ok(ScenarioRecord {
                scenario: r.text(0)?,
                attempts: r.int(1)?,
                best: r.opt_real(2)?.unwrap_or(0.0),
                passed: r.opt_int(3)?.unwrap_or(0) != 0,
            })
        },
    )
}

/// [`crate::store::Records::is_certified`].
pub fn is_certified(run: &dyn Run, trainee_id: &str, playbook: &str) -> Result<bool> {
    let found = all(
        run,
        "SELECT 1 FROM certifications WHERE trainee_id = ?1 AND playbook_id = ?2 LIMIT 1",
        &[trainee_id.to_owned(), playbook.to_owned()],
        |_| Ok(()),
    )?;
    Ok(!found.is_empty())
}

/// [`crate::store::Records::scenario_totals`]: (start, total), oldest first.
pub fn scenario_totals(
    run: &dyn Run,
    trainee_id: &str,
    playbook: &str,
    scenario: &str,
) -> Result<Vec<(String, f64)>> {
    let d = run.dialect();
    all(
        run,
        &format!(
            "SELECT a.started_at, a.total FROM {} WHERE a.trainee_id = ?1 AND a.playbook_id = ?2
               AND a.scenario_id = ?3 AND a.status = 'completed' AND a.counted AND a.total IS NOT NULL
             ORDER BY a.started_at{}",
            d.results(),
            d.c()
        ),
        &[
            trainee_id.to_owned(),
            playbook.to_owned(),
            scenario.to_owned(),
        ],
        |r| Ok((r.text(0)?, r.real(1)?)),
    )
}

/// [`crate::store::Records::last_practised`].
pub fn last_practised(
    run: &dyn Run,
    trainee: &str,
    playbook: &str,
    scenario: &str,
) -> Result<Option<String>> {
    let c = run.dialect().c();
    Ok(all(
        run,
        &format!(
            "SELECT MAX(a.started_at{c}) FROM attempts a
             WHERE a.trainee_id IN (SELECT id FROM trainees WHERE name = ?1 OR id = ?1)
               AND a.playbook_id = ?2 AND a.scenario_id = ?3"
        ),
        &[trainee.to_owned(), playbook.to_owned(), scenario.to_owned()],
        |r| r.opt_text(0),
    )?
    .into_iter()
    .next()
    .flatten())
}

/// Every criterion override (the latest per attempt and criterion) written at or after
/// `since` (a date or RFC 3339 time), oldest first, beside the scorer's points.
pub fn overrides(run: &dyn Run, since: Option<&str>) -> Result<Vec<OverrideRow>> {
    let c = run.dialect().c();
    let rows = all(
        run,
        &format!(
            "SELECT r.attempt_id, a.playbook_id, a.scenario_id, r.criterion_id, k.points,
                    r.override_points, r.at
             FROM reviews r
             JOIN attempts a ON a.id = r.attempt_id
             JOIN attempt_criteria k ON k.attempt_id = r.attempt_id AND k.criterion_id = r.criterion_id
             WHERE r.override_points IS NOT NULL AND r.at >= ?1
             ORDER BY r.at{c}, r.id{c}"
        ),
        &[since.unwrap_or("").to_owned()],
        |r| {
            Ok(OverrideRow {
                attempt: r.text(0)?,
                playbook: r.text(1)?,
                scenario: r.text(2)?,
                criterion: r.text(3)?,
                scored: r.real(4)?,
                overridden: r.real(5)?,
                at: r.text(6)?,
            })
        },
    )?;
    // A later override of the same criterion replaces the earlier one.
    let mut last: std::collections::HashMap<(String, String), usize> =
        std::collections::HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        last.insert((row.attempt.clone(), row.criterion.clone()), i);
    }
    Ok(rows
        .into_iter()
        .enumerate()
        .filter(|(i, r)| last.get(&(r.attempt.clone(), r.criterion.clone())) == Some(i))
        .map(|(_, r)| r)
        .collect())
}

/// The latest distinct free-text replies trainees gave at a turn (words only: no name, no
/// date), newest first, for a trainer to grade.
pub fn recent_replies(
    run: &dyn Run,
    playbook: &str,
    scenario: &str,
    turn: &str,
    limit: usize,
) -> Result<Vec<String>> {
    let c = run.dialect().c();
    let rows = all(
        run,
        &format!(
            "SELECT r.answer FROM replies r JOIN attempts a ON a.id = r.attempt_id
             WHERE a.playbook_id = ?1 AND a.scenario_id = ?2 AND r.turn_id = ?3
               AND r.answer_kind = 'text'
             ORDER BY r.created_at{c} DESC, r.id{c} DESC LIMIT {}",
            limit.saturating_mul(4).min(2000)
        ),
        &[playbook.to_owned(), scenario.to_owned(), turn.to_owned()],
        |r| r.text(0),
    )?;
    let mut out: Vec<String> = Vec::new();
    for r in rows {
        if !r.trim().is_empty() && !out.contains(&r) {
            out.push(r);
        }
        if out.len() == limit {
            break;
        }
    }
    Ok(out)
}

/// `?N` placeholders (SQLite's) as `$N` (PostgreSQL's).
pub fn dollars(sql: &str) -> String {
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

/// A result row of either backend, read by column number. Integers of any width read as
/// `i64`; a column of another type than asked is an error naming it (never a panic), as
/// after an admin altered a server's column.
pub trait Cells {
    fn text(&self, i: usize) -> Result<String>;
    /// A text column borrowed from the row, not copied (for rows read by the thousand).
    fn str(&self, i: usize) -> Result<&str>;
    fn opt_text(&self, i: usize) -> Result<Option<String>>;
    fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?
            .ok_or_else(|| StoreError::Remote(format!("column {i} is empty")))
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>>;
    fn real(&self, i: usize) -> Result<f64> {
        self.opt_real(i)?
            .ok_or_else(|| StoreError::Remote(format!("column {i} is empty")))
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>>;
    /// A truth value (SQLite keeps it as 0 or 1).
    fn flag(&self, i: usize) -> Result<bool>;
}

impl Cells for rusqlite::Row<'_> {
    fn text(&self, i: usize) -> Result<String> {
        Ok(self.get(i)?)
    }
    fn str(&self, i: usize) -> Result<&str> {
        Ok(self.get_ref(i)?.as_str().map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
        })?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.get(i)?)
    }
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.get(i)?)
    }
    fn real(&self, i: usize) -> Result<f64> {
        Ok(self.get(i)?)
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>> {
        Ok(self.get(i)?)
    }
    fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.get(i)?)
    }
}

impl Cells for postgres::Row {
    fn text(&self, i: usize) -> Result<String> {
        pg(self, i)
    }
    fn str(&self, i: usize) -> Result<&str> {
        pg(self, i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        pg(self, i)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        use postgres::types::Type;
        let ty = self.columns().get(i).map(|c| c.type_().clone());
        match ty {
            Some(Type::INT4) => Ok(pg::<Option<i32>>(self, i)?.map(i64::from)),
            Some(Type::INT2) => Ok(pg::<Option<i16>>(self, i)?.map(i64::from)),
            _ => pg(self, i),
        }
    }
    fn opt_real(&self, i: usize) -> Result<Option<f64>> {
        pg(self, i)
    }
    fn flag(&self, i: usize) -> Result<bool> {
        use postgres::types::Type;
        match self.columns().get(i).map(|c| c.type_().clone()) {
            Some(Type::BOOL) => pg(self, i),
            _ => Ok(self.int(i)? != 0),
        }
    }
}

/// Column `i` of a row the server sent, as `T`; a clear error when it is not that type.
pub(crate) fn pg<'a, T: postgres::types::FromSql<'a>>(r: &'a postgres::Row, i: usize) -> Result<T> {
    r.try_get(i).map_err(|e| {
        StoreError::Remote(format!(
            "column {i} ({}) of a row the server sent: {e}",
            r.columns().get(i).map_or("?", |c| c.name())
        ))
    })
}

/// A row of [`criterion_averages`].
pub fn criterion_average(r: &dyn Cells) -> Result<CriterionAverage> {
    Ok(CriterionAverage {
        trainee: r.text(0)?,
        team: r.opt_text(1)?,
        playbook: r.text(2)?,
        criterion: r.text(3)?,
        average: r.real(4)?,
        attempts: r.int(5)?,
    })
}

/// A row of [`trend`].
pub fn trend_point(r: &dyn Cells) -> Result<TrendPoint> {
    Ok(TrendPoint {
        period: r.text(0)?,
        attempts: r.int(1)?,
        average: r.opt_real(2)?.unwrap_or(0.0),
        pass_rate: r.opt_real(3)?.unwrap_or(0.0),
    })
}

/// A row of [`pass_rates`].
pub fn pass_rate(r: &dyn Cells) -> Result<PassRate> {
    let (n, p) = (r.int(2)?, r.opt_int(3)?.unwrap_or(0));
    Ok(PassRate {
        playbook: r.text(0)?,
        scenario: r.text(1)?,
        attempts: n,
        passed: p,
        rate: if n > 0 { p as f64 / n as f64 } else { 0.0 },
    })
}

/// A row of [`leaderboard`].
pub fn leader_row(r: &dyn Cells) -> Result<LeaderRow> {
    Ok(LeaderRow {
        trainee: r.text(0)?,
        team: r.opt_text(1)?,
        attempts: r.int(2)?,
        average: r.opt_real(3)?.unwrap_or(0.0),
        passed: r.opt_int(4)?.unwrap_or(0),
        certifications: r.int(5)?,
    })
}

/// A row of [`weakest`].
pub fn weakest_row(r: &dyn Cells) -> Result<Weakest> {
    Ok(Weakest {
        who: r.text(0)?,
        criterion: r.text(1)?,
        average: r.real(2)?,
    })
}

/// A row of [`attempts`] and [`attempt_by_id`].
pub fn attempt_row(r: &dyn Cells) -> Result<AttemptRow> {
    Ok(AttemptRow {
        id: r.text(0)?,
        trainee: r.text(1)?,
        team: r.opt_text(2)?,
        playbook: r.text(3)?,
        version: r.int(4)?,
        scenario: r.text(5)?,
        mode: r.text(6)?,
        started_at: r.text(7)?,
        ended_at: r.opt_text(8)?,
        status: r.text(9)?,
        total: r.opt_real(10)?,
        passed: r.opt_int(11)?.map(|p| p != 0),
        verification: r.opt_text(12)?,
        scored_total: r.opt_real(13)?,
        reviewed: r.flag(14)?,
        scored_passed: r.opt_int(15)?.map(|p| p != 0),
    })
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

/// [`crate::store::Records::published_versions`]: the published versions (of one playbook,
/// when given), oldest first, with their files when asked.
pub fn published_versions(
    run: &dyn Run,
    playbook: Option<&str>,
    with_files: bool,
) -> Result<Vec<crate::publish::Version>> {
    let c = run.dialect().c();
    let files = if with_files { "files" } else { "''" };
    let (cond, vals) = match playbook {
        Some(p) => (" WHERE playbook_id = ?1", vec![p.to_owned()]),
        None => ("", Vec::new()),
    };
    all(
        run,
        &format!(
            "SELECT playbook_id, version, hash, format, note, published_by, published_at, {files}
             FROM published{cond} ORDER BY playbook_id{c}, version"
        ),
        &vals,
        |r| {
            let small = |i: usize| -> Result<u32> {
                u32::try_from(r.int(i)?)
                    .map_err(|_| StoreError::Remote(format!("column {i} of a published version")))
            };
            Ok(crate::publish::Version {
                playbook: r.text(0)?,
                version: small(1)?,
                hash: r.text(2)?,
                format: small(3)?,
                note: r.opt_text(4)?,
                published_by: r.text(5)?,
                published_at: r.text(6)?,
                bundle: if with_files {
                    crate::publish::Bundle::from_json(&r.text(7)?)
                } else {
                    None
                },
            })
        },
    )
}

/// [`crate::store::Records::attempt_playbook`]: an attempt's playbook id and the hash of the
/// playbook file it was played on.
pub fn attempt_playbook(run: &dyn Run, attempt: &str) -> Result<Option<(String, String)>> {
    let rows = all(
        run,
        "SELECT playbook_id, playbook_hash FROM attempts WHERE id = ?1",
        &[attempt.to_owned()],
        |r| Ok((r.text(0)?, r.text(1)?)),
    )?;
    Ok(rows.into_iter().next())
}

/// [`crate::store::Records::assignments`]: every assignment the login may see, by due day.
pub fn assignments(run: &dyn Run) -> Result<Vec<crate::assign::Assignment>> {
    use crate::assign::{Assignment, Retake, Target};
    let c = run.dialect().c();
    all(
        run,
        &format!(
            "SELECT a.id, a.playbook_id, a.scenario_id, a.trainee_id, a.team_id, tm.name, a.due,
                    a.pass_mark, a.retake_after_days, a.retake_max, a.assigned_by, a.assigned_at, a.note
             FROM assignments a LEFT JOIN teams tm ON tm.id = a.team_id
             ORDER BY a.due{c}, a.id{c}"
        ),
        &[],
        |r| {
            let target = match (r.opt_text(3)?, r.opt_text(4)?) {
                (Some(t), _) => Target::Trainee(t),
                (None, Some(team)) => Target::Team(team),
                (None, None) => {
                    return Err(StoreError::Remote(
                        "an assignment with neither a trainee nor a team".into(),
                    ));
                }
            };
            let due = r.text(6)?;
            let small = |i: usize| -> Result<u32> {
                u32::try_from(r.int(i)?)
                    .map_err(|_| StoreError::Remote(format!("column {i} of an assignment")))
            };
            Ok(Assignment {
                id: r.text(0)?,
                playbook: r.text(1)?,
                scenario: r.opt_text(2)?,
                target,
                team_name: r.opt_text(5)?,
                due: due
                    .parse()
                    .map_err(|_| StoreError::Remote(format!("an assignment due '{due}'")))?,
                pass_mark: u8::try_from(r.int(7)?).unwrap_or(100).min(100),
                retake: Retake {
                    after_days: small(8)?,
                    max: small(9)?,
                },
                assigned_by: r.text(10)?,
                assigned_at: r.text(11)?,
                note: r.opt_text(12)?,
            })
        },
    )
}

/// [`crate::store::Records::assignment_facts`]: the practice attempts (of one trainee, when
/// given) started at or after `since` on `playbooks`, in progress or completed, with their results after reviews and
/// whether they count (one brought in from elsewhere counts once verified).
pub fn assignment_facts(
    run: &dyn Run,
    since: &str,
    playbooks: &[String],
    trainee: Option<&str>,
) -> Result<Vec<crate::assign::Fact>> {
    if playbooks.is_empty() {
        return Ok(Vec::new());
    }
    let d = run.dialect();
    let mut vals = vec![since.to_owned()];
    let only = match trainee {
        Some(t) => {
            vals.push(t.to_owned());
            format!(" AND a.trainee_id = ?{}", vals.len())
        }
        None => String::new(),
    };
    let mut marks = Vec::new();
    for p in playbooks {
        vals.push(p.clone());
        marks.push(format!("?{}", vals.len()));
    }
    let marks = marks.join(", ");
    let from = match d {
        Dialect::Sqlite => "attempts a",
        Dialect::Postgres => "attempt_results a",
    };
    let c = d.c();
    all(
        run,
        &format!(
            "SELECT a.id, a.trainee_id, a.playbook_id, a.scenario_id, a.started_at, a.status, a.total, a.passed,
                    a.counted
             FROM {from}
             WHERE a.mode = 'practice' AND a.started_at >= ?1 AND a.playbook_id IN ({marks})
               AND a.status IN ('in_progress', 'completed'){only}
             ORDER BY a.started_at{c}, a.id{c}"
        ),
        &vals,
        |r| {
            Ok(crate::assign::Fact {
                attempt: r.text(0)?,
                trainee: r.text(1)?,
                playbook: r.text(2)?,
                scenario: r.text(3)?,
                started_at: r.text(4)?,
                completed: r.text(5)? == "completed",
                counted: r.flag(8)?,
                total: r.opt_real(6)?,
                passed: r.opt_int(7)?.map(|p| p != 0),
            })
        },
    )
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
