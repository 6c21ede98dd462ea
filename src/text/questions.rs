//! Questions: open or closed.

use super::*;

pub(crate) const CLOSED_ZH: &[&str] = &[
    "吗",
    "是不是",
    "对不对",
    "有没有",
    "要不要",
    "能不能",
    "可不可以",
    "好不好",
    "行不行",
];
pub(crate) const CLOSED_EN: &[&str] = &[
    "do you",
    "does ",
    "did you",
    "is it",
    "is there",
    "are you",
    "are there",
    "can you",
    "could you",
    "would you",
    "will you",
    "have you",
    "shall we",
];

/// Whole-word match for ASCII phrases, plain substring for Chinese ones.
pub(crate) fn has_marker(t: &str, marker: &str) -> bool {
    if !marker.is_ascii() {
        return t.contains(marker);
    }
    t.match_indices(marker).any(|(i, _)| {
        let before = t[..i].chars().next_back();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Asks something: a question mark, or a question word or particle.
pub fn is_question(text: &str) -> bool {
    question_n(&normalize(text))
}

/// [`is_question`] of a text normalized once.
pub fn is_question_in(t: &Normalized) -> bool {
    question_n(&t.0)
}

pub(crate) fn question_n(t: &str) -> bool {
    t.contains('?')
        || open_question_n(t)
        || CLOSED_ZH.iter().any(|m| t.contains(m))
        || t.ends_with('呢')
        || CLOSED_EN.iter().any(|m| t.starts_with(m.trim_end()))
}

/// Asks an open question, one that cannot be answered with yes or no:
/// - Chinese: 什么, 怎么, 为什么, 如何, 怎样, any 哪 (哪一步, 哪几位, 哪里), 几 before a
///   measure word (几位, 几个, 几月份; not 几乎/几十), 多少, 多久, 多大, 多长, 多远;
/// - a request to tell (说说, 讲讲, 谈谈, 聊聊, 介绍一下) only when it asks the customer, not when
///   the salesperson announces it ("我给您介绍一下" is a statement);
/// - English wh-words only in a sentence that asks (ends with "?" or starts with the word):
///   "the one which you liked." asks nothing; "tell me", "walk me through" and "describe" ask.
pub fn is_open_question(text: &str) -> bool {
    open_question_n(&normalize(text))
}

/// [`is_open_question`] of a text normalized once.
pub fn is_open_question_in(t: &Normalized) -> bool {
    open_question_n(&t.0)
}

pub(crate) fn open_question_n(t: &str) -> bool {
    let holds = Holds::of(t);
    sentences(t).any(|(s, asks)| open_in_sentence(s, asks, holds))
}

/// Which kinds of open-question markers a whole text holds: what the text does not hold, none
/// of its sentences does, and a long reply of many sentences is not searched for it in each.
#[derive(Clone, Copy)]
struct Holds {
    always_zh: bool,
    ji: bool,
    tell_zh: bool,
    latin: bool,
}

impl Holds {
    fn of(t: &str) -> Self {
        Holds {
            always_zh: OPEN_ALWAYS_ZH.iter().any(|m| t.contains(m)),
            ji: t.contains('几'),
            tell_zh: TELL_ZH.iter().any(|m| t.contains(m)),
            latin: t.bytes().any(|b| b.is_ascii_alphabetic()),
        }
    }
}

/// The sentences of a normalized text, each with whether it ends with a question mark.
pub(crate) fn sentences(t: &str) -> impl Iterator<Item = (&str, bool)> {
    let mut rest = t;
    std::iter::from_fn(move || {
        while rest.starts_with(|c: char| c.is_whitespace()) {
            rest = &rest[1..];
        }
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .find(|c: char| "。!?;；\n".contains(c) || c == '.')
            .map_or(rest.len(), |i| {
                i + rest[i..].chars().next().map_or(1, char::len_utf8)
            });
        let (s, r) = rest.split_at(end);
        rest = r;
        Some((s, s.ends_with('?')))
    })
}

pub(crate) const OPEN_ALWAYS_ZH: &[&str] = &[
    "什么",
    "怎么",
    "为什么",
    "如何",
    "怎样",
    "哪",
    "多少",
    "多久",
    "多大",
    "多长",
    "多远",
    "多高",
    "多重",
];
pub(crate) const TELL_ZH: &[&str] = &["说说", "讲讲", "谈谈", "聊聊", "介绍一下", "介绍介绍"];
/// Before a request to tell, these make it the salesperson's own announcement.
pub(crate) const ANNOUNCE_ZH: &[&str] = &[
    "我给您",
    "我给你",
    "我来",
    "我先",
    "我帮您",
    "我跟您",
    "给您",
    "给你",
    "我再",
];
/// Measure words after 几 that make it ask "how many".
pub(crate) const MEASURE_ZH: &str = "个位天月号点次年岁种款间家口人步分周层套件类样名";

/// Whether the sentence `s` (of a text that `holds` these markers) asks an open question.
fn open_in_sentence(s: &str, asks: bool, holds: Holds) -> bool {
    if holds.always_zh && OPEN_ALWAYS_ZH.iter().any(|m| s.contains(m)) {
        return true;
    }
    // 几 + measure word asks (几个人、几点); after 这/那/好/十 it counts (这几款、十几个).
    if holds.ji && {
        let chars: Vec<char> = s.chars().collect();
        chars.windows(2).enumerate().any(|(i, w)| {
            w[0] == '几'
                && MEASURE_ZH.contains(w[1])
                && !(i > 0 && "这那好十".contains(chars[i - 1]))
        })
    } {
        return true;
    }
    for m in TELL_ZH.iter().filter(|_| holds.tell_zh) {
        for (i, _) in s.match_indices(m) {
            let before = &s[..i];
            if !ANNOUNCE_ZH.iter().any(|a| before.contains(a)) {
                return true;
            }
        }
    }
    if !holds.latin {
        return false;
    }
    const REQUESTS_EN: &[&str] = &["tell me", "walk me through", "describe", "talk me through"];
    if REQUESTS_EN.iter().any(|m| has_marker(s, m)) {
        return true;
    }
    const WH_EN: &[&str] = &["what", "how", "why", "which", "where", "when", "who"];
    let first = s
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\''))
        .find(|w| !w.is_empty())
        .unwrap_or("");
    WH_EN.iter().any(|w| {
        let starts = first
            .strip_prefix(w)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('\''));
        starts || (asks && has_word(s, w))
    })
}

/// `word` stands in `t` as a whole word.
pub(crate) fn has_word(t: &str, word: &str) -> bool {
    occurrences(t, &LazyBounds::from(Bounds::default()), word)
        .next()
        .is_some()
}

/// Asks a closed question (吗/是不是/有没有, do/is/are/can…) and no open one.
pub fn is_closed_question(text: &str) -> bool {
    let t = normalize(text);
    !is_open_question(text)
        && (CLOSED_ZH.iter().any(|m| t.contains(m))
            || CLOSED_EN.iter().any(|m| has_marker(&t, m.trim_end()))
            || t.contains('?'))
}
