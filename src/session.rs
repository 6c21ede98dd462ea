//! A practice attempt kept in the progress log: started or resumed, each reply committed
//! before its feedback is shown, finished with its totals and any certification earned.
//!
//! The terminal and the desktop app both drive role-plays through [`LoggedAttempt`] and live
//! visits through [`LoggedVisit`]. They know the log only as a [`ProgressLog`], not where it
//! is kept.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::playbook::model::Playbook;
use crate::practice::live::{LiveError, LiveSummary, LiveVisit};
use crate::practice::{Answer, Attempt, PracticeError, ReplyRecord, Summary};
use crate::script::ScriptHost;
use crate::store::{self, Mode, NewAttempt, ProgressLog, StoreError, Trainee, Unfinished};

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Practice(#[from] PracticeError),
    #[error(transparent)]
    Live(#[from] LiveError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the previous reply is not saved yet")]
    Unsaved,
}

impl crate::msg::Localized for SessionError {
    fn zh(&self) -> String {
        match self {
            SessionError::Practice(e) => crate::msg::Localized::zh(e),
            SessionError::Live(e) => crate::msg::Localized::zh(e),
            SessionError::Store(e) => crate::msg::Localized::zh(e),
            SessionError::Unsaved => "上一条回答还没有保存".to_owned(),
        }
    }
}

/// A manager's review of an attempt, as the app and the CLI save it: a comment (on the attempt
/// or on one reply), optionally a criterion override, optionally a sign-off. A review decides:
/// the attempt's total and verdict follow the override (judged by its playbook's pass mark),
/// and so does the trainee's certification.
pub fn review(
    store: &mut store::Store,
    lib: &crate::playbook::Library,
    r: &store::NewReview<'_>,
) -> Result<String, StoreError> {
    let row = store.records().attempt_detail(r.attempt_id)?.attempt;
    let pb = lib.playbook(&row.playbook);
    if let Some(pb) = pb {
        store.records().judge_by(&row.id, pb.rubric.pass_mark)?;
    }
    // The certificate as it stood, to tell whether an override takes it away.
    let today = r.at.date_naive();
    let trainee = store::sql::attempt_trainee(store.records().run(), &row.id)?;
    let certificate =
        |store: &store::Store| -> Result<Option<crate::certify::Certificate>, StoreError> {
            match (&trainee, r.over) {
                (Some(t), Some(_)) if pb.is_some() => Ok(store
                    .records()
                    .certificates(lib, Some(&row.playbook), Some(t), today)?
                    .into_iter()
                    .next()),
                _ => Ok(None),
            }
        };
    let before = certificate(store)?;
    let id = store.write_review(&store::NewReview {
        attempt_id: &row.id,
        ..*r
    })?;
    if let Some(pb) = pb.filter(|pb| i64::from(pb.version) == row.version && r.over.is_some()) {
        let scenarios: Vec<String> = pb.scenarios.iter().map(|s| s.id.clone()).collect();
        store
            .records()
            .settle_certification(&row.id, &scenarios, r.at)?;
    }
    if let (Some(before), Some(after)) = (before, certificate(store)?)
        && let Some(reason) =
            crate::certify::revoked_by_review(&before, &after, &row.id, &row.scenario)
    {
        store.records().revoke_certificate(
            &after.trainee.id,
            &after.playbook,
            &reason,
            r.reviewer,
            r.at,
        )?;
    }
    Ok(id)
}

/// A manager signs off a trainee's certificate of a playbook: only an earned one that awaits
/// it (its rules met, a sign-off required).
pub fn sign_off_certificate(
    store: &store::Store,
    lib: &crate::playbook::Library,
    trainee: &Trainee,
    playbook: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<crate::certify::Certificate, StoreError> {
    crate::untrusted::check_name("manager name", by).map_err(StoreError::Refused)?;
    let Some(cert) = store
        .records()
        .certificates(lib, Some(playbook), Some(trainee), at.date_naive())?
        .into_iter()
        .next()
    else {
        return Err(StoreError::NotFound(format!("playbook '{playbook}'")));
    };
    crate::certify::check_sign_off(&cert).map_err(StoreError::Declined)?;
    store
        .records()
        .sign_off_certificate(&trainee.id, playbook, by, at)?;
    Ok(store
        .records()
        .certificates(lib, Some(playbook), Some(trainee), at.date_naive())?
        .into_iter()
        .next()
        .unwrap_or(cert))
}

/// Assigns recertification for every expired certificate among `certs` that has none since
/// it expired: the whole playbook to its trainee, due in [`RECERTIFY_DAYS`] days. Returns
/// what was assigned (or found assigned already).
pub fn recertify(
    store: &store::Store,
    lib: &crate::playbook::Library,
    certs: &[crate::certify::Certificate],
    by: &str,
    today: chrono::NaiveDate,
    at: DateTime<Utc>,
) -> Result<Vec<(String, String, Assigning)>, AssignError> {
    let assignments = store.records().assignments()?;
    let mut out = Vec::new();
    for c in crate::certify::to_recertify(certs, &assignments) {
        let req = crate::assign::Request {
            playbook: c.playbook.clone(),
            scenario: None,
            who: crate::assign::Who::Trainee(c.trainee.id.clone()),
            due: today + chrono::Duration::days(RECERTIFY_DAYS),
            pass_mark: None,
            retake: crate::assign::Retake::default(),
            note: Some({
                let n = crate::msg::cert_recertify_note();
                format!("{} / {}", n.zh, n.en)
            }),
        };
        let done = assign(store, lib, &req, by, today, at)?;
        out.push((c.trainee.name.clone(), c.playbook.clone(), done));
    }
    Ok(out)
}

/// Days a trainee has to recertify once their certificate expired.
pub const RECERTIFY_DAYS: i64 = 14;

/// What came of a manager's request for an assignment.
#[derive(Debug, Clone, PartialEq)]
pub enum Assigning {
    /// Stored as asked.
    Saved(crate::assign::Assignment),
    /// The same thing was already assigned to the same people: nothing stored.
    Exists(String),
}

/// Why an assignment was not stored.
#[derive(Debug, thiserror::Error)]
pub enum AssignError {
    /// The request itself (a date, a mark, a name): the manager's to fix.
    #[error("{0}")]
    Refused(#[from] crate::assign::Refusal),
    /// The log or the team server (refused by its row-level security, or unreachable).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks a manager's request against the playbooks and the trainees this login sees, then
/// stores it (see [`crate::assign::check`]).
pub fn assign(
    store: &store::Store,
    lib: &crate::playbook::Library,
    req: &crate::assign::Request,
    by: &str,
    today: chrono::NaiveDate,
    at: DateTime<Utc>,
) -> Result<Assigning, AssignError> {
    let cat = crate::assign::catalogue(lib);
    let trainees = store.records().trainees()?;
    let a = crate::assign::check(
        req,
        &cat,
        &trainees,
        today,
        store::new_id(),
        by,
        &store::stamp(at),
    )?;
    Ok(match store.records().add_assignment(&a)? {
        Some(existing) => Assigning::Exists(existing),
        None => Assigning::Saved(a),
    })
}

/// What came of publishing a playbook.
#[derive(Debug, Clone, PartialEq)]
pub enum Publishing {
    /// Stored as the playbook's next version.
    Published {
        playbook: String,
        version: u32,
        hash: String,
        tests_passed: usize,
    },
    /// The latest version already has these very files: nothing stored.
    Unchanged { playbook: String, version: u32 },
}

impl Publishing {
    /// What it did, as people read it.
    pub fn said(&self) -> crate::msg::Text {
        match self {
            Publishing::Published {
                playbook,
                version,
                hash,
                tests_passed,
            } => {
                let short: String = hash.chars().take(12).collect();
                crate::msg::published(playbook, version, short, tests_passed)
            }
            Publishing::Unchanged { playbook, version } => {
                crate::msg::publish_unchanged(playbook, version)
            }
        }
    }
}

/// Why a playbook was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Its errors or failing tests: the trainer's to fix; nothing stored.
    #[error("{0}")]
    Refused(#[from] crate::publish::Refused),
    /// The file could not be read.
    #[error(transparent)]
    Load(#[from] crate::playbook::load::LoadError),
    /// Joined to a team but not reading its server: what is published here would reach no
    /// one, so nothing is (the drafts stay on this machine).
    #[error("{}", crate::msg::publish_offline().en)]
    Offline,
    /// The log or the team server (refused by its row-level security, or unreachable).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Publishes the playbook file at `path` (with the scripts it runs, and the concepts and
/// personas beside it): checked first (validation and its tests), then stored as its next
/// version, unless the latest version already holds these files.
pub fn publish(
    store: &store::Store,
    path: &std::path::Path,
    note: Option<&str>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Publishing, PublishError> {
    use crate::publish::{self, Bundle, Refused};
    refuse_offline(store)?;
    let mut report = crate::playbook::Report::default();
    let content = crate::playbook::load::Content::from_path(path, &mut report)?;
    let lib = crate::playbook::load(
        &[
            crate::playbook::load::Content::bundled_support(),
            content.clone(),
        ],
        &mut report,
    );
    let scripts: Vec<String> = lib
        .playbooks
        .iter()
        .flat_map(|p| [p.scripts.score.clone(), p.scripts.guide.clone()])
        .flatten()
        .collect();
    let Some(bundle) = Bundle::from_content(&content, &scripts) else {
        return Err(Refused(crate::msg::publish_no_playbook()).into());
    };
    let source = path.display().to_string();
    let checked = publish::check(&bundle, &source)?;
    let hash = bundle.hash();
    let latest = store
        .records()
        .published_versions(Some(&checked.playbook), false)?
        .into_iter()
        .last();
    if let Some(l) = latest.filter(|l| l.hash == hash) {
        return Ok(Publishing::Unchanged {
            playbook: checked.playbook,
            version: l.version,
        });
    }
    let version = store
        .records()
        .publish(&checked.playbook, &bundle, note, by, at)?;
    Ok(Publishing::Published {
        playbook: checked.playbook,
        version,
        hash,
        tests_passed: checked.tests_passed,
    })
}

/// Refuses to publish from a log joined to a team whose server it is not reading.
fn refuse_offline(store: &store::Store) -> Result<(), PublishError> {
    if store.joined()?.is_some() && store.records().team_server().is_none() {
        return Err(PublishError::Offline);
    }
    Ok(())
}

/// Publishes version `version` of `playbook` again as its newest (a rollback keeps every
/// version: the old files come back as a new one), checked as any publishing is.
pub fn roll_back(
    store: &store::Store,
    playbook: &str,
    version: u32,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Publishing, PublishError> {
    use crate::publish::{self, Usable};
    refuse_offline(store)?;
    let versions = store.records().published_versions(Some(playbook), true)?;
    let Some(old) = versions.iter().find(|v| v.version == version) else {
        let known: Vec<String> = versions.iter().map(|v| v.version.to_string()).collect();
        return Err(StoreError::NotFound(format!(
            "version {version} of '{playbook}' (published: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ))
        .into());
    };
    let bundle = match (publish::usable(old), &old.bundle) {
        (Usable::Yes, Some(b)) => b.clone(),
        _ => {
            return Err(StoreError::Refused(format!(
                "version {version} of '{playbook}' cannot be used by this salesdojo (a newer format, or damaged)"
            ))
            .into());
        }
    };
    let checked = publish::check(
        &bundle,
        &format!("published/{playbook}@{version}/{}", publish::PLAYBOOK_FILE),
    )?;
    if versions.last().is_some_and(|l| l.hash == old.hash) {
        return Ok(Publishing::Unchanged {
            playbook: playbook.to_owned(),
            version: versions.last().map_or(version, |l| l.version),
        });
    }
    let note = format!("rollback to version {version}");
    let v = store
        .records()
        .publish(playbook, &bundle, Some(&note), by, at)?;
    Ok(Publishing::Published {
        playbook: playbook.to_owned(),
        version: v,
        hash: old.hash.clone(),
        tests_passed: checked.tests_passed,
    })
}

/// A reply scored but not yet committed. It keeps its id, so a retried commit cannot
/// duplicate it.
#[derive(Debug, Clone)]
struct Pending {
    reply_id: String,
    seq: u32,
}

/// A role-play whose every reply is committed to the progress log.
#[derive(Debug, Clone)]
pub struct LoggedAttempt {
    pub attempt: Attempt,
    /// The attempt's id in the log.
    pub id: String,
    pub trainee_id: String,
    pending: Option<Pending>,
}

/// A trainee's unfinished attempts of one scenario.
#[derive(Debug, Clone, Default)]
pub struct Resumable {
    /// Those that can be resumed, oldest first.
    pub open: Vec<Unfinished>,
    /// Those written against different playbook content, now marked abandoned (their
    /// replies stay in the log).
    pub outdated: usize,
}

/// The unfinished attempts of `scenario` that can be resumed.
pub fn resumable(
    log: &mut dyn ProgressLog,
    trainee: &Trainee,
    pb: &Playbook,
    scenario: &str,
) -> Result<Resumable, SessionError> {
    let mut out = Resumable::default();
    for old in log.unfinished(&trainee.id)? {
        if old.playbook_id != pb.id || old.scenario_id != scenario {
            continue;
        }
        if old.playbook_hash == pb.source.hash {
            out.open.push(old);
        } else {
            log.abandon_attempt(&old.id, Utc::now())?;
            out.outdated += 1;
        }
    }
    Ok(out)
}

fn weights(pb: &Playbook) -> Vec<(String, f64)> {
    pb.rubric
        .criteria
        .iter()
        .map(|c| (c.id.clone(), c.weight))
        .collect()
}

fn begin(
    log: &mut dyn ProgressLog,
    trainee: &Trainee,
    pb: &Playbook,
    scenario: &str,
    mode: Mode,
) -> Result<String, SessionError> {
    let id = store::new_id();
    log.start_attempt(&NewAttempt {
        id: &id,
        trainee_id: &trainee.id,
        playbook_id: &pb.id,
        playbook_version: pb.version,
        playbook_hash: &pb.source.hash,
        scenario_id: scenario,
        mode,
        started_at: Utc::now(),
    })?;
    Ok(id)
}

impl LoggedAttempt {
    /// Starts a new attempt in the log.
    pub fn start(
        log: &mut dyn ProgressLog,
        trainee: &Trainee,
        pb: Arc<Playbook>,
        scenario: &str,
    ) -> Result<Self, SessionError> {
        let attempt = Attempt::start(pb.clone(), scenario, &trainee.name)?;
        let id = begin(log, trainee, &pb, scenario, Mode::Practice)?;
        Ok(Self {
            attempt,
            id,
            trainee_id: trainee.id.clone(),
            pending: None,
        })
    }

    /// Resumes an unfinished attempt by replaying its stored answers (the same content gives
    /// the same scores).
    pub fn resume(
        old: &Unfinished,
        trainee: &Trainee,
        pb: Arc<Playbook>,
        host: Option<&ScriptHost>,
    ) -> Result<Self, SessionError> {
        let mut attempt = Attempt::start(pb, &old.scenario_id, &trainee.name)?;
        for (_, answer, seconds) in &old.answers {
            attempt.submit(host, answer.clone(), *seconds)?;
        }
        Ok(Self {
            attempt,
            id: old.id.clone(),
            trainee_id: trainee.id.clone(),
            pending: None,
        })
    }

    /// Marks an unfinished attempt abandoned (the trainee chose to start afresh).
    pub fn discard(log: &mut dyn ProgressLog, old: &Unfinished) -> Result<(), SessionError> {
        Ok(log.abandon_attempt(&old.id, Utc::now())?)
    }

    /// Scores the answer. Its feedback must wait for [`commit`](Self::commit); no other
    /// answer is taken until then.
    pub fn submit(
        &mut self,
        host: Option<&ScriptHost>,
        answer: Answer,
        seconds: f64,
    ) -> Result<&ReplyRecord, SessionError> {
        if self.pending.is_some() {
            return Err(SessionError::Unsaved);
        }
        self.attempt.submit(host, answer, seconds)?;
        self.pending = Some(Pending {
            reply_id: store::new_id(),
            seq: self.attempt.replies.len() as u32,
        });
        self.last()
            .ok_or(SessionError::Practice(PracticeError::Ended))
    }

    /// The reply last scored.
    pub fn last(&self) -> Option<&ReplyRecord> {
        self.attempt.replies.last()
    }

    /// Whether a scored reply still waits to be committed.
    pub fn is_unsaved(&self) -> bool {
        self.pending.is_some()
    }

    /// Commits the pending reply. On failure it stays pending and may be retried.
    pub fn commit(&mut self, log: &mut dyn ProgressLog) -> Result<(), SessionError> {
        let Some(p) = &self.pending else {
            return Ok(());
        };
        let Some(record) = self.attempt.replies.last() else {
            return Ok(());
        };
        log.record_reply(&p.reply_id, &self.id, p.seq, record, Utc::now())?;
        self.pending = None;
        Ok(())
    }

    /// Ends the attempt in the log: totals, per-criterion averages, certification.
    pub fn finish(&mut self, log: &mut dyn ProgressLog) -> Result<Summary, SessionError> {
        if self.pending.is_some() {
            return Err(SessionError::Unsaved);
        }
        let pb = self.attempt.playbook.clone();
        let summary = self.attempt.summary();
        let scenarios: Vec<String> = pb.scenarios.iter().map(|s| s.id.clone()).collect();
        log.finish_and_certify(&self.id, &summary, &weights(&pb), Utc::now(), &scenarios)?;
        Ok(summary)
    }
}

/// A live visit whose every change is written to the log as it happens.
#[derive(Debug, Clone)]
pub struct LoggedVisit {
    pub visit: LiveVisit,
    pub id: String,
}

impl LoggedVisit {
    pub fn start(
        log: &mut dyn ProgressLog,
        trainee: &Trainee,
        pb: Arc<Playbook>,
    ) -> Result<Self, SessionError> {
        // A visit has no scenario; the log keeps its playbook's first stage as one.
        let scenario = pb.stages.first().map_or("", |s| s.id.as_str()).to_owned();
        let id = begin(log, trainee, &pb, &scenario, Mode::Live)?;
        Ok(Self {
            visit: LiveVisit::start(pb),
            id,
        })
    }

    pub fn tick(
        &mut self,
        log: &mut dyn ProgressLog,
        stage: &str,
        item: &str,
        ticked: bool,
    ) -> Result<(), SessionError> {
        self.visit.set_ticked(item, ticked)?;
        let kind = if ticked { "tick" } else { "untick" };
        log.live_event(&self.id, kind, Some(stage), Some(item), None, Utc::now())?;
        Ok(())
    }

    pub fn note(
        &mut self,
        log: &mut dyn ProgressLog,
        stage: &str,
        note: &str,
    ) -> Result<(), SessionError> {
        self.visit.set_note(stage, note);
        log.live_event(&self.id, "note", Some(stage), None, Some(note), Utc::now())?;
        Ok(())
    }

    /// A value of the whole visit: `grade` (the customer's grade) or `appointment` (the
    /// next appointment's date).
    pub fn set(
        &mut self,
        log: &mut dyn ProgressLog,
        kind: &str,
        value: &str,
    ) -> Result<(), SessionError> {
        log.live_event(&self.id, kind, None, None, Some(value), Utc::now())?;
        let value = Some(value.to_owned()).filter(|v| !v.trim().is_empty());
        match kind {
            "grade" => self.visit.grade = value,
            "appointment" => self.visit.appointment = value,
            _ => {}
        }
        Ok(())
    }

    /// Leaves the current stage; at a fork, `route` is the way taken (logged with it).
    pub fn advance(
        &mut self,
        log: &mut dyn ProgressLog,
        host: Option<&ScriptHost>,
        seconds_in_stage: f64,
        route: Option<&str>,
    ) -> Result<(), SessionError> {
        let stage = self.visit.current().map(|s| s.id.clone());
        let before = self.visit.route.clone();
        self.visit.advance(host, seconds_in_stage, route)?;
        let chosen = self.visit.route.clone().filter(|_| before.is_none());
        log.live_event(
            &self.id,
            "advance",
            stage.as_deref(),
            None,
            chosen.as_deref(),
            Utc::now(),
        )?;
        Ok(())
    }

    /// Takes an interrupted visit up again, as its logged events leave it (see
    /// [`LiveVisit::replay`]); what is done from now on is logged under the same visit.
    pub fn resume(old: &store::UnfinishedVisit, pb: Arc<Playbook>) -> Self {
        let time = |at: &str| chrono::DateTime::parse_from_rfc3339(at).ok();
        let mut since = time(&old.started_at);
        let events: Vec<crate::practice::live::Event<'_>> = old
            .events
            .iter()
            .map(|e| {
                let mut seconds = 0.0;
                if e.kind == "advance" {
                    let now = time(&e.at);
                    if let (Some(a), Some(b)) = (since, now) {
                        seconds = (b - a).num_milliseconds() as f64 / 1000.0;
                    }
                    since = now;
                }
                crate::practice::live::Event {
                    kind: &e.kind,
                    stage: e.stage.as_deref(),
                    item: e.item.as_deref(),
                    value: e.value.as_deref(),
                    seconds,
                }
            })
            .collect();
        Self {
            visit: LiveVisit::replay(pb, events),
            id: old.id.clone(),
        }
    }

    /// Ends the visit; its total is the share of checklist items ticked.
    pub fn finish(&mut self, log: &mut dyn ProgressLog) -> Result<LiveSummary, SessionError> {
        let s = self.visit.summary();
        log.finish_visit(&self.id, &s, Utc::now())?;
        Ok(s)
    }
}

/// A progress log that keeps nothing (`practice --no-log`, or no database could be opened).
pub struct NoLog;

impl ProgressLog for NoLog {
    fn trainee(&mut self, name: &str, team: Option<&str>) -> store::Result<Trainee> {
        Ok(Trainee {
            id: store::new_id(),
            name: name.to_owned(),
            team: team.map(str::to_owned),
            pseudonym: None,
        })
    }
    fn start_attempt(&mut self, _: &NewAttempt<'_>) -> store::Result<()> {
        Ok(())
    }
    fn record_reply(
        &mut self,
        _: &str,
        _: &str,
        _: u32,
        _: &ReplyRecord,
        _: DateTime<Utc>,
    ) -> store::Result<()> {
        Ok(())
    }
    fn finish_attempt(
        &mut self,
        _: &str,
        _: &Summary,
        _: &[(String, f64)],
        _: DateTime<Utc>,
    ) -> store::Result<()> {
        Ok(())
    }
    fn finish_and_certify(
        &mut self,
        _: &str,
        _: &Summary,
        _: &[(String, f64)],
        _: DateTime<Utc>,
        _: &[String],
    ) -> store::Result<()> {
        Ok(())
    }
    fn finish_visit(&mut self, _: &str, _: &LiveSummary, _: DateTime<Utc>) -> store::Result<()> {
        Ok(())
    }
    fn abandon_attempt(&mut self, _: &str, _: DateTime<Utc>) -> store::Result<()> {
        Ok(())
    }
    fn unfinished(&self, _: &str) -> store::Result<Vec<Unfinished>> {
        Ok(Vec::new())
    }
    fn live_event(
        &mut self,
        _: &str,
        _: &str,
        _: Option<&str>,
        _: Option<&str>,
        _: Option<&str>,
        _: DateTime<Utc>,
    ) -> store::Result<()> {
        Ok(())
    }
}
