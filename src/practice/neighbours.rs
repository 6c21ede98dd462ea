//! The turn's neighbours: what trainers gave replies to the same turn worded like this one.
//!
//! The wording ([`super::wording`]) weighs a reply's runs of characters against every graded
//! reply of every playbook: it learns that "您刚才说" reads well anywhere. What makes a reply
//! partial rather than weak is often a matter of one turn: "派人上门" is the move when the
//! washing machine leaks and beside the point when the customer asks about the price. The
//! neighbours read a reply against the graded replies *to the same turn* only: the trainer's
//! grade of the one most alike (cosine of their TF-IDF weighted runs, the wording's runs, with
//! each run's idf over that turn's replies; a nearest-neighbour rule, Cover & Hart 1967;
//! [`NEAREST`] says why one). A turn's replies are weighed the first time a reply to it is
//! read: loading the reading costs nothing more, and scoring one turn reads one turn's replies.
//! It is one fact the graded reading reads, fitted with the trees; a turn with no graded
//! replies (a trainer's own new playbook) reads as its wording does.
//!
//! The replies kept are the graded sets the reading was fitted to, never a playbook's own
//! tests (a test would find itself and pass by its own pin).

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::wording::{RunHasher, runs_of_text, weigh};
use crate::playbook::model::Turn;

/// How many of the most alike replies are read: chosen leave-one-file-out on 2 365 graded
/// replies (2026-12-07): the one most alike read each held-out file best (MAE 7.75, in band
/// 81.2 %; 2: 7.83, 80.4 %; 3: 7.86, 80.6 %; 5: 7.96, 80.4 %; 20: 8.06, 79.7 %; without the
/// neighbours 8.03, 80.1 %). Those figures weighed runs by their idf over all graded replies;
/// with the idf over the turn's replies, as now, one reads 7.75 and 81.3 %.
pub const NEAREST: usize = 1;

/// The turn's graded replies, by turn.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Neighbours {
    /// Per turn (see [`turn_key`]): its graded replies as (text, grade).
    pub turns: BTreeMap<String, Vec<(String, f64)>>,
    /// Per turn, its replies as weighed runs: built the first time a reply to that turn is
    /// read, so a process that scores one turn reads that turn's replies only.
    #[serde(skip)]
    index: HashMap<String, OnceLock<Postings>>,
}

/// Two readings are the same when they keep the same replies (the index is built from them).
impl PartialEq for Neighbours {
    fn eq(&self, other: &Self) -> bool {
        self.turns == other.turns
    }
}

/// One turn's replies as an inverted index, and their grades.
#[derive(Debug, Clone, Default)]
struct Postings {
    /// Each run's idf over the turn's replies: a run every reply to the turn uses (the
    /// customer's own words taken up) says less about which reply this is than one few use.
    idf: Runs<f64>,
    /// For each run, the replies that use it and its weight in each (a reply is compared with
    /// the replies that share a run with it, not all).
    runs: Runs<Vec<(usize, f64)>>,
    grades: Vec<f64>,
}

impl Postings {
    fn of(replies: &[(String, f64)]) -> Postings {
        let counts: Vec<RunCounts> = replies.iter().map(|(t, _)| runs_of_text(t)).collect();
        let n = counts.len() as f64;
        let mut df: Runs<u32> = Runs::default();
        for c in &counts {
            for (r, _) in c {
                *df.entry(*r).or_default() += 1;
            }
        }
        let idf: Runs<f64> = df
            .into_iter()
            .map(|(r, d)| (r, ((1.0 + n) / (1.0 + f64::from(d))).ln() + 1.0))
            .collect();
        let mut p = Postings::default();
        for (i, c) in counts.iter().enumerate() {
            for (r, w) in weigh(c, |r| idf.get(&r).copied()) {
                p.runs.entry(r).or_default().push((i, w));
            }
        }
        p.grades = replies.iter().map(|(_, g)| *g).collect();
        p.idf = idf;
        p
    }
}

type Runs<T> = HashMap<u64, T, BuildHasherDefault<RunHasher>>;

/// A reply's runs and how often each appears.
type RunCounts = Vec<(u64, u32)>;

/// Which turn a reply answers, as the neighbours file it: the playbook, the turn and the
/// customer's line it answers (a turn's id repeats across a playbook's scenarios; what the
/// customer says does not). A turn whose line a trainer rewrites starts without neighbours.
pub fn turn_key(playbook: &str, turn: &Turn) -> String {
    let line: String = turn
        .customer
        .all()
        .next()
        .unwrap_or("")
        .chars()
        .take(40)
        .collect();
    format!("{playbook}/{}/{line}", turn.id)
}

