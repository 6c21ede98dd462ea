//! The role-play: persona card, the conversation with points, feedback, highlights and hints
//! after every reply, the reply box or option buttons, the guide side panel, and the end
//! summary.

use egui::text::LayoutJob;
use egui::{Key, RichText, TextFormat, Ui};

use super::{Cmd, Practice};
use crate::gui::command::Command;
use crate::gui::state::Lang;
use crate::gui::theme;
use crate::gui::worker::Finished;
use crate::playbook::Library;
use crate::playbook::model::{Playbook, Reply, Turn};
use crate::practice::score::{AnswerError, Highlight, check_answer};
use crate::practice::{Answer, ReplyRecord};
use crate::session::LoggedAttempt;

pub fn practice_ui(
    ui: &mut Ui,
    lang: Lang,
    lib: &Library,
    p: &mut Practice,
    busy: bool,
    out: &mut Vec<Command>,
) {
    let pb = p.run.attempt.playbook.clone();
    let loc = lang.code();
    guide_ui(ui, lang, &pb, p);
    egui::CentralPanel::default().show(ui, |ui| {
        let scen = p.run.attempt.scenario().clone();
        ui.horizontal(|ui| {
            ui.heading(scen.title.get(loc));
            ui.label(RichText::new(pb.title.get(loc)).color(theme::MUTED));
        });
        // The replies on screen: a reply still being saved is not shown yet.
        let shown = p.run.attempt.replies.len() - usize::from(p.run.is_unsaved());
        let answered = p.run.attempt.replies[..shown]
            .iter()
            .map(|r| r.turn.as_str());
        if scen.persona_revealed(answered) {
            persona_ui(ui, lang, lib, &scen.persona, scen.style.as_deref());
        } else {
            ui.label(
                RichText::new(lang.t(
                    "客户画像在你判断出客户类型后显示。",
                    "The customer's card shows once you have named their type.",
                ))
                .color(theme::MUTED),
            );
        }
        ui.label(RichText::new(scen.context.get(loc)).italics());
        ui.separator();
        // The reply box takes the height it needs (a hint, three long options) at the
        // bottom; the conversation scrolls in what is left (a fixed reserve pushed the
        // submit button out of the window once a hint showed).
        egui::Panel::bottom("practice-input")
            .show_separator_line(true)
            .show(ui, |ui| {
                ui.add_space(4.0);
                input_ui(ui, lang, p, busy, out);
            });
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show(ui, |ui| {
                for (i, r) in p.run.attempt.replies.iter().take(shown).enumerate() {
                    if let Some(turn) = scen.turn(&r.turn) {
                        customer_ui(ui, lang, turn);
                        reply_ui(ui, lang, &pb, turn, r, i + 1);
                    }
                }
                if let Some(turn) = p.run.attempt.current_turn() {
                    if !p.run.is_unsaved() {
                        customer_ui(ui, lang, turn);
                    }
                } else if let Some(e) = p
                    .run
                    .attempt
                    .summary()
                    .ending
                    .as_ref()
                    .and_then(|e| scen.ending(e))
                {
                    theme::card(ui, theme::CUSTOMER_BG, |ui| ui.label(e.text.get(loc)));
                }
            });
    });
}

fn persona_ui(ui: &mut Ui, lang: Lang, lib: &Library, persona: &str, style: Option<&str>) {
    let loc = lang.code();
    let Some(p) = lib.personas.get(persona) else {
        return;
    };
    egui::CollapsingHeader::new(format!(
        "{} {}",
        lang.t("客户画像：", "Customer:"),
        p.name.get(loc)
    ))
    .id_salt("persona")
    .default_open(true)
    .show(ui, |ui| {
        if let Some(s) = &p.summary {
            ui.label(s.get(loc));
        }
        if let Some(st) = style.and_then(|s| lib.personas.get(s)) {
            ui.label(format!(
                "{} {}",
                lang.t("思维方式：", "Thinking style:"),
                st.name.get(loc)
            ));
        }
        let list = |ui: &mut Ui, title: &str, items: &[crate::playbook::model::Text]| {
            if !items.is_empty() {
                ui.label(RichText::new(title).strong());
                for i in items {
                    ui.label(format!("• {}", i.get(loc)));
                }
            }
        };
        ui.columns(2, |c| {
            list(&mut c[0], lang.t("在意什么", "Cares about"), &p.cares_about);
            list(
                &mut c[1],
                lang.t("怎么接近", "How to approach"),
                &p.approach,
            );
        });
    });
}

