//! The desktop app, driven headless by egui_kittest as a trainee would: by clicking and
//! typing, finding controls by their accessible labels. Scores shown are checked against the
//! engine, and rows written against a temporary database.
// Tests open raw SQLite connections to inspect the file: opening through SQLite is safe
// (only a descriptor opened outside SQLite drops its locks; see src/store/db.rs).
#![allow(clippy::disallowed_methods)]

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use salesdojo::author::Workspace;
use salesdojo::gui::App;
use salesdojo::gui::state::{Lang, Persisted};
use salesdojo::gui::views::author::editor_id;
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
    harness_sized(lib, db, saved, None, egui::vec2(1180.0, 900.0))
}

/// The app on `db` as `saved` left it, with a trainer's folder when given, in a window of
/// `size`.
fn harness_sized(
    lib: Arc<Library>,
    db: &Path,
    saved: Persisted,
    ws: Option<&Workspace>,
    size: egui::Vec2,
) -> Harness<'static, App> {
    let mut app = App::new(
        lib,
        Db::Open(salesdojo::store::Location::at(Some(db.to_path_buf()))),
        saved,
    );
    if let Some(ws) = ws {
        app = app.with_workspace(ws.clone());
    }
    Harness::builder()
        .with_size(size)
        .with_max_steps(40)
        .with_context_setup(salesdojo::gui::theme::install)
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

/// A trainer at 1024×640 with `file` of the authoring view open and checked.
fn trainer_at_small_size(
    lib: Arc<Library>,
    dir: &Path,
    ws: &Workspace,
    file: &str,
) -> Harness<'static, App> {
    let mut h = harness_sized(
        lib,
        &dir.join("progress.db"),
        english(),
        Some(ws),
        egui::vec2(1024.0, 640.0),
    );
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label(&format!("◇ {file}")).click();
    h.run_ok();
    wait_for(&mut h, "the file is checked", checked);
    h
}

fn english() -> Persisted {
    Persisted {
        lang: Lang::En,
        ..Persisted::default()
    }
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

#[test]
fn review_charts_show_whole_titles_of_the_filtered_playbook_in_stage_order() {
    let (lib, _dir, _db, _, mut h) = open_review(Lang::Zh, "赵经理");
    let jewelry = lib.playbook("jewelry").expect("bundled").clone();
    open_picker(&mut h, "剧本");
    click_option(&mut h, jewelry.title.get("zh-CN"));
    settle(&mut h);
    let d = review(&h).data.as_ref().expect("results").clone();
    assert_eq!(d.filter.playbook.as_deref(), Some("jewelry"));
    // Every criterion bar is labelled with its whole title, the playbook's own: jewelry's
    // conduct criterion is 诚信与分寸, not another playbook's 职业操守.
    for (id, _) in &d.by_criterion {
        let c = jewelry.criterion(id).expect("a jewelry criterion");
        // Beside its bar, and over its heatmap column.
        assert!(
            h.get_all_by_label(c.title.get("zh-CN")).count() >= 1,
            "{id}"
        );
        // Wrapped in a few lines at most, not a column of two characters a line.
        for node in h.get_all_by_label(c.title.get("zh-CN")) {
            let r = node.rect();
            assert!(r.height() <= 56.0, "{id}: {r:?}");
        }
    }
    assert!(d.by_criterion.iter().any(|(id, _)| id == "conduct"));
    assert!(h.query_by_label("职业操守").is_none());
    // Stages in the playbook's order, each with its whole title.
    let ys: Vec<f32> = d
        .by_stage
        .iter()
        .map(|(k, _)| {
            let st = k.split_once('/').expect("playbook/stage").1;
            let title = jewelry
                .stages
                .iter()
                .find(|s| s.id == st)
                .expect("a jewelry stage")
                .title
                .get("zh-CN");
            h.get_all_by_label(title)
                .next()
                .expect("a stage bar")
                .rect()
                .min
                .y
        })
        .collect();
    let order: Vec<usize> = d
        .by_stage
        .iter()
        .map(|(k, _)| {
            let st = k.split_once('/').expect("playbook/stage").1;
            jewelry
                .stages
                .iter()
                .position(|s| s.id == st)
                .expect("listed")
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(ys.windows(2).all(|w| w[0] < w[1]), "{ys:?}");
    // The drill-down of a jewelry attempt names its criteria as jewelry does too.
    click_option(&mut h, "练习记录");
    h.run_ok();
    h.get_all_by_label("查看").next().expect("a row").click();
    settle(&mut h);
    let detail = review(&h).detail.clone().expect("the attempt is open");
    assert_eq!(detail.attempt.playbook, "jewelry");
    assert!(detail.criteria.iter().any(|c| c.criterion == "conduct"));
    assert!(h.get_all_by_label("诚信与分寸").count() >= 1);
    assert!(h.query_by_label("职业操守").is_none());
}

#[test]
fn the_first_click_after_signing_in_with_enter_is_taken() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let mut h = harness(lib, &db, Lang::Zh);
    settle(&mut h);
    h.get_by_label("姓名").focus();
    h.run_ok();
    h.get_by_label("姓名").type_text("张经理");
    h.run_ok();
    h.key_press(egui::Key::Enter);
    settle(&mut h);
    assert!(matches!(
        h.state().screen,
        salesdojo::gui::app::Screen::Playbooks
    ));
    h.get_by_label("◆ 复盘与成绩").click();
    settle(&mut h);
    assert!(
        matches!(h.state().screen, salesdojo::gui::app::Screen::Review(_)),
        "one click opens the review view"
    );
}

#[test]
fn browse_without_a_file_dialog_says_to_type_the_path() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        eprintln!("SKIPPED: a desktop session bus is present, so a real file dialog could open");
        return;
    }
    let (_lib, _dir, _db, _, mut h) = open_review(Lang::En, "Manager Zhao");
    h.get_by_label("Export and import").click();
    h.run_ok();
    h.get_all_by_label("Browse…")
        .next()
        .expect("the export's")
        .click();
    h.run_ok();
    let start = Instant::now();
    while h
        .query_by_label_contains("No file dialog is available")
        .is_none()
    {
        assert!(start.elapsed() < Duration::from_secs(10), "no notice");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
}

#[test]
fn a_manager_signs_in_without_a_trainee_record_and_names_do_not_cross_databases() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let trainees = demo_db(&lib, &db);
    let mut h = harness(lib.clone(), &db, Lang::En);
    settle(&mut h);
    // Without a name the way in is greyed out, and the screen says why.
    h.get_by_label("Managers and trainers type their name above too, then choose.");
    h.get_by_label("Name").focus();
    h.run_ok();
    h.get_by_label("Name").type_text("Manager Zhang");
    h.run_ok();
    assert!(
        h.query_by_label("Managers and trainers type their name above too, then choose.")
            .is_none()
    );
    h.get_by_label("◆ Manager: review scores").click();
    settle(&mut h);
    assert!(matches!(
        h.state().screen,
        salesdojo::gui::app::Screen::Review(_)
    ));
    h.get_by_label("Manager · Manager Zhang");
    // The trainer's view is one click away; the trainee's playbooks are not offered.
    h.get_by_label("◇ Author playbooks");
    assert!(h.query_by_label("← Playbooks").is_none());
    let store = salesdojo::store::Store::open(&db).expect("opens");
    let names: Vec<String> = store
        .records()
        .trainees()
        .expect("trainees")
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(
        names.len(),
        trainees.len(),
        "no trainee record for the manager"
    );
    assert!(!names.iter().any(|n| n == "Manager Zhang"));
    let saved = h.state().persisted.clone();
    drop(h);

    // On another database, the name typed on this one is not offered.
    let other = dir.path().join("other.db");
    let mut h = harness_with(lib.clone(), &other, saved.clone());
    settle(&mut h);
    assert_eq!(
        h.state().name,
        "",
        "a name from another database is not prefilled"
    );
    // On the same database it is.
    let mut h = harness_with(lib, &db, saved);
    settle(&mut h);
    assert_eq!(h.state().name, "Manager Zhang");
}

fn open_scenario(h: &mut Harness<'_, App>, lang: Lang, lib: &Library, pb: &Playbook, nth: usize) {
    let i = lib
        .playbooks
        .iter()
        .filter(|p| !p.scenarios.is_empty())
        .position(|p| p.id == pb.id)
        .expect("listed");
    // Seven playbooks (and nine scenarios of one) are more than a window shows: each button
    // is scrolled into view before it is clicked, as a user would.
    h.get_all_by_label_contains(t(lang, "对练场景", "Role-play scenarios"))
        .nth(i)
        .expect("a button per playbook")
        .scroll_to_me();
    settle(h);
    h.get_all_by_label_contains(t(lang, "对练场景", "Role-play scenarios"))
        .nth(i)
        .expect("a button per playbook")
        .click();
    settle(h);
    h.get_all_by_label(t(lang, "开始对练", "Start role-play"))
        .nth(nth)
        .expect("a button per scenario")
        .scroll_to_me();
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
            // A reply's model answer sits in the reply's own card, above its score: never
            // the first thing of the next exchange, read as if it belonged to it.
            let last = expected.replies.last().expect("a reply");
            let turn = expected.scenario().turn(&last.turn).expect("turn");
            if matches!(turn.reply, Reply::FreeText) && turn.model_answer.is_some() {
                let header = h
                    .get_all_by_label(t(lang, "参考回答", "Model answer"))
                    .last()
                    .expect("a model answer header")
                    .rect();
                let score = h
                    .get_all_by_label_contains(&format!("{} ", t(lang, "得分", "Score")))
                    .last()
                    .expect("a score")
                    .rect();
                assert!(
                    header.max.y <= score.min.y,
                    "{}: {header:?} {score:?}",
                    pb.id
                );
            }
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
        h.get_by_label(&format!("{} {total:.1}/100", t(lang, "总分", "Total")));
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
        if n == 0 {
            // Practised again: the summary charts both attempts, its lines named in a legend
            // beside the chart's title (inside the chart it covered the latest points).
            h.get_by_label(t(lang, "再练一次", "Try again")).click();
            settle(&mut h);
            let mut again =
                Attempt::start(pb.clone(), &pb.scenarios[0].id, "李芳").expect("starts");
            while !again.is_over() {
                answer_turn(&mut h, lang, &mut again, &host);
            }
            h.get_by_label(t(lang, "查看总结", "See the summary"))
                .click();
            settle(&mut h);
            let title = h
                .get_by_label(t(lang, "历次成绩", "Your attempts so far"))
                .rect();
            let legend = h
                .get_by_label(&format!(
                    "━ {} {}",
                    t(lang, "及格线", "pass mark"),
                    pb.rubric.pass_mark
                ))
                .rect();
            assert!(
                (legend.center().y - title.center().y).abs() < 4.0,
                "{legend:?}"
            );
            h.get_by_label(&format!("━ {}", t(lang, "总分", "total")));
        }
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
    // Found at sign-in, with when it started (local time), and continued from there.
    h.get_by_label_contains(&format!(
        "Unfinished role-play: {} · {}",
        pb.title.get("en"),
        pb.scenarios[0].title.get("en")
    ));
    h.get_by_label("Continue").click();
    settle(&mut h);
    h.get_by_label("Resume your unfinished attempt?");
    // Esc closes the offer without starting anything; it comes back next time.
    h.key_press(egui::Key::Escape);
    settle(&mut h);
    assert!(
        h.query_by_label("Resume your unfinished attempt?")
            .is_none()
    );
    // The scenario's card says so too.
    h.get_by_label_contains("An unfinished attempt, started");
    h.get_all_by_label("Continue or start afresh")
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
    // Over, the guide says so (it kept coaching the last turn's stage as if one were coming).
    h.get_by_label_contains("■ The role-play is over.");
    assert!(
        h.query_by_label_contains("◆ ").is_none(),
        "no advice for a turn to come"
    );
    h.get_by_label("See the summary").click();
    settle(&mut h);
    h.get_by_label(&format!("Total {:.1}/100", expected.summary().total));
    // The arithmetic shows what each weight is divided by.
    let shares = expected.summary().shares(&pb);
    let sum: f64 = shares.iter().map(|s| s.weight).sum();
    let first = shares.first().expect("a criterion");
    h.get_by_label("Weight / sum of weights");
    assert!(
        h.query_all_by_label(&format!(
            "× {} / {}",
            first.weight,
            (sum * 100.0).round() / 100.0
        ))
        .next()
        .is_some(),
        "the weight beside the sum of weights"
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM attempts"),
        1,
        "resumed, not restarted"
    );
    // Back on the playbook list, the finished attempt is no longer offered.
    h.get_by_label("← Playbooks").click();
    settle(&mut h);
    assert!(
        h.query_by_label_contains("Unfinished role-play").is_none(),
        "a stale offer of the attempt just finished"
    );
    // The scenario's record counts one attempt, in the singular.
    let i = lib
        .playbooks
        .iter()
        .filter(|p| !p.scenarios.is_empty())
        .position(|p| p.id == pb.id)
        .expect("listed");
    h.get_all_by_label_contains("Role-play scenarios")
        .nth(i)
        .expect("a button per playbook")
        .click();
    settle(&mut h);
    h.get_by_label_contains("· 1 attempt");
    assert!(h.query_by_label_contains("1 attempts").is_none());
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

/// A trainee ("Zhao", team "Sales 2") signed in with the live checklist of the live playbook
/// just started: the playbook, the folder and log it writes to, and the app.
fn live_visit_started() -> (
    Arc<Playbook>,
    tempfile::TempDir,
    std::path::PathBuf,
    Harness<'static, App>,
) {
    let lib = lib();
    let pb = lib
        .playbooks
        .iter()
        .find(|p| p.live)
        .expect("a live playbook")
        .clone();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let mut h = harness(lib, &db, Lang::En);
    sign_in(&mut h, Lang::En, "Zhao", "Sales 2");
    h.get_by_label("Start a live checklist").click();
    settle(&mut h);
    (pb, dir, db, h)
}

#[test]
fn the_live_checklist_is_ticked_through_and_logged_as_it_goes() {
    let (pb, _dir, db, mut h) = live_visit_started();
    let mut ticks = 0;
    // The visit takes the deal route at the fork: the no-deal steps are skipped.
    let way: Vec<&salesdojo::playbook::model::Stage> = pb
        .stages
        .iter()
        .filter(|s| s.path.as_deref().is_none_or(|p| p == "deal"))
        .collect();
    for (i, st) in way.iter().enumerate() {
        // The step on screen is open, the finished ones closed (only its items are shown).
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
        let fork = way
            .get(i + 1)
            .is_some_and(|n| n.path.is_some() && st.path.is_none());
        let next = if i + 1 == way.len() {
            "Finish this step".to_owned()
        } else if fork {
            h.get_by_label("This visit goes on with:");
            format!(
                "→ {}",
                pb.stage("deposit").expect("deposit").title.get("en")
            )
        } else {
            "Next step →".to_owned()
        };
        h.get_by_label(&next).scroll_to_me();
        h.run_ok();
        h.get_by_label(&next).click();
        settle(&mut h);
        // One click moves the screen on: the next step's items are shown.
        if let Some(n) = way.get(i + 1)
            && let Some(item) = n.checklist.first()
        {
            assert!(
                h.query_by_label_contains(item.text.get("en")).is_some(),
                "step {} is open after one click",
                n.id
            );
        }
    }
    h.get_by_label("Customer grade").click();
    h.run_ok();
    h.get_by_label_contains("A · Strong intent").click();
    settle(&mut h);
    // Ending asks first.
    h.get_by_label("End the visit").click();
    settle(&mut h);
    h.get_by_label("End this visit?");
    h.get_by_label("Keep going").click();
    settle(&mut h);
    assert!(h.query_by_label("End this visit?").is_none());
    h.get_by_label("End the visit").click();
    settle(&mut h);
    h.get_all_by_label("End the visit")
        .last()
        .expect("the dialog's")
        .click();
    settle(&mut h);
    let items: usize = way.iter().map(|s| s.checklist.len()).sum();
    h.get_by_label(&format!(
        "Items ticked (in the steps gone through) {items}/{items}"
    ));
    h.get_by_label_contains("Customer grade: A · Strong intent");
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM live_events WHERE kind = 'advance'"
        ),
        way.len() as i64
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM live_events WHERE kind = 'advance' AND value = 'deal'"
        ),
        1,
        "the route taken is logged"
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

