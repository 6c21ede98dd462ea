//! The trainer's authoring view: the tree of playbooks and scripts, the editor with its
//! problems list, and "try it" (a sample reply scored against the draft, added as a test).

use egui::{Color32, RichText, Ui};

use super::{Author, Cmd, Editor, Pending, Side};
use crate::author::{FileEntry, Kind, Origin};
use crate::gui::command::{Command, PromptAnswer};
use crate::gui::highlight::Syntax;
use crate::gui::state::Lang;
use crate::gui::theme;
use crate::playbook::model::{Playbook, Reply, Target};
use crate::playbook::{Library, Severity};
use crate::practice::ReplyRecord;
use crate::practice::score::Source;

/// The editor's widget id (tests find its cursor by it).
pub fn editor_id() -> egui::Id {
    egui::Id::unique("author-editor")
}

pub fn author_ui(
    ui: &mut Ui,
    lang: Lang,
    lib: &Library,
    a: &mut Author,
    busy: bool,
    out: &mut Vec<Command>,
) {
    if let Some(p) = &a.prompt {
        prompt_ui(ui, lang, p, a.open.as_deref(), out);
    }
    // On a small window the right panel starts narrower, so the editor keeps its columns
    // (the file list keeps the width its longest names need).
    let wide = ui.available_width();
    egui::Panel::left("author-files")
        .default_size(260.0)
        .size_range(200.0..=420.0)
        .show(ui, |ui| files_ui(ui, lang, lib, a, out));
    // The trainer's file is a copy of a bundled one (deleting it gives the bundled one back).
    let copy_of_bundled = a.open.as_ref().is_some_and(|ed| {
        ed.entry.origin == Origin::User
            && a.files
                .iter()
                .any(|f| f.origin == Origin::Bundled && f.key == ed.entry.key)
    });
    if a.confirm_remove {
        let name = a
            .open
            .as_ref()
            .map_or("", |e| e.entry.key.as_str())
            .to_owned();
        let modal = egui::Modal::new(egui::Id::unique("remove-file")).show(ui.ctx(), |ui| {
            ui.heading(lang.t("删除这个文件？", "Delete this file?"));
            ui.label(crate::msg::delete_file_explained(&name).take(lang));
            ui.horizontal(|ui| {
                if ui.button(lang.t("删除", "Delete")).clicked() {
                    out.push(Command::Author(Cmd::ConfirmRemove(true)));
                }
                if ui.button(lang.t("取消", "Cancel")).clicked() {
                    out.push(Command::Author(Cmd::ConfirmRemove(false)));
                }
            });
        });
        if modal.should_close() && out.is_empty() {
            out.push(Command::Author(Cmd::ConfirmRemove(false)));
        }
    }
    // A bundled file the trainer's copy replaces (the copy is the one loaded).
    let replaced = a.open.as_ref().is_some_and(|ed| {
        ed.entry.origin == Origin::Bundled
            && a.files
                .iter()
                .any(|f| f.origin == Origin::User && f.key == ed.entry.key)
    });
    let Some(ed) = a.open.as_deref_mut() else {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading(lang.t("编写剧本", "Author playbooks"));
            notice_ui(ui, a.notice.as_ref().map(|n| n.get(lang)));
            ui.label(lang.t(
                "在左边选择一个文件，或新建一个剧本。内置剧本只读：复制到“我的剧本”后即可修改，修改后的版本会替换内置版本。",
                "Choose a file on the left, or create a new playbook. Bundled playbooks are read-only: copy one to “My playbooks” to change it; your copy then replaces the bundled one.",
            ));
            if let Some(root) = &a.root {
                ui.label(
                    RichText::new(format!("{} {root}", lang.t("我的剧本文件夹：", "Your folder:")))
                        .color(theme::MUTED),
                );
            }
        });
        return;
    };
    if ed.entry.kind == Kind::Playbook {
        egui::Panel::right("author-try")
            .default_size((wide * 0.3).clamp(280.0, 380.0))
            .size_range(280.0..=560.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    for (side, zh, en) in [
                        (Side::Try, "试一试", "Try it"),
                        (Side::Grade, "人工评分", "Grade"),
                        (Side::Concepts, "概念", "Concepts"),
                    ] {
                        if ui
                            .selectable_label(ed.side == side, lang.t(zh, en))
                            .clicked()
                            && ed.side != side
                        {
                            out.push(Command::Author(Cmd::Side(side)));
                        }
                    }
                });
                ui.separator();
                match ed.side {
                    Side::Try => try_ui(ui, lang, ed, replaced, busy, out),
                    Side::Grade => super::grade_ui::grade_ui(ui, lang, ed, out),
                    Side::Concepts => super::grade_ui::concepts_ui(ui, lang, lib, ed),
                }
            });
    }
    egui::Panel::bottom("author-problems")
        .default_size(150.0)
        .size_range(80.0..=360.0)
        .show(ui, |ui| problems_ui(ui, lang, ed, out));
    if a.notice_is_saved && ed.is_dirty() {
        a.notice = None;
        a.notice_is_saved = false;
    }
    egui::CentralPanel::default().show(ui, |ui| {
        toolbar_ui(ui, lang, ed, copy_of_bundled, out);
        notice_ui(ui, a.notice.as_ref().map(|n| n.get(lang)));
        if ed.graph && ed.entry.kind == Kind::Playbook {
            super::graph_ui::graph_ui(ui, lang, ed, out);
        } else {
            editor_ui(ui, ed);
        }
    });
}

