//! `salesdojo practice PLAYBOOK [--scenario ID] [--trainee NAME]`: a role-play in the
//! terminal. Reads replies line by line from stdin, so it runs piped as well as interactively.

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use std::sync::Arc;

use super::{Cli, eprint, print};
use crate::playbook::model::{Playbook, Reply, Scenario, Text, Turn};
use crate::playbook::{Library, Report};
use crate::practice::{Answer, AnswerError, Attempt};
use crate::script::ScriptHost;
use crate::session::{self, LoggedAttempt};
use crate::store::{self, ProgressLog, Trainee};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Playbook id (see `salesdojo list`). Left out: what is assigned to you, the most
    /// pressing first (overdue, a retake, then by due date).
    pub playbook: Option<String>,
    /// Scenario id; asked for when left out.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Your name, recorded with the attempt (asked for when left out at a terminal; required
    /// when input is piped, unless --no-log). In a progress log joined to a team, practice is
    /// recorded under the joined login: leave it out (another name is refused).
    #[arg(long)]
    pub trainee: Option<String>,
    /// Your team.
    #[arg(long)]
    pub team: Option<String>,
    /// Do not record the attempt in the progress database.
    #[arg(long)]
    pub no_log: bool,
    /// Practise your own playbooks folder too: your drafts, which trainees do not see until
    /// you publish them (a folder named with --playbooks is always practised as drafts).
    #[arg(long)]
    pub drafts: bool,
}

super::places!(Args: db, content);

struct Ui<'a> {
    lang: &'a str,
    interactive: bool,
    lines: std::io::Lines<std::io::StdinLock<'static>>,
}

impl Ui<'_> {
    fn t<'s>(&self, zh: &'s str, en: &'s str) -> &'s str {
        if self.lang == "en" { en } else { zh }
    }

    fn text<'t>(&self, t: &'t Text) -> &'t str {
        t.get(self.lang)
    }

    /// Prints a prompt and reads one line; `None` at the end of input.
    fn ask(&mut self, prompt: &str) -> anyhow::Result<Option<String>> {
        print(prompt)?;
        let _ = std::io::stdout().flush();
        match self.lines.next() {
            Some(line) => {
                let line = line?;
                // Piped input is not echoed by a terminal: echo it so the transcript reads well.
                if !self.interactive {
                    print(&format!("{line}\n"))?;
                }
                Ok(Some(line))
            }
            None => Ok(None),
        }
    }
}

/// With no playbook given: what is assigned to the trainee (the joined login, or
/// `--trainee`), listed, and the first thing to do on it (its playbook and the scenario to
/// practise next).
fn assigned_next(
    cli: &Cli,
    store: &store::Store,
    args: &Args,
    lib: &Library,
) -> anyhow::Result<(String, Option<String>)> {
    let lang = cli.lang();
    let me = match store.practising_as(args.trainee.as_deref(), args.team.as_deref())? {
        Some((_, me)) => me,
        None => {
            let Some(name) = args.trainee.as_deref() else {
                anyhow::bail!(
                    "{}",
                    lang.t(
                        "请给出剧本（见 `salesdojo list`），或用 --trainee 姓名 练习布置给你的内容",
                        "give a playbook (see `salesdojo list`), or --trainee NAME to practise what is assigned to you"
                    )
                );
            };
            let found = store
                .records()
                .trainees()?
                .into_iter()
                .find(|t| t.name == name && (args.team.is_none() || t.team == args.team));
            match found {
                Some(t) => t,
                None => anyhow::bail!("{}", crate::msg::assignment_none(name).get(lang)),
            }
        }
    };
    let all = store.records().assignment_standings_of(
        &me,
        &crate::assign::catalogue(lib),
        chrono::Local::now().date_naive(),
    )?;
    let mine = all.of_trainee(&me.id);
    let order = crate::assign::for_trainee(&mine, &all.assignments);
    let todo: Vec<&&crate::assign::Standing> = order
        .iter()
        .filter(|s| crate::assign::to_do(&s.status))
        .collect();
    if todo.is_empty() {
        anyhow::bail!("{}", crate::msg::assignment_none(&me.name).get(lang));
    }
    let mut out = format!("{}\n", lang.t("布置给你的练习：", "Assigned to you:"));
    for s in &order {
        if let Some(a) = all.assignment(&s.assignment) {
            out.push_str(&format!(
                "  {} {} {} — {}\n",
                super::pad(&a.what(), 34),
                lang.t("截止", "due"),
                a.due,
                s.status.describe().get(lang)
            ));
        }
    }
    print(&out)?;
    let first = todo[0];
    let Some(a) = all.assignment(&first.assignment) else {
        anyhow::bail!("assignment '{}' went missing", first.assignment);
    };
    Ok((a.playbook.clone(), first.next_scenario.clone()))
}

