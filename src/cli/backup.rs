//! `salesdojo backup DEST`: a consistent copy of the progress log, safe while the app runs.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Cli, print};
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    /// Where the copy goes: a file (only a backup this command made is replaced there; a
    /// progress database, any other file or a symbolic link is refused) or a folder (the
    /// copy is named salesdojo-YYYYMMDD-HHMMSS.db in it).
    pub dest: PathBuf,
}

super::places!(Args: db);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let store = store::open_default(&cli.location())?;
    let b = store.backup(&args.dest)?;
    print(&format!(
        "backed up {} attempts, {} replies from {} to {} ({:.1} MB, checked) in {:.1} s\n",
        b.attempts,
        b.replies,
        store.path().display(),
        b.path.display(),
        b.bytes as f64 / 1e6,
        b.millis as f64 / 1000.0
    ))?;
    Ok(ExitCode::SUCCESS)
}
