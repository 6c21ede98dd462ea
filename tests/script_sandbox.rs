//! Hostile and broken scripts: each is stopped within its budget, the trainee sees
//! "scoring unavailable: …", the reply is still recorded with the rules' score, the role-play
//! goes on, and the author gets the error with file:line:col. Never a panic.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use salesdojo::playbook::load::SourceFile;
use salesdojo::playbook::{Content, Library, Report, load};
use salesdojo::practice::{Answer, Attempt};
use salesdojo::script::{Limits, ScriptErrorKind, ScriptHost};

const PLAYBOOK: &str = r#"
id: sandbox
version: 1
title: Sandbox
locales: [en]
phrases:
  good: [what, how]
stages: [{ id: s, title: S, goal: G }]
rubric:
  criteria:
    - id: asks
      title: Asks
      weight: 1
      rules: [{ id: open, open_question: true, points: 100, feedback: Open question }]
scripts: { score: scripts/evil.rhai, guide: scripts/evil.rhai }
scenarios:
  - id: one
    title: One
    persona: rational
    context: c
    stages: [s]
    turns:
      - { id: t1, customer: Hello }
      - { id: t2, customer: And? }
"#;

/// A library with the sandbox playbook and `script` as `scripts/evil.rhai` (plus `extra`).
fn library(script: &str, extra: &[(&str, &str)]) -> Library {
    let mut scripts = BTreeMap::new();
    for (k, v) in std::iter::once(&("scripts/evil.rhai", script)).chain(extra) {
        scripts.insert(
            (*k).to_owned(),
            SourceFile {
                display: (*k).to_owned(),
                bytes: Arc::from(v.as_bytes()),
            },
        );
    }
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
    assert_eq!(report.errors(), 0, "{}", report.render());
    lib
}

struct Outcome {
    kind: Option<ScriptErrorKind>,
    line: u32,
    message: String,
    notice: Option<String>,
    score: u32,
    took: Duration,
}

/// Plays the first turn with a reply the rules score 100, through the script.
fn play(script: &str) -> Outcome {
    play_with(library(script, &[]))
}

fn play_with(lib: Library) -> Outcome {
    let host = ScriptHost::new(&lib);
    let pb = lib.playbook("sandbox").expect("loaded").clone();
    let mut attempt = Attempt::start(pb, "one", "tester").expect("starts");
    let start = Instant::now();
    let r = attempt
        .submit(
            Some(&host),
            Answer::Text("What matters most to you?".into()),
            3.0,
        )
        .expect("scored")
        .clone();
    let took = start.elapsed();
    // The role-play goes on and the reply is recorded.
    assert_eq!(attempt.replies.len(), 1);
    assert_eq!(attempt.current_turn().map(|t| t.id.as_str()), Some("t2"));
    Outcome {
        kind: r.script_error.as_ref().map(|e| e.kind),
        line: r.script_error.as_ref().map_or(0, |e| e.line),
        message: r
            .script_error
            .as_ref()
            .map_or(String::new(), |e| e.to_string()),
        notice: r.notice(),
        score: r.scored.rounded(),
        took,
    }
}

fn assert_stopped(o: &Outcome, kind: ScriptErrorKind, line: u32, message: &str) {
    assert_eq!(o.kind, Some(kind), "{}", o.message);
    assert_eq!(o.line, line, "{}", o.message);
    assert!(o.message.starts_with("scripts/evil.rhai:"), "{}", o.message);
    assert!(o.message.contains(message), "{}", o.message);
    assert!(
        o.notice
            .as_deref()
            .is_some_and(|n| n.starts_with("scoring unavailable: "))
    );
    assert_eq!(o.score, 100, "the rules' score stands");
    // A hang guard, not a speed target (that is measured in `cargo bench --bench scoring`).
    assert!(o.took < Duration::from_secs(5), "took {:?}", o.took);
}

#[test]
fn an_infinite_loop_is_stopped() {
    let o = play("// a comment\nfn score(ctx) {\n    loop { }\n}\n");
    // The operations limit or the time budget, whichever comes first on this machine.
    assert_stopped(&o, ScriptErrorKind::Budget, 2, "the script ran");
}

#[test]
fn a_slow_loop_is_stopped_by_the_wall_clock() {
    // Few operations, each expensive: only the time budget stops it.
    let lib = library(
        "fn score(ctx) {\n    let s = \"\";\n    loop { s = \"x\".pad(60000, 'y'); }\n}\n",
        &[],
    );
    let host = ScriptHost::with_limits(
        &lib,
        Limits {
            operations: u64::MAX / 2,
            ..Limits::default()
        },
    );
    let pb = lib.playbook("sandbox").expect("loaded").clone();
    let mut attempt = Attempt::start(pb, "one", "tester").expect("starts");
    let r = attempt
        .submit(Some(&host), Answer::Text("What?".into()), 1.0)
        .expect("scored");
    let e = r.script_error.as_ref().expect("stopped");
    assert_eq!(e.kind, ScriptErrorKind::Budget);
    assert!(e.message.contains("time budget"), "{e}");
}

