//! The wording: what trainers give a reply, read from its words against graded replies.
//!
//! The rules find a move by its concept's phrasings; a move said in other words earns nothing
//! from them ("You mentioned…" moved one excellent reply from 23 to 69). The wording reads
//! every reply's letters and characters in runs of one to three (`刚才说`, `比如`, "you m")
//! and weighs each run by what trainers gave the replies that use it: a ridge regression over
//! TF-IDF weighted runs (Hoerl & Kennard 1970; the runs are Cavnar & Trenkle's character
//! n-grams, which need no word segmentation and take Chinese and English alike). It is one
//! fact the graded reading reads beside what the rules found, so it moves a score only where
//! the fit found it worth something, and never past a gate's cap or the no-free-points guard.
//! Every point is explained: [`Wording::read`] returns the runs that weighed most.
//!
//! Fitting is deterministic: runs are sorted, sums run in a fixed order, and the solver
//! (conjugate gradients on the normal equations) starts from zero.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// Only the first this-many characters are read (a 10 000-character reply costs what a long
/// ordinary one does; every graded reply is shorter).
pub const READ_CHARS: usize = 1000;
/// How strongly the weights are held to zero: chosen on the graded sets' leave-one-file-out
/// figures (1 read them better than 3 or 10).
pub const ALPHA: f64 = 1.0;
/// The longest run.
const MAX_RUN: usize = 3;
/// A run must appear in at least this many graded replies to be weighed.
const MIN_REPLIES: u32 = 2;

/// A fitted wording: each weighed run's rarity (idf) and weight, and where a reply with no
/// weighed run reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wording {
    /// How strongly the weights are held to zero (ridge's α).
    pub alpha: f64,
    /// Where a reply reads before its runs are weighed.
    pub intercept: f64,
    /// Each run: [idf, weight], rounded to six decimals.
    pub runs: BTreeMap<String, [f64; 2]>,
    #[serde(skip)]
    index: HashMap<String, [f64; 2]>,
}

/// The runs of a text and how often each appears: every word (split at white space, lower
/// case, a space either side) read in runs of 1 to [`MAX_RUN`] characters; a word shorter
/// than a run is one run.
pub fn runs(text: &str) -> HashMap<String, u32> {
    let mut out: HashMap<String, u32> = HashMap::new();
    let text: String = text.chars().take(READ_CHARS).collect();
    let lower = text.to_lowercase();
    let mut w: Vec<char> = Vec::new();
    for word in lower.split_whitespace() {
        w.clear();
        w.push(' ');
        w.extend(word.chars());
        w.push(' ');
        for n in 1..=MAX_RUN {
            if w.len() <= n {
                *out.entry(w.iter().collect()).or_default() += 1;
                continue;
            }
            for s in w.windows(n) {
                // A letter, a digit or a space alone says nothing (and counts how long an
                // English reply is); a Chinese character alone is a word.
                if n == 1 && (s[0].is_ascii_alphanumeric() || s[0] == ' ') {
                    continue;
                }
                *out.entry(s.iter().collect()).or_default() += 1;
            }
        }
    }
    out
}

