//! The command line: one file per subcommand, each a thin face over the engine.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::untrusted::{Escape, VisibleWriter};

use crate::playbook::{Content, Library, Report, load, load_default};

mod assign;
mod attempt;
mod backup;
mod burst;
mod calibrate;
mod concepts;
mod demo;
mod export;
mod graph;
mod list;
mod man;
mod merge;
mod practice;
mod progress;
mod publish;
mod queue;
mod report;
mod rescore;
mod review;
mod schema;
mod score;
mod team;
mod test;
mod validate;

/// Exit code for "the content has errors".
pub const EXIT_INVALID: u8 = 1;
/// Exit code for usage or I/O errors.
pub const EXIT_USAGE: u8 = 2;

/// salesdojo: practise sales conversations against playbooks, scored and explained.
/// With no command it opens the desktop app.
#[derive(Debug, Parser)]
#[command(name = "salesdojo", version = crate::about::VERSION_LINE, about, long_about = None)]
pub struct Cli {
    /// Your own playbooks folder (adds to or overrides the bundled playbooks by id).
    #[arg(long, env = "SALESDOJO_PLAYBOOKS", value_name = "DIR")]
    pub playbooks: Option<PathBuf>,

    /// The progress database (default: progress.db in your data folder).
    #[arg(long, env = "SALESDOJO_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Team mode: read reports, the review view and exports from this server instead (a
    /// streaming replica of the team database), as the same login.
    #[arg(
        long,
        global = true,
        env = "SALESDOJO_REPORT_DB",
        value_name = "URL",
        hide_env_values = true
    )]
    pub report_db: Option<String>,

    /// The language: of messages (validation, test results, errors; English when not given)
    /// and of playbook text (the role-play, graphs, export titles; the playbook's first
    /// language, Chinese in the bundled ones, when not given).
    #[arg(long, global = true, env = "SALESDOJO_LANG", value_enum)]
    pub lang: Option<LangArg>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where a subcommand takes `--db` and `--playbooks` after its name (given there, they win
/// over the ones given before it). Each command's arguments say so beside their definition.
pub trait Places {
    fn places(&mut self) -> (Option<&mut DbArg>, Option<&mut PlaybooksArg>);
}

/// [`Places`] for arguments with a `db: DbArg` and/or a `content: PlaybooksArg`.
macro_rules! places {
    ($t:ty: db, content) => {
        $crate::cli::places!(@impl $t, |a| (Some(&mut a.db), Some(&mut a.content)));
    };
    ($t:ty: db) => {
        $crate::cli::places!(@impl $t, |a| (Some(&mut a.db), None));
    };
    ($t:ty: content) => {
        $crate::cli::places!(@impl $t, |a| (None, Some(&mut a.content)));
    };
    ($t:ty: none) => {
        $crate::cli::places!(@impl $t, |_a| (None, None));
    };
    (@impl $t:ty, |$a:ident| $places:expr) => {
        impl $crate::cli::Places for $t {
            fn places(
                &mut self,
            ) -> (
                Option<&mut $crate::cli::DbArg>,
                Option<&mut $crate::cli::PlaybooksArg>,
            ) {
                let $a = self;
                $places
            }
        }
    };
}
pub(crate) use places;

/// Every subcommand, once: its help line, its arguments and the function that runs it. The
/// enum clap parses, where `--db` and `--playbooks` go ([`Places`]) and the dispatch all
/// come from this one list.
macro_rules! commands {
    ($( $(#[$meta:meta])* $name:ident($args:ty) => $run:path; )*) => {
        #[derive(Debug, Subcommand)]
        pub enum Command {
            $( $(#[$meta])* $name($args), )*
        }

        impl Command {
            fn places(&mut self) -> (Option<&mut DbArg>, Option<&mut PlaybooksArg>) {
                match self {
                    $( Command::$name(a) => Places::places(a), )*
                }
            }

            fn run(&self, cli: &Cli) -> anyhow::Result<ExitCode> {
                match self {
                    $( Command::$name(a) => $run(cli, a), )*
                }
            }
        }
    };
}

commands! {
    /// Check playbooks and report every problem with file:line:col.
    Validate(validate::Args) => validate::run;
    /// List playbooks with their stages, scenarios and turns.
    List(list::Args) => list::run;
    /// Print the JSON Schema of the playbook format.
    Schema(schema::Args) => schema::run;
    /// Draw a scenario as a graph (Mermaid or Graphviz dot): turns, options, endings.
    Graph(graph::Args) => graph::run;
    /// Role-play a scenario in the terminal (reads replies line by line, also piped).
    Practice(practice::Args) => practice::run;
    /// Score one reply and print the full result (points, trace, feedback, hint) as JSON.
    Score(score::Args) => score::run;
    /// Run every playbook's sample replies against their expected scores.
    Test(test::Args) => test::run;
    /// Compare scores with a trainer's grades (MAE, within band, Spearman, the worst cases).
    Calibrate(calibrate::Args) => calibrate::run;
    /// The concept lexicon: every concept's words and patterns, where it is used, which
    /// concepts know a word.
    Concepts(concepts::Args) => concepts::run;
    /// The persona library: every customer type and thinking style, with its full card.
    Personas(concepts::PersonaArgs) => concepts::run_personas;
    /// Progress reports: criterion averages, trends, weakest criteria, pass rates, leaderboard.
    Report(report::Args) => report::run;
    /// One attempt in full: transcript, points, trace, feedback, reviews.
    Attempt(attempt::Args) => attempt::run;
    /// Review an attempt: a comment (on the attempt or one reply), an override, a sign-off.
    Review(review::Args) => review::run;
    /// The review queue: attempts that need a manager (gates, script failures, flags,
    /// sign-offs, unsure scores, trainees' questions), oldest first.
    Queue(queue::QueueArgs) => queue::run_queue;
    /// Readiness per trainee and criterion (recent attempts weigh more), per team over time.
    Readiness(queue::ReadinessArgs) => queue::run_readiness;
    /// Certificates per trainee: dates, who signed, what is missing; sign one off; expired
    /// ones get recertification assigned.
    Certificates(queue::CertificatesArgs) => queue::run_certificates;
    /// Ask a manager to review one of your attempts, with a question.
    AskReview(queue::AskArgs) => queue::run_ask;
    /// The reviews of your attempts; acknowledge them with --ack.
    Reviews(queue::ReviewsArgs) => queue::run_reviews;
    /// Publish a playbook (validated and tested first) as its next immutable version.
    Publish(publish::Args) => publish::run;
    /// Published playbooks: list, show a version, diff two, roll back.
    Content(publish::ContentArgs) => publish::run_content;
    /// Assign a playbook or a scenario to a trainee or a team, with a due date and retakes.
    Assign(assign::Args) => assign::run;
    /// Where everyone stands on what is assigned (assigned, started, passed, failed, overdue).
    Assignments(assign::ListArgs) => assign::run_list;
    /// Re-score stored attempts against today's playbooks, side by side.
    Rescore(rescore::Args) => rescore::run;
    /// Export attempts as CSV or xAPI statements.
    Export(export::Args) => export::run;
    /// Bring another salesdojo database into this one (idempotent).
    Merge(merge::Args) => merge::run;
    /// A consistent copy of the progress database, safe while the app is writing to it.
    Backup(backup::Args) => backup::run;
    /// Fill a new database with a generated practice history (refuses real records).
    DemoData(demo::Args) => demo::run;
    /// Team mode: set up a PostgreSQL team server, add people, join, status, verify.
    Team(team::Args) => team::run;
    /// Send what this machine logged to the team server and bring in what you may see.
    Sync(team::SyncArgs) => team::run_sync;
    /// Open the desktop app (also what `salesdojo` alone does).
    Gui(GuiArgs) => gui;
    /// Write the manual pages (one per command) into a folder, or print one.
    Man(man::Args) => man::run;
    /// Print the shell completion script for bash, zsh, fish, elvish or PowerShell.
    Completions(man::CompletionArgs) => man::run_completions;
    /// Commit replies one by one, acknowledging each (for crash tests and benchmarks).
    #[command(hide = true)]
    Burst(burst::Args) => burst::run;
}

/// `--db` on the commands that read or write the progress database; given there, it wins over
/// the one given before the command (or in `SALESDOJO_DB`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DbArg {
    /// The progress database (default: `SALESDOJO_DB`, else progress.db in your data folder).
    #[arg(long = "db", value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `--playbooks` on the commands that load playbooks.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PlaybooksArg {
    /// Your own playbooks folder, over the bundled playbooks by id (default:
    /// `SALESDOJO_PLAYBOOKS`, else the playbooks folder in your data folder).
    #[arg(long = "playbooks", value_name = "DIR")]
    pub playbooks: Option<PathBuf>,
}

/// A message language on the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    #[value(name = "zh-CN", alias = "zh")]
    ZhCn,
}

impl LangArg {
    /// The locale key: `en` or `zh-CN`.
    pub fn code(self) -> &'static str {
        crate::msg::Lang::from(self).code()
    }
}

impl From<LangArg> for crate::msg::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::En => crate::msg::Lang::En,
            LangArg::ZhCn => crate::msg::Lang::Zh,
        }
    }
}

