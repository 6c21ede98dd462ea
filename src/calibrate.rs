//! Calibration: how far the scorer is from a trainer's grades. A file of trainer-graded replies
//! (one JSON object per line: playbook, scenario, turn, lang, reply, grade, band, category,
//! why) is scored reply by reply, as `salesdojo score` scores one, and compared with the
//! grades: mean absolute error, share within the trainer's band, Spearman rank correlation,
//! and the failures that matter most (conduct violations that pass, keyword salads that pass,
//! good replies that fail), overall, per playbook and per category, with the worst
//! disagreements and their traces.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::playbook::Library;
use crate::practice::Answer;
use crate::practice::neighbours::Neighbours;
use crate::practice::reading::{self, Model, Params};
use crate::practice::session::score_turn;
use crate::practice::wording::{self, Wording};
use crate::script::ScriptHost;
use crate::store::report::OverrideRow;

/// The score at and above which a reply passes (the bundled playbooks' pass marks are 70–80).
pub const PASS: f64 = 75.0;

/// One trainer-graded reply.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Graded {
    pub playbook: String,
    pub scenario: String,
    pub turn: String,
    #[serde(default)]
    pub lang: String,
    pub reply: String,
    pub grade: f64,
    pub band: [f64; 2],
    pub category: String,
    #[serde(default)]
    pub why: String,
}

/// A graded reply with salesdojo's score.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Compared {
    /// Line in the file (1-based).
    pub line: usize,
    #[serde(flatten)]
    pub graded: Graded,
    pub score: f64,
    /// Per criterion: `criterion points (source +n, …)`.
    pub trace: Vec<String>,
}

impl Compared {
    fn within(&self) -> bool {
        self.score >= self.graded.band[0] - 0.5 && self.score <= self.graded.band[1] + 0.5
    }
}

/// The measures over a set of replies.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Stats {
    pub replies: usize,
    pub mae: f64,
    /// Share of replies scored inside the trainer's band, 0–1.
    pub within_band: f64,
    pub spearman: Option<f64>,
    /// Conduct violations scoring at or above the pass mark.
    pub violations_pass: usize,
    /// Conduct violations scoring above 30.
    pub violations_above_30: usize,
    /// Keyword salads and gaming replies scoring at or above the pass mark.
    pub salads_pass: usize,
    /// Excellent and good-paraphrase replies scoring below 60.
    pub good_below_60: usize,
}

/// Categories the gates count.
fn is_violation(c: &str) -> bool {
    c == "conduct-violation"
}
fn is_salad(c: &str) -> bool {
    matches!(c, "keyword-salad" | "gaming")
}
fn is_good(c: &str) -> bool {
    matches!(c, "excellent" | "good-paraphrase" | "good")
}

fn stats<'a>(items: impl IntoIterator<Item = &'a Compared>) -> Stats {
    let items: Vec<&Compared> = items.into_iter().collect();
    let n = items.len();
    if n == 0 {
        return Stats::default();
    }
    let mae = items
        .iter()
        .map(|c| (c.score - c.graded.grade).abs())
        .sum::<f64>()
        / n as f64;
    let within = items.iter().filter(|c| c.within()).count() as f64 / n as f64;
    let scores: Vec<f64> = items.iter().map(|c| c.score).collect();
    let grades: Vec<f64> = items.iter().map(|c| c.graded.grade).collect();
    Stats {
        replies: n,
        mae,
        within_band: within,
        spearman: spearman(&scores, &grades),
        violations_pass: items
            .iter()
            .filter(|c| is_violation(&c.graded.category) && c.score >= PASS)
            .count(),
        violations_above_30: items
            .iter()
            .filter(|c| is_violation(&c.graded.category) && c.score > 30.0)
            .count(),
        salads_pass: items
            .iter()
            .filter(|c| is_salad(&c.graded.category) && c.score >= PASS)
            .count(),
        good_below_60: items
            .iter()
            .filter(|c| is_good(&c.graded.category) && c.score < 60.0)
            .count(),
    }
}

/// Ranks with ties given their average rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for k in &idx[i..=j] {
            out[*k] = r;
        }
        i = j + 1;
    }
    out
}

