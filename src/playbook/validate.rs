//! Semantic checks: raw file types in, validated [`model`] types out, every problem reported
//! with its file, line and column.
//!
//! A playbook with any error yields `None`; warnings never stop it from loading. All problems
//! of a file are collected in one pass rather than stopping at the first.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use regex::RegexBuilder;
use serde_saphyr::{Location, Spanned};

use super::diag::{Diagnostic, Pos, Report, closest, did_you_mean, known_list};
use super::model::{
    self, ANY_LOCALE, ChecklistItem, Choice, Concept, Criterion, Ending, Next, Persona, Playbook,
    Premature, Reply, Rubric, Rule, Scenario, Scripts, SourceInfo, Stage, Target, TestCase,
    TestInput, Turn,
};
use super::raw::{
    Gender, Id, PersonaKind, RawConceptLexicon, RawCriterion, RawNext, RawPersonaLibrary,
    RawPlaybook, RawPremature, RawRule, RawScenario, RawStage, RawTest, Text, TextValue,
};
use crate::msg::{self, Noun};

/// Largest compiled size of one rubric regex; a bigger one is refused, not built.
pub(crate) const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Sizes real content never reaches (the bundled playbooks' largest in brackets), so a
/// crafted file under the 4 MiB cap cannot make the app hold megabytes of one title.
pub mod limits {
    /// Characters in a title (playbook, stage, criterion, scenario, concept) [43].
    pub const TITLE_CHARS: usize = 120;
    /// Characters in any other text: a customer line, an option, a talk track, a model
    /// answer [274].
    pub const TEXT_CHARS: usize = 2_000;
    /// Stages of a playbook [10].
    pub const STAGES: usize = 50;
    /// Criteria of a rubric [6].
    pub const CRITERIA: usize = 50;
    /// Rules of one criterion [9].
    pub const RULES: usize = 100;
    /// Scenarios of a playbook [8].
    pub const SCENARIOS: usize = 200;
    /// Days a certificate may last: ten years.
    pub const CERTIFICATE_DAYS: u32 = 3650;
    /// Turns of a scenario [9].
    pub const TURNS: usize = 500;
    /// Options of a multiple-choice turn [4].
    pub const OPTIONS: usize = 12;
    /// Test cases of a playbook [37].
    pub const TESTS: usize = 5_000;
}

struct Checker<'a> {
    file: &'a str,
    report: &'a mut Report,
    locales: Vec<String>,
    errors_before: usize,
}

fn pos(loc: Location) -> Option<Pos> {
    Pos::from_location(loc)
}

/// `loc`, or `fallback` where the parser could not tell (values inside `next:` rules).
fn pos_or(loc: Location, fallback: Location) -> Option<Pos> {
    pos(loc).or_else(|| pos(fallback))
}

impl<'a> Checker<'a> {
    fn new(file: &'a str, report: &'a mut Report, locales: Vec<String>) -> Self {
        let errors_before = report.errors();
        Self {
            file,
            report,
            locales,
            errors_before,
        }
    }

    fn error(&mut self, at: Option<Pos>, msg: msg::Text) {
        self.report.push(Diagnostic::error(self.file, at, msg));
    }

    fn error_help(&mut self, at: Option<Pos>, msg: msg::Text, help: Option<msg::Text>) {
        self.report
            .push(Diagnostic::error(self.file, at, msg).with_help(help));
    }

    fn warning(&mut self, at: Option<Pos>, msg: msg::Text) {
        self.report.push(Diagnostic::warning(self.file, at, msg));
    }

    fn failed(&self) -> bool {
        self.report.errors() > self.errors_before
    }

    /// Checks an id's spelling and that it is new in `seen`.
    fn id(&mut self, id: &Id, what: Noun, seen: &mut HashMap<String, u64>) -> String {
        let v = &id.value;
        let ok = !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            self.error_help(
                pos(id.referenced),
                msg::invalid_id(what, v),
                Some(msg::id_charset()),
            );
        }
        if let Some(first) = seen.get(v) {
            let first = *first;
            self.error(pos(id.referenced), msg::duplicate_id(what, v, first));
        } else {
            seen.insert(v.clone(), id.referenced.line());
        }
        v.clone()
    }

    /// Checks that `id` names one of `known`; reports the closest known name otherwise.
    fn reference(&mut self, id: &Id, fallback: Location, what: Noun, known: &[&str]) -> bool {
        if known.contains(&id.value.as_str()) {
            return true;
        }
        self.error_help(
            pos_or(id.referenced, fallback),
            msg::unknown_ref(what, &id.value, known_list(known.iter().copied())),
            did_you_mean(&id.value, known.iter().copied()),
        );
        false
    }

    fn text(&mut self, t: &Text) -> model::Text {
        self.text_within(t, limits::TEXT_CHARS)
    }

    fn title(&mut self, t: &Text) -> model::Text {
        self.text_within(t, limits::TITLE_CHARS)
    }

    /// At most `limit` entries of `what`; an error at `at` past it.
    fn count(&mut self, n: usize, limit: usize, what: Noun, at: Location) {
        if n > limit {
            self.error(pos(at), msg::too_many(what, n, limit));
        }
    }

    /// A text, every version of it at most `limit` characters.
    fn text_within(&mut self, t: &Text, limit: usize) -> model::Text {
        let longest = match &t.0.value {
            TextValue::Same(s) => s.chars().count(),
            TextValue::Localized(map) => map.values().map(|s| s.chars().count()).max().unwrap_or(0),
        };
        if longest > limit {
            self.error(pos(t.0.referenced), msg::text_too_long(longest, limit));
        }
        if self.report.translations
            && matches!(t.0.value, TextValue::Same(_))
            && self.locales.len() > 1
        {
            let locales = self.locales.join(", ");
            self.report.push(
                Diagnostic::warning(
                    self.file,
                    pos(t.0.referenced),
                    msg::plain_text_in_bilingual(locales),
                )
                .with_help(Some(msg::plain_text_help())),
            );
        }
        match &t.0.value {
            TextValue::Same(s) => model::Text([(ANY_LOCALE.to_owned(), s.clone())].into()),
            TextValue::Localized(map) => {
                for loc in &self.locales.clone() {
                    if map.get(loc).is_none_or(|s| s.trim().is_empty()) {
                        self.error_help(
                            pos(t.0.referenced),
                            msg::text_missing_locale(loc),
                            Some(msg::every_locale(self.locales.join(", "))),
                        );
                    }
                }
                if !self.locales.is_empty() {
                    for loc in map.keys().filter(|k| !self.locales.contains(k)) {
                        let help = did_you_mean(loc, self.locales.iter().map(String::as_str));
                        self.report.push(
                            Diagnostic::warning(
                                self.file,
                                pos(t.0.referenced),
                                msg::locale_undeclared(loc),
                            )
                            .with_help(help),
                        );
                    }
                }
                model::Text(map.clone())
            }
        }
    }

    fn texts(&mut self, ts: &[Text]) -> Vec<model::Text> {
        ts.iter().map(|t| self.text(t)).collect()
    }

    fn opt_text(&mut self, t: &Option<Text>) -> Option<model::Text> {
        t.as_ref().map(|t| self.text(t))
    }

    fn percent(&mut self, v: i64, loc: Location, what: Noun) -> u8 {
        match u8::try_from(v) {
            Ok(p) if p <= 100 => p,
            _ => {
                self.error(pos(loc), msg::percent_range(what, v));
                0
            }
        }
    }
}