fn bar(points: f64) -> String {
    let n = (points / 10.0).round().clamp(0.0, 10.0) as usize;
    format!("{}{}", "█".repeat(n), "░".repeat(10 - n))
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    // The log, opened once: it holds the published playbooks, what is assigned, and this
    // practice.
    let mut opened = if args.no_log {
        None
    } else {
        Some(store::open_default(&cli.location())?)
    };
    let published = match &opened {
        Some(s) => s.records().published_layers()?.0,
        None => Vec::new(),
    };
    // Trainees practise the bundled and the published playbooks; a trainer's own folder
    // holds drafts, practised only when asked for.
    let lib: Library = if args.drafts || cli.playbooks.is_some() {
        crate::playbook::load::load_default_over(cli.playbooks.as_deref(), published, &mut report)?
    } else {
        crate::playbook::load::load_published(published, &mut report)
    };
    if report.errors() > 0 {
        eprint(&report.render());
    }
    let (playbook, scenario_arg) = match &args.playbook {
        Some(p) => (p.clone(), args.scenario.clone()),
        None => match &opened {
            Some(s) => assigned_next(cli, s, args, &lib)?,
            None => assigned_next(cli, &store::open_default(&cli.location())?, args, &lib)?,
        },
    };
    let Some(pb) = lib.playbook(&playbook).cloned() else {
        let known: Vec<&str> = lib.playbooks.iter().map(|p| p.id.as_str()).collect();
        return Err(super::unknown("playbook", &playbook, &known));
    };
    let host = ScriptHost::new(&lib);
    // A log joined to a team records every practice under the joined login (sync sends only
    // that login's rows): the trainee is not asked for, and another name is refused.
    let mut joined = None;
    let mut log: Box<dyn ProgressLog> = if args.no_log {
        Box::new(session::NoLog)
    } else {
        // Joined to a team: each committed reply goes up in the background.
        let store = match opened.take() {
            Some(s) => s,
            None => store::open_default(&cli.location())?,
        };
        joined = store.practising_as(args.trainee.as_deref(), args.team.as_deref())?;
        let background = store::team::sync::Background::start(store.path());
        Box::new(store::team::sync::Syncing {
            log: store,
            background,
        })
    };
    // A wrong id is the first thing to say, before asking for anything.
    if let Some(s) = scenario_arg.as_deref().filter(|s| pb.scenario(s).is_none()) {
        let known: Vec<&str> = pb.scenarios.iter().map(|s| s.id.as_str()).collect();
        return Err(super::unknown("scenario", s, &known));
    }
    let interactive = std::io::stdin().is_terminal();
    let locale = cli.content_locale(&pb);
    let mut ui = Ui {
        lang: &locale,
        interactive,
        lines: std::io::stdin().lock().lines(),
    };
    let name = match trainee_name(&mut ui, args, joined.is_some())? {
        Ok(name) => name,
        Err(code) => return Ok(code),
    };
    // The places this run used, so the command said to come back runs on the same ones.
    let mut places = String::new();
    if let Some(db) = &cli.db {
        places.push_str(&format!(" --db {}", shell_word(&db.display().to_string())));
    }
    if let Some(dir) = &cli.playbooks {
        places.push_str(&format!(
            " --playbooks {}",
            shell_word(&dir.display().to_string())
        ));
    } else if args.drafts {
        places.push_str(" --drafts");
    }
    let (trainee, resume) = match joined {
        Some((j, me)) => {
            if interactive {
                eprint(&format!(
                    "{} {} ({})\n",
                    ui.t("记录在团队账号下：", "recording under the team login:"),
                    j.user,
                    me.name
                ));
            }
            // How to come back to an unfinished role-play.
            let resume = format!(
                "salesdojo practice {} --scenario {{scenario}}{places}",
                shell_word(&playbook)
            );
            (me, resume)
        }
        None => {
            let resume = format!(
                "salesdojo practice {} --scenario {{scenario}} --trainee {}{places}",
                shell_word(&playbook),
                shell_word(&name)
            );
            // At a terminal, the team is asked for with the name (it can be left empty).
            let team = match (&args.team, ui.interactive && !args.no_log) {
                (Some(t), _) => Some(t.clone()),
                (None, true) => ask_team(&mut ui)?,
                (None, false) => None,
            };
            (log.trainee(&name, team.as_deref())?, resume)
        }
    };

    let scenario = match &scenario_arg {
        Some(s) => s.clone(),
        None => match choose_scenario(&mut ui, &pb)? {
            Some(s) => s,
            None => return Ok(ExitCode::SUCCESS),
        },
    };
    let Some(scen) = pb.scenario(&scenario) else {
        let known: Vec<&str> = pb.scenarios.iter().map(|s| s.id.as_str()).collect();
        return Err(super::unknown("scenario", &scenario, &known));
    };
    intro(&ui, &pb, scen)?;
    let mut run = begin(
        &mut ui,
        log.as_mut(),
        &trainee,
        &host,
        pb.clone(),
        &scenario,
    )?;
    // A drill that asks the trainee to name the customer's type shows the card after that
    // turn (or at once, resuming after it).
    if scen.persona_revealed(run.attempt.replies.iter().map(|r| r.turn.as_str())) {
        print(&persona_card(&ui, &lib, scen))?;
    } else {
        print(ui.t(
            "\n（客户画像在你判断出客户类型后显示。）\n",
            "\n(The customer's card shows once you have named their type.)\n",
        ))?;
    }

    let mut last_stage = String::new();
    let mut last_guide = None;
    while let Some(turn) = run.attempt.current_turn().cloned() {
        show_turn(
            &ui,
            &pb,
            &turn,
            &run,
            &host,
            &mut last_stage,
            &mut last_guide,
        )?;
        let started = Instant::now();
        let typed = read_answer(&mut ui, &turn, &run, &host)?;
        let code = match typed {
            Typed::Answer(answer) => {
                let seconds = started.elapsed().as_secs_f64();
                let record = run.submit(Some(&host), answer, seconds)?.clone();
                // The reply is committed before its feedback is shown; if it cannot be, the
                // trainee is told and the reply kept for a retry.
                if !save_reply(&mut ui, log.as_mut(), &mut run)? {
                    print(ui.t(
                        "已停止；这次回答未保存，之前的回答都已保存。\n",
                        "Stopped; this reply was not saved, the earlier ones are.\n",
                    ))?;
                    return Ok(ExitCode::from(super::EXIT_USAGE));
                }
                feedback(&ui, &pb, &turn, &record)?;
                if scen.reveal_persona_after.as_deref() == Some(turn.id.as_str()) {
                    print(&persona_card(&ui, &lib, scen))?;
                }
                continue;
            }
            // Input ended before the role-play did: the replies so far are saved.
            Typed::Ended => EXIT_UNFINISHED,
            Typed::Quit => 0,
        };
        print(&saved_note(
            &ui,
            args.no_log,
            run.attempt.replies.len(),
            &resume.replace("{scenario}", &scenario),
        ))?;
        return Ok(ExitCode::from(code));
    }
    summary(&ui, &pb, &run.attempt)?;
    run.finish(log.as_mut())?;
    Ok(ExitCode::SUCCESS)
}

