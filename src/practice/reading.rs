//! The graded reading: what trainers give a reply, read from what the rules found in it.
//!
//! The rubric's rules say which moves a reply made; how much those moves are worth together
//! is what trainers disagree with most on replies nobody wrote a rule for (a partial reply
//! that makes one move of three scores 15 or 85 by the rules; trainers give it about 50).
//! The reading is a small gradient-boosted model over what the rules found (the rules' score,
//! each criterion's points, how many of a turn's moves were seen and missed, a conduct
//! criterion's deductions, a gate, premature moves) and a few facts of how the reply answers
//! (questions about the conversation, an open one, the customer's words or the turn's topic
//! taken up as it opens, how much of it stays on the conversation's subject, how often it
//! speaks to the customer, English) and one of its words: what trainers gave replies worded
//! like it ([`Wording`], for a move said in words no concept lists), fitted to
//! trainer-graded replies with `salesdojo calibrate --fit-model`. It never reads length:
//! graded sets reward longer replies (a model with length fitted them better), but a concise
//! complete answer is not worth less, and length alone earns nothing (the subject is read as
//! a share, "you" counted up to three, the wording's runs as weights of length one; padding a
//! good reply lowers it, tests/reading.rs). Every point it moves
//! is explained (`reading` in `salesdojo score`, the last line of a trace). A conduct gate
//! still caps the reading, a premature move's cost comes off it (down to the rules' score),
//! and a reply that did nothing relevant never reads above the rules ([`bounded`]). A playbook turns it on with `reading: true` in its rubric.
//!
//! Fitting is least-absolute-deviation gradient boosting (Friedman 2001): each round fits a
//! depth-limited regression tree to the signs of the residuals and sets each leaf to the median
//! residual of its replies. Deterministic: the same rows give the same model.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::neighbours::Neighbours;
use super::wording::Wording;

/// The features, in the order a model's trees index them.
pub const FEATURES: [&str; 20] = [
    "rules",
    "criteria_mean",
    "criteria_min",
    "criteria_max",
    "moves_share",
    "moves_seen",
    "moves_missed",
    "criteria_at_zero",
    "conduct",
    "gate",
    "premature",
    "questions",
    "latin",
    "echo",
    "open_question",
    "topic",
    "share",
    "addresses",
    "wording",
    "neighbours",
];

/// Where [`FEATURES`] keeps the facts the no-free-points guard reads ([`bounded`]).
const RULES: usize = 0;
const MOVES_SEEN: usize = 5;
const QUESTIONS: usize = 11;
const SHARE: usize = 16;
/// Where [`FEATURES`] keeps what the reply's premature moves cost (0 or less).
const PREMATURE: usize = 10;
/// Where [`FEATURES`] keeps the wording's reading (see [`Wording`]).
pub const WORDING: usize = 18;
/// Where [`FEATURES`] keeps what the turn's neighbours read (see [`Neighbours`]).
pub const NEIGHBOURS: usize = 19;

/// A reply with less than this share of its content words on the conversation's subject, no
/// move the rules saw and no question about the conversation did nothing relevant.
pub const OFF_SUBJECT: f64 = 0.1;

/// What a trainer reads in the features' names (the trace says why the reading moved).
pub fn feature_words(name: &str) -> (&'static str, &'static str) {
    match name {
        "rules" => ("规则得分", "the rules' score"),
        "criteria_mean" | "criteria_min" | "criteria_max" | "criteria_at_zero" => {
            ("各项得分", "the criteria's points")
        }
        "moves_share" | "moves_seen" | "moves_missed" => ("做到的动作", "the moves made"),
        "conduct" | "gate" => ("言行规范", "conduct"),
        "premature" => ("时机", "timing"),
        "questions" | "open_question" => ("提问", "questions"),
        "echo" | "topic" => ("回应客户的话", "taking up the customer's words"),
        "share" => ("紧扣话题", "staying on the subject"),
        "addresses" => ("对客户说话", "speaking to the customer"),
        "wording" => ("措辞", "the wording"),
        "neighbours" => ("这一轮相似的回答", "replies to this turn worded alike"),
        _ => ("语言", "language"),
    }
}