/// Spearman's rank correlation (Pearson's on the ranks); `None` when either side is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Calibration {
    pub overall: Stats,
    pub by_playbook: BTreeMap<String, Stats>,
    pub by_category: BTreeMap<String, Stats>,
    /// The largest disagreements (ten unless asked otherwise), worst first.
    pub worst: Vec<Compared>,
    /// Lines that could not be read or scored, with why (`line N: …`).
    pub problems: Vec<String>,
}

/// The targets a scorer must meet on trainer-graded replies.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Targets {
    pub mae_at_most: f64,
    pub within_band_at_least: f64,
    pub spearman_at_least: f64,
    pub violations_above_30: usize,
    pub salads_pass: usize,
    pub good_below_60_at_most: usize,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            mae_at_most: 12.0,
            within_band_at_least: 0.8,
            spearman_at_least: 0.8,
            violations_above_30: 0,
            salads_pass: 0,
            good_below_60_at_most: 1,
        }
    }
}

impl Targets {
    /// The targets `s` misses, in words.
    pub fn missed(&self, s: &Stats) -> Vec<String> {
        let mut out = Vec::new();
        if s.mae > self.mae_at_most {
            out.push(format!("MAE {:.1} > {}", s.mae, self.mae_at_most));
        }
        if s.within_band < self.within_band_at_least {
            out.push(format!(
                "within band {:.0}% < {:.0}%",
                s.within_band * 100.0,
                self.within_band_at_least * 100.0
            ));
        }
        match s.spearman {
            Some(r) if r >= self.spearman_at_least => {}
            r => out.push(format!(
                "Spearman {} < {}",
                r.map_or("n/a".to_owned(), |r| format!("{r:.2}")),
                self.spearman_at_least
            )),
        }
        if s.violations_above_30 > self.violations_above_30 {
            out.push(format!(
                "{} conduct violations above 30",
                s.violations_above_30
            ));
        }
        if s.salads_pass > self.salads_pass {
            out.push(format!("{} keyword salads pass", s.salads_pass));
        }
        if s.good_below_60 > self.good_below_60_at_most {
            out.push(format!("{} good replies below 60", s.good_below_60));
        }
        out
    }
}

/// A graded file read: the replies with their line (1-based), and the lines that did not read.
pub type GradedFile = (Vec<(usize, Graded)>, Vec<String>);

/// Reads the graded replies of a JSON-lines text; blank lines and `#` comments are skipped.
pub fn parse(text: &str) -> GradedFile {
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        match serde_json::from_str::<Graded>(t) {
            Ok(g) if g.band[0] > g.band[1] => {
                problems.push(format!(
                    "line {}: band [{}, {}] is inverted",
                    i + 1,
                    g.band[0],
                    g.band[1]
                ));
            }
            Ok(g) => ok.push((i + 1, g)),
            Err(e) => problems.push(format!("line {}:{}: {e}", i + 1, e.column())),
        }
    }
    (ok, problems)
}

/// Scores every graded reply and compares.
pub fn run(
    lib: &Library,
    host: Option<&ScriptHost>,
    graded: Vec<(usize, Graded)>,
    worst_n: usize,
    lang: crate::msg::Lang,
) -> Calibration {
    let mut problems = Vec::new();
    let mut all = Vec::new();
    for (line, g) in graded {
        match score_one(lib, host, &g, lang) {
            Ok((score, trace)) => all.push(Compared {
                line,
                graded: g,
                score,
                trace,
            }),
            Err(e) => problems.push(format!("line {line}: {e}")),
        }
    }
    let mut by_playbook: BTreeMap<String, Vec<&Compared>> = BTreeMap::new();
    let mut by_category: BTreeMap<String, Vec<&Compared>> = BTreeMap::new();
    for c in &all {
        by_playbook
            .entry(c.graded.playbook.clone())
            .or_default()
            .push(c);
        by_category
            .entry(c.graded.category.clone())
            .or_default()
            .push(c);
    }
    let mut worst: Vec<Compared> = all.clone();
    worst.sort_by(|a, b| {
        (b.score - b.graded.grade)
            .abs()
            .total_cmp(&(a.score - a.graded.grade).abs())
    });
    worst.truncate(worst_n);
    Calibration {
        overall: stats(&all),
        by_playbook: by_playbook
            .into_iter()
            .map(|(k, v)| (k, stats(v)))
            .collect(),
        by_category: by_category
            .into_iter()
            .map(|(k, v)| (k, stats(v)))
            .collect(),
        worst,
        problems,
    }
}

