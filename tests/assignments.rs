//! Assignments as a manager and a trainee use them from the terminal: assign, practise, see
//! where everyone stands, the funnel and who is behind; bad requests refused with nothing
//! stored; the same thing assigned twice at once stored once.

mod common;

use std::path::Path;

use common::{Run, salesdojo, salesdojo_stdin};
use serde_json::Value;

const PASSING: &str =
    "2\n您眼光真好，这款的设计灵感来自海浪。\n?\n价格您放心，您先试戴一下感受看看？\n1\n";
const FAILING: &str = "1\n不知道。\n1\n不知道。\n1\n不知道。\n1\n";

fn at(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--db", "p.db"];
    all.extend_from_slice(args);
    salesdojo(dir, &all)
}

fn json(r: &Run) -> Value {
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).expect("JSON")
}

/// A day `days` from today, where the tests run.
fn day(days: i64) -> String {
    (chrono::Local::now().date_naive() + chrono::Duration::days(days)).to_string()
}

/// A log with trainees of two teams (and history from before any assignment).
fn log_with_trainees(dir: &Path) -> Vec<(String, String)> {
    let r = at(
        dir,
        &[
            "demo-data",
            "--trainees",
            "20",
            "--days",
            "1",
            "--seed",
            "3",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&at(dir, &["report", "--format", "json"]));
    let mut people: Vec<(String, String)> = v["leaderboard"]
        .as_array()
        .expect("leaderboard")
        .iter()
        .map(|l| {
            (
                l["trainee"].as_str().unwrap_or_default().to_owned(),
                l["team"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    people.sort();
    people
}

fn standings(dir: &Path) -> Value {
    json(&at(dir, &["assignments", "--format", "json"]))
}

fn status_of(v: &Value, trainee: &str, what: &str) -> String {
    let ids: Vec<&str> = v["assignments"]
        .as_array()
        .expect("assignments")
        .iter()
        .filter(|a| {
            let w = match a["scenario"].as_str() {
                Some(s) => format!("{}/{s}", a["playbook"].as_str().unwrap_or_default()),
                None => a["playbook"].as_str().unwrap_or_default().to_owned(),
            };
            w == what
        })
        .map(|a| a["id"].as_str().unwrap_or_default())
        .collect();
    v["standings"]
        .as_array()
        .expect("standings")
        .iter()
        .find(|s| {
            s["trainee"]["name"] == trainee && ids.contains(&s["assignment"].as_str().unwrap_or(""))
        })
        .map(|s| {
            s["status"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_else(|| panic!("{trainee} has no standing on {what}: {v}"))
}

#[test]
fn a_manager_assigns_trainees_practise_and_the_statuses_follow_the_log() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let people = log_with_trainees(dir);
    // The team with the most members, and two of them.
    let a_team = people
        .iter()
        .map(|(_, t)| t.clone())
        .max_by_key(|t| people.iter().filter(|(_, u)| u == t).count())
        .expect("a team");
    let a_name = people
        .iter()
        .find(|(_, t)| *t == a_team)
        .map(|(n, _)| n.clone())
        .expect("a member");
    let b = people
        .iter()
        .find(|(n, t)| *t == a_team && *n != a_name)
        .cloned();
    assert!(b.is_some(), "two in one team: {people:?}");
    // The team's assignment reaches each of its members.
    let r = at(
        dir,
        &[
            "assign",
            "jewelry/browsing-to-tryon",
            "--team",
            &a_team,
            "--due",
            &day(7),
            "--retake-after",
            "2",
            "--retakes",
            "1",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("assigned ("), "{}", r.stdout);
    let v = standings(dir);
    let members = people.iter().filter(|(_, t)| *t == a_team).count();
    assert_eq!(v["standings"].as_array().map(Vec::len), Some(members));
    // History from before the assignment does not count.
    assert_eq!(
        status_of(&v, &a_name, "jewelry/browsing-to-tryon"),
        "assigned"
    );

    // With no playbook, practice starts what is assigned.
    let r = salesdojo_stdin(
        dir,
        &[
            "--db",
            "p.db",
            "practice",
            "--trainee",
            &a_name,
            "--team",
            &a_team,
        ],
        PASSING,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Assigned to you:"), "{}", r.stdout);
    assert!(r.stdout.contains("从浏览到试戴"), "{}", r.stdout);
    assert_eq!(
        status_of(&standings(dir), &a_name, "jewelry/browsing-to-tryon"),
        "passed"
    );

    // A reply below the mark: failed, with the retake due two days later and one left.
    if let Some((b_name, _)) = &b {
        let r = salesdojo_stdin(
            dir,
            &[
                "--db",
                "p.db",
                "practice",
                "jewelry",
                "--scenario",
                "browsing-to-tryon",
                "--trainee",
                b_name,
                "--team",
                &a_team,
            ],
            FAILING,
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v = standings(dir);
        assert_eq!(status_of(&v, b_name, "jewelry/browsing-to-tryon"), "failed");
        let s = v["standings"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["trainee"]["name"] == b_name.as_str()))
            .cloned()
            .unwrap_or_default();
        assert_eq!(s["status"]["retake_on"], day(2), "{s}");
        assert_eq!(s["status"]["retakes_left"], 1, "{s}");
        // The list says what to practise first.
        let r = at(dir, &["assignments", "--trainee", b_name]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("practise first: "), "{}", r.stdout);
        assert!(r.stdout.contains("retake from"), "{}", r.stdout);
    }

    // The funnel's numbers are the standings' counts.
    let v = standings(dir);
    let r = at(dir, &["report", "--assignments", "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "assignment,what,who,due,assigned,not_started,in_progress,passed,overdue,failed"
    );
    let row: Vec<&str> = lines[1].split(',').collect();
    let count = |status: &str| {
        v["standings"]
            .as_array()
            .map_or(0, |a| {
                a.iter().filter(|s| s["status"]["status"] == status).count()
            })
            .to_string()
    };
    assert_eq!(row[4], members.to_string());
    assert_eq!(row[5], count("assigned"));
    assert_eq!(
        row[6],
        (count("started").parse::<usize>().unwrap_or(0)
            + count("failed").parse::<usize>().unwrap_or(0))
        .to_string()
    );
    assert_eq!(row[7], count("passed"));
    assert_eq!(row[7], "1");

    let r = at(dir, &["report", "--assignments"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for part in [
        "By assignment",
        "By team",
        "Who is behind",
        "Nobody is overdue.",
    ] {
        assert!(r.stdout.contains(part), "{part}: {}", r.stdout);
    }
}

#[test]
fn bad_requests_are_refused_and_nothing_is_stored() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let people = log_with_trainees(dir);
    let name = people[0].0.as_str();
    let due = day(3);
    let cases: [(&[&str], &str); 7] = [
        (
            &[
                "assign",
                "jewelry",
                "--trainee",
                name,
                "--due",
                "2020-01-01",
            ],
            "is in the past",
        ),
        (
            &["assign", "jewelry/nope", "--trainee", name, "--due", &due],
            "unknown scenario 'nope' in playbook 'jewelry' (known: browsing-to-tryon",
        ),
        (
            &["assign", "nope", "--trainee", name, "--due", &due],
            "unknown playbook 'nope'",
        ),
        (
            &["assign", "jewelry", "--trainee", "nobody", "--due", &due],
            "unknown trainee 'nobody'",
        ),
        (
            &["assign", "jewelry", "--team", "nowhere", "--due", &due],
            "unknown team 'nowhere'",
        ),
        (
            &[
                "assign",
                "jewelry",
                "--trainee",
                name,
                "--due",
                &due,
                "--pass-mark",
                "101",
            ],
            "pass mark 101 is outside 0–100",
        ),
        (
            &[
                "assign",
                "jewelry",
                "--trainee",
                name,
                "--due",
                &due,
                "--pass-mark",
                "-5",
            ],
            "pass mark -5 is outside 0–100",
        ),
    ];
    for (args, says) in cases {
        let r = at(dir, args);
        assert_ne!(r.code, 0, "{args:?} was accepted");
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
    // A live checklist is not practised, so it is not assigned.
    let r = at(
        dir,
        &[
            "assign",
            "property-showing",
            "--trainee",
            name,
            "--due",
            &due,
        ],
    );
    assert_ne!(r.code, 0);
    let r = at(dir, &["assign", "jewelry", "--due", &due]);
    assert_ne!(r.code, 0, "who is required");
    let r = at(
        dir,
        &["assign", "jewelry", "--trainee", name, "--due", "12/24"],
    );
    assert!(r.stderr.contains("is not a date like"), "{}", r.stderr);
    let v = standings(dir);
    assert_eq!(v["assignments"].as_array().map(Vec::len), Some(0), "{v}");
    let r = at(dir, &["report", "--assignments"]);
    assert!(
        r.stdout.contains("Nothing is assigned yet."),
        "{}",
        r.stdout
    );
}

#[test]
fn the_same_thing_assigned_twice_at_once_is_stored_once() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let people = log_with_trainees(dir);
    let team = people[0].1.clone();
    let due = day(5);
    let runs: Vec<std::thread::JoinHandle<Run>> = (0..2)
        .map(|_| {
            let dir = dir.to_path_buf();
            let (team, due) = (team.clone(), due.clone());
            std::thread::spawn(move || {
                at(
                    &dir,
                    &["assign", "objections", "--team", &team, "--due", &due],
                )
            })
        })
        .collect();
    let results: Vec<Run> = runs.into_iter().filter_map(|h| h.join().ok()).collect();
    assert_eq!(results.len(), 2);
    let ok = results.iter().filter(|r| r.code == 0).count();
    assert_eq!(
        ok,
        1,
        "{:?}",
        results.iter().map(|r| &r.stderr).collect::<Vec<_>>()
    );
    let refused = results
        .iter()
        .find(|r| r.code != 0)
        .map(|r| r.stderr.clone());
    assert!(
        refused.is_some_and(|e| e.contains("already assigned")),
        "the second is told"
    );
    let v = standings(dir);
    assert_eq!(v["assignments"].as_array().map(Vec::len), Some(1), "{v}");
}

#[test]
fn practice_with_nothing_assigned_says_so() {
    let d = tempfile::tempdir().expect("temp");
    let dir = d.path();
    let people = log_with_trainees(dir);
    let r = salesdojo_stdin(
        dir,
        &["--db", "p.db", "practice", "--trainee", &people[0].0],
        "",
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("nothing to practise is assigned"),
        "{}",
        r.stderr
    );
    let r = salesdojo_stdin(dir, &["--db", "p.db", "practice"], "");
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("give a playbook"), "{}", r.stderr);
}
