//! Text from others — playbooks, replies, names, databases — must not reach a terminal as
//! commands. Control characters (an `ESC` starts a terminal escape sequence: OSC 52 writes the
//! clipboard, CSI 2J clears the screen), bidirectional overrides that make text read other than
//! it is stored, and invisible format characters are:
//!
//! - **refused at the door**: the validator rejects them in every text of a playbook, persona
//!   and concept file, at their line and column; names and teams are refused where they are
//!   typed ([`check_name`]), and cleaned where they come from another database ([`clean`]);
//! - **shown visibly on the way out**: every text the command line prints goes through
//!   [`visible`] (`\u{1b}`), or [`json_visible`] for JSON (`\u001b`, still valid JSON), by way of
//!   [`VisibleWriter`], so a database written by hand or by an older version cannot reach the
//!   terminal either.
//!
//! Tab and newline are ordinary text (a text may span lines).

use std::borrow::Cow;
use std::io::Write;

/// The name of a character that is refused in untrusted text, or `None` for an ordinary one
/// (tab and newline are ordinary).
pub fn refused_char(c: char) -> Option<&'static str> {
    const C0: [&str; 32] = [
        "NULL",
        "START OF HEADING",
        "START OF TEXT",
        "END OF TEXT",
        "END OF TRANSMISSION",
        "ENQUIRY",
        "ACKNOWLEDGE",
        "BELL",
        "BACKSPACE",
        "CHARACTER TABULATION",
        "LINE FEED",
        "LINE TABULATION",
        "FORM FEED",
        "CARRIAGE RETURN",
        "SHIFT OUT",
        "SHIFT IN",
        "DATA LINK ESCAPE",
        "DEVICE CONTROL ONE",
        "DEVICE CONTROL TWO",
        "DEVICE CONTROL THREE",
        "DEVICE CONTROL FOUR",
        "NEGATIVE ACKNOWLEDGE",
        "SYNCHRONOUS IDLE",
        "END OF TRANSMISSION BLOCK",
        "CANCEL",
        "END OF MEDIUM",
        "SUBSTITUTE",
        "ESCAPE",
        "INFORMATION SEPARATOR FOUR",
        "INFORMATION SEPARATOR THREE",
        "INFORMATION SEPARATOR TWO",
        "INFORMATION SEPARATOR ONE",
    ];
    match c {
        '\t' | '\n' => None,
        '\u{0}'..='\u{1f}' => Some(C0[c as usize]),
        '\u{7f}' => Some("DELETE"),
        '\u{85}' => Some("NEXT LINE (C1 control)"),
        '\u{9b}' => Some("CONTROL SEQUENCE INTRODUCER (C1 control)"),
        '\u{9d}' => Some("OPERATING SYSTEM COMMAND (C1 control)"),
        '\u{90}' => Some("DEVICE CONTROL STRING (C1 control)"),
        '\u{80}'..='\u{9f}' => Some("C1 CONTROL"),
        '\u{ad}' => Some("SOFT HYPHEN (invisible)"),
        '\u{61c}' => Some("ARABIC LETTER MARK (bidirectional)"),
        '\u{180e}' => Some("MONGOLIAN VOWEL SEPARATOR (invisible)"),
        '\u{200b}' => Some("ZERO WIDTH SPACE"),
        '\u{200c}' => Some("ZERO WIDTH NON-JOINER"),
        '\u{200d}' => Some("ZERO WIDTH JOINER"),
        '\u{200e}' => Some("LEFT-TO-RIGHT MARK (bidirectional)"),
        '\u{200f}' => Some("RIGHT-TO-LEFT MARK (bidirectional)"),
        '\u{2028}' => Some("LINE SEPARATOR"),
        '\u{2029}' => Some("PARAGRAPH SEPARATOR"),
        '\u{202a}' => Some("LEFT-TO-RIGHT EMBEDDING (bidirectional)"),
        '\u{202b}' => Some("RIGHT-TO-LEFT EMBEDDING (bidirectional)"),
        '\u{202c}' => Some("POP DIRECTIONAL FORMATTING (bidirectional)"),
        '\u{202d}' => Some("LEFT-TO-RIGHT OVERRIDE (bidirectional)"),
        '\u{202e}' => Some("RIGHT-TO-LEFT OVERRIDE (bidirectional)"),
        '\u{2060}'..='\u{2064}' => Some("INVISIBLE FORMAT CHARACTER"),
        '\u{2066}' => Some("LEFT-TO-RIGHT ISOLATE (bidirectional)"),
        '\u{2067}' => Some("RIGHT-TO-LEFT ISOLATE (bidirectional)"),
        '\u{2068}' => Some("FIRST STRONG ISOLATE (bidirectional)"),
        '\u{2069}' => Some("POP DIRECTIONAL ISOLATE (bidirectional)"),
        '\u{206a}'..='\u{206f}' => Some("DEPRECATED FORMAT CHARACTER"),
        '\u{feff}' => Some("ZERO WIDTH NO-BREAK SPACE (byte-order mark)"),
        '\u{fff9}'..='\u{fffb}' => Some("INTERLINEAR ANNOTATION CHARACTER"),
        '\u{e0000}'..='\u{e007f}' => Some("TAG CHARACTER (invisible)"),
        _ => None,
    }
}