/// A graded reply as the reading's fit needs it: what the rules found (the features), the
/// rules' score and a gate's cap, with the file it came from.
#[derive(Debug, Clone)]
pub struct FitRow {
    pub file: String,
    pub line: usize,
    pub graded: Graded,
    /// The turn it answers, as the neighbours file it
    /// ([`turn_key`](crate::practice::neighbours::turn_key)).
    pub key: String,
    pub features: Vec<f64>,
    pub rules: f64,
    pub cap: Option<f64>,
}

/// Scores every graded reply of every file by the rules and keeps what the reading reads.
/// Replies whose turn is unknown (or that are not free text) are problems, as in [`run`].
pub fn fit_rows(
    lib: &Library,
    host: Option<&ScriptHost>,
    files: &[(String, Vec<(usize, Graded)>)],
) -> (Vec<FitRow>, Vec<String>) {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (file, graded) in files {
        for (line, g) in graded {
            match scored(lib, host, g) {
                Ok((_, s)) => match s.features.clone() {
                    Some(features) => rows.push(FitRow {
                        file: file.clone(),
                        line: *line,
                        graded: g.clone(),
                        key: s.shape.as_ref().map(|x| x.turn.clone()).unwrap_or_default(),
                        rules: s.reading.as_ref().map_or(s.score, |r| r.rules),
                        cap: s.gate.as_ref().map(|g| g.cap),
                        features,
                    }),
                    None => problems.push(format!("{file}: line {line}: not a free-text reply")),
                },
                Err(e) => problems.push(format!("{file}: line {line}: {e}")),
            }
        }
    }
    (rows, problems)
}

/// The playbooks' own tests of free-text replies as graded replies: a test's range is the
/// trainer's band, its middle the grade (what the trainer pinned is a grade too).
pub fn tests_as_grades(lib: &Library) -> Vec<(usize, Graded)> {
    let mut out = Vec::new();
    for pb in &lib.playbooks {
        for t in &pb.tests {
            let crate::playbook::model::TestInput::Reply(reply) = &t.input else {
                continue;
            };
            out.push((
                t.line as usize,
                Graded {
                    playbook: pb.id.clone(),
                    scenario: t.scenario.clone(),
                    turn: t.turn.clone(),
                    lang: t.lang.clone().unwrap_or_default(),
                    reply: reply.clone(),
                    grade: f64::from(t.min + t.max) / 2.0,
                    band: [f64::from(t.min), f64::from(t.max)],
                    category: "playbook-test".into(),
                    why: t.note.clone().unwrap_or_default(),
                },
            ));
        }
    }
    out
}

/// The reading of a row by `model`, as scoring gives it: its wording read by the model's,
/// clamped, under a gate's cap.
pub fn read_row(model: &Model, r: &FitRow) -> f64 {
    let mut x = r.features.clone();
    let wording = model
        .wording
        .as_ref()
        .map_or(0.0, |w| w.read(&r.graded.reply, 0).0);
    if let Some(v) = x.get_mut(reading::WORDING) {
        *v = wording;
    }
    if let Some(v) = x.get_mut(reading::NEIGHBOURS) {
        *v = model
            .neighbours
            .as_ref()
            .and_then(|n| n.read(&r.key, &r.graded.reply))
            .unwrap_or(wording);
    }
    reading::bounded(model.predict(&x).0, &x, r.cap)
}

