//! The desktop app, driven headless by egui_kittest as a trainee would: by clicking and
//! typing, finding controls by their accessible labels. Scores shown are checked against the
//! engine, and rows written against a temporary database.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use salesdojo::gui::App;
use salesdojo::gui::state::{Lang, Persisted};
use salesdojo::gui::worker::Db;
use salesdojo::playbook::model::{Playbook, Reply};
use salesdojo::playbook::{Content, Library, Report, load};
use salesdojo::practice::{Answer, Attempt};
use salesdojo::script::ScriptHost;

fn lib() -> Arc<Library> {
    let mut r = Report::default();
    let lib = load(&[Content::bundled()], &mut r);
    assert_eq!(r.errors(), 0);
    Arc::new(lib)
}

fn harness(lib: Arc<Library>, db: &Path, lang: Lang) -> Harness<'static, App> {
    harness_with(
        lib,
        db,
        Persisted {
            lang,
            ..Persisted::default()
        },
    )
}

fn harness_with(lib: Arc<Library>, db: &Path, saved: Persisted) -> Harness<'static, App> {
    let app = App::new(lib, Db::Open(Some(db.to_path_buf())), saved);
    Harness::builder()
        .with_size(egui::vec2(1180.0, 900.0))
        .with_max_steps(40)
        .with_context_setup(salesdojo::gui::theme::install)
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

