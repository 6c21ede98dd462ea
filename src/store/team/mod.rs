//! Team mode: one progress log for a whole sales force on a PostgreSQL server.
//!
//! Every client keeps writing each reply to its local SQLite log first (the durable
//! write-ahead); [`sync`] pushes what the server lacks and pulls what the person may see.
//! Who may read or write what is enforced by PostgreSQL itself ([`schema`]: roles, grants,
//! row-level security), so a modified client or a person with `psql` gets no more than the
//! app gives them. Passwords never enter the progress log: they live in a libpq `.pgpass`
//! file readable only by its owner ([`pgpass`]), or come from `PGPASSWORD`.

pub mod admin;
pub mod pgpass;
pub mod report;
pub mod schema;
pub mod sync;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::{Client, Config};

/// How long connecting — the socket, TLS and signing in — may take before the server counts
/// as unreachable (libpq's `connect_timeout` in the address, or `PGCONNECT_TIMEOUT`, set
/// another).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one statement may run on the server (`SALESDOJO_STATEMENT_TIMEOUT` in seconds
/// sets another; 0: none).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("'{0}' is not a PostgreSQL address (expected postgres://HOST[:PORT]/DATABASE): {1}")]
    BadUrl(String, String),
    #[error(
        "cannot reach the team server at {server}: {reason}; your practice is kept on this machine and goes up at the next sync"
    )]
    Unreachable { server: String, reason: String },
    #[error(
        "cannot reach the team server at {server}: {reason}; nothing was joined: check the address and that the server is running, then join again (practice goes on on this machine meanwhile)"
    )]
    JoinUnreachable { server: String, reason: String },
    #[error(
        "the team server at {server} refused the sign-in of '{user}': wrong password (or no such login); ask your admin for a new one, then join again (`salesdojo team join`, or the app's team server window)"
    )]
    WrongPassword { server: String, user: String },
    #[error(
        "the team server at {server} accepts only encrypted connections; add `?sslmode=require` to the address (and trust its certificate with PGSSLROOTCERT=FILE if it is not from a public authority)"
    )]
    TlsRequired { server: String },
    #[error(
        "the team server at {server} offered a certificate this machine does not trust ({reason}); give its authority's certificate with PGSSLROOTCERT=FILE"
    )]
    TlsUntrusted { server: String, reason: String },
    #[error("the team server at {server} refused the sign-in: {reason}")]
    Refused { server: String, reason: String },
    #[error(
        "no password for '{user}' at {server}: give it once with `salesdojo team join` (it is kept in {file}, readable only by you) or in PGPASSWORD"
    )]
    NoPassword {
        server: String,
        user: String,
        file: String,
    },
    #[error(
        "the team database was set up by a newer salesdojo (schema {found}; this version knows up to {supported}); nothing was written: update salesdojo"
    )]
    Newer { found: i32, supported: i32 },
    #[error(
        "the team database is not set up for salesdojo: an admin runs `salesdojo team init URL` first"
    )]
    NotInitialised,
    #[error("not joined to a team: `salesdojo team join URL --user NAME` first")]
    NotJoined,
    #[error(
        "the address holds a password; give it to `salesdojo team join` (it is kept in a file only you can read) or in PGPASSWORD instead"
    )]
    PasswordInUrl,
    #[error(
        "the team database is at schema {found}, older than this salesdojo ({ours}): an admin runs `salesdojo team init URL` to bring it up to date"
    )]
    OlderSchema { found: i32, ours: i32 },
    #[error(
        "'{user}' signed in but is not in the team's directory: ask an admin to run `salesdojo team add-user {user}`"
    )]
    NotInDirectory { user: String },
    #[error("not checked yet")]
    NotChecked,
    #[error("the team server refused: {0}")]
    Denied(String),
    #[error("{0}")]
    Invalid(String),
    #[error("team server error: {0}")]
    Server(String),
    #[error(transparent)]
    Store(#[from] super::StoreError),
    #[error("{0}")]
    Io(String),
}

