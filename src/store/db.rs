//! The one place that opens database files.
//!
//! SQLite's locks are POSIX advisory locks, and POSIX drops *every* lock a process holds on a
//! file as soon as the process closes *any* descriptor of that file. A plain `File::open` of
//! the database followed by a close, while a connection is open, silently drops that
//! connection's shared lock: the next program that reads the file then believes it is the
//! last user, checkpoints the write-ahead log and deletes it, and every reply committed after
//! that goes to a deleted file (SQLite's "How To Corrupt An SQLite Database File", 2.2).
//! SQLite itself knows this and keeps such descriptors open until the last lock is released.
//!
//! So a database file (and its `-wal`, `-shm` and `-journal`) is only ever opened through
//! SQLite, and only here: [`connect`] recognises a file that is not a database by asking
//! SQLite to read its header, never by reading bytes itself. `clippy.toml` forbids
//! `rusqlite::Connection::open*` everywhere else, and a test below checks that no other
//! module of the store opens files.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::{BUSY_TIMEOUT, Result, StoreError};

/// How a database is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Read and write, creating an empty database when the file does not exist.
    Create,
    /// Read only; the file must exist. Nothing is written, not even the journal mode.
    ReadOnly,
}

/// A connection to the database at `path`, with its schema version (`user_version`) read
/// through SQLite before anything writes to the file. A file that is not an SQLite database
/// (or whose header is damaged) is [`StoreError::NotADatabase`], untouched.
pub(crate) fn connect(path: &Path, access: Access) -> Result<(Connection, i64)> {
    let shown = path.display().to_string();
    let open_err = |reason: String| StoreError::Open {
        path: shown.clone(),
        reason,
    };
    if path.is_dir() {
        return Err(open_err("it is a folder".into()));
    }
    match access {
        Access::Create => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && !dir.is_dir()
            {
                return Err(open_err(format!(
                    "the folder '{}' does not exist",
                    dir.display()
                )));
            }
        }
        Access::ReadOnly => {
            if !path.exists() {
                return Err(open_err("no such file".into()));
            }
        }
    }
    let flags = match access {
        Access::Create => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        Access::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    #[allow(clippy::disallowed_methods)] // the one place that opens a database
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_err(e.to_string()))?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Reading the header is SQLite's own check that this is a database.
    let version: i64 = match conn.query_row("PRAGMA user_version", [], |r| r.get(0)) {
        Ok(v) => v,
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
            ) =>
        {
            return Err(StoreError::NotADatabase { path: shown });
        }
        Err(e) => return Err(open_err(e.to_string())),
    };
    Ok((conn, version))
}

/// The files SQLite keeps beside a database.
pub(crate) fn companions(path: &Path) -> [std::path::PathBuf; 4] {
    let with = |suffix: &str| {
        let mut s = path.as_os_str().to_owned();
        s.push(suffix);
        std::path::PathBuf::from(s)
    };
    [
        path.to_path_buf(),
        with("-wal"),
        with("-shm"),
        with("-journal"),
    ]
}

/// Whether `target` is the database at `db` or one of its companion files (so that writing
/// to it would destroy the database). Compares canonical paths where they exist.
pub fn is_database_file(target: &Path, db: &Path) -> bool {
    let canon = |p: &Path| -> std::path::PathBuf {
        // A file that does not exist yet: its folder canonicalised, then its name.
        match (p.parent(), p.file_name()) {
            (Some(dir), Some(name)) => {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                dir.canonicalize()
                    .map(|d| d.join(name))
                    .unwrap_or_else(|_| p.to_path_buf())
            }
            _ => p.to_path_buf(),
        }
    };
    let target = canon(target);
    companions(db).iter().any(|c| canon(c) == target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every module of the store, and every command that handles database paths, opens files
    /// only through SQLite. (Files that read playbooks or write exports are not database
    /// files; they are listed here by name.)
    #[test]
    fn nothing_else_opens_a_database_file_outside_sqlite() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let forbidden = [
            "File::open",
            "OpenOptions",
            "fs::copy",
            "fs::read(",
            "fs::read_to_string",
            "Connection::open(",
            "open_with_flags",
        ];
        // Files that open content or export files, never a database path.
        let allowed: &[(&str, &[&str])] = &[
            (
                "store/db.rs",
                &[
                    "Connection::open(",
                    "open_with_flags",
                    "File::open",
                    "OpenOptions",
                    "fs::copy",
                    "fs::read(",
                    "fs::read_to_string",
                ],
            ),
            ("playbook/load.rs", &["File::open"]),
            ("author.rs", &["fs::read_to_string"]),
            ("gui/views/author/mod.rs", &["fs::read_to_string"]),
            ("cli/calibrate.rs", &["fs::read_to_string"]),
            ("playbook/locales.rs", &["fs::read_to_string"]),
            // The team password file (libpq's .pgpass format), never a database.
            (
                "store/team/pgpass.rs",
                &["fs::read_to_string", "OpenOptions"],
            ),
        ];
        let mut found = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("src is readable") {
                let p = entry.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let rel = p
                    .strip_prefix(&root)
                    .expect("under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                let ok: &[&str] = allowed
                    .iter()
                    .find(|(f, _)| *f == rel)
                    .map_or(&[], |(_, a)| a);
                let text = std::fs::read_to_string(&p).expect("source is text");
                for (n, line) in text.lines().enumerate() {
                    for f in forbidden {
                        if line.contains(f) && !ok.contains(&f) {
                            found.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
                        }
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "files opened outside store::db (a database file must only be opened through SQLite):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn an_export_over_the_database_is_recognised() {
        let dir = tempfile::tempdir().expect("temp");
        let db = dir.path().join("p.db");
        assert!(is_database_file(&db, &db));
        assert!(is_database_file(&dir.path().join("p.db-wal"), &db));
        assert!(is_database_file(&dir.path().join("./p.db-shm"), &db));
        assert!(!is_database_file(&dir.path().join("p.csv"), &db));
    }
}
