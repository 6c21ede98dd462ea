//! One role-play attempt as a state machine: start → customer line → submit → scored feedback
//! → next turn → … → summary. Driven the same way by the GUI, the terminal and tests.
//!
//! No clock is read here: the caller passes the seconds a reply took.

use std::sync::Arc;

use rhai::{Array, Dynamic, Map};
use serde::Serialize;

use super::score::{
    self, Answer, AnswerError, CriterionScore, Highlight, Scored, Source, TraceEntry,
};
use crate::playbook::model::{Next, Outcome, Playbook, Reply, Scenario, Target, Text, Turn};
use crate::script::{ScriptError, ScriptErrorKind, ScriptHost};

/// Why an attempt cannot go on as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PracticeError {
    #[error("unknown playbook '{0}'")]
    UnknownPlaybook(String),
    #[error("unknown scenario '{0}'")]
    UnknownScenario(String),
    #[error("the role-play has ended")]
    Ended,
    #[error(transparent)]
    Answer(#[from] AnswerError),
}

impl crate::msg::Localized for PracticeError {
    fn zh(&self) -> String {
        match self {
            PracticeError::UnknownPlaybook(id) => format!("未知的剧本“{id}”"),
            PracticeError::UnknownScenario(id) => format!("未知的场景“{id}”"),
            PracticeError::Ended => "这次角色扮演已经结束".to_owned(),
            PracticeError::Answer(e) => crate::msg::Localized::zh(e),
        }
    }
}

/// Where an attempt stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Turn(String),
    /// Ended, at a named ending or the plain end.
    Ended(Option<String>),
}

impl Position {
    /// Where the role-play stands once it has gone to `target`.
    pub fn at(target: &Target) -> Self {
        match target {
            Target::Turn(t) => Position::Turn(t.clone()),
            Target::End(e) => Position::Ended(e.clone()),
        }
    }
}

/// One submitted reply with everything the trainee was shown.
#[derive(Debug, Clone, Serialize)]
pub struct ReplyRecord {
    pub turn: String,
    pub stage: String,
    pub answer: Answer,
    pub seconds: f64,
    pub scored: Scored,
    /// The guide's hint after this reply.
    pub guide_hint: Option<Text>,
    /// A script that failed; the rules' score stands and the role-play goes on.
    pub script_error: Option<ScriptError>,
}

impl ReplyRecord {
    /// `scoring unavailable: …` when a script failed.
    pub fn notice(&self) -> Option<String> {
        self.script_error.as_ref().map(ScriptError::trainee_message)
    }

    /// [`ReplyRecord::notice`] in `lang`.
    pub fn notice_in(&self, lang: crate::msg::Lang) -> Option<String> {
        self.script_error
            .as_ref()
            .map(|e| e.trainee_message_in(lang))
    }
}

/// A role-play in progress.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub playbook: Arc<Playbook>,
    pub scenario: String,
    pub trainee: String,
    pub position: Position,
    pub replies: Vec<ReplyRecord>,
}

impl Attempt {
    pub fn start(
        playbook: Arc<Playbook>,
        scenario: &str,
        trainee: &str,
    ) -> Result<Self, PracticeError> {
        let start = playbook
            .scenario(scenario)
            .map(|s| s.start.clone())
            .ok_or_else(|| PracticeError::UnknownScenario(scenario.to_owned()))?;
        Ok(Self {
            playbook,
            scenario: scenario.to_owned(),
            trainee: trainee.to_owned(),
            position: Position::Turn(start),
            replies: Vec::new(),
        })
    }

    pub fn scenario(&self) -> &Scenario {
        // Checked in `start`; the playbook is immutable.
        self.playbook
            .scenario(&self.scenario)
            .unwrap_or(&self.playbook.scenarios[0])
    }

    /// The turn waiting for a reply, if the role-play is still on.
    pub fn current_turn(&self) -> Option<&Turn> {
        match &self.position {
            Position::Turn(id) => self.scenario().turn(id),
            Position::Ended(_) => None,
        }
    }

    pub fn is_over(&self) -> bool {
        matches!(self.position, Position::Ended(_))
    }

    /// Scores the answer to the current turn and moves on.
    pub fn submit(
        &mut self,
        host: Option<&ScriptHost>,
        answer: Answer,
        seconds: f64,
    ) -> Result<&ReplyRecord, PracticeError> {
        let turn = self.current_turn().ok_or(PracticeError::Ended)?.clone();
        let record = score_turn(
            &self.playbook,
            host,
            self.scenario(),
            &turn,
            answer,
            seconds,
            &self.replies,
        )?;
        self.position = Position::at(&record.scored.next);
        self.replies.push(record);
        Ok(self
            .replies
            .last()
            .unwrap_or_else(|| unreachable!("just pushed")))
    }

