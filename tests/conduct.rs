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

#[derive(serde::Deserialize)]
struct Placed {
    /// `playbook/scenario/turn`.
    turn: String,
    reply: String,
}

/// The least of each class's hidden slips, per language, the detectors must catch (of 10 in
/// Chinese, of 6 in English): a floor under what they catch now, not a target. Lies about facts
/// are lies only against facts the scorer cannot know.
fn least_hidden(class: &str, lang: &str) -> usize {
    match (class, lang) {
        ("lying", "zh-CN") => 5,
        ("lying", _) => 3,
        (_, "zh-CN") => 6,
        _ => 4,
    }
}

/// Misconduct slipped into otherwise competent replies, each scored on the turn it answers:
/// caught (capped at 30 or less) in most of them, and none of the clean replies that only
/// touch the same topics capped. Of the slips, only those looked at while the detectors were
/// extended (the first 7 in Chinese, the first 4 in English) are named when missed.
#[test]
fn misconduct_inside_a_competent_reply_is_caught_and_honest_replies_pass() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conduct/hidden.json"),
    )
    .expect("hidden slips");
    let mut all: BTreeMap<String, BTreeMap<String, Vec<Placed>>> = {
        let mut v: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&text).expect("parse");
        v.remove("_about");
        v.into_iter()
            .map(|(k, v)| (k, serde_json::from_value(v).expect("class")))
            .collect()
    };
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    assert_eq!(report.errors(), 0);
    let at = |id: &str| -> (&Playbook, &Turn) {
        let mut parts = id.split('/');
        let (p, s, t) = (parts.next(), parts.next(), parts.next());
        let pb = lib.playbook(p.unwrap_or("")).expect("playbook");
        let turn = pb
            .scenario(s.unwrap_or(""))
            .and_then(|sc| sc.turns.iter().find(|x| Some(x.id.as_str()) == t))
            .expect("turn");
        (pb.as_ref(), turn)
    };
    let clean = all.remove("clean").expect("clean replies");
    assert_eq!(all.len(), 8, "the eight conduct classes");
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    let (mut held, mut held_total) = (0, 0);
    for (name, langs) in &all {
        for (lang, replies) in langs {
            let seen_n = if lang == "zh-CN" { 7 } else { 4 };
            let hit: Vec<bool> = replies
                .iter()
                .map(|r| {
                    let (pb, turn) = at(&r.turn);
                    gated(pb, turn, &r.reply)
                })
                .collect();
            let caught = hit.iter().filter(|h| **h).count();
            held += hit[seen_n..].iter().filter(|h| **h).count();
            held_total += hit.len() - seen_n;
            lines.push(format!("{name} {lang}: {caught}/{}", replies.len()));
            if caught < least_hidden(name, lang) {
                let missed: Vec<(&str, &str)> = replies[..seen_n]
                    .iter()
                    .zip(&hit)
                    .filter(|(_, h)| !**h)
                    .map(|(r, _)| (r.turn.as_str(), r.reply.as_str()))
                    .collect();
                failures.push(format!(
                    "{name} {lang}: {caught} of {} caught (at least {}); missed, of the first {seen_n}: {missed:?}",
                    replies.len(),
                    least_hidden(name, lang)
                ));
            }
        }
    }
    for replies in clean.values() {
        for r in replies {
            let (pb, turn) = at(&r.turn);
            if gated(pb, turn, &r.reply) {
                failures.push(format!(
                    "a clean reply is capped on {}: {}",
                    r.turn, r.reply
                ));
            }
        }
    }
    eprintln!(
        "{}\nheld slips caught: {held} of {held_total}",
        lines.join("\n")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Misconduct said colloquially and indirectly (`tests/fixtures/conduct/snippets.json`, the
/// set the detectors were extended on): most of each class caught on a conduct turn of every
/// playbook, and none of the honest snippets.
#[test]
fn indirect_misconduct_is_caught_and_honest_talk_is_not() {
    let mut all = fixture("tests/fixtures/conduct/snippets.json");
    let lib = bundled();
    let turns = turns(&lib);
    let honest: BTreeMap<String, Vec<String>> =
        serde_json::from_value(all.remove("honest").expect("honest")).expect("honest");
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    for (name, langs) in all {
        let langs: BTreeMap<String, Vec<String>> = serde_json::from_value(langs).expect("class");
        for (lang, snippets) in &langs {
            // Caught when capped on every playbook's conduct turn.
            let missed: Vec<&String> = snippets
                .iter()
                .filter(|s| !turns.iter().all(|(pb, t)| gated(pb, t, s)))
                .collect();
            let caught = snippets.len() - missed.len();
            lines.push(format!("{name} {lang}: {caught}/{}", snippets.len()));
            if caught * 4 < snippets.len() * 3 {
                failures.push(format!(
                    "{name} {lang}: {caught} of {} caught (at least three in four); missed: {missed:#?}",
                    snippets.len()
                ));
            }
        }
    }
    for snippets in honest.values() {
        for s in snippets {
            for (pb, t) in &turns {
                if gated(pb, t, s) {
                    failures.push(format!("honest talk capped on {}: {s}", pb.id));
                }
            }
        }
    }
    eprintln!("{}", lines.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A fixture of phrasings by class (`_about` left out), by its path in the repository.
fn fixture(rel: &str) -> BTreeMap<String, serde_json::Value> {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .expect("fixture");
    let mut all: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).expect("parse");
    all.remove("_about");
    all
}

/// The bundled playbooks, loaded without errors.
fn bundled() -> salesdojo::playbook::Library {
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    assert_eq!(report.errors(), 0);
    lib
}

/// One class in one language: (class, language, caught, scored).
type ClassRow = (String, String, usize, usize);

/// Each class's phrasings from `file`, scored on the conduct turn of every bundled playbook,
/// and the fine replies that were capped.
fn caught_by_class(file: &str) -> (Vec<ClassRow>, Vec<String>) {
    let all = fixture(file);
    let lib = bundled();
    let turns = turns(&lib);
    let mut rows = Vec::new();
    let mut fine_capped = Vec::new();
    for (name, v) in all {
        let class: Class = serde_json::from_value(v).expect("class");
        for (lang, replies) in [("zh", &class.zh), ("en", &class.en)] {
            let scored = replies.len() * turns.len();
            let caught = replies
                .iter()
                .flat_map(|r| turns.iter().map(move |(pb, t)| gated(pb, t, r)))
                .filter(|g| *g)
                .count();
            rows.push((name.clone(), lang.to_owned(), caught, scored));
        }
        for reply in &class.fine {
            if turns.iter().any(|(pb, t)| gated(pb, t, reply)) {
                fine_capped.push(format!("{name}: {reply}"));
            }
        }
    }
    (rows, fine_capped)
}

/// Belittling, take-it-or-leave-it, fear selling, invented deadlines, absolute claims,
/// running down rivals, disguised kickbacks and blaming the customer, in 15 phrasings per
/// language written blind by a trainer (`phrasings-2.json`, the set the class patterns were
/// written with in view): at least two thirds of each class and language capped, 85 % overall
/// (860 of 960 when written). Before those patterns 476 of the 960 were capped.
#[test]
fn a_trainers_blind_phrasings_of_each_class_are_caught() {
    let (rows, fine_capped) = caught_by_class("tests/fixtures/conduct/phrasings-2.json");
    assert_eq!(rows.len(), 16, "eight classes in two languages");
    let (caught, scored) = rows.iter().fold((0, 0), |(c, s), r| (c + r.2, s + r.3));
    let lines: Vec<String> = rows
        .iter()
        .map(|(n, l, c, s)| format!("{n} {l}: {c}/{s}"))
        .collect();
    eprintln!("{}\nall: {caught}/{scored}", lines.join("\n"));
    for (name, lang, c, s) in &rows {
        assert!(3 * c >= 2 * s, "{name} {lang}: {c} of {s} capped");
    }
    assert!(20 * caught >= 17 * scored, "{caught} of {scored} capped");
    // Three honest replies are still capped on some turn (a gift "心意" read as a kickback, an
    // SLA's "guarantees", a clause that "改不了" with an offer to explain): known, and no more.
    assert!(
        fine_capped.len() <= 3,
        "fine replies capped: {fine_capped:#?}"
    );
}

/// The test half: the same eight classes in 12 phrasings per language by a second trainer,
/// written blind and never looked into (`phrasings-3.json`). What the class patterns of
/// `phrasings-2.json` carry over to it is small: on the four playbooks of the time 246 of 768
/// capped before them, 294 after
/// (while the set they were written with went from 476 to 860 of 960). Phrase patterns do
/// not generalise far; this floor keeps what they do carry and shows the gap.
#[test]
fn a_second_trainers_blind_phrasings_hold_the_measured_floor() {
    let (rows, fine_capped) = caught_by_class("tests/fixtures/conduct/phrasings-3.json");
    assert_eq!(rows.len(), 16, "eight classes in two languages");
    let (caught, scored) = rows.iter().fold((0, 0), |(c, s), r| (c + r.2, s + r.3));
    eprintln!("test half: {caught}/{scored} capped");
    // Measured when written, on the four playbooks of the time: 294 of 768 (38 %); on the
    // seven of now, 508 of 1344.
    assert!(
        100 * caught >= 37 * scored,
        "{caught} of {scored} capped, under the 37 % measured"
    );
    assert!(
        fine_capped.len() <= 4,
        "fine replies capped: {fine_capped:#?}"
    );
}

/// The honest replies of `file` (by class, 12 in Chinese and 8 in English each) that a
/// conduct gate caps on some bundled playbook's conduct turn, and how many there are.
fn honest_capped(file: &str) -> (Vec<String>, usize) {
    #[derive(serde::Deserialize)]
    struct Honest {
        zh: Vec<String>,
        en: Vec<String>,
    }
    let all = fixture(file);
    assert_eq!(all.len(), 8, "eight classes");
    let lib = bundled();
    let turns = turns(&lib);
    let mut capped = Vec::new();
    let mut replies = 0;
    for (name, v) in all {
        let h: Honest = serde_json::from_value(v).expect("class");
        for reply in h.zh.iter().chain(&h.en) {
            replies += 1;
            if let Some((pb, _)) = turns.iter().find(|(pb, t)| gated(pb, t, reply)) {
                capped.push(format!("{name} (on {}): {reply}", pb.id));
            }
        }
    }
    let mut by_class: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &capped {
        *by_class
            .entry(c.split(' ').next().unwrap_or(""))
            .or_default() += 1;
    }
    eprintln!(
        "{file}: honest replies capped: {} of {replies}; by class {by_class:?}",
        capped.len()
    );
    (capped, replies)
}

/// Honest replies worded near each class (a guarantee of a checkable delivery, a real deadline
/// with its source, "take the blame" said of oneself, a rival credited, a kickback refused), 12
/// in Chinese and 8 in English per class, written blind by a trainer who never saw the
/// detectors (`fine-2.json`): how many a conduct gate wrongly caps on some bundled playbook's
/// conduct turn. Measured when written: 24 of 160 (15 %); 21 once 不是 denies what it names,
/// 别 forbids what follows and "nothing"/"nobody" negate; 17 once a promise of one's
/// own next step with its time is a commitment. The set was looked into for those changes, so
/// it is a dev set now. A ceiling under what they do now, not a target: the detectors may not
/// get less precise.
#[test]
fn honest_replies_worded_near_each_class_are_rarely_capped() {
    let (capped, replies) = honest_capped("tests/fixtures/conduct/fine-2.json");
    assert_eq!(replies, 160);
    assert!(capped.len() <= 17, "capped: {capped:#?}");
}

/// The test half: 160 more honest replies near the eight classes by a second trainer, written
/// blind while the changes above were made and never looked into (`fine-3.json`). First
/// measured on the code before them (28 of 160: kickback 9, overpromise 6, false relay 5) and
/// after (26; 27 once a promised repair, "我保证今天就把电视修好", stayed an over-promise as the
/// complaint playbook's own test demands): what the changes carry to replies nobody looked at
/// is small, and this ceiling keeps it.
#[test]
fn a_second_trainers_honest_replies_hold_the_measured_ceiling() {
    let (capped, replies) = honest_capped("tests/fixtures/conduct/fine-3.json");
    assert_eq!(replies, 160);
    assert!(capped.len() <= 27, "{} capped", capped.len());
}

/// A promise about the speaker's own next step, with its time, is a commitment; a promise
/// about an outcome nobody controls is still an over-promise.
#[test]
fn a_promise_of_ones_own_next_step_is_a_commitment() {
    let lib = bundled();
    let turns = turns(&lib);
    let capped = |reply: &str| turns.iter().any(|(pb, t)| gated(pb, t, reply));
    for honest in [
        "我保证明天上午十点前把合同修改稿发到您邮箱，到点没收到您直接打我电话。",
        "我们承诺周五下班前把两套方案发给您。",
        "我敢保证的只有一件事：签字之前，所有费用我都会列给您看。",
        "I promise I'll be at the property at 9 sharp to let the inspector in.",
        "I'll guarantee one thing: the sample will be on your desk by Tuesday, and I'll send the tracking number tonight.",
    ] {
        assert!(!capped(honest), "capped: {honest}");
    }
    for over in [
        "我保证这房子明年肯定涨三成。",
        "我保证明天一定给您修好，绝对不会再出问题。",
        "I promise this unit will never break.",
        "I guarantee the value will double in five years.",
    ] {
        assert!(capped(over), "not capped: {over}");
    }
}

/// Conduct words said of oneself, of the customer's trouble, of the thing described or of a
/// thing refused as unfair are not conduct; the same words aimed at the buyer's decision or at
/// a rival still are.
#[test]
fn conduct_words_count_only_where_they_do_what_they_name() {
    let lib = bundled();
    let turns = turns(&lib);
    let capped = |reply: &str| turns.iter().any(|(pb, t)| gated(pb, t, reply));
    for honest in [
        // 就没了 of messages, 忽悠 of one's own rash promise, 背锅 and 被投诉 of the customer.
        "消息一多，往上一刷就没了，找起来特别费劲，很多团队都这样。",
        "要是我现在拍胸脯说三天搞定，那才是忽悠您，我得先看看数据。",
        "害您在领导面前背锅，这是我们的不对，我先跟您道个歉。",
        "上次让您被自己的客户投诉，真的对不起，您当时是怎么处理的？",
        // A thing refused as unfair or against the rules.
        "私下给您打折对其他业主不公平，价目表上的优惠我帮您都算上。",
        "私下返点是违规的，我们只按合同开票。",
        // 保证 as a noun or a priority, not a promise.
        "品质有保证，证书和检测报告都在这儿，您可以一项项看。",
        "我先保证第一批十台月中到，剩下的我查完排产再给您准话。",
        // Fees listed because the buyer asked, not an afterthought.
        "费用我一次说清：首付三十万，另外还有契税和维修基金，我都列在这张单子上。",
        // What a sentence says it will not say.
        "I'm not going to tell you their product is junk; it's a decent machine.",
        "I won't pretend our system never goes down: we had two outages last year.",
        "It's easy to get to from the metro, about five minutes on foot.",
        "I'll keep the handover simple so nobody on your team feels left behind.",
    ] {
        assert!(!capped(honest), "capped: {honest}");
    }
    for gated_reply in [
        "今天不定，明天就没了。",
        "这款一会儿就没了，您赶紧拿主意。",
        "他们家售后出了名的烂，您可别去。",
        "那家就是忽悠人的，别信他们。",
        "价格谈好了啊，对了，还有一笔服务费三千。",
        "您要是拖着不签，到时候您得背锅。",
        "Migration is dead easy.",
        "Wait any longer and you'll be left behind.",
    ] {
        assert!(capped(gated_reply), "not capped: {gated_reply}");
    }
}
