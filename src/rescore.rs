//! Re-scoring the stored history against today's playbooks and scripts, side by side with the
//! stored results (which are never changed).
//!
//! It streams: one thread reads attempts and their transcripts from the store in chunks while
//! the others score the previous chunk on every core, and each result is handed on as soon as
//! it is made. Memory is a few chunks of transcripts, whatever the history's size, and a
//! bounded memo ([`Memo`]): the same answer to the same turn is read by the rules once per
//! run, and what a script result made of it is taken again when the script says the same.

use std::sync::mpsc::sync_channel;

use rayon::prelude::*;
use serde::Serialize;

use crate::playbook::Library;
use crate::practice::Position;
use crate::practice::session::{Memo, rescore_points, summarize};
use crate::practice::{Answer, PracticeError};
use crate::publish::{AsPlayed, Played};
use crate::script::ScriptHost;
use crate::store::report::{AttemptRow, Filter};
use crate::store::{Store, StoreError};

/// Attempts read and scored together.
const CHUNK: usize = 512;

/// One attempt: as stored, and as today's content scores it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RescoredAttempt {
    pub attempt: String,
    pub trainee: String,
    pub playbook: String,
    pub scenario: String,
    pub stored_version: i64,
    pub current_version: u32,
    pub stored_total: Option<f64>,
    pub current_total: f64,
    pub stored_passed: Option<bool>,
    pub current_passed: bool,
    pub replies: usize,
    /// Scored against the published version the attempt was played on (`--as-played`), not
    /// today's playbook: its number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub played_on: Option<u32>,
}

impl RescoredAttempt {
    /// The total moved by at least 0.05 points, or the verdict changed.
    pub fn changed(&self) -> bool {
        (self.stored_total.unwrap_or(0.0) - self.current_total).abs() >= 0.05
            || self.stored_passed != Some(self.current_passed)
    }
}

/// How the totals shifted over everything re-scored.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Shift {
    /// Attempts re-scored.
    pub attempts: u64,
    pub replies: u64,
    /// Whose total or verdict changed.
    pub changed: u64,
    pub now_pass: u64,
    pub now_fail: u64,
    pub stored_mean: f64,
    pub current_mean: f64,
    /// Completed practice attempts whose playbook or scenario is gone, not re-scored.
    pub skipped: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RescoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("attempt {attempt}: {source}")]
    Score {
        attempt: String,
        #[source]
        source: PracticeError,
    },
    #[error("stopped")]
    Stopped,
}

impl crate::msg::Localized for RescoreError {
    fn zh(&self) -> String {
        match self {
            RescoreError::Store(e) => crate::msg::Localized::zh(e),
            RescoreError::Score { attempt, source } => {
                format!("练习记录 {attempt}：{}", crate::msg::Localized::zh(source))
            }
            RescoreError::Stopped => "已停止".to_owned(),
        }
    }
}

/// An attempt, its replies, and the published version it was played on when asked for.
type Work<'v> = (AttemptRow, Vec<(String, Answer, f64)>, Option<&'v Played>);

/// What the history is scored against.
#[derive(Clone, Copy)]
pub struct Against<'a> {
    /// Today's playbooks and scripts.
    pub lib: &'a Library,
    pub host: Option<&'a ScriptHost>,
    /// Each attempt played on a published version is scored against that version instead
    /// (what its trainee saw); the others against today's.
    pub as_played: Option<&'a AsPlayed>,
}

impl<'a> Against<'a> {
    /// Today's content, for every attempt.
    pub fn today(lib: &'a Library, host: Option<&'a ScriptHost>) -> Self {
        Against {
            lib,
            host,
            as_played: None,
        }
    }
}

