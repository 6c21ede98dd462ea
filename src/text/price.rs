//! Prices: mentioned, quoted.

use super::*;

pub(crate) const PRICE_WORDS_EN: &[&str] =
    &["price", "cost", "rmb", "yuan", "usd", "discount", "dollar"];

/// Mentions a price: a currency sign, a price word (价格, 多少钱, 优惠, price…), a number with a
/// money unit (3999元, 5千, 200 yuan), a bare number of 100 or more standing alone (3800), or a
/// spoken Chinese amount (三千八, 两千五, 八百八, 一万二, 三千块). Not a price: the gold mark of
/// 18K or 999足金, PT950, 0.5克拉, a year, a count of people or days, 一块儿 (together).
pub fn mentions_price(text: &str) -> bool {
    mentions_price_n(&normalize(text))
}

fn mentions_price_n(t: &str) -> bool {
    speaks_of_price_n(t) || quotes_price_n(t)
}

/// Uses a word about price (价格, 优惠, "discount"…): what [`mentions_price`] finds besides an
/// amount ([`quotes_price`]). Scoring asks both, so each is read once.
pub fn speaks_of_price_in(t: &Normalized) -> bool {
    speaks_of_price_n(&t.0)
}

fn speaks_of_price_n(t: &str) -> bool {
    PRICE_WORDS_EN.iter().any(|w| has_marker(t, w))
        || [
            "价格",
            "报价",
            "多少钱",
            "优惠",
            "打折",
            "折扣",
            "价钱",
            "售价",
            "一口价",
            "块钱",
        ]
        .iter()
        .any(|w| t.contains(w))
}

/// Names an amount of money (what [`mentions_price`] finds, less the words about price:
/// "价格您放心" mentions the price but quotes none).
pub fn quotes_price(text: &str) -> bool {
    quotes_price_n(&normalize(text))
}

/// [`quotes_price`] of a text normalized once.
pub fn quotes_price_in(t: &Normalized) -> bool {
    quotes_price_n(&t.0)
}

pub(crate) fn quotes_price_n(t: &str) -> bool {
    if t.chars().any(|c| matches!(c, '¥' | '￥' | '$' | '€')) {
        return true;
    }
    let chars: Vec<char> = t.chars().collect();
    // Arabic numbers.
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == ',' || chars[i] == '.') {
            i += 1;
        }
        let number: String = chars[start..i].iter().filter(|c| **c != ',').collect();
        let value: f64 = number.trim_end_matches('.').parse().unwrap_or(0.0);
        let before = start.checked_sub(1).map(|j| chars[j]);
        let rest: String = chars[i..].iter().take(8).collect();
        let rest = rest.trim_start();
        let unit = [
            "元", "块", "万", "千", "rmb", "yuan", "dollar", "美元", "刀",
        ]
        .iter()
        .any(|u| rest.starts_with(u))
            && !rest.starts_with("块儿");
        if unit {
            return true;
        }
        let glued = before.is_some_and(|c| c.is_ascii_alphabetic())
            || rest.starts_with(|c: char| c.is_alphanumeric() && !is_cjk(c))
            || rest.starts_with(|c: char| {
                "克足年月日号点个位天人次岁平米%层楼栋套间件分秒周期".contains(c)
            });
        if value >= 100.0 && !glued {
            return true;
        }
    }
    // Spoken Chinese amounts: a digit, 百/千/万, then optionally a digit (三千八, 两千五).
    const DIGIT: &str = "一二两三四五六七八九";
    const COUNTER: &str = "人个位次年天平米克件家户名岁层栋套";
    for (k, w) in chars.windows(2).enumerate() {
        if DIGIT.contains(w[0]) && "百千万".contains(w[1]) {
            let next = chars.get(k + 2).copied();
            let after = match next {
                Some(n) if DIGIT.contains(n) => chars.get(k + 3).copied(),
                other => other,
            };
            if !after.is_some_and(|a| COUNTER.contains(a) || a == '多') {
                return true;
            }
        }
        if DIGIT.contains(w[0]) && "元块".contains(w[1]) && chars.get(k + 2) != Some(&'儿') {
            return true;
        }
    }
    false
}