impl crate::msg::Localized for TeamError {
    fn zh(&self) -> String {
        match self {
            TeamError::BadUrl(u, e) => format!(
                "“{u}”不是 PostgreSQL 地址（应为 postgres://主机[:端口]/数据库）{}",
                crate::msg::details(e)
            ),
            TeamError::Unreachable { server, reason } => format!(
                "连不上团队服务器 {server}；练习记录保存在本机，下次同步时上传{}",
                crate::msg::details(reason)
            ),
            TeamError::JoinUnreachable { server, reason } => format!(
                "连不上团队服务器 {server}；没有加入任何团队：请检查地址、确认服务器在运行，再加入一次（在此期间练习照常记录在本机）{}",
                crate::msg::details(reason)
            ),
            TeamError::WrongPassword { server, user } => format!(
                "团队服务器 {server} 拒绝了“{user}”的登录：密码错误（或没有这个账号）；请向管理员要新密码，再加入一次（`salesdojo team join`，或在程序的“团队服务器”窗口）"
            ),
            TeamError::TlsRequired { server } => format!(
                "团队服务器 {server} 只接受加密连接：在地址后加 `?sslmode=require`（证书不是公共机构签发时，用 PGSSLROOTCERT=文件 指定）"
            ),
            TeamError::TlsUntrusted { server, reason } => format!(
                "团队服务器 {server} 的证书不受本机信任；用 PGSSLROOTCERT=文件 指定签发机构的证书{}",
                crate::msg::details(reason)
            ),
            TeamError::Refused { server, reason } => format!(
                "团队服务器 {server} 拒绝登录{}",
                crate::msg::details(reason)
            ),
            TeamError::NoPassword { server, user, file } => format!(
                "没有“{user}”在 {server} 的密码：用 `salesdojo team join` 输入一次（保存在 {file}，只有你能读），或设置 PGPASSWORD"
            ),
            TeamError::Newer { found, supported } => format!(
                "团队数据库由更新版本的 salesdojo 建立（结构版本 {found}；本版本最高 {supported}），没有写入任何内容：请更新 salesdojo"
            ),
            TeamError::NotInitialised => {
                "团队数据库还没有为 salesdojo 建立：请管理员先运行 `salesdojo team init URL`"
                    .to_owned()
            }
            TeamError::NotJoined => {
                "还没有加入团队：先运行 `salesdojo team join URL --user 账号`".to_owned()
            }
            TeamError::PasswordInUrl => {
                "地址里带了密码；请把密码交给 `salesdojo team join`（保存在只有你能读的文件里），或放在 PGPASSWORD 里"
                    .to_owned()
            }
            TeamError::OlderSchema { found, ours } => format!(
                "团队数据库的结构版本是 {found}，比本版 salesdojo（{ours}）旧：请管理员运行 `salesdojo team init URL` 升级"
            ),
            TeamError::NotInDirectory { user } => format!(
                "“{user}”登录成功，但不在团队名录里：请管理员运行 `salesdojo team add-user {user}`"
            ),
            TeamError::NotChecked => "尚未检查".to_owned(),
            TeamError::Denied(e) => {
                format!("团队服务器拒绝了这个操作{}", crate::msg::details(e))
            }
            TeamError::Invalid(e) => {
                format!("团队服务器没有接受这个请求{}", crate::msg::details(e))
            }
            TeamError::Server(e) => format!("团队服务器出错{}", crate::msg::details(e)),
            TeamError::Store(e) => crate::msg::Localized::zh(e),
            TeamError::Io(e) => format!("读写文件出错{}", crate::msg::details(e)),
        }
    }
}

pub type Result<T> = std::result::Result<T, TeamError>;

/// Column `i` of a row the server sent, as `T`; a clear error (never a panic) when the
/// server's column is not what this version reads, as after an admin altered it.
pub(crate) fn col<'a, T: postgres::types::FromSql<'a>>(
    r: &'a postgres::Row,
    i: usize,
) -> Result<T> {
    r.try_get(i).map_err(|e| {
        TeamError::Server(format!(
            "column {i} ({}) of a row the server sent: {e}",
            r.columns().get(i).map_or("?", |c| c.name())
        ))
    })
}

/// A team server address, parsed, with the login to use.
#[derive(Clone)]
pub struct Server {
    pub url: String,
    config: Config,
    /// The authority certificate the address names (`sslrootcert=`), if it does.
    root_cert: Option<std::path::PathBuf>,
}

