//! Syntax colouring for the authoring view's editor: YAML (playbooks) and rhai (scripts).
//! A small line scanner, not a parser: comments, strings, keys, numbers and keywords, which is
//! what a reader's eye needs. The result is kept until the text changes.

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    Yaml,
    Rhai,
}

impl Syntax {
    pub fn of(name: &str) -> Self {
        if name.ends_with(".rhai") {
            Syntax::Rhai
        } else {
            Syntax::Yaml
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Plain,
    Comment,
    Str,
    Key,
    Number,
    Keyword,
    Punct,
}

/// Colours for the dark and the light theme.
fn color(tok: Tok, dark: bool) -> Color32 {
    match (tok, dark) {
        (Tok::Plain, true) => Color32::from_rgb(0xd4, 0xd4, 0xd4),
        (Tok::Plain, false) => Color32::from_rgb(0x24, 0x29, 0x2e),
        (Tok::Comment, true) => Color32::from_rgb(0x6a, 0x99, 0x55),
        (Tok::Comment, false) => Color32::from_rgb(0x5a, 0x7a, 0x4a),
        (Tok::Str, true) => Color32::from_rgb(0xce, 0x91, 0x78),
        (Tok::Str, false) => Color32::from_rgb(0xa3, 0x15, 0x15),
        (Tok::Key, true) => Color32::from_rgb(0x9c, 0xdc, 0xfe),
        (Tok::Key, false) => Color32::from_rgb(0x00, 0x5c, 0xc5),
        (Tok::Number, true) => Color32::from_rgb(0xb5, 0xce, 0xa8),
        (Tok::Number, false) => Color32::from_rgb(0x09, 0x86, 0x58),
        (Tok::Keyword, true) => Color32::from_rgb(0xc5, 0x86, 0xc0),
        (Tok::Keyword, false) => Color32::from_rgb(0xaf, 0x00, 0xdb),
        (Tok::Punct, true) => Color32::from_rgb(0x80, 0x80, 0x80),
        (Tok::Punct, false) => Color32::from_rgb(0x6a, 0x73, 0x7d),
    }
}

const RHAI_KEYWORDS: &[&str] = &[
    "fn", "let", "const", "if", "else", "while", "loop", "for", "in", "return", "break",
    "continue", "true", "false", "this", "import", "export", "as", "switch", "do", "until",
    "throw", "try", "catch", "private", "global",
];
const YAML_WORDS: &[&str] = &["true", "false", "null", "yes", "no", "~"];

/// Spans of one text: `(byte range, token)`, covering the whole text in order.
fn spans(text: &str, syntax: Syntax) -> Vec<(std::ops::Range<usize>, Tok)> {
    let mut out: Vec<(std::ops::Range<usize>, Tok)> = Vec::new();
    let mut push = |r: std::ops::Range<usize>, t: Tok| {
        if r.is_empty() {
            return;
        }
        match out.last_mut() {
            Some((last, lt)) if *lt == t && last.end == r.start => last.end = r.end,
            _ => out.push((r, t)),
        }
    };
    let mut in_block_comment = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        match syntax {
            Syntax::Yaml => yaml_line(line, offset, &mut push),
            Syntax::Rhai => rhai_line(line, offset, &mut in_block_comment, &mut push),
        }
        offset += line.len();
    }
    out
}

/// The end of a quoted string starting at `start` (the quote), escapes honoured for `"`.
fn string_end(s: &str, start: usize) -> usize {
    let bytes = s.as_bytes();
    let q = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' && q != b'\'' {
            i += 2;
            continue;
        }
        if bytes[i] == q {
            return i + 1;
        }
        if bytes[i] == b'\n' {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

fn word_end(s: &str, start: usize, word: impl Fn(char) -> bool) -> usize {
    s[start..]
        .char_indices()
        .find(|(_, c)| !word(*c))
        .map_or(s.len(), |(i, _)| start + i)
}

fn yaml_line(line: &str, base: usize, push: &mut impl FnMut(std::ops::Range<usize>, Tok)) {
    let b = line.as_bytes();
    let mut i = 0;
    // Indentation and a list dash.
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    push(base..base + i, Tok::Plain);
    if i < b.len() && b[i] == b'-' && b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace()) {
        push(base + i..base + i + 1, Tok::Punct);
        i += 1;
    }
    while i < b.len() {
        let c = b[i];
        if c == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            push(base + i..base + b.len(), Tok::Comment);
            return;
        }
        if c == b'"' || c == b'\'' {
            let e = string_end(line, i);
            push(base + i..base + e, Tok::Str);
            i = e;
            continue;
        }
        if matches!(
            c,
            b'{' | b'}' | b'[' | b']' | b',' | b'&' | b'*' | b'|' | b'>'
        ) {
            push(base + i..base + i + 1, Tok::Punct);
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            let e = word_end(line, i, |c| c.is_ascii_whitespace());
            push(base + i..base + e, Tok::Plain);
            i = e;
            continue;
        }
        // A scalar: up to `, ` `}` `]` ` #` or the end; a key when `: ` follows.
        let start = i;
        let mut e = i;
        let mut key_end = None;
        while e < b.len() {
            let c = b[e];
            if c == b':' && b.get(e + 1).is_none_or(|n| n.is_ascii_whitespace()) {
                key_end = Some(e);
                break;
            }
            if matches!(c, b',' | b'}' | b']' | b'{' | b'[' | b'\n')
                || (c == b'#' && b[e - 1].is_ascii_whitespace())
            {
                break;
            }
            e += 1;
        }
        match key_end {
            Some(k) => {
                push(base + start..base + k, Tok::Key);
                push(base + k..base + k + 1, Tok::Punct);
                i = k + 1;
            }
            None => {
                let word = line[start..e].trim_end();
                let tok = if word.parse::<f64>().is_ok() || YAML_WORDS.contains(&word) {
                    Tok::Number
                } else {
                    Tok::Plain
                };
                push(base + start..base + e, tok);
                i = e;
            }
        }
    }
}

fn rhai_line(
    line: &str,
    base: usize,
    in_block: &mut bool,
    push: &mut impl FnMut(std::ops::Range<usize>, Tok),
) {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if *in_block {
            match line[i..].find("*/") {
                Some(e) => {
                    push(base + i..base + i + e + 2, Tok::Comment);
                    i += e + 2;
                    *in_block = false;
                }
                None => {
                    push(base + i..base + b.len(), Tok::Comment);
                    return;
                }
            }
            continue;
        }
        let c = b[i];
        if line[i..].starts_with("//") {
            push(base + i..base + b.len(), Tok::Comment);
            return;
        }
        if line[i..].starts_with("/*") {
            *in_block = true;
            push(base + i..base + i + 2, Tok::Comment);
            i += 2;
            continue;
        }
        if c == b'"' || c == b'`' || c == b'\'' {
            let e = string_end(line, i);
            push(base + i..base + e, Tok::Str);
            i = e;
            continue;
        }
        if c.is_ascii_digit() {
            let e = word_end(line, i, |c| {
                c.is_ascii_alphanumeric() || c == '.' || c == '_'
            });
            push(base + i..base + e, Tok::Number);
            i = e;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let e = word_end(line, i, |c| c.is_ascii_alphanumeric() || c == '_');
            let tok = if RHAI_KEYWORDS.contains(&&line[i..e]) {
                Tok::Keyword
            } else if line[e..].starts_with(':') && !line[e..].starts_with("::") {
                Tok::Key
            } else {
                Tok::Plain
            };
            push(base + i..base + e, tok);
            i = e;
            continue;
        }
        let e = i + line[i..].chars().next().map_or(1, char::len_utf8);
        let tok = if c.is_ascii_punctuation() {
            Tok::Punct
        } else {
            Tok::Plain
        };
        push(base + i..base + e, tok);
        i = e;
    }
}

