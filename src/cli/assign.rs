//! `salesdojo assign PLAYBOOK[/SCENARIO] --trainee NAME|--team NAME --due DAY`, `salesdojo
//! assignments` (where everyone stands) and `salesdojo report --assignments` (the funnel and
//! who is behind).

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::bail;
use chrono::NaiveDate;

use super::report::Output;
use super::{Cli, print, print_json};
use crate::assign::{self, Bucket, Request, Retake, Status, Who};
use crate::playbook::{Library, Report};
use crate::session::{AssignError, Assigning};
use crate::store::{self, Assigned};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["trainee", "team"])))]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// What to assign: a playbook id, or `PLAYBOOK/SCENARIO` for one scenario.
    pub what: String,
    /// To one trainee (a name or an id).
    #[arg(long)]
    pub trainee: Option<String>,
    /// To everyone in a team (its name), today's members and those who join later.
    #[arg(long)]
    pub team: Option<String>,
    /// The last day it may be passed on (YYYY-MM-DD).
    #[arg(long, value_parser = day)]
    pub due: NaiveDate,
    /// The mark to reach, 0–100 (default: the playbook's pass mark).
    #[arg(long, allow_negative_numbers = true)]
    pub pass_mark: Option<i64>,
    /// Below the mark, the retake is due this many days later (0: at once).
    #[arg(long, default_value_t = 0, value_name = "DAYS")]
    pub retake_after: u32,
    /// How many retakes after the first try.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub retakes: u32,
    /// A note for the trainees.
    #[arg(long)]
    pub note: Option<String>,
    /// Who is assigning (on a team server: the signed-in login, whatever this says).
    #[arg(long = "by", default_value = "manager")]
    pub by: String,
}

super::places!(Args: db, content);

fn day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date like 2026-12-24"))
}

/// What trainees practise, so what may be assigned: the bundled and the published playbooks
/// (a folder named with `--playbooks` over them, as `practice` takes it; never the default
/// folder's drafts, which only their trainer sees).
fn library(cli: &Cli, store: &store::Store) -> anyhow::Result<Library> {
    let mut report = Report::default();
    let published = store.records().published_layers()?.0;
    Ok(match &cli.playbooks {
        Some(dir) => crate::playbook::load::load_default_over(Some(dir), published, &mut report)?,
        None => crate::playbook::load::load_published(published, &mut report),
    })
}

/// Today, where the manager is.
pub(super) fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    let store = store::open_default(&cli.location())?;
    let lib = library(cli, &store)?;
    let (playbook, scenario) = match args.what.split_once('/') {
        Some((p, s)) => (p.to_owned(), Some(s.to_owned())),
        None => (args.what.clone(), None),
    };
    let who = match (&args.trainee, &args.team) {
        (Some(t), _) => Who::Trainee(t.clone()),
        (None, Some(t)) => Who::Team(t.clone()),
        (None, None) => bail!("give --trainee NAME or --team NAME"),
    };
    let req = Request {
        playbook,
        scenario,
        who,
        due: args.due,
        pass_mark: args.pass_mark,
        retake: Retake {
            after_days: args.retake_after,
            max: args.retakes,
        },
        note: args.note.clone(),
    };
    match crate::session::assign(&store, &lib, &req, &args.by, today(), chrono::Utc::now()) {
        Ok(Assigning::Saved(a)) => {
            let trainees = store.records().trainees()?;
            let line = crate::msg::assignment_saved(&a.id, a.who(&trainees), a.due);
            print(&format!("{}\n", line.get(lang)))?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(Assigning::Exists(id)) => {
            bail!("{}", crate::msg::assignment_exists(id).get(lang))
        }
        Err(AssignError::Refused(r)) => bail!("{}", r.0.get(lang)),
        Err(AssignError::Store(e)) => Err(e.into()),
    }
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Only this trainee's (a name or an id).
    #[arg(long)]
    pub trainee: Option<String>,
    /// Only this team's trainees.
    #[arg(long)]
    pub team: Option<String>,
    /// Only trainees with this status.
    #[arg(long, value_parser = ["assigned", "started", "passed", "failed", "overdue"])]
    pub status: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Output,
}