/// The reply's shape and the turn's moves, kept from scoring for the reading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// Question marks (on a question about the conversation: scoring sets 0 otherwise).
    pub questions: usize,
    /// Mostly Latin letters (an English reply).
    pub latin: bool,
    /// Per criterion of the turn: the rules that add points (the moves it rewards).
    pub moves: Vec<(String, usize)>,
    /// The playbook reads its replies (`reading` of its rubric).
    pub read: bool,
    /// The reply says back the customer's words; asks an open question; opens on the turn's
    /// topic (its first sentence shares a content word with the customer's line or the turn's
    /// words).
    pub echo: bool,
    pub open_question: bool,
    pub topic: bool,
    /// The share of its content words on the conversation's subject (the scenario, what the
    /// customer says in it, the step and the turn: see `Playbook::scene_of`).
    pub share: f64,
    /// How often it speaks to the customer (您, 你, "you"), up to three.
    pub addresses: usize,
    /// What the wording reads (its first [`READ_CHARS`](super::wording::READ_CHARS)
    /// characters).
    pub text: String,
    /// What the wording read in it, kept for the model that read it (its address and
    /// intercept): the value and the runs that weighed most.
    pub worded: Option<Worded>,
    /// The turn it answers, as the neighbours file it
    /// ([`turn_key`](super::neighbours::turn_key)).
    pub turn: String,
    /// What the turn's neighbours read in it, kept for the model that read it (its address).
    pub neighboured: Option<(usize, Option<f64>)>,
}

/// What a wording read in a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Worded {
    /// Which wording read it: its address and its intercept's bits.
    pub by: (usize, u64),
    pub value: f64,
    /// The runs that weighed most.
    pub runs: Vec<(String, f64)>,
}

impl Shape {
    pub fn of(reply: &str, moves: Vec<(String, usize)>) -> Shape {
        let mut latin = 0usize;
        let mut cjk = 0usize;
        let mut questions = 0usize;
        for c in reply.chars() {
            if c.is_ascii_alphabetic() {
                latin += 1;
            } else if ('\u{4e00}'..='\u{9fff}').contains(&c) {
                cjk += 1;
            }
            if matches!(c, '?' | '？') {
                questions += 1;
            }
        }
        Shape {
            questions,
            // Letters count about a fifth of a Chinese character's meaning.
            latin: latin > cjk * 5,
            moves,
            read: true,
            echo: false,
            open_question: false,
            topic: false,
            share: 0.0,
            addresses: 0,
            text: reply.chars().take(super::wording::READ_CHARS).collect(),
            worded: None,
            turn: String::new(),
            neighboured: None,
        }
    }
}

/// The reading of one reply: the rules' score it started from and what moved it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// The rules' score (the criteria's weighted mean, less premature moves, a gate's cap).
    pub rules: f64,
    /// Where the reading starts before it looks at this reply: the typical graded reply.
    pub typical: f64,
    /// What each kind of feature added to the reading (rounded points, largest first; those
    /// under half a point left out).
    pub why: Vec<(String, f64)>,
    /// The runs of the reply the wording weighed most (their points on the wording's scale,
    /// largest first): why the wording read what it did.
    pub runs: Vec<(String, f64)>,
    /// Trainer-graded replies the model was fitted to.
    pub fitted_to: usize,
}

/// A node of a regression tree: a split (`feature`, `at`, the children's indices) or a leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The median residual of the node's replies (a leaf's value; an inner node's for the
    /// explanation of what each split moved).
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub feature: usize,
    /// Replies with the feature ≤ `at` go to `left`.
    pub at: f64,
    pub left: usize,
    pub right: usize,
}

/// How a model is fitted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub trees: usize,
    pub depth: usize,
    pub rate: f64,
    pub min_leaf: usize,
}

