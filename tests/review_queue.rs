//! The manager's week from the terminal on this machine's log: the review queue (each reason
//! puts an attempt in; a review takes it out), comments anchored to one reply, sign-offs,
//! trainees' questions and acknowledgements, readiness against the store asked directly; bad
//! requests refused with nothing stored.

// The test reads the log directly, as another program would, to check what was (not) stored.
#![allow(clippy::disallowed_methods)]

mod common;

use std::path::Path;

use common::{Run, salesdojo, salesdojo_stdin};
use serde_json::Value;

const PASSING: &str =
    "2\n您眼光真好，这款的设计灵感来自海浪。\n?\n价格您放心，您先试戴一下感受看看？\n1\n";
const FAILING: &str = "1\n不知道。\n1\n不知道。\n1\n不知道。\n1\n";
/// A competent reply with a guarantee of gain in it: a conduct gate caps it.
const GATED: &str =
    "2\n您眼光真好，这款保证升值，买了稳赚不赔。\n?\n价格您放心，您先试戴一下感受看看？\n1\n";

fn at(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--db", "p.db", "--playbooks", "pb"];
    all.extend_from_slice(args);
    salesdojo(dir, &all)
}

fn json(r: &Run) -> Value {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    serde_json::from_str(&r.stdout).expect("JSON")
}

/// The jewelry playbook with its first scenario requiring a manager's sign-off.
fn playbooks_with_sign_off(dir: &Path) {
    let src =
        std::fs::read_to_string(common::repo().join("playbooks/02_jewelry.yaml")).expect("jewelry");
    let marked = src.replacen(
        "  - id: browsing-to-tryon\n",
        "  - id: browsing-to-tryon\n    sign_off: true\n",
        1,
    );
    assert_ne!(marked, src, "the scenario is found");
    std::fs::create_dir_all(dir.join("pb")).expect("dir");
    std::fs::write(dir.join("pb/02_jewelry.yaml"), marked).expect("write");
    let locales = common::repo().join("playbooks/02_jewelry.yaml.locales.json");
    std::fs::copy(locales, dir.join("pb/02_jewelry.yaml.locales.json")).expect("copy");
}

