//! The one place a rhai engine is built: every limit set, `eval` disabled, no clock, no sleep,
//! `print`/`debug` captured for the author, and modules resolved only from the content's own
//! `scripts/` folder (already loaded in memory: a script never touches the file system).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::module_resolvers::ModuleResolver;
use rhai::{Dynamic, Engine, EvalAltResult, Module, Position, Scope};

type SharedModule = Arc<Module>;

use super::{alloc, api};

/// The budgets every script call runs under. Scripts are untrusted: these are tight.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock budget of one hook call.
    pub time: Duration,
    /// rhai operations per call (a `loop {}` hits 1 000 000 in about 1.5 ms).
    pub operations: u64,
    pub call_levels: usize,
    pub expr_depth: usize,
    pub fn_expr_depth: usize,
    /// Largest string, in bytes.
    pub string_size: usize,
    pub array_size: usize,
    pub map_size: usize,
    pub modules: usize,
    pub variables: usize,
    /// Most `print`/`debug` lines kept per call; the rest are counted, not stored.
    pub log_lines: usize,
    /// Heap a call may grow by, in bytes (counted by [`super::alloc`]).
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            time: Duration::from_millis(50),
            operations: 1_000_000,
            call_levels: 32,
            expr_depth: 64,
            fn_expr_depth: 32,
            string_size: 64 * 1024,
            array_size: 10_000,
            map_size: 10_000,
            modules: 16,
            variables: 1_000,
            log_lines: 100,
            memory: 32 * 1024 * 1024,
        }
    }
}

thread_local! {
    /// When the hook call running on this thread must stop, and the heap it may reach.
    static DEADLINE: Cell<Option<Budget>> = const { Cell::new(None) };
    /// The modules being evaluated on this thread, outermost first: an import cycle or a
    /// chain deeper than the module limit is refused instead of recursing until the stack
    /// overflows (each nested module is evaluated by a fresh call into the engine).
    static RESOLVING: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Marks a module as being evaluated until dropped.
struct Resolving;

impl Resolving {
    fn enter(key: &str, max_depth: usize, pos: Position) -> Result<Self, Box<EvalAltResult>> {
        RESOLVING.with(|r| {
            let mut r = r.borrow_mut();
            if let Some(i) = r.iter().position(|k| k == key) {
                let mut chain: Vec<&str> = r[i..].iter().map(String::as_str).collect();
                chain.push(key);
                return Err(EvalAltResult::ErrorRuntime(
                    format!("import cycle: {}", chain.join(" → ")).into(),
                    pos,
                )
                .into());
            }
            if r.len() >= max_depth {
                return Err(EvalAltResult::ErrorRuntime(
                    format!("imports nested more than {max_depth} deep").into(),
                    pos,
                )
                .into());
            }
            r.push(key.to_owned());
            Ok(Resolving)
        })
    }
}

impl Drop for Resolving {
    fn drop(&mut self) {
        RESOLVING.with(|r| {
            r.borrow_mut().pop();
        });
    }
}

#[derive(Clone, Copy)]
struct Budget {
    until: Instant,
    /// The thread's net heap (see [`alloc::net_bytes`]) above which the call stops.
    heap: isize,
    /// Operations the call has run, counted here (see [`build`]'s progress check).
    ops: u64,
}

/// Sets this thread's deadline and memory budget for the duration of one call.
pub(crate) struct DeadlineGuard;

impl DeadlineGuard {
    pub(crate) fn start(time: Duration, memory: usize) -> Self {
        let heap = alloc::net_bytes().saturating_add(isize::try_from(memory).unwrap_or(isize::MAX));
        DEADLINE.with(|d| {
            d.set(Some(Budget {
                until: Instant::now() + time,
                heap,
                ops: 0,
            }))
        });
        DeadlineGuard
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(None));
    }
}

/// What a script printed, for the author's log.
#[derive(Debug, Default)]
pub struct AuthorLog {
    pub lines: Vec<String>,
    pub dropped: usize,
}

pub(crate) type SharedLog = Arc<Mutex<AuthorLog>>;

fn log_line(log: &SharedLog, max: usize, line: String) {
    if let Ok(mut l) = log.lock() {
        if l.lines.len() < max {
            // One line is also bounded, so a flood of huge prints cannot grow the log.
            l.lines.push(line.chars().take(500).collect());
        } else {
            l.dropped += 1;
        }
    }
}

