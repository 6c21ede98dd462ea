//! The review queue: which practice attempts need a manager, and why. This module takes rows
//! (one [`Fact`] per recent completed attempt, as the store reads them on either backend) and
//! the playbooks' rules, and returns decisions: the attempts waiting, each with its reasons,
//! in the order a manager works them. It reads no database and draws nothing.
//!
//! An attempt waits when
//!
//! - a **conduct gate** capped one of its replies;
//! - a **script failed** while scoring one of its replies;
//! - the verifier **flagged** it (its stored score is not what its replies give, or it could
//!   not be re-scored);
//! - its scenario **requires sign-off** (`sign_off: true`);
//! - the scorer was **unsure**: the total is within [`NEAR_PASS_MARK`] points of the pass mark,
//!   or its criteria disagree (one at [`CRITERION_LOW`] or below, another at
//!   [`CRITERION_HIGH`] or above) while the total is within [`HINGES`] points of the mark, so
//!   the verdict hinges on which of them is right;
//! - the trainee **asked** for a review (with a question).
//!
//! A review takes it out: any review for the scorer's reasons, one made after the question
//! for a trainee's question, a sign-off for a scenario that requires one. Gates come first,
//! then the oldest wait.

use serde::Serialize;

use crate::msg::{self, Text};
use crate::playbook::Library;

/// A total this close to the pass mark (either side) is one the scorer may have got wrong.
pub const NEAR_PASS_MARK: f64 = 3.0;
/// Criteria disagree about an attempt when one is at or below this…
pub const CRITERION_LOW: f64 = 10.0;
/// …and another at or above this,
pub const CRITERION_HIGH: f64 = 90.0;
/// …and the total is this close to the pass mark.
pub const HINGES: f64 = 15.0;

/// A completed practice attempt as the queue reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    pub attempt: String,
    pub trainee_id: String,
    pub trainee: String,
    pub team: Option<String>,
    pub playbook: String,
    pub scenario: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// After reviews, as everything counts it.
    pub total: Option<f64>,
    pub passed: Option<bool>,
    /// The pass mark its verdict was judged by, when it was kept.
    pub pass_mark: Option<u8>,
    /// A conduct gate capped one of its replies.
    pub gated: bool,
    /// Replies whose scoring script failed.
    pub script_errors: u32,
    /// The verifier's verdict for an attempt brought in from elsewhere.
    pub verification: Option<String>,
    /// The lowest and the highest criterion points (after overrides).
    pub criteria_low: Option<f64>,
    pub criteria_high: Option<f64>,
    /// The latest review of it, when there is one.
    pub last_review: Option<String>,
    /// A manager signed it off.
    pub signed_off: bool,
    /// The trainee's latest question, and when it was asked.
    pub question: Option<String>,
    pub asked_at: Option<String>,
}

/// Why an attempt waits.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    Gate,
    ScriptFailed { replies: u32 },
    Flagged { verification: String },
    SignOff,
    NearPassMark { total: f64, pass_mark: u8 },
    CriteriaDisagree { low: f64, high: f64 },
    Asked { question: String, at: String },
}

/// The reasons as a filter names them.
pub const REASON_KEYS: &[&str] = &["gate", "script", "flagged", "sign_off", "unsure", "asked"];

impl Reason {
    /// The reason's key, as `--reason` and the JSON name it (both unsure reasons: `unsure`).
    pub fn key(&self) -> &'static str {
        match self {
            Reason::Gate => "gate",
            Reason::ScriptFailed { .. } => "script",
            Reason::Flagged { .. } => "flagged",
            Reason::SignOff => "sign_off",
            Reason::NearPassMark { .. } | Reason::CriteriaDisagree { .. } => "unsure",
            Reason::Asked { .. } => "asked",
        }
    }

    /// The reason as people read it.
    pub fn describe(&self) -> Text {
        match self {
            Reason::Gate => msg::queue_gate(),
            Reason::ScriptFailed { replies } => msg::queue_script(replies),
            Reason::Flagged { verification } if verification == "mismatch" => msg::queue_mismatch(),
            Reason::Flagged { .. } => msg::queue_unverifiable(),
            Reason::SignOff => msg::queue_sign_off(),
            Reason::NearPassMark { total, pass_mark } => {
                msg::queue_near(format!("{total:.0}"), pass_mark)
            }
            Reason::CriteriaDisagree { low, high } => {
                msg::queue_apart(format!("{low:.0}"), format!("{high:.0}"))
            }
            Reason::Asked { question, .. } => msg::queue_asked(question),
        }
    }
}

