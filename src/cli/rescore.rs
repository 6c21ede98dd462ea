//! `salesdojo rescore [--playbook P]`: stored attempts re-scored against today's playbooks and
//! scripts, side by side with the originals (which are kept).

use std::fmt::Write as _;
use std::process::ExitCode;

use super::report::FilterArgs;
use super::{Cli, Format, print};
use crate::playbook::Report;
use crate::practice::session::{StoredAttempt, rescore_all, summarize};
use crate::script::ScriptHost;
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// At most this many attempts, newest first.
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let store = store::open_default(cli.db.as_deref())?;
    let mut report = Report::default();
    let lib = crate::playbook::load_default(cli.playbooks.as_deref(), &mut report)?;
    let host = ScriptHost::new(&lib);
    // Read every transcript first (one connection), then score them on all cores.
    let (mut attempts, mut stored) = (Vec::new(), Vec::new());
    for a in store.attempts(&args.filter.filter(), args.limit)? {
        if a.status != "completed" || lib.playbook(&a.playbook).is_none() {
            continue;
        }
        stored.push(StoredAttempt {
            playbook: a.playbook.clone(),
            scenario: a.scenario.clone(),
            answers: store.transcript(&a.id)?,
        });
        attempts.push(a);
    }
    let results = rescore_all(&lib, Some(&host), &stored);
    let mut rows = Vec::new();
    for (a, replies) in attempts.iter().zip(results) {
        let Some(pb) = lib.playbook(&a.playbook) else {
            continue;
        };
        let Some(scen) = pb.scenario(&a.scenario) else {
            continue;
        };
        let replies = replies?;
        let position = replies
            .last()
            .map_or(crate::practice::Position::Ended(None), |r| {
                crate::practice::Position::at(&r.scored.next)
            });
        let now = summarize(pb, scen, &replies, &position);
        rows.push(serde_json::json!({
            "attempt": a.id,
            "trainee": a.trainee,
            "playbook": a.playbook,
            "scenario": a.scenario,
            "stored_version": a.version,
            "current_version": pb.version,
            "stored_total": a.total,
            "current_total": now.total,
            "stored_passed": a.passed,
            "current_passed": now.passed,
        }));
    }
    if matches!(args.format, Format::Json) {
        print(&format!("{}\n", serde_json::to_string_pretty(&rows)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::from(
        "attempt   trainee      playbook/scenario                       stored  now    change\n",
    );
    let mut changed = 0;
    for r in &rows {
        let (s, n) = (
            r["stored_total"].as_f64().unwrap_or(0.0),
            r["current_total"].as_f64().unwrap_or(0.0),
        );
        if (s - n).abs() >= 0.05 {
            changed += 1;
        }
        let _ = writeln!(
            out,
            "{:<9} {:<12} {:<39} {:>6.1} {:>6.1} {:>+7.1}",
            r["attempt"]
                .as_str()
                .unwrap_or("")
                .chars()
                .take(8)
                .collect::<String>(),
            r["trainee"].as_str().unwrap_or(""),
            format!(
                "{}/{}",
                r["playbook"].as_str().unwrap_or(""),
                r["scenario"].as_str().unwrap_or("")
            ),
            s,
            n,
            n - s
        );
    }
    let _ = writeln!(
        out,
        "{} attempts re-scored, {changed} changed; stored results are unchanged",
        rows.len()
    );
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
