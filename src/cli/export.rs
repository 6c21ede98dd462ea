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
    let format = match args.format {
        Kind::Csv => export::Format::Csv { bom: args.bom },
        Kind::Xapi => export::Format::Xapi { base: &args.base },
    };
    let (n, bytes) = store.export(&args.filter.filter(), format)?;
    match &args.out {
        Some(p) => {
            export::write_file(p, &bytes)?;
            eprintln!("exported {n} attempts to {}", p.display());
        }
        None => print(&String::from_utf8_lossy(&bytes))?,
    }
    Ok(ExitCode::SUCCESS)
}
