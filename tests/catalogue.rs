//! The bad-input catalogue, driven by files under `tests/fixtures/`: each hostile script,
//! odd reply and broken database file there states the exact outcome it must produce.
//! (Malformed playbooks are pinned by `tests/bad_input.rs` with snapshots of their
//! diagnostics.) A finding from fuzzing becomes one more file here.
//!
//! - `hostile/*.rhai`: a score script whose first line is `// expect: KIND@LINE: MESSAGE`
//!   (KIND as in `ScriptErrorKind`, snake case) or `// expect: ok`; `hostile/modules/*.rhai`
//!   are the modules they may import.
//! - `replies.json`: odd replies to a free-text turn, each with its score or its refusal.
//! - `db/*.db`: broken database files, each with its error in `db/expected.json`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use salesdojo::playbook::load::SourceFile;
use salesdojo::playbook::{Content, Library, Report, load};
use salesdojo::practice::{Answer, Attempt};
use salesdojo::script::{Limits, ScriptHost};
use salesdojo::store::Store;
use serde_json::Value;

/// The playbook every hostile script is the score script of (the fuzz target `run_script`
/// uses it too).
const PLAYBOOK: &str = include_str!("fixtures/sandbox.yaml");

fn source(display: &str, text: &str) -> SourceFile {
    SourceFile {
        display: display.to_owned(),
        bytes: Arc::from(text.as_bytes()),
    }
}

fn library(script: Option<&str>) -> Library {
    let mut scripts = BTreeMap::new();
    let modules = common::fixtures().join("hostile/modules");
    for entry in std::fs::read_dir(&modules).expect("modules folder") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let key = format!("scripts/{name}");
        let text = std::fs::read_to_string(&path).expect("module");
        scripts.insert(key.clone(), source(&key, &text));
    }
    let playbook = match script {
        Some(s) => {
            scripts.insert(
                "scripts/hostile.rhai".into(),
                source("scripts/hostile.rhai", s),
            );
            PLAYBOOK.to_owned()
        }
        None => PLAYBOOK.replace(
            "scripts: { score: scripts/hostile.rhai, guide: scripts/hostile.rhai }\n",
            "",
        ),
    };
    let content = Content {
        playbooks: vec![source("sandbox.yaml", &playbook)],
        scripts,
        ..Content::bundled_support()
    };
    let mut report = Report::default();
    let lib = load(&[Content::bundled_support(), content], &mut report);
    assert_eq!(report.errors(), 0, "{}", report.render());
    lib
}