/// A concept's patterns, checked: each one compiles within [`REGEX_SIZE_LIMIT`] and none
/// matches the empty reply (it would match every reply). Two or more are checked as one set,
/// which is kept as the concept's automaton of all its patterns; each pattern's own automaton
/// is then built when first needed. Only when the set does not build is each pattern compiled
/// on its own, to say which one fails and why.
fn concept_patterns(
    c: &mut Checker<'_>,
    id: &str,
    written: &[Id],
) -> (
    Vec<crate::playbook::model::Pattern>,
    std::sync::OnceLock<Option<regex::RegexSet>>,
) {
    use crate::playbook::model::Pattern;
    let sources: Vec<String> = written.iter().map(|p| pattern_source(&p.value)).collect();
    if sources.len() >= 2 {
        // Within one pattern's limit, so each pattern (a part of the set) fits it too.
        let set = regex::RegexSetBuilder::new(&sources)
            .size_limit(REGEX_SIZE_LIMIT)
            .case_insensitive(true)
            .build();
        if let Ok(set) = set {
            let empty = set.matches("");
            let mut patterns = Vec::with_capacity(sources.len());
            for (i, (p, source)) in written.iter().zip(sources).enumerate() {
                // A pattern that matches nothing at all matches every reply.
                if empty.matched(i) {
                    c.error(pos(p.referenced), msg::concept_matches_everything(id));
                } else {
                    patterns.push(Pattern::lazy(source));
                }
            }
            let set = std::sync::OnceLock::from((patterns.len() == written.len()).then_some(set));
            return (patterns, set);
        }
    }
    let patterns = written
        .iter()
        .filter_map(|p| {
            let re = compile_regex(c, p, Noun::Pattern)?;
            if re.is_match("") {
                c.error(pos(p.referenced), msg::concept_matches_everything(id));
                return None;
            }
            Some(Pattern::compiled(re))
        })
        .collect();
    (patterns, std::sync::OnceLock::new())
}

/// A pattern as it is compiled: half-width, with ASCII word bounds (see [`ascii_word_bounds`]).
fn pattern_source(written: &str) -> String {
    ascii_word_bounds(&crate::text::half_width_pattern(written)).into_owned()
}

/// A rubric regex or concept pattern, compiled case-blind under the size limit; an error
/// at its position ("invalid regex: …", "invalid pattern: …") when it does not compile.
fn compile_regex(c: &mut Checker<'_>, re: &Id, what: Noun) -> Option<regex::Regex> {
    match RegexBuilder::new(&pattern_source(&re.value))
        .size_limit(REGEX_SIZE_LIMIT)
        .case_insensitive(true)
        .build()
    {
        Ok(compiled) => Some(compiled),
        Err(e) => {
            let detail = crate::text::regex_error_detail(&e);
            c.error(pos(re.referenced), msg::invalid_regex(what, detail));
            None
        }
    }
}

