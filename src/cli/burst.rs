//! `salesdojo burst --count N` (hidden): commits N replies one at a time and prints
//! `ack ID` after each commit returns. The crash-safety tests kill it mid-burst and check that
//! every acknowledged reply survived.

use std::io::Write;
use std::process::ExitCode;

use chrono::Utc;

use super::Cli;
use crate::playbook::Report;
use crate::practice::Answer;
use crate::practice::session::score_turn;
use crate::store::{self, Mode, NewAttempt, ProgressLog};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    #[arg(long, default_value_t = 1000)]
    pub count: u32,
    /// Trainee name (one per concurrent writer keeps their attempts apart).
    #[arg(long, default_value = "burst")]
    pub trainee: String,
    /// After this many replies, open the database a second time and keep that connection
    /// (as the app's review view does), printing `reopened`.
    #[arg(long)]
    pub reopen_after: Option<u32>,
    /// Before each reply after the first, wait for a line on standard input (the test drives
    /// each step).
    #[arg(long)]
    pub step: bool,
}

super::places!(Args: db, content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut store = store::open_default(&cli.location())?;
    let mut report = Report::default();
    let lib = crate::playbook::load_default(None, &mut report)?;
    let pb = lib
        .playbook("seven-step")
        .ok_or_else(|| anyhow::anyhow!("bundled playbook missing"))?
        .clone();
    let scen = pb
        .scenario("inbound-lead")
        .ok_or_else(|| anyhow::anyhow!("bundled scenario missing"))?;
    let turn = scen
        .turn("vague")
        .ok_or_else(|| anyhow::anyhow!("bundled turn missing"))?;
    let record = score_turn(
        &pb,
        None,
        scen,
        turn,
        Answer::Text("您平时怎么协作？".into()),
        2.0,
        &[],
    )?;
    // In a log joined to a team, as `practice`: under the joined login.
    let trainee = match store.practising_as(None, None)? {
        Some((_, me)) => me,
        None => store.trainee(&args.trainee, None)?,
    };
    let attempt_id = store::new_id();
    store.start_attempt(&NewAttempt {
        id: &attempt_id,
        trainee_id: &trainee.id,
        playbook_id: &pb.id,
        playbook_version: pb.version,
        playbook_hash: &pb.source.hash,
        scenario_id: &scen.id,
        mode: Mode::Practice,
        started_at: Utc::now(),
    })?;
    let mut out = std::io::stdout().lock();
    let mut second = None;
    let mut line = String::new();
    for seq in 1..=args.count {
        if args.reopen_after == Some(seq - 1) {
            second = Some(store::Store::open(store.path())?);
            writeln!(out, "reopened")?;
            out.flush()?;
        }
        if args.step && seq > 1 {
            line.clear();
            if std::io::stdin().read_line(&mut line)? == 0 {
                break;
            }
        }
        let id = store::new_id();
        store.record_reply(&id, &attempt_id, seq, &record, Utc::now())?;
        writeln!(out, "ack {id}")?;
        out.flush()?;
    }
    drop(second);
    Ok(ExitCode::SUCCESS)
}
