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

/// One graded set of `tests/fixtures/calibration/sets.yaml`.
#[derive(serde::Deserialize)]
struct Set {
    file: String,
    role: String,
    graded: String,
    used: String,
    baseline: Option<Baseline>,
}

/// What a test set may not fall below.
#[derive(serde::Deserialize)]
struct Baseline {
    replies: u64,
    min_per_playbook: u64,
    min_per_category: u64,
    mae: f64,
    within_band: f64,
    spearman: f64,
    violations_above_30: u64,
    salads_pass: u64,
    good_below_60: u64,
}

#[derive(serde::Deserialize)]
struct Sets {
    sets: Vec<Set>,
    /// What the test sets together, weighted by their replies, may not fall below: a change
    /// that trades one test set for the others must leave the whole better.
    pooled: Pooled,
}

#[derive(serde::Deserialize)]
struct Pooled {
    mae: f64,
    within_band: f64,
}

fn sets_file() -> Sets {
    let path = repo().join("tests/fixtures/calibration/sets.yaml");
    let text = std::fs::read_to_string(&path).expect("sets.yaml");
    serde_saphyr::from_str::<Sets>(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The problems of a test set's figures against its baseline (empty when it holds).
fn below_baseline(v: &serde_json::Value, b: &Baseline) -> Vec<String> {
    let o = &v["overall"];
    let f = |k: &str| o[k].as_f64().unwrap_or(f64::NAN);
    let u = |k: &str| o[k].as_u64().unwrap_or(u64::MAX);
    let mut missed = Vec::new();
    if u("replies") != b.replies {
        missed.push(format!("{} replies, not {}", u("replies"), b.replies));
    }
    for (group, min) in [
        ("by_playbook", b.min_per_playbook),
        ("by_category", b.min_per_category),
    ] {
        let groups = v[group].as_object().cloned().unwrap_or_default();
        if groups.is_empty() {
            missed.push(format!("no {group} figures"));
        }
        for (k, s) in groups {
            let n = s["replies"].as_u64().unwrap_or(0);
            if n < min {
                missed.push(format!("{group} {k}: {n} replies, fewer than {min}"));
            }
        }
    }
    if f("mae").is_nan() || f("mae") > b.mae {
        missed.push(format!("MAE {:.3} above {}", f("mae"), b.mae));
    }
    if f("within_band").is_nan() || f("within_band") < b.within_band {
        missed.push(format!(
            "in band {:.3} below {}",
            f("within_band"),
            b.within_band
        ));
    }
    if f("spearman").is_nan() || f("spearman") < b.spearman {
        missed.push(format!(
            "Spearman {:.3} below {}",
            f("spearman"),
            b.spearman
        ));
    }
    for (k, most) in [
        ("violations_above_30", b.violations_above_30),
        ("salads_pass", b.salads_pass),
        ("good_below_60", b.good_below_60),
    ] {
        if u(k) > most {
            missed.push(format!("{k} {} above {most}", u(k)));
        }
    }
    missed
}

#[test]
fn every_graded_set_is_labelled_and_each_test_set_holds_its_baseline() {
    let file = sets_file();
    let sets = file.sets;
    // Replies, summed absolute error and replies in band over the test sets measured.
    let (mut pooled_n, mut pooled_err, mut pooled_in, mut test_sets) = (0.0, 0.0, 0.0, 0);
    // Every graded file here and in the shared folder is labelled, once.
    let mut listed: Vec<String> = sets.iter().map(|s| s.file.clone()).collect();
    listed.sort();
    let before = listed.len();
    listed.dedup();
    assert_eq!(before, listed.len(), "a set is listed twice");
    let mut present = Vec::new();
    for dir in ["tests/fixtures/calibration", "../shared/grading"] {
        let Ok(entries) = std::fs::read_dir(repo().join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".jsonl") {
                present.push(format!("{dir}/{name}"));
            }
        }
    }
    for file in &present {
        assert!(
            listed.contains(file),
            "{file} is not in tests/fixtures/calibration/sets.yaml: say whether it is dev or test"
        );
    }
    assert!(
        sets.iter().any(|s| s.role == "test"),
        "no test set: nothing measures unseen replies"
    );
    for s in &sets {
        assert!(
            s.role == "dev" || s.role == "test",
            "{}: role {:?}",
            s.file,
            s.role
        );
        assert!(!s.graded.is_empty() && !s.used.is_empty(), "{}", s.file);
        assert!(
            s.role == "dev" || s.baseline.is_some(),
            "{}: a test set has a baseline",
            s.file
        );
        let path = repo().join(&s.file);
        if !path.is_file() {
            common::skip(
                "every_graded_set_is_labelled_and_each_test_set_holds_its_baseline",
                &format!("{} is not here", path.display()),
                "CI has shared/ beside the repository",
            );
            continue;
        }
        let Some(b) = &s.baseline else { continue };
        let r = salesdojo(
            &repo(),
            &["calibrate", &path.display().to_string(), "--format", "json"],
        );
        let v: serde_json::Value = serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("calibrate prints JSON ({e}): {}", r.stderr));
        let c = &v["calibration"];
        assert_eq!(c["problems"], serde_json::json!([]), "{}", s.file);
        eprintln!(
            "{} ({} set): MAE {:.2}, in band {:.1} %, Spearman {:.3}",
            s.file,
            s.role,
            c["overall"]["mae"].as_f64().unwrap_or(f64::NAN),
            c["overall"]["within_band"].as_f64().unwrap_or(f64::NAN) * 100.0,
            c["overall"]["spearman"].as_f64().unwrap_or(f64::NAN)
        );
        let missed = below_baseline(c, b);
        assert!(
            missed.is_empty(),
            "{} fell below its baseline: {}",
            s.file,
            missed.join("; ")
        );
        if s.role == "test" {
            let o = &c["overall"];
            let n = o["replies"].as_f64().unwrap_or(0.0);
            pooled_n += n;
            pooled_err += n * o["mae"].as_f64().unwrap_or(f64::NAN);
            pooled_in += n * o["within_band"].as_f64().unwrap_or(f64::NAN);
            test_sets += 1;
        }
    }
    // The test sets together (when all of them are here).
    if test_sets == sets.iter().filter(|s| s.role == "test").count() && pooled_n > 0.0 {
        let (mae, within) = (pooled_err / pooled_n, pooled_in / pooled_n);
        eprintln!(
            "test sets pooled ({pooled_n} replies): MAE {mae:.2}, in band {:.1} %",
            within * 100.0
        );
        assert!(
            mae <= file.pooled.mae && within >= file.pooled.within_band,
            "the test sets together fell below their pooled baseline: MAE {mae:.3} (at most {}), in band {within:.3} (at least {})",
            file.pooled.mae,
            file.pooled.within_band
        );
    }
}

