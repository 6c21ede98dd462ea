//! Demo data: a realistic practice history for screenshots, benchmarks and trying the manager
//! views. Every reply is a real engine result: each candidate answer of a turn (its options,
//! the trainers' sample replies, the model answer, a weak one-word reply) is scored once by the
//! rules and scripts, then trainees of varying and improving skill pick among them.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use crate::playbook::Library;
use crate::playbook::model::{Playbook, Reply, TestInput};
use crate::practice::session::{Position, score_turn, summarize};
use crate::practice::{Answer, ReplyRecord};
use crate::script::ScriptHost;
use crate::store::{self, Result, Store, stamp};

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub trainees: usize,
    pub days: u32,
    pub seed: u64,
    /// The last day of the history.
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoCounts {
    pub trainees: usize,
    pub attempts: usize,
    pub replies: usize,
    /// Attempts a manager reviewed with a criterion override.
    pub reviews: usize,
}

/// splitmix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The share of attempts a manager reviews with an override.
const REVIEWED: f64 = 0.03;
const REVIEWERS: &[&str] = &["张经理", "李主管", "王督导"];

const TEAMS: &[&str] = &[
    "华东一组",
    "华东二组",
    "华南一组",
    "华南二组",
    "华北一组",
    "华北二组",
    "西南组",
    "西北组",
    "东北组",
    "华中组",
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "婷", "华", "建国",
];

/// A scored candidate answer with its stored JSON, computed once.
struct Candidate {
    record: ReplyRecord,
    json: String,
}

type Key = (usize, usize, usize);

fn candidates(lib: &Library, host: &ScriptHost) -> HashMap<Key, Vec<Candidate>> {
    let mut out = HashMap::new();
    for (pi, pb) in lib.playbooks.iter().enumerate() {
        for (si, scen) in pb.scenarios.iter().enumerate() {
            for (ti, turn) in scen.turns.iter().enumerate() {
                let answers: Vec<Answer> = match &turn.reply {
                    Reply::Choice(opts) => {
                        opts.iter().map(|o| Answer::Choice(o.id.clone())).collect()
                    }
                    Reply::FreeText => {
                        let mut v: Vec<Answer> = pb
                            .tests
                            .iter()
                            .filter(|t| t.scenario == scen.id && t.turn == turn.id)
                            .filter_map(|t| match &t.input {
                                TestInput::Reply(r) => Some(Answer::Text(r.clone())),
                                TestInput::Option(_) => None,
                            })
                            .collect();
                        if let Some(m) = &turn.model_answer {
                            v.push(Answer::Text(m.get(&pb.locales[0]).to_owned()));
                        }
                        v.push(Answer::Text("嗯，好的。".into()));
                        v
                    }
                };
                let mut c: Vec<Candidate> = answers
                    .into_iter()
                    .filter_map(|a| score_turn(pb, Some(host), scen, turn, a, 0.0, &[]).ok())
                    .map(|record| {
                        let json = store::result_json(&record).to_string();
                        Candidate { record, json }
                    })
                    .collect();
                c.sort_by(|a, b| b.record.scored.score.total_cmp(&a.record.scored.score));
                out.insert((pi, si, ti), c);
            }
        }
    }
    out
}

/// Fills `store` with a generated history. Deterministic for a given seed and library.
pub fn generate(
    store: &mut Store,
    lib: &Library,
    host: &ScriptHost,
    o: &DemoOptions,
) -> Result<DemoCounts> {
    generate_with(store, lib, host, o, &mut |_, _| {})
}