/// A database with a generated practice history (12 trainees in teams, 30 days).
fn demo_db(lib: &Library, path: &Path) -> Vec<salesdojo::store::Trainee> {
    use salesdojo::demo::{DemoOptions, generate};
    let mut store = salesdojo::store::Store::open(path).expect("opens");
    let host = ScriptHost::new(lib);
    generate(
        &mut store,
        lib,
        &host,
        &DemoOptions {
            trainees: 12,
            days: 30,
            seed: 7,
            end: chrono::Utc::now(),
        },
    )
    .expect("demo data");
    store.records().trainees().expect("trainees")
}

/// Clicks the control named `text` with this role (a picker, or an option of an open one),
/// where labels and column headers share its text.
fn click_role(h: &mut Harness<'_, App>, text: &str, role: egui::accesskit::Role) {
    // An option far down a picker's list is scrolled out of its popup first.
    h.get_all_by_label(text)
        .find(|n| n.accesskit_node().role() == role)
        .unwrap_or_else(|| panic!("a {role:?} '{text}'"))
        .scroll_to_me();
    h.run_ok();
    let center = h
        .get_all_by_label(text)
        .find(|n| n.accesskit_node().role() == role)
        .unwrap_or_else(|| panic!("a {role:?} '{text}'"))
        .rect()
        .center();
    // Press and release in separate frames, as a hand does: a picker's popup closes on a
    // click, and a press and release within one frame would close it before its option
    // sees the click.
    h.hover_at(center);
    h.step();
    for pressed in [true, false] {
        h.event(egui::Event::PointerButton {
            pos: center,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::default(),
        });
        h.step();
    }
}

fn click_option(h: &mut Harness<'_, App>, text: &str) {
    click_role(h, text, egui::accesskit::Role::Button);
}

fn open_picker(h: &mut Harness<'_, App>, text: &str) {
    click_role(h, text, egui::accesskit::Role::ComboBox);
    h.run_ok();
}

fn review<'a>(h: &'a Harness<'_, App>) -> &'a salesdojo::gui::app::Review {
    match &h.state().screen {
        salesdojo::gui::app::Screen::Review(r) => r,
        _ => panic!("not on the review screen"),
    }
}

/// The totals of the review table, in its order (no total: -1).
fn totals(h: &Harness<'_, App>) -> Vec<f64> {
    review(h)
        .data
        .as_ref()
        .expect("results")
        .attempts
        .iter()
        .map(|a| a.total.unwrap_or(-1.0))
        .collect()
}

/// A manager signed in on a generated practice history, on the review view: the library,
/// the temporary folder (kept alive), the database, its trainees and the app.
fn open_review(
    lang: Lang,
    manager: &str,
) -> (
    Arc<Library>,
    tempfile::TempDir,
    std::path::PathBuf,
    Vec<salesdojo::store::Trainee>,
    Harness<'static, App>,
) {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let trainees = demo_db(&lib, &db);
    let h = manager_on(lib.clone(), &db, lang, manager);
    (lib, dir, db, trainees, h)
}

/// The app on `db` with `manager` signed in their own way (no trainee record): the review
/// view is open.
fn manager_on(lib: Arc<Library>, db: &Path, lang: Lang, manager: &str) -> Harness<'static, App> {
    let mut h = harness(lib, db, lang);
    settle(&mut h);
    h.get_by_label(t(lang, "姓名", "Name")).focus();
    h.run_ok();
    h.get_by_label(t(lang, "姓名", "Name")).type_text(manager);
    h.run_ok();
    h.get_by_label(t(lang, "◆ 经理：复盘与成绩", "◆ Manager: review scores"))
        .click();
    settle(&mut h);
    h
}

/// A manager opens the review view; choosing a team changes the table to that team's
/// attempts, and the count shown follows.
#[test]
fn changing_a_review_filter_changes_the_table() {
    let lang = Lang::Zh;
    let (lib, _dir, db, trainees, mut h) = open_review(lang, "赵经理");
    let all = review(&h).data.as_ref().expect("results").attempts.clone();
    assert!(all.len() > 20, "{} attempts", all.len());
    h.get_by_label_contains(&format!("显示最近 {} 次练习", all.len()));
    // The managers' overrides are grades of the scorer: per playbook, how far apart they are,
    // as `calibrate --from-reviews` computes it from the same rows.
    let overrides = salesdojo::store::Store::open(&db)
        .expect("opens")
        .records()
        .overrides(None)
        .expect("overrides");
    let graded = salesdojo::calibrate::from_reviews(&overrides);
    let (p, a) = graded
        .by_playbook
        .iter()
        .next()
        .expect("the demo has overrides");
    h.get_by_label("评分器与复核人");
    let title = lib.playbook(p).expect("bundled").title.get("zh-CN");
    h.get_by_label_contains(&format!(
        "{title}：{} 次改分，评分器与之平均相差 {:.1} 分",
        a.overrides, a.mae
    ));
    let team = trainees
        .iter()
        .find_map(|t| t.team.clone())
        .expect("a team");
    // What the store gives for the team, asked directly.
    let expected = salesdojo::store::Store::open(&db)
        .expect("opens")
        .records()
        .attempts(
            &salesdojo::store::report::Filter {
                team: Some(team.clone()),
                ..Default::default()
            },
            salesdojo::gui::worker::REVIEW_ROWS,
        )
        .expect("query")
        .len();
    assert!(
        expected > 0 && expected < all.len(),
        "{expected} of {}",
        all.len()
    );

    open_picker(&mut h, "团队");
    click_option(&mut h, &team);
    settle(&mut h);
    let r = review(&h);
    let rows = &r.data.as_ref().expect("results").attempts;
    assert_eq!(
        rows.len(),
        expected,
        "only {team}'s attempts: {:?}",
        r.data.as_ref().map(|d| &d.filter)
    );
    assert!(
        rows.iter()
            .all(|a| a.team.as_deref() == Some(team.as_str()))
    );
    assert_eq!(
        r.data.as_ref().expect("results").filter.team.as_deref(),
        Some(team.as_str())
    );
    assert!(r.latency_ms.is_some());
    h.get_by_label_contains(&format!("显示最近 {expected} 次练习"));

    // Sorting by total puts the highest first, then reverses.
    click_option(&mut h, "练习记录");
    h.run_ok();
    click_option(&mut h, "总分");
    h.run_ok();
    let desc = totals(&h);
    assert!(desc.windows(2).all(|w| w[0] >= w[1]), "{desc:?}");
    h.get_by_label("总分 ▼").click();
    h.run_ok();
    let asc = totals(&h);
    assert!(asc.windows(2).all(|w| w[0] <= w[1]), "{asc:?}");

    // A date that does not parse is an error, and the table stays as it was.
    h.get_by_label("起始日期").focus();
    h.run_ok();
    h.get_by_label("起始日期").type_text("2026-13-40");
    h.run_ok();
    h.get_by_label("查询").click();
    settle(&mut h);
    assert!(
        review(&h)
            .date_problem
            .as_deref()
            .is_some_and(|e| e.contains("2026-13-40"))
    );
    h.get_by_label_contains("⚠ 日期格式不对");
    assert_eq!(
        review(&h).data.as_ref().expect("results").attempts.len(),
        expected
    );
}

/// A manager opens an attempt, overrides a criterion with a comment: the override is in the
/// database with who and when, the original points stay, and both show side by side.
#[test]
fn an_override_persists_and_shows_beside_the_original() {
    let lang = Lang::En;
    let (lib, _dir, db, _, mut h) = open_review(lang, "Manager Zhao");
    let first = review(&h).data.as_ref().expect("results").attempts[0].clone();
    click_option(&mut h, "Attempts");
    h.run_ok();
    h.get_all_by_label("Open").next().expect("a row").click();
    settle(&mut h);
    let detail = review(&h).detail.clone().expect("the attempt is open");
    assert_eq!(detail.attempt.id, first.id);
    let crit = detail.criteria[0].clone();
    assert_eq!(crit.override_points, None);
    let title = lib
        .playbook(&first.playbook)
        .expect("playbook")
        .rubric
        .criteria
        .iter()
        .find(|c| c.id == crit.criterion)
        .expect("criterion")
        .title
        .get("en")
        .to_owned();
    let new_points = if crit.points >= 50.0 { 12.0 } else { 88.0 };

    h.get_by_label("Comment").focus();
    h.run_ok();
    h.get_by_label("Comment")
        .type_text("Good opening, weak close.");
    open_picker(&mut h, "Override criterion");
    click_option(&mut h, &title);
    h.run_ok();
    h.get_by_label("New points").focus();
    h.run_ok();
    h.get_by_label("New points")
        .type_text(&format!("{new_points}"));
    h.run_ok();
    h.get_by_label("Save review").click();
    settle(&mut h);
    assert_eq!(h.state().error, None);

    // In the database: the override with who and when; the original points unchanged.
    let store = salesdojo::store::Store::open(&db).expect("opens");
    let stored = store.records().attempt_detail(&first.id).expect("detail");
    let c = stored
        .criteria
        .iter()
        .find(|c| c.criterion == crit.criterion)
        .expect("criterion");
    assert_eq!(c.points, crit.points, "the original stays");
    assert_eq!(c.override_points, Some(new_points));
    assert_eq!(c.overridden_by.as_deref(), Some("Manager Zhao"));
    assert!(c.overridden_at.is_some());
    assert_eq!(
        stored.reviews.last().and_then(|r| r.comment.as_deref()),
        Some("Good opening, weak close.")
    );
    // On screen: the original, the override beside it, marked with who.
    h.get_by_label(&format!("{:.1}", crit.points));
    h.get_by_label(&format!("→ {new_points:.1}"));
    h.get_by_label_contains("※ override by Manager Zhao");
    // A review decides: the attempt's total moves by the override's weighted change, in the
    // database, the drill-down and the refreshed list, with what scoring gave beside it.
    let weights: f64 = stored.criteria.iter().map(|c| c.weight).sum();
    let scored = first.total.expect("a total");
    let expected = (scored + c.weight * (new_points - crit.points) / weights).clamp(0.0, 100.0);
    let total = stored.attempt.total.expect("a total");
    assert!((total - expected).abs() < 1e-9, "{total} vs {expected}");
    assert!(stored.attempt.reviewed);
    assert_eq!(stored.attempt.scored_total, Some(scored));
    h.get_by_label_contains(&format!("Total after review {total:.1}"));
    let listed = review(&h).data.as_ref().expect("results").attempts.clone();
    let row = listed.iter().find(|a| a.id == first.id).expect("listed");
    assert_eq!(row.total, Some(total), "the list follows the review");
    assert_eq!(row.passed, stored.attempt.passed);
    // Beside the review's total, what scoring gave, named as such.
    h.get_by_label(&format!("scored {scored:.1}"));
    // The form is cleared for the next review.
    assert_eq!(review(&h).comment, "");
}

/// Descriptors of this process that point at a deleted file of the database `db` (its WAL or
/// shared memory deleted under a live connection).
fn deleted_db_files(db: &Path) -> Vec<String> {
    // This test's own database only: other tests in this process (their workers may still
    // hold their files for a moment after their temporary folder is gone) are not its concern.
    let own = db.display().to_string();
    std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .map(|p| p.display().to_string())
                .filter(|p| p.starts_with(&own) && p.ends_with("(deleted)"))
                .collect()
        })
        .unwrap_or_default()
}

/// Another program (the `sqlite3` shell when installed, else a second salesdojo) reads the
/// database and exits.
fn other_program_reads(db: &Path) {
    let shell = Path::new("/usr/bin/sqlite3");
    let out = if shell.exists() {
        std::process::Command::new(shell)
            .arg(db)
            .arg("select count(*) from trainees")
            .output()
    } else {
        common::skip(
            "the sqlite3 shell as the other program in tests/gui.rs",
            "`sqlite3` is not installed; a second salesdojo read instead",
            "apt-get install sqlite3",
        );
        std::process::Command::new(env!("CARGO_BIN_EXE_salesdojo"))
            .arg("--db")
            .arg(db)
            .args(["report", "--format", "json"])
            .output()
    }
    .expect("the other program runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The issue's repro through the app: the review view's reader connections are open, another
/// program reads the file and exits, then a manager saves a review. The write-ahead log must
/// still be the file on disk, and the review must be visible to another process (what another
/// process sees through the path is what survives a kill -9). `cargo test external_reader`.
#[test]
fn external_reader_while_the_review_view_is_open_loses_no_saved_review() {
    let lang = Lang::En;
    let (lib, _dir, db, _, mut h) = open_review(lang, "Manager Zhao");
    other_program_reads(&db);
    assert_eq!(
        deleted_db_files(&db),
        Vec::<String>::new(),
        "files deleted under the app"
    );
    click_option(&mut h, "Attempts");
    h.run_ok();
    h.get_all_by_label("Open").next().expect("a row").click();
    settle(&mut h);
    let detail = review(&h).detail.clone().expect("the attempt is open");
    let opened = detail.attempt.id.clone();
    let crit = detail.criteria[0].clone();
    let title = lib
        .playbook(&detail.attempt.playbook)
        .expect("playbook")
        .rubric
        .criteria
        .iter()
        .find(|c| c.id == crit.criterion)
        .expect("criterion")
        .title
        .get("en")
        .to_owned();
    h.get_by_label("Comment").focus();
    h.run_ok();
    h.get_by_label("Comment")
        .type_text("Kept after another program read the file.");
    open_picker(&mut h, "Override criterion");
    click_option(&mut h, &title);
    h.run_ok();
    h.get_by_label("New points").focus();
    h.run_ok();
    h.get_by_label("New points").type_text("77");
    h.run_ok();
    h.get_by_label("Save review").click();
    settle(&mut h);
    assert_eq!(h.state().error, None);
    assert_eq!(review(&h).comment, "", "saved");
    other_program_reads(&db);
    assert_eq!(
        deleted_db_files(&db),
        Vec::<String>::new(),
        "files deleted under the app"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_salesdojo"))
        .arg("--db")
        .arg(&db)
        .args(["attempt", &opened, "--format", "json"])
        .output()
        .expect("runs");
    let seen = String::from_utf8_lossy(&out.stdout);
    assert!(
        seen.contains("Kept after another program read the file."),
        "another process does not see the saved review: {seen}"
    );
}

/// An attempt merged from another database whose stored total its replies do not give is
/// marked in the review table and explained in the drill-down.
#[test]
fn a_merged_attempt_with_a_forged_total_is_flagged_in_the_review_view() {
    let lang = Lang::En;
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    demo_db(&lib, &db);
    let newest: String = rusqlite::Connection::open(&db)
        .expect("opens")
        .query_row(
            "SELECT id FROM attempts WHERE status = 'completed' ORDER BY started_at DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an attempt");
    // What a merge records when re-scoring the replies gives another total.
    rusqlite::Connection::open(&db)
        .expect("opens")
        .execute(
            "INSERT INTO verifications (attempt_id, status, derived_total, derived_passed, checked_at)
             VALUES (?1, 'mismatch', 41.5, 0, '2026-11-30T00:00:00Z')",
            [&newest],
        )
        .expect("flag");
    let mut h = harness(lib.clone(), &db, lang);
    sign_in(&mut h, lang, "Manager Zhao", "");
    h.get_by_label("◆ Review scores").click();
    settle(&mut h);
    let rows = review(&h).data.as_ref().expect("results").attempts.clone();
    let flagged: Vec<_> = rows
        .iter()
        .filter(|a| a.verification.as_deref() == Some("mismatch"))
        .collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].id, newest);
    click_option(&mut h, "Attempts");
    h.run_ok();
    assert_eq!(h.get_all_by_label("⚠ forged?").count(), 1);
    let i = rows.iter().position(|a| a.id == newest).expect("listed");
    h.get_all_by_label("Open").nth(i).expect("its row").click();
    settle(&mut h);
    h.get_by_label_contains("its replies do not give the stored total");
    h.get_by_label_contains("its replies give 41.5");
}

// ---- The trainer's authoring view ----

fn author_harness(lib: Arc<Library>, db: &Path, ws: &Workspace) -> Harness<'static, App> {
    author_harness_in(lib, db, ws, Lang::En)
}

