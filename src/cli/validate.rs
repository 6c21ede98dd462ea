//! `salesdojo validate [PATH...]`

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::{Cli, EXIT_INVALID, Format, eprint, load_paths, print, print_json};
use crate::playbook::Report;
use crate::script::{self, ScriptHost};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Playbook files or folders; the bundled playbooks and your own folder when left out.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Also list what needs a translator: texts missing a declared locale, and texts whose
    /// one locale changed since the translations were last recorded (NAME.yaml.locales.json).
    #[arg(long)]
    pub locales: bool,
    /// Record every playbook's translations as they are now (after a trainer checked them).
    #[arg(long, requires = "locales")]
    pub accept_translations: bool,
}

super::places!(Args: content);

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    report.translations = args.locales;
    let lib = load_paths(cli, &args.paths, &mut report)?;
    let host = ScriptHost::new(&lib);
    script::check_library(&lib, &host, &mut report);
    crate::practice::rehearse::check(&lib, &host, &mut report);
    let (errors, warnings) = (report.errors(), report.warnings());
    // A playbook is valid when neither its file nor its scripts have an error.
    let failed: std::collections::BTreeSet<&str> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::playbook::Severity::Error)
        .map(|d| d.file.as_str())
        .collect();
    let valid: Vec<_> = lib
        .playbooks
        .iter()
        .filter(|pb| {
            let scripts = [&pb.scripts.score, &pb.scripts.guide];
            !failed.contains(pb.source.file.as_str())
                && scripts.into_iter().flatten().all(|p| {
                    let shown = lib
                        .scripts
                        .get(p)
                        .map_or(p.as_str(), |f| f.display.as_str());
                    !failed.contains(shown)
                })
        })
        .collect();
    let scenarios: usize = valid.iter().map(|p| p.scenarios.len()).sum();
    match args.format {
        Format::Json => {
            let v = json!({
                "playbooks": valid.len(),
                "scenarios": scenarios,
                "errors": errors,
                "warnings": warnings,
                "diagnostics": report.sorted(),
            });
            print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
        Format::Human => {
            let lang = cli.lang();
            eprint(&report.render_in(lang));
            let line = crate::msg::validate_summary(valid.len(), scenarios, errors, warnings)
                .take(lang)
                + "\n";
            if errors == 0 {
                print(&line)?
            } else {
                eprint(&line)
            }
        }
    }
    if args.locales {
        translations(&lib, &report, args.accept_translations, cli.lang())?;
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVALID)
    })
}

/// `--locales`: per playbook file, what needs a translator (see [`crate::playbook::locales`]).
fn translations(
    lib: &crate::playbook::Library,
    report: &Report,
    accept: bool,
    lang: crate::msg::Lang,
) -> anyhow::Result<()> {
    use crate::msg;
    use crate::playbook::locales::{self, Record};
    let mut out = String::new();
    for pb in &lib.playbooks {
        let file = &pb.source.file;
        let Some((declared, entries)) = report.source(file).and_then(locales::texts) else {
            continue;
        };
        let record_path = locales::record_path(std::path::Path::new(file));
        let on_disk = std::path::Path::new(file).is_file();
        if accept && on_disk {
            let json = serde_json::to_string_pretty(&locales::record(&entries))?;
            std::fs::write(&record_path, json + "\n")?;
            out.push_str(&msg::translations_recorded(file).take(lang));
            out.push('\n');
            continue;
        }
        let record: Option<Record> = locales::read_record(std::path::Path::new(file));
        out.push_str(&msg::translations_of(file).take(lang));
        out.push('\n');
        let found = locales::check(&declared, &entries, record.as_ref());
        if found.is_empty() {
            out.push_str(&msg::translations_ok().take(lang));
            out.push('\n');
        }
        for f in found {
            out.push_str(&f.text().take(lang));
            out.push('\n');
        }
    }
    print(&out)
}