#[test]
fn runaway_recursion_is_stopped() {
    let o = play("fn down(n) { down(n + 1) }\nfn score(ctx) {\n    down(0)\n}\n");
    assert_stopped(&o, ScriptErrorKind::Budget, 2, "recursion too deep");
}

#[test]
fn a_hundred_megabyte_string_is_refused() {
    let o = play("fn score(ctx) {\n    let s = \"x\";\n    while true { s += s; }\n}\n");
    assert_stopped(
        &o,
        ScriptErrorKind::Budget,
        1,
        "larger than scripts may build",
    );
}

#[test]
fn a_hundred_megabyte_array_is_refused() {
    let o = play("fn score(ctx) {\n    let a = [];\n    a.pad(100000000, 0);\n}\n");
    assert_stopped(
        &o,
        ScriptErrorKind::Budget,
        1,
        "larger than scripts may build",
    );
}

#[test]
fn a_runtime_error_points_at_its_line() {
    let o = play("fn score(ctx) {\n    let x = 1;\n    x.no_such_method();\n}\n");
    assert_stopped(&o, ScriptErrorKind::Runtime, 3, "no_such_method");
}

#[test]
fn a_wrong_return_type_is_reported() {
    let o = play("fn score(ctx) {\n    42\n}\n");
    assert_eq!(o.kind, Some(ScriptErrorKind::BadReturn));
    assert!(
        o.message.contains("score() must return a map, found i64"),
        "{}",
        o.message
    );
    let o = play("fn score(ctx) {\n    #{ points: #{ nonsense: 10 } }\n}\n");
    assert!(
        o.message.contains("not a criterion of this turn"),
        "{}",
        o.message
    );
    let o = play("fn score(ctx) {\n    #{ pointz: #{} }\n}\n");
    assert!(o.message.contains("unknown key 'pointz'"), "{}", o.message);
}

#[test]
fn a_missing_hook_falls_back_to_the_rules() {
    let o = play("fn helper() { 1 }\n");
    assert_eq!(o.kind, None);
    assert_eq!(o.score, 100);
}

#[test]
fn a_syntax_error_is_positioned() {
    let o = play("fn score(ctx) {\n    let = ;\n}\n");
    assert_eq!(o.kind, Some(ScriptErrorKind::Syntax));
    assert_eq!(o.line, 2, "{}", o.message);
}

#[test]
fn importing_outside_scripts_is_refused() {
    for path in ["../../etc/passwd", "/etc/passwd", "sub/../../x"] {
        let o = play(&format!(
            "fn score(ctx) {{\n    import \"{path}\" as m;\n    #{{}}\n}}\n"
        ));
        assert_eq!(
            o.kind,
            Some(ScriptErrorKind::Runtime),
            "{path}: {}",
            o.message
        );
        assert!(
            o.message.contains("import modules by name from scripts/"),
            "{}",
            o.message
        );
    }
    // A module inside scripts/ is fine.
    let lib = library(
        "import \"helpers\" as h;\nfn score(ctx) {\n    #{ feedback: h::greet() }\n}\n",
        &[("scripts/helpers.rhai", "fn greet() { \"hi\" }\n")],
    );
    assert_eq!(play_with(lib).kind, None);
}

#[test]
fn eval_is_disabled() {
    let o = play("fn score(ctx) {\n    eval(\"1 + 1\")\n}\n");
    assert_eq!(o.kind, Some(ScriptErrorKind::Syntax), "{}", o.message);
}

#[test]
fn no_clock_and_no_sleep() {
    let o = play("fn score(ctx) {\n    let t = timestamp();\n    #{}\n}\n");
    assert!(
        o.message.contains("timestamp() is not available"),
        "{}",
        o.message
    );
    let o = play("fn score(ctx) {\n    sleep(100);\n    #{}\n}\n");
    assert!(
        o.message.contains("sleep() is not available"),
        "{}",
        o.message
    );
    assert!(o.took < Duration::from_secs(5));
}

#[test]
fn print_flooding_is_bounded() {
    let lib = library(
        "fn score(ctx) {\n    for i in 0..100000 { print(\"spam spam spam\"); }\n    #{}\n}\n",
        &[],
    );
    let host = ScriptHost::new(&lib);
    let pb = lib.playbook("sandbox").expect("loaded").clone();
    let mut attempt = Attempt::start(pb, "one", "tester").expect("starts");
    attempt
        .submit(Some(&host), Answer::Text("What?".into()), 1.0)
        .expect("scored");
    let log = host.take_log();
    assert!(log.lines.len() <= 100, "{} lines kept", log.lines.len());
    assert!(log.dropped > 0);
}

