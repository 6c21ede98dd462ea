//! Diagnostics: errors and warnings about content files, printed like a compiler.
//!
//! ```text
//! playbooks/x.yaml:12:14: error: unknown persona 'stingy' (known: rational, …)
//!    |
//! 12 |     persona: stingy
//!    |              ^^^^^^
//!    = help: did you mean 'stingy_type'?
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::msg::{self, Lang, Text};

/// The most characters of one source line a diagnostic quotes.
const WINDOW: usize = 100;

/// A place in a source file: 1-based line and column (in characters), and a length in
/// characters to underline (at least one caret is drawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    #[serde(skip)]
    pub len: u32,
}

impl Pos {
    pub fn new(line: u32, column: u32, len: u32) -> Self {
        Self { line, column, len }
    }

    /// From a serde-saphyr location; `None` when the parser did not know it.
    pub fn from_location(loc: serde_saphyr::Location) -> Option<Self> {
        if loc.line() == 0 {
            return None;
        }
        Some(Self {
            line: u32::try_from(loc.line()).unwrap_or(u32::MAX),
            column: u32::try_from(loc.column()).unwrap_or(u32::MAX),
            len: u32::try_from(loc.span().len()).unwrap_or(1),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one file. `message` and `help` are English (as JSON output and the
/// command line give them); [`Diagnostic::message_in`] gives either language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as the user named it (or as bundled: `playbooks/x.yaml`).
    pub file: String,
    #[serde(flatten)]
    pub pos: Option<Pos>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The Chinese wording of `message` and `help`, from the catalogue ([`crate::msg`]).
    #[serde(skip)]
    pub zh: (String, Option<String>),
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, pos: Option<Pos>, message: impl Into<Text>) -> Self {
        let Text { en, zh } = message.into();
        Self {
            severity: Severity::Error,
            file: file.into(),
            pos,
            message: en,
            help: None,
            zh: (zh, None),
        }
    }

    pub fn warning(file: impl Into<String>, pos: Option<Pos>, message: impl Into<Text>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(file, pos, message)
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: Option<Text>) -> Self {
        let (en, zh) = help.map(|t| (t.en, t.zh)).unzip();
        self.help = en;
        self.zh.1 = zh;
        self
    }

    /// The message in `lang`.
    pub fn message_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.message,
            Lang::Zh => &self.zh.0,
        }
    }

    /// The help line in `lang`.
    pub fn help_in(&self, lang: Lang) -> Option<&str> {
        match lang {
            Lang::En => self.help.as_deref(),
            Lang::Zh => self.zh.1.as_deref(),
        }
    }

    /// `file:line:col: error: message`, the source line with a caret, and the help line.
    pub fn render(&self, source: Option<&str>) -> String {
        self.render_in(source, Lang::En)
    }

    /// [`Diagnostic::render`] in `lang`.
    pub fn render_in(&self, source: Option<&str>, lang: Lang) -> String {
        let sev = match self.severity {
            Severity::Error => msg::severity_error(),
            Severity::Warning => msg::severity_warning(),
        };
        let sev = sev.get(lang);
        let message = self.message_in(lang);
        let mut out = match self.pos {
            Some(p) => format!("{}:{}:{}: {sev}: {message}\n", self.file, p.line, p.column),
            None => format!("{}: {sev}: {message}\n", self.file),
        };
        if let (Some(p), Some(src)) = (self.pos, source)
            && let Some(line) = src.lines().nth(p.line.saturating_sub(1) as usize)
        {
            let line = line.trim_end_matches('\r');
            let num = p.line.to_string();
            let gutter = " ".repeat(num.len());
            // Very long lines are shown as a window around the column.
            let col = p.column.saturating_sub(1) as usize;
            let len = line.chars().count();
            let skip = if len <= WINDOW {
                0
            } else {
                col.saturating_sub(WINDOW / 2).min(len - WINDOW)
            };
            let mut shown: String = line.chars().skip(skip).take(WINDOW).collect();
            if skip > 0 {
                shown.insert(0, '…');
            }
            if line.chars().count() > skip + WINDOW {
                shown.push('…');
            }
            let line = shown;
            let col = col - skip + usize::from(skip > 0);
            let before: String = line.chars().take(col).collect();
            let rest: String = line.chars().skip(col).take(p.len.max(1) as usize).collect();
            let pad = " ".repeat(before.width());
            let carets = "^".repeat(rest.width().max(1));
            let _ = writeln!(out, "{gutter} |");
            let _ = writeln!(out, "{num} | {line}");
            let _ = writeln!(out, "{gutter} | {pad}{carets}");
        }
        if let Some(help) = self.help_in(lang) {
            let _ = writeln!(out, "  = {}: {help}", msg::help().get(lang));
        }
        out
    }
}

/// Every diagnostic of one run, with the text of each file they point into.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    sources: BTreeMap<String, Arc<str>>,
    /// Also check translations: a plain string where a playbook shows several languages
    /// (`validate --locales`, the authoring view).
    pub translations: bool,
}

impl Report {
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Remember a file's text so its diagnostics can quote it.
    pub fn add_source(&mut self, file: &str, text: Arc<str>) {
        self.sources.insert(file.to_owned(), text);
    }

    pub fn source(&self, file: &str) -> Option<&str> {
        self.sources.get(file).map(|s| &**s)
    }

    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, s: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == s).count()
    }

    pub fn extend(&mut self, other: Report) {
        self.diagnostics.extend(other.diagnostics);
        self.sources.extend(other.sources);
    }

    /// Sorted by file and position, errors before warnings at the same place.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.diagnostics.iter().collect();
        v.sort_by(|a, b| {
            (&a.file, a.pos.map(|p| (p.line, p.column)), a.severity).cmp(&(
                &b.file,
                b.pos.map(|p| (p.line, p.column)),
                b.severity,
            ))
        });
        v
    }

    /// All diagnostics rendered, errors and warnings in two groups.
    pub fn render(&self) -> String {
        self.render_in(Lang::En)
    }

    /// [`Report::render`] in `lang`.
    pub fn render_in(&self, lang: Lang) -> String {
        let mut out = String::new();
        for sev in [Severity::Error, Severity::Warning] {
            for d in self.sorted().into_iter().filter(|d| d.severity == sev) {
                out.push_str(&d.render_in(self.source(&d.file), lang));
                out.push('\n');
            }
        }
        out
    }
}

/// The known name closest to `word`, if one is close enough to be a likely typo.
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(word, k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// `did you mean 'x'?` for the closest known name.
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<Text> {
    closest(word, known).map(msg::did_you_mean)
}

pub use msg::known_list;