fn author_harness_in(
    lib: Arc<Library>,
    db: &Path,
    ws: &Workspace,
    lang: Lang,
) -> Harness<'static, App> {
    let saved = Persisted {
        lang,
        ..Persisted::default()
    };
    harness_sized(lib, db, saved, Some(ws), egui::vec2(1280.0, 900.0))
}

fn author<'a>(h: &'a Harness<'_, App>) -> &'a salesdojo::gui::app::Author {
    match &h.state().screen {
        salesdojo::gui::app::Screen::Author(a) => a,
        _ => panic!("not on the authoring screen"),
    }
}

fn editor<'a>(h: &'a Harness<'_, App>) -> &'a salesdojo::gui::app::Editor {
    author(h).open.as_deref().expect("a file is open")
}

/// Runs frames (in real time: checks wait for a pause in typing, reloads for a quiet folder)
/// until `done` holds.
fn wait_for(h: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_ok();
}

fn checked(app: &App) -> bool {
    match &app.screen {
        salesdojo::gui::app::Screen::Author(a) => a
            .open
            .as_ref()
            .is_some_and(|e| e.checked_seq == e.seq && !app.is_busy()),
        _ => false,
    }
}

fn cursor(h: &Harness<'_, App>) -> usize {
    egui::TextEdit::load_state(&h.ctx, editor_id())
        .and_then(|s| s.cursor.char_range())
        .expect("the editor has a cursor")
        .primary
        .index
        .0
}

/// From the playbook list: the authoring view, the trainer's file `name` open, `text` typed at
/// its end.
fn open_and_type_at_end(h: &mut Harness<'_, App>, name: &str, text: &str) {
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label(&format!("◇ {name}")).click();
    h.run_ok();
    let editor = format!("playbooks/{name}");
    h.get_by_label(&editor).focus();
    h.run_ok();
    h.key_press_modifiers(egui::Modifiers::CTRL, egui::Key::End);
    h.get_by_label(&editor).type_text(text);
    h.run_ok();
}

/// A misspelt key offers its fix in one click.
#[test]
fn a_did_you_mean_is_fixed_in_one_click() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let mut h = author_harness(lib, &dir.path().join("progress.db"), &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label("New playbook id").focus();
    h.run_ok();
    h.get_by_label("New playbook id").type_text("typo");
    h.run_ok();
    h.get_by_label("＋ New playbook").click();
    h.run_ok();
    wait_for(&mut h, "the new playbook is checked", checked);
    if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.text = ed.text.replacen("\ntitle:", "\ntitel:", 1);
        ed.touch();
    }
    wait_for(&mut h, "the typo is checked", |app| {
        checked(app)
            && matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
                if a.open.as_ref().is_some_and(|e| !e.diagnostics.is_empty()))
    });
    let d = editor(&h).diagnostics.clone();
    assert!(
        d.iter()
            .any(|d| d.help.as_deref() == Some("did you mean 'title'?")),
        "{d:?}"
    );
    // In the Chinese app the same problem reads in Chinese, from the message catalogue.
    h.get_by_label("中文").click();
    h.run_ok();
    let zh = h
        .get_all_by_label_contains("未知的字段 `titel`")
        .next()
        .expect("the diagnostic in Chinese")
        .accesskit_node()
        .label()
        .unwrap_or_default();
    assert!(zh.contains("是不是“title”？"), "{zh}");
    assert!(
        h.query_all_by_label_contains("unknown field")
            .next()
            .is_none()
    );
    h.get_by_label("English").click();
    h.run_ok();
    h.get_by_label("Change to title").click();
    h.run_ok();
    assert!(editor(&h).text.contains("\ntitle:"));
    assert!(!editor(&h).text.contains("titel"));
    wait_for(&mut h, "the fix is checked", |app| {
        checked(app)
            && matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
                if a.open.as_ref().is_some_and(|e| e.diagnostics.is_empty()))
    });
    // A long line is not clipped: it wraps; not wrapped, the editor is as wide as it, and
    // scrolls sideways.
    if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.text.push_str(&format!("# {}\n", "长".repeat(300)));
        ed.touch();
    }
    h.run_ok();
    let width = h.get_by_label("playbooks/typo.yaml").rect().width();
    assert!(width < 1280.0, "wrapped, the editor is {width} wide");
    h.get_by_label("Wrap lines").click();
    h.run_ok();
    let width = h.get_by_label("playbooks/typo.yaml").rect().width();
    assert!(width > 1280.0, "the editor is {width} wide");
}

/// A trainer creates a playbook from the template (it checks cleanly), types an error into
/// it: the problems list shows it at its line; clicking it puts the cursor there; deleting
/// the line clears the list.
#[test]
fn a_typed_error_is_listed_at_its_line_and_clicking_it_moves_the_cursor() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let mut h = author_harness(lib, &dir.path().join("progress.db"), &ws);
    let lang = Lang::En;
    sign_in(&mut h, lang, "Trainer Li", "");
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label("New playbook id").focus();
    h.run_ok();
    h.get_by_label("New playbook id").type_text("drill");
    h.run_ok();
    h.get_by_label("＋ New playbook").click();
    h.run_ok();
    wait_for(&mut h, "the new playbook is checked", checked);
    assert_eq!(editor(&h).entry.key, "playbooks/drill.yaml");
    assert!(
        editor(&h).diagnostics.is_empty(),
        "{:?}",
        editor(&h).diagnostics
    );
    h.get_by_label("No problems.");

    // An unknown key typed on a new last line.
    let line = editor(&h).text.split('\n').count() as u32;
    h.get_by_label("playbooks/drill.yaml").focus();
    h.run_ok();
    h.key_press_modifiers(egui::Modifiers::CTRL, egui::Key::End);
    h.run_ok();
    h.get_by_label("playbooks/drill.yaml")
        .type_text("colour: blue");
    h.run_ok();
    assert!(editor(&h).text.ends_with("\ncolour: blue"));
    wait_for(&mut h, "the error is checked", checked);
    let d = &editor(&h).diagnostics;
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].pos.map(|p| (p.line, p.column)), Some((line, 1)));
    assert!(d[0].message.contains("colour"), "{}", d[0].message);
    let shown = format!("× {line}:1  {}", d[0].message);
    assert!(
        h.query_all_by(|n| n.label().is_some_and(|l| l.starts_with(&shown)))
            .next()
            .is_some(),
        "the problem is listed as '{shown}…'"
    );

    // The cursor elsewhere; clicking the problem brings it to the line.
    h.key_press_modifiers(egui::Modifiers::CTRL, egui::Key::Home);
    h.run_ok();
    assert_eq!(cursor(&h), 0);
    h.get_by(|n| n.label().is_some_and(|l| l.starts_with(&shown)))
        .click();
    h.run_ok();
    let text = editor(&h).text.clone();
    let want = salesdojo::gui::views::author::char_index(&text, line, 1);
    assert_eq!(cursor(&h), want);
    assert!(
        text.chars()
            .skip(want)
            .collect::<String>()
            .starts_with("colour")
    );

    // Deleting the line (the cursor is at its start) clears the list.
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::End);
    h.run_ok();
    h.key_press(egui::Key::Backspace);
    h.run_ok();
    wait_for(&mut h, "the fix is checked", checked);
    assert!(
        editor(&h).diagnostics.is_empty(),
        "{:?}",
        editor(&h).diagnostics
    );
    h.get_by_label("No problems.");
    h.get_by_label("✓ No problems");

    // Tab indents with spaces (YAML forbids tabs).
    h.key_press(egui::Key::Tab);
    h.run_ok();
    assert!(
        editor(&h).text.ends_with("\n  "),
        "{:?}",
        editor(&h).text.get(editor(&h).text.len() - 8..)
    );
    h.key_press(egui::Key::Backspace);
    h.key_press(egui::Key::Backspace);
    h.run_ok();

    // The text is as it was on disk again; a comment added, Ctrl+S writes it.
    let path = editor(&h)
        .entry
        .path
        .clone()
        .expect("a file of the trainer's");
    assert!(!editor(&h).is_dirty());
    h.get_by_label("playbooks/drill.yaml")
        .type_text("# checked");
    h.run_ok();
    assert!(editor(&h).is_dirty());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run_ok();
    assert!(!editor(&h).is_dirty());
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        editor(&h).text
    );
}

/// Another program changes a file that has unsaved changes here: nothing typed is replaced;
/// the editor says so, and loads the version on disk only when asked.
#[test]
fn a_change_on_disk_never_replaces_unsaved_text() {
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let path = ws.new_playbook("drill").expect("new").path.expect("path");
    let mut h = author_harness(lib(), &dir.path().join("progress.db"), &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    open_and_type_at_end(&mut h, "drill.yaml", "# mine");
    let mine = editor(&h).text.clone();
    let theirs = std::fs::read_to_string(&path)
        .expect("read")
        .replace("version: 1", "version: 2");
    std::fs::write(&path, &theirs).expect("write");
    wait_for(&mut h, "the change is noticed", |app| {
        matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
            if a.open.as_ref().is_some_and(|e| e.disk_changed))
    });
    assert_eq!(editor(&h).text, mine);
    h.get_by_label("This file was changed on disk by another program.");
    h.get_by_label("Load the version on disk").click();
    h.run_ok();
    assert_eq!(editor(&h).text, theirs);
    assert!(!editor(&h).is_dirty());
}

/// Another program rewrites the open file (by renaming a new file over it, as editors do):
/// the editor and the library pick it up. Then a sample reply is tried, added as a test
/// (written to the file), and the playbook's tests pass with it.
#[test]
fn an_external_change_is_picked_up_and_add_as_test_writes_a_passing_test() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let entry = ws.new_playbook("drill").expect("new playbook");
    let path = entry.path.clone().expect("on disk");
    let mut h = author_harness(lib, &dir.path().join("progress.db"), &ws);
    let lang = Lang::En;
    sign_in(&mut h, lang, "Trainer Li", "");
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label("◇ drill.yaml").click();
    h.run_ok();
    wait_for(&mut h, "the playbook is checked", checked);

    let before = std::fs::read_to_string(&path).expect("read");
    let after = before.replace("en: \"New playbook\"", "en: \"Shop-floor drill\"");
    assert_ne!(before, after);
    let tmp = dir.path().join("playbooks/drill.yaml.tmp~");
    std::fs::write(&tmp, &after).expect("write");
    std::fs::rename(&tmp, &path).expect("rename");
    wait_for(&mut h, "the change on disk is picked up", |app| {
        app.drafts
            .playbook("drill")
            .is_some_and(|p| p.title.get("en") == "Shop-floor drill")
            && matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
                if a.open.as_ref().is_some_and(|e| e.text == after))
    });
    assert!(!editor(&h).is_dirty());

    // Try a reply: scored with its trace, hint and next turn.
    wait_for(&mut h, "the reloaded text is checked", checked);
    let reply = "您好，请问您今天想看看什么样的款式？";
    h.get_by_label("Sample reply").focus();
    h.run_ok();
    h.get_by_label("Sample reply").type_text(reply);
    h.run_ok();
    h.get_by_label("Score it").click();
    h.run_ok();
    settle(&mut h);
    let score = match &editor(&h).tried {
        Some(Ok(r)) => r.scored.rounded(),
        other => panic!("not scored: {other:?}"),
    };
    assert_eq!(score, 100);
    h.get_by_label("Score 100/100");
    h.get_by_label("    rule open-question  +100");
    h.get_by_label("The role-play ends");

    h.get_by_label("＋ Add as test").click();
    h.run_ok();
    let saved = std::fs::read_to_string(&path).expect("read");
    assert!(
        saved.contains(&format!(
            "  - scenario: \"first-visit\"\n    turn: \"greet\"\n    reply: \"{reply}\"\n    expect: {{ min: 95, max: 100 }}\n"
        )),
        "{saved}"
    );
    assert!(!editor(&h).is_dirty());
    wait_for(&mut h, "the new test is checked", checked);
    // Clicked again, the same reply is not added twice.
    h.get_by_label("＋ Add as test").click();
    h.run_ok();
    assert_eq!(std::fs::read_to_string(&path).expect("read"), saved);
    h.get_by_label_contains("This reply is already a test (line ");
    // At the small window size the results fall below the Try-it panel's fold.
    h.set_size(egui::vec2(1024.0, 640.0));
    h.run_ok();
    h.get_by_label("Run tests").click();
    h.run_ok();
    settle(&mut h);
    let run = editor(&h).tests.clone().expect("tests ran");
    // Two sample replies and the one scenario's paths.
    assert_eq!((run.passed, run.failures.len()), (3, 0), "{run:?}");
    // The count sits beside the button; the results are scrolled into view.
    h.get_by_label("3 passed · 0 failed");
    let head = h.get_by_label("Tests: 3 passed, 0 failed").rect();
    assert!(
        head.max.y <= 640.0 && head.min.y >= 0.0,
        "the results are on screen: {head:?}"
    );

    // The CLI agrees.
    let mut r = Report::default();
    let lib = ws.load(&mut r);
    let pb = lib.playbook("drill").expect("loaded");
    assert_eq!(pb.tests.len(), 2);
}