#[test]
fn a_test_set_below_its_baseline_is_named() {
    let b = Baseline {
        replies: 4,
        min_per_playbook: 2,
        min_per_category: 1,
        mae: 10.0,
        within_band: 0.7,
        spearman: 0.7,
        violations_above_30: 0,
        salads_pass: 0,
        good_below_60: 0,
    };
    let figures = |mae: f64, n: u64| {
        serde_json::json!({
            "overall": {"replies": n, "mae": mae, "within_band": 0.75, "spearman": 0.8,
                        "violations_above_30": 0, "salads_pass": 0, "good_below_60": 0},
            "by_playbook": {"jewelry": {"replies": 2}, "objections": {"replies": n - 2}},
            "by_category": {"excellent": {"replies": n}},
        })
    };
    assert!(below_baseline(&figures(9.5, 4), &b).is_empty());
    let worse = below_baseline(&figures(10.5, 4), &b);
    assert_eq!(worse, vec!["MAE 10.500 above 10".to_owned()]);
    let fewer = below_baseline(&figures(9.5, 3), &b);
    assert!(fewer.iter().any(|m| m == "3 replies, not 4"), "{fewer:?}");
    assert!(
        fewer.iter().any(|m| m.contains("objections: 1 replies")),
        "{fewer:?}"
    );
}

#[test]
fn a_disagreement_names_the_moves_the_reply_did_not_make() {
    let dir = tempfile::tempdir().expect("temp dir");
    let f = dir.path().join("one.jsonl");
    std::fs::write(
        &f,
        concat!(
            r#"{"playbook":"seven-step","scenario":"inbound-lead","turn":"pains","lang":"zh-CN","reply":"嗯嗯这种情况很普遍，我们的软件全都能搞定。","grade":28,"band":[15,42],"category":"weak","why":"no restatement"}"#,
            "\n"
        ),
    )
    .expect("write");
    let r = salesdojo(&repo(), &["calibrate", &f.display().to_string()]);
    // The criterion it earned nothing on, with the rules it rewards that did not fire.
    assert!(
        r.stdout.contains("· confirm 0 () not seen: restate"),
        "{}",
        r.stdout
    );
    // A criterion whose rewarding rules all fired names none.
    assert!(
        !r.stdout.contains(
            "conduct 40 (base +100, rule overpromise [overpromise: 全都能搞定] -60) not seen"
        ),
        "{}",
        r.stdout
    );
}