/// The name the attempt is recorded under: none when joined to a team (the login's), the
/// one given, asked for at a terminal; `Err` with the exit code when there is none to be had.
fn trainee_name(
    ui: &mut Ui<'_>,
    args: &Args,
    joined: bool,
) -> anyhow::Result<Result<String, ExitCode>> {
    Ok(Ok(match (&args.trainee, args.no_log, ui.interactive) {
        _ if joined => String::new(),
        (Some(name), _, _) => name.clone(),
        // Nothing is recorded: the name goes nowhere.
        (None, true, _) => "trainee".to_owned(),
        (None, false, true) => match ask_name(ui)? {
            Some(name) => name,
            None => return Ok(Err(ExitCode::SUCCESS)),
        },
        (None, false, false) => {
            eprint(ui.t(
                "error: 输入来自管道时需要 --trainee 姓名（成绩记在这个名字下），或用 --no-log 不记录。\n",
                "error: --trainee NAME is required when input is piped (the attempt is recorded under it), or --no-log to record nothing.\n",
            ));
            return Ok(Err(ExitCode::from(super::EXIT_USAGE)));
        }
    }))
}

/// What the trainee typed at a turn.
enum Typed {
    Answer(Answer),
    /// The input ended.
    Ended,
    /// `q`.
    Quit,
}