fn customer_ui(ui: &mut Ui, lang: Lang, turn: &Turn) {
    theme::card(ui, theme::CUSTOMER_BG, |ui| {
        ui.label(
            RichText::new(lang.t("客户", "Customer"))
                .small()
                .color(theme::ACCENT),
        );
        ui.label(turn.customer.get(lang.code()));
    });
}

/// The reply with the phrases that earned points in green and those that lost points in red.
fn highlighted(ui: &Ui, text: &str, hl: &[Highlight]) -> LayoutJob {
    let mut job = LayoutJob::default();
    let font = egui::TextStyle::Body.resolve(ui.style());
    let normal = ui.visuals().text_color();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let at = hl.iter().find(|h| h.start <= i && i < h.end);
        let end = match at {
            Some(h) => h.end.min(chars.len()),
            None => hl
                .iter()
                .filter(|h| h.start > i)
                .map(|h| h.start)
                .min()
                .unwrap_or(chars.len())
                .min(chars.len()),
        };
        let end = end.max(i + 1);
        let piece: String = chars[i..end].iter().collect();
        let mut format = TextFormat::simple(font.clone(), normal);
        if let Some(h) = at {
            let c = if h.positive { theme::GOOD } else { theme::BAD };
            format.color = c;
            format.underline = egui::Stroke::new(1.5, c);
        }
        job.append(&piece, 0.0, format);
        i = end;
    }
    job
}

fn reply_ui(ui: &mut Ui, lang: Lang, pb: &Playbook, turn: &Turn, r: &ReplyRecord, n: usize) {
    let loc = lang.code();
    theme::card(ui, theme::TRAINEE_BG, |ui| {
        ui.label(
            RichText::new(format!(
                "{} · {:.0}s",
                lang.t("你的回答", "Your reply"),
                r.seconds
            ))
            .small()
            .color(theme::GOOD),
        );
        match &r.answer {
            Answer::Text(t) => {
                ui.label(highlighted(ui, t, &r.scored.highlights));
                // Inside the reply's own card, so it is never read as belonging to another.
                if let Some(m) = &turn.model_answer {
                    egui::CollapsingHeader::new(lang.t("参考回答", "Model answer"))
                        .id_salt(("model", n))
                        .show(ui, |ui| ui.label(m.get(loc)));
                }
            }
            Answer::Choice(id) => {
                if let Reply::Choice(opts) = &turn.reply
                    && let Some(o) = opts.iter().find(|o| &o.id == id)
                {
                    ui.label(o.text.get(loc));
                }
            }
        }
    });
    ui.horizontal(|ui| {
        let s = r.scored.score;
        ui.label(
            RichText::new(format!(
                "{} {}/100",
                lang.t("得分", "Score"),
                r.scored.rounded()
            ))
            .strong()
            .color(theme::score_color(s)),
        )
        .on_hover_text(format!("{} {n}", lang.t("第几条回答", "Reply")));
        for c in &r.scored.criteria {
            let title = pb
                .criterion(&c.criterion)
                .map_or(c.criterion.as_str(), |cr| cr.title.get(loc));
            ui.label(
                RichText::new(format!("{title} {:.0}", c.points))
                    .color(theme::score_color(c.points)),
            );
        }
        // The criteria are the rules' points; the score is what trainers give such replies.
        if let Some(line) = crate::practice::score::reading_line(&r.scored, lang) {
            ui.weak(lang.t("（评分解读）", "(read)"))
                .on_hover_text(line);
        }
    });
    if let Some(n) = r.notice_in(lang) {
        ui.colored_label(theme::BAD, n);
    }
    for f in &r.scored.feedback {
        ui.label(format!("· {}", f.get(loc)));
    }
    for h in r.scored.hints.iter().take(2) {
        ui.label(RichText::new(format!("※ {}", h.get(loc))).color(theme::ACCENT));
    }
    // The guide's word on this reply.
    if let Some(g) = &r.guide_hint {
        ui.label(RichText::new(format!("◆ {}", g.get(loc))).color(theme::ACCENT));
    }
    ui.add_space(6.0);
}