/// An attempt in the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    #[serde(flatten)]
    pub fact: Fact,
    pub reasons: Vec<Reason>,
    /// Since when it waits: the trainee's question, else the attempt's end.
    pub waiting_since: String,
}

impl Item {
    pub fn gated(&self) -> bool {
        self.reasons.contains(&Reason::Gate)
    }
}

/// What the playbooks say about the queue: the scenarios that require sign-off, and each
/// playbook's pass mark (for attempts that did not keep theirs).
#[derive(Debug, Clone, Default)]
pub struct Rules {
    sign_off: std::collections::BTreeSet<(String, String)>,
    pass_marks: std::collections::BTreeMap<String, u8>,
}

impl Rules {
    pub fn of(lib: &Library) -> Rules {
        let mut r = Rules::default();
        for p in &lib.playbooks {
            r.pass_marks.insert(p.id.clone(), p.rubric.pass_mark);
            for s in p.scenarios.iter().filter(|s| s.sign_off) {
                r.sign_off.insert((p.id.clone(), s.id.clone()));
            }
        }
        r
    }
}

/// Which part of the queue to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// A team's name.
    pub team: Option<String>,
    /// One of [`REASON_KEYS`].
    pub reason: Option<String>,
}

/// The open reasons of one attempt.
pub fn reasons(f: &Fact, rules: &Rules) -> Vec<Reason> {
    let mut out = Vec::new();
    let reviewed = f.last_review.is_some();
    if !reviewed {
        if f.gated {
            out.push(Reason::Gate);
        }
        if f.script_errors > 0 {
            out.push(Reason::ScriptFailed {
                replies: f.script_errors,
            });
        }
        if let Some(v) = f
            .verification
            .as_deref()
            .filter(|v| matches!(*v, "mismatch" | "unverifiable"))
        {
            out.push(Reason::Flagged {
                verification: v.to_owned(),
            });
        }
        let mark = f
            .pass_mark
            .or_else(|| rules.pass_marks.get(&f.playbook).copied());
        if let (Some(total), Some(pass_mark)) = (f.total, mark)
            && (total - f64::from(pass_mark)).abs() <= NEAR_PASS_MARK
            && !f.gated
        {
            out.push(Reason::NearPassMark { total, pass_mark });
        }
        if let (Some(low), Some(high), Some(total), Some(mark)) =
            (f.criteria_low, f.criteria_high, f.total, mark)
            && low <= CRITERION_LOW
            && high >= CRITERION_HIGH
            && (total - f64::from(mark)).abs() <= HINGES
            && !f.gated
        {
            out.push(Reason::CriteriaDisagree { low, high });
        }
    }
    if !f.signed_off
        && rules
            .sign_off
            .contains(&(f.playbook.clone(), f.scenario.clone()))
    {
        out.push(Reason::SignOff);
    }
    if let (Some(q), Some(at)) = (&f.question, &f.asked_at)
        && f.last_review.as_ref().is_none_or(|r| r < at)
    {
        out.push(Reason::Asked {
            question: q.clone(),
            at: at.clone(),
        });
    }
    out
}