fn notice_ui(ui: &mut Ui, notice: Option<&str>) {
    if let Some(n) = notice {
        theme::problem(ui, n, theme::ACCENT);
    }
}

fn prompt_ui(ui: &mut Ui, lang: Lang, p: &Pending, ed: Option<&Editor>, out: &mut Vec<Command>) {
    let name = ed.map_or("", |e| e.entry.name());
    let modal = egui::Modal::new(egui::Id::unique("unsaved")).show(ui.ctx(), |ui| {
        ui.heading(lang.t("有未保存的修改", "Unsaved changes"));
        ui.label(crate::msg::changes_not_saved(name).take(lang));
        let then = match p {
            Pending::Quit => lang.t("保存后退出？", "Save them before quitting?"),
            Pending::Then(c) => match **c {
                Command::Author(Cmd::Open(_)) => lang.t(
                    "保存后打开另一个文件？",
                    "Save them before opening another file?",
                ),
                Command::Author(Cmd::New) => lang.t(
                    "保存后新建剧本？",
                    "Save them before creating a new playbook?",
                ),
                _ => lang.t("保存后离开编辑器？", "Save them before leaving the editor?"),
            },
        };
        ui.label(then);
        ui.horizontal(|ui| {
            if ui.button(lang.t("保存修改", "Save changes")).clicked() {
                out.push(Command::Author(Cmd::Prompt(PromptAnswer::Save)));
            }
            if ui.button(lang.t("不保存", "Don't save")).clicked() {
                out.push(Command::Author(Cmd::Prompt(PromptAnswer::Discard)));
            }
            if ui.button(lang.t("取消", "Cancel")).clicked() {
                out.push(Command::Author(Cmd::Prompt(PromptAnswer::Cancel)));
            }
        });
    });
    if modal.should_close() && out.is_empty() {
        out.push(Command::Author(Cmd::Prompt(PromptAnswer::Cancel)));
    }
}

fn file_label(f: &FileEntry) -> String {
    let icon = match f.kind {
        Kind::Playbook => "◇",
        Kind::Personas => "○",
        Kind::Concepts => "◎",
        Kind::Script => "※",
    };
    format!("{icon} {}", f.name())
}

fn files_ui(ui: &mut Ui, lang: Lang, lib: &Library, a: &mut Author, out: &mut Vec<Command>) {
    // A playbook file's title, as loaded now.
    let title = |f: &FileEntry| {
        let file = f
            .path
            .as_deref()
            .map_or(f.key.clone(), crate::author::display_of);
        lib.playbooks
            .iter()
            .find(|p| p.source.file == file)
            .map(|p| format!("{}\n{}", p.title.get(lang.code()), f.key))
            .unwrap_or_else(|| f.key.clone())
    };
    egui::ScrollArea::vertical()
        .id_salt("author-files")
        .show(ui, |ui| {
            let open_key = a
                .open
                .as_ref()
                .map(|e| (e.entry.origin, e.entry.key.clone()));
            ui.label(RichText::new(lang.t("我的剧本", "My playbooks")).strong());
            let mine: Vec<&FileEntry> = a
                .files
                .iter()
                .filter(|f| f.origin == Origin::User)
                .collect();
            if mine.is_empty() {
                ui.label(
                    RichText::new(lang.t("还没有文件。", "No files yet.")).color(theme::MUTED),
                );
            }
            for f in mine {
                let selected = open_key.as_ref() == Some(&(f.origin, f.key.clone()));
                let overrides = a
                    .files
                    .iter()
                    .any(|b| b.origin == Origin::Bundled && b.key == f.key);
                let r = ui.selectable_label(selected, file_label(f));
                // Hover texts are built only when shown.
                let r = r.on_hover_ui(|ui| {
                    ui.label(title(f));
                    if overrides {
                        ui.label(lang.t(
                            "替换同名的内置文件",
                            "Replaces the bundled file of this name",
                        ));
                    }
                });
                if r.clicked() && !selected {
                    out.push(Command::Author(Cmd::Open(f.clone())));
                }
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                let l = ui.label(lang.t("新剧本标识", "New playbook id"));
                ui.add(
                    egui::TextEdit::singleline(&mut a.new_id)
                        .hint_text("my-playbook")
                        .desired_width(110.0),
                )
                .on_hover_text(lang.t(
                    "小写英文字母、数字和连字符；也是文件名",
                    "Lower-case letters, digits and hyphens; it is also the file name",
                ))
                .labelled_by(l.id);
            });
            if ui
                .button(lang.t("＋ 新建剧本", "＋ New playbook"))
                .on_hover_text(lang.t(
                    "从模板创建，模板本身可以通过校验和测试",
                    "From a template that validates and passes its test",
                ))
                .clicked()
            {
                out.push(Command::Author(Cmd::New));
            }
            if let Some((text, problems)) = &a.reloaded {
                let color = if *problems { WARN } else { theme::MUTED };
                ui.label(RichText::new(text.get(lang)).small().color(color));
            }
            ui.separator();
            ui.label(RichText::new(lang.t("内置（只读）", "Bundled (read-only)")).strong());
            for f in a.files.iter().filter(|f| f.origin == Origin::Bundled) {
                let selected = open_key.as_ref() == Some(&(f.origin, f.key.clone()));
                if ui
                    .selectable_label(selected, file_label(f))
                    .on_hover_ui(|ui| {
                        ui.label(title(f));
                    })
                    .clicked()
                    && !selected
                {
                    out.push(Command::Author(Cmd::Open(f.clone())));
                }
            }
        });
}

