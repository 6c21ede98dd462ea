//! `salesdojo export --format csv|xapi [--out FILE]`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use super::report::FilterArgs;
use super::{Cli, eprint};
use crate::store::{self, export};
use crate::untrusted::Escape;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    /// A spreadsheet, one row per attempt.
    Csv,
    /// xAPI statements for a learning record store (pseudonymous).
    Xapi,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: Kind,
    /// Write here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// CSV: start with a UTF-8 byte-order mark, so Excel reads Chinese correctly.
    #[arg(long)]
    pub bom: bool,
    /// xAPI: one statement per line (newline-delimited JSON, what LRS import tools prefer)
    /// instead of one JSON array.
    #[arg(long)]
    pub ndjson: bool,
    /// CSV for sharing outside the team: the trainee column holds pseudonyms (or ids) instead
    /// of names (xAPI is always pseudonymous).
    #[arg(long)]
    pub pseudonymous: bool,
    /// CSV for tools: column names, playbook and scenario ids, modes, statuses and
    /// true/false as the program writes them. Without it the CSV is for people, in `--lang`
    /// (Chinese when not given): titles, 是/否.
    #[arg(long)]
    pub ids: bool,
    /// Only the attempts reports count (scored here, or verified). The default on the team
    /// server (`--verified-only=false` there exports every attempt, marked); here every
    /// attempt is exported unless this is given. Either way an attempt that is not verified is
    /// never exported as passed or completed: CSV says so in its `verified` column, xAPI sends
    /// it as `attempted`.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    pub verified_only: Option<bool>,
    /// xAPI: the base IRI of activity and account ids.
    #[arg(long, default_value = export::DEFAULT_XAPI_BASE)]
    pub base: String,
    #[command(flatten)]
    pub filter: FilterArgs,
}

super::places!(Args: db, content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let store = store::open_default(&cli.location())?;
    let filter = args.filter.filter();
    let mut report = crate::playbook::Report::default();
    let lib = super::load_paths(cli, &[], &mut report)?;
    let mut style = export::CsvStyle::titled(
        &lib,
        filter.playbook.as_deref(),
        cli.lang.map_or("zh-CN", |l| l.code()),
    );
    style.pseudonymous = args.pseudonymous;
    if args.ids {
        style = style.ids();
    }
    let format = match args.format {
        Kind::Csv => export::Format::Csv {
            bom: args.bom,
            style: &style,
        },
        Kind::Xapi => export::Format::Xapi {
            base: &args.base,
            ndjson: args.ndjson,
        },
    };
    let scope = if args
        .verified_only
        .unwrap_or_else(|| store.records().team_server().is_some())
    {
        export::Scope::VerifiedOnly
    } else {
        export::Scope::All
    };
    let bar = super::progress::Progress::new("exporting", "attempts");
    let mut progress = |done, total| {
        bar.set(done, total);
        true
    };
    match &args.out {
        Some(p) => {
            let done = store.export_file(&filter, format, scope, p, &mut progress)?;
            eprint(&format!(
                "exported {} attempts{} to {}\n",
                done.attempts,
                match args.format {
                    Kind::Xapi => format!(" ({} statements)", done.statements),
                    Kind::Csv => String::new(),
                },
                p.display()
            ));
        }
        None => {
            let mut out = super::stdout(match args.format {
                Kind::Csv => Escape::Human,
                Kind::Xapi => Escape::Json,
            });
            match store.export_to(&filter, format, scope, &mut out, &mut progress) {
                Ok(_) => {}
                // The reader has gone (e.g. `| head`): end quietly.
                Err(export::ExportError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
