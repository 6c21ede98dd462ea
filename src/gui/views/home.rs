//! Signing in, the playbook list with its stages, and a playbook's scenarios with the
//! trainee's record on each.

use egui::{RichText, Ui};

use std::sync::Arc;

use crate::gui::command::Command;
use crate::gui::ctx::Ctx;
use crate::gui::state::{Lang, Role};
use crate::gui::theme;
use crate::gui::worker::{AssignedItem, Job};
use crate::playbook::Library;
use crate::playbook::model::Playbook;
use crate::session::Resumable;
use crate::store::Trainee;
use crate::store::Unfinished;
use crate::store::report::ScenarioRecord;

pub fn sign_in_ui(
    ui: &mut Ui,
    lang: Lang,
    name: &mut String,
    team: &mut String,
    known: &[Trainee],
    db: Option<&Result<String, String>>,
    out: &mut Vec<Command>,
) {
    egui::CentralPanel::default().show(ui, |ui| {
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            ui.heading(lang.t("欢迎来到销售道场", "Welcome to salesdojo"));
            ui.label(lang.t(
                "按剧本练习销售对话：客户由程序扮演，每句回答都会评分、讲解并给出提示。",
                "Practise sales conversations against playbooks: the app plays the customer; every reply is scored, explained and given a hint.",
            ));
            ui.add_space(20.0);
        });
        ui.vertical_centered(|ui| {
            ui.set_max_width(360.0);
            egui::Grid::new("sign-in").num_columns(2).show(ui, |ui| {
                let l = ui.label(lang.t("姓名", "Name"));
                let n = ui
                    .add(egui::TextEdit::singleline(name).desired_width(220.0))
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label(lang.t("团队（可选）", "Team (optional)"));
                let t = ui
                    .add(egui::TextEdit::singleline(team).desired_width(220.0))
                    .labelled_by(l.id);
                ui.end_row();
                let enter = (n.lost_focus() || t.lost_focus())
                    && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if enter {
                    out.push(Command::SignIn {
                        name: name.clone(),
                        team: team.clone(),
                    });
                }
            });
            ui.add_space(8.0);
            if ui
                .add_enabled(
                    !name.trim().is_empty(),
                    egui::Button::new(lang.t("开始练习", "Start practising")),
                )
                .clicked()
            {
                out.push(Command::SignIn {
                    name: name.clone(),
                    team: team.clone(),
                });
            }
            // Managers and trainers have their own way in: no trainee record, no leaderboard.
            ui.horizontal(|ui| {
                ui.label(RichText::new(lang.t("不是学员？", "Not a trainee?")).color(theme::MUTED));
                for (label, hover, role) in [
                    (
                        lang.t("◆ 经理：复盘与成绩", "◆ Manager: review scores"),
                        lang.t(
                            "以经理身份查看团队成绩并复核（不建学员档案）",
                            "Review the team's scores as a manager (no trainee record is made)",
                        ),
                        Role::Manager,
                    ),
                    (
                        lang.t("◇ 培训师：编写剧本", "◇ Trainer: author playbooks"),
                        lang.t(
                            "以培训师身份编辑剧本（不建学员档案）",
                            "Edit playbooks as a trainer (no trainee record is made)",
                        ),
                        Role::Trainer,
                    ),
                ] {
                    if ui
                        .add_enabled(!name.trim().is_empty(), egui::Button::new(label))
                        .on_hover_text(hover)
                        .on_disabled_hover_text(lang.t("请先输入姓名", "Enter your name first"))
                        .clicked()
                    {
                        out.push(Command::SignInAs {
                            name: name.clone(),
                            role,
                        });
                    }
                }
            });
            // Greyed out, the two buttons looked dead: say what opens them.
            if name.trim().is_empty() {
                ui.label(
                    RichText::new(lang.t(
                        "经理和培训师也先在上面填写姓名，再选择身份。",
                        "Managers and trainers type their name above too, then choose.",
                    ))
                    .small()
                    .color(theme::MUTED),
                );
            }
            if !known.is_empty() {
                ui.add_space(16.0);
                ui.label(RichText::new(lang.t("或选择已有学员", "or choose a trainee")).color(theme::MUTED));
                egui::ScrollArea::vertical().max_height(220.0).show(ui, |ui| {
                    for t in known {
                        let who = match &t.team {
                            Some(team) => format!("{} · {team}", t.name),
                            None => t.name.clone(),
                        };
                        if ui.button(who).clicked() {
                            out.push(Command::SignIn {
                                name: t.name.clone(),
                                team: t.team.clone().unwrap_or_default(),
                            });
                        }
                    }
                });
            }
            ui.add_space(16.0);
            match db {
                Some(Ok(path)) => {
                    ui.label(
                        RichText::new(format!("{} {path}", lang.t("进度保存在", "Progress is saved in")))
                            .small()
                            .color(theme::MUTED),
                    );
                }
                Some(Err(e)) => {
                    ui.colored_label(
                        theme::BAD,
                        format!(
                            "{} {e}",
                            lang.t(
                                "无法打开进度数据库，本次练习不会被记录：",
                                "The progress database cannot be opened; this session will not be recorded:"
                            )
                        ),
                    );
                }
                None => {}
            }
        });
    });
}

