//! Moves by meaning: each move a rubric rewards (restating, empathy, an open question, a
//! customer case told as a story, a benefit tied to the customer's words, a next step, owning a
//! problem, a remedy, …) in 22 phrasings per language and 8 near misses, written by a trainer
//! who never saw the concept lexicon (`tests/fixtures/moves/phrasings.json`). The first 14 of
//! each list were looked at while the lexicon was extended; the last 8 (held) were not, and are
//! counted apart so the table says how well the lexicon carries to words nobody tuned it on.

use std::collections::BTreeMap;

use salesdojo::playbook::model::Library;
use salesdojo::playbook::{Content, Report, load};
use salesdojo::text::{self, Normalized};

#[derive(serde::Deserialize)]
struct Lang {
    does: Vec<String>,
    misses: Vec<String>,
}

/// How a move is recognised: concepts of the lexicon (any of them), or the engine's own
/// open-question detector.
fn detectors(mv: &str) -> &'static [&'static str] {
    match mv {
        "restate" => &["restating"],
        "empathy" => &["empathy"],
        "open_question" => &["@open_question"],
        "quantify_pain" => &["quantify"],
        "case" => &["case"],
        "tie_benefit" => &["their_words"],
        "next_step" => &["next_step"],
        "own_problem" => &["admit"],
        "remedy" => &["remedy"],
        "check_more" => &["check_more"],
        "ask_commit" => &["ask_commit", "deposit"],
        "referral" => &["referral"],
        other => panic!("a move without a detector: {other}"),
    }
}

fn makes(lib: &Library, mv: &str, reply: &str) -> bool {
    let t = Normalized::new(reply);
    detectors(mv).iter().any(|d| match *d {
        "@open_question" => text::is_open_question_in(&t),
        id => lib
            .concepts
            .get(id)
            .unwrap_or_else(|| panic!("concept {id} is in the lexicon"))
            .in_text(&t),
    })
}

/// The least share of the 22 phrasings each language must make the move, and the most near
/// misses that may pass for it.
const LEAST_DOES: usize = 17;
const MOST_MISSES: usize = 2;

#[test]
fn every_move_is_recognised_in_many_words_and_near_misses_are_not() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/moves/phrasings.json"),
    )
    .expect("phrasings");
    let mut all: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).expect("phrasings parse");
    all.remove("_about");
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    assert_eq!(report.errors(), 0, "{}", report.render());
    assert_eq!(all.len(), 12, "the twelve moves");
    let mut failures = Vec::new();
    let mut table = String::from("move           lang  seen(14)  held(8)  misses(8)\n");
    let (mut held, mut held_total) = (0, 0);
    for (mv, langs) in &all {
        let langs: BTreeMap<String, Lang> =
            serde_json::from_value(langs.clone()).expect("a move's phrasings");
        for (lang, l) in &langs {
            assert_eq!(l.does.len(), 22, "{mv} {lang}: 22 phrasings");
            let hit: Vec<bool> = l.does.iter().map(|r| makes(&lib, mv, r)).collect();
            let seen = hit[..14].iter().filter(|h| **h).count();
            let kept = hit[14..].iter().filter(|h| **h).count();
            let missed: Vec<&String> = l.misses.iter().filter(|r| makes(&lib, mv, r)).collect();
            held += kept;
            held_total += hit.len() - 14;
            table.push_str(&format!(
                "{mv:<14} {lang:<5} {seen:>5}     {kept:>4}     {:>5}\n",
                missed.len()
            ));
            if seen + kept < LEAST_DOES {
                // Only the phrasings looked at while tuning are named; the held ones are
                // counted, never shown, so they stay unseen.
                let not: Vec<&String> = l.does[..14]
                    .iter()
                    .zip(&hit)
                    .filter(|(_, h)| !**h)
                    .map(|(r, _)| r)
                    .collect();
                failures.push(format!(
                    "{mv} {lang}: {} of 22 recognised (at least {LEAST_DOES}); not, of the first 14: {not:?}",
                    seen + kept
                ));
            }
            for m in &missed {
                table.push_str(&format!("    near miss taken for {mv}: {m}\n"));
            }
            if missed.len() > MOST_MISSES {
                failures.push(format!(
                    "{mv} {lang}: {} near misses taken for the move (at most {MOST_MISSES}): {missed:?}",
                    missed.len()
                ));
            }
        }
    }
    println!("{table}held phrasings recognised: {held} of {held_total}");
    assert!(failures.is_empty(), "{}\n{}", table, failures.join("\n"));
}

