//! The right-hand panel's other two faces: the grade pane (the trainer grades replies, kept
//! beside the playbook, and sees how far the draft's scores are from the grades) and the
//! concept lexicon, searchable by word.

use egui::{RichText, Ui};

use super::{Cmd, Editor};
use crate::gui::command::Command;
use crate::gui::state::Lang;
use crate::gui::theme;
use crate::playbook::Library;
use crate::playbook::model::{Reply, TestInput};

const WARN: egui::Color32 = egui::Color32::from_rgb(0xc9, 0x8a, 0x1b);

pub fn grade_ui(ui: &mut Ui, lang: Lang, ed: &mut Editor, out: &mut Vec<Command>) {
    let Some(pb) = ed.draft.clone() else {
        ui.label(
            RichText::new(lang.t(
                "剧本通过校验后，可在这里给回答打分。",
                "Once the playbook validates, grade replies here.",
            ))
            .color(theme::MUTED),
        );
        return;
    };
    if ed.entry.path.is_none() {
        ui.label(
            RichText::new(lang.t(
                "内置剧本只读：复制到“我的剧本”后，评分会保存在副本旁边。",
                "Bundled playbooks are read-only: copy this one to “My playbooks” and grades are kept beside your copy.",
            ))
            .color(theme::MUTED),
        );
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("author-grade")
        .show(ui, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
            let Some(turn) =
                super::ui::turn_picker(ui, lang, &pb, &mut ed.try_scenario, &mut ed.try_turn)
            else {
                return;
            };
            if matches!(turn.reply, Reply::Choice(_)) {
                ui.label(
                    RichText::new(lang.t(
                        "选择题的每个选项分数固定：请选一个自由回答的回合来评分。",
                        "Each option of a multiple-choice turn has a fixed score: pick a free-text turn to grade.",
                    ))
                    .color(theme::MUTED),
                );
            } else {
                entry_ui(ui, lang, &pb, ed, out);
            }
            ui.separator();
            agreement_ui(ui, lang, ed, out);
        });
}

