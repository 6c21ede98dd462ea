//! The progress log: migrations, refusal of files it must not touch, durable idempotent
//! writes, reviews, reports, CSV and xAPI exports, and merging.
// Tests open raw SQLite connections to inspect the file: opening through SQLite is safe
// (only a descriptor opened outside SQLite drops its locks; see src/store/db.rs).
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use chrono::{TimeZone, Utc};
use salesdojo::playbook::{Content, Library, Report, load};
use salesdojo::practice::{Answer, Attempt};
use salesdojo::script::ScriptHost;
use salesdojo::store::report::{Filter, Plan};
use salesdojo::store::{self, Mode, NewAttempt, ProgressLog, Store, StoreError, export, schema};
use serde_json::Value;

fn lib() -> &'static (Library, ScriptHost) {
    static L: std::sync::OnceLock<(Library, ScriptHost)> = std::sync::OnceLock::new();
    L.get_or_init(|| {
        let mut r = Report::default();
        let lib = load(&[Content::bundled()], &mut r);
        let host = ScriptHost::new(&lib);
        (lib, host)
    })
}

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("readable")
}

/// Plays the jewelry anniversary scenario for `trainee` and logs it; returns the attempt id.
fn play_and_log(s: &mut Store, trainee: &str, team: Option<&str>, good: bool, day: u32) -> String {
    let (lib, host) = lib();
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let t = s.trainee(trainee, team).expect("trainee");
    let id = store::new_id();
    let at = Utc
        .with_ymd_and_hms(2026, 3, day, 9, 0, 0)
        .single()
        .expect("a date");
    s.start_attempt(&NewAttempt {
        id: &id,
        trainee_id: &t.id,
        playbook_id: &pb.id,
        playbook_version: pb.version,
        playbook_hash: &pb.source.hash,
        scenario_id: "anniversary-gift",
        mode: Mode::Practice,
        started_at: at,
    })
    .expect("start");
    let mut a = Attempt::start(pb.clone(), "anniversary-gift", trainee).expect("starts");
    let answers: Vec<Answer> = if good {
        vec![
            Answer::Text(
                "十周年，真有意义，恭喜您！您希望平时上课也能戴吗？还是特别场合戴呢？".into(),
            ),
            Answer::Choice("show-similar".into()),
            Answer::Text("线条几乎一样。您戴上照照镜子，看看效果，您觉得哪里最喜欢？".into()),
            Answer::Text(
                "这枚是铂金镶嵌，有证书；作为十周年的纪念，每天戴着都是心意，很值得。".into(),
            ),
        ]
    } else {
        vec![
            Answer::Text("嗯。".into()),
            Answer::Choice("come-back".into()),
            Answer::Text("嗯。".into()),
            Answer::Text("给您打个九折。".into()),
        ]
    };
    for (i, ans) in answers.into_iter().enumerate() {
        let r = a.submit(Some(host), ans, 10.0).expect("scored").clone();
        s.record_reply(&store::new_id(), &id, i as u32 + 1, &r, at)
            .expect("saved");
    }
    let weights: Vec<(String, f64)> = pb
        .rubric
        .criteria
        .iter()
        .map(|c| (c.id.clone(), c.weight))
        .collect();
    s.finish_and_certify(
        &id,
        &a.summary(),
        &weights,
        at,
        &["anniversary-gift".into()],
    )
    .expect("finished");
    id
}

#[test]
fn every_migration_applies_from_every_earlier_version() {
    for from in 0..schema::VERSION {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("p.db");
        {
            let c = rusqlite::Connection::open(&path).expect("open");
            for step in &schema::MIGRATIONS[..from as usize] {
                c.execute_batch(step).expect("step applies");
            }
            c.pragma_update(None, "user_version", from)
                .expect("version");
        }
        let s = Store::open(&path).expect("migrates");
        assert_eq!(
            s.schema_version().expect("version"),
            schema::VERSION,
            "from {from}"
        );
        assert_eq!(s.integrity_check().expect("check"), "ok");
        drop(s);
        // Opening again is a no-op.
        assert_eq!(
            Store::open(&path)
                .expect("reopens")
                .schema_version()
                .expect("v"),
            schema::VERSION
        );
    }
}

#[test]
fn a_newer_database_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("temp");
    let path = dir.path().join("new.db");
    {
        let c = rusqlite::Connection::open(&path).expect("open");
        c.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .expect("setup");
    }
    let before = bytes(&path);
    let e = Store::open(&path).expect_err("refused");
    assert!(matches!(e, StoreError::Newer { found: 99, .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "'{}' was written by a newer salesdojo (database schema 99; this version reads up to {}); it was left untouched",
            path.display(),
            schema::VERSION
        )
    );
    assert_eq!(bytes(&path), before);
    assert!(!dir.path().join("new.db-wal").exists());
}

#[test]
fn a_file_that_is_not_a_database_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("temp");
    for (name, content) in [
        ("notes.db", b"these are my notes, not a database".to_vec()),
        ("damaged.db", {
            let mut b = b"SQLite format 3\0".to_vec();
            b.extend(std::iter::repeat_n(0xAB, 8192));
            b
        }),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &content).expect("write");
        let e = Store::open(&path).expect_err("refused");
        assert!(matches!(e, StoreError::NotADatabase { .. }), "{name}: {e}");
        assert!(e.to_string().ends_with("it was left untouched"));
        assert_eq!(bytes(&path), content, "{name} untouched");
    }
}