fn toolbar_ui(
    ui: &mut Ui,
    lang: Lang,
    ed: &mut Editor,
    replaced_bundled: bool,
    out: &mut Vec<Command>,
) {
    // Wrapped: in a narrow window the status goes to the next line rather than under the
    // try-it panel.
    ui.horizontal_wrapped(|ui| {
        let dirty = ed.is_dirty();
        // The editor is labelled by the file's name (the dirty mark is apart from it).
        ed.name_label = Some(ui.label(RichText::new(&ed.entry.key).strong()).id);
        if ed.entry.kind == Kind::Playbook {
            let label = if ed.graph {
                lang.t("▤ 文本", "▤ Text")
            } else {
                lang.t("▦ 场景图", "▦ Scenario graph")
            };
            if ui
                .selectable_label(ed.graph, label)
                .on_hover_text(lang.t(
                    "在文本和场景图之间切换",
                    "Switch between the text and the scenario graph",
                ))
                .clicked()
            {
                ed.graph = !ed.graph;
            }
        }
        if !ed.graph {
            ui.checkbox(&mut ed.wrap, lang.t("自动换行", "Wrap lines"))
                .on_hover_text(lang.t(
                    "长行在编辑器宽度处折行显示（文件内容不变）",
                    "Long lines wrap at the editor's width (the file is not changed)",
                ));
        }
        // The mark keeps its place when clean, so the buttons after it do not move.
        let mark = ui.label(RichText::new("●").color(if dirty {
            theme::ACCENT
        } else {
            egui::Color32::TRANSPARENT
        }));
        if dirty {
            mark.on_hover_text(lang.t("有未保存的修改", "Unsaved changes"));
        }
        if ed.entry.origin == Origin::Bundled {
            ui.label(RichText::new(lang.t("只读", "read-only")).color(theme::MUTED));
            if ui
                .button(lang.t("复制到我的剧本以修改", "Copy to my playbooks to edit"))
                .clicked()
            {
                out.push(Command::Author(Cmd::Copy(ed.entry.key.clone())));
            }
            return;
        }
        if ui
            .add_enabled(dirty, egui::Button::new(lang.t("保存", "Save")))
            .on_hover_text("Ctrl+S")
            .clicked()
        {
            out.push(Command::Author(Cmd::Save));
        }
        if ui
            .add_enabled(dirty, egui::Button::new(lang.t("撤销修改", "Revert")))
            .on_hover_text(lang.t("恢复为磁盘上的版本", "Back to the file on disk"))
            .clicked()
        {
            out.push(Command::Author(Cmd::Revert));
        }
        let (label, hover) = if replaced_bundled {
            (
                lang.t("删除我的副本", "Delete my copy"),
                lang.t(
                    "删除这个副本，恢复使用内置版本",
                    "Delete this copy and go back to the bundled one",
                ),
            )
        } else {
            (
                lang.t("删除", "Delete"),
                lang.t(
                    "学员将不再看到这个文件定义的内容",
                    "Trainees no longer see what this file defines",
                ),
            )
        };
        if ui.button(label).on_hover_text(hover).clicked() {
            out.push(Command::Author(Cmd::Remove));
        }
        match ed.checked_seq == ed.seq {
            false => {
                ui.add(egui::Spinner::new());
                ui.label(RichText::new(lang.t("校验中…", "checking…")).color(theme::MUTED));
            }
            true => {
                let (e, w) = ed.counts();
                let (text, color) = if e + w == 0 {
                    (
                        lang.t("✓ 没有问题", "✓ No problems").to_owned(),
                        theme::GOOD,
                    )
                } else {
                    (
                        crate::msg::problems_count(e, w).take(lang),
                        if e > 0 { theme::BAD } else { WARN },
                    )
                };
                ui.add(egui::Label::new(RichText::new(text).color(color)).extend());
            }
        }
    });
    if ed.disk_changed {
        ui.horizontal(|ui| {
            ui.colored_label(
                theme::BAD,
                lang.t(
                    "这个文件在磁盘上被其他程序修改了。",
                    "This file was changed on disk by another program.",
                ),
            );
            if ui
                .button(lang.t("载入磁盘上的版本", "Load the version on disk"))
                .clicked()
            {
                out.push(Command::Author(Cmd::Revert));
            }
        });
    }
    if let Some(text) = &ed.recovered {
        ui.horizontal(|ui| {
            ui.colored_label(
                theme::ACCENT,
                crate::msg::unsaved_found(text.lines().count()).take(lang),
            );
            if ui.button(lang.t("恢复", "Restore")).clicked() {
                out.push(Command::Author(Cmd::Restore(true)));
            }
            if ui.button(lang.t("丢弃", "Discard")).clicked() {
                out.push(Command::Author(Cmd::Restore(false)));
            }
        });
    }
}