fn input_ui(ui: &mut Ui, lang: Lang, p: &mut Practice, busy: bool, out: &mut Vec<Command>) {
    let loc = lang.code();
    if let Some(e) = &p.unsaved {
        theme::card(ui, theme::ERROR_BG, |ui| {
            ui.colored_label(
                theme::BAD,
                format!(
                    "{} {e}",
                    lang.t("这条回答还没保存：", "This reply is not saved yet:")
                ),
            );
            ui.label(lang.t(
                "回答已保留，保存成功后才显示评分。",
                "The reply is kept; its score shows once it is saved.",
            ));
            if ui
                .add_enabled(
                    !p.submitting,
                    egui::Button::new(lang.t("重试保存", "Retry saving")),
                )
                .clicked()
            {
                out.push(Command::Practice(Cmd::RetrySave));
            }
        });
        return;
    }
    let Some(turn) = p.run.attempt.current_turn().cloned() else {
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    !busy,
                    egui::Button::new(lang.t("查看总结", "See the summary")),
                )
                .clicked()
            {
                out.push(Command::Practice(Cmd::Finish));
            }
        });
        return;
    };
    let locked = p.submitting;
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "{} {:.0}s",
                lang.t("用时", "Time"),
                p.since.elapsed().as_secs_f64().floor()
            ))
            .color(theme::MUTED),
        )
        .on_hover_text(lang.t("这句回答用时", "Time on this reply"));
        if ui.button(lang.t("提示", "Hint")).clicked() {
            out.push(Command::Practice(Cmd::AskHint));
        }
        if locked {
            ui.add(egui::Spinner::new());
            ui.label(lang.t("评分并保存中…", "Scoring and saving…"));
        }
    });
    for h in &p.hint {
        ui.label(RichText::new(format!("※ {}", h.get(loc))).color(theme::ACCENT));
    }
    match &turn.reply {
        Reply::Choice(opts) => {
            let typing = ui.ctx().text_edit_focused();
            for (i, o) in opts.iter().enumerate() {
                let key = NUMBER_KEYS.get(i).copied();
                let pressed =
                    !typing && !locked && key.is_some_and(|k| ui.input(|inp| inp.key_pressed(k)));
                let b = ui.add_enabled(
                    !locked,
                    egui::Button::new(format!("{}. {}", i + 1, o.text.get(loc))).wrap(),
                );
                if b.clicked() || pressed {
                    out.push(Command::Practice(Cmd::Submit(Answer::Choice(o.id.clone()))));
                }
            }
        }
        Reply::FreeText => {
            let label = ui.label(lang.t(
                "你的回答（Ctrl+Enter 提交）",
                "Your reply (Ctrl+Enter to submit)",
            ));
            let edit = ui
                .add_enabled(
                    !locked,
                    egui::TextEdit::multiline(&mut p.draft)
                        // Its own id: an auto id would pass to the option button drawn in
                        // its place next turn, and with it the focus (so number keys would
                        // think a text box is still being typed in).
                        .id_salt("reply-box")
                        .desired_rows(3)
                        .desired_width(f32::INFINITY)
                        .hint_text(lang.t(
                            "像对真实客户一样回答…",
                            "Answer as you would a real customer…",
                        )),
                )
                .labelled_by(label.id);
            let shortcut =
                edit.has_focus() && ui.input(|i| i.modifiers.command && i.key_pressed(Key::Enter));
            let answer = Answer::Text(p.draft.trim_end().to_owned());
            let problem = check_answer(&turn, &answer).err();
            if let Some(AnswerError::TooLong(_)) = &problem {
                ui.colored_label(
                    theme::BAD,
                    problem
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                );
            }
            let send = ui
                .add_enabled(
                    !locked && problem.is_none(),
                    egui::Button::new(lang.t("提交", "Submit")),
                )
                .clicked();
            if (send || shortcut) && problem.is_none() && !locked {
                edit.surrender_focus();
                out.push(Command::Practice(Cmd::Submit(answer)));
            }
        }
    }
}

const NUMBER_KEYS: [Key; 9] = [
    Key::Num1,
    Key::Num2,
    Key::Num3,
    Key::Num4,
    Key::Num5,
    Key::Num6,
    Key::Num7,
    Key::Num8,
    Key::Num9,
];

