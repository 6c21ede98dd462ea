//! Every bad input gets a clear error with its file, line and column, exit code 1 (content
//! errors) or 2 (usage and I/O), never a panic or a hang. The rendered errors are pinned.

mod common;

use std::path::Path;

use common::{fixtures, salesdojo};

/// Validates `file` (relative to `dir`) and returns the rendered diagnostics.
fn rejected(dir: &Path, file: &str) -> String {
    let r = salesdojo(dir, &["validate", file]);
    assert_eq!(
        r.code, 1,
        "validate {file} should fail with exit 1:\n{}{}",
        r.stdout, r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.stdout, "", "errors go to stderr");
    r.stderr
}

#[test]
fn malformed_yaml() {
    insta::assert_snapshot!(rejected(&fixtures(), "bad/malformed.yaml"));
}

#[test]
fn wrong_type() {
    insta::assert_snapshot!(rejected(&fixtures(), "bad/wrong_type.yaml"));
}

#[test]
fn unknown_key_suggests_the_closest_one() {
    let out = rejected(&fixtures(), "bad/unknown_key.yaml");
    assert!(out.contains("help: did you mean 'title'?"), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn duplicate_key() {
    insta::assert_snapshot!(rejected(&fixtures(), "bad/duplicate_key.yaml"));
}

#[test]
fn duplicate_playbook_id_across_files() {
    let r = salesdojo(
        &fixtures(),
        &[
            "validate",
            "bad/duplicate_id_a.yaml",
            "bad/duplicate_id_b.yaml",
        ],
    );
    assert_eq!(r.code, 1);
    insta::assert_snapshot!(r.stderr);
}

#[test]
fn not_utf8() {
    insta::assert_snapshot!(rejected(&fixtures(), "bad/not_utf8.yaml"));
}

#[test]
fn empty_file() {
    insta::assert_snapshot!(rejected(&fixtures(), "bad/empty.yaml"));
}

#[test]
fn semantic_errors_all_reported_in_one_run() {
    insta::assert_snapshot!(rejected(&fixtures(), "bad/semantic.yaml"));
}

#[test]
fn unreachable_turns_and_cycles_without_exit() {
    insta::assert_snapshot!(rejected(&fixtures(), "bad/paths.yaml"));
}

#[test]
fn a_fifty_megabyte_file_is_refused_before_parsing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = format!("# {}\n", "x".repeat(97));
    let big = format!("id: big\n{}", line.repeat(50 * 1024 * 1024 / line.len()));
    std::fs::write(dir.path().join("big.yaml"), big).expect("write");
    insta::assert_snapshot!(rejected(dir.path(), "big.yaml"));
}

#[test]
fn an_alias_bomb_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut y = String::from(
        "id: bomb\nversion: 1\nphrases:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10u8 {
        let (prev, cur) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        y.push_str(&format!(
            "  {cur}: &{cur} [{}]\n",
            vec![format!("*{prev}"); 9].join(", ")
        ));
    }
    std::fs::write(dir.path().join("bomb.yaml"), y).expect("write");
    insta::assert_snapshot!(rejected(dir.path(), "bomb.yaml"));
}

#[test]
fn ten_thousand_deep_nesting_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let y = format!(
        "id: deep\nversion: 1\nphrases:\n  x: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    std::fs::write(dir.path().join("deep.yaml"), y).expect("write");
    insta::assert_snapshot!(rejected(dir.path(), "deep.yaml"));
}

#[test]
fn a_missing_folder_is_a_usage_error() {
    let r = salesdojo(&fixtures(), &["validate", "no-such-folder"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: cannot read 'no-such-folder': No such file or directory (os error 2)\n"
    );
}

#[test]
fn a_broken_playbook_does_not_stop_the_others() {
    let r = salesdojo(&fixtures(), &["validate", "good", "bad/malformed.yaml"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("failed: 1 playbook valid (1 scenario), 1 error, 0 warnings"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let r = salesdojo(&fixtures(), &["validate", "--frmat", "json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unexpected argument '--frmat'"),
        "{}",
        r.stderr
    );
}

/// Every diagnostic the bad fixtures produce has its Chinese wording from the message
/// catalogue: none is left in English inside the Chinese app.
#[test]
fn every_diagnostic_of_the_bad_fixtures_reads_in_chinese() {
    use salesdojo::msg::Lang;
    use salesdojo::playbook::{Content, Report, load};
    let mut seen = 0;
    let mut english = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(fixtures().join("bad"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let mut report = Report::default();
        let Ok(given) = Content::from_path(&path, &mut report) else {
            continue;
        };
        load(&[Content::bundled_support(), given], &mut report);
        for d in &report.diagnostics {
            seen += 1;
            let zh = d.message_in(Lang::Zh);
            let cjk = zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            if zh == d.message || !cjk {
                english.push(format!("{}: {}", path.display(), d.message));
            }
            if let Some(h) = d.help_in(Lang::Zh) {
                assert!(
                    h.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{h}"
                );
            }
        }
    }
    assert!(seen >= 20, "only {seen} diagnostics");
    assert!(english.is_empty(), "not translated: {english:#?}");
}

/// `--lang zh-CN` prints validation in Chinese; without it the command line stays English.
#[test]
fn validate_speaks_chinese_when_asked() {
    let r = salesdojo(
        &fixtures(),
        &["validate", "--lang", "zh-CN", "bad/semantic.yaml"],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains(": 错误: "), "{}", r.stderr);
    assert!(r.stderr.contains("未通过：0 个剧本有效"), "{}", r.stderr);
    insta::assert_snapshot!(r.stderr);
    let en = rejected(&fixtures(), "bad/semantic.yaml");
    assert!(en.contains(": error: ") && !en.contains("错误"), "{en}");
}
