//! Sync between the local progress log and the team server: push what the server lacks, then
//! pull what this login may see.
//!
//! Attempts, replies, live events and reviews are append-only and named by UUIDs chosen on the
//! machine that made them; the one change an attempt ever sees is its end (in progress →
//! completed or abandoned, once). So two machines never write the same row differently, and
//! sync needs no conflict resolution: a push inserts with `ON CONFLICT DO NOTHING` (running it
//! again changes nothing), ends an attempt only while the server still has it in progress,
//! and a pull merges with the local log by id.
//!
//! Each push step is one server transaction; the local log notes what the server has
//! (`team_known`) only after that transaction committed. A push cut short anywhere (the
//! server stopped, the client killed) leaves either nothing or a committed step whose note
//! was not yet written; the next sync sends that step again and the server ignores it.
//!
//! The parts: [`local`] keeps this log's side (what is joined, what the server has, what is
//! waiting), [`push`] sends, [`pull`] brings in, [`background`] runs a sync after each write on
//! a thread of its own.

mod background;
mod local;
mod pull;
mod push;

use postgres::Client;
use serde::Serialize;

use super::{Result, TeamError};
use crate::store::{Store, StoreError, stamp};
use chrono::Utc;

pub use background::{Background, BackgroundState, Syncing};
pub use pull::pull;
pub use push::push;

/// Rows sent to the server in one transaction.
const CHUNK: usize = 2000;

/// [`CHUNK`], or `SALESDOJO_SYNC_CHUNK` when set (smaller steps for tests that cut a push
/// in the middle, and for links so slow that 2 000 rows take too long).
fn chunk() -> usize {
    std::env::var("SALESDOJO_SYNC_CHUNK")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(CHUNK)
}

/// What this database is joined to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Joined {
    pub url: String,
    pub user: String,
    /// The local trainee row the login writes as.
    pub trainee_id: String,
    pub role: String,
    pub last_sync: Option<String>,
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncCounts {
    pub pushed_attempts: u64,
    pub pushed_replies: u64,
    pub pushed_ends: u64,
    pub pushed_events: u64,
    pub pushed_reviews: u64,
    pub pulled_attempts: u64,
    pub pulled_replies: u64,
    pub pulled_reviews: u64,
    /// Pulled attempts the server's verifier had already judged.
    pub pulled_verdicts: u64,
    /// Published playbook versions brought in (or repaired).
    pub pulled_published: usize,
}

/// Rows written here that the server does not have yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub attempts: u64,
    pub replies: u64,
    pub ends: u64,
    pub events: u64,
    pub reviews: u64,
    /// Attempts of other local trainees (recorded here before joining, or under another
    /// name) that sync never sends: `salesdojo team claim NAME` moves them to the login.
    /// Not in [`Waiting::total`].
    pub unclaimed: u64,
}

impl Waiting {
    pub fn total(&self) -> u64 {
        self.attempts + self.replies + self.ends + self.events + self.reviews
    }
}

fn server_err(e: postgres::Error) -> TeamError {
    match e.as_db_error() {
        Some(d) if d.code().code() == "42501" => TeamError::Denied(d.message().to_owned()),
        Some(d) => TeamError::Server(d.message().to_owned()),
        None => TeamError::Unreachable {
            server: "the team server".into(),
            reason: super::error_chain(&e),
        },
    }
}

/// Pushes what the server lacks, then pulls what this login may see.
pub fn sync(store: &mut Store, client: &mut Client) -> Result<SyncCounts> {
    let j = store.joined()?.ok_or(TeamError::NotJoined)?;
    crate::store::team::check_schema(client)?;
    let mut counts = SyncCounts::default();
    push(store, client, &j, &mut counts)?;
    pull(store, client, &mut counts)?;
    counts.pulled_published = pull::pull_published(store, client)?;
    store.team_set("last_sync", &stamp(Utc::now()))?;
    Ok(counts)
}

fn local<T>(r: rusqlite::Result<T>) -> Result<T> {
    r.map_err(|e| TeamError::Store(StoreError::from(e)))
}
