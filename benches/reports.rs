//! Manager report queries on the 500-trainee, 2-year demo database (about 1 000 000 replies),
//! each beside the same SQL run by the `sqlite3` shell (its own `.timer`, warm, in one process).
//!
//! `cargo bench --bench reports` (the first run generates `target/bench-data/demo-500x730.db`).

use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use salesdojo::demo::{DemoOptions, generate};
use salesdojo::playbook::{Content, Report, load};
use salesdojo::script::ScriptHost;
use salesdojo::store::Store;
use salesdojo::store::report::{self, Filter};

fn demo_db() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let path = dir.join("demo-500x730.db");
    if !path.exists() {
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let tmp = dir.join("demo-500x730.db.partial");
        let _ = std::fs::remove_file(&tmp);
        let mut store = Store::open(&tmp).unwrap_or_else(|e| panic!("{e}"));
        let mut r = Report::default();
        let lib = load(&[Content::bundled()], &mut r);
        let host = ScriptHost::new(&lib);
        let end = Utc
            .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
            .single()
            .unwrap_or_else(Utc::now);
        let t = std::time::Instant::now();
        let c = generate(
            &mut store,
            &lib,
            &host,
            &DemoOptions {
                trainees: 500,
                days: 730,
                seed: 2026,
                end,
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "generated {} attempts, {} replies in {:.0} s",
            c.attempts,
            c.replies,
            t.elapsed().as_secs_f64()
        );
        drop(store);
        std::fs::rename(&tmp, &path).unwrap_or_else(|e| panic!("{e}"));
    }
    path
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
    child
        .stdin
        .take()
        .map(|mut i| i.write_all(script.as_bytes()));
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Run Time: real "))
        .filter_map(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .sum()
}

fn bench(c: &mut Criterion) {
    let db = demo_db();
    let store = Store::open(&db).unwrap_or_else(|e| panic!("{e}"));
    let mut r = Report::default();
    let lib = load(&[Content::bundled()], &mut r);
    let trainee = store
        .leaderboard(&Filter::default(), 1)
        .ok()
        .and_then(|l| l.first().map(|x| x.trainee.clone()))
        .unwrap_or_default();
    let some_attempt = store
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
    let has_shell = Command::new("sqlite3").arg("--version").output().is_ok();

    let mut g = c.benchmark_group("report");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    let queries: Vec<(&str, (String, Vec<String>))> = vec![
        (
            "criterion_averages_all",
            report::criterion_averages_sql(&all),
        ),
        (
            "criterion_averages_trainee",
            report::criterion_averages_sql(&one),
        ),
        ("trend_weekly_team", report::trend_sql(&team, true)),
        ("pass_rates_all", report::pass_rates_sql(&all)),
        ("leaderboard_top20", report::leaderboard_sql(&all, 20)),
        ("weakest_by_team", report::weakest_sql(&all, true)),
        ("attempts_team_page", report::attempts_sql(&team, 100)),
    ];
    for (name, (sql, vals)) in &queries {
        let f = match *name {
            "criterion_averages_trainee" => &one,
            "trend_weekly_team" | "attempts_team_page" => &team,
            _ => &all,
        };
        g.bench_function(format!("{name}/salesdojo"), |b| {
            b.iter(|| match *name {
                "criterion_averages_all" | "criterion_averages_trainee" => {
                    store.criterion_averages(f).map(|v| v.len())
                }
                "trend_weekly_team" => store.trend(f, true).map(|v| v.len()),
                "pass_rates_all" => store.pass_rates(f).map(|v| v.len()),
                "leaderboard_top20" => store.leaderboard(f, 20).map(|v| v.len()),
                "weakest_by_team" => store.weakest(f, true).map(|v| v.len()),
                _ => store.attempts(f, 100).map(|v| v.len()),
            })
        });
        if has_shell {
            let sql = literal(sql, vals);
            g.bench_function(format!("{name}/sqlite3_shell"), |b| {
                b.iter_custom(|iters| shell(&db, &sql, iters))
            });
        }
    }
    g.bench_function("attempt_detail/salesdojo", |b| {
        b.iter(|| {
            store
                .attempt_detail(black_box(&some_attempt))
                .map(|d| d.replies.len())
        })
    });
    g.bench_function("recommend_trainee/salesdojo", |b| {
        b.iter(|| {
            store
                .recommend(&lib, black_box(&trainee))
                .map(|r| r.is_some())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
