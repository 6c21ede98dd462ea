//! The playbook file format exactly as written: serde types with source spans.
//!
//! These structs mirror the YAML one to one (`deny_unknown_fields` everywhere, so a typo is an
//! error, not a silently ignored key). They are turned into the validated types of
//! [`super::model`] by [`super::validate`]; nothing else in the engine reads them. The JSON
//! Schema shipped as `playbooks/playbook.schema.json` is derived from these same types.

use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, Visitor, value::MapAccessDeserializer};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

/// A string together with where it was written.
pub type Id = Spanned<String>;

/// A root playbook file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Playbook")]
pub struct RawPlaybook {
    /// Stable identifier: ASCII letters, digits, `-` and `_` (e.g. `seven-step`).
    #[schemars(with = "String")]
    pub id: Id,
    /// Content version (1 or more); bump it when scoring changes so old attempts stay
    /// interpretable.
    #[schemars(with = "u32", range(min = 1))]
    pub version: Spanned<u32>,
    pub title: Text,
    #[serde(default)]
    pub description: Option<Text>,
    /// Locales every text must provide, the first is the primary one (e.g. `[zh-CN, en]`).
    #[schemars(with = "Vec<String>")]
    pub locales: Vec<Id>,
    /// Used as a step-by-step checklist on a real customer visit.
    #[serde(default)]
    pub live: bool,
    /// Persona ids from the shared persona library this playbook uses.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub personas: Vec<Id>,
    /// Named phrase lists, usable in rubric rules as `@name` and by scripts.
    #[serde(default)]
    pub phrases: BTreeMap<String, Vec<String>>,
    pub stages: Vec<RawStage>,
    pub rubric: RawRubric,
    #[serde(default)]
    pub scripts: Option<RawScripts>,
    #[serde(default)]
    pub scenarios: Vec<RawScenario>,
    #[serde(default)]
    pub tests: Vec<RawTest>,
    /// What earns the playbook's certificate (every scenario passed, when left out).
    #[serde(default)]
    pub certification: Option<RawCertification>,
}

/// What earns a playbook's certificate, and how long it lasts.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Certification")]
pub struct RawCertification {
    /// Scenarios that must each be passed (every scenario when left out).
    #[serde(default)]
    #[schemars(with = "Option<Vec<String>>")]
    pub scenarios: Option<Vec<Id>>,
    /// The least points a criterion must reach in the passed attempt of each scenario that
    /// scores it.
    #[serde(default)]
    pub minimums: Vec<RawMinimum>,
    /// A manager signs the certificate off once the rest is met.
    #[serde(default)]
    pub sign_off: bool,
    /// Days a certificate lasts (1 to 3650); then recertification is assigned. Never
    /// expires when left out.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(min = 1, max = 3650))]
    pub expires_after_days: Option<Spanned<u32>>,
}

/// A criterion's least points for a certificate.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Minimum")]
pub struct RawMinimum {
    #[schemars(with = "String")]
    pub criterion: Id,
    /// 0 to 100.
    #[schemars(with = "u32", range(max = 100))]
    pub points: Spanned<u32>,
}

/// One step of the sales process.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Stage")]
pub struct RawStage {
    #[schemars(with = "String")]
    pub id: Id,
    pub title: Text,
    pub goal: Text,
    /// What the customer thinks and feels at this stage.
    #[serde(default)]
    pub psychology: Option<Text>,
    /// What the customer does that shows they are at this stage.
    #[serde(default)]
    pub signals: Vec<Text>,
    #[serde(default)]
    pub checklist: Vec<RawChecklistItem>,
    #[serde(default)]
    pub tips: Vec<Text>,
    /// Example phrases a salesperson can say.
    #[serde(default)]
    pub talk_tracks: Vec<Text>,
    #[serde(default)]
    pub pitfalls: Vec<Text>,
    /// Live checklist: the route this stage belongs to when stages are alternatives (a visit
    /// that ends without a deal goes `no-deal`, one that takes a deposit goes `deal`). A visit
    /// takes one route and is judged on it alone; stages without a path are part of every
    /// visit. A route's stages follow each other.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub path: Option<Id>,
    /// Moves that are wrong at this stage (a close at the greeting, referrals before the
    /// customer is satisfied): a rule they would satisfy earns nothing on this stage's turns,
    /// and the feedback says why.
    #[serde(default)]
    pub premature: Vec<RawPremature>,
}

