//! The manager's review view: filters, charts (trend and pass rate over time, average per
//! criterion and per stage, a trainee × criterion heatmap), pass rates, the leaderboard, a
//! sortable table of attempts, and the drill-down into one attempt with comments and
//! overrides. Every query runs on the worker; this only draws what came back.

use egui::{Color32, RichText};
use egui_extras::{Column, TableBuilder};

use super::{Cmd, Review, Tab, assignments_ui, certificates_ui, queue_ui, readiness_ui};
use crate::gui::command::{BrowseFor, Command, SortKey};
use crate::gui::state::Lang;
use crate::gui::theme;
use crate::gui::worker::{REVIEW_ROWS, ReviewData};
use crate::playbook::Library;
use crate::store::report::AttemptDetail;

/// The title of criterion `id` in playbook `pb` (two playbooks may give one id different
/// titles), else in any playbook, else the id.
fn criterion_title(lib: &Library, pb: &str, id: &str, loc: &str) -> String {
    let own = lib.playbook(pb).into_iter();
    own.chain(lib.playbooks.iter())
        .flat_map(|p| &p.rubric.criteria)
        .find(|c| c.id == id)
        .map_or_else(|| id.to_owned(), |c| c.title.get(loc).to_owned())
}

/// The title of playbook `pb`, else its id.
fn playbook_title(lib: &Library, pb: &str, loc: &str) -> String {
    lib.playbook(pb)
        .map_or_else(|| pb.to_owned(), |p| p.title.get(loc).to_owned())
}

fn stage_title(lib: &Library, key: &str, loc: &str) -> String {
    let (pb, st) = key.split_once('/').unwrap_or(("", key));
    lib.playbook(pb)
        .and_then(|p| p.stages.iter().find(|s| s.id == st))
        .map_or_else(|| key.to_owned(), |s| s.title.get(loc).to_owned())
}

fn scenario_title(lib: &Library, pb: &str, sc: &str, loc: &str) -> String {
    let Some(p) = lib.playbook(pb) else {
        return format!("{pb}/{sc}");
    };
    match p.scenario(sc) {
        Some(s) => s.title.get(loc).to_owned(),
        // A live visit is named by its playbook, not by the step it started at.
        None if p.live => format!(
            "{} · {}",
            p.title.get(loc),
            if loc == "en" {
                "live visit"
            } else {
                "现场拜访"
            }
        ),
        None => format!("{pb}/{sc}"),
    }
}

/// A labelled picker over `options` (value, shown), with "all" as the empty value. Returns
/// whether the choice changed.
pub(super) fn pick(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut String,
    options: &[(String, String)],
    all: &str,
) -> bool {
    let shown = options
        .iter()
        .find(|(v, _)| v == value)
        .map_or_else(|| all.to_owned(), |(_, s)| s.clone());
    let before = value.clone();
    let l = ui.label(label);
    egui::ComboBox::from_id_salt(label)
        .selected_text(shown)
        .show_ui(ui, |ui| {
            ui.selectable_value(value, String::new(), all);
            for (v, s) in options {
                ui.selectable_value(value, v.clone(), s);
            }
        })
        .response
        .labelled_by(l.id);
    *value != before
}

