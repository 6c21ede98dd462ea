//! The review view's queue (the attempts that need a manager, gates first, then the longest
//! wait, each with its reasons and a way to open it) and its readiness tab (a trainee ×
//! criterion grid by tier, each team's tiers now and its readiness by week) and certificates
//! tab (each trainee's, with dates, who signed, what is missing, and sign-off). The worker
//! reads them; this only draws them.

use egui::RichText;
use egui_extras::{Column, TableBuilder};

use super::{Cmd, Review};
use crate::gui::command::Command;
use crate::gui::state::Lang;
use crate::gui::theme;
use crate::playbook::Library;
use crate::readiness::Tier;

/// The colour of a tier.
fn tier_color(t: Tier) -> egui::Color32 {
    match t {
        Tier::Ready => theme::GOOD,
        Tier::Developing => theme::ACCENT,
        Tier::NeedsWork => theme::BAD,
        Tier::TooLittle => theme::MUTED,
    }
}

pub fn queue_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    r: &mut Review,
    commands: &mut Vec<Command>,
) {
    let loc = lang.code();
    let Some(items) = &r.queue else {
        ui.add(egui::Spinner::new());
        return;
    };
    let teams: std::collections::BTreeSet<String> =
        items.iter().filter_map(|i| i.fact.team.clone()).collect();
    let teams: Vec<(String, String)> = teams.into_iter().map(|t| (t.clone(), t)).collect();
    let reasons: Vec<(String, String)> = [
        ("gate", lang.t("行为红线", "conduct gate")),
        ("script", lang.t("脚本出错", "script failed")),
        ("flagged", lang.t("核验未过", "flagged")),
        ("sign_off", lang.t("须签核", "sign-off")),
        ("unsure", lang.t("评分不确定", "unsure score")),
        ("asked", lang.t("学员提问", "trainee asked")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    ui.horizontal_wrapped(|ui| {
        super::ui::pick(
            ui,
            lang.t("队列中的团队", "Team in the queue"),
            &mut r.queue_team,
            &teams,
            lang.t("全部", "all"),
        );
        super::ui::pick(
            ui,
            lang.t("原因", "Reason"),
            &mut r.queue_reason,
            &reasons,
            lang.t("全部", "all"),
        );
        if ui.button(lang.t("刷新", "Refresh")).clicked() {
            commands.push(Command::Review(Cmd::LoadQueue));
        }
    });
    let shown: Vec<&crate::queue::Item> = items
        .iter()
        .filter(|i| {
            r.queue_team.is_empty() || i.fact.team.as_deref() == Some(r.queue_team.as_str())
        })
        .filter(|i| {
            r.queue_reason.is_empty() || i.reasons.iter().any(|x| x.key() == r.queue_reason)
        })
        .collect();
    ui.label(
        RichText::new(format!(
            "{} {} · {}",
            shown.len(),
            lang.t("次练习等待复核", "attempts wait for a review"),
            lang.t(
                "红线优先，其余按等待时间；复核（评语、改分或签核）后移出队列",
                "gates first, then the longest wait; a review (comment, override or sign-off) takes one out"
            )
        ))
        .color(theme::MUTED),
    );
    if shown.is_empty() {
        ui.label(lang.t("没有需要处理的练习。", "Nothing needs a manager."));
        return;
    }
    TableBuilder::new(ui)
        .id_salt("queue")
        .striped(true)
        .column(Column::auto().at_least(90.0))
        .column(Column::auto().at_least(90.0))
        .column(Column::auto().at_least(140.0))
        .column(Column::auto().at_least(40.0))
        .column(Column::remainder().at_least(200.0))
        .header(20.0, |mut h| {
            for t in [
                lang.t("等待自", "Waiting since"),
                lang.t("学员", "Trainee"),
                lang.t("情景", "Scenario"),
                lang.t("总分", "Total"),
                lang.t("原因", "Why"),
            ] {
                h.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|mut body| {
            for it in shown {
                let f = &it.fact;
                let lines = it.reasons.len().max(1) as f32;
                body.row(18.0 * lines + 6.0, |mut row| {
                    row.col(|ui| {
                        if ui
                            .link(crate::store::local_stamp(&it.waiting_since, "%m-%d %H:%M"))
                            .on_hover_text(lang.t("打开这次练习", "Open this attempt"))
                            .clicked()
                        {
                            commands.push(Command::Review(Cmd::OpenAttempt(f.attempt.clone())));
                        }
                    });
                    row.col(|ui| {
                        ui.label(match &f.team {
                            Some(t) => format!("{} · {t}", f.trainee),
                            None => f.trainee.clone(),
                        });
                    });
                    row.col(|ui| {
                        let title = lib
                            .playbook(&f.playbook)
                            .and_then(|p| p.scenario(&f.scenario))
                            .map_or(f.scenario.as_str(), |s| s.title.get(loc));
                        ui.label(title);
                    });
                    row.col(|ui| {
                        ui.label(f.total.map_or("—".to_owned(), |t| format!("{t:.0}")));
                    });
                    row.col(|ui| {
                        ui.vertical(|ui| {
                            for x in &it.reasons {
                                let color = if x.key() == "gate" {
                                    theme::BAD
                                } else {
                                    theme::MUTED
                                };
                                ui.label(RichText::new(x.describe().take(lang)).color(color));
                            }
                        });
                    });
                });
            }
        });
}

pub fn readiness_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    r: &mut Review,
    commands: &mut Vec<Command>,
) {
    let loc = lang.code();
    let Some(d) = r.readiness.as_deref() else {
        ui.add(egui::Spinner::new());
        return;
    };
    let as_of = d.as_of;
    let playbooks: Vec<(String, String)> = lib
        .playbooks
        .iter()
        .filter(|p| !p.live)
        .map(|p| (p.id.clone(), p.title.get(loc).to_owned()))
        .collect();
    ui.horizontal_wrapped(|ui| {
        if super::ui::pick(
            ui,
            lang.t("准备度：剧本", "Readiness of"),
            &mut r.readiness_playbook,
            &playbooks,
            lang.t("（选择）", "(choose)"),
        ) || ui.button(lang.t("刷新", "Refresh")).clicked()
        {
            commands.push(Command::Review(Cmd::LoadReadiness));
        }
        ui.label(
            RichText::new(format!(
                "{} {} · {}",
                lang.t("截至", "as of"),
                as_of,
                lang.t(
                    "近 90 天，30 天前的练习只算一半；≥85 已就绪，70–85 提升中，<70 待加强",
                    "last 90 days, an attempt 30 days old counting half; ≥ 85 ready, 70–85 developing, < 70 needs work"
                )
            ))
            .small()
            .color(theme::MUTED),
        );
    });
    let Some(d) = r.readiness.as_deref() else {
        return;
    };
    let Some(pb) = lib.playbook(&r.readiness_playbook) else {
        ui.label(lang.t(
            "选择一个剧本查看准备度。",
            "Choose a playbook to see readiness.",
        ));
        return;
    };
    // The grid is made once per reading, playbook and team filter, not per frame.
    let key = (pb.id.clone(), r.team.trim().to_owned());
    if r.readiness_grid.as_ref().is_none_or(|g| g.key != key) {
        let criteria: Vec<String> = pb.rubric.criteria.iter().map(|c| c.id.clone()).collect();
        let team = Some(key.1.as_str()).filter(|t| !t.is_empty());
        let cells: Vec<crate::readiness::Cell> = d
            .cells
            .iter()
            .filter(|c| team.is_none_or(|t| c.team.as_deref() == Some(t)))
            .cloned()
            .collect();
        let grid = crate::readiness::grid(&cells, &pb.id, &criteria);
        let teams = crate::readiness::teams_now(&grid);
        r.readiness_grid = Some(Box::new(super::ReadinessGrid { key, grid, teams }));
    }
    let (Some(d), Some(view)) = (r.readiness.as_deref(), r.readiness_grid.as_deref()) else {
        return;
    };
    let (grid, teams) = (&view.grid, &view.teams);
    egui::ScrollArea::both()
        .id_salt("readiness")
        .show(ui, |ui| {
            egui::Grid::new("readiness-grid")
                .striped(true)
                .show(ui, |ui| {
                    ui.strong(lang.t("学员", "Trainee"));
                    for c in &pb.rubric.criteria {
                        ui.strong(c.title.get(loc));
                    }
                    ui.strong(lang.t("综合", "Overall"));
                    ui.end_row();
                    for row in &grid.rows {
                        ui.label(&row.trainee);
                        for c in &row.cells {
                            match c {
                                Some(c) => {
                                    let text = if c.tier == Tier::TooLittle {
                                        format!("{:.0}?", c.proficiency)
                                    } else {
                                        format!("{:.0}", c.proficiency)
                                    };
                                    ui.label(RichText::new(text).color(tier_color(c.tier)))
                                        .on_hover_text(format!(
                                            "{} · {} {} · {} {}",
                                            c.tier.describe().take(lang),
                                            c.attempts,
                                            lang.t("次", "attempts"),
                                            lang.t("最近", "last"),
                                            c.last
                                        ));
                                }
                                None => {
                                    ui.label(RichText::new("—").color(theme::MUTED));
                                }
                            }
                        }
                        ui.label(
                            RichText::new(format!("{:.0}", row.overall))
                                .strong()
                                .color(tier_color(row.tier)),
                        )
                        .on_hover_text(row.tier.describe().take(lang));
                        ui.end_row();
                    }
                });
            ui.separator();
            ui.strong(lang.t("各团队", "Teams"));
            egui::Grid::new("readiness-teams")
                .striped(true)
                .show(ui, |ui| {
                    ui.label(lang.t("团队", "Team"));
                    ui.label(lang.t("已就绪", "Ready"));
                    ui.label(lang.t("提升中", "Developing"));
                    ui.label(lang.t("待加强", "Needs work"));
                    ui.label(lang.t("练习太少", "Too little"));
                    ui.label(lang.t(
                        "每周准备度（总分，近 12 周）",
                        "Readiness by week (totals, 12 weeks)",
                    ));
                    ui.end_row();
                    for t in teams {
                        ui.label(t.team.as_deref().unwrap_or("—"));
                        ui.label(t.ready.to_string());
                        ui.label(t.developing.to_string());
                        ui.label(t.needs_work.to_string());
                        ui.label(t.too_little.to_string());
                        let weeks: Vec<String> = d
                            .over_time
                            .iter()
                            .filter(|p| p.team == t.team)
                            .map(|p| format!("{:.0}", p.readiness))
                            .collect();
                        ui.label(RichText::new(weeks.join(" · ")).small());
                        ui.end_row();
                    }
                });
        });
}

pub fn certificates_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    r: &mut Review,
    commands: &mut Vec<Command>,
) {
    use crate::certify::Status;
    let loc = lang.code();
    ui.horizontal_wrapped(|ui| {
        if ui.button(lang.t("刷新", "Refresh")).clicked() {
            commands.push(Command::Review(Cmd::LoadCertificates));
        }
        ui.label(
            RichText::new(lang.t(
                "按剧本的认证规则判定；过期的认证会自动布置重新认证",
                "Judged by each playbook's certification rules; an expired certificate gets recertification assigned",
            ))
            .small()
            .color(theme::MUTED),
        );
    });
    match &r.certificates_said {
        Some(Ok(m)) => {
            ui.label(RichText::new(m).color(theme::GOOD));
        }
        Some(Err(e)) => {
            ui.label(RichText::new(format!("⚠ {e}")).color(theme::BAD));
        }
        None => {}
    }
    let Some(list) = &r.certificates else {
        ui.add(egui::Spinner::new());
        return;
    };
    if list.is_empty() {
        ui.label(lang.t(
            "还没有人练习过这些剧本。",
            "Nobody has practised these playbooks yet.",
        ));
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt("certificates")
        .show(ui, |ui| {
            egui::Grid::new("certificates-grid")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    ui.strong(lang.t("学员", "Trainee"));
                    ui.strong(lang.t("剧本", "Playbook"));
                    ui.strong(lang.t("认证", "Certificate"));
                    ui.strong(lang.t("还需", "Still needs"));
                    ui.end_row();
                    for c in list {
                        let pb = lib.playbook(&c.playbook);
                        ui.label(&c.trainee.name);
                        ui.label(pb.map_or(c.playbook.as_str(), |p| p.title.get(loc)));
                        let color = match c.status {
                            Status::Certified { .. } => theme::GOOD,
                            Status::Revoked { .. } | Status::Expired { .. } => theme::BAD,
                            Status::AwaitingSignOff { .. } => theme::ACCENT,
                            Status::Missing => theme::MUTED,
                        };
                        ui.horizontal(|ui| {
                            ui.label(RichText::new(c.status.describe().take(lang)).color(color));
                            if matches!(c.status, Status::AwaitingSignOff { .. })
                                && ui.button(lang.t("签核", "Sign off")).clicked()
                            {
                                commands.push(Command::Review(Cmd::SignOffCertificate {
                                    trainee: c.trainee.id.clone(),
                                    playbook: c.playbook.clone(),
                                }));
                            }
                        });
                        let needs: Vec<String> = c
                            .missing
                            .iter()
                            .map(|n| n.describe(pb.map(|p| p.as_ref()), loc).take(lang))
                            .collect();
                        ui.label(RichText::new(needs.join(lang.t("；", "; "))).small());
                        ui.end_row();
                    }
                });
        });
}