impl Cli {
    /// Where the progress log is: `--db` and `--report-db` (or their environment variables).
    pub fn location(&self) -> crate::store::Location {
        crate::store::Location {
            db: self.db.clone(),
            report_db: self.report_db.clone(),
        }
    }

    /// The language messages are printed in.
    /// The language of messages: `--lang`, else English.
    pub fn lang(&self) -> crate::msg::Lang {
        self.lang.unwrap_or_default().into()
    }

    /// The language playbook text is shown in: `--lang`, else the playbook's first language
    /// (so `practice`, `graph` and the app agree).
    pub fn content_locale(&self, pb: &crate::playbook::model::Playbook) -> String {
        match self.lang {
            Some(l) => l.code().to_owned(),
            None => pb
                .locales
                .first()
                .cloned()
                .unwrap_or_else(|| crate::msg::Lang::Zh.code().to_owned()),
        }
    }

    /// `--db` and `--playbooks` given after the command take the place of those given before it.
    fn settle(mut self) -> Self {
        let (db, content) = match &mut self.command {
            Some(c) => c.places(),
            None => (None, None),
        };
        let db = db.and_then(|d| d.db.take());
        let playbooks = content.and_then(|c| c.playbooks.take());
        if db.is_some() {
            self.db = db;
        }
        if playbooks.is_some() {
            self.playbooks = playbooks;
        }
        self
    }
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Human,
    /// For tools and editors.
    Json,
}

