//! The bar above every screen: the name, the way back, the manager's and trainer's views, the
//! signed-in person, the language switch, whether work is running, and the error line.

use egui::RichText;

use crate::gui::command::Command;
use crate::gui::state::{Lang, Role};
use crate::gui::theme;
use crate::store::Trainee;

/// What the bar shows.
pub struct TopBar<'a> {
    pub lang: Lang,
    pub trainee: Option<&'a Trainee>,
    /// A manager or trainer signed in: their name and role.
    pub staff: Option<(&'a str, Role)>,
    pub in_review: bool,
    pub in_author: bool,
    /// On the playbook list (the manager's and trainer's views are offered there).
    pub on_playbooks: bool,
    /// On a screen with a way back to the playbook list.
    pub away: bool,
    /// In a role-play (going back pauses it).
    pub in_practice: bool,
    pub busy: bool,
    /// This log is joined to a team server (as far as the team window last read).
    pub joined: bool,
    pub db_status: Option<&'a Result<String, String>>,
    pub error: Option<&'a str>,
    /// For a manager: how many attempts wait in the review queue.
    pub queue: Option<usize>,
}

impl TopBar<'_> {
    pub fn show(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let lang = self.lang;
        egui::Panel::top("top").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading(RichText::new("salesdojo").strong());
                ui.label(RichText::new(lang.t("销售对练", "sales practice")).weak());
                if ui
                    .small_button(lang.t("关于", "About"))
                    .on_hover_text(lang.t("版本、构建与许可证", "Version, build and licences"))
                    .clicked()
                {
                    commands.push(Command::About);
                }
                ui.separator();
                if self.trainee.is_some()
                    && self.away
                    && ui.button(lang.t("← 剧本", "← Playbooks")).clicked()
                {
                    commands.push(if self.in_practice {
                        Command::Pause
                    } else {
                        Command::Home
                    });
                }
                let staff = self.staff.is_some();
                if (self.trainee.is_some() && self.on_playbooks) || staff {
                    for (label, hover, command) in [
                        (
                            lang.t("◆ 复盘与成绩", "◆ Review scores"),
                            lang.t(
                                "经理视图：团队成绩、趋势、逐条复核",
                                "Manager's view: scores, trends, attempt reviews",
                            ),
                            Command::OpenReview,
                        ),
                        (
                            lang.t("◇ 编写剧本", "◇ Author playbooks"),
                            lang.t(
                                "培训师视图：编辑剧本和脚本，试评分，写测试",
                                "Trainer's view: edit playbooks and scripts, try replies, write tests",
                            ),
                            Command::OpenAuthor,
                        ),
                    ] {
                        // A manager or trainer switches between the two views.
                        let here = match command {
                            Command::OpenReview => self.in_review,
                            _ => self.in_author,
                        };
                        if staff && here {
                            continue;
                        }
                        if ui.button(label).on_hover_text(hover).clicked() {
                            commands.push(command);
                        }
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let other = match lang {
                        Lang::Zh => Lang::En,
                        Lang::En => Lang::Zh,
                    };
                    if ui
                        .button(other.t("中文", "English"))
                        .on_hover_text(lang.t("切换界面语言", "Switch the interface language"))
                        .clicked()
                    {
                        commands.push(Command::SetLang(other));
                    }
                    let team = if self.joined {
                        lang.t("● 团队服务器", "● Team server")
                    } else {
                        lang.t("团队服务器", "Team server")
                    };
                    if ui
                        .button(team)
                        .on_hover_text(lang.t(
                            "加入团队服务器，查看同步状态",
                            "Join your team's server; see how syncing stands",
                        ))
                        .clicked()
                    {
                        commands.push(Command::Team(crate::gui::views::team::Cmd::Open));
                    }
                    if let Some(t) = self.trainee {
                        if ui.button(lang.t("换人", "Switch trainee")).clicked() {
                            commands.push(Command::SignOut);
                        }
                        let who = match &t.team {
                            Some(team) => format!("{} · {team}", t.name),
                            None => t.name.clone(),
                        };
                        ui.label(RichText::new(who).strong());
                    }
                    if let Some((name, role)) = self.staff {
                        if ui.button(lang.t("退出", "Sign out")).clicked() {
                            commands.push(Command::SignOut);
                        }
                        if let Some(n) = self.queue {
                            let label = format!("{} {n}", lang.t("待复核", "To review"));
                            let text = if n > 0 {
                                RichText::new(label).strong().color(theme::ACCENT)
                            } else {
                                RichText::new(label)
                            };
                            if ui
                                .button(text)
                                .on_hover_text(lang.t(
                                    "复核队列：触发红线、脚本出错、核验未过、须签核、评分不确定或学员请求复核的练习",
                                    "The review queue: attempts with a conduct gate, a script failure, a verifier's flag, a sign-off to give, an unsure score or a trainee's question",
                                ))
                                .clicked()
                            {
                                commands.push(Command::OpenQueue);
                            }
                        }
                        ui.label(RichText::new(format!("{} · {name}", role.title(lang))).strong());
                    }
                    if self.busy {
                        ui.add(egui::Spinner::new())
                            .on_hover_text(lang.t("正在评分或保存…", "Scoring or saving…"));
                    }
                    if let Some(Err(e)) = self.db_status {
                        ui.colored_label(
                            theme::BAD,
                            lang.t("未记录进度", "progress not saved"),
                        )
                        .on_hover_text(e.as_str());
                    }
                });
            });
            if let Some(e) = self.error {
                ui.horizontal(|ui| {
                    ui.colored_label(theme::BAD, format!("⚠ {e}"));
                    if ui.button(lang.t("知道了", "Dismiss")).clicked() {
                        commands.push(Command::DismissError);
                    }
                });
            }
        });
    }
}
