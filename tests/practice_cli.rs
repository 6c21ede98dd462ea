//! `salesdojo practice`: the terminal role-play, piped as a script would run it.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn practice(args: &[&str], input: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_salesdojo"))
        .arg("practice")
        .args(args)
        .current_dir(dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env_remove("SALESDOJO_PLAYBOOKS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_piped_role_play_runs_to_the_summary() {
    let input =
        "2\n您眼光真好，这款的设计灵感来自海浪。\n?\n价格您放心，您先试戴一下感受看看？\n1\n";
    let (code, out, err) = practice(
        &[
            "jewelry",
            "--scenario",
            "browsing-to-tryon",
            "--trainee",
            "小王",
        ],
        input,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("== 珠宝首饰四段销售  ·  从浏览到试戴"),
        "{out}"
    );
    assert!(out.contains("[综合型客户]"), "the persona card is shown");
    assert!(out.contains("客户: 这个多少钱？"));
    assert!(out.contains("提示："), "a hint on request");
    assert!(out.contains("得分 95/100"), "{out}");
    assert!(
        out.contains("顾客戴着吊坠对着镜子看了很久"),
        "the ending is told"
    );
    assert!(out.contains("== 总分"), "{out}");
    assert!(out.contains("通过") || out.contains("未通过"));
}

#[test]
fn english_and_bad_input_are_handled() {
    let input = "9\nx\n2\n\n   \nWhat matters most to you?\nq\n";
    let (code, out, _) = practice(
        &[
            "seven-step",
            "--scenario",
            "inbound-lead",
            "--lang",
            "en",
            "--trainee",
            "Li Lei",
        ],
        input,
    );
    assert_eq!(code, 0);
    assert!(out.contains("Enter an option number 1–3"), "{out}");
    assert!(out.contains("The reply is empty."), "{out}");
    assert!(out.contains("Score 95/100"));
    assert!(out.contains("Stopped."));
    // Quitting says what is kept and how to come back.
    assert!(
        out.contains("Your replies so far are saved")
            && out.contains(
                "salesdojo practice seven-step --scenario inbound-lead --trainee 'Li Lei'"
            ),
        "{out}"
    );
}

/// The command said to come back runs on the database this run used (it dropped `--db`, and
/// run as printed it looked in the default database and found nothing to resume).
#[test]
fn the_way_back_keeps_the_database_given() {
    let (code, out, _) = practice(
        &[
            "seven-step",
            "--scenario",
            "inbound-lead",
            "--lang",
            "en",
            "--trainee",
            "Li Lei",
            "--db",
            "mine.db",
        ],
        "2\nq\n",
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(
            "salesdojo practice seven-step --scenario inbound-lead --trainee 'Li Lei' --db mine.db"
        ),
        "{out}"
    );
}

/// A scenario choice that is not one says why it is asked again, and quitting before any
/// answer does not claim replies were saved.
#[test]
fn a_wrong_choice_is_said_and_an_empty_quit_claims_nothing() {
    let (code, out, err) = practice(
        &["jewelry", "--lang", "en", "--trainee", "Li Lei"],
        "Sales 2\n1\nq\n",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("Enter a scenario number 1–3"), "{err}");
    assert!(out.contains("Nothing was answered yet."), "{out}");
    assert!(!out.contains("Your replies so far are saved"), "{out}");
}

#[test]
fn a_name_is_required_when_piped_and_never_defaulted() {
    let (code, out, err) = practice(&["objections", "--scenario", "too-expensive"], "1\n");
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("--trainee"), "{err}");
    assert!(
        !out.contains("客户:"),
        "nothing is played without a name: {out}"
    );
    // With --no-log nothing is recorded, so no name is needed.
    let (code, out, _) = practice(
        &["objections", "--scenario", "too-expensive", "--no-log"],
        "q\n",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("没有记录"), "{out}");
}

#[test]
fn the_guide_is_not_repeated_while_its_advice_stays_the_same() {
    let input = "2\n您眼光真好，这款的设计灵感来自海浪。\n价格您放心，您先试戴一下感受看看？\n1\n";
    let (code, out, err) = practice(
        &[
            "jewelry",
            "--scenario",
            "browsing-to-tryon",
            "--trainee",
            "小王",
        ],
        input,
    );
    assert_eq!(code, 0, "{err}");
    let guides: Vec<&str> = out.lines().filter(|l| l.contains("指导：")).collect();
    for pair in guides.windows(2) {
        assert_ne!(pair[0], pair[1], "{out}");
    }
}

