//! Running the real `salesdojo` binary from integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
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
    let mut child = cmd.spawn().expect("the salesdojo binary starts");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("can poll the child").is_some() {
            break;
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("salesdojo {args:?} did not finish within {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("output is readable");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
