//! The host API scripts call, in namespaced modules. `text::` wraps [`crate::text`] so scripts
//! analyse Chinese and English replies exactly as the declarative rules do.
//!
//! Every function checks its arguments: phrase lists are capped, non-string items are refused
//! with a clear error, and regexes are compiled under a size limit.

use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FuncRegistration, INT, ImmutableString, Module,
    NativeCallContext,
};

use crate::text;

/// Longest phrase list a script may pass.
const MAX_PHRASES: usize = 1_000;
/// Largest compiled regex a script may build.
const MAX_REGEX_SIZE: usize = 256 * 1024;
/// How many of the patterns `text::matches` compiled a thread keeps for the next call: a
/// script names a handful of literal patterns, and compiling one costs more than matching it.
/// Bounded, so a script that builds patterns from its input keeps at most this many (each
/// under [`MAX_REGEX_SIZE`]).
const CACHED_REGEXES: usize = 16;

thread_local! {
    /// The patterns `text::matches` compiled on this thread, the most recently used last.
    static REGEXES: std::cell::RefCell<Vec<(String, regex::Regex)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether a script's pattern (case- and width-blind) matches `haystack`, compiled once per
/// thread while it stays among the [`CACHED_REGEXES`] most recently used. The regex is used in
/// place, not cloned: a clone starts with an empty matching cache.
fn script_matches(pattern: &str, haystack: &str) -> Result<bool, String> {
    REGEXES.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(i) = c.iter().position(|(p, _)| p == pattern) {
            let hit = c.remove(i);
            c.push(hit);
        } else {
            let re = regex::RegexBuilder::new(&text::half_width_pattern(pattern))
                .size_limit(MAX_REGEX_SIZE)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("invalid regex: {}", text::regex_error_detail(&e)))?;
            if c.len() >= CACHED_REGEXES {
                c.remove(0);
            }
            c.push((pattern.to_owned(), re));
        }
        Ok(c.last().is_some_and(|(_, re)| re.is_match(haystack)))
    })
}

type Res<T> = Result<T, Box<EvalAltResult>>;

fn phrases(list: &Array) -> Result<Vec<String>, String> {
    if list.len() > MAX_PHRASES {
        return Err(format!(
            "phrase list has {} items; the limit is {MAX_PHRASES}",
            list.len()
        ));
    }
    list.iter()
        .map(|d| {
            d.clone()
                .into_immutable_string()
                .map(|s| s.to_string())
                .map_err(|t| format!("phrase lists hold strings, found {t}"))
        })
        .collect()
}

/// An error at the script's call site.
fn at(ctx: &NativeCallContext, msg: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(msg.into(), ctx.call_position()).into()
}

fn int(n: usize) -> INT {
    INT::try_from(n).unwrap_or(INT::MAX)
}

/// One function of the `text::` module, for registration and for the editor definitions.
pub struct HostFn {
    pub name: &'static str,
    /// Parameters and return type, as rhai definition files write them.
    pub signature: &'static str,
    pub doc: &'static str,
    pub example: &'static str,
}