/// Re-scores the filter's completed practice attempts (newest first, at most `limit`),
/// calling `each` with every result in order as it is made; `each` returning `false` stops.
pub fn rescore_history(
    store: Store,
    against: Against<'_>,
    filter: &Filter,
    limit: usize,
    mut each: impl FnMut(&RescoredAttempt) -> bool,
) -> Result<Shift, RescoreError> {
    let Against {
        lib,
        host,
        as_played,
    } = against;
    let (tx, rx) = sync_channel::<Vec<Work<'_>>>(2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || -> Result<u64, StoreError> {
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut skipped = 0;
            let mut gone = false;
            let read = store.records().for_each_attempt(filter, limit, &mut |a| {
                if gone || a.status != "completed" || a.mode != "practice" {
                    return Ok(());
                }
                let played = match as_played.filter(|v| !v.is_empty()) {
                    Some(v) => store
                        .records()
                        .attempt_playbook(&a.id)?
                        .and_then(|(pb, hash)| v.get(&pb, &hash)),
                    None => None,
                };
                if played
                    .map_or(lib, |p| &p.lib)
                    .playbook(&a.playbook)
                    .and_then(|p| p.scenario(&a.scenario))
                    .is_none()
                {
                    skipped += 1;
                    return Ok(());
                }
                let answers = store.transcript(&a.id)?;
                chunk.push((a, answers, played));
                if chunk.len() == CHUNK && tx.send(std::mem::take(&mut chunk)).is_err() {
                    // The scorer stopped: read no further.
                    gone = true;
                }
                Ok(())
            });
            if !chunk.is_empty() && !gone {
                let _ = tx.send(chunk);
            }
            read.map(|()| skipped)
        });
        // One memo for today's library and the published versions: it knows a turn by its
        // place in memory, and every library read here stays where it is until the run ends.
        let memo = Memo::default();
        let mut shift = Shift::default();
        let mut sums = (0.0, 0.0);
        let mut outcome = Ok(());
        'chunks: for chunk in rx {
            let scored: Vec<Result<RescoredAttempt, RescoreError>> = chunk
                .par_iter()
                .map(|(a, answers, played)| match played {
                    Some(p) => score_one(&p.lib, Some(&p.host), a, answers, Some(p.version), &memo),
                    None => score_one(lib, host, a, answers, None, &memo),
                })
                .collect();
            for r in scored {
                let r = match r {
                    Ok(r) => r,
                    Err(e) => {
                        outcome = Err(e);
                        break 'chunks;
                    }
                };
                shift.attempts += 1;
                shift.replies += r.replies as u64;
                sums.0 += r.stored_total.unwrap_or(0.0);
                sums.1 += r.current_total;
                if r.changed() {
                    shift.changed += 1;
                }
                match (r.stored_passed, r.current_passed) {
                    (Some(false) | None, true) => shift.now_pass += 1,
                    (Some(true), false) => shift.now_fail += 1,
                    _ => {}
                }
                if !each(&r) {
                    outcome = Err(RescoreError::Stopped);
                    break 'chunks;
                }
            }
        }
        // Dropping the receiver (end of the loop) ends the reader.
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(StoreError::Sqlite("the reader stopped".into())));
        outcome?;
        shift.skipped = read?;
        if shift.attempts > 0 {
            shift.stored_mean = sums.0 / shift.attempts as f64;
            shift.current_mean = sums.1 / shift.attempts as f64;
        }
        Ok(shift)
    })
}

fn score_one(
    lib: &Library,
    host: Option<&ScriptHost>,
    a: &AttemptRow,
    answers: &[(String, Answer, f64)],
    played_on: Option<u32>,
    memo: &Memo,
) -> Result<RescoredAttempt, RescoreError> {
    let err = |source| RescoreError::Score {
        attempt: a.id.clone(),
        source,
    };
    let pb = lib
        .playbook(&a.playbook)
        .ok_or_else(|| err(PracticeError::UnknownPlaybook(a.playbook.clone())))?;
    let scen = pb
        .scenario(&a.scenario)
        .ok_or_else(|| err(PracticeError::UnknownScenario(a.scenario.clone())))?;
    let replies = rescore_points(pb, host, &a.scenario, answers, Some(memo)).map_err(err)?;
    let position = replies
        .last()
        .map_or(Position::Ended(None), |r| Position::at(&r.scored.next));
    let now = summarize(pb, scen, &replies, &position);
    Ok(RescoredAttempt {
        attempt: a.id.clone(),
        trainee: a.trainee.clone(),
        playbook: a.playbook.clone(),
        scenario: a.scenario.clone(),
        stored_version: a.version,
        current_version: pb.version,
        // What scoring gave: a reviewer's override is a decision, not a score to compare.
        stored_total: a.scored_total.or(a.total),
        current_total: now.total,
        stored_passed: a.scored_passed.or(a.passed),
        current_passed: now.passed,
        replies: replies.len(),
        played_on,
    })
}

/// What merging another database found, once its claims were checked.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct MergeReport {
    pub merged: crate::store::merge::MergeCounts,
    pub verify: VerifyCounts,
}