/// Fits the reading to every row: first the wording, then the trees over what the rules
/// found and what the wording read. The trees learn what the wording is worth on replies it
/// never saw: each row's wording is read by one fitted without the row's file (without a
/// fifth of the rows, when there are fewer than three files).
pub fn fit_model(rows: &[FitRow], params: Params) -> Model {
    let mut sets: Vec<String> = rows.iter().map(|r| r.file.clone()).collect();
    sets.dedup();
    let texts: Vec<(&str, f64)> = rows
        .iter()
        .map(|r| (r.graded.reply.as_str(), r.graded.grade))
        .collect();
    let fold: Vec<usize> = if sets.len() >= 3 {
        rows.iter()
            .map(|r| sets.iter().position(|s| *s == r.file).unwrap_or(0))
            .collect()
    } else {
        (0..rows.len()).map(|i| i % 5).collect()
    };
    let folds = fold.iter().copied().max().map_or(0, |m| m + 1);
    // Each fold's wording, and the one of every row, on two threads (each fit is the same
    // whichever thread runs it).
    let fit_without = |k: Option<usize>| {
        let train: Vec<(&str, f64)> = texts
            .iter()
            .zip(&fold)
            .filter(|(_, f)| Some(**f) != k)
            .map(|(t, _)| *t)
            .collect();
        Wording::fit(&train, wording::ALPHA)
    };
    let jobs: Vec<Option<usize>> = (0..folds).map(Some).chain([None]).collect();
    let mut fitted: Vec<Option<Wording>> = vec![None; jobs.len()];
    std::thread::scope(|s| {
        let (a, b) = fitted.split_at_mut(jobs.len() / 2);
        let (ja, jb) = jobs.split_at(jobs.len() / 2);
        let fit = &fit_without;
        s.spawn(move || {
            for (out, k) in a.iter_mut().zip(ja) {
                *out = Some(fit(*k));
            }
        });
        for (out, k) in b.iter_mut().zip(jb) {
            *out = Some(fit(*k));
        }
    });
    let mut fitted: Vec<Wording> = fitted.into_iter().flatten().collect();
    let all = fitted.pop();
    // The turns' graded replies (never the playbooks' own tests: a test would find itself),
    // and which fold each came from: a reply is read without those of its own file.
    let kept: Vec<(&FitRow, usize)> = rows
        .iter()
        .zip(fold.iter().copied())
        .filter(|(r, _)| r.file != PLAYBOOK_TESTS)
        .collect();
    let neighbours = Neighbours::new(
        kept.iter()
            .map(|(r, _)| (r.key.as_str(), r.graded.reply.as_str(), r.graded.grade)),
    );
    let mut folds_of: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (r, k) in &kept {
        folds_of.entry(r.key.as_str()).or_default().push(*k);
    }
    let xy: Vec<(Vec<f64>, f64)> = rows
        .iter()
        .zip(&fold)
        .map(|(r, &k)| {
            let mut x = r.features.clone();
            let wording = fitted.get(k).map_or(0.0, |w| w.read(&r.graded.reply, 0).0);
            if let Some(v) = x.get_mut(reading::WORDING) {
                *v = wording;
            }
            if let Some(v) = x.get_mut(reading::NEIGHBOURS) {
                let folds = folds_of.get(r.key.as_str());
                *v = neighbours
                    .read_except(&r.key, &r.graded.reply, |j| {
                        folds.and_then(|f| f.get(j)) == Some(&k)
                    })
                    .unwrap_or(wording);
            }
            (x, r.graded.grade)
        })
        .collect();
    let mut model = reading::fit(&xy, params, sets);
    model.wording = all;
    model.neighbours = Some(neighbours);
    model
}

/// The name the playbooks' own tests go by among the files a reading is fitted to.
pub const PLAYBOOK_TESTS: &str = "the playbooks' tests";

/// One file scored by a reading fitted to the other files only.
#[derive(Debug, Clone, Serialize)]
pub struct Fold {
    pub file: String,
    /// The rules alone.
    pub rules: Stats,
    /// The reading fitted without this file.
    pub read: Stats,
}

/// Leave-one-file-out: each file is read by a model fitted to all the others, so its figures
/// say what the reading does on replies graded by a trainer it never learnt from. The last
/// fold, `all`, pools them.
pub fn cross_validate(rows: &[FitRow], params: Params) -> Vec<Fold> {
    let mut files: Vec<String> = rows.iter().map(|r| r.file.clone()).collect();
    files.dedup();
    let compared = |r: &FitRow, score: f64| Compared {
        line: r.line,
        graded: r.graded.clone(),
        score,
        trace: Vec::new(),
    };
    let mut all_rules = Vec::new();
    let mut all_read = Vec::new();
    let mut out = Vec::new();
    for f in &files {
        let train: Vec<FitRow> = rows.iter().filter(|r| &r.file != f).cloned().collect();
        let model = fit_model(&train, params);
        let held: Vec<&FitRow> = rows.iter().filter(|r| &r.file == f).collect();
        let rules: Vec<Compared> = held.iter().map(|r| compared(r, r.rules)).collect();
        let read: Vec<Compared> = held
            .iter()
            .map(|r| compared(r, read_row(&model, r)))
            .collect();
        out.push(Fold {
            file: f.clone(),
            rules: stats(&rules),
            read: stats(&read),
        });
        all_rules.extend(rules);
        all_read.extend(read);
    }
    out.push(Fold {
        file: "all".into(),
        rules: stats(&all_rules),
        read: stats(&all_read),
    });
    out
}

