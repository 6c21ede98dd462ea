//! Untrusted input: escape sequences from a playbook or a name never reach a terminal, and a
//! crafted or edited database handed in for `merge` is refused or has its claims checked.
//! The hostile playbooks are in tests/fixtures/hostile/terminal/, the attacks on a trainee's
//! database in tests/fixtures/db/*.sql (applied to a genuine database the test makes).
// Tests open raw SQLite connections to forge databases: opening through SQLite is safe.
#![allow(clippy::disallowed_methods)]

mod common;

use std::path::{Path, PathBuf};

use common::{fixtures, salesdojo, salesdojo_with};
use rusqlite::Connection;

/// The raw bytes a terminal acts on: C0 controls but tab, line feed and a carriage return
/// that ends a line, DEL, C1 controls, bidirectional and invisible format characters.
fn raw_controls(bytes: &str) -> Vec<String> {
    let chars: Vec<char> = bytes.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            salesdojo::untrusted::refused_char(**c).is_some()
                && !(**c == '\r' && chars.get(i + 1) == Some(&'\n'))
        })
        .map(|(i, c)| format!("U+{:04X} at char {i}", *c as u32))
        .collect()
}

fn assert_clean(what: &str, out: &str) {
    let found = raw_controls(out);
    assert!(
        found.is_empty(),
        "{what}: raw control characters {found:?} in:\n{out}"
    );
    // And the hostile text is there, shown visibly.
    assert!(
        out.contains("\\u{1b}") || out.contains("\\u001b"),
        "{what}: the escape is not shown:\n{out}"
    );
}

