//! Live checklist mode: a playbook's stages as steps on a real customer visit. Tick items,
//! keep notes per step and time per step; a step may be left once its required items are
//! ticked (or the guide script says so).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rhai::{Dynamic, Map};
use serde::Serialize;

use crate::playbook::model::{Playbook, Stage};
use crate::script::ScriptHost;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    #[error("unknown checklist item '{0}'")]
    UnknownItem(String),
    #[error("required items are not ticked yet: {}", .0.join(", "))]
    Incomplete(Vec<String>),
    #[error("the visit is finished")]
    Finished,
}

/// A live visit in progress.
#[derive(Debug, Clone, Serialize)]
pub struct LiveVisit {
    #[serde(skip)]
    pub playbook: Arc<Playbook>,
    /// Index of the current stage; `stages.len()` when finished.
    pub stage: usize,
    pub ticked: BTreeSet<String>,
    pub notes: BTreeMap<String, String>,
    /// Seconds spent per stage id.
    pub seconds: BTreeMap<String, f64>,
}

impl LiveVisit {
    pub fn start(playbook: Arc<Playbook>) -> Self {
        Self {
            playbook,
            stage: 0,
            ticked: BTreeSet::new(),
            notes: BTreeMap::new(),
            seconds: BTreeMap::new(),
        }
    }

    pub fn current(&self) -> Option<&Stage> {
        self.playbook.stages.get(self.stage)
    }

    pub fn is_finished(&self) -> bool {
        self.stage >= self.playbook.stages.len()
    }

    /// Ticks or unticks an item of any stage.
    pub fn set_ticked(&mut self, item: &str, ticked: bool) -> Result<(), LiveError> {
        let known = self
            .playbook
            .stages
            .iter()
            .flat_map(|s| &s.checklist)
            .any(|i| i.id == item);
        if !known {
            return Err(LiveError::UnknownItem(item.to_owned()));
        }
        if ticked {
            self.ticked.insert(item.to_owned());
        } else {
            self.ticked.remove(item);
        }
        Ok(())
    }

    pub fn set_note(&mut self, stage: &str, note: &str) {
        if note.trim().is_empty() {
            self.notes.remove(stage);
        } else {
            self.notes.insert(stage.to_owned(), note.to_owned());
        }
    }

    /// Required items of the current stage not ticked yet.
    pub fn missing(&self) -> Vec<String> {
        self.current()
            .map(|s| {
                s.checklist
                    .iter()
                    .filter(|i| i.required && !self.ticked.contains(&i.id))
                    .map(|i| i.id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// May the visit move past the current stage? The guide script may decide; otherwise
    /// every required item must be ticked.
    pub fn may_advance(&self, host: Option<&ScriptHost>) -> bool {
        if let (Some(host), Some(path), Some(stage)) =
            (host, &self.playbook.scripts.guide, self.current())
        {
            let mut ctx = Map::new();
            ctx.insert("phase".into(), "live".into());
            ctx.insert("playbook".into(), self.playbook.id.clone().into());
            ctx.insert("stage".into(), stage.id.clone().into());
            let ticked: Vec<Dynamic> = self
                .ticked
                .iter()
                .map(|t| Dynamic::from(t.clone()))
                .collect();
            ctx.insert("ticked".into(), ticked.into());
            let missing: Vec<Dynamic> = self.missing().into_iter().map(Dynamic::from).collect();
            ctx.insert("missing".into(), missing.into());
            if let Ok(Some(g)) = host.guide(path, ctx)
                && let Some(may) = g.may_advance
            {
                return may;
            }
        }
        self.missing().is_empty()
    }

    /// Leaves the current stage, recording the seconds spent in it.
    pub fn advance(
        &mut self,
        host: Option<&ScriptHost>,
        seconds_in_stage: f64,
    ) -> Result<(), LiveError> {
        let Some(stage) = self.current() else {
            return Err(LiveError::Finished);
        };
        let id = stage.id.clone();
        if !self.may_advance(host) {
            return Err(LiveError::Incomplete(self.missing()));
        }
        *self.seconds.entry(id).or_default() += seconds_in_stage.max(0.0);
        self.stage += 1;
        Ok(())
    }

    pub fn summary(&self) -> LiveSummary {
        let items: Vec<&str> = self
            .playbook
            .stages
            .iter()
            .flat_map(|s| &s.checklist)
            .map(|i| i.id.as_str())
            .collect();
        LiveSummary {
            stages_done: self.stage.min(self.playbook.stages.len()),
            stages: self.playbook.stages.len(),
            ticked: self.ticked.len(),
            items: items.len(),
            unticked_required: self
                .playbook
                .stages
                .iter()
                .flat_map(|s| &s.checklist)
                .filter(|i| i.required && !self.ticked.contains(&i.id))
                .map(|i| i.id.clone())
                .collect(),
            seconds: self.seconds.values().sum(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveSummary {
    pub stages_done: usize,
    pub stages: usize,
    pub ticked: usize,
    pub items: usize,
    pub unticked_required: Vec<String>,
    pub seconds: f64,
}
