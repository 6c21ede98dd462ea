//! `salesdojo rescore [--playbook P] [--as-played]`: stored attempts re-scored against today's
//! playbooks and scripts (or, with `--as-played`, against the published version each was
//! played on), side by side with the originals (which are kept).

use std::io::Write as _;
use std::process::ExitCode;

use super::report::FilterArgs;
use super::{Cli, Format};
use crate::playbook::Report;
use crate::publish::AsPlayed;
use crate::rescore::{Against, RescoreError, RescoredAttempt, rescore_history};
use crate::script::ScriptHost;
use crate::store;
use crate::untrusted::Escape;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// At most this many attempts, newest first (default: all).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Human output: list every attempt, not only those whose total or verdict changed.
    #[arg(long)]
    pub all: bool,
    /// Score each attempt played on a published version against that version (what its
    /// trainee saw) with today's scoring, instead of against today's playbook.
    #[arg(long)]
    pub as_played: bool,
    /// How to print the comparison.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(Args: db, content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let store = store::open_default(&cli.location())?;
    let mut report = Report::default();
    let lib = super::load_with_published(cli, &store, &mut report)?;
    let host = ScriptHost::new(&lib);
    let as_played = if args.as_played {
        Some(AsPlayed::new(
            &store.records().published_versions(None, true)?,
        ))
    } else {
        None
    };
    let against = Against {
        lib: &lib,
        host: Some(&host),
        as_played: as_played.as_ref(),
    };
    let json = matches!(args.format, Format::Json);
    let mut out = std::io::BufWriter::new(super::stdout(if json {
        Escape::Json
    } else {
        Escape::Human
    }));
    let mut io_err: Option<std::io::Error> = None;
    let mut first = true;
    let mut write = |out: &mut dyn std::io::Write, r: &RescoredAttempt| -> std::io::Result<()> {
        if json {
            out.write_all(if first {
                b"{\"attempts\": [\n  "
            } else {
                b",\n  "
            })?;
            first = false;
            serde_json::to_writer(&mut *out, r)?;
        } else if args.all || r.changed() {
            if first {
                writeln!(
                    out,
                    "attempt   trainee      playbook/scenario                       stored  now    change{}",
                    if args.as_played { "  against" } else { "" }
                )?;
                first = false;
            }
            let stored = r.stored_total.unwrap_or(0.0);
            writeln!(
                out,
                "{:<9} {:<12} {:<39} {:>6.1} {:>6.1} {:>+7.1}{}",
                r.attempt.chars().take(8).collect::<String>(),
                r.trainee,
                format!("{}/{}", r.playbook, r.scenario),
                stored,
                r.current_total,
                r.current_total - stored,
                match (args.as_played, r.played_on) {
                    (true, Some(v)) => format!("  {}@{v}", r.playbook),
                    (true, None) => "  today's".to_owned(),
                    (false, _) => String::new(),
                }
            )?;
        }
        Ok(())
    };
    let filter = args.filter.filter();
    let limit = args.limit.unwrap_or(usize::MAX);
    let total = store
        .records()
        .completed_practice_count(&filter)?
        .min(limit as u64);
    let bar = super::progress::Progress::new("re-scoring", "attempts");
    let mut done = 0;
    let result = rescore_history(store, against, &filter, limit, |r| {
        done += 1;
        if done % 256 == 0 || done == total {
            bar.set(done, total);
        }
        match write(&mut out, r) {
            Ok(()) => true,
            Err(e) => {
                io_err = Some(e);
                false
            }
        }
    });
    bar.finish();
    let shift = match result {
        Ok(s) => s,
        Err(RescoreError::Stopped) => {
            return match io_err {
                // The reader has gone (e.g. `| head`): end quietly.
                Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
                Some(e) => Err(e.into()),
                None => Ok(ExitCode::SUCCESS),
            };
        }
        Err(e) => return Err(e.into()),
    };
    let end = if json {
        format!(
            "{}],\n\"shift\": {}}}\n",
            if first { "{\"attempts\": [" } else { "\n" },
            serde_json::to_string(&shift)?
        )
    } else {
        format!(
            "{} attempts ({} replies) re-scored, {} changed: {} now pass, {} now fail; mean total {:.1} → {:.1}{}; stored results are unchanged\n",
            shift.attempts,
            shift.replies,
            shift.changed,
            shift.now_pass,
            shift.now_fail,
            shift.stored_mean,
            shift.current_mean,
            if shift.skipped > 0 {
                format!(
                    "; {} skipped (their playbook or scenario is gone)",
                    shift.skipped
                )
            } else {
                String::new()
            }
        )
    };
    match out.write_all(end.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok(ExitCode::SUCCESS)
}