    /// The guide for the turn on screen, before replying: what the guide script says for
    /// this turn and this history (phase `hint`), if anything. Front ends show it beside the
    /// turn, so it follows the conversation rather than the reply before.
    pub fn guide(&self, host: Option<&ScriptHost>) -> Option<Text> {
        let turn = self.current_turn()?;
        guide_for(&self.playbook, host, self.scenario(), turn, &self.replies)
            .ok()
            .flatten()
    }

    /// The hint for the current turn, asked for before replying: the guide's, else the
    /// stage's tips.
    pub fn hint(&self, host: Option<&ScriptHost>) -> Vec<Text> {
        let Some(turn) = self.current_turn() else {
            return Vec::new();
        };
        if let Some(h) = self.guide(host) {
            return vec![h];
        }
        self.playbook
            .stage(&turn.stage)
            .map(|s| s.tips.clone())
            .unwrap_or_default()
    }

    pub fn summary(&self) -> Summary {
        summarize(
            &self.playbook,
            self.scenario(),
            &self.replies,
            &self.position,
        )
    }
}

/// Replies that lead from the scenario's start to `turn` along the shortest path (model
/// answers, or the option that goes that way; a short reply where only a weak answer does),
/// each scored as in practice: the history a trainer's "try it" at `turn` is scored with, so
/// a script that reads earlier replies sees some. Empty for the start, or when no answer tried
/// reaches `turn`.
pub fn history_to(
    pb: &Playbook,
    host: Option<&ScriptHost>,
    scen: &Scenario,
    turn: &str,
) -> Vec<ReplyRecord> {
    use std::collections::{HashSet, VecDeque};
    let mut seen: HashSet<String> = HashSet::from([scen.start.clone()]);
    let mut queue: VecDeque<(String, Vec<ReplyRecord>)> =
        VecDeque::from([(scen.start.clone(), Vec::new())]);
    while let Some((at, history)) = queue.pop_front() {
        if at == turn {
            return history;
        }
        let Some(t) = scen.turn(&at) else {
            continue;
        };
        let answers: Vec<Answer> = match &t.reply {
            Reply::Choice(opts) => opts.iter().map(|o| Answer::Choice(o.id.clone())).collect(),
            Reply::FreeText => t
                .model_answer
                .iter()
                .map(|m| {
                    Answer::Text(
                        m.get(pb.locales.first().map_or("zh-CN", String::as_str))
                            .to_owned(),
                    )
                })
                .chain([Answer::Text("好的。".to_owned())])
                .collect(),
        };
        for answer in answers {
            let Ok(rec) = score_turn(pb, host, scen, t, answer, 0.0, &history) else {
                continue;
            };
            if let Target::Turn(next) = &rec.scored.next
                && seen.insert(next.clone())
            {
                let mut h = history.clone();
                h.push(rec.clone());
                queue.push_back((next.clone(), h));
            }
        }
    }
    Vec::new()
}

/// The guide script's advice for `turn` before it is answered (phase `hint`), after the
/// replies of `history`; `Ok(None)` without a guide script or advice.
pub fn guide_for(
    pb: &Playbook,
    host: Option<&ScriptHost>,
    scen: &Scenario,
    turn: &Turn,
    history: &[ReplyRecord],
) -> Result<Option<Text>, ScriptError> {
    let (Some(host), Some(path)) = (host, pb.scripts.guide.as_ref()) else {
        return Ok(None);
    };
    let ctx = context(pb, scen, turn, None, 0.0, history, "hint", None);
    Ok(host.guide(path, ctx)?.and_then(|g| g.hint))
}

/// Scores one answer to one turn: the rubric rules, then the score script, then the guide.
/// A failing script never stops the role-play: the rules' result stands and the error is kept.
pub fn score_turn(
    pb: &Playbook,
    host: Option<&ScriptHost>,
    scen: &Scenario,
    turn: &Turn,
    answer: Answer,
    seconds: f64,
    history: &[ReplyRecord],
) -> Result<ReplyRecord, AnswerError> {
    score_turn_with(pb, host, scen, turn, answer, seconds, history, true)
}

/// [`score_turn`], with or without the guide script. The guide gives advice and may choose
/// the next turn; it never changes points, so re-scoring a stored transcript (whose path is
/// kept) leaves it out.
#[allow(clippy::too_many_arguments)]
fn score_turn_with(
    pb: &Playbook,
    host: Option<&ScriptHost>,
    scen: &Scenario,
    turn: &Turn,
    answer: Answer,
    seconds: f64,
    history: &[ReplyRecord],
    guide: bool,
) -> Result<ReplyRecord, AnswerError> {
    score_turn_memo(pb, host, scen, turn, answer, seconds, history, guide, None)
}