/// Prints the customer's line of a turn: the stage when it changes, the options of a
/// choice, and the guide once while it stays the same.
fn show_turn(
    ui: &Ui<'_>,
    pb: &Playbook,
    turn: &Turn,
    run: &LoggedAttempt,
    host: &ScriptHost,
    last_stage: &mut String,
    last_guide: &mut Option<Text>,
) -> anyhow::Result<()> {
    let mut out = String::new();
    if turn.stage != *last_stage {
        if let Some(st) = pb.stage(&turn.stage) {
            let _ = writeln!(out, "\n-- {}  ·  {}", ui.text(&st.title), ui.text(&st.goal));
        }
        *last_stage = turn.stage.clone();
    }
    let _ = writeln!(
        out,
        "\n{}: {}",
        ui.t("客户", "Customer"),
        ui.text(&turn.customer)
    );
    if let Reply::Choice(opts) = &turn.reply {
        for (i, o) in opts.iter().enumerate() {
            let _ = writeln!(out, "  {}) {}", i + 1, ui.text(&o.text));
        }
    }
    // The guide for this turn (not the one before), once while it stays the same.
    let guide = run.attempt.guide(Some(host));
    if guide.is_some() && guide != *last_guide {
        if let Some(g) = &guide {
            let _ = writeln!(out, "  {} {}", ui.t("指导：", "Guide:"), ui.text(g));
        }
        *last_guide = guide;
    }
    print(&out)?;
    Ok(())
}

/// Reads the trainee's answer to a turn: a reply, an option (by number or id), `?` for a
/// hint (and ask again), `q` to stop. Asks again after an empty reply or a wrong option.
fn read_answer(
    ui: &mut Ui<'_>,
    turn: &Turn,
    run: &LoggedAttempt,
    host: &ScriptHost,
) -> anyhow::Result<Typed> {
    loop {
        let prompt = match turn.reply {
            Reply::Choice(_) => ui.t(
                "选择 (数字，? 提示，q 退出) > ",
                "choose (number, ? hint, q quit) > ",
            ),
            Reply::FreeText => ui.t(
                "你的回答 (? 提示，q 退出) > ",
                "your reply (? hint, q quit) > ",
            ),
        };
        let Some(line) = ui.ask(prompt)? else {
            print(ui.t(
                "\n输入结束，对练未完成。\n",
                "\nInput ended before the role-play did.\n",
            ))?;
            return Ok(Typed::Ended);
        };
        let line = line.trim_end_matches('\r');
        match line.trim() {
            "q" | "quit" => {
                print(ui.t("已退出。\n", "Stopped.\n"))?;
                return Ok(Typed::Quit);
            }
            "?" | "hint" => {
                for h in run.attempt.hint(Some(host)) {
                    print(&format!("  {} {}\n", ui.t("提示：", "Hint:"), ui.text(&h)))?;
                }
                continue;
            }
            _ => {}
        }
        let answer = match &turn.reply {
            Reply::Choice(opts) => {
                let pick = line.trim();
                let by_number = pick
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| opts.get(i));
                match by_number.or_else(|| opts.iter().find(|o| o.id == pick)) {
                    Some(o) => Answer::Choice(o.id.clone()),
                    None => {
                        print(&format!(
                            "  {} 1–{}\n",
                            ui.t("请输入选项编号", "Enter an option number"),
                            opts.len()
                        ))?;
                        continue;
                    }
                }
            }
            Reply::FreeText => Answer::Text(line.to_owned()),
        };
        match crate::practice::score::check_answer(turn, &answer) {
            Ok(()) => return Ok(Typed::Answer(answer)),
            Err(AnswerError::Empty) => {
                print(ui.t("  回答不能为空。\n", "  The reply is empty.\n"))?
            }
            Err(e) => print(&format!("  {e}\n"))?,
        }
    }
}

