//! Re-scoring stored replies against today's playbooks and scripts (what `salesdojo rescore`
//! does after a trainer changes a rubric): every completed attempt of the demo database
//! (about 1 300 000 replies), in parallel across cores; anchor: the same work on one thread.
//!
//! criterion times a slice of 10 000 replies both ways; the whole database is then timed
//! once and printed (`rescore: … replies in … s`). `cargo bench --bench rescore`.

mod common;

use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use salesdojo::playbook::{Content, Report, load};
use salesdojo::practice::session::{StoredAttempt, rescore_all};
use salesdojo::script::ScriptHost;
use salesdojo::store::Store;
use salesdojo::store::report::Filter;

fn bench(c: &mut Criterion) {
    let db = common::demo_db();
    let store = Store::open(&db).unwrap_or_else(|e| panic!("{e}"));
    let mut r = Report::default();
    let lib = load(&[Content::bundled()], &mut r);
    let host = ScriptHost::new(&lib);

    let t = Instant::now();
    let attempts: Vec<StoredAttempt> = store
        .records()
        .attempts(&Filter::default(), i64::MAX as usize)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .filter(|a| a.status == "completed" && a.mode == "practice")
        .map(|a| StoredAttempt {
            answers: store.transcript(&a.id).unwrap_or_else(|e| panic!("{e}")),
            playbook: a.playbook,
            scenario: a.scenario,
        })
        .collect();
    let replies: usize = attempts.iter().map(|a| a.answers.len()).sum();
    eprintln!(
        "rescore: read {} attempts, {replies} replies in {:.1} s",
        attempts.len(),
        t.elapsed().as_secs_f64()
    );

    // A slice of about 10 000 replies.
    let mut n = 0;
    let slice: Vec<StoredAttempt> = attempts
        .iter()
        .take_while(|a| {
            n += a.answers.len();
            n <= 10_000
        })
        .cloned()
        .collect();
    let in_slice: usize = slice.iter().map(|a| a.answers.len()).sum();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("rescore_10k_replies");
    g.sample_size(10);
    g.throughput(Throughput::Elements(in_slice as u64));
    g.bench_function("parallel", |b| {
        b.iter(|| rescore_all(&lib, Some(&host), &slice))
    });
    g.bench_function("one_thread_anchor", |b| {
        b.iter(|| one.install(|| rescore_all(&lib, Some(&host), &slice)))
    });
    g.finish();

    let t = Instant::now();
    let out = rescore_all(&lib, Some(&host), &attempts);
    let took = t.elapsed().as_secs_f64();
    let failed = out.iter().filter(|r| r.is_err()).count();
    assert_eq!(failed, 0, "every stored attempt re-scores");
    eprintln!(
        "rescore: {replies} replies ({} attempts) in {took:.1} s on {} threads ({:.0} replies/s)",
        attempts.len(),
        rayon::current_num_threads(),
        replies as f64 / took
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
