//! The review view's assignments tab: a form to assign practice, the funnel per assignment
//! and per team (each number opens the trainees behind it), and who is behind, latest first,
//! with a CSV export of it. The decisions are [`crate::assign`]'s; this draws them.

use egui::RichText;

use crate::assign::{Bucket, Counts, Request, Retake, Status, Who};
use crate::gui::command::Command;
use crate::gui::ctx::Ctx;
use crate::gui::state::Lang;
use crate::gui::theme;
use crate::gui::worker::{FunnelData, Job};
use crate::playbook::Library;

use super::Cmd;

/// A row of the funnel whose number was clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Assignment(String),
    Team(Option<String>),
}

/// The tab's state: the form as typed, the funnel last read, the number clicked.
#[derive(Debug, Default)]
pub struct Assignments {
    pub data: Option<Box<FunnelData>>,
    /// A read is under way.
    pub loading: bool,
    pub playbook: String,
    /// Empty: the whole playbook.
    pub scenario: String,
    pub to_team: bool,
    /// A trainee's name or a team's name.
    pub who: String,
    /// `YYYY-MM-DD`, as typed.
    pub due: String,
    /// Empty: the playbook's pass mark.
    pub pass_mark: String,
    pub retake_after: String,
    pub retakes: String,
    pub note: String,
    /// What the last assignment did: said, or why not.
    pub said: Option<Result<String, String>>,
    /// The funnel number clicked: its row and bucket.
    pub picked: Option<(Row, Bucket)>,
    /// Where "who is behind" is exported.
    pub export_path: String,
}

impl Assignments {
    /// Reads the funnel again.
    pub fn load(&mut self, ctx: &mut Ctx<'_>) {
        self.loading = true;
        ctx.send(Job::Funnel);
    }

    /// Checks the form's numbers and dates and sends the request (the rest is checked
    /// against the log by [`crate::assign::check`]).
    pub fn assign(&mut self, ctx: &mut Ctx<'_>) {
        let lang = ctx.lang;
        let bad = |zh: &'static str, en: &'static str| Some(Err(lang.t(zh, en).to_owned()));
        let due = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
            .iter()
            .find_map(|f| chrono::NaiveDate::parse_from_str(self.due.trim(), f).ok());
        let Some(due) = due else {
            self.said = bad(
                "截止日期格式不对（YYYY-MM-DD）。",
                "The due date is not a date (YYYY-MM-DD).",
            );
            return;
        };
        let number = |s: &str, default: i64| -> Option<i64> {
            let s = s.trim();
            if s.is_empty() {
                Some(default)
            } else {
                s.parse().ok()
            }
        };
        let pass_mark = match self.pass_mark.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(m) => Some(m),
                Err(_) => {
                    self.said = bad(
                        "及格分应为 0–100 的整数。",
                        "The pass mark must be a whole number from 0 to 100.",
                    );
                    return;
                }
            },
        };
        let retake = match (
            number(&self.retake_after, 0).and_then(|d| u32::try_from(d).ok()),
            number(&self.retakes, 2).and_then(|d| u32::try_from(d).ok()),
        ) {
            (Some(after_days), Some(max)) if after_days <= 3650 && max <= 1000 => {
                Retake { after_days, max }
            }
            _ => {
                self.said = bad(
                    "重练间隔和次数应为不小于 0 的整数。",
                    "The retake days and count must be whole numbers, 0 or more.",
                );
                return;
            }
        };
        if self.who.trim().is_empty() || self.playbook.is_empty() {
            self.said = bad("请选择剧本和对象。", "Choose a playbook and who it is for.");
            return;
        }
        let who = self.who.trim().to_owned();
        let req = Request {
            playbook: self.playbook.clone(),
            scenario: Some(self.scenario.clone()).filter(|s| !s.is_empty()),
            who: if self.to_team {
                Who::Team(who)
            } else {
                Who::Trainee(who)
            },
            due,
            pass_mark,
            retake,
            note: Some(self.note.trim().to_owned()).filter(|n| !n.is_empty()),
        };
        let by = ctx.who.unwrap_or("manager").to_owned();
        self.said = None;
        ctx.send(Job::Assign { req, by });
    }

    /// The assignment stored (the funnel is read again) or refused.
    pub fn on_saved(&mut self, said: Result<String, String>, ctx: &mut Ctx<'_>) {
        let ok = said.is_ok();
        self.said = Some(said);
        if ok {
            self.note.clear();
            self.load(ctx);
        }
    }

    /// The default file for "who is behind".
    pub fn default_export_path() -> String {
        let base = super::Review::default_export_path(false);
        base.replace("salesdojo-", "salesdojo-behind-")
    }
}

