//! Whole-history work streams: exporting (CSV, xAPI, NDJSON) and re-scoring a history ten
//! times larger must not take more memory. Each command runs as its own process and its peak
//! resident size is read from the kernel (`wait4`'s `ru_maxrss`); the outputs are checked
//! against the store row by row.
// Tests open raw SQLite connections to build and inspect the file: opening through SQLite is safe.
#![allow(clippy::disallowed_methods)]

use std::path::Path;
use std::process::{Command, Stdio};

use rusqlite::Connection;

/// Runs `salesdojo --db DB ARGS` and returns (exit code, stdout, stderr, peak resident MiB).
fn run_measured(db: &Path, args: &[&str]) -> (i32, String, String, f64) {
    let dir = db.parent().expect("folder");
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let child = Command::new(env!("CARGO_BIN_EXE_salesdojo"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SALESDOJO_PLAYBOOKS")
        .env("XDG_DATA_HOME", dir.join("data"))
        .stdin(Stdio::null())
        // A plain fork, not vfork (a pre-exec hook rules vfork out): a vforked child shares this
        // process's memory, so the kernel would count this process's peak as the child's.
        .pre_exec_fork()
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, not yet waited for; both pointers are valid.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4");
    std::mem::forget(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (
        code,
        std::fs::read_to_string(out).expect("stdout"),
        std::fs::read_to_string(err).expect("stderr"),
        usage.ru_maxrss as f64 / 1024.0,
    )
}

trait ForkSpawn {
    fn pre_exec_fork(&mut self) -> &mut Self;
}

impl ForkSpawn for Command {
    fn pre_exec_fork(&mut self) -> &mut Self {
        use std::os::unix::process::CommandExt;
        // SAFETY: the hook does nothing, so nothing in it can break between fork and exec.
        unsafe { self.pre_exec(|| Ok(())) }
    }
}

/// This process's own peak resident size (VmHWM), MiB.
fn own_peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn count(db: &Path, sql: &str) -> u64 {
    let c = Connection::open(db).expect("opens");
    c.query_row(sql, [], |r| r.get::<_, i64>(0)).expect("count") as u64
}

/// A generated history, then copied `times` over with new ids (the same practice by the same
/// trainees, `k` days later), so that it grows without the generator's run time.
fn history(base: &Path, dest: &Path, times: u32) {
    {
        let c = Connection::open(base).expect("opens");
        c.execute("VACUUM INTO ?1", [dest.to_str().expect("utf-8")])
            .expect("copy");
    }
    let c = Connection::open(dest).expect("opens");
    c.execute_batch("PRAGMA journal_mode = WAL;").expect("wal");
    if times < 2 {
        return;
    }
    let sql = format!(
        "BEGIN;
         CREATE TEMP TABLE k AS WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {copies}) SELECT n FROM k;
         CREATE TEMP TABLE a0 AS SELECT * FROM attempts;
         CREATE TEMP TABLE r0 AS SELECT * FROM replies;
         INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, ended_at, total, passed, status, ending)
             SELECT a.id || '-' || k.n, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode,
                    strftime('%Y-%m-%dT%H:%M:%SZ', started_at, '+' || k.n || ' days'),
                    strftime('%Y-%m-%dT%H:%M:%SZ', ended_at, '+' || k.n || ' days'), total, passed, status, ending
             FROM a0 a, k;
         INSERT INTO replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at)
             SELECT r.id || '-' || k.n, r.attempt_id || '-' || k.n, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, script_error, created_at
             FROM r0 r, k;
         INSERT INTO reply_points (reply_id, criterion_id, points, weight)
             SELECT p.reply_id || '-' || k.n, criterion_id, points, weight FROM reply_points p JOIN r0 ON r0.id = p.reply_id, k;
         INSERT INTO attempt_criteria (attempt_id, criterion_id, points, weight, replies)
             SELECT c.attempt_id || '-' || k.n, criterion_id, points, weight, replies FROM attempt_criteria c JOIN a0 ON a0.id = c.attempt_id, k;
         COMMIT;",
        copies = times - 1
    );
    c.execute_batch(&sql).expect("copies");
}

