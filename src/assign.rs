//! Assignments: a manager gives a trainee or a team a playbook (or one scenario of it) to pass
//! by a date, with a pass mark and a retake rule. This module takes rows (the assignments, the
//! trainees, the practice attempts) and returns decisions: where each trainee stands, the
//! funnel per assignment and per team, and who is behind. It reads no database and draws
//! nothing: the store keeps the rows for both backends, the front ends show the decisions.
//!
//! A status is computed from the log every time, never stored:
//!
//! - **passed**: every scenario assigned has an attempt, started after the assignment, whose
//!   total reaches the assignment's pass mark (and that no conduct gate failed);
//! - **overdue**: not passed, and the due date is behind us;
//! - **failed**: an attempt fell short; a retake is due at once or some days later, until the
//!   retakes run out;
//! - **started**: an attempt was begun, none finished short;
//! - **assigned**: nothing yet.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate};
use serde::Serialize;

use crate::msg::Text;
use crate::playbook::Library;
use crate::store::Trainee;

/// Who an assignment is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Target {
    /// One trainee, by id.
    Trainee(String),
    /// Everyone in a team (today's members), by team id.
    Team(String),
}

/// Below the pass mark: when the trainee is to try again, and how often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Retake {
    /// Days after a failed attempt before the retake is due (0: at once).
    pub after_days: u32,
    /// How many retakes after the first try.
    pub max: u32,
}

impl Default for Retake {
    fn default() -> Self {
        Retake {
            after_days: 0,
            max: 2,
        }
    }
}

/// An assignment as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    pub id: String,
    pub playbook: String,
    /// One scenario, or the whole playbook (`None`).
    pub scenario: Option<String>,
    pub target: Target,
    /// The team's name when the target is a team (for people to read).
    pub team_name: Option<String>,
    /// The last day it may be passed on.
    pub due: NaiveDate,
    pub pass_mark: u8,
    pub retake: Retake,
    pub assigned_by: String,
    /// When it was made (a stored stamp); attempts before it do not count.
    pub assigned_at: String,
    pub note: Option<String>,
}

impl Assignment {
    /// The trainee id or the team id it is for, as stored (one of the two).
    pub fn target_ids(&self) -> (Option<&str>, Option<&str>) {
        match &self.target {
            Target::Trainee(t) => (Some(t.as_str()), None),
            Target::Team(t) => (None, Some(t.as_str())),
        }
    }

    /// Who it is for, as people read it: the team's name, or the trainee's among `trainees`.
    pub fn who(&self, trainees: &[Trainee]) -> String {
        match &self.target {
            Target::Team(id) => self.team_name.clone().unwrap_or_else(|| id.clone()),
            Target::Trainee(id) => trainees
                .iter()
                .find(|t| t.id == *id)
                .map_or_else(|| id.clone(), |t| t.name.clone()),
        }
    }

    /// What is assigned as people read it: the playbook's title, and the scenario's, in
    /// `locale` (ids where the library does not know them).
    pub fn title(&self, lib: &Library, locale: &str) -> String {
        let pb = lib.playbook(&self.playbook);
        let pb_title = pb.map_or(self.playbook.as_str(), |p| p.title.get(locale));
        match (&self.scenario, pb) {
            (Some(s), Some(p)) => format!(
                "{pb_title} · {}",
                p.scenario(s).map_or(s.as_str(), |s| s.title.get(locale))
            ),
            (Some(s), None) => format!("{pb_title} · {s}"),
            (None, _) => pb_title.to_owned(),
        }
    }

    /// What is assigned: `playbook` or `playbook/scenario`.
    pub fn what(&self) -> String {
        match &self.scenario {
            Some(s) => format!("{}/{s}", self.playbook),
            None => self.playbook.clone(),
        }
    }
}

