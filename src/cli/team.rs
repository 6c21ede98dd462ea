//! `salesdojo team …` and `salesdojo sync`: one progress log for a whole sales force on a
//! PostgreSQL server (docs/TEAM.md).

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use super::{Cli, print};
use crate::playbook::Report;
use crate::script::ScriptHost;
use crate::store::team::{self, Server, TeamError, admin, sync};
use crate::store::{self, Store};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: TeamCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TeamCommand {
    /// Set up (or bring up to date) a team database: schema, group roles, every access
    /// policy. Run with an admin login that may create roles; idempotent.
    Init(InitArgs),
    /// Add people: a login with a generated password (printed once), their role and team.
    AddUser(AddUserArgs),
    /// Change a person's role: their login's access follows at once (as an admin).
    SetRole(SetRoleArgs),
    /// Stop a login from signing in (it keeps its directory row and practice; as an admin).
    Disable(LoginArgs),
    /// Let a disabled login sign in again (as an admin).
    Enable(LoginArgs),
    /// Offboard a person: drop their login and directory row; their practice stays in the
    /// team's history under their name (as an admin).
    RemoveUser(LoginArgs),
    /// Join this machine's progress log to a team login; practice then syncs by itself.
    Join(JoinArgs),
    /// The team server, your login and role, rows waiting to go up, last sync, clock skew.
    Status(StatusArgs),
    /// Re-score every new attempt on the server from its replies and record the verdict
    /// (run under a verifier login); only verified attempts count.
    Verify(VerifyArgs),
    /// Move practice recorded here under another name (before joining, say) to your team
    /// login, so that the next sync sends it. Practice is never moved without asking.
    Claim(ClaimArgs),
    /// Stop syncing this progress log with the team (nothing is deleted anywhere).
    Leave(StatusArgs),
    /// Bring a progress log's whole history into the team database (as an admin; COPY,
    /// idempotent). Its attempts count once the verifier verified them.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The team database, as an admin (as for `team init`).
    #[arg(long, env = "SALESDOJO_TEAM_ADMIN", value_name = "URL")]
    pub server: String,
    /// The progress database to bring in.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The team database, as an admin: postgres://ADMIN@HOST[:PORT]/DATABASE (the password
    /// from PGPASSWORD or the password file).
    #[arg(value_name = "URL")]
    pub url: String,
}

#[derive(Debug, clap::Args)]
pub struct AddUserArgs {
    /// The team database, as an admin (as for `team init`).
    #[arg(long, env = "SALESDOJO_TEAM_ADMIN", value_name = "URL")]
    pub server: String,
    /// The login to create (lower-case letters, digits, '_', '.', '-').
    #[arg(value_name = "LOGIN", required_unless_present = "csv")]
    pub login: Option<String>,
    /// The name people see (default: the login for a new person; an existing person keeps
    /// theirs).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// What the person may do.
    #[arg(long, value_enum, default_value_t = RoleArg::Trainee)]
    pub role: RoleArg,
    /// Their team; for a manager, each team they manage (repeat the option).
    #[arg(long, value_name = "TEAM")]
    pub team: Vec<String>,
    /// Many people from a CSV file with the header login,name,role,team (a manager's
    /// teams separated by ';').
    #[arg(long, value_name = "FILE", conflicts_with = "login")]
    pub csv: Option<PathBuf>,
    /// Give an existing login a new password (otherwise it keeps its own).
    #[arg(long)]
    pub reset_password: bool,
}

