//! `salesdojo schema [--personas | --concepts | --rhai]`

use std::process::ExitCode;

use super::print;
use crate::playbook::schema::{concepts_schema, personas_schema, playbook_schema};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The schema of the persona library (`personas.yaml`) instead.
    #[arg(long, conflicts_with_all = ["rhai", "concepts"])]
    pub personas: bool,
    /// The schema of the concept lexicon (`concepts.yaml`) instead.
    #[arg(long, conflicts_with = "rhai")]
    pub concepts: bool,
    /// The rhai definition file of the script API (`scripts/salesdojo.d.rhai`) instead.
    #[arg(long)]
    pub rhai: bool,
}

super::places!(Args: none);

pub fn run(_cli: &super::Cli, args: &Args) -> anyhow::Result<ExitCode> {
    print(&if args.rhai {
        crate::script::definitions()
    } else if args.personas {
        personas_schema()
    } else if args.concepts {
        concepts_schema()
    } else {
        playbook_schema()
    })?;
    Ok(ExitCode::SUCCESS)
}
