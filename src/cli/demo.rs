//! `salesdojo demo-data --trainees 500 --days 730`: a generated practice history.

use std::process::ExitCode;
use std::time::Instant;

use super::{Cli, print};
use crate::demo::{DemoOptions, generate_with};
use crate::playbook::Report;
use crate::script::ScriptHost;
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// How many invented trainees (spread over ten teams).
    #[arg(long, default_value_t = 500)]
    pub trainees: usize,
    /// How many days of history, ending today.
    #[arg(long, default_value_t = 730)]
    pub days: u32,
    /// The same seed gives the same history.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Write into the default progress database, or into one that already holds trainees or
    /// attempts. Without it demo-data refuses both, so invented trainees never mix with real
    /// records.
    #[arg(long)]
    pub force: bool,
}

super::places!(Args: db, content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let is_default = match (&cli.db, store::default_path()) {
        (None, _) => true,
        (Some(p), Some(d)) => store::db::is_database_file(p, &d),
        (Some(_), None) => false,
    };
    if is_default && !args.force {
        anyhow::bail!(
            "demo-data writes invented trainees; it does not write into your progress database.\n\
             Give a new file: `salesdojo --db demo.db demo-data` (or --force to write here anyway)"
        );
    }
    let mut store = store::open_default(&cli.location())?;
    let (trainees, attempts) = store.record_counts()?;
    if (trainees > 0 || attempts > 0) && !args.force {
        anyhow::bail!(
            "{} already holds {trainees} trainees and {attempts} attempts; demo-data would mix \
             invented trainees into them. Give a new file, or --force to add to it anyway",
            store.path().display()
        );
    }
    let mut report = Report::default();
    let lib = crate::playbook::load_default(cli.playbooks.as_deref(), &mut report)?;
    let host = ScriptHost::new(&lib);
    let t = Instant::now();
    let bar = super::progress::Progress::new("generating", "trainees");
    let c = generate_with(
        &mut store,
        &lib,
        &host,
        &DemoOptions {
            trainees: args.trainees,
            days: args.days,
            seed: args.seed,
            end: chrono::Utc::now(),
        },
        &mut |done, all| bar.set(done as u64, all as u64),
    )?;
    bar.finish();
    print(&format!(
        "generated {} trainees, {} attempts, {} replies, {} reviews with an override into {} in {:.1} s\n",
        c.trainees,
        c.attempts,
        c.replies,
        c.reviews,
        store.path().display(),
        t.elapsed().as_secs_f64()
    ))?;
    Ok(ExitCode::SUCCESS)
}