pub fn review_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    r: &mut Review,
    commands: &mut Vec<Command>,
) {
    let loc = lang.code();
    if let Some(d) = &r.detail {
        let form = Form {
            comment: &mut r.comment,
            reply: &mut r.comment_reply,
            sign_off: &mut r.sign_off,
            over_criterion: &mut r.over_criterion,
            over_points: &mut r.over_points,
            problem: r.review_problem.as_deref(),
        };
        egui::Panel::right("attempt")
            .default_size(460.0)
            .size_range(320.0..=600.0)
            .show(ui, |ui| detail_ui(ui, lang, lib, d, form, commands));
    }
    egui::CentralPanel::default().show(ui, |ui| {
        ui.heading(lang.t("复盘与成绩", "Review scores"));
        filters_ui(ui, lang, lib, r, commands);
        io_ui(ui, lang, r, commands);
        ui.horizontal(|ui| {
            if r.sent.is_some() {
                ui.add(egui::Spinner::new());
                ui.label(lang.t("正在查询…", "Querying…"));
            }
            if let Some(d) = &r.data {
                let shown = d.attempts.len();
                let text = crate::msg::latest_attempts_shown(shown, REVIEW_ROWS).take(lang);
                ui.label(text);
                if let Some(ms) = r.latency_ms {
                    ui.label(
                        RichText::new(format!(
                            "· {} {ms:.0} ms ({} {:.0} ms)",
                            lang.t("用时", "took"),
                            lang.t("数据库", "database"),
                            d.took_ms
                        ))
                        .color(theme::MUTED),
                    );
                }
            }
        });
        ui.separator();
        let (sort, descending) = (r.sort, r.descending);
        // Six tabs: on a narrower window with an attempt open beside them, they wrap.
        ui.horizontal_wrapped(|ui| {
            for (tab, label) in [
                (Tab::Overview, lang.t("概览", "Overview")),
                (Tab::Attempts, lang.t("练习记录", "Attempts")),
                (Tab::Assignments, lang.t("布置与进度", "Assignments")),
                (Tab::Queue, lang.t("复核队列", "Review queue")),
                (Tab::Readiness, lang.t("准备度", "Readiness")),
                (Tab::Certificates, lang.t("认证", "Certificates")),
            ] {
                if ui.selectable_label(r.tab == tab, label).clicked() && r.tab != tab {
                    commands.push(Command::Review(Cmd::Tab(tab)));
                }
            }
        });
        if r.tab == Tab::Assignments {
            assignments_ui(ui, lang, lib, &mut r.assignments, commands);
            return;
        }
        if r.tab == Tab::Queue {
            queue_ui(ui, lang, lib, r, commands);
            return;
        }
        if r.tab == Tab::Readiness {
            readiness_ui(ui, lang, lib, r, commands);
            return;
        }
        if r.tab == Tab::Certificates {
            certificates_ui(ui, lang, lib, r, commands);
            return;
        }
        let Some(d) = r.data.as_deref() else {
            return;
        };
        if r.tab == Tab::Attempts {
            attempts_ui(ui, lang, lib, d, (sort, descending), commands);
            return;
        }
        egui::ScrollArea::vertical()
            .id_salt("review-scroll")
            .show(ui, |ui| {
                // Titles are the filtered playbook's own (two playbooks may give one id
                // different titles).
                let titles =
                    crate::store::report::criterion_titles(lib, d.filter.playbook.as_deref(), loc);
                let title = |id: &String| titles.get(id).cloned().unwrap_or_else(|| id.clone());
                ui.columns(2, |c| {
                    trend_ui(&mut c[0], lang, d);
                    bars_ui(
                        &mut c[1],
                        lang.t("各评分项平均分", "Average per criterion"),
                        d.by_criterion.iter().map(|(k, v)| (title(k), *v)).collect(),
                    );
                });
                ui.columns(2, |c| {
                    bars_ui(
                        &mut c[0],
                        lang.t("各阶段平均分", "Average per stage"),
                        d.by_stage
                            .iter()
                            .map(|(k, v)| (stage_title(lib, k, loc), *v))
                            .collect(),
                    );
                    heatmap_ui(&mut c[1], lang, d, &title);
                });
                ui.columns(2, |c| {
                    pass_rates_ui(&mut c[0], lang, lib, d);
                    leaders_ui(&mut c[1], lang, d);
                });
                reviewers_ui(ui, lang, lib, d);
            });
    });
}

