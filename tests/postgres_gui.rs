//! Joining a team from the desktop app, on a real PostgreSQL server started by the test
//! (`cargo test postgres` runs it): the team window's form, a wrong password said clearly,
//! the join, a reply practised in the app reaching the server in the background, sync now,
//! and leaving.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::pg::{Cluster, DB};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use salesdojo::gui::App;
use salesdojo::gui::state::{Lang, Persisted};
use salesdojo::gui::worker::Db;
use salesdojo::playbook::model::Reply;
use salesdojo::playbook::{Content, Library, Report, load};
use salesdojo::practice::Attempt;
use salesdojo::store::team::admin;

fn lib() -> Arc<Library> {
    let mut r = Report::default();
    let lib = load(&[Content::bundled()], &mut r);
    assert_eq!(r.errors(), 0);
    Arc::new(lib)
}

/// Runs frames until `done` holds (the worker and the team window answer on their threads).
fn wait_for(h: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    loop {
        h.step();
        if done(h.state()) && !h.state().is_busy() && !h.state().team_window.busy() {
            h.run_ok();
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what}: not in 30 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn settle(h: &mut Harness<'_, App>) {
    wait_for(h, "the app settles", |_| true);
}

fn type_into(h: &mut Harness<'_, App>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run_ok();
    h.get_by_label(label).type_text(text);
    h.run_ok();
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).expect("query").get(0)
}

#[test]
fn postgres_the_app_joins_a_team_and_its_practice_goes_up() {
    let Some(pg) = Cluster::start("postgres_the_app_joins_a_team_and_its_practice_goes_up") else {
        return;
    };
    let mut admin_client = pg.admin(DB);
    admin::init(&mut admin_client).expect("init");
    let added = admin::add_users(
        &mut admin_client,
        &[admin::NewUser {
            login: "ana".into(),
            name: "安娜".into(),
            role: "trainee".into(),
            teams: vec!["一店".into()],
        }],
        false,
    )
    .expect("a trainee");
    let password = added[0].password.clone().expect("a new password");

    let dir = tempfile::tempdir().expect("temp");
    // The password file goes to the test's folder, not the home folder (this test is alone
    // in its process, so the variable reaches nothing else).
    // SAFETY: no other thread of this process reads the environment yet.
    unsafe { std::env::set_var("PGPASSFILE", dir.path().join("pgpass")) };
    let lib = lib();
    let app = App::new(
        lib.clone(),
        Db::Open(salesdojo::store::Location::at(Some(
            dir.path().join("progress.db"),
        ))),
        Persisted {
            lang: Lang::Zh,
            ..Persisted::default()
        },
    );
    let mut h = Harness::builder()
        .with_size(egui::vec2(1180.0, 900.0))
        .with_max_steps(40)
        .with_context_setup(salesdojo::gui::theme::install)
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    settle(&mut h);

    // The top bar opens the team window; not joined, it offers the form.
    h.get_by_label("团队服务器").click();
    wait_for(&mut h, "the status is read", |a| {
        a.team_window.status.is_some()
    });
    assert!(matches!(h.state().team_window.status, Some(Ok(None))));
    let url = pg.url("ana");
    type_into(&mut h, "服务器地址", &url);
    type_into(&mut h, "账号", "ana");

    // A wrong password: said clearly, nothing joined, the form stays.
    type_into(&mut h, "密码", "not-the-password");
    h.get_by_label("加入").click();
    wait_for(&mut h, "the wrong password is answered", |a| {
        a.team_window.said.is_some()
    });
    h.get_by_label_contains("密码错误");
    assert!(!h.state().team_window.joined());
    assert!(
        h.state().team_window.password.is_empty(),
        "a password is not kept in the form after it was sent"
    );

    // The right one: joined; the window shows the login, its role and that it is online.
    type_into(&mut h, "密码", &password);
    h.get_by_label("加入").click();
    wait_for(&mut h, "the join", |a| a.team_window.joined());
    h.get_by_label_contains("已加入");
    h.get_by_label("ana (学员)");
    h.get_by_label_contains("是（服务器结构版本");
    h.get_by_label("● 团队服务器");
    let pgpass = std::fs::read_to_string(dir.path().join("pgpass")).expect("the password file");
    assert!(pgpass.contains(":ana:"), "{pgpass}");
    h.get_by_label("关闭").click();
    settle(&mut h);
    // The app practises as the login it joined as: signed in with its name and team.
    h.get_by_label("安娜 · 一店");

    // Practice in the app: the reply goes up in the background, with no sync asked for.
    let (i, pb) = lib
        .playbooks
        .iter()
        .filter(|p| !p.scenarios.is_empty())
        .enumerate()
        .find(|(_, p)| {
            let a = Attempt::start((*p).clone(), &p.scenarios[0].id, "x").expect("starts");
            matches!(a.current_turn().map(|t| &t.reply), Some(Reply::FreeText))
        })
        .expect("a playbook whose first turn is free text");
    h.get_all_by_label_contains("对练场景")
        .nth(i)
        .expect("a button per playbook")
        .click();
    settle(&mut h);
    h.get_all_by_label("开始对练")
        .next()
        .expect("a scenario")
        .click();
    settle(&mut h);
    type_into(
        &mut h,
        "你的回答（Ctrl+Enter 提交）",
        "您好，欢迎光临！请问您今天想看点什么？",
    );
    h.get_by_label("提交").click();
    settle(&mut h);
    let start = Instant::now();
    let mut client = pg.admin(DB);
    while count(&mut client, "SELECT COUNT(*) FROM replies") == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the reply of {} did not reach the server in 20 s",
            pb.id
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let who: String = client
        .query_one(
            "SELECT t.login FROM replies r JOIN trainees t ON t.id = r.trainee_id LIMIT 1",
            &[],
        )
        .expect("the reply's trainee")
        .get(0);
    assert_eq!(who, "ana");

    // Sync now, then leave: the window says so and offers the form again; nothing is lost.
    h.get_by_label("● 团队服务器").click();
    wait_for(&mut h, "the status", |a| a.team_window.joined());
    h.get_by_label("立即同步").click();
    wait_for(
        &mut h,
        "the sync",
        |a| matches!(&a.team_window.said, Some(Ok(t)) if t.zh.starts_with("已同步")),
    );
    h.get_by_label("0 行");
    h.get_by_label("退出团队").click();
    wait_for(&mut h, "leaving", |a| !a.team_window.joined());
    h.get_by_label_contains("已退出团队");
    h.get_by_label("服务器地址");
    assert_eq!(count(&mut client, "SELECT COUNT(*) FROM replies"), 1);
}
