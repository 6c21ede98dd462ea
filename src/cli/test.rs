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
    /// Playbook files or folders, or playbook ids (`salesdojo test jewelry`); the bundled
    /// playbooks and your own folder when left out.
    pub paths: Vec<PathBuf>,
    /// Also print, per scenario, the paths walked and the best and worst possible total.
    #[arg(long)]
    pub paths_report: bool,
}

super::places!(Args: content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    // Names that are no file here and read as ids are playbooks of the usual library.
    let ids: Vec<&str> = args
        .paths
        .iter()
        .filter(|p| !p.exists())
        .filter_map(|p| p.to_str())
        .filter(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .collect();
    let by_id = !ids.is_empty() && ids.len() == args.paths.len();
    let mut lib = load_paths(cli, if by_id { &[] } else { &args.paths }, &mut report)?;
    if by_id {
        if let Some(id) = ids.iter().find(|id| lib.playbook(id).is_none()) {
            let known: Vec<&str> = lib.playbooks.iter().map(|p| p.id.as_str()).collect();
            return Err(super::unknown("playbook (and no such file)", id, &known));
        }
        lib.playbooks.retain(|p| ids.contains(&p.id.as_str()));
    }
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
