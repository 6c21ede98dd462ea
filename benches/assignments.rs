//! Assignments on the 500-trainee, 2-year demo database with 50 assignments made three
//! months before its end: the funnel for everyone (every standing, per assignment and team,
//! who is behind) and one trainee's own list, as the review view and the home screen read them.
//!
//! `cargo bench --bench assignments` (the first run of any demo bench generates
//! `target/bench-data/demo-500x730.db`; the assignments are added to it once, by fixed ids).

mod common;

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use salesdojo::assign::{self, Assignment, Retake, Target};
use salesdojo::playbook::{Content, Report, load};
use salesdojo::store::Store;

/// 50 assignments: every team × four playbooks (whole, or one scenario), and ten trainees
/// one each; due dates spread so some are overdue on the day measured.
fn assignments(store: &Store, cat: &assign::Catalogue) -> Vec<Assignment> {
    let trainees = store.records().trainees().unwrap_or_else(|e| panic!("{e}"));
    let teams: std::collections::BTreeSet<String> =
        trainees.iter().filter_map(|t| t.team.clone()).collect();
    let playbooks: Vec<(&String, &assign::PlaybookFacts)> = cat.iter().take(4).collect();
    let mut out = Vec::new();
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 10, d).unwrap_or_default();
    for (i, team) in teams.iter().enumerate() {
        for (j, (pb, facts)) in playbooks.iter().enumerate() {
            let n = i * playbooks.len() + j;
            out.push(Assignment {
                id: format!("bench-{n:02}"),
                playbook: (*pb).clone(),
                scenario: (j % 2 == 1).then(|| facts.scenarios[0].clone()),
                target: Target::Team(salesdojo::store::team_id(team)),
                team_name: Some(team.clone()),
                due: day(u32::try_from(1 + n % 30).unwrap_or(1)),
                pass_mark: facts.pass_mark,
                retake: Retake::default(),
                assigned_by: "bench".into(),
                assigned_at: "2026-08-01T00:00:00Z".into(),
                note: None,
            });
        }
    }
    for (k, t) in trainees.iter().step_by(50).enumerate() {
        let (pb, facts) = playbooks[k % playbooks.len()];
        out.push(Assignment {
            id: format!("bench-t{k:02}"),
            playbook: pb.clone(),
            scenario: Some(facts.scenarios[facts.scenarios.len() - 1].clone()),
            target: Target::Trainee(t.id.clone()),
            team_name: None,
            due: day(20),
            pass_mark: facts.pass_mark,
            retake: Retake::default(),
            assigned_by: "bench".into(),
            assigned_at: "2026-08-01T00:00:00Z".into(),
            note: None,
        });
    }
    out.truncate(50);
    out
}

fn bench(c: &mut Criterion) {
    let db = common::demo_db();
    let store = Store::open(&db).unwrap_or_else(|e| panic!("{e}"));
    let mut r = Report::default();
    let lib = load(&[Content::bundled()], &mut r);
    let cat = assign::catalogue(&lib);
    for a in assignments(&store, &cat) {
        store
            .records()
            .add_assignment(&a)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let today = NaiveDate::from_ymd_opt(2026, 10, 20).unwrap_or_default();
    let all = store
        .records()
        .assignment_standings(&cat, today)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.assignments.len(), 50);
    let trainee = all.standings[0].trainee.clone();
    eprintln!(
        "{} assignments, {} standings; {} behind",
        all.assignments.len(),
        all.standings.len(),
        assign::behind(&all.standings).len()
    );
    let mut g = c.benchmark_group("assignments");
    g.sample_size(20);
    g.bench_function("funnel_everyone", |b| {
        b.iter(|| {
            let all = store
                .records()
                .assignment_standings(&cat, black_box(today))
                .unwrap_or_else(|e| panic!("{e}"));
            let f = assign::funnel(&all.standings);
            let t = assign::team_funnel(&all.standings);
            let late = assign::behind(&all.standings).len();
            (f.len(), t.len(), late)
        })
    });
    g.bench_function("trainee_list", |b| {
        b.iter(|| {
            let mine = store
                .records()
                .assignment_standings_of(black_box(&trainee), &cat, today)
                .unwrap_or_else(|e| panic!("{e}"));
            assign::for_trainee(&mine.standings, &mine.assignments).len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
