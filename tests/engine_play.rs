//! The practice engine played end to end: every bundled scenario through every branch, odd
//! replies, and arbitrary Unicode (property test). Always through the bundled scripts.

use std::collections::BTreeSet;
use std::sync::Arc;

use proptest::prelude::*;
use salesdojo::playbook::model::{Playbook, Reply, TestInput};
use salesdojo::playbook::{Content, Library, Report, load};
use salesdojo::practice::score::MAX_REPLY_CHARS;
use salesdojo::practice::session::score_turn;
use salesdojo::practice::{Answer, AnswerError, Attempt, PracticeError};
use salesdojo::script::ScriptHost;

fn bundled() -> (Library, ScriptHost) {
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    assert_eq!(report.errors(), 0, "{}", report.render());
    let host = ScriptHost::new(&lib);
    (lib, host)
}

/// Replies that reach every branch of a free-text turn: its model answer (high), a one-word
/// reply (low), and the playbook's own sample replies for the turn (a guide script may send a
/// role-play elsewhere on what a reply says, not only on its score: a customer who was asked
/// to delete her post posts it).
fn free_text_replies(
    pb: &Playbook,
    scenario: &str,
    turn: &salesdojo::playbook::model::Turn,
) -> Vec<String> {
    let mut v = vec!["嗯。".to_owned()];
    if let Some(m) = &turn.model_answer {
        v.push(m.get("zh-CN").to_owned());
    }
    for t in &pb.tests {
        if let TestInput::Reply(r) = &t.input
            && t.scenario == scenario
            && t.turn == turn.id
            && !v.contains(r)
        {
            v.push(r.clone());
        }
    }
    v
}

/// Walks every branch from `attempt`, collecting the endings reached.
fn walk(attempt: Attempt, host: &ScriptHost, endings: &mut BTreeSet<String>, paths: &mut usize) {
    let Some(turn) = attempt.current_turn().cloned() else {
        let s = attempt.summary();
        assert!((0.0..=100.0).contains(&s.total), "total {}", s.total);
        assert_eq!(s.replies, attempt.replies.len());
        endings.insert(s.ending.unwrap_or_else(|| "end".into()));
        *paths += 1;
        return;
    };
    assert!(attempt.replies.len() < 50, "a path that never ends");
    let answers: Vec<Answer> = match &turn.reply {
        Reply::Choice(opts) => opts.iter().map(|o| Answer::Choice(o.id.clone())).collect(),
        Reply::FreeText => free_text_replies(&attempt.playbook, &attempt.scenario, &turn)
            .into_iter()
            .map(Answer::Text)
            .collect(),
    };
    // The model answer and the one-word reply are followed down every branch; a sample reply
    // is scored and played on to its ending with model answers.
    for (i, a) in answers.into_iter().enumerate() {
        let mut next = attempt.clone();
        let r = next
            .submit(Some(host), a, 5.0)
            .expect("a valid answer is scored");
        assert!(
            r.script_error.is_none(),
            "{}/{}: {:?}",
            attempt.scenario,
            turn.id,
            r.script_error
        );
        assert!((0.0..=100.0).contains(&r.scored.score));
        for c in &r.scored.criteria {
            assert!((0.0..=100.0).contains(&c.points));
            assert!(
                !c.trace.is_empty() || c.points == 0.0,
                "every point is traced"
            );
        }
        if i < 2 || matches!(turn.reply, Reply::Choice(_)) {
            walk(next, host, endings, paths);
        } else {
            play_on(next, host, endings);
        }
    }
}

/// Plays `attempt` to its end with the model answer (or the first option) at every turn,
/// collecting the ending: a sample reply's consequences, without every branch after it.
fn play_on(mut attempt: Attempt, host: &ScriptHost, endings: &mut BTreeSet<String>) {
    while let Some(turn) = attempt.current_turn().cloned() {
        assert!(attempt.replies.len() < 50, "a path that never ends");
        let answer = match &turn.reply {
            Reply::Choice(opts) => {
                Answer::Choice(opts.first().map(|o| o.id.clone()).unwrap_or_default())
            }
            Reply::FreeText => Answer::Text(
                turn.model_answer
                    .as_ref()
                    .map_or_else(|| "嗯。".to_owned(), |m| m.get("zh-CN").to_owned()),
            ),
        };
        let r = attempt
            .submit(Some(host), answer, 5.0)
            .expect("a valid answer is scored");
        assert!(
            r.script_error.is_none(),
            "{}: {:?}",
            turn.id,
            r.script_error
        );
    }
    endings.insert(attempt.summary().ending.unwrap_or_else(|| "end".into()));
}

