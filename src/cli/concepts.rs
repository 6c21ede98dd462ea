//! `salesdojo concepts [ID]` and `salesdojo personas [ID]`: the building blocks a trainer's
//! rubric and scenarios are made of, with every word, pattern and trait.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::{Value, json};

use super::{Cli, Format, eprint, print, print_json};
use crate::playbook::model::{Concept, Library, Persona, Playbook};
use crate::playbook::{Report, load_default};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A concept id: its full card (words and patterns in every language, where it is used,
    /// the sample replies that express it). Without it, every concept in one line each.
    pub id: Option<String>,
    /// Which concepts know this word or phrase ("which concept knows 核实?"): those that
    /// express it, and those with a word containing it.
    #[arg(long, value_name = "TEXT")]
    pub word: Option<String>,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(Args: content);

#[derive(Debug, clap::Args)]
pub struct PersonaArgs {
    /// A persona id: its full card. Without it, every persona in one line each.
    pub id: Option<String>,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

super::places!(PersonaArgs: content);

fn load(cli: &Cli) -> anyhow::Result<Library> {
    let mut report = Report::default();
    let lib = load_default(cli.playbooks.as_deref(), &mut report)?;
    if report.errors() > 0 {
        eprint(&report.render_in(cli.lang()));
    }
    Ok(lib)
}

use super::list::both;

/// An id that names nothing: a usage error with the closest known id.
fn unknown<'a>(what: &str, id: &str, known: impl IntoIterator<Item = &'a str>) -> ExitCode {
    let hint = crate::playbook::closest(id, known)
        .map(|c| format!(" (did you mean '{c}'?)"))
        .unwrap_or_default();
    eprint(&format!(
        "error: unknown {what} '{id}'{hint}; `salesdojo {what}s` lists them\n"
    ));
    ExitCode::from(super::EXIT_USAGE)
}

fn concept_json(lib: &Library, k: &Concept, full: bool) -> Value {
    let mut v = json!({
        "id": k.id,
        "title": k.title,
        "words": k.words_by_lang,
        "patterns": k.pattern_sources,
        "echo": k.echo,
        "includes": k.includes,
        "opposes": crate::playbook::lexicon::opponents(lib, k),
        "used_by": crate::playbook::lexicon::uses(lib, &k.id),
    });
    if full {
        v["note"] = json!(k.note);
        v["samples"] = crate::playbook::lexicon::samples(lib, k)
            .into_iter()
            .map(|(at, reply, found)| json!({"test": at, "reply": reply, "matched": found}))
            .collect();
    }
    v
}

fn concept_card(lib: &Library, k: &Concept) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}", k.id, both(&k.title));
    if let Some(n) = &k.note {
        let _ = writeln!(s, "  {}", both(n));
    }
    for (lang, words) in &k.words_by_lang {
        let _ = writeln!(s, "  words ({lang}, {}): {}", words.len(), words.join(", "));
    }
    for p in &k.pattern_sources {
        let _ = writeln!(s, "  pattern: {p}");
    }
    let against = crate::playbook::lexicon::opponents(lib, k);
    if !against.is_empty() {
        let _ = writeln!(
            s,
            "  opposes: {} (a word inside an opposing concept's longer phrase counts for the longer phrase)",
            against.join(", ")
        );
    }
    if !k.includes.is_empty() {
        let _ = writeln!(s, "  includes: {}", k.includes.join(", "));
    }
    if k.echo {
        let _ = writeln!(
            s,
            "  echo: the customer's own words said back in the reply's first sentence count"
        );
    }
    let used = crate::playbook::lexicon::uses(lib, &k.id);
    let _ = writeln!(
        s,
        "  used by: {}",
        if used.is_empty() {
            "no rule".to_owned()
        } else {
            used.join(", ")
        }
    );
    let found = crate::playbook::lexicon::samples(lib, k);
    if !found.is_empty() {
        let _ = writeln!(s, "  sample replies that express it ({}):", found.len());
        for (at, reply, words) in found.iter().take(5) {
            let _ = writeln!(s, "    {at}: {reply}  [{}]", words.join(", "));
        }
    }
    let _ = writeln!(
        s,
        "  to add words: put a concept with id '{}' and `extend: true` in your concepts.yaml (docs/playbook-format.md, Concepts)",
        k.id
    );
    s
}

