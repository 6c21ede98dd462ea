//! English stems and where Chinese words start and end.

use super::*;

/// The matching form of a normalized text: every run of Latin letters replaced by its English
/// stem (Snowball), so "saving", "saves" and "saved" all match a phrase "save", "customers"
/// matches "customer". Chinese, digits and punctuation are kept as they are.
pub fn stem_words(normalized: &str) -> String {
    stem_words_mapped(normalized).0
}

/// [`stem_words`], with, for each character of the result, the index of the character of
/// `normalized` it comes from (a stem's characters map to its word's).
pub(crate) fn stem_words_mapped(normalized: &str) -> (String, Vec<usize>) {
    static STEMMER: std::sync::LazyLock<rust_stemmers::Stemmer> = std::sync::LazyLock::new(|| {
        rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English)
    });
    let mut out = String::with_capacity(normalized.len());
    let mut map = Vec::with_capacity(normalized.len());
    // (byte offset, char index) where the current run of letters started.
    let mut word_start: Option<(usize, usize)> = None;
    let push_stem = |out: &mut String, map: &mut Vec<usize>, word: &str, first: usize| {
        let stem = STEMMER.stem(word);
        for (k, c) in stem.chars().enumerate() {
            out.push(c);
            map.push(first + k.min(word.len().saturating_sub(1)));
        }
    };
    for (n, (i, c)) in normalized.char_indices().enumerate() {
        if c.is_ascii_lowercase() {
            word_start.get_or_insert((i, n));
            continue;
        }
        if let Some((start, first)) = word_start.take() {
            push_stem(&mut out, &mut map, &normalized[start..i], first);
        }
        // Quotation marks around Chinese words do not part them: 开成“样品” reads 开成样品.
        if QUOTES_ZH.contains(c) {
            continue;
        }
        out.push(c);
        map.push(n);
    }
    if let Some((start, first)) = word_start {
        push_stem(&mut out, &mut map, &normalized[start..], first);
    }
    (out, map)
}

/// Where words of a Chinese text start and end: byte offsets of a text in matching form at
/// which a word of jieba's dictionary begins or ends, in its search mode (a long word also
/// offers the dictionary words inside it: 几月份 is 几月份, 几月 and 月份). A Chinese phrase
/// stands in the text only from one of these offsets to another, so 真的 is not found in
/// 认真的 and 定金 not in 一定金额. Empty for a text without Chinese (nothing to check).
#[derive(Debug, Clone, Default)]
pub struct Bounds(Vec<bool>);

/// The segmenter, its word list loaded once, on first use.
pub(crate) static JIEBA: std::sync::LazyLock<jieba_rs::Jieba> = std::sync::LazyLock::new(|| {
    // The list is ours and fixed at build time (a test loads it), so this does not fail.
    word_segmenter().unwrap_or_else(|_| jieba_rs::Jieba::empty())
});

/// A Chinese word segmenter with salesdojo's word list (`assets/words/zh-words.txt`: jieba's
/// dictionary without the words it saw five times or fewer). Matching uses one, built once.
pub fn word_segmenter() -> Result<jieba_rs::Jieba, jieba_rs::Error> {
    jieba_rs::Jieba::with_dict(&mut include_str!("../../assets/words/zh-words.txt").as_bytes())
}

impl Bounds {
    pub fn of(t: &str) -> Self {
        if !t.chars().any(is_cjk) {
            return Bounds::default();
        }
        let mut at = vec![false; t.len() + 1];
        for token in JIEBA.cut_for_search(t, false) {
            at[token.byte_start] = true;
            at[token.byte_end] = true;
            // A doubled verb (问问, 看看, 试试) is the verb said twice: a phrase may end after
            // the first of the two ("帮您问" in 帮您问问).
            let mut chars = token.word.char_indices();
            if let (Some((_, a)), Some((i, b)), None) = (chars.next(), chars.next(), chars.next())
                && a == b
            {
                at[token.byte_start + i] = true;
            }
        }
        Bounds(at)
    }

    /// Whether a word may start or end at byte `i` (always, for a text without Chinese).
    pub(crate) fn at(&self, i: usize) -> bool {
        self.0.is_empty() || self.0.get(i).copied().unwrap_or(false)
    }
}
