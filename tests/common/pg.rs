//! A throw-away PostgreSQL cluster for team-mode tests: `initdb` and `pg_ctl` (Debian's
//! server binaries) in a temporary folder, on a loopback port, as the `postgres` user when
//! the tests run as root. Stopped (immediately) when dropped, whatever the test did.
//!
//! Where the binaries are missing, [`Cluster::start`] says loudly that the test was skipped
//! and how to install them, and returns `None`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-secret";
pub const DB: &str = "salesdojo";

pub struct Cluster {
    pub dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

/// The newest Debian server binaries, or the ones on PATH.
fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p).find(|d| d.join("initdb").exists() && d.join("pg_ctl").exists())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Prints the skip notice for a test that needs PostgreSQL (a failure where
/// `SALESDOJO_REQUIRE_POSTGRES` is set, as CI sets it).
pub fn skipped(test: &str, why: &str) {
    // (This file is shared with the team bench, so it does not use `common::skip`; the same
    // switch, `SALESDOJO_CI`, and the same list of skips.)
    let must = std::env::var_os("SALESDOJO_CI").is_some_and(|v| !v.is_empty() && v != "0");
    assert!(
        std::env::var_os("SALESDOJO_REQUIRE_POSTGRES").is_none() && !must,
        "{test}: {why}, and SALESDOJO_CI (or SALESDOJO_REQUIRE_POSTGRES) is set"
    );
    eprintln!(
        "\n!!! SKIPPED {test}: {why}.\n!!! Team-mode tests need PostgreSQL's server binaries: \
         `sudo apt-get install postgresql` (Debian/Ubuntu; CI installs it). Nothing was tested here.\n"
    );
    use std::io::Write;
    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skips.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        let _ = writeln!(f, "{test}: {why} (apt-get install postgresql)");
    }
}

impl Cluster {
    /// A new cluster with an admin login (`admin`, password [`ADMIN_PASSWORD`]) and an empty
    /// database [`DB`]; `None` (after a loud notice) when PostgreSQL is not installed.
    pub fn start(test: &str) -> Option<Cluster> {
        let Some(bin) = find_bin() else {
            skipped(test, "initdb and pg_ctl were not found");
            return None;
        };
        let as_postgres = is_root();
        if as_postgres
            && !Command::new("id")
                .arg("postgres")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        {
            skipped(
                test,
                "running as root and there is no `postgres` user to run the server",
            );
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("salesdojo-pg-")
            .tempdir()
            .expect("a temporary folder");
        if as_postgres {
            chown_postgres(dir.path());
        }
        let pw = dir.path().join("pw");
        std::fs::write(&pw, ADMIN_PASSWORD).expect("write the password file");
        if as_postgres {
            chown_postgres(&pw);
        }
        let mut cluster = Cluster {
            dir,
            bin,
            port: 0,
            as_postgres,
        };
        let data = cluster.data();
        let out = cluster
            .tool("initdb")
            .args(["-D", &data, "-A", "scram-sha-256", "-U", ADMIN, "--no-sync"])
            .arg(format!("--pwfile={}", pw.display()))
            .args(["-E", "UTF8", "--locale=C"])
            .output()
            .expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::write(
            cluster.dir.path().join("data/postgresql.auto.conf"),
            "fsync = off\nsynchronous_commit = on\nfull_page_writes = off\nmax_connections = 300\nwal_level = replica\nmax_wal_senders = 4\n",
        )
        .expect("write the server settings");
        for attempt in 0..5 {
            cluster.port = free_port();
            if cluster.pg_ctl_start() {
                break;
            }
            assert!(attempt < 4, "the server did not start: {}", cluster.log());
        }
        let mut admin = cluster.admin("postgres");
        admin
            .batch_execute(&format!("CREATE DATABASE {DB}"))
            .expect("create the database");
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// A server binary, run as the `postgres` user when the tests run as root.
    pub fn tool(&self, name: &str) -> Command {
        let exe = self.bin.join(name);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn pg_ctl_start(&self) -> bool {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        self.tool("pg_ctl")
            .args(["-D", &self.data(), "-o", &opts, "-l"])
            .arg(self.dir.path().join("log"))
            .args(["-w", "-t", "30", "start"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Starts the server again (after [`Cluster::stop_immediately`]) on the same port.
    pub fn start_again(&self) {
        assert!(self.pg_ctl_start(), "restart failed: {}", self.log());
    }

    /// Stops the server the hard way: no checkpoint, connections cut (a crash, as far as
    /// clients can tell).
    pub fn stop_immediately(&self) {
        let _ = self
            .tool("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// Reloads the server's configuration files.
    pub fn reload(&self) {
        let _ = self
            .tool("pg_ctl")
            .args(["-D", &self.data(), "reload"])
            .stdout(Stdio::null())
            .status();
        std::thread::sleep(std::time::Duration::from_millis(300));
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn url(&self, user: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{DB}", self.port)
    }

    pub fn admin_url(&self) -> String {
        self.url(ADMIN)
    }

    /// A plain `postgres` client connection (not through salesdojo).
    pub fn connect(&self, user: &str, password: &str) -> Result<postgres::Client, postgres::Error> {
        postgres::Config::new()
            .host("127.0.0.1")
            .port(self.port)
            .dbname(DB)
            .user(user)
            .password(password)
            .connect(postgres::NoTls)
    }

    /// The admin, over the server's Unix socket (so it still connects when TCP demands TLS).
    pub fn admin(&self, db: &str) -> postgres::Client {
        postgres::Config::new()
            .host_path(self.dir.path())
            .port(self.port)
            .dbname(db)
            .user(ADMIN)
            .password(ADMIN_PASSWORD)
            .connect(postgres::NoTls)
            .expect("the admin connects")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop_immediately();
    }
}

pub fn chown_postgres(p: &Path) {
    let status = Command::new("chown")
        .args(["postgres:postgres"])
        .arg(p)
        .status()
        .expect("chown runs");
    assert!(status.success());
}