/// A practice attempt as assignments read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub attempt: String,
    pub trainee: String,
    pub playbook: String,
    pub scenario: String,
    /// A stored stamp.
    pub started_at: String,
    /// Finished (not in progress).
    pub completed: bool,
    /// It counts: scored here, or brought in and verified. A finished attempt that does not
    /// count yet (waiting for the verifier) shows the assignment started, never passed or
    /// failed.
    pub counted: bool,
    /// The total as it counts (after reviews).
    pub total: Option<f64>,
    /// The attempt's own verdict (after reviews; false when a conduct gate capped it).
    pub passed: Option<bool>,
}

/// Where one trainee stands on one assignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Assigned,
    Started,
    Passed {
        /// The day the last scenario needed was passed.
        on: NaiveDate,
        /// Passed after the due date.
        late: bool,
    },
    Failed {
        /// When the next try is due; `None`: no retakes left.
        retake_on: Option<NaiveDate>,
        retakes_left: u32,
    },
    Overdue {
        days_late: i64,
    },
}

impl Status {
    /// The status's key, as the CLI, the CSV and the filters name it.
    pub fn key(&self) -> &'static str {
        match self {
            Status::Assigned => "assigned",
            Status::Started => "started",
            Status::Passed { .. } => "passed",
            Status::Failed { .. } => "failed",
            Status::Overdue { .. } => "overdue",
        }
    }

    /// The status as people read it, with its date.
    pub fn describe(&self) -> Text {
        match self {
            Status::Assigned => crate::msg::assignment_assigned(),
            Status::Started => crate::msg::assignment_started(),
            Status::Passed { on, late: false } => crate::msg::assignment_passed(on.to_string()),
            Status::Passed { on, late: true } => crate::msg::assignment_passed_late(on.to_string()),
            Status::Failed {
                retake_on: Some(d),
                retakes_left,
            } => crate::msg::assignment_retake(d.to_string(), *retakes_left),
            Status::Failed {
                retake_on: None, ..
            } => crate::msg::assignment_no_retakes(),
            Status::Overdue { days_late } => crate::msg::assignment_overdue(*days_late),
        }
    }
}

/// One trainee's standing on one assignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standing {
    pub assignment: String,
    pub trainee: Trainee,
    pub status: Status,
    /// Attempts counted for it (started after it was made).
    pub attempts: u32,
    /// The best total among them.
    pub best: Option<f64>,
    /// The scenario to practise next: the first assigned one not yet passed.
    pub next_scenario: Option<String>,
    /// The latest attempt that fell short (its weakest criterion is what to practise first).
    pub last_failed: Option<String>,
}

/// What assignments need to know of a playbook.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaybookFacts {
    /// Its practice scenarios, in order.
    pub scenarios: Vec<String>,
    pub pass_mark: u8,
}

/// The playbooks by id, as assignments read them.
pub type Catalogue = BTreeMap<String, PlaybookFacts>;

/// The practice playbooks of a library (live checklists are not assigned).
pub fn catalogue(lib: &Library) -> Catalogue {
    lib.playbooks
        .iter()
        .filter(|p| !p.live && !p.scenarios.is_empty())
        .map(|p| {
            (
                p.id.clone(),
                PlaybookFacts {
                    scenarios: p.scenarios.iter().map(|s| s.id.clone()).collect(),
                    pass_mark: p.rubric.pass_mark,
                },
            )
        })
        .collect()
}

/// The day of a stored stamp where the app runs (as `today` is); `None` when it is not one.
fn day_of(stamp: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(stamp)
        .ok()
        .map(|t| t.with_timezone(&chrono::Local).date_naive())
}

/// Whether a finished attempt meets `mark`: its total reaches it and no conduct gate held it
/// back (an attempt whose total reaches the playbook's own mark but did not pass was gated).
fn meets(f: &Fact, mark: u8, playbook_mark: u8) -> bool {
    let Some(total) = f.total else {
        return false;
    };
    let gated = f.passed == Some(false) && total >= f64::from(playbook_mark);
    !gated && total >= f64::from(mark)
}

