//! `salesdojo calibrate FILE.jsonl`: the scorer against a trainer's grades.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{Cli, EXIT_INVALID, Format, eprint, print, print_json};
use crate::calibrate::{Stats, Targets, parse, run as calibrate};
use crate::playbook::Report;
use crate::script::ScriptHost;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Trainer-graded replies, one JSON object per line: playbook, scenario, turn, lang,
    /// reply, grade (0–100), band ([low, high]), category, why.
    pub file: PathBuf,
    /// Exit with 1 when a target is missed (MAE ≤ 12, ≥ 80 % within band, Spearman ≥ 0.8, no
    /// conduct violation above 30, no keyword salad passing, at most one good reply below 60).
    #[arg(long)]
    pub gate: bool,
    /// How many of the largest disagreements to list, with their traces.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,
    /// How to print the comparison.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(Args: content);

fn row(name: &str, s: &Stats) -> String {
    format!(
        "{name:<22} {:>4} {:>6.1} {:>6.0}% {:>8} {:>6} {:>6} {:>6} {:>6}\n",
        s.replies,
        s.mae,
        s.within_band * 100.0,
        s.spearman.map_or("-".to_owned(), |r| format!("{r:.2}")),
        s.violations_pass,
        s.violations_above_30,
        s.salads_pass,
        s.good_below_60
    )
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read '{}'", args.file.display()))?;
    let mut report = Report::default();
    let lib = super::load_paths(cli, &[], &mut report)?;
    let host = ScriptHost::new(&lib);
    let (graded, mut problems) = parse(&text);
    let c = calibrate(&lib, Some(&host), graded, args.worst);
    problems.extend(c.problems.iter().cloned());
    let targets = Targets::default();
    let missed = targets.missed(&c.overall);
    if matches!(args.format, Format::Json) {
        let v = serde_json::json!({
            "file": args.file.display().to_string(),
            "calibration": c,
            "targets": targets,
            "missed": missed,
            "problems": problems,
        });
        print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
    } else {
        let mut out = format!(
            "{:<22} {:>4} {:>6} {:>7} {:>8} {:>6} {:>6} {:>6} {:>6}\n",
            "", "n", "MAE", "in band", "Spearman", "viol≥75", "viol>30", "salad≥75", "good<60"
        );
        out.push_str(&row("all", &c.overall));
        out.push_str("by playbook\n");
        for (k, s) in &c.by_playbook {
            out.push_str(&row(&format!("  {k}"), s));
        }
        out.push_str("by category\n");
        for (k, s) in &c.by_category {
            out.push_str(&row(&format!("  {k}"), s));
        }
        let _ = writeln!(out, "\nworst disagreements");
        for w in &c.worst {
            let _ = writeln!(
                out,
                "  line {}: {}/{}/{} [{}] trainer {:.0} (band {:.0}–{:.0}), salesdojo {:.0}\n    {}\n    why: {}",
                w.line,
                w.graded.playbook,
                w.graded.scenario,
                w.graded.turn,
                w.graded.category,
                w.graded.grade,
                w.graded.band[0],
                w.graded.band[1],
                w.score,
                w.graded.reply,
                w.graded.why
            );
            for t in &w.trace {
                let _ = writeln!(out, "    · {t}");
            }
        }
        if missed.is_empty() {
            let _ = writeln!(out, "\nevery target met");
        } else {
            let _ = writeln!(out, "\ntargets missed: {}", missed.join("; "));
        }
        print(&out)?;
    }
    for p in &problems {
        eprint(&format!("{}: {p}\n", args.file.display()));
    }
    Ok(
        if args.gate && (!missed.is_empty() || !problems.is_empty()) {
            ExitCode::from(EXIT_INVALID)
        } else {
            ExitCode::SUCCESS
        },
    )
}
