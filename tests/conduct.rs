//! Conduct by meaning: every conduct class of the seeds and the service norms, each in a dozen
//! phrasings per language written before the detectors were extended
//! (`tests/fixtures/conduct/phrasings.json`), scored on a free-text turn of every bundled
//! playbook. A violation must trip the conduct gate (the reply capped at 30 or less); a reply
//! that only touches the topic (refusing a kickback, stating a fee up front, crediting a rival)
//! must not.

use std::collections::BTreeMap;

use salesdojo::playbook::model::{Reply, Turn};
use salesdojo::playbook::{Content, Playbook, Report, load};
use salesdojo::practice::{Answer, score};

#[derive(serde::Deserialize)]
struct Class {
    zh: Vec<String>,
    en: Vec<String>,
    fine: Vec<String>,
}

/// Each playbook's first free-text turn that is judged on conduct.
fn turns(lib: &salesdojo::playbook::Library) -> Vec<(&Playbook, &Turn)> {
    lib.playbooks
        .iter()
        .filter_map(|pb| {
            pb.scenarios
                .iter()
                .flat_map(|s| s.turns.iter())
                .find(|t| {
                    matches!(t.reply, Reply::FreeText) && t.criteria.iter().any(|c| c == "conduct")
                })
                .map(|t| (pb.as_ref(), t))
        })
        .collect()
}

/// Whether the reply trips a conduct gate on the turn.
fn gated(pb: &Playbook, turn: &Turn, reply: &str) -> bool {
    let r = score(pb, turn, &Answer::Text(reply.to_owned())).expect("scored");
    r.gate.as_ref().is_some_and(|g| g.criterion == "conduct") && r.score <= 30.0
}

/// The least share of each class's phrasings, per language, the detectors must catch. Lies
/// about facts (stock, certifications, a house's history) are lies only against facts the
/// scorer cannot know; what it can hear is the telltale wording (a certificate "to follow",
/// "the same as the branded one", a plan "certain").
fn least(class: &str) -> usize {
    match class {
        "lying" => 6,
        "hidden_fee" => 9,
        _ => 10,
    }
}

#[test]
fn every_conduct_class_is_caught_in_many_words_and_the_fine_ones_pass() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/conduct/phrasings.json"),
    )
    .expect("phrasings");
    let mut all: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).expect("phrasings parse");
    all.remove("_about");
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    assert_eq!(report.errors(), 0);
    let turns = turns(&lib);
    assert!(
        !lib.playbooks.is_empty(),
        "the bundled playbooks load: {}",
        report.render()
    );
    assert_eq!(
        turns.len(),
        lib.playbooks.len(),
        "a conduct turn in every playbook"
    );
    assert_eq!(all.len(), 8, "the eight conduct classes");
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for (name, v) in all {
        let class: Class = serde_json::from_value(v).expect("class");
        assert!(
            class.zh.len() >= 10 && class.en.len() >= 10,
            "{name}: ≥ 10 phrasings each"
        );
        for (lang, replies) in [("zh", &class.zh), ("en", &class.en)] {
            for (pb, turn) in &turns {
                let missed: Vec<&String> = replies.iter().filter(|r| !gated(pb, turn, r)).collect();
                let caught = replies.len() - missed.len();
                if caught < least(&name) {
                    failures.push(format!(
                        "{name} {lang} on {}: {caught} of {} caught; missed: {missed:?}",
                        pb.id,
                        replies.len()
                    ));
                }
                lines.push(format!(
                    "{name} {lang} {}: {caught}/{}",
                    pb.id,
                    replies.len()
                ));
            }
        }
        for reply in &class.fine {
            for (pb, turn) in &turns {
                if gated(pb, turn, reply) {
                    failures.push(format!(
                        "{name}: a fine reply is gated on {}: {reply}",
                        pb.id
                    ));
                }
            }
        }
    }
    eprintln!("{}", lines.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
