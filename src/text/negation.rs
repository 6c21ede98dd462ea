//! Whether a phrase is negated in its clause.

/// Negation cues of several characters: anywhere in the few characters before a phrase, in
/// the same clause.
pub(crate) const NEGATION_ZH: &[&str] = &[
    "不会",
    "绝不",
    "决不",
    "从不",
    "从来不",
    "从来没",
    "没有",
    "不可能",
    "不能",
    "不要",
    "不用",
    "不准",
    "不允许",
    "不存在",
    "杜绝",
    "拒绝",
    "禁止",
    "严禁",
    "并不",
    "并非",
    // "不是私下塞的红包": what 不是 names is denied.
    "不是",
    "不搞",
    "不收",
    "不给",
    "不做",
    "不拿",
    "不送",
    "不许",
    "不必",
];
/// A 不 that ends one of these asks the customer to do something: 为什么不先戴上看看, 何不试试.
const INVITATION_ZH: &[&str] = &["为什么不", "为何不", "何不", "干嘛不", "干吗不", "怎么不先"];
/// Words that start a new predicate and so end the scope of a negation before them.
pub(crate) const SCOPE_BREAKS_ZH: &[&str] = &[
    "就是", "就", "但是", "但", "可是", "所以", "而是", "反而", "才",
];
/// `不` followed by these is not a negation of what follows (不少, 不错, 不过 …).
pub(crate) const NOT_NEGATING_BU: &[char] = &[
    '少', '错', '过', '仅', '断', '久', '同', '如', '管', '妨', '然', '太', '光', '但', '论',
];
/// Set phrases whose 不 negates nothing after them: an apology (不好意思), a fallback (实在不行,
/// 不行的话 "if that doesn't work"), a suggestion (要不我先…).
const FIXED_BU: &[&str] = &[
    "不好意思",
    "实在不行",
    "要是不行",
    "如果不行",
    "万一不行",
    "真不行",
    "不行的话",
    "要不我",
    "要不咱",
    "要不您",
    "要不你",
    "要不先",
    "要不这样",
    "要不然",
    "要不是",
];
/// Dashes end a clause as a comma does ("no excuse — we got it wrong", "不找借口——是我们做错了").
const DASHES: &str = "—–―";
/// What ends a clause for a negation's scope.
const CLAUSE_ZH: &str = "，。！？；,.!?;：:\n—–―";

/// `s` with the 不 of each set phrase in [`FIXED_BU`] replaced by a mark that negates nothing
/// (the same number of characters, so offsets and windows stay as they were).
fn mask_fixed(s: &str) -> std::borrow::Cow<'_, str> {
    if !FIXED_BU.iter().any(|f| s.contains(f)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = s.to_owned();
    for f in FIXED_BU {
        out = out.replace(f, &f.replacen('不', "〇", 1));
    }
    std::borrow::Cow::Owned(out)
}

/// Whether the 就 at byte `i` of `clause` closes an "as soon as" clause (一听…就, 一有…就): then
/// it is one predicate with what comes before, and a negation before 一 covers what follows 就.
fn as_soon_as(clause: &str, i: usize) -> bool {
    let before: Vec<char> = clause[..i].chars().collect();
    let near = before.len().saturating_sub(9);
    (near..before.len()).any(|k| {
        before[k] == '一'
            && !(k > 0 && ['统', '唯', '之', '第', '万', '同'].contains(&before[k - 1]))
            && before.get(k + 1).is_some_and(|n| {
                !['定', '起', '下', '点', '些', '般', '样', '直', '共', '切'].contains(n)
            })
    })
}
pub(crate) const NEGATION_EN: &[&str] = &[
    "not",
    "no",
    "never",
    "don't",
    "won't",
    "doesn't",
    "didn't",
    "can't",
    "cannot",
    "wouldn't",
    "shouldn't",
    "isn't",
    "aren't",
    "without",
    "refuse",
    "refus",
    "nor",
    "neither",
    "dont",
    "wont",
    "wasn't",
    "weren't",
    "hasn't",
    "haven't",
    "hadn't",
    "couldn't",
    "mustn't",
    "needn't",
    "ain't",
    "wasnt",
    "isnt",
    "arent",
    "doesnt",
    "didnt",
    "cant",
    "nothing",
    "none",
    "nobody",
];
/// English words that start a new predicate and so end the scope of a negation before them.
pub(crate) const SCOPE_BREAKS_EN: &[&str] = &[
    "but", "so", "because", "instead", "rather", "though", "although", "however", "yet", "then",
];
/// What joins the items of a list, after which a negation before the list still holds.
pub(crate) const LIST_GLUE_ZH: &[&str] = &["、", "以及", "或者", "和", "或", "及"];
pub(crate) const LIST_GLUE_EN: &[&str] = &["or", "and", "nor"];
/// Words a list item may start with besides its noun.
pub(crate) const ITEM_LEAD_EN: &[&str] = &["the", "a", "an", "your", "my", "our", "any", "their"];