/// The results a run over many stored replies already worked out, by turn and answer: a
/// history holds the same answer to the same turn many times (every pick of an option, the
/// same sample reply), and the rubric's rules read only the turn and the answer. The score
/// script still runs for every reply (it reads the reply's context); what its result made of
/// the rules' result, the graded reading included, is kept beside the script's result and
/// taken again only when the script says exactly the same. Bounded: past [`Memo::KEYS`]
/// answers it keeps what it has and scores the rest afresh.
///
/// A memo belongs to one run (it knows a turn by its place in memory): make it where the
/// libraries it is used with are borrowed, and drop it with them.
#[derive(Default)]
pub struct Memo {
    seen: std::sync::Mutex<std::collections::HashMap<(usize, Answer), Memoized>>,
}

/// One answer to one turn: the rules' result, and the results after each script result seen.
struct Memoized {
    rules: Scored,
    after: Vec<(Option<crate::script::ScriptScore>, Scored)>,
}

impl Memo {
    /// The answers kept at most.
    pub const KEYS: usize = 4_096;
    /// Script results kept per answer at most.
    const AFTER: usize = 3;

    fn key(turn: &Turn, answer: &Answer) -> (usize, Answer) {
        (std::ptr::from_ref(turn) as usize, answer.clone())
    }

    fn rules(&self, turn: &Turn, answer: &Answer) -> Option<Scored> {
        let seen = self.seen.lock().ok()?;
        seen.get(&Self::key(turn, answer)).map(|m| m.rules.clone())
    }

    fn keep_rules(&self, turn: &Turn, answer: &Answer, rules: &Scored) {
        if let Ok(mut seen) = self.seen.lock()
            && seen.len() < Self::KEYS
        {
            seen.entry(Self::key(turn, answer))
                .or_insert_with(|| Memoized {
                    rules: rules.clone(),
                    after: Vec::new(),
                });
        }
    }

    fn after(
        &self,
        turn: &Turn,
        answer: &Answer,
        script: &Option<crate::script::ScriptScore>,
    ) -> Option<Scored> {
        let seen = self.seen.lock().ok()?;
        let m = seen.get(&Self::key(turn, answer))?;
        m.after
            .iter()
            .find(|(s, _)| s == script)
            .map(|(_, scored)| scored.clone())
    }

    fn keep_after(
        &self,
        turn: &Turn,
        answer: &Answer,
        script: &Option<crate::script::ScriptScore>,
        scored: &Scored,
    ) {
        if let Ok(mut seen) = self.seen.lock()
            && let Some(m) = seen.get_mut(&Self::key(turn, answer))
            && m.after.len() < Self::AFTER
            && !m.after.iter().any(|(s, _)| s == script)
        {
            m.after.push((script.clone(), scored.clone()));
        }
    }
}

