//! `salesdojo score PLAYBOOK --scenario ID --turn ID (--reply TEXT | --option ID)`

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde_json::json;

use super::{Cli, print_json, unknown};
use crate::playbook::Report;
use crate::practice::Answer;
use crate::practice::session::score_turn;
use crate::script::ScriptHost;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Playbook id.
    pub playbook: String,
    /// The scenario's id (`salesdojo list` shows them).
    #[arg(long)]
    pub scenario: String,
    /// The turn's id within the scenario.
    #[arg(long)]
    pub turn: String,
    /// The reply to score (free-text turns).
    #[arg(long, conflicts_with = "option", required_unless_present = "option")]
    pub reply: Option<String>,
    /// The option chosen (multiple-choice turns).
    #[arg(long)]
    pub option: Option<String>,
}

super::places!(Args: content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    let lib = super::load_paths(cli, &[], &mut report)?;
    let ids: Vec<&str> = lib.playbooks.iter().map(|p| p.id.as_str()).collect();
    let pb = lib
        .playbook(&args.playbook)
        .ok_or_else(|| unknown("playbook", &args.playbook, &ids))?;
    let ids: Vec<&str> = pb.scenarios.iter().map(|s| s.id.as_str()).collect();
    let scen = pb
        .scenario(&args.scenario)
        .ok_or_else(|| unknown("scenario", &args.scenario, &ids))?;
    let ids: Vec<&str> = scen.turns.iter().map(|t| t.id.as_str()).collect();
    let turn = scen
        .turn(&args.turn)
        .ok_or_else(|| unknown("turn", &args.turn, &ids))?;
    let answer = match (&args.reply, &args.option) {
        (Some(r), _) => Answer::Text(r.clone()),
        (None, Some(o)) => Answer::Choice(o.clone()),
        (None, None) => bail!("give --reply TEXT or --option ID"),
    };
    let host = ScriptHost::new(&lib);
    let record = score_turn(pb, Some(&host), scen, turn, answer, 0.0, &[])
        .context("cannot score this answer")?;
    let scored = &record.scored;
    let v = json!({
        "playbook": pb.id,
        "version": pb.version,
        "scenario": scen.id,
        "turn": turn.id,
        "score": scored.rounded(),
        "result": scored,
        "guide_hint": record.guide_hint,
        "script_error": record.script_error,
        "notice": record.notice(),
        // What the scripts printed (print/debug), for the author.
        "log": host.take_log().lines,
    });
    print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
    Ok(ExitCode::SUCCESS)
}