impl Default for Params {
    /// Chosen leave-one-file-out on 2 365 graded replies (2026-12-07): trees of depth 4 read
    /// each held-out file better than depth 3 (MAE 8.26 -> 8.03, in band 77.7 % -> 79.5 %);
    /// depth 5 and more trees were no better again.
    fn default() -> Self {
        Params {
            trees: 150,
            depth: 4,
            rate: 0.05,
            min_leaf: 3,
        }
    }
}

/// A fitted reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// The features' names, in the order the trees index them (checked against
    /// [`FEATURES`] when a model is read).
    pub features: Vec<String>,
    pub params: Params,
    /// Trainer-graded replies it was fitted to, and from which files.
    pub fitted_to: usize,
    #[serde(default)]
    pub sets: Vec<String>,
    /// The median grade: where every reading starts.
    pub start: f64,
    pub trees: Vec<Vec<Node>>,
    /// The wording, fitted with the trees (a model of an earlier version has none: its trees
    /// never read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wording: Option<Wording>,
    /// The graded replies by turn (a model of an earlier version has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<Neighbours>,
}

/// Why a model file cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("{0}")]
    Json(String),
    #[error(
        "the model reads features {found:?}; this version of salesdojo computes {FEATURES:?}, each once"
    )]
    Features { found: Vec<String> },
    #[error("tree {tree}, node {node}: {what}")]
    Tree {
        tree: usize,
        node: usize,
        what: String,
    },
}

impl Model {
    /// Reads a model and checks every tree: features it knows, children that exist and come
    /// after their parent (so a walk always ends), finite values. A model fitted by an
    /// earlier version reads the features it names (fewer, or in another order): its splits
    /// are moved to where this version keeps them.
    pub fn from_json(text: &str) -> Result<Model, ModelError> {
        let mut m: Model = serde_json::from_str(text)
            .map_err(|e| ModelError::Json(format!("line {}:{}: {e}", e.line(), e.column())))?;
        let mut index: Vec<usize> = Vec::with_capacity(m.features.len());
        for name in &m.features {
            match FEATURES.iter().position(|f| f == name) {
                Some(i) if !index.contains(&i) => index.push(i),
                _ => {
                    return Err(ModelError::Features {
                        found: m.features.clone(),
                    });
                }
            }
        }
        if !m.start.is_finite() {
            return Err(ModelError::Json("start is not a number".into()));
        }
        if let Some(w) = &mut m.wording {
            w.check().map_err(ModelError::Json)?;
            w.build_index();
        }
        if let Some(n) = &mut m.neighbours {
            n.check().map_err(ModelError::Json)?;
            n.build_index();
        }
        for (t, nodes) in m.trees.iter().enumerate() {
            if nodes.is_empty() {
                return Err(ModelError::Tree {
                    tree: t,
                    node: 0,
                    what: "has no nodes".into(),
                });
            }
            for (i, n) in nodes.iter().enumerate() {
                let bad = |what: &str| ModelError::Tree {
                    tree: t,
                    node: i,
                    what: what.to_owned(),
                };
                if !n.value.is_finite() {
                    return Err(bad("value is not a number"));
                }
                if let Some(s) = n.split {
                    if s.feature >= index.len() {
                        return Err(bad("splits on a feature that does not exist"));
                    }
                    if !s.at.is_finite() {
                        return Err(bad("splits at a value that is not a number"));
                    }
                    if s.left <= i
                        || s.right <= i
                        || s.left >= nodes.len()
                        || s.right >= nodes.len()
                    {
                        return Err(bad("a child that does not exist or comes before it"));
                    }
                }
            }
        }
        for n in m.trees.iter_mut().flatten() {
            if let Some(s) = &mut n.split {
                s.feature = index[s.feature];
            }
        }
        m.features = FEATURES.iter().map(|f| (*f).to_owned()).collect();
        Ok(m)
    }

    /// Where every reading starts: the median grade moved by each tree's root.
    pub fn typical(&self) -> f64 {
        self.start
            + self
                .trees
                .iter()
                .filter_map(|t| t.first())
                .map(|n| self.params.rate * n.value)
                .sum::<f64>()
    }

