//! Scoring one answer with the playbook's declarative rubric rules.
//!
//! Every point is traceable: the result lists, per criterion, the base and each rule (or the
//! chosen option) that produced points, with the feedback that explains it. Scoring is a pure
//! function of the playbook, the turn and the answer: no clock, no randomness.

use serde::Serialize;

use super::reading::{self, Reading, Shape};
use crate::playbook::model::{
    Concept, Criterion, Next, Playbook, Premature, Reply, Rule, Target, Text, Turn,
};
use crate::text;

/// Longest reply scored; longer ones are refused with a clear message (nothing is cut).
pub const MAX_REPLY_CHARS: usize = 10_000;

/// What the trainee answered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Text(String),
    Choice(String),
}

/// Why an answer could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the reply is empty")]
    Empty,
    #[error("the reply has {0} characters; the limit is {MAX_REPLY_CHARS}")]
    TooLong(usize),
    #[error("this turn asks for a free-text reply, not an option")]
    WantsText,
    #[error("this turn asks you to pick an option")]
    WantsChoice,
    #[error("unknown option '{0}'")]
    UnknownOption(String),
}

impl crate::msg::Localized for AnswerError {
    fn zh(&self) -> String {
        match self {
            AnswerError::Empty => "回答是空的".to_owned(),
            AnswerError::TooLong(n) => format!("回答有 {n} 个字，上限是 {MAX_REPLY_CHARS} 个"),
            AnswerError::WantsText => "这一轮要用文字回答，不是选择选项".to_owned(),
            AnswerError::WantsChoice => "这一轮请选择一个选项".to_owned(),
            AnswerError::UnknownOption(id) => format!("未知的选项“{id}”"),
        }
    }
}

/// Where a criterion's points came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The criterion's starting points.
    Base,
    /// A declarative rule of the rubric.
    Rule { rule: String },
    /// The option the trainee chose.
    Option { option: String },
    /// A scoring script (`file` is the script's path) adding its points.
    Script { file: String },
    /// A scoring script setting the criterion's points outright (`points` is the value, not
    /// a change); the criterion's rules are retracted, with their feedback, hints and marks.
    ScriptSet { file: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceEntry {
    pub source: Source,
    pub points: i32,
    /// What in the reply made a rule match: `concept: word, word` for each concept it
    /// expressed, then the rule's own phrases found.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionScore {
    pub criterion: String,
    pub weight: f64,
    /// 0–100 after clamping the sum of the trace, read on the rubric's scale.
    pub points: f64,
    pub trace: Vec<TraceEntry>,
    /// The points before the rubric's scale read them, when it changed them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unscaled: Option<f64>,
}

impl CriterionScore {
    /// Whether the points were earned from nothing (no base to start from, no script's
    /// `set`): those the rubric's scale reads.
    pub fn earned_from_nothing(&self) -> bool {
        !self
            .trace
            .iter()
            .any(|t| matches!(t.source, Source::ScriptSet { .. } | Source::Base))
    }

    /// Sets the points from the trace, read on `pb`'s scale when `scale` (a reply's rules
    /// and scripts' additions are; an option's score and a script's `set` are given on the
    /// trainer's scale already). Only points earned from nothing are read on the scale: a
    /// criterion that starts full (conduct, the price's timing) keeps what its deductions
    /// leave.
    pub fn settle_points(&mut self, pb: &Playbook, scale: bool) {
        let raw = criterion_points(&self.trace);
        self.points = if scale && self.earned_from_nothing() {
            pb.rubric.scaled(raw)
        } else {
            raw
        };
        self.unscaled = ((self.points - raw).abs() > 1e-9).then_some(raw);
    }
}

/// A span of the reply that earned (`positive`) or lost points, in character offsets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Highlight {
    pub start: usize,
    pub end: usize,
    pub positive: bool,
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// Weighted mean of the criteria, 0–100.
    pub score: f64,
    pub criteria: Vec<CriterionScore>,
    /// Why points were given or taken, in trace order.
    pub feedback: Vec<Text>,
    /// What would have earned more.
    pub hints: Vec<Text>,
    pub highlights: Vec<Highlight>,
    /// Where the role-play goes next.
    pub next: Target,
    /// The conduct gate that capped the score, if one matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    /// Moves the reply made that do not fit the moment (they earned nothing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub premature: Vec<PrematureMove>,
    /// How the graded reading moved the rules' score (free-text replies; see
    /// [`reading`](super::reading)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reading: Option<Reading>,
    /// The reply's shape, kept for the reading (free-text replies scored now; not a stored one).
    #[serde(skip)]
    pub shape: Option<Shape>,
    /// What the reading reads, computed by [`Scored::settle`] (free-text replies).
    #[serde(skip)]
    pub features: Option<Vec<f64>>,
}

/// A move made at the wrong moment: which concepts made it, what it cost besides earning
/// nothing, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrematureMove {
    /// The concepts of the move the reply expressed (`price` for an amount of money).
    pub moves: Vec<String>,
    /// Taken off the score (≤ 0).
    pub points: i32,
    pub feedback: Text,
}

/// The built-in check a reply of bare keywords fails (it caps like a gate).
pub const KEYWORD_LIST: &str = "keyword-list";
/// What a trace shows for a concept expressed by echoing the customer's words.
pub const ECHO: &str = "(the customer's own words, said back)";
/// The rule name of the gate on a reply that says one thing over and over.
pub const REPETITION: &str = "repetition";
/// The rule name of the gate on question words with nothing behind them.
pub const HOLLOW_QUESTIONS: &str = "hollow-questions";

