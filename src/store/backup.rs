//! `salesdojo backup DEST`: a consistent copy of the progress log while it is in use, through
//! SQLite's online backup API.
//!
//! The copy is made in one read transaction (every page in one step), so it is the database
//! as it was at one instant, whatever other programs write meanwhile (in write-ahead-log mode
//! a reader never blocks a writer). It is written to a new file beside DEST through SQLite,
//! checked, and renamed over DEST, so a failed backup never leaves half a file where an older
//! backup was.
//!
//! A backup carries a mark in its header ([`BACKUP_MARK`], SQLite's `application_id`), and
//! only a file with that mark is ever replaced: another progress database (someone's live
//! history), a database opened as a progress log since it was made (it may hold new
//! practice), any other file and a symbolic link at DEST are refused, untouched.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::backup::{Backup, StepResult};

use super::db::{Access, connect, is_database_file};
use super::{Result, Store, StoreError};

/// The `application_id` of a backup file salesdojo made ("SDBK"). A progress database has
/// none (0); opening a backup as a progress log clears it ([`crate::store::Store::open`]).
pub const BACKUP_MARK: i32 = 0x5344_424B;

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub attempts: u64,
    pub replies: u64,
    pub bytes: u64,
    pub millis: u64,
}

impl Store {
    /// Backs the database up to `dest` (a file, or a folder to put a dated file in). An
    /// existing `dest` is replaced only when it is itself a salesdojo database.
    pub fn backup(&self, dest: &Path) -> Result<BackupReport> {
        let t = Instant::now();
        let dest = if dest.is_dir() {
            dest.join(format!(
                "salesdojo-{}.db",
                chrono::Local::now().format("%Y%m%d-%H%M%S")
            ))
        } else {
            dest.to_path_buf()
        };
        let shown = dest.display().to_string();
        let refuse = |reason: &str| StoreError::Open {
            path: shown.clone(),
            reason: reason.to_owned(),
        };
        if is_database_file(&dest, self.path()) {
            return Err(refuse("it is the database being backed up"));
        }
        match std::fs::symlink_metadata(&dest) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(refuse(
                    "it is a symbolic link; it was neither followed nor replaced: give the file itself, or a folder",
                ));
            }
            Ok(m) if !m.is_file() => {
                return Err(refuse("it is not a regular file, so it was not replaced"));
            }
            Ok(_) => {
                let mark = connect(&dest, Access::ReadOnly).and_then(|(c, _)| {
                    Ok(c.query_row("PRAGMA application_id", [], |r| r.get::<_, i32>(0))?)
                });
                match mark {
                    Ok(BACKUP_MARK) => {}
                    Ok(_) => {
                        return Err(refuse(
                            "it is a salesdojo database but not a backup this command made (a live progress database, or a backup opened as one since), so it was not replaced: give a new file name, or a folder",
                        ));
                    }
                    Err(_) => {
                        return Err(refuse(
                            "it exists and is not a salesdojo backup, so it was not replaced",
                        ));
                    }
                }
            }
            Err(_) => {}
        }
        let name = dest
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let tmp = dest.with_file_name(format!(".{name}.writing"));
        for f in super::db::companions(&tmp) {
            let _ = std::fs::remove_file(f);
        }
        let result = (|| -> Result<(u64, u64)> {
            let (mut to, _) = connect(&tmp, Access::Create)?;
            {
                let b = Backup::new(self.conn(), &mut to)?;
                // Every page in one step: one read transaction, one consistent instant.
                loop {
                    match b.step(-1)? {
                        StepResult::Done => break,
                        StepResult::More | StepResult::Busy | StepResult::Locked => {
                            std::thread::sleep(std::time::Duration::from_millis(20));
                        }
                        _ => std::thread::sleep(std::time::Duration::from_millis(20)),
                    }
                }
            }
            // The mark that lets a later backup replace this one, and nothing else.
            to.pragma_update(None, "application_id", BACKUP_MARK)?;
            // A backup is a single file: no write-ahead log beside it.
            let _: String = to.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
            let check: String = to.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(StoreError::Sqlite(format!(
                    "the backup did not check out: {check}"
                )));
            }
            let count = |table: &str| -> Result<u64> {
                Ok(
                    to.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| {
                        r.get::<_, i64>(0)
                    })? as u64,
                )
            };
            let counts = (count("attempts")?, count("replies")?);
            to.close().map_err(|(_, e)| StoreError::from(e))?;
            Ok(counts)
        })();
        let (attempts, replies) = match result {
            Ok(c) => c,
            Err(e) => {
                for f in super::db::companions(&tmp) {
                    let _ = std::fs::remove_file(f);
                }
                return Err(e);
            }
        };
        std::fs::rename(&tmp, &dest).map_err(|e| refuse(&e.to_string()))?;
        let bytes = std::fs::metadata(&dest).map_or(0, |m| m.len());
        Ok(BackupReport {
            path: dest,
            attempts,
            replies,
            bytes,
            millis: t.elapsed().as_millis() as u64,
        })
    }
}