/// Unsaved changes are kept beside the file after a pause (a crash loses nothing), and
/// leaving the editor asks first; "don't save" leaves the file as it was.
#[test]
fn unsaved_changes_are_autosaved_and_leaving_asks_first() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let path = ws.new_playbook("drill").expect("new").path.expect("path");
    let on_disk = std::fs::read_to_string(&path).expect("read");
    let mut h = author_harness(lib, &dir.path().join("progress.db"), &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    open_and_type_at_end(&mut h, "drill.yaml", "# a note");
    assert!(editor(&h).is_dirty());
    let autosave = salesdojo::author::autosave_path(&path);
    wait_for(&mut h, "the autosave", |_| autosave.exists());
    assert_eq!(
        std::fs::read_to_string(&autosave).expect("autosave"),
        format!("{on_disk}# a note")
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), on_disk);
    // What an autosave is offered as when the file is opened again (after a crash).
    assert_eq!(
        salesdojo::author::recovered(&path),
        Some(format!("{on_disk}# a note"))
    );
    // Undone back to the saved text: the unsaved copy is stale and goes.
    if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.text = ed.saved.clone();
        ed.touch();
    }
    wait_for(&mut h, "the stale autosave is gone", |_| !autosave.exists());
    assert_eq!(salesdojo::author::recovered(&path), None);
    if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.text.push_str("# a note");
        ed.touch();
    }
    wait_for(&mut h, "the autosave", |_| autosave.exists());

    h.get_by_label("← Playbooks").click();
    h.run_ok();
    h.get_by_label("Unsaved changes");
    h.get_by_label("Cancel").click();
    h.run_ok();
    assert!(editor(&h).text.ends_with("# a note"));
    h.get_by_label("← Playbooks").click();
    h.run_ok();
    h.get_by_label("Don't save").click();
    h.run_ok();
    assert!(matches!(
        h.state().screen,
        salesdojo::gui::app::Screen::Playbooks
    ));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), on_disk);
    assert!(!autosave.exists());
    // Closing the window with unsaved changes asks too; "save changes" saves, then closes.
    open_and_type_at_end(&mut h, "drill.yaml", "# kept");
    let close = |h: &mut Harness<'_, App>| {
        h.input_mut()
            .viewports
            .entry(egui::ViewportId::ROOT)
            .or_default()
            .events
            .push(egui::ViewportEvent::Close);
        h.step();
    };
    let sent = |h: &Harness<'_, App>, c: egui::ViewportCommand| {
        h.output()
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .is_some_and(|v| v.commands.contains(&c))
    };
    close(&mut h);
    assert!(sent(&h, egui::ViewportCommand::CancelClose));
    h.run_ok();
    h.get_by_label("Save them before quitting?");
    h.get_by_label("Save changes").click();
    h.step();
    assert!(sent(&h, egui::ViewportCommand::Close));
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        format!("{on_disk}# kept")
    );
}

/// A trainer changes a playbook on disk while a trainee is mid role-play: the library
/// reloads, but the attempt in progress goes on with the version it started with, and is
/// saved under that version.
#[test]
fn an_attempt_in_progress_keeps_its_version_across_a_reload() {
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let path = ws.new_playbook("drill").expect("new").path.expect("path");
    let db = dir.path().join("progress.db");
    // Published by the trainer: what trainees practise.
    let publish = || {
        let store = salesdojo::store::Store::open(&db).expect("opens");
        salesdojo::session::publish(&store, &path, None, "Trainer Li", chrono::Utc::now())
            .expect("published");
        store.records().published_layers().expect("layers").0
    };
    let lib = Arc::new(salesdojo::playbook::load::load_published(
        publish(),
        &mut Report::default(),
    ));
    let old_hash = lib.playbook("drill").expect("drill").source.hash.clone();
    let mut h = harness_sized(lib.clone(), &db, english(), None, egui::vec2(1280.0, 900.0));
    sign_in(&mut h, Lang::En, "Trainee Wu", "");
    let pb = lib.playbook("drill").expect("drill").clone();
    open_scenario(&mut h, Lang::En, &lib, &pb, 0);
    h.get_by_label("Just looking.");

    // A new version is published (by another program on this log) while the trainee practises:
    // the app's library takes it, the attempt in progress does not.
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("\"Just looking.\"", "\"Only browsing.\""),
    )
    .expect("write");
    publish();
    wait_for(&mut h, "the reload", |app| {
        app.lib
            .playbook("drill")
            .is_some_and(|p| p.source.hash != old_hash)
    });
    // Still the version it started with.
    h.get_by_label("Just looking.");
    let label = "Your reply (Ctrl+Enter to submit)";
    h.get_by_label(label).focus();
    h.run_ok();
    h.get_by_label(label)
        .type_text("您好，您今天想看看什么样的款式？");
    h.run_ok();
    h.get_by_label("Submit").click();
    h.run_ok();
    settle(&mut h);
    let conn = rusqlite::Connection::open(&db).expect("db");
    let (saved, replies): (String, i64) = conn
        .query_row(
            "SELECT a.playbook_hash, (SELECT COUNT(*) FROM replies) FROM attempts a",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("one attempt");
    assert_eq!((saved, replies), (old_hash, 1));
}

/// A manager exports the filtered attempts as CSV, then as xAPI (the file name follows the
/// format), and imports a trainee's database: its attempts join the table, and a second
/// import adds nothing.
#[test]
fn the_filtered_set_is_exported_and_a_trainee_database_imported() {
    let (lib, dir, db, trainees, mut h) = open_review(Lang::En, "Manager Zhao");
    let team = trainees
        .iter()
        .find_map(|t| t.team.clone())
        .expect("a team");
    open_picker(&mut h, "Team");
    click_option(&mut h, &team);
    settle(&mut h);
    let filter = review(&h).data.as_ref().expect("results").filter.clone();
    assert_eq!(filter.team.as_deref(), Some(team.as_str()));
    let expected = salesdojo::store::Store::open(&db)
        .expect("opens")
        .records()
        .export_rows(&filter)
        .expect("rows");
    assert!(!expected.is_empty());

    h.get_by_label("Export and import").click();
    h.run_ok();
    let csv = dir.path().join("team.csv");
    h.get_by_label("Export to").focus();
    h.run_ok();
    h.get_by_label("Export to")
        .type_text(&csv.display().to_string());
    h.run_ok();
    h.get_by_label("Export").click();
    h.run_ok();
    settle(&mut h);
    let mut reader = csv::Reader::from_path(&csv).expect("a CSV file");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), expected.len());
    assert!(
        matches!(&review(&h).io_note, Some(Ok(n)) if n.starts_with(&expected.len().to_string()))
    );

    h.get_by_label("xAPI").click();
    h.run_ok();
    let json = dir.path().join("team.json");
    assert_eq!(review(&h).export_path, json.display().to_string());
    h.get_by_label("Export").click();
    h.run_ok();
    settle(&mut h);
    let statements: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("written")).expect("JSON");
    assert!(
        statements
            .as_array()
            .is_some_and(|a| a.len() >= expected.len())
    );

    // Another trainee's database.
    let other = dir.path().join("other.db");
    {
        use salesdojo::demo::{DemoOptions, generate};
        let mut store = salesdojo::store::Store::open(&other).expect("opens");
        let host = ScriptHost::new(&lib);
        generate(
            &mut store,
            &lib,
            &host,
            &DemoOptions {
                trainees: 1,
                days: 5,
                seed: 99,
                end: chrono::Utc::now(),
            },
        )
        .expect("demo data");
    }
    let before = count(&db, "SELECT COUNT(*) FROM attempts");
    let theirs = count(&other, "SELECT COUNT(*) FROM attempts");
    assert!(theirs > 0);
    h.get_by_label("Import a trainee's database").focus();
    h.run_ok();
    h.get_by_label("Import a trainee's database")
        .type_text(&other.display().to_string());
    h.run_ok();
    h.get_by_label("Import").click();
    h.run_ok();
    settle(&mut h);
    assert!(
        matches!(&review(&h).io_note, Some(Ok(_))),
        "{:?}",
        review(&h).io_note
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM attempts"), before + theirs);
    h.get_by_label("Import").click();
    h.run_ok();
    settle(&mut h);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM attempts"), before + theirs);
    h.get_by_label_contains("+0 attempts");
    // In the Chinese app the result reads in Chinese.
    h.get_by_label("中文").click();
    h.run_ok();
    h.get_by_label("导入").click();
    h.run_ok();
    settle(&mut h);
    h.get_by_label_contains("新增学员 0 名、练习 0 次、回答 0 条");
    assert!(h.query_by_label_contains("+0 attempts").is_none());
}

/// A trainer opens a bundled playbook (read-only), copies it to their folder with one click
/// and edits the copy; the bundled one, opened again, points to the copy, which replaces it.
#[test]
fn a_bundled_playbook_is_copied_to_be_edited() {
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let mut h = author_harness(lib(), &dir.path().join("progress.db"), &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label("◇ 04_objection_handling.yaml").click();
    h.run_ok();
    h.get_by_label("read-only");
    assert_eq!(editor(&h).entry.origin, salesdojo::author::Origin::Bundled);
    h.get_by_label("Copy to my playbooks to edit").click();
    h.run_ok();
    let copy = dir.path().join("playbooks/04_objection_handling.yaml");
    assert_eq!(editor(&h).entry.path.as_deref(), Some(copy.as_path()));
    assert_eq!(editor(&h).entry.origin, salesdojo::author::Origin::User);
    h.get_by_label("Copied to your playbooks: you can edit it now.");
    // What just happened follows the language switch (it stayed in the one it was said in).
    h.get_by_label("中文").click();
    h.run_ok();
    h.get_by_label("已复制到我的剧本，现在可以修改。");
    h.get_by_label("English").click();
    h.run_ok();
    assert_eq!(
        std::fs::read_to_string(&copy).expect("copied"),
        include_str!("../playbooks/04_objection_handling.yaml")
    );
    wait_for(&mut h, "the copy is checked and tried-ready", |app| {
        checked(app)
            && matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
                if a.open.as_ref().is_some_and(|e| e.draft.is_some()))
    });
    // Try the first turn with an option, then walk on to the turn it leads to.
    h.get_by_label("Thanks for being frank; price really matters. What are you comparing it with?")
        .click();
    h.run_ok();
    // The text is being checked again (as after an edit) when the click comes: the click is
    // not dropped, it waits for the check.
    if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.touch();
    }
    h.step();
    h.get_by_label("Score it").click();
    h.step();
    assert_eq!(
        editor(&h).waiting,
        Some(salesdojo::gui::views::author::Cmd::TryReply),
        "the click waits for the check"
    );
    h.step();
    h.get_by_label("Checking…");
    wait_for(&mut h, "the option is scored", |app| {
        matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
            if a.open.as_ref().is_some_and(|e| e.tried.is_some()))
    });
    let next = match &editor(&h).tried {
        Some(Ok(r)) => match &r.scored.next {
            salesdojo::playbook::model::Target::Turn(t) => t.clone(),
            other => panic!("the first turn leads on, not to {other:?}"),
        },
        other => panic!("not scored: {other:?}"),
    };
    h.get_by_label("→ Try the next turn").click();
    h.run_ok();
    assert_eq!(editor(&h).try_turn, next);
    assert!(editor(&h).tried.is_none());

    // Both are listed; the bundled one now says the copy is the one in use.
    assert_eq!(
        h.get_all_by_label("◇ 04_objection_handling.yaml").count(),
        2
    );
    h.get_all_by_label("◇ 04_objection_handling.yaml")
        .last()
        .expect("the bundled one")
        .click();
    h.run_ok();
    wait_for(&mut h, "the bundled one is checked", checked);
    h.get_by_label(
        "Your copy in “My playbooks” replaces this bundled playbook: try replies in your copy.",
    );

    // The copy deleted (after asking): it goes to .deleted, and the bundled one is used again.
    h.get_all_by_label("◇ 04_objection_handling.yaml")
        .next()
        .expect("the copy")
        .click();
    h.run_ok();
    h.get_by_label("Delete my copy").click();
    h.run_ok();
    h.get_by_label("Delete this file?");
    h.get_by_label("Delete").click();
    settle(&mut h);
    assert!(!copy.exists(), "the copy is out of use");
    let bin: Vec<_> = std::fs::read_dir(dir.path().join(".deleted"))
        .expect("the .deleted folder")
        .filter_map(Result::ok)
        .collect();
    assert_eq!(bin.len(), 1, "kept, not lost");
    assert_eq!(
        h.get_all_by_label("◇ 04_objection_handling.yaml").count(),
        1,
        "only the bundled one is listed"
    );
}

/// The scenario graph beside the text: every turn of the scenario once, and a click on a turn
/// opens the text at that turn's line.
#[test]
fn the_scenario_graph_shows_every_turn_and_a_click_opens_its_line() {
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let lib = lib();
    let mut h = author_harness(lib.clone(), &dir.path().join("progress.db"), &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label("◇ 02_jewelry.yaml").click();
    h.run_ok();
    wait_for(&mut h, "the file is checked", |app| {
        checked(app)
            && matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
                if a.open.as_ref().is_some_and(|e| e.draft.is_some()))
    });
    h.get_by_label("▦ Scenario graph").click();
    h.run_ok();
    let pb = lib.playbook("jewelry").expect("bundled");
    let scen = &pb.scenarios[0];
    for t in &scen.turns {
        assert_eq!(
            h.get_all_by_label_contains(&format!("{}\n", t.id)).count(),
            1,
            "turn {} once",
            t.id
        );
    }
    for e in &scen.endings {
        h.get_by_label_contains(&format!("{}\n", e.id));
    }
    // Every scenario of every bundled playbook shows each of its turns once.
    for other in &lib.playbooks {
        for s in &other.scenarios {
            if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
                && let Some(ed) = a.open.as_deref_mut()
            {
                ed.draft = Some(other.clone());
                ed.graph_scenario = s.id.clone();
            }
            h.run_ok();
            for t in &s.turns {
                assert_eq!(
                    h.get_all_by_label_contains(&format!("{}\n", t.id)).count(),
                    1,
                    "{}/{}/{}",
                    other.id,
                    s.id,
                    t.id
                );
            }
        }
    }
    if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.draft = Some(pb.clone());
        ed.graph_scenario = scen.id.clone();
    }
    h.run_ok();
    // A click on a turn: back to the text, the cursor at that turn's id.
    let turn = &scen.turns[2];
    // (Through accesskit: the pointer position of a widget inside a zoomable scene is in the
    // scene's coordinates, which kittest's bounds do not transform.)
    h.get_by_label_contains(&format!("{}\n", turn.id))
        .click_accesskit();
    h.run_ok();
    h.run_ok();
    assert!(!editor(&h).graph, "the text is shown again");
    let text = editor(&h).text.clone();
    let at = cursor(&h);
    let line: String = text.chars().take(at).collect::<String>();
    let line_no = line.matches('\n').count();
    let the_line = text.lines().nth(line_no).expect("a line");
    assert!(
        the_line.contains(&format!("id: {}", turn.id)),
        "the cursor is on {the_line:?}"
    );
}