/// The `text::` module, documented once.
pub const TEXT_FNS: &[HostFn] = &[
    HostFn {
        name: "contains_any",
        signature: "(text: String, phrases: Array) -> bool",
        doc: "Does `text` contain at least one of `phrases`? Case- and width-blind.",
        example: "text::contains_any(ctx.reply, [\"试戴\", \"try it on\"])",
    },
    HostFn {
        name: "contains_all",
        signature: "(text: String, phrases: Array) -> bool",
        doc: "Does `text` contain every one of `phrases`?",
        example: "text::contains_all(ctx.reply, [\"预算\", \"时间\"])",
    },
    HostFn {
        name: "contains_none",
        signature: "(text: String, phrases: Array) -> bool",
        doc: "Does `text` contain none of `phrases`?",
        example: "text::contains_none(ctx.reply, ctx.phrases.disparage)",
    },
    HostFn {
        name: "found",
        signature: "(text: String, phrases: Array) -> Array",
        doc: "The phrases of `phrases` that occur in `text`, in list order.",
        example: "let hits = text::found(ctx.reply, ctx.phrases.pressure);",
    },
    HostFn {
        name: "count",
        signature: "(text: String, phrase: String) -> int",
        doc: "How many times `phrase` occurs in `text`.",
        example: "text::count(ctx.reply, \"您\")",
    },
    HostFn {
        name: "position",
        signature: "(text: String, phrase: String) -> int",
        doc: "Character offset of the first place `phrase` stands in `text`, matched as `found` matches (case- and width-blind, as words, English inflections), counted in the normalized text; -1 when it does not occur.",
        example: "text::position(ctx.reply, \"试戴\")",
    },
    HostFn {
        name: "matches",
        signature: "(text: String, pattern: String) -> bool",
        doc: "Does `text` match the regular expression `pattern` (Rust regex syntax)? Case-blind, against the normalized text (as rubric regexes).",
        example: "text::matches(ctx.reply, \"[0-9]+元\")",
    },
    HostFn {
        name: "char_count",
        signature: "(text: String) -> int",
        doc: "Non-space characters (a Chinese character counts one).",
        example: "text::char_count(ctx.reply) <= 60",
    },
    HostFn {
        name: "word_count",
        signature: "(text: String) -> int",
        doc: "Words: each Chinese character, plus runs of letters or digits.",
        example: "text::word_count(\"您好 hello\")  // 3",
    },
    HostFn {
        name: "is_question",
        signature: "(text: String) -> bool",
        doc: "Does `text` ask something (？, 吗, 呢, what, do you…)?",
        example: "text::is_question(ctx.reply)",
    },
    HostFn {
        name: "is_open_question",
        signature: "(text: String) -> bool",
        doc: "Does `text` ask an open question (什么/怎么/为什么/如何/哪些/多少, what/how/why)?",
        example: "text::is_open_question(\"您最关心什么？\")  // true",
    },
    HostFn {
        name: "is_closed_question",
        signature: "(text: String) -> bool",
        doc: "Does `text` ask only a yes/no question (吗/是不是/有没有, do/is/are/can)?",
        example: "text::is_closed_question(\"您喜欢吗？\")  // true",
    },
    HostFn {
        name: "mentions_price",
        signature: "(text: String) -> bool",
        doc: "Does `text` mention a price or amount (¥, 元, 万, digits, 三千元, price)?",
        example: "text::mentions_price(\"这款3800元\")  // true",
    },
    HostFn {
        name: "concept",
        signature: "(text: String, concept: String) -> bool",
        doc: "Does `text` express the concept (concepts.yaml): one of its words, not negated in its clause, or one of its patterns?",
        example: "text::concept(ctx.reply, \"empathy\")",
    },
    HostFn {
        name: "concept_words",
        signature: "(text: String, concept: String) -> Array",
        doc: "The words of the concept that `text` expresses it with (empty when it does not).",
        example: "let why = text::concept_words(ctx.reply, \"kickback\");",
    },
    HostFn {
        name: "normalize",
        signature: "(text: String) -> String",
        doc: "Lower-cased, full-width folded to half-width, white space collapsed.",
        example: "text::normalize(\"Ｈｅｌｌｏ  World\")  // \"hello world\"",
    },
];

/// Registers one function, documented from [`TEXT_FNS`].
macro_rules! host_fn {
    ($m:expr, $name:literal, $f:expr) => {{
        let info = TEXT_FNS.iter().find(|f| f.name == $name);
        let mut r = FuncRegistration::new($name);
        if let Some(info) = info {
            r = r.with_comments([
                format!("/// {}", info.doc),
                format!("/// `{}`", info.example),
            ]);
        }
        r.set_into_module($m, $f);
    }};
}

/// The concept lexicon scripts see through `text::concept`.
pub type Concepts = std::sync::Arc<
    std::collections::BTreeMap<String, std::sync::Arc<crate::playbook::model::Concept>>,
>;

fn concept_named<'a>(
    cx: &NativeCallContext,
    concepts: &'a Concepts,
    name: &str,
) -> Res<&'a crate::playbook::model::Concept> {
    concepts.get(name).map(|k| &**k).ok_or_else(|| {
        let hint = crate::playbook::diag::closest(name, concepts.keys().map(String::as_str))
            .map_or_else(String::new, |k| format!("; did you mean '{k}'?"));
        at(cx, format!("unknown concept '{name}'{hint}"))
    })
}

/// The `text::` module without a concept lexicon (for the editor's definitions).
pub fn text_module() -> Module {
    text_module_with(Concepts::default())
}