#[test]
fn nothing_persists_between_calls() {
    // A closure or variable from one call is gone in the next: each call has a fresh scope.
    let script = "let seen = [];\nfn score(ctx) {\n    let f = |x| x + 1;\n    #{ feedback: `${f.call(1)}` }\n}\n";
    let lib = library(script, &[]);
    let host = ScriptHost::new(&lib);
    let pb = lib.playbook("sandbox").expect("loaded").clone();
    let mut attempt = Attempt::start(pb, "one", "tester").expect("starts");
    for _ in 0..2 {
        let r = attempt
            .submit(Some(&host), Answer::Text("What?".into()), 1.0)
            .expect("scored");
        assert!(r.script_error.is_none(), "{:?}", r.script_error);
    }
}

#[test]
fn hostile_arguments_to_host_functions_are_refused_cleanly() {
    let cases = [
        (
            "text::contains_any(ctx.reply, [1, 2, 3])",
            "phrase lists hold strings",
        ),
        (
            "let a = []; a.pad(5000, \"x\"); text::contains_any(ctx.reply, a)",
            "the limit is 1000",
        ),
        ("text::matches(ctx.reply, \"(((\")", "invalid regex"),
        (
            "text::matches(ctx.reply, \"\\\\w{1000}{1000}\")",
            "invalid regex",
        ),
    ];
    for (expr, want) in cases {
        let o = play(&format!("fn score(ctx) {{\n    {expr};\n    #{{}}\n}}\n"));
        assert_eq!(
            o.kind,
            Some(ScriptErrorKind::Runtime),
            "{expr}: {}",
            o.message
        );
        assert!(o.message.contains(want), "{expr}: {}", o.message);
        assert_eq!(o.line, 2, "{expr}: {}", o.message);
    }
}

#[test]
fn a_guide_may_only_choose_among_its_targets() {
    let yaml = PLAYBOOK
        .replace(
            "      - { id: t1, customer: Hello }",
            "      - { id: t1, customer: Hello, next: { script: [t2, won], default: t2 } }",
        )
        .replace(
            "      - { id: t2, customer: And? }",
            "      - { id: t2, customer: And? }\n    endings: [{ id: won, text: Won }]",
        );
    let mut report = Report::default();
    let mut content = Content::bundled_support();
    content.playbooks = vec![SourceFile {
        display: "g.yaml".into(),
        bytes: Arc::from(yaml.as_bytes()),
    }];
    for (name, script, want_next, want_err) in [
        (
            "good",
            "fn guide(ctx) { #{ next: \"won\", hint: \"well done\" } }",
            "won",
            false,
        ),
        (
            "bad",
            "// chooses a turn it may not\nfn guide(ctx) { #{ next: \"nowhere\" } }",
            "t2",
            true,
        ),
    ] {
        content.scripts = [(
            "scripts/evil.rhai".to_owned(),
            SourceFile {
                display: name.into(),
                bytes: Arc::from(script.as_bytes()),
            },
        )]
        .into();
        let lib = load(&[Content::bundled_support(), content.clone()], &mut report);
        assert_eq!(report.errors(), 0, "{}", report.render());
        let host = ScriptHost::new(&lib);
        let mut a = Attempt::start(lib.playbook("sandbox").expect("loaded").clone(), "one", "t")
            .expect("starts");
        let r = a
            .submit(Some(&host), Answer::Text("What?".into()), 1.0)
            .expect("scored");
        let next = match &r.scored.next {
            salesdojo::playbook::model::Target::Turn(t)
            | salesdojo::playbook::model::Target::End(Some(t)) => t.clone(),
            salesdojo::playbook::model::Target::End(None) => "end".into(),
        };
        assert_eq!(next, want_next, "{name}");
        assert_eq!(
            r.script_error.is_some(),
            want_err,
            "{name}: {:?}",
            r.script_error
        );
        if let Some(e) = &r.script_error {
            // An author error at the guide's line; the trainee keeps the score and is told
            // the guide failed, not the scoring.
            assert_eq!(e.kind, ScriptErrorKind::Guide, "{e:?}");
            assert_eq!(e.line, 2, "at the `fn guide` line");
            let notice = r.notice().expect("a notice");
            assert!(!notice.contains("scoring unavailable"), "{notice}");
            assert!(notice.contains("default path"), "{notice}");
            assert_eq!(r.scored.rounded(), 100);
        }
    }
}

