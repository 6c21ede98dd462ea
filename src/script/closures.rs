//! Array functions that call a script's closure and keep its budget.
//!
//! rhai's own `sort`, `sort_by`, `order`, `order_by` and `dedup` with a comparer drop every
//! error the comparer returns (`slice::sort_by` cannot stop). Once a call is over its budget,
//! every comparer call fails at once and the error is thrown away, so the sort goes on: a
//! slow comparer kept a script running for 6 s, nested sorts for over a minute. The versions
//! here, registered over the standard library's, stop at the comparer's first error and
//! return it, so the operations limit, the deadline and the memory budget hold inside them as
//! they do everywhere else. (The other closure-taking functions — `map`, `filter`, `reduce`,
//! `some`, `all`, `find`, `retain`, `drain`, `for_each`, `index_of`, `zip` — already pass
//! the closure's error on.)

use std::cmp::Ordering;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, NativeCallContext, Position};

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// The ordering a comparer's result stands for, as rhai reads it: a number's sign, or `true`
/// for "before".
fn ordering(v: &Dynamic) -> Fallible<Ordering> {
    if let Ok(n) = v.as_int() {
        return Ok(n.cmp(&0));
    }
    if let Ok(b) = v.as_bool() {
        return Ok(if b { Ordering::Less } else { Ordering::Greater });
    }
    Err(EvalAltResult::ErrorRuntime(
        format!(
            "the sort comparer returned {}, not a number (negative: before, 0: equal, positive: after)",
            v.type_name()
        )
        .into(),
        Position::NONE,
    )
    .into())
}

/// Sorts `array` with `comparer`, stopping at its first error (then `array` is in some
/// order of its items, none lost).
fn sort_with(ctx: &NativeCallContext, array: &mut Array, comparer: &FnPtr) -> Fallible<()> {
    if array.len() <= 1 {
        return Ok(());
    }
    let mut failed: Option<Box<EvalAltResult>> = None;
    // `slice::sort_by` may panic when the comparer is not a total order; it then leaves the
    // items in some order, none lost.
    let sorted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        array.sort_by(|x, y| {
            if failed.is_some() {
                // Nothing more runs: the rest of the sort is cheap comparisons of nothing.
                return Ordering::Equal;
            }
            match comparer
                .call_raw(ctx, None, [x.clone(), y.clone()])
                .and_then(|v| ordering(&v))
            {
                Ok(o) => o,
                Err(e) => {
                    failed = Some(e);
                    Ordering::Equal
                }
            }
        });
    }));
    if let Some(e) = failed {
        return Err(e);
    }
    sorted.map_err(|_| {
        EvalAltResult::ErrorRuntime(
            "the sort comparer is not a consistent order".into(),
            Position::NONE,
        )
        .into()
    })
}

/// Removes consecutive items the comparer calls equal, stopping at its first error.
fn dedup_with(ctx: &NativeCallContext, array: &mut Array, comparer: &FnPtr) -> Fallible<()> {
    let mut kept: Array = Vec::with_capacity(array.len());
    for item in array.drain(..) {
        if let Some(last) = kept.last() {
            let same = comparer.call_raw(ctx, None, [last.clone(), item.clone()])?;
            if same.as_bool().unwrap_or(false) {
                continue;
            }
        }
        kept.push(item);
    }
    *array = kept;
    Ok(())
}

/// Registers the budget-keeping versions over the standard library's.
pub fn register(engine: &mut Engine) {
    for name in ["sort", "sort_by"] {
        engine.register_fn(
            name,
            |ctx: NativeCallContext, array: &mut Array, comparer: FnPtr| {
                sort_with(&ctx, array, &comparer)
            },
        );
    }
    for name in ["order", "order_by"] {
        engine.register_fn(
            name,
            |ctx: NativeCallContext, array: &mut Array, comparer: FnPtr| -> Fallible<Array> {
                let mut copy = array.clone();
                sort_with(&ctx, &mut copy, &comparer)?;
                Ok(copy)
            },
        );
    }
    engine.register_fn(
        "dedup",
        |ctx: NativeCallContext, array: &mut Array, comparer: FnPtr| {
            dedup_with(&ctx, array, &comparer)
        },
    );
}

#[cfg(test)]
mod tests {
    use rhai::Engine;

    fn engine() -> Engine {
        let mut e = Engine::new();
        e.set_max_operations(200_000);
        super::register(&mut e);
        e
    }

    #[test]
    fn sorting_with_a_comparer_still_sorts() {
        let e = engine();
        let v: rhai::Array = e
            .eval("let a = [3, 1, 2]; a.sort(|x, y| x - y); a")
            .expect("sorts");
        let v: Vec<i64> = v.into_iter().map(|d| d.as_int().expect("int")).collect();
        assert_eq!(v, [1, 2, 3]);
        let v: rhai::Array = e
            .eval("let a = [3, 1, 2]; a.order_by(|x, y| x > y)")
            .expect("orders");
        let v: Vec<i64> = v.into_iter().map(|d| d.as_int().expect("int")).collect();
        assert_eq!(v, [3, 2, 1]);
        let v: rhai::Array = e
            .eval("let a = [1, 1, 2, 2, 1]; a.dedup(|x, y| x == y); a")
            .expect("dedups");
        assert_eq!(v.len(), 3);
    }

    /// A comparer's error ends the sort and is returned (rhai's own sort drops it and goes
    /// on comparing). The budgets themselves are tested with the sandboxed engine, in
    /// tests/script_sandbox.rs and the hostile-script catalogue.
    #[test]
    fn a_comparers_error_stops_the_sort() {
        let e = engine();
        let err = e
            .eval::<rhai::Dynamic>("[1, 2].sort(|x, y| \"up\")")
            .expect_err("not a number");
        assert!(err.to_string().contains("not a number"), "{err}");
        let err = e
            .eval::<rhai::Dynamic>(
                "let calls = []; let a = []; for i in 0..100 { a.push(i) }
                 a.sort(|x, y| throw \"stop\"); a",
            )
            .expect_err("thrown");
        assert!(err.to_string().contains("stop"), "{err}");
    }
}
