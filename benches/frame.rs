//! How long the desktop app takes to build one frame (egui layout and widget logic, on the UI
//! thread; painting is the GPU's) for its heaviest screens: a finished role-play with every
//! reply's feedback on screen, and the ten-step live checklist. The budget is 16 ms.
//!
//! `cargo bench --bench frame`

mod common;

use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use egui_kittest::Harness;
use salesdojo::gui::App;
use salesdojo::gui::app::{Live, Practice, Review, Screen};
use salesdojo::gui::command::Command;
use salesdojo::gui::state::{Lang, Persisted};
use salesdojo::gui::worker::Db;
use salesdojo::playbook::model::Reply;
use salesdojo::playbook::{Content, Report, load};
use salesdojo::practice::Answer;
use salesdojo::script::ScriptHost;
use salesdojo::session::{LoggedAttempt, LoggedVisit, NoLog};
use salesdojo::store::ProgressLog;

fn harness(app: App) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1180.0, 760.0))
        .with_max_steps(100)
        .with_context_setup(salesdojo::gui::theme::install)
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

/// Times 2 000 single frames and prints their median and 99th percentile (criterion reports
/// means and medians of batches; a dropped frame is a tail event).
fn tail(name: &str, h: &mut Harness<'static, App>) {
    let t: Vec<f64> = (0..2000)
        .map(|_| {
            let s = Instant::now();
            h.step();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    percentiles(&format!("frame {name}"), t, "frames");
}

/// Prints `what: p50 …, p99 …, max … over N unit` (the form benches/summary.py reads).
fn percentiles(what: &str, mut t: Vec<f64>, unit: &str) {
    t.sort_by(f64::total_cmp);
    eprintln!(
        "{what}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms over {} {unit}",
        t[t.len() / 2],
        t[t.len() * 99 / 100],
        t[t.len() - 1],
        t.len()
    );
}

/// Sets a filter on the review view.
type SetFilter = Box<dyn Fn(&mut Review)>;

fn review<'a>(h: &'a Harness<'static, App>) -> Option<&'a Review> {
    match &h.state().screen {
        Screen::Review(r) => Some(r),
        _ => None,
    }
}

fn bench(c: &mut Criterion) {
    let mut r = Report::default();
    let lib = Arc::new(load(&[Content::bundled()], &mut r));
    let host = ScriptHost::new(&lib);
    let mut log = NoLog;
    let trainee = log
        .trainee("李芳", Some("华东一组"))
        .unwrap_or_else(|e| panic!("{e}"));

    // The longest scenario, played to its end with the model answers and best options.
    let (pb, scen) = lib
        .playbooks
        .iter()
        .flat_map(|p| p.scenarios.iter().map(move |s| (p.clone(), s.id.clone())))
        .max_by_key(|(p, s)| p.scenario(s).map_or(0, |s| s.turns.len()))
        .unwrap_or_else(|| panic!("bundled scenarios"));
    let mut run = LoggedAttempt::start(&mut log, &trainee, pb.clone(), &scen)
        .unwrap_or_else(|e| panic!("{e}"));
    while let Some(turn) = run.attempt.current_turn().cloned() {
        let answer = match &turn.reply {
            Reply::Choice(o) => Answer::Choice(
                o.iter()
                    .max_by_key(|o| o.score)
                    .map(|o| o.id.clone())
                    .unwrap_or_default(),
            ),
            Reply::FreeText => Answer::Text(
                turn.model_answer
                    .as_ref()
                    .map_or("您好，请问您今天想了解什么？", |m| {
                        m.get("zh-CN")
                    })
                    .to_owned(),
            ),
        };
        run.submit(Some(&host), answer, 5.0)
            .unwrap_or_else(|e| panic!("{e}"));
        run.commit(&mut log).unwrap_or_else(|e| panic!("{e}"));
    }
    let replies = run.attempt.replies.len();

    let mut g = c.benchmark_group("frame");
    for lang in [Lang::Zh, Lang::En] {
        let mut app = App::new(
            lib.clone(),
            Db::None,
            Persisted {
                lang,
                ..Persisted::default()
            },
        );
        app.trainee = Some(trainee.clone());
        app.screen = Screen::Practice(Box::new(Practice::new(run.clone())));
        let mut h = harness(app);
        h.run_ok();
        let name = format!("practice_{replies}_replies_{}", lang.code());
        g.bench_function(&name, |b| b.iter(|| h.step()));
        tail(&name, &mut h);
    }

    let live = lib
        .playbooks
        .iter()
        .find(|p| p.live)
        .cloned()
        .unwrap_or_else(|| panic!("a live playbook"));
    let mut app = App::new(lib.clone(), Db::None, Persisted::default());
    app.trainee = Some(trainee.clone());
    let visit = LoggedVisit::start(&mut log, &trainee, live).unwrap_or_else(|e| panic!("{e}"));
    app.screen = Screen::Live(Box::new(Live::new(visit, None)));
    let mut h = harness(app);
    h.run_ok();
    g.bench_function("live_checklist_zh-CN", |b| b.iter(|| h.step()));
    tail("live_checklist_zh-CN", &mut h);

    // The manager's review view on the 500-trainee, 2-year demo database: the overview
    // (charts, heatmap, leaderboard) and the attempts table; and how long a filter change
    // takes to show its results (from the command to the results on screen, measured by the
    // app itself), for a few typical filters.
    let demo = common::demo_db();
    let mut app = App::new(
        lib.clone(),
        Db::Open(salesdojo::store::Location::at(Some(demo))),
        Persisted::default(),
    );
    app.trainee = Some(trainee.clone());
    let mut h = harness(app);
    let wait = |h: &mut Harness<'static, App>| {
        let start = Instant::now();
        while h.state().is_busy() || review(h).is_some_and(|r| r.sent.is_some()) {
            h.step();
            std::thread::sleep(std::time::Duration::from_micros(200));
            assert!(
                start.elapsed().as_secs() < 60,
                "the review query did not answer"
            );
        }
        h.step();
    };
    wait(&mut h);
    h.state_mut().apply(Command::OpenReview);
    wait(&mut h);
    let teams: Vec<String> = review(&h)
        .and_then(|r| r.data.as_ref())
        .map(|d| d.trainees.iter().filter_map(|t| t.team.clone()).collect())
        .unwrap_or_default();
    let team = teams.first().cloned().unwrap_or_default();
    // The most active trainee (the leaderboard's first), not one who never practised.
    let trainee_name = review(&h)
        .and_then(|r| r.data.as_ref())
        .and_then(|d| d.leaders.first().map(|l| l.trainee.clone()))
        .unwrap_or_default();
    let filters: [(&str, SetFilter); 6] = [
        ("everyone", Box::new(|_| {})),
        ("one team", Box::new(move |r| r.team = team.clone())),
        (
            "one trainee",
            Box::new(move |r| r.trainee = trainee_name.clone()),
        ),
        ("one playbook", Box::new(|r| r.playbook = "jewelry".into())),
        (
            "everyone, last quarter",
            Box::new(|r| {
                r.from = "2026-08-01".into();
                r.to = "2026-10-31".into();
            }),
        ),
        (
            "one playbook, last quarter",
            Box::new(|r| {
                r.playbook = "jewelry".into();
                r.from = "2026-08-01".into();
                r.to = "2026-10-31".into();
            }),
        ),
    ];
    for (name, set) in &filters {
        let mut ms = Vec::new();
        for _ in 0..5 {
            if let Screen::Review(r) = &mut h.state_mut().screen {
                let data = r.data.take();
                **r = Review::new();
                r.data = data;
                set(r);
            }
            h.state_mut()
                .apply(Command::Review(salesdojo::gui::views::review::Cmd::Query));
            wait(&mut h);
            ms.push(review(&h).and_then(|r| r.latency_ms).unwrap_or(f64::NAN));
            if std::env::var_os("SALESDOJO_BENCH_VERBOSE").is_some() {
                eprintln!(
                    "  {name}: {:.1} ms on screen, {:.1} ms in the database",
                    ms[ms.len() - 1],
                    review(&h)
                        .and_then(|r| r.data.as_ref())
                        .map_or(f64::NAN, |d| d.took_ms)
                );
            }
        }
        ms.sort_by(f64::total_cmp);
        eprintln!(
            "review filter {name}: median {:.1} ms, max {:.1} ms over {} changes ({} rows)",
            ms[ms.len() / 2],
            ms[ms.len() - 1],
            ms.len(),
            review(&h)
                .and_then(|r| r.data.as_ref())
                .map_or(0, |d| d.attempts.len())
        );
    }
    // Frames on the unfiltered view.
    if let Screen::Review(r) = &mut h.state_mut().screen {
        let data = r.data.take();
        **r = Review::new();
        r.data = data;
    }
    h.state_mut()
        .apply(Command::Review(salesdojo::gui::views::review::Cmd::Query));
    wait(&mut h);
    g.bench_function("review_overview_demo_db", |b| b.iter(|| h.step()));
    tail("review_overview_demo_db", &mut h);
    if let Screen::Review(r) = &mut h.state_mut().screen {
        r.tab = salesdojo::gui::views::review::Tab::Attempts;
    }
    h.step();
    g.bench_function("review_attempts_table_demo_db", |b| b.iter(|| h.step()));
    tail("review_attempts_table_demo_db", &mut h);
    drop(h);

    author(&mut g, &lib, &trainee);
    g.finish();
}

/// The app signed in as `trainee`, the authoring view open on `entry` of `ws`.
fn open_in_author(
    lib: &Arc<salesdojo::playbook::Library>,
    trainee: &salesdojo::store::Trainee,
    ws: salesdojo::author::Workspace,
    entry: salesdojo::author::FileEntry,
) -> Harness<'static, App> {
    let mut app = App::new(lib.clone(), Db::None, Persisted::default()).with_workspace(ws);
    app.trainee = Some(trainee.clone());
    let mut h = harness(app);
    h.run_ok();
    h.state_mut().apply(Command::OpenAuthor);
    h.state_mut()
        .apply(Command::Author(salesdojo::gui::views::author::Cmd::Open(
            entry,
        )));
    h
}