/// A script's `set` takes the criterion over: the rules' trace, feedback and highlights go,
/// and the trace holds the value set, not a change.
#[test]
fn a_set_retracts_the_rules_of_its_criterion() {
    let lib = library("fn score(ctx) { #{ set: #{ asks: 40 } } }", &[]);
    let host = ScriptHost::new(&lib);
    let mut a = Attempt::start(lib.playbook("sandbox").expect("loaded").clone(), "one", "t")
        .expect("starts");
    let r = a
        .submit(
            Some(&host),
            Answer::Text("What would you like?".into()),
            1.0,
        )
        .expect("scored");
    let c = &r.scored.criteria[0];
    assert_eq!(c.points, 40.0);
    assert_eq!(c.trace.len(), 1, "{:?}", c.trace);
    assert!(matches!(
        c.trace[0].source,
        salesdojo::practice::score::Source::ScriptSet { .. }
    ));
    assert_eq!(c.trace[0].points, 40, "the value, not a change from 100");
    assert!(r.scored.feedback.is_empty(), "{:?}", r.scored.feedback);
    assert!(r.scored.highlights.is_empty(), "{:?}", r.scored.highlights);
    let json = serde_json::to_value(&c.trace[0]).expect("json");
    assert_eq!(json["source"]["kind"], "script_set");
}

#[test]
fn validate_reports_script_syntax_errors_like_a_compiler() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
    std::fs::write(dir.path().join("playbooks/sandbox.yaml"), PLAYBOOK).expect("write");
    std::fs::write(
        dir.path().join("scripts/evil.rhai"),
        "fn score(ctx) {\n    let x = ;\n}\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_salesdojo"))
        .args(["validate", "."])
        .current_dir(dir.path())
        .env("XDG_DATA_HOME", dir.path().join("none"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    insta::assert_snapshot!(stderr.replace(&dir.path().display().to_string(), "TMP"));
}

#[test]
fn the_scripting_guide_documents_every_host_function_and_its_examples_run() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scripting.md"))
        .expect("doc");
    for f in salesdojo::script::api::TEXT_FNS {
        assert!(
            doc.contains(&format!("`text::{}(", f.name)),
            "docs/scripting.md lacks text::{}",
            f.name
        );
    }
    // The two hook examples, as one script.
    let blocks: Vec<&str> = doc
        .split("```rhai\n")
        .skip(1)
        .map(|b| b.split("\n```").next().unwrap_or(""))
        .collect();
    assert_eq!(blocks.len(), 2, "a score and a guide example");
    let script = blocks.join("\n");
    let o = play(&script);
    assert_eq!(o.kind, None, "{}", o.message);
    assert_eq!(o.score, 100);
}

/// A sort whose comparer spends the time budget: rhai's own sort dropped the comparer's
/// errors and went on (6 s for one sort, over a minute for nested ones, `practice` hung on
/// the first answer), and no closure called by a host function counted its operations. Now
/// every operation counts and the first error stops the sort, with the real limits.
#[test]
fn a_slow_sort_comparer_keeps_the_time_budget() {
    for (name, sort) in [
        ("sort", "a.sort(|x, y| { slow(); y - x });"),
        ("sort_by", "a.sort_by(|x, y| { slow(); y - x });"),
        ("order_by", "let b = a.order_by(|x, y| { slow(); x < y });"),
        ("dedup", "a.dedup(|x, y| { slow(); false });"),
        // rhai runs these closures on a copy of the call's counters: their operations were
        // never counted, and the deadline seldom looked at.
        ("map", "let b = a.map(|x| { slow(); x });"),
        ("filter", "let b = a.filter(|x| { slow(); true });"),
        ("reduce", "let b = a.reduce(|sum, x| { slow(); x });"),
        (
            "nested sorts",
            "a.sort(|x, y| { let b = []; for i in 0..500 { b.push(i) } b.sort(|p, q| q - p); y - x });",
        ),
    ] {
        let script = format!(
            "fn slow() {{ let s = \"\"; for i in 0..20 {{ s = \"x\".pad(30000, 'y'); }} }}\n\
             fn score(ctx) {{\n    let a = []; for i in 0..5000 {{ a.push(i) }}\n    {sort}\n    #{{}}\n}}\n"
        );
        let o = play(&script);
        assert_eq!(
            o.kind,
            Some(ScriptErrorKind::Budget),
            "{name}: {}",
            o.message
        );
        assert!(
            o.message.contains("the script ran"),
            "{name}: {}",
            o.message
        );
        assert_eq!(o.score, 100, "{name}: the rules' score stands");
        assert!(o.took < Duration::from_secs(2), "{name}: took {:?}", o.took);
    }
}
