//! What a turn is about, and whether a reply takes it up.

use super::*;

/// Characters too common to show two texts are about the same thing.
pub(crate) const COMMON_ZH: &str = "一个有没说下上多少点些样太好啊吗呢嘛哈对是最";
/// Words any question may use whatever it is about ("what matters most to you", "您最看重
///什么"): they are not content of their own.
pub(crate) const GENERIC_ZH: &[&str] = &[
    "看重", "关心", "在意", "重要", "觉得", "希望", "需要", "想要", "了解", "考虑", "情况", "方面",
    "地方", "时候", "具体", "主要", "一般", "平时", "现在", "今天", "知道", "意思", "东西", "事情",
    "怎样", "为何", "如何", "喜欢",
];
pub(crate) const GENERIC_EN: &[&str] = &[
    "matter",
    "most",
    "important",
    "think",
    "feel",
    "like",
    "want",
    "need",
    "know",
    "mean",
    "tell",
    "more",
    "thing",
    "part",
    "kind",
    "sort",
    "really",
    "usual",
    "today",
    "also",
    "else",
    "exact",
    "much",
    "mani",
    "prefer",
    "look",
    "help",
    "best",
    "would",
    "could",
    "should",
    "there",
    "these",
    "those",
    "then",
    "when",
    "where",
    "what",
    "whi",
    "which",
    "will",
    "just",
    "have",
    "your",
    "mine",
    "yours",
    "ours",
    "okay",
    "right",
    "great",
    "good",
    "sure",
    "thank",
    "thanks",
    "pleas",
    "about",
    "with",
    "from",
    "that",
    "this",
    "they",
    "them",
    "been",
    "were",
];

/// The content units of a normalized text: pairs of adjacent Chinese characters with no
/// function character in them, and English words of four letters or more (stemmed) that are
/// not function words.
pub(crate) fn content_units(t: &str) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    visit_content_units(t, |u| {
        out.insert(u.to_owned());
        false
    });
    out
}

/// Hands every content unit of `t` (see [`content_units`]; repeats included) to `stop`, pairs
/// first, until it says stop; whether it did.
fn visit_content_units(t: &str, mut stop: impl FnMut(&str) -> bool) -> bool {
    let chars: Vec<char> = t.chars().collect();
    let mut pair = String::with_capacity(8);
    for w in chars.windows(2) {
        if content_pair(w[0], w[1]) {
            pair.clear();
            pair.extend(w);
            if stop(&pair) {
                return true;
            }
        }
    }
    stem_words(t)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 4 && !FUNCTION_EN.contains(w) && !GENERIC_EN.contains(w))
        .any(stop)
}

/// Whether the pair of Chinese characters `a b` is a content unit (see [`content_units`]).
/// Called for every pair of every reply (a long one has thousands): the function characters
/// and the generic pairs are looked up in sets built once.
pub(crate) fn content_pair(a: char, b: char) -> bool {
    use std::collections::HashSet;
    use std::sync::LazyLock;
    static NOT_CONTENT: LazyLock<HashSet<char>> =
        LazyLock::new(|| FUNCTION_ZH.chars().chain(COMMON_ZH.chars()).collect());
    static GENERIC: LazyLock<HashSet<(char, char)>> = LazyLock::new(|| {
        GENERIC_ZH
            .iter()
            .filter_map(|w| {
                let mut c = w.chars();
                Some((c.next()?, c.next()?))
            })
            .collect()
    });
    let content = |c: char| is_cjk(c) && !NOT_CONTENT.contains(&c);
    content(a) && content(b) && !GENERIC.contains(&(a, b))
}

/// Whether `t` (normalized) has at least one content unit: [`content_units`] not empty,
/// without building the set.
pub(crate) fn has_content(t: &str) -> bool {
    visit_content_units(t, |_| true)
}

/// What a turn is about, as content units (see [`takes_up`]); computed once per turn.
#[derive(Debug, Default)]
pub struct Topic(std::collections::HashSet<String>);

impl Topic {
    pub fn new(text: &str) -> Self {
        Topic(content_units(&normalize(text)))
    }
}

/// Whether the reply's first sentence says back the customer's own words: at least two content
/// units of `customer` (a normalized line) stand in it ("哦，是表格加司机每天报。" after "就用表格记，
/// 司机每天报一下。"). Listening shows in the words one repeats.
pub fn echoes(reply: &Normalized, customer: &str) -> bool {
    echoes_in(&opening_units(reply), customer)
}

/// Whether the reply takes up something of the topic (the customer's words, the step's goal,
/// the model answer): they share a content word. A question about the customer's suit while
/// they talk about the proposal shares none. A question with no content word of its own
/// ("您想了解什么？") asks the customer to talk and takes up whatever they said.
pub fn takes_up(reply: &Normalized, topic: &Topic) -> bool {
    // Stops at the first unit the topic holds, without building the reply's set.
    let mut any = false;
    visit_content_units(&reply.0, |u| {
        any = true;
        topic.0.contains(u)
    }) || !any
}

/// The content units of the reply's first sentence: what [`echoes`] reads, and
/// [`on_topic_in`] (computed once per reply, read by both).
pub fn opening_units(reply: &Normalized) -> std::collections::HashSet<String> {
    let first = reply
        .0
        .find(|c: char| "。！？.!?\n".contains(c))
        .map_or(reply.0.as_str(), |i| &reply.0[..i]);
    content_units(first)
}

/// Whether the reply's opening units (see [`opening_units`]) hold at least two of the
/// customer's line (normalized): [`echoes`] from units already computed.
pub fn echoes_in(opening: &std::collections::HashSet<String>, customer: &str) -> bool {
    let theirs = content_units(customer);
    opening.iter().filter(|u| theirs.contains(*u)).count() >= 2
}

/// Whether the reply opens on the turn's topic: its first sentence shares a content word with
/// it ([`takes_up`] without its allowance for a reply with no content word of its own: "好的。"
/// takes up nothing).
pub fn on_topic_in(opening: &std::collections::HashSet<String>, topic: &Topic) -> bool {
    opening.iter().any(|u| topic.0.contains(u))
}

/// How much of a reply stays on the conversation's subject: the share of its content units
/// (see [`content_units`]) that `scene` holds, read from its first 1 000 characters (a share
/// needs no more). None for a reply with no content word at all ("好的。", "您想了解什么？").
pub fn share_on(reply: &Normalized, scene: &Topic) -> Option<f64> {
    let text = reply
        .0
        .char_indices()
        .nth(1000)
        .map_or(reply.0.as_str(), |(i, _)| &reply.0[..i]);
    let mine = content_units(text);
    if mine.is_empty() {
        return None;
    }
    Some(mine.iter().filter(|u| scene.0.contains(*u)).count() as f64 / mine.len() as f64)
}

/// How often the reply speaks to the customer (您, 你, "you", "your"), counted up to three:
/// a reply about the customer's situation says "you"; a pitch says "we". Three say that as
/// well as thirty.
pub fn addresses_in(reply: &Normalized) -> usize {
    let zh = reply
        .0
        .chars()
        .filter(|c| matches!(c, '您' | '你'))
        .take(3)
        .count();
    let en = reply
        .0
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| matches!(*w, "you" | "your" | "yours" | "yourself" | "yourselves"))
        .take(3)
        .count();
    (zh + en).min(3)
}