/// Runs frames until the worker has answered and the UI has settled.
fn settle(h: &mut Harness<'_, App>) {
    let start = Instant::now();
    loop {
        h.step();
        if !h.state().is_busy() {
            h.run_ok();
            if !h.state().is_busy() {
                return;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the worker did not answer in 30 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    lang.t(zh, en)
}

fn sign_in(h: &mut Harness<'_, App>, lang: Lang, name: &str, team: &str) {
    settle(h);
    h.get_by_label(t(lang, "姓名", "Name")).focus();
    h.run_ok();
    h.get_by_label(t(lang, "姓名", "Name")).type_text(name);
    h.get_by_label(t(lang, "团队（可选）", "Team (optional)"))
        .focus();
    h.run_ok();
    h.get_by_label(t(lang, "团队（可选）", "Team (optional)"))
        .type_text(team);
    h.run_ok();
    h.get_by_label(t(lang, "开始练习", "Start practising"))
        .click();
    settle(h);
}

fn open_scenario(h: &mut Harness<'_, App>, lang: Lang, lib: &Library, pb: &Playbook, nth: usize) {
    let i = lib
        .playbooks
        .iter()
        .filter(|p| !p.scenarios.is_empty())
        .position(|p| p.id == pb.id)
        .expect("listed");
    h.get_all_by_label_contains(t(lang, "对练场景", "Role-play scenarios"))
        .nth(i)
        .expect("a button per playbook")
        .click();
    settle(h);
    h.get_all_by_label(t(lang, "开始对练", "Start role-play"))
        .nth(nth)
        .expect("a button per scenario")
        .click();
    settle(h);
}

/// The answer a trainee gives at a turn: the best option, or the model answer.
fn answer_for(turn: &salesdojo::playbook::model::Turn, lang: Lang) -> Answer {
    match &turn.reply {
        Reply::Choice(opts) => {
            let best = opts.iter().max_by_key(|o| o.score).expect("options");
            Answer::Choice(best.id.clone())
        }
        Reply::FreeText => Answer::Text(
            turn.model_answer
                .as_ref()
                .map_or(
                    "您好，欢迎光临！请问您今天想看点什么？",
                    |m| m.get(lang.code()),
                )
                .to_owned(),
        ),
    }
}

/// Answers the current turn through the UI, as the engine is answered in `expected`.
fn answer_turn(
    h: &mut Harness<'_, App>,
    lang: Lang,
    expected: &mut Attempt,
    host: &ScriptHost,
) -> u32 {
    let turn = expected.current_turn().expect("a turn").clone();
    let answer = answer_for(&turn, lang);
    match (&answer, &turn.reply) {
        (Answer::Choice(id), Reply::Choice(opts)) => {
            let (i, o) = opts
                .iter()
                .enumerate()
                .find(|(_, o)| &o.id == id)
                .expect("option");
            h.get_by_label(&format!("{}. {}", i + 1, o.text.get(lang.code())))
                .click();
        }
        (Answer::Text(text), _) => {
            let label = t(
                lang,
                "你的回答（Ctrl+Enter 提交）",
                "Your reply (Ctrl+Enter to submit)",
            );
            h.get_by_label(label).focus();
            h.run_ok();
            h.get_by_label(label).type_text(text);
            h.run_ok();
            h.get_by_label(t(lang, "提交", "Submit")).click();
        }
        _ => unreachable!("answers follow the turn"),
    }
    settle(h);
    expected
        .submit(Some(host), answer, 1.0)
        .expect("the engine scores it")
        .scored
        .rounded()
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(db).expect("opens");
    c.query_row(sql, [], |r| r.get(0)).expect("counts")
}

#[test]
fn a_full_role_play_of_each_bundled_playbook_is_scored_and_saved() {
    let lib = lib();
    let host = ScriptHost::new(&lib);
    for (n, pb) in lib
        .playbooks
        .iter()
        .filter(|p| !p.scenarios.is_empty())
        .enumerate()
    {
        let lang = if n % 2 == 0 { Lang::Zh } else { Lang::En };
        let dir = tempfile::tempdir().expect("temp");
        let db = dir.path().join("progress.db");
        let mut h = harness(lib.clone(), &db, lang);
        sign_in(&mut h, lang, "李芳", "华东一组");
        open_scenario(&mut h, lang, &lib, pb, 0);
        let mut expected = Attempt::start(pb.clone(), &pb.scenarios[0].id, "李芳").expect("starts");
        let mut replies = 0;
        let mut scores = Vec::new();
        while !expected.is_over() {
            let score = answer_turn(&mut h, lang, &mut expected, &host);
            replies += 1;
            scores.push(format!("{} {score}/100", t(lang, "得分", "Score")));
            let shown: Vec<String> = h
                .get_all_by_label_contains(&format!("{} ", t(lang, "得分", "Score")))
                .filter_map(|n| n.accesskit_node().value())
                .collect();
            assert_eq!(
                shown, scores,
                "{}: the scores shown after reply {replies}",
                pb.id
            );
            assert_eq!(
                count(&db, "SELECT COUNT(*) FROM replies"),
                replies,
                "{}: each reply is saved before its score shows",
                pb.id
            );
        }
        h.get_by_label(t(lang, "查看总结", "See the summary"))
            .click();
        settle(&mut h);
        let total = expected.summary().total;
        h.get_by_label(&format!("{} {total:.0}/100", t(lang, "总分", "Total")));
        let verdict = if expected.summary().passed {
            t(lang, "通过", "Passed")
        } else {
            t(lang, "未通过", "Not passed")
        };
        h.get_by_label(verdict);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM attempts WHERE status = 'completed' AND mode = 'practice'"
            ),
            1
        );
        let stored: f64 = rusqlite::Connection::open(&db)
            .expect("opens")
            .query_row("SELECT total FROM attempts", [], |r| r.get(0))
            .expect("total");
        assert!(
            (stored - total).abs() < 1e-9,
            "{}: stored {stored}, engine {total}",
            pb.id
        );
        assert!(count(&db, "SELECT COUNT(*) FROM attempt_criteria") > 0);
        // The recommended next scenario is one click away.
        h.get_by_label(t(lang, "去练习", "Practise it")).click();
        settle(&mut h);
        assert!(
            matches!(h.state().screen, salesdojo::gui::app::Screen::Practice(_)),
            "{}: the recommended scenario opens",
            pb.id
        );
    }
}

#[test]
fn an_interrupted_attempt_is_offered_and_resumed() {
    let lib = lib();
    let host = ScriptHost::new(&lib);
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let lang = Lang::En;
    let mut expected = Attempt::start(pb.clone(), &pb.scenarios[0].id, "Wang").expect("starts");
    {
        let mut h = harness(lib.clone(), &db, lang);
        sign_in(&mut h, lang, "Wang", "");
        open_scenario(&mut h, lang, &lib, &pb, 0);
        answer_turn(&mut h, lang, &mut expected, &host);
        answer_turn(&mut h, lang, &mut expected, &host);
        // The window closes here, mid role-play.
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM replies"), 2);
    let mut h = harness(lib.clone(), &db, lang);
    sign_in(&mut h, lang, "Wang", "");
    open_scenario(&mut h, lang, &lib, &pb, 0);
    h.get_by_label("Resume your unfinished attempt?");
    // Esc closes the offer without starting anything; it comes back next time.
    h.key_press(egui::Key::Escape);
    settle(&mut h);
    assert!(
        h.query_by_label("Resume your unfinished attempt?")
            .is_none()
    );
    h.get_all_by_label("Start role-play")
        .next()
        .expect("the scenario list")
        .click();
    settle(&mut h);
    h.get_by_label("Resume your unfinished attempt?");
    h.get_by_label("Resume").click();
    settle(&mut h);
    // The two saved replies are back with their scores.
    assert_eq!(h.get_all_by_label_contains("Score ").count(), 2);
    while !expected.is_over() {
        answer_turn(&mut h, lang, &mut expected, &host);
    }
    h.get_by_label("See the summary").click();
    settle(&mut h);
    h.get_by_label(&format!("Total {:.0}/100", expected.summary().total));
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM attempts"),
        1,
        "resumed, not restarted"
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM replies"),
        expected.replies.len() as i64
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM attempts WHERE status = 'completed'"
        ),
        1
    );
}

