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
    #[error("choose how the visit goes on: {}", .0.join(", "))]
    ChooseRoute(Vec<String>),
    #[error("'{0}' is not a way this visit can go on")]
    UnknownRoute(String),
}

impl crate::msg::Localized for LiveError {
    fn zh(&self) -> String {
        match self {
            LiveError::UnknownItem(id) => format!("未知的检查项“{id}”"),
            LiveError::Incomplete(items) => format!("还有必做项目没有勾选：{}", items.join("、")),
            LiveError::Finished => "这次拜访已经结束".to_owned(),
            LiveError::ChooseRoute(routes) => {
                format!("请选择拜访接下来怎么走：{}", routes.join("、"))
            }
            LiveError::UnknownRoute(r) => format!("“{r}”不是这次拜访可以走的路线"),
        }
    }
}

/// One thing logged during a visit, as [`LiveVisit::replay`] reads it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Event<'e> {
    pub kind: &'e str,
    pub stage: Option<&'e str>,
    pub item: Option<&'e str>,
    pub value: Option<&'e str>,
    /// For an `advance`: the seconds spent in the step it leaves.
    pub seconds: f64,
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
    /// The route taken where stages are alternatives (see `Stage::path`).
    pub route: Option<String>,
    /// The customer's grade and the next appointment, as last set.
    pub grade: Option<String>,
    pub appointment: Option<String>,
}

impl LiveVisit {
    pub fn start(playbook: Arc<Playbook>) -> Self {
        Self {
            playbook,
            stage: 0,
            ticked: BTreeSet::new(),
            notes: BTreeMap::new(),
            seconds: BTreeMap::new(),
            route: None,
            grade: None,
            appointment: None,
        }
    }

    /// Whether stage `i` is on this visit's way: shared by every visit, or on the route taken
    /// (before a route is taken, only the shared stages are).
    pub fn on_route(&self, i: usize) -> bool {
        self.playbook
            .stages
            .get(i)
            .is_some_and(|s| s.path.is_none() || (self.route.is_some() && s.path == self.route))
    }

    /// The routes the visit may take after the current stage, when it is at a fork (no route
    /// taken yet and the next stage belongs to one): each route's first stage, in order.
    pub fn routes_ahead(&self) -> Vec<&Stage> {
        if self.route.is_some() {
            return Vec::new();
        }
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for s in self.playbook.stages.iter().skip(self.stage + 1) {
            match s.path.as_deref() {
                // A shared stage before any route: no fork yet.
                None if out.is_empty() => return Vec::new(),
                None => break,
                Some(p) if !seen.contains(&p) => {
                    seen.push(p);
                    out.push(s);
                }
                Some(_) => {}
            }
        }
        out
    }