/// Takes out of an address what libpq understands and the driver does not: `sslrootcert`
/// (returned), and `sslmode=verify-ca`/`verify-full` (the certificate is always verified
/// here, the host name with it: `require`). Both the URL form and `key=value` pairs.
fn libpq_tls_params(url: &str) -> (String, Option<String>) {
    fn decode(v: &str) -> String {
        let b = v.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match (b[i], hex) {
                (b'%', Some(h)) => {
                    out.push(h);
                    i += 3;
                }
                (c, _) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    let mut root = None;
    let mut keep = |key: &str, value: &str| -> Option<String> {
        match key {
            "sslrootcert" => {
                root = Some(decode(value));
                None
            }
            "sslmode" if matches!(value, "verify-ca" | "verify-full") => {
                Some(format!("{key}=require"))
            }
            _ => Some(format!("{key}={value}")),
        }
    };
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_owned(), None);
        };
        let kept: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .filter_map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                keep(k, v)
            })
            .collect();
        let url = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (url, root)
    } else {
        let kept: Vec<String> = url
            .split_whitespace()
            .filter_map(|p| match p.split_once('=') {
                Some((k, v)) => keep(k, v),
                None => Some(p.to_owned()),
            })
            .collect();
        (kept.join(" "), root)
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("at", &self.shown()).finish()
    }
}

impl Server {
    /// Parses `url` (`postgres://[USER@]HOST[:PORT]/DATABASE[?sslmode=…]`); `user` overrides
    /// the one in it. A password inside the address is refused: it would be stored with it.
    pub fn parse(url: &str, user: Option<&str>) -> Result<Self> {
        let (driver_url, root_cert) = libpq_tls_params(url);
        let mut config = Config::from_str(&driver_url)
            .map_err(|e| TeamError::BadUrl(url.to_owned(), e.to_string()))?;
        if config.get_password().is_some() {
            return Err(TeamError::PasswordInUrl);
        }
        if config.get_hosts().is_empty() {
            return Err(TeamError::BadUrl(url.to_owned(), "no host".into()));
        }
        if config.get_dbname().is_none() {
            return Err(TeamError::BadUrl(url.to_owned(), "no database".into()));
        }
        if let Some(u) = user {
            config.user(u);
        }
        if config.get_connect_timeout().is_none() {
            let from_env = std::env::var("PGCONNECT_TIMEOUT")
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|s| *s > 0)
                .map(Duration::from_secs);
            config.connect_timeout(from_env.unwrap_or(CONNECT_TIMEOUT));
        }
        // Every statement is bounded on the server, as every connection is here.
        let statement = std::env::var("SALESDOJO_STATEMENT_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(STATEMENT_TIMEOUT, Duration::from_secs);
        let options = format!(
            "{} -c statement_timeout={}",
            config.get_options().unwrap_or_default(),
            statement.as_millis()
        );
        config.options(options.trim());
        config.application_name("salesdojo");
        Ok(Server {
            url: url.to_owned(),
            config,
            root_cert: root_cert.map(std::path::PathBuf::from),
        })
    }

    /// The address to keep at join: as given, with the authority certificate this machine
    /// trusts the server by (`PGSSLROOTCERT`, when the address does not name one), so every
    /// later process trusts it too without the variable.
    pub fn url_to_keep(&self) -> String {
        if self.root_cert.is_some() {
            return self.url.clone();
        }
        let Some(file) = std::env::var_os("PGSSLROOTCERT").filter(|f| !f.is_empty()) else {
            return self.url.clone();
        };
        let value = super::db::percent_encoded_path(std::path::Path::new(&file));
        if self.url.starts_with("postgres://") || self.url.starts_with("postgresql://") {
            let sep = if self.url.contains('?') { '&' } else { '?' };
            format!("{}{sep}sslrootcert={value}", self.url)
        } else {
            format!("{} sslrootcert={value}", self.url)
        }
    }

    pub fn user(&self) -> Option<&str> {
        self.config.get_user()
    }