#[test]
fn the_live_checklist_is_ticked_through_and_logged_as_it_goes() {
    let lib = lib();
    let pb = lib
        .playbooks
        .iter()
        .find(|p| p.live)
        .expect("a live playbook")
        .clone();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let lang = Lang::En;
    let mut h = harness(lib.clone(), &db, lang);
    sign_in(&mut h, lang, "Zhao", "Sales 2");
    h.get_by_label("Start a live checklist").click();
    settle(&mut h);
    let mut ticks = 0;
    for (i, st) in pb.stages.iter().enumerate() {
        for item in &st.checklist {
            let label = if item.required {
                format!("{} *", item.text.get("en"))
            } else {
                item.text.get("en").to_owned()
            };
            // A real finger scrolls a long list first.
            h.get_by_label(&label).scroll_to_me();
            h.run_ok();
            h.get_by_label(&label).click();
            settle(&mut h);
            ticks += 1;
            assert_eq!(
                count(&db, "SELECT COUNT(*) FROM live_events WHERE kind = 'tick'"),
                ticks,
                "each tick is written as it happens"
            );
        }
        let next = if i + 1 == pb.stages.len() {
            "Finish this step"
        } else {
            "Next step →"
        };
        h.get_by_label(next).scroll_to_me();
        h.run_ok();
        h.get_by_label(next).click();
        settle(&mut h);
    }
    h.get_by_label("Customer grade").click();
    h.run_ok();
    h.get_by_label("A").click();
    settle(&mut h);
    h.get_by_label("End the visit").click();
    settle(&mut h);
    let items: usize = pb.stages.iter().map(|s| s.checklist.len()).sum();
    h.get_by_label(&format!("Items ticked {items}/{items}"));
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM live_events WHERE kind = 'advance'"
        ),
        pb.stages.len() as i64
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM live_events WHERE kind = 'grade' AND value = 'A'"
        ),
        1
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM attempts WHERE mode = 'live' AND status = 'completed' AND total = 100"
        ),
        1
    );
}

#[test]
fn the_language_switches_at_any_time() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let mut h = harness(lib.clone(), &db, Lang::Zh);
    settle(&mut h);
    h.get_by_label("开始练习");
    h.get_by_label("English").click();
    h.run_ok();
    h.get_by_label("Start practising");
    assert_eq!(h.state().persisted.lang, Lang::En);
    h.get_by_label("中文").click();
    h.run_ok();
    h.get_by_label("开始练习");
}

/// Where no window can be opened, the app says how to practise in the terminal and exits 2.
#[test]
fn without_a_display_it_points_to_the_terminal_mode() {
    for display in [None, Some(":4242")] {
        let dir = tempfile::tempdir().expect("temp");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_salesdojo"));
        cmd.env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("SALESDOJO_DB", dir.path().join("p.db"));
        if let Some(d) = display {
            // A display that names no server: the window cannot open either.
            cmd.env("DISPLAY", d);
        }
        let out = cmd.output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{display:?}: {err}");
        assert!(err.contains("salesdojo practice"), "{display:?}: {err}");
        assert!(!err.contains("panicked"), "{display:?}: {err}");
    }
}

