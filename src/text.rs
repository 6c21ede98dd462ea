//! Text analysis that works for Chinese and English alike: phrase matching, character and word
//! counts, questions (open versus closed), prices and numbers.
//!
//! Used by the declarative rubric rules and exposed to scripts as the `text::` module. All
//! functions are pure and linear in the length of their input.

/// Lower-cases, folds full-width ASCII (Ａ, ？, ！) to half-width and collapses white space, so
/// phrases match however the trainee typed them.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        last_space = false;
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The phrases of `phrases` found in `text` (both normalized), in list order.
pub fn found<'a>(text: &str, phrases: &'a [String]) -> Vec<&'a str> {
    let t = normalize(text);
    phrases
        .iter()
        .filter(|p| {
            let p = normalize(p);
            !p.is_empty() && t.contains(&p)
        })
        .map(String::as_str)
        .collect()
}

pub fn contains_any(text: &str, phrases: &[String]) -> bool {
    !found(text, phrases).is_empty()
}

pub fn contains_all(text: &str, phrases: &[String]) -> bool {
    found(text, phrases).len() == phrases.len()
}

/// How many times `phrase` occurs in `text` (normalized, non-overlapping).
pub fn count(text: &str, phrase: &str) -> usize {
    let p = normalize(phrase);
    if p.is_empty() {
        return 0;
    }
    normalize(text).matches(&p).count()
}

/// Characters that are not white space (a Chinese character counts one).
pub fn char_count(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// Words: each CJK character is one word (Chinese has no spaces), plus runs of letters or
/// digits for other scripts.
pub fn word_count(text: &str) -> usize {
    let mut n = 0;
    let mut in_word = false;
    for c in text.chars() {
        if is_cjk(c) {
            n += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                n += 1;
                in_word = true;
            }
        } else {
            in_word = false;
        }
    }
    n
}

const OPEN_ZH: &[&str] = &[
    "什么",
    "怎么",
    "为什么",
    "如何",
    "哪些",
    "哪个",
    "哪里",
    "哪方面",
    "多少",
    "怎样",
    "几个",
    "说说",
    "讲讲",
    "谈谈",
    "介绍一下",
];
const OPEN_EN: &[&str] = &[
    "what",
    "how",
    "why",
    "which",
    "where",
    "when",
    "who",
    "tell me",
    "describe",
    "walk me through",
];
const CLOSED_ZH: &[&str] = &[
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
const CLOSED_EN: &[&str] = &[
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
fn has_marker(t: &str, marker: &str) -> bool {
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
    let t = normalize(text);
    t.contains('?')
        || is_open_question(text)
        || CLOSED_ZH.iter().any(|m| t.contains(m))
        || t.ends_with('呢')
        || CLOSED_EN.iter().any(|m| t.starts_with(m.trim_end()))
}

/// Asks an open question (什么/怎么/为什么/如何/哪些/多少, what/how/why…), one that cannot
/// be answered with yes or no.
pub fn is_open_question(text: &str) -> bool {
    let t = normalize(text);
    OPEN_ZH.iter().any(|m| t.contains(m)) || OPEN_EN.iter().any(|m| has_marker(&t, m))
}

/// Asks a closed question (吗/是不是/有没有, do/is/are/can…) and no open one.
pub fn is_closed_question(text: &str) -> bool {
    let t = normalize(text);
    !is_open_question(text)
        && (CLOSED_ZH.iter().any(|m| t.contains(m))
            || CLOSED_EN.iter().any(|m| has_marker(&t, m.trim_end()))
            || t.contains('?'))
}

const CN_DIGITS: &str = "零〇一二两三四五六七八九十百千万亿";
const PRICE_UNITS_ZH: &[&str] = &[
    "元",
    "块",
    "万",
    "千",
    "折",
    "价格",
    "报价",
    "多少钱",
    "优惠",
];
const PRICE_WORDS_EN: &[&str] = &["price", "cost", "rmb", "yuan", "usd", "discount", "dollar"];

/// Mentions a price or an amount: a currency sign, digits, a price word, or a Chinese numeral
/// followed by a unit (三千元, 两万).
pub fn mentions_price(text: &str) -> bool {
    let t = normalize(text);
    if t.chars()
        .any(|c| matches!(c, '¥' | '￥' | '$' | '€' | '%') || c.is_ascii_digit())
    {
        return true;
    }
    if PRICE_WORDS_EN.iter().any(|w| has_marker(&t, w)) {
        return true;
    }
    if ["价格", "报价", "多少钱", "优惠", "打折", "折扣"]
        .iter()
        .any(|w| t.contains(w))
    {
        return true;
    }
    let chars: Vec<char> = t.chars().collect();
    chars
        .windows(2)
        .any(|w| CN_DIGITS.contains(w[0]) && PRICE_UNITS_ZH.iter().any(|u| u.starts_with(w[1])))
}

#[cfg(test)]
mod tests {
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
    fn prices_and_numbers() {
        assert!(mentions_price("这款是3999元"));
        assert!(mentions_price("只要三千块"));
        assert!(mentions_price("¥5,000"));
        assert!(mentions_price("The price is fair"));
        assert!(!mentions_price("我们一起看看这一款"));
        assert!(!mentions_price("Let me show you"));
    }
}