#[derive(Debug, clap::Args)]
pub struct SetRoleArgs {
    /// The team database, as an admin (as for `team init`).
    #[arg(long, env = "SALESDOJO_TEAM_ADMIN", value_name = "URL")]
    pub server: String,
    /// The login whose role changes.
    #[arg(value_name = "LOGIN")]
    pub login: String,
    /// Their new role.
    #[arg(value_enum, value_name = "ROLE")]
    pub role: RoleArg,
    /// Their team; for a manager, each team they manage (repeat the option; left out, the
    /// teams stay as they were).
    #[arg(long, value_name = "TEAM")]
    pub team: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct LoginArgs {
    /// The team database, as an admin (as for `team init`).
    #[arg(long, env = "SALESDOJO_TEAM_ADMIN", value_name = "URL")]
    pub server: String,
    /// The login.
    #[arg(value_name = "LOGIN")]
    pub login: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// Practises; sees only their own attempts and the reviews of them.
    Trainee,
    /// Publishes content; sees aggregate scores of their playbooks.
    Trainer,
    /// Sees their teams' attempts; writes reviews and overrides.
    Manager,
    /// Manages people and teams.
    Admin,
    /// Re-scores attempts and records verdicts and certifications.
    Verifier,
}

impl RoleArg {
    fn as_str(self) -> &'static str {
        match self {
            RoleArg::Trainee => "trainee",
            RoleArg::Trainer => "trainer",
            RoleArg::Manager => "manager",
            RoleArg::Admin => "admin",
            RoleArg::Verifier => "verifier",
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct JoinArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    /// The team database: postgres://HOST[:PORT]/DATABASE[?sslmode=require].
    #[arg(value_name = "URL")]
    pub url: String,
    /// Your login on it.
    #[arg(long, value_name = "LOGIN")]
    pub user: String,
    /// Read the password from the first line of standard input (otherwise PGPASSWORD, or
    /// asked for on the terminal).
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub db: super::DbArg,
}

#[derive(Debug, clap::Args)]
pub struct ClaimArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    /// The local trainee name the practice was recorded under (`team status` counts it).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Their team, where two local trainees share the name.
    #[arg(long)]
    pub team: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub content: super::PlaybooksArg,
    /// The team database as a verifier login (default: the team this progress log joined).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    #[command(flatten)]
    pub db: super::DbArg,
}

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub db: super::DbArg,
    #[command(flatten)]
    pub content: super::PlaybooksArg,
}

super::places!(SyncArgs: db, content);