/// A second trainer's phrasings written after the lexicon was extended, never looked at
/// (`tests/fixtures/moves/held.json`): the honest measure of how the moves carry to words
/// nobody tuned on. Only counts are printed; the floor is under what they score today.
#[test]
fn moves_carry_to_phrasings_nobody_tuned_on() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/moves/held.json"),
    )
    .expect("held phrasings");
    let mut all: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).expect("parse");
    all.remove("_about");
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    assert_eq!(report.errors(), 0, "{}", report.render());
    assert_eq!(all.len(), 12);
    let (mut hit, mut total) = (0, 0);
    let mut table = String::new();
    for (mv, langs) in &all {
        let langs: BTreeMap<String, Vec<String>> =
            serde_json::from_value(langs.clone()).expect("a move's phrasings");
        for (lang, replies) in &langs {
            let n = replies.iter().filter(|r| makes(&lib, mv, r)).count();
            table.push_str(&format!("{mv:<14} {lang:<5} {n}/{}\n", replies.len()));
            hit += n;
            total += replies.len();
        }
    }
    println!("{table}unseen phrasings recognised: {hit} of {total}");
    assert!(
        hit * 100 >= total * HELD_FLOOR_PERCENT,
        "{table}{hit} of {total}"
    );
}

/// The least share (%) of the unseen phrasings recognised: 148 of 192 (77 %) when they were
/// first measured, 2026-12-05.
const HELD_FLOOR_PERCENT: usize = 77;

/// Six moves (own_problem, remedy, next_step, ask_commit, referral, case) in 20 phrasings and
/// 6 near misses per language by a second trainer, written blind on 2026-12-06
/// (`tests/fixtures/moves/moves-2.json`). The first 14 of each list were looked at while the
/// lexicon was extended; the last 6 were not (held), counted apart. First measured before any
/// change: seen 101 of 168, held 30 of 72, 13 of 72 near misses taken. With the case and
/// referral patterns written from the seen ones (a story's people and results, a favour asked
/// in other words): seen 127, held 33, near misses 13 — the held ones barely moved, and remedy
/// patterns written the same way made four of the eight graded test sets worse (pooled MAE
/// 15.48 -> 15.59), so they were left out. Phrase patterns fit what they were written from;
/// these floors keep what they carry.
#[test]
fn a_second_trainers_phrasings_of_six_moves() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/moves/moves-2.json"),
    )
    .expect("phrasings");
    let mut all: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).expect("parse");
    all.remove("_about");
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    assert_eq!(report.errors(), 0, "{}", report.render());
    assert_eq!(all.len(), 6, "six moves");
    let mut table = String::from("move           lang  seen(14)  held(6)  misses(6)\n");
    let (mut seen, mut held, mut misses) = (0, 0, 0);
    for (mv, langs) in &all {
        let langs: BTreeMap<String, Lang> =
            serde_json::from_value(langs.clone()).expect("a move's phrasings");
        for (lang, l) in &langs {
            assert_eq!((l.does.len(), l.misses.len()), (20, 6), "{mv} {lang}");
            let hit: Vec<bool> = l.does.iter().map(|r| makes(&lib, mv, r)).collect();
            let s = hit[..14].iter().filter(|h| **h).count();
            let h = hit[14..].iter().filter(|h| **h).count();
            let m = l.misses.iter().filter(|r| makes(&lib, mv, r)).count();
            table.push_str(&format!(
                "{mv:<14} {lang:<5} {s:>5}     {h:>4}     {m:>5}\n"
            ));
            if std::env::var_os("SALESDOJO_SHOW_MOVES").is_some() {
                for (r, _) in l.does[..14].iter().zip(&hit).filter(|(_, h)| !**h) {
                    table.push_str(&format!("    not: {r}\n"));
                }
                for r in l.misses.iter().filter(|r| makes(&lib, mv, r)) {
                    table.push_str(&format!("    near miss taken: {r}\n"));
                }
            }
            seen += s;
            held += h;
            misses += m;
        }
    }
    println!("{table}seen {seen} of 168, held {held} of 72, near misses taken {misses} of 72");
    assert!(
        seen >= 127 && held >= 33 && misses <= 13,
        "{table}seen {seen}, held {held}, near misses {misses}"
    );
}
