//! Scoring one answer with the playbook's declarative rubric rules.
//!
//! Every point is traceable: the result lists, per criterion, the base and each rule (or the
//! chosen option) that produced points, with the feedback that explains it. Scoring is a pure
//! function of the playbook, the turn and the answer: no clock, no randomness.

use serde::Serialize;

use crate::playbook::model::{Criterion, Next, Playbook, Reply, Rule, Target, Text, Turn};
use crate::text;

/// Longest reply scored; longer ones are refused with a clear message (nothing is cut).
pub const MAX_REPLY_CHARS: usize = 4_000;

/// What the trainee answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// 0–100 after clamping the sum of the trace.
    pub points: f64,
    pub trace: Vec<TraceEntry>,
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
}

/// The built-in check a reply of bare keywords fails (it caps like a gate).
pub const KEYWORD_LIST: &str = "keyword-list";
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

    /// When a gate matched, the score (after any change to the criteria) is scaled into
    /// 0–cap: whatever else the reply earned, it stays at or under the cap, and a gated reply
    /// that earned little elsewhere scores less than one that earned much.
    pub fn apply_gate(&mut self) {
        if let Some(g) = &self.gate {
            self.score = self.score.clamp(0.0, 100.0) * g.cap / 100.0;
        }
    }

    /// The score rounded to a whole number, as shown and as tests compare it.
    pub fn rounded(&self) -> u32 {
        self.score.round().clamp(0.0, 100.0) as u32
    }
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
    };
    let mut option_next = None;
    let mut keyword_list = false;
    let mut hollow_questions = false;
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
            let facts = Facts::of(reply, &turn.topic, pb);
            keyword_list = facts.keyword_list;
            hollow_questions = facts.hollow_questions && !keyword_list;
            if facts.off_topic_question {
                out.feedback.push(zh_en(
                    "这个问题和客户刚说的、这一步要做的都没有关系，不算探询。",
                    "The question takes up nothing the customer said or this step is about, so it does not count as discovery.",
                ));
            }
            for c in &criteria {
                let mut trace = Vec::new();
                if c.base != 0 {
                    trace.push(TraceEntry {
                        source: Source::Base,
                        points: c.base,
                        matched: Vec::new(),
                        feedback: None,
                    });
                }
                for r in &c.rules {
                    if rule_matches(r, &facts) {
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
                            .map(|k| (k.id.as_str(), k.found(&facts.norm)))
                            .filter(|(_, words)| !words.is_empty())
                            .collect();
                        trace.push(TraceEntry {
                            source: Source::Rule { rule: r.id.clone() },
                            points: r.points,
                            matched: matched(r, &expressed, &facts),
                            feedback: Some(r.feedback.clone()),
                        });
                        out.feedback.push(r.feedback.clone());
                        out.highlights.extend(highlights(r, reply, &expressed));
                    } else if r.points > 0
                        && let Some(h) = &r.hint
                    {
                        out.hints.push(h.clone());
                    }
                }
                out.criteria.push(CriterionScore {
                    criterion: c.id.clone(),
                    weight: c.weight,
                    points: criterion_points(&trace),
                    trace,
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
    out.score = weighted_mean(&out.criteria);
    out.apply_gate();
    out.next = option_next.unwrap_or_else(|| next_by_score(&turn.next, out.score));
    Ok(out)
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
}

/// Whether `t` uses a word of any concept or phrase list of the playbook's rules.
fn speaks_the_playbook(pb: &Playbook, t: &text::Normalized) -> bool {
    pb.rubric.criteria.iter().flat_map(|c| &c.rules).any(|r| {
        r.concepts.iter().any(|k| k.in_text(t)) || r.sets.any.any_in(t) || r.sets.all.any_in(t)
    })
}

impl Facts {
    fn of(reply: &str, topic: &text::Topic, pb: &Playbook) -> Self {
        let norm = text::Normalized::new(reply);
        let question = text::is_question_in(&norm);
        // A question counts as one (open or not) only when it is about the conversation: it
        // takes up the turn's topic, or speaks the playbook's language (a word of any of its
        // rules' concepts or phrases).
        let off_topic_question =
            question && !text::takes_up(&norm, topic) && !speaks_the_playbook(pb, &norm);
        Self {
            chars: text::char_count(reply),
            question: question && !off_topic_question,
            open_question: !off_topic_question && text::is_open_question_in(&norm),
            off_topic_question,
            price: text::mentions_price_in(&norm),
            quote: text::quotes_price_in(&norm),
            keyword_list: text::reads_as_keyword_list_in(&norm),
            hollow_questions: text::reads_as_hollow_questions_in(&norm),
            norm,
        }
    }
}

fn rule_matches(r: &Rule, f: &Facts) -> bool {
    (r.concepts.is_empty() || r.concepts.iter().any(|k| k.in_text(&f.norm)))
        && !r.no_concepts.iter().any(|k| k.in_text(&f.norm))
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

/// Where the phrases that made a rule match stand in the reply.
fn highlights(r: &Rule, reply: &str, expressed: &[(&str, Vec<String>)]) -> Vec<Highlight> {
    let lower: Vec<char> = reply.chars().flat_map(char::to_lowercase).collect();
    // Lower-casing can change lengths only for rare letters; skip highlighting then.
    if lower.len() != reply.chars().count() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let concept_words = expressed.iter().flat_map(|(_, words)| words);
    for p in r.any.iter().chain(&r.all).chain(concept_words) {
        let needle: Vec<char> = p.chars().flat_map(char::to_lowercase).collect();
        if needle.is_empty() || needle.len() > lower.len() {
            continue;
        }
        for start in 0..=(lower.len() - needle.len()) {
            if lower[start..start + needle.len()] == needle[..] {
                out.push(Highlight {
                    start,
                    end: start + needle.len(),
                    positive: r.points > 0,
                    rule: r.id.clone(),
                });
            }
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