/// Imported attempts re-scored from their replies.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct VerifyCounts {
    /// The replies give the stored total and verdict.
    pub verified: u64,
    /// They do not: flagged, not counted.
    pub mismatch: u64,
    /// Scored against content this machine does not have.
    pub unverifiable: u64,
    /// The first flagged attempts: (attempt, what differs, in words).
    pub flagged: Vec<(String, String)>,
    /// Certifications earned again from verified attempts.
    pub certified: u64,
    /// Stopped on request: the attempts not yet verified stay pending (not counted), and
    /// the next merge or verification goes on with them.
    pub stopped: bool,
}

/// Merges `other` into `store`, then re-scores every imported attempt from its replies
/// ([`verify_pending`]): what a manager runs on a file a trainee handed in.
pub fn merge_and_verify(
    store: &mut Store,
    lib: &Library,
    host: Option<&ScriptHost>,
    other: &std::path::Path,
) -> Result<MergeReport, RescoreError> {
    merge_and_verify_with(store, lib, host, other, &mut |_, _| true)
}

/// [`merge_and_verify`], calling `progress(attempts verified, attempts to verify)` as it
/// goes; `false` from it stops the verification (the merge itself is one transaction: all of
/// the file or nothing).
pub fn merge_and_verify_with(
    store: &mut Store,
    lib: &Library,
    host: Option<&ScriptHost>,
    other: &std::path::Path,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<MergeReport, RescoreError> {
    let merged = store.merge(other)?;
    let verify = verify_pending_with(store, lib, host, progress)?;
    Ok(MergeReport { merged, verify })
}

/// Re-scores every imported attempt still pending, in chunks on every core, and records each
/// verdict; then earns again the certifications that verified attempts complete.
pub fn verify_pending(
    store: &mut Store,
    lib: &Library,
    host: Option<&ScriptHost>,
) -> Result<VerifyCounts, RescoreError> {
    verify_pending_with(store, lib, host, &mut |_, _| true)
}

/// [`verify_pending`], calling `progress(done, pending at the start)` after each chunk;
/// `false` from it stops after that chunk (each chunk's verdicts are written at once).
pub fn verify_pending_with(
    store: &mut Store,
    lib: &Library,
    host: Option<&ScriptHost>,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Result<VerifyCounts, RescoreError> {
    let pending = store.pending_count()?;
    // An attempt played on a published version this log keeps is judged against it.
    let as_played = AsPlayed::new(&store.records().published_versions(None, true)?);
    let mut done = 0u64;
    let mut counts = VerifyCounts::default();
    let mut earned = Earned::new();
    let mut after = String::new();
    loop {
        let batch = store.pending_verifications(&after, CHUNK)?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.attempt_id.clone();
        let mut work = Vec::with_capacity(batch.len());
        for p in batch {
            let answers = store.transcript(&p.attempt_id)?;
            work.push((p, answers));
        }
        let outcomes = judge(lib, host, &as_played, work, &mut counts, &mut earned);
        done += outcomes.len() as u64;
        store.record_verifications(&outcomes, chrono::Utc::now())?;
        if !progress(done, pending.max(done)) {
            counts.stopped = true;
            break;
        }
    }
    for (trainee, playbook, version) in earned {
        let Some(pb) = lib.playbook(&playbook) else {
            continue;
        };
        let scenarios: Vec<String> = pb.scenarios.iter().map(|s| s.id.clone()).collect();
        if store.certify_if_earned(&trainee, &playbook, version, &scenarios, chrono::Utc::now())? {
            counts.certified += 1;
        }
    }
    Ok(counts)
}

/// The team verifier: re-scores every completed practice attempt on the team server that has
/// no verdict yet, from its stored replies against the content version it names, records
/// each verdict (only the verifier role may), and grants the certifications verified
/// attempts complete. Run under a verifier login.
pub fn verify_team(
    client: &mut postgres::Client,
    lib: &Library,
    host: Option<&ScriptHost>,
) -> Result<VerifyCounts, crate::store::team::TeamError> {
    use crate::store::team::{TeamError, admin, whoami};
    // Only a verifier's verdicts are written: say so at once, not after finding nothing to do.
    match whoami(client)? {
        Some(me) if me.role == "verifier" => {}
        Some(me) => {
            return Err(TeamError::Denied(format!(
                "'{}' is a {}: only a verifier login re-scores attempts and records verdicts (run `salesdojo team verify` as the verifier)",
                me.login, me.role
            )));
        }
        None => {
            return Err(TeamError::Denied(
                "this login is not in the team's directory: only a verifier login records verdicts"
                    .into(),
            ));
        }
    }
    // An attempt played on a published version is judged against that version.
    let as_played = AsPlayed::new(&admin::published(client)?);
    let mut counts = VerifyCounts::default();
    let mut earned = Earned::new();
    let mut after = String::new();
    loop {
        let work = admin::unverified(client, &after, CHUNK as i64)?;
        let Some((last, _)) = work.last() else {
            break;
        };
        after = last.attempt_id.clone();
        let outcomes = judge(lib, host, &as_played, work, &mut counts, &mut earned);
        admin::record_verdicts(client, &outcomes)?;
    }
    // A manager's override may have turned a verified attempt into a pass.
    earned.extend(admin::reviewed(client)?);
    for (trainee, playbook, version) in earned {
        let Some(pb) = lib.playbook(&playbook) else {
            continue;
        };
        let scenarios: Vec<String> = pb.scenarios.iter().map(|s| s.id.clone()).collect();
        if admin::certify_if_earned(client, &trainee, &playbook, version, &scenarios)? {
            counts.certified += 1;
        }
    }
    Ok(counts)
}

/// Attempts whose verified, passed result may complete a certification: (trainee, playbook,
/// version).
type Earned = std::collections::BTreeSet<(String, String, i64)>;

/// Re-scores a chunk of claims on every core and counts the verdicts (the first flagged ones
/// kept for the report); returns each attempt's verdict.
fn judge(
    lib: &Library,
    host: Option<&ScriptHost>,
    as_played: &AsPlayed,
    work: Vec<(
        crate::store::merge::Pending,
        crate::store::team::admin::Transcript,
    )>,
    counts: &mut VerifyCounts,
    earned: &mut Earned,
) -> Vec<(String, crate::store::merge::Verdict)> {
    use crate::store::merge::Verdict;
    let verdicts: Vec<Verdict> = work
        .par_iter()
        .map(|(p, answers)| verdict(lib, host, as_played, p, answers))
        .collect();
    let mut outcomes = Vec::with_capacity(verdicts.len());
    for ((p, _), v) in work.into_iter().zip(verdicts) {
        match &v {
            Verdict::Verified => {
                counts.verified += 1;
                if p.passed == Some(true) {
                    earned.insert((p.trainee_id.clone(), p.playbook.clone(), p.playbook_version));
                }
            }
            Verdict::Mismatch { what, .. } => {
                counts.mismatch += 1;
                if counts.flagged.len() < 20 {
                    counts.flagged.push((p.attempt_id.clone(), what.clone()));
                }
            }
            Verdict::Unverifiable(_) => counts.unverifiable += 1,
        }
        outcomes.push((p.attempt_id, v));
    }
    outcomes
}

fn verdict(
    lib: &Library,
    host: Option<&ScriptHost>,
    as_played: &AsPlayed,
    p: &crate::store::merge::Pending,
    answers: &[(String, Answer, f64)],
) -> crate::store::merge::Verdict {
    use crate::store::merge::Verdict;
    // The playbook as it is here, or the published version the attempt was played on.
    let here = lib
        .playbook(&p.playbook)
        .filter(|pb| pb.source.hash == p.playbook_hash)
        .map(|pb| (pb, host));
    let played = || {
        as_played
            .get(&p.playbook, &p.playbook_hash)
            .and_then(|v| Some((v.lib.playbook(&p.playbook)?, Some(&v.host))))
    };
    let Some((pb, host)) = here.or_else(played) else {
        if lib.playbook(&p.playbook).is_none() {
            return Verdict::Unverifiable(format!("playbook '{}' is not here", p.playbook));
        }
        return Verdict::Unverifiable(format!(
            "scored against version {} of '{}' (content {}), which this machine does not have",
            p.playbook_version, p.playbook, p.playbook_hash
        ));
    };
    let Some(scen) = pb.scenario(&p.scenario) else {
        return Verdict::Unverifiable(format!("scenario '{}' is not here", p.scenario));
    };
    let replies = match rescore_points(pb, host, &p.scenario, answers, None) {
        Ok(r) => r,
        Err(e) => return Verdict::Unverifiable(e.to_string()),
    };
    let position = replies
        .last()
        .map_or(Position::Ended(None), |r| Position::at(&r.scored.next));
    let now = summarize(pb, scen, &replies, &position);
    match mismatch(p, &now) {
        None => Verdict::Verified,
        Some(what) => Verdict::Mismatch {
            total: now.total,
            passed: now.passed,
            what,
        },
    }
}

/// What differs between an attempt as stored and as its replies score it, in words: the
/// total, the verdict, or any criterion (one stored that its replies do not give, or with
/// other points); `None` when nothing does. Criteria are compared when any were stored.
fn mismatch(p: &crate::store::merge::Pending, now: &crate::practice::Summary) -> Option<String> {
    let close = |a: f64, b: f64| (a - b).abs() < 0.05;
    let shown = |t: Option<f64>| t.map_or("none".to_owned(), |t| format!("{t:.1}"));
    let verdict = |v: Option<bool>| match v {
        Some(true) => "pass",
        Some(false) => "fail",
        None => "none",
    };
    if !p.total.is_some_and(|t| close(t, now.total)) {
        return Some(format!(
            "stored total {}, its replies give {:.1}",
            shown(p.total),
            now.total
        ));
    }
    if p.passed != Some(now.passed) {
        return Some(format!(
            "stored verdict {} (total {:.1}), its replies give {}",
            verdict(p.passed),
            now.total,
            verdict(Some(now.passed))
        ));
    }
    if p.criteria.is_empty() {
        return None;
    }
    for (id, stored) in &p.criteria {
        match now.criteria.iter().find(|c| c.0 == *id) {
            None => {
                return Some(format!(
                    "stored criterion '{id}' ({stored:.1}) that its replies do not score"
                ));
            }
            Some(c) if !close(c.1, *stored) => {
                return Some(format!(
                    "stored criterion '{id}' {stored:.1}, its replies give {:.1}",
                    c.1
                ));
            }
            Some(_) => {}
        }
    }
    now.criteria
        .iter()
        .find(|c| !p.criteria.iter().any(|s| s.0 == c.0))
        .map(|c| {
            format!(
                "criterion '{}' ({:.1}) is missing from what was stored",
                c.0, c.1
            )
        })
}

#[cfg(test)]
mod tests {
    use super::mismatch;
    use crate::practice::Summary;
    use crate::store::merge::Pending;

    fn stored(total: f64, passed: bool, criteria: &[(&str, f64)]) -> Pending {
        Pending {
            attempt_id: "a".into(),
            playbook: "p".into(),
            playbook_hash: "h".into(),
            playbook_version: 1,
            scenario: "s".into(),
            trainee_id: "t".into(),
            total: Some(total),
            passed: Some(passed),
            criteria: criteria
                .iter()
                .map(|(c, p)| ((*c).to_owned(), *p))
                .collect(),
        }
    }

    fn scored(total: f64, passed: bool, criteria: &[(&str, f64)]) -> Summary {
        Summary {
            total,
            pass_mark: 70,
            passed,
            gate: None,
            criteria: criteria
                .iter()
                .map(|(c, p)| ((*c).to_owned(), *p, 1))
                .collect(),
            weakest: None,
            suggested: None,
            ending: None,
            outcome: None,
            replies: 1,
            seconds: 1.0,
        }
    }

    /// Each difference is named as it is: the total, the verdict (a forged pass with an honest
    /// total used to read "stored total 70.8, its replies give 70.8"), or a criterion.
    #[test]
    fn a_mismatch_says_what_differs() {
        let now = scored(70.8, false, &[("value", 45.0), ("rapport", 96.6)]);
        assert_eq!(
            mismatch(
                &stored(70.8, false, &[("value", 45.0), ("rapport", 96.6)]),
                &now
            ),
            None
        );
        assert_eq!(
            mismatch(&stored(100.0, true, &[]), &now).as_deref(),
            Some("stored total 100.0, its replies give 70.8")
        );
        assert_eq!(
            mismatch(&stored(70.8, true, &[]), &now).as_deref(),
            Some("stored verdict pass (total 70.8), its replies give fail")
        );
        assert_eq!(
            mismatch(
                &stored(70.8, false, &[("value", 100.0), ("rapport", 96.6)]),
                &now
            )
            .as_deref(),
            Some("stored criterion 'value' 100.0, its replies give 45.0")
        );
        assert_eq!(
            mismatch(
                &stored(
                    70.8,
                    false,
                    &[("value", 45.0), ("rapport", 96.6), ("close", 90.0)]
                ),
                &now
            )
            .as_deref(),
            Some("stored criterion 'close' (90.0) that its replies do not score")
        );
        assert_eq!(
            mismatch(&stored(70.8, false, &[("value", 45.0)]), &now).as_deref(),
            Some("criterion 'rapport' (96.6) is missing from what was stored")
        );
    }
}
