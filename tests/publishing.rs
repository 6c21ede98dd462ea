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
    let r = salesdojo_stdin(
        dir,
        &[
            "--db",
            "p.db",
            "practice",
            "minimal",
            "--scenario",
            "hello",
            "--trainee",
            "甲",
        ],
        "您想了解什么？\n",
    );
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
    let r = salesdojo_stdin(
        dir,
        &[
            "--db",
            "p.db",
            "practice",
            "minimal",
            "--scenario",
            "hello",
            "--trainee",
            "甲",
        ],
        "您想了解什么？\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains("篡改"), "{}", r.stdout);
}
