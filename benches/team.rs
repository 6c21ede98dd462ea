//! Team mode on a real PostgreSQL server (a throw-away cluster, as the tests start one):
//!
//! - **push**: a backlog of 1 000 replies logged offline, pushed over loopback (target < 1 s);
//! - **latency**: a reply committed locally, until the server has it with the background
//!   sync running (target < 1 s);
//! - **publish**: a trainer publishes a playbook (checked and tested first) until a trainee's
//!   client has it in its log, through its next sync (target < 2 s);
//! - **load**: 200 clients, each its own login and local log, each logging a reply every 2 s
//!   and pushing it, while 5 managers run the review queries (target: p99 server commit
//!   < 50 ms, 0 errors, 0 lost). `SALESDOJO_LOAD_SECS` sets the length (default 300);
//! - **reports** (when `SALESDOJO_BENCH_PG` names a server loaded with the demo history, see
//!   docs/BENCHMARKS.md): every review query's median as the owner, as a manager under
//!   row-level security, and `psql` running the same SQL (passwords in
//!   `SALESDOJO_BENCH_PG_PASSWORD` and `SALESDOJO_BENCH_MANAGER_PASSWORD`;
//!   `SALESDOJO_BENCH_SQL_DIR` also writes each query's SQL there).
//!
//! `cargo bench --bench team` (skips, saying so, where PostgreSQL is not installed).
#![allow(clippy::disallowed_methods)]

#[path = "../tests/common/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use salesdojo::playbook::{Content, Library, Report, load};
use salesdojo::practice::{Answer, ReplyRecord};
use salesdojo::store::report::Filter;
use salesdojo::store::team::{self, Server, admin, sync};
use salesdojo::store::{self, Mode, NewAttempt, ProgressLog, Records, Store};

fn record(lib: &Library) -> (std::sync::Arc<salesdojo::playbook::Playbook>, ReplyRecord) {
    let pb = lib.playbook("seven-step").expect("bundled").clone();
    let scen = pb.scenario("inbound-lead").expect("bundled");
    let turn = scen.turn("vague").expect("bundled");
    let r = salesdojo::practice::session::score_turn(
        &pb,
        None,
        scen,
        turn,
        Answer::Text("您平时怎么协作？".into()),
        2.0,
        &[],
    )
    .expect("scores");
    (pb, r)
}

