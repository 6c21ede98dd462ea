//! Every override is a grade (#28): `salesdojo calibrate --from-reviews` reads the criteria
//! reviewers overrode beside what the scorer gave them, and reports agreement per playbook,
//! per criterion and per month. (The same on the team server: tests/postgres_team.rs.)
// The test reads an attempt id straight from the log it made.
#![allow(clippy::disallowed_methods)]

mod common;

use common::{repo, salesdojo};
use serde_json::Value;

#[test]
fn overrides_in_the_log_are_graded_examples() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("demo.db");
    let db = db.to_str().expect("path");
    // A demo history: managers override about one attempt in thirty.
    let r = salesdojo(
        &repo(),
        &["--db", db, "demo-data", "--trainees", "12", "--days", "30"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let reviews: usize = r
        .stdout
        .split(" reviews with an override")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a count of reviews");
    assert!(reviews > 0, "{}", r.stdout);
    let json = |args: &[&str]| -> Value {
        let r = salesdojo(
            &repo(),
            &[
                &[
                    "--db",
                    db,
                    "calibrate",
                    "--from-reviews",
                    "--format",
                    "json",
                ][..],
                args,
            ]
            .concat(),
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str(&r.stdout).expect("JSON")
    };
    let all = json(&[]);
    assert_eq!(all["overall"]["overrides"], reviews, "{all}");
    let mae = all["overall"]["mae"].as_f64().expect("MAE");
    assert!(mae > 0.0 && mae < 50.0, "{all}");
    assert!(
        all["by_playbook"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
    );
    assert!(all["by_month"].as_object().is_some_and(|m| !m.is_empty()));

    // A review written now counts; one written again on the same criterion replaces it.
    let first: String = rusqlite::Connection::open(db)
        .expect("open")
        .query_row(
            // One no demo review touched: its points are the scorer's own.
            "SELECT id FROM attempts WHERE status = 'completed'
             AND id NOT IN (SELECT attempt_id FROM reviews) ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an attempt");
    let detail = salesdojo(
        &repo(),
        &["--db", db, "attempt", &first, "--format", "json"],
    );
    let d: Value = serde_json::from_str(&detail.stdout).expect("JSON");
    let criterion = d["criteria"][0]["criterion"]
        .as_str()
        .expect("a criterion")
        .to_owned();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    // The demo history may hold overrides of its own written today.
    let before = json(&["--since", &today])["overall"]["overrides"]
        .as_u64()
        .unwrap_or(0);
    for points in ["0", "100"] {
        // Reviews are stamped to the second: the later one is later by at least that.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let r = salesdojo(
            &repo(),
            &[
                "--db",
                db,
                "review",
                &first,
                "--override",
                &format!("{criterion}={points}"),
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let since = json(&["--since", &today]);
    assert_eq!(since["overall"]["overrides"], before + 1, "{since}");
    let playbook = d["attempt"]["playbook"]
        .as_str()
        .or_else(|| d["playbook"].as_str())
        .expect("the attempt's playbook");
    let rows = since["by_criterion"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let row = rows
        .iter()
        .find(|r| r[0] == playbook && r[1] == criterion.as_str())
        .unwrap_or_else(|| panic!("{playbook}/{criterion} in {since}"));
    assert_eq!(row[2]["overrides"], 1, "{since}");
    let scored = d["criteria"][0]["points"].as_f64().expect("points");
    let got = row[2]["mae"].as_f64().expect("MAE");
    assert!(
        (got - (100.0 - scored).abs()).abs() < 1e-6,
        "scored {scored}, MAE {got}: {since}\n{}",
        detail.stdout
    );
    // A bad date is a usage error, said plainly.
    let r = salesdojo(
        &repo(),
        &[
            "--db",
            db,
            "calibrate",
            "--from-reviews",
            "--since",
            "last week",
        ],
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("YYYY-MM-DD"), "{}", r.stderr);
}
