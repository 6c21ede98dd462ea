//! What the reports, the review view, the trainee's progress and the exports read, and where a
//! manager's review is written: one interface with two backends. [`Local`] is this machine's
//! SQLite log; [`crate::store::team::report::Remote`] a team server (its own database or a
//! streaming replica). Front ends get one from [`crate::store::Store::records`] and never know
//! which: the choice is made once, when the log is opened.
//!
//! Practice itself always writes to the local log first ([`crate::store::ProgressLog`]); in team
//! mode a sync sends it on. Reading where the whole team's attempts are is what differs.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::export::ExportRow;
use super::report::{
    AttemptDetail, AttemptRow, CriterionAverage, Filter, LeaderRow, OverrideRow, PassRate, Plan,
    Recommendation, ScenarioRecord, TrendPoint, Weakest,
};
use super::sql;
use super::{Result, StoreError, Trainee};
use crate::playbook::Library;

/// `assignments` with the standing of each of `trainees` on them, from the attempts since the
/// oldest was made (of `only` one trainee, when given).
fn standings_over<R: Records + ?Sized>(
    records: &R,
    assignments: Vec<crate::assign::Assignment>,
    trainees: &[Trainee],
    only: Option<&str>,
    cat: &crate::assign::Catalogue,
    today: chrono::NaiveDate,
) -> Result<Assigned> {
    let Some(since) = assignments.iter().map(|a| a.assigned_at.as_str()).min() else {
        return Ok(Assigned::default());
    };
    let playbooks: BTreeSet<String> = assignments.iter().map(|a| a.playbook.clone()).collect();
    let playbooks: Vec<String> = playbooks.into_iter().collect();
    let facts = records.assignment_facts(since, &playbooks, only)?;
    let standings = crate::assign::standings(&assignments, trainees, &facts, cat, today);
    Ok(Assigned {
        assignments,
        standings,
    })
}

/// Every assignment and where each of its trainees stands.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Assigned {
    pub assignments: Vec<crate::assign::Assignment>,
    pub standings: Vec<crate::assign::Standing>,
}

impl Assigned {
    /// The assignment a standing is on.
    pub fn assignment(&self, id: &str) -> Option<&crate::assign::Assignment> {
        self.assignments.iter().find(|a| a.id == id)
    }

    /// Only the standings of one trainee (by id).
    pub fn of_trainee(&self, trainee_id: &str) -> Vec<crate::assign::Standing> {
        self.standings
            .iter()
            .filter(|s| s.trainee.id == trainee_id)
            .cloned()
            .collect()
    }
}

/// The records a front end reads, on either backend. Both give the same rows for the same
/// data (`tests/postgres_team.rs` runs every report on both and compares).
///
/// A backend gives how it runs a query ([`Records::run`]) and how its reports read
/// ([`Records::reading`]); the reads written once in [`crate::store::sql`] are this trait's
/// own methods. What differs in kind is each backend's: streaming whole histories, the
/// exports' rows, and a review's writes.
pub trait Records {
    /// The team server read from (as shown to people); `None`: this machine's log.
    fn team_server(&self) -> Option<&str>;
    /// How this backend runs a read-only query.
    fn run(&self) -> &dyn sql::Run;
    /// How its reports read (the dialect, the plan, what the login sees).
    fn reading(&self) -> sql::Reading;