fn filters_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    r: &mut Review,
    commands: &mut Vec<Command>,
) {
    let loc = lang.code();
    let all = lang.t("全部", "all");
    let trainees: &[crate::store::Trainee] = r.data.as_ref().map_or(&[], |d| &d.trainees);
    let mut teams: Vec<String> = trainees.iter().filter_map(|t| t.team.clone()).collect();
    teams.sort();
    teams.dedup();
    let teams: Vec<(String, String)> = teams.into_iter().map(|t| (t.clone(), t)).collect();
    let mut names: Vec<String> = trainees
        .iter()
        .filter(|t| r.team.is_empty() || t.team.as_deref() == Some(r.team.as_str()))
        .map(|t| t.name.clone())
        .collect();
    names.sort();
    names.dedup();
    let names: Vec<(String, String)> = names.into_iter().map(|n| (n.clone(), n)).collect();
    let playbooks: Vec<(String, String)> = lib
        .playbooks
        .iter()
        .map(|p| (p.id.clone(), p.title.get(loc).to_owned()))
        .collect();
    let scenarios: Vec<(String, String)> = lib
        .playbook(&r.playbook)
        .map(|p| {
            p.scenarios
                .iter()
                .map(|s| (s.id.clone(), s.title.get(loc).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        changed |= pick(ui, lang.t("团队", "Team"), &mut r.team, &teams, all);
        changed |= pick(ui, lang.t("学员", "Trainee"), &mut r.trainee, &names, all);
        if pick(
            ui,
            lang.t("剧本", "Playbook"),
            &mut r.playbook,
            &playbooks,
            all,
        ) {
            r.scenario.clear();
            changed = true;
        }
        changed |= pick(
            ui,
            lang.t("场景", "Scenario"),
            &mut r.scenario,
            &scenarios,
            all,
        );
    });
    ui.horizontal_wrapped(|ui| {
        let mut enter = false;
        for (label, value) in [
            (lang.t("起始日期", "From"), &mut r.from),
            (lang.t("截止日期", "To"), &mut r.to),
        ] {
            let l = ui.label(label);
            let resp = ui
                .add(
                    egui::TextEdit::singleline(value)
                        .id_salt(label)
                        .hint_text("YYYY-MM-DD")
                        .desired_width(124.0),
                )
                .labelled_by(l.id);
            enter |= resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        }
        if ui.button(lang.t("查询", "Apply")).clicked() || enter {
            changed = true;
        }
        if ui.button(lang.t("清除筛选", "Clear filters")).clicked() {
            let keep = (r.data.take(), r.sort, r.descending);
            *r = Review {
                data: keep.0,
                sort: keep.1,
                descending: keep.2,
                ..Review::default()
            };
            changed = true;
        }
        // A date not taken is said beside the dates, not in a banner that moves the page.
        if let Some(p) = &r.date_problem {
            ui.colored_label(theme::BAD, format!("⚠ {p}"));
        }
    });
    if changed {
        commands.push(Command::Review(Cmd::Query));
    }
}

/// Export the filtered attempts (CSV or xAPI) and import a trainee's database.
fn io_ui(ui: &mut egui::Ui, lang: Lang, r: &mut Review, commands: &mut Vec<Command>) {
    egui::CollapsingHeader::new(lang.t("导出与导入", "Export and import"))
        .id_salt("review-io")
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                let before = r.export_xapi;
                ui.radio_value(&mut r.export_xapi, false, "CSV");
                ui.radio_value(&mut r.export_xapi, true, "xAPI");
                if r.export_xapi != before {
                    // The file's extension follows the format.
                    let (from, to) = if r.export_xapi {
                        (".csv", ".json")
                    } else {
                        (".json", ".csv")
                    };
                    if let Some(stem) = r.export_path.strip_suffix(from) {
                        r.export_path = format!("{stem}{to}");
                    }
                }
                if !r.export_xapi {
                    ui.checkbox(
                        &mut r.export_pseudonymous,
                        lang.t("匿名（对外分享）", "Pseudonymous (to share outside the team)"),
                    )
                    .on_hover_text(lang.t(
                        "学员一栏写化名而不是姓名；xAPI 总是匿名的",
                        "The trainee column holds pseudonyms instead of names; xAPI is always pseudonymous",
                    ));
                }
                let l = ui.label(lang.t("导出到", "Export to"));
                ui.add(
                    egui::TextEdit::singleline(&mut r.export_path)
                        .hint_text(Review::default_export_path(r.export_xapi))
                        .desired_width(360.0),
                )
                .labelled_by(l.id);
                if ui.button(lang.t("选择…", "Browse…")).clicked() {
                    commands.push(Command::Review(Cmd::Browse(BrowseFor::Export)));
                }
                let n = r.data.as_ref().map_or(0, |d| d.attempts.len());
                if ui
                    .add_enabled(n > 0, egui::Button::new(lang.t("导出", "Export")))
                    .on_hover_text(lang.t(
                        "导出当前筛选条件下的全部练习（不限于表中显示的条数）",
                        "Exports every attempt of the current filter (not only the rows shown)",
                    ))
                    .clicked()
                {
                    commands.push(Command::Review(Cmd::Export));
                }
            });
            ui.horizontal_wrapped(|ui| {
                let l = ui.label(lang.t("导入学员的数据库", "Import a trainee's database"));
                ui.add(
                    egui::TextEdit::singleline(&mut r.import_path)
                        .hint_text("progress.db")
                        .desired_width(360.0),
                )
                .labelled_by(l.id);
                if ui.button(lang.t("选择…", "Browse…")).clicked() {
                    commands.push(Command::Review(Cmd::Browse(BrowseFor::Import)));
                }
                if ui
                    .add_enabled(
                        !r.import_path.trim().is_empty(),
                        egui::Button::new(lang.t("导入", "Import")),
                    )
                    .on_hover_text(lang.t(
                        "合并进本机数据库；重复导入不会重复记录",
                        "Merged into this database; importing twice adds nothing twice",
                    ))
                    .clicked()
                {
                    commands.push(Command::Review(Cmd::Import));
                }
            });
            if let Some(run) = &r.running {
                ui.horizontal(|ui| {
                    ui.add(
                        egui::ProgressBar::new(run.fraction())
                            .desired_width(260.0)
                            .show_percentage(),
                    );
                    if ui
                        .button(lang.t("取消", "Cancel"))
                        .on_hover_text(lang.t(
                            "停止：导出不会留下半个文件；导入已合并的部分保留，未核实的练习不计入成绩",
                            "Stop: an export leaves no half-written file; an import keeps what was merged, and attempts not yet verified are not counted",
                        ))
                        .clicked()
                    {
                        commands.push(Command::Review(Cmd::Cancel));
                    }
                });
            }
            match &r.io_note {
                Some(Ok(n)) => {
                    ui.colored_label(theme::GOOD, format!("✓ {n}"));
                }
                Some(Err(e)) => {
                    ui.colored_label(theme::BAD, e);
                }
                None => {}
            }
        });
}

fn trend_ui(ui: &mut egui::Ui, lang: Lang, d: &ReviewData) {
    ui.label(RichText::new(lang.t("每周平均分与通过率", "Weekly average and pass rate")).strong());
    let periods: Vec<String> = d.trend.iter().map(|p| p.period.clone()).collect();
    let avg: Vec<[f64; 2]> = d
        .trend
        .iter()
        .enumerate()
        .map(|(i, p)| [i as f64, p.average])
        .collect();
    let pass: Vec<[f64; 2]> = d
        .trend
        .iter()
        .enumerate()
        .map(|(i, p)| [i as f64, p.pass_rate * 100.0])
        .collect();
    egui_plot::Plot::new("trend")
        .height(190.0)
        .include_y(0.0)
        // Room above 100 for the legend, so it never covers a point; no ticks there.
        .include_y(130.0)
        .y_axis_formatter(|mark, _| {
            if (0.0..=100.0).contains(&mark.value) {
                format!("{}", mark.value)
            } else {
                String::new()
            }
        })
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .legend(egui_plot::Legend::default())
        .x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            periods.get(i as usize).cloned().unwrap_or_default()
        })
        .show(ui, |plot| {
            plot.line(egui_plot::Line::new(lang.t("平均分", "average"), avg));
            plot.line(
                egui_plot::Line::new(lang.t("通过率 %", "pass rate %"), pass).color(theme::GOOD),
            );
        });
}

