use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

#[test]
fn normalize_folds_width_case_and_space() {
    assert_eq!(normalize("  Ｈｅｌｌｏ，\tWORLD？ "), "hello, world?");
    assert_eq!(normalize("价格\u{3000}多少"), "价格 多少");
}

#[test]
fn phrase_matching_is_case_and_width_blind() {
    let p = s(&["试戴", "Try it on"]);
    assert!(contains_any("您可以试戴一下", &p));
    assert!(contains_any("please TRY IT ON", &p));
    assert!(!contains_all("试戴", &p));
    assert_eq!(count("好的好的好", "好的"), 2);
}

#[test]
fn counts_chinese_and_english_words() {
    assert_eq!(char_count("您好 hello"), 7);
    assert_eq!(word_count("您好，what a day"), 5);
    assert_eq!(word_count(""), 0);
}

#[test]
fn phrases_match_words_not_the_inside_of_words() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert!(found("Let me listen first", &p(&["list"])).is_empty());
    assert!(found("A unique design", &p(&["sign"])).is_empty());
    assert_eq!(found("Sign here, please", &p(&["sign"])), ["sign"]);
    assert_eq!(found("the price-list", &p(&["list"])), ["list"]);
    // Inflections are the same word: "lists" counts as "list".
    assert_eq!(count("list, lists, listen", "list"), 2);
}

#[test]
fn chinese_phrases_match_whole_words_not_the_inside_of_one() {
    assert!(word_segmenter().is_ok_and(|j| j.has_word("认真") && !j.has_word("先戴")));
    // The inside of a word: 真的 is not said in 认真的, 定金 not in 一定金额.
    assert!(found("您说得很认真的", &s(&["真的"])).is_empty());
    assert!(found("超过一定金额要审批", &s(&["定金"])).is_empty());
    assert_eq!(position("这是真的", "真的"), Some(2));
    assert_eq!(position("很认真的", "真的"), None);
    assert_eq!(count("认真的人说真的", "真的"), 1);
    // A word or a run of words, wherever it falls in the sentence.
    assert_eq!(found("我们先收一点定金。", &s(&["定金"])), ["定金"]);
    assert_eq!(found("价格不急，先戴上看看效果", &s(&["戴上"])), ["戴上"]);
    // A doubled verb is the verb said twice.
    assert_eq!(found("我帮您问问经理", &s(&["帮您问"])), ["帮您问"]);
    // Text without Chinese is not cut at all.
    assert_eq!(found("try it on", &s(&["try it"])), ["try it"]);
}

#[test]
fn english_inflections_match_their_stem_both_ways() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(found("A 30% saving a year", &p(&["save"])), ["save"]);
    assert_eq!(
        found("Similar customers saved", &p(&["customer", "saves"])),
        ["customer", "saves"]
    );
    assert_eq!(found("it's guaranteed", &p(&["guarantee"])), ["guarantee"]);
    // A stem never reaches into another word.
    assert!(found("a designer piece", &p(&["sign"])).is_empty());
    assert!(found("we never guarantee returns", &p(&["guarantee"])).is_empty());
    assert_eq!(position("Thanks, we are SAVING", "save"), Some(15));
    assert_eq!(position("没有回扣", "回扣"), None);
}

#[test]
fn a_negation_ends_where_a_new_predicate_starts() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(found("不给看就是心虚吧", &p(&["心虚"])), ["心虚"]);
    assert!(found("我们就不会私下给回扣", &p(&["回扣"])).is_empty());
    assert!(found("不是心虚", &p(&["心虚"])).is_empty());
}

#[test]
fn rhetorical_bu_shi_asserts_instead_of_negating() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(found("您这不是为难我嘛", &p(&["为难我"])), ["为难我"]);
    assert!(found("这不是为难您", &p(&["为难您"])).is_empty());
}