/// Builds the sandboxed engine. `scripts` are the content's script sources by path
/// (`scripts/x.rhai`): the only modules `import` can reach.
pub fn build(
    limits: Limits,
    scripts: BTreeMap<String, Arc<str>>,
    log: SharedLog,
    concepts: super::api::Concepts,
) -> Engine {
    let mut engine = Engine::new();
    engine
        .set_max_operations(limits.operations)
        .set_max_call_levels(limits.call_levels)
        .set_max_expr_depths(limits.expr_depth, limits.fn_expr_depth)
        .set_max_string_size(limits.string_size)
        .set_max_array_size(limits.array_size)
        .set_max_map_size(limits.map_size)
        .set_max_modules(limits.modules)
        .set_max_variables(limits.variables)
        .set_max_functions(256)
        .set_max_strings_interned(1024);
    engine.disable_symbol("eval");
    // The operations are counted here, per call, not by the number rhai passes in: rhai runs
    // a closure called from a host function (`sort`, `map`, `filter`, …) on a copy of its
    // runtime state, so the closure's operations never add to that number and each call
    // starts again from where the host function was called. Counted here, every operation of
    // every nested call counts, and the deadline is looked at every 1 024 of them.
    // The heap is read every operation (a thread-local load); the clock costs more than an
    // operation: look every 1 024 operations (about 30 µs of script time), which keeps the
    // deadline precise to well under a millisecond.
    let memory = limits.memory;
    let max_ops = limits.operations;
    engine.on_progress(move |_| {
        let mut budget = DEADLINE.with(Cell::get)?;
        budget.ops += 1;
        DEADLINE.with(|d| d.set(Some(budget)));
        if alloc::net_bytes() > budget.heap {
            return Some(Dynamic::from(format!(
                "the script used more than its memory budget ({} MiB)",
                memory / (1024 * 1024)
            )));
        }
        if budget.ops > max_ops {
            return Some(Dynamic::from("the script ran too long (operations limit)"));
        }
        if budget.ops % 1024 != 0 {
            return None;
        }
        (Instant::now() >= budget.until)
            .then(|| Dynamic::from("the script ran past its time budget"))
    });
    let (l1, l2) = (log.clone(), log);
    let max = limits.log_lines;
    engine.on_print(move |s| log_line(&l1, max, s.to_owned()));
    engine.on_debug(move |s, src, pos| {
        let at = match (src, pos.line()) {
            (Some(src), Some(line)) => format!("{src}:{line}: "),
            _ => String::new(),
        };
        log_line(&l2, max, format!("{at}{s}"));
    });
    // No clock and no sleeping: scoring is deterministic and a sleep would escape the
    // operations budget. These shadow the standard library's versions.
    engine.register_fn("timestamp", || -> Result<Dynamic, Box<EvalAltResult>> {
        Err("timestamp() is not available to scripts: scoring must be deterministic".into())
    });
    engine.register_fn("sleep", |_: i64| -> Result<(), Box<EvalAltResult>> {
        Err("sleep() is not available to scripts".into())
    });
    engine.register_fn("sleep", |_: f64| -> Result<(), Box<EvalAltResult>> {
        Err("sleep() is not available to scripts".into())
    });
    api::register(&mut engine, concepts);
    super::closures::register(&mut engine);
    engine.set_module_resolver(ContentResolver {
        max_depth: limits.modules,
        scripts,
        compiled: Mutex::default(),
    });
    engine
}

/// Resolves `import "name"` to `scripts/name.rhai` among the loaded scripts, and nothing else.
struct ContentResolver {
    max_depth: usize,
    scripts: BTreeMap<String, Arc<str>>,
    /// Modules are immutable once evaluated, so each is built once.
    compiled: Mutex<BTreeMap<String, SharedModule>>,
}

/// The key a module path names, or why it is refused.
pub fn module_key(path: &str) -> Result<String, String> {
    let p = path.trim();
    if p.is_empty() {
        return Err("empty module path".into());
    }
    if p.starts_with('/') || p.starts_with('\\') || p.contains(':') {
        return Err(format!(
            "module '{p}' is an absolute path; import modules by name from scripts/"
        ));
    }
    if p.split(['/', '\\'])
        .any(|seg| seg == ".." || seg == "." || seg.is_empty())
    {
        return Err(format!(
            "module '{p}' leaves scripts/; import modules by name from scripts/"
        ));
    }
    let p = p.strip_prefix("scripts/").unwrap_or(p);
    let p = p.strip_suffix(".rhai").unwrap_or(p);
    Ok(format!("scripts/{p}.rhai"))
}

impl ModuleResolver for ContentResolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<SharedModule, Box<EvalAltResult>> {
        let key = module_key(path).map_err(|m| EvalAltResult::ErrorRuntime(m.into(), pos))?;
        if let Ok(c) = self.compiled.lock()
            && let Some(m) = c.get(&key)
        {
            return Ok(m.clone());
        }
        let Some(src) = self.scripts.get(&key) else {
            return Err(EvalAltResult::ErrorModuleNotFound(path.to_owned(), pos).into());
        };
        let _resolving = Resolving::enter(&key, self.max_depth, pos)?;
        let mut ast = engine
            .compile(&**src)
            .map_err(|e| EvalAltResult::ErrorInModule(key.clone(), e.into(), pos))?;
        ast.set_source(key.clone());
        let m: SharedModule = Arc::new(
            Module::eval_ast_as_new(Scope::new(), &ast, engine)
                .map_err(|e| EvalAltResult::ErrorInModule(key.clone(), e, pos))?,
        );
        if let Ok(mut c) = self.compiled.lock() {
            c.insert(key, m.clone());
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::module_key;

    #[test]
    fn module_paths_stay_inside_scripts() {
        assert_eq!(module_key("helpers").as_deref(), Ok("scripts/helpers.rhai"));
        assert_eq!(
            module_key("scripts/sub/x.rhai").as_deref(),
            Ok("scripts/sub/x.rhai")
        );
        for bad in [
            "../../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "C:\\x",
            "",
            "./x",
        ] {
            assert!(module_key(bad).is_err(), "{bad} must be refused");
        }
    }
}