/// A conduct gate that matched: the reply's score is capped, and the attempt cannot pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gate {
    pub rule: String,
    pub criterion: String,
    /// The most the reply could score.
    pub cap: f64,
    /// The rule's feedback: why.
    pub feedback: Text,
}

impl Scored {
    /// A reply that says nothing to the customer (a keyword list, hollow questions): capped at
    /// half a conduct gate's cap, with `feedback` saying why, unless a gate already applies.
    fn nothing_said(&mut self, rule: &str, feedback: Text, pb: &Playbook) {
        if self.gate.is_some() {
            return;
        }
        self.feedback.push(feedback.clone());
        self.gate = Some(Gate {
            rule: rule.to_owned(),
            criterion: String::new(),
            cap: f64::from(pb.rubric.gate_cap) / 2.0,
            feedback,
        });
    }

    /// The score from the criteria (after any change to them): their weighted mean, less
    /// what premature moves cost, then scaled into 0–cap when a gate matched: whatever else
    /// the reply earned, it stays at or under the cap, and a gated reply that earned little
    /// elsewhere scores less than one that earned much.
    ///
    /// A free-text reply's score is then the graded reading of what the rules found (see
    /// [`reading`](super::reading)), still under a gate's cap.
    pub fn settle(&mut self) {
        self.settle_with(reading::bundled());
    }

    /// [`Scored::settle`] with `model` as the reading (none: the rules' score stands).
    pub fn settle_with(&mut self, model: Option<&reading::Model>) {
        let cost: i32 = self.premature.iter().map(|p| p.points).sum();
        self.score = (weighted_mean(&self.criteria) + f64::from(cost)).clamp(0.0, 100.0);
        if let Some(g) = &self.gate {
            self.score = self.score * g.cap / 100.0;
        }
        self.reading = None;
        let Some(read) = self.shape.as_ref().map(|s| s.read) else {
            return;
        };
        let model = model.filter(|_| read);
        // The wording and the turn's neighbours read the reply once per model, however often
        // it is settled (scoring settles it before and after the scripts), from its runs read
        // once.
        if let Some(shape) = self.shape.as_mut() {
            let wording = model.and_then(|m| m.wording.as_ref());
            let neighbours = model.and_then(|m| m.neighbours.as_ref());
            let by = wording.map(|w| (std::ptr::from_ref(w) as usize, w.intercept.to_bits()));
            let near_by = neighbours.map(|n| std::ptr::from_ref(n) as usize);
            let stale = (by.is_some() && shape.worded.as_ref().map(|c| c.by) != by)
                || (near_by.is_some() && shape.neighboured.map(|c| c.0) != near_by);
            if stale {
                let counts = super::wording::runs_of_text(&shape.text);
                if let (Some(w), Some(by)) = (wording, by) {
                    let (value, runs) = w.read_runs(&counts, 4);
                    shape.worded = Some(reading::Worded { by, value, runs });
                }
                if let (Some(n), Some(near_by)) = (neighbours, near_by) {
                    let read = n.read_runs(&shape.turn, &counts, |_| false);
                    shape.neighboured = Some((near_by, read));
                }
            }
        }
        let Some(shape) = &self.shape else {
            return;
        };
        let criteria: Vec<(f64, bool, usize, usize)> = self
            .criteria
            .iter()
            .map(|c| {
                let full = c.trace.iter().any(|t| matches!(t.source, Source::Base));
                let seen = c
                    .trace
                    .iter()
                    .filter(|t| {
                        t.points > 0
                            && matches!(t.source, Source::Rule { .. } | Source::Script { .. })
                    })
                    .count();
                let possible = shape
                    .moves
                    .iter()
                    .find(|(id, _)| *id == c.criterion)
                    .map_or(0, |(_, n)| *n);
                (c.points, full, seen, possible.max(seen))
            })
            .collect();
        let (wording, runs) = match (model.and_then(|m| m.wording.as_ref()), &shape.worded) {
            (Some(_), Some(c)) => (c.value, c.runs.clone()),
            _ => (0.0, Vec::new()),
        };
        // A turn with no graded reply alike reads as its wording does.
        let neighbours = match (model.and_then(|m| m.neighbours.as_ref()), shape.neighboured) {
            (Some(_), Some((_, Some(v)))) => v,
            _ => wording,
        };
        let x = reading::features(
            self.score,
            &criteria,
            self.gate.is_some(),
            f64::from(cost),
            shape,
            wording,
            neighbours,
        );
        if let Some(m) = model {
            let (y, contributions) = m.predict(&x);
            let rules = self.score;
            self.score = reading::bounded(y, &x, self.gate.as_ref().map(|g| g.cap));
            self.reading = Some(Reading {
                rules,
                typical: m.typical(),
                why: why(&contributions),
                runs,
                fitted_to: m.fitted_to,
            });
        }
        self.features = Some(x);
    }

    /// The score rounded to a whole number, as shown and as tests compare it.
    pub fn rounded(&self) -> u32 {
        self.score.round().clamp(0.0, 100.0) as u32
    }
}

