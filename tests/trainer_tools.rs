//! The tools a trainer uses to make the score agree with them (#28): the concept lexicon and
//! persona library in full, a built-in concept extended instead of rewritten, a failing sample
//! reply explained, and hints that do not contradict the feedback.

mod common;

use common::{repo, salesdojo};
use serde_json::Value;

/// "Which words count as empathy, and how do I add mine" from `salesdojo concepts empathy`.
#[test]
fn a_concept_card_shows_every_word_its_uses_and_how_to_extend_it() {
    let r = salesdojo(&repo(), &["concepts", "empathy"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = &r.stdout;
    assert!(out.starts_with("empathy  共情认同 / Empathy"), "{out}");
    assert!(out.contains("words (zh-CN, "), "{out}");
    assert!(out.contains("words (en, "), "{out}");
    assert!(
        out.contains("换位思考") && out.contains("i hear you"),
        "{out}"
    );
    assert!(out.contains("pattern: "), "{out}");
    assert!(
        out.contains("used by: ") && out.contains("objections acknowledge/acknowledge"),
        "{out}"
    );
    assert!(out.contains("sample replies that express it"), "{out}");
    assert!(out.contains("extend: true"), "{out}");
    // Which concept knows a word; an unknown id is a usage error with a suggestion.
    let r = salesdojo(&repo(), &["concepts", "--word", "核实"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("verify"), "{}", r.stdout);
    let r = salesdojo(&repo(), &["concepts", "empathyy"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("did you mean 'empathy'?"), "{}", r.stderr);
    // The same as JSON, every concept.
    let r = salesdojo(&repo(), &["concepts", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let all = v.as_array().expect("a list");
    assert!(all.len() >= 40, "{}", all.len());
    let restating = all
        .iter()
        .find(|c| c["id"] == "restating")
        .expect("restating");
    assert_eq!(restating["echo"], true);
    assert!(
        restating["words"]["zh-CN"]
            .as_array()
            .is_some_and(|w| !w.is_empty())
    );
}

#[test]
fn the_persona_library_is_listed_and_each_card_shown() {
    let r = salesdojo(&repo(), &["personas"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("rational") && r.stdout.contains("customer type"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("thinking style"), "{}", r.stdout);
    let r = salesdojo(&repo(), &["personas", "rational"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for part in [
        "理智型客户 / Rational buyer",
        "traits:",
        "cares about:",
        "approach:",
        "avoid:",
        "played in: ",
    ] {
        assert!(r.stdout.contains(part), "{part}: {}", r.stdout);
    }
    let r = salesdojo(&repo(), &["personas", "rational", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v[0]["kind"], "customer_type");
}

/// A trainer's folder with a concepts.yaml and a copy of the objections playbook.
fn folder(concepts: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let pb = dir.path().join("playbooks");
    std::fs::create_dir_all(&pb).expect("folder");
    std::fs::write(pb.join("concepts.yaml"), concepts).expect("write");
    std::fs::copy(
        repo().join("playbooks/04_objection_handling.yaml"),
        pb.join("mine.yaml"),
    )
    .expect("copy");
    dir
}

fn acknowledged(dir: &std::path::Path, reply: &str) -> Value {
    let r = salesdojo(
        dir,
        &[
            "score",
            "objections",
            "--playbooks",
            "playbooks",
            "--scenario",
            "past-failure",
            "--turn",
            "objection",
            "--reply",
            reply,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    v["result"]["criteria"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["criterion"] == "acknowledge"))
        .cloned()
        .expect("acknowledge scored")
}

#[test]
fn a_built_in_concept_is_extended_and_trimmed_without_rewriting_it() {
    let dir = folder(
        "concepts:\n  - id: empathy\n    title: { zh-CN: 共情, en: Empathy }\n    extend: true\n    words: { zh-CN: [换了是我也会生气] }\n    remove: [难怪, no such word]\n",
    );
    let r = salesdojo(dir.path(), &["validate", "playbooks"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(
        out.contains("concepts.yaml:6:")
            && out.contains("'no such word', which the extended concept does not have"),
        "{out}"
    );
    // The new words count, the bundled ones stay, the removed one no longer counts.
    let mine = acknowledged(dir.path(), "换了是我也会生气。");
    assert!(mine["points"].as_f64().unwrap_or(0.0) > 0.0, "{mine}");
    let kept = acknowledged(dir.path(), "我完全理解您的心情。");
    assert!(kept["points"].as_f64().unwrap_or(0.0) > 0.0, "{kept}");
    let gone = acknowledged(dir.path(), "难怪您会这么想。");
    assert_eq!(gone["points"].as_f64(), Some(0.0), "{gone}");
    // The card shows the merged concept.
    let r = salesdojo(
        dir.path(),
        &["concepts", "empathy", "--playbooks", "playbooks"],
    );
    assert!(
        r.stdout.contains("换了是我也会生气") && !r.stdout.contains("难怪,"),
        "{}",
        r.stdout
    );
    // Extending what does not exist is an error at the id.
    let dir = folder(
        "concepts:\n  - id: empathie\n    title: { zh-CN: 共情, en: Empathy }\n    extend: true\n    words: { zh-CN: [懂] }\n",
    );
    let r = salesdojo(dir.path(), &["validate", "playbooks"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("concepts.yaml:2:9")
            && r.stderr.contains("no earlier lexicon defines 'empathie'"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_failing_sample_reply_says_why_and_an_impossible_expectation_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pb = dir.path().join("playbooks");
    std::fs::create_dir_all(&pb).expect("folder");
    let text = std::fs::read_to_string(repo().join("playbooks/03_property_showing.yaml"))
        .expect("bundled");
    // Without its score script, the option 'scarcity' always scores its fixed points: a test
    // that expects 60–100 of it can never pass.
    let text = text
        .replacen("  - { scenario: deposit-talk, turn: compare, option: scarcity, expect: { min: 0, max: 15 } }",
                  "  - { scenario: deposit-talk, turn: compare, option: scarcity, expect: { min: 60, max: 100 } }", 1);
    let text = regex_lite_remove_scripts(&text);
    std::fs::write(pb.join("mine.yaml"), &text).expect("write");
    let r = salesdojo(dir.path(), &["test", "playbooks"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let out = &r.stdout;
    assert!(out.contains("option 'scarcity' always scores"), "{out}");
    assert!(out.contains("can never be met"), "{out}");
    // Every failure lists, indented, the points per criterion and what was not seen.
    assert!(
        out.lines()
            .any(|l| l.starts_with("    ") && l.contains("(")),
        "{out}"
    );
}

/// The playbook without its `scripts:` block (so options keep their fixed scores).
fn regex_lite_remove_scripts(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("scripts:") {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with("  ") || line.is_empty()) {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A held-out playbook with deliberate mistakes (tests/fixtures/mistakes): each is reported at
/// its file:line:col, the ones that hide on a branch no sample reply takes included.
#[test]
fn deliberate_mistakes_are_each_reported_at_their_place() {
    let r = salesdojo(
        &repo(),
        &["validate", "--locales", "tests/fixtures/mistakes"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let all = format!("{}{}", r.stdout, r.stderr);
    let script = "tests/fixtures/mistakes/scripts/complaint.rhai";
    let yaml = "tests/fixtures/mistakes/playbooks/complaint.yaml";
    for line in [
        format!("{script}:5:12: error: text::contains_any takes 2 arguments, 1 given"),
        format!("{script}:10:36: warning: set.empathy is 250, outside 0..100"),
        format!("{script}:12:14: warning: this text is shown to the trainee in every language"),
        format!("{yaml}:34:19: warning: '她' speaks of the customer of scenario 'broken-clasp'"),
        format!(
            "{yaml}:35:23: warning: one string for every language, but this playbook shows zh-CN, en"
        ),
    ] {
        assert!(all.contains(&line), "missing {line}\n{all}");
    }
    // A plain string is a translation matter: reported with --locales only.
    let r = salesdojo(&repo(), &["validate", "tests/fixtures/mistakes"]);
    assert!(
        !r.stderr.contains("one string for every language"),
        "{}",
        r.stderr
    );
    // The out-of-range score is an error when a reply reaches it, never clamped.
    let long = "我理解您的心情。".repeat(60);
    let r = salesdojo(
        &repo(),
        &[
            "score",
            "complaint",
            "--playbooks",
            "tests/fixtures/mistakes",
            "--scenario",
            "broken-clasp",
            "--turn",
            "angry",
            "--reply",
            &long,
        ],
    );
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let e = v["script_error"]["message"].as_str().unwrap_or_default();
    assert!(
        e.contains("score: `set.empathy` must be a number between 0 and 100, found 250"),
        "{}",
        r.stdout
    );
}

/// A persona card says whom it describes; the library's types are of either gender, and a
/// scenario's customer has the gender its own `gender:` or its context gives.
#[test]
fn personas_carry_a_gender() {
    let r = salesdojo(&repo(), &["personas", "rational", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v[0]["gender"], "any", "{}", r.stdout);
    let r = salesdojo(&repo(), &["personas", "rational"]);
    assert!(r.stdout.contains("gender: any"), "{}", r.stdout);
}

/// A word a trainer adds to a concept that a concept it opposes recognizes too is warned about
/// at the word; a shorter word of one concept inside a longer phrase of its opponent counts for
/// the longer phrase only.
#[test]
fn a_word_in_two_opposing_concepts_is_a_conflict() {
    let dir = folder(
        "concepts:\n  - id: empathy\n    title: { zh-CN: 共情, en: Empathy }\n    extend: true\n    words: { zh-CN: [换了是我也会生气, 不能全怪我们] }\n",
    );
    let r = salesdojo(dir.path(), &["validate", "playbooks"]);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(
        out.contains(
            "concepts.yaml:5:32: warning: '不能全怪我们' is a word of 'empathy', but 'blame'"
        ),
        "{out}"
    );
    assert!(!out.contains("'换了是我也会生气' is a word"), "{out}");
    // "您理解错了" is blame's: empathy's 理解 inside it does not count as acknowledging.
    let bundled = folder("concepts: []\n");
    let rules = |v: &Value| -> usize {
        v["trace"].as_array().map_or(0, |t| {
            t.iter().filter(|e| e["source"]["kind"] == "rule").count()
        })
    };
    let wrong = acknowledged(bundled.path(), "您理解错了。");
    assert_eq!(rules(&wrong), 0, "{wrong}");
    let right = acknowledged(bundled.path(), "我理解您的顾虑。");
    assert!(rules(&right) > 0, "{right}");
}

/// `graph` and `practice` pick the language of playbook text the same way: `--lang` when given,
/// else the playbook's first language (Chinese in the bundled ones).
#[test]
fn graph_and_practice_show_the_same_language() {
    let graph = |extra: &[&str]| {
        let r = salesdojo(
            &repo(),
            &[
                extra,
                &["graph", "jewelry", "--scenario", "browsing-to-tryon"][..],
            ]
            .concat(),
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let practice = |extra: &[&str]| {
        let r = common::salesdojo_stdin(
            &repo(),
            &[
                extra,
                &[
                    "practice",
                    "jewelry",
                    "--scenario",
                    "browsing-to-tryon",
                    "--no-log",
                    "--trainee",
                    "t",
                ][..],
            ]
            .concat(),
            "",
        );
        r.stdout
    };
    assert!(graph(&[]).contains("顾客在店里随意看看"), "{}", graph(&[]));
    assert!(
        practice(&[]).contains("一位年轻女士走进店里"),
        "{}",
        practice(&[])
    );
    let en = ["--lang", "en"];
    assert!(graph(&en).contains("The shopper looks"), "{}", graph(&en));
    assert!(
        practice(&en).contains("A young woman walks in"),
        "{}",
        practice(&en)
    );
}

/// A sample reply can say it is written in English: its expected feedback is then looked for
/// in the English feedback only; a language the playbook does not have is an error.
#[test]
fn a_test_reply_marked_english_is_checked_against_english_feedback() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base =
        std::fs::read_to_string(repo().join("tests/fixtures/good/minimal.yaml")).expect("fixture");
    let with = |tests: &str| {
        let text =
            base.split("tests:\n").next().unwrap_or_default().to_owned() + "tests:\n" + tests;
        std::fs::write(dir.path().join("m.yaml"), text).expect("write");
        salesdojo(dir.path(), &["test", "m.yaml"])
    };
    let r = with(
        "  - { scenario: hello, turn: t1, reply: \"What would you like to know?\", lang: en, expect: { min: 100, max: 100 }, feedback_contains: [Open question] }\n",
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = with(
        "  - { scenario: hello, turn: t1, reply: \"What would you like to know?\", lang: en, expect: { min: 100, max: 100 }, feedback_contains: [开放式提问] }\n",
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("开放式提问"), "{}", r.stdout);
    let r = with(
        "  - { scenario: hello, turn: t1, reply: \"Hi\", lang: fr, expect: { min: 0, max: 0 } }\n",
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("m.yaml:") && r.stderr.contains("'fr'"),
        "{}",
        r.stderr
    );
}

/// The guide speaks of what the customer said: after a pushy reply to "how much is this?", it
/// does not say she finds it expensive (she did not); after a weak reply to "too expensive",
/// it does.
#[test]
fn the_guide_says_only_what_the_customer_said() {
    let hint = |turn: &str, reply: &str| -> String {
        let r = salesdojo(
            &repo(),
            &[
                "score",
                "jewelry",
                "--scenario",
                "browsing-to-tryon",
                "--turn",
                turn,
                "--reply",
                reply,
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
        v["guide_hint"].to_string()
    };
    let pushed = hint("how-much", "今天就买吧，就剩这一条了，错过就没有了。");
    assert!(
        !pushed.contains("expensive") && !pushed.contains("嫌贵"),
        "{pushed}"
    );
    assert!(pushed.contains("push"), "{pushed}");
    let balked = hint("too-expensive", "那我给您打折，便宜点。");
    assert!(balked.contains("expensive"), "{balked}");
}

/// A trainer fits the rubric's scale to their own grades: `calibrate FILE --fit-scale` prints
/// one that starts at [0, 0], never falls, and validates; a scale that does not start at
/// [0, 0] is refused at its line and column.
#[test]
fn a_scale_is_fitted_to_grades_and_a_bad_one_is_refused_where_it_stands() {
    let r = salesdojo(
        &repo(),
        &[
            "calibrate",
            "tests/fixtures/calibration/round2_dev.jsonl",
            "--fit-scale",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("scale: "))
        .expect("a scale line");
    let numbers: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("a number"))
        .collect();
    assert_eq!(numbers.len(), 12, "{line}");
    let ys: Vec<f64> = numbers.chunks(2).map(|p| p[1]).collect();
    assert_eq!(&numbers[..2], &[0.0, 0.0], "{line}");
    assert!(ys.windows(2).all(|w| w[0] <= w[1]), "{line}");
    assert_ne!(
        ys,
        [0.0, 20.0, 40.0, 60.0, 80.0, 100.0],
        "the fit moved: {line}"
    );

    let dir = tempfile::tempdir().expect("temp");
    let text = std::fs::read_to_string(common::fixtures().join("good/minimal.yaml")).expect("read");
    let good = text.replacen("rubric:\n", &format!("rubric:\n  {line}\n"), 1);
    std::fs::write(dir.path().join("good.yaml"), &good).expect("write");
    let ok = salesdojo(dir.path(), &["validate", "good.yaml"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    let bad = text.replacen("rubric:\n", "rubric:\n  scale: [[0, 5], [100, 90]]\n", 1);
    std::fs::write(dir.path().join("bad.yaml"), &bad).expect("write");
    let no = salesdojo(dir.path(), &["validate", "bad.yaml"]);
    assert_ne!(no.code, 0);
    let all = format!("{}{}", no.stdout, no.stderr);
    assert!(all.contains("bad.yaml:10:"), "{all}");
    assert!(all.contains("starts at [0, 0]"), "{all}");
}
