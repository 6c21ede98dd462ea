//! Every path through a scenario: which endings can be reached, and the best and worst total
//! the rubric rules allow (scripts may move scores further; they are not run here).

use std::collections::BTreeSet;

use serde::Serialize;

use crate::playbook::model::{Playbook, Reply, Scenario, Target, Turn};

/// Most paths walked per scenario; beyond it the report says it was cut.
const MAX_PATHS: usize = 100_000;

#[derive(Debug, Clone, Serialize)]
pub struct PathReport {
    pub scenario: String,
    pub paths: usize,
    pub truncated: bool,
    /// Named endings reached by some path (and `end` for the plain end).
    pub endings_reached: BTreeSet<String>,
    /// Named endings no path reaches.
    pub endings_unreached: Vec<String>,
    pub best: f64,
    pub worst: f64,
}

/// Per criterion, the best and worst points a turn can give.
fn turn_range(pb: &Playbook, turn: &Turn, choice: Option<u8>) -> Vec<(String, f64, f64)> {
    turn.criteria
        .iter()
        .filter_map(|id| pb.criterion(id))
        .map(|c| match choice {
            Some(s) => (c.id.clone(), f64::from(s), f64::from(s)),
            None => {
                let up: i32 = c.rules.iter().map(|r| r.points.max(0)).sum();
                let down: i32 = c.rules.iter().map(|r| r.points.min(0)).sum();
                let gainers = c.rules.iter().filter(|r| r.points > 0).count();
                let points = |sum: i32| crate::practice::score::combined(sum, c.base == 0, gainers);
                (c.id.clone(), points(c.base + up), points(c.base + down))
            }
        })
        .collect()
}

fn total(pb: &Playbook, path: &[Vec<(String, f64, f64)>], best: bool) -> f64 {
    let (mut sum, mut wsum) = (0.0, 0.0);
    for c in &pb.rubric.criteria {
        let pts: Vec<f64> = path
            .iter()
            .flatten()
            .filter(|(id, _, _)| *id == c.id)
            .map(|(_, hi, lo)| if best { *hi } else { *lo })
            .collect();
        if !pts.is_empty() {
            sum += c.weight * pts.iter().sum::<f64>() / pts.len() as f64;
            wsum += c.weight;
        }
    }
    if wsum > 0.0 { sum / wsum } else { 0.0 }
}

pub fn explore(pb: &Playbook, scen: &Scenario) -> PathReport {
    let mut report = PathReport {
        scenario: scen.id.clone(),
        paths: 0,
        truncated: false,
        endings_reached: BTreeSet::new(),
        endings_unreached: Vec::new(),
        best: 0.0,
        worst: 100.0,
    };
    let mut stack = Vec::new();
    walk(
        pb,
        scen,
        &scen.start,
        &mut stack,
        &mut Vec::new(),
        &mut report,
    );
    report.endings_unreached = scen
        .endings
        .iter()
        .filter(|e| !report.endings_reached.contains(&e.id))
        .map(|e| e.id.clone())
        .collect();
    if report.paths == 0 {
        report.worst = 0.0;
    }
    report
}

fn walk(
    pb: &Playbook,
    scen: &Scenario,
    turn_id: &str,
    path: &mut Vec<Vec<(String, f64, f64)>>,
    visiting: &mut Vec<String>,
    report: &mut PathReport,
) {
    if report.paths >= MAX_PATHS {
        report.truncated = true;
        return;
    }
    let Some(turn) = scen.turn(turn_id) else {
        return;
    };
    // A turn met again on the same path is a loop; paths through it are counted once.
    if visiting.iter().any(|t| t == turn_id) {
        return;
    }
    visiting.push(turn_id.to_owned());
    let branches: Vec<(Option<u8>, Vec<&Target>)> = match &turn.reply {
        Reply::Choice(opts) => opts
            .iter()
            .map(|o| {
                (
                    Some(o.score),
                    o.next
                        .as_ref()
                        .map_or_else(|| turn.next.targets(), |t| vec![t]),
                )
            })
            .collect(),
        Reply::FreeText => vec![(None, turn.next.targets())],
    };
    for (choice, targets) in branches {
        path.push(turn_range(pb, turn, choice));
        for t in targets {
            match t {
                Target::Turn(next) => walk(pb, scen, next, path, visiting, report),
                Target::End(e) => {
                    report.paths += 1;
                    report
                        .endings_reached
                        .insert(e.clone().unwrap_or_else(|| "end".into()));
                    report.best = report.best.max(total(pb, path, true));
                    report.worst = report.worst.min(total(pb, path, false));
                }
            }
        }
        path.pop();
    }
    visiting.pop();
}