/// What each kind of feature added to a reading, in whole points, largest first.
fn why(contributions: &[f64]) -> Vec<(String, f64)> {
    let mut by: Vec<(String, f64)> = Vec::new();
    for (name, v) in reading::FEATURES.iter().zip(contributions) {
        let (_, en) = reading::feature_words(name);
        match by.iter_mut().find(|(k, _)| k == en) {
            Some((_, total)) => *total += v,
            None => by.push((en.to_owned(), *v)),
        }
    }
    by.retain(|(_, v)| v.abs() >= 0.5);
    for (_, v) in &mut by {
        *v = v.round();
    }
    by.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    by
}

/// Checks the answer fits the turn.
pub fn check_answer(turn: &Turn, answer: &Answer) -> Result<(), AnswerError> {
    match (answer, &turn.reply) {
        (Answer::Text(t), Reply::FreeText) => {
            if t.trim().is_empty() {
                return Err(AnswerError::Empty);
            }
            let n = t.chars().count();
            if n > MAX_REPLY_CHARS {
                return Err(AnswerError::TooLong(n));
            }
            Ok(())
        }
        (Answer::Choice(id), Reply::Choice(opts)) => {
            if opts.iter().any(|o| &o.id == id) {
                Ok(())
            } else {
                Err(AnswerError::UnknownOption(id.clone()))
            }
        }
        (Answer::Text(_), Reply::Choice(_)) => Err(AnswerError::WantsChoice),
        (Answer::Choice(_), Reply::FreeText) => Err(AnswerError::WantsText),
    }
}

