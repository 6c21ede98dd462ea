//! Trainers' playbook tests: each sample reply must score within its expected range, and its
//! feedback must contain the phrases listed.

use crate::msg::{self, Lang, Text};
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
    /// Why it scored what it did (see [`crate::practice::score::explain`]).
    pub why: Vec<String>,
    /// When the expected range can never be met: an option's fixed score outside it.
    #[serde(skip)]
    pub impossible: Option<Text>,
}

impl TestOutcome {
    pub fn passed(&self) -> bool {
        matches!(self.got, Ok(s) if (self.min..=self.max).contains(&s))
            && self.missing_feedback.is_empty()
    }

    /// What went wrong, after the test's place: `PLAYBOOK SCENARIO/TURN: scored 40, …`.
    pub fn failure_text(&self) -> Text {
        let what = match &self.got {
            Ok(s) if !(self.min..=self.max).contains(s) => match &self.impossible {
                Some(why) => {
                    let scored = msg::test_scored(s, self.min, self.max);
                    Text {
                        en: format!("{}: {}", scored.en, why.en),
                        zh: format!("{}：{}", scored.zh, why.zh),
                    }
                }
                None => msg::test_scored(s, self.min, self.max),
            },
            Ok(_) => msg::test_feedback_lacks(self.missing_feedback.join(", ")),
            Err(e) => msg::test_not_scored(e),
        };
        let at = format!("{} {}/{}: ", self.playbook, self.scenario, self.turn);
        Text {
            en: format!("{at}{}", what.en),
            zh: format!("{at}{}", what.zh),
        }
    }

    /// One line saying where and what went wrong.
    pub fn failure_line(&self) -> String {
        format!("{}: {}", self.location, self.failure_text().en)
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
        why: Vec::new(),
        impossible: None,
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
    // An option scores its fixed points on every criterion: without a score script to move
    // them, a range that does not hold them can never be met.
    if let (TestInput::Option(o), crate::playbook::model::Reply::Choice(opts)) =
        (&t.input, &turn.reply)
        && pb.scripts.score.is_none()
        && let Some(opt) = opts.iter().find(|c| &c.id == o)
        && !(t.min..=t.max).contains(&u32::from(opt.score))
    {
        outcome.impossible = Some(msg::test_impossible(o, opt.score, t.min, t.max));
    }
    let t_lang = t.lang.clone();
    match score_turn(pb, host, scen, turn, answer, 0.0, &[]) {
        Ok(r) => {
            if let Some(e) = &r.script_error {
                outcome.got = Err(e.to_string());
                return outcome;
            }
            let s = r.scored;
            outcome.got = Ok(s.rounded());
            outcome.why = super::score::explain(pb, &s);
            // In the trainee's language when the test names one, else in any.
            let said: Vec<&str> = s
                .feedback
                .iter()
                .chain(&s.hints)
                .flat_map(|t| match &t_lang {
                    Some(l) => vec![t.get(l)],
                    None => t.all().collect(),
                })
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
    /// Why a sample reply scored what it did: one line per criterion with its rules and the
    /// words they matched, the moves not made, a gate (empty for a scenario check).
    pub why: Vec<String>,
    /// `message` in Chinese.
    #[serde(skip)]
    pub zh: String,
}

impl Failure {
    /// The message in `lang`.
    pub fn message_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.message,
            Lang::Zh => &self.zh,
        }
    }

    /// `file:line: message`, as the command line prints it.
    pub fn line_text(&self) -> String {
        self.line_text_in(Lang::En)
    }

    /// [`Failure::line_text`] in `lang`.
    pub fn line_text_in(&self, lang: Lang) -> String {
        let message = self.message_in(lang);
        match self.line {
            Some(l) => format!("{}:{l}: {message}", self.file),
            None => format!("{}: {message}", self.file),
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
            let Text { en, zh } = o.failure_text();
            run.failures.push(Failure {
                file: pb.source.file.clone(),
                line: Some(t.line),
                message: en,
                zh,
                why: o.why,
            });
        }
    }
    for scen in &pb.scenarios {
        let r = super::explore::explore(pb, scen);
        if r.endings_unreached.is_empty() && r.paths > 0 {
            run.passed += 1;
        } else {
            let what = if r.paths == 0 {
                msg::any_ending()
            } else {
                msg::endings(r.endings_unreached.join(", "))
            };
            let Text { en, zh } = msg::no_path(&pb.id, &scen.id, what);
            run.failures.push(Failure {
                file: pb.source.file.clone(),
                line: None,
                message: en,
                zh,
                why: Vec::new(),
            });
        }
        run.paths.push(r);
    }
    run
}