/// The problems panel lists what needs a translator: a text changed in one language since
/// the translations were recorded.
#[test]
fn the_translations_panel_lists_a_text_changed_in_one_language() {
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let entry = ws.new_playbook("drill").expect("new playbook");
    let path = entry.path.expect("path");
    // Record the translations as they are, then change one text in Chinese only.
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_salesdojo"))
        .args(["validate", "--locales", "--accept-translations"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = std::fs::read_to_string(&path).expect("read");
    let (zh_title, changed) = {
        let line = text
            .lines()
            .find(|l| l.starts_with("title:"))
            .expect("a title line")
            .to_owned();
        let start = line.find("zh-CN: ").expect("zh") + "zh-CN: ".len();
        let end = start + line[start..].find(',').expect("comma");
        let zh = line[start..end].to_owned();
        let new_line = line.replacen(&zh, &format!("{zh}（新）"), 1);
        (zh.clone(), text.replacen(&line, &new_line, 1))
    };
    assert!(!zh_title.is_empty());
    std::fs::write(&path, changed).expect("write");
    let mut h = author_harness(lib(), &dir.path().join("progress.db"), &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label("◇ drill.yaml").click();
    h.run_ok();
    h.get_by_label("Translations").click();
    h.run_ok();
    h.get_by_label("re-translate en (zh-CN changed since): title");
    h.get_by_label("Back to problems").click();
    h.run_ok();
    h.get_by_label("Problems");
}

/// "Try it" at a later turn is scored with the replies that lead there: a script that counts
/// the earlier replies sees two at the third turn.
#[test]
fn try_it_at_a_later_turn_is_scored_with_the_path_to_it() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
    let minimal = include_str!("fixtures/good/minimal.yaml")
        .replace("id: minimal", "id: path")
        .replace("rubric:", "scripts: { score: scripts/count.rhai }\nrubric:")
        .replace(
            "      - id: t1\n        customer: { zh-CN: 你好, en: Hello }\n",
            "      - id: t1\n        customer: { zh-CN: 你好, en: Hello }\n      - id: t2\n        customer: { zh-CN: 嗯, en: Hm }\n      - id: t3\n        customer: { zh-CN: 然后呢？, en: And then? }\n",
        )
        .replace("tests:\n", "tests: []\nx_tests:\n");
    let minimal = minimal[..minimal.find("x_tests:").expect("marker")].to_owned();
    std::fs::write(dir.path().join("playbooks/path.yaml"), minimal).expect("write");
    std::fs::write(
        dir.path().join("scripts/count.rhai"),
        "fn score(ctx) { #{ set: #{ asks: ctx.history.len() * 30 } } }\n",
    )
    .expect("write");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let mut h = author_harness(lib(), &dir.path().join("progress.db"), &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label("◇ path.yaml").click();
    h.run_ok();
    wait_for(&mut h, "the playbook is checked", |app| {
        checked(app)
            && matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
                if a.open.as_ref().is_some_and(|e| e.draft.is_some()))
    });
    if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.try_turn = "t3".into();
    }
    h.run_ok();
    h.get_by_label("Sample reply").focus();
    h.run_ok();
    h.get_by_label("Sample reply")
        .type_text("What would you like?");
    h.run_ok();
    h.get_by_label("Score it").click();
    h.run_ok();
    settle(&mut h);
    let score = match &editor(&h).tried {
        Some(Ok(r)) => r.scored.rounded(),
        other => panic!("not scored: {other:?}"),
    };
    assert_eq!(score, 60, "two replies lead to the third turn");
}

#[test]
fn the_team_window_says_clearly_when_the_server_cannot_be_reached() {
    let dir = tempfile::tempdir().expect("temp");
    let mut h = harness(lib(), &dir.path().join("progress.db"), Lang::En);
    settle(&mut h);
    h.get_by_label("Team server").click();
    wait_for(&mut h, "the status is read", |a| {
        a.team_window.status.is_some() && !a.team_window.busy()
    });
    // Not joined: the form, its button waiting for an address and a login.
    assert!(!h.state().team_window.joined());
    h.get_by_label("Server address");
    for (label, text) in [
        ("Server address", "postgres://127.0.0.1:1/salesdojo"),
        ("Login", "wangfang"),
        ("Password", "secret"),
    ] {
        h.get_by_label(label).focus();
        h.run_ok();
        h.get_by_label(label).type_text(text);
        h.run_ok();
    }
    h.get_by_label("Join").click();
    wait_for(&mut h, "the join is answered", |a| {
        a.team_window.said.is_some() && !a.team_window.busy()
    });
    h.get_by_label_contains("cannot reach the team server at 127.0.0.1:1/salesdojo");
    // Nothing was joined, so nothing "goes up at the next sync".
    h.get_by_label_contains("nothing was joined");
    assert!(h.query_by_label_contains("at the next sync").is_none());
    assert!(!h.state().team_window.joined());
    // The app goes on: signing in and the playbooks work as before.
    h.get_by_label("Close").click();
    h.run_ok();
    sign_in(&mut h, Lang::En, "Wang Fang", "");
    h.get_by_label("Choose a playbook");
}

/// The grade pane round-trips: a reply graded in the app is kept beside the playbook (the
/// calibration format), the pane shows the draft's agreement with it (the figures
/// `salesdojo calibrate FOLDER` gives), and the worst case becomes a test in one click.
#[test]
fn a_reply_graded_in_the_app_is_kept_measured_and_made_a_test() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let entry = ws.new_playbook("drill").expect("new playbook");
    let path = entry.path.clone().expect("on disk");
    let mut h = author_harness(lib, &dir.path().join("progress.db"), &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label("◇ drill.yaml").click();
    h.run_ok();
    wait_for(&mut h, "the playbook is checked", checked);
    h.get_by_label("Grade").click();
    h.run_ok();
    h.get_by_label("No grades yet. Each grade is kept beside the playbook in NAME.graded.jsonl, which `salesdojo calibrate` reads too.");
    // A plain greeting with no question: the trainer thinks it is worth 60 (50–70).
    let reply = "您好，欢迎光临。";
    h.get_by_label("Reply to grade").focus();
    h.run_ok();
    h.get_by_label("Reply to grade").type_text(reply);
    h.run_ok();
    if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.grade.grade = 60.0;
        ed.grade.band = [50.0, 70.0];
    }
    h.get_by_label("Save grade").click();
    h.run_ok();
    settle(&mut h);
    let file = dir.path().join("playbooks/drill.graded.jsonl");
    let kept = std::fs::read_to_string(&file).expect("the graded file");
    let line: serde_json::Value =
        serde_json::from_str(kept.lines().next().expect("a line")).expect("JSON");
    assert_eq!(line["reply"], reply);
    assert_eq!(line["grade"], 60.0);
    assert_eq!(line["band"], serde_json::json!([50.0, 70.0]));
    assert_eq!(
        (line["playbook"].as_str(), line["turn"].as_str()),
        (Some("drill"), Some("greet"))
    );
    wait_for(&mut h, "the grades are scored", |app| {
        matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
            if a.open.as_ref().is_some_and(|e| matches!(e.grade.result, Some(Ok(_)))))
    });
    // The pane's figures are calibrate's on the same file.
    let r = common::salesdojo(
        &common::repo(),
        &[
            "calibrate",
            dir.path().join("playbooks").to_str().expect("path"),
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let mae = c["calibration"]["overall"]["mae"].as_f64().expect("MAE");
    let band = c["calibration"]["overall"]["within_band"]
        .as_f64()
        .expect("band");
    h.get_by_label_contains(&format!(
        "1 graded · MAE {mae:.1} · {:.0}% in your band",
        band * 100.0
    ));
    // The worst case, as a test expecting the trainer's band.
    h.get_by_label("Add as test").click();
    h.run_ok();
    let saved = std::fs::read_to_string(&path).expect("read");
    assert!(
        saved.contains(&format!(
            "  - scenario: \"first-visit\"\n    turn: \"greet\"\n    reply: \"{reply}\"\n    expect: {{ min: 50, max: 70 }}\n"
        )),
        "{saved}"
    );
    // Every graded reply is listed, each one click from a test, not only the worst few.
    h.get_by_label("Grade").click();
    h.run_ok();
    for reply in ["您好，请问今天想看点什么？", "欢迎光临，随便看看。"] {
        h.get_by_label("Reply to grade").focus();
        h.run_ok();
        h.get_by_label("Reply to grade").type_text(reply);
        h.run_ok();
        h.get_by_label("Save grade").click();
        h.run_ok();
        settle(&mut h);
    }
    wait_for(&mut h, "three grades are scored", |app| {
        matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
            if a.open.as_ref().is_some_and(|e| matches!(&e.grade.result, Some(Ok(c)) if c.worst.len() == 3)))
    });
    assert_eq!(h.get_all_by_label("Add as test").count(), 3);
    // The concepts panel answers "which concept knows 核实?".
    h.get_by_label("Concepts").click();
    h.run_ok();
    h.get_by_label("Which concept knows a word?").focus();
    h.run_ok();
    h.get_by_label("Which concept knows a word?")
        .type_text("核实");
    h.run_ok();
    h.get_by_label_contains("concepts that know '核实'");
    h.get_by_label_contains("verify  ");
}

/// Ending an attempt checkpoints the log: the `.db` file alone, copied without its `-wal`,
/// holds the attempt. "Hand my history over" writes one file that does too, and importing a
/// copy that holds nothing says why and what to do instead.
#[test]
fn a_finished_attempt_is_in_the_database_file_itself_and_handed_over_in_one_click() {
    let lib = lib();
    let host = ScriptHost::new(&lib);
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let lang = Lang::En;
    let mut expected = Attempt::start(pb.clone(), &pb.scenarios[0].id, "Wang").expect("starts");
    let mut h = harness(lib.clone(), &db, lang);
    h.state_mut().handover_dir = Some(dir.path().to_path_buf());
    sign_in(&mut h, lang, "Wang", "");
    open_scenario(&mut h, lang, &lib, &pb, 0);
    while !expected.is_over() {
        answer_turn(&mut h, lang, &mut expected, &host);
    }
    h.get_by_label("See the summary").click();
    settle(&mut h);
    // The database file alone, as a trainee would copy it.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).expect("copy");
    assert_eq!(
        count(
            &copy,
            "SELECT COUNT(*) FROM attempts WHERE status = 'completed'"
        ),
        1
    );
    // One click hands the history over as one file.
    h.get_by_label("← Playbooks").click();
    settle(&mut h);
    h.get_by_label("Hand my history over").click();
    settle(&mut h);
    let handed = match &h.state().handed_over {
        Some(Ok(m)) => m.clone(),
        other => panic!("not handed over: {other:?}"),
    };
    h.get_by_label(&handed);
    let file = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("salesdojo-Wang-"))
        })
        .expect("the handed-over file");
    assert!(handed.contains(&file.display().to_string()), "{handed}");
    // It says to whom and how it goes in.
    assert!(
        handed.contains("your manager") && handed.contains("Import"),
        "{handed}"
    );
    assert_eq!(count(&file, "SELECT COUNT(*) FROM attempts"), 1);
    // A copy that holds nothing (a log's file without its -wal) is explained on import.
    let empty = dir.path().join("empty.db");
    drop(rusqlite::Connection::open(&empty).expect("an empty SQLite file"));
    let r = common::salesdojo(
        &common::repo(),
        &[
            "--db",
            dir.path().join("other.db").to_str().expect("path"),
            "merge",
            empty.to_str().expect("path"),
        ],
    );
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("holds no attempts: was it copied without the '-wal' file")
            && r.stderr.contains("salesdojo backup"),
        "{}",
        r.stderr
    );
}

/// A trainer signed in as such leaves the editor by the top bar's "Review scores" with unsaved
/// changes: asked first, as by "← Playbooks" and signing out.
#[test]
fn leaving_the_editor_for_the_review_view_asks_about_unsaved_changes() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    ws.new_playbook("drill").expect("new playbook");
    let mut h = author_harness(lib, &dir.path().join("progress.db"), &ws);
    settle(&mut h);
    h.get_by_label("Name").focus();
    h.run_ok();
    h.get_by_label("Name").type_text("Trainer Li");
    h.run_ok();
    h.get_by_label("◇ Trainer: author playbooks").click();
    settle(&mut h);
    h.get_by_label("◇ drill.yaml").click();
    h.run_ok();
    wait_for(&mut h, "the playbook is checked", checked);
    if let salesdojo::gui::app::Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.text.push_str("# a note");
        ed.touch();
    }
    h.run_ok();
    h.get_by_label("◆ Review scores").click();
    h.run_ok();
    h.get_by_label("Unsaved changes");
    h.get_by_label("Cancel").click();
    h.run_ok();
    assert!(matches!(
        h.state().screen,
        salesdojo::gui::app::Screen::Author(_)
    ));
    assert!(editor(&h).text.ends_with("# a note"));
}

/// The next appointment is written once per change, not again each time the field loses focus.
#[test]
fn the_next_appointment_is_logged_once_per_change() {
    let (_pb, _dir, db, mut h) = live_visit_started();
    let appointments = |db: &Path| {
        count(
            db,
            "SELECT COUNT(*) FROM live_events WHERE kind = 'appointment'",
        )
    };
    h.get_by_label("Next appointment").focus();
    h.run_ok();
    h.get_by_label("Next appointment").type_text("2030-01-15");
    h.run_ok();
    h.key_press(egui::Key::Tab);
    settle(&mut h);
    assert_eq!(appointments(&db), 1);
    // In and out again, the same date: nothing more is written.
    for _ in 0..2 {
        h.get_by_label("Next appointment").focus();
        h.run_ok();
        h.key_press(egui::Key::Tab);
        settle(&mut h);
    }
    assert_eq!(appointments(&db), 1);
}

/// A live visit interrupted (the window closed mid-visit) is offered on the playbook list and
/// taken up again with its ticks and appointment, under the same record.
#[test]
fn an_interrupted_live_visit_is_offered_and_taken_up_as_it_was() {
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
    let first = &pb.stages[0];
    let ticked: Vec<&salesdojo::playbook::model::ChecklistItem> =
        first.checklist.iter().take(2).collect();
    {
        let mut h = harness(lib.clone(), &db, lang);
        sign_in(&mut h, lang, "Zhao", "Sales 2");
        h.get_by_label("Start a live checklist").click();
        settle(&mut h);
        for item in &ticked {
            let label = if item.required {
                format!("{} *", item.text.get("en"))
            } else {
                item.text.get("en").to_owned()
            };
            h.get_by_label(&label).scroll_to_me();
            h.run_ok();
            h.get_by_label(&label).click();
            settle(&mut h);
        }
        h.get_by_label("Next appointment").focus();
        h.run_ok();
        h.get_by_label("Next appointment").type_text("2030-01-15");
        h.run_ok();
        h.key_press(egui::Key::Tab);
        settle(&mut h);
        // The window closes here, mid-visit.
    }
    let mut h = harness(lib.clone(), &db, lang);
    sign_in(&mut h, lang, "Zhao", "Sales 2");
    h.get_by_label_contains(&format!("Unfinished live visit: {}", pb.title.get("en")));
    h.get_by_label("Continue").click();
    settle(&mut h);
    let salesdojo::gui::app::Screen::Live(l) = &h.state().screen else {
        panic!("the visit is not on screen");
    };
    for item in &ticked {
        assert!(
            l.visit.visit.ticked.contains(&item.id),
            "{} is ticked again",
            item.id
        );
    }
    assert_eq!(l.visit.visit.appointment.as_deref(), Some("2030-01-15"));
    assert_eq!(l.appointment, "2030-01-15");
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM attempts WHERE mode = 'live'"),
        1,
        "taken up, not started afresh"
    );
}

/// At 1024×640 the side panels start narrower: the editor between them keeps room for about
/// sixty columns, not forty-five.
#[test]
fn the_editor_keeps_its_columns_on_a_small_window() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    ws.new_playbook("drill").expect("new playbook");
    let h = trainer_at_small_size(lib, dir.path(), &ws, "drill.yaml");
    // The right panel starts 30 % of the width wide (it was 380 px whatever the window).
    let right = h.get_by_label("Scenario").rect().min.x;
    assert!(
        1024.0 - right <= 320.0,
        "the right panel takes {} of 1024 px",
        1024.0 - right
    );
}

/// Ticking the last required item of a step does not move the button to the next step.
#[test]
fn the_next_step_button_stays_put_when_the_required_items_are_ticked() {
    let (pb, _dir, _db, mut h) = live_visit_started();
    let before = h.get_by_label("Next step →").rect();
    for item in pb.stages[0].checklist.iter().filter(|i| i.required) {
        h.get_by_label(&format!("{} *", item.text.get("en")))
            .click();
        settle(&mut h);
    }
    h.get_by_label("The required items are done: go on when ready.");
    let after = h.get_by_label("Next step →").rect();
    assert!(
        (after.min.y - before.min.y).abs() < 1.0,
        "the button moved from {before:?} to {after:?}"
    );
}