/// Whether the phrase at byte offset `at` of the normalized `t` is negated: a negation cue
/// stands before it in the same clause, within a few characters (Chinese) or words (English),
/// or before the list the phrase is an item of ("我就不问您预算、谁拍板、有什么需求", "I won't
/// ask about budget, decision-maker, need or timeline": every item is negated).
pub fn negated(t: &str, at: usize) -> bool {
    let cues = Cues::around(t, at);
    (cues.zh && negated_zh_ways(t, at))
        || (cues.en && negated_en_ways(t, at))
        || ((cues.zh || cues.en) && quoted_negated(t, at))
}

/// The Chinese readings of [`negated`].
fn negated_zh_ways(t: &str, at: usize) -> bool {
    negated_zh(t, at) || fronted_zh(t, at) || topic_refused_zh(t, at) || unsaid_zh(t, at)
}

/// The English readings of [`negated`].
fn negated_en_ways(t: &str, at: usize) -> bool {
    negated_en(t, at, false) || refused_after_en(t, at) || unsaid_en(t, at)
}

/// The Chinese characters without one of which no Chinese reading negates anything: every cue
/// of [`NEGATION_ZH`], [`REFUSE_ZH`] and the refusals after a thing holds one of them.
const CUE_CHARS_ZH: &[char] = &['不', '没', '别', '绝', '禁', '非', '违', '免'];

/// What the sentence around a phrase holds that could negate it, by language. Every reading of
/// [`negated`] looks no further than the sentence, back to its last stop and on to its next
/// full stop; a Chinese reading needs a cue character there, an English one a word that starts
/// like a negation ("not", "no", "never", "won't" …: the start, as a reading may cut a word
/// where the phrase begins) or a refusal after the thing ([`REFUSED_AFTER_EN`]). Most
/// sentences of most replies hold none, and a Chinese sentence no English cue: a quick look
/// spares reading them every way.
struct Cues {
    zh: bool,
    en: bool,
}

impl Cues {
    fn around(t: &str, at: usize) -> Self {
        let start = t[..at]
            .rfind(|c: char| "。！？；.!?;\n".contains(c))
            .map_or(0, |i| i + t[i..].chars().next().map_or(1, char::len_utf8));
        let end = t[at..]
            .find(|c: char| ".!?。！？\n".contains(c))
            .map_or(t.len(), |i| at + i);
        let sentence = &t[start..end];
        let zh = sentence.contains(CUE_CHARS_ZH);
        let en = sentence.bytes().any(|b| b.is_ascii_alphabetic()) && {
            let plain = sentence.replace('’', "'");
            words_en(&plain)
                .iter()
                .any(|w| NEGATION_EN.iter().any(|n| w.starts_with(n)))
                || REFUSED_AFTER_EN.iter().any(|r| plain.contains(r))
        };
        Cues { zh, en }
    }
}

/// Refusals whose object is a thing named before them: "回扣我们不做", "那一套我不搞".
const REFUSE_ZH: &[&str] = &[
    "不做",
    "不搞",
    "不干",
    "不碰",
    "不沾",
    "不收",
    "不给",
    "不送",
    "不拿",
    "不提供",
    "不接受",
    "不参与",
    "一律不",
    "从来不",
    "从不",
    "绝不",
    "决不",
    "不能做",
    "不会做",
    "不能给",
    "不会给",
];

/// Whether `at` stands in a topic that the next clause refuses, in Chinese: "个人好处、回扣这些，
/// 我们公司不做", "私下的返点、购物卡，我一律不给". Chinese names the topic first and comments on
/// it after a comma; the topic is a list (、) or is summed up (这些, 那一套, 之类的 …), and the
/// comment is a refusal in its first words (after its subject).
fn topic_refused_zh(t: &str, at: usize) -> bool {
    const SUMMED_UP: &[&str] = &[
        "这些",
        "那些",
        "这种",
        "那种",
        "这类",
        "那类",
        "这一套",
        "那一套",
        "之类的",
        "之类",
        "什么的",
        "这种事",
        "这些事",
        "那些事",
        "这块",
    ];
    let Some(comma) = t[at..].find([',', '，']).map(|i| at + i) else {
        return false;
    };
    let start = clause_start(t, at, CLAUSE_ZH);
    let topic = &t[start..comma];
    // The topic clause holds no other stop: it ends at this comma.
    if topic.contains(|c: char| "。！？；.!?;：:\n".contains(c))
        || !(topic.contains('、') || SUMMED_UP.iter().any(|s| topic.ends_with(s)))
    {
        return false;
    }
    let after = &t[comma + 1..];
    let comment: String = after
        .chars()
        .take_while(|c| !"，。！？；,.!?;：:\n".contains(*c))
        .take(12)
        .collect();
    REFUSE_ZH.iter().any(|r| comment.contains(r))
        && !comment.contains("不会让")
        && !comment.contains("不给您添")
}