fn concept_line(lib: &Library, k: &Concept) -> String {
    let counts: Vec<String> = k
        .words_by_lang
        .iter()
        .map(|(l, w)| format!("{l} {}", w.len()))
        .collect();
    format!(
        "{:<14} {}  [{} words, {} patterns; used by {}]\n",
        k.id,
        both(&k.title),
        counts.join(", "),
        k.pattern_sources.len(),
        crate::playbook::lexicon::uses(lib, &k.id).len()
    )
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let lib = load(cli)?;
    let chosen: Vec<&Concept> = match (&args.id, &args.word) {
        (Some(id), _) => match lib.concepts.get(id) {
            Some(k) => vec![k.as_ref()],
            None => {
                return Ok(unknown(
                    "concept",
                    id,
                    lib.concepts.keys().map(String::as_str),
                ));
            }
        },
        (None, Some(w)) => crate::playbook::lexicon::knowing(&lib, w),
        (None, None) => lib.concepts.values().map(AsRef::as_ref).collect(),
    };
    let full = args.id.is_some();
    match args.format {
        Format::Json => {
            let v: Vec<Value> = chosen.iter().map(|k| concept_json(&lib, k, full)).collect();
            print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
        Format::Human => {
            let mut out = String::new();
            if full {
                for k in &chosen {
                    out.push_str(&concept_card(&lib, k));
                }
            } else {
                if let Some(w) = &args.word {
                    let _ = writeln!(out, "concepts that know '{w}': {}", chosen.len());
                }
                for k in &chosen {
                    out.push_str(&concept_line(&lib, k));
                }
            }
            print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The playbooks whose scenarios use a persona (as customer type or thinking style).
fn played_in(lib: &Library, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for pb in &lib.playbooks {
        let pb: &Playbook = pb;
        for s in &pb.scenarios {
            if s.persona == id || s.style.as_deref() == Some(id) {
                let g = match s.gender {
                    crate::playbook::model::Gender::Any => "",
                    crate::playbook::model::Gender::Female => " (female)",
                    crate::playbook::model::Gender::Male => " (male)",
                };
                out.push(format!("{}/{}{g}", pb.id, s.id));
            }
        }
    }
    out
}

fn kind_name(p: &Persona) -> &'static str {
    match p.kind {
        crate::playbook::model::PersonaKind::CustomerType => "customer type",
        crate::playbook::model::PersonaKind::ThinkingStyle => "thinking style",
    }
}

fn persona_card(lib: &Library, p: &Persona) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}  ({})", p.id, both(&p.name), kind_name(p));
    if let Some(sum) = &p.summary {
        let _ = writeln!(s, "  {}", both(sum));
    }
    let gender = match p.gender {
        crate::playbook::model::Gender::Any => {
            "any (a scenario names its customer's with `gender: female` or `male`)"
        }
        crate::playbook::model::Gender::Female => "female",
        crate::playbook::model::Gender::Male => "male",
    };
    let _ = writeln!(s, "  gender: {gender}");
    for (label, list) in [
        ("traits", &p.traits),
        ("cares about", &p.cares_about),
        ("approach", &p.approach),
        ("avoid", &p.avoid),
    ] {
        if !list.is_empty() {
            let _ = writeln!(s, "  {label}:");
            for t in list {
                let _ = writeln!(s, "    - {}", both(t));
            }
        }
    }
    let used = played_in(lib, &p.id);
    let _ = writeln!(
        s,
        "  played in: {}",
        if used.is_empty() {
            "no scenario".to_owned()
        } else {
            used.join(", ")
        }
    );
    s
}

pub fn run_personas(cli: &Cli, args: &PersonaArgs) -> anyhow::Result<ExitCode> {
    let lib = load(cli)?;
    let chosen: Vec<&Persona> = match &args.id {
        Some(id) => match lib.personas.get(id) {
            Some(p) => vec![p],
            None => {
                return Ok(unknown(
                    "persona",
                    id,
                    lib.personas.keys().map(String::as_str),
                ));
            }
        },
        None => lib.personas.values().collect(),
    };
    match args.format {
        Format::Json => {
            let v: Vec<Value> = chosen
                .iter()
                .map(|p| {
                    let mut v = serde_json::to_value(p).unwrap_or(Value::Null);
                    v["played_in"] = json!(played_in(&lib, &p.id));
                    v
                })
                .collect();
            print_json(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        }
        Format::Human => {
            let out: String = if args.id.is_some() {
                chosen.iter().map(|p| persona_card(&lib, p)).collect()
            } else {
                chosen
                    .iter()
                    .map(|p| format!("{:<16} {}  ({})\n", p.id, both(&p.name), kind_name(p)))
                    .collect()
            };
            print(&out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
