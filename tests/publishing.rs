//! Publishing a playbook from the terminal, as a trainer does: refused with its errors or
//! failing tests and nothing stored; accepted as numbered, immutable versions; listed, shown,
//! compared and rolled back; and used by practice over the bundled playbooks.
#![allow(clippy::disallowed_methods)]

mod common;

use std::path::Path;

use common::{Run, fixtures, salesdojo, salesdojo_stdin};

fn at(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--db", "p.db"];
    all.extend_from_slice(args);
    salesdojo(dir, &all)
}

fn versions(dir: &Path) -> i64 {
    rusqlite::Connection::open(dir.join("p.db"))
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM published", [], |r| r.get(0)))
        .unwrap_or(-1)
}

#[test]
fn a_trainer_publishes_versions_and_practice_uses_the_latest() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let minimal = std::fs::read_to_string(fixtures().join("good/minimal.yaml")).expect("fixture");
    std::fs::create_dir_all(dir.join("mine")).expect("folder");
    let file = dir.join("mine/minimal.yaml");
    let path = file.to_str().expect("a path");

    // A failing test: refused, with the test's location, nothing stored.
    std::fs::write(
        &file,
        minimal.replace(
            "expect: { min: 100, max: 100 }",
            "expect: { min: 0, max: 10 }",
        ),
    )
    .expect("write");
    let r = at(dir, &["publish", path]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("not published: 1 of its tests fail"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("minimal.yaml:"), "{}", r.stderr);
    // An error: refused with its position.
    std::fs::write(
        &file,
        minimal.replace("persona: rational", "persona: rationl"),
    )
    .expect("write");
    let r = at(dir, &["publish", path]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("minimal.yaml:22:14: error: unknown customer type 'rationl'"),
        "{}",
        r.stderr
    );
    assert_eq!(versions(dir), 0, "nothing stored");

    // Good: version 1; the same files again: nothing new; changed: version 2.
    std::fs::write(&file, &minimal).expect("write");
    let r = at(dir, &["publish", path, "--note", "first"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("published minimal as version 1 ("),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("3 tests passed"), "{}", r.stdout);
    let r = at(dir, &["publish", path]);
    assert!(r.stdout.contains("already has these files"), "{}", r.stdout);
    std::fs::write(
        &file,
        minimal.replace(
            "title: { zh-CN: 打招呼, en: Hello }",
            "title: { zh-CN: 问好, en: Greeting }",
        ),
    )
    .expect("write");
    let r = at(dir, &["publish", path, "--note", "renamed"]);
    assert!(
        r.stdout.starts_with("published minimal as version 2"),
        "{}",
        r.stdout
    );
    assert_eq!(versions(dir), 2);

    let r = at(dir, &["content", "list"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(
        lines[0].starts_with("minimal@1 ") && lines[0].ends_with("first"),
        "{}",
        r.stdout
    );
    assert!(
        lines[1].starts_with("minimal@2 ") && lines[1].ends_with("renamed"),
        "{}",
        r.stdout
    );
    let r = at(dir, &["content", "diff", "minimal", "1", "2"]);
    assert!(
        r.stdout
            .contains("-    title: { zh-CN: 打招呼, en: Hello }"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("+    title: { zh-CN: 问好, en: Greeting }"),
        "{}",
        r.stdout
    );
    let r = at(dir, &["content", "show", "minimal@1"]);
    assert!(
        r.stdout.contains("## playbook.yaml") && r.stdout.contains("打招呼"),
        "{}",
        r.stdout
    );
    let r = at(dir, &["content", "show", "minimal@9"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("versions of 'minimal': 1, 2"),
        "{}",
        r.stderr
    );

    // Practice (no folder given) plays the latest published version.
    let r = practise(dir, "p.db", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("问好"), "{}", r.stdout);
    // The attempt says which published version it was played on.
    let id = rusqlite::Connection::open(dir.join("p.db"))
        .and_then(|c| c.query_row("SELECT id FROM attempts", [], |r| r.get::<_, String>(0)))
        .expect("the attempt");
    let r = at(dir, &["attempt", &id]);
    assert!(
        r.stdout.contains("played on published version minimal@2"),
        "{}",
        r.stdout
    );

    // A rollback publishes version 1's files as version 3; every version is kept.
    let r = at(dir, &["content", "rollback", "minimal", "1"]);
    assert!(
        r.stdout.starts_with("published minimal as version 3"),
        "{}",
        r.stdout
    );
    let r = at(dir, &["content", "diff", "minimal", "1", "3"]);
    assert!(r.stdout.contains("the same files"), "{}", r.stdout);
    assert_eq!(versions(dir), 3);
    // Nothing changes or removes a version, even through SQLite itself.
    let c = rusqlite::Connection::open(dir.join("p.db")).expect("opens");
    assert!(c.execute("UPDATE published SET note = 'x'", []).is_err());
    assert!(c.execute("DELETE FROM published", []).is_err());
}

#[test]
fn a_version_this_build_cannot_read_is_listed_never_loaded() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let minimal = std::fs::read_to_string(fixtures().join("good/minimal.yaml")).expect("fixture");
    let file = dir.join("minimal.yaml");
    std::fs::write(&file, &minimal).expect("write");
    let r = at(dir, &["publish", file.to_str().expect("path")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    {
        let c = rusqlite::Connection::open(dir.join("p.db")).expect("opens");
        c.execute(
            "INSERT INTO published VALUES ('future', 1, 'h', 99, '{}', NULL, 'tia', '2026-12-06T00:00:00Z')",
            [],
        )
        .expect("a later format");
        c.execute(
            "INSERT INTO published SELECT playbook_id, 2, hash, format, replace(files, '最小示例', '篡改'), NULL, 'x', published_at
             FROM published WHERE playbook_id = 'minimal'",
            [],
        )
        .expect("a damaged copy");
    }
    let r = at(dir, &["content", "list"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("future@1") && r.stdout.contains("(needs a newer salesdojo)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("minimal@2")
            && r.stdout.contains("(files do not match the hash: not used)"),
        "{}",
        r.stdout
    );
    // Practice uses version 1 (the damaged 2 is skipped) and never crashes on the future one.
    let r = practise(dir, "p.db", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("篡改"), "{}", r.stdout);
}

/// Practice as a trainee: `minimal`, scenario `hello`, one reply, recorded in `db`.
fn practise(dir: &Path, db: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--db", db, "practice"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["minimal", "--scenario", "hello", "--trainee", "甲"]);
    salesdojo_stdin(dir, &args, "您想了解什么？\n")
}

#[test]
fn a_trainers_saved_playbook_is_a_draft_until_published() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let minimal = std::fs::read_to_string(fixtures().join("good/minimal.yaml")).expect("fixture");
    // The trainer's own folder, where the app and `practice --drafts` find it (the tests'
    // data folder: see common::salesdojo_stdin).
    let own = dir.join(".no-such-data-home/salesdojo/playbooks");
    std::fs::create_dir_all(&own).expect("folder");
    std::fs::write(own.join("minimal.yaml"), &minimal).expect("write");

    // A trainee does not see the draft.
    let r = practise(dir, "p.db", &[]);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains("unknown playbook 'minimal'"),
        "{}",
        r.stderr
    );
    // The trainer tries it.
    let r = practise(dir, "p.db", &["--drafts"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("打招呼"), "{}", r.stdout);
    // A draft cannot be assigned: no trainee could practise it.
    let assign = [
        "assign",
        "minimal",
        "--trainee",
        "甲",
        "--due",
        "2099-12-31",
    ];
    let r = at(dir, &assign);
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("minimal"), "{}", r.stderr);
    // Published, it is every trainee's, and may be assigned.
    let file = own.join("minimal.yaml");
    let r = at(dir, &["publish", file.to_str().expect("path")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = practise(dir, "p.db", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("打招呼"), "{}", r.stdout);
    let r = at(dir, &assign);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// The JSON lines of `rescore --format json`: each attempt's (played on, stored, now).
fn rescored(dir: &Path, db: &str, extra: &[&str]) -> Vec<(Option<u64>, f64, f64)> {
    let mut args = vec!["--db", db, "rescore", "--format", "json"];
    args.extend_from_slice(extra);
    let r = salesdojo(dir, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    v["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| {
            (
                a["played_on"].as_u64(),
                a["stored_total"].as_f64().expect("stored"),
                a["current_total"].as_f64().expect("now"),
            )
        })
        .collect()
}

#[test]
fn old_attempts_are_rescored_and_verified_against_the_version_they_were_played_on() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let minimal = std::fs::read_to_string(fixtures().join("good/minimal.yaml")).expect("fixture");
    let v1 = dir.join("v1/minimal.yaml");
    let v2 = dir.join("v2/minimal.yaml");
    for f in [&v1, &v2] {
        std::fs::create_dir_all(f.parent().expect("folder")).expect("folder");
    }
    std::fs::write(&v1, &minimal).expect("write");
    // Version 2 gives an open question 40 points, not 100 (and its test says so).
    std::fs::write(
        &v2,
        minimal
            .replace("          points: 100", "          points: 40")
            .replace(
                "reply: \"您想了解什么？\", expect: { min: 100, max: 100 }",
                "reply: \"您想了解什么？\", expect: { min: 40, max: 40 }",
            ),
    )
    .expect("write");
    let publish = |db: &str, f: &Path| {
        let r = salesdojo(dir, &["--db", db, "publish", f.to_str().expect("path")]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    };

    // A trainee practises version 1 on their machine; then version 2 is published there.
    publish("trainee.db", &v1);
    let r = practise(dir, "trainee.db", &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    publish("trainee.db", &v2);
    // Against today's playbook the attempt would score 40; against what the trainee saw,
    // what it scored then.
    assert_eq!(rescored(dir, "trainee.db", &[]), [(None, 100.0, 40.0)]);
    assert_eq!(
        rescored(dir, "trainee.db", &["--as-played"]),
        [(Some(1), 100.0, 100.0)]
    );
    let r = salesdojo(
        dir,
        &["--db", "trainee.db", "rescore", "--as-played", "--all"],
    );
    assert!(r.stdout.contains("minimal@1"), "{}", r.stdout);

    // The manager's log has both versions: the handed-in attempt, played on version 1, is
    // verified against it (not "unverifiable" because version 2 is the latest).
    publish("manager.db", &v1);
    publish("manager.db", &v2);
    let r = salesdojo(dir, &["--db", "manager.db", "merge", "trainee.db"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let verification: String = rusqlite::Connection::open(dir.join("manager.db"))
        .and_then(|c| c.query_row("SELECT status FROM verifications", [], |r| r.get(0)))
        .expect("a verdict");
    assert_eq!(verification, "verified", "{}", r.stdout);
}