#[test]
fn a_question_takes_up_the_topic_only_when_it_shares_a_content_word() {
    let topic = &Topic::new(
        "你们比我们现在用的旧设备贵了差不多一倍。 It costs nearly twice our current old machine.",
    );
    assert!(takes_up(
        &Normalized::new("旧设备每个月电费和修理大概花多少？"),
        topic
    ));
    assert!(takes_up(
        &Normalized::new("How old is the machine you use?"),
        topic
    ));
    assert!(!takes_up(
        &Normalized::new("您今天这身西装挺精神的，在哪儿买的？"),
        topic
    ));
    assert!(!takes_up(
        &Normalized::new("Where did you buy that suit?"),
        topic
    ));
    // Nothing of its own: a plain invitation to talk.
    assert!(takes_up(&Normalized::new("您想了解什么？"), topic));
    assert!(takes_up(&Normalized::new("您最看重的是什么？"), topic));
    assert!(takes_up(
        &Normalized::new("What matters most to you?"),
        topic
    ));
}

#[test]
fn ji_after_zhe_counts_instead_of_asking() {
    assert!(!is_open_question("那这几款戒指您还要再试吗？"));
    assert!(is_open_question("您家几口人住？"));
}

#[test]
fn a_compiled_phrase_set_matches_as_found_does() {
    let list: Vec<String> = ["回扣", "list", "Sign", "好处费", "  ", "design"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let set = PhraseSet::new(&list);
    for text in [
        "我们不会私下给回扣",
        "私下给您回扣",
        "Let me listen",
        "the price list",
        "A unique design, sign here",
        "好处费和回扣",
        "",
    ] {
        let t = Normalized::new(text);
        assert_eq!(set.any_in(&t), !found(text, &list).is_empty(), "{text}");
    }
    let both = PhraseSet::new(&["好处费".to_owned(), "回扣".to_owned()]);
    assert!(both.all_in(&Normalized::new("好处费和回扣")));
    assert!(!both.all_in(&Normalized::new("只有回扣")));
    assert!(!PhraseSet::new(&[]).all_in(&Normalized::new("x")));
}

#[test]
fn a_list_of_keywords_is_not_a_sentence() {
    for salad in [
        "效率 协同 流程 痛点 开放式提问",
        "独特设计！寓意好！工艺好！光泽好！买一个吧？",
        "亮点设计工艺独特寓意。",
        "budget authority need timeline",
        "Value, ROI, testimonials, case study, next steps.",
        &"好".repeat(4000),
    ] {
        assert!(reads_as_keyword_list(salad), "{salad}");
    }
    for said in [
        "您眼光真好，这款的设计灵感来自海浪。",
        "欢迎光临！",
        "出什么事了？您别急，先跟我说说，我帮您一起想办法。",
        "Thanks for taking the call. What's working well, and what still feels clunky?",
        "Sure. Great question. Let me check.",
        "南北通透采光好。",
        "您刚才提到孩子明年上学：这套南北通透、采光好，儿童房朝南，离小学步行十分钟。",
        "离小学步行十分钟。",
        "What sets it apart for you: the second bedroom gets the morning sun.",
        "这次打算花多少钱？除了您领导还有哪几位要看方案？",
    ] {
        assert!(!reads_as_keyword_list(said), "{said}");
    }
}

#[test]
fn a_negated_phrase_does_not_count() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let kickback = p(&["回扣", "好处费", "kickback"]);
    assert!(found("我们不会私下给回扣，一切按合同走", &kickback).is_empty());
    assert!(found("我们从来不收好处费。", &kickback).is_empty());
    assert!(found("We never pay a kickback.", &kickback).is_empty());
    assert!(found("We don't do any kickback deals", &kickback).is_empty());
    // Not negated: the cue is in another clause, or not a negation at all.
    assert_eq!(found("不用担心，私下给您回扣", &kickback), ["回扣"]);
    assert_eq!(found("不少客户都拿了回扣", &kickback), ["回扣"]);
    assert_eq!(
        found("Not a problem, I'll add a kickback for you", &kickback),
        ["kickback"]
    );
    assert_eq!(found("私下给您个人一点好处费", &kickback), ["好处费"]);
    // A question is not a negation; nor is 特别.
    let budget = p(&["预算", "适合"]);
    assert_eq!(found("这次有没有预算？", &budget), ["预算"]);
    assert_eq!(found("这款特别适合您", &budget), ["适合"]);
    assert_eq!(found("您看是不是预算有限", &budget), ["预算"]);
}