/// The first refused character of `s`: (its character offset, the character, its name).
pub fn first_refused(s: &str) -> Option<(usize, char, &'static str)> {
    s.chars()
        .enumerate()
        .find_map(|(i, c)| refused_char(c).map(|n| (i, c, n)))
}

/// `U+001B ESCAPE`
pub fn describe(c: char) -> String {
    format!(
        "U+{:04X} {}",
        c as u32,
        refused_char(c).unwrap_or("CHARACTER")
    )
}

/// `s` with every refused character shown as `\u{1b}` (for people).
pub fn visible(s: &str) -> Cow<'_, str> {
    escape(s, |c, out| {
        use std::fmt::Write as _;
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    })
}

/// `s` (a JSON text) with every refused character written as a JSON escape (`\u001b`, a
/// surrogate pair beyond the BMP): the same JSON value, with nothing raw for a terminal.
/// (serde_json escapes C0 itself; C1, bidirectional and format characters it writes raw.)
pub fn json_visible(s: &str) -> Cow<'_, str> {
    escape(s, |c, out| {
        use std::fmt::Write as _;
        let mut units = [0u16; 2];
        for u in c.encode_utf16(&mut units) {
            let _ = write!(out, "\\u{u:04x}");
        }
    })
}

/// Escapes refused characters; a carriage return that ends a line (CRLF, as in CSV) stays.
fn escape(s: &str, mut write: impl FnMut(char, &mut String)) -> Cow<'_, str> {
    let refused = |c: char, next: Option<&char>| {
        refused_char(c).is_some() && !(c == '\r' && next == Some(&'\n'))
    };
    let mut it = s.chars().peekable();
    let mut any = false;
    while let Some(c) = it.next() {
        if refused(c, it.peek()) {
            any = true;
            break;
        }
    }
    if !any {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if refused(c, it.peek()) {
            write(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A name or team typed by a person: refused (with the reason) when it holds a character that
/// could act on a terminal or disguise the text. Names are refused, not cleaned, where they are
/// typed, so that nobody is stored under a name other than the one they typed.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    match first_refused(name) {
        Some((i, c, _)) => Err(format!(
            "the {what} '{}' holds {} at character {}: names may not hold control, \
             bidirectional or invisible characters (they can act on a terminal or disguise \
             the text); type it again without it",
            visible(name),
            describe(c),
            i + 1
        )),
        None if name.contains(['\t', '\n']) => Err(format!(
            "the {what} '{}' holds a tab or a line break; type it on one line",
            visible(name)
        )),
        None => Ok(()),
    }
}

/// A name from another database, with refused characters, tabs and line breaks removed (a
/// merge brings in what another machine stored; it is cleaned and the merge says so).
pub fn clean(name: &str) -> Cow<'_, str> {
    if !name
        .chars()
        .any(|c| refused_char(c).is_some() || c == '\t' || c == '\n')
    {
        return Cow::Borrowed(name);
    }
    Cow::Owned(
        name.chars()
            .filter(|c| refused_char(*c).is_none() && *c != '\t' && *c != '\n')
            .collect(),
    )
}

/// How a [`VisibleWriter`] shows refused characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// `\u{1b}`, for people.
    Human,
    /// `\u001b`, for JSON.
    Json,
}

/// A writer that passes text through [`visible`] or [`json_visible`] on its way to `inner`.
/// Bytes may arrive split inside a character: the incomplete tail waits for the rest; bytes
/// that are not UTF-8 are written as U+FFFD.
pub struct VisibleWriter<W: Write> {
    inner: W,
    mode: Escape,
    pending: Vec<u8>,
}

