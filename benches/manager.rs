//! The manager's week on the 500-trainee, 2-year demo database: the review queue of the last
//! 30 days (with 20 trainees' questions added), the readiness grid for everyone (every
//! trainee × criterion of the busiest playbook, as the readiness tab shows one, with each
//! team's tiers and its 12 weeks; and of every playbook at once), and the certificates of one
//! playbook for everyone, as the review view reads them.
//!
//! `cargo bench --bench manager` (the first run of any demo bench generates
//! `target/bench-data/demo-500x730.db`; the questions are added to it once).

mod common;

use std::hint::black_box;

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use salesdojo::playbook::{Content, Report, load};
use salesdojo::store::Store;
use salesdojo::{queue, readiness};

fn bench(c: &mut Criterion) {
    let db = common::demo_db();
    let mut store = Store::open(&db).unwrap_or_else(|e| panic!("{e}"));
    let mut r = Report::default();
    let lib = load(&[Content::bundled()], &mut r);
    // The demo history ends on 2026-11-01.
    let today = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default();
    let rules = queue::Rules::of(&lib);
    let everything = queue::Filter::default();
    let first = store
        .records()
        .review_queue(&rules, &everything, today, 30)
        .unwrap_or_else(|e| panic!("{e}"));
    if !first
        .iter()
        .any(|i| i.reasons.iter().any(|r| r.key() == "asked"))
    {
        let recent = store
            .records()
            .attempts(
                &salesdojo::store::report::Filter {
                    since: Some("2026-10-20".into()),
                    ..Default::default()
                },
                400,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let trainees = store.records().trainees().unwrap_or_else(|e| panic!("{e}"));
        let at = Utc
            .with_ymd_and_hms(2026, 10, 30, 12, 0, 0)
            .single()
            .unwrap_or_else(Utc::now);
        for a in recent
            .iter()
            .filter(|a| a.status == "completed" && a.mode == "practice")
            .step_by(20)
            .take(20)
        {
            let Some(t) = trainees.iter().find(|t| t.name == a.trainee) else {
                continue;
            };
            store
                .request_review(&t.id, &a.id, "为什么这一项扣分？", at)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let q = store
        .records()
        .review_queue(&rules, &everything, today, 30)
        .unwrap_or_else(|e| panic!("{e}"));
    let cells = store
        .records()
        .readiness(today, None, None)
        .unwrap_or_else(|e| panic!("{e}"));
    // The grid on screen is one playbook's: the one practised most.
    let busiest = lib
        .playbooks
        .iter()
        .max_by_key(|p| {
            cells
                .iter()
                .filter(|c| c.playbook == p.id)
                .map(|c| c.attempts)
                .sum::<u32>()
        })
        .unwrap_or_else(|| panic!("a playbook"));
    let criteria: Vec<String> = busiest
        .rubric
        .criteria
        .iter()
        .map(|c| c.id.clone())
        .collect();
    eprintln!(
        "queue: {} attempts wait ({} asked); readiness: {} cells, the grid of {}",
        q.len(),
        q.iter()
            .filter(|i| i.reasons.iter().any(|r| r.key() == "asked"))
            .count(),
        cells.len(),
        busiest.id
    );
    let mut g = c.benchmark_group("manager");
    g.sample_size(20);
    g.bench_function("queue_30_days", |b| {
        b.iter(|| {
            store
                .records()
                .review_queue(&rules, &everything, black_box(today), 30)
                .unwrap_or_else(|e| panic!("{e}"))
                .len()
        })
    });
    g.bench_function("readiness_grid_everyone", |b| {
        b.iter(|| {
            let cells = store
                .records()
                .readiness(black_box(today), None, Some(&busiest.id))
                .unwrap_or_else(|e| panic!("{e}"));
            let grid = readiness::grid(&cells, &busiest.id, &criteria);
            let teams = readiness::teams_now(&grid);
            let weeks = store
                .records()
                .team_readiness(today, 12, Some(&busiest.id))
                .unwrap_or_else(|e| panic!("{e}"));
            grid.rows.len() + teams.len() + weeks.len()
        })
    });
    g.bench_function("readiness_every_playbook", |b| {
        b.iter(|| {
            let cells = store
                .records()
                .readiness(black_box(today), None, None)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut n = 0;
            for pb in &lib.playbooks {
                let criteria: Vec<String> =
                    pb.rubric.criteria.iter().map(|c| c.id.clone()).collect();
                let grid = readiness::grid(&cells, &pb.id, &criteria);
                n += grid.rows.len() + readiness::teams_now(&grid).len();
            }
            let weeks = store
                .records()
                .team_readiness(today, 12, None)
                .unwrap_or_else(|e| panic!("{e}"));
            n + weeks.len()
        })
    });
    g.sample_size(10);
    g.bench_function("certificates_one_playbook", |b| {
        b.iter(|| {
            store
                .records()
                .certificates(&lib, Some("jewelry"), None, black_box(today))
                .unwrap_or_else(|e| panic!("{e}"))
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