/// The tab.
pub fn assignments_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    a: &mut Assignments,
    commands: &mut Vec<Command>,
) {
    // The form and the funnel scroll as one: at a small window the form leaves the funnel no
    // room of its own.
    egui::ScrollArea::vertical()
        .id_salt("assignments-scroll")
        .show(ui, |ui| {
            form_ui(ui, lang, lib, a, commands);
            ui.separator();
            funnel_ui(ui, lang, lib, a, commands);
        });
}

/// The funnel per assignment and team, the trainees behind a number, and who is behind.
fn funnel_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    a: &mut Assignments,
    commands: &mut Vec<Command>,
) {
    let loc = lang.code();
    let Some(d) = a.data.as_deref() else {
        if a.loading {
            ui.add(egui::Spinner::new());
        }
        return;
    };
    if d.all.assignments.is_empty() {
        ui.label(
            RichText::new(lang.t(
                "还没有布置任何练习。用上面的表单布置。",
                "Nothing is assigned yet. Assign practice with the form above.",
            ))
            .color(theme::MUTED),
        );
        return;
    }
    let what = |id: &str| -> String {
        d.all
            .assignment(id)
            .map_or_else(String::new, |x| x.title(lib, loc))
    };
    let heads = [
        lang.t("人数", "Assigned"),
        lang.t("未开始", "Not started"),
        lang.t("进行中", "In progress"),
        lang.t("通过", "Passed"),
        lang.t("逾期", "Overdue"),
        lang.t("未达标", "Failed"),
    ];
    let mut picked = a.picked.clone();
    ui.vertical(|ui| {
        ui.label(RichText::new(lang.t("各项布置", "By assignment")).strong());
        egui::Grid::new("funnel")
            .striped(true)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                ui.label(RichText::new(lang.t("布置", "Assignment")).color(theme::MUTED));
                ui.label(RichText::new(lang.t("对象", "For")).color(theme::MUTED));
                ui.label(RichText::new(lang.t("截止", "Due")).color(theme::MUTED));
                for h in heads {
                    ui.label(RichText::new(h).color(theme::MUTED));
                }
                ui.end_row();
                for row in &d.funnel {
                    let x = d.all.assignment(&row.assignment);
                    ui.label(what(&row.assignment));
                    ui.label(x.map(|x| x.who(&d.trainees)).unwrap_or_default());
                    ui.label(x.map(|x| x.due.to_string()).unwrap_or_default());
                    for b in Bucket::ALL {
                        number(
                            ui,
                            lang,
                            &mut picked,
                            Row::Assignment(row.assignment.clone()),
                            b,
                            &row.counts,
                        );
                    }
                    ui.end_row();
                }
            });
        ui.add_space(8.0);
        ui.label(RichText::new(lang.t("各团队", "By team")).strong());
        egui::Grid::new("funnel-teams")
            .striped(true)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                ui.label(RichText::new(lang.t("团队", "Team")).color(theme::MUTED));
                for h in heads {
                    ui.label(RichText::new(h).color(theme::MUTED));
                }
                ui.end_row();
                for (team, c) in &d.teams {
                    ui.label(team.as_deref().unwrap_or(lang.t("（无团队）", "(no team)")));
                    for b in Bucket::ALL {
                        number(ui, lang, &mut picked, Row::Team(team.clone()), b, c);
                    }
                    ui.end_row();
                }
            });
        if let Some((row, b)) = &picked {
            ui.add_space(8.0);
            theme::card(ui, ui.visuals().faint_bg_color, |ui| {
                let label = match row {
                    Row::Assignment(id) => what(id),
                    Row::Team(t) => t.clone().unwrap_or_default(),
                };
                ui.label(
                    RichText::new(format!(
                        "{label} · {}",
                        heads[Bucket::ALL.iter().position(|x| x == b).unwrap_or(0)]
                    ))
                    .strong(),
                );
                for s in d.all.standings.iter().filter(|s| {
                    b.holds(&s.status)
                        && match row {
                            Row::Assignment(id) => s.assignment == *id,
                            Row::Team(t) => s.trainee.team == *t,
                        }
                }) {
                    ui.horizontal(|ui| {
                        ui.label(&s.trainee.name);
                        if matches!(row, Row::Team(_)) {
                            ui.label(RichText::new(what(&s.assignment)).color(theme::MUTED));
                        }
                        ui.label(RichText::new(s.status.describe().take(lang)).color(theme::MUTED));
                    });
                }
            });
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            ui.label(RichText::new(lang.t("谁落后了", "Who is behind")).strong());
            let l = ui.label(lang.t("导出到", "Export to"));
            ui.add(
                egui::TextEdit::singleline(&mut a.export_path)
                    .hint_text(Assignments::default_export_path())
                    .desired_width(300.0),
            )
            .labelled_by(l.id);
            if ui
                .add_enabled(
                    !d.behind.is_empty(),
                    egui::Button::new(lang.t("导出 CSV", "Export CSV")),
                )
                .clicked()
            {
                commands.push(Command::Review(Cmd::ExportBehind));
            }
        });
        if d.behind.is_empty() {
            ui.label(
                RichText::new(lang.t("没有人逾期。", "Nobody is overdue.")).color(theme::GOOD),
            );
        }
        egui::Grid::new("behind").striped(true).show(ui, |ui| {
            for s in d.behind.iter().filter_map(|i| d.all.standings.get(*i)) {
                ui.label(&s.trainee.name);
                ui.label(s.trainee.team.as_deref().unwrap_or("-"));
                ui.label(what(&s.assignment));
                let late = match s.status {
                    Status::Overdue { .. } => s.status.describe().take(lang),
                    _ => String::new(),
                };
                ui.label(RichText::new(late).color(theme::BAD));
                ui.end_row();
            }
        });
    });
    a.picked = picked;
}

