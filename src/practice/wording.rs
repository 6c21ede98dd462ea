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
use std::hash::BuildHasherDefault;

use serde::{Deserialize, Serialize};

/// Only the first this-many characters are read (a 10 000-character reply costs what a long
/// ordinary one does; every graded reply is shorter).
pub const READ_CHARS: usize = 600;
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
    index: Index,
}

/// The text the wording reads: its first [`READ_CHARS`] characters as the rules read them
/// (lower case, full-width letters and marks half-width, traditional characters simplified:
/// [`normalize`](crate::text::normalize)), each run of white space one space, a space at
/// either end (so every word has a space either side).
pub fn padded(text: &str) -> String {
    let lower = crate::text::normalize(&text.chars().take(READ_CHARS).collect::<String>());
    let mut out = String::with_capacity(lower.len() + 2);
    out.push(' ');
    for word in lower.split_whitespace() {
        out.push_str(word);
        out.push(' ');
    }
    out
}

/// A run as a number: its characters (each plus one, in 21 bits) side by side. Runs are
/// counted, sorted and looked up as numbers: scoring reads a reply in microseconds.
fn code(run: &[char]) -> u64 {
    run.iter()
        .fold(0u64, |acc, c| (acc << 21) | (u64::from(u32::from(*c)) + 1))
}

/// The run a [`code`] stands for.
fn decode(mut code: u64) -> String {
    let mut cs = Vec::new();
    while code > 0 {
        let c = u32::try_from((code & 0x1F_FFFF) - 1).unwrap_or(0xFFFD);
        cs.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
        code >>= 21;
    }
    cs.iter().rev().collect()
}

/// The runs of a [`padded`] text (as [`code`]s) and how often each appears, in the codes'
/// order: every word, a space either side, read in runs of 1 to [`MAX_RUN`] characters; a
/// word shorter than a run is one run; a letter, a digit or a space alone is not a run (it
/// says nothing, and counts how long an English reply is), a Chinese character alone is.
pub(crate) fn runs(padded: &str) -> Vec<(u64, u32)> {
    let chars: Vec<char> = padded.chars().collect();
    let spaces: Vec<usize> = (0..chars.len()).filter(|&k| chars[k] == ' ').collect();
    let mut all: Vec<u64> = Vec::with_capacity(chars.len() * MAX_RUN);
    for pair in spaces.windows(2) {
        // The word with its two spaces: chars[s..=e].
        let (s, e) = (pair[0], pair[1]);
        let len = e - s + 1;
        for n in 1..=MAX_RUN {
            if len <= n {
                all.push(code(&chars[s..=e]));
                continue;
            }
            for k in s..=e + 1 - n {
                if n == 1 && (chars[k].is_ascii_alphanumeric() || chars[k] == ' ') {
                    continue;
                }
                all.push(code(&chars[k..k + n]));
            }
        }
    }
    all.sort_unstable();
    let mut out: Vec<(u64, u32)> = Vec::with_capacity(all.len());
    for r in all {
        match out.last_mut() {
            Some((last, c)) if *last == r => *c += 1,
            _ => out.push((r, 1)),
        }
    }
    out
}

/// The runs a reply is read in ([`padded`], then [`runs`]), with how often each appears.
pub fn runs_of_text(text: &str) -> Vec<(u64, u32)> {
    runs(&padded(text))
}

/// The runs of a text as a trainer reads them, and how often each appears (for tests).
#[cfg(test)]
fn runs_of(text: &str) -> Vec<(String, u32)> {
    runs(&padded(text))
        .into_iter()
        .map(|(r, c)| (decode(r), c))
        .collect()
}

/// A reply's runs as TF-IDF weights (1 + ln count, times the run's idf), of length one;
/// runs `idf` does not know are left out. In the runs' order.
pub(crate) fn weigh(counts: &[(u64, u32)], idf: impl Fn(u64) -> Option<f64>) -> Vec<(u64, f64)> {
    let mut v: Vec<(u64, f64)> = counts
        .iter()
        .filter_map(|&(r, c)| idf(r).map(|i| (r, (1.0 + f64::from(c).ln()) * i)))
        .collect();
    let norm = v.iter().map(|(_, x)| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        for (_, x) in &mut v {
            *x /= norm;
        }
    }
    v
}

/// A hasher for run codes (they are already well spread; SipHash's guard against chosen keys
/// is not needed for a model's own runs).
#[derive(Debug, Default, Clone, Copy)]
pub struct RunHasher(u64);

impl std::hash::Hasher for RunHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type Index = HashMap<u64, [f64; 2], BuildHasherDefault<RunHasher>>;

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