#[test]
fn every_bundled_scenario_plays_through_every_branch() {
    let (lib, host) = bundled();
    let mut total_paths = 0;
    for pb in &lib.playbooks {
        for scen in &pb.scenarios {
            let mut endings = BTreeSet::new();
            let mut paths = 0;
            let a = Attempt::start(pb.clone(), &scen.id, "tester").expect("starts");
            walk(a, &host, &mut endings, &mut paths);
            for e in &scen.endings {
                assert!(
                    endings.contains(&e.id),
                    "{}/{}: ending {} never reached",
                    pb.id,
                    scen.id,
                    e.id
                );
            }
            assert!(paths >= 2, "{}/{} has a single path", pb.id, scen.id);
            total_paths += paths;
        }
    }
    assert!(total_paths > 100, "{total_paths}");
}

#[test]
fn quoting_the_price_at_once_makes_the_customer_say_too_expensive() {
    let (lib, host) = bundled();
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let mut a = Attempt::start(pb, "browsing-to-tryon", "t").expect("starts");
    a.submit(Some(&host), Answer::Choice("one-line".into()), 3.0)
        .expect("ok");
    a.submit(
        Some(&host),
        Answer::Text("这款设计灵感来自海浪。".into()),
        3.0,
    )
    .expect("ok");
    let r = a
        .submit(Some(&host), Answer::Text("这款三千八百元。".into()), 3.0)
        .expect("ok");
    assert!(r.scored.rounded() < 30);
    let turn = a.current_turn().expect("goes on");
    assert_eq!(turn.id, "too-expensive");
    assert!(turn.customer.get("zh-CN").contains("太贵了"));
}

#[test]
fn the_guide_follows_the_turn_on_screen_not_the_reply_before() {
    let (lib, host) = bundled();
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let mut a = Attempt::start(pb, "browsing-to-tryon", "t").expect("starts");
    a.submit(Some(&host), Answer::Choice("one-line".into()), 5.0)
        .expect("scored");
    a.submit(Some(&host), Answer::Text("您眼光真好。".into()), 5.0)
        .expect("scored");
    assert_eq!(a.current_turn().map(|t| t.id.as_str()), Some("how-much"));
    let curious = a
        .guide(Some(&host))
        .expect("a guide for the price question");
    assert!(curious.get("zh-CN").contains("好奇"), "{curious:?}");
    // The price quoted at once: the customer balks, and the guide speaks to that turn.
    a.submit(Some(&host), Answer::Text("这款三千八百元。".into()), 5.0)
        .expect("scored");
    assert_eq!(
        a.current_turn().map(|t| t.id.as_str()),
        Some("too-expensive")
    );
    let balked = a.guide(Some(&host)).expect("a guide for the balk");
    assert!(balked.get("zh-CN").contains("嫌贵"), "{balked:?}");
    assert!(!balked.get("zh-CN").contains("好奇"));
    // Its stage is the turn's, and the hint button says the same as the guide.
    assert_eq!(a.hint(Some(&host)), vec![balked]);
}

/// The try-on comes in the curiosity stage too, but the price-question advice does not fit it.
#[test]
fn the_guide_at_the_try_on_speaks_of_the_try_on() {
    let (lib, host) = bundled();
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let mut a = Attempt::start(pb, "browsing-to-tryon", "t").expect("starts");
    a.submit(Some(&host), Answer::Choice("one-line".into()), 5.0)
        .expect("scored");
    a.submit(Some(&host), Answer::Text("您眼光真好。".into()), 5.0)
        .expect("scored");
    a.submit(
        Some(&host),
        Answer::Text("价格您放心，一定让您觉得值。这款做工很精细，您先戴上感受一下效果？".into()),
        5.0,
    )
    .expect("scored");
    assert_eq!(a.current_turn().map(|t| t.id.as_str()), Some("trying"));
    let g = a.guide(Some(&host)).expect("a guide for the try-on");
    assert!(g.get("zh-CN").contains("戴上"), "{g:?}");
    assert!(!g.get("zh-CN").contains("问价"), "{g:?}");
}