/// One number of the funnel: a button that opens (or closes) the trainees behind it.
fn number(
    ui: &mut egui::Ui,
    lang: Lang,
    picked: &mut Option<(Row, Bucket)>,
    row: Row,
    b: Bucket,
    c: &Counts,
) {
    let n = b.of(c);
    let text = RichText::new(n.to_string());
    let text = match b {
        Bucket::Overdue if n > 0 => text.color(theme::BAD).strong(),
        Bucket::Passed if n > 0 => text.color(theme::GOOD),
        _ => text,
    };
    let on = picked.as_ref() == Some(&(row.clone(), b));
    if ui
        .add_enabled(n > 0, egui::Button::new(text).selected(on).small())
        .on_hover_text(lang.t("查看这些学员", "See these trainees"))
        .clicked()
    {
        *picked = if on { None } else { Some((row, b)) };
    }
}

/// The form: what, for whom, by when, the mark and the retakes.
fn form_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    a: &mut Assignments,
    commands: &mut Vec<Command>,
) {
    let loc = lang.code();
    egui::CollapsingHeader::new(lang.t("布置练习", "Assign practice"))
        .id_salt("assign-form")
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("assign-grid")
                .num_columns(2)
                .spacing([8.0, 4.0])
                .show(ui, |ui| {
                    let l_pb = ui.label(lang.t("剧本", "Playbook"));
                    let practice: Vec<_> = lib
                        .playbooks
                        .iter()
                        .filter(|p| !p.live && !p.scenarios.is_empty())
                        .collect();
                    let shown = practice
                        .iter()
                        .find(|p| p.id == a.playbook)
                        .map_or(lang.t("（选择）", "(choose)"), |p| p.title.get(loc));
                    egui::ComboBox::from_id_salt("assign-playbook")
                        .selected_text(shown)
                        .width(260.0)
                        .show_ui(ui, |ui| {
                            for p in &practice {
                                if ui
                                    .selectable_label(a.playbook == p.id, p.title.get(loc))
                                    .clicked()
                                {
                                    a.playbook = p.id.clone();
                                    a.scenario.clear();
                                }
                            }
                        })
                        .response
                        .labelled_by(l_pb.id);
                    ui.end_row();
                    let l_scen = ui.label(lang.t("场景", "Scenario"));
                    let pb = lib.playbook(&a.playbook);
                    let shown = pb.and_then(|p| p.scenario(&a.scenario)).map_or(
                        lang.t(
                            "整本剧本（全部场景）",
                            "The whole playbook (every scenario)",
                        ),
                        |s| s.title.get(loc),
                    );
                    egui::ComboBox::from_id_salt("assign-scenario")
                        .selected_text(shown)
                        .width(260.0)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(
                                &mut a.scenario,
                                String::new(),
                                lang.t(
                                    "整本剧本（全部场景）",
                                    "The whole playbook (every scenario)",
                                ),
                            );
                            for s in pb.map(|p| p.scenarios.as_slice()).unwrap_or_default() {
                                ui.selectable_value(
                                    &mut a.scenario,
                                    s.id.clone(),
                                    s.title.get(loc),
                                );
                            }
                        })
                        .response
                        .labelled_by(l_scen.id);
                    ui.end_row();
                    let l_who = ui.label(lang.t("对象", "For"));
                    ui.horizontal(|ui| {
                        ui.radio_value(&mut a.to_team, false, lang.t("学员", "A trainee"));
                        ui.radio_value(&mut a.to_team, true, lang.t("团队", "A team"));
                        let (data, who, to_team) = (&a.data, &mut a.who, a.to_team);
                        egui::ComboBox::from_id_salt("assign-who")
                            .selected_text(if who.is_empty() {
                                lang.t("（选择）", "(choose)")
                            } else {
                                who.as_str()
                            })
                            .width(180.0)
                            .show_ui(ui, |ui| {
                                // Listed only while the picker is open.
                                let names: Vec<&String> = match data {
                                    Some(d) if to_team => d.team_names.iter().collect(),
                                    Some(d) => d.trainees.iter().map(|t| &t.name).collect(),
                                    None => Vec::new(),
                                };
                                egui::ScrollArea::vertical()
                                    .max_height(240.0)
                                    .show(ui, |ui| {
                                        for n in names {
                                            if ui.selectable_label(*who == *n, n).clicked() {
                                                who.clone_from(n);
                                            }
                                        }
                                    });
                            })
                            .response
                            .labelled_by(l_who.id);
                    });
                    ui.end_row();
                    let field = |ui: &mut egui::Ui,
                                 label: &str,
                                 value: &mut String,
                                 hint: String,
                                 width: f32| {
                        let l = ui.label(label);
                        ui.add(
                            egui::TextEdit::singleline(value)
                                .hint_text(hint)
                                .desired_width(width),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                    };
                    let mark = pb.map_or(String::new(), |p| p.rubric.pass_mark.to_string());
                    field(
                        ui,
                        lang.t("截止日期", "Due"),
                        &mut a.due,
                        "YYYY-MM-DD".into(),
                        120.0,
                    );
                    field(
                        ui,
                        lang.t("及格分", "Pass mark"),
                        &mut a.pass_mark,
                        mark,
                        60.0,
                    );
                    field(
                        ui,
                        lang.t("未达标后隔几天重练", "Retake after (days)"),
                        &mut a.retake_after,
                        "0".into(),
                        60.0,
                    );
                    field(
                        ui,
                        lang.t("最多重练次数", "Retakes at most"),
                        &mut a.retakes,
                        "2".into(),
                        60.0,
                    );
                    field(
                        ui,
                        lang.t("备注", "Note"),
                        &mut a.note,
                        String::new(),
                        260.0,
                    );
                });
            ui.horizontal(|ui| {
                if ui.button(lang.t("布置", "Assign")).clicked() {
                    commands.push(Command::Review(Cmd::Assign));
                }
                if ui.button(lang.t("刷新", "Refresh")).clicked() {
                    commands.push(Command::Review(Cmd::LoadAssignments));
                }
                match &a.said {
                    Some(Ok(m)) => {
                        ui.label(RichText::new(m).color(theme::GOOD));
                    }
                    Some(Err(e)) => {
                        ui.label(RichText::new(e).color(theme::BAD));
                    }
                    None => {}
                }
            });
        });
}
