//! `salesdojo publish PATH [--note TEXT]` and `salesdojo content list | show ID[@V] | diff ID
//! V1 V2 | rollback ID V`: published playbooks, immutable and numbered, on this machine's log
//! or the team server.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

use super::{Cli, print};
use crate::publish::{self, Usable};
use crate::session::{PublishError, Publishing};
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: super::DbArg,
    /// The playbook file to publish (its scripts, and the concepts and personas beside it,
    /// go with it).
    pub path: PathBuf,
    /// Why this version (shown in `content list`).
    #[arg(long)]
    pub note: Option<String>,
    /// Who is publishing (on a team server: the signed-in login, whatever this says).
    #[arg(long = "by", default_value = "trainer")]
    pub by: String,
}

super::places!(Args: db);

/// Opens the log, refusing to publish on a team server that cannot be reached (before this
/// machine ever linked to it; a linked log is refused by [`crate::session::publish`]): what
/// is published must reach everyone, so it waits (the drafts stay on this machine).
fn open_for_publishing(cli: &Cli) -> anyhow::Result<store::Store> {
    let at = cli.location();
    let store = store::open_default(&at)?;
    let team = at
        .db
        .as_deref()
        .and_then(|p| p.to_str())
        .is_some_and(store::team::is_url);
    if team && store.records().team_server().is_none() {
        bail!(
            "{}",
            cli.lang().t(
                "连不上团队服务器，未发布：草稿仍在本机，联网后再发布。",
                "the team server cannot be reached: nothing published (your drafts stay on this machine; publish again when online)"
            )
        );
    }
    Ok(store)
}

fn said(cli: &Cli, r: Result<Publishing, PublishError>) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    match r {
        Ok(done) => {
            print(&format!("{}\n", done.said().get(lang)))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(PublishError::Offline) => bail!("{}", crate::msg::publish_offline().get(lang)),
        Err(PublishError::Refused(r)) => {
            super::eprint(&format!("{}\n", r.0.get(lang)));
            Ok(ExitCode::from(super::EXIT_INVALID))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let store = open_for_publishing(cli)?;
    let r = crate::session::publish(
        &store,
        &args.path,
        args.note.as_deref(),
        &args.by,
        chrono::Utc::now(),
    );
    said(cli, r)
}

#[derive(Debug, clap::Args)]
pub struct ContentArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(subcommand)]
    pub action: Action,
}

super::places!(ContentArgs: db);

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Every published version: playbook, number, who, when, note.
    List,
    /// One version's files (`ID` for the latest, `ID@V` for version V).
    Show { id: String },
    /// What changed between two versions of a playbook.
    Diff { id: String, from: u32, to: u32 },
    /// Publish an old version again as the newest (every version is kept).
    Rollback {
        id: String,
        version: u32,
        /// Who is rolling back (on a team server: the signed-in login).
        #[arg(long = "by", default_value = "trainer")]
        by: String,
    },
}

pub fn run_content(cli: &Cli, args: &ContentArgs) -> anyhow::Result<ExitCode> {
    let lang = cli.lang();
    match &args.action {
        Action::List => {
            let store = store::open_default(&cli.location())?;
            let versions = store.records().published_versions(None, true)?;
            if versions.is_empty() {
                print(&format!(
                    "{}\n",
                    lang.t(
                        "还没有发布的剧本。用 `salesdojo publish 文件` 发布。",
                        "Nothing is published yet. Publish with `salesdojo publish FILE`."
                    )
                ))?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut out = String::new();
            for v in &versions {
                let state = match publish::usable(v) {
                    Usable::Yes => "",
                    Usable::NeedsNewer => {
                        lang.t("  （需要更新的 salesdojo）", "  (needs a newer salesdojo)")
                    }
                    Usable::Damaged => lang.t(
                        "  （文件与散列不符，未使用）",
                        "  (files do not match the hash: not used)",
                    ),
                };
                out.push_str(&format!(
                    "{}@{}  {}  {}  {}  {}{}\n",
                    v.playbook,
                    v.version,
                    v.hash.chars().take(12).collect::<String>(),
                    store::local_time(&v.published_at),
                    v.published_by,
                    v.note.as_deref().unwrap_or(""),
                    state
                ));
            }
            print(&out)?;
        }
        Action::Show { id } => {
            let store = store::open_default(&cli.location())?;
            let v = version(&store, id)?;
            let Some(b) = v
                .bundle
                .as_ref()
                .filter(|_| publish::usable(&v) == Usable::Yes)
            else {
                bail!(
                    "{}@{} {}",
                    v.playbook,
                    v.version,
                    lang.t(
                        "无法使用：需要更新的 salesdojo，或文件与散列不符",
                        "cannot be used here: it needs a newer salesdojo, or its files do not match its hash"
                    )
                );
            };
            let mut out = format!(
                "# {}@{} {} {} {}\n",
                v.playbook, v.version, v.hash, v.published_by, v.published_at
            );
            for (path, text) in &b.files {
                out.push_str(&format!("\n## {path}\n{text}"));
                if !text.ends_with('\n') {
                    out.push('\n');
                }
            }
            print(&out)?;
        }
        Action::Diff { id, from, to } => {
            let store = store::open_default(&cli.location())?;
            let a = version(&store, &format!("{id}@{from}"))?;
            let b = version(&store, &format!("{id}@{to}"))?;
            let (Some(x), Some(y)) = (&a.bundle, &b.bundle) else {
                bail!("a version without its files");
            };
            let d = publish::diff(x, y, &format!("{id}@{from}"), &format!("{id}@{to}"));
            if d.is_empty() {
                print(&format!(
                    "{}\n",
                    lang.t(
                        "两个版本的文件相同。",
                        "The two versions hold the same files."
                    )
                ))?;
            } else {
                print(&d)?;
            }
        }
        Action::Rollback { id, version, by } => {
            let store = open_for_publishing(cli)?;
            return said(
                cli,
                crate::session::roll_back(&store, id, *version, by, chrono::Utc::now()),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ID` (the latest) or `ID@V`, with its files.
fn version(store: &store::Store, id: &str) -> anyhow::Result<publish::Version> {
    let (pb, v) = match id.split_once('@') {
        Some((p, v)) => match v.parse::<u32>() {
            Ok(v) => (p, Some(v)),
            Err(_) => bail!("'{v}' is not a version number (ID@V, e.g. jewelry@2)"),
        },
        None => (id, None),
    };
    let all = store.records().published_versions(Some(pb), true)?;
    let found = match v {
        Some(v) => all.iter().find(|x| x.version == v),
        None => all.last(),
    };
    match found {
        Some(x) => Ok(x.clone()),
        None => {
            let known: Vec<String> = all.iter().map(|x| x.version.to_string()).collect();
            bail!(
                "no published version '{id}' (versions of '{pb}': {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )
        }
    }
}