/// The guide: where the trainee is in the sales process and what to do there.
fn guide_ui(ui: &mut Ui, lang: Lang, pb: &Playbook, p: &Practice) {
    let loc = lang.code();
    let stage_id = p
        .run
        .attempt
        .current_turn()
        .map(|t| t.stage.clone())
        .or_else(|| p.run.attempt.replies.last().map(|r| r.stage.clone()));
    egui::Panel::right("guide")
        .default_size(300.0)
        .show(ui, |ui| {
            ui.heading(lang.t("指导", "Guide"));
            egui::ScrollArea::vertical().show(ui, |ui| {
                // The process, with the current stage marked.
                for (i, st) in pb.stages.iter().enumerate() {
                    let current = stage_id.as_deref() == Some(st.id.as_str());
                    let text = theme::numbered(i, st.title.get(loc));
                    if current {
                        ui.label(
                            RichText::new(format!("▶ {text}"))
                                .strong()
                                .color(theme::ACCENT),
                        );
                    } else {
                        ui.label(RichText::new(text).color(theme::MUTED));
                    }
                }
                ui.separator();
                // Over, the guide says so rather than coaching a turn that is not coming.
                let over = p.run.attempt.current_turn().is_none();
                if over {
                    ui.label(
                        RichText::new(lang.t(
                            "■ 对练已结束。点“查看总结”，看每个评分项和下一步练什么。下面是结束时所在的阶段。",
                            "■ The role-play is over. See the summary for each criterion and what to practise next. Below: the stage it ended in.",
                        ))
                        .color(theme::ACCENT),
                    );
                }
                if let Some(st) = stage_id.as_deref().and_then(|s| pb.stage(s)) {
                    ui.label(RichText::new(st.title.get(loc)).heading());
                    ui.label(format!(
                        "{} {}",
                        lang.t("目标：", "Goal:"),
                        st.goal.get(loc)
                    ));
                    // What to do at the turn on screen (the guide runs for it, not for the
                    // reply before).
                    for g in p.guide.iter().filter(|_| !over) {
                        ui.label(RichText::new(format!("◆ {}", g.get(loc))).color(theme::ACCENT));
                    }
                    let section = |ui: &mut Ui, title: &str, items: Vec<String>| {
                        if !items.is_empty() {
                            ui.add_space(4.0);
                            ui.label(RichText::new(title).strong());
                            for i in items {
                                ui.label(format!("• {i}"));
                            }
                        }
                    };
                    section(
                        ui,
                        lang.t("检查清单", "Checklist"),
                        st.checklist
                            .iter()
                            .map(|c| c.text.get(loc).to_owned())
                            .collect(),
                    );
                    section(
                        ui,
                        lang.t("技巧", "Tips"),
                        st.tips.iter().map(|c| c.get(loc).to_owned()).collect(),
                    );
                    section(
                        ui,
                        lang.t("话术", "Talk tracks"),
                        st.talk_tracks
                            .iter()
                            .map(|c| c.get(loc).to_owned())
                            .collect(),
                    );
                    section(
                        ui,
                        lang.t("误区", "Pitfalls"),
                        st.pitfalls.iter().map(|c| c.get(loc).to_owned()).collect(),
                    );
                }
            });
        });
}

/// What the summary offers beside the result: asking a manager for a review, and the
/// trainee's readiness on the playbook.
pub struct Asking<'a> {
    pub question: &'a mut String,
    /// What became of the last question asked.
    pub asked: Option<&'a Result<String, String>>,
    pub readiness: Option<&'a crate::gui::worker::ReadinessData>,
}