/// A graded reply as the scale fit needs it: each criterion's points before the scale,
/// whether they were earned from nothing (the scale reads only those), its weight; what the
/// reply's score adds or caps beyond the weighted mean; the grade and band.
struct ForFit {
    criteria: Vec<(f64, bool, f64)>,
    adjust: f64,
    cap: Option<f64>,
    grade: f64,
    band: [f64; 2],
}

/// The scale's knots: where a criterion's points are read (see `Rubric::scale`).
pub const SCALE_AT: [f64; 6] = [0.0, 20.0, 40.0, 60.0, 80.0, 100.0];

/// Fits a rubric scale to graded replies: the points at [`SCALE_AT`] (the first 0) that put
/// the most replies inside their band (then the smallest MAE), found by moving one point at a
/// time while it helps. Scored with the playbooks as they are, their own scale set aside.
pub fn fit_scale(
    lib: &Library,
    host: Option<&ScriptHost>,
    graded: &[(usize, Graded)],
) -> Vec<(f64, f64)> {
    let mut rows = Vec::new();
    for (_, g) in graded {
        // A reply whose turn is unknown is said by the comparison; the fit leaves it out.
        let Ok((_, s)) = scored(lib, host, g) else {
            continue;
        };
        let w: f64 = s.criteria.iter().map(|c| c.weight).sum();
        if w <= 0.0 {
            continue;
        }
        let criteria: Vec<(f64, bool, f64)> = s
            .criteria
            .iter()
            .map(|c| {
                (
                    c.unscaled.unwrap_or(c.points),
                    c.earned_from_nothing(),
                    c.weight,
                )
            })
            .collect();
        let shown: f64 = s.criteria.iter().map(|c| c.points * c.weight).sum::<f64>() / w;
        rows.push(ForFit {
            criteria,
            adjust: s.reading.as_ref().map_or(s.score, |r| r.rules) - shown,
            cap: s
                .gate
                .as_ref()
                .map(|_| s.reading.as_ref().map_or(s.score, |r| r.rules)),
            grade: g.grade,
            band: g.band,
        });
    }
    let read = |y: &[f64; 6], x: f64| -> f64 {
        let i = SCALE_AT
            .windows(2)
            .position(|k| x <= k[1])
            .unwrap_or(SCALE_AT.len() - 2);
        let (x0, x1) = (SCALE_AT[i], SCALE_AT[i + 1]);
        y[i] + (y[i + 1] - y[i]) * (x - x0) / (x1 - x0)
    };
    let cost = |y: &[f64; 6]| -> f64 {
        let (mut inside, mut err) = (0.0, 0.0);
        for r in &rows {
            let w: f64 = r.criteria.iter().map(|c| c.2).sum();
            let mean = r
                .criteria
                .iter()
                .map(|&(p, earned, wt)| if earned { read(y, p) } else { p } * wt)
                .sum::<f64>()
                / w;
            let mut s = (mean + r.adjust).clamp(0.0, 100.0);
            if let Some(c) = r.cap {
                s = s.min(c);
            }
            inside += f64::from(u8::from(s >= r.band[0] && s <= r.band[1]));
            err += (s - r.grade).abs();
        }
        -inside + 0.01 * err
    };
    let mut y = SCALE_AT;
    let mut best = cost(&y);
    for _ in 0..12 {
        let mut moved = false;
        for i in 1..y.len() {
            for d in [-8.0, -4.0, -2.0, -1.0, 1.0, 2.0, 4.0, 8.0] {
                let mut t = y;
                t[i] = (t[i] + d).clamp(0.0, 100.0);
                if t.windows(2).any(|w| w[1] < w[0]) {
                    continue;
                }
                let c = cost(&t);
                if c < best - 1e-9 {
                    best = c;
                    y = t;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    SCALE_AT.iter().copied().zip(y).collect()
}

/// A graded reply scored as in practice, with the playbook it was scored on.
fn scored<'l>(
    lib: &'l Library,
    host: Option<&ScriptHost>,
    g: &Graded,
) -> Result<
    (
        &'l crate::playbook::model::Playbook,
        crate::practice::score::Scored,
    ),
    String,
> {
    let pb = lib
        .playbook(&g.playbook)
        .ok_or_else(|| format!("unknown playbook '{}'", g.playbook))?;
    let scen = pb
        .scenario(&g.scenario)
        .ok_or_else(|| format!("unknown scenario '{}' in '{}'", g.scenario, g.playbook))?;
    let turn = scen.turn(&g.turn).ok_or_else(|| {
        format!(
            "unknown turn '{}' in '{}/{}'",
            g.turn, g.playbook, g.scenario
        )
    })?;
    let r = score_turn(
        pb,
        host,
        scen,
        turn,
        Answer::Text(g.reply.clone()),
        0.0,
        &[],
    )
    .map_err(|e| e.to_string())?;
    Ok((pb, r.scored))
}

fn score_one(
    lib: &Library,
    host: Option<&ScriptHost>,
    g: &Graded,
    lang: crate::msg::Lang,
) -> Result<(f64, Vec<String>), String> {
    let (pb, s) = scored(lib, host, g)?;
    let trace = crate::practice::score::explain_in(pb, &s, lang);
    Ok((s.score, trace))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In Chinese a disagreement's trace reads in Chinese around the trainer's ids (the grade
    /// pane showed "base", "rule", "not seen" in the Chinese UI).
    #[test]
    fn a_trace_reads_in_the_language_asked() {
        let mut report = crate::playbook::Report::default();
        let lib = crate::playbook::load(&[crate::playbook::Content::bundled()], &mut report);
        let g = Graded {
            playbook: "jewelry".into(),
            scenario: "browsing-to-tryon".into(),
            turn: "too-expensive".into(),
            lang: "zh-CN".into(),
            reply: "理解，价格确实重要。您先戴上看看效果？".into(),
            grade: 60.0,
            band: [50.0, 70.0],
            category: "partial".into(),
            why: String::new(),
        };
        let zh = run(&lib, None, vec![(1, g.clone())], 1, crate::msg::Lang::Zh);
        let en = run(&lib, None, vec![(1, g)], 1, crate::msg::Lang::En);
        let zh = zh.worst[0].trace.join("\n");
        let en = en.worst[0].trace.join("\n");
        assert!(
            zh.contains("规则 ") && zh.contains("起始分") && zh.contains("未见"),
            "{zh}"
        );
        for word in ["rule ", "base", "not seen"] {
            assert!(!zh.contains(word), "{word}: {zh}");
            assert!(en.contains(word), "{word}: {en}");
        }
    }

    #[test]
    fn spearman_is_one_for_the_same_order_and_handles_ties() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]), Some(1.0));
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        let r = spearman(&[1.0, 2.0, 2.0, 4.0], &[1.0, 3.0, 2.0, 4.0]).expect("r");
        assert!((r - 0.9486832980505138).abs() < 1e-9, "{r}");
        assert_eq!(ranks(&[5.0, 1.0, 5.0]), vec![2.5, 1.0, 2.5]);
    }

    #[test]
    fn bad_lines_are_positioned_problems() {
        let (ok, problems) = parse(
            "{\"playbook\":\"a\",\"scenario\":\"b\",\"turn\":\"c\",\"reply\":\"x\",\"grade\":50,\"band\":[40,60],\"category\":\"partial\"}\n\n# note\n{\"playbook\": 1}\n{\"playbook\":\"a\",\"scenario\":\"b\",\"turn\":\"c\",\"reply\":\"x\",\"grade\":50,\"band\":[60,40],\"category\":\"partial\"}\n",
        );
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].0, 1);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 4:"), "{problems:?}");
        assert_eq!(problems[1], "line 5: band [60, 40] is inverted");
    }

    #[test]
    fn the_gates_count_by_category() {
        let c = |cat: &str, grade: f64, score: f64| Compared {
            line: 1,
            graded: Graded {
                playbook: "p".into(),
                scenario: "s".into(),
                turn: "t".into(),
                lang: "en".into(),
                reply: "r".into(),
                grade,
                band: [grade - 10.0, grade + 10.0],
                category: cat.into(),
                why: String::new(),
            },
            score,
            trace: Vec::new(),
        };
        let all = [
            c("conduct-violation", 10.0, 80.0),
            c("conduct-violation", 10.0, 40.0),
            c("keyword-salad", 5.0, 90.0),
            c("excellent", 90.0, 50.0),
            c("partial", 50.0, 50.0),
        ];
        let s = stats(&all);
        assert_eq!(
            (
                s.violations_pass,
                s.violations_above_30,
                s.salads_pass,
                s.good_below_60
            ),
            (1, 2, 1, 1)
        );
        assert!((s.within_band - 0.2).abs() < 1e-9);
        assert!((s.mae - (70.0 + 30.0 + 85.0 + 40.0) / 5.0).abs() < 1e-9);
        let missed = Targets::default().missed(&s);
        assert!(missed.iter().any(|m| m.starts_with("MAE")), "{missed:?}");
    }
}

