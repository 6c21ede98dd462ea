//! `salesdojo list`: playbooks → stages → scenarios → turns.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::{Value, json};

use super::{Cli, Format, eprint, print, print_json};
use crate::playbook::model::{Playbook, Reply, Text};
use crate::playbook::{Library, Report, load_default};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(Args: content);

/// `zh / en` when the two differ, else the one text.
pub(super) fn both(t: &Text) -> String {
    let (zh, en) = (t.get("zh-CN"), t.get("en"));
    if zh == en {
        zh.to_owned()
    } else {
        format!("{zh} / {en}")
    }
}

fn load(cli: &Cli) -> anyhow::Result<Library> {
    let mut report = Report::default();
    let lib = load_default(cli.playbooks.as_deref(), &mut report)?;
    if report.errors() > 0 {
        eprint(&report.render());
        eprint("note: playbooks with errors are left out; run `salesdojo validate` for details\n");
    }
    Ok(lib)
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let lib = load(cli)?;
    let out = match args.format {
        Format::Json => {
            let v: Vec<Value> = lib.playbooks.iter().map(|p| json_playbook(p)).collect();
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        Format::Human => lib.playbooks.iter().map(|p| human(p)).collect(),
    };
    match args.format {
        Format::Json => print_json(&out)?,
        Format::Human => print(&out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn turn_count(p: &Playbook) -> usize {
    p.scenarios.iter().map(|s| s.turns.len()).sum()
}

fn human(p: &Playbook) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}  {}  v{}{}\n  {} stages, {} scenarios, {} turns, {} criteria, {} tests",
        p.id,
        both(&p.title),
        p.version,
        if p.live { "  [live checklist]" } else { "" },
        p.stages.len(),
        p.scenarios.len(),
        turn_count(p),
        p.rubric.criteria.len(),
        p.tests.len(),
    );
    for (i, st) in p.stages.iter().enumerate() {
        let _ = writeln!(s, "  stage {}. {}  {}", i + 1, st.id, both(&st.title));
    }
    for sc in &p.scenarios {
        let _ = writeln!(
            s,
            "  scenario {}  {}  ({} turns, persona {})",
            sc.id,
            both(&sc.title),
            sc.turns.len(),
            sc.persona
        );
        for t in &sc.turns {
            let kind = match &t.reply {
                Reply::Choice(o) => format!("{} options", o.len()),
                Reply::FreeText => "free text".to_owned(),
            };
            let _ = writeln!(s, "    turn {}  [{kind}]  stage {}", t.id, t.stage);
        }
    }
    s.push('\n');
    s
}

fn json_playbook(p: &Playbook) -> Value {
    json!({
        "id": p.id,
        "version": p.version,
        "title": p.title,
        "live": p.live,
        "file": p.source.file,
        "counts": {
            "stages": p.stages.len(),
            "scenarios": p.scenarios.len(),
            "turns": turn_count(p),
            "criteria": p.rubric.criteria.len(),
            "tests": p.tests.len(),
        },
        "stages": p.stages.iter().map(|s| json!({"id": s.id, "title": s.title, "checklist": s.checklist.len()})).collect::<Vec<_>>(),
        "scenarios": p.scenarios.iter().map(|sc| json!({
            "id": sc.id,
            "title": sc.title,
            "persona": sc.persona,
            "turns": sc.turns.iter().map(|t| json!({
                "id": t.id,
                "stage": t.stage,
                "kind": match t.reply { Reply::Choice(_) => "choice", Reply::FreeText => "free_text" },
                "options": match &t.reply { Reply::Choice(o) => o.len(), Reply::FreeText => 0 },
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