impl Neighbours {
    /// The neighbours of these graded replies (turn key, text, grade).
    pub fn new<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, f64)>) -> Neighbours {
        let mut turns: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
        for (key, text, grade) in rows {
            turns
                .entry(key.to_owned())
                .or_default()
                .push((text.to_owned(), grade));
        }
        let mut n = Neighbours {
            turns,
            index: HashMap::new(),
        };
        n.build_index();
        n
    }

    /// Every grade a number from 0 to 100.
    pub fn check(&self) -> Result<(), String> {
        for (key, replies) in &self.turns {
            if let Some((_, g)) = replies.iter().find(|(_, g)| !(0.0..=100.0).contains(g)) {
                return Err(format!("neighbours of {key}: a grade of {g}"));
            }
        }
        Ok(())
    }

    /// Makes room for each turn's index (each is built when a reply to its turn is first read).
    pub fn build_index(&mut self) {
        self.index = self
            .turns
            .keys()
            .map(|k| (k.clone(), OnceLock::new()))
            .collect();
    }

    /// What trainers gave the [`NEAREST`] replies to turn `key` most like `text`, each weighed
    /// by how alike it is; `None` when the turn has no graded reply sharing a run with it.
    pub fn read(&self, key: &str, text: &str) -> Option<f64> {
        self.read_except(key, text, |_| false)
    }

    /// [`Neighbours::read`], leaving out the turn's replies `skip` names (by their place in
    /// its list): a fit reads each graded reply without those of its own file.
    pub fn read_except(&self, key: &str, text: &str, skip: impl Fn(usize) -> bool) -> Option<f64> {
        self.read_runs(key, &runs_of_text(text), skip)
    }

    /// [`Neighbours::read_except`] of a text's runs
    /// ([`runs_of_text`](super::wording::runs_of_text)).
    pub fn read_runs(
        &self,
        key: &str,
        counts: &[(u64, u32)],
        skip: impl Fn(usize) -> bool,
    ) -> Option<f64> {
        let replies = self.turns.get(key)?;
        let turn = self.index.get(key)?.get_or_init(|| Postings::of(replies));
        let mut sim = vec![0.0; turn.grades.len()];
        for (r, w) in weigh(counts, |r| turn.idf.get(&r).copied()) {
            for &(i, x) in turn.runs.get(&r).map(Vec::as_slice).unwrap_or_default() {
                sim[i] += w * x;
            }
        }
        let mut alike: Vec<(f64, f64)> = sim
            .iter()
            .zip(&turn.grades)
            .enumerate()
            .filter(|(i, (s, _))| **s > 0.0 && !skip(*i))
            .map(|(_, (s, g))| (*s, *g))
            .collect();
        alike.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
        alike.truncate(NEAREST);
        let weight: f64 = alike.iter().map(|(s, _)| s).sum();
        (weight > 0.0).then(|| alike.iter().map(|(s, g)| s * g).sum::<f64>() / weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Neighbours {
        Neighbours::new([
            ("t", "马上派师傅上门检修，备用机今天送到", 88.0),
            ("t", "师傅明天上门看看", 55.0),
            ("t", "这个不归我管，您找厂家", 10.0),
            ("u", "价格是三千六", 40.0),
        ])
    }

    /// The grade read, to a hundredth.
    fn read(n: &Neighbours, key: &str, text: &str) -> Option<i64> {
        n.read(key, text).map(|g| (g * 100.0).round() as i64)
    }

    #[test]
    fn a_reply_reads_as_the_turns_reply_most_like_it() {
        let n = sample();
        let good = read(&n, "t", "我马上派师傅上门，备用机今天给您送过去");
        let bad = read(&n, "t", "这事不归我管，您去找厂家吧");
        assert_eq!(good, Some(8800));
        assert_eq!(bad, Some(1000));
    }

    #[test]
    fn only_the_same_turns_replies_count() {
        let n = sample();
        // Turn u has one reply, about the price: a repair reply shares nothing with it.
        assert_eq!(n.read("u", "马上派师傅上门检修"), None);
        assert_eq!(n.read("no such turn", "马上派师傅上门检修"), None);
    }

    #[test]
    fn a_reply_left_out_is_not_read() {
        let n = sample();
        assert_eq!(read(&n, "t", "师傅明天上门看看"), Some(5500));
        // Without it, the most alike is the other visit.
        let without = n.read_except("t", "师傅明天上门看看", |i| i == 1);
        assert_eq!(without.map(|g| g.round()), Some(88.0));
    }

    #[test]
    fn a_model_read_back_reads_the_same() {
        let n = sample();
        let text = serde_json::to_string(&n).unwrap_or_default();
        let mut back: Neighbours = serde_json::from_str(&text).unwrap_or_default();
        back.build_index();
        assert_eq!(back.read("t", "师傅上门"), n.read("t", "师傅上门"));
        assert!(back.read("t", "师傅上门").is_some());
    }

    /// Loading weighs nothing: a turn's replies are weighed when a reply to it is first read,
    /// and only that turn's.
    #[test]
    fn a_turn_is_weighed_when_first_read_and_alone() {
        let text = serde_json::to_string(&sample()).unwrap_or_default();
        let mut back: Neighbours = serde_json::from_str(&text).unwrap_or_default();
        back.build_index();
        let built = |n: &Neighbours, k: &str| n.index.get(k).is_some_and(|c| c.get().is_some());
        assert_eq!(back.index.len(), 2);
        assert!(!built(&back, "t") && !built(&back, "u"));
        assert!(back.read("t", "师傅上门").is_some());
        assert!(built(&back, "t"));
        assert!(!built(&back, "u"), "turn u was not asked for");
    }

    /// A run every reply to the turn uses (the customer's own words taken up) weighs less than
    /// one few use: the reply that shares the rare run is the neighbour.
    #[test]
    fn a_run_the_whole_turn_uses_weighs_least() {
        let n = Neighbours::new([
            ("t", "价格方面，我们可以分期", 80.0),
            ("t", "价格方面，这是最低价了", 20.0),
            ("t", "价格方面，您再看看", 40.0),
        ]);
        // It shares 价格方面 with all three and 分期 with the first only.
        assert_eq!(read(&n, "t", "价格方面可以分期付"), Some(8000));
    }

    #[test]
    fn a_grade_out_of_range_is_refused() {
        let n = Neighbours::new([("t", "好的", 120.0)]);
        assert!(n.check().is_err());
        assert!(sample().check().is_ok());
    }
}
