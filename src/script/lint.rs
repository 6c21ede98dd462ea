//! What a script's syntax tree says before it runs, on every path (a branch no sample reply
//! reaches included): the arguments of each `text::` call, a concept named that the lexicon
//! lacks, a constant score outside 0–100, a loop nothing ends, a function that calls itself,
//! and trainee-facing strings in one language where the playbooks using the script show two.

use rhai::{ASTNode, Dynamic, Engine, Expr, FnCallExpr, OptimizationLevel, Position, Stmt};

use super::api::TEXT_FNS;
use crate::msg;
use crate::msg::Text;
use crate::playbook::diag::{Diagnostic, Pos, closest};

/// A finding, positioned in the script.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub error: bool,
    pub line: u32,
    pub column: u32,
    pub len: u32,
    pub message: Text,
    pub help: Option<Text>,
}

impl Finding {
    pub fn diagnostic(self, file: &str) -> Diagnostic {
        let pos = Some(Pos::new(self.line, self.column, self.len.max(1)));
        let d = if self.error {
            Diagnostic::error(file, pos, self.message)
        } else {
            Diagnostic::warning(file, pos, self.message)
        };
        d.with_help(self.help)
    }
}

/// What the lint needs to know beyond the script: the concept ids, and the languages the
/// playbooks using the script show (empty: none uses it, language not checked).
pub struct Context<'a> {
    pub concepts: &'a [&'a str],
    pub locales: &'a [String],
}

/// The parameter types of a host function, from its documented signature.
fn params(signature: &str) -> Vec<&str> {
    let inner = signature
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map_or("", |(p, _)| p);
    inner
        .split(',')
        .filter_map(|p| p.split_once(':').map(|(_, t)| t.trim()))
        .collect()
}

/// The type of a literal argument, as the signatures write it; `None` when only running
/// tells.
fn literal_type(e: &Expr) -> Option<&'static str> {
    Some(match e {
        Expr::StringConstant(..) | Expr::InterpolatedString(..) => "String",
        Expr::Array(..) => "Array",
        Expr::IntegerConstant(..) => "int",
        Expr::FloatConstant(..) => "float",
        Expr::BoolConstant(..) => "bool",
        Expr::CharConstant(..) => "char",
        Expr::Map(..) => "Map",
        Expr::Unit(..) => "()",
        Expr::DynamicConstant(v, _) => dynamic_type(v),
        _ => return None,
    })
}

fn dynamic_type(v: &Dynamic) -> &'static str {
    if v.is_string() {
        "String"
    } else if v.is_array() {
        "Array"
    } else if v.is_map() {
        "Map"
    } else if v.is_int() {
        "int"
    } else if v.is_float() {
        "float"
    } else if v.is_bool() {
        "bool"
    } else {
        "?"
    }
}

fn at(p: Position) -> (u32, u32) {
    (
        p.line().unwrap_or(1) as u32,
        p.position().unwrap_or(1) as u32,
    )
}

/// A number written as a constant, when it is one.
fn constant_number(e: &Expr) -> Option<f64> {
    match e {
        Expr::IntegerConstant(n, _) => Some(*n as f64),
        Expr::FloatConstant(f, _) => Some(**f),
        Expr::DynamicConstant(v, _) => v.as_int().map(|n| n as f64).ok(),
        _ => None,
    }
}

/// Every finding in `src`; nothing when it does not compile (that has its own error).
pub fn lint(src: &str, cx: &Context) -> Vec<Finding> {
    let mut engine = Engine::new_raw();
    engine.set_optimization_level(OptimizationLevel::None);
    engine.set_max_expr_depths(64, 64);
    let Ok(ast) = engine.compile(src) else {
        return Vec::new();
    };
    // Where each function's body lies, to know which function a call is made in.
    let fns: Vec<(String, Position, Position)> = ast
        .iter_fn_def()
        .map(|f| {
            (
                f.name.to_string(),
                f.body.start_position(),
                f.body.end_position(),
            )
        })
        .collect();
    let within = |p: Position| -> Option<&str> {
        let key = |p: Position| (p.line().unwrap_or(0), p.position().unwrap_or(0));
        fns.iter()
            .filter(|(_, s, e)| key(*s) <= key(p) && key(p) <= key(*e))
            .max_by_key(|(_, s, _)| key(*s))
            .map(|(n, _, _)| n.as_str())
    };
    let mut out = Vec::new();
    // Calls from one script function to another: (caller, callee, where).
    let mut calls: Vec<(String, String, Position)> = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, pos))) => {
                host_call(call, *pos, cx, &mut out);
                if call.namespace.is_empty()
                    && let Some(f) = within(*pos)
                    && fns.iter().any(|(n, _, _)| n == call.name.as_str())
                {
                    calls.push((f.to_owned(), call.name.to_string(), *pos));
                }
            }
            Some(ASTNode::Stmt(s @ (Stmt::While(fc, pos) | Stmt::Do(fc, _, pos)))) => {
                // `loop`, `while true`, `do … while true`, `do … until false`.
                let until =
                    matches!(s, Stmt::Do(_, flags, _) if flags.contains(rhai::ASTFlags::NEGATED));
                let endless = match fc.expr {
                    Expr::Unit(..) => true,
                    Expr::BoolConstant(b, _) => b != until,
                    _ => false,
                };
                if endless && !leaves(&fc.body) {
                    let (line, column) = at(*pos);
                    out.push(Finding {
                        error: false,
                        line,
                        column,
                        len: 4,
                        message: msg::script_endless_loop(),
                        help: None,
                    });
                }
            }
            Some(ASTNode::Expr(Expr::Map(m, _))) => returned_map(&m.0, cx, &mut out),
            _ => {}
        }
        true
    });
    // A call that can come back to its caller (itself, or through others): recursion that
    // only the call-depth limit bounds.
    for (caller, callee, pos) in &calls {
        if reaches(&calls, callee, caller) {
            let (line, column) = at(*pos);
            out.push(Finding {
                error: false,
                line,
                column,
                len: callee.chars().count() as u32,
                message: msg::script_recursion(caller, callee),
                help: None,
            });
        }
    }
    out.sort_by_key(|f| (f.line, f.column));
    out.dedup();
    out
}

