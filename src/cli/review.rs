//! `salesdojo review ATTEMPT [--comment TEXT [--reply N]] [--override CRITERION=POINTS] [--sign-off]`

use std::process::ExitCode;

use anyhow::{Context as _, bail};

use super::{Cli, print};
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// The attempt id (or a unique prefix).
    pub attempt: String,
    /// A comment for the trainee (shown with the attempt, or beside one reply with --reply).
    #[arg(long)]
    pub comment: Option<String>,
    /// The reply the comment is about: its number as `salesdojo attempt` shows it (#1, #2, …).
    #[arg(long, value_name = "N", requires = "comment")]
    pub reply: Option<i64>,
    /// Sign the attempt off (a passed one): it leaves the review queue of a scenario that
    /// requires sign-off.
    #[arg(long)]
    pub sign_off: bool,
    /// Override a criterion's points, e.g. `discover=70`; the original is kept and shown.
    #[arg(long = "override", value_name = "CRITERION=POINTS")]
    pub over: Option<String>,
    /// Who is reviewing.
    #[arg(long, default_value = "manager")]
    pub reviewer: String,
}

super::places!(Args: db, content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    if args.comment.is_none() && args.over.is_none() && !args.sign_off {
        bail!("give --comment TEXT, --override CRITERION=POINTS, --sign-off, or several");
    }
    let over = match &args.over {
        Some(o) => {
            let (c, p) = o
                .split_once('=')
                .context("--override takes CRITERION=POINTS, e.g. discover=70")?;
            let p: f64 = p
                .trim()
                .parse()
                .ok()
                .filter(|p: &f64| (0.0..=100.0).contains(p))
                .context("points must be a number from 0 to 100")?;
            Some((c.trim().to_owned(), p))
        }
        None => None,
    };
    let mut report = crate::playbook::Report::default();
    let lib = super::load_paths(cli, &[], &mut report)?;
    let mut store = store::open_default(&cli.location())?;
    let id = store.records().attempt_detail(&args.attempt)?.attempt.id;
    crate::session::review(
        &mut store,
        &lib,
        &store::NewReview {
            attempt_id: &id,
            reviewer: &args.reviewer,
            comment: args.comment.as_deref(),
            over: over.as_ref().map(|(c, p)| (c.as_str(), *p)),
            reply: args.reply,
            sign_off: args.sign_off,
            at: chrono::Utc::now(),
        },
    )?;
    let row = store.records().attempt_detail(&id)?.attempt;
    let verdict = match row.passed {
        Some(true) => "passed",
        Some(false) => "not passed",
        None => "no verdict",
    };
    match (row.reviewed, row.total, row.scored_total) {
        (true, Some(t), Some(s)) => print(&format!(
            "review saved for attempt {id}: total {t:.1} ({verdict}), scored {s:.1}\n"
        ))?,
        _ => print(&format!("review saved for attempt {id}\n"))?,
    }
    Ok(ExitCode::SUCCESS)
}