/// What the home screen lists above the playbooks.
pub struct Waiting<'a> {
    /// Role-plays left unfinished (playbook, scenario, started at).
    pub unfinished: &'a [(String, String, String)],
    pub assigned: &'a Result<Vec<AssignedItem>, String>,
    /// The reviews of the trainee's attempts.
    pub reviews: &'a [crate::store::report::TraineeReview],
}

pub fn playbooks_ui(
    ui: &mut Ui,
    lang: Lang,
    lib: &Library,
    waiting: Waiting<'_>,
    handed_over: Option<&Result<String, String>>,
    out: &mut Vec<Command>,
) {
    let Waiting {
        unfinished,
        assigned,
        reviews,
    } = waiting;
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.heading(lang.t("选择剧本", "Choose a playbook"));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button(lang.t("移交我的记录", "Hand my history over"))
                    .on_hover_text(lang.t(
                        "把你的全部练习记录存成一个文件，可以交给经理或带到另一台电脑",
                        "Save your whole practice history as one file, to give to your manager or take to another computer",
                    ))
                    .clicked()
                {
                    out.push(Command::HandOver);
                }
            });
        });
        match handed_over {
            Some(Ok(m)) => {
                ui.label(RichText::new(m).color(theme::GOOD));
            }
            Some(Err(e)) => {
                ui.label(RichText::new(e).color(theme::BAD));
            }
            None => {}
        }
        ui.add_space(6.0);
        new_reviews_ui(ui, lang, lib, reviews, out);
        assigned_ui(ui, lang, lib, assigned, out);
        // Role-plays left unfinished: found at once, not only by starting the scenario again.
        for (playbook, scenario, started) in unfinished.iter().take(3) {
            let Some(pb) = lib.playbook(playbook) else {
                continue;
            };
            // A live visit is listed without a scenario.
            let visit = scenario.is_empty();
            let what = if visit {
                format!(
                    "{} {}",
                    lang.t("未完成的现场拜访：", "Unfinished live visit:"),
                    pb.title.get(lang.code())
                )
            } else {
                let title = pb
                    .scenario(scenario)
                    .map_or(scenario.as_str(), |s| s.title.get(lang.code()));
                format!(
                    "{} {} · {title}",
                    lang.t("未完成的对练：", "Unfinished role-play:"),
                    pb.title.get(lang.code())
                )
            };
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(format!(
                        "{what} ({} {})",
                        lang.t("开始于", "started"),
                        crate::store::local_time(started)
                    ))
                    .color(theme::ACCENT),
                );
                if ui.button(lang.t("继续", "Continue")).clicked() {
                    if visit {
                        out.push(Command::StartLive(playbook.clone()));
                    } else {
                        out.push(Command::OpenPlaybook(playbook.clone()));
                        out.push(Command::OpenScenario(scenario.clone()));
                    }
                }
            });
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for pb in &lib.playbooks {
                theme::card(ui, ui.visuals().faint_bg_color, |ui| {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(pb.title.get(lang.code())).heading());
                        if pb.live {
                            ui.label(
                                RichText::new(lang.t("现场清单", "live checklist"))
                                    .color(theme::ACCENT),
                            );
                        }
                    });
                    if let Some(d) = &pb.description {
                        ui.label(d.get(lang.code()));
                    }
                    // The stage overview: the sales process at a glance.
                    ui.horizontal_wrapped(|ui| {
                        for (i, st) in pb.stages.iter().enumerate() {
                            if i > 0 {
                                ui.label(RichText::new("→").color(theme::MUTED));
                            }
                            ui.label(theme::numbered(i, st.title.get(lang.code())))
                                .on_hover_text(st.goal.get(lang.code()));
                        }
                    });
                    ui.horizontal(|ui| {
                        if !pb.scenarios.is_empty()
                            && ui
                                .button(format!(
                                    "{} ({})",
                                    lang.t("对练场景", "Role-play scenarios"),
                                    pb.scenarios.len()
                                ))
                                .on_hover_text(pb.title.get(lang.code()))
                                .clicked()
                        {
                            out.push(Command::OpenPlaybook(pb.id.clone()));
                        }
                        if pb.live
                            && ui
                                .button(lang.t("开始现场带看清单", "Start a live checklist"))
                                .on_hover_text(pb.title.get(lang.code()))
                                .clicked()
                        {
                            out.push(Command::StartLive(pb.id.clone()));
                        }
                    });
                });
                ui.add_space(6.0);
            }
        });
    });
}

