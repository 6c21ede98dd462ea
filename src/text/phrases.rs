//! Finding phrases as words, not negated: one at a time or a compiled list at once.

use super::*;

/// Quotation marks the matching form drops.
pub(crate) const QUOTES_ZH: &str = "“”「」『』《》\"";

/// A phrase in matching form: normalized, English words stemmed.
pub(crate) fn matching_form(phrase: &str) -> String {
    stem_words(&normalized(phrase))
}

/// [`found`] in an already normalized text.
pub fn found_in<'a>(t: &Normalized, phrases: &'a [String]) -> Vec<&'a str> {
    phrases
        .iter()
        .filter(|p| phrase_in(t, p))
        .map(String::as_str)
        .collect()
}

/// Whether `phrase` stands, not negated, in `t`.
pub fn phrase_in(t: &Normalized, phrase: &str) -> bool {
    let p = matching_form(phrase);
    !p.is_empty() && occurrences(&t.1, &t.2, &p).any(|at| !t.negated_at(true, at))
}

/// A phrase list compiled once (at load) for matching: its phrases normalized and searched
/// for all at once with one Aho-Corasick automaton, with the same rules as [`found`] (words,
/// not the inside of words; not negated in the clause).
#[derive(Debug, Clone, Default)]
pub struct PhraseSet {
    /// Phrases in matching form (an empty one never matches).
    phrases: Vec<String>,
    /// The same phrases normalized, as shown in a trace.
    shown: Vec<String>,
    ac: Option<aho_corasick::AhoCorasick>,
}

impl PhraseSet {
    pub fn new(list: &[String]) -> Self {
        let (phrases, shown): (Vec<String>, Vec<String>) = list
            .iter()
            .map(|p| (matching_form(p), normalize(p)))
            .filter(|(m, _)| !m.is_empty())
            .unzip();
        // A DFA searches fastest; a list too large for one gets the automaton the crate
        // chooses, never none (a set that failed to build would match nothing).
        let ac = aho_corasick::AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&phrases)
            .or_else(|_| aho_corasick::AhoCorasick::new(&phrases))
            .ok();
        PhraseSet { phrases, shown, ac }
    }

    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// Calls `each` with the id of every phrase found (standing as words, not negated), in
    /// the order found; stops when it returns `false`.
    fn each_found(&self, t: &Normalized, each: impl FnMut(usize) -> bool) {
        self.each_standing(t, false, each);
    }

    /// Calls `each` with the id of every phrase standing as words in `t` whose clause negates
    /// it (`negated`) or does not; stops when it returns `false`.
    fn each_standing(&self, t: &Normalized, negated_ones: bool, each: impl FnMut(usize) -> bool) {
        self.each_new_standing(t, negated_ones, &mut [], each);
    }

    /// [`Self::each_standing`], skipping the phrases `seen` marks (and marking each one
    /// reported): a phrase said a thousand times in a long reply is checked for negation until
    /// it is found once, not a thousand times. An empty `seen` skips nothing.
    fn each_new_standing(
        &self,
        t: &Normalized,
        negated_ones: bool,
        seen: &mut [bool],
        mut each: impl FnMut(usize) -> bool,
    ) {
        let Some(ac) = &self.ac else { return };
        for m in ac.find_overlapping_iter(t.1.as_str()) {
            let i = m.pattern().as_usize();
            if seen.get(i).copied().unwrap_or(false) {
                continue;
            }
            let p = &self.phrases[i];
            let start = m.start();
            if !stands_as_words(&t.1, &t.2, p, start) || t.negated_at(true, start) != negated_ones {
                continue;
            }
            if let Some(s) = seen.get_mut(i) {
                *s = true;
            }
            if !each(i) {
                return;
            }
        }
    }

    /// The phrases standing in `t` where their clause negates them (`negated`) or where it
    /// does not, each once, in the order found.
    fn distinct(&self, t: &Normalized, negated_ones: bool) -> Vec<String> {
        let mut seen = vec![false; self.phrases.len()];
        let mut out = Vec::new();
        self.each_new_standing(t, negated_ones, &mut seen, |i| {
            out.push(self.shown[i].clone());
            true
        });
        out
    }

    /// The phrases found in `t` (as normalized), each once, in the order found.
    pub fn found(&self, t: &Normalized) -> Vec<String> {
        self.distinct(t, false)
    }

    /// The phrases that stand in `t` only where their clause negates them, each once.
    pub fn found_negated(&self, t: &Normalized) -> Vec<String> {
        self.distinct(t, true)
    }

    /// At least one phrase stands in `t`.
    pub fn any_in(&self, t: &Normalized) -> bool {
        let mut found = false;
        self.each_found(t, |_| {
            found = true;
            false
        });
        found
    }

    /// Every phrase stands in `t` (an empty set: never).
    pub fn all_in(&self, t: &Normalized) -> bool {
        if self.phrases.is_empty() {
            return false;
        }
        let mut seen = vec![false; self.phrases.len()];
        let mut left = self.phrases.len();
        self.each_new_standing(t, false, &mut seen, |_| {
            left -= 1;
            left > 0
        });
        left == 0
    }
}