/// Horizontal bars, one per row: the whole title beside its bar, the value on the bar, both
/// on hover.
fn bars_ui(ui: &mut egui::Ui, title: &str, values: Vec<(String, f64)>) {
    ui.label(RichText::new(title).strong());
    // The label takes up to half the width (so a long title wraps in a few lines, not one or
    // two characters a line), the bar the rest.
    let width = ui.available_width();
    let label_width = (width * 0.5).clamp(80.0, 260.0);
    let bar_width = (width - label_width - 24.0).max(60.0);
    egui::ScrollArea::vertical()
        .id_salt(title)
        .max_height(220.0)
        .show(ui, |ui| {
            for (name, v) in &values {
                let hover = format!("{name}: {v:.1}");
                ui.horizontal(|ui| {
                    ui.allocate_ui_with_layout(
                        egui::vec2(label_width, 0.0),
                        egui::Layout::top_down(egui::Align::Min),
                        |ui| {
                            ui.set_width(label_width);
                            ui.add(egui::Label::new(name.as_str()).wrap())
                                .on_hover_text(&hover);
                        },
                    );
                    ui.add(
                        egui::ProgressBar::new((*v / 100.0) as f32)
                            .desired_width(bar_width)
                            .fill(theme::score_color(*v))
                            .text(format!("{v:.1}")),
                    )
                    .on_hover_text(&hover);
                });
            }
        });
}

/// The width of a heatmap column: its title wraps to fit (English words are longer than
/// Chinese characters, so its columns are wider).
fn heat_column(lang: Lang) -> f32 {
    match lang {
        Lang::Zh => 56.0,
        Lang::En => 84.0,
    }
}

/// Trainees × criteria, each cell the trainee's average coloured from red to green (the
/// worker computes the grid: at most 25 trainees, 12 criteria).
fn heatmap_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    d: &ReviewData,
    criterion_title: &dyn Fn(&String) -> String,
) {
    ui.label(RichText::new(lang.t("学员 × 评分项", "Trainee × criterion")).strong());
    if d.heat_rows.is_empty() || d.heat_criteria.is_empty() {
        ui.label(RichText::new(lang.t("没有数据", "No data")).color(theme::MUTED));
        return;
    }
    let column = heat_column(lang);
    egui::ScrollArea::both()
        .id_salt("heatmap")
        .max_height(190.0)
        .show(ui, |ui| {
            egui::Grid::new("heatmap-grid")
                .spacing([2.0, 2.0])
                .show(ui, |ui| {
                    ui.label("");
                    let titles: Vec<String> = d.heat_criteria.iter().map(criterion_title).collect();
                    let font = egui::TextStyle::Small.resolve(ui.style());
                    let color = ui.visuals().text_color();
                    for title in &titles {
                        // The title wrapped in its column, at most four lines (a title
                        // shared by several playbooks can be long); the whole on hover.
                        let mut job = egui::text::LayoutJob::simple(
                            title.clone(),
                            font.clone(),
                            color,
                            column,
                        );
                        job.wrap.max_rows = 4;
                        job.wrap.overflow_character = Some('…');
                        ui.vertical(|ui| {
                            ui.set_width(column);
                            ui.add(egui::Label::new(job)).on_hover_text(title);
                        });
                    }
                    ui.end_row();
                    for (t, cells) in &d.heat_rows {
                        ui.label(RichText::new(t).small());
                        for (v, title) in cells.iter().zip(&titles) {
                            match v {
                                Some(v) => ui.add_sized(
                                    [column, 16.0],
                                    egui::Label::new(
                                        RichText::new(format!("{v:.1}"))
                                            .small()
                                            .color(Color32::WHITE)
                                            .background_color(theme::score_color(*v)),
                                    ),
                                ),
                                None => ui.add_sized(
                                    [column, 16.0],
                                    egui::Label::new(RichText::new("·").color(theme::MUTED)),
                                ),
                            }
                            .on_hover_text(format!(
                                "{t} · {title}: {}",
                                v.map_or("—".to_owned(), |v| format!("{v:.1}"))
                            ));
                        }
                        ui.end_row();
                    }
                });
        });
}

/// The overrides as grades of the scorer: per playbook, how far the scorer is from the
/// reviewers and the criterion they disagree on most (`salesdojo calibrate --from-reviews`).
fn reviewers_ui(ui: &mut egui::Ui, lang: Lang, lib: &Library, d: &ReviewData) {
    let r = &d.reviews;
    if r.overall.overrides == 0 {
        return;
    }
    ui.add_space(8.0);
    ui.label(RichText::new(lang.t("评分器与复核人", "The scorer and your reviewers")).strong());
    let loc = lang.code();
    for (p, a) in &r.by_playbook {
        let mut line = crate::msg::reviewers_agree(
            playbook_title(lib, p, loc),
            a.overrides,
            format!("{:.1}", a.mae),
        )
        .take(lang);
        if let Some((c, w)) = r.most_disputed(p) {
            line.push_str(
                &crate::msg::reviewers_disagree_most(
                    criterion_title(lib, p, c, loc),
                    format!("{:+.0}", w.bias),
                )
                .take(lang),
            );
        }
        ui.label(line);
    }
}

