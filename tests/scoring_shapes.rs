//! The shapes in which scores went wrong on replies nobody had seen, each held on a bundled
//! turn: a move done in other words, a negation over what is said or refused, a move at the
//! wrong moment, points for nothing, the same thing said over and over, and odd input.

use salesdojo::playbook::model::{Library, Playbook, Turn};
use salesdojo::playbook::{Content, Report, load};
use salesdojo::practice::{Answer, Scored, score};

fn library() -> Library {
    let mut report = Report::default();
    let lib = load(&[Content::bundled()], &mut report);
    assert_eq!(report.errors(), 0, "{}", report.render());
    lib
}

fn turn<'a>(
    lib: &'a Library,
    playbook: &str,
    scenario: &str,
    id: &str,
) -> (&'a Playbook, &'a Turn) {
    let pb = lib.playbook(playbook).expect("bundled playbook");
    let t = pb
        .scenario(scenario)
        .and_then(|s| s.turns.iter().find(|t| t.id == id))
        .expect("bundled turn");
    (pb.as_ref(), t)
}

fn scored(lib: &Library, at: (&str, &str, &str), reply: &str) -> Scored {
    let (pb, t) = turn(lib, at.0, at.1, at.2);
    score(pb, t, &Answer::Text(reply.to_owned())).expect("scored")
}

/// The points one criterion got.
fn points(s: &Scored, criterion: &str) -> f64 {
    s.criteria
        .iter()
        .find(|c| c.criterion == criterion)
        .map(|c| c.points)
        .expect("criterion scored")
}

/// Whether a rule of the reply's trace earned points.
fn earned(s: &Scored, rule: &str) -> bool {
    s.criteria.iter().flat_map(|c| &c.trace).any(|t| {
        matches!(&t.source, salesdojo::practice::score::Source::Rule { rule: r } if r == rule)
            && t.points > 0
    })
}

const GREET: (&str, &str, &str) = ("property-showing", "first-visit", "arrive");
const LIKES: (&str, &str, &str) = ("property-showing", "deposit-talk", "likes");

#[test]
fn a_deposit_asked_at_the_door_earns_nothing_and_says_why() {
    let lib = library();
    let plain = scored(
        &lib,
        GREET,
        "欢迎欢迎，两位请坐，喝点水。以前来过我们这儿吗？",
    );
    let pushy = scored(
        &lib,
        GREET,
        "欢迎欢迎，两位请坐，喝点水。以前来过我们这儿吗？今天交个定金先把好楼层锁定吧。",
    );
    assert_eq!(pushy.premature.len(), 1, "{:?}", pushy.premature);
    assert!(pushy.premature[0].moves.iter().any(|m| m == "deposit"));
    assert!(
        pushy.score < plain.score,
        "the premature ask costs: {} vs {}",
        pushy.score,
        plain.score
    );
    assert!(
        pushy
            .feedback
            .iter()
            .any(|f| f.get("en").contains("deposit at the door")),
        "{:?}",
        pushy.feedback
    );
    // The same ask when the couple say they like the unit is the move of the moment.
    let ripe = scored(
        &lib,
        LIKES,
        "太好了！今天交个定金先把三楼这套锁定吧，合同细节我们慢慢过。",
    );
    assert!(ripe.premature.is_empty());
    assert!(earned(&ripe, "deposit"), "{:?}", ripe.criteria);
}

#[test]
fn a_close_asked_as_the_only_question_is_no_discovery() {
    let lib = library();
    let at = ("seven-step", "inbound-lead", "vague");
    let close = scored(
        &lib,
        at,
        "明白，效率是关键。那我们直接出方案，您看什么时候能签？",
    );
    assert!(!earned(&close, "open-question"), "{:?}", close.criteria);
    assert!(!close.premature.is_empty());
    // A real question beside it still counts.
    let both = scored(&lib, at, "明白。您现在最头疼的是哪个环节？");
    assert!(earned(&both, "open-question"), "{:?}", both.criteria);
}

#[test]
fn referrals_asked_of_a_lukewarm_customer_earn_nothing() {
    let lib = library();
    let at = ("seven-step", "close-and-follow", "check-in");
    let s = scored(
        &lib,
        at,
        "谢谢您！那您身边的同行朋友要是也有需要，帮我介绍一下？",
    );
    assert!(!earned(&s, "referral"), "{:?}", s.criteria);
    assert_eq!(s.premature.len(), 1);
    // A happy customer is the one to ask.
    let happy = scored(
        &lib,
        ("seven-step", "close-and-follow", "happy"),
        "谢谢您！那您身边的同行朋友要是也有需要，帮我介绍一下？",
    );
    assert!(earned(&happy, "referral"), "{:?}", happy.criteria);
}

#[test]
fn an_off_topic_question_gets_nothing_from_criteria_that_start_full_or_from_its_length() {
    let lib = library();
    // Conduct and price timing start at 100, and a short line earns 'brief': none of it for a
    // question about the weather.
    let s = scored(
        &lib,
        ("jewelry", "browsing-to-tryon", "stops"),
        "您是坐地铁来的吗？今天外面冷不冷？",
    );
    assert_eq!(s.rounded(), 0, "{:?}", s.criteria);
    assert_eq!(points(&s, "conduct"), 0.0);
    // A reply on the turn keeps them.
    let on = scored(
        &lib,
        ("jewelry", "browsing-to-tryon", "stops"),
        "您眼光真好，这款吊坠的灵感来自海浪，要不要戴上试试？",
    );
    assert_eq!(points(&on, "conduct"), 100.0);
}