/// What refuses a thing named before it in the same English sentence: "anything off the books
/// would only put you at risk, and I won't do that to you", "kickbacks are not how we work".
const REFUSED_AFTER_EN: &[&str] = &[
    "won't do that",
    "won't do it",
    "will not do that",
    "don't do that",
    "do not do that",
    "never do that",
    "wouldn't do that",
    "won't go there",
    "don't go there",
    "won't offer that",
    "don't offer that",
    "not something we do",
    "not something i do",
    "not something i'd do",
    "not something i will do",
    "not how we work",
    "not how we do business",
    "not how i work",
    "against the rules",
    "against our rules",
    "against policy",
    "against our policy",
    "against company policy",
    "against the law",
    "is illegal",
    "would be illegal",
    "put you at risk",
    "put us both at risk",
    "put both of us at risk",
    "and i shouldn't have",
    "which i shouldn't have",
    "that was wrong of me",
];

/// Whether `at` stands in an English sentence that, after it, refuses or retracts what it
/// named (see [`REFUSED_AFTER_EN`]): the thing is named only to be turned down.
fn refused_after_en(t: &str, at: usize) -> bool {
    let end = t[at..]
        .find(|c: char| ".!?。！？\n".contains(c))
        .map_or(t.len(), |i| at + i);
    let rest = t[at..end].replace('’', "'");
    REFUSED_AFTER_EN.iter().any(|r| rest.contains(r))
}

/// English verbs of saying and promising: what follows them in the clause is what is said.
const SPEECH_EN: &[&str] = &[
    "tell",
    "say",
    "said",
    "claim",
    "pretend",
    "promise",
    "swear",
    "call",
    "suggest",
    "pretending",
    "telling",
    "saying",
    "claiming",
    "promising",
    "swearing",
    "promis",
];

/// Whether `at` stands in what an English clause says it will not say ("I'm not going to tell
/// you their machines are rubbish", "I won't pretend it never breaks"): a negation, within three
/// words a verb of saying, then the phrase, with no new predicate (but, so…) between.
fn unsaid_en(t: &str, at: usize) -> bool {
    let (_, _, words) = scope_en(t, at, "，。！？；,.!?;：:\n—–―");
    let words = &words[..];
    words.iter().enumerate().any(|(i, w)| {
        NEGATION_EN.contains(&w.as_str())
            && words
                .iter()
                .skip(i + 1)
                .take(3)
                .any(|v| SPEECH_EN.contains(&v.as_str()))
            && !invitation_en(words, i, &t[at..])
    })
}

/// Verbs of saying and promising: what follows them in the clause is what is said.
const SPEECH_ZH: &[&str] = &[
    "说",
    "答应",
    "承诺",
    "保证",
    "讲",
    "告诉",
    "夸",
    "吹",
    "打包票",
    "拍胸脯",
];

/// Whether `at` stands in what a Chinese clause says it will not say ("我不跟您拍胸脯说保证不会再晚",
/// "交期我不敢随口答应你肯定没问题"): a negation, then within a few characters a verb of saying,
/// then the phrase, all in one clause. (The matching form drops “quotation marks”, so the
/// words said are found this way rather than by their quotes.)
fn unsaid_zh(t: &str, at: usize) -> bool {
    let clause = &t[clause_start(t, at, CLAUSE_ZH)..at];
    if !clause.contains(['不', '没', '别']) {
        return false;
    }
    let clause = mask_fixed(clause);
    SPEECH_ZH.iter().any(|v| {
        clause.match_indices(v).any(|(i, _)| {
            let before: Vec<char> = clause[..i].chars().collect();
            let near = &before[before.len().saturating_sub(8)..];
            near.iter().enumerate().any(|(k, &c)| {
                (c == '不' || c == '没' || c == '别')
                    && !(c == '不' && near.get(k + 1).is_some_and(|n| NOT_NEGATING_BU.contains(n)))
            })
        })
    })
}

/// Quotation marks around reported words.
const QUOTES: &[char] = &['\'', '"', '“', '”', '‘', '’', '「', '」', '『', '』'];