/// Exit code when input ends before the role-play does (piped input that stops mid-scenario):
/// the replies so far are saved and the attempt can be resumed.
pub const EXIT_UNFINISHED: u8 = 3;

/// Asks for the trainee's name at the terminal; `None` at the end of input.
fn ask_name(ui: &mut Ui<'_>) -> anyhow::Result<Option<String>> {
    loop {
        let Some(line) = ui.ask(ui.t(
            "你的名字（成绩记在这个名字下）> ",
            "Your name (your scores are recorded under it) > ",
        ))?
        else {
            return Ok(None);
        };
        let name = line.trim();
        if !name.is_empty() {
            return Ok(Some(name.to_owned()));
        }
    }
}

/// The team asked for at a terminal; empty (or end of input) for none.
fn ask_team(ui: &mut Ui<'_>) -> anyhow::Result<Option<String>> {
    Ok(ui
        .ask(ui.t(
            "你的团队（可选，直接回车跳过）> ",
            "Your team (optional, Enter to skip) > ",
        ))?
        .map(|l| l.trim().to_owned())
        .filter(|t| !t.is_empty()))
}

/// What happened to the replies so far when a role-play stops early, and how to resume.
fn saved_note(ui: &Ui<'_>, no_log: bool, replies: usize, resume: &str) -> String {
    if no_log {
        return ui
            .t(
                "（--no-log：这次对练没有记录。）\n",
                "(--no-log: this role-play was not recorded.)\n",
            )
            .to_owned();
    }
    if replies == 0 {
        return ui
            .t("还没有回答任何一轮。\n", "Nothing was answered yet.\n")
            .to_owned();
    }
    format!(
        "{}\n  {resume}\n",
        ui.t(
            "已答的回答都已保存。继续这次对练：",
            "Your replies so far are saved. To pick up where you left off:"
        )
    )
}

