//! `salesdojo man [COMMAND…] [--dir DIR]` and `salesdojo completions SHELL`: the manual pages
//! and shell completions, made from the command line's own definition (so they never drift
//! from `--help`). The package's build script (pkg/build-deb) installs what these write.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::CommandFactory;

use super::{Cli, print};

/// Writes generated text (roff, a shell script) to stdout as it is: it is made here from the
/// command line's definition, not from anything a user or a file gave.
fn emit(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The command whose page to print (`practice`, `team setup`); the main page when none.
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
    /// Write every page (salesdojo.1, salesdojo-practice.1, …) into this folder instead.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
}

super::places!(Args: none);

#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell. Install the script where the shell looks: for bash
    /// `~/.local/share/bash-completion/completions/salesdojo`, for zsh a file `_salesdojo` in
    /// a folder on `$fpath`, for fish `~/.config/fish/completions/salesdojo.fish`.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

super::places!(CompletionArgs: none);

/// The command line as the pages and completions describe it: built, so that every
/// subcommand knows its full name (`salesdojo team setup`).
fn definition() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

pub fn run(_cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let cmd = definition();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        write_pages(&cmd, dir)
            .with_context(|| format!("cannot write the manual pages into {}", dir.display()))?;
        let mut pages: Vec<String> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".1"))
            .collect();
        pages.sort();
        print(&format!(
            "{} manual pages in {}: {}\n",
            pages.len(),
            dir.display(),
            pages.join(" ")
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut page = &cmd;
    for name in &args.command {
        let Some(sub) = page
            .get_subcommands()
            .find(|s| !s.is_hide_set() && s.get_name() == name)
        else {
            let known: Vec<&str> = page
                .get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(clap::Command::get_name)
                .collect();
            bail!(
                "there is no command `{}`; the commands are: {}",
                args.command.join(" "),
                known.join(", ")
            );
        };
        page = sub;
    }
    let mut roff = Vec::new();
    page_of(page).render(&mut roff)?;
    emit(&roff)?;
    Ok(ExitCode::SUCCESS)
}

/// One command's page, its footer naming the program and its version.
fn page_of(cmd: &clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd.clone())
        .date(crate::about::RELEASED)
        .source(format!("salesdojo {}", crate::about::VERSION))
        .manual("salesdojo manual")
}

/// The page of `cmd` and of each of its visible subcommands, as `salesdojo-team-join.1`.
fn write_pages(cmd: &clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    page_of(cmd).generate_to(dir).map(|_| ())
}

pub fn run_completions(_cli: &Cli, args: &CompletionArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = definition();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "salesdojo", &mut script);
    emit(&script)?;
    Ok(ExitCode::SUCCESS)
}