/// Whether calling `from` can lead to a call of `to` (directly or through other functions).
fn reaches(calls: &[(String, String, Position)], from: &str, to: &str) -> bool {
    let mut seen: Vec<&str> = vec![from];
    let mut todo: Vec<&str> = vec![from];
    while let Some(f) = todo.pop() {
        if f == to {
            return true;
        }
        for (a, b, _) in calls {
            if a == f && !seen.contains(&b.as_str()) {
                seen.push(b);
                todo.push(b);
            }
        }
    }
    false
}

/// Does a loop body contain a `break`, `return` or `throw` anywhere?
fn leaves(body: &rhai::StmtBlock) -> bool {
    let mut found = false;
    for s in body.iter() {
        s.walk(&mut Vec::new(), &mut |p: &[ASTNode]| {
            if matches!(
                p.last(),
                Some(ASTNode::Stmt(Stmt::BreakLoop(_, flags, _))) if flags.contains(rhai::ASTFlags::BREAK)
            ) || matches!(p.last(), Some(ASTNode::Stmt(Stmt::Return(..))))
            {
                found = true;
            }
            !found
        });
    }
    found
}

/// A `text::` call: argument count and the types of literal arguments; a literal concept name.
fn host_call(call: &FnCallExpr, pos: Position, cx: &Context, out: &mut Vec<Finding>) {
    if call.namespace.path.len() != 1 || call.namespace.path[0].name.as_str() != "text" {
        return;
    }
    // An unknown function is reported from the text already.
    let Some(f) = TEXT_FNS.iter().find(|f| f.name == call.name.as_str()) else {
        return;
    };
    let want = params(f.signature);
    // At `text::`, where the call is written.
    let (line, column) = at(call.namespace.path[0].pos.or_else(pos));
    let name = format!("text::{}", f.name);
    if call.args.len() != want.len() {
        out.push(Finding {
            error: true,
            line,
            column,
            len: name.chars().count() as u32,
            message: msg::script_arg_count(&name, want.len(), call.args.len()),
            help: Some(msg::script_signature(format!("{name}{}", f.signature))),
        });
        return;
    }
    for (i, (arg, ty)) in call.args.iter().zip(&want).enumerate() {
        if let Some(given) = literal_type(arg)
            && given != *ty
        {
            let (l, c) = at(arg.start_position());
            out.push(Finding {
                error: true,
                line: l,
                column: c,
                len: 1,
                message: msg::script_arg_type(&name, i + 1, ty, given),
                help: Some(msg::script_signature(format!("{name}{}", f.signature))),
            });
        }
    }
    if matches!(f.name, "concept" | "concept_words")
        && let Some(Expr::StringConstant(id, p)) = call.args.get(1)
        && !cx.concepts.is_empty()
        && !cx.concepts.contains(&id.as_str())
    {
        let (l, c) = at(*p);
        out.push(Finding {
            error: true,
            line: l,
            column: c,
            len: id.chars().count() as u32 + 2,
            message: msg::unknown_concept(id.as_str()),
            help: closest(id, cx.concepts.iter().copied()).map(msg::did_you_mean),
        });
    }
}