    /// The reading of `x`, and what each feature added (Saabas' path attribution: each split
    /// on the way to a leaf moves the value by the difference of the child's and the node's).
    pub fn predict(&self, x: &[f64]) -> (f64, Vec<f64>) {
        let mut why = vec![0.0; FEATURES.len()];
        let mut y = self.start;
        for nodes in &self.trees {
            let Some(root) = nodes.first() else {
                continue;
            };
            y += self.params.rate * root.value;
            let mut i = 0;
            while let Some(s) = nodes[i].split {
                let next = if x.get(s.feature).copied().unwrap_or(0.0) <= s.at {
                    s.left
                } else {
                    s.right
                };
                let delta = nodes[next].value - nodes[i].value;
                y += self.params.rate * delta;
                why[s.feature] += self.params.rate * delta;
                i = next;
            }
        }
        (y, why)
    }
}

/// The reading of a reply as scoring gives it: the model's value less what the reply's
/// premature moves cost, clamped to 0–100, under a gate's `cap`, and never above the rules'
/// score when the reply did nothing relevant: no move the rules saw, no question about the
/// conversation, and less than a tenth of its content words on the conversation's subject
/// ([`OFF_SUBJECT`]; no free points).
///
/// A premature move costs after the reading as a gate caps after it, down to the rules' score
/// at most (which paid it already): its words read as well as the same move at the right moment
/// (a deposit asked for at the door is worded as one asked for after the tour), so the reading
/// alone would let the move raise the score it must lower.
pub fn bounded(y: f64, x: &[f64], cap: Option<f64>) -> f64 {
    // The cost comes off what the reading gives, but never takes it below the rules' score,
    // which already paid it.
    let premature = x.get(PREMATURE).copied().unwrap_or(0.0).min(0.0);
    let rules = x.get(RULES).copied().unwrap_or(0.0);
    let mut read = (y + premature).max(y.min(rules)).clamp(0.0, 100.0);
    if let Some(c) = cap {
        read = read.min(c);
    }
    let none = |i: usize| x.get(i).copied().unwrap_or(0.0) <= 0.0;
    let off_subject = x.get(SHARE).copied().unwrap_or(0.0) < OFF_SUBJECT;
    if none(MOVES_SEEN) && none(QUESTIONS) && off_subject {
        read = read.min(x.get(RULES).copied().unwrap_or(0.0));
    }
    read
}

/// The bundled reading, fitted to the project's trainer-graded sets
/// (`assets/grading/reading.json`; `salesdojo calibrate --fit-model` makes one).
///
/// `SALESDOJO_READING` names another model file (one a trainer fitted to her own grades), or
/// `off` for the rules' score alone; a file that cannot be read or used is said once on
/// standard error and the bundled reading is used instead.
pub fn bundled() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let own = std::env::var_os("SALESDOJO_READING");
            if let Some(path) = own.as_ref().filter(|p| !p.is_empty()) {
                if path == "off" {
                    return None;
                }
                let read = std::fs::read_to_string(path)
                    .map_err(|e| e.to_string())
                    .and_then(|t| Model::from_json(&t).map_err(|e| e.to_string()));
                match read {
                    Ok(m) => return Some(m),
                    Err(e) => eprintln!(
                        "SALESDOJO_READING: cannot use '{}': {e}; the bundled reading is used",
                        std::path::Path::new(path).display()
                    ),
                }
            }
            Model::from_json(include_str!("../../assets/grading/reading.json")).ok()
        })
        .as_ref()
}