/// Scores an answer with the rubric rules (free text) or the option's score (choice).
pub fn score(pb: &Playbook, turn: &Turn, answer: &Answer) -> Result<Scored, AnswerError> {
    check_answer(turn, answer)?;
    let criteria: Vec<&Criterion> = turn
        .criteria
        .iter()
        .filter_map(|id| pb.criterion(id))
        .collect();
    let mut out = Scored {
        score: 0.0,
        criteria: Vec::new(),
        feedback: Vec::new(),
        hints: Vec::new(),
        highlights: Vec::new(),
        next: Target::End(None),
        gate: None,
        premature: Vec::new(),
        reading: None,
        shape: None,
        features: None,
    };
    let mut option_next = None;
    let mut keyword_list = false;
    let mut hollow_questions = false;
    let mut repetition = false;
    match answer {
        Answer::Choice(id) => {
            let Reply::Choice(opts) = &turn.reply else {
                return Err(AnswerError::WantsText);
            };
            let Some(opt) = opts.iter().find(|o| &o.id == id) else {
                return Err(AnswerError::UnknownOption(id.clone()));
            };
            option_next = opt.next.clone();
            out.feedback.push(opt.feedback.clone());
            for c in &criteria {
                out.criteria.push(CriterionScore {
                    unscaled: None,
                    criterion: c.id.clone(),
                    weight: c.weight,
                    points: f64::from(opt.score),
                    trace: vec![TraceEntry {
                        source: Source::Option {
                            option: opt.id.clone(),
                        },
                        points: i32::from(opt.score),
                        matched: Vec::new(),
                        feedback: None,
                    }],
                });
            }
        }
        Answer::Text(reply) => {
            let facts = Facts::of(reply, turn, pb);
            // The reply lower-cased, for the highlights of every rule that gives points.
            let lower = std::cell::OnceCell::new();
            keyword_list = facts.keyword_list;
            hollow_questions = facts.hollow_questions && !keyword_list;
            repetition = facts.repetition && !keyword_list && !hollow_questions;
            if facts.off_topic_question {
                out.feedback.push(zh_en(
                    "这个问题和客户刚说的、这一步要做的都没有关系，不算探询。",
                    "The question takes up nothing the customer said or this step is about, so it does not count as discovery.",
                ));
            }
            let wrong_now = premature_moves(pb, turn, &facts);
            // Which rules match, and whether any of them is a move of this turn that fits the
            // moment: without one, what a criterion starts with and what a rule gives for
            // form alone (length, no wrong word) are not earned.
            let matches: Vec<Vec<Match>> = criteria
                .iter()
                .map(|c| {
                    c.rules
                        .iter()
                        .map(|r| Match::of(r, &facts, &wrong_now))
                        .collect()
                })
                .collect();
            let mut shape = Shape::of(
                reply,
                criteria
                    .iter()
                    .map(|c| {
                        let moves = c
                            .rules
                            .iter()
                            .filter(|r| r.points > 0 && is_move(r))
                            .count();
                        (c.id.clone(), moves)
                    })
                    .collect(),
            );
            shape.read = pb.rubric.reading;
            shape.turn = super::neighbours::turn_key(&pb.id, turn);
            // Question marks count only on a question about the conversation: one about the
            // weather, or "？？？", asks nothing.
            if !facts.question {
                shape.questions = 0;
            }
            shape.echo = facts.echo;
            shape.open_question = facts.open_question;
            shape.topic = facts.on_topic && facts.opens_on_topic;
            shape.share = facts.share;
            shape.addresses = facts.addresses;
            out.shape = Some(shape);
            // A rule on what the reply says that matched (even one that takes points: a
            // price quoted too early is about the turn) shows it engaged with the turn.
            let moved = facts.on_topic
                || criteria.iter().zip(&matches).any(|(c, ms)| {
                    c.rules
                        .iter()
                        .zip(ms)
                        .any(|(r, m)| matches!(m, Match::Yes) && is_move(r))
                });
            if !moved && criteria.iter().any(|c| c.base > 0) {
                out.feedback.push(no_move_feedback());
            }
            for (c, ms) in criteria.iter().zip(&matches) {
                let mut trace = Vec::new();
                // A hint says what would have earned points; once the reply made one of this
                // criterion's moves, hints for its other moves would contradict the feedback
                // ("You took responsibility", then "Hint: own the problem first").
                let criterion_moved = c
                    .rules
                    .iter()
                    .zip(ms)
                    .any(|(r, m)| r.points > 0 && matches!(m, Match::Yes));
                if c.base != 0 {
                    let earned = moved || c.base < 0;
                    trace.push(TraceEntry {
                        source: Source::Base,
                        points: if earned { c.base } else { 0 },
                        matched: Vec::new(),
                        feedback: (!earned).then(no_move_feedback),
                    });
                }
                for (r, m) in c.rules.iter().zip(ms) {
                    match m {
                        Match::No => {
                            if r.points > 0
                                && !criterion_moved
                                && let Some(h) = &r.hint
                            {
                                out.hints.push(h.clone());
                            }
                            continue;
                        }
                        Match::Premature(p) => {
                            trace.push(TraceEntry {
                                source: Source::Rule { rule: r.id.clone() },
                                points: 0,
                                matched: Vec::new(),
                                feedback: Some(p.feedback.clone()),
                            });
                            continue;
                        }
                        Match::Yes => {}
                    }
                    // Form alone earns nothing from a reply that makes no move.
                    let points = if moved || r.points < 0 || is_move(r) {
                        r.points
                    } else {
                        0
                    };
                    let cap = f64::from(r.cap.unwrap_or(pb.rubric.gate_cap));
                    // Of several gates, the strictest caps the reply.
                    if r.gate && out.gate.as_ref().is_none_or(|g| cap < g.cap) {
                        out.gate = Some(Gate {
                            rule: r.id.clone(),
                            criterion: c.id.clone(),
                            cap,
                            feedback: r.feedback.clone(),
                        });
                    }
                    // The concepts' words are looked up once, for the trace and the
                    // highlights alike.
                    let expressed: Vec<(&str, Vec<String>)> = r
                        .concepts
                        .iter()
                        .map(|k| {
                            let mut words = k.found(&facts.norm);
                            if words.is_empty() && k.echo && facts.echo {
                                words.push(ECHO.to_owned());
                            }
                            (k.id.as_str(), words)
                        })
                        .filter(|(_, words)| !words.is_empty())
                        .collect();
                    trace.push(TraceEntry {
                        source: Source::Rule { rule: r.id.clone() },
                        points,
                        matched: matched(r, &expressed, &facts),
                        feedback: Some(r.feedback.clone()),
                    });
                    if points != 0 {
                        out.feedback.push(r.feedback.clone());
                        let lower = lower.get_or_init(|| Lowered::of(reply));
                        out.highlights
                            .extend(highlights(r, reply, lower, &expressed));
                    }
                }
                let mut scored = CriterionScore {
                    criterion: c.id.clone(),
                    weight: c.weight,
                    points: 0.0,
                    trace,
                    unscaled: None,
                };
                scored.settle_points(pb, true);
                out.criteria.push(scored);
            }
            for p in wrong_now {
                out.feedback.push(p.feedback.clone());
                out.premature.push(PrematureMove {
                    moves: p.made_by(|k| facts.has(k), facts.quote),
                    points: p.points,
                    feedback: p.feedback.clone(),
                });
            }
        }
    }
    // A reply that reads as a list of keywords is not something said to a customer, whatever
    // phrases it holds: capped like a conduct gate (unless a gate already applies).
    if keyword_list {
        out.nothing_said(
            KEYWORD_LIST,
            zh_en(
                "读起来像一串关键词，而不是对客户说的话：用完整的句子回应客户。",
                "Reads as a list of keywords, not something said to a customer: answer in whole sentences.",
            ),
            pb,
        );
    }
    // Question words with nothing behind them ask nothing: capped the same way.
    // Saying one thing over and over earns it no more than saying it once: capped the same way.
    if repetition {
        out.nothing_said(
            REPETITION,
            zh_en(
                "同一个词翻来覆去地说，不是在回应客户：说一次，说具体。",
                "The same words over and over are not an answer to the customer: say it once, and say it concretely.",
            ),
            pb,
        );
    }
    if hollow_questions {
        out.nothing_said(
            HOLLOW_QUESTIONS,
            zh_en(
                "只有问句的壳，没有问到具体的事：围绕客户刚说的内容，问一个具体的问题。",
                "Question words with nothing behind them: ask one real question about what the customer just said.",
            ),
            pb,
        );
    }
    out.settle();
    out.next = option_next.unwrap_or_else(|| next_by_score(&turn.next, out.score));
    Ok(out)
}

/// Why a reply scored what it did, one line per criterion: its points, every entry of its trace
/// (`rule restate [restating: 您说的] +40`) and the moves it rewards the reply did not make
/// (`not seen: link-need, benefit`); then the gate that capped it and the premature moves it
/// made. What `salesdojo calibrate` shows per disagreement and `salesdojo test` per failure.
pub fn explain(pb: &Playbook, s: &Scored) -> Vec<String> {
    explain_in(pb, s, crate::msg::Lang::En)
}

