//! Team mode on a real PostgreSQL server, started by each test (`cargo test postgres` runs
//! them all). Access is checked with the plain `postgres` client connected as each role, not
//! through salesdojo.

// The test reads the progress log as another program would (through SQLite).
#![allow(clippy::disallowed_methods)]

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::pg::{ADMIN_PASSWORD, Cluster};

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A machine: its own folder, progress log and password file.
struct Machine {
    dir: PathBuf,
}

impl Machine {
    fn new(root: &Path, name: &str) -> Machine {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("machine folder");
        Machine { dir }
    }

    fn db(&self) -> PathBuf {
        self.dir.join("progress.db")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_salesdojo"));
        c.args(args)
            .current_dir(&self.dir)
            .env_remove("SALESDOJO_PLAYBOOKS")
            .env_remove("PGPASSWORD")
            .env("SALESDOJO_DB", self.db())
            .env("PGPASSFILE", self.dir.join("pgpass"))
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("HOME", &self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)], input: &str) -> Out {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().expect("salesdojo starts");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes());
        }
        let out = child.wait_with_output().expect("salesdojo finishes");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, &[], "")
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert_eq!(o.code, 0, "salesdojo {args:?}: {}{}", o.stdout, o.stderr);
        o.stdout
    }

    /// `team verify` as the verifier login `ver`.
    fn verify(&self, pg: &Cluster, password: &str) -> Out {
        self.run_with(
            &["team", "verify", "--server", &pg.url("ver")],
            &[("PGPASSWORD", password)],
            "",
        )
    }

    /// `team join URL --user LOGIN`, the password on standard input, with `env`.
    fn try_join(&self, url: &str, login: &str, password: &str, env: &[(&str, &str)]) -> Out {
        self.run_with(
            &["team", "join", url, "--user", login, "--password-stdin"],
            env,
            &format!("{password}\n"),
        )
    }

    fn join(&self, pg: &Cluster, login: &str, password: &str) {
        let o = self.try_join(&pg.url(""), login, password, &[]);
        assert_eq!(o.code, 0, "join {login}: {}{}", o.stdout, o.stderr);
        assert!(o.stdout.contains(&format!("as {login}")), "{}", o.stdout);
    }
}

/// The admin's machine: sets the server up and adds people; returns their passwords.
fn set_up(
    pg: &Cluster,
    root: &Path,
    people: &[(&str, &str, &str, &[&str])],
) -> BTreeMap<String, String> {
    let admin = Machine::new(root, "admin");
    let env = [("PGPASSWORD", ADMIN_PASSWORD)];
    let o = admin.run_with(&["team", "init", &pg.admin_url()], &env, "");
    assert_eq!(o.code, 0, "init: {}{}", o.stdout, o.stderr);
    let mut passwords = BTreeMap::new();
    for (login, name, role, teams) in people {
        let mut args = vec![
            "team", "add-user", login, "--name", name, "--role", role, "--server",
        ];
        let url = pg.admin_url();
        args.push(&url);
        for t in *teams {
            args.push("--team");
            args.push(t);
        }
        let o = admin.run_with(&args, &env, "");
        assert_eq!(o.code, 0, "add-user {login}: {}{}", o.stdout, o.stderr);
        let line = o
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{login}\t")))
            .expect("the new login is printed");
        let password = line.rsplit('\t').next().expect("a password").to_owned();
        assert_eq!(password.len(), 20, "{line}");
        passwords.insert(login.to_string(), password);
    }
    passwords
}

const JEWELRY_INPUT: &str =
    "2\n您眼光真好，这款的设计灵感来自海浪。\n价格您放心，您先试戴一下感受看看？\n1\n";

fn practise(m: &Machine, name: &str, team: &str) {
    let o = m.run_with(
        &[
            "practice",
            "jewelry",
            "--scenario",
            "browsing-to-tryon",
            "--trainee",
            name,
            "--team",
            team,
        ],
        &[],
        JEWELRY_INPUT,
    );
    assert_eq!(o.code, 0, "practice: {}{}", o.stdout, o.stderr);
}

/// A team of three — ana (trainee, 一店), ver (verifier), max (manager of 一店) — where ana
/// practised once on her laptop and synced; their passwords and her laptop.
fn one_practice_on_a_team(pg: &Cluster, root: &Path) -> (BTreeMap<String, String>, Machine) {
    let pw = set_up(
        pg,
        root,
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("ver", "核验", "verifier", &[]),
            ("max", "马经理", "manager", &["一店"]),
        ],
    );
    let m = Machine::new(root, "laptop");
    m.join(pg, "ana", &pw["ana"]);
    practise(&m, "安娜", "一店");
    m.ok(&["sync"]);
    (pw, m)
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).expect(sql).get(0)
}

fn denied(r: Result<u64, postgres::Error>) -> bool {
    match r {
        Err(e) => e.as_db_error().is_some_and(|d| {
            d.code().code() == "42501" || d.message().contains("row-level security")
        }),
        Ok(_) => false,
    }
}

#[test]
fn postgres_access_is_enforced_by_the_database() {
    let Some(pg) = Cluster::start("postgres_access_is_enforced_by_the_database") else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(
        &pg,
        root.path(),
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("bo", "博", "trainee", &["一店"]),
            ("cy", "晨阳", "trainee", &["二店"]),
            ("max", "马经理", "manager", &["一店"]),
            ("yan", "严经理", "manager", &["二店"]),
            ("tia", "田老师", "trainer", &[]),
        ],
    );
    for (login, name, team) in [
        ("ana", "安娜", "一店"),
        ("bo", "博", "一店"),
        ("cy", "晨阳", "二店"),
    ] {
        let m = Machine::new(root.path(), login);
        m.join(&pg, login, &pw[login]);
        practise(&m, name, team);
        m.ok(&["sync"]);
    }

    let mut ana = pg.connect("ana", &pw["ana"]).expect("ana signs in");
    assert_eq!(
        count(&mut ana, "SELECT COUNT(*) FROM attempts"),
        1,
        "ana sees only her attempt"
    );
    assert_eq!(
        count(
            &mut ana,
            "SELECT COUNT(DISTINCT a.trainee_id) FROM replies r JOIN attempts a ON a.id = r.attempt_id"
        ),
        1
    );
    assert_eq!(count(&mut ana, "SELECT COUNT(*) FROM trainees"), 1);
    let bo_trainee: String = pg
        .admin("salesdojo")
        .query_one("SELECT id FROM trainees WHERE login = 'bo'", &[])
        .expect("bo's trainee row")
        .get(0);
    // Cannot write for another trainee.
    assert!(denied(ana.execute(
        "INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, status)
         VALUES ('x1', $1, 'jewelry', 1, 'h', 's', 'practice', '2026-01-01T00:00:00Z', 'completed')",
        &[&bo_trainee],
    )), "ana cannot insert an attempt for bo");
    // Cannot change a score, delete a reply, publish content or write a review.
    assert_eq!(
        ana.execute("UPDATE attempts SET total = 100, passed = 1", &[])
            .expect("runs"),
        0,
        "a completed attempt's score cannot be changed"
    );
    assert!(
        denied(ana.execute("UPDATE replies SET score = 100", &[])),
        "replies are never updated"
    );
    assert!(
        denied(ana.execute("DELETE FROM replies", &[])),
        "replies are never deleted"
    );
    assert!(denied(ana.execute("DELETE FROM attempts", &[])));
    assert!(denied(ana.execute(
        "INSERT INTO content (id, version, kind, body, hash) VALUES ('p', 1, 'playbook', 'x', 'h')",
        &[],
    )), "a trainee cannot publish");
    let ana_attempt: String = ana
        .query_one("SELECT id FROM attempts", &[])
        .expect("one")
        .get(0);
    assert!(denied(ana.execute(
        "INSERT INTO reviews (id, attempt_id, at, comment) VALUES ('r0', $1, '2026-01-01T00:00:00Z', 'great')",
        &[&ana_attempt],
    )), "a trainee cannot review");
    assert!(denied(ana.execute(
        "INSERT INTO verifications (attempt_id, status, checked_at) VALUES ($1, 'verified', 'now')",
        &[&ana_attempt],
    )), "a trainee cannot verify her own attempt");
    assert!(denied(ana.execute(
        "INSERT INTO people (login, name, role) VALUES ('ana2', 'x', 'admin')",
        &[]
    )));

    // A manager sees their team, nothing of another.
    let mut max = pg.connect("max", &pw["max"]).expect("max signs in");
    assert_eq!(
        count(&mut max, "SELECT COUNT(*) FROM attempts"),
        2,
        "ana's and bo's"
    );
    assert_eq!(
        count(
            &mut max,
            "SELECT COUNT(*) FROM attempts a JOIN trainees t ON t.id = a.trainee_id WHERE t.login = 'cy'"
        ),
        0
    );
    let mut yan = pg.connect("yan", &pw["yan"]).expect("yan signs in");
    assert_eq!(
        count(&mut yan, "SELECT COUNT(*) FROM attempts"),
        1,
        "only cy's"
    );
    assert_eq!(
        count(
            &mut yan,
            "SELECT COUNT(*) FROM replies r JOIN attempts a ON a.id = r.attempt_id JOIN trainees t ON t.id = a.trainee_id WHERE t.login <> 'cy'"
        ),
        0
    );
    assert!(denied(yan.execute(
        "INSERT INTO reviews (id, attempt_id, at, comment) VALUES ('r1', $1, '2026-01-01T00:00:00Z', 'x')",
        &[&ana_attempt],
    )), "yan cannot review another team's attempt");
    // A forged reviewer is replaced by the manager's login.
    max.execute(
        "INSERT INTO reviews (id, attempt_id, reviewer, at, comment) VALUES ('r2', $1, 'yan', '2026-01-01T00:00:00Z', '很好')",
        &[&ana_attempt],
    )
    .expect("max reviews ana");
    let reviewer: String = max
        .query_one("SELECT reviewer FROM reviews WHERE id = 'r2'", &[])
        .expect("the review")
        .get(0);
    assert_eq!(reviewer, "max");
    // ana reads reviews of her attempts.
    assert_eq!(count(&mut ana, "SELECT COUNT(*) FROM reviews"), 1);

    // A trainer reads aggregates of the playbooks they published, and no attempts.
    let mut tia = pg.connect("tia", &pw["tia"]).expect("tia signs in");
    assert!(
        denied(tia.execute("SELECT 1 FROM attempts", &[])),
        "a trainer reads no attempts"
    );
    tia.execute(
        "INSERT INTO content (id, version, kind, body, hash, published_by) VALUES ('jewelry', 1, 'playbook', 'x', 'h', 'someone')",
        &[],
    )
    .expect("a trainer publishes");
    let by: String = tia
        .query_one("SELECT published_by FROM content", &[])
        .expect("content")
        .get(0);
    assert_eq!(by, "tia");
    assert!(
        denied(tia.execute("UPDATE content SET body = 'y'", &[])),
        "published content is not edited"
    );
    count(&mut tia, "SELECT COUNT(*) FROM playbook_scores");
}

/// A reply as both sides store it: id, attempt, seq, turn, answer, seconds and score (as
/// bits: equal means the same number), result, time.
type Reply = (
    String,
    String,
    i64,
    String,
    String,
    u64,
    u64,
    String,
    String,
);

/// The replies of the whole server, in id order.
fn server_replies(pg: &Cluster) -> Vec<Reply> {
    pg.admin("salesdojo")
        .query(
            "SELECT id, attempt_id, seq, turn_id, answer, seconds, score, result_id, created_at FROM replies ORDER BY id",
            &[],
        )
        .expect("replies")
        .into_iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                i64::from(r.get::<_, i32>(2)),
                r.get(3),
                r.get(4),
                r.get::<_, f64>(5).to_bits(),
                r.get::<_, f64>(6).to_bits(),
                r.get(7),
                r.get(8),
            )
        })
        .collect()
}

#[allow(clippy::disallowed_methods)] // reading the log as another program would
fn local_replies(db: &Path) -> Vec<Reply> {
    let c = rusqlite::Connection::open(db).expect("local log");
    let mut s = c
        .prepare("SELECT id, attempt_id, seq, turn_id, answer, seconds, score, result_id, created_at FROM replies ORDER BY id")
        .expect("query");
    s.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get::<_, f64>(5)?.to_bits(),
            r.get::<_, f64>(6)?.to_bits(),
            r.get(7)?,
            r.get(8)?,
        ))
    })
    .expect("rows")
    .map(|r| r.expect("row"))
    .collect()
}