    pub fn host(&self) -> String {
        match self.config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => String::new(),
        }
    }

    pub fn port(&self) -> u16 {
        self.config.get_ports().first().copied().unwrap_or(5432)
    }

    pub fn dbname(&self) -> &str {
        self.config.get_dbname().unwrap_or("")
    }

    /// `host:port/database`, as messages show it (never a password).
    pub fn shown(&self) -> String {
        format!("{}:{}/{}", self.host(), self.port(), self.dbname())
    }

    /// Connects with `password` (or, when `None`, `PGPASSWORD` or the password file).
    pub fn connect(&self, password: Option<&str>) -> Result<Client> {
        let mut config = self.config.clone();
        let user = self.user().unwrap_or_default().to_owned();
        let password = match password {
            Some(p) => Some(p.to_owned()),
            None => std::env::var("PGPASSWORD")
                .ok()
                .or_else(|| pgpass::lookup(self, &user)),
        };
        if let Some(p) = &password {
            config.password(p);
        }
        let tls =
            tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(self.root_cert.as_deref())?);
        // The driver's timeout covers the socket only: a server that accepts connections and
        // never answers (a stopped postmaster) would hold the sign-in forever. The whole of
        // it runs on a thread of its own and is given up after the timeout (the thread ends
        // when the server answers or the process does).
        let deadline = config
            .get_connect_timeout()
            .copied()
            .unwrap_or(CONNECT_TIMEOUT);
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("salesdojo-connect".into())
            .spawn(move || {
                let _ = send.send(config.connect(tls));
            })
            .map_err(|e| TeamError::Io(e.to_string()))?;
        let connected = receive
            .recv_timeout(deadline)
            .map_err(|_| TeamError::Unreachable {
                server: self.shown(),
                reason: format!(
                    "no answer within {} s (it accepts connections but does not respond)",
                    deadline.as_secs()
                ),
            })?;
        connected.map_err(|e| {
            // The driver says "password missing" when the server asks for one and none was
            // found: the same as a refused one, for what to do next.
            let missing = error_chain(&e).contains("password missing");
            let e = classify(self, &user, &e);
            if (missing || matches!(e, TeamError::WrongPassword { .. })) && password.is_none() {
                TeamError::NoPassword {
                    server: self.shown(),
                    user,
                    file: pgpass::path().map_or("-".into(), |p| p.display().to_string()),
                }
            } else {
                e
            }
        })
    }
}

/// The authority certificate to trust a server by, as libpq finds it: the address's
/// `sslrootcert`, else `PGSSLROOTCERT`, else `~/.postgresql/root.crt` when it exists.
fn root_cert_file(from_address: Option<&std::path::Path>) -> Option<String> {
    if let Some(p) = from_address {
        return Some(p.display().to_string());
    }
    if let Some(f) = std::env::var("PGSSLROOTCERT")
        .ok()
        .filter(|f| !f.is_empty())
    {
        return Some(f);
    }
    let home = std::env::var_os("HOME")?;
    let default = std::path::Path::new(&home).join(".postgresql/root.crt");
    default.is_file().then(|| default.display().to_string())
}

/// The certificates a server may present: the public authorities, plus the one
/// [`root_cert_file`] finds.
fn tls_config(from_address: Option<&std::path::Path>) -> Result<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(file) = root_cert_file(from_address) {
        let certs = CertificateDer::pem_file_iter(&file)
            .map_err(|e| TeamError::Io(format!("the authority certificate '{file}': {e}")))?;
        for c in certs {
            let c =
                c.map_err(|e| TeamError::Io(format!("the authority certificate '{file}': {e}")))?;
            roots
                .add(c)
                .map_err(|e| TeamError::Io(format!("the authority certificate '{file}': {e}")))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TeamError::Io(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A server error as a person can act on it.
pub(crate) fn classify(server: &Server, user: &str, e: &postgres::Error) -> TeamError {
    let shown = server.shown();
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let msg = db.message().to_owned();
        return match code {
            "28P01" => TeamError::WrongPassword {
                server: shown,
                user: user.to_owned(),
            },
            "28000" if msg.contains("no encryption") => TeamError::TlsRequired { server: shown },
            c if c.starts_with("28") || c == "3D000" => TeamError::Refused {
                server: shown,
                reason: msg,
            },
            "42501" => TeamError::Denied(msg),
            "42P01" if msg.contains("salesdojo_schema") => TeamError::NotInitialised,
            _ => TeamError::Server(msg),
        };
    }
    let text = error_chain(e);
    if text.contains("certificate") || text.contains("UnknownIssuer") {
        return TeamError::TlsUntrusted {
            server: shown,
            reason: text,
        };
    }
    if e.is_closed()
        || text.contains("onnection refused")
        || text.contains("timed out")
        || text.contains("timeout")
        || text.contains("error connecting")
        || text.contains("No such file")
        || text.contains("connection closed")
        || text.contains("unexpected EOF")
        || text.contains("failed to lookup")
    {
        return TeamError::Unreachable {
            server: shown,
            reason: text,
        };
    }
    TeamError::Server(text)
}

/// An error with its causes, as one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = c.source();
    }
    s
}

