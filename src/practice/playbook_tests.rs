//! Trainers' playbook tests: each sample reply must score within its expected range, and its
//! feedback must contain the phrases listed.

use serde::Serialize;

use super::score::Answer;
use super::session::score_turn;
use crate::playbook::model::{Playbook, TestCase, TestInput};
use crate::script::ScriptHost;

#[derive(Debug, Clone, Serialize)]
pub struct TestOutcome {
    pub playbook: String,
    /// `file:line` of the test case.
    pub location: String,
    pub scenario: String,
    pub turn: String,
    pub min: u32,
    pub max: u32,
    /// The rounded score, or why the answer could not be scored.
    pub got: Result<u32, String>,
    /// Expected feedback phrases that did not appear.
    pub missing_feedback: Vec<String>,
}

impl TestOutcome {
    pub fn passed(&self) -> bool {
        matches!(self.got, Ok(s) if (self.min..=self.max).contains(&s))
            && self.missing_feedback.is_empty()
    }

    /// One line saying what went wrong.
    pub fn failure_line(&self) -> String {
        let what = match &self.got {
            Ok(s) if !(self.min..=self.max).contains(s) => {
                format!("scored {s}, expected {}–{}", self.min, self.max)
            }
            Ok(_) => format!("feedback lacks {}", self.missing_feedback.join(", ")),
            Err(e) => format!("not scored: {e}"),
        };
        format!(
            "{}: {} {}/{}: {what}",
            self.location, self.playbook, self.scenario, self.turn
        )
    }
}

fn run_one(pb: &Playbook, host: Option<&ScriptHost>, t: &TestCase) -> TestOutcome {
    let mut outcome = TestOutcome {
        playbook: pb.id.clone(),
        location: format!("{}:{}", pb.source.file, t.line),
        scenario: t.scenario.clone(),
        turn: t.turn.clone(),
        min: t.min,
        max: t.max,
        got: Err("scenario or turn not found".into()),
        missing_feedback: Vec::new(),
    };
    let Some(scen) = pb.scenario(&t.scenario) else {
        return outcome;
    };
    let Some(turn) = scen.turn(&t.turn) else {
        return outcome;
    };
    let answer = match &t.input {
        TestInput::Reply(r) => Answer::Text(r.clone()),
        TestInput::Option(o) => Answer::Choice(o.clone()),
    };
    match score_turn(pb, host, scen, turn, answer, 0.0, &[]) {
        Ok(r) => {
            if let Some(e) = &r.script_error {
                outcome.got = Err(e.to_string());
                return outcome;
            }
            let s = r.scored;
            outcome.got = Ok(s.rounded());
            let said: Vec<&str> = s
                .feedback
                .iter()
                .chain(&s.hints)
                .flat_map(|t| t.all())
                .collect();
            outcome.missing_feedback = t
                .feedback_contains
                .iter()
                .filter(|p| !said.iter().any(|f| f.contains(p.as_str())))
                .cloned()
                .collect();
        }
        Err(e) => outcome.got = Err(e.to_string()),
    }
    outcome
}

/// Runs every test case of a playbook, through its scripts when a host is given.
pub fn run(pb: &Playbook, host: Option<&ScriptHost>) -> Vec<TestOutcome> {
    pb.tests.iter().map(|t| run_one(pb, host, t)).collect()
}

/// One failed check of a playbook: its `file:line` (the test case, or the file for a scenario
/// with an unreachable ending) and what went wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub file: String,
    /// The test case's line; `None` for a scenario check.
    pub line: Option<u32>,
    pub message: String,
}

impl Failure {
    /// `file:line: message`, as the command line prints it.
    pub fn line_text(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}: {}", self.file, self.message),
            None => format!("{}: {}", self.file, self.message),
        }
    }
}

/// What `salesdojo test` checks for one playbook: every sample reply against its expected
/// range, and that some path through each scenario reaches each of its endings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TestRun {
    pub passed: usize,
    pub failures: Vec<Failure>,
    /// Per scenario, the paths walked (for `--paths-report`).
    pub paths: Vec<super::explore::PathReport>,
}

/// Runs every check of one playbook.
pub fn check(pb: &Playbook, host: Option<&ScriptHost>) -> TestRun {
    let mut run = TestRun::default();
    for (o, t) in self::run(pb, host).into_iter().zip(&pb.tests) {
        if o.passed() {
            run.passed += 1;
        } else {
            let what = o.failure_line();
            // failure_line starts with the location; keep the rest as the message.
            let message = what
                .strip_prefix(&format!("{}: ", o.location))
                .unwrap_or(&what)
                .to_owned();
            run.failures.push(Failure {
                file: pb.source.file.clone(),
                line: Some(t.line),
                message,
            });
        }
    }
    for scen in &pb.scenarios {
        let r = super::explore::explore(pb, scen);
        if r.endings_unreached.is_empty() && r.paths > 0 {
            run.passed += 1;
        } else {
            let what = if r.paths == 0 {
                "any ending".to_owned()
            } else {
                format!("ending {}", r.endings_unreached.join(", "))
            };
            run.failures.push(Failure {
                file: pb.source.file.clone(),
                line: None,
                message: format!("{} {}: no path reaches {what}", pb.id, scen.id),
            });
        }
        run.paths.push(r);
    }
    run
}
