//! Script plugins: trainers' rhai scripts that score replies (`score(ctx)`) and guide the
//! role-play (`guide(ctx)`), run in a sandbox with every limit set.
//!
//! Reads the validated library; knows nothing of practice state, storage or UI.

pub mod alloc;
pub mod api;
pub mod closures;
pub mod engine;
pub mod host;
pub mod lint;

pub use engine::Limits;
pub use host::{GuideAnswer, ScriptError, ScriptErrorKind, ScriptHost, ScriptScore};

use crate::playbook::diag::{Diagnostic, Pos};
use crate::playbook::{Library, Report};

/// Compiles every script of the library and reports syntax errors like the validator does
/// (`scripts/x.rhai:LINE:COL: error: …` with the line and a caret).
pub fn check_library(lib: &Library, host: &ScriptHost, report: &mut Report) {
    for (path, file) in &lib.scripts {
        report.add_source(
            &file.display,
            String::from_utf8_lossy(&file.bytes).as_ref().into(),
        );
        if let Err(e) = host.compile(path) {
            report.push(Diagnostic::error(
                &file.display,
                Some(Pos::new(e.line, e.column, 1)),
                crate::msg::script_error(&e.message),
            ));
        }
    }
    // What can be told from the text alone: a `text::` function or a `ctx` field that does not
    // exist is an error wherever it is written, even on a branch no sample reply takes.
    for file in lib.scripts.values() {
        let text = String::from_utf8_lossy(&file.bytes);
        for (name, line, column) in qualified_names(&text) {
            let (problem, help) = if let Some(f) = name.strip_prefix("text::") {
                if api::TEXT_FNS.iter().any(|k| k.name == f) {
                    continue;
                }
                (
                    crate::msg::unknown_host_fn(&name),
                    crate::playbook::diag::closest(f, api::TEXT_FNS.iter().map(|k| k.name))
                        .map(|k| crate::msg::did_you_mean(format!("text::{k}"))),
                )
            } else if let Some(f) = name.strip_prefix("ctx.") {
                // A phrase list is checked against the playbooks that use the script.
                if CTX_FIELDS.contains(&f) || f.starts_with("phrases.") {
                    continue;
                }
                (
                    crate::msg::unknown_ctx_field(f),
                    crate::playbook::diag::closest(f, CTX_FIELDS.iter().copied())
                        .map(|k| crate::msg::did_you_mean(format!("ctx.{k}"))),
                )
            } else {
                continue;
            };
            report.push(
                Diagnostic::error(
                    &file.display,
                    Some(Pos::new(line, column, name.chars().count() as u32)),
                    problem,
                )
                .with_help(help),
            );
        }
    }
    // What the syntax tree shows on every path: host calls' arguments, constant scores out of
    // range, endless loops, recursion, trainee text missing a language.
    let concepts: Vec<&str> = lib.concepts.keys().map(String::as_str).collect();
    for (path, file) in &lib.scripts {
        let mut locales: Vec<String> = Vec::new();
        for pb in &lib.playbooks {
            if [&pb.scripts.score, &pb.scripts.guide]
                .into_iter()
                .any(|s| s.as_deref() == Some(path.as_str()))
            {
                for l in &pb.locales {
                    if !locales.contains(l) {
                        locales.push(l.clone());
                    }
                }
            }
        }
        let cx = lint::Context {
            concepts: &concepts,
            locales: &locales,
        };
        for f in lint::lint(&String::from_utf8_lossy(&file.bytes), &cx) {
            report.push(f.diagnostic(&file.display));
        }
    }
    // Top-level statements run again on every hook call: a loop there costs every reply.
    for file in lib.scripts.values() {
        let text = String::from_utf8_lossy(&file.bytes);
        for (line, column) in top_level_loops(&text) {
            report.push(Diagnostic::warning(
                &file.display,
                Some(Pos::new(line, column, 4)),
                crate::msg::top_level_loop(),
            ));
        }
    }
    // A playbook naming a script whose hook is missing is worth a warning: its rules apply.
    for pb in &lib.playbooks {
        for (path, hook) in [(&pb.scripts.score, "score"), (&pb.scripts.guide, "guide")] {
            if let Some(path) = path
                && let Ok(false) = host.has_hook(path, hook)
            {
                report.push(Diagnostic::warning(
                    &pb.source.file,
                    None,
                    crate::msg::script_no_hook(path, hook),
                ));
            }
        }
    }
}

/// The fields of the context a hook is given (see docs/scripting.md).
pub const CTX_FIELDS: &[&str] = &[
    "phase", "playbook", "version", "scenario", "persona", "style", "stage", "turn", "criteria",
    "reply", "option", "seconds", "phrases", "targets", "score", "points", "history", "ticked",
    "missing",
];

/// A word or a punctuation mark of a script, outside comments and strings (which are left
/// out: a string ends the statement it is in like any other value), at its line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String, u32, u32),
    Mark(char),
    /// A string or a number: a value.
    Value,
}