/// Parses the process's command line and runs it. clap's own messages (a usage error, the
/// help) can echo what was typed — a file name holding an escape sequence among it — so they
/// are written through the same escaping as everything else salesdojo prints, as plain text.
pub fn main() -> ExitCode {
    use clap::Parser;
    match Cli::try_parse() {
        Ok(cli) => run(cli),
        Err(e) => {
            let text = e.render().to_string();
            if e.use_stderr() {
                eprint(&text);
            } else {
                let _ = print(&text);
            }
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_USAGE))
        }
    }
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let cli = cli.settle();
    let result = match &cli.command {
        Some(c) => c.run(&cli),
        None => gui(&cli, &GuiArgs::default()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprint(&error_line(&e, cli.lang()));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

#[derive(Debug, Default, clap::Args)]
pub struct GuiArgs {
    #[command(flatten)]
    pub db: DbArg,
    #[command(flatten)]
    pub content: PlaybooksArg,
    /// Quit once the first frame is on screen, printing `first frame` to stderr (for startup
    /// measurements and smoke tests).
    #[arg(long, hide = true)]
    pub quit_after_first_frame: bool,
}

places!(GuiArgs: db, content);

/// `error: …` for a command that failed, in `lang` where the error is one of the engine's.
fn error_line(e: &anyhow::Error, lang: crate::msg::Lang) -> String {
    use crate::msg::{Lang, Localized};
    let zh = || -> Option<String> {
        let any = e
            .downcast_ref::<crate::store::StoreError>()
            .map(Localized::zh);
        any.or_else(|| {
            e.downcast_ref::<crate::session::SessionError>()
                .map(Localized::zh)
        })
        .or_else(|| {
            e.downcast_ref::<crate::practice::PracticeError>()
                .map(Localized::zh)
        })
        .or_else(|| {
            e.downcast_ref::<crate::store::export::ExportError>()
                .map(Localized::zh)
        })
        .or_else(|| {
            e.downcast_ref::<crate::rescore::RescoreError>()
                .map(Localized::zh)
        })
        .or_else(|| {
            e.downcast_ref::<crate::playbook::LoadError>()
                .map(Localized::zh)
        })
        .or_else(|| {
            e.downcast_ref::<crate::store::team::TeamError>()
                .map(Localized::zh)
        })
    };
    // Only the Chinese is looked for: an error without a Chinese wording shows its English.
    let zh = match lang {
        Lang::Zh => zh(),
        Lang::En => None,
    };
    let message = crate::msg::Text {
        en: chain(e),
        zh: zh.unwrap_or_else(|| chain(e)),
    };
    crate::msg::error_line(message).take(lang)
}

/// An error and its causes on one line, `outer: cause`, leaving out a cause whose text the
/// line already holds (an error that says its source and also chains it would print the
/// operating system's message twice).
fn chain(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// The desktop app. Where no window can be opened it says how to practise in the terminal and
/// exits with 2.
fn gui(cli: &Cli, args: &GuiArgs) -> anyhow::Result<ExitCode> {
    // What trainees practise; the published playbooks and the trainer's folder (drafts, for
    // the authoring view) are read by the app's worker.
    let lib = crate::playbook::load::load_published(Vec::new(), &mut Report::default());
    let workspace = match &cli.playbooks {
        Some(dir) => Some(crate::author::Workspace::at(dir)),
        None => crate::author::Workspace::default_dir(),
    };
    match crate::gui::run(lib, cli.location(), workspace, args.quit_after_first_frame) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprint(&format!(
                "salesdojo: {e}.\n\
                 Practise in the terminal instead: `salesdojo practice PLAYBOOK` \
                 (`salesdojo list` shows the playbooks, `salesdojo --help` every command).\n"
            ));
            Ok(ExitCode::from(EXIT_USAGE))
        }
    }
}

/// The library for a command: the default one (bundled, then the user's folder) when `paths`
/// is empty, else the bundled personas and scripts with the given paths over them.
pub(crate) fn load_paths(
    cli: &Cli,
    paths: &[PathBuf],
    report: &mut Report,
) -> anyhow::Result<Library> {
    if paths.is_empty() {
        return Ok(load_default(cli.playbooks.as_deref(), report)?);
    }
    // All given paths form one layer, so an id used twice among them is reported.
    let mut given = Content::default();
    for p in paths {
        given.merge(Content::from_path(p, report)?);
    }
    Ok(load(&[Content::bundled_support(), given], report))
}

/// The library stored attempts are judged with: as [`load_default`], with the published
/// versions `store` keeps between the bundled playbooks and the user's folder (attempts on an
/// older version are judged against that version: see [`crate::publish::AsPlayed`]).
pub(crate) fn load_with_published(
    cli: &Cli,
    store: &crate::store::Store,
    report: &mut Report,
) -> anyhow::Result<Library> {
    let published = store.records().published_layers()?.0;
    Ok(crate::playbook::load::load_default_over(
        cli.playbooks.as_deref(),
        published,
        report,
    )?)
}

/// `unknown playbook 'x' (known: a, b); did you mean 'y'?`
pub(crate) fn unknown(what: &str, id: &str, known: &[&str]) -> anyhow::Error {
    let help = crate::playbook::diag::did_you_mean(id, known.iter().copied())
        .map_or(String::new(), |h| format!("; {}", h.en));
    anyhow::anyhow!("unknown {what} '{id}' (known: {}){help}", known.join(", "))
}

/// Writes text for people to stdout, with every control, bidirectional or invisible format
/// character shown visibly (`\u{1b}`: see [`crate::untrusted`]); ends quietly when the reader
/// has gone (e.g. `| head`). Every human output of the command line goes through here or
/// through [`stdout`].
/// `s` padded with spaces to `width` terminal columns (a Chinese character takes two), so
/// columns of names line up; longer text is left as it is.
pub(crate) fn pad(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

pub(crate) fn print(s: &str) -> anyhow::Result<()> {
    write_out(s, Escape::Human)
}

/// Writes a JSON text to stdout: refused characters as JSON escapes (`\u001b`), so it stays
/// the same JSON and nothing raw reaches a terminal.
pub(crate) fn print_json(s: &str) -> anyhow::Result<()> {
    write_out(s, Escape::Json)
}

fn write_out(s: &str, mode: Escape) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = VisibleWriter::new(std::io::stdout().lock(), mode);
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Standard output for commands that stream (export, re-score, practice), escaped as
/// [`print`] does.
pub(crate) fn stdout(mode: Escape) -> VisibleWriter<std::io::StdoutLock<'static>> {
    VisibleWriter::new(std::io::stdout().lock(), mode)
}

/// Writes text for people to stderr, escaped as [`print`] does.
pub(crate) fn eprint(s: &str) {
    use std::io::Write;
    let mut err = VisibleWriter::new(std::io::stderr().lock(), Escape::Human);
    let _ = err.write_all(s.as_bytes()).and_then(|()| err.flush());
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn a_cause_already_said_is_not_said_again() {
        let io = std::io::Error::from_raw_os_error(2);
        let said = io.to_string();
        let e = anyhow::Error::new(crate::store::export::ExportError::Write {
            path: "x.csv".into(),
            source: io,
        });
        let line = error_line(&e, crate::msg::Lang::En);
        assert_eq!(line.matches(&said).count(), 1, "{line}");
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(
            error_line(&e, crate::msg::Lang::En),
            "error: outer: inner\n"
        );
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// Every option and argument a user sees says what it does; options that do nothing on a
    /// command (`--db` on `schema`) are not offered there.
    #[test]
    fn every_visible_option_is_described_and_used() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if arg.is_hide_set() || id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{} --{id}", sub.get_name()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "options without a description: {missing:?}"
        );
        let schema = cmd
            .get_subcommands()
            .find(|s| s.get_name() == "schema")
            .map(|s| {
                s.get_arguments()
                    .map(|a| a.get_id().to_string())
                    .collect::<Vec<_>>()
            });
        let schema = schema.unwrap_or_default();
        assert!(!schema.contains(&"db".to_owned()), "{schema:?}");
        assert!(!schema.contains(&"playbooks".to_owned()), "{schema:?}");
        let report = cmd
            .get_subcommands()
            .find(|s| s.get_name() == "report")
            .map(|s| {
                s.get_arguments()
                    .map(|a| a.get_id().to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        assert!(report.contains(&"db".to_owned()), "{report:?}");
    }

    #[test]
    fn db_after_the_command_wins_over_the_one_before() {
        let cli = Cli::parse_from(["salesdojo", "--db", "a.db", "report", "--db", "b.db"]).settle();
        assert_eq!(cli.db.as_deref(), Some(std::path::Path::new("b.db")));
        let cli = Cli::parse_from(["salesdojo", "--db", "a.db", "report"]).settle();
        assert_eq!(cli.db.as_deref(), Some(std::path::Path::new("a.db")));
        assert!(Cli::try_parse_from(["salesdojo", "schema", "--db", "a.db"]).is_err());
        let cli = Cli::parse_from(["salesdojo", "validate", "--lang", "zh-CN"]);
        assert_eq!(cli.lang(), crate::msg::Lang::Zh);
    }
}
