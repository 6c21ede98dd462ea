//! Characters refused in content files (playbooks, personas, concepts): control characters,
//! bidirectional overrides and invisible format characters (see [`crate::untrusted`]), whether
//! written raw or through a YAML escape in a double-quoted scalar (`"\e]52;…"`, `"\u202e"`).
//! Each is an error at its line and column, naming the character: `U+001B ESCAPE`.

use granit_parser::{Event, Parser, ScalarStyle};

use super::diag::{Diagnostic, Pos};
use crate::untrusted::{describe, refused_char};

/// Adds an error for every refused character of `text` (a YAML file) and says whether there
/// was any.
pub fn check(file: &str, text: &str, out: &mut Vec<Diagnostic>) -> bool {
    let before = out.len();
    let lines = LineIndex::new(text);
    // Raw characters, anywhere in the file (a carriage return ends a line only before a line
    // feed).
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let raw = refused_char(c).is_some() && !(c == '\r' && chars.get(i + 1) == Some(&'\n'));
        if raw {
            out.push(error(
                file,
                lines.pos(i, 1),
                c,
                crate::msg::written_in_file(),
            ));
        }
    }
    // Escapes: only a double-quoted scalar can turn `\e` into ESCAPE.
    if text.contains('"') && text.contains('\\') {
        for ev in Parser::new_from_str(text) {
            // A YAML error is reported by the loader itself.
            let Ok((Event::Scalar(value, ScalarStyle::DoubleQuoted, ..), span)) = ev else {
                continue;
            };
            if !value.chars().any(|c| refused_char(c).is_some()) {
                continue;
            }
            let start = span.start.index();
            let end = span.end.index().min(chars.len());
            for (at, len, c) in escapes(&chars[start.min(end)..end]) {
                if refused_char(c).is_some() {
                    out.push(error(
                        file,
                        lines.pos(start + at, len),
                        c,
                        crate::msg::from_escape(),
                    ));
                }
            }
        }
    }
    out.len() > before
}

fn error(file: &str, at: Pos, c: char, how: crate::msg::Text) -> Diagnostic {
    Diagnostic::error(
        file,
        Some(at),
        crate::msg::refused_char(describe(c), at.line, at.column, how),
    )
    .with_help(Some(crate::msg::refused_why()))
}

/// The escapes of a double-quoted scalar's source (quotes included): (char offset, length,
/// the character it stands for).
fn escapes(src: &[char]) -> Vec<(usize, u32, char)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        if src[i] != '\\' {
            i += 1;
            continue;
        }
        let Some(&k) = src.get(i + 1) else { break };
        let hex = |n: usize| -> Option<char> {
            let s: String = src.get(i + 2..i + 2 + n)?.iter().collect();
            char::from_u32(u32::from_str_radix(&s, 16).ok()?)
        };
        let (c, len) = match k {
            '0' => (Some('\0'), 2),
            'a' => (Some('\u{7}'), 2),
            'b' => (Some('\u{8}'), 2),
            'e' => (Some('\u{1b}'), 2),
            'f' => (Some('\u{c}'), 2),
            'r' => (Some('\r'), 2),
            'v' => (Some('\u{b}'), 2),
            'N' => (Some('\u{85}'), 2),
            'L' => (Some('\u{2028}'), 2),
            'P' => (Some('\u{2029}'), 2),
            'x' => (hex(2), 4),
            'u' => (hex(4), 6),
            'U' => (hex(8), 10),
            _ => (None, 2),
        };
        if let Some(c) = c {
            out.push((i, len as u32, c));
        }
        i += len;
    }
    out
}

/// Line and column (1-based, in characters) of a character offset.
struct LineIndex {
    /// Character offset of each line's start.
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        for (i, c) in text.chars().enumerate() {
            if c == '\n' {
                starts.push(i + 1);
            }
        }
        LineIndex { starts }
    }

    fn pos(&self, offset: usize, len: u32) -> Pos {
        let line = self.starts.partition_point(|&s| s <= offset);
        let col = offset - self.starts[line.saturating_sub(1)] + 1;
        Pos::new(line as u32, col as u32, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        check("x.yaml", text, &mut out);
        out.iter().map(|d| d.message.clone()).collect()
    }

    #[test]
    fn escapes_in_double_quotes_are_found_at_the_backslash() {
        let e = errors("id: x\ncustomer: \"\\e]52;c;ZWNo\\a\\e[2J电话\"\n");
        assert_eq!(
            e,
            [
                "U+001B ESCAPE at 2:12 comes from this escape: control, bidirectional and invisible characters are not allowed in content",
                "U+0007 BELL at 2:24 comes from this escape: control, bidirectional and invisible characters are not allowed in content",
                "U+001B ESCAPE at 2:26 comes from this escape: control, bidirectional and invisible characters are not allowed in content",
            ]
        );
    }

    #[test]
    fn raw_characters_and_unicode_escapes_are_found() {
        let e = errors("a: \"ok \\u202Eevil\"\nb: plain\u{202e}text\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e[0].starts_with("U+202E RIGHT-TO-LEFT OVERRIDE (bidirectional) at 2:9 is written"),
            "{e:?}"
        );
        assert!(
            e[1].starts_with("U+202E RIGHT-TO-LEFT OVERRIDE (bidirectional) at 1:8 comes from"),
            "{e:?}"
        );
    }

    #[test]
    fn ordinary_text_and_escapes_pass() {
        assert!(errors("a: \"line\\nnext\\ttab \\\\e 好\"\nb: 'it''s \\e'\nc: plain \\e\r\nd: |\n  多行\n  文本\n").is_empty());
    }
}
