//! Loading and validating playbooks, beside the bare YAML parse of the same bytes; `validate`
//! with every check it makes (target < 50 ms on the bundled set); the graph of a generated
//! 200-turn scenario.
//!
//! `cargo bench --bench load`

use std::hint::black_box;
use std::sync::Arc;

mod common;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use salesdojo::playbook::load::SourceFile;
use salesdojo::playbook::{Content, Report, load};

/// The bare parse every load does anyway: YAML text into an untyped value.
fn bare_parse(content: &Content) -> usize {
    content
        .playbooks
        .iter()
        .chain(&content.personas)
        .map(|f| {
            let text = std::str::from_utf8(&f.bytes).unwrap_or_default();
            serde_saphyr::from_str::<serde_json::Value>(text)
                .map_or(0, |v| v.as_object().map_or(0, |o| o.len()))
        })
        .sum()
}

fn load_validate(content: &Content) -> usize {
    let mut report = Report::default();
    let lib = load(std::slice::from_ref(content), &mut report);
    assert_eq!(report.errors(), 0);
    lib.playbooks.len()
}

/// `n` copies of the bundled playbooks (ids made unique), with the bundled personas and scripts.
fn generated(n: usize) -> Content {
    let bundled = Content::bundled();
    let mut c = Content {
        playbooks: Vec::new(),
        ..bundled.clone()
    };
    for i in 0..n {
        let src = &bundled.playbooks[i % bundled.playbooks.len()];
        let text = std::str::from_utf8(&src.bytes).unwrap_or_default();
        let id_line = text
            .lines()
            .find(|l| l.starts_with("id: "))
            .unwrap_or("id: x");
        let text = text.replacen(id_line, &format!("{id_line}-{i}"), 1);
        c.playbooks.push(SourceFile {
            display: format!("gen/{i}.yaml"),
            bytes: Arc::from(text.as_bytes()),
        });
    }
    c
}

/// What `salesdojo validate` does on the bundled set: load and check, compile the scripts,
/// and run every hook once on every turn.
fn validate_all(content: &Content) -> usize {
    let mut report = Report::default();
    let lib = load(std::slice::from_ref(content), &mut report);
    let host = salesdojo::script::ScriptHost::new(&lib);
    salesdojo::script::check_library(&lib, &host, &mut report);
    salesdojo::practice::rehearse::check(&lib, &host, &mut report);
    assert_eq!(report.errors(), 0, "{}", report.render());
    lib.playbooks.len()
}

/// A playbook whose one scenario has `n` turns (see [`common::long_scenario_yaml`]).
fn long_scenario(n: usize) -> Content {
    let mut c = Content::bundled_support();
    c.playbooks = vec![SourceFile {
        display: "long.yaml".into(),
        bytes: Arc::from(common::long_scenario_yaml(n).as_bytes()),
    }];
    c
}

fn bench(c: &mut Criterion) {
    let bundled = Content::bundled();
    let mut g = c.benchmark_group("bundled");
    g.bench_function("validate_every_check", |b| {
        b.iter(|| black_box(validate_all(black_box(&bundled))))
    });
    {
        let mut report = Report::default();
        let lib = load(std::slice::from_ref(&bundled), &mut report);
        let host = salesdojo::script::ScriptHost::new(&lib);
        g.bench_function("rehearse_hooks_only", |b| {
            b.iter(|| {
                let mut report = Report::default();
                salesdojo::practice::rehearse::check(&lib, &host, &mut report);
                black_box(report.errors())
            })
        });
    }
    let long = long_scenario(200);
    let mut report = Report::default();
    let lib = load(std::slice::from_ref(&long), &mut report);
    assert_eq!(report.errors(), 0, "{}", report.render());
    let scen = lib.playbook("long").map(|p| p.scenarios[0].clone());
    let scen = scen.unwrap_or_else(|| panic!("the long scenario loads"));
    g.bench_function("graph_200_turns_mermaid", |b| {
        b.iter(|| {
            let graph = salesdojo::playbook::graph::scenario(black_box(&scen), "en");
            black_box(salesdojo::playbook::graph::to_mermaid(&graph).len())
        })
    });
    g.bench_function("load_validate", |b| {
        b.iter(|| black_box(load_validate(black_box(&bundled))))
    });
    g.bench_function("bare_yaml_parse", |b| {
        b.iter(|| black_box(bare_parse(black_box(&bundled))))
    });
    // What the authoring view runs on the worker after a pause in typing: the whole
    // workspace loaded with the draft in place of its file, and every script compiled.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ws = salesdojo::author::Workspace::at(dir.path());
    let entry = ws
        .copy_bundled("playbooks/01_seven_step.yaml")
        .unwrap_or_else(|e| panic!("{e}"));
    let path = entry.path.unwrap_or_default();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    g.bench_function("check_draft", |b| {
        b.iter(|| black_box(ws.check(&path, black_box(&text)).report.errors()))
    });
    g.finish();

    let mut g = c.benchmark_group("generated");
    g.sample_size(10);
    for n in [10, 100, 1000] {
        let content = generated(n);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("load_validate", n), &content, |b, c| {
            b.iter(|| black_box(load_validate(c)))
        });
        g.bench_with_input(BenchmarkId::new("bare_yaml_parse", n), &content, |b, c| {
            b.iter(|| black_box(bare_parse(c)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