fn pass_rates_ui(ui: &mut egui::Ui, lang: Lang, lib: &Library, d: &ReviewData) {
    ui.label(RichText::new(lang.t("各场景通过率", "Pass rate per scenario")).strong());
    egui::Grid::new("pass-rates").striped(true).show(ui, |ui| {
        ui.label(lang.t("场景", "Scenario"));
        ui.label(lang.t("次数", "Attempts"));
        ui.label(lang.t("通过率", "Pass rate"));
        ui.end_row();
        for p in d.pass_rates.iter().take(20) {
            ui.label(scenario_title(lib, &p.playbook, &p.scenario, lang.code()));
            ui.label(p.attempts.to_string());
            ui.add(
                egui::ProgressBar::new(p.rate as f32)
                    .desired_width(120.0)
                    .text(format!("{:.0}%", p.rate * 100.0)),
            );
            ui.end_row();
        }
    });
}

fn leaders_ui(ui: &mut egui::Ui, lang: Lang, d: &ReviewData) {
    ui.label(RichText::new(lang.t("排行榜与认证", "Leaderboard and certifications")).strong());
    egui::Grid::new("leaders").striped(true).show(ui, |ui| {
        for h in [
            "#",
            lang.t("学员", "Trainee"),
            lang.t("团队", "Team"),
            lang.t("次数", "Attempts"),
            lang.t("平均", "Average"),
            lang.t("认证", "Certified"),
        ] {
            ui.label(RichText::new(h).small());
        }
        ui.end_row();
        for (i, l) in d.leaders.iter().enumerate() {
            ui.label((i + 1).to_string());
            ui.label(&l.trainee);
            ui.label(l.team.as_deref().unwrap_or("—"));
            ui.label(l.attempts.to_string());
            ui.label(
                RichText::new(format!("{:.1}", l.average)).color(theme::score_color(l.average)),
            );
            ui.label(if l.certifications > 0 {
                format!("★ {}", l.certifications)
            } else {
                "—".to_owned()
            });
            ui.end_row();
        }
    });
}

fn attempts_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    d: &ReviewData,
    (sort, descending): (SortKey, bool),
    commands: &mut Vec<Command>,
) {
    let arrow = |k: SortKey| match (sort == k, descending) {
        (true, true) => " ▼",
        (true, false) => " ▲",
        _ => "",
    };
    let heads = [
        (SortKey::Started, lang.t("开始时间", "Started")),
        (SortKey::Trainee, lang.t("学员", "Trainee")),
        (SortKey::Team, lang.t("团队", "Team")),
        (SortKey::Total, lang.t("总分", "Total")),
        (SortKey::Scenario, lang.t("场景", "Scenario")),
        (SortKey::Status, lang.t("状态", "Status")),
    ];
    // Column widths are remembered per language (English labels are wider); with the
    // drill-down open the table scrolls sideways.
    egui::ScrollArea::horizontal()
        .id_salt("attempts-h")
        .show(ui, |ui| {
            attempts_table(ui, lang, lib, d, heads, arrow, commands)
        });
}

fn attempts_table(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    d: &ReviewData,
    heads: [(SortKey, &str); 6],
    arrow: impl Fn(SortKey) -> &'static str,
    commands: &mut Vec<Command>,
) {
    TableBuilder::new(ui)
        .id_salt(("attempts", lang.code()))
        .striped(true)
        .max_scroll_height(f32::INFINITY)
        .column(Column::auto().at_least(50.0))
        .column(Column::auto().at_least(150.0))
        .column(Column::auto().at_least(80.0))
        .column(Column::auto().at_least(70.0))
        .column(Column::auto().at_least(70.0))
        .column(Column::remainder().at_least(160.0))
        .column(Column::auto().at_least(90.0))
        .header(22.0, |mut h| {
            h.col(|_| {});
            for (key, label) in heads {
                h.col(|ui| {
                    if ui
                        .button(RichText::new(format!("{label}{}", arrow(key))).strong())
                        .clicked()
                    {
                        commands.push(Command::Review(Cmd::SortBy(key)));
                    }
                });
            }
        })
        .body(|body| {
            body.rows(22.0, d.attempts.len(), |mut row| {
                let a = &d.attempts[row.index()];
                // First, so a narrow table (the drill-down open beside it) never hides it.
                row.col(|ui| {
                    if ui.small_button(lang.t("查看", "Open")).clicked() {
                        commands.push(Command::Review(Cmd::OpenAttempt(a.id.clone())));
                    }
                });
                row.col(|ui| {
                    // Local time, as the CSV gives it.
                    ui.label(crate::store::local_stamp(&a.started_at, "%Y-%m-%d %H:%M:%S"));
                });
                row.col(|ui| {
                    ui.label(&a.trainee);
                });
                row.col(|ui| {
                    ui.label(a.team.as_deref().unwrap_or("—"));
                });
                // The total before the scenario: what a manager scans for stays in view when
                // the drill-down narrows the table.
                row.col(|ui| match (a.total, a.passed) {
                    (Some(t), passed) => {
                        let mark = if passed == Some(true) { " ✓" } else { "" };
                        let r = ui.label(
                            RichText::new(format!("{t:.1}{mark}")).color(theme::score_color(t)),
                        );
                        // A reviewed attempt: the review's total, the scored one beside it.
                        if a.reviewed {
                            ui.label(
                                RichText::new(format!(
                                    "{} {}",
                                    lang.t("原评分", "scored"),
                                    a.scored_total.map_or("—".to_owned(), |s| format!("{s:.1}"))
                                ))
                                .small()
                                .color(theme::MUTED),
                            )
                            .on_hover_text(lang.t(
                                "经理复核改了评分项：总分和是否通过以复核为准，小字是原评分。",
                                "A manager overrode a criterion: the total and the verdict are the review's; the small figure is what scoring gave.",
                            ));
                        }
                        if let Some(flag) = verification_flag(lang, a.verification.as_deref()) {
                            r.on_hover_text(flag.1);
                            ui.label(RichText::new(flag.0).color(theme::BAD));
                        }
                    }
                    (None, _) => {
                        ui.label("—");
                    }
                });
                row.col(|ui| {
                    ui.label(scenario_title(lib, &a.playbook, &a.scenario, lang.code()));
                });
                row.col(|ui| {
                    ui.label(status(lang, &a.status));
                });
            });
        });
}

