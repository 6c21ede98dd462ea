//! `salesdojo merge OTHER.db`: bring a trainee's database into this one (idempotent).

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Cli, print};
use crate::playbook::Report;
use crate::rescore::merge_and_verify_with;
use crate::script::ScriptHost;
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// The other salesdojo database.
    pub other: PathBuf,
}

super::places!(Args: db, content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut store = store::open_default(&cli.location())?;
    let mut report = Report::default();
    let lib = super::load_with_published(cli, &store, &mut report)?;
    let host = ScriptHost::new(&lib);
    let bar = super::progress::Progress::new("verifying imported attempts", "attempts");
    let r = merge_and_verify_with(
        &mut store,
        &lib,
        Some(&host),
        &args.other,
        &mut |done, all| {
            bar.set(done, all);
            true
        },
    )?;
    bar.finish();
    let (n, v) = (&r.merged, &r.verify);
    let mut out = format!(
        "merged {}: {} trainees, {} attempts, {} replies added\n",
        args.other.display(),
        n.trainees,
        n.attempts,
        n.replies,
    );
    if n.reviews_left_out > 0 || n.verifications_left_out > 0 {
        out.push_str(&format!(
            "left out (a file is its trainee's claim; a review or verdict is never taken from one): {} reviews, {} verification outcomes\n",
            n.reviews_left_out, n.verifications_left_out
        ));
    }
    if n.to_verify > 0 {
        out.push_str(&format!(
            "re-scored {} imported attempts from their replies: {} verified, {} flagged (stored total differs), {} unverifiable (content not here)\n",
            n.to_verify, v.verified, v.mismatch, v.unverifiable
        ));
    }
    for (id, what) in &v.flagged {
        out.push_str(&format!("  flagged {id}: {what}\n"));
    }
    if n.certifications_claimed > 0 || v.certified > 0 {
        out.push_str(&format!(
            "certifications: {} claimed by the file (never copied), {} earned here from verified attempts\n",
            n.certifications_claimed, v.certified
        ));
    }
    if n.names_cleaned > 0 {
        out.push_str(&format!(
            "{} names held control or format characters and were stored without them\n",
            n.names_cleaned
        ));
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