#[test]
fn open_and_closed_questions() {
    assert!(is_open_question("您平时喜欢什么样的款式？"));
    assert!(is_open_question("What matters most to you?"));
    assert!(!is_open_question("您喜欢这款吗？"));
    assert!(is_closed_question("您喜欢这款吗？"));
    assert!(is_closed_question("Do you like it?"));
    assert!(!is_closed_question("How do you use it?"));
    assert!(is_question("这个是不是您要的"));
    assert!(!is_question("这是我们的新款。"));
    // "somehow" is not "how".
    assert!(!is_open_question("somehow it works"));
}

#[test]
fn open_questions_that_were_missed_and_statements_that_were_taken_for_one() {
    for asks in [
        "您觉得哪一步最费时间？",
        "除了您领导还有哪几位要看方案？",
        "希望几月份能用起来？",
        "上线要多久？",
        "您家孩子多大了？",
        "这次打算花多少钱？",
        "您跟我说说当时的情况？",
        "Which part matters most to you?",
        "How do you handle it today",
        "Tell me about your team.",
    ] {
        assert!(is_open_question(asks), "{asks}");
    }
    for states in [
        "我给您介绍一下这款。",
        "先给您讲讲我们的售后。",
        "这是您上次看中的那一款，几乎一样。",
        "I'll show you the one which you liked.",
        "We can meet when it suits you.",
        "您喜欢这款吗？",
    ] {
        assert!(!is_open_question(states), "{states}");
    }
}

#[test]
fn prices_spoken_and_written_and_what_only_looks_like_one() {
    for price in [
        "这款三千八。",
        "两千五就能拿下",
        "八百八",
        "一万二一套",
        "这款3800。",
        "3999元",
        "只要三千块",
        "It's 200 yuan",
    ] {
        assert!(mentions_price(price), "{price}");
    }
    assert!(mentions_price("价格您放心"));
    assert!(!quotes_price("价格您放心"));
    assert!(quotes_price("这款三千八。"));
    assert!(mentions_price("价格您放心"));
    assert!(!quotes_price("价格您放心"));
    assert!(quotes_price("这款三千八。"));
    for not_price in [
        "这款是18K金的，海浪造型很特别。",
        "999足金，做工很细。",
        "PT950铂金",
        "主石0.5克拉",
        "2026年交房",
        "我们一块儿去看看",
        "三千多人用过",
        "每天8点开门",
    ] {
        assert!(!mentions_price(not_price), "{not_price}");
        assert!(!quotes_price(not_price), "{not_price}");
        assert!(!quotes_price(not_price), "{not_price}");
    }
}

#[test]
fn prices_and_numbers() {
    assert!(mentions_price("这款是3999元"));
    assert!(mentions_price("只要三千块"));
    assert!(mentions_price("¥5,000"));
    assert!(mentions_price("The price is fair"));
    assert!(!mentions_price("我们一起看看这一款"));
    assert!(!mentions_price("Let me show you"));
}

#[test]
fn a_negation_before_a_list_covers_every_item() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let asks = p(&[
        "预算",
        "拍板",
        "需求",
        "时间",
        "budget",
        "decision-maker",
        "need",
        "timeline",
    ]);
    assert!(found("我就不问您预算、谁拍板、有什么需求了，直接约演示吧", &asks).is_empty());
    assert!(found("我不问预算和时间", &asks).is_empty());
    assert!(
        found(
            "I won't ask you about budget, decision-maker, need or timeline - let's just book the demo",
            &asks
        )
        .is_empty()
    );
    assert!(found("I won't ask about your budget or your timeline", &asks).is_empty());
    // Asked for, the items count: a negation of something else, in another clause, a
    // short interjection, or a new predicate after "and" does not reach them.
    assert_eq!(
        found("不用急，您的预算、需求我们慢慢聊", &asks),
        ["预算", "需求"]
    );
    assert_eq!(
        found(
            "No rush, what budget and timeline do you have in mind?",
            &asks
        ),
        ["budget", "timeline"]
    );
    assert_eq!(
        found("We don't rush and we listen to your budget", &asks),
        ["budget"]
    );
    assert_eq!(
        found("Not a problem, your budget matters most", &asks),
        ["budget"]
    );
    assert_eq!(
        found(
            "I don't want to rush you, but what is your timeline?",
            &asks
        ),
        ["timeline"]
    );
}

