//! The graded reading: a playbook that turns it on (`reading: true`) scores a free-text reply by
//! the model fitted to trainer-graded replies, explains what moved it, keeps a gate's cap; the
//! bundled model is what fitting the committed graded sets gives; `calibrate --fit-model`
//! writes one a trainer can use.

mod common;

use std::sync::Arc;

use common::{repo, salesdojo, salesdojo_with};
use salesdojo::playbook::{Content, Library, Report, load};
use salesdojo::practice::reading;
use salesdojo::practice::{Answer, Scored, score};

fn library(reading_on: bool) -> Library {
    let mut report = Report::default();
    let mut lib = load(&[Content::bundled()], &mut report);
    for pb in &mut lib.playbooks {
        Arc::make_mut(pb).rubric.reading = reading_on;
    }
    lib
}

fn scored(lib: &Library, at: (&str, &str, &str), reply: &str) -> Scored {
    let pb = lib.playbook(at.0).expect("bundled playbook");
    let t = pb
        .scenario(at.1)
        .and_then(|s| s.turns.iter().find(|t| t.id == at.2))
        .expect("bundled turn");
    score(pb, t, &Answer::Text(reply.to_owned())).expect("scored")
}

const PRICE: (&str, &str, &str) = ("objections", "too-expensive", "compare");

/// A partial reply (one question, no restating, no empathy): the rules give it one move's
/// points; the reading gives what the model says trainers give such replies, and its trace
/// line adds up to it.
#[test]
fn a_playbook_that_reads_scores_with_the_reading_and_explains_it() {
    let reply = "您是跟哪家的报价比的？";
    let rules = scored(&library(false), PRICE, reply);
    assert!(rules.reading.is_none(), "reading is off by default");
    let read = scored(&library(true), PRICE, reply);
    let r = read.reading.as_ref().expect("a reading");
    assert!(
        (r.rules - rules.score).abs() < 1e-9,
        "{} vs {}",
        r.rules,
        rules.score
    );
    let model = reading::bundled().expect("bundled model");
    let features = read.features.clone().expect("features");
    let (y, _) = model.predict(&features);
    assert!((read.score - y.clamp(0.0, 100.0)).abs() < 1e-9);
    assert_ne!(
        read.score.round(),
        rules.score.round(),
        "the reading moved it"
    );
    // What the trace lists, from the typical reply, adds up to the reading (each part is
    // rounded; parts under half a point are left out).
    let listed: f64 = r.typical + r.why.iter().map(|(_, v)| v).sum::<f64>();
    assert!(
        (listed - read.score).abs() <= 1.0 + r.why.len() as f64 * 0.5,
        "{listed} vs {}",
        read.score
    );
    let pb = library(true);
    let pb = pb.playbook(PRICE.0).expect("pb");
    let lines = salesdojo::practice::score::explain(pb, &read);
    let last = lines.last().expect("lines");
    assert!(last.starts_with("reading "), "{lines:?}");
    assert!(last.contains("trainer-graded replies"), "{last}");
}

/// A conduct gate caps the reading as it caps the rules.
#[test]
fn a_gate_still_caps_the_reading() {
    let read = scored(
        &library(true),
        PRICE,
        "您是跟哪家比的？签了我私下给您返点，回扣另算，保证比他们划算。",
    );
    let g = read.gate.as_ref().expect("a gate");
    assert!(read.reading.is_some());
    assert!(read.score <= g.cap + 1e-9, "{} > {}", read.score, g.cap);
}