/// The attempts waiting, gates first, then the oldest wait first.
pub fn queue(facts: Vec<Fact>, rules: &Rules, filter: &Filter) -> Vec<Item> {
    let mut out: Vec<Item> = facts
        .into_iter()
        .filter(|f| filter.team.is_none() || f.team == filter.team)
        .filter_map(|fact| {
            let reasons = reasons(&fact, rules);
            if reasons.is_empty()
                || filter
                    .reason
                    .as_deref()
                    .is_some_and(|k| !reasons.iter().any(|r| r.key() == k))
            {
                return None;
            }
            let waiting_since = reasons
                .iter()
                .find_map(|r| match r {
                    Reason::Asked { at, .. } => Some(at.clone()),
                    _ => None,
                })
                .or_else(|| fact.ended_at.clone())
                .unwrap_or_else(|| fact.started_at.clone());
            Some(Item {
                fact,
                reasons,
                waiting_since,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.gated()
            .cmp(&a.gated())
            .then_with(|| a.waiting_since.cmp(&b.waiting_since))
            .then_with(|| a.fact.attempt.cmp(&b.fact.attempt))
    });
    out
}

/// Why a review cannot be stored as asked, before anything is: a comment on a reply the
/// transcript does not have, a sign-off of an attempt that did not pass.
pub fn check_review(
    detail: &crate::store::report::AttemptDetail,
    reply: Option<i64>,
    sign_off: bool,
) -> Result<(), Text> {
    if let Some(seq) = reply
        && !detail.replies.iter().any(|r| r.seq == seq)
    {
        return Err(msg::review_no_reply(seq, detail.replies.len()));
    }
    if sign_off && detail.attempt.passed != Some(true) {
        return Err(msg::review_sign_off_unpassed());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(id: &str) -> Fact {
        Fact {
            attempt: id.into(),
            trainee_id: "t".into(),
            trainee: "T".into(),
            team: Some("A".into()),
            playbook: "p".into(),
            scenario: "s".into(),
            started_at: "2026-01-01T10:00:00Z".into(),
            ended_at: Some("2026-01-01T10:10:00Z".into()),
            total: Some(90.0),
            passed: Some(true),
            pass_mark: Some(60),
            gated: false,
            script_errors: 0,
            verification: None,
            criteria_low: Some(80.0),
            criteria_high: Some(95.0),
            last_review: None,
            signed_off: false,
            question: None,
            asked_at: None,
        }
    }

    #[test]
    fn each_reason_puts_an_attempt_in_and_a_review_takes_it_out() {
        let rules = Rules::default();
        assert!(reasons(&fact("a"), &rules).is_empty());
        let cases: Vec<(Fact, &str)> = vec![
            (
                Fact {
                    gated: true,
                    total: Some(30.0),
                    ..fact("g")
                },
                "gate",
            ),
            (
                Fact {
                    script_errors: 2,
                    ..fact("s")
                },
                "script",
            ),
            (
                Fact {
                    verification: Some("mismatch".into()),
                    ..fact("f")
                },
                "flagged",
            ),
            (
                Fact {
                    total: Some(62.0),
                    ..fact("n")
                },
                "unsure",
            ),
            (
                Fact {
                    criteria_low: Some(10.0),
                    total: Some(70.0),
                    ..fact("d")
                },
                "unsure",
            ),
            (
                Fact {
                    question: Some("为什么扣分？".into()),
                    asked_at: Some("2026-01-02T09:00:00Z".into()),
                    ..fact("q")
                },
                "asked",
            ),
        ];
        for (f, key) in cases {
            let r = reasons(&f, &rules);
            assert_eq!(
                r.iter().map(Reason::key).collect::<Vec<_>>(),
                [key],
                "{}",
                f.attempt
            );
            let reviewed = Fact {
                last_review: Some("2026-01-03T00:00:00Z".into()),
                ..f
            };
            assert!(
                reasons(&reviewed, &rules).is_empty(),
                "{}",
                reviewed.attempt
            );
        }
    }

    #[test]
    fn a_question_asked_after_a_review_waits_again_and_sign_off_needs_a_sign_off() {
        let rules = Rules {
            sign_off: [("p".to_owned(), "s".to_owned())].into(),
            ..Rules::default()
        };
        let asked_after = Fact {
            question: Some("why?".into()),
            asked_at: Some("2026-01-05T00:00:00Z".into()),
            last_review: Some("2026-01-03T00:00:00Z".into()),
            signed_off: true,
            ..fact("q")
        };
        assert_eq!(
            reasons(&asked_after, &rules)
                .iter()
                .map(Reason::key)
                .collect::<Vec<_>>(),
            ["asked"]
        );
        // A comment alone does not sign off.
        let commented = Fact {
            last_review: Some("2026-01-03T00:00:00Z".into()),
            ..fact("c")
        };
        assert_eq!(reasons(&commented, &rules), [Reason::SignOff]);
        let signed = Fact {
            signed_off: true,
            ..commented
        };
        assert!(reasons(&signed, &rules).is_empty());
    }

    #[test]
    fn gates_come_first_then_the_oldest() {
        let older = Fact {
            total: Some(62.0),
            ended_at: Some("2026-01-01T00:00:00Z".into()),
            ..fact("old")
        };
        let newer = Fact {
            total: Some(62.0),
            ended_at: Some("2026-01-04T00:00:00Z".into()),
            team: Some("B".into()),
            ..fact("new")
        };
        let gate = Fact {
            gated: true,
            ended_at: Some("2026-01-09T00:00:00Z".into()),
            ..fact("gate")
        };
        let q = queue(
            vec![newer.clone(), older.clone(), gate.clone()],
            &Rules::default(),
            &Filter::default(),
        );
        let ids: Vec<&str> = q.iter().map(|i| i.fact.attempt.as_str()).collect();
        assert_eq!(ids, ["gate", "old", "new"]);
        let team_b = queue(
            vec![newer, older, gate],
            &Rules::default(),
            &Filter {
                team: Some("B".into()),
                reason: Some("unsure".into()),
            },
        );
        assert_eq!(team_b.len(), 1);
        assert_eq!(team_b[0].fact.attempt, "new");
    }
}