/// Same rows, by count and content (a short message instead of a thousand rows).
fn same_rows(server: &[Reply], local: &[Reply]) -> bool {
    server.len() == local.len() && server.iter().zip(local).all(|(a, b)| a == b)
}

/// Waits until the server holds at least one reply (a push has begun), or the child ended.
fn wait_for_first_rows(pg: &Cluster, child: &mut std::process::Child) -> i64 {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(mut c) = pg.connect(common::pg::ADMIN, ADMIN_PASSWORD) {
            let n = count(&mut c, "SELECT COUNT(*) FROM replies");
            if n > 0 {
                return n;
            }
        }
        if child.try_wait().ok().flatten().is_some() {
            return -1;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("the push never began");
}

#[test]
fn postgres_sync_loses_nothing_and_sends_nothing_twice() {
    let Some(pg) = Cluster::start("postgres_sync_loses_nothing_and_sends_nothing_twice") else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(&pg, root.path(), &[("ana", "安娜", "trainee", &["一店"])]);
    let m = Machine::new(root.path(), "laptop");
    m.join(&pg, "ana", &pw["ana"]);

    // 1 000 replies logged offline: the server is down.
    pg.stop_immediately();
    for _ in 0..4 {
        m.ok(&["burst", "--count", "250", "--trainee", "安娜"]);
    }
    let o = m.run(&["sync"]);
    assert_ne!(o.code, 0);
    assert!(
        o.stderr.contains("cannot reach the team server"),
        "{}",
        o.stderr
    );
    let status = m.ok(&["team", "status"]);
    assert!(status.contains("waiting:    1004 rows"), "{status}");
    assert!(status.contains("online:     no"), "{status}");
    pg.start_again();

    // The server stopped in the middle of a push (small steps, so there is a middle).
    let mut child = m
        .command(&["sync"])
        .env("SALESDOJO_SYNC_CHUNK", "20")
        .spawn()
        .expect("sync");
    let seen = wait_for_first_rows(&pg, &mut child);
    pg.stop_immediately();
    let out = child.wait_with_output().expect("sync ends");
    assert!(seen > 0, "the push was cut after it began");
    assert!(
        !out.status.success(),
        "a push cut short fails: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    pg.start_again();
    let after_stop = server_replies(&pg).len();
    assert!(
        after_stop < 1000,
        "the stop came mid-push ({after_stop} of 1000 up)"
    );

    // The client killed in the middle of a push.
    let mut child = m
        .command(&["sync"])
        .env("SALESDOJO_SYNC_CHUNK", "20")
        .spawn()
        .expect("sync");
    let start = server_replies(&pg).len();
    let deadline = Instant::now() + Duration::from_secs(30);
    while server_replies(&pg).len() == start && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    // SAFETY: kill with a valid pid of our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
    let after_kill = server_replies(&pg).len();
    assert!(
        start < after_kill && after_kill < 1000,
        "the kill cut a push: {start} up before it, {after_kill} of 1000 after"
    );

    // A sync after each: everything is up once.
    let first = m.ok(&["sync"]);
    assert!(first.contains("sent"), "{first}");
    let local = local_replies(&m.db());
    assert_eq!(local.len(), 1000);
    let server = server_replies(&pg);
    assert!(
        same_rows(&server, &local),
        "every reply up, value for value, once: {} on the server, {} here",
        server.len(),
        local.len()
    );
    let status = m.ok(&["team", "status"]);
    assert!(status.contains("waiting:    0 rows"), "{status}");
    assert!(status.contains("online:     yes"), "{status}");

    // Running it again changes nothing.
    let again = m.ok(&["sync"]);
    assert!(
        again.starts_with("sent 0 attempts, 0 replies, 0 ends"),
        "{again}"
    );
    assert!(same_rows(&server_replies(&pg), &local));
}

#[test]
fn postgres_two_machines_of_one_trainee_write_one_history() {
    let Some(pg) = Cluster::start("postgres_two_machines_of_one_trainee_write_one_history") else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(&pg, root.path(), &[("ana", "安娜", "trainee", &["一店"])]);
    let laptop = Machine::new(root.path(), "laptop");
    let store_pc = Machine::new(root.path(), "store-pc");
    // Practice before joining goes up too: it is the same person's.
    practise(&laptop, "安娜", "一店");
    laptop.join(&pg, "ana", &pw["ana"]);
    store_pc.join(&pg, "ana", &pw["ana"]);
    practise(&store_pc, "安娜", "一店");
    store_pc.ok(&["sync"]);
    laptop.ok(&["sync"]);
    let mut admin = pg.admin("salesdojo");
    assert_eq!(
        count(&mut admin, "SELECT COUNT(*) FROM trainees"),
        1,
        "one trainee"
    );
    assert_eq!(
        count(&mut admin, "SELECT COUNT(*) FROM attempts"),
        2,
        "both machines' attempts"
    );
    // Each machine now holds the whole history.
    let laptop_list = laptop.ok(&["report", "--trainee", "安娜", "--format", "json"]);
    let pc_list = store_pc.ok(&["report", "--trainee", "安娜", "--format", "json"]);
    assert!(same_rows(
        &local_replies(&laptop.db()),
        &local_replies(&store_pc.db())
    ));
    // Both machines' reports count both attempts, the same way.
    for list in [&laptop_list, &pc_list] {
        let v: serde_json::Value = serde_json::from_str(list).expect("json");
        let attempts: i64 = v["pass_rates"]
            .as_array()
            .expect("pass rates")
            .iter()
            .filter_map(|r| r["attempts"].as_i64())
            .sum();
        assert_eq!(attempts, 2, "both machines' attempts in the report: {v}");
    }
    assert_eq!(laptop_list, pc_list, "the two machines report the same");
}

#[test]
fn postgres_bad_connections_say_what_is_wrong_and_practice_goes_on() {
    let Some(pg) =
        Cluster::start("postgres_bad_connections_say_what_is_wrong_and_practice_goes_on")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(&pg, root.path(), &[("ana", "安娜", "trainee", &["一店"])]);
    let m = Machine::new(root.path(), "laptop");

    // A wrong password.
    let o = m.try_join(&pg.url(""), "ana", "not-her-password", &[]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("wrong password"), "{}", o.stderr);
    assert!(!o.stderr.contains("not-her-password"));

    // An unreachable server.
    let nowhere = format!("postgres://127.0.0.1:{}/salesdojo", 1);
    let o = m.run_with(
        &[
            "team",
            "join",
            &nowhere,
            "--user",
            "ana",
            "--password-stdin",
        ],
        &[],
        "x\n",
    );
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("cannot reach the team server"),
        "{}",
        o.stderr
    );

    // A password in the address is refused (it would be stored with it).
    let o = m.run(&[
        "team",
        "join",
        &format!("postgres://ana:secret@127.0.0.1:{}/salesdojo", pg.port),
        "--user",
        "ana",
    ]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("holds a password"), "{}", o.stderr);

    // Joined, the password file is the owner's alone and the log holds no password.
    m.join(&pg, "ana", &pw["ana"]);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(m.dir.join("pgpass"))
            .expect("password file")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let log = std::fs::read(m.db()).expect("log");
    assert!(
        !log.windows(20).any(|w| w == pw["ana"].as_bytes()),
        "no password in the progress log"
    );

    // A server whose schema is newer: refused, nothing written; practice goes on locally.
    pg.admin("salesdojo")
        .execute("UPDATE salesdojo_schema SET version = 99", &[])
        .expect("bump");
    practise(&m, "安娜", "一店");
    let o = m.run(&["sync"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("newer salesdojo (schema 99"),
        "{}",
        o.stderr
    );
    assert_eq!(
        count(&mut pg.admin("salesdojo"), "SELECT COUNT(*) FROM attempts"),
        0
    );
    pg.admin("salesdojo")
        .execute(
            "UPDATE salesdojo_schema SET version = $1",
            &[&salesdojo::store::team::schema::VERSION],
        )
        .expect("restore");

    // A server that accepts only encrypted connections.
    let data = pg.data_dir();
    // A certificate authority and a server certificate it signed, for 127.0.0.1.
    let sh = format!(
        "set -e; cd '{d}'; \
         openssl req -new -x509 -days 2 -nodes -subj /CN=test-ca -keyout ca.key -out ca.crt; \
         openssl req -new -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr; \
         printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext; \
         openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out server.crt",
        d = data.display()
    );
    let ok = Command::new("sh")
        .args(["-c", &sh])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        for f in ["server.key", "server.crt"] {
            let p = data.join(f);
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .expect("chmod");
            if unsafe { libc::geteuid() } == 0 {
                common::pg::chown_postgres(&p);
            }
        }
        let mut conf = std::fs::read_to_string(data.join("postgresql.auto.conf")).expect("conf");
        conf.push_str("ssl = on\n");
        std::fs::write(data.join("postgresql.auto.conf"), conf).expect("conf");
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
        )
        .expect("hba");
        pg.stop_immediately();
        pg.start_again();
        let o = m.run(&["sync"]);
        assert_eq!(o.code, 2);
        // sslmode=prefer (the default) tries TLS and finds a certificate nobody vouches for.
        assert!(o.stderr.contains("does not trust"), "{}", o.stderr);
        let plain = format!("postgres://127.0.0.1:{}/salesdojo?sslmode=disable", pg.port);
        let o = m.run_with(
            &["team", "join", &plain, "--user", "ana", "--password-stdin"],
            &[],
            &format!("{}\n", pw["ana"]),
        );
        assert_eq!(o.code, 2);
        assert!(
            o.stderr.contains("accepts only encrypted connections"),
            "{}",
            o.stderr
        );
        // Trusting its certificate, the same sync goes through.
        let ca = data.join("ca.crt");
        let o = m.run_with(
            &["sync"],
            &[("PGSSLROOTCERT", ca.to_str().expect("path"))],
            "",
        );
        assert_eq!(o.code, 0, "{}", o.stderr);

        // libpq's ways to name the authority work too, and the one given at join is kept.
        // `sslrootcert=` in the address (with libpq's strictest mode):
        let strict = Machine::new(root.path(), "strict");
        let url = format!(
            "postgres://127.0.0.1:{}/salesdojo?sslmode=verify-full&sslrootcert={}",
            pg.port,
            ca.display()
        );
        let o = strict.try_join(&url, "ana", &pw["ana"], &[]);
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        strict.ok(&["sync"]);
        // libpq's default file, ~/.postgresql/root.crt:
        let home = Machine::new(root.path(), "home");
        std::fs::create_dir_all(home.dir.join(".postgresql")).expect("folder");
        std::fs::copy(&ca, home.dir.join(".postgresql/root.crt")).expect("root.crt");
        home.join(&pg, "ana", &pw["ana"]);
        home.ok(&["sync"]);
        // PGSSLROOTCERT at join, then never again: kept with the address.
        let once = Machine::new(root.path(), "once");
        let o = once.try_join(
            &pg.url(""),
            "ana",
            &pw["ana"],
            &[("PGSSLROOTCERT", ca.to_str().expect("path"))],
        );
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        once.ok(&["sync"]);
        let status = once.ok(&["team", "status"]);
        assert!(status.contains("online:     yes"), "{status}");
    } else {
        assert!(
            std::env::var_os("SALESDOJO_REQUIRE_POSTGRES").is_none(),
            "openssl is not available, and SALESDOJO_REQUIRE_POSTGRES is set: the TLS case must run"
        );
        common::skip(
            "the TLS case of postgres_bad_connections_say_what_is_wrong_and_practice_goes_on",
            "openssl is not available",
            "apt-get install openssl",
        );
    }
    // Practice never stopped: the attempt made while the server refused was kept here (and,
    // once the certificate was trusted, went up).
    let local = local_replies(&m.db());
    assert!(!local.is_empty());
    if ok {
        assert!(same_rows(&server_replies(&pg), &local));
    }
}