/// A map a hook returns: constant points outside their range, and feedback or hints that
/// show one language where the playbooks show more.
fn returned_map(entries: &[(rhai::Ident, Expr)], cx: &Context, out: &mut Vec<Finding>) {
    for (key, value) in entries {
        match key.name.as_str() {
            k @ ("set" | "points") => {
                let Expr::Map(inner, _) = value else { continue };
                let (lo, hi) = if k == "set" {
                    (0.0, 100.0)
                } else {
                    (-100.0, 100.0)
                };
                for (criterion, v) in &inner.0 {
                    if let Some(n) = constant_number(v)
                        && !(lo..=hi).contains(&n)
                    {
                        let (line, column) = at(v.start_position());
                        out.push(Finding {
                            error: false,
                            line,
                            column,
                            len: n.to_string().chars().count() as u32,
                            message: msg::script_points_range(
                                format!("{k}.{}", criterion.name),
                                n,
                                lo,
                                hi,
                            ),
                            help: None,
                        });
                    }
                }
            }
            "feedback" | "hint" => {
                let items: Vec<&Expr> = match value {
                    Expr::Array(items, _) => items.iter().collect(),
                    other => vec![other],
                };
                for item in items {
                    shown_text(item, cx, out);
                }
            }
            _ => {}
        }
    }
}

/// Text shown to the trainee: a plain string in one language, or a map lacking a language,
/// where the playbooks using the script show several.
fn shown_text(e: &Expr, cx: &Context, out: &mut Vec<Finding>) {
    if cx.locales.len() < 2 {
        return;
    }
    match e {
        Expr::StringConstant(s, p) => {
            let (line, column) = at(*p);
            out.push(Finding {
                error: false,
                line,
                column,
                len: s.chars().count() as u32 + 2,
                message: msg::script_text_one_language(cx.locales.join(", ")),
                help: Some(msg::script_text_map_help()),
            });
        }
        Expr::Map(m, p) => {
            let keys: Vec<&str> = m.0.iter().map(|(k, _)| k.name.as_str()).collect();
            let missing: Vec<&str> = cx
                .locales
                .iter()
                .map(String::as_str)
                .filter(|l| !keys.contains(l))
                .collect();
            if !missing.is_empty() {
                let (line, column) = at(*p);
                out.push(Finding {
                    error: false,
                    line,
                    column,
                    len: 2,
                    message: msg::script_text_missing_locales(missing.join(", ")),
                    help: None,
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Vec<(bool, u32, String)> {
        let locales = vec!["zh-CN".to_owned(), "en".to_owned()];
        let cx = Context {
            concepts: &["empathy", "apology"],
            locales: &locales,
        };
        lint(src, &cx)
            .into_iter()
            .map(|f| (f.error, f.line, f.message.en))
            .collect()
    }

    #[test]
    fn signature_parameters_are_read() {
        assert_eq!(
            params("(text: String, phrases: Array) -> bool"),
            ["String", "Array"]
        );
        assert_eq!(params("(text: String) -> int"), ["String"]);
    }

    #[test]
    fn a_wrong_argument_count_on_a_branch_no_reply_takes_is_an_error() {
        let src = "fn score(ctx) {\n  if ctx.seconds > 99999 {\n    text::contains_any(ctx.reply);\n  }\n  #{}\n}\n";
        let got = run(src);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].0);
        assert_eq!(got[0].1, 3);
        assert!(got[0].2.contains("takes 2 arguments"), "{}", got[0].2);
    }

    #[test]
    fn a_literal_of_the_wrong_type_and_an_unknown_concept_are_errors() {
        let src = "fn score(ctx) {\n  let a = text::contains_any(ctx.reply, \"您好\");\n  let b = text::concept(ctx.reply, \"empathi\");\n  #{}\n}\n";
        let got = run(src);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].2.contains("argument 2"), "{}", got[0].2);
        assert!(got[1].2.contains("empathi"), "{}", got[1].2);
    }

    #[test]
    fn constant_points_out_of_range_endless_loops_and_recursion_are_warned() {
        let src = "fn score(ctx) {\n  loop { let x = 1; }\n  #{ set: #{ empathy: 250 }, points: #{ apology: 40 } }\n}\nfn f(n) { f(n - 1) }\nfn g() { loop { break; } }\nfn a(n) { b(n) }\nfn b(n) { if n > 0 { a(n - 1) } }\nfn c() { do { let y = 2; } until false; }\nfn d() { do { } until true; b(1); }\n";
        let got = run(src);
        let lines: Vec<u32> = got.iter().map(|g| g.1).collect();
        // Lines 7 and 8 call each other; line 10 calls into the circle but is not in it.
        assert_eq!(lines, [2, 3, 5, 7, 8, 9], "{got:?}");
        assert!(got.iter().all(|g| !g.0));
        assert!(got[1].2.contains("set.empathy"), "{}", got[1].2);
    }

    #[test]
    fn trainee_text_in_one_language_is_warned_when_playbooks_show_two() {
        let src = "fn score(ctx) {\n  #{ hint: \"先认同顾客\", feedback: [#{ \"zh-CN\": \"好\", en: \"Good\" }, #{ en: \"Only\" }] }\n}\n";
        let got = run(src);
        assert_eq!(got.len(), 2, "{got:?}");
        let one = Context {
            concepts: &[],
            locales: &[],
        };
        assert!(lint(src, &one).is_empty());
    }
}