/// The server's schema version (0: not set up), refusing one newer than this build knows.
pub fn server_version(client: &mut Client) -> Result<i32> {
    let exists: bool = col(
        &client
            .query_one(
                "SELECT to_regclass('public.salesdojo_schema') IS NOT NULL",
                &[],
            )
            .map_err(|e| TeamError::Server(e.to_string()))?,
        0,
    )?;
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> = client
        .query_opt("SELECT version FROM salesdojo_schema", &[])
        .map_err(|e| TeamError::Server(e.to_string()))?
        .map(|r| col(&r, 0))
        .transpose()?;
    let v = v.unwrap_or(0);
    if v > schema::VERSION {
        return Err(TeamError::Newer {
            found: v,
            supported: schema::VERSION,
        });
    }
    Ok(v)
}

/// Checks a client may work with this server: set up, and not newer than this build.
pub fn check_schema(client: &mut Client) -> Result<()> {
    match server_version(client)? {
        0 => Err(TeamError::NotInitialised),
        v if v < schema::VERSION => Err(TeamError::OlderSchema {
            found: v,
            ours: schema::VERSION,
        }),
        _ => Ok(()),
    }
}

/// Applies the migrations up to `target` (default: all), each in its own transaction, under a
/// lock so two admins running `team init` at once apply each step once.
pub fn migrate(client: &mut Client, target: Option<i32>) -> Result<i32> {
    let target = target.unwrap_or(schema::VERSION).min(schema::VERSION);
    let db = |e: postgres::Error| match e.as_db_error() {
        Some(d) if d.code().code() == "42501" => TeamError::Denied(d.message().to_owned()),
        _ => TeamError::Server(e.to_string()),
    };
    client
        .batch_execute("CREATE TABLE IF NOT EXISTS salesdojo_schema (version integer NOT NULL)")
        .map_err(db)?;
    loop {
        let mut tx = client.transaction().map_err(db)?;
        tx.batch_execute("LOCK TABLE salesdojo_schema IN EXCLUSIVE MODE")
            .map_err(db)?;
        let found: i32 = tx
            .query_opt("SELECT version FROM salesdojo_schema", &[])
            .map_err(db)?
            .map(|r| col(&r, 0))
            .transpose()?
            .unwrap_or(0);
        if found > schema::VERSION {
            return Err(TeamError::Newer {
                found,
                supported: schema::VERSION,
            });
        }
        if found >= target {
            tx.commit().map_err(db)?;
            return Ok(found);
        }
        tx.batch_execute(schema::MIGRATIONS[found as usize])
            .map_err(db)?;
        tx.execute("DELETE FROM salesdojo_schema", &[])
            .map_err(db)?;
        tx.execute(
            "INSERT INTO salesdojo_schema (version) VALUES ($1)",
            &[&(found + 1)],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
    }
}

/// A login as the server's directory knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub login: String,
    pub name: String,
    pub role: String,
    pub team: Option<String>,
}

/// Who the connected login is, from the server's directory.
pub fn whoami(client: &mut Client) -> Result<Option<Me>> {
    let row = client
        .query_opt("SELECT login, name, role, team FROM whoami", &[])
        .map_err(|e| TeamError::Server(e.to_string()))?;
    row.map(|r| {
        Ok(Me {
            login: col(&r, 0)?,
            name: col(&r, 1)?,
            role: col(&r, 2)?,
            team: col(&r, 3)?,
        })
    })
    .transpose()
}

/// The trainee id of a login: the same on every machine, so a trainee's laptop and store PC
/// write into one history.
pub fn login_trainee_id(server: &Server, login: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("salesdojo-login:{}:{login}", server.dbname()).as_bytes(),
    )
    .to_string()
}

/// Links `store` to the login `client` signed in as: its trainee row (the server's, or a new
/// one with [`login_trainee_id`]), name and team come from the server's directory.
pub fn link(store: &mut super::Store, server: &Server, client: &mut Client) -> Result<Me> {
    check_schema(client)?;
    let Some(me) = whoami(client)? else {
        let user = server.user().unwrap_or_default();
        return Err(TeamError::NotInDirectory {
            user: user.to_owned(),
        });
    };
    let trainee_id = client
        .query_opt("SELECT id FROM trainees WHERE login = current_user", &[])
        .map_err(|e| TeamError::Server(e.to_string()))?
        .map(|r| col::<String>(&r, 0))
        .transpose()?
        .unwrap_or_else(|| login_trainee_id(server, &me.login));
    store.team_link(
        server,
        &me.login,
        &trainee_id,
        &crate::untrusted::clean(&me.name),
        me.team.as_deref(),
        &me.role,
    )?;
    Ok(me)
}

