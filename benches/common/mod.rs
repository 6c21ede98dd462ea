//! The demo database shared by the benches that need years of a sales force's practice.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use salesdojo::demo::{DemoOptions, generate};
use salesdojo::playbook::{Content, Report, load};
use salesdojo::script::ScriptHost;
use salesdojo::store::Store;

/// `target/bench-data/demo-500x730.db`: 500 trainees, 2 years (generated on first use,
/// about 6 minutes; about 300 000 attempts and 1 300 000 replies).
pub fn demo_db() -> PathBuf {
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

/// A playbook (id `long`) whose one scenario has `n` turns in a chain, every third one a
/// multiple-choice turn with a way back: for the graph's speed.
pub fn long_scenario_yaml(n: usize) -> String {
    let mut yaml = String::from(
        "id: long\nversion: 1\ntitle: Long\nlocales: [en]\nstages: [{ id: s, title: S, goal: G }]\n\
         rubric:\n  criteria:\n    - { id: c, title: C, weight: 1, rules: [{ id: q, question: true, points: 100, feedback: Q }] }\n\
         scenarios:\n  - id: long\n    title: Long\n    persona: rational\n    context: c\n    stages: [s]\n    turns:\n",
    );
    for i in 0..n {
        if i % 3 == 2 && i + 1 < n {
            yaml.push_str(&format!(
                "      - id: t{i}\n        customer: Line {i}\n        options:\n          - {{ id: on, text: Go on, score: 100, feedback: Good }}\n          - {{ id: back, text: Go back, score: 0, feedback: Not yet, next: t{} }}\n",
                i - 1
            ));
        } else {
            yaml.push_str(&format!("      - {{ id: t{i}, customer: Line {i} }}\n"));
        }
    }
    yaml
}