#[allow(clippy::too_many_arguments)]
pub fn scenarios_ui(
    ui: &mut Ui,
    lang: Lang,
    lib: &Library,
    pb: &Playbook,
    records: &[ScenarioRecord],
    certificate: Option<&crate::certify::Certificate>,
    offer: Option<&Resumable>,
    unfinished: &[(String, String)],
    out: &mut Vec<Command>,
) {
    egui::CentralPanel::default().show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.heading(pb.title.get(lang.code()));
            if certificate.is_some_and(|c| c.status.holds()) {
                ui.label(
                    RichText::new(lang.t("★ 已认证", "★ certified"))
                        .color(theme::GOOD)
                        .strong(),
                );
            }
        });
        certificate_ui(ui, lang, pb, certificate);
        ui.label(
            RichText::new(format!(
                "{} {}",
                lang.t("及格线", "Pass mark"),
                pb.rubric.pass_mark
            ))
            .color(theme::MUTED),
        );
        ui.add_space(6.0);
        egui::ScrollArea::vertical().show(ui, |ui| {
            for s in &pb.scenarios {
                let rec = records.iter().find(|r| r.scenario == s.id);
                theme::card(ui, ui.visuals().faint_bg_color, |ui| {
                    ui.horizontal(|ui| {
                        ui.label(RichText::new(s.title.get(lang.code())).strong());
                        if let Some(r) = rec {
                            let badge = if r.passed {
                                RichText::new(lang.t("✓ 已通过", "✓ passed")).color(theme::GOOD)
                            } else {
                                RichText::new(lang.t("未通过", "not passed yet"))
                                    .color(theme::MUTED)
                            };
                            ui.label(badge);
                            let times = match (lang, r.attempts) {
                                (Lang::Zh, _) => "次",
                                (Lang::En, 1) => "attempt",
                                (Lang::En, _) => "attempts",
                            };
                            ui.label(format!(
                                "{} {:.1} · {} {times}",
                                lang.t("最好成绩", "best"),
                                r.best,
                                r.attempts,
                            ));
                        }
                    });
                    // A drill that asks the trainee to name the type keeps it unsaid here.
                    let shown = s.reveal_persona_after.is_none();
                    if let Some(p) = lib.personas.get(&s.persona).filter(|_| shown) {
                        ui.label(
                            RichText::new(format!(
                                "{} {}",
                                lang.t("客户：", "Customer:"),
                                p.name.get(lang.code())
                            ))
                            .color(theme::MUTED),
                        );
                    }
                    ui.label(s.context.get(lang.code()));
                    let open = unfinished.iter().find(|(id, _)| *id == s.id);
                    if let Some((_, started)) = open {
                        ui.label(
                            RichText::new(format!(
                                "{} {}",
                                lang.t(
                                    "有一次未完成的对练，开始于",
                                    "An unfinished attempt, started"
                                ),
                                crate::store::local_time(started)
                            ))
                            .color(theme::ACCENT),
                        );
                    }
                    let label = if open.is_some() {
                        lang.t("继续或重新开始", "Continue or start afresh")
                    } else {
                        lang.t("开始对练", "Start role-play")
                    };
                    if ui
                        .button(label)
                        .on_hover_text(s.title.get(lang.code()))
                        .clicked()
                    {
                        out.push(Command::OpenScenario(s.id.clone()));
                    }
                });
                ui.add_space(6.0);
            }
        });
    });
    if let Some(found) = offer {
        let modal = egui::Modal::new(egui::Id::unique("resume")).show(ui.ctx(), |ui| {
            ui.heading(lang.t("继续上次的对练？", "Resume your unfinished attempt?"));
            for old in &found.open {
                ui.label(format!(
                    "{} {} · {} {}",
                    lang.t("开始于", "Started"),
                    crate::store::local_time(&old.started_at),
                    old.answers.len(),
                    lang.t("条回答已保存", "replies saved")
                ));
                if ui.button(lang.t("继续", "Resume")).clicked() {
                    out.push(Command::Resume(Some(Box::new(old.clone()))));
                }
            }
            if ui.button(lang.t("重新开始", "Start afresh")).clicked() {
                out.push(Command::Resume(None));
            }
        });
        if modal.should_close() && out.is_empty() {
            // Esc: the offer stays in the log; nothing is started.
            out.push(Command::OpenPlaybook(pb.id.clone()));
        }
    }
}

