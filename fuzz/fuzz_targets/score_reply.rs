//! Arbitrary Unicode replies against the bundled playbooks, with their scripts: a role-play
//! fed only odd replies must score each one or refuse it with an `AnswerError`, never panic.
//! The first byte picks the playbook and scenario; the rest, split at `\u{1}`, are the replies.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use salesdojo::playbook::model::Reply;
use salesdojo::playbook::{Content, Library, Report, load};
use salesdojo::practice::{Answer, Attempt};
use salesdojo::script::ScriptHost;

static LIB: LazyLock<Library> = LazyLock::new(|| {
    let mut report = Report::default();
    load(&[Content::bundled()], &mut report)
});
static HOST: LazyLock<ScriptHost> = LazyLock::new(|| ScriptHost::new(&LIB));

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let scenarios: Vec<_> = LIB
        .playbooks
        .iter()
        .flat_map(|pb| pb.scenarios.iter().map(move |s| (pb, s)))
        .collect();
    let (pb, sc) = scenarios[usize::from(pick) % scenarios.len()];
    let Ok(mut attempt) = Attempt::start(pb.clone(), &sc.id, "fuzz") else {
        return;
    };
    for reply in text.split('\u{1}') {
        let Some(turn) = attempt.current_turn() else {
            break;
        };
        // A choice turn gets the reply as an option id (mostly unknown ones) or, when the reply
        // is a single digit, that option.
        let answer = match &turn.reply {
            Reply::FreeText => Answer::Text(reply.to_owned()),
            Reply::Choice(options) => match reply.parse::<usize>() {
                Ok(i) if i < options.len() => Answer::Choice(options[i].id.clone()),
                _ => Answer::Choice(reply.to_owned()),
            },
        };
        let _ = attempt.hint(Some(&HOST));
        let _ = attempt.submit(Some(&HOST), answer, 1.0);
    }
    let _ = attempt.summary();
});