#[test]
fn a_summary_names_the_weakest_criterion_and_a_scenario_that_trains_it() {
    let (lib, host) = bundled();
    let pb = lib.playbook("objections").expect("bundled").clone();
    let mut a = Attempt::start(pb.clone(), "too-expensive", "t").expect("starts");
    a.submit(Some(&host), Answer::Choice("acknowledge-ask".into()), 3.0)
        .expect("ok");
    a.submit(
        Some(&host),
        Answer::Text("您的意思是和旧设备比，对吗？旧设备每月电费多少？".into()),
        3.0,
    )
    .expect("ok");
    a.submit(Some(&host), Answer::Text("嗯。".into()), 3.0)
        .expect("ok");
    a.submit(Some(&host), Answer::Choice("trial".into()), 3.0)
        .expect("ok");
    assert!(a.is_over());
    let s = a.summary();
    assert_eq!(s.weakest.as_deref(), Some("evidence"));
    let suggested = s.suggested.expect("a suggestion");
    assert_ne!(suggested, "too-expensive");
    let trains = pb
        .scenario(&suggested)
        .expect("exists")
        .turns
        .iter()
        .any(|t| t.criteria.iter().any(|c| c == "evidence"));
    assert!(trains, "{suggested} trains evidence");
    assert_eq!(s.replies, 4);
    assert!((s.seconds - 12.0).abs() < 1e-9);
}

#[test]
fn a_finished_attempt_refuses_more_replies() {
    let (lib, host) = bundled();
    let pb = lib.playbook("seven-step").expect("bundled").clone();
    let mut a = Attempt::start(pb, "demo-day", "t").expect("starts");
    while let Some(t) = a.current_turn().cloned() {
        let ans = match &t.reply {
            Reply::Choice(o) => Answer::Choice(o[0].id.clone()),
            Reply::FreeText => Answer::Text("您最关心什么？".into()),
        };
        a.submit(Some(&host), ans, 1.0).expect("ok");
    }
    assert_eq!(
        a.submit(Some(&host), Answer::Text("again".into()), 1.0)
            .err(),
        Some(PracticeError::Ended)
    );
    assert!(matches!(
        Attempt::start(lib.playbook("seven-step").expect("x").clone(), "nope", "t"),
        Err(PracticeError::UnknownScenario(_))
    ));
}

fn first_free_text(
    pb: &Playbook,
) -> (
    &salesdojo::playbook::model::Scenario,
    &salesdojo::playbook::model::Turn,
) {
    pb.scenarios
        .iter()
        .flat_map(|s| s.turns.iter().map(move |t| (s, t)))
        .find(|(_, t)| matches!(t.reply, Reply::FreeText))
        .expect("a free-text turn")
}