/// Practises the first jewelry scenario as `name` with `input`; returns the new attempt's id.
fn practise(dir: &Path, name: &str, input: &str) -> String {
    let before = attempt_ids(dir);
    let r = salesdojo_stdin(
        dir,
        &[
            "--db",
            "p.db",
            "--playbooks",
            "pb",
            "practice",
            "jewelry",
            "--scenario",
            "browsing-to-tryon",
            "--trainee",
            name,
        ],
        input,
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let after = attempt_ids(dir);
    after
        .into_iter()
        .find(|id| !before.contains(id))
        .expect("a new attempt")
}

fn attempt_ids(dir: &Path) -> Vec<String> {
    let path = dir.join("p.db");
    if !path.exists() {
        return Vec::new();
    }
    let c = rusqlite::Connection::open(path).expect("open");
    let mut s = c.prepare("SELECT id FROM attempts").expect("prepare");
    s.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

/// The queue's reasons per attempt id.
fn queue(dir: &Path) -> Vec<(String, Vec<String>)> {
    let v = json(&at(dir, &["queue", "--format", "json"]));
    v.as_array()
        .expect("a list")
        .iter()
        .map(|i| {
            (
                i["attempt"].as_str().unwrap_or_default().to_owned(),
                i["reasons"]
                    .as_array()
                    .expect("reasons")
                    .iter()
                    .map(|r| r["reason"].as_str().unwrap_or_default().to_owned())
                    .collect(),
            )
        })
        .collect()
}

fn reasons_of(q: &[(String, Vec<String>)], id: &str) -> Vec<String> {
    q.iter()
        .find(|(a, _)| a == id)
        .map(|(_, r)| r.clone())
        .unwrap_or_default()
}

fn review_count(dir: &Path) -> i64 {
    let c = rusqlite::Connection::open(dir.join("p.db")).expect("open");
    c.query_row("SELECT COUNT(*) FROM reviews", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn each_reason_puts_an_attempt_in_the_queue_and_a_review_takes_it_out() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    playbooks_with_sign_off(dir);
    let passed = practise(dir, "张三", PASSING);
    let failed = practise(dir, "张三", FAILING);
    let gated = practise(dir, "张三", GATED);
    let other = practise(dir, "李四", PASSING);

    let q = queue(dir);
    // The scenario requires sign-off: every attempt of it waits for one.
    assert!(
        reasons_of(&q, &passed).contains(&"sign_off".to_owned()),
        "{q:?}"
    );
    let g = reasons_of(&q, &gated);
    assert_eq!(g.first().map(String::as_str), Some("gate"), "{q:?}");
    // Gates come first.
    assert_eq!(
        q.first().map(|(a, _)| a.as_str()),
        Some(gated.as_str()),
        "{q:?}"
    );

    // The trainee asks about the failed one.
    let r = at(
        dir,
        &[
            "ask-review",
            &failed,
            "--question",
            "为什么不及格？",
            "--trainee",
            "张三",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(reasons_of(&queue(dir), &failed).contains(&"asked".to_owned()));
    // Nobody else may ask about it; an empty question is no question.
    let r = at(
        dir,
        &[
            "ask-review",
            &failed,
            "--question",
            "?",
            "--trainee",
            "李四",
        ],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("only the trainee whose attempt it is"),
        "{}",
        r.stderr
    );
    let r = at(
        dir,
        &[
            "ask-review",
            &failed,
            "--question",
            "  ",
            "--trainee",
            "张三",
        ],
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("say what you would like"), "{}", r.stderr);

    // Bad reviews are refused with nothing stored.
    let n = review_count(dir);
    let r = at(dir, &["review", &failed, "--sign-off"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("only a passed attempt can be signed off"),
        "{}",
        r.stderr
    );
    let r = at(
        dir,
        &["review", &passed, "--comment", "好", "--reply", "99"],
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("has no reply #99"), "{}", r.stderr);
    assert_eq!(review_count(dir), n, "nothing stored");

    // A comment on one reply answers the question; a sign-off clears the sign-off.
    let r = at(
        dir,
        &[
            "review",
            &failed,
            "--comment",
            "第一句要先问需求",
            "--reply",
            "1",
            "--reviewer",
            "王经理",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = at(
        dir,
        &["review", &passed, "--sign-off", "--reviewer", "王经理"],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = at(
        dir,
        &[
            "review",
            &gated,
            "--comment",
            "不能承诺升值",
            "--reviewer",
            "王经理",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let q = queue(dir);
    assert!(reasons_of(&q, &passed).is_empty(), "{q:?}");
    assert!(
        !reasons_of(&q, &failed).contains(&"asked".to_owned()),
        "{q:?}"
    );
    assert!(
        !reasons_of(&q, &gated).contains(&"gate".to_owned()),
        "{q:?}"
    );
    // Another trainee's attempt still waits for its sign-off.
    assert!(
        reasons_of(&q, &other).contains(&"sign_off".to_owned()),
        "{q:?}"
    );

    // The comment sits beside its reply, in JSON and for people.
    let v = json(&at(dir, &["attempt", &failed, "--format", "json"]));
    let rv = &v["reviews"][0];
    assert_eq!(rv["reply"], 1, "{v}");
    assert_eq!(v["requests"][0]["question"], "为什么不及格？");
    let text = at(dir, &["attempt", &failed]).stdout;
    let at_reply = text.find("#1 ").expect("reply #1");
    let comment = text.find("第一句要先问需求").expect("the comment");
    let next = text[at_reply..]
        .find("\n  #2")
        .map_or(text.len(), |i| i + at_reply);
    assert!(at_reply < comment && comment < next, "{text}");

    // Exports carry it: the CSV cell names the reply; xAPI states it about the reply's turn.
    let r = at(
        dir,
        &[
            "export",
            "--format",
            "csv",
            "--out",
            "a.csv",
            "--trainee",
            "张三",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let csv = std::fs::read_to_string(dir.join("a.csv")).expect("csv");
    assert!(csv.contains("#1: 第一句要先问需求"), "{csv}");
    let r = at(
        dir,
        &[
            "export",
            "--format",
            "xapi",
            "--out",
            "a.json",
            "--trainee",
            "张三",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let x: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("a.json")).expect("json"))
            .expect("statements");
    let said: Vec<&Value> = x
        .as_array()
        .expect("a list")
        .iter()
        .filter(|s| s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/commented")
        .collect();
    assert_eq!(said.len(), 1, "one comment is on a reply: {x}");
    assert_eq!(said[0]["result"]["response"], "第一句要先问需求");
    assert_eq!(said[0]["actor"]["account"]["name"], "王经理");
    assert_eq!(said[0]["context"]["registration"], failed.as_str());
    assert!(
        said[0]["object"]["id"]
            .as_str()
            .unwrap_or_default()
            .contains("/turns/"),
        "{}",
        said[0]
    );

    // The trainee sees the new reviews and acknowledges them; the manager sees that.
    let v = json(&at(
        dir,
        &["reviews", "--trainee", "张三", "--format", "json"],
    ));
    let list = v.as_array().expect("reviews");
    assert_eq!(list.len(), 3, "{v}");
    assert!(list.iter().all(|r| r["acknowledged_at"].is_null()));
    let r = at(dir, &["reviews", "--trainee", "张三", "--ack", "all"]);
    assert!(r.stdout.contains("3 reviews acknowledged"), "{}", r.stdout);
    let v = json(&at(dir, &["attempt", &passed, "--format", "json"]));
    assert!(v["reviews"][0]["acknowledged_at"].is_string(), "{v}");
    assert_eq!(v["reviews"][0]["sign_off"], true);
    // 李四 has nothing to acknowledge of 张三's.
    let v = json(&at(
        dir,
        &["reviews", "--trainee", "李四", "--format", "json"],
    ));
    assert_eq!(v.as_array().map(Vec::len), Some(0));
}

#[test]
fn readiness_is_the_stores_points_weighted_by_recency() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    playbooks_with_sign_off(dir);
    practise(dir, "张三", PASSING);
    practise(dir, "张三", FAILING);
    practise(dir, "李四", PASSING);
    let v = json(&at(
        dir,
        &["readiness", "--playbook", "jewelry", "--format", "json"],
    ));
    let grid = &v["playbooks"][0]["grid"];
    let rows = grid["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{v}");
    // Every attempt is today's: each cell is the plain average of the store's points.
    let c = rusqlite::Connection::open(dir.join("p.db")).expect("open");
    let criteria = grid["criteria"].as_array().expect("criteria");
    let mut checked = 0;
    for row in rows {
        let cells = row["cells"].as_array().expect("cells");
        for (criterion, cell) in criteria.iter().zip(cells).filter(|(_, c)| !c.is_null()) {
            let want: f64 = c
                .query_row(
                    "SELECT AVG(COALESCE(ac.overridden, ac.points)) FROM attempt_criteria ac
                     JOIN trainees t ON t.id = ac.trainee_id
                     WHERE t.name = ?1 AND ac.playbook_id = 'jewelry' AND ac.criterion_id = ?2",
                    [
                        row["trainee"].as_str().unwrap_or_default(),
                        criterion.as_str().unwrap_or_default(),
                    ],
                    |r| r.get(0),
                )
                .expect("average");
            let got = cell["proficiency"].as_f64().expect("a number");
            assert!((got - want).abs() < 1e-9, "{cell}: {got} vs {want}");
            checked += 1;
        }
    }
    assert!(checked >= 4, "{v}");
    // One attempt is too little for a tier; two give one.
    let li = rows.iter().find(|r| r["trainee"] == "李四").expect("李四");
    assert_eq!(li["tier"], "too_little");
    let zhang = rows.iter().find(|r| r["trainee"] == "张三").expect("张三");
    assert_ne!(zhang["tier"], "too_little");
    // An unknown playbook is named as such.
    let r = at(dir, &["readiness", "--playbook", "jewelery"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("did you mean 'jewelry'"), "{}", r.stderr);
}

/// The jewelry playbook with certification rules appended (`rules` is the YAML block's body).
fn playbooks_with_certification(dir: &Path, rules: &str) {
    let src =
        std::fs::read_to_string(common::repo().join("playbooks/02_jewelry.yaml")).expect("jewelry");
    std::fs::create_dir_all(dir.join("pb")).expect("dir");
    std::fs::write(
        dir.join("pb/02_jewelry.yaml"),
        format!("{src}certification:\n{rules}"),
    )
    .expect("write");
    let locales = common::repo().join("playbooks/02_jewelry.yaml.locales.json");
    std::fs::copy(locales, dir.join("pb/02_jewelry.yaml.locales.json")).expect("copy");
}

fn certificate(dir: &Path, trainee: &str) -> Value {
    let v = json(&at(
        dir,
        &[
            "certificates",
            "--trainee",
            trainee,
            "--playbook",
            "jewelry",
            "--format",
            "json",
        ],
    ));
    v["certificates"][0].clone()
}

#[test]
fn a_certificate_follows_its_rules_sign_off_review_and_expiry() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    playbooks_with_certification(
        dir,
        "  scenarios: [browsing-to-tryon]\n  minimums: [{ criterion: try_on, points: 60 }]\n  sign_off: true\n  expires_after_days: 30\n",
    );
    practise(dir, "张三", FAILING);
    let c = certificate(dir, "张三");
    assert_eq!(c["status"], "missing", "{c}");
    assert_eq!(c["missing"][0]["need"], "pass", "{c}");
    // A sign-off of what is not earned is refused, nothing stored.
    let r = at(
        dir,
        &[
            "certificates",
            "--trainee",
            "张三",
            "--playbook",
            "jewelry",
            "--sign-off",
        ],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("only an earned certificate can be signed off"),
        "{}",
        r.stderr
    );

    let passed = practise(dir, "张三", PASSING);
    let c = certificate(dir, "张三");
    assert_eq!(c["status"], "awaiting_sign_off", "{c}");
    assert_eq!(c["missing"][0]["need"], "sign_off", "{c}");
    let r = at(
        dir,
        &[
            "certificates",
            "--trainee",
            "张三",
            "--playbook",
            "jewelry",
            "--sign-off",
            "--by",
            "王经理",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let c = certificate(dir, "张三");
    assert_eq!(c["status"], "certified", "{c}");
    assert_eq!(c["signed_by"], "王经理", "{c}");
    assert!(c["expires"].is_string(), "{c}");

    // A review that takes the pass away revokes it, with the reason kept.
    let r = at(
        dir,
        &[
            "review",
            &passed,
            "--override",
            "attention=0",
            "--reviewer",
            "王经理",
        ],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = json(&at(dir, &["attempt", &passed, "--format", "json"]));
    assert_eq!(v["attempt"]["passed"], false, "the override fails it: {v}");
    let c = certificate(dir, "张三");
    assert_eq!(c["status"], "revoked", "{c}");
    let reason = c["reason"].as_str().unwrap_or_default();
    assert!(reason.contains(&passed[..8]), "{c}");
    assert_eq!(c["by"], "王经理", "{c}");
}

#[test]
fn an_expired_certificate_gets_recertification_assigned_once() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    playbooks_with_certification(
        dir,
        "  scenarios: [browsing-to-tryon]\n  expires_after_days: 30\n",
    );
    let a = practise(dir, "张三", PASSING);
    // Played forty days ago: its certificate lasted thirty.
    {
        let c = rusqlite::Connection::open(dir.join("p.db")).expect("open");
        let old = (chrono::Utc::now() - chrono::Duration::days(40))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        c.execute(
            "UPDATE attempts SET started_at = ?1, ended_at = ?1 WHERE id = ?2",
            [&old, &a],
        )
        .expect("backdate");
    }
    let v = json(&at(dir, &["certificates", "--format", "json"]));
    assert_eq!(v["certificates"][0]["status"], "expired", "{v}");
    assert_eq!(v["recertification_assigned"][0]["trainee"], "张三", "{v}");
    let v = json(&at(dir, &["assignments", "--format", "json"]));
    let list = v["assignments"].as_array().expect("assignments");
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["playbook"], "jewelry");
    // Asked again: already assigned, nothing more.
    let v = json(&at(dir, &["certificates", "--format", "json"]));
    assert_eq!(
        v["recertification_assigned"].as_array().map(Vec::len),
        Some(0),
        "{v}"
    );
    let v = json(&at(dir, &["assignments", "--format", "json"]));
    assert_eq!(v["assignments"].as_array().map(Vec::len), Some(1));
}

#[test]
fn certification_rules_are_checked_with_their_place() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    for (rules, said) in [
        (
            "  scenarios: [browsing-to-tryn]\n",
            "unknown scenario 'browsing-to-tryn'",
        ),
        (
            "  minimums: [{ criterion: tryon, points: 60 }]\n",
            "unknown criterion 'tryon'",
        ),
        (
            "  minimums: [{ criterion: try_on, points: 150 }]\n",
            "minimum of 150 points",
        ),
        ("  expires_after_days: 0\n", "expires after 0 days"),
        ("  expires_after_days: 36500\n", "expires after 36500 days"),
    ] {
        playbooks_with_certification(dir, rules);
        let r = salesdojo(dir, &["validate", "pb"]);
        assert_ne!(r.code, 0, "{rules}");
        let out = format!("{}{}", r.stdout, r.stderr);
        assert!(out.contains(said), "{rules}: {out}");
        // Positioned: file:line:col, on the certification block's lines.
        let lines = std::fs::read_to_string(dir.join("pb/02_jewelry.yaml"))
            .expect("read")
            .lines()
            .count();
        let line = out
            .lines()
            .find(|l| l.contains(said))
            .and_then(|l| l.split("02_jewelry.yaml:").nth(1))
            .and_then(|rest| rest.split(':').next())
            .and_then(|n| n.parse::<usize>().ok());
        assert!(
            line.is_some_and(|n| n + 2 >= lines),
            "{rules}: no position near the end ({lines} lines): {out}"
        );
    }
}
