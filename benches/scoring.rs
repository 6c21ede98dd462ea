//! Scoring one reply: the engine (rubric rules + cached rhai script + guide hook) beside the
//! same rubric written natively in Rust, and how fast the sandbox stops a runaway script.
//!
//! `cargo bench --bench scoring`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use regex::Regex;
use salesdojo::playbook::{Content, Report, load};
use salesdojo::practice::Answer;
use salesdojo::practice::session::score_turn;
use salesdojo::script::{Limits, ScriptHost};
use salesdojo::text;

const REPLY: &str = "价格您放心，一定让您觉得值。这款戴上效果特别好，您先试戴一下感受看看？";

/// jewelry / browsing-to-tryon / how-much, written by hand: criteria try_on (3),
/// price_timing (3) and conduct (1), with the same phrase lists and regex as the YAML.
struct Native {
    try_on: Vec<String>,
    perceive: Vec<String>,
    pressure: Vec<String>,
    disparage: Vec<String>,
    overpromise: Vec<String>,
    amount: Regex,
}

impl Native {
    fn new(phrases: &BTreeMap<String, Vec<String>>) -> Self {
        let get = |k: &str| phrases.get(k).cloned().unwrap_or_default();
        Self {
            try_on: get("try_on"),
            perceive: get("perceive"),
            pressure: get("pressure"),
            disparage: get("disparage"),
            overpromise: get("overpromise"),
            amount: Regex::new("[0-9¥￥$]|[一二两三四五六七八九十百千]+(元|块)|[一二两三四五六七八九十]万|(?i)yuan").unwrap_or_else(|_| unreachable!()),
        }
    }

    fn score(&self, reply: &str) -> f64 {
        let tried = text::contains_any(reply, &self.try_on);
        let try_on = (if tried { 70 } else { 0 })
            + if text::contains_any(reply, &self.perceive) {
                30
            } else {
                0
            };
        let quoted = self.amount.is_match(reply);
        let timing =
            100 - if quoted && !tried { 80 } else { 0 } - if quoted && tried { 30 } else { 0 };
        let conduct =
            100 - if text::contains_any(reply, &self.pressure) {
                70
            } else {
                0
            } - if text::contains_any(reply, &self.disparage) {
                80
            } else {
                0
            } - if text::contains_any(reply, &self.overpromise) {
                60
            } else {
                0
            };
        let c = |v: i32| f64::from(v.clamp(0, 100));
        (c(try_on) * 3.0 + c(timing) * 3.0 + c(conduct)) / 7.0
    }
}

fn bench(c: &mut Criterion) {
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    let host = ScriptHost::new(&lib);
    let pb = lib
        .playbook("jewelry")
        .unwrap_or_else(|| unreachable!())
        .clone();
    let scen = pb
        .scenario("browsing-to-tryon")
        .unwrap_or_else(|| unreachable!());
    let turn = scen.turn("how-much").unwrap_or_else(|| unreachable!());
    let native = Native::new(&pb.phrases);

    // Both must agree before their speed is compared.
    let engine_score = score_turn(
        &pb,
        Some(&host),
        scen,
        turn,
        Answer::Text(REPLY.into()),
        1.0,
        &[],
    )
    .map(|r| r.scored.score)
    .unwrap_or(-1.0);
    assert!(
        (engine_score - native.score(REPLY)).abs() < 1e-9,
        "engine {engine_score} vs native {}",
        native.score(REPLY)
    );

    let mut g = c.benchmark_group("score_one_reply");
    g.bench_function("engine_rules_script_guide", |b| {
        b.iter(|| {
            score_turn(
                &pb,
                Some(&host),
                scen,
                turn,
                Answer::Text(black_box(REPLY).into()),
                1.0,
                &[],
            )
            .map(|r| r.scored.score)
        })
    });
    g.bench_function("engine_rules_only", |b| {
        b.iter(|| {
            score_turn(
                &pb,
                None,
                scen,
                turn,
                Answer::Text(black_box(REPLY).into()),
                1.0,
                &[],
            )
            .map(|r| r.scored.score)
        })
    });
    g.bench_function("native_rust", |b| b.iter(|| native.score(black_box(REPLY))));
    g.finish();

    let looping: BTreeMap<String, Arc<str>> = [(
        "scripts/loop.rhai".to_owned(),
        Arc::from("fn score(ctx) { loop { } }"),
    )]
    .into();
    let hostile = ScriptHost::from_sources(looping, Limits::default());
    let mut g = c.benchmark_group("sandbox");
    g.sample_size(20);
    g.bench_function("infinite_loop_stopped", |b| {
        b.iter(|| {
            hostile
                .call("scripts/loop.rhai", "score", rhai::Map::new())
                .is_err()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