fn editor_ui(ui: &mut Ui, ed: &mut Editor) {
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let syntax = Syntax::of(&ed.entry.key);
    let read_only = ed.entry.origin == Origin::Bundled;
    let goto = ed.goto.take();
    let name_label = ed.name_label;
    // Wrapped, the text takes the width left beside the line numbers; else lines are not
    // wrapped (YAML's indentation is its structure), the editor is as wide as its longest
    // line and the view scrolls sideways to it.
    let digits = ed.text.split('\n').count().to_string().len() as f32;
    let gutter_width = ui.fonts_mut(|f| f.glyph_width(&font, '0')) * digits + 4.0;
    let wrap_at = ed.wrap.then(|| {
        // The scroll bar and the text edit's own margins.
        (ui.available_width() - gutter_width - 4.0 - ui.spacing().scroll.bar_width - 16.0)
            .max(120.0)
    });
    if ed.wrapped_at != wrap_at {
        ed.wrapped_at = wrap_at;
        ui.ctx().request_repaint();
    }
    let galley = ed.layout.get_wrapped(ui, &ed.text, syntax, &font, wrap_at);
    let text_width = galley.size().x;
    let gutter = gutter(ui, ed, &galley, &font);
    let text = &mut ed.text;
    let cache = &mut ed.layout;
    let mut layouter = |ui: &Ui, buf: &dyn egui::TextBuffer, _wrap: f32| {
        cache.get_wrapped(ui, buf.as_str(), syntax, &font, wrap_at)
    };
    let mut changed = false;
    let scroll = if wrap_at.is_some() {
        egui::ScrollArea::vertical()
    } else {
        egui::ScrollArea::both()
    };
    scroll
        .id_salt("author-editor-scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                ui.spacing_mut().item_spacing.x = 4.0;
                egui::Frame::new()
                    .inner_margin(egui::Margin::symmetric(0, 2))
                    .show(ui, |ui| {
                        ui.add(
                            egui::Label::new(gutter)
                                .selectable(false)
                                .halign(egui::Align::Max),
                        );
                    });
                let id = editor_id();
                if let Some((line, column)) = goto {
                    let index = char_index(text, line, column);
                    let mut state = egui::TextEdit::load_state(ui.ctx(), id).unwrap_or_default();
                    state
                        .cursor
                        .set_char_range(Some(egui::text::CCursorRange::one(
                            egui::text::CCursor::new(index),
                        )));
                    egui::TextEdit::store_state(ui.ctx(), id, state);
                    ui.memory_mut(|m| m.request_focus(id));
                }
                // Tab indents with spaces: YAML forbids tabs in indentation.
                if ui.memory(|m| m.has_focus(id))
                    && !read_only
                    && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Tab))
                {
                    let indent = match syntax {
                        Syntax::Yaml => "  ",
                        Syntax::Rhai => "    ",
                    };
                    ui.input_mut(|i| i.events.push(egui::Event::Text(indent.into())));
                }
                let output = egui::TextEdit::multiline(text)
                    .id(id)
                    .code_editor()
                    .interactive(!read_only)
                    .lock_focus(true)
                    .desired_width(if wrap_at.is_some() {
                        ui.available_width()
                    } else {
                        (text_width + 24.0).max(ui.available_width())
                    })
                    .desired_rows(30)
                    .layouter(&mut layouter)
                    .show(ui);
                if let Some(l) = name_label {
                    let _ = egui::Response::clone(&output.response).labelled_by(l);
                }
                if let Some((line, column)) = goto {
                    let index = char_index(text, line, column);
                    let r = output
                        .galley
                        .pos_from_cursor(egui::text::CCursor::new(index))
                        .translate(output.galley_pos.to_vec2());
                    ui.scroll_to_rect(r.expand(40.0), Some(egui::Align::Center));
                }
                changed = output.response.changed();
            });
        });
    if changed {
        ed.touch();
    }
}

