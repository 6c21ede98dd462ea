//! Which gender a text speaks of someone as: the third-person pronouns (她/他, she/he) and,
//! for telling a scenario's customer from its context, the words for a woman or a man.

/// What a text says: whether it speaks of a woman, of a man, and the first word that says so.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Speaks {
    pub female: bool,
    pub male: bool,
    pub female_word: &'static str,
    pub male_word: &'static str,
}

impl Speaks {
    pub fn or(self, o: Speaks) -> Speaks {
        Speaks {
            female: self.female || o.female,
            male: self.male || o.male,
            female_word: if self.female {
                self.female_word
            } else {
                o.female_word
            },
            male_word: if self.male {
                self.male_word
            } else {
                o.male_word
            },
        }
    }
}

const FEMALE_EN: &[&str] = &["she", "her", "hers", "herself"];
const MALE_EN: &[&str] = &["he", "him", "his", "himself"];
/// Nouns for a person that say a gender (only used with `nouns`).
const FEMALE_NOUNS: &[&str] = &[
    "女士", "小姐", "太太", "阿姨", "姑娘", "女孩", "woman", "lady", "girl", "mrs", "ms",
];
const MALE_NOUNS: &[&str] = &[
    "男士",
    "先生",
    "大叔",
    "小伙",
    "男孩",
    "man",
    "gentleman",
    "boy",
    "mr",
];
/// Words with 他 in them that are not a pronoun for a man.
const NOT_HE: &[&str] = &["其他", "他人", "他们", "他乡", "吉他", "利他"];

/// Which gender `text` speaks of someone as; with `nouns`, words like 女士 or "man" count too.
pub fn speaks_of(text: &str, nouns: bool) -> Speaks {
    let mut out = Speaks::default();
    let lower = text.to_lowercase();
    if lower.contains('她') {
        out.female = true;
        out.female_word = "她";
    }
    let chars: Vec<char> = lower.chars().collect();
    for (i, ch) in chars.iter().enumerate() {
        if *ch != '他' {
            continue;
        }
        let around: String = chars[i.saturating_sub(1)..(i + 2).min(chars.len())]
            .iter()
            .collect();
        if !NOT_HE.iter().any(|w| around.contains(w)) {
            out.male = true;
            out.male_word = "他";
            break;
        }
    }
    for w in lower.split(|c: char| !c.is_ascii_alphabetic()) {
        if !out.female
            && let Some(f) = FEMALE_EN
                .iter()
                .chain(if nouns { FEMALE_NOUNS } else { &[] })
                .find(|f| **f == w)
        {
            out.female = true;
            out.female_word = f;
        }
        if !out.male
            && let Some(m) = MALE_EN
                .iter()
                .chain(if nouns { MALE_NOUNS } else { &[] })
                .find(|m| **m == w)
        {
            out.male = true;
            out.male_word = m;
        }
    }
    if nouns {
        if !out.female
            && let Some(f) = FEMALE_NOUNS
                .iter()
                .find(|f| !f.is_ascii() && lower.contains(**f))
        {
            out.female = true;
            out.female_word = f;
        }
        if !out.male
            && let Some(m) = MALE_NOUNS
                .iter()
                .find(|m| !m.is_ascii() && lower.contains(**m))
        {
            out.male = true;
            out.male_word = m;
        }
    }
    out
}

/// The parts of `text` in brackets (（…）, (…), […]): a customer line's stage directions.
pub fn bracketed(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for ch in text.chars() {
        match ch {
            '（' | '(' | '[' => cur = Some(String::new()),
            '）' | ')' | ']' => {
                if let Some(c) = cur.take() {
                    out.push(c);
                }
            }
            _ => {
                if let Some(c) = &mut cur {
                    c.push(ch);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pronouns_and_nouns_say_a_gender() {
        let s = speaks_of("一位年轻女士走进店里，她看了看。", false);
        assert!(s.female && !s.male);
        assert!(speaks_of("A young woman walks in", true).female);
        assert!(!speaks_of("A young woman walks in", false).female);
        let s = speaks_of("He looks at his watch; the other shops, 其他店", false);
        assert!(s.male && !s.female);
        assert_eq!(s.male_word, "he");
        assert!(!speaks_of("其他顾客和他们的朋友", false).male);
        assert!(!speaks_of("The theme is shelter", false).male);
    }

    #[test]
    fn stage_directions_are_the_bracketed_parts() {
        assert_eq!(
            bracketed("（她停下）我老公说他不喜欢。(She frowns)"),
            ["她停下", "She frowns"]
        );
    }
}
