//! Text analysis that works for Chinese and English alike: phrase matching, character and word
//! counts, questions (open versus closed), prices and numbers.
//!
//! Used by the declarative rubric rules and exposed to scripts as the `text::` module. All
//! functions are pure and linear in the length of their input.

pub mod gender;
mod keywords;
mod negation;
mod phrases;
mod price;
mod questions;
mod topic;
mod words;

pub use keywords::*;
pub use negation::*;
pub use phrases::*;
pub use price::*;
pub use questions::*;
pub use topic::*;
pub use words::*;

/// Lower-cases, folds full-width ASCII (Ａ, ？, ！) to half-width, maps traditional Chinese
/// characters to simplified ones (one character for one, so offsets hold) and
/// collapses white space, so phrases match however the trainee typed them.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    let simplified = if s.chars().any(|c| c.len_utf8() == 3) {
        std::borrow::Cow::Owned(fast2s::convert(s))
    } else {
        std::borrow::Cow::Borrowed(s)
    };
    for c in simplified.chars() {
        let c = half_width(c).unwrap_or(c);
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

/// What a regex that did not compile says is wrong: the last line of the regex crate's
/// message, without its own "error: " (the caller says "invalid regex: …" already).
pub fn regex_error_detail(e: &regex::Error) -> String {
    let msg = e.to_string();
    let last = msg.lines().last().unwrap_or("").trim();
    last.strip_prefix("error: ").unwrap_or(last).to_owned()
}

/// `pattern` with its full-width marks written as the reply is read: matching folds a reply's
/// full-width letters and punctuation to half width (， to `,`, ？ to `?`), so a pattern's
/// `[^，。]` would otherwise never stop at a comma and its `，` never match one. A folded mark
/// that means something to a regex (`?`, `(`, `)`, …) is escaped: the author wrote a mark,
/// not an operator.
pub fn half_width_pattern(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.chars().any(|c| half_width(c).is_some()) {
        return std::borrow::Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        match half_width(c) {
            Some(folded) => out.push_str(&regex::escape(folded.encode_utf8(&mut [0; 4]))),
            None => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The half-width form of a full-width letter, digit or mark (and of the ideographic space),
/// as [`normalize`] reads it; `None` for any other character.
fn half_width(c: char) -> Option<char> {
    match c {
        '\u{3000}' => Some(' '),
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        _ => None,
    }
}

/// The phrases of `phrases` found in `text` (both normalized), in list order.
///
/// A phrase counts where it stands as words: a phrase of Latin letters or digits must not be
/// the inside of a longer word ("list" is not found in "listen", "sign" not in "design"). And
/// it counts only where it is not negated in its clause: "我们不会私下给回扣" does not offer a
/// kickback, "we never guarantee returns" does not promise one (see [`negated`]).
pub fn found<'a>(text: &str, phrases: &'a [String]) -> Vec<&'a str> {
    found_in(&Normalized::new(text), phrases)
}

/// A text normalized once, for matching many phrase lists against it: the normalized text
/// and its matching form (English words stemmed, see [`stem_words`]).
pub struct Normalized(String, String, LazyBounds, NegatedAt);

/// Where a text's phrases were found negated or not, each place asked once: many phrase lists
/// find their words at the same places, and a clause is read for negation once.
#[derive(Default)]
pub(crate) struct NegatedAt(std::sync::Mutex<std::collections::HashMap<(bool, usize), bool>>);

impl Normalized {
    pub fn new(text: &str) -> Self {
        let n = normalize(text);
        let stemmed = stem_words(&n);
        Normalized(n, stemmed, std::sync::OnceLock::new(), NegatedAt::default())
    }

    /// [`negated`] at byte `at` of the matching form (`stemmed`) or of the normalized text.
    pub(crate) fn negated_at(&self, stemmed: bool, at: usize) -> bool {
        let t = if stemmed { &self.1 } else { &self.0 };
        match self.3.0.lock() {
            Ok(mut seen) => *seen.entry((stemmed, at)).or_insert_with(|| negated(t, at)),
            Err(_) => negated(t, at),
        }
    }

    /// The normalized text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters that are not white space (a Chinese character counts one).
pub fn char_count(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

pub(crate) fn is_cjk(c: char) -> bool {
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

#[cfg(test)]
mod tests;
