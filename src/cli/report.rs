//! `salesdojo report`: progress for trainees, teams and managers.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::ValueEnum;
use serde_json::json;

use super::{Cli, print, print_json};
use crate::playbook::Report;
use crate::store::{self, report::Filter};

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Output {
    /// Aligned columns for people.
    #[default]
    Table,
    /// Comma-separated rows.
    Csv,
    /// JSON for tools.
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// A trainee's name or id.
    #[arg(long)]
    pub trainee: Option<String>,
    /// Only this team's trainees (the team name).
    #[arg(long)]
    pub team: Option<String>,
    /// Only attempts at this playbook (its id, as `salesdojo list` shows).
    #[arg(long)]
    pub playbook: Option<String>,
    /// Only attempts at this scenario (its id).
    #[arg(long)]
    pub scenario: Option<String>,
    /// From this day on (YYYY-MM-DD).
    #[arg(long, value_parser = date)]
    pub since: Option<String>,
    /// Before this day (YYYY-MM-DD).
    #[arg(long, value_parser = date)]
    pub until: Option<String>,
}

fn date(s: &str) -> Result<String, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| format!("'{s}' is not a date like 2026-11-24"))
}

impl FilterArgs {
    pub fn filter(&self) -> Filter {
        Filter {
            trainee: self.trainee.clone(),
            team: self.team.clone(),
            playbook: self.playbook.clone(),
            scenario: self.scenario.clone(),
            since: self.since.clone(),
            until: self.until.clone(),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output format; csv prints the trainee × playbook × criterion averages.
    #[arg(long, value_enum, default_value_t)]
    pub format: Output,
    /// Trend by week instead of by day.
    #[arg(long)]
    pub weekly: bool,
}

super::places!(Args: db, content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let store = store::open_default(&cli.location())?;
    let f = args.filter.filter();
    let averages = store.records().criterion_averages(&f)?;
    match args.format {
        Output::Csv => {
            let mut w = crate::sheet::SheetWriter::new(Vec::new(), false)?;
            w.row([
                "trainee",
                "team",
                "playbook",
                "criterion",
                "average",
                "attempts",
            ])?;
            for a in &averages {
                w.row([
                    a.trainee.as_str(),
                    a.team.as_deref().unwrap_or(""),
                    &a.playbook,
                    &a.criterion,
                    &format!("{:.1}", a.average),
                    &a.attempts.to_string(),
                ])?;
            }
            print(&String::from_utf8_lossy(&w.finish()?))?;
        }
        Output::Json => {
            let mut v = json!({
                "filter": f,
                "criterion_averages": averages,
                "trend": store.records().trend(&f, args.weekly)?,
                "pass_rates": store.records().pass_rates(&f)?,
                "leaderboard": store.records().leaderboard(&f, 20)?,
                "weakest_by_trainee": store.records().weakest(&f, false)?,
                "weakest_by_team": store.records().weakest(&f, true)?,
            });
            if let Some(t) = &f.trainee {
                let mut report = Report::default();
                let lib = crate::playbook::load_default(cli.playbooks.as_deref(), &mut report)?;
                v["recommendation"] = json!(store.records().recommend(&lib, t)?);
            }
            print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
        Output::Table => {
            let mut out = String::new();
            let rates = store.records().pass_rates(&f)?;
            if rates.is_empty() {
                print("No completed attempts match.\n")?;
                return Ok(ExitCode::SUCCESS);
            }
            let _ = writeln!(out, "Pass rates");
            for r in &rates {
                let _ = writeln!(
                    out,
                    "  {:<18} {:<22} {:>6} attempts  {:>5.1}% passed",
                    r.playbook,
                    r.scenario,
                    r.attempts,
                    r.rate * 100.0
                );
            }
            let _ = writeln!(out, "\nLeaderboard");
            for (i, l) in store.records().leaderboard(&f, 10)?.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  {:>2}. {} {} avg {:>5.1}  {:>5} attempts  {:>4} passed  {} certified",
                    i + 1,
                    super::pad(&l.trainee, 12),
                    super::pad(l.team.as_deref().unwrap_or("-"), 10),
                    l.average,
                    l.attempts,
                    l.passed,
                    l.certifications
                );
            }
            let _ = writeln!(out, "\nWeakest criterion by team");
            for w in store.records().weakest(&f, true)? {
                let _ = writeln!(
                    out,
                    "  {} {:<16} {:>5.1}",
                    super::pad(
                        if w.who.is_empty() {
                            "(no team)"
                        } else {
                            &w.who
                        },
                        12
                    ),
                    w.criterion,
                    w.average
                );
            }
            if let Some(t) = &f.trainee {
                let _ = writeln!(out, "\nCriterion averages for {t}");
                for a in &averages {
                    let _ = writeln!(
                        out,
                        "  {:<18} {:<16} {:>5.1}  ({} attempts)",
                        a.playbook, a.criterion, a.average, a.attempts
                    );
                }
                let mut report = Report::default();
                let lib = crate::playbook::load_default(cli.playbooks.as_deref(), &mut report)?;
                if let Some(r) = store.records().recommend(&lib, t)? {
                    let _ = writeln!(
                        out,
                        "\nPractise next: {} / {} (trains {}, average {:.1}; last practised {})",
                        r.playbook,
                        r.scenario,
                        r.criterion,
                        r.average,
                        r.last_practised.as_deref().unwrap_or("never")
                    );
                }
            }
            let trend = store.records().trend(&f, args.weekly)?;
            let _ = writeln!(
                out,
                "\nTrend ({})",
                if args.weekly { "by week" } else { "by day" }
            );
            for p in trend.iter().rev().take(12).rev() {
                let _ = writeln!(
                    out,
                    "  {:<10} {:>5} attempts  avg {:>5.1}  {:>5.1}% passed",
                    p.period,
                    p.attempts,
                    p.average,
                    p.pass_rate * 100.0
                );
            }
            print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
