//! The scorer against trainers' grades: `salesdojo calibrate --gate` holds the targets (MAE ≤ 12,
//! ≥ 80 % within band, Spearman ≥ 0.8, no conduct violation above 30, no keyword salad passing,
//! at most one good reply below 60) on the shared trainer-graded set and on our own.

mod common;

use common::{repo, salesdojo};

fn gate(file: &std::path::Path) {
    let f = file.display().to_string();
    let r = salesdojo(&repo(), &["calibrate", &f, "--gate", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("calibrate prints JSON ({e}): {}\n{}", r.stdout, r.stderr));
    let all = &v["calibration"]["overall"];
    eprintln!(
        "{f}: MAE {:.1}, within band {:.0}%, Spearman {:.2}",
        all["mae"].as_f64().unwrap_or(f64::NAN),
        all["within_band"].as_f64().unwrap_or(f64::NAN) * 100.0,
        all["spearman"].as_f64().unwrap_or(f64::NAN)
    );
    assert_eq!(v["calibration"]["problems"], serde_json::json!([]), "{f}");
    assert_eq!(
        r.code,
        0,
        "{f} misses targets: {}\nworst: {}",
        v["missed"],
        serde_json::to_string_pretty(&v["calibration"]["worst"]).unwrap_or_default()
    );
}

#[test]
fn our_own_graded_replies_meet_every_target() {
    gate(&repo().join("tests/fixtures/calibration/held_out.jsonl"));
}

#[test]
fn the_shared_trainer_grades_meet_every_target() {
    let grades = repo().join("../shared/grading/calibration.jsonl");
    if !grades.is_file() {
        common::skip(
            "the_shared_trainer_grades_meet_every_target",
            &format!("{} is not here", grades.display()),
            "CI has shared/ beside the repository",
        );
        return;
    }
    gate(&grades);
}

#[test]
fn a_missed_target_fails_the_gate_and_names_it() {
    // One excellent reply the trainer graded 95 and a keyword salad graded 5, reversed:
    // the scorer disagrees with both, and the gate says which targets it missed.
    let dir = tempfile::tempdir().expect("temp dir");
    let f = dir.path().join("reversed.jsonl");
    std::fs::write(
        &f,
        concat!(
            r#"{"playbook":"objections","scenario":"too-expensive","turn":"compare","lang":"zh-CN","reply":"您的意思是和旧设备的买价比，对吧？旧设备一年下来电费和维修大概要多少？","grade":5,"band":[0,10],"category":"excellent","why":"reversed on purpose"}"#,
            "\n",
            r#"{"playbook":"objections","scenario":"too-expensive","turn":"compare","lang":"zh-CN","reply":"节能 效率 培训 案例 售后","grade":95,"band":[90,100],"category":"keyword-salad","why":"reversed on purpose"}"#,
            "\n"
        ),
    )
    .expect("write");
    let r = salesdojo(&repo(), &["calibrate", &f.display().to_string(), "--gate"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("targets missed: MAE"), "{}", r.stdout);
    assert!(r.stdout.contains("within band 0%"), "{}", r.stdout);
}