/// The trainees an assignment is for, among `trainees`.
pub fn targets<'t>(a: &Assignment, trainees: &'t [Trainee]) -> Vec<&'t Trainee> {
    trainees
        .iter()
        .filter(|t| match &a.target {
            Target::Trainee(id) => &t.id == id,
            Target::Team(team) => t
                .team
                .as_deref()
                .is_some_and(|name| crate::store::team_id(name) == *team),
        })
        .collect()
}

/// Where `trainee` stands on `a` on day `today`, from their practice `facts` (any order; other
/// trainees' and playbooks' facts are skipped).
pub fn standing(
    a: &Assignment,
    trainee: &Trainee,
    facts: &[&Fact],
    cat: &Catalogue,
    today: NaiveDate,
) -> Standing {
    let playbook_mark = cat.get(&a.playbook).map_or(a.pass_mark, |p| p.pass_mark);
    let needed: Vec<String> = match &a.scenario {
        Some(s) => vec![s.clone()],
        None => cat
            .get(&a.playbook)
            .map(|p| p.scenarios.clone())
            .unwrap_or_default(),
    };
    let mut mine: Vec<&Fact> = facts
        .iter()
        .copied()
        .filter(|f| {
            f.trainee == trainee.id
                && f.playbook == a.playbook
                && needed.contains(&f.scenario)
                && f.started_at >= a.assigned_at
        })
        .collect();
    mine.sort_by(|x, y| x.started_at.cmp(&y.started_at));

    // Per scenario, the day it was first passed.
    let mut passed_on: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    let mut failures = 0u32;
    let mut last_failure: Option<&Fact> = None;
    let mut best: Option<f64> = None;
    for f in &mine {
        if let Some(t) = f.total.filter(|_| f.completed && f.counted) {
            best = Some(best.map_or(t, |b: f64| b.max(t)));
        }
        if !f.completed || !f.counted {
            continue;
        }
        if meets(f, a.pass_mark, playbook_mark) {
            if let Some(d) = day_of(&f.started_at) {
                passed_on.entry(f.scenario.as_str()).or_insert(d);
            }
        } else {
            failures += 1;
            last_failure = Some(f);
        }
    }
    let next_scenario = needed
        .iter()
        .find(|s| !passed_on.contains_key(s.as_str()))
        .cloned();
    let status = if !needed.is_empty() && next_scenario.is_none() {
        let on = passed_on.values().max().copied().unwrap_or(today);
        Status::Passed {
            on,
            late: on > a.due,
        }
    } else if today > a.due {
        Status::Overdue {
            days_late: (today - a.due).num_days(),
        }
    } else if let Some(f) = last_failure {
        let tries = a.retake.max.saturating_add(1);
        let retakes_left = tries.saturating_sub(failures);
        Status::Failed {
            retake_on: (retakes_left > 0).then(|| {
                day_of(&f.started_at).unwrap_or(today)
                    + chrono::Days::new(u64::from(a.retake.after_days))
            }),
            retakes_left,
        }
    } else if mine.is_empty() {
        Status::Assigned
    } else {
        Status::Started
    };
    Standing {
        assignment: a.id.clone(),
        trainee: trainee.clone(),
        status,
        attempts: u32::try_from(mine.len()).unwrap_or(u32::MAX),
        best,
        next_scenario,
        last_failed: last_failure.map(|f| f.attempt.clone()),
    }
}

/// Every trainee's standing on every assignment, in the order of the assignments (by due
/// date) and then of the trainees' names.
pub fn standings(
    assignments: &[Assignment],
    trainees: &[Trainee],
    facts: &[Fact],
    cat: &Catalogue,
    today: NaiveDate,
) -> Vec<Standing> {
    let mut by_trainee: BTreeMap<&str, Vec<&Fact>> = BTreeMap::new();
    for f in facts {
        by_trainee.entry(f.trainee.as_str()).or_default().push(f);
    }
    let mut order: Vec<&Assignment> = assignments.iter().collect();
    order.sort_by(|x, y| x.due.cmp(&y.due).then_with(|| x.id.cmp(&y.id)));
    let mut out = Vec::new();
    for a in order {
        let mut who = targets(a, trainees);
        who.sort_by(|x, y| x.name.cmp(&y.name).then_with(|| x.id.cmp(&y.id)));
        for t in who {
            let mine = by_trainee.get(t.id.as_str()).map_or(&[][..], |v| v);
            out.push(standing(a, t, mine, cat, today));
        }
    }
    out
}

