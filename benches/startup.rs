//! Startup and memory of the real binary:
//! - the desktop app from process start to its first frame on screen (`salesdojo gui
//!   --quit-after-first-frame`, which prints `first frame` once the second frame begins);
//!   anchor: `salesdojo --version`, the same process doing nothing;
//! - peak resident memory (`/usr/bin/time -f %M`) of the app with the demo database open and of
//!   `salesdojo test` over the bundled playbooks.
//!
//! Needs a display: run under Xvfb (`xvfb-run -a cargo bench --bench startup`); without one
//! it says so and measures nothing. Files are in the page cache after the first run, so this
//! is a warm-cache start.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

const BIN: &str = env!("CARGO_BIN_EXE_salesdojo");

fn app(db: &Path, home: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--db")
        .arg(db)
        .args(["gui", "--quit-after-first-frame"])
        .env("XDG_DATA_HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env_remove("SALESDOJO_PLAYBOOKS");
    c
}

/// Spawns the app and returns the time until it reports its first frame.
fn first_frame(db: &Path, home: &Path) -> Duration {
    let start = Instant::now();
    let mut child = app(db, home)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{BIN}: {e}"));
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("stderr"));
    let mut took = None;
    let mut seen = Vec::new();
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        if line == "first frame" {
            took = Some(start.elapsed());
        }
        seen.push(line);
    }
    let _ = child.wait();
    took.unwrap_or_else(|| {
        panic!(
            "the app never reported its first frame:\n{}",
            seen.join("\n")
        )
    })
}

/// Peak resident set of `cmd` in KiB, by `/usr/bin/time -f %M`.
fn peak_rss(cmd: &Command) -> Option<u64> {
    let mut timed = Command::new("/usr/bin/time");
    timed.args(["-f", "peak-rss-kib %M"]).arg(cmd.get_program());
    timed.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    let out = timed.output().ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-kib "))
        .and_then(|v| v.trim().parse().ok())
}

fn bench(c: &mut Criterion) {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    let tmp = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/startup");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap_or_else(|e| panic!("{e}"));
    let fresh_db = tmp.join("fresh.db");

    let mut g = c.benchmark_group("startup");
    g.sample_size(20);
    g.bench_function("version_anchor", |b| {
        b.iter(|| {
            Command::new(BIN)
                .arg("--version")
                .output()
                .unwrap_or_else(|e| panic!("{e}"))
        })
    });
    if has_display {
        g.bench_function("app_to_first_frame", |b| {
            b.iter_custom(|n| (0..n).map(|_| first_frame(&fresh_db, &tmp)).sum())
        });
    } else {
        eprintln!("startup: no display; run under xvfb-run to time the app's first frame");
    }
    g.finish();

    if !has_display {
        return;
    }
    let demo = common::demo_db();
    match peak_rss(&app(&demo, &tmp)) {
        Some(k) => eprintln!("startup: peak RSS, app with the demo database open: {k} KiB"),
        None => eprintln!("startup: /usr/bin/time is missing; no peak RSS"),
    }
    let mut test = Command::new(BIN);
    test.args(["test", "playbooks"])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(k) = peak_rss(&test) {
        eprintln!("startup: peak RSS, `salesdojo test playbooks`: {k} KiB");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