/// [`score_turn_with`], taking from and adding to `memo` where one is given.
#[allow(clippy::too_many_arguments)]
fn score_turn_memo(
    pb: &Playbook,
    host: Option<&ScriptHost>,
    scen: &Scenario,
    turn: &Turn,
    answer: Answer,
    seconds: f64,
    history: &[ReplyRecord],
    guide: bool,
    memo: Option<&Memo>,
) -> Result<ReplyRecord, AnswerError> {
    let mut scored = match memo.and_then(|m| m.rules(turn, &answer)) {
        Some(rules) => rules,
        None => {
            let rules = score::score(pb, turn, &answer)?;
            if let Some(m) = memo {
                m.keep_rules(turn, &answer, &rules);
            }
            rules
        }
    };
    let option_next = match (&answer, &turn.reply) {
        (Answer::Choice(id), Reply::Choice(opts)) => opts
            .iter()
            .find(|o| &o.id == id)
            .and_then(|o| o.next.clone()),
        _ => None,
    };
    let mut script_error = None;
    let mut guide_hint = None;
    if let Some(host) = host {
        if let Some(path) = &pb.scripts.score {
            let ctx = context(
                pb,
                scen,
                turn,
                Some(&answer),
                seconds,
                history,
                "score",
                Some(&scored),
            );
            match host.score(path, ctx, &turn.criteria) {
                Ok(s) => settle_after(pb, &mut scored, path, s, turn, &answer, memo),
                Err(e) => {
                    script_error = Some(e);
                    scored.settle();
                }
            }
        } else {
            settle_after(pb, &mut scored, "", None, turn, &answer, memo);
        }
        scored.next = option_next
            .clone()
            .unwrap_or_else(|| score::next_by_score(&turn.next, scored.score));
        if let Some(path) = pb.scripts.guide.as_ref().filter(|_| guide) {
            let ctx = context(
                pb,
                scen,
                turn,
                Some(&answer),
                seconds,
                history,
                "after",
                Some(&scored),
            );
            match host.guide(path, ctx) {
                Ok(Some(g)) => {
                    guide_hint = g.hint;
                    // Only a `next: { script: … }` turn lets the guide choose; a fixed
                    // path or the option's own `next` wins over the script.
                    if let (Some(next), Next::Script { targets, .. }, None) =
                        (g.next, &turn.next, &option_next)
                    {
                        match targets.iter().find(|t| target_id(t) == next) {
                            Some(t) => scored.next = t.clone(),
                            None => {
                                let known: Vec<&str> = targets.iter().map(target_id).collect();
                                script_error.get_or_insert(ScriptError {
                                    file: path.clone(),
                                    line: host.hook_line(path, "guide"),
                                    column: 1,
                                    message: format!(
                                        "guide() chose '{next}', which is not one of this turn's targets ({})",
                                        known.join(", ")
                                    ),
                                    kind: ScriptErrorKind::Guide,
                                });
                            }
                        }
                    }
                }
                Ok(None) => {}
                Err(mut e) => {
                    // Scoring worked: the trainee is told the guide failed, not the scoring.
                    e.kind = ScriptErrorKind::Guide;
                    script_error.get_or_insert(e);
                }
            }
        }
    }
    Ok(ReplyRecord {
        turn: turn.id.clone(),
        stage: turn.stage.clone(),
        answer,
        seconds,
        scored,
        guide_hint,
        script_error,
    })
}

/// Applies the score script's result (if any) to the rules' result and settles it, or takes
/// what the memo kept for this answer and this script result.
fn settle_after(
    pb: &Playbook,
    scored: &mut Scored,
    path: &str,
    script: Option<crate::script::ScriptScore>,
    turn: &Turn,
    answer: &Answer,
    memo: Option<&Memo>,
) {
    if let Some(done) = memo.and_then(|m| m.after(turn, answer, &script)) {
        *scored = done;
        return;
    }
    let kept = memo.map(|_| script.clone());
    if let Some(s) = script {
        merge(pb, scored, path, s, answer);
    }
    scored.settle();
    if let (Some(m), Some(script)) = (memo, kept) {
        m.keep_after(turn, answer, &script, scored);
    }
}

fn target_id(t: &Target) -> &str {
    match t {
        Target::Turn(id) | Target::End(Some(id)) => id,
        Target::End(None) => "end",
    }
}

/// Applies a script's result: `set` replaces a criterion's points, `points` add to them; each
/// change is a traced entry naming the script.
fn merge(
    pb: &Playbook,
    scored: &mut Scored,
    path: &str,
    s: crate::script::ScriptScore,
    answer: &Answer,
) {
    // What a `set` retracts: the rules of that criterion, their feedback, hints and marks
    // (not a conduct gate's: a gate caps the whole reply whatever a script says).
    let gate_rule = scored.gate.as_ref().map(|g| g.rule.clone());
    let mut retracted_rules: Vec<String> = Vec::new();
    let mut retracted_feedback: Vec<Text> = Vec::new();
    let mut retracted_hints: Vec<Text> = Vec::new();
    for c in &mut scored.criteria {
        if let Some(v) = s.set.get(&c.criterion) {
            for t in &c.trace {
                if let Source::Rule { rule } = &t.source
                    && gate_rule.as_deref() != Some(rule.as_str())
                {
                    retracted_rules.push(rule.clone());
                    retracted_feedback.extend(t.feedback.clone());
                }
            }
            if let Some(cr) = pb.criterion(&c.criterion) {
                retracted_hints.extend(cr.rules.iter().filter_map(|r| r.hint.clone()));
            }
            let kept = c
                .trace
                .iter()
                .filter(|t| {
                    matches!(&t.source, Source::Rule { rule } if gate_rule.as_deref() == Some(rule.as_str()))
                })
                .cloned();
            let set = TraceEntry {
                source: Source::ScriptSet {
                    file: path.to_owned(),
                },
                points: v.round().clamp(0.0, 100.0) as i32,
                matched: Vec::new(),
                feedback: None,
            };
            // The gate's own entry stays for the record, with no points: the set value is
            // what the criterion has.
            c.trace = std::iter::once(set)
                .chain(kept.map(|mut t| {
                    t.points = 0;
                    t
                }))
                .collect();
        }
        if let Some(d) = s.add.get(&c.criterion) {
            c.trace.push(TraceEntry {
                source: Source::Script {
                    file: path.to_owned(),
                },
                points: d.round() as i32,
                matched: Vec::new(),
                feedback: None,
            });
        }
        c.settle_points(pb, matches!(answer, Answer::Text(_)));
    }
    for f in retracted_feedback {
        if let Some(i) = scored.feedback.iter().position(|x| *x == f) {
            scored.feedback.remove(i);
        }
    }
    scored.hints.retain(|h| !retracted_hints.contains(h));
    scored
        .highlights
        .retain(|h| !retracted_rules.contains(&h.rule));
    scored.feedback.extend(s.feedback);
    scored.hints.extend(s.hint);
    let len = match answer {
        Answer::Text(t) => t.chars().count(),
        Answer::Choice(_) => 0,
    };
    scored.highlights.extend(
        s.highlights
            .into_iter()
            .filter(|(a, b, _)| *b <= len && a < b)
            .map(|(start, end, positive)| Highlight {
                start,
                end,
                positive,
                rule: path.to_owned(),
            }),
    );
}