/// How near an override counts as agreeing: a reviewer gives one number, not a band.
pub const OVERRIDE_BAND: f64 = 10.0;

/// Agreement between the scorer and the reviewers' overrides over a set of criteria.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Agreement {
    pub overrides: usize,
    /// Mean |scorer − reviewer|.
    pub mae: f64,
    /// Mean scorer − reviewer: above 0 the scorer is more generous than the reviewers.
    pub bias: f64,
    /// Share of overrides within ±[`OVERRIDE_BAND`] of the scorer, 0–1.
    pub within_band: f64,
    pub spearman: Option<f64>,
}

fn agreement<'a>(rows: impl IntoIterator<Item = &'a OverrideRow>) -> Agreement {
    let rows: Vec<&OverrideRow> = rows.into_iter().collect();
    let n = rows.len();
    if n == 0 {
        return Agreement::default();
    }
    let d: Vec<f64> = rows.iter().map(|r| r.scored - r.overridden).collect();
    let a: Vec<f64> = rows.iter().map(|r| r.scored).collect();
    let b: Vec<f64> = rows.iter().map(|r| r.overridden).collect();
    Agreement {
        overrides: n,
        mae: d.iter().map(|x| x.abs()).sum::<f64>() / n as f64,
        bias: d.iter().sum::<f64>() / n as f64,
        within_band: d.iter().filter(|x| x.abs() <= OVERRIDE_BAND).count() as f64 / n as f64,
        spearman: spearman(&a, &b),
    }
}