/// The `text::` module; `text::concept` looks concepts up in `concepts`.
pub fn text_module_with(concepts: Concepts) -> Module {
    let mut m = Module::new();
    let lexicon = concepts.clone();
    host_fn!(&mut m, "concept", move |cx: NativeCallContext,
                                      t: ImmutableString,
                                      name: ImmutableString|
          -> Res<bool> {
        let k = concept_named(&cx, &lexicon, &name)?;
        // As the rubric decides: words inside an opposing concept's longer phrase are its.
        Ok(k.expressed_in(&text::Normalized::new(&t)))
    });
    let lexicon = concepts;
    host_fn!(&mut m, "concept_words", move |cx: NativeCallContext,
                                            t: ImmutableString,
                                            name: ImmutableString|
          -> Res<Array> {
        let k = concept_named(&cx, &lexicon, &name)?;
        let t = text::Normalized::new(&t);
        if !k.expressed_in(&t) {
            return Ok(Array::new());
        }
        Ok(k.found(&t).into_iter().map(Dynamic::from).collect())
    });
    host_fn!(&mut m, "contains_any", |cx: NativeCallContext,
                                      t: ImmutableString,
                                      l: Array|
     -> Res<bool> {
        Ok(text::contains_any(
            &t,
            &phrases(&l).map_err(|m| at(&cx, m))?,
        ))
    });
    host_fn!(&mut m, "contains_all", |cx: NativeCallContext,
                                      t: ImmutableString,
                                      l: Array|
     -> Res<bool> {
        Ok(text::contains_all(
            &t,
            &phrases(&l).map_err(|m| at(&cx, m))?,
        ))
    });
    host_fn!(&mut m, "contains_none", |cx: NativeCallContext,
                                       t: ImmutableString,
                                       l: Array|
     -> Res<bool> {
        Ok(!text::contains_any(
            &t,
            &phrases(&l).map_err(|m| at(&cx, m))?,
        ))
    });
    host_fn!(&mut m, "found", |cx: NativeCallContext,
                               t: ImmutableString,
                               l: Array|
     -> Res<Array> {
        let p = phrases(&l).map_err(|m| at(&cx, m))?;
        Ok(text::found(&t, &p)
            .into_iter()
            .map(|s| Dynamic::from(s.to_owned()))
            .collect())
    });
    host_fn!(&mut m, "count", |t: ImmutableString,
                               p: ImmutableString|
     -> Res<INT> {
        Ok(int(text::count(&t, &p)))
    });
    host_fn!(&mut m, "position", |t: ImmutableString,
                                  p: ImmutableString|
     -> Res<INT> {
        Ok(text::position(&t, &p).map_or(-1, int))
    });
    host_fn!(&mut m, "matches", |cx: NativeCallContext,
                                 t: ImmutableString,
                                 p: ImmutableString|
     -> Res<bool> {
        script_matches(&p, &text::normalize(&t)).map_err(|m| at(&cx, m))
    });
    host_fn!(&mut m, "char_count", |t: ImmutableString| -> Res<INT> {
        Ok(int(text::char_count(&t)))
    });
    host_fn!(&mut m, "word_count", |t: ImmutableString| -> Res<INT> {
        Ok(int(text::word_count(&t)))
    });
    host_fn!(&mut m, "is_question", |t: ImmutableString| -> Res<bool> {
        Ok(text::is_question(&t))
    });
    host_fn!(
        &mut m,
        "is_open_question",
        |t: ImmutableString| -> Res<bool> { Ok(text::is_open_question(&t)) }
    );
    host_fn!(
        &mut m,
        "is_closed_question",
        |t: ImmutableString| -> Res<bool> { Ok(text::is_closed_question(&t)) }
    );
    host_fn!(
        &mut m,
        "mentions_price",
        |t: ImmutableString| -> Res<bool> { Ok(text::mentions_price(&t)) }
    );
    host_fn!(&mut m, "normalize", |t: ImmutableString| -> Res<String> {
        Ok(text::normalize(&t))
    });
    m
}

/// Registers every host module on the engine.
pub fn register(engine: &mut Engine, concepts: Concepts) {
    engine.register_static_module("text", text_module_with(concepts).into());
}

#[cfg(test)]
mod tests {
    use super::{CACHED_REGEXES, REGEXES, script_matches};

    fn cached() -> Vec<String> {
        REGEXES.with(|c| c.borrow().iter().map(|(p, _)| p.clone()).collect())
    }

    #[test]
    fn a_pattern_is_compiled_once_and_the_cache_keeps_only_the_most_recent() {
        assert_eq!(script_matches("[0-9]+元", "一共3680元"), Ok(true));
        assert_eq!(script_matches("[0-9]+元", "价格好商量"), Ok(false));
        assert_eq!(cached(), vec!["[0-9]+元".to_owned()]);
        for i in 0..3 * CACHED_REGEXES {
            let p = format!("x{i}y");
            assert_eq!(script_matches(&p, &format!("ax{i}yb")), Ok(true));
            assert_eq!(script_matches(&p, "none"), Ok(false));
        }
        let kept = cached();
        assert_eq!(kept.len(), CACHED_REGEXES);
        assert_eq!(kept.last().map(String::as_str), Some("x47y"));
        assert!(!kept.iter().any(|p| p == "[0-9]+元"), "{kept:?}");
        // A pattern used again moves to the back, so it outlives the ones not used since.
        let first = kept[0].clone();
        assert_eq!(script_matches(&first, "x"), Ok(false));
        assert_eq!(cached().last(), Some(&first));
        // Evicted patterns still match as before.
        assert_eq!(script_matches("[0-9]+元", "3680元"), Ok(true));
    }

    #[test]
    fn a_pattern_that_does_not_compile_is_an_error_each_time_and_not_kept() {
        for _ in 0..2 {
            let e = script_matches("(((", "x").expect_err("unclosed group");
            assert!(e.starts_with("invalid regex: "), "{e}");
        }
        assert!(!cached().iter().any(|p| p == "((("));
        let e = script_matches("\\w{1000}{1000}", "x").expect_err("too large");
        assert!(e.starts_with("invalid regex: "), "{e}");
    }
}