fn strings<'a>(it: impl IntoIterator<Item = &'a String>) -> Dynamic {
    Dynamic::from_array(it.into_iter().map(|s| Dynamic::from(s.clone())).collect())
}

/// A playbook's phrase lists as the script map `ctx.phrases`, built once per playbook content
/// and cloned per call (a clone shares the strings): building them afresh for every reply was
/// the largest cost of re-scoring a history.
fn phrases(pb: &Playbook) -> Dynamic {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    static CACHE: LazyLock<Mutex<HashMap<String, Dynamic>>> = LazyLock::new(Mutex::default);
    let key = format!("{}@{}", pb.id, pb.source.hash);
    if let Ok(cache) = CACHE.lock()
        && let Some(d) = cache.get(&key)
    {
        return d.clone();
    }
    let mut m = Map::new();
    for (k, v) in &pb.phrases {
        m.insert(k.into(), strings(v));
    }
    let d: Dynamic = m.into();
    if let Ok(mut cache) = CACHE.lock() {
        // Edited drafts each make a new entry: keep the cache small.
        if cache.len() >= 256 {
            cache.clear();
        }
        cache.insert(key, d.clone());
    }
    d
}

/// The `ctx` map a hook receives. Everything a script may know, and nothing else: no clock,
/// no randomness.
#[allow(clippy::too_many_arguments)]
pub fn context(
    pb: &Playbook,
    scen: &Scenario,
    turn: &Turn,
    answer: Option<&Answer>,
    seconds: f64,
    history: &[ReplyRecord],
    phase: &str,
    scored: Option<&Scored>,
) -> Map {
    let mut m = Map::new();
    let mut put = |k: &str, v: Dynamic| {
        m.insert(k.into(), v);
    };
    put("phase", phase.into());
    put("playbook", pb.id.clone().into());
    put("version", i64::from(pb.version).into());
    put("scenario", scen.id.clone().into());
    put("persona", scen.persona.clone().into());
    put(
        "style",
        scen.style.clone().map_or(Dynamic::UNIT, Dynamic::from),
    );
    put("stage", turn.stage.clone().into());
    put("turn", turn.id.clone().into());
    put("criteria", strings(&turn.criteria));
    let (reply, option) = match answer {
        Some(Answer::Text(t)) => (t.clone(), Dynamic::UNIT),
        Some(Answer::Choice(o)) => (String::new(), Dynamic::from(o.clone())),
        None => (String::new(), Dynamic::UNIT),
    };
    put("reply", reply.into());
    put("option", option);
    put("seconds", seconds.into());
    put("phrases", phrases(pb));
    let targets: Array = match &turn.next {
        Next::Script { targets, .. } => targets
            .iter()
            .map(|t| Dynamic::from(target_id(t).to_owned()))
            .collect(),
        _ => Array::new(),
    };
    put("targets", targets.into());
    if let Some(s) = scored {
        put("score", s.score.into());
        let mut points = Map::new();
        for c in &s.criteria {
            points.insert(c.criterion.as_str().into(), c.points.into());
        }
        put("points", points.into());
    }
    let hist: Array = history
        .iter()
        .map(|r| {
            let mut h = Map::new();
            h.insert("turn".into(), r.turn.clone().into());
            h.insert("stage".into(), r.stage.clone().into());
            let (reply, option) = match &r.answer {
                Answer::Text(t) => (Dynamic::from(t.clone()), Dynamic::UNIT),
                Answer::Choice(o) => (Dynamic::UNIT, Dynamic::from(o.clone())),
            };
            h.insert("reply".into(), reply);
            h.insert("option".into(), option);
            h.insert("score".into(), r.scored.score.into());
            Dynamic::from_map(h)
        })
        .collect();
    put("history", hist.into());
    m
}