#[test]
fn postgres_migrations_apply_from_every_earlier_version() {
    let Some(pg) = Cluster::start("postgres_migrations_apply_from_every_earlier_version") else {
        return;
    };
    use salesdojo::store::team::{self, schema};
    for from in 0..schema::VERSION {
        let db = format!("from_{from}");
        pg.admin("postgres")
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .expect("create");
        let mut c = pg.admin(&db);
        assert_eq!(
            team::migrate(&mut c, Some(from)).expect("migrate part way"),
            from
        );
        if from >= 1 {
            c.batch_execute(
                "INSERT INTO teams VALUES ('t1', '一店');
                 INSERT INTO trainees (id, name, team_id, created_at, login) VALUES ('tr1', '安娜', 't1', '2026-01-01', 'nobody');",
            )
            .expect("rows of that version");
        }
        assert_eq!(
            team::migrate(&mut c, None).expect("up to date"),
            schema::VERSION
        );
        assert_eq!(
            team::migrate(&mut c, None).expect("again: nothing"),
            schema::VERSION
        );
        let policies = count(
            &mut c,
            "SELECT COUNT(*) FROM pg_policies WHERE tablename = 'attempts'",
        );
        assert!(
            policies >= 3,
            "the policies exist after migrating from {from}"
        );
        if from >= 1 {
            assert_eq!(
                count(&mut c, "SELECT COUNT(*) FROM trainees"),
                1,
                "rows survive"
            );
        }
    }
    // A newer schema is refused, untouched.
    let mut c = pg.admin("salesdojo");
    team::migrate(&mut c, None).expect("set up");
    c.execute(
        "UPDATE salesdojo_schema SET version = $1",
        &[&(schema::VERSION + 1)],
    )
    .expect("bump");
    let e = team::migrate(&mut c, None).expect_err("refused");
    assert!(e.to_string().contains("newer salesdojo"), "{e}");
    assert_eq!(
        count(&mut c, "SELECT version::bigint FROM salesdojo_schema"),
        i64::from(schema::VERSION + 1)
    );
}

#[test]
fn postgres_a_forged_total_is_flagged_and_earns_no_certificate() {
    let Some(pg) = Cluster::start("postgres_a_forged_total_is_flagged_and_earns_no_certificate")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let (pw, _laptop) = one_practice_on_a_team(&pg, root.path());

    // With the plain client, ana claims a perfect score on every jewelry scenario.
    let mut ana = pg.connect("ana", &pw["ana"]).expect("ana signs in");
    let row = ana
        .query_one(
            "SELECT trainee_id, playbook_version, playbook_hash FROM attempts",
            &[],
        )
        .expect("her attempt");
    let (trainee, version, hash): (String, i32, String) = (row.get(0), row.get(1), row.get(2));
    let result: String = ana
        .query_one("SELECT result_id FROM replies LIMIT 1", &[])
        .expect("a result")
        .get(0);
    // Every scenario of the playbook, each "passed" with one poor reply.
    let scenarios = [
        (
            "browsing-to-tryon",
            "walk-in",
            "browse",
            "choice",
            "leave-alone",
        ),
        ("anniversary-gift", "shares", "interest", "text", "不知道"),
        ("serious-price", "ask", "desire", "choice", "discount-first"),
    ];
    for (i, (s, turn, stage, kind, answer)) in scenarios.iter().enumerate() {
        let id = format!("forged-{i}");
        // As the app writes one: open, its reply, then its end (with the forged score).
        ana.execute(
            "INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode,
                 started_at, status)
             VALUES ($1, $2, 'jewelry', $3, $4, $5, 'practice', '2026-11-30T10:00:00Z', 'in_progress')",
            &[&id, &trainee, &version, &hash, s],
        )
        .expect("her login may write her attempts");
        ana.execute(
            "INSERT INTO replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, created_at)
             VALUES ($1, $2, 1, $3, $4, $5, $6, 1, 100, $7, '2026-11-30T10:01:00Z')",
            &[&format!("{id}-r"), &id, turn, stage, kind, answer, &result],
        )
        .expect("and her replies");
        ana.execute(
            "UPDATE attempts SET ended_at = '2026-11-30T10:05:00Z', total = 100, passed = 1, status = 'completed'
             WHERE id = $1",
            &[&id],
        )
        .expect("and end it once");
    }
    let mut admin = pg.admin("salesdojo");
    assert!(
        denied(ana.execute(
            "INSERT INTO certifications VALUES ($1, 'jewelry', $2, 'now')",
            &[&trainee, &version],
        )),
        "she cannot certify herself"
    );

    let v = Machine::new(root.path(), "verifier");
    let o = v.verify(&pg, &pw["ver"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("1 verified, 3 flagged"), "{}", o.stdout);
    assert_eq!(
        count(
            &mut admin,
            "SELECT COUNT(*) FROM verifications WHERE status = 'mismatch' AND attempt_id LIKE 'forged-%'"
        ),
        3
    );
    assert_eq!(
        count(
            &mut admin,
            "SELECT COUNT(*) FROM verifications WHERE status = 'verified' AND verifier = 'ver'"
        ),
        1
    );
    assert_eq!(
        count(&mut admin, "SELECT COUNT(*) FROM certifications"),
        0,
        "no certificate from forged totals"
    );
    // Running it again judges nothing twice.
    let o = v.verify(&pg, &pw["ver"]);
    assert!(o.stdout.contains("0 verified, 0 flagged"), "{}", o.stdout);

    // The manager's machine pulls the team: the forged attempts are flagged there and do not count.
    let mgr = Machine::new(root.path(), "manager");
    mgr.join(&pg, "max", &pw["max"]);
    let report = mgr.ok(&["report", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&report).expect("json");
    let board = &report["leaderboard"];
    assert_eq!(board.as_array().map_or(0, |a| a.len()), 1, "{board}");
    assert_eq!(
        board[0]["attempts"], 1,
        "only the verified attempt counts: {board}"
    );
    assert_eq!(board[0]["certifications"], 0, "{board}");
}

#[test]
fn postgres_practice_sends_each_reply_up_by_itself() {
    let Some(pg) = Cluster::start("postgres_practice_sends_each_reply_up_by_itself") else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(&pg, root.path(), &[("ana", "安娜", "trainee", &["一店"])]);
    let m = Machine::new(root.path(), "laptop");
    m.join(&pg, "ana", &pw["ana"]);
    // No `sync`: the role-play pushes in the background after each committed reply.
    practise(&m, "安娜", "一店");
    let local = local_replies(&m.db());
    assert!(!local.is_empty());
    assert!(same_rows(&server_replies(&pg), &local), "every reply is up");
    let mut admin = pg.admin("salesdojo");
    assert_eq!(
        count(
            &mut admin,
            "SELECT COUNT(*) FROM attempts WHERE status = 'completed'"
        ),
        1,
        "and the attempt's end"
    );
    let status = m.ok(&["team", "status"]);
    assert!(status.contains("waiting:    0 rows"), "{status}");

    // With the server down, practice goes on and keeps everything for later.
    pg.stop_immediately();
    let start = Instant::now();
    practise(&m, "安娜", "一店");
    assert!(start.elapsed() < Duration::from_secs(20));
    let status = m.ok(&["team", "status"]);
    assert!(!status.contains("waiting:    0 rows"), "{status}");
    pg.start_again();
    m.ok(&["sync"]);
    assert!(same_rows(&server_replies(&pg), &local_replies(&m.db())));
}

/// Practice inputs: (scenario, replies).
const PLAYS: &[(&str, &str)] = &[
    ("browsing-to-tryon", JEWELRY_INPUT),
    (
        "browsing-to-tryon",
        "1\n不知道\n太贵了您买不起\n3\n便宜点\n",
    ),
    (
        "anniversary-gift",
        "恭喜您们，结婚几周年了？您太太平时喜欢什么风格？\n1\n这款和那款很像，但这款工艺更好，您可以摸摸看。\n好的，您再考虑一下，这是我的名片，有问题随时联系我。\n",
    ),
    (
        "serious-price",
        "2\n这个价格物有所值，您看这做工\n隔壁的是另一种工艺，我们这款的材质更好\n1\n",
    ),
];

fn play(m: &Machine, name: &str, team: &str, which: usize) {
    let (scenario, input) = PLAYS[which % PLAYS.len()];
    let o = m.run_with(
        &[
            "practice",
            "jewelry",
            "--scenario",
            scenario,
            "--trainee",
            name,
            "--team",
            team,
        ],
        &[],
        input,
    );
    assert_eq!(o.code, 0, "practice: {}{}", o.stdout, o.stderr);
}

/// Equal JSON, numbers within 1e-9 (sums in another order).
fn same_json(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> Result<(), String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            if (x - y).abs() <= 1e-9 * x.abs().max(1.0) {
                Ok(())
            } else {
                Err(format!("{path}: {x} vs {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: {} rows vs {}", x.len(), y.len()));
            }
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                same_json(p, q, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: keys differ"));
            }
            for (k, p) in x {
                same_json(p, y.get(k).unwrap_or(&Value::Null), &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} vs {b}")),
    }
}

#[test]
fn postgres_every_report_gives_the_same_rows_on_both_backends() {
    let Some(pg) = Cluster::start("postgres_every_report_gives_the_same_rows_on_both_backends")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(
        &pg,
        root.path(),
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("bo", "博", "trainee", &["一店"]),
            ("cy", "晨阳", "trainee", &["二店"]),
            ("max", "马经理", "manager", &["一店", "二店"]),
            ("ver", "核验", "verifier", &[]),
        ],
    );
    // The same writes: three trainees practise on their machines and sync.
    for (i, (login, name, team)) in [
        ("ana", "安娜", "一店"),
        ("bo", "博", "一店"),
        ("cy", "晨阳", "二店"),
    ]
    .into_iter()
    .enumerate()
    {
        let m = Machine::new(root.path(), login);
        m.join(&pg, login, &pw[login]);
        for k in 0..(2 + i) {
            play(&m, name, team, i + k);
        }
        m.ok(&["burst", "--count", "3", "--trainee", name]);
        m.ok(&["sync"]);
    }
    let verifier = Machine::new(root.path(), "verifier");
    let o = verifier.verify(&pg, &pw["ver"]);
    assert_eq!(o.code, 0, "{}", o.stderr);

    // The manager reviews on the server (`--db postgres://…`), then pulls into a log of their own.
    let mgr = Machine::new(root.path(), "manager");
    let server_db = pg.url("max");
    let env = [("PGPASSWORD", pw["max"].as_str())];
    let list = mgr.run_with(
        &["--db", &server_db, "report", "--format", "json"],
        &env,
        "",
    );
    assert_eq!(list.code, 0, "{}", list.stderr);
    let attempt: String = pg
        .admin("salesdojo")
        .query_one(
            "SELECT id FROM attempts WHERE status = 'completed' ORDER BY id LIMIT 1",
            &[],
        )
        .expect("an attempt")
        .get(0);
    let criterion: String = pg
        .admin("salesdojo")
        .query_one("SELECT criterion_id FROM attempt_criteria WHERE attempt_id = $1 ORDER BY criterion_id LIMIT 1", &[&attempt])
        .expect("a criterion")
        .get(0);
    let o = mgr.run_with(
        &[
            "--db",
            &server_db,
            "review",
            &attempt,
            "--comment",
            "语气再缓和一点",
            "--override",
            &format!("{criterion}=15"),
        ],
        &env,
        "",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    mgr.join(&pg, "max", &pw["max"]);
    mgr.ok(&["sync"]);
    let local_db = mgr.db();
    let local_db = local_db.to_str().expect("path");

    // Date ranges: a wide one holds whole months (read from the monthly rollup on the server)
    // and days at both ends; a narrow one only days.
    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| {
        (today + chrono::Duration::days(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    let (wide_since, wide_until, narrow_since, narrow_until) = (day(-45), day(45), day(-1), day(1));
    let wide = [
        "--since",
        wide_since.as_str(),
        "--until",
        wide_until.as_str(),
    ];
    let narrow = [
        "--since",
        narrow_since.as_str(),
        "--until",
        narrow_until.as_str(),
    ];
    let reports: &[&[&str]] = &[
        &["report", "--format", "json"],
        &[&["report", "--format", "json"][..], &wide].concat(),
        &[&["report", "--format", "json"][..], &narrow].concat(),
        &[&["report", "--weekly", "--format", "json"][..], &wide].concat(),
        &[&["report", "--team", "一店", "--format", "json"][..], &wide].concat(),
        &[
            &["report", "--trainee", "安娜", "--format", "json"][..],
            &narrow,
        ]
        .concat(),
        &["report", "--weekly", "--format", "json"],
        &["report", "--team", "一店", "--format", "json"],
        &["report", "--trainee", "安娜", "--format", "json"],
        &[
            "report",
            "--playbook",
            "jewelry",
            "--scenario",
            "browsing-to-tryon",
            "--format",
            "json",
        ],
        &["attempt", &attempt[..8], "--format", "json"],
    ];
    for args in reports {
        let sqlite = mgr.run(&[&["--db", local_db][..], args].concat());
        let postgres = mgr.run_with(
            &[&["--db", server_db.as_str()][..], args].concat(),
            &env,
            "",
        );
        assert_eq!(sqlite.code, 0, "{args:?} on SQLite: {}", sqlite.stderr);
        assert_eq!(
            postgres.code, 0,
            "{args:?} on PostgreSQL: {}",
            postgres.stderr
        );
        let (a, b): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(&sqlite.stdout).expect("json"),
            serde_json::from_str(&postgres.stdout).expect("json"),
        );
        if let Err(e) = same_json(&a, &b, "") {
            panic!("{args:?} differs between the backends: {e}\nSQLite: {a}\nPostgreSQL: {b}");
        }
        // Equal and empty proves nothing: every report here has rows in each of its lists
        // (a narrow date range, a team, a trainee included), and the drill-down its replies.
        let lists: &[&str] = if args[0] == "attempt" {
            &["replies", "criteria", "reviews"]
        } else {
            &["criterion_averages", "pass_rates", "leaderboard", "trend"]
        };
        for list in lists {
            let n = a[*list].as_array().map_or(0, Vec::len);
            assert!(n > 0, "{args:?}: '{list}' is empty on both backends: {a}");
        }
    }
    // The override is a grade on both backends: the scorer's points beside the reviewer's 15.
    let args = ["calibrate", "--from-reviews", "--format", "json"];
    let sqlite = mgr.run(&[&["--db", local_db][..], &args].concat());
    let postgres = mgr.run_with(
        &[&["--db", server_db.as_str()][..], &args].concat(),
        &env,
        "",
    );
    assert_eq!(postgres.code, 0, "{}", postgres.stderr);
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&sqlite.stdout).expect("json"),
        serde_json::from_str(&postgres.stdout).expect("json"),
    );
    if let Err(e) = same_json(&a, &b, "") {
        panic!(
            "calibrate --from-reviews differs between the backends: {e}\nSQLite: {a}\nPostgreSQL: {b}"
        );
    }
    assert_eq!(a["overall"]["overrides"], 1, "{a}");
    assert_eq!(a["by_criterion"][0][1], criterion.as_str(), "{a}");
    // The review decided on both: the overridden attempt's total moved the same way.
    let detail = mgr.run_with(
        &["--db", &server_db, "attempt", &attempt, "--format", "json"],
        &env,
        "",
    );
    let detail: serde_json::Value = serde_json::from_str(&detail.stdout).expect("json");
    let (total, scored) = (
        detail["attempt"]["total"].as_f64().expect("a total"),
        detail["attempt"]["scored_total"]
            .as_f64()
            .expect("the scored total"),
    );
    assert_eq!(detail["attempt"]["reviewed"], true, "{detail}");
    assert!(
        (total - scored).abs() > 0.01,
        "the override to 15 moved the total: {total} vs {scored} scored"
    );
    let local = mgr.ok(&["--db", local_db, "attempt", &attempt, "--format", "json"]);
    let local: serde_json::Value = serde_json::from_str(&local).expect("json");
    assert_eq!(
        local["attempt"]["total"], detail["attempt"]["total"],
        "{local}"
    );
    for format in [&["--format", "csv"][..], &["--format", "xapi"][..]] {
        let a = root.path().join("a.out");
        let b = root.path().join("b.out");
        mgr.ok(&[
            &["--db", local_db, "export"][..],
            format,
            &["--out", a.to_str().expect("path")],
        ]
        .concat());
        let o = mgr.run_with(
            &[
                &["--db", server_db.as_str(), "export"][..],
                format,
                &["--out", b.to_str().expect("path")],
            ]
            .concat(),
            &env,
            "",
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        let (a, b) = (
            std::fs::read_to_string(&a).expect("a"),
            std::fs::read_to_string(&b).expect("b"),
        );
        assert_eq!(a.lines().count(), b.lines().count(), "{format:?}");
        assert_eq!(a, b, "{format:?} export differs");
        if format[1] == "csv" {
            assert!(a.contains("语气再缓和一点"), "the review's comment: {a}");
        }
    }
}

#[test]
fn postgres_reports_read_from_a_streaming_replica() {
    let Some(pg) = Cluster::start("postgres_reports_read_from_a_streaming_replica") else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(
        &pg,
        root.path(),
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("max", "马经理", "manager", &["一店"]),
            ("ver", "核验", "verifier", &[]),
        ],
    );
    let m = Machine::new(root.path(), "ana");
    m.join(&pg, "ana", &pw["ana"]);
    play(&m, "安娜", "一店", 0);
    play(&m, "安娜", "一店", 2);
    m.ok(&["sync"]);
    let v = Machine::new(root.path(), "verifier");
    let o = v.verify(&pg, &pw["ver"]);
    assert_eq!(o.code, 0, "{}", o.stderr);

    // A streaming replica of the cluster, as pg_basebackup makes one.
    let replica = pg.dir.path().join("replica");
    let out = pg
        .tool("pg_basebackup")
        .env("PGPASSWORD", ADMIN_PASSWORD)
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &pg.port.to_string(),
            "-U",
            common::pg::ADMIN,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "-D",
        ])
        .arg(&replica)
        .output()
        .expect("pg_basebackup runs");
    assert!(
        out.status.success(),
        "pg_basebackup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a port");
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1",
        pg.dir.path().display()
    );
    let started = pg
        .tool("pg_ctl")
        .args(["-D"])
        .arg(&replica)
        .args(["-o", &opts, "-l"])
        .arg(pg.dir.path().join("replica.log"))
        .args(["-w", "-t", "30", "start"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(started, "the replica starts");
    struct StopReplica<'a>(&'a Cluster, PathBuf);
    impl Drop for StopReplica<'_> {
        fn drop(&mut self) {
            let _ = self
                .0
                .tool("pg_ctl")
                .args(["-D"])
                .arg(&self.1)
                .args(["-m", "immediate", "stop"])
                .status();
        }
    }
    let _stop = StopReplica(&pg, replica.clone());
    let replica_url = format!("postgres://max@127.0.0.1:{port}/salesdojo");
    // It is a replica: read-only, in recovery, and it has the rows.
    let mut r = postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .dbname("salesdojo")
        .user("max")
        .password(pw["max"].as_str())
        .connect(postgres::NoTls)
        .expect("max reads the replica");
    let recovering: bool = r
        .query_one("SELECT pg_is_in_recovery()", &[])
        .expect("query")
        .get(0);
    assert!(recovering);
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&mut r, "SELECT COUNT(*) FROM verifications") < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }

    let mgr = Machine::new(root.path(), "manager");
    let env = [("PGPASSWORD", pw["max"].as_str())];
    let primary = mgr.run_with(
        &["--db", &pg.url("max"), "report", "--format", "json"],
        &env,
        "",
    );
    let from_replica = mgr.run_with(
        &[
            "--db",
            &pg.url("max"),
            "--report-db",
            &replica_url,
            "report",
            "--format",
            "json",
        ],
        &env,
        "",
    );
    assert_eq!(primary.code, 0, "{}", primary.stderr);
    assert_eq!(from_replica.code, 0, "{}", from_replica.stderr);
    assert!(primary.stdout.contains("安娜"), "{}", primary.stdout);
    assert_eq!(
        primary.stdout, from_replica.stdout,
        "the replica answers as the primary"
    );

    // Equal answers would also come from a --report-db that is ignored: with the replica's
    // replay paused, a review on the primary moves the primary's report and not the one
    // read through --report-db.
    let mut replica_admin = postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .dbname("salesdojo")
        .user("admin")
        .password(ADMIN_PASSWORD)
        .connect(postgres::NoTls)
        .expect("the admin reads the replica");
    replica_admin
        .batch_execute("SELECT pg_wal_replay_pause()")
        .expect("pause the replay");
    let (attempt, criterion): (String, String) = {
        let row = pg
            .admin("salesdojo")
            .query_one(
                "SELECT attempt_id, criterion_id FROM attempt_criteria ORDER BY attempt_id, criterion_id LIMIT 1",
                &[],
            )
            .expect("a criterion");
        (row.get(0), row.get(1))
    };
    let o = mgr.run_with(
        &[
            "--db",
            &pg.url("max"),
            "review",
            &attempt,
            "--override",
            &format!("{criterion}=1"),
        ],
        &env,
        "",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let primary_url = pg.url("max");
    let report = |extra: &[&str]| {
        let mut args = vec!["--db", primary_url.as_str()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["report", "--format", "json"]);
        let o = mgr.run_with(&args, &env, "");
        assert_eq!(o.code, 0, "{}", o.stderr);
        o.stdout
    };
    assert_ne!(
        report(&[]),
        primary.stdout,
        "the review moved the primary's report"
    );
    assert_eq!(
        report(&["--report-db", &replica_url]),
        from_replica.stdout,
        "--report-db read the paused replica"
    );
    replica_admin
        .batch_execute("SELECT pg_wal_replay_resume()")
        .expect("resume the replay");

    // And the reports did come from it (the library says where they read).
    let store = salesdojo::store::team::open_team_at(
        &pg.url("max"),
        Some(&replica_url),
        Some(pw["max"].as_str()),
        &root.path().join("max-local.db"),
    )
    .expect("opens");
    let shown = store.records().team_server().unwrap_or_default().to_owned();
    assert!(shown.ends_with(&format!(":{port}/salesdojo")), "{shown}");
}

