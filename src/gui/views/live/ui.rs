//! The live checklist for a real customer visit: big, touch-friendly steps; every tick, note,
//! grade and appointment is written to the log as it happens.

use egui::{RichText, Ui};

use super::{Cmd, Live};
use crate::gui::command::Command;
use crate::gui::state::Lang;
use crate::gui::theme;
use crate::gui::worker::LiveAction;
use crate::playbook::model::Playbook;
use crate::practice::live::LiveSummary;

const GRADES: [&str; 4] = ["A", "B", "C", "D"];

pub fn live_ui(ui: &mut Ui, lang: Lang, l: &mut Live, out: &mut Vec<Command>) {
    let loc = lang.code();
    let pb = l.visit.visit.playbook.clone();
    let current = l.visit.visit.stage;
    egui::Panel::bottom("visit").show(ui, |ui| {
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            let label = ui.label(lang.t("客户等级", "Customer grade"));
            let before = l.grade.clone();
            egui::ComboBox::from_id_salt("grade")
                .selected_text(if l.grade.is_empty() {
                    "—"
                } else {
                    l.grade.as_str()
                })
                .show_ui(ui, |ui| {
                    for g in GRADES {
                        ui.selectable_value(&mut l.grade, g.to_owned(), g);
                    }
                })
                .response
                .labelled_by(label.id);
            if l.grade != before {
                out.push(Command::Live(Cmd::Action(LiveAction::Set {
                    kind: "grade",
                    value: l.grade.clone(),
                })));
            }
            ui.separator();
            let label = ui.label(lang.t("下次约见日期", "Next appointment"));
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut l.appointment)
                        .desired_width(110.0)
                        .hint_text("2026-12-01"),
                )
                .labelled_by(label.id);
            let valid = chrono::NaiveDate::parse_from_str(l.appointment.trim(), "%Y-%m-%d").is_ok();
            if !l.appointment.trim().is_empty() && !valid {
                ui.colored_label(
                    theme::BAD,
                    lang.t("日期格式：2026-12-01", "date like 2026-12-01"),
                );
            }
            if r.lost_focus() && valid {
                out.push(Command::Live(Cmd::Action(LiveAction::Set {
                    kind: "appointment",
                    value: l.appointment.trim().to_owned(),
                })));
            }
        });
        if let Some(e) = &l.error {
            ui.colored_label(theme::BAD, format!("⚠ {e}"));
        }
        ui.add_space(4.0);
    });
    egui::CentralPanel::default().show(ui, |ui| {
        // Touch-sized check boxes.
        ui.spacing_mut().icon_width = 26.0;
        ui.spacing_mut().icon_width_inner = 14.0;
        ui.spacing_mut().icon_spacing = 10.0;
        ui.heading(pb.title.get(loc));
        ui.label(
            RichText::new(format!(
                "{} {}/{} · {:.0} min",
                lang.t("步骤", "Step"),
                (current + 1).min(pb.stages.len()),
                pb.stages.len(),
                (l.since.elapsed().as_secs_f64() / 60.0).floor()
            ))
            .color(theme::MUTED),
        );
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (i, st) in pb.stages.iter().enumerate() {
                let done = i < current;
                let title = theme::numbered(i, st.title.get(loc));
                let header = if done {
                    RichText::new(format!("✓ {title}")).color(theme::GOOD)
                } else if i == current {
                    RichText::new(title).strong().size(20.0)
                } else {
                    RichText::new(title).color(theme::MUTED)
                };
                egui::CollapsingHeader::new(header)
                    .id_salt(("stage", i))
                    .open((i == current).then_some(true))
                    .show(ui, |ui| {
                        ui.label(st.goal.get(loc));
                        for item in &st.checklist {
                            let mut ticked = l.visit.visit.ticked.contains(&item.id);
                            let text = if item.required {
                                format!("{} *", item.text.get(loc))
                            } else {
                                item.text.get(loc).to_owned()
                            };
                            // Large hit targets for a tablet held during a visit.
                            let r = ui.add(
                                egui::Checkbox::new(&mut ticked, RichText::new(text).size(18.0))
                                    .indeterminate(false),
                            );
                            if r.changed() {
                                out.push(Command::Live(Cmd::Action(LiveAction::Tick {
                                    stage: st.id.clone(),
                                    item: item.id.clone(),
                                    ticked,
                                })));
                            }
                            ui.add_space(4.0);
                        }
                        let note = l.notes.entry(st.id.clone()).or_default();
                        let label = ui.label(lang.t("备注", "Notes"));
                        let r = ui
                            .add(
                                egui::TextEdit::multiline(note)
                                    .desired_rows(2)
                                    .desired_width(f32::INFINITY),
                            )
                            .labelled_by(label.id);
                        if r.lost_focus()
                            && l.visit.visit.notes.get(&st.id).map_or("", String::as_str)
                                != note.as_str()
                        {
                            out.push(Command::Live(Cmd::Action(LiveAction::Note {
                                stage: st.id.clone(),
                                text: note.clone(),
                            })));
                        }
                        if i == current {
                            let missing = l.visit.visit.missing();
                            if !missing.is_empty() {
                                ui.label(
                                    RichText::new(lang.t(
                                        "带 * 的项目完成后才能进入下一步。",
                                        "Tick the items marked * to go on.",
                                    ))
                                    .color(theme::MUTED),
                                );
                            }
                            let last = i + 1 == pb.stages.len();
                            let label = if last {
                                lang.t("完成这一步", "Finish this step")
                            } else {
                                lang.t("下一步 →", "Next step →")
                            };
                            if ui
                                .add_enabled(
                                    missing.is_empty(),
                                    egui::Button::new(RichText::new(label).size(18.0))
                                        .min_size(egui::vec2(180.0, 40.0)),
                                )
                                .clicked()
                            {
                                out.push(Command::Live(Cmd::Advance));
                            }
                        }
                    });
            }
            ui.add_space(8.0);
            if ui
                .add(
                    egui::Button::new(
                        RichText::new(lang.t("结束带看", "End the visit")).size(18.0),
                    )
                    .min_size(egui::vec2(180.0, 40.0)),
                )
                .clicked()
            {
                out.push(Command::Live(Cmd::Action(LiveAction::Finish)));
            }
        });
    });
}