/// `s` normalized, without a copy when it already is (phrase lists mostly are).
pub(crate) fn normalized(s: &str) -> std::borrow::Cow<'_, str> {
    let plain = s.chars().all(|c| {
        !(c.is_uppercase()
            || c.is_control()
            || ('\u{FF01}'..='\u{FF5E}').contains(&c)
            || (c.is_whitespace() && c != ' '))
    }) && !s.contains("  ")
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && fast2s::convert(s) == s;
    if plain {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(normalize(s))
    }
}

/// Where the words of a text start and end: cut the first time a Chinese phrase is found in
/// it (most replies are matched against lists they do not contain).
pub(crate) type LazyBounds = std::sync::OnceLock<Bounds>;

/// Byte offsets in `t` where `p` stands as words (both normalized; `bounds` those of `t`).
pub(crate) fn occurrences<'t>(
    t: &'t str,
    bounds: &'t LazyBounds,
    p: &'t str,
) -> impl Iterator<Item = usize> + 't {
    t.match_indices(p)
        .map(|(at, _)| at)
        .filter(move |&at| stands_as_words(t, bounds, p, at))
}

/// Whether `p`, found at byte `at` of `t`, stands as words: a phrase that starts (ends) with a
/// Latin letter or digit must not continue a word before (after) it, and one that starts
/// (ends) with a Chinese character must start (end) where a word does ([`Bounds`]).
pub(crate) fn stands_as_words(t: &str, bounds: &LazyBounds, p: &str, at: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let before = t[..at].chars().next_back();
    let after = t[at + p.len()..].chars().next();
    let (first, last) = (p.chars().next(), p.chars().next_back());
    !((word(first) && word(before))
        || (word(last) && word(after))
        || (first.is_some_and(is_cjk) && !bounds.get_or_init(|| Bounds::of(t)).at(at))
        || (last.is_some_and(is_cjk) && !bounds.get_or_init(|| Bounds::of(t)).at(at + p.len())))
}

/// Where `phrase` first stands (as [`found`] matches it) in `text`: a character offset in the
/// normalized text ([`normalize`]).
pub fn position(text: &str, phrase: &str) -> Option<usize> {
    let n = normalize(text);
    let (stemmed, map) = stem_words_mapped(&n);
    let p = matching_form(phrase);
    if p.is_empty() {
        return None;
    }
    let bounds = LazyBounds::new();
    occurrences(&stemmed, &bounds, &p)
        .find(|&at| !negated(&stemmed, at))
        .and_then(|at| map.get(stemmed[..at].chars().count()).copied())
}

pub fn contains_any(text: &str, phrases: &[String]) -> bool {
    !found(text, phrases).is_empty()
}

pub fn contains_all(text: &str, phrases: &[String]) -> bool {
    found(text, phrases).len() == phrases.len()
}

/// How many times `phrase` occurs in `text` as words (normalized, non-overlapping).
pub fn count(text: &str, phrase: &str) -> usize {
    let p = normalize(phrase);
    if p.is_empty() {
        return 0;
    }
    let t = stem_words(&normalize(text));
    let p = stem_words(&p);
    let bounds = LazyBounds::new();
    occurrences(&t, &bounds, &p).count()
}
