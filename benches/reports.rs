//! Manager report queries on the 500-trainee, 2-year demo database (about 1 000 000 replies),
//! each beside the same SQL run by the `sqlite3` shell (its own `.timer`, warm, in one process).
//!
//! `cargo bench --bench reports` (the first run generates `target/bench-data/demo-500x730.db`).

mod common;

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use salesdojo::playbook::{Content, Report, load};
use salesdojo::store::Store;
use salesdojo::store::report::{Filter, Plan};
use salesdojo::store::sql::{self, Dialect, Reading};

/// Also time the base tables where a rollup answers (`SALESDOJO_BENCH_BASE=1`; slow).
fn with_base() -> bool {
    std::env::var_os("SALESDOJO_BENCH_BASE").is_some()
}

/// `sql` with its `?N` parameters written in as literals, for the shell.
fn literal(sql: &str, vals: &[String]) -> String {
    let mut s = sql.to_owned();
    for (i, v) in vals.iter().enumerate().rev() {
        s = s.replace(
            &format!("?{}", i + 1),
            &format!("'{}'", v.replace('\'', "''")),
        );
    }
    s
}

/// Runs the query `iters` times in one `sqlite3` process and adds up its `.timer` figures.
fn shell(db: &Path, sql: &str, iters: u64) -> Duration {
    let mut script = String::from(".timer on\n");
    for _ in 0..iters {
        script.push_str(".once /dev/null\n");
        script.push_str(sql);
        script.push_str(";\n");
    }
    let mut child = Command::new("sqlite3")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("sqlite3: {e}"));
    // Written from another thread: the shell's timer lines fill its stdout pipe while the
    // script is still being written, and one thread doing both would deadlock.
    let writer = child.stdin.take().map(|mut i| {
        std::thread::spawn(move || {
            let _ = i.write_all(script.as_bytes());
        })
    });
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    if let Some(w) = writer {
        let _ = w.join();
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Run Time: real "))
        .filter_map(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .sum()
}

fn bench(c: &mut Criterion) {
    let db = common::demo_db();
    let store = Store::open(&db).unwrap_or_else(|e| panic!("{e}"));
    let mut r = Report::default();
    let lib = load(&[Content::bundled()], &mut r);
    let trainee = store
        .records()
        .leaderboard(&Filter::default(), 1)
        .ok()
        .and_then(|l| l.first().map(|x| x.trainee.clone()))
        .unwrap_or_default();
    let some_attempt = store
        .records()
        .attempts(&Filter::default(), 1)
        .ok()
        .and_then(|a| a.first().map(|x| x.id.clone()))
        .unwrap_or_default();
    let all = Filter::default();
    let one = Filter {
        trainee: Some(trainee.clone()),
        ..Filter::default()
    };
    let team = Filter {
        team: Some("华东一组".into()),
        ..Filter::default()
    };
    // The last quarter of the two years: dated reports read the base tables.
    let quarter = Filter {
        since: Some("2026-08-01".into()),
        until: Some("2026-11-01".into()),
        ..Filter::default()
    };
    let team_quarter = Filter {
        team: Some("华东一组".into()),
        ..quarter.clone()
    };
    let playbook = Filter {
        playbook: Some("jewelry".into()),
        ..Filter::default()
    };
    let playbook_quarter = Filter {
        playbook: Some("jewelry".into()),
        ..quarter.clone()
    };
    let has_shell = Command::new("sqlite3").arg("--version").output().is_ok();

    let mut g = c.benchmark_group("report");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    type Run = fn(&Store, &Filter) -> salesdojo::store::Result<usize>;
    type Sql = fn(&Filter, Plan) -> (String, Vec<String>);
    let queries: Vec<(&str, &Filter, Run, Sql)> = vec![
        (
            "criterion_averages_all",
            &all,
            |s, f| s.records().criterion_averages(f).map(|v| v.len()),
            |f, p| sql::criterion_averages(f, Reading::sqlite(p)),
        ),
        (
            "criterion_averages_trainee",
            &one,
            |s, f| s.records().criterion_averages(f).map(|v| v.len()),
            |f, p| sql::criterion_averages(f, Reading::sqlite(p)),
        ),
        (
            "criterion_averages_team_quarter",
            &team_quarter,
            |s, f| s.records().criterion_averages(f).map(|v| v.len()),
            |f, p| sql::criterion_averages(f, Reading::sqlite(p)),
        ),
        (
            "trend_weekly_all",
            &all,
            |s, f| s.records().trend(f, true).map(|v| v.len()),
            |f, p| sql::trend(f, true, Reading::sqlite(p)),
        ),
        (
            "trend_weekly_team",
            &team,
            |s, f| s.records().trend(f, true).map(|v| v.len()),
            |f, p| sql::trend(f, true, Reading::sqlite(p)),
        ),
        (
            "trend_daily_trainee",
            &one,
            |s, f| s.records().trend(f, false).map(|v| v.len()),
            |f, p| sql::trend(f, false, Reading::sqlite(p)),
        ),
        (
            "pass_rates_all",
            &all,
            |s, f| s.records().pass_rates(f).map(|v| v.len()),
            |f, p| sql::pass_rates(f, Reading::sqlite(p)),
        ),
        (
            "pass_rates_quarter",
            &quarter,
            |s, f| s.records().pass_rates(f).map(|v| v.len()),
            |f, p| sql::pass_rates(f, Reading::sqlite(p)),
        ),
        (
            "leaderboard_top20",
            &all,
            |s, f| s.records().leaderboard(f, 20).map(|v| v.len()),
            |f, p| sql::leaderboard(f, 20, Reading::sqlite(p)),
        ),
        (
            "leaderboard_top20_quarter",
            &quarter,
            |s, f| s.records().leaderboard(f, 20).map(|v| v.len()),
            |f, p| sql::leaderboard(f, 20, Reading::sqlite(p)),
        ),
        (
            "weakest_by_team",
            &all,
            |s, f| s.records().weakest(f, true).map(|v| v.len()),
            |f, p| sql::weakest(f, true, Reading::sqlite(p)),
        ),
        (
            "weakest_by_trainee_team",
            &team,
            |s, f| s.records().weakest(f, false).map(|v| v.len()),
            |f, p| sql::weakest(f, false, Reading::sqlite(p)),
        ),
        (
            "criterion_averages_playbook",
            &playbook,
            |s, f| s.records().criterion_averages(f).map(|v| v.len()),
            |f, p| sql::criterion_averages(f, Reading::sqlite(p)),
        ),
        (
            "trend_weekly_playbook",
            &playbook,
            |s, f| s.records().trend(f, true).map(|v| v.len()),
            |f, p| sql::trend(f, true, Reading::sqlite(p)),
        ),
        (
            "pass_rates_playbook",
            &playbook,
            |s, f| s.records().pass_rates(f).map(|v| v.len()),
            |f, p| sql::pass_rates(f, Reading::sqlite(p)),
        ),
        (
            "leaderboard_top20_playbook",
            &playbook,
            |s, f| s.records().leaderboard(f, 20).map(|v| v.len()),
            |f, p| sql::leaderboard(f, 20, Reading::sqlite(p)),
        ),
        (
            "criterion_averages_playbook_quarter",
            &playbook_quarter,
            |s, f| s.records().criterion_averages(f).map(|v| v.len()),
            |f, p| sql::criterion_averages(f, Reading::sqlite(p)),
        ),
        (
            "trend_weekly_playbook_quarter",
            &playbook_quarter,
            |s, f| s.records().trend(f, true).map(|v| v.len()),
            |f, p| sql::trend(f, true, Reading::sqlite(p)),
        ),
        (
            "pass_rates_playbook_quarter",
            &playbook_quarter,
            |s, f| s.records().pass_rates(f).map(|v| v.len()),
            |f, p| sql::pass_rates(f, Reading::sqlite(p)),
        ),
        (
            "leaderboard_top20_playbook_quarter",
            &playbook_quarter,
            |s, f| s.records().leaderboard(f, 20).map(|v| v.len()),
            |f, p| sql::leaderboard(f, 20, Reading::sqlite(p)),
        ),
        (
            "attempts_playbook_review_page",
            &playbook,
            |s, f| s.records().attempts(f, 500).map(|v| v.len()),
            |f, _| sql::attempts(f, 500, Dialect::Sqlite),
        ),
        (
            "attempts_all_review_page",
            &all,
            |s, f| s.records().attempts(f, 500).map(|v| v.len()),
            |f, _| sql::attempts(f, 500, Dialect::Sqlite),
        ),
        (
            "attempts_team_page",
            &team,
            |s, f| s.records().attempts(f, 100).map(|v| v.len()),
            |f, _| sql::attempts(f, 100, Dialect::Sqlite),
        ),
    ];
    let mut base = Store::open(&db).unwrap_or_else(|e| panic!("{e}"));
    base.set_plan(Plan::BaseTables);
    for (name, f, run, sql) in &queries {
        // The rollups must give as many rows as the base tables before their speed means
        // anything (tests/store.rs compares the values).
        let (a, b) = (run(&store, f), run(&base, f));
        assert_eq!(
            a.as_ref().ok(),
            b.as_ref().ok(),
            "{name}: rollups and base tables differ"
        );
        g.bench_function(format!("{name}/salesdojo"), |b| {
            b.iter(|| run(&store, black_box(f)))
        });
        if has_shell {
            let (text, vals) = sql(f, Plan::Rollups);
            let text = literal(&text, &vals);
            g.bench_function(format!("{name}/sqlite3_shell"), |b| {
                b.iter_custom(|iters| shell(&db, &text, iters))
            });
        }
        if sql(f, Plan::Rollups) != sql(f, Plan::BaseTables) && with_base() {
            g.bench_function(format!("{name}/base_tables"), |b| {
                b.iter(|| run(&base, black_box(f)))
            });
        }
    }
    g.bench_function("attempt_detail/salesdojo", |b| {
        b.iter(|| {
            store
                .records()
                .attempt_detail(black_box(&some_attempt))
                .map(|d| d.replies.len())
        })
    });
    g.bench_function("recommend_trainee/salesdojo", |b| {
        b.iter(|| {
            store
                .records()
                .recommend(&lib, black_box(&trainee))
                .map(|r| r.is_some())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
