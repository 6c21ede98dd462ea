//! The trainer's folder, watched for changes other programs make: changes are gathered for a
//! short pause (an editor's save is several events), then handed over to reload.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::author::{Watcher, Workspace};

/// Changes on disk are gathered for this long before reloading.
const RELOAD_AFTER: Duration = Duration::from_millis(200);

#[derive(Default)]
pub struct FolderWatch {
    watcher: Option<Watcher>,
    tried: bool,
    /// Content files changed on disk, and when to reload for them.
    changed: Vec<PathBuf>,
    reload_at: Option<Instant>,
}

impl FolderWatch {
    /// Watch again from scratch (the folder's subfolders may be new).
    pub fn restart(&mut self) {
        self.watcher = None;
        self.tried = false;
    }

    /// Per frame: starts watching once the folder exists, gathers what changed, and returns
    /// the changed files once the pause after the last change is over.
    pub fn poll(
        &mut self,
        ws: &Workspace,
        ctx: &egui::Context,
        error: &mut Option<String>,
    ) -> Option<Vec<PathBuf>> {
        if self.watcher.is_none() && !self.tried && ws.playbooks_dir().is_dir() {
            self.tried = true;
            let wake = ctx.clone();
            match Watcher::start(&ws.watched(), move || {
                wake.request_repaint_after(RELOAD_AFTER)
            }) {
                Ok(w) => self.watcher = Some(w),
                Err(e) => {
                    *error = Some(format!(
                        "cannot watch {} for changes: {e}",
                        ws.playbooks_dir().display()
                    ))
                }
            }
        }
        if let Some(w) = &self.watcher {
            let changed = w.changed();
            if !changed.is_empty() {
                self.changed.extend(changed);
                self.reload_at = Some(Instant::now() + RELOAD_AFTER);
            }
        }
        let at = self.reload_at?;
        let now = Instant::now();
        if now < at {
            ctx.request_repaint_after(at - now);
            return None;
        }
        self.reload_at = None;
        Some(std::mem::take(&mut self.changed))
    }
}