/// Line numbers beside the rows of the laid-out text (a wrapped line's continuation rows
/// have none), those with an error or a warning in its colour; laid out again only when the
/// rows or the problems change.
fn gutter(
    ui: &Ui,
    ed: &mut Editor,
    text: &egui::Galley,
    font: &egui::FontId,
) -> std::sync::Arc<egui::Galley> {
    // For each row, whether it starts a line.
    let mut starts = Vec::with_capacity(text.rows.len());
    let mut at_start = true;
    for row in &text.rows {
        starts.push(at_start);
        at_start = row.ends_with_newline;
    }
    let key = (
        &starts,
        ed.checked_seq,
        ui.visuals().dark_mode,
        font.size.to_bits(),
    );
    let (diagnostics, cache) = (&ed.diagnostics, &mut ed.gutter);
    cache.get_with(ui, key, || gutter_job(ui, &starts, diagnostics, font))
}

fn gutter_job(
    ui: &Ui,
    starts: &[bool],
    diagnostics: &[crate::playbook::Diagnostic],
    font: &egui::FontId,
) -> egui::text::LayoutJob {
    let mut marked: std::collections::BTreeMap<u32, Severity> = Default::default();
    for d in diagnostics {
        if let Some(p) = d.pos {
            let e = marked.entry(p.line).or_insert(d.severity);
            *e = (*e).min(d.severity);
        }
    }
    let mut job = egui::text::LayoutJob::default();
    let mut n = 0;
    for &start in starts {
        if !start {
            job.append(
                "\n",
                0.0,
                egui::TextFormat::simple(font.clone(), Color32::TRANSPARENT),
            );
            continue;
        }
        n += 1;
        let color = match marked.get(&n) {
            Some(Severity::Error) => theme::BAD,
            Some(Severity::Warning) => WARN,
            None => ui.visuals().weak_text_color(),
        };
        job.append(
            &format!("{n}\n"),
            0.0,
            egui::TextFormat::simple(font.clone(), color),
        );
    }
    job
}

const WARN: Color32 = Color32::from_rgb(0xc9, 0x8a, 0x1b);

/// The character index of a 1-based line and column (clamped to the text).
pub fn char_index(text: &str, line: u32, column: u32) -> usize {
    let mut index = 0;
    for (n, l) in text.split('\n').enumerate() {
        let len = l.chars().count();
        if n + 1 == line as usize {
            return index + (column.max(1) as usize - 1).min(len);
        }
        index += len + 1;
    }
    text.chars().count()
}

/// What needs a translator in the open playbook, as `validate --locales` says it.
fn translation_lines(ed: &Editor, lang: Lang) -> Vec<String> {
    use crate::msg;
    use crate::playbook::locales::{self, Record};
    let Some((declared, entries)) = locales::texts(&ed.text) else {
        return vec![
            lang.t(
                "文件有错误，暂时无法检查翻译。",
                "The file has errors: translations cannot be checked yet.",
            )
            .to_owned(),
        ];
    };
    let record: Option<Record> = ed.entry.path.as_deref().and_then(locales::read_record);
    let found = locales::check(&declared, &entries, record.as_ref());
    if found.is_empty() {
        return vec![msg::translations_ok().take(lang).trim().to_owned()];
    }
    found
        .iter()
        .map(|f| f.text().take(lang).trim().to_owned())
        .collect()
}

fn problems_ui(ui: &mut Ui, lang: Lang, ed: &mut Editor, out: &mut Vec<Command>) {
    if ed.entry.kind == Kind::Playbook && ed.show_translations {
        ui.horizontal(|ui| {
            ui.label(RichText::new(lang.t("翻译", "Translations")).strong());
            if ui
                .small_button(lang.t("返回问题", "Back to problems"))
                .clicked()
            {
                ed.show_translations = false;
            }
        });
        if ed
            .translations
            .as_ref()
            .is_none_or(|(seq, l, _)| *seq != ed.seq || *l != lang)
        {
            ed.translations = Some((ed.seq, lang, translation_lines(ed, lang)));
        }
        egui::ScrollArea::vertical()
            .id_salt("author-translations")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for line in ed.translations.iter().flat_map(|(_, _, l)| l) {
                    ui.label(line);
                }
            });
        return;
    }
    ui.horizontal(|ui| {
        ui.label(RichText::new(lang.t("问题", "Problems")).strong());
        if ed.other_errors > 0 {
            ui.label(
                RichText::new(crate::msg::errors_in_other_files(ed.other_errors).take(lang))
                .color(theme::MUTED),
            );
        }
        if ed.entry.kind == Kind::Playbook
            && ui
                .small_button(lang.t("翻译检查", "Translations"))
                .on_hover_text(lang.t(
                    "缺少的语言版本，以及只改了一种语言的文字（同 validate --locales）",
                    "Missing locales, and texts changed in one language only (as validate --locales)",
                ))
                .clicked()
        {
            ed.show_translations = true;
        }
    });
    let ed = &*ed;
    egui::ScrollArea::vertical()
        .id_salt("author-problems")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if ed.diagnostics.is_empty() && ed.checked_seq == ed.seq {
                ui.label(RichText::new(lang.t("没有问题。", "No problems.")).color(theme::MUTED));
            }
            for d in &ed.diagnostics {
                let (mark, color) = match d.severity {
                    Severity::Error => ("×", theme::BAD),
                    Severity::Warning => ("▲", WARN),
                };
                let at = d
                    .pos
                    .map_or(String::new(), |p| format!("{}:{}", p.line, p.column));
                // A parser's own words stay on a details line of their own.
                let (message, details) = crate::msg::split_details(d.message_in(lang));
                let mut text = format!("{mark} {at}  {message}");
                if let Some(h) = d.help_in(lang) {
                    text.push_str(&format!(" — {h}"));
                }
                let r = ui.add(
                    egui::Button::new(RichText::new(text).color(color))
                        .frame(false)
                        .wrap(),
                );
                if let Some(x) = details {
                    ui.label(
                        RichText::new(format!("    详情：{x}"))
                            .small()
                            .color(theme::MUTED),
                    );
                }
                if r.clicked()
                    && let Some(p) = d.pos
                {
                    out.push(Command::Author(Cmd::Goto {
                        line: p.line,
                        column: p.column,
                    }));
                }
                if let Some(fix) = quick_fix(d).filter(|_| ed.entry.origin == Origin::User)
                    && ui
                        .small_button(crate::msg::change_to(&fix.3).take(lang))
                        .clicked()
                {
                    out.push(Command::Author(Cmd::Fix {
                        line: fix.0,
                        column: fix.1,
                        from: fix.2,
                        to: fix.3,
                    }));
                }
            }
        });
}

