//! Running scripts: compiled ASTs cached by path and content hash, hooks called by name after
//! checking they exist, every call under the time and operations budget, and every failure
//! turned into a [`ScriptError`] with `file:line:col`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use rhai::{AST, CallFnOptions, Dynamic, Engine, EvalAltResult, Map, ParseError, Position, Scope};
use serde::Serialize;

use super::engine::{self, AuthorLog, DeadlineGuard, Limits, SharedLog};
use crate::playbook::Library;
use crate::playbook::model::{ANY_LOCALE, Text};

/// What kind of failure, for the trainee's short message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptErrorKind {
    /// The script does not compile.
    Syntax,
    /// The script failed while running.
    Runtime,
    /// The script ran out of time, operations, stack or memory.
    Budget,
    /// The hook returned something the host cannot use.
    BadReturn,
    /// The script file is not among the loaded scripts.
    Missing,
    /// The guide hook failed or chose a turn it may not; scoring is not affected and the
    /// role-play takes its default path.
    Guide,
}

/// A script failure, positioned for the author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}:{line}:{column}: error: {message}")]
pub struct ScriptError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub kind: ScriptErrorKind,
}

impl crate::msg::Localized for ScriptError {
    fn zh(&self) -> String {
        format!(
            "{}:{}:{}: 脚本错误：{}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl ScriptError {
    fn at(file: &str, pos: Position, kind: ScriptErrorKind, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line: pos.line().map_or(1, |l| l as u32),
            column: pos.position().map_or(1, |c| c as u32),
            message: message.into(),
            kind,
        }
    }

    /// What a trainee is told: `scoring unavailable: REASON`.
    pub fn trainee_message(&self) -> String {
        self.trainee_message_in(crate::msg::Lang::En)
    }

    /// [`ScriptError::trainee_message`] in `lang`.
    pub fn trainee_message_in(&self, lang: crate::msg::Lang) -> String {
        if self.kind == ScriptErrorKind::Guide {
            return lang
                .t(
                    "指导脚本出错（评分不受影响）：对练按默认路线继续",
                    "the guide script failed (scoring is not affected): the role-play went on by its default path",
                )
                .to_owned();
        }
        let reason = match self.kind {
            ScriptErrorKind::Guide => "",
            ScriptErrorKind::Budget => lang.t(
                "评分脚本运行太久或占用内存太多",
                "the scoring script took too long or used too much memory",
            ),
            ScriptErrorKind::Syntax => lang.t("评分脚本有错误", "the scoring script has an error"),
            ScriptErrorKind::Missing => lang.t("找不到评分脚本", "the scoring script is missing"),
            ScriptErrorKind::Runtime | ScriptErrorKind::BadReturn => {
                lang.t("评分脚本运行失败", "the scoring script failed")
            }
        };
        format!(
            "{}{reason}",
            lang.t("暂时无法按脚本评分：", "scoring unavailable: ")
        )
    }

    fn from_parse(file: &str, e: &ParseError) -> Self {
        Self::at(
            file,
            e.position(),
            ScriptErrorKind::Syntax,
            e.err_type().to_string(),
        )
    }

    /// `hook_line`: where the hook is defined, for errors rhai cannot place (a size limit or
    /// the time budget hit somewhere inside it).
    fn from_eval(file: &str, e: &EvalAltResult, hook_line: u32) -> Self {
        // The innermost error carries the real position; a module error names its own file.
        let mut file = file.to_owned();
        let mut e = e;
        loop {
            match e {
                EvalAltResult::ErrorInFunctionCall(_, src, inner, _) => {
                    if !src.is_empty() {
                        file = src.clone();
                    }
                    e = inner;
                }
                EvalAltResult::ErrorInModule(m, inner, _) => {
                    file = m.clone();
                    e = inner;
                }
                _ => break,
            }
        }
        let (kind, message) = match e {
            EvalAltResult::ErrorTooManyOperations(_) => (
                ScriptErrorKind::Budget,
                "the script ran too long (operations limit)".to_owned(),
            ),
            // The engine's progress check says which budget ran out.
            EvalAltResult::ErrorTerminated(why, _) => (
                ScriptErrorKind::Budget,
                why.clone()
                    .into_immutable_string()
                    .map_or_else(|_| "the script was stopped".to_owned(), |s| s.to_string()),
            ),
            EvalAltResult::ErrorStackOverflow(_) => (
                ScriptErrorKind::Budget,
                "recursion too deep (call levels limit)".to_owned(),
            ),
            EvalAltResult::ErrorDataTooLarge(what, _) => (
                ScriptErrorKind::Budget,
                format!("{what} is larger than scripts may build"),
            ),
            EvalAltResult::ErrorTooManyModules(_) => (
                ScriptErrorKind::Budget,
                "too many modules imported".to_owned(),
            ),
            EvalAltResult::ErrorTooManyVariables(_) => {
                (ScriptErrorKind::Budget, "too many variables".to_owned())
            }
            EvalAltResult::ErrorModuleNotFound(path, _) => (
                ScriptErrorKind::Runtime,
                format!("module '{path}' not found: import modules by name from scripts/"),
            ),
            EvalAltResult::ErrorParsing(p, _) => (ScriptErrorKind::Syntax, p.to_string()),
            other => (ScriptErrorKind::Runtime, plain_message(other)),
        };
        let mut err = Self::at(&file, e.position(), kind, message);
        if e.position().is_none() {
            err.line = hook_line;
            err.message.push_str(" (somewhere in this function)");
        }
        err
    }
}

/// rhai's message without its trailing "(line N, position M)".
fn plain_message(e: &EvalAltResult) -> String {
    let s = e.to_string();
    let s = s
        .strip_prefix("Runtime error: ")
        .map_or(s.clone(), str::to_owned);
    match s.rfind(" (line ") {
        Some(i) if s.ends_with(')') => s[..i].to_owned(),
        _ => s,
    }
}

/// What a `score(ctx)` hook returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptScore {
    /// Points added per criterion.
    pub add: BTreeMap<String, f64>,
    /// Points that replace the rules' result per criterion.
    pub set: BTreeMap<String, f64>,
    pub feedback: Vec<Text>,
    pub hint: Option<Text>,
    /// (start, end, positive) in characters of the reply.
    pub highlights: Vec<(usize, usize, bool)>,
}