    /// Per trainee × playbook × criterion: the average points over completed attempts.
    fn criterion_averages(&self, f: &Filter) -> Result<Vec<CriterionAverage>> {
        let (q, vals) = sql::criterion_averages(f, self.reading());
        sql::all(self.run(), &q, &vals, sql::criterion_average)
    }
    /// Average total, attempts and pass rate per day or per week.
    fn trend(&self, f: &Filter, weekly: bool) -> Result<Vec<TrendPoint>> {
        let (q, vals) = sql::trend(f, weekly, self.reading());
        sql::all(self.run(), &q, &vals, sql::trend_point)
    }
    /// Practice attempts and passes per scenario.
    fn pass_rates(&self, f: &Filter) -> Result<Vec<PassRate>> {
        let (q, vals) = sql::pass_rates(f, self.reading());
        sql::all(self.run(), &q, &vals, sql::pass_rate)
    }
    /// Trainees by average total, best first.
    fn leaderboard(&self, f: &Filter, limit: usize) -> Result<Vec<LeaderRow>> {
        let (q, vals) = sql::leaderboard(f, limit, self.reading());
        sql::all(self.run(), &q, &vals, sql::leader_row)
    }
    /// The lowest-scoring criterion per trainee (`by_team` false) or per team.
    fn weakest(&self, f: &Filter, by_team: bool) -> Result<Vec<Weakest>> {
        let (q, vals) = sql::weakest(f, by_team, self.reading());
        sql::all(self.run(), &q, &vals, sql::weakest_row)
    }
    /// Attempts, newest first.
    fn attempts(&self, f: &Filter, limit: usize) -> Result<Vec<AttemptRow>> {
        let (q, vals) = sql::attempts(f, limit, self.reading().dialect);
        sql::all(self.run(), &q, &vals, sql::attempt_row)
    }
    /// Calls `each` with the filter's attempts, newest first, at most `limit`, one at a time
    /// (whole-history work streams through this instead of holding every row).
    fn for_each_attempt(
        &self,
        f: &Filter,
        limit: usize,
        each: &mut dyn FnMut(AttemptRow) -> Result<()>,
    ) -> Result<()>;
    /// How many completed practice attempts the filter selects (what re-scoring goes over).
    fn completed_practice_count(&self, f: &Filter) -> Result<u64> {
        let (q, vals) = sql::completed_practice_count(f, self.reading().dialect);
        let n = sql::all(self.run(), &q, &vals, |r| r.int(0))?;
        Ok(n.first().copied().unwrap_or(0).max(0) as u64)
    }
    /// The full drill-down of one attempt (by id or unique id prefix).
    fn attempt_detail(&self, id: &str) -> Result<AttemptDetail> {
        let mut d = sql::attempt_detail(self.run(), id)?;
        d.published_version = self.played_on(&d.attempt.id)?;
        Ok(d)
    }
    /// When the trainee (a name or id) last practised a scenario.
    fn last_practised(
        &self,
        trainee: &str,
        playbook: &str,
        scenario: &str,
    ) -> Result<Option<String>> {
        sql::last_practised(self.run(), trainee, playbook, scenario)
    }
    /// Everyone who has a record, by name.
    fn trainees(&self) -> Result<Vec<Trainee>> {
        sql::trainees(self.run())
    }
    /// Per scenario of a playbook: a trainee's completed practice attempts, best total, and
    /// whether any passed.
    fn scenario_records(&self, trainee_id: &str, playbook: &str) -> Result<Vec<ScenarioRecord>> {
        sql::scenario_records(self.run(), trainee_id, playbook)
    }
    /// Whether the trainee holds a certification for any version of the playbook.
    fn is_certified(&self, trainee_id: &str, playbook: &str) -> Result<bool> {
        sql::is_certified(self.run(), trainee_id, playbook)
    }
    /// A trainee's completed totals on one scenario, oldest first: (start, total).
    fn scenario_totals(
        &self,
        trainee_id: &str,
        playbook: &str,
        scenario: &str,
    ) -> Result<Vec<(String, f64)>> {
        sql::scenario_totals(self.run(), trainee_id, playbook, scenario)
    }
    /// Streams every attempt of the filter in order of start, with its criteria.
    fn for_each_export_row(
        &self,
        f: &Filter,
        each: &mut dyn FnMut(ExportRow) -> Result<()>,
    ) -> Result<()>;
    /// How many attempts the filter selects, and the criteria they have (the CSV's columns).
    fn export_shape(&self, f: &Filter) -> Result<(u64, BTreeSet<String>)>;