/// The reply, where it can come from, the grade and the band.
fn entry_ui(
    ui: &mut Ui,
    lang: Lang,
    pb: &crate::playbook::Playbook,
    ed: &mut Editor,
    out: &mut Vec<Command>,
) {
    let l = ui.label(lang.t("要评分的回答", "Reply to grade"));
    ui.add(
        egui::TextEdit::multiline(&mut ed.grade.reply)
            .desired_rows(3)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(l.id);
    // Replies to start from: the playbook's sample replies at this turn, and what trainees
    // wrote here (words only: no names).
    let samples: Vec<&str> = pb
        .tests
        .iter()
        .filter(|t| t.scenario == ed.try_scenario && t.turn == ed.try_turn)
        .filter_map(|t| match &t.input {
            TestInput::Reply(r) => Some(r.as_str()),
            TestInput::Option(_) => None,
        })
        .collect();
    for (title, list, salt) in [
        (
            lang.t("样例回答", "Sample replies"),
            samples,
            "grade-samples",
        ),
        (
            lang.t("学员的回答（不含姓名）", "Trainees' replies (no names)"),
            ed.grade.recent.iter().map(String::as_str).collect(),
            "grade-recent",
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        egui::CollapsingHeader::new(format!("{title} ({})", list.len()))
            .id_salt(salt)
            .show(ui, |ui| {
                for r in list {
                    if ui
                        .add(egui::Button::new(r).wrap())
                        .on_hover_text(lang.t("用这条回答", "Use this reply"))
                        .clicked()
                    {
                        out.push(Command::Author(Cmd::UseReply(r.to_owned())));
                    }
                }
            });
    }
    ui.horizontal(|ui| {
        let l = ui.label(lang.t("你的评分", "Your grade"));
        ui.add(egui::DragValue::new(&mut ed.grade.grade).range(0.0..=100.0))
            .labelled_by(l.id);
    });
    ui.horizontal(|ui| {
        let l = ui.label(lang.t("可接受范围", "Acceptable band"));
        ui.add(egui::DragValue::new(&mut ed.grade.band[0]).range(0.0..=100.0))
            .labelled_by(l.id);
        let to = ui.label("–");
        ui.add(egui::DragValue::new(&mut ed.grade.band[1]).range(0.0..=100.0))
            .labelled_by(to.id);
    });
    let ready = !ed.grade.reply.trim().is_empty();
    if ui
        .add_enabled(ready, egui::Button::new(lang.t("保存评分", "Save grade")))
        .clicked()
    {
        out.push(Command::Author(Cmd::SaveGrade));
    }
}

/// How the draft agrees with the grades, and the worst cases.
fn agreement_ui(ui: &mut Ui, lang: Lang, ed: &Editor, out: &mut Vec<Command>) {
    let n = ed.grade.rows.len();
    ui.label(RichText::new(lang.t("与你的评分相比", "Against your grades")).strong());
    for p in &ed.grade.problems {
        ui.colored_label(WARN, p);
    }
    if n == 0 {
        ui.label(
            RichText::new(lang.t(
                "还没有评分。每条评分都会保存在剧本旁边的 NAME.graded.jsonl 里，`salesdojo calibrate` 也会读它。",
                "No grades yet. Each grade is kept beside the playbook in NAME.graded.jsonl, which `salesdojo calibrate` reads too.",
            ))
            .color(theme::MUTED),
        );
        return;
    }
    match &ed.grade.result {
        None => {
            ui.label(RichText::new(lang.t("评分中…", "Scoring…")).color(theme::MUTED));
        }
        Some(Err(e)) => {
            ui.colored_label(theme::BAD, e);
        }
        Some(Ok(c)) => {
            let s = &c.overall;
            let rho = s.spearman.map_or("–".to_owned(), |r| format!("{r:.2}"));
            ui.label(
                RichText::new(
                    crate::msg::grade_agreement(
                        s.replies,
                        format!("{:.1}", s.mae),
                        format!("{:.0}", s.within_band * 100.0),
                        rho,
                    )
                    .take(lang),
                )
                .strong(),
            );
            for p in &c.problems {
                ui.colored_label(WARN, p);
            }
            if !c.worst.is_empty() {
                ui.label(lang.t(
                    "每条评分，差得最多的在前",
                    "Every graded reply, furthest apart first",
                ));
            }
            for w in &c.worst {
                theme::card(ui, theme::CUSTOMER_BG, |ui| {
                    ui.label(&w.graded.reply);
                    ui.label(
                        crate::msg::grade_row(
                            format!("{:.0}", w.graded.grade),
                            format!("{:.0}–{:.0}", w.graded.band[0], w.graded.band[1]),
                            format!("{:.0}", w.score),
                        )
                        .take(lang),
                    );
                    for t in &w.trace {
                        ui.label(RichText::new(format!("· {t}")).color(theme::MUTED).small());
                    }
                    if let Some(i) = ed.grade.rows.iter().position(|(line, _)| *line == w.line)
                        && ui.button(lang.t("添加为测试", "Add as test")).clicked()
                    {
                        out.push(Command::Author(Cmd::GradeAsTest(i)));
                    }
                });
            }
        }
    }
}

/// The concept lexicon: every concept with its words per language and where it is used;
/// a search by word says which concepts know it.
pub fn concepts_ui(ui: &mut Ui, lang: Lang, lib: &Library, ed: &mut Editor) {
    let l = ui.label(lang.t("哪个概念认得这个词？", "Which concept knows a word?"));
    ui.add(egui::TextEdit::singleline(&mut ed.concept_query).desired_width(f32::INFINITY))
        .labelled_by(l.id);
    let q = ed.concept_query.trim().to_owned();
    // The search runs when the query changes, not on every frame.
    if ed.concept_hits.0 != q {
        let mut found: Vec<String> = crate::playbook::lexicon::knowing(lib, &q)
            .into_iter()
            .map(|k| k.id.clone())
            .collect();
        for k in lib.concepts.keys() {
            if !q.is_empty() && k.contains(q.as_str()) && !found.contains(k) {
                found.push(k.clone());
            }
        }
        ed.concept_hits = (q.clone(), found);
    }
    let q = q.as_str();
    let shown: Vec<&crate::playbook::model::Concept> = if q.is_empty() {
        lib.concepts.values().map(AsRef::as_ref).collect()
    } else {
        ed.concept_hits
            .1
            .iter()
            .filter_map(|id| lib.concepts.get(id).map(AsRef::as_ref))
            .collect()
    };
    if !q.is_empty() {
        ui.label(crate::msg::concepts_knowing(q, shown.len()).take(lang));
    }
    let loc = lang.code();
    egui::ScrollArea::vertical()
        .id_salt("author-concepts")
        .show(ui, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
            for k in shown {
                let color = ui.visuals().text_color();
                let title = format!("  {}", k.title.get(loc));
                egui::CollapsingHeader::new(theme::id_then(ui.style(), &k.id, &title, color))
                    .id_salt(("concept", &k.id, q.is_empty()))
                    .default_open(!q.is_empty())
                    .show(ui, |ui| {
                        for (l, words) in &k.words_by_lang {
                            ui.label(RichText::new(format!("{l}: {}", words.join(", "))).small());
                        }
                        if !k.pattern_sources.is_empty() {
                            ui.label(
                                RichText::new(crate::msg::concept_patterns(k.pattern_sources.len()).take(lang))
                                    .color(theme::MUTED)
                                    .small(),
                            );
                        }
                        let against = crate::playbook::lexicon::opponents(lib, k);
                        if !against.is_empty() {
                            ui.label(
                                RichText::new(format!("{} {}", lang.t("相对：", "Opposes:"), against.join(", ")))
                                    .color(theme::MUTED)
                                    .small(),
                            );
                        }
                        let uses = crate::playbook::lexicon::uses(lib, &k.id);
                        if !uses.is_empty() {
                            ui.label(
                                RichText::new(format!("{} {}", lang.t("用于：", "Used by:"), uses.join(", ")))
                                    .color(theme::MUTED)
                                    .small(),
                            );
                        }
                    });
            }
            ui.label(
                RichText::new(lang.t(
                    "要加自己的词：在你的 concepts.yaml 里写一个同 `id` 的概念，并加上 `extend: true`。",
                    "To add your own words: a concept with the same `id` and `extend: true` in your concepts.yaml.",
                ))
                .color(theme::MUTED)
                .small(),
            );
        });
}