/// What a `guide(ctx)` hook returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuideAnswer {
    pub next: Option<String>,
    pub hint: Option<Text>,
    pub may_advance: Option<bool>,
}

/// Compiles and runs the scripts of one library.
pub struct ScriptHost {
    engine: Engine,
    limits: Limits,
    log: SharedLog,
    sources: BTreeMap<String, Arc<str>>,
    /// path → (content hash, compiled AST)
    cache: Mutex<HashMap<String, Arc<AST>>>,
}

impl std::fmt::Debug for ScriptHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptHost")
            .field("scripts", &self.sources.keys())
            .finish()
    }
}

impl ScriptHost {
    pub fn new(lib: &Library) -> Self {
        Self::with_limits(lib, Limits::default())
    }

    pub fn with_limits(lib: &Library, limits: Limits) -> Self {
        let sources: BTreeMap<String, Arc<str>> = lib
            .scripts
            .iter()
            .map(|(k, f)| {
                (
                    k.clone(),
                    Arc::from(String::from_utf8_lossy(&f.bytes).as_ref()),
                )
            })
            .collect();
        Self::build(sources, limits, Arc::new(lib.concepts.clone()))
    }

    /// A host over script sources given directly (path → text).
    pub fn from_sources(sources: BTreeMap<String, Arc<str>>, limits: Limits) -> Self {
        Self::build(sources, limits, Arc::default())
    }

    fn build(
        sources: BTreeMap<String, Arc<str>>,
        limits: Limits,
        concepts: super::api::Concepts,
    ) -> Self {
        let log: SharedLog = Arc::default();
        let engine = engine::build(limits, sources.clone(), log.clone(), concepts);
        Self {
            engine,
            limits,
            log,
            sources,
            cache: Mutex::default(),
        }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The compiled script, from the cache when its content is unchanged.
    pub fn compile(&self, path: &str) -> Result<Arc<AST>, ScriptError> {
        let Some(src) = self.sources.get(path) else {
            return Err(ScriptError::at(
                path,
                Position::NONE,
                ScriptErrorKind::Missing,
                format!("script '{path}' not found"),
            ));
        };
        // A host's sources never change, so the path is the key (no hash of the source on
        // every call: that was 4 % of re-scoring the whole history).
        if let Ok(cache) = self.cache.lock()
            && let Some(ast) = cache.get(path)
        {
            return Ok(ast.clone());
        }
        let mut ast = self
            .engine
            .compile(&**src)
            .map_err(|e| ScriptError::from_parse(path, &e))?;
        ast.set_source(path);
        let ast = Arc::new(ast);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(path.to_owned(), ast.clone());
        }
        Ok(ast)
    }