/// Each hostile playbook is refused by the validator with the character, its name and place.
#[test]
fn hostile_playbooks_are_refused_with_the_character_and_its_place() {
    let dir = fixtures().join("hostile/terminal");
    let cases = [
        (
            "osc52.yaml",
            "osc52.yaml:27:20: error: U+001B ESCAPE at 27:20 comes from this escape",
        ),
        (
            "csi-clear.yaml",
            "csi-clear.yaml:27:31: error: U+001B ESCAPE at 27:31 comes from this escape",
        ),
        (
            "bel.yaml",
            "bel.yaml:27:42: error: U+0007 BELL at 27:42 comes from this escape",
        ),
        (
            "bidi.yaml",
            "bidi.yaml:27:44: error: U+202E RIGHT-TO-LEFT OVERRIDE (bidirectional) at 27:44 is written in the file",
        ),
    ];
    for (file, pinned) in cases {
        let r = salesdojo(&dir, &["validate", "--format", "human", file]);
        assert_eq!(r.code, 1, "{file}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains(pinned), "{file}:\n{}", r.stderr);
        // The report quotes the line, and the quote holds no raw control character.
        let found = raw_controls(&r.stderr);
        assert!(found.is_empty(), "{file}: {found:?}\n{}", r.stderr);
        // As JSON: valid, and the same diagnostics.
        let r = salesdojo(&dir, &["validate", "--format", "json", file]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        assert!(v["errors"].as_u64().unwrap_or(0) >= 1);
        assert!(raw_controls(&r.stdout).is_empty());
    }
    // Not loaded for practice either: `list` with that folder leaves them out, and says why
    // without raw bytes.
    let r = salesdojo(&dir, &["--playbooks", ".", "list"]);
    assert!(!r.stdout.contains("osc52"), "{}", r.stdout);
    assert!(raw_controls(&r.stdout).is_empty() && raw_controls(&r.stderr).is_empty());
}

/// A database with hostile bytes written straight into it (by hand, or by an older version):
/// trainee, team, reply and comment. Returns its path and one attempt id.
fn hostile_database(dir: &Path) -> (PathBuf, String) {
    let db = dir.join("hostile.db");
    let r = salesdojo(
        dir,
        &[
            "--db",
            db.to_str().expect("utf-8"),
            "demo-data",
            "--trainees",
            "3",
            "--days",
            "5",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = Connection::open(&db).expect("open");
    let evil = "Eve\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}";
    c.execute("UPDATE trainees SET name = ?1", [evil])
        .expect("names");
    c.execute("UPDATE teams SET name = name || ?1", [evil])
        .expect("teams");
    let id: String = c
        .query_row(
            "SELECT id FROM attempts WHERE status = 'completed' AND mode = 'practice' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an attempt");
    c.execute(
        "UPDATE replies SET answer = ?1 WHERE attempt_id = ?2 AND answer_kind = 'text'",
        [&format!("您好\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}{evil}"), &id],
    )
    .expect("answer");
    c.execute(
        "INSERT INTO reviews (id, attempt_id, reviewer, at, comment) VALUES ('r1', ?1, ?2, '2026-01-01T00:00:00Z', ?2)",
        [&id, evil],
    )
    .expect("review");
    (db, id)
}

#[test]
fn text_from_a_database_reaches_no_terminal_raw() {
    let d = tempfile::tempdir().expect("temp");
    let (db, id) = hostile_database(d.path());
    let dbs = db.to_str().expect("utf-8");
    for args in [
        vec!["attempt", &id],
        vec!["report"],
        vec!["export", "--format", "csv"],
        vec!["rescore", "--all"],
    ] {
        let mut all = vec!["--db", dbs];
        all.extend(args.iter().copied());
        let r = salesdojo(d.path(), &all);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_clean(&format!("{args:?}"), &r.stdout);
    }
    for args in [
        vec!["attempt", &id, "--format", "json"],
        vec!["report", "--format", "json"],
        vec!["export", "--format", "xapi", "--ndjson"],
        vec!["rescore", "--format", "json"],
    ] {
        let mut all = vec!["--db", dbs];
        all.extend(args.iter().copied());
        let r = salesdojo(d.path(), &all);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        let found = raw_controls(&r.stdout);
        assert!(found.is_empty(), "{args:?}: {found:?}");
        // Still JSON, and the same text once parsed.
        for doc in if args.contains(&"--ndjson") {
            r.stdout.lines().map(str::to_owned).collect::<Vec<_>>()
        } else {
            vec![r.stdout.clone()]
        } {
            serde_json::from_str::<serde_json::Value>(&doc).expect("valid JSON");
        }
        if args[0] == "attempt" {
            let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
            assert!(
                v["attempt"]["trainee"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("Eve\u{1b}]0;pwned\u{7}")),
                "the JSON keeps the stored text exactly: {}",
                v["attempt"]["trainee"]
            );
        }
    }
    // An export file's CSV cells show the characters instead of holding them.
    let out = d.path().join("x.csv");
    let r = salesdojo(
        d.path(),
        &[
            "--db",
            dbs,
            "export",
            "--format",
            "csv",
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_clean("csv file", &std::fs::read_to_string(&out).expect("csv"));
}

/// Resuming prints the earlier turns, replies included: escaped.
#[test]
fn resuming_an_attempt_with_hostile_replies_prints_them_escaped() {
    let d = tempfile::tempdir().expect("temp");
    let db = d.path().join("p.db");
    let dbs = db.to_str().expect("utf-8");
    // Two replies, then the input ends: the attempt stays unfinished.
    let r = common::salesdojo_stdin(
        d.path(),
        &[
            "--db",
            dbs,
            "practice",
            "jewelry",
            "--scenario",
            "browsing-to-tryon",
            "--trainee",
            "Eve",
        ],
        "2\n您眼光真好，这款的设计灵感来自海浪。\n",
    );
    assert!(!r.stdout.is_empty(), "{}", r.stderr);
    let c = Connection::open(&db).expect("open");
    let n = c
        .execute(
            "UPDATE replies SET answer = ?1 WHERE answer_kind = 'text'",
            ["好的\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}[2J"],
        )
        .expect("forge");
    assert!(n >= 1);
    drop(c);
    let r = common::salesdojo_stdin(
        d.path(),
        &[
            "--db",
            dbs,
            "practice",
            "jewelry",
            "--scenario",
            "browsing-to-tryon",
            "--trainee",
            "Eve",
        ],
        "y\nq\n",
    );
    assert_clean("practice resume", &r.stdout);
    assert!(r.stdout.contains("好的\\u{1b}]52;c;"), "{}", r.stdout);
}

/// Names typed at the door are refused, with the reason.
#[test]
fn hostile_names_are_refused_where_they_are_typed() {
    let d = tempfile::tempdir().expect("temp");
    let db = d.path().join("p.db");
    let r = salesdojo_with(
        d.path(),
        &[
            "--db",
            db.to_str().expect("utf-8"),
            "practice",
            "jewelry",
            "--trainee",
            "Eve\u{1b}]0;pwned\u{7}",
        ],
        &[],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("holds U+001B ESCAPE at character 4: names may not hold control"),
        "{}",
        r.stderr
    );
    assert!(raw_controls(&r.stderr).is_empty(), "{}", r.stderr);
}

// ---- merge: the other file is untrusted ----

/// A genuine trainee database: generated practice, scored by the engine.
fn genuine(dir: &Path) -> PathBuf {
    let db = dir.join("trainee.db");
    let r = salesdojo(
        dir,
        &[
            "--db",
            db.to_str().expect("utf-8"),
            "demo-data",
            "--trainees",
            "2",
            "--days",
            "20",
            "--seed",
            "5",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    db
}

/// The genuine database with the attack `tests/fixtures/db/NAME.sql` applied.
fn attacked(dir: &Path, base: &Path, name: &str) -> PathBuf {
    let out = dir.join(format!("{name}.db"));
    Connection::open(base)
        .expect("open")
        .execute("VACUUM INTO ?1", [out.to_str().expect("utf-8")])
        .expect("copy");
    let sql = std::fs::read_to_string(fixtures().join(format!("db/{name}.sql"))).expect("fixture");
    Connection::open(&out)
        .expect("open")
        .execute_batch(&sql)
        .expect("attack applies");
    out
}

/// `SELECT COUNT(*) …` on a database.
fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db)
        .expect("open")
        .query_row(sql, [], |r| r.get(0))
        .expect("count")
}

fn merge(dir: &Path, manager: &Path, other: &Path) -> common::Run {
    salesdojo(
        dir,
        &[
            "--db",
            manager.to_str().expect("utf-8"),
            "merge",
            other.to_str().expect("utf-8"),
        ],
    )
}

#[test]
fn a_genuine_database_merges_and_every_imported_score_is_verified() {
    let d = tempfile::tempdir().expect("temp");
    let base = genuine(d.path());
    let manager = d.path().join("manager.db");
    let r = merge(d.path(), &manager, &base);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains(" verified, 0 flagged"), "{}", r.stdout);
    let c = Connection::open(&manager).expect("open");
    let (pending, mismatched): (i64, i64) = c
        .query_row(
            "SELECT SUM(status = 'pending'), SUM(status = 'mismatch') FROM verifications",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count");
    assert_eq!((pending, mismatched), (0, 0));
}

#[test]
fn a_view_or_a_trigger_in_the_other_file_is_refused_before_anything_is_read() {
    let d = tempfile::tempdir().expect("temp");
    let base = genuine(d.path());
    let manager = d.path().join("manager.db");
    for (attack, why) in [
        (
            "view_instead_of_table",
            "'trainees' is a view where salesdojo has a table",
        ),
        (
            "trigger",
            "it holds a trigger 'grow' that salesdojo never creates",
        ),
    ] {
        let other = attacked(d.path(), &base, attack);
        // common::salesdojo fails the test if the command runs past its hang guard.
        let r = merge(d.path(), &manager, &other);
        assert_eq!(r.code, 2, "{attack}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr
                .contains(&format!("was refused: {why}; nothing was merged")),
            "{attack}: {}",
            r.stderr
        );
    }
    assert_eq!(
        count(&manager, "SELECT COUNT(*) FROM attempts"),
        0,
        "nothing was merged"
    );
}

#[test]
fn a_forged_total_is_flagged_and_a_forged_certification_is_not_imported() {
    let d = tempfile::tempdir().expect("temp");
    let base = genuine(d.path());
    let manager = d.path().join("manager.db");
    let other = attacked(d.path(), &base, "forged_total");
    let r = merge(d.path(), &manager, &other);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let forged: i64 = Connection::open(&other)
        .expect("open")
        .query_row(
            "SELECT COUNT(*) FROM attempts WHERE total = 100 AND status = 'completed'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(forged > 0);
    assert!(
        r.stdout.contains(&format!("{forged} flagged"))
            || r.stdout.contains(" flagged (stored total differs)"),
        "{}",
        r.stdout
    );
    let c = Connection::open(&manager).expect("open");
    let flagged: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM verifications WHERE status = 'mismatch'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(flagged > 0 && flagged <= forged, "{flagged} of {forged}");
    let id: String = c
        .query_row(
            "SELECT attempt_id FROM verifications WHERE status = 'mismatch' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("one");
    let r = salesdojo(
        d.path(),
        &["--db", manager.to_str().expect("utf-8"), "attempt", &id],
    );
    assert!(
        r.stdout.contains("FLAGGED: its replies give "),
        "{}",
        r.stdout
    );

    let other = attacked(d.path(), &base, "forged_certification");
    let manager = d.path().join("manager2.db");
    let r = merge(d.path(), &manager, &other);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("certifications: 1 claimed by the file (never copied), "),
        "{}",
        r.stdout
    );
    assert_eq!(
        count(
            &manager,
            "SELECT COUNT(*) FROM certifications WHERE playbook_id = 'jewelry'"
        ),
        0,
        "the forged certification was imported"
    );
}

#[test]
fn hostile_names_in_a_merged_file_are_cleaned_and_said() {
    let d = tempfile::tempdir().expect("temp");
    let base = genuine(d.path());
    let manager = d.path().join("manager.db");
    let other = attacked(d.path(), &base, "hostile_names");
    let r = merge(d.path(), &manager, &other);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("names held control or format characters and were stored without them"),
        "{}",
        r.stdout
    );
    let c = Connection::open(&manager).expect("open");
    let names: Vec<String> = c
        .prepare("SELECT name FROM trainees UNION ALL SELECT name FROM teams")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    assert!(!names.is_empty());
    for n in &names {
        assert!(raw_controls(n).is_empty(), "{n:?}");
    }
    assert!(names.iter().any(|n| n.contains("Eve]0;pwned")), "{names:?}");
}