#[test]
fn postgres_an_existing_history_and_a_list_of_people_come_in_once() {
    let Some(pg) = Cluster::start("postgres_an_existing_history_and_a_list_of_people_come_in_once")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(&pg, root.path(), &[("ver", "核验", "verifier", &[])]);
    let admin = Machine::new(root.path(), "admin");
    let env = [("PGPASSWORD", ADMIN_PASSWORD)];

    // Many people from a CSV file, one transaction.
    let csv = root.path().join("people.csv");
    std::fs::write(
        &csv,
        "login,name,role,team\nli,李芳,trainee,华东一组\nzhang,张经理,manager,华东一组;华东二组\n",
    )
    .expect("csv");
    let o = admin.run_with(
        &[
            "team",
            "add-user",
            "--csv",
            csv.to_str().expect("path"),
            "--server",
            &pg.admin_url(),
        ],
        &env,
        "",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.lines().any(|l| l.starts_with("li\ttrainee\t")),
        "{}",
        o.stdout
    );
    let mut c = pg.admin("salesdojo");
    assert_eq!(
        count(
            &mut c,
            "SELECT COUNT(*) FROM team_managers WHERE login = 'zhang'"
        ),
        2
    );
    // Again: the logins keep their passwords.
    let o = admin.run_with(
        &[
            "team",
            "add-user",
            "--csv",
            csv.to_str().expect("path"),
            "--server",
            &pg.admin_url(),
        ],
        &env,
        "",
    );
    assert!(o.stdout.contains("password unchanged"), "{}", o.stdout);

    // A single machine's history brought in twice: once.
    let old = Machine::new(root.path(), "old-pc");
    play(&old, "李芳", "华东一组", 0);
    play(&old, "李芳", "华东一组", 3);
    let file = old.db();
    for expect in ["2 attempts", "0 attempts"] {
        let o = admin.run_with(
            &[
                "team",
                "import",
                file.to_str().expect("path"),
                "--server",
                &pg.admin_url(),
            ],
            &env,
            "",
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stdout.contains(expect), "{}", o.stdout);
    }
    assert_eq!(count(&mut c, "SELECT COUNT(*) FROM attempts"), 2);
    // Claims until verified; then the rollups count them, equal to the base tables.
    assert_eq!(
        count(&mut c, "SELECT COALESCE(SUM(n), 0) FROM rollup_attempts"),
        0
    );
    let v = Machine::new(root.path(), "verifier");
    let o = v.verify(&pg, &pw["ver"]);
    assert!(o.stdout.contains("2 verified"), "{}{}", o.stdout, o.stderr);
    assert_eq!(
        count(&mut c, "SELECT COALESCE(SUM(n), 0) FROM rollup_attempts"),
        2
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT COUNT(*) FROM rollup_criteria r WHERE abs(r.points / r.n - (
                 SELECT AVG(ac.points) FROM attempt_criteria ac JOIN attempts a ON a.id = ac.attempt_id
                 WHERE ac.criterion_id = r.criterion_id AND a.scenario_id = r.scenario_id
                   AND a.trainee_id = r.trainee_id)) > 1e-9"
        ),
        0,
        "the criterion rollups equal the base table"
    );
}