impl Wording {
    /// Fits the wording to `(text, grade)` pairs.
    pub fn fit(rows: &[(&str, f64)], alpha: f64) -> Wording {
        let n = rows.len();
        let counts: Vec<Vec<(u64, u32)>> = rows.iter().map(|(t, _)| runs(&padded(t))).collect();
        let mut df: BTreeMap<u64, u32> = BTreeMap::new();
        for c in &counts {
            for (r, _) in c {
                *df.entry(*r).or_default() += 1;
            }
        }
        let kept: Vec<(u64, f64)> = df
            .iter()
            .filter(|(_, d)| **d >= MIN_REPLIES)
            .map(|(&r, &d)| {
                let idf = ((1.0 + n as f64) / (1.0 + f64::from(d))).ln() + 1.0;
                (r, round6(idf))
            })
            .collect();
        let column: HashMap<u64, usize> =
            kept.iter().enumerate().map(|(j, (r, _))| (*r, j)).collect();
        let idf_of = |r: u64| column.get(&r).map(|&j| kept[j].1);
        // The replies as sparse rows of (column, weight).
        let a: Vec<Vec<(usize, f64)>> = counts
            .iter()
            .map(|c| {
                weigh(c, idf_of)
                    .into_iter()
                    .filter_map(|(r, x)| column.get(&r).map(|&j| (j, x)))
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
            .map(|((r, idf), w)| (decode(*r), [*idf, *w]))
            .collect();
        let mut out = Wording {
            alpha,
            intercept,
            runs,
            index: Index::default(),
        };
        out.build_index();
        out
    }

    /// Builds the lookup a read uses (after a model is deserialised).
    pub fn build_index(&mut self) {
        self.index = self
            .runs
            .iter()
            .map(|(r, v)| (code(&r.chars().collect::<Vec<char>>()), *v))
            .collect();
    }

    /// Checks the numbers a file gave are numbers.
    pub fn check(&self) -> Result<(), String> {
        if !self.intercept.is_finite() {
            return Err("the wording's intercept is not a number".into());
        }
        if let Some(r) = self
            .runs
            .keys()
            .find(|r| r.is_empty() || r.chars().count() > MAX_RUN)
        {
            return Err(format!(
                "the wording's run '{r}' is not a run of 1 to {MAX_RUN} characters"
            ));
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
        self.read_runs(&runs_of_text(text), top)
    }

    /// [`Wording::read`] of a text's runs ([`runs_of_text`]), read once for the wording and
    /// the turn's neighbours.
    pub fn read_runs(&self, counts: &[(u64, u32)], top: usize) -> (f64, Vec<(String, f64)>) {
        // Each run's weight in the reply (before its length is made one) and its weight in the
        // fit, with one lookup.
        let mut parts: Vec<(u64, f64, f64)> = counts
            .iter()
            .filter_map(|&(r, c)| {
                self.index
                    .get(&r)
                    .map(|v| (r, (1.0 + f64::from(c).ln()) * v[0], v[1]))
            })
            .collect();
        let norm = parts.iter().map(|p| p.1 * p.1).sum::<f64>().sqrt();
        let mut parts: Vec<(u64, f64)> = parts
            .drain(..)
            .map(|(r, x, w)| (r, if norm > 0.0 { x / norm * w } else { 0.0 }))
            .collect();
        let value = self.intercept + parts.iter().map(|p| p.1).sum::<f64>();
        let parts: Vec<(String, f64)> = if top == 0 {
            Vec::new()
        } else {
            parts.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
            parts
                .into_iter()
                .take(top)
                .map(|(r, p)| (decode(r), p))
                .collect()
        };
        (value, parts)
    }
}

/// Solves (Ac^T Ac + αI) w = Ac^T y for the column-centred `a` (columns' means `mu`) by
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
    // Ac^T u: the rows summed by u, less μ Σu.
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
        let r: HashMap<String, u32> = runs_of("Hi 您好").into_iter().collect();
        for k in [" h", "hi ", " hi", "您好 ", " 您好", "好"] {
            assert!(r.contains_key(k), "{k:?} in {r:?}");
        }
        for k in [" ", "h", "i"] {
            assert!(!r.contains_key(k), "{k:?} in {r:?}");
        }
        // Only the first READ_CHARS characters.
        let long = "好".repeat(READ_CHARS * 3);
        assert_eq!(
            runs_of(&long)
                .into_iter()
                .find(|(r, _)| r == "好好好")
                .map(|(_, c)| c),
            Some((READ_CHARS - 2) as u32)
        );
    }

    #[test]
    fn a_run_is_a_number_and_back() {
        for run in ["好", " 您好", "ab ", "\u{1F600}x", "\u{10FFFF}\0a"] {
            let chars: Vec<char> = run.chars().collect();
            assert_eq!(decode(code(&chars)), run);
        }
        // Runs of different lengths never share a number.
        assert_ne!(code(&['a']), code(&['\0', 'a']));
    }

    #[test]
    fn a_model_file_with_a_run_too_long_or_a_weight_not_a_number_is_refused() {
        let mut w = Wording::fit(&[("好的好的", 50.0), ("好的", 40.0)], 1.0);
        w.runs.insert("四个字呢".into(), [1.0, 1.0]);
        assert!(w.check().is_err_and(|e| e.contains("四个字呢")));
        w.runs.remove("四个字呢");
        w.runs.insert("好".into(), [1.0, f64::NAN]);
        assert!(w.check().is_err());
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
