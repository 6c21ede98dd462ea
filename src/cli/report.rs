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
    /// The assignments' funnel instead: per assignment and team, how many are assigned, not
    /// started, in progress, passed, overdue; then who is behind.
    #[arg(long)]
    pub assignments: bool,
}

super::places!(Args: db, content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    if args.assignments {
        return super::assign::report(cli, args.format);
    }
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
                let lib = super::load_with_published(cli, &store, &mut report)?;
                v["recommendation"] = json!(store.records().recommend(&lib, t)?);
            }
            print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
        Output::Table => {
            let lang = cli.lang();
            let t = |zh: &'static str, en: &'static str| lang.t(zh, en);
            let loc = lang.code();
            let mut report = Report::default();
            let lib = super::load_with_published(cli, &store, &mut report)?;
            // People read titles in their language; an id no playbook knows stays an id.
            let playbook = |id: &str| {
                lib.playbook(id)
                    .map_or_else(|| id.to_owned(), |p| p.title.get(loc).to_owned())
            };
            let scenario = |pb: &str, id: &str| {
                lib.playbook(pb)
                    .and_then(|p| p.scenario(id))
                    .map_or_else(|| id.to_owned(), |s| s.title.get(loc).to_owned())
            };
            let criterion = |pb: Option<&str>, id: &str| {
                pb.and_then(|pb| lib.playbook(pb))
                    .into_iter()
                    .chain(lib.playbooks.iter())
                    .flat_map(|p| &p.rubric.criteria)
                    .find(|c| c.id == id)
                    .map_or_else(|| id.to_owned(), |c| c.title.get(loc).to_owned())
            };
            let mut out = String::new();
            let rates = store.records().pass_rates(&f)?;
            if rates.is_empty() {
                print(&format!(
                    "{}\n",
                    t("没有符合条件的已完成练习。", "No completed attempts match.")
                ))?;
                return Ok(ExitCode::SUCCESS);
            }
            let _ = writeln!(out, "{}", t("通过率", "Pass rates"));
            for r in &rates {
                let _ = writeln!(
                    out,
                    "  {} {} {:>6} {}  {:>5.1}% {}",
                    super::pad(&playbook(&r.playbook), 18),
                    super::pad(&scenario(&r.playbook, &r.scenario), 24),
                    r.attempts,
                    t("次练习", "attempts"),
                    r.rate * 100.0,
                    t("通过", "passed")
                );
            }
            let _ = writeln!(out, "\n{}", t("排行榜", "Leaderboard"));
            for (i, l) in store.records().leaderboard(&f, 10)?.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "  {:>2}. {} {} {} {:>5.1}  {:>5} {}  {:>4} {}  {} {}",
                    i + 1,
                    super::pad(&l.trainee, 12),
                    super::pad(l.team.as_deref().unwrap_or("-"), 10),
                    t("平均", "avg"),
                    l.average,
                    l.attempts,
                    t("次练习", "attempts"),
                    l.passed,
                    t("次通过", "passed"),
                    l.certifications,
                    t("项认证", "certified")
                );
            }
            let _ = writeln!(
                out,
                "\n{}",
                t("各团队最弱的评分项", "Weakest criterion by team")
            );
            for w in store.records().weakest(&f, true)? {
                let _ = writeln!(
                    out,
                    "  {} {} {:>5.1}",
                    super::pad(
                        if w.who.is_empty() {
                            t("（无团队）", "(no team)")
                        } else {
                            &w.who
                        },
                        12
                    ),
                    super::pad(&criterion(f.playbook.as_deref(), &w.criterion), 20),
                    w.average
                );
            }
            if let Some(who) = &f.trainee {
                let _ = writeln!(
                    out,
                    "\n{}",
                    crate::msg::criterion_averages_for(who).take(lang)
                );
                for a in &averages {
                    let _ = writeln!(
                        out,
                        "  {} {} {:>5.1}  ({} {})",
                        super::pad(&playbook(&a.playbook), 18),
                        super::pad(&criterion(Some(&a.playbook), &a.criterion), 20),
                        a.average,
                        a.attempts,
                        t("次练习", "attempts")
                    );
                }
                if let Some(r) = store.records().recommend(&lib, who)? {
                    let last = r.last_practised.as_deref().unwrap_or(t("从未", "never"));
                    let _ = writeln!(
                        out,
                        "\n{}",
                        crate::msg::practise_next(
                            playbook(&r.playbook),
                            scenario(&r.playbook, &r.scenario),
                            criterion(Some(&r.playbook), &r.criterion),
                            format!("{:.1}", r.average),
                            last
                        )
                        .take(lang)
                    );
                }
            }
            let trend = store.records().trend(&f, args.weekly)?;
            let _ = writeln!(
                out,
                "\n{}",
                if args.weekly {
                    t("趋势（按周）", "Trend (by week)")
                } else {
                    t("趋势（按天）", "Trend (by day)")
                }
            );
            for p in trend.iter().rev().take(12).rev() {
                let _ = writeln!(
                    out,
                    "  {:<10} {:>5} {}  {} {:>5.1}  {:>5.1}% {}",
                    p.period,
                    p.attempts,
                    t("次练习", "attempts"),
                    t("平均", "avg"),
                    p.average,
                    p.pass_rate * 100.0,
                    t("通过", "passed")
                );
            }
            print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