/// [`explain`] in `lang`: the words around the ids (rule, base, not seen, capped at) and the
/// feedback quoted are in that language; the ids stay as the trainer wrote them.
pub fn explain_in(pb: &Playbook, s: &Scored, lang: crate::msg::Lang) -> Vec<String> {
    let t = |zh: &'static str, en: &'static str| lang.t(zh, en);
    let mut lines: Vec<String> = s
        .criteria
        .iter()
        .map(|c| {
            let parts: Vec<String> = c
                .trace
                .iter()
                .map(|e| {
                    let src = match &e.source {
                        Source::Base => t("起始分", "base").to_owned(),
                        Source::Rule { rule } if !e.matched.is_empty() => {
                            format!("{} {rule} [{}]", t("规则", "rule"), e.matched.join("; "))
                        }
                        Source::Rule { rule } => format!("{} {rule}", t("规则", "rule")),
                        Source::Option { option } => format!("{} {option}", t("选项", "option")),
                        Source::Script { file } => format!("{} {file}", t("脚本", "script")),
                        Source::ScriptSet { file } => {
                            return format!(
                                "{} {file} {} {}",
                                t("脚本", "script"),
                                t("设为", "set to"),
                                e.points
                            );
                        }
                    };
                    format!("{src} {:+}", e.points)
                })
                .collect();
            // The moves this criterion rewards that the reply did not make: what a trainer
            // looks at first when the score is too low.
            let fired: Vec<&str> = c
                .trace
                .iter()
                .filter_map(|t| match &t.source {
                    Source::Rule { rule } => Some(rule.as_str()),
                    _ => None,
                })
                .collect();
            let missed: Vec<&str> = pb
                .criterion(&c.criterion)
                .map(|cr| {
                    cr.rules
                        .iter()
                        .filter(|r| r.points > 0 && !fired.contains(&r.id.as_str()))
                        .map(|r| r.id.as_str())
                        .collect()
                })
                .unwrap_or_default();
            let mut line = format!("{} {:.0} ({})", c.criterion, c.points, parts.join(", "));
            if let Some(raw) = c.unscaled {
                line.push_str(&format!(
                    " {} {raw:.0} → {:.0}",
                    t("尺度", "scale"),
                    c.points
                ));
            }
            if !missed.is_empty() {
                line.push_str(&format!(
                    " {}: {}",
                    t("未见", "not seen"),
                    missed.join(", ")
                ));
            }
            line
        })
        .collect();
    let loc = lang.code();
    if let Some(g) = &s.gate {
        lines.push(match lang {
            crate::msg::Lang::Zh => {
                format!("被 {} 封顶为 {:.0}：{}", g.rule, g.cap, g.feedback.get(loc))
            }
            crate::msg::Lang::En => format!(
                "capped at {:.0} by {}: {}",
                g.cap,
                g.rule,
                g.feedback.get(loc)
            ),
        });
    }
    for p in &s.premature {
        lines.push(format!(
            "{} {} {:+}: {}",
            t("时机不对", "premature"),
            p.moves.join(", "),
            p.points,
            p.feedback.get(loc)
        ));
    }
    lines.extend(reading_line(s, lang));
    lines
}