#[test]
fn odd_replies_are_scored_or_refused_clearly() {
    let (lib, host) = bundled();
    for pb in &lib.playbooks {
        let (scen, turn) = first_free_text(pb);
        let score = |s: &str| {
            score_turn(
                pb,
                Some(&host),
                scen,
                turn,
                Answer::Text(s.to_owned()),
                1.0,
                &[],
            )
        };
        assert_eq!(score("").err(), Some(AnswerError::Empty));
        assert_eq!(score(" \t\n　").err(), Some(AnswerError::Empty));
        let long = "好".repeat(100_000);
        assert_eq!(score(&long).err(), Some(AnswerError::TooLong(100_000)));
        let at_limit = "好".repeat(MAX_REPLY_CHARS);
        assert!(score(&at_limit).is_ok());
        for odd in [
            "😀🎉 您好？👍",
            "Hello 您好 مرحبا שלום Привет",
            "\u{202E}gnidaer tfel-ot-thgir\u{202C} 什么？",
            "控制\u{0007}字符\u{0000}\u{001B}[31m red",
            "\u{FEFF}\u{200B}零宽",
            "ＦＵＬＬ　ＷＩＤＴＨ？",
        ] {
            let r = score(odd).unwrap_or_else(|e| panic!("{odd:?}: {e}"));
            assert!(r.script_error.is_none(), "{odd:?}: {:?}", r.script_error);
            assert!((0.0..=100.0).contains(&r.scored.score));
            let chars = odd.chars().count();
            for h in &r.scored.highlights {
                assert!(h.start < h.end && h.end <= chars, "{odd:?}: {h:?}");
            }
        }
    }
    // An option id where free text is expected, and the reverse.
    let pb = lib.playbook("seven-step").expect("bundled");
    let (scen, turn) = first_free_text(pb);
    assert_eq!(
        score_turn(pb, None, scen, turn, Answer::Choice("a".into()), 1.0, &[]).err(),
        Some(AnswerError::WantsText)
    );
}

#[test]
fn rescoring_a_transcript_reproduces_the_scores() {
    let (lib, host) = bundled();
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let mut a = Attempt::start(pb.clone(), "anniversary-gift", "t").expect("starts");
    a.submit(
        Some(&host),
        Answer::Text("十周年，真有意义！您平时喜欢什么风格？".into()),
        4.0,
    )
    .expect("ok");
    a.submit(Some(&host), Answer::Choice("show-similar".into()), 2.0)
        .expect("ok");
    a.submit(
        Some(&host),
        Answer::Text("您戴上照照镜子，看看效果？".into()),
        3.0,
    )
    .expect("ok");
    a.submit(
        Some(&host),
        Answer::Text("这枚是铂金的，有证书，作为纪念很值得。".into()),
        6.0,
    )
    .expect("ok");
    let transcript: Vec<(String, Answer, f64)> = a
        .replies
        .iter()
        .map(|r| (r.turn.clone(), r.answer.clone(), r.seconds))
        .collect();
    let again =
        salesdojo::practice::session::rescore(&pb, Some(&host), "anniversary-gift", &transcript)
            .expect("rescored");
    let before: Vec<f64> = a.replies.iter().map(|r| r.scored.score).collect();
    let after: Vec<f64> = again.iter().map(|r| r.scored.score).collect();
    assert_eq!(before, after, "scoring is deterministic");
}

#[test]
fn the_live_checklist_gates_each_step_on_its_required_items() {
    let (lib, host) = bundled();
    let pb = lib.playbook("property-showing").expect("bundled").clone();
    assert!(pb.live);
    let mut v = salesdojo::practice::live::LiveVisit::start(pb.clone());
    let first = v.current().expect("a first stage").clone();
    assert!(!v.may_advance(Some(&host)), "nothing ticked yet");
    assert!(v.advance(Some(&host), 30.0, None).is_err());
    for item in first.checklist.iter().filter(|i| i.required) {
        v.set_ticked(&item.id, true).expect("known item");
    }
    assert!(v.may_advance(Some(&host)));
    v.set_note(&first.id, "客户第一次来，电话咨询过");
    v.advance(Some(&host), 30.0, None).expect("advances");
    assert_eq!(v.stage, 1);
    assert!(v.set_ticked("no-such-item", true).is_err());
    // Tick through every step, taking the deal route at the fork.
    while let Some(stage) = v.current().cloned() {
        for item in &stage.checklist {
            v.set_ticked(&item.id, true).expect("known");
        }
        let route = (!v.routes_ahead().is_empty()).then_some("deal");
        v.advance(Some(&host), 60.0, route).expect("advances");
    }
    let s = v.summary();
    // Greet, introduce, tour, negotiate, then deposit, contract, refund: seven steps, not ten.
    assert_eq!((s.stages_done, s.stages), (7, 7));
    assert_eq!(s.route.as_deref(), Some("deal"));
    assert!(s.unticked_required.is_empty());
    assert_eq!(s.ticked, s.items);
    assert!((s.seconds - (30.0 + 6.0 * 60.0)).abs() < 1e-9);
}

