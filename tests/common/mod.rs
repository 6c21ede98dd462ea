//! Running the real `salesdojo` binary from integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest any command may run before the test calls it hung.
const HANG_GUARD: Duration = Duration::from_secs(30);

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `salesdojo ARGS` in `cwd` with no user folder and no environment overrides; fails
/// the test if it does not finish within the hang guard.
pub fn salesdojo(cwd: &Path, args: &[&str]) -> Run {
    salesdojo_with(cwd, args, &[])
}

pub fn salesdojo_with(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_salesdojo"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("SALESDOJO_PLAYBOOKS")
        .env_remove("SALESDOJO_DB")
        // Keep the per-user data folder out of the way.
        .env("XDG_DATA_HOME", cwd.join(".no-such-data-home"))
        .env("HOME", cwd.join(".no-such-home"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("the salesdojo binary starts");
    finish(child, args)
}

/// Waits for the child, reading its output as it comes (a full pipe would stop it), and fails
/// the test if it runs past the hang guard.
fn finish(mut child: std::process::Child, args: &[&str]) -> Run {
    use std::io::Read;
    let pipe = |p: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = p {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = pipe(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = pipe(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("can poll the child") {
            break status;
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("salesdojo {args:?} did not finish within {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let (stdout, stderr) = (
        out.join().expect("stdout reader"),
        err.join().expect("stderr reader"),
    );
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Runs `salesdojo ARGS` in `cwd` with `input` on standard input (piped, as a script would).
pub fn salesdojo_stdin(cwd: &Path, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_salesdojo"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SALESDOJO_PLAYBOOKS")
        .env_remove("SALESDOJO_DB")
        .env("XDG_DATA_HOME", cwd.join(".no-such-data-home"))
        .env("HOME", cwd.join(".no-such-home"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the salesdojo binary starts");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    finish(child, args)
}

/// `salesdojo --db DB ARGS` as a command to spawn (for tests that drive the process: kill it,
/// feed it, read it as it goes), with a data folder of its own beside the database.
pub fn at_db(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_salesdojo"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SALESDOJO_PLAYBOOKS")
        .env_remove("SALESDOJO_DB")
        .env("XDG_DATA_HOME", db.with_extension("data"));
    c
}
pub mod pg;

/// Whether every test that depends on this machine must run here: `.ci/run` sets
/// `SALESDOJO_CI=1`, and then a missing tool (PostgreSQL, sqlite3, openssl, a tmpfs mount, the
/// shared graded sets) fails the test that needs it instead of skipping it.
pub fn must_run() -> bool {
    std::env::var_os("SALESDOJO_CI").is_some_and(|v| !v.is_empty() && v != "0")
}

/// A test, or a part of one, that cannot run on this machine: a failure where it must run
/// ([`must_run`]); elsewhere a notice and a line in this run's list of skips, which
/// `tests/zz_skips.rs` prints at the end of `cargo test`, where a person sees it.
pub fn skip(what: &str, why: &str, install: &str) {
    assert!(
        !must_run(),
        "{what}: {why}, and SALESDOJO_CI is set, so it must run here: {install}"
    );
    eprintln!("\n!!! SKIPPED {what}: {why} ({install}).\n");
    note_skip(&format!("{what}: {why} ({install})"));
}

/// Appends a line to this run's list of skips (`target/tmp/skips.txt`).
pub fn note_skip(line: &str) {
    use std::io::Write;
    let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skips.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        let _ = writeln!(f, "{line}");
    }
}
