//! `salesdojo export --format csv|xapi [--out FILE]`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::report::FilterArgs;
use super::{Cli, print};
use crate::store::{self, export};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Csv,
    Xapi,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    pub format: Kind,
    /// Write here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// CSV: start with a UTF-8 byte-order mark, so Excel reads Chinese correctly.
    #[arg(long)]
    pub bom: bool,
    /// xAPI: the base IRI of activity and account ids.
    #[arg(long, default_value = export::DEFAULT_XAPI_BASE)]
    pub base: String,
    #[command(flatten)]
    pub filter: FilterArgs,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let store = store::open_default(cli.db.as_deref())?;
    let rows = store.export_rows(&args.filter.filter())?;
    let bytes = match args.format {
        Kind::Csv => export::to_csv(&rows, args.bom)?,
        Kind::Xapi => {
            let statements = export::to_xapi(&store, &rows, &args.base)?;
            let mut b = serde_json::to_vec_pretty(&statements)?;
            b.push(b'\n');
            b
        }
    };
    match &args.out {
        Some(p) => {
            std::fs::write(p, &bytes)
                .map_err(|e| anyhow::anyhow!("cannot write '{}': {e}", p.display()))?;
            eprintln!("exported {} attempts to {}", rows.len(), p.display());
        }
        None => print(&String::from_utf8_lossy(&bytes))?,
    }
    Ok(ExitCode::SUCCESS)
}
