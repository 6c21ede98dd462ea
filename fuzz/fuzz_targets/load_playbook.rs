//! Arbitrary bytes as a trainer's playbook file: loading and validating must end in a library
//! or positioned diagnostics, never a panic, hang or runaway allocation. The diagnostics are
//! rendered too (they slice the source around each error).
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use salesdojo::playbook::load::SourceFile;
use salesdojo::playbook::{Content, Report, load};

fuzz_target!(|data: &[u8]| {
    let content = Content {
        playbooks: vec![SourceFile {
            display: "fuzz.yaml".into(),
            bytes: Arc::from(data),
        }],
        ..Content::bundled_support()
    };
    let mut report = Report::default();
    let lib = load(&[Content::bundled_support(), content], &mut report);
    let _ = report.render();
    // What loaded must be usable: every scenario of every accepted playbook starts.
    for pb in &lib.playbooks {
        for sc in &pb.scenarios {
            let _ = salesdojo::practice::Attempt::start(pb.clone(), &sc.id, "fuzz");
        }
    }
});
