//! `salesdojo schema [--personas | --rhai]`

use std::process::ExitCode;

use super::print;
use crate::playbook::schema::{personas_schema, playbook_schema};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The schema of the persona library (`personas.yaml`) instead.
    #[arg(long, conflicts_with = "rhai")]
    pub personas: bool,
    /// The rhai definition file of the script API (`scripts/salesdojo.d.rhai`) instead.
    #[arg(long)]
    pub rhai: bool,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    print(&if args.rhai {
        crate::script::definitions()
    } else if args.personas {
        personas_schema()
    } else {
        playbook_schema()
    })?;
    Ok(ExitCode::SUCCESS)
}
