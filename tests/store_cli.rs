//! The manager's commands as a user runs them: demo-data, report, attempt, review, export,
//! merge, rescore; and practice logging to the default database.
// Tests open raw SQLite connections to inspect the file: opening through SQLite is safe
// (only a descriptor opened outside SQLite drops its locks; see src/store/db.rs).
#![allow(clippy::disallowed_methods)]

mod common;

use std::path::Path;

use common::salesdojo_with;
use serde_json::Value;

fn run(dir: &Path, db: &str, args: &[&str]) -> common::Run {
    let mut all = vec!["--db", db];
    all.extend_from_slice(args);
    salesdojo_with(dir, &all, &[])
}

#[test]
fn a_manager_works_through_reports_reviews_exports_and_merges() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let r = run(
        dir,
        "team.db",
        &[
            "demo-data",
            "--trainees",
            "12",
            "--days",
            "30",
            "--seed",
            "7",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("generated 12 trainees, "),
        "{}",
        r.stdout
    );
    // Piped, long work prints no progress bar (it only draws on a terminal).
    assert!(!r.stderr.contains("generating ["), "{}", r.stderr);

    let r = run(dir, "team.db", &["report"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for section in [
        "Pass rates",
        "Leaderboard",
        "Weakest criterion by team",
        "Trend (by day)",
    ] {
        assert!(r.stdout.contains(section), "{section}: {}", r.stdout);
    }
    // Chinese names take two columns each: the leaderboard's columns still line up.
    let board: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| *l != "Leaderboard")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert!(board.len() > 1, "{}", r.stdout);
    let avg_at = |l: &str| {
        l.find(" avg ")
            .map(|i| unicode_width::UnicodeWidthStr::width(&l[..i]))
    };
    for l in &board {
        assert_eq!(avg_at(l), avg_at(board[0]), "{}", r.stdout);
    }
    // In Chinese the report speaks Chinese and names playbooks, scenarios and criteria by
    // their titles (it printed English headings and ids whatever --lang said).
    let zh = run(dir, "team.db", &["--lang", "zh-CN", "report"]);
    assert_eq!(zh.code, 0, "{}", zh.stderr);
    for section in ["通过率", "排行榜", "各团队最弱的评分项", "趋势（按天）"] {
        assert!(zh.stdout.contains(section), "{section}: {}", zh.stdout);
    }
    assert!(zh.stdout.contains("珠宝首饰四段销售"), "{}", zh.stdout);
    for english in [
        "Pass rates",
        "attempts",
        "passed",
        "certified",
        "jewelry",
        "seven-step",
    ] {
        assert!(!zh.stdout.contains(english), "{english}: {}", zh.stdout);
    }
    let r = run(
        dir,
        "team.db",
        &[
            "report",
            "--format",
            "json",
            "--weekly",
            "--playbook",
            "jewelry",
        ],
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert!(
        v["pass_rates"]
            .as_array()
            .expect("rates")
            .iter()
            .all(|p| p["playbook"] == "jewelry")
    );
    assert!(
        v["trend"][0]["period"]
            .as_str()
            .expect("period")
            .contains("-W")
    );
    let trainee = v["leaderboard"][0]["trainee"]
        .as_str()
        .expect("a trainee")
        .to_owned();

    let r = run(dir, "team.db", &["report", "--trainee", &trainee]);
    assert!(
        r.stdout
            .contains(&format!("Criterion averages for {trainee}")),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Practise next: "), "{}", r.stdout);
    let r = run(
        dir,
        "team.db",
        &["report", "--format", "csv", "--team", "华东一组"],
    );
    assert!(
        r.stdout
            .starts_with("trainee,team,playbook,criterion,average,attempts\r\n")
    );
    assert!(r.stdout.lines().skip(1).all(|l| l.contains(",华东一组,")));
    let r = run(dir, "team.db", &["report", "--since", "yesterday"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("'yesterday' is not a date like 2026-11-24"),
        "{}",
        r.stderr
    );

    // Drill down into one attempt, review it and override a criterion.
    let r = run(
        dir,
        "team.db",
        &["export", "--format", "csv", "--playbook", "objections"],
    );
    let first = r
        .stdout
        .lines()
        .nth(1)
        .expect("a row")
        .split(',')
        .next()
        .expect("id")
        .to_owned();
    let r = run(dir, "team.db", &["attempt", &first[..8]]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("objections v1"), "{}", r.stdout);
    let r = run(dir, "team.db", &["attempt", &first, "--format", "json"]);
    let detail: Value = serde_json::from_str(&r.stdout).expect("json");
    let criterion = detail["criteria"][0]["criterion"]
        .as_str()
        .expect("criterion")
        .to_owned();
    let original = detail["criteria"][0]["points"].as_f64().expect("points");
    let r = run(
        dir,
        "team.db",
        &[
            "review",
            &first,
            "--comment",
            "语气再缓和一点",
            "--override",
            &format!("{criterion}=55"),
            "--reviewer",
            "张经理",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(dir, "team.db", &["attempt", &first]);
    assert!(
        r.stdout.contains("→ 55.0 (override by 张经理"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("review by 张经理"), "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!("{original:.1}")),
        "the original stays visible"
    );
    let r = run(dir, "team.db", &["review", &first, "--override", "x=500"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("points must be a number from 0 to 100"));
    let r = run(dir, "team.db", &["attempt", "ffffffff"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not found: attempt 'ffffffff'"));

    // Exports.
    let r = run(
        dir,
        "team.db",
        &["export", "--format", "xapi", "--out", "lrs.json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let statements: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("lrs.json")).expect("written"))
            .expect("json");
    assert!(statements.as_array().is_some_and(|s| s.len() > 100));
    let r = run(
        dir,
        "team.db",
        &["export", "--format", "csv", "--bom", "--out", "team.csv"],
    );
    assert_eq!(r.code, 0);
    assert!(
        std::fs::read(dir.join("team.csv"))
            .expect("written")
            .starts_with("\u{feff}".as_bytes())
    );

    // A trainee's own database merged twice: the second time adds nothing.
    let r = run(
        dir,
        "mine.db",
        &[
            "practice",
            "jewelry",
            "--scenario",
            "serious-price",
            "--trainee",
            "新人",
        ],
    );
    // No input: the attempt is left unfinished (exit 3), as a trainee who stopped would.
    assert_eq!(r.code, 3, "{}", r.stderr);
    let r = salesdojo_with(
        dir,
        &[
            "--db",
            "mine.db",
            "practice",
            "jewelry",
            "--scenario",
            "serious-price",
            "--trainee",
            "新人",
        ],
        &[],
    );
    assert_eq!(r.code, 3);
    let r = run(dir, "team.db", &["merge", "mine.db"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let again = run(dir, "team.db", &["merge", "mine.db"]);
    assert_eq!(
        again.stdout,
        "merged mine.db: 0 trainees, 0 attempts, 0 replies added\n"
    );

    // Re-scoring against today's playbooks changes nothing for unchanged content.
    let r = run(
        dir,
        "team.db",
        &["rescore", "--playbook", "jewelry", "--limit", "50"],
    );
    assert!(!r.stderr.contains("re-scoring ["), "{}", r.stderr);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(" re-scored, 0 changed: 0 now pass, 0 now fail; mean total ")
            && r.stdout.ends_with("; stored results are unchanged\n"),
        "{}",
        r.stdout
    );
    // As JSON: every attempt re-scored, with the shift of the totals.
    let r = run(
        dir,
        "team.db",
        &["rescore", "--playbook", "jewelry", "--format", "json"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("rescore json");
    let n = v["attempts"].as_array().expect("attempts").len() as u64;
    assert!(n > 0);
    assert_eq!(v["shift"]["attempts"].as_u64(), Some(n));
    assert_eq!(v["shift"]["changed"].as_u64(), Some(0));
}

#[test]
fn practice_logs_to_the_default_database_and_offers_resumption() {
    let d = tempfile::tempdir().expect("temp");
    let input = "2\n您眼光真好，这款的设计灵感来自海浪。\nq\n";
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_salesdojo"))
        .args([
            "practice",
            "jewelry",
            "--scenario",
            "browsing-to-tryon",
            "--trainee",
            "小王",
        ])
        .current_dir(d.path())
        .env("XDG_DATA_HOME", d.path().join("data"))
        .env_remove("SALESDOJO_DB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    assert!(child.wait_with_output().expect("ends").status.success());
    let db = d.path().join("data/salesdojo/progress.db");
    assert!(db.exists(), "the default database is created on first use");
    let c = rusqlite::Connection::open(&db).expect("open");
    let (status, replies): (String, i64) = c
        .query_row(
            "SELECT status, (SELECT COUNT(*) FROM replies) FROM attempts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("one attempt");
    assert_eq!(
        (status.as_str(), replies),
        ("in_progress", 2),
        "stopped midway: kept for resumption"
    );
}

/// CSV for people reads in the chosen language — headers, playbook and scenario titles, 是/否 —
/// and `--ids` gives tools their column names and values.
#[test]
fn csv_for_people_follows_the_language_and_ids_are_for_tools() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let r = run(
        dir,
        "c.db",
        &[
            "demo-data",
            "--trainees",
            "3",
            "--days",
            "10",
            "--seed",
            "3",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let zh = run(
        dir,
        "c.db",
        &["export", "--format", "csv", "--playbook", "jewelry"],
    );
    assert_eq!(zh.code, 0, "{}", zh.stderr);
    let head = zh.stdout.lines().next().unwrap_or_default().to_owned();
    assert!(
        head.starts_with("练习编号,学员编号,学员,团队,剧本,版本,场景,方式"),
        "{head}"
    );
    let row = zh.stdout.lines().nth(1).expect("a row");
    assert!(
        row.contains(",珠宝首饰四段销售,") && row.contains(",对练,") && row.contains(",已完成,"),
        "{row}"
    );
    assert!(row.contains(",是,") || row.contains(",否,"), "{row}");
    assert!(!row.contains("true") && !row.contains("false"), "{row}");
    let en = run(
        dir,
        "c.db",
        &[
            "--lang",
            "en",
            "export",
            "--format",
            "csv",
            "--playbook",
            "jewelry",
        ],
    );
    assert!(
        en.stdout
            .starts_with("attempt id,trainee id,trainee,team,playbook"),
        "{}",
        en.stdout
    );
    assert!(
        en.stdout.contains(",role-play,") && en.stdout.contains(",completed,"),
        "{}",
        en.stdout
    );
    let ids = run(
        dir,
        "c.db",
        &[
            "export",
            "--format",
            "csv",
            "--ids",
            "--playbook",
            "jewelry",
        ],
    );
    assert!(
        ids.stdout
            .starts_with("attempt_id,trainee_id,trainee,team,playbook,version,scenario,mode"),
        "{}",
        ids.stdout
    );
    let row = ids.stdout.lines().nth(1).expect("a row");
    assert!(
        row.contains(",jewelry,1,") && row.contains(",practice,"),
        "{row}"
    );
    assert!(row.contains(",true,") || row.contains(",false,"), "{row}");
}