/// [`generate`], calling `progress(trainees done, trainees)` after each trainee.
pub fn generate_with(
    store: &mut Store,
    lib: &Library,
    host: &ScriptHost,
    o: &DemoOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<DemoCounts> {
    let cands = candidates(lib, host);
    let mut rng = Rng(o.seed);
    let mut counts = DemoCounts::default();
    let start = o.end - Duration::days(i64::from(o.days));
    let practice: Vec<(usize, &Arc<Playbook>)> = lib
        .playbooks
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.scenarios.is_empty())
        .collect();
    for n in 0..o.trainees {
        let team = TEAMS[n % TEAMS.len()];
        let name = format!(
            "{}{}{:03}",
            SURNAMES[rng.below(SURNAMES.len())],
            GIVEN[rng.below(GIVEN.len())],
            n + 1
        );
        let base_skill = 0.25 + 0.5 * rng.unit();
        let growth = 0.3 * rng.unit();
        let activity = 0.35 + 0.4 * rng.unit();
        let seed = rng.next();
        let c = store.bulk(|tx| {
            let mut rng = Rng(seed);
            let team_id = store::team_id(team);
            tx.execute("INSERT OR IGNORE INTO teams (id, name) VALUES (?1, ?2)", params![team_id, team])?;
            let trainee_id = store::new_id();
            tx.execute(
                "INSERT INTO trainees (id, name, team_id, pseudonym, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![trainee_id, name, team_id, format!("learner-{:04}", n + 1), stamp(start)],
            )?;
            let mut attempt_stmt = tx.prepare_cached(
                "INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, ended_at, total, passed, status, ending)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'practice', ?7, ?8, ?9, ?10, 'completed', ?11)",
            )?;
            let mut crit_stmt = tx.prepare_cached(
                "INSERT INTO attempt_criteria (attempt_id, criterion_id, points, weight, replies) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut passed_scenarios: HashSet<(usize, usize)> = HashSet::new();
            let mut c = DemoCounts { trainees: 1, ..DemoCounts::default() };
            for day in 0..o.days {
                if rng.unit() > activity {
                    continue;
                }
                let skill = (base_skill + growth * f64::from(day) / f64::from(o.days.max(1))).min(0.97);
                for _ in 0..1 + rng.below(2) {
                    let (pi, pb) = practice[rng.below(practice.len())];
                    let si = rng.below(pb.scenarios.len());
                    let scen = &pb.scenarios[si];
                    let mut at = start + Duration::days(i64::from(day)) + Duration::minutes(8 * 60 + rng.below(10 * 60) as i64);
                    let started = at;
                    let attempt_id = store::new_id();
                    let mut replies: Vec<ReplyRecord> = Vec::new();
                    let mut position = Position::Turn(scen.start.clone());
                    let mut seq = 0u32;
                    // (reply id, seq, stored result, time) per reply, written after the attempt.
                    let mut pending: Vec<(String, u32, &str, DateTime<Utc>)> = Vec::new();
                    while let Position::Turn(tid) = &position {
                        let Some(ti) = scen.turns.iter().position(|t| &t.id == tid) else { break };
                        let list = &cands[&(pi, si, ti)];
                        if list.is_empty() || seq > 40 {
                            break;
                        }
                        // Skilled trainees tend to the better answers.
                        let pick = if rng.unit() < skill { rng.below(list.len().div_ceil(2)) } else { rng.below(list.len()) };
                        let seconds = 5.0 + 60.0 * rng.unit();
                        at += Duration::seconds(seconds as i64 + 10);
                        seq += 1;
                        let mut r = list[pick].record.clone();
                        r.seconds = seconds;
                        pending.push((store::new_id(), seq, &list[pick].json, at));
                        position = Position::at(&r.scored.next);
                        replies.push(r);
                    }
                    let summary = summarize(pb, scen, &replies, &position);
                    attempt_stmt.execute(params![
                        attempt_id, trainee_id, pb.id, pb.version, pb.source.hash, scen.id,
                        stamp(started), stamp(at), summary.total, summary.passed, summary.ending
                    ])?;
                    for ((reply_id, seq, json, when), r) in pending.iter().zip(&replies) {
                        store::insert_reply_json(tx, reply_id, &attempt_id, *seq, r, r.seconds, json, *when)?;
                    }
                    for (criterion, avg, n) in &summary.criteria {
                        let w = pb.criterion(criterion).map_or(1.0, |c| c.weight);
                        crit_stmt.execute(params![attempt_id, criterion, avg, w, *n as i64])?;
                    }
                    // Now and then a manager reviews an attempt and grades one criterion
                    // their own way (a stream of its own, so the practice above is the same
                    // with or without reviews).
                    let mut review = Rng(seed ^ (c.attempts as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    if review.unit() < REVIEWED && !summary.criteria.is_empty() {
                        let (criterion, avg, _) = &summary.criteria[review.below(summary.criteria.len())];
                        // Reviewers are stricter than the scorer on weak answers, kinder on strong ones.
                        let lean = if *avg < 60.0 { -12.0 } else { 6.0 };
                        let grade = (avg + lean + 30.0 * (review.unit() - 0.5)).clamp(0.0, 100.0).round();
                        tx.execute(
                            "INSERT INTO reviews (id, attempt_id, reviewer, at, comment, criterion_id, override_points) VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6)",
                            params![store::new_id(), attempt_id, REVIEWERS[review.below(REVIEWERS.len())], stamp(at + Duration::days(1)), criterion, grade],
                        )?;
                        c.reviews += 1;
                    }
                    if summary.passed {
                        passed_scenarios.insert((pi, si));
                    }
                    c.attempts += 1;
                    c.replies += replies.len();
                }
            }
            for (pi, pb) in &practice {
                if (0..pb.scenarios.len()).all(|si| passed_scenarios.contains(&(*pi, si))) {
                    tx.execute(
                        "INSERT OR IGNORE INTO certifications (trainee_id, playbook_id, playbook_version, certified_at) VALUES (?1, ?2, ?3, ?4)",
                        params![trainee_id, pb.id, pb.version, stamp(o.end)],
                    )?;
                }
            }
            Ok(c)
        })?;
        counts.trainees += c.trainees;
        counts.attempts += c.attempts;
        counts.replies += c.replies;
        counts.reviews += c.reviews;
        progress(n + 1, o.trainees);
    }
    Ok(counts)
}