    /// The stages this visit has gone through or is at, in order.
    pub fn visited(&self) -> impl Iterator<Item = &Stage> {
        let upto = self.stage.min(self.playbook.stages.len().saturating_sub(1));
        self.playbook
            .stages
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i <= upto && self.on_route(*i))
            .map(|(_, s)| s)
    }

    /// The stages of this visit's way, gone through or ahead (the route's, once taken).
    pub fn on_way(&self) -> impl Iterator<Item = &Stage> {
        (0..self.playbook.stages.len())
            .filter(|i| self.on_route(*i))
            .map(|i| &self.playbook.stages[i])
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

    /// The visit as the events logged during it leave it (taking an interrupted visit up
    /// again): every tick and untick, note, grade and appointment, and each step left, with
    /// the route taken at the fork. `seconds` is the time spent in the step an `advance`
    /// leaves. Events that no longer fit the playbook (an item it dropped) are passed over.
    pub fn replay<'e>(
        playbook: Arc<Playbook>,
        events: impl IntoIterator<Item = Event<'e>>,
    ) -> Self {
        let mut v = Self::start(playbook);
        for e in events {
            match e.kind {
                "tick" | "untick" => {
                    if let Some(item) = e.item {
                        let _ = v.set_ticked(item, e.kind == "tick");
                    }
                }
                "note" => {
                    if let Some(stage) = e.stage {
                        v.set_note(stage, e.value.unwrap_or_default());
                    }
                }
                "grade" => v.grade = e.value.filter(|x| !x.trim().is_empty()).map(str::to_owned),
                "appointment" => {
                    v.appointment = e.value.filter(|x| !x.trim().is_empty()).map(str::to_owned);
                }
                "advance" => {
                    let Some(at) = e
                        .stage
                        .and_then(|id| v.playbook.stages.iter().position(|s| s.id == id))
                    else {
                        continue;
                    };
                    if v.route.is_none() {
                        v.route = e.value.map(str::to_owned);
                    }
                    let id = v.playbook.stages[at].id.clone();
                    *v.seconds.entry(id).or_default() += e.seconds.max(0.0);
                    let next = (at + 1..v.playbook.stages.len()).find(|i| v.on_route(*i));
                    v.stage = next.unwrap_or(v.playbook.stages.len());
                }
                _ => {}
            }
        }
        v
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

    /// Leaves the current stage, recording the seconds spent in it, for the next stage on the
    /// visit's way; at a fork, `route` says which way (one of [`Self::routes_ahead`]).
    pub fn advance(
        &mut self,
        host: Option<&ScriptHost>,
        seconds_in_stage: f64,
        route: Option<&str>,
    ) -> Result<(), LiveError> {
        let Some(stage) = self.current() else {
            return Err(LiveError::Finished);
        };
        let id = stage.id.clone();
        if !self.may_advance(host) {
            return Err(LiveError::Incomplete(self.missing()));
        }
        let ahead: Vec<String> = self
            .routes_ahead()
            .iter()
            .filter_map(|s| s.path.clone())
            .collect();
        if !ahead.is_empty() {
            match route {
                Some(r) if ahead.iter().any(|a| a == r) => self.route = Some(r.to_owned()),
                Some(r) => return Err(LiveError::UnknownRoute(r.to_owned())),
                None => return Err(LiveError::ChooseRoute(ahead)),
            }
        }
        *self.seconds.entry(id).or_default() += seconds_in_stage.max(0.0);
        let next = (self.stage + 1..self.playbook.stages.len()).find(|i| self.on_route(*i));
        self.stage = next.unwrap_or(self.playbook.stages.len());
        Ok(())
    }

    /// How the visit went, judged on the way it took: the stages it went through (and the
    /// one it ended at), not the alternatives it did not take nor the steps it never reached.
    pub fn summary(&self) -> LiveSummary {
        let visited: Vec<&Stage> = self.visited().collect();
        let items: Vec<&str> = visited
            .iter()
            .flat_map(|s| &s.checklist)
            .map(|i| i.id.as_str())
            .collect();
        LiveSummary {
            stages_done: self
                .visited()
                .filter(|s| self.seconds.contains_key(&s.id))
                .count(),
            stages: self.on_way().count(),
            forks_ahead: self.route.is_none()
                && self.playbook.stages.iter().any(|s| s.path.is_some()),
            ticked: items.iter().filter(|i| self.ticked.contains(**i)).count(),
            items: items.len(),
            unticked_required: visited
                .iter()
                .flat_map(|s| &s.checklist)
                .filter(|i| i.required && !self.ticked.contains(&i.id))
                .map(|i| i.id.clone())
                .collect(),
            seconds: self.seconds.values().sum(),
            route: self.route.clone(),
            grade: self.grade.clone(),
            appointment: self.appointment.clone(),
            notes: visited
                .iter()
                .filter_map(|s| self.notes.get(&s.id).map(|n| (s.id.clone(), n.clone())))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveSummary {
    pub stages_done: usize,
    /// The stages of the way: up to the fork when no route was taken (`forks_ahead`).
    pub stages: usize,
    /// The visit ended before the way split: `stages` counts the steps up to the fork.
    pub forks_ahead: bool,
    pub ticked: usize,
    pub items: usize,
    pub unticked_required: Vec<String>,
    pub seconds: f64,
    /// The route taken where stages are alternatives.
    pub route: Option<String>,
    pub grade: Option<String>,
    pub appointment: Option<String>,
    /// (stage, note) in visit order.
    pub notes: Vec<(String, String)>,
}
