//! `salesdojo test [PATH...]`: trainers' sample replies against their expected scores.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{Cli, EXIT_INVALID, load_paths, print};
use crate::playbook::Report;
use crate::practice::playbook_tests;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Playbook files or folders; the bundled playbooks and your own folder when left out.
    pub paths: Vec<PathBuf>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    let lib = load_paths(cli, &args.paths, &mut report)?;
    if report.errors() > 0 {
        eprint!("{}", report.render());
    }
    let (mut passed, mut failed) = (0usize, report.errors());
    let mut out = String::new();
    for pb in &lib.playbooks {
        for o in playbook_tests::run(pb) {
            if o.passed() {
                passed += 1;
            } else {
                failed += 1;
                out.push_str(&o.failure_line());
                out.push('\n');
            }
        }
    }
    out.push_str(&format!("{passed} passed, {failed} failed\n"));
    print(&out)?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    })
}
