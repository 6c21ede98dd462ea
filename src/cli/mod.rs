//! The command line: one file per subcommand, each a thin face over the engine.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod list;
mod schema;
mod validate;

/// Exit code for "the content has errors".
pub const EXIT_INVALID: u8 = 1;
/// Exit code for usage or I/O errors.
pub const EXIT_USAGE: u8 = 2;

/// salesdojo: practise sales conversations against playbooks, scored and explained.
#[derive(Debug, Parser)]
#[command(name = "salesdojo", version, about, long_about = None)]
pub struct Cli {
    /// Your own playbooks folder (adds to or overrides the bundled playbooks by id).
    #[arg(long, global = true, env = "SALESDOJO_PLAYBOOKS", value_name = "DIR")]
    pub playbooks: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check playbooks and report every problem with file:line:col.
    Validate(validate::Args),
    /// List playbooks with their stages, scenarios and turns.
    List(list::Args),
    /// Print the JSON Schema of the playbook format.
    Schema(schema::Args),
}

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Human,
    /// For tools and editors.
    Json,
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let result = match &cli.command {
        Some(Command::Validate(a)) => validate::run(&cli, a),
        Some(Command::List(a)) => list::run(&cli, a),
        Some(Command::Schema(a)) => schema::run(a),
        None => list::overview(&cli),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

/// Writes to stdout, ending quietly when the reader has gone (e.g. `| head`).
pub(crate) fn print(s: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