/// Whether `at` stands inside quoted words that the sentence refuses to say: "我不跟您拍胸脯说
/// '保证不会再晚'", "I'm not going to tell you 'you get what you pay for'". The quote is the
/// object of a negated verb, so a negation anywhere in its clause before the quote covers it.
fn quoted_negated(t: &str, at: usize) -> bool {
    let sentence = clause_start(t, at, "。！？；.!?;\n");
    let before = &t[sentence..at];
    if !before.contains(QUOTES) {
        return false;
    }
    // English apostrophes inside words (don't, it's) are not quotes.
    let marks: Vec<usize> = before
        .char_indices()
        .filter(|&(i, c)| {
            let inside_a_word = (c == '\'' || c == '’') && {
                let prev = before[..i].chars().next_back();
                let next = before[i + c.len_utf8()..].chars().next();
                prev.is_some_and(|p| p.is_ascii_alphabetic())
                    && next.is_some_and(|n| n.is_ascii_alphabetic())
            };
            QUOTES.contains(&c) && !inside_a_word
        })
        .map(|(i, _)| i)
        .collect();
    if marks.len().is_multiple_of(2) {
        return false;
    }
    let Some(&open) = marks.last() else {
        return false;
    };
    let clause = &before[clause_start(before, open, "，,：:")..open];
    let plain: Vec<char> = clause.chars().collect();
    let zh = plain.iter().enumerate().any(|(i, &c)| {
        (c == '不' || c == '没' || c == '别')
            && !(c == '不'
                && plain
                    .get(i + 1)
                    .is_some_and(|n| NOT_NEGATING_BU.contains(n)))
    });
    zh || words_en(clause)
        .iter()
        .any(|w| NEGATION_EN.contains(&w.as_str()))
}

/// What a speaker says they will stop doing to a thing named first, in Chinese: "资料我就不给您打印
/// 了", "电话也不留了", "转介绍什么的我就不开口了". The thing at `at` is the topic of a negated
/// predicate that closes its clause with 了.
fn fronted_zh(t: &str, at: usize) -> bool {
    let end = t[at..]
        .find(|c: char| "，。！？；,.!?;\n".contains(c) || DASHES.contains(c))
        .map_or(t.len(), |i| at + i);
    // Every refusal below stands in the clause from the thing on.
    if !t[at..end].contains(CUE_CHARS_ZH) {
        return false;
    }
    let clause: Vec<char> = t[at..end].chars().collect();
    let closes = {
        let trimmed: String = clause.iter().collect();
        trimmed
            .trim_end_matches(['吧', '啊', '呀', '哈', '啦', ' '])
            .ends_with('了')
    };
    // "退款是不可能的", "私下给个人的好处我这边不能给": what follows the thing rules it out, with or
    // without 了.
    let rest: String = clause.iter().collect();
    // "私下给您降价对其他业主也不公平", "返点是违规的": the thing judged unfair or against the rules,
    // in the same clause, is refused.
    if [
        "不可能",
        "办不到",
        "没门",
        "免谈",
        "不公平",
        "违规",
        "违法",
        "不合规",
        "不合法",
    ]
    .iter()
    .any(|n| rest.contains(n))
    {
        return true;
    }
    // "系统问题不是理由", "物流慢不能当借口": the thing is named only to be refused as an excuse.
    if ["不是", "不能当", "不能成为", "不该是", "不该当", "算不上"]
        .iter()
        .any(|n| {
            rest.match_indices(n).any(|(i, _)| {
                let after = &rest[i + n.len()..];
                ["理由", "借口", "托词"]
                    .iter()
                    .any(|e| after.starts_with(e))
            })
        })
    {
        return true;
    }
    if ["我", "我们", "咱们"].iter().any(|who| {
        rest.match_indices(who).any(|(i, _)| {
            // "我这边不能给", "我们公司规定不能收": the refusal within a few characters.
            let after: String = rest[i + who.len()..].chars().take(8).collect();
            [
                "不能",
                "不会",
                "绝不",
                "从不",
                "不给",
                "不收",
                "不做",
                "不搞",
                "不干",
                "不碰",
                "一律不",
            ]
            .iter()
            .any(|n| after.contains(n))
        })
    }) {
        return true;
    }
    if !closes {
        return false;
    }
    let worry = ['担', '着', '急', '怕'];
    clause.windows(3).enumerate().any(|(i, w)| {
        // 不用担心 / 不必着急 reassure; 就没了 / 就没有了 says something runs out.
        let reassures =
            ['用', '必'].contains(&w[2]) && clause.get(i + 3).is_some_and(|c| worry.contains(c));
        ['就', '也', '都', '先'].contains(&w[0])
            && (w[1] == '不' || w[1] == '没' || w[1] == '别')
            && !(w[1] == '不' && NOT_NEGATING_BU.contains(&w[2]))
            && !worry.contains(&w[2])
            && !['了', '有'].contains(&w[2])
            && !reassures
    })
}

