//! Validated playbooks: every reference resolved, every regex compiled, every text complete.
//!
//! The rest of the engine (scripts, practice, store, report) reads only these types. They are
//! built by [`super::validate`] from the raw file types and are immutable afterwards; a playbook
//! is shared as `Arc<Playbook>` so an attempt keeps the version it started with.

use std::collections::BTreeMap;

use regex::Regex;
use serde::Serialize;

pub use super::raw::{Gender, Outcome, PersonaKind};

/// A text in one or more locales.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(transparent)]
pub struct Text(pub BTreeMap<String, String>);

/// The key under which a text that is the same in every locale is stored.
pub const ANY_LOCALE: &str = "*";

impl Text {
    /// The text in `locale`, else the locale-neutral text, else the first one written.
    pub fn get(&self, locale: &str) -> &str {
        self.0
            .get(locale)
            .or_else(|| self.0.get(ANY_LOCALE))
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }

    /// Every string of every locale (used for font coverage and searching).
    pub fn all(&self) -> impl Iterator<Item = &str> {
        self.0.values().map(String::as_str)
    }
}

/// All content the engine works with: playbooks by id and the persona library.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Library {
    pub playbooks: Vec<std::sync::Arc<Playbook>>,
    pub personas: BTreeMap<String, Persona>,
    /// The concept lexicon by id (bundled `concepts.yaml`, then a trainer's over it).
    #[serde(skip)]
    pub concepts: BTreeMap<String, std::sync::Arc<Concept>>,
    /// Script files by path under the content root (`scripts/x.rhai`).
    #[serde(skip)]
    pub scripts: BTreeMap<String, super::load::SourceFile>,
}

