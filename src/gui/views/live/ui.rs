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

/// Customer grades and what each means (the record is graded and the grade adjusted as the
/// follow-up goes).
const GRADES: [(&str, &str, &str); 4] = [
    (
        "A",
        "意向强烈，近期可能成交：尽快跟进",
        "Strong intent, may buy soon: follow up at once",
    ),
    (
        "B",
        "有意向，还在比较：定期回访",
        "Interested, still comparing: call back regularly",
    ),
    ("C", "意向一般：保持联系", "Mild interest: keep in touch"),
    (
        "D",
        "暂无意向：留存资料",
        "No intent for now: keep the record",
    ),
];

pub fn live_ui(ui: &mut Ui, lang: Lang, l: &mut Live, out: &mut Vec<Command>) {
    let loc = lang.code();
    let pb = l.visit.visit.playbook.clone();
    let current = l.visit.visit.stage;
    egui::Panel::bottom("visit").show(ui, |ui| {
        visit_bar(ui, lang, l, out);
    });
    // When the visit moves on, the new step opens and the others close (and a new visit
    // starts with its own open/closed state).
    let moved = l.shown_stage != Some(current);
    l.shown_stage = Some(current);
    let visit_id = l.visit.id.clone();
    // Before the fork every stage is shown; after it, the visit's own way.
    let way: Vec<usize> = (0..pb.stages.len())
        .filter(|i| l.visit.visit.route.is_none() || l.visit.visit.on_route(*i))
        .collect();
    egui::CentralPanel::default().show(ui, |ui| {
        // Touch-sized check boxes.
        ui.spacing_mut().icon_width = 26.0;
        ui.spacing_mut().icon_width_inner = 14.0;
        ui.spacing_mut().icon_spacing = 10.0;
        ui.horizontal_wrapped(|ui| {
            ui.heading(pb.title.get(loc));
            ui.label(
                RichText::new(format!(
                    "{} {}/{} · {:.0} {}",
                    lang.t("步骤", "Step"),
                    way.iter()
                        .position(|i| *i == current)
                        .map_or(way.len(), |p| p + 1),
                    way.len(),
                    (l.since.elapsed().as_secs_f64() / 60.0).floor(),
                    lang.t("分钟", "min")
                ))
                .color(theme::MUTED),
            );
            // Always reachable, whatever the window's size.
            if ui
                .add(
                    egui::Button::new(
                        RichText::new(lang.t("结束带看", "End the visit")).size(16.0),
                    )
                    .min_size(egui::vec2(120.0, 32.0)),
                )
                .clicked()
            {
                out.push(Command::Live(Cmd::AskEnd));
            }
        });
        let routes: Vec<(String, String)> = l
            .visit
            .visit
            .routes_ahead()
            .iter()
            .filter_map(|s| s.path.clone().map(|p| (p, s.title.get(loc).to_owned())))
            .collect();
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (i, st) in pb.stages.iter().enumerate() {
                let title = theme::numbered(i, st.title.get(loc));
                if !way.contains(&i) {
                    // An alternative the visit did not take.
                    ui.label(
                        RichText::new(format!(
                            "{title} {}",
                            lang.t("（未走这条路）", "(not this visit's way)")
                        ))
                        .small()
                        .color(theme::MUTED),
                    );
                    continue;
                }
                let done = i < current;
                let header = if done {
                    RichText::new(format!("✓ {title}")).color(theme::GOOD)
                } else if i == current {
                    RichText::new(title).strong().size(20.0)
                } else {
                    RichText::new(title).color(theme::MUTED)
                };
                egui::CollapsingHeader::new(header)
                    .id_salt(("stage", &visit_id, i))
                    .open(moved.then_some(i == current))
                    .show(ui, |ui| {
                        stage_body(ui, lang, l, i, &way, &routes, out);
                    });
            }
        });
    });
    if l.confirm_end {
        confirm_end(ui, lang, out);
    }
}

