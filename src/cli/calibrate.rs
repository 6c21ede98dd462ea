//! `salesdojo calibrate FILE.jsonl`: the scorer against a trainer's grades.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use super::{Cli, EXIT_INVALID, Format, eprint, print, print_json};
use crate::calibrate::{Stats, Targets, parse, run as calibrate};
use crate::playbook::Report;
use crate::script::ScriptHost;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Trainer-graded replies, one JSON object per line: playbook, scenario, turn, lang,
    /// reply, grade (0–100), band ([low, high]), category, why. A folder: every
    /// `NAME.graded.jsonl` in it (and in its `playbooks/`), the grade pane's files. Several
    /// files are compared together.
    #[arg(required_unless_present = "from_reviews")]
    pub file: Vec<PathBuf>,
    /// Instead of a file: every criterion a reviewer overrode is a grade of a real reply;
    /// agreement per playbook and criterion, and per month (drift). Reads the log (or, in team
    /// mode, the server) as the reports do.
    #[arg(long, conflicts_with = "file")]
    pub from_reviews: bool,
    /// With --from-reviews: only reviews written on or after this date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", requires = "from_reviews")]
    pub since: Option<String>,
    /// Exit with 1 when a target is missed (MAE ≤ 12, ≥ 80 % within band, Spearman ≥ 0.8, no
    /// conduct violation above 30, no keyword salad passing, at most one good reply below 60).
    #[arg(long)]
    pub gate: bool,
    /// Instead of the comparison: fit a rubric `scale:` to these grades (the points at 0, 20,
    /// …, 100 that put the most replies inside their band) and print it as YAML to paste into
    /// the playbook's rubric.
    #[arg(long)]
    pub fit_scale: bool,
    /// Instead of the comparison: fit the graded reading (how much the moves the rules found
    /// are worth together, see docs/playbook-format.md) to these grades and write it to OUT;
    /// with several files, first say what a reading fitted to all files but one does on that
    /// one (leave-one-file-out). Use it with `SALESDOJO_READING=OUT`, or as the bundled
    /// `assets/grading/reading.json` when building salesdojo.
    #[arg(long, value_name = "OUT", conflicts_with = "fit_scale")]
    pub fit_model: Option<PathBuf>,
    /// How many of the largest disagreements to list, with their traces.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,
    /// How to print the comparison.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(Args: db, content);

/// The graded files a path names: the file itself, or a folder's `*.graded.jsonl` (and those
/// of its `playbooks/`), sorted.
pub fn graded_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    for dir in [path.to_path_buf(), path.join("playbooks")] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".graded.jsonl"))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    if out.is_empty() {
        anyhow::bail!(
            "no graded replies in '{}': the grade pane keeps them as NAME.graded.jsonl beside the playbook",
            path.display()
        );
    }
    Ok(out)
}

fn agreement_row(name: &str, a: &crate::calibrate::Agreement) -> String {
    format!(
        "{name:<34} {:>5} {:>6.1} {:>+6.1} {:>6.0}% {:>8}\n",
        a.overrides,
        a.mae,
        a.bias,
        a.within_band * 100.0,
        a.spearman.map_or("-".to_owned(), |r| format!("{r:.2}")),
    )
}