/// The counts of one funnel row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub assigned: u32,
    pub not_started: u32,
    /// Started, or failed with a retake to come.
    pub in_progress: u32,
    pub passed: u32,
    pub overdue: u32,
    /// Failed with no retakes left.
    pub failed: u32,
}

impl Counts {
    fn add(&mut self, s: &Status) {
        self.assigned += 1;
        match Bucket::of_status(s) {
            Bucket::NotStarted => self.not_started += 1,
            Bucket::InProgress => self.in_progress += 1,
            Bucket::Failed => self.failed += 1,
            Bucket::Passed => self.passed += 1,
            Bucket::Overdue => self.overdue += 1,
            Bucket::Assigned => {}
        }
    }
}

/// A bucket of the funnel, to find the trainees behind a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Assigned,
    NotStarted,
    InProgress,
    Passed,
    Overdue,
    Failed,
}

impl Bucket {
    pub const ALL: [Bucket; 6] = [
        Bucket::Assigned,
        Bucket::NotStarted,
        Bucket::InProgress,
        Bucket::Passed,
        Bucket::Overdue,
        Bucket::Failed,
    ];

    /// The one bucket besides "assigned" (which holds every status) that `s` falls in.
    pub fn of_status(s: &Status) -> Bucket {
        match s {
            Status::Assigned => Bucket::NotStarted,
            Status::Started
            | Status::Failed {
                retake_on: Some(_), ..
            } => Bucket::InProgress,
            Status::Failed {
                retake_on: None, ..
            } => Bucket::Failed,
            Status::Passed { .. } => Bucket::Passed,
            Status::Overdue { .. } => Bucket::Overdue,
        }
    }

    /// Whether a status falls in this bucket.
    pub fn holds(self, s: &Status) -> bool {
        self == Bucket::Assigned || self == Bucket::of_status(s)
    }

    /// This bucket's number in `c`.
    pub fn of(self, c: &Counts) -> u32 {
        match self {
            Bucket::Assigned => c.assigned,
            Bucket::NotStarted => c.not_started,
            Bucket::InProgress => c.in_progress,
            Bucket::Passed => c.passed,
            Bucket::Overdue => c.overdue,
            Bucket::Failed => c.failed,
        }
    }

    /// The column's key (CSV header, CLI).
    pub fn key(self) -> &'static str {
        match self {
            Bucket::Assigned => "assigned",
            Bucket::NotStarted => "not_started",
            Bucket::InProgress => "in_progress",
            Bucket::Passed => "passed",
            Bucket::Overdue => "overdue",
            Bucket::Failed => "failed",
        }
    }
}

/// The funnel of one assignment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssignmentFunnel {
    pub assignment: String,
    pub counts: Counts,
}

/// Per assignment, how many of its trainees are in each bucket (assignments in the order of
/// `standings`).
pub fn funnel(standings: &[Standing]) -> Vec<AssignmentFunnel> {
    let mut out: Vec<AssignmentFunnel> = Vec::new();
    for s in standings {
        match out.last_mut() {
            Some(row) if row.assignment == s.assignment => row.counts.add(&s.status),
            _ => {
                let mut counts = Counts::default();
                counts.add(&s.status);
                out.push(AssignmentFunnel {
                    assignment: s.assignment.clone(),
                    counts,
                });
            }
        }
    }
    out
}

/// Per team (by name; `None`: no team), the buckets over every assignment of its trainees.
pub fn team_funnel(standings: &[Standing]) -> BTreeMap<Option<String>, Counts> {
    let mut out: BTreeMap<Option<String>, Counts> = BTreeMap::new();
    for s in standings {
        out.entry(s.trainee.team.clone())
            .or_default()
            .add(&s.status);
    }
    out
}