super::places!(ListArgs: db, content);

/// Every assignment and standing this login sees.
fn standings(store: &store::Store, lib: &Library) -> anyhow::Result<Assigned> {
    Ok(store
        .records()
        .assignment_standings(&assign::catalogue(lib), today())?)
}

/// The date a standing is due (its assignment's).
fn due_of(all: &Assigned, s: &assign::Standing) -> String {
    all.assignment(&s.assignment)
        .map(|a| a.due.to_string())
        .unwrap_or_default()
}

pub fn run_list(cli: &Cli, args: &ListArgs) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    let store = store::open_default(&cli.location())?;
    let lib = library(cli, &store)?;
    let all = standings(&store, &lib)?;
    let shown: Vec<&assign::Standing> = all
        .standings
        .iter()
        .filter(|s| {
            args.trainee
                .as_ref()
                .is_none_or(|t| s.trainee.name == *t || s.trainee.id == *t)
                && args
                    .team
                    .as_ref()
                    .is_none_or(|t| s.trainee.team.as_deref() == Some(t))
                && args.status.as_ref().is_none_or(|k| s.status.key() == k)
        })
        .collect();
    let what = |s: &assign::Standing| {
        all.assignment(&s.assignment)
            .map(assign::Assignment::what)
            .unwrap_or_default()
    };
    match args.format {
        Output::Json => {
            let v = serde_json::json!({
                "assignments": all.assignments,
                "standings": shown,
            });
            print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
        Output::Csv => {
            let sheet = assign::standings_sheet(&all.assignments, &shown, lang, false)?;
            print(&String::from_utf8_lossy(&sheet))?;
        }
        Output::Table => {
            if shown.is_empty() {
                print(&format!(
                    "{}\n",
                    lang.t("没有符合条件的布置。", "No assignments match.")
                ))?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut out = String::new();
            for s in shown {
                let line = format!(
                    "{} {} {} {} {}",
                    super::pad(&what(s), 34),
                    super::pad(&s.trainee.name, 12),
                    super::pad(
                        &format!("{} {}", lang.t("截止", "due"), due_of(&all, s)),
                        16
                    ),
                    s.status.describe().get(lang),
                    s.best
                        .map(|b| format!("({} {b:.1})", lang.t("最好", "best")))
                        .unwrap_or_default()
                );
                let _ = writeln!(out, "{}", line.trim_end());
                if let (Status::Failed { .. } | Status::Overdue { .. }, Some(failed)) =
                    (&s.status, &s.last_failed)
                {
                    let detail = store.records().attempt_detail(failed)?;
                    if let Some(c) = assign::practise_first(&detail.criteria) {
                        let title = criterion_title(&lib, &detail.attempt.playbook, c, lang);
                        let _ = writeln!(
                            out,
                            "    {}",
                            crate::msg::assignment_practise_first(title).get(lang)
                        );
                    }
                }
            }
            print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A criterion's title in `lang`; its id when no playbook knows it.
fn criterion_title(lib: &Library, playbook: &str, id: &str, lang: crate::msg::Lang) -> String {
    lib.playbook(playbook)
        .and_then(|p| p.rubric.criteria.iter().find(|c| c.id == id))
        .map_or_else(|| id.to_owned(), |c| c.title.get(lang.code()).to_owned())
}

/// `salesdojo report --assignments`: per assignment, how many are assigned, not started, in
/// progress, passed, overdue and failed; per team the same; then who is behind, latest first.
pub fn report(cli: &Cli, format: Output) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    let store = store::open_default(&cli.location())?;
    let lib = library(cli, &store)?;
    let all = standings(&store, &lib)?;
    let funnel = assign::funnel(&all.standings);
    let teams = assign::team_funnel(&all.standings);
    let behind = assign::behind(&all.standings);
    let trainees: Vec<store::Trainee> = all.standings.iter().map(|s| s.trainee.clone()).collect();
    match format {
        Output::Json => {
            let teams: Vec<_> = teams
                .iter()
                .map(|(team, c)| serde_json::json!({ "team": team, "counts": c }))
                .collect();
            let v = serde_json::json!({
                "assignments": all.assignments,
                "funnel": funnel,
                "teams": teams,
                "behind": behind,
            });
            print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
        Output::Csv => {
            let mut w = crate::sheet::SheetWriter::new(Vec::new(), false)?;
            let mut head = vec!["assignment", "what", "who", "due"];
            head.extend(Bucket::ALL.iter().map(|b| b.key()));
            w.row(head)?;
            for row in &funnel {
                let a = all.assignment(&row.assignment);
                let mut cells = vec![
                    row.assignment.clone(),
                    a.map(assign::Assignment::what).unwrap_or_default(),
                    a.map(|a| a.who(&trainees)).unwrap_or_default(),
                    a.map(|a| a.due.to_string()).unwrap_or_default(),
                ];
                cells.extend(Bucket::ALL.iter().map(|b| b.of(&row.counts).to_string()));
                w.row(cells)?;
            }
            print(&String::from_utf8_lossy(&w.finish()?))?;
        }
        Output::Table => {
            if all.assignments.is_empty() {
                print(&format!(
                    "{}\n",
                    lang.t(
                        "还没有布置。用 `salesdojo assign` 布置练习。",
                        "Nothing is assigned yet. Assign practice with `salesdojo assign`."
                    )
                ))?;
                return Ok(ExitCode::SUCCESS);
            }
            let heads = [
                lang.t("布置", "assigned"),
                lang.t("未开始", "not started"),
                lang.t("进行中", "in progress"),
                lang.t("通过", "passed"),
                lang.t("逾期", "overdue"),
                lang.t("未达标", "failed"),
            ];
            let labels: Vec<String> = funnel
                .iter()
                .map(|row| {
                    all.assignment(&row.assignment)
                        .map_or_else(String::new, |a| {
                            format!("{} → {} ({})", a.what(), a.who(&trainees), a.due)
                        })
                })
                .collect();
            let width = labels
                .iter()
                .map(String::as_str)
                .chain(teams.keys().filter_map(|t| t.as_deref()))
                .map(unicode_width::UnicodeWidthStr::width)
                .max()
                .unwrap_or(0)
                .max(12);
            let header = |out: &mut String, first: &str| {
                let _ = write!(out, "  {}", super::pad(first, width));
                for h in heads {
                    let _ = write!(out, " {}", super::pad(h, 11));
                }
                out.push('\n');
            };
            let counts = |out: &mut String, label: &str, c: &assign::Counts| {
                let _ = write!(out, "  {}", super::pad(label, width));
                for b in Bucket::ALL {
                    let _ = write!(out, " {}", super::pad(&b.of(c).to_string(), 11));
                }
                out.push('\n');
            };
            let mut out = String::new();
            let _ = writeln!(out, "{}", lang.t("各项布置", "By assignment"));
            header(&mut out, "");
            for (row, label) in funnel.iter().zip(&labels) {
                counts(&mut out, label, &row.counts);
            }
            let _ = writeln!(out, "\n{}", lang.t("各团队", "By team"));
            header(&mut out, "");
            for (team, c) in &teams {
                counts(
                    &mut out,
                    team.as_deref().unwrap_or(lang.t("（无团队）", "(no team)")),
                    c,
                );
            }
            let _ = writeln!(out, "\n{}", lang.t("谁落后了", "Who is behind"));
            if behind.is_empty() {
                let _ = writeln!(out, "  {}", lang.t("没有人逾期。", "Nobody is overdue."));
            }
            for s in behind {
                let what = all
                    .assignment(&s.assignment)
                    .map(assign::Assignment::what)
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {} {} {} {}",
                    super::pad(&s.trainee.name, 12),
                    super::pad(s.trainee.team.as_deref().unwrap_or("-"), 10),
                    super::pad(&what, 34),
                    s.status.describe().get(lang)
                );
            }
            let out: String = out.lines().map(|l| format!("{}\n", l.trim_end())).collect();
            print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