/// `pattern` with each word boundary `\b` made an ASCII one (`(?-u:\b)`): a boundary between
/// English words, where a Chinese character counts as a non-word character. Unicode word
/// boundaries would make the regex engine give up its fast automaton on any Chinese reply and
/// scan a long one a hundred times slower; between English words both mean the same.
fn ascii_word_bounds(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains("\\b") {
        return std::borrow::Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut escaped = false;
    for ch in pattern.chars() {
        if escaped {
            if ch == 'b' {
                out.push_str("(?-u:\\b)");
            } else {
                out.push('\\');
                out.push(ch);
            }
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else {
            out.push(ch);
        }
    }
    if escaped {
        out.push('\\');
    }
    std::borrow::Cow::Owned(out)
}

/// Validates a concept lexicon (`concepts.yaml`): ids unique, every word list non-empty,
/// every word non-empty, every pattern a regex that compiles.
pub fn concepts(
    raw: RawConceptLexicon,
    file: &str,
    earlier: &BTreeMap<String, Arc<Concept>>,
    report: &mut Report,
) -> Vec<Concept> {
    let mut c = Checker::new(file, report, Vec::new());
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for k in &raw.concepts {
        let id = c.id(&k.id, Noun::Concept, &mut seen);
        let title = c.title(&k.title);
        let note = k.note.as_ref().map(|n| c.text(n));
        if k.words.is_empty() && k.patterns.is_empty() && k.include.is_empty() && !k.extend {
            c.error_help(
                pos(k.id.referenced),
                msg::concept_empty(&id),
                Some(msg::concept_add_words()),
            );
        }
        let mut words = Vec::new();
        let mut words_by_lang: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (lang, list) in &k.words {
            words_by_lang.insert(
                lang.clone(),
                list.iter()
                    .filter(|w| !w.value.trim().is_empty())
                    .map(|w| w.value.clone())
                    .collect(),
            );
            if list.is_empty() {
                c.error(pos(k.id.referenced), msg::concept_empty_list(&id, lang));
            }
            for w in list {
                if w.value.trim().is_empty() {
                    c.error(pos(w.referenced), msg::concept_empty_word(&id));
                } else {
                    words.push(w.value.clone());
                }
            }
        }
        let (patterns, pattern_set) = concept_patterns(&mut c, &id, &k.patterns);
        out.push(Concept {
            id,
            title,
            set: crate::text::PhraseSet::new(&words),
            words,
            words_by_lang,
            pattern_sources: k.patterns.iter().map(|p| p.value.clone()).collect(),
            note,
            includes: k.include.iter().map(|i| i.value.clone()).collect(),
            patterns,
            echo: k.echo,
            opposes: k.opposes.iter().map(|o| o.value.clone()).collect(),
            opponents: std::sync::OnceLock::new(),
            pattern_set,
        });
    }
    include_concepts(&mut c, &raw, earlier, &mut out);
    extend_concepts(&mut c, &raw, earlier, &mut out);
    opposed_words(&mut c, &raw, earlier, &out);
    // Each concept's patterns in one automaton, built now rather than by the first reply.
    for k in &out {
        k.patterns_at_once();
    }
    if c.failed() { Vec::new() } else { out }
}

/// A word written in this file for a concept that a concept it opposes recognizes too: a
/// reply with it would count as both. Opponents are looked up in this file, then the layers
/// before; `opposes` is read from either side, and an unknown name is an error.
fn opposed_words(
    c: &mut Checker<'_>,
    raw: &RawConceptLexicon,
    earlier: &BTreeMap<String, Arc<Concept>>,
    out: &[Concept],
) {
    let find = |id: &str| -> Option<&Concept> {
        out.iter()
            .find(|k| k.id == id)
            .or_else(|| earlier.get(id).map(|k| &**k))
    };
    let all: Vec<&Concept> = out
        .iter()
        .chain(
            earlier
                .values()
                .map(|k| &**k)
                .filter(|k| !out.iter().any(|o| o.id == k.id)),
        )
        .collect();
    for k in &raw.concepts {
        for o in &k.opposes {
            if find(&o.value).is_none() {
                let known = all.iter().map(|k| k.id.as_str());
                c.error_help(
                    pos(o.referenced),
                    msg::unknown_concept(&o.value),
                    did_you_mean(&o.value, known),
                );
            }
        }
        let Some(mine) = find(&k.id.value) else {
            continue;
        };
        let opponents: Vec<&Concept> = mine
            .opponent_ids(all.iter().copied())
            .iter()
            .filter_map(|o| find(o))
            .collect();
        if opponents.is_empty() {
            // Nothing to be opposed by: no word of it can count as both.
            continue;
        }
        for w in k.words.values().flatten() {
            // As the scorer decides: a reply of just this word, each side beside its opponents.
            let said = crate::text::Normalized::new(&w.value);
            let counts = |k: &Concept, against: &[&Concept]| {
                k.expressed_beside(&said, against.iter().copied())
            };
            if !counts(mine, &opponents) {
                continue;
            }
            if let Some(o) = opponents.iter().find(|o| counts(o, &[mine])) {
                c.warning(
                    pos(w.referenced),
                    msg::concept_word_opposed(&w.value, &mine.id, &o.id),
                );
            }
        }
    }
}

/// Merges each `extend: true` concept into the earlier layers' concept of the same id: the
/// earlier words and patterns, less those named in `remove`, then this file's.
fn extend_concepts(
    c: &mut Checker<'_>,
    raw: &RawConceptLexicon,
    earlier: &BTreeMap<String, Arc<Concept>>,
    out: &mut [Concept],
) {
    for (k, mine) in raw.concepts.iter().zip(out.iter_mut()) {
        if !k.extend {
            if let Some(first) = k.remove.first() {
                c.error(
                    pos(first.referenced),
                    msg::concept_remove_without_extend(&k.id.value),
                );
            }
            continue;
        }
        let Some(base) = earlier.get(&k.id.value) else {
            c.error(
                pos(k.id.referenced),
                msg::concept_extends_nothing(&k.id.value),
            );
            continue;
        };
        let gone = |w: &str| k.remove.iter().any(|r| r.value == w);
        for r in &k.remove {
            let known = base.words.contains(&r.value) || base.pattern_sources.contains(&r.value);
            if !known {
                c.warning(
                    pos(r.referenced),
                    msg::concept_removes_nothing(&k.id.value, &r.value),
                );
            }
        }
        let mut by_lang: BTreeMap<String, Vec<String>> = base
            .words_by_lang
            .iter()
            .map(|(l, ws)| (l.clone(), ws.iter().filter(|w| !gone(w)).cloned().collect()))
            .collect();
        for (l, ws) in &mine.words_by_lang {
            by_lang
                .entry(l.clone())
                .or_default()
                .extend(ws.iter().cloned());
        }
        let words: Vec<String> = by_lang.values().flatten().cloned().collect();
        let (mut sources, mut patterns): (Vec<String>, Vec<crate::playbook::model::Pattern>) = base
            .pattern_sources
            .iter()
            .zip(&base.patterns)
            .filter(|(s, _)| !gone(s))
            .map(|(s, p)| (s.clone(), p.clone()))
            .unzip();
        sources.extend(mine.pattern_sources.iter().cloned());
        patterns.extend(mine.patterns.iter().cloned());
        mine.set = crate::text::PhraseSet::new(&words);
        mine.words = words;
        mine.words_by_lang = by_lang;
        mine.pattern_sources = sources;
        mine.patterns = patterns;
        // Its set of patterns, built when checked, holds this file's patterns only.
        mine.pattern_set = std::sync::OnceLock::new();
        mine.echo = mine.echo || base.echo;
        for o in &base.opposes {
            if !mine.opposes.contains(o) {
                mine.opposes.push(o.clone());
            }
        }
        if mine.note.is_none() {
            mine.note = base.note.clone();
        }
    }
}

/// Folds every `include` into its concept: the words and patterns of the included concepts,
/// transitively; a name not in this file is looked up in the layers before (`earlier`). An
/// unknown concept or a circle is an error at the include that names it.
fn include_concepts(
    c: &mut Checker<'_>,
    raw: &RawConceptLexicon,
    earlier: &BTreeMap<String, Arc<Concept>>,
    out: &mut [Concept],
) {
    let index: HashMap<&str, usize> = raw
        .concepts
        .iter()
        .enumerate()
        .map(|(i, k)| (k.id.value.as_str(), i))
        .collect();
    let mut merged = Vec::new();
    for (i, k) in raw.concepts.iter().enumerate() {
        if k.include.is_empty() {
            continue;
        }
        // Depth-first over the includes, with the path from this concept.
        let mut reach: Vec<usize> = Vec::new();
        let mut outside: Vec<Arc<Concept>> = Vec::new();
        let mut stack: Vec<(usize, Vec<usize>)> = vec![(i, vec![i])];
        while let Some((at, path)) = stack.pop() {
            for name in &raw.concepts[at].include {
                let Some(&next) = index.get(name.value.as_str()) else {
                    if let Some(k) = earlier.get(&name.value) {
                        outside.push(k.clone());
                        continue;
                    }
                    if at == i {
                        c.error_help(
                            pos(name.referenced),
                            msg::unknown_concept(&name.value),
                            closest(
                                &name.value,
                                index
                                    .keys()
                                    .copied()
                                    .chain(earlier.keys().map(String::as_str)),
                            )
                            .map(msg::did_you_mean),
                        );
                    }
                    continue;
                };
                if path.contains(&next) {
                    if at == i || next == i {
                        let mut names: Vec<&str> = path
                            .iter()
                            .map(|p| raw.concepts[*p].id.value.as_str())
                            .collect();
                        names.push(&raw.concepts[next].id.value);
                        c.error(
                            pos(name.referenced),
                            msg::concept_include_cycle(names.join(" → ")),
                        );
                    }
                    continue;
                }
                if !reach.contains(&next) {
                    reach.push(next);
                    let mut p = path.clone();
                    p.push(next);
                    stack.push((next, p));
                }
            }
        }
        merged.push((i, reach, outside));
    }
    for (i, reach, outside) in merged {
        let taken: Vec<Concept> = reach
            .iter()
            .map(|r| out[*r].clone())
            .chain(outside.iter().map(|k| (**k).clone()))
            .collect();
        let mine = &mut out[i];
        for k in taken {
            mine.words.extend(k.words);
            mine.patterns.extend(k.patterns);
            mine.pattern_sources.extend(k.pattern_sources);
            for (lang, list) in k.words_by_lang {
                mine.words_by_lang.entry(lang).or_default().extend(list);
            }
        }
        mine.set = crate::text::PhraseSet::new(&mine.words);
        // Its set of patterns, built when checked, holds its own patterns only.
        mine.pattern_set = std::sync::OnceLock::new();
    }
}

/// Validates the persona library. Persona texts may use any locale.
pub fn personas(raw: RawPersonaLibrary, file: &str, report: &mut Report) -> Vec<Persona> {
    let mut c = Checker::new(file, report, Vec::new());
    let mut seen = HashMap::new();
    let out = raw
        .personas
        .iter()
        .map(|p| Persona {
            id: c.id(&p.id, Noun::Persona, &mut seen),
            kind: p.kind,
            name: c.text(&p.name),
            gender: p.gender,
            summary: c.opt_text(&p.summary),
            traits: c.texts(&p.traits),
            cares_about: c.texts(&p.cares_about),
            approach: c.texts(&p.approach),
            avoid: c.texts(&p.avoid),
        })
        .collect();
    if c.failed() { Vec::new() } else { out }
}

/// What a playbook may refer to outside its own file.
pub struct Context<'a> {
    pub personas: &'a BTreeMap<String, Persona>,
    pub concepts: &'a BTreeMap<String, Arc<Concept>>,
    /// Script paths that exist, relative to the content root (`scripts/x.rhai`).
    pub scripts: &'a BTreeSet<String>,
}

/// Validates one playbook file; `None` when it has errors (all of them are in `report`).
pub fn playbook(
    raw: RawPlaybook,
    source: SourceInfo,
    cx: &Context<'_>,
    report: &mut Report,
) -> Option<Playbook> {
    let (pb, failed) = build(raw, source, cx, report);
    (!failed).then_some(pb)
}

/// The playbook as written, errors or not (a reference that does not resolve stays as
/// written): for drawing a draft that has errors, never for practice. `true` beside it when
/// it has errors.
pub fn sketch(raw: RawPlaybook, source: SourceInfo, cx: &Context<'_>) -> (Playbook, bool) {
    build(raw, source, cx, &mut Report::default())
}

fn build(
    raw: RawPlaybook,
    source: SourceInfo,
    cx: &Context<'_>,
    report: &mut Report,
) -> (Playbook, bool) {
    let file = source.file.clone();
    let mut c = Checker::new(&file, report, Vec::new());

    let mut seen = HashMap::new();
    let id = c.id(&raw.id, Noun::Playbook, &mut seen);
    if raw.version.value == 0 {
        c.error(
            pos_or(raw.version.referenced, raw.id.referenced),
            msg::version_zero(),
        );
    }
    let mut seen_locales = HashMap::new();
    let locales: Vec<String> = raw
        .locales
        .iter()
        .map(|l| c.id(l, Noun::Locale, &mut seen_locales))
        .collect();
    if locales.is_empty() {
        c.error(pos(raw.id.referenced), msg::locales_empty());
    }
    c.locales = locales.clone();

    let title = c.title(&raw.title);
    let description = c.opt_text(&raw.description);

    let persona_ids: Vec<&str> = cx.personas.keys().map(String::as_str).collect();
    for p in &raw.personas {
        c.reference(p, raw.id.referenced, Noun::Persona, &persona_ids);
    }

    for (name, list) in &raw.phrases {
        if list.iter().any(|p| p.trim().is_empty()) {
            c.error(None, msg::phrase_list_empty_phrase(name));
        }
    }

    counts(&mut c, &raw);
    let refs = Refs {
        phrases: &raw.phrases,
        concepts: cx.concepts,
    };
    let stages = stages(&mut c, &raw.stages, raw.id.referenced, &refs);
    let rubric = rubric(&mut c, &raw, &refs);
    let scripts = scripts(&mut c, &raw, cx);

    let stage_ids: Vec<&str> = stages.iter().map(|s| s.id.as_str()).collect();
    let criterion_ids: Vec<&str> = rubric.criteria.iter().map(|c| c.id.as_str()).collect();
    let mut seen_scen = HashMap::new();
    let scenarios: Vec<Scenario> = raw
        .scenarios
        .iter()
        .map(|s| {
            scenario(
                &mut c,
                s,
                &mut seen_scen,
                cx.personas,
                &stage_ids,
                &criterion_ids,
                &refs,
            )
        })
        .collect();

    slips(&mut c, &raw, cx, &scenarios, &rubric, &scripts);

    let tests = tests(&mut c, &raw.tests, &scenarios);
    if scenarios
        .iter()
        .any(|s| !tests.iter().any(|t| t.scenario == s.id))
    {
        let untested: Vec<&str> = scenarios
            .iter()
            .filter(|s| !tests.iter().any(|t| t.scenario == s.id))
            .map(|s| s.id.as_str())
            .collect();
        c.warning(pos(raw.id.referenced), msg::untested(known_list(untested)));
    }

    let certification = certification(&mut c, &raw, &scenarios, &criterion_ids);

    let failed = c.failed();
    let mut pb = Playbook {
        id,
        version: raw.version.value,
        title,
        description,
        locales,
        live: raw.live,
        personas: raw.personas.iter().map(|p| p.value.clone()).collect(),
        phrases: raw.phrases.clone(),
        stages,
        rubric,
        scripts,
        scenarios,
        tests,
        certification,
        source,
    };
    // What each turn is about, for telling a question on topic from one about something else.
    // And the conversation's subject, for how much of a reply stays on it.
    let topics: Vec<Vec<(crate::text::Topic, crate::text::Topic)>> = pb
        .scenarios
        .iter()
        .map(|s| {
            s.turns
                .iter()
                .map(|t| (pb.topic_of(s, t), pb.scene_of(s, t)))
                .collect()
        })
        .collect();
    for (s, ts) in pb.scenarios.iter_mut().zip(topics) {
        for (t, (topic, scene)) in s.turns.iter_mut().zip(ts) {
            t.topic = Arc::new(topic);
            t.scene = Arc::new(scene);
        }
    }
    (pb, failed)
}

/// The certificate's rules: scenarios and criteria that exist, points from 0 to 100, an
/// expiry from a day to ten years. Without rules: every scenario passed.
fn certification(
    c: &mut Checker<'_>,
    raw: &RawPlaybook,
    scenarios: &[Scenario],
    criterion_ids: &[&str],
) -> model::Certification {
    let all: Vec<String> = scenarios.iter().map(|s| s.id.clone()).collect();
    let Some(r) = &raw.certification else {
        return model::Certification {
            scenarios: all,
            ..model::Certification::default()
        };
    };
    let scenario_ids: Vec<&str> = all.iter().map(String::as_str).collect();
    let chosen = match &r.scenarios {
        None => all.clone(),
        Some(list) => {
            if list.is_empty() {
                c.error(pos(raw.id.referenced), msg::certification_no_scenarios());
            }
            list.iter()
                .filter(|s| c.reference(s, raw.id.referenced, Noun::Scenario, &scenario_ids))
                .map(|s| s.value.clone())
                .collect()
        }
    };
    let mut minimums = Vec::new();
    for m in &r.minimums {
        if !c.reference(
            &m.criterion,
            raw.id.referenced,
            Noun::Criterion,
            criterion_ids,
        ) {
            continue;
        }
        match u8::try_from(m.points.value).ok().filter(|p| *p <= 100) {
            Some(p) => minimums.push((m.criterion.value.clone(), p)),
            None => c.error(
                pos_or(m.points.referenced, m.criterion.referenced),
                msg::certification_points(m.points.value),
            ),
        }
    }
    let expires_after_days = r.expires_after_days.as_ref().and_then(|d| {
        if (1..=limits::CERTIFICATE_DAYS).contains(&d.value) {
            Some(d.value)
        } else {
            c.error(
                pos_or(d.referenced, raw.id.referenced),
                msg::certification_expiry(d.value, limits::CERTIFICATE_DAYS),
            );
            None
        }
    });
    model::Certification {
        scenarios: chosen,
        minimums,
        sign_off: r.sign_off,
        expires_after_days,
    }
}

/// How many stages, scenarios, tests and criteria a playbook may have.
fn counts(c: &mut Checker<'_>, raw: &RawPlaybook) {
    c.count(
        raw.stages.len(),
        limits::STAGES,
        Noun::Stage,
        raw.id.referenced,
    );
    c.count(
        raw.scenarios.len(),
        limits::SCENARIOS,
        Noun::Scenario,
        raw.id.referenced,
    );
    c.count(
        raw.tests.len(),
        limits::TESTS,
        Noun::Test,
        raw.id.referenced,
    );
    c.count(
        raw.rubric.criteria.len(),
        limits::CRITERIA,
        Noun::Criterion,
        raw.id.referenced,
    );
}

/// Whole-playbook warnings about likely slips: a scenario's customer the playbook's
/// `personas:` does not list, a free-text turn nothing can score.
fn slips(
    c: &mut Checker<'_>,
    raw: &RawPlaybook,
    cx: &Context<'_>,
    scenarios: &[Scenario],
    rubric: &Rubric,
    scripts: &Scripts,
) {
    // The playbook's `personas:` says who it is written for: a scenario's customer outside it
    // is most likely a slip (a persona the list forgot, or one the scenario should not use).
    if !raw.personas.is_empty() {
        let listed: Vec<&str> = raw.personas.iter().map(|p| p.value.as_str()).collect();
        for s in &raw.scenarios {
            for p in std::iter::once(&s.persona).chain(s.style.as_ref()) {
                if cx.personas.contains_key(&p.value) && !listed.contains(&p.value.as_str()) {
                    c.warning(
                        pos_or(p.referenced, s.id.referenced),
                        msg::persona_not_listed(&p.value),
                    );
                }
            }
        }
    }
    // A free-text turn nothing can score is almost certainly an authoring mistake.
    if scripts.score.is_none() {
        for (s, rs) in scenarios.iter().zip(&raw.scenarios) {
            for (t, rt) in s.turns.iter().zip(&rs.turns) {
                let scorable = t.criteria.iter().any(|id| {
                    rubric
                        .criteria
                        .iter()
                        .any(|cr| &cr.id == id && !cr.rules.is_empty())
                });
                if matches!(t.reply, Reply::FreeText) && !scorable {
                    c.warning(pos(rt.id.referenced), msg::free_text_unscored(&t.id));
                }
            }
        }
    }
}

fn stages(c: &mut Checker<'_>, raw: &[RawStage], at: Location, refs: &Refs<'_>) -> Vec<Stage> {
    if raw.is_empty() {
        c.error(pos(at), msg::no_stages());
    }
    let mut seen = HashMap::new();
    let mut seen_items = HashMap::new();
    let stages: Vec<Stage> = raw
        .iter()
        .map(|s| Stage {
            id: c.id(&s.id, Noun::Stage, &mut seen),
            title: c.title(&s.title),
            goal: c.text(&s.goal),
            psychology: c.opt_text(&s.psychology),
            signals: c.texts(&s.signals),
            checklist: s
                .checklist
                .iter()
                .map(|i| ChecklistItem {
                    id: c.id(&i.id, Noun::ChecklistItem, &mut seen_items),
                    text: c.text(&i.text),
                    required: i.required,
                })
                .collect(),
            tips: c.texts(&s.tips),
            talk_tracks: c.texts(&s.talk_tracks),
            pitfalls: c.texts(&s.pitfalls),
            path: s
                .path
                .as_ref()
                .map(|p| c.id(p, Noun::Path, &mut HashMap::new())),
            premature: premature(c, &s.premature, s.id.referenced, refs),
        })
        .collect();
    // A route's stages follow each other: once another route (or a shared stage) comes, the
    // route does not come back.
    let mut closed: Vec<&str> = Vec::new();
    let mut last: Option<&str> = None;
    for (s, r) in stages.iter().zip(raw) {
        let here = s.path.as_deref();
        if here != last {
            if let Some(l) = last {
                closed.push(l);
            }
            if let Some(h) = here
                && closed.contains(&h)
            {
                c.error_help(
                    pos(r.path.as_ref().map_or(r.id.referenced, |p| p.referenced)),
                    msg::path_split(h),
                    Some(msg::path_together()),
                );
            }
        }
        last = here;
    }
    stages
}

/// What a rule may refer to: the playbook's phrase lists and the concept lexicon.
struct Refs<'a> {
    phrases: &'a BTreeMap<String, Vec<String>>,
    concepts: &'a BTreeMap<String, Arc<Concept>>,
}

