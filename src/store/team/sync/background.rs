//! Syncing in the background after each committed write.

use chrono::Utc;
use postgres::Client;

use super::SyncCounts;
use super::{pull, push};
use crate::store::team::{Result, Server, TeamError};
use crate::store::{ProgressLog, Store, stamp};

/// How often the background sync also pulls (it pushes after every write).
const PULL_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// What the background sync last did.
#[derive(Debug, Clone, Default)]
pub struct BackgroundState {
    pub syncs: u64,
    pub last: Option<std::result::Result<SyncCounts, String>>,
}

/// Syncs in the background after each committed write, on its own thread with its own
/// connection to the local log: the caller never waits on the network. Pokes that arrive
/// while a sync runs are folded into one more sync.
pub struct Background {
    tx: Option<std::sync::mpsc::Sender<()>>,
    handle: Option<std::thread::JoinHandle<()>>,
    state: std::sync::Arc<std::sync::Mutex<BackgroundState>>,
}

impl Background {
    /// Starts syncing the log at `path` when it is joined to a team; `None` otherwise.
    pub fn start(path: &std::path::Path) -> Option<Background> {
        let joined = Store::open(path).ok()?.joined().ok()??;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let state = std::sync::Arc::new(std::sync::Mutex::new(BackgroundState::default()));
        let shared = state.clone();
        let path = path.to_path_buf();
        let handle = std::thread::Builder::new()
            .name("salesdojo-sync".into())
            .spawn(move || {
                let mut client: Option<Client> = None;
                let mut store: Option<Store> = None;
                let mut last_pull: Option<std::time::Instant> = None;
                // A sign-in the server refused (a wrong or missing password) is not tried
                // again after every reply: a company directory locks a login out after a
                // few. `salesdojo sync` or joining again tries it.
                let mut refused: Option<String> = None;
                while rx.recv().is_ok() {
                    while rx.try_recv().is_ok() {}
                    let outcome = (|| -> Result<SyncCounts> {
                        if let Some(why) = &refused {
                            return Err(TeamError::Invalid(why.clone()));
                        }
                        if store.is_none() {
                            store = Some(Store::open(&path)?);
                        }
                        let s = store.as_mut().ok_or(TeamError::NotJoined)?;
                        if client.as_mut().is_none_or(|c| c.is_closed()) {
                            let server = Server::parse(&joined.url, Some(&joined.user))?;
                            let mut c = match server.connect(None) {
                                Err(
                                    e @ (TeamError::WrongPassword { .. }
                                    | TeamError::NoPassword { .. }),
                                ) => {
                                    refused = Some(e.to_string());
                                    return Err(e);
                                }
                                r => r?,
                            };
                            crate::store::team::check_schema(&mut c)?;
                            client = Some(c);
                        }
                        let c = client.as_mut().ok_or(TeamError::NotJoined)?;
                        // What was just written goes up at once; pulling what others wrote
                        // can wait for the next quiet moment.
                        let mut counts = SyncCounts::default();
                        let j = s.joined()?.ok_or(TeamError::NotJoined)?;
                        let mut r = push(s, c, &j, &mut counts);
                        if r.is_ok() && last_pull.is_none_or(|t| t.elapsed() >= PULL_EVERY) {
                            r = pull(s, c, &mut counts).and_then(|()| {
                                counts.pulled_published = super::pull::pull_published(s, c)?;
                                Ok(())
                            });
                            last_pull = Some(std::time::Instant::now());
                        }
                        if r.is_ok() {
                            s.team_set("last_sync", &stamp(Utc::now()))?;
                        } else {
                            client = None;
                        }
                        r.map(|()| counts)
                    })();
                    if let Ok(mut s) = shared.lock() {
                        s.syncs += 1;
                        s.last = Some(outcome.map_err(|e| e.to_string()));
                    }
                }
            })
            .ok()?;
        Some(Background {
            tx: Some(tx),
            handle: Some(handle),
            state,
        })
    }

    /// Asks for a sync (returns at once).
    pub fn poke(&self) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(());
        }
    }

    pub fn state(&self) -> BackgroundState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// How long a closing app or role-play lets a sync in flight finish: what is not sent by then
/// stays in the local log and goes at the next sync.
const LAST_SYNC_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Drop for Background {
    fn drop(&mut self) {
        self.tx = None;
        let deadline = std::time::Instant::now() + LAST_SYNC_WAIT;
        if let Some(h) = self.handle.take() {
            while !h.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            if h.is_finished() {
                let _ = h.join();
            }
        }
    }
}

/// A progress log that asks for a background sync after each committed write.
pub struct Syncing<L> {
    pub log: L,
    pub background: Option<Background>,
}

impl<L> Syncing<L> {
    fn poke(&self) {
        if let Some(b) = &self.background {
            b.poke();
        }
    }
}

impl<L: ProgressLog> ProgressLog for Syncing<L> {
    fn trainee(
        &mut self,
        name: &str,
        team: Option<&str>,
    ) -> crate::store::Result<crate::store::Trainee> {
        self.log.trainee(name, team)
    }
    fn start_attempt(&mut self, a: &crate::store::NewAttempt<'_>) -> crate::store::Result<()> {
        self.log.start_attempt(a)?;
        self.poke();
        Ok(())
    }
    fn record_reply(
        &mut self,
        reply_id: &str,
        attempt_id: &str,
        seq: u32,
        r: &crate::practice::ReplyRecord,
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log.record_reply(reply_id, attempt_id, seq, r, at)?;
        self.poke();
        Ok(())
    }
    fn finish_attempt(
        &mut self,
        attempt_id: &str,
        s: &crate::practice::Summary,
        weights: &[(String, f64)],
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log.finish_attempt(attempt_id, s, weights, at)?;
        self.poke();
        Ok(())
    }
    fn finish_and_certify(
        &mut self,
        attempt_id: &str,
        s: &crate::practice::Summary,
        weights: &[(String, f64)],
        at: chrono::DateTime<Utc>,
        scenarios: &[String],
    ) -> crate::store::Result<()> {
        self.log
            .finish_and_certify(attempt_id, s, weights, at, scenarios)?;
        self.poke();
        Ok(())
    }
    fn finish_visit(
        &mut self,
        attempt_id: &str,
        s: &crate::practice::live::LiveSummary,
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log.finish_visit(attempt_id, s, at)?;
        self.poke();
        Ok(())
    }
    fn abandon_attempt(
        &mut self,
        attempt_id: &str,
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log.abandon_attempt(attempt_id, at)?;
        self.poke();
        Ok(())
    }
    fn unfinished(&self, trainee_id: &str) -> crate::store::Result<Vec<crate::store::Unfinished>> {
        self.log.unfinished(trainee_id)
    }
    fn unfinished_visits(
        &self,
        trainee_id: &str,
    ) -> crate::store::Result<Vec<crate::store::UnfinishedVisit>> {
        self.log.unfinished_visits(trainee_id)
    }
    fn live_event(
        &mut self,
        attempt_id: &str,
        kind: &str,
        stage: Option<&str>,
        item: Option<&str>,
        value: Option<&str>,
        at: chrono::DateTime<Utc>,
    ) -> crate::store::Result<()> {
        self.log
            .live_event(attempt_id, kind, stage, item, value, at)?;
        self.poke();
        Ok(())
    }
}