/// Where the clause holding byte `at` starts, clauses ending at `breaks`.
fn clause_start(t: &str, at: usize, breaks: &str) -> usize {
    t[..at]
        .rfind(|c: char| breaks.contains(c))
        .map_or(0, |i| i + t[i..].chars().next().map_or(1, char::len_utf8))
}

fn negated_zh(t: &str, at: usize) -> bool {
    // A phrase that opens a new predicate (就没了, 才…) is the consequence of what comes before:
    // "今天不拿下次就没了" threatens, it negates nothing.
    if SCOPE_BREAKS_ZH.iter().any(|b| t[at..].starts_with(b)) {
        return false;
    }
    // A list (顿号 、) stays in its clause: a negation before it covers every item.
    let clause_start = clause_start(t, at, CLAUSE_ZH);
    // Every cue below stands before the phrase in its clause.
    if !t[clause_start..at].contains(CUE_CHARS_ZH) {
        return false;
    }
    // "这不是为难我嘛": 不是 in a clause that ends as a question (嘛/吗) asserts, not negates.
    let clause_end = t[at..]
        .find(|c: char| "，。！？；,.!?;：:、\n".contains(c))
        .map_or(t.len(), |i| at + i);
    let rhetorical = t[at..clause_end].ends_with(['嘛', '吗']);
    let masked = mask_fixed(&t[clause_start..at]);
    let clause_owned;
    let mut clause: &str = &masked;
    if rhetorical && clause.contains("不是") {
        clause_owned = clause.replace("不是", "就是");
        clause = &clause_owned;
    }
    // A negation's scope ends where a new predicate starts: in "不给看就是心虚" the 不 is
    // about showing, not about 心虚. Only what follows the last such word counts; the 就 of
    // an "as soon as" clause (我不会一听便宜就降价) starts none.
    let zh_scope = SCOPE_BREAKS_ZH
        .iter()
        .filter_map(|b| {
            clause
                .match_indices(b)
                .filter(|&(i, _)| !(b.starts_with('就') && as_soon_as(clause, i)))
                .map(|(i, _)| i + b.len())
                .max()
        })
        .max()
        .map_or(clause, |i| &clause[i..]);
    // In a list, what counts is what stands before its first item: the items after it are
    // as negated as the first one. The first item itself may take up to four characters.
    // A suggestion asks, it does not negate (为什么不先戴上看看, 何不试试): its 不 is set aside.
    let invited;
    let zh_scope = if INVITATION_ZH.iter().any(|c| zh_scope.contains(c)) {
        invited = INVITATION_ZH.iter().fold(zh_scope.to_owned(), |s, cue| {
            s.replace(cue, &cue.replace('不', "请"))
        });
        invited.as_str()
    } else {
        zh_scope
    };
    let (zh_scope, item) = match LIST_GLUE_ZH.iter().filter_map(|g| zh_scope.find(g)).min() {
        Some(i) => (&zh_scope[..i], 4),
        None => (zh_scope, 0),
    };
    if negates_tail(zh_scope, item) {
        return true;
    }
    // 我不会一听便宜就降价: the negation before 一 reaches past the 就 of the same predicate.
    if let Some(j) = zh_scope
        .match_indices('就')
        .filter(|&(i, _)| as_soon_as(zh_scope, i))
        .find_map(|(i, _)| zh_scope[..i].rfind('一'))
        && negates_tail(&zh_scope[..j], 0)
    {
        return true;
    }
    // 不 + verb + 什么 + thing ("我不跟您找什么系统问题的借口", "不扯什么行情"): the thing is what is
    // not done, however far the verb stands from it.
    if let Some(what) = zh_scope.strip_suffix("什么") {
        let near: Vec<char> = what.chars().rev().take(6).collect();
        if near.iter().enumerate().any(|(k, &c)| {
            (c == '不' || c == '没' || c == '别')
                && !(c == '不' && k > 0 && NOT_NEGATING_BU.contains(&near[k - 1]))
        }) {
            return true;
        }
    }
    false
}

/// Whether the end of `scope` negates what follows it: a negation cue in its last 8
/// characters (plus `item` for a list's first item), or 不/没 within 4 of its end — without
/// the A不A / A没A of a question (是不是, 有没有, 要不要) and not 不少/不错/不过….
fn negates_tail(scope: &str, item: usize) -> bool {
    let chars: Vec<char> = {
        let all: Vec<char> = scope.chars().collect();
        all[all.len().saturating_sub(8 + item)..].to_vec()
    };
    let chars: Vec<char> = chars
        .iter()
        .enumerate()
        .filter(|&(i, &c)| {
            !((c == '不' || c == '没')
                && i > 0
                && chars.get(i + 1).is_some_and(|n| *n == chars[i - 1]))
        })
        .map(|(_, c)| *c)
        .collect();
    let tail: String = chars.iter().collect();
    NEGATION_ZH.iter().any(|c| tail.contains(c))
        || don_t(&chars, item)
        || chars.iter().enumerate().any(|(i, c)| {
            let next = chars.get(i + 1).copied();
            (*c == '不' || *c == '没')
                && chars.len() - i <= 4 + item
                && !(*c == '不' && next.is_some_and(|n| NOT_NEGATING_BU.contains(&n)))
        })
}

