//! `salesdojo merge OTHER.db`: bring a trainee's database into this one (idempotent).

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Cli, print};
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The other salesdojo database.
    pub other: PathBuf,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut store = store::open_default(cli.db.as_deref())?;
    let n = store.merge(&args.other)?;
    print(&format!(
        "merged {}: {} trainees, {} attempts, {} replies, {} reviews added\n",
        args.other.display(),
        n.trainees,
        n.attempts,
        n.replies,
        n.reviews
    ))?;
    Ok(ExitCode::SUCCESS)
}