#[test]
fn a_missing_folder_is_a_clear_error() {
    let e = Store::open(Path::new("/no/such/folder/p.db")).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "cannot open the database '/no/such/folder/p.db': the folder '/no/such/folder' does not exist"
    );
}

#[test]
fn connections_use_wal_full_sync_and_foreign_keys() {
    let dir = tempfile::tempdir().expect("temp");
    let path = dir.path().join("p.db");
    let _s = Store::open(&path).expect("opens");
    let c = rusqlite::Connection::open(&path).expect("open");
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[test]
fn a_retried_reply_is_not_duplicated_and_an_attempt_can_be_resumed() {
    let (lib, host) = lib();
    let dir = tempfile::tempdir().expect("temp");
    let mut s = Store::open(&dir.path().join("p.db")).expect("opens");
    let pb = lib.playbook("seven-step").expect("bundled").clone();
    let t = s.trainee("小王", Some("华东")).expect("trainee");
    assert_eq!(
        s.trainee("小王", Some("华东")).expect("again").id,
        t.id,
        "the same trainee"
    );
    let id = store::new_id();
    s.start_attempt(&NewAttempt {
        id: &id,
        trainee_id: &t.id,
        playbook_id: &pb.id,
        playbook_version: pb.version,
        playbook_hash: &pb.source.hash,
        scenario_id: "inbound-lead",
        mode: Mode::Practice,
        started_at: Utc::now(),
    })
    .expect("start");
    let mut a = Attempt::start(pb.clone(), "inbound-lead", "小王").expect("starts");
    let r = a
        .submit(Some(host), Answer::Choice("ask-first".into()), 4.0)
        .expect("ok")
        .clone();
    let reply_id = store::new_id();
    for _ in 0..3 {
        s.record_reply(&reply_id, &id, 1, &r, Utc::now())
            .expect("saved");
    }
    let un = s.unfinished(&t.id).expect("query");
    assert_eq!(un.len(), 1);
    assert_eq!(
        un[0].answers,
        vec![(
            "opening".to_owned(),
            Answer::Choice("ask-first".into()),
            4.0
        )]
    );
    // Resuming replays the stored answers to the same place.
    let mut resumed = Attempt::start(pb, "inbound-lead", "小王").expect("starts");
    for (_, ans, secs) in &un[0].answers {
        resumed
            .submit(Some(host), ans.clone(), *secs)
            .expect("replays");
    }
    assert_eq!(resumed.position, a.position);
    // Or it is marked abandoned: never silently lost.
    s.abandon_attempt(&id, Utc::now()).expect("abandon");
    assert!(s.unfinished(&t.id).expect("query").is_empty());
    assert_eq!(
        s.records()
            .attempt_detail(&id)
            .expect("kept")
            .attempt
            .status,
        "abandoned"
    );
    assert_eq!(
        s.records().attempt_detail(&id).expect("kept").replies.len(),
        1
    );
}

#[test]
fn reports_reviews_and_overrides() {
    let dir = tempfile::tempdir().expect("temp");
    let mut s = Store::open(&dir.path().join("p.db")).expect("opens");
    let good = play_and_log(&mut s, "李芳", Some("华东一组"), true, 1);
    let _bad = play_and_log(&mut s, "王强", Some("华南一组"), false, 2);
    let _bad2 = play_and_log(&mut s, "王强", Some("华南一组"), false, 9);

    let rates = s.records().pass_rates(&Filter::default()).expect("rates");
    assert_eq!(rates.len(), 1);
    assert_eq!((rates[0].attempts, rates[0].passed), (3, 1));
    let board = s
        .records()
        .leaderboard(&Filter::default(), 10)
        .expect("board");
    assert_eq!(board[0].trainee, "李芳");
    assert_eq!(board[0].certifications, 1, "passed every scenario named");
    assert_eq!(board[1].attempts, 2);

    let team = Filter {
        team: Some("华南一组".into()),
        ..Filter::default()
    };
    assert!(
        s.records()
            .criterion_averages(&team)
            .expect("avgs")
            .iter()
            .all(|a| a.trainee == "王强")
    );
    let since = Filter {
        since: Some("2026-03-05".into()),
        ..Filter::default()
    };
    assert_eq!(s.records().attempts(&since, 10).expect("attempts").len(), 1);
    let trend = s.records().trend(&Filter::default(), false).expect("trend");
    assert_eq!(
        trend.iter().map(|p| p.period.as_str()).collect::<Vec<_>>(),
        ["2026-03-01", "2026-03-02", "2026-03-09"]
    );
    let weakest = s
        .records()
        .weakest(&Filter::default(), true)
        .expect("weakest");
    assert_eq!(weakest.len(), 2);

    // An override shows beside the original and counts in reports.
    let before = s
        .records()
        .criterion_averages(&Filter {
            trainee: Some("李芳".into()),
            ..Filter::default()
        })
        .expect("a");
    let value_before = before
        .iter()
        .find(|a| a.criterion == "value")
        .expect("value")
        .average;
    s.add_review(
        &good,
        "经理",
        Some("很好，继续保持"),
        Some(("value", 40.0)),
        Utc::now(),
    )
    .expect("review");
    let d = s.records().attempt_detail(&good[..8]).expect("by prefix");
    let v = d
        .criteria
        .iter()
        .find(|c| c.criterion == "value")
        .expect("value");
    assert_eq!(v.override_points, Some(40.0));
    assert_eq!(v.overridden_by.as_deref(), Some("经理"));
    assert!(
        (v.points - value_before).abs() < 1e-9,
        "the original is kept"
    );
    assert_eq!(d.reviews[0].comment.as_deref(), Some("很好，继续保持"));
    let after = s
        .records()
        .criterion_averages(&Filter {
            trainee: Some("李芳".into()),
            ..Filter::default()
        })
        .expect("a");
    assert_eq!(
        after
            .iter()
            .find(|a| a.criterion == "value")
            .expect("value")
            .average,
        40.0
    );
    assert!(matches!(
        s.add_review(&good, "m", None, Some(("nonsense", 1.0)), Utc::now()),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.add_review("nope", "m", Some("x"), None, Utc::now()),
        Err(StoreError::NotFound(_))
    ));

    // The drill-down has the transcript with trace and feedback.
    assert_eq!(d.replies.len(), 4);
    assert!(d.replies[0].result["criteria"][0]["trace"].is_array());
    assert!(d.replies[0].result["feedback"].is_array());

    // Spaced practice: the weakest criterion's least recently practised scenario.
    let (lib, _) = lib();
    let rec = s
        .records()
        .recommend(lib, "王强")
        .expect("query")
        .expect("a recommendation");
    assert_eq!(rec.playbook, "jewelry");
    assert!(
        lib.playbook("jewelry")
            .expect("x")
            .scenario(&rec.scenario)
            .is_some()
    );
    assert_ne!(
        rec.scenario, "anniversary-gift",
        "not the one just practised"
    );
    assert_eq!(rec.last_practised, None);
}

#[test]
fn a_review_decides_the_total_the_verdict_the_reports_and_the_certification() {
    let dir = tempfile::tempdir().expect("temp");
    let path = dir.path().join("p.db");
    let mut s = Store::open(&path).expect("opens");
    let good = play_and_log(&mut s, "李芳", Some("华东一组"), true, 1);
    let _other_team = play_and_log(&mut s, "王强", Some("华南一组"), false, 2);
    let (lib, _) = lib();
    let pass_mark = f64::from(lib.playbook("jewelry").expect("bundled").rubric.pass_mark);
    let before = s.records().attempt_detail(&good).expect("detail");
    let scored = before.attempt.total.expect("a total");
    assert!(scored >= pass_mark && before.attempt.passed == Some(true));
    assert!(!before.attempt.reviewed);
    // play_and_log certified the trainee (for the one scenario it names).
    let board = s
        .records()
        .leaderboard(&Filter::default(), 10)
        .expect("board");
    assert_eq!(board.iter().map(|b| b.certifications).sum::<i64>(), 1);

    // One criterion overridden: the total moves by its weighted change, exactly.
    let weights: f64 = before.criteria.iter().map(|c| c.weight).sum();
    let c0 = &before.criteria[0];
    store_review(&mut s, &good, (&c0.criterion, 0.0));
    let one = s.records().attempt_detail(&good).expect("detail").attempt;
    let expected = (scored - c0.weight * c0.points / weights).clamp(0.0, 100.0);
    assert!(one.reviewed);
    assert_eq!(one.scored_total, Some(scored), "what scoring gave stays");
    assert!(
        (one.total.expect("total") - expected).abs() < 1e-9,
        "{:?} vs {expected}",
        one.total
    );
    assert_eq!(one.passed, Some(expected >= pass_mark));

    // Every criterion overridden to 0: the attempt fails, everywhere.
    for c in &before.criteria {
        store_review(&mut s, &good, (&c.criterion, 0.0));
    }
    let failed = s.records().attempt_detail(&good).expect("detail").attempt;
    // The total is moved by each change in turn: zero, give or take rounding.
    assert!(
        failed.total.is_some_and(|t| t.abs() < 1e-9),
        "{:?}",
        failed.total
    );
    assert_eq!(failed.passed, Some(false));
    let rates = s.records().pass_rates(&Filter::default()).expect("rates");
    assert_eq!((rates[0].attempts, rates[0].passed), (2, 0));
    let board = s
        .records()
        .leaderboard(&Filter::default(), 10)
        .expect("board");
    let li = board
        .iter()
        .find(|b| b.trainee == "李芳")
        .expect("on the board");
    assert!(li.average.abs() < 1e-9, "{}", li.average);
    assert_eq!(li.certifications, 0, "the certification follows the review");
    let rows = s
        .records()
        .export_rows(&Filter {
            trainee: Some("李芳".into()),
            ..Filter::default()
        })
        .expect("rows");
    let csv =
        String::from_utf8(export::to_csv(&rows, false, &export::CsvStyle::default()).expect("csv"))
            .expect("utf-8");
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let head = r.headers().expect("header").clone();
    let rec = r.records().next().expect("a row").expect("parses");
    let col = |name: &str| &rec[head.iter().position(|h| h == name).expect(name)];
    assert_eq!(
        (col("total"), col("passed"), col("reviewed")),
        ("0.0", "false", "true")
    );
    assert_eq!(col("scored_total"), format!("{scored:.1}"));
    // Re-scoring compares with what scoring gave, not with the review's decision.
    let host = ScriptHost::new(lib);
    let mut stored = Vec::new();
    salesdojo::rescore::rescore_history(
        Store::open(&path).expect("opens"),
        salesdojo::rescore::Against::today(lib, Some(&host)),
        &Filter {
            trainee: Some("李芳".into()),
            ..Filter::default()
        },
        10,
        |r| {
            stored.push((r.stored_total, r.stored_passed));
            true
        },
    )
    .expect("re-scored");
    assert_eq!(stored, [(Some(scored), Some(true))]);
    same_from_rollups_and_base_tables(&path);

    // Overridden back to what scoring gave: the verdict is judged again and passes.
    for c in &before.criteria {
        store_review(&mut s, &good, (&c.criterion, c.points));
    }
    let back = s.records().attempt_detail(&good).expect("detail").attempt;
    assert!((back.total.expect("total") - scored).abs() < 1e-9);
    assert_eq!(back.passed, Some(true));
    same_from_rollups_and_base_tables(&path);
}

/// The rollups (kept by triggers) answer as the base tables do.
fn same_from_rollups_and_base_tables(path: &Path) {
    let fast = Store::open(path).expect("opens");
    let mut slow = Store::open(path).expect("opens");
    slow.set_plan(Plan::BaseTables);
    let f = Filter::default();
    let key = |s: &Store| {
        (
            format!("{:?}", s.records().pass_rates(&f).expect("rates")),
            format!("{:?}", s.records().leaderboard(&f, 10).expect("board")),
            format!("{:?}", s.records().trend(&f, false).expect("trend")),
        )
    };
    assert_eq!(key(&fast), key(&slow));
}

/// A manager's override through the engine's review path (the one the app and the CLI use).
fn store_review(s: &mut Store, attempt: &str, over: (&str, f64)) {
    let (lib, _) = lib();
    let r = salesdojo::store::NewReview {
        attempt_id: attempt,
        reviewer: "经理",
        comment: None,
        over: Some(over),
        reply: None,
        sign_off: false,
        at: Utc::now(),
    };
    salesdojo::session::review(s, lib, &r).expect("reviewed");
}

#[test]
fn csv_export_opens_in_a_spreadsheet() {
    let dir = tempfile::tempdir().expect("temp");
    let mut s = Store::open(&dir.path().join("p.db")).expect("opens");
    // A line break in a typed name is refused at the door (one line per name).
    assert!(matches!(
        s.trainee("Smith", Some("Team\nNorth")),
        Err(StoreError::Refused(_))
    ));
    play_and_log(
        &mut s,
        "Smith, \"Jo\"",
        Some("Team \"North\", East"),
        true,
        3,
    );
    // A manager's comments go with the attempt, oldest first (they were left out).
    let first = s.records().export_rows(&Filter::default()).expect("rows")[0]
        .attempt
        .id
        .clone();
    let now = chrono::Utc::now();
    s.add_review(
        &first,
        "Zhao",
        Some("Good opening."),
        None,
        now - chrono::Duration::minutes(5),
    )
    .expect("reviewed");
    s.add_review(&first, "Zhao", Some("Close earlier."), None, now)
        .expect("reviewed");
    let rows = s.records().export_rows(&Filter::default()).expect("rows");
    let csv = export::to_csv(&rows, false, &export::CsvStyle::default()).expect("csv");
    let text = String::from_utf8(csv.clone()).expect("utf-8");
    assert!(text.starts_with("attempt_id,trainee_id,trainee,team,playbook,version,scenario,mode,started_at,ended_at,status,total,passed,scored_total,reviewed,verified,comments,criterion:"));
    assert!(text.contains(",Good opening. / Close earlier.,"), "{text}");
    assert!(
        text.contains("\"Smith, \"\"Jo\"\"\",\"Team \"\"North\"\", East\""),
        "RFC 4180 quoting: {text}"
    );
    assert!(text.contains("\r\n"));
    // A CSV reader gets the fields back.
    let mut r = csv::Reader::from_reader(&csv[..]);
    let rec = r.records().next().expect("a row").expect("parses");
    assert_eq!(&rec[2], "Smith, \"Jo\"");
    let bom = export::to_csv(&rows, true, &export::CsvStyle::default()).expect("csv");
    assert!(bom.starts_with("\u{feff}attempt_id".as_bytes()));
    // What the manager sees on screen: the name, criterion titles in the chosen language,
    // local time with its offset; pseudonymous on request.
    let (lib, _) = lib();
    let style = export::CsvStyle::titled(lib, Some("jewelry"), "zh-CN");
    let csv = export::to_csv(&rows, false, &style).expect("csv");
    let mut r = csv::Reader::from_reader(&csv[..]);
    let head = r.headers().expect("header").clone();
    let jewelry = lib.playbook("jewelry").expect("bundled");
    let scored: std::collections::BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.criteria.iter().map(|c| c.0.as_str()))
        .collect();
    for c in jewelry
        .rubric
        .criteria
        .iter()
        .filter(|c| scored.contains(c.id.as_str()))
    {
        assert!(
            head.iter().any(|h| h == c.title.get("zh-CN")),
            "{}: {head:?}",
            c.id
        );
    }
    assert!(
        !head.iter().any(|h| h.starts_with("criterion:")),
        "{head:?}"
    );
    let rec = r.records().next().expect("a row").expect("parses");
    assert_eq!(&rec[2], "Smith, \"Jo\"");
    // The people's CSV titles its columns in the chosen language.
    let started = &rec[head.iter().position(|h| h == "开始时间").expect("开始时间")];
    let local =
        regex::Regex::new(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$").expect("regex");
    assert!(local.is_match(started), "{started}");
    let hidden = export::CsvStyle {
        pseudonymous: true,
        ..style
    };
    let csv = export::to_csv(&rows, false, &hidden).expect("csv");
    let mut r = csv::Reader::from_reader(&csv[..]);
    let rec = r.records().next().expect("a row").expect("parses");
    assert_eq!(&rec[2], &rec[1], "no pseudonym: the id, never the name");
    assert!(
        !String::from_utf8_lossy(&csv).contains("Good opening."),
        "comments may name people: not in a pseudonymous file"
    );
}

#[test]
fn a_name_typed_as_a_formula_is_exported_as_text() {
    let dir = tempfile::tempdir().expect("temp");
    let mut s = Store::open(&dir.path().join("p.db")).expect("opens");
    play_and_log(
        &mut s,
        "=HYPERLINK(\"http://x\",\"a\")",
        Some("@SUM(1)"),
        true,
        2,
    );
    play_and_log(&mut s, "-2+3", Some("Team-1"), true, 2);
    let rows = s.records().export_rows(&Filter::default()).expect("rows");
    let csv = export::to_csv(&rows, false, &export::CsvStyle::default()).expect("csv");
    let mut r = csv::Reader::from_reader(&csv[..]);
    let cells: Vec<(String, String)> = r
        .records()
        .map(|rec| {
            let rec = rec.expect("parses");
            (rec[2].to_owned(), rec[3].to_owned())
        })
        .collect();
    assert!(
        cells.contains(&("'=HYPERLINK(\"http://x\",\"a\")".into(), "'@SUM(1)".into())),
        "{cells:?}"
    );
    assert!(
        cells.contains(&("'-2+3".into(), "Team-1".into())),
        "{cells:?}"
    );
}

fn is_iri(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// The xAPI 1.0.3 rules every exported statement must satisfy.
fn check_statement(st: &Value) {
    assert!(st["id"].as_str().is_some_and(is_uuid), "id: {st}");
    let actor = &st["actor"];
    assert_eq!(actor["objectType"], "Agent");
    let ifis = ["mbox", "mbox_sha1sum", "openid", "account"]
        .iter()
        .filter(|k| !actor[**k].is_null())
        .count();
    assert_eq!(ifis, 1, "exactly one inverse functional identifier");
    assert!(actor["account"]["homePage"].as_str().is_some_and(is_iri));
    assert!(
        actor["account"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert!(st["verb"]["id"].as_str().is_some_and(is_iri));
    assert!(
        st["verb"]["display"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(st["object"]["objectType"], "Activity");
    assert!(st["object"]["id"].as_str().is_some_and(is_iri));
    let score = &st["result"]["score"];
    let scaled = score["scaled"].as_f64().expect("scaled");
    assert!((-1.0..=1.0).contains(&scaled));
    let (raw, min, max) = (
        score["raw"].as_f64().expect("raw"),
        score["min"].as_f64().expect("min"),
        score["max"].as_f64().expect("max"),
    );
    assert!(min <= raw && raw <= max);
    if let Some(d) = st["result"]["duration"].as_str() {
        assert!(
            d.starts_with("PT") && d.ends_with('S') && d[2..d.len() - 1].parse::<u64>().is_ok(),
            "{d}"
        );
    }
    let ts = st["timestamp"].as_str().expect("timestamp");
    assert!(
        chrono::DateTime::parse_from_rfc3339(ts).is_ok() && ts.ends_with('Z'),
        "{ts}"
    );
    assert!(st["context"]["registration"].as_str().is_some_and(is_uuid));
    for key in ["parent", "grouping"] {
        if let Some(list) = st["context"]["contextActivities"][key].as_array() {
            assert!(list.iter().all(|a| a["id"].as_str().is_some_and(is_iri)));
        }
    }
    for k in st["context"]["extensions"]
        .as_object()
        .expect("extensions")
        .keys()
    {
        assert!(is_iri(k), "extension keys are IRIs: {k}");
    }
}

#[test]
fn xapi_statements_follow_the_spec_and_keep_trainees_pseudonymous() {
    let dir = tempfile::tempdir().expect("temp");
    let mut s = Store::open(&dir.path().join("p.db")).expect("opens");
    let id = play_and_log(&mut s, "李芳", None, true, 4);
    let rows = s.records().export_rows(&Filter::default()).expect("rows");
    let st = export::to_xapi(&s, &rows, "https://lrs.example.com/salesdojo/").expect("xapi");
    assert!(
        st.len() > 4,
        "one per attempt and one per reply and criterion"
    );
    for x in &st {
        check_statement(x);
        assert!(
            !x.to_string().contains("李芳"),
            "the display name never leaves"
        );
    }
    assert_eq!(st[0]["verb"]["id"], "http://adlnet.gov/expapi/verbs/passed");
    assert_eq!(st[0]["result"]["success"], true);
    assert_eq!(st[0]["context"]["registration"], id.as_str());
    let answered = &st[1];
    assert_eq!(
        answered["verb"]["id"],
        "http://adlnet.gov/expapi/verbs/answered"
    );
    assert_eq!(
        answered["context"]["contextActivities"]["parent"][0]["id"],
        "https://lrs.example.com/salesdojo/playbooks/jewelry/scenarios/anniversary-gift"
    );
    assert_eq!(
        answered["context"]["contextActivities"]["grouping"][0]["id"],
        "https://lrs.example.com/salesdojo/playbooks/jewelry"
    );
    // Exporting again gives the same statement ids.
    let again = export::to_xapi(&s, &rows, "https://lrs.example.com/salesdojo/").expect("xapi");
    assert_eq!(
        st.iter().map(|x| x["id"].clone()).collect::<Vec<_>>(),
        again.iter().map(|x| x["id"].clone()).collect::<Vec<_>>()
    );
}

#[test]
fn merging_twice_adds_nothing_the_second_time() {
    let dir = tempfile::tempdir().expect("temp");
    let mut manager = Store::open(&dir.path().join("manager.db")).expect("opens");
    play_and_log(&mut manager, "经理本人", None, true, 1);
    let mut trainee = Store::open(&dir.path().join("trainee.db")).expect("opens");
    let a = play_and_log(&mut trainee, "小李", Some("华东一组"), true, 2);
    trainee
        .add_review(&a, "组长", Some("不错"), None, Utc::now())
        .expect("review");
    drop(trainee);
    let first = manager
        .merge(&dir.path().join("trainee.db"))
        .expect("merges");
    // The file's review is a manager's word, not the trainee's: left out, and counted.
    assert_eq!(
        (
            first.trainees,
            first.attempts,
            first.replies,
            first.reviews,
            first.reviews_left_out
        ),
        (1, 1, 4, 0, 1)
    );
    let second = manager
        .merge(&dir.path().join("trainee.db"))
        .expect("merges");
    assert_eq!(
        salesdojo::store::merge::MergeCounts {
            certifications_claimed: 0,
            reviews_left_out: 0,
            ..second
        },
        salesdojo::store::merge::MergeCounts::default(),
        "the same file again adds nothing (the certifications it claims are never copied)"
    );
    assert_eq!(
        manager
            .records()
            .attempts(&Filter::default(), 10)
            .expect("all")
            .len(),
        2
    );
    assert_eq!(manager.integrity_check().expect("check"), "ok");
    // A file that is not a salesdojo database is refused.
    std::fs::write(dir.path().join("junk.db"), b"junk").expect("write");
    assert!(manager.merge(&dir.path().join("junk.db")).is_err());
}

#[test]
fn live_checklist_events_are_logged_as_they_happen() {
    let dir = tempfile::tempdir().expect("temp");
    let mut s = Store::open(&dir.path().join("p.db")).expect("opens");
    let (lib, _) = lib();
    let pb = lib.playbook("property-showing").expect("bundled");
    let t = s.trainee("置业顾问", None).expect("trainee");
    let id = store::new_id();
    s.start_attempt(&NewAttempt {
        id: &id,
        trainee_id: &t.id,
        playbook_id: &pb.id,
        playbook_version: pb.version,
        playbook_hash: &pb.source.hash,
        scenario_id: "",
        mode: Mode::Live,
        started_at: Utc::now(),
    })
    .expect("start");
    s.live_event(
        &id,
        "tick",
        Some("greet"),
        Some("greet-warm"),
        None,
        Utc::now(),
    )
    .expect("tick");
    s.live_event(
        &id,
        "note",
        Some("greet"),
        None,
        Some("第一次来"),
        Utc::now(),
    )
    .expect("note");
    s.live_event(&id, "grade", None, None, Some("A"), Utc::now())
        .expect("grade");
    assert!(
        s.live_event(&id, "explode", None, None, None, Utc::now())
            .is_err(),
        "unknown kinds are refused"
    );
    assert!(
        s.live_event("no-such-attempt", "tick", None, None, None, Utc::now())
            .is_err(),
        "foreign keys hold"
    );
    drop(s);
    let c = rusqlite::Connection::open(dir.path().join("p.db")).expect("open");
    let n: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM live_events WHERE attempt_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(n, 3);
    // A live visit is not offered as an unfinished role-play.
    let s = Store::open(&dir.path().join("p.db")).expect("opens");
    assert!(s.unfinished(&t.id).expect("query").is_empty());
}

/// Every report the rollups answer, read both ways, must agree (floats to rounding).
fn assert_rollups_match(path: &Path, why: &str) {
    let fast = Store::open(path).expect("opens");
    let mut slow = Store::open(path).expect("opens");
    slow.set_plan(Plan::BaseTables);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    let mut filters = vec![Filter::default()];
    for t in ["华东一组", "华南一组"] {
        filters.push(Filter {
            team: Some(t.into()),
            ..Filter::default()
        });
    }
    for p in ["jewelry", "seven-step", "objections"] {
        filters.push(Filter {
            playbook: Some(p.into()),
            ..Filter::default()
        });
    }
    filters.push(Filter {
        playbook: Some("jewelry".into()),
        scenario: Some("anniversary-gift".into()),
        ..Filter::default()
    });
    // Date ranges: the rollups cannot answer them; the criteria's own copy of each attempt's
    // trainee, playbook, scenario and date (schema v5) must agree with the attempts table.
    for (since, until, team, playbook, scenario) in [
        ("2026-03-01", Some("2026-03-15"), None, None, None),
        ("2026-03-10", None, Some("华东一组"), None, None),
        (
            "2026-02-20",
            Some("2026-04-10"),
            None,
            Some("jewelry"),
            None,
        ),
        (
            "2026-01-01",
            Some("2026-12-31"),
            None,
            Some("jewelry"),
            Some("anniversary-gift"),
        ),
    ] {
        filters.push(Filter {
            since: Some(since.into()),
            until: until.map(Into::into),
            team: team.map(Into::into),
            playbook: playbook.map(Into::into),
            scenario: scenario.map(Into::into),
            ..Filter::default()
        });
    }
    let board = slow
        .records()
        .leaderboard(&Filter::default(), 3)
        .expect("board");
    for row in board {
        filters.push(Filter {
            trainee: Some(row.trainee),
            ..Filter::default()
        });
    }
    for f in &filters {
        let ctx = format!("{why}: {f:?}");
        let (a, b) = (
            fast.records().criterion_averages(f).expect("a"),
            slow.records().criterion_averages(f).expect("b"),
        );
        assert_eq!(a.len(), b.len(), "criterion averages, {ctx}");
        assert!(!b.is_empty() || f.trainee.is_some(), "no data for {ctx}");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (&x.trainee, &x.playbook, &x.criterion, x.attempts),
                (&y.trainee, &y.playbook, &y.criterion, y.attempts),
                "{ctx}"
            );
            assert!(close(x.average, y.average), "{ctx}: {x:?} vs {y:?}");
        }
        for weekly in [false, true] {
            let (a, b) = (
                fast.records().trend(f, weekly).expect("a"),
                slow.records().trend(f, weekly).expect("b"),
            );
            assert_eq!(a.len(), b.len(), "trend, {ctx}");
            for (x, y) in a.iter().zip(&b) {
                assert_eq!((&x.period, x.attempts), (&y.period, y.attempts), "{ctx}");
                assert!(
                    close(x.average, y.average) && close(x.pass_rate, y.pass_rate),
                    "{ctx}: {x:?} vs {y:?}"
                );
            }
        }
        let (a, b) = (
            fast.records().pass_rates(f).expect("a"),
            slow.records().pass_rates(f).expect("b"),
        );
        assert_eq!(a, b, "pass rates, {ctx}");
        let (mut a, mut b) = (
            fast.records().leaderboard(f, 1000).expect("a"),
            slow.records().leaderboard(f, 1000).expect("b"),
        );
        a.sort_by(|x, y| x.trainee.cmp(&y.trainee));
        b.sort_by(|x, y| x.trainee.cmp(&y.trainee));
        assert_eq!(a.len(), b.len(), "leaderboard, {ctx}");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (&x.trainee, x.attempts, x.passed, x.certifications),
                (&y.trainee, y.attempts, y.passed, y.certifications),
                "{ctx}"
            );
            assert!(close(x.average, y.average), "{ctx}");
        }
        for by_team in [false, true] {
            let (a, b) = (
                fast.records().weakest(f, by_team).expect("a"),
                slow.records().weakest(f, by_team).expect("b"),
            );
            assert_eq!(a.len(), b.len(), "weakest, {ctx}");
            for (x, y) in a.iter().zip(&b) {
                // Two criteria may tie for weakest; the value must agree.
                assert_eq!(x.who, y.who, "{ctx}");
                assert!(close(x.average, y.average), "{ctx}: {x:?} vs {y:?}");
            }
        }
    }
}

#[test]
fn rollups_answer_as_the_base_tables_do_whatever_writes_them() {
    let (lib, host) = lib();
    let dir = tempfile::tempdir().expect("temp");
    let path = dir.path().join("p.db");
    let mut s = Store::open(&path).expect("opens");
    let end = Utc
        .with_ymd_and_hms(2026, 3, 28, 0, 0, 0)
        .single()
        .expect("a date");
    salesdojo::demo::generate(
        &mut s,
        lib,
        host,
        &salesdojo::demo::DemoOptions {
            trainees: 12,
            days: 40,
            seed: 7,
            end,
        },
    )
    .expect("demo data");
    // The practice path, reviews (a later override wins; an earlier-dated one inserted
    // afterwards does not), an in-progress and an abandoned attempt.
    let a = play_and_log(&mut s, "李芳", Some("华东一组"), true, 1);
    let b = play_and_log(&mut s, "王强", Some("华南一组"), false, 2);
    let t0 = Utc
        .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
        .single()
        .expect("d");
    s.add_review(
        &a,
        "组长",
        None,
        Some(("value", 10.0)),
        t0 + chrono::Duration::days(2),
    )
    .expect("review");
    s.add_review(&a, "组长", None, Some(("value", 90.0)), t0)
        .expect("review");
    let first = |s: &Store, id: &str| {
        s.records().attempt_detail(id).expect("detail").criteria[0]
            .criterion
            .clone()
    };
    let cb = first(&s, &b);
    s.add_review(&b, "组长", Some("再练练"), Some((cb.as_str(), 55.0)), t0)
        .expect("review");
    assert_rollups_match(&path, "after demo data, practice and reviews");

    // Finishing the same attempt again (a retried write) replaces its numbers.
    let summary = salesdojo::practice::session::Summary {
        total: 88.0,
        pass_mark: 70,
        passed: true,
        gate: None,
        criteria: vec![(cb.clone(), 80.0, 2), ("value".into(), 95.0, 1)],
        weakest: None,
        suggested: None,
        ending: None,
        outcome: None,
        replies: 3,
        seconds: 30.0,
    };
    s.finish_attempt(&b, &summary, &[(cb.clone(), 2.0)], t0)
        .expect("finished again");
    assert_rollups_match(&path, "after finishing an attempt again");
    let t = s.trainee("王强", Some("华南一组")).expect("trainee");
    let unfinished_id = store::new_id();
    let pb = lib.playbook("jewelry").expect("bundled");
    s.start_attempt(&NewAttempt {
        id: &unfinished_id,
        trainee_id: &t.id,
        playbook_id: &pb.id,
        playbook_version: pb.version,
        playbook_hash: &pb.source.hash,
        scenario_id: "anniversary-gift",
        mode: Mode::Practice,
        started_at: t0,
    })
    .expect("start");
    assert_rollups_match(&path, "with an attempt in progress");
    s.abandon_stale(
        t0 + chrono::Duration::days(1),
        t0 + chrono::Duration::days(1),
    )
    .expect("abandon");
    assert_rollups_match(&path, "after abandoning");

    // A trainee's database merged in: new attempts, and one finished there that was in
    // progress here.
    let other_path = dir.path().join("other.db");
    let mut other = Store::open(&other_path).expect("opens");
    let c = play_and_log(&mut other, "小李", Some("华东一组"), true, 3);
    let cc = first(&other, &c);
    other
        .add_review(&c, "组长", None, Some((cc.as_str(), 20.0)), t0)
        .expect("review");
    drop(other);
    s.merge(&other_path).expect("merges");
    s.merge(&other_path).expect("merges again");
    assert_rollups_match(&path, "after merging twice");
    drop(s);

    // An older database gains its rollups when it is migrated.
    {
        let c = rusqlite::Connection::open(&path).expect("open");
        let triggers: Vec<String> = c
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("names");
        assert_eq!(triggers.len(), 13);
        for t in triggers {
            c.execute_batch(&format!("DROP TRIGGER {t}")).expect("drop");
        }
        c.execute_batch(
            "DROP TABLE review_acks; DROP TABLE review_requests; DROP INDEX replies_with_errors;
             DROP TABLE certificate_signoffs; DROP TABLE certificate_revocations;
             ALTER TABLE reviews DROP COLUMN reply_seq; ALTER TABLE reviews DROP COLUMN sign_off;
             DROP TABLE published; DROP TABLE assignments;
             DROP TABLE team_state; DROP TABLE team_known;
             ALTER TABLE attempts DROP COLUMN counted;
             UPDATE attempts SET total = COALESCE(scored_total, total),
                 passed = CASE WHEN scored_total IS NULL THEN passed ELSE scored_passed END;
             ALTER TABLE attempts DROP COLUMN scored_total;
             ALTER TABLE attempts DROP COLUMN scored_passed;
             ALTER TABLE attempts DROP COLUMN pass_mark;
             ALTER TABLE attempts DROP COLUMN gated;
             DROP INDEX attempts_by_playbook_time;
             DROP INDEX attempt_criteria_by_time;
             DROP INDEX attempts_by_time;
             CREATE INDEX attempts_by_time ON attempts (started_at);
             ALTER TABLE attempt_criteria DROP COLUMN trainee_id;
             ALTER TABLE attempt_criteria DROP COLUMN playbook_id;
             ALTER TABLE attempt_criteria DROP COLUMN scenario_id;
             ALTER TABLE attempt_criteria DROP COLUMN started_at;
             DROP TABLE rollup_criteria; DROP TABLE rollup_attempts; DROP TABLE rollup_days;
             ALTER TABLE attempt_criteria DROP COLUMN overridden;
             DROP TABLE verifications;
             PRAGMA user_version = 2;",
        )
        .expect("back to version 2");
    }
    assert_rollups_match(&path, "after migrating from version 2");
}