/// Whether `chars` (a scope's end) hold a 别 that tells someone not to do what follows, within
/// 4 characters (plus `item`) of the end: "您别往我私人账户转钱", "千万别跟老板说…". Not the 别 of
/// another word (别的, 别人, 别家, 特别, 区别, 级别, 告别 …).
fn don_t(chars: &[char], item: usize) -> bool {
    const WORD_BEFORE: &[char] = &[
        '特', '区', '分', '级', '类', '性', '告', '识', '辨', '差', '个', '派', '鉴', '送', '道',
        '离', '惜', '临', '诀', '判', '甄', '职', '国', '省', '县', '组', '门', '档', '格', '型',
        '款', '号', '辞', '拜', '话', '久', '阔',
    ];
    const WORD_AFTER: &[char] = &[
        '的', '人', '家', '处', '墅', '致', '具', '针', '扭', '样', '名', '号', '称', '克',
    ];
    chars.iter().enumerate().any(|(i, &c)| {
        c == '别'
            && chars.len() - i <= 4 + item
            && !(i > 0 && WORD_BEFORE.contains(&chars[i - 1]))
            && !chars.get(i + 1).is_some_and(|n| WORD_AFTER.contains(n))
    })
}

/// The words of `s` (letters, digits, apostrophes), apostrophes made plain.
fn words_en(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .map(|w| w.replace('’', "'"))
        .collect()
}

/// The English words before `at` in its clause (ended by `breaks`) that a negation there can
/// reach: the scope of a negation ends where a new predicate starts ("…, but your budget").
/// With where the clause starts and how many of its words the new predicate left out.
fn scope_en(t: &str, at: usize, breaks: &str) -> (usize, usize, Vec<String>) {
    let start = clause_start(t, at, breaks);
    let mut words = words_en(&t[start..at]);
    let from = words
        .iter()
        .rposition(|w| SCOPE_BREAKS_EN.contains(&w.as_str()))
        .map_or(0, |i| i + 1);
    words.drain(..from);
    (start, from, words)
}

/// `item`: `at` ends an earlier item of a list (the words before it, back to a comma, are
/// that item), asked on behalf of a later one.
fn negated_en(t: &str, at: usize, item: bool) -> bool {
    let (start, from, words) = scope_en(t, at, "，。！？；,.!?;：:、\n—–―");
    let words = &words[..];
    // The last five words before the phrase; a list's items joined by or/and/nor (each of
    // three words at most) do not count towards the five.
    let mut reach = 5;
    let mut run = 0;
    for w in words.iter().rev() {
        if LIST_GLUE_EN.contains(&w.as_str()) && run <= 3 {
            reach += run + 1;
        }
        run = if LIST_GLUE_EN.contains(&w.as_str()) {
            0
        } else {
            run + 1
        };
    }
    // Heading a list, the negation says what is not done to its items ("I won't ask about
    // budget"); a short interjection before a comma ("No rush,", "Not a problem,") heads none.
    let first = words.len().saturating_sub(reach);
    if (first..words.len())
        .any(|i| NEGATION_EN.contains(&words[i].as_str()) && !invitation_en(words, i, &t[at..]))
    {
        return !item || words.len() > 3;
    }
    // An item of a list set off by commas ("budget, decision-maker, need or timeline"): as
    // negated as the item before it, when nothing but a short item and or/and/nor stands
    // between the comma and the phrase.
    if from == 0
        && start > 0
        && t[..start].ends_with(',')
        && (if item {
            is_item(words)
        } else {
            is_list_tail(words)
                && (words
                    .last()
                    .is_some_and(|w| LIST_GLUE_EN.contains(&w.as_str()))
                    || glue_ahead(&t[at..]))
        })
    {
        return negated_en(t, start - 1, true);
    }
    false
}