/// A playbook's scenario list: the trainee's records on it, and an unfinished attempt waiting
/// for "resume or start afresh".
pub struct Scenarios {
    pub playbook: Arc<Playbook>,
    pub records: Vec<ScenarioRecord>,
    /// The trainee's certificate of the playbook under its rules.
    pub certificate: Option<crate::certify::Certificate>,
    pub offer: Option<Resumable>,
    /// The scenario the offer is about.
    pub scenario: String,
    /// Scenarios with an unfinished attempt: (scenario, started at).
    pub unfinished: Vec<(String, String)>,
}

impl Scenarios {
    /// The list of `playbook`; the trainee's records are asked for.
    pub fn open(playbook: Arc<Playbook>, ctx: &mut Ctx<'_>) -> Self {
        if let Some(t) = ctx.trainee.cloned() {
            ctx.send(Job::Records {
                trainee: t,
                playbook: playbook.id.clone(),
            });
        }
        Scenarios {
            playbook,
            records: Vec::new(),
            certificate: None,
            offer: None,
            scenario: String::new(),
            unfinished: Vec::new(),
        }
    }

    /// A scenario chosen: asks whether an unfinished attempt waits.
    pub fn open_scenario(&self, scenario: String, ctx: &mut Ctx<'_>) {
        let Some(t) = ctx.trainee.cloned() else {
            return;
        };
        ctx.send(Job::Resumable {
            trainee: t,
            playbook: self.playbook.clone(),
            scenario,
        });
    }