/// What joining a team did.
#[derive(Debug)]
pub struct JoinOutcome {
    /// The server as shown to people (no password).
    pub server: String,
    pub me: Me,
    /// Where the password is kept (`None`: it came from `PGPASSWORD`, or none was given).
    pub password_file: Option<std::path::PathBuf>,
    /// The first sync.
    pub counts: sync::SyncCounts,
}

/// Joins the progress log `store` to the team at `url` as `user`: signs in (with `password`,
/// else `PGPASSWORD` or the password file), links the login's trainee row, keeps the password
/// in the password file (readable only by this user; not when it came from `PGPASSWORD`) so
/// the background sync can sign in, and syncs once. The CLI's `team join` and the app's team
/// window both join through here.
pub fn join(
    store: &mut super::Store,
    url: &str,
    user: &str,
    password: Option<&str>,
) -> Result<JoinOutcome> {
    admin::check_login(user)?;
    let server = Server::parse(url, Some(user))?;
    // Not joined yet: there is no "next sync" for what cannot connect.
    let mut client = server.connect(password).map_err(|e| match e {
        TeamError::Unreachable { server, reason } => TeamError::JoinUnreachable { server, reason },
        e => e,
    })?;
    let me = link(store, &server, &mut client)?;
    let password_file = match password {
        Some(p) if std::env::var("PGPASSWORD").ok().as_deref() != Some(p) => {
            Some(pgpass::store(&server, &me.login, p)?)
        }
        _ => None,
    };
    let counts = sync::sync(store, &mut client)?;
    Ok(JoinOutcome {
        server: server.shown(),
        me,
        password_file,
        counts,
    })
}

/// Leaves the team (`salesdojo team leave`, the app's "leave"): the log no longer syncs (no
/// practice is deleted), and the login's password is taken out of the password file.
/// Returns that file, when it held the password.
pub fn leave(store: &mut super::Store) -> Result<Option<std::path::PathBuf>> {
    let forgot = match store.joined()? {
        Some(j) => pgpass::forget(&Server::parse(&j.url, Some(&j.user))?, &j.user)?,
        None => None,
    };
    store.team_leave()?;
    Ok(forgot)
}

/// Pushes what this log has that the joined server has not, then pulls what the login may
/// see (`salesdojo sync`, the app's "sync now").
pub fn sync_joined(store: &mut super::Store) -> Result<sync::SyncCounts> {
    let j = store.joined()?.ok_or(TeamError::NotJoined)?;
    let server = Server::parse(&j.url, Some(&j.user))?;
    let mut client = server.connect(None)?;
    sync::sync(store, &mut client)
}

/// Where a joined log stands (`salesdojo team status`, the app's team window).
#[derive(Debug)]
pub struct Status {
    /// The server as shown to people (no password).
    pub server: String,
    pub user: String,
    pub role: String,
    /// Rows written here and not yet on the server.
    pub waiting: sync::Waiting,
    /// When the last sync ended (UTC, RFC 3339), if ever.
    pub last_sync: Option<String>,
    /// Signed in now: the server's schema version and its clock minus this machine's, in
    /// milliseconds; or why not (practice goes on offline).
    pub online: Result<(i32, i64)>,
}

/// The joined log's status, with a fresh sign-in to check the server; `None` when the log
/// is not joined to a team.
pub fn status(store: &super::Store) -> Result<Option<Status>> {
    let Some((mut st, server)) = local_status(store)? else {
        return Ok(None);
    };
    st.online = check_online(&server);
    Ok(Some(st))
}

/// The part of [`status`] this machine knows without the server (its `online` says it was
/// not checked), and the server to check with [`check_online`]: a front end shows this
/// first, whatever the server does.
pub fn local_status(store: &super::Store) -> Result<Option<(Status, Server)>> {
    let Some(j) = store.joined()? else {
        return Ok(None);
    };
    let waiting = store.team_waiting()?;
    let server = Server::parse(&j.url, Some(&j.user))?;
    Ok(Some((
        Status {
            server: server.shown(),
            user: j.user,
            role: j.role,
            waiting,
            last_sync: j.last_sync,
            online: Err(TeamError::NotChecked),
        },
        server,
    )))
}