pub fn summary_ui(
    ui: &mut Ui,
    lang: Lang,
    lib: &Library,
    run: &LoggedAttempt,
    f: &Finished,
    asking: Asking<'_>,
    out: &mut Vec<Command>,
) {
    let loc = lang.code();
    let pb = &run.attempt.playbook;
    let s = &f.summary;
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading(format!(
                "{} · {}",
                run.attempt.scenario().title.get(loc),
                lang.t("总结", "summary")
            ));
            let verdict = if s.passed {
                RichText::new(lang.t("通过", "Passed")).color(theme::GOOD)
            } else {
                RichText::new(lang.t("未通过", "Not passed")).color(theme::BAD)
            };
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(format!("{} {:.1}/100", lang.t("总分", "Total"), s.total))
                        .size(28.0)
                        .strong()
                        .color(theme::score_color(s.total)),
                );
                ui.label(format!("{} {}", lang.t("及格线", "pass mark"), s.pass_mark));
                ui.label(verdict.size(20.0).strong());
            });
            ui.add_space(8.0);
            // How the total is made: each criterion's average, weight and what it adds.
            egui::Grid::new("criteria").num_columns(4).show(ui, |ui| {
                ui.label(RichText::new(lang.t("评分项", "Criterion")).small());
                ui.label(RichText::new(lang.t("平均分", "Average")).small());
                ui.label(
                    RichText::new(lang.t("权重 / 权重之和", "Weight / sum of weights")).small(),
                );
                ui.label(RichText::new(lang.t("计入总分", "Adds to total")).small());
                ui.end_row();
                let shares = s.shares(pb);
                // Each criterion adds average × weight ÷ the sum of the weights scored.
                let sum: f64 = shares.iter().map(|sh| sh.weight).sum();
                for sh in shares {
                    let title = pb
                        .criterion(&sh.criterion)
                        .map_or(sh.criterion.as_str(), |c| c.title.get(loc));
                    ui.label(title);
                    ui.add(
                        egui::ProgressBar::new((sh.points / 100.0) as f32)
                            .desired_width(220.0)
                            .fill(theme::score_color(sh.points))
                            .text(format!("{:.1}", sh.points)),
                    );
                    ui.label(format!(
                        "× {} / {}",
                        sh.weight,
                        (sum * 100.0).round() / 100.0
                    ));
                    ui.label(format!("{:.1}", sh.adds));
                    ui.end_row();
                }
            });
            if let Some(before) = s.uncapped(pb) {
                ui.label(
                    RichText::new(format!(
                        "{} {before:.1} → {:.1}",
                        lang.t("行为红线封顶：", "Capped by a conduct gate:"),
                        s.total
                    ))
                    .color(theme::BAD),
                );
            }
            if let Some(w) = s.weakest.as_ref().and_then(|w| pb.criterion(w)) {
                ui.label(format!(
                    "{} {}",
                    lang.t("这次最需加强：", "Weakest this time:"),
                    w.title.get(loc)
                ));
            }
            ui.add_space(8.0);
            if f.history.len() > 1 {
                history_plot(ui, lang, &f.history, s.pass_mark);
            }
            practise_next(ui, lang, lib, run, f, out);
            ui.add_space(8.0);
            readiness_ui(ui, lang, pb, asking.readiness);
            ask_ui(ui, lang, asking.question, asking.asked, out);
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button(lang.t("再练一次", "Try again")).clicked() {
                    out.push(Command::OpenPlaybook(pb.id.clone()));
                    out.push(Command::OpenScenario(run.attempt.scenario.clone()));
                }
                if ui.button(lang.t("其他场景", "Other scenarios")).clicked() {
                    out.push(Command::OpenPlaybook(pb.id.clone()));
                }
            });
        });
    });
}

/// The trainee's readiness on each criterion of the playbook (recent attempts weigh more).
fn readiness_ui(
    ui: &mut Ui,
    lang: Lang,
    pb: &Playbook,
    data: Option<&crate::gui::worker::ReadinessData>,
) {
    use crate::readiness::Tier;
    let Some(d) = data else { return };
    let mine: Vec<&crate::readiness::Cell> =
        d.cells.iter().filter(|c| c.playbook == pb.id).collect();
    if mine.is_empty() {
        return;
    }
    let loc = lang.code();
    ui.label(RichText::new(lang.t("我的准备度", "My readiness")).strong())
        .on_hover_text(lang.t(
            "近 90 天的练习，越近的越重要：30 天前的一次只算今天的一半",
            "Your last 90 days of practice, the recent ones weighing more: an attempt 30 days old counts half as much as today's",
        ));
    egui::Grid::new("my-readiness")
        .num_columns(3)
        .show(ui, |ui| {
            for c in pb.rubric.criteria.iter() {
                let Some(cell) = mine.iter().find(|x| x.criterion == c.id) else {
                    continue;
                };
                ui.label(c.title.get(loc));
                ui.label(
                    RichText::new(format!("{:.0}", cell.proficiency))
                        .strong()
                        .color(theme::score_color(cell.proficiency)),
                );
                let tier = cell.tier.describe();
                let color = match cell.tier {
                    Tier::Ready => theme::GOOD,
                    Tier::NeedsWork => theme::BAD,
                    _ => theme::MUTED,
                };
                ui.label(RichText::new(tier.get(lang)).small().color(color));
                ui.end_row();
            }
        });
}