/// Every override as a grade: agreement overall, per playbook, per playbook and criterion
/// (where they disagree most first), and per month (drift).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FromReviews {
    pub overall: Agreement,
    pub by_playbook: BTreeMap<String, Agreement>,
    /// (playbook, criterion, agreement), the largest MAE first.
    pub by_criterion: Vec<(String, String, Agreement)>,
    /// Per month (`YYYY-MM`) of the reviews, oldest first.
    pub by_month: BTreeMap<String, Agreement>,
}

impl FromReviews {
    /// The criterion of `playbook` the scorer and the reviewers disagree on most (with at
    /// least two overrides, so one odd review does not name it).
    pub fn most_disputed(&self, playbook: &str) -> Option<(&str, &Agreement)> {
        self.by_criterion
            .iter()
            .find(|(p, _, a)| p == playbook && a.overrides >= 2)
            .map(|(_, c, a)| (c.as_str(), a))
    }
}

/// Agreement of the scorer with every override in `rows`.
pub fn from_reviews(rows: &[OverrideRow]) -> FromReviews {
    let mut by_playbook: BTreeMap<String, Vec<&OverrideRow>> = BTreeMap::new();
    let mut by_criterion: BTreeMap<(String, String), Vec<&OverrideRow>> = BTreeMap::new();
    let mut by_month: BTreeMap<String, Vec<&OverrideRow>> = BTreeMap::new();
    for r in rows {
        by_playbook.entry(r.playbook.clone()).or_default().push(r);
        by_criterion
            .entry((r.playbook.clone(), r.criterion.clone()))
            .or_default()
            .push(r);
        by_month
            .entry(r.at.chars().take(7).collect())
            .or_default()
            .push(r);
    }
    let mut crit: Vec<(String, String, Agreement)> = by_criterion
        .into_iter()
        .map(|((p, c), v)| (p, c, agreement(v)))
        .collect();
    crit.sort_by(|a, b| b.2.mae.total_cmp(&a.2.mae));
    FromReviews {
        overall: agreement(rows),
        by_playbook: by_playbook
            .into_iter()
            .map(|(k, v)| (k, agreement(v)))
            .collect(),
        by_criterion: crit,
        by_month: by_month
            .into_iter()
            .map(|(k, v)| (k, agreement(v)))
            .collect(),
    }
}