fn rubric(c: &mut Checker<'_>, raw: &RawPlaybook, refs: &Refs<'_>) -> Rubric {
    let r = &raw.rubric;
    let pass_mark = c.percent(r.pass_mark.value, r.pass_mark.referenced, Noun::PassMark);
    let gate_cap = c.percent(r.gate_cap.value, r.gate_cap.referenced, Noun::GateCap);
    if r.criteria.is_empty() {
        c.error(pos(raw.id.referenced), msg::no_criteria());
    }
    let mut seen = HashMap::new();
    let criteria = r
        .criteria
        .iter()
        .map(|cr| criterion(c, cr, &mut seen, refs))
        .collect();
    let scale = r.scale.as_ref().map_or_else(Vec::new, |sc| {
        let points: Vec<(f64, f64)> = sc.value.iter().map(|p| (p[0], p[1])).collect();
        if let Some(why) = scale_problem(&points) {
            c.error(pos(sc.referenced), why);
            Vec::new()
        } else {
            points
        }
    });
    Rubric {
        pass_mark,
        gate_cap,
        scale,
        reading: r.reading,
        criteria,
    }
}

/// What is wrong with a rubric's scale, if anything: at least two points, from `[0, 0]` to
/// `[100, …]`, the first numbers rising, the second never falling, all within 0–100.
fn scale_problem(points: &[(f64, f64)]) -> Option<msg::Text> {
    if points.len() < 2 {
        return Some(msg::scale_two_points());
    }
    if points
        .iter()
        .any(|&(x, y)| !(0.0..=100.0).contains(&x) || !(0.0..=100.0).contains(&y))
    {
        return Some(msg::scale_range());
    }
    if points[0] != (0.0, 0.0) {
        return Some(msg::scale_start());
    }
    if points.last().is_some_and(|p| p.0 != 100.0) {
        return Some(msg::scale_end());
    }
    if points
        .windows(2)
        .any(|w| w[1].0 <= w[0].0 || w[1].1 < w[0].1)
    {
        return Some(msg::scale_order());
    }
    None
}

