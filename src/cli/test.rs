//! `salesdojo test [PATH...]`: trainers' sample replies against their expected scores, and
//! every path through every scenario.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{Cli, EXIT_INVALID, eprint, load_paths, print};
use crate::playbook::Report;
use crate::practice::playbook_tests;
use crate::script::{self, ScriptHost};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Playbook files or folders; the bundled playbooks and your own folder when left out.
    pub paths: Vec<PathBuf>,
    /// Also print, per scenario, the paths walked and the best and worst possible total.
    #[arg(long)]
    pub paths_report: bool,
}

super::places!(Args: content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    let lib = load_paths(cli, &args.paths, &mut report)?;
    let host = ScriptHost::new(&lib);
    script::check_library(&lib, &host, &mut report);
    if report.errors() > 0 {
        eprint(&report.render_in(cli.lang()));
    }
    let (mut passed, mut failed) = (0usize, report.errors());
    let mut out = String::new();
    for pb in &lib.playbooks {
        let run = playbook_tests::check(pb, Some(&host));
        passed += run.passed;
        failed += run.failures.len();
        if args.paths_report {
            for r in &run.paths {
                let _ = writeln!(
                    out,
                    "paths {}/{}: {} paths, endings {}, total {:.0}–{:.0}{}",
                    pb.id,
                    r.scenario,
                    r.paths,
                    r.endings_reached
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" "),
                    r.worst,
                    r.best,
                    if r.truncated {
                        " (cut at the path limit)"
                    } else {
                        ""
                    },
                );
            }
        }
        for f in &run.failures {
            let _ = writeln!(out, "{}", f.line_text_in(cli.lang()));
            for why in &f.why {
                let _ = writeln!(out, "    {why}");
            }
        }
    }
    let _ = writeln!(
        out,
        "{}",
        crate::msg::tests_summary(passed, failed).take(cli.lang())
    );
    print(&out)?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    })
}