/// The coloured layout of `text`, wrapped at nothing (code lines stay whole).
pub fn layout(text: &str, syntax: Syntax, font: FontId, dark: bool) -> LayoutJob {
    let mut job = LayoutJob {
        text: text.to_owned(),
        ..LayoutJob::default()
    };
    for (range, tok) in spans(text, syntax) {
        job.sections.push(egui::text::LayoutSection {
            leading_space: 0.0,
            byte_range: range.start.into()..range.end.into(),
            format: TextFormat::simple(font.clone(), color(tok, dark)),
        });
    }
    job
}

/// The laid-out text last drawn, kept until the text (or the scale) changes: a frame at rest
/// neither colours nor lays out the file again.
#[derive(Default)]
pub struct Cache {
    key: u64,
    galley: Option<std::sync::Arc<egui::Galley>>,
}

impl Cache {
    /// The coloured, laid-out `text`.
    pub fn get(
        &mut self,
        ui: &egui::Ui,
        text: &str,
        syntax: Syntax,
        font: &FontId,
    ) -> std::sync::Arc<egui::Galley> {
        self.get_wrapped(ui, text, syntax, font, None)
    }

    /// The coloured `text`, its lines wrapped at `width` when given.
    pub fn get_wrapped(
        &mut self,
        ui: &egui::Ui,
        text: &str,
        syntax: Syntax,
        font: &FontId,
        width: Option<f32>,
    ) -> std::sync::Arc<egui::Galley> {
        let dark = ui.visuals().dark_mode;
        let key = (
            text,
            syntax,
            dark,
            font.size.to_bits(),
            width.map(f32::to_bits),
        );
        self.get_with(ui, key, || {
            let mut job = layout(text, syntax, font.clone(), dark);
            if let Some(w) = width {
                job.wrap.max_width = w;
            }
            job
        })
    }

