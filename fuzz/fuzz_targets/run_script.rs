//! Arbitrary rhai source as a playbook's score and guide script, run with the production
//! limits against a reply: every failure must become a positioned `ScriptError` and the
//! rules' score must stand. Never a panic, hang or runaway allocation.
#![no_main]

use std::collections::BTreeMap;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use salesdojo::playbook::load::SourceFile;
use salesdojo::playbook::{Content, Report, load};
use salesdojo::practice::{Answer, Attempt};
use salesdojo::script::ScriptHost;

/// The playbook of the hostile-script catalogue: `scripts/hostile.rhai` scores it.
const PLAYBOOK: &str = include_str!("../../tests/fixtures/sandbox.yaml");

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let mut scripts = BTreeMap::new();
    scripts.insert(
        "scripts/hostile.rhai".to_owned(),
        SourceFile {
            display: "scripts/hostile.rhai".into(),
            bytes: Arc::from(source.as_bytes()),
        },
    );
    let content = Content {
        playbooks: vec![SourceFile {
            display: "sandbox.yaml".into(),
            bytes: Arc::from(PLAYBOOK.as_bytes()),
        }],
        scripts,
        ..Content::bundled_support()
    };
    let mut report = Report::default();
    let lib = load(&[Content::bundled_support(), content], &mut report);
    let _ = report.render();
    let Some(pb) = lib.playbook("sandbox").cloned() else {
        return;
    };
    let host = ScriptHost::new(&lib);
    let Ok(mut attempt) = Attempt::start(pb, "one", "fuzz") else {
        return;
    };
    let _ = attempt.hint(Some(&host));
    if let Ok(r) = attempt.submit(Some(&host), Answer::Text("What matters most?".into()), 3.0) {
        // The rules' score stands whatever the script did.
        if r.script_error.is_some() {
            assert_eq!(r.scored.rounded(), 100);
            let _ = r.notice();
        }
    }
    let _ = host.take_log();
});
