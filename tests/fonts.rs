//! Chinese must render on a machine with no CJK font: every character the bundled playbooks
//! and the app's own strings use is in a font the app registers, and every Chinese one is in
//! the bundled subset itself.

use std::collections::BTreeSet;
use std::path::Path;

use salesdojo::gui::theme;

fn chars_of(dir: &str, ext: &str, out: &mut BTreeSet<char>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                let text = std::fs::read_to_string(&p).expect("UTF-8");
                out.extend(text.chars().filter(|c| !c.is_ascii() && !c.is_whitespace()));
            }
        }
    }
}

/// Han ideographs, CJK punctuation and full-width forms.
fn is_chinese(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xFF00..=0xFFEF)
}

#[test]
fn every_character_shown_is_in_a_registered_font() {
    let mut used = BTreeSet::new();
    chars_of("playbooks", "yaml", &mut used);
    chars_of("src", "rs", &mut used);
    // Characters of personal names (trainees type their own names).
    let names = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts/name-chars.txt"),
    )
    .expect("assets/fonts/name-chars.txt");
    used.extend(
        names
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::chars)
            .filter(|c| !c.is_whitespace()),
    );
    assert!(used.len() > 1000, "only {} characters found", used.len());

    let bundled = ttf_parser::Face::parse(theme::CJK_FONT, 0).expect("the bundled font parses");
    let defs = theme::fonts();
    let all: Vec<ttf_parser::Face<'_>> = defs
        .font_data
        .values()
        .map(|d| {
            ttf_parser::Face::parse(d.font.as_ref().as_ref(), d.index)
                .expect("a registered font parses")
        })
        .collect();

    let missing_chinese: String = used
        .iter()
        .filter(|c| is_chinese(**c) && bundled.glyph_index(**c).is_none())
        .collect();
    assert!(
        missing_chinese.is_empty(),
        "not in assets/fonts/NotoSansSC-subset.otf (run assets/fonts/make_subset.py): {missing_chinese}"
    );
    let missing: String = used
        .iter()
        .filter(|c| all.iter().all(|f| f.glyph_index(**c).is_none()))
        .collect();
    assert!(missing.is_empty(), "in no registered font: {missing}");
}

#[test]
fn the_bundled_font_has_its_licence_beside_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/fonts");
    let licence = std::fs::read_to_string(dir.join("OFL.txt")).expect("OFL.txt");
    assert!(licence.contains("SIL OPEN FONT LICENSE"));
    assert!(dir.join("make_subset.py").exists());
}