#[test]
fn a_visit_takes_one_route_and_is_judged_on_it() {
    let (lib, host) = bundled();
    let pb = lib.playbook("property-showing").expect("bundled").clone();
    let mut v = salesdojo::practice::live::LiveVisit::start(pb.clone());
    // Ended before the fork, the summary counts the steps up to it, and says so.
    let early = v.summary();
    assert!(early.forks_ahead);
    assert_eq!((early.stages_done, early.stages), (0, 4));
    // Through the shared steps to the fork after the purchase talks.
    while v.routes_ahead().is_empty() {
        let stage = v.current().expect("a stage").clone();
        for item in &stage.checklist {
            v.set_ticked(&item.id, true).expect("known");
        }
        v.advance(Some(&host), 10.0, None).expect("advances");
    }
    assert_eq!(v.current().map(|s| s.id.as_str()), Some("negotiate"));
    let ahead: Vec<&str> = v.routes_ahead().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ahead, ["not-yet", "deposit"]);
    for item in &v.current().expect("negotiate").checklist.clone() {
        v.set_ticked(&item.id, true).expect("known");
    }
    assert!(matches!(
        v.advance(Some(&host), 10.0, None),
        Err(salesdojo::practice::live::LiveError::ChooseRoute(_))
    ));
    assert!(v.advance(Some(&host), 10.0, Some("nowhere")).is_err());
    v.advance(Some(&host), 10.0, Some("no-deal"))
        .expect("no deal yet");
    assert_eq!(v.current().map(|s| s.id.as_str()), Some("not-yet"));
    // The visit ends at 暂未成交 with nothing ticked there: only that step's required items are
    // missing, never the deposit's or the contract's.
    let s = v.summary();
    let not_yet: Vec<String> = pb
        .stage("not-yet")
        .expect("a stage")
        .checklist
        .iter()
        .filter(|i| i.required)
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(s.unticked_required, not_yet);
    assert_eq!(
        s.stages, 7,
        "four shared steps and the no-deal route's three"
    );
    assert_eq!(s.stages_done, 4);
    assert_eq!(s.route.as_deref(), Some("no-deal"));
    assert!(!s.forks_ahead, "the route is taken");
}