    /// The galley of `make()`, made again only when `key` (or the scale) changes.
    pub fn get_with(
        &mut self,
        ui: &egui::Ui,
        key: impl std::hash::Hash,
        make: impl FnOnce() -> LayoutJob,
    ) -> std::sync::Arc<egui::Galley> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut h);
        ui.ctx().pixels_per_point().to_bits().hash(&mut h);
        let key = h.finish();
        if let Some(g) = &self.galley
            && self.key == key
        {
            return g.clone();
        }
        let g = ui.fonts_mut(|f| f.layout_job(make()));
        self.key = key;
        self.galley = Some(g.clone());
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str, s: Syntax) -> Vec<(&str, Tok)> {
        spans(text, s)
            .into_iter()
            .map(|(r, t)| (text[r].trim(), t))
            .filter(|(s, _)| !s.is_empty())
            .collect()
    }

    #[test]
    fn yaml_keys_strings_numbers_and_comments() {
        let t = toks(
            "id: x # note\n  - { zh-CN: 开场, en: \"Opening\" }\nweight: 2\n",
            Syntax::Yaml,
        );
        assert!(t.contains(&("id", Tok::Key)));
        assert!(t.contains(&("# note", Tok::Comment)));
        assert!(t.contains(&("zh-CN", Tok::Key)));
        assert!(t.contains(&("开场", Tok::Plain)));
        assert!(t.contains(&("\"Opening\"", Tok::Str)));
        assert!(t.contains(&("2", Tok::Number)));
    }

    #[test]
    fn rhai_keywords_strings_and_comments() {
        let t = toks(
            "fn score(ctx) { // why\n  let s = \"a\\\"b\"; /* x\n y */ #{ en: 1 }\n}",
            Syntax::Rhai,
        );
        assert!(t.contains(&("fn", Tok::Keyword)));
        assert!(t.contains(&("let", Tok::Keyword)));
        assert!(t.contains(&("// why", Tok::Comment)));
        assert!(t.contains(&("\"a\\\"b\"", Tok::Str)));
        assert!(t.contains(&("/* x\n y */", Tok::Comment)));
        assert!(t.contains(&("en", Tok::Key)));
        assert!(t.contains(&("1", Tok::Number)));
    }

    #[test]
    fn spans_cover_the_text_exactly() {
        for (text, s) in [
            ("a: 'unterminated\n\"x\\", Syntax::Yaml),
            ("let x = \"é\"; `t` 中文 /*", Syntax::Rhai),
            (
                include_str!("../../playbooks/02_jewelry.yaml"),
                Syntax::Yaml,
            ),
            (include_str!("../../scripts/jewelry.rhai"), Syntax::Rhai),
        ] {
            let sp = spans(text, s);
            let mut at = 0;
            for (r, _) in &sp {
                assert_eq!(r.start, at);
                assert!(text.is_char_boundary(r.end));
                at = r.end;
            }
            assert_eq!(at, text.len());
        }
    }
}