fn files(dir: &str, ext: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(common::fixtures().join(dir))
        .expect("fixture folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

#[test]
fn every_hostile_script_is_stopped_as_its_file_says() {
    let mut cases = files("hostile", "rhai");
    assert!(cases.len() >= 20, "the catalogue lost files: {cases:?}");
    // CATALOGUE_ONLY=name runs one case (to look at a failure on its own).
    if let Ok(only) = std::env::var("CATALOGUE_ONLY") {
        cases.retain(|p| p.file_stem().is_some_and(|s| s == only.as_str()));
    }
    let mut failures = Vec::new();
    for path in &cases {
        let text = std::fs::read_to_string(path).expect("fixture");
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect: "))
            .unwrap_or_else(|| panic!("{name}: first line must be '// expect: …'"));
        let lib = library(Some(&text));
        // The wall-clock budget depends on the machine and the build; with it out of the way
        // every case stops at the same deterministic limit everywhere. (The time budget has
        // its own test in tests/script_sandbox.rs.)
        let host = ScriptHost::with_limits(
            &lib,
            Limits {
                time: std::time::Duration::from_secs(20),
                ..Limits::default()
            },
        );
        let pb = lib.playbook("sandbox").expect("loaded").clone();
        let mut attempt = Attempt::start(pb, "one", "tester").expect("starts");
        let started = std::time::Instant::now();
        let r = attempt
            .submit(
                Some(&host),
                Answer::Text("What matters most to you?".into()),
                3.0,
            )
            .expect("scored")
            .clone();
        let took = started.elapsed();
        // Whatever the script did, the rules' score stands, the reply is recorded, the
        // role-play goes on, and the call ends within its budget (a hang guard, not a target).
        let mut fail = |why: String| failures.push(format!("{name}: {why}"));
        if r.scored.rounded() != 100 {
            fail(format!(
                "score {} instead of the rules' 100",
                r.scored.rounded()
            ));
        }
        if attempt.current_turn().map(|t| t.id.as_str()) != Some("t2") {
            fail("the role-play did not go on".into());
        }
        if took > std::time::Duration::from_secs(15) {
            fail(format!("took {took:?}"));
        }
        let log = host.take_log();
        if log.lines.len() > 100 {
            fail(format!("{} log lines kept", log.lines.len()));
        }
        match (expect, &r.script_error) {
            ("ok", None) => {}
            ("ok", Some(e)) => fail(format!("expected no error, got {e}")),
            (want, None) => fail(format!("expected '{want}', got no error")),
            (want, Some(e)) => {
                let (kind, rest) = want.split_once('@').expect("KIND@LINE: MESSAGE");
                let (line, message) = rest.split_once(": ").expect("KIND@LINE: MESSAGE");
                let got_kind = serde_json::to_value(e.kind).expect("kind");
                let shown = e.to_string();
                if got_kind != kind
                    || e.line.to_string() != line
                    || !shown.contains(message)
                    || !shown.starts_with("scripts/")
                    || !r
                        .notice()
                        .is_some_and(|n| n.starts_with("scoring unavailable: "))
                {
                    fail(format!(
                        "expected {want}, got {got_kind}@{}: {shown}",
                        e.line
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_odd_reply_gets_its_score_or_its_refusal() {
    let text = std::fs::read_to_string(common::fixtures().join("replies.json")).expect("fixture");
    let cases: Vec<Value> = serde_json::from_str(&text).expect("replies.json is JSON");
    assert!(cases.len() >= 15, "the catalogue lost replies");
    let lib = library(None);
    let pb = lib.playbook("sandbox").expect("loaded").clone();
    let mut failures = Vec::new();
    for case in &cases {
        let reply = case["reply"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| {
                // {"repeat": "x", "times": n} for replies too long to write out.
                let unit = case["repeat"].as_str()?;
                Some(unit.repeat(case["times"].as_u64()? as usize))
            })
            .expect("reply or repeat");
        let why = case["why"].as_str().unwrap_or("?");
        let mut attempt = Attempt::start(pb.clone(), "one", "tester").expect("starts");
        let got = match attempt.submit(None, Answer::Text(reply), 1.0) {
            Ok(r) => format!("score {}", r.scored.rounded()),
            Err(e) => format!("error: {e}"),
        };
        let want = case["expect"].as_str().expect("expect");
        if got != want {
            failures.push(format!("{why}: expected '{want}', got '{got}'"));
        }
        // A refused reply leaves the turn open for another try.
        if want.starts_with("error") && !attempt.replies.is_empty() {
            failures.push(format!("{why}: a refused reply was recorded"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_broken_database_is_refused_untouched_with_its_error() {
    let text = std::fs::read_to_string(common::fixtures().join("db/expected.json"))
        .expect("db/expected.json");
    let expected: BTreeMap<String, String> = serde_json::from_str(&text).expect("JSON");
    let dbs = files("db", "db");
    assert_eq!(
        dbs.len(),
        expected.len(),
        "every db fixture has an expected error"
    );
    let mut failures = Vec::new();
    for path in &dbs {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let want = &expected[name];
        // Work on a copy: opening must not change the file (it is the manager's evidence).
        let dir = tempfile::tempdir().expect("temp");
        let copy = dir.path().join(name);
        std::fs::copy(path, &copy).expect("copy");
        let before = std::fs::read(&copy).expect("read");
        let got = match Store::open(&copy).and_then(|s| s.integrity_check()) {
            Ok(s) => format!("opened: {s}"),
            Err(e) => format!("{e}"),
        };
        if !got.contains(want.as_str()) || !got.contains(name) {
            failures.push(format!("{name}: expected '{want}', got '{got}'"));
        }
        if std::fs::read(&copy).expect("read") != before {
            failures.push(format!("{name}: the file was changed"));
        }
        assert!(Path::new(&copy).exists());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