fn status(lang: Lang, s: &str) -> &'static str {
    match s {
        "completed" => lang.t("已完成", "completed"),
        "in_progress" => lang.t("进行中", "in progress"),
        "abandoned" => lang.t("已放弃", "abandoned"),
        _ => lang.t("其他", "other"),
    }
}

/// The review being written in the drill-down.
struct Form<'a> {
    comment: &'a mut String,
    /// The reply the comment is about (`None`: the whole attempt).
    reply: &'a mut Option<i64>,
    sign_off: &'a mut bool,
    over_criterion: &'a mut String,
    over_points: &'a mut String,
    problem: Option<&'a str>,
}

fn detail_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    d: &AttemptDetail,
    form: Form<'_>,
    commands: &mut Vec<Command>,
) {
    let loc = lang.code();
    let a = &d.attempt;
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!(
            "{} · {}",
            a.trainee,
            scenario_title(lib, &a.playbook, &a.scenario, loc)
        ));
        if ui.button(lang.t("关闭", "Close")).clicked() {
            commands.push(Command::Review(Cmd::CloseAttempt));
        }
    });
    ui.label(
        RichText::new(format!(
            "{} · {} · {} · {}",
            crate::store::local_time(&a.started_at),
            playbook_title(lib, &a.playbook, loc),
            crate::msg::version(a.version).take(lang),
            a.total.map_or("—".to_owned(), |t| format!("{t:.1}"))
        ))
        .color(theme::MUTED),
    );
    if let Some(v) = d.published_version {
        ui.label(
            RichText::new(format!(
                "{} {}@{v}",
                lang.t("练习时所用的发布版本：", "Played on published version"),
                a.playbook
            ))
            .small()
            .color(theme::MUTED),
        );
    }
    if a.reviewed {
        let verdict = match a.passed {
            Some(true) => lang.t("通过", "passed"),
            Some(false) => lang.t("未通过", "not passed"),
            None => "—",
        };
        ui.label(
            RichText::new(format!(
                "{} {} ({verdict}) · {} {}",
                lang.t("复核后总分", "Total after review"),
                a.total.map_or("—".to_owned(), |t| format!("{t:.1}")),
                lang.t("原评分", "scored"),
                a.scored_total.map_or("—".to_owned(), |t| format!("{t:.1}"))
            ))
            .strong(),
        );
    }
    if let Some(v) = &d.verification
        && let Some((_, why)) = verification_flag(lang, Some(&v.status))
    {
        let derived = v.derived_total.map_or(String::new(), |t| {
            format!(" ({} {t:.1})", lang.t("回答重算为", "its replies give"))
        });
        ui.label(RichText::new(format!("⚠ {why}{derived}")).color(theme::BAD));
    }
    egui::ScrollArea::vertical()
        .id_salt("attempt-scroll")
        .show(ui, |ui| {
            criteria_grid(ui, lang, lib, d);
            ui.separator();
            // Long replies and feedback wrap at the panel's width instead of widening it.
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
            ui.label(RichText::new(lang.t("对话记录", "Transcript")).strong());
            for rep in &d.replies {
                theme::card(ui, theme::TRAINEE_BG, |ui| {
                    reply_card(ui, lang, lib, a, rep);
                    // The comments on this reply, beside it.
                    for rv in d.reviews.iter().filter(|rv| rv.reply == Some(rep.seq)) {
                        ui.label(
                            RichText::new(format!(
                                "→ {} · {}{}",
                                rv.reviewer,
                                crate::store::local_time(&rv.at),
                                acknowledged(lang, rv)
                            ))
                            .small()
                            .color(theme::ACCENT),
                        );
                        if let Some(c) = &rv.comment {
                            ui.label(RichText::new(c).color(theme::ACCENT));
                        }
                    }
                    let here = *form.reply == Some(rep.seq);
                    if ui
                        .selectable_label(here, lang.t("评论这条回答", "Comment on this reply"))
                        .clicked()
                    {
                        *form.reply = if here { None } else { Some(rep.seq) };
                    }
                });
            }
            for q in &d.requests {
                ui.label(
                    RichText::new(format!(
                        "? {} {} · {}",
                        lang.t("学员请求复核：", "The trainee asked:"),
                        q.question,
                        crate::store::local_time(&q.asked_at)
                    ))
                    .color(theme::ACCENT),
                );
            }
            if d.reviews.iter().any(|rv| rv.reply.is_none()) {
                ui.separator();
                ui.label(RichText::new(lang.t("评语与复核", "Reviews")).strong());
                for rv in d.reviews.iter().filter(|rv| rv.reply.is_none()) {
                    let mut line =
                        format!("{} · {}", rv.reviewer, crate::store::local_time(&rv.at));
                    if let (Some(c), Some(p)) = (&rv.criterion, rv.override_points) {
                        line.push_str(&format!(
                            " · {} → {p:.0}",
                            criterion_title(lib, &a.playbook, c, loc)
                        ));
                    }
                    if rv.sign_off {
                        line.push_str(&format!(" · {}", lang.t("已签核", "signed off")));
                    }
                    line.push_str(&acknowledged(lang, rv));
                    ui.label(RichText::new(line).small().color(theme::MUTED));
                    if let Some(c) = &rv.comment {
                        ui.label(c);
                    }
                }
            }
            ui.separator();
            review_form(ui, lang, lib, d, form, commands);
        });
}