    /// Before a review: records the pass mark an attempt's verdict is judged by, and whether a
    /// conduct gate capped one of its replies. A team server's attempts carry their own.
    fn judge_by(&self, attempt_id: &str, pass_mark: u8) -> Result<()>;
    /// Writes a manager's review (already checked by [`crate::store::Store::write_review`]).
    /// On a team server the reviewer is the signed-in login, whatever `r.reviewer` says, and
    /// the database refuses a login that may not review the attempt.
    fn add_review(&self, r: &super::NewReview<'_>) -> Result<String>;
    /// Stores a trainee's question about their finished attempt (already checked by
    /// [`crate::store::Store::request_review`]). This machine's log refuses an attempt that
    /// is not `trainee_id`'s; a team server's database refuses anyone but its trainee.
    fn request_review(
        &self,
        trainee_id: &str,
        attempt_id: &str,
        question: &str,
        at: DateTime<Utc>,
    ) -> Result<String>;
    /// The trainee acknowledges a review of their attempt; `false` when it already was.
    fn acknowledge_review(
        &self,
        trainee_id: &str,
        review_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// The reviews of a trainee's attempts, newest first (at most `limit`).
    fn reviews_of(
        &self,
        trainee_id: &str,
        limit: usize,
    ) -> Result<Vec<super::report::TraineeReview>> {
        sql::reviews_of(self.run(), trainee_id, limit)
    }
    /// What the review queue reads: the completed practice attempts started since `since`,
    /// and those a trainee asked about (see [`crate::queue`]).
    fn queue_facts(&self, since: &str) -> Result<Vec<crate::queue::Fact>> {
        sql::queue_facts(self.run(), since)
    }
    /// The review queue on `today`: the attempts of the last `days` days (and every one a
    /// trainee asked about) that need a manager, as [`crate::queue::queue`] orders them.
    fn review_queue(
        &self,
        rules: &crate::queue::Rules,
        filter: &crate::queue::Filter,
        today: chrono::NaiveDate,
        days: u32,
    ) -> Result<Vec<crate::queue::Item>> {
        let since = today - chrono::Duration::days(i64::from(days.max(1)) - 1);
        let facts = self.queue_facts(&since.format("%Y-%m-%d").to_string())?;
        Ok(crate::queue::queue(facts, rules, filter))
    }
    /// Readiness on `today` per trainee (one, when given), playbook (one, when given) and
    /// criterion (see [`crate::readiness`]).
    fn readiness(
        &self,
        today: chrono::NaiveDate,
        trainee: Option<&Trainee>,
        playbook: Option<&str>,
    ) -> Result<Vec<crate::readiness::Cell>> {
        let mut tally = crate::readiness::Tally::new(today);
        let since = crate::readiness::since(today)
            .format("%Y-%m-%d")
            .to_string();
        sql::readiness(
            self.run(),
            &since,
            trainee.map(|t| t.id.as_str()),
            playbook,
            &mut tally,
        )?;
        let everyone = match trainee {
            Some(t) => vec![t.clone()],
            None => self.trainees()?,
        };
        Ok(tally.finish(&everyone))
    }
    /// The certificates of the library's playbooks (one, when given) for everyone this login
    /// sees who has practised them (or one trainee, with every playbook judged), on `today`.
    fn certificates(
        &self,
        lib: &Library,
        playbook: Option<&str>,
        trainee: Option<&Trainee>,
        today: chrono::NaiveDate,
    ) -> Result<Vec<crate::certify::Certificate>> {
        let everyone = match trainee {
            Some(t) => vec![t.clone()],
            None => self.trainees()?,
        };
        let mut out = Vec::new();
        for pb in lib
            .playbooks
            .iter()
            .filter(|p| !p.live && playbook.is_none_or(|x| x == p.id))
        {
            let facts =
                sql::certification_facts(self.run(), &pb.id, trainee.map(|t| t.id.as_str()))?;
            let signs = sql::certificate_sign_offs(self.run(), &pb.id)?;
            let revs = sql::certificate_revocations(self.run(), &pb.id)?;
            out.extend(crate::certify::judge_all(
                pb,
                &everyone,
                &facts,
                &signs,
                &revs,
                today,
                trainee.is_some(),
            ));
        }
        Ok(out)
    }
    /// Stores a manager's sign-off of a trainee's certificate (already checked by
    /// [`crate::session::sign_off_certificate`]). On a team server the signer is the
    /// signed-in login, and the database refuses anyone but a manager of the trainee's team.
    fn sign_off_certificate(
        &self,
        trainee_id: &str,
        playbook: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let vals = [
            super::new_id(),
            trainee_id.to_owned(),
            playbook.to_owned(),
            by.to_owned(),
            super::stamp(at),
        ];
        self.write(
            "INSERT INTO certificate_signoffs (id, trainee_id, playbook_id, signed_by, signed_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &vals,
        )
    }
    /// Keeps a certificate's revocation and its reason (written by
    /// [`crate::session::review`] when a review takes a needed pass away).
    fn revoke_certificate(
        &self,
        trainee_id: &str,
        playbook: &str,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let vals = [
            super::new_id(),
            trainee_id.to_owned(),
            playbook.to_owned(),
            reason.to_owned(),
            by.to_owned(),
            super::stamp(at),
        ];
        self.write(
            "INSERT INTO certificate_revocations (id, trainee_id, playbook_id, reason, revoked_by, revoked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &vals,
        )
    }
    /// Runs one write of text values (`?1`…); a team server writes as the signed-in login
    /// (its triggers set who wrote it).
    fn write(&self, sql: &str, vals: &[String]) -> Result<()>;
    /// Per team, its readiness (on one playbook, when given) at the end of each of the last
    /// `weeks` weeks.
    fn team_readiness(
        &self,
        today: chrono::NaiveDate,
        weeks: u32,
        playbook: Option<&str>,
    ) -> Result<Vec<crate::readiness::TeamPoint>> {
        let since = crate::readiness::team_since(today, weeks)
            .format("%Y-%m-%d")
            .to_string();
        let days = sql::team_days(self.run(), &since, playbook)?;
        Ok(crate::readiness::team_over_time(&days, today, weeks))
    }
    /// After a review changed an attempt's verdict: the trainee is certified for its playbook
    /// version when every one of `scenarios` has a passed attempt, and no longer when that
    /// stopped being so. `true` when certified. On a team server certifications are the
    /// verifier's to grant, so nothing changes here.
    fn settle_certification(
        &self,
        attempt_id: &str,
        scenarios: &[String],
        at: DateTime<Utc>,
    ) -> Result<bool>;

    /// The published versions (of one playbook, when given), oldest first; their files when
    /// `with_files`.
    fn published_versions(
        &self,
        playbook: Option<&str>,
        with_files: bool,
    ) -> Result<Vec<crate::publish::Version>> {
        sql::published_versions(self.run(), playbook, with_files)
    }
    /// A fingerprint of the published versions (how many, their numbers, their files' size):
    /// read cheaply to tell whether they changed since.
    fn published_stamp(&self) -> Result<(i64, i64, i64)> {
        let rows = sql::all(
            self.run(),
            "SELECT COUNT(*), COALESCE(SUM(version), 0), COALESCE(SUM(LENGTH(files)), 0) FROM published",
            &[],
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?)),
        )?;
        Ok(rows.first().copied().unwrap_or_default())
    }
    /// The published playbooks as content layers (the latest usable version of each), and
    /// the versions this build cannot use (a later format, or damaged), named.
    fn published_layers(&self) -> Result<crate::publish::Layers> {
        let versions = self.published_versions(None, true)?;
        Ok(crate::publish::layers(&versions))
    }
    /// An attempt's playbook id and the hash of the playbook file it was played on.
    fn attempt_playbook(&self, attempt: &str) -> Result<Option<(String, String)>> {
        sql::attempt_playbook(self.run(), attempt)
    }
    /// The published version an attempt was played on, if it was played on one.
    fn played_on(&self, attempt: &str) -> Result<Option<u32>> {
        let Some((playbook, hash)) = self.attempt_playbook(attempt)? else {
            return Ok(None);
        };
        let versions = self.published_versions(Some(&playbook), true)?;
        Ok(crate::publish::played_on(&versions, &playbook, &hash))
    }
    /// Stores a checked bundle as the playbook's next version; returns its number. On a team
    /// server the publisher is the signed-in login, and the database refuses a login that may
    /// not publish it.
    fn publish(
        &self,
        playbook: &str,
        bundle: &crate::publish::Bundle,
        note: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<u32>;
    /// Every assignment this login may see, by due day.
    fn assignments(&self) -> Result<Vec<crate::assign::Assignment>> {
        sql::assignments(self.run())
    }
    /// The practice attempts that assignments read (see [`sql::assignment_facts`]).
    fn assignment_facts(
        &self,
        since: &str,
        playbooks: &[String],
        trainee: Option<&str>,
    ) -> Result<Vec<crate::assign::Fact>> {
        sql::assignment_facts(self.run(), since, playbooks, trainee)
    }
    /// Stores an assignment already checked by [`crate::assign::check`]. `Ok(Some(id))`: the
    /// same thing was already assigned to the same people (as `id`), nothing stored. On a team
    /// server the manager is the signed-in login, whatever `a.assigned_by` says, and the
    /// database refuses a login that may not assign to them.
    fn add_assignment(&self, a: &crate::assign::Assignment) -> Result<Option<String>>;
    /// Every assignment with every trainee's standing on it, on day `today`.
    fn assignment_standings(
        &self,
        cat: &crate::assign::Catalogue,
        today: chrono::NaiveDate,
    ) -> Result<Assigned> {
        let assignments = self.assignments()?;
        let trainees = self.trainees()?;
        standings_over(self, assignments, &trainees, None, cat, today)
    }
    /// What is assigned to one trainee (themselves or their team) and where they stand: their
    /// own attempts only, so the home screen reads it at once.
    fn assignment_standings_of(
        &self,
        trainee: &Trainee,
        cat: &crate::assign::Catalogue,
        today: chrono::NaiveDate,
    ) -> Result<Assigned> {
        let me = std::slice::from_ref(trainee);
        let assignments: Vec<crate::assign::Assignment> = self
            .assignments()?
            .into_iter()
            .filter(|a| !crate::assign::targets(a, me).is_empty())
            .collect();
        standings_over(self, assignments, me, Some(&trainee.id), cat, today)
    }

    /// Every criterion override since a date, beside the scorer's points (see
    /// [`crate::calibrate::from_reviews`]).
    fn overrides(&self, since: Option<&str>) -> Result<Vec<OverrideRow>> {
        sql::overrides(self.run(), since)
    }

    /// The latest distinct free-text replies at a turn, words only (see
    /// [`sql::recent_replies`]).
    fn recent_replies(
        &self,
        playbook: &str,
        scenario: &str,
        turn: &str,
        limit: usize,
    ) -> Result<Vec<String>> {
        sql::recent_replies(self.run(), playbook, scenario, turn, limit)
    }

    /// Every attempt of the filter at once (for small sets; exports stream instead).
    fn export_rows(&self, f: &Filter) -> Result<Vec<ExportRow>> {
        let mut out = Vec::new();
        self.for_each_export_row(f, &mut |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// Spaced practice: for a trainee, the scenario that trains their weakest criterion and
    /// was practised least recently (never, best).
    fn recommend(&self, lib: &Library, trainee: &str) -> Result<Option<Recommendation>> {
        let f = Filter {
            trainee: Some(trainee.to_owned()),
            ..Filter::default()
        };
        let mut avgs = self.criterion_averages(&f)?;
        avgs.sort_by(|a, b| a.average.total_cmp(&b.average));
        for w in &avgs {
            let Some(pb) = lib.playbook(&w.playbook) else {
                continue;
            };
            let mut best: Option<(Option<String>, &str)> = None;
            for s in pb
                .scenarios
                .iter()
                .filter(|s| s.turns.iter().any(|t| t.criteria.contains(&w.criterion)))
            {
                let when = self.last_practised(trainee, &pb.id, &s.id)?;
                // `None` (never practised) sorts before any date.
                if best.as_ref().is_none_or(|(b, _)| when < *b) {
                    best = Some((when, &s.id));
                }
            }
            if let Some((when, scen)) = best {
                return Ok(Some(Recommendation {
                    playbook: pb.id.clone(),
                    scenario: scen.to_owned(),
                    criterion: w.criterion.clone(),
                    average: w.average,
                    last_practised: when,
                }));
            }
        }
        Ok(None)
    }
}

/// [`Records::for_each_export_row`] with a callback of its own error type: the callback's
/// error is carried through the backend's row loop and given back as it was.
pub fn for_each_export_row<E: From<StoreError>>(
    records: &dyn Records,
    f: &Filter,
    mut each: impl FnMut(ExportRow) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let mut failed: Option<E> = None;
    let out = records.for_each_export_row(f, &mut |row| match each(row) {
        Ok(()) => Ok(()),
        Err(e) => {
            failed = Some(e);
            Err(StoreError::Remote("stopped".into()))
        }
    });
    match (failed, out) {
        (Some(e), _) => Err(e),
        (None, r) => r.map_err(E::from),
    }
}

/// This machine's SQLite log, as [`Records`] reads it (the reports in
/// [`crate::store::report`], the exports' rows in [`crate::store::export`]).
pub struct Local {
    pub(crate) conn: Connection,
    /// Where reports read from: the rollups (the default) or the base tables.
    pub(crate) plan: Plan,
}

impl Local {
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }
}