/// Who is behind: the overdue standings, latest first (then by name).
pub fn behind(standings: &[Standing]) -> Vec<&Standing> {
    behind_at(standings)
        .into_iter()
        .filter_map(|i| standings.get(i))
        .collect()
}

/// [`behind`], as indexes into `standings`.
pub fn behind_at(standings: &[Standing]) -> Vec<usize> {
    let late = |i: usize| match standings[i].status {
        Status::Overdue { days_late } => Some(days_late),
        _ => None,
    };
    let mut out: Vec<usize> = (0..standings.len())
        .filter(|&i| late(i).is_some())
        .collect();
    out.sort_by(|&x, &y| {
        late(y)
            .cmp(&late(x))
            .then_with(|| standings[x].trainee.name.cmp(&standings[y].trainee.name))
    });
    out
}

/// Whether a status still asks something of the trainee (not passed, retakes not run out).
pub fn to_do(s: &Status) -> bool {
    !matches!(
        s,
        Status::Passed { .. }
            | Status::Failed {
                retake_on: None,
                ..
            }
    )
}

/// The order a trainee's own list is shown in: what needs doing first (overdue, then a retake,
/// then by due date), passed last.
pub fn for_trainee<'a>(standings: &'a [Standing], assignments: &[Assignment]) -> Vec<&'a Standing> {
    let due: BTreeMap<&str, NaiveDate> =
        assignments.iter().map(|a| (a.id.as_str(), a.due)).collect();
    let rank = |s: &Standing| match s.status {
        Status::Overdue { .. } => 0,
        Status::Failed {
            retake_on: Some(_), ..
        } => 1,
        Status::Started | Status::Assigned => 2,
        Status::Failed {
            retake_on: None, ..
        } => 3,
        Status::Passed { .. } => 4,
    };
    let mut out: Vec<&Standing> = standings.iter().collect();
    out.sort_by(|x, y| {
        rank(x).cmp(&rank(y)).then_with(|| {
            due.get(x.assignment.as_str())
                .cmp(&due.get(y.assignment.as_str()))
        })
    });
    out
}

/// What to practise first after an attempt that fell short: its weakest criterion (after a
/// manager's overrides), by id.
pub fn practise_first(criteria: &[crate::store::report::CriterionRow]) -> Option<&str> {
    criteria
        .iter()
        .map(|c| (c.criterion.as_str(), c.override_points.unwrap_or(c.points)))
        .min_by(|x, y| x.1.total_cmp(&y.1))
        .map(|(c, _)| c)
}

/// Standings as a sheet (CSV; with a byte-order mark for spreadsheets when `bom`): what,
/// who, due, status, days late, attempts, best total, and the status in words.
pub fn standings_sheet(
    assignments: &[Assignment],
    standings: &[&Standing],
    lang: crate::msg::Lang,
    bom: bool,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = crate::sheet::SheetWriter::new(Vec::new(), bom)?;
    w.row([
        "assignment",
        "what",
        "trainee",
        "team",
        "due",
        "status",
        "days_late",
        "attempts",
        "best",
        "detail",
    ])?;
    for s in standings {
        let a = assignments.iter().find(|a| a.id == s.assignment);
        let late = match s.status {
            Status::Overdue { days_late } => days_late.to_string(),
            _ => String::new(),
        };
        w.row([
            s.assignment.as_str(),
            &a.map(Assignment::what).unwrap_or_default(),
            &s.trainee.name,
            s.trainee.team.as_deref().unwrap_or(""),
            &a.map(|a| a.due.to_string()).unwrap_or_default(),
            s.status.key(),
            &late,
            &s.attempts.to_string(),
            &s.best.map(|b| format!("{b:.1}")).unwrap_or_default(),
            s.status.describe().get(lang),
        ])?;
    }
    w.finish()
}