    /// The offer answered: resume `choice` or start afresh (`None`); the other unfinished
    /// attempts of the scenario are let go.
    pub fn resume(&mut self, choice: Option<Box<Unfinished>>, ctx: &mut Ctx<'_>) {
        let Some(t) = ctx.trainee.cloned() else {
            return;
        };
        let found = self.offer.take().unwrap_or_default();
        let discard = found
            .open
            .into_iter()
            .filter(|o| choice.as_ref().is_none_or(|c| c.id != o.id))
            .collect();
        ctx.send(Job::Start {
            trainee: t,
            playbook: self.playbook.clone(),
            scenario: self.scenario.clone(),
            resume: choice,
            discard,
        });
    }

    pub fn on_records(
        &mut self,
        records: Vec<ScenarioRecord>,
        certificate: Option<crate::certify::Certificate>,
        unfinished: Vec<(String, String)>,
    ) {
        self.records = records;
        self.certificate = certificate;
        self.unfinished = unfinished;
    }

    /// What waits for the scenario just chosen: nothing starts it at once, an unfinished
    /// attempt is offered.
    pub fn on_resumable(&mut self, scenario: String, found: Resumable, ctx: &mut Ctx<'_>) {
        self.scenario = scenario;
        if found.outdated > 0 {
            *ctx.error = Some(
                ctx.lang
                    .t(
                        "上次未完成的对练之后，剧本已更新，将重新开始。",
                        "The playbook changed since your unfinished attempt; starting afresh.",
                    )
                    .to_owned(),
            );
        }
        if found.open.is_empty() {
            self.resume(None, ctx);
        } else {
            self.offer = Some(found);
        }
    }
}

/// Where the trainee stands on the playbook's certificate, and what is still missing.
fn certificate_ui(
    ui: &mut Ui,
    lang: Lang,
    pb: &Playbook,
    certificate: Option<&crate::certify::Certificate>,
) {
    let Some(c) = certificate else { return };
    let color = match c.status {
        crate::certify::Status::Certified { .. } => theme::GOOD,
        crate::certify::Status::Revoked { .. } | crate::certify::Status::Expired { .. } => {
            theme::BAD
        }
        _ => theme::MUTED,
    };
    ui.label(
        RichText::new(format!(
            "{} {}",
            lang.t("认证：", "Certificate:"),
            c.status.describe().take(lang)
        ))
        .color(color),
    );
    for n in &c.missing {
        ui.label(
            RichText::new(format!(
                "· {} {}",
                lang.t("还需", "still needs"),
                n.describe(Some(pb), lang.code()).take(lang)
            ))
            .small()
            .color(theme::MUTED),
        );
    }
}

/// The reviews of the trainee's attempts they have not acknowledged yet: who, on what, the
/// comment (and the reply it is about), an override or a sign-off; "Got it" acknowledges them.
fn new_reviews_ui(
    ui: &mut Ui,
    lang: Lang,
    lib: &Library,
    reviews: &[crate::store::report::TraineeReview],
    out: &mut Vec<Command>,
) {
    let new: Vec<&crate::store::report::TraineeReview> = reviews
        .iter()
        .filter(|r| r.review.acknowledged_at.is_none())
        .collect();
    if new.is_empty() {
        return;
    }
    let loc = lang.code();
    theme::card(ui, theme::TRAINEE_BG, |ui| {
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!(
                    "{} ({})",
                    lang.t("经理的新复核", "New reviews from your manager"),
                    new.len()
                ))
                .strong(),
            );
            if ui.button(lang.t("知道了", "Got it")).clicked() {
                out.push(Command::Acknowledge(
                    new.iter().map(|r| r.review.id.clone()).collect(),
                ));
            }
        });
        for r in new.iter().take(8) {
            let w = &r.review;
            let pb = lib.playbook(&r.playbook);
            let what = pb
                .and_then(|p| p.scenario(&r.scenario).map(|s| s.title.get(loc).to_owned()))
                .unwrap_or_else(|| r.scenario.clone());
            ui.label(
                RichText::new(format!(
                    "{what} · {} · {}",
                    w.reviewer,
                    crate::store::local_time(&w.at)
                ))
                .small()
                .color(theme::MUTED),
            );
            if let Some(c) = &w.comment {
                let on = w.reply.map_or(String::new(), |n| {
                    format!("{} {n}: ", lang.t("针对第", "On reply"))
                });
                ui.label(format!("{on}{c}"));
            }
            if let (Some(c), Some(p)) = (&w.criterion, w.override_points) {
                let title = pb
                    .and_then(|pb| pb.criterion(c))
                    .map_or(c.as_str(), |x| x.title.get(loc));
                ui.label(format!("{title} → {p:.0}"));
            }
            if w.sign_off {
                ui.label(RichText::new(lang.t("已签核", "Signed off")).color(theme::GOOD));
            }
        }
    });
    ui.add_space(6.0);
}

