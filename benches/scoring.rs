//! Scoring one reply: the engine (rubric rules + cached rhai script + guide hook) beside the
//! same rubric written natively in Rust, and how fast the sandbox stops a runaway script.
//!
//! `cargo bench --bench scoring`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use salesdojo::playbook::model::Concept;
use salesdojo::playbook::{Content, Report, load};
use salesdojo::practice::session::score_turn;
use salesdojo::practice::{Answer, score};
use salesdojo::script::{Limits, ScriptHost};
use salesdojo::text;

const REPLY: &str = "价格您放心，一定让您觉得值。这款戴上效果特别好，您先试戴一下感受看看？";

/// jewelry / browsing-to-tryon / how-much, written by hand: criteria try_on (3),
/// price_timing (3) and conduct (0.6), with the same concepts, phrase list, detectors, gates,
/// keyword-list check and saturation as the YAML and the engine.
struct Native {
    try_on: Arc<Concept>,
    perceive: text::PhraseSet,
    /// (concept, points, cap) of the conduct gates.
    conduct: Vec<(Arc<Concept>, i32, f64)>,
    /// The rubric's scale: points earned from nothing read on the trainer's scale.
    scale: Vec<(f64, f64)>,
}

impl Native {
    fn new(
        phrases: &BTreeMap<String, Vec<String>>,
        concepts: &BTreeMap<String, Arc<Concept>>,
        scale: Vec<(f64, f64)>,
    ) -> Self {
        let k = |id: &str| concepts.get(id).cloned().unwrap_or_else(|| unreachable!());
        Self {
            try_on: k("try_on"),
            perceive: text::PhraseSet::new(&phrases.get("perceive").cloned().unwrap_or_default()),
            conduct: vec![
                (k("pressure"), -70, 30.0),
                (k("disparage"), -80, 30.0),
                (k("overpromise"), -60, 30.0),
                (k("kickback"), -100, 15.0),
                (k("blame"), -80, 30.0),
            ],
            scale,
        }
    }

    /// `x` on the scale, in straight lines between its points.
    fn scaled(&self, x: f64) -> f64 {
        for w in self.scale.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if x <= x1 {
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
            }
        }
        x
    }

    fn score(&self, reply: &str) -> f64 {
        let t = text::Normalized::new(reply);
        let tried = self.try_on.in_text(&t);
        let felt = self.perceive.any_in(&t);
        let try_on = match (tried, felt) {
            (true, true) => score::saturate(100.0),
            (true, false) => 70.0,
            (false, true) => 30.0,
            (false, false) => 0.0,
        };
        let try_on = self.scaled(try_on);
        let quoted = text::quotes_price_in(&t);
        let timing =
            100 - if quoted && !tried { 80 } else { 0 } - if quoted && tried { 30 } else { 0 };
        let mut conduct = 100;
        let mut cap: Option<f64> = None;
        for (k, points, c) in &self.conduct {
            if k.in_text(&t) {
                conduct += points;
                cap = Some(cap.map_or(*c, |x: f64| x.min(*c)));
            }
        }
        if cap.is_none() && text::reads_as_keyword_list_in(&t) {
            cap = Some(15.0);
        }
        let c = |v: i32| f64::from(v.clamp(0, 100));
        let total = (try_on * 3.0 + c(timing) * 3.0 + c(conduct) * 0.6) / 6.6;
        cap.map_or(total, |cap| total * cap / 100.0)
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
    let native = Native::new(&pb.phrases, &lib.concepts, pb.rubric.scale.clone());

    // Both must agree before their speed is compared: the native rubric is the rules, so the
    // engine's rules' score is compared (the engine also reads it, which the timing includes).
    let engine_score = score_turn(
        &pb,
        Some(&host),
        scen,
        turn,
        Answer::Text(REPLY.into()),
        1.0,
        &[],
    )
    .map(|r| {
        r.scored
            .reading
            .as_ref()
            .map_or(r.scored.score, |x| x.rules)
    })
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

    // Odd replies, each scored on its content (target < 5 ms each): the longest reply taken,
    // punctuation only, emoji only, mixed scripts, traditional characters, pinyin.
    let seven = lib
        .playbook("seven-step")
        .unwrap_or_else(|| unreachable!())
        .clone();
    let situation = seven
        .scenario("inbound-lead")
        .and_then(|s| s.turn("situation"))
        .unwrap_or_else(|| unreachable!());
    let longest = "您好，想了解一下您的预算、谁来拍板、最急的需求和上线时间？"
        .repeat(salesdojo::practice::score::MAX_REPLY_CHARS / 30);
    let odd: [(&str, String); 6] = [
        ("longest_10000_chars", longest),
        (
            "punctuation_only",
            "？？？！！！。。。，，，……——".repeat(50),
        ),
        ("emoji_only", "😀🙏👍".repeat(100)),
        (
            "mixed_scripts",
            "您好 hello，预算 budget 多少？Timeline 呢？".to_owned(),
        ),
        (
            "traditional",
            "您目前的預算大概多少？誰來決定？最想解決什麼問題？".to_owned(),
        ),
        (
            "pinyin",
            "nin de yusuan shi duoshao? shei lai jueding?".to_owned(),
        ),
    ];
    let mut g = c.benchmark_group("odd_reply");
    g.sample_size(20);
    for (name, reply) in &odd {
        g.bench_function(*name, |b| {
            b.iter(|| {
                score(&seven, situation, &Answer::Text(black_box(reply.clone()))).map(|r| r.score)
            })
        });
    }
    g.finish();

    // The Chinese word list loads once per process, lazily (target < 100 ms).
    let mut g = c.benchmark_group("word_list");
    g.sample_size(10);
    g.bench_function("load", |b| b.iter(|| text::word_segmenter().is_ok()));
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