/// Whether the negation `words[i]` asks the customer to do something rather than saying it
/// is not done: "why not try it on", "why don't we book a visit", "won't you sit down?",
/// "wouldn't you like to feel it?" (`rest`: the sentence from the phrase on).
fn invitation_en(words: &[String], i: usize, rest: &str) -> bool {
    // Matching may run on stemmed words: "why" is "whi" there.
    if i > 0 && matches!(words[i - 1].as_str(), "why" | "whi") {
        return true;
    }
    let question = rest
        .find(|c: char| ".!;。！；\n".contains(c))
        .map_or(rest, |e| &rest[..e])
        .contains(['?', '？']);
    question
        && matches!(
            words[i].as_str(),
            "won't" | "wouldn't" | "don't" | "wont" | "wouldnt" | "dont"
        )
        && words
            .get(i + 1)
            .is_some_and(|w| matches!(w.as_str(), "you" | "we"))
}

/// Whether `words` can be one item of a list: three words at most besides a lead ("the").
fn is_item(words: &[String]) -> bool {
    let plain = words
        .iter()
        .filter(|w| !ITEM_LEAD_EN.contains(&w.as_str()))
        .count();
    (1..=3).contains(&plain)
}

/// Whether the rest of a sentence goes on as a list: or/and/nor within its next six words.
fn glue_ahead(rest: &str) -> bool {
    let sentence = rest
        .find(|c: char| ".!?;。！？；\n".contains(c))
        .map_or(rest, |i| &rest[..i]);
    words_en(sentence)
        .iter()
        .take(6)
        .any(|w| LIST_GLUE_EN.contains(&w.as_str()))
}

/// Whether the words between a comma and a phrase leave the phrase an item of a list: none,
/// an item's lead ("your"), or a short item and the glue ("need or").
fn is_list_tail(words: &[String]) -> bool {
    let plain: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !ITEM_LEAD_EN.contains(w))
        .collect();
    match plain.as_slice() {
        [] => true,
        [.., last] if LIST_GLUE_EN.contains(last) => plain.len() <= 3,
        _ => false,
    }
}

#[cfg(test)]
mod scope_tests {
    use super::{Cues, negated, negated_en_ways, negated_zh_ways, quoted_negated};