/// A move that does not fit the moment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Premature")]
pub struct RawPremature {
    /// The move: concepts of the lexicon, any of which the reply expresses (not negated).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub concept: Vec<Id>,
    /// Or the reply names an amount of money (a price before the customer sees the value).
    #[serde(default)]
    pub quotes_price: bool,
    /// Unless the reply also makes one of these moves (a close after the proof is given is
    /// not premature: `unless: [evidence, case]`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub unless: Vec<Id>,
    /// Why the move is wrong here, shown when the reply makes it.
    pub feedback: Text,
    /// Points taken off the reply's score besides, -100 to 0 (default 0: the move only
    /// earns nothing).
    #[serde(default)]
    #[schemars(with = "Option<i64>", range(min = -100, max = 0))]
    pub points: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ChecklistItem")]
pub struct RawChecklistItem {
    #[schemars(with = "String")]
    pub id: Id,
    pub text: Text,
    /// A required item must be ticked before a live checklist may advance.
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Rubric")]
pub struct RawRubric {
    /// Total (0–100) needed to pass a scenario.
    #[serde(default = "default_pass_mark")]
    #[schemars(with = "u32", range(max = 100))]
    pub pass_mark: Spanned<i64>,
    /// The most a reply can score when a gate rule matched (0–100, default 30).
    #[serde(default = "default_gate_cap")]
    #[schemars(with = "u32", range(max = 100))]
    pub gate_cap: Spanned<i64>,
    /// How a criterion's points from its rules are read on the trainer's scale: points
    /// `[from, to]`, from 0 to 100 in order, the first `[0, 0]` (nothing earns nothing), read
    /// in straight lines between them. Left out, points are taken as they are. `salesdojo
    /// calibrate FILE --fit-scale` fits one to a trainer's graded replies.
    #[serde(default)]
    #[schemars(with = "Option<Vec<[f64; 2]>>")]
    pub scale: Option<Spanned<Vec<[f64; 2]>>>,
    /// Whether a free-text reply's score is the graded reading of what the rules found (how
    /// much trainers give replies that make those moves: `true`), or the rules' score as it
    /// is (`false`, the default). See "The graded reading" in docs/playbook-format.md.
    #[serde(default = "default_reading")]
    pub reading: bool,
    pub criteria: Vec<RawCriterion>,
}

fn default_reading() -> bool {
    false
}

fn default_gate_cap() -> Spanned<i64> {
    Spanned::new(
        30,
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

fn default_pass_mark() -> Spanned<i64> {
    Spanned::new(
        80,
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Criterion")]
pub struct RawCriterion {
    #[schemars(with = "String")]
    pub id: Id,
    pub title: Text,
    /// Relative weight in the total; must be greater than 0.
    #[schemars(with = "f64")]
    pub weight: Spanned<f64>,
    #[serde(default)]
    pub description: Option<Text>,
    /// Points (0–100) a reply starts with on this criterion before rules apply.
    #[serde(default)]
    #[schemars(with = "u32", range(max = 100), extend("default" = 0))]
    pub base: Option<Spanned<i64>>,
    /// Declarative rules: each adds its points when all its conditions hold.
    #[serde(default)]
    pub rules: Vec<RawRule>,
}

/// A declarative scoring rule. All conditions given must hold for the rule to match.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Rule")]
pub struct RawRule {
    #[schemars(with = "String")]
    pub id: Id,
    /// The reply contains at least one of these phrases (`@name` includes a phrase list).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub any: Vec<Id>,
    /// The reply contains every one of these phrases.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub all: Vec<Id>,
    /// The reply contains none of these phrases.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub none: Vec<Id>,
    /// The reply expresses at least one of these concepts of the shared lexicon
    /// (`concepts.yaml`): one of its words stands in the reply, not negated, or one of its
    /// patterns matches.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub concept: Vec<Id>,
    /// The reply rejects one of these concepts: a word of it stands negated in its clause
    /// ("我们不会私下给回扣", "I won't do an off-the-books rate").
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub rejects: Vec<Id>,
    /// The reply expresses none of these concepts.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub no_concept: Vec<Id>,
    /// The reply matches this regular expression (Rust `regex` syntax).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub regex: Option<Id>,
    /// The reply has at least this many characters (Chinese characters count one each).
    #[serde(default)]
    pub min_chars: Option<u32>,
    #[serde(default)]
    pub max_chars: Option<u32>,
    /// The reply asks a question (`true`) or does not (`false`).
    #[serde(default)]
    pub question: Option<bool>,
    /// The reply asks an open question (什么/怎么/为什么…, what/how/why…).
    #[serde(default)]
    pub open_question: Option<bool>,
    /// The reply mentions a price or an amount (¥, 元, 万, digits, Chinese numerals).
    #[serde(default)]
    pub mentions_price: Option<bool>,
    /// The reply names an amount of money (3999元, ¥5,000, 三千八, 两千五; not 18K, 999足金,
    /// PT950, 0.5克拉, a year or a count), as opposed to only talking about the price.
    #[serde(default)]
    pub quotes_price: Option<bool>,
    /// Points added when the rule matches (negative to deduct), -100 to 100.
    #[schemars(with = "i64", range(min = -100, max = 100))]
    pub points: Spanned<i64>,
    /// Shown when the rule matches: why the points were given or taken.
    pub feedback: Text,
    /// Shown when a rule that gives points did not match: what would have earned them.
    #[serde(default)]
    pub hint: Option<Text>,
    /// A conduct gate: when it matches, the reply's score is capped at the rubric's
    /// `gate_cap` whatever else it earned, and the attempt cannot pass.
    #[serde(default)]
    pub gate: bool,
    /// The cap of this gate when it is stricter than the rubric's `gate_cap` (a bribe is
    /// worse than a pushy close), 0–100; only with `gate: true`.
    #[serde(default)]
    #[schemars(with = "Option<u32>", range(max = 100))]
    pub cap: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Scripts")]
pub struct RawScripts {
    /// Script whose `score(ctx)` hook scores a reply (path under `scripts/`).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub score: Option<Id>,
    /// Script whose `guide(ctx)` hook picks the next turn and gives hints.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub guide: Option<Id>,
}

/// A role-play.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Scenario")]
pub struct RawScenario {
    #[schemars(with = "String")]
    pub id: Id,
    pub title: Text,
    /// Customer type from the persona library.
    #[schemars(with = "String")]
    pub persona: Id,
    /// Thinking style (quadrant) from the persona library.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub style: Option<Id>,
    /// The customer's gender, when the texts speak of them as a woman or a man (the
    /// persona's when left out). Pronouns that contradict it are warned about.
    #[serde(default)]
    #[schemars(with = "Option<Gender>")]
    pub gender: Option<Spanned<Gender>>,
    /// The situation, told to the trainee before the first line.
    pub context: Text,
    /// Stages this role-play trains.
    #[schemars(with = "Vec<String>")]
    pub stages: Vec<Id>,
    /// First turn; the first listed turn when left out.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub start: Option<Id>,
    /// Keep the customer's card (type, style, how to approach them) hidden until this turn
    /// has been answered: for drills where the trainee first names the customer's type.
    /// Shown from the start when left out.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub reveal_persona_after: Option<Id>,
    /// A manager signs off every completed attempt of this scenario: each goes into the
    /// review queue until one does.
    #[serde(default)]
    pub sign_off: bool,
    pub turns: Vec<RawTurn>,
    /// Named ways the role-play can end.
    #[serde(default)]
    pub endings: Vec<RawEnding>,
}

/// One exchange: the customer speaks, the trainee answers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Turn")]
pub struct RawTurn {
    #[schemars(with = "String")]
    pub id: Id,
    /// Stage this turn belongs to; the scenario's first stage when left out.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub stage: Option<Id>,
    /// What the customer says or does.
    pub customer: Text,
    /// Multiple-choice answers; a free-text reply is asked for when there are none.
    #[serde(default)]
    pub options: Vec<RawOption>,
    /// Rubric criteria that score this turn; all criteria when left out.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub criteria: Vec<Id>,
    /// A model answer shown after the trainee replied.
    #[serde(default)]
    pub model_answer: Option<Text>,
    /// Where the role-play goes after this turn (a turn or an ending id, or a rule).
    /// Left out: the next listed turn, or the end after the last one.
    #[serde(default)]
    #[schemars(with = "Option<RawNext>")]
    pub next: Option<Spanned<RawNext>>,
    /// Moves that are wrong at this turn, besides its stage's (a lukewarm customer is not
    /// asked for referrals).
    #[serde(default)]
    pub premature: Vec<RawPremature>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Option")]
pub struct RawOption {
    #[schemars(with = "String")]
    pub id: Id,
    pub text: Text,
    /// Points (0–100) this answer earns on each criterion of the turn.
    #[schemars(with = "u32", range(max = 100))]
    pub score: Spanned<i64>,
    pub feedback: Text,
    /// Turn or ending id to go to; the turn's `next` when left out.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub next: Option<Id>,
}

/// Where a free-text turn leads.
#[derive(Debug, JsonSchema)]
#[schemars(untagged)]
#[schemars(rename = "Next")]
pub enum RawNext {
    /// Always this turn or ending.
    Fixed(String),
    /// Decided when the reply is scored.
    Rule(RawNextRule),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NextRule")]
pub struct RawNextRule {
    /// Branch on the reply's score: the first branch whose `min` the score reaches wins.
    #[serde(default)]
    pub by_score: Vec<RawBranch>,
    /// The guide script chooses among these targets (its `guide(ctx)` hook).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub script: Vec<Id>,
    /// Used when no branch matches or the script gives no answer.
    #[schemars(with = "String")]
    pub default: Id,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Branch")]
pub struct RawBranch {
    /// Lowest turn score (0–100) that takes this branch.
    pub min: u32,
    #[schemars(with = "String")]
    pub to: Id,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Ending")]
pub struct RawEnding {
    #[schemars(with = "String")]
    pub id: Id,
    /// The customer's last words or what happens.
    pub text: Text,
    #[serde(default)]
    pub outcome: Outcome,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Won,
    #[default]
    Open,
    Lost,
}

/// A trainer's test: a sample reply and the score it must get.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Test")]
pub struct RawTest {
    #[schemars(with = "String")]
    pub scenario: Id,
    #[schemars(with = "String")]
    pub turn: Id,
    /// A free-text sample reply.
    #[serde(default)]
    pub reply: Option<String>,
    /// Or the id of the option chosen.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub option: Option<Id>,
    /// The turn score must fall within `[min, max]`.
    pub expect: RawExpect,
    /// Phrases the feedback must contain.
    #[serde(default)]
    pub feedback_contains: Vec<String>,
    /// The language the reply is written in (one of the playbook's `locales`): the trainee's
    /// language, so `feedback_contains` is looked for in that language's feedback only.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub lang: Option<Id>,
    /// Why this sample is here (for the trainer).
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Expect")]
pub struct RawExpect {
    #[schemars(with = "u32", range(max = 100))]
    pub min: Spanned<u32>,
    #[schemars(with = "u32", range(max = 100))]
    pub max: Spanned<u32>,
}

/// The shared concept lexicon, `playbooks/concepts.yaml`: named ideas a reply can express
/// (empathy, an open question, a kickback …), each with its words in every language.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ConceptLexicon")]
pub struct RawConceptLexicon {
    pub concepts: Vec<RawConcept>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Concept")]
pub struct RawConcept {
    #[schemars(with = "String")]
    pub id: Id,
    pub title: Text,
    /// What the concept means, for authors.
    #[serde(default)]
    pub note: Option<Text>,
    /// Words and short phrases by language (`zh-CN`, `en`); each matches as words, with
    /// English inflections (stemmed), and not where its clause negates it. Every language
    /// listed needs at least one word.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub words: BTreeMap<String, Vec<Id>>,
    /// Short regular expressions over the normalized reply (lower case, half width), for
    /// what a word list cannot say (\"您说的…对吧\").
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub patterns: Vec<Id>,
    /// Other concepts whose words and patterns this one takes in as well (a "commitment"
    /// concept made of `ask_commit` and `deposit`). No concept may include itself, directly or
    /// through others.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub include: Vec<Id>,
    /// The customer's own words said back, in the reply's first sentence, count as this
    /// concept: an echo is how a listener restates ("哦，是表格加司机每天报。").
    #[serde(default)]
    pub echo: bool,
    /// Concepts this one contradicts (`empathy` and `blame`): a word of one that the other
    /// recognizes is warned about, since a reply with it would count as both. Either side may
    /// say it.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub opposes: Vec<Id>,
    /// In a trainer's `concepts.yaml`: add these words and patterns to the concept of the same
    /// id from the layers before (the bundled lexicon) instead of replacing it.
    #[serde(default)]
    pub extend: bool,
    /// With `extend: true`: words or patterns of the extended concept to drop.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub remove: Vec<Id>,
}

/// The shared persona library, `playbooks/personas.yaml`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PersonaLibrary")]
pub struct RawPersonaLibrary {
    pub personas: Vec<RawPersona>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Persona")]
pub struct RawPersona {
    #[schemars(with = "String")]
    pub id: Id,
    pub kind: PersonaKind,
    pub name: Text,
    /// Whom the card describes: `any` (a type of customer of either gender, the default),
    /// `female` or `male`. A scenario may name its customer's own.
    #[serde(default)]
    pub gender: Gender,
    #[serde(default)]
    pub summary: Option<Text>,
    #[serde(default)]
    pub traits: Vec<Text>,
    #[serde(default)]
    pub cares_about: Vec<Text>,
    /// How to approach this customer.
    #[serde(default)]
    pub approach: Vec<Text>,
    /// What to avoid with this customer.
    #[serde(default)]
    pub avoid: Vec<Text>,
}

/// A customer's gender, for the pronouns the texts use of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Either: the texts do not say.
    #[default]
    Any,
    Female,
    Male,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonaKind {
    /// One of the customer types (理智型, 任务型, …).
    CustomerType,
    /// One of the four thinking-style quadrants.
    ThinkingStyle,
}

/// A human-readable text: one string for every locale, or a map locale → string.
#[derive(Debug, Clone)]
pub struct Text(pub Spanned<TextValue>);

#[derive(Debug, Clone, PartialEq)]
pub enum TextValue {
    Same(String),
    Localized(BTreeMap<String, String>),
}

impl<'de> Deserialize<'de> for TextValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TextValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a map of locale to string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TextValue, E> {
                Ok(TextValue::Same(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TextValue, A::Error> {
                BTreeMap::deserialize(MapAccessDeserializer::new(map)).map(TextValue::Localized)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::deserialize(d).map(Text)
    }
}

impl JsonSchema for Text {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Text".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "One string for every locale, or a map locale → string (e.g. {zh-CN: 你好, en: Hello}).",
            "anyOf": [
                { "type": "string" },
                { "type": "object", "additionalProperties": { "type": "string" }, "minProperties": 1 }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for RawNext {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawNext;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a turn or ending id, or a map with `by_score` or `script` and `default`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawNext, E> {
                Ok(RawNext::Fixed(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawNext, A::Error> {
                RawNextRule::deserialize(MapAccessDeserializer::new(map)).map(RawNext::Rule)
            }
        }
        d.deserialize_any(V)
    }
}
