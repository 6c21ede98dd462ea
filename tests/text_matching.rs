//! Text matching on input the bundled font never shows: traditional characters (繁體) are
//! mapped to simplified ones before matching. (Kept out of `src/` so the font-coverage test
//! does not ask for glyphs of test strings.)

use salesdojo::text::{found, is_open_question, normalize, position};

fn p(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn traditional_characters_match_simplified_phrases() {
    assert_eq!(found("價格您放心，先試戴一下", &p(&["试戴"])), ["试戴"]);
    assert_eq!(found("我們私下給您回扣", &p(&["回扣"])), ["回扣"]);
    assert!(found("我們絕不會私下給回扣", &p(&["回扣"])).is_empty());
    assert!(is_open_question("您最關心的是什麼？"));
    // One character for one: offsets into the reply hold.
    assert_eq!(normalize("價格").chars().count(), 2);
    assert_eq!(position("先試戴一下", "试戴"), Some(1));
}

#[test]
fn a_phrase_written_in_traditional_characters_matches_too() {
    assert_eq!(found("先试戴一下", &p(&["試戴"])), ["試戴"]);
}