/// Every string a person reads, in one view: the labels and values of its accessible nodes
/// (what a text field holds is the person's own, not the UI's).
fn shown_texts(h: &Harness<'_, App>) -> Vec<String> {
    fn walk<'t>(n: &egui_kittest::Node<'t>, out: &mut Vec<String>) {
        use egui::accesskit::Role;
        let a = n.accesskit_node();
        if matches!(
            a.role(),
            Role::TextInput | Role::MultilineTextInput | Role::SearchInput
        ) {
            out.extend(a.label().map(|l| l.to_string()));
            return;
        }
        // egui's own names for unlabelled controls, read by screen readers only.
        if let Some(l) = a.label()
            && !matches!(l.as_str(), "Resize panel" | "Close window")
        {
            out.push(l.to_string());
        }
        out.extend(a.value().map(|v| v.to_string()));
        for c in n.children() {
            walk(&c, out);
        }
    }
    let mut out = Vec::new();
    walk(&h.root(), &mut out);
    out
}

/// The English words a Chinese view shows outside what may stay as it is: a "details" line
/// (a driver's or parser's own words, under the Chinese explanation), code spans, paths and
/// file names, numbers and units, and `allowed` (names the person typed, ids where the view
/// is the trainer's and shows them in code style).
fn english_words(texts: &[String], allowed: &[&str]) -> Vec<String> {
    const ALWAYS: &[&str] = &[
        "salesdojo",
        "CSV",
        "xAPI",
        "LMS",
        "YAML",
        "SQLite",
        "PostgreSQL",
        "rhai",
        "Ctrl",
        "Enter",
        "Shift",
        "Esc",
        "Tab",
        "ms",
        "KB",
        "MB",
        "GB",
        "px",
        "MAE",
        "wal",
        "db",
        "jsonl",
        "json",
        "yaml",
        "postgres",
        "host",
        "AI",
        // A sales method the source material names so (budget, authority, need, timeline).
        "BANT",
        // The language switch names the other language in its own words.
        "English",
    ];
    let mut found = Vec::new();
    for text in texts {
        for line in text.lines() {
            if line.trim_start().starts_with("详情") {
                continue;
            }
            // Code spans hold commands and ids as typed.
            let mut plain = String::new();
            for (i, part) in line.split('`').enumerate() {
                if i % 2 == 0 {
                    plain.push_str(part);
                    plain.push(' ');
                }
            }
            for token in plain.split(|c: char| c.is_whitespace() || !c.is_ascii()) {
                let token = token.trim_matches(|c: char| !c.is_ascii_alphanumeric());
                if token.contains(['/', '.', '_', '@', ':', '=']) {
                    continue;
                }
                for word in token.split(|c: char| !c.is_ascii_alphabetic()) {
                    if word.len() < 2
                        || ALWAYS.contains(&word)
                        || allowed.contains(&word)
                        || found
                            .iter()
                            .any(|f: &String| f.starts_with(&format!("{word} ")))
                    {
                        continue;
                    }
                    found.push(format!("{word} ← {line:?}"));
                }
            }
        }
    }
    found
}

fn assert_speaks_chinese(
    h: &Harness<'_, App>,
    view: &str,
    allowed: &[&str],
    out: &mut Vec<String>,
) {
    for w in english_words(&shown_texts(h), allowed) {
        out.push(format!("{view}: {w}"));
    }
}

/// Each view in Chinese, walked as a trainee, a manager and a trainer reach it, shows no English
/// word outside the allow-list: the catalogue's, the driver's and the parser's messages
/// included.
#[test]
fn every_view_in_chinese_speaks_chinese() {
    let mut found = Vec::new();
    let lib = lib();
    let host = ScriptHost::new(&lib);
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let lang = Lang::Zh;

    // A trainee: sign-in, the playbook list, a role-play with its feedback, the summary.
    let mut h = harness(lib.clone(), &db, lang);
    settle(&mut h);
    assert_speaks_chinese(&h, "sign-in", &[], &mut found);
    sign_in(&mut h, lang, "李芳", "一组");
    assert_speaks_chinese(&h, "home", &[], &mut found);
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    open_scenario(&mut h, lang, &lib, &pb, 0);
    let mut expected = Attempt::start(pb.clone(), &pb.scenarios[0].id, "李芳").expect("starts");
    answer_turn(&mut h, lang, &mut expected, &host);
    assert_speaks_chinese(&h, "practice", &[], &mut found);
    while !expected.is_over() {
        answer_turn(&mut h, lang, &mut expected, &host);
    }
    h.get_by_label("查看总结").click();
    settle(&mut h);
    assert_speaks_chinese(&h, "summary", &[], &mut found);

    // The team window, after a join the server never answered.
    h.get_by_label("团队服务器").click();
    h.run_ok();
    assert_speaks_chinese(&h, "team", &[], &mut found);
    for (label, value) in [
        (
            "服务器地址",
            "postgres://127.0.0.1:9/salesdojo?connect_timeout=2",
        ),
        ("账号", "lifang"),
        ("密码", "secret"),
    ] {
        h.get_by_label(label).focus();
        h.run_ok();
        h.get_by_label(label).type_text(value);
        h.run_ok();
    }
    h.get_by_label("加入").click();
    let start = Instant::now();
    while h.state().team_window.busy() {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the join never ended"
        );
    }
    h.run_ok();
    let Some(Err(said)) = &h.state().team_window.said else {
        panic!("the join failed");
    };
    assert!(said.zh.contains("\n详情："), "{}", said.zh);
    h.get_by_label_contains("详情：");
    assert_speaks_chinese(&h, "team (failed join)", &["lifang"], &mut found);
    drop(h);

    // A trainee at a live visit.
    let live_db = dir.path().join("live.db");
    let mut h = harness(lib.clone(), &live_db, lang);
    sign_in(&mut h, lang, "李芳", "一组");
    h.get_by_label("开始现场带看清单").click();
    settle(&mut h);
    assert_speaks_chinese(&h, "live", &[], &mut found);
    drop(h);

    // A manager: the review list and one attempt's drill-down.
    let (_lib, _rdir, _rdb, trainees, mut h) = open_review(lang, "赵经理");
    let names: Vec<String> = trainees
        .iter()
        .flat_map(|t| {
            let mut v = vec![t.name.clone()];
            v.extend(t.team.clone());
            v
        })
        .collect();
    let names: Vec<&str> = names
        .iter()
        .flat_map(|n| n.split(|c: char| !c.is_ascii_alphabetic()))
        .collect();
    assert_speaks_chinese(&h, "review", &names, &mut found);
    click_option(&mut h, "练习记录");
    h.run_ok();
    assert_speaks_chinese(&h, "review (attempts)", &names, &mut found);
    h.get_all_by_label("查看").next().expect("a row").click();
    settle(&mut h);
    assert_speaks_chinese(&h, "review (one attempt)", &names, &mut found);
    // Each trace entry is named by what the trainee read, not by a rule id or "a rule".
    let traces: Vec<String> = shown_texts(&h)
        .into_iter()
        .filter(|l| l.contains(" ← "))
        .collect();
    assert!(!traces.is_empty());
    assert!(
        traces
            .iter()
            .flat_map(|l| l.split(['；', '←']))
            .all(|part| !part.trim().ends_with(" 规则")),
        "{traces:#?}"
    );
    drop(h);

    // A trainer: the files, a bundled playbook with its graph, grading and concepts, and a
    // YAML mistake. Here the content's ids are the trainer's own words, shown in code style.
    let mut ids: Vec<String> = Vec::new();
    for p in &lib.playbooks {
        ids.push(p.id.clone());
        ids.extend(p.stages.iter().map(|s| s.id.clone()));
        for s in &p.scenarios {
            ids.push(s.id.clone());
            ids.extend(s.turns.iter().map(|t| t.id.clone()));
            ids.extend(s.endings.iter().map(|e| e.id.clone()));
        }
    }
    ids.extend(lib.concepts.keys().cloned());
    let ids: Vec<&str> = ids
        .iter()
        .flat_map(|i| i.split(|c: char| !c.is_ascii_alphabetic()))
        .collect();
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let mut h = author_harness_in(lib.clone(), &dir.path().join("author.db"), &ws, lang);
    sign_in(&mut h, lang, "李老师", "");
    h.get_by_label("◇ 编写剧本").click();
    h.run_ok();
    assert_speaks_chinese(&h, "author", &ids, &mut found);
    h.get_by_label("◇ 02_jewelry.yaml").click();
    h.run_ok();
    wait_for(&mut h, "the file is checked", |app| {
        checked(app)
            && matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
                if a.open.as_ref().is_some_and(|e| e.draft.is_some()))
    });
    assert_speaks_chinese(&h, "author (editor)", &ids, &mut found);
    h.get_by_label("▦ 场景图").click();
    h.run_ok();
    assert_speaks_chinese(&h, "author (graph)", &ids, &mut found);
    h.get_by_label("▤ 文本").click();
    h.run_ok();
    h.get_by_label("人工评分").click();
    settle(&mut h);
    assert_speaks_chinese(&h, "author (grade)", &ids, &mut found);
    h.get_by_label("概念").click();
    settle(&mut h);
    assert_speaks_chinese(&h, "author (concepts)", &ids, &mut found);
    h.get_by_label("新剧本标识").focus();
    h.run_ok();
    h.get_by_label("新剧本标识").type_text("drill");
    h.run_ok();
    h.get_by_label("＋ 新建剧本").click();
    h.run_ok();
    wait_for(&mut h, "the new playbook is checked", checked);
    h.get_by_label("playbooks/drill.yaml").focus();
    h.run_ok();
    h.key_press_modifiers(egui::Modifiers::CTRL, egui::Key::End);
    h.run_ok();
    h.get_by_label("playbooks/drill.yaml").type_text("\n]");
    h.run_ok();
    wait_for(&mut h, "the mistake is checked", checked);
    // The parser's own words are kept, on a details line under the Chinese.
    let d = &editor(&h).diagnostics;
    assert!(
        d.iter().any(|d| d.message_in(lang).contains("\n详情：")),
        "{d:?}"
    );
    assert_speaks_chinese(&h, "author (a YAML mistake)", &ids, &mut found);

    assert!(
        found.is_empty(),
        "English in the Chinese UI ({}):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// At 1024×640 the editor wraps long lines at its width (it was as wide as the longest line,
/// about 45 columns showing); "Wrap lines" off, it scrolls sideways as before.
#[test]
fn the_editor_wraps_long_lines_in_a_small_window() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let mut h = trainer_at_small_size(lib, dir.path(), &ws, "02_jewelry.yaml");
    let key = editor(&h).entry.key.clone();
    let longest = editor(&h)
        .text
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    assert!(longest > 150, "a long line to wrap: {longest}");
    let right = h.get_by_label("Scenario").rect().min.x;
    let wrapped = h.get_by_label(&key).rect();
    assert!(
        wrapped.max.x <= right,
        "the editor ends at {} under the right panel at {right}",
        wrapped.max.x
    );
    h.get_by_label("Wrap lines").click();
    h.run_ok();
    let unwrapped = h.get_by_label(&key).rect();
    assert!(
        unwrapped.width() > 1024.0,
        "unwrapped, the editor is as wide as its longest line: {unwrapped:?}"
    );
    assert!(unwrapped.height() < wrapped.height());
}

/// "Saved at …" goes with the next change: it stood beside unsaved text.
#[test]
fn the_saved_notice_goes_with_the_next_change() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    ws.new_playbook("drill").expect("new");
    let mut h = author_harness(lib, &dir.path().join("progress.db"), &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    open_and_type_at_end(&mut h, "drill.yaml", "# one");
    h.get_by_label("Save").click();
    h.run_ok();
    assert!(!editor(&h).is_dirty());
    h.get_by_label_contains("Saved at ");
    let clean = h.get_by_label("Save").rect();
    h.get_by_label("playbooks/drill.yaml").focus();
    h.run_ok();
    h.get_by_label("playbooks/drill.yaml").type_text(" two");
    h.run_ok();
    assert!(editor(&h).is_dirty());
    // The unsaved mark appearing does not move the buttons after it.
    assert_eq!(h.get_by_label("Save").rect(), clean);
    assert!(
        h.query_by_label_contains("Saved at ").is_none(),
        "'saved' beside unsaved text"
    );
}

/// What eframe keeps between runs, in memory.
#[derive(Default)]
struct Kept(std::collections::HashMap<String, String>);

