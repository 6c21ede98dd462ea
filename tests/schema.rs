//! The committed JSON Schema accepts every bundled file and rejects what the loader rejects.

mod common;

use salesdojo::playbook::Report;
use salesdojo::playbook::load::{SourceFile, parse};
use serde_json::Value;

fn yaml_value(name: &str, text: &str) -> Value {
    let mut report = Report::default();
    let file = SourceFile {
        display: name.into(),
        bytes: text.as_bytes().into(),
    };
    parse::<Value>(&file, &mut report).unwrap_or_else(|| panic!("{}", report.render()))
}

fn validator(schema_file: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(common::repo().join("playbooks").join(schema_file))
        .expect("schema committed");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

#[test]
fn every_bundled_playbook_conforms_to_the_committed_schema() {
    let playbook = validator("playbook.schema.json");
    let personas = validator("personas.schema.json");
    let concepts = validator("concepts.schema.json");
    let mut checked = 0;
    for entry in std::fs::read_dir(common::repo().join("playbooks")).expect("folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let name = path.display().to_string();
        let v = yaml_value(&name, &std::fs::read_to_string(&path).expect("readable"));
        let schema = if name.ends_with("personas.yaml") {
            &personas
        } else if name.ends_with("concepts.yaml") {
            &concepts
        } else {
            &playbook
        };
        let errors: Vec<String> = schema
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        checked += 1;
    }
    assert_eq!(
        checked, 9,
        "seven playbooks, the persona library and the concept lexicon"
    );
}

#[test]
fn the_schema_rejects_an_unknown_key_and_a_wrong_type() {
    let playbook = validator("playbook.schema.json");
    let good =
        std::fs::read_to_string(common::fixtures().join("good/minimal.yaml")).expect("fixture");
    assert!(playbook.is_valid(&yaml_value("good", &good)));
    let typo = good.replace("goal:", "gaol:");
    assert!(!playbook.is_valid(&yaml_value("typo", &typo)));
    let wrong = good.replace("version: 1", "version: [1]");
    assert!(!playbook.is_valid(&yaml_value("wrong", &wrong)));
}