/// The features of a scored reply: `rules` is its score by the rules, `criteria` each
/// criterion's (points, whether it starts full, moves seen); `moves` the turn's moves per
/// criterion (from the shape).
pub fn features(
    rules: f64,
    criteria: &[(f64, bool, usize, usize)],
    gate: bool,
    premature: f64,
    shape: &Shape,
    wording: f64,
    neighbours: f64,
) -> Vec<f64> {
    let earned: Vec<&(f64, bool, usize, usize)> = criteria.iter().filter(|c| !c.1).collect();
    let pts: Vec<f64> = earned.iter().map(|c| c.0).collect();
    let n = pts.len().max(1) as f64;
    let mean = pts.iter().sum::<f64>() / n;
    let min = pts.iter().copied().fold(f64::INFINITY, f64::min);
    let max = pts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let seen: usize = earned.iter().map(|c| c.2).sum();
    let possible: usize = earned.iter().map(|c| c.3).sum();
    let share = earned
        .iter()
        .map(|c| {
            if c.3 > 0 {
                (c.2 as f64 / c.3 as f64).min(1.0)
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / n;
    let conduct = criteria
        .iter()
        .filter(|c| c.1)
        .map(|c| c.0)
        .fold(100.0, f64::min);
    vec![
        rules,
        mean,
        if min.is_finite() { min } else { 0.0 },
        if max.is_finite() { max } else { 0.0 },
        share,
        seen as f64,
        possible.saturating_sub(seen) as f64,
        pts.iter().filter(|p| **p <= 0.0).count() as f64 / n,
        conduct,
        f64::from(u8::from(gate)),
        premature,
        shape.questions as f64,
        f64::from(u8::from(shape.latin)),
        f64::from(u8::from(shape.echo)),
        f64::from(u8::from(shape.open_question)),
        f64::from(u8::from(shape.topic)),
        shape.share,
        shape.addresses as f64,
        wording,
        neighbours,
    ]
}

/// Fits a reading to `rows` (features, grade). Rows are kept in the order given; ties between
/// equally good splits go to the first feature and the lowest value, so a fit is repeatable.
pub fn fit(rows: &[(Vec<f64>, f64)], params: Params, sets: Vec<String>) -> Model {
    let n = rows.len();
    let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let start = median(&mut y.clone());
    let mut f = vec![start; n];
    // Each feature's rows in ascending order, once: a node's split search walks them.
    let order: Vec<Vec<usize>> = (0..FEATURES.len())
        .map(|k| {
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&a, &b| {
                rows[a].0[k]
                    .total_cmp(&rows[b].0[k])
                    .then_with(|| a.cmp(&b))
            });
            idx
        })
        .collect();
    let mut trees = Vec::with_capacity(params.trees);
    for _ in 0..params.trees {
        let residual: Vec<f64> = (0..n).map(|i| y[i] - f[i]).collect();
        let sign: Vec<f64> = residual
            .iter()
            .map(|r| {
                if *r > 0.0 {
                    1.0
                } else if *r < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            })
            .collect();
        let mut nodes = Vec::new();
        let mut leaf_of = vec![0usize; n];
        grow(
            rows,
            &order,
            &sign,
            &residual,
            (0..n).collect(),
            params,
            0,
            &mut nodes,
            &mut leaf_of,
        );
        for i in 0..n {
            f[i] += params.rate * nodes[leaf_of[i]].value;
        }
        trees.push(nodes);
    }
    Model {
        features: FEATURES.iter().map(|s| (*s).to_owned()).collect(),
        params,
        fitted_to: n,
        sets,
        start,
        trees,
        wording: None,
        neighbours: None,
    }
}

/// Grows the node of `members` at depth `depth` and its children; returns its index.
#[allow(clippy::too_many_arguments)]
fn grow(
    rows: &[(Vec<f64>, f64)],
    order: &[Vec<usize>],
    sign: &[f64],
    residual: &[f64],
    members: Vec<usize>,
    params: Params,
    depth: usize,
    nodes: &mut Vec<Node>,
    leaf_of: &mut [usize],
) -> usize {
    let me = nodes.len();
    let mut r: Vec<f64> = members.iter().map(|&i| residual[i]).collect();
    nodes.push(Node {
        value: median(&mut r),
        split: None,
    });
    let best = if depth < params.depth {
        best_split(rows, order, sign, &members, params.min_leaf)
    } else {
        None
    };
    let Some((feature, at)) = best else {
        for &i in &members {
            leaf_of[i] = me;
        }
        return me;
    };
    let (l, rr): (Vec<usize>, Vec<usize>) =
        members.iter().partition(|&&i| rows[i].0[feature] <= at);
    let left = grow(
        rows,
        order,
        sign,
        residual,
        l,
        params,
        depth + 1,
        nodes,
        leaf_of,
    );
    let right = grow(
        rows,
        order,
        sign,
        residual,
        rr,
        params,
        depth + 1,
        nodes,
        leaf_of,
    );
    nodes[me].split = Some(Split {
        feature,
        at,
        left,
        right,
    });
    me
}

/// The split of `members` that most reduces the squared error of `sign`, with at least
/// `min_leaf` rows on each side.
fn best_split(
    rows: &[(Vec<f64>, f64)],
    order: &[Vec<usize>],
    sign: &[f64],
    members: &[usize],
    min_leaf: usize,
) -> Option<(usize, f64)> {
    let n = members.len();
    if n < 2 * min_leaf.max(1) {
        return None;
    }
    let mut inside = vec![false; rows.len()];
    for &i in members {
        inside[i] = true;
    }
    let total: f64 = members.iter().map(|&i| sign[i]).sum();
    let parent = total * total / n as f64;
    let mut best: Option<(f64, usize, f64)> = None;
    for (k, idx) in order.iter().enumerate() {
        let mut left_sum = 0.0;
        let mut prev: Option<f64> = None;
        // `left_n` rows lie left of row `i`.
        for (left_n, &i) in idx.iter().filter(|&&i| inside[i]).enumerate() {
            let v = rows[i].0[k];
            if let Some(p) = prev
                && v > p
                && left_n >= min_leaf.max(1)
                && n - left_n >= min_leaf.max(1)
            {
                let right_sum = total - left_sum;
                let gain = left_sum * left_sum / left_n as f64
                    + right_sum * right_sum / (n - left_n) as f64
                    - parent;
                if gain > 1e-9 && best.is_none_or(|b| gain > b.0 + 1e-12) {
                    best = Some((gain, k, (p + v) / 2.0));
                }
            }
            left_sum += sign[i];
            prev = Some(v);
        }
    }
    best.map(|(_, k, at)| (k, at))
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rules: f64, questions: f64) -> Vec<f64> {
        let mut x = vec![0.0; FEATURES.len()];
        x[0] = rules;
        x[11] = questions;
        x
    }

    /// A model learns a step it can see and its attribution adds up to the reading.
    #[test]
    fn a_fit_learns_a_step_and_explains_every_point() {
        let rows: Vec<(Vec<f64>, f64)> = (0..200)
            .map(|i| {
                let rules = f64::from(i % 100);
                (row(rules, 3.0), if rules < 50.0 { 20.0 } else { 80.0 })
            })
            .collect();
        let m = fit(&rows, Params::default(), vec![]);
        let (lo, why_lo) = m.predict(&row(10.0, 3.0));
        let (hi, _) = m.predict(&row(90.0, 3.0));
        assert!((lo - 20.0).abs() < 3.0, "{lo}");
        assert!((hi - 80.0).abs() < 3.0, "{hi}");
        let root: f64 = m.trees.iter().map(|t| m.params.rate * t[0].value).sum();
        let sum: f64 = why_lo.iter().sum::<f64>() + m.start + root;
        assert!((sum - lo).abs() < 1e-9, "{sum} vs {lo}");
        assert!(
            why_lo[0] < -20.0,
            "the rules' score explains the step: {why_lo:?}"
        );
        // The same rows give the same model.
        assert_eq!(m, fit(&rows, Params::default(), vec![]));
    }

    #[test]
    fn a_broken_model_file_is_refused_with_where() {
        let m = fit(
            &[(row(1.0, 1.0), 10.0), (row(2.0, 1.0), 20.0)],
            Params::default(),
            vec![],
        );
        let good = serde_json::to_string(&m).expect("json");
        assert!(Model::from_json(&good).is_ok());
        let loop_back = good.replacen(
            "\"value\"",
            "\"split\":{\"feature\":0,\"at\":1.0,\"left\":0,\"right\":0},\"value\"",
            1,
        );
        let e = Model::from_json(&loop_back).expect_err("a cycle");
        assert!(e.to_string().contains("tree 0, node 0"), "{e}");
        let other = good.replacen("\"rules\"", "\"words\"", 1);
        assert!(matches!(
            Model::from_json(&other),
            Err(ModelError::Features { .. })
        ));
        assert!(
            Model::from_json("{")
                .expect_err("json")
                .to_string()
                .starts_with("line 1:")
        );
    }

    /// A model fitted by an earlier version names fewer facts, in its own order: it reads them
    /// by name. A fact named twice, or one this version does not compute, is refused.
    #[test]
    fn a_model_from_an_earlier_version_reads_the_facts_it_names() {
        let leaf = |value: f64| Node { value, split: None };
        let old = Model {
            features: vec!["questions".into(), "rules".into()],
            params: Params::default(),
            fitted_to: 2,
            sets: vec![],
            start: 50.0,
            trees: vec![vec![
                Node {
                    value: 0.0,
                    split: Some(Split {
                        feature: 1,
                        at: 50.0,
                        left: 1,
                        right: 2,
                    }),
                },
                leaf(-100.0),
                leaf(100.0),
            ]],
            wording: None,
            neighbours: None,
        };
        let text = serde_json::to_string(&old).expect("json");
        // An earlier model has no wording at all.
        assert!(!text.contains("wording"), "{text}");
        let m = Model::from_json(&text).expect("an earlier model reads");
        assert_eq!(m.features, FEATURES);
        // Split on "rules" (its second fact), wherever this version keeps it.
        assert_eq!(m.trees[0][0].split.map(|s| s.feature), Some(RULES));
        assert!(m.predict(&row(90.0, 0.0)).0 > 50.0);
        assert!(m.predict(&row(10.0, 9.0)).0 < 50.0);
        let twice = text.replacen("\"questions\"", "\"rules\"", 1);
        assert!(matches!(
            Model::from_json(&twice),
            Err(ModelError::Features { .. })
        ));
        let beyond = text.replacen("\"feature\":1", "\"feature\":2", 1);
        assert!(Model::from_json(&beyond).is_err());
    }

    /// No free points: a reply with no move, no question and almost nothing on the subject
    /// reads no higher than its rules; one on the subject may.
    #[test]
    fn a_reply_off_the_subject_gets_no_free_points() {
        let mut x = row(11.0, 0.0);
        assert_eq!(bounded(60.0, &x, None), 11.0);
        x[SHARE] = 0.05;
        assert_eq!(bounded(60.0, &x, None), 11.0);
        x[SHARE] = 0.5;
        assert_eq!(bounded(60.0, &x, None), 60.0);
        assert_eq!(bounded(60.0, &x, Some(30.0)), 30.0);
        x[SHARE] = 0.0;
        x[MOVES_SEEN] = 1.0;
        assert_eq!(bounded(60.0, &x, None), 60.0);
    }

    /// A premature move costs its points after the reading, before a gate's cap, down to the
    /// rules' score at most.
    #[test]
    fn a_premature_move_costs_after_the_reading() {
        let mut x = row(60.0, 0.0);
        x[SHARE] = 0.5;
        assert_eq!(FEATURES[PREMATURE], "premature");
        assert_eq!(bounded(80.0, &x, None), 80.0);
        x[PREMATURE] = -15.0;
        assert_eq!(bounded(80.0, &x, None), 65.0);
        assert_eq!(bounded(80.0, &x, Some(30.0)), 30.0);
        // Never below the rules' score (60 here), which already paid the cost, unless the
        // reading was below it anyway.
        assert_eq!(bounded(70.0, &x, None), 60.0);
        assert_eq!(bounded(10.0, &x, None), 10.0);
    }

    #[test]
    fn the_bundled_reading_reads() {
        let m = bundled().expect("assets/grading/reading.json reads");
        assert!(m.fitted_to >= 1000, "{}", m.fitted_to);
    }

    #[test]
    fn shape_tells_english_from_chinese() {
        assert!(Shape::of("Could you tell me more?", vec![]).latin);
        assert!(!Shape::of("您说的 ERP 系统是哪一家？", vec![]).latin);
        assert_eq!(Shape::of("好的，明白。您看呢？", vec![]).questions, 1);
    }
}