#[test]
fn number_keys_pick_options() {
    let lib = lib();
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let lang = Lang::En;
    let host = ScriptHost::new(&lib);
    let mut h = harness(lib.clone(), &db, lang);
    sign_in(&mut h, lang, "Keys", "");
    open_scenario(&mut h, lang, &lib, &pb, 1);
    let mut expected = Attempt::start(pb.clone(), &pb.scenarios[1].id, "Keys").expect("starts");
    // Answer free-text turns with Ctrl+Enter until a choice turn comes up, then press 1.
    while let Some(turn) = expected.current_turn().cloned() {
        if let Reply::Choice(_) = turn.reply {
            h.key_press(egui::Key::Num1);
            settle(&mut h);
            let before = expected.replies.len() as i64;
            assert_eq!(
                count(&db, "SELECT COUNT(*) FROM replies"),
                before + 1,
                "key 1 picked an option"
            );
            return;
        }
        let Answer::Text(text) = answer_for(&turn, lang) else {
            unreachable!("a free-text turn")
        };
        let label = "Your reply (Ctrl+Enter to submit)";
        h.get_by_label(label).focus();
        h.run_ok();
        h.get_by_label(label).type_text(&text);
        h.run_ok();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
        settle(&mut h);
        expected
            .submit(Some(&host), Answer::Text(text), 1.0)
            .expect("scored");
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM replies"),
            expected.replies.len() as i64,
            "Ctrl+Enter submitted"
        );
    }
    panic!("the scenario has a choice turn");
}

/// A reply that cannot be saved (the database is held by another program past the busy
/// timeout) is reported, kept, and saved on retry; its score shows only then.
#[test]
fn a_reply_that_cannot_be_saved_is_kept_and_saved_on_retry() {
    let lib = lib();
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let lang = Lang::En;
    let mut h = harness(lib.clone(), &db, lang);
    sign_in(&mut h, lang, "Busy", "");
    open_scenario(&mut h, lang, &lib, &pb, 1);
    // Another program takes the write lock and keeps it.
    let other = rusqlite::Connection::open(&db).expect("opens");
    other.execute_batch("BEGIN IMMEDIATE").expect("locks");
    let turn = pb.scenarios[1].turns[0].clone();
    let Answer::Text(text) = answer_for(&turn, lang) else {
        unreachable!("the scenario opens with a free-text turn")
    };
    let label = "Your reply (Ctrl+Enter to submit)";
    h.get_by_label(label).focus();
    h.run_ok();
    h.get_by_label(label).type_text(&text);
    h.run_ok();
    h.get_by_label("Submit").click();
    settle(&mut h);
    h.get_by_label_contains("This reply is not saved yet");
    assert_eq!(
        h.query_all_by_label_contains("Score ").count(),
        0,
        "no score before it is saved"
    );
    other.execute_batch("COMMIT").expect("unlocks");
    h.get_by_label("Retry saving").click();
    settle(&mut h);
    assert_eq!(h.query_all_by_label_contains("Score ").count(), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM replies"), 1);
    if let salesdojo::gui::app::Screen::Practice(p) = &h.state().screen {
        assert!(
            p.draft.is_empty(),
            "the saved reply leaves the box for the next one"
        );
    }
    let saved: String = rusqlite::Connection::open(&db)
        .expect("opens")
        .query_row("SELECT answer FROM replies", [], |r| r.get(0))
        .expect("the reply");
    assert_eq!(saved, text);
}

/// Trainees with a record are offered on the sign-in screen; the app reopens the playbook
/// they used last.
#[test]
fn known_trainees_are_offered_and_the_last_playbook_reopens() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let lang = Lang::En;
    let mut h = harness(lib.clone(), &db, lang);
    sign_in(&mut h, lang, "Chen", "East 1");
    h.get_all_by_label_contains("Role-play scenarios")
        .nth(1)
        .expect("jewelry")
        .click();
    settle(&mut h);
    let saved = h.state().persisted.clone();
    assert_eq!(saved.playbook.as_deref(), Some("jewelry"));
    drop(h);
    let mut h = harness_with(lib.clone(), &db, saved);
    settle(&mut h);
    h.get_by_label("Chen · East 1").click();
    settle(&mut h);
    h.get_by_label("Pass mark 75");
    assert_eq!(h.get_all_by_label("Start role-play").count(), 3);
}