/// A new assignment as a manager asks for it, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub playbook: String,
    pub scenario: Option<String>,
    /// A trainee's name or id, or a team's name.
    pub who: Who,
    pub due: NaiveDate,
    /// `None`: the playbook's own.
    pub pass_mark: Option<i64>,
    pub retake: Retake,
    pub note: Option<String>,
}

/// Who a request names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Trainee(String),
    Team(String),
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal(pub Text);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.en)
    }
}

impl std::error::Error for Refusal {}

/// Checks a request against the playbooks and the trainees the manager sees and turns it
/// into an assignment (its id and time given): a due date behind `today`, an unknown
/// playbook, scenario, trainee or team, or a pass mark outside 0–100 is refused.
pub fn check(
    req: &Request,
    cat: &Catalogue,
    trainees: &[Trainee],
    today: NaiveDate,
    id: String,
    assigned_by: &str,
    at: &str,
) -> Result<Assignment, Refusal> {
    let Some(pb) = cat.get(&req.playbook) else {
        let known = crate::msg::known_list(cat.keys().map(String::as_str));
        return Err(Refusal(crate::msg::assignment_unknown_playbook(
            req.playbook.clone(),
            known,
        )));
    };
    if let Some(s) = &req.scenario
        && !pb.scenarios.contains(s)
    {
        let known = crate::msg::known_list(pb.scenarios.iter().map(String::as_str));
        return Err(Refusal(crate::msg::assignment_unknown_scenario(
            s.clone(),
            req.playbook.clone(),
            known,
        )));
    }
    if req.due < today {
        return Err(Refusal(crate::msg::assignment_due_past(
            req.due.to_string(),
            today.to_string(),
        )));
    }
    let pass_mark = match req.pass_mark {
        None => pb.pass_mark,
        Some(m) => match u8::try_from(m) {
            Ok(m) if m <= 100 => m,
            _ => return Err(Refusal(crate::msg::assignment_pass_mark(m))),
        },
    };
    let (target, team_name) = match &req.who {
        Who::Trainee(name) => {
            let found: Vec<&Trainee> = trainees
                .iter()
                .filter(|t| t.name == *name || t.id == *name)
                .collect();
            match found.as_slice() {
                [t] => (Target::Trainee(t.id.clone()), None),
                [] => {
                    let names: BTreeSet<&str> = trainees.iter().map(|t| t.name.as_str()).collect();
                    return Err(Refusal(crate::msg::assignment_unknown_trainee(
                        name.clone(),
                        crate::msg::known_list(names),
                    )));
                }
                _ => {
                    return Err(Refusal(crate::msg::assignment_ambiguous_trainee(
                        name.clone(),
                        found.len(),
                    )));
                }
            }
        }
        Who::Team(name) => {
            let teams: BTreeSet<&str> = trainees.iter().filter_map(|t| t.team.as_deref()).collect();
            if !teams.contains(name.as_str()) {
                return Err(Refusal(crate::msg::assignment_unknown_team(
                    name.clone(),
                    crate::msg::known_list(teams),
                )));
            }
            (
                Target::Team(crate::store::team_id(name)),
                Some(name.clone()),
            )
        }
    };
    Ok(Assignment {
        id,
        playbook: req.playbook.clone(),
        scenario: req.scenario.clone(),
        target,
        team_name,
        due: req.due,
        pass_mark,
        retake: req.retake,
        assigned_by: assigned_by.to_owned(),
        assigned_at: at.to_owned(),
        note: req.note.clone().filter(|n| !n.trim().is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn trainee(id: &str, team: Option<&str>) -> Trainee {
        Trainee {
            id: id.into(),
            name: format!("name-{id}"),
            team: team.map(Into::into),
            pseudonym: None,
        }
    }

    fn cat() -> Catalogue {
        let mut c = Catalogue::new();
        c.insert(
            "pb".into(),
            PlaybookFacts {
                scenarios: vec!["s1".into(), "s2".into()],
                pass_mark: 70,
            },
        );
        c
    }

    fn assignment(scenario: Option<&str>, target: Target) -> Assignment {
        Assignment {
            id: "a1".into(),
            playbook: "pb".into(),
            scenario: scenario.map(Into::into),
            target,
            team_name: None,
            due: day("2026-12-10"),
            pass_mark: 70,
            retake: Retake {
                after_days: 2,
                max: 1,
            },
            assigned_by: "m".into(),
            assigned_at: "2026-12-01T09:00:00Z".into(),
            note: None,
        }
    }

    fn fact(id: &str, scen: &str, at: &str, total: Option<f64>, passed: Option<bool>) -> Fact {
        Fact {
            attempt: id.into(),
            trainee: "t1".into(),
            playbook: "pb".into(),
            scenario: scen.into(),
            started_at: at.into(),
            completed: total.is_some(),
            counted: true,
            total,
            passed,
        }
    }

    fn status_of(a: &Assignment, facts: &[Fact], today: &str) -> Status {
        let t = trainee("t1", None);
        let refs: Vec<&Fact> = facts.iter().collect();
        standing(a, &t, &refs, &cat(), day(today)).status
    }

    #[test]
    fn each_status_comes_from_the_log() {
        let a = assignment(Some("s1"), Target::Trainee("t1".into()));
        assert_eq!(status_of(&a, &[], "2026-12-02"), Status::Assigned);
        // An attempt before the assignment does not count.
        let before = fact("x", "s1", "2026-11-30T09:00:00Z", Some(90.0), Some(true));
        assert_eq!(
            status_of(&a, std::slice::from_ref(&before), "2026-12-02"),
            Status::Assigned
        );
        let mut waiting = fact("u", "s1", "2026-12-02T09:00:00Z", Some(95.0), Some(true));
        waiting.counted = false;
        assert_eq!(status_of(&a, &[waiting], "2026-12-02"), Status::Started);
        let going = fact("y", "s1", "2026-12-02T09:00:00Z", None, None);
        assert_eq!(status_of(&a, &[going], "2026-12-02"), Status::Started);
        let short = fact("z", "s1", "2026-12-02T09:00:00Z", Some(50.0), Some(false));
        assert_eq!(
            status_of(&a, std::slice::from_ref(&short), "2026-12-02"),
            Status::Failed {
                retake_on: Some(day("2026-12-04")),
                retakes_left: 1
            }
        );
        let short2 = fact("w", "s1", "2026-12-04T09:00:00Z", Some(60.0), Some(false));
        assert_eq!(
            status_of(&a, &[short.clone(), short2], "2026-12-05"),
            Status::Failed {
                retake_on: None,
                retakes_left: 0
            }
        );
        let pass = fact("v", "s1", "2026-12-03T09:00:00Z", Some(80.0), Some(true));
        assert_eq!(
            status_of(&a, &[short.clone(), pass.clone()], "2026-12-20"),
            Status::Passed {
                on: day("2026-12-03"),
                late: false
            }
        );
        assert_eq!(
            status_of(&a, &[short], "2026-12-13"),
            Status::Overdue { days_late: 3 }
        );
        // The due day itself is not late.
        assert_eq!(status_of(&a, &[], "2026-12-10"), Status::Assigned);
    }

    #[test]
    fn a_whole_playbook_needs_every_scenario_and_a_gate_is_not_a_pass() {
        let a = assignment(None, Target::Trainee("t1".into()));
        let one = fact("a", "s1", "2026-12-02T09:00:00Z", Some(90.0), Some(true));
        assert_eq!(
            status_of(&a, std::slice::from_ref(&one), "2026-12-03"),
            Status::Started
        );
        let s = standing(&a, &trainee("t1", None), &[&one], &cat(), day("2026-12-03"));
        assert_eq!(s.next_scenario.as_deref(), Some("s2"));
        // 85 but not passed: a conduct gate held it back.
        let gated = fact("b", "s2", "2026-12-04T09:00:00Z", Some(85.0), Some(false));
        assert!(matches!(
            status_of(&a, &[one.clone(), gated], "2026-12-05"),
            Status::Failed { .. }
        ));
        let two = fact("c", "s2", "2026-12-11T09:00:00Z", Some(75.0), Some(true));
        assert_eq!(
            status_of(&a, &[one, two], "2026-12-12"),
            Status::Passed {
                on: day("2026-12-11"),
                late: true
            }
        );
    }

    #[test]
    fn a_higher_mark_than_the_playbooks_is_the_assignments() {
        let mut a = assignment(Some("s1"), Target::Trainee("t1".into()));
        a.pass_mark = 85;
        let f = fact("a", "s1", "2026-12-02T09:00:00Z", Some(80.0), Some(true));
        assert!(matches!(
            status_of(&a, &[f], "2026-12-03"),
            Status::Failed { .. }
        ));
    }

    #[test]
    fn the_funnel_counts_each_trainee_once_and_behind_is_latest_first() {
        let trainees = vec![
            trainee("t1", Some("north")),
            trainee("t2", Some("north")),
            trainee("t3", Some("south")),
        ];
        let mut team = assignment(Some("s1"), Target::Team(crate::store::team_id("north")));
        team.id = "team".into();
        let mut early = assignment(Some("s2"), Target::Trainee("t3".into()));
        early.id = "early".into();
        early.due = day("2026-12-03");
        let facts = vec![fact(
            "p",
            "s1",
            "2026-12-02T09:00:00Z",
            Some(90.0),
            Some(true),
        )];
        let all = standings(&[team, early], &trainees, &facts, &cat(), day("2026-12-05"));
        assert_eq!(all.len(), 3);
        let f = funnel(&all);
        assert_eq!(f[0].assignment, "early");
        assert_eq!(f[0].counts.overdue, 1);
        assert_eq!(
            f[1].counts,
            Counts {
                assigned: 2,
                not_started: 1,
                passed: 1,
                ..Counts::default()
            }
        );
        let teams = team_funnel(&all);
        assert_eq!(teams[&Some("north".to_owned())].assigned, 2);
        let late = behind(&all);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].trainee.id, "t3");
        assert!(Bucket::Overdue.holds(&late[0].status));
        assert!(!Bucket::Passed.holds(&late[0].status));
    }

    #[test]
    fn bad_requests_are_refused_with_what_is_known() {
        let trainees = vec![trainee("t1", Some("north"))];
        let req = Request {
            playbook: "pb".into(),
            scenario: None,
            who: Who::Trainee("name-t1".into()),
            due: day("2026-12-10"),
            pass_mark: None,
            retake: Retake::default(),
            note: None,
        };
        let ok = |r: &Request| {
            check(
                r,
                &cat(),
                &trainees,
                day("2026-12-05"),
                "id".into(),
                "m",
                "now",
            )
        };
        let a = ok(&req).unwrap();
        assert_eq!(a.pass_mark, 70);
        assert_eq!(a.target, Target::Trainee("t1".into()));
        let refused = |r: Request| ok(&r).unwrap_err().0.en;
        assert!(
            refused(Request {
                due: day("2026-12-04"),
                ..req.clone()
            })
            .contains("2026-12-04")
        );
        assert!(
            refused(Request {
                pass_mark: Some(101),
                ..req.clone()
            })
            .contains("101")
        );
        assert!(
            refused(Request {
                pass_mark: Some(-1),
                ..req.clone()
            })
            .contains("-1")
        );
        assert!(
            refused(Request {
                playbook: "nope".into(),
                ..req.clone()
            })
            .contains("pb")
        );
        assert!(
            refused(Request {
                scenario: Some("s9".into()),
                ..req.clone()
            })
            .contains("s1")
        );
        assert!(
            refused(Request {
                who: Who::Trainee("nobody".into()),
                ..req.clone()
            })
            .contains("name-t1")
        );
        assert!(
            refused(Request {
                who: Who::Team("south".into()),
                ..req.clone()
            })
            .contains("north")
        );
    }
}