/// `s` as one word for a POSIX shell (quoted when it needs to be).
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || "-_./".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Offers an unfinished attempt of this scenario for resumption, then starts or resumes.
fn begin(
    ui: &mut Ui<'_>,
    log: &mut dyn ProgressLog,
    trainee: &Trainee,
    host: &ScriptHost,
    pb: Arc<Playbook>,
    scenario: &str,
) -> anyhow::Result<LoggedAttempt> {
    let found = session::resumable(log, trainee, &pb, scenario)?;
    if found.outdated > 0 {
        print(ui.t(
            "上次未完成的对练之后，剧本已更新，将重新开始。\n",
            "The playbook changed since your unfinished attempt; starting afresh.\n",
        ))?;
    }
    for old in found.open {
        let q = format!(
            "{} {} ({} {}) [y/n] > ",
            ui.t(
                "继续上次未完成的对练？开始于",
                "Resume your unfinished attempt started"
            ),
            store::local_time(&old.started_at),
            ui.t("已答", "replies:"),
            old.answers.len(),
        );
        let yes = ui
            .ask(&q)?
            .is_some_and(|a| matches!(a.trim(), "y" | "Y" | "yes" | "是"));
        if yes {
            // The earlier turns, so the trainee picks up where the conversation was.
            let mut out = String::new();
            if let Some(scen) = pb.scenario(&old.scenario_id) {
                for (turn, answer, _) in &old.answers {
                    let Some(t) = scen.turn(turn) else { continue };
                    let said = match (answer, &t.reply) {
                        (crate::practice::Answer::Choice(id), Reply::Choice(opts)) => opts
                            .iter()
                            .find(|o| &o.id == id)
                            .map_or_else(|| id.clone(), |o| ui.text(&o.text).to_owned()),
                        (crate::practice::Answer::Choice(id), _) => id.clone(),
                        (crate::practice::Answer::Text(text), _) => text.clone(),
                    };
                    let _ = writeln!(
                        out,
                        "\n{}: {}\n{}: {said}",
                        ui.t("客户", "Customer"),
                        ui.text(&t.customer),
                        ui.t("你", "You")
                    );
                }
            }
            print(&out)?;
            return Ok(LoggedAttempt::resume(&old, trainee, pb, Some(host))?);
        }
        LoggedAttempt::discard(log, &old)?;
    }
    Ok(LoggedAttempt::start(log, trainee, pb, scenario)?)
}

/// Commits the reply, retrying on request; `false` when the trainee gave up.
fn save_reply(
    ui: &mut Ui<'_>,
    log: &mut dyn ProgressLog,
    run: &mut LoggedAttempt,
) -> anyhow::Result<bool> {
    loop {
        match run.commit(log) {
            Ok(()) => return Ok(true),
            Err(e) => {
                let q = format!(
                    "  {} {e}\n  {} > ",
                    ui.t("未保存：", "Not saved:"),
                    ui.t("回车重试，q 放弃", "Enter to retry, q to stop")
                );
                match ui.ask(&q)? {
                    Some(a) if a.trim() == "q" => return Ok(false),
                    None => return Ok(false),
                    Some(_) => {}
                }
            }
        }
    }
}

fn choose_scenario(ui: &mut Ui<'_>, pb: &Playbook) -> anyhow::Result<Option<String>> {
    let mut out = format!("{}\n", ui.text(&pb.title));
    for (i, s) in pb.scenarios.iter().enumerate() {
        let _ = writeln!(out, "  {}) {}", i + 1, ui.text(&s.title));
    }
    print(&out)?;
    loop {
        let Some(line) = ui.ask(ui.t("选择场景 > ", "choose a scenario > "))? else {
            return Ok(None);
        };
        let pick = line.trim();
        let by_number = pick
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| pb.scenarios.get(i));
        if let Some(s) = by_number.or_else(|| pb.scenarios.iter().find(|s| s.id == pick)) {
            return Ok(Some(s.id.clone()));
        }
        // Say why it is asked again (a team typed here went unremarked).
        if !pick.is_empty() {
            eprint(&format!(
                "{} 1–{}\n",
                ui.t("请输入场景编号", "Enter a scenario number"),
                pb.scenarios.len()
            ));
        }
    }
}

fn intro(ui: &Ui<'_>, pb: &Playbook, scen: &Scenario) -> anyhow::Result<()> {
    print(&format!(
        "\n== {}  ·  {}\n{}\n",
        ui.text(&pb.title),
        ui.text(&scen.title),
        ui.text(&scen.context)
    ))
}

/// The customer's card: their type and thinking style, what to do and what to avoid.
fn persona_card(ui: &Ui<'_>, lib: &Library, scen: &Scenario) -> String {
    let mut out = String::new();
    for id in std::iter::once(&scen.persona).chain(&scen.style) {
        if let Some(p) = lib.personas.get(id) {
            let _ = writeln!(
                out,
                "\n[{}] {}",
                ui.text(&p.name),
                p.summary.as_ref().map_or("", |s| ui.text(s))
            );
            for a in &p.approach {
                let _ = writeln!(out, "  + {}", ui.text(a));
            }
            for a in &p.avoid {
                let _ = writeln!(out, "  - {}", ui.text(a));
            }
        }
    }
    out
}