fn tokens(src: &str) -> Vec<Token> {
    let chars: Vec<char> = src.chars().collect();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    let step = |i: &mut usize, line: &mut u32, col: &mut u32| {
        if chars[*i] == '\n' {
            *line += 1;
            *col = 1;
        } else {
            *col += 1;
        }
        *i += 1;
    };
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match (c, chars.get(i + 1).copied()) {
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    step(&mut i, &mut line, &mut col);
                }
            }
            ('/', Some('*')) => {
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    step(&mut i, &mut line, &mut col);
                }
                for _ in 0..2 {
                    if i < chars.len() {
                        step(&mut i, &mut line, &mut col);
                    }
                }
            }
            ('"' | '`' | '\'', _) => {
                step(&mut i, &mut line, &mut col);
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        step(&mut i, &mut line, &mut col);
                    }
                    if i < chars.len() {
                        step(&mut i, &mut line, &mut col);
                    }
                }
                if i < chars.len() {
                    step(&mut i, &mut line, &mut col);
                }
                out.push(Token::Value);
            }
            _ if c.is_whitespace() => step(&mut i, &mut line, &mut col),
            _ if ident(c) => {
                let (l, k) = (line, col);
                let mut word = String::new();
                while i < chars.len() && ident(chars[i]) {
                    word.push(chars[i]);
                    step(&mut i, &mut line, &mut col);
                }
                out.push(if c.is_ascii_digit() {
                    Token::Value
                } else {
                    Token::Word(word, l, k)
                });
            }
            _ => {
                out.push(Token::Mark(c));
                step(&mut i, &mut line, &mut col);
            }
        }
    }
    out
}

/// Every `text::name`, `ctx.name` and `ctx.phrases.name` written in a script outside comments
/// and strings, with its line and column (1-based).
pub fn qualified_names(src: &str) -> Vec<(String, u32, u32)> {
    let t = tokens(src);
    let word = |i: usize| match t.get(i) {
        Some(Token::Word(w, _, _)) => Some(w.as_str()),
        _ => None,
    };
    let mark = |i: usize, m: char| t.get(i) == Some(&Token::Mark(m));
    let mut out = Vec::new();
    for (i, tok) in t.iter().enumerate() {
        let Token::Word(w, line, col) = tok else {
            continue;
        };
        // `x.ctx` is some other map's field.
        if i > 0 && mark(i - 1, '.') {
            continue;
        }
        let name = match w.as_str() {
            "text" if mark(i + 1, ':') && mark(i + 2, ':') => {
                word(i + 3).map(|n| format!("text::{n}"))
            }
            "ctx" if mark(i + 1, '.') => match (word(i + 2), mark(i + 3, '.'), word(i + 4)) {
                (Some("phrases"), true, Some(list)) => Some(format!("ctx.phrases.{list}")),
                (Some(n), _, _) => Some(format!("ctx.{n}")),
                _ => None,
            },
            _ => None,
        };
        if let Some(name) = name {
            out.push((name, *line, *col));
        }
    }
    out
}

/// Where a loop (`loop`, `while`, `for`, `do`) starts outside every function and block: the
/// script's top level, which rhai runs on every call of a hook. (line, column), 1-based.
fn top_level_loops(src: &str) -> Vec<(u32, u32)> {
    let mut depth = 0usize;
    let mut at_statement = true;
    let mut out = Vec::new();
    for tok in tokens(src) {
        match tok {
            Token::Mark('{') => {
                depth += 1;
                at_statement = true;
            }
            Token::Mark('}') => {
                depth = depth.saturating_sub(1);
                at_statement = true;
            }
            Token::Mark(';') => at_statement = true,
            Token::Word(w, line, col) => {
                if depth == 0
                    && at_statement
                    && matches!(w.as_str(), "loop" | "while" | "for" | "do")
                {
                    out.push((line, col));
                }
                at_statement = false;
            }
            Token::Mark(_) | Token::Value => at_statement = false,
        }
    }
    out
}

/// The rhai definition file for editors (`scripts/salesdojo.d.rhai`): the `text::` API and the
/// hooks a script may define, with their documentation.
pub fn definitions() -> String {
    let mut out = String::from(
        "// salesdojo script API: definitions for editor autocompletion (generated by\n\
         // `salesdojo schema --rhai`; do not edit).\n\
         //\n\
         // Hooks a script may define (each takes the context map `ctx`):\n\
         //   fn score(ctx) -> #{ points: #{criterion: n}, set: #{criterion: n},\n\
         //                       feedback: [\"…\"], hint: \"…\", highlights: [#{start, end, positive}] }\n\
         //   fn guide(ctx) -> #{ next: \"turn-id\", hint: \"…\", may_advance: true }\n\
         // ctx: phase, playbook, version, scenario, persona, style, stage, turn, criteria, reply,\n\
         //      option, seconds, phrases, targets, score, points, history, ticked, missing.\n\n\
         module text;\n",
    );
    for f in api::TEXT_FNS {
        out.push_str(&format!(
            "\n/// {}\n/// `{}`\nfn {}{};\n",
            f.doc, f.example, f.name, f.signature
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::top_level_loops;

    #[test]
    fn qualified_names_are_found_outside_comments_and_strings() {
        let src = "// text::nope(ctx.x)\nlet a = \"ctx.y\";\nfn score(ctx) {\n    text::contains_anyy(ctx.reply, ctx.phrases.greet);\n    h.ctx.z\n}\n";
        let got: Vec<(String, u32, u32)> = super::qualified_names(src);
        assert_eq!(
            got,
            vec![
                ("text::contains_anyy".to_owned(), 4, 5),
                ("ctx.reply".to_owned(), 4, 25),
                ("ctx.phrases.greet".to_owned(), 4, 36),
            ]
        );
    }

    #[test]
    fn only_loops_outside_every_function_are_found() {
        let src = "// loop in a comment\nlet s = \"while\";\nfor x in 0..3 { }\nfn score(ctx) {\n    loop { break; }\n}\n  while true { break; }\n";
        assert_eq!(top_level_loops(src), vec![(3, 1), (7, 3)]);
        assert!(top_level_loops("fn f() { for i in 0..2 {} }\nlet format = 1;").is_empty());
    }
}
