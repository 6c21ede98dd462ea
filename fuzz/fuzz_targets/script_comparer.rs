//! Arbitrary closures handed to the array functions that call them (`sort`, `order_by`,
//! `dedup`, `map`, `filter`, `reduce`, …) over a few thousand items, with the production
//! limits: whatever the closure does, the call ends within its budget. A closure that escaped
//! the budget (rhai runs such closures on a copy of the call's counters; its own `sort` drops
//! the comparer's errors) shows as a panic here: the call took far longer than the 50 ms
//! wall-clock budget.
#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use salesdojo::playbook::load::SourceFile;
use salesdojo::playbook::{Content, Report, load};
use salesdojo::practice::{Answer, Attempt};
use salesdojo::script::ScriptHost;

const PLAYBOOK: &str = include_str!("../../tests/fixtures/sandbox.yaml");

/// The calls a closure is handed to: (call, how many arguments the closure takes).
const CALLS: [(&str, usize); 14] = [
    ("a.sort", 2),
    ("a.sort_by", 2),
    ("let b = a.order_by", 2),
    ("let b = a.order", 2),
    ("a.dedup", 2),
    ("let b = a.map", 1),
    ("let b = a.filter", 1),
    ("let b = a.reduce", 2),
    ("let b = a.some", 1),
    ("let b = a.all", 1),
    ("let b = a.retain", 1),
    ("let b = a.drain", 1),
    ("let b = a.find", 1),
    ("a.for_each", 1),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return;
    };
    let (call, arity) = CALLS[usize::from(pick) % CALLS.len()];
    let params = if arity == 2 { "x, y" } else { "x" };
    let source = format!(
        "fn score(ctx) {{\n    let a = []; for i in 0..3000 {{ a.push((i * 7919) % 3001) }}\n    {call}(|{params}| {{ {body} }});\n    #{{}}\n}}\n"
    );
    let mut scripts = BTreeMap::new();
    scripts.insert(
        "scripts/hostile.rhai".to_owned(),
        SourceFile {
            display: "scripts/hostile.rhai".into(),
            bytes: Arc::from(source.as_bytes()),
        },
    );
    let content = Content {
        playbooks: vec![SourceFile {
            display: "sandbox.yaml".into(),
            bytes: Arc::from(PLAYBOOK.as_bytes()),
        }],
        scripts,
        ..Content::bundled_support()
    };
    let mut report = Report::default();
    let lib = load(&[Content::bundled_support(), content], &mut report);
    let Some(pb) = lib.playbook("sandbox").cloned() else {
        return;
    };
    let host = ScriptHost::new(&lib);
    let Ok(mut attempt) = Attempt::start(pb, "one", "fuzz") else {
        return;
    };
    let started = Instant::now();
    if let Ok(r) = attempt.submit(Some(&host), Answer::Text("What matters most?".into()), 3.0) {
        if r.script_error.is_some() {
            assert_eq!(r.scored.rounded(), 100, "the rules' score stands");
        }
    }
    // The score and the guide hook, 50 ms each, with room for a slow fuzzing build.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "the closure escaped its budget: {took:?}");
    let _ = host.take_log();
});