fn feedback(
    ui: &Ui<'_>,
    pb: &Playbook,
    turn: &crate::playbook::model::Turn,
    r: &crate::practice::ReplyRecord,
) -> anyhow::Result<()> {
    let mut out = format!("\n  {} {}/100\n", ui.t("得分", "Score"), r.scored.rounded());
    let lang = if ui.lang == "en" {
        crate::msg::Lang::En
    } else {
        crate::msg::Lang::Zh
    };
    if let Some(n) = r.notice_in(lang) {
        let _ = writeln!(out, "  ! {n}");
    }
    for c in &r.scored.criteria {
        let title = pb
            .criterion(&c.criterion)
            .map_or(c.criterion.as_str(), |cr| ui.text(&cr.title));
        let _ = writeln!(
            out,
            "    {} {:>3}  {title}",
            bar(c.points),
            c.points.round()
        );
    }
    for f in &r.scored.feedback {
        let _ = writeln!(out, "  · {}", ui.text(f));
    }
    for h in r.scored.hints.iter().take(2) {
        let _ = writeln!(out, "  {} {}", ui.t("提示：", "Hint:"), ui.text(h));
    }
    // The guide's word on this reply.
    if let Some(h) = &r.guide_hint {
        let _ = writeln!(out, "  {} {}", ui.t("点评：", "Note:"), ui.text(h));
    }
    if let (Answer::Text(_), Some(m)) = (&r.answer, &turn.model_answer) {
        let _ = writeln!(
            out,
            "  {} {}",
            ui.t("参考回答：", "Model answer:"),
            ui.text(m)
        );
    }
    print(&out)
}

fn summary(ui: &Ui<'_>, pb: &Playbook, attempt: &Attempt) -> anyhow::Result<()> {
    let s = attempt.summary();
    let scen = attempt.scenario();
    let mut out = String::from("\n");
    if let Some(e) = s.ending.as_ref().and_then(|e| scen.ending(e)) {
        let _ = writeln!(out, "{}\n", ui.text(&e.text));
    }
    let verdict = if s.passed {
        ui.t("通过", "passed")
    } else {
        ui.t("未通过", "not passed")
    };
    let _ = writeln!(
        out,
        "== {} {:.1}/100 ({} {}) — {verdict}",
        ui.t("总分", "Total"),
        s.total,
        ui.t("及格线", "pass mark"),
        s.pass_mark
    );
    // How the total is made: each criterion's points, weight and what it adds.
    let _ = writeln!(
        out,
        "    {}",
        ui.t(
            "平均分 × 权重 → 计入总分",
            "average × weight → adds to the total"
        )
    );
    for sh in s.shares(pb) {
        let title = pb
            .criterion(&sh.criterion)
            .map_or(sh.criterion.as_str(), |c| ui.text(&c.title));
        let _ = writeln!(
            out,
            "    {} {:>5.1} × {:<3} → {:>4.1}  {title}",
            bar(sh.points),
            sh.points,
            sh.weight,
            sh.adds
        );
    }
    if let Some(before) = s.uncapped(pb) {
        let _ = writeln!(
            out,
            "    {} {before:.1} → {:.1}",
            ui.t("行为红线封顶：", "capped by a conduct gate:"),
            s.total
        );
    }
    if let Some(w) = s.weakest.as_ref().and_then(|w| pb.criterion(w)) {
        let _ = writeln!(
            out,
            "{} {}",
            ui.t("最需加强：", "Weakest:"),
            ui.text(&w.title)
        );
    }
    if let Some(next) = s.suggested.as_ref().and_then(|id| pb.scenario(id)) {
        let _ = writeln!(
            out,
            "{} {} ({})",
            ui.t("建议下一个场景：", "Try next:"),
            ui.text(&next.title),
            next.id
        );
    }
    print(&out)
}
