use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    salesdojo::cli::run(salesdojo::cli::Cli::parse())
}
