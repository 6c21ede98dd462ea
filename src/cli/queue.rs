//! The manager's week in the terminal: `salesdojo queue` (what needs a manager, and why),
//! `salesdojo readiness` (per trainee and criterion, per team over time), and the trainee's
//! side: `salesdojo ask-review ATTEMPT --question TEXT` and `salesdojo reviews` (the reviews
//! of one's attempts, acknowledged with `--ack`).

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::bail;

use super::{Cli, Format, print, print_json};
use crate::playbook::Report;
use crate::queue;
use crate::readiness::{self, Tier};
use crate::store::{self, Trainee};

use super::assign::today;

#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Only this team's trainees (its name).
    #[arg(long)]
    pub team: Option<String>,
    /// Only attempts waiting for this reason.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(queue::REASON_KEYS))]
    pub reason: Option<String>,
    /// Attempts of the last DAYS days (a trainee's question waits however old its attempt).
    #[arg(long, default_value_t = 30, value_name = "DAYS",
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// How to print the queue.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(QueueArgs: db, content);

pub fn run_queue(cli: &Cli, args: &QueueArgs) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    let store = store::open_default(&cli.location())?;
    let mut report = Report::default();
    let lib = super::load_with_published(cli, &store, &mut report)?;
    let filter = queue::Filter {
        team: args.team.clone(),
        reason: args.reason.clone(),
    };
    let items =
        store
            .records()
            .review_queue(&queue::Rules::of(&lib), &filter, today(), args.days)?;
    if matches!(args.format, Format::Json) {
        print_json(&format!("{}\n", serde_json::to_string_pretty(&items)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    if items.is_empty() {
        print(&format!(
            "{}\n",
            lang.t(
                "复核队列是空的：没有需要经理处理的练习。",
                "The review queue is empty: no attempt needs a manager."
            )
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = format!(
        "{} {}\n",
        items.len(),
        lang.t(
            "次练习等待复核（红线优先，其余按等待时间）：",
            "attempts wait for a review (gates first, then the longest wait):"
        )
    );
    for it in &items {
        let f = &it.fact;
        let _ = writeln!(
            out,
            "\n{}  {} ({})  {}/{}  {}  {}",
            f.attempt.get(..8).unwrap_or(&f.attempt),
            f.trainee,
            f.team.as_deref().unwrap_or("-"),
            f.playbook,
            f.scenario,
            f.total.map_or("-".into(), |t| format!("{t:.0}")),
            store::local_stamp(&it.waiting_since, "%Y-%m-%d %H:%M"),
        );
        for r in &it.reasons {
            let _ = writeln!(out, "    · {}", r.describe().get(lang));
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        lang.t(
            "处理：salesdojo attempt ID 查看，salesdojo review ID --comment …（--reply N 针对某条回答，--sign-off 签核）",
            "Work it: `salesdojo attempt ID` to read one, `salesdojo review ID --comment …` (--reply N on one reply, --sign-off to sign off)"
        )
    );
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct ReadinessArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// The playbook whose criteria make the grid's columns (default: each one practised).
    #[arg(long)]
    pub playbook: Option<String>,
    /// One trainee (a name or an id).
    #[arg(long)]
    pub trainee: Option<String>,
    /// Only this team's trainees (its name).
    #[arg(long)]
    pub team: Option<String>,
    /// Weeks of each team's readiness over time.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=104))]
    pub weeks: u32,
    /// How to print it.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(ReadinessArgs: db, content);

/// The readiness of one playbook, as printed and as JSON.
#[derive(serde::Serialize)]
struct PlaybookReadiness {
    playbook: String,
    grid: readiness::Grid,
    teams: Vec<readiness::TeamNow>,
}

pub fn run_readiness(cli: &Cli, args: &ReadinessArgs) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    let store = store::open_default(&cli.location())?;
    let mut report = Report::default();
    let lib = super::load_with_published(cli, &store, &mut report)?;
    let trainee = match &args.trainee {
        Some(name) => Some(find_trainee(&store, name)?),
        None => None,
    };
    let today = today();
    let mut cells = store
        .records()
        .readiness(today, trainee.as_ref(), args.playbook.as_deref())?;
    if let Some(team) = &args.team {
        cells.retain(|c| c.team.as_deref() == Some(team.as_str()));
    }
    let playbooks: Vec<String> = match &args.playbook {
        Some(p) => {
            if lib.playbook(p).is_none() {
                let known: Vec<&str> = lib.playbooks.iter().map(|p| p.id.as_str()).collect();
                return Err(super::unknown("playbook", p, &known));
            }
            vec![p.clone()]
        }
        None => lib
            .playbooks
            .iter()
            .filter(|p| cells.iter().any(|c| c.playbook == p.id))
            .map(|p| p.id.clone())
            .collect(),
    };
    let per: Vec<PlaybookReadiness> = playbooks
        .iter()
        .map(|p| {
            let criteria: Vec<String> = lib
                .playbook(p)
                .map(|pb| pb.rubric.criteria.iter().map(|c| c.id.clone()).collect())
                .unwrap_or_default();
            let grid = readiness::grid(&cells, p, &criteria);
            let teams = readiness::teams_now(&grid);
            PlaybookReadiness {
                playbook: p.clone(),
                grid,
                teams,
            }
        })
        .collect();
    let mut over_time = if trainee.is_some() {
        Vec::new()
    } else {
        store
            .records()
            .team_readiness(today, args.weeks, args.playbook.as_deref())?
    };
    if let Some(team) = &args.team {
        over_time.retain(|p| p.team.as_deref() == Some(team.as_str()));
    }
    if matches!(args.format, Format::Json) {
        let v = serde_json::json!({
            "as_of": today,
            "half_life_days": readiness::HALF_LIFE_DAYS,
            "window_days": readiness::WINDOW_DAYS,
            "playbooks": per,
            "teams_over_time": over_time,
        });
        print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = format!(
        "{} {today}（{}）\n",
        lang.t("准备度，截至", "Readiness as of"),
        lang.t(
            "近 90 天的练习，30 天前的一次只算今天的一半",
            "the last 90 days of practice; an attempt 30 days old counts half as much as today's"
        )
    );
    if per.iter().all(|p| p.grid.rows.is_empty()) {
        let _ = writeln!(
            out,
            "{}",
            lang.t(
                "近 90 天没有计入的练习。",
                "No counted practice in the last 90 days."
            )
        );
    }
    for p in per.iter().filter(|p| !p.grid.rows.is_empty()) {
        let title = lib
            .playbook(&p.playbook)
            .map_or(p.playbook.as_str(), |pb| pb.title.get(lang.code()));
        let _ = writeln!(out, "\n{title} ({})", p.playbook);
        let _ = write!(out, "  {}", super::pad(lang.t("学员", "trainee"), 14));
        for c in &p.grid.criteria {
            let _ = write!(out, " {:>10}", short(c, 10));
        }
        let _ = writeln!(
            out,
            " {}  {}",
            lang.t("    综合", " overall"),
            lang.t("档位", "tier")
        );
        for r in &p.grid.rows {
            let _ = write!(out, "  {}", super::pad(&short(&r.trainee, 7), 14));
            for c in &r.cells {
                let _ = match c {
                    Some(c) if c.tier == Tier::TooLittle => write!(out, " {:>9.0}?", c.proficiency),
                    Some(c) => write!(out, " {:>10.0}", c.proficiency),
                    None => write!(out, " {:>10}", "-"),
                };
            }
            let _ = writeln!(out, " {:>8.0}  {}", r.overall, r.tier.describe().get(lang));
        }
        for t in &p.teams {
            let _ = writeln!(
                out,
                "  {} {}: {} {} · {} {} · {} {} · {} {}",
                lang.t("团队", "team"),
                t.team.as_deref().unwrap_or("-"),
                t.ready,
                lang.t("已就绪", "ready"),
                t.developing,
                lang.t("提升中", "developing"),
                t.needs_work,
                lang.t("待加强", "needs work"),
                t.too_little,
                lang.t("练习太少", "too little practice"),
            );
        }
    }
    if !over_time.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            lang.t(
                "各团队每周的准备度（总分）",
                "Each team's readiness by week (totals)"
            )
        );
        let mut team: Option<&Option<String>> = None;
        for p in &over_time {
            if team != Some(&p.team) {
                team = Some(&p.team);
                let _ = write!(
                    out,
                    "\n  {}",
                    super::pad(p.team.as_deref().unwrap_or("-"), 12)
                );
            }
            let _ = write!(out, " {:>4.0}", p.readiness);
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "\n{}",
        lang.t(
            "档位：≥85 已就绪，70–85 提升中，<70 待加强；“?”表示 90 天内不足 2 次。",
            "Tiers: ≥ 85 ready, 70–85 developing, < 70 needs work; '?': fewer than 2 attempts in 90 days."
        )
    );
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// At most `n` characters of `s`.
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// A trainee by name or id, among those this login sees.
fn find_trainee(store: &store::Store, name: &str) -> anyhow::Result<Trainee> {
    let all = store.records().trainees()?;
    match all
        .iter()
        .filter(|t| t.name == name || t.id == name)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [one] => Ok((*one).clone()),
        [] => bail!("no trainee named '{name}' has a record here"),
        _ => bail!(
            "several trainees are named '{name}': give the id (see `salesdojo report --format json`)"
        ),
    }
}

/// The trainee asking or acknowledging: the joined login, else `--trainee`, else (on this
/// machine's own log) whoever practised the attempt.
fn asker(
    store: &store::Store,
    trainee: Option<&str>,
    attempt_trainee: Option<&str>,
) -> anyhow::Result<Trainee> {
    if let Some((_, me)) = store.practising_as(trainee, None)? {
        return Ok(me);
    }
    match (trainee, attempt_trainee) {
        (Some(name), _) => find_trainee(store, name),
        (None, Some(name)) => find_trainee(store, name),
        (None, None) => bail!("give --trainee NAME"),
    }
}

#[derive(Debug, clap::Args)]
pub struct AskArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    /// The attempt (its id or a unique prefix), one of your finished practice attempts.
    pub attempt: String,
    /// What you would like the manager to look at.
    #[arg(long)]
    pub question: String,
    /// Who is asking (on a team server: the signed-in login).
    #[arg(long)]
    pub trainee: Option<String>,
}

super::places!(AskArgs: db);

pub fn run_ask(cli: &Cli, args: &AskArgs) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    let mut store = store::open_default(&cli.location())?;
    let a = store.records().attempt_detail(&args.attempt)?.attempt;
    let me = asker(&store, args.trainee.as_deref(), Some(&a.trainee))?;
    store.request_review(&me.id, &a.id, &args.question, chrono::Utc::now())?;
    print(&format!(
        "{} {}\n",
        lang.t("已请求复核：", "review asked for:"),
        a.id
    ))?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct ReviewsArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    /// Whose attempts (on a team server: the signed-in login).
    #[arg(long)]
    pub trainee: Option<String>,
    /// Acknowledge a review (its id or a unique prefix), or `all` the new ones.
    #[arg(long, value_name = "ID|all")]
    pub ack: Option<String>,
    /// How to print them.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(ReviewsArgs: db);

pub fn run_reviews(cli: &Cli, args: &ReviewsArgs) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    let mut store = store::open_default(&cli.location())?;
    let me = asker(&store, args.trainee.as_deref(), None)?;
    let mut reviews = store.records().reviews_of(&me.id, 200)?;
    if let Some(which) = &args.ack {
        let now = chrono::Utc::now();
        let chosen: Vec<String> = if which == "all" {
            reviews
                .iter()
                .filter(|r| r.review.acknowledged_at.is_none())
                .map(|r| r.review.id.clone())
                .collect()
        } else {
            let found: Vec<String> = reviews
                .iter()
                .filter(|r| r.review.id.starts_with(which.as_str()))
                .map(|r| r.review.id.clone())
                .collect();
            match found.len() {
                1 => found,
                0 => bail!("none of {}'s reviews has the id '{which}'", me.name),
                _ => bail!("the id '{which}' matches several reviews: give more of it"),
            }
        };
        let mut n = 0;
        for id in &chosen {
            if store.acknowledge_review(&me.id, id, now)? {
                n += 1;
            }
        }
        print(&format!(
            "{n} {}\n",
            lang.t("条复核已确认收到", "reviews acknowledged")
        ))?;
        reviews = store.records().reviews_of(&me.id, 200)?;
        if matches!(args.format, Format::Human) {
            return Ok(ExitCode::SUCCESS);
        }
    }
    if matches!(args.format, Format::Json) {
        print_json(&format!("{}\n", serde_json::to_string_pretty(&reviews)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    if reviews.is_empty() {
        print(&format!(
            "{}\n",
            lang.t(
                "你的练习还没有复核。",
                "None of your attempts has been reviewed yet."
            )
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for r in &reviews {
        let w = &r.review;
        let new = if w.acknowledged_at.is_none() {
            lang.t("【新】", "[new] ")
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{new}{}  {}/{}  {} {}  ({} {})",
            w.id.get(..8).unwrap_or(&w.id),
            r.playbook,
            r.scenario,
            w.reviewer,
            store::local_stamp(&w.at, "%Y-%m-%d %H:%M"),
            lang.t("练习", "attempt"),
            r.attempt_id.get(..8).unwrap_or(&r.attempt_id),
        );
        if let Some(c) = &w.comment {
            let on = w.reply.map_or(String::new(), |n| {
                format!("{} #{n}: ", lang.t("针对回答", "on reply"))
            });
            let _ = writeln!(out, "    {on}{c}");
        }
        if let (Some(c), Some(p)) = (&w.criterion, w.override_points) {
            let _ = writeln!(out, "    {c} → {p:.0}");
        }
        if w.sign_off {
            let _ = writeln!(out, "    {}", lang.t("已签核", "signed off"));
        }
    }
    if reviews.iter().any(|r| r.review.acknowledged_at.is_none()) {
        let _ = writeln!(
            out,
            "\n{}",
            lang.t(
                "确认收到：salesdojo reviews --ack all（或 --ack ID）",
                "Acknowledge them: salesdojo reviews --ack all (or --ack ID)"
            )
        );
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, clap::Args)]
pub struct CertificatesArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// One trainee's certificates (a name or an id), every playbook judged.
    #[arg(long)]
    pub trainee: Option<String>,
    /// One playbook's certificates.
    #[arg(long)]
    pub playbook: Option<String>,
    /// Sign off the certificate of --trainee for --playbook (one that awaits it).
    #[arg(long, requires_all = ["trainee", "playbook"])]
    pub sign_off: bool,
    /// Who signs, and who assigns recertification (on a team server: the signed-in login).
    #[arg(long = "by", default_value = "manager")]
    pub by: String,
    /// How to print them.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(CertificatesArgs: db, content);

/// `salesdojo certificates`: each trainee's certificates with their dates, who signed and
/// what is missing; a sign-off; recertification assigned for the expired ones.
pub fn run_certificates(cli: &Cli, args: &CertificatesArgs) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    let store = store::open_default(&cli.location())?;
    let mut report = Report::default();
    let lib = super::load_with_published(cli, &store, &mut report)?;
    if let Some(p) = &args.playbook
        && lib.playbook(p).is_none()
    {
        let known: Vec<&str> = lib.playbooks.iter().map(|p| p.id.as_str()).collect();
        return Err(super::unknown("playbook", p, &known));
    }
    let trainee = match &args.trainee {
        Some(name) => Some(find_trainee(&store, name)?),
        None => None,
    };
    let now = chrono::Utc::now();
    let today = today();
    if args.sign_off
        && let (Some(t), Some(p)) = (&trainee, &args.playbook)
    {
        let c = crate::session::sign_off_certificate(&store, &lib, t, p, &args.by, now)?;
        print(&format!(
            "{} · {}: {}\n",
            c.trainee.name,
            c.playbook,
            c.status.describe().get(lang)
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let certs =
        store
            .records()
            .certificates(&lib, args.playbook.as_deref(), trainee.as_ref(), today)?;
    // Expired certificates get their recertification assigned (where this login may assign).
    let assigned = if store.practising_as(None, None)?.is_none() {
        match crate::session::recertify(&store, &lib, &certs, &args.by, today, now) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("salesdojo: recertification was not assigned: {e}");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    if matches!(args.format, Format::Json) {
        let v = serde_json::json!({
            "certificates": certs,
            "recertification_assigned": assigned
                .iter()
                .map(|(t, p, _)| serde_json::json!({"trainee": t, "playbook": p}))
                .collect::<Vec<_>>(),
        });
        print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    if certs.is_empty() {
        print(&format!(
            "{}\n",
            lang.t(
                "还没有人练习过这些剧本。",
                "Nobody has practised these playbooks yet."
            )
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for c in &certs {
        let pb = lib.playbook(&c.playbook);
        let title = pb.map_or(c.playbook.as_str(), |p| p.title.get(lang.code()));
        let _ = writeln!(
            out,
            "{} · {title}: {}",
            c.trainee.name,
            c.status.describe().get(lang)
        );
        for n in &c.missing {
            let _ = writeln!(
                out,
                "    {} {}",
                lang.t("还需：", "still needs:"),
                n.describe(pb.map(|p| p.as_ref()), lang.code()).get(lang)
            );
        }
    }
    for (t, p, _) in &assigned {
        let _ = writeln!(
            out,
            "{} {t} · {p}",
            lang.t("已布置重新认证：", "recertification assigned:")
        );
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
