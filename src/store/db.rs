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
    // A name that begins `file:` is a name, never a URI.
    let path = &if path.as_os_str().as_encoded_bytes().starts_with(b"file:") {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    };
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
        Access::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let name = match access {
        Access::Create => path.as_os_str().to_owned(),
        Access::ReadOnly => read_only_uri(path).into(),
    };
    #[allow(clippy::disallowed_methods)] // the one place that opens a database
    let conn = Connection::open_with_flags(&name, flags).map_err(|e| {
        open_err(match access {
            Access::Create => why_not_writable(path).unwrap_or_else(|| e.to_string()),
            Access::ReadOnly => e.to_string(),
        })
    })?;
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
        Err(e) => {
            return Err(open_err(match access {
                Access::Create => why_not_writable(path).unwrap_or_else(|| e.to_string()),
                Access::ReadOnly => e.to_string(),
            }));
        }
    };
    Ok((conn, version))
}

/// The URI by which SQLite opens `path` read-only, for a file that is not this program's
/// progress log (a file to merge, a backup to replace): `mode=ro`, and `immutable=1` when no
/// write-ahead log lies beside it, so that SQLite creates no `-wal` or `-shm` file next to
/// someone else's file (there is no log to read). Every byte outside the unreserved set is
/// percent-encoded, so `?`, `#` and `%` in a name are only ever part of the name.
pub(crate) fn read_only_uri(path: &Path) -> String {
    let mut uri = format!("file:{}", percent_encoded_path(path));
    uri.push_str("?mode=ro");
    let [_, wal, ..] = companions(path);
    if !wal.exists() {
        uri.push_str("&immutable=1");
    }
    uri
}

/// `path`, made absolute, with every byte outside the unreserved set and `/`
/// percent-encoded: a path as a URI (SQLite's `file:`) or an address parameter (libpq's
/// `sslrootcert=`) takes it, `?`, `#`, `%`, `&` and spaces only ever part of the name.
pub(crate) fn percent_encoded_path(path: &Path) -> String {
    use std::fmt::Write as _;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for &b in absolute.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Why a database at `path` cannot be opened for writing, when its folder or file system
/// says so (a read-only mount, a folder without write permission): SQLite itself only says
/// "unable to open database file".
pub(crate) fn why_not_writable(path: &Path) -> Option<String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // A file that is created and removed again at once, beside the database (never the
    // database itself: see the top of this file).
    let probe = dir.join(format!(".salesdojo-write-check-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            None
        }
        Err(e) => not_writable(dir, &e),
    }
}

/// What an error creating a file in `dir` says about writing there.
fn not_writable(dir: &Path, e: &std::io::Error) -> Option<String> {
    // EROFS: the same number on Linux, the BSDs and macOS.
    match e {
        e if e.raw_os_error() == Some(30) => Some(format!(
            "the folder '{}' is on a read-only file system; give a database elsewhere with --db PATH (or SALESDOJO_DB)",
            dir.display()
        )),
        e if e.kind() == std::io::ErrorKind::PermissionDenied => Some(format!(
            "the folder '{}' is not writable by this user; give a database elsewhere with --db PATH (or SALESDOJO_DB)",
            dir.display()
        )),
        _ => None,
    }
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
    // The same file under another name: a symbolic link resolves to it, a hard link shares
    // its device and inode.
    let same_file = |a: &Path, b: &Path| -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
                return x.dev() == y.dev() && x.ino() == y.ino();
            }
        }
        match (a.canonicalize(), b.canonicalize()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        }
    };
    let canon_target = canon(target);
    companions(db)
        .iter()
        .any(|c| canon(c) == canon_target || same_file(c, target))
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
            "File::create",
            "OpenOptions",
            "fs::copy",
            "fs::read(",
            "fs::read_to_string",
            "fs::write",
            "fs::rename",
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
                    // (the write check beside a database: a new file, never the database)
                    "File::create",
                    "fs::write",
                    // (named in this test)
                    "fs::rename",
                ],
            ),
            // Content files, opened without blocking (O_NONBLOCK) and checked to be regular.
            ("playbook/load.rs", &["OpenOptions"]),
            // The trainer's own playbooks and scripts: written beside and renamed over.
            (
                "author.rs",
                &[
                    "fs::read_to_string",
                    "File::create",
                    "fs::rename",
                    "fs::write",
                ],
            ),
            // A translation record beside a playbook.
            ("cli/validate.rs", &["fs::write"]),
            // The backup, written through SQLite beside DEST, renamed over a backup it made.
            ("store/backup.rs", &["fs::rename"]),
            // Export files (never the database: `is_database_file` is checked first).
            ("store/export.rs", &["File::create", "fs::rename"]),
            ("gui/views/author/mod.rs", &["fs::read_to_string"]),
            // The graded reading's model: read before it is written over (only a model is).
            ("cli/calibrate.rs", &["fs::read_to_string", "fs::write"]),
            // A trainer's own reading model (SALESDOJO_READING).
            ("practice/reading.rs", &["fs::read_to_string"]),
            // A playbook's graded replies, NAME.graded.jsonl beside it (appended to), and
            // the test that writes one.
            (
                "calibrate.rs",
                &[
                    "fs::read_to_string",
                    "fs::read(",
                    "OpenOptions",
                    "fs::write",
                ],
            ),
            ("playbook/locales.rs", &["fs::read_to_string"]),
            // Its test reads the front ends' sources for per-language format! calls.
            ("msg.rs", &["fs::read_to_string"]),
            // Its test reads the graded replies kept under tests/fixtures.
            ("text/negation.rs", &["fs::read_to_string"]),
            // The team password file (libpq's .pgpass format), never a database.
            (
                "store/team/pgpass.rs",
                &["fs::read_to_string", "OpenOptions", "fs::rename"],
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
    fn a_read_only_folder_is_named_as_the_reason() {
        let dir = Path::new("/media/stick");
        let rofs = std::io::Error::from_raw_os_error(30);
        let said = not_writable(dir, &rofs).expect("read-only");
        assert!(said.contains("read-only file system"), "{said}");
        assert!(
            said.contains("/media/stick") && said.contains("--db"),
            "{said}"
        );
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(not_writable(dir, &denied).is_some_and(|s| s.contains("not writable")));
        assert_eq!(not_writable(dir, &std::io::Error::other("x")), None);
    }

    /// A symbolic or hard link to the database is the database.
    #[cfg(unix)]
    #[test]
    fn a_link_to_the_database_is_the_database() {
        let dir = tempfile::tempdir().expect("temp");
        let db = dir.path().join("p.db");
        std::fs::write(&db, b"").expect("file");
        let soft = dir.path().join("soft.db");
        let hard = dir.path().join("hard.db");
        std::os::unix::fs::symlink(&db, &soft).expect("symlink");
        std::fs::hard_link(&db, &hard).expect("hard link");
        assert!(is_database_file(&soft, &db));
        assert!(is_database_file(&hard, &db));
        assert!(!is_database_file(&dir.path().join("other.db"), &db));
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
