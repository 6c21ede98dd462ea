//! `salesdojo graph PLAYBOOK [--scenario S] [--format mermaid|dot]`: a scenario as a graph.

use std::process::ExitCode;

use clap::ValueEnum;

use super::{Cli, eprint, print, unknown};
use crate::playbook::graph;
use crate::playbook::{Report, load_default};

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum GraphFormat {
    /// Mermaid, for Markdown viewers (GitHub, GitLab, most wikis).
    #[default]
    Mermaid,
    /// Graphviz: `salesdojo graph jewelry --format dot | dot -Tsvg > jewelry.svg`.
    Dot,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// The playbook's id (as `salesdojo list` shows it).
    pub playbook: String,
    /// Only this scenario (default: every scenario of the playbook, one graph each).
    #[arg(long)]
    pub scenario: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: GraphFormat,
}

super::places!(Args: content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    let lib = load_default(cli.playbooks.as_deref(), &mut report)?;
    if report.errors() > 0 {
        eprint("note: playbooks with errors are left out; run `salesdojo validate` for details\n");
    }
    let Some(pb) = lib.playbook(&args.playbook) else {
        let known: Vec<&str> = lib.playbooks.iter().map(|p| p.id.as_str()).collect();
        return Err(unknown("playbook", &args.playbook, &known));
    };
    let scenarios: Vec<_> = match &args.scenario {
        Some(id) => match pb.scenario(id) {
            Some(s) => vec![s],
            None => {
                let known: Vec<&str> = pb.scenarios.iter().map(|s| s.id.as_str()).collect();
                return Err(unknown("scenario", id, &known));
            }
        },
        None => pb.scenarios.iter().collect(),
    };
    let locale = cli.content_locale(pb);
    let mut out = String::new();
    for s in scenarios {
        let g = graph::scenario(s, &locale);
        out.push_str(&match args.format {
            GraphFormat::Mermaid => graph::to_mermaid(&g),
            GraphFormat::Dot => graph::to_dot(&g),
        });
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
