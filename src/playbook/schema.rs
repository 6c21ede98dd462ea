//! JSON Schemas of the content files, generated from the same types the loader uses.

use super::raw::{RawConceptLexicon, RawPersonaLibrary, RawPlaybook};

/// The JSON Schema of a playbook file, pretty-printed with a trailing newline.
pub fn playbook_schema() -> String {
    pretty(schemars::schema_for!(RawPlaybook))
}

/// The JSON Schema of the concept lexicon (`concepts.yaml`).
pub fn concepts_schema() -> String {
    pretty(schemars::schema_for!(RawConceptLexicon))
}

/// The JSON Schema of the persona library (`personas.yaml`).
pub fn personas_schema() -> String {
    pretty(schemars::schema_for!(RawPersonaLibrary))
}

fn pretty(schema: schemars::Schema) -> String {
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