    /// Does the script define `name(ctx)`?
    pub fn has_hook(&self, path: &str, name: &str) -> Result<bool, ScriptError> {
        let ast = self.compile(path)?;
        Ok(ast
            .iter_functions()
            .any(|f| f.name == name && f.params.len() == 1))
    }

    /// Calls `name(ctx)` under the budget; `Ok(None)` when the script has no such hook.
    pub fn call(&self, path: &str, name: &str, ctx: Map) -> Result<Option<Dynamic>, ScriptError> {
        let ast = self.compile(path)?;
        if !ast
            .iter_functions()
            .any(|f| f.name == name && f.params.len() == 1)
        {
            return Ok(None);
        }
        let _deadline = DeadlineGuard::start(self.limits.time, self.limits.memory);
        let mut scope = Scope::new();
        // Top-level statements run first (imports, constants); a fresh scope each call means
        // nothing persists between calls.
        let options = CallFnOptions::new().eval_ast(true).rewind_scope(true);
        self.engine
            .call_fn_with_options::<Dynamic>(
                options,
                &mut scope,
                &ast,
                name,
                (Dynamic::from_map(ctx),),
            )
            .map(Some)
            .map_err(|e| ScriptError::from_eval(path, &e, self.hook_line(path, name)))
    }

    /// Calls `score(ctx)`; `allowed` are the criteria the turn is scored on.
    pub fn score(
        &self,
        path: &str,
        ctx: Map,
        allowed: &[String],
    ) -> Result<Option<ScriptScore>, ScriptError> {
        let Some(v) = self.call(path, "score", ctx)? else {
            return Ok(None);
        };
        parse_score(path, v, allowed)
            .map(Some)
            .map_err(|e| self.at_hook(e, path, "score"))
    }

    /// A return-value error points at the hook that returned it.
    fn at_hook(&self, mut e: ScriptError, path: &str, hook: &str) -> ScriptError {
        e.line = self.hook_line(path, hook);
        e
    }

    /// Calls `guide(ctx)`.
    pub fn guide(&self, path: &str, ctx: Map) -> Result<Option<GuideAnswer>, ScriptError> {
        let Some(v) = self.call(path, "guide", ctx)? else {
            return Ok(None);
        };
        parse_guide(path, v)
            .map(Some)
            .map_err(|e| self.at_hook(e, path, "guide"))
    }

    /// The line of `fn name(` in the script, 1 when not found.
    pub fn hook_line(&self, path: &str, name: &str) -> u32 {
        let needle = format!("fn {name}(");
        self.sources
            .get(path)
            .and_then(|src| {
                src.lines()
                    .position(|l| l.trim_start().starts_with(&needle))
            })
            .map_or(1, |i| i as u32 + 1)
    }