/// The bar under a visit: the customer's grade, the appointment, and more about the visit.
fn visit_bar(ui: &mut Ui, lang: Lang, l: &mut Live, out: &mut Vec<Command>) {
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
                for (g, zh, en) in GRADES {
                    ui.selectable_value(
                        &mut l.grade,
                        g.to_owned(),
                        format!("{g} · {}", lang.t(zh, en)),
                    );
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(
                GRADES
                    .iter()
                    .map(|(g, zh, en)| format!("{g}: {}", lang.t(zh, en)))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        if l.grade != before {
            out.push(Command::Live(Cmd::Action(LiveAction::Set {
                kind: "grade",
                value: l.grade.clone(),
            })));
        }
        ui.separator();
        let label = ui.label(lang.t("下次约见日期", "Next appointment"));
        // The example is a week from today, never a day gone by.
        let example = (chrono::Local::now().date_naive() + chrono::Duration::days(7))
            .format("%Y-%m-%d")
            .to_string();
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut l.appointment)
                    .desired_width(110.0)
                    .hint_text(&example),
            )
            .labelled_by(label.id);
        let valid = chrono::NaiveDate::parse_from_str(l.appointment.trim(), "%Y-%m-%d").is_ok();
        if !l.appointment.trim().is_empty() && !valid {
            ui.colored_label(
                theme::BAD,
                format!("{}{example}", lang.t("日期格式：", "date like ")),
            );
        }
        // Written once per change: leaving the field again with the same date logs nothing.
        let changed = l.visit.visit.appointment.as_deref() != Some(l.appointment.trim());
        if r.lost_focus() && valid && changed {
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
}

/// What one step of the visit shows when open: its goal, its checklist, notes, and on the
/// current step the way on (the next step, or the ways a fork offers).
fn stage_body(
    ui: &mut Ui,
    lang: Lang,
    l: &mut Live,
    i: usize,
    way: &[usize],
    routes: &[(String, String)],
    out: &mut Vec<Command>,
) {
    let loc = lang.code();
    let pb = l.visit.visit.playbook.clone();
    let Some(st) = pb.stages.get(i) else {
        return;
    };
    let current = l.visit.visit.stage;
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
            egui::Checkbox::new(&mut ticked, RichText::new(text).size(18.0)).indeterminate(false),
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
    if r.lost_focus() && l.visit.visit.notes.get(&st.id).map_or("", String::as_str) != note.as_str()
    {
        out.push(Command::Live(Cmd::Action(LiveAction::Note {
            stage: st.id.clone(),
            text: note.clone(),
        })));
    }
    if i == current {
        // The line above the button stays (its words change), so the button does not jump
        // when the last required item is ticked.
        let missing = l.visit.visit.missing();
        let (zh, en) = if missing.is_empty() {
            (
                "必做项目已完成，可以进入下一步。",
                "The required items are done: go on when ready.",
            )
        } else {
            (
                "带 * 的项目完成后才能进入下一步。",
                "Tick the items marked * to go on.",
            )
        };
        ui.label(RichText::new(lang.t(zh, en)).color(theme::MUTED));
        let step = |ui: &mut Ui, label: String| {
            ui.add_enabled(
                missing.is_empty(),
                egui::Button::new(RichText::new(label).size(18.0))
                    .min_size(egui::vec2(180.0, 40.0)),
            )
            .clicked()
        };
        if routes.is_empty() {
            let last = way.last() == Some(&i);
            let label = if last {
                lang.t("完成这一步", "Finish this step")
            } else {
                lang.t("下一步 →", "Next step →")
            };
            if step(ui, label.to_owned()) {
                out.push(Command::Live(Cmd::Advance(None)));
            }
        } else {
            // A fork: the visit goes one way; the other is not judged.
            ui.label(
                RichText::new(lang.t("这次带看接下来：", "This visit goes on with:")).strong(),
            );
            ui.horizontal_wrapped(|ui| {
                for (route, first) in routes {
                    if step(ui, format!("→ {first}")) {
                        out.push(Command::Live(Cmd::Advance(Some(route.clone()))));
                    }
                }
            });
        }
    }
}

/// Asks before ending a visit.
fn confirm_end(ui: &mut Ui, lang: Lang, out: &mut Vec<Command>) {
    let modal = egui::Modal::new(egui::Id::unique("end-visit")).show(ui.ctx(), |ui| {
        ui.heading(lang.t("结束这次带看？", "End this visit?"));
        ui.label(lang.t(
            "结束后会按已走过的步骤给出小结；还没走到的步骤不计入。",
            "The summary judges the steps this visit went through; steps it never reached do not count.",
        ));
        ui.horizontal(|ui| {
            if ui.button(lang.t("结束带看", "End the visit")).clicked() {
                out.push(Command::Live(Cmd::ConfirmEnd(true)));
            }
            if ui.button(lang.t("继续带看", "Keep going")).clicked() {
                out.push(Command::Live(Cmd::ConfirmEnd(false)));
            }
        });
    });
    if modal.should_close() && out.is_empty() {
        out.push(Command::Live(Cmd::ConfirmEnd(false)));
    }
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
            "{} {}/{}{}",
            lang.t("完成步骤", "Steps done"),
            s.stages_done,
            s.stages,
            if s.forks_ahead {
                lang.t(
                    "（到分岔为止：之后的步骤看这次拜访怎么走）",
                    " (up to where the way splits: the steps after it depend on how the visit goes)",
                )
            } else {
                ""
            }
        ));
        ui.label(format!(
            "{} {}/{}",
            lang.t("已勾选项目（走过的步骤）", "Items ticked (in the steps gone through)"),
            s.ticked,
            s.items
        ));
        ui.label(format!(
            "{} {:.0} {}",
            lang.t("用时", "Time"),
            s.seconds / 60.0,
            lang.t("分钟", "min")
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
        if let Some(first) = s
            .route
            .as_ref()
            .and_then(|r| pb.stages.iter().find(|st| st.path.as_ref() == Some(r)))
        {
            ui.label(format!(
                "{} {}",
                lang.t("这次带看走的是：", "This visit went:"),
                first.title.get(loc)
            ));
        }
        let grade = s.grade.as_deref().map(|g| {
            GRADES
                .iter()
                .find(|(k, _, _)| *k == g)
                .map_or(g.to_owned(), |(k, zh, en)| {
                    format!("{k} · {}", lang.t(zh, en))
                })
        });
        ui.label(format!(
            "{} {}",
            lang.t("客户等级：", "Customer grade:"),
            grade.unwrap_or_else(|| lang.t("未评", "not graded").to_owned())
        ));
        ui.label(format!(
            "{} {}",
            lang.t("下次约见：", "Next appointment:"),
            s.appointment
                .clone()
                .unwrap_or_else(|| lang.t("未约", "none fixed").to_owned())
        ));
        if !s.notes.is_empty() {
            ui.label(RichText::new(lang.t("备注", "Notes")).strong());
            for (stage, note) in &s.notes {
                let title = pb
                    .stage(stage)
                    .map_or(stage.as_str(), |st| st.title.get(loc));
                ui.label(format!("{title}: {note}"));
            }
        }
        if ui.button(lang.t("返回剧本", "Back to playbooks")).clicked() {
            out.push(Command::Home);
        }
    });
}