/// The bundled reading is exactly what fitting the files it names gives with today's rules;
/// when the rules change, it is refitted (the message says how).
#[test]
fn the_bundled_reading_is_what_fitting_its_graded_sets_gives() {
    let model = reading::bundled().expect("bundled model");
    let root = repo();
    if !root.join("../shared/grading/calibration.jsonl").is_file() {
        common::skip(
            "the_bundled_reading_is_what_fitting_its_graded_sets_gives",
            "../shared/grading is not here",
            "CI has shared/ beside the repository",
        );
        return;
    }
    let lib = library(false);
    let host = salesdojo::script::ScriptHost::new(&lib);
    let files: Vec<(String, Vec<(usize, salesdojo::calibrate::Graded)>)> = model
        .sets
        .iter()
        .map(|name| {
            if name == "the playbooks' tests" {
                (name.clone(), salesdojo::calibrate::tests_as_grades(&lib))
            } else {
                let text = std::fs::read_to_string(root.join(name))
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                (name.clone(), salesdojo::calibrate::parse(&text).0)
            }
        })
        .collect();
    let (rows, problems) = salesdojo::calibrate::fit_rows(&lib, Some(&host), &files);
    assert!(problems.is_empty(), "{problems:?}");
    let fitted = salesdojo::calibrate::fit_model(&rows, model.params);
    assert!(
        fitted == *model,
        "assets/grading/reading.json is not what today's rules fit: run `salesdojo calibrate {} --fit-model assets/grading/reading.json` and commit it",
        model
            .sets
            .iter()
            .filter(|s| s.as_str() != "the playbooks' tests")
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// `--fit-model` says how a reading fitted to the other files does on each, writes a model
/// `SALESDOJO_READING` takes, and a broken one is said and set aside.
#[test]
fn fit_model_cross_validates_and_writes_a_model_a_trainer_can_use() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("mine.json");
    let a = repo().join("tests/fixtures/calibration/held_out.jsonl");
    let b = repo().join("tests/fixtures/calibration/fresh.jsonl");
    let r = salesdojo(
        &repo(),
        &[
            "calibrate",
            &a.display().to_string(),
            &b.display().to_string(),
            "--fit-model",
            &out.display().to_string(),
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("held_out.jsonl"), "{}", r.stdout);
    assert!(r.stdout.contains("the playbooks' tests"), "{}", r.stdout);
    assert!(r.stdout.contains("fitted to "), "{}", r.stdout);
    let text = std::fs::read_to_string(&out).expect("written");
    let m = reading::Model::from_json(&text).expect("a model");
    assert!(m.fitted_to > 80, "{}", m.fitted_to);
    // It never writes over what is not a model (a progress database, say).
    let db = dir.path().join("progress.db");
    std::fs::write(&db, b"SQLite format 3\0\x10\x00\xff").expect("write");
    let r = salesdojo(
        &repo(),
        &[
            "calibrate",
            &a.display().to_string(),
            "--fit-model",
            &db.display().to_string(),
        ],
    );
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains("is not a reading model"), "{}", r.stderr);
    assert_eq!(
        std::fs::read(&db).expect("db"),
        b"SQLite format 3\0\x10\x00\xff"
    );
    // A broken model file is said once and the bundled one is used.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"features\": [").expect("write");
    let r = salesdojo_with(
        &repo(),
        &["calibrate", &a.display().to_string(), "--worst", "0"],
        &[("SALESDOJO_READING", &bad.display().to_string())],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("SALESDOJO_READING: cannot use"),
        "{}",
        r.stderr
    );
}

/// The wording is one of the facts the reading reads: the bundled model has one, a reply's
/// runs are weighed by it, and the trace says which of them weighed most and which way.
#[test]
fn the_wording_is_read_and_its_runs_explained() {
    let model = reading::bundled().expect("bundled model");
    let wording = model
        .wording
        .as_ref()
        .expect("the bundled reading has a wording");
    // A kickback said in words no rule of this turn lists weighs down; a restatement of the
    // customer's comparison weighs up.
    let (kickback, _) = wording.read("这单签了，我私下给您一点好处，别跟别人说。", 4);
    let (restates, _) = wording.read(RESTATES, 4);
    assert!(
        kickback < restates,
        "kickback {kickback} vs restating {restates}"
    );
    let read = scored(&library(true), PRICE, RESTATES);
    let r = read.reading.as_ref().expect("a reading");
    assert!(!r.runs.is_empty(), "{r:?}");
    let features = read.features.clone().expect("features");
    assert!(
        (features[reading::WORDING] - wording.read(RESTATES, 0).0).abs() < 1e-9,
        "the feature is the wording's reading"
    );
    let lib = library(true);
    let pb = lib.playbook(PRICE.0).expect("pb");
    let lines = salesdojo::practice::score::explain(pb, &read);
    let last = lines.last().expect("lines");
    if r.why.iter().any(|(k, _)| k == "the wording") {
        assert!(last.contains("the wording") && last.contains('«'), "{last}");
    }
}

const RESTATES: &str = "您刚才说另一家便宜两千，能说说他们的报价里包含哪些吗？";

/// No points for length alone: a good reply padded with pleasantries that say nothing reads
/// no higher on average, and no reply gains more than a few points from it. Over the bundled
/// playbooks' own good Chinese replies (their tests pinned at 75 or more: passing).
#[test]
fn padding_a_reply_earns_nothing() {
    let lib = library(true);
    let mut gained = Vec::new();
    for pb in &lib.playbooks {
        for t in &pb.tests {
            let salesdojo::playbook::model::TestInput::Reply(reply) = &t.input else {
                continue;
            };
            if t.min < 75 || t.lang.as_deref().is_some_and(|l| l != "zh-CN") || reply.is_ascii() {
                continue;
            }
            let Some(turn) = pb
                .scenario(&t.scenario)
                .and_then(|s| s.turns.iter().find(|x| x.id == t.turn))
            else {
                continue;
            };
            let base = score(pb, turn, &Answer::Text(reply.clone())).expect("scored");
            for pad in [
                "好的好的，明白明白，没问题没问题。",
                "今天天气不错，您一路过来辛苦了。",
            ] {
                let padded =
                    score(pb, turn, &Answer::Text(format!("{reply}{pad}"))).expect("scored");
                gained.push((padded.score - base.score, reply.clone(), pad));
            }
        }
    }
    assert!(gained.len() >= 40, "{} padded replies", gained.len());
    let mean = gained.iter().map(|g| g.0).sum::<f64>() / gained.len() as f64;
    let most = gained
        .iter()
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .expect("some");
    eprintln!(
        "{} padded replies: mean {mean:+.1}, most {:+.1} ({} + {})",
        gained.len(),
        most.0,
        most.1,
        most.2
    );
    assert!(mean <= 0.0, "padding raised the mean by {mean:.1}");
    assert!(
        most.0 <= 10.0,
        "padding raised one by {:.1}: {} + {}",
        most.0,
        most.1,
        most.2
    );
}

/// The turn's neighbours: a reply to a turn with graded replies reads the grade of the one
/// most like it; the bundled model keeps the graded sets' replies, never a playbook's own
/// tests (a test would find itself and pass by its own pin).
#[test]
fn the_turns_neighbours_are_read_and_keep_no_playbook_test() {
    let model = reading::bundled().expect("bundled model");
    let neighbours = model
        .neighbours
        .as_ref()
        .expect("the bundled reading has neighbours");
    let lib = library(true);
    let read = scored(&lib, PRICE, RESTATES);
    let features = read.features.clone().expect("features");
    let pb = lib.playbook(PRICE.0).expect("pb");
    let turn = pb
        .scenario(PRICE.1)
        .and_then(|s| s.turns.iter().find(|t| t.id == PRICE.2))
        .expect("turn");
    let key = salesdojo::practice::neighbours::turn_key(&pb.id, turn);
    let near = neighbours
        .read(&key, RESTATES)
        .expect("graded replies to this turn");
    assert!((features[reading::NEIGHBOURS] - near).abs() < 1e-9);
    // The grade read is one a trainer gave a reply to this very turn.
    let graded = neighbours.turns.get(&key).expect("the turn's replies");
    assert!(
        graded.iter().any(|(_, g)| (g - near).abs() < 1e-9),
        "{near}"
    );
    // No test of any bundled playbook is kept: its reply to its turn at its pinned grade (a
    // graded set may hold the same words, "好的。", at a trainer's own grade).
    for pb in &lib.playbooks {
        for t in &pb.tests {
            let salesdojo::playbook::model::TestInput::Reply(r) = &t.input else {
                continue;
            };
            let Some(turn) = pb
                .scenario(&t.scenario)
                .and_then(|s| s.turns.iter().find(|x| x.id == t.turn))
            else {
                continue;
            };
            let key = salesdojo::practice::neighbours::turn_key(&pb.id, turn);
            let pinned = f64::from(t.min + t.max) / 2.0;
            let kept = neighbours.turns.get(&key).is_some_and(|v| {
                v.iter()
                    .any(|(text, g)| text == r && (g - pinned).abs() < 1e-9)
            });
            assert!(!kept, "a test is kept: {}/{}: {r}", t.scenario, t.turn);
        }
    }
    // A turn no graded reply answers reads as its wording does.
    assert_eq!(neighbours.read("no/such/turn", RESTATES), None);
}
