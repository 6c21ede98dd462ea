//! `validate` runs each playbook's scripts once on every turn they serve, as a trainee's
//! replies would, so what only shows when a hook runs (a misspelt `text::` function, a
//! missing map key, a bad return) is an error at its line before anyone practises.
//!
//! Each hook runs under the same sandbox limits as in practice; a free-text turn is tried with
//! its model answer and with a reply that says little, a multiple-choice turn with every option.

use crate::msg;
use crate::playbook::model::{Reply, Turn};
use crate::playbook::{Diagnostic, Library, Report, diag};
use crate::script::{ScriptError, ScriptHost, api};

use super::Answer;
use super::session::{guide_for, score_turn};

/// A reply that says little, so branches for weak replies run too.
const PLAIN: &str = "好的。";

/// Every distinct script error of the playbooks' hooks, as diagnostics at the script's line;
/// first, every `ctx.phrases.NAME` a script reads that a playbook using it does not define.
pub fn check(lib: &Library, host: &ScriptHost, report: &mut Report) {
    phrase_lists(lib, report);
    let mut seen: Vec<ScriptError> = Vec::new();
    for pb in &lib.playbooks {
        if pb.scripts.score.is_none() && pb.scripts.guide.is_none() {
            continue;
        }
        for scen in &pb.scenarios {
            for turn in &scen.turns {
                if let Err(e) = guide_for(pb, Some(host), scen, turn, &[]) {
                    note(&mut seen, e);
                }
                for answer in samples(turn) {
                    if let Ok(rec) = score_turn(pb, Some(host), scen, turn, answer, 5.0, &[])
                        && let Some(e) = rec.script_error
                    {
                        note(&mut seen, e);
                    }
                }
            }
        }
    }
    // A script that does not compile is reported by its own check already.
    seen.retain(|e| host.compile(&e.file).is_ok());
    for e in seen {
        let file = lib
            .scripts
            .get(&e.file)
            .map_or_else(|| e.file.clone(), |f| f.display.clone());
        // Already an error at that line from reading the script (an unknown function or field).
        let known = report.diagnostics.iter().any(|d| {
            d.file == file
                && d.severity == crate::playbook::Severity::Error
                && d.pos.is_some_and(|p| p.line == e.line)
        });
        if known {
            continue;
        }
        let help = unknown_function(&e.message).and_then(|name| {
            let bare = name.strip_prefix("text::").unwrap_or(name);
            if api::TEXT_FNS.iter().any(|f| f.name == bare) {
                // The function exists: an argument had the wrong type, most often `()` from a
                // misspelt `ctx` field or phrase list.
                return Some(msg::wrong_argument());
            }
            diag::closest(bare, api::TEXT_FNS.iter().map(|f| f.name))
                .map(|k| msg::did_you_mean(format!("text::{k}")))
        });
        report.push(
            Diagnostic::error(
                file,
                Some(crate::playbook::diag::Pos::new(e.line, e.column, 1)),
                msg::script_error(&e.message),
            )
            .with_help(help),
        );
    }
}

/// `ctx.phrases.NAME` in a playbook's scripts, where the playbook has no list `NAME`.
fn phrase_lists(lib: &Library, report: &mut Report) {
    let mut said: Vec<(String, u32, u32)> = Vec::new();
    for pb in &lib.playbooks {
        for path in [&pb.scripts.score, &pb.scripts.guide].into_iter().flatten() {
            let Some(file) = lib.scripts.get(path) else {
                continue;
            };
            let text = String::from_utf8_lossy(&file.bytes);
            for (name, line, column) in crate::script::qualified_names(&text) {
                let Some(list) = name.strip_prefix("ctx.phrases.") else {
                    continue;
                };
                let here = (file.display.clone(), line, column);
                if pb.phrases.contains_key(list) || said.contains(&here) {
                    continue;
                }
                said.push(here);
                let help = diag::closest(list, pb.phrases.keys().map(String::as_str))
                    .map(|k| msg::did_you_mean(format!("ctx.phrases.{k}")));
                report.push(
                    Diagnostic::error(
                        &file.display,
                        Some(crate::playbook::diag::Pos::new(
                            line,
                            column,
                            name.chars().count() as u32,
                        )),
                        msg::unknown_phrase_list_in(list, &pb.id),
                    )
                    .with_help(help),
                );
            }
        }
    }
}

fn note(seen: &mut Vec<ScriptError>, e: ScriptError) {
    let same = |o: &ScriptError| {
        o.file == e.file && o.line == e.line && o.column == e.column && o.message == e.message
    };
    if !seen.iter().any(same) {
        seen.push(e);
    }
}

fn samples(turn: &Turn) -> Vec<Answer> {
    match &turn.reply {
        Reply::Choice(opts) => opts.iter().map(|o| Answer::Choice(o.id.clone())).collect(),
        Reply::FreeText => {
            let mut out = vec![Answer::Text(PLAIN.to_owned())];
            if let Some(m) = &turn.model_answer {
                out.push(Answer::Text(m.get("zh-CN").to_owned()));
            }
            out
        }
    }
}

/// The function a "Function not found: NAME (…)" error names.
fn unknown_function(message: &str) -> Option<&str> {
    let rest = message.split("Function not found: ").nth(1)?;
    Some(rest.split([' ', '(']).next().unwrap_or(rest)).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unknown_function_is_read_from_the_message() {
        assert_eq!(
            unknown_function("Function not found: text::contains_anyy (&str | String, ())"),
            Some("text::contains_anyy")
        );
        assert_eq!(unknown_function("Variable not found: x"), None);
    }
}