/// Starts a practice attempt of the bench's scenario in `log`.
fn start(
    log: &mut impl ProgressLog,
    attempt: &str,
    trainee: &str,
    pb: &salesdojo::playbook::Playbook,
) {
    log.start_attempt(&NewAttempt {
        id: attempt,
        trainee_id: trainee,
        playbook_id: &pb.id,
        playbook_version: pb.version,
        playbook_hash: &pb.source.hash,
        scenario_id: "inbound-lead",
        mode: Mode::Practice,
        started_at: Utc::now(),
    })
    .expect("starts");
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let Some(cluster) = pg::Cluster::start("benches/team") else {
        return;
    };
    let mut r = Report::default();
    let lib = load(&[Content::bundled()], &mut r);
    let (pb, rec) = record(&lib);
    let work = tempfile::tempdir().expect("temp");
    let mut admin_client = cluster.admin(pg::DB);
    admin::init(&mut admin_client).expect("init");
    let load_clients = 200;
    let mut people: Vec<admin::NewUser> = (0..load_clients)
        .map(|i| admin::NewUser {
            login: format!("t{i:03}"),
            name: format!("学员{i:03}"),
            role: "trainee".into(),
            teams: vec![format!("组{}", i % 10)],
        })
        .collect();
    people.push(admin::NewUser {
        login: "lat".into(),
        name: "时延".into(),
        role: "trainee".into(),
        teams: vec!["组0".into()],
    });
    people.push(admin::NewUser {
        login: "push".into(),
        name: "推送".into(),
        role: "trainee".into(),
        teams: vec!["组0".into()],
    });
    people.push(admin::NewUser {
        login: "tia".into(),
        name: "田老师".into(),
        role: "trainer".into(),
        teams: Vec::new(),
    });
    for m in 0..5 {
        people.push(admin::NewUser {
            login: format!("m{m}"),
            name: format!("经理{m}"),
            role: "manager".into(),
            teams: (0..10)
                .filter(|t| t % 5 == m)
                .map(|t| format!("组{t}"))
                .collect(),
        });
    }
    let added = admin::add_users(&mut admin_client, &people, false).expect("people");
    let passwords: std::collections::HashMap<String, String> = added
        .into_iter()
        .map(|a| (a.login, a.password.unwrap_or_default()))
        .collect();
    let server_for = |login: &str| {
        let url = format!(
            "postgres://{login}:{}@127.0.0.1:{}/{}",
            passwords[login],
            cluster.port,
            pg::DB
        );
        // The password rides in the address only inside this benchmark.
        let mut cfg: postgres::Config = url.parse().expect("address");
        cfg.connect_timeout(Duration::from_secs(5));
        cfg
    };

    // --- push: 1 000 replies logged offline, pushed.
    let mut push_ms = Vec::new();
    for round in 0..5 {
        let dir = work.path().join(format!("push{round}"));
        std::fs::create_dir_all(&dir).expect("dir");
        let mut store = Store::open(&dir.join("log.db")).expect("log");
        let mut client = server_for("push")
            .connect(postgres::NoTls)
            .expect("signs in");
        let server = Server::parse(
            &format!("postgres://push@127.0.0.1:{}/{}", cluster.port, pg::DB),
            None,
        )
        .expect("address");
        // Each round a new local log of the same login: a new trainee row locally, the same
        // on the server, so each round pushes 1 000 new replies.
        team::link(&mut store, &server, &mut client).expect("links");
        let j = store.joined().expect("joined").expect("joined");
        let attempt = store::new_id();
        start(&mut store, &attempt, &j.trainee_id, &pb);
        for seq in 1..=1000 {
            store
                .record_reply(&store::new_id(), &attempt, seq, &rec, Utc::now())
                .expect("logs");
        }
        let start = Instant::now();
        let mut counts = sync::SyncCounts::default();
        sync::push(&mut store, &mut client, &j, &mut counts).expect("pushes");
        push_ms.push(ms(start.elapsed()));
        assert_eq!(counts.pushed_replies, 1000);
    }
    push_ms.sort_by(f64::total_cmp);
    println!(
        "push 1000 replies: median {:.0} ms, min {:.0}, max {:.0} (target < 1000 ms)",
        percentile(&push_ms, 0.5),
        push_ms[0],
        push_ms[push_ms.len() - 1]
    );

    // --- latency: a committed reply until the server has it (background sync).
    {
        let dir = work.path().join("latency");
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("log.db");
        let server = Server::parse(
            &format!("postgres://lat@127.0.0.1:{}/{}", cluster.port, pg::DB),
            None,
        )
        .expect("address");
        let mut store = Store::open(&path).expect("log");
        let mut client = server.connect(Some(&passwords["lat"])).expect("signs in");
        team::link(&mut store, &server, &mut client).expect("links");
        drop(store);
        // The background sync signs in with the password file, as a joined client does.
        let pgpass = dir.join("pgpass");
        std::fs::write(
            &pgpass,
            format!(
                "127.0.0.1:{}:{}:lat:{}\n",
                cluster.port,
                pg::DB,
                passwords["lat"]
            ),
        )
        .expect("pgpass");
        // SAFETY: single-threaded here; no other thread reads the environment yet.
        unsafe { std::env::set_var("PGPASSFILE", &pgpass) };
        let log = Store::open(&path).expect("log");
        let background = sync::Background::start(&path).expect("joined");
        let mut log = sync::Syncing {
            log,
            background: Some(background),
        };
        let j = log.log.joined().expect("joined").expect("joined");
        let attempt = store::new_id();
        start(&mut log, &attempt, &j.trainee_id, &pb);
        let mut watch = cluster.admin(pg::DB);
        let mut lat = Vec::new();
        for seq in 1..=30 {
            let id = store::new_id();
            let start = Instant::now();
            log.record_reply(&id, &attempt, seq, &rec, Utc::now())
                .expect("logs");
            loop {
                let n: i64 = watch
                    .query_one("SELECT COUNT(*) FROM replies WHERE id = $1", &[&id])
                    .expect("query")
                    .get(0);
                if n == 1 {
                    break;
                }
                assert!(start.elapsed() < Duration::from_secs(10), "never arrived");
                std::thread::sleep(Duration::from_millis(1));
            }
            lat.push(ms(start.elapsed()));
            std::thread::sleep(Duration::from_millis(50));
        }
        lat.sort_by(f64::total_cmp);
        println!(
            "commit to server: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} replies (target < 1000 ms)",
            percentile(&lat, 0.5),
            percentile(&lat, 0.99),
            lat[lat.len() - 1],
            lat.len()
        );
    }

    // --- publish: a trainer publishes, a trainee's client syncs and has it.
    {
        let dir = work.path().join("publish");
        std::fs::create_dir_all(dir.join("playbooks")).expect("dir");
        let minimal = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/good/minimal.yaml"),
        )
        .expect("fixture");
        let trainer = team::open_team_at(
            &format!("postgres://tia@127.0.0.1:{}/{}", cluster.port, pg::DB),
            None,
            Some(&passwords["tia"]),
            &dir.join("tia.db"),
        )
        .expect("the trainer signs in");
        let server = Server::parse(
            &format!("postgres://lat@127.0.0.1:{}/{}", cluster.port, pg::DB),
            None,
        )
        .expect("address");
        let mut trainee = Store::open(&dir.join("lat.db")).expect("log");
        let mut client = server.connect(Some(&passwords["lat"])).expect("signs in");
        team::link(&mut trainee, &server, &mut client).expect("links");
        let mut seen = Vec::new();
        for round in 0..10 {
            let file = dir.join(format!("playbooks/drill{round}.yaml"));
            std::fs::write(
                &file,
                minimal.replace("id: minimal", &format!("id: drill{round}")),
            )
            .expect("write");
            let start = Instant::now();
            salesdojo::session::publish(&trainer, &file, None, "tia", Utc::now())
                .expect("published");
            let counts = sync::sync(&mut trainee, &mut client).expect("syncs");
            assert_eq!(counts.pulled_published, 1);
            seen.push(ms(start.elapsed()));
        }
        seen.sort_by(f64::total_cmp);
        println!(
            "publish to seen on another client: median {:.0} ms, max {:.0} ms over {} playbooks (target < 2000 ms)",
            percentile(&seen, 0.5),
            seen[seen.len() - 1],
            seen.len()
        );
    }

    // --- load: 200 clients and 5 managers.
    let secs: u64 = std::env::var("SALESDOJO_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let commits = Arc::new(Mutex::new(Vec::<f64>::new()));
    let errors = Arc::new(AtomicU64::new(0));
    let queries = Arc::new(Mutex::new(Vec::<f64>::new()));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let server_url =
        |login: &str| format!("postgres://{login}@127.0.0.1:{}/{}", cluster.port, pg::DB);
    let mut handles = Vec::new();
    let mut locals = Vec::new();
    for i in 0..load_clients {
        let login = format!("t{i:03}");
        let server = Server::parse(&server_url(&login), None).expect("address");
        let (mut store, _, attempt) = {
            let mut store =
                Store::open(&work.path().join(format!("{login}.db"))).expect("local log");
            let mut client = server.connect(Some(&passwords[&login])).expect("signs in");
            team::link(&mut store, &server, &mut client).expect("links");
            let j = store.joined().expect("joined").expect("joined");
            let attempt = store::new_id();
            start(&mut store, &attempt, &j.trainee_id, &pb);
            (store, (), attempt)
        };
        locals.push(work.path().join(format!("{login}.db")));
        let password = passwords[&login].clone();
        let (rec, commits, errors) = (rec.clone(), commits.clone(), errors.clone());
        handles.push(std::thread::spawn(move || {
            let mut client = server.connect(Some(&password)).expect("signs in");
            let j = store.joined().expect("joined").expect("joined");
            // Spread the clients over the 2 s.
            std::thread::sleep(Duration::from_millis((i as u64 * 2000) / 200));
            let mut seq = 0;
            while Instant::now() < deadline {
                let tick = Instant::now();
                seq += 1;
                if store
                    .record_reply(&store::new_id(), &attempt, seq, &rec, Utc::now())
                    .is_err()
                {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                let start = Instant::now();
                let mut counts = sync::SyncCounts::default();
                match sync::push(&mut store, &mut client, &j, &mut counts) {
                    Ok(()) => commits.lock().expect("lock").push(ms(start.elapsed())),
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let spent = tick.elapsed();
                if spent < Duration::from_secs(2) {
                    std::thread::sleep(Duration::from_secs(2) - spent);
                }
            }
        }));
    }
    for m in 0..5 {
        let login = format!("m{m}");
        let server = Server::parse(&server_url(&login), None).expect("address");
        let client = server.connect(Some(&passwords[&login])).expect("signs in");
        let remote = team::report::Remote::new(client, server.shown());
        let (queries, errors) = (queries.clone(), errors.clone());
        handles.push(std::thread::spawn(move || {
            let f = Filter::default();
            while Instant::now() < deadline {
                let start = Instant::now();
                let ok = remote.pass_rates(&f).is_ok()
                    && remote.leaderboard(&f, 50).is_ok()
                    && remote.criterion_averages(&f).is_ok()
                    && remote.attempts(&f, 500).is_ok();
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                queries.lock().expect("lock").push(ms(start.elapsed()));
                std::thread::sleep(Duration::from_millis(500));
            }
        }));
    }
    for h in handles {
        let _ = h.join();
    }
    let mut c = commits.lock().expect("lock").clone();
    c.sort_by(f64::total_cmp);
    let mut q = queries.lock().expect("lock").clone();
    q.sort_by(f64::total_cmp);
    let mut local = 0i64;
    for p in &locals {
        let conn = rusqlite::Connection::open(p).expect("local");
        local += conn
            .query_row("SELECT COUNT(*) FROM replies", [], |r| r.get::<_, i64>(0))
            .expect("count");
    }
    let on_server: i64 = cluster
        .admin(pg::DB)
        .query_one(
            "SELECT COUNT(*) FROM replies r JOIN attempts a ON a.id = r.attempt_id
             JOIN trainees t ON t.id = a.trainee_id WHERE t.login LIKE 't%'",
            &[],
        )
        .expect("count")
        .get(0);
    println!(
        "load {secs} s, {load_clients} clients every 2 s + 5 managers: {} pushes, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 < 50 ms); \
         manager query sets: {} runs, p50 {:.0} ms, p99 {:.0} ms; errors {}; replies logged {local}, on the server {on_server}, lost {}",
        c.len(),
        percentile(&c, 0.5),
        percentile(&c, 0.99),
        c.last().copied().unwrap_or(f64::NAN),
        q.len(),
        percentile(&q, 0.5),
        percentile(&q, 0.99),
        errors.load(Ordering::Relaxed),
        local - on_server
    );

    if let Ok(url) = std::env::var("SALESDOJO_BENCH_PG") {
        reports(&url);
    } else {
        println!(
            "reports on the demo history: skipped (set SALESDOJO_BENCH_PG, see docs/BENCHMARKS.md)"
        );
    }
}

/// Every review query on a server loaded with the demo history: as the owner (`url`'s login),
/// as a manager under row-level security (`SALESDOJO_BENCH_MANAGER`, a `postgres://` address
/// of a manager login), and `psql` running the same SQL in one session.
fn reports(url: &str) {
    let owner = Server::parse(url, None).expect("address");
    let owner_pw = std::env::var("SALESDOJO_BENCH_PG_PASSWORD").ok();
    let owner = team::report::Remote::new(
        owner.connect(owner_pw.as_deref()).expect("owner signs in"),
        owner.shown(),
    );
    let manager = std::env::var("SALESDOJO_BENCH_MANAGER").ok().map(|m| {
        let s = Server::parse(&m, None).expect("address");
        let pw = std::env::var("SALESDOJO_BENCH_MANAGER_PASSWORD").ok();
        team::report::Remote::new(
            s.connect(pw.as_deref()).expect("manager signs in"),
            s.shown(),
        )
    });
    let quarter = Filter {
        since: Some("2026-01-01".into()),
        until: Some("2026-04-01".into()),
        ..Filter::default()
    };
    let team = Filter {
        team: Some("华东一组".into()),
        ..Filter::default()
    };
    #[derive(Clone, Copy)]
    enum Kind {
        PassRates,
        Leaderboard,
        CriterionAverages,
        WeakestByTeam,
        TrendByWeek,
        Latest500,
    }
    use store::sql::{self as q, Dialect, Reading};
    let pg = Reading::postgres(true);
    let sql = |k: Kind, f: &Filter| match k {
        Kind::PassRates => q::pass_rates(f, pg),
        Kind::Leaderboard => q::leaderboard(f, 50, pg),
        Kind::CriterionAverages => q::criterion_averages(f, pg),
        Kind::WeakestByTeam => q::weakest(f, true, pg),
        Kind::TrendByWeek => q::trend(f, true, pg),
        Kind::Latest500 => q::attempts(f, 500, Dialect::Postgres),
    };
    let run = |r: &team::report::Remote, k: Kind, f: &Filter| -> usize {
        match k {
            Kind::PassRates => r.pass_rates(f).map_or(0, |v| v.len()),
            Kind::Leaderboard => r.leaderboard(f, 50).map_or(0, |v| v.len()),
            Kind::CriterionAverages => r.criterion_averages(f).map_or(0, |v| v.len()),
            Kind::WeakestByTeam => r.weakest(f, true).map_or(0, |v| v.len()),
            Kind::TrendByWeek => r.trend(f, true).map_or(0, |v| v.len()),
            Kind::Latest500 => r.attempts(f, 500).map_or(0, |v| v.len()),
        }
    };
    // Each timing in turns with the one it is compared with (21 rounds, the median of each),
    // so that a slower moment of the machine weighs on both alike.
    let rounds = 21;
    let timed = |r: &team::report::Remote, k: Kind, f: &Filter| -> (f64, usize) {
        let start = Instant::now();
        let rows = run(r, k, f);
        (ms(start.elapsed()), rows)
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        percentile(&v, 0.5)
    };
    let mut psql = Psql::start(url, owner_pw.as_deref());
    let all = Filter::default();
    let queries = [
        ("pass rates", Kind::PassRates, all.clone()),
        ("leaderboard", Kind::Leaderboard, all.clone()),
        ("criterion averages", Kind::CriterionAverages, all.clone()),
        ("weakest per team", Kind::WeakestByTeam, all.clone()),
        ("trend by week", Kind::TrendByWeek, all.clone()),
        ("latest 500 attempts", Kind::Latest500, all.clone()),
        (
            "criterion averages, a quarter",
            Kind::CriterionAverages,
            quarter.clone(),
        ),
        ("pass rates, a quarter", Kind::PassRates, quarter.clone()),
        ("leaderboard, a quarter", Kind::Leaderboard, quarter.clone()),
        (
            "trend by week, a quarter",
            Kind::TrendByWeek,
            quarter.clone(),
        ),
    ];
    println!(
        "| query | owner, whole force | psql, same SQL | ratio | manager (RLS, one team) | owner filtered to that team | RLS ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    let sql_dir = std::env::var("SALESDOJO_BENCH_SQL_DIR").ok();
    for (i, (name, kind, f)) in queries.iter().enumerate() {
        let (q, vals) = sql(*kind, f);
        if let Some(dir) = &sql_dir {
            // Each query as psql runs it (and filtered to the manager's team), to study its
            // plan with `EXPLAIN ANALYZE`.
            let mut same = f.clone();
            same.team = team.team.clone();
            let (tq, tvals) = sql(*kind, &same);
            let _ = std::fs::write(format!("{dir}/{i:02}.sql"), literal_sql(&q, &vals) + ";\n");
            let _ = std::fs::write(
                format!("{dir}/{i:02}-team.sql"),
                literal_sql(&tq, &tvals) + ";\n",
            );
        }
        let text = literal_sql(&q, &vals);
        let mut same = f.clone();
        same.team = team.team.clone();
        let (mut pt, mut ot, mut mt, mut st) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut rows, mut mrows, mut srows) = (0, 0, 0);
        for round in 0..rounds {
            if let Some(p) = psql.as_mut() {
                pt.push(p.time(&text));
            }
            let (t, n) = timed(&owner, *kind, f);
            ot.push(t);
            rows = n;
            if let Some(m) = &manager {
                // Which of the two goes first alternates: the second finds the first's pages
                // in the processor's caches.
                let mut manager_run = || {
                    let (t, n) = timed(m, *kind, f);
                    mt.push(t);
                    mrows = n;
                };
                if round % 2 == 0 {
                    manager_run();
                }
                let (t, n) = timed(&owner, *kind, &same);
                st.push(t);
                srows = n;
                if round % 2 == 1 {
                    manager_run();
                }
            }
        }
        let (psql_ms, owner_ms) = (median(pt), median(ot));
        let mut line = format!(
            "| {name} | {owner_ms:.1} ms ({rows} rows) | {psql_ms:.1} ms | {:.2}x |",
            owner_ms / psql_ms
        );
        if manager.is_some() {
            let (m_ms, o_ms) = (median(mt), median(st));
            line.push_str(&format!(
                " {m_ms:.1} ms ({mrows} rows) | {o_ms:.1} ms ({srows} rows) | {:.2}x |",
                m_ms / o_ms
            ));
        }
        println!("{line}");
    }
}

/// `sql` with its values written in as literals, as one would type it into `psql`.
fn literal_sql(sql: &str, vals: &[String]) -> String {
    let mut text = sql.to_owned();
    for (i, v) in vals.iter().enumerate().rev() {
        text = text.replace(
            &format!("?{}", i + 1),
            &format!("'{}'", v.replace('\'', "''")),
        );
    }
    text
}

/// A `psql` session kept open, timing one statement at a time with its own `\timing`.
struct Psql {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    out: std::io::BufReader<std::process::ChildStdout>,
}

impl Psql {
    fn start(url: &str, password: Option<&str>) -> Option<Psql> {
        use std::io::Write;
        let mut psql = std::process::Command::new("psql");
        if let Some(p) = password {
            psql.env("PGPASSWORD", p);
        }
        let mut child = psql
            .args(["-X", "-q", "-d", url])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .ok()?;
        let mut stdin = child.stdin.take()?;
        let out = std::io::BufReader::new(child.stdout.take()?);
        stdin.write_all(b"\\timing on\n\\o /dev/null\n").ok()?;
        Some(Psql { child, stdin, out })
    }

    /// Milliseconds `psql` reports for `text` (NaN when it reports none).
    fn time(&mut self, text: &str) -> f64 {
        use std::io::{BufRead, Write};
        if writeln!(self.stdin, "{text};")
            .and_then(|()| self.stdin.flush())
            .is_err()
        {
            return f64::NAN;
        }
        let mut line = String::new();
        loop {
            line.clear();
            match self.out.read_line(&mut line) {
                Ok(0) | Err(_) => return f64::NAN,
                Ok(_) => {}
            }
            if let Some(t) = line.strip_prefix("Time: ") {
                return t
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(f64::NAN);
            }
        }
    }
}

impl Drop for Psql {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