pub fn live_summary_ui(
    ui: &mut Ui,
    lang: Lang,
    pb: &Playbook,
    s: &LiveSummary,
    out: &mut Vec<Command>,
) {
    let loc = lang.code();
    egui::CentralPanel::default().show(ui, |ui| {
        ui.heading(format!(
            "{} · {}",
            pb.title.get(loc),
            lang.t("带看小结", "visit summary")
        ));
        ui.label(format!(
            "{} {}/{}",
            lang.t("完成步骤", "Steps done"),
            s.stages_done,
            s.stages
        ));
        ui.label(format!(
            "{} {}/{}",
            lang.t("已勾选项目", "Items ticked"),
            s.ticked,
            s.items
        ));
        ui.label(format!(
            "{} {:.0} min",
            lang.t("用时", "Time"),
            s.seconds / 60.0
        ));
        if !s.unticked_required.is_empty() {
            ui.colored_label(
                theme::BAD,
                lang.t("有必做项目未完成：", "Required items left unticked:"),
            );
            for id in &s.unticked_required {
                let text = pb
                    .stages
                    .iter()
                    .flat_map(|st| &st.checklist)
                    .find(|i| &i.id == id)
                    .map_or(id.as_str(), |i| i.text.get(loc));
                ui.label(format!("• {text}"));
            }
        }
        if ui.button(lang.t("返回剧本", "Back to playbooks")).clicked() {
            out.push(Command::Home);
        }
    });
}