#[test]
fn english_contractions_negate() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let fault = p(&["our fault", "our mistake"]);
    assert!(found("It wasn't our fault, the courier was late.", &fault).is_empty());
    assert!(found("That hasn't been our mistake.", &fault).is_empty());
    assert_eq!(
        found("It was our fault, and I'm sorry.", &fault),
        ["our fault"]
    );
}

#[test]
fn question_words_with_nothing_behind_them_are_hollow() {
    let hollow = |s: &str| reads_as_hollow_questions_in(&Normalized::new(s));
    assert!(hollow("理解理解，哪方面？什么方面？具体呢？还有吗？"));
    assert!(hollow("请问什么？怎么样？为什么？哪个环节？开放式。"));
    assert!(hollow("What? How? Why? Which part? Tell me more?"));
    // Real questions name what they ask about.
    assert!(!hollow(
        "您好！请问您贵姓？想看什么样的房子？预算大概多少？"
    ));
    assert!(!hollow(
        "What's the budget? Who decides? When do you need it live?"
    ));
    // Fewer than three questions is a short answer, not a string of stems.
    assert!(!hollow("好的，明白，那您看呢？还有别的吗？"));
}

#[test]
fn a_particle_after_each_keyword_does_not_make_a_sentence() {
    assert!(reads_as_keyword_list(
        "欢迎光临吗，微笑吗，问候吗，递水吗，介绍吗"
    ));
    assert!(!reads_as_keyword_list("欢迎光临！您今天想看看什么款式呢？"));
}

#[test]
fn quoted_words_a_sentence_refuses_to_say_are_negated() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let promise = p(&["保证不会", "肯定没问题", "you get what you pay for"]);
    assert!(found("我不跟您拍胸脯说'保证不会再晚'，说了您也不信。", &promise).is_empty());
    assert!(found("交期我不敢随口答应你“肯定没问题”。", &promise).is_empty());
    assert!(
        found(
            "I'm not going to tell you 'you get what you pay for', that's no help.",
            &promise
        )
        .is_empty()
    );
    // Quoted and asserted, or said outright, the words count.
    assert_eq!(found("我跟您说“肯定没问题”。", &promise), ["肯定没问题"]);
    assert_eq!(
        found("As they say, 'you get what you pay for'.", &promise),
        ["you get what you pay for"]
    );
    // An apostrophe inside a word is not a quote.
    assert_eq!(found("It's fine, 肯定没问题", &promise), ["肯定没问题"]);
}

#[test]
fn a_thing_named_first_then_refused_is_negated() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let moves = p(&["资料", "电话", "转介绍", "退款"]);
    assert!(found("行，那资料我就不给您打印了，电话也不留了。", &moves).is_empty());
    assert!(found("满意就好。转介绍什么的我就不开口了。", &moves).is_empty());
    assert!(found("退款是不可能的，合同写得很清楚。", &moves).is_empty());
    // Named and then given, or something that runs out, or reassurance: not refused.
    assert_eq!(found("资料我马上给您打印。", &moves), ["资料"]);
    assert_eq!(found("电话您也不用担心了，我存好了。", &moves), ["电话"]);
    let scarce = p(&["就没了"]);
    assert_eq!(found("今天不买明天就没了。", &scarce), ["就没了"]);
}

#[test]
fn a_thing_judged_unfair_or_against_the_rules_is_refused() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let side = p(&["私下", "返点"]);
    assert!(found("私下给您降价对其他业主也不公平", &side).is_empty());
    assert!(found("私下开口子对别的业主也不公平。", &side).is_empty());
    assert!(found("返点这种事是违规的，我们不碰。", &side).is_empty());
    // Judged fair, or judged unfair in another clause: still said.
    assert_eq!(found("私下给您返点，这很公平。", &side), ["私下", "返点"]);
}

#[test]
fn words_an_english_sentence_says_it_will_not_say_are_negated() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let bad = p(&["rubbish", "never goes down"]);
    assert!(
        found(
            "I'm not going to tell you their machines are rubbish.",
            &bad
        )
        .is_empty()
    );
    assert!(found("I won't pretend it never goes down.", &bad).is_empty());
    // A new predicate, or a new clause, ends what is not said.
    assert_eq!(
        found("I won't tell you much, but their kit is rubbish.", &bad),
        ["rubbish"]
    );
    assert_eq!(
        found("Don't tell anyone, it never goes down.", &bad),
        ["never goes down"]
    );
}