/// What is assigned to the trainee, first on the home screen: what, due when, where they
/// stand, one click to start; overdue in red; after an attempt below the mark, what to
/// practise first. Nothing is shown when nothing is assigned.
fn assigned_ui(
    ui: &mut Ui,
    lang: Lang,
    lib: &Library,
    assigned: &Result<Vec<AssignedItem>, String>,
    out: &mut Vec<Command>,
) {
    let items = match assigned {
        Ok(items) if items.is_empty() => return,
        Ok(items) => items,
        Err(e) => {
            ui.label(
                RichText::new(format!(
                    "{} {e}",
                    lang.t("无法读取布置的练习：", "What is assigned cannot be read:")
                ))
                .color(theme::BAD),
            );
            return;
        }
    };
    theme::card(ui, ui.visuals().faint_bg_color, |ui| {
        ui.label(RichText::new(lang.t("布置给你的练习", "Assigned to you")).strong());
        egui::Grid::new("assigned")
            .num_columns(4)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                // One line each: a status wrapped into a narrow column read as a ladder.
                ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                for item in items.iter().take(8) {
                    let a = &item.assignment;
                    let st = &item.standing;
                    let pb = lib.playbook(&a.playbook);
                    let what = a.title(lib, lang.code());
                    ui.label(what);
                    ui.label(format!("{} {}", lang.t("截止", "due"), a.due));
                    let colour = match st.status {
                        crate::assign::Status::Overdue { .. } => theme::BAD,
                        crate::assign::Status::Passed { .. } => theme::GOOD,
                        crate::assign::Status::Failed { .. } => theme::ACCENT,
                        _ => ui.visuals().text_color(),
                    };
                    ui.vertical(|ui| {
                        ui.label(RichText::new(st.status.describe().take(lang)).color(colour));
                        if let (Some(c), Some(p)) = (&item.practise_first, pb) {
                            let title = p
                                .rubric
                                .criteria
                                .iter()
                                .find(|k| k.id == *c)
                                .map_or(c.as_str(), |k| k.title.get(lang.code()));
                            ui.label(
                                RichText::new(
                                    crate::msg::assignment_practise_first(title).take(lang),
                                )
                                .small()
                                .color(theme::MUTED),
                            );
                        }
                    });
                    match (&st.next_scenario, crate::assign::to_do(&st.status)) {
                        (Some(scen), true) => {
                            let label = if st.attempts == 0 {
                                lang.t("开始", "Start")
                            } else {
                                lang.t("继续练习", "Practise")
                            };
                            if ui.button(label).on_hover_text(&a.playbook).clicked() {
                                out.push(Command::OpenPlaybook(a.playbook.clone()));
                                out.push(Command::OpenScenario(scen.clone()));
                            }
                        }
                        _ => {
                            ui.label("");
                        }
                    }
                    ui.end_row();
                }
            });
        if items.len() > 8 {
            ui.label(
                RichText::new(crate::msg::rows_waiting(items.len() - 8).take(lang))
                    .small()
                    .color(theme::MUTED),
            );
        }
    });
    ui.add_space(6.0);
}