/// A reply's runs as TF-IDF weights (1 + ln count, times the run's idf), of length one;
/// runs `idf` does not know are left out.
fn weigh(counts: &HashMap<String, u32>, idf: impl Fn(&str) -> Option<f64>) -> Vec<(&str, f64)> {
    let mut v: Vec<(&str, f64)> = counts
        .iter()
        .filter_map(|(r, &c)| idf(r).map(|i| (r.as_str(), (1.0 + f64::from(c).ln()) * i)))
        .collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    let norm = v.iter().map(|(_, x)| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        for (_, x) in &mut v {
            *x /= norm;
        }
    }
    v
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl Wording {
    /// Fits the wording to `(text, grade)` pairs.
    pub fn fit(rows: &[(&str, f64)], alpha: f64) -> Wording {
        let n = rows.len();
        let counts: Vec<HashMap<String, u32>> = rows.iter().map(|(t, _)| runs(t)).collect();
        let mut df: BTreeMap<&str, u32> = BTreeMap::new();
        for c in &counts {
            for r in c.keys() {
                *df.entry(r.as_str()).or_default() += 1;
            }
        }
        let kept: Vec<(&str, f64)> = df
            .iter()
            .filter(|(_, d)| **d >= MIN_REPLIES)
            .map(|(&r, &d)| {
                let idf = ((1.0 + n as f64) / (1.0 + f64::from(d))).ln() + 1.0;
                (r, round6(idf))
            })
            .collect();
        let column: HashMap<&str, usize> =
            kept.iter().enumerate().map(|(j, (r, _))| (*r, j)).collect();
        let idf_of = |r: &str| column.get(r).map(|&j| kept[j].1);
        // The replies as sparse rows of (column, weight).
        let a: Vec<Vec<(usize, f64)>> = counts
            .iter()
            .map(|c| {
                weigh(c, idf_of)
                    .into_iter()
                    .map(|(r, x)| (column[r], x))
                    .collect()
            })
            .collect();
        let m = kept.len();
        let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let y_mean = if n > 0 {
            y.iter().sum::<f64>() / n as f64
        } else {
            0.0
        };
        let mut mu = vec![0.0; m];
        for row in &a {
            for &(j, x) in row {
                mu[j] += x;
            }
        }
        for v in &mut mu {
            *v /= n.max(1) as f64;
        }
        let yc: Vec<f64> = y.iter().map(|v| v - y_mean).collect();
        let w = solve(&a, &mu, &yc, alpha);
        let w: Vec<f64> = w.into_iter().map(round6).collect();
        let intercept = round6(y_mean - mu.iter().zip(&w).map(|(m, w)| m * w).sum::<f64>());
        let runs: BTreeMap<String, [f64; 2]> = kept
            .iter()
            .zip(&w)
            .map(|((r, idf), w)| ((*r).to_owned(), [*idf, *w]))
            .collect();
        let mut out = Wording {
            alpha,
            intercept,
            runs,
            index: HashMap::new(),
        };
        out.build_index();
        out
    }

    /// Builds the lookup a read uses (after a model is deserialised).
    pub fn build_index(&mut self) {
        self.index = self.runs.iter().map(|(r, v)| (r.clone(), *v)).collect();
    }

    /// Checks the numbers a file gave are numbers.
    pub fn check(&self) -> Result<(), String> {
        if !self.intercept.is_finite() {
            return Err("the wording's intercept is not a number".into());
        }
        match self
            .runs
            .iter()
            .find(|(_, v)| !v[0].is_finite() || !v[1].is_finite() || v[0] < 0.0)
        {
            Some((r, _)) => Err(format!("the wording's run '{r}' is not weighed by numbers")),
            None => Ok(()),
        }
    }

    /// The wording's reading of `text`, and the runs that weighed most (their points, largest
    /// first, at most `top`).
    pub fn read(&self, text: &str, top: usize) -> (f64, Vec<(String, f64)>) {
        let counts = runs(text);
        let x = weigh(&counts, |r| self.index.get(r).map(|v| v[0]));
        let mut parts: Vec<(String, f64)> = x
            .iter()
            .map(|(r, x)| {
                (
                    (*r).to_owned(),
                    x * self.index.get(*r).map_or(0.0, |v| v[1]),
                )
            })
            .collect();
        let value = self.intercept + parts.iter().map(|p| p.1).sum::<f64>();
        parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
        parts.truncate(top);
        (value, parts)
    }
}

/// Solves (AcᵀAc + αI) w = Acᵀ y for the column-centred `a` (columns' means `mu`) by
/// conjugate gradients from zero.
fn solve(a: &[Vec<(usize, f64)>], mu: &[f64], y: &[f64], alpha: f64) -> Vec<f64> {
    let m = mu.len();
    // Ac v: each row's dot with v, less μ·v.
    let times = |v: &[f64]| -> Vec<f64> {
        let shift: f64 = mu.iter().zip(v).map(|(m, v)| m * v).sum();
        a.iter()
            .map(|row| row.iter().map(|&(j, x)| x * v[j]).sum::<f64>() - shift)
            .collect()
    };
    // Acᵀ u: the rows summed by u, less μ Σu.
    let times_t = |u: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; m];
        for (row, &ui) in a.iter().zip(u) {
            for &(j, x) in row {
                out[j] += x * ui;
            }
        }
        let s: f64 = u.iter().sum();
        for (o, m) in out.iter_mut().zip(mu) {
            *o -= m * s;
        }
        out
    };
    let normal = |v: &[f64]| -> Vec<f64> {
        let mut out = times_t(&times(v));
        for (o, v) in out.iter_mut().zip(v) {
            *o += alpha * v;
        }
        out
    };
    let dot = |p: &[f64], q: &[f64]| p.iter().zip(q).map(|(p, q)| p * q).sum::<f64>();
    let b = times_t(y);
    let mut w = vec![0.0; m];
    let mut r = b.clone();
    let mut p = r.clone();
    let mut rr = dot(&r, &r);
    let stop = dot(&b, &b) * 1e-12;
    for _ in 0..1000 {
        if rr <= stop {
            break;
        }
        let q = normal(&p);
        let step = rr / dot(&p, &q);
        for j in 0..m {
            w[j] += step * p[j];
            r[j] -= step * q[j];
        }
        let next = dot(&r, &r);
        let beta = next / rr;
        rr = next;
        for j in 0..m {
            p[j] = r[j] + beta * p[j];
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_a_word_and_of_chinese() {
        let r = runs("Hi 您好");
        for k in [" h", "hi ", " hi", "您好 ", " 您好", "好"] {
            assert!(r.contains_key(k), "{k:?} in {r:?}");
        }
        for k in [" ", "h", "i"] {
            assert!(!r.contains_key(k), "{k:?} in {r:?}");
        }
        // Only the first READ_CHARS characters.
        let long = "好".repeat(READ_CHARS * 3);
        assert_eq!(
            runs(&long).get("好好好").copied(),
            Some((READ_CHARS - 2) as u32)
        );
    }

    #[test]
    fn fits_what_graded_replies_reward_and_reads_new_words_by_their_runs() {
        let rows = [
            ("您刚才说交期最要紧", 85.0),
            ("您刚才提到价格", 80.0),
            ("刚才说的我记下了", 78.0),
            ("买吧买吧", 10.0),
            ("快买吧", 12.0),
            ("不买就没了", 8.0),
        ];
        let w = Wording::fit(&rows, 1.0);
        assert!(w.check().is_ok());
        let (good, why) = w.read("您刚才说的预算", 3);
        let (bad, _) = w.read("赶紧买吧", 3);
        assert!(good > 60.0 && bad < 30.0, "{good} {bad}");
        assert!(
            why.iter().any(|(r, p)| r.contains("刚才") && *p > 0.0),
            "{why:?}"
        );
        // Nothing it knows: where replies start.
        assert_eq!(w.read("xyz", 3).0, w.intercept);
        // The same rows, the same fit.
        assert_eq!(w, Wording::fit(&rows, 1.0));
    }
}
