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
    "不搞",
    "不收",
    "不给",
    "不做",
    "不拿",
    "不送",
    "不许",
    "不必",
];
/// Words that start a new predicate and so end the scope of a negation before them.
pub(crate) const SCOPE_BREAKS_ZH: &[&str] = &[
    "就是", "就", "但是", "但", "可是", "所以", "而是", "反而", "才",
];
/// `不` followed by these is not a negation of what follows (不少, 不错, 不过 …).
pub(crate) const NOT_NEGATING_BU: &[char] = &[
    '少', '错', '过', '仅', '断', '久', '同', '如', '管', '妨', '然', '太',
];
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
];

/// Whether the phrase at byte offset `at` of the normalized `t` is negated: a negation cue
/// stands before it in the same clause, within a few characters (Chinese) or words (English).
pub fn negated(t: &str, at: usize) -> bool {
    let clause_start = t[..at]
        .rfind(|c: char| "，。！？；,.!?;：:、\n".contains(c))
        .map_or(0, |i| i + t[i..].chars().next().map_or(1, char::len_utf8));
    // "这不是为难我嘛": 不是 in a clause that ends as a question (嘛/吗) asserts, not negates.
    let clause_end = t[at..]
        .find(|c: char| "，。！？；,.!?;：:、\n".contains(c))
        .map_or(t.len(), |i| at + i);
    let rhetorical = t[at..clause_end].ends_with(['嘛', '吗']);
    let clause_owned;
    let mut clause = &t[clause_start..at];
    if rhetorical && clause.contains("不是") {
        clause_owned = clause.replace("不是", "就是");
        clause = &clause_owned;
    }
    // A negation's scope ends where a new predicate starts: in "不给看就是心虚" the 不 is
    // about showing, not about 心虚. Only what follows the last such word counts.
    let zh_scope = SCOPE_BREAKS_ZH
        .iter()
        .filter_map(|b| clause.rfind(b).map(|i| i + b.len()))
        .max()
        .map_or(clause, |i| &clause[i..]);
    // Chinese: the last 8 characters before the phrase, without the A不A / A没A of a
    // question (是不是, 有没有, 要不要), which negates nothing.
    let chars: Vec<char> = {
        let all: Vec<char> = zh_scope.chars().collect();
        all[all.len().saturating_sub(8)..].to_vec()
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
    if NEGATION_ZH.iter().any(|c| tail.contains(c)) {
        return true;
    }
    for (i, c) in chars.iter().enumerate() {
        if *c == '不' || *c == '没' {
            let next = chars.get(i + 1).copied();
            // Within four characters of the phrase, and not 不少/不错/不过….
            if chars.len() - i <= 4
                && !(*c == '不' && next.is_some_and(|n| NOT_NEGATING_BU.contains(&n)))
            {
                return true;
            }
        }
    }
    // English: the last five words before the phrase.
    let words: Vec<&str> = clause
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .collect();
    words[words.len().saturating_sub(5)..]
        .iter()
        .any(|w| NEGATION_EN.contains(&w.replace('’', "'").as_str()))
}