/// Whether the trainee acknowledged a review, as the drill-down says it.
fn acknowledged(lang: Lang, rv: &crate::store::report::ReviewRow) -> String {
    match &rv.acknowledged_at {
        Some(at) => format!(
            " · {} {}",
            lang.t("学员已确认", "acknowledged"),
            crate::store::local_time(at)
        ),
        None => format!(" · {}", lang.t("学员未确认", "not acknowledged yet")),
    }
}

/// An attempt's criteria: the points of each, and an override beside what it replaced.
fn criteria_grid(ui: &mut egui::Ui, lang: Lang, lib: &Library, d: &AttemptDetail) {
    let loc = lang.code();
    let a = &d.attempt;
    ui.label(RichText::new(lang.t("评分项", "Criteria")).strong());
    egui::Grid::new("attempt-criteria")
        .striped(true)
        .show(ui, |ui| {
            for c in &d.criteria {
                ui.label(criterion_title(lib, &a.playbook, &c.criterion, loc));
                match c.override_points {
                    Some(o) => {
                        ui.label(
                            RichText::new(format!("{:.1}", c.points))
                                .strikethrough()
                                .color(theme::MUTED),
                        );
                        let by = match (&c.overridden_by, &c.overridden_at) {
                            (Some(by), Some(at)) => format!(
                                "{} {by} · {}",
                                lang.t("复核：", "override by"),
                                crate::store::local_time(at)
                            ),
                            _ => lang.t("复核", "override").to_owned(),
                        };
                        ui.label(
                            RichText::new(format!("→ {o:.1}"))
                                .strong()
                                .color(theme::ACCENT),
                        )
                        .on_hover_text(&by);
                        ui.label(
                            RichText::new(format!("※ {by}"))
                                .small()
                                .color(theme::ACCENT),
                        );
                    }
                    None => {
                        ui.label(format!("{:.1}", c.points));
                    }
                }
                ui.end_row();
            }
        });
}

/// One reply of the transcript: the customer's line, the answer and its score, each
/// criterion with the trace of its points, the feedback and any script error.
fn reply_card(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    a: &crate::store::report::AttemptRow,
    rep: &crate::store::report::ReplyRow,
) {
    let loc = lang.code();
    let turn = lib
        .playbook(&a.playbook)
        .and_then(|p| p.scenario(&a.scenario))
        .and_then(|s| s.turn(&rep.turn));
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "{}. {}",
                rep.seq,
                turn.map_or(rep.turn.as_str(), |t| t.customer.get(loc))
            ))
            .color(theme::MUTED),
        );
    });
    // A chosen option is shown by its text, not its id.
    let answer = turn
        .and_then(|t| match &t.reply {
            crate::playbook::model::Reply::Choice(opts) if rep.kind == "choice" => {
                opts.iter().find(|o| o.id == rep.answer)
            }
            _ => None,
        })
        .map_or(rep.answer.as_str(), |o| o.text.get(loc));
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!("{:.0}", rep.score))
                .strong()
                .color(theme::score_color(rep.score)),
        );
        ui.label(answer);
    });
    for c in rep.result["criteria"].as_array().into_iter().flatten() {
        let crit = c["criterion"].as_str().unwrap_or("");
        let criterion = lib
            .playbook(&a.playbook)
            .and_then(|p| p.rubric.criteria.iter().find(|c| c.id == crit));
        let trace: Vec<String> = c["trace"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| {
                let src = &t["source"];
                // What gave the points, as the trainee read it: the rule's feedback (the
                // stored trace keeps its id), else the script's file, else what kind of
                // source it is.
                let said = src["rule"]
                    .as_str()
                    .and_then(|id| {
                        criterion
                            .and_then(|c| c.rules.iter().find(|r| r.id == id))
                            .map(|r| r.feedback.get(loc))
                    })
                    .map(|f| f.trim_end_matches(['。', '.']).to_owned());
                let what = said
                    .or_else(|| src["file"].as_str().map(|f| format!("`{f}`")))
                    .unwrap_or_else(|| match src["kind"].as_str() {
                        Some("base") => lang.t("起始分", "starting points").to_owned(),
                        Some("option") => lang.t("所选选项", "the option chosen").to_owned(),
                        _ => lang.t("规则", "a rule").to_owned(),
                    });
                let points = t["points"].as_i64().unwrap_or(0);
                if src["kind"] == "script_set" {
                    format!("{what} = {points}")
                } else {
                    format!("{points:+} {what}")
                }
            })
            .collect();
        let mut line = format!(
            "{}: {:.0}",
            criterion_title(lib, &a.playbook, crit, loc),
            c["points"].as_f64().unwrap_or(0.0)
        );
        if !trace.is_empty() {
            line.push_str(&format!(" ← {}", trace.join(lang.t("；", "; "))));
        }
        ui.label(RichText::new(line).small());
    }
    for f in rep.result["feedback"].as_array().into_iter().flatten() {
        let text = f[loc]
            .as_str()
            .or_else(|| f["*"].as_str())
            .or_else(|| f.as_object().and_then(|o| o.values().next()?.as_str()))
            .unwrap_or("");
        ui.label(
            RichText::new(format!("· {text}"))
                .small()
                .color(theme::MUTED),
        );
    }
    if let Some(e) = &rep.script_error {
        ui.colored_label(theme::BAD, e);
    }
}

