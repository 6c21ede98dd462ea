//! What a trainer's `validate` finds, beyond the malformed files of `tests/bad_input.rs`:
//! errors behind an unknown key, positions at the wrong value, sizes no real content reaches,
//! scripts that fail only when they run, and a JSON Schema that agrees with the validator.

mod common;

use common::{fixtures, repo, salesdojo};

/// An unknown key is reported, and the rest of the file is still checked: a misspelt key as
/// the key it resembles, an unknown one as absent.
#[test]
fn an_unknown_key_does_not_hide_the_other_errors() {
    let r = salesdojo(&fixtures(), &["validate", "bad/hidden.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = &r.stderr;
    for want in [
        "bad/hidden.yaml:4:1: error: unknown field `titel`",
        "help: did you mean 'title'?",
        "bad/hidden.yaml:6:1: error: unknown field `colour`",
        // Behind them: the semantic errors of the same file.
        "bad/hidden.yaml:3:10: error: `version` must be 1 or more",
        "error: criterion weight must be greater than 0, found 0",
        "error: unknown stage 'stage' (known: s)",
        "bad/hidden.yaml:28:77: error: expected score range [100, 90]",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    assert!(out.contains("failed: 0 playbooks valid"), "{out}");
    insta::assert_snapshot!(out);
}

/// Sizes real content never reaches are refused with the limit in the message.
#[test]
fn a_huge_title_and_too_many_options_are_refused() {
    let dir = tempfile::tempdir().expect("temp");
    let text = std::fs::read_to_string(fixtures().join("good/minimal.yaml"))
        .expect("fixture")
        .replace(
            "title: { zh-CN: 最小示例, en: Minimal }",
            &format!("title: {{ zh-CN: 最小示例, en: \"{}\" }}", "x".repeat(1_200_000)),
        )
        .replace(
            "        customer: { zh-CN: 你好, en: Hello }",
            &format!(
                "        customer: {{ zh-CN: 你好, en: Hello }}\n        options:\n{}",
                (0..13)
                    .map(|i| format!(
                        "          - {{ id: o{i}, text: {{ zh-CN: 选{i}, en: O{i} }}, score: 50, feedback: {{ zh-CN: 好, en: ok }} }}\n"
                    ))
                    .collect::<String>()
            ),
        );
    std::fs::write(dir.path().join("big.yaml"), text).expect("write");
    let r = salesdojo(dir.path(), &["validate", "big.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("big.yaml:3:8: error: text is 1200000 characters long; the limit is 120"),
        "{}",
        &r.stderr[..r.stderr.len().min(2000)]
    );
    assert!(
        r.stderr
            .contains("error: 13 option entries; the limit is 12"),
        "{}",
        &r.stderr[..r.stderr.len().min(2000)]
    );
}

/// A script that fails only when a hook runs is found by `validate`, at its line, with the
/// closest host function; the playbook naming it is not counted valid.
#[test]
fn validate_runs_the_hooks_and_finds_what_only_running_shows() {
    let dir = tempfile::tempdir().expect("temp");
    let pb = dir.path().join("playbooks");
    let scripts = dir.path().join("scripts");
    std::fs::create_dir_all(&pb).expect("mkdir");
    std::fs::create_dir_all(&scripts).expect("mkdir");
    let text = std::fs::read_to_string(fixtures().join("good/minimal.yaml"))
        .expect("fixture")
        .replace("rubric:", "scripts: { score: scripts/typo.rhai }\nrubric:");
    std::fs::write(pb.join("mine.yaml"), text).expect("write");
    std::fs::write(
        scripts.join("typo.rhai"),
        "fn score(ctx) {\n    let asked = text::contains_anyy(ctx.reply, [\"?\"]);\n    #{}\n}\n",
    )
    .expect("write");
    let r = salesdojo(dir.path(), &["validate", "."]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("scripts/typo.rhai:2:"),
        "the error at the script's line:\n{}",
        r.stderr
    );
    // Found from the text itself, once (running the hook would say the same at that line).
    assert!(
        r.stderr
            .contains("scripts/typo.rhai:2:17: error: unknown function text::contains_anyy"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.matches("typo.rhai:2:").count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean 'text::contains_any'?"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("failed: 0 playbooks valid"),
        "{}",
        r.stderr
    );
    // What only running shows: a hook that returns a string, found by running it.
    std::fs::write(
        scripts.join("typo.rhai"),
        "fn score(ctx) {\n    \"a string\"\n}\n",
    )
    .expect("write");
    let r = salesdojo(dir.path(), &["validate", "."]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("scripts/typo.rhai:"), "{}", r.stderr);
    assert!(r.stderr.contains("must return a map"), "{}", r.stderr);
    // Fixed, it validates.
    std::fs::write(
        scripts.join("typo.rhai"),
        "fn score(ctx) {\n    let asked = text::contains_any(ctx.reply, [\"?\"]);\n    #{}\n}\n",
    )
    .expect("write");
    let r = salesdojo(dir.path(), &["validate", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The JSON Schema and the validator agree: every bound the schema states is the one the
/// validator enforces (one past it is an error at that line, the bound itself is fine), and
/// the schema's default for `base` is what a criterion without one starts with.
#[test]
fn the_schema_states_the_validators_bounds() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("playbooks/playbook.schema.json")).expect("schema"),
    )
    .expect("json");
    let version_min = schema["properties"]["version"]["minimum"]
        .as_i64()
        .expect("minimum");
    let pass_max = schema["$defs"]["Rubric"]["properties"]["pass_mark"]["maximum"]
        .as_i64()
        .expect("maximum");
    let base = &schema["$defs"]["Criterion"]["properties"]["base"];
    let base_max = base["maximum"].as_i64().expect("maximum");
    assert_eq!(base["default"], 0);
    let minimal = std::fs::read_to_string(fixtures().join("good/minimal.yaml")).expect("fixture");
    let check = |text: String| {
        let dir = tempfile::tempdir().expect("temp");
        std::fs::write(dir.path().join("p.yaml"), text).expect("write");
        salesdojo(dir.path(), &["validate", "p.yaml"])
    };
    let with = |version: i64, pass: i64, base: i64| {
        minimal
            .replace("version: 1", &format!("version: {version}"))
            .replace("rubric:\n", &format!("rubric:\n  pass_mark: {pass}\n"))
            .replace(
                "      weight: 1\n",
                &format!("      weight: 1\n      base: {base}\n"),
            )
    };
    assert_eq!(check(with(version_min, pass_max, base_max)).code, 0);
    let r = check(with(version_min - 1, pass_max, base_max));
    assert!(
        r.stderr
            .contains("p.yaml:2:10: error: `version` must be 1 or more"),
        "{}",
        r.stderr
    );
    let r = check(with(version_min, pass_max + 1, base_max));
    assert!(
        r.stderr
            .contains(":10:14: error: `pass_mark` must be between 0 and 100"),
        "{}",
        r.stderr
    );
    let r = check(with(version_min, pass_max, base_max + 1));
    assert!(
        r.stderr.contains("error: `base` must be between 0 and 100"),
        "{}",
        r.stderr
    );
    // The default: a criterion without `base` starts at the schema's default.
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(dir.path().join("p.yaml"), &minimal).expect("write");
    let mut report = salesdojo::playbook::Report::default();
    let given = salesdojo::playbook::Content::from_path(&dir.path().join("p.yaml"), &mut report)
        .expect("reads");
    let lib = salesdojo::playbook::load(
        &[salesdojo::playbook::Content::bundled_support(), given],
        &mut report,
    );
    let pb = lib.playbook("minimal").expect("loads");
    assert_eq!(
        i64::from(pb.rubric.criteria[0].base),
        base["default"].as_i64().expect("0")
    );
}

/// The tutorial's finished playbook and script, as docs/playbook-format.md gives them,
/// validate and pass their tests.
#[test]
fn the_tutorial_playbook_validates_and_its_tests_pass() {
    let doc = std::fs::read_to_string(repo().join("docs/playbook-format.md")).expect("doc");
    let block = |marker: &str, lang: &str| -> String {
        let at = doc.find(marker).expect("the marker");
        let open = format!("```{lang}\n");
        let start = at + doc[at..].find(&open).expect("the block") + open.len();
        let end = start + doc[start..].find("\n```").expect("its end");
        doc[start..end].to_owned()
    };
    let dir = tempfile::tempdir().expect("temp");
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
    std::fs::write(
        dir.path().join("playbooks/tea.yaml"),
        block("<!-- tutorial:playbook -->", "yaml"),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("scripts/tea.rhai"),
        block("<!-- tutorial:script -->", "rhai"),
    )
    .expect("write");
    let r = salesdojo(dir.path(), &["validate", "."]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "ok: 1 playbook valid (1 scenario), 0 errors, 0 warnings\n"
    );
    let r = salesdojo(dir.path(), &["test", "."]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "4 passed, 0 failed\n", "{}", r.stderr);
}

/// A misspelt phrase list (`ctx.phrases.NAME` the playbook does not define) is an error at its
/// line, with the closest list.
#[test]
fn a_misspelt_phrase_list_is_found_by_validate() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
    let text = std::fs::read_to_string(fixtures().join("good/minimal.yaml"))
        .expect("fixture")
        .replace(
            "rubric:",
            "phrases: { greet: [hello] }\nscripts: { score: scripts/p.rhai }\nrubric:",
        );
    std::fs::write(dir.path().join("playbooks/p.yaml"), text).expect("write");
    std::fs::write(
        dir.path().join("scripts/p.rhai"),
        "fn score(ctx) {\n    if text::contains_any(ctx.reply, ctx.phrases.greett) { return #{ points: #{ asks: 5 } }; }\n    #{}\n}\n",
    )
    .expect("write");
    let r = salesdojo(dir.path(), &["validate", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("scripts/p.rhai:2:"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("error: playbook 'minimal' has no phrase list 'greett'"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean 'ctx.phrases.greet'?"),
        "{}",
        r.stderr
    );
}

/// `validate --locales`: a text changed in one language since the translations were recorded
/// is listed for re-translation; a missing locale is listed.
#[test]
fn a_text_changed_in_one_language_is_listed_for_retranslation() {
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("p.yaml");
    let minimal = std::fs::read_to_string(fixtures().join("good/minimal.yaml")).expect("fixture");
    std::fs::write(&file, &minimal).expect("write");
    let r = salesdojo(dir.path(), &["validate", "p.yaml", "--locales"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("translations of p.yaml:"), "{}", r.stdout);
    assert!(r.stdout.contains("texts not recorded yet"), "{}", r.stdout);
    let r = salesdojo(
        dir.path(),
        &["validate", "p.yaml", "--locales", "--accept-translations"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(dir.path().join("p.yaml.locales.json").is_file());
    let r = salesdojo(dir.path(), &["validate", "p.yaml", "--locales"]);
    assert!(
        r.stdout.contains("every text in every locale"),
        "{}",
        r.stdout
    );
    // The Chinese goal rewritten, the English left as it was.
    std::fs::write(&file, minimal.replace("zh-CN: 目标", "zh-CN: 新的目标")).expect("write");
    let r = salesdojo(dir.path(), &["validate", "p.yaml", "--locales"]);
    assert!(
        r.stdout
            .contains("re-translate en (zh-CN changed since): stages[only].goal"),
        "{}",
        r.stdout
    );
    let r = salesdojo(
        dir.path(),
        &["validate", "p.yaml", "--locales", "--lang", "zh-CN"],
    );
    assert!(r.stdout.contains("需要重新翻译 en"), "{}", r.stdout);
}

/// The bundled playbooks' translations are recorded and none changed in one language alone:
/// a content edit in Chinese only (or English only) fails here until it is translated and
/// recorded with `salesdojo validate --locales --accept-translations FILE`.
#[test]
fn the_bundled_translations_are_recorded_and_agree() {
    let files: Vec<String> = std::fs::read_dir(repo().join("playbooks"))
        .expect("folder")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("0") && n.ends_with(".yaml"))
        .map(|n| format!("playbooks/{n}"))
        .collect();
    assert_eq!(files.len(), 7, "{files:?}");
    let mut args = vec!["validate", "--locales"];
    args.extend(files.iter().map(String::as_str));
    let r = salesdojo(&repo(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout
            .matches("every text in every locale, none changed alone")
            .count(),
        files.len(),
        "{}",
        r.stdout
    );
}

/// A draft that does not load (a turn no path reaches) is still drawn, with that turn marked.
#[test]
fn a_draft_with_an_unreachable_turn_is_drawn_with_it_marked() {
    use salesdojo::playbook::load::SourceFile;
    let minimal = std::fs::read_to_string(fixtures().join("good/minimal.yaml")).expect("fixture");
    let text = minimal.replace(
        "      - id: t1\n        customer: { zh-CN: 你好, en: Hello }\n",
        "      - id: t1\n        customer: { zh-CN: 你好, en: Hello }\n        next: end-now\n      - id: lost\n        customer: { zh-CN: 没人来, en: Nobody comes }\n    endings:\n      - { id: end-now, text: { zh-CN: 结束, en: The end } }\n",
    );
    assert_ne!(text, minimal);
    let file = SourceFile {
        display: "p.yaml".into(),
        bytes: std::sync::Arc::from(text.as_bytes()),
    };
    let mut report = salesdojo::playbook::Report::default();
    let mut content = salesdojo::playbook::Content::bundled_support();
    content.playbooks = vec![file.clone()];
    let lib = salesdojo::playbook::load(&[content], &mut report);
    assert!(lib.playbook("minimal").is_none(), "it does not load");
    assert!(
        report.render().contains("turn 'lost' can never be reached"),
        "{}",
        report.render()
    );
    let pb = salesdojo::playbook::load::sketch(&file, &lib).expect("drawn anyway");
    let g = salesdojo::playbook::graph::scenario(&pb.scenarios[0], "en");
    let lost = g.nodes.iter().find(|n| n.id == "lost").expect("the turn");
    assert!(lost.unreachable);
    assert!(
        g.nodes
            .iter()
            .filter(|n| n.id != "lost")
            .all(|n| !n.unreachable)
    );
}

/// A `ctx` field that does not exist is an error where it is written, even on a branch no
/// sample reply takes.
#[test]
fn an_unknown_ctx_field_is_an_error_where_it_is_written() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::create_dir_all(dir.path().join("playbooks")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("scripts")).expect("mkdir");
    let text = std::fs::read_to_string(fixtures().join("good/minimal.yaml"))
        .expect("fixture")
        .replace("rubric:", "scripts: { score: scripts/f.rhai }\nrubric:");
    std::fs::write(dir.path().join("playbooks/p.yaml"), text).expect("write");
    std::fs::write(
        dir.path().join("scripts/f.rhai"),
        "fn score(ctx) {\n    if ctx.reply == \"never said\" { return #{ points: #{ asks: ctx.scor } }; }\n    #{}\n}\n",
    )
    .expect("write");
    let r = salesdojo(dir.path(), &["validate", "."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("scripts/f.rhai:2:63: error: ctx has no field 'scor'"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("did you mean 'ctx.score'?"),
        "{}",
        r.stderr
    );
}