/// Asking a manager to look at this attempt, with a question.
fn ask_ui(
    ui: &mut Ui,
    lang: Lang,
    question: &mut String,
    asked: Option<&Result<String, String>>,
    out: &mut Vec<Command>,
) {
    ui.add_space(6.0);
    ui.label(RichText::new(lang.t("请经理复核", "Ask your manager for a review")).strong());
    ui.horizontal(|ui| {
        let l = ui.label(lang.t("问题", "Question"));
        ui.add(
            egui::TextEdit::singleline(question)
                .id_salt("review-question")
                .hint_text(lang.t(
                    "例如：第 2 条回答为什么扣分？",
                    "e.g. why did reply 2 lose points?",
                ))
                .desired_width(360.0),
        )
        .labelled_by(l.id);
        if ui
            .add_enabled(
                !question.trim().is_empty(),
                egui::Button::new(lang.t("请求复核", "Ask for a review")),
            )
            .clicked()
        {
            out.push(Command::AskReview);
        }
    });
    match asked {
        Some(Ok(m)) => {
            ui.label(RichText::new(m).color(theme::GOOD));
        }
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(theme::BAD));
        }
        None => {}
    }
}

/// The trainee's totals on this scenario so far, with the pass mark.
fn history_plot(ui: &mut Ui, lang: Lang, history: &[f64], pass_mark: u8) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(lang.t("历次成绩", "Your attempts so far")).strong());
        // The legend beside the title, where it covers no point.
        ui.label(RichText::new(format!("━ {}", lang.t("总分", "total"))).color(theme::ACCENT));
        ui.label(
            RichText::new(format!("━ {} {}", lang.t("及格线", "pass mark"), pass_mark))
                .color(theme::MUTED),
        );
    });
    let points: Vec<[f64; 2]> = history
        .iter()
        .enumerate()
        .map(|(i, t)| [i as f64 + 1.0, *t])
        .collect();
    let pass = f64::from(pass_mark);
    let n = history.len() as f64;
    egui_plot::Plot::new("history")
        .height(160.0)
        // Attempts are counted: whole-number ticks, named; the lines are named
        // in the legend beside the title.
        .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 5.0, 10.0]))
        .x_axis_formatter(|mark, _| {
            if mark.value.fract() == 0.0 && mark.value >= 1.0 {
                format!("{}", mark.value as i64)
            } else {
                String::new()
            }
        })
        .x_axis_label(lang.t("第几次", "attempt"))
        .include_y(0.0)
        .include_y(100.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(egui_plot::Line::new(lang.t("总分", "total"), points).color(theme::ACCENT));
            plot.line(
                egui_plot::Line::new(
                    lang.t("及格线", "pass mark"),
                    vec![[1.0, pass], [n.max(2.0), pass]],
                )
                .color(theme::MUTED),
            );
        });
}

/// What to practise next: from all the trainee's practice when known, else this attempt's
/// weakest point.
fn practise_next(
    ui: &mut Ui,
    lang: Lang,
    lib: &Library,
    run: &LoggedAttempt,
    f: &Finished,
    out: &mut Vec<Command>,
) {
    let loc = lang.code();
    let pb = &run.attempt.playbook;
    let s = &f.summary;
    if let Some(next) = &f.next {
        let title = lib
            .playbook(&next.playbook)
            .and_then(|p| p.scenario(&next.scenario))
            .map_or(next.scenario.as_str(), |s| s.title.get(loc));
        let crit = lib
            .playbook(&next.playbook)
            .and_then(|p| p.criterion(&next.criterion))
            .map_or(next.criterion.as_str(), |c| c.title.get(loc));
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{} {title} ({crit} {} {:.1})",
                lang.t(
                    "按你的全部练习，建议下一个：",
                    "From all your practice, practise next:"
                ),
                lang.t("历次平均", "averages over all attempts"),
                next.average
            ));
            if ui.button(lang.t("去练习", "Practise it")).clicked() {
                out.push(Command::OpenPlaybook(next.playbook.clone()));
                out.push(Command::OpenScenario(next.scenario.clone()));
            }
        });
    } else if let Some(next) = s.suggested.as_ref().and_then(|id| pb.scenario(id)) {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{} {}",
                lang.t(
                    "练这次最弱的一项，建议：",
                    "To train this time's weakest point, practise:"
                ),
                next.title.get(loc)
            ));
            if ui.button(lang.t("去练习", "Practise it")).clicked() {
                out.push(Command::OpenPlaybook(pb.id.clone()));
                out.push(Command::OpenScenario(next.id.clone()));
            }
        });
    }
}