#[test]
fn a_suggestion_asked_with_a_negation_invites_it() {
    let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let moves = p(&[
        "试戴",
        "戴上",
        "try it on",
        "book a visit",
        "sit down",
        "feel it",
    ]);
    for invited in [
        "为什么不先戴上看看效果呢？",
        "何不先试戴一下？",
        "您干嘛不先戴上感受一下？",
        "Why not try it on first and see how it moves?",
        "Why don't we book a visit for Saturday?",
        "Won't you sit down for a moment?",
        "Wouldn't you like to feel it?",
    ] {
        assert!(!found(invited, &moves).is_empty(), "{invited}");
    }
    // Said outright, the same words are still refused.
    for refused in [
        "我不会逼您试戴。",
        "先不戴上了，您慢慢看。",
        "I won't make you try it on.",
        "You don't have to sit down.",
        "We won't book a visit today.",
    ] {
        assert!(found(refused, &moves).is_empty(), "{refused}");
    }
}

#[test]
fn one_thing_said_over_and_over_is_repetition() {
    let r = |t: &str| reads_as_repetition_in(&Normalized::new(t));
    assert!(r(
        "理解理解，非常理解您，完全理解。但是条款改不了，您先签吧。"
    ));
    assert!(r("审批快，审批快，审批真的快。数据说话，数据说话。"));
    assert!(r("Great value, great value, really great value."));
    // Most of it said twice, each thing once more.
    assert!(r("交期短交期短，售后好售后好，款式新款式新。"));
    assert!(r(
        "Free delivery, free delivery. Lifetime warranty, lifetime warranty!"
    ));
    assert!(!r(
        "交期方面，我们下单后两周内交货；售后方面，坏了二十四小时上门。交期和售后您还有哪点担心？"
    ));
    // Naming the subject of the talk several times among much else is not.
    assert!(!r(
        "您说审批要跑好几个人，我们的审批流设好后自动流转到下一位审批人，谁卡住一目了然，月底也不用追签字。"
    ));
    assert!(!r("您好，欢迎光临！"));
}

#[test]
fn the_share_of_a_reply_on_the_subject_is_of_its_content_words() {
    let scene =
        Topic::new("上线三个月后回访：系统用着还行吧。哪个功能用得最多？哪些地方还不顺手？");
    let on = share_on(
        &Normalized::new("系统上线这三个月，哪个功能用得最顺手？"),
        &scene,
    );
    let off = share_on(&Normalized::new("您周末一般去哪儿钓鱼？"), &scene);
    assert!(on.is_some_and(|s| s > 0.5), "{on:?}");
    assert_eq!(off, Some(0.0));
    // Nothing to share: no content word at all.
    assert_eq!(share_on(&Normalized::new("好的。"), &scene), None);
    // A share: saying it twice as long does not make it more on the subject.
    let twice = share_on(
        &Normalized::new(
            "系统上线这三个月，哪个功能用得最顺手？系统上线这三个月，哪个功能用得最顺手？",
        ),
        &scene,
    );
    assert_eq!(twice, on);
}

#[test]
fn speaking_to_the_customer_counts_up_to_three() {
    let n = |t: &str| addresses_in(&Normalized::new(t));
    assert_eq!(n("我们的产品功能很全。"), 0);
    assert_eq!(n("您刚才说审批慢，您那边一般几个人签？"), 2);
    assert_eq!(n("What would you change first in your process?"), 2);
    // "young" and "yours truly" aside, three say it as well as thirty.
    assert_eq!(n("Young teams like it."), 0);
    assert_eq!(n("您您您您您您"), 3);
}

#[test]
fn the_customers_words_said_back_first_are_an_echo() {
    let customer = Normalized::new("就用表格记，司机每天报一下。");
    assert!(echoes(
        &Normalized::new("哦，是表格加司机每天报。那这个表一般是谁在汇总？"),
        customer.as_str()
    ));
    // Later in the reply, or sharing one word, is not saying it back.
    assert!(!echoes(
        &Normalized::new("明白。我们的系统自动汇总表格，司机每天报数。"),
        customer.as_str()
    ));
    assert!(!echoes(&Normalized::new("表格也行。"), customer.as_str()));
}
