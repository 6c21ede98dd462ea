//! Crash safety with real processes: `kill -9` mid-burst, two writers at once, a database
//! held by another program past the busy timeout, and a full disk.
// Tests open raw SQLite connections to inspect the file: opening through SQLite is safe
// (only a descriptor opened outside SQLite drops its locks; see src/store/db.rs).
#![allow(clippy::disallowed_methods)]

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use common::at_db as salesdojo;

fn burst(db: &Path, count: u32, trainee: &str) -> Child {
    salesdojo(
        db,
        &["burst", "--count", &count.to_string(), "--trainee", trainee],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("starts")
}

/// Rounds of the crash loop: 20 by default (CI), more with SALESDOJO_CRASH_ROUNDS.
fn rounds() -> usize {
    std::env::var("SALESDOJO_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

#[test]
fn kill_9_mid_burst_loses_no_acknowledged_reply() {
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("crash.db");
    let mut acked: HashSet<String> = HashSet::new();
    let mut lost = 0;
    for round in 0..rounds() {
        let mut child = burst(&db, 100_000, "crash");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        // Let it write a varying number of replies, then kill it without warning.
        let target = 5 + (round * 37) % 120;
        let mut n = 0;
        while n < target {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(id) = line.strip_prefix("ack ") {
                        acked.insert(id.to_owned());
                        n += 1;
                    }
                }
                _ => break,
            }
        }
        let _ = Command::new("kill")
            .args(["-9", &child.id().to_string()])
            .status();
        // Acks printed before the kill landed count too.
        for line in lines.map_while(Result::ok) {
            if let Some(id) = line.strip_prefix("ack ") {
                acked.insert(id.to_owned());
            }
        }
        let _ = child.wait();
        let c = Connection::open(&db).expect("reopens");
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(check, "ok", "round {round}");
        let present: HashSet<String> = c
            .prepare("SELECT id FROM replies")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("ids");
        lost += acked.iter().filter(|id| !present.contains(*id)).count();
    }
    assert!(acked.len() > rounds() * 5, "{} acknowledged", acked.len());
    assert_eq!(lost, 0, "acknowledged replies lost");
    eprintln!(
        "crash loop: {} rounds, {} acknowledged replies, {lost} lost",
        rounds(),
        acked.len()
    );
}

#[test]
fn two_processes_writing_at_once_both_succeed() {
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("both.db");
    // Create the database first, so both writers only append.
    assert!(
        salesdojo(&db, &["burst", "--count", "1", "--trainee", "init"])
            .output()
            .expect("runs")
            .status
            .success()
    );
    let a = burst(&db, 300, "a");
    let b = burst(&db, 300, "b");
    let (oa, ob) = (
        a.wait_with_output().expect("a"),
        b.wait_with_output().expect("b"),
    );
    assert!(
        oa.status.success(),
        "{}",
        String::from_utf8_lossy(&oa.stderr)
    );
    assert!(
        ob.status.success(),
        "{}",
        String::from_utf8_lossy(&ob.stderr)
    );
    let c = Connection::open(&db).expect("open");
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM replies", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 601);
}

#[test]
fn a_database_held_past_the_busy_timeout_gives_a_clear_message_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("held.db");
    assert!(
        salesdojo(&db, &["burst", "--count", "3"])
            .output()
            .expect("runs")
            .status
            .success()
    );
    let holder = Connection::open(&db).expect("open");
    holder
        .execute_batch("PRAGMA journal_mode = WAL; BEGIN EXCLUSIVE;")
        .expect("lock");
    let start = Instant::now();
    let out = salesdojo(&db, &["burst", "--count", "1"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the database is busy: another program held it for more than 5 s; nothing was lost, try again"), "{err}");
    assert!(start.elapsed() >= Duration::from_secs(4));
    holder.execute_batch("ROLLBACK;").expect("release");
    drop(holder);
    assert!(
        salesdojo(&db, &["burst", "--count", "1"])
            .output()
            .expect("runs")
            .status
            .success()
    );
    let c = Connection::open(&db).expect("open");
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM replies", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 4, "the three earlier replies and the retry");
}

/// A full disk: a 2 MiB tmpfs filled to 88 KiB free (needs root to mount; CI runs as root and must run it).
#[test]
fn a_full_disk_reports_the_reply_as_not_saved_and_keeps_it_for_retry() {
    let dir = tempfile::tempdir().expect("temp");
    let mnt = dir.path().join("mnt");
    std::fs::create_dir_all(&mnt).expect("mkdir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        common::skip(
            "a_full_disk_reports_the_reply_as_not_saved_and_keeps_it_for_retry",
            "a 2 MB tmpfs could not be mounted (it needs root)",
            "run the tests as root, as CI does",
        );
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(&mnt);
    let db = mnt.join("p.db");
    assert!(
        salesdojo(&db, &["burst", "--count", "1"])
            .output()
            .expect("runs")
            .status
            .success()
    );
    // Fill the disk, leaving room to open and start an attempt but not to save a reply.
    let free_kb = |p: &Path| -> u64 {
        let out = Command::new("df").arg("-k").arg(p).output().expect("df");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.split_whitespace().nth(3))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let fill = mnt.join("fill");
    std::fs::write(
        &fill,
        vec![0u8; ((free_kb(&mnt).saturating_sub(88)) * 1024) as usize],
    )
    .expect("fill");

    let mut child = salesdojo(
        &db,
        &[
            "practice",
            "seven-step",
            "--scenario",
            "inbound-lead",
            "--trainee",
            "t",
        ],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .expect("starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let read_until = |out: &mut BufReader<std::process::ChildStdout>, want: &str| -> String {
        let mut seen = String::new();
        let mut buf = Vec::new();
        while !seen.contains(want) {
            buf.clear();
            // Prompts end without a newline; read up to the next '>' or newline.
            let n = out.read_until(b'>', &mut buf).expect("reads");
            assert!(n > 0, "ended before {want:?}: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf));
        }
        seen
    };
    stdin.write_all("2\n".as_bytes()).expect("write");
    let seen = read_until(&mut out, "未保存");
    assert!(seen.contains("the disk is full"), "{seen}");
    assert!(
        !seen.contains("得分"),
        "no feedback before the reply is saved"
    );
    // Free space, then retry: the same reply is saved and its feedback shown.
    std::fs::remove_file(&fill).expect("free");
    stdin.write_all(b"\n").expect("retry");
    let seen = read_until(&mut out, "得分");
    assert!(seen.contains("得分 95/100"), "{seen}");
    stdin.write_all(b"q\n").expect("quit");
    drop(stdin);
    assert!(child.wait().expect("ends").success());
    let c = Connection::open(&db).expect("open");
    let n: i64 = c.query_row("SELECT COUNT(*) FROM replies r JOIN attempts a ON a.id = r.attempt_id WHERE a.scenario_id = 'inbound-lead' AND r.turn_id = 'opening'", [], |r| r.get(0)).expect("count");
    assert_eq!(n, 1, "saved once after the retry");
    let check: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("check");
    assert_eq!(check, "ok");
}