/// The one-click fix a diagnostic offers: its "did you mean 'x'?" in place of the word it
/// names (the first `word` or 'word' of its message), at its position.
fn quick_fix(d: &crate::playbook::Diagnostic) -> Option<(u32, u32, String, String)> {
    let p = d.pos?;
    let help = d.help.as_deref()?;
    let to = help.strip_prefix("did you mean '")?.strip_suffix("'?")?;
    let quoted = |s: &str, q: char| -> Option<String> {
        let start = s.find(q)? + q.len_utf8();
        let end = s[start..].find(q)? + start;
        Some(s[start..end].to_owned())
    };
    let from = quoted(&d.message, '`').or_else(|| quoted(&d.message, '\''))?;
    // A suggestion written with a prefix (`@list`) replaces the word with its prefix.
    let from = if to.starts_with('@') && !from.starts_with('@') {
        format!("@{from}")
    } else {
        from
    };
    (!from.is_empty() && from != to).then(|| (p.line, p.column, from, to.to_owned()))
}

fn try_ui(
    ui: &mut Ui,
    lang: Lang,
    ed: &mut Editor,
    replaced: bool,
    busy: bool,
    out: &mut Vec<Command>,
) {
    let loc = lang.code();
    let Some(pb) = ed.draft.clone() else {
        let why = if replaced {
            lang.t(
                "“我的剧本”里的副本替换了这个内置剧本：请在副本里试评分。",
                "Your copy in “My playbooks” replaces this bundled playbook: try replies in your copy.",
            )
        } else {
            lang.t(
                "剧本通过校验后，可在这里用样例回答试评分。",
                "Once the playbook validates, try sample replies here.",
            )
        };
        ui.label(RichText::new(why).color(theme::MUTED));
        return;
    };
    egui::ScrollArea::vertical()
        .id_salt("author-try")
        .show(ui, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
            if ed.counts().0 > 0 {
                ui.label(
                    RichText::new(lang.t(
                        "文件有错误：按上一个有效版本评分。",
                        "The file has errors: replies are scored on its last valid version.",
                    ))
                    .color(WARN),
                );
            }
            let Some(turn) = turn_picker(ui, lang, &pb, &mut ed.try_scenario, &mut ed.try_turn)
            else {
                return;
            };
            theme::card(ui, theme::CUSTOMER_BG, |ui| {
                ui.label(turn.customer.get(loc));
            });
            match &turn.reply {
                Reply::FreeText => {
                    let l = ui.label(lang.t("样例回答", "Sample reply"));
                    ui.add(
                        egui::TextEdit::multiline(&mut ed.try_reply)
                            .desired_rows(3)
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(l.id);
                }
                Reply::Choice(opts) => {
                    for o in opts {
                        ui.radio_value(&mut ed.try_option, o.id.clone(), o.text.get(loc));
                    }
                }
            }
            try_buttons(ui, lang, ed, busy, out);
            let mut go_next = None;
            // A result belongs to the turn it was scored at: another turn chosen, it is not
            // shown (nor offered as a test of this one).
            let here = ed
                .tried_input
                .as_ref()
                .is_some_and(|(s, t, _)| *s == ed.try_scenario && *t == ed.try_turn);
            if let Some(tried) = ed.tried.as_ref().filter(|_| here) {
                ui.separator();
                match tried {
                    Err(e) => {
                        ui.colored_label(theme::BAD, e);
                    }
                    Ok(r) => {
                        go_next = scored_ui(ui, lang, &pb, r, ed.entry.origin, ed.counts().0, out)
                    }
                }
            }
            if let Some(t) = go_next {
                ed.try_turn = t;
                ed.tried = None;
                ed.tried_input = None;
                ed.try_reply.clear();
                ed.try_option.clear();
            }
            tests_ui(ui, lang, ed, out);
        });
}