impl<W: Write> VisibleWriter<W> {
    pub fn new(inner: W, mode: Escape) -> Self {
        VisibleWriter {
            inner,
            mode,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, s: &str) -> std::io::Result<()> {
        let shown = match self.mode {
            Escape::Human => visible(s),
            Escape::Json => json_visible(s),
        };
        self.inner.write_all(shown.as_bytes())
    }

    fn drain(&mut self) -> std::io::Result<()> {
        let mut start = 0;
        loop {
            match std::str::from_utf8(&self.pending[start..]) {
                Ok(s) => {
                    // A carriage return at the end waits: a line feed may follow (CRLF stays).
                    let keep = usize::from(s.ends_with('\r'));
                    let s = s[..s.len() - keep].to_owned();
                    self.emit(&s)?;
                    let len = self.pending.len();
                    self.pending.drain(..len - keep);
                    return Ok(());
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    let s = std::str::from_utf8(&self.pending[start..start + valid])
                        .unwrap_or_default()
                        .to_owned();
                    self.emit(&s)?;
                    match e.error_len() {
                        Some(bad) => {
                            self.inner.write_all("\u{fffd}".as_bytes())?;
                            start += valid + bad;
                        }
                        None => {
                            // An incomplete character at the end: keep it for the next write.
                            self.pending.drain(..start + valid);
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

impl<W: Write> Write for VisibleWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain()?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.pending == b"\r" {
            // A lone carriage return at the very end.
            self.pending.clear();
            self.emit("\r")?;
        } else if !self.pending.is_empty() {
            // What is left can never complete.
            self.pending.clear();
            self.inner.write_all("\u{fffd}".as_bytes())?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_characters_are_named() {
        assert_eq!(describe('\u{1b}'), "U+001B ESCAPE");
        assert_eq!(describe('\u{7}'), "U+0007 BELL");
        assert_eq!(
            describe('\u{202e}'),
            "U+202E RIGHT-TO-LEFT OVERRIDE (bidirectional)"
        );
        assert_eq!(refused_char('\n'), None);
        assert_eq!(refused_char('\t'), None);
        assert_eq!(refused_char('好'), None);
        assert_eq!(refused_char('é'), None);
        assert!(refused_char('\u{9b}').is_some());
        assert!(refused_char('\r').is_some());
    }

    #[test]
    fn visible_shows_every_refused_character_and_keeps_the_rest() {
        let hostile = "\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{1b}[2J电话铃响了\u{202e}abc\u{9b}";
        let shown = visible(hostile);
        assert_eq!(
            shown,
            "\\u{1b}]52;c;ZWNobyBwd25lZA==\\u{7}\\u{1b}[2J电话铃响了\\u{202e}abc\\u{9b}"
        );
        assert!(shown.chars().all(|c| refused_char(c).is_none()));
        assert!(matches!(visible("普通文字\n\tok"), Cow::Borrowed(_)));
        // CRLF ends a line (CSV); a lone carriage return could overwrite one.
        assert_eq!(visible("a,b\r\nc\rd"), "a,b\r\nc\\u{d}d");
    }

    #[test]
    fn json_stays_json_and_means_the_same() {
        let v = serde_json::json!({ "name": "Eve\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}\u{e0041}" });
        let raw = serde_json::to_string(&v).expect("json");
        let safe = json_visible(&raw);
        assert!(safe.chars().all(|c| refused_char(c).is_none()), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, v);
    }

    #[test]
    fn the_writer_escapes_characters_split_across_writes() {
        let text = "名字\u{9b}2J\u{202e}好".as_bytes();
        for split in 0..text.len() {
            let mut w = VisibleWriter::new(Vec::new(), Escape::Human);
            w.write_all(&text[..split]).expect("write");
            w.write_all(&text[split..]).expect("write");
            w.flush().expect("flush");
            assert_eq!(
                String::from_utf8(w.inner).expect("utf-8"),
                "名字\\u{9b}2J\\u{202e}好",
                "split at {split}"
            );
        }
        let mut w = VisibleWriter::new(Vec::new(), Escape::Human);
        w.write_all(b"row\r").expect("write");
        w.write_all(b"\nx\r").expect("write");
        w.flush().expect("flush");
        assert_eq!(String::from_utf8(w.inner).expect("utf-8"), "row\r\nx\\u{d}");
        let mut w = VisibleWriter::new(Vec::new(), Escape::Human);
        w.write_all(b"a\xffb").expect("write");
        w.flush().expect("flush");
        assert_eq!(String::from_utf8(w.inner).expect("utf-8"), "a\u{fffd}b");
    }

    #[test]
    fn names_are_refused_or_cleaned() {
        let e = check_name("trainee name", "Eve\u{1b}]0;pwned\u{7}").expect_err("refused");
        assert!(e.contains("U+001B ESCAPE at character 4"), "{e}");
        assert!(e.contains("Eve\\u{1b}]0;pwned\\u{7}"), "{e}");
        assert!(check_name("trainee name", "王小明 Wang").is_ok());
        assert!(check_name("team", "a\nb").is_err());
        assert_eq!(clean("Eve\u{1b}]0;x\u{7}\u{202e}"), "Eve]0;x");
        assert!(matches!(clean("李芳"), Cow::Borrowed(_)));
    }
}