/// An interrupted visit replayed from what was logged is the visit as it was: ticks (and an
/// untick), notes, the route taken at the fork, the step it is at, the grade, the appointment.
#[test]
fn a_visit_replayed_from_its_log_is_the_visit_as_it_was() {
    use salesdojo::practice::live::{Event, LiveVisit};
    let (lib, host) = bundled();
    let pb = lib.playbook("property-showing").expect("bundled").clone();
    let mut v = LiveVisit::start(pb.clone());
    // (kind, stage, item, value, seconds), as the log keeps them.
    type Logged = (String, Option<String>, Option<String>, Option<String>, f64);
    let mut log: Vec<Logged> = Vec::new();
    // Through the shared steps, then the deal route, stopping in its first step.
    loop {
        let stage = v.current().expect("a stage").clone();
        for item in &stage.checklist {
            v.set_ticked(&item.id, true).expect("known");
            log.push((
                "tick".into(),
                Some(stage.id.clone()),
                Some(item.id.clone()),
                None,
                0.0,
            ));
        }
        if stage.id == "deposit" {
            break;
        }
        let route = (!v.routes_ahead().is_empty()).then_some("deal");
        v.advance(Some(&host), 20.0, route).expect("advances");
        log.push((
            "advance".into(),
            Some(stage.id.clone()),
            None,
            route.map(str::to_owned),
            20.0,
        ));
    }
    let first = pb.stages[0].checklist[0].id.clone();
    v.set_ticked(&first, false).expect("known");
    log.push((
        "untick".into(),
        Some(pb.stages[0].id.clone()),
        Some(first),
        None,
        0.0,
    ));
    v.set_note("deposit", "客户要和家人商量");
    log.push((
        "note".into(),
        Some("deposit".into()),
        None,
        Some("客户要和家人商量".into()),
        0.0,
    ));
    v.grade = Some("A".into());
    log.push(("grade".into(), None, None, Some("A".into()), 0.0));
    v.appointment = Some("2030-01-15".into());
    log.push((
        "appointment".into(),
        None,
        None,
        Some("2030-01-15".into()),
        0.0,
    ));
    let events = log.iter().map(|(kind, stage, item, value, seconds)| Event {
        kind,
        stage: stage.as_deref(),
        item: item.as_deref(),
        value: value.as_deref(),
        seconds: *seconds,
    });
    let replayed = LiveVisit::replay(pb.clone(), events);
    assert_eq!(replayed.stage, v.stage);
    assert_eq!(replayed.current().map(|s| s.id.as_str()), Some("deposit"));
    assert_eq!(replayed.route, v.route);
    assert_eq!(replayed.ticked, v.ticked);
    assert_eq!(replayed.notes, v.notes);
    assert_eq!(
        (replayed.grade, replayed.appointment),
        (v.grade, v.appointment)
    );
    assert_eq!(replayed.seconds, v.seconds);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Arbitrary Unicode replies to every free-text turn: never a panic, scores within 0–100.
    #[test]
    fn arbitrary_replies_score_within_bounds(
        pick in any::<prop::sample::Index>(),
        reply in prop_oneof![
            any::<String>(),
            "[\\u{4e00}-\\u{9fa5}，。？！a-zA-Z0-9 ]{0,200}",
            "(什么|怎么|多少钱|试戴|预算|合同|太贵了|理解|[0-9]+元|\\?|？| ){0,40}",
        ],
    ) {
        let (lib, host) = bundled_cached();
        let turns: Vec<(Arc<Playbook>, usize, usize)> = lib.playbooks.iter().flat_map(|pb| {
            pb.scenarios.iter().enumerate().flat_map(move |(si, s)| {
                s.turns.iter().enumerate().filter(|(_, t)| matches!(t.reply, Reply::FreeText)).map(move |(ti, _)| (pb.clone(), si, ti))
            })
        }).collect();
        let (pb, si, ti) = &turns[pick.index(turns.len())];
        let scen = &pb.scenarios[*si];
        let turn = &scen.turns[*ti];
        match score_turn(pb, Some(host), scen, turn, Answer::Text(reply.clone()), 1.0, &[]) {
            Ok(r) => {
                prop_assert!((0.0..=100.0).contains(&r.scored.score));
                prop_assert!(r.script_error.is_none(), "{:?}", r.script_error);
                prop_assert!(r.scored.rounded() <= 100);
            }
            Err(AnswerError::Empty) => prop_assert!(reply.trim().is_empty()),
            Err(AnswerError::TooLong(n)) => prop_assert!(n > MAX_REPLY_CHARS),
            Err(e) => prop_assert!(false, "unexpected refusal: {e}"),
        }
    }
}

fn bundled_cached() -> &'static (Library, ScriptHost) {
    static CELL: std::sync::OnceLock<(Library, ScriptHost)> = std::sync::OnceLock::new();
    CELL.get_or_init(bundled)
}

/// "Try it" at a later turn is scored with the replies that lead there, in order.
#[test]
fn the_history_to_a_turn_follows_a_path_from_the_start() {
    let (lib, host) = bundled();
    let pb = lib.playbook("jewelry").expect("bundled").clone();
    let scen = pb.scenario("browsing-to-tryon").expect("scenario");
    let h = salesdojo::practice::session::history_to(&pb, Some(&host), scen, "trying");
    let turns: Vec<&str> = h.iter().map(|r| r.turn.as_str()).collect();
    assert_eq!(turns, ["walk-in", "stops", "how-much"]);
    // Each step leads to the next.
    for (r, next) in h.iter().zip(turns.iter().skip(1).chain(["trying"].iter())) {
        assert_eq!(
            r.scored.next,
            salesdojo::playbook::model::Target::Turn((*next).to_owned())
        );
    }
    assert!(salesdojo::practice::session::history_to(&pb, Some(&host), scen, "walk-in").is_empty());
}