#[test]
fn exports_and_rescoring_stream_in_memory_that_does_not_grow_with_the_history() {
    let d = tempfile::tempdir().expect("temp");
    let base = d.path().join("base.db");
    let (code, _, err, _) = run_measured(
        &base,
        &[
            "demo-data",
            "--trainees",
            "40",
            "--days",
            "60",
            "--seed",
            "11",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let small = d.path().join("small.db");
    let large = d.path().join("large.db");
    history(&base, &small, 1);
    history(&base, &large, 12);
    let attempts = count(&large, "SELECT COUNT(*) FROM attempts");
    let base_attempts = count(&small, "SELECT COUNT(*) FROM attempts");
    assert_eq!(attempts, base_attempts * 12);
    assert!(attempts >= 20_000, "{attempts} attempts: too few to matter");

    // Measure every command first, then check the outputs: a child's peak as the kernel
    // reports it is at least this process's own peak when it was started (exec keeps the
    // high-water mark of the memory it replaces), so this process must stay small until all
    // are measured.
    // The floor of a measurement: a child that does almost nothing. Were a child's peak this
    // process's (as with vfork), or were the work too small to see, the floor would reach the
    // peaks measured below and growth could not show.
    let (code, _, err, floor) = run_measured(&small, &["--version"]);
    assert_eq!(code, 0, "{err}");
    let mut lines = vec![format!("floor (salesdojo --version): peak {floor:.1} MiB")];
    let mut to_check = Vec::new();
    for (what, args) in [
        ("export xapi", vec!["export", "--format", "xapi", "--out"]),
        (
            "export ndjson",
            vec!["export", "--format", "xapi", "--ndjson", "--out"],
        ),
        ("export csv", vec!["export", "--format", "csv", "--out"]),
        ("rescore", vec!["rescore", "--format", "json"]),
    ] {
        let mut peaks = Vec::new();
        for db in [&small, &large] {
            let out_file = db.with_extension(what.replace(' ', "."));
            let mut args = args.clone();
            let out_str = out_file.to_str().expect("utf-8").to_owned();
            if args.last() == Some(&"--out") {
                args.push(&out_str);
            }
            let (code, stdout, stderr, peak) = run_measured(db, &args);
            assert_eq!(code, 0, "{what}: {stderr}");
            peaks.push(peak);
            if db == &large {
                to_check.push((what, out_file, stdout));
            }
        }
        lines.push(format!(
            "{what}: peak {:.1} MiB for {base_attempts} attempts, {:.1} MiB for {attempts}",
            peaks[0], peaks[1]
        ));
        assert!(
            peaks[0] > floor + 8.0,
            "{what}: its peak ({:.1} MiB) is not its own: a child that does nothing peaks at {floor:.1} MiB",
            peaks[0]
        );
        // Twelve times the history (22 000 attempts more): at most 6 MiB more (buffers, SQLite's
        // page cache); a rescore or export that kept 300 bytes per attempt would add 6.3 MiB.
        assert!(
            peaks[1] - peaks[0] < 6.0,
            "{what}: memory grows with the history: {:.1} → {:.1} MiB",
            peaks[0],
            peaks[1]
        );
    }
    lines.push(format!(
        "(this test process: peak {:.1} MiB while measuring)",
        own_peak_mib()
    ));
    for (what, file, stdout) in to_check {
        check_output(&large, what, &file, &stdout);
    }
    eprintln!("{}", lines.join("\n"));
}

/// Every statement parses and is counted against the store: one per completed attempt and one
/// per reply and criterion; every CSV row is an attempt; re-scoring covers every completed
/// practice attempt.
fn check_output(db: &Path, what: &str, file: &Path, stdout: &str) {
    let completed = count(
        db,
        "SELECT COUNT(*) FROM attempts WHERE status = 'completed'",
    );
    let points = count(db, "SELECT COUNT(*) FROM reply_points");
    let attempts = count(db, "SELECT COUNT(*) FROM attempts");
    match what {
        "export xapi" => {
            // Parsed into a small shape (the whole array as values would take gigabytes).
            #[derive(serde::Deserialize)]
            struct Def {
                #[serde(rename = "type")]
                kind: String,
            }
            #[derive(serde::Deserialize)]
            struct Obj {
                definition: Def,
            }
            #[derive(serde::Deserialize)]
            struct Statement {
                #[allow(dead_code)]
                id: String,
                object: Obj,
            }
            let text = std::fs::read_to_string(file).expect("file");
            let st: Vec<Statement> = serde_json::from_str(&text).expect("one JSON array");
            assert_eq!(st.len() as u64, completed + points);
            let attempt_statements = st
                .iter()
                .filter(|s| s.object.definition.kind.ends_with("simulation"))
                .count() as u64;
            assert_eq!(attempt_statements, completed);
        }
        "export ndjson" => {
            let text = std::fs::read_to_string(file).expect("file");
            let mut n = 0;
            for line in text.lines() {
                let s: serde_json::Value =
                    serde_json::from_str(line).expect("a statement per line");
                assert!(s["id"].is_string() && s["actor"]["account"]["name"].is_string());
                n += 1;
            }
            assert_eq!(n, completed + points);
        }
        "export csv" => {
            let mut r = csv::Reader::from_path(file).expect("csv");
            assert_eq!(r.records().count() as u64, attempts);
        }
        "rescore" => {
            let v: serde_json::Value = serde_json::from_str(stdout).expect("json");
            let practice = count(
                db,
                "SELECT COUNT(*) FROM attempts WHERE status = 'completed' AND mode = 'practice'",
            );
            assert_eq!(
                v["attempts"].as_array().expect("rows").len() as u64,
                practice
            );
            assert_eq!(v["shift"]["attempts"].as_u64(), Some(practice));
            assert_eq!(
                v["shift"]["replies"].as_u64(),
                Some(count(
                    db,
                    "SELECT COUNT(*) FROM replies r JOIN attempts a ON a.id = r.attempt_id WHERE a.status = 'completed' AND a.mode = 'practice'"
                ))
            );
        }
        _ => unreachable!(),
    }
}
