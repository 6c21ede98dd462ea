//! What a trainee's reply waits on: the durable write (WAL, `synchronous=FULL`) of one scored
//! reply through the progress log, and a burst of 1 000 (each its own transaction, as when
//! replies come one after another). Anchor: the same row, as one INSERT of its bytes into a
//! bare table with the same settings — what the disk costs without salesdojo's schema,
//! indexes, rollup triggers and JSON.
//!
//! `cargo bench --bench durable` (the database is in `target/bench-data/`, on the real disk).
// Tests open raw SQLite connections to inspect the file: opening through SQLite is safe
// (only a descriptor opened outside SQLite drops its locks; see src/store/db.rs).
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::path::Path;

use chrono::Utc;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rusqlite::{Connection, params};
use salesdojo::playbook::model::Reply;
use salesdojo::playbook::{Content, Report, load};
use salesdojo::practice::{Answer, Attempt, ReplyRecord};
use salesdojo::script::ScriptHost;
use salesdojo::session::LoggedAttempt;
use salesdojo::store::{self, ProgressLog, Store};

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/durable");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));

    let mut r = Report::default();
    let lib = load(&[Content::bundled()], &mut r);
    let host = ScriptHost::new(&lib);
    // The first scenario that opens with a free-text turn.
    let (pb, scenario) = lib
        .playbooks
        .iter()
        .flat_map(|pb| pb.scenarios.iter().map(move |s| (pb, s)))
        .find(|(pb, s)| {
            Attempt::start((*pb).clone(), &s.id, "bench").is_ok_and(|a| {
                a.current_turn()
                    .is_some_and(|t| matches!(t.reply, Reply::FreeText))
            })
        })
        .map(|(pb, s)| (pb.clone(), s.id.clone()))
        .unwrap_or_else(|| panic!("a free-text opening"));
    let mut store = Store::open(&dir.join("progress.db")).unwrap_or_else(|e| panic!("{e}"));
    let trainee = store
        .trainee("bench", Some("A"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut a = LoggedAttempt::start(&mut store, &trainee, pb.clone(), &scenario)
        .unwrap_or_else(|e| panic!("{e}"));
    let reply = Answer::Text("您好，请问您今天是想看看送人的还是自己戴的？预算大概多少？".into());
    a.submit(Some(&host), reply, 4.0)
        .unwrap_or_else(|e| panic!("{e}"));
    let record: ReplyRecord = a.last().unwrap_or_else(|| panic!("scored")).clone();
    let attempt_id = a.id.clone();
    let json = store::result_json(&record).to_string();

    let raw = Connection::open(dir.join("anchor.db")).unwrap_or_else(|e| panic!("{e}"));
    raw.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE replies (id TEXT PRIMARY KEY, attempt_id TEXT, seq INTEGER, answer TEXT, result TEXT, at TEXT);",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let answer_text = "您好，请问您今天是想看看送人的还是自己戴的？预算大概多少？";

    let mut seq = 1000u32;
    let mut write = |store: &mut Store| {
        seq += 1;
        store
            .record_reply(&store::new_id(), &attempt_id, seq, &record, Utc::now())
            .unwrap_or_else(|e| panic!("{e}"));
    };
    let raw_insert = |raw: &Connection| {
        raw.execute(
            "INSERT INTO replies VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                store::new_id(),
                "a",
                1,
                answer_text,
                json,
                store::stamp(Utc::now())
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    };

    let mut g = c.benchmark_group("durable_write");
    g.bench_function("one_reply", |b| b.iter(|| write(&mut store)));
    g.bench_function("one_reply_anchor_bare_insert", |b| {
        b.iter(|| raw_insert(&raw))
    });
    g.sample_size(10);
    g.bench_function("burst_1000_replies", |b| {
        b.iter_batched(
            || (),
            |()| {
                for _ in 0..1000 {
                    write(&mut store);
                }
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("burst_1000_anchor_bare_inserts", |b| {
        b.iter(|| {
            for _ in 0..1000 {
                raw_insert(black_box(&raw));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
