//! Whether a reply reads as a list of keywords.

use super::*;

/// Function characters of Chinese: a sentence said to someone has some (您/我/的/了/吗…); a
/// run of keywords has none.
pub(crate) const FUNCTION_ZH: &str = "的了您你我是吗呢吧在和这那就也都很能会要给让把跟们他她它对还再先可去来得着过为从到以所如因但而或之啊呀哦嗯么什怎哪谁几多请帮";
pub(crate) const FUNCTION_EN: &[&str] = &[
    "the", "a", "an", "you", "your", "i", "i'm", "i'll", "we", "we'll", "our", "to", "is", "are",
    "was", "of", "for", "and", "it", "it's", "that", "this", "with", "can", "could", "would",
    "what", "how", "why", "which", "who", "in", "on", "at", "so", "if", "do", "does", "me", "my",
    "us", "they", "their", "be", "have", "has", "let's", "let", "or", "but", "as", "about",
];

/// Sentence-final particles of Chinese (吗, 呢, 吧…).
pub(crate) const PARTICLES_ZH: &[char] = &['吗', '呢', '吧', '啊', '呀', '嘛', '哦', '啦'];

/// Whether a reply is question words with nothing behind them: three questions or more, and
/// most of its pieces without a content word of their own ("哪方面？什么方面？具体呢？还有吗？",
/// "What? How? Why? Which part?"). A reply that asks real questions names what it asks about.
pub fn reads_as_hollow_questions_in(t: &Normalized) -> bool {
    let text = &t.0;
    let questions = text.matches(['？', '?']).count();
    if questions < 3 {
        return false;
    }
    let pieces: Vec<&str> = text
        .split(|c: char| "，。！？；,.!?;\n".contains(c))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let hollow = pieces.iter().filter(|p| !has_content(p)).count();
    hollow >= 3 && hollow * 5 >= pieces.len() * 3
}

/// Whether a reply is mostly one thing said over and over ("理解理解，非常理解您，完全理解", "审批快，
/// 审批快，审批真的快", "great value, great value"): one content unit stands three times or more
/// and makes a quarter or more of all the content units the reply says; or most of what it
/// says it says twice ("交期短交期短，售后好售后好": at least six content units, three in five of
/// them repeats). A reply that names the subject of the conversation several times among much
/// else is not one.
pub fn reads_as_repetition_in(t: &Normalized) -> bool {
    // Chinese pairs and the units of pieces with no Chinese are counted apart (a pair is two
    // Chinese characters, a unit has none, so none is counted in both), the pairs by their
    // characters: a long reply holds thousands.
    let mut pairs: std::collections::HashMap<(char, char), usize> =
        std::collections::HashMap::new();
    let mut units: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut total = 0;
    for piece in t.0.split(|c: char| "，。！？；、,.!?;:：\n ".contains(c)) {
        let mut cjk = false;
        let mut last: Option<char> = None;
        // Every occurrence counts here (content_units keeps one of each).
        for c in piece.chars() {
            cjk |= is_cjk(c);
            if let Some(a) = last
                && content_pair(a, c)
            {
                *pairs.entry((a, c)).or_default() += 1;
                total += 1;
            }
            last = Some(c);
        }
        if !cjk {
            for u in content_units(piece) {
                *units.entry(u).or_default() += 1;
                total += 1;
            }
        }
    }
    let counts = || pairs.values().chain(units.values()).copied();
    let most = counts().max().unwrap_or(0);
    let repeated: usize = counts().filter(|n| *n >= 2).sum();
    (most >= 3 && most * 4 >= total) || (total >= 6 && repeated * 5 >= total * 3)
}

/// Whether a reply reads as a list of keywords rather than something said to a customer:
/// most of its pieces (split at punctuation and spaces) are short runs with no function word
/// (的/了/您/吗…, the/you/to/is…), or it is one long run with none. "效率 协同 流程 痛点",
/// "独特设计！寓意好！工艺好！" and "亮点设计工艺独特寓意" read so; "您眼光真好，这款的设计灵感来自海浪" does not.
pub fn reads_as_keyword_list(text: &str) -> bool {
    keyword_list_n(&normalize(text))
}

/// [`reads_as_keyword_list`] of a text normalized once.
pub fn reads_as_keyword_list_in(t: &Normalized) -> bool {
    keyword_list_n(&t.0)
}

pub(crate) fn keyword_list_n(t: &str) -> bool {
    let pieces: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || "，。！？；、,.!?;:：\"'“”‘’（）()…—-/".contains(c))
        .filter(|p| !p.is_empty())
        .collect();
    if pieces.is_empty() {
        return false;
    }
    let bare = |p: &str| -> bool {
        // A particle tacked on the end ("欢迎光临吗") does not make a keyword a sentence.
        let p = p.trim_end_matches(PARTICLES_ZH);
        let cjk: Vec<char> = p.chars().filter(|c| is_cjk(*c)).collect();
        if !cjk.is_empty() {
            return !cjk.iter().any(|c| FUNCTION_ZH.contains(*c));
        }
        // A piece of Latin words (split at spaces, so one word here).
        !FUNCTION_EN.contains(&p)
    };
    // English pieces are single words: group runs of Latin words back into phrases by the
    // original punctuation instead.
    let latin_words = pieces.iter().filter(|p| !p.chars().any(is_cjk)).count();
    if latin_words * 2 > pieces.len() {
        let phrases: Vec<Vec<&str>> = t
            .split(|c: char| "，。！？；、,.!?;:：\"“”（）()…—/".contains(c))
            .map(|ph| ph.split_whitespace().collect::<Vec<_>>())
            .filter(|ph| !ph.is_empty())
            .collect();
        let bare_phrases = phrases
            .iter()
            .filter(|ph| ph.len() <= 3 && ph.iter().all(|w| !FUNCTION_EN.contains(w)))
            .count();
        let all_words = phrases.iter().map(Vec::len).sum::<usize>();
        let function_words = phrases
            .iter()
            .flatten()
            .filter(|w| FUNCTION_EN.contains(w))
            .count();
        return (bare_phrases >= 3 && bare_phrases * 5 >= phrases.len() * 3)
            || (all_words >= 4 && function_words == 0);
    }
    let cjk_total = t.chars().filter(|c| is_cjk(*c)).count();
    let avg_len = |ps: &[&str]| -> f64 {
        ps.iter().map(|p| p.chars().count()).sum::<usize>() as f64 / ps.len().max(1) as f64
    };
    // Words separated by spaces: a list, unless most pieces are phrases said to someone.
    let tokens: Vec<&str> = t.split_whitespace().collect();
    let bare_tokens: Vec<&str> = tokens.iter().copied().filter(|p| bare(p)).collect();
    if bare_tokens.len() >= 3
        && bare_tokens.len() * 5 >= tokens.len() * 3
        && avg_len(&bare_tokens) <= 6.0
    {
        return true;
    }
    // Slogans between punctuation: most pieces short (≤ 4 characters on average) and bare.
    // "这套南北通透、采光好，儿童房朝南" is terse but describes; its pieces are longer.
    let bare_pieces: Vec<&str> = pieces.iter().copied().filter(|p| bare(p)).collect();
    if bare_pieces.len() >= 3
        && bare_pieces.len() * 5 >= pieces.len() * 3
        && avg_len(&bare_pieces) <= 4.0
    {
        return true;
    }
    // One long run of keywords.
    bare_pieces.len() == pieces.len() && cjk_total >= 10
}
