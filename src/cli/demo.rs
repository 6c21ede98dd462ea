//! `salesdojo demo-data --trainees 500 --days 730`: a generated practice history.

use std::process::ExitCode;
use std::time::Instant;

use super::{Cli, print};
use crate::demo::{DemoOptions, generate};
use crate::playbook::Report;
use crate::script::ScriptHost;
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 500)]
    pub trainees: usize,
    #[arg(long, default_value_t = 730)]
    pub days: u32,
    /// The same seed gives the same history.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut store = store::open_default(cli.db.as_deref())?;
    let mut report = Report::default();
    let lib = crate::playbook::load_default(cli.playbooks.as_deref(), &mut report)?;
    let host = ScriptHost::new(&lib);
    let t = Instant::now();
    let c = generate(
        &mut store,
        &lib,
        &host,
        &DemoOptions {
            trainees: args.trainees,
            days: args.days,
            seed: args.seed,
            end: chrono::Utc::now(),
        },
    )?;
    print(&format!(
        "generated {} trainees, {} attempts, {} replies into {} in {:.1} s\n",
        c.trainees,
        c.attempts,
        c.replies,
        store.path().display(),
        t.elapsed().as_secs_f64()
    ))?;
    Ok(ExitCode::SUCCESS)
}