fn criterion(
    c: &mut Checker<'_>,
    raw: &RawCriterion,
    seen: &mut HashMap<String, u64>,
    refs: &Refs<'_>,
) -> Criterion {
    let id = c.id(&raw.id, Noun::Criterion, seen);
    let w = raw.weight.value;
    if !(w.is_finite() && w > 0.0) {
        c.error(pos(raw.weight.referenced), msg::weight_positive(w));
    }
    let base = raw.base.as_ref().map_or(0, |b| {
        i32::from(c.percent(b.value, b.referenced, Noun::Base))
    });
    c.count(
        raw.rules.len(),
        limits::RULES,
        Noun::Rule,
        raw.id.referenced,
    );
    let mut seen_rules = HashMap::new();
    let rules = raw
        .rules
        .iter()
        .map(|r| rule(c, r, &mut seen_rules, refs))
        .collect();
    Criterion {
        id,
        title: c.title(&raw.title),
        weight: w,
        description: c.opt_text(&raw.description),
        base,
        rules,
    }
}

fn expand(
    c: &mut Checker<'_>,
    list: &[Id],
    phrases: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for p in list {
        if let Some(name) = p.value.strip_prefix('@') {
            match phrases.get(name) {
                Some(l) => out.extend(l.iter().cloned()),
                None => c.error_help(
                    pos(p.referenced),
                    msg::unknown_phrase_list(name, known_list(phrases.keys().map(String::as_str))),
                    closest(name, phrases.keys().map(String::as_str))
                        .map(|k| msg::did_you_mean(format!("@{k}"))),
                ),
            }
        } else if p.value.trim().is_empty() {
            c.error(pos(p.referenced), msg::empty_phrase());
        } else {
            out.push(p.value.clone());
        }
    }
    out
}