/// `--from-reviews`: the overrides as grades.
fn from_reviews(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(d) = &args.since
        && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
    {
        anyhow::bail!("--since takes a date as YYYY-MM-DD, not '{d}'");
    }
    let store = crate::store::open_default(&cli.location())?;
    let rows = store.records().overrides(args.since.as_deref())?;
    let f = crate::calibrate::from_reviews(&rows);
    if matches!(args.format, Format::Json) {
        print_json(&format!("{}\n", serde_json::to_string_pretty(&f)?))?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        let when = args
            .since
            .as_deref()
            .map_or_else(|| " yet".to_owned(), |d| format!(" since {d}"));
        print(&format!(
            "no criterion overrides{when}: each override a reviewer writes is a grade this compares the scorer with\n"
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = format!(
        "every override as a grade (agreeing: within ±{:.0} points)\n{:<34} {:>5} {:>6} {:>6} {:>7} {:>8}\n",
        crate::calibrate::OVERRIDE_BAND,
        "",
        "n",
        "MAE",
        "bias",
        "agree",
        "Spearman"
    );
    out.push_str(&agreement_row("all", &f.overall));
    out.push_str("by playbook\n");
    for (p, a) in &f.by_playbook {
        out.push_str(&agreement_row(&format!("  {p}"), a));
        if let Some((c, a)) = f.most_disputed(p) {
            let _ = writeln!(
                out,
                "    the scorer and your reviewers disagree most on '{c}' (the scorer {} by {:.0} on average)",
                if a.bias >= 0.0 { "higher" } else { "lower" },
                a.bias.abs()
            );
        }
    }
    out.push_str("by playbook and criterion (most disagreement first)\n");
    for (p, c, a) in &f.by_criterion {
        out.push_str(&agreement_row(&format!("  {p}/{c}"), a));
    }
    out.push_str("by month (drift)\n");
    for (m, a) in &f.by_month {
        out.push_str(&agreement_row(&format!("  {m}"), a));
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

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
    let Some(path) = args.file.first() else {
        return from_reviews(cli, args);
    };
    let mut graded = Vec::new();
    let mut by_file = Vec::new();
    let mut problems = Vec::new();
    let mut files = Vec::new();
    for p in &args.file {
        files.extend(graded_files(p)?);
    }
    let several = files.len() > 1;
    for file in &files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read '{}'", file.display()))?;
        let (ok, bad) = parse(&text);
        by_file.push((file.display().to_string(), ok.clone()));
        graded.extend(ok);
        if several {
            let name = file.display();
            problems.extend(bad.into_iter().map(|p| format!("{name}: {p}")));
        } else {
            problems.extend(bad);
        }
    }
    let mut report = Report::default();
    // A folder of playbooks is the content its graded files are about, over the bundled.
    let lib = if path.is_dir() && args.file.len() == 1 {
        crate::playbook::load::load_default(Some(path), &mut report)?
    } else {
        super::load_paths(cli, &[], &mut report)?
    };
    let host = ScriptHost::new(&lib);
    if args.fit_scale {
        let scale = crate::calibrate::fit_scale(&lib, Some(&host), &graded);
        let points: Vec<String> = scale
            .iter()
            .map(|(x, y)| format!("[{x:.0}, {y:.0}]"))
            .collect();
        print(&format!(
            "# fitted to {} graded replies; paste under the playbook's rubric:\nscale: [{}]\n",
            graded.len(),
            points.join(", ")
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(out) = &args.fit_model {
        return fit_model(&lib, &host, &by_file, out, problems);
    }
    let c = calibrate(&lib, Some(&host), graded, args.worst, cli.lang());
    problems.extend(c.problems.iter().cloned());
    let targets = Targets::default();
    let missed = targets.missed(&c.overall);
    if matches!(args.format, Format::Json) {
        let v = serde_json::json!({
            "file": args.file.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" "),
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
        eprint(&format!("{}: {p}\n", path.display()));
    }
    Ok(
        if args.gate && (!missed.is_empty() || !problems.is_empty()) {
            ExitCode::from(EXIT_INVALID)
        } else {
            ExitCode::SUCCESS
        },
    )
}

/// `--fit-model OUT`: the leave-one-file-out figures (several files), then the reading fitted
/// to every file, written to OUT.
fn fit_model(
    lib: &crate::playbook::Library,
    host: &ScriptHost,
    files: &[(String, Vec<(usize, crate::calibrate::Graded)>)],
    out: &Path,
    mut problems: Vec<String>,
) -> anyhow::Result<ExitCode> {
    use crate::calibrate::{cross_validate, fit_model, fit_rows, tests_as_grades};
    // The playbooks' own tests pin what their trainers expect: grades as well.
    let mut files = files.to_vec();
    files.push((
        crate::calibrate::PLAYBOOK_TESTS.to_owned(),
        tests_as_grades(lib),
    ));
    let (rows, bad) = fit_rows(lib, Some(host), &files);
    problems.extend(bad);
    for p in &problems {
        eprint(&format!("{p}\n"));
    }
    if rows.is_empty() {
        anyhow::bail!("no graded free-text replies to fit to");
    }
    let params = crate::practice::reading::Params::default();
    let mut text = String::new();
    if files.len() > 1 {
        let _ = writeln!(
            text,
            "each file read by a model fitted to the other files only (rules alone -> reading)\n{:<44} {:>4} {:>15} {:>19} {:>13}",
            "", "n", "MAE", "in band", "Spearman"
        );
        for f in cross_validate(&rows, params) {
            let sp = |s: &Stats| s.spearman.map_or("-".to_owned(), |r| format!("{r:.2}"));
            let _ = writeln!(
                text,
                "{:<44} {:>4} {:>6.2} -> {:>5.2} {:>6.1}% -> {:>5.1}% {:>5} -> {:>4}",
                f.file,
                f.read.replies,
                f.rules.mae,
                f.read.mae,
                f.rules.within_band * 100.0,
                f.read.within_band * 100.0,
                sp(&f.rules),
                sp(&f.read)
            );
        }
    }
    // Never over a database (or anything that is not a model): only a new file or a model
    // (one of another version's features too: it is being replaced).
    if out.exists()
        && !std::fs::read_to_string(out)
            .is_ok_and(|t| serde_json::from_str::<crate::practice::reading::Model>(&t).is_ok())
    {
        anyhow::bail!(
            "'{}' exists and is not a reading model; give a new file",
            out.display()
        );
    }
    let model = fit_model(&rows, params);
    let json = serde_json::to_string(&model)?;
    std::fs::write(out, format!("{json}\n"))
        .with_context(|| format!("cannot write '{}'", out.display()))?;
    let _ = writeln!(
        text,
        "fitted to {} graded replies from {} file(s): {}",
        model.fitted_to,
        files.len(),
        out.display()
    );
    print(&text)?;
    Ok(ExitCode::SUCCESS)
}