/// How the graded reading moved the rules' score, in `lang`: `reading 90 → 87: a typical reply
/// 56, the rules' score +30, …` (`None` when the playbook does not read).
pub fn reading_line(s: &Scored, lang: crate::msg::Lang) -> Option<String> {
    let t = |zh: &'static str, en: &'static str| lang.t(zh, en);
    let r = s.reading.as_ref()?;
    let moved: Vec<String> = r
        .why
        .iter()
        .map(|(en, v)| {
            let name = reading::FEATURES
                .iter()
                .map(|f| reading::feature_words(f))
                .find(|(_, e)| e == en)
                .map_or(en.as_str(), |(zh, e)| lang.t(zh, e));
            // The wording says which of the reply's runs weighed most, and which way.
            let runs: Vec<String> = if en == reading::feature_words("wording").1 {
                r.runs
                    .iter()
                    .filter(|(run, _)| {
                        // A letter alone or a space says nothing to a trainer.
                        let run = run.trim();
                        run.chars().count() > 1 || !run.is_ascii()
                    })
                    .map(|(run, p)| {
                        format!("«{}» {}", run.trim(), if *p > 0.0 { '+' } else { '-' })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            if runs.is_empty() {
                format!("{name} {v:+.0}")
            } else {
                format!("{name} {v:+.0} [{}]", runs.join(" "))
            }
        })
        .collect();
    Some(format!(
        "{} {:.0} → {:.0}: {} {:.0}{}{} ({} {} {})",
        t("评分解读", "reading"),
        r.rules,
        s.score,
        t("典型回答", "a typical reply"),
        r.typical,
        if moved.is_empty() { "" } else { ", " },
        moved.join(", "),
        t("拟合自", "fitted to"),
        r.fitted_to,
        t("条培训师评分的回答", "trainer-graded replies"),
    ))
}

/// When several rules (or a rule and a script) add points to a criterion, their sum counts in
/// full up to this; past it, more points add with diminishing returns, so a criterion nears
/// 100 only when a reply does nearly all the rubric rewards (two rules of 60 and 40 give 88,
/// not a perfect score). One rule alone gives exactly its points: `points: 100` means 100.
pub const FULL_UP_TO: f64 = 80.0;
/// How fast the points past [`FULL_UP_TO`] close in on 100.
const PAST_FULL_SCALE: f64 = 40.0;

/// A criterion's points from the sum of its trace. A criterion with a base (conduct: 100,
/// minus what went wrong), a chosen option and a single rule keep the plain sum; points that
/// several entries earn from zero saturate past [`FULL_UP_TO`].
pub fn criterion_points(trace: &[TraceEntry]) -> f64 {
    let sum = trace.iter().map(|t| t.points).sum::<i32>();
    let gainers = trace.iter().filter(|t| t.points > 0).count();
    let from_zero = !trace.iter().any(|t| {
        matches!(
            t.source,
            Source::Base | Source::Option { .. } | Source::ScriptSet { .. }
        )
    });
    combined(sum, from_zero, gainers)
}

/// A criterion's points from the sum of its entries: plain (clamped to 0–100), unless
/// several entries (`gainers`) earned them from zero, which saturates past [`FULL_UP_TO`].
pub fn combined(sum: i32, from_zero: bool, gainers: usize) -> f64 {
    if from_zero && gainers > 1 {
        saturate(f64::from(sum))
    } else {
        f64::from(sum.clamp(0, 100))
    }
}

/// Points earned from zero, saturating past [`FULL_UP_TO`] (0–100).
pub fn saturate(sum: f64) -> f64 {
    if sum <= FULL_UP_TO {
        sum.max(0.0)
    } else {
        FULL_UP_TO + (100.0 - FULL_UP_TO) * (1.0 - (-(sum - FULL_UP_TO) / PAST_FULL_SCALE).exp())
    }
}

/// The engine's own feedback, in both languages.
fn zh_en(zh: &str, en: &str) -> Text {
    Text(
        [
            ("zh-CN".to_owned(), zh.to_owned()),
            ("en".to_owned(), en.to_owned()),
        ]
        .into(),
    )
}

/// Weighted mean of criterion points; 0 when there are none.
pub fn weighted_mean(criteria: &[CriterionScore]) -> f64 {
    let w: f64 = criteria.iter().map(|c| c.weight).sum();
    if w <= 0.0 {
        return 0.0;
    }
    criteria.iter().map(|c| c.points * c.weight).sum::<f64>() / w
}

/// The target a turn's `next` gives for a score (a script's choice is made elsewhere; here
/// its default is taken).
pub fn next_by_score(next: &Next, score: f64) -> Target {
    match next {
        Next::Fixed(t) => t.clone(),
        Next::ByScore { branches, default } => branches
            .iter()
            .find(|(min, _)| score.round() >= f64::from(*min))
            .map_or_else(|| default.clone(), |(_, t)| t.clone()),
        Next::Script { default, .. } => default.clone(),
    }
}

/// Facts about a reply computed once and shared by all rules.
struct Facts {
    /// The reply normalized once for every phrase list.
    norm: text::Normalized,
    chars: usize,
    question: bool,
    open_question: bool,
    /// A question that takes up nothing of the turn's topic (it counts as no question).
    off_topic_question: bool,
    price: bool,
    quote: bool,
    keyword_list: bool,
    /// Question words with nothing behind them.
    hollow_questions: bool,
    /// One thing said over and over (see [`text::reads_as_repetition_in`]).
    repetition: bool,
    /// The reply's first sentence says back the customer's words (see [`text::echoes`]).
    echo: bool,
    /// Its first sentence shares a content word with the turn's topic ([`text::on_topic_in`]).
    opens_on_topic: bool,
    /// How much of it stays on the conversation's subject ([`text::share_on`]).
    share: f64,
    /// How often it speaks to the customer, up to three ([`text::addresses_in`]).
    addresses: usize,
    /// Whether the reply expresses each concept looked up so far, by address: a rule, a
    /// premature move and the trace ask about the same concepts, and a long reply is scanned
    /// once per concept, not once per question.
    expressed: std::cell::RefCell<std::collections::HashMap<usize, bool>>,
    /// The reply is about the turn as far as the engine can tell: it has words, and it is not
    /// a question about something else (see `off_topic_question`).
    on_topic: bool,
}

/// Whether `t` uses a word of any concept or phrase list of the playbook's rules.
fn speaks_the_playbook(pb: &Playbook, t: &text::Normalized) -> bool {
    pb.rubric.criteria.iter().flat_map(|c| &c.rules).any(|r| {
        r.concepts.iter().any(|k| k.in_text(t)) || r.sets.any.any_in(t) || r.sets.all.any_in(t)
    })
}

impl Facts {
    fn of(reply: &str, turn: &Turn, pb: &Playbook) -> Self {
        let (topic, customer) = (&turn.topic, &turn.customer);
        let norm = text::Normalized::new(reply);
        // Punctuation and emoji alone ask nothing ("？？？").
        let words = reply.chars().any(char::is_alphanumeric);
        let question = words && text::is_question_in(&norm);
        // A question counts as one (open or not) only when it is about the conversation: it
        // takes up the turn's topic, or speaks the playbook's language (a word of any of its
        // rules' concepts or phrases).
        let off_topic_question =
            question && !text::takes_up(&norm, topic) && !speaks_the_playbook(pb, &norm);
        let opening = text::opening_units(&norm);
        let quote = text::quotes_price_in(&norm);
        Self {
            chars: text::char_count(reply),
            question: question && !off_topic_question,
            open_question: words && !off_topic_question && text::is_open_question_in(&norm),
            off_topic_question,
            price: quote || text::speaks_of_price_in(&norm),
            quote,
            keyword_list: text::reads_as_keyword_list_in(&norm),
            hollow_questions: text::reads_as_hollow_questions_in(&norm),
            repetition: text::reads_as_repetition_in(&norm),
            echo: customer
                .all()
                .any(|line| text::echoes_in(&opening, text::Normalized::new(line).as_str())),
            opens_on_topic: text::on_topic_in(&opening, topic),
            share: text::share_on(&norm, &turn.scene).unwrap_or(0.0),
            addresses: text::addresses_in(&norm),
            on_topic: words && !off_topic_question,
            expressed: std::cell::RefCell::default(),
            norm,
        }
    }
}

/// How a rule stands against a reply.
enum Match<'p> {
    No,
    Yes,
    /// It matches only through a move that does not fit the moment: it earns nothing.
    Premature(&'p Premature),
}

impl<'p> Match<'p> {
    fn of(r: &Rule, f: &Facts, wrong_now: &[&'p Premature]) -> Self {
        if !rule_matches(r, f) {
            return Match::No;
        }
        if r.points <= 0 {
            return Match::Yes;
        }
        // The rule's concepts the reply expresses, all of them moves wrong at this moment.
        let expressed: Vec<&str> = r
            .concepts
            .iter()
            .filter(|k| expresses(k, f))
            .map(|k| k.id.as_str())
            .collect();
        let by_price = r.quotes_price == Some(true) || r.mentions_price == Some(true);
        // A rule on asking alone ("an open question") is satisfied by a premature move when
        // every question the reply asks makes it ("您看什么时候能签？" at the needs stage).
        let by_question = r.concepts.is_empty()
            && r.any.is_empty()
            && r.all.is_empty()
            && r.regex.is_none()
            && (r.question == Some(true) || r.open_question == Some(true));
        wrong_now
            .iter()
            .find(|p| {
                let concepts = !expressed.is_empty()
                    && expressed
                        .iter()
                        .all(|id| p.concepts.iter().any(|k| k.id == *id));
                concepts
                    || (by_price && p.quotes_price && r.concepts.is_empty())
                    || (by_question && asks_only(f, p))
            })
            .map_or(Match::Yes, |p| Match::Premature(p))
    }
}

/// Whether every question of the reply makes the premature move `p`.
fn asks_only(f: &Facts, p: &Premature) -> bool {
    let text = f.norm.as_str();
    let mut questions = text
        .split_inclusive(['？', '?', '。', '！', '!', '.'])
        .filter(|s| s.ends_with(['？', '?']))
        .peekable();
    questions.peek().is_some()
        && questions.all(|q| {
            let q = text::Normalized::new(q);
            p.concepts.iter().any(|k| k.in_text(&q))
        })
}

/// The premature moves of the turn (its own, then its stage's) the reply makes.
fn premature_moves<'p>(pb: &'p Playbook, turn: &'p Turn, f: &Facts) -> Vec<&'p Premature> {
    let stage = pb.stage(&turn.stage).map(|s| s.premature.as_slice());
    turn.premature
        .iter()
        .chain(stage.unwrap_or_default())
        .filter(|p| !p.made_by(|k| f.has(k), f.quote).is_empty())
        .collect()
}

/// Whether a rule rewards something the reply does (a concept, a phrase, a question, a
/// price), as opposed to its form alone (a length, a word it avoids).
fn is_move(r: &Rule) -> bool {
    !r.concepts.is_empty()
        || !r.rejects.is_empty()
        || !r.any.is_empty()
        || !r.all.is_empty()
        || r.regex.is_some()
        || r.question == Some(true)
        || r.open_question == Some(true)
        || r.mentions_price == Some(true)
        || r.quotes_price == Some(true)
}

fn no_move_feedback() -> Text {
    zh_en(
        "这句回答没有做这一步该做的任何动作，所以也不从“起始满分”的评分项里得分。",
        "The reply makes none of this step's moves, so criteria that start full give it nothing either.",
    )
}

/// Whether the reply expresses `k`: its words or patterns, or the customer's words echoed back
/// when the concept takes an echo.
fn expresses(k: &Concept, f: &Facts) -> bool {
    (k.echo && f.echo) || f.has(k)
}

impl Facts {
    /// Whether the reply expresses `k` by its words or patterns (looked up once per reply).
    fn has(&self, k: &Concept) -> bool {
        let key = std::ptr::from_ref(k) as usize;
        if let Some(&hit) = self.expressed.borrow().get(&key) {
            return hit;
        }
        let hit = k.expressed_in(&self.norm);
        self.expressed.borrow_mut().insert(key, hit);
        hit
    }
}

fn rule_matches(r: &Rule, f: &Facts) -> bool {
    (r.concepts.is_empty() || r.concepts.iter().any(|k| expresses(k, f)))
        && !r.no_concepts.iter().any(|k| f.has(k))
        && (r.rejects.is_empty() || r.rejects.iter().any(|k| !k.rejected(&f.norm).is_empty()))
        && (r.any.is_empty() || r.sets.any.any_in(&f.norm))
        && (r.all.is_empty() || r.sets.all.all_in(&f.norm))
        && (r.none.is_empty() || !r.sets.none.any_in(&f.norm))
        && r.regex
            .as_ref()
            .is_none_or(|re| re.is_match(f.norm.as_str()))
        && r.min_chars.is_none_or(|n| f.chars >= n as usize)
        && r.max_chars.is_none_or(|n| f.chars <= n as usize)
        && r.question.is_none_or(|q| q == f.question)
        && r.open_question.is_none_or(|q| q == f.open_question)
        && r.mentions_price.is_none_or(|p| p == f.price)
        && r.quotes_price.is_none_or(|p| p == f.quote)
}

/// What made a matching rule match, for its trace entry.
fn matched(r: &Rule, expressed: &[(&str, Vec<String>)], f: &Facts) -> Vec<String> {
    let mut out: Vec<String> = expressed
        .iter()
        .map(|(id, words)| format!("{id}: {}", words.join(", ")))
        .collect();
    out.extend(r.rejects.iter().filter_map(|k| {
        let words = k.rejected(&f.norm);
        (!words.is_empty()).then(|| format!("rejects {}: {}", k.id, words.join(", ")))
    }));
    out.extend(r.sets.any.found(&f.norm));
    out.extend(r.sets.all.found(&f.norm));
    out
}

/// A reply lower-cased character by character, for finding where phrases stand in it; `None`
/// when lower-casing changes its length (rare letters), and then nothing is highlighted.
struct Lowered(Option<String>);

impl Lowered {
    fn of(reply: &str) -> Self {
        let lower: String = reply.chars().flat_map(char::to_lowercase).collect();
        Lowered((lower.chars().count() == reply.chars().count()).then_some(lower))
    }
}

/// Where the phrases that made a rule match stand in the reply: every place each one starts
/// (overlapping ones too), in characters.
fn highlights(
    r: &Rule,
    reply: &str,
    lower: &Lowered,
    expressed: &[(&str, Vec<String>)],
) -> Vec<Highlight> {
    let Some(lower) = &lower.0 else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let concept_words = expressed.iter().flat_map(|(_, words)| words);
    for p in r.any.iter().chain(&r.all).chain(concept_words) {
        let needle: String = p.chars().flat_map(char::to_lowercase).collect();
        if needle.is_empty() {
            continue;
        }
        let len = needle.chars().count();
        // Byte offsets to characters, counted on from the last place found.
        let (mut byte, mut chars) = (0, 0);
        let mut from = 0;
        while let Some(i) = lower[from..].find(needle.as_str()) {
            let at = from + i;
            chars += lower[byte..at].chars().count();
            byte = at;
            out.push(Highlight {
                start: chars,
                end: chars + len,
                positive: r.points > 0,
                rule: r.id.clone(),
            });
            // The next place may overlap this one: search on from its next character.
            from = at + lower[at..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if let Some(re) = &r.regex {
        for m in re.find_iter(reply).take(16) {
            out.push(Highlight {
                start: reply[..m.start()].chars().count(),
                end: reply[..m.end()].chars().count(),
                positive: r.points > 0,
                rule: r.id.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Lowered, highlights};
    use crate::playbook::model::{Rule, RuleSets, Text};

    fn rule(any: &[&str], points: i32) -> Rule {
        Rule {
            id: "r".into(),
            any: any.iter().map(|&w| w.to_owned()).collect(),
            all: Vec::new(),
            none: Vec::new(),
            regex: None,
            min_chars: None,
            max_chars: None,
            question: None,
            open_question: None,
            mentions_price: None,
            quotes_price: None,
            points,
            feedback: Text::default(),
            hint: None,
            gate: false,
            cap: None,
            concepts: Vec::new(),
            no_concepts: Vec::new(),
            rejects: Vec::new(),
            sets: RuleSets::default(),
        }
    }

    /// (start, end) in characters of each highlight.
    fn spans(r: &Rule, reply: &str, expressed: &[(&str, Vec<String>)]) -> Vec<(usize, usize)> {
        highlights(r, reply, &Lowered::of(reply), expressed)
            .iter()
            .map(|h| (h.start, h.end))
            .collect()
    }

    #[test]
    fn highlights_stand_where_the_words_are_in_characters_overlaps_and_any_case_included() {
        // Characters, not bytes: each Chinese character counts one.
        assert_eq!(
            spans(&rule(&["试戴"], 10), "您先试戴一下，再试戴那款", &[]),
            [(2, 4), (8, 10)]
        );
        // Every place a word starts, overlapping ones too; any case.
        assert_eq!(spans(&rule(&["aa"], 10), "Aaa", &[]), [(0, 2), (1, 3)]);
        assert_eq!(
            spans(&rule(&["Budget"], 10), "您的BUDGET? budget.", &[]),
            [(2, 8), (10, 16)]
        );
        // A concept's words are highlighted as the rule's own.
        let expressed = [("restating", vec!["您说".to_owned()])];
        assert_eq!(spans(&rule(&[], 10), "刚才您说想要", &expressed), [(2, 4)]);
        // Lower-casing that changes the length highlights nothing rather than the wrong place.
        assert!(spans(&rule(&["i"], 10), "İi", &[]).is_empty());
        let h = highlights(&rule(&["x"], -5), "x", &Lowered::of("x"), &[]);
        assert!(!h[0].positive);
    }
}