/// The concepts `names` refer to; each unknown one is an error at its name.
fn resolve_concepts(c: &mut Checker<'_>, names: &[Id], refs: &Refs<'_>) -> Vec<Arc<Concept>> {
    names
        .iter()
        .filter_map(|name| match refs.concepts.get(&name.value) {
            Some(k) => Some(k.clone()),
            None => {
                c.error_help(
                    pos(name.referenced),
                    msg::unknown_concept(&name.value),
                    closest(&name.value, refs.concepts.keys().map(String::as_str))
                        .map(msg::did_you_mean)
                        .or_else(|| Some(msg::concepts_where())),
                );
                None
            }
        })
        .collect()
}

/// Moves that do not fit a stage or a turn (`at`: where it is declared).
fn premature(
    c: &mut Checker<'_>,
    raw: &[RawPremature],
    at: Location,
    refs: &Refs<'_>,
) -> Vec<Premature> {
    raw.iter()
        .map(|p| {
            if p.concept.is_empty() && !p.quotes_price {
                c.error(pos(at), msg::premature_no_move());
            }
            let points = match &p.points {
                Some(n) if !(-100..=0).contains(&n.value) => {
                    c.error(pos(n.referenced), msg::premature_points(n.value));
                    0
                }
                Some(n) => i32::try_from(n.value).unwrap_or(0),
                None => 0,
            };
            Premature {
                concepts: resolve_concepts(c, &p.concept, refs),
                quotes_price: p.quotes_price,
                unless: resolve_concepts(c, &p.unless, refs),
                feedback: c.text(&p.feedback),
                points,
            }
        })
        .collect()
}

fn rule(
    c: &mut Checker<'_>,
    r: &RawRule,
    seen: &mut HashMap<String, u64>,
    refs: &Refs<'_>,
) -> Rule {
    let phrases = refs.phrases;
    let id = c.id(&r.id, Noun::Rule, seen);
    let concepts = resolve_concepts(c, &r.concept, refs);
    let no_concepts = resolve_concepts(c, &r.no_concept, refs);
    let rejects = resolve_concepts(c, &r.rejects, refs);
    let has_condition = !r.concept.is_empty()
        || !r.no_concept.is_empty()
        || !r.rejects.is_empty()
        || !r.any.is_empty()
        || !r.all.is_empty()
        || !r.none.is_empty()
        || r.regex.is_some()
        || r.min_chars.is_some()
        || r.max_chars.is_some()
        || r.question.is_some()
        || r.open_question.is_some()
        || r.mentions_price.is_some()
        || r.quotes_price.is_some();
    if !has_condition {
        c.error_help(
            pos(r.id.referenced),
            msg::rule_no_condition(&id),
            Some(msg::rule_conditions()),
        );
    }
    if let (Some(lo), Some(hi)) = (r.min_chars, r.max_chars)
        && lo > hi
    {
        c.error(pos(r.id.referenced), msg::min_over_max(&id, lo, hi));
    }
    let regex = r
        .regex
        .as_ref()
        .and_then(|re| compile_regex(c, re, Noun::Regex));
    if !(-100..=100).contains(&r.points.value) {
        c.error(pos(r.points.referenced), msg::points_range(r.points.value));
    } else if r.points.value == 0 {
        c.warning(pos(r.points.referenced), msg::zero_points(&id));
    }
    let (any, all, none) = (
        expand(c, &r.any, phrases),
        expand(c, &r.all, phrases),
        expand(c, &r.none, phrases),
    );
    Rule {
        sets: crate::playbook::model::RuleSets {
            any: crate::text::PhraseSet::new(&any),
            all: crate::text::PhraseSet::new(&all),
            none: crate::text::PhraseSet::new(&none),
        },
        concepts,
        no_concepts,
        rejects,
        any,
        all,
        none,
        regex,
        min_chars: r.min_chars,
        max_chars: r.max_chars,
        question: r.question,
        open_question: r.open_question,
        mentions_price: r.mentions_price,
        quotes_price: r.quotes_price,
        points: i32::try_from(r.points.value).unwrap_or(0),
        feedback: c.text(&r.feedback),
        hint: c.opt_text(&r.hint),
        gate: r.gate,
        cap: r.cap.as_ref().map(|cap| {
            let v = c.percent(cap.value, cap.referenced, Noun::Cap);
            if !r.gate {
                c.error_help(
                    pos(cap.referenced),
                    msg::cap_without_gate(&r.id.value),
                    Some(msg::cap_fix()),
                );
            }
            v
        }),
        id,
    }
}

fn scripts(c: &mut Checker<'_>, raw: &RawPlaybook, cx: &Context<'_>) -> Scripts {
    let Some(s) = &raw.scripts else {
        return Scripts::default();
    };
    let mut check = |p: &Option<Id>| -> Option<String> {
        let p = p.as_ref()?;
        let v = &p.value;
        let at = pos(p.referenced);
        if !v.starts_with("scripts/") || v.split('/').any(|seg| seg == ".." || seg.is_empty()) {
            c.error_help(at, msg::script_outside(v), Some(msg::script_write_as()));
            None
        } else if !v.ends_with(".rhai") {
            c.error(at, msg::script_not_rhai(v));
            None
        } else if !cx.scripts.contains(v) {
            // Compare bare names: every path shares `scripts/` and `.rhai`.
            let bare = |p: &str| {
                p.trim_start_matches("scripts/")
                    .trim_end_matches(".rhai")
                    .to_owned()
            };
            let names: Vec<String> = cx.scripts.iter().map(|p| bare(p)).collect();
            let help = closest(&bare(v), names.iter().map(String::as_str))
                .map(|n| msg::did_you_mean(format!("scripts/{n}.rhai")));
            c.error_help(at, msg::script_not_found(v), help);
            None
        } else {
            Some(v.clone())
        }
    };
    Scripts {
        score: check(&s.score),
        guide: check(&s.guide),
    }
}