#[test]
fn the_same_words_over_and_over_are_capped() {
    let lib = library();
    let s = scored(
        &lib,
        ("property-showing", "after-signing", "clause"),
        "理解理解，非常理解您，完全理解。我理解，真的理解。",
    );
    let gate = s.gate.as_ref().expect("capped");
    assert_eq!(gate.rule, salesdojo::practice::score::REPETITION);
    assert!(s.score <= 15.0, "{}", s.score);
}

#[test]
fn moves_in_other_words_are_recognised() {
    let lib = library();
    // Saying the customer's words back is restating, without "您是说".
    let echo = scored(
        &lib,
        ("objections", "no-need-now", "current"),
        "哦，是表格加司机每天报。那这个表一般是谁在汇总？每天大概花多少时间？",
    );
    assert!(earned(&echo, "restate"), "{:?}", echo.criteria);
    // A customer's case told as a story, with a before and an after, is evidence.
    let story = scored(
        &lib,
        ("objections", "think-it-over", "proof"),
        "去年一家烘焙连锁，门店里不少是五十多岁的阿姨，一开始也不愿意。后来先选一家店试点，一个月后那家店的阿姨反过来催总部推广。",
    );
    assert!(earned(&story, "evidence"), "{:?}", story.criteria);
    // Owning the delay and fixing it, in words of one's own.
    let own = scored(
        &lib,
        ("objections", "past-failure", "make-right"),
        "上次晚交一周，责任完全在我们，是我们排产没安排好。这次我们提前十天排产，延期按天赔，每周五给您发进度。",
    );
    assert!(earned(&own, "admit"), "{:?}", own.criteria);
    assert!(earned(&own, "fix"), "{:?}", own.criteria);
}

#[test]
fn what_a_reply_refuses_to_do_or_say_earns_nothing_and_gates_nothing() {
    let lib = library();
    // Materials and a phone number refused, not offered.
    let refused = scored(
        &lib,
        ("property-showing", "deposit-talk", "go-home"),
        "行，那资料我就不给您打印了，电话也不留了，反正您想好了自然会来。",
    );
    assert!(!earned(&refused, "materials"), "{:?}", refused.criteria);
    assert!(!earned(&refused, "contact"), "{:?}", refused.criteria);
    // A promise quoted only to refuse making it is not an over-promise.
    let honest = scored(
        &lib,
        ("objections", "past-failure", "make-right"),
        "我不跟您拍胸脯说“保证不会再晚”，说了您也不信。交期写进合同，延期按天赔；每个节点我主动报给您。",
    );
    assert!(honest.gate.is_none(), "{:?}", honest.gate);
}

/// Odd replies are scored on what they say, never a panic; traditional characters read as
/// simplified ones. (Their speed is measured in `cargo bench --bench scoring`.)
#[test]
fn odd_replies_are_scored_on_their_content() {
    let lib = library();
    let at = ("seven-step", "inbound-lead", "situation");
    let long = "您好，想了解一下您的预算、谁来拍板、最急的需求和上线时间？".repeat(10_000 / 30);
    let punctuation = "？？？！！！。。。，，，……——".repeat(50);
    let emoji = "😀🙏👍".repeat(100);
    let mixed = "您好 hello，预算 budget 多少？Timeline 呢？";
    for reply in [long.as_str(), punctuation.as_str(), emoji.as_str(), mixed] {
        let s = scored(&lib, at, reply);
        assert!((0.0..=100.0).contains(&s.score), "{reply}: {}", s.score);
    }
    assert_eq!(scored(&lib, at, &punctuation).rounded(), 0);
    assert_eq!(scored(&lib, at, &emoji).rounded(), 0);
    let simplified = scored(
        &lib,
        at,
        "您目前的预算大概多少？谁来决定？最想解决什么问题？什么时候上线？",
    );
    let traditional = scored(
        &lib,
        at,
        "您目前的預算大概多少？誰來決定？最想解決什麼問題？什麼時候上線？",
    );
    assert_eq!(simplified.rounded(), traditional.rounded());
    // Pinyin is not Chinese the scorer can read: it earns no concept.
    let pinyin = scored(&lib, at, "nin de yusuan shi duoshao? shei lai jueding?");
    assert!(pinyin.score < simplified.score);
}

/// A hint names a move the reply did not make; once a criterion's move was made, its other
/// rules' hints would contradict the feedback ("You took responsibility", "Hint: own it").
#[test]
fn hints_never_contradict_what_a_criterion_already_credited() {
    let lib = library();
    let (pb, t) = turn(&lib, "objections", "past-failure", "make-right");
    let s = score(
        pb,
        t,
        &Answer::Text("上次晚交一周，责任完全在我们，是我们排产没安排好。".to_owned()),
    )
    .expect("scored");
    assert!(earned(&s, "admit"), "{:?}", s.criteria);
    for c in s.criteria.iter().filter(|c| c.points > 0.0) {
        let Some(crit) = pb.criterion(&c.criterion) else {
            continue;
        };
        for r in &crit.rules {
            if let Some(h) = &r.hint {
                assert!(
                    !s.hints.contains(h),
                    "criterion {} earned points, yet the hint of its rule {} shows",
                    c.criterion,
                    r.id
                );
            }
        }
    }
    // A criterion that earned nothing still gets its hints.
    let none = score(pb, t, &Answer::Text("好的，我知道了。".to_owned())).expect("scored");
    assert!(!none.hints.is_empty());
}
