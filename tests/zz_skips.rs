//! Runs last (test targets run in name order): says what this `cargo test` run skipped
//! because this machine lacks a tool, where a person sees it — after the other targets'
//! results, and past libtest's capture of a passing test's output. Where every test must run
//! (`SALESDOJO_CI=1`, as `.ci/run` sets), a skip already failed the test that needed the tool.

use std::io::Write;

#[test]
fn what_this_run_skipped() {
    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skips.txt");
    let skipped = std::fs::read_to_string(&file).unwrap_or_default();
    let _ = std::fs::remove_file(&file);
    let lines: Vec<&str> = skipped.lines().filter(|l| !l.trim().is_empty()).collect();
    let text = if lines.is_empty() {
        "\nsalesdojo tests: nothing was skipped for a missing tool\n".to_owned()
    } else {
        format!(
            "\nsalesdojo tests: {} SKIPPED for a missing tool (SALESDOJO_CI=1 makes each a failure):\n{}\n",
            lines.len(),
            lines
                .iter()
                .map(|l| format!("  - {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    // Straight to the process's standard error: libtest captures `eprintln!` of a test
    // that passes.
    let _ = std::io::stderr().write_all(text.as_bytes());
}