/// The end of a role-play: how it went, per criterion and in total.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Weighted mean of the criterion averages, 0–100.
    pub total: f64,
    pub pass_mark: u8,
    pub passed: bool,
    /// The conduct gate (a rule id) that capped a reply: the attempt cannot pass.
    pub gate: Option<String>,
    /// (criterion, average points, replies scored on it), in rubric order.
    pub criteria: Vec<(String, f64, usize)>,
    pub weakest: Option<String>,
    /// Another scenario of the playbook that trains the weakest criterion most.
    pub suggested: Option<String>,
    pub ending: Option<String>,
    pub outcome: Option<Outcome>,
    pub replies: usize,
    pub seconds: f64,
}

/// One criterion's part in an attempt's total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub criterion: String,
    /// The criterion's weight in the rubric.
    pub weight: f64,
    /// Its average over the replies scored on it, 0–100.
    pub points: f64,
    /// What it adds to the total: points × weight ÷ the weights of every criterion scored.
    pub adds: f64,
}

impl Summary {
    /// How the total is made: for every criterion scored, its weight, its points and what
    /// they add to the total (the adds sum to the total unless a conduct gate capped it).
    pub fn shares(&self, pb: &Playbook) -> Vec<Share> {
        let weight = |id: &str| pb.criterion(id).map_or(0.0, |c| c.weight);
        let all: f64 = self.criteria.iter().map(|(id, _, _)| weight(id)).sum();
        self.criteria
            .iter()
            .map(|(id, points, _)| Share {
                criterion: id.clone(),
                weight: weight(id),
                points: *points,
                adds: if all > 0.0 {
                    points * weight(id) / all
                } else {
                    0.0
                },
            })
            .collect()
    }

    /// The total before a conduct gate capped it, when one did.
    pub fn uncapped(&self, pb: &Playbook) -> Option<f64> {
        let sum: f64 = self.shares(pb).iter().map(|s| s.adds).sum();
        (self.gate.is_some() && sum > self.total + 1e-9).then_some(sum)
    }
}

/// The verdict: the exact total against the pass mark (74.5 does not pass a mark of 75, though
/// it shows as 74.5 and would round to 75), and never with a conduct gate.
pub fn passes(total: f64, pass_mark: u8, gated: bool) -> bool {
    !gated && total >= f64::from(pass_mark)
}

pub fn summarize(
    pb: &Playbook,
    scen: &Scenario,
    replies: &[ReplyRecord],
    position: &Position,
) -> Summary {
    let mut criteria = Vec::new();
    let mut weighted = (0.0, 0.0);
    for c in &pb.rubric.criteria {
        let pts: Vec<f64> = replies
            .iter()
            .flat_map(|r| r.scored.criteria.iter())
            .filter(|s| s.criterion == c.id)
            .map(|s: &CriterionScore| s.points)
            .collect();
        if pts.is_empty() {
            continue;
        }
        let avg = pts.iter().sum::<f64>() / pts.len() as f64;
        weighted.0 += avg * c.weight;
        weighted.1 += c.weight;
        criteria.push((c.id.clone(), avg, pts.len()));
    }
    let mut total = if weighted.1 > 0.0 {
        weighted.0 / weighted.1
    } else {
        0.0
    };
    // A conduct gate in any reply caps the attempt too, and it cannot pass.
    let gate = replies.iter().find_map(|r| r.scored.gate.as_ref());
    if let Some(g) = gate {
        total = total.min(g.cap);
    }
    let weakest = criteria
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|c| c.0.clone());
    let suggested = weakest.as_ref().and_then(|w| {
        pb.scenarios
            .iter()
            .filter(|s| s.id != scen.id)
            .map(|s| (s.turns.iter().filter(|t| t.criteria.contains(w)).count(), s))
            .filter(|(n, _)| *n > 0)
            .max_by_key(|(n, _)| *n)
            .map(|(_, s)| s.id.clone())
    });
    let ending = match position {
        Position::Ended(e) => e.clone(),
        Position::Turn(_) => None,
    };
    let outcome = ending
        .as_ref()
        .and_then(|e| scen.ending(e))
        .map(|e| e.outcome);
    let pass_mark = pb.rubric.pass_mark;
    Summary {
        total,
        pass_mark,
        passed: passes(total, pass_mark, gate.is_some()),
        gate: gate.map(|g| g.rule.clone()),
        criteria,
        weakest,
        suggested,
        ending,
        outcome,
        replies: replies.len(),
        seconds: replies.iter().map(|r| r.seconds).sum(),
    }
}