/// The scenario and turn lists of the right-hand panel (the same choice in "try it" and the
/// grade pane); the turn chosen.
pub(super) fn turn_picker<'p>(
    ui: &mut Ui,
    lang: Lang,
    pb: &'p Playbook,
    scenario: &mut String,
    turn: &mut String,
) -> Option<&'p crate::playbook::model::Turn> {
    let loc = lang.code();
    let l = ui.label(lang.t("场景", "Scenario"));
    let scen_title = pb
        .scenario(scenario)
        .map_or(String::new(), |s| s.title.get(loc).to_owned());
    egui::ComboBox::from_id_salt("try-scenario")
        .selected_text(scen_title)
        .show_ui(ui, |ui| {
            for s in &pb.scenarios {
                ui.selectable_value(scenario, s.id.clone(), s.title.get(loc));
            }
        })
        .response
        .labelled_by(l.id);
    let scen = pb.scenario(scenario)?;
    let l = ui.label(lang.t("回合", "Turn"));
    let shown = scen
        .turns
        .iter()
        .position(|t| t.id == *turn)
        .map_or(String::new(), |i| format!("{}. {}", i + 1, turn));
    egui::ComboBox::from_id_salt("try-turn")
        .selected_text(RichText::new(shown).monospace())
        .show_ui(ui, |ui| {
            for (i, t) in scen.turns.iter().enumerate() {
                let color = ui.visuals().text_color();
                let job = theme::id_then(ui.style(), &format!("{}. {}", i + 1, t.id), "", color);
                ui.selectable_value(turn, t.id.clone(), job);
            }
        })
        .response
        .labelled_by(l.id);
    scen.turn(turn)
}

/// Score the sample, run the tests, and how the last run went.
fn try_buttons(ui: &mut Ui, lang: Lang, ed: &Editor, busy: bool, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        // Clicked while the text is being checked, the command waits for the check.
        let ready = ed.draft.is_some() && ed.waiting.is_none();
        if ui
            .add_enabled(ready, egui::Button::new(lang.t("评分", "Score it")))
            .clicked()
        {
            out.push(Command::Author(Cmd::TryReply));
        }
        if ui
            .add_enabled(ready, egui::Button::new(lang.t("运行测试", "Run tests")))
            .on_hover_text(lang.t(
                "运行这个剧本的全部测试（同 salesdojo test）",
                "Runs this playbook's tests (as `salesdojo test` does)",
            ))
            .clicked()
        {
            out.push(Command::Author(Cmd::RunTests));
        }
        // Publishing reads the saved file: an unsaved or broken one waits.
        let publishable = ed.entry.path.is_some() && ed.text == ed.saved && ed.draft.is_some();
        if ui
            .add_enabled(publishable, egui::Button::new(lang.t("发布", "Publish")))
            .on_hover_text(lang.t(
                "检查并运行测试后，把这个剧本发布为新版本，所有学员都会用上",
                "Checks it and runs its tests, then publishes this playbook as its next version for every trainee",
            ))
            .on_disabled_hover_text(lang.t(
                "先保存你自己的剧本文件，并改好所有错误",
                "Save your own playbook file and fix its errors first",
            ))
            .clicked()
        {
            out.push(Command::Author(Cmd::Publish));
        }
        // The count where the eye is; the details below, scrolled into view.
        if let Some(run) = &ed.tests {
            let color = if run.failures.is_empty() {
                theme::GOOD
            } else {
                theme::BAD
            };
            ui.label(
                RichText::new(
                    crate::msg::tests_passed_failed(run.passed, run.failures.len()).take(lang),
                )
                .color(color),
            )
            .on_hover_text(lang.t("通过 / 失败的测试", "tests passed / failed"));
        }
        if ed.waiting.is_some() || (busy && ed.checked_seq != ed.seq) {
            ui.add(egui::Spinner::new());
            ui.label(RichText::new(lang.t("正在检查…", "Checking…")).weak());
        }
    });
    match &ed.published {
        Some(Ok(m)) => {
            ui.label(RichText::new(m).color(theme::GOOD));
        }
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(theme::BAD).monospace());
        }
        None => {}
    }
}