/// The trainer's authoring view with the largest bundled playbook (copied to a trainer's
/// folder) in the editor and tried once: frames at rest, frames that each type a character
/// (the text is coloured and laid out again), and how long a typed error takes to show in
/// the problems list (the pause the check waits for, 300 ms, plus the check on the worker).
fn author(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    lib: &Arc<salesdojo::playbook::Library>,
    trainee: &salesdojo::store::Trainee,
) {
    use salesdojo::author::Workspace;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ws = Workspace::at(dir.path());
    // The largest bundled playbook.
    let key = lib
        .playbooks
        .iter()
        .map(|p| p.source.file.as_str())
        .max_by_key(|f| {
            salesdojo::playbook::bundled::FILES
                .iter()
                .find(|(k, _)| k == f)
                .map_or(0, |(_, t)| t.len())
        })
        .unwrap_or("playbooks/01_seven_step.yaml");
    let entry = ws.copy_bundled(key).unwrap_or_else(|e| panic!("{e}"));
    let lines = std::fs::read_to_string(entry.path.as_deref().unwrap_or(dir.path()))
        .map_or(0, |t| t.lines().count());
    let mut h = open_in_author(lib, trainee, ws, entry);
    let editor = |h: &Harness<'static, App>| match &h.state().screen {
        Screen::Author(a) => a
            .open
            .as_deref()
            .map(|e| (e.seq, e.checked_seq, e.counts())),
        _ => None,
    };
    let checked = |h: &mut Harness<'static, App>| {
        let start = Instant::now();
        loop {
            h.step();
            if let Some((seq, done, counts)) = editor(h)
                && seq == done
                && !h.state().is_busy()
            {
                return (start.elapsed().as_secs_f64() * 1e3, counts);
            }
            std::thread::sleep(std::time::Duration::from_micros(200));
            assert!(start.elapsed().as_secs() < 30, "the check did not answer");
        }
    };
    checked(&mut h);
    if let Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.try_reply = "您好，请问您今天想了解哪方面的产品？预算大概是多少？".into();
        // A free-text turn of the first scenario.
        if let Some(t) = ed.draft.as_ref().and_then(|p| {
            p.scenarios.first().and_then(|s| {
                s.turns
                    .iter()
                    .find(|t| matches!(t.reply, Reply::FreeText))
                    .map(|t| (s.id.clone(), t.id.clone()))
            })
        }) {
            (ed.try_scenario, ed.try_turn) = t;
        }
    }
    h.state_mut().apply(Command::Author(
        salesdojo::gui::views::author::Cmd::TryReply,
    ));
    checked(&mut h);
    let name = format!("author_{lines}_lines_at_rest");
    g.bench_function(&name, |b| b.iter(|| h.step()));
    tail(&name, &mut h);

    // Typing: the editor has the focus, each frame gets one character.
    h.ctx
        .memory_mut(|m| m.request_focus(salesdojo::gui::views::author::editor_id()));
    h.step();
    let t: Vec<f64> = (0..400)
        .map(|i| {
            h.event(egui::Event::Text(if i % 2 == 0 { "a" } else { " " }.into()));
            let s = Instant::now();
            h.step();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    percentiles(
        &format!("frame author typing ({lines} lines)"),
        t,
        "keystrokes",
    );

    // A typed error, from the keystroke to the problems list (5 times).
    let mut ms = Vec::new();
    for _ in 0..5 {
        h.event(egui::Event::Text("\nbogus: 1".into()));
        let (took, (errors, _)) = checked(&mut h);
        assert!(errors > 0, "the error was not reported");
        ms.push(took);
        // Remove it again (and wait for that check too).
        for _ in 0.."\nbogus: 1".chars().count() {
            h.event(egui::Event::Key {
                key: egui::Key::Backspace,
                physical_key: None,
                pressed: true,
                repeat: false,
                modifiers: egui::Modifiers::NONE,
            });
        }
        checked(&mut h);
    }
    ms.sort_by(f64::total_cmp);
    eprintln!(
        "author error shown: median {:.0} ms, max {:.0} ms over {} errors typed (300 ms of it is the pause the check waits for)",
        ms[ms.len() / 2],
        ms[ms.len() - 1],
        ms.len()
    );
}

/// The scenario graph first: it needs no demo database.
fn graph_bench(c: &mut Criterion) {
    let mut r = Report::default();
    let lib = Arc::new(load(&[Content::bundled()], &mut r));
    let trainee = NoLog
        .trainee("李芳", Some("华东一组"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut g = c.benchmark_group("frame");
    graph(&mut g, &lib, &trainee);
    g.finish();
}

criterion_group!(benches, graph_bench, bench);
criterion_main!(benches);

/// The authoring view's scenario graph of a generated 200-turn scenario, at rest: the budget
/// is a frame, 16 ms at p99.
fn graph(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    lib: &Arc<salesdojo::playbook::Library>,
    trainee: &salesdojo::store::Trainee,
) {
    use salesdojo::author::Workspace;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let ws = Workspace::at(&dir.path().join("playbooks"));
    std::fs::create_dir_all(dir.path().join("playbooks")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("playbooks/long.yaml"),
        common::long_scenario_yaml(200),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let entry = ws
        .files()
        .into_iter()
        .find(|f| f.key == "playbooks/long.yaml")
        .unwrap_or_else(|| panic!("the generated file is listed"));
    let mut h = open_in_author(lib, trainee, ws, entry);
    let start = Instant::now();
    loop {
        h.step();
        let drawn = matches!(&h.state().screen, Screen::Author(a)
            if a.open.as_ref().is_some_and(|e| e.draft.is_some()));
        if drawn {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
        assert!(start.elapsed().as_secs() < 30, "the check did not answer");
    }
    if let Screen::Author(a) = &mut h.state_mut().screen
        && let Some(ed) = a.open.as_deref_mut()
    {
        ed.graph = true;
    }
    h.step();
    let name = "author_graph_200_turns";
    g.bench_function(name, |b| b.iter(|| h.step()));
    tail(name, &mut h);
}
