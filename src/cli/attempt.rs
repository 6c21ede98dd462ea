//! `salesdojo attempt ID`: one attempt in full.

use std::fmt::Write as _;
use std::process::ExitCode;

use super::{Cli, Format, print, print_json};
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    /// The attempt id (or a unique prefix of it).
    pub id: String,
    /// How to print the attempt.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(Args: db);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let store = store::open_default(&cli.location())?;
    let d = store.records().attempt_detail(&args.id)?;
    if matches!(args.format, Format::Json) {
        print_json(&format!("{}\n", serde_json::to_string_pretty(&d)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    let a = &d.attempt;
    let mut out = format!(
        "attempt {}\n  {} ({}) · {} v{} / {} · {} · {}\n  started {}  ended {}\n  total {}  {}\n",
        a.id,
        a.trainee,
        a.team.as_deref().unwrap_or("no team"),
        a.playbook,
        a.version,
        a.scenario,
        a.mode,
        a.status,
        a.started_at,
        a.ended_at.as_deref().unwrap_or("-"),
        a.total.map_or("-".into(), |t| format!("{t:.1}")),
        match a.passed {
            Some(true) => "passed",
            Some(false) => "not passed",
            None => "",
        }
    );
    if let Some(v) = d.published_version {
        let _ = writeln!(out, "  played on published version {}@{v}", a.playbook);
    }
    if a.reviewed {
        let _ = writeln!(
            out,
            "  reviewed: the total and verdict follow the overrides; scored {}",
            a.scored_total.map_or("-".into(), |t| format!("{t:.1}"))
        );
    }
    if let Some(v) = &d.verification {
        let _ = writeln!(
            out,
            "  imported from another database: {}",
            match v.status.as_str() {
                "verified" => "verified (its replies give the stored total)".to_owned(),
                "mismatch" => format!(
                    "FLAGGED: its replies give {} ({}), not the stored total; not counted",
                    v.derived_total
                        .map_or("-".to_owned(), |t| format!("{t:.1}")),
                    if v.derived_passed == Some(true) {
                        "passed"
                    } else {
                        "not passed"
                    }
                ),
                "unverifiable" => format!(
                    "unverifiable: {}; not counted",
                    v.note.as_deref().unwrap_or("content not here")
                ),
                _ => "not verified yet; not counted".to_owned(),
            }
        );
    }
    for r in &d.replies {
        let _ = writeln!(
            out,
            "\n  #{} {} [{}] {:.0} points  ({:.0} s)",
            r.seq, r.turn, r.stage, r.score, r.seconds
        );
        let _ = writeln!(out, "     {}: {}", r.kind, r.answer);
        if let Some(crit) = r.result.get("criteria").and_then(|c| c.as_array()) {
            for c in crit {
                let sources: Vec<String> = c["trace"]
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .map(|e| {
                                let src = e["source"]["rule"]
                                    .as_str()
                                    .or(e["source"]["option"].as_str())
                                    .or(e["source"]["file"].as_str())
                                    .unwrap_or(e["source"]["kind"].as_str().unwrap_or("?"));
                                let points = e["points"].as_i64().unwrap_or(0);
                                if e["source"]["kind"] == "script_set" {
                                    format!("{src} set to {points}")
                                } else {
                                    format!("{src} {points:+}")
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let why = if sources.is_empty() {
                    "no rule matched".to_owned()
                } else {
                    sources.join(", ")
                };
                let _ = writeln!(
                    out,
                    "     {:<16} {:>5.0}  ← {why}",
                    c["criterion"].as_str().unwrap_or("?"),
                    c["points"].as_f64().unwrap_or(0.0)
                );
            }
        }
        if let Some(e) = &r.script_error {
            let _ = writeln!(out, "     script error: {e}");
        }
        for w in d.reviews.iter().filter(|w| w.reply == Some(r.seq)) {
            let _ = writeln!(
                out,
                "     ▸ {} ({}): {}{}",
                w.reviewer,
                w.at,
                w.comment.as_deref().unwrap_or(""),
                acknowledged(w)
            );
        }
    }
    if !d.criteria.is_empty() {
        let _ = writeln!(out, "\n  criteria");
        for c in &d.criteria {
            let over = match (c.override_points, &c.overridden_by, &c.overridden_at) {
                (Some(o), Some(by), Some(at)) => format!("  → {o:.1} (override by {by}, {at})"),
                _ => String::new(),
            };
            let _ = writeln!(out, "    {:<16} {:>5.1}{over}", c.criterion, c.points);
        }
    }
    for q in &d.requests {
        let _ = writeln!(
            out,
            "\n  the trainee asked for a review at {}: {}",
            q.asked_at, q.question
        );
    }
    for r in d.reviews.iter().filter(|r| r.reply.is_none()) {
        let _ = writeln!(
            out,
            "\n  review by {} at {}: {}{}{}",
            r.reviewer,
            r.at,
            r.comment.as_deref().unwrap_or(""),
            if r.sign_off { " [signed off]" } else { "" },
            acknowledged(r)
        );
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Whether the trainee acknowledged a review, as the transcript says it.
fn acknowledged(r: &crate::store::report::ReviewRow) -> String {
    r.acknowledged_at
        .as_deref()
        .map_or(String::new(), |at| format!(" (acknowledged {at})"))
}