/// One stored attempt to re-score: its playbook, scenario and (turn, answer, seconds) answers.
#[derive(Debug, Clone)]
pub struct StoredAttempt {
    pub playbook: String,
    pub scenario: String,
    pub answers: Vec<(String, Answer, f64)>,
}

/// Re-scores many stored attempts in parallel across the machine's cores, in their order.
/// An attempt whose playbook is gone gets [`PracticeError::UnknownPlaybook`].
pub fn rescore_all(
    lib: &crate::playbook::Library,
    host: Option<&ScriptHost>,
    attempts: &[StoredAttempt],
) -> Vec<Result<Vec<ReplyRecord>, PracticeError>> {
    use rayon::prelude::*;
    let memo = Memo::default();
    attempts
        .par_iter()
        .map(|a| {
            let pb = lib
                .playbook(&a.playbook)
                .ok_or_else(|| PracticeError::UnknownPlaybook(a.playbook.clone()))?;
            rescore_with(pb, host, &a.scenario, &a.answers, true, Some(&memo))
        })
        .collect()
}

/// Re-scores a stored transcript against the current playbook and scripts, turn by turn as
/// it was played (the stored path is kept even if today's rules would branch elsewhere).
pub fn rescore(
    pb: &Playbook,
    host: Option<&ScriptHost>,
    scenario: &str,
    transcript: &[(String, Answer, f64)],
) -> Result<Vec<ReplyRecord>, PracticeError> {
    rescore_with(pb, host, scenario, transcript, true, None)
}

/// [`rescore`] for the points only (no guide script): what whole-history re-scoring and the
/// verification of merged attempts need. A run over many attempts shares one `memo`.
pub fn rescore_points(
    pb: &Playbook,
    host: Option<&ScriptHost>,
    scenario: &str,
    transcript: &[(String, Answer, f64)],
    memo: Option<&Memo>,
) -> Result<Vec<ReplyRecord>, PracticeError> {
    rescore_with(pb, host, scenario, transcript, false, memo)
}