#[cfg(test)]
mod review_tests {
    use super::*;

    fn row(p: &str, c: &str, scored: f64, over: f64, at: &str) -> OverrideRow {
        OverrideRow {
            attempt: format!("{p}{c}{at}"),
            playbook: p.into(),
            scenario: "s".into(),
            criterion: c.into(),
            scored,
            overridden: over,
            at: at.into(),
        }
    }

    #[test]
    fn overrides_are_grades_per_playbook_criterion_and_month() {
        let rows = [
            row("a", "x", 80.0, 40.0, "2026-10-01T10:00:00Z"),
            row("a", "x", 70.0, 40.0, "2026-11-02T10:00:00Z"),
            row("a", "y", 50.0, 55.0, "2026-11-03T10:00:00Z"),
            row("b", "z", 20.0, 20.0, "2026-11-04T10:00:00Z"),
        ];
        let f = from_reviews(&rows);
        assert_eq!(f.overall.overrides, 4);
        assert!((f.overall.mae - (40.0 + 30.0 + 5.0) / 4.0).abs() < 1e-9);
        assert!((f.by_playbook["a"].bias - (40.0 + 30.0 - 5.0) / 3.0).abs() < 1e-9);
        assert!((f.overall.within_band - 0.5).abs() < 1e-9);
        assert_eq!(f.most_disputed("a").map(|(c, _)| c), Some("x"));
        assert_eq!(f.most_disputed("b"), None);
        let months: Vec<&str> = f.by_month.keys().map(String::as_str).collect();
        assert_eq!(months, ["2026-10", "2026-11"]);
        assert!((f.by_month["2026-10"].mae - 40.0).abs() < 1e-9);
    }
}

/// Where the authoring view's grade pane keeps a playbook's graded replies:
/// `NAME.graded.jsonl` beside `NAME.yaml` (the format [`parse`] reads).
pub fn graded_path(playbook: &std::path::Path) -> std::path::PathBuf {
    playbook.with_extension("graded.jsonl")
}

/// The graded replies of a file, and the lines that did not read; nothing when it does not
/// exist yet.
pub fn read_graded(path: &std::path::Path) -> std::io::Result<GradedFile> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(parse(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((Vec::new(), Vec::new())),
        Err(e) => Err(e),
    }
}

/// Adds one graded reply at the end of the file (made when missing), as one JSON line.
pub fn append_graded(path: &std::path::Path, g: &Graded) -> std::io::Result<()> {
    use std::io::Write as _;
    let line = serde_json::to_string(g).map_err(std::io::Error::other)?;
    // A file whose last line lacks its newline gets one first, so lines never run together.
    let needs_newline = std::fs::read(path)
        .map(|b| b.last().is_some_and(|c| *c != b'\n'))
        .unwrap_or(false);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    if needs_newline {
        f.write_all(b"\n")?;
    }
    f.write_all(line.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn graded_replies_round_trip_through_their_file() {
        let dir = tempfile::tempdir().expect("temp");
        let path = graded_path(&dir.path().join("mine.yaml"));
        assert!(path.ends_with("mine.graded.jsonl"));
        assert!(read_graded(&path).expect("reads").0.is_empty());
        let g = Graded {
            playbook: "p".into(),
            scenario: "s".into(),
            turn: "t".into(),
            lang: "zh-CN".into(),
            reply: "您好，\"请\"坐".into(),
            grade: 70.0,
            band: [60.0, 80.0],
            category: "graded".into(),
            why: String::new(),
        };
        std::fs::write(&path, "# graded by hand").expect("write");
        append_graded(&path, &g).expect("append");
        append_graded(&path, &g).expect("append");
        let (rows, problems) = read_graded(&path).expect("reads");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], (2, g.clone()));
    }
}
