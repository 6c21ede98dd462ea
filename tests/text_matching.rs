//! Text matching on input the bundled font never shows: traditional characters (繁體) are
//! mapped to simplified ones before matching. (Kept out of `src/` so the font-coverage test
//! does not ask for glyphs of test strings.)

use salesdojo::text::{found, is_open_question, normalize, position};

fn p(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn traditional_characters_match_simplified_phrases() {
    assert_eq!(found("價格您放心，先試戴一下", &p(&["试戴"])), ["试戴"]);
    assert_eq!(found("我們私下給您回扣", &p(&["回扣"])), ["回扣"]);
    assert!(found("我們絕不會私下給回扣", &p(&["回扣"])).is_empty());
    assert!(is_open_question("您最關心的是什麼？"));
    // One character for one: offsets into the reply hold.
    assert_eq!(normalize("價格").chars().count(), 2);
    assert_eq!(position("先試戴一下", "试戴"), Some(1));
}

#[test]
fn a_phrase_written_in_traditional_characters_matches_too() {
    assert_eq!(found("先试戴一下", &p(&["試戴"])), ["試戴"]);
}

mod detectors {
    //! The bundled concepts that stand for detectors (restating, next step), with both kinds of
    //! mistake: what they must see and what they must not.
    use salesdojo::playbook::{Content, Report, load};
    use salesdojo::text::Normalized;

    fn expresses(concept: &str, reply: &str) -> bool {
        let mut report = Report::default();
        let lib = load(&[Content::bundled()], &mut report);
        let k = lib.concepts.get(concept).expect("bundled concept");
        k.in_text(&Normalized::new(reply))
    }

    #[test]
    fn restating_is_seen_in_many_forms() {
        for r in [
            "您的意思是和旧设备比，对吗？",
            "就是司机每天报、您用表格汇总，对吧？",
            "So your boss looks at payback first?",
            "If I understand you, the staff are the worry.",
            "我复述一下：进度、文件、审批三件事。",
        ] {
            assert!(expresses("restating", r), "{r}");
        }
    }

    #[test]
    fn restating_is_not_seen_where_nothing_is_said_back() {
        for r in [
            "我们的系统支持多级审批。",
            "Our system supports multi-level approval.",
            "对吧，这个价格很划算。",
        ] {
            assert!(!expresses("restating", r), "{r}");
        }
    }

    #[test]
    fn a_next_step_is_seen_with_a_time_or_an_action() {
        for r in [
            "下周二我把方案书面给您。",
            "I'll send it over by Thursday.",
            "周六上午再来看看？",
            "Would Sunday afternoon work for a second look?",
            "我约个时间带技术同事过来。",
        ] {
            assert!(expresses("next_step", r), "{r}");
        }
    }

    #[test]
    fn a_next_step_is_not_seen_in_a_vague_goodbye() {
        for r in [
            "好的，您想好了联系我。",
            "OK, thanks for your time.",
            "这个周期比较长。",
        ] {
            assert!(!expresses("next_step", r), "{r}");
        }
    }
}

mod rules {
    //! Regex rules and `rejects` conditions, on a playbook written here.
    use std::sync::Arc;

    use salesdojo::playbook::load::SourceFile;
    use salesdojo::playbook::{Content, Report, load};
    use salesdojo::practice::{Answer, score};

    const PLAYBOOK: &str = "\
id: rules
version: 1
title: { zh-CN: 规则, en: Rules }
locales: [zh-CN, en]
stages:
  - { id: s, title: { zh-CN: 阶段, en: Stage }, goal: { zh-CN: 目标, en: Goal } }
rubric:
  criteria:
    - id: c
      title: { zh-CN: 标准, en: Criterion }
      weight: 1
      rules:
        - { id: metal, regex: 'pt ?950', points: 40, feedback: { zh-CN: 铂金, en: Platinum } }
        - { id: refuses, rejects: [kickback], points: 60, feedback: { zh-CN: 拒绝, en: Refused } }
scenarios:
  - id: sc
    title: { zh-CN: 场景, en: Scenario }
    persona: rational
    context: { zh-CN: 情境, en: Context }
    stages: [s]
    turns:
      - { id: t, customer: { zh-CN: 你好, en: Hello } }
";

    fn points(reply: &str) -> f64 {
        let mut report = Report::default();
        let mut content = Content::bundled_support();
        content.playbooks.push(SourceFile {
            display: "rules.yaml".into(),
            bytes: Arc::from(PLAYBOOK.as_bytes()),
        });
        let lib = load(&[content], &mut report);
        assert_eq!(report.errors(), 0, "{report:?}");
        let pb = lib.playbook("rules").expect("loaded");
        let turn = pb.scenario("sc").and_then(|s| s.turn("t")).expect("turn");
        score(pb, turn, &Answer::Text(reply.into()))
            .expect("scored")
            .score
    }

    #[test]
    fn a_regex_rule_is_case_and_width_blind() {
        assert_eq!(points("这款是ＰＴ950的"), 40.0);
        assert_eq!(points("This one is PT950."), 40.0);
        assert_eq!(points("这款是18K金"), 0.0);
    }

    #[test]
    fn rejecting_a_concept_is_its_negation_and_offering_it_is_not() {
        assert_eq!(points("我们不会私下给回扣，一切按合同走。"), 60.0);
        assert_eq!(points("I won't do anything off the books."), 60.0);
        assert_eq!(points("私下给您个人一点好处费。"), 0.0);
        assert_eq!(points("一切按合同走。"), 0.0);
    }
}