impl eframe::Storage for Kept {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

/// A reply being written when the app closes is in the reply box again when the attempt is
/// resumed at that turn (it was lost: only submitted replies are in the log).
#[test]
fn a_reply_being_written_when_the_app_closes_is_kept() {
    let lib = lib();
    let host = ScriptHost::new(&lib);
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let lang = Lang::En;
    let draft = "It catches the light like a wave — shall I";
    let mut kept = Kept::default();
    {
        let mut h = harness(lib.clone(), &db, lang);
        sign_in(&mut h, lang, "Wang", "");
        open_scenario(&mut h, lang, &lib, &pb, 0);
        let mut expected = Attempt::start(pb.clone(), &pb.scenarios[0].id, "Wang").expect("starts");
        answer_turn(&mut h, lang, &mut expected, &host);
        let turn = expected.current_turn().expect("a turn");
        assert!(matches!(turn.reply, Reply::FreeText), "{}", turn.id);
        let label = "Your reply (Ctrl+Enter to submit)";
        h.get_by_label(label).focus();
        h.run_ok();
        h.get_by_label(label).type_text(draft);
        h.run_ok();
        // The window closes: eframe saves what the app remembers.
        eframe::App::save(h.state_mut(), &mut kept);
    }
    let saved: Persisted = eframe::get_value(&kept, eframe::APP_KEY).expect("saved");
    let mut h = harness_with(lib.clone(), &db, saved);
    // The name is offered again.
    settle(&mut h);
    h.get_by_label("Start practising").click();
    settle(&mut h);
    // The last playbook reopens: its scenario card offers the attempt.
    h.get_all_by_label("Continue or start afresh")
        .next()
        .expect("the scenario list")
        .click();
    settle(&mut h);
    h.get_by_label("Resume").click();
    settle(&mut h);
    let shown = h
        .get_by_label("Your reply (Ctrl+Enter to submit)")
        .accesskit_node()
        .value()
        .map(|v| v.to_string());
    assert_eq!(shown.as_deref(), Some(draft));
    // Taken up, it is not offered again.
    assert!(h.state().persisted.drafts.is_empty());
}

/// A date or an override that is not taken is said beside its field, and the page does not
/// move (a banner at the top pushed it down, and the next click landed on another control);
/// 2026/10/01 is a date.
#[test]
fn a_mistyped_date_or_override_is_said_beside_it() {
    let lang = Lang::En;
    let (_lib, _dir, _db, _, mut h) = open_review(lang, "Manager Zhao");
    let apply = h.get_by_label("Apply").rect();
    let day = chrono::Local::now().date_naive() - chrono::Days::new(7);
    h.get_by_label("From").focus();
    h.run_ok();
    h.get_by_label("From")
        .type_text(&day.format("%Y/%m/%d").to_string());
    h.run_ok();
    h.get_by_label("Apply").click();
    settle(&mut h);
    assert_eq!(review(&h).date_problem, None);
    assert!(
        review(&h)
            .data
            .as_ref()
            .is_some_and(|d| d.attempts.iter().all(|a| a.started_at.as_str()
                // A day's slack for the local time zone.
                >= (day - chrono::Days::new(1)).format("%Y-%m-%d").to_string().as_str()))
    );

    h.get_by_label("To").focus();
    h.run_ok();
    h.get_by_label("To").type_text("last week");
    h.run_ok();
    h.get_by_label("Apply").click();
    settle(&mut h);
    h.get_by_label("⚠ not a date: 'last week' (YYYY-MM-DD)");
    assert_eq!(h.state().error, None, "not a banner");
    assert_eq!(
        h.get_by_label("Apply").rect(),
        apply,
        "the page did not move"
    );

    click_option(&mut h, "Attempts");
    h.run_ok();
    h.get_all_by_label("Open").next().expect("a row").click();
    settle(&mut h);
    let detail = review(&h).detail.clone().expect("open");
    let crit = detail.criteria[0].clone();
    // The criterion's title in the attempt's own playbook (another names its conduct otherwise).
    let title = h
        .state()
        .lib
        .playbook(&detail.attempt.playbook)
        .expect("bundled")
        .rubric
        .criteria
        .iter()
        .find(|c| c.id == crit.criterion)
        .expect("criterion")
        .title
        .get("en")
        .to_owned();
    open_picker(&mut h, "Override criterion");
    click_option(&mut h, &title);
    h.run_ok();
    h.get_by_label("New points").focus();
    h.run_ok();
    h.get_by_label("New points").type_text("150");
    h.run_ok();
    h.get_by_label("Save review").click();
    settle(&mut h);
    h.get_by_label("⚠ The override must be a number from 0 to 100.");
    assert_eq!(h.state().error, None, "not a banner");
}

/// At the default window size, a hint shown above the reply box does not push the submit
/// button out of the window: the conversation above gives way (a fixed reserve for the box
/// left the button half below the window's edge once a two-line hint showed).
#[test]
fn a_hint_leaves_the_reply_box_and_its_button_in_view() {
    let lib = lib();
    let host = ScriptHost::new(&lib);
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let dir = tempfile::tempdir().expect("temp");
    let mut h = harness_sized(
        lib.clone(),
        &dir.path().join("progress.db"),
        english(),
        None,
        egui::vec2(1180.0, 760.0),
    );
    let lang = Lang::En;
    sign_in(&mut h, lang, "Wang", "");
    open_scenario(&mut h, lang, &lib, &pb, 0);
    let mut expected = Attempt::start(pb.clone(), &pb.scenarios[0].id, "Wang").expect("starts");
    // To the price question, then a bare price: the customer finds it too expensive.
    while expected.current_turn().is_some_and(|t| t.id != "how-much") {
        answer_turn(&mut h, lang, &mut expected, &host);
    }
    let label = "Your reply (Ctrl+Enter to submit)";
    h.get_by_label(label).focus();
    h.run_ok();
    h.get_by_label(label).type_text("这款三千八百元。");
    h.run_ok();
    h.get_by_label("Submit").click();
    settle(&mut h);
    expected
        .submit(Some(&host), Answer::Text("这款三千八百元。".into()), 1.0)
        .expect("scored");
    assert_eq!(
        expected.current_turn().map(|t| t.id.as_str()),
        Some("too-expensive")
    );
    h.get_by_label("Hint").click();
    settle(&mut h);
    // The turn's hint is on screen (it takes two lines at this width).
    let hint = match &h.state().screen {
        salesdojo::gui::app::Screen::Practice(p) => {
            p.hint.first().expect("a hint").get("en").to_owned()
        }
        _ => panic!("not practising"),
    };
    h.get_by_label(&format!("※ {hint}"));
    let submit = h.get_by_label("Submit").rect();
    assert!(submit.max.y <= 760.0, "the button ends at {}", submit.max.y);
}

/// The About window, opened from the top bar on any screen, says the version, the commit the
/// binary was built from and the licences; it closes again.
#[test]
fn about_says_the_version_the_commit_and_the_licences() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let mut h = harness(lib, &db, Lang::Zh);
    settle(&mut h);
    assert!(h.query_by_label(salesdojo::about::COMMIT).is_none());
    h.get_by_label("关于").click();
    settle(&mut h);
    h.get_by_label("关于 salesdojo");
    h.get_by_label(salesdojo::about::VERSION);
    h.get_by_label(salesdojo::about::COMMIT);
    for part in salesdojo::about::PARTS {
        h.get_by_label(part.what_zh);
    }
    h.get_by_label("OFL-1.1");
    h.get_by_label("关于").click();
    settle(&mut h);
    assert!(h.query_by_label(salesdojo::about::COMMIT).is_none());
}

/// The scenario list of a drill that asks for the customer's type does not give it away.
#[test]
fn a_type_drill_leaves_the_type_off_the_scenario_list() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    let mut h = harness(lib.clone(), &db, Lang::Zh);
    sign_in(&mut h, Lang::Zh, "李芳", "华东一组");
    let pb = lib.playbook("customer-types").expect("bundled").clone();
    let i = lib
        .playbooks
        .iter()
        .position(|p| p.id == pb.id)
        .expect("listed");
    h.get_all_by_label_contains("对练场景")
        .nth(i)
        .expect("a button per playbook")
        .scroll_to_me();
    settle(&mut h);
    h.get_all_by_label_contains("对练场景")
        .nth(i)
        .expect("a button per playbook")
        .click();
    settle(&mut h);
    assert_eq!(h.get_all_by_label("开始对练").count(), pb.scenarios.len());
    assert!(
        h.query_all_by_label_contains("客户：").next().is_none(),
        "no customer type on the list"
    );
    // Another playbook's list still names its customers.
    h.get_by_label("← 剧本").click();
    settle(&mut h);
    h.get_all_by_label_contains("对练场景")
        .next()
        .expect("the first playbook")
        .scroll_to_me();
    settle(&mut h);
    h.get_all_by_label_contains("对练场景")
        .next()
        .expect("the first playbook")
        .click();
    settle(&mut h);
    assert!(h.query_all_by_label_contains("客户：").next().is_some());
}

/// Today where the tests run, `days` on.
fn day_from_today(days: i64) -> chrono::NaiveDate {
    chrono::Local::now().date_naive() + chrono::Duration::days(days)
}

/// What is assigned comes first on the trainee's home screen, overdue in red words, and one
/// click starts it (the playbook of last time does not open over it).
#[test]
fn an_assigned_scenario_is_listed_first_and_starts_with_one_click() {
    use salesdojo::assign::{Request, Retake, Who};
    use salesdojo::store::ProgressLog;
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("progress.db");
    {
        let mut store = salesdojo::store::Store::open(&db).expect("opens");
        store.trainee("Chen", Some("East 1")).expect("a trainee");
        let req = Request {
            playbook: "jewelry".into(),
            scenario: Some("browsing-to-tryon".into()),
            who: Who::Team("East 1".into()),
            due: day_from_today(3),
            pass_mark: None,
            retake: Retake::default(),
            note: None,
        };
        let made = salesdojo::session::assign(
            &store,
            &lib,
            &req,
            "Ms Zhao",
            day_from_today(0),
            chrono::Utc::now(),
        )
        .expect("assigned");
        assert!(matches!(made, salesdojo::session::Assigning::Saved(_)));
        // One from before, its day gone.
        drop(store);
        rusqlite::Connection::open(&db)
            .expect("opens")
            .execute(
                "INSERT INTO assignments VALUES ('late', 'objections', NULL,
                    (SELECT id FROM trainees WHERE name = 'Chen'), NULL, ?1, 70, 0, 2, 'Ms Zhao',
                    '2026-01-01T00:00:00Z', NULL)",
                [day_from_today(-2).to_string()],
            )
            .expect("an overdue assignment");
    }
    let lang = Lang::En;
    let saved = Persisted {
        lang,
        playbook: Some("seven-step".into()),
        ..Persisted::default()
    };
    let mut h = harness_with(lib.clone(), &db, saved);
    sign_in(&mut h, lang, "Chen", "East 1");
    assert!(
        matches!(h.state().screen, salesdojo::gui::app::Screen::Playbooks),
        "the home screen stays, with what is assigned"
    );
    h.get_by_label("Assigned to you");
    h.get_by_label("overdue by 2 days");
    h.get_by_label("Jewelry: the four-stage sale · From browsing to try-on");
    h.get_by_label(&format!("due {}", day_from_today(3)));
    // The overdue one is first; the second Start is the jewelry scenario.
    let starts: Vec<_> = h.get_all_by_label("Start").collect();
    assert_eq!(starts.len(), 2);
    starts[1].click();
    settle(&mut h);
    match &h.state().screen {
        salesdojo::gui::app::Screen::Practice(p) => {
            assert_eq!(p.run.attempt.playbook.id, "jewelry");
            assert_eq!(p.run.attempt.scenario, "browsing-to-tryon");
        }
        _ => panic!("the role-play did not start"),
    }
}

/// The funnel in the review view gives the store's numbers, asked directly; a number opens
/// the trainees behind it; the form refuses a past day and stores a good request.
#[test]
fn the_funnel_gives_the_stores_numbers_and_the_form_assigns() {
    use salesdojo::assign::{Request, Retake, Who};
    let lang = Lang::En;
    let (lib, _dir, db, trainees, mut h) = open_review(lang, "Ms Zhao");
    let team = trainees
        .iter()
        .find_map(|t| t.team.clone())
        .expect("a team");
    {
        let store = salesdojo::store::Store::open(&db).expect("opens");
        let req = Request {
            playbook: "objections".into(),
            scenario: None,
            who: Who::Team(team.clone()),
            due: day_from_today(5),
            pass_mark: Some(60),
            retake: Retake::default(),
            note: None,
        };
        salesdojo::session::assign(
            &store,
            &lib,
            &req,
            "Ms Zhao",
            day_from_today(0),
            chrono::Utc::now(),
        )
        .expect("assigned");
    }
    h.get_by_label("Assignments").click();
    settle(&mut h);
    let expected = {
        let store = salesdojo::store::Store::open(&db).expect("opens");
        let all = store
            .records()
            .assignment_standings(&salesdojo::assign::catalogue(&lib), day_from_today(0))
            .expect("standings");
        salesdojo::assign::funnel(&all.standings)
    };
    let shown = review(&h)
        .assignments
        .data
        .as_ref()
        .expect("the funnel")
        .funnel
        .clone();
    assert_eq!(shown, expected);
    let members = trainees
        .iter()
        .filter(|t| t.team.as_ref() == Some(&team))
        .count();
    assert_eq!(shown[0].counts.assigned as usize, members);
    assert_eq!(shown[0].counts.not_started as usize, members);
    // A number opens its trainees.
    let number = members.to_string();
    let one = trainees
        .iter()
        .find(|t| t.team.as_ref() == Some(&team))
        .expect("a member");
    assert_eq!(
        h.query_all_by_label(&one.name).count(),
        0,
        "no names before"
    );
    h.get_all_by_label(&number)
        .next()
        .expect("the number")
        .click();
    h.run_ok();
    assert_eq!(
        h.get_all_by_label(&one.name).count(),
        1,
        "its trainees after"
    );
    assert_eq!(h.get_all_by_label("assigned, not started").count(), members);

    // The form: a past day is refused and nothing stored; a good request is stored.
    h.get_by_label("Assign practice");
    {
        let r = match &mut h.state_mut().screen {
            salesdojo::gui::app::Screen::Review(r) => r,
            _ => panic!("not on the review screen"),
        };
        r.assignments.playbook = "jewelry".into();
        r.assignments.who = trainees[0].name.clone();
        r.assignments.due = day_from_today(-1).to_string();
    }
    h.run_ok();
    h.get_by_label("Assign").click();
    settle(&mut h);
    h.get_by_label_contains("is in the past");
    let count = |db: &Path| {
        salesdojo::store::Store::open(db)
            .expect("opens")
            .records()
            .assignments()
            .expect("assignments")
            .len()
    };
    assert_eq!(count(&db), 1);
    {
        let r = match &mut h.state_mut().screen {
            salesdojo::gui::app::Screen::Review(r) => r,
            _ => panic!("not on the review screen"),
        };
        r.assignments.due = day_from_today(9).to_string();
    }
    h.run_ok();
    h.get_by_label("Assign").click();
    settle(&mut h);
    h.get_by_label_contains(&format!(
        "to {}, due {}",
        trainees[0].name,
        day_from_today(9)
    ));
    assert_eq!(count(&db), 2);
    assert_eq!(
        review(&h)
            .assignments
            .data
            .as_ref()
            .expect("read again")
            .funnel
            .len(),
        2,
        "the funnel is read again"
    );
}

/// The authoring view's Publish: a playbook whose test fails is refused with the test, and
/// nothing is stored; once the test passes it is published as version 1, and again with the
/// same file, nothing new.
#[test]
fn publishing_from_the_authoring_view_refuses_a_failing_test() {
    let lib = lib();
    let dir = tempfile::tempdir().expect("temp");
    let ws = Workspace::at(&dir.path().join("playbooks"));
    let entry = ws.new_playbook("drill").expect("new playbook");
    let path = entry.path.clone().expect("on disk");
    let good = std::fs::read_to_string(&path).expect("read");
    let failing = good.replacen(
        "expect: { min: 90, max: 100 }",
        "expect: { min: 0, max: 5 }",
        1,
    );
    assert_ne!(good, failing);
    std::fs::write(&path, &failing).expect("write");
    let db = dir.path().join("progress.db");
    let mut h = author_harness(lib, &db, &ws);
    sign_in(&mut h, Lang::En, "Trainer Li", "");
    // The saved playbook is the trainer's draft: the authoring view has it, trainees do not.
    wait_for(&mut h, "the trainer's folder is read", |app| {
        app.drafts.playbook("drill").is_some()
    });
    assert!(h.state().lib.playbook("drill").is_none());
    assert!(h.query_by_label_contains("New playbook").is_none());
    h.get_by_label("◇ Author playbooks").click();
    h.run_ok();
    h.get_by_label("◇ drill.yaml").click();
    h.run_ok();
    wait_for(&mut h, "the playbook is checked", checked);
    let published = |db: &Path| -> i64 {
        rusqlite::Connection::open(db)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM published", [], |r| r.get(0)))
            .unwrap_or(-1)
    };
    h.get_by_label("Publish").click();
    h.run_ok();
    settle(&mut h);
    h.get_by_label_contains("not published: 1 of its tests fail (nothing stored)");
    assert_eq!(published(&db), 0);

    // Fixed on disk (as another editor would), checked, published.
    let tmp = dir.path().join("playbooks/drill.yaml.tmp~");
    std::fs::write(&tmp, &good).expect("write");
    std::fs::rename(&tmp, &path).expect("rename");
    wait_for(&mut h, "the fix is picked up", |app| {
        matches!(&app.screen, salesdojo::gui::app::Screen::Author(a)
            if a.open.as_ref().is_some_and(|e| e.text == good))
    });
    wait_for(&mut h, "the fix is checked", checked);
    h.get_by_label("Publish").click();
    h.run_ok();
    settle(&mut h);
    h.get_by_label_contains("published drill as version 1 (");
    assert_eq!(published(&db), 1);
    h.get_by_label("Publish").click();
    h.run_ok();
    settle(&mut h);
    h.get_by_label_contains("drill version 1 already has these files");
    assert_eq!(published(&db), 1);
    // Published, it is on the trainees' list.
    assert!(h.state().lib.playbook("drill").is_some());
    h.get_by_label("← Playbooks").click();
    settle(&mut h);
    h.get_by_label_contains("New playbook");
}