/// A tried reply's score: each criterion with the trace of its points, the feedback and
/// hints, where the role-play goes next, and adding it as a test. Returns the next turn when
/// the trainer asks to try it.
fn scored_ui(
    ui: &mut Ui,
    lang: Lang,
    pb: &Playbook,
    r: &ReplyRecord,
    origin: Origin,
    errors: usize,
    out: &mut Vec<Command>,
) -> Option<String> {
    let loc = lang.code();
    let mut go_next = None;
    let s = &r.scored;
    ui.label(
        RichText::new(format!("{} {}/100", lang.t("得分", "Score"), s.rounded()))
            .strong()
            .color(theme::score_color(s.score)),
    );
    for c in &s.criteria {
        let title = pb
            .criterion(&c.criterion)
            .map_or(c.criterion.as_str(), |cr| cr.title.get(loc));
        ui.horizontal(|ui| {
            ui.label(RichText::new(title).strong());
            ui.label(
                RichText::new(format!("{:.0}", c.points))
                    .strong()
                    .color(theme::score_color(c.points)),
            );
            // The rules' points as the rubric's scale reads them.
            if let Some(raw) = c.unscaled {
                ui.label(
                    RichText::new(format!(
                        "({} {raw:.0} → {:.0})",
                        lang.t("尺度", "scale"),
                        c.points
                    ))
                    .small()
                    .color(theme::MUTED),
                );
            }
        });
        for t in &c.trace {
            let src = match &t.source {
                Source::Base => lang.t("基础分", "base").to_owned(),
                Source::Rule { rule } => {
                    format!("{} {rule}", lang.t("规则", "rule"))
                }
                Source::Option { option } => {
                    format!("{} {option}", lang.t("选项", "option"))
                }
                Source::Script { file } | Source::ScriptSet { file } => {
                    format!("{} {file}", lang.t("脚本", "script"))
                }
            };
            // A script's `set` is the value, not a change.
            let points = match t.source {
                Source::ScriptSet { .. } => {
                    format!("{} {}", lang.t("设为", "set to"), t.points)
                }
                _ => format!("{:+}", t.points),
            };
            let words = if t.matched.is_empty() {
                String::new()
            } else {
                format!("  ({})", t.matched.join("; "))
            };
            ui.label(
                RichText::new(format!("    {src}  {points}{words}"))
                    .small()
                    .color(theme::MUTED),
            );
        }
    }
    for f in &s.feedback {
        ui.label(format!("· {}", f.get(loc)));
    }
    for h in s.hints.iter().chain(&r.guide_hint) {
        ui.label(RichText::new(format!("※ {}", h.get(loc))).color(theme::ACCENT));
    }
    if let Some(n) = r.notice_in(lang) {
        ui.colored_label(theme::BAD, n);
    }
    let next = match &s.next {
        Target::Turn(t) => format!("{} {t}", lang.t("下一回合：", "Next turn:")),
        Target::End(Some(e)) => format!("{} {e}", lang.t("结束：", "Ends:")),
        Target::End(None) => lang.t("对练结束", "The role-play ends").to_owned(),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(next).color(theme::MUTED));
        if let Target::Turn(t) = &s.next
            && ui
                .button(lang.t("→ 试下一回合", "→ Try the next turn"))
                .clicked()
        {
            go_next = Some(t.clone());
        }
    });
    if origin == Origin::Bundled {
        ui.label(
            RichText::new(lang.t(
                "复制到我的剧本后可把样例添加为测试。",
                "Copy it to your playbooks to add samples as tests.",
            ))
            .color(theme::MUTED),
        );
    } else if ui
        .add_enabled(
            errors == 0,
            egui::Button::new(lang.t("＋ 添加为测试", "＋ Add as test")),
        )
        .on_hover_text(lang.t(
            "把这条回答和当前得分（±5）写进剧本的 tests 并保存",
            "Writes this reply with its score (±5) into the playbook's tests and saves",
        ))
        .clicked()
    {
        out.push(Command::Author(Cmd::AddTest));
    }
    go_next
}

/// The playbook's tests as last run: the count, then each failure (clicked, its line).
fn tests_ui(ui: &mut Ui, lang: Lang, ed: &mut Editor, out: &mut Vec<Command>) {
    let Some(run) = &ed.tests else {
        return;
    };
    ui.separator();
    let color = if run.failures.is_empty() {
        theme::GOOD
    } else {
        theme::BAD
    };
    let head = ui.label(
        RichText::new(crate::msg::tests_heading(run.passed, run.failures.len()).take(lang))
            .strong()
            .color(color),
    );
    if std::mem::take(&mut ed.tests_new) {
        head.scroll_to_me(Some(egui::Align::TOP));
    }
    for f in &run.failures {
        let text = match f.line {
            Some(l) => format!("{l}: {}", f.message_in(lang)),
            None => f.message_in(lang).to_owned(),
        };
        let r = ui.add(
            egui::Button::new(RichText::new(text).color(theme::BAD))
                .frame(false)
                .wrap(),
        );
        if r.clicked()
            && let Some(line) = f.line
        {
            out.push(Command::Author(Cmd::Goto { line, column: 1 }));
        }
        // Why it scored what it did: the points per criterion, the rules and words, what the
        // reply did not do.
        for why in &f.why {
            ui.label(
                RichText::new(format!("    {why}"))
                    .small()
                    .color(theme::MUTED),
            );
        }
    }
}
