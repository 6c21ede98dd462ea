//! The password file, in libpq's `.pgpass` format (`host:port:database:user:password`, `:`
//! and `\` escaped with `\`), so `psql` reads it too. It is `PGPASSFILE` when set, else
//! `pgpass` in salesdojo's config folder; it is written readable only by its owner.

use std::io::Write;
use std::path::PathBuf;

use super::{Result, Server, TeamError};

/// Where the password file is.
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "salesdojo").map(|d| d.config_dir().join("pgpass"))
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace(':', "\\:")
}

/// Splits a line on unescaped `:` and unescapes the fields.
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(f)) = (chars.next(), out.last_mut()) {
                    f.push(n);
                }
            }
            ':' => out.push(String::new()),
            c => {
                if let Some(f) = out.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    out
}

fn matches(field: &str, value: &str) -> bool {
    field == "*" || field == value
}

/// The password for `user` at `server` from the file, as libpq would find it (the first
/// matching line wins; `*` matches anything).
pub fn lookup(server: &Server, user: &str) -> Option<String> {
    let text = std::fs::read_to_string(path()?).ok()?;
    let port = server.port().to_string();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(fields)
        .find(|f| {
            f.len() == 5
                && matches(&f[0], &server.host())
                && matches(&f[1], &port)
                && matches(&f[2], server.dbname())
                && matches(&f[3], user)
        })
        .map(|mut f| f.swap_remove(4))
}

/// The file's lines other than the one for `user` at `server`, and whether there was one.
fn lines_without(file: &std::path::Path, server: &Server, user: &str) -> (Vec<String>, bool) {
    let port = server.port().to_string();
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let all = text.lines().count();
    let kept: Vec<String> = text
        .lines()
        .filter(|l| {
            let f = fields(l);
            !(f.len() == 5
                && f[0] == server.host()
                && f[1] == port
                && f[2] == server.dbname()
                && f[3] == user)
        })
        .map(str::to_owned)
        .collect();
    let found = kept.len() != all;
    (kept, found)
}

/// Writes the password file anew (beside it, then renamed over it), readable and writable
/// only by its owner.
fn write_lines(file: &std::path::Path, lines: &[String]) -> Result<()> {
    let io = |e: std::io::Error| TeamError::Io(format!("{}: {e}", file.display()));
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = file.with_extension("tmp");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(io)?;
        }
        let text = if lines.is_empty() {
            String::new()
        } else {
            lines.join("\n") + "\n"
        };
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, file).map_err(io)?;
    Ok(())
}

/// Stores the password for `user` at `server`, replacing an earlier one for the same place,
/// in a file only its owner can read or write. Returns the file.
pub fn store(server: &Server, user: &str, password: &str) -> Result<PathBuf> {
    let file =
        path().ok_or_else(|| TeamError::Io("no home folder for the password file".into()))?;
    let key = [
        escape(&server.host()),
        server.port().to_string(),
        escape(server.dbname()),
        escape(user),
    ];
    let (mut lines, _) = lines_without(&file, server, user);
    lines.push(format!("{}:{}", key.join(":"), escape(password)));
    write_lines(&file, &lines)?;
    Ok(file)
}

/// Removes the password for `user` at `server` from the file (leaving a team); the file,
/// when it held one.
pub fn forget(server: &Server, user: &str) -> Result<Option<PathBuf>> {
    let Some(file) = path() else {
        return Ok(None);
    };
    let (lines, found) = lines_without(&file, server, user);
    if !found {
        return Ok(None);
    }
    write_lines(&file, &lines)?;
    Ok(Some(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_fields_round_trip() {
        let line = format!("h:5432:db:{}:{}", escape("a:b"), escape("p\\w:d"));
        assert_eq!(fields(&line), vec!["h", "5432", "db", "a:b", "p\\w:d"]);
    }
}