    /// What scripts printed since the last call, for the author.
    pub fn take_log(&self) -> AuthorLog {
        self.log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}

fn bad(path: &str, msg: impl Into<String>) -> ScriptError {
    ScriptError::at(path, Position::NONE, ScriptErrorKind::BadReturn, msg)
}

fn as_map(path: &str, hook: &str, v: Dynamic) -> Result<Map, ScriptError> {
    let t = v.type_name();
    v.try_cast::<Map>()
        .ok_or_else(|| bad(path, format!("{hook}() must return a map, found {t}")))
}

/// A number within `lo..=hi` (NaN and infinities never are).
fn number_within(
    path: &str,
    what: &str,
    v: &Dynamic,
    lo: f64,
    hi: f64,
) -> Result<f64, ScriptError> {
    let n = if let Ok(i) = v.as_int() {
        i as f64
    } else if let Ok(f) = v.as_float() {
        f
    } else {
        return Err(bad(
            path,
            format!("{what} must be a number, found {}", v.type_name()),
        ));
    };
    if !n.is_finite() || !(lo..=hi).contains(&n) {
        return Err(bad(
            path,
            format!("{what} must be a number between {lo} and {hi}, found {n}"),
        ));
    }
    Ok(n)
}

fn string(path: &str, what: &str, v: Dynamic) -> Result<String, ScriptError> {
    let t = v.type_name();
    v.into_immutable_string()
        .map(|s| s.chars().take(2_000).collect())
        .map_err(|_| bad(path, format!("{what} must be a string, found {t}")))
}

fn points(
    path: &str,
    key: &str,
    v: Dynamic,
    allowed: &[String],
) -> Result<BTreeMap<String, f64>, ScriptError> {
    let m = as_map(path, &format!("score: `{key}`"), v)?;
    let mut out = BTreeMap::new();
    for (k, v) in m {
        let k = k.to_string();
        if !allowed.contains(&k) {
            return Err(bad(
                path,
                format!(
                    "score() gave points to '{k}', which is not a criterion of this turn ({})",
                    allowed.join(", ")
                ),
            ));
        }
        // A criterion holds 0-100 points: a value outside is a mistake, never clamped quietly.
        let (lo, hi) = if key == "set" {
            (0.0, 100.0)
        } else {
            (-100.0, 100.0)
        };
        let n = number_within(path, &format!("score: `{key}.{k}`"), &v, lo, hi)?;
        out.insert(k, n);
    }
    Ok(out)
}

/// A string (every locale) or a map locale → string.
fn text(path: &str, what: &str, v: Dynamic) -> Result<Text, ScriptError> {
    if v.is_map() {
        let m = v.cast::<Map>();
        let mut out = BTreeMap::new();
        for (k, v) in m.into_iter().take(8) {
            out.insert(k.to_string(), string(path, what, v)?);
        }
        if out.is_empty() {
            return Err(bad(path, format!("{what} must not be an empty map")));
        }
        return Ok(Text(out));
    }
    Ok(Text(
        [(ANY_LOCALE.to_owned(), string(path, what, v)?)].into(),
    ))
}

fn parse_score(path: &str, v: Dynamic, allowed: &[String]) -> Result<ScriptScore, ScriptError> {
    let m = as_map(path, "score", v)?;
    let mut out = ScriptScore::default();
    for (k, v) in m {
        match k.as_str() {
            "points" => out.add = points(path, "points", v, allowed)?,
            "set" => out.set = points(path, "set", v, allowed)?,
            "feedback" => {
                if v.is_array() {
                    for line in v.into_array().unwrap_or_default().into_iter().take(50) {
                        out.feedback.push(text(path, "feedback", line)?);
                    }
                } else {
                    out.feedback.push(text(path, "feedback", v)?);
                }
            }
            "hint" => out.hint = Some(text(path, "hint", v)?),
            "highlights" => {
                let t = v.type_name();
                let items = v
                    .into_array()
                    .map_err(|_| bad(path, format!("highlights must be an array, found {t}")))?;
                for h in items.into_iter().take(100) {
                    let h = as_map(path, "score: each highlight", h)?;
                    let get = |k: &str| {
                        h.get(k)
                            // An offset into the reply, which may be 10 000 characters.
                            .map(|v| number_within(path, &format!("highlight.{k}"), v, -1e6, 1e6))
                            .transpose()
                    };
                    let (Some(s), Some(e)) = (get("start")?, get("end")?) else {
                        return Err(bad(path, "each highlight needs `start` and `end`"));
                    };
                    let positive = h
                        .get("positive")
                        .and_then(|v| v.as_bool().ok())
                        .unwrap_or(true);
                    if s >= 0.0 && e > s {
                        out.highlights.push((s as usize, e as usize, positive));
                    }
                }
            }
            other => {
                return Err(bad(
                    path,
                    format!(
                        "score() returned unknown key '{other}' (known: points, set, feedback, hint, highlights)"
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn parse_guide(path: &str, v: Dynamic) -> Result<GuideAnswer, ScriptError> {
    let m = as_map(path, "guide", v)?;
    let mut out = GuideAnswer::default();
    for (k, v) in m {
        match k.as_str() {
            "next" => out.next = Some(string(path, "next", v)?),
            "hint" => out.hint = Some(text(path, "hint", v)?),
            "may_advance" => {
                out.may_advance = Some(v.as_bool().map_err(|t| {
                    bad(
                        path,
                        format!("may_advance must be true or false, found {t}"),
                    )
                })?);
            }
            other => {
                return Err(bad(
                    path,
                    format!(
                        "guide() returned unknown key '{other}' (known: next, hint, may_advance)"
                    ),
                ));
            }
        }
    }
    Ok(out)
}