fn scenario(
    c: &mut Checker<'_>,
    s: &RawScenario,
    seen: &mut HashMap<String, u64>,
    personas: &BTreeMap<String, Persona>,
    stage_ids: &[&str],
    criterion_ids: &[&str],
    refs: &Refs<'_>,
) -> Scenario {
    let errors_before = c.report.errors();
    let id = c.id(&s.id, Noun::Scenario, seen);
    let at = s.id.referenced;

    let of_kind = |k: PersonaKind| -> Vec<&str> {
        personas
            .values()
            .filter(|p| p.kind == k)
            .map(|p| p.id.as_str())
            .collect()
    };
    let customers = of_kind(PersonaKind::CustomerType);
    c.reference(&s.persona, at, Noun::CustomerType, &customers);
    if let Some(style) = &s.style {
        let styles = of_kind(PersonaKind::ThinkingStyle);
        c.reference(style, at, Noun::ThinkingStyle, &styles);
    }
    if s.stages.is_empty() {
        c.error(pos(at), msg::scenario_no_stages(&id));
    }
    for st in &s.stages {
        c.reference(st, at, Noun::Stage, stage_ids);
    }
    if s.turns.is_empty() {
        c.error(pos(at), msg::scenario_no_turns(&id));
    }
    c.count(s.turns.len(), limits::TURNS, Noun::Turn, at);

    // Turns and endings share one namespace: `next` may name either.
    let mut seen_nodes = HashMap::new();
    for t in &s.turns {
        c.id(&t.id, Noun::Turn, &mut seen_nodes);
    }
    let endings: Vec<Ending> = s
        .endings
        .iter()
        .map(|e| Ending {
            id: c.id(&e.id, Noun::Ending, &mut seen_nodes),
            text: c.text(&e.text),
            outcome: e.outcome,
        })
        .collect();
    let turn_ids: Vec<&str> = s.turns.iter().map(|t| t.id.value.as_str()).collect();
    let ending_ids: Vec<&str> = endings.iter().map(|e| e.id.as_str()).collect();
    let nodes = Nodes {
        all: turn_ids.iter().chain(&ending_ids).copied().collect(),
        endings: ending_ids.clone(),
        turns: turn_ids.clone(),
    };
    let target = |c: &mut Checker<'_>, id: &Id, fallback: Location| nodes.target(c, id, fallback);

    let start = match &s.start {
        Some(st) => {
            c.reference(st, at, Noun::StartTurn, &turn_ids);
            st.value.clone()
        }
        None => turn_ids
            .first()
            .map(|t| (*t).to_owned())
            .unwrap_or_default(),
    };
    if let Some(turn) = &s.reveal_persona_after {
        c.reference(turn, at, Noun::RevealTurn, &turn_ids);
    }
    let default_stage = s
        .stages
        .first()
        .map(|st| st.value.clone())
        .unwrap_or_default();

    let mut turns = Vec::with_capacity(s.turns.len());
    for (i, t) in s.turns.iter().enumerate() {
        let tat = t.id.referenced;
        let stage = match &t.stage {
            Some(st) => {
                c.reference(st, tat, Noun::Stage, stage_ids);
                st.value.clone()
            }
            None => default_stage.clone(),
        };
        if !t.options.is_empty() && t.criteria.is_empty() && criterion_ids.len() > 1 {
            c.warning(pos(tat), msg::choice_no_criteria(&t.id.value));
        }
        let criteria: Vec<String> = if t.criteria.is_empty() {
            criterion_ids.iter().map(|s| (*s).to_owned()).collect()
        } else {
            t.criteria
                .iter()
                .filter(|cr| c.reference(cr, tat, Noun::Criterion, criterion_ids))
                .map(|cr| cr.value.clone())
                .collect()
        };
        let next = nodes.next(c, t.next.as_ref(), i, tat);
        c.count(t.options.len(), limits::OPTIONS, Noun::Choice, tat);
        let reply = if t.options.is_empty() {
            Reply::FreeText
        } else {
            let mut seen_opts = HashMap::new();
            Reply::Choice(
                t.options
                    .iter()
                    .map(|o| Choice {
                        id: c.id(&o.id, Noun::Choice, &mut seen_opts),
                        text: c.text(&o.text),
                        score: c.percent(o.score.value, o.score.referenced, Noun::ChoiceScore),
                        feedback: c.text(&o.feedback),
                        next: o.next.as_ref().map(|n| target(c, n, o.id.referenced)),
                    })
                    .collect(),
            )
        };
        turns.push(Turn {
            id: t.id.value.clone(),
            stage,
            customer: c.text(&t.customer),
            reply,
            criteria,
            model_answer: c.opt_text(&t.model_answer),
            next,
            topic: Arc::default(),
            scene: Arc::default(),
            premature: premature(c, &t.premature, tat, refs),
        });
    }

    let gender = s.gender.as_ref().map_or_else(
        || {
            personas
                .get(&s.persona.value)
                .map_or(Gender::Any, |p| p.gender)
        },
        |g| g.value,
    );
    let gender = pronouns(c, s, &id, gender);
    let scen = Scenario {
        id,
        title: c.title(&s.title),
        persona: s.persona.value.clone(),
        style: s.style.as_ref().map(|st| st.value.clone()),
        gender,
        context: c.text(&s.context),
        stages: s.stages.iter().map(|st| st.value.clone()).collect(),
        start,
        reveal_persona_after: s.reveal_persona_after.as_ref().map(|t| t.value.clone()),
        sign_off: s.sign_off,
        turns,
        endings,
    };
    // Paths are only meaningful once every reference of this scenario resolved.
    if c.report.errors() == errors_before {
        check_paths(c, &scen, s);
    }
    scen
}

/// Pronouns for the customer that contradict their gender: the one declared (the scenario's or
/// its persona's), else the one the scenario's context alone speaks of. Narration is checked
/// (the context, endings, model answers, options and their feedback, a customer line's stage
/// directions in brackets), not what the customer says of others; a text that uses the
/// customer's own pronouns too is taken to speak of someone else.
/// The customer's gender, declared or told by the context (`Any` when neither says).
fn pronouns(c: &mut Checker<'_>, s: &RawScenario, id: &str, declared: Gender) -> Gender {
    use crate::text::gender::{Speaks, speaks_of};
    let context = texts_of(&s.context);
    let (gender, how) = match declared {
        Gender::Any => {
            let said = context
                .iter()
                .fold(Speaks::default(), |a, t| a.or(speaks_of(t, true)));
            match (said.female, said.male) {
                (true, false) => (Gender::Female, msg::gender_from_context()),
                (false, true) => (Gender::Male, msg::gender_from_context()),
                _ => return Gender::Any,
            }
        }
        g => (g, msg::gender_declared()),
    };
    let mut narration: Vec<(&Text, bool)> = vec![(&s.context, false)];
    for t in &s.turns {
        narration.push((&t.customer, true));
        narration.extend(t.model_answer.as_ref().map(|m| (m, false)));
        for o in &t.options {
            narration.push((&o.text, false));
            narration.push((&o.feedback, false));
        }
    }
    narration.extend(s.endings.iter().map(|e| (&e.text, false)));
    for (text, bracketed_only) in narration {
        for words in texts_of(text) {
            let said = if bracketed_only {
                crate::text::gender::bracketed(&words)
                    .iter()
                    .fold(Speaks::default(), |a, b| a.or(speaks_of(b, false)))
            } else {
                speaks_of(&words, false)
            };
            let wrong = match gender {
                Gender::Female => said.male && !said.female,
                Gender::Male => said.female && !said.male,
                Gender::Any => false,
            };
            if wrong {
                let (pronoun, is) = match gender {
                    Gender::Female => (said.male_word, msg::gender_female()),
                    _ => (said.female_word, msg::gender_male()),
                };
                c.warning(
                    pos(text.0.referenced),
                    msg::pronoun_contradicts(pronoun, id, is, how.clone()),
                );
                break;
            }
        }
    }
    gender
}

/// Each locale's words of a text.
fn texts_of(t: &Text) -> Vec<String> {
    match &t.0.value {
        TextValue::Same(s) => vec![s.clone()],
        TextValue::Localized(m) => m.values().cloned().collect(),
    }
}

/// The turn and ending ids of a scenario, which a `next` may name.
struct Nodes<'a> {
    all: Vec<&'a str>,
    endings: Vec<&'a str>,
    turns: Vec<&'a str>,
}