    /// The quick look at a sentence never skips a language's readings where one of them finds
    /// a negation: over every reply of the graded sets kept in the repository (every third of 3 600
    /// replies, both languages), at every character of both forms a phrase is matched in.
    #[test]
    fn the_quick_look_misses_no_negation_a_full_reading_finds() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/calibration");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        files.sort();
        // And one sentence of each reading, some with no cue a word list would hold.
        let own = [
            "a kickback is against company policy.",
            "anything off the books would only put you at risk.",
            "nobody here takes a kickback",
            "i won't ask about budget, decision-maker, need or timeline",
            "系统问题不是理由，是我们没做好",
            "返点之类的,我们从来不碰",
            "也麻烦您别往我私人账户转钱",
            "我们杜绝回扣",
            "私下给您降价对其他业主也不公平",
            "返点是违规的",
            "退款免谈",
            "我不跟您拍胸脯说'保证不会再晚'",
        ]
        .map(|r| format!("{{\"reply\": {r:?}}}\n"))
        .concat();
        let (mut replies, mut places, mut spared) = (0, 0, 0);
        for file in files.iter().map(Some).chain([None]) {
            let text = match file {
                Some(file) => std::fs::read_to_string(file).unwrap_or_default(),
                None => own.clone(),
            };
            let file = file.map_or("own".into(), |f| f.display().to_string());
            // Every third reply of a set: enough of each set and category, in a test run's time.
            let step = if text == own { 1 } else { 3 };
            for line in text.lines().filter(|l| l.starts_with('{')).step_by(step) {
                let v: serde_json::Value =
                    serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}: {e}"));
                let Some(reply) = v["reply"].as_str() else {
                    continue;
                };
                replies += 1;
                let n = crate::text::Normalized::new(reply);
                for t in [&n.0, &n.1] {
                    for (at, _) in t.char_indices() {
                        places += 1;
                        let cues = Cues::around(t, at);
                        let missed = [
                            (!cues.zh && negated_zh_ways(t, at), "Chinese"),
                            (!cues.en && negated_en_ways(t, at), "English"),
                            (!cues.zh && !cues.en && quoted_negated(t, at), "quoted"),
                        ];
                        for (missed, how) in missed {
                            assert!(
                                !missed,
                                "{file}: negated at {at} of {t:?} ({how}), but the quick look saw no cue"
                            );
                        }
                        spared += usize::from(!cues.zh) + usize::from(!cues.en);
                    }
                }
            }
        }
        assert!(
            replies > 1000,
            "only {replies} replies read in {}",
            dir.display()
        );
        // The look must spare work to be worth having.
        assert!(
            spared > places,
            "{spared} of {places} places spared a reading"
        );
    }

    /// Whether `phrase`, found in `text`, is negated there.
    fn neg(text: &str, phrase: &str) -> bool {
        let at = text
            .find(phrase)
            .unwrap_or_else(|| panic!("{phrase} in {text}"));
        negated(text, at)
    }

    #[test]
    fn a_negation_covers_the_consequence_of_an_as_soon_as_clause() {
        // 一…就 is one predicate: the negation before 一 covers what follows 就.
        assert!(neg("我不会一听别家便宜就直接降价", "降价"));
        assert!(neg("我们不会一有问题就推给厂家", "推给厂家"));
        assert!(neg(
            "i won't cut the price as soon as you mention a rival",
            "cut the price"
        ));
        // A 就 with no 一 before it still starts a new predicate.
        assert!(!neg("今天不拿下次就没了", "没了"));
    }

    #[test]
    fn a_negated_verb_covers_its_what_object() {
        // 不 + verb + 什么 + thing: the thing is what is not done.
        assert!(neg("我不跟您找什么系统问题的借口", "系统问题"));
        assert!(neg("我不给您扯什么市场行情", "市场行情"));
        assert!(!neg("您最关心的是什么系统问题", "系统问题"));
    }

    #[test]
    fn a_thing_called_no_excuse_is_rejected() {
        assert!(neg("系统问题不是理由，是我们没做好", "系统问题"));
        assert!(neg("物流慢不能当借口", "物流慢"));
        assert!(!neg("系统问题我们今天就修好", "系统问题"));
    }

    #[test]
    fn a_topic_the_next_clause_refuses_is_negated() {
        assert!(neg("个人好处、回扣这些,我们公司不做", "回扣"));
        assert!(neg(
            "个人的回扣、购物卡,我们公司一律不做,我也不会做",
            "购物卡"
        ));
        assert!(neg(
            "私下返点、发票上做手脚那一套我不搞,对你对我都不好",
            "私下返点"
        ));
        assert!(neg("返点之类的,我们从来不碰", "返点"));
        // A topic needs a list or a summing-up word; the comment must refuse, not reassure.
        assert!(!neg("我们给您返点,不会让您吃亏", "返点"));
        assert!(!neg("返点、回扣这些,我们都给您安排好", "回扣"));
        assert!(!neg("回扣、返点这些,我们不会让您吃亏", "回扣"));
    }

    #[test]
    fn a_thing_the_sentence_refuses_after_naming_it_is_negated() {
        assert!(neg(
            "anything off the books would only put you at risk, and i won't do that to you.",
            "off the books"
        ));
        assert!(neg(
            "i told you it would be today, and i shouldn't have — the depot sets the times.",
            "i told you"
        ));
        assert!(neg("a kickback is against company policy.", "kickback"));
        // The refusal must follow in the same sentence.
        assert!(!neg(
            "i can sort a little something off the books. i won't do that to your boss though.",
            "off the books"
        ));
        assert!(!neg("as i told you, it's final.", "i told you"));
    }

    #[test]
    fn fixed_phrases_with_bu_negate_nothing() {
        assert!(!neg("不好意思让您久等了", "让您久等"));
        assert!(!neg("实在不行我给您降5%", "给您降"));
        assert!(!neg("要不我先给您安排试戴", "安排试戴"));
        assert!(!neg("不光价格，服务我们也包", "服务"));
        // A real negation next to them still counts.
        assert!(neg("不好意思，我们不能给您私下返点", "私下返点"));
        assert!(neg("这个不行，不能给您降价", "降价"));
    }

    #[test]
    fn bu_shi_denies_and_bie_forbids_what_follows() {
        assert!(neg("直接抵在小票上，不是私下塞的红包", "红包"));
        assert!(neg("也麻烦您别往我私人账户转钱", "私人账户"));
        assert!(neg("千万别跟老板说一定能省三成", "一定能省"));
        // Not the 别 of another word, not 要不是, and 不是…而是 still ends at 而是.
        assert!(!neg("别的店的回扣给得多", "回扣"));
        assert!(!neg("特别红包给您准备好了", "红包"));
        assert!(!neg("要不是您提醒，返点的事我就忘了", "返点"));
        assert!(!neg("不是不想给，而是返点给到您个人", "返点给到您个人"));
    }

    #[test]
    fn nothing_and_nobody_negate() {
        assert!(neg(
            "a published credit. nothing under the table",
            "under the table"
        ));
        assert!(neg("nobody here takes a kickback", "takes a kickback"));
    }

    #[test]
    fn a_dash_ends_a_negations_scope() {
        assert!(!neg(
            "no excuse for it — we got it wrong",
            "we got it wrong"
        ));
        assert!(!neg("不找借口——是我们做错了", "我们做错了"));
        assert!(neg(
            "no excuse, no delay — we won't blame the courier",
            "blame the courier"
        ));
    }
}