#[test]
fn input_ending_early_is_reported_and_unknown_ids_are_errors() {
    let (code, out, _) = practice(
        &[
            "objections",
            "--scenario",
            "too-expensive",
            "--trainee",
            "小王",
        ],
        "1\n",
    );
    // Input that ends mid-scenario is not a success: its own exit code, and how to resume.
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("输入结束，对练未完成。"), "{out}");
    assert!(
        out.contains("已答的回答都已保存")
            && out
                .contains("salesdojo practice objections --scenario too-expensive --trainee 小王"),
        "{out}"
    );
    let (code, _, err) = practice(&["jewelery"], "");
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown playbook 'jewelery'") && err.contains("did you mean 'jewelry'?"),
        "{err}"
    );
    let (code, _, err) = practice(&["jewelry", "--scenario", "nope"], "");
    assert_eq!(code, 2);
    assert!(err.contains("unknown scenario 'nope'"), "{err}");
}

#[test]
fn the_scenario_is_asked_for_when_not_given() {
    let (code, out, _) = practice(&["objections", "--trainee", "小王"], "2\nq\n");
    assert_eq!(code, 0);
    assert!(out.contains("  2) “我再考虑考虑”"), "{out}");
    assert!(out.contains("客户: 挺好的，我再考虑考虑。"), "{out}");
}

/// A drill with `reveal_persona_after` keeps the customer's card (their type) hidden until
/// the trainee has named the type, then shows it.
#[test]
fn the_customer_card_waits_for_the_turn_that_names_the_type() {
    let content = common::repo().join("tests/fixtures/good/reveal");
    let content = content.to_str().expect("utf-8 path");
    let (code, out, err) = practice(
        &[
            "reveal",
            "--playbooks",
            content,
            "--scenario",
            "hello",
            "--trainee",
            "小王",
            "--no-log",
        ],
        "1\n您最看重哪几项参数？\n",
    );
    assert_eq!(code, 0, "{err}");
    let card = out.find("[理智型客户]").expect("the card is shown");
    let hidden = out
        .find("客户画像在你判断出客户类型后显示")
        .expect("the trainee is told the card comes later");
    let named = out
        .find("对：他要事实和比较")
        .expect("the type turn's feedback");
    assert!(hidden < named && named < card, "{out}");
}

#[test]
fn a_reveal_turn_that_does_not_exist_is_an_error_at_its_place() {
    let dir = tempfile::tempdir().expect("temp");
    let pbs = dir.path().join("playbooks");
    std::fs::create_dir_all(&pbs).expect("dir");
    let text = std::fs::read_to_string(
        common::repo().join("tests/fixtures/good/reveal/playbooks/reveal.yaml"),
    )
    .expect("fixture")
    .replace(
        "reveal_persona_after: name-type",
        "reveal_persona_after: name-it",
    );
    std::fs::write(pbs.join("reveal.yaml"), text).expect("write");
    let r = common::salesdojo(
        dir.path(),
        &[
            "--playbooks",
            dir.path().to_str().expect("utf-8"),
            "validate",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let all = format!("{}{}", r.stdout, r.stderr);
    assert!(
        all.contains("reveal.yaml:26:27: error: unknown `reveal_persona_after` turn 'name-it'"),
        "{all}"
    );
    assert!(all.contains("did you mean 'name-type'?"), "{all}");
}

/// Every drill of the bundled "reading the customer" playbook asks for the type (and the
/// style, where a turn asks for it) before it shows the customer's card.
#[test]
fn the_bundled_reading_drills_hide_the_type_until_it_is_named() {
    use salesdojo::playbook::{Content, Report, load};
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    let pb = lib.playbook("customer-types").expect("bundled");
    for s in &pb.scenarios {
        // The card (type and style) waits for the last turn that asks to name one of them.
        let naming: Vec<&str> = s
            .turns
            .iter()
            .take_while(|t| t.criteria == ["identify"])
            .map(|t| t.id.as_str())
            .collect();
        assert_eq!(
            s.reveal_persona_after.as_deref(),
            naming.last().copied(),
            "{}: the card waits for the naming turns {naming:?}",
            s.id
        );
        assert!(!s.persona_revealed(std::iter::empty()), "{}", s.id);
        assert!(s.persona_revealed(naming.iter().copied()), "{}", s.id);
    }
    let (code, out, err) = practice(
        &[
            "customer-types",
            "--scenario",
            "rational-compare",
            "--trainee",
            "小王",
            "--no-log",
        ],
        "",
    );
    assert_ne!(code, -1, "{err}");
    assert!(out.contains("客户画像在你判断出客户类型后显示"), "{out}");
    assert!(!out.contains("[理智型客户]"), "{out}");
}