fn rescore_with(
    pb: &Playbook,
    host: Option<&ScriptHost>,
    scenario: &str,
    transcript: &[(String, Answer, f64)],
    guide: bool,
    memo: Option<&Memo>,
) -> Result<Vec<ReplyRecord>, PracticeError> {
    let scen = pb
        .scenario(scenario)
        .ok_or_else(|| PracticeError::UnknownScenario(scenario.to_owned()))?;
    let mut out: Vec<ReplyRecord> = Vec::with_capacity(transcript.len());
    for (turn, answer, seconds) in transcript {
        let Some(t) = scen.turn(turn) else { continue };
        let r = score_turn_memo(
            pb,
            host,
            scen,
            t,
            answer.clone(),
            *seconds,
            &out,
            guide,
            memo,
        )?;
        out.push(r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::diag::Report;
    use crate::playbook::load::{Content, load};

    /// A reply that scored `points` on every criterion of the playbook's rubric.
    fn reply(pb: &Playbook, turn: &str, points: f64) -> ReplyRecord {
        let criteria = pb
            .rubric
            .criteria
            .iter()
            .map(|c| CriterionScore {
                criterion: c.id.clone(),
                weight: c.weight,
                points,
                trace: Vec::new(),
                unscaled: None,
            })
            .collect();
        ReplyRecord {
            turn: turn.to_owned(),
            stage: String::new(),
            answer: Answer::Text("…".into()),
            seconds: 1.0,
            scored: Scored {
                score: points,
                criteria,
                feedback: Vec::new(),
                hints: Vec::new(),
                highlights: Vec::new(),
                next: Target::End(None),
                gate: None,
                premature: Vec::new(),
                reading: None,
                shape: None,
                features: None,
            },
            guide_hint: None,
            script_error: None,
        }
    }

    /// Re-scoring many attempts shares what it worked out between the same answers to the
    /// same turn; each attempt reads exactly as it does scored alone, script results (which
    /// read how long the reply took) included.
    #[test]
    fn a_run_over_many_attempts_reads_each_as_it_reads_alone() {
        use crate::script::ScriptHost;
        let lib = load(&[Content::bundled()], &mut Report::default());
        let host = ScriptHost::new(&lib);
        let mut attempts = Vec::new();
        for pb in &lib.playbooks {
            for scen in &pb.scenarios {
                // Each turn's sample replies and options, in turn order, three times over with
                // different times taken, and once with every answer of a turn twice.
                let answers: Vec<(String, Answer)> = scen
                    .turns
                    .iter()
                    .filter_map(|t| {
                        let a = match &t.reply {
                            Reply::Choice(opts) => Answer::Choice(opts.first()?.id.clone()),
                            Reply::FreeText => pb
                                .tests
                                .iter()
                                .filter(|x| x.scenario == scen.id && x.turn == t.id)
                                .find_map(|x| match &x.input {
                                    crate::playbook::model::TestInput::Reply(r) => {
                                        Some(Answer::Text(r.clone()))
                                    }
                                    crate::playbook::model::TestInput::Option(_) => None,
                                })?,
                        };
                        Some((t.id.clone(), a))
                    })
                    .collect();
                for seconds in [2.0, 2.0, 95.0] {
                    attempts.push(StoredAttempt {
                        playbook: pb.id.clone(),
                        scenario: scen.id.clone(),
                        answers: answers
                            .iter()
                            .map(|(t, a)| (t.clone(), a.clone(), seconds))
                            .collect(),
                    });
                }
                attempts.push(StoredAttempt {
                    playbook: pb.id.clone(),
                    scenario: scen.id.clone(),
                    answers: answers
                        .iter()
                        .flat_map(|(t, a)| {
                            [(t.clone(), a.clone(), 5.0), (t.clone(), a.clone(), 6.0)]
                        })
                        .collect(),
                });
            }
        }
        assert!(attempts.len() > 40, "{} attempts", attempts.len());
        let together = rescore_all(&lib, Some(&host), &attempts);
        let mut replies = 0;
        for (a, run) in attempts.iter().zip(together) {
            let Some(pb) = lib.playbook(&a.playbook) else {
                panic!("{}", a.playbook)
            };
            let (Ok(run), Ok(alone)) = (run, rescore(pb, Some(&host), &a.scenario, &a.answers))
            else {
                panic!("{} / {} re-scores", a.playbook, a.scenario)
            };
            assert_eq!(run.len(), alone.len());
            for (x, y) in run.iter().zip(&alone) {
                replies += 1;
                assert_eq!(
                    serde_json::to_value(x).ok(),
                    serde_json::to_value(y).ok(),
                    "{} / {} / {}",
                    a.playbook,
                    a.scenario,
                    x.turn
                );
                assert_eq!(x.scored.features, y.scored.features);
            }
        }
        assert!(replies > 400, "{replies} replies");
    }

    #[test]
    fn the_verdict_compares_the_exact_total_with_the_pass_mark() {
        let lib = load(&[Content::bundled()], &mut Report::default());
        let Some(pb) = lib.playbook("jewelry") else {
            panic!("bundled jewelry playbook")
        };
        let scen = &pb.scenarios[0];
        let turn = &scen.turns[0].id;
        let mark = f64::from(pb.rubric.pass_mark);
        let end = Position::Ended(None);
        let just_under = summarize(pb, scen, &[reply(pb, turn, mark - 0.5)], &end);
        assert!((just_under.total - (mark - 0.5)).abs() < 1e-9);
        assert!(
            !just_under.passed,
            "{} passed a mark of {mark}",
            just_under.total
        );
        let at_mark = summarize(pb, scen, &[reply(pb, turn, mark)], &end);
        assert!(at_mark.passed);
        assert!(!passes(mark + 10.0, pb.rubric.pass_mark, true));
    }

    #[test]
    fn the_total_is_explained_by_weights_and_points() {
        let lib = load(&[Content::bundled()], &mut Report::default());
        let Some(pb) = lib.playbook("objections") else {
            panic!("bundled objections playbook")
        };
        let scen = &pb.scenarios[0];
        let turn = &scen.turns[0].id;
        let mut one = reply(pb, turn, 0.0);
        // Points that differ by criterion, so weights matter.
        for (i, c) in one.scored.criteria.iter_mut().enumerate() {
            c.points = 20.0 * i as f64;
        }
        let s = summarize(pb, scen, &[one], &Position::Ended(None));
        let shares = s.shares(pb);
        assert_eq!(shares.len(), pb.rubric.criteria.len());
        let sum: f64 = shares.iter().map(|x| x.adds).sum();
        assert!((sum - s.total).abs() < 1e-9, "{sum} vs {}", s.total);
        let weights: f64 = shares.iter().map(|x| x.weight).sum();
        for x in &shares {
            assert!((x.adds - x.points * x.weight / weights).abs() < 1e-9);
        }
        assert_eq!(s.uncapped(pb), None);
    }
}