impl Library {
    pub fn playbook(&self, id: &str) -> Option<&std::sync::Arc<Playbook>> {
        self.playbooks.iter().find(|p| p.id == id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Persona {
    pub id: String,
    pub kind: PersonaKind,
    pub name: Text,
    pub gender: Gender,
    pub summary: Option<Text>,
    pub traits: Vec<Text>,
    pub cares_about: Vec<Text>,
    pub approach: Vec<Text>,
    pub avoid: Vec<Text>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Playbook {
    pub id: String,
    pub version: u32,
    pub title: Text,
    pub description: Option<Text>,
    pub locales: Vec<String>,
    pub live: bool,
    pub personas: Vec<String>,
    pub phrases: BTreeMap<String, Vec<String>>,
    pub stages: Vec<Stage>,
    pub rubric: Rubric,
    pub scripts: Scripts,
    pub scenarios: Vec<Scenario>,
    pub tests: Vec<TestCase>,
    /// What earns its certificate.
    pub certification: Certification,
    /// Where it was loaded from and a hash of its bytes, so a stored attempt can tell
    /// exactly which content it was scored against.
    pub source: SourceInfo,
}

impl Playbook {
    /// What a reply to `turn` of `scen` can take up: the customer's words, the scenario's
    /// situation, the model answer and the goal, checklist and talk tracks of the turn's step,
    /// in every language.
    pub fn topic_of(&self, scen: &Scenario, turn: &Turn) -> crate::text::Topic {
        crate::text::Topic::new(&self.topic_texts(scen, turn).join("\n"))
    }

    /// The subject of the conversation at `turn`, more widely than [`Playbook::topic_of`]:
    /// its topic plus everything the customer says in the scenario and the title, tips and
    /// pitfalls of the turn's step, in every language. The reading asks how much of a reply
    /// stays on it (see [`crate::text::share_on`]).
    pub fn scene_of(&self, scen: &Scenario, turn: &Turn) -> crate::text::Topic {
        let mut t = self.topic_texts(scen, turn);
        t.extend(scen.turns.iter().flat_map(|t| t.customer.all()));
        if let Some(s) = self.stage(&turn.stage) {
            t.extend(s.title.all());
            t.extend(s.tips.iter().flat_map(Text::all));
            t.extend(s.pitfalls.iter().flat_map(Text::all));
        }
        crate::text::Topic::new(&t.join("\n"))
    }

    /// The texts of [`Playbook::topic_of`].
    fn topic_texts<'a>(&'a self, scen: &'a Scenario, turn: &'a Turn) -> Vec<&'a str> {
        let mut t: Vec<&str> = turn.customer.all().collect();
        t.extend(scen.context.all());
        if let Some(m) = &turn.model_answer {
            t.extend(m.all());
        }
        if let Some(s) = self.stage(&turn.stage) {
            t.extend(s.goal.all());
            t.extend(s.checklist.iter().flat_map(|c| c.text.all()));
            t.extend(s.talk_tracks.iter().flat_map(Text::all));
        }
        t
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.rubric.criteria.iter().find(|c| c.id == id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    /// The file as shown in diagnostics.
    pub file: String,
    /// FNV-1a 64 of the file's bytes, hex.
    pub hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub id: String,
    pub title: Text,
    pub goal: Text,
    pub psychology: Option<Text>,
    pub signals: Vec<Text>,
    pub checklist: Vec<ChecklistItem>,
    pub tips: Vec<Text>,
    pub talk_tracks: Vec<Text>,
    pub pitfalls: Vec<Text>,
    /// Live checklist: the route of alternative stages this one belongs to (`None`: every
    /// visit goes through it).
    pub path: Option<String>,
    /// Moves that are wrong at this stage.
    pub premature: Vec<Premature>,
}

/// A move that does not fit the moment: rules it would satisfy earn nothing, and the
/// feedback says why.
#[derive(Debug, Clone, Serialize)]
pub struct Premature {
    /// The move, as concepts any of which the reply expresses.
    #[serde(serialize_with = "ser_concepts")]
    pub concepts: Vec<std::sync::Arc<Concept>>,
    /// Or the reply names an amount of money.
    pub quotes_price: bool,
    /// Not premature when the reply also expresses one of these.
    #[serde(serialize_with = "ser_concepts")]
    pub unless: Vec<std::sync::Arc<Concept>>,
    pub feedback: Text,
    /// Taken off the reply's score besides (≤ 0).
    pub points: i32,
}

impl Premature {
    /// The concepts of this move `t` expresses (`price` when it names an amount and the move
    /// is a price): empty when the reply does not make it, or makes it with one of the moves
    /// that make it fit (`unless`).
    /// `expresses` says whether the reply expresses a concept (the scorer passes its per-reply
    /// cache).
    pub fn made_by(&self, expresses: impl Fn(&Concept) -> bool, quotes_price: bool) -> Vec<String> {
        if self.unless.iter().any(|k| expresses(k)) {
            return Vec::new();
        }
        let mut out: Vec<String> = self
            .concepts
            .iter()
            .filter(|k| expresses(k))
            .map(|k| k.id.clone())
            .collect();
        if self.quotes_price && quotes_price {
            out.push("price".to_owned());
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistItem {
    pub id: String,
    pub text: Text,
    pub required: bool,
}

/// What earns a playbook's certificate (see [`crate::certify`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Certification {
    /// Scenarios that must each be passed.
    pub scenarios: Vec<String>,
    /// (criterion, least points) in the passed attempt of each scenario that scores it.
    pub minimums: Vec<(String, u8)>,
    /// A manager signs it off once the rest is met.
    pub sign_off: bool,
    /// Days it lasts; `None`: it does not expire.
    pub expires_after_days: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rubric {
    pub pass_mark: u8,
    /// The most a reply scores when a gate rule matched.
    pub gate_cap: u8,
    /// Points from rules read on the trainer's scale (see [`Rubric::scaled`]); empty: as
    /// they are.
    pub scale: Vec<(f64, f64)>,
    /// A free-text reply's score is the graded reading of what the rules found
    /// ([`crate::practice::reading`]); `false`: the rules' score as it is.
    pub reading: bool,
    pub criteria: Vec<Criterion>,
}

impl Rubric {
    /// `points` (0–100) on the trainer's scale: read in straight lines between the scale's
    /// points; unchanged without a scale.
    pub fn scaled(&self, points: f64) -> f64 {
        let s = &self.scale;
        if s.len() < 2 {
            return points;
        }
        let x = points.clamp(0.0, 100.0);
        for w in s.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if x <= x1 {
                return if x1 > x0 {
                    y0 + (y1 - y0) * (x - x0) / (x1 - x0)
                } else {
                    y1
                };
            }
        }
        s.last().map_or(points, |p| p.1)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Criterion {
    pub id: String,
    pub title: Text,
    pub weight: f64,
    pub description: Option<Text>,
    /// Points a reply starts with on this criterion, 0–100.
    pub base: i32,
    pub rules: Vec<Rule>,
}

/// A declarative rule; phrase lists (`@name`) are already expanded.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub none: Vec<String>,
    #[serde(rename = "regex", serialize_with = "ser_regex")]
    pub regex: Option<Regex>,
    pub min_chars: Option<u32>,
    pub max_chars: Option<u32>,
    pub question: Option<bool>,
    pub open_question: Option<bool>,
    pub mentions_price: Option<bool>,
    pub quotes_price: Option<bool>,
    pub points: i32,
    pub feedback: Text,
    pub hint: Option<Text>,
    /// A conduct gate (see the rubric's `gate_cap`).
    pub gate: bool,
    /// This gate's own cap (else the rubric's `gate_cap`).
    pub cap: Option<u8>,
    /// Concepts of the lexicon, at least one of which the reply must express.
    #[serde(serialize_with = "ser_concepts")]
    pub concepts: Vec<std::sync::Arc<Concept>>,
    /// Concepts the reply must express none of.
    #[serde(serialize_with = "ser_concepts")]
    pub no_concepts: Vec<std::sync::Arc<Concept>>,
    /// Concepts at least one of which the reply must reject (negate).
    #[serde(serialize_with = "ser_concepts")]
    pub rejects: Vec<std::sync::Arc<Concept>>,
    /// `any`, `all` and `none` compiled for matching.
    #[serde(skip)]
    pub sets: RuleSets,
}

/// A named idea a reply can express, from the concept lexicon (`concepts.yaml`).
#[derive(Debug, Clone)]
pub struct Concept {
    pub id: String,
    pub title: Text,
    /// Every word of every language, as written.
    pub words: Vec<String>,
    /// The words by language, as written (included concepts' words under their languages).
    pub words_by_lang: BTreeMap<String, Vec<String>>,
    /// The patterns as written.
    pub pattern_sources: Vec<String>,
    /// What the concept means, for authors.
    pub note: Option<Text>,
    /// The concepts it includes (`include:`), by id.
    pub includes: Vec<String>,
    /// The words compiled for matching.
    pub set: crate::text::PhraseSet,
    /// Patterns over the normalized reply.
    pub patterns: Vec<Pattern>,
    /// The customer's words echoed in the reply's first sentence count as this concept.
    pub echo: bool,
    /// Concepts it contradicts, as written (`opposes:`; the other side may say it instead).
    pub opposes: Vec<String>,
    /// Those concepts, and the ones that say they oppose it, resolved when the lexicon is
    /// loaded (weak: two concepts that oppose each other point at each other).
    pub opponents: std::sync::OnceLock<Vec<std::sync::Weak<Concept>>>,
    /// All the patterns in one automaton, built on first use: one pass over a reply says
    /// which patterns match at all (most replies match none of a conduct concept's forty), so
    /// only those are searched for their matches. `None` when they do not fit one automaton.
    pub pattern_set: std::sync::OnceLock<Option<regex::RegexSet>>,
}

impl Concept {
    /// The words (and pattern matches) by which `t` expresses this concept, not negated in
    /// their clause; empty when it does not.
    pub fn found(&self, t: &crate::text::Normalized) -> Vec<String> {
        let mut out = self.set.found(t);
        out.extend(self.pattern_hits(t, false).map(str::to_owned));
        out
    }

    /// The words of this concept that `t` negates ("不会…回扣"): it rejects the concept.
    pub fn rejected(&self, t: &crate::text::Normalized) -> Vec<String> {
        let mut out = self.set.found_negated(t);
        out.extend(self.pattern_hits(t, true).map(str::to_owned));
        out
    }

    /// Whether `t` expresses this concept.
    pub fn in_text(&self, t: &crate::text::Normalized) -> bool {
        self.set.any_in(t) || self.pattern_hits(t, false).next().is_some()
    }

    /// The ids of the concepts this one opposes, whichever side said so: its own `opposes`,
    /// then those of `all` that name it in theirs.
    pub fn opponent_ids<'a>(&self, all: impl IntoIterator<Item = &'a Concept>) -> Vec<String> {
        let mut out = self.opposes.clone();
        for other in all {
            if other.opposes.contains(&self.id) && !out.contains(&other.id) {
                out.push(other.id.clone());
            }
        }
        out
    }

    /// Whether `t` expresses this concept once the concepts it opposes had their say: when
    /// every match lies inside a longer match of an opponent ("理解" inside blame's "您理解错了",
    /// "证书" inside "证书晚点给您"), the words are the opponent's.
    pub fn expressed_beside<'a>(
        &self,
        t: &crate::text::Normalized,
        opponents: impl IntoIterator<Item = &'a Concept>,
    ) -> bool {
        if !self.in_text(t) {
            return false;
        }
        let mut opponents = opponents.into_iter().peekable();
        if opponents.peek().is_none() {
            return true;
        }
        let mine: Vec<String> = self.found(t).iter().map(|m| m.to_lowercase()).collect();
        if mine.is_empty() {
            return true;
        }
        let theirs: Vec<String> = opponents
            .flat_map(|o| o.found(t))
            .map(|m| m.to_lowercase())
            .collect();
        if theirs.is_empty() {
            return true;
        }
        // A match of this concept stands on its own when the reply holds it more often than
        // the opponents' longer matches that contain it do ("我理解您的心情，不过您理解错了":
        // the first 理解 is empathy's).
        let n = t.as_str();
        let count = |hay: &str, needle: &str| hay.matches(needle).count();
        let alone = |m: &String| {
            let inside: usize = theirs
                .iter()
                .filter(|w| w.chars().count() > m.chars().count() && w.contains(m.as_str()))
                .map(|w| count(n, w) * count(w, m))
                .sum();
            // (A word written otherwise than the normalized reply reads is never counted
            // as inside.)
            inside == 0 || count(n, m) > inside
        };
        mine.iter().any(alone)
    }

    /// [`Concept::expressed_beside`] the opponents resolved at load.
    pub fn expressed_in(&self, t: &crate::text::Normalized) -> bool {
        let Some(weak) = self.opponents.get().filter(|v| !v.is_empty()) else {
            return self.in_text(t);
        };
        let strong: Vec<std::sync::Arc<Concept>> =
            weak.iter().filter_map(std::sync::Weak::upgrade).collect();
        self.expressed_beside(t, strong.iter().map(|k| &**k))
    }

    /// What the patterns match in `t` (the first four matches of each) where the clause
    /// negates the match (`negated`) or does not.
    fn pattern_hits<'t>(
        &'t self,
        t: &'t crate::text::Normalized,
        negated: bool,
    ) -> impl Iterator<Item = &'t str> + 't {
        let n = t.as_str();
        let which: Vec<usize> = match self.pattern_set() {
            // Most replies hold none of a concept's patterns: one search that stops at the
            // first match says so sooner than the search for every pattern that matches.
            Some(set) if !set.is_match(n) => Vec::new(),
            Some(set) => set.matches(n).into_iter().collect(),
            None => (0..self.patterns.len()).collect(),
        };
        which
            .into_iter()
            .filter_map(|i| self.patterns.get(i).and_then(Pattern::regex))
            .flat_map(move |re| re.find_iter(n).take(4))
            .filter(move |m| t.negated_at(false, m.start()) == negated)
            .map(|m| m.as_str())
    }

    /// Builds the automaton of all the patterns (see `pattern_set`) if it is not built yet.
    pub fn patterns_at_once(&self) {
        let _ = self.pattern_set();
    }

    fn pattern_set(&self) -> Option<&regex::RegexSet> {
        self.pattern_set
            .get_or_init(|| {
                if self.patterns.len() < 2 {
                    return None;
                }
                regex::RegexSetBuilder::new(self.patterns.iter().map(Pattern::as_str))
                    .case_insensitive(true)
                    .size_limit(crate::playbook::validate::REGEX_SIZE_LIMIT * 4)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// One of a concept's patterns, as compiled (half-width, ASCII word bounds, any case). Its own
/// automaton is built the first time the concept's set of patterns says it matches a reply:
/// the set, built at load, is what checks the patterns, and most patterns of a lexicon never
/// match what one process reads (compiling all 681 bundled patterns one by one took a third
/// of a second of every command's start).
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    compiled: std::sync::OnceLock<Option<Regex>>,
}

impl Pattern {
    /// A pattern compiled when first matched; `source` is already in the form compiled.
    pub fn lazy(source: String) -> Self {
        Pattern {
            source,
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// A pattern compiled already.
    pub fn compiled(re: Regex) -> Self {
        Pattern {
            source: re.as_str().to_owned(),
            compiled: std::sync::OnceLock::from(Some(re)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The automaton, built on first use with the limits the check at load used; `None` only
    /// if it does not build, which the check at load rules out.
    pub fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                regex::RegexBuilder::new(&self.source)
                    .size_limit(crate::playbook::validate::REGEX_SIZE_LIMIT)
                    .case_insensitive(true)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// A rule's phrase lists compiled once at load.
#[derive(Debug, Clone, Default)]
pub struct RuleSets {
    pub any: crate::text::PhraseSet,
    pub all: crate::text::PhraseSet,
    pub none: crate::text::PhraseSet,
}

fn ser_concepts<S: serde::Serializer>(
    c: &[std::sync::Arc<Concept>],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(c.iter().map(|c| c.id.as_str()))
}

fn ser_regex<S: serde::Serializer>(r: &Option<Regex>, s: S) -> Result<S::Ok, S::Error> {
    match r {
        Some(r) => s.serialize_some(r.as_str()),
        None => s.serialize_none(),
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Scripts {
    /// Path under the content root, e.g. `scripts/jewelry.rhai`.
    pub score: Option<String>,
    pub guide: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub id: String,
    pub title: Text,
    pub persona: String,
    pub style: Option<String>,
    /// The customer's gender: the scenario's, else its persona's (`Any` when neither says).
    pub gender: Gender,
    pub context: Text,
    pub stages: Vec<String>,
    pub start: String,
    /// The turn after whose answer the customer's card is shown (`None`: from the start).
    pub reveal_persona_after: Option<String>,
    /// Every completed attempt waits in the review queue for a manager's sign-off.
    pub sign_off: bool,
    pub turns: Vec<Turn>,
    pub endings: Vec<Ending>,
}

impl Scenario {
    /// Whether the trainee may see the customer's card (type, style, approach) once the turns
    /// `answered` have been answered.
    pub fn persona_revealed<'a>(&self, mut answered: impl Iterator<Item = &'a str>) -> bool {
        match &self.reveal_persona_after {
            None => true,
            Some(turn) => answered.any(|t| t == turn),
        }
    }

    pub fn turn(&self, id: &str) -> Option<&Turn> {
        self.turns.iter().find(|t| t.id == id)
    }
    pub fn ending(&self, id: &str) -> Option<&Ending> {
        self.endings.iter().find(|e| e.id == id)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Turn {
    pub id: String,
    pub stage: String,
    pub customer: Text,
    pub reply: Reply,
    /// Criteria that score this turn (never empty after validation).
    pub criteria: Vec<String>,
    pub model_answer: Option<Text>,
    pub next: Next,
    /// What the turn is about (computed at load, see [`Playbook::topic_of`]).
    #[serde(skip)]
    pub topic: std::sync::Arc<crate::text::Topic>,
    /// The conversation's subject at this turn (computed at load, see [`Playbook::scene_of`]).
    #[serde(skip)]
    pub scene: std::sync::Arc<crate::text::Topic>,
    /// Moves wrong at this turn: its own, then its stage's.
    pub premature: Vec<Premature>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "options", rename_all = "snake_case")]
pub enum Reply {
    Choice(Vec<Choice>),
    FreeText,
}

#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub id: String,
    pub text: Text,
    pub score: u8,
    pub feedback: Text,
    /// Where this answer leads; the turn's `next` when `None`.
    pub next: Option<Target>,
}

/// Where the role-play goes after a turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    Fixed(Target),
    /// The first branch whose minimum the turn score reaches, else the default.
    ByScore {
        branches: Vec<(u32, Target)>,
        default: Target,
    },
    /// The guide script picks one of the targets, else the default.
    Script {
        targets: Vec<Target>,
        default: Target,
    },
}

impl Next {
    /// Every place this can lead to.
    pub fn targets(&self) -> Vec<&Target> {
        match self {
            Next::Fixed(t) => vec![t],
            Next::ByScore { branches, default } => {
                branches.iter().map(|(_, t)| t).chain([default]).collect()
            }
            Next::Script { targets, default } => targets.iter().chain([default]).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Turn(String),
    /// A named ending, or the plain end after the last turn.
    End(Option<String>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Ending {
    pub id: String,
    pub text: Text,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestCase {
    pub scenario: String,
    pub turn: String,
    pub input: TestInput,
    pub min: u32,
    pub max: u32,
    pub feedback_contains: Vec<String>,
    /// The trainee's language (a locale of the playbook); every language when `None`.
    pub lang: Option<String>,
    pub note: Option<String>,
    /// Line of the test in its file, for failure messages.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestInput {
    Reply(String),
    Option(String),
}