/// The form a manager reviews with: a comment, and a criterion's new points.
fn review_form(
    ui: &mut egui::Ui,
    lang: Lang,
    lib: &Library,
    d: &AttemptDetail,
    form: Form<'_>,
    commands: &mut Vec<Command>,
) {
    let Form {
        comment,
        reply,
        sign_off,
        over_criterion,
        over_points,
        problem,
    } = form;
    let loc = lang.code();
    let a = &d.attempt;
    ui.label(RichText::new(lang.t("写评语 / 复核分数", "Comment / override")).strong());
    let l = match *reply {
        Some(n) => {
            let mut l = None;
            ui.horizontal(|ui| {
                l = Some(ui.label(format!(
                    "{} {n}",
                    lang.t("评语，针对回答", "Comment on reply")
                )));
                if ui
                    .small_button("×")
                    .on_hover_text(
                        lang.t("改为评论整次练习", "Comment on the whole attempt instead"),
                    )
                    .clicked()
                {
                    *reply = None;
                }
            });
            l.unwrap_or_else(|| ui.label(""))
        }
        None => ui.label(lang.t("评语", "Comment")),
    };
    ui.add(
        egui::TextEdit::multiline(comment)
            .id_salt("review-comment")
            .hint_text(lang.t("评语（可选）", "Comment (optional)"))
            .desired_rows(2),
    )
    .labelled_by(l.id);
    let criteria: Vec<(String, String)> = d
        .criteria
        .iter()
        .map(|c| {
            (
                c.criterion.clone(),
                criterion_title(lib, &a.playbook, &c.criterion, loc),
            )
        })
        .collect();
    ui.horizontal(|ui| {
        pick(
            ui,
            lang.t("复核评分项", "Override criterion"),
            over_criterion,
            &criteria,
            lang.t("不复核", "none"),
        );
        let l = ui.label(lang.t("新分数", "New points"));
        ui.add_enabled(
            !over_criterion.is_empty(),
            egui::TextEdit::singleline(over_points)
                .id_salt("override-points")
                .hint_text("0–100")
                .desired_width(60.0),
        )
        .labelled_by(l.id);
    });
    ui.add_enabled(
        a.passed == Some(true),
        egui::Checkbox::new(sign_off, lang.t("签核这次练习", "Sign this attempt off")),
    )
    .on_disabled_hover_text(lang.t(
        "只能签核已通过的练习",
        "Only a passed attempt can be signed off",
    ));
    ui.horizontal_wrapped(|ui| {
        if ui.button(lang.t("保存复核", "Save review")).clicked() {
            commands.push(Command::Review(Cmd::SaveReview));
        }
        // Why it was not saved, beside the button (it was a banner at the top of the window,
        // pushing the page down).
        if let Some(p) = problem {
            ui.colored_label(theme::BAD, format!("⚠ {p}"));
        }
    });
}

/// An imported attempt whose score is not (yet) confirmed by its replies: a short mark for the
/// table and the reason.
fn verification_flag(lang: Lang, status: Option<&str>) -> Option<(&'static str, &'static str)> {
    match status? {
        "mismatch" => Some((
            lang.t("⚠ 分数不符", "⚠ forged?"),
            lang.t(
                "从其他数据库导入：按其回答重新评分，与记录的总分不符；不计入认证",
                "Imported from another database: its replies do not give the stored total; not counted for certification",
            ),
        )),
        "unverifiable" => Some((
            lang.t("⚠ 未核实", "⚠ unverified"),
            lang.t(
                "从其他数据库导入：本机没有它评分时用的剧本版本，无法核实",
                "Imported from another database: scored against a playbook version this machine does not have",
            ),
        )),
        "pending" => Some((
            lang.t("⚠ 待核实", "⚠ pending"),
            lang.t("从其他数据库导入，尚未核实", "Imported from another database, not verified yet"),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::playbook::{Content, Report, load};

    #[test]
    fn a_live_visit_is_named_by_its_playbook_not_its_first_step() {
        let mut r = Report::default();
        let lib = load(&[Content::bundled()], &mut r);
        let pb = lib
            .playbooks
            .iter()
            .find(|p| p.live)
            .expect("a live playbook");
        let step = &pb.stages[0].id;
        let shown = super::scenario_title(&lib, &pb.id, step, "en");
        assert_eq!(shown, format!("{} · live visit", pb.title.get("en")));
        assert!(!shown.contains('/'), "{shown}");
    }
}