impl super::Places for Args {
    fn places(&mut self) -> (Option<&mut super::DbArg>, Option<&mut super::PlaybooksArg>) {
        match &mut self.command {
            TeamCommand::Join(a) => (Some(&mut a.db), None),
            TeamCommand::Claim(a) => (Some(&mut a.db), None),
            TeamCommand::Status(a) | TeamCommand::Leave(a) => (Some(&mut a.db), None),
            TeamCommand::Verify(a) => (Some(&mut a.db), Some(&mut a.content)),
            TeamCommand::Init(_)
            | TeamCommand::AddUser(_)
            | TeamCommand::SetRole(_)
            | TeamCommand::Disable(_)
            | TeamCommand::Enable(_)
            | TeamCommand::RemoveUser(_)
            | TeamCommand::Import(_) => (None, None),
        }
    }
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        TeamCommand::Init(a) => init(a),
        TeamCommand::AddUser(a) => add_user(a),
        TeamCommand::Join(a) => join(cli, a),
        TeamCommand::SetRole(a) => {
            let mut client = Server::parse(&a.server, None)?.connect(None)?;
            let was = admin::set_role(&mut client, &a.login, a.role.as_str(), &a.team)?;
            print(&format!(
                "{}: {was} → {}; their access follows from their next query\n",
                a.login,
                a.role.as_str()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        TeamCommand::Disable(a) => set_enabled(a, false),
        TeamCommand::Enable(a) => set_enabled(a, true),
        TeamCommand::RemoveUser(a) => {
            let mut client = Server::parse(&a.server, None)?.connect(None)?;
            admin::remove_user(&mut client, &a.login)?;
            print(&format!(
                "{}: login and directory row removed; their practice stays in the team's history\n",
                a.login
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        TeamCommand::Status(_) => status(cli),
        TeamCommand::Verify(a) => verify(cli, a),
        TeamCommand::Import(a) => {
            let store = Store::open(&a.file)?;
            let server = Server::parse(&a.server, None)?;
            let mut client = server.connect(None)?;
            let start = std::time::Instant::now();
            let n = admin::import_log(&mut client, &store)?;
            print(&format!(
                "imported {}: {} trainees, {} attempts, {} replies, {} reviews added in {:.1} s; run `salesdojo team verify` so they count\n",
                a.file.display(),
                n.trainees,
                n.attempts,
                n.replies,
                n.reviews,
                start.elapsed().as_secs_f64()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        TeamCommand::Claim(a) => {
            let mut store = store::open_default(&cli.location())?;
            let moved = store.team_claim(&a.name, a.team.as_deref())?;
            let j = store.joined()?.ok_or(TeamError::NotJoined)?;
            print(&format!(
                "moved {moved} attempts of '{}' to the team login '{}'; they go up with the next sync (`salesdojo sync`)\n",
                a.name.trim(),
                j.user
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        TeamCommand::Leave(_) => {
            let mut store = store::open_default(&cli.location())?;
            let forgot = team::leave(&mut store)?;
            let mut said = String::from(
                "left the team: this progress log no longer syncs (no practice was deleted)\n",
            );
            if let Some(file) = forgot {
                said.push_str(&format!(
                    "the password for this login was removed from {}\n",
                    file.display()
                ));
            }
            print(&said)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `team disable LOGIN` / `team enable LOGIN`.
fn set_enabled(a: &LoginArgs, enable: bool) -> anyhow::Result<ExitCode> {
    let mut client = Server::parse(&a.server, None)?.connect(None)?;
    admin::set_enabled(&mut client, &a.login, enable)?;
    print(&if enable {
        format!("{}: may sign in again\n", a.login)
    } else {
        format!(
            "{}: disabled (cannot sign in; directory row and practice kept; `salesdojo team enable {}` undoes it)\n",
            a.login, a.login
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

fn init(a: &InitArgs) -> anyhow::Result<ExitCode> {
    let server = Server::parse(&a.url, None)?;
    let mut client = server.connect(None)?;
    let v = admin::init(&mut client)?;
    print(&format!(
        "team database {} is ready (schema {v}); group roles: {}\n\
         next: salesdojo team add-user LOGIN --role trainee --team TEAM --server {}\n",
        server.shown(),
        team::schema::ROLES
            .iter()
            .map(|(_, g)| *g)
            .collect::<Vec<_>>()
            .join(", "),
        a.url
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn add_user(a: &AddUserArgs) -> anyhow::Result<ExitCode> {
    let users = match (&a.csv, &a.login) {
        (Some(file), _) => admin::read_csv(file)?,
        (None, Some(login)) => vec![admin::NewUser {
            login: login.clone(),
            // None given: the login for a new person, unchanged for an existing one.
            name: a.name.clone().unwrap_or_default(),
            role: a.role.as_str().to_owned(),
            teams: a.team.clone(),
        }],
        (None, None) => anyhow::bail!("give a LOGIN or --csv FILE"),
    };
    let server = Server::parse(&a.server, None)?;
    let mut client = server.connect(None)?;
    let added = admin::add_users(&mut client, &users, a.reset_password)?;
    let mut out = String::new();
    for u in &added {
        match &u.password {
            Some(p) => out.push_str(&format!("{}\t{}\t{p}\n", u.login, u.role)),
            None => out.push_str(&format!(
                "{}\t{}\t(exists: password unchanged; --reset-password gives a new one)\n",
                u.login, u.role
            )),
        }
    }
    out.push_str(
        "passwords are shown this once and stored nowhere: hand each to its person, who runs\n  \
         salesdojo team join URL --user LOGIN\n",
    );
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn read_password(a: &JoinArgs) -> anyhow::Result<Option<String>> {
    if a.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()));
    }
    if let Ok(p) = std::env::var("PGPASSWORD") {
        return Ok(Some(p));
    }
    if std::io::stdin().is_terminal() {
        return Ok(Some(rpassword::prompt_password(format!(
            "password for {}: ",
            a.user
        ))?));
    }
    Ok(None)
}

fn join(cli: &Cli, a: &JoinArgs) -> anyhow::Result<ExitCode> {
    // A bad login or address is said before the password is asked for (`team::join` checks
    // them again, for the app).
    admin::check_login(&a.user)?;
    Server::parse(&a.url, Some(&a.user))?;
    let password = read_password(a)?;
    let mut store = store::open_default(&cli.location())?;
    let j = team::join(&mut store, &a.url, &a.user, password.as_deref())?;
    let mut out = format!(
        "joined {} as {} ({}{}); this progress log now syncs with it\n",
        j.server,
        j.me.login,
        j.me.role,
        j.me.team
            .as_deref()
            .map(|t| format!(", team {t}"))
            .unwrap_or_default()
    );
    if let Some(f) = j.password_file {
        out.push_str(&format!(
            "the password is kept in {} (readable only by you)\n",
            f.display()
        ));
    }
    out.push_str(&sync_line(&j.counts));
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn sync_line(c: &sync::SyncCounts) -> String {
    let published = if c.pulled_published > 0 {
        format!(", {} published playbook versions", c.pulled_published)
    } else {
        String::new()
    };
    format!(
        "sent {} attempts, {} replies, {} ends, {} live events, {} reviews; received {} attempts, {} replies, {} reviews{published}\n",
        c.pushed_attempts,
        c.pushed_replies,
        c.pushed_ends,
        c.pushed_events,
        c.pushed_reviews,
        c.pulled_attempts,
        c.pulled_replies,
        c.pulled_reviews
    )
}

/// The joined server and a connection to it.
fn connect_joined(store: &Store) -> anyhow::Result<(Server, postgres::Client)> {
    let j = store.joined()?.ok_or(TeamError::NotJoined)?;
    let server = Server::parse(&j.url, Some(&j.user))?;
    let client = server.connect(None)?;
    Ok((server, client))
}

pub fn run_sync(cli: &Cli, _a: &SyncArgs) -> anyhow::Result<ExitCode> {
    let mut store = store::open_default(&cli.location())?;
    let counts = team::sync_joined(&mut store)?;
    let mut out = sync_line(&counts);
    let pending = store.pending_count()?;
    if pending > 0 {
        // Attempts from elsewhere count once re-scored here or by the team's verifier.
        let mut report = Report::default();
        let lib = super::load_with_published(cli, &store, &mut report)?;
        let host = ScriptHost::new(&lib);
        let v = crate::rescore::verify_pending(&mut store, &lib, Some(&host))?;
        out.push_str(&format!(
            "re-scored {pending} received attempts from their replies: {} verified, {} flagged, {} unverifiable\n",
            v.verified, v.mismatch, v.unverifiable
        ));
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn status(cli: &Cli) -> anyhow::Result<ExitCode> {
    let store = store::open_default(&cli.location())?;
    // What this machine knows first, then the server (which may take up to its timeout).
    let (st, server) = team::local_status(&store)?.ok_or(TeamError::NotJoined)?;
    let w = &st.waiting;
    let mut out = format!(
        "server:     {}\nuser:       {}\nrole:       {}\nwaiting:    {} rows ({} attempts, {} replies, {} ends, {} live events, {} reviews)\nlast sync:  {}\n",
        st.server,
        st.user,
        st.role,
        w.total(),
        w.attempts,
        w.replies,
        w.ends,
        w.events,
        w.reviews,
        st.last_sync
            .as_deref()
            .map_or("never".to_owned(), store::local_time)
    );
    if w.unclaimed > 0 {
        out.push_str(&format!(
            "not sent:   {} attempts recorded here under other names (before joining?): sync sends only '{}'s practice; move them with `salesdojo team claim NAME`\n",
            w.unclaimed, st.user
        ));
    }
    print(&out)?;
    let mut out = String::new();
    match &team::check_online(&server) {
        Ok((schema, skew)) => out.push_str(&format!(
            "online:     yes (server schema {schema})\nclock skew: {:+.1} s (server minus this machine)\n",
            *skew as f64 / 1000.0
        )),
        Err(e) => out.push_str(&format!("online:     no: {e}\n")),
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn verify(cli: &Cli, a: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut client = match &a.server {
        Some(url) => Server::parse(url, None)?.connect(None)?,
        None => {
            let store = store::open_default(&cli.location())?;
            connect_joined(&store)?.1
        }
    };
    team::check_schema(&mut client)?;
    let mut report = Report::default();
    // The team's published playbooks, the latest of each, as every client practises them.
    let published = crate::publish::layers(&team::admin::published(&mut client)?).0;
    let lib =
        crate::playbook::load::load_default_over(cli.playbooks.as_deref(), published, &mut report)?;
    let host = ScriptHost::new(&lib);
    let v = crate::rescore::verify_team(&mut client, &lib, Some(&host))?;
    let mut out = format!(
        "re-scored from their replies: {} verified, {} flagged (the stored score differs), {} unverifiable (content not here); {} certifications granted\n",
        v.verified, v.mismatch, v.unverifiable, v.certified
    );
    for (id, what) in &v.flagged {
        out.push_str(&format!("  flagged {id}: {what}\n"));
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