#[test]
fn postgres_a_column_altered_on_the_server_is_an_error_not_a_crash() {
    let Some(pg) =
        Cluster::start("postgres_a_column_altered_on_the_server_is_an_error_not_a_crash")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(
        &pg,
        root.path(),
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("max", "马经理", "manager", &["一店"]),
        ],
    );
    let m = Machine::new(root.path(), "ana");
    m.join(&pg, "ana", &pw["ana"]);
    play(&m, "安娜", "一店", 0);
    m.ok(&["sync"]);
    let attempt: String = pg
        .admin("salesdojo")
        .query_one("SELECT id FROM attempts LIMIT 1", &[])
        .expect("an attempt")
        .get(0);
    // An admin changes a column's type behind salesdojo's back (no view reads this one).
    pg.admin("salesdojo")
        .batch_execute("ALTER TABLE replies ALTER COLUMN seconds TYPE numeric")
        .expect("altered");
    // The manager's drill-down and a second machine's pull read it: each a clear error
    // naming the column, never a crash (a panic exits with 101).
    let mgr = Machine::new(root.path(), "manager");
    let o = mgr.run_with(
        &[
            "--db",
            &pg.url("max"),
            "attempt",
            &attempt,
            "--format",
            "json",
        ],
        &[("PGPASSWORD", pw["max"].as_str())],
        "",
    );
    assert!(o.code != 0 && o.code != 101, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("seconds"), "{}", o.stderr);
    let laptop = Machine::new(root.path(), "laptop");
    let url = pg.url("");
    let o = laptop.run_with(
        &["team", "join", &url, "--user", "ana", "--password-stdin"],
        &[],
        &format!("{}\n", pw["ana"]),
    );
    assert!(o.code != 0 && o.code != 101, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("seconds"), "{}", o.stderr);
    // Practice goes on locally meanwhile.
    play(&m, "安娜", "一店", 1);
}

#[test]
fn postgres_a_review_that_turns_an_attempt_into_a_pass_completes_a_certification() {
    let Some(pg) = Cluster::start(
        "postgres_a_review_that_turns_an_attempt_into_a_pass_completes_a_certification",
    ) else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(
        &pg,
        root.path(),
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("max", "马经理", "manager", &["一店"]),
            ("ver", "核验", "verifier", &[]),
        ],
    );
    let m = Machine::new(root.path(), "laptop");
    m.join(&pg, "ana", &pw["ana"]);
    let mut report = salesdojo::playbook::Report::default();
    let lib = salesdojo::playbook::load(&[salesdojo::playbook::Content::bundled()], &mut report);
    let pb = lib.playbook("jewelry").expect("bundled");
    let criterion = pb.rubric.criteria[0].id.clone();
    let mut admin = pg.admin("salesdojo");
    let trainee: String = admin
        .query_one("SELECT id FROM trainees WHERE login = 'ana'", &[])
        .expect("her row, pushed when she joined")
        .get(0);
    // Verified attempts at every scenario: all passed but the last (50 against a pass mark of 70).
    let version = i32::try_from(pb.version).expect("a small version");
    let last = pb.scenarios.len() - 1;
    for (i, s) in pb.scenarios.iter().enumerate() {
        let id = format!("a-{i}");
        let (total, passed) = if i == last { (50.0, 0) } else { (90.0, 1) };
        admin
            .execute(
                "INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id,
                     mode, started_at, ended_at, total, passed, status, pass_mark, gated)
                 VALUES ($1, $2, 'jewelry', $3, 'h', $4, 'practice', '2026-11-30T10:00:00Z',
                     '2026-11-30T10:05:00Z', $5, $6, 'completed', 70, 0)",
                &[&id, &trainee, &version, &s.id, &total, &passed],
            )
            .expect("an attempt");
        admin
            .execute(
                "INSERT INTO attempt_criteria (attempt_id, criterion_id, points, weight, replies)
                 VALUES ($1, $2, $3, 1, 1)",
                &[&id, &criterion, &total],
            )
            .expect("its criterion");
        admin
            .execute(
                "INSERT INTO verifications (attempt_id, status, derived_total, derived_passed, checked_at)
                 VALUES ($1, 'verified', $2, $3, '2026-11-30T11:00:00Z')",
                &[&id, &total, &passed],
            )
            .expect("verified");
    }
    let verify = || {
        let v = Machine::new(root.path(), "verifier");
        let o = v.verify(&pg, &pw["ver"]);
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        o.stdout
    };
    verify();
    assert_eq!(count(&mut admin, "SELECT COUNT(*) FROM certifications"), 0);

    // The manager overrides the failed attempt's criterion on the server: it passes now, and
    // the verifier's next run certifies her, as a review does on a single machine.
    let mgr = Machine::new(root.path(), "manager");
    let o = mgr.run_with(
        &[
            "--db",
            &pg.url("max"),
            "review",
            &format!("a-{last}"),
            "--override",
            &format!("{criterion}=100"),
        ],
        &[("PGPASSWORD", pw["max"].as_str())],
        "",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let out = verify();
    assert!(out.contains("1 certifications granted"), "{out}");
    assert_eq!(
        count(
            &mut admin,
            "SELECT COUNT(*) FROM certifications WHERE playbook_id = 'jewelry'"
        ),
        1
    );
}

/// The README's team section, at a terminal: a joined log records practice under the joined
/// login (no name asked for or taken), another name is refused naming the login, and what was
/// recorded here before joining is counted by `team status` and sent once claimed. (Before:
/// typing a name at the prompt recorded under a new local trainee that sync never pushed, and
/// `team status` said "waiting: 0 rows".)
#[test]
fn postgres_a_joined_terminal_practice_goes_up_under_the_login() {
    let Some(pg) = Cluster::start("postgres_a_joined_terminal_practice_goes_up_under_the_login")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(&pg, root.path(), &[("ana", "安娜", "trainee", &["一店"])]);
    let m = Machine::new(root.path(), "laptop");
    // Before joining: practice under the name the trainee typed.
    practise(&m, "王芳", "一店");
    m.join(&pg, "ana", &pw["ana"]);
    let status = m.ok(&["team", "status"]);
    assert!(
        status.contains("not sent:   1 attempts recorded here under other names"),
        "{status}"
    );

    // Piped, no --trainee: recorded under the login, and up by the time practice ends; the
    // push after each reply counts as a sync in `team status`.
    let last_sync = || -> String {
        rusqlite::Connection::open(m.db())
            .expect("the log")
            .query_row(
                "SELECT value FROM team_state WHERE key = 'last_sync'",
                [],
                |r| r.get(0),
            )
            .expect("a last sync")
    };
    let joined_at = last_sync();
    std::thread::sleep(Duration::from_millis(1100));
    let o = m.run_with(
        &["practice", "jewelry", "--scenario", "browsing-to-tryon"],
        &[],
        JEWELRY_INPUT,
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(last_sync() > joined_at, "{} after {joined_at}", last_sync());
    let mut admin = pg.admin("salesdojo");
    let on_server = |admin: &mut postgres::Client| {
        count(
            admin,
            "SELECT COUNT(*) FROM attempts a JOIN trainees t ON t.id = a.trainee_id
             WHERE t.login = 'ana' AND a.status = 'completed'",
        )
    };
    assert_eq!(on_server(&mut admin), 1, "the practice went up under ana");

    // Another name is refused, naming the login; nothing is recorded.
    let o = m.run_with(
        &[
            "practice",
            "jewelry",
            "--scenario",
            "browsing-to-tryon",
            "--trainee",
            "王芳",
        ],
        &[],
        JEWELRY_INPUT,
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("joined to the team as 'ana' (安娜, 一店)"),
        "{}",
        o.stderr
    );

    // What was recorded before joining goes up once claimed.
    let o = m.ok(&["team", "claim", "王芳"]);
    assert!(
        o.contains("moved 1 attempts of '王芳' to the team login 'ana'"),
        "{o}"
    );
    // What a sync sends is not pulled back by the same sync.
    let o = m.ok(&["sync"]);
    assert!(
        o.starts_with("sent 1 attempts, ") && o.contains("received 0 attempts, 0 replies"),
        "{o}"
    );
    assert_eq!(on_server(&mut admin), 2);
    let status = m.ok(&["team", "status"]);
    assert!(status.contains("waiting:    0 rows"), "{status}");
    assert!(!status.contains("not sent"), "{status}");
    let o = m.run(&["team", "claim", "王芳"]);
    assert_eq!(o.code, 2, "{}", o.stderr);

    // Leaving takes the password out of the password file.
    let pgpass = || std::fs::read_to_string(m.dir.join("pgpass")).unwrap_or_default();
    assert!(pgpass().contains(":ana:"), "{}", pgpass());
    let o = m.ok(&["team", "leave"]);
    assert!(
        o.contains("the password for this login was removed from"),
        "{o}"
    );
    assert!(!pgpass().contains(":ana:"), "{}", pgpass());
    // With no password anywhere, the error says how to give one.
    let o = m.run(&["--db", &pg.url("ana"), "report"]);
    assert!(
        o.stderr.contains("no password for 'ana'") && o.stderr.contains("salesdojo team join"),
        "{}",
        o.stderr
    );
}

/// The `verified` column of a CSV export: one value per attempt row.
fn verified_column(csv_text: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let at = r
        .headers()
        .expect("a header")
        .iter()
        .position(|h| h == "verified")
        .expect("a verified column");
    r.records()
        .map(|row| row.expect("a row")[at].to_owned())
        .collect()
}

/// xAPI verbs of the attempt statements (not the per-reply `answered` ones).
fn attempt_verbs(json_text: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json_text).expect("json");
    v.as_array()
        .expect("an array")
        .iter()
        .filter_map(|s| s["verb"]["display"]["en-US"].as_str())
        .filter(|v| *v != "answered")
        .map(str::to_owned)
        .collect()
}

/// Exports count exactly what reports count, on the server and in a joined log: before the
/// verifier ran, the server exports nothing by default, and with every attempt asked for, each
/// is marked `pending` (CSV) or sent as `attempted` (xAPI), never as passed or completed. (Before:
/// a forged 100 went to the LMS as `100.0,true` / `success: true`.)
#[test]
fn postgres_exports_count_only_what_reports_count() {
    let Some(pg) = Cluster::start("postgres_exports_count_only_what_reports_count") else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let (pw, _laptop) = one_practice_on_a_team(&pg, root.path());
    // With the plain client, ana claims a perfect score.
    let mut ana = pg.connect("ana", &pw["ana"]).expect("ana signs in");
    ana.batch_execute(
        "INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode,
             started_at, ended_at, total, passed, status)
         SELECT 'forged-1', trainee_id, playbook_id, playbook_version, playbook_hash, 'serious-price', 'practice',
             '2026-11-30T10:00:00Z', '2026-11-30T10:05:00Z', 100, 1, 'completed' FROM attempts LIMIT 1",
    )
    .expect("her login may write her attempts");

    let mgr = Machine::new(root.path(), "manager");
    let server = pg.url("max");
    let as_max = [("PGPASSWORD", pw["max"].as_str())];
    let export = |extra: &[&str]| {
        // The machine-readable CSV: the column names tools read, and their values.
        let mut args = vec!["--db", server.as_str(), "export", "--ids"];
        args.extend_from_slice(extra);
        let o = mgr.run_with(&args, &as_max, "");
        assert_eq!(o.code, 0, "export {extra:?}: {}{}", o.stdout, o.stderr);
        o.stdout
    };
    assert!(
        verified_column(&export(&["--format", "csv"])).is_empty(),
        "nothing is verified yet: the server exports nothing by default"
    );
    assert_eq!(
        verified_column(&export(&["--format", "csv", "--verified-only=false"])),
        ["pending", "pending"]
    );
    assert_eq!(
        attempt_verbs(&export(&["--format", "xapi", "--verified-only=false"])),
        ["attempted", "attempted"]
    );

    let v = Machine::new(root.path(), "verifier");
    let o = v.verify(&pg, &pw["ver"]);
    assert!(o.stdout.contains("1 verified, 1 flagged"), "{}", o.stdout);
    assert_eq!(verified_column(&export(&["--format", "csv"])), ["yes"]);
    let mut all = verified_column(&export(&["--format", "csv", "--verified-only=false"]));
    all.sort();
    assert_eq!(all, ["flagged", "yes"]);
    let verbs = attempt_verbs(&export(&["--format", "xapi"]));
    assert_eq!(verbs.len(), 1, "{verbs:?}");
    assert_ne!(verbs[0], "attempted");

    // A joined local log counts the same way: the forged attempt is flagged, never passed.
    mgr.join(&pg, "max", &pw["max"]);
    let o = mgr.ok(&["export", "--format", "csv", "--ids"]);
    let mut local = verified_column(&o);
    local.sort();
    assert_eq!(local, ["flagged", "yes"], "{o}");
    let verbs = attempt_verbs(&mgr.ok(&["export", "--format", "xapi"]));
    assert_eq!(
        verbs.iter().filter(|v| *v == "attempted").count(),
        1,
        "{verbs:?}"
    );
    assert_eq!(
        verified_column(&mgr.ok(&["export", "--format", "csv", "--ids", "--verified-only"])),
        ["yes"]
    );
}

