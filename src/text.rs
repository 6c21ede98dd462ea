//! Text analysis that works for Chinese and English alike: phrase matching, character and word
//! counts, questions (open versus closed), prices and numbers.
//!
//! Used by the declarative rubric rules and exposed to scripts as the `text::` module. All
//! functions are pure and linear in the length of their input.

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
pub struct Normalized(String, String, LazyBounds);

impl Normalized {
    pub fn new(text: &str) -> Self {
        let n = normalize(text);
        let stemmed = stem_words(&n);
        Normalized(n, stemmed, std::sync::OnceLock::new())
    }

    /// The normalized text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The matching form of a normalized text: every run of Latin letters replaced by its English
/// stem (Snowball), so "saving", "saves" and "saved" all match a phrase "save", "customers"
/// matches "customer". Chinese, digits and punctuation are kept as they are.
pub fn stem_words(normalized: &str) -> String {
    stem_words_mapped(normalized).0
}

/// [`stem_words`], with, for each character of the result, the index of the character of
/// `normalized` it comes from (a stem's characters map to its word's).
fn stem_words_mapped(normalized: &str) -> (String, Vec<usize>) {
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
static JIEBA: std::sync::LazyLock<jieba_rs::Jieba> = std::sync::LazyLock::new(|| {
    // The list is ours and fixed at build time (a test loads it), so this does not fail.
    word_segmenter().unwrap_or_else(|_| jieba_rs::Jieba::empty())
});

/// A Chinese word segmenter with salesdojo's word list (`assets/words/zh-words.txt`: jieba's
/// dictionary without the words it saw five times or fewer). Matching uses one, built once.
pub fn word_segmenter() -> Result<jieba_rs::Jieba, jieba_rs::Error> {
    jieba_rs::Jieba::with_dict(&mut include_str!("../assets/words/zh-words.txt").as_bytes())
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
    fn at(&self, i: usize) -> bool {
        self.0.is_empty() || self.0.get(i).copied().unwrap_or(false)
    }
}

/// Quotation marks the matching form drops.
const QUOTES_ZH: &str = "“”「」『』《》\"";

/// A phrase in matching form: normalized, English words stemmed.
fn matching_form(phrase: &str) -> String {
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
    !p.is_empty() && occurrences(&t.1, &t.2, &p).any(|at| !negated(&t.1, at))
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
        let ac = aho_corasick::AhoCorasick::new(&phrases).ok();
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
    fn each_standing(
        &self,
        t: &Normalized,
        negated_ones: bool,
        mut each: impl FnMut(usize) -> bool,
    ) {
        let Some(ac) = &self.ac else { return };
        for m in ac.find_overlapping_iter(t.1.as_str()) {
            let p = &self.phrases[m.pattern().as_usize()];
            let start = m.start();
            if !stands_as_words(&t.1, &t.2, p, start) || negated(&t.1, start) != negated_ones {
                continue;
            }
            if !each(m.pattern().as_usize()) {
                return;
            }
        }
    }

    /// The phrases standing in `t` where their clause negates them (`negated`) or where it
    /// does not, each once, in the order found.
    fn distinct(&self, t: &Normalized, negated_ones: bool) -> Vec<String> {
        let mut seen = vec![false; self.phrases.len()];
        let mut out = Vec::new();
        self.each_standing(t, negated_ones, |i| {
            if !seen[i] {
                seen[i] = true;
                out.push(self.shown[i].clone());
            }
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
        self.each_found(t, |i| {
            if !seen[i] {
                seen[i] = true;
                left -= 1;
            }
            left > 0
        });
        left == 0
    }
}

/// `s` normalized, without a copy when it already is (phrase lists mostly are).
fn normalized(s: &str) -> std::borrow::Cow<'_, str> {
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
type LazyBounds = std::sync::OnceLock<Bounds>;

/// Byte offsets in `t` where `p` stands as words (both normalized; `bounds` those of `t`).
fn occurrences<'t>(
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
fn stands_as_words(t: &str, bounds: &LazyBounds, p: &str, at: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let before = t[..at].chars().next_back();
    let after = t[at + p.len()..].chars().next();
    let (first, last) = (p.chars().next(), p.chars().next_back());
    !((word(first) && word(before))
        || (word(last) && word(after))
        || (first.is_some_and(is_cjk) && !bounds.get_or_init(|| Bounds::of(t)).at(at))
        || (last.is_some_and(is_cjk) && !bounds.get_or_init(|| Bounds::of(t)).at(at + p.len())))
}

/// Negation cues of several characters: anywhere in the few characters before a phrase, in
/// the same clause.
const NEGATION_ZH: &[&str] = &[
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
const SCOPE_BREAKS_ZH: &[&str] = &[
    "就是", "就", "但是", "但", "可是", "所以", "而是", "反而", "才",
];
/// `不` followed by these is not a negation of what follows (不少, 不错, 不过 …).
const NOT_NEGATING_BU: &[char] = &[
    '少', '错', '过', '仅', '断', '久', '同', '如', '管', '妨', '然', '太',
];
const NEGATION_EN: &[&str] = &[
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

/// Function characters of Chinese: a sentence said to someone has some (您/我/的/了/吗…); a
/// run of keywords has none.
const FUNCTION_ZH: &str = "的了您你我是吗呢吧在和这那就也都很能会要给让把跟们他她它对还再先可去来得着过为从到以所如因但而或之啊呀哦嗯么什怎哪谁几多请帮";
const FUNCTION_EN: &[&str] = &[
    "the", "a", "an", "you", "your", "i", "i'm", "i'll", "we", "we'll", "our", "to", "is", "are",
    "was", "of", "for", "and", "it", "it's", "that", "this", "with", "can", "could", "would",
    "what", "how", "why", "which", "who", "in", "on", "at", "so", "if", "do", "does", "me", "my",
    "us", "they", "their", "be", "have", "has", "let's", "let", "or", "but", "as", "about",
];

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

fn keyword_list_n(t: &str) -> bool {
    let pieces: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || "，。！？；、,.!?;:：\"'“”‘’（）()…—-/".contains(c))
        .filter(|p| !p.is_empty())
        .collect();
    if pieces.is_empty() {
        return false;
    }
    let bare = |p: &str| -> bool {
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

/// Characters too common to show two texts are about the same thing.
const COMMON_ZH: &str = "一个有没说下上多少点些样太好啊吗呢嘛哈对是最";
/// Words any question may use whatever it is about ("what matters most to you", "您最看重
///什么"): they are not content of their own.
const GENERIC_ZH: &[&str] = &[
    "看重", "关心", "在意", "重要", "觉得", "希望", "需要", "想要", "了解", "考虑", "情况", "方面",
    "地方", "时候", "具体", "主要", "一般", "平时", "现在", "今天", "知道", "意思", "东西", "事情",
    "怎样", "为何", "如何", "喜欢",
];
const GENERIC_EN: &[&str] = &[
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
fn content_units(t: &str) -> std::collections::HashSet<String> {
    let mut out = std::collections::HashSet::new();
    let chars: Vec<char> = t.chars().collect();
    let content = |c: char| is_cjk(c) && !FUNCTION_ZH.contains(c) && !COMMON_ZH.contains(c);
    for w in chars.windows(2) {
        if content(w[0]) && content(w[1]) {
            let pair: String = w.iter().collect();
            if !GENERIC_ZH.contains(&pair.as_str()) {
                out.insert(pair);
            }
        }
    }
    for w in stem_words(t).split(|c: char| !c.is_ascii_alphanumeric()) {
        if w.len() >= 4 && !FUNCTION_EN.contains(&w) && !GENERIC_EN.contains(&w) {
            out.insert(w.to_owned());
        }
    }
    out
}

/// What a turn is about, as content units (see [`takes_up`]); computed once per turn.
#[derive(Debug, Default)]
pub struct Topic(std::collections::HashSet<String>);

impl Topic {
    pub fn new(text: &str) -> Self {
        Topic(content_units(&normalize(text)))
    }
}

/// Whether the reply takes up something of the topic (the customer's words, the step's goal,
/// the model answer): they share a content word. A question about the customer's suit while
/// they talk about the proposal shares none. A question with no content word of its own
/// ("您想了解什么？") asks the customer to talk and takes up whatever they said.
pub fn takes_up(reply: &Normalized, topic: &Topic) -> bool {
    let mine = content_units(&reply.0);
    mine.is_empty() || mine.iter().any(|u| topic.0.contains(u))
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
    question_n(&normalize(text))
}

/// [`is_question`] of a text normalized once.
pub fn is_question_in(t: &Normalized) -> bool {
    question_n(&t.0)
}

fn question_n(t: &str) -> bool {
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

fn open_question_n(t: &str) -> bool {
    sentences(t).any(|(s, asks)| open_in_sentence(s, asks))
}

/// The sentences of a normalized text, each with whether it ends with a question mark.
fn sentences(t: &str) -> impl Iterator<Item = (&str, bool)> {
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

const OPEN_ALWAYS_ZH: &[&str] = &[
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
const TELL_ZH: &[&str] = &["说说", "讲讲", "谈谈", "聊聊", "介绍一下", "介绍介绍"];
/// Before a request to tell, these make it the salesperson's own announcement.
const ANNOUNCE_ZH: &[&str] = &[
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
const MEASURE_ZH: &str = "个位天月号点次年岁种款间家口人步分周层套件类样名";

fn open_in_sentence(s: &str, asks: bool) -> bool {
    if OPEN_ALWAYS_ZH.iter().any(|m| s.contains(m)) {
        return true;
    }
    let chars: Vec<char> = s.chars().collect();
    // 几 + measure word asks (几个人、几点); after 这/那/好/十 it counts (这几款、十几个).
    if chars.windows(2).enumerate().any(|(i, w)| {
        w[0] == '几' && MEASURE_ZH.contains(w[1]) && !(i > 0 && "这那好十".contains(chars[i - 1]))
    }) {
        return true;
    }
    for m in TELL_ZH {
        for (i, _) in s.match_indices(m) {
            let before = &s[..i];
            if !ANNOUNCE_ZH.iter().any(|a| before.contains(a)) {
                return true;
            }
        }
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
        let starts = first == *w || first.starts_with(&format!("{w}'"));
        starts || (asks && has_word(s, w))
    })
}

/// `word` stands in `t` as a whole word.
fn has_word(t: &str, word: &str) -> bool {
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

const PRICE_WORDS_EN: &[&str] = &["price", "cost", "rmb", "yuan", "usd", "discount", "dollar"];

/// Mentions a price: a currency sign, a price word (价格, 多少钱, 优惠, price…), a number with a
/// money unit (3999元, 5千, 200 yuan), a bare number of 100 or more standing alone (3800), or a
/// spoken Chinese amount (三千八, 两千五, 八百八, 一万二, 三千块). Not a price: the gold mark of
/// 18K or 999足金, PT950, 0.5克拉, a year, a count of people or days, 一块儿 (together).
pub fn mentions_price(text: &str) -> bool {
    mentions_price_n(&normalize(text))
}

/// [`mentions_price`] of a text normalized once.
pub fn mentions_price_in(t: &Normalized) -> bool {
    mentions_price_n(&t.0)
}

fn mentions_price_n(t: &str) -> bool {
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
        || quotes_price_n(t)
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

fn quotes_price_n(t: &str) -> bool {
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
    fn phrases_match_words_not_the_inside_of_words() {
        let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(found("Let me listen first", &p(&["list"])).is_empty());
        assert!(found("A unique design", &p(&["sign"])).is_empty());
        assert_eq!(found("Sign here, please", &p(&["sign"])), ["sign"]);
        assert_eq!(found("the price-list", &p(&["list"])), ["list"]);
        // Inflections are the same word: "lists" counts as "list".
        assert_eq!(count("list, lists, listen", "list"), 2);
    }

    #[test]
    fn chinese_phrases_match_whole_words_not_the_inside_of_one() {
        assert!(word_segmenter().is_ok_and(|j| j.has_word("认真") && !j.has_word("先戴")));
        // The inside of a word: 真的 is not said in 认真的, 定金 not in 一定金额.
        assert!(found("您说得很认真的", &s(&["真的"])).is_empty());
        assert!(found("超过一定金额要审批", &s(&["定金"])).is_empty());
        assert_eq!(position("这是真的", "真的"), Some(2));
        assert_eq!(position("很认真的", "真的"), None);
        assert_eq!(count("认真的人说真的", "真的"), 1);
        // A word or a run of words, wherever it falls in the sentence.
        assert_eq!(found("我们先收一点定金。", &s(&["定金"])), ["定金"]);
        assert_eq!(found("价格不急，先戴上看看效果", &s(&["戴上"])), ["戴上"]);
        // A doubled verb is the verb said twice.
        assert_eq!(found("我帮您问问经理", &s(&["帮您问"])), ["帮您问"]);
        // Text without Chinese is not cut at all.
        assert_eq!(found("try it on", &s(&["try it"])), ["try it"]);
    }

    #[test]
    fn english_inflections_match_their_stem_both_ways() {
        let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(found("A 30% saving a year", &p(&["save"])), ["save"]);
        assert_eq!(
            found("Similar customers saved", &p(&["customer", "saves"])),
            ["customer", "saves"]
        );
        assert_eq!(found("it's guaranteed", &p(&["guarantee"])), ["guarantee"]);
        // A stem never reaches into another word.
        assert!(found("a designer piece", &p(&["sign"])).is_empty());
        assert!(found("we never guarantee returns", &p(&["guarantee"])).is_empty());
        assert_eq!(position("Thanks, we are SAVING", "save"), Some(15));
        assert_eq!(position("没有回扣", "回扣"), None);
    }

    #[test]
    fn a_negation_ends_where_a_new_predicate_starts() {
        let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(found("不给看就是心虚吧", &p(&["心虚"])), ["心虚"]);
        assert!(found("我们就不会私下给回扣", &p(&["回扣"])).is_empty());
        assert!(found("不是心虚", &p(&["心虚"])).is_empty());
    }

    #[test]
    fn rhetorical_bu_shi_asserts_instead_of_negating() {
        let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(found("您这不是为难我嘛", &p(&["为难我"])), ["为难我"]);
        assert!(found("这不是为难您", &p(&["为难您"])).is_empty());
    }

    #[test]
    fn a_question_takes_up_the_topic_only_when_it_shares_a_content_word() {
        let topic = &Topic::new(
            "你们比我们现在用的旧设备贵了差不多一倍。 It costs nearly twice our current old machine.",
        );
        assert!(takes_up(
            &Normalized::new("旧设备每个月电费和修理大概花多少？"),
            topic
        ));
        assert!(takes_up(
            &Normalized::new("How old is the machine you use?"),
            topic
        ));
        assert!(!takes_up(
            &Normalized::new("您今天这身西装挺精神的，在哪儿买的？"),
            topic
        ));
        assert!(!takes_up(
            &Normalized::new("Where did you buy that suit?"),
            topic
        ));
        // Nothing of its own: a plain invitation to talk.
        assert!(takes_up(&Normalized::new("您想了解什么？"), topic));
        assert!(takes_up(&Normalized::new("您最看重的是什么？"), topic));
        assert!(takes_up(
            &Normalized::new("What matters most to you?"),
            topic
        ));
    }

    #[test]
    fn ji_after_zhe_counts_instead_of_asking() {
        assert!(!is_open_question("那这几款戒指您还要再试吗？"));
        assert!(is_open_question("您家几口人住？"));
    }

    #[test]
    fn a_compiled_phrase_set_matches_as_found_does() {
        let list: Vec<String> = ["回扣", "list", "Sign", "好处费", "  ", "design"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let set = PhraseSet::new(&list);
        for text in [
            "我们不会私下给回扣",
            "私下给您回扣",
            "Let me listen",
            "the price list",
            "A unique design, sign here",
            "好处费和回扣",
            "",
        ] {
            let t = Normalized::new(text);
            assert_eq!(set.any_in(&t), !found(text, &list).is_empty(), "{text}");
        }
        let both = PhraseSet::new(&["好处费".to_owned(), "回扣".to_owned()]);
        assert!(both.all_in(&Normalized::new("好处费和回扣")));
        assert!(!both.all_in(&Normalized::new("只有回扣")));
        assert!(!PhraseSet::new(&[]).all_in(&Normalized::new("x")));
    }

    #[test]
    fn a_list_of_keywords_is_not_a_sentence() {
        for salad in [
            "效率 协同 流程 痛点 开放式提问",
            "独特设计！寓意好！工艺好！光泽好！买一个吧？",
            "亮点设计工艺独特寓意。",
            "budget authority need timeline",
            "Value, ROI, testimonials, case study, next steps.",
            &"好".repeat(4000),
        ] {
            assert!(reads_as_keyword_list(salad), "{salad}");
        }
        for said in [
            "您眼光真好，这款的设计灵感来自海浪。",
            "欢迎光临！",
            "出什么事了？您别急，先跟我说说，我帮您一起想办法。",
            "Thanks for taking the call. What's working well, and what still feels clunky?",
            "Sure. Great question. Let me check.",
            "南北通透采光好。",
            "您刚才提到孩子明年上学：这套南北通透、采光好，儿童房朝南，离小学步行十分钟。",
            "离小学步行十分钟。",
            "What sets it apart for you: the second bedroom gets the morning sun.",
            "这次打算花多少钱？除了您领导还有哪几位要看方案？",
        ] {
            assert!(!reads_as_keyword_list(said), "{said}");
        }
    }

    #[test]
    fn a_negated_phrase_does_not_count() {
        let p = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let kickback = p(&["回扣", "好处费", "kickback"]);
        assert!(found("我们不会私下给回扣，一切按合同走", &kickback).is_empty());
        assert!(found("我们从来不收好处费。", &kickback).is_empty());
        assert!(found("We never pay a kickback.", &kickback).is_empty());
        assert!(found("We don't do any kickback deals", &kickback).is_empty());
        // Not negated: the cue is in another clause, or not a negation at all.
        assert_eq!(found("不用担心，私下给您回扣", &kickback), ["回扣"]);
        assert_eq!(found("不少客户都拿了回扣", &kickback), ["回扣"]);
        assert_eq!(
            found("Not a problem, I'll add a kickback for you", &kickback),
            ["kickback"]
        );
        assert_eq!(found("私下给您个人一点好处费", &kickback), ["好处费"]);
        // A question is not a negation; nor is 特别.
        let budget = p(&["预算", "适合"]);
        assert_eq!(found("这次有没有预算？", &budget), ["预算"]);
        assert_eq!(found("这款特别适合您", &budget), ["适合"]);
        assert_eq!(found("您看是不是预算有限", &budget), ["预算"]);
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
    fn open_questions_that_were_missed_and_statements_that_were_taken_for_one() {
        for asks in [
            "您觉得哪一步最费时间？",
            "除了您领导还有哪几位要看方案？",
            "希望几月份能用起来？",
            "上线要多久？",
            "您家孩子多大了？",
            "这次打算花多少钱？",
            "您跟我说说当时的情况？",
            "Which part matters most to you?",
            "How do you handle it today",
            "Tell me about your team.",
        ] {
            assert!(is_open_question(asks), "{asks}");
        }
        for states in [
            "我给您介绍一下这款。",
            "先给您讲讲我们的售后。",
            "这是您上次看中的那一款，几乎一样。",
            "I'll show you the one which you liked.",
            "We can meet when it suits you.",
            "您喜欢这款吗？",
        ] {
            assert!(!is_open_question(states), "{states}");
        }
    }

    #[test]
    fn prices_spoken_and_written_and_what_only_looks_like_one() {
        for price in [
            "这款三千八。",
            "两千五就能拿下",
            "八百八",
            "一万二一套",
            "这款3800。",
            "3999元",
            "只要三千块",
            "It's 200 yuan",
        ] {
            assert!(mentions_price(price), "{price}");
        }
        assert!(mentions_price("价格您放心"));
        assert!(!quotes_price("价格您放心"));
        assert!(quotes_price("这款三千八。"));
        assert!(mentions_price("价格您放心"));
        assert!(!quotes_price("价格您放心"));
        assert!(quotes_price("这款三千八。"));
        for not_price in [
            "这款是18K金的，海浪造型很特别。",
            "999足金，做工很细。",
            "PT950铂金",
            "主石0.5克拉",
            "2026年交房",
            "我们一块儿去看看",
            "三千多人用过",
            "每天8点开门",
        ] {
            assert!(!mentions_price(not_price), "{not_price}");
            assert!(!quotes_price(not_price), "{not_price}");
            assert!(!quotes_price(not_price), "{not_price}");
        }
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