/// Signs in to the joined server: its schema version and its clock minus this machine's, in
/// milliseconds; or why not (within the connect timeout).
pub fn check_online(server: &Server) -> Result<(i32, i64)> {
    server.connect(None).and_then(|mut client| {
        let before = chrono::Utc::now();
        let now: String = client
            .query_one(
                "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
                &[],
            )
            .map_err(|e| TeamError::Server(e.to_string()))?
            .try_get(0)
            .map_err(|e| TeamError::Server(e.to_string()))?;
        let after = chrono::Utc::now();
        let server_now = chrono::DateTime::parse_from_rfc3339(&now)
            .map_err(|e| TeamError::Server(e.to_string()))?;
        let local_mid = before + (after - before) / 2;
        let skew = (server_now.with_timezone(&chrono::Utc) - local_mid).num_milliseconds();
        Ok((server_version(&mut client)?, skew))
    })
}

/// Whether a `--db` value is a team server's address rather than a file.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// This machine's log for a team login: in the data folder, one per server and login.
fn local_log(server: &Server, user: &str) -> crate::store::Result<std::path::PathBuf> {
    let dir = crate::store::default_path()
        .and_then(|p| p.parent().map(|d| d.join("team")))
        .ok_or_else(|| crate::store::StoreError::Open {
            path: "(no home folder)".into(),
            reason: "no per-user data folder on this system for the team's local log".into(),
        })?;
    std::fs::create_dir_all(&dir).map_err(|e| crate::store::StoreError::Open {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    Ok(dir.join(format!(
        "{}-{}-{}-{}.db",
        safe(&server.host()),
        server.port(),
        safe(server.dbname()),
        safe(user)
    )))
}

/// `--db postgres://LOGIN@HOST/DATABASE`: this machine's log for that login (in the data
/// folder, one per server and login), with reports read from the server; see
/// [`open_team_at`].
pub fn open_team(url: &str, report_url: Option<&str>) -> crate::store::Result<super::Store> {
    let server = Server::parse(url, None).map_err(|e| crate::store::StoreError::Open {
        path: url.to_owned(),
        reason: e.to_string(),
    })?;
    let user = server.user().unwrap_or_default().to_owned();
    let local = local_log(&server, &user)?;
    open_team_at(url, report_url, None, &local)
}

/// The log at `local` for the login in `url` (practice writes there first and syncs), with
/// reports, the review view and exports read from the server — or from `report_url` (a
/// streaming replica) when given. `password`: else `PGPASSWORD` or the password file. When
/// the server cannot be reached, the local log alone, with a notice on standard error.
pub fn open_team_at(
    url: &str,
    report_url: Option<&str>,
    password: Option<&str>,
    local: &std::path::Path,
) -> crate::store::Result<super::Store> {
    let open_err = |reason: String| crate::store::StoreError::Open {
        path: url.to_owned(),
        reason,
    };
    let server = Server::parse(url, None).map_err(|e| open_err(e.to_string()))?;
    let user = server
        .user()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            open_err("give your login in the address: postgres://LOGIN@HOST/DATABASE".into())
        })?
        .to_owned();
    let mut store = super::Store::open(local)?;
    let mut client = match server.connect(password) {
        Ok(c) => c,
        Err(e @ TeamError::Unreachable { .. }) => {
            eprintln!("salesdojo: {e}; working on this machine's copy");
            return Ok(store);
        }
        Err(e) => return Err(open_err(e.to_string())),
    };
    let joined = store.joined()?;
    if joined
        .as_ref()
        .is_none_or(|j| j.url != server.url_to_keep() || j.user != user)
    {
        link(&mut store, &server, &mut client).map_err(|e| open_err(e.to_string()))?;
    } else {
        check_schema(&mut client).map_err(|e| open_err(e.to_string()))?;
    }
    let reports = match report_url {
        Some(r) => {
            let replica = Server::parse(r, Some(&user)).map_err(|e| open_err(e.to_string()))?;
            let mut c = replica
                .connect(password)
                .map_err(|e| open_err(e.to_string()))?;
            check_schema(&mut c).map_err(|e| open_err(e.to_string()))?;
            report::Remote::new(c, replica.shown())
        }
        None => report::Remote::new(client, server.shown()),
    };
    store.read_from_team_server(Some(reports));
    Ok(store)
}