/// The bundled library with the jewelry playbook changed by `edit` (kept in `dir`).
fn lib_with_jewelry(dir: &Path, edit: impl Fn(&str) -> String) -> Arc<Library> {
    let folder = dir.join("playbooks");
    std::fs::create_dir_all(&folder).expect("dir");
    let src =
        std::fs::read_to_string(common::repo().join("playbooks/02_jewelry.yaml")).expect("jewelry");
    std::fs::write(folder.join("02_jewelry.yaml"), edit(&src)).expect("write");
    std::fs::copy(
        common::repo().join("playbooks/02_jewelry.yaml.locales.json"),
        folder.join("02_jewelry.yaml.locales.json"),
    )
    .expect("copy");
    let mut r = Report::default();
    let content = Content::from_path(&folder, &mut r).expect("content");
    let lib = Arc::new(load(&[Content::bundled(), content], &mut r));
    assert_eq!(r.errors(), 0, "{r:?}");
    lib
}

/// The manager's queue as the store gives it, asked directly.
fn queue_now(db: &Path, lib: &Library) -> Vec<salesdojo::queue::Item> {
    let store = salesdojo::store::Store::open(db).expect("opens");
    store
        .records()
        .review_queue(
            &salesdojo::queue::Rules::of(lib),
            &salesdojo::queue::Filter::default(),
            chrono::Local::now().date_naive(),
            salesdojo::gui::views::review::QUEUE_DAYS,
        )
        .expect("queue")
}

/// Each reason puts an attempt in the manager's queue, with its count in the top bar; opening
/// one from the queue and reviewing it takes it out.
#[test]
fn the_review_queue_lists_each_reason_and_a_review_takes_an_attempt_out() {
    let lang = Lang::En;
    let dir = tempfile::tempdir().expect("temp");
    // One scenario requires a manager's sign-off.
    let lib = lib_with_jewelry(dir.path(), |src| {
        src.replacen(
            "  - id: browsing-to-tryon\n",
            "  - id: browsing-to-tryon\n    sign_off: true\n",
            1,
        )
    });
    let db = dir.path().join("progress.db");
    let trainees = demo_db(&lib, &db);
    // Four recent attempts, each given a reason the demo history does not have.
    let (gated, failing, asked, flagged) = {
        let mut s = salesdojo::store::Store::open(&db).expect("opens");
        let recent = s
            .records()
            .attempts(&salesdojo::store::report::Filter::default(), 50)
            .expect("attempts");
        let done: Vec<&salesdojo::store::report::AttemptRow> = recent
            .iter()
            .filter(|a| a.status == "completed" && a.mode == "practice")
            .collect();
        let (g, f, q, x) = (
            done[0].id.clone(),
            done[1].id.clone(),
            done[2].id.clone(),
            done[3].id.clone(),
        );
        let c = rusqlite::Connection::open(&db).expect("open");
        c.execute("UPDATE attempts SET gated = 1 WHERE id = ?1", [&g])
            .expect("gate");
        c.execute(
            "UPDATE replies SET script_error = 'scripts/x.rhai: out of budget' WHERE attempt_id = ?1 AND seq = 1",
            [&f],
        )
        .expect("script error");
        c.execute(
            "INSERT INTO verifications (attempt_id, status, derived_total) VALUES (?1, 'mismatch', 12.0)",
            [&x],
        )
        .expect("flagged");
        let owner = trainees
            .iter()
            .find(|t| t.name == done[2].trainee)
            .expect("the trainee");
        s.request_review(
            &owner.id,
            &q,
            "Why did my close score so low?",
            chrono::Utc::now(),
        )
        .expect("asked");
        (g, f, q, x)
    };
    let want = queue_now(&db, &lib);
    let reasons = |id: &str| -> Vec<&'static str> {
        want.iter()
            .find(|i| i.fact.attempt == id)
            .map(|i| i.reasons.iter().map(|r| r.key()).collect())
            .unwrap_or_default()
    };
    assert!(reasons(&gated).contains(&"gate"));
    assert!(
        reasons(&failing).contains(&"script"),
        "{:?}",
        want.iter().find(|i| i.fact.attempt == failing)
    );
    assert!(reasons(&asked).contains(&"asked"));
    assert!(reasons(&flagged).contains(&"flagged"));
    let sign_off = want
        .iter()
        .find(|i| i.reasons.iter().any(|r| r.key() == "sign_off"))
        .expect("an attempt of the sign-off scenario waits")
        .clone();
    assert_eq!(sign_off.fact.scenario, "browsing-to-tryon");

    let mut h = manager_on(lib.clone(), &db, lang, "Manager Zhao");
    // The count in the top bar opens the queue.
    h.get_by_label(&format!("To review {}", want.len())).click();
    settle(&mut h);
    let shown = review(&h).queue.clone().expect("the queue");
    assert_eq!(shown, want, "the queue on screen is the store's");
    assert_eq!(shown[0].fact.attempt, gated, "gates first");
    h.get_by_label("a conduct gate fired");
    h.get_by_label_contains("the scoring script failed on 1 of its replies");
    h.get_by_label("the trainee asked: Why did my close score so low?");
    h.get_by_label_contains(
        "flagged by the verifier: its stored score is not what its replies give",
    );
    assert!(
        h.get_all_by_label("the scenario requires a manager's sign-off")
            .next()
            .is_some()
    );

    // Opened from the queue and reviewed: out of it, and the count follows.
    let when = salesdojo::store::local_stamp(&shown[0].waiting_since, "%m-%d %H:%M");
    h.get_all_by_label(&when)
        .next()
        .expect("the gated row")
        .click();
    settle(&mut h);
    assert_eq!(
        review(&h).detail.as_ref().map(|d| d.attempt.id.clone()),
        Some(gated.clone())
    );
    h.get_by_label("Comment").focus();
    h.run_ok();
    h.get_by_label("Comment").type_text("No promises of gain.");
    h.run_ok();
    h.get_by_label("Save review").scroll_to_me();
    h.run_ok();
    h.get_by_label("Save review").click();
    settle(&mut h);
    assert_eq!(h.state().error, None);
    let after = review(&h).queue.clone().expect("the queue");
    assert!(
        after.iter().all(|i| i.fact.attempt != gated),
        "reviewed: out"
    );
    assert_eq!(after.len(), want.len() - 1);
    h.get_by_label(&format!("To review {}", after.len()));
}

/// A manager comments on one reply; the trainee sees it on their home screen beside the
/// reply it is about, and acknowledges it; the manager sees that they did.
#[test]
fn a_comment_on_a_reply_is_seen_and_acknowledged_by_the_trainee() {
    let lang = Lang::En;
    let (_lib, _dir, db, trainees, mut h) = open_review(lang, "Manager Zhao");
    let first = review(&h).data.as_ref().expect("results").attempts[0].clone();
    let trainee = trainees
        .iter()
        .find(|t| t.name == first.trainee)
        .expect("the trainee")
        .clone();
    h.state_mut()
        .apply(salesdojo::gui::command::Command::Review(
            salesdojo::gui::views::review::Cmd::OpenAttempt(first.id.clone()),
        ));
    settle(&mut h);
    h.get_all_by_label("Comment on this reply")
        .next()
        .expect("a reply")
        .click();
    h.run_ok();
    h.get_by_label("Comment on reply 1").focus();
    h.run_ok();
    h.get_by_label("Comment on reply 1")
        .type_text("Ask about the occasion first.");
    h.run_ok();
    h.get_by_label("Save review").scroll_to_me();
    h.run_ok();
    h.get_by_label("Save review").click();
    settle(&mut h);
    assert_eq!(h.state().error, None);
    let store = salesdojo::store::Store::open(&db).expect("opens");
    let d = store.records().attempt_detail(&first.id).expect("detail");
    let rv = d.reviews.last().unwrap_or_else(|| {
        panic!(
            "a review: problem {:?}, comment {:?}, reply {:?}",
            review(&h).review_problem,
            review(&h).comment,
            review(&h).comment_reply
        )
    });
    assert_eq!(rv.reply, Some(1));
    assert_eq!(rv.acknowledged_at, None);
    // Beside its reply in the drill-down, not yet acknowledged.
    h.get_by_label_contains("not acknowledged yet");

    // The trainee signs in: the new review waits on the home screen.
    h.state_mut()
        .apply(salesdojo::gui::command::Command::SignOut);
    settle(&mut h);
    h.state_mut()
        .apply(salesdojo::gui::command::Command::SignIn {
            name: trainee.name.clone(),
            team: trainee.team.clone().unwrap_or_default(),
        });
    settle(&mut h);
    let mine = h.state().my_reviews.clone();
    let new = mine
        .iter()
        .filter(|r| r.review.acknowledged_at.is_none())
        .count();
    assert!(new >= 1, "{mine:?}");
    h.get_by_label_contains(&format!("New reviews from your manager ({new})"));
    h.get_by_label("On reply 1: Ask about the occasion first.");
    h.get_by_label("Got it").click();
    settle(&mut h);
    assert!(
        h.query_by_label_contains("New reviews from your manager")
            .is_none()
    );
    let d = store.records().attempt_detail(&first.id).expect("detail");
    assert!(
        d.reviews
            .last()
            .and_then(|r| r.acknowledged_at.as_ref())
            .is_some()
    );
}

/// The readiness grid: each trainee's proficiency per criterion as the documented weighting
/// gives it from the store's rows, read with SQL here.
#[test]
fn the_readiness_grid_matches_the_store_asked_directly() {
    let lang = Lang::En;
    let (lib, _dir, db, _, mut h) = open_review(lang, "Manager Zhao");
    h.get_by_label("Readiness").click();
    settle(&mut h);
    let data = review(&h).readiness.clone().expect("readiness");
    assert!(!data.cells.is_empty());
    let today = data.as_of;
    let since = salesdojo::readiness::since(today).to_string();
    let shown = data.playbook.clone().expect("one playbook is read");
    assert_eq!(shown, review(&h).readiness_playbook);
    let c = rusqlite::Connection::open(&db).expect("open");
    let mut stmt = c
        .prepare(
            "SELECT trainee_id, playbook_id, criterion_id, substr(started_at, 1, 10), COALESCE(overridden, points)
             FROM attempt_criteria WHERE started_at >= ?1 AND playbook_id = ?2",
        )
        .expect("prepare");
    let mut sums: std::collections::HashMap<(String, String, String), (f64, f64)> =
        std::collections::HashMap::new();
    let rows = stmt
        .query_map([&since, &shown], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, f64>(4)?,
            ))
        })
        .expect("rows");
    for row in rows {
        let (t, p, k, day, points) = row.expect("row");
        let day = chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").expect("a day");
        let w = 0.5f64.powf((today - day).num_days() as f64 / 30.0);
        let e = sums.entry((t, p, k)).or_insert((0.0, 0.0));
        e.0 += w;
        e.1 += w * points;
    }
    assert_eq!(sums.len(), data.cells.len());
    for cell in &data.cells {
        let (w, wp) = sums[&(
            cell.trainee_id.clone(),
            cell.playbook.clone(),
            cell.criterion.clone(),
        )];
        assert!(
            (cell.proficiency - wp / w).abs() < 1e-6,
            "{cell:?}: {} vs {}",
            cell.proficiency,
            wp / w
        );
    }
    // On screen: the chosen playbook's grid, a trainee's row with the number in it.
    let pb = lib
        .playbook(&review(&h).readiness_playbook)
        .expect("a playbook chosen");
    let cell = data
        .cells
        .iter()
        .find(|c| c.playbook == pb.id && c.tier != salesdojo::readiness::Tier::TooLittle)
        .expect("a cell with a tier");
    h.get_all_by_label(&cell.trainee).next().expect("the row");
    assert!(
        h.get_all_by_label(&format!("{:.0}", cell.proficiency))
            .next()
            .is_some()
    );
}

/// The certification panel: a playbook whose certificate needs a manager's sign-off lists
/// those who earned it as awaiting; signing one off certifies them, in the store too.
#[test]
fn the_certification_panel_signs_a_certificate_off() {
    let lang = Lang::En;
    let dir = tempfile::tempdir().expect("temp");
    let lib = lib_with_jewelry(dir.path(), |src| {
        format!("{src}certification:\n  scenarios: [browsing-to-tryon]\n  sign_off: true\n")
    });
    assert!(
        lib.playbook("jewelry")
            .expect("jewelry")
            .certification
            .sign_off
    );
    let db = dir.path().join("progress.db");
    demo_db(&lib, &db);
    let mut h = manager_on(lib.clone(), &db, lang, "Manager Zhao");
    h.get_by_label("Certificates").click();
    settle(&mut h);
    let list = review(&h).certificates.clone().expect("certificates");
    let waiting = list
        .iter()
        .find(|c| c.playbook == "jewelry" && c.status.key() == "awaiting_sign_off")
        .expect("someone awaits a sign-off")
        .clone();
    let store = salesdojo::store::Store::open(&db).expect("opens");
    let direct = store
        .records()
        .certificates(&lib, None, None, chrono::Local::now().date_naive())
        .expect("certificates");
    assert_eq!(list, direct, "the panel shows the store's certificates");
    let n = h.get_all_by_label("Sign off").count();
    assert_eq!(
        n,
        list.iter()
            .filter(|c| c.status.key() == "awaiting_sign_off")
            .count()
    );
    h.get_all_by_label("Sign off")
        .next()
        .expect("a button")
        .click();
    settle(&mut h);
    let after = review(&h).certificates.clone().expect("certificates");
    let signed = after
        .iter()
        .find(|c| c.trainee.id == waiting.trainee.id && c.playbook == "jewelry")
        .expect("still listed");
    assert_eq!(signed.status.key(), "certified", "{signed:?}");
    assert!(
        h.get_all_by_label_contains("signed off by Manager Zhao")
            .next()
            .is_some()
    );
}

/// At 1024×640 with an attempt open beside it, every tab of the review view is on screen,
/// whole, in both languages.
#[test]
fn the_review_tabs_fit_a_small_window_with_an_attempt_open() {
    for lang in [Lang::En, Lang::Zh] {
        let lib = lib();
        let dir = tempfile::tempdir().expect("temp");
        let db = dir.path().join("progress.db");
        demo_db(&lib, &db);
        let mut h = harness_sized(
            lib.clone(),
            &db,
            Persisted {
                lang,
                ..Persisted::default()
            },
            None,
            egui::vec2(1024.0, 640.0),
        );
        settle(&mut h);
        h.get_by_label(t(lang, "姓名", "Name")).focus();
        h.run_ok();
        h.get_by_label(t(lang, "姓名", "Name"))
            .type_text("Manager Zhao");
        h.run_ok();
        h.get_by_label(t(lang, "◆ 经理：复盘与成绩", "◆ Manager: review scores"))
            .click();
        settle(&mut h);
        let first = review(&h).data.as_ref().expect("results").attempts[0]
            .id
            .clone();
        h.state_mut()
            .apply(salesdojo::gui::command::Command::Review(
                salesdojo::gui::views::review::Cmd::OpenAttempt(first),
            ));
        settle(&mut h);
        let panel = h
            .get_all_by_label(t(lang, "关闭", "Close"))
            .next()
            .expect("the attempt's panel")
            .rect()
            .left();
        for label in [
            t(lang, "概览", "Overview"),
            t(lang, "练习记录", "Attempts"),
            t(lang, "布置与进度", "Assignments"),
            t(lang, "复核队列", "Review queue"),
            t(lang, "准备度", "Readiness"),
            t(lang, "认证", "Certificates"),
        ] {
            let r = h
                .get_all_by_label(label)
                .next()
                .unwrap_or_else(|| panic!("the tab {label}"))
                .rect();
            assert!(
                r.left() >= 0.0 && r.right() <= panel && r.bottom() <= 640.0,
                "{lang:?}: the tab {label} at {r:?} is cut by the attempt's panel at x = {panel}"
            );
        }
    }
}