/// Whether `login` is a member of the salesdojo group `group` on the server.
fn in_group(admin: &mut postgres::Client, login: &str, group: &str) -> bool {
    admin
        .query_one("SELECT pg_has_role($1, $2, 'MEMBER')", &[&login, &group])
        .expect("pg_has_role")
        .get(0)
}

/// An IT admin's rollout: a role change moves the login's access at once; add-user refuses to
/// change a role silently and names set-role; disable, enable and remove-user work without
/// hand-written SQL (history kept); roles salesdojo did not make are left alone; the new
/// password never reaches the server in clear. (Before: `add-user exadmin --role trainee`
/// said "trainee" and the login kept reading every team; `add-user billing_svc
/// --reset-password` took another application's role over; the password was a bind
/// parameter, in the server's log with `log_statement=all`.)
#[test]
fn postgres_roles_follow_their_changes_and_other_roles_are_left_alone() {
    let Some(pg) =
        Cluster::start("postgres_roles_follow_their_changes_and_other_roles_are_left_alone")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let mut admin = pg.admin("salesdojo");
    let pw = set_up(
        &pg,
        root.path(),
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("bo", "博", "trainee", &["二店"]),
            ("exadmin", "前管理员", "admin", &[]),
        ],
    );
    // Every statement is logged from here on: no password may be in the log.
    admin
        .batch_execute("ALTER SYSTEM SET log_statement = 'all'")
        .expect("log every statement");
    admin
        .batch_execute("SELECT pg_reload_conf()")
        .expect("reload");
    std::thread::sleep(Duration::from_millis(300));
    let it = Machine::new(root.path(), "it");
    let env = [("PGPASSWORD", ADMIN_PASSWORD)];
    let server = pg.admin_url();
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(&["--server", &server]);
        it.run_with(&all, &env, "")
    };
    let o = run(&["team", "add-user", "cy", "--name", "茜", "--team", "一店"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let cy_password = o
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("cy\ttrainee\t"))
        .expect("cy's password")
        .to_owned();
    let o = run(&[
        "team",
        "add-user",
        "ana",
        "--team",
        "一店",
        "--reset-password",
    ]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let ana_password = o
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("ana\ttrainee\t"))
        .expect("ana's new password")
        .to_owned();
    pg.connect("cy", &cy_password).expect("cy signs in");
    pg.connect("ana", &ana_password)
        .expect("ana signs in with her new password");
    let log = pg.log();
    assert!(
        log.contains("salesdojo_create_login"),
        "statements are logged"
    );
    for secret in [&cy_password, &ana_password] {
        assert!(
            !log.contains(secret.as_str()),
            "a password is in the server's log"
        );
    }

    // The ex-admin reads every team; after set-role, only their own row.
    let reads = |login: &str, password: &str| -> i64 {
        let mut c = pg.connect(login, password).expect("signs in");
        c.query_one("SELECT COUNT(*) FROM people", &[])
            .expect("people")
            .get(0)
    };
    assert!(reads("exadmin", &pw["exadmin"]) >= 3);
    let o = run(&["team", "add-user", "exadmin", "--role", "trainee"]);
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("'exadmin' is a admin, not a trainee: to change their role, run `salesdojo team set-role exadmin trainee`"),
        "{}",
        o.stderr
    );
    assert!(in_group(&mut admin, "exadmin", "salesdojo_admin"));
    let o = run(&["team", "set-role", "exadmin", "trainee", "--team", "一店"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("exadmin: admin → trainee"),
        "{}",
        o.stdout
    );
    assert!(!in_group(&mut admin, "exadmin", "salesdojo_admin"));
    assert!(in_group(&mut admin, "exadmin", "salesdojo_trainee"));
    assert_eq!(
        reads("exadmin", &pw["exadmin"]),
        1,
        "only their own row now"
    );

    // Disable, enable, remove: no SQL by hand; the history stays.
    let ana = Machine::new(root.path(), "ana");
    ana.join(&pg, "ana", &ana_password);
    practise(&ana, "安娜", "一店");
    let o = run(&["team", "disable", "ana"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        pg.connect("ana", &ana_password).is_err(),
        "a disabled login cannot sign in"
    );
    let o = run(&["team", "enable", "ana"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    pg.connect("ana", &ana_password).expect("enabled again");
    let o = run(&["team", "remove-user", "ana"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        pg.connect("ana", &ana_password).is_err(),
        "the login is gone"
    );
    assert_eq!(
        count(
            &mut admin,
            "SELECT COUNT(*) FROM pg_roles WHERE rolname = 'ana'"
        ),
        0
    );
    assert_eq!(
        count(
            &mut admin,
            "SELECT COUNT(*) FROM people WHERE login = 'ana'"
        ),
        0
    );
    assert_eq!(
        count(
            &mut admin,
            "SELECT COUNT(*) FROM attempts a JOIN trainees t ON t.id = a.trainee_id WHERE t.login = 'ana'"
        ),
        1,
        "her practice stays"
    );

    // Roles salesdojo did not make are left alone: another application's, the superuser.
    admin
        .batch_execute("CREATE ROLE billing_svc LOGIN PASSWORD 'billing-secret'")
        .expect("another application's role");
    for args in [
        vec!["team", "add-user", "billing_svc", "--reset-password"],
        vec!["team", "set-role", "billing_svc", "admin"],
        vec!["team", "disable", "billing_svc"],
        vec!["team", "remove-user", "billing_svc"],
        vec!["team", "add-user", "admin"],
    ] {
        let o = run(&args);
        assert_eq!(o.code, 2, "{args:?}: {}{}", o.stdout, o.stderr);
        assert!(
            o.stderr.contains("that salesdojo did not create"),
            "{args:?}: {}",
            o.stderr
        );
    }
    pg.connect("billing_svc", "billing-secret")
        .expect("its password is unchanged");

    // A trainee needs one team, a manager at least one; a name has a limit.
    let long = "名".repeat(5000);
    for (args, said) in [
        (vec!["team", "add-user", "dan"], "needs exactly one --team"),
        (
            vec!["team", "add-user", "meg", "--role", "manager"],
            "needs --team for each team they manage",
        ),
        (
            vec![
                "team",
                "add-user",
                "eve",
                "--team",
                "一店",
                "--name",
                long.as_str(),
            ],
            "has 5000 characters; the limit is 100",
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.code, 2, "{args:?}: {}{}", o.stdout, o.stderr);
        assert!(o.stderr.contains(said), "{args:?}: {}", o.stderr);
    }
    // A trainee reads their own team's name only.
    let mut cy = pg.connect("cy", &cy_password).expect("cy signs in");
    assert_eq!(count(&mut cy, "SELECT COUNT(*) FROM teams"), 1);
    // `team verify` under a login that is not the verifier says so, even with nothing to do.
    let o = it.run_with(
        &["team", "verify", "--server", &pg.url("cy")],
        &[("PGPASSWORD", cy_password.as_str())],
        "",
    );
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stderr
            .contains("'cy' is a trainee: only a verifier login"),
        "{}",
        o.stderr
    );
    assert!(!in_group(&mut admin, "billing_svc", "salesdojo_trainee"));
    assert_eq!(
        count(
            &mut admin,
            "SELECT COUNT(*) FROM people WHERE login IN ('billing_svc', 'admin')"
        ),
        0
    );
}

/// After an attempt ends, its trainee can add nothing to it (the database refuses, whatever
/// the client), and the verifier compares every criterion, not only the total and verdict: an
/// attempt ended with an honest total but forged criteria is flagged, saying which. (Before:
/// a trainee appended criteria and a reply "#99 appended later" to her verified attempt, and
/// an attempt with an honest total and every criterion at 100 was verified.)
#[test]
fn postgres_an_ended_attempt_stays_as_it_ended() {
    let Some(pg) = Cluster::start("postgres_an_ended_attempt_stays_as_it_ended") else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let (pw, _laptop) = one_practice_on_a_team(&pg, root.path());
    let mut ana = pg.connect("ana", &pw["ana"]).expect("ana signs in");
    let honest: String = ana
        .query_one("SELECT id FROM attempts WHERE status = 'completed'", &[])
        .expect("her attempt")
        .get(0);
    // Nothing is added to her ended attempt: no reply, criterion, point or live event.
    for (what, sql) in [
        (
            "a reply",
            "INSERT INTO replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, created_at)
             SELECT 'late', attempt_id, 99, turn_id, stage_id, answer_kind, '#99 appended later', 1, 100, result_id, created_at
             FROM replies WHERE attempt_id = $1 LIMIT 1",
        ),
        (
            "a criterion",
            "INSERT INTO attempt_criteria (attempt_id, criterion_id, points, weight, replies) VALUES ($1, 'appended', 100, 5, 1)",
        ),
        (
            "a live event",
            "INSERT INTO live_events (id, attempt_id, at, kind) VALUES ('late-event', $1, '2026-12-01T00:00:00Z', 'note')",
        ),
    ] {
        let r = ana.execute(sql, &[&honest]);
        let said = format!("{r:?}");
        assert!(denied(r), "{what} was added to an ended attempt: {said}");
    }
    assert!(
        denied(ana.execute(
            "INSERT INTO reply_points (reply_id, criterion_id, points, weight)
             SELECT id, 'appended', 100, 5 FROM replies WHERE attempt_id = $1 LIMIT 1",
            &[&honest],
        )),
        "points were added to a reply of an ended attempt"
    );

    // A copy of her attempt, ended with its honest total and verdict but every criterion at 100.
    let mut tx = ana.transaction().expect("tx");
    tx.execute(
        "INSERT INTO attempts (id, trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, status)
         SELECT 'forged-criteria', trainee_id, playbook_id, playbook_version, playbook_hash, scenario_id, mode, started_at, 'in_progress'
         FROM attempts WHERE id = $1",
        &[&honest],
    )
    .expect("open");
    tx.execute(
        "INSERT INTO replies (id, attempt_id, seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, created_at)
         SELECT 'fc-' || seq, 'forged-criteria', seq, turn_id, stage_id, answer_kind, answer, seconds, score, result_id, created_at
         FROM replies WHERE attempt_id = $1",
        &[&honest],
    )
    .expect("its replies");
    tx.execute(
        "UPDATE attempts SET (ended_at, total, passed, status) =
             (SELECT ended_at, total, passed, 'completed' FROM attempts WHERE id = $1)
         WHERE id = 'forged-criteria'",
        &[&honest],
    )
    .expect("its honest end");
    tx.execute(
        "INSERT INTO attempt_criteria (attempt_id, criterion_id, points, weight, replies)
         SELECT 'forged-criteria', criterion_id, 100, weight, replies FROM attempt_criteria WHERE attempt_id = $1",
        &[&honest],
    )
    .expect("criteria go up with the end");
    tx.commit().expect("commit");

    let v = Machine::new(root.path(), "verifier");
    let o = v.verify(&pg, &pw["ver"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("1 verified, 1 flagged"), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("flagged forged-criteria: stored criterion '")
            && o.stdout.contains(" 100.0, its replies give "),
        "{}",
        o.stdout
    );
}

/// A server that accepts connections and never answers (its postmaster stopped with SIGSTOP):
/// `team status` says what this machine knows at once and that the server did not answer
/// within the connect timeout; `sync` and reports from the server give up as quickly.
/// (Before: `team status` printed nothing in 120 s; `sync` and `--db postgres://… report`
/// hung past 60 s.)
#[test]
fn postgres_a_server_that_never_answers_hangs_nothing() {
    let Some(pg) = Cluster::start("postgres_a_server_that_never_answers_hangs_nothing") else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(&pg, root.path(), &[("ana", "安娜", "trainee", &["一店"])]);
    let m = Machine::new(root.path(), "laptop");
    m.join(&pg, "ana", &pw["ana"]);
    let pid = std::fs::read_to_string(pg.data_dir().join("postmaster.pid"))
        .expect("postmaster.pid")
        .lines()
        .next()
        .expect("its pid")
        .trim()
        .to_owned();
    let signal = |sig: &str| {
        let ok = Command::new("kill")
            .args([sig, &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {sig} {pid}");
    };
    signal("-STOP");
    let timed = |args: &[&str], env: &[(&str, &str)]| {
        let start = Instant::now();
        let o = m.run_with(args, env, "");
        (o, start.elapsed())
    };
    let (status, took) = timed(&["team", "status"], &[]);
    let (sync, sync_took) = timed(&["sync"], &[]);
    let server = pg.url("ana");
    let (report, report_took) = timed(
        &["--db", &server, "report"],
        &[("PGPASSWORD", pw["ana"].as_str())],
    );
    // Practice goes on meanwhile (it pushes in the background and never waits for it).
    let start = Instant::now();
    practise(&m, "安娜", "一店");
    let practice_took = start.elapsed();
    signal("-CONT");
    assert!(took <= Duration::from_secs(7), "team status took {took:?}");
    assert!(status.stdout.contains("waiting:"), "{}", status.stdout);
    assert!(
        status.stdout.contains("online:     no:") && status.stdout.contains("no answer within 5 s"),
        "{}",
        status.stdout
    );
    assert_eq!(sync.code, 2, "{}", sync.stderr);
    assert!(
        sync_took <= Duration::from_secs(7),
        "sync took {sync_took:?}"
    );
    assert!(
        sync.stderr.contains("no answer within 5 s"),
        "{}",
        sync.stderr
    );
    eprintln!(
        "against a stopped postmaster: team status {took:?}, sync {sync_took:?}, report {report_took:?}, practice {practice_took:?}"
    );
    assert!(
        report_took <= Duration::from_secs(7),
        "report took {report_took:?}"
    );
    assert!(
        report.stderr.contains("no answer within 5 s")
            && report.stderr.contains("working on this machine's copy"),
        "{}",
        report.stderr
    );
    assert!(
        practice_took <= Duration::from_secs(15),
        "practice took {practice_took:?}"
    );
    // Once the server answers again, what waited goes up.
    m.ok(&["sync"]);
    assert!(same_rows(&server_replies(&pg), &local_replies(&m.db())));
}

/// A password the server refuses is tried once, not after every reply: a company directory
/// locks a login out after a few failures. (Before: every reply of a role-play signed in
/// again with the wrong password.)
#[test]
fn postgres_a_refused_password_is_not_retried_after_every_reply() {
    let Some(pg) = Cluster::start("postgres_a_refused_password_is_not_retried_after_every_reply")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(&pg, root.path(), &[("ana", "安娜", "trainee", &["一店"])]);
    let m = Machine::new(root.path(), "laptop");
    m.join(&pg, "ana", &pw["ana"]);
    // The admin gives her a new password; her laptop still has the old one.
    pg.admin("salesdojo")
        .batch_execute("ALTER ROLE ana PASSWORD 'a-new-one-she-has-not-typed'")
        .expect("a new password");
    let failures = || {
        pg.log()
            .matches("password authentication failed for user \"ana\"")
            .count()
    };
    let before = failures();
    // A role-play of four replies, each committed and each poking the background sync.
    practise(&m, "安娜", "一店");
    let tried = failures() - before;
    assert!(tried <= 1, "the refused password was tried {tried} times");
    // Practice was kept here, and `team status` says what is wrong.
    let status = m.ok(&["team", "status"]);
    assert!(!status.contains("waiting:    0 rows"), "{status}");
    assert!(status.contains("online:     no:"), "{status}");
}

/// Assignments on the team server: a manager assigns to their own team and sees where each
/// of its trainees stands; the trainee sees what is assigned to her; the database itself
/// refuses a trainee or a trainer assigning, a manager assigning to another team, and a
/// manager assigning in someone else's name. A practice the verifier has not yet checked
/// shows the assignment started; once verified, passed.
#[test]
fn postgres_assignments_are_made_by_managers_for_their_own_teams() {
    let Some(pg) = Cluster::start("postgres_assignments_are_made_by_managers_for_their_own_teams")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(
        &pg,
        root.path(),
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("cy", "晨阳", "trainee", &["二店"]),
            ("max", "马经理", "manager", &["一店"]),
            ("tia", "田老师", "trainer", &[]),
            ("ver", "核验", "verifier", &[]),
        ],
    );
    let ana_m = Machine::new(root.path(), "ana");
    ana_m.join(&pg, "ana", &pw["ana"]);
    let cy_m = Machine::new(root.path(), "cy");
    cy_m.join(&pg, "cy", &pw["cy"]);
    // What was practised before the assignment does not count for it.
    practise(&ana_m, "安娜", "一店");
    ana_m.ok(&["sync"]);
    std::thread::sleep(Duration::from_millis(1100));

    let due = (chrono::Local::now().date_naive() + chrono::Duration::days(7)).to_string();
    let mgr = Machine::new(root.path(), "manager");
    let as_max = [("PGPASSWORD", pw["max"].as_str())];
    let max_url = pg.url("max");
    let o = mgr.run_with(
        &[
            "--db",
            &max_url,
            "assign",
            "jewelry/browsing-to-tryon",
            "--team",
            "一店",
            "--due",
            &due,
        ],
        &as_max,
        "",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    // Another team's trainee is not even seen by the manager.
    let o = mgr.run_with(
        &[
            "--db",
            &max_url,
            "assign",
            "jewelry",
            "--trainee",
            "晨阳",
            "--due",
            &due,
        ],
        &as_max,
        "",
    );
    assert_ne!(o.code, 0);
    assert!(o.stderr.contains("unknown trainee '晨阳'"), "{}", o.stderr);
    let standings = |m: &Machine, url: &str, env: &[(&str, &str)]| -> serde_json::Value {
        let o = m.run_with(&["--db", url, "assignments", "--format", "json"], env, "");
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        serde_json::from_str(&o.stdout).expect("JSON")
    };
    let statuses = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["standings"]
            .as_array()
            .expect("standings")
            .iter()
            .map(|s| {
                (
                    s["trainee"]["name"].as_str().unwrap_or_default().to_owned(),
                    s["status"]["status"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect()
    };
    let v = standings(&mgr, &max_url, &as_max);
    assert_eq!(statuses(&v), [("安娜".to_owned(), "assigned".to_owned())]);
    // The trainee sees hers; the other team's trainee sees nothing.
    let ana_url = pg.url("ana");
    let v = standings(&ana_m, &ana_url, &[("PGPASSWORD", pw["ana"].as_str())]);
    assert_eq!(statuses(&v), [("安娜".to_owned(), "assigned".to_owned())]);
    let mut cy = pg.connect("cy", &pw["cy"]).expect("cy signs in");
    assert_eq!(count(&mut cy, "SELECT COUNT(*) FROM assignments"), 0);

    // The database refuses what the client never offers.
    let mut admin = pg.admin("salesdojo");
    let trainee_id = |login: &str| -> String {
        pg.admin("salesdojo")
            .query_one("SELECT id FROM trainees WHERE login = $1", &[&login])
            .expect("a trainee row")
            .get(0)
    };
    let (ana_id, cy_id) = (trainee_id("ana"), trainee_id("cy"));
    let insert = |c: &mut postgres::Client, id: &str, trainee: &str, by: Option<&str>| {
        match by {
            Some(by) => c.execute(
                "INSERT INTO assignments (id, playbook_id, trainee_id, due, pass_mark, retake_after_days,
                     retake_max, assigned_by, assigned_at)
                 VALUES ($1, 'objections', $2, '2030-01-01', 70, 0, 2, $3, '2026-12-01T00:00:00Z')",
                &[&id, &trainee, &by],
            ),
            None => c.execute(
                "INSERT INTO assignments (id, playbook_id, trainee_id, due, pass_mark, retake_after_days,
                     retake_max, assigned_at)
                 VALUES ($1, 'objections', $2, '2030-01-01', 70, 0, 2, '2026-12-01T00:00:00Z')",
                &[&id, &trainee],
            ),
        }
    };
    let mut ana = pg.connect("ana", &pw["ana"]).expect("ana signs in");
    assert!(
        denied(insert(&mut ana, "x1", &ana_id, None)),
        "a trainee cannot assign, not even to herself"
    );
    let mut tia = pg.connect("tia", &pw["tia"]).expect("tia signs in");
    assert!(
        denied(insert(&mut tia, "x2", &ana_id, None)),
        "a trainer cannot assign"
    );
    let mut max = pg.connect("max", &pw["max"]).expect("max signs in");
    assert!(
        denied(insert(&mut max, "x3", &cy_id, None)),
        "a manager cannot assign to another team's trainee"
    );
    let other_team: String = admin
        .query_one("SELECT id FROM teams WHERE name = '二店'", &[])
        .expect("二店")
        .get(0);
    assert!(
        denied(max.execute(
            "INSERT INTO assignments (id, playbook_id, team_id, due, pass_mark, retake_after_days,
                 retake_max, assigned_at)
             VALUES ('x4', 'objections', $1, '2030-01-01', 70, 0, 2, '2026-12-01T00:00:00Z')",
            &[&other_team],
        )),
        "a manager cannot assign to another team"
    );
    assert!(
        denied(insert(&mut max, "x5", &ana_id, Some("tia"))),
        "a manager assigns as themselves"
    );
    assert_eq!(
        insert(&mut max, "x6", &ana_id, None).expect("max assigns to ana"),
        1
    );
    assert!(
        denied(max.execute("UPDATE assignments SET due = '2020-01-01'", &[])),
        "an assignment is not changed afterwards"
    );
    assert_eq!(count(&mut admin, "SELECT COUNT(*) FROM assignments"), 2);

    // She practises it: started while the verifier has not checked it, passed once it has.
    practise(&ana_m, "安娜", "一店");
    ana_m.ok(&["sync"]);
    let v = standings(&mgr, &max_url, &as_max);
    assert!(
        statuses(&v).contains(&("安娜".to_owned(), "started".to_owned())),
        "{v}"
    );
    let o = ana_m.verify(&pg, &pw["ver"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let v = standings(&mgr, &max_url, &as_max);
    assert!(
        statuses(&v).contains(&("安娜".to_owned(), "passed".to_owned())),
        "{v}"
    );
    let o = mgr.run_with(
        &[
            "--db",
            &max_url,
            "report",
            "--assignments",
            "--format",
            "csv",
        ],
        &as_max,
        "",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .lines()
            .any(|l| l.contains("jewelry/browsing-to-tryon,一店,") && l.ends_with(",1,0,0,1,0,0")),
        "{}",
        o.stdout
    );
}

/// Publishing on the team server: a trainer publishes (as themselves) and every client sees
/// the version; the database refuses a trainee or a manager publishing, a trainer publishing
/// or rolling back a playbook another trainer published, and any change to a version.
#[test]
fn postgres_playbooks_are_published_by_their_trainers_only() {
    let Some(pg) = Cluster::start("postgres_playbooks_are_published_by_their_trainers_only") else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(
        &pg,
        root.path(),
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("max", "马经理", "manager", &["一店"]),
            ("tia", "田老师", "trainer", &[]),
            ("tom", "汤老师", "trainer", &[]),
            ("ver", "核验", "verifier", &[]),
        ],
    );
    let minimal =
        std::fs::read_to_string(common::fixtures().join("good/minimal.yaml")).expect("fixture");
    let trainer = Machine::new(root.path(), "trainer");
    let file = trainer.dir.join("minimal.yaml");
    std::fs::write(&file, &minimal).expect("write");
    let path = file.to_str().expect("a path").to_owned();
    let as_tia = [("PGPASSWORD", pw["tia"].as_str())];
    let tia_url = pg.url("tia");
    let o = trainer.run_with(
        &["--db", &tia_url, "publish", &path, "--note", "first"],
        &as_tia,
        "",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.starts_with("published minimal as version 1"),
        "{}",
        o.stdout
    );
    std::fs::write(&file, minimal.replace("打招呼", "问好")).expect("write");
    let o = trainer.run_with(&["--db", &tia_url, "publish", &path], &as_tia, "");
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);

    // Another client sees both versions, and practises the latest.
    let ana_m = Machine::new(root.path(), "ana");
    ana_m.join(&pg, "ana", &pw["ana"]);
    let ana_url = pg.url("ana");
    let as_ana = [("PGPASSWORD", pw["ana"].as_str())];
    let o = ana_m.run_with(&["--db", &ana_url, "content", "list"], &as_ana, "");
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert_eq!(o.stdout.lines().count(), 2, "{}", o.stdout);
    assert!(
        o.stdout.contains("minimal@2") && o.stdout.contains(" tia "),
        "{}",
        o.stdout
    );
    // Joining synced her laptop: the versions are in its log, where practice reads them
    // offline too.
    let cached = |m: &Machine| -> i64 {
        rusqlite::Connection::open(m.db())
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM published", [], |r| r.get(0)))
            .unwrap_or(-1)
    };
    assert_eq!(cached(&ana_m), 2);
    // A damaged copy is not used, and the next sync brings its files again.
    rusqlite::Connection::open(ana_m.db())
        .and_then(|c| {
            c.execute(
                "UPDATE published SET files = replace(files, '问好', '篡改') WHERE version = 2",
                [],
            )
        })
        .expect("damaged");
    let o = ana_m.run(&["content", "list"]);
    assert!(
        o.stdout.contains("(files do not match the hash: not used)"),
        "{}",
        o.stdout
    );
    let o = ana_m.run(&["sync"]);
    assert!(
        o.stdout.contains("1 published playbook versions"),
        "{}",
        o.stdout
    );
    let o = ana_m.run(&["content", "list"]);
    assert!(!o.stdout.contains("not used"), "{}", o.stdout);
    let o = ana_m.run_with(
        &[
            "practice",
            "minimal",
            "--scenario",
            "hello",
            "--trainee",
            "安娜",
        ],
        &[],
        "您想了解什么？\n",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("问好"),
        "the latest version is played: {}",
        o.stdout
    );

    // Refused by the database, whatever the client does.
    let insert = "INSERT INTO published (playbook_id, version, hash, format, files, published_at)
                  VALUES ($1, $2, 'h', 1, '{}', '2026-12-06T00:00:00Z')";
    let mut ana = pg.connect("ana", &pw["ana"]).expect("ana signs in");
    assert!(
        denied(ana.execute(insert, &[&"mine", &1i32])),
        "a trainee cannot publish"
    );
    let mut max = pg.connect("max", &pw["max"]).expect("max signs in");
    assert!(
        denied(max.execute(insert, &[&"mine", &1i32])),
        "a manager cannot publish"
    );
    let mut tom = pg.connect("tom", &pw["tom"]).expect("tom signs in");
    assert!(
        denied(tom.execute(insert, &[&"minimal", &3i32])),
        "a trainer cannot publish over another trainer's playbook"
    );
    assert_eq!(
        tom.execute(insert, &[&"his-own", &1i32])
            .expect("his own playbook"),
        1
    );
    assert!(
        denied(tom.execute(
            "INSERT INTO published (playbook_id, version, hash, format, files, published_by, published_at)
             VALUES ('his-other', 1, 'h', 1, '{}', 'tia', '2026-12-06T00:00:00Z')",
            &[]
        )),
        "a trainer publishes as themselves"
    );
    let mut tia = pg.connect("tia", &pw["tia"]).expect("tia signs in");
    assert!(
        denied(tia.execute("UPDATE published SET note = 'x'", &[])),
        "nothing changes a version"
    );
    assert!(
        denied(tia.execute("DELETE FROM published", &[])),
        "nothing removes a version"
    );
    // The rollback of another trainer's playbook, through salesdojo: refused by the server.
    let other = Machine::new(root.path(), "other-trainer");
    let o = other.run_with(
        &[
            "--db",
            &pg.url("tom"),
            "content",
            "rollback",
            "minimal",
            "1",
        ],
        &[("PGPASSWORD", pw["tom"].as_str())],
        "",
    );
    assert_ne!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("row-level security"), "{}", o.stderr);
    // Its own trainer rolls it back: version 3.
    let o = trainer.run_with(
        &["--db", &tia_url, "content", "rollback", "minimal", "1"],
        &as_tia,
        "",
    );
    assert!(
        o.stdout.starts_with("published minimal as version 3"),
        "{}{}",
        o.stdout,
        o.stderr
    );
    let mut admin = pg.admin("salesdojo");
    assert_eq!(
        count(
            &mut admin,
            "SELECT COUNT(*) FROM published WHERE playbook_id = 'minimal'"
        ),
        3
    );
    // Ana's attempt, played on version 2, reaches the server; the verifier (no playbooks of
    // its own) judges it against version 2, read from the server, though version 3 is out.
    let o = ana_m.run(&["sync"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = Machine::new(root.path(), "verifier").verify(&pg, &pw["ver"]);
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains(": 1 verified, 0 flagged") && o.stdout.contains("0 unverifiable"),
        "{}",
        o.stdout
    );
}

/// The manager's week on the team server: a manager comments on one reply of a trainee of
/// their team and signs it off; the trainee asks for a review, sees the review and
/// acknowledges it; the queue shows the question until a review answers it. The database
/// itself refuses a trainee reviewing, a manager reviewing another team's attempt, a trainee
/// asking about or acknowledging someone else's attempt, and a manager acknowledging for a
/// trainee.
#[test]
fn postgres_reviews_questions_and_acknowledgements_belong_to_their_people() {
    let Some(pg) =
        Cluster::start("postgres_reviews_questions_and_acknowledgements_belong_to_their_people")
    else {
        return;
    };
    let root = tempfile::tempdir().expect("temp");
    let pw = set_up(
        &pg,
        root.path(),
        &[
            ("ana", "安娜", "trainee", &["一店"]),
            ("cy", "晨阳", "trainee", &["二店"]),
            ("max", "马经理", "manager", &["一店"]),
        ],
    );
    let ana_m = Machine::new(root.path(), "ana");
    ana_m.join(&pg, "ana", &pw["ana"]);
    practise(&ana_m, "安娜", "一店");
    ana_m.ok(&["sync"]);
    let cy_m = Machine::new(root.path(), "cy");
    cy_m.join(&pg, "cy", &pw["cy"]);
    practise(&cy_m, "晨阳", "二店");
    cy_m.ok(&["sync"]);
    let mut admin = pg.admin("salesdojo");
    let attempt_of = |admin: &mut postgres::Client, login: &str| -> String {
        admin
            .query_one(
                "SELECT a.id FROM attempts a JOIN trainees t ON t.id = a.trainee_id WHERE t.login = $1",
                &[&login],
            )
            .expect("an attempt")
            .get(0)
    };
    let (ana_a, cy_a) = (attempt_of(&mut admin, "ana"), attempt_of(&mut admin, "cy"));

    // The trainee asks from her machine; the manager's queue shows it.
    let ana_url = pg.url("ana");
    let as_ana = [("PGPASSWORD", pw["ana"].as_str())];
    let o = ana_m.run_with(
        &[
            "--db",
            &ana_url,
            "ask-review",
            &ana_a,
            "--question",
            "第二句怎么说更好？",
        ],
        &as_ana,
        "",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let mgr = Machine::new(root.path(), "manager");
    let max_url = pg.url("max");
    let as_max = [("PGPASSWORD", pw["max"].as_str())];
    let queue = |reason: &str| -> Vec<String> {
        let o = mgr.run_with(
            &[
                "--db", &max_url, "queue", "--reason", reason, "--format", "json",
            ],
            &as_max,
            "",
        );
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
        v.as_array()
            .expect("a list")
            .iter()
            .map(|i| i["attempt"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(queue("asked"), std::slice::from_ref(&ana_a));

    // The manager answers on one reply and signs it off (it passed).
    let o = mgr.run_with(
        &[
            "--db",
            &max_url,
            "review",
            &ana_a,
            "--comment",
            "先夸再问",
            "--reply",
            "1",
            "--sign-off",
        ],
        &as_max,
        "",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(queue("asked").is_empty());
    // Another team's attempt is not even seen.
    let o = mgr.run_with(
        &["--db", &max_url, "review", &cy_a, "--comment", "x"],
        &as_max,
        "",
    );
    assert_ne!(o.code, 0, "{}", o.stdout);

    // The trainee sees and acknowledges it; the manager sees that she did.
    let o = ana_m.run_with(&["--db", &ana_url, "reviews", "--ack", "all"], &as_ana, "");
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("1 reviews acknowledged"), "{}", o.stdout);
    let o = mgr.run_with(
        &["--db", &max_url, "attempt", &ana_a, "--format", "json"],
        &as_max,
        "",
    );
    let v: serde_json::Value = serde_json::from_str(&o.stdout).expect("JSON");
    assert_eq!(v["reviews"][0]["reply"], 1, "{v}");
    assert_eq!(v["reviews"][0]["sign_off"], true, "{v}");
    assert!(v["reviews"][0]["acknowledged_at"].is_string(), "{v}");

    // What the client never offers, the database refuses.
    let review_id: String = admin
        .query_one("SELECT id FROM reviews WHERE attempt_id = $1", &[&ana_a])
        .expect("the review")
        .get(0);
    let reviews_before = count(&mut admin, "SELECT COUNT(*) FROM reviews");
    let mut ana = pg.connect("ana", &pw["ana"]).expect("ana signs in");
    assert!(
        denied(ana.execute(
            "INSERT INTO reviews (id, attempt_id, at, comment, sign_off) VALUES ('r1', $1, '2026-12-01T00:00:00Z', 'mine', 1)",
            &[&ana_a],
        )),
        "a trainee cannot review, not even her own attempt"
    );
    let mut max = pg.connect("max", &pw["max"]).expect("max signs in");
    assert!(
        max.execute(
            "INSERT INTO reviews (id, attempt_id, at, comment) VALUES ('r2', $1, '2026-12-01T00:00:00Z', 'x')",
            &[&cy_a],
        )
        .is_err(),
        "a manager cannot review another team's attempt"
    );
    assert_eq!(
        count(&mut admin, "SELECT COUNT(*) FROM reviews"),
        reviews_before
    );
    let mut cy = pg.connect("cy", &pw["cy"]).expect("cy signs in");
    assert!(
        cy.execute(
            "INSERT INTO review_requests (id, attempt_id, question, asked_at) VALUES ('q1', $1, 'x', '2026-12-01T00:00:00Z')",
            &[&ana_a],
        )
        .is_err(),
        "a trainee cannot ask about someone else's attempt"
    );
    assert!(
        cy.execute(
            "INSERT INTO review_acks (review_id, attempt_id, acked_at) VALUES ($1, $2, '2026-12-01T00:00:00Z')",
            &[&review_id, &ana_a],
        )
        .is_err(),
        "a trainee cannot acknowledge someone else's review"
    );
    assert!(
        denied(max.execute(
            "INSERT INTO review_acks (review_id, attempt_id, acked_at) VALUES ($1, $2, '2026-12-01T00:00:00Z')",
            &[&review_id, &ana_a],
        )),
        "a manager cannot acknowledge for the trainee"
    );
    assert_eq!(count(&mut admin, "SELECT COUNT(*) FROM review_requests"), 1);
    assert_eq!(count(&mut admin, "SELECT COUNT(*) FROM review_acks"), 1);

    // The comment on a reply reaches the exports from the server too.
    let o = mgr.run_with(
        &[
            "--db",
            &max_url,
            "export",
            "--format",
            "csv",
            "--verified-only",
            "false",
        ],
        &as_max,
        "",
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("#1: 先夸再问"), "{}", o.stdout);

    // Certificates: a manager signs off their own team's trainee, as themselves; a trainee
    // never signs off her own, and a manager never another team's.
    let ana_id: String = admin
        .query_one("SELECT id FROM trainees WHERE login = 'ana'", &[])
        .expect("ana")
        .get(0);
    let cy_id: String = admin
        .query_one("SELECT id FROM trainees WHERE login = 'cy'", &[])
        .expect("cy")
        .get(0);
    let sign = |c: &mut postgres::Client, id: &str, trainee: &str| {
        c.execute(
            "INSERT INTO certificate_signoffs (id, trainee_id, playbook_id, signed_by, signed_at)
             VALUES ($1, $2, 'jewelry', 'someone', '2026-12-01T00:00:00Z')",
            &[&id, &trainee],
        )
    };
    assert!(
        denied(sign(&mut ana, "s1", &ana_id)),
        "a trainee cannot sign off her own certificate"
    );
    assert!(
        denied(sign(&mut max, "s2", &cy_id)),
        "a manager cannot sign off another team's trainee"
    );
    assert!(sign(&mut max, "s3", &ana_id).is_ok());
    let signer: String = admin
        .query_one("SELECT signed_by FROM certificate_signoffs", &[])
        .expect("one sign-off")
        .get(0);
    assert_eq!(signer, "max", "the signer is whoever signed in");
    assert!(
        denied(ana.execute(
            "INSERT INTO certificate_revocations (id, trainee_id, playbook_id, reason, revoked_at)
             VALUES ('v1', $1, 'jewelry', 'x', '2026-12-01T00:00:00Z')",
            &[&ana_id],
        )),
        "a trainee cannot revoke a certificate"
    );
    assert_eq!(
        count(&mut admin, "SELECT COUNT(*) FROM certificate_signoffs"),
        1
    );
}
