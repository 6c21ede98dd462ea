//! `salesdojo validate`, `list` and `schema` as a user runs them.

mod common;

use common::{fixtures, repo, salesdojo};
use serde_json::Value;

#[test]
fn bundled_playbooks_are_valid() {
    let r = salesdojo(&repo(), &["validate"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "ok: 7 playbooks valid (33 scenarios), 0 errors, 0 warnings\n"
    );
    assert_eq!(r.stderr, "");
}

#[test]
fn the_repository_folder_validates_from_disk() {
    let r = salesdojo(&repo(), &["validate", "playbooks"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("ok: 7 playbooks valid"),
        "{}",
        r.stdout
    );
}

#[test]
fn list_shows_the_seven_playbooks_with_their_stages() {
    let r = salesdojo(&repo(), &["list", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("list prints JSON");
    let pbs = v.as_array().expect("an array of playbooks");
    let ids: Vec<&str> = pbs.iter().map(|p| p["id"].as_str().unwrap_or("")).collect();
    assert_eq!(
        ids,
        [
            "seven-step",
            "jewelry",
            "property-showing",
            "objections",
            "complaints",
            "customer-types",
            "closing"
        ]
    );
    let stages: Vec<u64> = pbs
        .iter()
        .map(|p| p["counts"]["stages"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(&stages[..3], &[7, 4, 10]);
    assert_eq!(pbs[2]["live"], true, "property showing is usable live");
    for p in pbs {
        let id = p["id"].as_str().unwrap_or("?");
        let scenarios = p["scenarios"].as_array().expect("scenarios");
        let min = if id == "objections" { 8 } else { 3 };
        assert!(
            scenarios.len() >= min,
            "{id}: {} scenarios",
            scenarios.len()
        );
        let (mut choice, mut text) = (0, 0);
        for s in scenarios {
            let turns = s["turns"].as_array().expect("turns");
            // Reading the customer is a set of short drills (name the type, then answer their
            // way); complaints and closing have five turns at least, the rest four.
            let least = match id {
                "customer-types" => 3,
                "complaints" | "closing" => 5,
                _ => 4,
            };
            assert!(
                turns.len() >= least,
                "{id}/{}: {} turns",
                s["id"],
                turns.len()
            );
            for t in turns {
                match t["kind"].as_str() {
                    Some("choice") => choice += 1,
                    Some("free_text") => text += 1,
                    other => panic!("unexpected turn kind {other:?}"),
                }
            }
        }
        assert!(
            choice > 0 && text > 0,
            "{id} mixes multiple-choice and free-text turns"
        );
        assert!(
            p["counts"]["tests"].as_u64().unwrap_or(0) >= 20,
            "{id} has at least 20 sample replies"
        );
    }
}

#[test]
fn list_for_people_names_stages_and_scenarios() {
    let r = salesdojo(&repo(), &["list"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains("seven-step  七步销售流程 / Seven-step sales process  v1")
    );
    assert!(r.stdout.contains("  7 stages, 3 scenarios, 14 turns"));
    assert!(
        r.stdout
            .contains("  stage 2. curious  二段：好奇 / Stage 2: curiosity")
    );
    assert!(r.stdout.contains("[live checklist]"));
}

#[test]
fn committed_schemas_match_the_binary() {
    let r = salesdojo(&repo(), &["schema"]);
    assert_eq!(r.code, 0);
    let committed = std::fs::read_to_string(repo().join("playbooks/playbook.schema.json"))
        .expect("schema committed");
    assert_eq!(
        r.stdout, committed,
        "run `salesdojo schema > playbooks/playbook.schema.json`"
    );
    let r = salesdojo(&repo(), &["schema", "--personas"]);
    let committed = std::fs::read_to_string(repo().join("playbooks/personas.schema.json"))
        .expect("schema committed");
    assert_eq!(
        r.stdout, committed,
        "run `salesdojo schema --personas > playbooks/personas.schema.json`"
    );
    let r = salesdojo(&repo(), &["schema", "--concepts"]);
    let committed = std::fs::read_to_string(repo().join("playbooks/concepts.schema.json"))
        .expect("schema committed");
    assert_eq!(
        r.stdout, committed,
        "run `salesdojo schema --concepts > playbooks/concepts.schema.json`"
    );
}

#[test]
fn every_bundled_file_starts_with_the_schema_line() {
    for entry in std::fs::read_dir(repo().join("playbooks")).expect("playbooks folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("readable");
            assert!(
                text.starts_with("# yaml-language-server: $schema="),
                "{} lacks the schema line",
                path.display()
            );
        }
    }
}

#[test]
fn a_minimal_playbook_of_ones_own_validates_and_its_tests_pass() {
    let r = salesdojo(&fixtures(), &["validate", "good"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "ok: 1 playbook valid (1 scenario), 0 errors, 0 warnings\n"
    );
    let r = salesdojo(&fixtures(), &["test", "good"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // Two sample replies, and the one scenario's paths.
    assert_eq!(r.stdout, "3 passed, 0 failed\n");
}

#[test]
fn json_output_lists_every_diagnostic_with_its_position() {
    let r = salesdojo(
        &fixtures(),
        &["validate", "--format", "json", "bad/semantic.yaml"],
    );
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["errors"], 14);
    assert_eq!(v["warnings"], 1);
    let diags = v["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diags.len(), 15);
    for d in diags {
        assert_eq!(d["file"], "bad/semantic.yaml");
        assert!(d["line"].as_u64().is_some_and(|l| l > 0), "{d}");
        assert!(d["column"].as_u64().is_some_and(|c| c > 0), "{d}");
        assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let persona = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap_or("").contains("stingi"))
        .expect("persona error");
    assert_eq!(persona["line"], 33);
    assert_eq!(persona["column"], 14);
    assert_eq!(persona["help"], "did you mean 'stingy'?");
}

/// The annotated example in docs/playbook-format.md is a valid playbook whose tests pass.
#[test]
fn the_documented_example_is_valid() {
    let doc = std::fs::read_to_string(repo().join("docs/playbook-format.md")).expect("doc");
    let section = doc
        .find("## A complete, annotated example")
        .expect("the example section");
    let start =
        section + doc[section..].find("```yaml\n").expect("the example block") + "```yaml\n".len();
    let end = start + doc[start..].find("\n```").expect("end of block");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
    std::fs::write(dir.path().join("playbooks/example.yaml"), &doc[start..end]).expect("write");
    std::fs::write(
        dir.path().join("scripts/phone_intro.rhai"),
        "fn score(ctx) { #{} }\nfn guide(ctx) { #{} }\n",
    )
    .expect("write");
    let r = salesdojo(dir.path(), &["validate", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "ok: 1 playbook valid (1 scenario), 0 errors, 0 warnings\n"
    );
    let r = salesdojo(dir.path(), &["test", "."]);
    assert_eq!(r.stdout, "3 passed, 0 failed\n", "{}", r.stderr);
}

#[test]
fn the_committed_rhai_definitions_match_the_binary() {
    let r = salesdojo(&repo(), &["schema", "--rhai"]);
    assert_eq!(r.code, 0);
    let committed = std::fs::read_to_string(repo().join("scripts/salesdojo.d.rhai"))
        .expect("definitions committed");
    assert_eq!(
        r.stdout, committed,
        "run `salesdojo schema --rhai > scripts/salesdojo.d.rhai`"
    );
    for f in [
        "contains_any",
        "is_open_question",
        "mentions_price",
        "matches",
    ] {
        assert!(committed.contains(&format!("fn {f}(")), "{f} documented");
    }
}

/// A trainer's folder with a concept lexicon and one playbook (a copy of the objections
/// playbook) whose first concept reference is replaced by `concept`.
fn concept_folder(concepts: &str, concept: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let pb = dir.path().join("playbooks");
    std::fs::create_dir_all(&pb).expect("folder");
    std::fs::write(pb.join("concepts.yaml"), concepts).expect("write");
    let text = std::fs::read_to_string(repo().join("playbooks/04_objection_handling.yaml"))
        .expect("bundled playbook")
        .replacen("concept: [empathy]", &format!("concept: [{concept}]"), 1);
    std::fs::write(pb.join("mine.yaml"), text).expect("write");
    dir
}

#[test]
fn a_broken_concept_lexicon_is_reported_at_each_problem() {
    let lexicon = "\
concepts:
  - id: calm
    title: { zh-CN: 平静, en: Calm }
    words: { zh-CN: [别急], en: [] }
  - id: calm
    title: { zh-CN: 重复, en: Again }
    words: { zh-CN: [慢慢来] }
  - id: odd
    title: { zh-CN: 坏的, en: Broken }
    patterns: ['(unclosed']
";
    let dir = concept_folder(lexicon, "empathy");
    let r = salesdojo(dir.path(), &["validate", "playbooks"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(
        out.contains("concepts.yaml:2:9"),
        "the empty en list at the concept: {out}"
    );
    assert!(out.contains("the en word list is empty"), "{out}");
    assert!(out.contains("concepts.yaml:5:9"), "the duplicate id: {out}");
    assert!(out.contains("duplicate"), "{out}");
    assert!(out.contains("concepts.yaml:10:16"), "the pattern: {out}");
    assert!(out.contains("invalid pattern"), "{out}");
}

/// The lexicon's own mistakes that would make a concept mean nothing or never end: an empty
/// phrase, a pattern that matches every reply, concepts that include each other.
#[test]
fn an_empty_phrase_a_match_all_pattern_and_an_include_circle_are_positioned_errors() {
    let lexicon = "\
concepts:
  - id: calm
    title: { zh-CN: 平静, en: Calm }
    words: { zh-CN: [别急, ''], en: [easy] }
  - id: anything
    title: { zh-CN: 全部, en: Anything }
    patterns: ['.*']
  - id: a
    title: { zh-CN: 甲, en: A }
    words: { zh-CN: [甲] }
    include: [b]
  - id: b
    title: { zh-CN: 乙, en: B }
    words: { zh-CN: [乙] }
    include: [a]
  - id: both
    title: { zh-CN: 两个, en: Both }
    include: [calm, empathy]
  - id: two
    title: { zh-CN: 两, en: Two }
    patterns: ['好的', 'x?']
  - id: three
    title: { zh-CN: 三, en: Three }
    patterns: ['好的', '(oops', 'y*']
";
    let dir = concept_folder(lexicon, "empathy");
    let r = salesdojo(dir.path(), &["validate", "playbooks"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(
        out.contains("concepts.yaml:4:26"),
        "the empty phrase: {out}"
    );
    // Several patterns are checked together; the one at fault is still the one named.
    assert!(
        out.contains("concepts.yaml:21:22"),
        "the second of two patterns matches every reply: {out}"
    );
    assert!(!out.contains("concepts.yaml:21:16"), "{out}");
    assert!(
        out.contains("concepts.yaml:24:22"),
        "the broken one of three: {out}"
    );
    assert!(
        out.contains("concepts.yaml:24:31"),
        "beside a broken one, the one that matches every reply: {out}"
    );
    assert!(!out.contains("concepts.yaml:24:16"), "{out}");
    assert!(out.contains("empty word"), "{out}");
    assert!(out.contains("concepts.yaml:7:16"), "the pattern: {out}");
    assert!(out.contains("matches every reply"), "{out}");
    assert!(out.contains("concepts.yaml:11:15"), "a's include: {out}");
    assert!(out.contains("concepts.yaml:15:15"), "b's include: {out}");
    assert!(out.contains("in a circle: a → b → a"), "{out}");
    assert!(out.contains("in a circle: b → a → b"), "{out}");
    // Including a concept of this file and a bundled one is fine.
    assert!(!out.contains("concepts.yaml:19"), "{out}");
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// A premature move with nothing to detect, or a reward instead of a cost, is an error where it
/// is written.
#[test]
fn a_premature_move_needs_a_move_and_a_cost_of_at_most_zero() {
    let dir = concept_folder("concepts: []\n", "empathy");
    let path = dir.path().join("playbooks/mine.yaml");
    let text = std::fs::read_to_string(&path).expect("copy").replacen(
        "    premature:\n      - concept: [ask_commit, deposit]\n        points: -15\n",
        "    premature:\n      - points: 20\n",
        1,
    );
    assert!(text.contains("      - points: 20\n"), "the copy changed");
    std::fs::write(&path, text).expect("write");
    let r = salesdojo(dir.path(), &["validate", "playbooks"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(out.contains("names no concept"), "{out}");
    assert!(
        out.contains("premature move's points must be between -100 and 0, found 20"),
        "{out}"
    );
    assert!(out.contains("mine.yaml:"), "{out}");
}

#[test]
fn an_unknown_concept_is_an_error_at_its_name_with_a_suggestion() {
    let dir = concept_folder(
        "concepts:\n  - id: calm\n    title: { zh-CN: 平静, en: Calm }\n    words: { zh-CN: [别急] }\n",
        "empathyy",
    );
    let r = salesdojo(dir.path(), &["validate", "playbooks"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(out.contains("mine.yaml:"), "{out}");
    assert!(out.contains("unknown concept 'empathyy'"), "{out}");
    assert!(out.contains("did you mean 'empathy'?"), "{out}");
}

#[test]
fn a_trainers_concept_adds_to_the_bundled_lexicon_and_scores() {
    // The trainer's lexicon defines `calm`; the bundled concepts stay available.
    let dir = concept_folder(
        "concepts:\n  - id: calm\n    title: { zh-CN: 平静, en: Calm }\n    words: { zh-CN: [慢慢说], en: [\"take a breath\"] }\n",
        "calm",
    );
    let r = salesdojo(dir.path(), &["validate", "playbooks"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = salesdojo(
        dir.path(),
        &[
            "score",
            "objections",
            "--playbooks",
            "playbooks",
            "--scenario",
            "think-it-over",
            "--turn",
            "proof",
            "--reply",
            "您慢慢说。另一家连锁客户也是老员工多，试用一个月用上了。",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("JSON");
    let ack = v["result"]["criteria"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["criterion"] == "acknowledge"))
        .cloned()
        .expect("acknowledge scored");
    assert_eq!(
        ack["trace"][0]["matched"],
        serde_json::json!(["calm: 慢慢说"]),
        "{ack}"
    );
}
