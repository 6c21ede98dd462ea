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