impl Nodes<'_> {
    /// Where `id` leads: a turn or an ending (checked to name one of them).
    fn target(&self, c: &mut Checker<'_>, id: &Id, fallback: Location) -> Target {
        if c.reference(id, fallback, Noun::TurnOrEnding, &self.all)
            && self.endings.contains(&id.value.as_str())
        {
            Target::End(Some(id.value.clone()))
        } else {
            Target::Turn(id.value.clone())
        }
    }

    /// Where turn `i` goes next: as its `next` says (a turn, an ending, by score or by a
    /// script), or, left out, the next listed turn or the end after the last.
    fn next(
        &self,
        c: &mut Checker<'_>,
        next: Option<&Spanned<RawNext>>,
        i: usize,
        tat: Location,
    ) -> Next {
        match next {
            None => Next::Fixed(match self.turns.get(i + 1) {
                Some(n) => Target::Turn((*n).to_owned()),
                None => Target::End(None),
            }),
            Some(n) => match &n.value {
                RawNext::Fixed(id) => {
                    let id = Id::new(id.clone(), n.referenced, n.defined);
                    Next::Fixed(self.target(c, &id, tat))
                }
                RawNext::Rule(rule) => {
                    let default = self.target(c, &rule.default, n.referenced);
                    match (rule.by_score.is_empty(), rule.script.is_empty()) {
                        (false, true) => {
                            let mut branches = Vec::new();
                            for b in &rule.by_score {
                                if b.min > 100 {
                                    c.error(pos(n.referenced), msg::branch_min(b.min));
                                }
                                branches.push((b.min, self.target(c, &b.to, n.referenced)));
                            }
                            Next::ByScore { branches, default }
                        }
                        (true, false) => Next::Script {
                            targets: rule
                                .script
                                .iter()
                                .map(|id| self.target(c, id, n.referenced))
                                .collect(),
                            default,
                        },
                        _ => {
                            c.error(pos(n.referenced), msg::next_one_of());
                            Next::Fixed(default)
                        }
                    }
                }
            },
        }
    }
}

/// Every place a turn can lead to, following options first.
pub fn successors(turn: &Turn) -> Vec<&Target> {
    let mut out: Vec<&Target> = Vec::new();
    let mut uses_turn_next = true;
    if let Reply::Choice(opts) = &turn.reply {
        uses_turn_next = opts.iter().any(|o| o.next.is_none());
        out.extend(opts.iter().filter_map(|o| o.next.as_ref()));
    }
    if uses_turn_next {
        out.extend(turn.next.targets());
    }
    out
}

/// Every turn is reachable from the start, and from every turn some ending is reachable.
fn check_paths(c: &mut Checker<'_>, s: &Scenario, raw: &RawScenario) {
    let index: HashMap<&str, usize> = s
        .turns
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let n = s.turns.len();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut ends_here = vec![false; n];
    let mut used_endings = BTreeSet::new();
    for (i, t) in s.turns.iter().enumerate() {
        for target in successors(t) {
            match target {
                Target::Turn(id) => edges[i].extend(index.get(id.as_str())),
                Target::End(e) => {
                    ends_here[i] = true;
                    if let Some(e) = e {
                        used_endings.insert(e.as_str());
                    }
                }
            }
        }
    }
    let Some(&start) = index.get(s.start.as_str()) else {
        return;
    };
    let mut reached = vec![false; n];
    let mut queue = VecDeque::from([start]);
    reached[start] = true;
    while let Some(i) = queue.pop_front() {
        for &j in &edges[i] {
            if !reached[j] {
                reached[j] = true;
                queue.push_back(j);
            }
        }
    }
    // Backwards from the turns that can end: which turns can reach an ending.
    let mut can_end = ends_here.clone();
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..n {
            if !can_end[i] && edges[i].iter().any(|&j| can_end[j]) {
                can_end[i] = true;
                changed = true;
            }
        }
    }
    for (i, t) in raw.turns.iter().enumerate() {
        if !reached[i] {
            c.error(
                pos(t.id.referenced),
                msg::unreachable_turn(&t.id.value, &s.start),
            );
        } else if !can_end[i] {
            c.error_help(
                pos(t.id.referenced),
                msg::no_exit(&t.id.value),
                Some(msg::give_exit()),
            );
        }
    }
    for e in &raw.endings {
        if !used_endings.contains(e.id.value.as_str()) {
            c.warning(pos(e.id.referenced), msg::ending_unreached(&e.id.value));
        }
    }
}

fn tests(c: &mut Checker<'_>, raw: &[RawTest], scenarios: &[Scenario]) -> Vec<TestCase> {
    let scen_ids: Vec<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
    let mut out = Vec::new();
    for t in raw {
        let at = t.scenario.referenced;
        let line = u32::try_from(at.line()).unwrap_or(0);
        if !c.reference(&t.scenario, at, Noun::Scenario, &scen_ids) {
            continue;
        }
        let Some(s) = scenarios.iter().find(|s| s.id == t.scenario.value) else {
            continue;
        };
        let turn_ids: Vec<&str> = s.turns.iter().map(|t| t.id.as_str()).collect();
        if !c.reference(&t.turn, at, Noun::Turn, &turn_ids) {
            continue;
        }
        let Some(turn) = s.turn(&t.turn.value) else {
            continue;
        };
        let (min, max) = (&t.expect.min, &t.expect.max);
        if min.value > max.value || max.value > 100 {
            // At the value that is wrong: a maximum over 100, else the minimum above it.
            let wrong = if max.value > 100 { max } else { min };
            c.error(
                pos_or(wrong.referenced, t.turn.referenced),
                msg::test_range(min.value, max.value),
            );
        }
        let input = match (&t.reply, &t.option, &turn.reply) {
            (Some(r), None, Reply::FreeText) => TestInput::Reply(r.clone()),
            (None, Some(o), Reply::Choice(opts)) => {
                let ids: Vec<&str> = opts.iter().map(|o| o.id.as_str()).collect();
                if !c.reference(o, at, Noun::Choice, &ids) {
                    continue;
                }
                TestInput::Option(o.value.clone())
            }
            (Some(_), None, Reply::Choice(_)) => {
                c.error(pos(at), msg::test_needs_option(&turn.id));
                continue;
            }
            (None, Some(_), Reply::FreeText) => {
                c.error(pos(at), msg::test_needs_reply(&turn.id));
                continue;
            }
            _ => {
                c.error(pos(at), msg::test_one_input());
                continue;
            }
        };
        if let Some(l) = &t.lang {
            let declared = c.locales.clone();
            let locales: Vec<&str> = declared.iter().map(String::as_str).collect();
            if !c.reference(l, at, Noun::Locale, &locales) {
                continue;
            }
        }
        out.push(TestCase {
            scenario: t.scenario.value.clone(),
            turn: t.turn.value.clone(),
            input,
            min: t.expect.min.value,
            max: t.expect.max.value,
            feedback_contains: t.feedback_contains.clone(),
            lang: t.lang.as_ref().map(|l| l.value.clone()),
            note: t.note.clone(),
            line,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::text::half_width_pattern as half_width;

    /// A pattern's full-width marks are read as the reply is: `[^，。]` stops at a comma, `？`
    /// is a question mark and not an operator.
    #[test]
    fn a_patterns_full_width_marks_are_read_as_the_reply_is() {
        assert_eq!(half_width("是我[^，。]{0,8}错"), "是我[^,。]{0,8}错");
        assert_eq!(half_width("吗？"), "吗\\?");
        assert_eq!(half_width("（对吧）"), "\\(对吧\\)");
        assert_eq!(half_width("no marks at all"), "no marks at all");
        let clause = regex::Regex::new(&half_width("是我[^，。]{0,8}错")).expect("compiles");
        let reply = |s: &str| crate::text::normalize(s);
        assert!(clause.is_match(&reply("是我搞错了")));
        assert!(!clause.is_match(&reply("是我太着急了，没搞错")));
        let asks = regex::Regex::new(&half_width("对吧？")).expect("compiles");
        assert!(asks.is_match(&reply("是这样，对吧？")));
        assert!(!asks.is_match(&reply("是这样，对吧")));
    }
}
